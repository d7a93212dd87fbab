/*
 * apply: make the host match the site, as one transaction (src/apply.c).
 * Plain apply exits 0 on success; --detailed-exitcode says 2 when it
 * changed something; --check changes nothing and lets the kernel judge.
 */
#include <stdio.h>

#include <jansson.h>

#include "apply.h"
#include "cmd.h"

int cmd_apply(struct ctx *c, const struct cmd_args *a)
{
	bool detailed = cmd_has(a, CMD_OPT_DETAILED_EXITCODE);
	unsigned flags = 0;
	int ret;

	if (cmd_has(a, CMD_OPT_CHECK))
		flags |= APPLY_CHECK;
	if (cmd_has(a, CMD_OPT_NO_RELOAD))
		flags |= APPLY_NO_RELOAD;
	if (cmd_has(a, CMD_OPT_ALLOW_CONFLICTS))
		flags |= APPLY_ALLOW_CONFLICTS;
	ret = apply_site(c, a->operands[0], flags);
	if (ret == 0 || ret == CMD_CHANGES) {
		const char *outcome = ret == 0 ? "unchanged" : flags & APPLY_CHECK ? "checked"
										  : "applied";

		if (c->opts->json) {
			json_t *doc = json_pack("{s:s}", "outcome", outcome);
			int r = cmd_json_result(c, doc);

			json_decref(doc);
			if (r < 0)
				return r;
		} else if (!c->opts->quiet) {
			puts(ret == 0 ? "No changes: the files and the ruleset match the site."
			     : flags & APPLY_CHECK ? "Check passed: the kernel accepts the batch; "
						     "nothing was changed."
			     : "Applied.");
		}
	}
	if (ret == CMD_CHANGES && !detailed)
		ret = 0;
	return ret;
}
