/*
 * apply: make the host match the site, as one transaction (src/apply.c).
 * Plain apply exits 0 on success; --detailed-exitcode says 2 when it
 * changed something; --check changes nothing and lets the kernel judge.
 */
#include <getopt.h>
#include <stdio.h>

#include <jansson.h>

#include "apply.h"
#include "cmd.h"

int cmd_apply(struct ctx *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "check", no_argument, NULL, 'c' },
		{ "detailed-exitcode", no_argument, NULL, 'd' },
		{ "no-reload", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *synopsis = "[--check] [--detailed-exitcode] [--no-reload] SITE.xml";
	struct txn t = { .lock_fd = -1 };
	bool detailed = false;
	unsigned flags = 0;
	int opt;
	int ret;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			flags |= APPLY_CHECK;
			break;
		case 'd':
			detailed = true;
			break;
		case 'n':
			flags |= APPLY_NO_RELOAD;
			break;
		default:
			return cmd_usage(c, "apply", synopsis);
		}
	}
	if (optind != argc - 1)
		return cmd_usage(c, "apply", synopsis);
	ret = apply_begin(c, &t, flags);
	if (ret == 0)
		ret = apply_site(c, &t, argv[optind], flags);
	txn_end(&t);
	if (ret == 0 || ret == CMD_CHANGES) {
		const char *outcome = ret == 0 ? "unchanged" : flags & APPLY_CHECK ? "checked"
										  : "applied";

		if (c->opts->json) {
			json_t *doc = json_pack("{s:s}", "outcome", outcome);
			int r = cmd_print_json(doc);

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
