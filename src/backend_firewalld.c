/*
 * backend_firewalld: the firewalld integration.  ftpcfg's own table decides
 * (allowlists, limits, the ftp helper); firewalld is told to accept the
 * first packets that table accepts, as rich rules in its default zone,
 * each `rule priority="4654" [family=F source address=NET] [destination
 * address=A] port port=P protocol="tcp" accept`, in the runtime and the
 * permanent configuration alike (see the README for why rich rules).
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

/* ftpcfg's rich rules in @zone now, runtime or (@permanent) permanent. */
static int current_rules(const struct backend_env *e, const char *zone, bool permanent,
			 struct fwd_rules *out)
{
	char zarg[96];
	char *argv[5];
	char *text = NULL;
	size_t k = 0;
	int ret;

	snprintf(zarg, sizeof(zarg), "--zone=%s", zone);
	argv[k++] = (char *)FWD_CMD;
	if (permanent)
		argv[k++] = (char *)"--permanent";
	argv[k++] = zarg;
	argv[k++] = (char *)"--list-rich-rules";
	argv[k] = NULL;
	ret = fwd_run(e, argv, &text);
	for (char *l = text; ret == 0 && l && *l;) {
		size_t n = strcspn(l, "\n");

		if (n > 0 && !strncmp(l, "rule priority=\"" FWD_PRIORITY "\" ",
				      strlen("rule priority=\"" FWD_PRIORITY "\" ")))
			ret = rules_add(out, l, n);
		l += n + (l[n] == '\n');
	}
	free(text);
	return ret;
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

/* Bring ftpcfg's rules in @zone (runtime or permanent) from what is there to @want. */
static int converge(const struct backend_env *e, const char *zone, bool permanent,
		    const struct fwd_rules *want)
{
	struct fwd_rules have = { 0 };
	struct fwd_rules gone = { 0 };
	struct fwd_rules add = { 0 };
	int ret = current_rules(e, zone, permanent, &have);

	for (size_t i = 0; ret == 0 && i < have.n; i++)
		if (!rules_has(want, have.v[i]))
			ret = rules_add(&gone, have.v[i], strlen(have.v[i]));
	for (size_t i = 0; ret == 0 && i < want->n; i++)
		if (!rules_has(&have, want->v[i]))
			ret = rules_add(&add, want->v[i], strlen(want->v[i]));
	if (ret == 0 && gone.n)
		ret = change(e, zone, permanent, false, gone.v, gone.n);
	if (ret == 0 && add.n)
		ret = change(e, zone, permanent, true, add.v, add.n);
	rules_release(&have);
	rules_release(&gone);
	rules_release(&add);
	return ret;
}

static int fwd_apply(const struct backend_env *e, const struct ruleset *want)
{
	struct fwd_rules w = { 0 };
	char zone[64];
	int ret = default_zone(e, zone, sizeof(zone));

	if (ret == 0 && want)
		ret = wanted_rules(want, &w);
	/* Runtime first: it is what filters now; permanent keeps it across reloads. */
	if (ret == 0)
		ret = converge(e, zone, false, &w);
	if (ret == 0)
		ret = converge(e, zone, true, &w);
	rules_release(&w);
	return ret;
}

static int plan_side(const struct backend_env *e, const char *zone, bool permanent,
		     const struct fwd_rules *want, struct plan *p)
{
	struct fwd_rules have = { 0 };
	char where[96];
	int ret = current_rules(e, zone, permanent, &have);

	snprintf(where, sizeof(where), "zone %s%s", zone, permanent ? " (permanent)" : "");
	for (size_t i = 0; ret == 0 && i < have.n; i++)
		if (!rules_has(want, have.v[i]))
			ret = plan_integration(p, PLAN_DELETE, "firewalld rich rule", where,
					       have.v[i]);
	for (size_t i = 0; ret == 0 && i < want->n; i++)
		if (!rules_has(&have, want->v[i]))
			ret = plan_integration(p, PLAN_ADD, "firewalld rich rule", where,
					       want->v[i]);
	rules_release(&have);
	return ret;
}

static int fwd_plan(const struct backend_env *e, const struct ruleset *want, struct plan *p)
{
	struct fwd_rules w = { 0 };
	char zone[64];
	int ret = default_zone(e, zone, sizeof(zone));

	if (ret == 0 && want)
		ret = wanted_rules(want, &w);
	if (ret == 0)
		ret = plan_side(e, zone, false, &w, p);
	if (ret == 0)
		ret = plan_side(e, zone, true, &w, p);
	rules_release(&w);
	return ret;
}

/*
 * Saved: the zone, then ftpcfg's rules of each side, one a line, "R " for
 * runtime and "P " for permanent.  Rich rules hold no newline.
 */
static int fwd_save(const struct backend_env *e, struct backend_saved *out)
{
	struct fwd_rules rt = { 0 };
	struct fwd_rules pm = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = NULL;
	char zone[64];
	int ret = default_zone(e, zone, sizeof(zone));

	if (ret == 0)
		ret = current_rules(e, zone, false, &rt);
	if (ret == 0)
		ret = current_rules(e, zone, true, &pm);
	if (ret == 0) {
		f = open_memstream(&buf, &len);
		if (!f)
			ret = -ENOMEM;
	}
	if (ret == 0) {
		fprintf(f, "%s\n", zone);
		for (size_t i = 0; i < rt.n; i++)
			fprintf(f, "R %s\n", rt.v[i]);
		for (size_t i = 0; i < pm.n; i++)
			fprintf(f, "P %s\n", pm.v[i]);
		if (fclose(f) != 0)
			ret = -ENOMEM;
		f = NULL;
	}
	if (ret == 0) {
		out->data = (uint8_t *)buf;
		out->len = len;
		buf = NULL;
	}
	free(buf);
	rules_release(&rt);
	rules_release(&pm);
	return ret;
}

static int fwd_undo(const struct backend_env *e, const struct backend_saved *saved)
{
	struct fwd_rules rt = { 0 };
	struct fwd_rules pm = { 0 };
	const char *p = (const char *)saved->data;
	const char *end = p + saved->len;
	char zone[64] = "";
	int ret = 0;

	for (bool first = true; p && p < end && ret == 0; first = false) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (first) {
			if (n == 0 || n >= sizeof(zone))
				return diag(e->d, NULL, -EINVAL, "the journal's firewalld entry "
					    "names no zone");
			memcpy(zone, p, n);
		} else if (n > 2 && (p[0] == 'R' || p[0] == 'P') && p[1] == ' ') {
			ret = rules_add(p[0] == 'R' ? &rt : &pm, p + 2, n - 2);
		}
		p = nl ? nl + 1 : end;
	}
	if (ret == 0 && !zone[0])
		ret = diag(e->d, NULL, -EINVAL, "the journal's firewalld entry is empty");
	if (ret == 0)
		ret = converge(e, zone, false, &rt);
	if (ret == 0)
		ret = converge(e, zone, true, &pm);
	rules_release(&rt);
	rules_release(&pm);
	return ret;
}

const struct backend_ops backend_firewalld = {
	.backend = SITE_BACKEND_FIREWALLD,
	.save = fwd_save,
	.plan = fwd_plan,
	.apply = fwd_apply,
	.undo = fwd_undo,
};
