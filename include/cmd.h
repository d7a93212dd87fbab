/*
 * cmd: the commands and what they share.
 *
 * Adding a command (restore, remove, import, ... follow this):
 *  1. src/cmd_<name>.c with `int cmd_<name>(struct ctx *c, const struct cmd_args *a)`
 *     and its prototype below.  It reads its options from a->opt[] and its
 *     operands from a->operands; main has already checked both against the
 *     table, so a command reports a usage error (cmd_usage()) only for what
 *     the table cannot say (two options that exclude each other).
 *  2. A row in main.c's cmds[] (kept sorted by name): name, function,
 *     operands and their count, its options, a one-line summary and the
 *     paragraph `ftpcfg help NAME` prints.  Help, the usage errors and
 *     the parser all read that row: nothing else lists commands.
 *  3. Each new option: a CMD_OPT_* key in enum cmd_opt below and a row in
 *     the command's option array in main.c.  A long name means the same
 *     in every command (same argument or none).
 *  4. Output: text on stdout unless c->opts->json; with --json, never print:
 *     put the result's members into the one document with cmd_json_result()
 *     (main adds format_version, command, warnings and, on failure, error,
 *     and prints it on every path).  Verbose lines go to stderr through
 *     diag_progress(), errors and warnings through diag()/diag_warn().
 *  5. templates/json/<name>.schema.json (JSON Schema draft 2020-12, the
 *     $defs "diagnostic" and "error" copied from an existing one, which
 *     tests/json-check.py checks), and the README's "JSON output" entry.
 *  6. A README section, the man page ftpcfg(8) and the bash/zsh completion
 *     when they exist, unit tests and a netns test; add the command to
 *     tests/netns/50-json.sh (success, failure, usage error).
 */
#ifndef FTPCFG_CMD_H
#define FTPCFG_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

/* Global options: set once by main, read-only afterwards. */
struct opts {
	const char *root;	/* NULL or a directory that prefixes every managed path */
	const char *state_dir;
	const char *templates_dir;
	unsigned keep_history;	/* --keep-history: generations kept; 0: the default */
	bool json;
	bool quiet;
	bool verbose;
	bool color;
};

struct cli_table;
struct json_t;

struct ctx {
	const struct opts *opts;
	struct diag *diag;
	const char *prog;
	const struct cli_table *cli;	/* the command table, for help */
	/*
	 * With --json, the command's document (main owns it and prints it
	 * once); NULL without --json.
	 */
	struct json_t *json;
};

/* Where each option lands in struct cmd_args.opt[]: one key per option. */
enum cmd_opt {
	/* global */
	CMD_OPT_ROOT,
	CMD_OPT_STATE_DIR,
	CMD_OPT_JSON,
	CMD_OPT_QUIET,
	CMD_OPT_VERBOSE,
	CMD_OPT_NO_COLOR,
	CMD_OPT_HELP,
	CMD_OPT_VERSION,
	CMD_OPT_KEEP_HISTORY,
	/* apply, remove */
	CMD_OPT_CHECK,
	/* apply, status */
	CMD_OPT_DETAILED_EXITCODE,
	/* apply */
	CMD_OPT_ALLOW_CONFLICTS,
	CMD_OPT_CONFIRM,
	/* apply, remove, restore, rollback */
	CMD_OPT_NO_RELOAD,
	/* restore */
	CMD_OPT_IF_APPLIED,
	/* rollback */
	CMD_OPT_TO,
	/* render */
	CMD_OPT_OUTPUT,
	CMD_OPT_EFFECTIVE,
	CMD_OPT_MAX
};

/* What the command line gave a command: options by key, then its operands. */
struct cmd_args {
	const char *opt[CMD_OPT_MAX];	/* NULL: not given; "" for a flag; else its argument */
	char **operands;		/* owned by the parser */
	size_t n_operands;
};

static inline bool cmd_has(const struct cmd_args *a, enum cmd_opt key)
{
	return a->opt[key] != NULL;
}

/*
 * Every command returns 0, a negative errno (main maps it to an exit code),
 * or CMD_CHANGES when it found or made changes (exit 2).
 */
#define CMD_CHANGES 2
/* A usage error found by the command itself (exit 64). */
#define CMD_USAGE (-1000)
/* The site file cannot be read (exit 66). */
#define CMD_NOINPUT (-1001)

struct site;

/*
 * Load and check the site at @path with the schema from the templates
 * directory.  0, CMD_NOINPUT, -EACCES, -EINVAL (see the diag) or -ENOMEM.
 */
int cmd_load_site(struct ctx *c, const char *path, struct site **out);

/* The same from the bytes of @path already read (0, -EINVAL or -ENOMEM). */
int cmd_load_site_buffer(struct ctx *c, const char *path, const char *buf, size_t len,
			 struct site **out);

/*
 * With --json: copy every member of @doc (an object; not taken) into the
 * command's one document, which main prints at the end.  0 or -ENOMEM;
 * without --json, 0 and nothing happens.
 */
int cmd_json_result(const struct ctx *c, struct json_t *doc);

/* The "format_version" of every --json document; bumped when a member changes meaning. */
#define CMD_JSON_FORMAT_VERSION 1

/* @d's errors and/or warnings as [{"level", "file", "line", "message"}]; NULL: no memory. */
struct json_t *cmd_json_diagnostics(const struct diag *d, bool errors, bool warnings);

/*
 * main, once, at the end, with --json: print the one document on stdout:
 * format_version, command (@name, or null when none was recognised), what
 * the command put in c->json, "warnings", and "error" {exit_code, message,
 * diagnostics} unless @exit_code is 0 or 2.  0, -ENOMEM or -EIO.
 */
int cmd_json_print(const struct ctx *c, const char *name, int exit_code);

/* Record a usage error for @cmd: @what is wrong (exit 64; help names the fix). */
int cmd_usage(struct ctx *c, const char *cmd, const char *what);

/* @v as a whole number from @min to @max into *out; else a usage error naming @opt. */
int cmd_parse_uint(struct ctx *c, const char *cmd, const char *opt, const char *v,
		   unsigned min, unsigned max, unsigned *out);

struct audit;
/*
 * With --json, the members every changing command shares: "generation"
 * (kept, or null), the summary, "reverted_unconfirmed".  0 or -ENOMEM.
 */
int cmd_json_audit(const struct ctx *c, const struct audit *a);

struct state;
struct state_confirm;
/*
 * For the commands that only read (status, diff): is a change awaiting
 * confirmation (*pending, details in @p), and is its deadline past
 * (*expired: then a warning says the next locking run rolls it back)?
 * 0, or -EUCLEAN (damaged, with a diag) / -errno.
 */
int cmd_pending_confirm(struct ctx *c, const struct state *s, struct state_confirm *p,
			bool *pending, bool *expired);

int cmd_apply(struct ctx *c, const struct cmd_args *a);
int cmd_confirm(struct ctx *c, const struct cmd_args *a);
int cmd_history(struct ctx *c, const struct cmd_args *a);
int cmd_import(struct ctx *c, const struct cmd_args *a);
int cmd_diff(struct ctx *c, const struct cmd_args *a);
int cmd_help(struct ctx *c, const struct cmd_args *a);
int cmd_remove(struct ctx *c, const struct cmd_args *a);
int cmd_render(struct ctx *c, const struct cmd_args *a);
int cmd_restore(struct ctx *c, const struct cmd_args *a);
int cmd_rollback(struct ctx *c, const struct cmd_args *a);
int cmd_status(struct ctx *c, const struct cmd_args *a);
int cmd_validate(struct ctx *c, const struct cmd_args *a);
int cmd_version(struct ctx *c, const struct cmd_args *a);

#endif
