/*
 * mem: see include/mem.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mem.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23	/* Linux 5.14 */
#endif

/* Below this (16 pages), the call costs about what the faults do. */
#define PREFAULT_MIN (64u * 1024)

/*
 * A transparent huge page (x86-64, arm64 with 4 KiB pages).  On the
 * virtual machines ftpcfg runs on, each 4 KiB page costs ~10 us at its
 * first touch even when mapped in advance (the hypervisor fills its own
 * page table a page at a time): a 4 MB site took 10 ms to read() into a
 * prefaulted buffer and 6-10 ms more to walk once; in huge pages, 0.9 ms
 * and 0.1 ms.  With THP "madvise" (Debian's default) only ranges asked
 * for get them; "never" ignores the request.
 */
#define HUGE_PAGE (2u * 1024 * 1024)

void mem_prefault(void *p, size_t len)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t start = ((uintptr_t)p + page - 1) & ~(page - 1);
	uintptr_t end = ((uintptr_t)p + len) & ~(page - 1);
	uintptr_t huge_start = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
	uintptr_t huge_end = ((uintptr_t)p + len) & ~(uintptr_t)(HUGE_PAGE - 1);

	if (len < PREFAULT_MIN || end <= start)
		return;
	/*
	 * Only whole huge pages inside the range: the memory used stays the
	 * range's.  EINVAL without THP: small pages, as before.
	 */
	if (huge_end > huge_start)
		(void)madvise((void *)huge_start, huge_end - huge_start, MADV_HUGEPAGE);
	/* EINVAL on an older kernel: the pages then come one fault at a time. */
	(void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
}

void *mem_alloc(size_t len)
{
	void *p = NULL;

	if (len < HUGE_PAGE)
		p = malloc(len);
	else if (posix_memalign(&p, HUGE_PAGE, len) != 0)
		p = NULL;
	return p;
}

size_t mem_huge_size(size_t len)
{
	if (len < HUGE_PAGE / 2 || len > SIZE_MAX - HUGE_PAGE)
		return len;
	return (len + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
}

void *mem_realloc(void *p, size_t used, size_t len)
{
	size_t huge = mem_huge_size(len);
	void *q;

	if (len < HUGE_PAGE / 2)
		return realloc(p, len);
	q = mem_alloc(huge);
	if (!q)
		return NULL;
	/* The copy as well as the growth, and the tail's room: all of it in huge pages. */
	mem_prefault(q, huge);
	if (used)
		memcpy(q, p, used < len ? used : len);
	free(p);
	return q;
}

void *mem_grow(void *p, size_t *alloc, size_t used, size_t size, size_t max)
{
	size_t n = *alloc ? 2 * *alloc : 64;
	void *q;

	if (n > max || n > SIZE_MAX / size)
		return NULL;
	q = mem_realloc(p, used * size, n * size);
	if (!q)
		return NULL;
	/* mem_realloc() prefaulted a large block whole; a smaller one's new part here. */
	if (n * size < HUGE_PAGE / 2)
		mem_prefault((char *)q + used * size, (n - used) * size);
	*alloc = n;
	return q;
}
