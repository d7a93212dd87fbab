/*
 * nft_netlink_elem: sets and their elements as the messages `nft -f` sends:
 * an interval set's start and end keys, a sharded set's verdict maps and
 * shard sets, and the element delta between what the kernel holds and what
 * is wanted.  Elements are written straight into the batch, never as one
 * libnftnl object each.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <libmnl/libmnl.h>

#include "nft_netlink_int.h"

/* nft's datatype ids (src/datatype.h), kept in the set's key type. */
#define NFN_TYPE_IPADDR 7
#define NFN_TYPE_IP6ADDR 8
/* nft's set userdata: the key's byte order, BYTEORDER_BIG_ENDIAN. */
#define NFN_BYTEORDER_BIG 2
/* libnftnl's set userdata types (udata.h NFTNL_UDATA_SET_*). */
#define NFN_UD_KEYBYTEORDER 0
#define NFN_UD_DATABYTEORDER 1
#define NFN_UD_MERGE_ELEMENTS 2
#define NFN_UD_DATA_INTERVAL 6

/*
 * Start a new element message before its nest could pass the 16-bit
 * attribute length: the largest element (an IPv6 end, or a map element
 * with a chain name of up to 256 bytes) takes under 300 bytes.
 */
#define NFN_ELEM_NEST_MAX (UINT16_MAX - 512)
#define NFN_ELEM_MSG_ROOM (UINT16_MAX + 1024)

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

/* One element: @key, an interval end when @end, jumping to @chain when not NULL. */
static int nfn_elem_put(struct nfn_elems *e, const uint8_t *key, size_t len, bool end,
			const char *chain)
{
	struct nlattr *elem;
	struct nlattr *k;
	struct nlattr *v;

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
	if (chain) {
		k = mnl_attr_nest_start(e->nlh, NFTA_SET_ELEM_DATA);
		v = mnl_attr_nest_start(e->nlh, NFTA_DATA_VERDICT);
		mnl_attr_put_u32(e->nlh, NFTA_VERDICT_CODE, htonl((uint32_t)NFT_JUMP));
		mnl_attr_put_strz(e->nlh, NFTA_VERDICT_CHAIN, chain);
		mnl_attr_nest_end(e->nlh, v);
		mnl_attr_nest_end(e->nlh, k);
	}
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

/* The start and end elements of one range; the start only without @interval. */
static int nfn_range_put(struct nfn_elems *e, const struct ir_range *r, size_t kl, bool interval)
{
	uint8_t next[16];
	int ret;

	ret = nfn_elem_put(e, r->lo, kl, false, NULL);
	if (ret == 0 && interval && nfn_succ(r->hi, kl, next))
		ret = nfn_elem_put(e, next, kl, true, NULL);
	return ret;
}

/* Ranges sorted, disjoint, not adjacent, lo <= hi: what ir_set_normalize() makes. */
static bool nfn_ranges_ok(const struct ir_range *r, size_t n, size_t kl)
{
	uint8_t next[16];
	size_t i;

	/* IPv4, as numbers: hi + 1 < the next lo, and no hi is the last address but the last. */
	if (kl == 4) {
		for (i = 0; i < n; i++) {
			uint32_t hi = ir_key32(r[i].hi);

			if (ir_key32(r[i].lo) > hi)
				return false;
			if (i + 1 < n && (hi == UINT32_MAX || hi + 1 >= ir_key32(r[i + 1].lo)))
				return false;
		}
		return true;
	}
	for (i = 0; i < n; i++) {
		if (ir_key_cmp(r[i].lo, r[i].hi, kl) > 0)
			return false;
		if (i + 1 < n && (!nfn_succ(r[i].hi, kl, next) || ir_key_cmp(next, r[i + 1].lo, kl) >= 0))
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
	if ((s->flags & IR_SET_SHARDED) && !(s->flags & IR_SET_INTERVAL))
		return diag(d, s->line ? &loc : NULL, -EINVAL,
			    "set '%s' is sharded but not an interval set", s->name);
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

/* A list of ranges: elems[idx[i]] (elems[i] when idx is NULL), i < n. */
struct nfn_list {
	const struct ir_range *elems;
	const size_t *idx;
	size_t n;
};

static const struct ir_range *nfn_at(const struct nfn_list *l, size_t i)
{
	return &l->elems[l->idx ? l->idx[i] : i];
}

/* Every element of @l into the open list @e. */
static int nfn_elems_all(struct nfn_elems *e, const struct nfn_list *l, size_t kl, bool interval)
{
	static const uint8_t zero[16];
	size_t i;
	int ret = 0;

	/* nft starts an interval set with an end at 0 unless a range starts there. */
	if (interval && l->n && !nfn_is_zero(nfn_at(l, 0)->lo, kl))
		ret = nfn_elem_put(e, zero, kl, true, NULL);
	for (i = 0; ret == 0 && i < l->n; i++)
		ret = nfn_range_put(e, nfn_at(l, i), kl, interval);
	nfn_elems_close(e);
	return ret;
}

/*
 * The merge walk of two sorted lists of ranges, from *@i and *@j: past the
 * ranges both have, to the next difference, which is *@a (a range only
 * @old has) or *@z (only @nw), or both when they start alike; the lower
 * start goes first.  false at the end of both.  Runs of identical bytes in
 * two plain lists are passed a block at a time (equal bytes are equal
 * ranges; anything else is compared range by range).
 */
static bool nfn_next_diff(const struct nfn_list *old, const struct nfn_list *nw, size_t kl,
			  size_t *i, size_t *j, const struct ir_range **a, const struct ir_range **z)
{
	enum { BLOCK = 64 };

	for (;;) {
		int c;

		while (!old->idx && !nw->idx && *i + BLOCK <= old->n && *j + BLOCK <= nw->n &&
		       !memcmp(old->elems + *i, nw->elems + *j, BLOCK * sizeof(*old->elems))) {
			*i += BLOCK;
			*j += BLOCK;
		}
		*a = *i < old->n ? nfn_at(old, *i) : NULL;
		*z = *j < nw->n ? nfn_at(nw, *j) : NULL;
		if (!*a && !*z)
			return false;
		c = !*a ? 1 : !*z ? -1 : ir_key_cmp((*a)->lo, (*z)->lo, kl);
		if (c == 0 && ir_key_cmp((*a)->hi, (*z)->hi, kl) == 0) {
			++*i;
			++*j;
			continue;
		}
		if (c <= 0)
			++*i;
		else
			*a = NULL;
		if (c >= 0)
			++*j;
		else
			*z = NULL;
		return true;
	}
}

/*
 * Turn @old into @nw in the set @e names: pass 0 deletes what only @old
 * has, pass 1 adds what only @nw has.  Nothing when they are equal.
 */
static int nfn_elems_delta(struct nfn_elems *e, const struct nfn_list *old,
			   const struct nfn_list *nw, size_t kl, bool interval)
{
	static const uint8_t zero[16];
	bool zero_old = old->n && !nfn_is_zero(nfn_at(old, 0)->lo, kl);
	bool zero_new = nw->n && !nfn_is_zero(nfn_at(nw, 0)->lo, kl);
	const struct ir_range *a;
	const struct ir_range *z;
	int ret = 0;

	for (int pass = 0; pass < 2 && ret == 0; pass++) {
		e->type = pass ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM;
		if (interval && (pass ? zero_new && !zero_old : zero_old && !zero_new))
			ret = nfn_elem_put(e, zero, kl, true, NULL);
		for (size_t i = 0, j = 0; ret == 0 && nfn_next_diff(old, nw, kl, &i, &j, &a, &z);) {
			if (pass == 0 && a)
				ret = nfn_range_put(e, a, kl, interval);
			if (pass == 1 && z)
				ret = nfn_range_put(e, z, kl, interval);
		}
		nfn_elems_close(e);
	}
	return ret;
}

/* The NEWSET message of set @s under @name; a verdict map with @vmap.  *@id: its batch id. */
static int nfn_set_msg(struct nft_netlink_batch *b, const struct ruleset *rs,
		       const struct ir_set *s, const char *name, bool vmap, uint32_t *id)
{
	size_t kl = ir_addr_len(s->addr_family);
	uint8_t ud[18];
	size_t n_ud = 0;
	uint32_t flags = 0;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct {
		uint8_t type;
		uint32_t v;
		bool on;
	} tlv[] = {
		{ NFN_UD_KEYBYTEORDER, NFN_BYTEORDER_BIG, true },
		{ NFN_UD_DATABYTEORDER, 0, vmap },
		{ NFN_UD_MERGE_ELEMENTS, 1, !vmap && (s->flags & IR_SET_AUTO_MERGE) },
		{ NFN_UD_DATA_INTERVAL, 0, vmap },
	};

	if (vmap)
		flags = NFT_SET_MAP;
	if (!vmap && (s->flags & IR_SET_INTERVAL))
		flags |= NFT_SET_INTERVAL;
	if (!vmap && (s->flags & IR_SET_DYNAMIC))
		flags |= NFT_SET_EVAL;
	*id = b->next_set_id++;
	if (nfn_set_id_add(b, name, *id) < 0)
		return -ENOMEM;
	nlh = nfn_msg_begin(b, NFT_MSG_NEWSET, nfn_family(rs->family), NLM_F_CREATE, NFN_MSG_ROOM,
			    s->line, "%s '%s'", vmap ? "map" : "set", name);
	if (!nlh)
		return -ENOMEM;
	mnl_attr_put_strz(nlh, NFTA_SET_TABLE, rs->table);
	mnl_attr_put_strz(nlh, NFTA_SET_NAME, name);
	mnl_attr_put_u32(nlh, NFTA_SET_FLAGS, htonl(flags));
	mnl_attr_put_u32(nlh, NFTA_SET_KEY_TYPE,
			 htonl(kl == 4 ? NFN_TYPE_IPADDR : NFN_TYPE_IP6ADDR));
	mnl_attr_put_u32(nlh, NFTA_SET_KEY_LEN, htonl((uint32_t)kl));
	if (vmap) {
		mnl_attr_put_u32(nlh, NFTA_SET_DATA_TYPE, htonl(NFT_DATA_VERDICT));
		mnl_attr_put_u32(nlh, NFTA_SET_DATA_LEN, htonl(0));
	}
	mnl_attr_put_u32(nlh, NFTA_SET_ID, htonl(*id));
	if (!vmap && s->size) {
		nest = mnl_attr_nest_start(nlh, NFTA_SET_DESC);
		mnl_attr_put_u32(nlh, NFTA_SET_DESC_SIZE, htonl(s->size));
		mnl_attr_nest_end(nlh, nest);
	}
	/* nft's TLVs: type, length, value in host order (libnftnl udata.h). */
	for (size_t i = 0; i < sizeof(tlv) / sizeof(tlv[0]); i++) {
		if (!tlv[i].on)
			continue;
		ud[n_ud++] = tlv[i].type;
		ud[n_ud++] = 4;
		memcpy(ud + n_ud, &tlv[i].v, 4);
		n_ud += 4;
	}
	mnl_attr_put(nlh, NFTA_SET_USERDATA, n_ud, ud);
	nfn_msg_end(b, nlh);
	return 0;
}

/* A sharded set's map @name: key k jumps to the chain @what names for k. */
static int nfn_shard_map(struct nft_netlink_batch *b, const struct ruleset *rs,
			 const struct ir_set *s, const char *name, enum ir_shard_obj what)
{
	size_t kl = ir_addr_len(s->addr_family);
	struct nfn_elems e = { .b = b, .rs = rs, .set = name, .line = s->line,
			       .type = NFT_MSG_NEWSETELEM };
	char chain[NFN_NAME_MAX];
	uint8_t key[16];
	int ret;

	ret = nfn_set_msg(b, rs, s, name, true, &e.set_id);
	for (unsigned k = 0; ret == 0 && k < IR_SHARDS; k++) {
		ret = ir_shard_name(rs, s->name, what, k, chain, sizeof(chain));
		ir_shard_key(s->addr_family, k, key);
		if (ret == 0)
			ret = nfn_elem_put(&e, key, kl, false, chain);
	}
	nfn_elems_close(&e);
	return ret;
}

/* A sharded set: its maps (whose chains must exist), then one interval set per shard. */
static int nfn_add_sharded(struct nft_netlink_batch *b, const struct ruleset *rs,
			   const struct ir_set *s)
{
	size_t kl = ir_addr_len(s->addr_family);
	char name[NFN_NAME_MAX];
	struct ir_shards sh;
	int ret = 0;

	if (ir_set_matched(rs, s->name, IR_MATCH_SADDR_SET))
		ret = nfn_shard_map(b, rs, s, s->name, IR_SHARD_SRC_CHAIN);
	if (ret == 0 && ir_set_matched(rs, s->name, IR_MATCH_DADDR_SET)) {
		ret = ir_shard_name(rs, s->name, IR_SHARD_DST_MAP, 0, name, sizeof(name));
		if (ret == 0)
			ret = nfn_shard_map(b, rs, s, name, IR_SHARD_DST_CHAIN);
	}
	if (ret < 0)
		return ret;
	ret = ir_shards_split(s->addr_family, s->elems, s->n_elems, &sh);
	for (unsigned k = 0; ret == 0 && k < IR_SHARDS; k++) {
		struct nfn_list l = { s->elems, sh.idx + sh.start[k], sh.start[k + 1] - sh.start[k] };
		struct nfn_elems e = { .b = b, .rs = rs, .set = name, .line = s->line,
				       .type = NFT_MSG_NEWSETELEM };

		ret = ir_shard_name(rs, s->name, IR_SHARD_SET, k, name, sizeof(name));
		if (ret == 0)
			ret = nfn_set_msg(b, rs, s, name, false, &e.set_id);
		if (ret == 0 && l.n)
			ret = nfn_elems_all(&e, &l, kl, true);
	}
	ir_shards_release(&sh);
	return ret;
}

int nft_netlink_batch_add_set(struct nft_netlink_batch *b, const struct ruleset *rs,
			      const struct ir_set *s, struct diag *d)
{
	size_t kl = ir_addr_len(s->addr_family);
	struct nfn_elems e = { .b = b, .rs = rs, .set = s->name, .line = s->line,
			       .type = NFT_MSG_NEWSETELEM };
	struct nfn_list l = { s->elems, NULL, s->n_elems };
	int ret;

	ret = nfn_set_check(s, kl, d);
	if (ret < 0)
		return ret;
	if (s->flags & IR_SET_SHARDED)
		ret = nfn_add_sharded(b, rs, s);
	else
		ret = nfn_set_msg(b, rs, s, s->name, false, &e.set_id);
	if (ret == 0 && !(s->flags & IR_SET_SHARDED) && s->n_elems)
		ret = nfn_elems_all(&e, &l, kl, s->flags & IR_SET_INTERVAL);
	if (ret == -ENOSPC)
		return diag(d, NULL, -EINVAL, "set name '%s' is too long to shard", s->name);
	return ret < 0 ? nfn_oom(d) : 0;
}

/* Mark in @hit the shards range @r reaches. */
static void nfn_hit(int af, const struct ir_range *r, bool *hit)
{
	unsigned first;
	unsigned last;

	ir_shard_span(af, r, &first, &last);
	for (unsigned k = first; k <= last; k++)
		hit[k] = true;
}

/* The shards whose ranges differ: those of every range only one of @old and @nw has. */
static bool nfn_shards_hit(int af, const struct ir_range *old, size_t n_old,
			   const struct ir_range *nw, size_t n_new, bool hit[IR_SHARDS])
{
	const struct nfn_list lo = { old, NULL, n_old };
	const struct nfn_list ln = { nw, NULL, n_new };
	const struct ir_range *a;
	const struct ir_range *z;
	bool any = false;

	for (size_t i = 0, j = 0; nfn_next_diff(&lo, &ln, ir_addr_len(af), &i, &j, &a, &z);) {
		any = true;
		if (a)
			nfn_hit(af, a, hit);
		if (z)
			nfn_hit(af, z, hit);
	}
	return any;
}

/*
 * The delta of a sharded set, shard by shard: only the shards whose ranges
 * differ are split out and get messages (one network changed: one shard).
 */
static int nfn_update_sharded(struct nft_netlink_batch *b, const struct ruleset *rs,
			      const struct ir_set *want, const struct ir_range *old, size_t n_old)
{
	size_t kl = ir_addr_len(want->addr_family);
	struct ir_shards so = { .idx = NULL };
	struct ir_shards sn = { .idx = NULL };
	bool hit[IR_SHARDS] = { false };
	char name[NFN_NAME_MAX];
	int ret;

	if (!nfn_shards_hit(want->addr_family, old, n_old, want->elems, want->n_elems, hit))
		return 0;
	ret = ir_shards_split_some(want->addr_family, old, n_old, hit, &so);
	if (ret == 0)
		ret = ir_shards_split_some(want->addr_family, want->elems, want->n_elems, hit, &sn);
	for (unsigned k = 0; ret == 0 && k < IR_SHARDS; k++) {
		struct nfn_list lo = { old, so.idx + so.start[k], so.start[k + 1] - so.start[k] };
		struct nfn_list ln = { want->elems, sn.idx + sn.start[k],
				       sn.start[k + 1] - sn.start[k] };
		struct nfn_elems e = { .b = b, .rs = rs, .set = name, .line = want->line };

		if (!hit[k])
			continue;
		ret = ir_shard_name(rs, want->name, IR_SHARD_SET, k, name, sizeof(name));
		e.set_id = nfn_set_id_find(b, name);
		if (ret == 0)
			ret = nfn_elems_delta(&e, &lo, &ln, kl, true);
	}
	ir_shards_release(&so);
	ir_shards_release(&sn);
	return ret;
}

int nft_netlink_batch_update_elems(struct nft_netlink_batch *b, const struct ruleset *rs,
				   const struct ir_set *want, const struct ir_range *old,
				   size_t n_old, struct diag *d)
{
	size_t kl = ir_addr_len(want->addr_family);
	struct nfn_elems e = { .b = b, .rs = rs, .set = want->name, .line = want->line,
			       .set_id = nfn_set_id_find(b, want->name) };
	struct nfn_list lo = { old, NULL, n_old };
	struct nfn_list ln = { want->elems, NULL, want->n_elems };
	int ret;

	ret = nfn_set_check(want, kl, d);
	if (ret < 0)
		return ret;
	if (!nfn_ranges_ok(old, n_old, kl))
		return diag(d, NULL, -EINVAL, "live set '%s' is not normalized", want->name);
	if (want->flags & IR_SET_SHARDED)
		ret = nfn_update_sharded(b, rs, want, old, n_old);
	else
		ret = nfn_elems_delta(&e, &lo, &ln, kl, want->flags & IR_SET_INTERVAL);
	if (ret == -ENOSPC)
		return diag(d, NULL, -EINVAL, "set name '%s' is too long to shard", want->name);
	return ret < 0 ? nfn_oom(d) : 0;
}
