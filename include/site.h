/*
 * site: the site description as plain C data.  site_load() parses a file
 * with libxml2 against templates/site.xsd, fills every default and runs the
 * checks no schema can express.  Nothing here acts on the host.
 */
#ifndef FTPCFG_SITE_H
#define FTPCFG_SITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "directives.h"

/*
 * A site file larger than this is refused before parsing (a typo, not a
 * site).  An allowlist may hold 100 000 networks: written one per line,
 * indented, at IPv6's longest that is about 7 MB, so 16 MiB leaves room
 * for comments while the parsed tree stays under about 750 MB.
 */
#define SITE_MAX_BYTES (16u * 1024 * 1024)

enum site_daemon {
	SITE_DAEMON_VSFTPD,
	SITE_DAEMON_PROFTPD,
	SITE_DAEMON_PUREFTPD,
};

/* Bit flags: SITE_MODE_BOTH is both bits. */
enum site_mode {
	SITE_MODE_ACTIVE = 1U << 0,
	SITE_MODE_PASSIVE = 1U << 1,
	SITE_MODE_BOTH = SITE_MODE_ACTIVE | SITE_MODE_PASSIVE,
};

enum site_helper {
	SITE_HELPER_AUTO,
	SITE_HELPER_NO,
};

/*
 * Who else must let the site's FTP traffic through: nothing (ftpcfg's own
 * table is the firewall), iptables-nft (one rule accepting ftpcfg's ct
 * mark), or firewalld (a service and the site's sources in a zone).
 */
enum site_backend {
	SITE_BACKEND_NFTABLES,
	SITE_BACKEND_IPTABLES,
	SITE_BACKEND_FIREWALLD,
};

/* The ct mark bit(s) the iptables backend sets and accepts, when the site names none. */
#define SITE_DEFAULT_MARK 0x00002000U

enum site_tls_mode {
	SITE_TLS_OFF,
	SITE_TLS_EXPLICIT,
	SITE_TLS_IMPLICIT,
};

/* An IPv4 or IPv6 address; v4 is stored in the first 4 bytes. */
struct site_addr {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t bytes[16];
};

struct site_net {
	struct site_addr addr;	/* host bits are zero (checked) */
	unsigned prefix;
	unsigned line;
};

/*
 * An IPv4 network as one sortable number: its address, its prefix length,
 * and its index in its allowlist (24 bits: a site under SITE_MAX_BYTES
 * holds fewer than 700 000 networks).  Sorted, equal networks are adjacent
 * in their lines' order, and the sort key is 8 bytes instead of the 28 of
 * a struct site_net.
 */
#define SITE_V4KEY_INDEX_BITS 24

static inline uint64_t site_v4key(const struct site_net *n, size_t index)
{
	const uint8_t *b = n->addr.bytes;

	return (uint64_t)b[0] << 56 | (uint64_t)b[1] << 48 | (uint64_t)b[2] << 40 |
	       (uint64_t)b[3] << 32 | (uint64_t)(n->prefix & 0xff) << SITE_V4KEY_INDEX_BITS |
	       (uint64_t)index;
}

static inline uint32_t site_v4key_addr(uint64_t k)
{
	return (uint32_t)(k >> 32);
}

static inline unsigned site_v4key_prefix(uint64_t k)
{
	return (unsigned)(k >> SITE_V4KEY_INDEX_BITS) & 0xff;
}

static inline size_t site_v4key_index(uint64_t k)
{
	return (size_t)(k & ((1u << SITE_V4KEY_INDEX_BITS) - 1));
}

struct site_listen {
	struct site_addr addr;
	bool is_wildcard;	/* 0.0.0.0 or :: */
	uint16_t port;
	unsigned line;
};

struct site_tls {
	enum site_tls_mode mode;
	bool required;
	char *cert;		/* NULL when TLS is off */
	char *key;		/* may equal cert's value (a bundle) */
	unsigned line;
};

struct site_users {
	bool anonymous;
	bool local;
	bool chroot;
	bool write;
	char *anonymous_root;	/* NULL: the ftp user's home */
	unsigned line;
};

struct site_limits {
	unsigned max_clients;	/* 0: unlimited */
	unsigned max_per_ip;	/* 0: unlimited */
	unsigned idle_timeout;	/* seconds */
	unsigned line;
};

/*
 * A directive the model has no element for, written verbatim into the
 * daemon's file (<directive name="NAME">VALUE</directive>).  The name is
 * one the daemon knows and the model does not own (site_directive.c).
 */
struct site_directive {
	char *name;		/* as the daemon's documentation spells it */
	char *value;		/* one line; may be empty */
	unsigned line;
};

struct site_server {
	char *name;
	enum site_daemon daemon;
	enum site_mode mode;
	unsigned line;

	char *config_path;	/* absolute; pure-ftpd: ends in '/' for Debian's conf dir */
	char *reload;		/* NULL: the daemon's default (see README) */
	unsigned config_line;

	struct site_listen *listens;
	size_t n_listens;

	uint16_t data_port;	/* active mode source port */
	unsigned active_line;

	uint16_t pasv_min;
	uint16_t pasv_max;
	bool has_external;
	struct site_addr external;
	unsigned passive_line;

	struct site_tls tls;
	struct site_users users;
	struct site_limits limits;

	bool has_allow;		/* false: any source */
	struct site_net *allow;	/* in the file's order */
	size_t n_allow;
	/*
	 * Owned, made once as the site is read, for the duplicate check and
	 * the ruleset's sets: allow's IPv4 networks as keys (site_v4key())
	 * sorted by address, prefix, then line, and the indices in allow of
	 * its IPv6 networks in the same order.  Made when n_allow_v4 +
	 * n_allow_v6 == n_allow (site_allow_sorted()); otherwise (memory
	 * short) both are empty and each does without.
	 */
	uint64_t *allow_v4;
	size_t n_allow_v4;
	uint32_t *allow_v6;
	size_t n_allow_v6;
	unsigned allow_line;

	char *banner;		/* NULL: the daemon's own greeting */
	unsigned banner_line;

	struct site_directive *directives;	/* in document order */
	size_t n_directives;
};

struct site_firewall {
	char *table;		/* standalone table name, default "ftpcfg" */
	enum site_helper helper;
	bool counters;
	bool has_attach;
	char *attach_family;	/* "inet", "ip" or "ip6" */
	char *attach_table;
	char *attach_chain;
	enum site_backend backend;
	uint32_t mark;		/* the ct mark bits of accepted FTP connections (iptables) */
	char *zone;		/* firewalld: the zone to open FTP in; NULL: the default zone */
	unsigned line;
	/* <firewall> failed the schema: these are defaults (only in a load that fails). */
	bool unchecked;
};

struct site {
	char *file;		/* the path it was read from, for messages */
	char *name;
	unsigned version;
	unsigned line;
	struct site_firewall firewall;
	struct site_server *servers;
	size_t n_servers;
	size_t n_plain;		/* networks read as plain lines, without libxml2 (site_runs.c) */
};

/*
 * Parse, fill defaults and check @path against the schema in @schema_path.
 * Every problem goes to @d.  On success *out is a new site owned by the
 * caller (free with site_free()).  Returns 0, -EINVAL (invalid site: see @d),
 * -ENOENT/-EACCES/-EISDIR (cannot read the file) or -ENOMEM.
 */
int site_load(const char *path, const char *schema_path, struct diag *d, struct site **out);

/* The same from memory; @name is used in messages. */
int site_load_buffer(const char *name, const char *buf, size_t len, const char *schema_path,
		     struct diag *d, struct site **out);

void site_free(struct site *s);

bool server_has_tls(const struct site_server *srv);
/* The plain control channel can be read by the conntrack helper. */
bool server_uses_helper(const struct site *s, const struct site_server *srv);
/* The passive range must be opened explicitly (TLS, helper="no", external address). */
bool server_passive_explicit(const struct site *s, const struct site_server *srv);

/* The allowlist's sorted keys were made (allow_v4, allow_v6): see struct site_server. */
static inline bool site_allow_sorted(const struct site_server *srv)
{
	return srv->n_allow_v4 + srv->n_allow_v6 == srv->n_allow;
}

/* Which directive names apply to @srv (enum directive_set of directives.h). */
enum directive_set site_server_directive_set(const struct site_server *srv);

const char *site_daemon_name(enum site_daemon d);
/* The daemon's configuration path and reload command when the site names none. */
const char *site_daemon_default_path(enum site_daemon d);
const char *site_daemon_default_reload(enum site_daemon d);
const char *site_mode_name(enum site_mode m);
const char *site_tls_mode_name(enum site_tls_mode m);
const char *site_backend_name(enum site_backend b);

/* Format an address or network into @buf (INET6_ADDRSTRLEN + 4 is enough). */
int site_addr_format(const struct site_addr *a, char *buf, size_t size);
int site_net_format(const struct site_net *n, char *buf, size_t size);

#endif
