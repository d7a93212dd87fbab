/*
 * import_read: how the importer reads a daemon's files: below --root,
 * bounded in size and count, never through a symbolic link, never from
 * a FIFO or device, never a file with a NUL byte.  Reads only.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "import_internal.h"

int import_full_path(const struct import_ctx *ic, const char *path, char **out)
{
	const char *root = ic->opts->root;

	if (root && *root && path[0] == '/')
		return asprintf(out, "%s%s", root, path) < 0 ? -ENOMEM : 0;
	*out = strdup(path);
	return *out ? 0 : -ENOMEM;
}

static int open_error(struct import_ctx *ic, const char *full, int err)
{
	struct srcloc loc = { full, 0 };

	ic->errors++;
	if (err == -ELOOP)
		return diag(ic->d, &loc, err, "is a symbolic link; ftpcfg import does not follow "
			    "links in a daemon's configuration: name the file it points to");
	return diag(ic->d, &loc, err, "cannot read: %s", strerror(-err));
}

int import_read_file(struct import_ctx *ic, const char *path, char **buf, size_t *len,
		     dev_t *dev, ino_t *ino)
{
	struct srcloc loc = { NULL, 0 };
	struct stat st;
	char *full = NULL;
	char *data = NULL;
	size_t got = 0;
	int fd = -1;
	int ret;

	ret = import_full_path(ic, path, &full);
	if (ret < 0)
		return ret;
	loc.file = full;
	if (++ic->n_files > IMPORT_MAX_FILES) {
		ic->errors++;
		ret = diag(ic->d, &loc, -EINVAL, "more than %u files to read; an Include pattern "
			   "matches far too much", IMPORT_MAX_FILES);
		goto out;
	}
	/* O_NONBLOCK: a FIFO put where a file was expected must not hang us. */
	fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		ret = open_error(ic, full, -errno);
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		ret = open_error(ic, full, -errno);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ic->errors++;
		ret = diag(ic->d, &loc, -EINVAL, "is not a regular file; name the daemon's "
			   "configuration file");
		goto out;
	}
	if (st.st_size > (off_t)IMPORT_MAX_FILE_BYTES ||
	    ic->total_bytes + (size_t)st.st_size > IMPORT_MAX_TOTAL_BYTES) {
		ic->errors++;
		ret = diag(ic->d, &loc, -EINVAL, "is %lld bytes; a daemon configuration is far "
			   "smaller (at most %u bytes a file, %u in all): check the path",
			   (long long)st.st_size, IMPORT_MAX_FILE_BYTES, IMPORT_MAX_TOTAL_BYTES);
		goto out;
	}
	data = malloc(IMPORT_MAX_FILE_BYTES + 2);
	if (!data) {
		ret = -ENOMEM;
		goto out;
	}
	/* Read one byte past the limit: a file that grows under us is caught too. */
	for (;;) {
		ssize_t n = read(fd, data + got, IMPORT_MAX_FILE_BYTES + 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = open_error(ic, full, -errno);
			goto out;
		}
		got += (size_t)n;
		if (n == 0 || got > IMPORT_MAX_FILE_BYTES)
			break;
	}
	if (got > IMPORT_MAX_FILE_BYTES) {
		ic->errors++;
		ret = diag(ic->d, &loc, -EINVAL, "grew past %u bytes while being read",
			   IMPORT_MAX_FILE_BYTES);
		goto out;
	}
	if (memchr(data, '\0', got)) {
		ic->errors++;
		ret = diag(ic->d, &loc, -EINVAL, "holds a NUL byte at offset %zu: this is not a "
			   "text configuration file", (size_t)((char *)memchr(data, '\0', got) - data));
		goto out;
	}
	data[got] = '\0';
	ic->total_bytes += got;
	*dev = st.st_dev;
	*ino = st.st_ino;
	*buf = data;
	*len = got;
	data = NULL;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	free(data);
	free(full);
	return ret;
}

void import_free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int import_list_dir(struct import_ctx *ic, const char *path, char ***names, size_t *n)
{
	struct srcloc loc = { NULL, 0 };
	char **list = NULL;
	size_t count = 0;
	char *full = NULL;
	DIR *dir = NULL;
	struct dirent *e;
	int fd = -1;
	int ret;

	ret = import_full_path(ic, path, &full);
	if (ret < 0)
		return ret;
	loc.file = full;
	fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_DIRECTORY);
	if (fd < 0) {
		ret = open_error(ic, full, -errno);
		goto out;
	}
	dir = fdopendir(fd);
	if (!dir) {
		ret = -errno;
		goto out;
	}
	fd = -1;
	while ((e = readdir(dir))) {
		char **grown;

		if (e->d_name[0] == '.')
			continue;
		if (count >= IMPORT_MAX_FILES) {
			ic->errors++;
			ret = diag(ic->d, &loc, -EINVAL, "holds more than %u entries; this is not "
				   "a daemon's configuration directory", IMPORT_MAX_FILES);
			goto out;
		}
		grown = realloc(list, (count + 1) * sizeof(*grown));
		if (!grown) {
			ret = -ENOMEM;
			goto out;
		}
		list = grown;
		list[count] = strdup(e->d_name);
		if (!list[count]) {
			ret = -ENOMEM;
			goto out;
		}
		count++;
	}
	if (count)
		qsort(list, count, sizeof(*list), cmp_names);
	*names = list;
	*n = count;
	list = NULL;
	count = 0;
	ret = 0;
out:
	import_free_names(list, count);
	if (dir)
		closedir(dir);
	if (fd >= 0)
		close(fd);
	free(full);
	return ret;
}
