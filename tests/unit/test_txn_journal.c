/*
 * txn_journal: the lock excludes a second run, a journal round-trips what
 * it saved, restoring puts files back (and removes new ones), and closing
 * keeps it as last/ for rollback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "txn.h"

struct fixture {
	char root[64];
	char state[96];
	struct diag d;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	strcpy(f->root, "/tmp/ftpcfg-test-XXXXXX");
	if (!mkdtemp(f->root))
		return -1;
	snprintf(f->state, sizeof(f->state), "%s/var/lib/ftpcfg", f->root);
	diag_init(&f->d);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->root);
	if (system(cmd) != 0)
		return -1;
	diag_release(&f->d);
	free(f);
	return 0;
}

static char *slurp(const struct fixture *f, const char *path)
{
	struct diag d;
	struct stat st;
	char *out = NULL;
	size_t len;

	diag_init(&d);
	assert_int_equal(txn_read_file(f->root, path, &out, &len, &st, &d), 0);
	diag_release(&d);
	return out;
}

static void test_txn_journal_lock_excludes_second_run(void **state)
{
	struct fixture *f = *state;
	struct txn a;
	struct txn b;

	assert_int_equal(txn_begin(&a, f->root, f->state, &f->d), 0);
	assert_int_equal(txn_begin(&b, f->root, f->state, &f->d), -EAGAIN);
	assert_non_null(strstr(f->d.recs[0].msg, "holds the lock"));
	txn_end(&b);
	txn_end(&a);
	assert_int_equal(txn_begin(&b, f->root, f->state, &f->d), 0);
	txn_end(&b);
}

static void test_txn_journal_restore_puts_files_back(void **state)
{
	char *rules;
	struct fixture *f = *state;
	const char *paths[] = { "/etc/a.conf", "/etc/new.conf" };
	struct txn_journal j;
	struct txn_journal back;
	struct txn t;
	char *text;

	assert_int_equal(txn_write_file(f->root, "/etc/a.conf", "old\n", 4, 0640, &f->d), 0);
	assert_int_equal(txn_begin(&t, f->root, f->state, &f->d), 0);
	rules = strdup("RULES");
	assert_int_equal(txn_journal_write(&t, paths, 2, &rules, NULL, "{\"m\":1}", &j), 0);
	/* The journal took the caller's ruleset. */
	assert_null(rules);
	assert_true(j.files[0].existed);
	assert_false(j.files[1].existed);

	/* The change. */
	assert_int_equal(txn_write_file(f->root, "/etc/a.conf", "new\n", 4, 0644, &f->d), 0);
	assert_int_equal(txn_write_file(f->root, "/etc/new.conf", "x\n", 2, 0644, &f->d), 0);

	/* What a later run finds after a crash. */
	assert_int_equal(txn_journal_read(&t, "journal", &back), 0);
	assert_int_equal(back.n_files, 2);
	assert_string_equal(back.ruleset, "RULES");
	assert_string_equal(back.meta, "{\"m\":1}");
	assert_int_equal(back.files[0].mode, 0640);
	assert_int_equal(txn_journal_restore_files(&t, &back), 0);
	text = slurp(f, "/etc/a.conf");
	assert_string_equal(text, "old\n");
	free(text);
	assert_null(slurp(f, "/etc/new.conf"));
	assert_int_equal(txn_journal_discard(&t), 0);
	txn_journal_release(&back);
	assert_int_equal(txn_journal_read(&t, "journal", &back), -ENOENT);
	txn_journal_release(&j);
	txn_end(&t);
}

/* The record's ruleset is linked, not copied, and outlives the record being replaced. */
static void test_txn_journal_links_the_recorded_ruleset(void **state)
{
	char *rules;
	struct fixture *f = *state;
	struct txn_journal j;
	struct txn_journal back;
	struct stat a;
	struct stat b;
	char path[256];
	struct txn t;

	assert_int_equal(txn_begin(&t, f->root, f->state, &f->d), 0);
	assert_int_equal(txn_write_file(f->state, TXN_APPLIED_RULESET, "RULES", 5, 0600, &f->d), 0);
	rules = strdup("RULES");
	assert_int_equal(txn_journal_write(&t, NULL, 0, &rules, TXN_APPLIED_RULESET, NULL, &j), 0);
	snprintf(path, sizeof(path), "%s%s", f->state, TXN_APPLIED_RULESET);
	assert_int_equal(stat(path, &a), 0);
	snprintf(path, sizeof(path), "%s/journal/ruleset", f->state);
	assert_int_equal(stat(path, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	/* The apply records its new ruleset: the journal keeps the old one. */
	assert_int_equal(txn_write_file(f->state, TXN_APPLIED_RULESET, "NEW", 3, 0600, &f->d), 0);
	assert_int_equal(txn_journal_read(&t, "journal", &back), 0);
	assert_string_equal(back.ruleset, "RULES");
	txn_journal_release(&back);
	txn_journal_release(&j);
	/* No such state file: the ruleset is written instead. */
	assert_int_equal(txn_journal_discard(&t), 0);
	rules = strdup("OTHER");
	assert_int_equal(txn_journal_write(&t, NULL, 0, &rules, "/missing.json", NULL, &j), 0);
	assert_int_equal(txn_journal_read(&t, "journal", &back), 0);
	assert_string_equal(back.ruleset, "OTHER");
	txn_journal_release(&back);
	txn_journal_release(&j);
	txn_end(&t);
}

static void test_txn_journal_close_keeps_last(void **state)
{
	struct fixture *f = *state;
	const char *paths[] = { "/etc/a.conf" };
	struct txn_journal j;
	struct txn_journal last;
	struct txn t;
	char *rec = NULL;

	assert_int_equal(txn_begin(&t, f->root, f->state, &f->d), 0);
	for (int round = 0; round < 2; round++) {
		char body[16];

		snprintf(body, sizeof(body), "v%d\n", round);
		assert_int_equal(txn_journal_write(&t, paths, 1, NULL, NULL, NULL, &j), 0);
		assert_int_equal(txn_write_file(f->root, paths[0], body, strlen(body), 0644,
						&f->d), 0);
		assert_int_equal(txn_journal_close(&t), 0);
		txn_journal_release(&j);
	}
	assert_int_equal(txn_journal_read(&t, "journal", &last), -ENOENT);
	assert_int_equal(txn_journal_read(&t, "last", &last), 0);
	assert_true(last.files[0].existed);
	assert_string_equal(last.files[0].content, "v0\n");
	assert_null(last.ruleset);
	txn_journal_release(&last);

	assert_int_equal(txn_read_record(&t, &rec), 0);
	assert_null(rec);
	assert_int_equal(txn_record(&t, "{\"outcome\":\"applied\"}"), 0);
	assert_int_equal(txn_read_record(&t, &rec), 0);
	assert_string_equal(rec, "{\"outcome\":\"applied\"}");
	free(rec);
	txn_end(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_txn_journal_lock_excludes_second_run, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_txn_journal_restore_puts_files_back, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_txn_journal_links_the_recorded_ruleset, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_txn_journal_close_keeps_last, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
