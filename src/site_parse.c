/*
 * site_parse: copies a schema-valid document into struct site and fills
 * every default, here (<site>, <firewall>) and in site_parse_server.c
 * (each <server>), and nowhere else: this file walks the document, takes
 * each <server>'s elements once (<listen> and <directive> as often as
 * allowed), and leaves out the parts that failed.  Values are checked as
 * they are copied (addresses, networks, strings that end up in a daemon's
 * file).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "site.h"
#include "site_internal.h"

/* Defaults, documented in templates/site.xsd and the README. */
#define DEFAULT_TABLE "ftpcfg"
/*
 * A daemon binds a handful of sockets; site_check() compares every pair of
 * listeners, so 200 000 <listen> elements would take minutes.
 */
#define MAX_LISTENS 64u

static bool is_elem(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
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
	fw->helper = site_attr_is(n, "helper", "no", false) ? SITE_HELPER_NO : SITE_HELPER_AUTO;
	fw->counters = site_attr_yes(n, "counters", true);
	/* The schema has restricted backend to its three names and mark to 0x + 1-8 hex digits. */
	fw->backend = site_attr_is(n, "backend", "iptables", false)	? SITE_BACKEND_IPTABLES
		      : site_attr_is(n, "backend", "firewalld", false) ? SITE_BACKEND_FIREWALLD
								       : SITE_BACKEND_NFTABLES;
	fw->mark = SITE_DEFAULT_MARK;
	ret = attr_mark(w, n, fw);
	if (ret < 0)
		goto out;
	/* The schema has restricted zone to firewalld's zone names. */
	ret = site_attr_dup(n, "zone", &fw->zone);
	if (ret < 0)
		goto out;
	ret = site_attr_dup(n, "table", &table);
	if (ret < 0)
		goto out;
	ret = site_attr_dup(n, "attach", &attach);
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

static const char *const server_children[] = {
	"config", "listen", "active", "passive", "tls", "users", "limits", "allow", "banner",
	"directive",
};

#define N_SERVER_CHILDREN (sizeof(server_children) / sizeof(server_children[0]))

static int parse_server(struct walk *w, const xmlNode *n, const struct site_bad *bad,
			struct site_server *srv)
{
	unsigned seen[N_SERVER_CHILDREN] = { 0 };
	size_t n_listen_elems = 0;
	char *daemon = NULL;
	int ret = 0;

	site_server_init(srv, site_node_line(n));
	if (site_attr_dup(n, "name", &srv->name) < 0 || site_attr_dup(n, "daemon", &daemon) < 0) {
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
	if (site_attr_is(n, "mode", "active", false))
		srv->mode = SITE_MODE_ACTIVE;
	else if (site_attr_is(n, "mode", "both", false))
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
		r = site_parse_child(w, c, srv);
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
	bool firewall_seen = false;
	size_t count = 0;
	int ret = -ENOMEM;

	s = calloc(1, sizeof(*s));
	if (!s)
		goto out;
	s->file = strdup(file);
	if (!s->file || site_attr_dup(root, "name", &s->name) < 0)
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
		} else if (is_elem(c, "firewall") && !is_bad && !firewall_seen) {
			/* A second one is the schema's to refuse: it would overwrite the first. */
			firewall_seen = true;
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
