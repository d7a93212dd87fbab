/*
 * site_xmlerr_elem: messages about where elements and text stand (unknown,
 * misplaced, repeated or missing elements, stray text), with what the
 * schema lets stand there instead.  Only records diagnostics.
 */
#include <libxml/tree.h>

#include "site_xmlerr.h"

/* The first child of @n that is text other than blanks, or an element. */
static const xmlNode *first_child(const xmlNode *n, bool element)
{
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (element && c->type == XML_ELEMENT_NODE)
			return c;
		if (!element && (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) &&
		    c->content && c->content[strspn((const char *)c->content, " \t\r\n")])
			return c;
	}
	return NULL;
}

void site_xmlerr_stray_text(const struct walk *w, const struct site_xsd *x, const xmlNode *n)
{
	const xmlNode *decl = site_xsd_element(x, (const char *)n->name);
	const xmlNode *text = first_child(n, false);
	const char *names[MAX_NAMES];
	struct buf b = { .len = 0 };
	char q[MAX_QUOTED + 4];
	char t[140];
	size_t count;

	tag(t, sizeof(t), n);
	quote(q, sizeof(q), text ? (const char *)text->content : "");
	if (decl && site_xsd_content(decl) == SITE_XSD_ELEMENTS) {
		count = child_names(decl, names);
		if (count == 1) {
			put(&b, "text '%s' inside %s, which holds only <%s> elements; write "
			    "<%s>%s</%s>", q, t, names[0], names[0], q, names[0]);
		} else {
			put(&b, "text '%s' inside %s, which holds only elements; remove it or "
			    "move it into one of ", q, t);
			put_list(&b, names, count, "<>", ", ");
		}
	} else {
		count = decl ? site_xsd_attrs(decl, names, MAX_NAMES) : 0;
		if (count > MAX_NAMES)
			count = MAX_NAMES;
		put(&b, "text '%s' inside %s, which holds none; remove it", q, t);
		if (count) {
			put(&b, " (%s takes the attributes ", t);
			put_list(&b, names, count, "", ", ");
			put(&b, ")");
		}
	}
	record(w, n, &b);
}

void site_xmlerr_stray_element(const struct walk *w, const struct site_xsd *x, const xmlNode *n)
{
	const xmlNode *decl = site_xsd_element(x, (const char *)n->name);
	const xmlNode *c = first_child(n, true);
	struct buf b = { .len = 0 };
	char t[140];
	char ct[140];

	tag(t, sizeof(t), n);
	if (c)
		tag(ct, sizeof(ct), c);
	else
		snprintf(ct, sizeof(ct), "an element");
	if (decl && site_xsd_content(decl) == SITE_XSD_TEXT)
		put(&b, "%s inside %s, which holds only text; remove the element", ct, t);
	else if (decl && c && site_xsd_attr(decl, (const char *)c->name))
		put(&b, "%s inside %s, which holds no elements; '%s' is an attribute: write "
		    "<%s %s=\"...\"/>", ct, t, (const char *)c->name, (const char *)n->name,
		    (const char *)c->name);
	else
		put(&b, "%s inside %s, which holds no elements; remove it", ct, t);
	if (c && site_xsd_parent(x, (const char *)c->name))
		put(&b, " (%s belongs inside <%s>)", ct, site_xsd_parent(x, (const char *)c->name));
	record(w, c ? c : n, &b);
}

/* How many elements named like @n come before it among its siblings, and the first's line. */
static size_t same_before(const xmlNode *n, unsigned *first_line)
{
	size_t k = 0;

	for (const xmlNode *c = n->parent->children; c && c != n; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || c->ns ||
		    strcmp((const char *)c->name, (const char *)n->name))
			continue;
		if (!k)
			*first_line = site_node_line(c);
		k++;
	}
	return k;
}

/*
 * A child that @pdecl's element takes, in the wrong place: too many of it,
 * or after what its sequence puts after it.  True when said.
 */
static bool misplaced(const xmlNode *pdecl, const xmlNode *n, struct buf *b)
{
	struct site_xsd_child kids[MAX_NAMES];
	size_t count = site_xsd_children(pdecl, kids, MAX_NAMES);
	unsigned first_line = 0;
	size_t k = 0;
	size_t before;
	char pt[140];

	tag(pt, sizeof(pt), n->parent);
	if (count > MAX_NAMES)
		count = MAX_NAMES;
	while (k < count && strcmp(kids[k].name, (const char *)n->name))
		k++;
	if (k == count)
		return false;
	before = same_before(n, &first_line);
	if (kids[k].max_occurs == 1 && before) {
		put(b, "<%s> is given twice in %s (first on line %u); keep one", kids[k].name, pt,
		    first_line);
		return true;
	}
	if (kids[k].max_occurs && before >= kids[k].max_occurs) {
		put(b, "%s holds at most %u <%s> elements; this is one more: move it to another "
		    "site description", pt, kids[k].max_occurs, kids[k].name);
		return true;
	}
	if (!site_xsd_ordered(pdecl))
		return false;
	/* An element the sequence lists after this one came first. */
	for (const xmlNode *c = n->parent->children; c && c != n; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		for (size_t j = k + 1; j < count; j++) {
			if (strcmp(kids[j].name, (const char *)c->name))
				continue;
			put(b, "<%s> must come before <%s> in %s; move it above line %u",
			    kids[k].name, kids[j].name, pt, site_node_line(c));
			return true;
		}
	}
	return false;
}

/* An element @pt does not know: the nearest name, or whose attribute it is. */
static void unknown_element(const struct site_xsd *x, const xmlNode *n, const char *pt,
			    const char *const *names, size_t count, struct buf *b)
{
	const char *near = site_xsd_nearest((const char *)n->name, names, count);
	const char *owner = NULL;
	char t[140];

	tag(t, sizeof(t), n);
	/* <port> for port="...": say whose attribute it is. */
	for (size_t i = 0; !near && !owner && i < count; i++) {
		const xmlNode *cdecl = site_xsd_element(x, names[i]);

		if (cdecl && site_xsd_attr(cdecl, (const char *)n->name))
			owner = names[i];
	}
	put(b, "unknown element %s in %s; ", t, pt);
	if (near)
		put(b, "did you mean <%s>? (", near);
	else if (owner)
		put(b, "'%s' is an attribute of <%s>: write <%s %s=\"...\"/> (",
		    (const char *)n->name, owner, owner, (const char *)n->name);
	else
		put(b, "remove it (");
	put(b, "%s takes ", pt);
	put_list(b, names, count, "<>", ", ");
	put(b, ")");
}

void site_xmlerr_unexpected(const struct walk *w, const struct site_xsd *x, const xmlNode *n)
{
	const xmlNode *p = n->parent;
	const xmlNode *pdecl = p && p->type == XML_ELEMENT_NODE && !p->ns ?
			       site_xsd_element(x, (const char *)p->name) : NULL;
	const char *names[MAX_NAMES];
	size_t count = pdecl ? child_names(pdecl, names) : 0;
	const char *home = site_xsd_parent(x, (const char *)n->name);
	struct buf b = { .len = 0 };
	char t[140];
	char pt[140];

	tag(t, sizeof(t), n);
	if (pdecl)
		tag(pt, sizeof(pt), p);
	else
		snprintf(pt, sizeof(pt), "its parent");
	if (n->ns) {
		put(&b, "%s is in the namespace '%.100s', and a site description uses none; "
		    "write <%s> without a prefix or xmlns", t, (const char *)n->ns->href,
		    (const char *)n->name);
	} else if (pdecl && misplaced(pdecl, n, &b)) {
		/* said where it belongs */
	} else if (home && (!pdecl || strcmp(home, (const char *)p->name))) {
		put(&b, "%s belongs inside <%s>, not %s; move it there", t, home, pt);
	} else if (!strcmp((const char *)n->name, "site")) {
		put(&b, "<site> inside %s; a site description is one <site> element: merge "
		    "them", pt);
	} else if (count) {
		unknown_element(x, n, pt, names, count, &b);
	} else {
		put(&b, "unknown element %s in %s; remove it", t, pt);
	}
	record(w, n, &b);
}

void site_xmlerr_missing_child(const struct walk *w, const struct site_xsd *x, const xmlNode *n)
{
	const xmlNode *decl = site_xsd_element(x, (const char *)n->name);
	struct site_xsd_child kids[MAX_NAMES];
	size_t count = decl ? site_xsd_children(decl, kids, MAX_NAMES) : 0;
	struct buf b = { .len = 0 };
	char t[140];

	tag(t, sizeof(t), n);
	if (count > MAX_NAMES)
		count = MAX_NAMES;
	for (size_t i = 0; i < count; i++) {
		size_t have = 0;

		for (const xmlNode *c = n->children; c; c = c->next)
			have += c->type == XML_ELEMENT_NODE && !c->ns &&
				!strcmp((const char *)c->name, kids[i].name);
		if (have < kids[i].min_occurs) {
			put(&b, "%s has no <%s>; add one", t, kids[i].name);
			record(w, n, &b);
			return;
		}
	}
	put(&b, "%s is incomplete; it lacks a child element", t);
	record(w, n, &b);
}
