/*
 * nft_netlink_foreign: other tables' base chains that would drop what
 * ftpcfg accepts.  An accept ends only its own base chain, so a foreign
 * chain on the same hook with policy drop still drops FTP: standalone
 * mode cannot work there.  Only reads.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>

#include "nft_netlink_int.h"

struct foreign {
	const struct ruleset *want;
	char **names;
	size_t n;
	size_t cap;
	int err;
};

static const char *family_name(uint32_t f)
{
	switch (f) {
	case NFPROTO_INET:
		return "inet";
	case NFPROTO_IPV4:
		return "ip";
	case NFPROTO_IPV6:
		return "ip6";
	default:
		return NULL;
	}
}

static const char *hook_name(uint32_t h)
{
	switch (h) {
	case NF_INET_PRE_ROUTING:
		return "prerouting";
	case NF_INET_LOCAL_IN:
		return "input";
	case NF_INET_LOCAL_OUT:
		return "output";
	default:
		return NULL;
	}
}

static int foreign_cb(const struct nlmsghdr *nlh, void *data)
{
	struct foreign *f = data;
	struct nftnl_chain *ch = nftnl_chain_alloc();
	const char *fam;
	const char *hook;
	const char *table;
	char *desc = NULL;

	if (!ch || nftnl_chain_nlmsg_parse(nlh, ch) < 0) {
		f->err = -ENOMEM;
		goto out;
	}
	if (!nftnl_chain_is_set(ch, NFTNL_CHAIN_HOOKNUM) ||
	    !nftnl_chain_is_set(ch, NFTNL_CHAIN_POLICY) ||
	    nftnl_chain_get_u32(ch, NFTNL_CHAIN_POLICY) != NF_DROP)
		goto out;
	fam = family_name(nftnl_chain_get_u32(ch, NFTNL_CHAIN_FAMILY));
	hook = hook_name(nftnl_chain_get_u32(ch, NFTNL_CHAIN_HOOKNUM));
	table = nftnl_chain_get_str(ch, NFTNL_CHAIN_TABLE);
	if (!fam || !hook || !table)
		goto out;
	/* ftpcfg's own table is not foreign. */
	if (nftnl_chain_get_u32(ch, NFTNL_CHAIN_FAMILY) == nfn_family(f->want->family) &&
	    !strcmp(table, f->want->table))
		goto out;
	if (asprintf(&desc, "%s %s %s", fam, table, nftnl_chain_get_str(ch, NFTNL_CHAIN_NAME)) < 0) {
		f->err = -ENOMEM;
		goto out;
	}
	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 4;
		char **p = realloc(f->names, cap * sizeof(*p));

		if (!p) {
			free(desc);
			f->err = -ENOMEM;
			goto out;
		}
		f->names = p;
		f->cap = cap;
	}
	f->names[f->n++] = desc;
out:
	nftnl_chain_free(ch);
	return f->err ? MNL_CB_ERROR : MNL_CB_OK;
}

int nft_netlink_foreign_drops(struct nft_netlink *nl, const struct ruleset *want, char ***out,
			      size_t *n_out)
{
	char buf[4096];	/* one request header: far more than enough */
	struct foreign f = { .want = want };
	struct nlmsghdr *nlh;
	int ret;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, NFPROTO_UNSPEC, NLM_F_DUMP, nl->seq++);
	ret = nfn_talk(nl, nlh, foreign_cb, &f);
	if (ret == 0 && f.err)
		ret = f.err;
	if (ret < 0) {
		for (size_t i = 0; i < f.n; i++)
			free(f.names[i]);
		free(f.names);
		return ret;
	}
	*out = f.names;
	*n_out = f.n;
	return 0;
}
