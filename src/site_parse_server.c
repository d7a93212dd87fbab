/*
 * site_parse_server: the elements of one <server> (<config>, <listen>,
 * <active>, <passive>, <tls>, <users>, <limits>, <allow>, <banner>,
 * <directive>) copied into struct site_server, and every default of a
 * server, in site_server_init() and site_server_finish().  Values are
 * checked as they are copied.  Which elements are taken, and how often,
 * is site_parse.c's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "site.h"
#include "site_internal.h"

/* Defaults, documented in templates/site.xsd and the README. */
#define DEFAULT_CONTROL_PORT 21
#define DEFAULT_IMPLICIT_PORT 990
#define DEFAULT_DATA_PORT 20
#define DEFAULT_PASV_MIN 40000
#define DEFAULT_PASV_MAX 40099
#define DEFAULT_MAX_CLIENTS 50
#define DEFAULT_MAX_PER_IP 5
#define DEFAULT_IDLE_TIMEOUT 300
/* A greeting is one reply line; keep it well inside any client's buffer. */
#define MAX_BANNER 256
/*
 * Debian's default proftpd.conf with its modules.conf has about 60
 * directives; a hand-made one a few hundred.  Each is compared with every
 * other (duplicates), so bound them well below where that would show.
 */
#define SITE_MAX_DIRECTIVES 2000u

static int parse_listen(struct walk *w, const xmlNode *n, struct site_server *srv)
{
	struct site_listen *l;
	struct site_listen *grown;
	bool present;
	unsigned port;
	int ret;

	grown = realloc(srv->listens, (srv->n_listens + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	srv->listens = grown;
	l = &srv->listens[srv->n_listens];
	memset(l, 0, sizeof(*l));
	l->line = site_node_line(n);
	ret = site_attr_addr(w, n, "address", &l->addr, &present);
	if (ret < 0)
		return ret;
	if (!present)
		site_parse_addr("::", &l->addr);
	l->is_wildcard = true;
	for (size_t i = 0; i < sizeof(l->addr.bytes); i++)
		if (l->addr.bytes[i])
			l->is_wildcard = false;
	/* Port 0 means "not given": site_server_finish() picks 21 or 990. */
	ret = site_attr_uint(w, n, "port", 65535, 0, &port);
	if (ret < 0)
		return ret;
	l->port = (uint16_t)port;
	srv->n_listens++;
	return 0;
}

/* The networks were parsed as the file was read (site_xml.c): take them. */
static int parse_allow(struct walk *w, const xmlNode *n, struct site_server *srv)
{
	struct site_net_list *l = n->_private;

	srv->has_allow = true;
	srv->allow_line = site_node_line(n);
	if (l && l->refused)
		return -EINVAL;
	if (!l || !l->n) {
		struct srcloc loc = { w->file, srv->allow_line };

		return diag(w->d, &loc, -EINVAL, "<allow> lists no network, which would shut every "
			    "client out; add <network> elements, or remove <allow> to allow any source");
	}
	srv->allow = l->nets;
	srv->n_allow = l->n;
	l->nets = NULL;
	l->n = 0;
	/* Memory short: no order, and the check and the ruleset do without it. */
	(void)site_allow_sort(srv, l->v4, l->n_v4);
	l->v4 = NULL;
	l->n_v4 = 0;
	return 0;
}

static int parse_banner(struct walk *w, const xmlNode *n, struct site_server *srv)
{
	struct srcloc loc = { w->file, site_node_line(n) };
	xmlChar *content = xmlNodeGetContent(n);
	const char *start;
	size_t len;

	if (!content)
		return -ENOMEM;
	srv->banner_line = loc.line;
	/* Leading and trailing white space is the XML's layout, not the banner's. */
	start = (const char *)content + strspn((const char *)content, " \t\r\n");
	len = strlen(start);
	while (len && strchr(" \t\r\n", start[len - 1]))
		len--;
	srv->banner = strndup(start, len);
	xmlFree(content);
	if (!srv->banner)
		return -ENOMEM;
	if (site_check_line(w, loc.line, "banner", srv->banner) < 0)
		return -EINVAL;
	if (len == 0)
		return diag(w->d, &loc, -EINVAL, "banner is empty; write the greeting or remove "
			    "<banner>");
	if (len > MAX_BANNER)
		return diag(w->d, &loc, -EINVAL, "banner is %zu bytes long; keep it under %u",
			    len, MAX_BANNER);
	return 0;
}

/* A pass-through directive; site_check_directives() checks name and value. */
static int parse_directive(struct walk *w, const xmlNode *n, struct site_server *srv)
{
	struct site_directive *grown;
	struct site_directive *dir;
	xmlChar *content;
	const char *start;
	size_t len;

	if (srv->n_directives >= SITE_MAX_DIRECTIVES) {
		struct srcloc loc = { w->file, site_node_line(n) };

		if (srv->n_directives++ == SITE_MAX_DIRECTIVES)
			return diag(w->d, &loc, -EINVAL, "server '%s' has more than %u <directive> "
				    "elements; no daemon file needs that many", srv->name,
				    SITE_MAX_DIRECTIVES);
		return -EINVAL;
	}
	grown = realloc(srv->directives, (srv->n_directives + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	srv->directives = grown;
	dir = &srv->directives[srv->n_directives];
	memset(dir, 0, sizeof(*dir));
	dir->line = site_node_line(n);
	content = xmlNodeGetContent(n);
	if (!content)
		return -ENOMEM;
	/* As for <banner>: white space around the value is the XML's layout. */
	start = (const char *)content + strspn((const char *)content, " \t\r\n");
	len = strlen(start);
	while (len && strchr(" \t\r\n", start[len - 1]))
		len--;
	dir->value = strndup(start, len);
	xmlFree(content);
	if (!dir->value || site_attr_dup(n, "name", &dir->name) < 0 || !dir->name) {
		free(dir->value);
		free(dir->name);
		return -ENOMEM;
	}
	srv->n_directives++;
	return 0;
}

static int parse_tls(struct walk *w, const xmlNode *n, struct site_server *srv)
{
	struct srcloc loc = { w->file, site_node_line(n) };
	int ret;

	srv->tls.line = loc.line;
	srv->tls.mode = SITE_TLS_EXPLICIT;
	if (site_attr_is(n, "mode", "off", false))
		srv->tls.mode = SITE_TLS_OFF;
	else if (site_attr_is(n, "mode", "implicit", false))
		srv->tls.mode = SITE_TLS_IMPLICIT;
	srv->tls.required = site_attr_yes(n, "required", true);
	ret = site_attr_dup(n, "cert", &srv->tls.cert);
	if (ret < 0)
		return ret;
	ret = site_attr_dup(n, "key", &srv->tls.key);
	if (ret < 0)
		return ret;
	if (srv->tls.mode == SITE_TLS_OFF) {
		if (srv->tls.cert || srv->tls.key)
			diag_warn(w->d, &loc, "cert and key are ignored with mode 'off'");
		free(srv->tls.cert);
		free(srv->tls.key);
		srv->tls.cert = srv->tls.key = NULL;
		return 0;
	}
	if (!srv->tls.cert)
		return diag(w->d, &loc, -EINVAL, "TLS mode '%s' needs a certificate; add "
			    "cert=\"/path/to/cert.pem\" (and key= unless the file holds both)",
			    site_tls_mode_name(srv->tls.mode));
	if (site_check_path(w, loc.line, "cert", srv->tls.cert) < 0)
		return -EINVAL;
	if (!srv->tls.key) {
		srv->tls.key = strdup(srv->tls.cert);
		if (!srv->tls.key)
			return -ENOMEM;
	}
	return site_check_path(w, loc.line, "key", srv->tls.key);
}

static int parse_users(struct walk *w, const xmlNode *n, struct site_server *srv)
{
	int ret;

	srv->users.line = site_node_line(n);
	srv->users.anonymous = site_attr_yes(n, "anonymous", false);
	srv->users.local = site_attr_yes(n, "local", true);
	srv->users.chroot = site_attr_yes(n, "chroot", true);
	srv->users.write = site_attr_yes(n, "write", false);
	ret = site_attr_dup(n, "anonymous-root", &srv->users.anonymous_root);
	if (ret < 0 || !srv->users.anonymous_root)
		return ret;
	return site_check_path(w, srv->users.line, "anonymous-root", srv->users.anonymous_root);
}

static int parse_limits(struct walk *w, const xmlNode *n, struct site_server *srv)
{
	int ret = 0;

	srv->limits.line = site_node_line(n);
	if (site_attr_uint(w, n, "max-clients", 100000, DEFAULT_MAX_CLIENTS,
			   &srv->limits.max_clients) < 0)
		ret = -EINVAL;
	if (site_attr_uint(w, n, "max-per-ip", 100000, DEFAULT_MAX_PER_IP,
			   &srv->limits.max_per_ip) < 0)
		ret = -EINVAL;
	if (site_attr_uint(w, n, "idle-timeout", 86400, DEFAULT_IDLE_TIMEOUT,
			   &srv->limits.idle_timeout) < 0)
		ret = -EINVAL;
	return ret;
}

static int parse_config(struct walk *w, const xmlNode *n, struct site_server *srv)
{
	int ret;

	srv->config_line = site_node_line(n);
	ret = site_attr_dup(n, "path", &srv->config_path);
	if (ret < 0)
		return ret;
	ret = site_attr_dup(n, "reload", &srv->reload);
	if (ret < 0)
		return ret;
	if (srv->config_path && site_check_path(w, srv->config_line, "config path",
					   srv->config_path) < 0)
		ret = -EINVAL;
	if (srv->reload && site_check_line(w, srv->config_line, "reload command", srv->reload) < 0)
		ret = -EINVAL;
	/* The shell runs "" happily: the daemon would keep its old configuration. */
	else if (srv->reload && !srv->reload[strspn(srv->reload, " ")])
		ret = diag(w->d, &(struct srcloc){ w->file, srv->config_line }, -EINVAL,
			   "reload command is empty; name the command that reloads the daemon, "
			   "or remove reload= for the default ('%s')",
			   site_daemon_default_reload(srv->daemon));
	return ret;
}

static int parse_ports(struct walk *w, const xmlNode *n, struct site_server *srv, bool passive)
{
	unsigned v;
	int ret = 0;

	if (!passive) {
		srv->active_line = site_node_line(n);
		if (site_attr_uint(w, n, "data-port", 65535, DEFAULT_DATA_PORT, &v) < 0)
			return -EINVAL;
		srv->data_port = (uint16_t)v;
		return 0;
	}
	srv->passive_line = site_node_line(n);
	if (site_attr_uint(w, n, "min-port", 65535, DEFAULT_PASV_MIN, &v) < 0)
		ret = -EINVAL;
	srv->pasv_min = (uint16_t)v;
	if (site_attr_uint(w, n, "max-port", 65535, DEFAULT_PASV_MAX, &v) < 0)
		ret = -EINVAL;
	srv->pasv_max = (uint16_t)v;
	if (site_attr_addr(w, n, "external-address", &srv->external, &srv->has_external) < 0)
		ret = -EINVAL;
	return ret;
}

/* Every default of a server that does not depend on another field. */
void site_server_init(struct site_server *srv, unsigned line)
{
	memset(srv, 0, sizeof(*srv));
	srv->line = line;
	srv->mode = SITE_MODE_PASSIVE;
	srv->data_port = DEFAULT_DATA_PORT;
	srv->pasv_min = DEFAULT_PASV_MIN;
	srv->pasv_max = DEFAULT_PASV_MAX;
	srv->tls.mode = SITE_TLS_OFF;
	srv->users.local = true;
	srv->users.chroot = true;
	srv->limits.max_clients = DEFAULT_MAX_CLIENTS;
	srv->limits.max_per_ip = DEFAULT_MAX_PER_IP;
	srv->limits.idle_timeout = DEFAULT_IDLE_TIMEOUT;
}

/* The defaults that depend on other fields: config path, reload, listeners. */
int site_server_finish(struct site_server *srv)
{
	uint16_t port = srv->tls.mode == SITE_TLS_IMPLICIT ? DEFAULT_IMPLICIT_PORT
							   : DEFAULT_CONTROL_PORT;

	if (!srv->config_path) {
		srv->config_path = strdup(site_daemon_default_path(srv->daemon));
		if (!srv->config_path)
			return -ENOMEM;
	}
	if (!srv->reload) {
		srv->reload = strdup(site_daemon_default_reload(srv->daemon));
		if (!srv->reload)
			return -ENOMEM;
	}
	if (!srv->n_listens) {
		srv->listens = calloc(2, sizeof(*srv->listens));
		if (!srv->listens)
			return -ENOMEM;
		srv->n_listens = 2;
		site_parse_addr("0.0.0.0", &srv->listens[0].addr);
		site_parse_addr("::", &srv->listens[1].addr);
		for (size_t i = 0; i < 2; i++) {
			srv->listens[i].is_wildcard = true;
			srv->listens[i].line = srv->line;
		}
	}
	for (size_t i = 0; i < srv->n_listens; i++)
		if (!srv->listens[i].port)
			srv->listens[i].port = port;
	/*
	 * ProFTPD sends active data from its control port minus one (src/data.c),
	 * so that is its data port unless <active> says otherwise (site_check
	 * then refuses any other).
	 */
	if (srv->daemon == SITE_DAEMON_PROFTPD && !srv->active_line && srv->listens[0].port > 1)
		srv->data_port = (uint16_t)(srv->listens[0].port - 1);
	return 0;
}

int site_parse_child(struct walk *w, const xmlNode *c, struct site_server *srv)
{
	const char *name = (const char *)c->name;

	if (!strcmp(name, "config"))
		return parse_config(w, c, srv);
	if (!strcmp(name, "listen"))
		return parse_listen(w, c, srv);
	if (!strcmp(name, "active"))
		return parse_ports(w, c, srv, false);
	if (!strcmp(name, "passive"))
		return parse_ports(w, c, srv, true);
	if (!strcmp(name, "tls"))
		return parse_tls(w, c, srv);
	if (!strcmp(name, "users"))
		return parse_users(w, c, srv);
	if (!strcmp(name, "limits"))
		return parse_limits(w, c, srv);
	if (!strcmp(name, "allow"))
		return parse_allow(w, c, srv);
	if (!strcmp(name, "banner"))
		return parse_banner(w, c, srv);
	if (!strcmp(name, "directive"))
		return parse_directive(w, c, srv);
	/* The schema admits nothing else. */
	return -EINVAL;
}
