/*
 * render_conf: each server's daemon configuration, produced by applying the
 * daemon's stylesheet (templates/<daemon>.xsl) to the effective site XML.
 * Pure text in, text out: nothing is written here.
 */
#ifndef FTPCFG_RENDER_CONF_H
#define FTPCFG_RENDER_CONF_H

#include <stddef.h>

#include "diag.h"
#include "site.h"

struct conf_file {
	char *path;		/* owned; the path on the target system (no --root) */
	char *content;		/* owned; NUL-terminated */
	size_t len;
	const struct site_server *server; /* not owned */
};

struct conf_set {
	struct conf_file *files;
	size_t n_files;
};

void conf_set_init(struct conf_set *cs);
void conf_set_release(struct conf_set *cs);

/*
 * Render every server of @s with the stylesheets in @templates_dir.  A
 * Pure-FTPd server whose config path ends in '/' gets one file per option.
 * Files appear in site order.  Returns 0, -ENOMEM, or -EINVAL with the
 * reason in @d (a stylesheet missing or failing).
 */
int render_conf(const struct site *s, const char *templates_dir, struct diag *d,
		struct conf_set *out);

#endif
