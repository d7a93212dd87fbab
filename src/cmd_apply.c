/*
 * apply: make the host match the site, as one transaction (src/apply.c).
 * Plain apply exits 0 on success; --detailed-exitcode says 2 when it
 * changed something; --check changes nothing and lets the kernel judge;
 * --confirm SECONDS rolls back unless `ftpcfg confirm` follows in time.
 * Each run that may change something sends one line to syslog.
 */
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "apply.h"
#include "audit.h"
#include "cmd.h"

/* The longest --confirm: a day; a change nobody confirms for longer is a forgotten one. */
#define CONFIRM_MAX (24 * 3600)

static int report(const struct ctx *c, int ret, unsigned flags, unsigned confirm,
		  const struct audit *a)
{
	const char *outcome = ret == 0 ? "unchanged" : flags & APPLY_CHECK ? "checked"
					   : confirm ? "applied, awaiting confirmation" : "applied";

	if (c->opts->json) {
		json_t *doc = json_pack("{s:s}", "outcome", outcome);
		int r = cmd_json_result(c, doc);

		json_decref(doc);
		if (r == 0 && confirm && ret == CMD_CHANGES) {
			doc = json_pack("{s:{s:I, s:o}}", "confirm", "seconds", (json_int_t)confirm,
					"watcher_pid", a->watcher_pid ? json_integer(a->watcher_pid)
								      : json_null());
			r = cmd_json_result(c, doc);
			json_decref(doc);
		}
		return r < 0 ? r : cmd_json_audit(c, a);
	}
	if (c->opts->quiet)
		return 0;
	if (ret == 0)
		puts("No changes: the files and the ruleset match the site.");
	else if (flags & APPLY_CHECK)
		puts("Check passed: the kernel accepts the batch; nothing was changed.");
	else if (confirm)
		printf("Applied (generation %u).  Run 'ftpcfg confirm' within %u seconds to keep it;\n"
		       "otherwise it is rolled back.\n", a->generation, confirm);
	else if (a->generation)
		printf("Applied (generation %u).\n", a->generation);
	else
		puts("Applied.");
	return 0;
}

int cmd_apply(struct ctx *c, const struct cmd_args *a)
{
	struct audit au = { .command = "apply" };
	bool detailed = cmd_has(a, CMD_OPT_DETAILED_EXITCODE);
	unsigned confirm = 0;
	unsigned flags = 0;
	char err[512];
	int ret;

	if (cmd_has(a, CMD_OPT_CHECK))
		flags |= APPLY_CHECK;
	if (cmd_has(a, CMD_OPT_NO_RELOAD))
		flags |= APPLY_NO_RELOAD;
	if (cmd_has(a, CMD_OPT_ALLOW_CONFLICTS))
		flags |= APPLY_ALLOW_CONFLICTS;
	if (cmd_has(a, CMD_OPT_CONFIRM)) {
		if (flags & APPLY_CHECK)
			return cmd_usage(c, "apply", "--confirm and --check exclude each other: "
					 "--check changes nothing to confirm");
		ret = cmd_parse_uint(c, "apply", "--confirm", a->opt[CMD_OPT_CONFIRM], 1,
				     CONFIRM_MAX, &confirm);
		if (ret < 0)
			return ret;
	}
	/* What the generation says: the outcome if it completes. */
	au.outcome = confirm ? "applied, awaiting confirmation" : "applied";
	ret = apply_site_ex(c, a->operands[0], flags, confirm, &au);
	if (!(flags & APPLY_CHECK)) {
		if (ret == 0)
			au.outcome = "unchanged";
		audit_log(&au, ret < 0 ? audit_first_error(c->diag, err, sizeof(err)) ? err
					  : "failed" : NULL);
	}
	if (ret == 0 || ret == CMD_CHANGES) {
		int r = report(c, ret, flags, confirm, &au);

		if (r < 0)
			return r;
	}
	if (ret == CMD_CHANGES && !detailed)
		ret = 0;
	return ret;
}
