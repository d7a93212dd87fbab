/*
 * restore: commit the ruleset of the last apply again, from the state
 * directory's record (src/apply_restore.c): what a reboot or a reload of
 * the host's firewall took away comes back without the site and without
 * touching a file.  ftpcfg-restore.service runs it at boot and after
 * every reload or restart of nftables.service.
 */
#include <errno.h>
#include <stdio.h>

#include <jansson.h>

#include "apply.h"
#include "audit.h"
#include "cmd.h"
#include "diag.h"

static int report(const struct ctx *c, const struct apply_restore_result *res)
{
	char when[DIAG_TIME_LEN];
	json_t *doc;
	int ret;

	if (res->removed) {
		diag_time(res->removed_time, when);
		if (c->opts->json) {
			doc = json_pack("{s:s, s:s}", "outcome", "removed", "removed_at", when);
			ret = doc ? cmd_json_result(c, doc) : -ENOMEM;
			json_decref(doc);
			return ret;
		}
		if (!c->opts->quiet)
			printf("Nothing to restore: 'ftpcfg remove' took everything off at %s; "
			       "nothing is managed.\n", when);
		return 0;
	}
	if (res->nothing_applied) {
		if (c->opts->json) {
			doc = json_pack("{s:s}", "outcome", "nothing applied");
			ret = doc ? cmd_json_result(c, doc) : -ENOMEM;
			json_decref(doc);
			return ret;
		}
		if (!c->opts->quiet)
			printf("Nothing to restore: no apply is recorded.\n");
		return 0;
	}
	if (!c->opts->json) {
		if (c->opts->quiet)
			return 0;
		if (!res->restored)
			printf("Nothing to restore: the kernel holds the recorded ruleset (%s %s%s%s).\n",
			       res->family, res->table, res->attach_chain ? ", attached to chain " : "",
			       res->attach_chain ? res->attach_chain : "");
		else
			printf("Restored the recorded ruleset: %s %s%s%s, one batch of %zu message%s.\n",
			       res->family, res->table, res->attach_chain ? ", attached to chain " : "",
			       res->attach_chain ? res->attach_chain : "", res->messages,
			       res->messages == 1 ? "" : "s");
		return 0;
	}
	doc = json_pack("{s:s, s:s, s:s, s:s?, s:I, s:I}", "outcome",
			res->restored ? "restored" : "nothing to restore", "family", res->family,
			"table", res->table, "attach_chain", res->attach_chain, "messages",
			(json_int_t)res->messages, "genid", (json_int_t)res->genid);
	ret = doc ? cmd_json_result(c, doc) : -ENOMEM;
	json_decref(doc);
	return ret;
}

int cmd_restore(struct ctx *c, const struct cmd_args *a)
{
	struct audit au = { .command = "restore", .outcome = "restored" };
	struct apply_restore_result res;
	unsigned flags = (cmd_has(a, CMD_OPT_NO_RELOAD) ? APPLY_NO_RELOAD : 0) |
			 (cmd_has(a, CMD_OPT_IF_APPLIED) ? APPLY_IF_APPLIED : 0);
	char err[512];
	int ret = apply_restore(c, flags, &res, &au);

	/* The audit trail has what changed the kernel, or failed to: not a restore that sent nothing. */
	if (ret < 0 || res.restored)
		audit_log(&au, ret < 0 ? audit_first_error(c->diag, err, sizeof(err)) ? err
					  : "failed" : NULL);
	if (ret == 0)
		ret = report(c, &res);
	apply_restore_result_release(&res);
	audit_release(&au);
	return ret;
}
