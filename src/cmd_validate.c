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
	json_t *list = json_array();
	int ret = -ENOMEM;

	if (!doc || !list)
		goto out;
	for (size_t i = 0; i < c->diag->n_recs; i++) {
		const struct diag_rec *r = &c->diag->recs[i];
		json_t *o = json_pack("{s:s, s:s?, s:i, s:s}", "level",
				      r->level == DIAG_WARNING ? "warning" : "error",
				      "file", r->file, "line", (int)r->line, "message", r->msg);

		if (!o || json_array_append_new(list, o) < 0)
			goto out;
	}
	if (json_object_set_new(doc, "valid", json_boolean(result == 0)) < 0 ||
	    json_object_set(doc, "diagnostics", list) < 0)
		goto out;
	ret = cmd_print_json(doc);
out:
	json_decref(list);
	json_decref(doc);
	return ret;
}

int cmd_validate(struct ctx *c, int argc, char **argv)
{
	struct site *s = NULL;
	int ret;

	if (argc != 2 || argv[1][0] == '-')
		return cmd_usage(c, "validate", "SITE.xml");
	ret = cmd_load_site(c, argv[1], &s);
	site_free(s);
	if (c->opts->json && (ret == 0 || ret == -EINVAL)) {
		int r = print_json(c, ret);

		if (r < 0)
			return r;
	}
	return ret;
}
