/*
 * stage_record: the live ruleset without a dump.  Every commit to nf_tables,
 * by anyone, moves the ruleset generation; so while it is still the one the
 * last apply recorded right after its own commit, the kernel holds exactly
 * the ruleset that apply recorded.  Never trusts a record it cannot match.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "ruleset_json.h"
#include "stage.h"
#include "txn.h"

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* The recorded ruleset manages what @want manages: same table, same attach point. */
static bool same_target(const struct ruleset *rec, const struct ruleset *want)
{
	return rec->family == want->family && same_str(rec->table, want->table) &&
	       rec->attach == want->attach && same_str(rec->attach_chain, want->attach_chain) &&
	       same_str(rec->jump_chain, want->jump_chain);
}

/*
 * The generation the record vouches for: that of a successful apply whose
 * applied-ruleset.json is the ruleset it committed; 0 when there is none
 * (no record, a rollback's, or an apply that could not tell, see apply.c).
 */
static uint32_t recorded_genid(const json_t *doc)
{
	json_t *genid = json_object_get(doc, "genid");
	const char *outcome = json_string_value(json_object_get(doc, "outcome"));

	if (outcome && !strcmp(outcome, "applied") && json_is_integer(genid) &&
	    json_integer_value(genid) > 0 && json_integer_value(genid) <= UINT32_MAX)
		return (uint32_t)json_integer_value(genid);
	return 0;
}

int stage_live_from_record(struct ctx *c, struct stage *st, bool *found)
{
	struct txn t = { .lock_fd = -1 };
	struct nft_netlink_live *live = NULL;
	struct ruleset *rs = NULL;
	char *state = NULL;
	char *rec = NULL;
	json_t *doc = NULL;
	char *text = NULL;
	uint32_t genid;
	bool same = false;
	struct stat sb;
	size_t len;
	int ret;

	*found = false;
	ret = stage_state_dir(c, &state);
	if (ret < 0)
		return ret;
	t.state_dir = state;
	t.d = c->diag;
	ret = txn_read_record(&t, &rec);
	if (ret < 0)
		goto out;
	doc = rec ? json_loads(rec, 0, NULL) : NULL;
	genid = recorded_genid(doc);
	ret = nft_netlink_same_generation(st->nl, genid,
					  json_string_value(json_object_get(doc, "instance")), &same);
	if (ret < 0) {
		diag(c->diag, NULL, ret, "cannot read the ruleset generation: %s", strerror(-ret));
		goto out;
	}
	/* Someone committed since, or another boot or namespace: only a dump can tell. */
	if (!same)
		goto out;
	ret = txn_read_file(state, TXN_APPLIED_RULESET, &text, &len, &sb, c->diag);
	if (ret < 0 || !text)
		goto out;
	/* A damaged or foreign copy is not an error here: the dump is the truth. */
	if (ruleset_from_json(text, &rs) < 0 || !same_target(rs, st->want))
		goto out;
	live = calloc(1, sizeof(*live));
	if (!live) {
		ret = -ENOMEM;
		goto out;
	}
	live->genid = genid;
	live->rs = rs;
	rs = NULL;
	/* Attach mode: the chain was there at that apply, and nothing moved since. */
	live->attach_chain_exists = st->want->attach;
	st->live = live;
	st->live_json = text;
	text = NULL;
	st->genid = genid;
	st->live_from_record = true;
	*found = true;
out:
	ruleset_free(rs);
	free(text);
	json_decref(doc);
	free(rec);
	free(state);
	return ret;
}

bool stage_plan_needs_dump(const struct plan *p)
{
	if (p->replace)
		return true;
	for (size_t i = 0; i < p->n_items; i++) {
		switch (p->items[i].obj) {
		case PLAN_OBJ_FILE:
		case PLAN_OBJ_ELEMENT:
			break;
		case PLAN_OBJ_TABLE:
		case PLAN_OBJ_HELPER:
		case PLAN_OBJ_SET:
		case PLAN_OBJ_CHAIN:
		case PLAN_OBJ_RULE:
		case PLAN_OBJ_JUMP:
			return true;
		}
	}
	return false;
}
