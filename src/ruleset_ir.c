/*
 * ruleset_ir: the IR's own operations, shared by whoever builds or decodes
 * a ruleset: set elements (add, normalize), names, and freeing.  Nothing
 * here knows about sites beyond turning a network into a range.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "mem.h"
#include "radix.h"
#include "ruleset.h"

const char *ir_family_name(enum ir_family f)
{
	switch (f) {
	case IR_FAMILY_INET:
		return "inet";
	case IR_FAMILY_IP:
		return "ip";
	case IR_FAMILY_IP6:
		return "ip6";
	}
	return "?";
}

const char *ir_hook_name(enum ir_hook h)
{
	switch (h) {
	case IR_HOOK_NONE:
		return "none";
	case IR_HOOK_PREROUTING:
		return "prerouting";
	case IR_HOOK_INPUT:
		return "input";
	case IR_HOOK_OUTPUT:
		return "output";
	}
	return "?";
}

size_t ir_addr_len(int addr_family)
{
	if (addr_family == AF_INET)
		return 4;
	if (addr_family == AF_INET6)
		return 16;
	return 0;
}

void ir_range_from_net(struct ir_range *r, const struct site_net *n)
{
	size_t len = ir_addr_len(n->addr.family);
	unsigned prefix = n->prefix > len * 8 ? (unsigned)(len * 8) : n->prefix;

	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < len; i++) {
		unsigned bits = 0;
		uint8_t mask;

		if (prefix >= (i + 1) * 8)
			bits = 8;
		else if (prefix > i * 8)
			bits = prefix - (unsigned)(i * 8);
		mask = bits ? (uint8_t)(0xffU << (8 - bits)) : 0;
		r->lo[i] = n->addr.bytes[i] & mask;
		r->hi[i] = r->lo[i] | (uint8_t)~mask;
	}
}

void ir_range_from_v4(struct ir_range *r, uint32_t addr, unsigned prefix)
{
	uint32_t mask = prefix >= 32 ? ~(uint32_t)0 : prefix ? ~(uint32_t)0 << (32 - prefix) : 0;
	uint32_t lo = addr & mask;
	uint32_t hi = lo | ~mask;

	memset(r, 0, sizeof(*r));
	for (int i = 0; i < 4; i++) {
		r->lo[i] = (uint8_t)(lo >> (24 - 8 * i));
		r->hi[i] = (uint8_t)(hi >> (24 - 8 * i));
	}
}

int ir_range_cmp(const struct ir_range *a, const struct ir_range *b, size_t len)
{
	int c = ir_key_cmp(a->lo, b->lo, len);

	return c ? c : ir_key_cmp(a->hi, b->hi, len);
}

int ir_set_reserve(struct ir_set *set, size_t n)
{
	struct ir_range *elems;
	size_t want;

	if (n <= set->alloc - set->n_elems)
		return 0;
	if (n > SIZE_MAX / sizeof(*elems) - set->n_elems)
		return -ENOMEM;
	want = set->n_elems + n;
	elems = realloc(set->elems, want * sizeof(*elems));
	if (!elems)
		return -ENOMEM;
	mem_prefault(elems + set->n_elems, n * sizeof(*elems));
	set->elems = elems;
	set->alloc = want;
	return 0;
}

int ir_set_add_range(struct ir_set *set, const struct ir_range *r)
{
	if (set->n_elems == set->alloc) {
		size_t more = set->alloc ? set->alloc : 16;
		int ret = ir_set_reserve(set, more);

		if (ret < 0)
			return ret;
	}
	set->elems[set->n_elems++] = *r;
	return 0;
}

static unsigned log2_floor(size_t n)
{
	unsigned r = 0;

	while (n >>= 1)
		r++;
	return r;
}

/* Starts only: bytes past an address's length are zero, so 16 serve any family. */
static int key_cmp(const struct ir_range *a, const struct ir_range *b, size_t len)
{
	return ir_key_cmp(a->lo, b->lo, len == 4 ? 4 : sizeof(a->lo));
}

static void swap_ranges(struct ir_range *a, struct ir_range *b)
{
	struct ir_range t = *a;

	*a = *b;
	*b = t;
}

static void insertion_sort(struct ir_range *e, size_t n, size_t len)
{
	for (size_t i = 1; i < n; i++) {
		struct ir_range x = e[i];
		size_t j = i;

		for (; j > 0 && key_cmp(&e[j - 1], &x, len) > 0; j--)
			e[j] = e[j - 1];
		e[j] = x;
	}
}

static void sift_down(struct ir_range *e, size_t root, size_t n, size_t len)
{
	for (size_t child; (child = 2 * root + 1) < n; root = child) {
		if (child + 1 < n && key_cmp(&e[child], &e[child + 1], len) < 0)
			child++;
		if (key_cmp(&e[root], &e[child], len) >= 0)
			return;
		swap_ranges(&e[root], &e[child]);
	}
}

static void heap_sort(struct ir_range *e, size_t n, size_t len)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down(e, i, n, len);
	for (size_t end = n; end-- > 1;) {
		swap_ranges(&e[0], &e[end]);
		sift_down(e, 0, end, len);
	}
}

/*
 * Sort by start in place: quicksort (median of three, Hoare partition),
 * heapsort past @depth levels so that no input costs more than n log n,
 * insertion sort for short runs.  glibc's qsort is a merge sort that
 * copies the whole array first: 3 MB of fresh memory at 100 000 networks.
 * Order among equal starts does not matter: the merge keeps the widest.
 */
static void sort_ranges(struct ir_range *e, size_t n, size_t len, unsigned depth)
{
	while (n > 16) {
		struct ir_range pivot;
		size_t m = n / 2;
		size_t i = 0;
		size_t j = n - 1;

		if (!depth--) {
			heap_sort(e, n, len);
			return;
		}
		if (key_cmp(&e[m], &e[0], len) < 0)
			swap_ranges(&e[m], &e[0]);
		if (key_cmp(&e[n - 1], &e[0], len) < 0)
			swap_ranges(&e[n - 1], &e[0]);
		if (key_cmp(&e[n - 1], &e[m], len) < 0)
			swap_ranges(&e[n - 1], &e[m]);
		pivot = e[m];
		/* e[0] <= pivot <= e[n - 1] stop both scans inside the array. */
		for (;;) {
			while (key_cmp(&e[i], &pivot, len) < 0)
				i++;
			while (key_cmp(&e[j], &pivot, len) > 0)
				j--;
			if (i >= j)
				break;
			swap_ranges(&e[i], &e[j]);
			i++;
			j--;
		}
		/* [0, j] and [j + 1, n): recurse into the smaller, loop on the larger. */
		if (j + 1 < n - j - 1) {
			sort_ranges(e, j + 1, len, depth);
			e += j + 1;
			n -= j + 1;
		} else {
			sort_ranges(e + j + 1, n - j - 1, len, depth);
			n = j + 1;
		}
	}
	insertion_sort(e, n, len);
}

/*
 * IPv4 starts are 32-bit numbers: a radix sort of (start, index) pairs, 8
 * bytes each, and one gather of the ranges take half the time of sorting
 * the 32-byte ranges themselves (100 000 networks: ~4 against ~9 ms).
 * false when memory is short: the caller sorts in place instead.
 */
#define RADIX_MIN 256	/* below, the passes cost more than they save */
static bool radix_sort4(struct ir_set *set)
{
	size_t n = set->n_elems;
	uint64_t *a = n <= UINT32_MAX ? malloc(n * sizeof(*a)) : NULL;
	uint64_t *b = a ? malloc(n * sizeof(*b)) : NULL;
	struct ir_range *out = b ? malloc(set->alloc * sizeof(*out)) : NULL;

	if (!out) {
		free(a);
		free(b);
		return false;
	}
	mem_prefault(a, n * sizeof(*a));
	mem_prefault(b, n * sizeof(*b));
	mem_prefault(out, n * sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		const uint8_t *k = set->elems[i].lo;

		a[i] = ((uint64_t)k[0] << 56 | (uint64_t)k[1] << 48 | (uint64_t)k[2] << 40 |
			(uint64_t)k[3] << 32) | i;
	}
	radix_sort_u64(&a, &b, n, 32);
	for (size_t i = 0; i < n; i++)
		out[i] = set->elems[(uint32_t)a[i]];
	free(set->elems);
	set->elems = out;
	free(a);
	free(b);
	return true;
}

/* Already in order: the common case of a list kept sorted saves the sort. */
static bool is_sorted(const struct ir_range *e, size_t n, size_t len)
{
	for (size_t i = 1; i < n; i++)
		if (ir_key_cmp(e[i - 1].lo, e[i].lo, len) > 0)
			return false;
	return true;
}

/* Is @b == @a + 1 over @len bytes?  False when @a is the top of the key space. */
static bool is_successor(const uint8_t *a, const uint8_t *b, size_t len)
{
	uint8_t next[16];
	size_t i = len;

	/* An IPv4 key as a number: called for nearly every range of a large set. */
	if (len == 4) {
		uint32_t x = ir_key32(a);

		return x != UINT32_MAX && x + 1 == ir_key32(b);
	}

	memcpy(next, a, len);
	while (i > 0) {
		i--;
		if (++next[i] != 0)
			return memcmp(next, b, len) == 0;
	}
	return false;
}

void ir_set_normalize(struct ir_set *set)
{
	size_t len = ir_addr_len(set->addr_family);
	struct ir_range *e;
	size_t w = 0;

	if (set->n_elems < 2)
		return;
	if (!len)
		len = sizeof(e->lo);
	if (!is_sorted(set->elems, set->n_elems, len) &&
	    (len != 4 || set->n_elems < RADIX_MIN || !radix_sort4(set)))
		sort_ranges(set->elems, set->n_elems, len, 2 * log2_floor(set->n_elems));
	e = set->elems;
	for (size_t i = 1; i < set->n_elems; i++) {
		if (ir_key_cmp(e[i].lo, e[w].hi, len) <= 0 || is_successor(e[w].hi, e[i].lo, len)) {
			if (ir_key_cmp(e[i].hi, e[w].hi, len) > 0)
				memcpy(e[w].hi, e[i].hi, len);
		} else {
			e[++w] = e[i];
		}
	}
	set->n_elems = w + 1;
}

struct ir_rule *ir_chain_add_rule(struct ir_chain *c)
{
	struct ir_rule *r;

	if (c->n_rules == c->alloc) {
		size_t alloc = c->alloc ? 2 * c->alloc : 16;
		struct ir_rule *rules;

		if (alloc > SIZE_MAX / sizeof(*rules))
			return NULL;
		rules = realloc(c->rules, alloc * sizeof(*rules));
		if (!rules)
			return NULL;
		c->rules = rules;
		c->alloc = alloc;
	}
	r = &c->rules[c->n_rules++];
	memset(r, 0, sizeof(*r));
	return r;
}

void ir_chain_release(struct ir_chain *c)
{
	for (size_t i = 0; i < c->n_rules; i++) {
		struct ir_rule *r = &c->rules[i];

		for (size_t j = 0; j < r->n_matches; j++)
			free(r->matches[j].set);
		free(r->target);
		free(r->comment);
	}
	free(c->rules);
	free(c->name);
}

void ruleset_free(struct ruleset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n_helpers; i++) {
		free(rs->helpers[i].name);
		free(rs->helpers[i].type);
	}
	for (size_t i = 0; i < rs->n_sets; i++) {
		free(rs->sets[i].name);
		free(rs->sets[i].elems);
	}
	for (size_t i = 0; i < rs->n_chains; i++)
		ir_chain_release(&rs->chains[i]);
	free(rs->helpers);
	free(rs->sets);
	free(rs->chains);
	free(rs->table);
	free(rs->attach_chain);
	free(rs->jump_chain);
	free(rs->zone);
	free(rs);
}
