/*
 * nft_netlink_rdec: a kernel rule back to an IR rule.  Only the exact
 * expression sequences nft_netlink_rule.c writes (which are nft's own) are
 * understood; anything else becomes a rule that compares unequal.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <libnftnl/expr.h>
#include <libnftnl/rule.h>

#include "nft_netlink_int.h"

#define NFN_MAX_EXPRS 32

struct nfn_dec {
	const struct nftnl_expr *e[NFN_MAX_EXPRS];
	size_t n;
	size_t i;
	int nfproto;		/* AF_* the rule has matched, or the table's */
	bool inet;
	bool tcp;
	const struct nfn_anon *anon;
	size_t n_anon;
	struct ir_rule *r;
};

static bool nfn_is(const struct nftnl_expr *e, const char *name)
{
	const char *n = e ? nftnl_expr_get_str(e, NFTNL_EXPR_NAME) : NULL;

	return n && strcmp(n, name) == 0;
}

static const struct nftnl_expr *nfn_peek(const struct nfn_dec *c, size_t ahead)
{
	return c->i + ahead < c->n ? c->e[c->i + ahead] : NULL;
}

static bool nfn_u32_is(const struct nftnl_expr *e, uint16_t attr, uint32_t v)
{
	return nftnl_expr_is_set(e, attr) && nftnl_expr_get_u32(e, attr) == v;
}

/* A cmp of reg 1 with @op; its data and length through @data/@len. */
static bool nfn_cmp_is(const struct nftnl_expr *e, uint32_t op, const void **data, uint32_t *len)
{
	if (!nfn_is(e, "cmp") || !nfn_u32_is(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1) ||
	    !nfn_u32_is(e, NFTNL_EXPR_CMP_OP, op))
		return false;
	*data = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, len);
	return *data != NULL;
}

/* meta KEY + cmp eq one byte: returns the byte, or -1. */
static int nfn_meta_dep(const struct nfn_dec *c, uint32_t key)
{
	const struct nftnl_expr *m = nfn_peek(c, 0);
	const void *data;
	uint32_t len;

	if (!nfn_is(m, "meta") || !nfn_u32_is(m, NFTNL_EXPR_META_KEY, key) ||
	    !nfn_u32_is(m, NFTNL_EXPR_META_DREG, NFT_REG_1) ||
	    !nfn_cmp_is(nfn_peek(c, 1), NFT_CMP_EQ, &data, &len) || len != 1)
		return -1;
	return *(const uint8_t *)data;
}

static struct ir_match *nfn_new_match(struct nfn_dec *c, enum ir_match_kind kind)
{
	struct ir_match *m;

	if (c->r->n_matches == IR_MAX_MATCHES)
		return NULL;
	m = &c->r->matches[c->r->n_matches++];
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	return m;
}

static const struct nfn_anon *nfn_anon_find(const struct nfn_dec *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n_anon; i++)
		if (strcmp(c->anon[i].name, name) == 0)
			return &c->anon[i];
	return NULL;
}

static bool nfn_plain_lookup(const struct nftnl_expr *e)
{
	return nfn_is(e, "lookup") && nfn_u32_is(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1) &&
	       !nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_DREG) &&
	       (!nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_FLAGS) ||
		nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_FLAGS) == 0) &&
	       nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET);
}

/* payload transport + cmp/range/lookup: 1 understood, 0 not, -ENOMEM. */
static int nfn_dec_port(struct nfn_dec *c, uint32_t offset)
{
	const struct nftnl_expr *n1 = nfn_peek(c, 1);
	const struct nftnl_expr *n2 = nfn_peek(c, 2);
	bool dport = offset == 2;
	const struct nfn_anon *a;
	const void *d1;
	const void *d2;
	struct ir_match *m;
	uint32_t l1;
	uint32_t l2;
	uint16_t v;

	if (nfn_cmp_is(n1, NFT_CMP_EQ, &d1, &l1) && l1 == 2) {
		m = nfn_new_match(c, dport ? IR_MATCH_TCP_DPORT : IR_MATCH_TCP_SPORT);
		if (!m)
			return 0;
		memcpy(&v, d1, 2);
		m->port_lo = m->port_hi = ntohs(v);
		c->i += 2;
		return 1;
	}
	if (nfn_cmp_is(n1, NFT_CMP_GTE, &d1, &l1) && l1 == 2 &&
	    nfn_cmp_is(n2, NFT_CMP_LTE, &d2, &l2) && l2 == 2) {
		m = nfn_new_match(c, dport ? IR_MATCH_TCP_DPORT : IR_MATCH_TCP_SPORT);
		if (!m)
			return 0;
		memcpy(&v, d1, 2);
		m->port_lo = ntohs(v);
		memcpy(&v, d2, 2);
		m->port_hi = ntohs(v);
		c->i += 3;
		return m->port_lo < m->port_hi;
	}
	if (!dport && nfn_plain_lookup(n1)) {
		a = nfn_anon_find(c, nftnl_expr_get_str(n1, NFTNL_EXPR_LOOKUP_SET));
		if (!a || a->too_many || a->n_ports < 2)
			return 0;
		m = nfn_new_match(c, IR_MATCH_TCP_SPORT_LIST);
		if (!m)
			return 0;
		memcpy(m->ports, a->ports, sizeof(m->ports));
		m->n_ports = a->n_ports;
		c->i += 2;
		return 1;
	}
	return 0;
}

/* A connlimit "over N": the count, or -1. */
static int64_t nfn_connlimit_over(const struct nftnl_expr *e)
{
	if (!nfn_is(e, "connlimit") || !nfn_u32_is(e, NFTNL_EXPR_CONNLIMIT_FLAGS, NFT_CONNLIMIT_F_INV))
		return -1;
	return nftnl_expr_get_u32(e, NFTNL_EXPR_CONNLIMIT_COUNT);
}

static int nfn_dynset_cb(struct nftnl_expr *e, void *data)
{
	int64_t *count = data;

	*count = *count == -2 ? nfn_connlimit_over(e) : -1;
	return 0;
}

/*
 * A sharded set's dispatch at @at: payload (address) + bitwise (the shard
 * mask) + lookup of a verdict map, ending the rule.  Returns the map's
 * name, or NULL.
 */
static const char *nfn_dispatch_at(const struct nfn_dec *c, size_t at, int af)
{
	const struct nftnl_expr *bw = at + 1 < c->n ? c->e[at + 1] : NULL;
	const struct nftnl_expr *lk = at + 2 < c->n ? c->e[at + 2] : NULL;
	uint32_t kl = (uint32_t)ir_addr_len(af);
	static const uint8_t zero[16];
	const void *mask;
	const void *xor;
	uint8_t want[16];
	uint32_t lm;
	uint32_t lx;

	if (at + 3 != c->n || !nfn_is(bw, "bitwise") || !nfn_is(lk, "lookup"))
		return NULL;
	if (!nfn_u32_is(bw, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1) ||
	    !nfn_u32_is(bw, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1) ||
	    !nfn_u32_is(bw, NFTNL_EXPR_BITWISE_LEN, kl) ||
	    (nftnl_expr_is_set(bw, NFTNL_EXPR_BITWISE_OP) &&
	     nftnl_expr_get_u32(bw, NFTNL_EXPR_BITWISE_OP) != NFT_BITWISE_BOOL))
		return NULL;
	mask = nftnl_expr_get(bw, NFTNL_EXPR_BITWISE_MASK, &lm);
	xor = nftnl_expr_get(bw, NFTNL_EXPR_BITWISE_XOR, &lx);
	ir_shard_mask(af, want);
	if (!mask || !xor || lm != kl || lx != kl || memcmp(mask, want, kl) != 0 ||
	    memcmp(xor, zero, kl) != 0)
		return NULL;
	if (!nfn_u32_is(lk, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1) ||
	    !nfn_u32_is(lk, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_VERDICT) ||
	    (nftnl_expr_is_set(lk, NFTNL_EXPR_LOOKUP_FLAGS) &&
	     nftnl_expr_get_u32(lk, NFTNL_EXPR_LOOKUP_FLAGS) != 0))
		return NULL;
	return nftnl_expr_get_str(lk, NFTNL_EXPR_LOOKUP_SET);
}

/*
 * A dispatch decodes as the set match it stands for, with verdict accept:
 * the source map is named after the set, the destination map is the set's
 * name plus "_dst" ("-dst" in attach mode).  The dump checks that the maps,
 * chains and shard sets behind it are whole.
 */
static int nfn_dec_dispatch(struct nfn_dec *c, int af, bool src, const char *map)
{
	size_t n = strlen(map);
	struct ir_match *m;
	char *name;

	if (!src) {
		if (n < 4 || (strcmp(map + n - 4, "_dst") != 0 && strcmp(map + n - 4, "-dst") != 0))
			return 0;
		n -= 4;
	}
	m = nfn_new_match(c, src ? IR_MATCH_SADDR_SET : IR_MATCH_DADDR_SET);
	if (!m)
		return 0;
	name = strndup(map, n);
	if (!name)
		return -ENOMEM;
	m->set = name;
	m->addr_family = af;
	c->r->verdict = IR_VERDICT_ACCEPT;
	c->i += 3;
	return 1;
}

/* payload network + cmp/lookup/dynset, or a sharded set's dispatch. */
static int nfn_dec_addr(struct nfn_dec *c, uint32_t offset, uint32_t len)
{
	const struct nftnl_expr *n1 = nfn_peek(c, 1);
	int af = len == 4 ? AF_INET : AF_INET6;
	bool src = offset == (len == 4 ? 12u : 8u);
	struct ir_match *m;
	const char *set;
	const void *d;
	int64_t count = -2;
	uint32_t l;
	char *name;

	if (len == 4 ? offset != 12 && offset != 16 : offset != 8 && offset != 24)
		return 0;
	if (c->nfproto != af)
		return 0;
	set = nfn_dispatch_at(c, c->i, af);
	if (set)
		return nfn_dec_dispatch(c, af, src, set);
	if (!src && nfn_cmp_is(n1, NFT_CMP_EQ, &d, &l) && l == len) {
		m = nfn_new_match(c, IR_MATCH_DADDR);
		if (!m)
			return 0;
		m->addr.family = af;
		memcpy(m->addr.bytes, d, len);
		c->i += 2;
		return 1;
	}
	if (nfn_plain_lookup(n1)) {
		set = nftnl_expr_get_str(n1, NFTNL_EXPR_LOOKUP_SET);
		if (set[0] == '_' && set[1] == '_')
			return 0;
		m = nfn_new_match(c, src ? IR_MATCH_SADDR_SET : IR_MATCH_DADDR_SET);
	} else if (src && nfn_is(n1, "dynset") &&
		   nfn_u32_is(n1, NFTNL_EXPR_DYNSET_OP, NFT_DYNSET_OP_ADD) &&
		   nfn_u32_is(n1, NFTNL_EXPR_DYNSET_SREG_KEY, NFT_REG_1) &&
		   !nftnl_expr_is_set(n1, NFTNL_EXPR_DYNSET_SREG_DATA) &&
		   (!nftnl_expr_is_set(n1, NFTNL_EXPR_DYNSET_TIMEOUT) ||
		    nftnl_expr_get_u64(n1, NFTNL_EXPR_DYNSET_TIMEOUT) == 0)) {
		set = nftnl_expr_get_str(n1, NFTNL_EXPR_DYNSET_SET_NAME);
		nftnl_expr_expr_foreach(n1, nfn_dynset_cb, &count);
		if (!set || count < 0)
			return 0;
		m = nfn_new_match(c, IR_MATCH_CT_COUNT_PER_SADDR);
		if (m)
			m->count = (uint32_t)count;
	} else {
		return 0;
	}
	if (!m)
		return 0;
	name = strdup(set);
	if (!name)
		return -ENOMEM;
	m->set = name;
	m->addr_family = af;
	c->i += 2;
	return 1;
}

static int nfn_dec_ct_state(struct nfn_dec *c)
{
	const struct nftnl_expr *ct = nfn_peek(c, 0);
	const struct nftnl_expr *bw = nfn_peek(c, 1);
	const void *mask;
	const void *xor;
	const void *d;
	struct ir_match *m;
	uint32_t lm;
	uint32_t lx;
	uint32_t l;
	uint32_t v;

	if (!nfn_u32_is(ct, NFTNL_EXPR_CT_KEY, NFT_CT_STATE) ||
	    !nfn_u32_is(ct, NFTNL_EXPR_CT_DREG, NFT_REG_1) || nftnl_expr_is_set(ct, NFTNL_EXPR_CT_DIR))
		return 0;
	if (!nfn_is(bw, "bitwise") || !nfn_u32_is(bw, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1) ||
	    !nfn_u32_is(bw, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1) ||
	    !nfn_u32_is(bw, NFTNL_EXPR_BITWISE_LEN, 4) ||
	    (nftnl_expr_is_set(bw, NFTNL_EXPR_BITWISE_OP) &&
	     nftnl_expr_get_u32(bw, NFTNL_EXPR_BITWISE_OP) != NFT_BITWISE_BOOL))
		return 0;
	mask = nftnl_expr_get(bw, NFTNL_EXPR_BITWISE_MASK, &lm);
	xor = nftnl_expr_get(bw, NFTNL_EXPR_BITWISE_XOR, &lx);
	if (!mask || !xor || lm != 4 || lx != 4 || memcmp(xor, "\0\0\0\0", 4) != 0)
		return 0;
	if (!nfn_cmp_is(nfn_peek(c, 2), NFT_CMP_NEQ, &d, &l) || l != 4 ||
	    memcmp(d, "\0\0\0\0", 4) != 0)
		return 0;
	memcpy(&v, mask, 4);
	m = nfn_new_match(c, IR_MATCH_CT_STATE);
	if (!m || !v)
		return 0;
	m->ct_state = v;
	c->i += 3;
	return 1;
}

/*
 * `ct mark set ct mark | BITS` at @at, right before the verdict (the one
 * place ftpcfg puts it): its BITS, or 0 when that is not what is there.
 */
static uint32_t nfn_mark_at(const struct nfn_dec *c, size_t at)
{
	const struct nftnl_expr *load = at < c->n ? c->e[at] : NULL;
	const struct nftnl_expr *bw = at + 1 < c->n ? c->e[at + 1] : NULL;
	const struct nftnl_expr *store = at + 2 < c->n ? c->e[at + 2] : NULL;
	const void *mask;
	const void *xor;
	uint32_t lm = 0;
	uint32_t lx = 0;
	uint32_t m;
	uint32_t x;

	if (at + 4 != c->n || !nfn_is(load, "ct") || !nfn_is(bw, "bitwise") || !nfn_is(store, "ct"))
		return 0;
	if (!nfn_u32_is(load, NFTNL_EXPR_CT_KEY, NFT_CT_MARK) ||
	    !nfn_u32_is(load, NFTNL_EXPR_CT_DREG, NFT_REG_1) ||
	    nftnl_expr_is_set(load, NFTNL_EXPR_CT_DIR) ||
	    !nfn_u32_is(store, NFTNL_EXPR_CT_KEY, NFT_CT_MARK) ||
	    !nfn_u32_is(store, NFTNL_EXPR_CT_SREG, NFT_REG_1) ||
	    nftnl_expr_is_set(store, NFTNL_EXPR_CT_DIR))
		return 0;
	if (!nfn_u32_is(bw, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1) ||
	    !nfn_u32_is(bw, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1) ||
	    !nfn_u32_is(bw, NFTNL_EXPR_BITWISE_LEN, 4) ||
	    (nftnl_expr_is_set(bw, NFTNL_EXPR_BITWISE_OP) &&
	     nftnl_expr_get_u32(bw, NFTNL_EXPR_BITWISE_OP) != NFT_BITWISE_BOOL))
		return 0;
	mask = nftnl_expr_get(bw, NFTNL_EXPR_BITWISE_MASK, &lm);
	xor = nftnl_expr_get(bw, NFTNL_EXPR_BITWISE_XOR, &lx);
	if (!mask || !xor || lm != 4 || lx != 4)
		return 0;
	memcpy(&m, mask, 4);
	memcpy(&x, xor, 4);
	return x && m == ~x ? x : 0;
}

/* The last expression: the verdict, or the helper assignment. */
static int nfn_dec_verdict(struct nfn_dec *c, const struct nftnl_expr *e)
{
	const char *s = NULL;
	char *t;

	if (nfn_is(e, "objref") && nfn_u32_is(e, NFTNL_EXPR_OBJREF_IMM_TYPE, NFT_OBJECT_CT_HELPER)) {
		c->r->verdict = IR_VERDICT_CT_HELPER;
		s = nftnl_expr_get_str(e, NFTNL_EXPR_OBJREF_IMM_NAME);
		if (!s)
			return 0;
	} else if (nfn_is(e, "immediate") && nfn_u32_is(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT)) {
		switch ((int)nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT)) {
		case NF_ACCEPT:
			c->r->verdict = IR_VERDICT_ACCEPT;
			break;
		case NF_DROP:
			c->r->verdict = IR_VERDICT_DROP;
			break;
		case NFT_JUMP:
			c->r->verdict = IR_VERDICT_JUMP;
			s = nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN);
			if (!s)
				return 0;
			break;
		default:
			return 0;
		}
	} else {
		return 0;
	}
	if (s) {
		t = strdup(s);
		if (!t)
			return -ENOMEM;
		c->r->target = t;
	}
	return 1;
}

/* Does a dispatch (after an optional nfproto check) end the rule from @at on? */
static bool nfn_dispatch_follows(const struct nfn_dec *c, size_t at)
{
	const struct nftnl_expr *e;
	uint32_t len;

	if (at + 3 < c->n && nfn_is(c->e[at], "meta"))
		at += 2;
	e = at < c->n ? c->e[at] : NULL;
	if (!nfn_is(e, "payload") ||
	    nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE) != NFT_PAYLOAD_NETWORK_HEADER)
		return false;
	len = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN);
	return (len == 4 || len == 16) && nfn_dispatch_at(c, at, len == 4 ? AF_INET : AF_INET6);
}

/* One step: 1 consumed something understood, 0 not understood, -ENOMEM. */
static int nfn_dec_step(struct nfn_dec *c)
{
	const struct nftnl_expr *e = nfn_peek(c, 0);
	uint32_t base;
	uint32_t off;
	uint32_t len;
	int v;

	if (c->i + 1 == c->n) {
		v = nfn_dec_verdict(c, e);
		c->i += v == 1;
		return v;
	}
	if (nfn_is(e, "meta")) {
		v = nfn_meta_dep(c, NFT_META_L4PROTO);
		if (v == IPPROTO_TCP && !c->tcp) {
			c->tcp = true;
			c->i += 2;
			return 1;
		}
		v = nfn_meta_dep(c, NFT_META_NFPROTO);
		if (c->inet && c->nfproto == 0 && (v == NFPROTO_IPV4 || v == NFPROTO_IPV6)) {
			c->nfproto = v == NFPROTO_IPV4 ? AF_INET : AF_INET6;
			c->i += 2;
			return 1;
		}
		return 0;
	}
	if (nfn_is(e, "payload")) {
		if (!nfn_u32_is(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1))
			return 0;
		base = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE);
		off = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET);
		len = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN);
		if (base == NFT_PAYLOAD_TRANSPORT_HEADER && c->tcp && len == 2 &&
		    (off == 0 || off == 2))
			return nfn_dec_port(c, off);
		if (base == NFT_PAYLOAD_NETWORK_HEADER && (len == 4 || len == 16))
			return nfn_dec_addr(c, off, len);
		return 0;
	}
	if (nfn_is(e, "ct") && !c->r->ct_mark_or && nfn_mark_at(c, c->i)) {
		c->r->ct_mark_or = nfn_mark_at(c, c->i);
		c->i += 3;
		return 1;
	}
	if (nfn_is(e, "ct"))
		return nfn_dec_ct_state(c);
	if (nfn_connlimit_over(e) >= 0) {
		struct ir_match *m = nfn_new_match(c, IR_MATCH_CT_COUNT);

		if (!m)
			return 0;
		m->count = (uint32_t)nfn_connlimit_over(e);
		c->i++;
		return 1;
	}
	/*
	 * A counter comes after every match, right before the verdict, or
	 * before a sharded set's dispatch (and the nfproto check it needs).
	 */
	if (nfn_is(e, "counter") && !c->r->counter &&
	    (c->i + 2 == c->n || nfn_mark_at(c, c->i + 1) || nfn_dispatch_follows(c, c->i + 1))) {
		c->r->counter = true;
		c->i++;
		return 1;
	}
	return 0;
}

void nfn_rule_release(struct ir_rule *r)
{
	size_t i;

	for (i = 0; i < r->n_matches && i < IR_MAX_MATCHES; i++)
		free(r->matches[i].set);
	free(r->target);
	free(r->comment);
	memset(r, 0, sizeof(*r));
}

static int nfn_comment(const struct nftnl_rule *nr, char **out)
{
	const uint8_t *ud;
	uint32_t len = 0;
	uint32_t off = 0;

	*out = NULL;
	if (!nftnl_rule_is_set(nr, NFTNL_RULE_USERDATA))
		return 0;
	ud = nftnl_rule_get_data(nr, NFTNL_RULE_USERDATA, &len);
	while (ud && off + 2 <= len && off + 2 + ud[off + 1] <= len) {
		if (ud[off] == 0 && ud[off + 1] > 0 && ud[off + 2 + ud[off + 1] - 1] == '\0') {
			*out = strdup((const char *)ud + off + 2);
			return *out ? 0 : -ENOMEM;
		}
		off += 2 + ud[off + 1];
	}
	return 0;
}

/*
 * Outside the vocabulary: someone else's rule.  Its text comes from nft
 * (nfn_nft_describe(), after the dump), never from a guess of ours.
 */
static int nfn_unknown(struct ir_rule *r)
{
	nfn_rule_release(r);
	r->verdict = IR_VERDICT_FOREIGN;
	return 0;
}

static int nfn_collect(struct nfn_dec *c, const struct nftnl_rule *nr)
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(nr);
	struct nftnl_expr *e;

	if (!it)
		return -ENOMEM;
	c->n = 0;
	while ((e = nftnl_expr_iter_next(it)) != NULL) {
		if (c->n == NFN_MAX_EXPRS) {
			c->n = 0;
			break;
		}
		c->e[c->n++] = e;
	}
	nftnl_expr_iter_destroy(it);
	return 0;
}

int nfn_rule_decode(const struct nftnl_rule *nr, enum ir_family family,
		    const struct nfn_anon *anon, size_t n_anon, struct ir_rule *out)
{
	struct nfn_dec c = { .inet = family == IR_FAMILY_INET, .anon = anon, .n_anon = n_anon,
			     .r = out };
	int ret;

	if (family == IR_FAMILY_IP)
		c.nfproto = AF_INET;
	else if (family == IR_FAMILY_IP6)
		c.nfproto = AF_INET6;
	ret = nfn_collect(&c, nr);
	if (ret < 0)
		return ret;
	ret = c.n ? 1 : 0;
	while (ret == 1 && c.i < c.n)
		ret = nfn_dec_step(&c);
	if (ret == 1)
		ret = nfn_comment(nr, &out->comment);
	else if (ret == 0)
		ret = nfn_unknown(out);
	if (ret < 0)
		nfn_rule_release(out);
	return ret;
}
