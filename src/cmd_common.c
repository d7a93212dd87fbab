/*
 * cmd_common: what every command does the same way: load the site with
 * the installed schema, report a usage error, and build the one --json
 * document.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "audit.h"
#include "cmd.h"
#include "diag.h"
#include "state.h"
#include "site.h"

/* -v: how many networks, and how many of them libxml2 did not have to read (site_runs.c). */
static void say_site(const struct ctx *c, const struct site *s)
{
	size_t n = 0;

	if (!c->opts->verbose)
		return;
	for (size_t i = 0; i < s->n_servers; i++)
		n += s->servers[i].n_allow;
	diag_progress("site: %zu network%s, %zu of them read as plain lines", n, n == 1 ? "" : "s",
		      s->n_plain);
}

int cmd_load_site(struct ctx *c, const char *path, struct site **out)
{
	char *schema = NULL;
	int ret;

	if (asprintf(&schema, "%s/site.xsd", c->opts->templates_dir) < 0)
		return -ENOMEM;
	ret = site_load(path, schema, c->diag, out);
	free(schema);
	if (ret == 0)
		say_site(c, *out);
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
	if (ret == 0)
		say_site(c, *out);
	return ret;
}

int cmd_usage(struct ctx *c, const char *cmd, const char *what)
{
	return diag(c->diag, NULL, CMD_USAGE, "%s; see 'ftpcfg help %s'", what, cmd);
}

int cmd_parse_uint(struct ctx *c, const char *cmd, const char *opt, const char *v,
		   unsigned min, unsigned max, unsigned *out)
{
	unsigned long long n = 0;
	const char *p = v;

	for (; *p >= '0' && *p <= '9' && n <= max; p++)
		n = n * 10 + (unsigned)(*p - '0');
	if (p == v || *p || n < min || n > max) {
		char what[256];

		snprintf(what, sizeof(what), "%s '%s' is not a whole number from %u to %u", opt, v,
			 min, max);
		return cmd_usage(c, cmd, what);
	}
	*out = (unsigned)n;
	return 0;
}

int cmd_json_result(const struct ctx *c, json_t *doc)
{
	if (!c->json)
		return 0;
	if (!json_is_object(doc) || json_object_update(c->json, doc) < 0)
		return -ENOMEM;
	return 0;
}

json_t *cmd_json_diagnostics(const struct diag *d, bool errors, bool warnings)
{
	json_t *list = json_array();

	for (size_t i = 0; list && i < d->n_recs; i++) {
		const struct diag_rec *r = &d->recs[i];
		bool warning = r->level == DIAG_WARNING;

		if (warning ? !warnings : !errors)
			continue;
		if (json_array_append_new(list, json_pack("{s:s, s:s?, s:I, s:s}", "level",
							  warning ? "warning" : "error", "file",
							  r->file, "line", (json_int_t)r->line,
							  "message", r->msg)) < 0) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

/* The first error as stderr shows it, without "ftpcfg: ". */
static char *first_error(const struct diag *d)
{
	char *msg = NULL;
	int n = -1;

	for (size_t i = 0; i < d->n_recs && n < 0; i++) {
		const struct diag_rec *r = &d->recs[i];

		if (r->level != DIAG_ERROR)
			continue;
		if (r->file && r->line)
			n = asprintf(&msg, "%s:%u: %s", r->file, r->line, r->msg);
		else if (r->file)
			n = asprintf(&msg, "%s: %s", r->file, r->msg);
		else
			n = asprintf(&msg, "%s", r->msg);
	}
	if (n < 0)
		msg = strdup(d->oom ? "out of memory" : "failed");
	return msg;
}

int cmd_json_print(const struct ctx *c, const char *name, int exit_code)
{
	json_t *doc = json_pack("{s:i, s:s?}", "format_version", CMD_JSON_FORMAT_VERSION,
				"command", name);
	json_t *error = NULL;
	char *msg = NULL;
	int ret = -ENOMEM;

	if (!doc || json_object_update(doc, c->json) < 0 ||
	    json_object_set_new(doc, "warnings", cmd_json_diagnostics(c->diag, false, true)) < 0)
		goto out;
	if (exit_code != 0 && exit_code != CMD_CHANGES) {
		msg = first_error(c->diag);
		error = json_pack("{s:i, s:s, s:o}", "exit_code", exit_code, "message",
				  msg ? msg : "out of memory", "diagnostics",
				  cmd_json_diagnostics(c->diag, true, true));
		if (json_object_set_new(doc, "error", error) < 0)
			goto out;
	}
	ret = -EIO;
	if (json_dumpf(doc, stdout, JSON_INDENT(2)) < 0 || putchar('\n') == EOF)
		goto out;
	ret = 0;
out:
	free(msg);
	json_decref(doc);
	return ret;
}

static json_t *uint_or_null(unsigned v)
{
	return v ? json_integer((json_int_t)v) : json_null();
}

int cmd_json_audit(const struct ctx *c, const struct audit *a)
{
	json_t *doc;
	int ret;

	if (!c->json)
		return 0;
	doc = json_pack("{s:o, s:o, s:o}", "generation", uint_or_null(a->generation), "summary",
			a->has_summary ? json_pack("{s:I, s:I, s:I}", "added", (json_int_t)a->added,
						   "changed", (json_int_t)a->changed, "deleted",
						   (json_int_t)a->deleted)
				       : json_null(),
			"reverted_unconfirmed", uint_or_null(a->reverted_first));
	ret = doc ? cmd_json_result(c, doc) : -ENOMEM;
	json_decref(doc);
	return ret;
}

int cmd_pending_confirm(struct ctx *c, const struct state *s, struct state_confirm *p,
			bool *pending, bool *expired)
{
	int ret;

	*pending = *expired = false;
	if (s->dirfd < 0)
		return 0;
	ret = state_confirm_read(s, p);
	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	*pending = true;
	*expired = (int64_t)time(NULL) >= p->deadline;
	if (*expired) {
		char when[DIAG_TIME_LEN];

		diag_time(p->deadline, when);
		diag_warn(c->diag, NULL, "generation %u was not confirmed by %s and its watcher did "
			  "not roll it back; the next ftpcfg run that takes the lock (apply, "
			  "rollback, remove, restore, confirm) rolls it back first", p->generation, when);
	}
	return 0;
}
