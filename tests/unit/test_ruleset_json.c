/*
 * ruleset_json: every example's ruleset survives the trip through JSON
 * unchanged (same JSON again, same nft text), and damaged input is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nft_text.h"
#include "ruleset.h"
#include "ruleset_json.h"
#include "site.h"

static char *schema_path(void)
{
	const char *dir = getenv("FTPCFG_TEMPLATE_DIR");
	char *p = NULL;

	assert_true(asprintf(&p, "%s/site.xsd", dir && *dir ? dir : "templates") > 0);
	return p;
}

static void round_trip(const struct ruleset *rs)
{
	struct ruleset *back = NULL;
	char *json = NULL;
	char *json2 = NULL;
	char *text = NULL;
	char *text2 = NULL;

	assert_int_equal(ruleset_to_json(rs, &json), 0);
	assert_int_equal(ruleset_from_json(json, &back), 0);
	assert_int_equal(ruleset_to_json(back, &json2), 0);
	assert_string_equal(json, json2);
	assert_int_equal(nft_text_render(rs, 0, &text), 0);
	assert_int_equal(nft_text_render(back, 0, &text2), 0);
	assert_string_equal(text, text2);
	free(json);
	free(json2);
	free(text);
	free(text2);
	ruleset_free(back);
}

static void test_ruleset_json_examples_round_trip(void **state)
{
	char *schema = schema_path();
	glob_t g;
	size_t n = 0;

	(void)state;
	assert_int_equal(glob("examples/*.xml", 0, NULL, &g), 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct diag d;
		struct site *s = NULL;
		struct ruleset *rs = NULL;

		diag_init(&d);
		assert_int_equal(site_load(g.gl_pathv[i], schema, &d, &s), 0);
		assert_int_equal(ruleset_build(s, &rs), 0);
		round_trip(rs);
		ruleset_free(rs);
		site_free(s);
		diag_release(&d);
		n++;
	}
	assert_true(n >= 9);
	globfree(&g);
	free(schema);
}

static void test_ruleset_json_refuses_damage(void **state)
{
	struct ruleset *rs = NULL;

	(void)state;
	assert_int_equal(ruleset_from_json("", &rs), -EINVAL);
	assert_int_equal(ruleset_from_json("{\"format\": 99}", &rs), -EINVAL);
	assert_int_equal(ruleset_from_json("{\"format\": 1, \"table\": \"t\", \"helpers\": [], "
					   "\"sets\": [{\"name\": \"s\", \"af\": 2, \"elems\": "
					   "[\"zz\"]}], \"chains\": []}", &rs), -EINVAL);
	assert_null(rs);
	/* Format 2: one hex string of 4 * 4 digits per IPv4 range; a torn one is refused. */
	assert_int_equal(ruleset_from_json("{\"format\": 2, \"table\": \"t\", \"helpers\": [], "
					   "\"sets\": [{\"name\": \"s\", \"af\": 2, \"elems\": "
					   "\"0a0000000a0000\"}], \"chains\": []}", &rs), -EINVAL);
	assert_int_equal(ruleset_from_json("{\"format\": 2, \"table\": \"t\", \"helpers\": [], "
					   "\"sets\": [{\"name\": \"s\", \"af\": 2, \"elems\": "
					   "\"0a0000000a0000fg\"}], \"chains\": []}", &rs), -EINVAL);
	assert_null(rs);
}

/* A state directory written before format 2 (one "lo-hi" string per range) still reads. */
static void test_ruleset_json_reads_format_1(void **state)
{
	struct ruleset *rs = NULL;
	char *json = NULL;

	(void)state;
	assert_int_equal(ruleset_from_json("{\"format\": 1, \"family\": 0, \"table\": \"t\", "
					   "\"helpers\": [], \"sets\": [{\"name\": \"s\", "
					   "\"af\": 2, \"flags\": 1, \"elems\": [\"0a000000-0a0000ff\", "
					   "\"c0000200-c00002ff\"]}], \"chains\": []}", &rs), 0);
	assert_int_equal(rs->n_sets, 1);
	assert_int_equal(rs->sets[0].n_elems, 2);
	assert_int_equal(rs->sets[0].elems[1].lo[0], 0xc0);
	assert_int_equal(rs->sets[0].elems[1].hi[3], 0xff);
	/* Written back as format 3: the document, then the set's line of hex. */
	assert_int_equal(ruleset_to_json(rs, &json), 0);
	assert_non_null(strstr(json, "\"elems\":0"));
	assert_non_null(strstr(json, "}\n0a0000000a0000ffc0000200c00002ff\n"));
	free(json);
	ruleset_free(rs);
}

/* Format 3: a line of elements missing or torn, or junk after format 2, is refused. */
static void test_ruleset_json_format_3_damage(void **state)
{
	struct ruleset *rs = NULL;
	const char *doc = "{\"format\": 3, \"table\": \"t\", \"helpers\": [], \"sets\": "
			  "[{\"name\": \"s\", \"af\": 2, \"elems\": 1}], \"chains\": []}";
	char *text = NULL;

	(void)state;
	assert_true(asprintf(&text, "%s\n0a0000000a0000ff\n", doc) > 0);
	assert_int_equal(ruleset_from_json(text, &rs), -EINVAL);	/* no line 1 */
	free(text);
	assert_true(asprintf(&text, "%s\n\n0a0000000a0000f\n", doc) > 0);
	assert_int_equal(ruleset_from_json(text, &rs), -EINVAL);	/* torn */
	free(text);
	assert_true(asprintf(&text, "%s\n\n0a0000000a0000ff\n", doc) > 0);
	assert_int_equal(ruleset_from_json(text, &rs), 0);
	assert_int_equal(rs->sets[0].n_elems, 1);
	ruleset_free(rs);
	rs = NULL;
	free(text);
	assert_int_equal(ruleset_from_json("{\"format\": 2, \"table\": \"t\", \"helpers\": [], "
					   "\"sets\": [], \"chains\": []} junk", &rs), -EINVAL);
	assert_null(rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ruleset_json_examples_round_trip),
		cmocka_unit_test(test_ruleset_json_refuses_damage),
		cmocka_unit_test(test_ruleset_json_reads_format_1),
		cmocka_unit_test(test_ruleset_json_format_3_damage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
