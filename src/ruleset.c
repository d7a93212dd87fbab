/*
 * ruleset: turns a validated site into the firewall IR (include/ruleset.h).
 * A pure function of the site: it never talks to the kernel and never
 * re-checks what site validation has already refused.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ruleset.h"

/*
 * Pure-FTPd's FTP_ACTIVE_SOURCE_PORTS (src/ftpd.h): the source ports it
 * tries, in turn, for an active data connection before an ephemeral one.
 */
static const uint16_t pureftpd_active_ports[] = { 2, 3, 4, 5, 6, 10, 14, 16, 20 };

/*
 * Entries of a per-source connection-count set.  A dynamic set needs a
 * bound on the kernel memory it may take; 65535 sources is far above what
 * one FTP host serves at once.  When it is full, a new source is not added
 * and its rule does not match: the limit then fails open, and the daemon's
 * own per-IP limit still holds.
 */
#define PERIP_SET_SIZE 65535

/* Chain indices while building; CHAIN_NONE: no such chain in this mode. */
#define CHAIN_NONE ((size_t)-1)

/* Index of an address family in per-family arrays. */
enum { V4, V6, N_FAM };

static const int fam_af[N_FAM] = { AF_INET, AF_INET6 };

struct build {
	const struct site *s;
	struct ruleset *rs;
	size_t pre;		/* where `ct helper set` goes */
	size_t in;
	size_t out;		/* CHAIN_NONE in attach mode */
	const char *helper;	/* the helper object's name, borrowed from rs */
};

/* What one server needs while its rules are built; names are borrowed from rs->sets. */
struct srv_ctx {
	const struct site_server *srv;
	bool fam[N_FAM];	/* families the server listens on, within the table's */
	const char *allow[N_FAM];	/* NULL: no set (any source, or family refused) */
	const char *perip[N_FAM];
};

static bool table_has(const struct ruleset *rs, int af)
{
	switch (rs->family) {
	case IR_FAMILY_INET:
		return true;
	case IR_FAMILY_IP:
		return af == AF_INET;
	case IR_FAMILY_IP6:
		return af == AF_INET6;
	}
	return false;
}

static int add_chain(struct ruleset *rs, const char *name, enum ir_hook hook, size_t *idx)
{
	struct ir_chain *c = &rs->chains[rs->n_chains];

	c->name = strdup(name);
	if (!c->name)
		return -ENOMEM;
	c->hook = hook;
	*idx = rs->n_chains++;
	return 0;
}

static struct ir_match *match_push(struct ir_rule *r, enum ir_match_kind kind)
{
	struct ir_match *m;

	/* The rule shapes below are fixed; more matches is a bug here, not bad input. */
	assert(r->n_matches < IR_MAX_MATCHES);
	m = &r->matches[r->n_matches++];
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	return m;
}

/*
 * A new rule at the end of chain @chain: the @n_base matches of @base,
 * then `ct state @state` unless @state is 0.  NULL when out of memory.
 */
static struct ir_rule *rule_add(struct build *b, size_t chain, const struct ir_match *base,
				size_t n_base, uint32_t state, unsigned line)
{
	struct ir_rule *r = ir_chain_add_rule(&b->rs->chains[chain]);

	if (!r)
		return NULL;
	if (n_base)
		memcpy(r->matches, base, n_base * sizeof(*base));
	r->n_matches = n_base;
	r->counter = b->s->firewall.counters;
	r->line = line;
	if (state)
		match_push(r, IR_MATCH_CT_STATE)->ct_state = state;
	return r;
}

/* A match on set @set (SADDR_SET, DADDR_SET or CT_COUNT_PER_SADDR). */
static int match_set(struct ir_rule *r, enum ir_match_kind kind, int af, const char *set,
		     uint32_t count)
{
	struct ir_match *m = match_push(r, kind);

	m->addr_family = af;
	m->count = count;
	m->set = strdup(set);
	return m->set ? 0 : -ENOMEM;
}

/* Finish @r (NULL: rule_add failed) with its verdict and "SERVER: PURPOSE" comment. */
static int rule_end(struct ir_rule *r, enum ir_verdict v, const char *target,
		    const struct site_server *srv, const char *purpose)
{
	if (!r)
		return -ENOMEM;
	r->verdict = v;
	if (target) {
		r->target = strdup(target);
		if (!r->target)
			return -ENOMEM;
	}
	if (srv) {
		if (asprintf(&r->comment, "%s: %s", srv->name, purpose) < 0) {
			r->comment = NULL;
			return -ENOMEM;
		}
	} else {
		r->comment = strdup(purpose);
		if (!r->comment)
			return -ENOMEM;
	}
	return 0;
}

/* A rule of @base and @state (see rule_add()) with a verdict and a comment. */
static int add_simple(struct build *b, size_t chain, const struct ir_match *base, size_t n,
		      uint32_t state, unsigned line, enum ir_verdict v,
		      const struct site_server *srv, const char *purpose)
{
	return rule_end(rule_add(b, chain, base, n, state, line), v, NULL, srv, purpose);
}

static int add_set(struct build *b, const struct site_server *srv, const char *what, int fam,
		   const char **name)
{
	struct ir_set *set = &b->rs->sets[b->rs->n_sets];
	const char *v = fam == V4 ? "v4" : "v6";
	int len;

	/* Attach mode: the table is shared, so every name says whose it is. */
	if (b->rs->attach)
		len = asprintf(&set->name, "ftpcfg-%s-%s-%s", srv->name, what, v);
	else
		len = asprintf(&set->name, "%s_%s_%s", srv->name, what, v);
	if (len < 0) {
		set->name = NULL;
		return -ENOMEM;
	}
	b->rs->n_sets++;
	set->addr_family = fam_af[fam];
	set->line = srv->line;
	*name = set->name;
	return 0;
}

static int add_allow_set(struct build *b, struct srv_ctx *sc, int fam)
{
	const struct site_server *srv = sc->srv;
	struct ir_set *set;
	size_t n = 0;
	int ret;

	if (site_allow_sorted(srv))
		n = fam_af[fam] == AF_INET ? srv->n_allow_v4 : srv->n_allow_v6;
	else
		for (size_t i = 0; i < srv->n_allow; i++)
			n += srv->allow[i].addr.family == fam_af[fam];
	/* No network of this family: the family is refused, so no set and no accept. */
	if (!n)
		return 0;
	ret = add_set(b, srv, "allow", fam, &sc->allow[fam]);
	if (ret < 0)
		return ret;
	set = &b->rs->sets[b->rs->n_sets - 1];
	set->flags = IR_SET_INTERVAL | IR_SET_AUTO_MERGE;
	set->line = srv->allow_line;
	ret = ir_set_reserve(set, n);
	if (ret < 0)
		return ret;
	/*
	 * In the site's sorted order the ranges come sorted, and normalizing
	 * skips its sort; IPv4 from the keys alone, without reading the model's
	 * networks out of order.
	 */
	if (!site_allow_sorted(srv)) {
		for (size_t i = 0; i < srv->n_allow; i++)
			if (srv->allow[i].addr.family == fam_af[fam])
				ir_range_from_net(&set->elems[set->n_elems++], &srv->allow[i]);
	} else if (fam_af[fam] == AF_INET) {
		for (size_t k = 0; k < n; k++)
			ir_range_from_v4(&set->elems[set->n_elems++],
					 site_v4key_addr(srv->allow_v4[k]),
					 site_v4key_prefix(srv->allow_v4[k]));
	} else {
		for (size_t k = 0; k < n; k++)
			ir_range_from_net(&set->elems[set->n_elems++], &srv->allow[srv->allow_v6[k]]);
	}
	ir_set_normalize(set);
	if (set->n_elems >= RULESET_SHARD_MIN)
		set->flags |= IR_SET_SHARDED;
	return 0;
}

static int srv_ctx_init(struct build *b, const struct site_server *srv, struct srv_ctx *sc)
{
	int ret;

	memset(sc, 0, sizeof(*sc));
	sc->srv = srv;
	for (size_t i = 0; i < srv->n_listens; i++) {
		const struct site_listen *l = &srv->listens[i];

		for (int f = V4; f < N_FAM; f++)
			if (table_has(b->rs, fam_af[f]) &&
			    (l->is_wildcard || l->addr.family == fam_af[f]))
				sc->fam[f] = true;
	}
	for (int f = V4; f < N_FAM; f++) {
		if (!sc->fam[f])
			continue;
		if (srv->has_allow) {
			ret = add_allow_set(b, sc, f);
			if (ret < 0)
				return ret;
		}
	}
	for (int f = V4; f < N_FAM; f++) {
		struct ir_set *set;

		/* A refused family needs no count: its connections are dropped anyway. */
		if (!sc->fam[f] || !srv->limits.max_per_ip || (srv->has_allow && !sc->allow[f]))
			continue;
		ret = add_set(b, srv, "perip", f, &sc->perip[f]);
		if (ret < 0)
			return ret;
		set = &b->rs->sets[b->rs->n_sets - 1];
		set->flags = IR_SET_DYNAMIC;
		set->size = PERIP_SET_SIZE;
		set->line = srv->limits.line;
	}
	return 0;
}

/* Has an earlier listener of @srv the same port and address (wildcards are one)? */
static bool listen_is_dup(const struct site_server *srv, size_t i)
{
	const struct site_listen *l = &srv->listens[i];

	for (size_t j = 0; j < i; j++) {
		const struct site_listen *o = &srv->listens[j];

		if (o->port != l->port || o->is_wildcard != l->is_wildcard)
			continue;
		if (l->is_wildcard)
			return true;
		if (o->addr.family == l->addr.family &&
		    !memcmp(o->addr.bytes, l->addr.bytes, ir_addr_len(l->addr.family)))
			return true;
	}
	return false;
}

/*
 * The matches every rule for listener @i starts with: `tcp dport P`, plus
 * `ip daddr A` for a specific address.  Returns how many, 0 when the
 * listener is a duplicate or outside the table's families.  @fam gets the
 * families the listener is reached by.
 */
static size_t listen_base(const struct build *b, const struct srv_ctx *sc, size_t i,
			  struct ir_match *base, bool *fam)
{
	const struct site_listen *l = &sc->srv->listens[i];

	if (listen_is_dup(sc->srv, i))
		return 0;
	if (!l->is_wildcard && !table_has(b->rs, l->addr.family))
		return 0;
	memset(base, 0, 2 * sizeof(*base));
	base[0].kind = IR_MATCH_TCP_DPORT;
	base[0].port_lo = l->port;
	base[0].port_hi = l->port;
	for (int f = V4; f < N_FAM; f++)
		fam[f] = sc->fam[f] && (l->is_wildcard || l->addr.family == fam_af[f]);
	if (l->is_wildcard)
		return 1;
	base[1].kind = IR_MATCH_DADDR;
	base[1].addr = l->addr;
	return 2;
}

static int add_helper_rules(struct build *b, const struct srv_ctx *sc)
{
	const struct site_server *srv = sc->srv;

	for (size_t i = 0; i < srv->n_listens; i++) {
		struct ir_match base[2];
		bool fam[N_FAM];
		size_t n = listen_base(b, sc, i, base, fam);
		int ret;

		if (!n)
			continue;
		ret = rule_end(rule_add(b, b->pre, base, n, 0, srv->listens[i].line),
			       IR_VERDICT_CT_HELPER, b->helper, srv, "ftp helper");
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * Attach mode has no table-wide `ct state established accept`: in someone
 * else's base chain that would accept more than FTP.  Each block of ports
 * lets its own established connections through instead.
 */
static int add_established(struct build *b, const struct srv_ctx *sc, const struct ir_match *base,
			   size_t n, unsigned line)
{
	if (!b->rs->attach)
		return 0;
	return add_simple(b, b->in, base, n, IR_CT_ESTABLISHED, line, IR_VERDICT_ACCEPT, sc->srv,
			  "established");
}

/*
 * Accept @base (plus @state when non-zero) from each family's allowed
 * sources, then drop the rest; without <allow>, accept from anywhere.
 */
static int add_allowed(struct build *b, size_t chain, const struct srv_ctx *sc,
		       const struct ir_match *base, size_t n, const bool *fam, uint32_t state,
		       enum ir_match_kind kind, unsigned line, const char *what,
		       const char *refused)
{
	struct ir_rule *r;
	int ret;

	if (!sc->srv->has_allow)
		return add_simple(b, chain, base, n, state, line, IR_VERDICT_ACCEPT, sc->srv, what);
	for (int f = V4; f < N_FAM; f++) {
		if (!fam[f] || !sc->allow[f])
			continue;
		r = rule_add(b, chain, base, n, state, line);
		if (!r)
			return -ENOMEM;
		ret = match_set(r, kind, fam_af[f], sc->allow[f], 0);
		if (!ret)
			ret = rule_end(r, IR_VERDICT_ACCEPT, NULL, sc->srv, what);
		if (ret < 0)
			return ret;
	}
	return add_simple(b, chain, base, n, state, line, IR_VERDICT_DROP, sc->srv, refused);
}

static int add_control_rules(struct build *b, const struct srv_ctx *sc, size_t i)
{
	const struct site_server *srv = sc->srv;
	unsigned line = srv->listens[i].line;
	struct ir_match base[2];
	bool fam[N_FAM];
	size_t n = listen_base(b, sc, i, base, fam);
	struct ir_rule *r;
	int ret;

	if (!n)
		return 0;
	ret = add_established(b, sc, base, n, line);
	if (ret < 0)
		return ret;
	for (int f = V4; f < N_FAM; f++) {
		if (!fam[f] || !sc->perip[f])
			continue;
		r = rule_add(b, b->in, base, n, IR_CT_NEW, srv->limits.line);
		if (!r)
			return -ENOMEM;
		ret = match_set(r, IR_MATCH_CT_COUNT_PER_SADDR, fam_af[f], sc->perip[f],
				srv->limits.max_per_ip);
		if (!ret)
			ret = rule_end(r, IR_VERDICT_DROP, NULL, srv, "max-per-ip");
		if (ret < 0)
			return ret;
	}
	if (srv->limits.max_clients) {
		/*
		 * A rule's `ct count` counts the connections that went through
		 * that rule, so the cap holds per listener block.  Listeners
		 * that share a port and are wildcards are one block.
		 */
		r = rule_add(b, b->in, base, n, IR_CT_NEW, srv->limits.line);
		if (r)
			match_push(r, IR_MATCH_CT_COUNT)->count = srv->limits.max_clients;
		ret = rule_end(r, IR_VERDICT_DROP, NULL, srv, "max-clients");
		if (ret < 0)
			return ret;
	}
	return add_allowed(b, b->in, sc, base, n, fam, 0, IR_MATCH_SADDR_SET, line, "control",
			   "control, refused");
}

static int add_passive_rules(struct build *b, const struct srv_ctx *sc)
{
	const struct site_server *srv = sc->srv;
	unsigned line = srv->passive_line;
	struct ir_match base = {
		.kind = IR_MATCH_TCP_DPORT,
		.port_lo = srv->pasv_min,
		.port_hi = srv->pasv_max,
	};
	int ret;

	ret = add_established(b, sc, &base, 1, line);
	if (ret < 0)
		return ret;
	if (server_passive_explicit(b->s, srv))
		return add_allowed(b, b->in, sc, &base, 1, sc->fam, 0, IR_MATCH_SADDR_SET, line,
				   "passive", "passive, refused");
	/* The helper admits a data connection only from the control connection's client. */
	ret = add_simple(b, b->in, &base, 1, IR_CT_RELATED, line, IR_VERDICT_ACCEPT, srv,
			 "passive");
	if (!ret)
		ret = add_simple(b, b->in, &base, 1, 0, line, IR_VERDICT_DROP, srv,
				 "passive, refused");
	return ret;
}

static int add_active_rules(struct build *b, const struct srv_ctx *sc)
{
	const struct site_server *srv = sc->srv;
	unsigned line = srv->active_line;
	struct ir_match base = {
		.kind = IR_MATCH_TCP_SPORT,
		.port_lo = srv->data_port,
		.port_hi = srv->data_port,
	};
	int ret;

	if (!server_uses_helper(b->s, srv))
		return add_allowed(b, b->out, sc, &base, 1, sc->fam, IR_CT_NEW,
				   IR_MATCH_DADDR_SET, line, "active", "active, refused");
	ret = add_simple(b, b->out, &base, 1, IR_CT_RELATED, line, IR_VERDICT_ACCEPT, srv,
			 "active");
	if (!ret)
		ret = add_simple(b, b->out, &base, 1, IR_CT_NEW, line, IR_VERDICT_DROP, srv,
				 "active, refused");
	return ret;
}

/*
 * Pure-FTPd cannot refuse PORT, so the firewall drops what its active data
 * connections look like.  After every server's own active rules, so that
 * another server's active mode on the same data port keeps working.
 */
static int add_pureftpd_rules(struct build *b)
{
	for (size_t i = 0; i < b->s->n_servers; i++) {
		const struct site_server *srv = &b->s->servers[i];
		struct ir_match base = { .kind = IR_MATCH_TCP_SPORT_LIST };

		if (srv->daemon != SITE_DAEMON_PUREFTPD || (srv->mode & SITE_MODE_ACTIVE))
			continue;
		base.n_ports = sizeof(pureftpd_active_ports) / sizeof(pureftpd_active_ports[0]);
		memcpy(base.ports, pureftpd_active_ports, sizeof(pureftpd_active_ports));
		/* One rule serves every such server: the ports are the daemon's, not the site's. */
		return add_simple(b, b->out, &base, 1, IR_CT_RELATED | IR_CT_NEW, srv->line,
				  IR_VERDICT_DROP, srv,
				  "no active mode; pure-ftpd cannot refuse PORT, its ephemeral fallback passes");
	}
	return 0;
}

static int parse_family(const char *name, enum ir_family *f)
{
	if (!strcmp(name, "inet"))
		*f = IR_FAMILY_INET;
	else if (!strcmp(name, "ip"))
		*f = IR_FAMILY_IP;
	else if (!strcmp(name, "ip6"))
		*f = IR_FAMILY_IP6;
	else
		return -EINVAL;
	return 0;
}

static int setup(struct build *b)
{
	const struct site_firewall *fw = &b->s->firewall;
	struct ruleset *rs = b->rs;
	bool helper = false;
	int ret;

	for (size_t i = 0; i < b->s->n_servers; i++)
		helper |= server_uses_helper(b->s, &b->s->servers[i]);
	rs->attach = fw->has_attach;
	rs->backend = fw->backend;
	rs->mark = fw->backend == SITE_BACKEND_IPTABLES ? fw->mark : 0;
	if (fw->backend == SITE_BACKEND_FIREWALLD) {
		rs->zone = strdup(fw->zone ? fw->zone : "");
		if (!rs->zone)
			return -ENOMEM;
	}
	if (rs->attach) {
		ret = parse_family(fw->attach_family, &rs->family);
		if (ret < 0)
			return ret;
		rs->table = strdup(fw->attach_table);
		rs->attach_chain = strdup(fw->attach_chain);
		rs->jump_chain = strdup("ftpcfg-input");
		if (!rs->table || !rs->attach_chain || !rs->jump_chain)
			return -ENOMEM;
	} else {
		rs->family = IR_FAMILY_INET;
		rs->table = strdup(fw->table);
		if (!rs->table)
			return -ENOMEM;
	}
	/* At most 4 sets per server (allow and per-IP, each v4 and v6) and 3 chains. */
	rs->sets = calloc(4 * b->s->n_servers + 1, sizeof(*rs->sets));
	rs->chains = calloc(3, sizeof(*rs->chains));
	rs->helpers = calloc(1, sizeof(*rs->helpers));
	if (!rs->sets || !rs->chains || !rs->helpers)
		return -ENOMEM;
	if (helper) {
		struct ir_helper *h = &rs->helpers[rs->n_helpers++];

		h->name = strdup(rs->attach ? "ftpcfg-ftp" : "ftp");
		h->type = strdup("ftp");
		h->l3proto = rs->family;
		if (!h->name || !h->type)
			return -ENOMEM;
		b->helper = h->name;
	}
	if (rs->attach) {
		ret = add_chain(rs, rs->jump_chain, IR_HOOK_NONE, &b->in);
		b->pre = b->in;
		b->out = CHAIN_NONE;
		return ret;
	}
	ret = add_chain(rs, "prerouting", IR_HOOK_PREROUTING, &b->pre);
	if (!ret)
		ret = add_chain(rs, "input", IR_HOOK_INPUT, &b->in);
	if (!ret)
		ret = add_chain(rs, "output", IR_HOOK_OUTPUT, &b->out);
	return ret;
}

/* A base chain exists only when it holds rules: every base chain costs every packet a hook. */
static void drop_empty_chains(struct ruleset *rs)
{
	size_t w = 0;

	for (size_t i = 0; i < rs->n_chains; i++) {
		if (!rs->chains[i].n_rules && rs->chains[i].hook != IR_HOOK_NONE) {
			ir_chain_release(&rs->chains[i]);
			continue;
		}
		rs->chains[w++] = rs->chains[i];
	}
	rs->n_chains = w;
}

static int build_rules(struct build *b, struct srv_ctx *sc)
{
	const struct site *s = b->s;
	int ret;

	for (size_t i = 0; i < s->n_servers; i++) {
		if (!server_uses_helper(s, sc[i].srv))
			continue;
		ret = add_helper_rules(b, &sc[i]);
		if (ret < 0)
			return ret;
	}
	if (!b->rs->attach) {
		/* Connections already admitted keep going whatever the rules below now say. */
		ret = add_simple(b, b->in, NULL, 0, IR_CT_ESTABLISHED, s->firewall.line,
				 IR_VERDICT_ACCEPT, NULL, "established");
		if (ret < 0)
			return ret;
	}
	for (size_t i = 0; i < s->n_servers; i++) {
		for (size_t j = 0; j < sc[i].srv->n_listens; j++) {
			ret = add_control_rules(b, &sc[i], j);
			if (ret < 0)
				return ret;
		}
		if (sc[i].srv->mode & SITE_MODE_PASSIVE) {
			ret = add_passive_rules(b, &sc[i]);
			if (ret < 0)
				return ret;
		}
	}
	/*
	 * Attach mode manages no output rules: ftpcfg hooks into one foreign
	 * chain, the input one, and a host's output policy is its own.
	 */
	if (b->out == CHAIN_NONE)
		return 0;
	for (size_t i = 0; i < s->n_servers; i++) {
		if (!(sc[i].srv->mode & SITE_MODE_ACTIVE))
			continue;
		ret = add_active_rules(b, &sc[i]);
		if (ret < 0)
			return ret;
	}
	return add_pureftpd_rules(b);
}

/*
 * The iptables backend: iptables' own INPUT (priority 0) accepts what
 * carries the site's ct mark, so ftpcfg's input and output chains run
 * before it (filter - 5) and every accept of an FTP connection sets the
 * mark on its conntrack (data connections related to a marked control
 * connection inherit it).  The table-wide `ct state established accept`
 * marks nothing: it is not only FTP's.
 */
#define IPTABLES_BACKEND_PRIORITY (-5)

static void mark_accepts(struct ruleset *rs)
{
	for (size_t i = 0; i < rs->n_chains; i++) {
		struct ir_chain *c = &rs->chains[i];

		if (c->hook != IR_HOOK_INPUT && c->hook != IR_HOOK_OUTPUT)
			continue;
		c->priority = IPTABLES_BACKEND_PRIORITY;
		for (size_t r = 0; r < c->n_rules; r++) {
			struct ir_rule *x = &c->rules[r];
			bool established_only = x->n_matches == 1 &&
						x->matches[0].kind == IR_MATCH_CT_STATE;

			if (x->verdict == IR_VERDICT_ACCEPT && !established_only)
				x->ct_mark_or = rs->mark;
		}
	}
}

int ruleset_build(const struct site *s, struct ruleset **out)
{
	struct build b = { .s = s };
	struct srv_ctx *sc = NULL;
	int ret = -ENOMEM;

	b.rs = calloc(1, sizeof(*b.rs));
	sc = calloc(s->n_servers + 1, sizeof(*sc));
	if (!b.rs || !sc)
		goto out;
	ret = setup(&b);
	if (ret < 0)
		goto out;
	for (size_t i = 0; i < s->n_servers; i++) {
		ret = srv_ctx_init(&b, &s->servers[i], &sc[i]);
		if (ret < 0)
			goto out;
	}
	ret = build_rules(&b, sc);
	if (ret < 0)
		goto out;
	drop_empty_chains(b.rs);
	if (b.rs->mark)
		mark_accepts(b.rs);
	*out = b.rs;
	b.rs = NULL;
	ret = 0;
out:
	ruleset_free(b.rs);
	free(sc);
	return ret;
}
