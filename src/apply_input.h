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
/* What the record says of this input, for the no-op check. */
enum apply_input_verdict {
	/* The site, ftpcfg, its templates or a managed file differ: the full path. */
	APPLY_INPUT_CHANGED,
	/*
	 * All are the ones recorded, but the generation is not the recorded
	 * one (or cannot be read): what the site renders is the record's
	 * ruleset and files, and the table must be read to know more.
	 */
	APPLY_INPUT_MOVED,
	/*
	 * And the generation is the recorded one: nothing can differ.  The
	 * recorded warnings were said again.
	 */
	APPLY_INPUT_UNCHANGED,
};

enum apply_input_verdict apply_input_check(struct ctx *c, const struct state *s,
					    struct nft_netlink *nl, const struct input *in);
void apply_input_say_warnings(struct ctx *c, const struct state *s);

#endif
