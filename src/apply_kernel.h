/*
 * apply_kernel: private to the transaction (apply.c, apply_txn.c).  The
 * transaction's kernel half: turn a plan into one guarded batch, find out
 * what a batch whose answers were lost did, and put a journaled ruleset
 * back.  It calls nothing of apply.c, apply_txn.c or apply_rollback.c.
 */
#ifndef FTPCFG_APPLY_KERNEL_H
#define FTPCFG_APPLY_KERNEL_H

#include <stdbool.h>

#include "cmd.h"
#include "nft_netlink.h"
#include "stage.h"

/*
 * Send the plan of @st as one batch guarded by st->genid (flags:
 * NFT_NETLINK_CHECK).  *sent: a batch went to the kernel (none when only
 * files differ).  0, -ESTALE (someone committed since the read), or the
 * failure, with its reason in @d (the caller decides whether it stands).
 */
int apply_kernel_send(struct ctx *c, struct nft_netlink *nl, const struct stage *st,
		      unsigned flags, bool *sent, struct diag *d);

/*
 * After a send that failed without the kernel's verdict (its answers
 * could not be read): *committed says whether the batch went in, found
 * out from the generation and, when it moved, the table itself (which
 * then must be the desired one, else the outcome is taken as committed so
 * that the old ruleset is put back).  0 or -errno.
 */
int apply_kernel_outcome(struct ctx *c, struct nft_netlink *nl, const struct stage *st,
			 bool *committed, bool *as_desired);

/*
 * Make the kernel hold @old again in the target @shape names, or nothing
 * of ftpcfg's when @old is NULL; through @nl, as one guarded batch.
 */
int apply_kernel_restore(struct ctx *c, struct nft_netlink *nl, const struct ruleset *shape,
			 const struct ruleset *old);

/*
 * The fault-injection seam of test builds (FTPCFG_TESTING):
 * FTPCFG_FAULT=STEP fails the transaction right after STEP, and
 * FTPCFG_FAULT=STEP:kill kills the process there (SIGKILL).  Always 0 in
 * other builds.
 */
int apply_fault(struct ctx *c, const char *step);

#endif
