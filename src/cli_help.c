/*
 * cli_help: help, printed (and, for --json, described) from main.c's
 * tables, the ones cli.c parses the command line with.  It only formats.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

/* "-o DIR", "--check", "--root DIR": how the synopsis shows an option. */
static void brief(const struct cli_option *o, char *buf, size_t size)
{
	if (o->short_name)
		snprintf(buf, size, "-%c%s%s", o->short_name, o->arg ? " " : "",
			 o->arg ? o->arg : "");
	else
		snprintf(buf, size, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
}

/* "-o, --output DIR" or "    --check": the option column of help. */
static void label(const struct cli_option *o, char *buf, size_t size)
{
	snprintf(buf, size, "%s%c%s--%s%s%s", o->short_name ? "-" : " ",
		 o->short_name ? o->short_name : ' ', o->short_name ? ", " : "  ", o->name,
		 o->arg ? " " : "", o->arg ? o->arg : "");
}

char *cli_synopsis(const struct cli_command *cmd)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	char opt[64];

	if (!f)
		return NULL;
	fprintf(f, "ftpcfg %s", cmd->name);
	for (size_t i = 0; cmd->options && cmd->options[i].name; i++) {
		brief(&cmd->options[i], opt, sizeof(opt));
		fprintf(f, " [%s]", opt);
	}
	if (*cmd->operands)
		fprintf(f, " %s", cmd->operands);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void print_options(const struct cli_option *o, FILE *f)
{
	char l[64];
	int width = 0;

	for (size_t i = 0; o && o[i].name; i++) {
		label(&o[i], l, sizeof(l));
		if ((int)strlen(l) > width)
			width = (int)strlen(l);
	}
	for (size_t i = 0; o && o[i].name; i++) {
		label(&o[i], l, sizeof(l));
		fprintf(f, "  %-*s  %s\n", width, l, o[i].help);
	}
}

/* Each line of @text, indented by @indent spaces. */
static void print_indented(const char *text, int indent, FILE *f)
{
	while (*text) {
		size_t n = strcspn(text, "\n");

		fprintf(f, "%*s%.*s\n", n ? indent : 0, "", (int)n, text);
		text += n;
		if (*text)
			text++;
	}
}

void cli_print_help(const struct cli_table *t, const struct cli_command *cmd, FILE *f)
{
	char *syn = NULL;

	if (cmd) {
		syn = cli_synopsis(cmd);
		/* The summary is a phrase in the overview, a sentence here. */
		fprintf(f, "usage: %s\n\n%c%s.\n", syn ? syn : cmd->name,
			toupper((unsigned char)cmd->summary[0]), cmd->summary + 1);
		if (cmd->description) {
			fputc('\n', f);
			print_indented(cmd->description, 0, f);
		}
		if (cmd->options && cmd->options[0].name) {
			fprintf(f, "\nOptions:\n");
			print_options(cmd->options, f);
		}
	} else {
		fprintf(f, "usage: ftpcfg [OPTIONS] COMMAND [ARGUMENTS]\n\n"
			   "ftpcfg turns one XML site description into an FTP daemon's configuration\n"
			   "(vsftpd, ProFTPD, Pure-FTPd) and the nftables rules for it.\n\nCommands:\n");
		for (size_t i = 0; i < t->n_cmds; i++) {
			syn = cli_synopsis(&t->cmds[i]);
			fprintf(f, "  %-9s %s\n            %s\n", t->cmds[i].name, t->cmds[i].summary,
				syn ? syn : t->cmds[i].name);
			free(syn);
		}
		syn = NULL;
	}
	fprintf(f, "\nGlobal options (before or after the command):\n");
	print_options(t->global, f);
	if (!cmd)
		fprintf(f, "\n'ftpcfg help COMMAND' or 'ftpcfg COMMAND --help' describes a command "
			   "and its options.\n");
	fprintf(f, "\n");
	print_indented(t->exit_codes, 0, f);
	free(syn);
}

static json_t *options_json(const struct cli_option *o)
{
	json_t *list = json_array();
	char s[3] = "-";

	for (size_t i = 0; list && o && o[i].name; i++) {
		char *name = NULL;
		json_t *row;

		s[1] = o[i].short_name;
		if (asprintf(&name, "--%s", o[i].name) < 0)
			goto fail;
		row = json_pack("{s:s, s:s?, s:s?, s:s}", "name", name, "short",
				o[i].short_name ? s : NULL, "argument", o[i].arg, "help", o[i].help);
		free(name);
		if (json_array_append_new(list, row) < 0)
			goto fail;
	}
	return list;
fail:
	json_decref(list);
	return NULL;
}

static json_t *command_json(const struct cli_command *cmd)
{
	char *syn = cli_synopsis(cmd);
	json_t *o = syn ? json_pack("{s:s, s:s, s:s, s:s, s:o}", "name", cmd->name, "synopsis",
				    syn, "operands", cmd->operands, "summary", cmd->summary,
				    "options", options_json(cmd->options))
			: NULL;

	free(syn);
	return o;
}

json_t *cli_help_json(const struct cli_table *t, const struct cli_command *cmd)
{
	json_t *doc = NULL;
	json_t *cmds = json_array();
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f || !cmds)
		goto out;
	cli_print_help(t, cmd, f);
	if (fclose(f) != 0) {
		f = NULL;
		goto out;
	}
	f = NULL;
	for (size_t i = 0; i < t->n_cmds; i++)
		if ((!cmd || cmd == &t->cmds[i]) &&
		    json_array_append_new(cmds, command_json(&t->cmds[i])) < 0)
			goto out;
	doc = json_pack("{s:s?, s:s, s:O, s:o}", "topic", cmd ? cmd->name : NULL, "text", text,
			"commands", cmds, "global_options", options_json(t->global));
out:
	if (f)
		fclose(f);
	free(text);
	json_decref(cmds);
	return doc;
}
