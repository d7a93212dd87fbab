/*
 * nft_netlink_dobj: the replies of a table dump (nft_netlink_dump.c)
 * decoded into the IR: chains with their hooks, ct helper objects, sets
 * (anonymous port lists and sharded sets' verdict maps set aside for
 * their elements) and rules with their handles, ftpcfg's own only when
 * attached to a foreign table.  Only reads.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>

#include "nft_netlink_int.h"

static bool nfn_ours(const struct nfn_dump *c, const char *name)
{
	return !c->want->attach ||
	       strncmp(name, NFT_NETLINK_ATTACH_PREFIX, strlen(NFT_NETLINK_ATTACH_PREFIX)) == 0;
}

int nfn_chain_cb(const struct nlmsghdr *nlh, void *data)
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

int nfn_obj_cb(const struct nlmsghdr *nlh, void *data)
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

int nfn_set_cb(const struct nlmsghdr *nlh, void *data)
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

int nfn_rule_cb(const struct nlmsghdr *nlh, void *data)
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
