/*
 * remove: take off everything ftpcfg manages, as one transaction of the
 * same shape as apply: lock, recover, survey (the record, the originals,
 * the files, ftpcfg's live objects), journal, put the files back, commit
 * one batch that deletes ftpcfg's objects, take away what another firewall
 * manager was made to do (the record's <firewall backend>), reload, and
 * replace the record
 * by the marker of a removal, which names the journal.  A failure or a
 * kill before that marker is undone from the journal; after it, the
 * removal is complete.  It never touches an object that is not ftpcfg's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "apply.h"
#include "apply_history.h"
#include "apply_kernel.h"
#include "apply_txn.h"
#include "backend.h"
#include "daemon.h"
#include "plan.h"
#include "state.h"
#include "txn.h"

void apply_removal_release(struct apply_removal *r)
{
	free(r->site);
	free(r->site_name);
	ruleset_free(r->target);
	for (size_t i = 0; i < r->n_objects; i++) {
		free(r->objects[i].name);
		free(r->objects[i].in);
		free(r->objects[i].line);
	}
	free(r->objects);
	for (size_t i = 0; i < r->n_files; i++)
		free(r->files[i].path);
	free(r->files);
	for (size_t i = 0; i < r->n_reloads; i++)
		free(r->reloads[i]);
	free(r->reloads);
	memset(r, 0, sizeof(*r));
}

/* What a run of remove holds between its steps. */
struct removal_run {
	struct state_origins origins;
	struct state_journal j;		/* the files as they are now, the target, the reloads */
	struct nft_netlink_live *live;	/* ftpcfg's objects as they are now */
	struct nft_netlink_batch *batch;	/* deletes them; guarded by live->genid */
};

static void run_release(struct removal_run *r)
{
	state_origins_release(&r->origins);
	state_journal_release(&r->j);
	nft_netlink_live_free(r->live);
	nft_netlink_batch_free(r->batch);
}

static int add_object(struct apply_removal *out, const char *object, const char *name,
		      const char *in)
{
	struct apply_removal_object *o;
	struct apply_removal_object *grown =
		realloc(out->objects, (out->n_objects + 1) * sizeof(*out->objects));

	if (!grown)
		return -ENOMEM;
	out->objects = grown;
	o = &out->objects[out->n_objects];
	o->object = object;
	o->name = strdup(name);
	o->in = in ? strdup(in) : NULL;
	o->line = NULL;
	out->n_objects++;
	return !o->name || (in && !o->in) ? -ENOMEM : 0;
}

/* ftpcfg's objects the dump found, as remove reports them. */
static int list_objects(const struct nft_netlink_live *live, struct apply_removal *out)
{
	const struct ruleset *rs = live->rs;
	char table[256];
	int ret = 0;

	if (!rs)
		return 0;
	snprintf(table, sizeof(table), "%s %s", ir_family_name(rs->family), rs->table);
	if (!rs->attach)
		return add_object(out, "table", table, NULL);
	for (size_t i = 0; i < live->n_jump_handles && ret == 0; i++)
		ret = add_object(out, "jump", rs->jump_chain ? rs->jump_chain : "ftpcfg-",
				 rs->attach_chain);
	for (size_t i = 0; i < rs->n_chains && ret == 0; i++)
		ret = add_object(out, "chain", rs->chains[i].name, table);
	for (size_t i = 0; i < rs->n_sets && ret == 0; i++)
		ret = add_object(out, "set", rs->sets[i].name, table);
	for (size_t i = 0; i < rs->n_helpers && ret == 0; i++)
		ret = add_object(out, "ct helper", rs->helpers[i].name, table);
	return ret;
}

static bool has_string(char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

/*
 * Each managed file: what is there now (into the journal) and what remove
 * does to it (into @out); the reload commands of those that change.
 */
static int plan_files(struct ctx *c, const struct state *s, struct removal_run *r,
		      struct apply_removal *out)
{
	const struct state_record *rec = s->rec;
	bool reload_unknown = false;

	out->files = calloc(rec->n_files + 1, sizeof(*out->files));
	out->reloads = calloc(rec->n_files + 1, sizeof(*out->reloads));
	r->j.files = calloc(rec->n_files + 1, sizeof(*r->j.files));
	r->j.reloads = calloc(rec->n_files + 1, sizeof(*r->j.reloads));
	if (!out->files || !out->reloads || !r->j.files || !r->j.reloads)
		return -ENOMEM;
	for (size_t i = 0; i < rec->n_files; i++) {
		const struct state_file *f = &rec->files[i];
		const struct state_saved *o = state_origins_find(&r->origins, f->path);
		struct apply_removal_file *rf = &out->files[out->n_files++];
		struct stage_meta m = { 0 };
		struct stat sb;
		char *now = NULL;
		size_t len = 0;
		int ret = txn_read_file(c->opts->root, f->path, &now, &len, &sb, c->diag);

		rf->path = strdup(f->path);
		if (ret < 0 || !rf->path) {
			free(now);
			return ret < 0 ? ret : -ENOMEM;
		}
		if (now)
			m = (struct stage_meta){ true, sb.st_mode & 07777, sb.st_uid, sb.st_gid };
		ret = apply_txn_save(&r->j.files[r->j.n_files++], f->path, now, len, &m);
		if (ret == 0 && o && o->existed) {
			rf->action = APPLY_REMOVAL_RESTORE;
			rf->len = o->len;
			rf->mode = o->mode;
			rf->uid = o->uid;
			rf->gid = o->gid;
			rf->changes = !now || len != o->len || memcmp(now, o->content, len) ||
				      m.mode != o->mode || m.uid != o->uid || m.gid != o->gid;
		} else if (ret == 0 && o) {
			rf->action = APPLY_REMOVAL_DELETE;
			rf->changes = now != NULL;
		} else if (ret == 0) {
			rf->action = APPLY_REMOVAL_KEEP;
			diag_warn(c->diag, NULL, "what '%s' was before ftpcfg first wrote it is not "
				  "known (it was taken over by an ftpcfg that did not keep originals); "
				  "remove leaves it as it is", f->path);
		}
		free(now);
		if (ret < 0)
			return ret;
		if (!rf->changes)
			continue;
		if (!f->reload) {
			reload_unknown = true;
			continue;
		}
		if (has_string(out->reloads, out->n_reloads, f->reload))
			continue;
		out->reloads[out->n_reloads] = strdup(f->reload);
		r->j.reloads[r->j.n_reloads] = strdup(f->reload);
		if (!out->reloads[out->n_reloads++] || !r->j.reloads[r->j.n_reloads++])
			return -ENOMEM;
	}
	if (reload_unknown)
		diag_warn(c->diag, NULL, "the record of the last apply does not say how to reload "
			  "the daemons (it was written by an older ftpcfg); reload them by hand");
	return 0;
}

/*
 * The integration the last apply made (the record's <firewall backend>):
 * what it has now into the journal, what taking it away changes into @out.
 */
static int survey_integrations(struct ctx *c, const struct state *s, struct nft_netlink *nl,
			       struct removal_run *r, struct apply_removal *out)
{
	const struct backend_env env = { c->opts->root, nl, c->diag, c->opts->verbose };
	const struct backend_ops *ops[2];
	size_t n = backend_involved(s->rec->ruleset, NULL, ops);
	struct plan p;
	int ret;

	plan_init(&p);
	ret = apply_txn_save_integrations(c, nl, ops, n, &r->j);
	for (size_t i = 0; i < n && ret == 0; i++)
		ret = ops[i]->plan(&env, NULL, &p);
	for (size_t i = 0; i < p.n_items && ret == 0; i++) {
		const struct plan_item *it = &p.items[i];

		ret = add_object(out, "integration", it->name, it->parent);
		if (ret == 0)
			ret = plan_item_format(it, &out->objects[out->n_objects - 1].line);
	}
	plan_release(&p);
	return ret;
}

/* The record, the originals, the files and ftpcfg's live objects; the batch that deletes them. */
static int survey(struct ctx *c, struct state *s, struct nft_netlink *nl, struct removal_run *r,
		  struct apply_removal *out)
{
	const struct state_record *rec = s->rec;
	int ret;

	if ((rec->site && !(out->site = strdup(rec->site))) ||
	    (rec->site_name && !(out->site_name = strdup(rec->site_name))))
		return -ENOMEM;
	ret = apply_txn_shape_of(rec->ruleset, &out->target);
	if (ret == 0)
		ret = apply_txn_shape_of(rec->ruleset, &r->j.shape);
	if (ret == 0)
		ret = state_origins_read(s, &r->origins);
	if (ret == 0)
		ret = plan_files(c, s, r, out);
	if (ret == 0)
		ret = nft_netlink_dump(nl, rec->ruleset, &r->live, c->diag);
	if (ret == 0)
		ret = list_objects(r->live, out);
	if (ret == 0)
		ret = survey_integrations(c, s, nl, r, out);
	if (ret == 0)
		ret = nft_netlink_batch_new(nl, r->live->genid, NULL, &r->batch);
	if (ret == 0)
		ret = nft_netlink_batch_delete(r->batch, r->live, c->diag);
	if (ret == 0)
		ret = apply_txn_save_record(s, &r->j);
	return ret;
}

/* Each file back as it was before ftpcfg first wrote it, or gone. */
static int put_back_files(struct ctx *c, const struct removal_run *r,
			  const struct apply_removal *out)
{
	for (size_t i = 0; i < out->n_files; i++) {
		const struct apply_removal_file *f = &out->files[i];
		const struct state_saved *o = state_origins_find(&r->origins, f->path);
		int ret = 0;

		if (!f->changes)
			continue;
		switch (f->action) {
		case APPLY_REMOVAL_RESTORE:
			ret = txn_write_file(c->opts->root, f->path, o->content, o->len, o->mode,
					     c->diag);
			if (ret == 0)
				ret = txn_set_owner(c->opts->root, f->path, o->uid, o->gid, o->mode,
						    c->diag);
			break;
		case APPLY_REMOVAL_DELETE:
			ret = txn_remove_file(c->opts->root, f->path, c->diag);
			break;
		case APPLY_REMOVAL_KEEP:
			break;
		}
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * Keep the removal as a generation: what it leaves is each file as put
 * back (the original, or absent), or as it was when remove leaves it
 * alone, no ruleset, and the mark of the removal as the record; the
 * summary counts files put back as changed, and ftpcfg's objects and the
 * files deleted as deleted.
 */
static int keep(struct ctx *c, struct state *s, const struct removal_run *r,
		const struct apply_removal *out, struct audit *a, bool *kept)
{
	struct state_journal after = { 0 };
	int ret = 0;

	*kept = false;
	a->added = 0;
	a->changed = 0;
	a->deleted = out->n_objects;
	a->has_summary = true;
	after.files = calloc(r->j.n_files + 1, sizeof(*after.files));
	if (!after.files)
		return -ENOMEM;
	for (size_t i = 0; i < r->j.n_files && ret == 0; i++) {
		const struct state_saved *now = &r->j.files[i];
		const struct apply_removal_file *f = &out->files[i];
		const struct state_saved *o = state_origins_find(&r->origins, now->path);
		const struct state_saved *left = now;
		struct stage_meta none = { 0 };

		if (f->action == APPLY_REMOVAL_RESTORE && o)
			left = o;
		if (f->action == APPLY_REMOVAL_DELETE) {
			ret = apply_txn_save(&after.files[after.n_files++], now->path, NULL, 0, &none);
		} else {
			struct stage_meta m = { left->existed, left->mode, left->uid, left->gid };

			ret = apply_txn_save(&after.files[after.n_files++], now->path, left->content,
					     left->len, &m);
		}
		if (f->changes && f->action == APPLY_REMOVAL_RESTORE)
			a->changed++;
		else if (f->changes && f->action == APPLY_REMOVAL_DELETE)
			a->deleted++;
	}
	/* Borrowed for the write: the target, the reloads and the mark just written. */
	after.shape = r->j.shape;
	after.reloads = r->j.reloads;
	after.n_reloads = r->j.n_reloads;
	after.record = s->rec_written;
	after.record_len = s->rec_written_len;
	if (ret == 0)
		ret = apply_history_keep(c, s, &r->j, &after, a);
	*kept = ret == 0;
	after.shape = NULL;
	after.reloads = NULL;
	after.n_reloads = 0;
	after.record = NULL;
	state_journal_release(&after);
	return ret;
}

/* The change, from the journal on.  0, or a failure after undo. */
static int change(struct ctx *c, struct state *s, struct nft_netlink *nl, struct removal_run *r,
		  const struct apply_removal *out, unsigned flags, struct audit *a)
{
	struct apply_progress p = { 0 };
	bool kept = false;
	int ret;

	a->step = "journal";
	ret = state_journal_write(s, &r->j, r->live->rs);
	if (ret < 0)
		return ret;	/* nothing changed yet */
	ret = apply_fault(c, "journal");
	if (ret < 0)
		goto fail;
	p.files = true;
	a->step = "files";
	ret = put_back_files(c, r, out);
	if (ret == 0)
		ret = apply_fault(c, "files");
	if (ret < 0)
		goto fail;
	a->step = "commit";
	if (nft_netlink_batch_count(r->batch))
		ret = apply_kernel_send_removal(c, nl, r->batch, r->j.shape, r->live->genid,
						&p.committed);
	if (ret == 0)
		ret = apply_fault(c, "commit");
	if (ret < 0)
		goto fail;
	/* The other manager's part goes with ftpcfg's table, before the daemons reload. */
	p.integ = r->j.n_integ > 0;
	a->step = "integration";
	ret = apply_txn_integrate(c, nl, s->rec->ruleset, NULL);
	if (ret == 0 && p.integ)
		ret = apply_fault(c, "integration");
	if (ret < 0)
		goto fail;
	a->step = "reload";
	for (size_t i = 0; !(flags & APPLY_NO_RELOAD) && i < r->j.n_reloads && ret == 0; i++) {
		p.n_reloaded++;
		ret = daemon_reload_command(r->j.reloads[i], c->opts->root, c->diag);
	}
	if (ret == 0)
		ret = apply_fault(c, "reload");
	if (ret < 0)
		goto fail;
	p.record = true;
	a->step = "record";
	ret = state_record_write_removed(s, r->j.sha256);
	if (ret == 0)
		ret = apply_fault(c, "record");
	if (ret < 0)
		goto fail;
	a->step = "history";
	ret = keep(c, s, r, out, a, &kept);
	if (ret == 0)
		ret = apply_fault(c, "history");
	if (ret < 0)
		goto fail;
	/* The marker names this journal: the removal is complete. */
	if (state_journal_close(s) < 0)
		diag_warn(c->diag, NULL, "everything is removed, but the journal in '%s' could not "
			  "be retired (%s); the next run retires it", s->dir, strerror(errno));
	return 0;
fail:
	if (flags & APPLY_NO_RELOAD)
		p.n_reloaded = 0;
	/* The generation of a removal that is undone goes with it. */
	if (kept)
		state_gen_drop_journal(s, r->j.sha256);
	a->generation = 0;
	if (apply_txn_undo(c, s, nl, &r->j, r->live->rs, &p) < 0)
		diag(c->diag, NULL, -EIO, "could not put back everything this run changed; the "
		     "journal stays in '%s' and the next ftpcfg run puts it back first", s->dir);
	else
		state_journal_discard(s);
	return ret;
}

int apply_remove(struct ctx *c, unsigned flags, struct apply_removal *out, struct audit *a)
{
	struct removal_run r = { 0 };
	struct state s;
	struct nft_netlink *nl = NULL;
	struct state_confirm pc;
	bool pending = false;
	int ret;

	memset(out, 0, sizeof(*out));
	a->step = "lock";
	ret = state_open(c, STATE_LOCK, &s);
	if (ret == 0)
		ret = apply_txn_open_netlink(c, &nl);
	if (ret == 0) {
		a->step = "recover";
		ret = apply_txn_recover(c, &s, nl, flags);
	}
	/* An unconfirmed change past its deadline is rolled back first, as every run does. */
	if (ret == 0 && s.dirfd >= 0) {
		a->step = "revert";
		ret = apply_confirm_settle(c, &s, nl, flags, &pending, &pc, a);
	}
	if (ret < 0)
		goto out;
	if (s.rec_damaged) {
		ret = diag(c->diag, NULL, -EUCLEAN, "the record '%s/record' is damaged, so ftpcfg "
			   "cannot tell what it manages; nothing was removed: apply the site again "
			   "(which writes the record anew), then remove", s.dir);
		goto out;
	}
	if (!s.rec)
		goto out;	/* nothing managed */
	out->managed = true;
	a->step = "plan";
	for (size_t i = 0; !(flags & APPLY_CHECK) && i < s.rec->n_files; i++)
		txn_remove_temps(c->opts->root, s.rec->files[i].path);
	ret = survey(c, &s, nl, &r, out);
	if (ret < 0)
		goto out;
	a->site = out->site;
	a->has_site_sha256 = true;
	memcpy(a->site_sha256, s.rec->site_sha256, STATE_SHA256_LEN);
	if (flags & APPLY_CHECK) {
		if (nft_netlink_batch_count(r.batch))
			ret = nft_netlink_batch_send(nl, r.batch, NFT_NETLINK_CHECK, c->diag);
	} else {
		ret = change(c, &s, nl, &r, out, flags, a);
	}
	/*
	 * What awaited confirmation is settled by the removal: its watcher
	 * ends, and at the deadline nothing would be left of it to revert.
	 */
	if (ret == 0 && pending && state_confirm_clear(&s) == 0 && c->opts->verbose)
		diag_progress("the change awaiting confirmation is settled by this removal");
	if (ret == 0)
		ret = CMD_CHANGES;
out:
	run_release(&r);
	nft_netlink_close(nl);
	state_close(&s);
	return ret;
}
