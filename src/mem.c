/*
 * mem: see include/mem.h.
 */
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mem.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23	/* Linux 5.14 */
#endif

/* Below this (16 pages), the call costs about what the faults do. */
#define PREFAULT_MIN (64u * 1024)

void mem_prefault(void *p, size_t len)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t start = ((uintptr_t)p + page - 1) & ~(page - 1);
	uintptr_t end = ((uintptr_t)p + len) & ~(page - 1);

	if (len < PREFAULT_MIN || end <= start)
		return;
	/* EINVAL on an older kernel: the pages then come one fault at a time. */
	(void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
}
