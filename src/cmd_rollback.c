/*
 * rollback: return files, ruleset and record to what they were before the
 * last change, from its journal (STATE/last), or to what generation N
 * applied (--to N), as one transaction of its own (src/apply_rollback.c),
 * itself kept as a generation: a second rollback undoes the first.
 */
#include <errno.h>
#include <stdio.h>

#include <jansson.h>

#include "apply.h"
#include "audit.h"
#include "cmd.h"

/* What rollback did, for a person or, with --json, as {"outcome": "rolled back", ...}. */
static int report(const struct ctx *c, const struct audit *a)
{
	json_t *doc;
	int ret;

	if (!c->opts->json) {
		if (c->opts->quiet)
			return 0;
		if (a->reverted_first && !a->rolled_back_to)
			printf("Rolled back generation %u, which was not confirmed in time.\n",
			       a->reverted_first);
		else if (a->rolled_back_to)
			printf("Rolled back to what generation %u applied (kept as generation %u).\n",
			       a->rolled_back_to, a->generation);
		else
			printf("Rolled back to the state before the last apply (kept as generation "
			       "%u).\n", a->generation);
		return 0;
	}
	doc = json_pack("{s:s, s:o}", "outcome", "rolled back", "to",
			a->rolled_back_to ? json_integer(a->rolled_back_to) : json_null());
	ret = doc ? cmd_json_result(c, doc) : -ENOMEM;
	json_decref(doc);
	return ret < 0 ? ret : cmd_json_audit(c, a);
}

int cmd_rollback(struct ctx *c, const struct cmd_args *a)
{
	struct audit au = { .command = "rollback", .outcome = "rolled back" };
	unsigned flags = cmd_has(a, CMD_OPT_NO_RELOAD) ? APPLY_NO_RELOAD : 0;
	char command[48];
	char err[512];
	unsigned to = 0;
	int ret;

	if (cmd_has(a, CMD_OPT_TO)) {
		ret = cmd_parse_uint(c, "rollback", "--to", a->opt[CMD_OPT_TO], 1, 0xffffffffU, &to);
		if (ret < 0)
			return ret;
		snprintf(command, sizeof(command), "rollback --to %u", to);
		au.command = command;
	}
	ret = apply_rollback_ex(c, flags, to, &au);
	audit_log(&au, ret < 0 ? audit_first_error(c->diag, err, sizeof(err)) ? err : "failed"
		  : NULL);
	if (ret == 0)
		ret = report(c, &au);
	audit_release(&au);
	return ret;
}
