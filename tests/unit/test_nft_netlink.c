/*
 * test_nft_netlink: the batch encoder without a kernel.  Each batch is
 * built into its buffer, parsed back with libnftnl and compared attribute
 * by attribute (libnftnl tests/nft-*-test.c style); rules go through the
 * decoder too, so encode and decode are checked against each other.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>

#include "../../src/nft_netlink_int.h"
#include "diag.h"
#include "nft_netlink.h"
#include "ruleset.h"

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	assert_non_null(p);
	return p;
}

static void range4(struct ir_range *r, uint32_t lo, uint32_t hi)
{
	memset(r, 0, sizeof(*r));
	lo = htonl(lo);
	hi = htonl(hi);
	memcpy(r->lo, &lo, 4);
	memcpy(r->hi, &hi, 4);
}

static struct ir_set *add_set(struct ruleset *rs, const char *name, int af, uint32_t flags)
{
	struct ir_set *s = &rs->sets[rs->n_sets++];

	s->name = xstrdup(name);
	s->addr_family = af;
	s->flags = flags;
	s->line = 7;
	return s;
}

static struct ir_rule *add_rule(struct ir_chain *c, enum ir_verdict v, const char *comment)
{
	struct ir_rule *r = &c->rules[c->n_rules++];

	r->verdict = v;
	r->comment = comment ? xstrdup(comment) : NULL;
	r->line = 10 + (unsigned)c->n_rules;
	return r;
}

static struct ir_match *add_match(struct ir_rule *r, enum ir_match_kind k)
{
	struct ir_match *m = &r->matches[r->n_matches++];

	m->kind = k;
	return m;
}

/* The shape ftpcfg renders, with every kind of match at least once. */
static struct ruleset *sample(void)
{
	struct ruleset *rs = calloc(1, sizeof(*rs));
	struct ir_range r;
	struct ir_chain *c;
	struct ir_rule *ru;
	struct ir_match *m;
	struct ir_set *s;

	assert_non_null(rs);
	rs->family = IR_FAMILY_INET;
	rs->table = xstrdup("ftpcfg");
	rs->helpers = calloc(1, sizeof(*rs->helpers));
	rs->sets = calloc(3, sizeof(*rs->sets));
	rs->chains = calloc(2, sizeof(*rs->chains));
	assert_true(rs->helpers && rs->sets && rs->chains);
	rs->n_helpers = 1;
	rs->helpers[0].name = xstrdup("ftp");
	rs->helpers[0].type = xstrdup("ftp");
	rs->helpers[0].l3proto = IR_FAMILY_INET;

	s = add_set(rs, "allow_v4", AF_INET, IR_SET_INTERVAL | IR_SET_AUTO_MERGE);
	range4(&r, 0xc0000200, 0xc00002ff);	/* 192.0.2.0/24 */
	assert_int_equal(ir_set_add_range(s, &r), 0);
	range4(&r, 0xc6336407, 0xc6336407);	/* 198.51.100.7 */
	assert_int_equal(ir_set_add_range(s, &r), 0);
	s = add_set(rs, "allow_v6", AF_INET6, IR_SET_INTERVAL | IR_SET_AUTO_MERGE);
	memset(&r, 0, sizeof(r));
	r.lo[0] = r.hi[0] = 0x20;
	r.lo[1] = r.hi[1] = 0x01;
	r.lo[2] = r.hi[2] = 0x0d;
	r.lo[3] = r.hi[3] = 0xb8;
	memset(r.hi + 4, 0xff, 12);
	assert_int_equal(ir_set_add_range(s, &r), 0);
	s = add_set(rs, "perip_v4", AF_INET, IR_SET_DYNAMIC);
	s->size = 65535;

	rs->n_chains = 2;
	c = &rs->chains[0];
	c->name = xstrdup("prerouting");
	c->hook = IR_HOOK_PREROUTING;
	c->rules = calloc(1, sizeof(*c->rules));
	assert_non_null(c->rules);
	ru = add_rule(c, IR_VERDICT_CT_HELPER, "ftp helper");
	ru->target = xstrdup("ftp");
	ru->counter = true;
	m = add_match(ru, IR_MATCH_TCP_DPORT);
	m->port_lo = m->port_hi = 21;
	m = add_match(ru, IR_MATCH_DADDR);
	m->addr.family = AF_INET;
	memcpy(m->addr.bytes, "\x0a\xc8\x00\x01", 4);

	c = &rs->chains[1];
	c->name = xstrdup("input");
	c->hook = IR_HOOK_INPUT;
	c->rules = calloc(6, sizeof(*c->rules));
	assert_non_null(c->rules);
	ru = add_rule(c, IR_VERDICT_DROP, "max-per-ip");
	ru->counter = true;
	m = add_match(ru, IR_MATCH_TCP_DPORT);
	m->port_lo = m->port_hi = 21;
	m = add_match(ru, IR_MATCH_CT_STATE);
	m->ct_state = IR_CT_NEW;
	m = add_match(ru, IR_MATCH_CT_COUNT_PER_SADDR);
	m->addr_family = AF_INET;
	m->set = xstrdup("perip_v4");
	m->count = 5;
	ru = add_rule(c, IR_VERDICT_DROP, NULL);
	m = add_match(ru, IR_MATCH_CT_COUNT);
	m->count = 50;
	ru = add_rule(c, IR_VERDICT_ACCEPT, "passive");
	ru->counter = true;
	m = add_match(ru, IR_MATCH_TCP_DPORT);
	m->port_lo = 40000;
	m->port_hi = 40100;
	m = add_match(ru, IR_MATCH_SADDR_SET);
	m->addr_family = AF_INET6;
	m->set = xstrdup("allow_v6");
	m = add_match(ru, IR_MATCH_CT_STATE);
	m->ct_state = IR_CT_ESTABLISHED | IR_CT_RELATED;
	ru = add_rule(c, IR_VERDICT_ACCEPT, "active");
	m = add_match(ru, IR_MATCH_TCP_SPORT_LIST);
	m->ports[0] = 2;
	m->ports[1] = 3;
	m->ports[2] = 20;
	m->n_ports = 3;
	m = add_match(ru, IR_MATCH_DADDR_SET);
	m->addr_family = AF_INET;
	m->set = xstrdup("allow_v4");
	ru = add_rule(c, IR_VERDICT_JUMP, NULL);
	ru->target = xstrdup("prerouting");
	return rs;
}

/* The messages of a finished batch. */
struct msgs {
	const struct nlmsghdr *m[4096];
	size_t n;
};

static void split(const struct nft_netlink_batch *b, struct msgs *out)
{
	size_t len = 0;
	const void *data = nft_netlink_batch_data(b, &len);
	const struct nlmsghdr *nlh = data;
	int left = (int)len;

	assert_non_null(data);
	out->n = 0;
	while (mnl_nlmsg_ok(nlh, left)) {
		assert_true(out->n < 4096);
		out->m[out->n++] = nlh;
		nlh = mnl_nlmsg_next(nlh, &left);
	}
	assert_int_equal(left, 0);
}

static uint16_t nft_type(const struct nlmsghdr *nlh)
{
	if (nlh->nlmsg_type == NFNL_MSG_BATCH_BEGIN || nlh->nlmsg_type == NFNL_MSG_BATCH_END)
		return nlh->nlmsg_type;
	assert_int_equal(nlh->nlmsg_type >> 8, NFNL_SUBSYS_NFTABLES);
	return nlh->nlmsg_type & 0xff;
}

/*
 * Elements, parsed by hand: nft numbers the element nests 1, 2, 3... and
 * so do we, but libnftnl's parser accepts only type 1 (NFTA_LIST_ELEM).
 */
struct elem {
	uint8_t key[16];
	uint32_t key_len;
	bool end;
};

static size_t parse_elems(const struct nlmsghdr *nlh, struct elem *out, size_t max)
{
	const struct nlattr *a;
	const struct nlattr *el;
	const struct nlattr *x;
	const struct nlattr *v;
	size_t n = 0;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		mnl_attr_for_each_nested(el, a) {
			struct elem e = { .end = false };

			mnl_attr_for_each_nested(x, el) {
				if (mnl_attr_get_type(x) == NFTA_SET_ELEM_FLAGS)
					e.end = ntohl(mnl_attr_get_u32(x)) & NFT_SET_ELEM_INTERVAL_END;
				if (mnl_attr_get_type(x) != NFTA_SET_ELEM_KEY)
					continue;
				mnl_attr_for_each_nested(v, x) {
					e.key_len = mnl_attr_get_payload_len(v);
					assert_true(e.key_len <= 16);
					memcpy(e.key, mnl_attr_get_payload(v), e.key_len);
				}
			}
			if (out && n < max)
				out[n] = e;
			n++;
		}
	}
	return n;
}

static int genid_attr_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == NFNL_BATCH_GENID)
		*(uint32_t *)data = ntohl(mnl_attr_get_u32(a));
	return MNL_CB_OK;
}

static int setup(void **state)
{
	*state = sample();
	return 0;
}

static int teardown(void **state)
{
	ruleset_free(*state);
	return 0;
}

static void test_nft_netlink_replace_sequence(void **state)
{
	const struct ruleset *rs = *state;
	static const uint16_t want[] = {
		NFNL_MSG_BATCH_BEGIN, NFT_MSG_NEWTABLE, NFT_MSG_DELTABLE, NFT_MSG_NEWTABLE,
		NFT_MSG_NEWCHAIN, NFT_MSG_NEWCHAIN, NFT_MSG_NEWOBJ,
		NFT_MSG_NEWSET, NFT_MSG_NEWSETELEM, NFT_MSG_NEWSET, NFT_MSG_NEWSETELEM,
		NFT_MSG_NEWSET, NFT_MSG_NEWRULE, NFT_MSG_NEWRULE, NFT_MSG_NEWRULE, NFT_MSG_NEWRULE,
		NFT_MSG_NEWSET, NFT_MSG_NEWSETELEM, NFT_MSG_NEWRULE, NFT_MSG_NEWRULE,
		NFNL_MSG_BATCH_END,
	};
	struct nft_netlink_batch *b = NULL;
	struct msgs ms;
	struct diag d;
	uint32_t genid = 0;
	size_t i;

	diag_init(&d);
	assert_int_equal(nft_netlink_batch_new(NULL, 42, "site.xml", &b), 0);
	assert_int_equal(nft_netlink_batch_replace(b, rs, NULL, &d), 0);
	assert_int_equal(nft_netlink_batch_finish(b, 0), 0);
	split(b, &ms);
	assert_int_equal(ms.n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < ms.n; i++) {
		assert_int_equal(nft_type(ms.m[i]), want[i]);
		assert_int_equal(ms.m[i]->nlmsg_seq, i + 1);
		if (i && i + 1 < ms.n)
			assert_true(ms.m[i]->nlmsg_flags & NLM_F_ACK);
	}
	assert_int_equal(nft_netlink_batch_count(b), ms.n - 2);
	mnl_attr_parse(ms.m[0], sizeof(struct nfgenmsg), genid_attr_cb, &genid);
	assert_int_equal(genid, 42);
	nft_netlink_batch_free(b);
	assert_int_equal(d.n_errors, 0);
	diag_release(&d);
}

static void test_nft_netlink_objects_parse_back(void **state)
{
	const struct ruleset *rs = *state;
	struct nft_netlink_batch *b = NULL;
	struct nftnl_chain *ch = nftnl_chain_alloc();
	struct nftnl_obj *o = nftnl_obj_alloc();
	struct nftnl_set *s = nftnl_set_alloc();
	static const uint8_t ud[] = { 0, 4, 2, 0, 0, 0, 2, 4, 1, 0, 0, 0 };
	const void *p;
	uint32_t len;
	struct msgs ms;
	struct diag d;

	diag_init(&d);
	assert_true(ch && o && s);
	assert_int_equal(nft_netlink_batch_new(NULL, 0, NULL, &b), 0);
	assert_int_equal(nft_netlink_batch_replace(b, rs, NULL, &d), 0);
	assert_int_equal(nft_netlink_batch_finish(b, NFT_NETLINK_CHECK), 0);
	split(b, &ms);
	/* --check: no END. */
	assert_int_equal(nft_type(ms.m[ms.n - 1]), NFT_MSG_NEWRULE);

	assert_int_equal(nftnl_chain_nlmsg_parse(ms.m[4], ch), 0);
	assert_string_equal(nftnl_chain_get_str(ch, NFTNL_CHAIN_NAME), "prerouting");
	assert_string_equal(nftnl_chain_get_str(ch, NFTNL_CHAIN_TYPE), "filter");
	assert_int_equal(nftnl_chain_get_u32(ch, NFTNL_CHAIN_HOOKNUM), NF_INET_PRE_ROUTING);
	assert_int_equal(nftnl_chain_get_s32(ch, NFTNL_CHAIN_PRIO), 0);
	assert_int_equal(nftnl_chain_get_u32(ch, NFTNL_CHAIN_POLICY), NF_ACCEPT);

	assert_int_equal(nftnl_obj_nlmsg_parse(ms.m[6], o), 0);
	assert_int_equal(nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE), NFT_OBJECT_CT_HELPER);
	assert_string_equal(nftnl_obj_get_str(o, NFTNL_OBJ_NAME), "ftp");
	assert_string_equal(nftnl_obj_get_str(o, NFTNL_OBJ_CT_HELPER_NAME), "ftp");
	assert_int_equal(nftnl_obj_get_u16(o, NFTNL_OBJ_CT_HELPER_L3PROTO), NFPROTO_INET);
	assert_int_equal(nftnl_obj_get_u8(o, NFTNL_OBJ_CT_HELPER_L4PROTO), 6);

	/* The set as nft 1.0.6 writes it, userdata byte for byte. */
	assert_int_equal(nftnl_set_nlmsg_parse(ms.m[7], s), 0);
	assert_string_equal(nftnl_set_get_str(s, NFTNL_SET_NAME), "allow_v4");
	assert_int_equal(nftnl_set_get_u32(s, NFTNL_SET_FLAGS), NFT_SET_INTERVAL);
	assert_int_equal(nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE), 7);
	assert_int_equal(nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN), 4);
	assert_int_equal(nftnl_set_get_u32(s, NFTNL_SET_ID), 1);
	p = nftnl_set_get_data(s, NFTNL_SET_USERDATA, &len);
	assert_int_equal(len, sizeof(ud));
	assert_memory_equal(p, ud, sizeof(ud));

	/* Elements: end at 0, then start/end pairs (end = hi + 1). */
	{
		static const uint32_t keys[] = { 0, 0xc0000200, 0xc0000300, 0xc6336407, 0xc6336408 };
		static const bool ends[] = { true, false, true, false, true };
		struct elem el[8];
		size_t i;

		assert_int_equal(parse_elems(ms.m[8], el, 8), 5);
		for (i = 0; i < 5; i++) {
			uint32_t k;

			assert_int_equal(el[i].key_len, 4);
			memcpy(&k, el[i].key, 4);
			assert_int_equal(ntohl(k), keys[i]);
			assert_int_equal(el[i].end, ends[i]);
		}
	}
	nftnl_chain_free(ch);
	nftnl_obj_free(o);
	nftnl_set_free(s);
	nft_netlink_batch_free(b);
	diag_release(&d);
}

static void assert_rule_equal(const struct ir_rule *a, const struct ir_rule *b)
{
	size_t i;

	assert_int_equal(a->n_matches, b->n_matches);
	for (i = 0; i < a->n_matches; i++) {
		const struct ir_match *x = &a->matches[i];
		const struct ir_match *y = &b->matches[i];

		assert_int_equal(x->kind, y->kind);
		assert_int_equal(x->port_lo, y->port_lo);
		assert_int_equal(x->port_hi, y->port_hi);
		assert_int_equal(x->n_ports, y->n_ports);
		assert_memory_equal(x->ports, y->ports, sizeof(x->ports));
		assert_int_equal(x->ct_state, y->ct_state);
		assert_int_equal(x->count, y->count);
		if (x->kind == IR_MATCH_DADDR)
			assert_memory_equal(x->addr.bytes, y->addr.bytes, 16);
		if (x->set || y->set)
			assert_string_equal(x->set, y->set);
	}
	assert_int_equal(a->counter, b->counter);
	assert_int_equal(a->verdict, b->verdict);
	if (a->target || b->target)
		assert_string_equal(a->target, b->target);
	if (a->comment || b->comment)
		assert_string_equal(a->comment, b->comment);
}

static void test_nft_netlink_rules_round_trip(void **state)
{
	const struct ruleset *rs = *state;
	struct nfn_anon anon = { .name = "__set%d", .ports = { 2, 3, 20 }, .n_ports = 3 };
	struct nft_netlink_batch *b = NULL;
	const struct ir_rule *want[7];
	size_t n_want = 0;
	size_t n = 0;
	struct msgs ms;
	struct diag d;
	size_t i;
	size_t c;

	for (c = 0; c < rs->n_chains; c++)
		for (i = 0; i < rs->chains[c].n_rules; i++)
			want[n_want++] = &rs->chains[c].rules[i];
	diag_init(&d);
	assert_int_equal(nft_netlink_batch_new(NULL, 0, NULL, &b), 0);
	assert_int_equal(nft_netlink_batch_replace(b, rs, NULL, &d), 0);
	assert_int_equal(nft_netlink_batch_finish(b, 0), 0);
	split(b, &ms);
	for (i = 0; i < ms.n; i++) {
		struct nftnl_rule *nr;
		struct ir_rule got = { .line = 0 };

		if (nft_type(ms.m[i]) != NFT_MSG_NEWRULE)
			continue;
		nr = nftnl_rule_alloc();
		assert_non_null(nr);
		assert_int_equal(nftnl_rule_nlmsg_parse(ms.m[i], nr), 0);
		assert_true(ms.m[i]->nlmsg_flags & NLM_F_APPEND);
		assert_int_equal(nfn_rule_decode(nr, IR_FAMILY_INET, &anon, 1, &got), 0);
		assert_true(n < n_want);
		assert_rule_equal(&got, want[n++]);
		nfn_rule_release(&got);
		nftnl_rule_free(nr);
	}
	assert_int_equal(n, n_want);
	nft_netlink_batch_free(b);
	diag_release(&d);
}

static void test_nft_netlink_unknown_rule(void **state)
{
	struct nftnl_rule *nr = nftnl_rule_alloc();
	struct nftnl_expr *e = nftnl_expr_alloc("notrack");
	struct ir_rule got = { .line = 0 };

	(void)state;
	assert_true(nr && e);
	nftnl_rule_set_u32(nr, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nftnl_rule_add_expr(nr, e);
	assert_int_equal(nfn_rule_decode(nr, IR_FAMILY_INET, NULL, 0, &got), 0);
	/* Someone else's: no invented verdict or comment; nft gives its text later. */
	assert_int_equal(got.n_matches, 0);
	assert_int_equal(got.verdict, IR_VERDICT_FOREIGN);
	assert_null(got.comment);
	assert_null(got.target);
	nfn_rule_release(&got);
	nftnl_rule_free(nr);
}

/* A foreign rule (a journaled ruleset put back) is never written: only its text is known. */
static void test_nft_netlink_foreign_rule_not_written(void **state)
{
	struct ruleset rs = { .family = IR_FAMILY_INET, .table = (char *)"ftpcfg" };
	struct ir_rule r = { .verdict = IR_VERDICT_FOREIGN,
			     .target = (char *)"limit rate 5/second log accept" };
	struct nft_netlink_batch *b = NULL;
	struct diag d;

	(void)state;
	diag_init(&d);
	assert_int_equal(nft_netlink_batch_new(NULL, 0, NULL, &b), 0);
	assert_int_equal(nft_netlink_batch_add_rule(b, &rs, "input", &r, 0, &d), 0);
	assert_int_equal(nft_netlink_batch_count(b), 0);
	assert_int_equal(d.n_errors, 0);
	nft_netlink_batch_free(b);
	diag_release(&d);
}

/* 100 000 separate networks: every element message stays under 64 KiB, none is lost. */
static void test_nft_netlink_elements_split(void **state)
{
	struct ruleset rs = { .family = IR_FAMILY_INET, .table = (char *)"ftpcfg" };
	struct ir_set set = { .name = (char *)"big", .addr_family = AF_INET,
			      .flags = IR_SET_INTERVAL | IR_SET_AUTO_MERGE };
	struct nft_netlink_batch *b = NULL;
	size_t n_elems = 0;
	size_t n_msgs = 0;
	struct msgs ms;
	struct diag d;
	struct ir_range r;
	size_t i;

	(void)state;
	diag_init(&d);
	assert_int_equal(ir_set_reserve(&set, 100000), 0);
	for (i = 0; i < 100000; i++) {
		range4(&r, 0x0a000000 + 4 * (uint32_t)i, 0x0a000000 + 4 * (uint32_t)i + 1);
		assert_int_equal(ir_set_add_range(&set, &r), 0);
	}
	assert_int_equal(nft_netlink_batch_new(NULL, 0, NULL, &b), 0);
	assert_int_equal(nft_netlink_batch_add_set(b, &rs, &set, &d), 0);
	assert_int_equal(nft_netlink_batch_finish(b, 0), 0);
	split(b, &ms);
	for (i = 0; i < ms.n; i++) {
		if (nft_type(ms.m[i]) != NFT_MSG_NEWSETELEM)
			continue;
		assert_true(ms.m[i]->nlmsg_len < 65536 + 64);
		n_elems += parse_elems(ms.m[i], NULL, 0);
		n_msgs++;
	}
	/* An end at 0, then a start and an end for each network. */
	assert_int_equal(n_elems, 1 + 2 * 100000);
	/*
	 * 40 bytes a network, 4 MB in all: 61 full 64 KiB nests at best (nft
	 * fills each to the byte, we keep 64 bytes spare).
	 */
	assert_true(n_msgs >= 61 && n_msgs <= 63);
	nft_netlink_batch_free(b);
	free(set.elems);
	diag_release(&d);
}

/* One network more or less is one element message, nothing else. */
static void test_nft_netlink_update_elems(void **state)
{
	const struct ruleset *rs = *state;
	const struct ir_set *want = &rs->sets[0];
	struct nft_netlink_batch *b = NULL;
	struct ir_range old[1];
	struct msgs ms;
	struct diag d;

	diag_init(&d);
	old[0] = want->elems[0];
	assert_int_equal(nft_netlink_batch_new(NULL, 0, NULL, &b), 0);
	assert_int_equal(nft_netlink_batch_update_elems(b, rs, want, old, 1, &d), 0);
	assert_int_equal(nft_netlink_batch_finish(b, 0), 0);
	split(b, &ms);
	assert_int_equal(ms.n, 3);
	assert_int_equal(nft_type(ms.m[1]), NFT_MSG_NEWSETELEM);
	nft_netlink_batch_free(b);

	/* The other way round: one DELSETELEM. */
	{
		struct ir_set shrunk = *want;

		shrunk.n_elems = 1;
		assert_int_equal(nft_netlink_batch_new(NULL, 0, NULL, &b), 0);
		assert_int_equal(nft_netlink_batch_update_elems(b, rs, &shrunk, want->elems, 2, &d),
				 0);
		assert_int_equal(nft_netlink_batch_finish(b, 0), 0);
		split(b, &ms);
		assert_int_equal(ms.n, 3);
		assert_int_equal(nft_type(ms.m[1]), NFT_MSG_DELSETELEM);
		nft_netlink_batch_free(b);
	}
	/* Nothing differs: nothing sent. */
	assert_int_equal(nft_netlink_batch_new(NULL, 0, NULL, &b), 0);
	assert_int_equal(nft_netlink_batch_update_elems(b, rs, want, want->elems, 2, &d), 0);
	assert_int_equal(nft_netlink_batch_count(b), 0);
	nft_netlink_batch_free(b);
	assert_int_equal(d.n_errors, 0);
	diag_release(&d);
}

static void test_nft_netlink_attach_replace(void **state)
{
	struct ruleset *rs = *state;
	struct nft_netlink_live live = { .n_jump_handles = 1 };
	uint64_t jumps[1] = { 77 };
	struct nft_netlink_batch *b = NULL;
	struct nftnl_rule *nr;
	struct msgs ms;
	struct diag d;

	diag_init(&d);
	rs->attach = true;
	rs->attach_chain = xstrdup("input");
	rs->jump_chain = xstrdup("prerouting");
	live.rs = rs;
	live.jump_handles = jumps;
	assert_int_equal(nft_netlink_batch_new(NULL, 0, NULL, &b), 0);
	assert_int_equal(nft_netlink_batch_replace(b, rs, &live, &d), 0);
	assert_int_equal(nft_netlink_batch_finish(b, 0), 0);
	split(b, &ms);
	/*
	 * The jump by handle, then every chain flushed, the sets deleted (a
	 * verdict map holds its chains), the chains, the helper; no table.
	 */
	assert_int_equal(nft_type(ms.m[1]), NFT_MSG_DELRULE);
	nr = nftnl_rule_alloc();
	assert_non_null(nr);
	assert_int_equal(nftnl_rule_nlmsg_parse(ms.m[1], nr), 0);
	assert_int_equal(nftnl_rule_get_u64(nr, NFTNL_RULE_HANDLE), 77);
	nftnl_rule_free(nr);
	assert_int_equal(nft_type(ms.m[2]), NFT_MSG_DELRULE);
	assert_int_equal(nft_type(ms.m[4]), NFT_MSG_DELSET);
	assert_int_equal(nft_type(ms.m[7]), NFT_MSG_DELCHAIN);
	assert_int_equal(nft_type(ms.m[9]), NFT_MSG_DELOBJ);
	assert_int_equal(nft_type(ms.m[10]), NFT_MSG_NEWCHAIN);
	/* The jump goes first in the foreign chain: no NLM_F_APPEND. */
	assert_int_equal(nft_type(ms.m[ms.n - 2]), NFT_MSG_NEWRULE);
	assert_false(ms.m[ms.n - 2]->nlmsg_flags & NLM_F_APPEND);
	nft_netlink_batch_free(b);
	diag_release(&d);
}

static void test_nft_netlink_rejects_unnormalized(void **state)
{
	struct ruleset *rs = *state;
	struct nft_netlink_batch *b = NULL;
	struct ir_range tmp;
	struct diag d;

	diag_init(&d);
	tmp = rs->sets[0].elems[0];
	rs->sets[0].elems[0] = rs->sets[0].elems[1];
	rs->sets[0].elems[1] = tmp;
	assert_int_equal(nft_netlink_batch_new(NULL, 0, "site.xml", &b), 0);
	assert_int_equal(nft_netlink_batch_replace(b, rs, NULL, &d), -EINVAL);
	assert_int_equal(d.n_errors, 1);
	assert_int_equal(d.recs[0].line, 7);
	nft_netlink_batch_free(b);
	diag_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nft_netlink_replace_sequence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nft_netlink_objects_parse_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nft_netlink_rules_round_trip, setup, teardown),
		cmocka_unit_test(test_nft_netlink_unknown_rule),
		cmocka_unit_test(test_nft_netlink_foreign_rule_not_written),
		cmocka_unit_test(test_nft_netlink_elements_split),
		cmocka_unit_test_setup_teardown(test_nft_netlink_update_elems, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nft_netlink_attach_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nft_netlink_rejects_unnormalized, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
