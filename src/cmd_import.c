/*
 * import: read a daemon's existing configuration and print the site that
 * gives the same behaviour (src/import*.c does the reading).  Every source
 * directive is accounted for; what cannot be carried is listed on stderr
 * with its line.  Writes nothing but stdout.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "effective.h"
#include "import.h"

static int parse_daemon(const char *name, enum site_daemon *out)
{
	static const enum site_daemon all[] = {
		SITE_DAEMON_VSFTPD, SITE_DAEMON_PROFTPD, SITE_DAEMON_PUREFTPD,
	};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (!strcmp(name, site_daemon_name(all[i]))) {
			*out = all[i];
			return 0;
		}
	}
	return -EINVAL;
}

static json_t *items_json(const struct import_result *r, bool reported_only)
{
	json_t *list = json_array();

	for (size_t i = 0; list && i < r->n_items; i++) {
		const struct import_item *it = &r->items[i];
		json_t *o;

		if (reported_only && it->fate != IMPORT_REPORTED)
			continue;
		o = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s?}", "file", it->file, "line",
			      (int)it->line, "name", it->name, "value", it->value, "fate",
			      import_fate_name(it->fate), "why", it->why);
		if (!o || json_array_append_new(list, o) < 0) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

static int print_json(const struct ctx *c, const struct import_result *r, const char *xml)
{
	json_t *doc = json_object();
	json_t *all = items_json(r, false);
	json_t *reported = items_json(r, true);
	int ret = -ENOMEM;

	if (!doc || !all || !reported)
		goto out;
	if (json_object_set_new(doc, "site", json_string(xml)) < 0 ||
	    json_object_set(doc, "directives", all) < 0 ||
	    json_object_set(doc, "not_carried", reported) < 0)
		goto out;
	ret = cmd_json_result(c, doc);
out:
	json_decref(all);
	json_decref(reported);
	json_decref(doc);
	return ret;
}

int cmd_import(struct ctx *c, const struct cmd_args *a)
{
	struct import_opts o = { .root = c->opts->root, .templates_dir = c->opts->templates_dir };
	struct import_result r;
	enum site_daemon daemon;
	char *xml = NULL;
	size_t len;
	int ret;

	import_result_init(&r);
	if (parse_daemon(a->operands[0], &daemon) < 0) {
		diag(c->diag, NULL, CMD_USAGE, "'%s' is not a daemon ftpcfg knows; name vsftpd, "
		     "proftpd or pure-ftpd", a->operands[0]);
		return CMD_USAGE;
	}
	ret = import_run(daemon, a->operands[1], &o, c->diag, &r);
	if (ret == -ENOENT)
		ret = CMD_NOINPUT;
	else if (ret == -ELOOP || ret == -ENOTDIR || ret == -EISDIR)
		ret = -EINVAL;
	if (ret < 0)
		goto out;
	ret = effective_xml(r.site, EFFECTIVE_WHOLE, &xml, &len);
	if (ret < 0)
		goto out;
	if (c->opts->json)
		ret = print_json(c, &r, xml);
	else if (fwrite(xml, 1, len, stdout) != len)
		ret = -EIO;
out:
	free(xml);
	import_result_release(&r);
	return ret;
}
