/*
 * nft_netlink_dump: read the live table (or, attached, ftpcfg's objects in
 * a foreign one) and decode it into the IR, consistent with one generation.
 * Elements are decoded straight from the attributes.  Only reads.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <endian.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>

#include "nft_netlink_int.h"

/* A dump that raced a change is read again this many times at most. */
#define NFN_DUMP_TRIES 8

struct nfn_key {
	uint8_t k[16];
	bool end;
};

struct nfn_dump {
	const struct ruleset *want;
	struct nft_netlink_live *live;
	struct ruleset *rs;
	size_t cap_chains;
	size_t cap_sets;
	size_t cap_helpers;
	struct nfn_anon *anon;
	size_t n_anon;
	size_t cap_anon;
	struct nfn_key *keys;
	size_t n_keys;
	size_t cap_keys;
	size_t klen;
	struct nfn_map *maps;	/* verdict maps: sharded sets' dispatch */
	size_t n_maps;
	size_t cap_maps;
	struct nfn_map *map;	/* the one whose elements are being read */
	int err;
};

static bool nfn_ours(const struct nfn_dump *c, const char *name)
{
	return !c->want->attach ||
	       strncmp(name, NFT_NETLINK_ATTACH_PREFIX, strlen(NFT_NETLINK_ATTACH_PREFIX)) == 0;
}

/* Grow *@arr (of @size-byte items) to hold @n + 1. */
static int nfn_grow(void **arr, size_t *cap, size_t n, size_t size)
{
	size_t want = *cap ? *cap * 2 : 8;
	void *p;

	if (n < *cap)
		return 0;
	p = realloc(*arr, want * size);
	if (!p)
		return -ENOMEM;
	memset((char *)p + *cap * size, 0, (want - *cap) * size);
	*arr = p;
	*cap = want;
	return 0;
}

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

static int nfn_chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nfn_dump *c = data;
	struct nftnl_chain *ch = nftnl_chain_alloc();
	struct ir_chain *ic;
	const char *name;
	const char *table;
	int ret = MNL_CB_OK;

	if (!ch || nftnl_chain_nlmsg_parse(nlh, ch) < 0)
		goto fail;
	name = nftnl_chain_get_str(ch, NFTNL_CHAIN_NAME);
	table = nftnl_chain_get_str(ch, NFTNL_CHAIN_TABLE);
	if (!name || !table || strcmp(table, c->want->table) != 0)
		goto out;
	if (c->want->attach && c->want->attach_chain && strcmp(name, c->want->attach_chain) == 0)
		c->live->attach_chain_exists = true;
	if (!nfn_ours(c, name))
		goto out;
	if (nfn_grow((void **)&c->rs->chains, &c->cap_chains, c->rs->n_chains, sizeof(*ic)) < 0)
		goto fail;
	ic = &c->rs->chains[c->rs->n_chains];
	ic->name = strdup(name);
	if (!ic->name)
		goto fail;
	c->rs->n_chains++;
	ic->hook = IR_HOOK_NONE;
	if (nftnl_chain_is_set(ch, NFTNL_CHAIN_HOOKNUM)) {
		switch (nftnl_chain_get_u32(ch, NFTNL_CHAIN_HOOKNUM)) {
		case NF_INET_PRE_ROUTING:
			ic->hook = IR_HOOK_PREROUTING;
			break;
		case NF_INET_LOCAL_IN:
			ic->hook = IR_HOOK_INPUT;
			break;
		case NF_INET_LOCAL_OUT:
			ic->hook = IR_HOOK_OUTPUT;
			break;
		default:
			/* A hook the IR has no name for: never equal to ours. */
			ic->priority = INT32_MIN;
			break;
		}
		ic->priority += (int)nftnl_chain_get_s32(ch, NFTNL_CHAIN_PRIO);
		ic->policy_drop = nftnl_chain_is_set(ch, NFTNL_CHAIN_POLICY) &&
				  nftnl_chain_get_u32(ch, NFTNL_CHAIN_POLICY) == NF_DROP;
	}
	goto out;
fail:
	c->err = -ENOMEM;
	ret = MNL_CB_ERROR;
out:
	nftnl_chain_free(ch);
	return ret;
}

static int nfn_obj_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nfn_dump *c = data;
	struct nftnl_obj *o = nftnl_obj_alloc();
	struct ir_helper *h;
	const char *name;
	const char *type;
	int ret = MNL_CB_OK;

	if (!o || nftnl_obj_nlmsg_parse(nlh, o) < 0)
		goto fail;
	name = nftnl_obj_get_str(o, NFTNL_OBJ_NAME);
	if (!name || nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE) != NFT_OBJECT_CT_HELPER ||
	    !nfn_ours(c, name))
		goto out;
	if (nfn_grow((void **)&c->rs->helpers, &c->cap_helpers, c->rs->n_helpers, sizeof(*h)) < 0)
		goto fail;
	h = &c->rs->helpers[c->rs->n_helpers];
	type = nftnl_obj_get_str(o, NFTNL_OBJ_CT_HELPER_NAME);
	h->name = strdup(name);
	h->type = strdup(type ? type : "");
	if (!h->name || !h->type) {
		free(h->name);
		free(h->type);
		memset(h, 0, sizeof(*h));
		goto fail;
	}
	c->rs->n_helpers++;
	switch (nftnl_obj_get_u16(o, NFTNL_OBJ_CT_HELPER_L3PROTO)) {
	case NFPROTO_IPV4:
		h->l3proto = IR_FAMILY_IP;
		break;
	case NFPROTO_IPV6:
		h->l3proto = IR_FAMILY_IP6;
		break;
	default:
		h->l3proto = IR_FAMILY_INET;
		break;
	}
	goto out;
fail:
	c->err = -ENOMEM;
	ret = MNL_CB_ERROR;
out:
	nftnl_obj_free(o);
	return ret;
}

static bool nfn_set_merges(const struct nftnl_set *s)
{
	const uint8_t *ud;
	uint32_t len = 0;
	uint32_t off = 0;
	uint32_t v;

	if (!nftnl_set_is_set(s, NFTNL_SET_USERDATA))
		return false;
	ud = nftnl_set_get_data(s, NFTNL_SET_USERDATA, &len);
	while (ud && off + 2 <= len && off + 2 + ud[off + 1] <= len) {
		if (ud[off] == 2 && ud[off + 1] == 4) {	/* NFTNL_UDATA_SET_MERGE_ELEMENTS */
			memcpy(&v, ud + off + 2, 4);
			return v != 0;
		}
		off += 2 + ud[off + 1];
	}
	return false;
}

static int nfn_set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nfn_dump *c = data;
	struct nftnl_set *s = nftnl_set_alloc();
	struct ir_set *is;
	const char *name;
	const char *table;
	uint32_t flags;
	uint32_t klen;
	int ret = MNL_CB_OK;

	if (!s || nftnl_set_nlmsg_parse(nlh, s) < 0)
		goto fail;
	name = nftnl_set_get_str(s, NFTNL_SET_NAME);
	table = nftnl_set_get_str(s, NFTNL_SET_TABLE);
	flags = nftnl_set_get_u32(s, NFTNL_SET_FLAGS);
	klen = nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN);
	if (!name || !table || strcmp(table, c->want->table) != 0)
		goto out;
	if (flags & NFT_SET_ANONYMOUS) {
		/* Only port lists can be ours; their elements are read next. */
		if (klen != 2 || (flags & NFT_SET_INTERVAL) || strlen(name) >= sizeof(c->anon->name))
			goto out;
		if (nfn_grow((void **)&c->anon, &c->cap_anon, c->n_anon, sizeof(*c->anon)) < 0)
			goto fail;
		snprintf(c->anon[c->n_anon++].name, sizeof(c->anon->name), "%s", name);
		goto out;
	}
	if (!nfn_ours(c, name))
		goto out;
	if ((flags & NFT_SET_MAP) && (klen == 4 || klen == 16) &&
	    nftnl_set_get_u32(s, NFTNL_SET_DATA_TYPE) == NFT_DATA_VERDICT &&
	    strlen(name) < sizeof(c->maps->name)) {
		if (nfn_grow((void **)&c->maps, &c->cap_maps, c->n_maps, sizeof(*c->maps)) < 0)
			goto fail;
		snprintf(c->maps[c->n_maps].name, sizeof(c->maps->name), "%s", name);
		c->maps[c->n_maps++].addr_family = klen == 4 ? AF_INET : AF_INET6;
		goto out;
	}
	if (nfn_grow((void **)&c->rs->sets, &c->cap_sets, c->rs->n_sets, sizeof(*is)) < 0)
		goto fail;
	is = &c->rs->sets[c->rs->n_sets];
	is->name = strdup(name);
	if (!is->name)
		goto fail;
	c->rs->n_sets++;
	is->addr_family = klen == 4 ? AF_INET : klen == 16 ? AF_INET6 : AF_UNSPEC;
	if (flags & NFT_SET_INTERVAL)
		is->flags |= IR_SET_INTERVAL;
	if (flags & NFT_SET_EVAL)
		is->flags |= IR_SET_DYNAMIC;
	if (nfn_set_merges(s))
		is->flags |= IR_SET_AUTO_MERGE;
	if (nftnl_set_is_set(s, NFTNL_SET_DESC_SIZE))
		is->size = nftnl_set_get_u32(s, NFTNL_SET_DESC_SIZE);
	goto out;
fail:
	c->err = -ENOMEM;
	ret = MNL_CB_ERROR;
out:
	nftnl_set_free(s);
	return ret;
}

/* ---- elements, straight from the attributes ------------------------------ */

static int nfn_elem_cb(const struct nlattr *elem, void *data)
{
	struct nfn_dump *c = data;
	const struct nlattr *a;
	const struct nlattr *v;
	struct nfn_key key = { .end = false };
	bool have = false;

	if (mnl_attr_validate(elem, MNL_TYPE_NESTED) < 0)
		return MNL_CB_OK;
	mnl_attr_for_each_nested(a, elem) {
		switch (mnl_attr_get_type(a)) {
		case NFTA_SET_ELEM_FLAGS:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				key.end = ntohl(mnl_attr_get_u32(a)) & NFT_SET_ELEM_INTERVAL_END;
			break;
		case NFTA_SET_ELEM_KEY:
			mnl_attr_for_each_nested(v, a) {
				if (mnl_attr_get_type(v) == NFTA_DATA_VALUE &&
				    mnl_attr_get_payload_len(v) == c->klen) {
					memcpy(key.k, mnl_attr_get_payload(v), c->klen);
					have = true;
				}
			}
			break;
		default:
			break;
		}
	}
	if (!have)
		return MNL_CB_OK;
	if (nfn_grow((void **)&c->keys, &c->cap_keys, c->n_keys, sizeof(key)) < 0) {
		c->err = -ENOMEM;
		return MNL_CB_ERROR;
	}
	c->keys[c->n_keys++] = key;
	return MNL_CB_OK;
}

/* The jump target in a map element's data, or NULL. */
static const char *nfn_elem_jump(const struct nlattr *data)
{
	const struct nlattr *v;
	const struct nlattr *a;
	const char *chain = NULL;
	bool jump = false;

	mnl_attr_for_each_nested(v, data) {
		if (mnl_attr_get_type(v) != NFTA_DATA_VERDICT)
			continue;
		mnl_attr_for_each_nested(a, v) {
			if (mnl_attr_get_type(a) == NFTA_VERDICT_CODE &&
			    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				jump = (int32_t)ntohl(mnl_attr_get_u32(a)) == NFT_JUMP;
			else if (mnl_attr_get_type(a) == NFTA_VERDICT_CHAIN &&
				 mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				chain = mnl_attr_get_str(a);
		}
	}
	return jump ? chain : NULL;
}

/* One element of a verdict map: a shard key and the chain it jumps to. */
static int nfn_map_elem_cb(const struct nlattr *elem, struct nfn_dump *c)
{
	struct nfn_map *m = c->map;
	size_t kl = ir_addr_len(m->addr_family);
	const struct nlattr *a;
	const struct nlattr *v;
	const char *chain = NULL;
	uint8_t key[16];
	uint8_t want[16];
	bool have = false;
	unsigned k;

	if (mnl_attr_validate(elem, MNL_TYPE_NESTED) < 0)
		return MNL_CB_OK;
	mnl_attr_for_each_nested(a, elem) {
		if (mnl_attr_get_type(a) == NFTA_SET_ELEM_DATA) {
			chain = nfn_elem_jump(a);
			continue;
		}
		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_KEY)
			continue;
		mnl_attr_for_each_nested(v, a) {
			if (mnl_attr_get_type(v) == NFTA_DATA_VALUE &&
			    mnl_attr_get_payload_len(v) == kl) {
				memcpy(key, mnl_attr_get_payload(v), kl);
				have = true;
			}
		}
	}
	k = have ? key[ir_shard_byte(m->addr_family)] : 0;
	ir_shard_key(m->addr_family, k, want);
	if (!have || !chain || memcmp(key, want, kl) != 0 || m->chains[k]) {
		m->bad = true;
		return MNL_CB_OK;
	}
	m->chains[k] = strdup(chain);
	if (!m->chains[k]) {
		c->err = -ENOMEM;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static int nfn_elems_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a;
	const struct nlattr *elem;
	struct nfn_dump *c = data;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		mnl_attr_for_each_nested(elem, a) {
			if ((c->map ? nfn_map_elem_cb(elem, c) : nfn_elem_cb(elem, c)) != MNL_CB_OK)
				return MNL_CB_ERROR;
		}
	}
	return MNL_CB_OK;
}

static int nfn_key_cmp(const void *a, const void *b, void *klen)
{
	const struct nfn_key *x = a;
	const struct nfn_key *y = b;
	int r = memcmp(x->k, y->k, *(const size_t *)klen);

	return r ? r : (int)x->end - (int)y->end;
}

/*
 * Sort the keys as nfn_key_cmp() orders them.  The kernel lists an
 * interval set's elements from its tree, in descending order: keys that
 * are strictly ascending or strictly descending are sorted, or reversed,
 * in one pass; anything else is sorted.  Strictly: with no two keys equal
 * the order is unique, the same as the sort's.
 */
static void nfn_sort_keys(struct nfn_key *keys, size_t n, size_t klen)
{
	bool up = true;
	bool down = true;

	for (size_t i = 1; i < n && (up || down); i++) {
		int r = nfn_key_cmp(&keys[i - 1], &keys[i], &klen);

		up = up && r < 0;
		down = down && r > 0;
	}
	if (up)
		return;
	if (down) {
		for (size_t i = 0, j = n - 1; i < j; i++, j--) {
			struct nfn_key t = keys[i];

			keys[i] = keys[j];
			keys[j] = t;
		}
		return;
	}
	qsort_r(keys, n, sizeof(*keys), nfn_key_cmp, &klen);
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

/* Kernel elements (start, and interval ends) to the IR's merged closed ranges. */
static int nfn_keys_to_ranges(struct nfn_dump *c, struct ir_set *s)
{
	size_t kl = c->klen;
	struct ir_range r;
	size_t i;
	size_t j;
	int ret;

	nfn_sort_keys(c->keys, c->n_keys, kl);
	ret = ir_set_reserve(s, c->n_keys);
	for (i = 0; ret == 0 && i < c->n_keys; i++) {
		if (c->keys[i].end)
			continue;
		memset(&r, 0, sizeof(r));
		memcpy(r.lo, c->keys[i].k, kl);
		memcpy(r.hi, c->keys[i].k, kl);
		if (s->flags & IR_SET_INTERVAL) {
			/* A start covers everything up to the next element's key. */
			memset(r.hi, 0xff, kl);
			if (i + 1 < c->n_keys) {
				memcpy(r.hi, c->keys[i + 1].k, kl);
				for (j = kl; j-- > 0;)
					if (r.hi[j]-- != 0)
						break;
			}
		}
		ret = ir_set_add_range(s, &r);
	}
	if (ret == 0)
		ir_set_normalize(s);
	return ret;
}

static int nfn_read_sets(struct nft_netlink *nl, struct nfn_dump *c)
{
	size_t i;
	size_t k;
	int ret = 0;

	for (i = 0; ret == 0 && i < c->rs->n_sets; i++) {
		struct ir_set *s = &c->rs->sets[i];
		size_t kl = ir_addr_len(s->addr_family);

		if (!kl || (s->flags & IR_SET_DYNAMIC))
			continue;
		ret = nfn_read_elems(nl, c, s->name, kl);
		if (ret == 0)
			ret = nfn_keys_to_ranges(c, s);
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

/* ---- rules ------------------------------------------------------------- */

static int nfn_add_rule(struct nfn_dump *c, size_t ci, struct ir_rule *r)
{
	struct ir_chain *ch = &c->rs->chains[ci];
	uint64_t **h = &c->live->rule_handles[ci];
	size_t cap = ch->alloc;
	uint64_t *p;

	if (nfn_grow((void **)&ch->rules, &ch->alloc, ch->n_rules, sizeof(*r)) < 0)
		return -ENOMEM;
	if (ch->alloc != cap || !*h) {
		p = realloc(*h, ch->alloc * sizeof(**h));
		if (!p)
			return -ENOMEM;
		*h = p;
	}
	(*h)[ch->n_rules] = r->handle;
	ch->rules[ch->n_rules++] = *r;
	return 0;
}

static int nfn_rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nfn_dump *c = data;
	struct nftnl_rule *nr = nftnl_rule_alloc();
	struct ir_rule r = { .verdict = IR_VERDICT_DROP };
	const char *chain;
	const char *table;
	uint64_t *p;
	size_t ci;
	int ret = -ENOMEM;

	if (!nr || nftnl_rule_nlmsg_parse(nlh, nr) < 0)
		goto out;
	chain = nftnl_rule_get_str(nr, NFTNL_RULE_CHAIN);
	table = nftnl_rule_get_str(nr, NFTNL_RULE_TABLE);
	ret = 0;
	if (!chain || !table || strcmp(table, c->want->table) != 0)
		goto out;
	for (ci = 0; ci < c->rs->n_chains; ci++)
		if (strcmp(c->rs->chains[ci].name, chain) == 0)
			break;
	if (ci == c->rs->n_chains && !(c->want->attach && c->want->attach_chain &&
				       strcmp(chain, c->want->attach_chain) == 0))
		goto out;
	ret = nfn_rule_decode(nr, c->want->family, c->anon, c->n_anon, &r);
	if (ret < 0)
		goto out;
	r.handle = nftnl_rule_get_u64(nr, NFTNL_RULE_HANDLE);
	if (ci < c->rs->n_chains) {
		ret = nfn_add_rule(c, ci, &r);
		if (ret == 0)
			memset(&r, 0, sizeof(r));
		goto out;
	}
	/* The foreign base chain: only a bare jump to one of ours is ours. */
	if (r.verdict != IR_VERDICT_JUMP || r.n_matches || r.counter || r.comment ||
	    !r.target || !nfn_ours(c, r.target))
		goto out;
	p = realloc(c->live->jump_handles, (c->live->n_jump_handles + 1) * sizeof(*p));
	ret = -ENOMEM;
	if (!p)
		goto out;
	c->live->jump_handles = p;
	p[c->live->n_jump_handles++] = r.handle;
	ret = 0;
	if (!c->rs->jump_chain) {
		c->rs->jump_chain = r.target;
		r.target = NULL;
	}
out:
	nfn_rule_release(&r);
	nftnl_rule_free(nr);
	if (ret < 0) {
		c->err = ret;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
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
