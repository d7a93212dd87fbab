/*
 * What the firewalld backend's files share and nothing else may see:
 * backend_firewalld.c (plan, apply, save and undo), backend_firewalld_cmd.c
 * (running firewall-cmd, and the zones and rich rules it lists) and
 * backend_firewalld_rules.c (the rich rules a ruleset needs): the mark of
 * ftpcfg's rich rules, and the lists of rules and zones passed between them.
 */
#ifndef FTPCFG_BACKEND_FIREWALLD_INT_H
#define FTPCFG_BACKEND_FIREWALLD_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "backend.h"

/*
 * The mark of ftpcfg's rich rules: a priority no default of firewalld
 * uses (0x4654, "FT").  A positive priority also puts them after the
 * zone's own rich rules of priority 0, so an administrator's reject of a
 * network still wins.
 */
#define FWD_PRIORITY "4654"
#define FWD_RULE_HEAD "rule priority=\"" FWD_PRIORITY "\" "

struct fwd_rules {
	char **v;		/* owned strings */
	size_t n;
	size_t alloc;
};

/* backend_firewalld_rules.c: a list of rich rules, each in it once. */
void fwd_rules_release(struct fwd_rules *r);
/* Add the @len bytes at @s unless the list holds them already.  0 or -ENOMEM. */
int fwd_rules_add(struct fwd_rules *r, const char *s, size_t len);
bool fwd_rules_has(const struct fwd_rules *r, const char *s);

/* The rich rules firewalld must hold for @want, into @out.  0 or -ENOMEM. */
int fwd_wanted_rules(const struct ruleset *want, struct fwd_rules *out);

/* Every zone of one side (runtime or permanent), with ftpcfg's rich rules in each. */
struct fwd_zone {
	char *name;		/* owned */
	struct fwd_rules rules;
};

struct fwd_zones {
	struct fwd_zone *v;	/* owned */
	size_t n;
	size_t alloc;
};

/* backend_firewalld_cmd.c: the zones read from firewall-cmd. */
void fwd_zones_release(struct fwd_zones *z);
struct fwd_zone *fwd_zones_find(const struct fwd_zones *z, const char *name);
/* Add zone @name (@len bytes), holding no rules.  0 or -ENOMEM. */
int fwd_zones_add(struct fwd_zones *z, const char *name, size_t len);

/*
 * Every zone of the runtime or (@permanent) the permanent configuration,
 * with ftpcfg's rich rules in each, into @out.  0 or -errno (said in e->d).
 */
int fwd_list_zones(const struct backend_env *e, bool permanent, struct fwd_zones *out);

/* firewalld's default zone into @zone.  0 or -errno (said in e->d). */
int fwd_default_zone(const struct backend_env *e, char *zone, size_t size);

/* @zone is one of @zones: 0; else -EINVAL said (at @at) with the zones there are. */
int fwd_zone_known(const struct backend_env *e, const struct fwd_zones *zones,
		   const char *zone, const struct srcloc *at);

/* Add (@add) or remove each of @rules in @zone, runtime or permanent.  0 or -errno. */
int fwd_change(const struct backend_env *e, const char *zone, bool permanent, bool add,
	       char *const *rules, size_t n);

#endif
