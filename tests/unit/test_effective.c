/*
 * test_effective: the effective site XML spells out every default, keeps
 * the element order site.xsd documents, and loads back into the same model.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "effective.h"
#include "site.h"

struct fx {
	struct diag d;
	char schema[PATH_MAX];
	struct site *a;
	struct site *b;
	char *xml;
	char *xml2;
	size_t len;
};

static int setup(void **state)
{
	const char *dir = getenv("FTPCFG_TEMPLATE_DIR");
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	diag_init(&fx->d);
	snprintf(fx->schema, sizeof(fx->schema), "%s/site.xsd", dir && *dir ? dir : "templates");
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	site_free(fx->a);
	site_free(fx->b);
	free(fx->xml);
	free(fx->xml2);
	diag_release(&fx->d);
	free(fx);
	return 0;
}

static struct site *load(struct fx *fx, const char *name, const char *xml, size_t len)
{
	struct site *s = NULL;
	int ret = site_load_buffer(name, xml, len, fx->schema, &fx->d, &s);

	if (ret)
		diag_print(&fx->d, stderr, true);
	assert_int_equal(ret, 0);
	return s;
}

/* Load @xml, write it out, load that back and write it again. */
static void round_trip(struct fx *fx, const char *xml)
{
	size_t len2 = 0;

	fx->a = load(fx, "input.xml", xml, strlen(xml));
	assert_int_equal(effective_xml(fx->a, EFFECTIVE_WHOLE, &fx->xml, &fx->len), 0);
	assert_int_equal(strlen(fx->xml), fx->len);
	fx->b = load(fx, "effective.xml", fx->xml, fx->len);
	assert_int_equal(effective_xml(fx->b, EFFECTIVE_WHOLE, &fx->xml2, &len2), 0);
	assert_string_equal(fx->xml, fx->xml2);
}

static void assert_str_eq(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void assert_addr_eq(const struct site_addr *a, const struct site_addr *b)
{
	assert_int_equal(a->family, b->family);
	assert_memory_equal(a->bytes, b->bytes, sizeof(a->bytes));
}

/* Every field but source lines and the file name. */
static void assert_site_eq(const struct site *a, const struct site *b)
{
	assert_str_eq(a->name, b->name);
	assert_int_equal(a->version, b->version);
	assert_str_eq(a->firewall.table, b->firewall.table);
	assert_int_equal(a->firewall.helper, b->firewall.helper);
	assert_int_equal(a->firewall.counters, b->firewall.counters);
	assert_int_equal(a->firewall.has_attach, b->firewall.has_attach);
	assert_str_eq(a->firewall.attach_family, b->firewall.attach_family);
	assert_str_eq(a->firewall.attach_table, b->firewall.attach_table);
	assert_str_eq(a->firewall.attach_chain, b->firewall.attach_chain);
	assert_int_equal(a->n_servers, b->n_servers);
	for (size_t i = 0; i < a->n_servers; i++) {
		const struct site_server *x = &a->servers[i];
		const struct site_server *y = &b->servers[i];

		assert_str_eq(x->name, y->name);
		assert_int_equal(x->daemon, y->daemon);
		assert_int_equal(x->mode, y->mode);
		assert_str_eq(x->config_path, y->config_path);
		assert_str_eq(x->reload, y->reload);
		assert_int_equal(x->n_listens, y->n_listens);
		for (size_t j = 0; j < x->n_listens; j++) {
			assert_addr_eq(&x->listens[j].addr, &y->listens[j].addr);
			assert_int_equal(x->listens[j].is_wildcard, y->listens[j].is_wildcard);
			assert_int_equal(x->listens[j].port, y->listens[j].port);
		}
		if (x->mode & SITE_MODE_ACTIVE)
			assert_int_equal(x->data_port, y->data_port);
		if (x->mode & SITE_MODE_PASSIVE) {
			assert_int_equal(x->pasv_min, y->pasv_min);
			assert_int_equal(x->pasv_max, y->pasv_max);
			assert_int_equal(x->has_external, y->has_external);
			if (x->has_external)
				assert_addr_eq(&x->external, &y->external);
		}
		assert_int_equal(x->tls.mode, y->tls.mode);
		if (x->tls.mode != SITE_TLS_OFF)
			assert_int_equal(x->tls.required, y->tls.required);
		assert_str_eq(x->tls.cert, y->tls.cert);
		assert_str_eq(x->tls.key, y->tls.key);
		assert_int_equal(x->users.anonymous, y->users.anonymous);
		assert_int_equal(x->users.local, y->users.local);
		assert_int_equal(x->users.chroot, y->users.chroot);
		assert_int_equal(x->users.write, y->users.write);
		assert_str_eq(x->users.anonymous_root, y->users.anonymous_root);
		assert_int_equal(x->limits.max_clients, y->limits.max_clients);
		assert_int_equal(x->limits.max_per_ip, y->limits.max_per_ip);
		assert_int_equal(x->limits.idle_timeout, y->limits.idle_timeout);
		assert_int_equal(x->has_allow, y->has_allow);
		assert_int_equal(x->n_allow, y->n_allow);
		for (size_t j = 0; j < x->n_allow; j++) {
			assert_addr_eq(&x->allow[j].addr, &y->allow[j].addr);
			assert_int_equal(x->allow[j].prefix, y->allow[j].prefix);
		}
		assert_str_eq(x->banner, y->banner);
	}
}

static const char full_site[] =
	"<site name=\"hq-files\" version=\"1\">\n"
	"  <firewall table=\"edge\" helper=\"no\" counters=\"no\"/>\n"
	"  <server name=\"public\" daemon=\"vsftpd\" mode=\"both\">\n"
	"    <banner>  Authorized &amp; \"logged\" &lt;use&gt; only  </banner>\n"
	"    <allow><network>192.0.2.0/24</network><network>2001:DB8::/32</network></allow>\n"
	"    <limits max-clients=\"0\" max-per-ip=\"0\" idle-timeout=\"60\"/>\n"
	"    <users anonymous=\"yes\" local=\"yes\" chroot=\"no\" write=\"yes\""
	" anonymous-root=\"/srv/ftp\"/>\n"
	"    <tls mode=\"explicit\" required=\"no\" cert=\"/etc/ssl/certs/ftp.pem\""
	" key=\"/etc/ssl/private/ftp.key\"/>\n"
	"    <passive min-port=\"40000\" max-port=\"40100\" external-address=\"203.0.113.10\"/>\n"
	"    <active data-port=\"20\"/>\n"
	"    <listen address=\"0.0.0.0\"/>\n"
	"    <listen address=\"::\"/>\n"
	"    <config path=\"/etc/vsftpd.conf\" reload=\"systemctl reload vsftpd\"/>\n"
	"  </server>\n"
	"  <server name=\"files\" daemon=\"proftpd\" mode=\"active\">\n"
	"    <listen address=\"10.200.0.1\" port=\"2121\"/>\n"
	"    <listen address=\"fd00:0200::1\" port=\"2121\"/>\n"
	"    <active data-port=\"2120\"/>\n"
	"    <tls mode=\"implicit\" cert=\"/etc/ssl/private/both.pem\"/>\n"
	"  </server>\n"
	"  <server name=\"pure\" daemon=\"pure-ftpd\" mode=\"passive\">\n"
	"    <listen address=\"10.200.0.2\" port=\"2100\"/>\n"
	"    <passive min-port=\"50000\" max-port=\"50199\"/>\n"
	"  </server>\n"
	"</site>\n";

static void test_effective_round_trip_keeps_every_field(void **state)
{
	struct fx *fx = *state;

	round_trip(fx, full_site);
	assert_site_eq(fx->a, fx->b);
}

/* The one document a minimal site becomes: every default written out, in schema order. */
static void test_effective_spells_out_defaults(void **state)
{
	struct fx *fx = *state;
	static const char expected[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<site name=\"min\" version=\"1\">\n"
		"  <firewall table=\"ftpcfg\" helper=\"auto\" counters=\"yes\" backend=\"nftables\"/>\n"
		"  <server name=\"ftp\" daemon=\"vsftpd\" mode=\"passive\">\n"
		"    <config path=\"/etc/vsftpd.conf\" reload=\"systemctl reload vsftpd\"/>\n"
		"    <listen address=\"0.0.0.0\" port=\"21\"/>\n"
		"    <listen address=\"::\" port=\"21\"/>\n"
		"    <passive min-port=\"40000\" max-port=\"40099\"/>\n"
		"    <tls mode=\"off\"/>\n"
		"    <users anonymous=\"no\" local=\"yes\" chroot=\"yes\" write=\"no\"/>\n"
		"    <limits max-clients=\"50\" max-per-ip=\"5\" idle-timeout=\"300\"/>\n"
		"  </server>\n"
		"</site>\n";

	round_trip(fx, "<site name=\"min\" version=\"1\"><server name=\"ftp\" daemon=\"vsftpd\"/>"
		       "</site>");
	assert_string_equal(fx->xml, expected);
	assert_site_eq(fx->a, fx->b);
}

static void test_effective_ports_follow_mode(void **state)
{
	struct fx *fx = *state;

	round_trip(fx, "<site name=\"m\" version=\"1\">"
		       "<server name=\"a\" daemon=\"vsftpd\" mode=\"active\"/></site>");
	assert_non_null(strstr(fx->xml, "<active data-port=\"20\"/>"));
	assert_null(strstr(fx->xml, "<passive"));
	assert_site_eq(fx->a, fx->b);
}

static void test_effective_attach_replaces_table(void **state)
{
	struct fx *fx = *state;

	round_trip(fx, "<site name=\"at\" version=\"1\">"
		       "<firewall attach=\"inet filter input\"/>"
		       "<server name=\"a\" daemon=\"pure-ftpd\" mode=\"active\"/></site>");
	assert_non_null(strstr(fx->xml, "<firewall helper=\"auto\" counters=\"yes\" backend=\"nftables\" "
				     "attach=\"inet filter input\"/>"));
	assert_null(strstr(fx->xml, "table="));
	assert_site_eq(fx->a, fx->b);
}

static void test_effective_tls_defaults_written(void **state)
{
	struct fx *fx = *state;

	/* <tls> present means explicit and required; the key defaults to the cert. */
	round_trip(fx, "<site name=\"t\" version=\"1\"><server name=\"a\" daemon=\"proftpd\">"
		       "<tls cert=\"/etc/ssl/private/ftp.pem\"/></server></site>");
	assert_non_null(strstr(fx->xml, "<tls mode=\"explicit\" required=\"yes\" "
				     "cert=\"/etc/ssl/private/ftp.pem\" "
				     "key=\"/etc/ssl/private/ftp.pem\"/>"));
	assert_site_eq(fx->a, fx->b);
}

static void test_effective_escapes_text(void **state)
{
	struct fx *fx = *state;

	round_trip(fx, full_site);
	assert_non_null(strstr(fx->xml, "<banner>Authorized &amp; &quot;logged&quot; "
				     "&lt;use&gt; only</banner>"));
	assert_string_equal(fx->b->servers[0].banner, "Authorized & \"logged\" <use> only");
	assert_non_null(strstr(fx->xml, "<network>2001:db8::/32</network>"));
	assert_non_null(strstr(fx->xml, "<listen address=\"fd00:200::1\" port=\"2121\"/>"));
}

static void test_effective_is_indented_and_ends_in_newline(void **state)
{
	struct fx *fx = *state;

	round_trip(fx, full_site);
	assert_true(fx->len > 0);
	assert_int_equal(fx->xml[fx->len - 1], '\n');
	assert_int_equal(strncmp(fx->xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 39), 0);
	assert_non_null(strstr(fx->xml, "\n    <allow>\n      <network>192.0.2.0/24</network>\n"));
	assert_null(strchr(fx->xml, '\t'));
}

/* The stylesheets see every setting but the networks, which are the firewall's. */
static void test_effective_stylesheet_view_leaves_out_networks(void **state)
{
	struct fx *fx = *state;
	char *view = NULL;
	size_t len = 0;

	round_trip(fx, full_site);
	assert_int_equal(effective_xml(fx->a, EFFECTIVE_FOR_STYLESHEETS, &view, &len), 0);
	assert_null(strstr(view, "<network>"));
	assert_non_null(strstr(view, "<allow>\n      <!-- 2 networks: the firewall's -->\n</allow>"));
	/* Everything else is as in the whole document. */
	assert_non_null(strstr(view, "<banner>Authorized &amp; &quot;logged&quot; "));
	assert_non_null(strstr(view, "<listen address=\"fd00:200::1\" port=\"2121\"/>"));
	assert_int_equal(strncmp(view, fx->xml, (size_t)(strstr(fx->xml, "<allow>") - fx->xml)), 0);
	free(view);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_effective_round_trip_keeps_every_field, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_effective_spells_out_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_effective_ports_follow_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_effective_attach_replaces_table, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_effective_tls_defaults_written, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_effective_escapes_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_effective_is_indented_and_ends_in_newline,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_effective_stylesheet_view_leaves_out_networks,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
