/*
 * test_nft_text_pair: the live and the wanted ruleset printed together for
 * diff, with what both sets hold alike left out of both texts: the diff of
 * what is left reads exactly as the diff of the whole texts (random sets,
 * changed a little or a lot, renamed, of another family, context 0 to 3),
 * and one network swapped among 100 000 is one line out and one in, from
 * texts of a few lines.
 */
#include <stdio.h>

#include "diff.h"
#include "nft_text.h"
#include "ruleset_fixture.h"

/* The universe the random sets below draw their elements from. */
#define UNIVERSE 300

/*
 * A standalone ruleset with @n sets: set k named @names[k], of family
 * @afs[k], holding element i of the universe when has[k][i] (IPv4
 * 10.k.i.0/24, IPv6 fd00:0:k::i:0/112; i ascending, so sorted).
 */
static struct ruleset *sets_of(const char *const *names, const int *afs, size_t n,
			       bool has[][UNIVERSE])
{
	struct ruleset *rs = calloc(1, sizeof(*rs));

	assert_non_null(rs);
	rs->table = strdup("t");
	rs->sets = calloc(n, sizeof(*rs->sets));
	assert_non_null(rs->sets);
	rs->n_sets = n;
	for (size_t k = 0; k < n; k++) {
		struct ir_set *set = &rs->sets[k];

		set->name = strdup(names[k]);
		assert_non_null(set->name);
		set->addr_family = afs[k];
		set->flags = IR_SET_INTERVAL | IR_SET_AUTO_MERGE;
		assert_int_equal(ir_set_reserve(set, UNIVERSE), 0);
		for (size_t i = 0; i < UNIVERSE; i++) {
			struct ir_range *r;

			if (!has[k][i])
				continue;
			r = &set->elems[set->n_elems++];
			memset(r, 0, sizeof(*r));
			if (afs[k] == AF_INET) {
				r->lo[0] = 10;
				r->lo[1] = (uint8_t)(k * 2 + i / 256);
				r->lo[2] = (uint8_t)i;
				memcpy(r->hi, r->lo, 3);
				r->hi[3] = 0xff;
			} else {
				r->lo[0] = 0xfd;
				r->lo[5] = (uint8_t)k;
				r->lo[12] = (uint8_t)(i >> 8);
				r->lo[13] = (uint8_t)i;
				memcpy(r->hi, r->lo, 14);
				r->hi[14] = r->hi[15] = 0xff;
			}
		}
	}
	return rs;
}

/* The ruleset diff as it was before runs were left out: both whole texts. */
static char *diff_whole(const struct ruleset *a, const struct ruleset *b, unsigned context)
{
	char *ta = NULL;
	char *tb = NULL;
	char *out = NULL;
	struct diff_stat st;

	assert_int_equal(nft_text_render(a, NFT_TEXT_DIFF, &ta), 0);
	assert_int_equal(nft_text_render(b, NFT_TEXT_DIFF, &tb), 0);
	assert_int_equal(diff_unified("l", ta, "s", tb, context, false, &out, &st), 0);
	free(ta);
	free(tb);
	return out;
}

static char *diff_pair(const struct ruleset *a, const struct ruleset *b, unsigned context,
		       size_t *text_len)
{
	struct nft_text_pair t;
	char *out = NULL;
	struct diff_stat st;

	assert_int_equal(nft_text_render_pair(a, b, context, &t), 0);
	assert_int_equal(diff_unified_gaps("l", t.old, "s", t.new, t.gaps, t.n_gaps, context,
					   false, &out, &st), 0);
	if (text_len)
		*text_len = strlen(t.old) + strlen(t.new);
	nft_text_pair_release(&t);
	return out;
}

/*
 * Random sets, some changed a little, some a lot, some renamed or of
 * another family: with the shared runs left out the diff reads exactly
 * as the diff of the whole texts.
 */
static void test_nft_text_pair_diffs_as_the_whole_text(void **state)
{
	static const char *const names[] = { "a", "b", "c" };
	static const unsigned flips[] = { 0, 2, 10, 60, 500, 1000 };	/* per mille */
	static bool has_old[3][UNIVERSE];
	static bool has_new[3][UNIVERSE];
	unsigned seed = 4242;

	(void)state;
	for (int round = 0; round < 500; round++) {
		size_t n = 1 + (size_t)(rand_r(&seed) % 3);
		unsigned flip = flips[rand_r(&seed) % 6];
		unsigned context = (unsigned)(rand_r(&seed) % 4);
		const char *new_names[3] = { "a", "b", "c" };
		int afs[3];
		int new_afs[3];
		struct ruleset *a;
		struct ruleset *b;
		char *whole;
		char *pair;

		for (size_t k = 0; k < n; k++) {
			afs[k] = new_afs[k] = rand_r(&seed) % 2 ? AF_INET : AF_INET6;
			if (rand_r(&seed) % 20 == 0)
				new_names[k] = "d";
			if (rand_r(&seed) % 20 == 0)
				new_afs[k] = afs[k] == AF_INET ? AF_INET6 : AF_INET;
			for (size_t i = 0; i < UNIVERSE; i++) {
				has_old[k][i] = rand_r(&seed) % 10 < 7;
				has_new[k][i] = has_old[k][i] ^ ((unsigned)rand_r(&seed) % 1000 < flip);
			}
		}
		a = sets_of(names, afs, n, has_old);
		b = sets_of(new_names, new_afs, n, has_new);
		whole = diff_whole(a, b, context);
		pair = diff_pair(a, b, context, NULL);
		if (strcmp(whole, pair))
			printf("round %d (context %u, flip %u/1000):\n%s\n---- with gaps:\n%s", round,
			       context, flip, whole, pair);
		assert_string_equal(whole, pair);
		free(whole);
		free(pair);
		ruleset_free(a);
		ruleset_free(b);
	}
}

/*
 * One network swapped in a set of 100 000, next to a set of 100 000 that
 * did not change: one line out, one line in, and of the rest only the
 * context; the texts compared are a few lines, not 200 000.
 */
static void test_nft_text_pair_leaves_out_what_did_not_change(void **state)
{
	struct ruleset *a = one_set(AF_INET, 100000);
	struct ruleset *b = one_set(AF_INET, 100000);
	char *whole;
	char *pair;
	size_t len = 0;
	size_t minus = 0;
	size_t plus = 0;

	(void)state;
	/* 10.0.200.0/24 becomes 10.0.200.128/25: still sorted, still apart. */
	b->sets[0].elems[200].lo[3] = 128;
	whole = diff_whole(a, b, 3);
	pair = diff_pair(a, b, 3, &len);
	assert_string_equal(whole, pair);
	assert_true(len < 1000);
	for (const char *p = pair; p; p = strchr(p + 1, '\n')) {
		minus += !strncmp(p, "\n-\t", 3);
		plus += !strncmp(p, "\n+\t", 3);
	}
	assert_int_equal(minus, 1);
	assert_int_equal(plus, 1);
	assert_non_null(strstr(pair, "@@ -203,7 +203,7 @@\n"));
	assert_non_null(strstr(pair, "\n-\t\t\t     10.0.200.0/24,\n"
					 "+\t\t\t     10.0.200.128/25,\n"));
	free(whole);
	free(pair);
	ruleset_free(a);
	ruleset_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nft_text_pair_diffs_as_the_whole_text),
		cmocka_unit_test(test_nft_text_pair_leaves_out_what_did_not_change),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
