/*
 * audit: who changed what, for history and syslog.  One line per apply,
 * rollback, remove, confirm and restore that commits goes to syslog (ident
 * "ftpcfg", facility authpriv, where sudo's own lines go), success or
 * failure.
 */
#ifndef FTPCFG_AUDIT_H
#define FTPCFG_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

/* A SHA-256, as the state module keeps it (STATE_SHA256_LEN). */
#define AUDIT_SHA256_LEN 32

/*
 * What one run did, filled in as it goes: the transaction sets step,
 * generation, site and summary; the command sets command and outcome.
 * Strings are borrowed.
 */
struct audit {
	const char *command;		/* "apply", "rollback --to 3", "confirm" ... */
	const char *outcome;		/* "applied", "rolled back", "failed" ... */
	const char *step;		/* the step under way: on failure, the one that failed */
	unsigned generation;		/* the generation the run kept, 0: none */
	unsigned rolled_back_to;	/* rollback --to: the generation returned to */
	const char *site;		/* may be NULL */
	bool has_site_sha256;
	uint8_t site_sha256[AUDIT_SHA256_LEN];
	uint64_t added;
	uint64_t changed;
	uint64_t deleted;
	bool has_summary;
	/* An expired confirmation this run found and reverted first (its generation). */
	unsigned reverted_first;
	long watcher_pid;		/* apply --confirm: the watcher started, 0: none */
	const char *integration;	/* restore: the integration it put back, NULL: none */
	char *site_owned;		/* owned: a site found by the run (rollback); site points here */
};

/* Free what @a owns. */
void audit_release(struct audit *a);

/* The user behind the run: $SUDO_USER, else the real uid's name, else its number.  Owned. */
int audit_user(char **out);

/*
 * Send @a as one line to syslog: "command=apply outcome=applied
 * generation=3 user="root" site="/etc/ftpcfg/site.xml" site_sha256=...
 * added=1 changed=0 deleted=0", and on failure (@error not NULL) the
 * step and the error.  Never fails the run: syslog has no error to give.
 */
void audit_log(const struct audit *a, const char *error);

/* The first error @d holds, for the log line ("file:line: message" unowned, NULL: none). */
const char *audit_first_error(const struct diag *d, char *buf, size_t size);

#endif
