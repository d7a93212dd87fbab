/*
 * site_xmlerr: turns what libxml2's schema validator reports (its
 * structured xmlError: code, node, values) into ftpcfg's messages, which
 * say what is wrong and how to fix it.  What an element or value may be
 * comes from the schema itself (site_xsd.c).  It only records diagnostics.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlerror.h>

#include "site_xmlerr.h"

/* What a value of @f may be: "one of 'a', 'b' or 'c'", "a number from 1 to 9", ... */
static void put_allowed(struct buf *b, const struct site_xsd_facets *f)
{
	if (f->n_enums == 1) {
		put(b, "'%s'", f->enums[0]);
	} else if (f->n_enums) {
		put(b, "one of ");
		put_list(b, f->enums, f->n_enums, "''", " or ");
	} else if (f->is_number && f->has_min && f->has_max) {
		put(b, "a number from %llu to %llu", f->min, f->max);
	} else if (f->words) {
		put(b, "%s", f->words);
	} else if (f->max_length) {
		put(b, "text of at most %lu characters", f->max_length);
	} else {
		put(b, "a valid value");
	}
}

static bool is_digits(const char *v)
{
	if (!*v)
		return false;
	for (; *v; v++)
		if (*v < '0' || *v > '9')
			return false;
	return true;
}

/*
 * The value of attribute @attr (NULL: the element's text) broke one of its
 * facets; which one, the facets and the value itself tell.
 */
static void bad_value(const struct walk *w, const struct site_xsd *x, const xmlNode *n,
		      const char *attr)
{
	const xmlNode *decl = site_xsd_element(x, (const char *)n->name);
	const xmlNode *adecl = attr && decl ? site_xsd_attr(decl, attr) : decl;
	xmlChar *raw = attr ? xmlGetNoNsProp(n, (const xmlChar *)attr) : xmlNodeGetContent(n);
	const char *v = raw ? (const char *)raw : "";
	struct site_xsd_facets f;
	struct buf b = { .len = 0 };
	char q[MAX_QUOTED + 4];
	char t[140];
	size_t vlen = strlen(v);

	tag(t, sizeof(t), n);
	quote(q, sizeof(q), v);
	if (!adecl) {
		if (attr)
			put(&b, "%s=\"%s\" on %s is not valid", attr, q, t);
		else
			put(&b, "the text of %s is not valid", t);
		goto out;
	}
	site_xsd_facets(x, adecl, &f);
	if (attr)
		put(&b, "%s=\"%s\" on %s ", attr, q, t);
	else
		put(&b, "the text of %s ", t);
	if (f.n_enums == 1 && attr) {
		put(&b, "is not '%s'; write %s=\"%s\"", f.enums[0], attr, f.enums[0]);
	} else if (f.n_enums) {
		const char *near = site_xsd_nearest(v, f.enums, f.n_enums);

		put(&b, "is not ");
		put_list(&b, f.enums, f.n_enums, "''", " or ");
		if (near)
			put(&b, "; did you mean '%s'?", near);
		else if (f.n_enums > 1)
			put(&b, "; write one of them");
	} else if (f.is_number) {
		put(&b, "%s; write a number from %llu to %llu",
		    is_digits(v) ? "is out of range" : "is not a number", f.min, f.max);
	} else if (f.max_length && vlen > f.max_length) {
		put(&b, "is %zu characters long; shorten it to %lu at most", vlen, f.max_length);
	} else {
		put(&b, "is not valid; write ");
		put_allowed(&b, &f);
	}
out:
	record(w, n, &b);
	xmlFree(raw);
}

/* libxml2 names the attribute only inside its message: "..., attribute 'NAME': ...". */
static bool attr_from_message(const xmlError *e, char *out, size_t size)
{
	const char *p = e->message ? strstr(e->message, ", attribute '") : NULL;
	size_t len;

	if (!p)
		return false;
	p += strlen(", attribute '");
	len = strcspn(p, "'");
	if (!p[len] || len >= size)
		return false;
	memcpy(out, p, len);
	out[len] = '\0';
	return true;
}

/* "{uri}local" (libxml2's form) as the file wrote it, "prefix:local", where it can. */
static void attr_display(const xmlNode *n, const char *name, char *out, size_t size)
{
	const char *close = name[0] == '{' ? strchr(name, '}') : NULL;

	if (!close) {
		snprintf(out, size, "%s", name);
		return;
	}
	for (const xmlAttr *a = n->properties; a; a = a->next)
		if (a->ns && a->ns->prefix && !strcmp((const char *)a->name, close + 1) &&
		    !strncmp((const char *)a->ns->href, name + 1, (size_t)(close - name - 1))) {
			snprintf(out, size, "%s:%s", (const char *)a->ns->prefix, close + 1);
			return;
		}
	snprintf(out, size, "%s", close + 1);
}

static void unknown_attr(const struct walk *w, const struct site_xsd *x, const xmlNode *n,
			 const char *name)
{
	const xmlNode *decl = site_xsd_element(x, (const char *)n->name);
	const char *names[MAX_NAMES];
	size_t count = decl ? site_xsd_attrs(decl, names, MAX_NAMES) : 0;
	struct buf b = { .len = 0 };
	char shown[200];
	char t[140];

	tag(t, sizeof(t), n);
	attr_display(n, name, shown, sizeof(shown));
	if (count > MAX_NAMES)
		count = MAX_NAMES;
	if (name[0] == '{') {
		put(&b, "attribute '%s' on %s is in a namespace, and a site description uses "
		    "none; remove it", shown, t);
	} else if (!count) {
		put(&b, "%s takes no attributes; remove '%s'", t, shown);
	} else {
		const char *near = site_xsd_nearest(name, names, count);

		put(&b, "unknown attribute '%s' on %s; ", shown, t);
		if (near)
			put(&b, "did you mean '%s'? (", near);
		else
			put(&b, "remove it (");
		put(&b, "%s takes ", t);
		put_list(&b, names, count, "", ", ");
		put(&b, ")");
	}
	record(w, n, &b);
}

static void missing_attr(const struct walk *w, const struct site_xsd *x, const xmlNode *n,
			 const char *name)
{
	const xmlNode *decl = site_xsd_element(x, (const char *)n->name);
	const xmlNode *adecl = decl ? site_xsd_attr(decl, name) : NULL;
	struct buf b = { .len = 0 };
	char t[140];

	/* name="..." misspelt: the unknown attribute's message says "did you mean". */
	for (const xmlAttr *a = n->properties; decl && a; a = a->next)
		if (!a->ns && !site_xsd_attr(decl, (const char *)a->name) &&
		    site_xsd_nearest((const char *)a->name, &name, 1))
			return;
	tag(t, sizeof(t), n);
	put(&b, "%s lacks the required attribute '%s'; add ", t, name);
	if (adecl) {
		struct site_xsd_facets f;

		site_xsd_facets(x, adecl, &f);
		if (f.n_enums == 1) {
			put(&b, "%s=\"%s\"", name, f.enums[0]);
		} else {
			put(&b, "%s=\"...\" with ", name);
			put_allowed(&b, &f);
		}
	} else {
		put(&b, "%s=\"...\"", name);
	}
	record(w, n, &b);
}

void site_xmlerr_schema(const struct walk *w, const struct site_xsd *x, const xmlError *e)
{
	const xmlNode *n = e->node;
	char attr[200];
	struct buf b = { .len = 0 };
	char t[140];

	if (!n || n->type != XML_ELEMENT_NODE || !x)
		goto generic;
	switch (e->code) {
	case XML_SCHEMAV_ELEMENT_CONTENT:
		if (e->message && strstr(e->message, "Missing child element"))
			site_xmlerr_missing_child(w, x, n);
		else
			site_xmlerr_unexpected(w, x, n);
		return;
	case XML_SCHEMAV_CVC_COMPLEX_TYPE_3_2_1:
	case XML_SCHEMAV_CVC_COMPLEX_TYPE_3_2_2:
	case XML_SCHEMAV_CVC_TYPE_3_1_1:
		if (!e->str1)
			goto generic;
		unknown_attr(w, x, n, e->str1);
		return;
	case XML_SCHEMAV_CVC_COMPLEX_TYPE_4:
		if (!e->str1)
			goto generic;
		missing_attr(w, x, n, e->str1);
		return;
	case XML_SCHEMAV_CVC_DATATYPE_VALID_1_2_1:
	case XML_SCHEMAV_CVC_ENUMERATION_VALID:
	case XML_SCHEMAV_CVC_PATTERN_VALID:
	case XML_SCHEMAV_CVC_MININCLUSIVE_VALID:
	case XML_SCHEMAV_CVC_MAXINCLUSIVE_VALID:
	case XML_SCHEMAV_CVC_LENGTH_VALID:
	case XML_SCHEMAV_CVC_MINLENGTH_VALID:
	case XML_SCHEMAV_CVC_MAXLENGTH_VALID:
		bad_value(w, x, n, attr_from_message(e, attr, sizeof(attr)) ? attr : NULL);
		return;
	case XML_SCHEMAV_CVC_COMPLEX_TYPE_2_1:
		if (e->message && strstr(e->message, "Character content"))
			site_xmlerr_stray_text(w, x, n);
		else
			site_xmlerr_stray_element(w, x, n);
		return;
	case XML_SCHEMAV_CVC_COMPLEX_TYPE_2_3:
		site_xmlerr_stray_text(w, x, n);
		return;
	case XML_SCHEMAV_CVC_COMPLEX_TYPE_2_2:
	case XML_SCHEMAV_CVC_TYPE_3_1_2:
		site_xmlerr_stray_element(w, x, n);
		return;
	case XML_SCHEMAV_CVC_ELT_3_1:
	case XML_SCHEMAV_CVC_ELT_3_2_1:
	case XML_SCHEMAV_CVC_ELT_3_2_2:
	case XML_SCHEMAV_CVC_ELT_4_1:
	case XML_SCHEMAV_CVC_ELT_4_2:
	case XML_SCHEMAV_CVC_ELT_4_3:
		/* xsi:nil and xsi:type, which the validator acts on. */
		tag(t, sizeof(t), n);
		put(&b, "%s has an xsi:%s attribute, which a site description does not use; "
		    "remove it", t, e->code == XML_SCHEMAV_CVC_ELT_3_1 ||
		    e->code == XML_SCHEMAV_CVC_ELT_3_2_1 || e->code == XML_SCHEMAV_CVC_ELT_3_2_2 ?
		    "nil" : "type");
		record(w, n, &b);
		return;
	default:
		break;
	}
generic:
	/* What this schema cannot produce (xsi:type, xsi:nil): libxml2's words, one line. */
	if (n && n->type == XML_ELEMENT_NODE)
		tag(t, sizeof(t), n);
	else
		snprintf(t, sizeof(t), "the site");
	{
		char q[200];
		const char *m = e->message ? e->message : "unknown error";
		const char *colon = strstr(m, "': ");

		quote(q, sizeof(q), colon ? colon + 3 : m);
		while (*q && q[strlen(q) - 1] == '.')
			q[strlen(q) - 1] = '\0';
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');
		put(&b, "%s does not match the site schema: %s; see the README's site reference",
		    t, q);
	}
	record(w, n && n->type == XML_ELEMENT_NODE ? n : NULL, &b);
}
