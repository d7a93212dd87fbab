/*
 * status: what ftpcfg manages now.  The last apply (when, which site),
 * each managed file (unchanged, changed by hand, missing), the table, and
 * any drift of the live ruleset from what was applied; all from the
 * record, read once through the state module.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "backend.h"
#include "cmd.h"
#include "diag.h"
#include "guard.h"
#include "nft_netlink.h"
#include "plan.h"
#include "state.h"

static const char *file_state(struct ctx *c, const struct state_file *f)
{
	switch (state_file_check(c->opts->root, f, c->diag)) {
	case STATE_FILE_AS_APPLIED:
		return "as applied";
	case STATE_FILE_CHANGED:
		return "changed since the last apply";
	case STATE_FILE_MISSING:
		return "missing";
	case STATE_FILE_UNREADABLE:
		return "unreadable";
	}
	return "?";
}

/* What the kernel holds now, as status tells it. */
struct live_view {
	bool present;		/* ftpcfg's table is there */
	uint32_t genid;
	bool same_gen;		/* the generation is the recorded one: nothing moved */
};

/*
 * Drift: the live ruleset against the one recorded at the last apply.
 * While the generation is the recorded one (same boot and namespace),
 * nothing in any table has moved since: the kernel holds exactly what was
 * applied, and neither ftpcfg's table (100 000 networks take the kernel a
 * second to dump) nor, when the record kept that no other table had a
 * chain to judge, the other tables are read.
 */
static int drift(struct ctx *c, const struct state *s, struct nft_netlink_live **live,
		 struct plan *p, struct live_view *v, struct guard *g)
{
	struct nft_netlink *nl = NULL;
	int ret;

	ret = nft_netlink_open(&nl);
	if (ret < 0)
		return diag(c->diag, NULL, ret, "cannot open a netlink socket to nf_tables: %s",
			    strerror(-ret));
	/* A generation counts within one boot and namespace only. */
	ret = state_record_vouches(s, nl, &v->same_gen);
	if (ret < 0) {
		diag(c->diag, NULL, ret, "cannot read the ruleset generation: %s", strerror(-ret));
	} else if (v->same_gen) {
		v->present = true;
		v->genid = s->rec->genid;
	} else {
		ret = nft_netlink_dump(nl, s->rec->ruleset, live, c->diag);
		if (ret == 0) {
			struct nft_netlink_live *l = *live;

			v->present = l->rs != NULL;
			v->genid = l->genid;
			for (size_t i = 0; l->rs && l->rule_handles && i < l->rs->n_chains; i++)
				for (size_t r = 0; l->rule_handles[i] && r < l->rs->chains[i].n_rules;
				     r++)
					l->rs->chains[i].rules[r].handle = l->rule_handles[i][r];
			ret = plan_ruleset(p, s->rec->ruleset, l->rs);
		}
	}
	/* The integration with another manager: what its reload or an admin took away. */
	if (ret == 0 && backend_ops(s->rec->ruleset->backend)) {
		const struct backend_env e = { c->opts->root, nl, c->diag, c->opts->verbose };

		ret = backend_ops(s->rec->ruleset->backend)->plan(&e, s->rec->ruleset, p);
	}
	/* Other firewalls that now drop what the applied ruleset accepts. */
	if (ret == 0 && !(v->same_gen && s->rec->guard == STATE_GUARD_NO_FOREIGN))
		ret = guard_check(nl, s->rec->ruleset, g);
	nft_netlink_close(nl);
	return ret;
}

/* The change awaiting confirmation, if any: a line, or {"pending_confirm": ...|null}. */
static int print_pending(struct ctx *c, const struct state_confirm *p, bool pending,
			 bool expired)
{
	char when[DIAG_TIME_LEN];
	json_t *doc;
	int ret;

	diag_time(p->deadline, when);
	if (c->opts->json) {
		doc = pending ? json_pack("{s:{s:I, s:s, s:I, s:o, s:b}}", "pending_confirm",
					  "generation", (json_int_t)p->generation, "deadline", when,
					  "seconds_left", (json_int_t)(expired ? 0 :
								       p->deadline - time(NULL)),
					  "watcher_pid", p->watcher_pid ?
					  json_integer((json_int_t)p->watcher_pid) : json_null(),
					  "expired", expired)
			      : json_pack("{s:n}", "pending_confirm");
		ret = doc ? cmd_json_result(c, doc) : -ENOMEM;
		json_decref(doc);
		return ret;
	}
	if (!pending)
		return 0;
	if (expired)
		printf("Pending confirmation: generation %u, deadline %s passed: the next run that "
		       "takes the lock rolls it back\n", p->generation, when);
	else
		printf("Pending confirmation: generation %u, rolled back at %s unless 'ftpcfg "
		       "confirm' runs first (watcher PID %lld)\n", p->generation, when,
		       (long long)p->watcher_pid);
	return 0;
}

static json_t *record_json(const struct state_record *r, json_t *files)
{
	char site[STATE_SHA256_HEX];
	char when[DIAG_TIME_LEN];
	const struct ruleset *rs = r->ruleset;

	diag_time(r->time, when);
	state_sha256_hex(r->site_sha256, site);
	return json_pack("{s:s, s:s, s:s?, s:s?, s:s, s:s, s:s, s:b, s:s?, s:s, s:I, s:s?, s:O}",
			 "time", when, "outcome", "applied", "site", r->site, "site_name",
			 r->site_name, "site_sha256", site, "family", ir_family_name(rs->family),
			 "table", rs->table, "attach", rs->attach, "attach_chain",
			 rs->attach ? rs->attach_chain : NULL, "backend", site_backend_name(rs->backend),
			 "genid", (json_int_t)r->genid,
			 "instance", r->instance, "files", files);
}

/* The conflicts, after the drift. */
static int print_conflicts(const struct guard *g)
{
	if (!g->n_conflicts)
		printf("Conflicts: none; no other table drops what ftpcfg accepts.\n");
	else
		printf("Conflicts (FTP is dropped elsewhere although ftpcfg accepts it):\n");
	for (size_t i = 0; i < g->n_conflicts; i++) {
		char *text = NULL;
		char *advice = NULL;

		if (guard_format(g, i, &text) < 0 || guard_advice(g, i, &advice) < 0) {
			free(text);
			return -ENOMEM;
		}
		printf("  %s\n    to fix: %s\n", text, advice);
		free(text);
		free(advice);
	}
	return 0;
}

/*
 * Is everything as applied: the table there, no drift, every managed
 * file as written, no journal left?  What --detailed-exitcode reports.
 */
static bool clean(const struct ctx *c, const struct state *s, const struct plan *p,
		  bool present)
{
	bool ok = present && !p->n_items && !s->journal_left;

	for (size_t i = 0; ok && i < s->rec->n_files; i++) {
		struct diag quiet;

		/* Unreadable is said by the listing; here it only counts as not clean. */
		diag_init(&quiet);
		ok = state_file_check(c->opts->root, &s->rec->files[i], &quiet) ==
		     STATE_FILE_AS_APPLIED;
		diag_release(&quiet);
	}
	return ok;
}

static int print(struct ctx *c, const struct state *s, const struct plan *p,
		 const struct live_view *v, const struct guard *g)
{
	const struct state_record *r = s->rec;
	json_t *out = NULL;
	json_t *list = json_array();
	json_t *lines = json_array();
	json_t *rec = NULL;
	char when[DIAG_TIME_LEN];
	int ret = -ENOMEM;

	if (!list || !lines)
		goto out;
	for (size_t i = 0; i < r->n_files; i++) {
		char hex[STATE_SHA256_HEX];

		state_sha256_hex(r->files[i].sha256, hex);
		if (json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "path",
							  r->files[i].path, "sha256", hex, "state",
							  file_state(c, &r->files[i]))) < 0)
			goto out;
	}
	for (size_t i = 0; i < p->n_items; i++) {
		char *line = NULL;

		if (plan_item_format(&p->items[i], &line) < 0 ||
		    json_array_append_new(lines, json_string(line)) < 0) {
			free(line);
			goto out;
		}
		free(line);
	}
	if (c->opts->json) {
		rec = record_json(r, list);
		out = rec ? json_pack("{s:O, s:O, s:b, s:I, s:b, s:O, s:o, s:b}", "last_apply", rec,
				      "files", list, "table_present", v->present, "genid",
				      (json_int_t)v->genid, "journal_left", s->journal_left, "drift",
				      lines, "conflicts", guard_json(g), "clean",
				      clean(c, s, p, v->present)) : NULL;
		ret = cmd_json_result(c, out);
		goto out;
	}
	diag_time(r->time, when);
	printf("Last apply: %s, applied", when);
	if (r->site)
		printf(", site %s (%s)", r->site, r->site_name ? r->site_name : "?");
	printf("\nTable: %s %s, %s", ir_family_name(r->ruleset->family), r->ruleset->table,
	       v->present ? "present" : "absent");
	if (r->genid)
		printf("; ruleset generation %u (%s since the last apply)", v->genid,
		       v->same_gen ? "unchanged" : "changed");
	printf("\nFiles:\n");
	for (size_t i = 0; i < json_array_size(list); i++) {
		json_t *f = json_array_get(list, i);

		printf("  %s: %s\n", json_string_value(json_object_get(f, "path")),
		       json_string_value(json_object_get(f, "state")));
	}
	if (!p->n_items) {
		printf("Drift: none; the live ruleset is what was applied.\n");
	} else {
		printf("Drift (what the next apply of that site would change back):\n");
		for (size_t i = 0; i < json_array_size(lines); i++)
			printf("  %s\n", json_string_value(json_array_get(lines, i)));
	}
	ret = print_conflicts(g);
	if (s->journal_left)
		printf("Journal: an interrupted run left one in '%s'; the next apply, rollback or "
		       "restore puts back what it journaled first.\n", s->dir);
out:
	json_decref(rec);
	json_decref(out);
	json_decref(list);
	json_decref(lines);
	return ret;
}

/*
 * Nothing applied yet, or all of it removed: say so, or with --json
 * {"last_apply": null, "files": [], "drift": []} (and "removed_at").
 */
static int print_nothing(const struct ctx *c, const struct state *s)
{
	char when[DIAG_TIME_LEN] = "";
	json_t *doc;
	int ret;

	if (s->removed)
		diag_time(s->removed_time, when);
	if (!c->opts->json) {
		if (c->opts->quiet)
			return 0;
		if (s->removed)
			printf("Nothing managed: 'ftpcfg remove' took everything off at %s.\n", when);
		else
			printf("Nothing managed yet: no apply is recorded in '%s'.\n", s->dir);
		if (s->journal_left)
			printf("Journal: an interrupted run left one in '%s'; the next apply, "
			       "rollback or restore puts back what it journaled first.\n", s->dir);
		return 0;
	}
	doc = json_pack("{s:n, s:[], s:[], s:b, s:b}", "last_apply", "files", "drift",
			"journal_left", s->journal_left, "clean", !s->journal_left);
	if (doc && s->removed &&
	    json_object_set_new(doc, "removed_at", json_string(when)) < 0) {
		json_decref(doc);
		doc = NULL;
	}
	ret = doc ? cmd_json_result(c, doc) : -ENOMEM;
	json_decref(doc);
	return ret;
}

int cmd_status(struct ctx *c, const struct cmd_args *a)
{
	struct state s;
	struct guard g = { 0 };
	struct nft_netlink_live *live = NULL;
	struct plan p;
	struct live_view v = { 0 };
	struct state_confirm pc = { 0 };
	bool pending = false;
	bool expired = false;
	int ret;

	plan_init(&p);
	ret = state_open(c, 0, &s);
	if (ret == 0)
		ret = cmd_pending_confirm(c, &s, &pc, &pending, &expired);
	if (ret == 0)
		ret = print_pending(c, &pc, pending, expired);
	if (ret < 0)
		goto out;
	if (s.journal_left)
		diag_warn(c->diag, NULL, "an interrupted run left a journal in '%s'; the next apply, "
			  "rollback or restore puts back what it journaled first", s.dir);
	if (s.rec_damaged) {
		ret = diag(c->diag, NULL, -EUCLEAN, "the record '%s/record' is damaged and cannot be "
			   "trusted; the next apply of the site reads the live state and writes it "
			   "anew", s.dir);
		goto out;
	}
	if (!s.rec) {
		ret = print_nothing(c, &s);
		if (ret == 0 && s.journal_left && cmd_has(a, CMD_OPT_DETAILED_EXITCODE))
			ret = CMD_CHANGES;
		goto out;
	}
	ret = drift(c, &s, &live, &p, &v, &g);
	if (ret == 0)
		ret = print(c, &s, &p, &v, &g);
	/* Something is not as applied: exit 2, for monit, Nagios or a cron job. */
	if (ret == 0 && cmd_has(a, CMD_OPT_DETAILED_EXITCODE) && !clean(c, &s, &p, v.present))
		ret = CMD_CHANGES;
out:
	plan_release(&p);
	nft_netlink_live_free(live);
	state_close(&s);
	guard_release(&g);
	return ret;
}
