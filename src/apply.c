/*
 * apply: one transaction over files and kernel, in this order: lock,
 * recover, read the site once, the no-op check (and the no-op after
 * another table moved the generation), survey and plan, then, when the
 * plan holds something, pre-flight and the change itself (apply_change.c:
 * journal, files, batch, reload, record, generation, the journal
 * retired).  It owns the one netlink socket of the run.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "apply_change.h"
#include "apply_input.h"
#include "apply_history.h"
#include "apply_kernel.h"
#include "apply_txn.h"
#include "guard.h"
#include "plan.h"
#include "diag.h"
#include "stage.h"
#include "state.h"
#include "txn.h"

/*
 * A no-op after someone else moved the generation (another table changed,
 * a reboot): the input and the managed files are the ones recorded
 * (APPLY_INPUT_MOVED), so the site renders the record's ruleset and need
 * not be parsed again.  The
 * live table is read against that ruleset and the other tables for
 * conflicts; when the table is as recorded and nothing conflicts, the
 * record is written at the new generation and the run is a no-op (*done).
 * Anything else, or any doubt, leaves *done false and the full path says
 * what differs.  Standalone tables of the nftables backend only: an attach
 * point and the other backends have more to check than the table.
 */
static int noop_after_move(struct ctx *c, struct state *s, struct nft_netlink *nl,
			   const char *site_path, bool *done)
{
	struct nft_netlink_live *live = NULL;
	const struct ruleset *rs;
	struct guard g = { 0 };
	struct diag scratch;
	struct plan p;
	uint32_t before = 0;
	int ret;

	*done = false;
	ret = state_record_complete(s);
	if (ret < 0 || !s->rec || !s->rec->ruleset)
		return ret;
	rs = s->rec->ruleset;
	if (rs->attach || rs->backend != SITE_BACKEND_NFTABLES)
		return 0;
	/* What goes wrong here is the full path's to say, with the site at hand. */
	diag_init(&scratch);
	plan_init(&p);
	ret = nft_netlink_get_genid(nl, &before);
	if (ret == 0)
		ret = guard_check(nl, rs, &g);
	if (ret == 0 && !g.n_conflicts)
		ret = nft_netlink_dump(nl, rs, &live, &scratch);
	if (ret == 0 && live && live->rs)
		ret = plan_ruleset(&p, rs, live->rs);
	if (ret < 0 || g.n_conflicts || !live || !live->rs || p.n_items)
		goto out;
	/* As the full path keeps it: no other table at all, and nothing moved since the look. */
	apply_txn_rerecord(c, s, nl, live->genid,
			   g.checked && !g.n_foreign && before == live->genid ?
			   STATE_GUARD_NO_FOREIGN : STATE_GUARD_UNKNOWN, site_path, "nothing to change");
	if (c->opts->verbose)
		diag_progress("input unchanged since the last apply; the ruleset generation moved "
			      "(now %u): the table was read and is as recorded", live->genid);
	apply_input_say_warnings(c, s);
	*done = true;
out:
	ret = ret == -ENOMEM ? ret : 0;
	nft_netlink_live_free(live);
	plan_release(&p);
	guard_release(&g);
	diag_release(&scratch);
	return ret;
}

/* The record does not describe this site at this generation: a no-op writes it anew. */
static bool record_stale(const struct state *s, const struct stage *st, const struct input *in)
{
	const struct state_record *r = s->rec;

	return !r || !st->live_from_record ||
	       memcmp(r->site_sha256, in->site_sha256, STATE_SHA256_LEN) ||
	       memcmp(r->input_sha256, in->input_sha256, STATE_SHA256_LEN);
}

static void say_live(const struct ctx *c, const struct stage *st)
{
	if (!c->opts->verbose)
		return;
	if (st->live_from_record)
		diag_progress("live: from the record (generation %u unchanged)", st->genid);
	else if (st->record_vouched)
		diag_progress("live: dumped (generation %u; rules change, which needs the kernel's "
			      "handles)", st->genid);
	else
		diag_progress("live: dumped (generation %u)", st->genid);
}

/*
 * Another firewall that would still drop what ftpcfg accepts: applying
 * would say "Applied." and FTP would stay blocked.  Refused (exit 1) with
 * what to do, unless --allow-conflicts says to go on (then warnings, not
 * kept in the record: they describe the host, not the site).
 */
static int refuse_conflicts(struct ctx *c, const struct stage *st, unsigned flags)
{
	const struct srcloc loc = { st->site->file, st->site->firewall.line };
	int ret = 0;

	for (size_t i = 0; i < st->guard.n_conflicts; i++) {
		char *text = NULL;
		char *advice = NULL;

		if (guard_format(&st->guard, i, &text) < 0 ||
		    guard_advice(&st->guard, i, &advice) < 0) {
			free(text);
			return -ENOMEM;
		}
		if (flags & APPLY_ALLOW_CONFLICTS)
			diag_warn(c->diag, &loc, "%s; %s", text, advice);
		else
			ret = diag(c->diag, &loc, -ENOTSUP, "%s; %s, or apply with "
				   "--allow-conflicts to go on regardless", text, advice);
		free(text);
		free(advice);
	}
	return ret;
}

/* A change awaits confirmation: another apply would stack on an unconfirmed one. */
static int refuse_pending(struct ctx *c, const struct state_confirm *p)
{
	char when[DIAG_TIME_LEN];

	diag_time(p->deadline, when);
	return diag(c->diag, NULL, -EAGAIN, "generation %u awaits confirmation until %s; run "
		    "'ftpcfg confirm' to keep it (or 'ftpcfg rollback' to drop it), then apply again",
		    p->generation, when);
}

int apply_site(struct ctx *c, const char *site_path, unsigned flags)
{
	struct audit a = { .command = "apply" };

	return apply_site_ex(c, site_path, flags, 0, &a);
}

/*
 * The site loaded, rendered and built while a thread reads the recorded
 * ruleset (past the no-op check: a change needs both).  What the site's
 * load says goes to c->diag from *@warn_from on, after the word on a
 * damaged record, as if that had been found first: the record keeps the
 * site's warnings, not the host's.
 */
static int load_stage(struct ctx *c, struct state *s, const char *site_path,
		      const struct input *in, struct stage *st, size_t *warn_from)
{
	struct diag *d = c->diag;
	struct diag sd;
	int ret;
	int r;

	diag_init(&sd);
	state_record_complete_start(s);
	c->diag = &sd;
	ret = stage_load(c, site_path, in->site, in->site_len, st);
	c->diag = d;
	r = state_record_complete(s);
	if (r < 0 && ret == 0)
		ret = r;
	if (r == 0 && s->rec_damaged)
		diag_warn(c->diag, NULL, "the record '%s/record' is damaged and cannot be trusted; "
			  "this apply reads the live state instead and writes the record anew", s->dir);
	*warn_from = c->diag->n_recs;
	diag_append(c->diag, &sd);
	diag_release(&sd);
	return ret;
}

int apply_site_ex(struct ctx *c, const char *site_path, unsigned flags, unsigned confirm_secs,
		  struct audit *a)
{
	struct state_confirm pending = { 0 };
	bool is_pending = false;
	struct state s;
	struct nft_netlink *nl = NULL;
	struct input in = { 0 };
	struct stage st = { 0 };
	enum apply_input_verdict verdict;
	size_t warn_from;
	size_t warn_to;
	size_t n_add;
	size_t n_change;
	size_t n_del;
	int ret;

	a->site = site_path;
	a->step = "lock";
	/*
	 * The record's ruleset is decoded only past the no-op check, which
	 * reads none of it.  Recovery and the revert of an unconfirmed change
	 * read the record's other fields, and read it whole again after.
	 */
	ret = state_open(c, STATE_LOCK | STATE_RECORD_HEAD, &s);
	if (ret == 0)
		ret = apply_txn_open_netlink(c, &nl);
	if (ret == 0) {
		a->step = "recover";
		ret = apply_txn_recover(c, &s, nl, flags);
	}
	if (ret == 0)
		ret = apply_confirm_settle(c, &s, nl, flags, &is_pending, &pending, a);
	if (ret == 0 && is_pending && !(flags & APPLY_CHECK)) {
		a->step = "pending confirmation";
		ret = refuse_pending(c, &pending);
	}
	if (ret < 0)
		goto out;
	a->step = "plan";
	/* What killed runs left beside the managed files (the state directory's went at open). */
	for (size_t i = 0; s.rec && !(flags & APPLY_CHECK) && i < s.rec->n_files; i++)
		txn_remove_temps(c->opts->root, s.rec->files[i].path);
	apply_input_read_templates(c, &in);
	apply_input_read_site(site_path, &in);
	if (in.have_site) {
		a->has_site_sha256 = true;
		memcpy(a->site_sha256, in.site_sha256, STATE_SHA256_LEN);
	}
	verdict = flags & APPLY_CHECK ? APPLY_INPUT_CHANGED : apply_input_check(c, &s, nl, &in);
	if (verdict == APPLY_INPUT_UNCHANGED) {
		if (c->opts->verbose)
			diag_progress("input and ruleset generation unchanged since the last apply");
		goto out;
	}
	if (verdict == APPLY_INPUT_MOVED) {
		bool done = false;

		ret = noop_after_move(c, &s, nl, site_path, &done);
		if (ret < 0 || done)
			goto out;
	}
	ret = load_stage(c, &s, site_path, &in, &st, &warn_from);
	if (ret == 0)
		ret = stage_survey(c, &s, nl, &st);
	warn_to = c->diag->n_recs;
	/*
	 * The model holds its own copies and the hash is kept: the site's
	 * bytes (up to 16 MiB) go before the batch, the journal and the
	 * record are built, which is when memory peaks.
	 */
	free(in.site);
	in.site = NULL;
	if (ret == 0)
		ret = refuse_conflicts(c, &st, flags);
	if (ret < 0)
		goto out;
	say_live(c, &st);
	plan_count(&st.plan, &n_add, &n_change, &n_del);
	a->added = n_add;
	a->changed = n_change;
	a->deleted = n_del;
	a->has_summary = true;
	if (!st.plan.n_items) {
		/* Nothing to change; a record that says otherwise is brought up to date. */
		if (!(flags & APPLY_CHECK) && record_stale(&s, &st, &in)) {
			ret = state_create(&s);
			if (ret == 0)
				ret = apply_change_keep_originals(&s, &st);
			if (ret == 0)
				ret = apply_change_record(c, &s, nl, &st, &in, st.genid, s.rec ?
							  s.rec->journal_sha256 : NULL, NULL,
							  warn_from, warn_to);
		}
		goto out;
	}
	a->step = "preflight";
	ret = apply_change_preflight(c, &st);
	if (ret < 0)
		goto out;
	if (flags & APPLY_CHECK) {
		bool sent = false;

		ret = apply_kernel_send(c, nl, &st, NFT_NETLINK_CHECK, &sent, c->diag);
		if (ret == 0)
			ret = CMD_CHANGES;
		goto out;
	}
	ret = apply_change(c, &s, nl, &st, &in, flags, warn_from, warn_to, confirm_secs, a,
			   &pending);
	if (ret == 0 && confirm_secs)
		apply_confirm_start(c, &s, &pending, a);
	if (ret == 0)
		ret = CMD_CHANGES;
out:
	stage_release(&st);
	free(in.site);
	nft_netlink_close(nl);
	state_close(&s);
	return ret;
}
