/*
 * site_xmlerr_parse: libxml2's first parse error (a site that is not
 * well-formed XML) in ftpcfg's words: what is wrong, where it began, how to
 * write it instead.  Where libxml2's advice does not apply to a site
 * (encodings, XML_PARSE_HUGE, entities), it says what does.  Only records.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libxml/xmlerror.h>

#include "site_internal.h"

#define PREFIX "not well-formed XML: "

static void copy(char *out, size_t size, const char *s)
{
	snprintf(out, size, "%s", s ? s : "");
}

void site_xmlerr_keep(struct site_xml_first *f, const xmlError *e)
{
	memset(f, 0, sizeof(*f));
	f->set = true;
	f->domain = e->domain;
	f->code = e->code;
	f->line = e->line;
	f->int1 = e->int1;
	f->col = e->int2;
	copy(f->str1, sizeof(f->str1), e->str1);
	copy(f->str2, sizeof(f->str2), e->str2);
	copy(f->msg, sizeof(f->msg), e->message);
	site_xmlerr_keep_tag(f, e);
}

void site_xmlerr_keep_tag(struct site_xml_first *f, const xmlError *e)
{
	if (f->tag[0] || e->code != XML_ERR_GT_REQUIRED || !e->str1 || strlen(e->str1) > 64)
		return;
	copy(f->tag, sizeof(f->tag), e->str1);
	f->tag_line = e->int1;
}

static bool starts(const struct site_xml_first *f, const char *prefix)
{
	return !strncmp(f->msg, prefix, strlen(prefix));
}

/* The line of the last "<!--" with no "-->" after it: where an open comment began. */
static unsigned open_comment_line(const char *buf, size_t len)
{
	const char *open = NULL;
	unsigned line = 1;
	unsigned at = 0;

	for (size_t i = 0; i + 3 < len; i++) {
		if (!memcmp(buf + i, "<!--", 4))
			open = buf + i;
		else if (open && !memcmp(buf + i, "-->", 3))
			open = NULL;
	}
	if (!open)
		return 0;
	for (const char *p = buf; p < open; p++)
		line += *p == '\n';
	at = line;
	return at;
}

/*
 * The attribute whose value starts at column @col of line @line (1-based):
 * the name before its '=', and the unquoted value after it.  False when
 * the file does not look like that there.
 */
static bool unquoted_attr(const char *buf, size_t len, int line, int col, char *name,
			  size_t nsize, char *value, size_t vsize)
{
	size_t i = 0;
	size_t start;
	size_t end;

	for (int l = 1; l < line && i < len; i++)
		l += buf[i] == '\n';
	if (col < 2 || i + (size_t)col - 1 >= len)
		return false;
	i += (size_t)col - 1;
	start = i;
	end = i;
	while (end < len && !strchr(" \t\r\n/>", buf[end]))
		end++;
	if (!i || buf[i - 1] != '=')
		return false;
	i--;
	while (i > 0 && (buf[i - 1] == '-' || buf[i - 1] == '_' || (buf[i - 1] >= 'a' &&
	       buf[i - 1] <= 'z') || (buf[i - 1] >= 'A' && buf[i - 1] <= 'Z')))
		i--;
	if (start - 1 - i == 0 || start - 1 - i >= nsize || end - start >= vsize || end == start)
		return false;
	snprintf(name, nsize, "%.*s", (int)(start - 1 - i), buf + i);
	snprintf(value, vsize, "%.*s", (int)(end - start), buf + start);
	return true;
}

/* libxml2's own words, one line, without its full stop: for what no case below covers. */
static void generic(const struct walk *w, const struct srcloc *loc, const struct site_xml_first *f)
{
	char msg[sizeof(f->msg)];
	size_t len;

	copy(msg, sizeof(msg), f->msg);
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	len = strlen(msg);
	while (len && (msg[len - 1] == '.' || msg[len - 1] == ' '))
		msg[--len] = '\0';
	if (msg[0] >= 'A' && msg[0] <= 'Z' && (msg[1] < 'A' || msg[1] > 'Z'))
		msg[0] = (char)(msg[0] - 'A' + 'a');
	diag(w->d, loc, -EINVAL, PREFIX "%s%s", *msg ? msg : "unknown error",
	     strlen(f->msg) + 1 >= sizeof(f->msg) ? "..." : "");
}

void site_xmlerr_parse(const struct walk *w, const struct site_xml_first *f, const char *buf,
		       size_t len)
{
	struct srcloc loc = { w->file, f->line > 0 ? (unsigned)f->line : 0 };
	struct srcloc at_tag = { w->file, f->tag_line > 0 ? (unsigned)f->tag_line : loc.line };
	const char *bytes = strstr(f->msg, "Bytes: ");
	char name[64];
	char value[64];

	if (f->domain == XML_FROM_NAMESPACE && f->code == XML_NS_ERR_UNDEFINED_NAMESPACE &&
	    f->str1[0] && f->str2[0]) {
		diag(w->d, &loc, -EINVAL, PREFIX "the prefix '%s' of <%s:%s> is not declared; a "
		     "site description uses no namespaces: write <%s>", f->str1, f->str1, f->str2,
		     f->str2);
		return;
	}
	switch (f->code) {
	case XML_ERR_INVALID_CHAR:
		if (bytes && starts(f, "Input is not proper UTF-8")) {
			bytes += strlen("Bytes: ");
			diag(w->d, &loc, -EINVAL, "not valid UTF-8 (bytes %.*s); save the site "
			     "description as UTF-8", (int)strcspn(bytes, "\n"), bytes);
			return;
		}
		if (starts(f, "xmlParseCharRef")) {
			diag(w->d, &loc, -EINVAL, PREFIX "character reference to U+%04X, which XML "
			     "does not allow; remove it", (unsigned)f->int1);
			return;
		}
		break;
	case XML_ERR_UNDECLARED_ENTITY:
		if (!f->str1[0] || strlen(f->str1) >= 64)
			break;
		diag(w->d, &loc, -EINVAL, PREFIX "entity '&%s;' is not defined; a site "
		     "description knows only &amp; &lt; &gt; &quot; &apos; (write '&' as '&amp;')",
		     f->str1);
		return;
	case XML_ERR_NAME_REQUIRED:
		if (starts(f, "xmlParseEntityRef: no name")) {
			diag(w->d, &loc, -EINVAL, PREFIX "a bare '&'; write '&amp;' for a literal "
			     "'&' (and '&amp;&amp;' for '&&')");
			return;
		}
		if (starts(f, "StartTag: invalid element name")) {
			diag(w->d, &loc, -EINVAL, PREFIX "a '<' that starts no element; write "
			     "'&lt;' for a literal '<'");
			return;
		}
		if (f->tag[0]) {
			diag(w->d, &at_tag, -EINVAL, PREFIX "the start tag <%s> is not closed; end "
			     "it with '>' (or '/>' for an element with no content)", f->tag);
			return;
		}
		break;
	case XML_ERR_ENTITYREF_SEMICOL_MISSING:
		diag(w->d, &loc, -EINVAL, PREFIX "a '&' that starts a reference with no ';'; "
		     "write '&amp;' for a literal '&'");
		return;
	case XML_ERR_LT_IN_ATTRIBUTE:
		diag(w->d, &at_tag, -EINVAL, PREFIX "a value in <%s> holds a '<', or its closing "
		     "quote is missing; close the quote, and write '&lt;' for a literal '<'",
		     f->tag[0] ? f->tag : "an element");
		return;
	case XML_ERR_ATTRIBUTE_NOT_STARTED:
		if (unquoted_attr(buf, len, f->line, f->col, name, sizeof(name), value,
				  sizeof(value))) {
			diag(w->d, &loc, -EINVAL, PREFIX "the value of '%s' is not in quotes; "
			     "write %s=\"%s\"", name, name, value);
			return;
		}
		diag(w->d, &loc, -EINVAL, PREFIX "an attribute value is not in quotes; write "
		     "name=\"value\"");
		return;
	case XML_ERR_ATTRIBUTE_WITHOUT_VALUE:
		if (!f->str1[0])
			break;
		diag(w->d, &loc, -EINVAL, PREFIX "attribute '%s' has no value; write %s=\"...\"",
		     f->str1, f->str1);
		return;
	case XML_ERR_ATTRIBUTE_REDEFINED:
		if (!f->str1[0])
			break;
		diag(w->d, &loc, -EINVAL, PREFIX "attribute '%s' is given twice in one element; "
		     "keep one", f->str1);
		return;
	case XML_ERR_SPACE_REQUIRED:
		if (!starts(f, "attributes construct error"))
			break;
		diag(w->d, &at_tag, -EINVAL, PREFIX "the attributes of <%s> run together; "
		     "separate them with a space: name=\"a\" daemon=\"b\"",
		     f->tag[0] ? f->tag : "an element");
		return;
	case XML_ERR_GT_REQUIRED:
		if (f->tag[0]) {
			diag(w->d, &at_tag, -EINVAL, PREFIX "the start tag <%s> is not closed; end "
			     "it with '>' (or '/>' for an element with no content)", f->tag);
			return;
		}
		diag(w->d, &loc, -EINVAL, PREFIX "a tag is not closed; end it with '>'");
		return;
	case XML_ERR_TAG_NAME_MISMATCH:
		if (!f->str1[0] || !f->str2[0] || strlen(f->str1) >= 64 || strlen(f->str2) >= 64)
			break;
		diag(w->d, &loc, -EINVAL, PREFIX "<%s> (line %d) is closed by </%s>; close each "
		     "element with its own end tag", f->str1, f->int1, f->str2);
		return;
	case XML_ERR_TAG_NOT_FINISHED:
		if (!f->str1[0] || strlen(f->str1) >= 64)
			break;
		diag(w->d, &loc, -EINVAL, PREFIX "the file ends inside <%s> (line %d); close it "
		     "with </%s>", f->str1, f->int1, f->str1);
		return;
	case XML_ERR_DOCUMENT_END:
		diag(w->d, &loc, -EINVAL, PREFIX "content after the end of the root element; a "
		     "site description is one <site> element: remove what follows </site>");
		return;
	case XML_ERR_DOCUMENT_EMPTY:
		diag(w->d, &loc, -EINVAL, PREFIX "no element; a site description is one "
		     "<site name=\"...\" version=\"1\"> element");
		return;
	case XML_ERR_COMMENT_NOT_FINISHED: {
		struct srcloc at = { w->file, open_comment_line(buf, len) };

		if (!at.line)
			at.line = loc.line;
		diag(w->d, &at, -EINVAL, PREFIX "a comment is not closed; end it with '-->'");
		return;
	}
	case XML_ERR_HYPHEN_IN_COMMENT:
		diag(w->d, &loc, -EINVAL, PREFIX "'--' inside a comment, which XML does not "
		     "allow; write it some other way, such as '- -'");
		return;
	case XML_ERR_RESERVED_XML_NAME:
		diag(w->d, &loc, -EINVAL, PREFIX "the XML declaration <?xml ...?> must be the "
		     "very first thing in the file; remove what comes before it, blank lines too");
		return;
	default:
		break;
	}
	if (starts(f, "Excessive depth in document")) {
		diag(w->d, &loc, -EINVAL, PREFIX "elements nest more than %d deep; a site "
		     "description nests 4", f->int1);
		return;
	}
	generic(w, &loc, f);
}
