/*
 * test_directives: the table of known directives (templates/directives.txt)
 * and the <directive> elements checked against it, through the real schema
 * and libxml2: owned names refused, typos suggested, values kept to one
 * line, and the effective XML carrying them back unchanged.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "directives.h"
#include "effective.h"
#include "site.h"

struct fx {
	char dir[PATH_MAX - 16];
	char schema[PATH_MAX];
	struct diag d;
	struct directive_table *t;
};

static int setup(void **state)
{
	const char *dir = getenv("FTPCFG_TEMPLATE_DIR");
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	if (!dir || !*dir)
		dir = "templates";
	snprintf(fx->dir, sizeof(fx->dir), "%s", dir);
	snprintf(fx->schema, sizeof(fx->schema), "%s/site.xsd", dir);
	diag_init(&fx->d);
	if (directive_table_load_dir(fx->dir, &fx->d, &fx->t) < 0) {
		diag_release(&fx->d);
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	directive_table_free(fx->t);
	diag_release(&fx->d);
	free(fx);
	return 0;
}

static void test_directives_find(void **state)
{
	struct fx *fx = *state;
	const struct directive_info *e;

	e = directive_find(fx->t, DIRECTIVE_SET_VSFTPD, "local_umask");
	assert_non_null(e);
	assert_int_equal(e->kind, DIRECTIVE_FREE);
	/* Taken from the binary: vsftpd.conf(5) forgets it. */
	assert_non_null(directive_find(fx->t, DIRECTIVE_SET_VSFTPD, "allow_writeable_chroot"));
	e = directive_find(fx->t, DIRECTIVE_SET_VSFTPD, "pasv_min_port");
	assert_non_null(e);
	assert_int_equal(e->kind, DIRECTIVE_OWNED);
	assert_string_equal(e->arg, "<passive min-port>");
	/* vsftpd is case-sensitive, proftpd is not (and keeps its spelling). */
	assert_null(directive_find(fx->t, DIRECTIVE_SET_VSFTPD, "LOCAL_UMASK"));
	e = directive_find(fx->t, DIRECTIVE_SET_PROFTPD, "maxinstances");
	assert_non_null(e);
	assert_string_equal(e->name, "MaxInstances");
	e = directive_find(fx->t, DIRECTIVE_SET_PROFTPD, "user");
	assert_non_null(e);
	assert_string_equal(e->name, "User");
	assert_int_equal(e->kind, DIRECTIVE_DEFAULT);
	assert_string_equal(e->arg, "proftpd");
	/* Modules are not directives. */
	assert_null(directive_find(fx->t, DIRECTIVE_SET_PROFTPD, "mod_core.c"));
	/* Debian's wrapper has no CertFile; pure-ftpd's own file has. */
	assert_null(directive_find(fx->t, DIRECTIVE_SET_PUREFTPD_DIR, "CertFile"));
	assert_non_null(directive_find(fx->t, DIRECTIVE_SET_PUREFTPD, "CertFile"));
}

static void test_directives_suggest(void **state)
{
	struct fx *fx = *state;

	assert_string_equal(directive_suggest(fx->t, DIRECTIVE_SET_VSFTPD, "local_umsk"),
			    "local_umask");
	assert_string_equal(directive_suggest(fx->t, DIRECTIVE_SET_PROFTPD, "DisplayLogn"),
			    "DisplayLogin");
	assert_string_equal(directive_suggest(fx->t, DIRECTIVE_SET_PUREFTPD, "ChrootEveryOne"),
			    "ChrootEveryone");
	assert_null(directive_suggest(fx->t, DIRECTIVE_SET_VSFTPD, "completely_unrelated_words"));
}

static void test_directives_bad_table(void **state)
{
	struct fx *fx = *state;
	char path[] = "/tmp/ftpcfg-test-directives-XXXXXX";
	struct directive_table *t = NULL;
	struct diag d;
	int fd = mkstemp(path);

	(void)fx;
	assert_true(fd >= 0);
	assert_true(write(fd, "vsftpd a\nvsftpd b owned\n", 24) == 24);
	close(fd);
	diag_init(&d);
	assert_int_equal(directive_table_load(path, &d, &t), -EINVAL);
	assert_null(t);
	assert_int_equal(d.n_errors, 1);
	assert_int_equal(d.recs[0].line, 2);
	diag_release(&d);
	unlink(path);
}

static int load(struct fx *fx, const char *server, struct site **out)
{
	char *xml = NULL;
	int ret;

	assert_true(asprintf(&xml, "<site name=\"t\" version=\"1\">%s</site>", server) > 0);
	diag_release(&fx->d);
	diag_init(&fx->d);
	ret = site_load_buffer("t.xml", xml, strlen(xml), fx->schema, &fx->d, out);
	free(xml);
	return ret;
}

static bool has_msg(const struct diag *d, const char *part)
{
	for (size_t i = 0; i < d->n_recs; i++)
		if (strstr(d->recs[i].msg, part))
			return true;
	return false;
}

static void test_directives_site(void **state)
{
	struct fx *fx = *state;
	struct site *s = NULL;
	struct site *again = NULL;
	char *xml = NULL;
	size_t len;

	assert_int_equal(load(fx, "<server name=\"p\" daemon=\"proftpd\">"
			      "<directive name=\"serverName\">\"a &amp; b\"</directive>"
			      "<directive name=\"DenyFilter\">\n  \\*.*/\n</directive>"
			      "<directive name=\"DeferWelcome\"/></server>", &s), 0);
	assert_int_equal(s->servers[0].n_directives, 3);
	assert_string_equal(s->servers[0].directives[0].name, "ServerName");
	assert_string_equal(s->servers[0].directives[0].value, "\"a & b\"");
	assert_string_equal(s->servers[0].directives[1].value, "\\*.*/");
	assert_string_equal(s->servers[0].directives[2].value, "");
	assert_int_equal(s->servers[0].directives[1].line, 1);
	/* The effective XML carries them back unchanged. */
	assert_int_equal(effective_xml(s, EFFECTIVE_WHOLE, &xml, &len), 0);
	diag_release(&fx->d);
	diag_init(&fx->d);
	assert_int_equal(site_load_buffer("e.xml", xml, len, fx->schema, &fx->d, &again), 0);
	assert_int_equal(again->servers[0].n_directives, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(again->servers[0].directives[i].name,
				    s->servers[0].directives[i].name);
		assert_string_equal(again->servers[0].directives[i].value,
				    s->servers[0].directives[i].value);
	}
	free(xml);
	site_free(again);
	site_free(s);
	s = NULL;

	assert_int_equal(load(fx, "<server name=\"v\" daemon=\"vsftpd\">"
			      "<directive name=\"listen_port\">2121</directive></server>", &s),
			 -EINVAL);
	assert_true(has_msg(&fx->d, "through <listen port>"));
	assert_int_equal(load(fx, "<server name=\"v\" daemon=\"vsftpd\">"
			      "<directive name=\"local_umask\">0&#9;22</directive></server>", &s),
			 -EINVAL);
	assert_true(has_msg(&fx->d, "control character"));
	assert_int_equal(load(fx, "<server name=\"v\" daemon=\"pure-ftpd\">"
			      "<directive name=\"MinUID\">1</directive>"
			      "<directive name=\"MinUID\">2</directive></server>", &s), -EINVAL);
	assert_true(has_msg(&fx->d, "given twice"));
	/* The schema bounds names: no '<', '=' or spaces can reach a daemon's file. */
	assert_int_equal(load(fx, "<server name=\"v\" daemon=\"vsftpd\">"
			      "<directive name=\"a=b\">1</directive></server>", &s), -EINVAL);
	assert_null(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_directives_find),
		cmocka_unit_test(test_directives_suggest),
		cmocka_unit_test(test_directives_bad_table),
		cmocka_unit_test(test_directives_site),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
