/*
 * nft_netlink_rule: one IR rule to the expressions nft 1.0.6 generates for
 * its text, and back.  Decoding accepts only those exact shapes; anything
 * else becomes a rule that can never equal one ruleset_build() makes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <libmnl/libmnl.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>

#include "nft_netlink_int.h"

/* nft's datatype id of inet_service, the key type of a port set. */
#define NFN_TYPE_INET_SERVICE 13
/* nft's comments are capped at NFTNL_UDATA_COMMENT_MAXLEN (128) bytes. */
#define NFN_COMMENT_MAX 128
#define NFN_MAX_EXPRS 32

/* ---- encoding ------------------------------------------------------------ */

struct nfn_enc {
	struct nftnl_rule *nr;
	int nfproto;		/* AF_INET/AF_INET6 once the rule has matched it, else 0 */
	bool tcp;		/* meta l4proto tcp matched */
	bool inet;		/* the table is inet: address matches need nfproto */
	int table_af;		/* ip/ip6 tables: their family */
};

static int nfn_add(struct nfn_enc *c, struct nftnl_expr *e)
{
	if (!e)
		return -ENOMEM;
	nftnl_rule_add_expr(c->nr, e);
	return 0;
}

static int nfn_meta_cmp(struct nfn_enc *c, uint32_t key, uint8_t value)
{
	struct nftnl_expr *m = nftnl_expr_alloc("meta");
	struct nftnl_expr *k;

	if (!m)
		return -ENOMEM;
	nftnl_expr_set_u32(m, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(m, NFTNL_EXPR_META_DREG, NFT_REG_1);
	nftnl_rule_add_expr(c->nr, m);
	k = nftnl_expr_alloc("cmp");
	if (!k)
		return -ENOMEM;
	nftnl_expr_set_u32(k, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(k, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
	nftnl_expr_set(k, NFTNL_EXPR_CMP_DATA, &value, 1);
	return nfn_add(c, k);
}

static int nfn_cmp(struct nfn_enc *c, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *k = nftnl_expr_alloc("cmp");

	if (!k)
		return -ENOMEM;
	nftnl_expr_set_u32(k, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(k, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(k, NFTNL_EXPR_CMP_DATA, data, len);
	return nfn_add(c, k);
}

static int nfn_payload(struct nfn_enc *c, uint32_t base, uint32_t offset, uint32_t len)
{
	struct nftnl_expr *p = nftnl_expr_alloc("payload");

	if (!p)
		return -ENOMEM;
	nftnl_expr_set_u32(p, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	nftnl_expr_set_u32(p, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(p, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
	nftnl_expr_set_u32(p, NFTNL_EXPR_PAYLOAD_LEN, len);
	return nfn_add(c, p);
}

static int nfn_tcp_port(struct nfn_enc *c, uint32_t offset)
{
	int ret = 0;

	if (!c->tcp)
		ret = nfn_meta_cmp(c, NFT_META_L4PROTO, IPPROTO_TCP);
	c->tcp = true;
	return ret ? ret : nfn_payload(c, NFT_PAYLOAD_TRANSPORT_HEADER, offset, 2);
}

/* The network-header load of @af's source (@src) or destination address. */
static int nfn_addr(struct nfn_enc *c, int af, bool src)
{
	int ret = 0;

	if (af != AF_INET && af != AF_INET6)
		return -EINVAL;
	if (!c->inet && af != c->table_af)
		return -EINVAL;
	if (c->inet && c->nfproto != af)
		ret = nfn_meta_cmp(c, NFT_META_NFPROTO, af == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6);
	c->nfproto = af;
	if (ret)
		return ret;
	if (af == AF_INET)
		return nfn_payload(c, NFT_PAYLOAD_NETWORK_HEADER, src ? 12 : 16, 4);
	return nfn_payload(c, NFT_PAYLOAD_NETWORK_HEADER, src ? 8 : 24, 16);
}

static int nfn_lookup(struct nfn_enc *c, const char *set, uint32_t id)
{
	struct nftnl_expr *l = nftnl_expr_alloc("lookup");

	if (!l)
		return -ENOMEM;
	nftnl_expr_set_u32(l, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(l, NFTNL_EXPR_LOOKUP_SET, set);
	if (id)
		nftnl_expr_set_u32(l, NFTNL_EXPR_LOOKUP_SET_ID, id);
	return nfn_add(c, l);
}

static struct nftnl_expr *nfn_connlimit(uint32_t count)
{
	struct nftnl_expr *e = nftnl_expr_alloc("connlimit");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CONNLIMIT_COUNT, count);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CONNLIMIT_FLAGS, NFT_CONNLIMIT_F_INV);
	}
	return e;
}

/* `tcp sport { a, b, c }`: an anonymous constant set, added to the batch first. */
static int nfn_port_set(struct nft_netlink_batch *b, const struct ruleset *rs,
			const struct ir_match *m, unsigned line, uint32_t *id)
{
	/*
	 * nft's userdata for it: key byte order big endian, then the key's
	 * typeof (a payload expression: tcp, sport) as nft 1.0.6 writes it.
	 */
	static const uint8_t ud[] = { 0, 4, 2, 0, 0, 0, 3, 20, 0, 4, 7, 0, 0, 0,
				      1, 12, 0, 4, 8, 0, 0, 0, 1, 4, 1, 0, 0, 0 };
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct nlattr *list;
	struct nlattr *el;
	struct nlattr *k;
	size_t i;

	*id = b->next_set_id++;
	nlh = nfn_msg_begin(b, NFT_MSG_NEWSET, nfn_family(rs->family), NLM_F_CREATE, NFN_MSG_ROOM,
			    line, "anonymous port set");
	if (!nlh)
		return -ENOMEM;
	mnl_attr_put_strz(nlh, NFTA_SET_TABLE, rs->table);
	mnl_attr_put_strz(nlh, NFTA_SET_NAME, "__set%d");
	mnl_attr_put_u32(nlh, NFTA_SET_FLAGS, htonl(NFT_SET_ANONYMOUS | NFT_SET_CONSTANT));
	mnl_attr_put_u32(nlh, NFTA_SET_KEY_TYPE, htonl(NFN_TYPE_INET_SERVICE));
	mnl_attr_put_u32(nlh, NFTA_SET_KEY_LEN, htonl(2));
	mnl_attr_put_u32(nlh, NFTA_SET_ID, htonl(*id));
	nest = mnl_attr_nest_start(nlh, NFTA_SET_DESC);
	mnl_attr_put_u32(nlh, NFTA_SET_DESC_SIZE, htonl((uint32_t)m->n_ports));
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put(nlh, NFTA_SET_USERDATA, sizeof(ud), ud);
	nfn_msg_end(b, nlh);

	nlh = nfn_msg_begin(b, NFT_MSG_NEWSETELEM, nfn_family(rs->family), NLM_F_CREATE,
			    NFN_MSG_ROOM, line, "elements of an anonymous port set");
	if (!nlh)
		return -ENOMEM;
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, rs->table);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, "__set%d");
	mnl_attr_put_u32(nlh, NFTA_SET_ELEM_LIST_SET_ID, htonl(*id));
	list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	for (i = 0; i < m->n_ports; i++) {
		uint16_t port = htons(m->ports[i]);

		el = mnl_attr_nest_start(nlh, (uint16_t)(i + 1));
		k = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY);
		mnl_attr_put(nlh, NFTA_DATA_VALUE, 2, &port);
		mnl_attr_nest_end(nlh, k);
		mnl_attr_nest_end(nlh, el);
	}
	mnl_attr_nest_end(nlh, list);
	nfn_msg_end(b, nlh);
	return 0;
}

static int nfn_match(struct nft_netlink_batch *b, const struct ruleset *rs, struct nfn_enc *c,
		     const struct ir_match *m, unsigned line)
{
	uint16_t lo = htons(m->port_lo);
	uint16_t hi = htons(m->port_hi);
	struct nftnl_expr *e;
	uint32_t zero = 0;
	uint32_t id;
	int ret;

	switch (m->kind) {
	case IR_MATCH_TCP_DPORT:
	case IR_MATCH_TCP_SPORT:
		ret = nfn_tcp_port(c, m->kind == IR_MATCH_TCP_DPORT ? 2 : 0);
		if (ret == 0 && m->port_lo == m->port_hi)
			return nfn_cmp(c, NFT_CMP_EQ, &lo, 2);
		if (ret == 0)
			ret = nfn_cmp(c, NFT_CMP_GTE, &lo, 2);
		return ret ? ret : nfn_cmp(c, NFT_CMP_LTE, &hi, 2);
	case IR_MATCH_TCP_SPORT_LIST:
		if (m->n_ports == 0 || m->n_ports > IR_MAX_PORTS)
			return -EINVAL;
		ret = nfn_tcp_port(c, 0);
		if (ret == 0 && m->n_ports == 1) {
			/* nft turns a one-element set into a comparison. */
			lo = htons(m->ports[0]);
			return nfn_cmp(c, NFT_CMP_EQ, &lo, 2);
		}
		if (ret == 0)
			ret = nfn_port_set(b, rs, m, line, &id);
		return ret ? ret : nfn_lookup(c, "__set%d", id);
	case IR_MATCH_DADDR:
		ret = nfn_addr(c, m->addr.family, false);
		return ret ? ret : nfn_cmp(c, NFT_CMP_EQ, m->addr.bytes,
					   (uint32_t)ir_addr_len(m->addr.family));
	case IR_MATCH_SADDR_SET:
	case IR_MATCH_DADDR_SET:
		if (!m->set)
			return -EINVAL;
		ret = nfn_addr(c, m->addr_family, m->kind == IR_MATCH_SADDR_SET);
		return ret ? ret : nfn_lookup(c, m->set, nfn_set_id_find(b, m->set));
	case IR_MATCH_CT_STATE:
		e = nftnl_expr_alloc("ct");
		if (!e)
			return -ENOMEM;
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
		nftnl_rule_add_expr(c->nr, e);
		e = nftnl_expr_alloc("bitwise");
		if (!e)
			return -ENOMEM;
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 4);
		/* ct state is in host byte order. */
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &m->ct_state, 4);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, 4);
		nftnl_rule_add_expr(c->nr, e);
		return nfn_cmp(c, NFT_CMP_NEQ, &zero, 4);
	case IR_MATCH_CT_COUNT:
		return nfn_add(c, nfn_connlimit(m->count));
	case IR_MATCH_CT_COUNT_PER_SADDR:
		if (!m->set)
			return -EINVAL;
		ret = nfn_addr(c, m->addr_family, true);
		if (ret)
			return ret;
		e = nftnl_expr_alloc("dynset");
		if (!e)
			return -ENOMEM;
		nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_KEY, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_OP, NFT_DYNSET_OP_ADD);
		nftnl_expr_set_str(e, NFTNL_EXPR_DYNSET_SET_NAME, m->set);
		id = nfn_set_id_find(b, m->set);
		if (id)
			nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SET_ID, id);
		nftnl_rule_add_expr(c->nr, e);
		{
			struct nftnl_expr *cl = nfn_connlimit(m->count);

			if (!cl)
				return -ENOMEM;
			nftnl_expr_set(e, NFTNL_EXPR_DYNSET_EXPR, cl, 0);
		}
		return 0;
	}
	return -EINVAL;
}

/* The set match a rule on a sharded set of @rs ends with, or NULL. */
static const struct ir_set *nfn_sharded_match(const struct ruleset *rs, const struct ir_rule *r)
{
	const struct ir_match *m = r->n_matches ? &r->matches[r->n_matches - 1] : NULL;
	const struct ir_set *set;

	if (!m || (m->kind != IR_MATCH_SADDR_SET && m->kind != IR_MATCH_DADDR_SET) || !m->set)
		return NULL;
	set = ir_set_find(rs, m->set);
	return set && (set->flags & IR_SET_SHARDED) ? set : NULL;
}

/*
 * `ip saddr & MASK vmap @MAP`: the address masked to its shard key, looked
 * up in the set's map, whose verdict jumps to the shard's chain.
 */
static int nfn_dispatch(struct nft_netlink_batch *b, const struct ruleset *rs, struct nfn_enc *c,
			const struct ir_rule *r, const struct ir_set *set)
{
	const struct ir_match *m = &r->matches[r->n_matches - 1];
	bool src = m->kind == IR_MATCH_SADDR_SET;
	uint32_t kl = (uint32_t)ir_addr_len(set->addr_family);
	static const uint8_t zero[16];
	char map[NFN_NAME_MAX];
	uint8_t mask[16];
	struct nftnl_expr *e;
	int ret;

	/* Only an accept can be dispatched: the shard's chain is what accepts. */
	if (r->verdict != IR_VERDICT_ACCEPT)
		return -EINVAL;
	if (!src && ir_shard_name(rs, set->name, IR_SHARD_DST_MAP, 0, map, sizeof(map)) < 0)
		return -EINVAL;
	ret = nfn_addr(c, set->addr_family, src);
	if (ret)
		return ret;
	ir_shard_mask(set->addr_family, mask);
	e = nftnl_expr_alloc("bitwise");
	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, kl);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, kl);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, kl);
	nftnl_rule_add_expr(c->nr, e);
	e = nftnl_expr_alloc("lookup");
	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, src ? set->name : map);
	if (nfn_set_id_find(b, src ? set->name : map))
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID,
				   nfn_set_id_find(b, src ? set->name : map));
	return nfn_add(c, e);
}

/* `ct mark set ct mark | @bits`: load the mark, set the bits (and-not, xor), store it. */
static int nfn_ct_mark_or(struct nfn_enc *c, uint32_t bits)
{
	struct nftnl_expr *load = nftnl_expr_alloc("ct");
	struct nftnl_expr *bw = nftnl_expr_alloc("bitwise");
	struct nftnl_expr *store = nftnl_expr_alloc("ct");
	uint32_t mask = ~bits;

	if (!load || !bw || !store) {
		nftnl_expr_free(load);
		nftnl_expr_free(bw);
		nftnl_expr_free(store);
		return -ENOMEM;
	}
	nftnl_expr_set_u32(load, NFTNL_EXPR_CT_KEY, NFT_CT_MARK);
	nftnl_expr_set_u32(load, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	nftnl_expr_set_u32(bw, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(bw, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(bw, NFTNL_EXPR_BITWISE_LEN, sizeof(uint32_t));
	nftnl_expr_set(bw, NFTNL_EXPR_BITWISE_MASK, &mask, sizeof(mask));
	nftnl_expr_set(bw, NFTNL_EXPR_BITWISE_XOR, &bits, sizeof(bits));
	nftnl_expr_set_u32(store, NFTNL_EXPR_CT_KEY, NFT_CT_MARK);
	nftnl_expr_set_u32(store, NFTNL_EXPR_CT_SREG, NFT_REG_1);
	nfn_add(c, load);
	nfn_add(c, bw);
	return nfn_add(c, store);
}

static int nfn_verdict(struct nfn_enc *c, const struct ir_rule *r)
{
	struct nftnl_expr *e;

	if (r->verdict == IR_VERDICT_CT_HELPER) {
		if (!r->target)
			return -EINVAL;
		e = nftnl_expr_alloc("objref");
		if (!e)
			return -ENOMEM;
		nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE, NFT_OBJECT_CT_HELPER);
		nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME, r->target);
		return nfn_add(c, e);
	}
	e = nftnl_expr_alloc("immediate");
	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	switch (r->verdict) {
	case IR_VERDICT_ACCEPT:
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, NF_ACCEPT);
		break;
	case IR_VERDICT_DROP:
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, NF_DROP);
		break;
	case IR_VERDICT_JUMP:
		if (!r->target) {
			nftnl_expr_free(e);
			return -EINVAL;
		}
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)NFT_JUMP);
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, r->target);
		break;
	case IR_VERDICT_CT_HELPER:
	case IR_VERDICT_FOREIGN:
		break;
	}
	return nfn_add(c, e);
}

int nfn_rule_encode(struct nft_netlink_batch *b, const struct ruleset *rs, const char *chain,
		    const struct ir_rule *r, struct nftnl_rule *nr, struct diag *d)
{
	struct nfn_enc c = { .nr = nr, .inet = rs->family == IR_FAMILY_INET,
			     .table_af = rs->family == IR_FAMILY_IP6 ? AF_INET6 : AF_INET };
	struct srcloc loc = { .file = b->site_file, .line = r->line };
	const struct ir_set *sharded = nfn_sharded_match(rs, r);
	uint8_t ud[2 + NFN_COMMENT_MAX + 1];
	size_t len;
	size_t i;
	int ret = 0;

	nftnl_rule_set_u32(nr, NFTNL_RULE_FAMILY, nfn_family(rs->family));
	/* Only its text is known: writing it would invent a rule (callers skip it). */
	if (r->n_matches > IR_MAX_MATCHES || r->verdict == IR_VERDICT_FOREIGN)
		ret = -EINVAL;
	/* A sharded set's match becomes the map lookup, after the counter (as nft_text prints). */
	for (i = 0; ret == 0 && i + !!sharded < r->n_matches; i++)
		ret = nfn_match(b, rs, &c, &r->matches[i], r->line);
	if (ret == 0 && r->counter)
		ret = nfn_add(&c, nftnl_expr_alloc("counter"));
	if (ret == 0 && r->ct_mark_or && !sharded)
		ret = nfn_ct_mark_or(&c, r->ct_mark_or);
	if (ret == 0 && sharded)
		ret = nfn_dispatch(b, rs, &c, r, sharded);
	else if (ret == 0)
		ret = nfn_verdict(&c, r);
	if (ret == 0 && r->comment) {
		len = strlen(r->comment) + 1;
		if (len > NFN_COMMENT_MAX + 1)
			return diag(d, r->line ? &loc : NULL, -EINVAL,
				    "comment of a rule in chain '%s' is longer than %d bytes", chain,
				    NFN_COMMENT_MAX);
		/* nft's rule userdata: one TLV, NFTNL_UDATA_RULE_COMMENT, NUL included. */
		ud[0] = 0;
		ud[1] = (uint8_t)len;
		memcpy(ud + 2, r->comment, len);
		nftnl_rule_set_data(nr, NFTNL_RULE_USERDATA, ud, (uint32_t)len + 2);
	}
	if (ret == -ENOMEM)
		return diag(d, NULL, ret, "out of memory building the netlink batch");
	if (ret < 0)
		return diag(d, r->line ? &loc : NULL, ret,
			    "a rule in chain '%s' cannot be encoded for table %s %s", chain,
			    ir_family_name(rs->family), rs->table);
	return 0;
}
