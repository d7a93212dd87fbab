/*
 * apply: the transaction.  Lock, recover what an interrupted run left,
 * pre-flight, journal, write files, commit the batch, reload, record; any
 * failure puts files and ruleset back as the journal has them.
 */
#ifndef FTPCFG_APPLY_H
#define FTPCFG_APPLY_H

#include <stdbool.h>

#include "cmd.h"
#include "txn.h"

enum apply_flags {
	APPLY_CHECK = 1U << 0,		/* build and check everything; change nothing */
	APPLY_NO_RELOAD = 1U << 1,	/* do not run the reload commands */
};

/*
 * Take the lock and roll back what an interrupted apply left (a journal),
 * before anything else (reloading the daemons it touched unless
 * APPLY_NO_RELOAD).  @t is set up for the caller, who must txn_end() it.
 * 0, -EAGAIN (lock held) or -errno.
 */
int apply_begin(struct ctx *c, struct txn *t, unsigned flags);

/*
 * Make the host match @site_path as one transaction, with @t from
 * apply_begin().  0 when nothing had to change, CMD_CHANGES when changes
 * were made (or, with APPLY_CHECK, would be), else a negative errno after
 * everything was put back: -ESTALE when the ruleset changed under us.
 */
int apply_site(struct ctx *c, struct txn *t, const char *site_path, unsigned flags);


#endif
