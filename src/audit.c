/*
 * audit: the one line each changing run sends to syslog.  It reads the
 * user from the environment and the password database, formats, and
 * calls syslog(3); it never decides anything and never fails a run.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "audit.h"

int audit_user(char **out)
{
	const char *sudo = getenv("SUDO_USER");
	struct passwd pw;
	struct passwd *res = NULL;
	char buf[4096];
	int n;

	if (sudo && *sudo)
		n = asprintf(out, "%s", sudo);
	else if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) == 0 && res)
		n = asprintf(out, "%s", res->pw_name);
	else
		n = asprintf(out, "%u", (unsigned)getuid());
	return n < 0 ? -ENOMEM : 0;
}

/* key="value" with '"' and '\' escaped and control characters as '?': one line, parseable. */
static void put_quoted(FILE *f, const char *key, const char *v)
{
	fprintf(f, " %s=\"", key);
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			fputc('\\', f);
		fputc((unsigned char)*v < 0x20 || *v == 0x7f ? '?' : *v, f);
	}
	fputc('"', f);
}

void audit_log(const struct audit *a, const char *error)
{
	char *line = NULL;
	char *user = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&line, &len);

	if (!f)
		return;
	if (audit_user(&user) < 0)
		user = NULL;
	fprintf(f, "command=%s outcome=%s", a->command ? a->command : "?",
		error ? "failed" : a->outcome ? a->outcome : "?");
	if (error && a->step)
		fprintf(f, " step=%s", a->step);
	if (a->generation)
		fprintf(f, " generation=%u", a->generation);
	if (a->rolled_back_to)
		fprintf(f, " to=%u", a->rolled_back_to);
	if (user)
		put_quoted(f, "user", user);
	if (a->site)
		put_quoted(f, "site", a->site);
	if (a->has_site_sha256) {
		fprintf(f, " site_sha256=");
		for (size_t i = 0; i < AUDIT_SHA256_LEN; i++)
			fprintf(f, "%02x", a->site_sha256[i]);
	}
	if (a->has_summary)
		fprintf(f, " added=%llu changed=%llu deleted=%llu", (unsigned long long)a->added,
			(unsigned long long)a->changed, (unsigned long long)a->deleted);
	if (a->reverted_first)
		fprintf(f, " reverted_unconfirmed=%u", a->reverted_first);
	if (a->integration)
		fprintf(f, " integration=%s", a->integration);
	if (error)
		put_quoted(f, "error", error);
	if (fclose(f) == 0 && line) {
		openlog("ftpcfg", LOG_PID, LOG_AUTHPRIV);
		syslog(error ? LOG_ERR : LOG_NOTICE, "%s", line);
		closelog();
	}
	free(line);
	free(user);
}

const char *audit_first_error(const struct diag *d, char *buf, size_t size)
{
	for (size_t i = 0; i < d->n_recs; i++) {
		const struct diag_rec *r = &d->recs[i];

		if (r->level != DIAG_ERROR)
			continue;
		if (r->file)
			snprintf(buf, size, "%s:%u: %s", r->file, r->line, r->msg);
		else
			snprintf(buf, size, "%s", r->msg);
		return buf;
	}
	return NULL;
}

void audit_release(struct audit *a)
{
	free(a->site_owned);
	a->site_owned = NULL;
}
