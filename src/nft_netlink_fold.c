/*
 * nft_netlink_fold: a dumped sharded set (its verdict maps, the chains they
 * jump to and the shard sets) back into the one IR set it stands for.  It
 * checks that the pieces are exactly what the encoder makes: anything else
 * stays in pieces, which never equal a ruleset ruleset_build() makes.
 * Works on decoded data only; it sends nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nft_netlink_int.h"

/* What one logical set's pieces are, by index into live->rs. */
struct nfn_fold {
	char name[NFN_NAME_MAX];
	int af;
	bool src;
	bool dst;
	size_t sets[IR_SHARDS];		/* its shard sets */
	size_t chains[2][IR_SHARDS];	/* [0] destination, [1] source chains */
};

static size_t nfn_find_set(const struct ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->n_sets; i++)
		if (!strcmp(rs->sets[i].name, name))
			return i;
	return SIZE_MAX;
}

static size_t nfn_find_chain(const struct ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->n_chains; i++)
		if (!strcmp(rs->chains[i].name, name))
			return i;
	return SIZE_MAX;
}

/* Does map @m jump, for every shard, to the chain @what names for set @set? */
static bool nfn_map_is(const struct ruleset *rs, const struct nfn_map *m, const char *set,
		       enum ir_shard_obj what)
{
	char want[NFN_NAME_MAX];

	if (m->bad)
		return false;
	for (unsigned k = 0; k < IR_SHARDS; k++)
		if (!m->chains[k] || ir_shard_name(rs, set, what, k, want, sizeof(want)) < 0 ||
		    strcmp(m->chains[k], want) != 0)
			return false;
	return true;
}

/*
 * Which set map @m dispatches for, and in which direction; false when
 * neither.  The destination map's chains are named as a source map's of a
 * set called NAME_dst would be: ruleset_build() makes no such set, so the
 * destination reading goes first.
 */
static bool nfn_map_role(const struct ruleset *rs, const struct nfn_map *m, char *set,
			 bool *src)
{
	size_t n = strlen(m->name);
	char dst[NFN_NAME_MAX];

	if (n > 4) {
		memcpy(set, m->name, n - 4);
		set[n - 4] = '\0';
		if (ir_shard_name(rs, set, IR_SHARD_DST_MAP, 0, dst, sizeof(dst)) == 0 &&
		    strcmp(dst, m->name) == 0 && nfn_map_is(rs, m, set, IR_SHARD_DST_CHAIN)) {
			*src = false;
			return true;
		}
	}
	if (!nfn_map_is(rs, m, m->name, IR_SHARD_SRC_CHAIN))
		return false;
	memcpy(set, m->name, n + 1);
	*src = true;
	return true;
}

/* The one rule of a shard chain: `ip saddr @SHARD accept` (daddr: @src false). */
static bool nfn_shard_chain_ok(const struct ir_chain *c, bool src, int af, const char *shard,
			       uint32_t mark)
{
	const struct ir_rule *r = c->n_rules == 1 ? &c->rules[0] : NULL;
	const struct ir_match *m = r && r->n_matches == 1 ? &r->matches[0] : NULL;

	return c->hook == IR_HOOK_NONE && m && r->verdict == IR_VERDICT_ACCEPT && !r->counter &&
	       r->ct_mark_or == mark &&
	       !r->comment && m->kind == (src ? IR_MATCH_SADDR_SET : IR_MATCH_DADDR_SET) &&
	       m->addr_family == af && m->set && !strcmp(m->set, shard);
}

/* Find and check every piece of set f->name; false when one is missing or not ours. */
static bool nfn_fold_find(const struct ruleset *rs, struct nfn_fold *f)
{
	char name[NFN_NAME_MAX];
	const struct ir_set *first = NULL;

	for (unsigned k = 0; k < IR_SHARDS; k++) {
		const struct ir_set *s;

		if (ir_shard_name(rs, f->name, IR_SHARD_SET, k, name, sizeof(name)) < 0)
			return false;
		f->sets[k] = nfn_find_set(rs, name);
		if (f->sets[k] == SIZE_MAX)
			return false;
		s = &rs->sets[f->sets[k]];
		first = first ? first : s;
		if (s->addr_family != f->af || !(s->flags & IR_SET_INTERVAL) ||
		    (s->flags & ~(uint32_t)(IR_SET_INTERVAL | IR_SET_AUTO_MERGE)) || s->size ||
		    s->flags != first->flags)
			return false;
		for (int src = 0; src < 2; src++) {
			if (!(src ? f->src : f->dst))
				continue;
			if (ir_shard_name(rs, f->name, src ? IR_SHARD_SRC_CHAIN : IR_SHARD_DST_CHAIN,
					  k, name, sizeof(name)) < 0)
				return false;
			f->chains[src][k] = nfn_find_chain(rs, name);
			if (f->chains[src][k] == SIZE_MAX ||
			    !nfn_shard_chain_ok(&rs->chains[f->chains[src][k]], src, f->af,
						s->name, rs->mark))
				return false;
		}
	}
	return true;
}

/*
 * The set the shards make, if each shard holds exactly the ranges of the
 * union that reach it (what the encoder writes).  *@ok false otherwise.
 */
static int nfn_fold_union(const struct ruleset *rs, const struct nfn_fold *f,
			  struct ir_set *out, bool *ok)
{
	size_t kl = ir_addr_len(f->af);
	struct ir_shards sh;
	size_t n = 0;
	int ret;

	*ok = false;
	memset(out, 0, sizeof(*out));
	out->addr_family = f->af;
	out->flags = rs->sets[f->sets[0]].flags | IR_SET_SHARDED;
	for (unsigned k = 0; k < IR_SHARDS; k++)
		n += rs->sets[f->sets[k]].n_elems;
	ret = ir_set_reserve(out, n);
	for (unsigned k = 0; ret == 0 && k < IR_SHARDS; k++) {
		const struct ir_set *s = &rs->sets[f->sets[k]];

		if (s->n_elems)
			memcpy(out->elems + out->n_elems, s->elems, s->n_elems * sizeof(*s->elems));
		out->n_elems += s->n_elems;
	}
	if (ret < 0)
		return ret;
	ir_set_normalize(out);
	ret = ir_shards_split(f->af, out->elems, out->n_elems, &sh);
	if (ret < 0)
		return ret;
	*ok = true;
	for (unsigned k = 0; *ok && k < IR_SHARDS; k++) {
		const struct ir_set *s = &rs->sets[f->sets[k]];

		*ok = s->n_elems == sh.start[k + 1] - sh.start[k];
		for (size_t i = 0; *ok && i < s->n_elems; i++) {
			const struct ir_range *r = &out->elems[sh.idx[sh.start[k] + i]];

			*ok = !memcmp(r->lo, s->elems[i].lo, kl) && !memcmp(r->hi, s->elems[i].hi, kl);
		}
	}
	ir_shards_release(&sh);
	return 0;
}

/* Take the folded pieces out of live: shard sets become @set, shard chains go. */
static int nfn_fold_apply(struct nft_netlink_live *live, const struct nfn_fold *f,
			  struct ir_set *set)
{
	struct ruleset *rs = live->rs;
	bool *drop_set = calloc(rs->n_sets + 1, sizeof(*drop_set));
	bool *drop_chain = calloc(rs->n_chains + 1, sizeof(*drop_chain));
	size_t at = f->sets[0];
	size_t w = 0;

	if (!drop_set || !drop_chain) {
		free(drop_set);
		free(drop_chain);
		free(set->name);
		free(set->elems);
		return -ENOMEM;
	}
	for (unsigned k = 0; k < IR_SHARDS; k++) {
		drop_set[f->sets[k]] = true;
		at = f->sets[k] < at ? f->sets[k] : at;
		for (int src = 0; src < 2; src++)
			if (src ? f->src : f->dst)
				drop_chain[f->chains[src][k]] = true;
	}
	for (size_t i = 0; i < rs->n_sets; i++) {
		if (i == at) {
			free(rs->sets[i].name);
			free(rs->sets[i].elems);
			rs->sets[w++] = *set;
		} else if (drop_set[i]) {
			free(rs->sets[i].name);
			free(rs->sets[i].elems);
		} else {
			rs->sets[w++] = rs->sets[i];
		}
	}
	rs->n_sets = w;
	w = 0;
	for (size_t i = 0; i < rs->n_chains; i++) {
		if (drop_chain[i]) {
			ir_chain_release(&rs->chains[i]);
			if (live->rule_handles)
				free(live->rule_handles[i]);
			continue;
		}
		if (live->rule_handles)
			live->rule_handles[w] = live->rule_handles[i];
		rs->chains[w++] = rs->chains[i];
	}
	rs->n_chains = w;
	free(drop_set);
	free(drop_chain);
	return 0;
}

/* Keep map @m as a plain, empty set of its name: whatever replaces ours deletes it. */
static int nfn_keep_map(struct ruleset *rs, const struct nfn_map *m)
{
	struct ir_set *sets = realloc(rs->sets, (rs->n_sets + 1) * sizeof(*sets));

	if (!sets)
		return -ENOMEM;
	rs->sets = sets;
	memset(&sets[rs->n_sets], 0, sizeof(*sets));
	sets[rs->n_sets].name = strdup(m->name);
	if (!sets[rs->n_sets].name)
		return -ENOMEM;
	sets[rs->n_sets++].addr_family = m->addr_family;
	return 0;
}

int nfn_fold_shards(struct nft_netlink_live *live, const struct nfn_map *maps, size_t n_maps)
{
	struct ruleset *rs = live->rs;
	bool *used = calloc(n_maps + 1, sizeof(*used));
	struct nfn_fold *f = malloc(sizeof(*f));
	int ret = 0;

	if (!used || !f) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; ret == 0 && i < n_maps; i++) {
		struct ir_set set;
		bool src;
		bool ok;

		if (used[i] || !nfn_map_role(rs, &maps[i], f->name, &src))
			continue;
		f->af = maps[i].addr_family;
		f->src = f->dst = false;
		/* Both maps of one set, if both are there. */
		for (size_t j = i; j < n_maps; j++) {
			char name[NFN_NAME_MAX];
			bool s;

			if (!used[j] && maps[j].addr_family == f->af &&
			    nfn_map_role(rs, &maps[j], name, &s) && !strcmp(name, f->name)) {
				used[j] = true;
				*(s ? &f->src : &f->dst) = true;
			}
		}
		memset(&set, 0, sizeof(set));
		ok = nfn_fold_find(rs, f);
		if (ok)
			ret = nfn_fold_union(rs, f, &set, &ok);
		if (ret == 0 && ok) {
			set.name = strdup(f->name);
			if (!set.name)
				ret = -ENOMEM;
		}
		if (ret == 0 && ok) {
			ret = nfn_fold_apply(live, f, &set);
			continue;
		}
		free(set.name);
		free(set.elems);
		/* Not a whole sharded set: its maps stay, unfolded. */
		for (size_t j = i; j < n_maps; j++) {
			char name[NFN_NAME_MAX];
			bool s;

			if (nfn_map_role(rs, &maps[j], name, &s) && !strcmp(name, f->name))
				used[j] = false;
		}
	}
	for (size_t i = 0; ret == 0 && i < n_maps; i++)
		if (!used[i])
			ret = nfn_keep_map(rs, &maps[i]);
out:
	free(used);
	free(f);
	return ret;
}
