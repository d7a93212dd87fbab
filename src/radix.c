/*
 * radix: see include/radix.h.
 */
#include "radix.h"

bool radix_offsets(size_t at[256], size_t n)
{
	size_t sum = 0;
	bool one = false;

	for (size_t d = 0; d < 256; d++) {
		size_t c = at[d];

		one |= c == n;
		at[d] = sum;
		sum += c;
	}
	return one;
}

void radix_sort_u64(uint64_t **a, uint64_t **b, size_t n, unsigned shift)
{
	for (; shift < 64; shift += 8) {
		size_t at[256] = { 0 };
		uint64_t *t;

		for (size_t i = 0; i < n; i++)
			at[((*a)[i] >> shift) & 0xff]++;
		if (radix_offsets(at, n))
			continue;
		for (size_t i = 0; i < n; i++)
			(*b)[at[((*a)[i] >> shift) & 0xff]++] = (*a)[i];
		t = *a;
		*a = *b;
		*b = t;
	}
}
