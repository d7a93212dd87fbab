/*
 * test_site_xsd: the schema read as a document (site_xsd.c), which the
 * messages quote.  Every value the schema restricts can be described in
 * words (an enumeration, a range, a length, or the pattern's
 * <xs:documentation>), every element the parser reads is one the schema
 * declares, and the nearest-name guess suggests what a person would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/site_internal.h"

static const char *const elements[] = {
	"site", "firewall", "server", "config", "listen", "active", "passive", "tls", "users",
	"limits", "allow", "banner", "directive", "network",
};

#define N_ELEMENTS (sizeof(elements) / sizeof(elements[0]))

static int setup(void **state)
{
	const char *dir = getenv("FTPCFG_TEMPLATE_DIR");
	char path[4096];
	struct site_xsd *x = NULL;

	snprintf(path, sizeof(path), "%s/site.xsd", dir && *dir ? dir : "templates");
	if (site_xsd_load(path, &x) < 0)
		return -1;
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	site_xsd_free(*state);
	return 0;
}

/* A value the schema restricts, that a message could not describe, fails here. */
static void assert_describable(const struct site_xsd *x, const xmlNode *decl, const char *what)
{
	struct site_xsd_facets f;

	site_xsd_facets(x, decl, &f);
	if (f.pattern && !f.words) {
		print_message("%s has a pattern but no <xs:documentation> saying it in words\n",
			      what);
		fail();
	}
	if (!f.n_enums && !f.is_number && !f.words && !f.max_length) {
		print_message("%s has no enumeration, range, words or length to quote\n", what);
		fail();
	}
	if (f.is_number)
		assert_true(f.has_min && f.has_max && f.min <= f.max);
}

static void test_site_xsd_every_value_in_words(void **state)
{
	const struct site_xsd *x = *state;

	for (size_t i = 0; i < N_ELEMENTS; i++) {
		const xmlNode *decl = site_xsd_element(x, elements[i]);
		const char *attrs[32];
		size_t n;

		if (!decl) {
			print_message("<%s> is not declared in the schema\n", elements[i]);
			fail();
		}
		n = site_xsd_attrs(decl, attrs, 32);
		assert_true(n <= 32);
		for (size_t k = 0; k < n; k++) {
			char what[128];

			snprintf(what, sizeof(what), "<%s %s>", elements[i], attrs[k]);
			assert_describable(x, site_xsd_attr(decl, attrs[k]), what);
		}
		if (site_xsd_content(decl) == SITE_XSD_TEXT)
			assert_describable(x, decl, elements[i]);
	}
}

/* The schema as the messages see it: what each element holds, and where it belongs. */
static void test_site_xsd_structure(void **state)
{
	const struct site_xsd *x = *state;
	struct site_xsd_child kids[32];
	size_t n;

	n = site_xsd_children(site_xsd_element(x, "site"), kids, 32);
	assert_int_equal(n, 2);
	assert_string_equal(kids[0].name, "firewall");
	assert_int_equal(kids[0].max_occurs, 1);
	assert_string_equal(kids[1].name, "server");
	assert_true(kids[1].max_occurs > 1);
	assert_true(site_xsd_ordered(site_xsd_element(x, "site")));
	assert_false(site_xsd_ordered(site_xsd_element(x, "server")));
	/* Every element but <site> and <network> is a child of <site> or <server>. */
	for (size_t i = 1; i + 1 < N_ELEMENTS; i++) {
		const char *parent = site_xsd_parent(x, elements[i]);

		assert_non_null(parent);
		assert_true(!strcmp(parent, "site") || !strcmp(parent, "server"));
		assert_true(site_xsd_is_global(x, elements[i]));
	}
	assert_string_equal(site_xsd_parent(x, "network"), "allow");
	assert_false(site_xsd_is_global(x, "network"));
	assert_null(site_xsd_parent(x, "site"));
	assert_int_equal(site_xsd_content(site_xsd_element(x, "listen")), SITE_XSD_EMPTY);
	assert_int_equal(site_xsd_content(site_xsd_element(x, "allow")), SITE_XSD_ELEMENTS);
	assert_int_equal(site_xsd_content(site_xsd_element(x, "banner")), SITE_XSD_TEXT);
	assert_int_equal(site_xsd_content(site_xsd_element(x, "directive")), SITE_XSD_TEXT);
	assert_true(site_xsd_attr_required(site_xsd_attr(site_xsd_element(x, "server"),
							 "daemon")));
	assert_false(site_xsd_attr_required(site_xsd_attr(site_xsd_element(x, "server"),
							  "mode")));
}

static void test_site_xsd_facets(void **state)
{
	const struct site_xsd *x = *state;
	struct site_xsd_facets f;

	site_xsd_facets(x, site_xsd_attr(site_xsd_element(x, "listen"), "port"), &f);
	assert_true(f.is_number);
	assert_int_equal(f.min, 1);
	assert_int_equal(f.max, 65535);
	site_xsd_facets(x, site_xsd_attr(site_xsd_element(x, "limits"), "max-clients"), &f);
	assert_int_equal(f.min, 0);
	assert_int_equal(f.max, 100000);
	site_xsd_facets(x, site_xsd_attr(site_xsd_element(x, "server"), "daemon"), &f);
	assert_int_equal(f.n_enums, 3);
	assert_string_equal(f.enums[2], "pure-ftpd");
	site_xsd_facets(x, site_xsd_element(x, "banner"), &f);
	assert_int_equal(f.max_length, 4096);
}

static void test_site_xsd_nearest(void **state)
{
	static const char *const children[] = {
		"config", "listen", "active", "passive", "tls", "users", "limits", "allow",
		"banner", "directive",
	};
	static const char *const daemons[] = { "vsftpd", "proftpd", "pure-ftpd" };
	static const char *const attrs[] = { "name", "daemon", "mode" };
	static const struct { const char *typed; const char *want; } cases[] = {
		{ "pasive", "passive" }, { "pasv", "passive" }, { "Passive", "passive" },
		{ "acitve", "active" }, { "listn", "listen" }, { "ssl", NULL },
		{ "port", NULL }, { "users", "users" }, { "limit", "limits" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = site_xsd_nearest(cases[i].typed, children, 10);

		if (cases[i].want ? !got || strcmp(got, cases[i].want) : got != NULL) {
			print_message("nearest to '%s': got '%s', want '%s'\n", cases[i].typed,
				      got ? got : "(none)", cases[i].want ? cases[i].want : "(none)");
			fail();
		}
	}
	assert_string_equal(site_xsd_nearest("pureftpd", daemons, 3), "pure-ftpd");
	assert_string_equal(site_xsd_nearest("proftp", daemons, 3), "proftpd");
	assert_null(site_xsd_nearest("wu-ftpd", daemons, 3));
	assert_null(site_xsd_nearest("type", attrs, 3));
	assert_string_equal(site_xsd_nearest("deamon", attrs, 3), "daemon");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_site_xsd_every_value_in_words),
		cmocka_unit_test(test_site_xsd_structure),
		cmocka_unit_test(test_site_xsd_facets),
		cmocka_unit_test(test_site_xsd_nearest),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
