/*
 * render_conf: applies templates/<daemon>.xsl to the effective site XML,
 * once per server.  Every directive lives in a stylesheet; this file only
 * runs them safely (no file or network access from XSLT), collects what
 * libxml2/libxslt say into diag, and cuts Pure-FTPd's directory format
 * into one file per option.  It never writes anything.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxslt/security.h>
#include <libxslt/transform.h>
#include <libxslt/variables.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/xsltutils.h>

#include "effective.h"
#include "render_conf.h"

/* The name the effective document goes by in libxml2's messages. */
#define EFFECTIVE_NAME "effective site"

/*
 * What libxml2 and libxslt say while one step runs.  They report through
 * printf-style callbacks, often a line in several pieces, so the text is
 * gathered here and turned into diag records once the step is over: as
 * errors when it failed, as warnings when it worked anyway.
 */
struct xml_log {
	char *text;
	size_t len;
	bool oom;
};

/* The library-wide handlers found on entry, put back on the way out. */
struct saved_handlers {
	xmlGenericErrorFunc xml_fn;
	void *xml_ctx;
	xmlStructuredErrorFunc xml_sfn;
	void *xml_sctx;
	xmlGenericErrorFunc xslt_fn;
	void *xslt_ctx;
};

/* The stylesheets, parsed once per render_conf() call, and the rules they run under. */
struct render {
	const struct site *site;
	const char *templates_dir;
	struct diag *d;
	struct xml_log log;
	xsltSecurityPrefsPtr sec;
	xmlDocPtr doc;
	xsltStylesheetPtr style[SITE_DAEMON_PUREFTPD + 1];	/* by enum site_daemon */
};

static const char *const stylesheet_file[] = {
	[SITE_DAEMON_VSFTPD] = "vsftpd.conf.xsl",
	[SITE_DAEMON_PROFTPD] = "proftpd.conf.xsl",
	[SITE_DAEMON_PUREFTPD] = "pure-ftpd.xsl",
};

__attribute__((format(printf, 2, 3)))
static void log_collect(void *ctx, const char *fmt, ...)
{
	struct xml_log *log = ctx;
	char *piece = NULL;
	char *grown;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&piece, fmt, ap);
	va_end(ap);
	if (n < 0) {
		log->oom = true;
		return;
	}
	grown = realloc(log->text, log->len + (size_t)n + 1);
	if (!grown) {
		free(piece);
		log->oom = true;
		return;
	}
	memcpy(grown + log->len, piece, (size_t)n + 1);
	log->text = grown;
	log->len += (size_t)n;
	free(piece);
}

/*
 * Turn what was gathered into one record per line, prefixed with @what
 * (the stylesheet or document concerned), then empty the log.
 */
static void log_flush(struct xml_log *log, struct diag *d, const char *what, bool failed)
{
	struct srcloc loc = { what, 0 };
	char *line = log->text;

	while (line && *line) {
		char *eol = strchr(line, '\n');
		size_t n = eol ? (size_t)(eol - line) : strlen(line);

		while (n && (line[n - 1] == ' ' || line[n - 1] == '\r'))
			n--;
		/* libxslt announces each message with a bare "error" line first. */
		if ((n == 5 && !strncmp(line, "error", 5)) || (n == 7 && !strncmp(line, "warning", 7)))
			n = 0;
		if (n && failed)
			diag(d, &loc, -EINVAL, "%.*s", (int)n, line);
		else if (n)
			diag_warn(d, &loc, "%.*s", (int)n, line);
		line = eol ? eol + 1 : line + strlen(line);
	}
	if (log->oom)
		diag(d, &loc, -ENOMEM, "out of memory while recording libxml2's messages");
	free(log->text);
	log->text = NULL;
	log->len = 0;
	log->oom = false;
}

/* Route every libxml2/libxslt message into @log; the old handlers go into @saved. */
static void handlers_take(struct saved_handlers *saved, struct xml_log *log)
{
	saved->xml_fn = xmlGenericError;
	saved->xml_ctx = xmlGenericErrorContext;
	saved->xml_sfn = xmlStructuredError;
	saved->xml_sctx = xmlStructuredErrorContext;
	saved->xslt_fn = xsltGenericError;
	saved->xslt_ctx = xsltGenericErrorContext;
	xmlSetGenericErrorFunc(log, log_collect);
	/* A structured handler would take the parser's errors away from ours. */
	xmlSetStructuredErrorFunc(NULL, NULL);
	xsltSetGenericErrorFunc(log, log_collect);
}

static void handlers_restore(const struct saved_handlers *saved)
{
	xmlSetGenericErrorFunc(saved->xml_ctx, saved->xml_fn);
	xmlSetStructuredErrorFunc(saved->xml_sctx, saved->xml_sfn);
	xsltSetGenericErrorFunc(saved->xslt_ctx, saved->xslt_fn);
}

void conf_set_init(struct conf_set *cs)
{
	memset(cs, 0, sizeof(*cs));
}

void conf_set_release(struct conf_set *cs)
{
	for (size_t i = 0; i < cs->n_files; i++) {
		free(cs->files[i].path);
		free(cs->files[i].content);
	}
	free(cs->files);
	conf_set_init(cs);
}

/* Takes ownership of @path and @content, also on failure. */
static int conf_set_add(struct conf_set *cs, char *path, char *content, size_t len,
			const struct site_server *srv)
{
	struct conf_file *grown;

	grown = realloc(cs->files, (cs->n_files + 1) * sizeof(*grown));
	if (!grown) {
		free(path);
		free(content);
		return -ENOMEM;
	}
	cs->files = grown;
	cs->files[cs->n_files++] = (struct conf_file){
		.path = path,
		.content = content,
		.len = len,
		.server = srv,
	};
	return 0;
}

/* Forbid every file and network access to XSLT: document(), xsl:import, exsl:document. */
static int security_new(xsltSecurityPrefsPtr *out)
{
	static const xsltSecurityOption forbidden[] = {
		XSLT_SECPREF_READ_FILE,
		XSLT_SECPREF_WRITE_FILE,
		XSLT_SECPREF_CREATE_DIRECTORY,
		XSLT_SECPREF_READ_NETWORK,
		XSLT_SECPREF_WRITE_NETWORK,
	};
	xsltSecurityPrefsPtr sec = xsltNewSecurityPrefs();

	if (!sec)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++) {
		if (xsltSetSecurityPrefs(sec, forbidden[i], xsltSecurityForbid) < 0) {
			xsltFreeSecurityPrefs(sec);
			return -ENOMEM;
		}
	}
	*out = sec;
	return 0;
}

static int stylesheet_load(struct render *r, enum site_daemon daemon, xsltStylesheetPtr *out)
{
	xsltSecurityPrefsPtr old_sec = xsltGetDefaultSecurityPrefs();
	xsltStylesheetPtr style = NULL;
	xmlDocPtr doc = NULL;
	char *path = NULL;
	int ret = -EINVAL;

	if (r->style[daemon]) {
		*out = r->style[daemon];
		return 0;
	}
	if (asprintf(&path, "%s/%s", r->templates_dir, stylesheet_file[daemon]) < 0)
		return -ENOMEM;
	/* No entity substitution, no DTD, no network: a stylesheet is data like a site. */
	doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOCDATA);
	if (!doc) {
		log_flush(&r->log, r->d, path, true);
		ret = diag(r->d, &(struct srcloc){ path, 0 }, -EINVAL,
			   "cannot load the %s stylesheet; reinstall ftpcfg or set "
			   "FTPCFG_TEMPLATE_DIR", site_daemon_name(daemon));
		goto out;
	}
	/* xsl:import and xsl:include are checked against the default prefs only. */
	xsltSetDefaultSecurityPrefs(r->sec);
	style = xsltParseStylesheetDoc(doc);
	xsltSetDefaultSecurityPrefs(old_sec);
	if (!style) {
		log_flush(&r->log, r->d, path, true);
		ret = diag(r->d, &(struct srcloc){ path, 0 }, -EINVAL,
			   "the %s stylesheet is not valid XSLT", site_daemon_name(daemon));
		goto out;
	}
	doc = NULL;	/* the stylesheet owns it now */
	log_flush(&r->log, r->d, path, false);
	r->style[daemon] = style;
	*out = style;
	ret = 0;
out:
	xmlFreeDoc(doc);
	free(path);
	return ret;
}

static bool is_dir_format(const struct site_server *srv)
{
	size_t len = strlen(srv->config_path);

	return len && srv->config_path[len - 1] == '/';
}

/* Apply @srv's stylesheet; *out is the text (owned by the caller), *len its length. */
static int transform(struct render *r, const struct site_server *srv, char **out, size_t *len)
{
	const char *params[] = {
		"server", srv->name,
		"format", is_dir_format(srv) ? "dir" : "conf",
		NULL,
	};
	const char *what = stylesheet_file[srv->daemon];
	xsltTransformContextPtr tctxt = NULL;
	xsltStylesheetPtr style = NULL;
	xmlDocPtr result = NULL;
	xmlChar *text = NULL;
	int text_len = 0;
	char *copy = NULL;
	int ret;

	ret = stylesheet_load(r, srv->daemon, &style);
	if (ret < 0)
		return ret;
	if (style->doc && style->doc->URL)
		what = (const char *)style->doc->URL;
	ret = -ENOMEM;
	tctxt = xsltNewTransformContext(style, r->doc);
	if (!tctxt)
		goto out;
	if (xsltSetCtxtSecurityPrefs(r->sec, tctxt) < 0)
		goto out;
	xsltSetTransformErrorFunc(tctxt, &r->log, log_collect);
	/* Quoted: the values are taken as strings, never as XPath. */
	if (xsltQuoteUserParams(tctxt, params) < 0)
		goto out;
	result = xsltApplyStylesheetUser(style, r->doc, NULL, NULL, NULL, tctxt);
	if (!result || tctxt->state != XSLT_STATE_OK) {
		log_flush(&r->log, r->d, what, true);
		ret = diag(r->d, &(struct srcloc){ r->site->file, srv->line }, -EINVAL,
			   "the %s stylesheet failed for server '%s'", site_daemon_name(srv->daemon),
			   srv->name);
		goto out;
	}
	log_flush(&r->log, r->d, what, false);
	if (xsltSaveResultToString(&text, &text_len, result, style) < 0)
		goto out;
	if (!text || text_len <= 0) {
		ret = diag(r->d, &(struct srcloc){ r->site->file, srv->line }, -EINVAL,
			   "the %s stylesheet wrote nothing for server '%s'",
			   site_daemon_name(srv->daemon), srv->name);
		goto out;
	}
	copy = strndup((const char *)text, (size_t)text_len);
	if (!copy)
		goto out;
	*out = copy;
	*len = (size_t)text_len;
	ret = 0;
out:
	xmlFree(text);
	xmlFreeDoc(result);
	xsltFreeTransformContext(tctxt);
	return ret;
}

/* What Debian's pure-ftpd-wrapper takes as an option file name. */
static bool is_option_name(const char *s, size_t n)
{
	if (n < 2 || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/*
 * Cut "Option value" lines into DIR/Option files holding "value\n"; a bare
 * "Option" gives an empty file, which the wrapper reads as unset.
 */
static int split_options(struct render *r, const struct site_server *srv, const char *text,
			 struct conf_set *cs)
{
	size_t first = cs->n_files;

	for (const char *line = text; *line;) {
		const char *eol = strchr(line, '\n');
		size_t n = eol ? (size_t)(eol - line) : strlen(line);
		const char *sp = memchr(line, ' ', n);
		size_t name_len = sp ? (size_t)(sp - line) : n;
		char *path = NULL;
		char *content = NULL;
		size_t clen = 0;
		int ret;

		if (n == 0) {
			line = eol ? eol + 1 : line + n;
			continue;
		}
		if (!is_option_name(line, name_len))
			return diag(r->d, &(struct srcloc){ r->site->file, srv->line }, -EINVAL,
				    "the pure-ftpd stylesheet wrote '%.*s', which is not an option "
				    "line; fix templates/pure-ftpd.xsl", (int)n, line);
		if (asprintf(&path, "%s%.*s", srv->config_path, (int)name_len, line) < 0)
			return -ENOMEM;
		for (size_t i = first; i < cs->n_files; i++) {
			if (!strcmp(cs->files[i].path, path)) {
				ret = diag(r->d, &(struct srcloc){ r->site->file, srv->line }, -EINVAL,
					   "the pure-ftpd stylesheet wrote option '%.*s' twice; fix "
					   "templates/pure-ftpd.xsl", (int)name_len, line);
				free(path);
				return ret;
			}
		}
		if (sp && (size_t)(sp - line) + 1 < n) {
			clen = n - name_len - 1;
			if (asprintf(&content, "%.*s\n", (int)clen, sp + 1) < 0) {
				free(path);
				return -ENOMEM;
			}
			clen++;
		} else {
			content = strdup("");
			if (!content) {
				free(path);
				return -ENOMEM;
			}
		}
		ret = conf_set_add(cs, path, content, clen, srv);
		if (ret < 0)
			return ret;
		line = eol ? eol + 1 : line + n;
	}
	return 0;
}

static int render_server(struct render *r, const struct site_server *srv, struct conf_set *cs)
{
	char *text = NULL;
	char *path = NULL;
	size_t len = 0;
	int ret;

	ret = transform(r, srv, &text, &len);
	if (ret < 0)
		return ret;
	if (srv->daemon == SITE_DAEMON_PUREFTPD && is_dir_format(srv)) {
		ret = split_options(r, srv, text, cs);
		free(text);
		return ret;
	}
	path = strdup(srv->config_path);
	if (!path) {
		free(text);
		return -ENOMEM;
	}
	return conf_set_add(cs, path, text, len, srv);
}

int render_conf(const struct site *s, const char *templates_dir, struct diag *d,
		struct conf_set *out)
{
	struct render r = { .site = s, .templates_dir = templates_dir, .d = d };
	struct saved_handlers saved;
	struct conf_set cs;
	char *xml = NULL;
	size_t xml_len = 0;
	int ret;

	conf_set_init(&cs);
	handlers_take(&saved, &r.log);
	ret = effective_xml(s, EFFECTIVE_FOR_STYLESHEETS, &xml, &xml_len);
	if (ret < 0)
		goto out;
	ret = security_new(&r.sec);
	if (ret < 0)
		goto out;
	/* Our own output, but parsed as untrusted: no network, no entity substitution. */
	r.doc = xmlReadMemory(xml, (int)xml_len, EFFECTIVE_NAME, NULL, XML_PARSE_NONET);
	if (!r.doc) {
		log_flush(&r.log, d, EFFECTIVE_NAME, true);
		ret = diag(d, NULL, -EINVAL, "cannot parse the effective site XML");
		goto out;
	}
	for (size_t i = 0; i < s->n_servers; i++) {
		ret = render_server(&r, &s->servers[i], &cs);
		if (ret < 0)
			goto out;
	}
	*out = cs;
	conf_set_init(&cs);
	ret = 0;
out:
	if (r.log.len || r.log.oom)
		log_flush(&r.log, d, "libxml2", ret < 0);
	for (size_t i = 0; i < sizeof(r.style) / sizeof(r.style[0]); i++)
		xsltFreeStylesheet(r.style[i]);
	xmlFreeDoc(r.doc);
	xsltFreeSecurityPrefs(r.sec);
	handlers_restore(&saved);
	conf_set_release(&cs);
	free(xml);
	return ret;
}
