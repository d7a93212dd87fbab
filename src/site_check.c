/*
 * site_check: what a schema cannot say.  Ranges, overlaps between servers,
 * and what each daemon can and cannot honour.  Reports every problem and
 * never stops at the first; it only reads the model.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "site.h"
#include "site_internal.h"

/* Pure-FTPd's active data source ports, in the order it tries them (src/ftpd.h). */
#define PUREFTPD_DATA_PORT 20

/* A source location in the site being checked (a compound literal: no storage to free). */
#define AT(line) (&(struct srcloc){ s->file, (line) })

static bool addr_equal(const struct site_addr *a, const struct site_addr *b)
{
	return a->family == b->family && !memcmp(a->bytes, b->bytes, sizeof(a->bytes));
}

/*
 * Two listeners clash when they share a port and either names the same
 * address or one is a wildcard that covers the other.  On Linux "::" also
 * takes IPv4 (bindv6only=0), so it covers both families.
 */
static bool listens_clash(const struct site_listen *a, const struct site_listen *b)
{
	if (a->port != b->port)
		return false;
	if (a->is_wildcard && b->is_wildcard)
		return a->addr.family == b->addr.family;
	if (a->is_wildcard)
		return a->addr.family == AF_INET6 || a->addr.family == b->addr.family;
	if (b->is_wildcard)
		return b->addr.family == AF_INET6 || b->addr.family == a->addr.family;
	return addr_equal(&a->addr, &b->addr);
}

static void fmt_listen(const struct site_listen *l, char *buf, size_t size)
{
	char addr[INET6_ADDRSTRLEN];

	if (site_addr_format(&l->addr, addr, sizeof(addr)) < 0)
		addr[0] = '\0';
	snprintf(buf, size, l->addr.family == AF_INET6 ? "[%s]:%u" : "%s:%u", addr, l->port);
}

static void check_listeners(const struct site *s, struct diag *d)
{
	for (size_t i = 0; i < s->n_servers; i++) {
		const struct site_server *a = &s->servers[i];

		for (size_t j = i; j < s->n_servers; j++) {
			const struct site_server *b = &s->servers[j];

			for (size_t x = 0; x < a->n_listens; x++) {
				for (size_t y = (i == j ? x + 1 : 0); y < b->n_listens; y++) {
					const struct site_listen *la = &a->listens[x];
					const struct site_listen *lb = &b->listens[y];
					struct srcloc loc = { s->file, lb->line };
					char ta[INET6_ADDRSTRLEN + 8];
					char tb[INET6_ADDRSTRLEN + 8];

					/* The 0.0.0.0 + :: pair in one server is dual stack. */
					if (i == j && la->is_wildcard && lb->is_wildcard &&
					    la->addr.family != lb->addr.family)
						continue;
					if (!listens_clash(la, lb))
						continue;
					fmt_listen(la, ta, sizeof(ta));
					fmt_listen(lb, tb, sizeof(tb));
					diag(d, &loc, -EINVAL, "listener %s of server '%s' overlaps %s "
					     "of server '%s' (line %u); give each its own port or "
					     "address, and do not mix a wildcard with a specific "
					     "address on one port", tb, b->name, ta, a->name, la->line);
				}
			}
		}
	}
}

static bool has_passive(const struct site_server *srv)
{
	return srv->mode & SITE_MODE_PASSIVE;
}

static bool has_active(const struct site_server *srv)
{
	return srv->mode & SITE_MODE_ACTIVE;
}

static void check_ports(const struct site *s, struct diag *d)
{
	for (size_t i = 0; i < s->n_servers; i++) {
		const struct site_server *a = &s->servers[i];
		struct srcloc loc = { s->file, a->passive_line ? a->passive_line : a->line };

		if (has_passive(a) && a->pasv_min > a->pasv_max)
			diag(d, &loc, -EINVAL, "max-port '%u' is below min-port '%u'; swap them",
			     a->pasv_max, a->pasv_min);
		if (has_passive(a) && a->pasv_min < 1024)
			diag(d, &loc, -EINVAL, "passive range %u-%u reaches below 1024, where "
			     "system services listen; use ports from 1024 up",
			     a->pasv_min, a->pasv_max);
		if (has_passive(a) && a->has_external && a->external.family != AF_INET)
			diag(d, &loc, -EINVAL, "external-address must be an IPv4 address: PASV "
			     "replies carry IPv4 only (IPv6 clients use EPSV, which names no "
			     "address)");
		for (size_t j = 0; j < s->n_servers; j++) {
			const struct site_server *b = &s->servers[j];

			if (!has_passive(b))
				continue;
			for (size_t x = 0; x < a->n_listens; x++) {
				const struct site_listen *l = &a->listens[x];

				if (l->port >= b->pasv_min && l->port <= b->pasv_max)
					diag(d, &(struct srcloc){ s->file, l->line }, -EINVAL,
					     "control port %u of server '%s' lies inside the passive "
					     "range %u-%u of server '%s'; move one of them",
					     l->port, a->name, b->pasv_min, b->pasv_max, b->name);
			}
			if (has_active(a) && a->data_port >= b->pasv_min &&
			    a->data_port <= b->pasv_max)
				diag(d, &(struct srcloc){ s->file, a->active_line ? a->active_line
										 : a->line },
				     -EINVAL, "data-port %u of server '%s' lies inside the passive "
				     "range %u-%u of server '%s'; move one of them",
				     a->data_port, a->name, b->pasv_min, b->pasv_max, b->name);
			if (j <= i || !has_passive(a))
				continue;
			if (a->pasv_min <= b->pasv_max && b->pasv_min <= a->pasv_max)
				diag(d, &(struct srcloc){ s->file, b->passive_line ? b->passive_line
										   : b->line },
				     -EINVAL, "passive range %u-%u of server '%s' overlaps %u-%u of "
				     "server '%s'; give each server its own range",
				     b->pasv_min, b->pasv_max, b->name, a->pasv_min, a->pasv_max,
				     a->name);
		}
	}
}

static void check_names(const struct site *s, struct diag *d)
{
	for (size_t i = 0; i < s->n_servers; i++) {
		for (size_t j = i + 1; j < s->n_servers; j++) {
			const struct site_server *a = &s->servers[i];
			const struct site_server *b = &s->servers[j];

			if (!strcmp(a->name, b->name))
				diag(d, &(struct srcloc){ s->file, b->line }, -EINVAL,
				     "server name '%s' is used twice (first on line %u); names "
				     "must be unique", b->name, a->line);
			if (!strcmp(a->config_path, b->config_path))
				diag(d, &(struct srcloc){ s->file, b->config_line ? b->config_line
										  : b->line },
				     -EINVAL, "config path '%s' of server '%s' is also the config "
				     "path of server '%s'; give each server its own file",
				     b->config_path, b->name, a->name);
		}
	}
}

/* vsftpd serves one socket per process, except the dual-stack "::" socket. */
static void check_vsftpd(const struct site *s, const struct site_server *srv, struct diag *d)
{
	bool pair = srv->n_listens == 2 && srv->listens[0].is_wildcard &&
		    srv->listens[1].is_wildcard &&
		    srv->listens[0].addr.family != srv->listens[1].addr.family &&
		    srv->listens[0].port == srv->listens[1].port;

	if (srv->n_listens > 1 && !pair)
		diag(d, AT(srv->listens[1].line), -EINVAL,
		     "vsftpd serves one address per process, or 0.0.0.0 and :: together on one "
		     "port (dual stack); declare another <server> with its own config path for "
		     "this listener");
	/*
	 * vsftpd 3.0.3 answers PASV on an IPv6 socket (dual stack included)
	 * with 0,0,0,0, pasv_address or not; EPSV, which names no address,
	 * still works, and is what current clients try first.
	 */
	if (has_passive(srv) && srv->has_external &&
	    (pair || srv->listens[0].addr.family == AF_INET6))
		diag_warn(d, AT(srv->passive_line),
			  "vsftpd ignores external-address on an IPv6 or dual-stack listener: "
			  "clients that use PASV (not EPSV) get 0,0,0,0; listen on 0.0.0.0 or an "
			  "IPv4 address if they matter");
}

static void check_proftpd(const struct site *s, const struct site_server *srv, struct diag *d)
{
	unsigned want = srv->listens[0].port - 1u;

	if (has_active(srv) && srv->data_port != want)
		diag(d, AT(srv->active_line ? srv->active_line : srv->line), -EINVAL,
		     "proftpd sends active data from its control port minus one (%u), not %u; "
		     "set data-port=\"%u\" or leave it out", want, srv->data_port, want);
	for (size_t i = 1; i < srv->n_listens; i++)
		if (srv->listens[i].port != srv->listens[0].port)
			diag(d, AT(srv->listens[i].line), -EINVAL,
			     "proftpd serves one control port per server (here %u and %u); "
			     "declare another <server> for port %u",
			     srv->listens[0].port, srv->listens[i].port, srv->listens[i].port);
}

static void check_pureftpd(const struct site *s, const struct site_server *srv, struct diag *d)
{
	size_t len = strlen(srv->config_path);
	bool dir_format = len && srv->config_path[len - 1] == '/';
	bool pair = srv->n_listens == 2 && srv->listens[0].is_wildcard &&
		    srv->listens[1].is_wildcard && srv->listens[0].port == srv->listens[1].port;

	if (srv->n_listens > 1 && !pair)
		diag(d, AT(srv->listens[1].line), -EINVAL,
		     "pure-ftpd binds one address (or every address) per process; declare "
		     "another <server> with its own config path for this listener");
	if (srv->tls.mode == SITE_TLS_IMPLICIT)
		diag(d, AT(srv->tls.line), -EINVAL,
		     "Debian's pure-ftpd is built without implicit TLS; use mode=\"explicit\" "
		     "or another daemon");
	if (has_active(srv) && srv->data_port != PUREFTPD_DATA_PORT)
		diag(d, AT(srv->active_line ? srv->active_line : srv->line), -EINVAL,
		     "pure-ftpd always sends active data from port 20, not %u; set "
		     "data-port=\"20\"", srv->data_port);
	if (server_has_tls(srv) && dir_format &&
	    (strcmp(srv->tls.cert, "/etc/ssl/private/pure-ftpd.pem") ||
	     strcmp(srv->tls.key, srv->tls.cert)))
		diag(d, AT(srv->tls.line), -EINVAL,
		     "Debian's pure-ftpd-wrapper reads the certificate and key only from "
		     "/etc/ssl/private/pure-ftpd.pem (one file holding both); set cert to that "
		     "path and drop key, or give <config path> a file name to use pure-ftpd's "
		     "own configuration file");
	if (srv->banner)
		diag_warn(d, AT(srv->banner_line),
			  "pure-ftpd cannot change its greeting; the banner is not rendered");
	if (srv->users.anonymous && srv->users.anonymous_root)
		diag_warn(d, AT(srv->users.line),
			  "pure-ftpd cannot honour anonymous-root: anonymous users get the ftp "
			  "user's home; change that home instead");
	if (srv->users.local && !srv->users.write)
		diag_warn(d, AT(srv->users.line ? srv->users.line : srv->line),
			  "pure-ftpd cannot make local users read-only (write=\"no\"); only file "
			  "permissions can");
	if (!srv->limits.max_clients)
		diag_warn(d, AT(srv->limits.line ? srv->limits.line : srv->line),
			  "pure-ftpd has no unlimited max-clients: with 0 it keeps its default of 50");
	/* Which of these applies depends on a <firewall> the schema may have refused. */
	if (!has_active(srv) && !s->firewall.unchecked) {
		if (s->firewall.has_attach)
			diag_warn(d, AT(srv->line),
				  "pure-ftpd cannot refuse PORT/EPRT, and attach mode renders no "
				  "output rules: nothing stops its active data connections; use "
				  "standalone mode or accept active mode");
		else
			diag_warn(d, AT(srv->line),
				  "pure-ftpd cannot refuse PORT/EPRT; the firewall drops active data "
				  "connections from its source ports (20, 2-16) but not from an "
				  "ephemeral port it falls back to when those are taken");
	}
	if (has_passive(srv) && srv->limits.max_clients > 0 &&
	    srv->limits.max_clients > (unsigned)(srv->pasv_max - srv->pasv_min + 1) / 2)
		diag_warn(d, AT(srv->limits.line ? srv->limits.line : srv->line),
			  "pure-ftpd caps max-clients at half the passive range (%u); widen the "
			  "range or lower max-clients",
			  (unsigned)(srv->pasv_max - srv->pasv_min + 1) / 2);
}

static void check_server(const struct site *s, const struct site_server *srv, struct diag *d)
{
	if (srv->limits.max_per_ip && srv->limits.max_clients &&
	    srv->limits.max_per_ip > srv->limits.max_clients)
		diag(d, AT(srv->limits.line ? srv->limits.line : srv->line), -EINVAL,
		     "max-per-ip %u is above max-clients %u; lower it",
		     srv->limits.max_per_ip, srv->limits.max_clients);
	if (!srv->users.anonymous && !srv->users.local)
		diag(d, AT(srv->users.line ? srv->users.line : srv->line), -EINVAL,
		     "server '%s' lets no user in (anonymous=\"no\" local=\"no\"); allow one",
		     srv->name);
	if (srv->users.anonymous_root && !srv->users.anonymous)
		diag_warn(d, AT(srv->users.line), "anonymous-root is ignored: anonymous is "
			  "\"no\"");
	if (srv->passive_line && !has_passive(srv))
		diag_warn(d, AT(srv->passive_line), "<passive> is ignored: server '%s' has "
			  "mode \"active\"", srv->name);
	if (srv->active_line && !has_active(srv))
		diag_warn(d, AT(srv->active_line), "<active> is ignored: server '%s' has "
			  "mode \"passive\"", srv->name);
	if (srv->users.anonymous && srv->tls.required && server_has_tls(srv) &&
	    srv->daemon == SITE_DAEMON_PUREFTPD)
		diag_warn(d, AT(srv->tls.line), "pure-ftpd requires TLS of anonymous users "
			  "too; clients without TLS are refused");
	if (srv->daemon != SITE_DAEMON_PUREFTPD && srv->config_path[strlen(srv->config_path) - 1]
	    == '/')
		diag(d, AT(srv->config_line), -EINVAL,
		     "config path '%s' ends in '/', but only pure-ftpd reads a directory; name "
		     "a file", srv->config_path);

	site_check_allow(s, srv, d);
	switch (srv->daemon) {
	case SITE_DAEMON_VSFTPD:
		check_vsftpd(s, srv, d);
		break;
	case SITE_DAEMON_PROFTPD:
		check_proftpd(s, srv, d);
		break;
	case SITE_DAEMON_PUREFTPD:
		check_pureftpd(s, srv, d);
		break;
	}
}

/*
 * An integration lets ftpcfg's own table decide and tells the other
 * manager to follow; attach mode writes into a table of the host's
 * instead, and the two together would do each thing twice.
 */
static void check_backend(const struct site *s, struct diag *d)
{
	const struct site_firewall *fw = &s->firewall;

	if (!fw->unchecked && fw->zone && fw->backend != SITE_BACKEND_FIREWALLD)
		diag(d, AT(fw->line), -EINVAL, "zone '%s' is a firewalld zone, but the backend is "
		     "'%s'; add backend=\"firewalld\", or remove zone", fw->zone,
		     site_backend_name(fw->backend));
	if (fw->unchecked || fw->backend == SITE_BACKEND_NFTABLES || !fw->has_attach)
		return;
	diag(d, AT(fw->line), -EINVAL, "backend '%s' and attach '%s %s %s' both given; the "
	     "%s backend works with ftpcfg's own table: remove attach", site_backend_name(fw->backend),
	     fw->attach_family, fw->attach_table, fw->attach_chain, site_backend_name(fw->backend));
}

void site_check(const struct site *s, struct diag *d)
{
	check_backend(s, d);
	check_names(s, d);
	check_listeners(s, d);
	check_ports(s, d);
	for (size_t i = 0; i < s->n_servers; i++)
		check_server(s, &s->servers[i], d);
}
