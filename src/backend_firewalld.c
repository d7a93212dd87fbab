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
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "backend.h"
#include "nft_text.h"

extern char **environ;

/*
 * The mark of ftpcfg's rich rules: a priority no default of firewalld
 * uses (0x4654, "FT").  A positive priority also puts them after the
 * zone's own rich rules of priority 0, so an administrator's reject of a
 * network still wins.
 */
#define FWD_PRIORITY "4654"
#define FWD_RULE_HEAD "rule priority=\"" FWD_PRIORITY "\" "
#define FWD_CMD "firewall-cmd"
/* firewall-cmd's output we read: a zone's rich rules, one a line. */
#define FWD_OUT_MAX (16U << 20)
/* Rich rules per firewall-cmd call: one argument each, well under ARG_MAX. */
#define FWD_BATCH 256

struct fwd_rules {
	char **v;		/* owned strings */
	size_t n;
	size_t alloc;
};

static void rules_release(struct fwd_rules *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i]);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static int rules_add(struct fwd_rules *r, const char *s, size_t len)
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

static bool rules_has(const struct fwd_rules *r, const char *s)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->v[i], s))
			return true;
	return false;
}

/*
 * Run firewall-cmd with @argv (argv[0] is FWD_CMD), no shell; its stdout
 * into *out (owned; may be NULL when not wanted).  0, or -EIO with a
 * record naming the command and what it printed.
 */
static int fwd_run(const struct backend_env *e, char *const argv[], char **out)
{
	posix_spawn_file_actions_t fa;
	char *buf = NULL;
	size_t len = 0;
	int fds[2] = { -1, -1 };
	int devnull = -1;
	int status = 0;
	pid_t pid = -1;
	int ret;

	if (out)
		*out = NULL;
	buf = malloc(FWD_OUT_MAX + 1);
	if (!buf)
		return -ENOMEM;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		ret = -errno;
		free(buf);
		return diag(e->d, NULL, ret, "cannot run %s: %s", FWD_CMD, strerror(-ret));
	}
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDERR_FILENO);
	if (devnull >= 0)
		posix_spawn_file_actions_adddup2(&fa, devnull, STDIN_FILENO);
	ret = -posix_spawnp(&pid, FWD_CMD, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (devnull >= 0)
		close(devnull);
	if (ret == 0) {
		for (;;) {
			ssize_t n = read(fds[0], buf + len, FWD_OUT_MAX - len);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			len += (size_t)n;
			if (len == FWD_OUT_MAX)
				break;
		}
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	close(fds[0]);
	buf[len] = '\0';
	if (ret < 0) {
		free(buf);
		return diag(e->d, NULL, -EIO, "cannot run %s (is firewalld installed?): %s",
			    FWD_CMD, strerror(-ret));
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
			buf[--len] = '\0';
		ret = diag(e->d, NULL, -EIO, "firewalld: '%s %s%s%s' failed (exit %d): %s", FWD_CMD,
			   argv[1], argv[2] ? " " : "", argv[2] ? argv[2] : "",
			   WIFEXITED(status) ? WEXITSTATUS(status) : -1,
			   len ? buf : "no message; is firewalld running?");
		free(buf);
		return ret;
	}
	if (out)
		*out = buf;
	else
		free(buf);
	return 0;
}

static int default_zone(const struct backend_env *e, char *zone, size_t size)
{
	char *argv[] = { (char *)FWD_CMD, (char *)"--get-default-zone", NULL };
	char *out = NULL;
	size_t n;
	int ret = fwd_run(e, argv, &out);

	if (ret < 0)
		return ret;
	n = strcspn(out, "\n");
	if (!n || n >= size) {
		free(out);
		return diag(e->d, NULL, -EIO, "firewalld: no default zone");
	}
	memcpy(zone, out, n);
	zone[n] = '\0';
	free(out);
	return 0;
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
		ret = rules_add(out, rule, strlen(rule));
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
static int wanted_rules(const struct ruleset *want, struct fwd_rules *out)
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
			ret = rules_add(out, rule, strlen(rule));
			free(rule);
		} else {
			char *rule = NULL;

			if (asprintf(&rule, "rule priority=\"" FWD_PRIORITY "\" %s", tail) < 0)
				return -ENOMEM;
			ret = rules_add(out, rule, strlen(rule));
			free(rule);
		}
	}
	return ret;
}

/* Add (@add) or remove each of @rules in @zone, runtime or permanent, FWD_BATCH a call. */
static int change(const struct backend_env *e, const char *zone, bool permanent, bool add,
		  char *const *rules, size_t n)
{
	char zarg[96];
	char **argv = NULL;
	int ret = 0;

	snprintf(zarg, sizeof(zarg), "--zone=%s", zone);
	argv = calloc(FWD_BATCH * 2 + 5, sizeof(*argv));
	if (!argv)
		return -ENOMEM;
	for (size_t i = 0; i < n && ret == 0;) {
		size_t k = 0;
		char **owned = argv + FWD_BATCH + 4;	/* the option strings */
		size_t n_owned = 0;

		argv[k++] = (char *)FWD_CMD;
		if (permanent)
			argv[k++] = (char *)"--permanent";
		argv[k++] = zarg;
		for (; i < n && n_owned < FWD_BATCH - 1 && ret == 0; i++) {
			if (asprintf(&owned[n_owned], "--%s-rich-rule=%s", add ? "add" : "remove",
				     rules[i]) < 0) {
				ret = -ENOMEM;
				break;
			}
			argv[k++] = owned[n_owned++];
		}
		argv[k] = NULL;
		if (e->verbose && ret == 0)
			diag_progress("firewalld: %s %zu rich rule%s %s zone %s (%s)",
				      add ? "adding" : "removing", n_owned, n_owned == 1 ? "" : "s",
				      add ? "to" : "from", zone, permanent ? "permanent" : "runtime");
		if (ret == 0)
			ret = fwd_run(e, argv, NULL);
		for (size_t x = 0; x < n_owned; x++)
			free(owned[x]);
	}
	free(argv);
	return ret;
}

/* Every zone of one side (runtime or permanent), with ftpcfg's rich rules in each. */
struct fwd_zone {
	char *name;		/* owned */
	struct fwd_rules rules;
};

struct fwd_zones {
	struct fwd_zone *v;	/* owned */
	size_t n;
	size_t alloc;
};

static void zones_release(struct fwd_zones *z)
{
	for (size_t i = 0; i < z->n; i++) {
		free(z->v[i].name);
		rules_release(&z->v[i].rules);
	}
	free(z->v);
	memset(z, 0, sizeof(*z));
}

static struct fwd_zone *zones_find(const struct fwd_zones *z, const char *name)
{
	for (size_t i = 0; i < z->n; i++)
		if (!strcmp(z->v[i].name, name))
			return &z->v[i];
	return NULL;
}

static int zones_add(struct fwd_zones *z, const char *name, size_t len)
{
	if (z->n == z->alloc) {
		size_t n = z->alloc ? z->alloc * 2 : 16;
		struct fwd_zone *v = realloc(z->v, n * sizeof(*v));

		if (!v)
			return -ENOMEM;
		z->v = v;
		z->alloc = n;
	}
	memset(&z->v[z->n], 0, sizeof(z->v[z->n]));
	z->v[z->n].name = strndup(name, len);
	if (!z->v[z->n].name)
		return -ENOMEM;
	z->n++;
	return 0;
}

/*
 * One `firewall-cmd [--permanent] --list-all-zones`: each zone starts at
 * a line of its own at the left margin ("public (active)"), its
 * settings are indented below it, its rich rules one an indented line.
 * One call for every zone: firewall-cmd is a Python program, and a call
 * per zone costs seconds.
 */
static int list_zones(const struct backend_env *e, bool permanent, struct fwd_zones *out)
{
	char *argv[4];
	char *text = NULL;
	size_t k = 0;
	int ret;

	argv[k++] = (char *)FWD_CMD;
	if (permanent)
		argv[k++] = (char *)"--permanent";
	argv[k++] = (char *)"--list-all-zones";
	argv[k] = NULL;
	ret = fwd_run(e, argv, &text);
	for (char *l = text; ret == 0 && l && *l;) {
		size_t n = strcspn(l, "\n");
		size_t ws = strspn(l, " \t");

		if (n > 0 && ws == 0)
			ret = zones_add(out, l, strcspn(l, " \n"));
		else if (n > ws && out->n && !strncmp(l + ws, FWD_RULE_HEAD, strlen(FWD_RULE_HEAD)))
			ret = rules_add(&out->v[out->n - 1].rules, l + ws, n - ws);
		l += n + (l[n] == '\n');
	}
	free(text);
	return ret;
}

/* @zone is one of @zones: 0; else -EINVAL said (at @at) with the zones there are. */
static int zone_known(const struct backend_env *e, const struct fwd_zones *zones,
		      const char *zone, const struct srcloc *at)
{
	char *names = NULL;
	size_t len = 0;
	FILE *f;

	if (zones_find(zones, zone))
		return 0;
	f = open_memstream(&names, &len);
	for (size_t i = 0; f && i < zones->n; i++)
		fprintf(f, "%s%s", i ? ", " : "", zones->v[i].name);
	if (!f || fclose(f) != 0) {
		free(names);
		return -ENOMEM;
	}
	diag(e->d, at, -EINVAL, "firewalld has no zone '%s'; name one it has (%s), or create it "
	     "first (firewall-cmd --permanent --new-zone=%s, then firewall-cmd --reload)", zone,
	     names, zone);
	free(names);
	return -EINVAL;
}

int backend_firewalld_zone_check(const struct backend_env *e, const char *zone,
				 const struct srcloc *at)
{
	struct fwd_zones pm = { 0 };
	int ret = list_zones(e, true, &pm);

	if (ret == 0)
		ret = zone_known(e, &pm, zone, at);
	zones_release(&pm);
	return ret;
}

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
		int ret = zone_known(e, perm, want->zone, NULL);

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
	return default_zone(e, zone, size);
}

/* Bring ftpcfg's rules in @zone from @have to @want. */
static int converge(const struct backend_env *e, const char *zone, bool permanent,
		    const struct fwd_rules *have, const struct fwd_rules *want)
{
	struct fwd_rules gone = { 0 };
	struct fwd_rules add = { 0 };
	int ret = 0;

	for (size_t i = 0; ret == 0 && i < have->n; i++)
		if (!rules_has(want, have->v[i]))
			ret = rules_add(&gone, have->v[i], strlen(have->v[i]));
	for (size_t i = 0; ret == 0 && i < want->n; i++)
		if (!rules_has(have, want->v[i]))
			ret = rules_add(&add, want->v[i], strlen(want->v[i]));
	if (ret == 0 && gone.n)
		ret = change(e, zone, permanent, false, gone.v, gone.n);
	if (ret == 0 && add.n)
		ret = change(e, zone, permanent, true, add.v, add.n);
	rules_release(&gone);
	rules_release(&add);
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
			if (!rules_has(w, z->rules.v[k]))
				ret = plan_integration(p, PLAN_DELETE, "firewalld rich rule", where,
						       z->rules.v[k]);
		for (size_t k = 0; ret == 0 && k < w->n; k++)
			if (!rules_has(&z->rules, w->v[k]))
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
	int ret = list_zones(e, true, &pm);

	if (ret == 0)
		ret = list_zones(e, false, &rt);
	if (ret == 0 && want)
		ret = target_zone(e, want, &pm, zone, sizeof(zone));
	if (ret == 0 && want)
		ret = wanted_rules(want, &w);
	/* Runtime first: it is what filters now; permanent keeps it across reloads. */
	if (ret == 0)
		ret = side(e, &rt, false, want ? zone : NULL, &w, p);
	if (ret == 0)
		ret = side(e, &pm, true, want ? zone : NULL, &w, p);
	rules_release(&w);
	zones_release(&rt);
	zones_release(&pm);
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
	int ret = list_zones(e, false, &rt);

	if (ret == 0)
		ret = list_zones(e, true, &pm);
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
	zones_release(&rt);
	zones_release(&pm);
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
		ret = zones_add(z, zone, zlen);
		x = ret == 0 ? &z->v[z->n - 1] : NULL;
	}
	return ret == 0 ? rules_add(&x->rules, rule, len) : ret;
}

/* Each zone of @now to what @saved had in it (nothing when @saved does not name it). */
static int undo_side(const struct backend_env *e, const struct fwd_zones *now,
		     const struct fwd_zones *saved, bool permanent)
{
	const struct fwd_rules none = { 0 };
	int ret = 0;

	for (size_t i = 0; i < now->n; i++) {
		const struct fwd_zone *s = zones_find(saved, now->v[i].name);
		int r = converge(e, now->v[i].name, permanent, &now->v[i].rules,
				 s ? &s->rules : &none);

		if (r < 0 && ret == 0)
			ret = r;
	}
	for (size_t i = 0; i < saved->n && ret == 0; i++)
		if (!zones_find(now, saved->v[i].name) && saved->v[i].rules.n)
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
		ret = list_zones(e, false, &rt);
	if (ret == 0)
		ret = list_zones(e, true, &pm);
	if (ret == 0)
		ret = undo_side(e, &rt, &srt, false);
	if (ret == 0)
		ret = undo_side(e, &pm, &spm, true);
	zones_release(&srt);
	zones_release(&spm);
	zones_release(&rt);
	zones_release(&pm);
	return ret;
}

const struct backend_ops backend_firewalld = {
	.backend = SITE_BACKEND_FIREWALLD,
	.save = fwd_save,
	.plan = fwd_plan,
	.apply = fwd_apply,
	.undo = fwd_undo,
};
