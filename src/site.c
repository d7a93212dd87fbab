/*
 * site: reads a site description into struct site.  libxml2 parses it
 * (site_xml.c), the schema checks its shape, and every default is filled
 * in site_parse_server.c (site_server_init() and site_server_finish()).
 * It never writes, resolves or executes anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "mem.h"
#include "site.h"
#include "site_internal.h"

/*
 * libxml2's schema validator joins the text of an element piece by piece
 * with strcat: a banner cut into 2 million pieces by comments took a
 * minute.  One piece is usual; a comment or two inside is plenty.
 */
#define MAX_TEXT_PIECES 64u

/*
 * Every element of the schema is global, and XML Schema lets any global
 * element be a document's root: <limits/> alone would pass it.
 */
static int check_root(struct walk *w, xmlDocPtr doc)
{
	const xmlNode *root = xmlDocGetRootElement(doc);
	struct srcloc loc = { w->file, root ? site_node_line(root) : 0 };

	if (!root)
		return 0;
	/* libxml2's schema would only say "no matching global declaration". */
	if (root->ns && !strcmp((const char *)root->name, "site"))
		return diag(w->d, &loc, -EINVAL, "<site> is in the namespace '%.100s', and a site "
			    "description uses none; remove xmlns%s%.64s=\"...\"%s",
			    (const char *)root->ns->href, root->ns->prefix ? ":" : "",
			    root->ns->prefix ? (const char *)root->ns->prefix : "",
			    root->ns->prefix ? " and the prefix" : "");
	if (!root->ns && !strcmp((const char *)root->name, "site"))
		return 0;
	return diag(w->d, &loc, -EINVAL, "the root element is <%.64s>, not <site>; a site "
		    "description is one <site name=\"...\" version=\"1\"> element",
		    (const char *)root->name);
}

/* An element that holds only text must hold it in at most MAX_TEXT_PIECES pieces. */
static int check_text_pieces(struct walk *w, xmlDocPtr doc)
{
	xmlNode *n = xmlDocGetRootElement(doc);

	/* Document order without recursion: down, else next, else up and next. */
	while (n) {
		unsigned pieces = 0;
		bool leaf = true;

		for (const xmlNode *c = n->children; c && leaf; c = c->next) {
			leaf = c->type != XML_ELEMENT_NODE;
			pieces += c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE;
		}
		if (n->type == XML_ELEMENT_NODE && leaf && pieces > MAX_TEXT_PIECES)
			return diag(w->d, &(struct srcloc){ w->file, site_node_line(n) }, -EINVAL,
				    "the text of <%s> is cut into more than %u pieces by comments or "
				    "processing instructions; write it in one piece",
				    (const char *)n->name, MAX_TEXT_PIECES);
		if (n->type == XML_ELEMENT_NODE && n->children) {
			n = n->children;
			continue;
		}
		while (n->type != XML_DOCUMENT_NODE && !n->next)
			n = n->parent;
		n = n->type == XML_DOCUMENT_NODE ? NULL : n->next;
	}
	return 0;
}

int site_load_buffer(const char *name, const char *buf, size_t len, const char *schema_path,
		     struct diag *d, struct site **out)
{
	struct walk w = { name, d };
	struct site_xml x = { 0 };
	struct site_bad bad = { .n = 0 };
	size_t errors_before = d->n_errors;
	size_t first_rec = d->n_recs;
	bool schema_failed = false;
	bool partial;
	xmlDocPtr doc = NULL;
	struct site *s = NULL;
	int ret;

	ret = site_parse_xml(&w, buf, len, &doc, &x);
	if (ret < 0)
		goto out;
	ret = check_root(&w, doc);
	if (ret < 0)
		goto out;
	ret = check_text_pieces(&w, doc);
	if (ret < 0)
		goto out;
	/*
	 * After the schema's errors the parts that passed it are still
	 * checked, so that one run reports what it can (site_from_doc()).
	 */
	ret = site_schema_validate(&w, doc, schema_path, &bad);
	if (ret == -E2BIG) {
		ret = -EINVAL;	/* so many errors that the rest is not worth checking */
		goto out;
	}
	if (ret < 0 && ret != -EINVAL)
		goto out;
	schema_failed = ret < 0;
	ret = site_from_doc(name, doc, schema_failed ? &bad : NULL, d, &s);
	if (ret < 0)
		goto out;
	s->n_plain = x.n_plain;
	ret = site_check_directives(s, schema_path, d);
	if (ret == -ENOMEM)
		goto out;
	/* The parts that failed (said already) are left out of s, and checked no further. */
	partial = schema_failed || d->n_errors > errors_before;
	site_check(s, d);
	/* The passes so far and the checks' each report in line order: merge them. */
	if (partial)
		diag_sort(d, first_rec);
	if (d->n_errors > errors_before) {
		ret = -EINVAL;
		goto out;
	}
	*out = s;
	s = NULL;
	ret = 0;
out:
	site_free(s);
	xmlFreeDoc(doc);
	free(bad.nodes);
	site_xml_release(&x);
	return ret;
}

int site_load(const char *path, const char *schema_path, struct diag *d, struct site **out)
{
	struct srcloc loc = { path, 0 };
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	size_t want;
	int fd = -1;
	int ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		diag(d, &loc, ret, "cannot read the site description: %s", strerror(-ret));
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		diag(d, &loc, ret, "cannot read the site description: %s", strerror(-ret));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = diag(d, &loc, -EISDIR, "is a directory; name the site's XML file");
		goto out;
	}
	if (st.st_size > (off_t)SITE_MAX_BYTES) {
		ret = diag(d, &loc, -EINVAL,
			   "file is %lld bytes, more than a site description may be (%u); "
			   "check that this is the right file",
			   (long long)st.st_size, SITE_MAX_BYTES);
		goto out;
	}
	/* Read one byte past the limit so a file that grows under us is caught too. */
	buf = mem_alloc(SITE_MAX_BYTES + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	/* The size it has now, plus the byte that tells it grew, in whole huge pages. */
	want = mem_huge_size((size_t)st.st_size + 1);
	mem_prefault(buf, want < SITE_MAX_BYTES + 1 ? want : SITE_MAX_BYTES + 1);
	for (;;) {
		ssize_t n = read(fd, buf + len, SITE_MAX_BYTES + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			diag(d, &loc, ret, "cannot read the site description: %s", strerror(-ret));
			goto out;
		}
		if (n == 0 || len + (size_t)n > SITE_MAX_BYTES) {
			len += (size_t)n;
			break;
		}
		len += (size_t)n;
	}
	ret = site_load_buffer(path, buf, len, schema_path, d, out);
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return ret;
}
