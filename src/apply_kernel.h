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
 * After a send that failed without the kernel's verdict (its answers
 * could not be read): *committed says whether the batch went in, found
 * out from the generation and, when it moved, the table itself (which
 * then must be the desired one, else the outcome is taken as committed so
 * that the old ruleset is put back).  0 or -errno.
 */
int apply_kernel_outcome(struct ctx *c, struct nft_netlink *nl, const struct stage *st,
			 bool *committed, bool *as_desired);

/* The same for a batch sent at generation @genid that was to make the table @want. */
int apply_kernel_outcome_of(struct ctx *c, struct nft_netlink *nl, const struct ruleset *want,
			    uint32_t genid, bool *committed, bool *as_desired);

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
