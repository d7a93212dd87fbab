/*
 * diff: Myers' O(ND) line diff and its unified rendering.  When the edit
 * distance is too large to trace cheaply, the whole file is shown as
 * replaced: still a correct diff, only a less economical one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"

/*
 * The trace keeps one vector per edit step, so its memory is O(D^2).
 * 4096 steps cost at most ~67 MB of ints in the worst case; past that a
 * whole-file replacement is shown.
 */
#define MAX_EDIT_STEPS 4096

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
};

struct edit {
	enum op op;
	size_t a;	/* line index in old (SAME, DEL) */
	size_t b;	/* line index in new (SAME, ADD) */
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

/* The edit script from Myers' greedy forward search; NULL trace = give up (too far apart). */
static int myers(const struct lines *a, const struct lines *b, struct edit **out, size_t *n_out)
{
	long n = (long)a->n;
	long m = (long)b->n;
	long max = n + m;
	long dmax = max < MAX_EDIT_STEPS ? max : MAX_EDIT_STEPS;
	long off = dmax + 1;
	long *v = NULL;
	long **trace = NULL;
	struct edit *ed = NULL;
	long d;
	long found = -1;
	int ret = -ENOMEM;

	v = calloc((size_t)(2 * off + 1), sizeof(*v));
	trace = calloc((size_t)dmax + 1, sizeof(*trace));
	if (!v || !trace)
		goto out;
	/* trace[d] is V as it was before step d, which is what the walk back needs. */
	for (d = 0; d <= dmax && found < 0; d++) {
		trace[d] = malloc((size_t)(2 * off + 1) * sizeof(**trace));
		if (!trace[d])
			goto out;
		memcpy(trace[d], v, (size_t)(2 * off + 1) * sizeof(*v));
		for (long k = -d; k <= d; k += 2) {
			long x;
			long y;

			if (k == -d || (k != d && v[off + k - 1] < v[off + k + 1]))
				x = v[off + k + 1];
			else
				x = v[off + k - 1] + 1;
			y = x - k;
			while (x < n && y < m && line_eq(a, (size_t)x, b, (size_t)y)) {
				x++;
				y++;
			}
			v[off + k] = x;
			if (x >= n && y >= m) {
				found = d;
				break;
			}
		}
	}
	ed = calloc(a->n + b->n + 1, sizeof(*ed));
	if (!ed)
		goto out;
	*n_out = 0;
	if (found < 0) {
		/* Too far apart: everything old removed, everything new added. */
		for (long i = 0; i < n; i++)
			ed[(*n_out)++] = (struct edit){ OP_DEL, (size_t)i, 0 };
		for (long j = 0; j < m; j++)
			ed[(*n_out)++] = (struct edit){ OP_ADD, 0, (size_t)j };
	} else {
		/* Walk back from (n, m), collecting the script in reverse. */
		long x = n;
		long y = m;
		size_t count = 0;

		for (d = found; d >= 0; d--) {
			const long *vp = trace[d];
			long k = x - y;
			long pk = (k == -d || (k != d && vp[off + k - 1] < vp[off + k + 1])) ? k + 1
											       : k - 1;
			long px = vp[off + pk];
			long py = px - pk;

			while (x > px && y > py)
				ed[count++] = (struct edit){ OP_SAME, (size_t)--x, (size_t)--y };
			if (d == 0)
				break;
			if (x == px)
				ed[count++] = (struct edit){ OP_ADD, 0, (size_t)--y };
			else
				ed[count++] = (struct edit){ OP_DEL, (size_t)--x, 0 };
		}
		for (size_t i = 0; i < count / 2; i++) {
			struct edit t = ed[i];

			ed[i] = ed[count - 1 - i];
			ed[count - 1 - i] = t;
		}
		*n_out = count;
	}
	*out = ed;
	ed = NULL;
	ret = 0;
out:
	if (trace)
		for (d = 0; d <= dmax; d++)
			free(trace[d]);
	free(trace);
	free(v);
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

	for (size_t i = from; i < to; i++) {
		if (ed[i].op != OP_ADD) {
			if (!a_set)
				a0 = ed[i].a, a_set = true;
			na++;
		}
		if (ed[i].op != OP_DEL) {
			if (!b_set)
				b0 = ed[i].b, b_set = true;
			nb++;
		}
	}
	/* An empty side is numbered by the line before it, as diff -u does. */
	if (!a_set) {
		for (size_t i = from; i-- > 0;)
			if (ed[i].op != OP_ADD) {
				a0 = ed[i].a + 1;
				break;
			}
	} else {
		a0++;
	}
	if (!b_set) {
		for (size_t i = from; i-- > 0;)
			if (ed[i].op != OP_DEL) {
				b0 = ed[i].b + 1;
				break;
			}
	} else {
		b0++;
	}
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
	struct lines a;
	struct lines b;
	struct edit *ed = NULL;
	struct buf o = { 0 };
	size_t n_ed = 0;
	size_t i = 0;
	int ret;

	memset(stat, 0, sizeof(*stat));
	ret = split_lines(old, &a);
	if (ret == 0)
		ret = split_lines(new, &b);
	else
		memset(&b, 0, sizeof(b));
	if (ret == 0)
		ret = myers(&a, &b, &ed, &n_ed);
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
	/* Group changes whose contexts touch into one hunk. */
	while (i < n_ed) {
		size_t first;
		size_t last;
		size_t from;
		size_t to;

		while (i < n_ed && ed[i].op == OP_SAME)
			i++;
		if (i == n_ed)
			break;
		first = i;
		last = i;
		for (size_t k = i + 1; k < n_ed; k++) {
			if (ed[k].op == OP_SAME)
				continue;
			if (k - last - 1 > 2 * (size_t)context)
				break;
			last = k;
		}
		from = first > context ? first - context : 0;
		to = last + 1 + context < n_ed ? last + 1 + context : n_ed;
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
