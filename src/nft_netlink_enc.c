/*
 * nft_netlink_enc: tables, chains, sets, elements and helper objects as the
 * messages `nft -f` sends for them, and the replace and delta forms built
 * from them.  Elements are written straight into the batch, never as one
 * libnftnl object each.  Must never touch an object ftpcfg does not manage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <endian.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <libmnl/libmnl.h>
#include <libnftnl/rule.h>

#include "nft_netlink_int.h"

/* nft's datatype ids (src/datatype.h), kept in the set's key type. */
#define NFN_TYPE_IPADDR 7
#define NFN_TYPE_IP6ADDR 8
/* nft's set userdata: the key's byte order, BYTEORDER_BIG_ENDIAN. */
#define NFN_BYTEORDER_BIG 2

/*
 * Start a new element message before its nest could pass the 16-bit
 * attribute length: the largest element (an IPv6 end) takes 44 bytes.
 */
#define NFN_ELEM_NEST_MAX (UINT16_MAX - 64)
#define NFN_ELEM_MSG_ROOM (UINT16_MAX + 1024)

static const char *nfn_hook_what(const struct ir_chain *c)
{
	return c->hook == IR_HOOK_NONE ? "chain" : "base chain";
}

static int nfn_oom(struct diag *d)
{
	return diag(d, NULL, -ENOMEM, "out of memory building the netlink batch");
}

static int nfn_table_msg(struct nft_netlink_batch *b, const struct ruleset *rs, uint16_t type,
			 struct diag *d)
{
	struct nlmsghdr *nlh;

	nlh = nfn_msg_begin(b, type, nfn_family(rs->family),
			    type == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0, NFN_MSG_ROOM, 0,
			    "%s table %s %s", type == NFT_MSG_NEWTABLE ? "add" : "delete",
			    ir_family_name(rs->family), rs->table);
	if (!nlh)
		return nfn_oom(d);
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, rs->table);
	if (type == NFT_MSG_NEWTABLE)
		mnl_attr_put_u32(nlh, NFTA_TABLE_FLAGS, htonl(0));
	nfn_msg_end(b, nlh);
	return 0;
}

static uint32_t nfn_hooknum(enum ir_hook h)
{
	switch (h) {
	case IR_HOOK_PREROUTING:
		return NF_INET_PRE_ROUTING;
	case IR_HOOK_INPUT:
		return NF_INET_LOCAL_IN;
	case IR_HOOK_OUTPUT:
		return NF_INET_LOCAL_OUT;
	case IR_HOOK_NONE:
		break;
	}
	return 0;
}

int nft_netlink_batch_add_chain(struct nft_netlink_batch *b, const struct ruleset *rs,
				const struct ir_chain *c, struct diag *d)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	nlh = nfn_msg_begin(b, NFT_MSG_NEWCHAIN, nfn_family(rs->family), NLM_F_CREATE,
			    NFN_MSG_ROOM, 0, "%s '%s'", nfn_hook_what(c), c->name);
	if (!nlh)
		return nfn_oom(d);
	mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, rs->table);
	mnl_attr_put_strz(nlh, NFTA_CHAIN_NAME, c->name);
	if (c->hook != IR_HOOK_NONE) {
		mnl_attr_put_strz(nlh, NFTA_CHAIN_TYPE, "filter");
		mnl_attr_put_u32(nlh, NFTA_CHAIN_POLICY, htonl(c->policy_drop ? NF_DROP : NF_ACCEPT));
		nest = mnl_attr_nest_start(nlh, NFTA_CHAIN_HOOK);
		mnl_attr_put_u32(nlh, NFTA_HOOK_HOOKNUM, htonl(nfn_hooknum(c->hook)));
		mnl_attr_put_u32(nlh, NFTA_HOOK_PRIORITY, htonl((uint32_t)c->priority));
		mnl_attr_nest_end(nlh, nest);
	}
	nfn_msg_end(b, nlh);
	return 0;
}

static int nfn_chain_rules(struct nft_netlink_batch *b, const struct ruleset *rs,
			   const struct ir_chain *c, struct diag *d)
{
	size_t i;
	int ret;

	for (i = 0; i < c->n_rules; i++) {
		ret = nft_netlink_batch_add_rule(b, rs, c->name, &c->rules[i], 0, d);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int nfn_name_msg(struct nft_netlink_batch *b, const struct ruleset *rs, uint16_t type,
			uint16_t table_attr, uint16_t name_attr, const char *name, unsigned line,
			const char *what, struct diag *d)
{
	struct nlmsghdr *nlh;

	nlh = nfn_msg_begin(b, type, nfn_family(rs->family), 0, NFN_MSG_ROOM, line, "%s", what);
	if (!nlh)
		return nfn_oom(d);
	mnl_attr_put_strz(nlh, table_attr, rs->table);
	if (name)
		mnl_attr_put_strz(nlh, name_attr, name);
	if (type == NFT_MSG_DELOBJ)
		mnl_attr_put_u32(nlh, NFTA_OBJ_TYPE, htonl(NFT_OBJECT_CT_HELPER));
	nfn_msg_end(b, nlh);
	return 0;
}

int nft_netlink_batch_del_chain(struct nft_netlink_batch *b, const struct ruleset *rs,
				const char *name, struct diag *d)
{
	char what[100];

	snprintf(what, sizeof(what), "delete chain '%s'", name);
	return nfn_name_msg(b, rs, NFT_MSG_DELCHAIN, NFTA_CHAIN_TABLE, NFTA_CHAIN_NAME, name, 0,
			    what, d);
}

int nft_netlink_batch_add_helper(struct nft_netlink_batch *b, const struct ruleset *rs,
				 const struct ir_helper *h, struct diag *d)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	nlh = nfn_msg_begin(b, NFT_MSG_NEWOBJ, nfn_family(rs->family), NLM_F_CREATE, NFN_MSG_ROOM,
			    0, "ct helper '%s'", h->name);
	if (!nlh)
		return nfn_oom(d);
	mnl_attr_put_strz(nlh, NFTA_OBJ_TABLE, rs->table);
	mnl_attr_put_strz(nlh, NFTA_OBJ_NAME, h->name);
	mnl_attr_put_u32(nlh, NFTA_OBJ_TYPE, htonl(NFT_OBJECT_CT_HELPER));
	nest = mnl_attr_nest_start(nlh, NFTA_OBJ_DATA);
	mnl_attr_put_strz(nlh, NFTA_CT_HELPER_NAME, h->type);
	mnl_attr_put_u16(nlh, NFTA_CT_HELPER_L3PROTO, htons(nfn_family(h->l3proto)));
	mnl_attr_put_u8(nlh, NFTA_CT_HELPER_L4PROTO, IPPROTO_TCP);
	mnl_attr_nest_end(nlh, nest);
	nfn_msg_end(b, nlh);
	return 0;
}

int nft_netlink_batch_del_helper(struct nft_netlink_batch *b, const struct ruleset *rs,
				 const char *name, struct diag *d)
{
	char what[100];

	snprintf(what, sizeof(what), "delete ct helper '%s'", name);
	return nfn_name_msg(b, rs, NFT_MSG_DELOBJ, NFTA_OBJ_TABLE, NFTA_OBJ_NAME, name, 0, what, d);
}

int nft_netlink_batch_del_set(struct nft_netlink_batch *b, const struct ruleset *rs,
			      const char *name, unsigned line, struct diag *d)
{
	char what[100];

	snprintf(what, sizeof(what), "delete set '%s'", name);
	return nfn_name_msg(b, rs, NFT_MSG_DELSET, NFTA_SET_TABLE, NFTA_SET_NAME, name, line, what,
			    d);
}

/* ---- sets and elements --------------------------------------------------- */

/* One element list being written: the open message and its nest. */
struct nfn_elems {
	struct nft_netlink_batch *b;
	const struct ruleset *rs;
	const char *set;
	uint32_t set_id;
	unsigned line;
	uint16_t type;		/* NFT_MSG_NEWSETELEM or NFT_MSG_DELSETELEM */
	struct nlmsghdr *nlh;
	struct nlattr *list;
	unsigned idx;		/* nft numbers the element nests 1, 2, ... */
};

static void nfn_elems_close(struct nfn_elems *e)
{
	if (!e->nlh)
		return;
	mnl_attr_nest_end(e->nlh, e->list);
	nfn_msg_end(e->b, e->nlh);
	e->nlh = NULL;
}

static int nfn_elem_put(struct nfn_elems *e, const uint8_t *key, size_t len, bool end)
{
	struct nlattr *elem;
	struct nlattr *k;

	if (e->nlh && (size_t)((char *)mnl_nlmsg_get_payload_tail(e->nlh) - (char *)e->list) >
			      NFN_ELEM_NEST_MAX)
		nfn_elems_close(e);
	if (!e->nlh) {
		e->nlh = nfn_msg_begin(e->b, e->type, nfn_family(e->rs->family),
				       e->type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0,
				       NFN_ELEM_MSG_ROOM, e->line, "%s elements of set '%s'",
				       e->type == NFT_MSG_NEWSETELEM ? "add" : "delete", e->set);
		if (!e->nlh)
			return -ENOMEM;
		mnl_attr_put_strz(e->nlh, NFTA_SET_ELEM_LIST_TABLE, e->rs->table);
		mnl_attr_put_strz(e->nlh, NFTA_SET_ELEM_LIST_SET, e->set);
		if (e->set_id)
			mnl_attr_put_u32(e->nlh, NFTA_SET_ELEM_LIST_SET_ID, htonl(e->set_id));
		e->list = mnl_attr_nest_start(e->nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
		e->idx = 0;
	}
	elem = mnl_attr_nest_start(e->nlh, (uint16_t)++e->idx);
	if (end)
		mnl_attr_put_u32(e->nlh, NFTA_SET_ELEM_FLAGS, htonl(NFT_SET_ELEM_INTERVAL_END));
	k = mnl_attr_nest_start(e->nlh, NFTA_SET_ELEM_KEY);
	mnl_attr_put(e->nlh, NFTA_DATA_VALUE, len, key);
	mnl_attr_nest_end(e->nlh, k);
	mnl_attr_nest_end(e->nlh, elem);
	return 0;
}

static bool nfn_is_zero(const uint8_t *k, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (k[i])
			return false;
	return true;
}

/* @out = @k + 1 as a big-endian number; false when @k is all ones. */
static bool nfn_succ(const uint8_t *k, size_t len, uint8_t *out)
{
	size_t i = len;

	memcpy(out, k, len);
	while (i-- > 0)
		if (++out[i] != 0)
			return true;
	return false;
}

/* The start and end elements of one range. */
static int nfn_range_put(struct nfn_elems *e, const struct ir_range *r, size_t kl)
{
	uint8_t next[16];
	int ret;

	ret = nfn_elem_put(e, r->lo, kl, false);
	if (ret == 0 && nfn_succ(r->hi, kl, next))
		ret = nfn_elem_put(e, next, kl, true);
	return ret;
}

/* Ranges sorted, disjoint, not adjacent, lo <= hi: what ir_set_normalize() makes. */
static bool nfn_ranges_ok(const struct ir_range *r, size_t n, size_t kl)
{
	uint8_t next[16];
	size_t i;

	for (i = 0; i < n; i++) {
		if (memcmp(r[i].lo, r[i].hi, kl) > 0)
			return false;
		if (i + 1 < n && (!nfn_succ(r[i].hi, kl, next) || memcmp(next, r[i + 1].lo, kl) >= 0))
			return false;
	}
	return true;
}

static int nfn_set_check(const struct ir_set *s, size_t kl, struct diag *d)
{
	struct srcloc loc = { .line = s->line };

	if (!kl)
		return diag(d, s->line ? &loc : NULL, -EINVAL, "set '%s' has no address family",
			    s->name);
	if (!nfn_ranges_ok(s->elems, s->n_elems, kl))
		return diag(d, s->line ? &loc : NULL, -EINVAL,
			    "set '%s' is not normalized; call ir_set_normalize() first", s->name);
	if (!(s->flags & IR_SET_INTERVAL)) {
		size_t i;

		for (i = 0; i < s->n_elems; i++)
			if (memcmp(s->elems[i].lo, s->elems[i].hi, kl) != 0)
				return diag(d, s->line ? &loc : NULL, -EINVAL,
					    "set '%s' holds a range but has no interval flag",
					    s->name);
	}
	return 0;
}

static int nfn_elems_all(struct nfn_elems *e, const struct ir_set *s, size_t kl)
{
	static const uint8_t zero[16];
	size_t i;
	int ret = 0;

	/* nft starts an interval set with an end at 0 unless a range starts there. */
	if ((s->flags & IR_SET_INTERVAL) && s->n_elems && !nfn_is_zero(s->elems[0].lo, kl))
		ret = nfn_elem_put(e, zero, kl, true);
	for (i = 0; ret == 0 && i < s->n_elems; i++) {
		if (s->flags & IR_SET_INTERVAL)
			ret = nfn_range_put(e, &s->elems[i], kl);
		else
			ret = nfn_elem_put(e, s->elems[i].lo, kl, false);
	}
	nfn_elems_close(e);
	return ret;
}

int nft_netlink_batch_add_set(struct nft_netlink_batch *b, const struct ruleset *rs,
			      const struct ir_set *s, struct diag *d)
{
	size_t kl = ir_addr_len(s->addr_family);
	struct nfn_elems e = { .b = b, .rs = rs, .set = s->name, .line = s->line,
			       .type = NFT_MSG_NEWSETELEM };
	uint8_t ud[12];
	size_t n_ud = 0;
	uint32_t flags = 0;
	uint32_t v;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	int ret;

	ret = nfn_set_check(s, kl, d);
	if (ret < 0)
		return ret;
	if (s->flags & IR_SET_INTERVAL)
		flags |= NFT_SET_INTERVAL;
	if (s->flags & IR_SET_DYNAMIC)
		flags |= NFT_SET_EVAL;
	e.set_id = b->next_set_id++;
	if (nfn_set_id_add(b, s->name, e.set_id) < 0)
		return nfn_oom(d);
	nlh = nfn_msg_begin(b, NFT_MSG_NEWSET, nfn_family(rs->family), NLM_F_CREATE, NFN_MSG_ROOM,
			    s->line, "set '%s'", s->name);
	if (!nlh)
		return nfn_oom(d);
	mnl_attr_put_strz(nlh, NFTA_SET_TABLE, rs->table);
	mnl_attr_put_strz(nlh, NFTA_SET_NAME, s->name);
	mnl_attr_put_u32(nlh, NFTA_SET_FLAGS, htonl(flags));
	mnl_attr_put_u32(nlh, NFTA_SET_KEY_TYPE,
			 htonl(kl == 4 ? NFN_TYPE_IPADDR : NFN_TYPE_IP6ADDR));
	mnl_attr_put_u32(nlh, NFTA_SET_KEY_LEN, htonl((uint32_t)kl));
	mnl_attr_put_u32(nlh, NFTA_SET_ID, htonl(e.set_id));
	if (s->size) {
		nest = mnl_attr_nest_start(nlh, NFTA_SET_DESC);
		mnl_attr_put_u32(nlh, NFTA_SET_DESC_SIZE, htonl(s->size));
		mnl_attr_nest_end(nlh, nest);
	}
	/* nft's TLVs: type, length, value in host order (libnftnl udata.h). */
	v = NFN_BYTEORDER_BIG;
	ud[n_ud++] = 0;	/* NFTNL_UDATA_SET_KEYBYTEORDER */
	ud[n_ud++] = 4;
	memcpy(ud + n_ud, &v, 4);
	n_ud += 4;
	if (s->flags & IR_SET_AUTO_MERGE) {
		v = 1;
		ud[n_ud++] = 2;	/* NFTNL_UDATA_SET_MERGE_ELEMENTS */
		ud[n_ud++] = 4;
		memcpy(ud + n_ud, &v, 4);
		n_ud += 4;
	}
	mnl_attr_put(nlh, NFTA_SET_USERDATA, n_ud, ud);
	nfn_msg_end(b, nlh);
	if (!s->n_elems)
		return 0;
	if (nfn_elems_all(&e, s, kl) < 0)
		return nfn_oom(d);
	return 0;
}

int nft_netlink_batch_update_elems(struct nft_netlink_batch *b, const struct ruleset *rs,
				   const struct ir_set *want, const struct ir_range *old,
				   size_t n_old, struct diag *d)
{
	static const uint8_t zero[16];
	size_t kl = ir_addr_len(want->addr_family);
	struct nfn_elems e = { .b = b, .rs = rs, .set = want->name, .line = want->line,
			       .set_id = nfn_set_id_find(b, want->name) };
	const struct ir_range *nw = want->elems;
	size_t n_new = want->n_elems;
	bool zero_old = n_old && !nfn_is_zero(old[0].lo, kl);
	bool zero_new = n_new && !nfn_is_zero(nw[0].lo, kl);
	bool interval = want->flags & IR_SET_INTERVAL;
	size_t i;
	size_t j;
	int pass;
	int ret;

	ret = nfn_set_check(want, kl, d);
	if (ret < 0)
		return ret;
	if (!nfn_ranges_ok(old, n_old, kl))
		return diag(d, NULL, -EINVAL, "live set '%s' is not normalized", want->name);
	/* Pass 0 deletes what only @old has, pass 1 adds what only @want has. */
	for (pass = 0; pass < 2; pass++) {
		e.type = pass ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM;
		if (interval && (pass ? zero_new && !zero_old : zero_old && !zero_new))
			ret = nfn_elem_put(&e, zero, kl, true);
		for (i = j = 0; ret == 0 && (i < n_old || j < n_new);) {
			int c;

			if (i == n_old)
				c = 1;
			else if (j == n_new)
				c = -1;
			else
				c = memcmp(old[i].lo, nw[j].lo, kl);
			if (c == 0 && memcmp(old[i].hi, nw[j].hi, kl) == 0) {
				i++;
				j++;
				continue;
			}
			/* Different ranges: the lower start goes first; equal starts both go. */
			if (c <= 0) {
				if (pass == 0)
					ret = interval ? nfn_range_put(&e, &old[i], kl) :
							 nfn_elem_put(&e, old[i].lo, kl, false);
				i++;
			}
			if (c >= 0 && ret == 0) {
				if (pass == 1)
					ret = interval ? nfn_range_put(&e, &nw[j], kl) :
							 nfn_elem_put(&e, nw[j].lo, kl, false);
				j++;
			}
		}
		nfn_elems_close(&e);
		if (ret < 0)
			return nfn_oom(d);
	}
	return 0;
}

/* ---- rules --------------------------------------------------------------- */

static int nfn_rule_msg(struct nft_netlink_batch *b, const struct ruleset *rs, const char *chain,
			const struct ir_rule *r, uint16_t flags, uint64_t after, struct diag *d)
{
	struct nftnl_rule *nr = nftnl_rule_alloc();
	struct nlmsghdr *nlh;
	int ret;

	if (!nr)
		return nfn_oom(d);
	nftnl_rule_set_str(nr, NFTNL_RULE_TABLE, rs->table);
	nftnl_rule_set_str(nr, NFTNL_RULE_CHAIN, chain);
	if (after)
		nftnl_rule_set_u64(nr, NFTNL_RULE_POSITION, after);
	ret = nfn_rule_encode(b, rs, chain, r, nr, d);
	if (ret < 0)
		goto out;
	nlh = nfn_msg_begin(b, NFT_MSG_NEWRULE, nfn_family(rs->family), NLM_F_CREATE | flags,
			    NFN_MSG_ROOM, r->line, "rule in chain '%s'%s%s%s", chain,
			    r->comment ? " (" : "", r->comment ? r->comment : "",
			    r->comment ? ")" : "");
	if (!nlh) {
		ret = nfn_oom(d);
		goto out;
	}
	nftnl_rule_nlmsg_build_payload(nlh, nr);
	nfn_msg_end(b, nlh);
	ret = 0;
out:
	nftnl_rule_free(nr);
	return ret;
}

int nft_netlink_batch_add_rule(struct nft_netlink_batch *b, const struct ruleset *rs,
			       const char *chain, const struct ir_rule *r, uint64_t after,
			       struct diag *d)
{
	return nfn_rule_msg(b, rs, chain, r, NLM_F_APPEND, after, d);
}

int nft_netlink_batch_insert_rule(struct nft_netlink_batch *b, const struct ruleset *rs,
				  const char *chain, const struct ir_rule *r, struct diag *d)
{
	/* No NLM_F_APPEND and no position: the rule goes first in the chain. */
	return nfn_rule_msg(b, rs, chain, r, 0, 0, d);
}

int nft_netlink_batch_del_rule(struct nft_netlink_batch *b, const struct ruleset *rs,
			       const char *chain, uint64_t handle, unsigned line, struct diag *d)
{
	struct nlmsghdr *nlh;

	nlh = nfn_msg_begin(b, NFT_MSG_DELRULE, nfn_family(rs->family), 0, NFN_MSG_ROOM, line,
			    "delete rule %llu in chain '%s'", (unsigned long long)handle, chain);
	if (!nlh)
		return nfn_oom(d);
	mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, rs->table);
	mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, chain);
	/* Handle 0: no handle, which flushes the chain. */
	if (handle)
		mnl_attr_put_u64(nlh, NFTA_RULE_HANDLE, htobe64(handle));
	nfn_msg_end(b, nlh);
	return 0;
}

/* ---- the whole replace --------------------------------------------------- */

static int nfn_add_all(struct nft_netlink_batch *b, const struct ruleset *rs, struct diag *d)
{
	size_t i;
	int ret = 0;

	/* nft's order for a table block: chains, objects, sets, then rules. */
	for (i = 0; ret == 0 && i < rs->n_chains; i++)
		ret = nft_netlink_batch_add_chain(b, rs, &rs->chains[i], d);
	for (i = 0; ret == 0 && i < rs->n_helpers; i++)
		ret = nft_netlink_batch_add_helper(b, rs, &rs->helpers[i], d);
	for (i = 0; ret == 0 && i < rs->n_sets; i++)
		ret = nft_netlink_batch_add_set(b, rs, &rs->sets[i], d);
	for (i = 0; ret == 0 && i < rs->n_chains; i++)
		ret = nfn_chain_rules(b, rs, &rs->chains[i], d);
	return ret;
}

/* Delete what @live says ftpcfg has in a foreign table: rules first (they hold references). */
static int nfn_delete_attached(struct nft_netlink_batch *b, const struct ruleset *rs,
			       const char *attach_chain, const struct nft_netlink_live *live,
			       struct diag *d)
{
	const struct ruleset *old = live ? live->rs : NULL;
	size_t i;
	int ret = 0;

	for (i = 0; live && attach_chain && ret == 0 && i < live->n_jump_handles; i++)
		ret = nft_netlink_batch_del_rule(b, rs, attach_chain, live->jump_handles[i], 0, d);
	for (i = 0; old && ret == 0 && i < old->n_chains; i++)
		ret = nft_netlink_batch_del_rule(b, rs, old->chains[i].name, 0, 0, d);
	for (i = 0; old && ret == 0 && i < old->n_chains; i++)
		ret = nft_netlink_batch_del_chain(b, rs, old->chains[i].name, d);
	for (i = 0; old && ret == 0 && i < old->n_sets; i++)
		ret = nft_netlink_batch_del_set(b, rs, old->sets[i].name, 0, d);
	for (i = 0; old && ret == 0 && i < old->n_helpers; i++)
		ret = nft_netlink_batch_del_helper(b, rs, old->helpers[i].name, d);
	return ret;
}

static int nfn_replace_attach(struct nft_netlink_batch *b, const struct ruleset *want,
			      const struct nft_netlink_live *live, struct diag *d)
{
	struct ir_rule jump = { .verdict = IR_VERDICT_JUMP, .target = want->jump_chain };
	int ret;

	if (!want->attach_chain || !want->jump_chain)
		return diag(d, NULL, -EINVAL, "attach mode needs a base chain and a chain to jump to");
	ret = nfn_delete_attached(b, want, want->attach_chain, live, d);
	if (ret == 0)
		ret = nfn_add_all(b, want, d);
	if (ret == 0)
		ret = nft_netlink_batch_insert_rule(b, want, want->attach_chain, &jump, d);
	return ret;
}

int nft_netlink_batch_delete(struct nft_netlink_batch *b, const struct nft_netlink_live *live,
			     struct diag *d)
{
	const struct ruleset *rs = live ? live->rs : NULL;

	if (!rs)
		return 0;
	if (!rs->attach)
		return nfn_table_msg(b, rs, NFT_MSG_DELTABLE, d);
	return nfn_delete_attached(b, rs, rs->attach_chain, live, d);
}

int nft_netlink_batch_replace(struct nft_netlink_batch *b, const struct ruleset *want,
			      const struct nft_netlink_live *live, struct diag *d)
{
	int ret;

	if (want->attach)
		return nfn_replace_attach(b, want, live, d);
	/* add + delete + add: replaces the table whether or not it exists. */
	ret = nfn_table_msg(b, want, NFT_MSG_NEWTABLE, d);
	if (ret == 0)
		ret = nfn_table_msg(b, want, NFT_MSG_DELTABLE, d);
	if (ret == 0)
		ret = nfn_table_msg(b, want, NFT_MSG_NEWTABLE, d);
	if (ret == 0)
		ret = nfn_add_all(b, want, d);
	return ret;
}
