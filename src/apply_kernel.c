/*
 * apply_kernel: the transaction's kernel half.  Turns a plan into one
 * guarded batch (element and rule changes one by one, or a rebuild of what
 * ftpcfg manages), finds out what a batch whose answers were lost did,
 * and puts a journaled ruleset back.  Called by apply.c only.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply_kernel.h"

#ifdef FTPCFG_TESTING
bool apply_fault_is(const char *what)
{
	const char *f = getenv("FTPCFG_FAULT");

	return f && !strcmp(f, what);
}

int apply_fault(struct ctx *c, const char *step)
{
	const char *f = getenv("FTPCFG_FAULT");
	size_t len = strlen(step);

	if (!f || strncmp(f, step, len) || (f[len] && f[len] != ':'))
		return 0;
	if (!strcmp(f + len, ":kill"))
		raise(SIGKILL);
	return diag(c->diag, NULL, -EIO, "fault injected after step '%s' (FTPCFG_FAULT)", step);
}
#else
bool apply_fault_is(const char *what)
{
	(void)what;
	return false;
}

int apply_fault(struct ctx *c, const char *step)
{
	(void)c;
	(void)step;
	return 0;
}
#endif

static const struct ir_set *find_set(const struct ruleset *rs, const char *name)
{
	for (size_t i = 0; rs && i < rs->n_sets; i++)
		if (!strcmp(rs->sets[i].name, name))
			return &rs->sets[i];
	return NULL;
}

static bool set_changes(const struct plan *p, const char *set)
{
	for (size_t i = 0; i < p->n_items; i++)
		if (p->items[i].obj == PLAN_OBJ_ELEMENT && !strcmp(p->items[i].parent, set))
			return true;
	return false;
}

/* Element and rule changes, each as few messages as the kernel allows. */
static int encode_delta(struct diag *d, const struct stage *st, struct nft_netlink_batch *b)
{
	const struct plan *p = &st->plan;
	int ret = 0;

	for (size_t i = 0; i < st->want->n_sets && ret == 0; i++) {
		const struct ir_set *want = &st->want->sets[i];
		const struct ir_set *old = find_set(st->live_rs, want->name);

		if (old && set_changes(p, want->name))
			ret = nft_netlink_batch_update_elems(b, st->want, want, old->elems,
							     old->n_elems, d);
	}
	for (size_t i = 0; i < p->n_items && ret == 0; i++) {
		const struct plan_item *it = &p->items[i];

		if (it->obj == PLAN_OBJ_RULE && it->op == PLAN_DELETE)
			ret = nft_netlink_batch_del_rule(b, st->want, it->parent, it->rule->handle,
							 it->rule->line, d);
	}
	/*
	 * New rules last to first: each goes after its anchor (or first in
	 * the chain), so a run of them after one anchor ends up in order.
	 */
	for (size_t i = p->n_items; i-- > 0 && ret == 0;) {
		const struct plan_item *it = &p->items[i];

		if (it->obj != PLAN_OBJ_RULE || it->op != PLAN_ADD)
			continue;
		if (it->after)
			ret = nft_netlink_batch_add_rule(b, st->want, it->parent, it->rule, it->after,
							 d);
		else
			ret = nft_netlink_batch_insert_rule(b, st->want, it->parent, it->rule,
							    d);
	}
	return ret;
}

static bool plan_has_jump(const struct plan *p)
{
	for (size_t i = 0; i < p->n_items; i++)
		if (p->items[i].obj == PLAN_OBJ_JUMP)
			return true;
	return false;
}

/*
 * Test seams (lostreply is in apply_kernel_settle()).  race: someone else
 * changes the ruleset (a table of their own) between our read and our
 * send, so the generation moves.  badbatch: the batch ends with a message
 * the kernel refuses (a rule handle that does not exist), so the kernel
 * rejects the whole batch.
 */
static int test_seams(struct diag *d, struct nft_netlink *nl, const struct stage *st,
		      struct nft_netlink_batch *b)
{
	struct ruleset other = { .family = IR_FAMILY_INET, .table = (char *)"ftpcfg_race" };
	struct nft_netlink_batch *ob = NULL;
	int ret = 0;

	if (apply_fault_is("badbatch") && st->want->n_chains)
		return nft_netlink_batch_del_rule(b, st->want, st->want->chains[0].name,
						  UINT32_MAX, 0, d);
	if (!apply_fault_is("race"))
		return 0;
	ret = nft_netlink_batch_new(nl, 0, NULL, &ob);
	if (ret == 0)
		ret = nft_netlink_batch_replace(ob, &other, NULL, d);
	if (ret == 0)
		ret = nft_netlink_batch_send(nl, ob, 0, d);
	nft_netlink_batch_free(ob);
	return ret;
}

int apply_kernel_send(struct ctx *c, struct nft_netlink *nl, const struct stage *st,
		      unsigned flags, bool *sent, struct diag *d)
{
	struct nft_netlink_batch *b = NULL;
	int ret;

	*sent = false;
	ret = nft_netlink_batch_new(nl, st->genid, st->site->file, &b);
	if (ret < 0)
		return ret;
	if (st->plan.replace || plan_has_jump(&st->plan))
		ret = nft_netlink_batch_replace(b, st->want, st->live, d);
	else
		ret = encode_delta(d, st, b);
	if (ret == 0 && nft_netlink_batch_count(b) == 0)
		goto out;	/* only files differ */
	if (ret == 0)
		ret = test_seams(d, nl, st, b);
	if (ret == 0 && c->opts->verbose)
		diag_progress("batch: %zu message%s", nft_netlink_batch_count(b),
			      nft_netlink_batch_count(b) == 1 ? "" : "s");
	if (ret < 0)
		goto out;
	*sent = true;
	ret = nft_netlink_batch_send(nl, b, flags, d);
	if (ret == -ESTALE)
		diag(d, NULL, -ESTALE, "the ruleset changed while ftpcfg was planning "
		     "(generation %u is gone); nothing was changed: run again", st->genid);
out:
	nft_netlink_batch_free(b);
	return ret;
}

/*
 * Did the batch sent at generation @genid go in, and is the table @want
 * now?  Found out from the generation and, when it moved, the table
 * itself (which then must be the desired one, else the outcome is taken
 * as committed so that the old ruleset is put back).  0 or -errno.
 */
static int outcome(struct ctx *c, struct nft_netlink *nl, const struct ruleset *want,
		   uint32_t genid, bool *committed, bool *as_desired)
{
	struct nft_netlink_live *live = NULL;
	struct plan p;
	uint32_t now = 0;
	int ret;

	*committed = true;	/* until shown otherwise: the old ruleset is put back */
	*as_desired = false;
	ret = nft_netlink_get_genid(nl, &now);
	if (ret < 0)
		return diag(c->diag, NULL, ret, "cannot read the ruleset generation after the batch: "
			    "%s", strerror(-ret));
	/* Every commit, ours included, moves the generation: unmoved, nothing went in. */
	if (now == genid) {
		*committed = false;
		return 0;
	}
	plan_init(&p);
	ret = nft_netlink_dump(nl, want, &live, c->diag);
	if (ret == 0)
		ret = plan_ruleset(&p, want, live->rs);
	if (ret == 0)
		*as_desired = !p.n_ruleset_changes;
	plan_release(&p);
	nft_netlink_live_free(live);
	return ret;
}

int apply_kernel_settle(struct ctx *c, struct nft_netlink *nl, const struct ruleset *want,
			uint32_t genid, int ret, struct diag *d, bool *committed)
{
	bool as_desired = false;

	/* Test seam lostreply: the batch went in, but its answers could not be read. */
	if (ret == 0 && apply_fault_is("lostreply"))
		ret = diag(d, NULL, -EIO, "cannot read the kernel's answers: %s (FTPCFG_FAULT)",
			   strerror(EIO));
	*committed = ret == 0;
	if (ret == 0 || ret == -ESTALE)
		return ret;
	/* No verdict read: find out what the kernel did before undoing anything. */
	if (outcome(c, nl, want, genid, committed, &as_desired) == 0 && *committed && as_desired) {
		diag_warn(c->diag, NULL, "the kernel's answers to the batch could not be read, but "
			  "the table shows the batch was committed");
		return 0;
	}
	return ret;
}

/* After remove's batch whose answers were lost: did it go in, and is nothing of ftpcfg's left? */
static int removal_outcome(struct ctx *c, struct nft_netlink *nl, const struct ruleset *shape,
			   uint32_t genid, bool *committed, bool *gone)
{
	struct nft_netlink_live *live = NULL;
	struct nft_netlink_batch *b = NULL;
	uint32_t now = 0;
	int ret;

	*committed = true;
	*gone = false;
	ret = nft_netlink_get_genid(nl, &now);
	if (ret < 0)
		return ret;
	if (now == genid) {
		*committed = false;
		return 0;
	}
	/* Gone when deleting what is left of ftpcfg's would take nothing. */
	ret = nft_netlink_dump(nl, shape, &live, c->diag);
	if (ret == 0)
		ret = nft_netlink_batch_new(nl, live->genid, NULL, &b);
	if (ret == 0 && live->rs)
		ret = nft_netlink_batch_delete(b, live, c->diag);
	if (ret == 0)
		*gone = nft_netlink_batch_count(b) == 0;
	nft_netlink_batch_free(b);
	nft_netlink_live_free(live);
	return ret;
}

int apply_kernel_send_removal(struct ctx *c, struct nft_netlink *nl,
			      struct nft_netlink_batch *b, const struct ruleset *shape,
			      uint32_t genid, bool *committed)
{
	struct diag sd;
	bool gone = false;
	int ret;

	*committed = true;
	diag_init(&sd);
	ret = nft_netlink_batch_send(nl, b, 0, &sd);
	/* Test seam lostreply: the batch went in, but its answers could not be read. */
	if (ret == 0 && apply_fault_is("lostreply"))
		ret = diag(&sd, NULL, -EIO, "cannot read the kernel's answers: %s (FTPCFG_FAULT)",
			   strerror(EIO));
	if (ret == -ESTALE) {
		*committed = false;
		diag(c->diag, NULL, -ESTALE, "the ruleset changed while ftpcfg was planning "
		     "(generation %u is gone); nothing was changed: run again", genid);
		goto out;
	}
	/* No verdict read: find out what the kernel did before undoing anything. */
	if (ret < 0 && removal_outcome(c, nl, shape, genid, committed, &gone) == 0 &&
	    *committed && gone) {
		diag_warn(c->diag, NULL, "the kernel's answers to the batch could not be read, but "
			  "the ruleset shows it was committed");
		ret = 0;
	}
	if (ret < 0)
		diag_append(c->diag, &sd);
out:
	diag_release(&sd);
	return ret;
}

int apply_kernel_restore(struct ctx *c, struct nft_netlink *nl, const struct ruleset *shape,
			 const struct ruleset *old)
{
	struct nft_netlink_live *live = NULL;
	struct nft_netlink_batch *b = NULL;
	struct plan p;
	int ret;

	plan_init(&p);
	ret = nft_netlink_dump(nl, old ? old : shape, &live, c->diag);
	/* Undo touches only what changed: the old ruleset still there is left alone. */
	if (ret == 0 && old)
		ret = plan_ruleset(&p, old, live->rs);
	if (ret < 0 || (old && !p.n_ruleset_changes && !p.replace))
		goto out;
	ret = nft_netlink_batch_new(nl, live->genid, NULL, &b);
	if (ret < 0)
		goto out;
	if (old)
		ret = nft_netlink_batch_replace(b, old, live, c->diag);
	else if (live->rs)
		ret = nft_netlink_batch_delete(b, live, c->diag);
	if (ret == 0 && nft_netlink_batch_count(b))
		ret = nft_netlink_batch_send(nl, b, 0, c->diag);
out:
	plan_release(&p);
	nft_netlink_batch_free(b);
	nft_netlink_live_free(live);
	return ret;
}
