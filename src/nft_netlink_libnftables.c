/*
 * nft_netlink_libnftables: rules someone else put into ftpcfg's chains, in
 * the words `nft --stateless list chain` uses for them, through libnftables
 * (the library behind nft) in this process, so in its network namespace.
 * It only lists, never changes anything; its output and errors go to
 * memory buffers, never to stdout or stderr.  The only user of libnftables
 * (scripts/lint.sh checks it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nftables/libnftables.h>

#include "nft_netlink_int.h"

/* Whether nft's scanner reads @s as one identifier (letter, then [a-zA-Z0-9/_.-]). */
static bool is_identifier(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("/_.-", *s)))
			return false;
	return true;
}

static bool has_foreign(const struct ir_chain *c)
{
	for (size_t i = 0; i < c->n_rules; i++)
		if (c->rules[i].verdict == IR_VERDICT_FOREIGN && !c->rules[i].target)
			return true;
	return false;
}

/*
 * One line of the listing: a rule ends in " # handle N" (the chain's own
 * line ends in "{ # handle N" and is no rule).  Give its text to the
 * foreign rule of @c with handle N.  0 or -ENOMEM.
 */
static int take_line(struct ir_chain *c, const char *line, size_t len)
{
	static const char mark[] = " # handle ";
	const char *h = NULL;
	char *end = NULL;
	unsigned long long handle;

	while (len && (*line == '\t' || *line == ' ')) {
		line++;
		len--;
	}
	for (const char *p = line; p + sizeof(mark) - 1 <= line + len; p++)
		if (!memcmp(p, mark, sizeof(mark) - 1))
			h = p;	/* the last one: a comment may hold the words too */
	if (!h || h == line || h[-1] == '{')
		return 0;
	errno = 0;
	handle = strtoull(h + sizeof(mark) - 1, &end, 10);
	if (errno || end != line + len || end == h + sizeof(mark) - 1)
		return 0;
	for (size_t i = 0; i < c->n_rules; i++) {
		struct ir_rule *r = &c->rules[i];

		if (r->verdict != IR_VERDICT_FOREIGN || r->target || r->handle != handle)
			continue;
		r->target = strndup(line, (size_t)(h - line));
		return r->target ? 0 : -ENOMEM;
	}
	return 0;
}

/* List chain @c of @rs with nft and name each foreign rule of it.  0 or -ENOMEM. */
static int describe_chain(struct nft_ctx *nft, const struct ruleset *rs, struct ir_chain *c)
{
	char cmd[3 * NFN_NAME_MAX];
	const char *out;
	const char *nl;
	int ret = 0;

	if (!is_identifier(rs->table) || !is_identifier(c->name))
		return 0;	/* nft's command line cannot name it: the fallback text */
	if (snprintf(cmd, sizeof(cmd), "list chain %s %s %s", ir_family_name(rs->family),
		     rs->table, c->name) >= (int)sizeof(cmd))
		return 0;
	if (nft_run_cmd_from_buffer(nft, cmd) != 0)
		return 0;	/* the chain went away or nft cannot print it: the fallback */
	out = nft_ctx_get_output_buffer(nft);
	while (out && *out && ret == 0) {
		nl = strchr(out, '\n');
		ret = take_line(c, out, nl ? (size_t)(nl - out) : strlen(out));
		out = nl ? nl + 1 : NULL;
	}
	return ret;
}

int nfn_nft_describe(struct ruleset *rs)
{
	struct nft_ctx *nft = NULL;
	int ret = 0;

	for (size_t i = 0; rs && i < rs->n_chains && ret == 0; i++) {
		struct ir_chain *c = &rs->chains[i];

		if (!has_foreign(c))
			continue;
		if (!nft) {
			nft = nft_ctx_new(NFT_CTX_DEFAULT);
			if (!nft || nft_ctx_buffer_output(nft) || nft_ctx_buffer_error(nft)) {
				ret = -ENOMEM;
				break;
			}
			nft_ctx_output_set_flags(nft, NFT_CTX_OUTPUT_HANDLE |
						 NFT_CTX_OUTPUT_STATELESS);
		}
		ret = describe_chain(nft, rs, c);
	}
	/* What nft could not print is still someone else's rule, named by its handle. */
	for (size_t i = 0; rs && i < rs->n_chains && ret == 0; i++) {
		struct ir_chain *c = &rs->chains[i];

		for (size_t k = 0; k < c->n_rules && ret == 0; k++) {
			struct ir_rule *r = &c->rules[k];

			if (r->verdict == IR_VERDICT_FOREIGN && !r->target &&
			    asprintf(&r->target, "(a rule nft cannot print, handle %llu)",
				     (unsigned long long)r->handle) < 0) {
				r->target = NULL;
				ret = -ENOMEM;
			}
		}
	}
	if (nft)
		nft_ctx_free(nft);
	return ret;
}
