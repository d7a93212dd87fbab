/*
 * nft_netlink_gexpr: what the guard's rule evaluation shares between the
 * expression walk (nft_netlink_gexpr.c) and the judgement of a register's
 * values against the probe (nft_netlink_gjudge.c).  Private to them.
 */
#ifndef FTPCFG_NFT_NETLINK_GEXPR_H
#define FTPCFG_NFT_NETLINK_GEXPR_H

#include <stdbool.h>
#include <stdint.h>

#include "nft_netlink_int.h"

/* Registers are counted in 32-bit units as the kernel does (NFT_REG_1 = unit 4). */
#define G_UNITS 20

enum g_field {
	G_UNSET,
	G_UNKNOWN,	/* loaded, but nothing a probe knows */
	G_NFPROTO,
	G_L4PROTO,
	G_SADDR,
	G_DADDR,
	G_DPORT,
	G_SPORT,
	G_CTSTATE,
	G_CTSTATUS,
	G_IIFNAME,
	G_IIF,
	G_OIFNAME,	/* like the input interface: never loopback for a probe */
	G_OIF,
	G_PKTTYPE,
	G_FIB_OIF,	/* the route back to the source: some interface, never none */
	G_FIB_DTYPE,	/* the destination's route type: local */
};

struct g_reg {
	enum g_field f;
	uint32_t len;
	bool masked;
	uint8_t mask[16];
	uint8_t xor[16];
};

struct g_run {
	const struct nfn_gctx *g;
	struct g_reg reg[G_UNITS];
	struct nfn_gresult *out;
	int err;
};

struct g_cmp_arg {
	uint32_t op;
	const uint8_t *d;
	uint32_t len;
};

struct g_range_arg {
	const uint8_t *from;
	const uint8_t *to;
	uint32_t len;
};

/* Yes/no/unsure, negated. */
enum nfn_tri g_not(enum nfn_tri t);
/* An interface match (iifname/iif) against the probe: never loopback. */
enum nfn_tri g_iface(const struct g_reg *reg, uint32_t op, const void *d, uint32_t len);
/*
 * How the probe's values of @reg's field compare: @one judges one value
 * range with @arg; *@why names what could not be judged.
 */
enum nfn_tri g_judge(struct g_run *r, const struct g_reg *reg, uint32_t len,
			    enum nfn_tri (*one)(const struct ir_range *v, const void *arg),
			    const void *arg, const char **why);
/* The @one callbacks of g_judge for cmp, range and set lookups. */
enum nfn_tri g_cmp_cb(const struct ir_range *v, const void *arg);
enum nfn_tri g_range_cb(const struct ir_range *v, const void *arg);
enum nfn_tri g_set_cb(const struct ir_range *v, const void *arg);

#endif
