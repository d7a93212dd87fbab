/*
 * diff: Myers' O(ND) line diff in its linear-space form (the middle snake,
 * divide and conquer) and its unified rendering.  Memory is linear in the
 * number of lines; a part of the input that would take more than
 * MAX_COST edit steps to compare is shown as replaced: still a correct
 * diff, only a less economical one.
 *
 * A caller may leave out of both texts runs of lines it knows to be the
 * same in both (struct diff_gap): the parts between gaps are compared
 * pair by pair, and the gaps only count in the line numbers, so a large
 * text with a few changes costs what its changed parts and their context
 * cost.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"

/*
 * Edit steps one middle-snake search may take before it gives up on its
 * part: bounds the time at O((N + M) * MAX_COST) for inputs that have
 * little in common, where a minimal diff would help nobody anyway.
 */
#define MAX_COST 2048

struct lines {
	const char **start;
	size_t *len;
	size_t n;
};

struct buf {
	char *data;
	size_t len;
	size_t alloc;
	bool oom;
};

enum op {
	OP_SAME,
	OP_DEL,
	OP_ADD,
	OP_GAP,		/* lines the caller left out of both texts */
};

struct edit {
	enum op op;
	size_t a;	/* line index in old (SAME, DEL); the gap's index (GAP) */
	size_t b;	/* line index in new (SAME, ADD) */
	size_t la;	/* lines of the whole old text before this edit, gaps included */
	size_t lb;	/* the same in the new text */
};

static void buf_add(struct buf *b, const char *s, size_t len)
{
	if (b->oom)
		return;
	if (b->len + len + 1 > b->alloc) {
		size_t n = b->alloc ? b->alloc : 256;
		char *p;

		while (n < b->len + len + 1)
			n *= 2;
		p = realloc(b->data, n);
		if (!p) {
			b->oom = true;
			return;
		}
		b->data = p;
		b->alloc = n;
	}
	memcpy(b->data + b->len, s, len);
	b->len += len;
	b->data[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static int split_lines(const char *text, struct lines *l)
{
	size_t n = 0;

	memset(l, 0, sizeof(*l));
	if (!text || !*text)
		return 0;
	for (const char *p = text; *p; p++)
		if (*p == '\n')
			n++;
	if (text[strlen(text) - 1] != '\n')
		n++;
	l->start = calloc(n, sizeof(*l->start));
	l->len = calloc(n, sizeof(*l->len));
	if (!l->start || !l->len)
		return -ENOMEM;
	for (const char *p = text; *p; l->n++) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		l->start[l->n] = p;
		l->len[l->n] = len;
		p += len + (nl ? 1 : 0);
	}
	return 0;
}

static bool line_eq(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	return a->len[i] == b->len[j] && !memcmp(a->start[i], b->start[j], a->len[i]);
}

/* The two lines, the marks, and the search vectors one middle-snake search uses. */
struct lcs {
	const struct lines *a;
	const struct lines *b;
	bool *del;		/* a's lines that go */
	bool *add;		/* b's lines that come */
	long *fv;		/* forward: furthest x on diagonal k, at fv[k + off] */
	long *bv;		/* backward: furthest x from the end on diagonal k */
	long off;
};

struct snake {
	long x;
	long y;
	long u;
	long v;
	long d;
};

/*
 * The middle snake of a[a0, a0 + n) and b[b0, b0 + m): the diagonal run
 * crossed halfway along a shortest edit script, from (x, y) to (u, v),
 * relative to (a0, b0), and the script's length d.  -1 when it is longer
 * than 2 * MAX_COST.
 */
static int middle_snake(struct lcs *c, long a0, long n, long b0, long m, struct snake *s)
{
	long *fv = c->fv + c->off;
	long *bv = c->bv + c->off;
	long delta = n - m;
	bool odd = delta & 1;
	long dmax = (n + m + 1) / 2;

	if (dmax > MAX_COST)
		dmax = MAX_COST;
	fv[1] = 0;
	bv[1] = 0;
	for (long d = 0; d <= dmax; d++) {
		for (long k = -d; k <= d; k += 2) {
			long x = (k == -d || (k != d && fv[k - 1] < fv[k + 1])) ? fv[k + 1]
									       : fv[k - 1] + 1;
			long y = x - k;
			long kr = delta - k;
			long x0 = x;
			long y0 = y;

			while (x < n && y < m && line_eq(c->a, (size_t)(a0 + x), c->b, (size_t)(b0 + y))) {
				x++;
				y++;
			}
			fv[k] = x;
			if (odd && kr >= -(d - 1) && kr <= d - 1 && fv[k] + bv[kr] >= n) {
				*s = (struct snake){ x0, y0, x, y, 2 * d - 1 };
				return 0;
			}
		}
		for (long kr = -d; kr <= d; kr += 2) {
			long x = (kr == -d || (kr != d && bv[kr - 1] < bv[kr + 1])) ? bv[kr + 1]
										   : bv[kr - 1] + 1;
			long y = x - kr;
			long k = delta - kr;
			long x0 = x;
			long y0 = y;

			while (x < n && y < m &&
			       line_eq(c->a, (size_t)(a0 + n - 1 - x), c->b, (size_t)(b0 + m - 1 - y))) {
				x++;
				y++;
			}
			bv[kr] = x;
			if (!odd && k >= -d && k <= d && fv[k] + bv[kr] >= n) {
				*s = (struct snake){ n - x, m - y, n - x0, m - y0, 2 * d };
				return 0;
			}
		}
	}
	return -1;
}

static void mark_all(struct lcs *c, long a0, long a1, long b0, long b1)
{
	for (long i = a0; i < a1; i++)
		c->del[i] = true;
	for (long j = b0; j < b1; j++)
		c->add[j] = true;
}

/* Mark what differs between a[a0, a1) and b[b0, b1).  Recursion depth O(log D). */
static void compare(struct lcs *c, long a0, long a1, long b0, long b1)
{
	struct snake s;

	while (a0 < a1 && b0 < b1 && line_eq(c->a, (size_t)a0, c->b, (size_t)b0)) {
		a0++;
		b0++;
	}
	while (a0 < a1 && b0 < b1 && line_eq(c->a, (size_t)(a1 - 1), c->b, (size_t)(b1 - 1))) {
		a1--;
		b1--;
	}
	if (a0 == a1 || b0 == b1) {
		mark_all(c, a0, a1, b0, b1);
		return;
	}
	/* Both ends differ, so d >= 2 and each half is strictly shorter. */
	if (middle_snake(c, a0, a1 - a0, b0, b1 - b0, &s) < 0 || s.d < 2) {
		mark_all(c, a0, a1, b0, b1);
		return;
	}
	compare(c, a0, a0 + s.x, b0, b0 + s.y);
	compare(c, a0 + s.u, a1, b0 + s.v, b1);
}

/*
 * The edit script: for each stretch, a's removed lines, then b's added
 * ones; each part between two gaps compared on its own, each gap one edit.
 */
static int myers(const struct lines *a, const struct lines *b, const struct diff_gap *gaps,
		 size_t n_gaps, struct edit **out, size_t *n_out)
{
	struct lcs c = { .a = a, .b = b, .off = MAX_COST + 2 };
	struct edit *ed = NULL;
	size_t count = 0;
	size_t i = 0;
	size_t j = 0;
	size_t k = 0;
	size_t la = 0;
	size_t lb = 0;
	int ret = -ENOMEM;

	c.del = calloc(a->n + 1, sizeof(*c.del));
	c.add = calloc(b->n + 1, sizeof(*c.add));
	c.fv = calloc((size_t)(2 * c.off + 1), sizeof(*c.fv));
	c.bv = calloc((size_t)(2 * c.off + 1), sizeof(*c.bv));
	ed = calloc(a->n + b->n + n_gaps + 1, sizeof(*ed));
	if (!c.del || !c.add || !c.fv || !c.bv || !ed)
		goto out;
	ret = -EINVAL;
	for (size_t g = 0; g <= n_gaps; g++) {
		size_t a1 = g < n_gaps ? gaps[g].old_at : a->n;
		size_t b1 = g < n_gaps ? gaps[g].new_at : b->n;

		if (a1 < i || a1 > a->n || b1 < j || b1 > b->n)
			goto out;
		compare(&c, (long)i, (long)a1, (long)j, (long)b1);
		i = a1;
		j = b1;
	}
	i = j = 0;
	while (i < a->n || j < b->n || k < n_gaps) {
		size_t a1 = k < n_gaps ? gaps[k].old_at : a->n;
		size_t b1 = k < n_gaps ? gaps[k].new_at : b->n;

		if (i == a1 && j == b1) {
			ed[count++] = (struct edit){ OP_GAP, k, 0, la, lb };
			la += gaps[k].n;
			lb += gaps[k].n;
			k++;
		} else if (i < a1 && c.del[i]) {
			ed[count++] = (struct edit){ OP_DEL, i++, j, la++, lb };
		} else if (j < b1 && c.add[j]) {
			ed[count++] = (struct edit){ OP_ADD, i, j++, la, lb++ };
		} else if (i < a1 && j < b1) {
			ed[count++] = (struct edit){ OP_SAME, i++, j++, la++, lb++ };
		} else {
			/* Each part keeps as many lines on both sides: never here. */
			goto out;
		}
	}
	*out = ed;
	*n_out = count;
	ed = NULL;
	ret = 0;
out:
	free(c.del);
	free(c.add);
	free(c.fv);
	free(c.bv);
	free(ed);
	return ret;
}

static void emit_line(struct buf *b, char sign, const struct lines *l, size_t i, bool color)
{
	const char *on = sign == '-' ? "\033[31m" : sign == '+' ? "\033[32m" : "";

	if (color && sign != ' ')
		buf_str(b, on);
	buf_add(b, &sign, 1);
	buf_add(b, l->start[i], l->len[i]);
	if (color && sign != ' ')
		buf_str(b, "\033[m");
	buf_add(b, "\n", 1);
}

/* One hunk: edits [from, to), with its "@@ -a,n +b,m @@" header. */
static void emit_hunk(struct buf *b, const struct edit *ed, size_t from, size_t to,
		      const struct lines *a, const struct lines *bl, bool color)
{
	size_t a0 = 0;
	size_t b0 = 0;
	size_t na = 0;
	size_t nb = 0;
	bool a_set = false;
	bool b_set = false;
	char head[96];

	/* Numbered in the whole texts: the lines before, gaps included. */
	for (size_t i = from; i < to; i++) {
		if (ed[i].op != OP_ADD) {
			if (!a_set)
				a0 = ed[i].la, a_set = true;
			na++;
		}
		if (ed[i].op != OP_DEL) {
			if (!b_set)
				b0 = ed[i].lb, b_set = true;
			nb++;
		}
	}
	/* An empty side is numbered by the line before it, as diff -u does. */
	if (!a_set)
		a0 = ed[from].la;
	else
		a0++;
	if (!b_set)
		b0 = ed[from].lb;
	else
		b0++;
	snprintf(head, sizeof(head), "@@ -%zu,%zu +%zu,%zu @@", a0, na, b0, nb);
	if (color)
		buf_str(b, "\033[36m");
	buf_str(b, head);
	if (color)
		buf_str(b, "\033[m");
	buf_add(b, "\n", 1);
	for (size_t i = from; i < to; i++) {
		if (ed[i].op == OP_SAME)
			emit_line(b, ' ', a, ed[i].a, color);
		else if (ed[i].op == OP_DEL)
			emit_line(b, '-', a, ed[i].a, color);
		else
			emit_line(b, '+', bl, ed[i].b, color);
	}
}

int diff_unified(const char *old_name, const char *old, const char *new_name, const char *new,
		 unsigned context, bool color, char **out, struct diff_stat *stat)
{
	return diff_unified_gaps(old_name, old, new_name, new, NULL, 0, context, color, out, stat);
}

int diff_unified_gaps(const char *old_name, const char *old, const char *new_name,
		      const char *new, const struct diff_gap *gaps, size_t n_gaps,
		      unsigned context, bool color, char **out, struct diff_stat *stat)
{
	struct lines a;
	struct lines b;
	struct edit *ed = NULL;
	struct buf o = { 0 };
	size_t n_ed = 0;
	size_t i = 0;
	int ret;

	memset(stat, 0, sizeof(*stat));
	if (n_gaps && (!old || !new))
		return -EINVAL;
	ret = split_lines(old, &a);
	if (ret == 0)
		ret = split_lines(new, &b);
	else
		memset(&b, 0, sizeof(b));
	if (ret == 0)
		ret = myers(&a, &b, gaps, n_gaps, &ed, &n_ed);
	if (ret < 0)
		goto out;
	for (size_t k = 0; k < n_ed; k++) {
		if (ed[k].op == OP_DEL)
			stat->removed++;
		else if (ed[k].op == OP_ADD)
			stat->added++;
	}
	buf_add(&o, "", 0);
	if (stat->added || stat->removed) {
		buf_str(&o, color ? "\033[1m--- " : "--- ");
		buf_str(&o, old ? old_name : "/dev/null");
		buf_str(&o, color ? "\033[m\n\033[1m+++ " : "\n+++ ");
		buf_str(&o, new ? new_name : "/dev/null");
		buf_str(&o, color ? "\033[m\n" : "\n");
	}
	/* Group changes whose contexts touch into one hunk; a gap ends a hunk. */
	while (i < n_ed) {
		size_t first;
		size_t last;
		size_t from;
		size_t to;

		while (i < n_ed && (ed[i].op == OP_SAME || ed[i].op == OP_GAP))
			i++;
		if (i == n_ed)
			break;
		first = i;
		last = i;
		for (size_t k = i + 1; k < n_ed && ed[k].op != OP_GAP; k++) {
			if (ed[k].op == OP_SAME)
				continue;
			if (k - last - 1 > 2 * (size_t)context)
				break;
			last = k;
		}
		from = first > context ? first - context : 0;
		to = last + 1 + context < n_ed ? last + 1 + context : n_ed;
		for (size_t k = from; k < first; k++)
			if (ed[k].op == OP_GAP)
				from = k + 1;
		for (size_t k = last + 1; k < to; k++)
			if (ed[k].op == OP_GAP) {
				to = k;
				break;
			}
		emit_hunk(&o, ed, from, to, &a, &b, color);
		i = last + 1;
	}
	if (o.oom) {
		ret = -ENOMEM;
		goto out;
	}
	*out = o.data;
	o.data = NULL;
	ret = 0;
out:
	free(o.data);
	free(ed);
	free(a.start);
	free(a.len);
	free(b.start);
	free(b.len);
	return ret;
}
