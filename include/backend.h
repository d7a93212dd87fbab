/*
 * backend: integrations with another firewall manager on the host, chosen
 * by the site's <firewall backend>.  ftpcfg's own table decides what FTP
 * traffic is allowed; an integration makes the other manager let that
 * traffic through, in the manager's own terms, so that its reloads keep
 * it and its tools go on working.  "nftables" has no integration (the
 * table alone is the firewall): backend_ops() gives NULL for it.
 *
 * Each integration is four steps the transaction calls (apply.c), all
 * inside one journal-protected run:
 *
 *   save   what of the integration is on the host now, as bytes of the
 *          backend's own that undo can put back (kept in the journal
 *          before anything changes);
 *   plan   what apply would change, as plan items (diff's plan, apply's
 *          "something differs", status's drift);
 *   apply  make it so for @want; @want NULL takes all of it away (remove,
 *          or a site that moved to another backend);
 *   undo   put back what @saved says was there (a failed run, or the
 *          next run after a kill).
 *
 * Every step reads the host itself: nothing is trusted from the record
 * but which backend was applied.  Backends live in src/backend_NAME.c.
 */
#ifndef FTPCFG_BACKEND_H
#define FTPCFG_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "nft_netlink.h"
#include "plan.h"
#include "ruleset.h"
#include "site.h"

struct backend_env {
	const char *root;	/* --root (NULL: /): where the manager's own files are */
	struct nft_netlink *nl;	/* the run's netlink socket, to look at the live ruleset */
	struct diag *d;		/* every failure is said here */
	bool verbose;
};

/* What an integration had on the host, in the backend's own encoding. */
struct backend_saved {
	enum site_backend backend;
	uint8_t *data;		/* owned */
	size_t len;
};

struct backend_ops {
	enum site_backend backend;
	int (*save)(const struct backend_env *e, struct backend_saved *out);
	int (*plan)(const struct backend_env *e, const struct ruleset *want, struct plan *p);
	int (*apply)(const struct backend_env *e, const struct ruleset *want);
	int (*undo)(const struct backend_env *e, const struct backend_saved *saved);
};

/* firewalld: rich rules in one zone, runtime and permanent (backend_firewalld.c). */
extern const struct backend_ops backend_firewalld;
/* iptables-nft: one chain accepting ftpcfg's ct mark (backend_iptables.c). */
extern const struct backend_ops backend_iptables_ops;

/*
 * The site's <firewall backend="firewalld" zone>: 0 when firewalld has
 * zone @zone, else -EINVAL said at @at (the site's <firewall> line) with
 * the zones it has; -errno when firewalld cannot be asked.
 */
int backend_firewalld_zone_check(const struct backend_env *e, const char *zone,
				 const struct srcloc *at);

/* The integration of @b, or NULL when it needs none (nftables). */
const struct backend_ops *backend_ops(enum site_backend b);

/*
 * The integrations a change from @old (what the record says was applied;
 * NULL: nothing) to @want (NULL: remove everything) touches: the old one
 * when it differs (to be taken away), then the wanted one.  Fills @out
 * (room for 2) and returns how many.
 */
size_t backend_involved(const struct ruleset *old, const struct ruleset *want,
			const struct backend_ops *out[2]);

void backend_saved_release(struct backend_saved *s);

#endif
