/*
 * test_txn: atomic file writes below a temp root.  Parents are created, an
 * existing file keeps its mode, a symlink anywhere on the way is refused,
 * and a failed write leaves neither a temp file nor a changed target.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "txn.h"

struct fixture {
	char root[PATH_MAX];
	struct diag d;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->root, sizeof(f->root), "%s/ftpcfg-test-txn-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(f->root)) {
		free(f);
		return -1;
	}
	diag_init(&f->d);
	*state = f;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	nftw(f->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	diag_release(&f->d);
	free(f);
	return 0;
}

/* @rel below the root, in @buf. */
static const char *at(const struct fixture *f, const char *rel, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s%s", f->root, rel);

	assert_true(n > 0 && (size_t)n < size);
	return buf;
}

static void put(const struct fixture *f, const char *rel, const char *text, mode_t mode)
{
	char path[PATH_MAX + 64];
	int fd = open(at(f, rel, path, sizeof(path)), O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void mkdir_at(const struct fixture *f, const char *rel)
{
	char path[PATH_MAX + 64];

	assert_int_equal(mkdir(at(f, rel, path, sizeof(path)), 0755), 0);
}

static void assert_content(const struct fixture *f, const char *rel, const char *text)
{
	char path[PATH_MAX + 64];
	char buf[4096];
	FILE *fp = fopen(at(f, rel, path, sizeof(path)), "r");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	assert_string_equal(buf, text);
}

static bool exists(const struct fixture *f, const char *rel)
{
	char path[PATH_MAX + 64];
	struct stat st;

	return lstat(at(f, rel, path, sizeof(path)), &st) == 0;
}

/* How many entries @rel (a directory) holds, "." and ".." aside. */
static size_t n_entries(const struct fixture *f, const char *rel)
{
	char path[PATH_MAX + 64];
	DIR *dir = opendir(at(f, rel, path, sizeof(path)));
	struct dirent *e;
	size_t n = 0;

	assert_non_null(dir);
	while ((e = readdir(dir)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(dir);
	return n;
}

static struct stat stat_of(const struct fixture *f, const char *rel)
{
	char path[PATH_MAX + 64];
	struct stat st;

	assert_int_equal(lstat(at(f, rel, path, sizeof(path)), &st), 0);
	return st;
}

static bool diag_says(const struct diag *d, const char *substr)
{
	for (size_t i = 0; i < d->n_recs; i++)
		if (strstr(d->recs[i].msg, substr))
			return true;
	return false;
}

static void test_txn_write_creates_parents(void **state)
{
	struct fixture *f = *state;
	const char *text = "listen=YES\n";

	assert_int_equal(txn_write_file(f->root, "/etc/ftp/deep/vsftpd.conf", text, strlen(text),
					0640, &f->d), 0);
	assert_int_equal(f->d.n_recs, 0);
	assert_content(f, "/etc/ftp/deep/vsftpd.conf", text);
	assert_true(S_ISDIR(stat_of(f, "/etc/ftp").st_mode));
	/* A new file gets exactly the mode asked for, whatever the umask. */
	assert_int_equal(stat_of(f, "/etc/ftp/deep/vsftpd.conf").st_mode & 07777, 0640);
	/* Nothing else beside it: the temp file was renamed into place. */
	assert_int_equal(n_entries(f, "/etc/ftp/deep"), 1);
}

static void test_txn_write_replaces_atomically(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX + 64];
	char alias[PATH_MAX + 64];
	struct stat before;

	mkdir_at(f, "/etc");
	put(f, "/etc/x.conf", "old\n", 0644);
	before = stat_of(f, "/etc/x.conf");
	/* A second name for the old inode sees the old content after the write. */
	assert_int_equal(link(at(f, "/etc/x.conf", path, sizeof(path)),
			      at(f, "/old-x", alias, sizeof(alias))), 0);
	assert_int_equal(txn_write_file(f->root, "/etc/x.conf", "new\n", 4, 0600, &f->d), 0);
	assert_content(f, "/etc/x.conf", "new\n");
	assert_content(f, "/old-x", "old\n");
	assert_true(stat_of(f, "/etc/x.conf").st_ino != before.st_ino);
	assert_int_equal(n_entries(f, "/etc"), 1);
	/* Empty content is a file too. */
	assert_int_equal(txn_write_file(f->root, "/etc/x.conf", "", 0, 0600, &f->d), 0);
	assert_int_equal(stat_of(f, "/etc/x.conf").st_size, 0);
}

static void test_txn_write_keeps_mode(void **state)
{
	struct fixture *f = *state;

	mkdir_at(f, "/etc");
	put(f, "/etc/ftp.conf", "old\n", 0600);
	assert_int_equal(txn_write_file(f->root, "/etc/ftp.conf", "new\n", 4, 0644, &f->d), 0);
	assert_int_equal(stat_of(f, "/etc/ftp.conf").st_mode & 07777, 0600);
	assert_int_equal(stat_of(f, "/etc/ftp.conf").st_uid, getuid());
	put(f, "/etc/other.conf", "old\n", 0751);
	assert_int_equal(txn_write_file(f->root, "/etc/other.conf", "new\n", 4, 0600, &f->d), 0);
	assert_int_equal(stat_of(f, "/etc/other.conf").st_mode & 07777, 0751);
}

static void test_txn_write_refuses_symlink_target(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX + 64];

	mkdir_at(f, "/etc");
	put(f, "/real.conf", "real\n", 0644);
	assert_int_equal(symlink("../real.conf", at(f, "/etc/x.conf", path, sizeof(path))), 0);
	assert_int_equal(txn_write_file(f->root, "/etc/x.conf", "new\n", 4, 0644, &f->d), -ELOOP);
	assert_true(diag_says(&f->d, "it is a symlink"));
	assert_content(f, "/real.conf", "real\n");
	assert_true(S_ISLNK(stat_of(f, "/etc/x.conf").st_mode));
	assert_int_equal(n_entries(f, "/etc"), 1);

	/* A dangling link is refused as well: it would create a file elsewhere. */
	assert_int_equal(symlink("/nonexistent/y", at(f, "/etc/y.conf", path, sizeof(path))), 0);
	assert_int_equal(txn_write_file(f->root, "/etc/y.conf", "new\n", 4, 0644, &f->d), -ELOOP);
}

/*
 * A run killed while writing leaves .NAME.ftpcfg-tmp-PID beside the file;
 * the next write of NAME removes it (and nothing else).
 */
static void test_txn_write_removes_stale_temps(void **state)
{
	struct fixture *f = *state;

	mkdir_at(f, "/etc");
	put(f, "/etc/.x.conf.ftpcfg-tmp-99999", "half\n", 0600);
	put(f, "/etc/.y.conf.ftpcfg-tmp-99999", "other\n", 0600);
	put(f, "/etc/.x.conf.keep", "mine\n", 0600);
	assert_int_equal(txn_write_file(f->root, "/etc/x.conf", "new\n", 4, 0644, &f->d), 0);
	assert_false(exists(f, "/etc/.x.conf.ftpcfg-tmp-99999"));
	assert_true(exists(f, "/etc/.y.conf.ftpcfg-tmp-99999"));
	assert_true(exists(f, "/etc/.x.conf.keep"));
	assert_content(f, "/etc/x.conf", "new\n");
}

static void test_txn_write_refuses_symlink_parent(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX + 64];
	char target[PATH_MAX + 64];
	int ret;

	mkdir_at(f, "/elsewhere");
	assert_int_equal(symlink("elsewhere", at(f, "/etc", path, sizeof(path))), 0);
	ret = txn_write_file(f->root, "/etc/x.conf", "new\n", 4, 0644, &f->d);
	assert_true(ret == -ELOOP || ret == -ENOTDIR);
	assert_true(diag_says(&f->d, "ftpcfg does not follow symlinks"));
	assert_false(exists(f, "/elsewhere/x.conf"));
	assert_int_equal(n_entries(f, "/elsewhere"), 0);

	/* Deeper down too, and through an absolute link. */
	mkdir_at(f, "/a");
	assert_int_equal(symlink(at(f, "/elsewhere", target, sizeof(target)),
				 at(f, "/a/b", path, sizeof(path))), 0);
	ret = txn_write_file(f->root, "/a/b/c/x.conf", "new\n", 4, 0644, &f->d);
	assert_true(ret == -ELOOP || ret == -ENOTDIR);
	assert_int_equal(n_entries(f, "/elsewhere"), 0);
}

static void test_txn_write_refuses_non_files(void **state)
{
	struct fixture *f = *state;

	mkdir_at(f, "/etc");
	mkdir_at(f, "/etc/dir.conf");
	/* Not the site's fault: never -EINVAL, which is exit 65. */
	assert_int_equal(txn_write_file(f->root, "/etc/dir.conf", "x", 1, 0644, &f->d), -EISDIR);
	assert_true(diag_says(&f->d, "not a regular file"));
	assert_int_equal(txn_write_file(f->root, "/etc/", "x", 1, 0644, &f->d), -EISDIR);
	/* A file where a directory should be */
	put(f, "/etc/file", "x", 0644);
	assert_int_equal(txn_write_file(f->root, "/etc/file/x.conf", "x", 1, 0644, &f->d),
			 -ENOTDIR);
	assert_int_equal(n_entries(f, "/etc"), 2);
}

/* ".." must not climb out of the root. */
static void test_txn_write_stays_below_root(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX + 64];
	int ret;

	mkdir_at(f, "/root");
	snprintf(path, sizeof(path), "%s/root", f->root);
	ret = txn_write_file(path, "/etc/../../escape.conf", "x", 1, 0644, &f->d);
	assert_true(ret < 0);
	assert_false(exists(f, "/escape.conf"));
	ret = txn_write_file(path, "/../escape.conf", "x", 1, 0644, &f->d);
	assert_true(ret < 0);
	assert_false(exists(f, "/escape.conf"));
}

static void test_txn_write_failure_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	struct rlimit old;
	struct rlimit small;
	void (*old_handler)(int);
	char big[8192];
	int ret;

	mkdir_at(f, "/etc");
	put(f, "/etc/x.conf", "old\n", 0644);
	memset(big, 'x', sizeof(big));
	/* Writes past 1 KiB fail with EFBIG, even for root: after the temp file exists. */
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small = old;
	small.rlim_cur = 1024;
	old_handler = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	ret = txn_write_file(f->root, "/etc/x.conf", big, sizeof(big), 0644, &f->d);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, old_handler);
	assert_int_equal(ret, -EFBIG);
	assert_true(diag_says(&f->d, "cannot write the temporary file"));
	assert_content(f, "/etc/x.conf", "old\n");
	assert_int_equal(n_entries(f, "/etc"), 1);
	/* A new file that fails leaves no file at all. */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	signal(SIGXFSZ, SIG_IGN);
	ret = txn_write_file(f->root, "/etc/new.conf", big, sizeof(big), 0644, &f->d);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, old_handler);
	assert_int_equal(ret, -EFBIG);
	assert_false(exists(f, "/etc/new.conf"));
	assert_int_equal(n_entries(f, "/etc"), 1);
}

static void test_txn_write_reports_path(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX + 64];

	mkdir_at(f, "/etc");
	assert_int_equal(symlink("x", at(f, "/etc/l.conf", path, sizeof(path))), 0);
	assert_int_equal(txn_write_file(f->root, "/etc/l.conf", "x", 1, 0644, &f->d), -ELOOP);
	assert_int_equal(f->d.n_errors, 1);
	snprintf(path, sizeof(path), "cannot write '%s/etc/l.conf'", f->root);
	assert_true(diag_says(&f->d, path));
}

static void test_txn_read_and_remove(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX + 64];
	struct stat st;
	char *buf = NULL;
	size_t len = 0;

	assert_int_equal(txn_write_file(f->root, "/etc/r.conf", "abc\n", 4, 0640, &f->d), 0);
	assert_int_equal(txn_read_file(f->root, "/etc/r.conf", &buf, &len, &st, &f->d), 0);
	assert_non_null(buf);
	assert_int_equal(len, 4);
	assert_string_equal(buf, "abc\n");
	assert_int_equal(st.st_mode & 07777, 0640);
	free(buf);
	/* Missing: no buffer, no error, also when a parent is missing. */
	assert_int_equal(txn_read_file(f->root, "/etc/none.conf", &buf, &len, &st, &f->d), 0);
	assert_null(buf);
	assert_int_equal(txn_read_file(f->root, "/nodir/none.conf", &buf, &len, &st, &f->d), 0);
	assert_null(buf);
	/* A symlink is never followed. */
	assert_int_equal(symlink("r.conf", at(f, "/etc/l.conf", path, sizeof(path))), 0);
	assert_int_equal(txn_read_file(f->root, "/etc/l.conf", &buf, &len, &st, &f->d), -ELOOP);
	assert_null(buf);
	assert_int_equal(f->d.n_errors, 1);

	assert_int_equal(txn_remove_file(f->root, "/etc/r.conf", &f->d), 0);
	assert_false(exists(f, "/etc/r.conf"));
	assert_int_equal(txn_remove_file(f->root, "/etc/r.conf", &f->d), 0);
	assert_int_equal(txn_remove_file(f->root, "/nodir/r.conf", &f->d), 0);
	/* Removing the link removes the link, not its target. */
	put(f, "/etc/r.conf", "abc\n", 0644);
	assert_int_equal(txn_remove_file(f->root, "/etc/l.conf", &f->d), 0);
	assert_false(exists(f, "/etc/l.conf"));
	assert_content(f, "/etc/r.conf", "abc\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_txn_write_creates_parents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txn_write_replaces_atomically, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txn_write_keeps_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txn_write_removes_stale_temps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txn_write_refuses_symlink_target, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_txn_write_refuses_symlink_parent, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_txn_write_refuses_non_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txn_write_stays_below_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txn_write_failure_leaves_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_txn_write_reports_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txn_read_and_remove, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
