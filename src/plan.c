/*
 * plan: the difference between the desired and the live ruleset as a list
 * of changes, smallest first: set elements by a merge walk over sorted
 * ranges, rules by a longest common subsequence per chain.  A change of
 * shape (a chain's hook, a set's type, a helper) plans a rebuild instead.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft_text.h"
#include "plan.h"

/* Rule lists longer than this are compared whole (a rebuild), not by LCS. */
#define MAX_LCS_RULES 4096

void plan_init(struct plan *p)
{
	memset(p, 0, sizeof(*p));
}

void plan_release(struct plan *p)
{
	for (size_t i = 0; i < p->n_items; i++) {
		free(p->items[i].name);
		free(p->items[i].parent);
		free(p->items[i].text);
	}
	free(p->items);
	plan_init(p);
}

static struct plan_item *push(struct plan *p, enum plan_op op, enum plan_obj obj,
			      const char *name, const char *parent)
{
	struct plan_item *it;

	if (p->n_items == p->alloc) {
		size_t n = p->alloc ? p->alloc * 2 : 16;
		struct plan_item *items = realloc(p->items, n * sizeof(*items));

		if (!items)
			return NULL;
		p->items = items;
		p->alloc = n;
	}
	it = &p->items[p->n_items];
	memset(it, 0, sizeof(*it));
	it->op = op;
	it->obj = obj;
	it->name = name ? strdup(name) : NULL;
	it->parent = parent ? strdup(parent) : NULL;
	if ((name && !it->name) || (parent && !it->parent)) {
		free(it->name);
		free(it->parent);
		return NULL;
	}
	p->n_items++;
	if (obj != PLAN_OBJ_FILE && obj != PLAN_OBJ_INTEGRATION)
		p->n_ruleset_changes++;
	return it;
}

int plan_file(struct plan *p, const char *path, const char *old, const char *new)
{
	struct plan_item *it;
	struct diff_stat st;
	char *out = NULL;
	int ret;

	if (old && new && !strcmp(old, new))
		return 0;
	if (!old && !new)
		return 0;
	ret = diff_unified(path, old, path, new, 0, false, &out, &st);
	free(out);
	if (ret < 0)
		return ret;
	it = push(p, !old ? PLAN_ADD : !new ? PLAN_DELETE : PLAN_CHANGE, PLAN_OBJ_FILE, path,
		  NULL);
	if (!it)
		return -ENOMEM;
	it->lines = st;
	return 0;
}

static const struct ir_set *find_set(const struct ruleset *rs, const char *name)
{
	for (size_t i = 0; rs && i < rs->n_sets; i++)
		if (!strcmp(rs->sets[i].name, name))
			return &rs->sets[i];
	return NULL;
}

static const struct ir_chain *find_chain(const struct ruleset *rs, const char *name)
{
	for (size_t i = 0; rs && i < rs->n_chains; i++)
		if (!strcmp(rs->chains[i].name, name))
			return &rs->chains[i];
	return NULL;
}

static bool same_helpers(const struct ruleset *a, const struct ruleset *b)
{
	if (a->n_helpers != b->n_helpers)
		return false;
	for (size_t i = 0; i < a->n_helpers; i++) {
		bool found = false;

		for (size_t j = 0; j < b->n_helpers && !found; j++)
			found = !strcmp(a->helpers[i].name, b->helpers[j].name) &&
				!strcmp(a->helpers[i].type, b->helpers[j].type) &&
				a->helpers[i].l3proto == b->helpers[j].l3proto;
		if (!found)
			return false;
	}
	return true;
}

/* Same name, same sets and chains with the same shape: only contents may differ. */
static bool same_shape(const struct ruleset *d, const struct ruleset *l)
{
	if (d->family != l->family || strcmp(d->table, l->table) || d->attach != l->attach ||
	    d->n_sets != l->n_sets || d->n_chains != l->n_chains || !same_helpers(d, l))
		return false;
	for (size_t i = 0; i < d->n_sets; i++) {
		const struct ir_set *a = &d->sets[i];
		const struct ir_set *b = find_set(l, a->name);

		if (!b || a->addr_family != b->addr_family || a->flags != b->flags ||
		    a->size != b->size)
			return false;
		/* A sharded set's maps exist for the directions its rules match it in. */
		if ((a->flags & IR_SET_SHARDED) &&
		    (ir_set_matched(d, a->name, IR_MATCH_SADDR_SET) !=
			     ir_set_matched(l, a->name, IR_MATCH_SADDR_SET) ||
		     ir_set_matched(d, a->name, IR_MATCH_DADDR_SET) !=
			     ir_set_matched(l, a->name, IR_MATCH_DADDR_SET)))
			return false;
	}
	for (size_t i = 0; i < d->n_chains; i++) {
		const struct ir_chain *a = &d->chains[i];
		const struct ir_chain *b = find_chain(l, a->name);

		if (!b || a->hook != b->hook || a->priority != b->priority ||
		    a->policy_drop != b->policy_drop)
			return false;
	}
	return true;
}

static int push_element(struct plan *p, enum plan_op op, const struct ir_set *set,
			const struct ir_range *r)
{
	char text[NFT_TEXT_RANGE_MAX];
	struct plan_item *it = push(p, op, PLAN_OBJ_ELEMENT, NULL, set->name);

	if (!it)
		return -ENOMEM;
	it->addr_family = set->addr_family;
	it->range = *r;
	if (nft_text_range(set->addr_family, r, text, sizeof(text)) < 0)
		snprintf(text, sizeof(text), "?");
	it->text = strdup(text);
	return it->text ? 0 : -ENOMEM;
}

/* Both sides sorted and merged: one walk finds what to add and what to delete. */
static int plan_elements(struct plan *p, const struct ir_set *d, const struct ir_set *l)
{
	size_t len = ir_addr_len(d->addr_family);
	size_t i = 0;
	size_t j = 0;
	int ret = 0;

	while (ret == 0 && (i < d->n_elems || j < l->n_elems)) {
		int c;

		if (i == d->n_elems)
			c = 1;
		else if (j == l->n_elems)
			c = -1;
		else
			c = ir_range_cmp(&d->elems[i], &l->elems[j], len);
		if (c == 0) {
			i++;
			j++;
		} else if (c < 0) {
			ret = push_element(p, PLAN_ADD, d, &d->elems[i++]);
		} else {
			ret = push_element(p, PLAN_DELETE, l, &l->elems[j++]);
		}
	}
	return ret;
}

static int rule_texts(const struct ir_chain *c, char ***out)
{
	char **t = calloc(c->n_rules ? c->n_rules : 1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_rules; i++) {
		if (nft_text_rule(&c->rules[i], &t[i]) < 0) {
			for (size_t k = 0; k < i; k++)
				free(t[k]);
			free(t);
			return -ENOMEM;
		}
	}
	*out = t;
	return 0;
}

static void free_texts(char **t, size_t n)
{
	for (size_t i = 0; t && i < n; i++)
		free(t[i]);
	free(t);
}

static int push_rule(struct plan *p, enum plan_op op, const struct ir_chain *c,
		     const struct ir_rule *r, const char *text, uint64_t after)
{
	struct plan_item *it = push(p, op, PLAN_OBJ_RULE, NULL, c->name);

	if (!it)
		return -ENOMEM;
	it->rule = r;
	it->after = after;
	it->text = strdup(text);
	return it->text ? 0 : -ENOMEM;
}

/* Someone else's rule is never one of ours, whatever nft prints for it. */
static bool same_rule(const struct ir_rule *d, const char *dt, const struct ir_rule *l,
		      const char *lt)
{
	return d->verdict != IR_VERDICT_FOREIGN && l->verdict != IR_VERDICT_FOREIGN &&
	       !strcmp(dt, lt);
}

/*
 * Keep the longest common subsequence of rules; delete the live rules
 * outside it; each new rule goes after the kept live rule before it (at
 * the head of the chain when none is).  Items stay in the desired order:
 * whoever sends them adds the new rules last to first, so that a run of
 * them after one anchor comes out in order.
 */
static int plan_rules(struct plan *p, const struct ir_chain *d, const struct ir_chain *l)
{
	size_t n = d->n_rules;
	size_t m = l->n_rules;
	char **dt = NULL;
	char **lt = NULL;
	size_t *tab = NULL;
	bool *keep_d = NULL;
	bool *keep_l = NULL;
	uint64_t after = 0;
	int ret;

	if (n > MAX_LCS_RULES || m > MAX_LCS_RULES) {
		p->replace = true;
		return 0;
	}
	ret = rule_texts(d, &dt);
	if (ret == 0)
		ret = rule_texts(l, &lt);
	if (ret < 0)
		goto out;
	ret = -ENOMEM;
	tab = calloc((n + 1) * (m + 1), sizeof(*tab));
	keep_d = calloc(n + 1, sizeof(*keep_d));
	keep_l = calloc(m + 1, sizeof(*keep_l));
	if (!tab || !keep_d || !keep_l)
		goto out;
	/* tab[i][j]: LCS length of d[i..] and l[j..]. */
	for (size_t i = n; i-- > 0;)
		for (size_t j = m; j-- > 0;)
			tab[i * (m + 1) + j] = same_rule(&d->rules[i], dt[i], &l->rules[j], lt[j])
				? tab[(i + 1) * (m + 1) + j + 1] + 1
				: (tab[(i + 1) * (m + 1) + j] > tab[i * (m + 1) + j + 1]
					   ? tab[(i + 1) * (m + 1) + j] : tab[i * (m + 1) + j + 1]);
	for (size_t i = 0, j = 0; i < n && j < m;) {
		if (same_rule(&d->rules[i], dt[i], &l->rules[j], lt[j])) {
			keep_d[i++] = true;
			keep_l[j++] = true;
		} else if (tab[(i + 1) * (m + 1) + j] >= tab[i * (m + 1) + j + 1]) {
			i++;
		} else {
			j++;
		}
	}
	ret = 0;
	for (size_t j = 0; j < m && ret == 0; j++)
		if (!keep_l[j])
			ret = push_rule(p, PLAN_DELETE, l, &l->rules[j], lt[j], 0);
	for (size_t i = 0, j = 0; i < n && ret == 0; i++) {
		if (keep_d[i]) {
			/* Move the anchor to the live rule this one is kept as. */
			while (j < m && !keep_l[j])
				j++;
			after = l->rules[j++].handle;
			continue;
		}
		ret = push_rule(p, PLAN_ADD, d, &d->rules[i], dt[i], after);
	}
out:
	free(keep_d);
	free(keep_l);
	free(tab);
	free_texts(dt, n);
	free_texts(lt, m);
	return ret;
}

static int plan_jump(struct plan *p, const struct ruleset *d, const struct ruleset *l)
{
	const char *want = d->attach ? d->jump_chain : NULL;
	const char *have = l->attach ? l->jump_chain : NULL;

	if ((!want && !have) || (want && have && !strcmp(want, have)))
		return 0;
	if (have && !push(p, PLAN_DELETE, PLAN_OBJ_JUMP, have, l->attach_chain))
		return -ENOMEM;
	if (want && !push(p, PLAN_ADD, PLAN_OBJ_JUMP, want, d->attach_chain))
		return -ENOMEM;
	return 0;
}

int plan_ruleset(struct plan *p, const struct ruleset *desired, const struct ruleset *live)
{
	int ret = 0;

	if (!live || !same_shape(desired, live)) {
		p->replace = true;
		if (!push(p, live ? PLAN_CHANGE : PLAN_ADD, PLAN_OBJ_TABLE, desired->table, NULL))
			return -ENOMEM;
		return 0;
	}
	for (size_t i = 0; i < desired->n_sets && ret == 0; i++) {
		const struct ir_set *d = &desired->sets[i];

		if (!(d->flags & IR_SET_DYNAMIC))	/* dynamic sets fill themselves */
			ret = plan_elements(p, d, find_set(live, d->name));
	}
	for (size_t i = 0; i < desired->n_chains && ret == 0; i++) {
		const struct ir_chain *d = &desired->chains[i];

		ret = plan_rules(p, d, find_chain(live, d->name));
	}
	if (ret == 0)
		ret = plan_jump(p, desired, live);
	if (ret == 0 && p->replace) {
		/* A chain too long to compare: say so once, as a rebuild. */
		if (!push(p, PLAN_CHANGE, PLAN_OBJ_TABLE, desired->table, NULL))
			return -ENOMEM;
	}
	return ret;
}

int plan_integration(struct plan *p, enum plan_op op, const char *what, const char *where,
		     const char *text)
{
	struct plan_item *it = push(p, op, PLAN_OBJ_INTEGRATION, what, where);

	if (!it)
		return -ENOMEM;
	it->text = strdup(text);
	return it->text ? 0 : -ENOMEM;
}

int plan_item_format(const struct plan_item *it, char **out)
{
	const char sign = it->op == PLAN_ADD ? '+' : it->op == PLAN_DELETE ? '-' : '~';
	int n = -1;

	switch (it->obj) {
	case PLAN_OBJ_FILE:
		if (it->op == PLAN_CHANGE)
			n = asprintf(out, "%c %s (%zu lines)", sign, it->name,
				     it->lines.added + it->lines.removed);
		else
			n = asprintf(out, "%c %s", sign, it->name);
		break;
	case PLAN_OBJ_TABLE:
		n = asprintf(out, "%c table %s%s", sign, it->name,
			     it->op == PLAN_CHANGE ? " (rebuilt in one batch)" : "");
		break;
	case PLAN_OBJ_HELPER:
	case PLAN_OBJ_SET:
	case PLAN_OBJ_CHAIN:
		n = asprintf(out, "%c %s %s", sign, it->obj == PLAN_OBJ_HELPER ? "ct helper" :
			     it->obj == PLAN_OBJ_SET ? "set" : "chain", it->name);
		break;
	case PLAN_OBJ_ELEMENT:
		n = asprintf(out, "%c element %s in set %s", sign, it->text, it->parent);
		break;
	case PLAN_OBJ_RULE:
		n = asprintf(out, "%c rule in chain %s%s: %s", sign, it->parent,
			     plan_item_is_foreign(it) ? " (not written by ftpcfg)" : "", it->text);
		break;
	case PLAN_OBJ_JUMP:
		n = asprintf(out, "%c rule in chain %s: jump %s", sign, it->parent, it->name);
		break;
	case PLAN_OBJ_INTEGRATION:
		n = asprintf(out, "%c %s in %s: %s", sign, it->name, it->parent, it->text);
		break;
	}
	return n < 0 ? -ENOMEM : 0;
}

bool plan_item_is_foreign(const struct plan_item *it)
{
	return it->obj == PLAN_OBJ_RULE && it->rule && it->rule->verdict == IR_VERDICT_FOREIGN;
}

void plan_count(const struct plan *p, size_t *add, size_t *change, size_t *del)
{
	*add = *change = *del = 0;
	for (size_t i = 0; i < p->n_items; i++) {
		switch (p->items[i].op) {
		case PLAN_ADD:
			(*add)++;
			break;
		case PLAN_CHANGE:
			(*change)++;
			break;
		case PLAN_DELETE:
			(*del)++;
			break;
		}
	}
}
