/*
 * fuzz_site: libFuzzer harness for the site parser.  Each input goes
 * through site_load_buffer() with the real schema and is freed again.
 * libxml2 must never print on its own: its global handlers abort here, so
 * a message that would reach stderr is reported as a crash with its input.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct site *s = NULL;
	struct diag d;
	int ret;

	diag_init(&d);
	ret = site_load_buffer("fuzz.xml", (const char *)data, size, schema, &d, &s);
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
