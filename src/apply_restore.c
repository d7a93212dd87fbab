/*
 * restore: commit the ruleset of the last apply again, from the record
 * alone (no site, no file touched), after a reboot or a reload of the
 * host's firewall took it away.  One batch, guarded by the generation it
 * was planned at: the kernel takes all of it or none.  Nothing is sent
 * when the kernel already holds the recorded ruleset.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "apply_history.h"
#include "apply_txn.h"
#include "nft_netlink.h"
#include "plan.h"
#include "state.h"

/* The attach point as "inet filter input", for messages. */
static void attach_name(const struct ruleset *rs, char *buf, size_t size)
{
	snprintf(buf, size, "%s %s %s", ir_family_name(rs->family), rs->table,
		 rs->attach_chain ? rs->attach_chain : "?");
}

/* The record is there and believable: else why not, as an error of its own. */
static int check_record(struct ctx *c, const struct state *s)
{
	if (s->rec_damaged)
		return diag(c->diag, NULL, -EUCLEAN, "the record '%s/record' is damaged or "
			    "truncated and cannot be trusted; nothing was committed: apply the "
			    "site again to write a new one", s->dir);
	if (!s->rec || !s->rec->ruleset)
		return diag(c->diag, NULL, -ENOENT, "nothing to restore from: no apply is "
			    "recorded in '%s'; apply a site first", s->dir);
	return 0;
}

/*
 * The record again, with the generation the restore's commit left (0:
 * someone else's commit came in between) and the time of the apply kept:
 * the next run trusts it without reading the table.
 */
static void rerecord(struct ctx *c, struct state *s, struct nft_netlink *nl, uint32_t genid)
{
	char instance[NFT_NETLINK_INSTANCE_MAX];
	struct state_record r = *s->rec;	/* borrowed: never freed */
	struct diag *d = s->d;
	struct diag why;
	int ret;

	if (genid && nft_netlink_get_instance(nl, instance) < 0)
		genid = 0;
	r.genid = genid;
	r.instance = genid ? instance : NULL;
	/* The host's other tables were not judged at this generation: the next run does. */
	r.guard = STATE_GUARD_UNKNOWN;
	/* A failure here is a warning: the ruleset is back, a stale generation costs a dump. */
	diag_init(&why);
	s->d = &why;
	ret = state_record_write(s, &r);
	s->d = d;
	if (ret < 0)
		diag_warn(c->diag, NULL, "the ruleset is restored, but its generation could not be "
			  "recorded: %s", why.n_recs ? why.recs[0].msg : strerror(-ret));
	diag_release(&why);
}

static int put_back(struct ctx *c, struct state *s, struct nft_netlink *nl,
		    struct apply_restore_result *res)
{
	const struct ruleset *rs = s->rec->ruleset;
	struct nft_netlink_live *live = NULL;
	struct nft_netlink_batch *b = NULL;
	struct plan p;
	char where[256];
	uint32_t genid = 0;
	int ret;

	plan_init(&p);
	ret = nft_netlink_dump(nl, rs, &live, c->diag);
	if (ret < 0)
		goto out;
	res->genid = live->genid;
	attach_name(rs, where, sizeof(where));
	if (rs->attach && !live->attach_chain_exists) {
		ret = diag(c->diag, NULL, -ENOENT, "the attach point, chain '%s', is not there; "
			   "nothing was committed: load the host's ruleset first (systemctl start "
			   "nftables, or nft -f its file), then run ftpcfg restore again", where);
		goto out;
	}
	ret = plan_ruleset(&p, rs, live->rs);
	if (ret < 0 || (!p.n_ruleset_changes && !p.replace))
		goto out;	/* the kernel holds the recorded ruleset: nothing to send */
	ret = nft_netlink_batch_new(nl, live->genid, NULL, &b);
	if (ret == 0)
		ret = nft_netlink_batch_replace(b, rs, live, c->diag);
	if (ret < 0)
		goto out;
	res->messages = nft_netlink_batch_count(b);
	if (c->opts->verbose)
		diag_progress("batch: %zu message%s", res->messages, res->messages == 1 ? "" : "s");
	ret = nft_netlink_batch_send(nl, b, 0, c->diag);
	if (ret == -ESTALE)
		diag(c->diag, NULL, -ESTALE, "the ruleset changed while ftpcfg was reading it "
		     "(generation %u is gone); nothing was committed: run ftpcfg restore again",
		     live->genid);
	else if (ret < 0)
		/* The kernel refused the batch: it took none of it.  Not the site's fault (65). */
		ret = diag(c->diag, NULL, -EREMOTEIO, "the kernel refused the recorded ruleset "
			   "(%s); nothing was committed", strerror(-ret));
	if (ret < 0)
		goto out;
	res->restored = true;
	/* Our commit moved the generation by one; more is someone else's. */
	if (nft_netlink_get_genid(nl, &genid) < 0 || genid != live->genid + 1)
		genid = 0;
	res->genid = genid;
	rerecord(c, s, nl, genid);
out:
	plan_release(&p);
	nft_netlink_batch_free(b);
	nft_netlink_live_free(live);
	return ret;
}

int apply_restore(struct ctx *c, unsigned flags, struct apply_restore_result *res,
		  struct audit *a)
{
	struct state s;
	struct nft_netlink *nl = NULL;
	struct state_confirm pc;
	bool pending = false;
	bool vouches = false;
	int ret;

	memset(res, 0, sizeof(*res));
	a->step = "lock";
	ret = state_open(c, STATE_LOCK, &s);
	if (ret == 0)
		ret = apply_txn_open_netlink(c, &nl);
	/* An interrupted run's journal is put back first, as apply does. */
	if (ret == 0 && s.dirfd >= 0) {
		a->step = "recover";
		ret = apply_txn_recover(c, &s, nl, flags);
	}
	/*
	 * An unconfirmed change past its deadline is rolled back before
	 * anything comes back; one still pending lost its watcher with the
	 * reboot: a new one keeps the deadline.
	 */
	if (ret == 0 && s.dirfd >= 0) {
		a->step = "revert";
		ret = apply_confirm_settle(c, &s, nl, flags, &pending, &pc, a);
		if (ret == 0 && pending)
			ret = apply_confirm_rewatch(c, &s, &pc, a);
	}
	/* Removed on purpose: what comes back at boot is nothing. */
	if (ret == 0 && !s.rec && !s.rec_damaged && s.removed) {
		res->removed = true;
		res->removed_time = s.removed_time;
		goto out;
	}
	/* The unit starts on a host where nothing was applied yet: not an error there. */
	if (ret == 0 && (flags & APPLY_IF_APPLIED) && !s.rec && !s.rec_damaged) {
		res->nothing_applied = true;
		goto out;
	}
	a->step = "record";
	if (ret == 0)
		ret = check_record(c, &s);
	if (ret < 0)
		goto out;
	/* For the audit line, which is written after the state is closed. */
	if (s.rec->site && !a->site_owned) {
		a->site_owned = strdup(s.rec->site);
		a->site = a->site_owned;
	}
	res->family = ir_family_name(s.rec->ruleset->family);
	res->table = strdup(s.rec->ruleset->table);
	res->attach_chain = s.rec->ruleset->attach && s.rec->ruleset->attach_chain ?
			    strdup(s.rec->ruleset->attach_chain) : NULL;
	if (!res->table || (s.rec->ruleset->attach && !res->attach_chain)) {
		ret = -ENOMEM;
		goto out;
	}
	/* The generation of our own last commit, in this boot and namespace: nothing to do. */
	ret = state_record_vouches(&s, nl, &vouches);
	if (ret == 0 && vouches) {
		res->genid = s.rec->genid;
		if (c->opts->verbose)
			diag_progress("ruleset generation %u unchanged since it was committed",
				      s.rec->genid);
		goto out;
	}
	a->step = "commit";
	if (ret == 0)
		ret = put_back(c, &s, nl, res);
out:
	nft_netlink_close(nl);
	state_close(&s);
	return ret;
}

void apply_restore_result_release(struct apply_restore_result *res)
{
	free(res->table);
	free(res->attach_chain);
	memset(res, 0, sizeof(*res));
}
