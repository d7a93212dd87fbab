/*
 * test_cli: the command line against a table shaped like main.c's:
 * options before or after the command, "--", bundles, arguments; every
 * mistake is a usage error that says what to do, and --json after a
 * mistake still counts; --help and --version become commands.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

static int fn(struct ctx *c, const struct cmd_args *a)
{
	(void)c;
	(void)a;
	return 0;
}

static const struct cli_option global[] = {
	{ "help", 'h', NULL, CMD_OPT_HELP, "help" },
	{ "json", 0, NULL, CMD_OPT_JSON, "json" },
	{ "quiet", 'q', NULL, CMD_OPT_QUIET, "quiet" },
	{ "root", 0, "DIR", CMD_OPT_ROOT, "root" },
	{ "verbose", 'v', NULL, CMD_OPT_VERBOSE, "verbose" },
	{ "version", 0, NULL, CMD_OPT_VERSION, "version" },
	{ NULL, 0, NULL, 0, NULL },
};

static const struct cli_option apply_opts[] = {
	{ "check", 0, NULL, CMD_OPT_CHECK, "check" },
	{ "no-reload", 0, NULL, CMD_OPT_NO_RELOAD, "no reload" },
	{ NULL, 0, NULL, 0, NULL },
};

static const struct cli_option render_opts[] = {
	{ "output", 'o', "DIR", CMD_OPT_OUTPUT, "output" },
	{ "effective", 0, NULL, CMD_OPT_EFFECTIVE, "effective" },
	{ NULL, 0, NULL, 0, NULL },
};

static const struct cli_command cmds[] = {
	{ "apply", fn, "SITE.xml", 1, 1, apply_opts, "apply it", NULL },
	{ "help", fn, "[COMMAND]", 0, 1, NULL, "help", NULL },
	{ "render", fn, "SITE.xml", 1, 1, render_opts, "render it", "Renders.\nTwo lines." },
	{ "status", fn, "", 0, 0, NULL, "status", NULL },
	{ "version", fn, "", 0, 0, NULL, "version", NULL },
};

static const struct cli_table table = {
	.cmds = cmds,
	.n_cmds = sizeof(cmds) / sizeof(cmds[0]),
	.global = global,
	.exit_codes = "Exit codes: 0 ok.",
};

struct fixture {
	struct diag d;
	struct cli_parsed p;
	char *words;		/* what argv points into, as main's argv would */
	char *argv[32];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	diag_init(&f->d);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	cli_parsed_release(&f->p);
	diag_release(&f->d);
	free(f->words);
	free(f);
	return 0;
}

/* Parse the words of @line (split on spaces) into the fixture. */
static int parse(struct fixture *f, const char *line)
{
	int argc = 0;

	cli_parsed_release(&f->p);
	free(f->words);
	f->words = strdup(line);
	assert_non_null(f->words);
	for (char *w = strtok(f->words, " "); w && argc < 31; w = strtok(NULL, " "))
		f->argv[argc++] = w;
	f->argv[argc] = NULL;
	return cli_parse(&table, argc, f->argv, &f->p, &f->d);
}

/* The last message recorded contains @text. */
static void said(const struct fixture *f, const char *text)
{
	assert_true(f->d.n_recs > 0);
	if (!strstr(f->d.recs[f->d.n_recs - 1].msg, text))
		fail_msg("'%s' does not contain '%s'", f->d.recs[f->d.n_recs - 1].msg, text);
}

static void test_cli_options_before_and_after(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "ftpcfg --json status"), 0);
	assert_string_equal(f->p.cmd->name, "status");
	assert_non_null(f->p.args.opt[CMD_OPT_JSON]);
	assert_int_equal(parse(f, "ftpcfg status --json"), 0);
	assert_string_equal(f->p.cmd->name, "status");
	assert_non_null(f->p.args.opt[CMD_OPT_JSON]);
	/* A command's option before the command counts too, once the command is known. */
	assert_int_equal(parse(f, "ftpcfg --check apply site.xml --json -qv"), 0);
	assert_string_equal(f->p.cmd->name, "apply");
	assert_non_null(f->p.args.opt[CMD_OPT_CHECK]);
	assert_non_null(f->p.args.opt[CMD_OPT_QUIET]);
	assert_non_null(f->p.args.opt[CMD_OPT_VERBOSE]);
	assert_null(f->p.args.opt[CMD_OPT_NO_RELOAD]);
	assert_int_equal(f->p.args.n_operands, 1);
	assert_string_equal(f->p.args.operands[0], "site.xml");
	assert_int_equal(f->d.n_recs, 0);
}

static void test_cli_arguments(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "ftpcfg render -o out site.xml --root /r"), 0);
	assert_string_equal(f->p.args.opt[CMD_OPT_OUTPUT], "out");
	assert_string_equal(f->p.args.opt[CMD_OPT_ROOT], "/r");
	assert_int_equal(parse(f, "ftpcfg render --output=out2 site.xml"), 0);
	assert_string_equal(f->p.args.opt[CMD_OPT_OUTPUT], "out2");
	/* "--" ends the options: a site named like an option is an operand. */
	assert_int_equal(parse(f, "ftpcfg render -- --effective"), 0);
	assert_null(f->p.args.opt[CMD_OPT_EFFECTIVE]);
	assert_string_equal(f->p.args.operands[0], "--effective");
}

static void test_cli_mistakes_keep_json(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "ftpcfg --bogus apply site.xml --json"), CMD_USAGE);
	assert_non_null(f->p.args.opt[CMD_OPT_JSON]);
	assert_string_equal(f->p.cmd->name, "apply");
	said(f, "unknown option '--bogus'; see 'ftpcfg help apply'");
	assert_int_equal(parse(f, "ftpcfg nosuch --json"), CMD_USAGE);
	assert_null(f->p.cmd);
	assert_non_null(f->p.args.opt[CMD_OPT_JSON]);
	said(f, "'nosuch' is not a command");
	assert_int_equal(parse(f, "ftpcfg --json"), CMD_USAGE);
	said(f, "no command given");
}

static void test_cli_did_you_mean(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "ftpcfg aply site.xml"), CMD_USAGE);
	said(f, "'aply' is not a command (did you mean 'apply'?); see 'ftpcfg help'");
	assert_int_equal(parse(f, "ftpcfg stat"), CMD_USAGE);
	said(f, "(did you mean 'status'?)");
	assert_int_equal(parse(f, "ftpcfg apply --chek site.xml"), CMD_USAGE);
	said(f, "unknown option '--chek' (did you mean '--check'?); see 'ftpcfg help apply'");
	/* Another word, or two as near as each other: no guess. */
	assert_int_equal(parse(f, "ftpcfg xyzzy"), CMD_USAGE);
	said(f, "'xyzzy' is not a command; see");
	assert_int_equal(parse(f, "ftpcfg apply --ver site.xml"), CMD_USAGE);
	said(f, "option '--ver' is ambiguous (--verbose, --version); write it in full");
	assert_int_equal(parse(f, "ftpcfg apply --frobnicate site.xml"), CMD_USAGE);
	said(f, "unknown option '--frobnicate'; see");
}

static void test_cli_option_of_another_command(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "ftpcfg apply --effective site.xml"), CMD_USAGE);
	said(f, "'apply' has no option '--effective' (that is an option of 'render')");
	/* -o takes its argument, as in render, and is then refused: one message. */
	assert_int_equal(parse(f, "ftpcfg status -o x"), CMD_USAGE);
	said(f, "'status' has no option '-o' (that is an option of 'render')");
}

static void test_cli_arguments_and_operands_counted(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "ftpcfg render site.xml -o"), CMD_USAGE);
	said(f, "option '-o' needs an argument, DIR");
	assert_int_equal(parse(f, "ftpcfg render site.xml --output"), CMD_USAGE);
	said(f, "option '--output' needs an argument");
	assert_int_equal(parse(f, "ftpcfg --json=yes status"), CMD_USAGE);
	said(f, "option '--json' takes no argument");
	assert_int_equal(parse(f, "ftpcfg apply"), CMD_USAGE);
	said(f, "'apply' needs SITE.xml; usage: ftpcfg apply [--check] [--no-reload] SITE.xml");
	assert_int_equal(parse(f, "ftpcfg status extra"), CMD_USAGE);
	said(f, "'extra' was not expected (this command takes no operand)");
	assert_int_equal(parse(f, "ftpcfg apply a.xml b.xml"), CMD_USAGE);
	said(f, "'b.xml' was not expected");
}

static void test_cli_help_and_version(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "ftpcfg apply --help"), 0);
	assert_string_equal(f->p.cmd->name, "help");
	assert_int_equal(f->p.args.n_operands, 1);
	assert_string_equal(f->p.args.operands[0], "apply");
	/* Help wins over a missing operand: that is what the user asks help for. */
	assert_int_equal(parse(f, "ftpcfg -h"), 0);
	assert_string_equal(f->p.cmd->name, "help");
	assert_int_equal(f->p.args.n_operands, 0);
	assert_int_equal(parse(f, "ftpcfg --version"), 0);
	assert_string_equal(f->p.cmd->name, "version");
	assert_int_equal(parse(f, "ftpcfg --version status"), CMD_USAGE);
	said(f, "'--version' prints the version");
}

static void test_cli_help_printed_from_the_table(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	json_t *doc;

	(void)state;
	assert_non_null(out);
	cli_print_help(&table, cli_find(&table, "render"), out);
	assert_int_equal(fclose(out), 0);
	assert_non_null(strstr(buf, "usage: ftpcfg render [-o DIR] [--effective] SITE.xml\n\n"
				    "Render it.\n\nRenders.\nTwo lines.\n"));
	assert_non_null(strstr(buf, "  -o, --output DIR  output\n"));
	assert_non_null(strstr(buf, "      --root DIR  root\n"));
	free(buf);
	doc = cli_help_json(&table, NULL);
	assert_non_null(doc);
	assert_int_equal(json_array_size(json_object_get(doc, "commands")), 5);
	assert_true(json_is_null(json_object_get(doc, "topic")));
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cli_options_before_and_after, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cli_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cli_mistakes_keep_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cli_did_you_mean, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cli_option_of_another_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cli_arguments_and_operands_counted, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cli_help_and_version, setup, teardown),
		cmocka_unit_test(test_cli_help_printed_from_the_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
