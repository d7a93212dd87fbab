/*
 * apply: the transaction.  Lock, recover what an interrupted run left,
 * read, plan, pre-flight, journal, write files, commit the batch, reload,
 * record; any failure puts back what this run changed, as the journal
 * has it.  Also rollback, which is the same transaction run from the
 * last journal.
 */
#ifndef FTPCFG_APPLY_H
#define FTPCFG_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmd.h"
#include "ruleset.h"
#include "state.h"

enum apply_flags {
	APPLY_CHECK = 1U << 0,		/* build and check everything; change nothing */
	APPLY_NO_RELOAD = 1U << 1,	/* do not run the reload commands */
	APPLY_ALLOW_CONFLICTS = 1U << 2,/* go on although another firewall drops FTP */
	APPLY_IF_APPLIED = 1U << 8,	/* restore: nothing recorded is not an error */
};

/*
 * Make the host match @site_path as one transaction.  0 when nothing had
 * to change, CMD_CHANGES when changes were made (or, with APPLY_CHECK,
 * would be), else a negative errno after what this run changed was put
 * back: -EAGAIN (lock held), -ESTALE (the ruleset changed under us).
 */
int apply_site(struct ctx *c, const char *site_path, unsigned flags);

struct audit;

/*
 * apply_site(), and what the run did into @a (step, generation, site,
 * summary: the caller sets command and logs it).  With @confirm_secs, the
 * change must be confirmed (`ftpcfg confirm`) within that many seconds or
 * a detached watcher rolls it back.  Refused with -EAGAIN while another
 * change awaits confirmation.
 */
int apply_site_ex(struct ctx *c, const char *site_path, unsigned flags, unsigned confirm_secs,
		  struct audit *a);

/*
 * Return files, ruleset and record to what they were before the last
 * change, as a transaction of its own (whose journal becomes the last
 * one: a second rollback undoes the first).  0, -ENOENT (nothing to roll
 * back) or -errno.
 */
int apply_rollback(struct ctx *c, unsigned flags);

/* What restore did. */
struct apply_restore_result {
	bool restored;		/* a batch was committed; false: the kernel held it already */
	bool nothing_applied;	/* APPLY_IF_APPLIED and no apply is recorded: nothing was done */
	bool removed;		/* 'ftpcfg remove' took everything off: nothing was done */
	int64_t removed_time;	/* when, if removed */
	size_t messages;	/* in that batch */
	const char *family;	/* the recorded target: "inet", "ip", "ip6" (static) */
	char *table;		/* owned */
	char *attach_chain;	/* owned; NULL in standalone mode */
	uint32_t genid;		/* the generation now (0: not ours to tell) */
	/* The record's integration (<firewall backend>), NULL: none (static). */
	const char *backend;
	bool integ_restored;	/* what was missing of it was put back */
	char **integ_changes;	/* owned: what was, as diff prints plan lines */
	size_t n_integ_changes;
};

void apply_restore_result_release(struct apply_restore_result *res);

/*
 * Commit the ruleset of the last apply again, from the record alone (no
 * site, no file touched), as one batch guarded by the generation; in
 * attach mode into the host's table as it is now.  Nothing is sent when
 * the kernel holds it already.  What is missing of the recorded
 * integration (include/backend.h) is put back in the same journaled
 * transaction; a failure undoes both.  An interrupted run's journal is put back
 * first.  After 'ftpcfg remove' there is nothing to restore: 0 with
 * res->removed.  0, or -errno with nothing committed: -ENOENT (no record,
 * unless APPLY_IF_APPLIED: then 0 with res->nothing_applied; or the
 * attach chain is missing), -EUCLEAN (damaged record), -EREMOTEIO (the
 * kernel refused the batch), -ESTALE, -EAGAIN.  @res is filled as far as
 * it got; release it either way.  A change awaiting confirmation whose
 * deadline passed is rolled back first (a->reverted_first), as every run
 * that takes the lock does; one still pending whose watcher is gone (the
 * reboot this restore follows) gets a new watcher (a->watcher_pid).  @a:
 * the step under way and the site, for the audit line.
 */
int apply_restore(struct ctx *c, unsigned flags, struct apply_restore_result *res,
		  struct audit *a);
/*
 * The same with @to: return to what generation @to applied (0: before the
 * last change, as apply_rollback()); @a gets what the run did.
 */
int apply_rollback_ex(struct ctx *c, unsigned flags, unsigned to, struct audit *a);

/*
 * Confirm the change awaiting confirmation.  *was_pending false: nothing
 * was pending (not an error).  A deadline already past reverts instead
 * and fails with -ETIME.  @a gets what the run did.
 */
int apply_confirm(struct ctx *c, bool *was_pending, struct state_confirm *p, struct audit *a);

/*
 * The watcher's loop (a detached process apply --confirm starts): wait
 * for the deadline of the confirmation of generation @gen, then revert
 * unless it was confirmed.  Returns when done; never prints.
 */
int apply_confirm_watch(struct ctx *c, const struct state_confirm *p);

/* What remove does to one managed file. */
enum apply_removal_action {
	APPLY_REMOVAL_RESTORE,	/* its original back: content, owner and mode */
	APPLY_REMOVAL_DELETE,	/* ftpcfg created it: removed */
	APPLY_REMOVAL_KEEP,	/* no original is known: left as it is (a warning says why) */
};

struct apply_removal_file {
	char *path;			/* owned; on the target (no root) */
	enum apply_removal_action action;
	bool changes;			/* false: it is already so */
	size_t len;			/* restore: the original's size, mode and owner */
	unsigned mode;
	unsigned uid;
	unsigned gid;
};

/*
 * One object remove takes away: of ftpcfg's in the kernel ("table",
 * "chain", "set", "ct helper" or "jump"), or what another firewall
 * manager was made to do for ftpcfg ("integration", <firewall backend>).
 */
struct apply_removal_object {
	const char *object;		/* static */
	char *name;			/* owned; a jump: the chain it jumps to */
	char *in;			/* owned or NULL: the table (or, for a jump, the chain) it is in */
	char *line;			/* owned or NULL: an integration's plan line, as diff says it */
};

/* What remove did, or with APPLY_CHECK would do. */
struct apply_removal {
	bool managed;			/* false: no apply is recorded, nothing was touched */
	char *site;			/* owned or NULL: the site of the last apply */
	char *site_name;		/* owned or NULL */
	struct ruleset *target;		/* owned: family, table, attach point (no objects) */
	struct apply_removal_object *objects;	/* owned */
	size_t n_objects;
	struct apply_removal_file *files;	/* owned */
	size_t n_files;
	char **reloads;			/* owned: run (or to run) after the files, in order */
	size_t n_reloads;
};

void apply_removal_release(struct apply_removal *r);

/*
 * Take off everything ftpcfg manages as one transaction: its table (in
 * attach mode its chains, sets, helpers and the jump), what the record's
 * <firewall backend> integration made another manager do, each managed file
 * put back as it was before ftpcfg first wrote it (or removed, when ftpcfg
 * created it), the reloads, and the record replaced by the marker of a
 * removal.  Journaled like apply: a failure or a kill at any step ends
 * wholly before or wholly after.  Flags: APPLY_CHECK (plan and let the
 * kernel check the batch; change nothing), APPLY_NO_RELOAD.  @out says
 * what was (or would be) done.  0 when nothing is managed, CMD_CHANGES
 * when something was (or would be) removed, else -errno after what this
 * run changed was put back: -EAGAIN (lock held), -ESTALE (the ruleset
 * changed under us), -EUCLEAN (a damaged record or originals).  An
 * unconfirmed change past its deadline is rolled back first
 * (a->reverted_first); one still pending is settled by the removal.
 * @a: the step under way and the site (borrowed from @out), for the
 * audit line.
 */
int apply_remove(struct ctx *c, unsigned flags, struct apply_removal *out, struct audit *a);

#endif
