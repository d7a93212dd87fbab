/*
 * cmd_common: what every command does the same way: load the site with
 * the installed schema, and report a usage error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "cmd.h"
#include "site.h"

int cmd_load_site(struct ctx *c, const char *path, struct site **out)
{
	char *schema = NULL;
	int ret;

	if (asprintf(&schema, "%s/site.xsd", c->opts->templates_dir) < 0)
		return -ENOMEM;
	ret = site_load(path, schema, c->diag, out);
	free(schema);
	switch (ret) {
	case -ENOENT:
	case -EISDIR:
	case -ENOTDIR:
	case -ELOOP:
		return CMD_NOINPUT;
	default:
		return ret;
	}
}

int cmd_load_site_buffer(struct ctx *c, const char *path, const char *buf, size_t len,
			 struct site **out)
{
	char *schema = NULL;
	int ret;

	if (asprintf(&schema, "%s/site.xsd", c->opts->templates_dir) < 0)
		return -ENOMEM;
	ret = site_load_buffer(path, buf, len, schema, c->diag, out);
	free(schema);
	return ret;
}

int cmd_usage(struct ctx *c, const char *cmd, const char *synopsis)
{
	return diag(c->diag, NULL, CMD_USAGE, "usage: ftpcfg %s %s (see 'ftpcfg --help')", cmd,
		    synopsis);
}

int cmd_print_json(const json_t *doc)
{
	if (!doc || json_dumpf(doc, stdout, JSON_INDENT(2)) < 0 || putchar('\n') == EOF)
		return -EIO;
	return 0;
}
