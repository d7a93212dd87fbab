/*
 * main: global options, the command table, and the one place where an
 * error becomes an exit code and the collected diagnostics are printed.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxslt/xslt.h>

#include <jansson.h>

#include "cli.h"
#include "cmd.h"
#include "diag.h"
#include "state.h"

#ifndef FTPCFG_DATADIR
#define FTPCFG_DATADIR "/usr/local/share/ftpcfg"
#endif

/* Exit codes (README "Exit codes"); sysexits where one fits. */
enum {
	EXIT_CHANGES = 2,
	EXIT_USAGE = 64,
	EXIT_DATAERR = 65,
	EXIT_NOINPUT = 66,
	EXIT_TEMPFAIL = 75,
	EXIT_NOPERM = 77,
};

/*
 * The tables: every command and option, sorted by name.  The parser, help
 * and the usage errors all read them (src/cli.c); include/cmd.h says how
 * to add a command or an option.
 */
static const struct cli_option global_options[] = {
	{ "help", 'h', NULL, CMD_OPT_HELP, "print help: the overview, or the command's" },
	{ "json", 0, NULL, CMD_OPT_JSON, "print one JSON document on stdout, for scripts" },
	{ "keep-history", 0, "N", CMD_OPT_KEEP_HISTORY,
	  "keep the last N generations of changes (default 10; a change prunes older ones)" },
	{ "no-color", 0, NULL, CMD_OPT_NO_COLOR, "never colour the output" },
	{ "quiet", 'q', NULL, CMD_OPT_QUIET, "print errors only (no warnings)" },
	{ "root", 0, "DIR", CMD_OPT_ROOT,
	  "prefix every path ftpcfg reads or writes (tests, image builds)" },
	{ "state-dir", 0, "DIR", CMD_OPT_STATE_DIR,
	  "where the lock, journal and last apply live (default ROOT/var/lib/ftpcfg)" },
	{ "verbose", 'v', NULL, CMD_OPT_VERBOSE, "say what is being done, on stderr" },
	{ "version", 0, NULL, CMD_OPT_VERSION, "print the version" },
	{ NULL, 0, NULL, 0, NULL },
};

static const struct cli_option apply_options[] = {
	{ "allow-conflicts", 0, NULL, CMD_OPT_ALLOW_CONFLICTS,
	  "apply although another firewall would still drop the site's FTP traffic" },
	{ "check", 0, NULL, CMD_OPT_CHECK,
	  "build the whole batch and let the kernel check it; change nothing" },
	{ "confirm", 0, "SECONDS", CMD_OPT_CONFIRM,
	  "roll back by itself unless 'ftpcfg confirm' runs within SECONDS" },
	{ "detailed-exitcode", 0, NULL, CMD_OPT_DETAILED_EXITCODE,
	  "exit 2 when something was changed (or would be, with --check)" },
	{ "no-reload", 0, NULL, CMD_OPT_NO_RELOAD, "write and load, but reload no daemon" },
	{ NULL, 0, NULL, 0, NULL },
};

static const struct cli_option render_options[] = {
	{ "output", 'o', "DIR", CMD_OPT_OUTPUT,
	  "write the files below DIR (ruleset: DIR/ftpcfg.nft) instead of printing them" },
	{ "effective", 0, NULL, CMD_OPT_EFFECTIVE,
	  "print the site with every default filled in, as XML that validates" },
	{ NULL, 0, NULL, 0, NULL },
};

static const struct cli_option remove_options[] = {
	{ "check", 0, NULL, CMD_OPT_CHECK,
	  "show what would be deleted and put back, let the kernel check it; change nothing" },
	{ "detailed-exitcode", 0, NULL, CMD_OPT_DETAILED_EXITCODE,
	  "exit 2 when something was removed (or would be, with --check)" },
	{ "no-reload", 0, NULL, CMD_OPT_NO_RELOAD, "put the files back, but reload no daemon" },
	{ NULL, 0, NULL, 0, NULL },
};

static const struct cli_option restore_options[] = {
	{ "if-applied", 0, NULL, CMD_OPT_IF_APPLIED,
	  "exit 0 when no apply is recorded (a damaged record is still an error)" },
	{ "no-reload", 0, NULL, CMD_OPT_NO_RELOAD,
	  "an interrupted run's journal is put back without reloading daemons" },
	{ NULL, 0, NULL, 0, NULL },
};

static const struct cli_option rollback_options[] = {
	{ "no-reload", 0, NULL, CMD_OPT_NO_RELOAD, "put files and ruleset back, reload no daemon" },
	{ "to", 0, "N", CMD_OPT_TO, "return to what generation N applied (see 'ftpcfg history')" },
	{ NULL, 0, NULL, 0, NULL },
};

static const struct cli_option status_options[] = {
	{ "detailed-exitcode", 0, NULL, CMD_OPT_DETAILED_EXITCODE,
	  "exit 2 when the table is absent, the ruleset drifted or a managed file changed" },
	{ NULL, 0, NULL, 0, NULL },
};

static const struct cli_command cmds[] = {
	{ "apply", cmd_apply, "SITE.xml", 1, 1, apply_options,
	  "make it so, as one transaction (files, ruleset, reload)",
	  "Writes each daemon's file, loads the ruleset and reloads the daemons, as one\n"
	  "transaction: if a step fails, what was done is undone.  Exit 0 on success,\n"
	  "whether or not something changed (2 with --detailed-exitcode when it did)." },
	{ "confirm", cmd_confirm, "", 0, 0, NULL,
	  "keep the change 'apply --confirm' made (else it is rolled back)",
	  "Ends the wait of 'apply --confirm SECONDS': the change stays.  With nothing\n"
	  "awaiting confirmation it says so and exits 0; after the deadline it is too\n"
	  "late: the change is rolled back (if the watcher has not yet) and it exits 1." },
	{ "diff", cmd_diff, "SITE.xml", 1, 1, NULL,
	  "show what apply would change: a plan, then unified diffs (exit 2: changes)",
	  "Prints a plan, one line per object to add (+), change (~) or delete (-), then\n"
	  "a unified diff of each file and of the ruleset, live against the site.\n"
	  "Exit 0 when nothing differs, 2 when something does." },
	{ "help", cmd_help, "[COMMAND]", 0, 1, NULL,
	  "print the overview, or a command's usage and options",
	  "The same as 'ftpcfg COMMAND --help'." },
	{ "history", cmd_history, "", 0, 0, NULL,
	  "list the kept generations: who changed what, when, from which site",
	  "Each apply, rollback and remove that changes something is kept as a numbered\n"
	  "generation (the last 10, or --keep-history N): its time, user (SUDO_USER,\n"
	  "else the uid's name), command, outcome, the site's path and SHA-256, and the\n"
	  "plan's summary.  'rollback --to N' returns to one.  restore is not kept: it\n"
	  "commits the recorded ruleset again, at every boot." },
	{ "import", cmd_import, "DAEMON PATH", 2, 2, NULL,
	  "print the site for a daemon's existing configuration (adopt a host)",
	  "DAEMON is vsftpd, proftpd or pure-ftpd; PATH its file (proftpd: with what it\n"
	  "Includes; pure-ftpd: pure-ftpd.conf or Debian's conf/ directory).  Prints a\n"
	  "site that, applied, gives the same daemon behaviour: known directives become\n"
	  "elements, the others <directive> elements.  What cannot be carried is listed\n"
	  "on stderr, 'ftpcfg: FILE:LINE: ...'.  Reads only; --root prefixes PATH." },
	{ "remove", cmd_remove, "", 0, 0, remove_options,
	  "take off everything ftpcfg manages: its rules, and its files put back",
	  "Deletes ftpcfg's table (attach mode: its chains, sets, helpers and the jump;\n"
	  "nothing else in the host's table), puts each file ftpcfg wrote back as it\n"
	  "was before ftpcfg first wrote it (content, owner, mode), or deletes it when\n"
	  "ftpcfg created it, then reloads those daemons: one transaction, undone if a\n"
	  "step fails.  Afterwards nothing is managed.  Nothing managed: exit 0." },
	{ "render", cmd_render, "SITE.xml", 1, 1, render_options,
	  "print what would be written: each daemon file, then the ruleset",
	  "Touches nothing live: each daemon file under a '==> PATH <==' header, then\n"
	  "the ruleset in nft syntax (loadable with nft -f)." },
	{ "restore", cmd_restore, "", 0, 0, restore_options,
	  "commit the last applied ruleset again (after a reboot or a firewall reload)",
	  "Commits the ruleset of the last apply again, from the state directory's\n"
	  "record: no site is read and no file is touched.  One batch guarded by the\n"
	  "generation; in attach mode into the host's table as it is now (its chain\n"
	  "must be there).  Sends nothing when the kernel holds that ruleset already.\n"
	  "With <firewall backend=\"iptables\"> or \"firewalld\", also puts back what is\n"
	  "missing of that integration, in the same transaction.\n"
	  "ftpcfg-restore.service runs it at boot and after nftables reloads." },
	{ "rollback", cmd_rollback, "", 0, 0, rollback_options,
	  "return to the state before the last change, or to generation N",
	  "Puts back the files and the ruleset the last change replaced, as one\n"
	  "transaction of its own: a second rollback undoes the first.  With --to N,\n"
	  "returns them to what generation N applied ('ftpcfg history' lists them).\n"
	  "Either is kept as a generation of its own." },
	{ "status", cmd_status, "", 0, 0, status_options,
	  "show what ftpcfg manages now: files, table, last apply, drift",
	  "The last apply (when, outcome, which site), each managed file (as applied,\n"
	  "changed since, missing), the table, any drift of the live ruleset from\n"
	  "what was applied, and a journal an interrupted run left.  Exit 0; with\n"
	  "--detailed-exitcode 2 when the table is absent, the ruleset drifted, a\n"
	  "managed file changed or is missing, or a journal was left (for monitoring)." },
	{ "validate", cmd_validate, "SITE.xml", 1, 1, NULL,
	  "check the site (schema and meaning); print nothing on success",
	  "Checks the XML Schema, then what no schema can say.  Each problem is one\n"
	  "line, 'ftpcfg: FILE:LINE: what is wrong and how to fix it'; exit 65 if\n"
	  "any is an error.  Warnings are printed (unless -q) but do not fail." },
	{ "version", cmd_version, "", 0, 0, NULL, "print the version (also: --version)", NULL },
};

static const struct cli_table table = {
	.cmds = cmds,
	.n_cmds = sizeof(cmds) / sizeof(cmds[0]),
	.global = global_options,
	.exit_codes =
		"Exit codes: 0 success, nothing to change; 1 failure; 2 changes found or made\n"
		"(status --detailed-exitcode: something is not as applied);\n"
		"64 usage error; 65 invalid site description; 66 site file unreadable;\n"
		"75 temporary (lock held, ruleset changed under us, a change awaits confirmation);\n"
		"77 permission denied.",
};

static int exit_code_from_err(int err)
{
	switch (err) {
	case 0:
		return EXIT_SUCCESS;
	case CMD_CHANGES:
		return EXIT_CHANGES;
	case CMD_USAGE:
		return EXIT_USAGE;
	case CMD_NOINPUT:
		return EXIT_NOINPUT;
	case -EINVAL:
		return EXIT_DATAERR;
	case -EAGAIN:
	case -ESTALE:
		return EXIT_TEMPFAIL;
	case -EPERM:
	case -EACCES:
		return EXIT_NOPERM;
	default:
		return EXIT_FAILURE;
	}
}

/* @dir/@sub holds site.xsd: then it is the templates directory, written to @buf. */
static bool try_templates(char *buf, size_t size, const char *dir, const char *sub)
{
	struct stat st;
	int n = snprintf(buf, size, "%s/%s/site.xsd", dir, sub);

	if (n < 0 || (size_t)n >= size || stat(buf, &st) < 0)
		return false;
	/* Cut "/site.xsd": what is left is the directory. */
	*strrchr(buf, '/') = '\0';
	return true;
}

/*
 * The stylesheets and the schema: $FTPCFG_TEMPLATE_DIR, else templates/
 * beside the binary (a build tree), else ../share/ftpcfg beside it (an
 * installed tree, wherever PREFIX and DESTDIR put it), else the data
 * directory compiled in.
 */
static int find_templates(char *buf, size_t size)
{
	const char *env = getenv("FTPCFG_TEMPLATE_DIR");
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;

	if (env && *env) {
		if ((size_t)snprintf(buf, size, "%s", env) >= size)
			return -ENAMETOOLONG;
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			if (try_templates(buf, size, exe, "templates") ||
			    try_templates(buf, size, exe, "../share/ftpcfg"))
				return 0;
		}
	}
	if ((size_t)snprintf(buf, size, "%s", FTPCFG_DATADIR) >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* Check stdout last: a full disk or a closed pipe is a failure too. */
static int finish_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		return -EIO;
	if (fclose(stdout) != 0)
		return -EIO;
	return 0;
}

int main(int argc, char **argv)
{
	char templates[PATH_MAX];
	struct opts opts = { .color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR") };
	struct diag d;
	struct ctx c = { .opts = &opts, .diag = &d, .prog = "ftpcfg", .cli = &table };
	struct cli_parsed p;
	int ret;
	int code;

	diag_init(&d);
	/* Read the whole line first: a --json after a mistake still counts. */
	ret = cli_parse(&table, argc, argv, &p, &d);
	opts.root = p.args.opt[CMD_OPT_ROOT];
	opts.state_dir = p.args.opt[CMD_OPT_STATE_DIR];
	opts.json = p.args.opt[CMD_OPT_JSON];
	opts.quiet = p.args.opt[CMD_OPT_QUIET];
	opts.verbose = p.args.opt[CMD_OPT_VERBOSE];
	if (p.args.opt[CMD_OPT_NO_COLOR])
		opts.color = false;
	if (opts.json) {
		c.json = json_object();
		if (!c.json && ret == 0)
			ret = -ENOMEM;
	}
	if (ret == 0 && p.args.opt[CMD_OPT_KEEP_HISTORY])
		ret = cmd_parse_uint(&c, p.cmd ? p.cmd->name : "", "--keep-history",
				     p.args.opt[CMD_OPT_KEEP_HISTORY], 1, STATE_HISTORY_MAX,
				     &opts.keep_history);
	if (ret == 0 && opts.root && opts.root[0] != '/')
		ret = diag(&d, NULL, CMD_USAGE, "--root '%s' must be an absolute path; write "
			   "--root /%s or --root \"$PWD/%s\"", opts.root, opts.root, opts.root);
	if (ret == 0) {
		ret = find_templates(templates, sizeof(templates));
		if (ret < 0)
			diag(&d, NULL, ret, "cannot find the templates directory: %s",
			     strerror(-ret));
		opts.templates_dir = templates;
	}
	if (ret == 0) {
		xmlInitParser();
		ret = p.cmd->fn(&c, &p.args);
	}
	if (ret == CMD_USAGE && !d.n_errors)
		diag(&d, NULL, ret, "usage error; see 'ftpcfg help%s%s'", p.cmd ? " " : "",
		     p.cmd ? p.cmd->name : "");
	if (ret < 0 && !d.n_errors)
		diag(&d, NULL, ret, "%s failed: %s", p.cmd ? p.cmd->name : "ftpcfg",
		     strerror(-ret));
	code = exit_code_from_err(ret);
	if (opts.json && cmd_json_print(&c, p.cmd ? p.cmd->name : NULL, code) < 0 && ret >= 0) {
		diag(&d, NULL, -EIO, "cannot write the JSON document to standard output");
		code = exit_code_from_err(-EIO);
	}
	if (finish_stdout() < 0 && ret >= 0) {
		/* The report is lost, not the work: say that what the command did stands. */
		diag(&d, NULL, -EIO, "cannot write to standard output; the %s itself succeeded, "
		     "and what it changed stands", p.cmd ? p.cmd->name : "command");
		code = exit_code_from_err(-EIO);
	}
	diag_print(&d, stderr, !opts.quiet);

	json_decref(c.json);
	cli_parsed_release(&p);
	diag_release(&d);
	xsltCleanupGlobals();
	xmlCleanupParser();
	return code;
}
