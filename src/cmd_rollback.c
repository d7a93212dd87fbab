/*
 * rollback: return files and ruleset to what they were before the last
 * apply, from its journal (last/), as one transaction of its own.  That
 * transaction's journal becomes last/ in turn: a second rollback undoes
 * the first.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "apply.h"
#include "apply_internal.h"
#include "cmd.h"
#include "nft_netlink.h"
#include "ruleset_json.h"

/* What is live now, serialised for the rollback's own journal (NULL: nothing). */
static int current_ruleset(struct ctx *c, const struct txn_journal *last, char **out,
			   uint32_t *genid)
{
	json_t *doc = json_loads(last->meta ? last->meta : "", 0, NULL);
	const char *text = doc ? json_string_value(json_object_get(doc, "shape")) : NULL;
	struct ruleset *shape = NULL;
	struct nft_netlink *nl = NULL;
	struct nft_netlink_live *live = NULL;
	int ret = -EINVAL;

	*out = NULL;
	if (!text)
		goto out;
	ret = ruleset_from_json(text, &shape);
	if (ret == 0)
		ret = nft_netlink_open(&nl);
	if (ret == 0)
		ret = nft_netlink_dump(nl, shape, &live, c->diag);
	if (ret == 0 && live->rs)
		ret = ruleset_to_json(live->rs, out);
	if (ret == 0)
		*genid = live->genid;
out:
	nft_netlink_live_free(live);
	nft_netlink_close(nl);
	ruleset_free(shape);
	json_decref(doc);
	return ret;
}

/*
 * The record after a rollback: what is managed now (the files put back,
 * with their hashes, and the table the journal's shape names), and an
 * outcome that no quick path trusts.
 */
static int record_rollback(struct txn *t, const struct txn_journal *last)
{
	json_t *meta = json_loads(last->meta ? last->meta : "", 0, NULL);
	const char *shape_text = meta ? json_string_value(json_object_get(meta, "shape")) : NULL;
	struct ruleset *shape = NULL;
	json_t *files = json_array();
	int ret = -ENOMEM;

	if (!files || !shape_text || ruleset_from_json(shape_text, &shape) < 0)
		goto out;
	for (size_t i = 0; i < last->n_files; i++) {
		const struct txn_saved *f = &last->files[i];

		if (f->existed && json_array_append_new(files, apply_file_entry(f->path, f->content,
										 f->len)) < 0)
			goto out;
	}
	ret = apply_write_record(t, "rolled back", shape, files, NULL, last->ruleset);
out:
	json_decref(files);
	json_decref(meta);
	ruleset_free(shape);
	return ret;
}

/* What rollback did, for a person or, with --json, as {"outcome": "rolled back"}. */
static int report(const struct ctx *c)
{
	json_t *doc;
	int ret;

	if (!c->opts->json) {
		if (!c->opts->quiet)
			printf("Rolled back to the state before the last apply.\n");
		return 0;
	}
	doc = json_pack("{s:s}", "outcome", "rolled back");
	ret = doc ? cmd_json_result(c, doc) : -ENOMEM;
	json_decref(doc);
	return ret;
}

int cmd_rollback(struct ctx *c, const struct cmd_args *a)
{
	struct txn t = { .lock_fd = -1 };
	struct txn_journal last = { 0 };
	struct txn_journal now = { 0 };
	const char **paths = NULL;
	char *live = NULL;
	uint32_t genid = 0;
	unsigned flags = cmd_has(a, CMD_OPT_NO_RELOAD) ? APPLY_NO_RELOAD : 0;
	int ret;

	ret = apply_begin(c, &t, flags);
	if (ret < 0)
		goto out;
	ret = txn_journal_read(&t, "last", &last);
	if (ret == -ENOENT) {
		ret = diag(c->diag, NULL, -ENOENT, "nothing to roll back: no apply is recorded in "
			   "'%s'", t.state_dir);
		goto out;
	}
	if (ret < 0)
		goto out;
	ret = current_ruleset(c, &last, &live, &genid);
	if (ret < 0)
		goto out;
	paths = calloc(last.n_files + 1, sizeof(*paths));
	if (!paths) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < last.n_files; i++)
		paths[i] = last.files[i].path;
	ret = txn_journal_write(&t, paths, last.n_files, &live, NULL, last.meta, &now);
	if (ret < 0)
		goto out;
	ret = apply_undo(c, &t, &last, true, !(flags & APPLY_NO_RELOAD));
	if (ret == 0)
		ret = record_rollback(&t, &last);
	if (ret < 0) {
		if (apply_undo(c, &t, &now, true, !(flags & APPLY_NO_RELOAD)) == 0)
			txn_journal_discard(&t);
		goto out;
	}
	ret = txn_journal_close(&t);
	if (ret == 0)
		ret = report(c);
out:
	free(paths);
	free(live);
	txn_journal_release(&now);
	txn_journal_release(&last);
	txn_end(&t);
	return ret;
}
