/*
 * test_nft_text: the IR printed as nft 1.0.6 lists it (element wrapping,
 * prefixes and ranges, priorities, every match kind), the loadable forms,
 * a 100 000-element set, and the tests/data/ruleset-*.nft goldens, which
 * tests/netns/10-nft-load.sh checks against the kernel's own printout.
 * The two rulesets of a diff, printed together: test_nft_text_pair.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "nft_text.h"
#include "plan.h"
#include "ruleset.h"
#include "ruleset_fixture.h"
#include "site.h"

struct fx {
	struct diag d;
	char schema[PATH_MAX];
	struct site *site;
	struct ruleset *rs;
	char *text;
	char *golden;
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

	ruleset_free(fx->rs);
	site_free(fx->site);
	diag_release(&fx->d);
	free(fx->text);
	free(fx->golden);
	free(fx);
	return 0;
}

static void range_of(struct ir_range *r, const char *lo, const char *hi)
{
	int af = strchr(lo, ':') ? AF_INET6 : AF_INET;

	memset(r, 0, sizeof(*r));
	assert_int_equal(inet_pton(af, lo, r->lo), 1);
	assert_int_equal(inet_pton(af, hi, r->hi), 1);
}

static void assert_range(const char *lo, const char *hi, const char *want)
{
	char buf[NFT_TEXT_RANGE_MAX];
	struct ir_range r;

	range_of(&r, lo, hi);
	assert_int_equal(nft_text_range(strchr(lo, ':') ? AF_INET6 : AF_INET, &r, buf,
					 sizeof(buf)), 0);
	assert_string_equal(buf, want);
}

/* What nft prints for lo..hi (lo <= hi), through inet_ntop() and snprintf(). */
static void v4_reference(uint32_t lo, uint32_t hi, char *out, size_t size)
{
	uint8_t a[4] = { lo >> 24, lo >> 16, lo >> 8, lo };
	uint8_t b[4] = { hi >> 24, hi >> 16, hi >> 8, hi };
	char x[INET_ADDRSTRLEN];
	char y[INET_ADDRSTRLEN];
	uint32_t span = lo ^ hi;
	unsigned bits = 0;

	assert_non_null(inet_ntop(AF_INET, a, x, sizeof(x)));
	assert_non_null(inet_ntop(AF_INET, b, y, sizeof(y)));
	while (bits < 32 && span >> bits)
		bits++;
	if (!span)
		snprintf(out, size, "%s", x);
	else if (!(span & (span + 1)) && !(lo & span))
		snprintf(out, size, "%s/%u", x, 32 - bits);
	else
		snprintf(out, size, "%s-%s", x, y);
}

/* IPv4 elements are formatted by hand: the same text as inet_ntop() and printf. */
static void test_nft_text_range_ipv4_as_inet_ntop(void **state)
{
	uint32_t x = 2463534242u;	/* xorshift32: the same sequence every run */

	(void)state;
	for (unsigned i = 0; i < 30000; i++) {
		char want[NFT_TEXT_RANGE_MAX];
		char got[NFT_TEXT_RANGE_MAX];
		struct ir_range r = { 0 };
		unsigned host = i % 33;
		uint32_t mask = host == 32 ? ~0u : (1u << host) - 1;
		uint32_t lo;
		uint32_t hi;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		lo = x & ~mask;
		/* A prefix, one address, or lo with some of the bits under it set. */
		hi = i % 3 == 0 ? lo | mask : i % 3 == 1 ? lo : lo | (x & mask) | (x >> 29);
		for (int k = 0; k < 4; k++) {
			r.lo[k] = (uint8_t)(lo >> (24 - 8 * k));
			r.hi[k] = (uint8_t)(hi >> (24 - 8 * k));
		}
		v4_reference(lo, hi, want, sizeof(want));
		assert_int_equal(nft_text_range(AF_INET, &r, got, sizeof(got)), 0);
		assert_string_equal(got, want);
	}
}

static void test_nft_text_range_prints_address_prefix_or_range(void **state)
{
	struct ir_range r;
	char small[8];

	(void)state;
	assert_range("10.200.0.7", "10.200.0.7", "10.200.0.7");
	assert_range("10.200.0.0", "10.200.0.255", "10.200.0.0/24");
	assert_range("10.200.0.0", "10.200.1.255", "10.200.0.0/23");
	assert_range("10.200.0.1", "10.200.0.5", "10.200.0.1-10.200.0.5");
	assert_range("10.200.0.0", "10.200.0.191", "10.200.0.0-10.200.0.191");
	assert_range("10.200.0.128", "10.200.1.127", "10.200.0.128-10.200.1.127");
	assert_range("0.0.0.0", "255.255.255.255", "0.0.0.0/0");
	assert_range("255.255.255.0", "255.255.255.255", "255.255.255.0/24");
	assert_range("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::/0");
	assert_range("fd00:200::", "fd00:200::ffff:ffff:ffff:ffff", "fd00:200::/64");
	assert_range("fd00:200::5", "fd00:200::9", "fd00:200::5-fd00:200::9");
	assert_range("::ffff:10.0.0.1", "::ffff:10.0.0.1", "::ffff:10.0.0.1");

	assert_range("1.20.255.0", "1.20.255.255", "1.20.255.0/24");
	assert_range("100.9.10.99", "100.9.10.99", "100.9.10.99");
	assert_range("0.0.0.0", "0.0.0.1", "0.0.0.0/31");
	assert_range("0.0.0.1", "255.255.255.254", "0.0.0.1-255.255.255.254");
	assert_range("255.255.255.255", "255.255.255.255", "255.255.255.255");

	range_of(&r, "10.200.0.1", "10.200.0.5");
	assert_int_equal(nft_text_range(AF_INET, &r, small, sizeof(small)), -ENOSPC);
	assert_int_equal(nft_text_range(AF_UNIX, &r, small, sizeof(small)), -EINVAL);
}

static void test_nft_text_wraps_elements_as_nft(void **state)
{
	struct fx *fx = *state;

	fx->rs = one_set(AF_INET, 5);
	assert_int_equal(nft_text_render(fx->rs, 0, &fx->text), 0);
	assert_string_equal(fx->text,
		"table inet t {\n"
		"\tset s {\n"
		"\t\ttype ipv4_addr\n"
		"\t\tflags interval\n"
		"\t\tauto-merge\n"
		"\t\telements = { 10.0.0.0/24, 10.0.1.0/24,\n"
		"\t\t\t     10.0.2.0/24, 10.0.3.0/24,\n"
		"\t\t\t     10.0.4.0/24 }\n"
		"\t}\n"
		"}\n");
	ruleset_free(fx->rs);
	free(fx->text);
	fx->rs = one_set(AF_INET6, 3);
	assert_int_equal(nft_text_render(fx->rs, 0, &fx->text), 0);
	assert_non_null(strstr(fx->text,
		"\t\telements = { fd00::/72,\n"
		"\t\t\t     fd00::100:0:0:0/72,\n"
		"\t\t\t     fd00::200:0:0:0/72 }\n"));
}

static void test_nft_text_prints_dynamic_set_and_helper(void **state)
{
	struct fx *fx = *state;

	fx->rs = one_set(AF_INET6, 0);
	fx->rs->sets[0].flags = IR_SET_DYNAMIC;
	fx->rs->sets[0].size = 65535;
	fx->rs->helpers = calloc(1, sizeof(*fx->rs->helpers));
	assert_non_null(fx->rs->helpers);
	fx->rs->n_helpers = 1;
	fx->rs->helpers[0].name = strdup("ftp");
	fx->rs->helpers[0].type = strdup("ftp");
	fx->rs->helpers[0].l3proto = IR_FAMILY_IP6;
	fx->rs->family = IR_FAMILY_IP6;
	assert_int_equal(nft_text_render(fx->rs, 0, &fx->text), 0);
	assert_string_equal(fx->text,
		"table ip6 t {\n"
		"\tct helper ftp {\n"
		"\t\ttype \"ftp\" protocol tcp\n"
		"\t\tl3proto ip6\n"
		"\t}\n"
		"\n"
		"\tset s {\n"
		"\t\ttype ipv6_addr\n"
		"\t\tsize 65535\n"
		"\t\tflags dynamic\n"
		"\t}\n"
		"}\n");
}

static void test_nft_text_names_priorities_as_nft(void **state)
{
	static const struct {
		enum ir_hook hook;
		int prio;
		const char *want;
	} cases[] = {
		{ IR_HOOK_INPUT, 0, "priority filter;" },
		{ IR_HOOK_INPUT, 5, "priority filter + 5;" },
		{ IR_HOOK_INPUT, -10, "priority filter - 10;" },
		{ IR_HOOK_INPUT, -150, "priority mangle;" },
		{ IR_HOOK_PREROUTING, -300, "priority raw;" },
		{ IR_HOOK_PREROUTING, -100, "priority dstnat;" },
		{ IR_HOOK_INPUT, -100, "priority -100;" },
		{ IR_HOOK_INPUT, 100, "priority srcnat;" },
		{ IR_HOOK_OUTPUT, 100, "priority 100;" },
		{ IR_HOOK_OUTPUT, 55, "priority security + 5;" },
		{ IR_HOOK_OUTPUT, 1000, "priority 1000;" },
	};
	struct fx *fx = *state;
	struct ir_chain chain = { .name = (char[]){ "c" } };
	struct ruleset rs = { .table = (char[]){ "t" }, .chains = &chain, .n_chains = 1 };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		chain.hook = cases[i].hook;
		chain.priority = cases[i].prio;
		chain.policy_drop = i % 2;
		assert_int_equal(nft_text_render(&rs, 0, &fx->text), 0);
		assert_non_null(strstr(fx->text, cases[i].want));
		assert_non_null(strstr(fx->text, i % 2 ? " policy drop;\n" : " policy accept;\n"));
		free(fx->text);
		fx->text = NULL;
	}
}

static void test_nft_text_prints_every_match_kind(void **state)
{
	struct fx *fx = *state;
	struct ir_rule r = {
		.matches = {
			{ .kind = IR_MATCH_TCP_DPORT, .port_lo = 21, .port_hi = 21 },
			{ .kind = IR_MATCH_TCP_SPORT, .port_lo = 1, .port_hi = 65535 },
			{ .kind = IR_MATCH_TCP_SPORT_LIST, .ports = { 2, 20 }, .n_ports = 2 },
			{ .kind = IR_MATCH_CT_STATE, .ct_state = IR_CT_NEW | IR_CT_INVALID |
							       IR_CT_ESTABLISHED | IR_CT_RELATED },
			{ .kind = IR_MATCH_CT_COUNT, .count = 7 },
			{ .kind = IR_MATCH_DADDR, .addr = { .family = AF_INET6, .bytes = { 0xfd } } },
		},
		.n_matches = 6,
		.counter = true,
		.verdict = IR_VERDICT_JUMP,
		.target = (char[]){ "ftpcfg-input" },
	};

	assert_int_equal(nft_text_rule(&r, &fx->text), 0);
	assert_string_equal(fx->text,
		"tcp dport 21 tcp sport 1-65535 tcp sport { 2, 20 } "
		"ct state invalid,established,related,new ct count over 7 ip6 daddr fd00:: "
		"counter jump ftpcfg-input");
	free(fx->text);

	r.matches[0] = (struct ir_match){ .kind = IR_MATCH_SADDR_SET, .addr_family = AF_INET,
					  .set = (char[]){ "a" } };
	r.matches[1] = (struct ir_match){ .kind = IR_MATCH_DADDR_SET, .addr_family = AF_INET6,
					  .set = (char[]){ "b" } };
	r.matches[2] = (struct ir_match){ .kind = IR_MATCH_CT_COUNT_PER_SADDR,
					  .addr_family = AF_INET6, .set = (char[]){ "c" },
					  .count = 3 };
	r.matches[3] = (struct ir_match){ .kind = IR_MATCH_DADDR,
					  .addr = { .family = AF_INET, .bytes = { 10, 200 } } };
	r.n_matches = 4;
	r.counter = false;
	r.verdict = IR_VERDICT_CT_HELPER;
	r.target = (char[]){ "ftp" };
	r.comment = (char[]){ "x: y" };
	assert_int_equal(nft_text_rule(&r, &fx->text), 0);
	assert_string_equal(fx->text,
		"ip saddr @a ip6 daddr @b add @c { ip6 saddr ct count over 3 } ip daddr 10.200.0.0 "
		"ct helper set \"ftp\" comment \"x: y\"");
	free(fx->text);

	r.n_matches = 0;
	r.verdict = IR_VERDICT_DROP;
	r.comment = NULL;
	assert_int_equal(nft_text_rule(&r, &fx->text), 0);
	assert_string_equal(fx->text, "drop");
	free(fx->text);

	/* Someone else's rule: nft's words, nothing of ours added. */
	r.verdict = IR_VERDICT_FOREIGN;
	r.counter = true;
	r.target = (char[]){ "limit rate 5/second log accept" };
	assert_int_equal(nft_text_rule(&r, &fx->text), 0);
	assert_string_equal(fx->text, "limit rate 5/second log accept");
}

/* A foreign rule is deleted even when nft prints it as one of ours. */
static void test_nft_text_plan_never_keeps_a_foreign_rule(void **state)
{
	struct ir_rule ours = { .verdict = IR_VERDICT_DROP };
	struct ir_rule theirs = { .verdict = IR_VERDICT_FOREIGN, .target = (char[]){ "drop" } };
	struct ir_chain d = { .name = (char[]){ "input" }, .hook = IR_HOOK_INPUT,
			      .rules = &ours, .n_rules = 1 };
	struct ir_chain l = { .name = (char[]){ "input" }, .hook = IR_HOOK_INPUT,
			      .rules = &theirs, .n_rules = 1 };
	struct ruleset want = { .family = IR_FAMILY_INET, .table = (char[]){ "ftpcfg" },
				.chains = &d, .n_chains = 1 };
	struct ruleset live = want;
	struct plan p;
	char *line = NULL;

	(void)state;
	live.chains = &l;
	plan_init(&p);
	assert_int_equal(plan_ruleset(&p, &want, &live), 0);
	assert_int_equal(p.n_items, 2);
	assert_int_equal(p.items[0].op, PLAN_DELETE);
	assert_true(plan_item_is_foreign(&p.items[0]));
	assert_false(plan_item_is_foreign(&p.items[1]));
	assert_int_equal(plan_item_format(&p.items[0], &line), 0);
	assert_string_equal(line, "- rule in chain input (not written by ftpcfg): drop");
	free(line);
	plan_release(&p);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(1 << 20);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 20) - 1, f);
	len += n;
	buf[len] = '\0';
	fclose(f);
	return buf;
}

static void load_case(struct fx *fx, const char *xml)
{
	int ret = site_load(xml, fx->schema, &fx->d, &fx->site);

	if (ret)
		diag_print(&fx->d, stdout, true);
	assert_int_equal(ret, 0);
	assert_int_equal(ruleset_build(fx->site, &fx->rs), 0);
}

static void test_nft_text_goldens(void **state)
{
	struct fx *fx = *state;
	glob_t g;

	assert_int_equal(glob("tests/data/ruleset-*.xml", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 5);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char golden[PATH_MAX];
		size_t len = strlen(g.gl_pathv[i]);

		snprintf(golden, sizeof(golden), "%.*s.nft", (int)(len - 4), g.gl_pathv[i]);
		load_case(fx, g.gl_pathv[i]);
		assert_int_equal(nft_text_render(fx->rs, 0, &fx->text), 0);
		fx->golden = read_file(golden);
		assert_non_null(fx->golden);
		if (strcmp(fx->golden, fx->text))
			printf("%s differs from %s:\n%s", g.gl_pathv[i], golden, fx->text);
		assert_string_equal(fx->golden, fx->text);
		ruleset_free(fx->rs);
		site_free(fx->site);
		free(fx->text);
		free(fx->golden);
		fx->rs = NULL;
		fx->site = NULL;
		fx->text = NULL;
		fx->golden = NULL;
	}
	globfree(&g);
}

static void test_nft_text_loadable_standalone_replaces_table(void **state)
{
	static const char head[] = "table inet ftpcfg\ndelete table inet ftpcfg\n";
	struct fx *fx = *state;

	load_case(fx, "tests/data/ruleset-merge.xml");
	assert_int_equal(nft_text_render(fx->rs, 0, &fx->golden), 0);
	assert_int_equal(nft_text_render(fx->rs, NFT_TEXT_LOADABLE, &fx->text), 0);
	assert_memory_equal(fx->text, head, strlen(head));
	assert_string_equal(fx->text + strlen(head), fx->golden);
}

static void test_nft_text_loadable_attach_recreates_own_objects(void **state)
{
	struct fx *fx = *state;
	const char *p;

	load_case(fx, "tests/data/ruleset-attach-ip.xml");
	assert_int_equal(nft_text_render(fx->rs, NFT_TEXT_LOADABLE, &fx->text), 0);
	p = strstr(fx->text, "add chain ip filter ftpcfg-input\n"
			     "flush chain ip filter ftpcfg-input\n"
			     "add set ip filter ftpcfg-staff-allow-v4 { type ipv4_addr; flags interval; "
			     "auto-merge; }\n"
			     "flush set ip filter ftpcfg-staff-allow-v4\n"
			     "table ip filter {\n");
	assert_non_null(p);
	/* Dynamic sets keep their per-source counts: declared, never flushed. */
	assert_null(strstr(fx->text, "flush set ip filter ftpcfg-staff-perip-v4"));
	assert_non_null(strstr(fx->text, "\tset ftpcfg-staff-perip-v4 {\n"));
	/* The foreign chain is not declared; the jump is inserted, last. */
	assert_null(strstr(fx->text, "\tchain input {"));
	p = strstr(fx->text, "}\ninsert rule ip filter input jump ftpcfg-input\n");
	assert_non_null(p);
	assert_string_equal(p + 2, "insert rule ip filter input jump ftpcfg-input\n");
}

static void test_nft_text_attach_view_shows_the_jump(void **state)
{
	struct fx *fx = *state;

	load_case(fx, "tests/data/ruleset-attach-ip.xml");
	assert_int_equal(nft_text_render(fx->rs, 0, &fx->text), 0);
	assert_non_null(strstr(fx->text, "\n\tchain input {\n\t\tjump ftpcfg-input\n\t}\n\n"
					 "\tchain ftpcfg-input {\n"));
}

static void test_nft_text_renders_100000_elements(void **state)
{
	struct fx *fx = *state;
	size_t commas = 0;

	fx->rs = one_set(AF_INET, 100000);
	assert_int_equal(nft_text_render(fx->rs, NFT_TEXT_LOADABLE, &fx->text), 0);
	for (const char *p = fx->text; *p; p++)
		commas += *p == ',';
	assert_int_equal(commas, 100000 - 1);
	assert_non_null(strstr(fx->text, "\t\t\t     10.1.134.0/24, 10.1.135.0/24,\n"));
	assert_non_null(strstr(fx->text, ", 11.134.159.0/24 }\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nft_text_range_prints_address_prefix_or_range),
		cmocka_unit_test(test_nft_text_range_ipv4_as_inet_ntop),
		cmocka_unit_test_setup_teardown(test_nft_text_wraps_elements_as_nft, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nft_text_prints_dynamic_set_and_helper, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nft_text_names_priorities_as_nft, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nft_text_prints_every_match_kind, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nft_text_goldens, setup, teardown),
		cmocka_unit_test(test_nft_text_plan_never_keeps_a_foreign_rule),
		cmocka_unit_test_setup_teardown(test_nft_text_loadable_standalone_replaces_table,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_nft_text_loadable_attach_recreates_own_objects,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_nft_text_attach_view_shows_the_jump, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nft_text_renders_100000_elements, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
