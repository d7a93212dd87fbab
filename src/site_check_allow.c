/*
 * site_check_allow: warnings about an allowlist that does not say what it
 * seems to: a network that allows any source, an IPv4-mapped IPv6 network
 * (which no packet carries), a network listed twice, and a network of a
 * family none of its server's listeners takes (left out of the ruleset).
 * Only reads the model.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "site.h"
#include "site_internal.h"

/*
 * Each kind of warning is given this often per server, then summed up: an
 * allowlist of 100 000 networks pasted twice must not bury the rest.
 */
#define MAX_SAME_WARNINGS 10u

#define AT(line) (&(struct srcloc){ s->file, (line) })

/* Whether the attached table (attach="ip ..." or "ip6 ...") holds family @af. */
static bool table_has(const struct site *s, int af)
{
	const char *fam = s->firewall.has_attach ? s->firewall.attach_family : NULL;

	if (fam && !strcmp(fam, "ip"))
		return af == AF_INET;
	if (fam && !strcmp(fam, "ip6"))
		return af == AF_INET6;
	return true;
}

/* Whether a listener of @srv takes @af: a wildcard counts for both, as in ruleset.c. */
static bool listens_on(const struct site_server *srv, int af)
{
	for (size_t i = 0; i < srv->n_listens; i++)
		if (srv->listens[i].is_wildcard || srv->listens[i].addr.family == af)
			return true;
	return false;
}

static bool is_v4_mapped(const struct site_net *n)
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return n->addr.family == AF_INET6 && n->prefix >= 96 &&
	       !memcmp(n->addr.bytes, prefix, sizeof(prefix));
}

static void fmt(const struct site_net *n, char *buf, size_t size)
{
	if (site_net_format(n, buf, size) < 0)
		snprintf(buf, size, "?");
}

static bool same_net(const struct site_net *a, const struct site_net *b)
{
	return a->addr.family == b->addr.family && a->prefix == b->prefix &&
	       !memcmp(a->addr.bytes, b->addr.bytes, sizeof(a->addr.bytes));
}

static void warn_duplicate(const struct site *s, const struct site_server *srv,
			   const struct site_net *x, const struct site_net *first, unsigned *n_warned,
			   struct diag *d)
{
	char text[INET6_ADDRSTRLEN + 5];

	if (++*n_warned > MAX_SAME_WARNINGS)
		return;
	fmt(x, text, sizeof(text));
	diag_warn(d, AT(x->line), "network '%s' is listed twice in server '%s' "
		  "(first on line %u); remove one", text, srv->name, first->line);
}

/*
 * Duplicates, found in the sorted order (IPv4 first, as a family): an
 * allowlist may hold 100 000 networks.  IPv4 networks are equal when their
 * keys are but for the index, and only a duplicate's network is read.
 */
static void check_duplicates(const struct site *s, const struct site_server *srv,
			     struct diag *d)
{
	const struct site_net *v = srv->allow;
	const uint64_t *k4 = srv->allow_v4;
	const uint32_t *k6 = srv->allow_v6;
	unsigned n_warned = 0;

	/* Not sorted when memory was short: a warning is not worth failing for. */
	if (!site_allow_sorted(srv))
		return;
	for (size_t i = 1, first = 0; i < srv->n_allow_v4; i++) {
		if (k4[i] >> SITE_V4KEY_INDEX_BITS != k4[first] >> SITE_V4KEY_INDEX_BITS) {
			first = i;
			continue;
		}
		warn_duplicate(s, srv, &v[site_v4key_index(k4[i])],
			       &v[site_v4key_index(k4[first])], &n_warned, d);
	}
	for (size_t i = 1, first = 0; i < srv->n_allow_v6; i++) {
		if (!same_net(&v[k6[first]], &v[k6[i]])) {
			first = i;
			continue;
		}
		warn_duplicate(s, srv, &v[k6[i]], &v[k6[first]], &n_warned, d);
	}
	if (n_warned > MAX_SAME_WARNINGS)
		diag_warn(d, AT(srv->allow_line), "%u more networks of server '%s' are listed "
			  "twice; remove the copies", n_warned - MAX_SAME_WARNINGS, srv->name);
}

/* What depends on a network's family alone, asked once a list: [0] IPv4, [1] IPv6. */
struct fam_ok {
	bool in_table[2];
	bool taken[2];
};

static void check_net(const struct site *s, const struct site_server *srv,
		      const struct site_net *n, const struct fam_ok *ok, unsigned *n_family,
		      struct diag *d)
{
	unsigned f = n->addr.family != AF_INET;
	const char *fam = f ? "IPv6" : "IPv4";
	char text[INET6_ADDRSTRLEN + 5];
	bool mapped = is_v4_mapped(n);

	/* Formatted only for a warning: most networks get none. */
	if (n->prefix == 0 || mapped || !ok->in_table[f] || !ok->taken[f])
		fmt(n, text, sizeof(text));
	if (n->prefix == 0) {
		diag_warn(d, AT(n->line), "network '%s' allows any %s source, so the "
			  "allowlist restricts nothing for %s; remove <allow> if any source "
			  "is meant", text, fam, fam);
	} else if (mapped) {
		struct site_net v4 = { .prefix = n->prefix - 96, .line = n->line };
		char good[INET6_ADDRSTRLEN + 5];

		v4.addr.family = AF_INET;
		memcpy(v4.addr.bytes, n->addr.bytes + 12, 4);
		fmt(&v4, good, sizeof(good));
		diag_warn(d, AT(n->line), "network '%s' is IPv4-mapped: IPv4 clients arrive "
			  "in IPv4 packets, which it never matches; write '%s'", text, good);
	} else if (!ok->in_table[f] && ++*n_family <= MAX_SAME_WARNINGS) {
		diag_warn(d, AT(n->line), "network '%s' is %s, but the attached table is "
			  "'%s %s'; it is left out of the ruleset", text, fam,
			  s->firewall.attach_family, s->firewall.attach_table);
	} else if (!ok->taken[f] && ++*n_family <= MAX_SAME_WARNINGS) {
		diag_warn(d, AT(n->line), "network '%s' is %s, but no listener of server "
			  "'%s' takes %s; it is left out of the ruleset", text, fam, srv->name,
			  fam);
	}
}

void site_check_allow(const struct site *s, const struct site_server *srv, struct diag *d)
{
	const struct fam_ok ok = {
		{ table_has(s, AF_INET), table_has(s, AF_INET6) },
		{ listens_on(srv, AF_INET), listens_on(srv, AF_INET6) },
	};
	const uint64_t *k4 = srv->allow_v4;
	unsigned n_family = 0;

	if (site_allow_sorted(srv) && !srv->n_allow_v6 && ok.in_table[0] && ok.taken[0]) {
		/*
		 * All IPv4, and the family taken: only a /0 can be warned about,
		 * and its key (address 0, prefix 0) sorts first, in line order.
		 * The other networks are not read at all.
		 */
		for (size_t k = 0; k < srv->n_allow_v4 && k4[k] >> SITE_V4KEY_INDEX_BITS == 0; k++)
			check_net(s, srv, &srv->allow[site_v4key_index(k4[k])], &ok, &n_family, d);
	} else {
		for (size_t i = 0; i < srv->n_allow; i++)
			check_net(s, srv, &srv->allow[i], &ok, &n_family, d);
	}
	if (n_family > MAX_SAME_WARNINGS)
		diag_warn(d, AT(srv->allow_line), "%u more networks of server '%s' are of a "
			  "family no listener takes; they are left out of the ruleset",
			  n_family - MAX_SAME_WARNINGS, srv->name);
	check_duplicates(s, srv, d);
}
