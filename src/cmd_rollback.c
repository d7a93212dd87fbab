/*
 * rollback: return files, ruleset and record to what they were before the
 * last apply, from its journal (STATE/last), as one transaction of its own
 * (src/apply.c).  That transaction's journal becomes the last one in turn:
 * a second rollback undoes the first.
 */
#include <errno.h>
#include <stdio.h>

#include <jansson.h>

#include "apply.h"
#include "cmd.h"

/* What rollback did, for a person or, with --json, as {"outcome": "rolled back"}. */
static int report(const struct ctx *c)
{
	json_t *doc;
	int ret;

	if (!c->opts->json) {
		if (!c->opts->quiet)
			printf("Rolled back to the state before the last apply.\n");
		return 0;
	}
	doc = json_pack("{s:s}", "outcome", "rolled back");
	ret = doc ? cmd_json_result(c, doc) : -ENOMEM;
	json_decref(doc);
	return ret;
}

int cmd_rollback(struct ctx *c, const struct cmd_args *a)
{
	unsigned flags = cmd_has(a, CMD_OPT_NO_RELOAD) ? APPLY_NO_RELOAD : 0;
	int ret = apply_rollback(c, flags);

	if (ret == 0)
		ret = report(c);
	return ret;
}
