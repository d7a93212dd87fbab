/*
 * backend_firewalld_rules: the rich rules the firewalld backend puts into
 * a zone for a ruleset: one per port ftpcfg's input chain opens to new
 * connections, from each allowed network as CIDR prefixes, and the list
 * they are kept in (each rule once).  Pure: runs nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include "backend_firewalld_int.h"

void fwd_rules_release(struct fwd_rules *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i]);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

int fwd_rules_add(struct fwd_rules *r, const char *s, size_t len)
{
	char *c;

	for (size_t i = 0; i < r->n; i++)
		if (strlen(r->v[i]) == len && !memcmp(r->v[i], s, len))
			return 0;
	if (r->n == r->alloc) {
		size_t n = r->alloc ? r->alloc * 2 : 16;
		char **v = realloc(r->v, n * sizeof(*v));

		if (!v)
			return -ENOMEM;
		r->v = v;
		r->alloc = n;
	}
	c = strndup(s, len);
	if (!c)
		return -ENOMEM;
	r->v[r->n++] = c;
	return 0;
}

bool fwd_rules_has(const struct fwd_rules *r, const char *s)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->v[i], s))
			return true;
	return false;
}

/* Every CIDR network of the range [lo, hi] of @af, each as one rule. */
static int add_range_rules(struct fwd_rules *out, int af, const struct ir_range *r,
			   const char *tail)
{
	size_t len = af == AF_INET ? 4 : 16;
	unsigned bits = (unsigned)len * 8;
	uint8_t cur[16];
	int ret = 0;

	memcpy(cur, r->lo, len);
	for (unsigned guard = 0; ret == 0 && guard < 2 * bits + 2; guard++) {
		unsigned host = 0;
		char addr[INET6_ADDRSTRLEN];
		char *rule = NULL;
		uint8_t end[16];
		bool last;

		/* The widest prefix that starts at cur and ends within hi. */
		for (; host < bits; host++) {
			unsigned b = host;	/* bit index from the least significant */
			uint8_t bit = (uint8_t)(1U << (b % 8));
			size_t byte = len - 1 - b / 8;

			if (cur[byte] & bit)
				break;
			memcpy(end, cur, len);
			for (unsigned x = 0; x <= b; x++)
				end[len - 1 - x / 8] |= (uint8_t)(1U << (x % 8));
			if (memcmp(end, r->hi, len) > 0)
				break;
		}
		memcpy(end, cur, len);
		for (unsigned x = 0; x < host; x++)
			end[len - 1 - x / 8] |= (uint8_t)(1U << (x % 8));
		inet_ntop(af, cur, addr, sizeof(addr));
		if (asprintf(&rule, "rule priority=\"" FWD_PRIORITY "\" family=\"%s\" source "
			     "address=\"%s/%u\" %s", af == AF_INET ? "ipv4" : "ipv6", addr,
			     bits - host, tail) < 0)
			return -ENOMEM;
		ret = fwd_rules_add(out, rule, strlen(rule));
		free(rule);
		last = !memcmp(end, r->hi, len);
		if (last)
			break;
		/* cur = end + 1 */
		memcpy(cur, end, len);
		for (size_t i = len; i-- > 0;)
			if (++cur[i] != 0)
				break;
	}
	return ret;
}

static const struct ir_set *find_set(const struct ruleset *rs, const char *name)
{
	for (size_t i = 0; name && i < rs->n_sets; i++)
		if (!strcmp(rs->sets[i].name, name))
			return &rs->sets[i];
	return NULL;
}

/*
 * What firewalld must accept for @want: each accept rule of ftpcfg's
 * input chain that lets in a new connection on a port (the control port,
 * a passive range opened explicitly), from each allowed network.
 */
int fwd_wanted_rules(const struct ruleset *want, struct fwd_rules *out)
{
	const struct ir_chain *c = NULL;
	int ret = 0;

	for (size_t i = 0; i < want->n_chains; i++)
		if (want->chains[i].hook == IR_HOOK_INPUT)
			c = &want->chains[i];
	for (size_t i = 0; c && i < c->n_rules && ret == 0; i++) {
		const struct ir_rule *r = &c->rules[i];
		const struct ir_match *port = NULL;
		const struct ir_match *daddr = NULL;
		const struct ir_set *src = NULL;
		bool first = true;	/* a rule for new connections */
		char dst[INET6_ADDRSTRLEN + 40] = "";
		char tail[160];
		int af = 0;

		if (r->verdict != IR_VERDICT_ACCEPT)
			continue;
		for (size_t m = 0; m < r->n_matches; m++) {
			const struct ir_match *x = &r->matches[m];

			if (x->kind == IR_MATCH_TCP_DPORT)
				port = x;
			else if (x->kind == IR_MATCH_DADDR)
				daddr = x;
			else if (x->kind == IR_MATCH_SADDR_SET) {
				src = find_set(want, x->set);
				af = x->addr_family;
			} else if (x->kind == IR_MATCH_CT_STATE)
				first = x->ct_state & IR_CT_NEW;
		}
		if (!port || !first)
			continue;
		if (daddr) {
			char a[INET6_ADDRSTRLEN];

			inet_ntop(daddr->addr.family, daddr->addr.bytes, a, sizeof(a));
			snprintf(dst, sizeof(dst), "destination address=\"%s\" ", a);
		}
		if (port->port_lo == port->port_hi)
			snprintf(tail, sizeof(tail), "%sport port=\"%u\" protocol=\"tcp\" accept", dst,
				 port->port_lo);
		else
			snprintf(tail, sizeof(tail), "%sport port=\"%u-%u\" protocol=\"tcp\" accept",
				 dst, port->port_lo, port->port_hi);
		if (src) {
			for (size_t k = 0; k < src->n_elems && ret == 0; k++)
				ret = add_range_rules(out, af, &src->elems[k], tail);
		} else if (daddr) {
			char *rule = NULL;

			if (asprintf(&rule, "rule priority=\"" FWD_PRIORITY "\" family=\"%s\" %s",
				     daddr->addr.family == AF_INET ? "ipv4" : "ipv6", tail) < 0)
				return -ENOMEM;
			ret = fwd_rules_add(out, rule, strlen(rule));
			free(rule);
		} else {
			char *rule = NULL;

			if (asprintf(&rule, "rule priority=\"" FWD_PRIORITY "\" %s", tail) < 0)
				return -ENOMEM;
			ret = fwd_rules_add(out, rule, strlen(rule));
			free(rule);
		}
	}
	return ret;
}
