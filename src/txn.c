/*
 * txn: atomic file replacement below an optional root, the way git's
 * lockfile does it: temp file in the same directory, fsync, rename, fsync
 * the directory.  Never follows a symlink below the root.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"
#include "txn.h"

/* Directory descriptors opened on the way down are never symlinks. */
#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

static int fail(struct diag *d, const char *root, const char *path, int err, const char *what)
{
	return diag(d, NULL, err, "cannot write '%s%s': %s: %s", root ? root : "", path, what,
		    strerror(-err));
}

/* Open (creating when missing) each directory of @path below @root; the last component is left. */
static int open_parent(const char *root, const char *path, bool create, struct diag *d,
		       int *out_fd, const char **out_name)
{
	char comp[256];
	const char *p = path;
	int fd;

	fd = open(root && *root ? root : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && !create)
		return -ENOENT;
	if (fd < 0)
		return fail(d, root, path, -errno, "cannot open the root directory");
	for (;;) {
		size_t len;
		int next;

		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		/* ".." would climb out of the root: the site refuses it, and so do we. */
		if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.')) {
			close(fd);
			return diag(d, NULL, -EINVAL, "cannot use '%s%s': it has a '.' or '..' "
				    "component; write the plain absolute path", root ? root : "", path);
		}
		if (p[len] == '\0')
			break;
		if (len >= sizeof(comp)) {
			close(fd);
			return fail(d, root, path, -ENAMETOOLONG, "a directory name is too long");
		}
		memcpy(comp, p, len);
		comp[len] = '\0';
		next = openat(fd, comp, DIR_FLAGS);
		if (next < 0 && errno == ENOENT && !create) {
			close(fd);
			return -ENOENT;
		}
		if (next < 0 && errno == ENOENT) {
			if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST) {
				int err = -errno;

				close(fd);
				return fail(d, root, path, err, "cannot create a directory");
			}
			next = openat(fd, comp, DIR_FLAGS);
		}
		if (next < 0) {
			int err = -errno;

			close(fd);
			if (err == -ELOOP || err == -ENOTDIR)
				return fail(d, root, path, err, "a directory on the way is a symlink "
					    "or not a directory; ftpcfg does not follow symlinks");
			return fail(d, root, path, err, "cannot open a directory");
		}
		close(fd);
		fd = next;
		p += len;
	}
	if (!*p) {
		close(fd);
		return fail(d, root, path, -EISDIR, "names a directory");
	}
	*out_fd = fd;
	*out_name = p;
	return 0;
}

/* In every temporary file's name, so that the next run knows it for one of its own. */
#define TEMP_MARK ".ftpcfg-tmp-"

/*
 * Temporary files a killed run left beside @name (.NAME.ftpcfg-tmp-PID):
 * the caller holds the lock over this root, so none is being written.
 */
static void remove_stale_temps(int dirfd, const char *name)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	size_t len = strlen(name);
	struct dirent *e;

	if (!dir) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.' && !strncmp(e->d_name + 1, name, len) &&
		    !strncmp(e->d_name + 1 + len, TEMP_MARK, strlen(TEMP_MARK)))
			unlinkat(dirfd, e->d_name, 0);
	}
	closedir(dir);
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_file(const char *root, const char *path, const void *data, size_t len,
		      mode_t mode, struct diag *d)
{
	char tmp[300];
	const char *name = NULL;
	struct stat st;
	bool exists = false;
	bool tmp_made = false;
	int dirfd = -1;
	int fd = -1;
	int ret;

	ret = open_parent(root, path, true, d, &dirfd, &name);
	if (ret < 0)
		return ret;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode)) {
			ret = fail(d, root, path, -ELOOP, "it is a symlink; ftpcfg replaces only "
				   "regular files: remove the link or point the site at the real "
				   "file");
			goto out;
		}
		if (!S_ISREG(st.st_mode)) {
			ret = fail(d, root, path, S_ISDIR(st.st_mode) ? -EISDIR : -EEXIST,
				   "it is not a regular file; remove it or point the site elsewhere");
			goto out;
		}
		exists = true;
	} else if (errno != ENOENT) {
		ret = fail(d, root, path, -errno, "cannot inspect it");
		goto out;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), ".%s" TEMP_MARK "%ld", name, (long)getpid()) >=
	    sizeof(tmp)) {
		ret = fail(d, root, path, -ENAMETOOLONG, "the file name is too long");
		goto out;
	}
	remove_stale_temps(dirfd, name);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = fail(d, root, path, -errno, "cannot create a temporary file beside it");
		goto out;
	}
	tmp_made = true;
	if ((exists && fchown(fd, st.st_uid, st.st_gid) < 0 && errno != EPERM)) {
		ret = fail(d, root, path, -errno, "cannot keep its owner");
		goto out;
	}
	if (fchmod(fd, exists ? (st.st_mode & 07777) : mode) < 0) {
		ret = fail(d, root, path, -errno, "cannot set its mode");
		goto out;
	}
	ret = write_all(fd, data, len);
	/* Before the rename: else a crash can leave the name on an empty file. */
	if (ret == 0 && fsync(fd) < 0)
		ret = -errno;
	if (ret < 0) {
		fail(d, root, path, ret, "cannot write the temporary file");
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		ret = fail(d, root, path, -errno, "cannot close the temporary file");
		goto out;
	}
	fd = -1;
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		ret = fail(d, root, path, -errno, "cannot rename the temporary file into place");
		goto out;
	}
	tmp_made = false;
	/* The rename itself, durable before the journal may be retired. */
	if (fsync(dirfd) < 0) {
		ret = fail(d, root, path, -errno, "cannot sync its directory");
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (tmp_made)
		unlinkat(dirfd, tmp, 0);
	close(dirfd);
	return ret;
}

int txn_write_file(const char *root, const char *path, const void *data, size_t len,
		   mode_t mode, struct diag *d)
{
	return write_file(root, path, data, len, mode, d);
}

int txn_open_file(const char *root, const char *path, struct stat *st, struct diag *d, int *out)
{
	const char *name = NULL;
	int dirfd = -1;
	int fd = -1;
	int ret;

	*out = -1;
	ret = open_parent(root, path, false, d, &dirfd, &name);
	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		ret = errno == ENOENT ? 0 : -errno;
		if (ret == -ELOOP)
			diag(d, NULL, ret, "cannot read '%s%s': it is a symlink; ftpcfg manages only "
			     "regular files", root ? root : "", path);
		else if (ret < 0)
			diag(d, NULL, ret, "cannot read '%s%s': %s", root ? root : "", path,
			     strerror(-ret));
		goto out;
	}
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode) || st->st_size > (off_t)TXN_MAX_FILE) {
		/* Not the site's fault: 1, never 65. */
		ret = diag(d, NULL, S_ISDIR(st->st_mode) ? -EISDIR : -EFBIG, "cannot read '%s%s': "
			   "not a regular file of at most %u bytes; remove it or point the site "
			   "elsewhere", root ? root : "", path, TXN_MAX_FILE);
		goto out;
	}
	*out = fd;
	fd = -1;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	close(dirfd);
	return ret;
}

int txn_read_file(const char *root, const char *path, char **out, size_t *len, struct stat *st,
		  struct diag *d)
{
	char *buf = NULL;
	size_t used = 0;
	int fd = -1;
	int ret;

	*out = NULL;
	*len = 0;
	ret = txn_open_file(root, path, st, d, &fd);
	if (ret < 0 || fd < 0)
		return ret;
	buf = malloc((size_t)st->st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	mem_prefault(buf, (size_t)st->st_size + 1);
	while (used < (size_t)st->st_size) {
		ssize_t n = read(fd, buf + used, (size_t)st->st_size - used);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			diag(d, NULL, ret, "cannot read '%s%s': %s", root ? root : "", path,
			     strerror(-ret));
			goto out;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	buf[used] = '\0';
	*out = buf;
	*len = used;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	close(fd);
	return ret;
}

int txn_remove_file(const char *root, const char *path, struct diag *d)
{
	const char *name = NULL;
	int dirfd = -1;
	int ret;

	ret = open_parent(root, path, false, d, &dirfd, &name);
	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	ret = 0;
	if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
		ret = fail(d, root, path, -errno, "cannot remove it");
	else if (fsync(dirfd) < 0)
		ret = fail(d, root, path, -errno, "cannot sync its directory");
	close(dirfd);
	return ret;
}

int txn_set_owner(const char *root, const char *path, unsigned uid, unsigned gid, unsigned mode,
		  struct diag *d)
{
	const char *name = NULL;
	struct stat st;
	int dirfd = -1;
	int fd;
	int ret;

	ret = open_parent(root, path, false, d, &dirfd, &name);
	if (ret < 0)
		return ret;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	ret = fd < 0 ? -errno : 0;
	if (ret == 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)))
		ret = -EINVAL;
	if (ret == 0 && (st.st_uid != uid || st.st_gid != gid) && fchown(fd, uid, gid) < 0 &&
	    errno != EPERM)
		ret = -errno;
	if (ret == 0 && (st.st_mode & 07777) != mode && fchmod(fd, mode) < 0)
		ret = -errno;
	if (ret < 0)
		fail(d, root, path, ret, "cannot put back its owner and mode");
	if (fd >= 0)
		close(fd);
	close(dirfd);
	return ret;
}

int txn_mkdir_p(const char *path, mode_t mode)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

void txn_remove_temps(const char *root, const char *path)
{
	struct diag quiet;
	const char *name = NULL;
	int dirfd = -1;

	diag_init(&quiet);
	if (open_parent(root, path, false, &quiet, &dirfd, &name) == 0) {
		remove_stale_temps(dirfd, name);
		close(dirfd);
	}
	diag_release(&quiet);
}
