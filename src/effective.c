/*
 * effective: writes struct site back out as a version-1 site document with
 * every default spelled out.  The daemon stylesheets read only this, so it
 * must say everything they need; it never reads the original input.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "effective.h"

/* Room for the longest address or network site_*_format() may write. */
#define ADDR_BUF (INET6_ADDRSTRLEN + 4)

/*
 * xmlTextWriter functions return a byte count or -1; the only failure the
 * writer can have on a memory buffer is running out of memory.
 */
static int wr(int rc)
{
	return rc < 0 ? -ENOMEM : 0;
}

static int start(xmlTextWriterPtr w, const char *name)
{
	return wr(xmlTextWriterStartElement(w, (const xmlChar *)name));
}

static int end(xmlTextWriterPtr w)
{
	return wr(xmlTextWriterEndElement(w));
}

static int attr(xmlTextWriterPtr w, const char *name, const char *value)
{
	return wr(xmlTextWriterWriteAttribute(w, (const xmlChar *)name, (const xmlChar *)value));
}

static int attr_uint(xmlTextWriterPtr w, const char *name, unsigned value)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u", value);
	return attr(w, name, buf);
}

static int attr_yesno(xmlTextWriterPtr w, const char *name, bool value)
{
	return attr(w, name, value ? "yes" : "no");
}

static int attr_addr(xmlTextWriterPtr w, const char *name, const struct site_addr *a)
{
	char buf[ADDR_BUF];
	int ret = site_addr_format(a, buf, sizeof(buf));

	return ret < 0 ? ret : attr(w, name, buf);
}

static int write_firewall(xmlTextWriterPtr w, const struct site_firewall *fw)
{
	int ret;

	ret = start(w, "firewall");
	/* site.c refuses table and attach together: attach names the table. */
	if (!ret && fw->table)
		ret = attr(w, "table", fw->table);
	if (!ret)
		ret = attr(w, "helper", fw->helper == SITE_HELPER_NO ? "no" : "auto");
	if (!ret)
		ret = attr_yesno(w, "counters", fw->counters);
	if (!ret)
		ret = attr(w, "backend", site_backend_name(fw->backend));
	if (!ret && fw->backend == SITE_BACKEND_IPTABLES) {
		char mark[16];

		snprintf(mark, sizeof(mark), "0x%08x", fw->mark);
		ret = attr(w, "mark", mark);
	}
	if (!ret && fw->zone)
		ret = attr(w, "zone", fw->zone);
	if (!ret && fw->has_attach) {
		char *spec = NULL;

		if (asprintf(&spec, "%s %s %s", fw->attach_family, fw->attach_table,
			     fw->attach_chain) < 0)
			return -ENOMEM;
		ret = attr(w, "attach", spec);
		free(spec);
	}
	return ret ? ret : end(w);
}

static int write_tls(xmlTextWriterPtr w, const struct site_tls *tls)
{
	int ret = start(w, "tls");

	if (!ret)
		ret = attr(w, "mode", site_tls_mode_name(tls->mode));
	if (!ret && tls->mode != SITE_TLS_OFF) {
		ret = attr_yesno(w, "required", tls->required);
		if (!ret)
			ret = attr(w, "cert", tls->cert);
		if (!ret)
			ret = attr(w, "key", tls->key);
	}
	return ret ? ret : end(w);
}

static int write_users(xmlTextWriterPtr w, const struct site_users *u)
{
	int ret = start(w, "users");

	if (!ret)
		ret = attr_yesno(w, "anonymous", u->anonymous);
	if (!ret)
		ret = attr_yesno(w, "local", u->local);
	if (!ret)
		ret = attr_yesno(w, "chroot", u->chroot);
	if (!ret)
		ret = attr_yesno(w, "write", u->write);
	if (!ret && u->anonymous_root)
		ret = attr(w, "anonymous-root", u->anonymous_root);
	return ret ? ret : end(w);
}

static int write_limits(xmlTextWriterPtr w, const struct site_limits *l)
{
	int ret = start(w, "limits");

	if (!ret)
		ret = attr_uint(w, "max-clients", l->max_clients);
	if (!ret)
		ret = attr_uint(w, "max-per-ip", l->max_per_ip);
	if (!ret)
		ret = attr_uint(w, "idle-timeout", l->idle_timeout);
	return ret ? ret : end(w);
}

static int write_allow(xmlTextWriterPtr w, const struct site_server *srv,
		       enum effective_view view)
{
	char buf[ADDR_BUF];
	int ret = start(w, "allow");

	if (!ret && view == EFFECTIVE_FOR_STYLESHEETS) {
		snprintf(buf, sizeof(buf), " %zu networks: the firewall's ", srv->n_allow);
		ret = wr(xmlTextWriterWriteComment(w, (const xmlChar *)buf));
		return ret ? ret : end(w);
	}
	for (size_t i = 0; !ret && i < srv->n_allow; i++) {
		ret = site_net_format(&srv->allow[i], buf, sizeof(buf));
		if (!ret)
			ret = wr(xmlTextWriterWriteElement(w, (const xmlChar *)"network",
							   (const xmlChar *)buf));
	}
	return ret ? ret : end(w);
}

static int write_ports(xmlTextWriterPtr w, const struct site_server *srv)
{
	int ret = 0;

	if (srv->mode & SITE_MODE_ACTIVE) {
		ret = start(w, "active");
		if (!ret)
			ret = attr_uint(w, "data-port", srv->data_port);
		if (!ret)
			ret = end(w);
	}
	if (!ret && (srv->mode & SITE_MODE_PASSIVE)) {
		ret = start(w, "passive");
		if (!ret)
			ret = attr_uint(w, "min-port", srv->pasv_min);
		if (!ret)
			ret = attr_uint(w, "max-port", srv->pasv_max);
		if (!ret && srv->has_external)
			ret = attr_addr(w, "external-address", &srv->external);
		if (!ret)
			ret = end(w);
	}
	return ret;
}

static int write_server(xmlTextWriterPtr w, const struct site_server *srv,
			enum effective_view view)
{
	int ret = start(w, "server");

	if (!ret)
		ret = attr(w, "name", srv->name);
	if (!ret)
		ret = attr(w, "daemon", site_daemon_name(srv->daemon));
	if (!ret)
		ret = attr(w, "mode", site_mode_name(srv->mode));

	if (!ret)
		ret = start(w, "config");
	if (!ret)
		ret = attr(w, "path", srv->config_path);
	if (!ret && srv->reload)
		ret = attr(w, "reload", srv->reload);
	if (!ret)
		ret = end(w);

	for (size_t i = 0; !ret && i < srv->n_listens; i++) {
		ret = start(w, "listen");
		if (!ret)
			ret = attr_addr(w, "address", &srv->listens[i].addr);
		if (!ret)
			ret = attr_uint(w, "port", srv->listens[i].port);
		if (!ret)
			ret = end(w);
	}
	if (!ret)
		ret = write_ports(w, srv);
	if (!ret)
		ret = write_tls(w, &srv->tls);
	if (!ret)
		ret = write_users(w, &srv->users);
	if (!ret)
		ret = write_limits(w, &srv->limits);
	if (!ret && srv->has_allow)
		ret = write_allow(w, srv, view);
	if (!ret && srv->banner)
		ret = wr(xmlTextWriterWriteElement(w, (const xmlChar *)"banner",
						   (const xmlChar *)srv->banner));
	for (size_t i = 0; !ret && i < srv->n_directives; i++) {
		ret = start(w, "directive");
		if (!ret)
			ret = attr(w, "name", srv->directives[i].name);
		if (!ret)
			ret = wr(xmlTextWriterWriteString(w,
				(const xmlChar *)srv->directives[i].value));
		if (!ret)
			ret = end(w);
	}
	return ret ? ret : end(w);
}

static int write_site(xmlTextWriterPtr w, const struct site *s, enum effective_view view)
{
	int ret;

	ret = wr(xmlTextWriterSetIndent(w, 1));
	if (!ret)
		ret = wr(xmlTextWriterSetIndentString(w, (const xmlChar *)"  "));
	if (!ret)
		ret = wr(xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL));
	if (!ret)
		ret = start(w, "site");
	if (!ret)
		ret = attr(w, "name", s->name);
	if (!ret)
		ret = attr_uint(w, "version", 1);
	if (!ret)
		ret = write_firewall(w, &s->firewall);
	for (size_t i = 0; !ret && i < s->n_servers; i++)
		ret = write_server(w, &s->servers[i], view);
	if (!ret)
		ret = end(w);
	/* Closes the document and flushes it into the buffer. */
	if (!ret)
		ret = wr(xmlTextWriterEndDocument(w));
	return ret;
}

int effective_xml(const struct site *s, enum effective_view view, char **out, size_t *len)
{
	xmlBufferPtr buf = NULL;
	xmlTextWriterPtr w = NULL;
	char *text = NULL;
	size_t n;
	int ret = -ENOMEM;

	buf = xmlBufferCreate();
	if (!buf)
		goto out;
	w = xmlNewTextWriterMemory(buf, 0);
	if (!w)
		goto out;
	ret = write_site(w, s, view);
	/* Freeing the writer flushes what it still holds into buf. */
	xmlFreeTextWriter(w);
	w = NULL;
	if (ret < 0)
		goto out;
	n = (size_t)xmlBufferLength(buf);
	text = malloc(n + 1);
	if (!text) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(text, xmlBufferContent(buf), n);
	text[n] = '\0';
	*out = text;
	*len = n;
	ret = 0;
out:
	xmlFreeTextWriter(w);
	xmlBufferFree(buf);
	return ret;
}
