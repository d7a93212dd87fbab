/*
 * state_record: the record, the sealed file that says what the last
 * apply left (the site, its hashes, the managed files, the warnings and
 * the ruleset), or the marker `remove` leaves in its place; its reading
 * at open (whole, or all but the ruleset until it is needed), its
 * decoding and writing, and the checks against it (the kernel's
 * generation, a managed file's content).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "nft_netlink.h"
#include "state.h"
#include "state_codec.h"
#include "state_private.h"
#include "task.h"
#include "txn.h"

#define RECORD STATE_RECORD
#define RECORD_MAGIC "FTPCFGR\n"
/*
 * 2: the ruleset's backend; 3: the conflict check's verdict (enum
 * state_guard) after the instance; 4: each rule's ct mark (the iptables
 * backend); 5: each file's reload command (what remove runs without the
 * site); 6: the ruleset named by its file (state_ruleset.c) instead of
 * inline.  Versions 2 to 5 are still read (the verdict unknown in 2, no
 * rule marked before 4, no reload command before 5); version 1 is not
 * (no backend).
 */
#define RECORD_VERSION 6
#define RECORD_VERSION_MIN 2
/* What `remove` leaves in the record's place: when, and the removal's journal. */
#define REMOVED_MAGIC "FTPCFGX\n"
#define REMOVED_VERSION 1

void state_record_free(struct state_record *r)
{
	if (!r)
		return;
	free(r->site);
	free(r->site_name);
	free(r->instance);
	for (size_t i = 0; i < r->n_files; i++) {
		free(r->files[i].path);
		free(r->files[i].reload);
	}
	free(r->files);
	for (size_t i = 0; i < r->n_warnings; i++) {
		free(r->warnings[i].file);
		free(r->warnings[i].message);
	}
	free(r->warnings);
	ruleset_free(r->ruleset);
	free(r);
}

/* ---- the record ---------------------------------------------------------- */

/*
 * The directory's identity (read once when it was opened, so that a
 * failing fstat can neither seal a file with a wrong one nor make a good
 * file look damaged): a state file copied from elsewhere does not match it.
 */
void state_put_binding(const struct state *s, struct sbuf *b)
{
	sbuf_u64(b, s->dir_dev);
	sbuf_u64(b, s->dir_ino);
}

bool state_binding_ok(const struct state *s, struct sread *r)
{
	uint64_t dev = sread_u64(r);
	uint64_t ino = sread_u64(r);

	return !r->bad && dev == s->dir_dev && ino == s->dir_ino;
}

/*
 * Everything of a record but its ruleset into @rec, leaving @r at the
 * ruleset.  0, -ENOMEM or -EUCLEAN.
 */
static int decode_head(const struct state *s, const uint8_t *data, size_t len,
		       struct state_record *rec, struct sread *r)
{
	uint32_t version = 0;
	size_t n;

	if (state_unseal_upto(data, len, RECORD_MAGIC, RECORD_VERSION_MIN, RECORD_VERSION, r,
			      &version) < 0 || !state_binding_ok(s, r))
		return -EUCLEAN;
	r->ir_marks = version >= 4;
	rec->time = (int64_t)sread_u64(r);
	if (sread_str(r, &rec->site) < 0 || sread_str(r, &rec->site_name) < 0)
		return -ENOMEM;
	sread_get(r, rec->site_sha256, STATE_SHA256_LEN);
	sread_get(r, rec->input_sha256, STATE_SHA256_LEN);
	rec->genid = sread_u32(r);
	if (sread_str(r, &rec->instance) < 0)
		return -ENOMEM;
	/* Version 2 kept no verdict: the next run checks, and writes the current version. */
	if (version >= 3) {
		rec->guard = (enum state_guard)sread_u8(r);
		if (rec->guard != STATE_GUARD_UNKNOWN && rec->guard != STATE_GUARD_NO_FOREIGN)
			r->bad = true;
	}
	sread_get(r, rec->journal_sha256, STATE_SHA256_LEN);
	n = (size_t)sread_u64(r);
	if (n > r->len / (4 + STATE_SHA256_LEN))
		r->bad = true;
	if (!r->bad && n && !(rec->files = calloc(n, sizeof(*rec->files))))
		return -ENOMEM;
	for (size_t i = 0; i < n && !r->bad; i++) {
		rec->n_files++;
		if (sread_str(r, &rec->files[i].path) < 0)
			return -ENOMEM;
		sread_get(r, rec->files[i].sha256, STATE_SHA256_LEN);
		if (version >= 5 && sread_str(r, &rec->files[i].reload) < 0)
			return -ENOMEM;
		if (!rec->files[i].path)
			r->bad = true;
	}
	n = (size_t)sread_u64(r);
	if (n > r->len / 12)
		r->bad = true;
	if (!r->bad && n && !(rec->warnings = calloc(n, sizeof(*rec->warnings))))
		return -ENOMEM;
	for (size_t i = 0; i < n && !r->bad; i++) {
		struct state_warning *w = &rec->warnings[i];

		rec->n_warnings++;
		if (sread_str(r, &w->file) < 0)
			return -ENOMEM;
		w->line = sread_u32(r);
		if (sread_str(r, &w->message) < 0)
			return -ENOMEM;
		if (!w->message)
			r->bad = true;
	}
	if (version >= 6) {
		sread_get(r, rec->ruleset_sha256, STATE_SHA256_LEN);
		rec->has_ruleset_sha256 = true;
	}
	return r->bad ? -EUCLEAN : 0;
}

/*
 * The record's ruleset: from the file it names, or inline where @r was
 * left by decode_head() (before version 6).  0, -ENOMEM or -EUCLEAN.
 */
static int decode_ruleset(const struct state *s, struct state_record *rec, struct sread *r)
{
	int ret;

	if (rec->has_ruleset_sha256)
		return r->off != r->len ? -EUCLEAN
			: state_ruleset_get(s, rec->ruleset_sha256, &rec->ruleset);
	ret = state_ir_get(r, &rec->ruleset);
	if (ret == 0 && (!rec->ruleset || r->bad || r->off != r->len))
		ret = -EUCLEAN;
	return ret;
}

/* Decode a record, whole or (@head_only) but its ruleset; @r is left at the ruleset. */
static int decode_record(const struct state *s, const uint8_t *data, size_t len, bool head_only,
			 struct state_record **out, struct sread *r)
{
	struct state_record *rec = calloc(1, sizeof(*rec));
	int ret;

	*out = NULL;
	if (!rec)
		return -ENOMEM;
	ret = decode_head(s, data, len, rec, r);
	if (ret == 0 && !head_only)
		ret = decode_ruleset(s, rec, r);
	if (ret == 0) {
		*out = rec;
		rec = NULL;
	}
	state_record_free(rec);
	return ret;
}

/* The marker of a removal: when, and its journal.  0, or -EUCLEAN when it is not one. */
static int decode_marker(const struct state *s, const uint8_t *data, size_t len, int64_t *when,
			 uint8_t journal[STATE_SHA256_LEN])
{
	struct sread r;

	if (state_unseal(data, len, REMOVED_MAGIC, REMOVED_VERSION, &r) < 0 ||
	    !state_binding_ok(s, &r))
		return -EUCLEAN;
	*when = (int64_t)sread_u64(&r);
	sread_get(&r, journal, STATE_SHA256_LEN);
	return r.bad || r.off != r.len ? -EUCLEAN : 0;
}

/* The marker of a removal, into s->removed_*: 0, or -EUCLEAN when it is not one. */
static int decode_removed(struct state *s, const uint8_t *data, size_t len)
{
	int ret = decode_marker(s, data, len, &s->removed_time, s->removed_journal);

	if (ret == 0)
		s->removed = true;
	return ret;
}

int state_record_ref(const struct state *s, const uint8_t *data, size_t len,
		     uint8_t h[STATE_SHA256_LEN], bool *has)
{
	uint8_t journal[STATE_SHA256_LEN];
	struct state_record *rec = NULL;
	struct sread r;
	int64_t when;
	int ret = decode_record(s, data, len, true, &rec, &r);

	*has = false;
	if (ret == 0 && rec->has_ruleset_sha256) {
		memcpy(h, rec->ruleset_sha256, STATE_SHA256_LEN);
		*has = true;
	}
	state_record_free(rec);
	if (ret == -EUCLEAN && decode_marker(s, data, len, &when, journal) == 0)
		ret = 0;
	return ret;
}

/* What the record on disk names now: @h, or none (NULL). */
static void know_names(struct state *s, const uint8_t *h)
{
	s->rec_names_state = h ? STATE_NAMES_ONE : STATE_NAMES_NONE;
	if (h)
		memcpy(s->rec_names, h, STATE_SHA256_LEN);
}

int state_read_record(struct state *s, bool head_only)
{
	struct sread r = { 0 };
	int ret = state_read_file(s, RECORD, &s->rec_raw, &s->rec_raw_len);

	s->rec_names_state = STATE_NAMES_UNKNOWN;
	if (ret == -ENOENT) {
		know_names(s, NULL);
		return 0;
	}
	if (ret == 0)
		ret = decode_record(s, s->rec_raw, s->rec_raw_len, head_only, &s->rec, &r);
	if (ret == 0 && head_only)
		s->rec_rest = (struct state_rest){ .pending = true, .off = r.off, .len = r.len,
						   .ir_marks = r.ir_marks };
	if (ret == 0)
		know_names(s, s->rec->has_ruleset_sha256 ? s->rec->ruleset_sha256 : NULL);
	/* Read whole: its ruleset file was read and found intact. */
	if (ret == 0 && !head_only && s->rec->has_ruleset_sha256)
		state_ruleset_known(s, s->rec->ruleset_sha256);
	if (ret == -EUCLEAN && decode_removed(s, s->rec_raw, s->rec_raw_len) == 0) {
		know_names(s, NULL);
		return 0;
	}
	if (ret == -EUCLEAN) {
		s->rec_damaged = true;
		return 0;
	}
	if (ret < 0)
		return diag(s->d, NULL, ret, "cannot read the record '%s/" RECORD "': %s", s->dir,
			    strerror(-ret));
	return 0;
}

int state_reread_record(struct state *s)
{
	state_record_free(s->rec);
	free(s->rec_raw);
	s->rec = NULL;
	s->rec_raw = NULL;
	s->rec_raw_len = 0;
	s->rec_damaged = false;
	s->removed = false;
	s->rec_rest = (struct state_rest){ 0 };
	return state_read_record(s, false);
}

int state_record_decode(const struct state *s, const uint8_t *data, size_t len,
			struct state_record **out)
{
	struct sread r;

	return decode_record(s, data, len, false, out, &r);
}

/* The ruleset a record names, read by a thread while the caller goes on. */
struct state_record_job {
	const struct state *s;		/* read only, by the thread */
	uint8_t h[STATE_SHA256_LEN];
	struct task task;
	int ret;
	struct ruleset *rs;		/* owned until the join hands it over */
};

static void *record_job_run(void *arg)
{
	struct state_record_job *job = arg;

	job->ret = state_ruleset_get(job->s, job->h, &job->rs);
	return NULL;
}

void state_record_complete_start(struct state *s)
{
	struct state_record_job *job;

	/* Only a ruleset in a file of its own: an inline one is decoded at the join. */
	if (!s->rec || !s->rec_rest.pending || !s->rec->has_ruleset_sha256 || s->rec_job)
		return;
	job = calloc(1, sizeof(*job));
	if (!job)
		return;		/* the join does it, and says so if it fails */
	job->s = s;
	memcpy(job->h, s->rec->ruleset_sha256, STATE_SHA256_LEN);
	task_start(&job->task, record_job_run, job);
	s->rec_job = job;
}

/* Wait for a started read: its result (and ruleset, owned by the caller), or 1 when none ran. */
static int record_job_join(struct state *s, struct ruleset **rs)
{
	struct state_record_job *job = s->rec_job;
	int ret;

	*rs = NULL;
	if (!job)
		return 1;
	task_join(&job->task);
	s->rec_job = NULL;
	ret = job->ret;
	*rs = job->rs;
	free(job);
	return ret;
}

void state_record_complete_cancel(struct state *s)
{
	struct ruleset *rs = NULL;

	if (record_job_join(s, &rs) <= 0)
		ruleset_free(rs);
}

int state_record_complete(struct state *s)
{
	struct sread r = { 0 };
	struct ruleset *rs = NULL;
	int ret = record_job_join(s, &rs);

	if (!s->rec || !s->rec_rest.pending) {
		ruleset_free(rs);
		return 0;
	}
	/* The seal was checked over the whole record at open; rec_raw is unchanged since. */
	r = (struct sread){ .p = s->rec_raw + STATE_HEAD, .len = s->rec_rest.len,
			    .off = s->rec_rest.off, .ir_marks = s->rec_rest.ir_marks };
	s->rec_rest = (struct state_rest){ 0 };
	if (ret > 0) {
		ret = decode_ruleset(s, s->rec, &r);
		if (ret == 0 && s->rec->has_ruleset_sha256)
			state_ruleset_known(s, s->rec->ruleset_sha256);
	} else if (ret == 0 && r.off == r.len) {
		s->rec->ruleset = rs;	/* what decode_ruleset() would have read */
		rs = NULL;
		state_ruleset_known(s, s->rec->ruleset_sha256);
	} else if (ret == 0) {
		ret = -EUCLEAN;
	}
	ruleset_free(rs);
	if (ret == -EUCLEAN) {
		/* As if read whole at open: a record that cannot be believed. */
		state_record_free(s->rec);
		s->rec = NULL;
		s->rec_damaged = true;
		return 0;
	}
	if (ret < 0)
		return diag(s->d, NULL, ret, "cannot read the record '%s/" RECORD "': %s", s->dir,
			    strerror(-ret));
	return 0;
}

int state_record_write(struct state *s, struct state_record *r)
{
	struct sbuf b = { 0 };
	int ret = 0;

	if (!r->time)
		r->time = (int64_t)time(NULL);
	/* A record rewritten at a new generation names the ruleset file it named. */
	if (!r->has_ruleset_sha256 || !state_ruleset_have(s, r->ruleset_sha256))
		ret = state_ruleset_put(s, r->ruleset, r->ruleset_sha256);
	r->has_ruleset_sha256 = ret == 0;
	if (ret < 0) {
		if (ret != -ENOMEM)
			diag(s->d, NULL, ret, "cannot write the ruleset of the record in '%s': %s",
			     s->dir, strerror(-ret));
		return ret;
	}
	sbuf_head(&b);
	state_put_binding(s, &b);
	sbuf_u64(&b, (uint64_t)r->time);
	sbuf_str(&b, r->site);
	sbuf_str(&b, r->site_name);
	sbuf_put(&b, r->site_sha256, STATE_SHA256_LEN);
	sbuf_put(&b, r->input_sha256, STATE_SHA256_LEN);
	sbuf_u32(&b, r->genid);
	sbuf_str(&b, r->instance);
	sbuf_u8(&b, (uint8_t)r->guard);
	sbuf_put(&b, r->journal_sha256, STATE_SHA256_LEN);
	sbuf_u64(&b, r->n_files);
	for (size_t i = 0; i < r->n_files; i++) {
		sbuf_str(&b, r->files[i].path);
		sbuf_put(&b, r->files[i].sha256, STATE_SHA256_LEN);
		sbuf_str(&b, r->files[i].reload);
	}
	sbuf_u64(&b, r->n_warnings);
	for (size_t i = 0; i < r->n_warnings; i++) {
		sbuf_str(&b, r->warnings[i].file);
		sbuf_u32(&b, r->warnings[i].line);
		sbuf_str(&b, r->warnings[i].message);
	}
	sbuf_put(&b, r->ruleset_sha256, STATE_SHA256_LEN);
	state_seal(&b, RECORD_MAGIC, RECORD_VERSION);
	ret = b.oom ? -ENOMEM : state_write_file(s, RECORD, b.p, b.len);
	if (ret == 0) {
		free(s->rec_written);
		s->rec_written = b.p;
		s->rec_written_len = b.len;
		b.p = NULL;
		know_names(s, r->ruleset_sha256);
	} else {
		s->rec_names_state = STATE_NAMES_UNKNOWN;
	}
	free(b.p);
	if (ret < 0 && ret != -ENOMEM)
		diag(s->d, NULL, ret, "cannot write the record '%s/" RECORD "': %s", s->dir,
		     strerror(-ret));
	return ret;
}

int state_record_write_removed(struct state *s, const uint8_t journal_sha256[STATE_SHA256_LEN])
{
	struct sbuf b = { 0 };
	int ret;

	sbuf_head(&b);
	state_put_binding(s, &b);
	sbuf_u64(&b, (uint64_t)time(NULL));
	sbuf_put(&b, journal_sha256, STATE_SHA256_LEN);
	state_seal(&b, REMOVED_MAGIC, REMOVED_VERSION);
	ret = b.oom ? -ENOMEM : state_write_file(s, RECORD, b.p, b.len);
	if (ret == 0) {
		free(s->rec_written);
		s->rec_written = b.p;
		s->rec_written_len = b.len;
		b.p = NULL;
		know_names(s, NULL);
	} else {
		s->rec_names_state = STATE_NAMES_UNKNOWN;
	}
	free(b.p);
	if (ret < 0 && ret != -ENOMEM)
		diag(s->d, NULL, ret, "cannot write the record '%s/" RECORD "': %s", s->dir,
		     strerror(-ret));
	return ret;
}

const uint8_t *state_record_journal(const struct state *s)
{
	if (s->rec)
		return s->rec->journal_sha256;
	return s->removed ? s->removed_journal : NULL;
}

int state_record_restore(struct state *s, const uint8_t *data, size_t len)
{
	int ret = data ? state_write_file(s, RECORD, data, len) : state_remove_file(s, RECORD);

	s->rec_names_state = data ? STATE_NAMES_UNKNOWN : STATE_NAMES_NONE;

	if (ret < 0)
		diag(s->d, NULL, ret, "cannot put back the record '%s/" RECORD "': %s", s->dir,
		     strerror(-ret));
	return ret;
}

int state_record_vouches(const struct state *s, struct nft_netlink *nl, bool *vouches)
{
	*vouches = false;
	/* 0 is recorded when an apply could not tell its commit from someone else's. */
	if (!s->rec || !s->rec->genid || !s->rec->instance)
		return 0;
	return nft_netlink_same_generation(nl, s->rec->genid, s->rec->instance, vouches);
}

enum state_file_state state_file_check(const char *root, const struct state_file *f,
				       struct diag *d)
{
	uint8_t sum[STATE_SHA256_LEN];
	struct stat st;
	char *content = NULL;
	size_t len = 0;

	if (txn_read_file(root, f->path, &content, &len, &st, d) < 0)
		return STATE_FILE_UNREADABLE;
	if (!content)
		return STATE_FILE_MISSING;
	state_sha256(content, len, sum);
	free(content);
	return memcmp(sum, f->sha256, sizeof(sum)) ? STATE_FILE_CHANGED : STATE_FILE_AS_APPLIED;
}
