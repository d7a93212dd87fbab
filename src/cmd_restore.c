/*
 * restore: commit the ruleset of the last apply again, from the state
 * directory's record (src/apply_restore.c): what a reboot or a reload of
 * the host's firewall took away comes back without the site and without
 * touching a file, and the recorded integration with another firewall
 * manager where it is missing.  ftpcfg-restore.service runs it at boot
 * and after every reload or restart of nftables.service and of
 * netfilter-persistent.service.
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
	json_t *changes;
	json_t *integ;
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
		if (!res->restored && !res->integ_restored)
			printf("Nothing to restore: the kernel holds the recorded ruleset (%s %s%s%s)%s%s%s.\n",
			       res->family, res->table, res->attach_chain ? ", attached to chain " : "",
			       res->attach_chain ? res->attach_chain : "",
			       res->backend ? ", and the " : "", res->backend ? res->backend : "",
			       res->backend ? " integration is in place" : "");
		else if (!res->restored)
			printf("The kernel holds the recorded ruleset (%s %s%s%s); put back the %s "
			       "integration:\n", res->family, res->table,
			       res->attach_chain ? ", attached to chain " : "",
			       res->attach_chain ? res->attach_chain : "", res->backend);
		else
			printf("Restored the recorded ruleset: %s %s%s%s, one batch of %zu message%s%s%s%s\n",
			       res->family, res->table, res->attach_chain ? ", attached to chain " : "",
			       res->attach_chain ? res->attach_chain : "", res->messages,
			       res->messages == 1 ? "" : "s", res->integ_restored ? "; and the " : ".",
			       res->integ_restored ? res->backend : "",
			       res->integ_restored ? " integration:" : "");
		for (size_t i = 0; res->integ_restored && i < res->n_integ_changes; i++)
			printf("  %s\n", res->integ_changes[i]);
		return 0;
	}
	changes = json_array();
	for (size_t i = 0; changes && res->integ_restored && i < res->n_integ_changes; i++)
		if (json_array_append_new(changes, json_string(res->integ_changes[i])) < 0) {
			json_decref(changes);
			changes = NULL;
		}
	if (!changes)
		return -ENOMEM;
	integ = res->backend ? json_pack("{s:s, s:b, s:o}", "backend", res->backend, "restored",
					 res->integ_restored, "changes", changes)
			     : json_null();
	if (!res->backend)
		json_decref(changes);
	doc = integ ? json_pack("{s:s, s:s, s:s, s:s?, s:I, s:I, s:o}", "outcome",
				res->restored || res->integ_restored ? "restored" : "nothing to restore",
				"family", res->family, "table", res->table, "attach_chain",
				res->attach_chain, "messages", (json_int_t)res->messages, "genid",
				(json_int_t)res->genid, "integration", integ)
		    : NULL;
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

	/* The audit trail has what changed the kernel or the manager, or failed to. */
	if (res.integ_restored)
		au.integration = res.backend;
	if (ret < 0 || res.restored || res.integ_restored)
		audit_log(&au, ret < 0 ? audit_first_error(c->diag, err, sizeof(err)) ? err
					  : "failed" : NULL);
	if (ret == 0)
		ret = report(c, &res);
	apply_restore_result_release(&res);
	audit_release(&au);
	return ret;
}
