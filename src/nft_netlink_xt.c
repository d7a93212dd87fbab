/*
 * nft_netlink_xt: the iptables matches that iptables-nft keeps as xt
 * expressions (an x_tables blob the kernel runs as is), read for the
 * guard.  Only the ones ufw, Docker and hand-written INPUT chains use to
 * decide about a new TCP connection to a local port; others cannot be
 * judged.
 */
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/xt_addrtype.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_state.h>
#include <linux/netfilter/xt_tcpudp.h>

#include "nft_netlink_int.h"

static enum nfn_tri xt_not_if(bool invert, enum nfn_tri t)
{
	if (!invert || t == NFN_MAYBE)
		return t;
	return t == NFN_YES ? NFN_NO : NFN_YES;
}

/* Bits as xt_conntrack/xt_state have them: INVALID 1, EST 2, RELATED 4, NEW 8. */
static unsigned xt_state_bit(const struct nfn_gctx *g)
{
	return g->probe->related ? XT_CONNTRACK_STATE_BIT(IP_CT_RELATED)
				 : XT_CONNTRACK_STATE_BIT(IP_CT_NEW);
}

static enum nfn_tri xt_conntrack(const struct nfn_gctx *g, uint32_t rev, const void *info,
				 uint32_t len)
{
	struct xt_conntrack_mtinfo3 m;
	enum nfn_tri t = NFN_YES;

	/* Revisions 1-3 share the leading layout; 3 adds port ranges at the end. */
	if (rev < 1 || len < sizeof(struct xt_conntrack_mtinfo1))
		return NFN_MAYBE;
	memset(&m, 0, sizeof(m));
	memcpy(&m, info, len < sizeof(m) ? len : sizeof(m));
	if (m.match_flags & ~(XT_CONNTRACK_STATE | XT_CONNTRACK_STATUS | XT_CONNTRACK_PROTO))
		return NFN_MAYBE;
	if (m.match_flags & XT_CONNTRACK_STATE)
		t = xt_not_if(m.invert_flags & XT_CONNTRACK_STATE,
			      (m.state_mask & xt_state_bit(g)) ? NFN_YES : NFN_NO);
	if (t != NFN_NO && (m.match_flags & XT_CONNTRACK_PROTO)) {
		enum nfn_tri p = xt_not_if(m.invert_flags & XT_CONNTRACK_PROTO,
					   m.l4proto == 6 ? NFN_YES : NFN_NO);

		t = p == NFN_NO ? NFN_NO : t;
	}
	if (t != NFN_NO && (m.match_flags & XT_CONNTRACK_STATUS)) {
		unsigned status = g->probe->related ? IPS_EXPECTED : 0;
		enum nfn_tri s = xt_not_if(m.invert_flags & XT_CONNTRACK_STATUS,
					   (m.status_mask & status) ? NFN_YES : NFN_NO);

		t = s == NFN_NO ? NFN_NO : t;
	}
	return t;
}

static enum nfn_tri xt_state(const struct nfn_gctx *g, const void *info, uint32_t len)
{
	struct xt_state_info m;

	if (len < sizeof(m))
		return NFN_MAYBE;
	memcpy(&m, info, sizeof(m));
	return (m.statemask & xt_state_bit(g)) ? NFN_YES : NFN_NO;
}

/* The probe's destination is a local unicast address; its source a unicast one. */
static enum nfn_tri xt_addrtype(uint32_t rev, const void *info, uint32_t len)
{
	struct xt_addrtype_info_v1 m;
	enum nfn_tri t = NFN_YES;

	if (rev != 1 || len < sizeof(m))
		return NFN_MAYBE;
	memcpy(&m, info, sizeof(m));
	if (m.flags & (XT_ADDRTYPE_LIMIT_IFACE_IN | XT_ADDRTYPE_LIMIT_IFACE_OUT))
		return NFN_MAYBE;
	if (m.dest)
		t = xt_not_if(m.flags & XT_ADDRTYPE_INVERT_DEST,
			      (m.dest & XT_ADDRTYPE_LOCAL) ? NFN_YES : NFN_NO);
	if (t != NFN_NO && m.source) {
		enum nfn_tri s = xt_not_if(m.flags & XT_ADDRTYPE_INVERT_SOURCE,
					   (m.source & XT_ADDRTYPE_UNICAST) ? NFN_YES : NFN_NO);

		t = s == NFN_NO ? NFN_NO : t;
	}
	return t;
}

/* Whether every port of the probe, none, or some are in [lo, hi]. */
static enum nfn_tri xt_ports_in(const struct nfn_gctx *g, unsigned lo, unsigned hi)
{
	if (g->probe->port_lo >= lo && g->probe->port_hi <= hi)
		return NFN_YES;
	if (g->probe->port_hi < lo || g->probe->port_lo > hi)
		return NFN_NO;
	return NFN_MAYBE;
}

static enum nfn_tri xt_multiport(const struct nfn_gctx *g, uint32_t rev, const void *info,
				 uint32_t len)
{
	struct xt_multiport_v1 m;
	enum nfn_tri t = NFN_NO;

	if (rev != 1 || len < sizeof(m))
		return NFN_MAYBE;
	memcpy(&m, info, sizeof(m));
	/* The client's port is not known: its source, or outbound its destination. */
	if (m.flags != (g->probe->outbound ? XT_MULTIPORT_SOURCE : XT_MULTIPORT_DESTINATION) ||
	    m.count > XT_MULTI_PORTS)
		return NFN_MAYBE;
	for (unsigned i = 0; i < m.count; i++) {
		unsigned lo = m.ports[i];
		unsigned hi = lo;
		enum nfn_tri one;

		if (m.pflags[i] && i + 1 < m.count)
			hi = m.ports[++i];
		one = xt_ports_in(g, lo, hi);
		if (one == NFN_YES) {
			t = NFN_YES;
			break;
		}
		if (one == NFN_MAYBE)
			t = NFN_MAYBE;
	}
	return xt_not_if(m.invert, t);
}

static enum nfn_tri xt_tcp(const struct nfn_gctx *g, const void *info, uint32_t len)
{
	struct xt_tcp m;
	enum nfn_tri t;

	if (len < sizeof(m))
		return NFN_MAYBE;
	memcpy(&m, info, sizeof(m));
	if (m.option || m.flg_mask)
		return NFN_MAYBE;	/* options and flags: a probe has no packet */
	if (g->probe->outbound) {
		if (m.dpts[0] != 0 || m.dpts[1] != 0xffff)
			return NFN_MAYBE;	/* the client's port is not known */
		t = xt_ports_in(g, m.spts[0], m.spts[1]);
		return xt_not_if(m.invflags & XT_TCP_INV_SRCPT, t);
	}
	if ((m.spts[0] != 0 || m.spts[1] != 0xffff))
		return NFN_MAYBE;	/* the client's source port is not known */
	t = xt_ports_in(g, m.dpts[0], m.dpts[1]);
	return xt_not_if(m.invflags & XT_TCP_INV_DSTPT, t);
}

enum nfn_tri nfn_guard_xt_match(const struct nfn_gctx *g, const char *name, uint32_t rev,
				const void *info, uint32_t len, char *why, size_t why_size)
{
	snprintf(why, why_size, "iptables match '%s', which ftpcfg cannot judge", name);
	if (!strcmp(name, "comment"))
		return NFN_YES;
	if (!strcmp(name, "conntrack"))
		return xt_conntrack(g, rev, info, len);
	if (!strcmp(name, "state"))
		return xt_state(g, info, len);
	if (!strcmp(name, "addrtype"))
		return g->probe->outbound ? NFN_MAYBE : xt_addrtype(rev, info, len);
	if (!strcmp(name, "multiport"))
		return xt_multiport(g, rev, info, len);
	if (!strcmp(name, "tcp"))
		return xt_tcp(g, info, len);
	if (!strcmp(name, "udp") || !strcmp(name, "icmp") || !strcmp(name, "icmp6"))
		return NFN_NO;	/* iptables adds them after -p udp/icmp: never TCP */
	/*
	 * ip6tables' -m rt (ufw's before6.rules drops routing header type 0):
	 * the kernel's match is false, inverted or not, for a packet without
	 * a routing header, and an FTP connection's packets carry none.
	 */
	if (!strcmp(name, "rt"))
		return NFN_NO;
	return NFN_MAYBE;
}
