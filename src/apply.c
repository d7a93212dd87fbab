/*
 * apply: one transaction over files and kernel.  The order is DESIGN.md's:
 * lock, recover, render, read, plan, pre-flight, journal, write files,
 * commit the batch, reload, record.  Everything after the journal can be
 * undone from it, by this run on failure or by the next one after a crash.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "apply.h"
#include "apply_internal.h"
#include "daemon.h"
#include "ruleset_json.h"
#include "stage.h"

#ifdef FTPCFG_TESTING
/*
 * The fault-injection seam, compiled into test builds only:
 * FTPCFG_FAULT=STEP fails the transaction right after STEP, and
 * FTPCFG_FAULT=STEP:kill kills the process there (SIGKILL), as a crash or
 * a power cut would.
 */
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

bool apply_fault_is(const char *what)
{
	const char *f = getenv("FTPCFG_FAULT");

	return f && !strcmp(f, what);
}
#endif

uint64_t apply_hash(const char *data, size_t len)
{
	/* FNV-1a: enough to tell "changed since the last apply", not a security check. */
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)data[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Which servers' files change: they are the ones to check and reload. */
static bool server_changes(const struct stage *st, const struct site_server *srv)
{
	for (size_t i = 0; i < st->files.n_files; i++) {
		const struct conf_file *f = &st->files.files[i];

		if (f->server == srv &&
		    (!st->old[i] || st->old_len[i] != f->len || memcmp(st->old[i], f->content, f->len)))
			return true;
	}
	return false;
}

static int preflight(struct ctx *c, const struct stage *st)
{
	int ret = 0;

	for (size_t i = 0; i < st->site->n_servers; i++) {
		const struct site_server *srv = &st->site->servers[i];

		if (daemon_check_tls(st->site, srv, c->opts->root, c->diag) < 0)
			ret = -EINVAL;
	}
	for (size_t i = 0; i < st->files.n_files; i++) {
		const struct conf_file *f = &st->files.files[i];
		bool checked = false;

		if (!server_changes(st, f->server))
			continue;
		if (daemon_check(st->site, f->server, f->content, f->len, &checked, c->diag) < 0)
			ret = -EINVAL;
	}
	/* A failed step is exit 1, as for any other step; what failed is said above. */
	if (ret < 0)
		ret = diag(c->diag, NULL, -ECANCELED, "pre-flight failed; nothing was changed");
	return ret;
}

/*
 * The journal's meta: the shape of what is managed (table, attach chain)
 * and the reload command of every server whose files change, so that a
 * later run can undo this one knowing nothing else.
 */
static int journal_meta(const struct stage *st, char **out)
{
	struct ruleset shape = *st->want;
	json_t *reloads = json_array();
	json_t *doc = NULL;
	char *shape_json = NULL;
	int ret = -ENOMEM;

	shape.n_helpers = shape.n_sets = shape.n_chains = 0;
	if (!reloads || ruleset_to_json(&shape, &shape_json) < 0)
		goto out;
	for (size_t i = 0; i < st->site->n_servers; i++)
		if (server_changes(st, &st->site->servers[i]) &&
		    json_array_append_new(reloads, json_string(st->site->servers[i].reload)) < 0)
			goto out;
	doc = json_pack("{s:s, s:O}", "shape", shape_json, "reload", reloads);
	*out = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	ret = *out ? 0 : -ENOMEM;
out:
	json_decref(doc);
	json_decref(reloads);
	free(shape_json);
	return ret;
}

/* The journal takes st->live_json (the record's copy of the live ruleset) when there is one. */
static int write_journal(struct ctx *c, struct txn *t, struct stage *st, struct txn_journal *j)
{
	const char **paths = calloc(st->files.n_files + st->n_stale + 1, sizeof(*paths));
	bool in_record = false;
	char *old_rules = NULL;
	char *meta = NULL;
	size_t n = 0;
	int ret = -ENOMEM;

	if (!paths)
		goto out;
	for (size_t i = 0; i < st->files.n_files; i++)
		paths[n++] = st->files.files[i].path;
	for (size_t i = 0; i < st->n_stale; i++)
		paths[n++] = st->stale[i];
	/* From the record, the live ruleset is that file already: no second encoding. */
	if (st->live_json) {
		old_rules = st->live_json;
		st->live_json = NULL;
		in_record = true;
	} else if (st->live->rs && ruleset_to_json(st->live->rs, &old_rules) < 0) {
		goto out;
	}
	if (st->live->rs && !old_rules)
		goto out;
	if (journal_meta(st, &meta) < 0)
		goto out;
	ret = txn_journal_write(t, paths, n, &old_rules, in_record ? TXN_APPLIED_RULESET : NULL,
				meta, j);
	if (ret < 0 && !c->diag->n_errors)
		diag(c->diag, NULL, ret, "cannot write the journal: %s", strerror(-ret));
out:
	free(paths);
	free(old_rules);
	free(meta);
	return ret;
}

static int write_files(struct ctx *c, const struct stage *st)
{
	int ret;

	for (size_t i = 0; i < st->files.n_files; i++) {
		const struct conf_file *f = &st->files.files[i];

		if (st->old[i] && st->old_len[i] == f->len && !memcmp(st->old[i], f->content, f->len))
			continue;
		ret = txn_write_file(c->opts->root, f->path, f->content, f->len, 0644, c->diag);
		if (ret < 0)
			return ret;
	}
	for (size_t i = 0; i < st->n_stale; i++) {
		ret = txn_remove_file(c->opts->root, st->stale[i], c->diag);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int reload_changed(struct ctx *c, const struct stage *st, unsigned flags)
{
	if (flags & APPLY_NO_RELOAD)
		return 0;
	for (size_t i = 0; i < st->site->n_servers; i++) {
		const struct site_server *srv = &st->site->servers[i];
		int ret;

		if (!server_changes(st, srv))
			continue;
		ret = daemon_reload(st->site, srv, c->opts->root, c->diag);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int apply_write_record(struct txn *t, const char *outcome, const struct ruleset *managed,
		       json_t *files, json_t *extra, const char *ruleset)
{
	json_t *doc = NULL;
	char *text = NULL;
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	int ret = -ENOMEM;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	doc = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s?, s:O}", "time", when, "outcome", outcome,
			"table", managed->table, "family", ir_family_name(managed->family),
			"attach", managed->attach, "attach_chain",
			managed->attach ? managed->attach_chain : NULL, "files", files);
	if (!doc || (extra && json_object_update(doc, extra) < 0))
		goto out;
	text = json_dumps(doc, JSON_INDENT(2));
	if (!text)
		goto out;
	/* The ruleset first: the record is what makes it count. */
	if (ruleset)
		ret = txn_write_file(t->state_dir, TXN_APPLIED_RULESET, ruleset,
				     strlen(ruleset), 0600, t->d);
	else
		ret = txn_remove_file(t->state_dir, TXN_APPLIED_RULESET, t->d);
	if (ret == 0)
		ret = txn_record(t, text);
out:
	free(text);
	json_decref(doc);
	return ret;
}

static int record(struct ctx *c, struct txn *t, const struct stage *st, uint32_t genid)
{
	json_t *files = json_array();
	json_t *warnings = json_array();
	json_t *extra = NULL;
	char instance[NFT_NETLINK_INSTANCE_MAX];
	char *want = NULL;
	int ret = -ENOMEM;

	/* The generation counts within this boot and namespace only; unnamed, it is not kept. */
	if (nft_netlink_get_instance(st->nl, instance) < 0)
		genid = 0;
	if (!files || !warnings)
		goto out;
	for (size_t i = 0; i < st->files.n_files; i++) {
		const struct conf_file *f = &st->files.files[i];

		if (json_array_append_new(files, apply_file_entry(f->path, f->content, f->len)) < 0)
			goto out;
	}
	/* What validation said of the site, for a quick no-op to say again. */
	for (size_t i = 0; i < c->diag->n_recs; i++) {
		const struct diag_rec *r = &c->diag->recs[i];

		if (r->level == DIAG_WARNING &&
		    json_array_append_new(warnings, json_pack("{s:s?, s:i, s:s}", "file", r->file,
							      "line", (int)r->line, "message",
							      r->msg)) < 0)
			goto out;
	}
	extra = json_pack("{s:s, s:s, s:I, s:s?, s:O}", "site", st->site->file, "site_name",
			  st->site->name, "genid", (json_int_t)genid, "instance",
			  genid ? instance : NULL, "warnings", warnings);
	if (!extra || ruleset_to_json(st->want, &want) < 0)
		goto out;
	ret = apply_write_record(t, "applied", st->want, files, extra, want);
out:
	free(want);
	json_decref(extra);
	json_decref(files);
	json_decref(warnings);
	return ret;
}

/* Put back what the journal holds after a failure in this run; say so. */
static void undo(struct ctx *c, struct txn *t, const struct txn_journal *j, bool ruleset,
		 bool reload, unsigned flags)
{
	int ret = apply_undo(c, t, j, ruleset, reload && !(flags & APPLY_NO_RELOAD));

	if (ret < 0)
		diag(c->diag, NULL, ret, "could not put everything back; the journal stays in "
		     "'%s/journal' and the next ftpcfg run will try again", t->state_dir);
	else
		txn_journal_discard(t);
}

/* After an ENOBUFS: 0 when the live table is now the desired one, else -ENOBUFS. */
static int verify_committed(struct ctx *c, struct stage *st)
{
	struct nft_netlink_live *live = NULL;
	struct plan p;
	int ret;

	plan_init(&p);
	ret = nft_netlink_dump(st->nl, st->want, &live, c->diag);
	if (ret == 0)
		ret = plan_ruleset(&p, st->want, live->rs);
	if (ret == 0 && p.n_ruleset_changes)
		ret = -ENOBUFS;
	if (ret == 0)
		diag_warn(c->diag, NULL, "the kernel's answers were lost, but the table shows the "
			  "batch was committed");
	plan_release(&p);
	nft_netlink_live_free(live);
	return ret;
}

int apply_site(struct ctx *c, struct txn *t, const char *site_path, unsigned flags)
{
	struct txn_journal j = { 0 };
	struct apply_input in;
	struct stage st = { 0 };
	bool committed = false;
	bool unchanged = false;
	uint32_t genid = 0;
	int ret;

	ret = apply_input_read(c, &in);
	if (ret == 0)
		ret = apply_quick_unchanged(c, t, &in, site_path, &unchanged);
	if (ret < 0 || unchanged) {
		if (unchanged && c->opts->verbose)
			diag_progress("input and ruleset generation unchanged since the last apply");
		apply_input_release(&in);
		return ret;
	}
	apply_input_read_site(site_path, &in);
	if (in.site)
		ret = stage_prepare_buffer(c, site_path, in.site, in.site_len, &st);
	else
		ret = stage_prepare(c, site_path, &st);
	if (ret < 0)
		goto out;
	if (!st.plan.n_items)
		goto out;
	ret = preflight(c, &st);
	if (ret < 0)
		goto out;
	if (flags & APPLY_CHECK) {
		ret = apply_send(c, &st, NFT_NETLINK_CHECK);
		if (ret == 0)
			ret = CMD_CHANGES;
		goto out;
	}
	ret = write_journal(c, t, &st, &j);
	if (ret == 0)
		ret = apply_fault(c, "journal");
	if (ret < 0)
		goto fail;
	ret = write_files(c, &st);
	if (ret == 0)
		ret = apply_fault(c, "files");
	if (ret < 0)
		goto fail;
	ret = apply_send(c, &st, 0);
	if (ret == -ENOBUFS) {
		/* Outcome unknown: the table itself says whether the batch went in. */
		ret = verify_committed(c, &st);
		committed = true;	/* undo must put the ruleset back either way */
	}
	committed = committed || ret == 0;
	if (ret == 0)
		ret = apply_fault(c, "commit");
	if (ret < 0)
		goto fail;
	ret = reload_changed(c, &st, flags);
	if (ret == 0)
		ret = apply_fault(c, "reload");
	if (ret < 0)
		goto fail;
	ret = nft_netlink_get_genid(st.nl, &genid);
	/*
	 * The next run trusts this generation to mean "the kernel holds what
	 * was applied" (stage_record.c): record it only when it is our commit's
	 * and no one else's, else 0 (the next run dumps).
	 */
	if (ret == 0 && genid != (uint32_t)(st.genid + (st.sent ? 1 : 0)))
		genid = 0;
	/* The input first: the record is what makes it count. */
	if (ret == 0)
		ret = apply_quick_save(t, &in);
	if (ret == 0)
		ret = record(c, t, &st, genid);
	if (ret == 0)
		ret = apply_fault(c, "record");
	if (ret < 0)
		goto fail;
	ret = txn_journal_close(t);
	if (ret < 0)
		goto out;
	ret = CMD_CHANGES;
	goto out;
fail:
	undo(c, t, &j, committed, committed, flags);
out:
	txn_journal_release(&j);
	stage_release(&st);
	apply_input_release(&in);
	return ret;
}

int apply_begin(struct ctx *c, struct txn *t, unsigned flags)
{
	struct txn_journal j;
	char *state = NULL;
	int ret;

	ret = stage_state_dir(c, &state);
	if (ret < 0)
		return ret;
	ret = txn_begin(t, c->opts->root, state, c->diag);
	free(state);
	if (ret < 0)
		return ret;
	ret = txn_journal_read(t, "journal", &j);
	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	/* An earlier run stopped half-way: undo it before anything else. */
	diag_warn(c->diag, NULL, "an earlier apply was interrupted; putting back the files and "
		  "ruleset it had journaled");
	ret = apply_undo(c, t, &j, true, !(flags & APPLY_NO_RELOAD));
	if (ret == 0)
		ret = txn_journal_discard(t);
	txn_journal_release(&j);
	return ret;
}
