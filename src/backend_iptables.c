/*
 * backend_iptables: the integration with hosts whose INPUT is filtered
 * through iptables-nft (plain iptables with policy DROP, ufw, Docker).
 *
 * ftpcfg's own table decides (allowlists, limits, the helper) and sets
 * the site's mark bits on the conntrack of every FTP connection it
 * accepts (ruleset.c); here, through iptables itself, so that iptables
 * can read back all of it, one chain of ftpcfg's in iptables' filter
 * table:
 *
 *   -N ftpcfg-input
 *   -A ftpcfg-input -m connmark --mark M/M -m comment --comment "..." -j ACCEPT
 *   -I INPUT 1 -j ftpcfg-input
 *
 * for each of ip and ip6 whose filter table has an INPUT chain (without
 * one, nothing of iptables' filters that family's input).  Data
 * connections related to a marked control connection inherit its mark.
 *
 * The same shape for OUTPUT (ftpcfg-output, its jump first in OUTPUT)
 * where the host's OUTPUT filters: a drop policy or any rule of its own.
 * What leaves through it is the server's side of every marked connection
 * (control replies, passive data replies) and active mode's data
 * connections, which the helper relates to a marked control connection
 * and which so carry its mark from their first packet.  An OUTPUT with
 * policy ACCEPT and no rule filters nothing: no chain there.
 * A reload of the manager keeps it (ufw flushes only its ufw-* chains;
 * iptables-restore of a save taken after apply brings it back), and
 * `iptables-save` reads it like any other iptables rule.
 *
 * The chain ftpcfg-input is ftpcfg's: whatever else is in it is taken
 * out (the plan says so first).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "daemon.h"

#define COMMENT "ftpcfg: the FTP connections it accepted"
/* Jumps to our chain taken out of INPUT at most, should someone have added many. */
#define MAX_JUMPS 16

struct ipt_family {
	enum ir_family family;
	const char *tool;	/* "iptables" */
	const char *name;	/* "ip", as nft names the table's family */
};

static const struct ipt_family families[] = {
	{ IR_FAMILY_IP, "iptables", "ip" },
	{ IR_FAMILY_IP6, "ip6tables", "ip6" },
};

#define N_FAMILIES (sizeof(families) / sizeof(families[0]))

/* A hook of iptables' filter table, and ftpcfg's chain for it. */
struct ipt_hook {
	const char *base;	/* "INPUT" */
	const char *chain;	/* "ftpcfg-input" */
	const char *key;	/* its fields in the journal: "" or "out-" */
};

static const struct ipt_hook hooks[] = {
	{ "INPUT", "ftpcfg-input", "" },
	{ "OUTPUT", "ftpcfg-output", "out-" },
};

#define N_HOOKS (sizeof(hooks) / sizeof(hooks[0]))

/* What one family has now at one hook. */
struct ipt_state {
	bool input;		/* the base chain is there and filters (INPUT: is there) */
	bool chain;		/* ftpcfg's chain exists */
	bool jump;		/* the base chain jumps to it */
	uint32_t mark;		/* its rules are exactly our one rule for this mark; else 0 */
	char rules[DAEMON_OUTPUT_MAX];	/* its rules, as `iptables -S` prints them */
};

/* Our one rule for @mark in @h's chain as `iptables -S` prints it. */
static void our_rule(const struct ipt_hook *h, uint32_t mark, char *buf, size_t size)
{
	snprintf(buf, size, "-A %s -m connmark --mark 0x%x/0x%x -m comment --comment \""
		 COMMENT "\" -j ACCEPT", h->chain, mark, mark);
}

/*
 * Run @f's tool with @args (NULL-terminated, at most 14).  0 when it ran;
 * unless @quiet, an exit status other than 0 is -ECHILD with a diag that
 * names the command and what it said.  *code: the exit status; @out
 * (DAEMON_OUTPUT_MAX, may be NULL): what it printed.
 */
static int ipt(const struct backend_env *e, const struct ipt_family *f, bool quiet, int *code,
	       char *out, const char *const *args)
{
	char *argv[17] = { (char *)f->tool, (char *)"-w" };
	char buf[DAEMON_OUTPUT_MAX];
	char line[512] = "";
	char *o = out ? out : buf;
	size_t n = 2;
	int rc = 0;
	int ret;

	for (size_t i = 0; args[i] && n < 16; i++) {
		argv[n++] = (char *)args[i];
		if (strlen(line) + strlen(args[i]) + 2 < sizeof(line)) {
			strcat(line, " ");
			strcat(line, args[i]);
		}
	}
	argv[n] = NULL;
	ret = daemon_exec(argv, o, &rc);
	if (code)
		*code = rc;
	if (ret == -ENOENT)
		return diag(e->d, NULL, ret, "backend iptables: '%s' is not installed; install "
			    "Debian's iptables package, or use backend=\"nftables\"", f->tool);
	if (ret < 0)
		return diag(e->d, NULL, ret, "backend iptables: '%s%s' failed: %s", f->tool, line,
			    strerror(-ret));
	if (rc != 0 && !quiet) {
		o[strcspn(o, "\n")] = '\0';
		return diag(e->d, NULL, -ECHILD, "backend iptables: '%s%s' exited %d%s%s", f->tool,
			    line, rc, *o ? ": " : "", o);
	}
	return 0;
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* The line at *@at, its newline cut; *@at moves past it.  For `iptables -S` output. */
static const char *next_line(char **at)
{
	char *line = *at;
	size_t len = strcspn(line, "\n");

	*at = line + len;
	if (line[len]) {
		line[len] = '\0';
		(*at)++;
	}
	return line;
}

/*
 * Whether @f's OUTPUT filters anything: a drop policy, or a rule other
 * than our jump.  *filters false when there is no OUTPUT.
 */
static int output_filters(const struct backend_env *e, const struct ipt_family *f,
			  const struct ipt_hook *h, bool *filters)
{
	char out[DAEMON_OUTPUT_MAX];
	char jump[64];
	bool exists = false;
	int ret = nft_netlink_chain_exists(e->nl, f->family, "filter", h->base, &exists);

	*filters = false;
	if (ret < 0 || !exists)
		return ret;
	ret = ipt(e, f, false, NULL, out, ARGS("-S", h->base));
	if (ret < 0)
		return ret;
	snprintf(jump, sizeof(jump), "-A %s -j %s", h->base, h->chain);
	for (char *at = out; *at && !*filters;) {
		const char *line = next_line(&at);

		if (!strncmp(line, "-P ", 3))
			*filters = strstr(line, " DROP") != NULL;
		else if (!strncmp(line, "-A ", 3))
			*filters = strcmp(line, jump) != 0;
	}
	return 0;
}

static int read_state(const struct backend_env *e, const struct ipt_family *f,
		      const struct ipt_hook *h, struct ipt_state *st)
{
	char head[64];
	char want[256];
	char newc[64];
	char *p;
	int code = 0;
	int ret;

	memset(st, 0, sizeof(*st));
	if (h == &hooks[0])
		ret = nft_netlink_chain_exists(e->nl, f->family, "filter", h->base, &st->input);
	else
		ret = output_filters(e, f, h, &st->input);
	if (ret == 0)
		ret = nft_netlink_chain_exists(e->nl, f->family, "filter", h->chain, &st->chain);
	if (ret < 0)
		return diag(e->d, NULL, ret, "backend iptables: cannot read table %s filter: %s",
			    f->name, strerror(-ret));
	if (st->chain) {
		bool base = st->input;

		/* OUTPUT may jump to our chain without filtering anything else. */
		if (!base)
			ret = nft_netlink_chain_exists(e->nl, f->family, "filter", h->base, &base);
		if (ret == 0 && base)
			ret = ipt(e, f, true, &code, NULL, ARGS("-C", h->base, "-j", h->chain));
		if (ret < 0)
			return ret;
		st->jump = base && code == 0;
	}
	if (!st->chain)
		return 0;
	ret = ipt(e, f, false, NULL, st->rules, ARGS("-S", h->chain));
	if (ret < 0)
		return ret;
	/* Drop the "-N ftpcfg-input" line: what is left are the rules. */
	snprintf(newc, sizeof(newc), "-N %s\n", h->chain);
	p = strstr(st->rules, newc);
	if (p)
		memmove(p, p + strlen(newc), strlen(p + strlen(newc)) + 1);
	p = st->rules;
	snprintf(head, sizeof(head), "-A %s -m connmark --mark 0x", h->chain);
	if (!strncmp(p, head, strlen(head))) {
		uint32_t m = (uint32_t)strtoul(p + strlen(head), NULL, 16);

		our_rule(h, m, want, sizeof(want));
		if (m && !strncmp(p, want, strlen(want)) && !strcmp(p + strlen(want), "\n"))
			st->mark = m;
	}
	return 0;
}

static const char *what_chain(const struct ipt_family *f)
{
	return f->family == IR_FAMILY_IP ? "iptables chain" : "ip6tables chain";
}

static bool wanted(const struct ruleset *want, const struct ipt_state *st)
{
	return want && st->input;
}

static int plan_hook(const struct backend_env *e, const struct ipt_family *f,
		     const struct ipt_hook *h, const struct ruleset *want, struct plan *p)
{
	struct ipt_state st;
	char where[64];
	char table[32];
	char what[32];
	char rule[256];
	char text[64];
	int ret = read_state(e, f, h, &st);

	if (ret < 0)
		return ret;
	snprintf(where, sizeof(where), "%s filter %s", f->name, h->chain);
	snprintf(table, sizeof(table), "%s filter", f->name);
	snprintf(what, sizeof(what), "%s rule", f->tool);
	if (wanted(want, &st) && st.mark == want->mark)
		goto jump;
	/* Each rule there now that is not the one wanted goes. */
	for (char *at = st.rules; ret == 0 && *at;) {
		const char *line = next_line(&at);

		if (*line)
			ret = plan_integration(p, PLAN_DELETE, what, where, line);
	}
	if (ret == 0 && wanted(want, &st)) {
		snprintf(text, sizeof(text), "-N %s", h->chain);
		if (!st.chain)
			ret = plan_integration(p, PLAN_ADD, what_chain(f), table, text);
		our_rule(h, want->mark, rule, sizeof(rule));
		if (ret == 0)
			ret = plan_integration(p, PLAN_ADD, what, where, rule);
	} else if (ret == 0 && st.chain) {
		snprintf(text, sizeof(text), "-X %s", h->chain);
		ret = plan_integration(p, PLAN_DELETE, what_chain(f), table, text);
	}
jump:
	snprintf(where, sizeof(where), "%s filter %s", f->name, h->base);
	if (ret == 0 && wanted(want, &st) && !st.jump) {
		snprintf(text, sizeof(text), "-I %s 1 -j %s", h->base, h->chain);
		ret = plan_integration(p, PLAN_ADD, what, where, text);
	} else if (ret == 0 && !wanted(want, &st) && st.jump) {
		snprintf(text, sizeof(text), "-A %s -j %s", h->base, h->chain);
		ret = plan_integration(p, PLAN_DELETE, what, where, text);
	}
	return ret;
}

static int plan(const struct backend_env *e, const struct ruleset *want, struct plan *p)
{
	int ret = 0;

	for (size_t i = 0; i < N_FAMILIES && ret == 0; i++)
		for (size_t k = 0; k < N_HOOKS && ret == 0; k++)
			ret = plan_hook(e, &families[i], &hooks[k], want, p);
	return ret;
}

/*
 * Make family @f's hook @h hold our chain with the rule for @mark (0: no
 * rule) and the jump, or nothing.
 */
static int put(const struct backend_env *e, const struct ipt_family *f, const struct ipt_hook *h,
	       bool present, uint32_t mark, bool jump)
{
	struct ipt_state st;
	char m[32];
	int code = 0;
	int ret = read_state(e, f, h, &st);

	if (ret < 0)
		return ret;
	/* Nothing of iptables filters this family's traffic there: nothing to let through. */
	if (!st.input)
		present = false;
	for (int i = 0; ret == 0 && st.jump && (!present || !jump) && i < MAX_JUMPS; i++) {
		ret = ipt(e, f, true, &code, NULL, ARGS("-D", h->base, "-j", h->chain));
		st.jump = ret == 0 && code == 0;
	}
	if (ret < 0)
		return ret;
	if (!present) {
		if (st.chain)
			ret = ipt(e, f, false, NULL, NULL, ARGS("-F", h->chain));
		if (ret == 0 && st.chain)
			ret = ipt(e, f, false, NULL, NULL, ARGS("-X", h->chain));
		return ret;
	}
	if (!st.chain)
		ret = ipt(e, f, false, NULL, NULL, ARGS("-N", h->chain));
	if (ret == 0 && st.chain && st.rules[0] && st.mark != mark)
		ret = ipt(e, f, false, NULL, NULL, ARGS("-F", h->chain));
	snprintf(m, sizeof(m), "0x%x/0x%x", mark, mark);
	if (ret == 0 && mark && st.mark != mark)
		ret = ipt(e, f, false, NULL, NULL, ARGS("-A", h->chain, "-m", "connmark", "--mark",
							m, "-m", "comment", "--comment", COMMENT,
							"-j", "ACCEPT"));
	if (ret == 0 && jump && !st.jump)
		ret = ipt(e, f, false, NULL, NULL, ARGS("-I", h->base, "1", "-j", h->chain));
	return ret;
}

static int apply(const struct backend_env *e, const struct ruleset *want)
{
	int ret = 0;

	for (size_t i = 0; i < N_FAMILIES && ret == 0; i++)
		for (size_t k = 0; k < N_HOOKS && ret == 0; k++)
			ret = put(e, &families[i], &hooks[k], want != NULL, want ? want->mark : 0,
				  true);
	return ret;
}

/*
 * Saved: one line a family, "ip chain=1 jump=1 mark=0x2000 out-chain=0
 * out-jump=0 out-mark=0x0" (a journal written before OUTPUT was handled
 * has no out- fields: then there was no ftpcfg-output).
 */
static int save(const struct backend_env *e, struct backend_saved *out)
{
	char buf[512] = "";
	size_t len = 0;

	for (size_t i = 0; i < N_FAMILIES; i++) {
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s", families[i].name);
		for (size_t k = 0; k < N_HOOKS; k++) {
			struct ipt_state st;
			int ret = read_state(e, &families[i], &hooks[k], &st);

			if (ret < 0)
				return ret;
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
						" %schain=%d %sjump=%d %smark=0x%x", hooks[k].key,
						st.chain, hooks[k].key, st.jump, hooks[k].key, st.mark);
		}
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "\n");
	}
	out->data = (uint8_t *)strdup(buf);
	out->len = len;
	return out->data ? 0 : -ENOMEM;
}

static int undo(const struct backend_env *e, const struct backend_saved *saved)
{
	const char *p = (const char *)saved->data;
	const char *end = p + saved->len;
	int ret = 0;

	for (size_t i = 0; i < N_FAMILIES; i++) {
		const char *eol = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
		size_t len = eol ? (size_t)(eol - p) : 0;
		char line[256] = "";
		char name[8] = "";
		int chain[N_HOOKS] = { 0 };
		int jump[N_HOOKS] = { 0 };
		unsigned mark[N_HOOKS] = { 0 };
		int n = 0;

		if (eol && len < sizeof(line))
			memcpy(line, p, len);
		if (!eol || len >= sizeof(line) ||
		    sscanf(line, "%7s chain=%d jump=%d mark=0x%x%n", name, &chain[0], &jump[0],
			   &mark[0], &n) != 4 || strcmp(name, families[i].name))
			return diag(e->d, NULL, -EUCLEAN, "backend iptables: the journal's record "
				    "of chains %s and %s cannot be read; check them with '%s -S'",
				    hooks[0].chain, hooks[1].chain, families[i].tool);
		/* Absent (an older journal): there was no ftpcfg-output. */
		if (sscanf(line + n, " out-chain=%d out-jump=%d out-mark=0x%x", &chain[1], &jump[1],
			   &mark[1]) != 3) {
			chain[1] = 0;
			jump[1] = 0;
			mark[1] = 0;
		}
		p = eol + 1;
		for (size_t k = 0; k < N_HOOKS; k++) {
			int r = put(e, &families[i], &hooks[k], chain[k], mark[k], jump[k]);

			if (r < 0 && ret == 0)
				ret = r;
		}
	}
	return ret;
}

const struct backend_ops backend_iptables_ops = {
	.backend = SITE_BACKEND_IPTABLES,
	.save = save,
	.plan = plan,
	.apply = apply,
	.undo = undo,
};
