/*
 * diag: collects errors and warnings with their source line.  It never
 * prints on its own: main calls diag_print() once, at the end.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag.h"

void diag_init(struct diag *d)
{
	memset(d, 0, sizeof(*d));
}

void diag_release(struct diag *d)
{
	for (size_t i = 0; i < d->n_recs; i++) {
		free(d->recs[i].file);
		free(d->recs[i].msg);
	}
	free(d->recs);
	diag_init(d);
}

__attribute__((format(printf, 4, 0)))
static void diag_add(struct diag *d, enum diag_level level, const struct srcloc *loc,
		     const char *fmt, va_list ap)
{
	struct diag_rec *rec;
	char *msg = NULL;
	char *file = NULL;

	if (level == DIAG_ERROR)
		d->n_errors++;
	if (d->n_recs == d->alloc) {
		size_t n = d->alloc ? d->alloc * 2 : 8;
		struct diag_rec *r = realloc(d->recs, n * sizeof(*r));

		if (!r) {
			d->oom = true;
			return;
		}
		d->recs = r;
		d->alloc = n;
	}
	if (vasprintf(&msg, fmt, ap) < 0) {
		d->oom = true;
		return;
	}
	if (loc && loc->file) {
		file = strdup(loc->file);
		if (!file) {
			free(msg);
			d->oom = true;
			return;
		}
	}
	rec = &d->recs[d->n_recs++];
	rec->level = level;
	rec->file = file;
	rec->line = loc ? loc->line : 0;
	rec->msg = msg;
}

int diag(struct diag *d, const struct srcloc *loc, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(d, DIAG_ERROR, loc, fmt, ap);
	va_end(ap);
	return err;
}

void diag_warn(struct diag *d, const struct srcloc *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(d, DIAG_WARNING, loc, fmt, ap);
	va_end(ap);
}

void diag_append(struct diag *to, const struct diag *from)
{
	to->oom |= from->oom;
	for (size_t i = 0; i < from->n_recs; i++) {
		const struct diag_rec *r = &from->recs[i];
		struct srcloc loc = { r->file, r->line };

		if (r->level == DIAG_ERROR)
			diag(to, r->file ? &loc : NULL, -EIO, "%s", r->msg);
		else
			diag_warn(to, r->file ? &loc : NULL, "%s", r->msg);
	}
}

void diag_sort(struct diag *d, size_t from)
{
	/* Insertion sort: stable, and the records of one site are few. */
	for (size_t i = from + 1; i < d->n_recs; i++) {
		struct diag_rec rec = d->recs[i];
		size_t j = i;

		for (; j > from && d->recs[j - 1].line > rec.line; j--)
			d->recs[j] = d->recs[j - 1];
		d->recs[j] = rec;
	}
}

void diag_print(const struct diag *d, FILE *f, bool warnings)
{
	size_t shown = 0;
	size_t more_errors = 0;
	size_t more_warnings = 0;

	for (size_t i = 0; i < d->n_recs; i++) {
		const struct diag_rec *r = &d->recs[i];
		const char *lvl = r->level == DIAG_WARNING ? "warning: " : "";

		if (r->level == DIAG_WARNING && !warnings)
			continue;
		/* A site with thousands of bad networks: the first ones say what is wrong. */
		if (shown == DIAG_PRINT_MAX) {
			*(r->level == DIAG_ERROR ? &more_errors : &more_warnings) += 1;
			continue;
		}
		shown++;
		if (r->file && r->line)
			fprintf(f, "ftpcfg: %s:%u: %s%s\n", r->file, r->line, lvl, r->msg);
		else if (r->file)
			fprintf(f, "ftpcfg: %s: %s%s\n", r->file, lvl, r->msg);
		else
			fprintf(f, "ftpcfg: %s%s\n", lvl, r->msg);
	}
	if (more_errors || more_warnings)
		fprintf(f, "ftpcfg: %zu more error%s and %zu more warning%s not shown; --json lists "
			"every one\n", more_errors, more_errors == 1 ? "" : "s", more_warnings,
			more_warnings == 1 ? "" : "s");
	if (d->oom)
		fprintf(f, "ftpcfg: out of memory while recording errors; some are missing\n");
}

void diag_progress(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void diag_time(int64_t t, char out[DIAG_TIME_LEN])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, DIAG_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, DIAG_TIME_LEN, "@%lld", (long long)t);
}
