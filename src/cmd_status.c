/*
 * status: what ftpcfg manages now.  The last apply (when, outcome, which
 * site), each managed file (unchanged, changed by hand, missing), the
 * table, and any drift of the live ruleset from what was applied.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "apply_internal.h"
#include "cmd.h"
#include "nft_netlink.h"
#include "plan.h"
#include "ruleset_json.h"
#include "stage.h"
#include "txn.h"

static const char *file_state(struct ctx *c, json_t *f)
{
	switch (apply_recorded_file(c, f, c->diag)) {
	case APPLY_FILE_AS_APPLIED:
		return "as applied";
	case APPLY_FILE_CHANGED:
		return "changed since the last apply";
	case APPLY_FILE_MISSING:
		return "missing";
	case APPLY_FILE_UNREADABLE:
		return "unreadable";
	}
	return "?";
}

/* Drift: the live ruleset against the one recorded at the last apply. */
static int drift(struct ctx *c, struct txn *t, json_t *rec, struct plan *p, bool *present,
		 uint32_t *genid, bool *same_gen)
{
	struct ruleset *applied = NULL;
	struct nft_netlink *nl = NULL;
	struct nft_netlink_live *live = NULL;
	struct stat st;
	char *text = NULL;
	size_t len;
	int ret;

	ret = txn_read_file(t->state_dir, TXN_APPLIED_RULESET, &text, &len, &st, c->diag);
	if (ret < 0 || !text)
		goto out;
	ret = ruleset_from_json(text, &applied);
	if (ret == 0)
		ret = nft_netlink_open(&nl);
	if (ret == 0)
		ret = nft_netlink_dump(nl, applied, &live, c->diag);
	if (ret < 0)
		goto out;
	*present = live->rs != NULL;
	*genid = live->genid;
	/* A generation counts within one boot and namespace only. */
	ret = stage_record_vouches(nl, rec, same_gen);
	if (ret < 0)
		goto out;
	for (size_t i = 0; live->rs && live->rule_handles && i < live->rs->n_chains; i++)
		for (size_t r = 0; live->rule_handles[i] && r < live->rs->chains[i].n_rules; r++)
			live->rs->chains[i].rules[r].handle = live->rule_handles[i][r];
	ret = plan_ruleset(p, applied, live->rs);
out:
	nft_netlink_live_free(live);
	nft_netlink_close(nl);
	ruleset_free(applied);
	free(text);
	return ret;
}

static int print(struct ctx *c, json_t *rec, const struct plan *p, bool present, uint32_t genid,
		 bool same_gen)
{
	json_t *files = json_object_get(rec, "files");
	json_int_t rec_genid = json_integer_value(json_object_get(rec, "genid"));
	json_t *out = NULL;
	json_t *list = json_array();
	json_t *lines = json_array();
	size_t i;
	json_t *f;
	int ret = -ENOMEM;

	if (!list || !lines)
		goto out;
	json_array_foreach(files, i, f) {
		if (json_array_append_new(list, json_pack("{s:O, s:s}", "path",
							  json_object_get(f, "path"), "state",
							  file_state(c, f))) < 0)
			goto out;
	}
	for (i = 0; i < p->n_items; i++) {
		char *line = NULL;

		if (plan_item_format(&p->items[i], &line) < 0 ||
		    json_array_append_new(lines, json_string(line)) < 0) {
			free(line);
			goto out;
		}
		free(line);
	}
	if (c->opts->json) {
		out = json_pack("{s:O, s:O, s:b, s:I, s:O}", "last_apply", rec, "files", list,
				"table_present", present, "genid", (json_int_t)genid, "drift",
				lines);
		ret = cmd_json_result(c, out);
		goto out;
	}
	printf("Last apply: %s, %s", json_string_value(json_object_get(rec, "time")),
	       json_string_value(json_object_get(rec, "outcome")));
	if (json_object_get(rec, "site"))
		printf(", site %s (%s)", json_string_value(json_object_get(rec, "site")),
		       json_string_value(json_object_get(rec, "site_name")));
	printf("\nTable: %s %s, %s", json_string_value(json_object_get(rec, "family")) ?: "?",
	       json_string_value(json_object_get(rec, "table")) ?: "?",
	       present ? "present" : "absent");
	if (rec_genid)
		printf("; ruleset generation %u (%s since the last apply)", genid,
		       same_gen ? "unchanged" : "changed");
	printf("\nFiles:\n");
	json_array_foreach(list, i, f)
		printf("  %s: %s\n", json_string_value(json_object_get(f, "path")),
		       json_string_value(json_object_get(f, "state")));
	if (!p->n_items) {
		printf("Drift: none; the live ruleset is what was applied.\n");
	} else {
		printf("Drift (what the next apply of that site would change back):\n");
		json_array_foreach(lines, i, f)
			printf("  %s\n", json_string_value(f));
	}
	ret = 0;
out:
	json_decref(out);
	json_decref(list);
	json_decref(lines);
	return ret;
}

/* Nothing applied yet: say so, or with --json {"last_apply": null, "files": [], "drift": []}. */
static int print_nothing(const struct ctx *c, const char *state_dir)
{
	json_t *doc;
	int ret;

	if (!c->opts->json) {
		if (!c->opts->quiet)
			printf("Nothing managed yet: no apply is recorded in '%s'.\n", state_dir);
		return 0;
	}
	doc = json_pack("{s:n, s:[], s:[]}", "last_apply", "files", "drift");
	ret = doc ? cmd_json_result(c, doc) : -ENOMEM;
	json_decref(doc);
	return ret;
}

int cmd_status(struct ctx *c, const struct cmd_args *a)
{
	struct txn t = { .lock_fd = -1, .d = c->diag };
	struct plan p;
	json_t *rec = NULL;
	char *text = NULL;
	bool present = false;
	bool same_gen = false;
	uint32_t genid = 0;
	int ret;

	(void)a;
	plan_init(&p);
	ret = stage_state_dir(c, &t.state_dir);
	if (ret < 0)
		goto out;
	ret = txn_read_record(&t, &text);
	if (ret < 0)
		goto out;
	if (!text) {
		ret = print_nothing(c, t.state_dir);
		goto out;
	}
	rec = json_loads(text, 0, NULL);
	if (!rec) {
		ret = diag(c->diag, NULL, -EINVAL, "the record '%s/applied.json' is damaged",
			   t.state_dir);
		goto out;
	}
	ret = drift(c, &t, rec, &p, &present, &genid, &same_gen);
	if (ret == 0)
		ret = print(c, rec, &p, present, genid, same_gen);
out:
	json_decref(rec);
	free(text);
	free(t.state_dir);
	plan_release(&p);
	return ret;
}
