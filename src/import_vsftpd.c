/*
 * import_vsftpd: vsftpd.conf (KEY=VALUE lines, '#' comments, the last line
 * of a key wins) onto the site model.  vsftpd's compiled-in defaults
 * (vsftpd.conf(5)) stand where the file is silent.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "import_internal.h"

/* The keys the model owns, in the order they are looked at. */
enum vs_key {
	VS_LISTEN, VS_LISTEN_IPV6, VS_LISTEN_ADDRESS, VS_LISTEN_ADDRESS6, VS_LISTEN_PORT,
	VS_PORT_ENABLE, VS_CONNECT_FROM_PORT_20, VS_FTP_DATA_PORT,
	VS_PASV_ENABLE, VS_PASV_MIN_PORT, VS_PASV_MAX_PORT, VS_PASV_ADDRESS, VS_PASV_ADDR_RESOLVE,
	VS_SSL_ENABLE, VS_IMPLICIT_SSL, VS_RSA_CERT_FILE, VS_RSA_PRIVATE_KEY_FILE,
	VS_FORCE_LOCAL_LOGINS_SSL, VS_FORCE_LOCAL_DATA_SSL, VS_FORCE_ANON_LOGINS_SSL,
	VS_FORCE_ANON_DATA_SSL,
	VS_ANONYMOUS_ENABLE, VS_ANON_ROOT, VS_LOCAL_ENABLE, VS_WRITE_ENABLE, VS_CHROOT_LOCAL_USER,
	VS_MAX_CLIENTS, VS_MAX_PER_IP, VS_IDLE_SESSION_TIMEOUT, VS_FTPD_BANNER,
	VS_N_KEYS,
};

static const struct {
	const char *name;
	const char *dflt;	/* vsftpd's compiled-in default */
} vs_keys[VS_N_KEYS] = {
	[VS_LISTEN] = { "listen", "NO" },
	[VS_LISTEN_IPV6] = { "listen_ipv6", "NO" },
	[VS_LISTEN_ADDRESS] = { "listen_address", NULL },
	[VS_LISTEN_ADDRESS6] = { "listen_address6", NULL },
	[VS_LISTEN_PORT] = { "listen_port", "21" },
	[VS_PORT_ENABLE] = { "port_enable", "YES" },
	[VS_CONNECT_FROM_PORT_20] = { "connect_from_port_20", "NO" },
	[VS_FTP_DATA_PORT] = { "ftp_data_port", "20" },
	[VS_PASV_ENABLE] = { "pasv_enable", "YES" },
	[VS_PASV_MIN_PORT] = { "pasv_min_port", "0" },
	[VS_PASV_MAX_PORT] = { "pasv_max_port", "0" },
	[VS_PASV_ADDRESS] = { "pasv_address", NULL },
	[VS_PASV_ADDR_RESOLVE] = { "pasv_addr_resolve", "NO" },
	[VS_SSL_ENABLE] = { "ssl_enable", "NO" },
	[VS_IMPLICIT_SSL] = { "implicit_ssl", "NO" },
	[VS_RSA_CERT_FILE] = { "rsa_cert_file", "/usr/share/ssl/certs/vsftpd.pem" },
	[VS_RSA_PRIVATE_KEY_FILE] = { "rsa_private_key_file", NULL },
	[VS_FORCE_LOCAL_LOGINS_SSL] = { "force_local_logins_ssl", "YES" },
	[VS_FORCE_LOCAL_DATA_SSL] = { "force_local_data_ssl", "YES" },
	[VS_FORCE_ANON_LOGINS_SSL] = { "force_anon_logins_ssl", "NO" },
	[VS_FORCE_ANON_DATA_SSL] = { "force_anon_data_ssl", "NO" },
	[VS_ANONYMOUS_ENABLE] = { "anonymous_enable", "NO" },
	[VS_ANON_ROOT] = { "anon_root", NULL },
	[VS_LOCAL_ENABLE] = { "local_enable", "NO" },
	[VS_WRITE_ENABLE] = { "write_enable", "NO" },
	[VS_CHROOT_LOCAL_USER] = { "chroot_local_user", "NO" },
	[VS_MAX_CLIENTS] = { "max_clients", "0" },
	[VS_MAX_PER_IP] = { "max_per_ip", "0" },
	[VS_IDLE_SESSION_TIMEOUT] = { "idle_session_timeout", "300" },
	[VS_FTPD_BANNER] = { "ftpd_banner", NULL },
};

struct vs {
	struct import_ctx *ic;
	const char *file;
	long item[VS_N_KEYS];	/* the item that sets the key last, or -1 */
};

static const char *val(const struct vs *v, enum vs_key k)
{
	return v->item[k] >= 0 ? v->ic->res->items[v->item[k]].value : vs_keys[k].dflt;
}

/* vsftpd reads YES/TRUE/1 and NO/FALSE/0 in any case and refuses anything else. */
static int boolean(struct vs *v, enum vs_key k, bool *out)
{
	const char *s = val(v, k);

	if (!strcasecmp(s, "YES") || !strcasecmp(s, "TRUE") || !strcmp(s, "1")) {
		*out = true;
		return 0;
	}
	if (!strcasecmp(s, "NO") || !strcasecmp(s, "FALSE") || !strcmp(s, "0")) {
		*out = false;
		return 0;
	}
	v->ic->errors++;
	return diag(v->ic->d, &(struct srcloc){ v->file, v->ic->res->items[v->item[k]].line },
		    -EINVAL, "'%s=%s' is not a boolean (vsftpd refuses this file); write YES or NO",
		    vs_keys[k].name, s);
}

static int number(struct vs *v, enum vs_key k, unsigned long max, unsigned long *out)
{
	if (import_parse_uint(val(v, k), max, out) == 0)
		return 0;
	v->ic->errors++;
	return diag(v->ic->d, &(struct srcloc){ v->file, v->ic->res->items[v->item[k]].line },
		    -EINVAL, "'%s=%s' is not a number from 0 to %lu", vs_keys[k].name, val(v, k),
		    max);
}

/* Mark the item of @k (if the file has one) as mapped onto @element. */
static int mapped(struct vs *v, enum vs_key k, const char *element)
{
	if (v->item[k] < 0)
		return 0;
	return import_item_set(v->ic, (size_t)v->item[k], IMPORT_MAPPED, "%s", element);
}

static int implied(struct vs *v, enum vs_key k, const char *why)
{
	if (v->item[k] < 0)
		return 0;
	return import_item_set(v->ic, (size_t)v->item[k], IMPORT_IMPLIED, "%s", why);
}

static int reported(struct vs *v, enum vs_key k, const char *why)
{
	if (v->item[k] < 0)
		return 0;
	return import_item_set(v->ic, (size_t)v->item[k], IMPORT_REPORTED, "%s", why);
}

static int one_listen(struct site_server *srv, const char *addr, uint16_t port)
{
	srv->listens = calloc(1, sizeof(*srv->listens));
	if (!srv->listens)
		return -ENOMEM;
	srv->n_listens = 1;
	srv->listens[0].port = port;
	if (inet_pton(AF_INET, addr, srv->listens[0].addr.bytes) == 1)
		srv->listens[0].addr.family = AF_INET;
	else if (inet_pton(AF_INET6, addr, srv->listens[0].addr.bytes) == 1)
		srv->listens[0].addr.family = AF_INET6;
	else
		return -EINVAL;
	return 0;
}

static int map_listen(struct vs *v)
{
	struct site_server *srv = v->ic->srv;
	unsigned long port;
	bool v4 = false;
	bool v6 = false;
	int ret;

	/* Each check reports its own line: all of them, not the first. */
	ret = boolean(v, VS_LISTEN, &v4);
	ret |= boolean(v, VS_LISTEN_IPV6, &v6);
	ret |= number(v, VS_LISTEN_PORT, 65535, &port);
	if (ret < 0 || port == 0)
		return -EINVAL;
	mapped(v, VS_LISTEN_PORT, "<listen port>");
	mapped(v, VS_LISTEN, "<listen>");
	mapped(v, VS_LISTEN_IPV6, "<listen>");
	if (v4 && v6) {
		v->ic->errors++;
		return diag(v->ic->d, &(struct srcloc){ v->file, 0 }, -EINVAL, "listen and "
			    "listen_ipv6 are both YES, which vsftpd refuses; keep one");
	}
	if (!v4 && !v6) {
		import_note(v->ic, v->file, "neither listen nor listen_ipv6 is YES: this vsftpd is "
			    "started by inetd; the site runs it standalone on port %lu", port);
		implied(v, VS_LISTEN_ADDRESS, "without effect under inetd");
		implied(v, VS_LISTEN_ADDRESS6, "without effect under inetd");
		goto dual;
	}
	if (v4 && v->item[VS_LISTEN_ADDRESS] >= 0) {
		ret = one_listen(srv, val(v, VS_LISTEN_ADDRESS), (uint16_t)port);
		if (ret == -EINVAL)
			return reported(v, VS_LISTEN_ADDRESS, "not an IPv4 address") < 0 ? -ENOMEM
											   : 0;
		mapped(v, VS_LISTEN_ADDRESS, "<listen address>");
		implied(v, VS_LISTEN_ADDRESS6, "without effect with listen=YES");
		return ret;
	}
	if (v6 && v->item[VS_LISTEN_ADDRESS6] >= 0) {
		ret = one_listen(srv, val(v, VS_LISTEN_ADDRESS6), (uint16_t)port);
		if (ret == -EINVAL)
			return reported(v, VS_LISTEN_ADDRESS6, "not an IPv6 address") < 0 ? -ENOMEM
											    : 0;
		mapped(v, VS_LISTEN_ADDRESS6, "<listen address>");
		implied(v, VS_LISTEN_ADDRESS, "without effect with listen_ipv6=YES");
		return ret;
	}
	implied(v, VS_LISTEN_ADDRESS, "without effect with listen_ipv6=YES");
	implied(v, VS_LISTEN_ADDRESS6, "without effect with listen=YES");
	if (v4) {
		ret = one_listen(srv, "0.0.0.0", (uint16_t)port);
		return ret;
	}
dual:
	/* listen_ipv6 without an address: [::], dual stack; the model's two wildcards. */
	srv->listens = calloc(2, sizeof(*srv->listens));
	if (!srv->listens)
		return -ENOMEM;
	srv->n_listens = 2;
	srv->listens[0].addr.family = AF_INET;
	srv->listens[1].addr.family = AF_INET6;
	for (size_t i = 0; i < 2; i++) {
		srv->listens[i].port = (uint16_t)port;
		srv->listens[i].is_wildcard = true;
	}
	return 0;
}

static int map_data(struct vs *v)
{
	struct site_server *srv = v->ic->srv;
	unsigned long lo;
	unsigned long hi;
	unsigned long dport;
	bool active;
	bool passive;
	bool from20;
	bool resolve;

	if (boolean(v, VS_PORT_ENABLE, &active) < 0 || boolean(v, VS_PASV_ENABLE, &passive) < 0 ||
	    boolean(v, VS_CONNECT_FROM_PORT_20, &from20) < 0 ||
	    boolean(v, VS_PASV_ADDR_RESOLVE, &resolve) < 0 ||
	    number(v, VS_FTP_DATA_PORT, 65535, &dport) < 0 ||
	    number(v, VS_PASV_MIN_PORT, 65535, &lo) < 0 ||
	    number(v, VS_PASV_MAX_PORT, 65535, &hi) < 0)
		return -EINVAL;
	mapped(v, VS_PORT_ENABLE, "<server mode>");
	mapped(v, VS_PASV_ENABLE, "<server mode>");
	if (!active && !passive) {
		import_note(v->ic, v->file, "port_enable and pasv_enable are both NO, so no "
			    "transfer can work; the site allows passive mode");
		passive = true;
	}
	srv->mode = active && passive ? SITE_MODE_BOTH : active ? SITE_MODE_ACTIVE
								 : SITE_MODE_PASSIVE;
	if (active) {
		if (dport)
			srv->data_port = (uint16_t)dport;
		mapped(v, VS_FTP_DATA_PORT, "<active data-port>");
		if (from20)
			mapped(v, VS_CONNECT_FROM_PORT_20, "<active>");
		else if (v->item[VS_CONNECT_FROM_PORT_20] >= 0)
			reported(v, VS_CONNECT_FROM_PORT_20, "active data then comes from any "
				 "port; the site sends it from ftp_data_port, which its firewall "
				 "allows");
		else
			import_note(v->ic, v->file, "no connect_from_port_20=YES: vsftpd sends "
				    "active data from any port; the site sends it from port %u, "
				    "which its firewall allows", srv->data_port);
	} else {
		implied(v, VS_FTP_DATA_PORT, "without effect with port_enable=NO");
		implied(v, VS_CONNECT_FROM_PORT_20, "without effect with port_enable=NO");
	}
	if (!passive) {
		implied(v, VS_PASV_MIN_PORT, "without effect with pasv_enable=NO");
		implied(v, VS_PASV_MAX_PORT, "without effect with pasv_enable=NO");
		implied(v, VS_PASV_ADDRESS, "without effect with pasv_enable=NO");
		implied(v, VS_PASV_ADDR_RESOLVE, "without effect with pasv_enable=NO");
		return 0;
	}
	if (lo && hi && lo <= hi) {
		srv->pasv_min = (uint16_t)lo;
		srv->pasv_max = (uint16_t)hi;
		mapped(v, VS_PASV_MIN_PORT, "<passive min-port>");
		mapped(v, VS_PASV_MAX_PORT, "<passive max-port>");
	} else {
		const char *why = "vsftpd uses any port unless both pasv_min_port and "
				  "pasv_max_port are set; the site opens 40000-40099";

		if (v->item[VS_PASV_MIN_PORT] < 0 && v->item[VS_PASV_MAX_PORT] < 0)
			import_note(v->ic, v->file, "%s", why);
		reported(v, VS_PASV_MIN_PORT, why);
		reported(v, VS_PASV_MAX_PORT, why);
	}
	if (v->item[VS_PASV_ADDRESS] >= 0) {
		if (!resolve && import_parse_addr(val(v, VS_PASV_ADDRESS),
							&srv->external) == 0) {
			srv->has_external = true;
			mapped(v, VS_PASV_ADDRESS, "<passive external-address>");
		} else {
			reported(v, VS_PASV_ADDRESS, "the site needs the external address as an "
				 "IP address, not a name");
		}
	}
	if (!resolve)
		implied(v, VS_PASV_ADDR_RESOLVE, "vsftpd's default");
	else
		implied(v, VS_PASV_ADDR_RESOLVE, "without effect: the site names an IP address");
	return 0;
}

static int map_tls(struct vs *v, bool anon)
{
	struct site_server *srv = v->ic->srv;
	bool on;
	bool implicit;
	bool ll;
	bool ld;
	bool al;
	bool ad;
	int ret;

	if (boolean(v, VS_SSL_ENABLE, &on) < 0 || boolean(v, VS_IMPLICIT_SSL, &implicit) < 0 ||
	    boolean(v, VS_FORCE_LOCAL_LOGINS_SSL, &ll) < 0 ||
	    boolean(v, VS_FORCE_LOCAL_DATA_SSL, &ld) < 0 ||
	    boolean(v, VS_FORCE_ANON_LOGINS_SSL, &al) < 0 ||
	    boolean(v, VS_FORCE_ANON_DATA_SSL, &ad) < 0)
		return -EINVAL;
	mapped(v, VS_SSL_ENABLE, "<tls mode>");
	if (!on) {
		static const enum vs_key unused[] = {
			VS_IMPLICIT_SSL, VS_RSA_CERT_FILE, VS_RSA_PRIVATE_KEY_FILE,
			VS_FORCE_LOCAL_LOGINS_SSL, VS_FORCE_LOCAL_DATA_SSL,
			VS_FORCE_ANON_LOGINS_SSL, VS_FORCE_ANON_DATA_SSL,
		};

		for (size_t i = 0; i < sizeof(unused) / sizeof(unused[0]); i++)
			implied(v, unused[i], "without effect with ssl_enable=NO");
		return 0;
	}
	srv->tls.mode = implicit ? SITE_TLS_IMPLICIT : SITE_TLS_EXPLICIT;
	mapped(v, VS_IMPLICIT_SSL, "<tls mode>");
	ret = import_set_str(&srv->tls.cert, val(v, VS_RSA_CERT_FILE));
	if (!ret)
		ret = import_set_str(&srv->tls.key, v->item[VS_RSA_PRIVATE_KEY_FILE] >= 0
				     ? val(v, VS_RSA_PRIVATE_KEY_FILE) : val(v, VS_RSA_CERT_FILE));
	if (ret < 0)
		return ret;
	mapped(v, VS_RSA_CERT_FILE, "<tls cert>");
	mapped(v, VS_RSA_PRIVATE_KEY_FILE, "<tls key>");
	/* The site requires TLS of everyone or of no one. */
	srv->tls.required = ll && ld;
	mapped(v, VS_FORCE_LOCAL_LOGINS_SSL, "<tls required>");
	mapped(v, VS_FORCE_LOCAL_DATA_SSL, "<tls required>");
	if (ll != ld)
		import_note(v->ic, v->file, "force_local_logins_ssl and force_local_data_ssl "
			    "differ; the site requires TLS for both or neither: %s",
			    srv->tls.required ? "both" : "neither");
	if (!anon) {
		implied(v, VS_FORCE_ANON_LOGINS_SSL, "without effect with anonymous_enable=NO");
		implied(v, VS_FORCE_ANON_DATA_SSL, "without effect with anonymous_enable=NO");
	} else if (al == srv->tls.required && ad == srv->tls.required) {
		mapped(v, VS_FORCE_ANON_LOGINS_SSL, "<tls required>");
		mapped(v, VS_FORCE_ANON_DATA_SSL, "<tls required>");
	} else {
		const char *why = "the site requires TLS of anonymous users exactly as of local "
				  "ones";

		if (v->item[VS_FORCE_ANON_LOGINS_SSL] < 0 && v->item[VS_FORCE_ANON_DATA_SSL] < 0)
			import_note(v->ic, v->file, "anonymous users may log in without TLS here; "
				    "%s", why);
		reported(v, VS_FORCE_ANON_LOGINS_SSL, why);
		reported(v, VS_FORCE_ANON_DATA_SSL, why);
	}
	return 0;
}

static int map_users(struct vs *v, bool *anon)
{
	struct site_users *u = &v->ic->srv->users;
	int ret;

	if (boolean(v, VS_ANONYMOUS_ENABLE, &u->anonymous) < 0 ||
	    boolean(v, VS_LOCAL_ENABLE, &u->local) < 0 ||
	    boolean(v, VS_WRITE_ENABLE, &u->write) < 0 ||
	    boolean(v, VS_CHROOT_LOCAL_USER, &u->chroot) < 0)
		return -EINVAL;
	*anon = u->anonymous;
	if (!u->anonymous && !u->local) {
		import_note(v->ic, v->file, "neither anonymous_enable nor local_enable is YES, so "
			    "no one can log in; the site lets local users in");
		u->local = true;
	}
	mapped(v, VS_ANONYMOUS_ENABLE, "<users anonymous>");
	mapped(v, VS_LOCAL_ENABLE, "<users local>");
	mapped(v, VS_WRITE_ENABLE, "<users write>");
	mapped(v, VS_CHROOT_LOCAL_USER, "<users chroot>");
	if (v->item[VS_ANON_ROOT] < 0)
		return 0;
	if (!u->anonymous)
		return implied(v, VS_ANON_ROOT, "without effect with anonymous_enable=NO");
	if (val(v, VS_ANON_ROOT)[0] != '/')
		return reported(v, VS_ANON_ROOT, "the site needs an absolute anonymous root");
	ret = import_set_str(&u->anonymous_root, val(v, VS_ANON_ROOT));
	return ret < 0 ? ret : mapped(v, VS_ANON_ROOT, "<users anonymous-root>");
}

static int map_limits(struct vs *v)
{
	struct site_limits *l = &v->ic->srv->limits;
	unsigned long n;

	if (number(v, VS_MAX_CLIENTS, 100000, &n) < 0)
		return -EINVAL;
	l->max_clients = (unsigned)n;
	if (number(v, VS_MAX_PER_IP, 100000, &n) < 0)
		return -EINVAL;
	l->max_per_ip = (unsigned)n;
	if (number(v, VS_IDLE_SESSION_TIMEOUT, 86400, &n) < 0)
		return -EINVAL;
	l->idle_timeout = n ? (unsigned)n : 86400;
	if (!n)
		reported(v, VS_IDLE_SESSION_TIMEOUT, "the site's longest idle timeout is 86400 "
			 "seconds");
	else
		mapped(v, VS_IDLE_SESSION_TIMEOUT, "<limits idle-timeout>");
	mapped(v, VS_MAX_CLIENTS, "<limits max-clients>");
	mapped(v, VS_MAX_PER_IP, "<limits max-per-ip>");
	return 0;
}

/* Cut the file into items; the owned keys remember their last line. */
static int read_lines(struct vs *v, char *buf)
{
	unsigned lineno = 0;

	for (char *line = buf, *next; line && *line; line = next) {
		char *eq;
		int idx;

		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line[0] == '#' || !line[strspn(line, " \t\r")])
			continue;
		if (strlen(line) > IMPORT_MAX_LINE) {
			v->ic->errors++;
			diag(v->ic->d, &(struct srcloc){ v->file, lineno }, -EINVAL,
			     "line is longer than %u bytes; no vsftpd option is", IMPORT_MAX_LINE);
			continue;
		}
		eq = strchr(line, '=');
		if (!eq) {
			v->ic->errors++;
			diag(v->ic->d, &(struct srcloc){ v->file, lineno }, -EINVAL,
			     "'%s' is not KEY=VALUE (vsftpd refuses this file)", line);
			continue;
		}
		*eq = '\0';
		idx = import_item_add(v->ic, v->file, lineno, line, eq + 1);
		if (idx < 0)
			return idx;
		for (size_t k = 0; k < VS_N_KEYS; k++) {
			if (strcmp(line, vs_keys[k].name))
				continue;
			if (v->item[k] >= 0)
				import_item_set(v->ic, (size_t)v->item[k], IMPORT_IMPLIED,
						"replaced by line %u", lineno);
			v->item[k] = idx;
		}
	}
	return 0;
}

int import_vsftpd(struct import_ctx *ic, const char *path)
{
	struct vs v = { .ic = ic };
	char *buf = NULL;
	char *full = NULL;
	size_t first;
	size_t len;
	dev_t dev;
	ino_t ino;
	bool anon = false;
	int ret;

	for (size_t k = 0; k < VS_N_KEYS; k++)
		v.item[k] = -1;
	ret = import_full_path(ic, path, &full);
	if (ret < 0)
		return ret;
	v.file = full;
	ret = import_read_file(ic, path, &buf, &len, &dev, &ino);
	if (ret < 0)
		goto out;
	first = ic->res->n_items;
	ret = read_lines(&v, buf);
	if (ret < 0)
		goto out;
	if (map_listen(&v) == -ENOMEM || map_data(&v) == -ENOMEM ||
	    map_users(&v, &anon) == -ENOMEM || map_tls(&v, anon) == -ENOMEM ||
	    map_limits(&v) == -ENOMEM) {
		ret = -ENOMEM;
		goto out;
	}
	if (v.item[VS_FTPD_BANNER] >= 0) {
		ret = import_set_str(&ic->srv->banner, val(&v, VS_FTPD_BANNER));
		if (ret < 0)
			goto out;
		mapped(&v, VS_FTPD_BANNER, "<banner>");
	}
	/* Whatever no key above took is the daemon's own: pass it through. */
	for (size_t i = first; i < ic->res->n_items; i++) {
		const struct import_item *it = &ic->res->items[i];

		if (it->fate != IMPORT_REPORTED || it->why)
			continue;
		ret = import_pass(ic, i);
		if (ret == -ENOMEM)
			goto out;
	}
	ret = 0;
out:
	free(buf);
	free(full);
	return ret;
}
