/*
 * What the nft_netlink*.c files share and nothing else may see: the socket
 * context, the batch buffer and the helpers that write messages into it.
 * Kept free of libmnl/libnftnl types so that the boundary stays one grep.
 */
#ifndef FTPCFG_NFT_NETLINK_INT_H
#define FTPCFG_NFT_NETLINK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

#include "diag.h"
#include "nft_netlink.h"
#include "ruleset.h"

struct mnl_socket;
struct nftnl_rule;

struct nft_netlink {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	int sndbuf;		/* what the socket's buffers were last sized to */
	int rcvbuf;
};

/* One message of a batch: what it does, and the site line behind it. */
struct nfn_rec {
	uint32_t seq;
	unsigned line;
	char what[120];
};

/* A set created earlier in this batch, so that lookups can name its id. */
struct nfn_set_id {
	char name[64];
	uint32_t id;
};

struct nft_netlink_batch {
	char *buf;
	size_t len;
	size_t cap;
	size_t zeroed;		/* buf[0, zeroed) has been cleared */
	uint32_t seq_begin;	/* BATCH_BEGIN's sequence number */
	uint32_t seq;		/* the next message's */
	uint32_t genid;
	const char *site_file;
	struct nfn_rec *recs;
	size_t n_recs;
	size_t alloc_recs;
	struct nfn_set_id *set_ids;
	size_t n_set_ids;
	size_t alloc_set_ids;
	uint32_t next_set_id;
	bool finished;
};

/*
 * Room for the largest message that is not an element list: a rule has at
 * most IR_MAX_MATCHES matches of a few hundred bytes each, and comments are
 * capped at NFN_MAX_COMMENT.
 */
#define NFN_MSG_ROOM 16384
#define NFN_MAX_COMMENT 1024

/* The kernel's longest object name, NFT_NAME_MAXLEN, with its NUL. */
#define NFN_NAME_MAX 256

/* Record "out of memory building the netlink batch" in @d; returns -ENOMEM. */
int nfn_oom(struct diag *d);

/*
 * Start a message of @type in @b with room for @room bytes: returns its
 * header (valid until the next nfn_msg_begin) or NULL for -ENOMEM.  The
 * record says what it does and where it comes from.
 */
struct nlmsghdr *nfn_msg_begin(struct nft_netlink_batch *b, uint16_t type, uint16_t family,
			       uint16_t flags, size_t room, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

/* Account for the message nfn_msg_begin() started, now complete. */
void nfn_msg_end(struct nft_netlink_batch *b, struct nlmsghdr *nlh);

/* Remember that set @name gets id @id in this batch.  0 or -ENOMEM. */
int nfn_set_id_add(struct nft_netlink_batch *b, const char *name, uint32_t id);

/* The id of a set created earlier in this batch, or 0. */
uint32_t nfn_set_id_find(const struct nft_netlink_batch *b, const char *name);

/*
 * Send one request and run @cb over every reply until its ACK or
 * NLMSG_DONE.  0 or -errno (the kernel's error for the request).
 */
int nfn_talk(struct nft_netlink *nl, struct nlmsghdr *nlh,
	     int (*cb)(const struct nlmsghdr *nlh, void *data), void *data);

/* The kernel's family (NFPROTO_*) of an IR family. */
uint16_t nfn_family(enum ir_family f);

/*
 * Build the expressions and userdata of @r into @nr; anonymous sets it
 * needs (a port list) are added to @b first.  0, -ENOMEM or -EINVAL.
 */
int nfn_rule_encode(struct nft_netlink_batch *b, const struct ruleset *rs, const char *chain,
		    const struct ir_rule *r, struct nftnl_rule *nr, struct diag *d);

/* Port lists of anonymous sets, for decoding lookups: name → ports. */
struct nfn_anon {
	char name[64];
	uint16_t ports[IR_MAX_PORTS];
	size_t n_ports;
	bool too_many;
};

/*
 * Decode @nr into @out (zeroed by the caller; its strings are owned by it
 * afterwards, freed by ruleset_free with the rest).  A rule outside the
 * vocabulary decodes to the "not understood" rule nft_netlink.h describes.
 * 0 or -ENOMEM; on failure @out holds nothing.
 */
int nfn_rule_decode(const struct nftnl_rule *nr, enum ir_family family,
		    const struct nfn_anon *anon, size_t n_anon, struct ir_rule *out);

/*
 * A verdict map found by a dump: the jump target of each shard key, as
 * ir_shard_key() makes them.  @bad: an element that is not one of those.
 */
struct nfn_map {
	char name[NFN_NAME_MAX];
	int addr_family;
	char *chains[IR_SHARDS];	/* owned; NULL where no element */
	bool bad;
};

/*
 * Fold what a dump found of sharded sets (@maps, their chains and shard
 * sets in live->rs) back into one IR_SET_SHARDED set each, in the place of
 * its first shard set.  Pieces that do not make a whole sharded set stay
 * as they are (maps as plain sets), so that they compare unequal to every
 * ruleset ruleset_build() makes and a rebuild deletes them.  0 or -ENOMEM.
 */
int nfn_fold_shards(struct nft_netlink_live *live, const struct nfn_map *maps, size_t n_maps);

/*
 * A table dump under way: nft_netlink_dump.c sends the requests, the
 * callbacks of nft_netlink_dobj.c and nft_netlink_delem.c decode the
 * replies into it.
 */
struct nfn_key {
	uint8_t k[16];
	bool end;
};

struct nfn_dump {
	const struct ruleset *want;
	struct nft_netlink_live *live;
	struct ruleset *rs;
	size_t cap_chains;
	size_t cap_sets;
	size_t cap_helpers;
	struct nfn_anon *anon;
	size_t n_anon;
	size_t cap_anon;
	struct nfn_key *keys;
	size_t n_keys;
	size_t cap_keys;
	size_t klen;
	struct nfn_map *maps;	/* verdict maps: sharded sets' dispatch */
	size_t n_maps;
	size_t cap_maps;
	struct nfn_map *map;	/* the one whose elements are being read */
	int err;
};

/* nft_netlink_dobj.c: one chain, ct helper, set or rule of a dump (@data: struct nfn_dump). */
int nfn_chain_cb(const struct nlmsghdr *nlh, void *data);
int nfn_obj_cb(const struct nlmsghdr *nlh, void *data);
int nfn_set_cb(const struct nlmsghdr *nlh, void *data);
int nfn_rule_cb(const struct nlmsghdr *nlh, void *data);

/* nft_netlink_delem.c: grow *@arr (of @size-byte items) to hold @n + 1.  0 or -ENOMEM. */
int nfn_grow(void **arr, size_t *cap, size_t n, size_t size);

/*
 * nft_netlink_delem.c: one set's elements into c->keys, or into c->map's
 * chains while c->map is set (@data: struct nfn_dump).
 */
int nfn_elems_cb(const struct nlmsghdr *nlh, void *data);

/* Sort @n keys of @klen bytes, interval ends after starts of the same key. */
void nfn_sort_keys(struct nfn_key *keys, size_t n, size_t klen);

/* c->keys (starts, and interval ends) into @s as merged closed ranges.  0 or -ENOMEM. */
int nfn_keys_to_ranges(struct nfn_dump *c, struct ir_set *s);

/*
 * Give each rule of @rs that nfn_rule_decode() found to be someone else's
 * (IR_VERDICT_FOREIGN, no target yet) its text as nft prints it, read with
 * libnftables (nft_netlink_libnftables.c) by handle; a rule nft cannot
 * print gets a text that says so.  Call it within the generation the dump
 * read (the caller re-reads the generation after it).  0 or -ENOMEM.
 */
int nfn_nft_describe(struct ruleset *rs);

/* Release what nfn_rule_decode() put into @r. */
void nfn_rule_release(struct ir_rule *r);

/*
 * The guard (nft_netlink_foreign.c, nft_netlink_gexpr.c): how one foreign
 * rule judges one probe.
 */
enum nfn_tri {
	NFN_NO,
	NFN_YES,
	NFN_MAYBE,
};

enum nfn_gverdict {
	NFN_GV_NONE,		/* no verdict: the next rule */
	NFN_GV_ACCEPT,
	NFN_GV_DROP,		/* drop or reject */
	NFN_GV_JUMP,
	NFN_GV_GOTO,
	NFN_GV_RETURN,
	NFN_GV_UNKNOWN,		/* a verdict ftpcfg cannot judge (a verdict map, a queue) */
};

/* A foreign set's elements as sorted closed ranges (points for a hash set). */
struct nfn_gset {
	const struct ir_range *elems;
	size_t n;
	uint32_t keylen;
};

struct nfn_gctx {
	const struct nft_netlink_probe *probe;
	const struct ir_range *daddr;	/* the host's addresses of the probe's family */
	size_t n_daddr;
	/* The set @name of the rule's table: 0, -ENOENT (cannot say), -errno. */
	int (*set)(void *data, const char *name, struct nfn_gset *out);
	void *data;
};

struct nfn_gresult {
	enum nfn_tri match;
	enum nfn_gverdict verdict;
	char target[64];	/* jump/goto chain */
	char action[48];	/* DROP, UNKNOWN: "drop", "reject", "iptables target X" */
	char why[128];		/* MAYBE: what could not be judged */
	bool xt;		/* the rule holds an iptables xt expression */
};

/* Judge rule @r for the probe in @g.  0 or -errno (a set could not be read). */
int nfn_guard_rule(const struct nfn_gctx *g, const struct nftnl_rule *r, struct nfn_gresult *out);

/* Whether xt blob @info of match @name (revision @rev) holds for the probe. */
enum nfn_tri nfn_guard_xt_match(const struct nfn_gctx *g, const char *name, uint32_t rev,
				const void *info, uint32_t len, char *why, size_t why_size);

#endif
