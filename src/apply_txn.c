/*
 * apply_txn: undo from a journal, the recovery of an interrupted run, and
 * the small helpers apply and rollback share.  See apply_txn.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "apply.h"
#include "apply_kernel.h"
#include "apply_txn.h"
#include "daemon.h"
#include "txn.h"

int apply_txn_save(struct state_saved *f, const char *path, const char *content, size_t len,
		   const struct stage_meta *m)
{
	f->path = strdup(path);
	f->existed = content != NULL;
	f->mode = m->mode;
	f->uid = m->uid;
	f->gid = m->gid;
	f->len = len;
	if (content) {
		f->content = malloc(len + 1);
		if (f->content) {
			memcpy(f->content, content, len);
			f->content[len] = '\0';
		}
	}
	return !f->path || (content && !f->content) ? -ENOMEM : 0;
}

/* A copy of @rs's target (family, table, attach point) without its objects. */
static struct backend_env env_of(const struct ctx *c, struct nft_netlink *nl)
{
	return (struct backend_env){ c->opts->root, nl, c->diag, c->opts->verbose };
}

int apply_txn_save_integrations(const struct ctx *c, struct nft_netlink *nl,
				const struct backend_ops *const *ops, size_t n,
				struct state_journal *j)
{
	const struct backend_env e = env_of(c, nl);

	j->integ = calloc(n + 1, sizeof(*j->integ));
	if (!j->integ)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int ret = ops[i]->save(&e, &j->integ[j->n_integ]);

		if (ret < 0)
			return ret;
		j->integ[j->n_integ++].backend = ops[i]->backend;
	}
	return 0;
}

int apply_txn_integrate(const struct ctx *c, struct nft_netlink *nl, const struct ruleset *old,
			const struct ruleset *want)
{
	const struct backend_env e = env_of(c, nl);
	const struct backend_ops *ops[2];
	size_t n = backend_involved(old, want, ops);
	int ret = 0;

	for (size_t i = 0; i < n && ret == 0; i++)
		ret = ops[i]->apply(&e, want && ops[i]->backend == want->backend ? want : NULL);
	return ret;
}

int apply_txn_save_record(const struct state *s, struct state_journal *j)
{
	if (!s->rec_raw || s->rec_damaged)
		return 0;
	j->record = malloc(s->rec_raw_len ? s->rec_raw_len : 1);
	if (!j->record)
		return -ENOMEM;
	memcpy(j->record, s->rec_raw, s->rec_raw_len);
	j->record_len = s->rec_raw_len;
	return 0;
}

void apply_txn_rerecord(struct ctx *c, struct state *s, struct nft_netlink *nl, uint32_t genid,
			enum state_guard guard, const char *site, const char *done)
{
	char instance[NFT_NETLINK_INSTANCE_MAX];
	struct state_record r = *s->rec;	/* borrowed: never freed */
	struct diag *d = s->d;
	struct diag why;

	if (genid && nft_netlink_get_instance(nl, instance) < 0)
		genid = 0;
	r.genid = genid;
	r.instance = genid ? instance : NULL;
	r.guard = genid ? guard : STATE_GUARD_UNKNOWN;
	if (site)
		r.site = (char *)site;
	diag_init(&why);
	s->d = &why;
	if (state_record_write(s, &r) < 0)
		diag_warn(c->diag, NULL, "%s, but the ruleset generation could not be recorded "
			  "(%s); the next run reads the table again", done,
			  why.n_recs ? why.recs[why.n_recs - 1].msg : "?");
	s->d = d;
	diag_release(&why);
}

int apply_txn_shape_of(const struct ruleset *rs, struct ruleset **out)
{
	struct ruleset *x = calloc(1, sizeof(*x));

	*out = x;
	if (!x)
		return -ENOMEM;
	x->family = rs->family;
	x->attach = rs->attach;
	x->table = strdup(rs->table);
	x->attach_chain = rs->attach_chain ? strdup(rs->attach_chain) : NULL;
	x->jump_chain = rs->jump_chain ? strdup(rs->jump_chain) : NULL;
	if (!x->table || (rs->attach_chain && !x->attach_chain) ||
	    (rs->jump_chain && !x->jump_chain))
		return -ENOMEM;
	return 0;
}

/*
 * Put back what @j journaled, as far as @p says this run got: each file
 * that differs from its journaled self (content, mode, owner), the
 * ruleset when a batch went in, then the reload commands that ran.
 * 0 or the first failure; keeps going to put back as much as it can.
 */
int apply_txn_undo(struct ctx *c, struct state *s, struct nft_netlink *nl,
		   const struct state_journal *j, const struct ruleset *old,
		   const struct apply_progress *p)
{
	int ret = 0;
	int r;

	for (size_t i = 0; p->files && i < j->n_files; i++) {
		const struct state_saved *f = &j->files[i];
		struct stat sb;
		char *now = NULL;
		size_t len = 0;
		bool same;

		r = txn_read_file(c->opts->root, f->path, &now, &len, &sb, c->diag);
		same = r == 0 && (now ? f->existed && len == f->len && !memcmp(now, f->content, len) &&
					  (sb.st_mode & 07777) == f->mode && sb.st_uid == f->uid &&
					  sb.st_gid == f->gid
				      : !f->existed);
		free(now);
		if (same)
			continue;
		if (f->existed)
			r = txn_write_file(c->opts->root, f->path, f->content, f->len, f->mode, c->diag);
		else
			r = txn_remove_file(c->opts->root, f->path, c->diag);
		if (r == 0 && f->existed)
			r = txn_set_owner(c->opts->root, f->path, f->uid, f->gid, f->mode, c->diag);
		if (r < 0 && ret == 0)
			ret = r;
	}
	if (p->committed) {
		r = apply_kernel_restore(c, nl, j->shape, old);
		if (r < 0 && ret == 0)
			ret = r;
	}
	for (size_t i = 0; p->integ && i < j->n_integ; i++) {
		const struct backend_ops *ops = backend_ops(j->integ[i].backend);
		const struct backend_env e = env_of(c, nl);

		r = ops ? ops->undo(&e, &j->integ[i]) : 0;
		if (r < 0 && ret == 0)
			ret = r;
	}
	if (p->record) {
		r = state_record_restore(s, j->record, j->record_len);
		if (r < 0 && ret == 0)
			ret = r;
	}
	/* A reload that fails now is a warning: what it would load is already back. */
	for (size_t i = 0; i < p->n_reloaded && i < j->n_reloads; i++)
		daemon_run_reload(j->reloads[i], c->opts->root, c->diag);
	return ret;
}

/*
 * A journal left by an interrupted run.  When the record names it, that
 * run completed (it was killed while retiring the journal): retire it.
 * Otherwise put back everything it journaled, the record too.
 */
int apply_txn_recover(struct ctx *c, struct state *s, struct nft_netlink *nl, unsigned flags)
{
	struct state_journal j;
	struct apply_progress all = { .files = true, .committed = true, .integ = true };
	int ret;

	if (!s->journal_left)
		return 0;
	ret = state_journal_read(s, false, &j);
	if (ret < 0)
		return ret == -ENOENT ? 0 : ret;
	/* What the interrupted run left beside the files it journaled (a first apply has no record). */
	for (size_t i = 0; i < j.n_files; i++)
		txn_remove_temps(c->opts->root, j.files[i].path);
	/* The record, or the mark remove leaves, names the journal of a completed change. */
	if (state_record_journal(s) &&
	    !memcmp(state_record_journal(s), j.sha256, STATE_SHA256_LEN)) {
		/* (not yet on disk: a crash brings it back, and the next run retires it again) */
		ret = state_journal_close(s);
		if (ret < 0)
			diag(c->diag, NULL, ret, "cannot retire the journal of a completed run in "
			     "'%s': %s", s->dir, strerror(-ret));
		else
			ret = 0;
		goto out;
	}
	diag_warn(c->diag, NULL, "an earlier run was interrupted; putting back the files and "
		  "ruleset it had journaled");
	all.n_reloaded = flags & APPLY_NO_RELOAD ? 0 : j.n_reloads;
	/* The record is put back only when the interrupted run had replaced it. */
	all.record = (s->rec_raw != NULL) != (j.record != NULL) ||
		     (j.record && (s->rec_raw_len != j.record_len ||
				   memcmp(s->rec_raw, j.record, j.record_len)));
	ret = apply_txn_undo(c, s, nl, &j, j.ruleset, &all);
	if (ret < 0)
		diag(c->diag, NULL, ret, "could not put back everything the interrupted run "
		     "journaled; the journal stays in '%s' for the next run to try again", s->dir);
	else
		ret = state_journal_discard(s);
	if (ret == 0)
		ret = state_reread_record(s);
out:
	s->journal_left = ret < 0;
	state_journal_release(&j);
	return ret;
}

int apply_txn_open_netlink(struct ctx *c, struct nft_netlink **nl)
{
	int ret = nft_netlink_open(nl);

	if (ret < 0)
		diag(c->diag, NULL, ret, "cannot open a netlink socket to nf_tables: %s",
		     strerror(-ret));
	return ret;
}
