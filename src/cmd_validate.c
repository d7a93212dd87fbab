/*
 * validate: read the site, check it, say nothing when it is good.
 * Warnings (what a daemon cannot honour) still go to stderr unless -q.
 */
#include <errno.h>
#include <stdio.h>

#include <jansson.h>

#include "cmd.h"
#include "site.h"

static int print_json(const struct ctx *c, int result)
{
	json_t *doc = json_object();
	json_t *list = cmd_json_diagnostics(c->diag, true, true);
	int ret = -ENOMEM;

	if (!doc || !list)
		goto out;
	if (json_object_set_new(doc, "valid", json_boolean(result == 0)) < 0 ||
	    json_object_set(doc, "diagnostics", list) < 0)
		goto out;
	ret = cmd_json_result(c, doc);
out:
	json_decref(list);
	json_decref(doc);
	return ret;
}

int cmd_validate(struct ctx *c, const struct cmd_args *a)
{
	struct site *s = NULL;
	int ret;

	ret = cmd_load_site(c, a->operands[0], &s);
	site_free(s);
	if (c->opts->json && (ret == 0 || ret == -EINVAL)) {
		int r = print_json(c, ret);

		if (r < 0)
			return r;
	}
	return ret;
}
