/*
 * apply_history: what the transaction keeps of itself once it is done:
 * the generation (the journal, what the change left, who and what) and
 * the pruning of the oldest, the pending confirmation of apply --confirm,
 * and the revert of an unconfirmed change.  Private to the transaction
 * (apply.c, apply_rollback.c, apply_confirm.c).
 */
#ifndef FTPCFG_APPLY_HISTORY_H
#define FTPCFG_APPLY_HISTORY_H

#include <stdbool.h>

#include "audit.h"
#include "cmd.h"
#include "nft_netlink.h"
#include "stage.h"
#include "state.h"

/*
 * What an apply leaves: each file the site writes as it is now on disk
 * (content, owner, mode), each stale one as absent, the target, @st's
 * ruleset, every server's reload command and the record just written.
 * @after borrows the ruleset and the shape: release it with
 * apply_history_after_release().  0 or -errno.
 */
int apply_history_after_apply(struct ctx *c, const struct state *s, const struct stage *st,
			      const struct state_journal *j, struct state_journal *after);
void apply_history_after_release(struct state_journal *after);

/*
 * Keep the change whose journal is @j (written, not yet retired) as the
 * next generation: @a says the command, outcome, site and summary;
 * a->generation is set.  Then prune to --keep-history (a failure to
 * prune is a warning).  0 or -errno with a diag: the caller undoes.
 */
int apply_history_keep(struct ctx *c, struct state *s, const struct state_journal *j,
		       const struct state_journal *after, struct audit *a);

/*
 * A rollback as a transaction of its own, in the locked state @s: put
 * back what @target holds (files, ruleset, record, then its reload
 * commands), journaling what is there now first, and keep it as a
 * generation (@a: command and outcome; summary and generation are set).
 * A pending confirmation is settled by it (removed).  0 or -errno after
 * what was changed was put back.
 */
int apply_rollback_locked(struct ctx *c, struct state *s, struct nft_netlink *nl,
			  unsigned flags, const struct state_journal *target, struct audit *a);

/*
 * After recovery, in every run that may change something: a change
 * awaiting confirmation whose deadline has passed is rolled back now
 * (said as a warning, its own syslog line and generation; a->reverted_first
 * names the generation reverted).  *pending
 * (may be NULL) tells whether one is still pending, its details in @p.
 * 0 or -errno.
 */
int apply_confirm_settle(struct ctx *c, struct state *s, struct nft_netlink *nl,
			 unsigned flags, bool *pending, struct state_confirm *p, struct audit *a);

/*
 * apply --confirm: start the watcher of the pending confirmation of
 * generation @gen (already written with the change) and note its PID in
 * the state and in a->watcher_pid.  A watcher that cannot start is a
 * warning: the next run after the deadline reverts.  0 or -errno.
 */
int apply_confirm_start(struct ctx *c, struct state *s, const struct state_confirm *p,
			struct audit *a);

/*
 * A confirmation still pending whose watcher is gone (the host rebooted,
 * or it was killed): start a new one for the same deadline, so that the
 * change is still rolled back in time without waiting for the next run.
 * Nothing when the noted watcher runs.  0 or -errno.
 */
int apply_confirm_rewatch(struct ctx *c, struct state *s, const struct state_confirm *p,
			  struct audit *a);

#endif
