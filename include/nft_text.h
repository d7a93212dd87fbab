/*
 * nft_text: the ruleset IR printed in nft syntax, as `nft list table` prints
 * it (nft 1.0.6: tabs, a blank line between objects, set elements wrapped
 * as nft wraps them), so that desired and live rulesets compare as text.
 *
 * Counters print as a bare `counter`: the IR holds no values, and counter
 * values are never a difference.  `nft list` prints `counter packets N
 * bytes M`; whoever compares with it strips those two numbers.
 */
#ifndef FTPCFG_NFT_TEXT_H
#define FTPCFG_NFT_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "diff.h"
#include "ruleset.h"

enum nft_text_flags {
	/*
	 * A file for `nft -f`.  Standalone: "table X" and "delete table X"
	 * come first, so that loading replaces the table in one transaction
	 * and loading twice gives the same ruleset.  Attach: ftpcfg's chain
	 * and sets are added if missing and flushed, then refilled, and the
	 * jump is inserted; see nft_text.c for why a second load adds a
	 * second jump.
	 */
	NFT_TEXT_LOADABLE = 1U << 0,
	/*
	 * The view `diff` compares (not loadable): every set as one set of
	 * networks, sharded or not, one element a line, so that a changed
	 * network is one line out and one line in.
	 */
	NFT_TEXT_DIFF = 1U << 1,
};

/*
 * Without NFT_TEXT_LOADABLE, an attach-mode ruleset prints as the part of
 * the foreign table that ftpcfg manages: its helper, sets and chains, and
 * the foreign base chain holding only the jump (no type line: its hook
 * and policy are not ftpcfg's).
 */

/*
 * Print @rs; *out is a new NUL-terminated string owned by the caller.
 * 0, -ENOMEM, or -EINVAL when the IR holds an address family other than
 * AF_INET and AF_INET6 (a bug in whoever built it).
 */
int nft_text_render(const struct ruleset *rs, unsigned flags, char **out);

/*
 * The diff view (NFT_TEXT_DIFF) of two rulesets, made for
 * diff_unified_gaps(): where both have a set of the same name and family,
 * each run of elements both hold alike is left out of both texts (a gap),
 * all but the @context elements at each of its ends, which a diff with
 * @context lines of context is the most it could show of the run.  A
 * changed network thus costs a few lines of text, whatever the size of
 * its set.  @old or @new NULL: "" and no gaps.
 */
struct nft_text_pair {
	char *old;		/* owned */
	char *new;		/* owned */
	struct diff_gap *gaps;	/* owned; in both texts' order */
	size_t n_gaps;
};

/* 0, -ENOMEM or -EINVAL as nft_text_render(); @out is empty on failure. */
int nft_text_render_pair(const struct ruleset *old, const struct ruleset *new, unsigned context,
			 struct nft_text_pair *out);
void nft_text_pair_release(struct nft_text_pair *p);

/* "10.0.0.0/24", "10.0.0.1-10.0.0.5" or "10.0.0.7": two addresses and a dash fit. */
#define NFT_TEXT_RANGE_MAX (2 * 46 + 2)

/*
 * Print one set element as nft does: a single address, a prefix, or
 * lo-hi.  0, or -EINVAL for an unknown family, -ENOSPC if @size is short.
 */
int nft_text_range(int addr_family, const struct ir_range *r, char *buf, size_t size);

/* Print one rule as `nft list` prints it, without indentation or newline. 0 or -ENOMEM. */
int nft_text_rule(const struct ir_rule *r, char **out);

#endif
