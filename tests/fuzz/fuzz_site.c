/*
 * fuzz_site: libFuzzer harness for the site parser.  Each input goes
 * through site_load_buffer() with the real schema and is freed again; and
 * again with the marker of plain runs in a comment before it, which makes
 * the parser read every <network> through libxml2: both loads must give
 * the same networks, lines and messages (site.c, "plain runs").
 * libxml2 must never print on its own: its global handlers abort here, so
 * a message that would reach stderr is reported as a crash with its input.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlerror.h>

#include "site.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char schema[4096];

static void on_generic_error(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
	abort();
}

static void on_structured_error(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	(void)e;
	abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("FTPCFG_TEMPLATE_DIR");
	int n;

	(void)argc;
	(void)argv;
	n = snprintf(schema, sizeof(schema), "%s/site.xsd", dir && *dir ? dir : "templates");
	if (n < 0 || (size_t)n >= sizeof(schema))
		abort();
	xmlSetGenericErrorFunc(NULL, on_generic_error);
	xmlSetStructuredErrorFunc(NULL, on_structured_error);
	return 0;
}

/* The same site read without plain runs: the marker in a comment, on line 1. */
static void same_without_runs(const uint8_t *data, size_t size, int ret, const struct diag *d,
			      const struct site *s)
{
	static const char marker[] = "<!--<?ftpcfg-plain-run-->";
	char *buf = malloc(sizeof(marker) + size);
	struct site *t = NULL;
	struct diag e;

	if (!buf)
		abort();
	memcpy(buf, marker, sizeof(marker) - 1);
	memcpy(buf + sizeof(marker) - 1, data, size);
	diag_init(&e);
	/*
	 * What is read from the first bytes (a byte order mark, a NUL that
	 * says UTF-16, an XML declaration) cannot follow a comment: only a
	 * document that starts with other markup is compared so.
	 */
	if (size < 4 || data[0] != '<' || memchr(data, '\0', 4) ||
	    (size >= 5 && !memcmp(data, "<?xml", 5)))
		goto out;
	if (site_load_buffer("fuzz.xml", buf, sizeof(marker) - 1 + size, schema, &e, &t) != ret ||
	    e.n_recs != d->n_recs)
		abort();
	for (size_t i = 0; i < d->n_recs; i++)
		if (e.recs[i].level != d->recs[i].level || e.recs[i].line != d->recs[i].line ||
		    strcmp(e.recs[i].msg, d->recs[i].msg))
			abort();
	for (size_t i = 0; s && i < s->n_servers; i++) {
		if (t->servers[i].n_allow != s->servers[i].n_allow)
			abort();
		for (size_t j = 0; j < s->servers[i].n_allow; j++)
			if (t->servers[i].allow[j].line != s->servers[i].allow[j].line ||
			    memcmp(&t->servers[i].allow[j].addr, &s->servers[i].allow[j].addr,
				   sizeof(s->servers[i].allow[j].addr)) ||
			    t->servers[i].allow[j].prefix != s->servers[i].allow[j].prefix)
				abort();
	}
out:
	site_free(t);
	diag_release(&e);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct site *s = NULL;
	struct diag d;
	int ret;

	diag_init(&d);
	ret = site_load_buffer("fuzz.xml", (const char *)data, size, schema, &d, &s);
	same_without_runs(data, size, ret, &d, s);
	/* A missing schema would make every input "fail" and the run worthless. */
	if (ret == -EIO)
		abort();
	if (ret == 0) {
		/* What the renderers read: every address formats, every string is a string. */
		for (size_t i = 0; i < s->n_servers; i++) {
			const struct site_server *srv = &s->servers[i];
			char buf[INET6_ADDRSTRLEN + 8];

			for (size_t j = 0; j < srv->n_allow; j++)
				if (site_net_format(&srv->allow[j], buf, sizeof(buf)) < 0)
					abort();
			for (size_t j = 0; j < srv->n_listens; j++)
				if (site_addr_format(&srv->listens[j].addr, buf, sizeof(buf)) < 0)
					abort();
			if (!srv->name || !srv->config_path || !srv->reload || !srv->n_listens)
				abort();
			(void)server_passive_explicit(s, srv);
		}
		if (!s->name || (!s->firewall.table && !s->firewall.has_attach))
			abort();
	} else if (ret == -EINVAL && d.n_errors == 0) {
		/* Refused without saying why. */
		abort();
	}
	site_free(s);
	diag_release(&d);
	return 0;
}
