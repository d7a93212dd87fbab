/*
 * site_parse: copies a schema-valid document into struct site and fills
 * every default, here and nowhere else.  Values are checked as they are
 * copied (addresses, networks, strings that end up in a daemon's file).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "site.h"
#include "site_internal.h"

/* Defaults, documented in templates/site.xsd and the README. */
#define DEFAULT_TABLE "ftpcfg"
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
 * A daemon binds a handful of sockets; site_check() compares every pair of
 * listeners, so 200 000 <listen> elements would take minutes.
 */
#define MAX_LISTENS 64u
/*
 * Debian's default proftpd.conf with its modules.conf has about 60
 * directives; a hand-made one a few hundred.  Each is compared with every
 * other (duplicates), so bound them well below where that would show.
 */
#define SITE_MAX_DIRECTIVES 2000u

static bool is_elem(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* An attribute as an owned C string; *out stays NULL when absent.  0 or -ENOMEM. */
static int attr_dup(const xmlNode *n, const char *name, char **out)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);

	*out = NULL;
	if (!v)
		return 0;
	*out = strdup((const char *)v);
	xmlFree(v);
	return *out ? 0 : -ENOMEM;
}

static bool attr_is(const xmlNode *n, const char *name, const char *value, bool dflt)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	bool r;

	if (!v)
		return dflt;
	r = strcmp((const char *)v, value) == 0;
	xmlFree(v);
	return r;
}

/* A yes/no attribute; the schema has already restricted the values. */
static bool attr_yes(const xmlNode *n, const char *name, bool dflt)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	bool r;

	if (!v)
		return dflt;
	r = strcmp((const char *)v, "yes") == 0;
	xmlFree(v);
	return r;
}

static int attr_uint(struct walk *w, const xmlNode *n, const char *name, unsigned long max,
		     unsigned dflt, unsigned *out)
{
	struct srcloc loc = { w->file, site_node_line(n) };
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	unsigned long val;
	char *end;

	*out = dflt;
	if (!v)
		return 0;
	errno = 0;
	val = strtoul((const char *)v, &end, 10);
	if (errno || end == (const char *)v || *end || val > max || v[0] == '-') {
		int ret = diag(w->d, &loc, -EINVAL, "%s '%s' is not a number from 0 to %lu",
			       name, (const char *)v, max);

		xmlFree(v);
		return ret;
	}
	xmlFree(v);
	*out = (unsigned)val;
	return 0;
}

static int attr_addr(struct walk *w, const xmlNode *n, const char *name, struct site_addr *a,
		     bool *present)
{
	struct srcloc loc = { w->file, site_node_line(n) };
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	int ret = 0;

	*present = v != NULL;
	if (v && site_parse_addr((const char *)v, a) < 0)
		ret = diag(w->d, &loc, -EINVAL,
			   "%s '%s' is not an IPv4 or IPv6 address; write it as digits, "
			   "not a host name", name, (const char *)v);
	xmlFree(v);
	return ret;
}

/* ---- elements -------------------------------------------------------- */

/* <firewall mark="0x...">: some bit must be set, or nothing would be marked. */
static int attr_mark(struct walk *w, const xmlNode *n, struct site_firewall *fw)
{
	struct srcloc loc = { w->file, site_node_line(n) };
	xmlChar *v = xmlGetProp(n, (const xmlChar *)"mark");
	unsigned long val;
	int ret = 0;

	if (!v)
		return 0;
	val = strtoul((const char *)v + 2, NULL, 16);
	if (val == 0)
		ret = diag(w->d, &loc, -EINVAL, "mark '%s' sets no bit; name the ct mark bit(s) "
			   "ftpcfg may use for accepted FTP connections, such as '0x%x'",
			   (const char *)v, SITE_DEFAULT_MARK);
	fw->mark = (uint32_t)val;
	xmlFree(v);
	return ret;
}

static int parse_firewall(struct walk *w, const xmlNode *n, struct site_firewall *fw)
{
	struct srcloc loc = { w->file, site_node_line(n) };
	char *attach = NULL;
	char *table = NULL;
	int ret;

	fw->line = loc.line;
	fw->helper = attr_is(n, "helper", "no", false) ? SITE_HELPER_NO : SITE_HELPER_AUTO;
	fw->counters = attr_yes(n, "counters", true);
	/* The schema has restricted backend to its three names and mark to 0x + 1-8 hex digits. */
	fw->backend = attr_is(n, "backend", "iptables", false)	? SITE_BACKEND_IPTABLES
		      : attr_is(n, "backend", "firewalld", false) ? SITE_BACKEND_FIREWALLD
								  : SITE_BACKEND_NFTABLES;
	fw->mark = SITE_DEFAULT_MARK;
	ret = attr_mark(w, n, fw);
	if (ret < 0)
		goto out;
	/* The schema has restricted zone to firewalld's zone names. */
	ret = attr_dup(n, "zone", &fw->zone);
	if (ret < 0)
		goto out;
	ret = attr_dup(n, "table", &table);
	if (ret < 0)
		goto out;
	ret = attr_dup(n, "attach", &attach);
	if (ret < 0)
		goto out;
	if (attach && table) {
		ret = diag(w->d, &loc, -EINVAL, "table '%s' and attach '%s' both given; attach "
			   "names the table ftpcfg works in: remove table", table, attach);
		goto out;
	}
	if (attach) {
		/* The schema guarantees "FAMILY TABLE CHAIN", single spaces. */
		char *sp1 = strchr(attach, ' ');
		char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;

		if (!sp2) {
			ret = diag(w->d, &loc, -EINVAL, "attach '%s' must be 'FAMILY TABLE CHAIN'",
				   attach);
			goto out;
		}
		*sp1 = *sp2 = '\0';
		fw->has_attach = true;
		fw->attach_family = strdup(attach);
		fw->attach_table = strdup(sp1 + 1);
		fw->attach_chain = strdup(sp2 + 1);
		if (!fw->attach_family || !fw->attach_table || !fw->attach_chain) {
			ret = -ENOMEM;
			goto out;
		}
	}
	if (!table && !attach) {
		table = strdup(DEFAULT_TABLE);
		if (!table) {
			ret = -ENOMEM;
			goto out;
		}
	}
	fw->table = table;
	table = NULL;
	ret = 0;
out:
	free(attach);
	free(table);
	return ret;
}

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
	ret = attr_addr(w, n, "address", &l->addr, &present);
	if (ret < 0)
		return ret;
	if (!present)
		site_parse_addr("::", &l->addr);
	l->is_wildcard = true;
	for (size_t i = 0; i < sizeof(l->addr.bytes); i++)
		if (l->addr.bytes[i])
			l->is_wildcard = false;
	/* Port 0 means "not given": site_server_finish() picks 21 or 990. */
	ret = attr_uint(w, n, "port", 65535, 0, &port);
	if (ret < 0)
		return ret;
	l->port = (uint16_t)port;
	srv->n_listens++;
	return 0;
}

/* The networks were parsed as the file was read (site.c): take them. */
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
	(void)site_allow_order(srv->allow, srv->n_allow, &srv->allow_order);
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
	if (!dir->value || attr_dup(n, "name", &dir->name) < 0 || !dir->name) {
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
	if (attr_is(n, "mode", "off", false))
		srv->tls.mode = SITE_TLS_OFF;
	else if (attr_is(n, "mode", "implicit", false))
		srv->tls.mode = SITE_TLS_IMPLICIT;
	srv->tls.required = attr_yes(n, "required", true);
	ret = attr_dup(n, "cert", &srv->tls.cert);
	if (ret < 0)
		return ret;
	ret = attr_dup(n, "key", &srv->tls.key);
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
	srv->users.anonymous = attr_yes(n, "anonymous", false);
	srv->users.local = attr_yes(n, "local", true);
	srv->users.chroot = attr_yes(n, "chroot", true);
	srv->users.write = attr_yes(n, "write", false);
	ret = attr_dup(n, "anonymous-root", &srv->users.anonymous_root);
	if (ret < 0 || !srv->users.anonymous_root)
		return ret;
	return site_check_path(w, srv->users.line, "anonymous-root", srv->users.anonymous_root);
}

static int parse_limits(struct walk *w, const xmlNode *n, struct site_server *srv)
{
	int ret = 0;

	srv->limits.line = site_node_line(n);
	if (attr_uint(w, n, "max-clients", 100000, DEFAULT_MAX_CLIENTS, &srv->limits.max_clients) < 0)
		ret = -EINVAL;
	if (attr_uint(w, n, "max-per-ip", 100000, DEFAULT_MAX_PER_IP, &srv->limits.max_per_ip) < 0)
		ret = -EINVAL;
	if (attr_uint(w, n, "idle-timeout", 86400, DEFAULT_IDLE_TIMEOUT,
		      &srv->limits.idle_timeout) < 0)
		ret = -EINVAL;
	return ret;
}

static int parse_config(struct walk *w, const xmlNode *n, struct site_server *srv)
{
	int ret;

	srv->config_line = site_node_line(n);
	ret = attr_dup(n, "path", &srv->config_path);
	if (ret < 0)
		return ret;
	ret = attr_dup(n, "reload", &srv->reload);
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
		if (attr_uint(w, n, "data-port", 65535, DEFAULT_DATA_PORT, &v) < 0)
			return -EINVAL;
		srv->data_port = (uint16_t)v;
		return 0;
	}
	srv->passive_line = site_node_line(n);
	if (attr_uint(w, n, "min-port", 65535, DEFAULT_PASV_MIN, &v) < 0)
		ret = -EINVAL;
	srv->pasv_min = (uint16_t)v;
	if (attr_uint(w, n, "max-port", 65535, DEFAULT_PASV_MAX, &v) < 0)
		ret = -EINVAL;
	srv->pasv_max = (uint16_t)v;
	if (attr_addr(w, n, "external-address", &srv->external, &srv->has_external) < 0)
		ret = -EINVAL;
	return ret;
}

/* Every default of a server that does not depend on another field. */
static void site_server_init(struct site_server *srv, unsigned line)
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
static int site_server_finish(struct site_server *srv)
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

static const char *const server_children[] = {
	"config", "listen", "active", "passive", "tls", "users", "limits", "allow", "banner",
	"directive",
};

#define N_SERVER_CHILDREN (sizeof(server_children) / sizeof(server_children[0]))

static int parse_child(struct walk *w, const xmlNode *c, struct site_server *srv)
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

static int parse_server(struct walk *w, const xmlNode *n, const struct site_bad *bad,
			struct site_server *srv)
{
	unsigned seen[N_SERVER_CHILDREN] = { 0 };
	size_t n_listen_elems = 0;
	char *daemon = NULL;
	int ret = 0;

	site_server_init(srv, site_node_line(n));
	if (attr_dup(n, "name", &srv->name) < 0 || attr_dup(n, "daemon", &daemon) < 0) {
		free(daemon);
		return -ENOMEM;
	}
	/* Only a server that failed the schema lacks them: its name is for messages. */
	if (!srv->name && !(srv->name = strdup("")))
		return -ENOMEM;
	if (!daemon)
		srv->daemon = SITE_DAEMON_VSFTPD;
	else if (!strcmp(daemon, "proftpd"))
		srv->daemon = SITE_DAEMON_PROFTPD;
	else if (!strcmp(daemon, "pure-ftpd"))
		srv->daemon = SITE_DAEMON_PUREFTPD;
	else
		srv->daemon = SITE_DAEMON_VSFTPD;
	free(daemon);
	if (attr_is(n, "mode", "active", false))
		srv->mode = SITE_MODE_ACTIVE;
	else if (attr_is(n, "mode", "both", false))
		srv->mode = SITE_MODE_BOTH;

	for (const xmlNode *c = n->children; c; c = c->next) {
		size_t k;
		int r;

		if (c->type != XML_ELEMENT_NODE || c->ns || (bad && site_bad_has(bad, c)))
			continue;
		for (k = 0; k < N_SERVER_CHILDREN; k++)
			if (!strcmp((const char *)c->name, server_children[k]))
				break;
		if (k == N_SERVER_CHILDREN)
			continue;	/* the schema admits nothing else */
		if (!strcmp(server_children[k], "listen") && ++n_listen_elems > MAX_LISTENS) {
			struct srcloc loc = { w->file, site_node_line(c) };

			/* Once is enough. */
			if (n_listen_elems == MAX_LISTENS + 1)
				ret = diag(w->d, &loc, -EINVAL, "server '%s' has more than %u "
					   "<listen> elements; declare another <server> for the "
					   "others", srv->name, MAX_LISTENS);
			continue;
		}
		if (seen[k] && strcmp(server_children[k], "listen") &&
		    strcmp(server_children[k], "directive")) {
			struct srcloc loc = { w->file, site_node_line(c) };

			ret = diag(w->d, &loc, -EINVAL, "<%s> given twice in server '%s' (first on "
				   "line %u); keep one", server_children[k], srv->name, seen[k]);
			continue;
		}
		seen[k] = site_node_line(c);
		r = parse_child(w, c, srv);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			ret = r;
	}
	if (ret < 0)
		return ret;
	return site_server_finish(srv);
}

/*
 * A server that failed the schema: the elements that passed it are still
 * checked one by one (paths, addresses, certificates), but the server is
 * left out of the site, so that no check across servers or across its
 * elements speaks of settings the file does not hold.
 */
static int check_bad_server(struct walk *w, const xmlNode *n, const struct site_bad *bad)
{
	struct site_server scratch;
	int ret = parse_server(w, n, bad, &scratch);

	site_server_release(&scratch);
	return ret == -ENOMEM ? ret : 0;
}

int site_from_doc(const char *file, xmlDocPtr doc, const struct site_bad *bad, struct diag *d,
		  struct site **out)
{
	struct walk w = { .file = file, .d = d };
	const xmlNode *root = xmlDocGetRootElement(doc);
	struct site *s = NULL;
	bool have_firewall = false;
	size_t count = 0;
	int ret = -ENOMEM;

	s = calloc(1, sizeof(*s));
	if (!s)
		goto out;
	s->file = strdup(file);
	if (!s->file || attr_dup(root, "name", &s->name) < 0)
		goto out;
	s->version = 1;
	s->line = site_node_line(root);
	for (const xmlNode *c = root->children; c; c = c->next)
		if (is_elem(c, "server"))
			count++;
	s->servers = calloc(count ? count : 1, sizeof(*s->servers));
	if (!s->servers)
		goto out;
	ret = 0;
	/*
	 * A part that fails (the schema, or a value here) is left out, its
	 * errors said, so that site_check() still speaks of the rest.
	 */
	for (const xmlNode *c = root->children; c; c = c->next) {
		bool is_bad = bad && site_bad_has(bad, c);
		int r = 0;

		if (c->ns) {
			continue;	/* the schema refused it */
		} else if (is_elem(c, "firewall") && !is_bad) {
			r = parse_firewall(&w, c, &s->firewall);
			have_firewall = r == 0;
		} else if (is_elem(c, "server") && is_bad) {
			r = check_bad_server(&w, c, bad);
		} else if (is_elem(c, "server")) {
			struct site_server *srv = &s->servers[s->n_servers];

			r = parse_server(&w, c, NULL, srv);
			if (r == 0) {
				s->n_servers++;
			} else {
				site_server_release(srv);
				memset(srv, 0, sizeof(*srv));
			}
		}
		if (is_elem(c, "firewall") && (is_bad || r == -EINVAL))
			s->firewall.unchecked = true;
		if (r == -ENOMEM) {
			ret = r;
			goto out;
		}
	}
	if (!have_firewall) {
		s->firewall.helper = SITE_HELPER_AUTO;
		s->firewall.mark = SITE_DEFAULT_MARK;
		s->firewall.counters = true;
		s->firewall.table = strdup(DEFAULT_TABLE);
		if (!s->firewall.table) {
			ret = -ENOMEM;
			goto out;
		}
	}
	if (ret < 0)
		goto out;
	*out = s;
	s = NULL;
out:
	site_free(s);
	return ret;
}
