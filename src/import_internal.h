/*
 * Private to the importer (import*.c): the context the per-daemon readers
 * share, the bounded file reader and the accounting.
 */
#ifndef FTPCFG_IMPORT_INTERNAL_H
#define FTPCFG_IMPORT_INTERNAL_H

#include <sys/types.h>

#include "import.h"

struct import_ctx {
	const struct import_opts *opts;
	struct diag *d;
	struct directive_table *table;
	enum directive_set set;
	struct site_server *srv;	/* the one server being built (in res->site) */
	struct import_result *res;
	size_t total_bytes;
	size_t n_files;
	/* Files open in the Include chain, by device and inode (loops). */
	dev_t chain_dev[IMPORT_MAX_DEPTH + 1];
	ino_t chain_ino[IMPORT_MAX_DEPTH + 1];
	size_t depth;
	int errors;		/* hostile or broken input seen: the import fails */
};

/*
 * Read @path (below --root) into *buf (NUL-terminated, owned), refusing a
 * symbolic link, anything but a regular file, a NUL byte and the size
 * bounds.  *dev and *ino identify the file.  0 or a negative errno after a diag.
 */
int import_read_file(struct import_ctx *ic, const char *path, char **buf, size_t *len,
		     dev_t *dev, ino_t *ino);

/* The entries of directory @path (below --root), sorted, owned; hidden ones left out. */
int import_list_dir(struct import_ctx *ic, const char *path, char ***names, size_t *n);
void import_free_names(char **names, size_t n);

/* @path with --root in front, owned. */
int import_full_path(const struct import_ctx *ic, const char *path, char **out);

/* Record one source directive; returns its index or -ENOMEM. */
int import_item_add(struct import_ctx *ic, const char *file, unsigned line, const char *name,
		    const char *value);
/* Set the fate of item @i with a printf-style reason (may be NULL). */
int import_item_set(struct import_ctx *ic, size_t i, enum import_fate fate, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Mark item @i reported as part of a block already reported (no message of its own). */
int import_item_within(struct import_ctx *ic, size_t i, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Pass item @i through as a <directive> when the table knows it, or mark
 * it implied when it equals what the stylesheet writes.  Unknown names are
 * errors with a did-you-mean; owned ones must have been mapped before.
 */
int import_pass(struct import_ctx *ic, size_t i);

/* A report about the file as a whole (line 0), e.g. a daemon default the model lacks. */
void import_note(struct import_ctx *ic, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Parse helpers: 0 or -EINVAL (no diag; the caller says what it expected). */
int import_parse_uint(const char *s, unsigned long max, unsigned long *out);
int import_set_str(char **field, const char *value);
int import_parse_addr(const char *s, struct site_addr *a);

int import_vsftpd(struct import_ctx *ic, const char *path);
int import_proftpd(struct import_ctx *ic, const char *path);
int import_pureftpd(struct import_ctx *ic, const char *path);

#endif
