/*
 * import: the daemon-independent half of `ftpcfg import`: bounded, link-
 * refusing reads, the accounting of every source directive, and turning
 * the server the per-daemon readers built into a checked site.  Reads
 * only; writes nothing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "effective.h"
#include "import_internal.h"

const char *import_fate_name(enum import_fate f)
{
	switch (f) {
	case IMPORT_MAPPED:
		return "mapped";
	case IMPORT_IMPLIED:
		return "implied";
	case IMPORT_PASSED:
		return "passed";
	case IMPORT_REPORTED:
		return "reported";
	}
	return "?";
}

void import_result_init(struct import_result *r)
{
	memset(r, 0, sizeof(*r));
}

void import_result_release(struct import_result *r)
{
	for (size_t i = 0; i < r->n_items; i++) {
		free(r->items[i].file);
		free(r->items[i].name);
		free(r->items[i].value);
		free(r->items[i].why);
	}
	free(r->items);
	site_free(r->site);
	import_result_init(r);
}

int import_set_str(char **field, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

int import_parse_addr(const char *s, struct site_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->bytes) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, s, a->bytes) == 1)
		a->family = AF_INET6;
	else
		return -EINVAL;
	return 0;
}

int import_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int import_item_add(struct import_ctx *ic, const char *file, unsigned line, const char *name,
		    const char *value)
{
	struct import_result *r = ic->res;
	struct import_item *grown;
	struct import_item *it;

	grown = realloc(r->items, (r->n_items + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	r->items = grown;
	it = &r->items[r->n_items];
	memset(it, 0, sizeof(*it));
	it->line = line;
	it->fate = IMPORT_REPORTED;
	it->file = strdup(file);
	it->name = strdup(name);
	it->value = strdup(value ? value : "");
	if (!it->file || !it->name || !it->value) {
		free(it->file);
		free(it->name);
		free(it->value);
		return -ENOMEM;
	}
	return (int)r->n_items++;
}

int import_item_set(struct import_ctx *ic, size_t i, enum import_fate fate, const char *fmt, ...)
{
	struct import_item *it = &ic->res->items[i];
	char *why = NULL;
	va_list ap;

	if (fmt) {
		int n;

		va_start(ap, fmt);
		n = vasprintf(&why, fmt, ap);
		va_end(ap);
		if (n < 0)
			return -ENOMEM;
	}
	free(it->why);
	it->why = why;
	it->fate = fate;
	if (fate == IMPORT_REPORTED && why) {
		struct srcloc loc = { it->file, it->line };
		size_t n = strlen(it->name);

		/* A block reads as it was written: '<Directory /srv>'. */
		if (it->name[0] == '<' && n > 2 && it->value[0])
			diag_warn(ic->d, &loc, "'%.*s %s>' is not carried: %s", (int)(n - 1),
				  it->name, it->value, why);
		else
			diag_warn(ic->d, &loc, "'%s' is not carried: %s", it->name, why);
	}
	return 0;
}

int import_item_within(struct import_ctx *ic, size_t i, const char *fmt, ...)
{
	struct import_item *it = &ic->res->items[i];
	char *why = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&why, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	free(it->why);
	it->why = why;
	it->fate = IMPORT_REPORTED;
	return 0;
}

void import_note(struct import_ctx *ic, const char *file, const char *fmt, ...)
{
	struct srcloc loc = { file, 0 };
	char *msg = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0) {
		ic->d->oom = true;
		return;
	}
	diag_warn(ic->d, &loc, "%s", msg);
	free(msg);
}

/* A value that stays one directive in any daemon's file: printable, one line. */
static bool value_is_printable(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

int import_pass(struct import_ctx *ic, size_t i)
{
	struct import_item *it = &ic->res->items[i];
	struct srcloc loc = { it->file, it->line };
	const struct directive_info *info = directive_find(ic->table, ic->set, it->name);
	struct site_server *srv = ic->srv;
	struct site_directive *grown;
	struct site_directive *dir;

	if (!info) {
		const char *hint = directive_suggest(ic->table, ic->set, it->name);

		ic->errors++;
		if (hint)
			return diag(ic->d, &loc, -EINVAL, "'%s' is not a %s directive (the daemon "
				    "refuses this file); did you mean '%s'?", it->name,
				    directive_set_name(ic->set), hint);
		return diag(ic->d, &loc, -EINVAL, "'%s' is not a %s directive (the daemon refuses "
			    "this file); see %s", it->name, directive_set_name(ic->set),
			    directive_set_doc(ic->set));
	}
	if (info->kind == DIRECTIVE_OWNED)
		return import_item_set(ic, i, IMPORT_REPORTED, "the site sets it through %s, "
				       "and this value cannot be expressed there", info->arg);
	if (info->kind == DIRECTIVE_DEFAULT && !strcmp(info->arg, it->value))
		return import_item_set(ic, i, IMPORT_IMPLIED, "the rendered file says so");
	if (!value_is_printable(it->value)) {
		ic->errors++;
		return diag(ic->d, &loc, -EINVAL, "value of '%s' holds a control character; "
			    "write it on one line of printable text", it->name);
	}
	/* vsftpd and Pure-FTPd read an option once: the later line wins. */
	for (size_t k = 0; ic->set != DIRECTIVE_SET_PROFTPD && k < srv->n_directives; k++) {
		char *value;

		if (strcmp(srv->directives[k].name, info->name))
			continue;
		value = strdup(it->value);
		if (!value)
			return -ENOMEM;
		free(srv->directives[k].value);
		srv->directives[k].value = value;
		for (size_t j = 0; j < i; j++) {
			struct import_item *prev = &ic->res->items[j];

			if (prev->fate == IMPORT_PASSED && !strcmp(prev->name, it->name) &&
			    import_item_set(ic, j, IMPORT_IMPLIED, "replaced by %s:%u", it->file,
					    it->line) < 0)
				return -ENOMEM;
		}
		return import_item_set(ic, i, IMPORT_PASSED, NULL);
	}
	grown = realloc(srv->directives, (srv->n_directives + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	srv->directives = grown;
	dir = &srv->directives[srv->n_directives];
	memset(dir, 0, sizeof(*dir));
	dir->name = strdup(info->name);
	dir->value = strdup(it->value);
	if (!dir->name || !dir->value) {
		free(dir->name);
		free(dir->value);
		return -ENOMEM;
	}
	srv->n_directives++;
	return import_item_set(ic, i, IMPORT_PASSED, NULL);
}

/* The defaults of struct site that site_parse.c would fill for an empty <site>. */
static int site_skeleton(enum site_daemon daemon, const struct import_opts *o, struct site **out)
{
	struct site *s = calloc(1, sizeof(*s));
	struct site_server *srv;
	int ret = -ENOMEM;

	if (!s)
		return -ENOMEM;
	s->version = 1;
	s->servers = calloc(1, sizeof(*s->servers));
	if (!s->servers)
		goto out;
	s->n_servers = 1;
	srv = &s->servers[0];
	srv->daemon = daemon;
	srv->mode = SITE_MODE_PASSIVE;
	srv->data_port = 20;
	srv->pasv_min = 40000;
	srv->pasv_max = 40099;
	srv->tls.mode = SITE_TLS_OFF;
	srv->limits.idle_timeout = 300;
	s->firewall.helper = SITE_HELPER_AUTO;
	s->firewall.counters = true;
	if (import_set_str(&s->file, "import") < 0 || import_set_str(&s->name, "imported") < 0 ||
	    import_set_str(&s->firewall.table, "ftpcfg") < 0 ||
	    import_set_str(&srv->name, o->server_name ? o->server_name
						       : site_daemon_name(daemon)) < 0)
		goto out;
	*out = s;
	s = NULL;
	ret = 0;
out:
	site_free(s);
	return ret;
}

/* Two wildcard listeners (0.0.0.0 and ::) on @port: every daemon's "any address". */
static int default_listens(struct site_server *srv, uint16_t port)
{
	static const uint8_t zero[16];

	srv->listens = calloc(2, sizeof(*srv->listens));
	if (!srv->listens)
		return -ENOMEM;
	srv->n_listens = 2;
	srv->listens[0].addr.family = AF_INET;
	srv->listens[1].addr.family = AF_INET6;
	for (size_t i = 0; i < 2; i++) {
		memcpy(srv->listens[i].addr.bytes, zero, sizeof(zero));
		srv->listens[i].is_wildcard = true;
		srv->listens[i].port = port;
	}
	return 0;
}

/*
 * The built site through the schema and every check, as a user's would go:
 * what import prints must load.  A failure here is a bug in a reader.
 */
static int check_site(struct import_ctx *ic, struct site **site)
{
	char *xml = NULL;
	char *schema = NULL;
	struct site *again = NULL;
	size_t len;
	int ret;

	ret = effective_xml(*site, EFFECTIVE_WHOLE, &xml, &len);
	if (ret < 0)
		return ret;
	if (asprintf(&schema, "%s/site.xsd", ic->opts->templates_dir) < 0) {
		free(xml);
		return -ENOMEM;
	}
	ret = site_load_buffer("imported site", xml, len, schema, ic->d, &again);
	if (ret == 0) {
		site_free(*site);
		*site = again;
	}
	free(schema);
	free(xml);
	return ret;
}

/*
 * The readers' messages go to @from first: when the import fails, the
 * notes about how the site would differ are noise beside the errors.
 */
static void pass_on(const struct diag *from, struct diag *to, bool warnings)
{
	for (size_t i = 0; i < from->n_recs; i++) {
		const struct diag_rec *r = &from->recs[i];
		struct srcloc loc = { r->file, r->line };

		if (r->level == DIAG_ERROR)
			diag(to, r->file ? &loc : NULL, -EINVAL, "%s", r->msg);
		else if (warnings)
			diag_warn(to, r->file ? &loc : NULL, "%s", r->msg);
	}
	to->oom |= from->oom;
}

static int run(enum site_daemon daemon, const char *path, const struct import_opts *o,
	       struct diag *d, struct import_result *out);

int import_run(enum site_daemon daemon, const char *path, const struct import_opts *o,
	       struct diag *d, struct import_result *out)
{
	struct diag inner;
	int ret;

	diag_init(&inner);
	ret = run(daemon, path, o, &inner, out);
	pass_on(&inner, d, ret == 0);
	diag_release(&inner);
	return ret;
}

static int run(enum site_daemon daemon, const char *path, const struct import_opts *o,
	       struct diag *d, struct import_result *out)
{
	struct import_ctx ic = { .opts = o, .d = d, .res = out };
	int ret;

	import_result_init(out);
	ret = directive_table_load_dir(o->templates_dir, d, &ic.table);
	if (ret < 0)
		return ret;
	ret = site_skeleton(daemon, o, &out->site);
	if (ret < 0)
		goto out;
	ic.srv = &out->site->servers[0];
	switch (daemon) {
	case SITE_DAEMON_VSFTPD:
		ic.set = DIRECTIVE_SET_VSFTPD;
		ret = import_vsftpd(&ic, path);
		break;
	case SITE_DAEMON_PROFTPD:
		ic.set = DIRECTIVE_SET_PROFTPD;
		ret = import_proftpd(&ic, path);
		break;
	case SITE_DAEMON_PUREFTPD:
		ic.set = DIRECTIVE_SET_PUREFTPD;
		ret = import_pureftpd(&ic, path);
		break;
	}
	if (ret == -ENOMEM)
		goto out;
	if (ic.errors || ret < 0) {
		ret = ret < 0 ? ret : -EINVAL;
		goto out;
	}
	if (!ic.srv->config_path) {
		if (path[0] == '/') {
			ret = import_set_str(&ic.srv->config_path, path);
		} else {
			import_note(&ic, path, "is not an absolute path; the site writes the "
				    "daemon's default path %s", site_daemon_default_path(daemon));
			ret = import_set_str(&ic.srv->config_path,
					     site_daemon_default_path(daemon));
		}
		if (ret < 0)
			goto out;
	}
	if (!ic.srv->n_listens) {
		ret = default_listens(ic.srv, ic.srv->tls.mode == SITE_TLS_IMPLICIT ? 990 : 21);
		if (ret < 0)
			goto out;
	}
	ret = o->skip_check ? 0 : check_site(&ic, &out->site);
out:
	directive_table_free(ic.table);
	if (ret < 0)
		import_result_release(out);
	return ret;
}
