/*
 * test_site: the site module against the real schema and libxml2:
 * defaults, every check with its line, a table of small cases, and reading
 * files.  Hostile input is in test_site_hostile.c.
 */
#include "site_fixture.h"

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

/* Each <allow> keeps its own networks, in order, with their lines, however many. */
static void test_site_allow_lists_per_server(void **state)
{
	enum { N = 300 };
	char *xml = malloc(64 * N + 1024);
	char buf[INET6_ADDRSTRLEN + 5];
	struct site *s;
	size_t len;

	assert_non_null(xml);
	len = (size_t)sprintf(xml, "<site name=\"t\" version=\"1\">\n"
			      "<server name=\"a\" daemon=\"vsftpd\"><allow>\n");
	for (unsigned i = 0; i < N; i++)
		len += (size_t)sprintf(xml + len, "<network>10.%u.%u.0/24</network>\n",
				       i / 256, i % 256);
	sprintf(xml + len, "</allow></server>\n<server name=\"b\" daemon=\"proftpd\">"
		"<config path=\"/etc/b.conf\"/><listen address=\"192.0.2.1\" port=\"2121\"/>"
		"<passive min-port=\"41000\" max-port=\"41099\"/>\n"
		"<allow><network xmlns:x=\"urn:x\">2001:db8::/48</network></allow></server>\n"
		"</site>\n");
	s = expect_ok(state, xml);
	assert_int_equal(s->servers[0].n_allow, N);
	/* All but the first of a's: b's has an attribute (a namespace declaration). */
	assert_int_equal(s->n_plain, N - 1);
	assert_int_equal(s->servers[0].allow[0].line, 3);
	assert_int_equal(s->servers[0].allow[N - 1].line, 3 + N - 1);
	assert_int_equal(site_net_format(&s->servers[0].allow[N - 1], buf, sizeof(buf)), 0);
	assert_string_equal(buf, "10.1.43.0/24");
	assert_int_equal(s->servers[1].n_allow, 1);
	assert_int_equal(s->servers[1].allow[0].line, 5 + N);
	assert_int_equal(site_net_format(&s->servers[1].allow[0], buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2001:db8::/48");
	site_free(s);
	free(xml);
}

/* The allowlist's order, made once as it is read: by network, then by line. */
static void test_site_allow_order_by_network_then_line(void **state)
{
	static const char *const want_v4[] = { "10.0.0.0/8", "10.0.0.0/16", "10.0.0.0/16",
					       "10.1.0.0/16", "192.0.2.0/24", "192.0.2.7/32" };
	static const unsigned lines_v4[] = { 5, 3, 7, 4, 6, 8 };
	static const char *const want_mixed[] = { "192.0.2.0/24", "2001:db8::/32",
						   "2001:db8::/48", "2001:db8:1::/48" };
	char buf[INET6_ADDRSTRLEN + 5];
	struct site *s;

	s = expect_ok(state, VSFTPD("<allow>\n<network>10.0.0.0/16</network>\n"
				    "<network>10.1.0.0/16</network>\n<network>10.0.0.0/8</network>\n"
				    "<network>192.0.2.0/24</network>\n<network>10.0.0.0/16</network>\n"
				    "<network>192.0.2.7/32</network></allow>"));
	assert_true(site_allow_sorted(&s->servers[0]));
	assert_int_equal(s->servers[0].n_allow_v4, 6);
	assert_int_equal(s->servers[0].n_allow_v6, 0);
	for (size_t k = 0; k < 6; k++) {
		uint64_t key = s->servers[0].allow_v4[k];
		const struct site_net *n = &s->servers[0].allow[site_v4key_index(key)];

		assert_int_equal(site_v4key_addr(key) >> 24, n->addr.bytes[0]);
		assert_int_equal(site_v4key_prefix(key), n->prefix);
		assert_int_equal(site_net_format(n, buf, sizeof(buf)), 0);
		assert_string_equal(buf, want_v4[k]);
		assert_int_equal(n->line, lines_v4[k]);
	}
	site_free(s);
	s = expect_ok(state, VSFTPD("<allow><network>2001:db8:1::/48</network>"
				    "<network>2001:db8::/48</network><network>192.0.2.0/24</network>"
				    "<network>2001:db8::/32</network></allow>"));
	assert_true(site_allow_sorted(&s->servers[0]));
	assert_int_equal(s->servers[0].n_allow_v4, 1);
	assert_int_equal(s->servers[0].n_allow_v6, 3);
	for (size_t k = 0; k < 4; k++) {
		const struct site_net *n = &s->servers[0].allow[k ? s->servers[0].allow_v6[k - 1] :
				site_v4key_index(s->servers[0].allow_v4[0])];

		assert_int_equal(site_net_format(n, buf, sizeof(buf)), 0);
		assert_string_equal(buf, want_mixed[k]);
	}
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
	{ SITE("<server name=\"a\" daemon=\"proftpd\"><users anonymous=\"yes\" anonymous-root=\"/srv/ftp&gt;&lt;Limit\"/></server>"), FAIL, 2, "anonymous-root '/srv/ftp><Limit' contains '<' or '>', which would end ProFTPD's <Anonymous>" },
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
	/* allowlist warnings */
	{ VSFTPD("<allow>\n<network>0.0.0.0/0</network></allow>"), WARN, 3, "network '0.0.0.0/0' allows any IPv4 source" },
	{ VSFTPD("<allow>\n<network>::/0</network></allow>"), WARN, 3, "network '::/0' allows any IPv6 source" },
	{ VSFTPD("<allow>\n<network>::ffff:192.0.2.0/120</network></allow>"), WARN, 3, "is IPv4-mapped: IPv4 clients arrive in IPv4 packets, which it never matches; write '192.0.2.0/24'" },
	{ VSFTPD("<allow>\n<network>::ffff:0:0/96</network></allow>"), WARN, 3, "write '0.0.0.0/0'" },
	{ VSFTPD("<allow><network>192.0.2.0/24</network>\n<network>10.0.0.0/8</network>\n<network>192.0.2.0/24</network></allow>"), WARN, 4, "network '192.0.2.0/24' is listed twice in server 'a' (first on line 2); remove one" },
	{ VSFTPD("<listen address=\"192.0.2.1\"/><allow><network>192.0.2.0/24</network>\n<network>2001:db8::/32</network></allow>"), WARN, 3, "network '2001:db8::/32' is IPv6, but no listener of server 'a' takes IPv6; it is left out of the ruleset" },
	{ VSFTPD("<listen address=\"::\"/><allow><network>192.0.2.0/24</network></allow>"), OK, 0, NULL },
	{ SITE("<firewall attach=\"ip6 filter input\"/><server name=\"a\" daemon=\"vsftpd\"><allow><network>2001:db8::/32</network>\n<network>192.0.2.0/24</network></allow></server>"), WARN, 3, "network '192.0.2.0/24' is IPv4, but the attached table is 'ip6 filter'" },
	/* networks are parsed as the file is read (site.c), not as tree nodes */
	{ VSFTPD("<allow><network>\n\n      192.0.2.0/24\n\n                                                                                              </network></allow>"), OK, 0, NULL },
	{ VSFTPD("<allow><network>192.0.2.<!-- c -->0/24</network><network><![CDATA[10.0.0.0/8]]></network><network>&#x31;0.1.0.0/16</network></allow>"), OK, 0, NULL },
	{ VSFTPD("<allow><network>192.0.2.0 10.0.0.0</network></allow>"), FAIL, 2, "network '192.0.2.0 10.0.0.0' is not an IPv4 or IPv6 network" },
	{ VSFTPD("<allow><network>192.0.2.0/240000000000000000000000000000000000000000000000000000000000000000000000000000000</network></allow>"), FAIL, 2, "network is too long; write it as ADDRESS/PREFIX" },
	{ VSFTPD("<allow><network>   </network></allow>"), FAIL, 2, "network '' is not an IPv4 or IPv6 network" },
	{ VSFTPD("<allow>\n<network via=\"x\">192.0.2.0/24</network></allow>"), FAIL, 3, "<network> takes no attributes" },
	{ VSFTPD("<allow><network>\n<b>192.0.2.0/24</b></network></allow>"), FAIL, 3, "<network> holds only its text, ADDRESS/PREFIX; move <b> out of it" },
	{ VSFTPD("<allow><network xmlns=\"urn:x\">192.0.2.0/24</network></allow>"), FAIL, 2, "<network> is in the namespace 'urn:x'" },
	{ VSFTPD("<network>192.0.2.0/24</network>"), FAIL, 2, "<network> belongs inside <allow>, not <server>" },
	{ VSFTPD("<allow>x<network>192.0.2.0/24</network></allow>"), FAIL, 2, "text 'x' inside <allow>, which holds only <network> elements" },
	{ SITE("<server name=\"a\" daemon=\"vsftpd\"><allow><network>192.0.2.1/24</network></allow></server><server name=\"a\" daemon=\"bogus\"/>"), FAIL, 2, "network '192.0.2.1/24' has host bits set" },
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
	{ SITE("<server name=\"a\" daemon=\"wu-ftpd\"/>"), FAIL, 2, "daemon=\"wu-ftpd\" on <server> is not 'vsftpd', 'proftpd' or 'pure-ftpd'" },
	{ SITE("<server name=\"a\" daemon=\"vsftpd\" mode=\"sideways\"/>"), FAIL, 2, "mode=\"sideways\" on <server> is not 'active', 'passive' or 'both'" },
	{ VSFTPD("<listen port=\"0\"/>"), FAIL, 2, "port=\"0\" on <listen> is out of range; write a number from 1 to 65535" },
	{ VSFTPD("<limits idle-timeout=\"86401\"/>"), FAIL, 2, "idle-timeout=\"86401\" on <limits> is out of range; write a number from 1 to 86400" },
	{ VSFTPD("<bogus/>"), FAIL, 2, "unknown element <bogus> in <server>" },
	{ "<site name=\"t\" version=\"2\"><server name=\"a\" daemon=\"vsftpd\"/></site>", FAIL, 1, "version=\"2\" on <site> is not '1'; write version=\"1\"" },
	{ "<site name=\"t\" version=\"1\"/>", FAIL, 1, "<site> has no <server>; add one" },
	{ "<limits max-clients=\"5\"/>", FAIL, 1, "the root element is <limits>, not <site>" },
	{ "<server name=\"a\" daemon=\"vsftpd\"/>", FAIL, 1, "the root element is <server>, not <site>" },
	{ "<site xmlns=\"urn:x\" name=\"t\" version=\"1\"><server name=\"a\" daemon=\"vsftpd\"/></site>", FAIL, 1, "<site> is in the namespace 'urn:x'" },
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

/* An allowlist pasted twice gives ten warnings and a sum, not one per network. */
static void test_site_allow_warnings_bounded(void **state)
{
	size_t n = 1000;
	size_t size = n * 2 * 48 + 256;
	char *xml = malloc(size);
	struct site *s = NULL;
	struct diag d;
	size_t off;

	assert_non_null(xml);
	off = (size_t)snprintf(xml, size, "<site name=\"t\" version=\"1\"><server name=\"a\" "
			       "daemon=\"vsftpd\"><listen address=\"0.0.0.0\"/><allow>\n");
	for (size_t copy = 0; copy < 2; copy++)
		for (size_t i = 0; i < n; i++)
			off += (size_t)snprintf(xml + off, size - off,
						"<network>10.%zu.%zu.0/24</network>\n", i / 256, i % 256);
	off += (size_t)snprintf(xml + off, size - off, "</allow></server></site>\n");
	assert_true(off < size);
	diag_init(&d);
	assert_int_equal(load(state, xml, &d, &s), 0);
	assert_int_equal(d.n_errors, 0);
	assert_int_equal(d.n_recs, 11);
	assert_non_null(strstr(d.recs[0].msg, "network '10.0.0.0/24' is listed twice in server "
				"'a' (first on line 2)"));
	assert_int_equal(d.recs[0].line, n + 2);
	assert_non_null(strstr(d.recs[10].msg, "990 more networks of server 'a' are listed twice"));
	site_free(s);
	diag_release(&d);
	free(xml);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_site_defaults_filled),
		cmocka_unit_test(test_site_defaults_per_daemon),
		cmocka_unit_test(test_site_defaults_tls),
		cmocka_unit_test(test_site_values_copied),
		cmocka_unit_test(test_site_allow_lists_per_server),
		cmocka_unit_test(test_site_allow_order_by_network_then_line),
		cmocka_unit_test(test_site_names_of_enums),
		cmocka_unit_test(test_site_format_small_buffer),
		cmocka_unit_test(test_site_cases),
		cmocka_unit_test(test_site_reports_every_problem),
		cmocka_unit_test(test_site_earlier_errors_ignored),
		cmocka_unit_test(test_site_listen_limit),
		cmocka_unit_test(test_site_load_file),
		cmocka_unit_test(test_site_missing_schema),
		cmocka_unit_test(test_site_allow_warnings_bounded),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
