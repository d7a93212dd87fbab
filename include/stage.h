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
	struct plan plan;
};

/* Render, read the live state and plan.  Every failure is in c->diag. */
int stage_prepare(struct ctx *c, const char *site_path, struct stage *st);

void stage_release(struct stage *st);

/* The state directory: --state-dir, else ROOT/var/lib/ftpcfg. *out owned. */
int stage_state_dir(const struct ctx *c, char **out);

/* The ruleset as nft text for the diff (live: NULL when absent gives ""). *out owned. */
int stage_ruleset_text(const struct ruleset *rs, char **out);

#endif
