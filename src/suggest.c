/*
 * suggest: the edit distance every "did you mean" uses, in one place so the
 * command line, the schema messages and the directive names judge a typo
 * alike.  Pure computation: no allocation, no output.
 */
#include <string.h>

#include "suggest.h"

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

size_t suggest_distance(const char *a, const char *b)
{
	size_t la = strlen(a);
	size_t lb = strlen(b);
	/* (SUGGEST_MAX_LEN + 1)² entries: 16 KiB of stack, no allocation. */
	unsigned short d[SUGGEST_MAX_LEN + 1][SUGGEST_MAX_LEN + 1];

	if (la > SUGGEST_MAX_LEN || lb > SUGGEST_MAX_LEN)
		return SUGGEST_FAR;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned short)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned short)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			unsigned best = d[i - 1][j - 1] + (lower(a[i - 1]) != lower(b[j - 1]));

			if (d[i - 1][j] + 1U < best)
				best = d[i - 1][j] + 1U;
			if (d[i][j - 1] + 1U < best)
				best = d[i][j - 1] + 1U;
			if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
			    lower(a[i - 2]) == lower(b[j - 1]) && d[i - 2][j - 2] + 1U < best)
				best = d[i - 2][j - 2] + 1U;
			d[i][j] = (unsigned short)best;
		}
	}
	return d[la][lb];
}
