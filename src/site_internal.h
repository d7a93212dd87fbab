/*
 * Private to the site module (site.c, site_xml.c, site_runs.c, site_parse.c,
 * site_parse_server.c, site_attr.c, site_check.c): the steps of site_load().
 */
#ifndef FTPCFG_SITE_INTERNAL_H
#define FTPCFG_SITE_INTERNAL_H

#include <libxml/tree.h>

#include "site.h"

struct walk;
struct site_xsd;

/*
 * The networks of one <allow>, parsed while libxml2 reads the file
 * (site_xml.c): at 100 000 networks, tree nodes for them would cost more
 * than all the rest of ftpcfg.  The <allow> node's _private points here;
 * site_from_doc() takes @nets.  The lists of a load are chained (@next)
 * and freed by site_xml_release().
 */
struct site_net_list {
	struct site_net *nets;
	uint64_t *v4;	/* the IPv4 networks' keys (site_v4key()), in nets' order */
	size_t n;
	size_t n_v4;
	size_t alloc;
	size_t alloc_v4;
	bool refused;	/* a <network> of this <allow> was refused, with a diag */
	struct site_net_list *next;
};

/*
 * The parts of a document that failed the schema (site.c), so that the
 * checks of the rest still run: each element under <site> with a schema
 * error below it (a "unit"), and each child of such a unit that has one.
 */
struct site_bad {
	const xmlNode **nodes;
	size_t n;
	size_t alloc;
};

bool site_bad_has(const struct site_bad *b, const xmlNode *n);

/*
 * Copy a document into a new site, defaults filled.  A part that fails is
 * reported to @d and left out, so that the checks across the rest still
 * run: a <server> with a bad value, or one in @bad (it failed the schema;
 * NULL: the document is schema-valid), which is still checked element by
 * element (its elements in @bad skipped); a <firewall> that fails is left
 * at its defaults (firewall.unchecked).  The caller tells failure by the
 * errors in @d.  0 or -ENOMEM.
 */
int site_from_doc(const char *file, xmlDocPtr doc, const struct site_bad *bad, struct diag *d,
		  struct site **out);

void site_server_release(struct site_server *srv);

/*
 * Validate @doc against the schema at @schema_path; every problem goes to
 * @w->d in ftpcfg's words, in line order, and the parts that failed to
 * @bad (which the caller releases with free(bad->nodes)).  0; -EINVAL when
 * the document does not match; -E2BIG when it fails so often that only
 * the first problems were reported; -EIO (no schema) or -ENOMEM.
 */
int site_schema_validate(const struct walk *w, xmlDocPtr doc, const char *schema_path,
			 struct site_bad *bad);

/* libxml2's first parse error, copied (its strings do not outlive the callback). */
struct site_xml_first {
	bool set;
	int domain;
	int code;
	int line;
	int int1;
	int col;
	char str1[80];
	char str2[80];
	char msg[200];
	char tag[80];		/* the start tag a later error names ("Couldn't find end of") */
	int tag_line;
};

void site_xmlerr_keep(struct site_xml_first *f, const xmlError *e);
/* A later error: keep the start tag it names, if it is the first to name one. */
void site_xmlerr_keep_tag(struct site_xml_first *f, const xmlError *e);
/* Record @f in ftpcfg's words; @buf is the file, to find where a comment began. */
void site_xmlerr_parse(const struct walk *w, const struct site_xml_first *f, const char *buf,
		       size_t len);

/* Record libxml2's schema error @e in ftpcfg's words; @x may be NULL (no schema text). */
void site_xmlerr_schema(const struct walk *w, const struct site_xsd *x, const xmlError *e);
/* Record that @n is not expected where it is (its parent does not take it there). */
void site_xmlerr_unexpected(const struct walk *w, const struct site_xsd *x, const xmlNode *n);
/* Record that @n lacks a child its sequence requires. */
void site_xmlerr_missing_child(const struct walk *w, const struct site_xsd *x, const xmlNode *n);
/* Record text inside @n, which holds none or only elements. */
void site_xmlerr_stray_text(const struct walk *w, const struct site_xsd *x, const xmlNode *n);
/* Record an element inside @n, which holds only text or nothing. */
void site_xmlerr_stray_element(const struct walk *w, const struct site_xsd *x, const xmlNode *n);

/* The checks no schema can express; every problem goes to @d. */
void site_check(const struct site *s, struct diag *d);
/*
 * Sort @srv's allowlist once (site_model.c): @v4 (its @n_v4 IPv4 keys in
 * allow's order, owned, taken in every case) into srv->allow_v4, and the
 * indices of the other networks into srv->allow_v6.  0 or -ENOMEM (then
 * neither is made).
 */
int site_allow_sort(struct site_server *srv, uint64_t *v4, size_t n_v4);
/* Warnings about @srv's allowlist (site_check_allow.c). */
void site_check_allow(const struct site *s, const struct site_server *srv, struct diag *d);

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

/*
 * Plain runs of networks (site_runs.c): lines of <network>ADDRESS</network>
 * elements that libxml2 is given as one processing instruction instead.
 * site_xml.c takes a run only where libxml2 says it stands in an <allow>.
 */
#define SITE_RUN_TARGET "ftpcfg-plain-run"
#define SITE_RUN_MARK "<?" SITE_RUN_TARGET

struct site_run {
	const char *start;
	const char *tail;	/* after its last network: blanks to the end of the line */
	size_t lines;		/* newlines before the tail */
	size_t nets;
	size_t first;		/* its networks: the feed's nets[first] on */
	enum { SITE_RUN_PENDING, SITE_RUN_TAKEN, SITE_RUN_COMMENTED } state;
};

/*
 * One network of a run, as the scan found it: where its text is, on which
 * of the run's lines, and, when site_scan_v4() takes it whole, the network.
 */
struct site_run_net {
	uint32_t off;		/* its text, from the run's start */
	uint32_t line;		/* newlines in the run before it */
	uint32_t addr;		/* the IPv4 address, when @prefix is one */
	uint8_t len;		/* its text's length */
	uint8_t prefix;		/* SITE_RUN_NOT_V4: anything else, for site_parse_net() */
};
#define SITE_RUN_NOT_V4 0xff

/* The site as libxml2 reads it (site_feed_read()); the runs it was not given. */
struct site_feed {
	const char *p;
	const char *end;
	const char *close;	/* just after the next "</network>"; NULL: not looked for yet */
	const char *stop;	/* where the last run's scan stopped */
	bool runs_on;		/* take plain runs */
	char mark[48];		/* the start of the marker that stands for the last run */
	size_t mark_len;
	size_t mark_off;	/* how much of it libxml2 has read */
	size_t newlines;	/* then the run's newlines before its tail, still to give */
	size_t mark_end;	/* then how much of the marker's "?>" is still to give */
	struct site_run *runs;
	size_t n_runs;
	size_t alloc_runs;
	struct site_run_net *nets;	/* every run's networks, in order */
	size_t n_nets;
	size_t alloc_nets;
};

/* Runs may be taken from @buf: it does not hold the marker itself. */
bool site_runs_allowed(const char *buf, size_t len);
void site_feed_init(struct site_feed *f, const char *buf, size_t len, bool runs_on);
void site_feed_release(struct site_feed *f);
/* libxml2's read callback (@user: the feed). */
int site_feed_read(void *user, char *out, int len);
/* The run a marker's text (its number) names, or NULL. */
struct site_run *site_feed_run(struct site_feed *f, const char *s);
/* The runs whose markers stand in comment text @s are dropped with it. */
void site_feed_comment(struct site_feed *f, const char *s);
/* Every run was taken or dropped with a comment: libxml2 read the site as written. */
bool site_feed_resolved(const struct site_feed *f);
/* Network @i of run @r (i < r->nets). */
const struct site_run_net *site_run_net(const struct site_feed *f, const struct site_run *r,
					size_t i);

/*
 * libxml2's parse of a site (site_xml.c): the document, every <allow>'s
 * networks read on the way (@lists, freed by site_xml_release()), and how
 * many of them came from plain runs.  0, -EINVAL after a diag, -ENOMEM.
 */
struct site_xml {
	struct site_net_list *lists;
	size_t n_plain;
};

int site_parse_xml(struct walk *w, const char *buf, size_t len, xmlDocPtr *out,
		   struct site_xml *x);
void site_xml_release(struct site_xml *x);

/* Values (site_value.c).  Each returns 0 or -EINVAL after a diag. */
int site_parse_addr(const char *text, struct site_addr *a);
int site_check_line(struct walk *w, unsigned line, const char *what, const char *s);
int site_check_path(struct walk *w, unsigned line, const char *what, const char *s);
/*
 * The fast path of site_parse_net(): the longest IPv4 network (dotted
 * quad, optional /PREFIX, no host bits) that @text starts with, before
 * @lim: where it stops, or NULL; nothing said.  The network is the text's
 * only when the text ends there; site_net_v4() makes it a site_net (all
 * but its line).
 */
const char *site_scan_v4(const char *text, const char *lim, uint32_t *addr, unsigned *prefix);
void site_net_v4(uint32_t addr, unsigned prefix, struct site_net *net);
int site_parse_net(struct walk *w, unsigned line, const char *text, size_t len,
		   struct site_net *net);

/*
 * The attributes of a schema-valid element (site_attr.c); an absent one
 * gives the default.  site_attr_dup: an owned string, *out NULL when
 * absent, 0 or -ENOMEM.  site_attr_uint and site_attr_addr: 0 or -EINVAL
 * after a diag.
 */
int site_attr_dup(const xmlNode *n, const char *name, char **out);
bool site_attr_is(const xmlNode *n, const char *name, const char *value, bool dflt);
bool site_attr_yes(const xmlNode *n, const char *name, bool dflt);
int site_attr_uint(struct walk *w, const xmlNode *n, const char *name, unsigned long max,
		   unsigned dflt, unsigned *out);
int site_attr_addr(struct walk *w, const xmlNode *n, const char *name, struct site_addr *a,
		   bool *present);

/*
 * One <server> (site_parse_server.c): its defaults that depend on no other
 * field (init), the element @c copied into @srv (0, -EINVAL after a diag,
 * or -ENOMEM), and the defaults that depend on other fields (finish: 0 or
 * -ENOMEM).
 */
void site_server_init(struct site_server *srv, unsigned line);
int site_parse_child(struct walk *w, const xmlNode *c, struct site_server *srv);
int site_server_finish(struct site_server *srv);

/*
 * The <directive> elements (site_directive.c): names against the table
 * beside @schema_path, values against the daemon's syntax; proftpd names
 * take the table's spelling.  0, -EINVAL after a diag, or -ENOMEM.
 */
int site_check_directives(struct site *s, const char *schema_path, struct diag *d);


/*
 * The site schema read as a document (site_xsd.c), for messages: what an
 * element takes and what a value may be.  Every pointer it returns is
 * borrowed from the schema document and lives until site_xsd_free().
 */
struct site_xsd;

/* 0, -ENOMEM, or -EINVAL when @path cannot be read as XML. */
int site_xsd_load(const char *path, struct site_xsd **out);
void site_xsd_free(struct site_xsd *x);

/* Whether @name is declared at the top of the schema (it can be validated alone). */
bool site_xsd_is_global(const struct site_xsd *x, const char *name);
/* An element's declaration: global, else local (<network>); NULL if none. */
const xmlNode *site_xsd_element(const struct site_xsd *x, const char *name);
/* The element (first in the schema) that may hold @name; NULL if none. */
const char *site_xsd_parent(const struct site_xsd *x, const char *name);

enum site_xsd_content {
	SITE_XSD_EMPTY,		/* attributes only */
	SITE_XSD_ELEMENTS,	/* child elements only */
	SITE_XSD_TEXT,		/* text only */
};

struct site_xsd_child {
	const char *name;
	unsigned min_occurs;
	unsigned max_occurs;	/* 0: unbounded */
};

enum site_xsd_content site_xsd_content(const xmlNode *decl);
/* Whether the children must come in the listed order (a sequence). */
bool site_xsd_ordered(const xmlNode *decl);
/* The children in schema order; returns how many there are (may exceed @max). */
size_t site_xsd_children(const xmlNode *decl, struct site_xsd_child *out, size_t max);
/* The attribute names in schema order; returns how many there are. */
size_t site_xsd_attrs(const xmlNode *decl, const char **out, size_t max);
const xmlNode *site_xsd_attr(const xmlNode *decl, const char *name);
bool site_xsd_attr_required(const xmlNode *attr);

#define SITE_XSD_MAX_ENUMS 16

/* What a simple value may be, gathered along its chain of restrictions. */
struct site_xsd_facets {
	const char *enums[SITE_XSD_MAX_ENUMS];
	size_t n_enums;
	bool is_number;
	bool has_min;
	bool has_max;
	unsigned long long min;
	unsigned long long max;
	unsigned long max_length;	/* 0: none */
	const char *pattern;
	const char *words;	/* the type's <xs:documentation>: the pattern in words */
};

/* The facets of an attribute's or a text element's type (@decl: its declaration). */
void site_xsd_facets(const struct site_xsd *x, const xmlNode *decl, struct site_xsd_facets *f);

/* The name in @names nearest to @typed, or NULL when none is near enough. */
const char *site_xsd_nearest(const char *typed, const char *const *names, size_t n);

#endif
