/*
 * ruleset: the firewall as plain data (the IR), built from a validated site.
 * nft_text prints it and nft_netlink turns it into a batch; both read only
 * this.  Rules are drawn from a closed vocabulary of matches so that a
 * ruleset dumped from the kernel can be decoded back into the same data.
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

enum ir_ct_state {
	IR_CT_NEW = 1U << 0,
	IR_CT_ESTABLISHED = 1U << 1,
	IR_CT_RELATED = 1U << 2,
	IR_CT_INVALID = 1U << 3,
};

enum ir_match_kind {
	IR_MATCH_TCP_DPORT,	/* port range lo..hi, lo == hi for one port */
	IR_MATCH_TCP_SPORT,	/* port range lo..hi */
	IR_MATCH_TCP_SPORT_LIST,/* an anonymous set of ports: ports[0..n_ports) */
	IR_MATCH_DADDR,		/* ip/ip6 daddr equals addr */
	IR_MATCH_SADDR_SET,	/* ip/ip6 saddr @set (family from addr_family) */
	IR_MATCH_DADDR_SET,	/* ip/ip6 daddr @set */
	IR_MATCH_CT_STATE,	/* ct state in mask */
	IR_MATCH_CT_COUNT,	/* ct count over count (all sources) */
	IR_MATCH_CT_COUNT_PER_SADDR, /* add @set { ip/ip6 saddr ct count over count } */
};

#define IR_MAX_PORTS 16

struct ir_match {
	enum ir_match_kind kind;
	int addr_family;	/* AF_INET / AF_INET6 for address matches */
	uint16_t port_lo;
	uint16_t port_hi;
	uint16_t ports[IR_MAX_PORTS];
	size_t n_ports;
	struct site_addr addr;
	char *set;		/* owned; set name for set matches */
	uint32_t ct_state;	/* enum ir_ct_state bits */
	uint32_t count;
};

enum ir_verdict {
	IR_VERDICT_ACCEPT,
	IR_VERDICT_DROP,
	IR_VERDICT_JUMP,	/* target: chain name */
	IR_VERDICT_CT_HELPER,	/* ct helper set target (a ct helper object) */
};

#define IR_MAX_MATCHES 6

struct ir_rule {
	struct ir_match matches[IR_MAX_MATCHES];
	size_t n_matches;
	bool counter;
	enum ir_verdict verdict;
	char *target;		/* owned; jump chain or helper name */
	char *comment;		/* owned; may be NULL */
	unsigned line;		/* site line it comes from, 0 if none */
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
};

struct ir_set {
	char *name;
	int addr_family;	/* AF_INET or AF_INET6 */
	uint32_t flags;		/* enum ir_set_flags */
	uint32_t size;		/* 0: no size */
	struct ir_range *elems;	/* sorted, merged, non-adjacent */
	size_t n_elems;
	size_t alloc;
	unsigned line;
};

struct ir_helper {
	char *name;		/* the object's name */
	char *type;		/* "ftp" */
};

struct ruleset {
	enum ir_family family;
	char *table;
	bool attach;		/* the table is someone else's: manage only what is listed */
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
 * Build the ruleset for a validated site.  *out is owned by the caller
 * (ruleset_free()).  Returns 0 or -ENOMEM.
 */
int ruleset_build(const struct site *s, struct ruleset **out);

void ruleset_free(struct ruleset *rs);

/* Sort and merge a set's elements in place (overlapping and adjacent ranges). */
void ir_set_normalize(struct ir_set *set);

/* Fill lo..hi for an address/prefix. */
void ir_range_from_net(struct ir_range *r, const struct site_net *n);

const char *ir_family_name(enum ir_family f);
const char *ir_hook_name(enum ir_hook h);

#endif
