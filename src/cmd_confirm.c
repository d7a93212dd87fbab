/*
 * confirm: keep the change apply --confirm made (src/apply_confirm.c).
 * With nothing pending it says so and exits 0; too late (the deadline
 * passed) it rolls back first, as every run does, and fails.
 */
#include <errno.h>
#include <stdio.h>

#include <jansson.h>

#include "apply.h"
#include "audit.h"
#include "cmd.h"

int cmd_confirm(struct ctx *c, const struct cmd_args *a)
{
	struct audit au = { .command = "confirm", .outcome = "confirmed" };
	struct state_confirm p = { 0 };
	bool was_pending = false;
	char err[512];
	json_t *doc;
	int ret;

	(void)a;
	ret = apply_confirm(c, &was_pending, &p, &au);
	if (!was_pending && ret == 0)
		au.outcome = "nothing pending";
	audit_log(&au, ret < 0 ? audit_first_error(c->diag, err, sizeof(err)) ? err : "failed"
		  : NULL);
	if (ret < 0)
		return ret;
	if (!c->opts->json) {
		if (c->opts->quiet)
			return 0;
		if (was_pending)
			printf("Confirmed generation %u: it stays.\n", p.generation);
		else
			printf("Nothing to confirm: no change awaits confirmation.\n");
		return 0;
	}
	doc = json_pack("{s:s, s:o}", "outcome", was_pending ? "confirmed" : "nothing pending",
			"generation", was_pending ? json_integer(p.generation) : json_null());
	ret = doc ? cmd_json_result(c, doc) : -ENOMEM;
	json_decref(doc);
	return ret;
}
