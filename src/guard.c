/*
 * guard: the probes ftpcfg's accepts stand for, and the conflicts with
 * other firewalls in words an administrator can act on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <jansson.h>

#include "guard.h"

void guard_release(struct guard *g)
{
	for (size_t i = 0; g->whats && i < g->n_probes; i++)
		free(g->whats[i]);
	free(g->whats);
	free(g->probes);
	nft_netlink_conflicts_free(g->conflicts, g->n_conflicts);
	memset(g, 0, sizeof(*g));
}

/* Ours on @hook: standalone, the base chain; attach, the chain the jump reaches (input only). */
static const struct ir_chain *hook_chain(const struct ruleset *rs, enum ir_hook hook)
{
	for (size_t i = 0; i < rs->n_chains; i++) {
		const struct ir_chain *c = &rs->chains[i];

		if (rs->attach ? hook == IR_HOOK_INPUT && !strcmp(c->name, rs->jump_chain)
			       : c->hook == hook)
			return c;
	}
	return NULL;
}

static const struct ir_set *find_set(const struct ruleset *rs, const char *name)
{
	for (size_t i = 0; name && i < rs->n_sets; i++)
		if (!strcmp(rs->sets[i].name, name))
			return &rs->sets[i];
	return NULL;
}

struct probe_spec {
	const struct ir_rule *r;
	uint16_t lo;
	uint16_t hi;
	bool related;
	bool outbound;
};

static int add_probe(struct guard *g, const struct probe_spec *ps, int af,
		     const struct ir_set *peers)
{
	struct nft_netlink_probe *p;
	char *what;
	void *q;
	char ports[24];
	int n;

	q = realloc(g->probes, (g->n_probes + 1) * sizeof(*g->probes));
	if (!q)
		return -ENOMEM;
	g->probes = q;
	q = realloc(g->whats, (g->n_probes + 1) * sizeof(*g->whats));
	if (!q)
		return -ENOMEM;
	g->whats = q;
	if (ps->lo == ps->hi)
		snprintf(ports, sizeof(ports), "port %u", ps->lo);
	else
		snprintf(ports, sizeof(ports), "ports %u-%u", ps->lo, ps->hi);
	n = asprintf(&what, "%s (tcp %s%s, %s, %s)", ps->r->comment ? ps->r->comment : "FTP",
		     ps->outbound ? "source " : "", ports, af == AF_INET ? "IPv4" : "IPv6",
		     ps->outbound ? (ps->related ? "outgoing, related to a control connection"
						 : "outgoing, new connections")
				  : (ps->related ? "related to a control connection"
						 : "new connections"));
	if (n < 0)
		what = NULL;
	if (!what)
		return -ENOMEM;
	p = &g->probes[g->n_probes];
	memset(p, 0, sizeof(*p));
	p->af = af;
	p->outbound = ps->outbound;
	p->port_lo = ps->lo;
	p->port_hi = ps->hi;
	p->related = ps->related;
	if (peers) {
		p->src = peers->elems;
		p->n_src = peers->n_elems;
	}
	p->what = what;
	g->whats[g->n_probes++] = what;
	return 0;
}

/* One probe per family: the rule's own (its address set's), or both without one. */
static int add_probes(struct guard *g, const struct probe_spec *ps, int af,
		      const struct ir_set *peers)
{
	int ret;

	if (af)
		return add_probe(g, ps, af, peers);
	ret = add_probe(g, ps, AF_INET, NULL);
	if (ret == 0)
		ret = add_probe(g, ps, AF_INET6, NULL);
	return ret;
}

/*
 * The first packets ftpcfg's chain on @hook accepts: inbound, one probe per
 * accept rule on a destination port; outbound (active data), on a source
 * port or each port of a source port list.
 */
static int chain_probes(const struct ruleset *want, enum ir_hook hook, struct guard *g)
{
	const struct ir_chain *c = hook_chain(want, hook);
	bool outbound = hook == IR_HOOK_OUTPUT;
	int ret = 0;

	for (size_t i = 0; c && i < c->n_rules && ret == 0; i++) {
		const struct ir_rule *r = &c->rules[i];
		struct probe_spec ps = { .r = r, .outbound = outbound };
		const struct ir_match *port = NULL;
		const struct ir_set *peers = NULL;
		bool later = false;	/* established only: not a first packet */
		int af = 0;

		if (r->verdict != IR_VERDICT_ACCEPT)
			continue;
		for (size_t m = 0; m < r->n_matches; m++) {
			const struct ir_match *x = &r->matches[m];

			if (x->kind == (outbound ? IR_MATCH_TCP_SPORT : IR_MATCH_TCP_DPORT) ||
			    (outbound && x->kind == IR_MATCH_TCP_SPORT_LIST))
				port = x;
			else if (x->kind == (outbound ? IR_MATCH_DADDR_SET : IR_MATCH_SADDR_SET)) {
				peers = find_set(want, x->set);
				af = x->addr_family;
			} else if (x->kind == IR_MATCH_CT_STATE) {
				ps.related = (x->ct_state & IR_CT_RELATED) &&
					     !(x->ct_state & IR_CT_NEW);
				later = !(x->ct_state & (IR_CT_RELATED | IR_CT_NEW));
			}
		}
		if (!port || later)
			continue;
		if (port->kind != IR_MATCH_TCP_SPORT_LIST) {
			ps.lo = port->port_lo;
			ps.hi = port->port_hi;
			ret = add_probes(g, &ps, af, peers);
			continue;
		}
		for (size_t k = 0; k < port->n_ports && ret == 0; k++) {
			ps.lo = ps.hi = port->ports[k];
			ret = add_probes(g, &ps, af, peers);
		}
	}
	return ret;
}

static int build_probes(const struct ruleset *want, struct guard *g)
{
	int ret = chain_probes(want, IR_HOOK_INPUT, g);

	return ret ? ret : chain_probes(want, IR_HOOK_OUTPUT, g);
}

/*
 * backend="firewalld": what firewalld's own table drops is what the
 * integration opens (rich rules in its default zone), so it is no
 * conflict; every other table still is.
 */
static void drop_handled(const struct ruleset *want, struct guard *g)
{
	size_t k = 0;

	for (size_t i = 0; i < g->n_conflicts; i++) {
		struct nft_netlink_conflict *c = &g->conflicts[i];

		if (want->backend == SITE_BACKEND_FIREWALLD &&
		    c->manager == NFT_NETLINK_MANAGER_FIREWALLD) {
			nft_netlink_conflicts_free_one(c);
			continue;
		}
		g->conflicts[k++] = *c;
	}
	g->n_conflicts = k;
}

int guard_check(struct nft_netlink *nl, const struct ruleset *want, struct guard *g)
{
	int ret;

	memset(g, 0, sizeof(*g));
	ret = build_probes(want, g);
	if (ret == 0 && g->n_probes)
		ret = nft_netlink_conflicts(nl, want, g->probes, g->n_probes, &g->conflicts,
					    &g->n_conflicts, &g->n_foreign);
	if (ret == 0)
		drop_handled(want, g);
	g->checked = ret == 0 && g->n_probes;
	return ret;
}

const char *guard_manager_name(enum nft_netlink_manager m)
{
	switch (m) {
	case NFT_NETLINK_MANAGER_IPTABLES:
		return "iptables-nft";
	case NFT_NETLINK_MANAGER_UFW:
		return "ufw, through iptables-nft";
	case NFT_NETLINK_MANAGER_DOCKER:
		return "iptables-nft, in a table Docker also writes";
	case NFT_NETLINK_MANAGER_FIREWALLD:
		return "firewalld";
	case NFT_NETLINK_MANAGER_NONE:
		break;
	}
	return "no manager ftpcfg recognises";
}

static const char *manager_key(enum nft_netlink_manager m)
{
	switch (m) {
	case NFT_NETLINK_MANAGER_IPTABLES:
		return "iptables-nft";
	case NFT_NETLINK_MANAGER_UFW:
		return "ufw";
	case NFT_NETLINK_MANAGER_DOCKER:
		return "docker";
	case NFT_NETLINK_MANAGER_FIREWALLD:
		return "firewalld";
	case NFT_NETLINK_MANAGER_NONE:
		break;
	}
	return "nft";
}

static void ports_text(const struct nft_netlink_probe *p, char *buf, size_t size, char sep)
{
	if (p->port_lo == p->port_hi)
		snprintf(buf, size, "%u", p->port_lo);
	else
		snprintf(buf, size, "%u%c%u", p->port_lo, sep, p->port_hi);
}

int guard_format(const struct guard *g, size_t i, char **out)
{
	const struct nft_netlink_conflict *c = &g->conflicts[i];
	char rule[160] = "policy drop";
	int n;

	if (c->rule_chain)
		snprintf(rule, sizeof(rule), "%s (rule handle %llu in chain %s)", c->why,
			 (unsigned long long)c->handle, c->rule_chain);
	if (c->verdict == NFT_NETLINK_MAY_DROP)
		n = asprintf(out, "chain '%s %s %s' (hook %s, priority %d; %s) may drop %s: "
			     "ftpcfg cannot judge %s", c->family, c->table, c->chain, c->hook,
			     c->priority, guard_manager_name(c->manager), g->probes[c->probe].what,
			     c->why);
	else
		n = asprintf(out, "chain '%s %s %s' (hook %s, priority %d; %s) drops %s after "
			     "ftpcfg accepts it: %s", c->family, c->table, c->chain, c->hook,
			     c->priority, guard_manager_name(c->manager), g->probes[c->probe].what,
			     rule);
	return n < 0 ? -ENOMEM : 0;
}

/* Active data leaving the host: attach mode has no output rules, so never that. */
static int outbound_advice(const struct nft_netlink_conflict *c,
			   const struct nft_netlink_probe *p, const char *ipt, const char *colon,
			   char **out)
{
	const char *rel = p->related ? "related " : "";
	int n;

	switch (c->manager) {
	case NFT_NETLINK_MANAGER_UFW:
		n = asprintf(out, "allow it in ufw: ufw allow out proto tcp from any port %s to "
			     "NETWORK (once per allowed network), or accept %sconnections in "
			     "ufw's before.rules OUTPUT rules", colon, rel);
		break;
	case NFT_NETLINK_MANAGER_IPTABLES:
	case NFT_NETLINK_MANAGER_DOCKER:
		n = asprintf(out, "accept it with %s itself, e.g. %s -I %s -p tcp %s %s -j ACCEPT, "
			     "and save it where the host keeps its rules (netfilter-persistent "
			     "save); never with nft into that table, which breaks iptables-save",
			     ipt, ipt, c->rule_chain ? c->rule_chain : c->chain,
			     p->port_lo == p->port_hi ? "--sport" : "-m multiport --sports",
			     colon);
		break;
	case NFT_NETLINK_MANAGER_FIREWALLD:
		n = asprintf(out, "let it out in firewalld: a policy from HOST to the zone of the "
			     "allowed networks that accepts tcp source port %s, then firewall-cmd "
			     "--reload", colon);
		break;
	case NFT_NETLINK_MANAGER_NONE:
	default:
		n = asprintf(out, "accept it in that chain before the drop (tcp sport %s, %sto "
			     "the allowed networks), or use passive mode only", colon,
			     p->related ? "ct state related, " : "");
		break;
	}
	return n < 0 ? -ENOMEM : 0;
}

int guard_advice(const struct guard *g, size_t i, char **out)
{
	const struct nft_netlink_conflict *c = &g->conflicts[i];
	const struct nft_netlink_probe *p = &g->probes[c->probe];
	const char *ipt = p->af == AF_INET ? "iptables" : "ip6tables";
	char colon[16];
	char dash[16];
	char what[32];
	int n;

	ports_text(p, colon, sizeof(colon), ':');
	ports_text(p, dash, sizeof(dash), '-');
	if (p->outbound)
		return outbound_advice(c, p, ipt, colon, out);
	switch (c->manager) {
	case NFT_NETLINK_MANAGER_UFW:
		n = asprintf(out, "allow it in ufw: ufw allow proto tcp from NETWORK to any port %s "
			     "(once per allowed network); ufw keeps it across reloads", colon);
		break;
	case NFT_NETLINK_MANAGER_IPTABLES:
	case NFT_NETLINK_MANAGER_DOCKER:
		n = asprintf(out, "accept it with %s itself, e.g. %s -I %s -p tcp %s %s -j ACCEPT, "
			     "and save it where the host keeps its rules (netfilter-persistent "
			     "save); never with nft into that table, which breaks iptables-save",
			     ipt, ipt, c->rule_chain ? c->rule_chain : c->chain,
			     p->port_lo == p->port_hi ? "--dport" : "-m multiport --dports",
			     colon);
		break;
	case NFT_NETLINK_MANAGER_FIREWALLD:
		if (p->port_lo == 21 && p->port_hi == 21)
			snprintf(what, sizeof(what), "service=ftp");
		else
			snprintf(what, sizeof(what), "port=%s/tcp", dash);
		n = asprintf(out, "open it in firewalld: firewall-cmd --permanent --add-%s (with "
			     "--zone=ZONE for the zone of the allowed sources), then firewall-cmd "
			     "--reload", what);
		break;
	case NFT_NETLINK_MANAGER_NONE:
	default:
		n = asprintf(out, "accept it in that chain before the drop, or let ftpcfg's rules "
			     "run inside it: <firewall attach=\"%s %s %s\"/>", c->family, c->table,
			     c->chain);
		break;
	}
	return n < 0 ? -ENOMEM : 0;
}

int guard_attach_refusal(struct nft_netlink *nl, const struct ruleset *want, char **out)
{
	const char *fam = ir_family_name(want->family);
	enum nft_netlink_manager m = NFT_NETLINK_MANAGER_NONE;
	int n = 0;
	int ret;

	*out = NULL;
	if (!want->attach)
		return 0;
	ret = nft_netlink_table_manager(nl, want->family, want->table, &m);
	if (ret < 0)
		return ret;
	switch (m) {
	case NFT_NETLINK_MANAGER_IPTABLES:
	case NFT_NETLINK_MANAGER_UFW:
	case NFT_NETLINK_MANAGER_DOCKER:
		n = asprintf(out, "attach names chain '%s %s %s', in a table %s manages: rules "
			     "ftpcfg wrote there with nft would make iptables-save leave the "
			     "table out ('incompatible') and iptables -L fail, and the next "
			     "iptables-restore or ufw reload deletes them; use "
			     "<firewall backend=\"iptables\"/> instead (ftpcfg's own table marks "
			     "the FTP connections it accepts, one iptables rule accepts the mark)",
			     fam, want->table, want->attach_chain, guard_manager_name(m));
		break;
	case NFT_NETLINK_MANAGER_FIREWALLD:
		n = asprintf(out, "attach names chain '%s %s %s', in the table firewalld "
			     "manages: firewalld deletes and re-creates it at every reload, and "
			     "ftpcfg's chain with it; use <firewall backend=\"firewalld\"/> instead "
			     "(ftpcfg opens FTP in firewalld: a service and the site's sources in "
			     "a zone)", fam, want->table, want->attach_chain);
		break;
	case NFT_NETLINK_MANAGER_NONE:
		break;
	}
	return n < 0 ? -ENOMEM : 0;
}

json_t *guard_json(const struct guard *g)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < g->n_conflicts; i++) {
		const struct nft_netlink_conflict *c = &g->conflicts[i];
		const struct nft_netlink_probe *p = &g->probes[c->probe];
		char *text = NULL;
		char *advice = NULL;
		json_t *o = NULL;

		if (guard_format(g, i, &text) == 0 && guard_advice(g, i, &advice) == 0)
			o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s?, s:I, s:s, s:{s:s, "
				      "s:s, s:i, s:i, s:b, s:b}, s:s, s:s}",
				      "verdict", c->verdict == NFT_NETLINK_DROPS ? "drops" : "may drop",
				      "manager", manager_key(c->manager), "family", c->family,
				      "table", c->table, "chain", c->chain, "hook", c->hook,
				      "priority", c->priority, "rule_chain", c->rule_chain,
				      "handle", (json_int_t)c->handle, "why", c->why, "traffic",
				      "what", p->what, "family", p->af == AF_INET ? "ip" : "ip6",
				      "port_lo", p->port_lo, "port_hi", p->port_hi, "related",
				      p->related, "outbound", p->outbound, "text", text, "advice",
				      advice);
		free(text);
		free(advice);
		if (!o || json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}
