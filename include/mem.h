/*
 * mem: fresh memory in one step.  On the virtual machines ftpcfg runs on,
 * the first touch of each 4 KiB page is a fault that costs ~10 µs: 4 MB
 * touched page by page costs ~14 ms, more than parsing it.  Buffers that
 * grow with the allowlist ask the kernel for their pages at once instead.
 */
#ifndef FTPCFG_MEM_H
#define FTPCFG_MEM_H

#include <stddef.h>

/*
 * Map the pages of [@p, @p + @len) now, with one system call, rather than
 * one fault at a time on first touch.  Contents are unchanged.  Only worth
 * it for large ranges; does nothing for small ones or where the kernel
 * cannot (before Linux 5.14).  Never fails.
 */
void mem_prefault(void *p, size_t len);

/*
 * malloc(@len) for a large buffer: aligned to a huge page, so that
 * mem_prefault() of it can back all of it with huge pages (see mem.c).
 * NULL when out of memory.  Release with free(); realloc() works on it
 * as on any malloc'd block.
 */
void *mem_alloc(size_t len);

/*
 * @len rounded up to whole huge pages when it is large (from half a huge
 * page; unchanged below): the size to mem_alloc() and mem_prefault() for a
 * buffer whose tail should be in a huge page too, at the cost of up to one
 * huge page of memory more while it lives.
 */
size_t mem_huge_size(size_t len);

/*
 * realloc(@p, @len) for a buffer that grows: once @len is large (half a
 * huge page), the block moves to a mem_alloc() one of mem_huge_size(@len),
 * all of it prefaulted (the first @used bytes copied), rather than staying
 * where realloc() would leave it, unaligned.  NULL when out of memory, @p
 * then unchanged.
 */
void *mem_realloc(void *p, size_t used, size_t len);

/*
 * Room for more items of @size bytes in @p, which holds @used of *@alloc:
 * the block doubles (64 items at first, at most @max) through
 * mem_realloc(), its new part prefaulted, and *@alloc says how many it
 * holds now.  The new block, or NULL (out of memory, or past @max) with @p
 * and *@alloc unchanged.
 */
void *mem_grow(void *p, size_t *alloc, size_t used, size_t size, size_t max);

#endif
