/*
 * diff: what apply would change, as a plan (one line per object, as
 * terraform plan prints it) followed by unified diffs of each file and of
 * the ruleset.  Exit 0 when nothing differs, 2 when something does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "guard.h"
#include "diff.h"
#include "stage.h"
#include "state.h"

/* Lines of context in the unified diffs, as diff -u. */
#define CONTEXT 3

static const char *op_name(enum plan_op op)
{
	switch (op) {
	case PLAN_ADD:
		return "add";
	case PLAN_DELETE:
		return "delete";
	case PLAN_CHANGE:
		return "change";
	}
	return "?";
}

static const char *obj_name(enum plan_obj obj)
{
	switch (obj) {
	case PLAN_OBJ_FILE:
		return "file";
	case PLAN_OBJ_TABLE:
		return "table";
	case PLAN_OBJ_HELPER:
		return "ct helper";
	case PLAN_OBJ_SET:
		return "set";
	case PLAN_OBJ_ELEMENT:
		return "element";
	case PLAN_OBJ_CHAIN:
		return "chain";
	case PLAN_OBJ_RULE:
		return "rule";
	case PLAN_OBJ_JUMP:
		return "jump";
	case PLAN_OBJ_INTEGRATION:
		return "integration";
	}
	return "?";
}

/* Every unified diff: each file's, then the ruleset's.  *out owned. */
static int all_diffs(const struct ctx *c, const struct stage *st, bool color, json_t *list,
		     char **out)
{
	char *d = NULL;
	char *acc = NULL;
	size_t acc_len = 0;
	FILE *f = open_memstream(&acc, &acc_len);
	struct diff_stat ds;
	int ret;

	(void)c;
	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < st->files.n_files + st->n_stale; i++) {
		bool stale = i >= st->files.n_files;
		const char *path = stale ? st->stale[i - st->files.n_files]
					 : st->files.files[i].path;
		const char *old = stale ? st->stale_old[i - st->files.n_files] : st->old[i];
		const char *new = stale ? NULL : st->files.files[i].content;

		ret = diff_unified(path, old, path, new, CONTEXT, color, &d, &ds);
		if (ret < 0)
			goto out;
		if (*d) {
			fputs(d, f);
			if (list && json_array_append_new(list, json_pack("{s:s, s:s}", "path", path,
									  "diff", d)) < 0) {
				ret = -ENOMEM;
				goto out;
			}
		}
		free(d);
		d = NULL;
	}
	ret = stage_ruleset_diff(st->live_rs, st->want, CONTEXT, color, &d, &ds);
	if (ret < 0)
		goto out;
	if (*d) {
		fputs(d, f);
		if (list && json_array_append_new(list, json_pack("{s:s, s:s}", "path", "ruleset",
								  "diff", d)) < 0) {
			ret = -ENOMEM;
			goto out;
		}
	}
	ret = 0;
out:
	if (fclose(f) != 0 && ret == 0)
		ret = -ENOMEM;
	if (ret == 0)
		*out = acc;
	else
		free(acc);
	free(d);
	return ret;
}

static int print_json(const struct ctx *c, const struct stage *st, bool journal_left)
{
	json_t *doc = json_object();
	json_t *plan = json_array();
	json_t *diffs = json_array();
	char *text = NULL;
	int ret = -ENOMEM;

	if (!doc || !plan || !diffs)
		goto out;
	for (size_t i = 0; i < st->plan.n_items; i++) {
		const struct plan_item *it = &st->plan.items[i];
		char *line = NULL;
		json_t *o;

		if (plan_item_format(it, &line) < 0)
			goto out;
		o = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:b, s:s}", "op", op_name(it->op),
			      "object", obj_name(it->obj), "name", it->name, "in", it->parent,
			      "text", it->text, "foreign", plan_item_is_foreign(it), "summary",
			      line);
		free(line);
		if (!o || json_array_append_new(plan, o) < 0)
			goto out;
	}
	ret = all_diffs(c, st, false, diffs, &text);
	if (ret < 0)
		goto out;
	ret = -ENOMEM;
	if (json_object_set_new(doc, "changes", json_integer((json_int_t)st->plan.n_items)) < 0 ||
	    json_object_set_new(doc, "genid", json_integer(st->genid)) < 0 ||
	    json_object_set_new(doc, "journal_left", json_boolean(journal_left)) < 0 ||
	    json_object_set(doc, "plan", plan) < 0 || json_object_set(doc, "diffs", diffs) < 0 ||
	    json_object_set_new(doc, "conflicts", guard_json(&st->guard)) < 0)
		goto out;
	ret = cmd_json_result(c, doc);
out:
	free(text);
	json_decref(plan);
	json_decref(diffs);
	json_decref(doc);
	return ret;
}

/* Other firewalls that would still drop FTP: "! conflict: ...", then what to do. */
static int print_conflicts(const struct ctx *c, const struct stage *st)
{
	for (size_t i = 0; i < st->guard.n_conflicts; i++) {
		char *text = NULL;
		char *advice = NULL;

		if (guard_format(&st->guard, i, &text) < 0 ||
		    guard_advice(&st->guard, i, &advice) < 0) {
			free(text);
			return -ENOMEM;
		}
		printf("%s! conflict: %s%s\n    to fix: %s\n", c->opts->color ? "\033[1;31m" : "",
		       text, c->opts->color ? "\033[m" : "", advice);
		free(text);
		free(advice);
	}
	if (st->guard.n_conflicts)
		printf("(apply refuses while a conflict stands, unless run with --allow-conflicts)"
		       "\n\n");
	return 0;
}

static int print_text(const struct ctx *c, const struct stage *st)
{
	size_t add;
	size_t change;
	size_t del;
	char *text = NULL;
	int ret;

	ret = print_conflicts(c, st);
	if (ret < 0)
		return ret;
	if (!st->plan.n_items) {
		if (!c->opts->quiet)
			printf("No changes: the files and the ruleset match the site.\n");
		return 0;
	}
	for (size_t i = 0; i < st->plan.n_items; i++) {
		const struct plan_item *it = &st->plan.items[i];
		const char *on = "";
		char *line = NULL;

		if (plan_item_format(it, &line) < 0)
			return -ENOMEM;
		if (c->opts->color)
			on = it->op == PLAN_ADD ? "\033[32m" : it->op == PLAN_DELETE ? "\033[31m"
										 : "\033[33m";
		printf("%s%s%s\n", on, line, *on ? "\033[m" : "");
		free(line);
	}
	plan_count(&st->plan, &add, &change, &del);
	printf("\nPlan: %zu to add, %zu to change, %zu to delete.\n\n", add, change, del);
	ret = all_diffs(c, st, c->opts->color, NULL, &text);
	if (ret < 0)
		return ret;
	fputs(text, stdout);
	free(text);
	return 0;
}

static void say_live(const struct ctx *c, const struct stage *st)
{
	if (!c->opts->verbose)
		return;
	if (st->live_from_record)
		diag_progress("live: from the record (generation %u unchanged)", st->genid);
	else
		diag_progress("live: dumped (generation %u)", st->genid);
}

int cmd_diff(struct ctx *c, const struct cmd_args *a)
{
	struct state s;
	struct nft_netlink *nl = NULL;
	struct stage st = { 0 };
	int ret;

	ret = state_open(c, 0, &s);
	if (ret == 0 && s.journal_left)
		diag_warn(c->diag, NULL, "an interrupted run left a journal in '%s'; the next apply, "
			  "rollback or restore puts back what it journaled first", s.dir);
	if (ret == 0) {
		struct state_confirm pc;
		bool pending;
		bool expired;

		ret = cmd_pending_confirm(c, &s, &pc, &pending, &expired);
	}
	if (ret == 0) {
		ret = nft_netlink_open(&nl);
		if (ret < 0)
			diag(c->diag, NULL, ret, "cannot open a netlink socket to nf_tables: %s",
			     strerror(-ret));
	}
	if (ret == 0)
		ret = stage_prepare(c, &s, nl, a->operands[0], NULL, 0, &st);
	if (ret == 0) {
		say_live(c, &st);
		ret = c->opts->json ? print_json(c, &st, s.journal_left) : print_text(c, &st);
	}
	if (ret == 0 && st.plan.n_items)
		ret = CMD_CHANGES;
	stage_release(&st);
	nft_netlink_close(nl);
	state_close(&s);
	return ret;
}
