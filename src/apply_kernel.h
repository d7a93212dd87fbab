/*
 * apply_kernel: private to the transactions (apply.c, apply_txn.c,
 * apply_remove.c).  The
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
 * After a batch made at generation @genid to leave the table as @want was
 * sent and nft_netlink_batch_send() returned @ret (its reasons in @d):
 * when the kernel's answers could not be read (anything but 0 and
 * -ESTALE), find out from the generation and the table whether it went
 * in.  0 when it did, as wanted (a warning says so), else @ret.
 * *committed: the batch may be in, so undo must put the old ruleset back.
 */
int apply_kernel_settle(struct ctx *c, struct nft_netlink *nl, const struct ruleset *want,
			uint32_t genid, int ret, struct diag *d, bool *committed);

/*
 * Send remove's batch @b (it deletes everything of ftpcfg's that the dump
 * at @genid held, in the target @shape names).  Answers that could not be
 * read are not taken as a refusal: the generation and a new dump say
 * whether it went in, as after an apply.  *committed: it went in, or may
 * have (undo then puts back only what differs).  0 (committed, or found
 * committed with nothing of ftpcfg's left: a warning says so), -ESTALE
 * (someone committed since the dump; said in @c's diag), or the failure.
 */
int apply_kernel_send_removal(struct ctx *c, struct nft_netlink *nl,
			      struct nft_netlink_batch *b, const struct ruleset *shape,
			      uint32_t genid, bool *committed);

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

/* Test seam: FTPCFG_FAULT names @what exactly (never, in a build without FTPCFG_TESTING). */
bool apply_fault_is(const char *what);

#endif
