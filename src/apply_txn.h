/*
 * apply_txn: what apply (apply.c) and rollback (apply_rollback.c) share
 * below both: what a run has changed so far, undo from a journal, the
 * recovery of an interrupted run's journal, the netlink socket they open.
 * Private to the transaction; it calls nothing of apply.c or
 * apply_rollback.c.
 */
#ifndef FTPCFG_APPLY_TXN_H
#define FTPCFG_APPLY_TXN_H

#include <stdbool.h>
#include <stddef.h>

#include "backend.h"
#include "cmd.h"
#include "nft_netlink.h"
#include "ruleset.h"
#include "stage.h"
#include "state.h"

/* What a run has changed so far: what undo puts back. */
struct apply_progress {
	bool files;		/* files were written (undo compares each before touching it) */
	bool committed;		/* the batch went in, or may have */
	size_t n_reloaded;	/* reload commands run: the first n of the journal's */
	bool record;		/* the record was (or may have been) rewritten */
	bool integ;		/* an integration step ran (or may have run) */
};

/*
 * Fill @f (a journal entry) with a copy of @path and @content (NULL: the
 * file is absent) and the owner and mode @m.  0 or -ENOMEM; what was
 * copied belongs to @f's journal either way.
 */
int apply_txn_save(struct state_saved *f, const char *path, const char *content, size_t len,
		   const struct stage_meta *m);

/*
 * Into @j: a copy of the record as it is now, for undo to put back (none
 * when there is no record or it is damaged).  0 or -ENOMEM.
 */
int apply_txn_save_record(const struct state *s, struct state_journal *j);

/*
 * Write the record again as it is but for its generation (@genid, in this
 * boot and namespace; 0: not ours to vouch for), the conflict check's
 * verdict @guard at it, and the site's path (@site, NULL: as recorded).
 * Nothing else changed, so a failure is a warning, which says @done first
 * ("the ruleset is restored"): the next run reads the table again.
 */
void apply_txn_rerecord(struct ctx *c, struct state *s, struct nft_netlink *nl, uint32_t genid,
			enum state_guard guard, const char *site, const char *done);

/* *out: a copy of @rs's target (family, table, attach point) without its objects. */
int apply_txn_shape_of(const struct ruleset *rs, struct ruleset **out);

/*
 * Put back what @j journaled, as far as @p says this run got: each file
 * that differs from its journaled self (content, mode, owner), the
 * ruleset @old when a batch went in, the record, then the reload commands
 * that ran.  0 or the first failure; keeps going to put back as much as
 * it can.
 */
int apply_txn_undo(struct ctx *c, struct state *s, struct nft_netlink *nl,
		   const struct state_journal *j, const struct ruleset *old,
		   const struct apply_progress *p);

/*
 * A journal left by an interrupted run.  When the record names it, that
 * run completed (it was killed while retiring the journal): retire it.
 * Otherwise put back everything it journaled, the record too.  0 or -errno.
 */
int apply_txn_recover(struct ctx *c, struct state *s, struct nft_netlink *nl, unsigned flags);

/*
 * What each integration in @ops (include/backend.h) has on the host now,
 * into @j's integ (before anything changes).  0 or -errno, said in c->diag.
 */
int apply_txn_save_integrations(const struct ctx *c, struct nft_netlink *nl,
				const struct backend_ops *const *ops, size_t n,
				struct state_journal *j);

/*
 * Bring every integration a change from @old (the record's ruleset; NULL:
 * none) to @want touches into line: the old backend's is taken away, the
 * site's made so.  0 or the first failure.
 */
int apply_txn_integrate(const struct ctx *c, struct nft_netlink *nl, const struct ruleset *old,
			const struct ruleset *want);

/* Open the run's one netlink socket; says why not.  0 or -errno. */
int apply_txn_open_netlink(struct ctx *c, struct nft_netlink **nl);

#endif
