/*
 * nl_driver: drives nft_netlink against the real kernel for
 * tests/netns/20-netlink.sh (run it in a throwaway namespace only).
 *
 *   nl_driver genid
 *   nl_driver apply [--check] [--genid N] [--bad] SITE
 *   nl_driver render SITE        the IR as nft_text prints it
 *   nl_driver text SITE          the same as a file for nft -f
 *   nl_driver dump SITE          the live table, decoded, printed as render does
 *   nl_driver addnet SITE        one more network in the first set, as a delta
 *
 * SITE is a site file, or allow:N for a hand-built table whose one set
 * holds N separate IPv6 networks.
 *
 * Exit: 0, 75 when the generation moved (-ESTALE), 1 otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include "diag.h"
#include "nft_netlink.h"
#include "nft_text.h"
#include "ruleset.h"
#include "site.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int load(const char *path, struct diag *d, struct ruleset **out)
{
	const char *dir = getenv("FTPCFG_TEMPLATE_DIR");
	char xsd[4096];
	struct site *s = NULL;
	int ret;

	snprintf(xsd, sizeof(xsd), "%s/site.xsd", dir ? dir : "templates");
	ret = site_load(path, xsd, d, &s);
	if (ret == 0)
		ret = ruleset_build(s, out);
	site_free(s);
	return ret;
}

/*
 * N separate /120s inside fd00:200::/64 (the tests' range), 512 addresses
 * apart so that none merge.
 */
static int allow_ruleset(long n, struct ruleset **out)
{
	struct ruleset *rs = calloc(1, sizeof(*rs));
	struct ir_chain *c;
	struct ir_rule *r;
	struct ir_range rg;
	long i;

	if (!rs)
		return -ENOMEM;
	*out = rs;
	rs->family = IR_FAMILY_INET;
	rs->table = strdup("ftpcfg");
	rs->sets = calloc(1, sizeof(*rs->sets));
	rs->chains = calloc(1, sizeof(*rs->chains));
	if (!rs->table || !rs->sets || !rs->chains)
		return -ENOMEM;
	rs->n_sets = 1;
	rs->sets[0].name = strdup("allow_v6");
	rs->sets[0].addr_family = AF_INET6;
	rs->sets[0].flags = IR_SET_INTERVAL | IR_SET_AUTO_MERGE;
	if (!rs->sets[0].name || ir_set_reserve(&rs->sets[0], (size_t)n) < 0)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		uint32_t v = htonl((uint32_t)i << 9);

		memset(&rg, 0, sizeof(rg));
		memcpy(rg.lo, "\xfd\x00\x02\x00", 4);
		memcpy(rg.lo + 12, &v, 4);
		memcpy(rg.hi, rg.lo, 16);
		rg.hi[15] = 0xff;
		if (ir_set_add_range(&rs->sets[0], &rg) < 0)
			return -ENOMEM;
	}
	rs->n_chains = 1;
	c = &rs->chains[0];
	c->name = strdup("input");
	c->hook = IR_HOOK_INPUT;
	c->rules = calloc(2, sizeof(*c->rules));
	if (!c->name || !c->rules)
		return -ENOMEM;
	c->n_rules = 2;
	r = &c->rules[0];
	r->n_matches = 2;
	r->matches[0].kind = IR_MATCH_TCP_DPORT;
	r->matches[0].port_lo = r->matches[0].port_hi = 21;
	r->matches[1].kind = IR_MATCH_SADDR_SET;
	r->matches[1].addr_family = AF_INET6;
	r->matches[1].set = strdup("allow_v6");
	if (!r->matches[1].set)
		return -ENOMEM;
	r->counter = true;
	r->verdict = IR_VERDICT_ACCEPT;
	r = &c->rules[1];
	r->n_matches = 1;
	r->matches[0].kind = IR_MATCH_TCP_DPORT;
	r->matches[0].port_lo = r->matches[0].port_hi = 21;
	r->verdict = IR_VERDICT_DROP;
	return 0;
}

/* A rule naming a set that does not exist: the kernel refuses the batch. */
static int add_bad_rule(struct ruleset *rs)
{
	struct ir_chain *c = &rs->chains[rs->n_chains - 1];
	struct ir_rule *p = realloc(c->rules, (c->n_rules + 1) * sizeof(*p));
	struct ir_rule *r;

	if (!p)
		return -ENOMEM;
	c->rules = p;
	c->alloc = c->n_rules + 1;
	r = &c->rules[c->n_rules++];
	memset(r, 0, sizeof(*r));
	r->n_matches = 1;
	r->matches[0].kind = IR_MATCH_SADDR_SET;
	r->matches[0].addr_family = AF_INET;
	r->matches[0].set = strdup("no-such-set");
	r->verdict = IR_VERDICT_DROP;
	r->line = 99;
	return r->matches[0].set ? 0 : -ENOMEM;
}

static int print_rs(const struct ruleset *rs)
{
	char *text = NULL;
	int ret;

	if (!rs) {
		printf("(no table)\n");
		return 0;
	}
	ret = nft_text_render(rs, 0, &text);
	if (ret == 0)
		fputs(text, stdout);
	free(text);
	return ret;
}

static int send_replace(struct nft_netlink *nl, const struct ruleset *want, uint32_t genid,
			unsigned flags, struct diag *d)
{
	struct nft_netlink_live *live = NULL;
	struct nft_netlink_batch *b = NULL;
	double t0 = now_ms();
	double t1;
	int ret = 0;

	if (want->attach)
		ret = nft_netlink_dump(nl, want, &live, d);
	if (ret == 0 && !genid)
		ret = nft_netlink_get_genid(nl, &genid);
	if (ret == 0)
		ret = nft_netlink_batch_new(nl, genid, "site", &b);
	if (ret == 0)
		ret = nft_netlink_batch_replace(b, want, live, d);
	t1 = now_ms();
	if (ret == 0)
		ret = nft_netlink_batch_send(nl, b, flags, d);
	fprintf(stderr, "nl_driver: %zu messages, encode %.1f ms, send+commit %.1f ms\n",
		b ? nft_netlink_batch_count(b) : 0, t1 - t0, now_ms() - t1);
	nft_netlink_batch_free(b);
	nft_netlink_live_free(live);
	return ret;
}

static int add_net(struct nft_netlink *nl, struct ruleset *want, struct diag *d)
{
	struct nft_netlink_live *live = NULL;
	struct nft_netlink_batch *b = NULL;
	struct ir_set *s = want->n_sets ? &want->sets[0] : NULL;
	const struct ir_set *old = NULL;
	struct ir_range r;
	size_t i;
	int ret;

	ret = nft_netlink_dump(nl, want, &live, d);
	if (ret < 0 || !s)
		goto out;
	for (i = 0; live->rs && i < live->rs->n_sets; i++)
		if (strcmp(live->rs->sets[i].name, s->name) == 0)
			old = &live->rs->sets[i];
	ret = -ENOENT;
	if (!old)
		goto out;
	/* 10.200.0.128/25 (v4) or fd00:200::/64 (v6): inside the test ranges. */
	memset(&r, 0, sizeof(r));
	if (s->addr_family == AF_INET) {
		memcpy(r.lo, "\x0a\xc8\x00\x80", 4);
		memcpy(r.hi, "\x0a\xc8\x00\xff", 4);
	} else {
		memcpy(r.lo, "\xfd\x00\x02\x00", 4);
		memcpy(r.hi, "\xfd\x00\x02\x00", 4);
		memset(r.hi + 8, 0xff, 8);
	}
	ret = ir_set_add_range(s, &r);
	if (ret < 0)
		goto out;
	ir_set_normalize(s);
	ret = nft_netlink_batch_new(nl, live->genid, "site", &b);
	if (ret == 0)
		ret = nft_netlink_batch_update_elems(b, want, s, old->elems, old->n_elems, d);
	if (ret == 0) {
		double t0 = now_ms();

		printf("%zu messages\n", nft_netlink_batch_count(b));
		ret = nft_netlink_batch_send(nl, b, 0, d);
		fprintf(stderr, "nl_driver: addnet send+commit %.1f ms\n", now_ms() - t0);
	}
out:
	nft_netlink_batch_free(b);
	nft_netlink_live_free(live);
	return ret;
}

int main(int argc, char **argv)
{
	struct nft_netlink *nl = NULL;
	struct nft_netlink_live *live = NULL;
	struct ruleset *rs = NULL;
	const char *cmd = argc > 1 ? argv[1] : "";
	unsigned flags = 0;
	uint32_t genid = 0;
	bool bad = false;
	struct diag d;
	int ret;
	int i;

	diag_init(&d);
	for (i = 2; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--check") == 0)
			flags |= NFT_NETLINK_CHECK;
		else if (strcmp(argv[i], "--bad") == 0)
			bad = true;
		else if (strcmp(argv[i], "--genid") == 0 && i + 1 < argc)
			genid = (uint32_t)strtoul(argv[++i], NULL, 10);
	}
	ret = nft_netlink_open(&nl);
	if (ret < 0)
		goto out;
	if (strcmp(cmd, "genid") == 0) {
		ret = nft_netlink_get_genid(nl, &genid);
		if (ret == 0)
			printf("%u\n", genid);
		goto out;
	}
	ret = -EINVAL;
	if (i >= argc)
		goto out;
	if (strncmp(argv[i], "allow:", 6) == 0)
		ret = allow_ruleset(strtol(argv[i] + 6, NULL, 10), &rs);
	else
		ret = load(argv[i], &d, &rs);
	if (ret < 0)
		goto out;
	if (strcmp(cmd, "text") == 0) {
		char *text = NULL;

		ret = nft_text_render(rs, NFT_TEXT_LOADABLE, &text);
		if (ret == 0)
			fputs(text, stdout);
		free(text);
		goto out;
	}
	if (strcmp(cmd, "render") == 0) {
		ret = print_rs(rs);
	} else if (strcmp(cmd, "dump") == 0) {
		double t0 = now_ms();

		ret = nft_netlink_dump(nl, rs, &live, &d);
		fprintf(stderr, "nl_driver: dump %.1f ms\n", now_ms() - t0);
		if (ret == 0)
			ret = print_rs(live->rs);
	} else if (strcmp(cmd, "apply") == 0) {
		if (bad)
			ret = add_bad_rule(rs);
		if (ret == 0)
			ret = send_replace(nl, rs, genid, flags, &d);
	} else if (strcmp(cmd, "addnet") == 0) {
		ret = add_net(nl, rs, &d);
	}
out:
	diag_print(&d, stderr, true);
	if (ret < 0 && !d.n_errors)
		fprintf(stderr, "nl_driver: %s: %s\n", cmd, strerror(-ret));
	diag_release(&d);
	nft_netlink_live_free(live);
	ruleset_free(rs);
	nft_netlink_close(nl);
	if (fflush(stdout) != 0)
		return 1;
	return ret == -ESTALE ? 75 : ret < 0 ? 1 : 0;
}
