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

#include "nft_netlink_gexpr.h"

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
	case NFT_META_OIFNAME:
		f = G_OIFNAME;
		len = 16;
		break;
	case NFT_META_OIF:
		f = G_OIF;
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
	} else if (base == NFT_PAYLOAD_TRANSPORT_HEADER && off == 0 && len == 2) {
		f = G_SPORT;
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
	if (reg && (reg->f == G_IIFNAME || reg->f == G_IIF || reg->f == G_OIFNAME ||
		    reg->f == G_OIF || reg->f == G_FIB_OIF)) {
		t = g_iface(reg, op, d, len);
		why = reg->f == G_OIFNAME || reg->f == G_OIF ? "an output interface"
							      : "an input interface";
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
