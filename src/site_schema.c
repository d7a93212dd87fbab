/*
 * site_schema: validates a parsed site against templates/site.xsd and
 * reports every problem in ftpcfg's words (site_xmlerr.c), as many as one
 * run can find, and which parts failed (struct site_bad) so that the checks
 * of the rest still run.  It never changes the document.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/xmlschemas.h>

#include "site_internal.h"

/*
 * A file that fails the schema this often is not a site description with
 * typos; what follows the first ones would only bury them.
 */
#define MAX_SCHEMA_ERRORS 50u

struct schema_run {
	struct walk w;
	const char *schema_path;
	struct site_xsd *xsd;		/* loaded at the first error */
	bool xsd_failed;
	struct site_bad *bad;
	size_t n_errors;
	bool oom;
	/* Elements libxml2 did not expect: it skips their later siblings. */
	const xmlNode **unexpected;
	size_t n_unexpected;
	size_t alloc_unexpected;
};

bool site_bad_has(const struct site_bad *b, const xmlNode *n)
{
	for (size_t i = 0; b && i < b->n; i++)
		if (b->nodes[i] == n)
			return true;
	return false;
}

static void bad_add(struct schema_run *r, const xmlNode *n)
{
	struct site_bad *b = r->bad;

	if (site_bad_has(b, n))
		return;
	if (b->n == b->alloc) {
		size_t alloc = b->alloc ? 2 * b->alloc : 16;
		const xmlNode **nodes = reallocarray(b->nodes, alloc, sizeof(*nodes));

		if (!nodes) {
			r->oom = true;
			return;
		}
		b->nodes = nodes;
		b->alloc = alloc;
	}
	b->nodes[b->n++] = n;
}

/* Mark the unit under <site> that holds @n, and the unit's child that does. */
static void taint(struct schema_run *r, const xmlNode *n)
{
	const xmlNode *child = NULL;

	if (!n || n->type != XML_ELEMENT_NODE)
		return;
	while (n->parent && n->parent->type == XML_ELEMENT_NODE && n->parent->parent &&
	       n->parent->parent->type == XML_ELEMENT_NODE) {
		child = n;
		n = n->parent;
	}
	if (!n->parent || n->parent->type != XML_ELEMENT_NODE)
		return;		/* <site> itself: its attributes feed no check */
	bad_add(r, n);
	if (child && child->parent == n)
		bad_add(r, child);
}

static void push_unexpected(struct schema_run *r, const xmlNode *n)
{
	if (r->n_unexpected == r->alloc_unexpected) {
		size_t alloc = r->alloc_unexpected ? 2 * r->alloc_unexpected : 8;
		const xmlNode **u = reallocarray(r->unexpected, alloc, sizeof(*u));

		if (!u) {
			r->oom = true;
			return;
		}
		r->unexpected = u;
		r->alloc_unexpected = alloc;
	}
	r->unexpected[r->n_unexpected++] = n;
}

static bool counts(struct schema_run *r)
{
	return ++r->n_errors <= MAX_SCHEMA_ERRORS;
}

static const struct site_xsd *xsd(struct schema_run *r)
{
	if (!r->xsd && !r->xsd_failed && site_xsd_load(r->schema_path, &r->xsd) < 0)
		r->xsd_failed = true;
	return r->xsd;
}

static void on_schema_error(void *user, xmlErrorPtr e)
{
	struct schema_run *r = user;
	const xmlNode *n = e->node;

	if (e->level == XML_ERR_WARNING || !counts(r))
		return;
	site_xmlerr_schema(&r->w, xsd(r), e);
	if (!n || n->type != XML_ELEMENT_NODE)
		return;
	/* Text or an element inside <allow> or <banner>: the element holding it failed. */
	taint(r, n);
	if (e->code == XML_SCHEMAV_ELEMENT_CONTENT &&
	    !(e->message && strstr(e->message, "Missing child element")))
		push_unexpected(r, n);
}

/* The schema itself is ours; its parser's messages only matter when it is missing. */
static void on_schema_parse_error(void *user, xmlErrorPtr e)
{
	(void)user;
	(void)e;
}

static bool takes_child(const struct site_xsd *x, const xmlNode *parent, const char *name)
{
	const xmlNode *decl = site_xsd_element(x, (const char *)parent->name);
	struct site_xsd_child kids[32];
	size_t n = decl ? site_xsd_children(decl, kids, 32) : 0;

	for (size_t i = 0; i < n && i < 32; i++)
		if (!strcmp(kids[i].name, name))
			return true;
	return false;
}

/*
 * After an element it does not expect, libxml2 checks none of its later
 * siblings.  Check each here: one the parent takes is validated on its
 * own (every element but <network> is global in the schema), and any
 * other is reported as libxml2 would have.  Misplaced and unknown
 * elements are validated on their own too when the schema knows them, so
 * that their attributes are checked in the same run.
 */
static void check_after_unexpected(struct schema_run *r, xmlSchemaValidCtxtPtr vctxt)
{
	for (size_t i = 0; i < r->n_unexpected && !r->oom; i++) {
		const xmlNode *first = r->unexpected[i];
		const struct site_xsd *x = xsd(r);
		bool walked = false;

		if (!x || !first->parent || first->parent->type != XML_ELEMENT_NODE)
			continue;
		/* One walk per parent: the first unexpected child starts it. */
		for (size_t j = 0; j < i && !walked; j++)
			walked = r->unexpected[j]->parent == first->parent;
		if (walked)
			continue;
		for (const xmlNode *c = first; c; c = c->next) {
			const char *name = (const char *)c->name;
			bool known;

			if (c->type != XML_ELEMENT_NODE)
				continue;
			known = !c->ns && strcmp(name, "site") && site_xsd_is_global(x, name);
			if (r->n_errors > MAX_SCHEMA_ERRORS)
				return;		/* the rest goes unchecked anyway */
			if (c != first && (c->ns || !takes_child(x, first->parent, name))) {
				if (!counts(r))
					return;
				site_xmlerr_unexpected(&r->w, x, c);
				taint(r, c);
				if (c->ns)
					continue;
			}
			if (known)
				xmlSchemaValidateOneElement(vctxt, (xmlNodePtr)c);
		}
	}
}

int site_schema_validate(const struct walk *w, xmlDocPtr doc, const char *schema_path,
			 struct site_bad *bad)
{
	struct schema_run r = { .w = *w, .schema_path = schema_path, .bad = bad };
	xmlSchemaParserCtxtPtr pctxt = NULL;
	xmlSchemaPtr schema = NULL;
	xmlSchemaValidCtxtPtr vctxt = NULL;
	size_t first_rec = w->d->n_recs;
	int ret = -EINVAL;

	/* Checked first: libxml2 would print its own I/O warning. */
	if (access(schema_path, R_OK) < 0) {
		ret = diag(w->d, NULL, -EIO, "cannot read the site schema '%s': %s; reinstall "
			   "ftpcfg or set FTPCFG_TEMPLATE_DIR", schema_path, strerror(errno));
		goto out;
	}
	pctxt = xmlSchemaNewParserCtxt(schema_path);
	if (!pctxt) {
		ret = -ENOMEM;
		goto out;
	}
	xmlSchemaSetParserStructuredErrors(pctxt, on_schema_parse_error, NULL);
	schema = xmlSchemaParse(pctxt);
	if (!schema) {
		ret = diag(w->d, NULL, -EIO,
			   "cannot load the site schema '%s'; reinstall ftpcfg or set "
			   "FTPCFG_TEMPLATE_DIR", schema_path);
		goto out;
	}
	vctxt = xmlSchemaNewValidCtxt(schema);
	if (!vctxt) {
		ret = -ENOMEM;
		goto out;
	}
	xmlSchemaSetValidStructuredErrors(vctxt, on_schema_error, &r);
	if (xmlSchemaValidateDoc(vctxt, doc) == 0 && !r.n_errors) {
		ret = 0;
		goto out;
	}
	check_after_unexpected(&r, vctxt);
	diag_sort(w->d, first_rec);
	if (r.oom) {
		ret = -ENOMEM;
		goto out;
	}
	if (!r.n_errors)
		diag(w->d, &(struct srcloc){ w->file, 0 }, -EINVAL,
		     "does not match the site schema");
	if (r.n_errors > MAX_SCHEMA_ERRORS) {
		diag(w->d, &(struct srcloc){ w->file, 0 }, -EINVAL,
		     "more problems with the schema are not shown, nor the checks that follow it; "
		     "fix the ones above first");
		ret = -E2BIG;
		goto out;
	}
	ret = -EINVAL;
out:
	free(r.unexpected);
	site_xsd_free(r.xsd);
	xmlSchemaFreeValidCtxt(vctxt);
	xmlSchemaFree(schema);
	xmlSchemaFreeParserCtxt(pctxt);
	return ret;
}
