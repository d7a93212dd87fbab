/*
 * nft_text: prints the ruleset IR in nft syntax, byte for byte as nft 1.0.6
 * `nft list table` prints it, and as a file for `nft -f`.  It reads only the
 * IR; it never parses nft syntax and never talks to the kernel.  This file
 * prints one rule (its matches, counter and verdict; a rule on a sharded
 * set as the kernel holds it) and the values in it (address ranges, ports,
 * ct states); nft_text_table.c prints the table block around the rules.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "nft_text_int.h"

/*
 * Host bits of the prefix that lo..hi is, or -1 when it is not one: lo ^ hi
 * must be a run of low ones, and lo must be zero under it.
 */
static int range_host_bits(const struct ir_range *r, size_t len)
{
	int bits = 0;
	bool ones = false;

	for (size_t i = len; i > 0; i--) {
		uint8_t x = r->lo[i - 1] ^ r->hi[i - 1];

		if (r->lo[i - 1] & x)
			return -1;
		if (ones && x)
			return -1;
		if (x == 0xff) {
			bits += 8;
			continue;
		}
		/* x must be 2^k - 1; whatever follows must be zero. */
		if (x & (x + 1))
			return -1;
		while (x) {
			bits++;
			x >>= 1;
		}
		ones = true;
	}
	return bits;
}

/* The decimal digits of @v (at most 255) at @p; returns the end. */
static char *put_dec(char *p, unsigned v)
{
	if (v >= 100)
		*p++ = (char)('0' + v / 100);
	if (v >= 10)
		*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

/* An IPv4 address as inet_ntop() writes it, at @p; returns the end. */
static char *put_v4(char *p, const uint8_t a[4])
{
	for (int i = 0; i < 4; i++) {
		if (i)
			*p++ = '.';
		p = put_dec(p, a[i]);
	}
	return p;
}

/* The longest IPv4 element, "255.255.255.255-255.255.255.255", and its NUL. */
#define V4_RANGE_MAX 32

int nft_text_range(int addr_family, const struct ir_range *r, char *buf, size_t size)
{
	char lo[INET6_ADDRSTRLEN];
	char hi[INET6_ADDRSTRLEN];
	size_t len = ir_addr_len(addr_family);
	int host;
	int n;

	if (!len)
		return -EINVAL;
	/*
	 * IPv4 by hand: inet_ntop() and snprintf() go through vfprintf, which
	 * made up most of rendering a large allowlist (diff renders two).
	 * The same text; a smaller buffer takes the general path and its
	 * -ENOSPC.
	 */
	if (addr_family == AF_INET && size >= V4_RANGE_MAX) {
		char *p = put_v4(buf, r->lo);

		host = range_host_bits(r, len);
		if (host > 0) {
			*p++ = '/';
			p = put_dec(p, (unsigned)(32 - host));
		} else if (host < 0) {
			*p++ = '-';
			p = put_v4(p, r->hi);
		}
		*p = '\0';
		return 0;
	}
	if (!inet_ntop(addr_family, r->lo, lo, sizeof(lo)))
		return -EINVAL;
	host = range_host_bits(r, len);
	if (host == 0)
		n = snprintf(buf, size, "%s", lo);
	else if (host > 0)
		n = snprintf(buf, size, "%s/%d", lo, (int)(len * 8) - host);
	else if (!inet_ntop(addr_family, r->hi, hi, sizeof(hi)))
		return -EINVAL;
	else
		n = snprintf(buf, size, "%s-%s", lo, hi);
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return 0;
}

static void print_ports(struct sbuf *sb, const char *dir, uint16_t lo, uint16_t hi)
{
	if (lo == hi)
		sb_addf(sb, "tcp %s %u", dir, lo);
	else
		sb_addf(sb, "tcp %s %u-%u", dir, lo, hi);
}

/* nft prints a ct state mask in bit order, joined by commas. */
static void print_ct_state(struct sbuf *sb, uint32_t mask)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} states[] = {
		{ IR_CT_INVALID, "invalid" },
		{ IR_CT_ESTABLISHED, "established" },
		{ IR_CT_RELATED, "related" },
		{ IR_CT_NEW, "new" },
	};
	const char *sep = "";

	sb_add(sb, "ct state ");
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		if (!(mask & states[i].bit))
			continue;
		sb_addf(sb, "%s%s", sep, states[i].name);
		sep = ",";
	}
}

static void print_match(struct sbuf *sb, const struct ir_match *m)
{
	switch (m->kind) {
	case IR_MATCH_TCP_DPORT:
		print_ports(sb, "dport", m->port_lo, m->port_hi);
		break;
	case IR_MATCH_TCP_SPORT:
		print_ports(sb, "sport", m->port_lo, m->port_hi);
		break;
	case IR_MATCH_TCP_SPORT_LIST:
		sb_add(sb, "tcp sport {");
		for (size_t i = 0; i < m->n_ports && i < IR_MAX_PORTS; i++)
			sb_addf(sb, "%s %u", i ? "," : "", m->ports[i]);
		sb_add(sb, " }");
		break;
	case IR_MATCH_DADDR:
		sb_addf(sb, "%s daddr ", ip_word(m->addr.family));
		print_addr(sb, m->addr.family, m->addr.bytes);
		break;
	case IR_MATCH_SADDR_SET:
		sb_addf(sb, "%s saddr @%s", ip_word(m->addr_family), m->set);
		break;
	case IR_MATCH_DADDR_SET:
		sb_addf(sb, "%s daddr @%s", ip_word(m->addr_family), m->set);
		break;
	case IR_MATCH_CT_STATE:
		print_ct_state(sb, m->ct_state);
		break;
	case IR_MATCH_CT_COUNT:
		sb_addf(sb, "ct count over %u", m->count);
		break;
	case IR_MATCH_CT_COUNT_PER_SADDR:
		sb_addf(sb, "add @%s { %s saddr ct count over %u }", m->set,
			ip_word(m->addr_family), m->count);
		break;
	}
}

/*
 * The set match a rule on a sharded set ends with (its last match, where
 * ruleset_build() puts it), or NULL when @rs has no such set.
 */
static const struct ir_set *sharded_match(const struct ruleset *rs, const struct ir_rule *r)
{
	const struct ir_match *m = r->n_matches ? &r->matches[r->n_matches - 1] : NULL;
	const struct ir_set *set;

	if (!rs || !m || (m->kind != IR_MATCH_SADDR_SET && m->kind != IR_MATCH_DADDR_SET))
		return NULL;
	set = ir_set_find(rs, m->set);
	return set && (set->flags & IR_SET_SHARDED) ? set : NULL;
}

static void print_verdict(struct sbuf *sb, const struct ir_rule *r)
{
	switch (r->verdict) {
	case IR_VERDICT_ACCEPT:
		sb_add(sb, "accept");
		break;
	case IR_VERDICT_DROP:
		sb_add(sb, "drop");
		break;
	case IR_VERDICT_JUMP:
		sb_addf(sb, "jump %s", r->target);
		break;
	case IR_VERDICT_CT_HELPER:
		sb_addf(sb, "ct helper set \"%s\"", r->target);
		break;
	case IR_VERDICT_FOREIGN:
		break;	/* nft_text_print_rule() prints it whole */
	}
}

/*
 * A rule on a sharded set, as the kernel holds it: its other matches, the
 * counter, then the address masked to its shard key looked up in the
 * set's verdict map, whose chain accepts (nft prints the counter where it
 * sits, before the lookup).
 */
static void print_sharded_rule(struct sbuf *sb, const struct ruleset *rs, const struct ir_rule *r,
			       const struct ir_set *set)
{
	const struct ir_match *m = &r->matches[r->n_matches - 1];
	bool src = m->kind == IR_MATCH_SADDR_SET;
	char map[256];
	uint8_t mask[16];

	for (size_t i = 0; i + 1 < r->n_matches; i++) {
		print_match(sb, &r->matches[i]);
		sb_add(sb, " ");
	}
	if (r->counter)
		sb_add(sb, "counter ");
	if (r->verdict != IR_VERDICT_ACCEPT ||
	    (!src && ir_shard_name(rs, set->name, IR_SHARD_DST_MAP, 0, map, sizeof(map)) < 0)) {
		sb->err = sb->err ? sb->err : -EINVAL;
		return;
	}
	ir_shard_mask(set->addr_family, mask);
	sb_addf(sb, "%s %s & ", ip_word(set->addr_family), src ? "saddr" : "daddr");
	print_addr(sb, set->addr_family, mask);
	sb_addf(sb, " vmap @%s", src ? set->name : map);
}

/* @rs: print rules on sharded sets as the kernel holds them; NULL: as one set. */
void nft_text_print_rule(struct sbuf *sb, const struct ruleset *rs, const struct ir_rule *r)
{
	const struct ir_set *sharded = sharded_match(rs, r);

	if (r->verdict == IR_VERDICT_FOREIGN) {
		/* Someone else's rule, as nft printed it: its own words, comment included. */
		sb_add(sb, r->target ? r->target : "(a rule ftpcfg did not write)");
		return;
	}
	if (sharded) {
		print_sharded_rule(sb, rs, r, sharded);
	} else {
		for (size_t i = 0; i < r->n_matches; i++) {
			print_match(sb, &r->matches[i]);
			sb_add(sb, " ");
		}
		if (r->counter)
			sb_add(sb, "counter ");
		if (r->ct_mark_or)
			sb_addf(sb, "ct mark set ct mark | 0x%08x ", r->ct_mark_or);
		print_verdict(sb, r);
	}
	if (r->comment)
		sb_addf(sb, " comment \"%s\"", r->comment);
}

int nft_text_rule(const struct ir_rule *r, char **out)
{
	struct sbuf sb = { 0 };

	nft_text_print_rule(&sb, NULL, r);
	return sb_finish(&sb, out);
}
