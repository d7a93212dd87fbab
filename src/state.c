/*
 * state: opens the state directory, checks that it can be trusted, takes
 * the locks, and reads and writes the record.  Every file in the
 * directory is reached through its descriptor with O_NOFOLLOW, written as
 * a temporary file that the next run recognises, and renamed into place.
 * It never decides what to apply: apply and the commands do.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "mem.h"
#include "nft_netlink.h"
#include "state.h"
#include "state_codec.h"
#include "state_private.h"
#include "txn.h"

#define RECORD "record"
#define LOCK "lock"
#define RECORD_MAGIC "FTPCFGR\n"
/*
 * 2: the ruleset's backend; 3: the conflict check's verdict (enum
 * state_guard) after the instance; 4: each rule's ct mark (the iptables
 * backend); 5: each file's reload command (what remove runs without the
 * site).  Versions 2 to 4 are still read (the verdict unknown in 2, no
 * rule marked before 4, no reload command before 5); version 1 is not
 * (no backend).
 */
#define RECORD_VERSION 5
#define RECORD_VERSION_MIN 2
/* What `remove` leaves in the record's place: when, and the removal's journal. */
#define REMOVED_MAGIC "FTPCFGX\n"
#define REMOVED_VERSION 1

void state_sha256(const void *data, size_t len, uint8_t out[STATE_SHA256_LEN])
{
	SHA256(data, len, out);
}

void state_sha256_hex(const uint8_t h[STATE_SHA256_LEN], char out[STATE_SHA256_HEX])
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < STATE_SHA256_LEN; i++) {
		out[2 * i] = digits[h[i] >> 4];
		out[2 * i + 1] = digits[h[i] & 15];
	}
	out[2 * STATE_SHA256_LEN] = '\0';
}

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

/* ---- files inside the directory --------------------------------------- */

static bool is_temp_name(const char *name)
{
	return name[0] == '.' && strstr(name, STATE_TEMP_MARK);
}

int state_read_file(const struct state *s, const char *name, uint8_t **out, size_t *len)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t used = 0;
	int fd;
	int ret;

	*out = NULL;
	*len = 0;
	if (s->dirfd < 0)
		return -ENOENT;
	fd = openat(s->dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ENOENT : (errno == ELOOP ? -EUCLEAN : -errno);
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out;
	}
	/* Ours are regular files that we wrote (the directory is checked to be ours). */
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > STATE_MAX_FILE) {
		ret = -EUCLEAN;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	mem_prefault(buf, (size_t)st.st_size + 1);
	while (used < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + used, (size_t)st.st_size - used);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	*out = buf;
	*len = used;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	close(fd);
	return ret;
}

int state_write_file(struct state *s, const char *name, const void *data, size_t len)
{
	char tmp[64];
	int fd = -1;
	int ret;

	if ((size_t)snprintf(tmp, sizeof(tmp), ".%s%s%ld", name, STATE_TEMP_MARK,
			     (long)getpid()) >= sizeof(tmp))
		return -ENAMETOOLONG;
	unlinkat(s->dirfd, tmp, 0);
	fd = openat(s->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	ret = 0;
	for (const uint8_t *p = data; len && ret == 0;) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			ret = -errno;
		else {
			p += n;
			len -= (size_t)n;
		}
	}
	/*
	 * fsync before the rename: without it a crash can leave the new name
	 * on an empty or partial file (ext4 and xfs do not order data and
	 * rename), and a state file that lost its content is a journal that
	 * cannot undo or a record that cannot be read.
	 */
	if (ret == 0 && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	if (ret == 0 && renameat(s->dirfd, tmp, s->dirfd, name) < 0)
		ret = -errno;
	if (ret < 0) {
		unlinkat(s->dirfd, tmp, 0);
		return ret;
	}
	/* And the directory, so that the rename itself survives a crash. */
	return fsync(s->dirfd) < 0 ? -errno : 0;
}

int state_remove_file(struct state *s, const char *name)
{
	if (s->dirfd < 0)
		return 0;
	if (unlinkat(s->dirfd, name, 0) < 0)
		return errno == ENOENT ? 0 : -errno;
	/* The removal is what retires a journal: it must survive a crash. */
	return fsync(s->dirfd) < 0 ? -errno : 0;
}

/* The temporary files of runs that were killed: no run holds them (we hold the lock). */
static void remove_temps(struct state *s)
{
	int fd = openat(s->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	if (!dir) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(dir)))
		if (is_temp_name(e->d_name))
			unlinkat(s->dirfd, e->d_name, 0);
	closedir(dir);
}

/* ---- opening ------------------------------------------------------------ */

static int state_path(const struct ctx *c, char **out)
{
	int n;

	if (c->opts->state_dir)
		n = asprintf(out, "%s", c->opts->state_dir);
	else
		n = asprintf(out, "%s/var/lib/ftpcfg", c->opts->root ? c->opts->root : "");
	return n < 0 ? -ENOMEM : 0;
}

/* The directory may hold what only ftpcfg wrote: ours, a real directory, writable by us only. */
static int check_dir(struct state *s)
{
	struct stat st;
	uid_t me = geteuid();

	if (fstat(s->dirfd, &st) < 0)
		return diag(s->d, NULL, -errno, "cannot inspect the state directory '%s': %s",
			    s->dir, strerror(errno));
	s->dir_dev = (uint64_t)st.st_dev;
	s->dir_ino = (uint64_t)st.st_ino;
	if (st.st_uid != me)
		return diag(s->d, NULL, -EPERM, "the state directory '%s' is owned by uid %u, not "
			    "by %s; ftpcfg trusts only what it wrote: fix it with 'chown %u: %s' "
			    "(or remove it)", s->dir, (unsigned)st.st_uid,
			    me ? "the user running ftpcfg" : "root", (unsigned)me, s->dir);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return diag(s->d, NULL, -EPERM, "the state directory '%s' is writable by %s; "
			    "ftpcfg trusts only what it wrote: fix it with 'chmod go-w %s'", s->dir,
			    st.st_mode & S_IWOTH ? "others" : "its group", s->dir);
	return 0;
}

static int open_dir(struct state *s, bool create)
{
	int ret;

	if (create) {
		ret = txn_mkdir_p(s->dir, 0700);
		if (ret < 0)
			return diag(s->d, NULL, ret, "cannot create the state directory '%s': %s",
				    s->dir, strerror(-ret));
	}
	s->dirfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->dirfd < 0) {
		ret = -errno;
		if (ret == -ENOENT && !create)
			return 0;
		if (ret == -ELOOP || ret == -ENOTDIR)
			return diag(s->d, NULL, -EPERM, "the state directory '%s' is a symlink or "
				    "not a directory; ftpcfg does not follow symlinks there: make it "
				    "a real directory (mkdir -m 0700 %s)", s->dir, s->dir);
		return diag(s->d, NULL, ret, "cannot open the state directory '%s': %s", s->dir,
			    strerror(-ret));
	}
	return check_dir(s);
}

static int lock_fd(struct state *s, int fd, const char *what)
{
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno == EWOULDBLOCK)
		return diag(s->d, NULL, -EAGAIN, "another ftpcfg run holds the lock on '%s'; retry "
			    "when it is done", what);
	return diag(s->d, NULL, -errno, "cannot lock '%s': %s", what, strerror(errno));
}

static int take_dir_lock(struct state *s)
{
	char path[4096];

	s->lock_fd = openat(s->dirfd, LOCK, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	snprintf(path, sizeof(path), "%s/" LOCK, s->dir);
	if (s->lock_fd < 0)
		return diag(s->d, NULL, -errno, "cannot open the lock '%s': %s", path,
			    strerror(errno));
	return lock_fd(s, s->lock_fd, path);
}

int state_create(struct state *s)
{
	int ret;

	if (s->dirfd >= 0)
		return 0;
	ret = open_dir(s, true);
	if (ret == 0)
		ret = take_dir_lock(s);
	return ret;
}

static int decode_record(const struct state *s, const uint8_t *data, size_t len, bool head_only,
			 struct state_record **out, struct sread *r);

/* The marker of a removal, into s->removed_*: 0, or -EUCLEAN when it is not one. */
static int decode_removed(struct state *s, const uint8_t *data, size_t len)
{
	struct sread r;

	if (state_unseal(data, len, REMOVED_MAGIC, REMOVED_VERSION, &r) < 0 ||
	    !state_binding_ok(s, &r))
		return -EUCLEAN;
	s->removed_time = (int64_t)sread_u64(&r);
	sread_get(&r, s->removed_journal, STATE_SHA256_LEN);
	if (r.bad || r.off != r.len)
		return -EUCLEAN;
	s->removed = true;
	return 0;
}

static int read_record(struct state *s, bool head_only)
{
	struct sread r = { 0 };
	int ret = state_read_file(s, RECORD, &s->rec_raw, &s->rec_raw_len);

	if (ret == -ENOENT)
		return 0;
	if (ret == 0)
		ret = decode_record(s, s->rec_raw, s->rec_raw_len, head_only, &s->rec, &r);
	if (ret == 0 && head_only)
		s->rec_rest = (struct state_rest){ .pending = true, .off = r.off, .len = r.len,
						   .ir_marks = r.ir_marks };
	if (ret == -EUCLEAN && decode_removed(s, s->rec_raw, s->rec_raw_len) == 0)
		return 0;
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
	return read_record(s, false);
}

/*
 * The files of the ftpcfg before the state module (JSON files and journal
 * and last directories): nothing in them can be trusted (unsealed, not
 * bound to the directory), so nothing is read or migrated.  Refused with
 * the exact command that clears them, once the host has been checked.
 */
static int refuse_old_format(struct state *s)
{
	static const char *const old[] = { "journal", "last", "applied.json",
					   "applied-ruleset.json", "applied-input",
					   "applied-site", "journal.new", "last.old" };
	char names[1024] = "";
	char cmd[8192] = "rm -r";
	bool interrupted = false;
	size_t n = 0;

	for (size_t i = 0; i < sizeof(old) / sizeof(old[0]); i++) {
		struct stat st;
		bool dir_name = !strcmp(old[i], "journal") || !strcmp(old[i], "last");

		if (fstatat(s->dirfd, old[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			return diag(s->d, NULL, -errno, "cannot inspect '%s/%s': %s", s->dir, old[i],
				    strerror(errno));
		}
		/* journal and last are this format's names too, as regular files. */
		if (dir_name && !S_ISDIR(st.st_mode))
			continue;
		if (!strcmp(old[i], "journal") || !strcmp(old[i], "journal.new"))
			interrupted = true;
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s%s",
			 n++ ? ", " : "", old[i], S_ISDIR(st.st_mode) ? "/" : "");
		snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), " %s/%s", s->dir, old[i]);
	}
	if (!n)
		return 0;
	return diag(s->d, NULL, -EUCLEAN, "the state directory '%s' holds files of an older "
		    "ftpcfg (%s) that this one cannot read or trust; %sthen remove them (%s) and "
		    "apply the site again", s->dir, names, interrupted ?
		    "an apply of that ftpcfg was interrupted, so check the managed files and the "
		    "ruleset by hand, " : "", cmd);
}

int state_open(const struct ctx *c, unsigned flags, struct state *s)
{
	const char *root = c->opts->root && *c->opts->root ? c->opts->root : "/";
	struct stat st;
	int ret;

	memset(s, 0, sizeof(*s));
	s->dirfd = s->lock_fd = s->root_lock_fd = -1;
	s->root = c->opts->root;
	s->d = c->diag;
	ret = state_path(c, &s->dir);
	if (ret < 0)
		return ret;
	if (flags & STATE_LOCK) {
		/*
		 * The root is what a run changes: its lock keeps out a run with
		 * another --state-dir over the same root.
		 */
		s->root_lock_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (s->root_lock_fd < 0)
			return diag(s->d, NULL, -errno, "cannot open the root directory '%s': %s",
				    root, strerror(errno));
		ret = lock_fd(s, s->root_lock_fd, root);
		if (ret < 0)
			return ret;
	}
	ret = open_dir(s, false);
	if (ret == 0 && s->dirfd >= 0 && (flags & STATE_LOCK))
		ret = take_dir_lock(s);
	if (ret == 0 && s->dirfd >= 0)
		ret = refuse_old_format(s);
	if (ret < 0 || s->dirfd < 0)
		return ret;
	if (flags & STATE_LOCK)
		remove_temps(s);
	/* A journal that cannot be looked for is not "no journal": it would never be put back. */
	if (fstatat(s->dirfd, STATE_JOURNAL, &st, AT_SYMLINK_NOFOLLOW) == 0)
		s->journal_left = true;
	else if (errno != ENOENT)
		return diag(s->d, NULL, -errno, "cannot look for a journal in '%s': %s", s->dir,
			    strerror(errno));
	return read_record(s, flags & STATE_RECORD_HEAD);
}

void state_close(struct state *s)
{
	if (s->lock_fd >= 0)
		close(s->lock_fd);	/* closing the descriptor releases the flock */
	if (s->root_lock_fd >= 0)
		close(s->root_lock_fd);
	if (s->dirfd >= 0)
		close(s->dirfd);
	free(s->dir);
	state_record_free(s->rec);
	free(s->rec_raw);
	free(s->rec_written);
	memset(s, 0, sizeof(*s));
	s->dirfd = s->lock_fd = s->root_lock_fd = -1;
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
	return r->bad ? -EUCLEAN : 0;
}

/* The ruleset that ends a record, from @r (left by decode_head()).  0, -ENOMEM or -EUCLEAN. */
static int decode_ruleset(struct state_record *rec, struct sread *r)
{
	int ret = state_ir_get(r, &rec->ruleset);

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
		ret = decode_ruleset(rec, r);
	if (ret == 0) {
		*out = rec;
		rec = NULL;
	}
	state_record_free(rec);
	return ret;
}

int state_record_decode(const struct state *s, const uint8_t *data, size_t len,
			struct state_record **out)
{
	struct sread r;

	return decode_record(s, data, len, false, out, &r);
}

int state_record_complete(struct state *s)
{
	struct sread r = { 0 };
	int ret;

	if (!s->rec || !s->rec_rest.pending)
		return 0;
	/* The seal was checked over the whole record at open; rec_raw is unchanged since. */
	r = (struct sread){ .p = s->rec_raw + STATE_HEAD, .len = s->rec_rest.len,
			    .off = s->rec_rest.off, .ir_marks = s->rec_rest.ir_marks };
	s->rec_rest = (struct state_rest){ 0 };
	ret = decode_ruleset(s->rec, &r);
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
	int ret;

	if (!r->time)
		r->time = (int64_t)time(NULL);
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
	state_ir_put(&b, r->ruleset);
	state_seal(&b, RECORD_MAGIC, RECORD_VERSION);
	ret = b.oom ? -ENOMEM : state_write_file(s, RECORD, b.p, b.len);
	if (ret == 0) {
		free(s->rec_written);
		s->rec_written = b.p;
		s->rec_written_len = b.len;
		b.p = NULL;
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
