/*
 * nft_netlink_foreign: the guard.  Other tables' base chains on the hooks
 * ftpcfg uses still see every packet ftpcfg accepts (an accept ends only
 * its own base chain), so a drop policy or a drop/reject rule there drops
 * FTP whatever ftpcfg's table says.  Dumps every chain, rule and set once,
 * then walks each foreign base chain for each probe (nft_netlink_gexpr.c
 * judges the rules).  Only reads.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>

#include "nft_netlink_fdump.h"

/* The walk ---------------------------------------------------------------- */

enum {
	G_ACCEPT = 1U << 0,
	G_DROP = 1U << 1,
	G_RETURN = 1U << 2,
};

struct g_walk {
	struct g_dump *d;
	struct nfn_gctx g;
	uint32_t family;
	const char *table;
	bool xt;
	/* the first drop met, and the first thing that could not be judged */
	bool have_drop;
	const char *drop_chain;
	uint64_t drop_handle;
	char drop_action[48];
	char unsure[160];
	int err;
};

static int g_walk_set(void *data, const char *name, struct nfn_gset *out)
{
	struct g_walk *w = data;
	int ret;

	for (size_t i = 0; i < w->d->n_sets; i++) {
		struct g_set *g = &w->d->sets[i];

		if (g->family != w->family || strcmp(g->table, w->table) || strcmp(g->name, name))
			continue;
		if (g->keylen > 16 || (g->flags & (NFT_SET_MAP | NFT_SET_CONCAT)))
			return -ENOENT;
		if (!g->loaded) {
			ret = fdump_load_set(w->d, g);
			if (ret < 0)
				return ret;
			g->loaded = true;
		}
		out->elems = g->elems;
		out->n = g->n_elems;
		out->keylen = g->keylen;
		return 0;
	}
	return -ENOENT;
}

static void g_note_drop(struct g_walk *w, const struct g_chain *c, uint64_t handle,
			const char *action)
{
	if (w->have_drop)
		return;
	w->have_drop = true;
	w->drop_chain = c ? c->name : NULL;
	w->drop_handle = handle;
	snprintf(w->drop_action, sizeof(w->drop_action), "%s", action);
}

static void g_note_unsure(struct g_walk *w, const struct g_chain *c, uint64_t handle,
			  const char *why)
{
	if (w->unsure[0])
		return;
	snprintf(w->unsure, sizeof(w->unsure), "%s (chain %s, rule handle %llu)", why, c->name,
		 (unsigned long long)handle);
}

static unsigned g_walk_chain(struct g_walk *w, const struct g_chain *c, unsigned depth);

/* What a jump or goto to @name yields. */
static unsigned g_walk_to(struct g_walk *w, const struct g_chain *c, uint64_t handle,
			  const char *name, unsigned depth)
{
	const struct g_chain *to = fdump_find_chain(w->d, w->family, w->table, name);

	if (!to || depth >= G_MAX_DEPTH) {
		g_note_unsure(w, c, handle, "a jump ftpcfg cannot follow");
		return G_ACCEPT | G_DROP | G_RETURN;
	}
	return g_walk_chain(w, to, depth + 1);
}

static unsigned g_walk_chain(struct g_walk *w, const struct g_chain *c, unsigned depth)
{
	unsigned out = 0;

	for (size_t i = 0; i < c->n_rules && !w->err; i++) {
		uint64_t handle = nftnl_rule_get_u64(c->rules[i], NFTNL_RULE_HANDLE);
		struct nfn_gresult res;
		unsigned o = 0;
		bool stops = true;
		int ret;

		ret = nfn_guard_rule(&w->g, c->rules[i], &res);
		if (ret < 0) {
			w->err = ret;
			break;
		}
		w->xt |= res.xt;
		if (res.match == NFN_NO)
			continue;
		switch (res.verdict) {
		case NFN_GV_NONE:
			stops = false;
			break;
		case NFN_GV_ACCEPT:
			o = G_ACCEPT;
			break;
		case NFN_GV_DROP:
			o = G_DROP;
			g_note_drop(w, c, handle, res.action);
			break;
		case NFN_GV_RETURN:
			o = G_RETURN;
			break;
		case NFN_GV_JUMP:
			o = g_walk_to(w, c, handle, res.target, depth);
			stops = !(o & G_RETURN);
			o &= ~(unsigned)G_RETURN;
			break;
		case NFN_GV_GOTO:
			o = g_walk_to(w, c, handle, res.target, depth);
			break;
		case NFN_GV_UNKNOWN:
			o = G_ACCEPT | G_DROP;
			g_note_unsure(w, c, handle, res.action[0] ? res.action : "a verdict map");
			g_note_drop(w, c, handle, res.action[0] ? res.action : "a verdict map");
			break;
		}
		if (res.match == NFN_MAYBE && (o & G_DROP))
			g_note_unsure(w, c, handle, res.why);
		out |= o;
		if (res.match == NFN_YES && stops)
			return out;
	}
	return out | G_RETURN;
}

/*
 * iptables' own INPUT and OUTPUT, with the iptables backend: the first
 * rule of each that filters jumps to the chain that accepts ftpcfg's mark
 * (backend_iptables.c puts it there in the same apply, and status shows
 * it as drift when it is gone).
 */
static bool g_is_integrated(const struct ruleset *want, const struct g_chain *c)
{
	return want->backend == SITE_BACKEND_IPTABLES &&
	       (c->family == NFPROTO_IPV4 || c->family == NFPROTO_IPV6) &&
	       !strcmp(c->table, "filter") &&
	       ((c->hook == NF_INET_LOCAL_IN && !strcmp(c->name, "INPUT")) ||
		(c->hook == NF_INET_LOCAL_OUT && !strcmp(c->name, "OUTPUT")));
}

static bool g_is_ours(const struct ruleset *want, const struct g_chain *c)
{
	if (c->family != nfn_family(want->family) || strcmp(c->table, want->table))
		return false;
	return !want->attach || !strcmp(c->name, want->attach_chain);
}

static bool g_table_has(const struct g_dump *d, uint32_t family, const char *table,
			const char *prefix)
{
	for (size_t i = 0; i < d->n_chains; i++)
		if (d->chains[i].family == family && !strcmp(d->chains[i].table, table) &&
		    !strncmp(d->chains[i].name, prefix, strlen(prefix)))
			return true;
	return false;
}

static bool g_table_xt(const struct g_dump *d, uint32_t family, const char *table);

static enum nft_netlink_manager g_manager(const struct g_dump *d, uint32_t family,
					  const char *table, bool xt)
{
	static const char *const ipt[] = { "filter", "nat", "mangle", "raw", "security" };
	bool ipt_name = false;

	if (!strncmp(table, "firewalld", 9))
		return NFT_NETLINK_MANAGER_FIREWALLD;
	if (g_table_has(d, family, table, "ufw-") || g_table_has(d, family, table, "ufw6-"))
		return NFT_NETLINK_MANAGER_UFW;
	if (g_table_has(d, family, table, "DOCKER"))
		return NFT_NETLINK_MANAGER_DOCKER;
	for (size_t i = 0; i < sizeof(ipt) / sizeof(ipt[0]); i++)
		ipt_name |= !strcmp(table, ipt[i]);
	if (family != NFPROTO_INET && ipt_name &&
	    (xt || g_table_xt(d, family, table) || g_table_has(d, family, table, "INPUT") ||
	     g_table_has(d, family, table, "PREROUTING") ||
	     g_table_has(d, family, table, "FORWARD") || g_table_has(d, family, table, "OUTPUT")))
		return NFT_NETLINK_MANAGER_IPTABLES;
	return NFT_NETLINK_MANAGER_NONE;
}

static int g_expr_is_xt(struct nftnl_expr *e, void *data)
{
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	if (name && (!strcmp(name, "match") || !strcmp(name, "target")))
		*(bool *)data = true;
	return 0;
}

static bool g_table_xt(const struct g_dump *d, uint32_t family, const char *table)
{
	bool xt = false;

	for (size_t i = 0; i < d->n_chains && !xt; i++) {
		const struct g_chain *c = &d->chains[i];

		if (c->family != family || strcmp(c->table, table))
			continue;
		for (size_t r = 0; r < c->n_rules && !xt; r++)
			nftnl_expr_foreach(c->rules[r], g_expr_is_xt, &xt);
	}
	return xt;
}

void nft_netlink_conflicts_free_one(struct nft_netlink_conflict *c)
{
	free(c->table);
	free(c->chain);
	free(c->rule_chain);
	free(c->why);
	memset(c, 0, sizeof(*c));
}

void nft_netlink_conflicts_free(struct nft_netlink_conflict *c, size_t n)
{
	for (size_t i = 0; c && i < n; i++)
		nft_netlink_conflicts_free_one(&c[i]);
	free(c);
}

/* The host's own addresses of @af (not loopback): where FTP arrives. */
static int g_local_addrs(int af, struct ir_range **out, size_t *n_out)
{
	struct ifaddrs *ifa = NULL;
	struct ir_range *v = NULL;
	size_t n = 0;
	size_t cap = 0;

	*out = NULL;
	*n_out = 0;
	if (getifaddrs(&ifa) < 0)
		return 0;	/* unknown: every address match is "cannot judge" */
	for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
		const uint8_t *a;
		size_t len;

		if (!i->ifa_addr || i->ifa_addr->sa_family != af)
			continue;
		if (af == AF_INET) {
			a = (const uint8_t *)&((const struct sockaddr_in *)i->ifa_addr)->sin_addr;
			len = 4;
			if (a[0] == 127)
				continue;
		} else {
			a = (const uint8_t *)&((const struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
			len = 16;
			if (IN6_IS_ADDR_LOOPBACK((const struct in6_addr *)a))
				continue;
		}
		if (fdump_grow((void **)&v, &cap, n, sizeof(*v)) < 0) {
			free(v);
			freeifaddrs(ifa);
			return -ENOMEM;
		}
		memset(&v[n], 0, sizeof(v[n]));
		memcpy(v[n].lo, a, len);
		memcpy(v[n].hi, a, len);
		n++;
	}
	freeifaddrs(ifa);
	if (n)
		qsort(v, n, sizeof(*v), fdump_range_cmp);
	*out = v;
	*n_out = n;
	return 0;
}

static const char *g_family_name(uint32_t f)
{
	return f == NFPROTO_INET ? "inet" : f == NFPROTO_IPV4 ? "ip" : "ip6";
}

static int g_add_conflict(struct nft_netlink_conflict **out, size_t *n, size_t *cap,
			  const struct g_dump *d, const struct g_chain *base,
			  const struct g_walk *w, size_t probe, bool drops)
{
	struct nft_netlink_conflict *c;

	if (fdump_grow((void **)out, cap, *n, sizeof(**out)) < 0)
		return -ENOMEM;
	c = &(*out)[*n];
	memset(c, 0, sizeof(*c));
	c->verdict = drops ? NFT_NETLINK_DROPS : NFT_NETLINK_MAY_DROP;
	c->probe = probe;
	c->manager = g_manager(d, base->family, base->table, w->xt);
	snprintf(c->family, sizeof(c->family), "%s", g_family_name(base->family));
	c->hook = base->hook == NF_INET_PRE_ROUTING ? "prerouting"
		  : base->hook == NF_INET_LOCAL_OUT ? "output" : "input";
	c->priority = base->prio;
	c->handle = w->drop_handle;
	c->table = strdup(base->table);
	c->chain = strdup(base->name);
	if (w->drop_chain)
		c->rule_chain = strdup(w->drop_chain);
	if (!drops && w->unsure[0])
		c->why = strdup(w->unsure);
	else if (w->drop_chain)
		c->why = strdup(w->drop_action);
	else
		c->why = strdup("policy drop");
	(*n)++;
	if (!c->table || !c->chain || !c->why || (w->drop_chain && !c->rule_chain))
		return -ENOMEM;
	return 0;
}

int nft_netlink_conflicts(struct nft_netlink *nl, const struct ruleset *want,
			  const struct nft_netlink_probe *probes, size_t n_probes,
			  struct nft_netlink_conflict **out, size_t *n_out, size_t *n_foreign)
{
	struct g_dump d = { .nl = nl };
	struct ir_range *addrs[2] = { NULL, NULL };
	size_t n_addrs[2] = { 0, 0 };
	size_t cap = 0;
	bool have_addrs = false;
	bool has_outbound = false;
	int ret;

	*out = NULL;
	*n_out = 0;
	*n_foreign = 0;
	for (size_t p = 0; p < n_probes; p++)
		has_outbound |= probes[p].outbound;
	ret = fdump_all(&d);
	for (size_t i = 0; ret == 0 && i < d.n_chains; i++) {
		const struct g_chain *c = &d.chains[i];

		if (!c->base || g_is_ours(want, c) ||
		    (c->hook != NF_INET_PRE_ROUTING && c->hook != NF_INET_LOCAL_IN &&
		     c->hook != NF_INET_LOCAL_OUT))
			continue;
		/* ftpcfg's own standalone table, whole. */
		if (!want->attach && c->family == nfn_family(want->family) &&
		    !strcmp(c->table, want->table))
			continue;
		/*
		 * Counted whether judged or not: 0 must mean that no probe of
		 * any site (outbound ones, another backend's) can conflict.
		 */
		(*n_foreign)++;
		if (g_is_integrated(want, c) || (c->hook == NF_INET_LOCAL_OUT && !has_outbound))
			continue;
		/*
		 * The host's addresses only when there is a foreign chain to
		 * judge: getifaddrs() opens a routing socket, and a host
		 * without foreign chains should not pay for it.
		 */
		if (!have_addrs) {
			ret = g_local_addrs(AF_INET, &addrs[0], &n_addrs[0]);
			if (ret == 0)
				ret = g_local_addrs(AF_INET6, &addrs[1], &n_addrs[1]);
			if (ret < 0)
				break;
			have_addrs = true;
		}
		for (size_t p = 0; ret == 0 && p < n_probes; p++) {
			int v6 = probes[p].af == AF_INET6;
			struct g_walk w = {
				.d = &d,
				.family = c->family,
				.table = c->table,
			};
			unsigned o;

			if ((c->family == NFPROTO_IPV4 && v6) || (c->family == NFPROTO_IPV6 && !v6))
				continue;
			/* Active data leaves through output; everything else comes in. */
			if (probes[p].outbound != (c->hook == NF_INET_LOCAL_OUT))
				continue;
			w.g.probe = &probes[p];
			w.g.daddr = addrs[v6];
			w.g.n_daddr = n_addrs[v6];
			w.g.set = g_walk_set;
			w.g.data = &w;
			o = g_walk_chain(&w, c, 0);
			if (w.err) {
				ret = w.err;
				break;
			}
			if (o & G_RETURN) {
				o &= ~(unsigned)G_RETURN;
				o |= c->policy_drop ? G_DROP : G_ACCEPT;
				if (c->policy_drop)
					g_note_drop(&w, NULL, 0, "policy drop");
			}
			if (o & G_DROP)
				ret = g_add_conflict(out, n_out, &cap, &d, c, &w, p, !(o & G_ACCEPT));
		}
	}
	free(addrs[0]);
	free(addrs[1]);
	fdump_release(&d);
	if (ret < 0) {
		nft_netlink_conflicts_free(*out, *n_out);
		*out = NULL;
		*n_out = 0;
	}
	return ret;
}

int nft_netlink_table_manager(struct nft_netlink *nl, enum ir_family family, const char *table,
			      enum nft_netlink_manager *out)
{
	struct g_dump d = { .nl = nl };
	uint32_t f = nfn_family(family);
	bool exists = false;
	int ret;

	*out = NFT_NETLINK_MANAGER_NONE;
	ret = fdump_all(&d);
	for (size_t i = 0; ret == 0 && i < d.n_chains; i++)
		exists |= d.chains[i].family == f && !strcmp(d.chains[i].table, table);
	if (ret == 0 && exists)
		*out = g_manager(&d, f, table, false);
	fdump_release(&d);
	return ret;
}
