/*
 * site_fixture: what the site module's test files share: the schema from
 * FTPCFG_TEMPLATE_DIR, a temporary directory, and helpers that load a
 * document and look for the diagnostic a case expects.  Header-only: each
 * test file is its own program.
 */
#ifndef FTPCFG_TEST_SITE_FIXTURE_H
#define FTPCFG_TEST_SITE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "site.h"

struct fixture {
	char schema[PATH_MAX];
	char tmpdir[PATH_MAX];
};

static inline int group_setup(void **state)
{
	const char *dir = getenv("FTPCFG_TEMPLATE_DIR");
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->schema, sizeof(f->schema), "%s/site.xsd", dir && *dir ? dir : "templates");
	snprintf(f->tmpdir, sizeof(f->tmpdir), "%s/ftpcfg-test-site-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(f->tmpdir)) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static inline int group_teardown(void **state)
{
	struct fixture *f = *state;

	rmdir(f->tmpdir);
	free(f);
	return 0;
}

/* A site around one body: <site> is line 1, the body starts on line 2. */
#define SITE(body) "<site name=\"t\" version=\"1\">\n" body "\n</site>\n"
/* One vsftpd server whose children are all on line 2. */
#define VSFTPD(children) SITE("<server name=\"a\" daemon=\"vsftpd\">" children "</server>")

static inline int load_len(void **state, const char *xml, size_t len, struct diag *d,
		    struct site **out)
{
	struct fixture *f = *state;

	return site_load_buffer("t.xml", xml, len, f->schema, d, out);
}

static inline int load(void **state, const char *xml, struct diag *d, struct site **out)
{
	return load_len(state, xml, strlen(xml), d, out);
}

static const struct diag_rec *find_rec(const struct diag *d, enum diag_level level,
				       const char *substr)
{
	for (size_t i = 0; i < d->n_recs; i++)
		if (d->recs[i].level == level && strstr(d->recs[i].msg, substr))
			return &d->recs[i];
	return NULL;
}

static inline void print_recs(const struct diag *d)
{
	diag_print(d, stdout, true);
}

/* @xml fails, and some error on @line (0: any) says @substr. */
static inline void expect_error(void **state, const char *xml, unsigned line, const char *substr)
{
	struct site *s = NULL;
	struct diag d;
	const struct diag_rec *r;
	int ret;

	diag_init(&d);
	ret = load(state, xml, &d, &s);
	r = find_rec(&d, DIAG_ERROR, substr);
	if (ret != -EINVAL || !r || (line && r->line != line)) {
		print_message("expected an error on line %u with '%s' for:\n%s\ngot %d:\n", line,
			      substr, xml, ret);
		print_recs(&d);
		fail();
	}
	assert_null(s);
	assert_string_equal(r->file, "t.xml");
	diag_release(&d);
}

/* @xml loads, and a warning on @line says @substr. */
static inline void expect_warning(void **state, const char *xml, unsigned line, const char *substr)
{
	struct site *s = NULL;
	struct diag d;
	const struct diag_rec *r;
	int ret;

	diag_init(&d);
	ret = load(state, xml, &d, &s);
	r = find_rec(&d, DIAG_WARNING, substr);
	if (ret != 0 || !r || r->line != line) {
		print_message("expected a warning on line %u with '%s' for:\n%s\ngot %d:\n", line,
			      substr, xml, ret);
		print_recs(&d);
		fail();
	}
	assert_int_equal(d.n_errors, 0);
	site_free(s);
	diag_release(&d);
}

static struct site *expect_ok(void **state, const char *xml)
{
	struct site *s = NULL;
	struct diag d;
	int ret;

	diag_init(&d);
	ret = load(state, xml, &d, &s);
	if (ret != 0) {
		print_message("expected success for:\n%s\ngot %d:\n", xml, ret);
		print_recs(&d);
		fail();
	}
	assert_int_equal(d.n_errors, 0);
	diag_release(&d);
	return s;
}

static inline void assert_addr(const struct site_addr *a, const char *text)
{
	char buf[INET6_ADDRSTRLEN];

	assert_int_equal(site_addr_format(a, buf, sizeof(buf)), 0);
	assert_string_equal(buf, text);
}

#endif
