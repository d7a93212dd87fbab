/*
 * cli: the command line, read against the tables in main.c.  The same
 * tables drive the parser, `ftpcfg help` and the usage errors, so what
 * help says and what the parser accepts cannot drift apart.
 */
#ifndef FTPCFG_CLI_H
#define FTPCFG_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "cmd.h"
#include "diag.h"

struct json_t;

/*
 * One option.  @name is the long name without "--"; @short_name is 0 when
 * there is none; @arg names the argument in help ("DIR") or is NULL for a
 * flag; @key is where the parser stores it (struct cmd_args.opt[@key]).
 * A long name means the same everywhere: two commands that both have
 * "--output" both take an argument (the parser asserts it).
 */
struct cli_option {
	const char *name;
	char short_name;
	const char *arg;
	enum cmd_opt key;
	const char *help;
};

/*
 * One command.  @operands is its operands as help prints them ("SITE.xml",
 * "[COMMAND]", "" for none), and the parser allows @min_operands to
 * @max_operands of them.  @options ends with a zeroed row.  @summary is one
 * line for the overview; @description (may be NULL) is what `ftpcfg help
 * NAME` adds, lines separated by '\n'.
 */
struct cli_command {
	const char *name;
	int (*fn)(struct ctx *c, const struct cmd_args *a);
	const char *operands;
	unsigned min_operands;
	unsigned max_operands;
	const struct cli_option *options;
	const char *summary;
	const char *description;
};

struct cli_table {
	const struct cli_command *cmds;
	size_t n_cmds;
	const struct cli_option *global;	/* ends with a zeroed row */
	const char *exit_codes;			/* the closing paragraph of help */
};

/* What the command line says. */
struct cli_parsed {
	const struct cli_command *cmd;	/* NULL when none was named, or no such command */
	struct cmd_args args;		/* global options too; operands point into argv */
};

/*
 * Read @argv against @t: global and command options anywhere, before or
 * after the command, "--" ends the options.  Everything is read even past
 * a mistake, so that a later --json still counts.  Returns 0, CMD_USAGE
 * (each mistake recorded in @d, with what to do about it) or -ENOMEM.
 * @out is filled in either case (operands are allocated: release with
 * cli_parsed_release()).  --help turns into the help command, --version
 * into the version command, when @t has them.
 */
int cli_parse(const struct cli_table *t, int argc, char **argv, struct cli_parsed *out,
	      struct diag *d);
void cli_parsed_release(struct cli_parsed *p);

/* Find a command by its exact name (NULL: none). */
const struct cli_command *cli_find(const struct cli_table *t, const char *name);

/* "ftpcfg apply [--check] ... SITE.xml": the synopsis, as an owned string (NULL: no memory). */
char *cli_synopsis(const struct cli_command *cmd);

/* The overview (@cmd NULL) or one command's help, as `ftpcfg help [CMD]` prints it. */
void cli_print_help(const struct cli_table *t, const struct cli_command *cmd, FILE *f);

/*
 * The same as data, for --json: {"usage", "text", "commands": [...],
 * "global_options": [...]} with only @cmd in commands when it is not NULL.
 * A new reference, or NULL when out of memory.
 */
struct json_t *cli_help_json(const struct cli_table *t, const struct cli_command *cmd);

#endif
