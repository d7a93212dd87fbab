/*
 * apply_input: the input of an apply (the site's bytes, this ftpcfg and its
 * templates), read once and hashed, and the no-op check against the record.
 * Private to apply.c.
 */
#ifndef FTPCFG_APPLY_INPUT_H
#define FTPCFG_APPLY_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmd.h"
#include "nft_netlink.h"
#include "state.h"

struct input {
	char *site;		/* the site's bytes; NULL: the loader opens it and says why */
	size_t site_len;
	/* site_sha256 is the site's: set with site, kept when site is freed after the parse. */
	bool have_site;
	uint8_t site_sha256[STATE_SHA256_LEN];
	uint8_t input_sha256[STATE_SHA256_LEN];	/* this ftpcfg and its templates */
	bool have_input;
};

/*
 * The site's bytes, read once (a FIFO cannot be read twice) and hashed;
 * what cannot be read is left to the loader, which says why.  Free in->site.
 */
void apply_input_read_site(const char *path, struct input *in);
/* Hash this ftpcfg's version and its templates into @in (in->have_input). */
void apply_input_read_templates(struct ctx *c, struct input *in);
/*
 * The record vouches for this very input, the live generation and every
 * managed file: nothing can differ.  Repeats the recorded warnings.
 */
bool apply_input_unchanged(struct ctx *c, const struct state *s, struct nft_netlink *nl,
			   const struct input *in);
/*
 * The input and every managed file are the ones the record names, whatever
 * the generation: what the site renders is the record's ruleset and files.
 */
bool apply_input_as_recorded(struct ctx *c, const struct state *s, const struct input *in);
/* Say again the warnings validation gave when the recorded site was applied. */
void apply_input_say_warnings(struct ctx *c, const struct state *s);

#endif
