/*
 * stage: gathers what should be and what is, then plans.  It reads files
 * and dumps the table but changes nothing: diff stops here, apply goes on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "nft_text.h"
#include "stage.h"
#include "txn.h"

int stage_state_dir(const struct ctx *c, char **out)
{
	int n;

	if (c->opts->state_dir)
		n = asprintf(out, "%s", c->opts->state_dir);
	else
		n = asprintf(out, "%s/var/lib/ftpcfg", c->opts->root ? c->opts->root : "");
	return n < 0 ? -ENOMEM : 0;
}

int stage_read_record(struct ctx *c, json_t **out)
{
	struct txn t = { .lock_fd = -1, .d = c->diag };
	char *text = NULL;
	int ret;

	*out = NULL;
	ret = stage_state_dir(c, &t.state_dir);
	if (ret == 0)
		ret = txn_read_record(&t, &text);
	if (ret == 0 && text)
		*out = json_loads(text, 0, NULL);
	free(text);
	free(t.state_dir);
	return ret;
}

int stage_ruleset_text(const struct ruleset *rs, char **out)
{
	if (!rs) {
		*out = strdup("");
		return *out ? 0 : -ENOMEM;
	}
	return nft_text_render(rs, 0, out);
}

void stage_release(struct stage *st)
{
	for (size_t i = 0; st->old && i < st->files.n_files; i++)
		free(st->old[i]);
	free(st->old);
	free(st->old_len);
	for (size_t i = 0; i < st->n_stale; i++) {
		free(st->stale[i]);
		free(st->stale_old[i]);
	}
	free(st->stale);
	free(st->stale_old);
	conf_set_release(&st->files);
	site_free(st->site);
	ruleset_free(st->want);
	nft_netlink_live_free(st->live);
	free(st->live_json);
	nft_netlink_close(st->nl);
	plan_release(&st->plan);
	memset(st, 0, sizeof(*st));
}

static bool is_rendered(const struct stage *st, const char *path)
{
	for (size_t i = 0; i < st->files.n_files; i++)
		if (!strcmp(st->files.files[i].path, path))
			return true;
	return false;
}

/*
 * Files the last apply wrote that this site no longer renders (a Pure-FTPd
 * option dropped from its conf/ directory, a server removed): apply
 * removes them, so that what is on disk is what the site says.
 */
static int find_stale(struct ctx *c, struct stage *st)
{
	json_t *doc = NULL;
	json_t *files;
	size_t i;
	json_t *v;
	int ret;

	ret = stage_read_record(c, &doc);
	if (ret < 0 || !doc)
		goto out;
	files = json_object_get(doc, "files");
	st->stale = calloc(json_array_size(files) + 1, sizeof(*st->stale));
	st->stale_old = calloc(json_array_size(files) + 1, sizeof(*st->stale_old));
	if (!st->stale || !st->stale_old) {
		ret = -ENOMEM;
		goto out;
	}
	json_array_foreach(files, i, v) {
		const char *path = json_string_value(json_object_get(v, "path"));
		struct stat sb;
		size_t len;

		if (!path || is_rendered(st, path))
			continue;
		st->stale[st->n_stale] = strdup(path);
		if (!st->stale[st->n_stale]) {
			ret = -ENOMEM;
			goto out;
		}
		ret = txn_read_file(c->opts->root, path, &st->stale_old[st->n_stale], &len, &sb,
				    c->diag);
		st->n_stale++;
		if (ret < 0)
			goto out;
	}
	ret = 0;
out:
	json_decref(doc);
	return ret;
}

static int read_files(struct ctx *c, struct stage *st)
{
	size_t n = st->files.n_files;
	int ret;

	st->old = calloc(n ? n : 1, sizeof(*st->old));
	st->old_len = calloc(n ? n : 1, sizeof(*st->old_len));
	if (!st->old || !st->old_len)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct stat sb;

		ret = txn_read_file(c->opts->root, st->files.files[i].path, &st->old[i],
				    &st->old_len[i], &sb, c->diag);
		if (ret < 0)
			return ret;
	}
	return find_stale(c, st);
}

/* The dump's handles, put where plan expects them. */
static void adopt_handles(struct nft_netlink_live *live)
{
	struct ruleset *rs = live->rs;

	for (size_t c = 0; rs && live->rule_handles && c < rs->n_chains; c++)
		for (size_t r = 0; live->rule_handles[c] && r < rs->chains[c].n_rules; r++)
			rs->chains[c].rules[r].handle = live->rule_handles[c][r];
}

/*
 * Standalone mode next to a table whose base chain drops by policy on the
 * same hooks cannot open FTP (DESIGN.md "Decisions"): say to attach.
 */
static int refuse_foreign_drops(struct ctx *c, struct stage *st)
{
	char **names = NULL;
	size_t n = 0;
	int ret;

	ret = nft_netlink_foreign_drops(st->nl, st->want, &names, &n);
	if (ret < 0)
		return diag(c->diag, NULL, ret, "cannot list the other tables' chains: %s",
			    strerror(-ret));
	for (size_t i = 0; i < n; i++) {
		ret = diag(c->diag, &(struct srcloc){ st->site->file, st->site->firewall.line },
			   -ENOTSUP, "chain '%s' has policy drop, which drops FTP whatever table "
			   "'%s' accepts (an accept ends only its own base chain); use "
			   "<firewall attach=\"%s\"/> to put ftpcfg's rules into it", names[i],
			   st->want->table, names[i]);
		free(names[i]);
	}
	free(names);
	return n ? -ENOTSUP : 0;
}

/*
 * The last apply's target (its table, or its attach point) when this site
 * names another, and what of ftpcfg's is still there: the old table would
 * go on filtering FTP by the old rules, an old jump would too.  ftpcfg
 * does not delete what the site no longer names on its own say: it stops
 * and says how.
 */
static int refuse_orphan(struct ctx *c, struct stage *st)
{
	struct ruleset old = { 0 };
	struct nft_netlink_live *live = NULL;
	json_t *rec = NULL;
	const char *fam;
	const char *table;
	const char *chain;
	bool same_table;
	bool attach;
	int ret;

	ret = stage_read_record(c, &rec);
	if (ret < 0 || !rec)
		goto out;
	fam = json_string_value(json_object_get(rec, "family"));
	table = json_string_value(json_object_get(rec, "table"));
	attach = json_is_true(json_object_get(rec, "attach"));
	chain = json_string_value(json_object_get(rec, "attach_chain"));
	/* A record of an attach point that does not name its chain cannot be checked. */
	if (!fam || !table || (attach && !chain))
		goto out;
	same_table = !strcmp(fam, ir_family_name(st->want->family)) &&
		     !strcmp(table, st->want->table);
	if (attach == st->want->attach && same_table &&
	    (!attach || !strcmp(chain, st->want->attach_chain)))
		goto out;
	if (!strcmp(fam, "inet"))
		old.family = IR_FAMILY_INET;
	else if (!strcmp(fam, "ip"))
		old.family = IR_FAMILY_IP;
	else if (!strcmp(fam, "ip6"))
		old.family = IR_FAMILY_IP6;
	else
		goto out;
	old.table = (char *)table;
	old.attach = attach;
	old.attach_chain = (char *)chain;
	ret = nft_netlink_dump(st->nl, &old, &live, c->diag);
	if (ret < 0 || !live->rs)
		goto out;
	if (!attach)
		ret = diag(c->diag, NULL, -ENOTSUP,
			   "the last apply made table '%s %s', which this site no longer names; "
			   "it would go on filtering FTP by the old rules: delete it first (nft "
			   "delete table %s %s), then apply", fam, table, fam, table);
	else if (live->n_jump_handles) {
		/* In the same table, the new apply replaces ftpcfg's objects itself. */
		char objects[256] = "";

		if (!st->want->attach || !same_table)
			snprintf(objects, sizeof(objects), "then the chains, sets and ct helpers "
				 "named ftpcfg-* in table %s %s, ", fam, table);
		ret = diag(c->diag, NULL, -ENOTSUP,
			   "the last apply attached ftpcfg's rules to chain '%s %s %s', which this "
			   "site no longer names; its jump would go on sending FTP to the old "
			   "rules: remove it first (nft delete rule %s %s %s handle %llu), %sthen "
			   "apply", fam, table, chain, fam, table, chain,
			   (unsigned long long)live->jump_handles[0], objects);
	}
out:
	nft_netlink_live_free(live);
	json_decref(rec);
	return ret;
}

/* The live table as the kernel has it: a dump, and its checks. */
static int dump_ruleset(struct ctx *c, struct stage *st)
{
	int ret;

	ret = nft_netlink_dump(st->nl, st->want, &st->live, c->diag);
	if (ret < 0) {
		if (!c->diag->n_errors)
			diag(c->diag, NULL, ret, "cannot read the live ruleset: %s", strerror(-ret));
		return ret;
	}
	st->genid = st->live->genid;
	adopt_handles(st->live);
	if (!st->want->attach) {
		ret = refuse_foreign_drops(c, st);
		if (ret < 0)
			return ret;
	}
	ret = refuse_orphan(c, st);
	if (ret < 0)
		return ret;
	if (st->want->attach && !st->live->attach_chain_exists)
		return diag(c->diag, &(struct srcloc){ st->site->file, st->site->firewall.line },
			    -ENOENT, "attach names chain '%s' in table %s %s, which does not exist; "
			    "load the host's own ruleset first, or use standalone mode",
			    st->want->attach_chain, ir_family_name(st->want->family),
			    st->want->table);
	if (c->opts->verbose)
		diag_progress("live: dumped (generation %u)", st->genid);
	return 0;
}

/*
 * The live table: from the record when the generation says nothing moved
 * since the last apply (no dump: up to 1.5 s at 100 000 networks; and the
 * foreign-drop check passed then and nothing changed since), else a dump.
 */
static int read_ruleset(struct ctx *c, struct stage *st)
{
	bool found = false;
	int ret;

	ret = nft_netlink_open(&st->nl);
	if (ret < 0)
		return diag(c->diag, NULL, ret, "cannot open a netlink socket to nf_tables: %s",
			    strerror(-ret));
	ret = stage_live_from_record(c, st, &found);
	if (ret < 0 || found) {
		if (found && c->opts->verbose)
			diag_progress("live: from the record (generation %u unchanged)", st->genid);
		return ret;
	}
	return dump_ruleset(c, st);
}

static int plan_all(struct stage *st)
{
	int ret = 0;

	for (size_t i = 0; i < st->files.n_files && ret == 0; i++)
		ret = plan_file(&st->plan, st->files.files[i].path, st->old[i],
				st->files.files[i].content);
	for (size_t i = 0; i < st->n_stale && ret == 0; i++)
		ret = plan_file(&st->plan, st->stale[i], st->stale_old[i], NULL);
	if (ret == 0)
		ret = plan_ruleset(&st->plan, st->want, st->live->rs);
	return ret;
}

int stage_prepare(struct ctx *c, const char *site_path, struct stage *st)
{
	return stage_prepare_buffer(c, site_path, NULL, 0, st);
}

int stage_prepare_buffer(struct ctx *c, const char *site_path, const char *buf, size_t len,
			 struct stage *st)
{
	int ret;

	memset(st, 0, sizeof(*st));
	conf_set_init(&st->files);
	plan_init(&st->plan);
	if (buf)
		ret = cmd_load_site_buffer(c, site_path, buf, len, &st->site);
	else
		ret = cmd_load_site(c, site_path, &st->site);
	if (ret < 0)
		return ret;
	/* render_conf() leaves the allowlists out of what the stylesheets read. */
	ret = render_conf(st->site, c->opts->templates_dir, c->diag, &st->files);
	if (ret < 0)
		return ret;
	ret = ruleset_build(st->site, &st->want);
	if (ret < 0)
		return ret;
	ret = read_files(c, st);
	if (ret < 0)
		return ret;
	ret = read_ruleset(c, st);
	if (ret < 0)
		return ret;
	ret = plan_all(st);
	if (ret < 0 || !st->live_from_record || !stage_plan_needs_dump(&st->plan))
		return ret;
	/* Rules change, or the shape: that needs the kernel's handles. */
	plan_release(&st->plan);
	nft_netlink_live_free(st->live);
	st->live = NULL;
	free(st->live_json);
	st->live_json = NULL;
	st->live_from_record = false;
	ret = dump_ruleset(c, st);
	if (ret < 0)
		return ret;
	return plan_all(st);
}
