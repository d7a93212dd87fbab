/*
 * nft_netlink_fdump: one dump of every chain, rule and set of the families
 * the guard walks (nft_netlink_foreign.c), and the elements of a foreign set
 * when a rule looks one up.  Private to the guard; only reads.
 */
#ifndef FTPCFG_NFT_NETLINK_FDUMP_H
#define FTPCFG_NFT_NETLINK_FDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nft_netlink_int.h"

/* How deep jumps are followed; the kernel allows 16 levels. */
#define G_MAX_DEPTH 16

struct g_chain {
	uint32_t family;
	char *table;
	char *name;
	bool base;
	uint32_t hook;
	int prio;
	bool policy_drop;
	struct nftnl_rule **rules;
	size_t n_rules;
	size_t cap;
};

struct g_set {
	uint32_t family;
	char *table;
	char *name;
	uint32_t flags;
	uint32_t keylen;
	bool loaded;
	struct ir_range *elems;
	size_t n_elems;
};

struct g_dump {
	struct nft_netlink *nl;
	struct g_chain *chains;
	size_t n_chains;
	size_t cap_chains;
	struct g_set *sets;
	size_t n_sets;
	size_t cap_sets;
	size_t last;		/* the chain the previous rule went to */
	int err;
};

/* Grow *@arr (of *@cap items of @size) to hold @n + 1.  0 or -ENOMEM. */
int fdump_grow(void **arr, size_t *cap, size_t n, size_t size);
/* Free what @d holds (not @d). */
void fdump_release(struct g_dump *d);
/* The chain @name of @table in @family, or NULL. */
struct g_chain *fdump_find_chain(struct g_dump *d, uint32_t family, const char *table,
			     const char *name);
/* Dump every chain, rule and set of the walked families into @d.  0 or -errno. */
int fdump_all(struct g_dump *d);
/* qsort order of struct ir_range by lo. */
int fdump_range_cmp(const void *a, const void *b);
/* Read @g's elements once (g->loaded).  0 or -errno. */
int fdump_load_set(struct g_dump *d, struct g_set *g);

#endif
