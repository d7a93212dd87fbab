/*
 * site_model: the small functions of the site model itself: names of its
 * values, the predicates the firewall and daemons share, formatting and
 * freeing.  No parsing here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "radix.h"
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
	free(srv->allow_v4);
	free(srv->allow_v6);
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

/* ---- the allowlist's order ---------------------------------------------- */

/*
 * The byte @p of an IPv6 network's sort key: its address bytes, then its
 * prefix length.  Sorted on these, equal networks are adjacent, and a
 * stable sort keeps them in the list's order, which is their lines' order.
 */
#define V6_KEY_BYTES 17
static unsigned v6_key_byte(const struct site_net *n, unsigned p)
{
	return p < 16 ? n->addr.bytes[p] : n->prefix & 0xff;
}

/*
 * The IPv6 networks: a radix sort of their indices in @a (stable counting
 * sorts, least significant byte first), n + 256 per pass and nothing
 * compared; a byte the same in every network costs one counting pass and
 * no move.  *@a is the sorted indices on return (@a and @b swap).
 */
static void order_v6(const struct site_net *v, uint32_t **a, uint32_t **b, size_t n)
{
	for (unsigned p = V6_KEY_BYTES; p-- > 0;) {
		size_t at[256] = { 0 };
		uint32_t *t;

		for (size_t i = 0; i < n; i++)
			at[v6_key_byte(&v[(*a)[i]], p)]++;
		if (radix_offsets(at, n))
			continue;
		for (size_t i = 0; i < n; i++)
			(*b)[at[v6_key_byte(&v[(*a)[i]], p)]++] = (*a)[i];
		t = *a;
		*a = *b;
		*b = t;
	}
}

/*
 * The IPv4 keys were made as the networks were read (site_xml.c), index
 * included and in index order, so sorting on the bytes above the index
 * keeps equal networks in their lines' order: 5 passes over 8 bytes a
 * network, and the model's 28-byte networks are not read again.
 */
int site_allow_sort(struct site_server *srv, uint64_t *v4, size_t n_v4)
{
	size_t n6 = srv->n_allow - n_v4;
	uint64_t *b = n_v4 > 1 ? malloc(n_v4 * sizeof(*b)) : NULL;
	uint32_t *v6 = n6 ? malloc(n6 * sizeof(*v6)) : NULL;
	uint32_t *b6 = n6 > 1 ? malloc(n6 * sizeof(*b6)) : NULL;

	if ((n_v4 > 1 && !b) || (n6 && !v6) || (n6 > 1 && !b6)) {
		free(b);
		free(v6);
		free(b6);
		free(v4);
		return -ENOMEM;
	}
	if (n_v4 > 1)
		radix_sort_u64(&v4, &b, n_v4, SITE_V4KEY_INDEX_BITS);
	free(b);
	for (size_t i = 0, k = 0; k < n6; i++)
		if (srv->allow[i].addr.family != AF_INET)
			v6[k++] = (uint32_t)i;
	/* The sorted indices end in either block: keep that one. */
	if (n6 > 1)
		order_v6(srv->allow, &v6, &b6, n6);
	free(b6);
	srv->allow_v4 = v4;
	srv->n_allow_v4 = n_v4;
	srv->allow_v6 = v6;
	srv->n_allow_v6 = n6;
	return 0;
}
