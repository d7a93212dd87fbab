/*
 * apply_history: the generation a completed change keeps, what it left
 * (read back from disk, so that `rollback --to` puts back the very bytes,
 * owner and mode), and the pruning of the oldest.  Writes only through
 * the state module; decides nothing about what to apply.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply_history.h"
#include "apply_txn.h"
#include "txn.h"

_Static_assert(AUDIT_SHA256_LEN == STATE_SHA256_LEN, "the audit line carries the state's SHA-256");

void apply_history_after_release(struct state_journal *after)
{
	/* Borrowed: the stage's ruleset, the journal's shape, the servers' reload commands. */
	after->ruleset = NULL;
	after->shape = NULL;
	free(after->reloads);
	after->reloads = NULL;
	after->n_reloads = 0;
	after->record = NULL;
	state_journal_release(after);
}

int apply_history_after_apply(struct ctx *c, const struct state *s, const struct stage *st,
			      const struct state_journal *j, struct state_journal *after)
{
	size_t n = st->files.n_files + st->n_stale;
	struct stage_meta none = { 0 };
	int ret = 0;

	(void)c;
	memset(after, 0, sizeof(*after));
	after->files = calloc(n + 1, sizeof(*after->files));
	after->reloads = calloc(st->site->n_servers + 1, sizeof(*after->reloads));
	if (!after->files || !after->reloads)
		return -ENOMEM;
	/*
	 * What was written, not read back (an apply reads each managed file
	 * at most twice): a file keeps its owner and mode, a new one is
	 * 0644 and the writer's.
	 */
	for (size_t i = 0; i < st->files.n_files && ret == 0; i++) {
		const struct conf_file *f = &st->files.files[i];
		struct stage_meta m = st->old_meta[i].exists ? st->old_meta[i]
			: (struct stage_meta){ true, 0644, (unsigned)geteuid(), (unsigned)getegid() };

		ret = apply_txn_save(&after->files[after->n_files++], f->path, f->content, f->len, &m);
	}
	for (size_t i = 0; i < st->n_stale && ret == 0; i++)
		ret = apply_txn_save(&after->files[after->n_files++], st->stale[i], NULL, 0, &none);
	for (size_t i = 0; i < st->site->n_servers; i++)
		after->reloads[after->n_reloads++] = st->site->servers[i].reload;
	after->shape = j->shape;
	after->ruleset = st->want;
	after->record = s->rec_written;
	after->record_len = s->rec_written_len;
	/* The record just written holds st->want: the generation keeps it once. */
	after->ruleset_in_record = after->record != NULL;
	return ret;
}

int apply_history_keep(struct ctx *c, struct state *s, const struct state_journal *j,
		       const struct state_journal *after, struct audit *a)
{
	struct state_gen g = { 0 };
	unsigned keep = c->opts->keep_history ? c->opts->keep_history : STATE_HISTORY_DEFAULT;
	int ret;

	ret = audit_user(&g.user);
	if (ret < 0)
		return ret;
	/* Borrowed for the write; g is not released but its user. */
	g.command = (char *)a->command;
	g.outcome = (char *)a->outcome;
	g.site = (char *)a->site;
	g.has_site_sha256 = a->has_site_sha256;
	memcpy(g.site_sha256, a->site_sha256, STATE_SHA256_LEN);
	g.added = a->added;
	g.changed = a->changed;
	g.deleted = a->deleted;
	memcpy(g.journal_sha256, j->sha256, STATE_SHA256_LEN);
	ret = state_gen_write(s, &g, after);
	free(g.user);
	if (ret < 0)
		return ret;
	a->generation = g.number;
	/* Older generations go in the same transaction; one left over is harmless. */
	if (state_gen_prune(s, keep) < 0)
		diag_warn(c->diag, NULL, "the change is kept as generation %u, but older ones could "
			  "not be pruned; the next change tries again", g.number);
	return 0;
}
