/*
 * nft_netlink_gjudge: does a register's value, as a rule loaded it, hold
 * for the probe's packets?  Yes, no or unsure, over value ranges.  Pure.
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

/*
 * The probe's possible values of a field: ranges (closed, big-endian keys
 * of @len bytes); false when it is not known.  @tmp holds one point.
 */
static bool g_values(const struct g_run *r, enum g_field f, struct ir_range *tmp,
		     const struct ir_range **v, size_t *n)
{
	const struct nft_netlink_probe *p = r->g->probe;
	/* Outbound (active data): ours is the source port and address, the client's the rest. */
	enum g_field ours_port = p->outbound ? G_SPORT : G_DPORT;
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
	case G_SPORT:
		if (f != ours_port)
			return false;	/* the client's port is not known */
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
		u = p->outbound ? 1 : 2;	/* RTN_UNICAST: the client; RTN_LOCAL: us */
		memcpy(tmp->lo, &u, 4);
		memcpy(tmp->hi, &u, 4);
		return true;
	case G_SADDR:
	case G_DADDR:
		/* The client's side: the probe's networks; ours: the host's addresses. */
		if ((f == G_SADDR) != p->outbound) {
			if (!p->src)
				return false;
			*v = p->src;
			*n = p->n_src;
			return true;
		}
		if (!r->g->n_daddr)
			return false;
		*v = r->g->daddr;
		*n = r->g->n_daddr;
		return true;
	case G_UNSET:
	case G_UNKNOWN:
	case G_IIFNAME:
	case G_IIF:
	case G_OIFNAME:
	case G_OIF:
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

enum nfn_tri g_not(enum nfn_tri t)
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
enum nfn_tri g_iface(const struct g_reg *reg, uint32_t op, const void *d, uint32_t len)
{
	bool lo;

	if (reg->masked || (op != NFT_CMP_EQ && op != NFT_CMP_NEQ))
		return NFN_MAYBE;
	if (reg->f == G_FIB_OIF)
		lo = len == 4 && *(const uint32_t *)d == 0;	/* "missing" */
	else if (reg->f == G_IIFNAME || reg->f == G_OIFNAME)
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
enum nfn_tri g_judge(struct g_run *r, const struct g_reg *reg, uint32_t len,
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


enum nfn_tri g_cmp_cb(const struct ir_range *v, const void *arg)
{
	const struct g_cmp_arg *a = arg;

	return g_cmp_one(v, a->op, a->d, a->len);
}


enum nfn_tri g_range_cb(const struct ir_range *v, const void *arg)
{
	const struct g_range_arg *a = arg;

	return g_in(v, a->from, a->to, a->len);
}

enum nfn_tri g_set_cb(const struct ir_range *v, const void *arg)
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
