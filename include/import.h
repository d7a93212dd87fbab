/*
 * import: reads a daemon's existing configuration (vsftpd.conf, proftpd.conf
 * with what it Includes, pure-ftpd.conf or Debian's conf/ directory) and
 * builds the site that gives the same daemon behaviour.  Every directive
 * of the source is accounted for: mapped onto the model, implied by what
 * the stylesheets write, passed through as a <directive>, or reported.
 * Reading is bounded and refuses symbolic links; nothing here writes.
 */
#ifndef FTPCFG_IMPORT_H
#define FTPCFG_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "directives.h"
#include "site.h"

/* One file larger than this is not a configuration file (Debian's largest is 8 KiB). */
#define IMPORT_MAX_FILE_BYTES (1024u * 1024)
/* All the files of one import together. */
#define IMPORT_MAX_TOTAL_BYTES (8u * 1024 * 1024)
/* Files read by one import (Include globs, conf/ entries). */
#define IMPORT_MAX_FILES 256u
/* Include nesting; Debian's default nests two deep. */
#define IMPORT_MAX_DEPTH 8u
/* One logical line, continuations included. */
#define IMPORT_MAX_LINE 8192u

enum import_fate {
	IMPORT_MAPPED,		/* became an element or attribute of the site */
	IMPORT_IMPLIED,		/* what the rendered file says anyway, or without effect */
	IMPORT_PASSED,		/* became a <directive> */
	IMPORT_REPORTED,	/* not carried, or carried with a change: on stderr */
};

/* One directive (or block) of the source. */
struct import_item {
	char *file;		/* owned */
	unsigned line;
	char *name;		/* owned; a block is "<Directory>" */
	char *value;		/* owned; may be "" */
	enum import_fate fate;
	char *why;		/* owned; NULL, the element it became, or the reason */
};

struct import_result {
	struct site *site;	/* owned */
	struct import_item *items;
	size_t n_items;
};

struct import_opts {
	const char *root;		/* NULL, or a directory prefixing every path read */
	const char *templates_dir;	/* holds directives.txt */
	const char *server_name;	/* the <server name>; NULL: the daemon's name */
	bool skip_check;		/* do not load the result back through the schema */
};

/*
 * Import @path (a file; for pure-ftpd also a conf/ directory) written for
 * @daemon.  What is not carried goes to @d as warnings with its source
 * line; an unreadable or hostile source is an error.  On success @out
 * holds the site (valid, every default filled) and the accounting.
 * 0, -EINVAL (see @d), -ENOENT/-EACCES/-ELOOP (with a diag) or -ENOMEM.
 */
int import_run(enum site_daemon daemon, const char *path, const struct import_opts *o,
	       struct diag *d, struct import_result *out);

/*
 * Warn (to @d) about each directive of the servers' live files that @s
 * would drop: not carried by the model, or passed through by an import
 * but not among the server's <directive> elements.  A missing live file
 * is a first install (nothing to say); one that cannot be read is one
 * warning.  For diff and apply; reads only.
 */
void import_warn_dropped(const struct site *s, const char *root, const char *templates_dir,
			 struct diag *d);

void import_result_init(struct import_result *r);
void import_result_release(struct import_result *r);

const char *import_fate_name(enum import_fate f);

#endif
