/*
 * txn_journal: the lock and the journal that make an apply one
 * transaction.  A journal directory appears by rename, complete, before
 * anything changes, and disappears only once the change is whole or undone.
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

#include <jansson.h>

#include "txn.h"

#define JOURNAL "journal"
#define JOURNAL_NEW "journal.new"
#define LAST "last"
#define LAST_OLD "last.old"
#define MANIFEST "manifest.json"
#define RECORD "applied.json"

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

int txn_begin(struct txn *t, const char *root, const char *state_dir, struct diag *d)
{
	char *lock = NULL;
	int ret;

	memset(t, 0, sizeof(*t));
	t->lock_fd = -1;
	t->root = root;
	t->d = d;
	t->state_dir = strdup(state_dir);
	if (!t->state_dir)
		return -ENOMEM;
	ret = txn_mkdir_p(state_dir, 0700);
	if (ret < 0)
		return diag(d, NULL, ret, "cannot create the state directory '%s': %s", state_dir,
			    strerror(-ret));
	if (asprintf(&lock, "%s/lock", state_dir) < 0)
		return -ENOMEM;
	t->lock_fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (t->lock_fd < 0) {
		ret = -errno;
		diag(d, NULL, ret, "cannot open the lock '%s': %s", lock, strerror(-ret));
		goto out;
	}
	if (flock(t->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		ret = -errno;
		if (ret == -EWOULDBLOCK)
			ret = diag(d, NULL, -EAGAIN, "another ftpcfg run holds the lock '%s'; "
				   "retry when it is done", lock);
		else
			diag(d, NULL, ret, "cannot lock '%s': %s", lock, strerror(-ret));
		goto out;
	}
	t->locked = true;
	ret = 0;
out:
	free(lock);
	return ret;
}

void txn_end(struct txn *t)
{
	if (t->lock_fd > 0)
		close(t->lock_fd);	/* closing the descriptor releases the flock */
	free(t->state_dir);
	memset(t, 0, sizeof(*t));
	t->lock_fd = -1;
}

void txn_journal_release(struct txn_journal *j)
{
	for (size_t i = 0; i < j->n_files; i++) {
		free(j->files[i].path);
		free(j->files[i].content);
	}
	free(j->files);
	free(j->ruleset);
	free(j->meta);
	memset(j, 0, sizeof(*j));
}

/* Remove a directory of plain files (our journals are never deeper). */
static int remove_flat_dir(const char *state_dir, const char *name)
{
	char path[4096];
	DIR *dir;
	struct dirent *e;
	int ret = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", state_dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (unlinkat(dirfd(dir), e->d_name, 0) < 0 && errno != ENOENT)
			ret = -errno;
	}
	closedir(dir);
	if (ret == 0 && rmdir(path) < 0 && errno != ENOENT)
		ret = -errno;
	return ret;
}

static int sync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int rename_in(struct txn *t, const char *from, const char *to)
{
	char a[4096];
	char b[4096];

	if ((size_t)snprintf(a, sizeof(a), "%s/%s", t->state_dir, from) >= sizeof(a) ||
	    (size_t)snprintf(b, sizeof(b), "%s/%s", t->state_dir, to) >= sizeof(b))
		return -ENAMETOOLONG;
	if (rename(a, b) < 0)
		return -errno;
	return sync_dir(t->state_dir);
}

static int save_file(struct txn *t, const char *dir, const char *name, const char *data,
		     size_t len)
{
	char path[512];

	if ((size_t)snprintf(path, sizeof(path), "/%s/%s", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	return txn_write_file(t->state_dir, path, data, len, 0600, t->d);
}

/*
 * Hard-link the state file @from as @dir/@name.  The entry becomes durable
 * with the manifest, whose write syncs @dir.  0 or -errno.
 */
static int link_saved(struct txn *t, const char *dir, const char *name, const char *from)
{
	char a[4096];
	char b[4096];

	if ((size_t)snprintf(a, sizeof(a), "%s%s", t->state_dir, from) >= sizeof(a) ||
	    (size_t)snprintf(b, sizeof(b), "%s/%s", t->state_dir, dir) >= sizeof(b))
		return -ENAMETOOLONG;
	if (mkdir(b, 0700) < 0 && errno != EEXIST)
		return -errno;
	if ((size_t)snprintf(b, sizeof(b), "%s/%s/%s", t->state_dir, dir, name) >= sizeof(b))
		return -ENAMETOOLONG;
	/* No AT_SYMLINK_FOLLOW: a symlink would be linked as one, and refused on reading. */
	return linkat(AT_FDCWD, a, AT_FDCWD, b, 0) < 0 ? -errno : 0;
}

static int write_manifest(struct txn *t, const struct txn_journal *j)
{
	json_t *doc = json_object();
	json_t *files = json_array();
	char *text = NULL;
	int ret = -ENOMEM;

	if (!doc || !files)
		goto out;
	for (size_t i = 0; i < j->n_files; i++) {
		const struct txn_saved *f = &j->files[i];
		json_t *o = json_pack("{s:s, s:b, s:i, s:i, s:i}", "path", f->path, "existed",
				      f->existed, "mode", (int)f->mode, "uid", (int)f->uid, "gid",
				      (int)f->gid);

		if (!o || json_array_append_new(files, o) < 0)
			goto out;
	}
	if (json_object_set(doc, "files", files) < 0 ||
	    json_object_set_new(doc, "ruleset", json_boolean(j->ruleset != NULL)) < 0)
		goto out;
	text = json_dumps(doc, JSON_INDENT(2));
	if (!text)
		goto out;
	ret = save_file(t, JOURNAL_NEW, MANIFEST, text, strlen(text));
out:
	free(text);
	json_decref(files);
	json_decref(doc);
	return ret;
}

int txn_journal_write(struct txn *t, const char *const *paths, size_t n_paths,
		      char **ruleset, const char *ruleset_file, const char *meta,
		      struct txn_journal *j)
{
	char name[32];
	int ret;

	memset(j, 0, sizeof(*j));
	if (ruleset) {
		j->ruleset = *ruleset;
		*ruleset = NULL;
	}
	ret = remove_flat_dir(t->state_dir, JOURNAL_NEW);
	if (ret < 0)
		goto fail;
	j->files = calloc(n_paths ? n_paths : 1, sizeof(*j->files));
	if (!j->files) {
		ret = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < n_paths; i++) {
		struct txn_saved *f = &j->files[j->n_files++];
		struct stat st;

		f->path = strdup(paths[i]);
		if (!f->path) {
			ret = -ENOMEM;
			goto fail;
		}
		ret = txn_read_file(t->root, paths[i], &f->content, &f->len, &st, t->d);
		if (ret < 0)
			goto fail;
		f->existed = f->content != NULL;
		if (f->existed) {
			f->mode = st.st_mode & 07777;
			f->uid = st.st_uid;
			f->gid = st.st_gid;
			snprintf(name, sizeof(name), "%zu", i);
			ret = save_file(t, JOURNAL_NEW, name, f->content, f->len);
			if (ret < 0)
				goto fail;
		}
	}
	if (j->ruleset) {
		/* The record's copy, linked (2 MB at 100 000 networks); written if that fails. */
		ret = ruleset_file ? link_saved(t, JOURNAL_NEW, "ruleset", ruleset_file) : -1;
		if (ret < 0)
			ret = save_file(t, JOURNAL_NEW, "ruleset", j->ruleset, strlen(j->ruleset));
		if (ret < 0)
			goto fail;
	}
	if (meta) {
		j->meta = strdup(meta);
		if (!j->meta) {
			ret = -ENOMEM;
			goto fail;
		}
		ret = save_file(t, JOURNAL_NEW, "meta", meta, strlen(meta));
		if (ret < 0)
			goto fail;
	}
	ret = write_manifest(t, j);
	if (ret < 0)
		goto fail;
	/* The journal exists, whole, from this rename on. */
	ret = rename_in(t, JOURNAL_NEW, JOURNAL);
	if (ret < 0) {
		diag(t->d, NULL, ret, "cannot put the journal in place in '%s': %s", t->state_dir,
		     strerror(-ret));
		goto fail;
	}
	return 0;
fail:
	remove_flat_dir(t->state_dir, JOURNAL_NEW);
	txn_journal_release(j);
	return ret;
}

static int load_saved(struct txn *t, const char *dir, const char *name, char **out, size_t *len)
{
	char path[512];
	struct stat st;
	int ret;

	if ((size_t)snprintf(path, sizeof(path), "/%s/%s", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	ret = txn_read_file(t->state_dir, path, out, len, &st, t->d);
	if (ret == 0 && !*out)
		return -ENOENT;
	return ret;
}

int txn_journal_read(struct txn *t, const char *dir, struct txn_journal *j)
{
	json_t *doc = NULL;
	json_t *files;
	char *text = NULL;
	size_t len = 0;
	size_t i;
	json_t *f;
	int ret;

	memset(j, 0, sizeof(*j));
	if (!strcmp(dir, JOURNAL))
		remove_flat_dir(t->state_dir, JOURNAL_NEW);
	ret = load_saved(t, dir, MANIFEST, &text, &len);
	if (ret < 0)
		return ret;
	doc = json_loadb(text, len, 0, NULL);
	files = doc ? json_object_get(doc, "files") : NULL;
	if (!json_is_array(files)) {
		ret = diag(t->d, NULL, -EINVAL, "the journal in '%s/%s' is damaged; inspect it by "
			   "hand", t->state_dir, dir);
		goto out;
	}
	j->files = calloc(json_array_size(files) + 1, sizeof(*j->files));
	if (!j->files) {
		ret = -ENOMEM;
		goto out;
	}
	json_array_foreach(files, i, f) {
		struct txn_saved *s = &j->files[j->n_files++];
		const char *path = json_string_value(json_object_get(f, "path"));
		char name[32];

		s->existed = json_is_true(json_object_get(f, "existed"));
		s->mode = (unsigned)json_integer_value(json_object_get(f, "mode"));
		s->uid = (unsigned)json_integer_value(json_object_get(f, "uid"));
		s->gid = (unsigned)json_integer_value(json_object_get(f, "gid"));
		s->path = path ? strdup(path) : NULL;
		if (!s->path) {
			ret = path ? -ENOMEM : -EINVAL;
			goto out;
		}
		snprintf(name, sizeof(name), "%zu", i);
		if (s->existed) {
			ret = load_saved(t, dir, name, &s->content, &s->len);
			if (ret < 0)
				goto out;
		}
	}
	if (json_is_true(json_object_get(doc, "ruleset"))) {
		ret = load_saved(t, dir, "ruleset", &j->ruleset, &len);
		if (ret < 0)
			goto out;
	}
	ret = load_saved(t, dir, "meta", &j->meta, &len);
	if (ret == -ENOENT)
		ret = 0;
out:
	if (ret < 0)
		txn_journal_release(j);
	json_decref(doc);
	free(text);
	return ret;
}

int txn_journal_restore_files(struct txn *t, const struct txn_journal *j)
{
	int ret = 0;

	/* Keep going: restore as much as possible, report the first failure. */
	for (size_t i = 0; i < j->n_files; i++) {
		const struct txn_saved *f = &j->files[i];
		int r;

		if (f->existed)
			r = txn_write_file(t->root, f->path, f->content, f->len, f->mode, t->d);
		else
			r = txn_remove_file(t->root, f->path, t->d);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

int txn_journal_close(struct txn *t)
{
	int ret;

	remove_flat_dir(t->state_dir, LAST_OLD);
	ret = rename_in(t, LAST, LAST_OLD);
	if (ret < 0 && ret != -ENOENT)
		return diag(t->d, NULL, ret, "cannot retire the previous journal: %s",
			    strerror(-ret));
	ret = rename_in(t, JOURNAL, LAST);
	if (ret < 0)
		return diag(t->d, NULL, ret, "cannot close the journal: %s", strerror(-ret));
	remove_flat_dir(t->state_dir, LAST_OLD);
	return 0;
}

int txn_journal_discard(struct txn *t)
{
	int ret = remove_flat_dir(t->state_dir, JOURNAL);

	if (ret < 0)
		return diag(t->d, NULL, ret, "cannot remove the journal: %s", strerror(-ret));
	return sync_dir(t->state_dir);
}

int txn_record(struct txn *t, const char *json)
{
	return txn_write_file(t->state_dir, "/" RECORD, json, strlen(json), 0644, t->d);
}

int txn_read_record(struct txn *t, char **out)
{
	struct stat st;
	size_t len;

	return txn_read_file(t->state_dir, "/" RECORD, out, &len, &st, t->d);
}
