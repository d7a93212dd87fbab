/*
 * cli: reads the command line against main.c's tables (getopt_long over
 * every option any command knows, then each one checked against the
 * command named); cli_help.c prints help from the same tables.  It never
 * runs a command and never exits.
 */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "suggest.h"

/*
 * getopt_long returns a long option as 256 + its index in the merged
 * table, above every char a short option can be.
 */
#define LONG_BASE 256

/* One option as found on the command line, resolved once the command is known. */
struct seen {
	int which;		/* LONG_BASE + index into the merged table, or a short option char */
	const char *arg;	/* NULL for a flag; the word itself for an unknown option */
	bool unknown;		/* no table has it: @which is its char, or 0 for a long one */
};

struct merged {
	struct option *lo;		/* getopt_long's table, one row per distinct long name */
	const struct cli_option **spec;	/* the first row that named each */
	size_t n;
	char *shorts;			/* getopt's optstring */
};

static void merged_release(struct merged *m)
{
	free(m->lo);
	free(m->spec);
	free(m->shorts);
}

static size_t count_options(const struct cli_option *o)
{
	size_t n = 0;

	while (o && o[n].name)
		n++;
	return n;
}

static void merge_one(struct merged *m, const struct cli_option *o, size_t *n_short)
{
	for (size_t i = 0; i < m->n; i++) {
		if (!strcmp(m->lo[i].name, o->name)) {
			/* A programmer's mistake in the tables, never the user's. */
			assert(!m->spec[i]->arg == !o->arg);
			return;
		}
	}
	m->lo[m->n] = (struct option){ o->name, o->arg ? required_argument : no_argument, NULL,
				       LONG_BASE + (int)m->n };
	m->spec[m->n++] = o;
	if (o->short_name && !strchr(m->shorts, o->short_name)) {
		m->shorts[(*n_short)++] = o->short_name;
		if (o->arg)
			m->shorts[(*n_short)++] = ':';
		m->shorts[*n_short] = '\0';
	}
}

/* Every option of the global table and of every command, once. */
static int merge(const struct cli_table *t, struct merged *m)
{
	size_t total = count_options(t->global);
	size_t n_short;

	for (size_t i = 0; i < t->n_cmds; i++)
		total += count_options(t->cmds[i].options);
	memset(m, 0, sizeof(*m));
	m->lo = calloc(total + 1, sizeof(*m->lo));
	m->spec = calloc(total + 1, sizeof(*m->spec));
	/* "-": operands come back in order, as option 1; ":": a missing argument is ':'. */
	m->shorts = calloc(2 * total + 3, 1);
	if (!m->lo || !m->spec || !m->shorts) {
		merged_release(m);
		return -ENOMEM;
	}
	strcpy(m->shorts, "-:");
	n_short = 2;
	for (size_t i = 0; t->global && t->global[i].name; i++)
		merge_one(m, &t->global[i], &n_short);
	for (size_t c = 0; c < t->n_cmds; c++)
		for (size_t i = 0; t->cmds[c].options && t->cmds[c].options[i].name; i++)
			merge_one(m, &t->cmds[c].options[i], &n_short);
	return 0;
}

const struct cli_command *cli_find(const struct cli_table *t, const char *name)
{
	for (size_t i = 0; i < t->n_cmds; i++)
		if (!strcmp(t->cmds[i].name, name))
			return &t->cmds[i];
	return NULL;
}

static const struct cli_option *find_option(const struct cli_option *o, const char *name,
					    char short_name)
{
	for (size_t i = 0; o && o[i].name; i++)
		if (name ? !strcmp(o[i].name, name) : o[i].short_name == short_name)
			return &o[i];
	return NULL;
}

/* The option with short name @c, global or any command's (NULL: none). */
static const struct cli_option *any_short(const struct cli_table *t, char c)
{
	const struct cli_option *o = find_option(t->global, NULL, c);

	for (size_t i = 0; !o && i < t->n_cmds; i++)
		o = find_option(t->cmds[i].options, NULL, c);
	return o;
}

/* Which command, other than @cmd, has option @name: for "that is an option of 'render'". */
static const char *owner_of(const struct cli_table *t, const char *name, char short_name)
{
	for (size_t i = 0; i < t->n_cmds; i++)
		if (find_option(t->cmds[i].options, name, short_name))
			return t->cmds[i].name;
	return NULL;
}

/* What nearness() returns for another word altogether. */
#define NEAR_MAX SUGGEST_FAR

/* How far @cand is from @word as a typo; NEAR_MAX when it is another word. */
static size_t nearness(const char *word, const char *cand)
{
	size_t d = suggest_distance(word, cand);
	size_t limit = strlen(word) < 5 ? 1 : 2;

	/* The start of a name ("stat") is as good as one typo. */
	if (strlen(word) >= 2 && !strncmp(cand, word, strlen(word)))
		d = 1;
	return d <= limit ? d : NEAR_MAX;
}

/* Keep @cand in *hit if it is nearer than *best; two as near as each other: neither. */
static void consider(const char *word, const char *cand, size_t *best, const char **hit,
		     bool *tie)
{
	size_t d = nearness(word, cand);

	if (d == NEAR_MAX || d > *best)
		return;
	*tie = d == *best;
	*best = d;
	*hit = cand;
}

/* " (did you mean 'apply'?)" for a mistyped command, or "" (written to @buf). */
static const char *suggest_command(const struct cli_table *t, const char *word, char *buf,
				   size_t size)
{
	size_t best = NEAR_MAX;
	const char *hit = NULL;
	bool tie = false;

	for (size_t i = 0; i < t->n_cmds; i++)
		consider(word, t->cmds[i].name, &best, &hit, &tie);
	if (!hit || tie)
		return "";
	snprintf(buf, size, " (did you mean '%s'?)", hit);
	return buf;
}

/* The same for a mistyped long option, among the global ones and @cmd's. */
static const char *suggest_option(const struct cli_table *t, const struct cli_command *cmd,
				  const char *word, char *buf, size_t size)
{
	const struct cli_option *lists[2] = { t->global, cmd ? cmd->options : NULL };
	size_t best = NEAR_MAX;
	const char *hit = NULL;
	bool tie = false;

	if (strncmp(word, "--", 2))
		return "";
	for (size_t l = 0; l < 2; l++)
		for (size_t i = 0; lists[l] && lists[l][i].name; i++)
			consider(word + 2, lists[l][i].name, &best, &hit, &tie);
	if (!hit || tie)
		return "";
	snprintf(buf, size, " (did you mean '--%s'?)", hit);
	return buf;
}

/* "see 'ftpcfg help apply'" or "see 'ftpcfg help'" */
static const char *help_for(const struct cli_command *cmd, char *buf, size_t size)
{
	if (!cmd)
		return "see 'ftpcfg help'";
	snprintf(buf, size, "see 'ftpcfg help %s'", cmd->name);
	return buf;
}

/* The option as the user wrote it, without "=value": "--foo" or "-x". */
static void option_text(const char *word, int short_opt, char *buf, size_t size)
{
	if (short_opt) {
		snprintf(buf, size, "-%c", short_opt);
		return;
	}
	snprintf(buf, size, "%.*s", (int)strcspn(word, "="), word);
}

static void resolve(const struct cli_table *t, const struct merged *m, const struct seen *s,
		    struct cli_parsed *out, struct diag *d)
{
	const struct cli_option *o;
	const char *name = s->which >= LONG_BASE ? m->lo[s->which - LONG_BASE].name : NULL;
	char short_name = s->which >= LONG_BASE ? 0 : (char)s->which;
	const char *other;
	char text[64];
	char see[64];

	o = find_option(t->global, name, short_name);
	if (!o && out->cmd)
		o = find_option(out->cmd->options, name, short_name);
	if (o) {
		out->args.opt[o->key] = s->arg ? s->arg : "";
		return;
	}
	if (name)
		snprintf(text, sizeof(text), "--%s", name);
	else
		snprintf(text, sizeof(text), "-%c", short_name);
	other = owner_of(t, name, short_name);
	if (!out->cmd)
		diag(d, NULL, CMD_USAGE, "'%s' is an option of '%s', not a global one; name the "
		     "command it is for (see 'ftpcfg help')", text, other ? other : "?");
	else
		diag(d, NULL, CMD_USAGE, "'%s' has no option '%s' (that is an option of '%s'); %s",
		     out->cmd->name, text, other ? other : "?",
		     help_for(out->cmd, see, sizeof(see)));
}

/*
 * getopt_long refuses "--no" when it starts more than one name; say which
 * ("--no-color, --no-reload", into @buf) instead of calling it unknown.
 */
static bool ambiguous(const struct merged *m, const char *word, char *buf, size_t size)
{
	size_t len = strlen(word);
	size_t used = 0;
	size_t n = 0;

	if (len < 3 || strncmp(word, "--", 2))
		return false;
	buf[0] = '\0';
	for (size_t i = 0; i < m->n; i++) {
		int w;

		if (strncmp(m->lo[i].name, word + 2, len - 2))
			continue;
		w = snprintf(buf + used, size - used, "%s--%s", n ? ", " : "", m->lo[i].name);
		if (w > 0 && (size_t)w < size - used)
			used += (size_t)w;
		n++;
	}
	return n > 1;
}

/* The help command's operands, when --help asked for a command's help. */
static int turn_into_help(const struct cli_table *t, struct cli_parsed *out)
{
	const struct cli_command *help = cli_find(t, "help");

	if (!help)
		return 0;
	if (out->cmd && out->cmd != help) {
		out->args.operands[0] = (char *)out->cmd->name;
		out->args.n_operands = 1;
	} else if (!out->cmd) {
		out->args.n_operands = 0;
	}
	out->cmd = help;
	return 0;
}

static void check_operands(const struct cli_command *cmd, const struct cmd_args *a,
			   struct diag *d)
{
	char *syn;

	if (a->n_operands >= cmd->min_operands && a->n_operands <= cmd->max_operands)
		return;
	syn = cli_synopsis(cmd);
	if (a->n_operands < cmd->min_operands)
		diag(d, NULL, CMD_USAGE, "'%s' needs %s; usage: %s (see 'ftpcfg help %s')",
		     cmd->name, cmd->operands, syn ? syn : cmd->name, cmd->name);
	else
		diag(d, NULL, CMD_USAGE, "'%s' was not expected%s; usage: %s (see 'ftpcfg help %s')",
		     a->operands[cmd->max_operands],
		     cmd->max_operands ? "" : " (this command takes no operand)",
		     syn ? syn : cmd->name, cmd->name);
	free(syn);
}

int cli_parse(const struct cli_table *t, int argc, char **argv, struct cli_parsed *out,
	      struct diag *d)
{
	struct merged m;
	struct seen *seen = NULL;
	size_t n_seen = 0;
	const char *cmd_name = NULL;
	size_t errors = d->n_errors;
	char near_buf[80];
	char text[64];
	char see[64];
	int ret;
	int opt;

	memset(out, 0, sizeof(*out));
	ret = merge(t, &m);
	if (ret < 0)
		return ret;
	seen = calloc((size_t)argc + 1, sizeof(*seen));
	out->args.operands = calloc((size_t)argc + 1, sizeof(*out->args.operands));
	if (!seen || !out->args.operands) {
		ret = -ENOMEM;
		goto out;
	}
	/* 0, not 1: start afresh, whatever an earlier call left (the unit tests parse many). */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, m.shorts, m.lo, NULL)) != -1) {
		if (opt == 1) {
			if (!cmd_name)
				cmd_name = optarg;
			else
				out->args.operands[out->args.n_operands++] = optarg;
		} else if (opt == ':') {
			const struct cli_option *o = optopt >= LONG_BASE
							     ? m.spec[optopt - LONG_BASE]
							     : any_short(t, (char)optopt);

			if (optopt >= LONG_BASE)
				snprintf(text, sizeof(text), "--%s", o->name);
			else
				snprintf(text, sizeof(text), "-%c", optopt);
			diag(d, NULL, CMD_USAGE, "option '%s' needs an argument, %s; write '%s %s'",
			     text, o ? o->arg : "?", text, o ? o->arg : "?");
		} else if (opt == '?' && optopt >= LONG_BASE) {
			diag(d, NULL, CMD_USAGE, "option '--%s' takes no argument; write it alone",
			     m.lo[optopt - LONG_BASE].name);
		} else if (opt == '?') {
			/* Reported once the command is known, to say whose help to read. */
			seen[n_seen++] = (struct seen){ .which = optopt, .arg = argv[optind - 1],
							.unknown = true };
		} else {
			seen[n_seen++] = (struct seen){ .which = opt, .arg = optarg };
		}
	}
	for (; optind < argc; optind++) {
		if (!cmd_name)
			cmd_name = argv[optind];
		else
			out->args.operands[out->args.n_operands++] = argv[optind];
	}
	if (cmd_name) {
		out->cmd = cli_find(t, cmd_name);
		if (!out->cmd)
			diag(d, NULL, CMD_USAGE, "'%s' is not a command%s; see 'ftpcfg help' for the "
			     "list", cmd_name, suggest_command(t, cmd_name, near_buf,
							       sizeof(near_buf)));
	}
	for (size_t i = 0; i < n_seen; i++) {
		if (seen[i].unknown) {
			option_text(seen[i].arg, seen[i].which, text, sizeof(text));
			if (ambiguous(&m, text, near_buf, sizeof(near_buf))) {
				diag(d, NULL, CMD_USAGE, "option '%s' is ambiguous (%s); write it in "
				     "full", text, near_buf);
				continue;
			}
			diag(d, NULL, CMD_USAGE, "unknown option '%s'%s; %s", text,
			     suggest_option(t, out->cmd, text, near_buf, sizeof(near_buf)),
			     help_for(out->cmd, see, sizeof(see)));
			continue;
		}
		resolve(t, &m, &seen[i], out, d);
	}
	if (cmd_name && !out->cmd) {
		ret = CMD_USAGE;
		goto out;
	}
	if (out->args.opt[CMD_OPT_HELP]) {
		ret = turn_into_help(t, out);
	} else if (out->args.opt[CMD_OPT_VERSION]) {
		if (out->cmd && strcmp(out->cmd->name, "version"))
			diag(d, NULL, CMD_USAGE, "'--version' prints the version and runs no command; "
			     "give it alone");
		else
			out->cmd = cli_find(t, "version");
	} else if (!out->cmd) {
		diag(d, NULL, CMD_USAGE, "no command given; see 'ftpcfg help' for the list");
	} else {
		check_operands(out->cmd, &out->args, d);
	}
	ret = d->n_errors > errors ? CMD_USAGE : ret;
out:
	free(seen);
	merged_release(&m);
	return ret;
}

void cli_parsed_release(struct cli_parsed *p)
{
	free(p->args.operands);
	memset(p, 0, sizeof(*p));
}
