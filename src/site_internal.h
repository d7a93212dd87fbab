/*
 * Private to the site module (site.c, site_parse.c, site_check.c): the
 * steps of site_load() after libxml2 has parsed and the schema has passed.
 */
#ifndef FTPCFG_SITE_INTERNAL_H
#define FTPCFG_SITE_INTERNAL_H

#include <libxml/tree.h>

#include "site.h"

/*
 * The networks of one <allow>, parsed while libxml2 reads the file (site.c):
 * at 100 000 networks, tree nodes for them would cost more than all the
 * rest of ftpcfg.  The <allow> node's _private points here; site_from_doc()
 * takes @nets.  site.c owns every list of a load (@next) and frees them.
 */
struct site_net_list {
	struct site_net *nets;
	size_t n;
	size_t alloc;
	bool refused;	/* a <network> of this <allow> was refused, with a diag */
	struct site_net_list *next;
};

/* Copy a schema-valid document into a new site, defaults filled.  0, -EINVAL or -ENOMEM. */
int site_from_doc(const char *file, xmlDocPtr doc, struct diag *d, struct site **out);

/* The checks no schema can express; every problem goes to @d. */
void site_check(const struct site *s, struct diag *d);

/* What the element walkers share: where messages go. */
struct walk {
	const char *file;
	struct diag *d;
};

static inline unsigned site_node_line(const xmlNode *n)
{
	long line = xmlGetLineNo(n);

	return line > 0 ? (unsigned)line : 0;
}

static inline bool site_is_xml_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * The bytes of a site before libxml2 sees them (site_guard.c): UTF-8, and
 * no tag with more attributes or namespace declarations than libxml2
 * handles in linear time.  0 or -EINVAL after a diag.
 */
int site_guard_bytes(struct walk *w, const char *buf, size_t len);

/* Values (site_value.c).  Each returns 0 or -EINVAL after a diag. */
int site_parse_addr(const char *text, struct site_addr *a);
int site_check_line(struct walk *w, unsigned line, const char *what, const char *s);
int site_check_path(struct walk *w, unsigned line, const char *what, const char *s);
int site_parse_net(struct walk *w, unsigned line, const char *text, size_t len,
		   struct site_net *net);

/*
 * The <directive> elements (site_directive.c): names against the table
 * beside @schema_path, values against the daemon's syntax; proftpd names
 * take the table's spelling.  0, -EINVAL after a diag, or -ENOMEM.
 */
int site_check_directives(struct site *s, const char *schema_path, struct diag *d);


#endif
