/*
 * site_xmlerr.h: what site_xmlerr.c and site_xmlerr_elem.c share to build
 * a message: a bounded line buffer and the ways names and values are
 * quoted in it.  Private to those two files.
 */
#ifndef FTPCFG_SITE_XMLERR_H
#define FTPCFG_SITE_XMLERR_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "site_internal.h"

/* A quoted value is cut here: a message is one line, not a megabyte. */
#define MAX_QUOTED 60
/* More names than any element of the schema has. */
#define MAX_NAMES 32

/* A short string on the stack, always terminated; what does not fit is cut. */
struct buf {
	char s[1024];
	size_t len;
};

__attribute__((format(printf, 2, 3)))
static inline void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->len >= sizeof(b->s) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->s + b->len, sizeof(b->s) - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	b->len += (size_t)n;
	if (b->len >= sizeof(b->s))
		b->len = sizeof(b->s) - 1;
}

/*
 * @v as one line of at most MAX_QUOTED bytes (cut at a UTF-8 boundary,
 * "..." added), blanks at both ends dropped.
 */
static inline void quote(char *out, size_t size, const char *v)
{
	size_t len;
	size_t max = size - 4;

	if (!v)
		v = "";
	while (site_is_xml_space(*v))
		v++;
	len = strlen(v);
	while (len && site_is_xml_space(v[len - 1]))
		len--;
	if (len > max) {
		len = max;
		while (len && ((unsigned char)v[len] & 0xc0) == 0x80)
			len--;
		memcpy(out, v, len);
		memcpy(out + len, "...", 4);
	} else {
		memcpy(out, v, len);
		out[len] = '\0';
	}
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
}

/* "<name>", with the prefix the file gave it; names are bounded by site_guard. */
static inline void tag(char *out, size_t size, const xmlNode *n)
{
	if (n->ns && n->ns->prefix)
		snprintf(out, size, "<%.64s:%.64s>", (const char *)n->ns->prefix,
			 (const char *)n->name);
	else
		snprintf(out, size, "<%.64s>", (const char *)n->name);
}

/* "a, b or c"; each name wrapped in @wrap ("<>", "''" or ""), @last before the last. */
static inline void put_list(struct buf *b, const char *const *names, size_t n, const char *wrap,
			    const char *last)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			put(b, "%s", i + 1 == n ? last : ", ");
		put(b, "%.1s%s%.1s", wrap, names[i], *wrap ? wrap + 1 : "");
	}
}

static inline size_t child_names(const xmlNode *decl, const char **names)
{
	struct site_xsd_child kids[MAX_NAMES];
	size_t n = site_xsd_children(decl, kids, MAX_NAMES);

	if (n > MAX_NAMES)
		n = MAX_NAMES;
	for (size_t i = 0; i < n; i++)
		names[i] = kids[i].name;
	return n;
}

static inline void record(const struct walk *w, const xmlNode *n, const struct buf *b)
{
	struct srcloc loc = { w->file, n ? site_node_line(n) : 0 };

	diag(w->d, &loc, -EINVAL, "%s", b->s);
}

#endif
