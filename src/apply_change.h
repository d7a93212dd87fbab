/*
 * apply_change: the change itself, once apply has planned something
 * (apply_change.c).  Private to apply.c.
 */
#ifndef FTPCFG_APPLY_CHANGE_H
#define FTPCFG_APPLY_CHANGE_H

#include <stddef.h>
#include <stdint.h>

#include "apply_input.h"
#include "audit.h"
#include "cmd.h"
#include "nft_netlink.h"
#include "stage.h"
#include "state.h"

/*
 * Before anything is written: every server's TLS files, and the new files
 * of each server whose files change, through the daemon's own check.
 * 0, or -ECANCELED after saying what failed.
 */
int apply_change_preflight(struct ctx *c, const struct stage *st);

/* The originals of the files this apply takes over (what remove puts back).  0 or -errno. */
int apply_change_keep_originals(struct state *s, struct stage *st);

/*
 * The record of what is managed now: the site's ruleset and files as
 * @st has them, the input's hashes, the generation @genid (0: not ours to
 * vouch for), the journal it closes, the ruleset file already written
 * for it (@ruleset_sha256, or NULL: written here), and the warnings
 * validation gave (the records c->diag got between @warn_from and
 * @warn_to, so that no other run's message is replayed).  0 or -errno.
 */
int apply_change_record(struct ctx *c, struct state *s, struct nft_netlink *nl,
			const struct stage *st, const struct input *in, uint32_t genid,
			const uint8_t journal_sha256[STATE_SHA256_LEN],
			const uint8_t *ruleset_sha256, size_t warn_from, size_t warn_to);

/*
 * The change, from the journal on, with --confirm's pending confirmation
 * in @pending when @confirm_secs: 0 (applied), or a failure after undo.
 */
int apply_change(struct ctx *c, struct state *s, struct nft_netlink *nl, struct stage *st,
		 const struct input *in, unsigned flags, size_t warn_from, size_t warn_to,
		 unsigned confirm_secs, struct audit *a, struct state_confirm *pending);

#endif
