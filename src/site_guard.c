/*
 * site_guard: what the bytes of a site must pass before libxml2 sees them.
 * libxml2 2.9 has costs that grow with the square of some inputs, and
 * converters that print to stderr; these checks refuse such input in one
 * linear pass, with a message that says how to fix it.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "site.h"
#include "site_internal.h"

/*
 * libxml2 2.9 compares each attribute of a start tag with every one before
 * it, so one tag with 200 000 attributes parses for minutes.  No element
 * of a site has more than five; check_attr_counts() refuses a tag with
 * more than this before libxml2 sees it.
 */
#define MAX_ATTRS 32u
/*
 * libxml2 looks each element's namespace up by scanning every declaration
 * in scope: 250 levels of 30 declarations over 4 million elements took
 * 20 s.  A site needs none (xmlns:xsi at most); a handful is plenty.
 */
#define MAX_NS_DECLS 16u

static bool starts_with(const char *p, const char *end, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(end - p) >= n && !memcmp(p, s, n);
}

static unsigned line_at(const char *buf, const char *p)
{
	unsigned line = 1;

	for (const char *q = buf; q < p; q++)
		line += *q == '\n';
	return line;
}

/*
 * A site is UTF-8 (or ASCII).  libxml2 would switch to whatever encoding a
 * byte order mark or the XML declaration names, and its converters print
 * to stderr on bad input: refuse those here, and parse with
 * XML_PARSE_IGNORE_ENC so that no converter ever runs.
 */
static int check_encoding(struct walk *w, const char *buf, size_t len)
{
	struct srcloc loc = { w->file, 1 };
	const char *end = buf + len;
	const char *p = buf;
	const char *decl_end;
	const char *enc;
	const char *name;
	size_t n;

	if (starts_with(p, end, "\xef\xbb\xbf"))
		p += 3;
	if (starts_with(p, end, "\xfe\xff") || starts_with(p, end, "\xff\xfe") ||
	    memchr(p, '\0', end - p < 4 ? (size_t)(end - p) : 4))
		return diag(w->d, &loc, -EINVAL, "the file is UTF-16 or UTF-32, not UTF-8; save "
			    "the site description as UTF-8");
	/* "<?xm" in EBCDIC, which libxml2 would decode. */
	if (starts_with(p, end, "\x4c\x6f\xa7\x94"))
		return diag(w->d, &loc, -EINVAL, "the file is EBCDIC, not UTF-8; save the site "
			    "description as UTF-8");
	if (!starts_with(p, end, "<?xml"))
		return 0;
	/* The declaration is short; what libxml2 finds wrong in it, it reports. */
	decl_end = memmem(p, (size_t)(end - p) < 256 ? (size_t)(end - p) : 256, "?>", 2);
	enc = decl_end ? memmem(p, (size_t)(decl_end - p), "encoding", 8) : NULL;
	if (!enc)
		return 0;
	for (enc += 8; enc < decl_end && (site_is_xml_space(*enc) || *enc == '='); enc++)
		;
	if (enc == decl_end || (*enc != '"' && *enc != '\''))
		return 0;
	/* An odd name is libxml2's to report (and it never switches to it). */
	for (name = ++enc; enc < decl_end && (isalnum((unsigned char)*enc) || *enc == '-' ||
					      *enc == '_' || *enc == '.'); enc++)
		;
	if (enc == decl_end || *enc != name[-1])
		return 0;
	n = (size_t)(enc - name);
	if ((n == 5 && !strncasecmp(name, "UTF-8", 5)) ||
	    (n == 8 && !strncasecmp(name, "US-ASCII", 8)))
		return 0;
	return diag(w->d, &loc, -EINVAL, "the file declares encoding '%.*s'; a site "
		    "description must be UTF-8: convert it (iconv -f %.*s -t UTF-8) and "
		    "declare encoding=\"UTF-8\"", (int)n, name, (int)n, name);
}

/*
 * Count the attributes of each start tag ('=' outside quoted values) and
 * the namespace declarations of the document (attributes named xmlns or
 * xmlns:*).  Comments, CDATA sections and processing instructions are
 * skipped as libxml2 skips them; a '<' always starts new markup, as in XML.
 */
static int check_attr_counts(struct walk *w, const char *buf, size_t len)
{
	const char *end = buf + len;
	const char *p = buf;
	unsigned n_ns = 0;

	while ((p = memchr(p, '<', (size_t)(end - p)))) {
		const char *close = NULL;
		const char *q;
		unsigned n = 0;

		/* The bulk of a large site: a network's start tag (no attribute) and end tag. */
		if (p + 1 < end && p[1] == 'n' && starts_with(p, end, "<network>")) {
			p += sizeof("<network>") - 1;
			continue;
		}
		if (p + 2 < end && p[1] == '/' && p[2] == 'n' && starts_with(p, end, "</network>")) {
			p += sizeof("</network>") - 1;
			continue;
		}
		/* Most markup is a start or end tag: one byte tells which kind it is. */
		if (p + 1 < end && p[1] == '!')
			close = starts_with(p, end, "<!--") ? "-->" :
				starts_with(p, end, "<![CDATA[") ? "]]>" : ">";
		else if (p + 1 < end && p[1] == '?')
			close = "?>";
		else if (p + 1 < end && p[1] == '/')
			close = ">";
		if (close) {
			size_t clen = strlen(close);

			q = clen == 1 ? memchr(p + 2, '>', (size_t)(end - p - 2)) :
					memmem(p + 2, (size_t)(end - p - 2), close, clen);
			if (!q)
				return 0;
			p = q + clen;
			continue;
		}
		for (q = p + 1; q < end && *q != '>' && *q != '<'; q++) {
			if (*q == '"' || *q == '\'') {
				char quote = *q;

				while (q + 1 < end && q[1] != quote && q[1] != '<')
					q++;
				if (q + 1 < end && q[1] == quote)
					q++;
				continue;
			}
			if (*q == '=' && ++n > MAX_ATTRS) {
				struct srcloc loc = { w->file, line_at(buf, p) };

				return diag(w->d, &loc, -EINVAL, "an element has more than %u "
					    "attributes; no element of a site description has more "
					    "than 5: remove the others", MAX_ATTRS);
			}
			if (*q == 'x' && site_is_xml_space(q[-1]) && starts_with(q, end, "xmlns") &&
			    q + 5 < end &&
			    (q[5] == ':' || q[5] == '=' || site_is_xml_space(q[5])) &&
			    ++n_ns > MAX_NS_DECLS) {
				struct srcloc loc = { w->file, line_at(buf, p) };

				return diag(w->d, &loc, -EINVAL, "more than %u namespace declarations "
					    "(xmlns); a site description needs none: remove them",
					    MAX_NS_DECLS);
			}
		}
		p = q;
	}
	return 0;
}

int site_guard_bytes(struct walk *w, const char *buf, size_t len)
{
	int ret = check_encoding(w, buf, len);

	return ret < 0 ? ret : check_attr_counts(w, buf, len);
}
