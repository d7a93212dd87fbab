/*
 * import_pureftpd: pure-ftpd's own configuration file ("Key value" lines)
 * or Debian's /etc/pure-ftpd/conf/ directory (one file per option, read
 * by pure-ftpd-wrapper) onto the site model.  Pure-FTPd's built-in
 * defaults stand where the configuration is silent.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "import_internal.h"

enum pf_key {
	PF_BIND, PF_IPV4ONLY, PF_IPV6ONLY, PF_NATMODE, PF_PASSIVEPORTRANGE, PF_FORCEPASSIVEIP,
	PF_TLS, PF_CERTFILE, PF_CERTFILEANDKEY, PF_NOANONYMOUS, PF_ANONYMOUSONLY,
	PF_PAMAUTHENTICATION, PF_CHROOTEVERYONE, PF_MAXCLIENTSNUMBER, PF_MAXCLIENTSPERIP,
	PF_MAXIDLETIME,
	PF_N_KEYS,
};

static const char *const pf_names[PF_N_KEYS] = {
	[PF_BIND] = "Bind", [PF_IPV4ONLY] = "IPV4Only", [PF_IPV6ONLY] = "IPV6Only",
	[PF_NATMODE] = "NATmode", [PF_PASSIVEPORTRANGE] = "PassivePortRange",
	[PF_FORCEPASSIVEIP] = "ForcePassiveIP", [PF_TLS] = "TLS", [PF_CERTFILE] = "CertFile",
	[PF_CERTFILEANDKEY] = "CertFileAndKey", [PF_NOANONYMOUS] = "NoAnonymous",
	[PF_ANONYMOUSONLY] = "AnonymousOnly", [PF_PAMAUTHENTICATION] = "PAMAuthentication",
	[PF_CHROOTEVERYONE] = "ChrootEveryone", [PF_MAXCLIENTSNUMBER] = "MaxClientsNumber",
	[PF_MAXCLIENTSPERIP] = "MaxClientsPerIP", [PF_MAXIDLETIME] = "MaxIdleTime",
};

struct pf {
	struct import_ctx *ic;
	const char *file;	/* what was read, for notes about it as a whole */
	long item[PF_N_KEYS];
};

static struct import_item *item(struct pf *p, enum pf_key k)
{
	return p->item[k] >= 0 ? &p->ic->res->items[p->item[k]] : NULL;
}

static int set(struct pf *p, enum pf_key k, enum import_fate fate, const char *why)
{
	if (p->item[k] < 0)
		return 0;
	return import_item_set(p->ic, (size_t)p->item[k], fate, "%s", why);
}

/* Pure-FTPd and its wrapper read "yes" (any case) as on, anything else as off. */
static bool yes(struct pf *p, enum pf_key k)
{
	return item(p, k) && !strcasecmp(item(p, k)->value, "yes");
}

static int bad(struct pf *p, enum pf_key k, const char *expected)
{
	struct import_item *it = item(p, k);

	p->ic->errors++;
	return diag(p->ic->d, &(struct srcloc){ it->file, it->line }, -EINVAL,
		    "%s '%s' is not %s (pure-ftpd refuses it)", it->name, it->value, expected);
}

static int map_listen(struct pf *p)
{
	struct site_server *srv = p->ic->srv;
	unsigned long port = 21;
	char *addr = NULL;
	size_t n = 0;
	int ret = 0;

	if (item(p, PF_BIND)) {
		char *comma;

		addr = strdup(item(p, PF_BIND)->value);
		if (!addr)
			return -ENOMEM;
		comma = strrchr(addr, ',');
		if (!comma || import_parse_uint(comma + 1, 65535, &port) < 0 || !port) {
			free(addr);
			return bad(p, PF_BIND, "ADDRESS,PORT or ,PORT");
		}
		*comma = '\0';
		set(p, PF_BIND, IMPORT_MAPPED, "<listen>");
	}
	set(p, PF_IPV4ONLY, IMPORT_MAPPED, "<listen address>");
	set(p, PF_IPV6ONLY, IMPORT_MAPPED, "<listen address>");
	srv->listens = calloc(2, sizeof(*srv->listens));
	if (!srv->listens) {
		free(addr);
		return -ENOMEM;
	}
	if (addr && *addr) {
		if (import_parse_addr(addr, &srv->listens[0].addr) < 0)
			ret = bad(p, PF_BIND, "an IP address and a port");
		n = 1;
	} else {
		if (!yes(p, PF_IPV6ONLY))
			srv->listens[n++].addr.family = AF_INET;
		if (!yes(p, PF_IPV4ONLY) || yes(p, PF_IPV6ONLY))
			srv->listens[n++].addr.family = AF_INET6;
		for (size_t i = 0; i < n; i++)
			srv->listens[i].is_wildcard = true;
	}
	for (size_t i = 0; i < n; i++)
		srv->listens[i].port = (uint16_t)port;
	srv->n_listens = n;
	free(addr);
	return ret;
}

static int map_data(struct pf *p)
{
	struct site_server *srv = p->ic->srv;
	unsigned long lo;
	unsigned long hi;

	/* Pure-FTPd cannot refuse PORT: active is always on. */
	srv->mode = yes(p, PF_NATMODE) ? SITE_MODE_ACTIVE : SITE_MODE_BOTH;
	set(p, PF_NATMODE, IMPORT_MAPPED, "<server mode>");
	if (yes(p, PF_NATMODE)) {
		set(p, PF_PASSIVEPORTRANGE, IMPORT_IMPLIED, "without effect with NATmode");
		set(p, PF_FORCEPASSIVEIP, IMPORT_IMPLIED, "without effect with NATmode");
		return 0;
	}
	if (item(p, PF_PASSIVEPORTRANGE)) {
		char *v = item(p, PF_PASSIVEPORTRANGE)->value;
		char *sep = v + strcspn(v, " \t:");
		char *end;
		char save = *sep;

		*sep = '\0';
		end = sep + 1 + strspn(sep + (save ? 1 : 0), " \t");
		if (!save || import_parse_uint(v, 65535, &lo) < 0 ||
		    import_parse_uint(end, 65535, &hi) < 0 || !lo || lo > hi) {
			*sep = save;
			return bad(p, PF_PASSIVEPORTRANGE, "'FIRST LAST' with FIRST <= LAST");
		}
		*sep = save;
		srv->pasv_min = (uint16_t)lo;
		srv->pasv_max = (uint16_t)hi;
		set(p, PF_PASSIVEPORTRANGE, IMPORT_MAPPED, "<passive min-port max-port>");
	} else {
		import_note(p->ic, p->file, "no PassivePortRange: pure-ftpd uses any port; the site opens "
			    "40000-40099");
	}
	if (item(p, PF_FORCEPASSIVEIP)) {
		if (import_parse_addr(item(p, PF_FORCEPASSIVEIP)->value, &srv->external) == 0) {
			srv->has_external = true;
			set(p, PF_FORCEPASSIVEIP, IMPORT_MAPPED, "<passive external-address>");
		} else {
			set(p, PF_FORCEPASSIVEIP, IMPORT_REPORTED, "the site needs the external "
			    "address as an IP address, not a name");
		}
	}
	return 0;
}

static int map_tls(struct pf *p, bool dir)
{
	struct site_server *srv = p->ic->srv;
	unsigned long level = 0;
	int ret = 0;

	if (item(p, PF_TLS) && import_parse_uint(item(p, PF_TLS)->value, 3, &level) < 0)
		return bad(p, PF_TLS, "0, 1, 2 or 3");
	set(p, PF_TLS, IMPORT_MAPPED, "<tls mode required>");
	if (!level) {
		set(p, PF_CERTFILE, IMPORT_IMPLIED, "without effect with TLS 0");
		set(p, PF_CERTFILEANDKEY, IMPORT_IMPLIED, "without effect with TLS 0");
		return 0;
	}
	srv->tls.mode = SITE_TLS_EXPLICIT;
	srv->tls.required = level >= 2;
	if (level == 2)
		set(p, PF_TLS, IMPORT_REPORTED, "TLS 2 lets data connections go in clear; the "
		    "site requires TLS on both (TLS 3)");
	if (dir || (!item(p, PF_CERTFILE) && !item(p, PF_CERTFILEANDKEY))) {
		/* Debian's wrapper and pure-ftpd's build both use this path. */
		ret = import_set_str(&srv->tls.cert, "/etc/ssl/private/pure-ftpd.pem");
		if (!ret)
			ret = import_set_str(&srv->tls.key, "/etc/ssl/private/pure-ftpd.pem");
		return ret;
	}
	if (item(p, PF_CERTFILEANDKEY)) {
		char cert[4096];
		char key[4096];

		if (sscanf(item(p, PF_CERTFILEANDKEY)->value, "\"%4095[^\"]\" \"%4095[^\"]\"",
			   cert, key) != 2)
			return bad(p, PF_CERTFILEANDKEY, "'\"CERT\" \"KEY\"'");
		ret = import_set_str(&srv->tls.cert, cert);
		if (!ret)
			ret = import_set_str(&srv->tls.key, key);
		set(p, PF_CERTFILEANDKEY, IMPORT_MAPPED, "<tls cert key>");
		set(p, PF_CERTFILE, IMPORT_IMPLIED, "replaced by CertFileAndKey");
		return ret;
	}
	ret = import_set_str(&srv->tls.cert, item(p, PF_CERTFILE)->value);
	if (!ret)
		ret = import_set_str(&srv->tls.key, item(p, PF_CERTFILE)->value);
	set(p, PF_CERTFILE, IMPORT_MAPPED, "<tls cert>");
	return ret;
}

static int map_users(struct pf *p)
{
	struct site_users *u = &p->ic->srv->users;

	u->anonymous = !yes(p, PF_NOANONYMOUS);
	u->local = !yes(p, PF_ANONYMOUSONLY);
	u->chroot = yes(p, PF_CHROOTEVERYONE);
	if (!u->anonymous && !u->local) {
		import_note(p->ic, p->file, "NoAnonymous and AnonymousOnly together let no one "
			    "log in; the site lets local users in");
		u->local = true;
	}
	/* Pure-FTPd lets local users write wherever file permissions do. */
	u->write = true;
	set(p, PF_NOANONYMOUS, IMPORT_MAPPED, "<users anonymous>");
	set(p, PF_ANONYMOUSONLY, IMPORT_MAPPED, "<users local>");
	set(p, PF_CHROOTEVERYONE, IMPORT_MAPPED, "<users chroot>");
	if (!item(p, PF_PAMAUTHENTICATION) || yes(p, PF_PAMAUTHENTICATION) || !u->local)
		return set(p, PF_PAMAUTHENTICATION, IMPORT_MAPPED, "<users local>");
	return set(p, PF_PAMAUTHENTICATION, IMPORT_REPORTED, "the site logs local users in "
		   "through PAM, as Debian's package does");
}

static int map_limits(struct pf *p)
{
	struct site_limits *l = &p->ic->srv->limits;
	unsigned long n;

	l->max_clients = 50;
	l->max_per_ip = 0;
	l->idle_timeout = 15 * 60;
	if (item(p, PF_MAXCLIENTSNUMBER)) {
		if (import_parse_uint(item(p, PF_MAXCLIENTSNUMBER)->value, 100000, &n) < 0 || !n)
			return bad(p, PF_MAXCLIENTSNUMBER, "a number from 1 to 100000");
		l->max_clients = (unsigned)n;
		set(p, PF_MAXCLIENTSNUMBER, IMPORT_MAPPED, "<limits max-clients>");
	}
	if (item(p, PF_MAXCLIENTSPERIP)) {
		if (import_parse_uint(item(p, PF_MAXCLIENTSPERIP)->value, 100000, &n) < 0 || !n)
			return bad(p, PF_MAXCLIENTSPERIP, "a number from 1 to 100000");
		l->max_per_ip = (unsigned)n;
		set(p, PF_MAXCLIENTSPERIP, IMPORT_MAPPED, "<limits max-per-ip>");
	}
	if (item(p, PF_MAXIDLETIME)) {
		/* Minutes; the site counts seconds up to a day. */
		if (import_parse_uint(item(p, PF_MAXIDLETIME)->value, 1440, &n) < 0 || !n)
			return bad(p, PF_MAXIDLETIME, "a number of minutes from 1 to 1440");
		l->idle_timeout = (unsigned)n * 60;
		set(p, PF_MAXIDLETIME, IMPORT_MAPPED, "<limits idle-timeout>");
	}
	return 0;
}

static int add(struct pf *p, const char *file, unsigned line, const char *name, const char *value)
{
	int idx = import_item_add(p->ic, file, line, name, value);

	if (idx < 0)
		return idx;
	for (size_t k = 0; k < PF_N_KEYS; k++) {
		if (strcmp(name, pf_names[k]))
			continue;
		if (p->item[k] >= 0)
			import_item_set(p->ic, (size_t)p->item[k], IMPORT_IMPLIED,
					"replaced by %s:%u", file, line);
		p->item[k] = idx;
	}
	return 0;
}

/* Cut "Key value" lines; '#' starts a comment line. */
static int read_conf(struct pf *p, const char *file, char *buf)
{
	unsigned lineno = 0;

	for (char *line = buf, *next; line && *line; line = next) {
		char *key;
		char *value;
		size_t len;

		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		key = line + strspn(line, " \t\r");
		if (*key == '#' || !*key)
			continue;
		if (strlen(key) > IMPORT_MAX_LINE) {
			p->ic->errors++;
			diag(p->ic->d, &(struct srcloc){ file, lineno }, -EINVAL,
			     "line is longer than %u bytes; no pure-ftpd option is",
			     IMPORT_MAX_LINE);
			continue;
		}
		value = key + strcspn(key, " \t");
		if (*value)
			*value++ = '\0';
		value += strspn(value, " \t");
		len = strlen(value);
		while (len && strchr(" \t\r", value[len - 1]))
			value[--len] = '\0';
		if (add(p, file, lineno, key, value) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Each file of conf/: the first line that is not blank nor a comment is the value. */
static int read_dir(struct pf *p, const char *path)
{
	char **names = NULL;
	size_t n = 0;
	int ret;

	ret = import_list_dir(p->ic, path, &names, &n);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < n && ret == 0; i++) {
		char *file = NULL;
		char *full = NULL;
		char *buf = NULL;
		char *value = NULL;
		unsigned line = 0;
		size_t len;
		dev_t dev;
		ino_t ino;

		if (asprintf(&file, "%s/%s", path, names[i]) < 0) {
			ret = -ENOMEM;
			break;
		}
		ret = import_full_path(p->ic, file, &full);
		/* pure-ftpd-wrapper skips other names (editor backups, dpkg leftovers). */
		if (!ret && names[i][strspn(names[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq"
					    "rstuvwxyz0123456789")]) {
			int idx = import_item_add(p->ic, full, 0, names[i], "");

			ret = idx < 0 ? idx : import_item_set(p->ic, (size_t)idx, IMPORT_IMPLIED,
							      "pure-ftpd-wrapper ignores this name");
		} else if (!ret) {
			ret = import_read_file(p->ic, file, &buf, &len, &dev, &ino);
			for (char *l = buf, *next; ret == 0 && l && *l && !value; l = next) {
				size_t vl;

				line++;
				next = strchr(l, '\n');
				if (next)
					*next++ = '\0';
				l += strspn(l, " \t\r");
				vl = strlen(l);
				while (vl && strchr(" \t\r", l[vl - 1]))
					l[--vl] = '\0';
				if (*l && *l != '#')
					value = l;
			}
			/* An empty file is unset (the stylesheet writes those). */
			if (ret == 0 && value)
				ret = add(p, full, line, names[i], value);
			else if (ret == 0) {
				int idx = import_item_add(p->ic, full, 1, names[i], "");

				ret = idx < 0 ? idx : import_item_set(p->ic, (size_t)idx,
					IMPORT_IMPLIED, "an empty file leaves the option unset");
			}
		}
		free(buf);
		free(full);
		free(file);
	}
	import_free_names(names, n);
	return ret;
}

int import_pureftpd(struct import_ctx *ic, const char *path)
{
	struct pf p = { .ic = ic };
	struct stat st;
	char *full = NULL;
	char *buf = NULL;
	char *clean = NULL;
	size_t first = ic->res->n_items;
	size_t len;
	dev_t dev;
	ino_t ino;
	bool dir;
	int ret;

	for (size_t k = 0; k < PF_N_KEYS; k++)
		p.item[k] = -1;
	ret = import_full_path(ic, path, &full);
	if (ret < 0)
		return ret;
	p.file = full;
	dir = lstat(full, &st) == 0 && S_ISDIR(st.st_mode);
	if (dir) {
		/* The site marks Debian's directory format with a trailing '/'. */
		len = strlen(path);
		while (len > 1 && path[len - 1] == '/')
			len--;
		if (asprintf(&clean, "%.*s/", (int)len, path) < 0) {
			ret = -ENOMEM;
			goto out;
		}
		ic->set = DIRECTIVE_SET_PUREFTPD_DIR;
		if (clean[0] == '/') {
			ret = import_set_str(&ic->srv->config_path, clean);
			if (ret < 0)
				goto out;
		}
		clean[len] = '\0';
		ret = read_dir(&p, clean);
	} else {
		ret = import_read_file(ic, path, &buf, &len, &dev, &ino);
		if (ret == 0)
			ret = read_conf(&p, full, buf);
	}
	if (ret < 0)
		goto out;
	if (map_listen(&p) == -ENOMEM || map_data(&p) == -ENOMEM || map_tls(&p, dir) == -ENOMEM ||
	    map_users(&p) == -ENOMEM || map_limits(&p) == -ENOMEM) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = first; i < ic->res->n_items; i++) {
		if (ic->res->items[i].fate != IMPORT_REPORTED || ic->res->items[i].why)
			continue;
		ret = import_pass(ic, i);
		if (ret == -ENOMEM)
			goto out;
	}
	ret = 0;
out:
	free(clean);
	free(buf);
	free(full);
	return ret;
}
