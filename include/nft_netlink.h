/*
 * nft_netlink: the ruleset IR to and from the kernel's nf_tables, over
 * netlink.  Encodes exactly what `nft -f` sends for our own rendered text,
 * sends it as one batch guarded by the generation id, and decodes a dump
 * of the live table back into the same IR.  The only module that talks
 * netlink (scripts/lint.sh checks it); its types stay behind these functions.
 */
#ifndef FTPCFG_NFT_NETLINK_H
#define FTPCFG_NFT_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "ruleset.h"

/*
 * Attach mode: ftpcfg's objects in a foreign table are the chains, sets and
 * helper objects whose names start with this, plus the jump to one of them.
 */
#define NFT_NETLINK_ATTACH_PREFIX "ftpcfg-"

/* An open NETLINK_NETFILTER socket, its port id and next sequence number. */
struct nft_netlink;

/*
 * Open the socket with NETLINK_EXT_ACK and NETLINK_CAP_ACK.  *out is owned
 * by the caller (nft_netlink_close()).  0, -ENOMEM, or the socket's -errno
 * (-EPERM without CAP_NET_ADMIN only shows later, at the first request).
 */
int nft_netlink_open(struct nft_netlink **out);

/* NULL-safe. */
void nft_netlink_close(struct nft_netlink *nl);

/* The ruleset generation (NFT_MSG_GETGEN).  0 or -errno. */
int nft_netlink_get_genid(struct nft_netlink *nl, uint32_t *genid);

/* Whether chain @chain of table @family @table exists (*out).  0 or -errno. */
int nft_netlink_chain_exists(struct nft_netlink *nl, enum ir_family family, const char *table,
			     const char *chain, bool *out);

/*
 * Which ruleset a generation counts in: this boot's id and the network
 * namespace's cookie (SO_NETNS_COOKIE, never reused within a boot), as
 * "BOOT_ID/COOKIE".  A generation restarts with every boot and every new
 * namespace, so a recorded one means something only with its instance.
 * 0, or -errno when the kernel cannot tell (then trust no recorded one).
 */
#define NFT_NETLINK_INSTANCE_MAX 64
int nft_netlink_get_instance(struct nft_netlink *nl, char out[NFT_NETLINK_INSTANCE_MAX]);

/*
 * *same: the ruleset is still at generation @genid of instance @instance
 * (both as recorded after an apply; @instance may be NULL: never the same).
 * 0 or -errno.
 */
int nft_netlink_same_generation(struct nft_netlink *nl, uint32_t genid, const char *instance,
				bool *same);

/*
 * What a dump found.  In attach mode only ftpcfg's objects of the foreign
 * table are decoded, and the rules of the foreign base chain that jump to
 * one of them are listed in jump_handles (the IR's attach_chain and
 * jump_chain come from the first).
 */
struct nft_netlink_live {
	uint32_t genid;		/* the generation this dump is consistent with */
	struct ruleset *rs;	/* owned; NULL when the table does not exist */
	uint64_t **rule_handles;/* owned; [c][r]: handle of rs->chains[c].rules[r] (also in .handle) */
	uint64_t *jump_handles;	/* owned; attach: rules in attach_chain jumping to us */
	size_t n_jump_handles;
	bool attach_chain_exists;/* attach: the foreign base chain is there */
};

/* NULL-safe. */
void nft_netlink_live_free(struct nft_netlink_live *live);

/*
 * Dump the table @want names (family, table; attach mode and attach_chain)
 * and decode it into *out (owned by the caller).  The generation is read
 * before and after; a dump that raced a change is retried a few times,
 * then -ESTALE.  A rule outside the IR's vocabulary decodes to a rule that
 * compares unequal to every rule ruleset_build() makes: no matches, verdict
 * drop, and a comment starting "ftpcfg: not understood: " with the kernel's
 * expressions.  0, -ENOMEM, -ESTALE, or -errno with a record in @d.
 */
int nft_netlink_dump(struct nft_netlink *nl, const struct ruleset *want,
		     struct nft_netlink_live **out, struct diag *d);

/*
 * What ftpcfg accepts, as another table's chains see it: the first packet
 * of one kind of FTP connection (a new control connection, a passive data
 * connection, new or related), from the site's sources.
 */
struct nft_netlink_probe {
	int af;			/* AF_INET or AF_INET6 */
	/*
	 * Outbound: an active-mode data connection the server opens, seen on
	 * the output hook; then the ports are its tcp sport and src holds the
	 * client networks it may go to (its destinations).  Else a packet
	 * coming in, seen on prerouting and input.
	 */
	bool outbound;
	uint16_t port_lo;	/* tcp dport lo..hi (outbound: sport) */
	uint16_t port_hi;
	bool related;		/* ct state related (the helper's data), else new */
	const struct ir_range *src; /* sources (outbound: destinations), keys of af's length; NULL: any */
	size_t n_src;
	const char *what;	/* what it stands for, e.g. the rule's comment (not owned) */
};

/* Who writes a table: recognised from its family, names and expressions. */
enum nft_netlink_manager {
	NFT_NETLINK_MANAGER_NONE,	/* nothing recognised: plain nft */
	NFT_NETLINK_MANAGER_IPTABLES,	/* iptables-nft (iptables, netfilter-persistent) */
	NFT_NETLINK_MANAGER_UFW,	/* ufw, through iptables-nft */
	NFT_NETLINK_MANAGER_DOCKER,	/* Docker, through iptables-nft */
	NFT_NETLINK_MANAGER_FIREWALLD,
};

enum nft_netlink_verdict {
	NFT_NETLINK_MAY_DROP,	/* some path drops it: a match ftpcfg cannot judge */
	NFT_NETLINK_DROPS,	/* every path drops or rejects it */
};

/* One foreign base chain that drops (or may drop) one probe's packets. */
struct nft_netlink_conflict {
	enum nft_netlink_verdict verdict;
	size_t probe;		/* index into the probes given */
	enum nft_netlink_manager manager;
	char family[8];
	char *table;		/* owned */
	char *chain;		/* owned: the base chain */
	const char *hook;	/* "prerouting", "input" or "output" */
	int priority;
	char *rule_chain;	/* owned: the chain of the deciding rule; NULL: the policy */
	uint64_t handle;	/* that rule's handle; 0: the policy */
	char *why;		/* owned: "policy drop", "reject", or what could not be judged */
};

/* NULL-safe. */
void nft_netlink_conflicts_free(struct nft_netlink_conflict *c, size_t n);

/* Free what one conflict owns (not the conflict itself), and zero it. */
void nft_netlink_conflicts_free_one(struct nft_netlink_conflict *c);

/*
 * Walk every base chain on the prerouting and input hooks (output, for
 * outbound probes) of every ip, ip6
 * and inet table but ftpcfg's own (@want: its table, or in attach mode its
 * attach chain), following jumps and gotos, and report each that drops or
 * may drop a probe's packets although ftpcfg accepts them: an accept ends
 * only its own base chain.  *out (owned, NULL when none) holds *n_out;
 * *n_foreign is the number of other base chains on the prerouting, input
 * and output hooks, walked or not (0: no probe whatever can conflict with
 * anything at this generation).
 * 0, -ENOMEM or -errno.
 */
int nft_netlink_conflicts(struct nft_netlink *nl, const struct ruleset *want,
			  const struct nft_netlink_probe *probes, size_t n_probes,
			  struct nft_netlink_conflict **out, size_t *n_out, size_t *n_foreign);

/* Who manages table @family @table (it may not exist: NONE).  0 or -errno. */
int nft_netlink_table_manager(struct nft_netlink *nl, enum ir_family family, const char *table,
			      enum nft_netlink_manager *out);

/*
 * A batch under construction: one contiguous buffer of nfnetlink messages
 * from BATCH_BEGIN on, and for each message what it does and the site
 * line it comes from, so that the kernel's answer can be mapped back.
 */
struct nft_netlink_batch;

enum nft_netlink_send_flags {
	/* Let the kernel validate the whole batch, then abort it (no END). */
	NFT_NETLINK_CHECK = 1U << 0,
};

/*
 * Start a batch.  Sequence numbers are taken from @nl (NULL: start at 1,
 * for building without a socket); @genid guards it: the kernel refuses the
 * whole batch if the ruleset generation is no longer @genid (0: unguarded).
 * @site_file names the site in diagnostics (not owned; may be NULL).
 * 0 or -ENOMEM.
 */
int nft_netlink_batch_new(struct nft_netlink *nl, uint32_t genid, const char *site_file,
			  struct nft_netlink_batch **out);

/* NULL-safe. */
void nft_netlink_batch_free(struct nft_netlink_batch *b);

/*
 * Replace everything ftpcfg manages with @want, atomically.  Standalone:
 * add table, delete table, then the whole table (nothing needs reading
 * first).  Attach: @live (NULL: nothing of ours exists yet) names what to
 * delete first: the jump rules, our chains, sets and helpers; then ours are
 * added and the jump is inserted first in attach_chain.  Nothing else in a
 * foreign table is touched.  0, -ENOMEM, or -EINVAL for an IR the encoder
 * cannot express (e.g. unsorted set elements), with a record in @d.
 */
int nft_netlink_batch_replace(struct nft_netlink_batch *b, const struct ruleset *want,
			      const struct nft_netlink_live *live, struct diag *d);

/*
 * The delta form: each adds the messages for one change of a plan to @b.
 * @rs gives the family and table.  Sets, chains and helpers are named;
 * rules are named by their kernel handle (from nft_netlink_live).
 */

/*
 * Turn the elements of set @want into want->elems when the kernel holds
 * @old (normalized, as decoded by a dump): only ranges that differ are
 * deleted (one DELSETELEM) and added (one NEWSETELEM), each split before
 * 64 KiB.  Nothing is added when nothing differs.  0, -ENOMEM or -EINVAL.
 */
int nft_netlink_batch_update_elems(struct nft_netlink_batch *b, const struct ruleset *rs,
				   const struct ir_set *want, const struct ir_range *old,
				   size_t n_old, struct diag *d);

/* Add set @set with its elements. */
int nft_netlink_batch_add_set(struct nft_netlink_batch *b, const struct ruleset *rs,
			      const struct ir_set *set, struct diag *d);
int nft_netlink_batch_del_set(struct nft_netlink_batch *b, const struct ruleset *rs,
			      const char *name, unsigned line, struct diag *d);

int nft_netlink_batch_add_helper(struct nft_netlink_batch *b, const struct ruleset *rs,
				 const struct ir_helper *h, struct diag *d);
int nft_netlink_batch_del_helper(struct nft_netlink_batch *b, const struct ruleset *rs,
				 const char *name, struct diag *d);

/* Add chain @c with all its rules.  Deleting a chain deletes its rules. */
int nft_netlink_batch_add_chain(struct nft_netlink_batch *b, const struct ruleset *rs,
				const struct ir_chain *c, struct diag *d);
int nft_netlink_batch_del_chain(struct nft_netlink_batch *b, const struct ruleset *rs,
				const char *name, struct diag *d);

/*
 * Add @r to chain @chain: after the rule with handle @after, or appended
 * when @after is 0.  Sets it names must exist or be added earlier in @b.
 */
int nft_netlink_batch_add_rule(struct nft_netlink_batch *b, const struct ruleset *rs,
			       const char *chain, const struct ir_rule *r, uint64_t after,
			       struct diag *d);

/* Insert @r first in chain @chain. */
int nft_netlink_batch_insert_rule(struct nft_netlink_batch *b, const struct ruleset *rs,
				  const char *chain, const struct ir_rule *r, struct diag *d);

/* Delete the rule with @handle; handle 0 deletes every rule of @chain (a flush). */
int nft_netlink_batch_del_rule(struct nft_netlink_batch *b, const struct ruleset *rs,
			       const char *chain, uint64_t handle, unsigned line, struct diag *d);

/*
 * Delete everything ftpcfg manages that @live holds: the table
 * (standalone), or the jumps, our chains, sets and helpers (attach).
 * Nothing when live->rs is NULL.
 */
int nft_netlink_batch_delete(struct nft_netlink_batch *b, const struct nft_netlink_live *live,
			     struct diag *d);

/* Messages in @b so far, BATCH_BEGIN and END excluded. */
size_t nft_netlink_batch_count(const struct nft_netlink_batch *b);

/*
 * Close the batch: END unless @flags has NFT_NETLINK_CHECK.  After this
 * nothing can be added.  Idempotent; 0 or -ENOMEM.
 */
int nft_netlink_batch_finish(struct nft_netlink_batch *b, unsigned flags);

/* The finished batch as bytes (for tests); NULL before nft_netlink_batch_finish(). */
const void *nft_netlink_batch_data(const struct nft_netlink_batch *b, size_t *len);

/*
 * Send @b (finishing it with @flags first) in one sendmsg and read every
 * answer.  0: committed, or with NFT_NETLINK_CHECK accepted and unwound.
 * -ESTALE: the generation moved since batch_new (nothing changed).
 * -ENOBUFS: answers were lost; the outcome is unknown, re-read the ruleset.
 * Otherwise the first error the kernel gave (-EINVAL, -ENOENT, -EPERM...),
 * with records in @d naming the object, its site line and the kernel's
 * own message; nothing changed.
 */
int nft_netlink_batch_send(struct nft_netlink *nl, struct nft_netlink_batch *b, unsigned flags,
			   struct diag *d);

#endif
