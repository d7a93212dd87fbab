/*
 * nft_netlink_fdump: the guard's one dump of every chain, rule and set,
 * and a foreign set's elements on demand.  Only reads.
 */
#include <errno.h>
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

int fdump_grow(void **arr, size_t *cap, size_t n, size_t size)
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

void fdump_release(struct g_dump *d)
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
	if (fdump_grow((void **)&d->chains, &d->cap_chains, d->n_chains, sizeof(*c)) < 0)
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

struct g_chain *fdump_find_chain(struct g_dump *d, uint32_t family, const char *table,
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
	c = table && chain ? fdump_find_chain(d, nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY), table, chain)
			   : NULL;
	if (!c) {
		nftnl_rule_free(r);
		return MNL_CB_OK;
	}
	if (fdump_grow((void **)&c->rules, &c->cap, c->n_rules, sizeof(*c->rules)) < 0)
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
	if (fdump_grow((void **)&d->sets, &d->cap_sets, d->n_sets, sizeof(*g)) < 0)
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

int fdump_all(struct g_dump *d)
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

int fdump_range_cmp(const void *a, const void *b)
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
		qsort(g->elems, g->n_elems, sizeof(*g->elems), fdump_range_cmp);
	return 0;
}

int fdump_load_set(struct g_dump *d, struct g_set *g)
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
		if (fdump_grow((void **)&keys, &cap, n, sizeof(*keys)) < 0) {
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
