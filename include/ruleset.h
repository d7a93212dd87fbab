/*
 * ruleset: the firewall as plain data (the IR), built from a validated site.
 * nft_text prints it and nft_netlink turns it into a batch; both read only
 * this.  Rules are drawn from a closed vocabulary of matches so that a
 * ruleset dumped from the kernel can be decoded back into the same data.
 *
 * The IR holds what the kernel holds, in nft's terms: interval sets as
 * sorted, merged closed ranges (the kernel's start/end elements are a
 * mechanical encoding of them, see nft_netlink_enc.c), ct states as the
 * kernel's bits, counters as a flag only (values are never a difference).
 */
#ifndef FTPCFG_RULESET_H
#define FTPCFG_RULESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "site.h"

enum ir_family {
	IR_FAMILY_INET,
	IR_FAMILY_IP,
	IR_FAMILY_IP6,
};

enum ir_hook {
	IR_HOOK_NONE,		/* a regular chain */
	IR_HOOK_PREROUTING,
	IR_HOOK_INPUT,
	IR_HOOK_OUTPUT,
};

/* The kernel's NF_CT_STATE_* bits, so that nft_netlink uses them as they are. */
enum ir_ct_state {
	IR_CT_INVALID = 1U << 0,
	IR_CT_ESTABLISHED = 1U << 1,
	IR_CT_RELATED = 1U << 2,
	IR_CT_NEW = 1U << 3,
};

enum ir_match_kind {
	IR_MATCH_TCP_DPORT,	/* port range lo..hi, lo == hi for one port */
	IR_MATCH_TCP_SPORT,	/* port range lo..hi */
	IR_MATCH_TCP_SPORT_LIST,/* an anonymous set of ports: ports[0..n_ports), ascending */
	IR_MATCH_DADDR,		/* ip/ip6 daddr equals addr (family from addr.family) */
	IR_MATCH_SADDR_SET,	/* ip/ip6 saddr @set (family from addr_family) */
	IR_MATCH_DADDR_SET,	/* ip/ip6 daddr @set */
	IR_MATCH_CT_STATE,	/* ct state has any bit of ct_state */
	IR_MATCH_CT_COUNT,	/* ct count over count: connections through this rule */
	IR_MATCH_CT_COUNT_PER_SADDR, /* add @set { ip/ip6 saddr ct count over count } */
};

/* Pure-FTPd's FTP_ACTIVE_SOURCE_PORTS has 9; room to spare, no allocation. */
#define IR_MAX_PORTS 16

struct ir_match {
	enum ir_match_kind kind;
	int addr_family;	/* AF_INET / AF_INET6 for set and count matches */
	uint16_t port_lo;
	uint16_t port_hi;
	uint16_t ports[IR_MAX_PORTS];
	size_t n_ports;
	struct site_addr addr;
	char *set;		/* owned; set name for set and per-saddr count matches */
	uint32_t ct_state;	/* enum ir_ct_state bits */
	uint32_t count;
};

/*
 * What a rule does once its matches hold.  IR_VERDICT_CT_HELPER is a
 * statement, not a verdict: the packet goes on to the next rule.
 */
enum ir_verdict {
	IR_VERDICT_ACCEPT,
	IR_VERDICT_DROP,
	IR_VERDICT_JUMP,	/* target: chain name */
	IR_VERDICT_CT_HELPER,	/* ct helper set target (a ct helper object) */
};

/* ruleset_build's longest rule has 4 matches (port, daddr, ct state, count). */
#define IR_MAX_MATCHES 6

/* Matches are printed and encoded in array order; counter comes after them. */
struct ir_rule {
	struct ir_match matches[IR_MAX_MATCHES];
	size_t n_matches;
	bool counter;
	enum ir_verdict verdict;
	char *target;		/* owned; jump chain or helper name, else NULL */
	char *comment;		/* owned; may be NULL */
	unsigned line;		/* site line it comes from, 0 if none */
	uint64_t handle;	/* the kernel's handle when decoded from a dump, else 0 */
};

struct ir_chain {
	char *name;
	enum ir_hook hook;	/* IR_HOOK_NONE: regular chain */
	int priority;		/* 0 = filter */
	bool policy_drop;	/* base chains: policy (ftpcfg's own are accept) */
	struct ir_rule *rules;
	size_t n_rules;
	size_t alloc;
};

/* A closed interval of addresses, both ends inclusive, in network order. */
struct ir_range {
	uint8_t lo[16];
	uint8_t hi[16];
};

enum ir_set_flags {
	IR_SET_INTERVAL = 1U << 0,
	IR_SET_DYNAMIC = 1U << 1,
	IR_SET_AUTO_MERGE = 1U << 2,	/* nft's userdata flag, not the kernel's */
};

struct ir_set {
	char *name;
	int addr_family;	/* AF_INET or AF_INET6 */
	uint32_t flags;		/* enum ir_set_flags */
	uint32_t size;		/* 0: no size */
	struct ir_range *elems;	/* after ir_set_normalize(): sorted, merged, non-adjacent */
	size_t n_elems;
	size_t alloc;
	unsigned line;
};

struct ir_helper {
	char *name;		/* the object's name */
	char *type;		/* "ftp" */
	enum ir_family l3proto;	/* the table's family: nft prints "l3proto inet" */
};

/*
 * Standalone: ftpcfg owns @table whole.  Attach: @table is someone else's;
 * ftpcfg manages only the helpers, sets and chains listed here plus one
 * rule, `jump jump_chain`, inserted first in the foreign base chain
 * attach_chain (first, so that a host's catch-all reject cannot hide it).
 */
struct ruleset {
	enum ir_family family;
	char *table;
	bool attach;
	char *attach_chain;	/* attach: the foreign base chain that jumps to ours */
	char *jump_chain;	/* attach: our chain it jumps to */
	struct ir_helper *helpers;
	size_t n_helpers;
	struct ir_set *sets;
	size_t n_sets;
	struct ir_chain *chains;
	size_t n_chains;
};

/*
 * Build the ruleset for a validated site with every default filled.  *out
 * is owned by the caller (ruleset_free()).  Returns 0, -ENOMEM, or -EINVAL
 * for a site that validation should have refused (an unknown attach family).
 */
int ruleset_build(const struct site *s, struct ruleset **out);

/* NULL-safe. */
void ruleset_free(struct ruleset *rs);

/*
 * Append a zeroed rule to @c, growing its array geometrically; the chain
 * owns it.  NULL when out of memory (the chain is unchanged).
 */
struct ir_rule *ir_chain_add_rule(struct ir_chain *c);

/* Free what @c owns (its rules and their strings, its name), not @c itself. */
void ir_chain_release(struct ir_chain *c);

/*
 * Append one range to @set, growing its array geometrically (never one
 * allocation per element).  0 or -ENOMEM; the set is unchanged on failure.
 */
int ir_set_add_range(struct ir_set *set, const struct ir_range *r);

/* Make room for @n more elements in one allocation.  0 or -ENOMEM. */
int ir_set_reserve(struct ir_set *set, size_t n);

/*
 * Sort and merge a set's elements in place: overlapping and adjacent ranges
 * become one.  O(n log n), no allocation.
 */
void ir_set_normalize(struct ir_set *set);

/* Fill lo..hi for an address/prefix (host bits of @n are ignored). */
void ir_range_from_net(struct ir_range *r, const struct site_net *n);

/* Key length in bytes of an address family: 4, 16, or 0 if unknown. */
size_t ir_addr_len(int addr_family);

const char *ir_family_name(enum ir_family f);
const char *ir_hook_name(enum ir_hook h);

#endif
