/*
 * diag: the one way ftpcfg reports a problem.  Records are collected while
 * a command runs and printed once, by main, to stderr.
 */
#ifndef FTPCFG_DIAG_H
#define FTPCFG_DIAG_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

/* Where something came from: a file name (not owned) and a 1-based line, 0 if unknown. */
struct srcloc {
	const char *file;
	unsigned line;
};

enum diag_level {
	DIAG_ERROR,
	DIAG_WARNING,
};

struct diag_rec {
	enum diag_level level;
	char *file;	/* owned; NULL when no file applies */
	unsigned line;
	char *msg;	/* owned */
};

struct diag {
	struct diag_rec *recs;
	size_t n_recs;
	size_t alloc;
	size_t n_errors;
	bool oom;	/* a record could not be stored */
};

void diag_init(struct diag *d);
void diag_release(struct diag *d);

/*
 * Record an error at @loc (may be NULL) and return @err, so that
 * `return diag(d, loc, -EINVAL, "...");` reads as one step.
 */
int diag(struct diag *d, const struct srcloc *loc, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Record a warning: something the site asks that cannot be fully honoured. */
void diag_warn(struct diag *d, const struct srcloc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Order the records from index @from on by line, keeping the order of
 * records on one line (for a file whose checks ran in several passes).
 */
void diag_sort(struct diag *d, size_t from);

/* Append every record of @from to @to, in order (a run's records kept apart until they stand). */
void diag_append(struct diag *to, const struct diag *from);

/* diag_print() shows this many records; a line counts the rest. */
#define DIAG_PRINT_MAX 50

/*
 * Print each record as `ftpcfg: FILE:LINE: message`, warnings only if
 * @warnings: the first DIAG_PRINT_MAX, then one line counting the others
 * (--json lists every one).
 */
void diag_print(const struct diag *d, FILE *f, bool warnings);

/*
 * Print one verbose line (-v) to stderr at once: progress shows when it
 * happens, and stdout stays the command's output (one JSON document under
 * --json).  Callers test the verbose option; @fmt has no newline.
 */
void diag_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * @t (seconds since the epoch) as every message and JSON document shows a
 * time: ISO 8601 in UTC, "2026-12-05T21:45:51Z".
 */
#define DIAG_TIME_LEN 32
void diag_time(int64_t t, char out[DIAG_TIME_LEN]);

#endif
