/*
 * diff: the unified diff must be minimal (checked against an O(nm) LCS on
 * random inputs), must turn the old text into the new one when applied,
 * and must read like diff -u.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diff.h"

static void test_diff_equal_is_empty(void **state)
{
	struct diff_stat st;
	char *out = NULL;

	(void)state;
	assert_int_equal(diff_unified("a", "x\ny\n", "b", "x\ny\n", 3, false, &out, &st), 0);
	assert_string_equal(out, "");
	assert_int_equal(st.added + st.removed, 0);
	free(out);
}

static void test_diff_reads_like_diff_u(void **state)
{
	struct diff_stat st;
	char *out = NULL;

	(void)state;
	assert_int_equal(diff_unified("old", "a\nb\nc\nd\n", "new", "a\nB\nc\nd\ne\n", 1, false,
				      &out, &st), 0);
	assert_string_equal(out, "--- old\n+++ new\n"
				 "@@ -1,4 +1,5 @@\n a\n-b\n+B\n c\n d\n+e\n");
	assert_int_equal(st.added, 2);
	assert_int_equal(st.removed, 1);
	free(out);
}

static void test_diff_new_and_deleted_file(void **state)
{
	struct diff_stat st;
	char *out = NULL;

	(void)state;
	assert_int_equal(diff_unified("f", NULL, "f", "x\n", 3, false, &out, &st), 0);
	assert_string_equal(out, "--- /dev/null\n+++ f\n@@ -0,0 +1,1 @@\n+x\n");
	free(out);
	assert_int_equal(diff_unified("f", "x\ny", "f", NULL, 3, false, &out, &st), 0);
	assert_string_equal(out, "--- f\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-x\n-y\n");
	free(out);
}

static void test_diff_separate_hunks(void **state)
{
	struct diff_stat st;
	char *out = NULL;

	(void)state;
	assert_int_equal(diff_unified("o", "1\n2\n3\n4\n5\n6\n7\n8\n", "n",
				      "1\nX\n3\n4\n5\n6\n7\nY\n", 1, false, &out, &st), 0);
	assert_string_equal(out, "--- o\n+++ n\n@@ -1,3 +1,3 @@\n 1\n-2\n+X\n 3\n"
				 "@@ -7,2 +7,2 @@\n 7\n-8\n+Y\n");
	free(out);
}

/* Texts of a few lines over a tiny alphabet, so that there are many common lines. */
static char *random_text(unsigned *seed, size_t *n_lines)
{
	size_t n = (size_t)(rand_r(seed) % 12);
	char *t = calloc(n * 3 + 1, 1);

	assert_non_null(t);
	for (size_t i = 0; i < n; i++) {
		t[i * 2] = (char)('a' + rand_r(seed) % 4);
		t[i * 2 + 1] = '\n';
	}
	*n_lines = n;
	return t;
}

static size_t lcs(const char *a, size_t na, const char *b, size_t nb)
{
	size_t t[13][13] = { { 0 } };

	for (size_t i = 1; i <= na; i++)
		for (size_t j = 1; j <= nb; j++)
			t[i][j] = a[(i - 1) * 2] == b[(j - 1) * 2]
					  ? t[i - 1][j - 1] + 1
					  : (t[i - 1][j] > t[i][j - 1] ? t[i - 1][j] : t[i][j - 1]);
	return t[na][nb];
}

/* Apply a diff made with 0 context to @old and return the result. */
static char *apply(const char *old, const char *patch)
{
	char *res = calloc(strlen(old) + strlen(patch) + 1, 1);
	const char *o = old;
	const char *p = strstr(patch, "@@");

	assert_non_null(res);
	while (p && *p) {
		const char *nl = strchr(p, '\n');

		if (p[0] == '@') {
			size_t a0;
			size_t na;
			size_t done = 0;

			assert_int_equal(sscanf(p, "@@ -%zu,%zu", &a0, &na), 2);
			/* Copy unchanged lines up to the hunk's first old line. */
			for (const char *q = old; *q; q = strchr(q, '\n') + 1) {
				done++;
				if (q < o)
					continue;
				if (done >= (na ? a0 : a0 + 1))
					break;
				strncat(res, q, (size_t)(strchr(q, '\n') - q + 1));
				o = strchr(q, '\n') + 1;
			}
		} else if (p[0] == '-') {
			o = strchr(o, '\n') + 1;
		} else if (p[0] == '+') {
			strncat(res, p + 1, (size_t)(nl - p));
		}
		p = nl ? nl + 1 : NULL;
	}
	strcat(res, o);
	return res;
}

static void test_diff_minimal_and_correct(void **state)
{
	unsigned seed = 12345;

	(void)state;
	for (int round = 0; round < 2000; round++) {
		size_t na;
		size_t nb;
		char *a = random_text(&seed, &na);
		char *b = random_text(&seed, &nb);
		struct diff_stat st;
		char *out = NULL;
		char *back;
		size_t common = lcs(a, na, b, nb);

		assert_int_equal(diff_unified("a", a, "b", b, 0, false, &out, &st), 0);
		assert_int_equal(st.removed, na - common);
		assert_int_equal(st.added, nb - common);
		back = apply(a, out);
		assert_string_equal(back, b);
		free(back);
		free(out);
		free(a);
		free(b);
	}
}

/*
 * Lines left out of both texts (gaps) count in the line numbers, never
 * show, and end a hunk's context: the diff reads as the full texts' does.
 */
static void test_diff_gaps_number_as_the_full_text(void **state)
{
	const char *full_a = "h1\nh2\nh3\ng1\ng2\ng3\ng4\nt1\nt2\nX\nt3\n";
	const char *full_b = "h1\nH2\nh3\ng1\ng2\ng3\ng4\nt1\nt2\nY\nt3\n";
	const struct diff_gap gap = { 3, 3, 4 };
	struct diff_stat st;
	struct diff_stat full_st;
	char *out = NULL;
	char *full = NULL;

	(void)state;
	assert_int_equal(diff_unified("a", full_a, "b", full_b, 1, false, &full, &full_st), 0);
	assert_int_equal(diff_unified_gaps("a", "h1\nh2\nh3\nt1\nt2\nX\nt3\n", "b",
					   "h1\nH2\nh3\nt1\nt2\nY\nt3\n", &gap, 1, 1, false,
					   &out, &st), 0);
	assert_string_equal(out, full);
	assert_string_equal(out, "--- a\n+++ b\n@@ -1,3 +1,3 @@\n h1\n-h2\n+H2\n h3\n"
				 "@@ -9,3 +9,3 @@\n t2\n-X\n+Y\n t3\n");
	assert_int_equal(st.added, full_st.added);
	assert_int_equal(st.removed, full_st.removed);
	free(out);
	free(full);
	/* A change next to a gap: the context stops there rather than show it. */
	assert_int_equal(diff_unified_gaps("a", "h1\nh2\nt1\n", "b", "h1\nH2\nt1\n",
					   &(struct diff_gap){ 2, 2, 4 }, 1, 3, false, &out, &st), 0);
	assert_string_equal(out, "--- a\n+++ b\n@@ -1,2 +1,2 @@\n h1\n-h2\n+H2\n");
	free(out);
	/* An insertion right after a gap is numbered after it. */
	assert_int_equal(diff_unified_gaps("a", "h1\nt1\n", "b", "h1\nN\nt1\n",
					   &(struct diff_gap){ 1, 1, 4 }, 1, 0, false, &out, &st), 0);
	assert_string_equal(out, "--- a\n+++ b\n@@ -5,0 +6,1 @@\n+N\n");
	free(out);
	/* Out of order, beyond the text, or with no text: refused. */
	assert_int_equal(diff_unified_gaps("a", "x\n", "b", "x\n", &(struct diff_gap){ 2, 0, 1 },
					   1, 3, false, &out, &st), -EINVAL);
	assert_int_equal(diff_unified_gaps("a", NULL, "b", "x\n", &(struct diff_gap){ 0, 0, 1 },
					   1, 3, false, &out, &st), -EINVAL);
}

/*
 * Random texts around a long run both share, the run left out as a gap:
 * the diff is still minimal and, applied to the full old text by its line
 * numbers, gives the full new one.
 */
static void test_diff_gaps_apply_to_the_full_text(void **state)
{
	unsigned seed = 777;

	(void)state;
	for (int round = 0; round < 500; round++) {
		size_t na1, nb1, na2, nb2;
		char *a1 = random_text(&seed, &na1);
		char *b1 = random_text(&seed, &nb1);
		char *a2 = random_text(&seed, &na2);
		char *b2 = random_text(&seed, &nb2);
		size_t keep = (size_t)(rand_r(&seed) % 3);
		size_t run = 2 * keep + 1 + (size_t)(rand_r(&seed) % 5);
		char shared[512] = "";
		char kept_head[64] = "";
		char kept_tail[64] = "";
		char full_a[2048];
		char full_b[2048];
		char short_a[2048];
		char short_b[2048];
		struct diff_gap gap;
		struct diff_stat st;
		char *out = NULL;
		char *back;

		for (size_t i = 0; i < run; i++) {
			char line[32];

			snprintf(line, sizeof(line), "=%zu\n", i);
			strcat(shared, line);
			if (i < keep)
				strcat(kept_head, line);
			else if (i >= run - keep)
				strcat(kept_tail, line);
		}
		snprintf(full_a, sizeof(full_a), "%s%s%s", a1, shared, a2);
		snprintf(full_b, sizeof(full_b), "%s%s%s", b1, shared, b2);
		snprintf(short_a, sizeof(short_a), "%s%s%s%s", a1, kept_head, kept_tail, a2);
		snprintf(short_b, sizeof(short_b), "%s%s%s%s", b1, kept_head, kept_tail, b2);
		gap = (struct diff_gap){ na1 + keep, nb1 + keep, run - 2 * keep };
		assert_int_equal(diff_unified_gaps("a", short_a, "b", short_b, &gap, 1, 0, false,
						   &out, &st), 0);
		assert_int_equal(st.removed, na1 - lcs(a1, na1, b1, nb1) + na2 -
					     lcs(a2, na2, b2, nb2));
		assert_int_equal(st.added, nb1 - lcs(a1, na1, b1, nb1) + nb2 -
					   lcs(a2, na2, b2, nb2));
		assert_null(strstr(out, "\n-=") ? strstr(out, "\n-=") : strstr(out, "\n+="));
		back = apply(full_a, out);
		assert_string_equal(back, full_b);
		free(back);
		free(out);
		free(a1);
		free(b1);
		free(a2);
		free(b2);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff_equal_is_empty),
		cmocka_unit_test(test_diff_reads_like_diff_u),
		cmocka_unit_test(test_diff_new_and_deleted_file),
		cmocka_unit_test(test_diff_separate_hunks),
		cmocka_unit_test(test_diff_minimal_and_correct),
		cmocka_unit_test(test_diff_gaps_number_as_the_full_text),
		cmocka_unit_test(test_diff_gaps_apply_to_the_full_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
