/*
 * apply: one transaction over files and kernel, in this order: lock,
 * recover, read the site once, the no-op check, survey and plan,
 * pre-flight, journal, write files, commit the batch, reload, record,
 * retire the journal.  It owns the one netlink socket of the run.
 * Everything after the journal can be undone from it, by this run on
 * failure or by the next one after a crash; once the record names the
 * journal, the change is complete and nothing turns it back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply.h"
#include "apply_input.h"
#include "apply_kernel.h"
#include "apply_history.h"
#include "apply_txn.h"
#include "guard.h"
#include "plan.h"
#include "daemon.h"
#include "diag.h"
#include "stage.h"
#include "state.h"
#include "txn.h"

/* ---- steps ------------------------------------------------------------------- */

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
 * The journal: what is there now of every file this site writes or the
 * last apply wrote, the target, the reload commands of the servers whose files change, and
 * the record as it is, so that undo puts everything back as it was.
 */
static int build_journal(const struct ctx *c, struct nft_netlink *nl, const struct state *s,
			 const struct stage *st,
			 struct state_journal *j)
{
	size_t n = st->files.n_files + st->n_stale;
	int ret = -ENOMEM;

	memset(j, 0, sizeof(*j));
	j->files = calloc(n + 1, sizeof(*j->files));
	j->reloads = calloc(st->site->n_servers + 1, sizeof(*j->reloads));
	if (!j->files || !j->reloads)
		return -ENOMEM;
	for (size_t i = 0; i < st->files.n_files; i++, j->n_files++)
		if (apply_txn_save(&j->files[j->n_files], st->files.files[i].path, st->old[i], st->old_len[i],
			 &st->old_meta[i]) < 0)
			return -ENOMEM;
	for (size_t i = 0; i < st->n_stale; i++, j->n_files++)
		if (apply_txn_save(&j->files[j->n_files], st->stale[i], st->stale_old[i], st->stale_len[i],
			 &st->stale_meta[i]) < 0)
			return -ENOMEM;
	for (size_t i = 0; i < st->site->n_servers; i++) {
		if (!server_changes(st, &st->site->servers[i]))
			continue;
		j->reloads[j->n_reloads] = strdup(st->site->servers[i].reload);
		if (!j->reloads[j->n_reloads++])
			return -ENOMEM;
	}
	ret = apply_txn_shape_of(st->want, &j->shape);
	if (ret == 0) {
		const struct backend_ops *ops[2];
		size_t n_ops = backend_involved(s->rec ? s->rec->ruleset : NULL, st->want, ops);

		ret = apply_txn_save_integrations(c, nl, ops, n_ops, j);
	}
	if (ret == 0)
		ret = apply_txn_save_record(s, j);
	return ret;
}

static bool record_lists(const struct state *s, const char *path)
{
	for (size_t i = 0; s->rec && i < s->rec->n_files; i++)
		if (!strcmp(s->rec->files[i].path, path))
			return true;
	return false;
}

/*
 * The originals of the files this apply takes over: each rendered file the
 * record does not list yet is kept as it is now (content, owner, mode, or
 * absent), before anything is written, in st->origins and STATE/origins.
 * A file the record lists keeps the original it has.  With a damaged
 * record nothing can be told taken over: only missing entries are added.
 * An entry of a file not managed now is harmless: remove reads only the
 * entries of files the record lists, and the next apply that takes that
 * file over replaces it with what is there then.
 */
static int keep_originals(struct state *s, struct stage *st)
{
	bool changed = false;
	int ret = 0;

	for (size_t i = 0; i < st->files.n_files && ret == 0; i++) {
		const char *path = st->files.files[i].path;
		const struct state_saved now = {
			.path = (char *)path, .existed = st->old[i] != NULL, .content = st->old[i],
			.len = st->old_len[i], .mode = st->old_meta[i].mode,
			.uid = st->old_meta[i].uid, .gid = st->old_meta[i].gid,
		};

		if (record_lists(s, path) ||
		    (s->rec_damaged && state_origins_find(&st->origins, path)))
			continue;
		ret = state_origins_set(&st->origins, &now);
		changed = true;
	}
	/* stale_origin points into origins: set() may have moved the entries. */
	for (size_t i = 0; i < st->n_stale; i++)
		st->stale_origin[i] = state_origins_find(&st->origins, st->stale[i]);
	if (ret == 0 && changed)
		ret = state_origins_write(s, &st->origins);
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
	/* What the site no longer writes: its original back, or gone when ftpcfg created it. */
	for (size_t i = 0; i < st->n_stale; i++) {
		const struct state_saved *o = st->stale_origin[i];

		if (o && o->existed) {
			ret = txn_write_file(c->opts->root, o->path, o->content, o->len, o->mode,
					     c->diag);
			if (ret == 0)
				ret = txn_set_owner(c->opts->root, o->path, o->uid, o->gid, o->mode,
						    c->diag);
		} else {
			ret = txn_remove_file(c->opts->root, st->stale[i], c->diag);
		}
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Reload the servers whose files changed; *n counts the commands run (a failed one too). */
static int reload_changed(struct ctx *c, const struct stage *st, unsigned flags, size_t *n)
{
	if (flags & APPLY_NO_RELOAD)
		return 0;
	for (size_t i = 0; i < st->site->n_servers; i++) {
		const struct site_server *srv = &st->site->servers[i];
		int ret;

		if (!server_changes(st, srv))
			continue;
		(*n)++;
		ret = daemon_reload(st->site, srv, c->opts->root, c->diag);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * The record of what is managed now: the site's ruleset and files as
 * @st has them, the input's hashes, the generation @genid (0: not ours to
 * vouch for), the journal it closes, and the warnings validation gave
 * (the records c->diag got between @warn_from and @warn_to, so that no
 * other run's message is replayed).
 */
static int write_record(struct ctx *c, struct state *s, struct nft_netlink *nl,
			const struct stage *st, const struct input *in, uint32_t genid,
			const uint8_t journal_sha256[STATE_SHA256_LEN],
			const uint8_t *ruleset_sha256, size_t warn_from, size_t warn_to)
{
	char instance[NFT_NETLINK_INSTANCE_MAX];
	struct state_record r = { 0 };
	int ret = -ENOMEM;

	/* The generation counts within this boot and namespace only; unnamed, it is not kept. */
	if (genid && nft_netlink_get_instance(nl, instance) < 0)
		genid = 0;
	r.site = st->site->file;
	r.site_name = st->site->name;
	memcpy(r.site_sha256, in->site_sha256, STATE_SHA256_LEN);
	memcpy(r.input_sha256, in->input_sha256, STATE_SHA256_LEN);
	r.genid = genid;
	r.instance = genid ? instance : NULL;
	/*
	 * The guard's verdict was taken at st->genid; @genid is that one or
	 * our own commit's right after it, which adds no base chain outside
	 * ftpcfg's table (attach mode adds only regular chains).
	 */
	r.guard = genid ? st->guard_verdict : STATE_GUARD_UNKNOWN;
	if (journal_sha256)
		memcpy(r.journal_sha256, journal_sha256, STATE_SHA256_LEN);
	r.ruleset = st->want;
	if (ruleset_sha256) {
		memcpy(r.ruleset_sha256, ruleset_sha256, STATE_SHA256_LEN);
		r.has_ruleset_sha256 = true;
	}
	/* Borrowed strings: r is never given to state_record_free(). */
	r.files = calloc(st->files.n_files + 1, sizeof(*r.files));
	r.warnings = calloc(warn_to - warn_from + 1, sizeof(*r.warnings));
	if (!r.files || !r.warnings)
		goto out;
	for (size_t i = 0; i < st->files.n_files; i++, r.n_files++) {
		r.files[i].path = (char *)st->files.files[i].path;
		r.files[i].reload = (char *)st->files.files[i].server->reload;
		state_sha256(st->files.files[i].content, st->files.files[i].len, r.files[i].sha256);
	}
	for (size_t i = warn_from; i < warn_to && i < c->diag->n_recs; i++) {
		const struct diag_rec *d = &c->diag->recs[i];

		if (d->level == DIAG_WARNING)
			r.warnings[r.n_warnings++] = (struct state_warning){ d->file, d->line, d->msg };
	}
	/* Without the site's own bytes the no-op check never matches it. */
	if (!in->have_site)
		memset(r.site_sha256, 0, STATE_SHA256_LEN);
	ret = state_record_write(s, &r);
out:
	free(r.files);
	free(r.warnings);
	return ret;
}

/*
 * A no-op after someone else moved the generation (another table changed,
 * a reboot): the input and the managed files are the ones recorded
 * (APPLY_INPUT_MOVED), so the site renders the record's ruleset and need
 * not be parsed again.  The
 * live table is read against that ruleset and the other tables for
 * conflicts; when the table is as recorded and nothing conflicts, the
 * record is written at the new generation and the run is a no-op (*done).
 * Anything else, or any doubt, leaves *done false and the full path says
 * what differs.  Standalone tables of the nftables backend only: an attach
 * point and the other backends have more to check than the table.
 */
static int noop_after_move(struct ctx *c, struct state *s, struct nft_netlink *nl,
			   const char *site_path, bool *done)
{
	struct nft_netlink_live *live = NULL;
	const struct ruleset *rs;
	struct guard g = { 0 };
	struct diag scratch;
	struct plan p;
	uint32_t before = 0;
	int ret;

	*done = false;
	ret = state_record_complete(s);
	if (ret < 0 || !s->rec || !s->rec->ruleset)
		return ret;
	rs = s->rec->ruleset;
	if (rs->attach || rs->backend != SITE_BACKEND_NFTABLES)
		return 0;
	/* What goes wrong here is the full path's to say, with the site at hand. */
	diag_init(&scratch);
	plan_init(&p);
	ret = nft_netlink_get_genid(nl, &before);
	if (ret == 0)
		ret = guard_check(nl, rs, &g);
	if (ret == 0 && !g.n_conflicts)
		ret = nft_netlink_dump(nl, rs, &live, &scratch);
	if (ret == 0 && live && live->rs)
		ret = plan_ruleset(&p, rs, live->rs);
	if (ret < 0 || g.n_conflicts || !live || !live->rs || p.n_items)
		goto out;
	/* As the full path keeps it: no other table at all, and nothing moved since the look. */
	apply_txn_rerecord(c, s, nl, live->genid,
			   g.checked && !g.n_foreign && before == live->genid ?
			   STATE_GUARD_NO_FOREIGN : STATE_GUARD_UNKNOWN, site_path, "nothing to change");
	if (c->opts->verbose)
		diag_progress("input unchanged since the last apply; the ruleset generation moved "
			      "(now %u): the table was read and is as recorded", live->genid);
	apply_input_say_warnings(c, s);
	*done = true;
out:
	ret = ret == -ENOMEM ? ret : 0;
	nft_netlink_live_free(live);
	plan_release(&p);
	guard_release(&g);
	diag_release(&scratch);
	return ret;
}

/* The record does not describe this site at this generation: a no-op writes it anew. */
static bool record_stale(const struct state *s, const struct stage *st, const struct input *in)
{
	const struct state_record *r = s->rec;

	return !r || !st->live_from_record ||
	       memcmp(r->site_sha256, in->site_sha256, STATE_SHA256_LEN) ||
	       memcmp(r->input_sha256, in->input_sha256, STATE_SHA256_LEN);
}

static void say_live(const struct ctx *c, const struct stage *st)
{
	if (!c->opts->verbose)
		return;
	if (st->live_from_record)
		diag_progress("live: from the record (generation %u unchanged)", st->genid);
	else if (st->record_vouched)
		diag_progress("live: dumped (generation %u; rules change, which needs the kernel's "
			      "handles)", st->genid);
	else
		diag_progress("live: dumped (generation %u)", st->genid);
}

/*
 * Another firewall that would still drop what ftpcfg accepts: applying
 * would say "Applied." and FTP would stay blocked.  Refused (exit 1) with
 * what to do, unless --allow-conflicts says to go on (then warnings, not
 * kept in the record: they describe the host, not the site).
 */
static int refuse_conflicts(struct ctx *c, const struct stage *st, unsigned flags)
{
	const struct srcloc loc = { st->site->file, st->site->firewall.line };
	int ret = 0;

	for (size_t i = 0; i < st->guard.n_conflicts; i++) {
		char *text = NULL;
		char *advice = NULL;

		if (guard_format(&st->guard, i, &text) < 0 ||
		    guard_advice(&st->guard, i, &advice) < 0) {
			free(text);
			return -ENOMEM;
		}
		if (flags & APPLY_ALLOW_CONFLICTS)
			diag_warn(c->diag, &loc, "%s; %s", text, advice);
		else
			ret = diag(c->diag, &loc, -ENOTSUP, "%s; %s, or apply with "
				   "--allow-conflicts to go on regardless", text, advice);
		free(text);
		free(advice);
	}
	return ret;
}

/* A change awaits confirmation: another apply would stack on an unconfirmed one. */
static int refuse_pending(struct ctx *c, const struct state_confirm *p)
{
	char when[DIAG_TIME_LEN];

	diag_time(p->deadline, when);
	return diag(c->diag, NULL, -EAGAIN, "generation %u awaits confirmation until %s; run "
		    "'ftpcfg confirm' to keep it (or 'ftpcfg rollback' to drop it), then apply again",
		    p->generation, when);
}

/*
 * Keep the change as a generation and, with --confirm, write what awaits
 * confirmation into @pending: both before the journal is retired, so that
 * a failure here undoes the change like any other step.
 */
static int keep(struct ctx *c, struct state *s, const struct stage *st,
		const struct state_journal *j, unsigned confirm_secs, struct audit *a,
		struct state_confirm *pending, bool *kept)
{
	struct state_journal after = { 0 };
	int ret;

	ret = apply_history_after_apply(c, s, st, j, &after);
	if (ret == 0)
		ret = apply_history_keep(c, s, j, &after, a);
	apply_history_after_release(&after);
	*kept = ret == 0;
	if (ret == 0 && confirm_secs) {
		pending->since = (int64_t)time(NULL);
		pending->deadline = pending->since + (int64_t)confirm_secs;
		pending->generation = a->generation;
		memcpy(pending->journal_sha256, j->sha256, STATE_SHA256_LEN);
		pending->watcher_pid = 0;
		a->step = "confirm";
		ret = state_confirm_write(s, pending);
	}
	return ret;
}

/* The change, from the journal on.  0 (applied), or a failure after undo. */
static int change(struct ctx *c, struct state *s, struct nft_netlink *nl, struct stage *st,
		  const struct input *in, unsigned flags, size_t warn_from, size_t warn_to,
		  unsigned confirm_secs, struct audit *a, struct state_confirm *pending)
{
	struct state_journal j = { 0 };
	struct apply_progress p = { 0 };
	struct state_ruleset_job *job = NULL;
	uint8_t rs_sha256[STATE_SHA256_LEN];
	struct diag sd;
	bool sent = false;
	bool kept = false;
	uint32_t genid = 0;
	int ret;

	diag_init(&sd);
	a->step = "journal";
	ret = state_create(s);
	/* The new ruleset's file, written while the journal and the commit go on. */
	if (ret == 0)
		ret = state_ruleset_start(s, st->want, &job);
	if (ret == 0)
		ret = build_journal(c, nl, s, st, &j);
	/* What the kernel holds is the record's ruleset: the journal keeps it once. */
	j.ruleset_in_record = st->live_from_record && j.record;
	if (ret == 0)
		ret = state_journal_write(s, &j, st->live_rs);
	if (ret < 0)
		goto out;	/* nothing changed yet */
	ret = apply_fault(c, "journal");
	if (ret == 0)
		ret = keep_originals(s, st);
	if (ret < 0)
		goto fail;
	p.files = true;
	a->step = "files";
	ret = write_files(c, st);
	if (ret == 0)
		ret = apply_fault(c, "files");
	if (ret < 0)
		goto fail;
	a->step = "commit";
	ret = apply_kernel_send(c, nl, st, 0, &sent, &sd);
	if (sent)
		ret = apply_kernel_settle(c, nl, st->want, st->genid, ret, &sd, &p.committed);
	if (ret < 0)
		diag_append(c->diag, &sd);
	if (ret == 0)
		ret = apply_fault(c, "commit");
	if (ret < 0)
		goto fail;
	a->step = "integration";
	p.integ = j.n_integ > 0;
	ret = apply_txn_integrate(c, nl, s->rec ? s->rec->ruleset : NULL, st->want);
	if (ret == 0 && p.integ)
		ret = apply_fault(c, "integration");
	if (ret < 0)
		goto fail;
	a->step = "reload";
	ret = reload_changed(c, st, flags, &p.n_reloaded);
	if (ret == 0)
		ret = apply_fault(c, "reload");
	if (ret < 0)
		goto fail;
	/*
	 * The next run trusts this generation to mean "the kernel holds what
	 * was applied": record it only when it is our commit's and no one
	 * else's, else 0 (the next run dumps).
	 */
	if (nft_netlink_get_genid(nl, &genid) < 0 ||
	    genid != (uint32_t)(st->genid + (p.committed ? 1 : 0)))
		genid = 0;
	a->step = "record";
	ret = state_ruleset_finish(s, job, rs_sha256);
	job = NULL;
	if (ret < 0)
		goto fail;
	p.record = true;
	ret = write_record(c, s, nl, st, in, genid, j.sha256, rs_sha256, warn_from, warn_to);
	if (ret == 0)
		ret = apply_fault(c, "record");
	if (ret < 0)
		goto fail;
	a->step = "history";
	ret = keep(c, s, st, &j, confirm_secs, a, pending, &kept);
	if (ret == 0)
		ret = apply_fault(c, "history");
	if (ret < 0)
		goto fail;
	/*
	 * The record names this journal: from here on the change is complete,
	 * and a journal that cannot be retired now is retired by the next run.
	 */
	if (state_journal_close(s) < 0)
		diag_warn(c->diag, NULL, "the change is applied, but its journal in '%s' could not "
			  "be retired (%s); the next run retires it", s->dir, strerror(errno));
	ret = 0;
	goto out;
fail:
	if (flags & APPLY_NO_RELOAD)
		p.n_reloaded = 0;
	/* A generation and a pending confirmation of a change that is undone go with it. */
	if (kept)
		state_gen_drop_journal(s, j.sha256);
	if (confirm_secs && kept)
		state_confirm_clear(s);
	a->generation = 0;
	if (apply_txn_undo(c, s, nl, &j, st->live_rs, &p) < 0)
		diag(c->diag, NULL, -EIO, "could not put back everything this run changed; the "
		     "journal stays in '%s' and the next ftpcfg run puts it back first", s->dir);
	else
		state_journal_discard(s);
out:
	if (job)
		state_ruleset_finish(s, job, NULL);
	diag_release(&sd);
	state_journal_release(&j);
	return ret;
}

int apply_site(struct ctx *c, const char *site_path, unsigned flags)
{
	struct audit a = { .command = "apply" };

	return apply_site_ex(c, site_path, flags, 0, &a);
}

/*
 * The site loaded, rendered and built while a thread reads the recorded
 * ruleset (past the no-op check: a change needs both).  What the site's
 * load says goes to c->diag from *@warn_from on, after the word on a
 * damaged record, as if that had been found first: the record keeps the
 * site's warnings, not the host's.
 */
static int load_stage(struct ctx *c, struct state *s, const char *site_path,
		      const struct input *in, struct stage *st, size_t *warn_from)
{
	struct diag *d = c->diag;
	struct diag sd;
	int ret;
	int r;

	diag_init(&sd);
	state_record_complete_start(s);
	c->diag = &sd;
	ret = stage_load(c, site_path, in->site, in->site_len, st);
	c->diag = d;
	r = state_record_complete(s);
	if (r < 0 && ret == 0)
		ret = r;
	if (r == 0 && s->rec_damaged)
		diag_warn(c->diag, NULL, "the record '%s/record' is damaged and cannot be trusted; "
			  "this apply reads the live state instead and writes the record anew", s->dir);
	*warn_from = c->diag->n_recs;
	diag_append(c->diag, &sd);
	diag_release(&sd);
	return ret;
}

int apply_site_ex(struct ctx *c, const char *site_path, unsigned flags, unsigned confirm_secs,
		  struct audit *a)
{
	struct state_confirm pending = { 0 };
	bool is_pending = false;
	struct state s;
	struct nft_netlink *nl = NULL;
	struct input in = { 0 };
	struct stage st = { 0 };
	enum apply_input_verdict verdict;
	size_t warn_from;
	size_t warn_to;
	size_t n_add;
	size_t n_change;
	size_t n_del;
	int ret;

	a->site = site_path;
	a->step = "lock";
	/*
	 * The record's ruleset is decoded only past the no-op check, which
	 * reads none of it.  Recovery and the revert of an unconfirmed change
	 * read the record's other fields, and read it whole again after.
	 */
	ret = state_open(c, STATE_LOCK | STATE_RECORD_HEAD, &s);
	if (ret == 0)
		ret = apply_txn_open_netlink(c, &nl);
	if (ret == 0) {
		a->step = "recover";
		ret = apply_txn_recover(c, &s, nl, flags);
	}
	if (ret == 0)
		ret = apply_confirm_settle(c, &s, nl, flags, &is_pending, &pending, a);
	if (ret == 0 && is_pending && !(flags & APPLY_CHECK)) {
		a->step = "pending confirmation";
		ret = refuse_pending(c, &pending);
	}
	if (ret < 0)
		goto out;
	a->step = "plan";
	/* What killed runs left beside the managed files (the state directory's went at open). */
	for (size_t i = 0; s.rec && !(flags & APPLY_CHECK) && i < s.rec->n_files; i++)
		txn_remove_temps(c->opts->root, s.rec->files[i].path);
	apply_input_read_templates(c, &in);
	apply_input_read_site(site_path, &in);
	if (in.have_site) {
		a->has_site_sha256 = true;
		memcpy(a->site_sha256, in.site_sha256, STATE_SHA256_LEN);
	}
	verdict = flags & APPLY_CHECK ? APPLY_INPUT_CHANGED : apply_input_check(c, &s, nl, &in);
	if (verdict == APPLY_INPUT_UNCHANGED) {
		if (c->opts->verbose)
			diag_progress("input and ruleset generation unchanged since the last apply");
		goto out;
	}
	if (verdict == APPLY_INPUT_MOVED) {
		bool done = false;

		ret = noop_after_move(c, &s, nl, site_path, &done);
		if (ret < 0 || done)
			goto out;
	}
	ret = load_stage(c, &s, site_path, &in, &st, &warn_from);
	if (ret == 0)
		ret = stage_survey(c, &s, nl, &st);
	warn_to = c->diag->n_recs;
	/*
	 * The model holds its own copies and the hash is kept: the site's
	 * bytes (up to 16 MiB) go before the batch, the journal and the
	 * record are built, which is when memory peaks.
	 */
	free(in.site);
	in.site = NULL;
	if (ret == 0)
		ret = refuse_conflicts(c, &st, flags);
	if (ret < 0)
		goto out;
	say_live(c, &st);
	plan_count(&st.plan, &n_add, &n_change, &n_del);
	a->added = n_add;
	a->changed = n_change;
	a->deleted = n_del;
	a->has_summary = true;
	if (!st.plan.n_items) {
		/* Nothing to change; a record that says otherwise is brought up to date. */
		if (!(flags & APPLY_CHECK) && record_stale(&s, &st, &in)) {
			ret = state_create(&s);
			if (ret == 0)
				ret = keep_originals(&s, &st);
			if (ret == 0)
				ret = write_record(c, &s, nl, &st, &in, st.genid, s.rec ?
						   s.rec->journal_sha256 : NULL, NULL, warn_from,
						   warn_to);
		}
		goto out;
	}
	a->step = "preflight";
	ret = preflight(c, &st);
	if (ret < 0)
		goto out;
	if (flags & APPLY_CHECK) {
		bool sent = false;

		ret = apply_kernel_send(c, nl, &st, NFT_NETLINK_CHECK, &sent, c->diag);
		if (ret == 0)
			ret = CMD_CHANGES;
		goto out;
	}
	ret = change(c, &s, nl, &st, &in, flags, warn_from, warn_to, confirm_secs, a, &pending);
	if (ret == 0 && confirm_secs)
		apply_confirm_start(c, &s, &pending, a);
	if (ret == 0)
		ret = CMD_CHANGES;
out:
	stage_release(&st);
	free(in.site);
	nft_netlink_close(nl);
	state_close(&s);
	return ret;
}

