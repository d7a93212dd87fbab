/*
 * test_ruleset: the IR ruleset_build() makes from hand-built sites (rule
 * shapes per mode, TLS, allowlist, limits, attach), and ir_set_normalize()
 * against a brute force over small universes and a 100 000-network list.
 */
#include <arpa/inet.h>
#include <errno.h>
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
#include "ruleset.h"
#include "site.h"

#define MAX_SERVERS 3
#define MAX_LISTENS 4
#define MAX_NETS 8

/* A site built by hand: static storage, never site_free()d. */
struct fx {
	struct site site;
	struct site_server srv[MAX_SERVERS];
	struct site_listen listens[MAX_SERVERS][MAX_LISTENS];
	struct site_net nets[MAX_SERVERS][MAX_NETS];
	char names[MAX_SERVERS][16];
	char table[16];
	char attach[3][16];
	struct ruleset *rs;
	char *text;
};

static void set_addr(struct site_addr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	a->family = strchr(s, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(a->family, s, a->bytes), 1);
}

static void fx_listen(struct fx *fx, size_t i, const char *addr, uint16_t port)
{
	struct site_server *srv = &fx->srv[i];
	struct site_listen *l = &fx->listens[i][srv->n_listens++];

	set_addr(&l->addr, addr);
	l->is_wildcard = !strcmp(addr, "0.0.0.0") || !strcmp(addr, "::");
	l->port = port;
}

static void fx_allow(struct fx *fx, size_t i, const char *addr, unsigned prefix)
{
	struct site_server *srv = &fx->srv[i];
	struct site_net *n = &fx->nets[i][srv->n_allow++];

	set_addr(&n->addr, addr);
	n->prefix = prefix;
	srv->has_allow = true;
}

/* Server @i: vsftpd, passive 40000-40009, limits 50/5, no listener yet. */
static void fx_server(struct fx *fx, size_t i, const char *name, enum site_daemon daemon,
		      enum site_mode mode)
{
	struct site_server *srv = &fx->srv[i];

	snprintf(fx->names[i], sizeof(fx->names[i]), "%s", name);
	srv->name = fx->names[i];
	srv->daemon = daemon;
	srv->mode = mode;
	srv->listens = fx->listens[i];
	srv->allow = fx->nets[i];
	srv->data_port = 20;
	srv->pasv_min = (uint16_t)(40000 + 100 * i);
	srv->pasv_max = (uint16_t)(40009 + 100 * i);
	srv->limits.max_clients = 50;
	srv->limits.max_per_ip = 5;
	fx->site.n_servers = i + 1;
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	snprintf(fx->table, sizeof(fx->table), "ftpcfg");
	fx->site.firewall.table = fx->table;
	fx->site.firewall.helper = SITE_HELPER_AUTO;
	fx->site.firewall.counters = false;
	fx->site.servers = fx->srv;
	fx_server(fx, 0, "pub", SITE_DAEMON_VSFTPD, SITE_MODE_PASSIVE);
	fx_listen(fx, 0, "0.0.0.0", 21);
	fx_listen(fx, 0, "::", 21);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	ruleset_free(fx->rs);
	free(fx->text);
	free(fx);
	return 0;
}

static void fx_attach(struct fx *fx, const char *family, const char *table, const char *chain)
{
	snprintf(fx->attach[0], sizeof(fx->attach[0]), "%s", family);
	snprintf(fx->attach[1], sizeof(fx->attach[1]), "%s", table);
	snprintf(fx->attach[2], sizeof(fx->attach[2]), "%s", chain);
	fx->site.firewall.has_attach = true;
	fx->site.firewall.attach_family = fx->attach[0];
	fx->site.firewall.attach_table = fx->attach[1];
	fx->site.firewall.attach_chain = fx->attach[2];
}

static const struct ir_chain *find_chain(const struct ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->n_chains; i++)
		if (!strcmp(rs->chains[i].name, name))
			return &rs->chains[i];
	return NULL;
}

static const struct ir_set *find_set(const struct ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->n_sets; i++)
		if (!strcmp(rs->sets[i].name, name))
			return &rs->sets[i];
	return NULL;
}

/* Build, then return chain @name's rules as nft prints them, one per line. */
static const char *chain_rules(struct fx *fx, const char *name)
{
	const struct ir_chain *c;
	size_t len = 0;

	if (!fx->rs)
		assert_int_equal(ruleset_build(&fx->site, &fx->rs), 0);
	c = find_chain(fx->rs, name);
	assert_non_null(c);
	free(fx->text);
	fx->text = calloc(1, 1);
	assert_non_null(fx->text);
	for (size_t i = 0; i < c->n_rules; i++) {
		char *r = NULL;
		char *t;

		assert_int_equal(nft_text_rule(&c->rules[i], &r), 0);
		t = realloc(fx->text, len + strlen(r) + 2);
		assert_non_null(t);
		fx->text = t;
		len += (size_t)sprintf(fx->text + len, "%s\n", r);
		free(r);
	}
	return fx->text;
}

static void test_ruleset_standalone_passive_with_helper(void **state)
{
	struct fx *fx = *state;

	assert_string_equal(chain_rules(fx, "prerouting"),
			    "tcp dport 21 ct helper set \"ftp\" comment \"pub: ftp helper\"\n");
	assert_string_equal(chain_rules(fx, "input"),
		"ct state established accept comment \"established\"\n"
		"tcp dport 21 ct state new add @pub_perip_v4 { ip saddr ct count over 5 } drop comment \"pub: max-per-ip\"\n"
		"tcp dport 21 ct state new add @pub_perip_v6 { ip6 saddr ct count over 5 } drop comment \"pub: max-per-ip\"\n"
		"tcp dport 21 ct state new ct count over 50 drop comment \"pub: max-clients\"\n"
		"tcp dport 21 accept comment \"pub: control\"\n"
		"tcp dport 40000-40009 ct state related accept comment \"pub: passive\"\n"
		"tcp dport 40000-40009 drop comment \"pub: passive, refused\"\n");
	/* Passive only: no output chain, since a base chain costs every packet. */
	assert_null(find_chain(fx->rs, "output"));
	assert_int_equal(fx->rs->family, IR_FAMILY_INET);
	assert_string_equal(fx->rs->table, "ftpcfg");
	assert_false(fx->rs->attach);
	assert_int_equal(fx->rs->n_helpers, 1);
	assert_string_equal(fx->rs->helpers[0].name, "ftp");
	assert_string_equal(fx->rs->helpers[0].type, "ftp");
	assert_int_equal(fx->rs->helpers[0].l3proto, IR_FAMILY_INET);
	assert_int_equal(find_chain(fx->rs, "prerouting")->hook, IR_HOOK_PREROUTING);
	assert_int_equal(find_chain(fx->rs, "input")->hook, IR_HOOK_INPUT);
	assert_false(find_chain(fx->rs, "input")->policy_drop);
	assert_int_equal(find_set(fx->rs, "pub_perip_v4")->flags, IR_SET_DYNAMIC);
	assert_int_equal(find_set(fx->rs, "pub_perip_v6")->size, 65535);
}

static void test_ruleset_active_helper_rules_in_output(void **state)
{
	struct fx *fx = *state;

	fx->srv[0].mode = SITE_MODE_ACTIVE;
	fx->srv[0].data_port = 2020;
	fx->site.firewall.counters = true;
	assert_string_equal(chain_rules(fx, "output"),
		"tcp sport 2020 ct state related counter accept comment \"pub: active\"\n"
		"tcp sport 2020 ct state new counter drop comment \"pub: active, refused\"\n");
	/* Active only: no passive range in input. */
	assert_null(strstr(chain_rules(fx, "input"), "40000"));
	assert_true(fx->rs->chains[0].rules[0].counter);
}

static void test_ruleset_tls_opens_data_ports_explicitly(void **state)
{
	struct fx *fx = *state;

	fx->srv[0].mode = SITE_MODE_BOTH;
	fx->srv[0].tls.mode = SITE_TLS_EXPLICIT;
	fx->srv[0].limits.max_clients = 0;
	fx->srv[0].limits.max_per_ip = 0;
	fx_allow(fx, 0, "10.200.0.0", 24);
	fx_allow(fx, 0, "fd00:200::", 64);
	assert_string_equal(chain_rules(fx, "input"),
		"ct state established accept comment \"established\"\n"
		"tcp dport 21 ip saddr @pub_allow_v4 accept comment \"pub: control\"\n"
		"tcp dport 21 ip6 saddr @pub_allow_v6 accept comment \"pub: control\"\n"
		"tcp dport 21 drop comment \"pub: control, refused\"\n"
		"tcp dport 40000-40009 ip saddr @pub_allow_v4 accept comment \"pub: passive\"\n"
		"tcp dport 40000-40009 ip6 saddr @pub_allow_v6 accept comment \"pub: passive\"\n"
		"tcp dport 40000-40009 drop comment \"pub: passive, refused\"\n");
	assert_string_equal(chain_rules(fx, "output"),
		"tcp sport 20 ct state new ip daddr @pub_allow_v4 accept comment \"pub: active\"\n"
		"tcp sport 20 ct state new ip6 daddr @pub_allow_v6 accept comment \"pub: active\"\n"
		"tcp sport 20 ct state new drop comment \"pub: active, refused\"\n");
	/* The helper cannot read TLS: no helper object, no prerouting chain. */
	assert_int_equal(fx->rs->n_helpers, 0);
	assert_null(find_chain(fx->rs, "prerouting"));
	assert_int_equal(find_set(fx->rs, "pub_allow_v4")->flags,
			 IR_SET_INTERVAL | IR_SET_AUTO_MERGE);
	assert_int_equal(fx->rs->n_sets, 2);
}

static void test_ruleset_external_address_opens_passive_explicitly(void **state)
{
	struct fx *fx = *state;

	fx->srv[0].has_external = true;
	set_addr(&fx->srv[0].external, "10.200.0.9");
	fx->srv[0].limits.max_clients = 0;
	fx->srv[0].limits.max_per_ip = 0;
	assert_string_equal(chain_rules(fx, "input"),
		"ct state established accept comment \"established\"\n"
		"tcp dport 21 accept comment \"pub: control\"\n"
		"tcp dport 40000-40009 accept comment \"pub: passive\"\n");
	/* The control channel still gets the helper. */
	assert_non_null(find_chain(fx->rs, "prerouting"));
}

static void test_ruleset_family_without_networks_is_refused(void **state)
{
	struct fx *fx = *state;

	fx->srv[0].tls.mode = SITE_TLS_EXPLICIT;
	fx->srv[0].limits.max_clients = 0;
	fx_allow(fx, 0, "10.200.0.128", 25);
	fx_allow(fx, 0, "10.200.0.0", 25);
	/* A refused family gets no per-source count either: it is dropped anyway. */
	assert_string_equal(chain_rules(fx, "input"),
		"ct state established accept comment \"established\"\n"
		"tcp dport 21 ct state new add @pub_perip_v4 { ip saddr ct count over 5 } drop comment \"pub: max-per-ip\"\n"
		"tcp dport 21 ip saddr @pub_allow_v4 accept comment \"pub: control\"\n"
		"tcp dport 21 drop comment \"pub: control, refused\"\n"
		"tcp dport 40000-40009 ip saddr @pub_allow_v4 accept comment \"pub: passive\"\n"
		"tcp dport 40000-40009 drop comment \"pub: passive, refused\"\n");
	assert_null(find_set(fx->rs, "pub_allow_v6"));
	assert_null(find_set(fx->rs, "pub_perip_v6"));
	assert_int_equal(find_set(fx->rs, "pub_allow_v4")->n_elems, 1);
}

static void test_ruleset_empty_allow_refuses_everyone(void **state)
{
	struct fx *fx = *state;

	fx->srv[0].has_allow = true;
	fx->srv[0].limits.max_clients = 0;
	fx->srv[0].limits.max_per_ip = 0;
	assert_string_equal(chain_rules(fx, "input"),
		"ct state established accept comment \"established\"\n"
		"tcp dport 21 drop comment \"pub: control, refused\"\n"
		"tcp dport 40000-40009 ct state related accept comment \"pub: passive\"\n"
		"tcp dport 40000-40009 drop comment \"pub: passive, refused\"\n");
	assert_int_equal(fx->rs->n_sets, 0);
}

static void test_ruleset_specific_listeners_match_daddr(void **state)
{
	struct fx *fx = *state;

	fx->srv[0].n_listens = 0;
	fx_listen(fx, 0, "10.200.0.1", 21);
	fx_listen(fx, 0, "fd00:200::1", 21);
	fx_listen(fx, 0, "10.200.0.1", 21);
	fx->srv[0].limits.max_clients = 0;
	assert_string_equal(chain_rules(fx, "prerouting"),
		"tcp dport 21 ip daddr 10.200.0.1 ct helper set \"ftp\" comment \"pub: ftp helper\"\n"
		"tcp dport 21 ip6 daddr fd00:200::1 ct helper set \"ftp\" comment \"pub: ftp helper\"\n");
	assert_string_equal(chain_rules(fx, "input"),
		"ct state established accept comment \"established\"\n"
		"tcp dport 21 ip daddr 10.200.0.1 ct state new add @pub_perip_v4 { ip saddr ct count over 5 } drop comment \"pub: max-per-ip\"\n"
		"tcp dport 21 ip daddr 10.200.0.1 accept comment \"pub: control\"\n"
		"tcp dport 21 ip6 daddr fd00:200::1 ct state new add @pub_perip_v6 { ip6 saddr ct count over 5 } drop comment \"pub: max-per-ip\"\n"
		"tcp dport 21 ip6 daddr fd00:200::1 accept comment \"pub: control\"\n"
		"tcp dport 40000-40009 ct state related accept comment \"pub: passive\"\n"
		"tcp dport 40000-40009 drop comment \"pub: passive, refused\"\n");
}

static void test_ruleset_v4_only_server_gets_no_v6_sets(void **state)
{
	struct fx *fx = *state;

	fx->srv[0].n_listens = 0;
	fx_listen(fx, 0, "10.200.0.1", 21);
	fx_allow(fx, 0, "10.200.0.0", 24);
	fx_allow(fx, 0, "fd00:200::", 64);
	assert_int_equal(ruleset_build(&fx->site, &fx->rs), 0);
	assert_non_null(find_set(fx->rs, "pub_allow_v4"));
	assert_non_null(find_set(fx->rs, "pub_perip_v4"));
	assert_null(find_set(fx->rs, "pub_allow_v6"));
	assert_null(find_set(fx->rs, "pub_perip_v6"));
}

static void test_ruleset_pureftpd_without_active_drops_its_ports_last(void **state)
{
	struct fx *fx = *state;

	fx->srv[0].mode = SITE_MODE_ACTIVE;
	fx_server(fx, 1, "pure", SITE_DAEMON_PUREFTPD, SITE_MODE_PASSIVE);
	fx_listen(fx, 1, "10.200.0.2", 2121);
	fx_server(fx, 2, "pure2", SITE_DAEMON_PUREFTPD, SITE_MODE_PASSIVE);
	fx_listen(fx, 2, "10.200.0.3", 2121);
	assert_string_equal(chain_rules(fx, "output"),
		"tcp sport 20 ct state related accept comment \"pub: active\"\n"
		"tcp sport 20 ct state new drop comment \"pub: active, refused\"\n"
		"tcp sport { 2, 3, 4, 5, 6, 10, 14, 16, 20 } ct state related,new drop comment "
		"\"pure: no active mode; pure-ftpd cannot refuse PORT, its ephemeral fallback passes\"\n");
	assert_int_equal(fx->rs->chains[fx->rs->n_chains - 1].rules[2].matches[0].n_ports, 9);
}

static void test_ruleset_pureftpd_with_active_has_no_port_drop(void **state)
{
	struct fx *fx = *state;

	fx->srv[0].daemon = SITE_DAEMON_PUREFTPD;
	fx->srv[0].mode = SITE_MODE_BOTH;
	assert_null(strstr(chain_rules(fx, "output"), "tcp sport {"));
}

static void test_ruleset_attach_keeps_to_its_own_chain(void **state)
{
	struct fx *fx = *state;
	const struct ir_chain *c;

	fx_attach(fx, "inet", "filter", "input");
	fx->srv[0].mode = SITE_MODE_BOTH;
	fx->srv[0].limits.max_clients = 0;
	fx->srv[0].limits.max_per_ip = 0;
	fx_allow(fx, 0, "10.200.0.0", 24);
	assert_string_equal(chain_rules(fx, "ftpcfg-input"),
		"tcp dport 21 ct helper set \"ftpcfg-ftp\" comment \"pub: ftp helper\"\n"
		"tcp dport 21 ct state established accept comment \"pub: established\"\n"
		"tcp dport 21 ip saddr @ftpcfg-pub-allow-v4 accept comment \"pub: control\"\n"
		"tcp dport 21 drop comment \"pub: control, refused\"\n"
		"tcp dport 40000-40009 ct state established accept comment \"pub: established\"\n"
		"tcp dport 40000-40009 ct state related accept comment \"pub: passive\"\n"
		"tcp dport 40000-40009 drop comment \"pub: passive, refused\"\n");
	assert_true(fx->rs->attach);
	assert_string_equal(fx->rs->table, "filter");
	assert_string_equal(fx->rs->attach_chain, "input");
	assert_string_equal(fx->rs->jump_chain, "ftpcfg-input");
	assert_string_equal(fx->rs->helpers[0].name, "ftpcfg-ftp");
	/* One regular chain and nothing else: no output rules in attach mode. */
	assert_int_equal(fx->rs->n_chains, 1);
	c = &fx->rs->chains[0];
	assert_int_equal(c->hook, IR_HOOK_NONE);
}

static void test_ruleset_attach_ip_table_leaves_out_ipv6(void **state)
{
	struct fx *fx = *state;

	fx_attach(fx, "ip", "filter", "input");
	fx_listen(fx, 0, "fd00:200::1", 2121);
	fx_allow(fx, 0, "fd00:200::", 64);
	fx_allow(fx, 0, "10.200.0.0", 24);
	assert_int_equal(ruleset_build(&fx->site, &fx->rs), 0);
	assert_int_equal(fx->rs->family, IR_FAMILY_IP);
	assert_int_equal(fx->rs->helpers[0].l3proto, IR_FAMILY_IP);
	assert_int_equal(fx->rs->n_sets, 2);
	assert_non_null(find_set(fx->rs, "ftpcfg-pub-allow-v4"));
	assert_non_null(find_set(fx->rs, "ftpcfg-pub-perip-v4"));
	assert_null(strstr(chain_rules(fx, "ftpcfg-input"), "ip6"));
	assert_null(strstr(fx->text, "2121"));
}

static void test_ruleset_attach_unknown_family_is_einval(void **state)
{
	struct fx *fx = *state;

	fx_attach(fx, "arp", "filter", "input");
	assert_int_equal(ruleset_build(&fx->site, &fx->rs), -EINVAL);
	assert_null(fx->rs);
}

static void test_ruleset_range_from_net(void **state)
{
	struct site_net n = { .prefix = 22 };
	struct ir_range r;
	struct site_addr hi;

	(void)state;
	set_addr(&n.addr, "10.200.5.7");
	ir_range_from_net(&r, &n);
	set_addr(&hi, "10.200.7.255");
	assert_memory_equal(r.hi, hi.bytes, 16);
	set_addr(&hi, "10.200.4.0");
	assert_memory_equal(r.lo, hi.bytes, 16);

	set_addr(&n.addr, "fd00:200::1");
	n.prefix = 0;
	ir_range_from_net(&r, &n);
	memset(hi.bytes, 0xff, 16);
	assert_memory_equal(r.hi, hi.bytes, 16);
	memset(hi.bytes, 0, 16);
	assert_memory_equal(r.lo, hi.bytes, 16);
}

/* A tiny deterministic generator: tests own their randomness. */
static uint32_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 11);
}

/* The address @base + @off, @off in the low 24 bits. */
static void put_off(uint8_t *b, const uint8_t *base, size_t len, uint32_t off)
{
	memcpy(b, base, 16);
	b[len - 3] |= (uint8_t)(off >> 16);
	b[len - 2] |= (uint8_t)(off >> 8);
	b[len - 1] |= (uint8_t)off;
}

/*
 * Normalize @n random ranges inside a universe of 2^@bits addresses from
 * @base, and compare with the maximal runs of a bitmap of the same ranges.
 */
static void check_against_bitmap(int af, const char *base_s, unsigned bits, size_t n,
				 uint32_t max_len, uint64_t *seed)
{
	struct ir_set set = { .addr_family = af };
	size_t len = ir_addr_len(af);
	uint32_t universe = 1U << bits;
	uint8_t *map = calloc(universe, 1);
	struct site_addr base;
	size_t k = 0;

	assert_non_null(map);
	set_addr(&base, base_s);
	for (size_t i = 0; i < n; i++) {
		uint32_t lo = next_rand(seed) % universe;
		uint32_t span = next_rand(seed) % max_len;
		uint32_t hi;
		struct ir_range r;

		/* Half of them on a grid of 64, so that ranges touch and carry across bytes. */
		if (next_rand(seed) & 1) {
			lo &= ~63U;
			span |= 63;
		}
		hi = span >= universe - lo ? universe - 1 : lo + span;

		put_off(r.lo, base.bytes, len, lo);
		put_off(r.hi, base.bytes, len, hi);
		assert_int_equal(ir_set_add_range(&set, &r), 0);
		memset(map + lo, 1, hi - lo + 1);
	}
	ir_set_normalize(&set);
	for (uint32_t a = 0; a < universe; a++) {
		uint32_t b = a;
		uint8_t lo[16];
		uint8_t hi[16];

		if (!map[a])
			continue;
		while (b + 1 < universe && map[b + 1])
			b++;
		assert_true(k < set.n_elems);
		put_off(lo, base.bytes, len, a);
		put_off(hi, base.bytes, len, b);
		assert_memory_equal(set.elems[k].lo, lo, 16);
		assert_memory_equal(set.elems[k].hi, hi, 16);
		k++;
		a = b;
	}
	assert_int_equal(k, set.n_elems);
	free(set.elems);
	free(map);
}

static void test_ruleset_normalize_matches_brute_force(void **state)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL;

	(void)state;
	for (int round = 0; round < 500; round++) {
		size_t n = 1 + next_rand(&seed) % 40;

		check_against_bitmap(AF_INET, "10.200.0.0", 12, n, 200, &seed);
		/* At the top of the key space, where "hi + 1" overflows. */
		check_against_bitmap(AF_INET, "255.255.240.0", 12, n, 200, &seed);
		check_against_bitmap(AF_INET6, "fd00:200::", 12, n, 200, &seed);
		check_against_bitmap(AF_INET6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:f000", 12, n, 300,
				     &seed);
	}
}

static void test_ruleset_normalize_100000_networks(void **state)
{
	uint64_t seed = 42;

	(void)state;
	/* 2^20 addresses, ranges up to 4096 wide: heavy overlap and adjacency. */
	check_against_bitmap(AF_INET, "10.0.0.0", 20, 100000, 4096, &seed);
	check_against_bitmap(AF_INET6, "fd00:200::", 20, 100000, 64, &seed);
}

/*
 * The shards of some ranges, split out for the shards a mask names (as a
 * change does), are those a look at every range finds: IPv4 takes two
 * binary searches a shard, IPv6 the look.  Random sorted sets of /8 to /32
 * ranges, some wider than a shard, and random masks.
 */
static void test_ruleset_shards_split_some(void **state)
{
	uint64_t seed = 7;

	(void)state;
	for (int round = 0; round < 300; round++) {
		int af = round % 3 ? AF_INET : AF_INET6;
		size_t kb = ir_shard_byte(af);
		size_t n = next_rand(&seed) % 600;
		struct ir_range *e = calloc(n + 1, sizeof(*e));
		bool only[IR_SHARDS];
		struct ir_shards got;
		uint64_t at = next_rand(&seed) % 4096;
		size_t w = 0;

		assert_non_null(e);
		for (unsigned k = 0; k < IR_SHARDS; k++)
			only[k] = next_rand(&seed) % 4 == 0;
		/* Sorted, disjoint: [at, at + width) on a 32-bit line placed at the key byte. */
		for (size_t i = 0; i < n && at < 0xffffffffULL; i++) {
			uint64_t width = (uint64_t)1 << (next_rand(&seed) % 26);
			uint64_t hi = at + width - 1 > 0xffffffffULL ? 0xffffffffULL : at + width - 1;

			for (int b = 0; b < 4; b++) {
				e[w].lo[kb + (size_t)b] = (uint8_t)(at >> (24 - 8 * b));
				e[w].hi[kb + (size_t)b] = (uint8_t)(hi >> (24 - 8 * b));
			}
			w++;
			at = hi + 2 + next_rand(&seed) % ((uint64_t)1 << (next_rand(&seed) % 26));
		}
		assert_int_equal(ir_shards_split_some(af, e, w, only, &got), 0);
		for (unsigned k = 0, pos = 0; k < IR_SHARDS; k++) {
			size_t want = 0;

			for (size_t i = 0; i < w; i++) {
				unsigned first, last;

				ir_shard_span(af, &e[i], &first, &last);
				if (!only[k] || k < first || k > last)
					continue;
				assert_true(pos < got.start[IR_SHARDS]);
				assert_int_equal(got.idx[got.start[k] + want], i);
				want++;
			}
			assert_int_equal(got.start[k + 1] - got.start[k], want);
			pos += (unsigned)want;
		}
		ir_shards_release(&got);
		free(e);
	}
}

/*
 * Inputs that make a naive quicksort quadratic or run off an end: all sorted
 * right, IPv4 by the radix sort and IPv6 by the sort in place.
 */
static void test_ruleset_normalize_adversarial_orders(void **state)
{
	enum { N = 50000 };

	(void)state;
	for (int v6 = 0; v6 < 2; v6++) {
		size_t len = v6 ? 16 : 4;

		for (int shape = 0; shape < 4; shape++) {
			struct ir_set set = { .addr_family = v6 ? AF_INET6 : AF_INET };

			for (uint32_t i = 0; i < N; i++) {
				/* Descending, all equal, organ pipe, sawtooth; every other address. */
				uint32_t k = shape == 0 ? N - 1 - i : shape == 1 ? 7 :
					     shape == 2 ? (i < N / 2 ? i : N - 1 - i) :
							  i % 1000 * 50 + i / 1000;
				uint32_t a = 0x0ac80000u + 2 * k;
				struct ir_range r = { { 0 }, { 0 } };

				if (v6)
					r.lo[0] = r.hi[0] = 0xfd;
				for (int b = 0; b < 4; b++)
					r.lo[len - 4 + b] = r.hi[len - 4 + b] =
						(uint8_t)(a >> (24 - 8 * b));
				assert_int_equal(ir_set_add_range(&set, &r), 0);
			}
			ir_set_normalize(&set);
			assert_int_equal(set.n_elems, shape == 1 ? 1 : shape == 2 ? N / 2 : N);
			for (size_t i = 1; i < set.n_elems; i++)
				assert_true(memcmp(set.elems[i - 1].hi, set.elems[i].lo, len) < 0);
			free(set.elems);
		}
	}
}

static void test_ruleset_normalize_whole_space(void **state)
{
	struct ir_set set = { .addr_family = AF_INET6 };
	struct site_net n = { .prefix = 0 };
	struct ir_range r;

	(void)state;
	set_addr(&n.addr, "::");
	ir_range_from_net(&r, &n);
	assert_int_equal(ir_set_add_range(&set, &r), 0);
	n.prefix = 128;
	set_addr(&n.addr, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	ir_range_from_net(&r, &n);
	assert_int_equal(ir_set_add_range(&set, &r), 0);
	set_addr(&n.addr, "fd00:200::1");
	ir_range_from_net(&r, &n);
	assert_int_equal(ir_set_add_range(&set, &r), 0);
	ir_set_normalize(&set);
	assert_int_equal(set.n_elems, 1);
	free(set.elems);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ruleset_standalone_passive_with_helper, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ruleset_active_helper_rules_in_output, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ruleset_tls_opens_data_ports_explicitly, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ruleset_external_address_opens_passive_explicitly,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_ruleset_family_without_networks_is_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_ruleset_empty_allow_refuses_everyone, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ruleset_specific_listeners_match_daddr, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ruleset_v4_only_server_gets_no_v6_sets, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ruleset_pureftpd_without_active_drops_its_ports_last,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_ruleset_pureftpd_with_active_has_no_port_drop,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_ruleset_attach_keeps_to_its_own_chain, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ruleset_attach_ip_table_leaves_out_ipv6, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ruleset_attach_unknown_family_is_einval, setup,
						teardown),
		cmocka_unit_test(test_ruleset_range_from_net),
		cmocka_unit_test(test_ruleset_normalize_matches_brute_force),
		cmocka_unit_test(test_ruleset_normalize_100000_networks),
		cmocka_unit_test(test_ruleset_normalize_adversarial_orders),
		cmocka_unit_test(test_ruleset_normalize_whole_space),
		cmocka_unit_test(test_ruleset_shards_split_some),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
