/*
 * directives: the directives each daemon knows, read from
 * templates/directives.txt (generated from Debian 12's packages by
 * scripts/gen-directives.sh).  It says which names a <directive> may use,
 * which ones the site model owns (and through which element), and which
 * ones a stylesheet writes with a fixed value a <directive> may replace.
 * Nothing here acts; the table is read-only once loaded.
 */
#ifndef FTPCFG_DIRECTIVES_H
#define FTPCFG_DIRECTIVES_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

/* The file's name inside the templates directory. */
#define DIRECTIVES_FILE "directives.txt"
/* A table file larger than this is not ours (it is about 40 KiB). */
#define DIRECTIVES_MAX_BYTES (1024u * 1024)

enum directive_kind {
	DIRECTIVE_FREE,		/* only a <directive> sets it */
	DIRECTIVE_OWNED,	/* the site sets it through an element: arg names it */
	DIRECTIVE_DEFAULT,	/* the stylesheet writes arg as its value unless replaced */
	DIRECTIVE_MODULE,	/* proftpd only: a module compiled into Debian's binary */
};

/*
 * Which syntax a name belongs to: Pure-FTPd's own file and Debian's conf/
 * directory (pure-ftpd-wrapper) know slightly different option sets.
 */
enum directive_set {
	DIRECTIVE_SET_VSFTPD,
	DIRECTIVE_SET_PROFTPD,
	DIRECTIVE_SET_PUREFTPD,		/* pure-ftpd.conf */
	DIRECTIVE_SET_PUREFTPD_DIR,	/* /etc/pure-ftpd/conf/ */
	DIRECTIVE_SET_COUNT,
};

struct directive_info {
	enum directive_set set;
	enum directive_kind kind;
	char *name;		/* owned; as the daemon's documentation spells it */
	char *arg;		/* owned; NULL for DIRECTIVE_FREE and DIRECTIVE_MODULE */
};

struct directive_table {
	struct directive_info *entries;
	size_t n_entries;
};

/*
 * Read the table at @path.  On success *out is owned by the caller (free
 * with directive_table_free()).  0, -ENOENT/-EACCES (with a diag), -EINVAL
 * (a malformed line, with a diag) or -ENOMEM.
 */
int directive_table_load(const char *path, struct diag *d, struct directive_table **out);

/* The same from the templates directory. */
int directive_table_load_dir(const char *templates_dir, struct diag *d,
			     struct directive_table **out);

void directive_table_free(struct directive_table *t);

/*
 * The entry for @name in @set, or NULL.  ProFTPD matches names without
 * regard to case, as proftpd does; the others match exactly.
 */
const struct directive_info *directive_find(const struct directive_table *t,
					    enum directive_set set, const char *name);

/* The known name of @set closest to @name, if close enough to be a typo; else NULL. */
const char *directive_suggest(const struct directive_table *t, enum directive_set set,
			      const char *name);

/* What the set is called in messages: "vsftpd", "proftpd", "pure-ftpd" ... */
const char *directive_set_name(enum directive_set set);

/* Where a user reads about the set's directives (a man page or document). */
const char *directive_set_doc(enum directive_set set);

#endif
