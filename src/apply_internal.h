/*
 * Private to apply.c, apply_kernel.c and cmd_rollback: the steps of the
 * transaction that talk to the kernel, and the fault-injection seam.
 */
#ifndef FTPCFG_APPLY_INTERNAL_H
#define FTPCFG_APPLY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmd.h"
#include "stage.h"
#include "txn.h"

/* Send the plan of @st as one batch guarded by st->genid (flags: NFT_NETLINK_CHECK). */
int apply_send(struct ctx *c, struct stage *st, unsigned flags);

/*
 * Put back what @j journaled: the files, then (@ruleset) the ruleset, then
 * (@reload) run the journaled reload commands.  0 or the first failure.
 */
int apply_undo(struct ctx *c, struct txn *t, const struct txn_journal *j, bool ruleset,
	       bool reload);

/* The content hash kept in the record, to tell whether a file changed since. */
uint64_t apply_hash(const char *data, size_t len);

#ifdef FTPCFG_TESTING
int apply_fault(struct ctx *c, const char *step);
/* FTPCFG_FAULT names @what exactly (a seam that changes the world, not a failure). */
bool apply_fault_is(const char *what);
#else
static inline int apply_fault(struct ctx *c, const char *step)
{
	(void)c;
	(void)step;
	return 0;
}
#endif

#endif
