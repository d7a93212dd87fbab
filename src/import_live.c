/*
 * import_live: before diff and apply replace a daemon's file, read the
 * live one with the importer's parsers and warn about what the site would
 * drop: directives it neither maps nor passes through.  Reads only.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "import.h"

/* The site keeps @it when a <directive> of @srv has its name. */
static bool site_keeps(const struct site_server *srv, const struct import_item *it)
{
	for (size_t i = 0; i < srv->n_directives; i++) {
		const char *name = srv->directives[i].name;

		if (srv->daemon == SITE_DAEMON_PROFTPD ? !strcasecmp(name, it->name)
						       : !strcmp(name, it->name))
			return true;
	}
	return false;
}

static void check_server(const struct site_server *srv, const struct import_opts *o,
			 struct diag *d)
{
	struct import_result r;
	struct diag quiet;
	int ret;

	diag_init(&quiet);
	ret = import_run(srv->daemon, srv->config_path, o, &quiet, &r);
	if (ret == -ENOENT) {
		/* A first install: nothing to drop. */
		diag_release(&quiet);
		return;
	}
	if (ret < 0) {
		struct srcloc loc = { srv->config_path, 0 };
		const char *why = quiet.n_recs ? quiet.recs[0].msg : strerror(-ret);

		diag_warn(d, &loc, "cannot tell which of its directives server '%s' would drop: "
			  "%s", srv->name, why);
		diag_release(&quiet);
		return;
	}
	for (size_t i = 0; i < r.n_items; i++) {
		const struct import_item *it = &r.items[i];
		struct srcloc loc = { it->file, it->line };

		if (it->fate == IMPORT_PASSED && !site_keeps(srv, it))
			diag_warn(d, &loc, "'%s%s%s' of the live file is not in the site: applying "
				  "it drops this; add <directive name=\"%s\">%s</directive> to "
				  "server '%s' to keep it", it->name,
				  srv->daemon == SITE_DAEMON_VSFTPD ? "=" : " ", it->value, it->name,
				  it->value, srv->name);
		else if (it->fate == IMPORT_REPORTED && (!it->why || strncmp(it->why, "inside ", 7)))
			diag_warn(d, &loc, "'%s' of the live file cannot be carried by the site: "
				  "applying it drops this (%s)", it->name, it->why ? it->why : "");
	}
	import_result_release(&r);
	diag_release(&quiet);
}

void import_warn_dropped(const struct site *s, const char *root, const char *templates_dir,
			 struct diag *d)
{
	struct import_opts o = { .root = root, .templates_dir = templates_dir,
				 .skip_check = true };

	for (size_t i = 0; i < s->n_servers; i++)
		check_server(&s->servers[i], &o, d);
}
