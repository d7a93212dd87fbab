/*
 * ruleset_shard: how a sharded allowlist (IR_SET_SHARDED) is laid out in
 * the kernel: which shard an address range belongs to, the map keys, and
 * the names of the pieces.  Shared by the printer, the encoder and the
 * decoder so that all three agree; it never talks to the kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ruleset.h"

size_t ir_shard_byte(int addr_family)
{
	return addr_family == AF_INET6 ? 3 : 0;
}

void ir_shard_span(int addr_family, const struct ir_range *r, unsigned *first, unsigned *last)
{
	size_t kb = ir_shard_byte(addr_family);

	/* A byte at a time: at most 3, for each of 100 000 ranges twice. */
	for (size_t i = 0; i < kb; i++) {
		if (r->lo[i] != r->hi[i]) {
			*first = 0;
			*last = IR_SHARDS - 1;
			return;
		}
	}
	*first = r->lo[kb];
	*last = r->hi[kb];
}

void ir_shard_key(int addr_family, unsigned k, uint8_t out[16])
{
	memset(out, 0, 16);
	out[ir_shard_byte(addr_family)] = (uint8_t)k;
}

void ir_shard_mask(int addr_family, uint8_t out[16])
{
	memset(out, 0, 16);
	out[ir_shard_byte(addr_family)] = 0xff;
}

/*
 * IPv4, keyed by the first byte: sorted, non-overlapping ranges reach the
 * shards in order, so shard k's ranges are the run from the first whose
 * end reaches k to the last whose start does (a range that spans shards is
 * the last of one and the first of the next).  Two binary searches a
 * shard (first_at_least(): the first range whose start, or end, byte is
 * at least @k) instead of a look at every range.
 */
static size_t first_at_least(const struct ir_range *e, size_t n, bool by_start, unsigned k)
{
	size_t lo = 0;
	size_t hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if ((by_start ? e[mid].lo[0] : e[mid].hi[0]) < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int split_v4_some(const struct ir_range *elems, size_t n, const bool *only,
			 struct ir_shards *out)
{
	size_t from[IR_SHARDS];
	size_t to[IR_SHARDS];
	size_t fill = 0;

	for (unsigned k = 0; k < IR_SHARDS; k++) {
		from[k] = to[k] = 0;
		if (only[k]) {
			from[k] = first_at_least(elems, n, false, k);	/* its end reaches k */
			to[k] = first_at_least(elems, n, true, k + 1);	/* it starts after k */
			if (to[k] < from[k])
				to[k] = from[k];
		}
		out->start[k + 1] = out->start[k] + (to[k] - from[k]);
	}
	out->idx = malloc((out->start[IR_SHARDS] ? out->start[IR_SHARDS] : 1) * sizeof(*out->idx));
	if (!out->idx)
		return -ENOMEM;
	for (unsigned k = 0; k < IR_SHARDS; k++)
		for (size_t i = from[k]; i < to[k]; i++)
			out->idx[fill++] = i;
	return 0;
}

int ir_shards_split_some(int addr_family, const struct ir_range *elems, size_t n,
			 const bool *only, struct ir_shards *out)
{
	size_t fill[IR_SHARDS];
	size_t total = 0;
	unsigned first;
	unsigned last;

	memset(out, 0, sizeof(*out));
	if (only && ir_shard_byte(addr_family) == 0)
		return split_v4_some(elems, n, only, out);
	/* Count, then place: one pass each, no per-shard allocation. */
	for (size_t i = 0; i < n; i++) {
		ir_shard_span(addr_family, &elems[i], &first, &last);
		for (unsigned k = first; k <= last; k++)
			out->start[k + 1] += !only || only[k];
	}
	for (unsigned k = 0; k < IR_SHARDS; k++) {
		out->start[k + 1] += out->start[k];
		fill[k] = out->start[k];
	}
	total = out->start[IR_SHARDS];
	out->idx = malloc((total ? total : 1) * sizeof(*out->idx));
	if (!out->idx)
		return -ENOMEM;
	for (size_t i = 0; i < n && total; i++) {
		ir_shard_span(addr_family, &elems[i], &first, &last);
		for (unsigned k = first; k <= last; k++)
			if (!only || only[k])
				out->idx[fill[k]++] = i;
	}
	return 0;
}

int ir_shards_split(int addr_family, const struct ir_range *elems, size_t n,
		    struct ir_shards *out)
{
	return ir_shards_split_some(addr_family, elems, n, NULL, out);
}

void ir_shards_release(struct ir_shards *s)
{
	free(s->idx);
	memset(s, 0, sizeof(*s));
}

int ir_shard_name(const struct ruleset *rs, const char *set, enum ir_shard_obj what, unsigned k,
		  char *buf, size_t size)
{
	char sep = rs->attach ? '-' : '_';
	int n = -1;

	switch (what) {
	case IR_SHARD_SET:
	case IR_SHARD_SRC_CHAIN:
		n = snprintf(buf, size, "%s%c%02x", set, sep, k & 0xffU);
		break;
	case IR_SHARD_DST_MAP:
		n = snprintf(buf, size, "%s%cdst", set, sep);
		break;
	case IR_SHARD_DST_CHAIN:
		n = snprintf(buf, size, "%s%cdst%c%02x", set, sep, sep, k & 0xffU);
		break;
	}
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return 0;
}

bool ir_set_matched(const struct ruleset *rs, const char *set, enum ir_match_kind kind)
{
	for (size_t c = 0; c < rs->n_chains; c++) {
		const struct ir_chain *ch = &rs->chains[c];

		for (size_t r = 0; r < ch->n_rules; r++)
			for (size_t m = 0; m < ch->rules[r].n_matches; m++)
				if (ch->rules[r].matches[m].kind == kind &&
				    ch->rules[r].matches[m].set &&
				    !strcmp(ch->rules[r].matches[m].set, set))
					return true;
	}
	return false;
}

const struct ir_set *ir_set_find(const struct ruleset *rs, const char *name)
{
	for (size_t i = 0; rs && i < rs->n_sets; i++)
		if (!strcmp(rs->sets[i].name, name))
			return &rs->sets[i];
	return NULL;
}
