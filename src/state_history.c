/*
 * state_history: the generations (gen.N) and the pending confirmation
 * (confirm) in the state directory.  Each is one sealed file bound to the
 * directory like the journal, read without following a symlink; a file
 * that fails its seal, names another directory or another number is
 * refused, never replayed.  It decides nothing: apply and rollback do.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "state_private.h"

#define GEN_MAGIC "FTPCFGH\n"
/*
 * 2: no copy of the change's journal (nothing read it; the generation
 * before holds what it saved), and what the change left names its
 * record's ruleset instead of a second copy.  1 is still read.
 */
#define GEN_VERSION 2
#define GEN_VERSION_MIN 1
#define GEN_PREFIX "gen."
#define CONFIRM "confirm"
#define CONFIRM_MAGIC "FTPCFGC\n"
#define CONFIRM_VERSION 1
/* "gen." and up to 10 digits: a name the listing recognises as a generation. */
#define GEN_NAME_MAX 16

void state_gen_release(struct state_gen *g)
{
	free(g->user);
	free(g->command);
	free(g->outcome);
	free(g->site);
	free(g->site_name);
	memset(g, 0, sizeof(*g));
}

static void gen_name(unsigned number, char name[GEN_NAME_MAX])
{
	snprintf(name, GEN_NAME_MAX, GEN_PREFIX "%u", number);
}

/* "gen.N" with N 1..UINT_MAX in plain digits (no sign, no leading zero): N, else 0. */
unsigned state_gen_number(const char *name)
{
	const char *p = name + strlen(GEN_PREFIX);
	unsigned long long v = 0;

	if (strncmp(name, GEN_PREFIX, strlen(GEN_PREFIX)) || *p < '1' || *p > '9' ||
	    strlen(p) > 10)
		return 0;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		v = v * 10 + (unsigned)(*p - '0');
	}
	return v > 0xffffffffULL ? 0 : (unsigned)v;
}

/* The numbers of the generations there, ascending.  0 or -errno. */
static int gen_numbers(const struct state *s, unsigned **out, size_t *n)
{
	unsigned *v = NULL;
	size_t alloc = 0;
	struct dirent *e;
	DIR *dir;
	int fd;

	*out = NULL;
	*n = 0;
	if (s->dirfd < 0)
		return 0;
	fd = openat(s->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dir = fd >= 0 ? fdopendir(fd) : NULL;
	if (!dir) {
		int ret = -errno;

		if (fd >= 0)
			close(fd);
		return ret;
	}
	while ((e = readdir(dir))) {
		unsigned num = state_gen_number(e->d_name);

		if (!num)
			continue;
		if (*n == alloc) {
			unsigned *x = realloc(v, (alloc = alloc ? 2 * alloc : 16) * sizeof(*v));

			if (!x) {
				free(v);
				closedir(dir);
				return -ENOMEM;
			}
			v = x;
		}
		v[(*n)++] = num;
	}
	closedir(dir);
	/* Insertion sort: a handful of generations (the kept number is bounded). */
	for (size_t i = 1; i < *n; i++)
		for (size_t k = i; k > 0 && v[k - 1] > v[k]; k--) {
			unsigned t = v[k];

			v[k] = v[k - 1];
			v[k - 1] = t;
		}
	*out = v;
	return 0;
}

int state_gen_write(struct state *s, struct state_gen *g, const struct state_journal *after)
{
	char name[GEN_NAME_MAX];
	struct sbuf b = { 0 };
	struct sbuf a = { 0 };
	unsigned *nums = NULL;
	size_t n = 0;
	int ret;

	ret = gen_numbers(s, &nums, &n);
	if (ret == 0 && n && nums[n - 1] == 0xffffffffU)
		ret = -EOVERFLOW;
	if (ret < 0)
		goto out;
	g->number = n ? nums[n - 1] + 1 : 1;
	g->time = (int64_t)time(NULL);
	state_journal_encode(s, after, after->ruleset, &a);
	sbuf_head(&b);
	state_put_binding(s, &b);
	sbuf_u32(&b, g->number);
	sbuf_u64(&b, (uint64_t)g->time);
	sbuf_str(&b, g->user);
	sbuf_str(&b, g->command);
	sbuf_str(&b, g->outcome);
	sbuf_str(&b, g->site);
	sbuf_str(&b, g->site_name);
	sbuf_u8(&b, g->has_site_sha256);
	sbuf_put(&b, g->site_sha256, STATE_SHA256_LEN);
	sbuf_u64(&b, g->added);
	sbuf_u64(&b, g->changed);
	sbuf_u64(&b, g->deleted);
	sbuf_put(&b, g->journal_sha256, STATE_SHA256_LEN);
	sbuf_blob(&b, a.p, a.len);
	state_seal(&b, GEN_MAGIC, GEN_VERSION);
	if (a.oom || b.oom) {
		ret = -ENOMEM;
		goto out;
	}
	gen_name(g->number, name);
	ret = state_write_file(s, name, b.p, b.len);
out:
	if (ret < 0 && ret != -ENOMEM)
		diag(s->d, NULL, ret, "cannot keep the change as a generation in '%s': %s", s->dir,
		     strerror(-ret));
	free(nums);
	free(a.p);
	free(b.p);
	return ret;
}

/*
 * Decode generation @number's image: its summary into @g, and, when
 * @after is not NULL, what it left (@shallow: the ruleset file its record
 * names not read).  0, -ENOMEM or -EUCLEAN.
 */
static int gen_decode(const struct state *s, unsigned number, const uint8_t *data, size_t len,
		      bool shallow, struct state_gen *g, struct state_journal *after)
{
	struct sread r;
	const uint8_t *blob;
	size_t blen;
	uint32_t version;

	memset(g, 0, sizeof(*g));
	if (state_unseal_upto(data, len, GEN_MAGIC, GEN_VERSION_MIN, GEN_VERSION, &r,
			      &version) < 0 || !state_binding_ok(s, &r))
		return -EUCLEAN;
	/* A generation renamed or copied to another number is not that generation. */
	g->number = sread_u32(&r);
	if (g->number != number)
		return -EUCLEAN;
	g->time = (int64_t)sread_u64(&r);
	if (sread_str(&r, &g->user) < 0 || sread_str(&r, &g->command) < 0 ||
	    sread_str(&r, &g->outcome) < 0 || sread_str(&r, &g->site) < 0 ||
	    sread_str(&r, &g->site_name) < 0)
		return -ENOMEM;
	g->has_site_sha256 = sread_u8(&r);
	sread_get(&r, g->site_sha256, STATE_SHA256_LEN);
	g->added = sread_u64(&r);
	g->changed = sread_u64(&r);
	g->deleted = sread_u64(&r);
	sread_get(&r, g->journal_sha256, STATE_SHA256_LEN);
	if (version == 1)
		sread_blob(&r, &blen);	/* a copy of the change's journal, never read */
	blob = sread_blob(&r, &blen);
	if (r.bad || r.off != r.len || !g->user || !g->command || !g->outcome)
		return -EUCLEAN;
	if (!after)
		return 0;
	memset(after, 0, sizeof(*after));
	return shallow ? state_journal_decode_shallow(s, blob, blen, after)
		       : state_journal_decode(s, blob, blen, after);
}

int state_gen_decode_shallow(const struct state *s, unsigned number, const uint8_t *data,
			     size_t len, struct state_journal *after)
{
	struct state_gen g;
	int ret = gen_decode(s, number, data, len, true, &g, after);

	state_gen_release(&g);
	return ret;
}

static int gen_load(struct state *s, unsigned number, struct state_gen *g,
		    struct state_journal *after)
{
	char name[GEN_NAME_MAX];
	uint8_t *data = NULL;
	size_t len = 0;
	int ret;

	gen_name(number, name);
	ret = state_read_file(s, name, &data, &len);
	if (ret == 0)
		ret = gen_decode(s, number, data, len, false, g, after);
	free(data);
	if (ret < 0) {
		state_gen_release(g);
		if (after)
			state_journal_release(after);
	}
	return ret;
}

static int say_damaged(struct state *s, unsigned number, bool error)
{
	static const char fmt[] = "the generation '%s/" GEN_PREFIX "%u' is damaged, not a regular "
				  "file, or was not written for this state directory, so ftpcfg "
				  "cannot trust it; remove it (rm %s/" GEN_PREFIX "%u)";

	if (error)
		return diag(s->d, NULL, -EUCLEAN, fmt, s->dir, number, s->dir, number);
	diag_warn(s->d, NULL, fmt, s->dir, number, s->dir, number);
	return 0;
}

int state_gen_list(struct state *s, struct state_gen **out, size_t *n)
{
	struct state_gen *v = NULL;
	unsigned *nums = NULL;
	size_t n_nums = 0;
	int ret;

	*out = NULL;
	*n = 0;
	ret = gen_numbers(s, &nums, &n_nums);
	if (ret < 0)
		return diag(s->d, NULL, ret, "cannot list the generations in '%s': %s", s->dir,
			    strerror(-ret));
	if (n_nums && !(v = calloc(n_nums, sizeof(*v)))) {
		free(nums);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n_nums; i++) {
		ret = gen_load(s, nums[i], &v[i], NULL);
		if (ret == -ENOMEM)
			break;
		if (ret < 0) {
			v[i].number = nums[i];
			v[i].damaged = true;
			say_damaged(s, nums[i], false);
		}
		ret = 0;
	}
	free(nums);
	if (ret < 0) {
		for (size_t i = 0; i < n_nums; i++)
			state_gen_release(&v[i]);
		free(v);
		return ret;
	}
	*out = v;
	*n = n_nums;
	return 0;
}

int state_gen_read(struct state *s, unsigned number, struct state_gen *g,
		   struct state_journal *after)
{
	int ret = gen_load(s, number, g, after);

	if (ret == -ENOENT) {
		unsigned *nums = NULL;
		size_t n = 0;

		if (gen_numbers(s, &nums, &n) == 0 && n)
			ret = diag(s->d, NULL, -ENOENT, "there is no generation %u in '%s'; 'ftpcfg "
				   "history' lists the ones kept (%u to %u)", number, s->dir,
				   nums[0], nums[n - 1]);
		else
			ret = diag(s->d, NULL, -ENOENT, "there is no generation %u: no history is "
				   "kept in '%s' yet", number, s->dir);
		free(nums);
		return ret;
	}
	if (ret == -EUCLEAN)
		return say_damaged(s, number, true);
	if (ret < 0)
		return diag(s->d, NULL, ret, "cannot read generation %u in '%s': %s", number, s->dir,
			    strerror(-ret));
	return 0;
}

int state_gen_prune(struct state *s, unsigned keep)
{
	char name[GEN_NAME_MAX];
	unsigned *nums = NULL;
	size_t n = 0;
	int ret = gen_numbers(s, &nums, &n);

	for (size_t i = 0; ret == 0 && i + keep < n; i++) {
		gen_name(nums[i], name);
		ret = state_remove_file(s, name);
	}
	free(nums);
	return ret;
}

int state_gen_drop_journal(struct state *s, const uint8_t journal_sha256[STATE_SHA256_LEN])
{
	unsigned *nums = NULL;
	size_t n = 0;
	int ret = gen_numbers(s, &nums, &n);

	/* The newest first: an undone change is the last one kept. */
	for (size_t i = n; ret == 0 && i-- > 0;) {
		struct state_gen g;
		char name[GEN_NAME_MAX];

		if (gen_load(s, nums[i], &g, NULL) < 0)
			continue;
		if (!memcmp(g.journal_sha256, journal_sha256, STATE_SHA256_LEN)) {
			gen_name(nums[i], name);
			ret = state_remove_file(s, name);
			state_gen_release(&g);
			break;
		}
		state_gen_release(&g);
	}
	free(nums);
	return ret;
}

/* ---- the pending confirmation ------------------------------------------ */

int state_confirm_write(struct state *s, const struct state_confirm *p)
{
	struct sbuf b = { 0 };
	int ret;

	sbuf_head(&b);
	state_put_binding(s, &b);
	sbuf_u64(&b, (uint64_t)p->since);
	sbuf_u64(&b, (uint64_t)p->deadline);
	sbuf_u32(&b, p->generation);
	sbuf_put(&b, p->journal_sha256, STATE_SHA256_LEN);
	sbuf_u64(&b, (uint64_t)p->watcher_pid);
	state_seal(&b, CONFIRM_MAGIC, CONFIRM_VERSION);
	ret = b.oom ? -ENOMEM : state_write_file(s, CONFIRM, b.p, b.len);
	free(b.p);
	if (ret < 0 && ret != -ENOMEM)
		diag(s->d, NULL, ret, "cannot write '%s/" CONFIRM "': %s", s->dir, strerror(-ret));
	return ret;
}

int state_confirm_read(const struct state *s, struct state_confirm *p)
{
	uint8_t *data = NULL;
	size_t len = 0;
	struct sread r;
	int ret;

	memset(p, 0, sizeof(*p));
	ret = state_read_file(s, CONFIRM, &data, &len);
	if (ret == 0) {
		ret = -EUCLEAN;
		if (state_unseal(data, len, CONFIRM_MAGIC, CONFIRM_VERSION, &r) == 0 &&
		    state_binding_ok(s, &r)) {
			p->since = (int64_t)sread_u64(&r);
			p->deadline = (int64_t)sread_u64(&r);
			p->generation = sread_u32(&r);
			sread_get(&r, p->journal_sha256, STATE_SHA256_LEN);
			p->watcher_pid = (int64_t)sread_u64(&r);
			if (!r.bad && r.off == r.len)
				ret = 0;
		}
	}
	free(data);
	if (ret == -EUCLEAN)
		return diag(s->d, NULL, ret, "the pending confirmation '%s/" CONFIRM "' is damaged "
			    "or was not written for this state directory, so ftpcfg cannot trust "
			    "it; see 'ftpcfg history', roll back by hand if needed, then remove it "
			    "(rm %s/" CONFIRM ")", s->dir, s->dir);
	if (ret < 0 && ret != -ENOENT)
		return diag(s->d, NULL, ret, "cannot read '%s/" CONFIRM "': %s", s->dir,
			    strerror(-ret));
	return ret;
}

int state_confirm_clear(struct state *s)
{
	int ret = state_remove_file(s, CONFIRM);

	if (ret < 0)
		return diag(s->d, NULL, ret, "cannot remove '%s/" CONFIRM "': %s", s->dir,
			    strerror(-ret));
	return 0;
}
