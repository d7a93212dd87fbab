/*
 * nft_text: the ruleset IR printed in nft syntax, as `nft list table` prints
 * it, so that desired and live rulesets compare as text.
 */
#ifndef FTPCFG_NFT_TEXT_H
#define FTPCFG_NFT_TEXT_H

#include <stdbool.h>

#include "ruleset.h"

enum nft_text_flags {
	/*
	 * A file for `nft -f`: standalone mode adds "table X; delete table X;"
	 * first so that loading it replaces the table (loading twice is
	 * idempotent); attach mode flushes and re-adds only ftpcfg's chains.
	 */
	NFT_TEXT_LOADABLE = 1U << 0,
};

/* Print @rs; *out is a new NUL-terminated string owned by the caller. 0 or -ENOMEM. */
int nft_text_render(const struct ruleset *rs, unsigned flags, char **out);

#endif
