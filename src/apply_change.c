/*
 * apply_change: a change, from the journal on, as apply runs it once the
 * plan holds something: pre-flight (each server's check of its new
 * files), the journal, the originals, the files, the batch, the
 * integration, the reloads, the record, the generation, the journal
 * retired.  Everything after the journal can be undone from it, by this
 * run on failure or by the next one after a crash; once the record names
 * the journal, the change is complete and nothing turns it back.
 * Private to apply.c (apply_change.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply.h"
#include "apply_change.h"
#include "apply_history.h"
#include "apply_kernel.h"
#include "apply_txn.h"
#include "daemon.h"
#include "diag.h"
#include "txn.h"

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

int apply_change_preflight(struct ctx *c, const struct stage *st)
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
int apply_change_keep_originals(struct state *s, struct stage *st)
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

int apply_change_record(struct ctx *c, struct state *s, struct nft_netlink *nl,
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

int apply_change(struct ctx *c, struct state *s, struct nft_netlink *nl, struct stage *st,
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
		ret = apply_change_keep_originals(s, st);
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
	ret = apply_change_record(c, s, nl, st, in, genid, j.sha256, rs_sha256, warn_from, warn_to);
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
