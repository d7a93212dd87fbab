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

#define CHAIN "ftpcfg-input"
#define COMMENT "ftpcfg: the FTP connections it accepted"
#define RULE_HEAD "-A " CHAIN " -m connmark --mark 0x"
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

/* What one family has now. */
struct ipt_state {
	bool input;		/* filter has an INPUT chain */
	bool chain;		/* ftpcfg-input exists */
	bool jump;		/* INPUT jumps to it */
	uint32_t mark;		/* its rules are exactly our one rule for this mark; else 0 */
	char rules[DAEMON_OUTPUT_MAX];	/* its rules, as `iptables -S` prints them */
};

/* Our one rule for @mark as `iptables -S` prints it. */
static void our_rule(uint32_t mark, char *buf, size_t size)
{
	snprintf(buf, size, "-A " CHAIN " -m connmark --mark 0x%x/0x%x -m comment --comment \""
		 COMMENT "\" -j ACCEPT", mark, mark);
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

static int read_state(const struct backend_env *e, const struct ipt_family *f,
		      struct ipt_state *st)
{
	char want[256];
	char *p;
	int code = 0;
	int ret;

	memset(st, 0, sizeof(*st));
	ret = nft_netlink_chain_exists(e->nl, f->family, "filter", "INPUT", &st->input);
	if (ret == 0)
		ret = nft_netlink_chain_exists(e->nl, f->family, "filter", CHAIN, &st->chain);
	if (ret < 0)
		return diag(e->d, NULL, ret, "backend iptables: cannot read table %s filter: %s",
			    f->name, strerror(-ret));
	if (st->input && st->chain) {
		ret = ipt(e, f, true, &code, NULL, ARGS("-C", "INPUT", "-j", CHAIN));
		if (ret < 0)
			return ret;
		st->jump = code == 0;
	}
	if (!st->chain)
		return 0;
	ret = ipt(e, f, false, NULL, st->rules, ARGS("-S", CHAIN));
	if (ret < 0)
		return ret;
	/* Drop the "-N ftpcfg-input" line: what is left are the rules. */
	p = strstr(st->rules, "-N " CHAIN "\n");
	if (p)
		memmove(p, p + strlen("-N " CHAIN "\n"), strlen(p + strlen("-N " CHAIN "\n")) + 1);
	p = st->rules;
	if (!strncmp(p, RULE_HEAD, strlen(RULE_HEAD))) {
		uint32_t m = (uint32_t)strtoul(p + strlen(RULE_HEAD), NULL, 16);

		our_rule(m, want, sizeof(want));
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

static int plan(const struct backend_env *e, const struct ruleset *want, struct plan *p)
{
	int ret = 0;

	for (size_t i = 0; i < N_FAMILIES && ret == 0; i++) {
		const struct ipt_family *f = &families[i];
		struct ipt_state st;
		char where[64];
		char table[32];
		char what[32];
		char rule[256];

		ret = read_state(e, f, &st);
		if (ret < 0)
			break;
		snprintf(where, sizeof(where), "%s filter %s", f->name, CHAIN);
		snprintf(table, sizeof(table), "%s filter", f->name);
		snprintf(what, sizeof(what), "%s rule", f->tool);
		if (wanted(want, &st) && st.mark == want->mark)
			goto jump;
		/* Each rule there now that is not the one wanted goes. */
		for (char *line = st.rules; ret == 0 && *line;) {
			size_t len = strcspn(line, "\n");
			char c = line[len];

			line[len] = '\0';
			if (*line)
				ret = plan_integration(p, PLAN_DELETE, what, where, line);
			line += len + (c != '\0');
		}
		if (ret == 0 && wanted(want, &st)) {
			if (!st.chain)
				ret = plan_integration(p, PLAN_ADD, what_chain(f), table,
						       "-N " CHAIN);
			our_rule(want->mark, rule, sizeof(rule));
			if (ret == 0)
				ret = plan_integration(p, PLAN_ADD, what, where, rule);
		} else if (ret == 0 && st.chain) {
			ret = plan_integration(p, PLAN_DELETE, what_chain(f), table, "-X " CHAIN);
		}
jump:
		snprintf(where, sizeof(where), "%s filter INPUT", f->name);
		if (ret == 0 && wanted(want, &st) && !st.jump)
			ret = plan_integration(p, PLAN_ADD, what, where, "-I INPUT 1 -j " CHAIN);
		else if (ret == 0 && !wanted(want, &st) && st.jump)
			ret = plan_integration(p, PLAN_DELETE, what, where, "-A INPUT -j " CHAIN);
	}
	return ret;
}

/* Make family @f hold our chain with the rule for @mark (0: no rule) and the jump, or nothing. */
static int put(const struct backend_env *e, const struct ipt_family *f, bool present,
	       uint32_t mark, bool jump)
{
	struct ipt_state st;
	char m[32];
	int code = 0;
	int ret = read_state(e, f, &st);

	if (ret < 0)
		return ret;
	/* Nothing of iptables filters this family's input: nothing to let through. */
	if (!st.input)
		present = false;
	for (int i = 0; ret == 0 && st.jump && (!present || !jump) && i < MAX_JUMPS; i++) {
		ret = ipt(e, f, true, &code, NULL, ARGS("-D", "INPUT", "-j", CHAIN));
		st.jump = ret == 0 && code == 0;
	}
	if (ret < 0)
		return ret;
	if (!present) {
		if (st.chain)
			ret = ipt(e, f, false, NULL, NULL, ARGS("-F", CHAIN));
		if (ret == 0 && st.chain)
			ret = ipt(e, f, false, NULL, NULL, ARGS("-X", CHAIN));
		return ret;
	}
	if (!st.chain)
		ret = ipt(e, f, false, NULL, NULL, ARGS("-N", CHAIN));
	if (ret == 0 && st.chain && st.rules[0] && st.mark != mark)
		ret = ipt(e, f, false, NULL, NULL, ARGS("-F", CHAIN));
	snprintf(m, sizeof(m), "0x%x/0x%x", mark, mark);
	if (ret == 0 && mark && st.mark != mark)
		ret = ipt(e, f, false, NULL, NULL, ARGS("-A", CHAIN, "-m", "connmark", "--mark", m,
							"-m", "comment", "--comment", COMMENT, "-j",
							"ACCEPT"));
	if (ret == 0 && jump && !st.jump)
		ret = ipt(e, f, false, NULL, NULL, ARGS("-I", "INPUT", "1", "-j", CHAIN));
	return ret;
}

static int apply(const struct backend_env *e, const struct ruleset *want)
{
	int ret = 0;

	for (size_t i = 0; i < N_FAMILIES && ret == 0; i++)
		ret = put(e, &families[i], want != NULL, want ? want->mark : 0, true);
	return ret;
}

static int save(const struct backend_env *e, struct backend_saved *out)
{
	char buf[256] = "";
	size_t len = 0;

	for (size_t i = 0; i < N_FAMILIES; i++) {
		struct ipt_state st;
		int ret = read_state(e, &families[i], &st);

		if (ret < 0)
			return ret;
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s chain=%d jump=%d mark=0x%x\n",
					families[i].name, st.chain, st.jump, st.mark);
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
		char name[8];
		int chain = 0;
		int jump = 0;
		unsigned mark = 0;
		int n = 0;
		int r;

		if (p >= end || sscanf(p, "%7s chain=%d jump=%d mark=0x%x\n%n", name, &chain, &jump,
				       &mark, &n) != 4 || n <= 0 || strcmp(name, families[i].name))
			return diag(e->d, NULL, -EUCLEAN, "backend iptables: the journal's record "
				    "of chain " CHAIN " cannot be read; check it with '%s -S'",
				    families[i].tool);
		p += n;
		r = put(e, &families[i], chain, mark, jump);
		if (r < 0 && ret == 0)
			ret = r;
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
