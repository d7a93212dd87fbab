/*
 * site_xsd: reads templates/site.xsd as a plain XML document to answer
 * what a message needs (which children and attributes an element takes,
 * a value's enumeration, range, length and pattern in words), so that the
 * schema stays the one place that says them.  Loaded only when a site
 * fails the schema; it never acts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "site_internal.h"
#include "suggest.h"

#define XS_NS "http://www.w3.org/2001/XMLSchema"

struct site_xsd {
	xmlDocPtr doc;
};

int site_xsd_load(const char *path, struct site_xsd **out)
{
	struct site_xsd *x = calloc(1, sizeof(*x));

	if (!x)
		return -ENOMEM;
	x->doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS |
			     XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!x->doc || !xmlDocGetRootElement(x->doc)) {
		site_xsd_free(x);
		return -EINVAL;
	}
	*out = x;
	return 0;
}

void site_xsd_free(struct site_xsd *x)
{
	if (!x)
		return;
	xmlFreeDoc(x->doc);
	free(x);
}

static bool is_xs(const xmlNode *n, const char *local)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       !strcmp((const char *)n->ns->href, XS_NS) && !strcmp((const char *)n->name, local);
}

/* An attribute's value, borrowed from the document; NULL when absent. */
static const char *prop(const xmlNode *n, const char *name)
{
	const xmlAttr *a = xmlHasProp(n, (const xmlChar *)name);

	if (!a || !a->children || a->children->type != XML_TEXT_NODE || a->children->next)
		return NULL;
	return (const char *)a->children->content;
}

static bool prop_is(const xmlNode *n, const char *name, const char *value)
{
	const char *v = prop(n, name);

	return v && !strcmp(v, value);
}

static const xmlNode *child_xs(const xmlNode *n, const char *local)
{
	for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (is_xs(c, local))
			return c;
	return NULL;
}

/* A name without its "xs:" prefix. */
static const char *local_name(const char *qname)
{
	const char *colon = qname ? strchr(qname, ':') : NULL;

	return colon ? colon + 1 : qname;
}

static const xmlNode *global(const struct site_xsd *x, const char *kind, const char *name)
{
	for (const xmlNode *c = xmlDocGetRootElement(x->doc)->children; c; c = c->next)
		if (is_xs(c, kind) && prop_is(c, "name", name))
			return c;
	return NULL;
}

/* Depth-first search for a local <xs:element name=NAME> (such as <network>). */
static const xmlNode *local_element(const xmlNode *n, const char *name)
{
	for (const xmlNode *c = n->children; c; c = c->next) {
		const xmlNode *r;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is_xs(c, "element") && prop_is(c, "name", name) && c->parent &&
		    !is_xs(c->parent, "schema"))
			return c;
		r = local_element(c, name);
		if (r)
			return r;
	}
	return NULL;
}

bool site_xsd_is_global(const struct site_xsd *x, const char *name)
{
	return global(x, "element", name) != NULL;
}

const xmlNode *site_xsd_element(const struct site_xsd *x, const char *name)
{
	const xmlNode *n = global(x, "element", name);

	return n ? n : local_element(xmlDocGetRootElement(x->doc), name);
}

/* The <xs:sequence> or <xs:choice> that lists an element's children, if any. */
static const xmlNode *model(const xmlNode *decl)
{
	const xmlNode *ct = child_xs(decl, "complexType");
	const xmlNode *m = child_xs(ct, "sequence");

	return m ? m : child_xs(ct, "choice");
}

bool site_xsd_ordered(const xmlNode *decl)
{
	const xmlNode *m = model(decl);

	return m && is_xs(m, "sequence");
}

static unsigned occurs(const xmlNode *n, const char *which, unsigned dflt)
{
	const char *v = prop(n, which);

	if (!v)
		return dflt;
	if (!strcmp(v, "unbounded"))
		return 0;
	return (unsigned)strtoul(v, NULL, 10);
}

size_t site_xsd_children(const xmlNode *decl, struct site_xsd_child *out, size_t max)
{
	const xmlNode *m = model(decl);
	size_t n = 0;

	for (const xmlNode *c = m ? m->children : NULL; c; c = c->next) {
		const char *name;

		if (!is_xs(c, "element"))
			continue;
		name = prop(c, "ref");
		if (!name)
			name = prop(c, "name");
		if (!name)
			continue;
		if (n < max)
			out[n] = (struct site_xsd_child){
				.name = local_name(name),
				.min_occurs = occurs(c, "minOccurs", 1),
				.max_occurs = occurs(c, "maxOccurs", 1),
			};
		n++;
	}
	return n;
}

/* Where a complex type's attributes are: in it, or in its simpleContent's extension. */
static const xmlNode *attr_holder(const xmlNode *decl)
{
	const xmlNode *ct = child_xs(decl, "complexType");
	const xmlNode *ext = child_xs(child_xs(ct, "simpleContent"), "extension");

	return ext ? ext : ct;
}

enum site_xsd_content site_xsd_content(const xmlNode *decl)
{
	const xmlNode *ct = child_xs(decl, "complexType");

	if (!ct || child_xs(ct, "simpleContent"))
		return SITE_XSD_TEXT;
	return model(decl) ? SITE_XSD_ELEMENTS : SITE_XSD_EMPTY;
}

size_t site_xsd_attrs(const xmlNode *decl, const char **out, size_t max)
{
	const xmlNode *ct = attr_holder(decl);
	size_t n = 0;

	for (const xmlNode *c = ct ? ct->children : NULL; c; c = c->next) {
		const char *name = is_xs(c, "attribute") ? prop(c, "name") : NULL;

		if (!name)
			continue;
		if (n < max)
			out[n] = name;
		n++;
	}
	return n;
}

const xmlNode *site_xsd_attr(const xmlNode *decl, const char *name)
{
	const xmlNode *ct = attr_holder(decl);

	for (const xmlNode *c = ct ? ct->children : NULL; c; c = c->next)
		if (is_xs(c, "attribute") && prop_is(c, "name", name))
			return c;
	return NULL;
}

bool site_xsd_attr_required(const xmlNode *attr)
{
	return prop_is(attr, "use", "required");
}

const char *site_xsd_parent(const struct site_xsd *x, const char *name)
{
	for (const xmlNode *c = xmlDocGetRootElement(x->doc)->children; c; c = c->next) {
		struct site_xsd_child kids[32];
		size_t n;

		if (!is_xs(c, "element"))
			continue;
		n = site_xsd_children(c, kids, 32);
		for (size_t i = 0; i < n && i < 32; i++)
			if (!strcmp(kids[i].name, name))
				return prop(c, "name");
	}
	return NULL;
}

static const char *doc_text(const xmlNode *simple)
{
	const xmlNode *doc = child_xs(child_xs(simple, "annotation"), "documentation");

	if (!doc || !doc->children || doc->children->type != XML_TEXT_NODE)
		return NULL;
	return (const char *)doc->children->content;
}

/* The ranges of the built-in types the schema restricts. */
static void builtin(const char *base, struct site_xsd_facets *f)
{
	if (!strcmp(base, "unsignedShort") || !strcmp(base, "unsignedInt")) {
		f->is_number = true;
		if (!f->has_min) {
			f->has_min = true;
			f->min = 0;
		}
		if (!f->has_max) {
			f->has_max = true;
			f->max = !strcmp(base, "unsignedShort") ? 65535 : 4294967295ULL;
		}
	}
}

/*
 * Facets of a simple type, the restricting type's first: a facet already
 * set by a derived type is not overwritten by its base's.  Bounded by the
 * schema's own depth.
 */
static void collect(const struct site_xsd *x, const xmlNode *simple, struct site_xsd_facets *f,
		    unsigned depth)
{
	const xmlNode *r = child_xs(simple, "restriction");
	const char *base;

	if (!r || depth > 8)
		return;
	if (!f->words)
		f->words = doc_text(simple);
	for (const xmlNode *c = r->children; c; c = c->next) {
		const char *v = prop(c, "value");

		if (!v)
			continue;
		if (is_xs(c, "enumeration") && f->n_enums < SITE_XSD_MAX_ENUMS)
			f->enums[f->n_enums++] = v;
		else if (is_xs(c, "minInclusive") && !f->has_min) {
			f->has_min = true;
			f->min = strtoull(v, NULL, 10);
		} else if (is_xs(c, "maxInclusive") && !f->has_max) {
			f->has_max = true;
			f->max = strtoull(v, NULL, 10);
		} else if (is_xs(c, "maxLength") && !f->max_length)
			f->max_length = strtoul(v, NULL, 10);
		else if (is_xs(c, "pattern") && !f->pattern)
			f->pattern = v;
	}
	base = prop(r, "base");
	if (!base)
		return;
	if (!strncmp(base, "xs:", 3)) {
		builtin(base + 3, f);
		return;
	}
	collect(x, global(x, "simpleType", base), f, depth + 1);
}

void site_xsd_facets(const struct site_xsd *x, const xmlNode *decl, struct site_xsd_facets *f)
{
	const char *type = prop(decl, "type");

	memset(f, 0, sizeof(*f));
	if (!type && child_xs(decl, "complexType"))
		type = prop(child_xs(child_xs(child_xs(decl, "complexType"), "simpleContent"),
				     "extension"), "base");
	if (!type) {
		collect(x, child_xs(decl, "simpleType"), f, 0);
		return;
	}
	if (!strncmp(type, "xs:", 3)) {
		builtin(type + 3, f);
		return;
	}
	collect(x, global(x, "simpleType", type), f, 0);
}

/* ---- nearest name ------------------------------------------------------ */

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* "pasv" for "passive", "addr" for "address": the letters in order, the first the same. */
static bool is_abbreviation(const char *typed, const char *name)
{
	if (strlen(typed) < 3 || lower(typed[0]) != lower(name[0]))
		return false;
	for (; *name && *typed; name++)
		if (lower(*name) == lower(*typed))
			typed++;
	return !*typed;
}

const char *site_xsd_nearest(const char *typed, const char *const *names, size_t n)
{
	const char *best = NULL;
	size_t best_d = SUGGEST_FAR;

	for (size_t i = 0; i < n; i++) {
		size_t d = suggest_distance(typed, names[i]);
		size_t len = strlen(names[i]);
		size_t limit = len / 4 > 1 ? len / 4 : 1;

		if ((d <= limit || is_abbreviation(typed, names[i])) && d < best_d) {
			best = names[i];
			best_d = d;
		}
	}
	return best;
}
