/*
 * test_site_runs: plain runs of networks (site_runs.c, site_xml.c), read
 * without libxml2's tokenizer, must never change what a site means.
 */
#include "site_fixture.h"

/*
 * Lines of plain <network> elements are read without libxml2 (site.c,
 * "plain runs"): whatever stands around them, a site loads as it does
 * when they are not, which a site that holds the runs' marker shows.
 * Each result is also checked on its own: the cases are not vacuous.
 */
#define SERVER_ALLOW(allow) VSFTPD("<listen address=\"::\"/><allow>" allow "</allow>")
static const struct {
	const char *xml;
	int ret;
	size_t n_allow;	/* in the first server */
} run_cases[] = {
	/* CRLF, tabs, several on a line, none after the last newline */
	{ "<site name=\"t\" version=\"1\">\r\n<server name=\"a\" daemon=\"vsftpd\"><listen address=\"::\"/><allow>"
	  "<network>10.200.0.0/24</network>\r\n\t<network>192.0.2.0/24</network> <network>2001:db8::/32"
	  "</network>\r\n<network>198.51.100.0/24</network></allow></server>\r\n</site>\r\n", 0, 4 },
	/* refused networks keep their lines; a duplicate across runs warns */
	{ SERVER_ALLOW("<network>10.0.0.0/8</network>\n<network>192.0.2.1/24</network>\n\n"
		       "<network>bogus</network>\n  <network>10.0.0.0/8</network>\n"), -EINVAL, 0 },
	{ SERVER_ALLOW("<network>10.0.0.0/8</network>\n<network>192.0.2.0/24</network>\n"
		       "<network>10.0.0.0/8</network>\n"), 0, 3 },
	/* a commented-out block is dropped with its comment */
	{ SERVER_ALLOW("<network>10.0.0.0/8</network>\n<!--\n<network>192.0.2.0/24</network>\n"
		       "<network>198.51.100.0/24</network>\n-->\n<network>203.0.113.0/24</network>\n"), 0, 2 },
	/* networks in a CDATA section or a processing instruction are text */
	{ VSFTPD("<banner><![CDATA[x</network>\n<network>192.0.2.0/24</network>\n]]></banner>"
		 "<allow><network>10.0.0.0/8</network></allow>"), -EINVAL, 0 },
	{ SERVER_ALLOW("<network>10.0.0.0/8</network><?keep </network>\n<network>192.0.2.0/24</network>\n?>"
		       "\n<network>198.51.100.0/24</network>\n"), 0, 2 },
	/* a well-formedness error after a run, with its line */
	{ VSFTPD("<allow><network>10.0.0.0/8</network>\n<network>192.0.2.0/24</network>\n</allow>\n"
		 "<listen port=\"21/>\n"), -EINVAL, 0 },
	{ SERVER_ALLOW("<network>10.0.0.0/8</network>\n<network>192.0.2.0/24</network>\n<b>\n"), -EINVAL, 0 },
	/* a namespace, xml:space, text, an entity, a long text, an attribute */
	{ VSFTPD("<allow xmlns=\"urn:x\"><network>10.0.0.0/8</network>\n<network>192.0.2.0/24</network>\n"
		 "</allow>"), -EINVAL, 0 },
	{ SERVER_ALLOW("<network>10.0.0.0/8</network>\n<network>192.0.2.0/24</network>\n"), 0, 2 },
	{ VSFTPD("<allow xml:space=\"preserve\"><network>10.0.0.0/8</network>\n"
		 "<network>192.0.2.0/24</network>\n</allow>"), -EINVAL, 0 },
	{ SERVER_ALLOW("x<network>10.0.0.0/8</network>\n<network>192.0.2.0/24</network>\n"), -EINVAL, 0 },
	/* text beside a run, which keeps the blanks a run would have dropped */
	{ SERVER_ALLOW("z    <network>10.0.0.0/8</network>\n      <network>192.0.2.0/24</network>   \n"
		       "  <network>198.51.100.0/24</network>\n  y  "), -EINVAL, 0 },
	{ SERVER_ALLOW("<network>10.0.0.0/8</network>\n      <network>192.0.2.0/24</network>  \t \n"
		       "  y  \n"), -EINVAL, 0 },
	{ SERVER_ALLOW("<network>10.0.0.0/8</network> \r\n\t<network>192.0.2.0/24</network> \r\n \r\n"), 0, 2 },
	{ SERVER_ALLOW("<network>10.0.0.0/8</network>\n<network>192.0.2.0&#x2f;24</network>\n"
		       "<network>198.51.100.0/24</network>\n"), 0, 3 },
	{ SERVER_ALLOW("<network>10.0.0.0/8</network>\n<network>0000000000000000000000000000000000000000"
		       "000000000000000000192.0.2.0/24</network>\n<network>198.51.100.0/24</network>\n"),
	  -EINVAL, 0 },
	{ SERVER_ALLOW("<network>10.0.0.0/8</network>\n<network>192.0.2.0/24</network>\n"
		       "<network a=\"1\">198.51.100.0/24</network>\n"), -EINVAL, 0 },
	/*
	 * IPv4 texts the scan parses as it reads, or leaves to the general
	 * parser: valid ones with and without a prefix, then one of each way
	 * to be wrong (a bad octet, a leading zero, host bits, a prefix too
	 * long or empty, a fifth part, a trailing byte)
	 */
	{ SERVER_ALLOW("<network>10.0.0.0/8</network>\n<network>192.0.2.1</network>\n"
		       "<network>0.0.0.0/0</network>\n<network>255.255.255.255/32</network>\n"
		       "<network>1.2.3.0/24</network>\n<network>2001:db8::/32</network>\n"), 0, 6 },
	{ SERVER_ALLOW("<network>10.0.0.0/8</network>\n<network>1.2.3.256</network>\n"), -EINVAL, 0 },
	{ SERVER_ALLOW("<network>10.0.0.0/8</network>\n<network>01.2.3.0/24</network>\n"), -EINVAL, 0 },
	{ SERVER_ALLOW("<network>10.0.0.0/8</network>\n<network>1.2.3.4/24</network>\n"), -EINVAL, 0 },
	{ SERVER_ALLOW("<network>10.0.0.0/8</network>\n<network>1.2.3.4/33</network>\n"), -EINVAL, 0 },
	{ SERVER_ALLOW("<network>10.0.0.0/8</network>\n<network>1.2.3.4/</network>\n"), -EINVAL, 0 },
	/* (a prefix with a leading zero is the general parser's to take) */
	{ SERVER_ALLOW("<network>10.0.0.0/8</network>\n<network>1.2.3.0/024</network>\n"), 0, 2 },
	{ SERVER_ALLOW("<network>10.0.0.0/8</network>\n<network>1.2.3.4.5</network>\n"), -EINVAL, 0 },
	{ SERVER_ALLOW("<network>10.0.0.0/8</network>\n<network>1.2.3.0/24a</network>\n"), -EINVAL, 0 },
	{ SERVER_ALLOW("<network>10.0.0.0/8</network>\n<network>1.2.3.0/2:4</network>\n"), -EINVAL, 0 },
	/* a <network> out of place after a run; a file that ends inside one */
	{ VSFTPD("<allow><network>10.0.0.0/8</network>\n<network>192.0.2.0/24</network>\n</allow>"
		 "<network>198.51.100.0/24</network>"), -EINVAL, 0 },
	{ "<site name=\"t\" version=\"1\">\n<server name=\"a\" daemon=\"vsftpd\"><allow>\n"
	  "<network>10.0.0.0/8</network>\n<network>192.0.2.0/24</network>\n", -EINVAL, 0 },
	/*
	 * three <firewall> elements: the schema flags only the second, and
	 * the third must not replace the first (it leaked its strings)
	 */
	{ SITE("<firewall table=\"a\"/><firewall table=\"b\"/><firewall table=\"c\"/>\n"
	       "<server name=\"a\" daemon=\"vsftpd\"><allow><network>10.0.0.0/8</network>\n"
	       "<network>192.0.2.0/24</network>\n</allow></server>"), -EINVAL, 0 },
	/* two servers, each its own list */
	{ SITE("<server name=\"a\" daemon=\"vsftpd\"><allow><network>10.0.0.0/8</network>\n"
	       "<network>192.0.2.0/24</network>\n</allow></server>\n<server name=\"b\" daemon=\"proftpd\">"
	       "<config path=\"/etc/b.conf\"/><listen address=\"192.0.2.1\" port=\"2121\"/>"
	       "<passive min-port=\"41000\" max-port=\"41099\"/><allow><network>10.0.0.0/8</network>\n"
	       "<network>198.51.100.0/24</network>\n</allow></server>"), 0, 2 },
};

static void assert_same_sites(const struct site *a, const struct site *b)
{
	char fa[INET6_ADDRSTRLEN + 5], fb[INET6_ADDRSTRLEN + 5];

	assert_int_equal(a->n_servers, b->n_servers);
	for (size_t i = 0; i < a->n_servers; i++) {
		assert_int_equal(a->servers[i].n_allow, b->servers[i].n_allow);
		for (size_t j = 0; j < a->servers[i].n_allow; j++) {
			assert_int_equal(a->servers[i].allow[j].line, b->servers[i].allow[j].line);
			assert_int_equal(site_net_format(&a->servers[i].allow[j], fa, sizeof(fa)), 0);
			assert_int_equal(site_net_format(&b->servers[i].allow[j], fb, sizeof(fb)), 0);
			assert_string_equal(fa, fb);
		}
	}
}

static void test_site_plain_runs(void **state)
{
	static const char marker[] = "<!--<?ftpcfg-plain-run-->";

	for (size_t i = 0; i < sizeof(run_cases) / sizeof(run_cases[0]); i++) {
		size_t len = strlen(run_cases[i].xml);
		char *without = malloc(sizeof(marker) + len);
		struct site *s1 = NULL, *s2 = NULL;
		struct diag d1, d2;

		assert_non_null(without);
		memcpy(without, marker, sizeof(marker) - 1);
		memcpy(without + sizeof(marker) - 1, run_cases[i].xml, len + 1);
		diag_init(&d1);
		diag_init(&d2);
		print_message("case %zu\n", i);
		assert_int_equal(load(state, run_cases[i].xml, &d1, &s1), run_cases[i].ret);
		assert_int_equal(load(state, without, &d2, &s2), run_cases[i].ret);
		assert_int_equal(d1.n_recs, d2.n_recs);
		for (size_t j = 0; j < d1.n_recs; j++) {
			assert_int_equal(d1.recs[j].level, d2.recs[j].level);
			assert_int_equal(d1.recs[j].line, d2.recs[j].line);
			assert_string_equal(d1.recs[j].msg, d2.recs[j].msg);
		}
		if (run_cases[i].ret == 0) {
			assert_int_equal(s1->servers[0].n_allow, run_cases[i].n_allow);
			assert_int_equal(s2->n_plain, 0);
			assert_same_sites(s1, s2);
		} else {
			assert_true(d1.n_errors > 0);
		}
		site_free(s1);
		site_free(s2);
		diag_release(&d1);
		diag_release(&d2);
		free(without);
	}
}

/* The networks after the first of an <allow> are read as plain lines, and counted. */
static void test_site_runs_counted(void **state)
{
	struct site *s = expect_ok(state, VSFTPD("<allow><network>10.0.0.0/8</network>\n"
						 "  <network>192.0.2.0/24</network>\n"
						 "  <network>198.51.100.0/24</network>\n</allow>"));

	assert_int_equal(s->servers[0].n_allow, 3);
	assert_int_equal(s->n_plain, 2);
	site_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_site_runs_counted),
		cmocka_unit_test(test_site_plain_runs),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
