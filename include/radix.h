/*
 * radix: the stable least-significant-byte-first radix sort that large
 * allowlists are ordered with (n + 256 per byte, nothing compared).
 */
#ifndef FTPCFG_RADIX_H
#define FTPCFG_RADIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Turn the counts of one pass (@at[d]: how many keys have byte d) into
 * the offset each byte's keys start at.  True when one byte value holds
 * all @n keys: the pass would move nothing and can be skipped.
 */
bool radix_offsets(size_t at[256], size_t n);

/*
 * Sort the @n keys in *@a on their bits from @shift up, byte by byte,
 * stably, with *@b (as large) as scratch; a byte equal in every key costs
 * one counting pass and no move.  On return *@a holds the sorted keys
 * (the two buffers may have been swapped).
 */
void radix_sort_u64(uint64_t **a, uint64_t **b, size_t n, unsigned shift);

#endif
