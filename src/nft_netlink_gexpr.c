/*
 * nft_netlink_gexpr: does one foreign rule match one probe (the first
 * packet of an FTP connection ftpcfg accepts), and what does it then do?
 * A small interpreter of the expressions that filter on what a probe
 * knows (family, protocol, ports, addresses, ct state, the input
 * interface); everything else is "cannot judge", never a guess.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>

#include <libnftnl/expr.h>
#include <libnftnl/rule.h>

#include "nft_netlink_int.h"

/* Registers are counted in 32-bit units as the kernel does (NFT_REG_1 = unit 4). */
#define G_UNITS 20

enum g_field {
	G_UNSET,
	G_UNKNOWN,	/* loaded, but nothing a probe knows */
	G_NFPROTO,
	G_L4PROTO,
	G_SADDR,
	G_DADDR,
	G_DPORT,
	G_CTSTATE,
	G_CTSTATUS,
	G_IIFNAME,
	G_IIF,
	G_PKTTYPE,
	G_FIB_OIF,	/* the route back to the source: some interface, never none */
	G_FIB_DTYPE,	/* the destination's route type: local */
};

struct g_reg {
	enum g_field f;
	uint32_t len;
	bool masked;
	uint8_t mask[16];
	uint8_t xor[16];
};

struct g_run {
	const struct nfn_gctx *g;
	struct g_reg reg[G_UNITS];
	struct nfn_gresult *out;
	int err;
};

static int g_unit(uint32_t reg)
{
	if (reg <= NFT_REG_4)
		return (int)reg * 4;
	if (reg >= NFT_REG32_00 && reg <= NFT_REG32_15)
		return (int)(reg - NFT_REG32_00) + 4;
	return -1;
}

static struct g_reg *g_reg_at(struct g_run *r, const struct nftnl_expr *e, uint16_t attr)
{
	int u;

	if (!nftnl_expr_is_set(e, attr))
		return NULL;
	u = g_unit(nftnl_expr_get_u32(e, attr));
	return u < 0 || u >= G_UNITS ? NULL : &r->reg[u];
}

static void g_load(struct g_run *r, const struct nftnl_expr *e, uint16_t dreg, enum g_field f,
		   uint32_t len)
{
	struct g_reg *reg = g_reg_at(r, e, dreg);

	if (!reg)
		return;
	memset(reg, 0, sizeof(*reg));
	reg->f = f;
	reg->len = len;
}

/* Narrow the match: NO wins, then MAYBE (with its reason, the first one kept). */
static void g_and(struct g_run *r, enum nfn_tri t, const char *why)
{
	if (r->out->match == NFN_NO || t == NFN_YES)
		return;
	if (t == NFN_NO) {
		r->out->match = NFN_NO;
		return;
	}
	if (r->out->match == NFN_YES) {
		r->out->match = NFN_MAYBE;
		snprintf(r->out->why, sizeof(r->out->why), "%s", why);
	}
}

/*
 * The probe's possible values of a field: ranges (closed, big-endian keys
 * of @len bytes); false when it is not known.  @tmp holds one point.
 */
static bool g_values(const struct g_run *r, enum g_field f, struct ir_range *tmp,
		     const struct ir_range **v, size_t *n)
{
	const struct nft_netlink_probe *p = r->g->probe;
	uint32_t u;

	memset(tmp, 0, sizeof(*tmp));
	*v = tmp;
	*n = 1;
	switch (f) {
	case G_NFPROTO:
		tmp->lo[0] = tmp->hi[0] = p->af == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;
		return true;
	case G_L4PROTO:
		tmp->lo[0] = tmp->hi[0] = IPPROTO_TCP;
		return true;
	case G_PKTTYPE:
		tmp->lo[0] = tmp->hi[0] = PACKET_HOST;
		return true;
	case G_DPORT:
		tmp->lo[0] = (uint8_t)(p->port_lo >> 8);
		tmp->lo[1] = (uint8_t)p->port_lo;
		tmp->hi[0] = (uint8_t)(p->port_hi >> 8);
		tmp->hi[1] = (uint8_t)p->port_hi;
		return true;
	case G_CTSTATE:
		u = p->related ? IR_CT_RELATED : IR_CT_NEW;
		memcpy(tmp->lo, &u, 4);
		memcpy(tmp->hi, &u, 4);
		return true;
	case G_CTSTATUS:
		/* A first packet: not confirmed, no reply seen, no NAT. */
		u = p->related ? IPS_EXPECTED : 0;
		memcpy(tmp->lo, &u, 4);
		memcpy(tmp->hi, &u, 4);
		return true;
	case G_FIB_DTYPE:
		u = 2;	/* RTN_LOCAL */
		memcpy(tmp->lo, &u, 4);
		memcpy(tmp->hi, &u, 4);
		return true;
	case G_SADDR:
		if (!p->src)
			return false;
		*v = p->src;
		*n = p->n_src;
		return true;
	case G_DADDR:
		if (!r->g->n_daddr)
			return false;
		*v = r->g->daddr;
		*n = r->g->n_daddr;
		return true;
	case G_UNSET:
	case G_UNKNOWN:
	case G_IIFNAME:
	case G_IIF:
	case G_FIB_OIF:
		break;
	}
	return false;
}

static bool g_is_prefix_mask(const uint8_t *m, uint32_t len)
{
	bool zero = false;

	for (uint32_t i = 0; i < len * 8; i++) {
		bool bit = m[i / 8] & (0x80 >> (i % 8));

		if (!bit)
			zero = true;
		else if (zero)
			return false;
	}
	return true;
}

/* @v through the register's bitwise; false when the result is no longer a range. */
static bool g_apply_mask(const struct g_reg *reg, const struct ir_range *v, struct ir_range *out)
{
	*out = *v;
	if (!reg->masked)
		return true;
	if (memcmp(v->lo, v->hi, reg->len) &&
	    (!g_is_prefix_mask(reg->mask, reg->len) ||
	     memcmp(reg->xor, (uint8_t[16]){ 0 }, reg->len)))
		return false;
	for (uint32_t i = 0; i < reg->len; i++) {
		out->lo[i] = (v->lo[i] & reg->mask[i]) ^ reg->xor[i];
		out->hi[i] = (v->hi[i] & reg->mask[i]) ^ reg->xor[i];
	}
	return true;
}

/* One range of values against [lo, hi]: inside, outside or across. */
static enum nfn_tri g_in(const struct ir_range *v, const uint8_t *lo, const uint8_t *hi,
			 uint32_t len)
{
	if (memcmp(v->lo, lo, len) >= 0 && memcmp(v->hi, hi, len) <= 0)
		return NFN_YES;
	if (memcmp(v->hi, lo, len) < 0 || memcmp(v->lo, hi, len) > 0)
		return NFN_NO;
	return NFN_MAYBE;
}

static enum nfn_tri g_not(enum nfn_tri t)
{
	return t == NFN_YES ? NFN_NO : t == NFN_NO ? NFN_YES : NFN_MAYBE;
}

/* Fold per-value answers: all YES, all NO, or MAYBE. */
static enum nfn_tri g_fold(enum nfn_tri acc, enum nfn_tri t, bool first)
{
	if (first)
		return t;
	return acc == t ? acc : NFN_MAYBE;
}

static const char *g_field_name(enum g_field f)
{
	if (f == G_SADDR)
		return "a source address";
	if (f == G_DADDR)
		return "a destination address";
	return "a field";
}

/* The input interface: known only not to be "lo" (ifindex 1). */
static enum nfn_tri g_iface(const struct g_reg *reg, uint32_t op, const void *d, uint32_t len)
{
	bool lo;

	if (reg->masked || (op != NFT_CMP_EQ && op != NFT_CMP_NEQ))
		return NFN_MAYBE;
	if (reg->f == G_FIB_OIF)
		lo = len == 4 && *(const uint32_t *)d == 0;	/* "missing" */
	else if (reg->f == G_IIFNAME)
		lo = len == 16 && !memcmp(d, "lo\0", 3);
	else
		lo = len == 4 && *(const uint32_t *)d == 1;
	if (!lo)
		return NFN_MAYBE;
	return op == NFT_CMP_EQ ? NFN_NO : NFN_YES;
}

static enum nfn_tri g_cmp_one(const struct ir_range *v, uint32_t op, const uint8_t *d, uint32_t len)
{
	switch (op) {
	case NFT_CMP_EQ:
		return g_in(v, d, d, len);
	case NFT_CMP_NEQ:
		return g_not(g_in(v, d, d, len));
	case NFT_CMP_LT:
		return memcmp(v->hi, d, len) < 0 ? NFN_YES : memcmp(v->lo, d, len) >= 0 ? NFN_NO
										: NFN_MAYBE;
	case NFT_CMP_LTE:
		return memcmp(v->hi, d, len) <= 0 ? NFN_YES : memcmp(v->lo, d, len) > 0 ? NFN_NO
										: NFN_MAYBE;
	case NFT_CMP_GT:
		return memcmp(v->lo, d, len) > 0 ? NFN_YES : memcmp(v->hi, d, len) <= 0 ? NFN_NO
										: NFN_MAYBE;
	case NFT_CMP_GTE:
		return memcmp(v->lo, d, len) >= 0 ? NFN_YES : memcmp(v->hi, d, len) < 0 ? NFN_NO
										: NFN_MAYBE;
	default:
		return NFN_MAYBE;
	}
}

/*
 * Judge a comparison of register @reg with every value the probe may have.
 * @one judges one value range; @arg is passed through.
 */
static enum nfn_tri g_judge(struct g_run *r, const struct g_reg *reg, uint32_t len,
			    enum nfn_tri (*one)(const struct ir_range *v, const void *arg),
			    const void *arg, const char **why)
{
	const struct ir_range *v;
	struct ir_range tmp;
	enum nfn_tri acc = NFN_MAYBE;
	size_t n;

	*why = "a match ftpcfg cannot judge";
	if (!reg || reg->f == G_UNSET || reg->f == G_UNKNOWN)
		return NFN_MAYBE;
	if (reg->len != len) {
		*why = "a match on part of a field";
		return NFN_MAYBE;
	}
	*why = g_field_name(reg->f);
	if (!g_values(r, reg->f, &tmp, &v, &n))
		return NFN_MAYBE;
	for (size_t i = 0; i < n; i++) {
		struct ir_range m;
		enum nfn_tri t;

		if (!g_apply_mask(reg, &v[i], &m))
			return NFN_MAYBE;
		t = one(&m, arg);
		acc = g_fold(acc, t, i == 0);
		if (acc == NFN_MAYBE)
			break;
	}
	return acc;
}

struct g_cmp_arg {
	uint32_t op;
	const uint8_t *d;
	uint32_t len;
};

static enum nfn_tri g_cmp_cb(const struct ir_range *v, const void *arg)
{
	const struct g_cmp_arg *a = arg;

	return g_cmp_one(v, a->op, a->d, a->len);
}

struct g_range_arg {
	const uint8_t *from;
	const uint8_t *to;
	uint32_t len;
};

static enum nfn_tri g_range_cb(const struct ir_range *v, const void *arg)
{
	const struct g_range_arg *a = arg;

	return g_in(v, a->from, a->to, a->len);
}

static enum nfn_tri g_set_cb(const struct ir_range *v, const void *arg)
{
	const struct nfn_gset *s = arg;
	size_t lo = 0;
	size_t hi = s->n;

	/* The last element starting at or below v->lo. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (memcmp(s->elems[mid].lo, v->lo, s->keylen) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && g_in(v, s->elems[lo - 1].lo, s->elems[lo - 1].hi, s->keylen) == NFN_YES)
		return NFN_YES;
	/* Any element reaching into v? */
	if (lo > 0 && memcmp(s->elems[lo - 1].hi, v->lo, s->keylen) >= 0)
		return NFN_MAYBE;
	if (lo < s->n && memcmp(s->elems[lo].lo, v->hi, s->keylen) <= 0)
		return NFN_MAYBE;
	return NFN_NO;
}

static void g_meta(struct g_run *r, const struct nftnl_expr *e)
{
	enum g_field f = G_UNKNOWN;
	uint32_t len = 4;

	if (!nftnl_expr_is_set(e, NFTNL_EXPR_META_DREG))
		return;		/* meta ... set: a statement */
	switch (nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY)) {
	case NFT_META_NFPROTO:
		f = G_NFPROTO;
		len = 1;
		break;
	case NFT_META_L4PROTO:
		f = G_L4PROTO;
		len = 1;
		break;
	case NFT_META_PKTTYPE:
		f = G_PKTTYPE;
		len = 1;
		break;
	case NFT_META_IIFNAME:
		f = G_IIFNAME;
		len = 16;
		break;
	case NFT_META_IIF:
		f = G_IIF;
		break;
	default:
		break;
	}
	g_load(r, e, NFTNL_EXPR_META_DREG, f, len);
}

static void g_payload(struct g_run *r, const struct nftnl_expr *e)
{
	uint32_t base = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE);
	uint32_t off = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET);
	uint32_t len = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN);
	bool v4 = r->g->probe->af == AF_INET;
	enum g_field f = G_UNKNOWN;

	if (!nftnl_expr_is_set(e, NFTNL_EXPR_PAYLOAD_DREG))
		return;		/* payload set */
	if (base == NFT_PAYLOAD_NETWORK_HEADER) {
		/* A load of an address's first bytes is a prefix match: same field. */
		if ((v4 && off == 9 && len == 1) || (!v4 && off == 6 && len == 1))
			f = G_L4PROTO;
		else if ((v4 && off == 12 && len <= 4) || (!v4 && off == 8 && len <= 16))
			f = G_SADDR;
		else if ((v4 && off == 16 && len <= 4) || (!v4 && off == 24 && len <= 16))
			f = G_DADDR;
	} else if (base == NFT_PAYLOAD_TRANSPORT_HEADER && off == 2 && len == 2) {
		f = G_DPORT;
	}
	g_load(r, e, NFTNL_EXPR_PAYLOAD_DREG, f, len);
}

/*
 * fib: the route back to a probe's source exists (else FTP could not
 * work at all), and its destination is a local address.
 */
static void g_fib(struct g_run *r, const struct nftnl_expr *e)
{
	uint32_t res = nftnl_expr_get_u32(e, NFTNL_EXPR_FIB_RESULT);
	uint32_t flags = nftnl_expr_get_u32(e, NFTNL_EXPR_FIB_FLAGS);
	enum g_field f = G_UNKNOWN;

	if (res == NFT_FIB_RESULT_OIF && (flags & NFTA_FIB_F_SADDR))
		f = G_FIB_OIF;
	else if (res == NFT_FIB_RESULT_ADDRTYPE && (flags & NFTA_FIB_F_DADDR))
		f = G_FIB_DTYPE;
	g_load(r, e, NFTNL_EXPR_FIB_DREG, f, 4);
}

static void g_ct(struct g_run *r, const struct nftnl_expr *e)
{
	enum g_field f = G_UNKNOWN;

	if (!nftnl_expr_is_set(e, NFTNL_EXPR_CT_DREG))
		return;		/* ct ... set */
	switch (nftnl_expr_get_u32(e, NFTNL_EXPR_CT_KEY)) {
	case NFT_CT_STATE:
		f = G_CTSTATE;
		break;
	case NFT_CT_STATUS:
		f = G_CTSTATUS;
		break;
	default:
		break;
	}
	g_load(r, e, NFTNL_EXPR_CT_DREG, f, 4);
}

static void g_bitwise(struct g_run *r, const struct nftnl_expr *e)
{
	struct g_reg *src = g_reg_at(r, e, NFTNL_EXPR_BITWISE_SREG);
	struct g_reg *dst = g_reg_at(r, e, NFTNL_EXPR_BITWISE_DREG);
	const void *mask;
	const void *xor;
	uint32_t ml = 0;
	uint32_t xl = 0;
	struct g_reg res;

	if (!dst)
		return;
	mask = nftnl_expr_get(e, NFTNL_EXPR_BITWISE_MASK, &ml);
	xor = nftnl_expr_get(e, NFTNL_EXPR_BITWISE_XOR, &xl);
	memset(&res, 0, sizeof(res));
	res.f = G_UNKNOWN;
	if (src && src->f != G_UNSET && !src->masked && mask && xor && ml == src->len &&
	    xl == ml && ml <= 16 &&
	    (!nftnl_expr_is_set(e, NFTNL_EXPR_BITWISE_OP) ||
	     nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_OP) == NFT_BITWISE_BOOL)) {
		res = *src;
		res.masked = true;
		memcpy(res.mask, mask, ml);
		memcpy(res.xor, xor, xl);
	}
	*dst = res;
}

static void g_cmp(struct g_run *r, const struct nftnl_expr *e)
{
	struct g_reg *reg = g_reg_at(r, e, NFTNL_EXPR_CMP_SREG);
	uint32_t op = nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP);
	const char *why = "a match ftpcfg cannot judge";
	uint32_t len = 0;
	const uint8_t *d = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &len);
	enum nfn_tri t;

	if (!d || len > 16) {
		g_and(r, NFN_MAYBE, why);
		return;
	}
	if (reg && (reg->f == G_IIFNAME || reg->f == G_IIF || reg->f == G_FIB_OIF)) {
		t = g_iface(reg, op, d, len);
		why = "an input interface";
	} else {
		t = g_judge(r, reg, len, g_cmp_cb, &(struct g_cmp_arg){ op, d, len }, &why);
	}
	g_and(r, t, why);
}

static void g_range(struct g_run *r, const struct nftnl_expr *e)
{
	struct g_reg *reg = g_reg_at(r, e, NFTNL_EXPR_RANGE_SREG);
	const char *why = "a range ftpcfg cannot judge";
	uint32_t fl = 0;
	uint32_t tl = 0;
	const uint8_t *from = nftnl_expr_get(e, NFTNL_EXPR_RANGE_FROM_DATA, &fl);
	const uint8_t *to = nftnl_expr_get(e, NFTNL_EXPR_RANGE_TO_DATA, &tl);
	enum nfn_tri t = NFN_MAYBE;

	if (from && to && fl == tl && fl <= 16)
		t = g_judge(r, reg, fl, g_range_cb, &(struct g_range_arg){ from, to, fl }, &why);
	if (nftnl_expr_get_u32(e, NFTNL_EXPR_RANGE_OP) == NFT_RANGE_NEQ)
		t = g_not(t);
	g_and(r, t, why);
}

static void g_lookup(struct g_run *r, const struct nftnl_expr *e)
{
	struct g_reg *reg = g_reg_at(r, e, NFTNL_EXPR_LOOKUP_SREG);
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET);
	const char *why = "a set lookup ftpcfg cannot judge";
	struct nfn_gset set;
	enum nfn_tri t = NFN_MAYBE;
	int ret;

	if (nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_DREG)) {
		/* A map: the value it yields is not known. */
		g_load(r, e, NFTNL_EXPR_LOOKUP_DREG, G_UNKNOWN, 4);
		if (nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_DREG) == NFT_REG_VERDICT)
			r->out->verdict = NFN_GV_UNKNOWN;
		g_and(r, NFN_MAYBE, "a map lookup");
		return;
	}
	if (!name || !reg) {
		g_and(r, t, why);
		return;
	}
	ret = r->g->set(r->g->data, name, &set);
	if (ret < 0 && ret != -ENOENT) {
		r->err = ret;
		return;
	}
	if (ret == 0)
		t = g_judge(r, reg, set.keylen, g_set_cb, &set, &why);
	if (nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_FLAGS) &&
	    nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_FLAGS) & NFT_LOOKUP_F_INV)
		t = g_not(t);
	g_and(r, t, why);
}

static void g_immediate(struct g_run *r, const struct nftnl_expr *e)
{
	const char *chain;

	if (!nftnl_expr_is_set(e, NFTNL_EXPR_IMM_VERDICT)) {
		g_load(r, e, NFTNL_EXPR_IMM_DREG, G_UNKNOWN, 4);
		return;
	}
	switch ((int)nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT)) {
	case NF_ACCEPT:
		r->out->verdict = NFN_GV_ACCEPT;
		break;
	case NF_DROP:
		r->out->verdict = NFN_GV_DROP;
		snprintf(r->out->action, sizeof(r->out->action), "drop");
		break;
	case NFT_JUMP:
	case NFT_GOTO:
		chain = nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN);
		r->out->verdict = nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT) == (uint32_t)NFT_JUMP
				  ? NFN_GV_JUMP : NFN_GV_GOTO;
		snprintf(r->out->target, sizeof(r->out->target), "%s", chain ? chain : "");
		break;
	case NFT_RETURN:
		r->out->verdict = NFN_GV_RETURN;
		break;
	case NFT_CONTINUE:
		break;
	default:
		r->out->verdict = NFN_GV_UNKNOWN;
		break;
	}
}

/* Statements that never decide and never stop a rule from matching. */
static bool g_is_statement(const char *name)
{
	static const char *const names[] = {
		"counter", "log", "notrack", "objref", "nat", "masq", "redir", "dup", "fwd",
		"tproxy", "synproxy", "last",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/* iptables targets that do not end the walk. */
static bool g_xt_target_goes_on(const char *name)
{
	static const char *const names[] = {
		"LOG", "NFLOG", "MARK", "CONNMARK", "CT", "TCPMSS", "CLASSIFY", "DSCP", "TOS",
		"NOTRACK", "TRACE", "AUDIT", "CONNSECMARK", "SECMARK", "CHECKSUM", "TTL", "HL",
		"ULOG", "IDLETIMER", "LED", "RATEEST", "SET", "TEE",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

static void g_xt(struct g_run *r, const struct nftnl_expr *e, bool target)
{
	const char *name = nftnl_expr_get_str(e, target ? NFTNL_EXPR_TG_NAME : NFTNL_EXPR_MT_NAME);
	uint32_t rev = nftnl_expr_get_u32(e, target ? NFTNL_EXPR_TG_REV : NFTNL_EXPR_MT_REV);
	uint32_t len = 0;
	const void *info = nftnl_expr_get(e, target ? NFTNL_EXPR_TG_INFO : NFTNL_EXPR_MT_INFO, &len);
	char why[96];

	r->out->xt = true;
	if (!name)
		name = "?";
	if (target) {
		if (!strcmp(name, "REJECT")) {
			r->out->verdict = NFN_GV_DROP;
			snprintf(r->out->action, sizeof(r->out->action), "reject");
		} else if (!g_xt_target_goes_on(name)) {
			r->out->verdict = NFN_GV_UNKNOWN;
			snprintf(r->out->action, sizeof(r->out->action), "iptables target %s", name);
		}
		return;
	}
	snprintf(why, sizeof(why), "iptables match '%s'", name);
	g_and(r, info ? nfn_guard_xt_match(r->g, name, rev, info, len, why, sizeof(why))
		      : NFN_MAYBE, why);
}

static int g_expr_cb(struct nftnl_expr *e, void *data)
{
	struct g_run *r = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	if (!name || r->err || r->out->match == NFN_NO)
		return 0;
	if (!strcmp(name, "meta"))
		g_meta(r, e);
	else if (!strcmp(name, "payload"))
		g_payload(r, e);
	else if (!strcmp(name, "ct"))
		g_ct(r, e);
	else if (!strcmp(name, "bitwise"))
		g_bitwise(r, e);
	else if (!strcmp(name, "cmp"))
		g_cmp(r, e);
	else if (!strcmp(name, "range"))
		g_range(r, e);
	else if (!strcmp(name, "lookup"))
		g_lookup(r, e);
	else if (!strcmp(name, "fib"))
		g_fib(r, e);
	else if (!strcmp(name, "immediate"))
		g_immediate(r, e);
	else if (!strcmp(name, "reject")) {
		r->out->verdict = NFN_GV_DROP;
		snprintf(r->out->action, sizeof(r->out->action), "reject");
	} else if (!strcmp(name, "match"))
		g_xt(r, e, false);
	else if (!strcmp(name, "target"))
		g_xt(r, e, true);
	else if (!strcmp(name, "queue")) {
		r->out->verdict = NFN_GV_UNKNOWN;
		snprintf(r->out->action, sizeof(r->out->action), "queue to user space");
	} else if (!g_is_statement(name)) {
		/* limit, quota, connlimit, dynset with ct count, fib, socket, exthdr... */
		char why[64];

		snprintf(why, sizeof(why), "'%s', which ftpcfg cannot judge", name);
		g_and(r, NFN_MAYBE, why);
	}
	return 0;
}

int nfn_guard_rule(const struct nfn_gctx *g, const struct nftnl_rule *nr, struct nfn_gresult *out)
{
	struct g_run r = { .g = g, .out = out };

	memset(out, 0, sizeof(*out));
	out->match = NFN_YES;
	out->verdict = NFN_GV_NONE;
	nftnl_expr_foreach((struct nftnl_rule *)nr, g_expr_cb, &r);
	if (r.err)
		return r.err;
	return 0;
}
