/*
 * nft_netlink_dump: read the live table (or, attached, ftpcfg's objects in
 * a foreign one) into the IR, consistent with one generation: the dump
 * requests in their order, each set's elements, and the retry when the
 * generation moved meanwhile.  The replies are decoded by
 * nft_netlink_dobj.c (chains, helpers, sets, rules) and
 * nft_netlink_delem.c (elements).  Only reads.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <linux/netfilter/nf_tables.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>

#include "nft_netlink_int.h"

/* A dump that raced a change is read again this many times at most. */
#define NFN_DUMP_TRIES 8

static struct nlmsghdr *nfn_req(char *buf, uint16_t type, const struct ruleset *want,
				uint16_t flags, struct nft_netlink *nl)
{
	return nftnl_nlmsg_build_hdr(buf, type, nfn_family(want->family), flags, nl->seq++);
}

static int nfn_none_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

static int nfn_read_elems(struct nft_netlink *nl, struct nfn_dump *c, const char *set,
			  size_t klen)
{
	char buf[512];
	struct nlmsghdr *nlh;

	c->n_keys = 0;
	c->klen = klen;
	nlh = nfn_req(buf, NFT_MSG_GETSETELEM, c->want, NLM_F_DUMP, nl);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, c->want->table);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
	return nfn_talk(nl, nlh, nfn_elems_cb, c);
}

/* Every @stride-th set from @first: its elements, into its ranges. */
static int nfn_read_set_elems(struct nft_netlink *nl, struct nfn_dump *c, size_t first,
			      size_t stride)
{
	int ret = 0;

	for (size_t i = first; ret == 0 && i < c->rs->n_sets; i += stride) {
		struct ir_set *s = &c->rs->sets[i];
		size_t kl = ir_addr_len(s->addr_family);

		if (!kl || (s->flags & IR_SET_DYNAMIC))
			continue;
		ret = nfn_read_elems(nl, c, s->name, kl);
		if (ret == 0 && !c->err)
			ret = nfn_keys_to_ranges(c, s);
	}
	return ret ? ret : c->err;
}

/*
 * The second reader of a sharded table's sets: the kernel walks each set
 * to dump it, and at 100 000 networks that is most of a read; two sockets
 * walk two sets at once.  Its own socket and scratch keys; the sets it
 * fills are never the main reader's.  Both read between the caller's two
 * generation reads, so the read stays one generation's.
 */
struct nfn_helper {
	struct nft_netlink *nl;
	struct nfn_dump c;
	int ret;
};

/* Sets from which a table is read by two readers: a sharded allowlist's. */
#define NFN_PARALLEL_SETS 32

static void *nfn_helper_run(void *arg)
{
	struct nfn_helper *h = arg;

	h->ret = nfn_read_set_elems(h->nl, &h->c, 1, 2);
	return NULL;
}

static int nfn_read_sets(struct nft_netlink *nl, struct nfn_dump *c)
{
	struct nfn_helper h = { .c = { .want = c->want, .live = c->live, .rs = c->rs } };
	bool helped = false;
	pthread_t t;
	size_t i;
	size_t k;
	int ret;

	/* No second socket or thread: one reader reads them all. */
	if (c->rs->n_sets >= NFN_PARALLEL_SETS && nft_netlink_open(&h.nl) == 0) {
		helped = pthread_create(&t, NULL, nfn_helper_run, &h) == 0;
		if (!helped)
			nft_netlink_close(h.nl);
	}
	ret = nfn_read_set_elems(nl, c, 0, helped ? 2 : 1);
	if (helped) {
		pthread_join(t, NULL);
		if (ret == 0)
			ret = h.ret;
		free(h.c.keys);
		nft_netlink_close(h.nl);
	}
	for (i = 0; ret == 0 && i < c->n_maps; i++) {
		c->map = &c->maps[i];
		ret = nfn_read_elems(nl, c, c->map->name, ir_addr_len(c->map->addr_family));
		c->map = NULL;
	}
	for (i = 0; ret == 0 && i < c->n_anon; i++) {
		struct nfn_anon *a = &c->anon[i];

		ret = nfn_read_elems(nl, c, a->name, 2);
		nfn_sort_keys(c->keys, c->n_keys, c->klen);
		a->too_many = c->n_keys > IR_MAX_PORTS;
		for (k = 0; ret == 0 && k < c->n_keys && k < IR_MAX_PORTS; k++)
			a->ports[a->n_ports++] = (uint16_t)(c->keys[k].k[0] << 8 | c->keys[k].k[1]);
	}
	return ret;
}

/* ---- one consistent read ------------------------------------------------- */

static int nfn_dump_once(struct nft_netlink *nl, const struct ruleset *want,
			 struct nft_netlink_live *live)
{
	struct nfn_dump c = { .want = want, .live = live };
	char buf[512];
	struct nlmsghdr *nlh;
	int ret;

	nlh = nfn_req(buf, NFT_MSG_GETTABLE, want, NLM_F_ACK, nl);
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, want->table);
	ret = nfn_talk(nl, nlh, nfn_none_cb, NULL);
	if (ret == -ENOENT)
		return 0;	/* no table: live->rs stays NULL */
	if (ret < 0)
		return ret;
	live->rs = calloc(1, sizeof(*live->rs));
	if (!live->rs)
		return -ENOMEM;
	live->rs->family = want->family;
	live->rs->attach = want->attach;
	live->rs->table = strdup(want->table);
	if (!live->rs->table)
		return -ENOMEM;
	/* Read against the wanted mark: shard chains that set another do not fold. */
	live->rs->backend = want->backend;
	live->rs->mark = want->mark;
	if (want->attach && want->attach_chain) {
		live->rs->attach_chain = strdup(want->attach_chain);
		if (!live->rs->attach_chain)
			return -ENOMEM;
	}
	c.rs = live->rs;

	nlh = nfn_req(buf, NFT_MSG_GETCHAIN, want, NLM_F_DUMP, nl);
	ret = nfn_talk(nl, nlh, nfn_chain_cb, &c);
	if (ret == 0) {
		nlh = nfn_req(buf, NFT_MSG_GETOBJ, want, NLM_F_DUMP, nl);
		mnl_attr_put_strz(nlh, NFTA_OBJ_TABLE, want->table);
		mnl_attr_put_u32(nlh, NFTA_OBJ_TYPE, htonl(NFT_OBJECT_CT_HELPER));
		ret = nfn_talk(nl, nlh, nfn_obj_cb, &c);
	}
	if (ret == 0) {
		nlh = nfn_req(buf, NFT_MSG_GETSET, want, NLM_F_DUMP, nl);
		mnl_attr_put_strz(nlh, NFTA_SET_TABLE, want->table);
		ret = nfn_talk(nl, nlh, nfn_set_cb, &c);
	}
	if (ret == 0)
		ret = nfn_read_sets(nl, &c);
	if (ret == 0 && c.rs->n_chains) {
		live->rule_handles = calloc(c.rs->n_chains, sizeof(*live->rule_handles));
		if (!live->rule_handles)
			ret = -ENOMEM;
	}
	if (ret == 0) {
		nlh = nfn_req(buf, NFT_MSG_GETRULE, want, NLM_F_DUMP, nl);
		mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, want->table);
		ret = nfn_talk(nl, nlh, nfn_rule_cb, &c);
	}
	if (ret == 0 && !c.err)
		ret = nfn_fold_shards(live, c.maps, c.n_maps);
	/* Before the caller's second generation read: a change meanwhile means a new dump. */
	if (ret == 0 && !c.err)
		ret = nfn_nft_describe(live->rs);
	for (size_t i = 0; i < c.n_maps; i++)
		for (unsigned k = 0; k < IR_SHARDS; k++)
			free(c.maps[i].chains[k]);
	free(c.maps);
	free(c.anon);
	free(c.keys);
	return c.err ? c.err : ret;
}

void nft_netlink_live_free(struct nft_netlink_live *live)
{
	size_t i;

	if (!live)
		return;
	for (i = 0; live->rule_handles && live->rs && i < live->rs->n_chains; i++)
		free(live->rule_handles[i]);
	free(live->rule_handles);
	free(live->jump_handles);
	ruleset_free(live->rs);
	free(live);
}

int nft_netlink_dump(struct nft_netlink *nl, const struct ruleset *want,
		     struct nft_netlink_live **out, struct diag *d)
{
	struct nft_netlink_live *live = NULL;
	uint32_t before;
	uint32_t after;
	int tries;
	int ret;

	for (tries = 0; tries < NFN_DUMP_TRIES; tries++) {
		ret = nft_netlink_get_genid(nl, &before);
		if (ret < 0)
			goto fail;
		live = calloc(1, sizeof(*live));
		if (!live) {
			ret = -ENOMEM;
			goto fail;
		}
		ret = nfn_dump_once(nl, want, live);
		if (ret == 0)
			ret = nft_netlink_get_genid(nl, &after);
		if (ret < 0)
			goto fail;
		if (before == after) {
			live->genid = before;
			*out = live;
			return 0;
		}
		/* The ruleset moved while we read it (nft's cache does the same). */
		nft_netlink_live_free(live);
		live = NULL;
	}
	return diag(d, NULL, -ESTALE, "the ruleset kept changing while it was read (%d tries); "
		    "run again", NFN_DUMP_TRIES);
fail:
	nft_netlink_live_free(live);
	if (ret == -ENOMEM)
		return diag(d, NULL, ret, "out of memory reading the ruleset");
	return diag(d, NULL, ret, "cannot read table %s %s from the kernel: %s",
		    ir_family_name(want->family), want->table, strerror(-ret));
}
