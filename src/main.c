/*
 * main: global options, the command table, and the one place where an
 * error becomes an exit code and the collected diagnostics are printed.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxslt/xslt.h>

#include "cmd.h"
#include "diag.h"

#ifndef FTPCFG_VERSION
#define FTPCFG_VERSION "unknown"
#endif
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

static const struct cmd {
	const char *name;
	int (*fn)(struct ctx *c, int argc, char **argv);
	const char *synopsis;
	const char *summary;
} cmds[] = {
	{ "apply", cmd_apply, "[--check] [--detailed-exitcode] [--no-reload] SITE.xml",
	  "make it so, as one transaction (files, ruleset, reload)" },
	{ "diff", cmd_diff, "SITE.xml",
	  "show what apply would change: a plan, then unified diffs (exit 2: changes)" },
	{ "render", cmd_render, "[-o DIR] [--effective] SITE.xml",
	  "print what would be written: each daemon file, then the ruleset" },
	{ "rollback", cmd_rollback, "[--no-reload]",
	  "return to the state before the last apply" },
	{ "status", cmd_status, "",
	  "show what ftpcfg manages now: files, table, last apply, drift" },
	{ "validate", cmd_validate, "SITE.xml",
	  "check the site (schema and meaning); print nothing on success" },
};

static const struct option global_options[] = {
	{ "root", required_argument, NULL, 'r' },
	{ "state-dir", required_argument, NULL, 's' },
	{ "json", no_argument, NULL, 'j' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "no-color", no_argument, NULL, 'C' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static const char *const global_help[] = {
	"--root DIR       prefix every path ftpcfg reads or writes (tests, image builds)",
	"--state-dir DIR  where the lock, journal and last apply live (default ROOT/var/lib/ftpcfg)",
	"--json           print one JSON document on stdout, for scripts",
	"-q, --quiet      print errors only (no warnings)",
	"-v, --verbose    say what is being done",
	"--no-color       never colour the output",
	"-h, --help       print this help",
	"--version        print the version",
};

static void print_help(FILE *f)
{
	fprintf(f, "usage: ftpcfg [GLOBAL OPTIONS] COMMAND [OPTIONS] SITE.xml\n\n"
		   "ftpcfg turns one XML site description into an FTP daemon's configuration\n"
		   "(vsftpd, ProFTPD, Pure-FTPd) and the nftables rules for it.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-9s %s\n            ftpcfg %s%s%s\n", cmds[i].name, cmds[i].summary,
			cmds[i].name, *cmds[i].synopsis ? " " : "", cmds[i].synopsis);
	fprintf(f, "\nGlobal options:\n");
	for (size_t i = 0; i < sizeof(global_help) / sizeof(global_help[0]); i++)
		fprintf(f, "  %s\n", global_help[i]);
	fprintf(f, "\nExit codes: 0 success, nothing to change; 1 failure; 2 changes found or made;\n"
		   "64 usage error; 65 invalid site description; 66 site file unreadable;\n"
		   "75 temporary (lock held, ruleset changed under us); 77 permission denied.\n");
}

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
	struct ctx c = { .opts = &opts, .diag = &d, .prog = "ftpcfg" };
	const struct cmd *cmd = NULL;
	int ret;
	int opt;
	int code;

	diag_init(&d);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+qvh", global_options, NULL)) != -1) {
		switch (opt) {
		case 'r':
			opts.root = optarg;
			break;
		case 's':
			opts.state_dir = optarg;
			break;
		case 'j':
			opts.json = true;
			break;
		case 'q':
			opts.quiet = true;
			break;
		case 'v':
			opts.verbose = true;
			break;
		case 'C':
			opts.color = false;
			break;
		case 'h':
			print_help(stdout);
			return finish_stdout() ? EXIT_FAILURE : EXIT_SUCCESS;
		case 'V':
			printf("ftpcfg %s\n", FTPCFG_VERSION);
			return finish_stdout() ? EXIT_FAILURE : EXIT_SUCCESS;
		default:
			fprintf(stderr, "ftpcfg: unknown option '%s'; see 'ftpcfg --help'\n",
				argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "ftpcfg: no command given; see 'ftpcfg --help'\n");
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[optind], cmds[i].name))
			cmd = &cmds[i];
	if (!cmd) {
		fprintf(stderr, "ftpcfg: '%s' is not a command; see 'ftpcfg --help'\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	if (opts.root && opts.root[0] != '/') {
		fprintf(stderr, "ftpcfg: --root '%s' must be an absolute path\n", opts.root);
		return EXIT_USAGE;
	}
	ret = find_templates(templates, sizeof(templates));
	if (ret < 0) {
		fprintf(stderr, "ftpcfg: cannot find the templates directory: %s\n",
			strerror(-ret));
		return EXIT_FAILURE;
	}
	opts.templates_dir = templates;

	xmlInitParser();
	ret = cmd->fn(&c, argc - optind, argv + optind);
	if (ret == CMD_USAGE && !d.n_errors)
		diag(&d, NULL, ret, "usage: ftpcfg %s %s", cmd->name, cmd->synopsis);
	if (ret < 0 && !d.n_errors)
		diag(&d, NULL, ret, "%s failed: %s", cmd->name, strerror(-ret));
	if (finish_stdout() < 0 && ret >= 0) {
		diag(&d, NULL, -EIO, "cannot write to standard output");
		ret = -EIO;
	}
	diag_print(&d, stderr, !opts.quiet);
	code = exit_code_from_err(ret);

	diag_release(&d);
	xsltCleanupGlobals();
	xmlCleanupParser();
	return code;
}
