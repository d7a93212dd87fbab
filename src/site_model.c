/*
 * site_model: the small functions of the site model itself: names of its
 * values, the predicates the firewall and daemons share, formatting and
 * freeing.  No parsing here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "site.h"
#include "site_internal.h"

static const struct {
	enum site_daemon daemon;
	const char *name;
	const char *path;
	const char *reload;
} daemon_defaults[] = {
	{ SITE_DAEMON_VSFTPD, "vsftpd", "/etc/vsftpd.conf", "systemctl reload vsftpd" },
	{ SITE_DAEMON_PROFTPD, "proftpd", "/etc/proftpd/proftpd.conf", "systemctl reload proftpd" },
	{ SITE_DAEMON_PUREFTPD, "pure-ftpd", "/etc/pure-ftpd/conf/", "systemctl restart pure-ftpd" },
};

const char *site_daemon_name(enum site_daemon d)
{
	for (size_t i = 0; i < sizeof(daemon_defaults) / sizeof(daemon_defaults[0]); i++)
		if (daemon_defaults[i].daemon == d)
			return daemon_defaults[i].name;
	return "?";
}

const char *site_backend_name(enum site_backend b)
{
	switch (b) {
	case SITE_BACKEND_NFTABLES:
		return "nftables";
	case SITE_BACKEND_IPTABLES:
		return "iptables";
	case SITE_BACKEND_FIREWALLD:
		return "firewalld";
	}
	return "?";
}

const char *site_daemon_default_path(enum site_daemon d)
{
	for (size_t i = 0; i < sizeof(daemon_defaults) / sizeof(daemon_defaults[0]); i++)
		if (daemon_defaults[i].daemon == d)
			return daemon_defaults[i].path;
	return NULL;
}

const char *site_daemon_default_reload(enum site_daemon d)
{
	for (size_t i = 0; i < sizeof(daemon_defaults) / sizeof(daemon_defaults[0]); i++)
		if (daemon_defaults[i].daemon == d)
			return daemon_defaults[i].reload;
	return NULL;
}

const char *site_mode_name(enum site_mode m)
{
	switch (m) {
	case SITE_MODE_ACTIVE:
		return "active";
	case SITE_MODE_PASSIVE:
		return "passive";
	case SITE_MODE_BOTH:
		return "both";
	}
	return "?";
}

const char *site_tls_mode_name(enum site_tls_mode m)
{
	switch (m) {
	case SITE_TLS_OFF:
		return "off";
	case SITE_TLS_EXPLICIT:
		return "explicit";
	case SITE_TLS_IMPLICIT:
		return "implicit";
	}
	return "?";
}

bool server_has_tls(const struct site_server *srv)
{
	return srv->tls.mode != SITE_TLS_OFF;
}

bool server_uses_helper(const struct site *s, const struct site_server *srv)
{
	return s->firewall.helper == SITE_HELPER_AUTO && !server_has_tls(srv);
}

bool server_passive_explicit(const struct site *s, const struct site_server *srv)
{
	/*
	 * The kernel's FTP helper records no expectation for a PASV reply
	 * that names another address than the connection's, so a NAT'd
	 * server's range has to be opened by port.
	 */
	return !server_uses_helper(s, srv) || srv->has_external;
}

int site_addr_format(const struct site_addr *a, char *buf, size_t size)
{
	if (!inet_ntop(a->family, a->bytes, buf, (socklen_t)size))
		return -ENOSPC;
	return 0;
}

int site_net_format(const struct site_net *n, char *buf, size_t size)
{
	char addr[INET6_ADDRSTRLEN];
	int len;

	if (site_addr_format(&n->addr, addr, sizeof(addr)) < 0)
		return -ENOSPC;
	len = snprintf(buf, size, "%s/%u", addr, n->prefix);
	if (len < 0 || (size_t)len >= size)
		return -ENOSPC;
	return 0;
}

void site_server_release(struct site_server *srv)
{
	free(srv->name);
	free(srv->config_path);
	free(srv->reload);
	free(srv->listens);
	free(srv->tls.cert);
	free(srv->tls.key);
	free(srv->users.anonymous_root);
	free(srv->allow);
	free(srv->banner);
	for (size_t i = 0; i < srv->n_directives; i++) {
		free(srv->directives[i].name);
		free(srv->directives[i].value);
	}
	free(srv->directives);
}

void site_free(struct site *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_servers; i++)
		site_server_release(&s->servers[i]);
	free(s->servers);
	free(s->file);
	free(s->name);
	free(s->firewall.table);
	free(s->firewall.zone);
	free(s->firewall.attach_family);
	free(s->firewall.attach_table);
	free(s->firewall.attach_chain);
	free(s);
}
