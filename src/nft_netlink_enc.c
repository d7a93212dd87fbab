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

static const char *nfn_hook_what(const struct ir_chain *c)
{
	return c->hook == IR_HOOK_NONE ? "chain" : "base chain";
}

int nfn_oom(struct diag *d)
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

	snprintf(what, sizeof(what), "delete chain '%.80s'", name);
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

	snprintf(what, sizeof(what), "delete set '%.80s'", name);
	return nfn_name_msg(b, rs, NFT_MSG_DELSET, NFTA_SET_TABLE, NFTA_SET_NAME, name, line, what,
			    d);
}

/* ---- rules --------------------------------------------------------------- */

static int nfn_rule_msg(struct nft_netlink_batch *b, const struct ruleset *rs, const char *chain,
			const struct ir_rule *r, uint16_t flags, uint64_t after, struct diag *d)
{
	struct nftnl_rule *nr = nftnl_rule_alloc();
	struct nlmsghdr *nlh;
	int ret;

	/*
	 * Someone else's rule (a journaled ruleset put back): ftpcfg knows
	 * only how nft printed it, and writes nothing rather than a guess.
	 */
	if (r->verdict == IR_VERDICT_FOREIGN) {
		nftnl_rule_free(nr);
		return 0;
	}
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

/* ---- the chains of sharded sets ------------------------------------------ */

struct nfn_shard_walk {
	struct nft_netlink_batch *b;
	const struct ruleset *rs;
	struct diag *d;
	int (*fn)(struct nfn_shard_walk *w, const struct ir_set *s, bool src, unsigned k,
		  const char *chain);
};

/* Call w->fn for every chain a sharded set's maps jump to: source maps first, in shard order. */
static int nfn_shard_chains(struct nfn_shard_walk *w)
{
	const struct ruleset *rs = w->rs;
	char chain[NFN_NAME_MAX];
	int ret = 0;

	for (size_t i = 0; rs && ret == 0 && i < rs->n_sets; i++) {
		const struct ir_set *s = &rs->sets[i];

		if (!(s->flags & IR_SET_SHARDED))
			continue;
		for (int src = 1; src >= 0 && ret == 0; src--) {
			if (!ir_set_matched(rs, s->name, src ? IR_MATCH_SADDR_SET : IR_MATCH_DADDR_SET))
				continue;
			for (unsigned k = 0; ret == 0 && k < IR_SHARDS; k++) {
				if (ir_shard_name(rs, s->name, src ? IR_SHARD_SRC_CHAIN :
						  IR_SHARD_DST_CHAIN, k, chain, sizeof(chain)) < 0)
					return diag(w->d, NULL, -EINVAL,
						    "set name '%s' is too long to shard", s->name);
				ret = w->fn(w, s, src, k, chain);
			}
		}
	}
	return ret;
}

static int nfn_shard_chain_add(struct nfn_shard_walk *w, const struct ir_set *s, bool src,
			       unsigned k, const char *chain)
{
	struct ir_chain c = { .name = (char *)chain, .hook = IR_HOOK_NONE };

	(void)s;
	(void)src;
	(void)k;
	return nft_netlink_batch_add_chain(w->b, w->rs, &c, w->d);
}

/* A shard chain's one rule: `ip saddr @NAME_kk accept` (daddr for a destination map). */
static int nfn_shard_rule_add(struct nfn_shard_walk *w, const struct ir_set *s, bool src,
			      unsigned k, const char *chain)
{
	char shard[NFN_NAME_MAX];
	struct ir_rule r = { .n_matches = 1, .verdict = IR_VERDICT_ACCEPT, .line = s->line,
			     .ct_mark_or = w->rs->mark };

	if (ir_shard_name(w->rs, s->name, IR_SHARD_SET, k, shard, sizeof(shard)) < 0)
		return diag(w->d, NULL, -EINVAL, "set name '%s' is too long to shard", s->name);
	r.matches[0].kind = src ? IR_MATCH_SADDR_SET : IR_MATCH_DADDR_SET;
	r.matches[0].addr_family = s->addr_family;
	r.matches[0].set = shard;
	return nft_netlink_batch_add_rule(w->b, w->rs, chain, &r, 0, w->d);
}

static int nfn_shard_chain_flush(struct nfn_shard_walk *w, const struct ir_set *s, bool src,
				 unsigned k, const char *chain)
{
	(void)s;
	(void)src;
	(void)k;
	return nft_netlink_batch_del_rule(w->b, w->rs, chain, 0, 0, w->d);
}

static int nfn_shard_chain_del(struct nfn_shard_walk *w, const struct ir_set *s, bool src,
			       unsigned k, const char *chain)
{
	(void)s;
	(void)src;
	(void)k;
	return nft_netlink_batch_del_chain(w->b, w->rs, chain, w->d);
}

/* Delete set @s as it is in the kernel: a sharded one is its maps and shard sets. */
static int nfn_del_set_all(struct nft_netlink_batch *b, const struct ruleset *rs,
			   const struct ir_set *s, struct diag *d)
{
	char name[NFN_NAME_MAX];
	int ret = 0;

	if (!(s->flags & IR_SET_SHARDED))
		return nft_netlink_batch_del_set(b, rs, s->name, 0, d);
	if (ir_set_matched(rs, s->name, IR_MATCH_SADDR_SET))
		ret = nft_netlink_batch_del_set(b, rs, s->name, 0, d);
	if (ret == 0 && ir_set_matched(rs, s->name, IR_MATCH_DADDR_SET)) {
		if (ir_shard_name(rs, s->name, IR_SHARD_DST_MAP, 0, name, sizeof(name)) < 0)
			return diag(d, NULL, -EINVAL, "set name '%s' is too long to shard", s->name);
		ret = nft_netlink_batch_del_set(b, rs, name, 0, d);
	}
	for (unsigned k = 0; ret == 0 && k < IR_SHARDS; k++) {
		if (ir_shard_name(rs, s->name, IR_SHARD_SET, k, name, sizeof(name)) < 0)
			return diag(d, NULL, -EINVAL, "set name '%s' is too long to shard", s->name);
		ret = nft_netlink_batch_del_set(b, rs, name, 0, d);
	}
	return ret;
}

/* ---- the whole replace --------------------------------------------------- */

static int nfn_add_all(struct nft_netlink_batch *b, const struct ruleset *rs, struct diag *d)
{
	struct nfn_shard_walk w = { .b = b, .rs = rs, .d = d, .fn = nfn_shard_chain_add };
	size_t i;
	int ret = 0;

	/*
	 * nft's order for a table block: chains, objects, sets, then rules.
	 * The chains of sharded sets come after ours, as nft_text prints them.
	 */
	for (i = 0; ret == 0 && i < rs->n_chains; i++)
		ret = nft_netlink_batch_add_chain(b, rs, &rs->chains[i], d);
	if (ret == 0)
		ret = nfn_shard_chains(&w);
	for (i = 0; ret == 0 && i < rs->n_helpers; i++)
		ret = nft_netlink_batch_add_helper(b, rs, &rs->helpers[i], d);
	for (i = 0; ret == 0 && i < rs->n_sets; i++)
		ret = nft_netlink_batch_add_set(b, rs, &rs->sets[i], d);
	for (i = 0; ret == 0 && i < rs->n_chains; i++)
		ret = nfn_chain_rules(b, rs, &rs->chains[i], d);
	w.fn = nfn_shard_rule_add;
	if (ret == 0)
		ret = nfn_shard_chains(&w);
	return ret;
}

/*
 * Delete what @live says ftpcfg has in a foreign table: rules first (they
 * hold references to sets), then sets (a verdict map holds references to
 * the chains it jumps to), then chains and helpers.
 */
static int nfn_delete_attached(struct nft_netlink_batch *b, const struct ruleset *rs,
			       const char *attach_chain, const struct nft_netlink_live *live,
			       struct diag *d)
{
	const struct ruleset *old = live ? live->rs : NULL;
	struct nfn_shard_walk w = { .b = b, .rs = old, .d = d, .fn = nfn_shard_chain_flush };
	size_t i;
	int ret = 0;

	for (i = 0; live && attach_chain && ret == 0 && i < live->n_jump_handles; i++)
		ret = nft_netlink_batch_del_rule(b, rs, attach_chain, live->jump_handles[i], 0, d);
	for (i = 0; old && ret == 0 && i < old->n_chains; i++)
		ret = nft_netlink_batch_del_rule(b, rs, old->chains[i].name, 0, 0, d);
	if (ret == 0)
		ret = nfn_shard_chains(&w);
	for (i = 0; old && ret == 0 && i < old->n_sets; i++)
		ret = nfn_del_set_all(b, old, &old->sets[i], d);
	for (i = 0; old && ret == 0 && i < old->n_chains; i++)
		ret = nft_netlink_batch_del_chain(b, rs, old->chains[i].name, d);
	w.fn = nfn_shard_chain_del;
	if (ret == 0)
		ret = nfn_shard_chains(&w);
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
