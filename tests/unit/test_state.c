/*
 * test_state: the state directory and the record.  Every example's
 * ruleset survives the record unchanged; a record of the largest site
 * the site limit admits is written and read; a damaged, truncated,
 * foreign or older record is refused or read as it should be; the
 * ruleset file a record names is checked like the record, and the ones
 * nothing names are swept; a state
 * directory that is a symlink, someone else's or writable by others is
 * refused with the command that fixes it; a symlink planted inside is
 * never followed; the locks and the hashes.  The journal and the
 * generations: tests/unit/test_state_journal.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nft_text.h"
#include "ruleset.h"
#include "site.h"
#include "state_fixture.h"

static bool diag_says(const struct diag *d, const char *what)
{
	for (size_t i = 0; i < d->n_recs; i++)
		if (strstr(d->recs[i].msg, what))
			return true;
	return false;
}

/* Write @rs as a record, read it back through a fresh open: the same nft text. */
static void record_round_trip(struct fixture *f, struct ruleset *rs)
{
	struct state_record r = { .site = (char *)"/s.xml", .genid = 7,
				  .instance = (char *)"boot/1", .ruleset = rs,
				  .guard = STATE_GUARD_NO_FOREIGN };
	struct state_file file = { .path = (char *)"/etc/vsftpd.conf" };
	struct state s;
	char *a = NULL;
	char *b = NULL;

	r.files = &file;
	r.n_files = 1;
	state_sha256("x", 1, file.sha256);
	assert_int_equal(state_open(&f->c, STATE_LOCK, &s), 0);
	assert_int_equal(state_create(&s), 0);
	assert_int_equal(state_record_write(&s, &r), 0);
	state_close(&s);
	assert_int_equal(state_open(&f->c, 0, &s), 0);
	assert_false(s.rec_damaged);
	assert_non_null(s.rec);
	assert_int_equal(s.rec->genid, 7);
	assert_string_equal(s.rec->instance, "boot/1");
	assert_int_equal(s.rec->guard, STATE_GUARD_NO_FOREIGN);
	assert_string_equal(s.rec->files[0].path, "/etc/vsftpd.conf");
	assert_memory_equal(s.rec->files[0].sha256, file.sha256, STATE_SHA256_LEN);
	assert_int_equal(nft_text_render(rs, 0, &a), 0);
	assert_int_equal(nft_text_render(s.rec->ruleset, 0, &b), 0);
	assert_string_equal(a, b);
	free(b);
	b = NULL;
	state_close(&s);
	/* The head alone, then the ruleset: the same record. */
	assert_int_equal(state_open(&f->c, STATE_RECORD_HEAD, &s), 0);
	assert_non_null(s.rec);
	assert_null(s.rec->ruleset);
	assert_int_equal(s.rec->genid, 7);
	assert_string_equal(s.rec->files[0].path, "/etc/vsftpd.conf");
	assert_int_equal(state_record_complete(&s), 0);
	assert_false(s.rec_damaged);
	assert_non_null(s.rec->ruleset);
	assert_int_equal(nft_text_render(s.rec->ruleset, 0, &b), 0);
	assert_string_equal(a, b);
	/* Complete already: nothing more to do. */
	assert_int_equal(state_record_complete(&s), 0);
	free(a);
	free(b);
	state_close(&s);
}

static void test_state_record_examples_round_trip(void **state)
{
	struct fixture *f = *state;
	char *schema = schema_path();
	glob_t g;

	assert_int_equal(glob("examples/*.xml", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 9);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct site *s = NULL;
		struct ruleset *rs = NULL;

		assert_int_equal(site_load(g.gl_pathv[i], schema, &f->d, &s), 0);
		assert_int_equal(ruleset_build(s, &rs), 0);
		record_round_trip(f, rs);
		ruleset_free(rs);
		site_free(s);
	}
	globfree(&g);
	free(schema);
}

/* The path of the one ruleset file in the state directory. */
static void ruleset_file(const struct fixture *f, char path[PATH_MAX + 64])
{
	char pattern[PATH_MAX + 64];
	glob_t g;

	snprintf(pattern, sizeof(pattern), "%s/rs.*", f->dir);
	assert_int_equal(glob(pattern, 0, NULL, &g), 0);
	assert_int_equal(g.gl_pathc, 1);
	snprintf(path, PATH_MAX + 64, "%s", g.gl_pathv[0]);
	globfree(&g);
}

static size_t count_ruleset_files(const struct fixture *f)
{
	char pattern[PATH_MAX + 64];
	glob_t g;
	size_t n;

	snprintf(pattern, sizeof(pattern), "%s/rs.*", f->dir);
	if (glob(pattern, 0, NULL, &g) == GLOB_NOMATCH)
		return 0;
	n = g.gl_pathc;
	globfree(&g);
	return n;
}

/* 300 000 IPv6 networks (a site of ~12.6 MB, under the 16 MiB limit) fit the record. */
static void test_state_record_holds_the_largest_site(void **state)
{
	struct fixture *f = *state;
	struct ruleset rs = { .family = IR_FAMILY_INET, .table = (char *)"ftpcfg" };
	struct ir_set set = { .name = (char *)"s_allow_v6", .addr_family = AF_INET6,
			      .flags = IR_SET_INTERVAL };
	char path[PATH_MAX + 64];
	struct stat st;

	assert_int_equal(ir_set_reserve(&set, 300000), 0);
	for (uint32_t i = 0; i < 300000; i++) {
		struct ir_range *r = &set.elems[set.n_elems++];

		memset(r, 0, sizeof(*r));
		r->lo[0] = r->hi[0] = 0x20;
		r->lo[1] = r->hi[1] = 0x01;
		r->lo[2] = r->hi[2] = (uint8_t)(i >> 16);
		r->lo[3] = r->hi[3] = (uint8_t)(i >> 8);
		r->lo[4] = r->hi[4] = (uint8_t)i;
		memset(r->hi + 5, 0xff, 11);
	}
	rs.sets = &set;
	rs.n_sets = 1;
	record_round_trip(f, &rs);
	/* The record names the ruleset, kept in a file of its own. */
	snprintf(path, sizeof(path), "%s/record", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size < 4096);
	ruleset_file(f, path);
	assert_int_equal(stat(path, &st), 0);
	/* 10/16 of a /48's two 16-byte ends: a range costs 32 bytes. */
	assert_true(st.st_size > 300000 * 32 && st.st_size < 300000 * 33);
	free(set.elems);
}

static void flip_byte(const char *path, off_t where)
{
	int fd = open(path, O_RDWR);
	char c;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, where), 1);
	c ^= 0x20;
	assert_int_equal(pwrite(fd, &c, 1, where), 1);
	close(fd);
}

static void write_simple_record(struct fixture *f)
{
	struct ruleset rs = { .family = IR_FAMILY_INET, .table = (char *)"ftpcfg" };
	struct state_record r = { .ruleset = &rs };
	struct state s;

	assert_int_equal(state_open(&f->c, STATE_LOCK, &s), 0);
	assert_int_equal(state_create(&s), 0);
	assert_int_equal(state_record_write(&s, &r), 0);
	state_close(&s);
}

static void test_state_record_refuses_damage(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX + 64];
	struct state s;
	struct stat st;

	write_simple_record(f);
	snprintf(path, sizeof(path), "%s/record", f->dir);
	assert_int_equal(stat(path, &st), 0);
	for (off_t at = 0; at < st.st_size; at += 7) {
		flip_byte(path, at);
		assert_int_equal(state_open(&f->c, 0, &s), 0);
		assert_true(s.rec_damaged);
		assert_null(s.rec);
		state_close(&s);
		flip_byte(path, at);
	}
	assert_int_equal(truncate(path, st.st_size - 1), 0);
	assert_int_equal(state_open(&f->c, 0, &s), 0);
	assert_true(s.rec_damaged);
	state_close(&s);
}

/*
 * The ruleset file is believed like the record: a flipped byte, a
 * truncation, a missing file, another record's ruleset under its name or
 * a symlink to a good copy make the record damaged (read whole, or when
 * its ruleset is completed), never a wrong ruleset.
 */
static void test_state_ruleset_file_refuses_damage(void **state)
{
	struct fixture *f = *state;
	struct ruleset other = { .family = IR_FAMILY_IP, .table = (char *)"other" };
	char path[PATH_MAX + 64];
	char keep[PATH_MAX + 64];
	char cmd[3 * PATH_MAX];
	struct state s;
	struct stat st;

	write_simple_record(f);
	ruleset_file(f, path);
	assert_int_equal(stat(path, &st), 0);
	for (off_t at = 0; at < st.st_size; at += 5) {
		flip_byte(path, at);
		assert_int_equal(state_open(&f->c, 0, &s), 0);
		assert_true(s.rec_damaged);
		state_close(&s);
		/* Read head first: the damage shows when the ruleset is completed. */
		assert_int_equal(state_open(&f->c, STATE_RECORD_HEAD, &s), 0);
		assert_non_null(s.rec);
		assert_int_equal(state_record_complete(&s), 0);
		assert_true(s.rec_damaged);
		assert_null(s.rec);
		state_close(&s);
		flip_byte(path, at);
	}
	assert_int_equal(state_open(&f->c, 0, &s), 0);
	assert_false(s.rec_damaged);
	state_close(&s);

	/* Truncated; then missing. */
	snprintf(keep, sizeof(keep), "%s/keep", f->root);
	snprintf(cmd, sizeof(cmd), "cp -p '%s' '%s'", path, keep);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(truncate(path, st.st_size - 1), 0);
	assert_int_equal(state_open(&f->c, 0, &s), 0);
	assert_true(s.rec_damaged);
	state_close(&s);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(state_open(&f->c, 0, &s), 0);
	assert_true(s.rec_damaged);
	state_close(&s);

	/* A symlink to the good copy is not followed. */
	assert_int_equal(symlink(keep, path), 0);
	assert_int_equal(state_open(&f->c, 0, &s), 0);
	assert_true(s.rec_damaged);
	state_close(&s);
	assert_int_equal(unlink(path), 0);

	/*
	 * Another record's ruleset under this one's name: the first record
	 * put back over a second, the second's ruleset file renamed to the
	 * name the first gives.
	 */
	{
		struct state_record r = { .ruleset = &other };
		char record[PATH_MAX + 64];
		char theirs[PATH_MAX + 64];

		snprintf(record, sizeof(record), "%s/record", f->dir);
		snprintf(cmd, sizeof(cmd), "cp -p '%s' '%s.1'", record, keep);
		assert_int_equal(system(cmd), 0);
		assert_int_equal(state_open(&f->c, STATE_LOCK, &s), 0);
		assert_int_equal(state_record_write(&s, &r), 0);
		state_close(&s);
		ruleset_file(f, theirs);
		assert_string_not_equal(theirs, path);
		assert_int_equal(rename(theirs, path), 0);
		snprintf(cmd, sizeof(cmd), "%s.1", keep);
		assert_int_equal(rename(cmd, record), 0);
		assert_int_equal(state_open(&f->c, 0, &s), 0);
		assert_true(s.rec_damaged);
		state_close(&s);
	}
}

/* A record of a table named @table, written by a locked run of its own. */
static void write_record_of(struct fixture *f, const char *table, struct state_journal *j)
{
	struct ruleset rs = { .family = IR_FAMILY_INET, .table = (char *)table };
	struct ruleset shape = { .family = IR_FAMILY_INET, .table = (char *)table };
	struct state_record r = { .ruleset = &rs };
	struct state s;

	assert_int_equal(state_open(&f->c, STATE_LOCK, &s), 0);
	assert_int_equal(state_create(&s), 0);
	if (j) {
		/* A journal of the change, keeping the record before it. */
		*j = (struct state_journal){ .shape = &shape, .record = s.rec_raw,
					     .record_len = s.rec_raw_len };
		assert_int_equal(state_journal_write(&s, j, NULL), 0);
	}
	assert_int_equal(state_record_write(&s, &r), 0);
	state_close(&s);
}

/*
 * The sweep keeps the ruleset files the record, the journal, the last
 * journal and the generations name, and removes the others (and only
 * files of its own names); when something cannot be read it removes none.
 */
static void test_state_ruleset_files_swept(void **state)
{
	struct fixture *f = *state;
	struct state_journal j;
	char path[PATH_MAX + 128];
	struct state s;

	write_record_of(f, "a", NULL);
	assert_int_equal(count_ruleset_files(f), 1);
	write_record_of(f, "b", NULL);
	assert_int_equal(count_ruleset_files(f), 1);
	/* The journal keeps the record before ("b"), the record names "c". */
	write_record_of(f, "c", &j);
	assert_int_equal(count_ruleset_files(f), 2);
	assert_int_equal(state_open(&f->c, STATE_LOCK, &s), 0);
	assert_int_equal(state_journal_close(&s), 0);
	state_close(&s);
	/* Now the last journal keeps it. */
	assert_int_equal(count_ruleset_files(f), 2);

	/* A name of the sweep's own that nothing names goes; another name stays. */
	snprintf(path, sizeof(path), "%s/rs.%s", f->dir,
		 "0000000000000000000000000000000000000000000000000000000000000000");
	assert_int_equal(close(open(path, O_WRONLY | O_CREAT, 0600)), 0);
	snprintf(path, sizeof(path), "%s/rs.notours", f->dir);
	assert_int_equal(close(open(path, O_WRONLY | O_CREAT, 0600)), 0);
	write_record_of(f, "d", &j);
	/* record "d", journal "c" (the record before), last "b": rs.notours stays */
	assert_int_equal(count_ruleset_files(f), 4);

	/* A generation that cannot be read may name any: nothing is swept. */
	snprintf(path, sizeof(path), "%s/gen.1", f->dir);
	assert_int_equal(close(open(path, O_WRONLY | O_CREAT, 0600)), 0);
	write_record_of(f, "e", NULL);
	assert_int_equal(count_ruleset_files(f), 5);
	assert_int_equal(unlink(path), 0);
	write_record_of(f, "f", NULL);
	/* record "f", journal "c", last "b", and rs.notours */
	assert_int_equal(count_ruleset_files(f), 4);
}

static void reseal(const char *path, const uint8_t *p, size_t len, uint32_t version)
{
	reseal_as(path, "FTPCFGR\n", p, len, version);
}

/*
 * The record before version 6 from a record of this version (@buf, @len
 * bytes without the seal): the ruleset inline where the hash of its file
 * was.  The new length.
 */
static size_t inline_ruleset(const struct fixture *f, uint8_t *buf, size_t len, size_t cap)
{
	static uint8_t rs[4096];
	char path[PATH_MAX + 64];
	size_t n;

	ruleset_file(f, path);
	n = slurp(path, rs, sizeof(rs));
	/* Its head (20 bytes) and the directory it is bound to (16), then the ruleset. */
	assert_true(len - STATE_SHA256_LEN + n - 36 <= cap);
	memcpy(buf + len - STATE_SHA256_LEN, rs + 36, n - 36);
	assert_int_equal(unlink(path), 0);
	return len - STATE_SHA256_LEN + n - 36;
}

/*
 * A record of version 5 (the ruleset inline, no file of its own) is still
 * read; so is one of version 2 (an older ftpcfg's: no conflict-check
 * verdict after the instance), with the verdict unknown; an unknown
 * verdict byte in a version 3 one is damage.  All made from a record of
 * this version: the ruleset put inline, the byte after the instance taken
 * out (or changed), sealed again.
 */
static void test_state_record_reads_version_2(void **state)
{
	struct fixture *f = *state;
	struct ruleset rs = { .family = IR_FAMILY_INET, .table = (char *)"ftpcfg" };
	struct state_record r = { .site = (char *)"/s.xml", .genid = 9,
				  .instance = (char *)"boot/v1-test", .ruleset = &rs,
				  .guard = STATE_GUARD_NO_FOREIGN };
	char path[PATH_MAX + 64];
	uint8_t buf[4096];
	uint8_t *at;
	size_t len;
	size_t off;
	struct state s;

	assert_int_equal(state_open(&f->c, STATE_LOCK, &s), 0);
	assert_int_equal(state_create(&s), 0);
	assert_int_equal(state_record_write(&s, &r), 0);
	state_close(&s);
	snprintf(path, sizeof(path), "%s/record", f->dir);
	len = inline_ruleset(f, buf, slurp(path, buf, sizeof(buf)), sizeof(buf));
	at = memmem(buf, len, "boot/v1-test", 12);
	assert_non_null(at);
	off = (size_t)(at - buf) + 12;
	assert_int_equal(buf[off], STATE_GUARD_NO_FOREIGN);

	/* version 5: the ruleset inline, no file needed */
	reseal(path, buf, len, 5);
	assert_int_equal(state_open(&f->c, 0, &s), 0);
	assert_false(s.rec_damaged);
	assert_non_null(s.rec);
	assert_false(s.rec->has_ruleset_sha256);
	assert_non_null(s.rec->ruleset);
	assert_string_equal(s.rec->ruleset->table, "ftpcfg");
	state_close(&s);

	/* an unknown verdict: damage */
	buf[off] = 7;
	reseal(path, buf, len, 3);
	assert_int_equal(state_open(&f->c, 0, &s), 0);
	assert_true(s.rec_damaged);
	state_close(&s);

	/* version 2: read, the verdict unknown */
	memmove(buf + off, buf + off + 1, len - off - 1);
	reseal(path, buf, len - 1, 2);
	assert_int_equal(state_open(&f->c, 0, &s), 0);
	assert_false(s.rec_damaged);
	assert_non_null(s.rec);
	assert_int_equal(s.rec->genid, 9);
	assert_string_equal(s.rec->instance, "boot/v1-test");
	assert_int_equal(s.rec->guard, STATE_GUARD_UNKNOWN);
	state_close(&s);

	/* a version this ftpcfg does not know (newer, or without the backend): damage */
	reseal(path, buf, len - 1, 7);
	assert_int_equal(state_open(&f->c, 0, &s), 0);
	assert_true(s.rec_damaged);
	state_close(&s);
	reseal(path, buf, len - 1, 1);
	assert_int_equal(state_open(&f->c, 0, &s), 0);
	assert_true(s.rec_damaged);
	state_close(&s);
}

/* A record copied from another state directory is not this one's. */
static void test_state_record_bound_to_its_directory(void **state)
{
	struct fixture *f = *state;
	struct state s;

	write_simple_record(f);
	move_by_copy(f);
	assert_int_equal(state_open(&f->c, 0, &s), 0);
	assert_true(s.rec_damaged);
	state_close(&s);
}

static void test_state_refuses_hostile_directory(void **state)
{
	struct fixture *f = *state;
	char elsewhere[PATH_MAX + 32];
	struct state s;

	/* A symlink as the state directory. */
	snprintf(elsewhere, sizeof(elsewhere), "%s/elsewhere", f->root);
	assert_int_equal(mkdir(elsewhere, 0700), 0);
	assert_int_equal(symlink(elsewhere, f->dir), 0);
	assert_int_equal(state_open(&f->c, STATE_LOCK, &s), -EPERM);
	assert_true(diag_says(&f->d, "is a symlink"));
	assert_true(diag_says(&f->d, "mkdir -m 0700"));
	state_close(&s);
	assert_int_equal(unlink(f->dir), 0);

	/* Writable by others, and by the group. */
	assert_int_equal(mkdir(f->dir, 0700), 0);
	assert_int_equal(chmod(f->dir, 0777), 0);
	assert_int_equal(state_open(&f->c, 0, &s), -EPERM);
	assert_true(diag_says(&f->d, "chmod go-w"));
	state_close(&s);
	assert_int_equal(chmod(f->dir, 0770), 0);
	assert_int_equal(state_open(&f->c, STATE_LOCK, &s), -EPERM);
	state_close(&s);

	/* Owned by someone else (only root can make that). */
	assert_int_equal(chmod(f->dir, 0700), 0);
	if (geteuid() == 0) {
		assert_int_equal(chown(f->dir, 65534, 65534), 0);
		assert_int_equal(state_open(&f->c, 0, &s), -EPERM);
		assert_true(diag_says(&f->d, "chown 0:"));
		state_close(&s);
	}
}

/* A symlink planted as the journal or the record is never followed. */
static void test_state_never_follows_symlinks_inside(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX + 64];
	char target[PATH_MAX + 64];
	struct state_journal j;
	struct state s;
	struct stat st;

	write_simple_record(f);
	snprintf(target, sizeof(target), "%s/victim", f->root);
	assert_int_equal(mkdir(target, 0700), 0);
	snprintf(path, sizeof(path), "%s/victim/keep", f->root);
	assert_int_equal(close(open(path, O_WRONLY | O_CREAT, 0600)), 0);
	snprintf(path, sizeof(path), "%s/journal", f->dir);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(state_open(&f->c, STATE_LOCK, &s), 0);
	assert_true(s.journal_left);
	assert_int_equal(state_journal_read(&s, false, &j), -EUCLEAN);
	assert_true(diag_says(&f->d, "cannot trust it"));
	state_close(&s);
	snprintf(path, sizeof(path), "%s/victim/keep", f->root);
	assert_int_equal(stat(path, &st), 0);
}

/* The hashes are SHA-256, printed as sha256sum prints them. */
static void test_state_sha256_is_sha256sum(void **state)
{
	uint8_t h[STATE_SHA256_LEN];
	char hex[STATE_SHA256_HEX];

	(void)state;
	state_sha256("abc", 3, h);
	state_sha256_hex(h, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* Two state directories over one root: the second run waits for the first (75). */
static void test_state_lock_covers_the_root(void **state)
{
	struct fixture *f = *state;
	struct opts other = f->opts;
	struct ctx c2 = f->c;
	char dir2[PATH_MAX + 32];
	struct state a;
	struct state b;

	snprintf(dir2, sizeof(dir2), "%s/state2", f->root);
	other.state_dir = dir2;
	c2.opts = &other;
	assert_int_equal(state_open(&f->c, STATE_LOCK, &a), 0);
	assert_int_equal(state_open(&c2, STATE_LOCK, &b), -EAGAIN);
	assert_true(diag_says(&f->d, "another ftpcfg run holds the lock"));
	state_close(&b);
	state_close(&a);
	assert_int_equal(state_open(&c2, STATE_LOCK, &b), 0);
	state_close(&b);
}

/* Opening to apply creates nothing: the directory appears only when a change is made. */
static void test_state_open_creates_nothing(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	struct state s;

	assert_int_equal(state_open(&f->c, STATE_LOCK, &s), 0);
	assert_null(s.rec);
	state_close(&s);
	assert_int_equal(stat(f->dir, &st), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_state_record_examples_round_trip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_state_record_holds_the_largest_site, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_state_record_refuses_damage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_record_reads_version_2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_ruleset_file_refuses_damage, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_state_ruleset_files_swept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_record_bound_to_its_directory, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_state_refuses_hostile_directory, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_state_never_follows_symlinks_inside, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_state_sha256_is_sha256sum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_lock_covers_the_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_open_creates_nothing, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
