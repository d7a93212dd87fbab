/*
 * rollback: return files, ruleset and record to what they were before the
 * last change (the last journal), or to what a generation applied
 * (rollback --to N), as a transaction of its own.  What is there now is
 * journaled first (so a rollback is undone by the next rollback), then
 * the target is put back and kept as a generation; a failure puts back
 * what is there now.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "apply.h"
#include "apply_history.h"
#include "apply_txn.h"
#include "state.h"
#include "plan.h"
#include "txn.h"

/*
 * What is there now of each file @last holds, and of the integrations
 * @integ: the rollback's own journal.
 */
static int journal_now(struct ctx *c, struct nft_netlink *nl, const struct state *s,
		       const struct state_journal *last, const struct backend_ops *const *integ,
		       size_t n_integ, struct state_journal *now)
{
	int ret;

	memset(now, 0, sizeof(*now));
	now->files = calloc(last->n_files + 1, sizeof(*now->files));
	now->reloads = calloc(last->n_files + last->n_reloads + 1, sizeof(*now->reloads));
	if (!now->files || !now->reloads)
		return -ENOMEM;
	for (size_t i = 0; i < last->n_files; i++) {
		struct stage_meta m = { 0 };
		struct stat sb;
		char *content = NULL;
		size_t len = 0;
		ret = txn_read_file(c->opts->root, last->files[i].path, &content, &len, &sb, c->diag);

		if (ret < 0)
			return ret;
		if (content)
			m = (struct stage_meta){ true, sb.st_mode & 07777, sb.st_uid, sb.st_gid };
		ret = apply_txn_save(&now->files[now->n_files++], last->files[i].path, content, len,
				     &m);
		free(content);
		if (ret < 0)
			return ret;
	}
	ret = apply_txn_save_record(s, now);
	if (ret == 0)
		ret = apply_txn_save_integrations(c, nl, integ, n_integ, now);
	if (ret < 0)
		return ret;
	return apply_txn_shape_of(last->shape, &now->shape);
}

static bool same_saved(const struct state_saved *a, const struct state_saved *b)
{
	if (a->existed != b->existed)
		return false;
	return !a->existed || (a->len == b->len && !memcmp(a->content, b->content, a->len) &&
			       a->mode == b->mode && a->uid == b->uid && a->gid == b->gid);
}

static const char *reload_of(const struct state_record *rec, const char *path)
{
	for (size_t i = 0; rec && i < rec->n_files; i++)
		if (!strcmp(rec->files[i].path, path))
			return rec->files[i].reload;
	return NULL;
}

static bool listed(char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

/*
 * The reload commands of the servers whose files the rollback changes,
 * into now->reloads (undoing the rollback reloads the same ones): each
 * file's server as the target's record or the record now names it.  The
 * target's own list names the servers its change touched, which for
 * rollback --to N need not be those whose files differ between now and
 * N; it stands in only for a file neither record knows the server of.
 */
static int reloads_between(const struct state *s, const struct state_record *target_rec,
			   const struct state_journal *target, struct state_journal *now)
{
	bool unknown = false;

	for (size_t i = 0; i < target->n_files; i++) {
		const char *cmd;

		if (same_saved(&now->files[i], &target->files[i]))
			continue;
		cmd = reload_of(target_rec, target->files[i].path);
		if (!cmd)
			cmd = reload_of(s->rec_damaged ? NULL : s->rec, target->files[i].path);
		if (!cmd) {
			unknown = true;
			continue;
		}
		if (listed(now->reloads, now->n_reloads, cmd))
			continue;
		now->reloads[now->n_reloads] = strdup(cmd);
		if (!now->reloads[now->n_reloads++])
			return -ENOMEM;
	}
	for (size_t i = 0; unknown && i < target->n_reloads; i++) {
		if (listed(now->reloads, now->n_reloads, target->reloads[i]))
			continue;
		now->reloads[now->n_reloads] = strdup(target->reloads[i]);
		if (!now->reloads[now->n_reloads++])
			return -ENOMEM;
	}
	return 0;
}

/*
 * The record the rollback put back, made to name the rollback's own
 * journal (@sha256): the next run then retires that journal, never undoes
 * it.  Nothing to do when the rollback went back to no record at all.
 */
static int name_journal(struct state *s, const uint8_t sha256[STATE_SHA256_LEN])
{
	int ret = state_reread_record(s);

	if (ret < 0 || !s->rec)
		return ret;
	memcpy(s->rec->journal_sha256, sha256, STATE_SHA256_LEN);
	return state_record_write(s, s->rec);
}


/* The summary of a rollback: each file and the ruleset, now against the target. */
static int summarize(const struct state_journal *now, const struct state_journal *target,
		     const struct ruleset *live, struct audit *a)
{
	struct plan p;
	size_t add = 0;
	size_t change = 0;
	size_t del = 0;
	int ret = 0;

	plan_init(&p);
	for (size_t i = 0; i < target->n_files && ret == 0; i++)
		ret = plan_file(&p, target->files[i].path, now->files[i].content,
				target->files[i].content);
	if (ret == 0 && target->ruleset)
		ret = plan_ruleset(&p, target->ruleset, live);
	if (ret == 0) {
		plan_count(&p, &add, &change, &del);
		/* Back to before the first apply: the table goes. */
		if (!target->ruleset && live)
			del++;
		a->added = add;
		a->changed = change;
		a->deleted = del;
		a->has_summary = true;
	}
	plan_release(&p);
	return ret;
}

int apply_rollback_locked(struct ctx *c, struct state *s, struct nft_netlink *nl,
			  unsigned flags, const struct state_journal *target, struct audit *a)
{
	struct nft_netlink_live *live = NULL;
	struct state_journal now = { 0 };
	struct apply_progress p = { .files = true, .committed = true, .record = true, .integ = true };
	struct state_record *target_rec = NULL;
	const struct ruleset *cur = s->rec && !s->rec_damaged ? s->rec->ruleset : NULL;
	const struct backend_ops *integ[2];
	size_t n_integ = 0;
	struct state_journal put;
	struct state_confirm pending;
	bool kept = false;
	int ret;
	int r;

	a->step = "journal";
	/* The site the target's record names: the one this rollback returns to. */
	if (target->record &&
	    state_record_decode(s, target->record, target->record_len, &target_rec) < 0)
		target_rec = NULL;
	if (target_rec && target_rec->site && !a->site) {
		a->site_owned = strdup(target_rec->site);
		a->site = a->site_owned;
		a->has_site_sha256 = true;
		memcpy(a->site_sha256, target_rec->site_sha256, STATE_SHA256_LEN);
	}
	/*
	 * The integrations: a journal holds what the last change found, and
	 * undo puts that back; a generation holds none, so rollback --to makes
	 * them what its ruleset asks for, as an apply of it would.
	 */
	if (a->rolled_back_to) {
		n_integ = backend_involved(cur, target->ruleset, integ);
	} else {
		for (size_t i = 0; i < target->n_integ && n_integ < 2; i++) {
			const struct backend_ops *ops = backend_ops(target->integ[i].backend);

			if (ops)
				integ[n_integ++] = ops;
		}
	}
	ret = journal_now(c, nl, s, target, integ, n_integ, &now);
	if (ret == 0)
		ret = reloads_between(s, target_rec, target, &now);
	/* The target as put back: its files and ruleset, with those reloads. */
	put = *target;
	put.reloads = now.reloads;
	put.n_reloads = now.n_reloads;
	if (ret == 0)
		ret = nft_netlink_dump(nl, target->shape, &live, c->diag);
	if (ret == 0)
		ret = summarize(&now, target, live->rs, a);
	if (ret == 0)
		ret = state_journal_write(s, &now, live->rs);
	if (ret < 0)
		goto out;
	a->step = "put back";
	p.n_reloaded = flags & APPLY_NO_RELOAD ? 0 : put.n_reloads;
	ret = apply_txn_undo(c, s, nl, &put, target->ruleset, &p);
	if (ret == 0 && a->rolled_back_to && n_integ) {
		a->step = "integration";
		ret = apply_txn_integrate(c, nl, cur, target->ruleset);
	}
	if (ret == 0)
		ret = name_journal(s, now.sha256);
	if (ret == 0) {
		a->step = "history";
		ret = apply_history_keep(c, s, &now, target, a);
		kept = ret == 0;
	}
	if (ret < 0) {
		if (kept)
			state_gen_drop_journal(s, now.sha256);
		a->generation = 0;
		p.n_reloaded = flags & APPLY_NO_RELOAD ? 0 : now.n_reloads;
		if (apply_txn_undo(c, s, nl, &now, live->rs, &p) == 0)
			state_journal_discard(s);
		else
			diag(c->diag, NULL, -EIO, "could not put back everything the rollback "
			     "changed; the journal stays in '%s' and the next ftpcfg run puts it back "
			     "first", s->dir);
		goto out;
	}
	/*
	 * When a record names the rollback's journal the rollback is
	 * complete, and a journal that cannot be retired (or whose retiring
	 * is not yet on disk) is retired by the next run.  Without a record
	 * (back to before the first apply) the next run would undo it.
	 */
	r = state_journal_close(s);
	if (r < 0 && s->rec)
		diag_warn(c->diag, NULL, "rolled back, but its journal in '%s' could not be retired "
			  "(%s); the next run retires it", s->dir, strerror(-r));
	else if (r < 0)
		ret = diag(c->diag, NULL, r, "rolled back, but the rollback's journal in '%s' could "
			   "not be retired (%s): the next run undoes the rollback", s->dir,
			   strerror(-r));
	else if (r > 0 && !s->rec)
		diag_warn(c->diag, NULL, "rolled back, but the state directory '%s' could not be "
			  "synced: if the system stops before it reaches the disk, the next run "
			  "undoes the rollback", s->dir);
	if (ret < 0)
		goto out;
	/* What awaited confirmation is settled: the rollback replaced it. */
	if (state_confirm_read(s, &pending) != -ENOENT && state_confirm_clear(s) == 0 &&
	    c->opts->verbose)
		diag_progress("the change awaiting confirmation is settled by this rollback");
out:
	nft_netlink_live_free(live);
	state_journal_release(&now);
	state_record_free(target_rec);
	return ret;
}

/*
 * Generation @to's files and ruleset, plus, as absent, each file managed
 * now that it did not write: the target of rollback --to.
 */
static int target_of(struct ctx *c, struct state *s, unsigned to, struct state_journal *t)
{
	struct state_gen g = { 0 };
	struct state_saved *files;
	int ret;

	ret = state_gen_read(s, to, &g, t);
	state_gen_release(&g);
	if (ret < 0)
		return ret;
	if (!s->rec)
		return 0;
	files = realloc(t->files, (t->n_files + s->rec->n_files + 1) * sizeof(*files));
	if (!files)
		return -ENOMEM;
	t->files = files;
	for (size_t i = 0; i < s->rec->n_files; i++) {
		const char *path = s->rec->files[i].path;
		struct stage_meta none = { 0 };
		bool there = false;

		for (size_t k = 0; k < t->n_files && !there; k++)
			there = !strcmp(t->files[k].path, path);
		if (there)
			continue;
		memset(&t->files[t->n_files], 0, sizeof(t->files[0]));
		ret = apply_txn_save(&t->files[t->n_files++], path, NULL, 0, &none);
		if (ret < 0)
			return ret;
	}
	(void)c;
	return 0;
}

int apply_rollback(struct ctx *c, unsigned flags)
{
	struct audit a = { .command = "rollback" };

	return apply_rollback_ex(c, flags, 0, &a);
}

int apply_rollback_ex(struct ctx *c, unsigned flags, unsigned to, struct audit *a)
{
	struct state s;
	struct nft_netlink *nl = NULL;
	struct state_journal target = { 0 };
	struct state_confirm pending;
	bool is_pending = false;
	int ret;

	a->step = "lock";
	ret = state_open(c, STATE_LOCK, &s);
	if (ret == 0)
		ret = apply_txn_open_netlink(c, &nl);
	if (ret == 0) {
		a->step = "recover";
		ret = apply_txn_recover(c, &s, nl, flags);
	}
	if (ret == 0)
		ret = apply_confirm_settle(c, &s, nl, flags, &is_pending, &pending, a);
	if (ret < 0)
		goto out;
	/* The unconfirmed change was just rolled back: a plain rollback would undo that. */
	if (a->reverted_first && !to) {
		a->outcome = "rolled back";
		goto out;
	}
	a->step = "read";
	if (to) {
		a->rolled_back_to = to;
		ret = target_of(c, &s, to, &target);
	} else {
		ret = state_journal_read(&s, true, &target);
		if (ret == -ENOENT)
			ret = diag(c->diag, NULL, -ENOENT, "nothing to roll back: no apply is recorded "
				   "in '%s'", s.dir);
	}
	if (ret == 0)
		ret = apply_rollback_locked(c, &s, nl, flags, &target, a);
out:
	state_journal_release(&target);
	nft_netlink_close(nl);
	state_close(&s);
	return ret;
}
