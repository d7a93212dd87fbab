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
#include <string.h>
#include <endian.h>

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
	/*
	 * A rule ftpcfg did not write, found in a chain of its own by a dump:
	 * target holds it as `nft --stateless list` prints it (matches,
	 * statements and its real verdict), or says that nft could not.  It
	 * never equals a rule of ruleset_build()'s, and nothing encodes it:
	 * ftpcfg deletes it by its handle and cannot write it back.
	 */
	IR_VERDICT_FOREIGN,
};

/* ruleset_build's longest rule has 4 matches (port, daddr, ct state, count). */
#define IR_MAX_MATCHES 6

/* Matches are printed and encoded in array order; counter comes after them. */
struct ir_rule {
	struct ir_match matches[IR_MAX_MATCHES];
	size_t n_matches;
	bool counter;
	/* `ct mark set ct mark | ct_mark_or` after the counter, before the verdict; 0: none */
	uint32_t ct_mark_or;
	enum ir_verdict verdict;
	char *target;		/* owned; jump chain, helper name or foreign text, else NULL */
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

/* A 4-byte key (an IPv4 address) as a number. */
static inline uint32_t ir_key32(const uint8_t *k)
{
	uint32_t v;

	memcpy(&v, k, 4);
	return be32toh(v);
}

/*
 * Compare keys of @len bytes in network order as memcmp() does, inline for
 * the 4 and 16 bytes of an address: set code compares them a few million
 * times per change at 100 000 networks, and a call to memcmp() per
 * comparison was a tenth of it.
 */
static inline int ir_key_cmp(const uint8_t *a, const uint8_t *b, size_t len)
{
	uint64_t x, y;

	if (len == 4) {
		uint32_t u = ir_key32(a);
		uint32_t v = ir_key32(b);

		return (u > v) - (u < v);
	}
	if (len != 16)
		return memcmp(a, b, len);
	memcpy(&x, a, 8);
	memcpy(&y, b, 8);
	if (x == y) {
		memcpy(&x, a + 8, 8);
		memcpy(&y, b + 8, 8);
	}
	x = be64toh(x);
	y = be64toh(y);
	return (x > y) - (x < y);
}

enum ir_set_flags {
	IR_SET_INTERVAL = 1U << 0,
	IR_SET_DYNAMIC = 1U << 1,
	IR_SET_AUTO_MERGE = 1U << 2,	/* nft's userdata flag, not the kernel's */
	/*
	 * One logical allowlist kept in the kernel as IR_SHARDS interval sets,
	 * one per value of a key byte of the address (ir_shard_byte()), reached
	 * through a verdict map: `ip saddr & 255.0.0.0 vmap @NAME` jumps to
	 * chain NAME_kk, which holds `ip saddr @NAME_kk accept` (ir_shard_name()
	 * names the pieces).  A change commits into one small set instead of
	 * one large one, whose whole lookup structure the kernel rebuilds on
	 * every commit that touches it.  Everything above the encoder, the
	 * printer and the decoder sees one set of networks.
	 */
	IR_SET_SHARDED = 1U << 3,
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
	/*
	 * Who else must let FTP through (the site's <firewall backend>), and
	 * the ct mark bits of connections this table accepted (iptables).
	 * Kept in the record so that status and remove know what to look at.
	 */
	enum site_backend backend;
	uint32_t mark;
	/*
	 * firewalld: the site's <firewall zone>, "" for firewalld's default
	 * zone; NULL in a ruleset read back from the record, which does not
	 * keep it (the backend then finds the zone holding its rules).
	 */
	char *zone;
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
 * An allowlist of at least this many ranges (after merging) is sharded
 * (IR_SET_SHARDED); a smaller one stays one set.  Below it the 256 empty
 * shards and their chains cost a first apply more than a commit into one
 * set costs a change (see the README's Performance section).
 */
#ifndef RULESET_SHARD_MIN
#define RULESET_SHARD_MIN 8192
#endif

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
/* The same for an IPv4 address as a number (host order) and a prefix length. */
void ir_range_from_v4(struct ir_range *r, uint32_t addr, unsigned prefix);

/* Order of ranges of key length @len: by lo, then hi (memcmp's sign). */
int ir_range_cmp(const struct ir_range *a, const struct ir_range *b, size_t len);

/* Key length in bytes of an address family: 4, 16, or 0 if unknown. */
size_t ir_addr_len(int addr_family);

/* ---- sharded sets (IR_SET_SHARDED) ------------------------------------- */

/* One shard per value of the key byte. */
#define IR_SHARDS 256

/*
 * The byte of the address that picks a shard: IPv4 its first octet; IPv6
 * byte 3 (bits 24-31, the last byte of a /32), where registries' allocations
 * to providers spread out (the first bytes are mostly 2001, 24xx, 26xx and
 * 2axx).
 */
size_t ir_shard_byte(int addr_family);

/*
 * The shards range @r reaches, *first..*last: the values its key byte takes
 * when everything before that byte is fixed, else all of them.  A range is
 * kept whole in each shard it reaches.
 */
void ir_shard_span(int addr_family, const struct ir_range *r, unsigned *first, unsigned *last);

/* The map key of shard @k (the key byte set, the rest zero) and the mask that makes it. */
void ir_shard_key(int addr_family, unsigned k, uint8_t out[16]);
void ir_shard_mask(int addr_family, uint8_t out[16]);

/*
 * Elements per shard: elems[idx[start[k]]] .. elems[idx[start[k + 1] - 1]]
 * are shard k's, ascending.
 */
struct ir_shards {
	size_t start[IR_SHARDS + 1];
	size_t *idx;		/* owned */
};

/* Split @n sorted ranges into shards (ir_shards_release()).  0 or -ENOMEM. */
int ir_shards_split(int addr_family, const struct ir_range *elems, size_t n,
		    struct ir_shards *out);
/* The same for the shards @only[k] says (the others are left empty). */
int ir_shards_split_some(int addr_family, const struct ir_range *elems, size_t n,
			 const bool *only, struct ir_shards *out);
void ir_shards_release(struct ir_shards *s);

enum ir_shard_obj {
	IR_SHARD_SET,		/* the interval set of shard k: NAME_kk */
	IR_SHARD_SRC_CHAIN,	/* the chain the source map jumps to: NAME_kk */
	IR_SHARD_DST_MAP,	/* the destination map: NAME_dst (the source map is NAME) */
	IR_SHARD_DST_CHAIN,	/* the chain the destination map jumps to: NAME_dst_kk */
};

/*
 * IR_SHARD_SUFFIX_MAX: the longest suffix ir_shard_name() adds.  Attach mode
 * joins with '-' (every name there is ftpcfg-...), standalone with '_'.
 * 0, or -ENOSPC when @size is too short.
 */
#define IR_SHARD_SUFFIX_MAX 8
int ir_shard_name(const struct ruleset *rs, const char *set, enum ir_shard_obj what, unsigned k,
		  char *buf, size_t size);

/* Does a rule of @rs match @kind (IR_MATCH_SADDR_SET or _DADDR_SET) on set @set? */
bool ir_set_matched(const struct ruleset *rs, const char *set, enum ir_match_kind kind);

/* The set named @name, or NULL. */
const struct ir_set *ir_set_find(const struct ruleset *rs, const char *name);

const char *ir_family_name(enum ir_family f);
const char *ir_hook_name(enum ir_hook h);

#endif
