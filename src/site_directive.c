/*
 * site_directive: the checks on pass-through <directive> elements.  A name
 * must be one the server's daemon knows (templates/directives.txt) and the
 * model does not own; a value must stay one directive in that daemon's
 * syntax.  Reads the table, never acts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "directives.h"
#include "site.h"
#include "site_internal.h"

enum directive_set site_server_directive_set(const struct site_server *srv)
{
	size_t len;

	switch (srv->daemon) {
	case SITE_DAEMON_VSFTPD:
		return DIRECTIVE_SET_VSFTPD;
	case SITE_DAEMON_PROFTPD:
		return DIRECTIVE_SET_PROFTPD;
	case SITE_DAEMON_PUREFTPD:
		len = srv->config_path ? strlen(srv->config_path) : 0;
		return len && srv->config_path[len - 1] == '/' ? DIRECTIVE_SET_PUREFTPD_DIR
							       : DIRECTIVE_SET_PUREFTPD;
	}
	return DIRECTIVE_SET_VSFTPD;
}

/*
 * proftpd splits arguments at blanks outside double quotes, unescapes \"
 * and \\ inside them, and joins a line ending in a backslash to the next.
 */
static int check_proftpd_value(struct walk *w, const struct site_server *srv,
			       const struct site_directive *dir)
{
	struct srcloc loc = { w->file, dir->line };
	size_t len = strlen(dir->value);
	bool quoted = false;

	for (size_t i = 0; i < len; i++) {
		if (dir->value[i] == '\\' && quoted && i + 1 < len) {
			i++;
			continue;
		}
		if (dir->value[i] == '"')
			quoted = !quoted;
	}
	if (quoted)
		return diag(w->d, &loc, -EINVAL, "value of directive '%s' has an unbalanced "
			    "double quote; close it, or write \\\" for a quote inside quotes",
			    dir->name);
	if (len && dir->value[len - 1] == '\\')
		return diag(w->d, &loc, -EINVAL, "value of directive '%s' ends in a backslash, "
			    "which proftpd reads as 'continued on the next line'; remove it",
			    dir->name);
	if (!strcasecmp(dir->name, "Include"))
		return diag(w->d, &loc, -EINVAL, "directive 'Include' would bring files ftpcfg "
			    "does not manage into the rendered proftpd.conf; write their "
			    "directives here (ftpcfg import inlines them)");
	if (!strcasecmp(dir->name, "LoadModule") && !strcasecmp(dir->value, "mod_tls.c") &&
	    server_has_tls(srv))
		return diag(w->d, &loc, -EINVAL, "directive 'LoadModule mod_tls.c' is written by "
			    "the site itself when <tls> is on, and proftpd refuses a module loaded "
			    "twice; remove this <directive>");
	return 0;
}

/* vsftpd and Pure-FTPd read an option once: a second line would silently win. */
static bool repeats_are_errors(enum directive_set set)
{
	return set != DIRECTIVE_SET_PROFTPD;
}

static int check_one(struct walk *w, const struct directive_table *t, struct site_server *srv,
		     size_t idx)
{
	struct site_directive *dir = &srv->directives[idx];
	enum directive_set set = site_server_directive_set(srv);
	struct srcloc loc = { w->file, dir->line };
	const struct directive_info *info = directive_find(t, set, dir->name);
	char *canon;

	if (!info) {
		const char *hint = directive_suggest(t, set, dir->name);

		if (hint)
			return diag(w->d, &loc, -EINVAL, "directive '%s' is not a %s directive; "
				    "did you mean '%s'?", dir->name, directive_set_name(set), hint);
		return diag(w->d, &loc, -EINVAL, "directive '%s' is not a %s directive; see %s "
			    "for the names it knows", dir->name, directive_set_name(set),
			    directive_set_doc(set));
	}
	if (info->kind == DIRECTIVE_OWNED)
		return diag(w->d, &loc, -EINVAL, "directive '%s' is set by the site itself "
			    "through %s; use that instead of a <directive>", info->name, info->arg);
	/* One spelling, so that the stylesheets can tell which defaults it replaces. */
	if (strcmp(info->name, dir->name)) {
		canon = strdup(info->name);
		if (!canon)
			return -ENOMEM;
		free(dir->name);
		dir->name = canon;
	}
	if (site_check_line(w, dir->line, "directive value", dir->value) < 0)
		return -EINVAL;
	if (repeats_are_errors(set)) {
		for (size_t i = 0; i < idx; i++)
			if (!strcmp(srv->directives[i].name, dir->name))
				return diag(w->d, &loc, -EINVAL, "directive '%s' given twice in "
					    "server '%s' (first on line %u); %s reads only one: keep "
					    "one", dir->name, srv->name, srv->directives[i].line,
					    directive_set_name(set));
	}
	if (set == DIRECTIVE_SET_PROFTPD)
		return check_proftpd_value(w, srv, dir);
	return 0;
}

int site_check_directives(struct site *s, const char *schema_path, struct diag *d)
{
	struct walk w = { .file = s->file, .d = d };
	struct directive_table *t = NULL;
	char *dir = NULL;
	char *slash;
	bool any = false;
	int ret = 0;

	for (size_t i = 0; i < s->n_servers; i++)
		any |= s->servers[i].n_directives > 0;
	/* Most sites have none: do not read the table for them. */
	if (!any)
		return 0;
	dir = strdup(schema_path);
	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	ret = directive_table_load_dir(slash ? dir : ".", d, &t);
	if (ret < 0)
		goto out;
	for (size_t i = 0; i < s->n_servers; i++) {
		for (size_t j = 0; j < s->servers[i].n_directives; j++) {
			int r = check_one(&w, t, &s->servers[i], j);

			if (r == -ENOMEM) {
				ret = r;
				goto out;
			}
			if (r < 0)
				ret = r;
		}
	}
out:
	directive_table_free(t);
	free(dir);
	return ret;
}
