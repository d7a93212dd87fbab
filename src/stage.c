/*
 * stage: gathers what should be and what is, then plans, once.  It reads
 * files and the live table through the socket it is given but changes
 * nothing, opens nothing of its own and prints nothing: diff stops here,
 * apply goes on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backend.h"
#include "guard.h"
#include "import.h"
#include "nft_text.h"
#include "stage.h"
#include "txn.h"

int stage_ruleset_diff(const struct ruleset *live, const struct ruleset *want, unsigned context,
		       bool color, char **out, struct diff_stat *stat)
{
	struct nft_text_pair t;
	int ret = nft_text_render_pair(live, want, context, &t);

	if (ret == 0)
		ret = diff_unified_gaps("ruleset (live)", live ? t.old : NULL, "ruleset (site)",
					t.new, t.gaps, t.n_gaps, context, color, out, stat);
	nft_text_pair_release(&t);
	return ret;
}

void stage_release(struct stage *st)
{
	for (size_t i = 0; st->old && i < st->files.n_files; i++)
		free(st->old[i]);
	free(st->old);
	free(st->old_len);
	free(st->old_meta);
	for (size_t i = 0; i < st->n_stale; i++) {
		free(st->stale[i]);
		free(st->stale_old[i]);
	}
	free(st->stale);
	free(st->stale_old);
	free(st->stale_len);
	free(st->stale_meta);
	free(st->stale_origin);
	state_origins_release(&st->origins);
	conf_set_release(&st->files);
	site_free(st->site);
	ruleset_free(st->want);
	nft_netlink_live_free(st->live);
	plan_release(&st->plan);
	guard_release(&st->guard);
	memset(st, 0, sizeof(*st));
}

static bool is_rendered(const struct stage *st, const char *path)
{
	for (size_t i = 0; i < st->files.n_files; i++)
		if (!strcmp(st->files.files[i].path, path))
			return true;
	return false;
}

static int read_one(struct ctx *c, const char *path, char **out, size_t *len,
		    struct stage_meta *m)
{
	struct stat sb;
	int ret = txn_read_file(c->opts->root, path, out, len, &sb, c->diag);

	if (ret == 0 && *out)
		*m = (struct stage_meta){ true, sb.st_mode & 07777, sb.st_uid, sb.st_gid };
	return ret;
}

/*
 * Files the last apply wrote that this site no longer renders (a Pure-FTPd
 * option dropped from its conf/ directory, a server removed): apply gives
 * each back as it was before ftpcfg first wrote it, or removes it when
 * ftpcfg created it (or its original is not known).
 */
static int find_stale(struct ctx *c, const struct state *s, struct stage *st)
{
	size_t n = s->rec ? s->rec->n_files : 0;

	st->stale = calloc(n + 1, sizeof(*st->stale));
	st->stale_old = calloc(n + 1, sizeof(*st->stale_old));
	st->stale_len = calloc(n + 1, sizeof(*st->stale_len));
	st->stale_meta = calloc(n + 1, sizeof(*st->stale_meta));
	st->stale_origin = calloc(n + 1, sizeof(*st->stale_origin));
	if (!st->stale || !st->stale_old || !st->stale_len || !st->stale_meta || !st->stale_origin)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *path = s->rec->files[i].path;
		size_t k = st->n_stale;
		int ret;

		if (is_rendered(st, path))
			continue;
		st->stale[k] = strdup(path);
		if (!st->stale[k])
			return -ENOMEM;
		st->stale_origin[k] = state_origins_find(&st->origins, path);
		st->n_stale++;
		ret = read_one(c, path, &st->stale_old[k], &st->stale_len[k], &st->stale_meta[k]);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int read_files(struct ctx *c, const struct state *s, struct stage *st)
{
	size_t n = st->files.n_files;

	st->old = calloc(n ? n : 1, sizeof(*st->old));
	st->old_len = calloc(n ? n : 1, sizeof(*st->old_len));
	st->old_meta = calloc(n ? n : 1, sizeof(*st->old_meta));
	if (!st->old || !st->old_len || !st->old_meta)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int ret = read_one(c, st->files.files[i].path, &st->old[i], &st->old_len[i],
				   &st->old_meta[i]);

		if (ret < 0)
			return ret;
	}
	return find_stale(c, s, st);
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
 * Other firewalls that would still drop what ftpcfg accepts: kept in the
 * stage for diff and status to show and apply to refuse (unless told to
 * go on).  Read unless the record says that at its generation, which is
 * still the live one (@vouches), no other table had a chain to judge:
 * nothing in any table has moved since, so nothing can drop FTP.  The
 * verdict is bound to the generation read before the other tables.
 */
static int find_conflicts(struct ctx *c, const struct state *s, struct nft_netlink *nl,
			  bool vouches, bool same, struct stage *st)
{
	uint32_t before = 0;
	int ret;

	guard_release(&st->guard);
	if (vouches && same && s->rec->guard == STATE_GUARD_NO_FOREIGN) {
		st->guard_from_record = true;
		st->guard_none = true;
		st->guard_genid = s->rec->genid;
		return 0;
	}
	ret = nft_netlink_get_genid(nl, &before);
	if (ret == 0)
		ret = guard_check(nl, st->want, &st->guard);
	if (ret < 0)
		return diag(c->diag, NULL, ret, "cannot read the other tables' chains: %s",
			    strerror(-ret));
	st->guard_none = st->guard.checked && !st->guard.n_foreign;
	st->guard_genid = before;
	return 0;
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* @a manages what @b manages: same table, same attach point. */
static bool same_target(const struct ruleset *a, const struct ruleset *b)
{
	return a->family == b->family && same_str(a->table, b->table) && a->attach == b->attach &&
	       same_str(a->attach_chain, b->attach_chain) && same_str(a->jump_chain, b->jump_chain);
}

/*
 * The last apply's target (its table, or its attach point) when this site
 * names another, and what of ftpcfg's is still there: the old table would
 * go on filtering FTP by the old rules, an old jump would too.  ftpcfg
 * does not delete what the site no longer names on its own say: it stops
 * and says how.
 */
static int refuse_orphan(struct ctx *c, const struct state *s, struct nft_netlink *nl,
			 struct stage *st)
{
	const struct ruleset *rec = s->rec ? s->rec->ruleset : NULL;
	struct ruleset old = { 0 };
	struct nft_netlink_live *live = NULL;
	const char *fam;
	bool same_table;
	int ret;

	if (!rec || same_target(rec, st->want) || (rec->attach && !rec->attach_chain))
		return 0;
	fam = ir_family_name(rec->family);
	same_table = rec->family == st->want->family && !strcmp(rec->table, st->want->table);
	if (rec->attach == st->want->attach && same_table &&
	    (!rec->attach || !strcmp(rec->attach_chain, st->want->attach_chain)))
		return 0;
	old.family = rec->family;
	old.table = rec->table;
	old.attach = rec->attach;
	old.attach_chain = rec->attach_chain;
	old.jump_chain = rec->jump_chain;
	ret = nft_netlink_dump(nl, &old, &live, c->diag);
	if (ret < 0 || !live->rs)
		goto out;
	if (!rec->attach)
		ret = diag(c->diag, NULL, -ENOTSUP,
			   "the last apply made table '%s %s', which this site no longer names; "
			   "it would go on filtering FTP by the old rules: delete it first (nft "
			   "delete table %s %s), then apply", fam, rec->table, fam, rec->table);
	else if (live->n_jump_handles) {
		/* In the same table, the new apply replaces ftpcfg's objects itself. */
		char objects[256] = "";

		if (!st->want->attach || !same_table)
			snprintf(objects, sizeof(objects), "then the chains, sets and ct helpers "
				 "named ftpcfg-* in table %s %s, ", fam, rec->table);
		ret = diag(c->diag, NULL, -ENOTSUP,
			   "the last apply attached ftpcfg's rules to chain '%s %s %s', which this "
			   "site no longer names; its jump would go on sending FTP to the old "
			   "rules: remove it first (nft delete rule %s %s %s handle %llu), %sthen "
			   "apply", fam, rec->table, rec->attach_chain, fam, rec->table,
			   rec->attach_chain, (unsigned long long)live->jump_handles[0], objects);
	}
out:
	nft_netlink_live_free(live);
	return ret;
}

/* The live table as the kernel has it: a dump, and its checks. */
static int dump_ruleset(struct ctx *c, const struct state *s, struct nft_netlink *nl,
			struct stage *st)
{
	int ret;

	ret = nft_netlink_dump(nl, st->want, &st->live, c->diag);
	if (ret < 0) {
		if (!c->diag->n_errors)
			diag(c->diag, NULL, ret, "cannot read the live ruleset: %s", strerror(-ret));
		return ret;
	}
	st->genid = st->live->genid;
	st->live_rs = st->live->rs;
	adopt_handles(st->live);
	ret = refuse_orphan(c, s, nl, st);
	if (ret < 0)
		return ret;
	if (st->want->attach && !st->live->attach_chain_exists)
		return diag(c->diag, &(struct srcloc){ st->site->file, st->site->firewall.line },
			    -ENOENT, "attach names chain '%s' in table %s %s, which does not exist; "
			    "load the host's own ruleset first, or use standalone mode",
			    st->want->attach_chain, ir_family_name(st->want->family),
			    st->want->table);
	return 0;
}

/*
 * @a and @b differ at most in their sets' elements: a plan between them
 * has only element changes, which need no rule handles.  Compared as the
 * text nft would print with every set emptied (shallow copies).
 */
static int same_but_elements(const struct ruleset *a, const struct ruleset *b, bool *same)
{
	struct ruleset x = *a;
	struct ruleset y = *b;
	struct ir_set *xs = calloc(a->n_sets + 1, sizeof(*xs));
	struct ir_set *ys = calloc(b->n_sets + 1, sizeof(*ys));
	char *tx = NULL;
	char *ty = NULL;
	int ret = -ENOMEM;

	*same = false;
	if (!xs || !ys)
		goto out;
	for (size_t i = 0; i < a->n_sets; i++) {
		xs[i] = a->sets[i];
		xs[i].n_elems = 0;
	}
	for (size_t i = 0; i < b->n_sets; i++) {
		ys[i] = b->sets[i];
		ys[i].n_elems = 0;
	}
	x.sets = xs;
	y.sets = ys;
	ret = nft_text_render(&x, 0, &tx);
	if (ret == 0)
		ret = nft_text_render(&y, 0, &ty);
	if (ret == 0)
		*same = !strcmp(tx, ty);
out:
	free(tx);
	free(ty);
	free(xs);
	free(ys);
	return ret;
}

/*
 * The live table: from the record when the generation says nothing moved
 * since the last apply and only elements differ (no dump: up to 1.5 s at
 * 100 000 networks), else a dump.  Decided before planning, so the plan is made once.
 */
static int read_ruleset(struct ctx *c, const struct state *s, struct nft_netlink *nl,
			struct stage *st)
{
	const struct ruleset *rec = s->rec ? s->rec->ruleset : NULL;
	bool target = rec && same_target(rec, st->want);
	bool vouches = false;
	bool same = false;
	char *refusal = NULL;
	int ret;

	if (rec) {
		ret = state_record_vouches(s, nl, &vouches);
		if (ret < 0)
			return diag(c->diag, NULL, ret, "cannot read the ruleset generation: %s",
				    strerror(-ret));
	}
	/*
	 * Never into a table another manager owns, not even with
	 * --allow-conflicts.  Unless the generation vouches that nothing moved
	 * since the last apply attached there (and was checked the same way).
	 */
	if (!(vouches && target)) {
		ret = guard_attach_refusal(nl, st->want, &refusal);
		if (ret < 0)
			return diag(c->diag, NULL, ret, "cannot read the table to attach to: %s",
				    strerror(-ret));
	}
	if (refusal) {
		ret = diag(c->diag, &(struct srcloc){ st->site->file, st->site->firewall.line },
			   -ENOTSUP, "%s", refusal);
		free(refusal);
		return ret;
	}
	ret = find_conflicts(c, s, nl, vouches, target, st);
	if (ret < 0)
		return ret;
	if (vouches && target) {
		ret = same_but_elements(rec, st->want, &same);
		if (ret < 0)
			return ret;
		st->record_vouched = !same;
	}
	if (!vouches || !target || !same)
		ret = dump_ruleset(c, s, nl, st);
	else {
		st->live_rs = rec;
		st->genid = s->rec->genid;
		st->live_from_record = true;
	}
	/* Kept only when nothing moved between the guard's look and the plan's. */
	if (ret == 0 && st->guard_none && st->guard_genid == st->genid)
		st->guard_verdict = STATE_GUARD_NO_FOREIGN;
	return ret;
}

static int plan_all(struct stage *st)
{
	int ret = 0;

	for (size_t i = 0; i < st->files.n_files && ret == 0; i++)
		ret = plan_file(&st->plan, st->files.files[i].path, st->old[i],
				st->files.files[i].content);
	for (size_t i = 0; i < st->n_stale && ret == 0; i++) {
		const struct state_saved *o = st->stale_origin[i];

		ret = plan_file(&st->plan, st->stale[i], st->stale_old[i],
				o && o->existed ? o->content : NULL);
	}
	if (ret == 0)
		ret = plan_ruleset(&st->plan, st->want, st->live_rs);
	return ret;
}

/*
 * What the integrations would change (include/backend.h): the one the
 * last apply used, when the site moved to another backend, is taken
 * away; the site's own is brought into line.  Each reads the host itself.
 */
static int plan_integrations(struct ctx *c, const struct state *s, struct nft_netlink *nl,
			     struct stage *st)
{
	const struct srcloc at = { st->site->file, st->site->firewall.line };
	const struct backend_env env = { c->opts->root, nl, c->diag, c->opts->verbose };
	const struct ruleset *old = s->rec ? s->rec->ruleset : NULL;
	const struct backend_ops *ops[2];
	size_t n = backend_involved(old, st->want, ops);
	int ret = 0;

	if (st->want->backend != SITE_BACKEND_NFTABLES && !backend_ops(st->want->backend))
		return diag(c->diag, &(struct srcloc){ st->site->file, st->site->firewall.line },
			    -ENOTSUP, "backend '%s' is not available in this ftpcfg; use "
			    "backend=\"nftables\" (the default)",
			    site_backend_name(st->want->backend));
	/* A zone firewalld does not have is the site's to fix: said at its line. */
	if (st->want->backend == SITE_BACKEND_FIREWALLD && st->want->zone && *st->want->zone)
		ret = backend_firewalld_zone_check(&env, st->want->zone, &at);
	for (size_t i = 0; i < n && ret == 0; i++)
		ret = ops[i]->plan(&env, ops[i]->backend == st->want->backend ? st->want : NULL,
				   &st->plan);
	return ret;
}

int stage_load(struct ctx *c, const char *site_path, const char *buf, size_t len,
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
	if (ret == 0)
		ret = ruleset_build(st->site, &st->want);
	return ret;
}

int stage_survey(struct ctx *c, const struct state *s, struct nft_netlink *nl, struct stage *st)
{
	int ret = state_origins_read(s, &st->origins);

	if (ret == 0)
		ret = read_files(c, s, st);
	if (ret == 0)
		import_warn_dropped(st->site, c->opts->root, c->opts->templates_dir, c->diag);
	if (ret == 0)
		ret = read_ruleset(c, s, nl, st);
	if (ret == 0)
		ret = plan_all(st);
	if (ret == 0)
		ret = plan_integrations(c, s, nl, st);
	return ret;
}

int stage_prepare(struct ctx *c, const struct state *s, struct nft_netlink *nl,
		  const char *site_path, const char *buf, size_t len, struct stage *st)
{
	int ret = stage_load(c, site_path, buf, len, st);

	return ret < 0 ? ret : stage_survey(c, s, nl, st);
}
