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

#include "nft_netlink_int.h"

/* How deep jumps are followed; the kernel allows 16 levels. */
#define G_MAX_DEPTH 16

struct g_chain {
	uint32_t family;
	char *table;
	char *name;
	bool base;
	uint32_t hook;
	int prio;
	bool policy_drop;
	struct nftnl_rule **rules;
	size_t n_rules;
	size_t cap;
};

struct g_set {
	uint32_t family;
	char *table;
	char *name;
	uint32_t flags;
	uint32_t keylen;
	bool loaded;
	struct ir_range *elems;
	size_t n_elems;
};

struct g_dump {
	struct nft_netlink *nl;
	struct g_chain *chains;
	size_t n_chains;
	size_t cap_chains;
	struct g_set *sets;
	size_t n_sets;
	size_t cap_sets;
	size_t last;		/* the chain the previous rule went to */
	int err;
};

static int g_grow(void **arr, size_t *cap, size_t n, size_t size)
{
	void *p;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? 2 * *cap : 16;
	p = realloc(*arr, c * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = c;
	return 0;
}

static void g_dump_release(struct g_dump *d)
{
	for (size_t i = 0; i < d->n_chains; i++) {
		for (size_t r = 0; r < d->chains[i].n_rules; r++)
			nftnl_rule_free(d->chains[i].rules[r]);
		free(d->chains[i].rules);
		free(d->chains[i].table);
		free(d->chains[i].name);
	}
	free(d->chains);
	for (size_t i = 0; i < d->n_sets; i++) {
		free(d->sets[i].table);
		free(d->sets[i].name);
		free(d->sets[i].elems);
	}
	free(d->sets);
}

static bool g_family_walked(uint32_t f)
{
	return f == NFPROTO_INET || f == NFPROTO_IPV4 || f == NFPROTO_IPV6;
}

static int g_chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct g_dump *d = data;
	struct nftnl_chain *ch = nftnl_chain_alloc();
	struct g_chain *c;
	const char *table;
	const char *name;

	if (!ch || nftnl_chain_nlmsg_parse(nlh, ch) < 0)
		goto fail;
	table = nftnl_chain_get_str(ch, NFTNL_CHAIN_TABLE);
	name = nftnl_chain_get_str(ch, NFTNL_CHAIN_NAME);
	if (!table || !name || !g_family_walked(nftnl_chain_get_u32(ch, NFTNL_CHAIN_FAMILY)))
		goto out;
	if (g_grow((void **)&d->chains, &d->cap_chains, d->n_chains, sizeof(*c)) < 0)
		goto fail;
	c = &d->chains[d->n_chains];
	memset(c, 0, sizeof(*c));
	c->family = nftnl_chain_get_u32(ch, NFTNL_CHAIN_FAMILY);
	c->table = strdup(table);
	c->name = strdup(name);
	if (!c->table || !c->name) {
		free(c->table);
		free(c->name);
		goto fail;
	}
	d->n_chains++;
	if (nftnl_chain_is_set(ch, NFTNL_CHAIN_HOOKNUM)) {
		c->base = true;
		c->hook = nftnl_chain_get_u32(ch, NFTNL_CHAIN_HOOKNUM);
		c->prio = nftnl_chain_get_s32(ch, NFTNL_CHAIN_PRIO);
		c->policy_drop = nftnl_chain_is_set(ch, NFTNL_CHAIN_POLICY) &&
				 nftnl_chain_get_u32(ch, NFTNL_CHAIN_POLICY) == NF_DROP;
	}
out:
	nftnl_chain_free(ch);
	return MNL_CB_OK;
fail:
	nftnl_chain_free(ch);
	d->err = -ENOMEM;
	return MNL_CB_ERROR;
}

static struct g_chain *g_find_chain(struct g_dump *d, uint32_t family, const char *table,
				    const char *name)
{
	if (d->last < d->n_chains && d->chains[d->last].family == family &&
	    !strcmp(d->chains[d->last].name, name) && !strcmp(d->chains[d->last].table, table))
		return &d->chains[d->last];
	for (size_t i = 0; i < d->n_chains; i++) {
		struct g_chain *c = &d->chains[i];

		if (c->family == family && !strcmp(c->name, name) && !strcmp(c->table, table)) {
			d->last = i;
			return c;
		}
	}
	return NULL;
}

static int g_rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct g_dump *d = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	const char *table;
	const char *chain;
	struct g_chain *c;

	if (!r || nftnl_rule_nlmsg_parse(nlh, r) < 0)
		goto fail;
	table = nftnl_rule_get_str(r, NFTNL_RULE_TABLE);
	chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
	c = table && chain ? g_find_chain(d, nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY), table, chain)
			   : NULL;
	if (!c) {
		nftnl_rule_free(r);
		return MNL_CB_OK;
	}
	if (g_grow((void **)&c->rules, &c->cap, c->n_rules, sizeof(*c->rules)) < 0)
		goto fail;
	c->rules[c->n_rules++] = r;
	return MNL_CB_OK;
fail:
	nftnl_rule_free(r);
	d->err = -ENOMEM;
	return MNL_CB_ERROR;
}

static int g_set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct g_dump *d = data;
	struct nftnl_set *s = nftnl_set_alloc();
	struct g_set *g;
	const char *table;
	const char *name;

	if (!s || nftnl_set_nlmsg_parse(nlh, s) < 0)
		goto fail;
	table = nftnl_set_get_str(s, NFTNL_SET_TABLE);
	name = nftnl_set_get_str(s, NFTNL_SET_NAME);
	if (!table || !name || !g_family_walked(nftnl_set_get_u32(s, NFTNL_SET_FAMILY))) {
		nftnl_set_free(s);
		return MNL_CB_OK;
	}
	if (g_grow((void **)&d->sets, &d->cap_sets, d->n_sets, sizeof(*g)) < 0)
		goto fail;
	g = &d->sets[d->n_sets];
	memset(g, 0, sizeof(*g));
	g->family = nftnl_set_get_u32(s, NFTNL_SET_FAMILY);
	g->flags = nftnl_set_get_u32(s, NFTNL_SET_FLAGS);
	g->keylen = nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN);
	g->table = strdup(table);
	g->name = strdup(name);
	if (!g->table || !g->name) {
		free(g->table);
		free(g->name);
		goto fail;
	}
	d->n_sets++;
	nftnl_set_free(s);
	return MNL_CB_OK;
fail:
	nftnl_set_free(s);
	d->err = -ENOMEM;
	return MNL_CB_ERROR;
}

static int g_dump_all(struct g_dump *d)
{
	static const uint16_t types[] = { NFT_MSG_GETCHAIN, NFT_MSG_GETRULE, NFT_MSG_GETSET };
	int (*const cbs[])(const struct nlmsghdr *, void *) = { g_chain_cb, g_rule_cb, g_set_cb };
	char buf[256];

	for (size_t i = 0; i < 3; i++) {
		struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, types[i], NFPROTO_UNSPEC,
							     NLM_F_DUMP, d->nl->seq++);
		int ret = nfn_talk(d->nl, nlh, cbs[i], d);

		if (d->err)
			return d->err;
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Elements of one set ---------------------------------------------------- */

struct g_key {
	uint8_t key[16];
	bool end;
};

static int g_key_cmp(const void *a, const void *b)
{
	return memcmp(((const struct g_key *)a)->key, ((const struct g_key *)b)->key, 16);
}

static int g_range_cmp(const void *a, const void *b)
{
	return memcmp(((const struct ir_range *)a)->lo, ((const struct ir_range *)b)->lo, 16);
}

static int g_elems_cb(const struct nlmsghdr *nlh, void *data)
{
	return nftnl_set_elems_nlmsg_parse(nlh, data) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

/* Keys into closed ranges: an interval set's start and end elements, else points. */
static int g_set_ranges(struct g_set *g, struct g_key *keys, size_t n)
{
	size_t len = g->keylen;

	g->elems = calloc(n ? n : 1, sizeof(*g->elems));
	if (!g->elems)
		return -ENOMEM;
	if (n)
		qsort(keys, n, sizeof(*keys), g_key_cmp);
	for (size_t i = 0; i < n; i++) {
		struct ir_range *r = &g->elems[g->n_elems];

		if (keys[i].end)
			continue;
		memset(r, 0, sizeof(*r));
		memcpy(r->lo, keys[i].key, len);
		if (!(g->flags & NFT_SET_INTERVAL)) {
			memcpy(r->hi, keys[i].key, len);
		} else if (i + 1 < n) {
			/* [start, next - 1] */
			memcpy(r->hi, keys[i + 1].key, len);
			for (size_t b = len; b-- > 0;)
				if (r->hi[b]-- != 0)
					break;
		} else {
			memset(r->hi, 0xff, len);
		}
		g->n_elems++;
	}
	if (g->n_elems)
		qsort(g->elems, g->n_elems, sizeof(*g->elems), g_range_cmp);
	return 0;
}

static int g_load_set(struct g_dump *d, struct g_set *g)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it = NULL;
	struct nftnl_set_elem *e;
	struct g_key *keys = NULL;
	size_t n = 0;
	size_t cap = 0;
	char buf[512];
	struct nlmsghdr *nlh;
	int ret = -ENOMEM;

	if (!s)
		return -ENOMEM;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, g->table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, g->name);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, (uint16_t)g->family, NLM_F_DUMP,
				    d->nl->seq++);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	ret = nfn_talk(d->nl, nlh, g_elems_cb, s);
	if (ret < 0)
		goto out;
	it = nftnl_set_elems_iter_create(s);
	if (!it) {
		ret = -ENOMEM;
		goto out;
	}
	while ((e = nftnl_set_elems_iter_next(it))) {
		uint32_t klen = 0;
		const void *key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &klen);

		if (!key || klen > 16 || klen != g->keylen ||
		    nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_KEY_END))
			continue;
		if (g_grow((void **)&keys, &cap, n, sizeof(*keys)) < 0) {
			ret = -ENOMEM;
			goto out;
		}
		memset(&keys[n], 0, sizeof(keys[n]));
		memcpy(keys[n].key, key, klen);
		keys[n].end = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS) &&
			      (nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS) &
			       NFT_SET_ELEM_INTERVAL_END);
		n++;
	}
	ret = g_set_ranges(g, keys, n);
out:
	nftnl_set_elems_iter_destroy(it);
	nftnl_set_free(s);
	free(keys);
	return ret;
}

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
			ret = g_load_set(w->d, g);
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
	const struct g_chain *to = g_find_chain(w->d, w->family, w->table, name);

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

void nft_netlink_conflicts_free(struct nft_netlink_conflict *c, size_t n)
{
	for (size_t i = 0; c && i < n; i++) {
		free(c[i].table);
		free(c[i].chain);
		free(c[i].rule_chain);
		free(c[i].why);
	}
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
		if (g_grow((void **)&v, &cap, n, sizeof(*v)) < 0) {
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
		qsort(v, n, sizeof(*v), g_range_cmp);
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

	if (g_grow((void **)out, cap, *n, sizeof(**out)) < 0)
		return -ENOMEM;
	c = &(*out)[*n];
	memset(c, 0, sizeof(*c));
	c->verdict = drops ? NFT_NETLINK_DROPS : NFT_NETLINK_MAY_DROP;
	c->probe = probe;
	c->manager = g_manager(d, base->family, base->table, w->xt);
	snprintf(c->family, sizeof(c->family), "%s", g_family_name(base->family));
	c->hook = base->hook == NF_INET_PRE_ROUTING ? "prerouting" : "input";
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
			  struct nft_netlink_conflict **out, size_t *n_out)
{
	struct g_dump d = { .nl = nl };
	struct ir_range *addrs[2] = { NULL, NULL };
	size_t n_addrs[2] = { 0, 0 };
	size_t cap = 0;
	bool have_addrs = false;
	int ret;

	*out = NULL;
	*n_out = 0;
	ret = g_dump_all(&d);
	for (size_t i = 0; ret == 0 && i < d.n_chains; i++) {
		const struct g_chain *c = &d.chains[i];

		if (!c->base || (c->hook != NF_INET_PRE_ROUTING && c->hook != NF_INET_LOCAL_IN) ||
		    g_is_ours(want, c))
			continue;
		/* ftpcfg's own standalone table, whole. */
		if (!want->attach && c->family == nfn_family(want->family) &&
		    !strcmp(c->table, want->table))
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
	g_dump_release(&d);
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
	ret = g_dump_all(&d);
	for (size_t i = 0; ret == 0 && i < d.n_chains; i++)
		exists |= d.chains[i].family == f && !strcmp(d.chains[i].table, table);
	if (ret == 0 && exists)
		*out = g_manager(&d, f, table, false);
	g_dump_release(&d);
	return ret;
}
