/*
 * nft_netlink_delem: the elements of a table dump, decoded straight from
 * the attributes (never as one libnftnl object each): an address set's
 * keys, sorted and merged into the IR's closed ranges, a port list's
 * ports, and a verdict map's shard keys and the chains they jump to.
 * Only reads.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include <libmnl/libmnl.h>

#include "nft_netlink_int.h"

/* Grow *@arr (of @size-byte items) to hold @n + 1. */
int nfn_grow(void **arr, size_t *cap, size_t n, size_t size)
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

/*
 * The attributes nested in one, walked inline: a dump of 100 000 networks
 * holds 200 000 elements of three attributes each, and libmnl's calls per
 * attribute were a fifth of reading it.  Each attribute is checked to lie
 * inside its parent before it is read.
 */
struct nfn_nest {
	const char *p;
	size_t left;
};

/* @a's payload as attributes; @a lies inside its parent (nfn_next() or libmnl checked). */
static struct nfn_nest nfn_nest(const struct nlattr *a)
{
	return (struct nfn_nest){ (const char *)a + NLA_HDRLEN, a->nla_len - NLA_HDRLEN };
}

static const struct nlattr *nfn_next(struct nfn_nest *n)
{
	const struct nlattr *a = (const void *)n->p;
	size_t step;

	if (n->left < NLA_HDRLEN || a->nla_len < NLA_HDRLEN || a->nla_len > n->left)
		return NULL;
	step = (size_t)NLA_ALIGN(a->nla_len);
	step = step < n->left ? step : n->left;
	n->p += step;
	n->left -= step;
	return a;
}

static uint16_t nfn_type(const struct nlattr *a)
{
	return a->nla_type & NLA_TYPE_MASK;
}

static size_t nfn_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

static const void *nfn_payload(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

static int nfn_elem_cb(const struct nlattr *elem, struct nfn_dump *c)
{
	struct nfn_nest n = nfn_nest(elem);
	struct nfn_key key = { .end = false };
	const struct nlattr *a;
	bool have = false;

	while ((a = nfn_next(&n))) {
		if (nfn_type(a) == NFTA_SET_ELEM_FLAGS && nfn_len(a) == sizeof(uint32_t)) {
			uint32_t flags;

			memcpy(&flags, nfn_payload(a), sizeof(flags));
			key.end = ntohl(flags) & NFT_SET_ELEM_INTERVAL_END;
		} else if (nfn_type(a) == NFTA_SET_ELEM_KEY) {
			struct nfn_nest k = nfn_nest(a);
			const struct nlattr *v;

			while ((v = nfn_next(&k))) {
				if (nfn_type(v) == NFTA_DATA_VALUE && nfn_len(v) == c->klen) {
					memcpy(key.k, nfn_payload(v), c->klen);
					have = true;
				}
			}
		}
	}
	if (!have)
		return MNL_CB_OK;
	if (c->n_keys == c->cap_keys &&
	    nfn_grow((void **)&c->keys, &c->cap_keys, c->n_keys, sizeof(key)) < 0) {
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

int nfn_elems_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a;
	const struct nlattr *elem;
	struct nfn_dump *c = data;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		struct nfn_nest list;

		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		list = nfn_nest(a);
		while ((elem = nfn_next(&list))) {
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
	int r = ir_key_cmp(x->k, y->k, *(const size_t *)klen);

	return r ? r : (int)x->end - (int)y->end;
}

/*
 * Sort the keys as nfn_key_cmp() orders them.  The kernel lists an
 * interval set's elements from its tree, in descending order: keys that
 * are strictly ascending or strictly descending are sorted, or reversed,
 * in one pass; anything else is sorted.  Strictly: with no two keys equal
 * the order is unique, the same as the sort's.
 */
void nfn_sort_keys(struct nfn_key *keys, size_t n, size_t klen)
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

/* Kernel elements (start, and interval ends) to the IR's merged closed ranges. */
int nfn_keys_to_ranges(struct nfn_dump *c, struct ir_set *s)
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
