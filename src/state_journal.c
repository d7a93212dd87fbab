/*
 * state_journal: what a transaction is about to change, saved before it
 * changes anything.  One sealed file, written whole and renamed into
 * place, so a crash leaves either no journal or a complete one; bound to
 * its state directory, so a journal planted or copied from elsewhere is
 * refused rather than replayed.  Retired by one rename (journal -> last).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include "state_private.h"

#define JOURNAL_MAGIC "FTPCFGJ\n"
/* 4: the ruleset may be named as the record's (JOURNAL_RULESET_IN_RECORD); 3 is still read. */
#define JOURNAL_VERSION 4
#define JOURNAL_VERSION_MIN 3
/*
 * In place of the ruleset (whose first byte is 0, none, or 1, one): it is
 * the one the journal's copy of a record holds.
 */
#define JOURNAL_RULESET_IN_RECORD 2

void state_journal_release(struct state_journal *j)
{
	for (size_t i = 0; i < j->n_files; i++) {
		free(j->files[i].path);
		free(j->files[i].content);
	}
	free(j->files);
	ruleset_free(j->shape);
	ruleset_free(j->ruleset);
	for (size_t i = 0; i < j->n_reloads; i++)
		free(j->reloads[i]);
	free(j->reloads);
	free(j->record);
	for (size_t i = 0; i < j->n_integ; i++)
		backend_saved_release(&j->integ[i]);
	free(j->integ);
	memset(j, 0, sizeof(*j));
}

void state_journal_encode(const struct state *s, const struct state_journal *j,
			  const struct ruleset *old, struct sbuf *b)
{
	sbuf_head(b);
	state_put_binding(s, b);
	sbuf_u64(b, j->n_files);
	for (size_t i = 0; i < j->n_files; i++) {
		const struct state_saved *f = &j->files[i];

		sbuf_str(b, f->path);
		sbuf_u8(b, f->existed);
		sbuf_u32(b, f->mode);
		sbuf_u32(b, f->uid);
		sbuf_u32(b, f->gid);
		sbuf_blob(b, f->content, f->existed ? f->len : 0);
	}
	state_ir_put(b, j->shape);
	if (old && j->ruleset_in_record && j->record)
		sbuf_u8(b, JOURNAL_RULESET_IN_RECORD);
	else
		state_ir_put(b, old);
	sbuf_u64(b, j->n_reloads);
	for (size_t i = 0; i < j->n_reloads; i++)
		sbuf_str(b, j->reloads[i]);
	sbuf_u8(b, j->record != NULL);
	sbuf_blob(b, j->record, j->record ? j->record_len : 0);
	sbuf_u64(b, j->n_integ);
	for (size_t i = 0; i < j->n_integ; i++) {
		sbuf_u32(b, (uint32_t)j->integ[i].backend);
		sbuf_blob(b, j->integ[i].data, j->integ[i].len);
	}
	state_seal(b, JOURNAL_MAGIC, JOURNAL_VERSION);
}

int state_journal_write(struct state *s, struct state_journal *j, const struct ruleset *old)
{
	struct sbuf b = { 0 };
	int ret;

	state_journal_encode(s, j, old, &b);
	if (b.oom) {
		free(b.p);
		return -ENOMEM;
	}
	memcpy(j->sha256, b.p + b.len - STATE_SHA256_LEN, STATE_SHA256_LEN);
	ret = state_write_file(s, STATE_JOURNAL, b.p, b.len);
	free(b.p);
	if (ret < 0) {
		/*
		 * The rename may have happened before the directory's fsync
		 * failed: a journal of a run that changed nothing must not stay
		 * for the next run to "recover".
		 */
		unlinkat(s->dirfd, STATE_JOURNAL, 0);
		diag(s->d, NULL, ret, "cannot write the journal in '%s': %s; nothing was changed",
		     s->dir, strerror(-ret));
	}
	return ret;
}

/* j->ruleset, from the record the journal holds.  0, -ENOMEM or -EUCLEAN. */
static int ruleset_from_record(const struct state *s, struct state_journal *j)
{
	struct state_record *rec = NULL;
	int ret;

	if (!j->record)
		return -EUCLEAN;	/* named, but not there */
	ret = state_record_decode(s, j->record, j->record_len, &rec);
	if (ret < 0)
		return ret;
	if (!rec->ruleset) {
		state_record_free(rec);
		return -EUCLEAN;
	}
	j->ruleset = rec->ruleset;
	rec->ruleset = NULL;
	state_record_free(rec);
	j->ruleset_in_record = true;
	return 0;
}

static int journal_decode(const struct state *s, const uint8_t *data, size_t len, bool shallow,
			  struct state_journal *j)
{
	struct sread r;
	size_t n;
	size_t blen;
	const uint8_t *blob;
	uint32_t version;
	bool in_record = false;
	int ret;

	ret = state_unseal_upto(data, len, JOURNAL_MAGIC, JOURNAL_VERSION_MIN, JOURNAL_VERSION,
				&r, &version);
	if (ret < 0 || !state_binding_ok(s, &r))
		return -EUCLEAN;
	r.ir_marks = true;
	memcpy(j->sha256, data + len - STATE_SHA256_LEN, STATE_SHA256_LEN);
	n = (size_t)sread_u64(&r);
	if (n > r.len / 25)
		return -EUCLEAN;
	if (n && !(j->files = calloc(n, sizeof(*j->files))))
		return -ENOMEM;
	for (size_t i = 0; i < n && !r.bad; i++) {
		struct state_saved *f = &j->files[j->n_files++];

		if (sread_str(&r, &f->path) < 0)
			return -ENOMEM;
		f->existed = sread_u8(&r);
		f->mode = sread_u32(&r);
		f->uid = sread_u32(&r);
		f->gid = sread_u32(&r);
		blob = sread_blob(&r, &blen);
		if (!f->path)
			r.bad = true;
		if (r.bad || !f->existed)
			continue;
		f->content = malloc(blen + 1);
		if (!f->content)
			return -ENOMEM;
		memcpy(f->content, blob, blen);
		f->content[blen] = '\0';
		f->len = blen;
	}
	if (r.bad)
		return -EUCLEAN;
	ret = state_ir_get(&r, &j->shape);
	if (ret == 0 && version >= 4 && r.off < r.len &&
	    r.p[r.off] == JOURNAL_RULESET_IN_RECORD) {
		r.off++;
		in_record = true;
	} else if (ret == 0) {
		ret = state_ir_get(&r, &j->ruleset);
	}
	if (ret < 0)
		return ret;
	if (!j->shape)
		return -EUCLEAN;
	n = (size_t)sread_u64(&r);
	if (n > r.len / 4)
		return -EUCLEAN;
	if (n && !(j->reloads = calloc(n, sizeof(*j->reloads))))
		return -ENOMEM;
	for (size_t i = 0; i < n && !r.bad; i++) {
		if (sread_str(&r, &j->reloads[j->n_reloads]) < 0)
			return -ENOMEM;
		if (!j->reloads[j->n_reloads++])
			r.bad = true;
	}
	if (sread_u8(&r)) {
		blob = sread_blob(&r, &blen);
		if (!r.bad) {
			j->record = malloc(blen ? blen : 1);
			if (!j->record)
				return -ENOMEM;
			memcpy(j->record, blob, blen);
			j->record_len = blen;
		}
	} else {
		sread_blob(&r, &blen);
	}
	n = (size_t)sread_u64(&r);
	if (n > 2)
		return -EUCLEAN;
	if (n && !(j->integ = calloc(n, sizeof(*j->integ))))
		return -ENOMEM;
	for (size_t i = 0; i < n && !r.bad; i++) {
		struct backend_saved *g = &j->integ[j->n_integ++];
		uint32_t b = sread_u32(&r);

		blob = sread_blob(&r, &blen);
		if (r.bad || b > SITE_BACKEND_FIREWALLD)
			return -EUCLEAN;
		g->backend = (enum site_backend)b;
		g->data = malloc(blen ? blen : 1);
		if (!g->data)
			return -ENOMEM;
		memcpy(g->data, blob, blen);
		g->len = blen;
	}
	if (r.bad || r.off != r.len)
		return -EUCLEAN;
	if (in_record && shallow)
		j->ruleset_in_record = true;
	return in_record && !shallow ? ruleset_from_record(s, j) : 0;
}

int state_journal_decode(const struct state *s, const uint8_t *data, size_t len,
			 struct state_journal *j)
{
	return journal_decode(s, data, len, false, j);
}

int state_journal_decode_shallow(const struct state *s, const uint8_t *data, size_t len,
				 struct state_journal *j)
{
	return journal_decode(s, data, len, true, j);
}

int state_journal_read(struct state *s, bool last, struct state_journal *j)
{
	const char *name = last ? STATE_LAST : STATE_JOURNAL;
	uint8_t *data = NULL;
	size_t len = 0;
	int ret;

	memset(j, 0, sizeof(*j));
	ret = state_read_file(s, name, &data, &len);
	if (ret == -ENOENT)
		return ret;
	if (ret == 0)
		ret = state_journal_decode(s, data, len, j);
	free(data);
	if (ret < 0)
		state_journal_release(j);
	if (ret == -EUCLEAN)
		return diag(s->d, NULL, ret, "the %s '%s/%s' is damaged or was not written for this "
			    "state directory, so ftpcfg cannot trust it; check the files and the "
			    "ruleset by hand, then remove it (rm %s/%s)",
			    last ? "rollback journal" : "journal", s->dir, name, s->dir, name);
	if (ret < 0)
		return diag(s->d, NULL, ret, "cannot read the journal '%s/%s': %s", s->dir, name,
			    strerror(-ret));
	return 0;
}

int state_journal_close(struct state *s)
{
	/*
	 * One rename replaces the previous last journal: there is no moment
	 * without a rollback point.  The directory's fsync makes it durable.
	 */
	if (renameat(s->dirfd, STATE_JOURNAL, s->dirfd, STATE_LAST) < 0)
		return -errno;
	s->changed = true;
	return fsync(s->dirfd) < 0 ? 1 : 0;
}

int state_journal_discard(struct state *s)
{
	int ret = state_remove_file(s, STATE_JOURNAL);

	if (ret < 0)
		return diag(s->d, NULL, ret, "cannot remove the journal '%s/" STATE_JOURNAL "': %s",
			    s->dir, strerror(-ret));
	return 0;
}
