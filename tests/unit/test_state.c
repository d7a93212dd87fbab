/*
 * test_state: the state directory and its formats.  Every example's
 * ruleset survives the record unchanged; a record of the largest site
 * the site limit admits is written and read; a damaged, truncated or
 * foreign record or journal is refused; a state directory that is a
 * symlink, someone else's or writable by others is refused with the
 * command that fixes it; a symlink planted inside is never followed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nft_text.h"
#include "ruleset.h"
#include "site.h"
#include "state.h"

struct fixture {
	char root[PATH_MAX];
	char dir[PATH_MAX + 32];
	struct opts opts;
	struct diag d;
	struct ctx c;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->root, sizeof(f->root), "%s/ftpcfg-test-state-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(f->root)) {
		free(f);
		return -1;
	}
	snprintf(f->dir, sizeof(f->dir), "%s/state", f->root);
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

static char *schema_path(void)
{
	const char *dir = getenv("FTPCFG_TEMPLATE_DIR");
	char *p = NULL;

	assert_true(asprintf(&p, "%s/site.xsd", dir && *dir ? dir : "templates") > 0);
	return p;
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
	snprintf(path, sizeof(path), "%s/record", f->dir);
	assert_int_equal(stat(path, &st), 0);
	/* 10/16 of a /48's two 16-byte ends: a range costs 32 bytes. */
	assert_true(st.st_size < 300000 * 33);
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
 * A record of version 2 (an older ftpcfg's: no conflict-check verdict
 * after the instance) is still read, with the verdict unknown; an unknown
 * verdict byte in a version 3 one is damage.  Both made from a version 3
 * record: the byte after the instance taken out (or changed), sealed again.
 */
static void reseal_as(const char *path, const char magic[8], const uint8_t *p, size_t len,
		      uint32_t version)
{
	uint8_t head[20];
	uint8_t sum[STATE_SHA256_LEN];
	uint64_t n = len - sizeof(head);
	FILE *out;
	uint8_t *all = malloc(len);

	assert_non_null(all);
	memcpy(head, magic, 8);
	for (int i = 0; i < 4; i++)
		head[8 + i] = (uint8_t)(version >> (8 * i));
	for (int i = 0; i < 8; i++)
		head[12 + i] = (uint8_t)(n >> (8 * i));
	memcpy(all, head, sizeof(head));
	memcpy(all + sizeof(head), p + sizeof(head), len - sizeof(head));
	state_sha256(all, len, sum);
	out = fopen(path, "wb");
	assert_non_null(out);
	assert_int_equal(fwrite(all, 1, len, out), len);
	assert_int_equal(fwrite(sum, 1, sizeof(sum), out), sizeof(sum));
	assert_int_equal(fclose(out), 0);
	free(all);
}

static void reseal(const char *path, const uint8_t *p, size_t len, uint32_t version)
{
	reseal_as(path, "FTPCFGR\n", p, len, version);
}

/* A state file, whole, into @buf (of @cap bytes); its length without the seal. */
static size_t slurp(const char *path, uint8_t *buf, size_t cap)
{
	FILE *in = fopen(path, "rb");
	size_t len;

	assert_non_null(in);
	len = fread(buf, 1, cap, in);
	fclose(in);
	assert_true(len > 20 + STATE_SHA256_LEN && len < cap);
	return len - STATE_SHA256_LEN;
}

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
	len = slurp(path, buf, sizeof(buf));
	at = memmem(buf, len, "boot/v1-test", 12);
	assert_non_null(at);
	off = (size_t)(at - buf) + 12;
	assert_int_equal(buf[off], STATE_GUARD_NO_FOREIGN);

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
	reseal(path, buf, len - 1, 5);
	assert_int_equal(state_open(&f->c, 0, &s), 0);
	assert_true(s.rec_damaged);
	state_close(&s);
	reseal(path, buf, len - 1, 1);
	assert_int_equal(state_open(&f->c, 0, &s), 0);
	assert_true(s.rec_damaged);
	state_close(&s);
}

/* Replace the state directory by a copy of itself: same files, another directory. */
static void move_by_copy(const struct fixture *f)
{
	char *cmd = NULL;

	assert_true(asprintf(&cmd, "cp -a '%s' '%s.copy' && rm -rf '%s' && mv '%s.copy' '%s'",
			     f->dir, f->dir, f->dir, f->dir, f->dir) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
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

/* A journal written for another directory (copied, or planted) is refused. */
static void test_state_journal_round_trip_and_binding(void **state)
{
	struct fixture *f = *state;
	struct ruleset shape = { .family = IR_FAMILY_INET, .table = (char *)"ftpcfg" };
	struct state_saved file = { .path = (char *)"/etc/x.conf", .existed = true,
				    .content = (char *)"old\n", .len = 4, .mode = 0640 };
	char *reload = (char *)"true";
	struct state_journal j = { .files = &file, .n_files = 1, .shape = &shape,
				   .reloads = &reload, .n_reloads = 1 };
	struct state_journal back;
	struct state s;

	assert_int_equal(state_open(&f->c, STATE_LOCK, &s), 0);
	assert_int_equal(state_create(&s), 0);
	assert_int_equal(state_journal_write(&s, &j, NULL), 0);
	assert_int_equal(state_journal_read(&s, false, &back), 0);
	assert_int_equal(back.n_files, 1);
	assert_string_equal(back.files[0].content, "old\n");
	assert_int_equal(back.files[0].mode, 0640);
	assert_string_equal(back.reloads[0], "true");
	assert_null(back.ruleset);
	assert_memory_equal(back.sha256, j.sha256, STATE_SHA256_LEN);
	state_journal_release(&back);
	assert_int_equal(state_journal_close(&s), 0);
	assert_int_equal(state_journal_read(&s, false, &back), -ENOENT);
	assert_int_equal(state_journal_read(&s, true, &back), 0);
	state_journal_release(&back);
	state_close(&s);
	move_by_copy(f);
	assert_int_equal(state_open(&f->c, STATE_LOCK, &s), 0);
	assert_int_equal(state_journal_read(&s, true, &back), -EUCLEAN);
	state_close(&s);
}

/* The ruleset of the vsftpd-passive example (an allowlist): the caller frees it. */
static struct ruleset *example_ruleset(struct fixture *f)
{
	char *schema = schema_path();
	struct site *site = NULL;
	struct ruleset *rs = NULL;

	assert_int_equal(site_load("examples/vsftpd-passive.xml", schema, &f->d, &site), 0);
	assert_int_equal(ruleset_build(site, &rs), 0);
	assert_true(rs->n_sets > 0);
	site_free(site);
	free(schema);
	return rs;
}

static off_t file_size(const struct fixture *f, const char *name)
{
	char path[PATH_MAX + 64];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

/*
 * A journal whose ruleset is the one its copy of the record holds keeps
 * it once: smaller than the journal that writes it out, and read back the
 * same.  A journal of version 3 (before) is still read.
 */
static void test_state_journal_ruleset_in_record(void **state)
{
	struct fixture *f = *state;
	struct ruleset *rs = example_ruleset(f);
	struct state_record r = { .site = (char *)"/s.xml", .ruleset = rs };
	struct ruleset shape = { .family = rs->family, .table = rs->table };
	struct state_journal j = { .shape = &shape };
	struct state_journal back;
	char path[PATH_MAX + 64];
	static uint8_t buf[1 << 16];
	off_t inline_size;
	size_t len;
	char *a = NULL;
	char *b = NULL;
	struct state s;

	assert_int_equal(state_open(&f->c, STATE_LOCK, &s), 0);
	assert_int_equal(state_create(&s), 0);
	assert_int_equal(state_record_write(&s, &r), 0);
	j.record = s.rec_written;
	j.record_len = s.rec_written_len;
	assert_int_equal(state_journal_write(&s, &j, rs), 0);
	inline_size = file_size(f, "journal");
	j.ruleset_in_record = true;
	assert_int_equal(state_journal_write(&s, &j, rs), 0);
	assert_true(file_size(f, "journal") < inline_size - 64);
	assert_int_equal(state_journal_read(&s, false, &back), 0);
	assert_true(back.ruleset_in_record);
	assert_non_null(back.ruleset);
	assert_int_equal(nft_text_render(rs, 0, &a), 0);
	assert_int_equal(nft_text_render(back.ruleset, 0, &b), 0);
	assert_string_equal(a, b);
	free(b);
	b = NULL;
	state_journal_release(&back);

	/* Named in a record that is not there: the journal writes the ruleset out. */
	j.record = NULL;
	j.record_len = 0;
	assert_int_equal(state_journal_write(&s, &j, rs), 0);
	assert_int_equal(state_journal_read(&s, false, &back), 0);
	assert_false(back.ruleset_in_record);
	assert_int_equal(nft_text_render(back.ruleset, 0, &b), 0);
	assert_string_equal(a, b);
	free(b);
	b = NULL;
	state_journal_release(&back);

	/* Version 3 wrote the ruleset out as this one does without the record: still read. */
	snprintf(path, sizeof(path), "%s/journal", f->dir);
	len = slurp(path, buf, sizeof(buf));
	reseal_as(path, "FTPCFGJ\n", buf, len, 3);
	assert_int_equal(state_journal_read(&s, false, &back), 0);
	assert_int_equal(nft_text_render(back.ruleset, 0, &b), 0);
	assert_string_equal(a, b);
	state_journal_release(&back);
	/* ... and a journal of a version this ftpcfg does not know is refused. */
	reseal_as(path, "FTPCFGJ\n", buf, len, 5);
	assert_int_equal(state_journal_read(&s, false, &back), -EUCLEAN);
	state_close(&s);
	free(a);
	free(b);
	ruleset_free(rs);
}

/*
 * A generation keeps what the change left with the ruleset once, inside
 * its record, and no copy of the journal; one written by the version
 * before (a copy of the journal first) is still read.
 */
static void test_state_generation_keeps_the_ruleset_once(void **state)
{
	struct fixture *f = *state;
	struct ruleset *rs = example_ruleset(f);
	struct state_record r = { .site = (char *)"/s.xml", .ruleset = rs };
	struct ruleset shape = { .family = rs->family, .table = rs->table };
	struct state_journal j = { .shape = &shape };
	struct state_journal after = { .shape = &shape, .ruleset = rs };
	struct state_gen g = { .user = (char *)"root", .command = (char *)"apply",
			       .outcome = (char *)"applied" };
	struct state_gen back;
	struct state_journal left;
	char path[PATH_MAX + 64];
	static uint8_t buf[1 << 16];
	static uint8_t v1[(1 << 16) + 8];
	uint8_t *at;
	size_t len;
	size_t off;
	char *a = NULL;
	char *b = NULL;
	struct state s;

	assert_int_equal(state_open(&f->c, STATE_LOCK, &s), 0);
	assert_int_equal(state_create(&s), 0);
	assert_int_equal(state_journal_write(&s, &j, NULL), 0);
	assert_int_equal(state_record_write(&s, &r), 0);
	after.record = s.rec_written;
	after.record_len = s.rec_written_len;
	after.ruleset_in_record = true;
	memcpy(g.journal_sha256, j.sha256, STATE_SHA256_LEN);
	assert_int_equal(state_gen_write(&s, &g, &after), 0);
	assert_int_equal(g.number, 1);
	/* The record, the header and the target: not a second ruleset. */
	assert_true(file_size(f, "gen.1") < file_size(f, "record") + 512);
	assert_int_equal(state_gen_read(&s, 1, &back, &left), 0);
	assert_true(left.ruleset_in_record);
	assert_int_equal(nft_text_render(rs, 0, &a), 0);
	assert_int_equal(nft_text_render(left.ruleset, 0, &b), 0);
	assert_string_equal(a, b);
	free(b);
	b = NULL;
	assert_memory_equal(back.journal_sha256, j.sha256, STATE_SHA256_LEN);
	state_gen_release(&back);
	state_journal_release(&left);

	/* Version 1: the same, with a copy of the journal (here empty) before what it left. */
	snprintf(path, sizeof(path), "%s/gen.1", f->dir);
	len = slurp(path, buf, sizeof(buf));
	at = memmem(buf, len, j.sha256, STATE_SHA256_LEN);
	assert_non_null(at);
	off = (size_t)(at - buf) + STATE_SHA256_LEN;
	memcpy(v1, buf, off);
	memset(v1 + off, 0, 8);
	memcpy(v1 + off + 8, buf + off, len - off);
	reseal_as(path, "FTPCFGH\n", v1, len + 8, 1);
	assert_int_equal(state_gen_read(&s, 1, &back, &left), 0);
	assert_int_equal(nft_text_render(left.ruleset, 0, &b), 0);
	assert_string_equal(a, b);
	state_gen_release(&back);
	state_journal_release(&left);
	/* The version 2 layout sealed as 1 is not a generation. */
	reseal_as(path, "FTPCFGH\n", buf, len, 1);
	assert_int_equal(state_gen_read(&s, 1, &back, &left), -EUCLEAN);
	state_close(&s);
	free(a);
	free(b);
	ruleset_free(rs);
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
		cmocka_unit_test_setup_teardown(test_state_record_bound_to_its_directory, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_state_refuses_hostile_directory, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_state_never_follows_symlinks_inside, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_state_journal_round_trip_and_binding, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_state_journal_ruleset_in_record, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_state_generation_keeps_the_ruleset_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_state_sha256_is_sha256sum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_lock_covers_the_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_open_creates_nothing, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
