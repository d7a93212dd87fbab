/*
 * test_diag: records keep level, file and line; diag() returns its error;
 * diag_print() writes the one format main promises, warnings on request.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

static int setup(void **state)
{
	struct diag *d = malloc(sizeof(*d));

	if (!d)
		return -1;
	diag_init(d);
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct diag *d = *state;

	diag_release(d);
	free(d);
	return 0;
}

/* Everything diag_print() writes, as an owned string. */
static char *printed(const struct diag *d, bool warnings)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	diag_print(d, f, warnings);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void test_diag_records(void **state)
{
	struct diag *d = *state;
	char file[] = "site.xml";
	struct srcloc loc = { file, 14 };

	assert_int_equal(d->n_recs, 0);
	assert_int_equal(diag(d, &loc, -EINVAL, "max-port '%u' is below min-port '%u'; swap them",
			      39999u, 40000u), -EINVAL);
	/* The record owns a copy of the file name. */
	strcpy(file, "XXXX.xml");
	assert_int_equal(d->n_recs, 1);
	assert_int_equal(d->n_errors, 1);
	assert_int_equal(d->recs[0].level, DIAG_ERROR);
	assert_string_equal(d->recs[0].file, "site.xml");
	assert_int_equal(d->recs[0].line, 14);
	assert_string_equal(d->recs[0].msg, "max-port '39999' is below min-port '40000'; swap them");
	assert_false(d->oom);
}

static void test_diag_returns_err(void **state)
{
	struct diag *d = *state;

	assert_int_equal(diag(d, NULL, -ENOENT, "a"), -ENOENT);
	assert_int_equal(diag(d, NULL, 0, "b"), 0);
	assert_int_equal(diag(d, NULL, -1000, "c"), -1000);
	/* Every diag() is an error, whatever it returns. */
	assert_int_equal(d->n_errors, 3);
}

static void test_diag_levels(void **state)
{
	struct diag *d = *state;
	struct srcloc loc = { "s.xml", 3 };

	diag_warn(d, &loc, "pure-ftpd cannot change its greeting");
	assert_int_equal(d->n_recs, 1);
	assert_int_equal(d->n_errors, 0);
	assert_int_equal(d->recs[0].level, DIAG_WARNING);
	diag(d, &loc, -EINVAL, "bad");
	assert_int_equal(d->n_recs, 2);
	assert_int_equal(d->n_errors, 1);
	assert_int_equal(d->recs[1].level, DIAG_ERROR);
}

static void test_diag_print_formats(void **state)
{
	struct diag *d = *state;
	char *out;

	diag(d, &(struct srcloc){ "site.xml", 14 }, -EINVAL, "with a line");
	diag(d, &(struct srcloc){ "site.xml", 0 }, -EINVAL, "with a file only");
	diag(d, &(struct srcloc){ NULL, 7 }, -EINVAL, "with neither file nor line");
	diag(d, NULL, -EINVAL, "without a location");
	out = printed(d, true);
	assert_string_equal(out, "ftpcfg: site.xml:14: with a line\n"
				 "ftpcfg: site.xml: with a file only\n"
				 "ftpcfg: with neither file nor line\n"
				 "ftpcfg: without a location\n");
	free(out);
	/* A record without a file has line 0 when it had no location at all. */
	assert_null(d->recs[3].file);
	assert_int_equal(d->recs[3].line, 0);
}

static void test_diag_print_warnings(void **state)
{
	struct diag *d = *state;
	char *out;

	diag_warn(d, &(struct srcloc){ "s.xml", 3 }, "first warning");
	diag(d, &(struct srcloc){ "s.xml", 4 }, -EINVAL, "an error");
	diag_warn(d, NULL, "second warning");
	out = printed(d, true);
	/* In the order recorded. */
	assert_string_equal(out, "ftpcfg: s.xml:3: warning: first warning\n"
				 "ftpcfg: s.xml:4: an error\n"
				 "ftpcfg: warning: second warning\n");
	free(out);
	out = printed(d, false);
	assert_string_equal(out, "ftpcfg: s.xml:4: an error\n");
	free(out);
}

static void test_diag_print_empty(void **state)
{
	struct diag *d = *state;
	char *out = printed(d, true);

	assert_string_equal(out, "");
	free(out);
}

/* Many records: the array grows and keeps every one. */
static void test_diag_many_records(void **state)
{
	struct diag *d = *state;

	for (unsigned i = 0; i < 1000; i++)
		diag(d, &(struct srcloc){ "s.xml", i + 1 }, -EINVAL, "error %u", i);
	assert_int_equal(d->n_recs, 1000);
	assert_int_equal(d->n_errors, 1000);
	assert_int_equal(d->recs[999].line, 1000);
	assert_string_equal(d->recs[999].msg, "error 999");
	assert_string_equal(d->recs[0].msg, "error 0");
}

/* A message is printed as given: '%' in a value is not a conversion. */
static void test_diag_percent_in_values(void **state)
{
	struct diag *d = *state;
	char *out;

	diag(d, &(struct srcloc){ "100%s.xml", 1 }, -EINVAL, "banner '%s'", "50%n off %s");
	out = printed(d, true);
	assert_string_equal(out, "ftpcfg: 100%s.xml:1: banner '50%n off %s'\n");
	free(out);
}

static void test_diag_release_resets(void **state)
{
	struct diag *d = *state;

	diag(d, &(struct srcloc){ "s.xml", 1 }, -EINVAL, "x");
	diag_warn(d, NULL, "y");
	diag_release(d);
	assert_int_equal(d->n_recs, 0);
	assert_int_equal(d->n_errors, 0);
	assert_null(d->recs);
	assert_false(d->oom);
	/* Usable again after a release. */
	diag(d, NULL, -EINVAL, "z");
	assert_int_equal(d->n_recs, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_diag_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diag_returns_err, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diag_levels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diag_print_formats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diag_print_warnings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diag_print_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diag_many_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diag_percent_in_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diag_release_resets, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
