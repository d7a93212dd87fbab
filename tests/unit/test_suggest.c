/*
 * suggest: the edit distance behind every "did you mean": each edit costs
 * one, a swap of two neighbours too, case does not count, and a name too
 * long to judge is far from everything.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "suggest.h"

static void test_suggest_edits_cost_one(void **state)
{
	(void)state;
	assert_int_equal(suggest_distance("apply", "apply"), 0);
	assert_int_equal(suggest_distance("aply", "apply"), 1);	/* insert */
	assert_int_equal(suggest_distance("appply", "apply"), 1);	/* delete */
	assert_int_equal(suggest_distance("apgly", "apply"), 1);	/* substitute */
	assert_int_equal(suggest_distance("", "diff"), 4);
	assert_int_equal(suggest_distance("status", "rollback"), 8);
}

static void test_suggest_swap_costs_one(void **state)
{
	(void)state;
	assert_int_equal(suggest_distance("acitve", "active"), 1);
	assert_int_equal(suggest_distance("pasv_mni_port", "pasv_min_port"), 1);
}

static void test_suggest_ignores_case(void **state)
{
	(void)state;
	assert_int_equal(suggest_distance("PassivePorts", "passiveports"), 0);
	assert_int_equal(suggest_distance("Local_Umsk", "local_umask"), 1);
}

static void test_suggest_long_names_are_far(void **state)
{
	char longer[SUGGEST_MAX_LEN + 2];

	(void)state;
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	assert_int_equal(suggest_distance(longer, "a"), SUGGEST_FAR);
	assert_int_equal(suggest_distance("a", longer), SUGGEST_FAR);
	longer[SUGGEST_MAX_LEN] = '\0';	/* exactly the limit: still judged */
	assert_int_equal(suggest_distance(longer, longer), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_suggest_edits_cost_one),
		cmocka_unit_test(test_suggest_swap_costs_one),
		cmocka_unit_test(test_suggest_ignores_case),
		cmocka_unit_test(test_suggest_long_names_are_far),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
