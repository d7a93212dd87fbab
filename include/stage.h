/*
 * stage: what diff and apply both need before anything is decided.  What
 * should be (the site rendered: files and ruleset), what is (the files on
 * disk under --root, the live table through netlink, its generation) and
 * the plan between them.  Reads only; apply acts on a prepared stage.
 */
#ifndef FTPCFG_STAGE_H
#define FTPCFG_STAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "cmd.h"
#include "nft_netlink.h"
#include "plan.h"
#include "render_conf.h"
#include "ruleset.h"
#include "site.h"

struct stage {
	struct site *site;
	struct conf_set files;	/* desired */
	char **old;		/* [i]: what is at files.files[i].path now; NULL = absent */
	size_t *old_len;
	char **stale;		/* files the last apply wrote that the site no longer renders */
	char **stale_old;	/* their current content */
	size_t n_stale;
	struct ruleset *want;
	struct nft_netlink *nl;
	struct nft_netlink_live *live;
	uint32_t genid;		/* read before the dump: the batch is guarded by it */
	/*
	 * live came from the record, not a dump (the generation is the one
	 * the last apply recorded): rule handles are unknown, and live_json
	 * is applied-ruleset.json as read, the journal's copy of it.
	 */
	bool live_from_record;
	char *live_json;
	bool sent;		/* apply: a batch was committed (the generation moved by one) */
	struct plan plan;
};

/* Render, read the live state and plan.  Every failure is in c->diag. */
int stage_prepare(struct ctx *c, const char *site_path, struct stage *st);

/* The same with the site's bytes already read (what was read is what is applied). */
int stage_prepare_buffer(struct ctx *c, const char *site_path, const char *buf, size_t len,
			 struct stage *st);

void stage_release(struct stage *st);

/*
 * The live ruleset from the record, when the ruleset generation (read
 * through st->nl) is still the one the last apply recorded and the record
 * manages what st->want does: sets st->live, st->live_json, st->genid and
 * st->live_from_record, and *found.  Otherwise *found is false and nothing
 * is set.  0 or -errno (a state file that cannot be read, with a diag).
 */
int stage_live_from_record(struct ctx *c, struct stage *st, bool *found);

/*
 * Whether a plan made against a ruleset from the record needs the real
 * one: anything but element and file changes names rules by their kernel
 * handles, or rebuilds, which the record does not know.
 */
bool stage_plan_needs_dump(const struct plan *p);

/* The state directory: --state-dir, else ROOT/var/lib/ftpcfg. *out owned. */
int stage_state_dir(const struct ctx *c, char **out);

/* The record of the last apply, parsed; *out NULL when there is none.  0 or -errno. */
struct json_t;
int stage_read_record(struct ctx *c, struct json_t **out);

/*
 * The record @rec (may be NULL) vouches for the live ruleset: a successful
 * apply recorded its generation and instance (boot, namespace), and the
 * kernel is still there.  *vouches false on any doubt.  0 or -errno.
 */
int stage_record_vouches(struct nft_netlink *nl, const struct json_t *rec, bool *vouches);

/* The ruleset as nft text for the diff (live: NULL when absent gives ""). *out owned. */
int stage_ruleset_text(const struct ruleset *rs, char **out);

#endif
