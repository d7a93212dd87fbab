/*
 * backend_firewalld: the firewalld integration.  ftpcfg's own table decides
 * (allowlists, limits, the ftp helper); firewalld is told to accept the
 * first packets that table accepts, as rich rules in one zone (the site's
 * <firewall zone>, else firewalld's default zone), each `rule
 * priority="4654" [family=F source address=NET] [destination address=A]
 * port port=P protocol="tcp" accept`, in the runtime and the permanent
 * configuration alike (see the README for why rich rules).  Every other
 * zone holds none of them: a site that moves to another zone takes its
 * rules along.
 * Data the helper relates passes firewalld's own `ct state related accept`.
 * Talks to firewalld only through firewall-cmd; never touches its table.
 * This file plans, applies, saves and undoes: it brings each zone's
 * ftpcfg rules to what is wanted.  backend_firewalld_cmd.c runs
 * firewall-cmd and reads its zones; backend_firewalld_rules.c makes the
 * rich rules a ruleset needs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend_firewalld_int.h"

/*
 * The zone ftpcfg's rules go into for @want: the site's zone="…" (which
 * must exist), firewalld's default zone for a site without one ("" from
 * ruleset.c), and for a ruleset read back from the record, which does not
 * keep the zone (NULL), the zone whose permanent configuration holds
 * ftpcfg's rules now, else the default zone.
 */
static int target_zone(const struct backend_env *e, const struct ruleset *want,
		       const struct fwd_zones *perm, char *zone, size_t size)
{
	if (want && want->zone && *want->zone) {
		int ret = fwd_zone_known(e, perm, want->zone, NULL);

		if (ret == 0)
			snprintf(zone, size, "%s", want->zone);
		return ret;
	}
	if (want && !want->zone) {
		for (size_t i = 0; i < perm->n; i++)
			if (perm->v[i].rules.n) {
				snprintf(zone, size, "%s", perm->v[i].name);
				return 0;
			}
	}
	return fwd_default_zone(e, zone, size);
}

/* Bring ftpcfg's rules in @zone from @have to @want. */
static int converge(const struct backend_env *e, const char *zone, bool permanent,
		    const struct fwd_rules *have, const struct fwd_rules *want)
{
	struct fwd_rules gone = { 0 };
	struct fwd_rules add = { 0 };
	int ret = 0;

	for (size_t i = 0; ret == 0 && i < have->n; i++)
		if (!fwd_rules_has(want, have->v[i]))
			ret = fwd_rules_add(&gone, have->v[i], strlen(have->v[i]));
	for (size_t i = 0; ret == 0 && i < want->n; i++)
		if (!fwd_rules_has(have, want->v[i]))
			ret = fwd_rules_add(&add, want->v[i], strlen(want->v[i]));
	if (ret == 0 && gone.n)
		ret = fwd_change(e, zone, permanent, false, gone.v, gone.n);
	if (ret == 0 && add.n)
		ret = fwd_change(e, zone, permanent, true, add.v, add.n);
	fwd_rules_release(&gone);
	fwd_rules_release(&add);
	return ret;
}

/*
 * What each zone of one side should hold: @want's rules in @target, none
 * anywhere else (a zone the site moved away from, or everything on
 * remove).  Either does it (@p NULL) or plans it.
 */
static int side(const struct backend_env *e, const struct fwd_zones *zones, bool permanent,
		const char *target, const struct fwd_rules *want, struct plan *p)
{
	const struct fwd_rules none = { 0 };
	int ret = 0;

	for (size_t i = 0; i < zones->n && ret == 0; i++) {
		const struct fwd_zone *z = &zones->v[i];
		const struct fwd_rules *w = target && !strcmp(z->name, target) ? want : &none;
		char where[96];

		if (!p) {
			ret = converge(e, z->name, permanent, &z->rules, w);
			continue;
		}
		snprintf(where, sizeof(where), "zone %s%s", z->name, permanent ? " (permanent)" : "");
		for (size_t k = 0; ret == 0 && k < z->rules.n; k++)
			if (!fwd_rules_has(w, z->rules.v[k]))
				ret = plan_integration(p, PLAN_DELETE, "firewalld rich rule", where,
						       z->rules.v[k]);
		for (size_t k = 0; ret == 0 && k < w->n; k++)
			if (!fwd_rules_has(&z->rules, w->v[k]))
				ret = plan_integration(p, PLAN_ADD, "firewalld rich rule", where,
						       w->v[k]);
	}
	return ret;
}

/* Plan (@p) or make so (@p NULL) what @want needs of firewalld. */
static int run(const struct backend_env *e, const struct ruleset *want, struct plan *p)
{
	struct fwd_zones rt = { 0 };
	struct fwd_zones pm = { 0 };
	struct fwd_rules w = { 0 };
	char zone[64] = "";
	int ret = fwd_list_zones(e, true, &pm);

	if (ret == 0)
		ret = fwd_list_zones(e, false, &rt);
	if (ret == 0 && want)
		ret = target_zone(e, want, &pm, zone, sizeof(zone));
	if (ret == 0 && want)
		ret = fwd_wanted_rules(want, &w);
	/* Runtime first: it is what filters now; permanent keeps it across reloads. */
	if (ret == 0)
		ret = side(e, &rt, false, want ? zone : NULL, &w, p);
	if (ret == 0)
		ret = side(e, &pm, true, want ? zone : NULL, &w, p);
	fwd_rules_release(&w);
	fwd_zones_release(&rt);
	fwd_zones_release(&pm);
	return ret;
}

static int fwd_apply(const struct backend_env *e, const struct ruleset *want)
{
	return run(e, want, NULL);
}

static int fwd_plan(const struct backend_env *e, const struct ruleset *want, struct plan *p)
{
	return run(e, want, p);
}

/*
 * Saved: ftpcfg's rules in every zone, one a line: "r ZONE RULE" for
 * runtime, "p ZONE RULE" for permanent.  A journal written when only the
 * default zone was used has that zone on its first line, then "R RULE"
 * and "P RULE" lines of that zone; undo reads both.  Rich rules hold no
 * newline, zone names no space.
 */
static int fwd_save(const struct backend_env *e, struct backend_saved *out)
{
	struct fwd_zones rt = { 0 };
	struct fwd_zones pm = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = NULL;
	int ret = fwd_list_zones(e, false, &rt);

	if (ret == 0)
		ret = fwd_list_zones(e, true, &pm);
	if (ret == 0) {
		f = open_memstream(&buf, &len);
		if (!f)
			ret = -ENOMEM;
	}
	if (ret == 0) {
		for (size_t i = 0; i < rt.n; i++)
			for (size_t k = 0; k < rt.v[i].rules.n; k++)
				fprintf(f, "r %s %s\n", rt.v[i].name, rt.v[i].rules.v[k]);
		for (size_t i = 0; i < pm.n; i++)
			for (size_t k = 0; k < pm.v[i].rules.n; k++)
				fprintf(f, "p %s %s\n", pm.v[i].name, pm.v[i].rules.v[k]);
		if (fclose(f) != 0)
			ret = -ENOMEM;
	}
	if (ret == 0) {
		/* An empty entry still says "nothing of ftpcfg's in firewalld". */
		out->data = (uint8_t *)(buf ? buf : strdup(""));
		out->len = len;
		buf = NULL;
		if (!out->data)
			ret = -ENOMEM;
	}
	free(buf);
	fwd_zones_release(&rt);
	fwd_zones_release(&pm);
	return ret;
}

/* Add @rule (@len bytes) to @zone's rules in @z, adding the zone when new. */
static int saved_add(struct fwd_zones *z, const char *zone, size_t zlen, const char *rule,
		     size_t len)
{
	struct fwd_zone *x = NULL;
	int ret = 0;

	for (size_t i = 0; i < z->n && !x; i++)
		if (strlen(z->v[i].name) == zlen && !memcmp(z->v[i].name, zone, zlen))
			x = &z->v[i];
	if (!x) {
		ret = fwd_zones_add(z, zone, zlen);
		x = ret == 0 ? &z->v[z->n - 1] : NULL;
	}
	return ret == 0 ? fwd_rules_add(&x->rules, rule, len) : ret;
}

/* Each zone of @now to what @saved had in it (nothing when @saved does not name it). */
static int undo_side(const struct backend_env *e, const struct fwd_zones *now,
		     const struct fwd_zones *saved, bool permanent)
{
	const struct fwd_rules none = { 0 };
	int ret = 0;

	for (size_t i = 0; i < now->n; i++) {
		const struct fwd_zone *s = fwd_zones_find(saved, now->v[i].name);
		int r = converge(e, now->v[i].name, permanent, &now->v[i].rules,
				 s ? &s->rules : &none);

		if (r < 0 && ret == 0)
			ret = r;
	}
	for (size_t i = 0; i < saved->n && ret == 0; i++)
		if (!fwd_zones_find(now, saved->v[i].name) && saved->v[i].rules.n)
			ret = diag(e->d, NULL, -ENOENT, "firewalld: zone '%s', which held ftpcfg's "
				   "rules before, is gone; its rules cannot be put back",
				   saved->v[i].name);
	return ret;
}

static int fwd_undo(const struct backend_env *e, const struct backend_saved *saved)
{
	struct fwd_zones srt = { 0 };
	struct fwd_zones spm = { 0 };
	struct fwd_zones rt = { 0 };
	struct fwd_zones pm = { 0 };
	const char *p = (const char *)saved->data;
	const char *end = p + saved->len;
	char old_zone[64] = "";
	int ret = 0;

	for (bool first = true; p && p < end && ret == 0; first = false) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		size_t zl = n > 2 ? strcspn(p + 2, " \n") : 0;

		if (n > 2 && (p[0] == 'r' || p[0] == 'p') && p[1] == ' ' && zl + 3 < n)
			ret = saved_add(p[0] == 'r' ? &srt : &spm, p + 2, zl, p + 3 + zl, n - 3 - zl);
		else if (n > 2 && (p[0] == 'R' || p[0] == 'P') && p[1] == ' ' && old_zone[0])
			ret = saved_add(p[0] == 'R' ? &srt : &spm, old_zone, strlen(old_zone), p + 2,
					n - 2);
		else if (first && n > 0 && n < sizeof(old_zone))
			memcpy(old_zone, p, n);
		else
			ret = diag(e->d, NULL, -EINVAL, "the journal's firewalld entry cannot be read");
		p = nl ? nl + 1 : end;
	}
	if (ret == 0)
		ret = fwd_list_zones(e, false, &rt);
	if (ret == 0)
		ret = fwd_list_zones(e, true, &pm);
	if (ret == 0)
		ret = undo_side(e, &rt, &srt, false);
	if (ret == 0)
		ret = undo_side(e, &pm, &spm, true);
	fwd_zones_release(&srt);
	fwd_zones_release(&spm);
	fwd_zones_release(&rt);
	fwd_zones_release(&pm);
	return ret;
}

const struct backend_ops backend_firewalld = {
	.backend = SITE_BACKEND_FIREWALLD,
	.save = fwd_save,
	.plan = fwd_plan,
	.apply = fwd_apply,
	.undo = fwd_undo,
};
