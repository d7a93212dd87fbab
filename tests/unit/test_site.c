/*
 * test_site: the site module against the real schema and libxml2.  Defaults,
 * every check with its line, a table of small cases, and hostile input:
 * each hostile document must fail with one clear message, print nothing of
 * libxml2's own to stderr, and neither crash nor hang.
 */
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

static int group_setup(void **state)
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

static int group_teardown(void **state)
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

static int load_len(void **state, const char *xml, size_t len, struct diag *d,
		    struct site **out)
{
	struct fixture *f = *state;

	return site_load_buffer("t.xml", xml, len, f->schema, d, out);
}

static int load(void **state, const char *xml, struct diag *d, struct site **out)
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

static void print_recs(const struct diag *d)
{
	diag_print(d, stdout, true);
}

/* @xml fails, and some error on @line (0: any) says @substr. */
static void expect_error(void **state, const char *xml, unsigned line, const char *substr)
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
static void expect_warning(void **state, const char *xml, unsigned line, const char *substr)
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

static void assert_addr(const struct site_addr *a, const char *text)
{
	char buf[INET6_ADDRSTRLEN];

	assert_int_equal(site_addr_format(a, buf, sizeof(buf)), 0);
	assert_string_equal(buf, text);
}

/* ---- defaults ---------------------------------------------------------- */

static void test_site_defaults_filled(void **state)
{
	struct site *s = expect_ok(state, SITE("<server name=\"a\" daemon=\"vsftpd\"/>"));
	const struct site_server *srv = &s->servers[0];

	assert_string_equal(s->name, "t");
	assert_int_equal(s->version, 1);
	assert_int_equal(s->line, 1);
	assert_string_equal(s->file, "t.xml");
	/* <firewall> absent: table="ftpcfg" helper="auto" counters="yes", standalone. */
	assert_string_equal(s->firewall.table, "ftpcfg");
	assert_int_equal(s->firewall.helper, SITE_HELPER_AUTO);
	assert_true(s->firewall.counters);
	assert_false(s->firewall.has_attach);
	assert_null(s->firewall.attach_family);

	assert_int_equal(s->n_servers, 1);
	assert_string_equal(srv->name, "a");
	assert_int_equal(srv->daemon, SITE_DAEMON_VSFTPD);
	assert_int_equal(srv->mode, SITE_MODE_PASSIVE);
	assert_int_equal(srv->line, 2);
	assert_string_equal(srv->config_path, "/etc/vsftpd.conf");
	assert_string_equal(srv->reload, "systemctl reload vsftpd");
	/* Listeners: 0.0.0.0 and :: on 21. */
	assert_int_equal(srv->n_listens, 2);
	assert_addr(&srv->listens[0].addr, "0.0.0.0");
	assert_addr(&srv->listens[1].addr, "::");
	for (size_t i = 0; i < 2; i++) {
		assert_true(srv->listens[i].is_wildcard);
		assert_int_equal(srv->listens[i].port, 21);
	}
	assert_int_equal(srv->data_port, 20);
	assert_int_equal(srv->pasv_min, 40000);
	assert_int_equal(srv->pasv_max, 40099);
	assert_false(srv->has_external);
	assert_int_equal(srv->tls.mode, SITE_TLS_OFF);
	assert_null(srv->tls.cert);
	assert_null(srv->tls.key);
	assert_false(server_has_tls(srv));
	assert_true(server_uses_helper(s, srv));
	assert_false(server_passive_explicit(s, srv));
	/* Users: anonymous="no" local="yes" chroot="yes" write="no". */
	assert_false(srv->users.anonymous);
	assert_true(srv->users.local);
	assert_true(srv->users.chroot);
	assert_false(srv->users.write);
	assert_null(srv->users.anonymous_root);
	assert_int_equal(srv->limits.max_clients, 50);
	assert_int_equal(srv->limits.max_per_ip, 5);
	assert_int_equal(srv->limits.idle_timeout, 300);
	assert_false(srv->has_allow);
	assert_int_equal(srv->n_allow, 0);
	assert_null(srv->banner);
	site_free(s);
}

static void test_site_defaults_per_daemon(void **state)
{
	struct site *s = expect_ok(state, SITE(
		"<server name=\"v\" daemon=\"vsftpd\"><listen port=\"2121\"/>"
		"<passive min-port=\"41000\" max-port=\"41099\"/></server>\n"
		"<server name=\"p\" daemon=\"proftpd\"><listen port=\"2122\"/>"
		"<passive min-port=\"42000\" max-port=\"42099\"/></server>\n"
		"<server name=\"u\" daemon=\"pure-ftpd\" mode=\"both\"><listen port=\"2123\"/>"
		"<passive min-port=\"43000\" max-port=\"43099\"/>"
		"<limits max-clients=\"50\"/></server>"));

	assert_int_equal(s->n_servers, 3);
	assert_string_equal(s->servers[0].config_path, "/etc/vsftpd.conf");
	assert_string_equal(s->servers[0].reload, "systemctl reload vsftpd");
	assert_string_equal(s->servers[1].config_path, "/etc/proftpd/proftpd.conf");
	assert_string_equal(s->servers[1].reload, "systemctl reload proftpd");
	assert_string_equal(s->servers[2].config_path, "/etc/pure-ftpd/conf/");
	assert_string_equal(s->servers[2].reload, "systemctl restart pure-ftpd");
	assert_int_equal(s->servers[2].mode, SITE_MODE_BOTH);
	/* A <listen> without address is "::", a wildcard. */
	assert_int_equal(s->servers[1].n_listens, 1);
	assert_addr(&s->servers[1].listens[0].addr, "::");
	assert_true(s->servers[1].listens[0].is_wildcard);
	assert_int_equal(s->servers[1].listens[0].port, 2122);
	assert_int_equal(s->servers[1].listens[0].line, 3);
	site_free(s);
}

static void test_site_defaults_tls(void **state)
{
	struct site *s = expect_ok(state, SITE(
		"<server name=\"e\" daemon=\"vsftpd\">"
		"<tls cert=\"/etc/ssl/ftp.pem\"/></server>\n"
		"<server name=\"i\" daemon=\"proftpd\">"
		"<config path=\"/etc/proftpd/i.conf\"/>"
		"<passive min-port=\"41000\" max-port=\"41099\"/>"
		"<tls mode=\"implicit\" required=\"no\" cert=\"/c.pem\" key=\"/k.pem\"/>"
		"</server>"));
	const struct site_server *e = &s->servers[0];
	const struct site_server *i = &s->servers[1];

	/* Present: mode="explicit" required="yes"; key defaults to cert (a bundle). */
	assert_int_equal(e->tls.mode, SITE_TLS_EXPLICIT);
	assert_true(e->tls.required);
	assert_string_equal(e->tls.cert, "/etc/ssl/ftp.pem");
	assert_string_equal(e->tls.key, "/etc/ssl/ftp.pem");
	assert_true(server_has_tls(e));
	assert_false(server_uses_helper(s, e));
	assert_true(server_passive_explicit(s, e));
	assert_int_equal(e->listens[0].port, 21);
	/* Implicit TLS listens on 990 by default. */
	assert_int_equal(i->tls.mode, SITE_TLS_IMPLICIT);
	assert_false(i->tls.required);
	assert_string_equal(i->tls.key, "/k.pem");
	assert_int_equal(i->n_listens, 2);
	assert_int_equal(i->listens[0].port, 990);
	assert_int_equal(i->listens[1].port, 990);
	site_free(s);
}

static void test_site_values_copied(void **state)
{
	struct site *s = expect_ok(state, SITE(
		"<firewall attach=\"inet filter input\" helper=\"no\" counters=\"no\"/>\n"
		"<server name=\"pub\" daemon=\"vsftpd\" mode=\"both\">\n"
		"<config path=\"/etc/v.conf\" reload=\"systemctl reload v\"/>\n"
		"<listen address=\"192.0.2.10\" port=\"2121\"/>\n"
		"<active data-port=\"2020\"/>\n"
		"<passive min-port=\"50000\" max-port=\"50010\" external-address=\"203.0.113.10\"/>\n"
		"<users anonymous=\"yes\" local=\"no\" chroot=\"no\" write=\"yes\" "
		"anonymous-root=\"/srv/ftp\"/>\n"
		"<limits max-clients=\"0\" max-per-ip=\"0\" idle-timeout=\"86400\"/>\n"
		"<allow>\n<network>198.51.100.0/24</network>\n<network> 2001:db8::/32 </network>\n"
		"<network>10.200.0.7</network>\n</allow>\n"
		"<banner>  Authorized use only  </banner>\n"
		"</server>"));
	const struct site_server *srv = &s->servers[0];
	char buf[INET6_ADDRSTRLEN + 5];

	assert_true(s->firewall.has_attach);
	assert_null(s->firewall.table);
	assert_string_equal(s->firewall.attach_family, "inet");
	assert_string_equal(s->firewall.attach_table, "filter");
	assert_string_equal(s->firewall.attach_chain, "input");
	assert_int_equal(s->firewall.helper, SITE_HELPER_NO);
	assert_false(s->firewall.counters);
	assert_int_equal(s->firewall.line, 2);
	assert_false(server_uses_helper(s, srv));

	assert_int_equal(srv->mode, SITE_MODE_BOTH);
	assert_string_equal(srv->config_path, "/etc/v.conf");
	assert_string_equal(srv->reload, "systemctl reload v");
	assert_int_equal(srv->config_line, 4);
	assert_int_equal(srv->n_listens, 1);
	assert_addr(&srv->listens[0].addr, "192.0.2.10");
	assert_false(srv->listens[0].is_wildcard);
	assert_int_equal(srv->listens[0].port, 2121);
	assert_int_equal(srv->listens[0].line, 5);
	assert_int_equal(srv->data_port, 2020);
	assert_int_equal(srv->active_line, 6);
	assert_int_equal(srv->pasv_min, 50000);
	assert_int_equal(srv->pasv_max, 50010);
	assert_true(srv->has_external);
	assert_addr(&srv->external, "203.0.113.10");
	assert_int_equal(srv->passive_line, 7);
	assert_true(srv->users.anonymous);
	assert_false(srv->users.local);
	assert_false(srv->users.chroot);
	assert_true(srv->users.write);
	assert_string_equal(srv->users.anonymous_root, "/srv/ftp");
	assert_int_equal(srv->limits.max_clients, 0);
	assert_int_equal(srv->limits.max_per_ip, 0);
	assert_int_equal(srv->limits.idle_timeout, 86400);
	assert_true(srv->has_allow);
	assert_int_equal(srv->allow_line, 10);
	assert_int_equal(srv->n_allow, 3);
	assert_int_equal(site_net_format(&srv->allow[0], buf, sizeof(buf)), 0);
	assert_string_equal(buf, "198.51.100.0/24");
	assert_int_equal(srv->allow[0].line, 11);
	assert_int_equal(site_net_format(&srv->allow[1], buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2001:db8::/32");
	/* A bare address is a host route. */
	assert_int_equal(site_net_format(&srv->allow[2], buf, sizeof(buf)), 0);
	assert_string_equal(buf, "10.200.0.7/32");
	/* The banner's surrounding white space is the XML's layout. */
	assert_string_equal(srv->banner, "Authorized use only");
	assert_int_equal(srv->banner_line, 15);
	/* An external address makes the passive range explicit even with the helper. */
	site_free(s);
	s = expect_ok(state, VSFTPD("<passive external-address=\"203.0.113.10\"/>"));
	assert_true(server_uses_helper(s, &s->servers[0]));
	assert_true(server_passive_explicit(s, &s->servers[0]));
	site_free(s);
}

static void test_site_names_of_enums(void **state)
{
	(void)state;
	assert_string_equal(site_daemon_name(SITE_DAEMON_VSFTPD), "vsftpd");
	assert_string_equal(site_daemon_name(SITE_DAEMON_PROFTPD), "proftpd");
	assert_string_equal(site_daemon_name(SITE_DAEMON_PUREFTPD), "pure-ftpd");
	assert_string_equal(site_mode_name(SITE_MODE_ACTIVE), "active");
	assert_string_equal(site_mode_name(SITE_MODE_PASSIVE), "passive");
	assert_string_equal(site_mode_name(SITE_MODE_BOTH), "both");
	assert_string_equal(site_tls_mode_name(SITE_TLS_OFF), "off");
	assert_string_equal(site_tls_mode_name(SITE_TLS_EXPLICIT), "explicit");
	assert_string_equal(site_tls_mode_name(SITE_TLS_IMPLICIT), "implicit");
}

static void test_site_format_small_buffer(void **state)
{
	struct site_net n = { .addr = { .family = AF_INET6 }, .prefix = 128 };
	char buf[8];

	(void)state;
	memset(n.addr.bytes, 0xff, sizeof(n.addr.bytes));
	assert_int_equal(site_net_format(&n, buf, sizeof(buf)), -ENOSPC);
	assert_int_equal(site_addr_format(&n.addr, buf, sizeof(buf)), -ENOSPC);
}

/* ---- every check, with its line -------------------------------------- */

/*
 * One case a line, as nftables' tests/py: the document, whether it loads,
 * the line of the message (0: any) and a piece of its text.  Warnings are
 * cases that load; their text is then looked for among the warnings.
 */
enum { OK, FAIL, WARN };

static const struct site_case {
	const char *xml;
	int result;
	unsigned line;
	const char *expect;
} site_cases[] = {
	/* listeners */
	{ SITE("<server name=\"a\" daemon=\"proftpd\"><listen address=\"0.0.0.0\"/></server>\n<server name=\"b\" daemon=\"proftpd\"><config path=\"/etc/b.conf\"/><listen address=\"192.0.2.1\"/><passive min-port=\"41000\" max-port=\"41099\"/></server>"), FAIL, 3, "listener 192.0.2.1:21 of server 'b' overlaps 0.0.0.0:21 of server 'a' (line 2)" },
	{ SITE("<server name=\"a\" daemon=\"proftpd\"><listen/></server>\n<server name=\"b\" daemon=\"proftpd\"><config path=\"/etc/b.conf\"/><listen address=\"192.0.2.1\"/><passive min-port=\"41000\" max-port=\"41099\"/></server>"), FAIL, 3, "overlaps [::]:21 of server 'a'" },
	{ SITE("<server name=\"a\" daemon=\"proftpd\"><listen address=\"192.0.2.1\"/></server>\n<server name=\"b\" daemon=\"proftpd\"><config path=\"/etc/b.conf\"/><listen address=\"192.0.2.2\"/><passive min-port=\"41000\" max-port=\"41099\"/></server>"), OK, 0, NULL },
	{ SITE("<server name=\"a\" daemon=\"proftpd\"><listen address=\"192.0.2.1\"/></server>\n<server name=\"b\" daemon=\"proftpd\"><config path=\"/etc/b.conf\"/><listen address=\"192.0.2.1\" port=\"2121\"/><passive min-port=\"41000\" max-port=\"41099\"/></server>"), OK, 0, NULL },
	{ SITE("<server name=\"a\" daemon=\"proftpd\"><listen address=\"0.0.0.0\"/></server>\n<server name=\"b\" daemon=\"proftpd\"><config path=\"/etc/b.conf\"/><listen address=\"2001:db8::1\"/><passive min-port=\"41000\" max-port=\"41099\"/></server>"), OK, 0, NULL },
	{ VSFTPD("<listen address=\"0.0.0.0\"/><listen address=\"0.0.0.0\"/>"), FAIL, 2, "listener 0.0.0.0:21 of server 'a' overlaps 0.0.0.0:21 of server 'a'" },
	{ VSFTPD("<listen address=\"0.0.0.0\"/><listen address=\"::\"/>"), OK, 0, NULL },
	{ VSFTPD("<listen address=\"0.0.0.0\"/><listen address=\"::\" port=\"2121\"/>"), FAIL, 2, "vsftpd serves one address per process" },
	{ VSFTPD("<listen address=\"192.0.2.1\"/><listen address=\"192.0.2.2\"/>"), FAIL, 2, "declare another <server> with its own config path" },
	{ SITE("<server name=\"a\" daemon=\"proftpd\"><listen address=\"192.0.2.1\"/>\n<listen address=\"192.0.2.2\" port=\"2121\"/></server>"), FAIL, 3, "proftpd serves one control port per server (here 21 and 2121)" },
	{ SITE("<server name=\"a\" daemon=\"proftpd\"><listen address=\"192.0.2.1\"/><listen address=\"2001:db8::1\"/></server>"), OK, 0, NULL },
	{ SITE("<server name=\"a\" daemon=\"pure-ftpd\" mode=\"both\"><listen address=\"192.0.2.1\"/>\n<listen address=\"192.0.2.2\"/></server>"), FAIL, 3, "pure-ftpd binds one address (or every address) per process" },
	/* passive ranges and ports */
	{ VSFTPD("<passive min-port=\"40100\" max-port=\"40000\"/>"), FAIL, 2, "max-port '40000' is below min-port '40100'; swap them" },
	{ VSFTPD("<passive min-port=\"1000\" max-port=\"1100\"/>"), FAIL, 2, "passive range 1000-1100 reaches below 1024" },
	{ VSFTPD("<passive external-address=\"2001:db8::1\"/>"), FAIL, 2, "external-address must be an IPv4 address" },
	{ VSFTPD("<listen port=\"40050\"/>"), FAIL, 2, "control port 40050 of server 'a' lies inside the passive range 40000-40099 of server 'a'" },
	{ SITE("<server name=\"a\" daemon=\"vsftpd\"/>\n<server name=\"b\" daemon=\"proftpd\"><listen port=\"40010\"/><passive min-port=\"41000\" max-port=\"41099\"/></server>"), FAIL, 3, "control port 40010 of server 'b' lies inside the passive range 40000-40099 of server 'a'" },
	{ SITE("<server name=\"a\" daemon=\"vsftpd\" mode=\"both\">\n<active data-port=\"40001\"/></server>"), FAIL, 3, "data-port 40001 of server 'a' lies inside the passive range 40000-40099" },
	{ SITE("<server name=\"a\" daemon=\"vsftpd\" mode=\"active\"><listen port=\"40050\"/></server>"), OK, 0, NULL },
	{ SITE("<server name=\"a\" daemon=\"vsftpd\"/>\n<server name=\"b\" daemon=\"proftpd\"><listen port=\"2121\"/>\n<passive min-port=\"40099\" max-port=\"40200\"/></server>"), FAIL, 4, "passive range 40099-40200 of server 'b' overlaps 40000-40099 of server 'a'" },
	{ SITE("<server name=\"a\" daemon=\"vsftpd\"/>\n<server name=\"b\" daemon=\"proftpd\"><listen port=\"2121\"/><passive min-port=\"40100\" max-port=\"40200\"/></server>"), OK, 0, NULL },
	/* names and paths */
	{ SITE("<server name=\"a\" daemon=\"vsftpd\"/>\n<server name=\"a\" daemon=\"proftpd\"><listen port=\"2121\"/><passive min-port=\"41000\" max-port=\"41099\"/></server>"), FAIL, 3, "server name 'a' is used twice (first on line 2)" },
	{ SITE("<server name=\"a\" daemon=\"vsftpd\"/>\n<server name=\"b\" daemon=\"vsftpd\"><listen port=\"2121\"/><passive min-port=\"41000\" max-port=\"41099\"/></server>"), FAIL, 3, "config path '/etc/vsftpd.conf' of server 'b' is also the config path of server 'a'" },
	{ VSFTPD("<config path=\"etc/vsftpd.conf\"/>"), FAIL, 2, "config path 'etc/vsftpd.conf' is not an absolute path; start it with '/'" },
	{ VSFTPD("<config path=\"/etc/../root/x.conf\"/>"), FAIL, 2, "has an empty, '.' or '..' component" },
	{ VSFTPD("<config path=\"/etc/./x.conf\"/>"), FAIL, 2, "has an empty, '.' or '..' component" },
	{ VSFTPD("<config path=\"/etc//x.conf\"/>"), FAIL, 2, "has an empty, '.' or '..' component" },
	{ VSFTPD("<config path=\"/etc/..\"/>"), FAIL, 2, "has an empty, '.' or '..' component" },
	{ VSFTPD("<config path=\"/etc/...conf\"/>"), OK, 0, NULL },
	{ VSFTPD("<config path=\"/etc/my vsftpd.conf\"/>"), FAIL, 2, "contains a space, quote, backslash or '#'" },
	{ VSFTPD("<config path=\"/etc/x#.conf\"/>"), FAIL, 2, "contains a space, quote, backslash or '#'" },
	{ VSFTPD("<config path=\"\"/>"), FAIL, 2, "config path '' is not an absolute path" },
	{ VSFTPD("<config path=\"/etc/vsftpd/\"/>"), FAIL, 2, "config path '/etc/vsftpd/' ends in '/', but only pure-ftpd reads a directory" },
	{ VSFTPD("<config reload=\"\"/>"), FAIL, 2, "reload command is empty" },
	{ VSFTPD("<config reload=\"systemctl reload vsftpd &amp;&amp; true\"/>"), OK, 0, NULL },
	{ VSFTPD("<users anonymous=\"yes\" anonymous-root=\"srv/ftp\"/>"), FAIL, 2, "anonymous-root 'srv/ftp' is not an absolute path" },
	{ VSFTPD("<tls cert=\"ftp.pem\"/>"), FAIL, 2, "cert 'ftp.pem' is not an absolute path" },
	{ VSFTPD("<tls cert=\"/etc/ssl/ftp.pem\" key=\"/etc/ssl/../ftp.key\"/>"), FAIL, 2, "key '/etc/ssl/../ftp.key' has an empty, '.' or '..' component" },
	/* TLS */
	{ VSFTPD("<tls/>"), FAIL, 2, "TLS mode 'explicit' needs a certificate; add cert=" },
	{ VSFTPD("<tls mode=\"implicit\" key=\"/k.pem\"/>"), FAIL, 2, "TLS mode 'implicit' needs a certificate" },
	{ VSFTPD("<tls mode=\"off\"/>"), OK, 0, NULL },
	{ VSFTPD("<tls mode=\"off\" cert=\"/c.pem\"/>"), WARN, 2, "cert and key are ignored with mode 'off'" },
	/* users and limits */
	{ VSFTPD("<users local=\"no\"/>"), FAIL, 2, "server 'a' lets no user in" },
	{ VSFTPD("<limits max-clients=\"4\" max-per-ip=\"5\"/>"), FAIL, 2, "max-per-ip 5 is above max-clients 4; lower it" },
	{ VSFTPD("<limits max-clients=\"0\" max-per-ip=\"500\"/>"), OK, 0, NULL },
	{ VSFTPD("<users anonymous-root=\"/srv/ftp\"/>"), WARN, 2, "anonymous-root is ignored: anonymous is \"no\"" },
	{ SITE("<server name=\"a\" daemon=\"vsftpd\" mode=\"active\">\n<passive/></server>"), WARN, 3, "<passive> is ignored: server 'a' has mode \"active\"" },
	{ SITE("<server name=\"a\" daemon=\"vsftpd\">\n<active/></server>"), WARN, 3, "<active> is ignored: server 'a' has mode \"passive\"" },
	/* vsftpd, proftpd and pure-ftpd limitations */
	{ SITE("<server name=\"a\" daemon=\"pure-ftpd\" mode=\"both\">\n<tls mode=\"implicit\" cert=\"/etc/ssl/private/pure-ftpd.pem\"/></server>"), FAIL, 3, "Debian's pure-ftpd is built without implicit TLS" },
	{ SITE("<server name=\"a\" daemon=\"pure-ftpd\" mode=\"both\">\n<active data-port=\"2020\"/></server>"), FAIL, 3, "pure-ftpd always sends active data from port 20, not 2020" },
	{ SITE("<server name=\"a\" daemon=\"pure-ftpd\" mode=\"both\">\n<tls cert=\"/etc/ssl/ftp.pem\"/></server>"), FAIL, 3, "pure-ftpd-wrapper reads the certificate and key only from /etc/ssl/private/pure-ftpd.pem" },
	{ SITE("<server name=\"a\" daemon=\"pure-ftpd\" mode=\"both\"><config path=\"/etc/pure-ftpd.conf\"/><tls cert=\"/etc/ssl/ftp.pem\"/></server>"), OK, 0, NULL },
	{ SITE("<server name=\"a\" daemon=\"pure-ftpd\" mode=\"both\">\n<banner>Hello</banner></server>"), WARN, 3, "pure-ftpd cannot change its greeting" },
	{ SITE("<server name=\"a\" daemon=\"pure-ftpd\"/>"), WARN, 2, "pure-ftpd cannot refuse PORT/EPRT" },
	{ SITE("<server name=\"a\" daemon=\"pure-ftpd\" mode=\"both\">\n<limits max-clients=\"51\"/></server>"), WARN, 3, "pure-ftpd caps max-clients at half the passive range (50)" },
	{ SITE("<server name=\"a\" daemon=\"pure-ftpd\" mode=\"both\">\n<users anonymous=\"yes\"/><tls cert=\"/etc/ssl/private/pure-ftpd.pem\"/></server>"), WARN, 3, "pure-ftpd requires TLS of anonymous users too" },
	{ SITE("<server name=\"a\" daemon=\"pure-ftpd\" mode=\"both\"><listen address=\"0.0.0.0\"/><listen address=\"::\"/></server>"), OK, 0, NULL },
	/* duplicates of one child */
	{ SITE("<server name=\"a\" daemon=\"vsftpd\"><passive/>\n<passive/></server>"), FAIL, 3, "<passive> given twice in server 'a' (first on line 2); keep one" },
	{ SITE("<server name=\"a\" daemon=\"vsftpd\"><banner>x</banner>\n<banner>y</banner></server>"), FAIL, 3, "<banner> given twice" },
	{ SITE("<server name=\"a\" daemon=\"vsftpd\"><config/>\n<config/></server>"), FAIL, 3, "<config> given twice" },
	/* <allow> and networks */
	{ VSFTPD("<allow/>"), FAIL, 2, "<allow> lists no network, which would shut every client out" },
	{ VSFTPD("<allow>\n<network>192.0.2.1/24</network></allow>"), FAIL, 3, "network '192.0.2.1/24' has host bits set; write '192.0.2.0/24'" },
	{ VSFTPD("<allow>\n<network>2001:db8::1/32</network></allow>"), FAIL, 3, "has host bits set; write '2001:db8::/32'" },
	{ VSFTPD("<allow><network>192.0.2.0/33</network></allow>"), FAIL, 2, "has a prefix length outside 0-32" },
	{ VSFTPD("<allow><network>2001:db8::/129</network></allow>"), FAIL, 2, "has a prefix length outside 0-128" },
	{ VSFTPD("<allow><network>192.0.2.0.1/24</network></allow>"), FAIL, 2, "is not an IPv4 or IPv6 network" },
	{ VSFTPD("<allow><network>0.0.0.0/0</network><network>::/0</network></allow>"), OK, 0, NULL },
	{ VSFTPD("<listen address=\"192.0.2\"/>"), FAIL, 2, "address '192.0.2' is not an IPv4 or IPv6 address" },
	{ VSFTPD("<passive external-address=\"203.0.113\"/>"), FAIL, 2, "external-address '203.0.113' is not an IPv4 or IPv6 address" },
	/* banner */
	{ VSFTPD("<banner/>"), FAIL, 2, "banner is empty; write the greeting or remove <banner>" },
	{ VSFTPD("<banner>   </banner>"), FAIL, 2, "banner is empty" },
	{ VSFTPD("<banner>caf\xc3\xa9 \xe2\x82\xac</banner>"), OK, 0, NULL },
	/* firewall */
	{ SITE("<firewall table=\"t\" attach=\"inet filter input\"/>\n<server name=\"a\" daemon=\"vsftpd\"/>"), FAIL, 2, "table 't' and attach 'inet filter input' both given" },
	{ SITE("<firewall table=\"mytable\"/>\n<server name=\"a\" daemon=\"vsftpd\"/>"), OK, 0, NULL },
	/* the schema */
	{ SITE("<server name=\"a\" daemon=\"wu-ftpd\"/>"), FAIL, 2, "does not match the site schema" },
	{ SITE("<server name=\"a\" daemon=\"vsftpd\" mode=\"sideways\"/>"), FAIL, 2, "does not match the site schema" },
	{ VSFTPD("<listen port=\"0\"/>"), FAIL, 2, "does not match the site schema" },
	{ VSFTPD("<limits idle-timeout=\"86401\"/>"), FAIL, 2, "does not match the site schema" },
	{ VSFTPD("<bogus/>"), FAIL, 2, "does not match the site schema" },
	{ "<site name=\"t\" version=\"2\"><server name=\"a\" daemon=\"vsftpd\"/></site>", FAIL, 1, "does not match the site schema" },
	{ "<site name=\"t\" version=\"1\"/>", FAIL, 1, "does not match the site schema" },
	{ "<limits max-clients=\"5\"/>", FAIL, 1, "the root element is <limits>, not <site>" },
	{ "<server name=\"a\" daemon=\"vsftpd\"/>", FAIL, 1, "the root element is <server>, not <site>" },
	{ "<site xmlns=\"urn:x\" name=\"t\" version=\"1\"><server name=\"a\" daemon=\"vsftpd\"/></site>", FAIL, 1, "does not match the site schema" },
	/* XML */
	{ "", FAIL, 0, "not well-formed XML" },
	{ "<site name=\"t\" version=\"1\">\n<server name=\"a\" daemon=\"vsftpd\">\n</site>", FAIL, 3, "not well-formed XML: <server> (line 2) is closed by </site>; close each" },
	{ "\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" SITE("<server name=\"a\" daemon=\"vsftpd\"/>"), OK, 0, NULL },
	{ "<?xml version=\"1.0\" encoding='US-ASCII'?>\n" SITE("<server name=\"a\" daemon=\"vsftpd\"/>"), OK, 0, NULL },
	{ "<?xml version=\"1.0\"?>\n<!-- a comment --><site name=\"t\" version=\"1\"><!-- <x a=\"1\"> --><server name=\"a\" daemon=\"vsftpd\"/></site>", OK, 0, NULL },
};

static void test_site_cases(void **state)
{
	for (size_t i = 0; i < sizeof(site_cases) / sizeof(site_cases[0]); i++) {
		const struct site_case *c = &site_cases[i];

		switch (c->result) {
		case OK:
			site_free(expect_ok(state, c->xml));
			break;
		case FAIL:
			expect_error(state, c->xml, c->line, c->expect);
			break;
		case WARN:
			expect_warning(state, c->xml, c->line, c->expect);
			break;
		default:
			fail();
		}
	}
}

/* Validation goes on after the first problem: every one is reported. */
static void test_site_reports_every_problem(void **state)
{
	struct site *s = NULL;
	struct diag d;

	diag_init(&d);
	assert_int_equal(load(state, SITE(
		"<server name=\"a\" daemon=\"vsftpd\"><passive min-port=\"40100\" max-port=\"40000\"/>"
		"</server>\n"
		"<server name=\"a\" daemon=\"proftpd\">\n<limits max-clients=\"1\" max-per-ip=\"2\"/>"
		"</server>"), &d, &s), -EINVAL);
	assert_null(s);
	assert_non_null(find_rec(&d, DIAG_ERROR, "swap them"));
	assert_non_null(find_rec(&d, DIAG_ERROR, "used twice"));
	assert_non_null(find_rec(&d, DIAG_ERROR, "max-per-ip 2 is above max-clients 1"));
	diag_release(&d);

	/* Parse errors in two servers: both reported. */
	diag_init(&d);
	assert_int_equal(load(state, SITE(
		"<server name=\"a\" daemon=\"vsftpd\"><config path=\"rel\"/></server>\n"
		"<server name=\"b\" daemon=\"proftpd\"><allow/></server>"), &d, &s), -EINVAL);
	assert_int_equal(d.n_errors, 2);
	assert_int_equal(d.recs[0].line, 2);
	assert_int_equal(d.recs[1].line, 3);
	diag_release(&d);
}

/* An error already in the diag (another file, an earlier step) is not this site's. */
static void test_site_earlier_errors_ignored(void **state)
{
	struct site *s = NULL;
	struct diag d;

	diag_init(&d);
	diag(&d, NULL, -EIO, "an earlier problem");
	assert_int_equal(load(state, SITE("<server name=\"a\" daemon=\"vsftpd\"/>"), &d, &s), 0);
	assert_non_null(s);
	assert_int_equal(d.n_errors, 1);
	site_free(s);
	s = NULL;
	assert_int_equal(load(state, SITE("<server name=\"a\" daemon=\"vsftpd\"><allow/></server>"),
			      &d, &s), -EINVAL);
	assert_int_equal(d.n_errors, 2);
	diag_release(&d);
}

static void test_site_listen_limit(void **state)
{
	size_t n = 200000;
	size_t size = n * 32 + 256;
	char *xml = malloc(size);
	struct site *s = NULL;
	struct diag d;
	size_t off;

	assert_non_null(xml);
	off = (size_t)snprintf(xml, size, "<site name=\"t\" version=\"1\">\n"
			       "<server name=\"a\" daemon=\"proftpd\">\n");
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(xml + off, size - off, "<listen port=\"%zu\"/>\n",
					1 + i % 30000);
	off += (size_t)snprintf(xml + off, size - off, "</server>\n</site>\n");
	diag_init(&d);
	assert_int_equal(load_len(state, xml, off, &d, &s), -EINVAL);
	/* One message, at the 65th <listen> (line 3 + 64). */
	assert_int_equal(d.n_recs, 1);
	assert_int_equal(d.recs[0].line, 67);
	assert_non_null(strstr(d.recs[0].msg, "more than 64 <listen> elements"));
	diag_release(&d);
	free(xml);
}

/* ---- reading files --------------------------------------------------- */

static void test_site_load_file(void **state)
{
	struct fixture *f = *state;
	const char *xml = SITE("<server name=\"a\" daemon=\"vsftpd\"/>");
	char path[PATH_MAX + 16];
	struct site *s = NULL;
	struct diag d;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/site.xml", f->tmpdir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(xml, fp);
	assert_int_equal(fclose(fp), 0);
	diag_init(&d);
	assert_int_equal(site_load(path, f->schema, &d, &s), 0);
	assert_string_equal(s->file, path);
	site_free(s);
	s = NULL;
	unlink(path);

	assert_int_equal(site_load(path, f->schema, &d, &s), -ENOENT);
	assert_int_equal(d.n_errors, 1);
	assert_string_equal(d.recs[0].file, path);
	assert_non_null(strstr(d.recs[0].msg, "cannot read the site description"));
	assert_int_equal(site_load(f->tmpdir, f->schema, &d, &s), -EISDIR);
	assert_non_null(strstr(d.recs[1].msg, "is a directory"));
	assert_null(s);
	diag_release(&d);
}

static void test_site_missing_schema(void **state)
{
	struct site *s = NULL;
	struct diag d;

	(void)state;
	diag_init(&d);
	assert_int_equal(site_load_buffer("t.xml", SITE("<server name=\"a\" daemon=\"vsftpd\"/>"),
					  strlen(SITE("<server name=\"a\" daemon=\"vsftpd\"/>")),
					  "/nonexistent/site.xsd", &d, &s), -EIO);
	assert_int_equal(d.n_errors, 1);
	assert_non_null(strstr(d.recs[0].msg, "cannot read the site schema '/nonexistent/site.xsd'"));
	assert_null(s);
	diag_release(&d);
}

/* ---- hostile input ----------------------------------------------------- */

/*
 * Run @fn with stderr pointing at a temp file, and fail if anything was
 * written there: libxml2 must never print on its own.
 */
static int quietly(void **state, const char *xml, size_t len, struct diag *d, struct site **out)
{
	FILE *tmp = tmpfile();
	struct stat st;
	int saved;
	int ret;

	assert_non_null(tmp);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	ret = load_len(state, xml, len, d, out);
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	assert_int_equal(fstat(fileno(tmp), &st), 0);
	if (st.st_size != 0) {
		char buf[512] = "";

		rewind(tmp);
		if (!fgets(buf, sizeof(buf), tmp))
			buf[0] = '\0';
		print_message("stderr was written to: %s\n", buf);
		fail();
	}
	fclose(tmp);
	return ret;
}

/* @xml must fail with exactly one error, saying @substr, and print nothing itself. */
static void expect_refused_len(void **state, const char *xml, size_t len, const char *substr)
{
	struct site *s = NULL;
	struct diag d;
	int ret;

	diag_init(&d);
	ret = quietly(state, xml, len, &d, &s);
	if (ret != -EINVAL || d.n_recs != 1 || !strstr(d.recs[0].msg, substr)) {
		print_message("expected one error with '%s', got %d:\n", substr, ret);
		print_recs(&d);
		fail();
	}
	assert_null(s);
	/* One line, whatever the input held. */
	assert_null(strchr(d.recs[0].msg, '\n'));
	assert_null(strchr(d.recs[0].msg, '\r'));
	diag_release(&d);
}

static void expect_refused(void **state, const char *xml, const char *substr)
{
	expect_refused_len(state, xml, strlen(xml), substr);
}

static void test_site_hostile_entities(void **state)
{
	static const char *const docs[] = {
		/* external entity to a file */
		"<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n"
		SITE("<server name=\"a\" daemon=\"vsftpd\"><banner>&e;</banner></server>"),
		/* to the network */
		"<!DOCTYPE x [<!ENTITY e SYSTEM \"http://192.0.2.1/x\">]>\n"
		SITE("<server name=\"a\" daemon=\"vsftpd\"><banner>&e;</banner></server>"),
		/* an external DTD */
		"<!DOCTYPE site SYSTEM \"http://192.0.2.1/site.dtd\">\n"
		SITE("<server name=\"a\" daemon=\"vsftpd\"/>"),
		"<!DOCTYPE site PUBLIC \"-//x//y\" \"file:///etc/passwd\">\n"
		SITE("<server name=\"a\" daemon=\"vsftpd\"/>"),
		/* parameter entities */
		"<!DOCTYPE x [<!ENTITY % p SYSTEM \"http://192.0.2.1/p.dtd\"> %p;]>\n"
		SITE("<server name=\"a\" daemon=\"vsftpd\"/>"),
		"<!DOCTYPE x [<!ENTITY % p \"<!ENTITY e 'x'>\"> %p;]>\n"
		SITE("<server name=\"a\" daemon=\"vsftpd\"><banner>&e;</banner></server>"),
		/* billion laughs */
		"<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
		"<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
		"<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
		"<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
		"<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
		"<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
		"<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
		"<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
		"<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
		"<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">]>\n"
		SITE("<server name=\"a\" daemon=\"vsftpd\"><banner>&lol9;</banner></server>"),
		/* an empty DOCTYPE is a DOCTYPE too */
		"<!DOCTYPE site>\n" SITE("<server name=\"a\" daemon=\"vsftpd\"/>"),
	};

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		expect_refused(state, docs[i], "a DOCTYPE is not allowed in a site description");
}

static void test_site_hostile_doctype_line(void **state)
{
	struct site *s = NULL;
	struct diag d;

	diag_init(&d);
	assert_int_equal(quietly(state, "<?xml version=\"1.0\"?>\n\n<!DOCTYPE site>\n<site/>", 42,
				 &d, &s), -EINVAL);
	assert_int_equal(d.n_recs, 1);
	assert_int_equal(d.recs[0].line, 3);
	diag_release(&d);
}

static void test_site_hostile_undeclared_entity(void **state)
{
	expect_refused(state, VSFTPD("<banner>&e;</banner>"), "entity '&e;' is not defined");
	expect_refused(state, VSFTPD("<config path=\"/etc/&e;\"/>"), "entity '&e;' is not defined");
	/* A bare '&' */
	expect_refused(state, VSFTPD("<banner>Tom & Jerry</banner>"), "not well-formed XML");
}

/* Control characters and line breaks, by reference, in every string that reaches a daemon. */
static void test_site_hostile_control_chars(void **state)
{
	static const char *const refs[] = {
		"&#10;", "&#13;", "&#9;", "&#xA;", "&#x85;", "&#x9B;", "&#x2028;", "&#x2029;",
		"&#127;", "\xc2\x85", "\xe2\x80\xa8",
	};
	char xml[512];

	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		snprintf(xml, sizeof(xml), VSFTPD("<banner>hi%sthere</banner>"), refs[i]);
		expect_refused(state, xml, "banner contains a control character or line break");
		snprintf(xml, sizeof(xml), VSFTPD("<config path=\"/etc/a%s.conf\"/>"), refs[i]);
		expect_refused(state, xml, "config path contains a control character or line break");
		snprintf(xml, sizeof(xml), VSFTPD("<config reload=\"systemctl%sreload x\"/>"),
			 refs[i]);
		expect_refused(state, xml, "reload command contains a control character");
		snprintf(xml, sizeof(xml), VSFTPD("<tls cert=\"/etc/%s.pem\"/>"), refs[i]);
		expect_refused(state, xml, "cert contains a control character");
		snprintf(xml, sizeof(xml),
			 VSFTPD("<users anonymous=\"yes\" anonymous-root=\"/srv/%s\"/>"), refs[i]);
		expect_refused(state, xml, "anonymous-root contains a control character");
	}
	/* A raw newline inside an attribute value is normalized to a space by XML. */
	expect_refused(state, VSFTPD("<config path=\"/etc/a\n.conf\"/>"), "contains a space");
	/* C0 controls other than tab, CR and LF are not XML at all. */
	expect_refused(state, VSFTPD("<banner>a&#1;b</banner>"),
		       "character reference to U+0001, which XML does not allow");
	expect_refused(state, VSFTPD("<banner>a&#0;b</banner>"), "not well-formed XML");
	expect_refused(state, VSFTPD("<banner>a&#x1b;[31mb</banner>"), "U+001B");
}

static void test_site_hostile_encoding(void **state)
{
	static const char utf16le[] = "\xff\xfe<\0s\0i\0t\0e\0/\0>\0";
	static const char utf16be[] = "\xfe\xff\0<\0s\0i\0t\0e\0/\0>";
	static const char utf16_nobom[] = "<\0?\0x\0m\0l\0 \0";
	static const char utf32[] = "\0\0\0<";
	static const char ebcdic[] = "\x4c\x6f\xa7\x94\x93";
	static const char nul_inside[] = "<site name=\"t\"\0 version=\"1\"/>";

	expect_refused(state, VSFTPD("<banner>caf\xff\xfe</banner>"),
		       "not valid UTF-8 (bytes 0xFF 0xFE");
	/* An overlong '/' and a surrogate in UTF-8 */
	expect_refused(state, VSFTPD("<banner>\xc0\xaf</banner>"), "not valid UTF-8");
	expect_refused(state, VSFTPD("<banner>\xed\xa0\x80</banner>"), "not well-formed XML");
	expect_refused_len(state, utf16le, sizeof(utf16le) - 1, "the file is UTF-16 or UTF-32");
	expect_refused_len(state, utf16be, sizeof(utf16be) - 1, "the file is UTF-16 or UTF-32");
	expect_refused_len(state, utf16_nobom, sizeof(utf16_nobom) - 1,
			   "the file is UTF-16 or UTF-32");
	expect_refused_len(state, utf32, sizeof(utf32) - 1, "the file is UTF-16 or UTF-32");
	expect_refused_len(state, ebcdic, sizeof(ebcdic) - 1, "the file is EBCDIC");
	/* Declared encodings would switch libxml2's converters on; they print to stderr. */
	expect_refused(state, "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
		       VSFTPD("<banner>caf\xe9</banner>"), "declares encoding 'ISO-8859-1'");
	expect_refused(state, "<?xml version=\"1.0\" encoding=\"EUC-JP\"?>\n"
		       VSFTPD("<banner>\xff\xff\x8e</banner>"), "declares encoding 'EUC-JP'");
	expect_refused(state, "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n"
		       VSFTPD(""), "declares encoding 'UTF-16'");
	expect_refused(state, "<?xml version=\"1.0\" encoding=\"x-nonsense\"?>\n"
		       VSFTPD(""), "declares encoding 'x-nonsense'");
	expect_refused(state, "<?xml version=\"1.0\" encoding=\"a\nb\"?>\n" VSFTPD(""),
		       "not well-formed XML");
	/* A NUL byte in the middle */
	expect_refused_len(state, nul_inside, sizeof(nul_inside) - 1, "not well-formed XML");
}

static void test_site_hostile_size(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX + 16];
	struct site *s = NULL;
	struct diag d;
	char *big;
	int fd;

	/* 50 MB on disk: refused by its size, before it is read. */
	snprintf(path, sizeof(path), "%s/big.xml", f->tmpdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "<site", 5), 5);
	assert_int_equal(ftruncate(fd, 50 * 1000 * 1000), 0);
	close(fd);
	assert_true(50u * 1000 * 1000 > SITE_MAX_BYTES);
	diag_init(&d);
	assert_int_equal(site_load(path, f->schema, &d, &s), -EINVAL);
	assert_null(s);
	assert_int_equal(d.n_recs, 1);
	assert_non_null(strstr(d.recs[0].msg, "file is 50000000 bytes, more than a site"));
	diag_release(&d);
	unlink(path);

	/* A stream with no size (a character device) is cut at the limit. */
	diag_init(&d);
	assert_int_equal(site_load("/dev/zero", f->schema, &d, &s), -EINVAL);
	assert_int_equal(d.n_recs, 1);
	assert_non_null(strstr(d.recs[0].msg, "more than a site description may be"));
	diag_release(&d);

	/* A buffer one byte over the limit. */
	big = malloc(SITE_MAX_BYTES + 1);
	assert_non_null(big);
	memset(big, ' ', SITE_MAX_BYTES + 1);
	expect_refused_len(state, big, SITE_MAX_BYTES + 1, "more than a site description may be");
	free(big);
}

static void test_site_hostile_deep_nesting(void **state)
{
	size_t n = 100000;
	const char *head = "<site name=\"t\" version=\"1\">";
	size_t size = strlen(head) + n * 7 + 16;
	char *xml = malloc(size);
	char *p;

	assert_non_null(xml);
	p = xml + sprintf(xml, "%s", head);
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "<a>");
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "</a>");
	p += sprintf(p, "</site>");
	expect_refused_len(state, xml, (size_t)(p - xml), "elements nest more than 256 deep");
	free(xml);
}

static void test_site_hostile_many_attributes(void **state)
{
	size_t n = 100000;
	size_t size = n * 24 + 256;
	char *xml = malloc(size);
	size_t off;

	assert_non_null(xml);
	/* On the root, on an unknown element, and as namespace declarations. */
	for (int kind = 0; kind < 3; kind++) {
		off = (size_t)snprintf(xml, size, "<site name=\"t\" version=\"1\"%s",
				       kind == 0 ? "" : "><server name=\"a\" daemon=\"vsftpd\"/>\n<x");
		for (size_t i = 0; i < n; i++)
			off += (size_t)snprintf(xml + off, size - off,
						kind == 2 ? " xmlns:a%zu='u'" : " a%zu='x'", i);
		off += (size_t)snprintf(xml + off, size - off, "%s</site>",
					kind == 0 ? "><server name=\"a\" daemon=\"vsftpd\"/>" : "/>");
		expect_refused_len(state, xml, off, kind == 2 ? "more than 16 namespace declarations"
						       : "an element has more than 32 attributes");
	}
	free(xml);
	/* Quoted '=' and '>' are values, not attributes. */
	site_free(expect_ok(state, VSFTPD(
		"<config reload=\"env A=1 B=2 C=3 D=4 E=5 F=6 G=7 H=8 I=9 J=10 K=11 L=12 M=13 "
		"N=14 O=15 P=16 Q=17 R=18 S=19 T=20 U=21 V=22 W=23 X=24 Y=25 Z=26 a=1 b=2 c=3 "
		"d=4 e=5 f=6 g=7 h=8 systemctl reload vsftpd &gt; /dev/null\"/>")));
}

static void test_site_hostile_flood_of_errors(void **state)
{
	size_t n = 200000;
	size_t size = n * 4 + 256;
	char *xml = malloc(size);
	size_t off;

	assert_non_null(xml);
	off = (size_t)snprintf(xml, size, "<site name=\"t\" version=\"1\"><server name=\"a\" "
			       "daemon=\"vsftpd\"><banner>");
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(xml + off, size - off, "&u;");
	off += (size_t)snprintf(xml + off, size - off, "</banner></server></site>");
	/* libxml2 reports each one; the first is enough. */
	expect_refused_len(state, xml, off, "entity '&u;' is not defined");
	free(xml);
}

/* The schema validator joins text pieces with strcat: quadratic in their number. */
static void test_site_hostile_text_pieces(void **state)
{
	size_t n = 100000;
	size_t size = n * 8 + 256;
	char *xml = malloc(size);
	size_t off;

	assert_non_null(xml);
	for (int kind = 0; kind < 2; kind++) {
		off = (size_t)snprintf(xml, size, "<site name=\"t\" version=\"1\">\n<server "
				       "name=\"a\" daemon=\"vsftpd\"><banner>");
		for (size_t i = 0; i < n; i++)
			off += (size_t)snprintf(xml + off, size - off, kind ? "x<?a?>" : "x<!---->");
		off += (size_t)snprintf(xml + off, size - off, "</banner></server></site>");
		expect_refused_len(state, xml, off, "the text of <banner> is cut into more than 64 "
				   "pieces");
	}
	free(xml);
	/* Comments between elements are not text pieces. */
	site_free(expect_ok(state, VSFTPD("<allow><!-- a --><network>192.0.2.0/24</network>"
					  "<!-- b --><network>198.51.100.0/24</network><!-- c -->"
					  "</allow><banner>a<!-- x -->b<?y?>c</banner>")));
}

static void test_site_hostile_long_values(void **state)
{
	size_t n = 8 * 1024 * 1024;
	char *xml = malloc(n + 256);
	size_t off;

	assert_non_null(xml);
	off = (size_t)sprintf(xml, "<site name=\"");
	memset(xml + off, 'a', n);
	off += n;
	off += (size_t)sprintf(xml + off, "\" version=\"1\"><server name=\"a\" daemon=\"vsftpd\"/>"
			       "</site>");
	/* The message quotes the value, but not all of it. */
	expect_refused_len(state, xml, off, "does not match the site schema");
	free(xml);
}

/* XInclude is never processed: an <xi:include> is an element the schema refuses. */
static void test_site_hostile_xinclude(void **state)
{
	expect_refused(state, "<site name=\"t\" version=\"1\" "
		       "xmlns:xi=\"http://www.w3.org/2001/XInclude\">\n"
		       "<server name=\"a\" daemon=\"vsftpd\"><banner><xi:include href=\"/etc/passwd\" "
		       "parse=\"text\"/></banner></server></site>",
		       "does not match the site schema");
	expect_refused(state, "<site name=\"t\" version=\"1\" "
		       "xmlns:xi=\"http://www.w3.org/2001/XInclude\">\n"
		       "<xi:include href=\"/etc/passwd\"/>"
		       "<server name=\"a\" daemon=\"vsftpd\"/></site>",
		       "does not match the site schema");
}

/*
 * libxml2 scans every namespace declaration in scope for each element: a
 * few hundred of them over millions of elements took 20 s.  A site needs
 * none but xmlns:xsi, whose schema hints are never followed.
 */
static void test_site_hostile_namespaces(void **state)
{
	size_t size = 64 * 1024;
	char *xml = malloc(size);
	size_t off;

	assert_non_null(xml);
	off = (size_t)snprintf(xml, size, "<site name=\"t\" version=\"1\">");
	for (int depth = 0; depth < 10; depth++) {
		off += (size_t)snprintf(xml + off, size - off, "<e");
		for (int i = 0; i < 10; i++)
			off += (size_t)snprintf(xml + off, size - off, " xmlns:p%d=\"u\"", i);
		off += (size_t)snprintf(xml + off, size - off, ">");
	}
	off += (size_t)snprintf(xml + off, size - off, "<x/><x/></e></e></e></e></e></e></e></e>"
				"</e></e></site>");
	expect_refused_len(state, xml, off, "more than 16 namespace declarations");
	free(xml);
	site_free(expect_ok(state, "<site xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
			    "xsi:noNamespaceSchemaLocation=\"http://192.0.2.1/site.xsd\" name=\"t\" "
			    "version=\"1\"><server name=\"a\" daemon=\"vsftpd\"/></site>"));
}

/*
 * A processing instruction is addressed to an application, and ftpcfg has
 * none: it is ignored, like a comment, and never reaches a value.  CDATA is
 * plain text, checked like any other.
 */
static void test_site_hostile_pi_and_cdata(void **state)
{
	struct site *s;

	s = expect_ok(state, "<?xml version=\"1.0\"?>\n<?xml-stylesheet href=\"http://192.0.2.1/x\"?>\n"
		      SITE("<?evil rm -rf /?><server name=\"a\" daemon=\"vsftpd\">"
			   "<banner>Hi<?pi x?> there</banner></server>"));
	assert_string_equal(s->servers[0].banner, "Hi there");
	site_free(s);
	s = expect_ok(state, VSFTPD("<banner><![CDATA[Hi <b>&amp; there]]></banner>"));
	assert_string_equal(s->servers[0].banner, "Hi <b>&amp; there");
	site_free(s);
	s = expect_ok(state, VSFTPD("<banner>Hi<!-- a comment --> there</banner>"));
	assert_string_equal(s->servers[0].banner, "Hi there");
	site_free(s);
	expect_refused(state, VSFTPD("<banner><![CDATA[Hi\nthere]]></banner>"),
		       "banner contains a control character or line break");
	expect_refused(state, VSFTPD("<banner>Hi<![CDATA[\r]]>there</banner>"),
		       "banner contains a control character or line break");
	/* A PI target may not be "xml" past the start. */
	expect_refused(state, VSFTPD("<?xml version=\"1.0\"?>"), "not well-formed XML");
}

static void test_site_hostile_banner_too_long(void **state)
{
	char xml[1024];
	char banner[300];

	memset(banner, 'x', sizeof(banner) - 1);
	banner[sizeof(banner) - 1] = '\0';
	snprintf(xml, sizeof(xml), VSFTPD("<banner>%s</banner>"), banner);
	expect_refused(state, xml, "banner is 299 bytes long; keep it under 256");
}

/* DESIGN: allowlists of 100 000 networks.  Indented, IPv6, that is over 4 MiB. */
static void test_site_many_networks(void **state)
{
	size_t n = 100000;
	size_t size = n * 64 + 256;
	char *xml = malloc(size);
	struct site *s = NULL;
	struct diag d;
	char buf[64];
	size_t off;

	assert_non_null(xml);
	off = (size_t)snprintf(xml, size, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			       "<site name=\"big\" version=\"1\">\n"
			       "  <server name=\"public\" daemon=\"vsftpd\">\n    <allow>\n");
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(xml + off, size - off,
					"      <network>2001:db8:%zx:%zx::/64</network>\n",
					i >> 12, i & 0xfff);
	off += (size_t)snprintf(xml + off, size - off, "    </allow>\n  </server>\n</site>\n");
	assert_true(off > 4u * 1024 * 1024);
	assert_true(off < SITE_MAX_BYTES);
	diag_init(&d);
	assert_int_equal(load_len(state, xml, off, &d, &s), 0);
	assert_int_equal(s->servers[0].n_allow, n);
	assert_int_equal(site_net_format(&s->servers[0].allow[n - 1], buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2001:db8:18:69f::/64");
	assert_int_equal(s->servers[0].allow[n - 1].line, 4 + n);
	site_free(s);
	diag_release(&d);
	free(xml);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_site_defaults_filled),
		cmocka_unit_test(test_site_defaults_per_daemon),
		cmocka_unit_test(test_site_defaults_tls),
		cmocka_unit_test(test_site_values_copied),
		cmocka_unit_test(test_site_names_of_enums),
		cmocka_unit_test(test_site_format_small_buffer),
		cmocka_unit_test(test_site_cases),
		cmocka_unit_test(test_site_reports_every_problem),
		cmocka_unit_test(test_site_earlier_errors_ignored),
		cmocka_unit_test(test_site_listen_limit),
		cmocka_unit_test(test_site_load_file),
		cmocka_unit_test(test_site_missing_schema),
		cmocka_unit_test(test_site_hostile_entities),
		cmocka_unit_test(test_site_hostile_doctype_line),
		cmocka_unit_test(test_site_hostile_undeclared_entity),
		cmocka_unit_test(test_site_hostile_control_chars),
		cmocka_unit_test(test_site_hostile_encoding),
		cmocka_unit_test(test_site_hostile_size),
		cmocka_unit_test(test_site_hostile_deep_nesting),
		cmocka_unit_test(test_site_hostile_many_attributes),
		cmocka_unit_test(test_site_hostile_flood_of_errors),
		cmocka_unit_test(test_site_hostile_text_pieces),
		cmocka_unit_test(test_site_hostile_long_values),
		cmocka_unit_test(test_site_hostile_xinclude),
		cmocka_unit_test(test_site_hostile_namespaces),
		cmocka_unit_test(test_site_hostile_pi_and_cdata),
		cmocka_unit_test(test_site_hostile_banner_too_long),
		cmocka_unit_test(test_site_many_networks),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
