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

int stage_record_vouches(struct nft_netlink *nl, const json_t *rec, bool *vouches)
{
	json_t *genid = json_object_get(rec, "genid");
	const char *outcome = json_string_value(json_object_get(rec, "outcome"));

	/*
	 * 0 is recorded by a rollback, and by an apply that could not tell its
	 * commit from someone else's (apply.c): never trusted.
	 */
	*vouches = false;
	if (!outcome || strcmp(outcome, "applied") || !json_is_integer(genid) ||
	    json_integer_value(genid) <= 0 || json_integer_value(genid) > UINT32_MAX)
		return 0;
	return nft_netlink_same_generation(nl, (uint32_t)json_integer_value(genid),
					   json_string_value(json_object_get(rec, "instance")),
					   vouches);
}

int stage_live_from_record(struct ctx *c, struct stage *st, bool *found)
{
	struct nft_netlink_live *live = NULL;
	struct ruleset *rs = NULL;
	char *state = NULL;
	json_t *rec = NULL;
	char *text = NULL;
	bool same = false;
	struct stat sb;
	size_t len;
	int ret;

	*found = false;
	ret = stage_state_dir(c, &state);
	if (ret == 0)
		ret = stage_read_record(c, &rec);
	if (ret < 0)
		goto out;
	ret = stage_record_vouches(st->nl, rec, &same);
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
	live->genid = (uint32_t)json_integer_value(json_object_get(rec, "genid"));
	live->rs = rs;
	rs = NULL;
	/* Attach mode: the chain was there at that apply, and nothing moved since. */
	live->attach_chain_exists = st->want->attach;
	st->live = live;
	st->live_json = text;
	text = NULL;
	st->genid = live->genid;
	st->live_from_record = true;
	*found = true;
out:
	ruleset_free(rs);
	free(text);
	json_decref(rec);
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
