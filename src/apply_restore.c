/*
 * restore: commit the ruleset of the last apply again, from the record
 * alone (no site, no file touched), after a reboot or a reload of the
 * host's firewall took it away.  One batch, guarded by the generation it
 * was planned at: the kernel takes all of it or none.  Nothing is sent
 * when the kernel already holds the recorded ruleset.
 *
 * The recorded integration with another firewall manager (the record's
 * <firewall backend>, include/backend.h) comes back with it where it is
 * missing: after a reboot the manager's own rules come back from a save
 * taken before ftpcfg's apply (netfilter-persistent, ufw's files) without
 * the jump into ftpcfg-input.  The ruleset and the integration are one
 * transaction, journaled as apply journals them: a failure at any step
 * puts back both, and the record, as they were.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "apply_history.h"
#include "apply_kernel.h"
#include "apply_txn.h"
#include "backend.h"
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
 * The change is complete: its journal goes.  A journal that stays is a
 * warning (the next run puts back what it journaled, and the next restore
 * puts it again), not a failure of this one.
 */
static void discard_or_warn(struct ctx *c, struct state *s)
{
	struct diag *d = s->d;
	struct diag why;

	diag_init(&why);
	s->d = &why;
	if (state_journal_discard(s) < 0)
		diag_warn(c->diag, NULL, "restored, but %s; the next ftpcfg run puts back what it "
			  "journaled, and the next restore puts it again",
			  why.n_recs ? why.recs[0].msg : "the journal could not be removed");
	s->d = d;
	diag_release(&why);
}

/*
 * What of the recorded integration is missing, into @ip.  A manager that
 * cannot be asked (firewalld not running, iptables gone) must not keep the
 * table from coming back: without it a host whose firewalld is down has
 * nothing guarding FTP.  Then *why says what went wrong (owned), @ip stays
 * empty and 0 is returned: the restore goes on with the ruleset alone and
 * fails at the end.
 */
static int plan_integ(struct ctx *c, struct nft_netlink *nl, const struct backend_ops *ops,
		      const struct ruleset *rs, struct plan *ip, char **why)
{
	struct diag d;
	const struct backend_env env = { c->opts->root, nl, &d, c->opts->verbose };
	int ret;

	diag_init(&d);
	ret = ops->plan(&env, rs, ip);
	if (ret < 0 && ret != -ENOMEM) {
		*why = strdup(d.n_recs ? d.recs[0].msg : strerror(-ret));
		plan_release(ip);
		plan_init(ip);
		ret = *why ? 0 : -ENOMEM;
	}
	diag_release(&d);
	return ret;
}

/* The integration's plan items as the lines diff prints, into @res. */
static int keep_integ_lines(const struct plan *ip, struct apply_restore_result *res)
{
	res->integ_changes = calloc(ip->n_items + 1, sizeof(*res->integ_changes));
	if (!res->integ_changes)
		return -ENOMEM;
	for (size_t i = 0; i < ip->n_items; i++) {
		int ret = plan_item_format(&ip->items[i], &res->integ_changes[i]);

		if (ret < 0)
			return ret;
		res->n_integ_changes++;
	}
	return 0;
}

/*
 * The journal of a restore: the target, the integration as it is now,
 * the record as it is (apply_txn_rerecord() rewrites it); written with @old (the
 * live ruleset) as what undo puts back into the kernel.
 */
static int journal(struct ctx *c, struct state *s, struct nft_netlink *nl,
		   const struct ruleset *rs, const struct ruleset *old,
		   const struct backend_ops *ops, struct state_journal *j)
{
	int ret = apply_txn_shape_of(rs, &j->shape);

	if (ret == 0 && ops)
		ret = apply_txn_save_integrations(c, nl, &ops, 1, j);
	if (ret == 0)
		ret = apply_txn_save_record(s, j);
	if (ret == 0)
		ret = state_journal_write(s, j, old);
	return ret;
}

static int put_back(struct ctx *c, struct state *s, struct nft_netlink *nl,
		    struct apply_restore_result *res, struct audit *a)
{
	const struct ruleset *rs = s->rec->ruleset;
	const struct backend_ops *ops = backend_ops(rs->backend);
	const struct backend_env env = { c->opts->root, nl, c->diag, c->opts->verbose };
	struct nft_netlink_live *live = NULL;
	struct nft_netlink_batch *b = NULL;
	struct state_journal j = { 0 };
	struct apply_progress prog = { 0 };
	struct plan p;
	struct plan ip;
	struct diag sd;
	char where[256];
	char *why = NULL;
	uint32_t genid = 0;
	bool send;
	int ret;

	plan_init(&p);
	plan_init(&ip);
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
	/* What of the recorded integration is missing on the host now. */
	if (ret == 0 && ops) {
		res->backend = site_backend_name(rs->backend);
		ret = plan_integ(c, nl, ops, rs, &ip, &why);
	}
	send = p.n_ruleset_changes || p.replace;
	if (ret < 0 || (!send && !ip.n_items))
		goto out;	/* the kernel and the manager hold what was recorded: nothing to do */
	a->step = "journal";
	ret = state_create(s);
	if (ret == 0)
		ret = journal(c, s, nl, rs, live->rs, ip.n_items ? ops : NULL, &j);
	if (ret < 0)
		goto out;	/* nothing changed yet */
	ret = apply_fault(c, "journal");
	if (ret < 0)
		goto fail;
	a->step = "commit";
	if (send) {
		ret = nft_netlink_batch_new(nl, live->genid, NULL, &b);
		if (ret == 0)
			ret = nft_netlink_batch_replace(b, rs, live, c->diag);
		if (ret < 0)
			goto fail;
		res->messages = nft_netlink_batch_count(b);
		if (c->opts->verbose)
			diag_progress("batch: %zu message%s", res->messages,
				      res->messages == 1 ? "" : "s");
		diag_init(&sd);
		ret = nft_netlink_batch_send(nl, b, 0, &sd);
		ret = apply_kernel_settle(c, nl, rs, live->genid, ret, &sd, &prog.committed);
		if (ret < 0)
			diag_append(c->diag, &sd);
		diag_release(&sd);
		if (ret == -ESTALE)
			diag(c->diag, NULL, -ESTALE, "the ruleset changed while ftpcfg was reading "
			     "it (generation %u is gone); nothing was committed: run ftpcfg restore "
			     "again", live->genid);
		else if (ret < 0 && !prog.committed)
			/* The kernel refused the batch: it took none of it.  Not the site's fault (65). */
			ret = diag(c->diag, NULL, -EREMOTEIO, "the kernel refused the recorded "
				   "ruleset (%s); nothing was committed", strerror(-ret));
		else if (ret < 0)
			ret = diag(c->diag, NULL, -EIO, "the kernel's answers to the batch could not "
				   "be read and the table is not the recorded one (%s)",
				   strerror(-ret));
		if (ret < 0)
			goto fail;
		prog.committed = true;
		res->restored = true;
		ret = apply_fault(c, "commit");
		if (ret < 0)
			goto fail;
	}
	if (ip.n_items) {
		a->step = "integration";
		prog.integ = true;
		ret = keep_integ_lines(&ip, res);
		if (ret == 0)
			ret = ops->apply(&env, rs);
		if (ret == 0)
			ret = apply_fault(c, "integration");
		if (ret < 0)
			goto fail;
		res->integ_restored = true;
	}
	/*
	 * Our commit moved the generation by one; the integration's (iptables-nft's)
	 * more.  An integration not checked must be checked by the next restore:
	 * no generation for it to trust.
	 */
	if (nft_netlink_get_genid(nl, &genid) < 0 || genid != live->genid + 1 || ip.n_items || why)
		genid = 0;
	res->genid = genid;
	a->step = "record";
	prog.record = true;
	/*
	 * The record again, with the generation the restore's commit left (0:
	 * someone else's commit came in between) and the time of the apply
	 * kept: the next run trusts it without reading the table.  The host's
	 * other tables were not judged at this generation: the next run does.
	 */
	apply_txn_rerecord(c, s, nl, genid, STATE_GUARD_UNKNOWN, NULL, "the ruleset is restored");
	ret = apply_fault(c, "record");
	if (ret < 0)
		goto fail;
	/* Nothing of a restore is a generation: its journal goes once the change is complete. */
	discard_or_warn(c, s);
	goto out;
fail:
	res->restored = false;
	res->integ_restored = false;
	res->messages = 0;
	if (apply_txn_undo(c, s, nl, &j, live->rs, &prog) < 0)
		diag(c->diag, NULL, -EIO, "could not put back everything this restore changed; "
		     "the journal stays in '%s' and the next ftpcfg run puts it back first",
		     s->dir);
	else
		state_journal_discard(s);
out:
	if (ret == 0 && why)
		ret = diag(c->diag, NULL, -EIO, "%s; the %s integration could not be checked (%s): "
			   "run ftpcfg restore again once it can be",
			   res->restored ? "the recorded ruleset is back" : "the kernel holds the "
			   "recorded ruleset", res->backend, why);
	free(why);
	state_journal_release(&j);
	plan_release(&p);
	plan_release(&ip);
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
		ret = put_back(c, &s, nl, res, a);
out:
	nft_netlink_close(nl);
	state_close(&s);
	return ret;
}

void apply_restore_result_release(struct apply_restore_result *res)
{
	free(res->table);
	free(res->attach_chain);
	for (size_t i = 0; i < res->n_integ_changes; i++)
		free(res->integ_changes[i]);
	free(res->integ_changes);
	memset(res, 0, sizeof(*res));
}
