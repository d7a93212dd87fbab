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
	free(srv->allow_order);
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
 * The byte @p of a network's sort key: its family, its address bytes, its
 * prefix length.  Sorted on these, equal networks are adjacent, and a
 * stable sort keeps them in the list's order, which is their lines' order.
 */
#define NET_KEY_BYTES 18
static unsigned net_key_byte(const struct site_net *n, unsigned p)
{
	if (p == 0)
		return n->addr.family == AF_INET ? 0 : 1;
	if (p <= 16)
		return n->addr.bytes[p - 1];
	return n->prefix & 0xff;
}

/*
 * Any list: a radix sort of the indices (stable counting sorts, least
 * significant byte first), n + 256 per pass and nothing compared; a byte
 * the same in every network costs one counting pass and no move.
 */
static int order_any(const struct site_net *v, size_t n, uint32_t **out)
{
	uint32_t *a = malloc(n * sizeof(*a));
	uint32_t *b = a ? malloc(n * sizeof(*b)) : NULL;

	if (!b) {
		free(a);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		a[i] = (uint32_t)i;
	for (unsigned p = NET_KEY_BYTES; p-- > 0;) {
		size_t at[256] = { 0 };
		uint32_t *t;

		for (size_t i = 0; i < n; i++)
			at[net_key_byte(&v[i], p)]++;
		if (radix_offsets(at, n))
			continue;
		for (size_t i = 0; i < n; i++)
			b[at[net_key_byte(&v[a[i]], p)]++] = a[i];
		t = a;
		a = b;
		b = t;
	}
	free(b);
	*out = a;
	return 0;
}

/*
 * The index in the low bits of an IPv4 network's 64-bit key: 24 bits, far
 * more networks than a site under the 16 MiB limit can hold.
 */
#define V4_INDEX_BITS 24

/*
 * An all-IPv4 list (the large ones): address, prefix and index in one
 * 64-bit key, sorted on the five bytes above the index.  The same order as
 * order_any(), read from a key array of 8 bytes a network instead of the
 * model's 28 on each of 18 passes.
 */
static int order_v4(const struct site_net *v, size_t n, uint32_t **out)
{
	uint64_t *a = malloc(n * sizeof(*a));
	uint64_t *b = a ? malloc(n * sizeof(*b)) : NULL;
	uint32_t *idx = b ? malloc(n * sizeof(*idx)) : NULL;

	if (!idx) {
		free(a);
		free(b);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const uint8_t *k = v[i].addr.bytes;

		a[i] = ((uint64_t)k[0] << 56 | (uint64_t)k[1] << 48 | (uint64_t)k[2] << 40 |
			(uint64_t)k[3] << 32) | (uint64_t)(v[i].prefix & 0xff) << V4_INDEX_BITS | i;
	}
	radix_sort_u64(&a, &b, n, V4_INDEX_BITS);
	for (size_t i = 0; i < n; i++)
		idx[i] = (uint32_t)(a[i] & ((1U << V4_INDEX_BITS) - 1));
	free(a);
	free(b);
	*out = idx;
	return 0;
}

int site_allow_order(const struct site_net *v, size_t n, uint32_t **out)
{
	bool v4 = n < (1U << V4_INDEX_BITS);

	*out = NULL;
	if (n < 2)
		return 0;
	if (n > UINT32_MAX)
		return -ENOMEM;
	for (size_t i = 0; v4 && i < n; i++)
		v4 = v[i].addr.family == AF_INET;
	return v4 ? order_v4(v, n, out) : order_any(v, n, out);
}
