/*
 * test_state_journal: the journal and the generations.  A journal round-
 * trips and is bound to its directory; one whose ruleset is its record's
 * keeps it once and reads it back from there; a generation keeps what the
 * change left with the ruleset once, inside its record; the versions
 * before (journal 3, generation 1) are still read, unknown ones refused.
 */
#include <errno.h>
#include <string.h>

#include "nft_text.h"
#include "ruleset.h"
#include "site.h"
#include "state_fixture.h"

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

/* @got prints as @want does. */
static void assert_same_ruleset(const struct ruleset *want, const struct ruleset *got)
{
	char *a = NULL;
	char *b = NULL;

	assert_non_null(got);
	assert_int_equal(nft_text_render(want, 0, &a), 0);
	assert_int_equal(nft_text_render(got, 0, &b), 0);
	assert_string_equal(a, b);
	free(a);
	free(b);
}

/*
 * Open @f's state directory to change it and write a record of @rs there;
 * s->rec_written holds it as written.
 */
static void open_with_record(struct fixture *f, struct ruleset *rs, struct state *s)
{
	struct state_record r = { .site = (char *)"/s.xml", .ruleset = rs };

	assert_int_equal(state_open(&f->c, STATE_LOCK, s), 0);
	assert_int_equal(state_create(s), 0);
	assert_int_equal(state_record_write(s, &r), 0);
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
	struct ruleset shape = { .family = rs->family, .table = rs->table };
	struct state_journal j = { .shape = &shape };
	struct state_journal back;
	char path[PATH_MAX + 64];
	static uint8_t buf[1 << 16];
	off_t inline_size;
	size_t len;
	struct state s;

	open_with_record(f, rs, &s);
	j.record = s.rec_written;
	j.record_len = s.rec_written_len;
	assert_int_equal(state_journal_write(&s, &j, rs), 0);
	inline_size = file_size(f, "journal");
	j.ruleset_in_record = true;
	assert_int_equal(state_journal_write(&s, &j, rs), 0);
	assert_true(file_size(f, "journal") < inline_size - 64);
	assert_int_equal(state_journal_read(&s, false, &back), 0);
	assert_true(back.ruleset_in_record);
	assert_same_ruleset(rs, back.ruleset);
	state_journal_release(&back);

	/* Named in a record that is not there: the journal writes the ruleset out. */
	j.record = NULL;
	j.record_len = 0;
	assert_int_equal(state_journal_write(&s, &j, rs), 0);
	assert_int_equal(state_journal_read(&s, false, &back), 0);
	assert_false(back.ruleset_in_record);
	assert_same_ruleset(rs, back.ruleset);
	state_journal_release(&back);

	/* Version 3 wrote the ruleset out as this one does without the record: still read. */
	snprintf(path, sizeof(path), "%s/journal", f->dir);
	len = slurp(path, buf, sizeof(buf));
	reseal_as(path, "FTPCFGJ\n", buf, len, 3);
	assert_int_equal(state_journal_read(&s, false, &back), 0);
	assert_same_ruleset(rs, back.ruleset);
	state_journal_release(&back);
	/* ... and a journal of a version this ftpcfg does not know is refused. */
	reseal_as(path, "FTPCFGJ\n", buf, len, 5);
	assert_int_equal(state_journal_read(&s, false, &back), -EUCLEAN);
	state_close(&s);
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
	struct ruleset shape = { .family = rs->family, .table = rs->table };
	struct state_journal j = { .shape = &shape };
	struct state_journal after = { .shape = &shape, .ruleset = rs, .ruleset_in_record = true };
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
	struct state s;

	open_with_record(f, rs, &s);
	assert_int_equal(state_journal_write(&s, &j, NULL), 0);
	after.record = s.rec_written;
	after.record_len = s.rec_written_len;
	memcpy(g.journal_sha256, j.sha256, STATE_SHA256_LEN);
	assert_int_equal(state_gen_write(&s, &g, &after), 0);
	assert_int_equal(g.number, 1);
	/* The record, the header and the target: not a second ruleset. */
	assert_true(file_size(f, "gen.1") < file_size(f, "record") + 512);
	assert_int_equal(state_gen_read(&s, 1, &back, &left), 0);
	assert_true(left.ruleset_in_record);
	assert_same_ruleset(rs, left.ruleset);
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
	assert_same_ruleset(rs, left.ruleset);
	state_gen_release(&back);
	state_journal_release(&left);
	/* The version 2 layout sealed as 1 is not a generation. */
	reseal_as(path, "FTPCFGH\n", buf, len, 1);
	assert_int_equal(state_gen_read(&s, 1, &back, &left), -EUCLEAN);
	state_close(&s);
	ruleset_free(rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_state_journal_round_trip_and_binding, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_state_journal_ruleset_in_record, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_state_generation_keeps_the_ruleset_once, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
