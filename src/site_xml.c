/*
 * site_xml: libxml2's parse of a site (no DTD, no entities, no network),
 * and the <network> elements taken on the way, never as tree nodes: from
 * libxml2's callbacks, or from plain runs (site_runs.c) where libxml2
 * says they stand.  site.c checks and converts the document.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "mem.h"
#include "site.h"
#include "site_internal.h"

/*
 * The <network> being read: its text, blanks around it dropped as they
 * come, so that indentation never makes a network "too long".
 */
struct net_capture {
	bool on;
	unsigned line;
	size_t len;
	size_t blanks;		/* blanks after text[len - 1], kept only if text follows */
	bool too_long;
	struct site_net_list *list;	/* its <allow>'s */
	char text[80];
};

struct parse_ctx {
	const char *file;
	struct diag *d;
	size_t errors_before;	/* d->n_errors when this load began */
	bool xml_error;		/* libxml2 reported an error: the rest are its echoes */
	bool doctype;	/* a DOCTYPE was seen: refuse the document */
	unsigned doctype_line;
	struct net_capture net;
	bool after_net_end;	/* libxml2 read a <network>'s end tag, then blanks at most */
	size_t n_plain;		/* networks in the plain runs taken */
	struct site_feed feed;
	struct site_net_list *lists;	/* every <allow>'s networks; freed by site_xml_release() */
	struct site_xml_first first;	/* libxml2's first error */
};

static bool has_new_errors(const struct parse_ctx *pc)
{
	return pc->d->n_errors > pc->errors_before;
}

/* ---- libxml2 plumbing ------------------------------------------------ */

/*
 * libxml2 goes on after a fatal error and reports every later one, so a
 * file of 200 000 bad references gives 200 000 lines: the first is kept,
 * with the start tag a later one names (site_xmlerr_parse() says it all
 * once parsing is over).
 */
static void on_parse_error(void *user, xmlErrorPtr e)
{
	xmlParserCtxtPtr ctxt = user;
	struct parse_ctx *pc = ctxt->_private;

	pc->after_net_end = false;
	/* Once the DOCTYPE is refused, what libxml2 says after it is noise. */
	if (pc->doctype || e->level == XML_ERR_WARNING)
		return;
	if (!pc->xml_error) {
		pc->xml_error = true;
		site_xmlerr_keep(&pc->first, e);
	} else {
		site_xmlerr_keep_tag(&pc->first, e);
	}
}

/*
 * A DOCTYPE is where external DTDs and entity declarations (billion
 * laughs, XXE) come from: stop the parser at the first one.
 */
static void on_doctype(void *user, const xmlChar *name, const xmlChar *ext_id,
		       const xmlChar *sys_id)
{
	xmlParserCtxtPtr ctxt = user;
	struct parse_ctx *pc = ctxt->_private;

	(void)name;
	(void)ext_id;
	(void)sys_id;
	pc->after_net_end = false;
	pc->doctype = true;
	pc->doctype_line = ctxt->input ? (unsigned)ctxt->input->line : 0;
	xmlStopParser(ctxt);
}

/* ---- <network> elements, parsed as they are read ----------------------- */

/*
 * A site's size is its allowlist: 100 000 <network> elements as tree
 * nodes cost most of a load (allocation, schema walk, free).  They never
 * become nodes: each is parsed here into the list of its <allow>, and the
 * schema sees an <allow> with no children, which it accepts as it would
 * the networks (simple text of at most 64 characters, no attributes, which
 * this code checks instead).  A <network> anywhere else, or in a
 * namespace, goes into the tree for the schema to refuse; every one in no
 * namespace inside an <allow> is taken here, so that none can hide in the
 * tree where site_from_doc() would not look.
 */
static bool is_allow(const xmlNode *n)
{
	return n && n->type == XML_ELEMENT_NODE && !n->ns &&
	       !strcmp((const char *)n->name, "allow");
}

static struct site_net_list *allow_list(struct parse_ctx *pc, xmlNode *allow)
{
	struct site_net_list *l = allow->_private;

	if (l)
		return l;
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->next = pc->lists;
	pc->lists = l;
	allow->_private = l;
	return l;
}

static void free_lists(struct site_net_list *l)
{
	while (l) {
		struct site_net_list *next = l->next;

		free(l->nets);
		free(l->v4);
		free(l);
		l = next;
	}
}

/* Stop at the first problem libxml2 cannot see; its own errors say the rest. */
static void refuse(xmlParserCtxtPtr ctxt, struct parse_ctx *pc)
{
	pc->xml_error = true;
	xmlStopParser(ctxt);
}

static void net_begin(xmlParserCtxtPtr ctxt, struct parse_ctx *pc, int nb_attributes)
{
	struct srcloc loc = { pc->file, ctxt->input ? (unsigned)ctxt->input->line : 0 };

	if (nb_attributes) {
		diag(pc->d, &loc, -EINVAL, "<network> takes no attributes; write the network "
		     "as its text: <network>ADDRESS/PREFIX</network>");
		refuse(ctxt, pc);
		return;
	}
	pc->net = (struct net_capture){ .on = true, .line = loc.line,
					.list = allow_list(pc, ctxt->node) };
	if (!pc->net.list) {
		diag(pc->d, &loc, -ENOMEM, "out of memory");
		refuse(ctxt, pc);
	}
}

/*
 * Whole runs of text at a time: a network is one run of a dozen bytes,
 * copied at once rather than checked and copied byte by byte.  Too long
 * when what would be kept (blanks between runs included) fills text[].
 */
static void net_text(struct net_capture *c, const xmlChar *ch, int len)
{
	const char *p = (const char *)ch;
	const char *end = p + (len > 0 ? len : 0);

	while (p < end && !c->too_long) {
		const char *run = p;

		while (p < end && !site_is_xml_space(*p))
			p++;
		if (p > run) {
			size_t n = (size_t)(p - run);

			if (c->len + c->blanks + n >= sizeof(c->text)) {
				c->too_long = true;
				break;
			}
			memset(c->text + c->len, ' ', c->blanks);
			c->len += c->blanks;
			c->blanks = 0;
			memcpy(c->text + c->len, run, n);
			c->len += n;
		}
		for (; p < end && site_is_xml_space(*p); p++)
			c->blanks += c->len > 0;
	}
}

/*
 * Room in @l for one more network and its sort key.  More networks than
 * the keys' index holds cannot fit under SITE_MAX_BYTES.
 */
static bool net_room(struct site_net_list *l)
{
	struct site_net *nets = l->nets;
	uint64_t *v4 = l->v4;

	if (l->n == l->alloc &&
	    !(nets = mem_grow(l->nets, &l->alloc, l->n, sizeof(*nets),
			      (size_t)1 << SITE_V4KEY_INDEX_BITS)))
		return false;
	l->nets = nets;
	if (l->n_v4 == l->alloc_v4 &&
	    !(v4 = mem_grow(l->v4, &l->alloc_v4, l->n_v4, sizeof(*v4), SIZE_MAX)))
		return false;
	l->v4 = v4;
	return true;
}

/* One network of @l, written at @line: parsed, or said why not. */
static void net_add(xmlParserCtxtPtr ctxt, struct parse_ctx *pc, struct site_net_list *l,
		    unsigned line, const char *text, size_t len)
{
	struct walk w = { pc->file, pc->d };

	if (!net_room(l)) {
		diag(pc->d, &(struct srcloc){ pc->file, line }, -ENOMEM, "out of memory");
		refuse(ctxt, pc);
		return;
	}
	if (site_parse_net(&w, line, text, len, &l->nets[l->n]) < 0) {
		l->refused = true;
		return;
	}
	/* The sort key, made while the network is in the cache; none for IPv6. */
	if (l->nets[l->n].addr.family == AF_INET)
		l->v4[l->n_v4++] = site_v4key(&l->nets[l->n], l->n);
	l->n++;
}

/*
 * Room in @l for @n more networks at once: grown one by one, 100 000 of
 * them would be copied and their fresh pages cleared twice over.  (The
 * IPv4 keys, a third the size, still grow as they come: how many of the
 * @n are IPv4 is not known yet.)  Nothing if that fails; net_room() then
 * says so.
 */
static void net_reserve(struct site_net_list *l, size_t n)
{
	struct site_net *nets;

	if (n > ((size_t)1 << SITE_V4KEY_INDEX_BITS) - l->n || l->n + n <= l->alloc)
		return;
	nets = mem_realloc(l->nets, l->n * sizeof(*nets), (l->n + n) * sizeof(*nets));
	if (nets) {
		l->nets = nets;
		l->alloc = l->n + n;
	}
}

static void net_end(xmlParserCtxtPtr ctxt, struct parse_ctx *pc)
{
	struct net_capture *c = &pc->net;

	c->on = false;
	pc->after_net_end = true;
	if (c->too_long) {
		diag(pc->d, &(struct srcloc){ pc->file, c->line }, -EINVAL,
		     "network is too long; write it as ADDRESS/PREFIX");
		c->list->refused = true;
		return;
	}
	net_add(ctxt, pc, c->list, c->line, c->text, c->len);
}

/* The networks of run @r, as net_end() would have taken them; libxml2 is on the line of the last. */
static void take_run(xmlParserCtxtPtr ctxt, struct parse_ctx *pc, struct site_run *r)
{
	struct site_net_list *l = pc->net.list;
	unsigned line = (unsigned)ctxt->input->line - (unsigned)r->lines;

	r->state = SITE_RUN_TAKEN;
	pc->n_plain += r->nets;
	net_reserve(l, r->nets);
	for (size_t i = 0; i < r->nets && !ctxt->disableSAX; i++) {
		const struct site_run_net *e = site_run_net(&pc->feed, r, i);
		struct site_net *n = &l->nets[l->n];

		/*
		 * What net_add() does for the common IPv4 network, parsed by the
		 * scan, into room already there; anything else, or no room, goes
		 * through net_add() (a run's text has no blanks to trim).
		 */
		if (e->prefix != SITE_RUN_NOT_V4 && l->n < l->alloc && l->n_v4 < l->alloc_v4) {
			site_net_v4(e->addr, e->prefix, n);
			n->line = line + e->line;
			l->v4[l->n_v4++] = site_v4key(n, l->n);
			l->n++;
			continue;
		}
		net_add(ctxt, pc, l, line + e->line, r->start + e->off, e->len);
	}
}

/* ---- libxml2's callbacks ------------------------------------------------ */

static void on_start(void *user, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri,
		     int nb_namespaces, const xmlChar **namespaces, int nb_attributes,
		     int nb_defaulted, const xmlChar **attributes)
{
	xmlParserCtxtPtr ctxt = user;
	struct parse_ctx *pc = ctxt->_private;

	pc->after_net_end = false;
	if (pc->net.on) {
		struct srcloc loc = { pc->file, ctxt->input ? (unsigned)ctxt->input->line : 0 };

		diag(pc->d, &loc, -EINVAL, "<network> holds only its text, ADDRESS/PREFIX; "
		     "move <%.64s> out of it", (const char *)name);
		refuse(ctxt, pc);
		return;
	}
	if (!uri && is_allow(ctxt->node) &&
	    !strcmp((const char *)name, "network")) {
		net_begin(ctxt, pc, nb_attributes);
		return;
	}
	xmlSAX2StartElementNs(ctxt, name, prefix, uri, nb_namespaces, namespaces, nb_attributes,
			      nb_defaulted, attributes);
}

static void on_end(void *user, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri)
{
	xmlParserCtxtPtr ctxt = user;
	struct parse_ctx *pc = ctxt->_private;

	if (pc->net.on) {
		net_end(ctxt, pc);
	} else {
		pc->after_net_end = false;
		xmlSAX2EndElementNs(ctxt, name, prefix, uri);
	}
}

static void on_characters(void *user, const xmlChar *ch, int len)
{
	xmlParserCtxtPtr ctxt = user;
	struct parse_ctx *pc = ctxt->_private;

	pc->after_net_end = false;
	if (pc->net.on)
		net_text(&pc->net, ch, len);
	else
		xmlSAX2Characters(ctxt, ch, len);
}

/*
 * A comment or processing instruction inside a <network> is dropped with
 * it.  A plain run inside a comment is dropped with the comment.
 */
static void on_comment(void *user, const xmlChar *value)
{
	xmlParserCtxtPtr ctxt = user;
	struct parse_ctx *pc = ctxt->_private;

	pc->after_net_end = false;
	site_feed_comment(&pc->feed, (const char *)value);
	if (!pc->net.on)
		xmlSAX2Comment(ctxt, value);
}

static void on_pi(void *user, const xmlChar *target, const xmlChar *data)
{
	xmlParserCtxtPtr ctxt = user;
	struct parse_ctx *pc = ctxt->_private;
	bool after_net_end = pc->after_net_end;

	pc->after_net_end = false;
	if (pc->feed.runs_on && !strcmp((const char *)target, SITE_RUN_TARGET)) {
		struct site_run *r = data ? site_feed_run(&pc->feed, (const char *)data) : NULL;

		/* Anywhere else, site_parse_xml() parses the site again without runs. */
		if (r && r->state == SITE_RUN_PENDING && after_net_end && !pc->net.on)
			take_run(ctxt, pc, r);
		return;
	}
	if (!pc->net.on)
		xmlSAX2ProcessingInstruction(ctxt, target, data);
}

/* ---- parsing ------------------------------------------------------------ */

/*
 * One parse of the site into *@out (NULL if it is not well-formed), plain
 * runs taken if @runs_on: 0 or -ENOMEM.  What libxml2 reports goes into
 * @pc; the caller says what is wrong with the document.
 */
static int parse_once(struct parse_ctx *pc, const char *buf, size_t len, bool runs_on,
		      xmlDocPtr *out)
{
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;

	*out = NULL;
	site_feed_init(&pc->feed, buf, len, runs_on);
	ctxt = xmlCreateIOParserCtxt(NULL, NULL, site_feed_read, NULL, &pc->feed,
				     XML_CHAR_ENCODING_NONE);
	if (!ctxt)
		return -ENOMEM;
	ctxt->_private = pc;
	/*
	 * No XML_PARSE_NOENT (entities stay unexpanded), no DTDLOAD, no
	 * network; XML_PARSE_HUGE stays off so libxml2's depth and size
	 * limits hold.  NOBLANKS drops the indentation between elements (no
	 * element of a site has mixed content; a text-only element keeps its
	 * blanks) and COMPACT keeps a short text inside its node: at 100 000
	 * networks that is 200 000 allocations fewer, a fifth of the parse.
	 * The options first: they set handlers of their own.
	 */
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOWARNING |
				XML_PARSE_BIG_LINES | XML_PARSE_IGNORE_ENC | XML_PARSE_NOBLANKS |
				XML_PARSE_COMPACT);
	ctxt->sax->serror = on_parse_error;
	ctxt->sax->error = NULL;
	ctxt->sax->warning = NULL;
	ctxt->sax->internalSubset = on_doctype;
	ctxt->sax->startElementNs = on_start;
	ctxt->sax->endElementNs = on_end;
	ctxt->sax->characters = on_characters;
	ctxt->sax->comment = on_comment;
	ctxt->sax->processingInstruction = on_pi;
	ctxt->vctxt.error = NULL;
	ctxt->vctxt.warning = NULL;
	xmlParseDocument(ctxt);
	doc = ctxt->myDoc;
	ctxt->myDoc = NULL;
	if (doc && !ctxt->wellFormed) {
		xmlFreeDoc(doc);
		doc = NULL;
	}
	xmlFreeParserCtxt(ctxt);
	*out = doc;
	return 0;
}

int site_parse_xml(struct walk *w, const char *buf, size_t len, xmlDocPtr *out,
		   struct site_xml *x)
{
	struct parse_ctx pc = { .file = w->file, .d = w->d, .errors_before = w->d->n_errors };
	xmlDocPtr doc = NULL;
	bool done = false;
	int ret;

	if (len > SITE_MAX_BYTES) {
		struct srcloc loc = { w->file, 0 };

		return diag(w->d, &loc, -EINVAL,
			    "file is %zu bytes, more than a site description may be (%u); "
			    "check that this is the right file", len, SITE_MAX_BYTES);
	}
	ret = site_guard_bytes(w, buf, len);
	if (ret < 0)
		return ret;
	/*
	 * With plain runs first, reporting aside: if a run stood where it
	 * changed what libxml2 read, again without, so that what is said
	 * and what is built are the site's as written.
	 */
	if (site_runs_allowed(buf, len)) {
		struct diag aside;

		diag_init(&aside);
		pc.d = &aside;
		ret = parse_once(&pc, buf, len, true, &doc);
		pc.d = w->d;
		done = ret < 0 || site_feed_resolved(&pc.feed);
		site_feed_release(&pc.feed);
		if (done) {
			diag_append(w->d, &aside);
		} else {
			xmlFreeDoc(doc);
			doc = NULL;
			free_lists(pc.lists);
			pc = (struct parse_ctx){ .file = w->file, .d = w->d,
						 .errors_before = pc.errors_before };
		}
		diag_release(&aside);
	}
	if (!done) {
		ret = parse_once(&pc, buf, len, false, &doc);
		site_feed_release(&pc.feed);
	}
	x->lists = pc.lists;
	x->n_plain = pc.n_plain;
	if (ret < 0)
		return ret;
	if (pc.doctype) {
		struct srcloc loc = { w->file, pc.doctype_line };

		diag(w->d, &loc, -EINVAL,
		     "a DOCTYPE is not allowed in a site description (no DTDs, no entity "
		     "declarations); remove it");
		ret = -EINVAL;
		goto out;
	}
	if (pc.first.set)
		site_xmlerr_parse(w, &pc.first, buf, len);
	/* A refused <network> value is not the XML's fault: the schema still runs. */
	if (!doc || pc.xml_error) {
		if (!has_new_errors(&pc)) {
			struct srcloc loc = { w->file, 0 };

			diag(w->d, &loc, -EINVAL, "not well-formed XML");
		}
		ret = -EINVAL;
		goto out;
	}
	*out = doc;
	doc = NULL;
	ret = 0;
out:
	xmlFreeDoc(doc);
	return ret;
}

void site_xml_release(struct site_xml *x)
{
	free_lists(x->lists);
	*x = (struct site_xml){ 0 };
}
