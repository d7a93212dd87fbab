/*
 * test_state_origin: the originals remove puts back (STATE/origins) and
 * the mark a removal leaves as the record.  Entries survive a write and a
 * read byte for byte (an empty file, a file that did not exist, binary
 * content); setting a path again replaces its entry; a damaged,
 * truncated, planted (symlink) or copied file is refused with what to do,
 * and the symlink's target is never read; the mark of a removal reads
 * back as "nothing managed, removed", naming its journal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"

struct fixture {
	char root[PATH_MAX];
	char dir[PATH_MAX + 32];
	char file[PATH_MAX + 64];
	struct opts opts;
	struct diag d;
	struct ctx c;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->root, sizeof(f->root), "%s/ftpcfg-test-origin-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(f->root)) {
		free(f);
		return -1;
	}
	snprintf(f->dir, sizeof(f->dir), "%s/state", f->root);
	snprintf(f->file, sizeof(f->file), "%s/origins", f->dir);
	f->opts.root = f->root;
	f->opts.state_dir = f->dir;
	diag_init(&f->d);
	f->c = (struct ctx){ .opts = &f->opts, .diag = &f->d };
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

static bool diag_says(const struct diag *d, const char *what)
{
	for (size_t i = 0; i < d->n_recs; i++)
		if (strstr(d->recs[i].msg, what))
			return true;
	return false;
}

static const char binary[] = { 'a', '\0', 'b', '\n', (char)0xff };

/* Three entries: a file with content (binary, a NUL inside), an empty one, one that did not exist. */
static void write_three(struct fixture *f)
{
	const struct state_saved entries[] = {
		{ .path = (char *)"/etc/vsftpd.conf", .existed = true, .content = (char *)binary,
		  .len = sizeof(binary), .mode = 0640, .uid = 65534, .gid = 4 },
		{ .path = (char *)"/etc/empty.conf", .existed = true, .content = (char *)"",
		  .len = 0, .mode = 0600 },
		{ .path = (char *)"/etc/new.conf", .existed = false },
	};
	struct state_origins o = { 0 };
	struct state s;

	for (size_t i = 0; i < 3; i++)
		assert_int_equal(state_origins_set(&o, &entries[i]), 0);
	assert_int_equal(state_open(&f->c, STATE_LOCK, &s), 0);
	assert_int_equal(state_create(&s), 0);
	assert_int_equal(state_origins_write(&s, &o), 0);
	state_close(&s);
	state_origins_release(&o);
}

static void test_state_origin_round_trip(void **state)
{
	struct fixture *f = *state;
	const struct state_saved *e;
	struct state_origins o;
	struct state s;
	struct stat st;

	write_three(f);
	assert_int_equal(stat(f->file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(state_open(&f->c, 0, &s), 0);
	assert_int_equal(state_origins_read(&s, &o), 0);
	assert_int_equal(o.n_files, 3);
	e = state_origins_find(&o, "/etc/vsftpd.conf");
	assert_non_null(e);
	assert_true(e->existed);
	assert_int_equal(e->len, sizeof(binary));
	assert_memory_equal(e->content, binary, sizeof(binary));
	assert_int_equal(e->mode, 0640);
	assert_int_equal(e->uid, 65534);
	assert_int_equal(e->gid, 4);
	e = state_origins_find(&o, "/etc/empty.conf");
	assert_non_null(e);
	assert_true(e->existed);
	assert_int_equal(e->len, 0);
	e = state_origins_find(&o, "/etc/new.conf");
	assert_non_null(e);
	assert_false(e->existed);
	assert_null(e->content);
	assert_null(state_origins_find(&o, "/etc/other.conf"));
	state_origins_release(&o);
	state_close(&s);
}

/* No file: no originals, and no error (nothing was ever taken over). */
static void test_state_origin_none(void **state)
{
	struct fixture *f = *state;
	struct state_origins o;
	struct state s;

	assert_int_equal(state_open(&f->c, 0, &s), 0);
	assert_int_equal(state_origins_read(&s, &o), 0);
	assert_int_equal(o.n_files, 0);
	state_close(&s);
}

static void test_state_origin_set_replaces(void **state)
{
	const struct state_saved a = { .path = (char *)"/etc/a", .existed = true,
				       .content = (char *)"one", .len = 3, .mode = 0644 };
	const struct state_saved b = { .path = (char *)"/etc/a", .existed = false };
	struct state_origins o = { 0 };

	(void)state;
	assert_int_equal(state_origins_set(&o, &a), 0);
	assert_int_equal(state_origins_set(&o, &b), 0);
	assert_int_equal(o.n_files, 1);
	assert_false(state_origins_find(&o, "/etc/a")->existed);
	state_origins_release(&o);
}

static void flip_byte(const char *path, off_t at)
{
	int fd = open(path, O_RDWR);
	unsigned char c;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, at), 1);
	c ^= 0x20;
	assert_int_equal(pwrite(fd, &c, 1, at), 1);
	close(fd);
}

static void expect_refused(struct fixture *f, const char *how)
{
	struct state_origins o;
	struct state s;

	assert_int_equal(state_open(&f->c, 0, &s), 0);
	if (state_origins_read(&s, &o) != -EUCLEAN)
		fail_msg("%s originals were believed", how);
	assert_int_equal(o.n_files, 0);
	assert_true(diag_says(&f->d, "are damaged"));
	assert_true(diag_says(&f->d, "rm "));
	state_close(&s);
}

static void test_state_origin_refuses_damage(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	write_three(f);
	assert_int_equal(stat(f->file, &st), 0);
	for (off_t at = 0; at < st.st_size; at += 5) {
		flip_byte(f->file, at);
		expect_refused(f, "flipped");
		flip_byte(f->file, at);
	}
	for (off_t len = st.st_size - 1; len >= 0; len -= 9) {
		write_three(f);
		assert_int_equal(truncate(f->file, len), 0);
		expect_refused(f, "truncated");
	}
}

/* A symlink planted as the originals is not followed: its target is never read. */
static void test_state_origin_refuses_symlink(void **state)
{
	struct fixture *f = *state;
	char target[PATH_MAX + 64];
	char *cmd = NULL;

	write_three(f);
	snprintf(target, sizeof(target), "%s/planted", f->root);
	assert_int_equal(rename(f->file, target), 0);
	assert_int_equal(symlink(target, f->file), 0);
	expect_refused(f, "a symlink to good");
	/* Nor a FIFO, which a read would block on. */
	assert_int_equal(unlink(f->file), 0);
	assert_int_equal(mkfifo(f->file, 0600), 0);
	expect_refused(f, "a FIFO as");
	/* Nor a copy from another state directory (the same bytes, another directory). */
	assert_int_equal(unlink(f->file), 0);
	assert_int_equal(rename(target, f->file), 0);
	assert_true(asprintf(&cmd, "cp -a '%s' '%s.copy' && rm -rf '%s' && mv '%s.copy' '%s'",
			     f->dir, f->dir, f->dir, f->dir, f->dir) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	expect_refused(f, "copied");
}

/* The mark of a removal: nothing managed, removed, naming its journal; not damaged. */
static void test_state_origin_removal_mark(void **state)
{
	struct fixture *f = *state;
	uint8_t journal[STATE_SHA256_LEN];
	struct state s;

	state_sha256("journal", 7, journal);
	assert_int_equal(state_open(&f->c, STATE_LOCK, &s), 0);
	assert_int_equal(state_create(&s), 0);
	assert_null(state_record_journal(&s));
	assert_int_equal(state_record_write_removed(&s, journal), 0);
	state_close(&s);
	assert_int_equal(state_open(&f->c, 0, &s), 0);
	assert_null(s.rec);
	assert_false(s.rec_damaged);
	assert_true(s.removed);
	assert_true(s.removed_time > 0);
	assert_non_null(state_record_journal(&s));
	assert_memory_equal(state_record_journal(&s), journal, STATE_SHA256_LEN);
	state_close(&s);
	/* A damaged mark is a damaged record, not a removal. */
	snprintf(f->file, sizeof(f->file), "%s/record", f->dir);
	flip_byte(f->file, 30);
	assert_int_equal(state_open(&f->c, 0, &s), 0);
	assert_true(s.rec_damaged);
	assert_false(s.removed);
	assert_null(state_record_journal(&s));
	state_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_state_origin_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_origin_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_origin_set_replaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_origin_refuses_damage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_origin_refuses_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_origin_removal_mark, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
