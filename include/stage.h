/*
 * stage: the read-only survey that diff and apply share: what should be
 * (the site rendered: files and ruleset), what is (the files on disk
 * under --root, the live table, its generation) and the plan between
 * them.  It is given the state and an open netlink socket; it opens no
 * socket, writes nothing and prints nothing.  Apply acts on its result.
 */
#ifndef FTPCFG_STAGE_H
#define FTPCFG_STAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "cmd.h"
#include "guard.h"
#include "nft_netlink.h"
#include "plan.h"
#include "render_conf.h"
#include "ruleset.h"
#include "site.h"
#include "state.h"

/* What is on disk at a path now: owner and mode for the journal. */
struct stage_meta {
	bool exists;
	unsigned mode;
	unsigned uid;
	unsigned gid;
};

struct stage {
	struct site *site;
	struct conf_set files;	/* desired */
	char **old;		/* [i]: what is at files.files[i].path now; NULL = absent */
	size_t *old_len;
	struct stage_meta *old_meta;
	char **stale;		/* files the last apply wrote that the site no longer renders */
	char **stale_old;	/* their current content */
	size_t *stale_len;
	struct stage_meta *stale_meta;
	/*
	 * [i]: the original of stale[i] (borrowed from origins), which apply
	 * puts back; NULL when none is known (apply then removes the file).
	 */
	const struct state_saved **stale_origin;
	size_t n_stale;
	/* Each managed file as it was before ftpcfg first wrote it (the state's). */
	struct state_origins origins;
	struct ruleset *want;
	/*
	 * The live ruleset (NULL: nothing of ftpcfg's there): the dump's, or
	 * the record's when the generation vouches for it (then live is NULL:
	 * no dump was made, and rule handles are unknown).
	 */
	const struct ruleset *live_rs;
	struct nft_netlink_live *live;
	uint32_t genid;		/* the batch is guarded by it */
	bool live_from_record;
	bool record_vouched;	/* the record vouched, but rules change: dumped for the handles */
	struct plan plan;
	struct guard guard;	/* other firewalls that would still drop FTP */
	/*
	 * The guard's verdict at generation @genid, for the record: NO_FOREIGN
	 * when no other table had a chain to judge (found now, or kept by the
	 * record at this very generation: then the other tables were not read).
	 */
	enum state_guard guard_verdict;
	bool guard_from_record;
	bool guard_none;	/* no other table had a chain to judge at @guard_genid */
	uint32_t guard_genid;
};

/*
 * Load the site (from @buf when not NULL: what was read is what is
 * applied), render it, read the files and the live ruleset through @nl,
 * and plan.  @s is the state (its record; may be an unopened directory).
 * Every failure is in c->diag.  @st borrows from @s: release it first.
 */
int stage_prepare(struct ctx *c, const struct state *s, struct nft_netlink *nl,
		  const char *site_path, const char *buf, size_t len, struct stage *st);

/*
 * stage_prepare() in two halves: what needs no state (load, render, build
 * the wanted ruleset), then the survey against the state and the kernel
 * (files, live ruleset, plan).  An apply reads the recorded ruleset
 * between them, in a thread while the first half runs.
 */
int stage_load(struct ctx *c, const char *site_path, const char *buf, size_t len,
	       struct stage *st);
int stage_survey(struct ctx *c, const struct state *s, struct nft_netlink *nl, struct stage *st);

void stage_release(struct stage *st);

/*
 * The unified diff of the ruleset `diff` shows, @live (NULL: there is
 * none) against @want: each set one set of networks (sharded or not), one
 * element a line, so that a changed network is one line out and one in;
 * what both sets hold alike is left out of the comparison (never further
 * than @context lines from a change: nothing shows of it).  *out owned,
 * "" when they are the same.  0, -ENOMEM or -EINVAL.
 */
int stage_ruleset_diff(const struct ruleset *live, const struct ruleset *want, unsigned context,
		       bool color, char **out, struct diff_stat *stat);

#endif
