/*
 * test_import: each importer's parser on small files written to a scratch
 * --root: what each line becomes (its fate), what the site says, and the
 * daemon's defaults where a file is silent.  Real files, the real table
 * and schema; no root needed.
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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "import.h"

struct fx {
	char root[PATH_MAX - 64];
	const char *templates;
	struct diag d;
	struct import_result r;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	const char *dir = getenv("FTPCFG_TEMPLATE_DIR");

	if (!fx)
		return -1;
	fx->templates = dir && *dir ? dir : "templates";
	snprintf(fx->root, sizeof(fx->root), "%s/ftpcfg-test-import-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(fx->root)) {
		free(fx);
		return -1;
	}
	diag_init(&fx->d);
	import_result_init(&fx->r);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	char *cmd = NULL;

	import_result_release(&fx->r);
	diag_release(&fx->d);
	/* The scratch root only: its path is ours, made by mkdtemp(). */
	if (asprintf(&cmd, "rm -rf '%s'", fx->root) > 0 && system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", fx->root);
	free(cmd);
	free(fx);
	return 0;
}

/* Write @text at @rel below the root, making its directories. */
static void put(struct fx *fx, const char *rel, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", fx->root, rel);
	for (char *p = path + strlen(fx->root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static int run(struct fx *fx, enum site_daemon daemon, const char *path)
{
	struct import_opts o = { .root = fx->root, .templates_dir = fx->templates };

	import_result_release(&fx->r);
	diag_release(&fx->d);
	diag_init(&fx->d);
	return import_run(daemon, path, &o, &fx->d, &fx->r);
}

/* The fate of the item named @name on @line (any file). */
static enum import_fate fate(struct fx *fx, unsigned line, const char *name)
{
	for (size_t i = 0; i < fx->r.n_items; i++)
		if (fx->r.items[i].line == line && !strcmp(fx->r.items[i].name, name))
			return fx->r.items[i].fate;
	fail_msg("no item %s on line %u", name, line);
	return IMPORT_REPORTED;
}

static const struct site_server *srv(struct fx *fx)
{
	assert_non_null(fx->r.site);
	assert_int_equal(fx->r.site->n_servers, 1);
	return &fx->r.site->servers[0];
}

static void test_import_vsftpd(void **state)
{
	struct fx *fx = *state;
	const struct site_server *s;

	put(fx, "/etc/vsftpd.conf", "# comment\n\nlisten=YES\nlisten_port=2121\n"
	    "local_enable=YES\nlocal_umask=022\nlocal_umask=027\nssl_enable=NO\n"
	    "rsa_cert_file=/x.pem\npasv_min_port=30000\npasv_max_port=30009\n"
	    "xferlog_enable=YES\nmax_clients=7\n");
	assert_int_equal(run(fx, SITE_DAEMON_VSFTPD, "/etc/vsftpd.conf"), 0);
	s = srv(fx);
	assert_int_equal(fx->r.n_items, 11);
	assert_int_equal(s->n_listens, 1);
	assert_int_equal(s->listens[0].port, 2121);
	assert_int_equal(s->mode, SITE_MODE_BOTH);
	assert_int_equal(s->pasv_min, 30000);
	assert_int_equal(s->limits.max_clients, 7);
	/* vsftpd's defaults, not the site's. */
	assert_int_equal(s->limits.max_per_ip, 0);
	assert_false(s->users.chroot);
	assert_false(s->users.anonymous);
	assert_int_equal(fate(fx, 3, "listen"), IMPORT_MAPPED);
	/* Both lines are vsftpd's: the later one counts. */
	assert_int_equal(fate(fx, 6, "local_umask"), IMPORT_IMPLIED);
	assert_int_equal(fate(fx, 7, "local_umask"), IMPORT_PASSED);
	assert_int_equal(s->n_directives, 1);
	assert_string_equal(s->directives[0].value, "027");
	assert_int_equal(fate(fx, 9, "rsa_cert_file"), IMPORT_IMPLIED);
	assert_int_equal(fate(fx, 12, "xferlog_enable"), IMPORT_IMPLIED);
	/* Defaults the model lacks are said once, for the file. */
	assert_true(fx->d.n_recs >= 1);
}

static void test_import_proftpd(void **state)
{
	struct fx *fx = *state;
	const struct site_server *s;

	put(fx, "/etc/proftpd/proftpd.conf",
	    "Include /etc/proftpd/modules.conf\n"
	    "Port 2121\n"
	    "ServerName \\\n  \"Files\"\n"
	    "<Global>\n  TimeoutIdle 900\n  <Limit EPRT PORT>\n    DenyAll\n  </Limit>\n"
	    "</Global>\n"
	    "<IfModule mod_ban.c>\n  BanEngine on\n</IfModule>\n"
	    "<IfModule mod_sql.c>\n  SQLEngine on\n</IfModule>\n"
	    "<IfModule !mod_sql.c>\n  MaxInstances 4\n</IfModule>\n"
	    "<Directory /srv>\n  Umask 002\n</Directory>\n"
	    "PassivePorts 30000 30099\n"
	    "Include /etc/proftpd/conf.d/*.conf\n");
	put(fx, "/etc/proftpd/modules.conf", "LoadModule mod_ban.c\n");
	put(fx, "/etc/proftpd/conf.d/a.conf", "DefaultRoot ~\n");
	put(fx, "/etc/proftpd/conf.d/b.txt", "Bogus\n");
	assert_int_equal(run(fx, SITE_DAEMON_PROFTPD, "/etc/proftpd/proftpd.conf"), 0);
	s = srv(fx);
	assert_int_equal(s->listens[0].port, 2121);
	/* proftpd sends active data from the control port minus one. */
	assert_int_equal(s->mode, SITE_MODE_PASSIVE);
	assert_int_equal(s->limits.idle_timeout, 900);
	assert_true(s->users.chroot);
	assert_int_equal(s->pasv_min, 30000);
	assert_int_equal(fate(fx, 1, "LoadModule"), IMPORT_PASSED);
	/* A continued line is one directive, on its first line. */
	assert_int_equal(fate(fx, 3, "ServerName"), IMPORT_PASSED);
	assert_int_equal(fate(fx, 5, "<Global>"), IMPORT_IMPLIED);
	assert_int_equal(fate(fx, 7, "<Limit>"), IMPORT_MAPPED);
	assert_int_equal(fate(fx, 12, "BanEngine"), IMPORT_PASSED);
	assert_int_equal(fate(fx, 15, "SQLEngine"), IMPORT_IMPLIED);
	assert_int_equal(fate(fx, 18, "MaxInstances"), IMPORT_PASSED);
	assert_int_equal(fate(fx, 20, "<Directory>"), IMPORT_REPORTED);
	assert_int_equal(fate(fx, 21, "Umask"), IMPORT_REPORTED);
	assert_int_equal(fate(fx, 1, "DefaultRoot"), IMPORT_MAPPED);
	for (size_t i = 0; i < s->n_directives; i++)
		assert_string_not_equal(s->directives[i].name, "Bogus");
	assert_string_equal(s->directives[1].value, "\"Files\"");
}

static void test_import_pureftpd(void **state)
{
	struct fx *fx = *state;
	const struct site_server *s;

	put(fx, "/etc/pure-ftpd/conf/Bind", "10.200.0.1,2121\n");
	put(fx, "/etc/pure-ftpd/conf/Bind~", "10.200.0.1,21\n");
	put(fx, "/etc/pure-ftpd/conf/AltLog", "");
	put(fx, "/etc/pure-ftpd/conf/MaxIdleTime", "# minutes\n\n  10  \n");
	put(fx, "/etc/pure-ftpd/conf/NATmode", "yes\n");
	put(fx, "/etc/pure-ftpd/conf/MinUID", "1000\n");
	assert_int_equal(run(fx, SITE_DAEMON_PUREFTPD, "/etc/pure-ftpd/conf"), 0);
	s = srv(fx);
	assert_string_equal(s->config_path, "/etc/pure-ftpd/conf/");
	assert_int_equal(s->n_listens, 1);
	assert_int_equal(s->listens[0].port, 2121);
	assert_int_equal(s->limits.idle_timeout, 600);
	assert_int_equal(s->mode, SITE_MODE_ACTIVE);
	assert_int_equal(fx->r.n_items, 6);
	assert_int_equal(fate(fx, 0, "Bind~"), IMPORT_IMPLIED);
	assert_int_equal(fate(fx, 1, "AltLog"), IMPORT_IMPLIED);
	assert_int_equal(fate(fx, 3, "MaxIdleTime"), IMPORT_MAPPED);
	assert_int_equal(fate(fx, 1, "MinUID"), IMPORT_PASSED);

	put(fx, "/etc/pure-ftpd/pure-ftpd.conf", "Bind ,2121\nCertFile /etc/ssl/x.pem\nTLS 3\n"
	    "MaxClientsNumber 20\nAnonymousCantUpload yes\n");
	assert_int_equal(run(fx, SITE_DAEMON_PUREFTPD, "/etc/pure-ftpd/pure-ftpd.conf"), 0);
	s = srv(fx);
	assert_int_equal(s->n_listens, 2);
	assert_int_equal(s->tls.mode, SITE_TLS_EXPLICIT);
	assert_true(s->tls.required);
	assert_string_equal(s->tls.cert, "/etc/ssl/x.pem");
	assert_int_equal(s->limits.max_clients, 20);
	assert_true(s->users.anonymous);
	assert_int_equal(fate(fx, 5, "AnonymousCantUpload"), IMPORT_IMPLIED);
}

static void test_import_refuses(void **state)
{
	struct fx *fx = *state;
	char path[PATH_MAX];

	put(fx, "/etc/proftpd/proftpd.conf", "Include /etc/proftpd/proftpd.conf\n");
	assert_int_equal(run(fx, SITE_DAEMON_PROFTPD, "/etc/proftpd/proftpd.conf"), -EINVAL);
	assert_non_null(strstr(fx->d.recs[0].msg, "loop"));
	assert_null(fx->r.site);

	put(fx, "/etc/real.conf", "listen=YES\n");
	snprintf(path, sizeof(path), "%s/etc/vsftpd.conf", fx->root);
	assert_int_equal(symlink("real.conf", path), 0);
	assert_int_equal(run(fx, SITE_DAEMON_VSFTPD, "/etc/vsftpd.conf"), -ELOOP);
	assert_int_equal(run(fx, SITE_DAEMON_VSFTPD, "/etc/missing.conf"), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_import_vsftpd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_proftpd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_pureftpd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_refuses, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
