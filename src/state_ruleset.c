/*
 * state_ruleset: the rulesets a record names, each kept once in a file of
 * its own, "rs." and the 64 hex digits of its seal.  At 100 000 networks
 * a ruleset is most of a change's state; a record names it by hash, so
 * the journal and the generation that copy the record copy a few hundred
 * bytes, and a record rewritten at a new generation (the ruleset the
 * same) writes no ruleset at all.  A file is believed only when its seal
 * is whole, equals its name's hash and binds it to this directory; the
 * files nothing names any more are swept by the run that changed
 * something, under its lock.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state_private.h"
#include "task.h"

#define RULESET_MAGIC "FTPCFGS\n"
#define RULESET_VERSION 1
#define RULESET_PREFIX "rs."
#define RULESET_NAME_LEN (sizeof(RULESET_PREFIX) - 1 + 2 * STATE_SHA256_LEN)

static void ruleset_name(const uint8_t h[STATE_SHA256_LEN], char name[RULESET_NAME_LEN + 1])
{
	char hex[STATE_SHA256_HEX];

	state_sha256_hex(h, hex);
	snprintf(name, RULESET_NAME_LEN + 1, RULESET_PREFIX "%s", hex);
}

/* "rs." and 64 lowercase hex digits: the only names the sweep may remove. */
static bool is_ruleset_name(const char *name, uint8_t h[STATE_SHA256_LEN])
{
	const char *p = name + sizeof(RULESET_PREFIX) - 1;

	if (strncmp(name, RULESET_PREFIX, sizeof(RULESET_PREFIX) - 1) ||
	    strlen(name) != RULESET_NAME_LEN)
		return false;
	for (size_t i = 0; i < 2 * STATE_SHA256_LEN; i++) {
		int v = p[i] >= '0' && p[i] <= '9' ? p[i] - '0'
			: p[i] >= 'a' && p[i] <= 'f' ? p[i] - 'a' + 10 : -1;

		if (v < 0)
			return false;
		if (i % 2)
			h[i / 2] = (uint8_t)(h[i / 2] | v);
		else
			h[i / 2] = (uint8_t)(v << 4);
	}
	return true;
}

/* A regular file of that name is there (not followed when a symlink). */
static bool present(const struct state *s, const char *name)
{
	struct stat st;

	return fstatat(s->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

/*
 * The file @h names, read and believed: its seal whole and @h, bound to
 * this directory; @r at the ruleset in *@data (the caller's to free).
 * 0, -EUCLEAN (missing, damaged, another's) or -errno.
 */
static int read_checked(const struct state *s, const uint8_t h[STATE_SHA256_LEN],
			uint8_t **data, size_t *len, struct sread *r)
{
	char name[RULESET_NAME_LEN + 1];
	int ret;

	ruleset_name(h, name);
	ret = state_read_file(s, name, data, len);
	if (ret == -ENOENT)
		return -EUCLEAN;	/* named, but not there */
	if (ret == 0 && (*len < STATE_SHA256_LEN ||
			 memcmp(*data + *len - STATE_SHA256_LEN, h, STATE_SHA256_LEN) ||
			 state_unseal(*data, *len, RULESET_MAGIC, RULESET_VERSION, r) < 0 ||
			 !state_binding_ok(s, r)))
		ret = -EUCLEAN;
	return ret;
}

/*
 * The file @h names is there and is what a later read will believe.  A
 * damaged one is written again rather than named once more.
 */
static bool intact(const struct state *s, const uint8_t h[STATE_SHA256_LEN])
{
	char name[RULESET_NAME_LEN + 1];
	uint8_t *data = NULL;
	size_t len = 0;
	struct sread r;
	int ret;

	/* A new ruleset's file is not there: a stat says so without an open. */
	ruleset_name(h, name);
	if (!present(s, name))
		return false;
	ret = read_checked(s, h, &data, &len, &r);
	free(data);
	return ret == 0;
}

void state_ruleset_known(struct state *s, const uint8_t h[STATE_SHA256_LEN])
{
	memcpy(s->rs_known, h, STATE_SHA256_LEN);
	s->rs_known_set = true;
}

bool state_ruleset_have(struct state *s, const uint8_t h[STATE_SHA256_LEN])
{
	char name[RULESET_NAME_LEN + 1];

	ruleset_name(h, name);
	if (s->rs_known_set && !memcmp(s->rs_known, h, STATE_SHA256_LEN))
		return present(s, name);
	if (!intact(s, h))
		return false;
	state_ruleset_known(s, h);
	return true;
}

/* The sealed image of @rs for the directory @s names; its seal into @h.  0 or -ENOMEM. */
static int encode(const struct state *s, const struct ruleset *rs, struct sbuf *b,
		  uint8_t h[STATE_SHA256_LEN])
{
	sbuf_head(b);
	state_put_binding(s, b);
	state_ir_put(b, rs);
	state_seal(b, RULESET_MAGIC, RULESET_VERSION);
	if (b->oom)
		return -ENOMEM;
	memcpy(h, b->p + b->len - STATE_SHA256_LEN, STATE_SHA256_LEN);
	return 0;
}

/*
 * Encode and write @rs, touching nothing of @s but what it reads (the
 * directory and its identity): safe beside the thread that owns @s.
 * 0 or -errno; *wrote when a file was renamed into place.
 */
static int put(const struct state *s, const struct ruleset *rs, uint8_t h[STATE_SHA256_LEN],
	       bool *wrote)
{
	char name[RULESET_NAME_LEN + 1];
	struct sbuf b = { 0 };
	int ret = encode(s, rs, &b, h);

	*wrote = false;
	if (ret == 0) {
		ruleset_name(h, name);
		/*
		 * Named by its content: one already there and intact is this
		 * one.  Otherwise (new, or damaged) fsynced before its rename,
		 * like every state file; the directory's fsync that makes the
		 * rename durable is the one of the record that names it, renamed
		 * later into the same directory.
		 */
		if (!intact(s, h)) {
			ret = state_put_file(s, name, b.p, b.len);
			*wrote = ret == 0;
		}
	}
	free(b.p);
	return ret;
}

int state_ruleset_put(struct state *s, const struct ruleset *rs, uint8_t h[STATE_SHA256_LEN])
{
	bool wrote = false;
	int ret = put(s, rs, h, &wrote);

	if (wrote)
		s->changed = true;
	if (ret == 0)
		state_ruleset_known(s, h);
	return ret;
}

/* ---- written beside the transaction ------------------------------------ */

struct state_ruleset_job {
	const struct state *s;		/* read only, by the thread */
	const struct ruleset *rs;	/* read only, by both threads until the join */
	struct task task;
	int ret;
	bool wrote;
	uint8_t h[STATE_SHA256_LEN];
};

static void *job_run(void *arg)
{
	struct state_ruleset_job *job = arg;

	job->ret = put(job->s, job->rs, job->h, &job->wrote);
#ifdef FTPCFG_TESTING
	/* Test seam: the file is written, then the thread fails. */
	{
		const char *f = getenv("FTPCFG_FAULT");

		if (job->ret == 0 && f && !strcmp(f, "ruleset-file"))
			job->ret = -EIO;
	}
#endif
	return NULL;
}

int state_ruleset_start(struct state *s, const struct ruleset *rs,
			struct state_ruleset_job **out)
{
	struct state_ruleset_job *job = calloc(1, sizeof(*job));

	*out = job;
	if (!job)
		return -ENOMEM;
	job->s = s;
	job->rs = rs;
	task_start(&job->task, job_run, job);
	return 0;
}

int state_ruleset_finish(struct state *s, struct state_ruleset_job *job,
			 uint8_t h[STATE_SHA256_LEN])
{
	int ret;

	if (!job)
		return -ENOMEM;
	task_join(&job->task);
	ret = job->ret;
	if (job->wrote)
		s->changed = true;
	if (ret == 0)
		state_ruleset_known(s, job->h);
	if (ret == 0 && h)
		memcpy(h, job->h, STATE_SHA256_LEN);
	free(job);
	if (ret < 0 && ret != -ENOMEM && h)
		diag(s->d, NULL, ret, "cannot write the ruleset of the record in '%s': %s", s->dir,
		     strerror(-ret));
	return ret;
}

int state_ruleset_get(const struct state *s, const uint8_t h[STATE_SHA256_LEN],
		      struct ruleset **out)
{
	uint8_t *data = NULL;
	size_t len = 0;
	struct sread r;
	int ret = read_checked(s, h, &data, &len, &r);

	*out = NULL;
	if (ret == 0) {
		r.ir_marks = true;
		ret = state_ir_get(&r, out);
		if (ret == 0 && (!*out || r.bad || r.off != r.len))
			ret = -EUCLEAN;
	}
	if (ret < 0) {
		ruleset_free(*out);
		*out = NULL;
	}
	free(data);
	return ret;
}

/* ---- the sweep ---------------------------------------------------------- */

struct refs {
	uint8_t (*h)[STATE_SHA256_LEN];	/* owned */
	size_t n;
	size_t alloc;
};

static int refs_add(struct refs *k, const uint8_t h[STATE_SHA256_LEN])
{
	if (k->n == k->alloc) {
		size_t alloc = k->alloc ? 2 * k->alloc : 16;
		uint8_t (*x)[STATE_SHA256_LEN] = realloc(k->h, alloc * sizeof(*k->h));

		if (!x)
			return -ENOMEM;
		k->h = x;
		k->alloc = alloc;
	}
	memcpy(k->h[k->n++], h, STATE_SHA256_LEN);
	return 0;
}

static bool refs_have(const struct refs *k, const uint8_t h[STATE_SHA256_LEN])
{
	for (size_t i = 0; i < k->n; i++)
		if (!memcmp(k->h[i], h, STATE_SHA256_LEN))
			return true;
	return false;
}

/* The ruleset a record image names, if any.  0, or -errno/-EUCLEAN: then nothing is swept. */
static int ref_of_record(const struct state *s, const uint8_t *img, size_t len, struct refs *k)
{
	uint8_t h[STATE_SHA256_LEN];
	bool has = false;
	int ret;

	if (!img)
		return 0;
	ret = state_record_ref(s, img, len, h, &has);
	return ret < 0 ? ret : has ? refs_add(k, h) : 0;
}

/*
 * The ruleset named by the record file (@gen 0, @journal false), by the
 * record a journal keeps, or by the one generation @gen left.
 */
static int ref_of_file(struct state *s, const char *name, bool journal, unsigned gen,
		       struct refs *k)
{
	struct state_journal j = { 0 };
	uint8_t *data = NULL;
	size_t len = 0;
	int ret = state_read_file(s, name, &data, &len);

	if (ret == -ENOENT) {
		ret = 0;
	} else if (ret == 0 && !journal && !gen) {
		ret = ref_of_record(s, data, len, k);
	} else if (ret == 0) {
		ret = gen ? state_gen_decode_shallow(s, gen, data, len, &j)
			  : state_journal_decode_shallow(s, data, len, &j);
		if (ret == 0)
			ret = ref_of_record(s, j.record, j.record_len, k);
	}
	state_journal_release(&j);
	free(data);
	return ret;
}

void state_ruleset_sweep(struct state *s)
{
	struct refs k = { 0 };
	struct refs found = { 0 };
	uint8_t h[STATE_SHA256_LEN];
	char name[RULESET_NAME_LEN + 1];
	struct dirent *e;
	DIR *dir;
	int fd;
	int ret = 0;

	if (s->dirfd < 0 || s->lock_fd < 0)
		return;
	if (s->rec_names_state == STATE_NAMES_ONE)
		ret = refs_add(&k, s->rec_names);
	else if (s->rec_names_state == STATE_NAMES_UNKNOWN)
		ret = ref_of_file(s, STATE_RECORD, false, 0, &k);
	if (ret == 0)
		ret = ref_of_file(s, STATE_JOURNAL, true, 0, &k);
	if (ret == 0)
		ret = ref_of_file(s, STATE_LAST, true, 0, &k);
	fd = ret == 0 ? openat(s->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	dir = fd >= 0 ? fdopendir(fd) : NULL;
	if (!dir) {
		if (fd >= 0)
			close(fd);
		goto out;
	}
	while (ret == 0 && (e = readdir(dir))) {
		unsigned gen = state_gen_number(e->d_name);

		if (is_ruleset_name(e->d_name, h))
			ret = refs_add(&found, h);
		else if (gen)
			ret = ref_of_file(s, e->d_name, true, gen, &k);
	}
	closedir(dir);
	/*
	 * Anything that could not be read may name a ruleset: keep them all.
	 * A removal needs no fsync: one that a crash undoes is swept again.
	 */
	for (size_t i = 0; ret == 0 && i < found.n; i++) {
		if (refs_have(&k, found.h[i]))
			continue;
		ruleset_name(found.h[i], name);
		unlinkat(s->dirfd, name, 0);
	}
out:
	free(k.h);
	free(found.h);
}
