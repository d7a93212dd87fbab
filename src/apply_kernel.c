/*
 * apply_kernel: the transaction's kernel half.  Turns a plan into one
 * guarded batch (element and rule changes one by one, or a rebuild of what
 * ftpcfg manages) and puts a journaled ruleset back.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "apply_internal.h"
#include "daemon.h"
#include "nft_netlink.h"
#include "ruleset_json.h"

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
static int encode_delta(struct ctx *c, struct stage *st, struct nft_netlink_batch *b)
{
	const struct plan *p = &st->plan;
	int ret = 0;

	for (size_t i = 0; i < st->want->n_sets && ret == 0; i++) {
		const struct ir_set *want = &st->want->sets[i];
		const struct ir_set *old = find_set(st->live->rs, want->name);

		if (old && set_changes(p, want->name))
			ret = nft_netlink_batch_update_elems(b, st->want, want, old->elems,
							     old->n_elems, c->diag);
	}
	for (size_t i = 0; i < p->n_items && ret == 0; i++) {
		const struct plan_item *it = &p->items[i];

		if (it->obj == PLAN_OBJ_RULE && it->op == PLAN_DELETE)
			ret = nft_netlink_batch_del_rule(b, st->want, it->parent, it->rule->handle,
							 it->rule->line, c->diag);
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
							 c->diag);
		else
			ret = nft_netlink_batch_insert_rule(b, st->want, it->parent, it->rule,
							    c->diag);
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

#ifdef FTPCFG_TESTING
/*
 * Test seams.  race: someone else changes the ruleset (a table of their
 * own) between our dump and our send, so the generation moves.  badbatch:
 * the batch ends with a message the kernel refuses (a rule handle that
 * does not exist), so the kernel rejects the whole batch.
 */
static int test_seams(struct ctx *c, struct stage *st, struct nft_netlink_batch *b)
{
	struct ruleset other = { .family = IR_FAMILY_INET, .table = (char *)"ftpcfg_race" };
	struct nft_netlink_batch *ob = NULL;
	int ret = 0;

	if (apply_fault_is("badbatch") && st->want->n_chains)
		return nft_netlink_batch_del_rule(b, st->want, st->want->chains[0].name,
						  UINT32_MAX, 0, c->diag);
	if (!apply_fault_is("race"))
		return 0;
	ret = nft_netlink_batch_new(st->nl, 0, NULL, &ob);
	if (ret == 0)
		ret = nft_netlink_batch_replace(ob, &other, NULL, c->diag);
	if (ret == 0)
		ret = nft_netlink_batch_send(st->nl, ob, 0, c->diag);
	nft_netlink_batch_free(ob);
	return ret;
}
#else
static int test_seams(struct ctx *c, struct stage *st, struct nft_netlink_batch *b)
{
	(void)c;
	(void)st;
	(void)b;
	return 0;
}
#endif

int apply_send(struct ctx *c, struct stage *st, unsigned flags)
{
	struct nft_netlink_batch *b = NULL;
	int ret;

	ret = nft_netlink_batch_new(st->nl, st->genid, st->site->file, &b);
	if (ret < 0)
		return ret;
	if (st->plan.replace || plan_has_jump(&st->plan))
		ret = nft_netlink_batch_replace(b, st->want, st->live, c->diag);
	else
		ret = encode_delta(c, st, b);
	if (ret == 0 && nft_netlink_batch_count(b) == 0)
		goto out;	/* only files differ */
	if (ret == 0)
		ret = test_seams(c, st, b);
	if (ret == 0 && c->opts->verbose)
		diag_progress("batch: %zu message%s", nft_netlink_batch_count(b),
			      nft_netlink_batch_count(b) == 1 ? "" : "s");
	if (ret == 0)
		ret = nft_netlink_batch_send(st->nl, b, flags, c->diag);
	st->sent = !(flags & NFT_NETLINK_CHECK) && (ret == 0 || ret == -ENOBUFS);
	if (ret == -ESTALE)
		diag(c->diag, NULL, -ESTALE, "the ruleset changed while ftpcfg was planning "
		     "(generation %u is gone); nothing was changed: run again", st->genid);
	else if (ret == -ENOBUFS)
		diag(c->diag, NULL, -ENOBUFS, "the kernel's answers to the batch were lost; its "
		     "outcome is unknown, so the journaled state is put back");
out:
	nft_netlink_batch_free(b);
	return ret;
}

/* The journal's meta: the shape of what is managed and the reload commands. */
static int read_meta(const struct txn_journal *j, struct ruleset **shape, json_t **reloads)
{
	json_t *doc = j->meta ? json_loads(j->meta, 0, NULL) : NULL;
	const char *text = doc ? json_string_value(json_object_get(doc, "shape")) : NULL;
	int ret = -EINVAL;

	if (!text)
		goto out;
	ret = ruleset_from_json(text, shape);
	if (ret < 0)
		goto out;
	*reloads = json_incref(json_object_get(doc, "reload"));
out:
	json_decref(doc);
	return ret;
}

/* Make the kernel hold @old again, or nothing of ftpcfg's when @old is NULL. */
static int restore_ruleset(struct ctx *c, const struct ruleset *shape, const struct ruleset *old)
{
	struct nft_netlink *nl = NULL;
	struct nft_netlink_live *live = NULL;
	struct nft_netlink_batch *b = NULL;
	int ret;

	ret = nft_netlink_open(&nl);
	if (ret == 0)
		ret = nft_netlink_dump(nl, old ? old : shape, &live, c->diag);
	if (ret == 0)
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
	nft_netlink_batch_free(b);
	nft_netlink_live_free(live);
	nft_netlink_close(nl);
	return ret;
}

int apply_undo(struct ctx *c, struct txn *t, const struct txn_journal *j, bool ruleset,
	       bool reload)
{
	struct ruleset *shape = NULL;
	struct ruleset *old = NULL;
	json_t *reloads = NULL;
	size_t i;
	json_t *cmd;
	int ret;

	ret = txn_journal_restore_files(t, j);
	if (read_meta(j, &shape, &reloads) < 0) {
		ret = diag(c->diag, NULL, -EINVAL, "the journal in '%s' is damaged; its files were "
			   "put back, the ruleset was not", t->state_dir);
		goto out;
	}
	if (ruleset) {
		int r = j->ruleset ? ruleset_from_json(j->ruleset, &old) : 0;

		if (r == 0)
			r = restore_ruleset(c, shape, old);
		if (r < 0 && ret == 0)
			ret = r;
	}
	/* A reload that fails now is a warning: what it would load is already back. */
	if (reload)
		json_array_foreach(reloads, i, cmd)
			daemon_run_reload(json_string_value(cmd), c->opts->root, c->diag);
out:
	json_decref(reloads);
	ruleset_free(old);
	ruleset_free(shape);
	return ret;
}
