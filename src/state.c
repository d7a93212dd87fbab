/*
 * state: opens the state directory, checks that it can be trusted, takes
 * the locks, refuses the files of an older format, and sweeps the
 * temporary files of runs that were killed.  Every file in the directory
 * is reached through its descriptor with O_NOFOLLOW (state_io.c), and the
 * record is read and written in state_record.c.  It never decides what to
 * apply: apply and the commands do.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"
#include "state_private.h"
#include "txn.h"

#define LOCK "lock"

/* ---- temporary files ------------------------------------------------- */

static bool is_temp_name(const char *name)
{
	return name[0] == '.' && strstr(name, STATE_TEMP_MARK);
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
	return state_read_record(s, flags & STATE_RECORD_HEAD);
}

void state_close(struct state *s)
{
	state_record_complete_cancel(s);
	if (s->changed)
		state_ruleset_sweep(s);
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
