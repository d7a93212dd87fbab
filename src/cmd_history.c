/*
 * history: the generations kept in the state directory, oldest first:
 * number, time, user, command, outcome, the site (path and SHA-256) and
 * the plan's summary.  Reads only; takes no lock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "cmd.h"
#include "diag.h"
#include "state.h"

static json_t *gen_json(const struct state_gen *g)
{
	char when[DIAG_TIME_LEN];
	char hex[STATE_SHA256_HEX];

	if (g->damaged)
		return json_pack("{s:I, s:b}", "generation", (json_int_t)g->number, "damaged", 1);
	diag_time(g->time, when);
	state_sha256_hex(g->site_sha256, hex);
	return json_pack("{s:I, s:b, s:s, s:s, s:s, s:s, s:s?, s:s?, s:{s:I, s:I, s:I}}",
			 "generation", (json_int_t)g->number, "damaged", 0, "time", when, "user",
			 g->user, "command", g->command, "outcome", g->outcome, "site", g->site,
			 "site_sha256", g->has_site_sha256 ? hex : NULL, "summary", "added",
			 (json_int_t)g->added, "changed", (json_int_t)g->changed, "deleted",
			 (json_int_t)g->deleted);
}

static void print_gen(const struct state_gen *g)
{
	char when[DIAG_TIME_LEN];
	char hex[STATE_SHA256_HEX];

	if (g->damaged) {
		printf("%4u  (damaged: cannot be trusted; see the warning)\n", g->number);
		return;
	}
	diag_time(g->time, when);
	printf("%4u  %s  %-10s %-18s %s\n", g->number, when, g->user, g->command, g->outcome);
	if (g->site) {
		state_sha256_hex(g->site_sha256, hex);
		printf("      site %s", g->site);
		if (g->has_site_sha256)
			printf(" (sha256 %s)", hex);
		printf("\n");
	}
	printf("      +%llu added, ~%llu changed, -%llu deleted\n", (unsigned long long)g->added,
	       (unsigned long long)g->changed, (unsigned long long)g->deleted);
}

int cmd_history(struct ctx *c, const struct cmd_args *a)
{
	struct state s;
	struct state_gen *gens = NULL;
	size_t n = 0;
	json_t *list = NULL;
	json_t *doc = NULL;
	int ret;

	(void)a;
	ret = state_open(c, 0, &s);
	if (ret == 0)
		ret = state_gen_list(&s, &gens, &n);
	if (ret < 0)
		goto out;
	if (c->opts->json) {
		ret = -ENOMEM;
		list = json_array();
		for (size_t i = 0; list && i < n; i++)
			if (json_array_append_new(list, gen_json(&gens[i])) < 0)
				goto out;
		doc = list ? json_pack("{s:O}", "generations", list) : NULL;
		ret = doc ? cmd_json_result(c, doc) : -ENOMEM;
		goto out;
	}
	if (!n && !c->opts->quiet)
		printf("No history yet: no change is kept in '%s'.\n", s.dir);
	for (size_t i = 0; i < n; i++)
		print_gen(&gens[i]);
out:
	for (size_t i = 0; i < n; i++)
		state_gen_release(&gens[i]);
	free(gens);
	json_decref(list);
	json_decref(doc);
	state_close(&s);
	return ret;
}
