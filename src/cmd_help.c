/*
 * help and version: what ftpcfg is and how to call it, printed from
 * main.c's tables (cli.c) so it says exactly what the parser accepts.
 */
#include <errno.h>
#include <stdio.h>

#include <jansson.h>

#include "cli.h"
#include "cmd.h"

#ifndef FTPCFG_VERSION
#define FTPCFG_VERSION "unknown"
#endif

int cmd_help(struct ctx *c, const struct cmd_args *a)
{
	const struct cli_command *cmd = NULL;
	json_t *doc;
	int ret;

	if (a->n_operands) {
		cmd = cli_find(c->cli, a->operands[0]);
		if (!cmd)
			return diag(c->diag, NULL, CMD_USAGE, "there is no command '%s' to describe; "
				    "see 'ftpcfg help' for the list", a->operands[0]);
	}
	if (!c->json) {
		cli_print_help(c->cli, cmd, stdout);
		return 0;
	}
	doc = cli_help_json(c->cli, cmd);
	ret = doc ? cmd_json_result(c, doc) : -ENOMEM;
	json_decref(doc);
	return ret;
}

int cmd_version(struct ctx *c, const struct cmd_args *a)
{
	json_t *doc;
	int ret;

	(void)a;
	if (!c->json) {
		printf("ftpcfg %s\n", FTPCFG_VERSION);
		return 0;
	}
	doc = json_pack("{s:s}", "version", FTPCFG_VERSION);
	ret = doc ? cmd_json_result(c, doc) : -ENOMEM;
	json_decref(doc);
	return ret;
}
