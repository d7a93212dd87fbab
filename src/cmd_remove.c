/*
 * remove: take off everything ftpcfg manages (src/apply_remove.c does it,
 * as one transaction) and say what was, or with --check would be,
 * deleted and put back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "apply.h"
#include "audit.h"
#include "cmd.h"

/* One plan line, as the text output and the JSON "summary" say it. */
static char *object_line(const struct apply_removal_object *o)
{
	char *line = NULL;
	int n;

	if (o->line)
		n = asprintf(&line, "%s", o->line);
	else if (!strcmp(o->object, "jump"))
		n = asprintf(&line, "- jump to %s in chain %s", o->name, o->in ? o->in : "?");
	else if (o->in)
		n = asprintf(&line, "- %s %s in table %s", o->object, o->name, o->in);
	else
		n = asprintf(&line, "- %s %s", o->object, o->name);
	return n < 0 ? NULL : line;
}

static char *file_line(const struct apply_removal_file *f)
{
	char *line = NULL;
	int n = -1;

	switch (f->action) {
	case APPLY_REMOVAL_RESTORE:
		n = asprintf(&line, "%c %s: as it was before ftpcfg (%zu bytes, mode %04o, owner "
			     "%u:%u)%s", f->changes ? '~' : '=', f->path, f->len, f->mode, f->uid,
			     f->gid, f->changes ? "" : ", already so");
		break;
	case APPLY_REMOVAL_DELETE:
		n = asprintf(&line, "%c %s: ftpcfg created it%s", f->changes ? '-' : '=', f->path,
			     f->changes ? "" : ", already gone");
		break;
	case APPLY_REMOVAL_KEEP:
		n = asprintf(&line, "= %s: left as it is (what it was before ftpcfg is not known)",
			     f->path);
		break;
	}
	return n < 0 ? NULL : line;
}

static const char *action_name(enum apply_removal_action a)
{
	switch (a) {
	case APPLY_REMOVAL_RESTORE:
		return "restore";
	case APPLY_REMOVAL_DELETE:
		return "delete";
	case APPLY_REMOVAL_KEEP:
		return "keep";
	}
	return "keep";
}

static int report_json(const struct ctx *c, const struct apply_removal *r, const char *outcome,
		       unsigned generation)
{
	json_t *doc = json_pack("{s:s, s:o, s:s?, s:s?, s:[], s:[], s:[]}", "outcome", outcome,
				"generation", generation ? json_integer(generation) : json_null(),
				"site", r->site, "site_name", r->site_name, "ruleset", "files",
				"reloads");
	json_t *target = json_null();
	int ret = -ENOMEM;

	if (!doc)
		goto out;
	if (r->target)
		target = json_pack("{s:s, s:s, s:b, s:s?}", "family",
				   ir_family_name(r->target->family), "table", r->target->table,
				   "attach", r->target->attach, "attach_chain",
				   r->target->attach ? r->target->attach_chain : NULL);
	if (!target || json_object_set(doc, "target", target) < 0)
		goto out;
	for (size_t i = 0; i < r->n_objects; i++) {
		const struct apply_removal_object *o = &r->objects[i];
		char *line = object_line(o);

		if (!line || json_array_append_new(json_object_get(doc, "ruleset"),
						   json_pack("{s:s, s:s, s:s, s:s?, s:s}", "op",
							     "delete", "object", o->object, "name",
							     o->name, "in", o->in, "summary",
							     line)) < 0) {
			free(line);
			goto out;
		}
		free(line);
	}
	for (size_t i = 0; i < r->n_files; i++) {
		const struct apply_removal_file *f = &r->files[i];
		bool restore = f->action == APPLY_REMOVAL_RESTORE;
		char mode[8];
		char *line = file_line(f);
		json_t *o;

		snprintf(mode, sizeof(mode), "%04o", f->mode);
		o = line ? json_pack("{s:s, s:s, s:b, s:s}", "path", f->path, "action",
				     action_name(f->action), "changes", f->changes, "summary", line)
			 : NULL;
		if (o && restore &&
		    (json_object_set_new(o, "size", json_integer((json_int_t)f->len)) < 0 ||
		     json_object_set_new(o, "mode", json_string(mode)) < 0 ||
		     json_object_set_new(o, "uid", json_integer(f->uid)) < 0 ||
		     json_object_set_new(o, "gid", json_integer(f->gid)) < 0)) {
			json_decref(o);
			o = NULL;
		}
		free(line);
		if (!o || json_array_append_new(json_object_get(doc, "files"), o) < 0)
			goto out;
	}
	for (size_t i = 0; i < r->n_reloads; i++)
		if (json_array_append_new(json_object_get(doc, "reloads"),
					  json_string(r->reloads[i])) < 0)
			goto out;
	ret = cmd_json_result(c, doc);
out:
	json_decref(target);
	json_decref(doc);
	return ret;
}

static int report_text(const struct apply_removal *r, bool check, bool no_reload,
		       unsigned generation)
{
	if (check)
		printf("Would remove everything ftpcfg manages%s%s%s; nothing was changed:\n",
		       r->site ? " (last applied: " : "", r->site ? r->site : "", r->site ? ")" : "");
	else
		printf("Removed everything ftpcfg managed (%s%s%sgeneration %u):\n",
		       r->site ? "last applied: " : "", r->site ? r->site : "", r->site ? "; " : "",
		       generation);
	if (!r->n_objects)
		printf("  nothing of ftpcfg's is in the ruleset\n");
	for (size_t i = 0; i < r->n_objects; i++) {
		char *line = object_line(&r->objects[i]);

		if (!line)
			return -ENOMEM;
		printf("  %s\n", line);
		free(line);
	}
	for (size_t i = 0; i < r->n_files; i++) {
		char *line = file_line(&r->files[i]);

		if (!line)
			return -ENOMEM;
		printf("  %s\n", line);
		free(line);
	}
	for (size_t i = 0; i < r->n_reloads; i++)
		printf("  reload%s: %s\n", no_reload ? " (skipped, --no-reload)" : "",
		       r->reloads[i]);
	return 0;
}

int cmd_remove(struct ctx *c, const struct cmd_args *a)
{
	unsigned flags = (cmd_has(a, CMD_OPT_CHECK) ? APPLY_CHECK : 0) |
			 (cmd_has(a, CMD_OPT_NO_RELOAD) ? APPLY_NO_RELOAD : 0);
	bool check = flags & APPLY_CHECK;
	struct audit au = { .command = "remove", .outcome = "removed" };
	struct apply_removal r;
	char err[512];
	int ret = apply_remove(c, flags, &r, &au);
	int out;

	/* The audit trail: a removal, or one that failed; not --check, not "nothing managed". */
	if (!check && (ret < 0 || r.managed))
		audit_log(&au, ret < 0 ? audit_first_error(c->diag, err, sizeof(err)) ? err
					  : "failed" : NULL);
	if (ret < 0)
		goto done;
	if (c->opts->json)
		out = report_json(c, &r, !r.managed ? "nothing managed" : check ? "checked" :
				  "removed", au.generation);
	else if (c->opts->quiet)
		out = 0;
	else if (!r.managed)
		out = printf("Nothing to remove: ftpcfg manages nothing here (no apply is "
			     "recorded).\n") < 0 ? -EIO : 0;
	else
		out = report_text(&r, check, flags & APPLY_NO_RELOAD, au.generation);
	if (out < 0)
		ret = out;
	else if (ret == CMD_CHANGES && !cmd_has(a, CMD_OPT_DETAILED_EXITCODE))
		ret = 0;
done:
	apply_removal_release(&r);
	audit_release(&au);
	return ret;
}
