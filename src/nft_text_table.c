/*
 * nft_text_table: the table block nft_text_render() prints, as nft 1.0.6
 * lists it: ct helpers, sets and their elements (a sharded set as its maps,
 * shard sets and shard chains), chains with their hooks and priorities,
 * and attach mode's file for `nft -f`; and the two sides of `diff`'s view
 * with the elements they share left out (nft_text_render_pair()).  The
 * rules in the chains come from nft_text.c.  Reads only the IR.
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "nft_text_int.h"

/*
 * nft's continuation between set elements (src/expression.c
 * calculate_delim()): three tabs and five spaces line up under "{ ".
 */
#define ELEM_INDENT "\t\t\t     "
#define ELEM_NEWLINE ",\n" ELEM_INDENT

static void print_helper(struct sbuf *sb, const struct ir_helper *h)
{
	sb_addf(sb, "\tct helper %s {\n\t\ttype \"%s\" protocol tcp\n\t\tl3proto %s\n\t}\n",
		h->name, h->type, ir_family_name(h->l3proto));
}

/*
 * Elements @elems[@idx[i]] (or @elems[i] when @idx is NULL), i < @n, as
 * nft lists them: two IPv4 elements on a line, one IPv6 element
 * (calculate_delim()); with @one_per_line every element on its own line.
 */
static void print_elements(struct sbuf *sb, int af, const struct ir_range *elems,
			   const size_t *idx, size_t n, bool one_per_line)
{
	size_t per_line = af == AF_INET && !one_per_line ? 2 : 1;
	char buf[NFT_TEXT_RANGE_MAX];

	sb_add(sb, "\t\telements = { ");
	for (size_t i = 0; i < n; i++) {
		int ret = nft_text_range(af, &elems[idx ? idx[i] : i], buf, sizeof(buf));

		if (ret < 0) {
			sb->err = sb->err ? sb->err : ret;
			return;
		}
		if (i)
			sb_add(sb, i % per_line ? ", " : ELEM_NEWLINE);
		sb_add(sb, buf);
	}
	sb_add(sb, " }\n");
}

/*
 * A run of elements that a set of the old ruleset and its namesake in the
 * new one both hold, at old index @a and new index @b: the diff view
 * leaves it out of both texts (nft_text_render_pair()).
 */
struct elision {
	size_t a;
	size_t b;
	size_t n;
};

/*
 * One side of a pair as print_table() renders it: set i of this side
 * leaves out runs[lo[i]..hi[i]), and each one's place in the text goes
 * into gaps[] (old_at or new_at: the line the run stood before).
 */
struct view {
	const struct elision *runs;
	const size_t *lo;
	const size_t *hi;
	bool new_side;
	struct diff_gap *gaps;
	size_t lines;		/* newlines in sb->buf[0, scanned) */
	size_t scanned;
};

/* Lines the text holds so far: counted once, as far as it has grown. */
static size_t view_lines(struct view *v, const struct sbuf *sb)
{
	const char *p;
	const char *end;

	if (!sb->buf)
		return v->lines;
	p = sb->buf + v->scanned;
	end = sb->buf + sb->len;
	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		v->lines++;
		p++;
	}
	v->scanned = sb->len;
	return v->lines;
}

/*
 * The diff view's elements of set @si, one a line, leaving out the runs
 * @v holds for it.  A run never holds the first or the last element, so
 * "elements = { " and " }" stay where they are.
 */
static void print_elements_view(struct sbuf *sb, const struct ir_set *set, size_t si,
				struct view *v)
{
	size_t k = v->lo[si];
	bool after_gap = false;
	char buf[NFT_TEXT_RANGE_MAX];

	sb_add(sb, "\t\telements = { ");
	for (size_t i = 0; i < set->n_elems; i++) {
		const struct elision *e = k < v->hi[si] ? &v->runs[k] : NULL;
		int ret;

		if (e && i == (v->new_side ? e->b : e->a)) {
			struct diff_gap *g = &v->gaps[k++];
			size_t at;

			sb_add(sb, ",\n");
			at = view_lines(v, sb);
			if (v->new_side)
				g->new_at = at;
			else
				g->old_at = at;
			g->n = e->n;
			i += e->n - 1;
			after_gap = true;
			continue;
		}
		ret = nft_text_range(set->addr_family, &set->elems[i], buf, sizeof(buf));
		if (ret < 0) {
			sb->err = sb->err ? sb->err : ret;
			return;
		}
		if (i)
			sb_add(sb, after_gap ? ELEM_INDENT : ELEM_NEWLINE);
		after_gap = false;
		sb_add(sb, buf);
	}
	sb_add(sb, " }\n");
}

static const char *key_type(int af)
{
	return af == AF_INET6 ? "ipv6_addr" : "ipv4_addr";
}

static void print_set_head(struct sbuf *sb, const char *name, const struct ir_set *set)
{
	sb_addf(sb, "\tset %s {\n\t\ttype %s\n", name, key_type(set->addr_family));
	if (set->size)
		sb_addf(sb, "\t\tsize %u\n", set->size);
	if (set->flags & (IR_SET_INTERVAL | IR_SET_DYNAMIC)) {
		sb_add(sb, "\t\tflags ");
		if (set->flags & IR_SET_INTERVAL)
			sb_add(sb, set->flags & IR_SET_DYNAMIC ? "interval," : "interval");
		if (set->flags & IR_SET_DYNAMIC)
			sb_add(sb, "dynamic");
		sb_add(sb, "\n");
	}
	if (set->flags & IR_SET_AUTO_MERGE)
		sb_add(sb, "\t\tauto-merge\n");
}

/* A shard's verdict map: key k jumps to chain @what's k. */
static void print_shard_map(struct sbuf *sb, const struct ruleset *rs, const struct ir_set *set,
			    const char *name, enum ir_shard_obj what)
{
	size_t per_line = set->addr_family == AF_INET ? 2 : 1;
	char chain[256];
	uint8_t key[16];

	sb_addf(sb, "\tmap %s {\n\t\ttype %s : verdict\n\t\telements = { ", name,
		key_type(set->addr_family));
	for (unsigned k = 0; k < IR_SHARDS; k++) {
		if (ir_shard_name(rs, set->name, what, k, chain, sizeof(chain)) < 0) {
			sb->err = sb->err ? sb->err : -EINVAL;
			return;
		}
		if (k)
			sb_add(sb, k % per_line ? ", " : ELEM_NEWLINE);
		ir_shard_key(set->addr_family, k, key);
		print_addr(sb, set->addr_family, key);
		sb_addf(sb, " : jump %s", chain);
	}
	sb_add(sb, " }\n\t}\n");
}

/* Which of a sharded set's maps exist: the rules that match it say. */
static bool shard_has_map(const struct ruleset *rs, const struct ir_set *set, bool src)
{
	return ir_set_matched(rs, set->name, src ? IR_MATCH_SADDR_SET : IR_MATCH_DADDR_SET);
}

/* A sharded set as the kernel holds it: its maps, then one set per shard. */
static void print_sharded_set(struct sbuf *sb, const struct ruleset *rs, const struct ir_set *set,
			      const char **sep)
{
	struct ir_shards sh;
	char name[256];
	int ret;

	if (shard_has_map(rs, set, true)) {
		sb_add(sb, *sep);
		print_shard_map(sb, rs, set, set->name, IR_SHARD_SRC_CHAIN);
		*sep = "\n";
	}
	if (shard_has_map(rs, set, false)) {
		sb_add(sb, *sep);
		if (ir_shard_name(rs, set->name, IR_SHARD_DST_MAP, 0, name, sizeof(name)) < 0)
			sb->err = sb->err ? sb->err : -EINVAL;
		else
			print_shard_map(sb, rs, set, name, IR_SHARD_DST_CHAIN);
		*sep = "\n";
	}
	ret = ir_shards_split(set->addr_family, set->elems, set->n_elems, &sh);
	if (ret < 0) {
		sb->err = sb->err ? sb->err : ret;
		return;
	}
	for (unsigned k = 0; k < IR_SHARDS; k++) {
		size_t n = sh.start[k + 1] - sh.start[k];

		sb_add(sb, *sep);
		*sep = "\n";
		if (ir_shard_name(rs, set->name, IR_SHARD_SET, k, name, sizeof(name)) < 0) {
			sb->err = sb->err ? sb->err : -EINVAL;
			break;
		}
		print_set_head(sb, name, set);
		if (n)
			print_elements(sb, set->addr_family, set->elems, sh.idx + sh.start[k], n,
				       false);
		sb_add(sb, "\t}\n");
	}
	ir_shards_release(&sh);
}

/*
 * @one_per_line: the diff view (NFT_TEXT_DIFF), else as nft lists it.
 * @v: the diff view with runs left out (set @si of its side), or NULL.
 */
static void print_set(struct sbuf *sb, const struct ir_set *set, bool one_per_line, size_t si,
		      struct view *v)
{
	print_set_head(sb, set->name, set);
	if (set->n_elems && v && v->lo[si] < v->hi[si])
		print_elements_view(sb, set, si, v);
	else if (set->n_elems)
		print_elements(sb, set->addr_family, set->elems, NULL, set->n_elems,
			       one_per_line);
	sb_add(sb, "\t}\n");
}

/* The chains a sharded set's maps jump to, each accepting its shard's networks. */
static void print_shard_chains(struct sbuf *sb, const struct ruleset *rs, const struct ir_set *set)
{
	char chain[256];
	char shard[256];

	for (int src = 1; src >= 0; src--) {
		if (!shard_has_map(rs, set, src))
			continue;
		for (unsigned k = 0; k < IR_SHARDS; k++) {
			if (ir_shard_name(rs, set->name, src ? IR_SHARD_SRC_CHAIN : IR_SHARD_DST_CHAIN,
					  k, chain, sizeof(chain)) < 0 ||
			    ir_shard_name(rs, set->name, IR_SHARD_SET, k, shard, sizeof(shard)) < 0) {
				sb->err = sb->err ? sb->err : -EINVAL;
				return;
			}
			sb_addf(sb, "\n\tchain %s {\n\t\t%s %s @%s ", chain,
				ip_word(set->addr_family), src ? "saddr" : "daddr", shard);
			if (rs->mark)
				sb_addf(sb, "ct mark set ct mark | 0x%08x ", rs->mark);
			sb_add(sb, "accept\n\t}\n");
		}
	}
}

/*
 * nft names a priority after the nearest standard one within 10 that suits
 * the hook (src/rule.c prio2str()), else prints the number.
 */
static void print_priority(struct sbuf *sb, enum ir_hook hook, int prio)
{
	static const struct {
		int val;
		const char *name;
	} std[] = {
		{ -300, "raw" }, { -150, "mangle" }, { -100, "dstnat" },
		{ 0, "filter" }, { 50, "security" }, { 100, "srcnat" },
	};

	for (size_t i = 0; i < sizeof(std) / sizeof(std[0]); i++) {
		long long off = (long long)prio - std[i].val;

		if (off < -10 || off > 10)
			continue;
		if ((std[i].val == -100 && hook != IR_HOOK_PREROUTING && hook != IR_HOOK_OUTPUT) ||
		    (std[i].val == 100 && hook != IR_HOOK_INPUT))
			break;
		if (off > 0)
			sb_addf(sb, "%s + %lld", std[i].name, off);
		else if (off < 0)
			sb_addf(sb, "%s - %lld", std[i].name, -off);
		else
			sb_add(sb, std[i].name);
		return;
	}
	sb_addf(sb, "%d", prio);
}

/* @rs: print rules on sharded sets as the kernel holds them; NULL: as one set. */
static void print_chain(struct sbuf *sb, const struct ruleset *rs, const struct ir_chain *c)
{
	sb_addf(sb, "\tchain %s {\n", c->name);
	if (c->hook != IR_HOOK_NONE) {
		sb_addf(sb, "\t\ttype filter hook %s priority ", ir_hook_name(c->hook));
		print_priority(sb, c->hook, c->priority);
		sb_addf(sb, "; policy %s;\n", c->policy_drop ? "drop" : "accept");
	}
	for (size_t i = 0; i < c->n_rules; i++) {
		sb_add(sb, "\t\t");
		nft_text_print_rule(sb, rs, &c->rules[i]);
		sb_add(sb, "\n");
	}
	sb_add(sb, "\t}\n");
}

/*
 * The table block; @foreign adds the attach chain as ftpcfg sees it (the
 * jump only).  Without NFT_TEXT_DIFF in @flags, sharded sets print as the
 * kernel holds them, in the order it lists them (creation order: the maps
 * and shard sets in place of the set, the shard chains after ours).  @v:
 * one side of nft_text_render_pair(), or NULL.
 */
static void print_table(struct sbuf *sb, const struct ruleset *rs, bool foreign, unsigned flags,
			struct view *v)
{
	bool logical = flags & NFT_TEXT_DIFF;
	const char *sep = "";

	sb_addf(sb, "table %s %s {\n", ir_family_name(rs->family), rs->table);
	for (size_t i = 0; i < rs->n_helpers; i++, sep = "\n") {
		sb_add(sb, sep);
		print_helper(sb, &rs->helpers[i]);
	}
	for (size_t i = 0; i < rs->n_sets; i++) {
		if (!logical && (rs->sets[i].flags & IR_SET_SHARDED)) {
			print_sharded_set(sb, rs, &rs->sets[i], &sep);
			continue;
		}
		sb_add(sb, sep);
		print_set(sb, &rs->sets[i], logical, i, v);
		sep = "\n";
	}
	/* A dump that found no jump of ours has no jump to show (and no name for it). */
	if (foreign && rs->attach && rs->jump_chain) {
		sb_addf(sb, "%s\tchain %s {\n\t\tjump %s\n\t}\n", sep, rs->attach_chain,
			rs->jump_chain);
		sep = "\n";
	}
	for (size_t i = 0; i < rs->n_chains; i++, sep = "\n") {
		sb_add(sb, sep);
		print_chain(sb, logical ? NULL : rs, &rs->chains[i]);
	}
	for (size_t i = 0; !logical && i < rs->n_sets; i++)
		if (rs->sets[i].flags & IR_SET_SHARDED)
			print_shard_chains(sb, rs, &rs->sets[i]);
	sb_add(sb, "}\n");
}

/* `add chain` + `flush chain` for one chain of the attach file. */
static void attach_chain(struct sbuf *sb, const struct ruleset *rs, const char *name)
{
	const char *fam = ir_family_name(rs->family);

	sb_addf(sb, "add chain %s %s %s\nflush chain %s %s %s\n", fam, rs->table, name, fam,
		rs->table, name);
}

/* `add set` + `flush set` for one interval set of the attach file, under @name. */
static void attach_set(struct sbuf *sb, const struct ruleset *rs, const struct ir_set *set,
		       const char *name)
{
	const char *fam = ir_family_name(rs->family);

	sb_addf(sb, "add set %s %s %s { type %s;%s%s }\n", fam, rs->table, name,
		key_type(set->addr_family), set->flags & IR_SET_INTERVAL ? " flags interval;" : "",
		set->flags & IR_SET_AUTO_MERGE ? " auto-merge;" : "");
	sb_addf(sb, "flush set %s %s %s\n", fam, rs->table, name);
}

/* The same for a sharded set: its maps, shard chains and shard sets. */
static void attach_sharded(struct sbuf *sb, const struct ruleset *rs, const struct ir_set *set)
{
	const char *fam = ir_family_name(rs->family);
	char name[256];

	for (int src = 1; src >= 0; src--) {
		if (!shard_has_map(rs, set, src))
			continue;
		for (unsigned k = 0; k < IR_SHARDS; k++) {
			if (ir_shard_name(rs, set->name, src ? IR_SHARD_SRC_CHAIN : IR_SHARD_DST_CHAIN,
					  k, name, sizeof(name)) < 0)
				goto fail;
			attach_chain(sb, rs, name);
		}
		if (!src && ir_shard_name(rs, set->name, IR_SHARD_DST_MAP, 0, name, sizeof(name)) < 0)
			goto fail;
		sb_addf(sb, "add map %s %s %s { type %s : verdict; }\nflush map %s %s %s\n", fam,
			rs->table, src ? set->name : name, key_type(set->addr_family), fam, rs->table,
			src ? set->name : name);
	}
	for (unsigned k = 0; k < IR_SHARDS; k++) {
		if (ir_shard_name(rs, set->name, IR_SHARD_SET, k, name, sizeof(name)) < 0)
			goto fail;
		attach_set(sb, rs, set, name);
	}
	return;
fail:
	sb->err = sb->err ? sb->err : -EINVAL;
}

/*
 * Attach mode as a file for `nft -f`, on nft 1.0.6.  Our chains and
 * interval sets are added if missing and flushed, then refilled by the
 * table block (which, in a file, adds and never replaces); dynamic sets
 * keep their per-source counts.  The foreign table and chain must exist,
 * or the whole file fails and nothing changes.
 *
 * Limitation: nft deletes a rule only by handle, which a file cannot know,
 * so a second load inserts a second, identical jump.  That is harmless
 * (the second jump sees only packets ftpcfg's chain returned, and it
 * returns them again), but visible.  `ftpcfg apply` finds the jump by
 * handle and replaces it.  Objects of a server that left the site stay
 * until then too.
 */
static void print_attach_file(struct sbuf *sb, const struct ruleset *rs)
{
	const char *fam = ir_family_name(rs->family);

	sb_add(sb, "# ftpcfg attach mode: replaces ftpcfg's own objects only.  Loading this\n"
		   "# file again adds a second, harmless jump; `ftpcfg apply` replaces it.\n");
	for (size_t i = 0; i < rs->n_chains; i++)
		attach_chain(sb, rs, rs->chains[i].name);
	for (size_t i = 0; i < rs->n_sets; i++) {
		const struct ir_set *set = &rs->sets[i];

		if (set->flags & IR_SET_SHARDED)
			attach_sharded(sb, rs, set);
		else if (!(set->flags & IR_SET_DYNAMIC))
			attach_set(sb, rs, set, set->name);
	}
	print_table(sb, rs, false, 0, NULL);
	sb_addf(sb, "insert rule %s %s %s jump %s\n", fam, rs->table, rs->attach_chain,
		rs->jump_chain);
}

int nft_text_render(const struct ruleset *rs, unsigned flags, char **out)
{
	struct sbuf sb = { 0 };

	if (!(flags & NFT_TEXT_LOADABLE)) {
		print_table(&sb, rs, true, flags, NULL);
	} else if (rs->attach) {
		print_attach_file(&sb, rs);
	} else {
		/* "table" creates it when missing, so that "delete" cannot fail. */
		sb_addf(&sb, "table %s %s\ndelete table %s %s\n", ir_family_name(rs->family),
			rs->table, ir_family_name(rs->family), rs->table);
		print_table(&sb, rs, false, flags, NULL);
	}
	return sb_finish(&sb, out);
}

/* The runs of elements @a and @b share: what their diff view leaves out. */
struct elisions {
	struct elision *runs;
	size_t n;
	size_t alloc;
};

/* Keep @keep elements at each end of a shared run of @n; leave out the rest. */
static int elide(struct elisions *e, size_t a, size_t b, size_t n, size_t keep)
{
	if (n <= 2 * keep)
		return 0;
	if (e->n == e->alloc) {
		size_t alloc = e->alloc ? e->alloc * 2 : 16;
		struct elision *runs = realloc(e->runs, alloc * sizeof(*runs));

		if (!runs)
			return -ENOMEM;
		e->runs = runs;
		e->alloc = alloc;
	}
	e->runs[e->n++] = (struct elision){ a + keep, b + keep, n - 2 * keep };
	return 0;
}

/*
 * A run of @n elements both sets hold, from @i in @a and @j in @b.  The
 * first element prints after "elements = { " and the last before " }":
 * one that is first (or last) in one set only prints as another line in
 * each text, so it is no part of what the texts share.
 */
static int elide_run(struct elisions *e, const struct ir_set *a, const struct ir_set *b, size_t i,
		     size_t j, size_t n, size_t keep)
{
	if (n && (i == 0) != (j == 0)) {
		i++;
		j++;
		n--;
	}
	if (n && (i + n == a->n_elems) != (j + n == b->n_elems))
		n--;
	return elide(e, i, j, n, keep);
}

/*
 * Both sorted (ir_set_normalize()): one merge walk finds the runs the two
 * hold alike, as plan_elements() finds what differs.
 */
static int elide_set(struct elisions *e, const struct ir_set *a, const struct ir_set *b,
		     size_t keep)
{
	size_t len = ir_addr_len(a->addr_family);
	size_t i = 0;
	size_t j = 0;
	size_t run = 0;
	int ret = 0;

	while (ret == 0 && i < a->n_elems && j < b->n_elems) {
		int c = ir_range_cmp(&a->elems[i], &b->elems[j], len);

		if (c == 0) {
			run++;
			i++;
			j++;
			continue;
		}
		ret = elide_run(e, a, b, i - run, j - run, run, keep);
		run = 0;
		if (c < 0)
			i++;
		else
			j++;
	}
	return ret ? ret : elide_run(e, a, b, i - run, j - run, run, keep);
}

void nft_text_pair_release(struct nft_text_pair *p)
{
	free(p->old);
	free(p->new);
	free(p->gaps);
	memset(p, 0, sizeof(*p));
}

int nft_text_render_pair(const struct ruleset *old, const struct ruleset *new, unsigned context,
			 struct nft_text_pair *out)
{
	/* Keep at least one: the first and last lines of a set's elements differ. */
	size_t keep = context ? context : 1;
	struct elisions e = { 0 };
	struct view vo;
	struct view vn;
	struct sbuf so = { 0 };
	struct sbuf sn = { 0 };
	size_t *lo_o = NULL;
	size_t *lo_n = NULL;
	size_t no = old ? old->n_sets : 0;
	size_t nn = new ? new->n_sets : 0;
	int ret = -ENOMEM;

	memset(out, 0, sizeof(*out));
	/* lo[i], hi[i] side by side: [0, n) and [n, 2n); one more so that none is empty. */
	lo_o = calloc(2 * no + 1, sizeof(*lo_o));
	lo_n = calloc(2 * nn + 1, sizeof(*lo_n));
	if (!lo_o || !lo_n)
		goto out;
	/*
	 * Pair each old set with the next new set of its name, in order, so
	 * that the runs (and so the gaps) come in the same order in both
	 * texts.  A set of another family prints other elements: not paired.
	 */
	for (size_t i = 0, j = 0; i < no; i++) {
		size_t k = j;

		while (k < nn && strcmp(old->sets[i].name, new->sets[k].name))
			k++;
		lo_o[i] = lo_o[no + i] = e.n;
		if (k == nn)
			continue;
		lo_n[k] = e.n;
		if (old->sets[i].addr_family == new->sets[k].addr_family) {
			ret = elide_set(&e, &old->sets[i], &new->sets[k], keep);
			if (ret < 0)
				goto out;
		}
		lo_o[no + i] = lo_n[nn + k] = e.n;
		j = k + 1;
	}
	ret = -ENOMEM;
	if (e.n && !(out->gaps = calloc(e.n, sizeof(*out->gaps))))
		goto out;
	out->n_gaps = e.n;
	vo = (struct view){ e.runs, lo_o, lo_o + no, false, out->gaps, 0, 0 };
	vn = (struct view){ e.runs, lo_n, lo_n + nn, true, out->gaps, 0, 0 };
	if (old)
		print_table(&so, old, true, NFT_TEXT_DIFF, &vo);
	else
		sb_add(&so, "");
	if (new)
		print_table(&sn, new, true, NFT_TEXT_DIFF, &vn);
	else
		sb_add(&sn, "");
	ret = sb_finish(&so, &out->old);
	if (ret == 0)
		ret = sb_finish(&sn, &out->new);
	else
		free(sn.buf);
	so.buf = sn.buf = NULL;	/* handed over or freed */
out:
	free(so.buf);
	free(sn.buf);
	free(e.runs);
	free(lo_o);
	free(lo_n);
	if (ret < 0)
		nft_text_pair_release(out);
	return ret;
}
