/*
 * rollback: return files, ruleset and record to what they were before the
 * last change, as a transaction of its own.  What is there now is
 * journaled first (so a rollback is undone by the next rollback), then
 * the last journal is put back; a failure puts back what is there now.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "apply.h"
#include "apply_txn.h"
#include "state.h"
#include "txn.h"

/* What is there now of each file @last holds: the rollback's own journal. */
static int journal_now(struct ctx *c, struct nft_netlink *nl, const struct state *s,
		       const struct state_journal *last,
		       struct state_journal *now)
{
	const struct backend_ops *integ[2];
	size_t n_integ = 0;
	int ret;

	memset(now, 0, sizeof(*now));
	now->files = calloc(last->n_files + 1, sizeof(*now->files));
	now->reloads = calloc(last->n_reloads + 1, sizeof(*now->reloads));
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
	for (size_t i = 0; i < last->n_reloads; i++) {
		now->reloads[i] = strdup(last->reloads[i]);
		if (!now->reloads[now->n_reloads++])
			return -ENOMEM;
	}
	if (s->rec_raw && !s->rec_damaged) {
		now->record = malloc(s->rec_raw_len ? s->rec_raw_len : 1);
		if (!now->record)
			return -ENOMEM;
		memcpy(now->record, s->rec_raw, s->rec_raw_len);
		now->record_len = s->rec_raw_len;
	}
	/* The integrations the last change touched, as they are now. */
	for (size_t i = 0; i < last->n_integ && n_integ < 2; i++) {
		const struct backend_ops *ops = backend_ops(last->integ[i].backend);

		if (ops)
			integ[n_integ++] = ops;
	}
	ret = apply_txn_save_integrations(c, nl, integ, n_integ, now);
	if (ret < 0)
		return ret;
	return apply_txn_shape_of(last->shape, &now->shape);
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

int apply_rollback(struct ctx *c, unsigned flags)
{
	struct state s;
	struct nft_netlink *nl = NULL;
	struct nft_netlink_live *live = NULL;
	struct state_journal last = { 0 };
	struct state_journal now = { 0 };
	struct apply_progress p = { .files = true, .committed = true, .record = true, .integ = true };
	int ret;
	int r;

	ret = state_open(c, STATE_LOCK, &s);
	if (ret == 0)
		ret = apply_txn_open_netlink(c, &nl);
	if (ret == 0)
		ret = apply_txn_recover(c, &s, nl, flags);
	if (ret == 0)
		ret = state_journal_read(&s, true, &last);
	if (ret == -ENOENT)
		ret = diag(c->diag, NULL, -ENOENT, "nothing to roll back: no apply is recorded in "
			   "'%s'", s.dir);
	if (ret < 0)
		goto out;
	ret = journal_now(c, nl, &s, &last, &now);
	if (ret == 0)
		ret = nft_netlink_dump(nl, last.shape, &live, c->diag);
	if (ret == 0)
		ret = state_journal_write(&s, &now, live->rs);
	if (ret < 0)
		goto out;
	p.n_reloaded = flags & APPLY_NO_RELOAD ? 0 : last.n_reloads;
	ret = apply_txn_undo(c, &s, nl, &last, last.ruleset, &p);
	if (ret == 0)
		ret = name_journal(&s, now.sha256);
	if (ret < 0) {
		p.n_reloaded = flags & APPLY_NO_RELOAD ? 0 : now.n_reloads;
		if (apply_txn_undo(c, &s, nl, &now, live->rs, &p) == 0)
			state_journal_discard(&s);
		else
			diag(c->diag, NULL, -EIO, "could not put back everything the rollback "
			     "changed; the journal stays in '%s' and the next ftpcfg run puts it back "
			     "first", s.dir);
		goto out;
	}
	/*
	 * When a record names the rollback's journal the rollback is
	 * complete, and a journal that cannot be retired (or whose retiring
	 * is not yet on disk) is retired by the next run.  Without a record
	 * (back to before the first apply) the next run would undo it.
	 */
	r = state_journal_close(&s);
	if (r < 0 && s.rec)
		diag_warn(c->diag, NULL, "rolled back, but its journal in '%s' could not be retired "
			  "(%s); the next run retires it", s.dir, strerror(-r));
	else if (r < 0)
		ret = diag(c->diag, NULL, r, "rolled back, but the rollback's journal in '%s' could "
			   "not be retired (%s): the next run undoes the rollback", s.dir,
			   strerror(-r));
	else if (r > 0 && !s.rec)
		diag_warn(c->diag, NULL, "rolled back, but the state directory '%s' could not be "
			  "synced: if the system stops before it reaches the disk, the next run "
			  "undoes the rollback", s.dir);
out:
	nft_netlink_live_free(live);
	state_journal_release(&now);
	state_journal_release(&last);
	nft_netlink_close(nl);
	state_close(&s);
	return ret;
}
