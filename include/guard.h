/*
 * guard: other firewalls on the host that would still drop what ftpcfg
 * accepts.  Builds the probes (what ftpcfg's input rules accept: one per
 * port range, family, and new or related) from the desired ruleset, asks
 * nft_netlink which foreign base chains drop them, and words the
 * conflicts and what to do about each for the manager that owns it.
 */
#ifndef FTPCFG_GUARD_H
#define FTPCFG_GUARD_H

#include <stdbool.h>
#include <stddef.h>

#include "nft_netlink.h"
#include "ruleset.h"

struct guard {
	struct nft_netlink_probe *probes;	/* owned */
	char **whats;				/* owned: probes[i].what */
	size_t n_probes;
	struct nft_netlink_conflict *conflicts;	/* owned */
	size_t n_conflicts;
	/*
	 * The foreign base chains on the hooks the guard walks; 0 after a
	 * check means none at this generation: no conflict, whatever ftpcfg
	 * accepts.  Only meaningful when @checked.
	 */
	size_t n_foreign;
	bool checked;				/* the other tables were read */
};

/*
 * Fill @g for @want against the live ruleset behind @nl.  0 or -errno;
 * @g is released by guard_release() either way.
 */
int guard_check(struct nft_netlink *nl, const struct ruleset *want, struct guard *g);

void guard_release(struct guard *g);

/* Who the manager is, in words ("ufw (through iptables-nft)"). */
const char *guard_manager_name(enum nft_netlink_manager m);

/*
 * Conflict @i as one line ("chain 'ip filter INPUT' (ufw ...) drops ...:
 * policy drop"), and what to do about it.  *out owned.  0 or -ENOMEM.
 */
int guard_format(const struct guard *g, size_t i, char **out);
int guard_advice(const struct guard *g, size_t i, char **out);

/*
 * Attach mode only: *out (owned) says why ftpcfg must not write into the
 * table @want attaches to, because iptables-nft (alone, or for ufw or
 * Docker) or firewalld manages it, and what to use instead; NULL when
 * nothing recognisable manages it.  0 or -errno.
 */
int guard_attach_refusal(struct nft_netlink *nl, const struct ruleset *want, char **out);

/* The conflicts as a JSON array (NULL for -ENOMEM). */
struct json_t;
struct json_t *guard_json(const struct guard *g);

#endif
