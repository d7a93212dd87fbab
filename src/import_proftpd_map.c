/*
 * import_proftpd_map: proftpd's server-level directives and the few blocks
 * the model knows (<Limit EPRT PORT> DenyAll and the like, <Anonymous>)
 * onto the site; proftpd 1.3.8's defaults where the file is silent.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "import_proftpd.h"

/* The server-level directives the model owns, last one wins. */
enum pk {
	PK_PORT, PK_DEFAULTADDRESS, PK_SOCKETBINDTIGHT, PK_USEIPV6, PK_ROOTREVOKE,
	PK_PASSIVEPORTS, PK_MASQUERADEADDRESS, PK_TLSENGINE, PK_TLSCERT, PK_TLSKEY,
	PK_TLSREQUIRED, PK_DEFAULTROOT, PK_MAXCLIENTS, PK_MAXCLIENTSPERHOST, PK_TIMEOUTIDLE,
	PK_SERVERIDENT, PK_TLSOPTIONS,
	PK_N,
};

static const char *const pk_names[PK_N] = {
	[PK_PORT] = "Port", [PK_DEFAULTADDRESS] = "DefaultAddress",
	[PK_SOCKETBINDTIGHT] = "SocketBindTight", [PK_USEIPV6] = "UseIPv6",
	[PK_ROOTREVOKE] = "RootRevoke", [PK_PASSIVEPORTS] = "PassivePorts",
	[PK_MASQUERADEADDRESS] = "MasqueradeAddress", [PK_TLSENGINE] = "TLSEngine",
	[PK_TLSCERT] = "TLSRSACertificateFile", [PK_TLSKEY] = "TLSRSACertificateKeyFile",
	[PK_TLSREQUIRED] = "TLSRequired", [PK_DEFAULTROOT] = "DefaultRoot",
	[PK_MAXCLIENTS] = "MaxClients", [PK_MAXCLIENTSPERHOST] = "MaxClientsPerHost",
	[PK_TIMEOUTIDLE] = "TimeoutIdle", [PK_SERVERIDENT] = "ServerIdent",
	[PK_TLSOPTIONS] = "TLSOptions",
};

struct pmap {
	struct pro *p;
	const char *file;
	long item[PK_N];
};

static struct import_item *it(struct pmap *m, enum pk k)
{
	return m->item[k] >= 0 ? &m->p->ic->res->items[m->item[k]] : NULL;
}

static const char *val(struct pmap *m, enum pk k)
{
	return it(m, k) ? it(m, k)->value : NULL;
}

static int set(struct pmap *m, enum pk k, enum import_fate fate, const char *why)
{
	if (m->item[k] < 0)
		return 0;
	return import_item_set(m->p->ic, (size_t)m->item[k], fate, "%s", why);
}

static bool on(struct pmap *m, enum pk k, bool dflt)
{
	const char *v = val(m, k);

	if (!v)
		return dflt;
	return !strcasecmp(v, "on") || !strcasecmp(v, "yes") || !strcasecmp(v, "true") ||
	       !strcmp(v, "1");
}

static int bad(struct pmap *m, enum pk k, const char *expected)
{
	struct import_item *i = it(m, k);

	m->p->ic->errors++;
	return diag(m->p->ic->d, &(struct srcloc){ i->file, i->line }, -EINVAL,
		    "%s '%s' is not %s", i->name, i->value, expected);
}

/* ---- blocks ---------------------------------------------------------- */

static bool words_are(const char *args, const char *a, const char *b)
{
	char w1[16] = "";
	char w2[16] = "";
	char w3[16] = "";
	int n = sscanf(args, "%15s %15s %15s", w1, w2, w3);

	if (!b)
		return n == 1 && !strcasecmp(w1, a);
	return n == 2 && ((!strcasecmp(w1, a) && !strcasecmp(w2, b)) ||
			  (!strcasecmp(w1, b) && !strcasecmp(w2, a)));
}

/* The one directive inside [first, end) (a <Limit>'s DenyAll), or NULL. */
static const struct import_item *only_inner(struct pro *p, size_t first, size_t end)
{
	if (end - first != 2)	/* the directive and the closing line */
		return NULL;
	return &p->ic->res->items[first];
}

static int report_block(struct pro *p, size_t item, size_t first, size_t end, const char *why)
{
	struct import_item *b = &p->ic->res->items[item];
	unsigned open_line = b->line;
	size_t n = end - first - 1;	/* without the closing line */
	int ret = n ? import_item_set(p->ic, item, IMPORT_REPORTED, "%s (left out, with the %zu "
				      "line%s inside)", why, n, n == 1 ? "" : "s")
		    : import_item_set(p->ic, item, IMPORT_REPORTED, "%s (left out)", why);

	for (size_t i = first; ret == 0 && i < end; i++)
		ret = import_item_within(p->ic, i, "inside %s on line %u", b->name, open_line);
	return ret;
}

static int anon_closed(struct pro *p, size_t item, size_t first, size_t end)
{
	struct import_ctx *ic = p->ic;
	const char *dir = ic->res->items[item].value;
	int ret = 0;

	if (p->has_anon)
		return report_block(p, item, first, end, "a second <Anonymous> block; the site "
				    "has one anonymous area");
	p->has_anon = true;
	if (dir[0] == '/' && !strpbrk(dir, " \t\"'\\#")) {
		p->anon_root = strdup(dir);
		if (!p->anon_root)
			return -ENOMEM;
	} else if (strcmp(dir, "~ftp")) {
		import_note(ic, ic->res->items[item].file, "<Anonymous %s>: the site's anonymous "
			    "root is the ftp user's home", dir);
	}
	ret = import_item_set(ic, item, IMPORT_MAPPED, "<users anonymous anonymous-root>");
	for (size_t i = first; ret == 0 && i < end; i++) {
		struct import_item *x = &ic->res->items[i];

		if (x->why)
			continue;	/* a closing line */
		if (!strcasecmp(x->name, "User") || !strcasecmp(x->name, "Group") ||
		    !strcasecmp(x->name, "UserAlias") || !strcasecmp(x->name, "RequireValidShell")) {
			ret = import_item_set(ic, i, IMPORT_IMPLIED, "the rendered <Anonymous> "
					      "block sets the ftp user up");
		} else if (!strcasecmp(x->name, "<Limit>") && i + 2 < end &&
			   !ic->res->items[i + 1].why &&
			   (!strcasecmp(ic->res->items[i + 1].name, "DenyAll") ||
			    !strcasecmp(ic->res->items[i + 1].name, "AllowAll")) &&
			   !strcasecmp(ic->res->items[i + 2].name, "</Limit>") &&
			   (words_are(x->value, "WRITE", NULL) || words_are(x->value, "LOGIN", NULL))) {
			/* Anonymous users never write; LOGIN AllowAll lets them in. */
			ret = import_item_set(ic, i, IMPORT_IMPLIED, "the rendered <Anonymous> "
					      "block says the same");
			if (!ret)
				ret = import_item_set(ic, i + 1, IMPORT_IMPLIED, "the rendered "
						      "<Anonymous> block says the same");
			i++;
		} else {
			ret = import_item_set(ic, i, IMPORT_REPORTED, "the site's anonymous area "
					      "has only what its stylesheet writes");
		}
	}
	return ret;
}

int pro_block_closed(struct pro *p, bool is_limit, bool is_anon, bool nested, size_t item,
		     size_t first, size_t end)
{
	struct import_item *b = &p->ic->res->items[item];
	const struct import_item *inner;
	bool *flag = NULL;

	if (nested)
		return 0;
	if (is_anon)
		return anon_closed(p, item, first, end);
	if (!is_limit)
		return report_block(p, item, first, end, "the site has no per-directory, "
				    "per-host or per-class rules");
	inner = only_inner(p, first, end);
	if (inner && !strcasecmp(inner->name, "DenyAll") && !*inner->value) {
		if (words_are(b->value, "EPRT", "PORT"))
			flag = &p->deny_active;
		else if (words_are(b->value, "EPSV", "PASV"))
			flag = &p->deny_passive;
		else if (words_are(b->value, "WRITE", NULL))
			flag = &p->deny_write;
		else if (words_are(b->value, "LOGIN", NULL))
			flag = &p->deny_login;
	}
	if (!flag)
		return report_block(p, item, first, end, "the site has no per-command rules "
				    "beyond refusing active or passive mode, writes or logins");
	*flag = true;
	if (import_item_set(p->ic, first, IMPORT_MAPPED, "%s", flag == &p->deny_write ?
			    "<users write>" : flag == &p->deny_login ? "<users local>" :
			    "<server mode>") < 0)
		return -ENOMEM;
	return import_item_set(p->ic, item, IMPORT_MAPPED, "%s", flag == &p->deny_write ?
			       "<users write>" : flag == &p->deny_login ? "<users local>" :
			       "<server mode>");
}

/* ---- server-level directives -------------------------------------------- */

static int add_listen(struct site_server *srv, const char *addr, uint16_t port)
{
	struct site_listen *grown = realloc(srv->listens, (srv->n_listens + 1) * sizeof(*grown));
	struct site_listen *l;

	if (!grown)
		return -ENOMEM;
	srv->listens = grown;
	l = &srv->listens[srv->n_listens];
	memset(l, 0, sizeof(*l));
	if (import_parse_addr(addr, &l->addr) < 0)
		return -EINVAL;
	l->port = port;
	l->is_wildcard = !strcmp(addr, "0.0.0.0") || !strcmp(addr, "::");
	srv->n_listens++;
	return 0;
}

static int map_listen(struct pmap *m)
{
	struct site_server *srv = m->p->ic->srv;
	unsigned long port = 21;
	bool tight = on(m, PK_SOCKETBINDTIGHT, false);
	bool v6 = on(m, PK_USEIPV6, true);
	int ret = 0;

	if (val(m, PK_PORT) && (import_parse_uint(val(m, PK_PORT), 65535, &port) < 0 || !port))
		return bad(m, PK_PORT, "a port from 1 to 65535 (Port 0 turns the server off)");
	set(m, PK_PORT, IMPORT_MAPPED, "<listen port>");
	/* proftpd sends active data from the control port minus one (RootRevoke off). */
	srv->data_port = (uint16_t)(port > 1 ? port - 1 : 20);
	set(m, PK_USEIPV6, IMPORT_MAPPED, "<listen>");
	set(m, PK_SOCKETBINDTIGHT, IMPORT_MAPPED, "<listen>");
	if (tight && val(m, PK_DEFAULTADDRESS)) {
		char *copy = strdup(val(m, PK_DEFAULTADDRESS));
		char *save = NULL;

		if (!copy)
			return -ENOMEM;
		for (char *a = strtok_r(copy, " \t", &save); a && ret == 0;
		     a = strtok_r(NULL, " \t", &save))
			ret = add_listen(srv, a, (uint16_t)port);
		free(copy);
		if (ret == -EINVAL) {
			free(srv->listens);
			srv->listens = NULL;
			srv->n_listens = 0;
			set(m, PK_DEFAULTADDRESS, IMPORT_REPORTED, "the site needs IP addresses, "
			    "not names or interfaces; it listens on every address");
			ret = 0;
		} else {
			set(m, PK_DEFAULTADDRESS, IMPORT_MAPPED, "<listen address>");
		}
	} else {
		set(m, PK_DEFAULTADDRESS, IMPORT_IMPLIED, "without effect on the sockets with "
		    "SocketBindTight off: proftpd listens on every address");
	}
	if (ret < 0 || srv->n_listens)
		return ret;
	ret = add_listen(srv, "0.0.0.0", (uint16_t)port);
	if (!ret && v6)
		ret = add_listen(srv, "::", (uint16_t)port);
	return ret;
}

static int map_data(struct pmap *m)
{
	struct site_server *srv = m->p->ic->srv;
	unsigned long lo;
	unsigned long hi;

	srv->mode = m->p->deny_active ? SITE_MODE_PASSIVE : m->p->deny_passive ? SITE_MODE_ACTIVE
									       : SITE_MODE_BOTH;
	if (m->p->deny_active && m->p->deny_passive) {
		import_note(m->p->ic, m->file, "both active and passive mode are refused, so no "
			    "transfer can work; the site allows passive mode");
		srv->mode = SITE_MODE_PASSIVE;
	}
	if (srv->mode & SITE_MODE_ACTIVE) {
		if (on(m, PK_ROOTREVOKE, true)) {
			const char *why = "with RootRevoke on (proftpd's default) active data "
					  "comes from any port; the site sends it from the control "
					  "port minus one (RootRevoke off), which its firewall allows";

			if (it(m, PK_ROOTREVOKE))
				set(m, PK_ROOTREVOKE, IMPORT_REPORTED, why);
			else
				import_note(m->p->ic, m->file, "%s", why);
		} else {
			set(m, PK_ROOTREVOKE, IMPORT_MAPPED, "<active>");
		}
	} else {
		set(m, PK_ROOTREVOKE, IMPORT_IMPLIED, "without effect with active mode refused");
	}
	if (!(srv->mode & SITE_MODE_PASSIVE)) {
		set(m, PK_PASSIVEPORTS, IMPORT_IMPLIED, "without effect with passive mode refused");
		set(m, PK_MASQUERADEADDRESS, IMPORT_IMPLIED, "without effect with passive mode "
		    "refused");
		return 0;
	}
	if (val(m, PK_PASSIVEPORTS)) {
		char a[16];
		char b[16];
		char extra;

		if (sscanf(val(m, PK_PASSIVEPORTS), "%15s %15s %c", a, b, &extra) != 2 ||
		    import_parse_uint(a, 65535, &lo) < 0 || import_parse_uint(b, 65535, &hi) < 0 ||
		    lo < 1024 || lo > hi)
			return bad(m, PK_PASSIVEPORTS, "'MIN MAX' with 1024 <= MIN <= MAX");
		srv->pasv_min = (uint16_t)lo;
		srv->pasv_max = (uint16_t)hi;
		set(m, PK_PASSIVEPORTS, IMPORT_MAPPED, "<passive min-port max-port>");
	} else {
		import_note(m->p->ic, m->file, "no PassivePorts: proftpd uses any port; the site "
			    "opens 40000-40099");
	}
	if (val(m, PK_MASQUERADEADDRESS)) {
		if (import_parse_addr(val(m, PK_MASQUERADEADDRESS), &srv->external) == 0) {
			srv->has_external = true;
			set(m, PK_MASQUERADEADDRESS, IMPORT_MAPPED, "<passive external-address>");
		} else {
			set(m, PK_MASQUERADEADDRESS, IMPORT_REPORTED, "the site needs the external "
			    "address as an IP address, not a name");
		}
	}
	return 0;
}

static int map_tls(struct pmap *m)
{
	struct site_server *srv = m->p->ic->srv;
	const char *req = val(m, PK_TLSREQUIRED);
	const char *opts = val(m, PK_TLSOPTIONS);
	int ret;

	if (!on(m, PK_TLSENGINE, false)) {
		set(m, PK_TLSENGINE, IMPORT_MAPPED, "<tls mode>");
		set(m, PK_TLSCERT, IMPORT_IMPLIED, "without effect with TLSEngine off");
		set(m, PK_TLSKEY, IMPORT_IMPLIED, "without effect with TLSEngine off");
		set(m, PK_TLSREQUIRED, IMPORT_IMPLIED, "without effect with TLSEngine off");
		return 0;
	}
	if (!val(m, PK_TLSCERT))
		return bad(m, PK_TLSENGINE, "usable without TLSRSACertificateFile (mod_tls "
			   "refuses TLS without a certificate); add it");
	srv->tls.mode = opts && strcasestr(opts, "UseImplicitSSL") ? SITE_TLS_IMPLICIT
								    : SITE_TLS_EXPLICIT;
	ret = import_set_str(&srv->tls.cert, val(m, PK_TLSCERT));
	if (!ret)
		ret = import_set_str(&srv->tls.key, val(m, PK_TLSKEY) ? val(m, PK_TLSKEY)
								      : val(m, PK_TLSCERT));
	if (ret < 0)
		return ret;
	set(m, PK_TLSENGINE, IMPORT_MAPPED, "<tls mode>");
	set(m, PK_TLSCERT, IMPORT_MAPPED, "<tls cert>");
	set(m, PK_TLSKEY, IMPORT_MAPPED, "<tls key>");
	srv->tls.required = req && (!strcasecmp(req, "on") || !strcasecmp(req, "auth+data"));
	if (!req || !strcasecmp(req, "on") || !strcasecmp(req, "off") ||
	    !strcasecmp(req, "auth+data"))
		set(m, PK_TLSREQUIRED, IMPORT_MAPPED, "<tls required>");
	else
		set(m, PK_TLSREQUIRED, IMPORT_REPORTED, "the site requires TLS on control and "
		    "data connections, or on neither; it requires neither");
	if (opts && srv->tls.mode == SITE_TLS_IMPLICIT) {
		/* The other options pass through: mod_tls reads every TLSOptions line. */
		if (!strcasecmp(opts, "UseImplicitSSL"))
			return set(m, PK_TLSOPTIONS, IMPORT_MAPPED, "<tls mode>");
	}
	return 0;
}

static int map_users_limits(struct pmap *m)
{
	struct site_server *srv = m->p->ic->srv;
	unsigned long n;
	const char *root = val(m, PK_DEFAULTROOT);

	srv->users.anonymous = m->p->has_anon;
	srv->users.anonymous_root = m->p->anon_root;
	m->p->anon_root = NULL;
	srv->users.local = !m->p->deny_login;
	srv->users.write = !m->p->deny_write;
	srv->users.chroot = root && !strcmp(root, "~");
	if (root && strcmp(root, "~"))
		set(m, PK_DEFAULTROOT, IMPORT_REPORTED, "the site chroots users to their home "
		    "(DefaultRoot ~) or not at all; it does not chroot them");
	else
		set(m, PK_DEFAULTROOT, IMPORT_MAPPED, "<users chroot>");
	if (m->p->deny_login && !m->p->has_anon)
		import_note(m->p->ic, m->file, "every login is refused; the site lets local users "
			    "in");
	srv->users.local |= !m->p->has_anon;

	srv->limits.max_clients = 0;
	srv->limits.max_per_ip = 0;
	srv->limits.idle_timeout = 600;
	if (val(m, PK_MAXCLIENTS)) {
		if (!strcasecmp(val(m, PK_MAXCLIENTS), "none"))
			n = 0;
		else if (import_parse_uint(val(m, PK_MAXCLIENTS), 100000, &n) < 0)
			return set(m, PK_MAXCLIENTS, IMPORT_REPORTED, "the site takes a bare number "
				   "from 0 to 100000 (no message)");
		srv->limits.max_clients = (unsigned)n;
		set(m, PK_MAXCLIENTS, IMPORT_MAPPED, "<limits max-clients>");
	}
	if (val(m, PK_MAXCLIENTSPERHOST)) {
		if (!strcasecmp(val(m, PK_MAXCLIENTSPERHOST), "none"))
			n = 0;
		else if (import_parse_uint(val(m, PK_MAXCLIENTSPERHOST), 100000, &n) < 0)
			return set(m, PK_MAXCLIENTSPERHOST, IMPORT_REPORTED, "the site takes a bare "
				   "number from 0 to 100000 (no message)");
		srv->limits.max_per_ip = (unsigned)n;
		set(m, PK_MAXCLIENTSPERHOST, IMPORT_MAPPED, "<limits max-per-ip>");
	}
	if (val(m, PK_TIMEOUTIDLE)) {
		if (import_parse_uint(val(m, PK_TIMEOUTIDLE), 86400, &n) < 0 || !n)
			return set(m, PK_TIMEOUTIDLE, IMPORT_REPORTED, "the site's idle timeout is "
				   "1 to 86400 seconds");
		srv->limits.idle_timeout = (unsigned)n;
		set(m, PK_TIMEOUTIDLE, IMPORT_MAPPED, "<limits idle-timeout>");
	}
	if (val(m, PK_SERVERIDENT)) {
		const char *v = val(m, PK_SERVERIDENT);
		size_t len = strlen(v);

		if (!strcasecmp(v, "on"))
			return set(m, PK_SERVERIDENT, IMPORT_MAPPED, "<banner> (absent)");
		if (!strncasecmp(v, "on \"", 4) && len > 5 && v[len - 1] == '"') {
			char *text = strndup(v + 4, len - 5);
			size_t o = 0;

			if (!text)
				return -ENOMEM;
			/* proftpd unescapes \" and \\ inside quotes. */
			for (size_t i = 0; text[i]; i++) {
				if (text[i] == '\\' && text[i + 1])
					i++;
				text[o++] = text[i];
			}
			text[o] = '\0';
			free(srv->banner);
			srv->banner = text;
			return set(m, PK_SERVERIDENT, IMPORT_MAPPED, "<banner>");
		}
		return set(m, PK_SERVERIDENT, IMPORT_REPORTED, "the site shows proftpd's own "
			   "greeting or the <banner> text; it shows proftpd's own");
	}
	return 0;
}

int import_proftpd(struct import_ctx *ic, const char *path)
{
	struct pro p = { .ic = ic };
	struct pmap m = { .p = &p };
	char *full = NULL;
	size_t first = ic->res->n_items;
	int ret;

	for (size_t k = 0; k < PK_N; k++)
		m.item[k] = -1;
	ret = import_full_path(ic, path, &full);
	if (ret < 0)
		return ret;
	m.file = full;
	ret = pro_read(&p, path);
	if (ret < 0 || ic->errors)
		goto out;
	/* The server-level directives: still without a fate after the blocks closed. */
	for (size_t i = first; i < ic->res->n_items; i++) {
		struct import_item *x = &ic->res->items[i];

		if (x->why || x->fate != IMPORT_REPORTED)
			continue;
		for (size_t k = 0; k < PK_N; k++) {
			if (strcasecmp(x->name, pk_names[k]))
				continue;
			if (m.item[k] >= 0)
				import_item_set(ic, (size_t)m.item[k], IMPORT_IMPLIED,
						"replaced by %s:%u", x->file, x->line);
			m.item[k] = (long)i;
		}
	}
	if (map_listen(&m) == -ENOMEM || map_data(&m) == -ENOMEM || map_tls(&m) == -ENOMEM ||
	    map_users_limits(&m) == -ENOMEM) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = first; i < ic->res->n_items; i++) {
		struct import_item *x = &ic->res->items[i];

		if (x->why || x->fate != IMPORT_REPORTED)
			continue;
		/* With <tls> on the rendered file loads mod_tls itself. */
		if (!strcasecmp(x->name, "LoadModule") && !strcasecmp(x->value, "mod_tls.c") &&
		    ic->srv->tls.mode != SITE_TLS_OFF) {
			import_item_set(ic, i, IMPORT_IMPLIED, "the rendered file loads mod_tls");
			continue;
		}
		ret = import_pass(ic, i);
		if (ret == -ENOMEM)
			goto out;
	}
	ret = 0;
out:
	for (size_t i = 0; i < p.n_loaded; i++)
		free(p.loaded[i]);
	free(p.anon_root);
	free(full);
	return ret;
}
