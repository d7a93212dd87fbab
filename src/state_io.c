/*
 * state_io: the files inside the state directory, reached through its
 * descriptor with O_NOFOLLOW: read whole, written as a temporary file that
 * the next run recognises (STATE_TEMP_MARK), fsynced and renamed into
 * place, removed durably; and the SHA-256 of bytes, in binary and hex.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "mem.h"
#include "state.h"
#include "state_private.h"

_Static_assert(STATE_SHA256_LEN == SHA256_DIGEST_SIZE, "a state hash is one SHA-256");

void state_sha256(const void *data, size_t len, uint8_t out[STATE_SHA256_LEN])
{
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, len, data);
	sha256_digest(&ctx, STATE_SHA256_LEN, out);
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

/* ---- files inside the directory --------------------------------------- */

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
	int ret = state_put_file(s, name, data, len);

	if (ret < 0)
		return ret;
	s->changed = true;
	/* And the directory, so that the rename itself survives a crash. */
	return fsync(s->dirfd) < 0 ? -errno : 0;
}

int state_put_file(const struct state *s, const char *name, const void *data, size_t len)
{
	char tmp[128];
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
	if (ret < 0)
		unlinkat(s->dirfd, tmp, 0);
	return ret;
}

int state_remove_file(struct state *s, const char *name)
{
	if (s->dirfd < 0)
		return 0;
	if (unlinkat(s->dirfd, name, 0) < 0)
		return errno == ENOENT ? 0 : -errno;
	s->changed = true;
	/* The removal is what retires a journal: it must survive a crash. */
	return fsync(s->dirfd) < 0 ? -errno : 0;
}
