/*
 * plan: what apply would change, as data.  The ruleset part compares the
 * desired IR with the live one decoded from the kernel; the file part
 * compares rendered files with those on disk.  `diff` prints a plan,
 * `apply` hands it to nft_netlink.  Pure: nothing here acts.
 */
#ifndef FTPCFG_PLAN_H
#define FTPCFG_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diff.h"
#include "ruleset.h"

enum plan_op {
	PLAN_ADD,
	PLAN_DELETE,
	PLAN_CHANGE,
};

enum plan_obj {
	PLAN_OBJ_FILE,
	PLAN_OBJ_TABLE,
	PLAN_OBJ_HELPER,
	PLAN_OBJ_SET,
	PLAN_OBJ_ELEMENT,
	PLAN_OBJ_CHAIN,
	PLAN_OBJ_RULE,
	PLAN_OBJ_JUMP,
	/* Something of another firewall manager's (include/backend.h): name, parent, text. */
	PLAN_OBJ_INTEGRATION,
};

struct plan_item {
	enum plan_op op;
	enum plan_obj obj;
	char *name;		/* owned: file path, or table/helper/set/chain name */
	char *parent;		/* owned or NULL: the set of an element, the chain of a rule */
	int addr_family;	/* elements */
	struct ir_range range;	/* elements */
	const struct ir_rule *rule; /* rules: the desired rule (add) or the live one (delete) */
	uint64_t after;		/* add rule: after this live rule's handle; 0 = at the head */
	struct diff_stat lines;	/* files */
	char *text;		/* owned: how the object reads (rule text, element), or NULL */
};

struct plan {
	struct plan_item *items;
	size_t n_items;
	size_t alloc;
	/*
	 * The managed table (attach: ftpcfg's objects) must be rebuilt whole:
	 * it does not exist yet, or a chain, set or helper changed shape.
	 * Element and rule changes are planned one by one.
	 */
	bool replace;
	size_t n_ruleset_changes;
};

void plan_init(struct plan *p);
void plan_release(struct plan *p);

/*
 * Plan the ruleset: @live is NULL when nothing managed exists.  The plan
 * keeps pointers to rules of @desired and @live: both must outlive it.
 * 0 or -ENOMEM.
 */
int plan_ruleset(struct plan *p, const struct ruleset *desired, const struct ruleset *live);

/* Plan one file: @old NULL = absent, @new NULL = to be removed.  No item when equal. */
int plan_file(struct plan *p, const char *path, const char *old, const char *new);

/*
 * Plan one change an integration makes in another manager: @what is its
 * kind ("iptables rule"), @where the place ("ip filter ftpcfg-input"),
 * @text the object as that manager's tools print it.  0 or -ENOMEM.
 */
int plan_integration(struct plan *p, enum plan_op op, const char *what, const char *where,
		     const char *text);

/* One plan line as `diff` prints it ("+ element 10.0.0.0/24 in set allow_v4"); owned. */
int plan_item_format(const struct plan_item *it, char **out);

/*
 * A rule someone else put into ftpcfg's chains (to be deleted): its text
 * is nft's, and plan_item_format() says whose it is not.
 */
bool plan_item_is_foreign(const struct plan_item *it);

/* Counts by op, for the summary line. */
void plan_count(const struct plan *p, size_t *add, size_t *change, size_t *del);

#endif
