/*
 * site: reads a site description into struct site.  libxml2 parses it (no
 * DTD, no entities, no network), the schema checks its shape, and every
 * default is filled in site_parse_server.c (site_server_init() and
 * site_server_finish()).
 * It never writes, resolves or executes anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

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

/*
 * A run of plain networks that libxml2 is not given (plain_run() below):
 * where it is in the site, and what became of it.
 */
struct plain_run {
	const char *start;
	const char *tail;	/* after its last network: blanks to the end of the line */
	size_t lines;		/* newlines before the tail */
	size_t nets;
	enum { RUN_PENDING, RUN_TAKEN, RUN_COMMENTED } state;
};

/* The site as libxml2 reads it (mem_read()). */
struct feed {
	const char *p;
	const char *end;
	const char *close;	/* just after the next "</network>"; NULL: not looked for yet */
	const char *stop;	/* where the last plain_run() stopped */
	bool runs_on;		/* take plain runs */
	char mark[48];		/* the start of the marker that stands for the last run */
	size_t mark_len;
	size_t mark_off;	/* how much of it libxml2 has read */
	size_t newlines;	/* then the run's newlines before its tail, still to give */
	size_t mark_end;	/* then how much of the marker's "?>" is still to give */
	struct plain_run *runs;
	size_t n_runs;
	size_t alloc_runs;
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
	struct feed feed;
	struct site_net_list *lists;	/* every <allow>'s networks; freed by site_load_buffer */
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

/* ---- plain runs of networks -------------------------------------------- */

/*
 * At 100 000 networks libxml2 spends more time on an allowlist than on all
 * the rest of a site.  Most allowlists are lines of plain elements,
 * <network>ADDRESS</network>, and those libxml2 need not see: wherever a
 * "</network>" is followed by such lines, mem_read() gives libxml2, in
 * their place, a processing instruction that numbers the run and holds
 * its newlines up to the last network (so that line numbers stay right),
 * then the blanks after the last network as they are (so that what
 * follows reads as it would have).  Only libxml2 can tell where that
 * "</network>" stands, so the run is taken only when the instruction
 * arrives where the run would have been read as networks: right after the
 * end tag of an <allow>'s <network>, where libxml2 drops blanks (on_pi()).
 * A run inside a comment is dropped with it (on_comment()); one anywhere
 * else (a CDATA section, another processing instruction, an <allow> that
 * keeps blanks as text) changed what libxml2 read, and parse_xml() parses
 * the site again without runs.  A site that holds the marker itself is
 * parsed without runs.
 */
#define NET_OPEN "<network>"
#define NET_CLOSE "</network>"
#define NET_OPEN_LEN (sizeof(NET_OPEN) - 1)
#define NET_CLOSE_LEN (sizeof(NET_CLOSE) - 1)
#define RUN_TARGET "ftpcfg-plain-run"
#define RUN_MARK "<?" RUN_TARGET
#define RUN_TEXT_MAX 64	/* well under net_text()'s and site_parse_net()'s limit */

/*
 * What a plain network's text is made of: what IPv4 and IPv6 networks are
 * written with, none of it markup to XML.
 */
static const bool plain_bytes[256] = {
	['.'] = true, ['/'] = true, [':'] = true,
	['0'] = true, ['1'] = true, ['2'] = true, ['3'] = true, ['4'] = true,
	['5'] = true, ['6'] = true, ['7'] = true, ['8'] = true, ['9'] = true,
	['a'] = true, ['b'] = true, ['c'] = true, ['d'] = true, ['e'] = true, ['f'] = true,
	['A'] = true, ['B'] = true, ['C'] = true, ['D'] = true, ['E'] = true, ['F'] = true,
};

/*
 * The plain run from @p: blanks and <network>ADDRESS</network> elements,
 * to the end of the last line that holds only those.  Its networks, where
 * its tail (the blanks after the last one) starts, and the newlines before
 * that, in *@r; false if no line holds only those, or if none holds a
 * network.  Where the elements stop in *@stop: a run from any later
 * "</network>" before it would stop there too, so start_run() does not
 * look again.
 */
static bool plain_run(const char *p, const char *end, struct plain_run *r, const char **stop)
{
	const char *last = NULL;	/* after the last network so far */
	size_t lines = 0;
	size_t lines_at_last = 0;
	size_t n = 0;
	bool found = false;

	*r = (struct plain_run){ .start = p };
	while (p < end) {
		const char *text, *t, *lim;

		if (*p == ' ') {
			p++;
			continue;
		}
		if (*p == '\t' || *p == '\r') {
			p++;
			continue;
		}
		if (*p == '\n') {
			lines++;
			p++;
			if (n) {
				*r = (struct plain_run){ .start = r->start, .tail = last,
							 .lines = lines_at_last, .nets = n };
				found = true;
			}
			continue;
		}
		if ((size_t)(end - p) < NET_OPEN_LEN + 1 + NET_CLOSE_LEN ||
		    memcmp(p, NET_OPEN, NET_OPEN_LEN))
			break;
		t = text = p + NET_OPEN_LEN;
		lim = (size_t)(end - text) > RUN_TEXT_MAX ? text + RUN_TEXT_MAX : end;
		while (t < lim && plain_bytes[(unsigned char)*t])
			t++;
		if (t == text || (size_t)(end - t) < NET_CLOSE_LEN || memcmp(t, NET_CLOSE, NET_CLOSE_LEN))
			break;
		p = last = t + NET_CLOSE_LEN;
		lines_at_last = lines;
		n++;
	}
	*stop = p;
	return found;
}

/*
 * In place of the plain run at f->p, if there is one: a blank, then the
 * marker with the run's newlines up to its last network inside it, then
 * the run's tail as it is (blanks that libxml2 reads as it would have
 * after the last network).  The blank asks libxml2 whether it drops blanks
 * here, as it would have the run's between its networks (on_pi()).
 */
static void start_run(struct feed *f)
{
	struct plain_run *runs = f->runs;
	struct plain_run r;
	int n;

	if (f->p < f->stop || !plain_run(f->p, f->end, &r, &f->stop))
		return;
	/* Out of memory: libxml2 reads the run itself. */
	if (f->n_runs == f->alloc_runs &&
	    !(runs = mem_grow(f->runs, &f->alloc_runs, f->n_runs, sizeof(*runs), SIZE_MAX)))
		return;
	f->runs = runs;
	n = snprintf(f->mark, sizeof(f->mark), " " RUN_MARK " %zu", f->n_runs);
	if (n < 0 || (size_t)n >= sizeof(f->mark))
		return;
	f->runs[f->n_runs++] = r;
	f->mark_len = (size_t)n;
	f->mark_off = 0;
	f->newlines = r.lines;
	f->mark_end = 2;
	f->p = r.tail;
}

/*
 * libxml2 reads the site from our buffer a piece at a time: handed the
 * whole buffer (xmlCtxtReadMemory), it copies it first, and 4 MB of fresh
 * memory cost more than the parse on a virtual machine.
 */
static int mem_read(void *user, char *out, int len)
{
	struct feed *f = user;
	size_t room = len > 0 ? (size_t)len : 0;
	size_t n = 0;

	while (n < room) {
		size_t k;

		if (f->mark_off < f->mark_len) {
			k = f->mark_len - f->mark_off;
			k = k < room - n ? k : room - n;
			memcpy(out + n, f->mark + f->mark_off, k);
			f->mark_off += k;
			n += k;
		} else if (f->newlines) {
			k = f->newlines < room - n ? f->newlines : room - n;
			memset(out + n, '\n', k);
			f->newlines -= k;
			n += k;
		} else if (f->mark_end) {
			out[n++] = "?>"[2 - f->mark_end--];
		} else if (f->p < f->end) {
			if (!f->close) {
				const char *c = f->runs_on ? memmem(f->p, (size_t)(f->end - f->p),
								    NET_CLOSE, NET_CLOSE_LEN) : NULL;

				f->close = c ? c + NET_CLOSE_LEN : f->end;
			}
			k = (size_t)(f->close - f->p);
			k = k < room - n ? k : room - n;
			memcpy(out + n, f->p, k);
			f->p += k;
			n += k;
			if (f->p == f->close) {
				f->close = NULL;
				if (f->runs_on)
					start_run(f);
			}
		} else {
			break;
		}
	}
	return (int)n;
}

/* The run numbered by a marker's text at @s, or NULL. */
static struct plain_run *run_of(struct feed *f, const char *s)
{
	unsigned long i;

	if (!f->runs_on || *s < '0' || *s > '9')
		return NULL;
	i = strtoul(s, NULL, 10);
	return i < f->n_runs ? &f->runs[i] : NULL;
}

/* The networks of run @r, as net_end() would have taken them; libxml2 is on the line of the last. */
static void take_run(xmlParserCtxtPtr ctxt, struct parse_ctx *pc, struct plain_run *r)
{
	struct site_net_list *l = pc->net.list;
	unsigned line = (unsigned)ctxt->input->line - (unsigned)r->lines;
	const char *p = r->start;

	r->state = RUN_TAKEN;
	pc->n_plain += r->nets;
	net_reserve(l, r->nets);
	while (p < r->tail && !ctxt->disableSAX) {
		const char *t;

		if (*p != '<') {
			line += *p++ == '\n';
			continue;
		}
		t = p += NET_OPEN_LEN;
		while (*p != '<')
			p++;
		net_add(ctxt, pc, l, line, t, (size_t)(p - t));
		p += NET_CLOSE_LEN;
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
 * Indentation between elements (XML_PARSE_NOBLANKS): dropped.  The blank
 * before a plain run's marker comes here where libxml2 drops blanks (it
 * would have dropped the run's): it does not change what after_net_end
 * says.  Where it keeps them, they come to on_characters().
 */
static void on_blanks(void *user, const xmlChar *ch, int len)
{
	(void)user;
	(void)ch;
	(void)len;
}

/*
 * A comment or processing instruction inside a <network> is dropped with
 * it.  A plain run inside a comment is dropped with the comment.
 */
static void on_comment(void *user, const xmlChar *value)
{
	xmlParserCtxtPtr ctxt = user;
	struct parse_ctx *pc = ctxt->_private;
	const char *s = (const char *)value;

	pc->after_net_end = false;
	while ((s = strstr(s, RUN_MARK " "))) {
		struct plain_run *r = run_of(&pc->feed, s += sizeof(RUN_MARK));

		if (r && r->state == RUN_PENDING)
			r->state = RUN_COMMENTED;
	}
	if (!pc->net.on)
		xmlSAX2Comment(ctxt, value);
}

static void on_pi(void *user, const xmlChar *target, const xmlChar *data)
{
	xmlParserCtxtPtr ctxt = user;
	struct parse_ctx *pc = ctxt->_private;
	bool after_net_end = pc->after_net_end;

	pc->after_net_end = false;
	if (pc->feed.runs_on && !strcmp((const char *)target, RUN_TARGET)) {
		struct plain_run *r = data ? run_of(&pc->feed, (const char *)data) : NULL;

		/* Anywhere else, parse_xml() parses the site again without runs. */
		if (r && r->state == RUN_PENDING && after_net_end && !pc->net.on)
			take_run(ctxt, pc, r);
		return;
	}
	if (!pc->net.on)
		xmlSAX2ProcessingInstruction(ctxt, target, data);
}

/* ---- parsing ------------------------------------------------------------ */

static bool runs_resolved(const struct feed *f)
{
	for (size_t i = 0; i < f->n_runs; i++)
		if (f->runs[i].state == RUN_PENDING)
			return false;
	return true;
}

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
	pc->feed = (struct feed){ .p = buf, .end = buf + len, .stop = buf, .runs_on = runs_on };
	ctxt = xmlCreateIOParserCtxt(NULL, NULL, mem_read, NULL, &pc->feed,
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
	ctxt->sax->ignorableWhitespace = on_blanks;
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

static int parse_xml(struct parse_ctx *pc, const char *buf, size_t len, xmlDocPtr *out)
{
	struct diag fast_d;
	xmlDocPtr doc = NULL;
	bool done = false;
	int ret;

	if (len > SITE_MAX_BYTES) {
		struct srcloc loc = { pc->file, 0 };

		return diag(pc->d, &loc, -EINVAL,
			    "file is %zu bytes, more than a site description may be (%u); "
			    "check that this is the right file", len, SITE_MAX_BYTES);
	}
	ret = site_guard_bytes(&(struct walk){ pc->file, pc->d }, buf, len);
	if (ret < 0)
		return ret;
	/*
	 * With plain runs first, reporting aside: if a run stood where it
	 * changed what libxml2 read, again without, so that what is said
	 * and what is built are the site's as written.
	 */
	if (!memmem(buf, len, RUN_MARK, sizeof(RUN_MARK) - 1)) {
		struct parse_ctx fast = { .file = pc->file, .d = &fast_d };

		diag_init(&fast_d);
		ret = parse_once(&fast, buf, len, true, &doc);
		done = ret < 0 || runs_resolved(&fast.feed);
		if (done) {
			diag_append(pc->d, &fast_d);
			pc->xml_error = fast.xml_error;
			pc->doctype = fast.doctype;
			pc->doctype_line = fast.doctype_line;
			pc->first = fast.first;
			pc->lists = fast.lists;
			pc->n_plain = fast.n_plain;
		} else {
			xmlFreeDoc(doc);
			doc = NULL;
			free_lists(fast.lists);
		}
		free(fast.feed.runs);
		diag_release(&fast_d);
	}
	if (!done) {
		ret = parse_once(pc, buf, len, false, &doc);
		free(pc->feed.runs);
	}
	if (ret < 0)
		return ret;
	if (pc->doctype) {
		struct srcloc loc = { pc->file, pc->doctype_line };

		diag(pc->d, &loc, -EINVAL,
		     "a DOCTYPE is not allowed in a site description (no DTDs, no entity "
		     "declarations); remove it");
		ret = -EINVAL;
		goto out;
	}
	if (pc->first.set)
		site_xmlerr_parse(&(struct walk){ pc->file, pc->d }, &pc->first, buf, len);
	/* A refused <network> value is not the XML's fault: the schema still runs. */
	if (!doc || pc->xml_error) {
		if (!has_new_errors(pc)) {
			struct srcloc loc = { pc->file, 0 };

			diag(pc->d, &loc, -EINVAL, "not well-formed XML");
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

/*
 * Every element of the schema is global, and XML Schema lets any global
 * element be a document's root: <limits/> alone would pass it.
 */
static int check_root(struct parse_ctx *pc, xmlDocPtr doc)
{
	const xmlNode *root = xmlDocGetRootElement(doc);
	struct srcloc loc = { pc->file, root ? site_node_line(root) : 0 };

	if (!root)
		return 0;
	/* libxml2's schema would only say "no matching global declaration". */
	if (root->ns && !strcmp((const char *)root->name, "site"))
		return diag(pc->d, &loc, -EINVAL, "<site> is in the namespace '%.100s', and a site "
			    "description uses none; remove xmlns%s%.64s=\"...\"%s",
			    (const char *)root->ns->href, root->ns->prefix ? ":" : "",
			    root->ns->prefix ? (const char *)root->ns->prefix : "",
			    root->ns->prefix ? " and the prefix" : "");
	if (!root->ns && !strcmp((const char *)root->name, "site"))
		return 0;
	return diag(pc->d, &loc, -EINVAL, "the root element is <%.64s>, not <site>; a site "
		    "description is one <site name=\"...\" version=\"1\"> element",
		    (const char *)root->name);
}

/* An element that holds only text must hold it in at most MAX_TEXT_PIECES pieces. */
static int check_text_pieces(struct parse_ctx *pc, xmlDocPtr doc)
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
			return diag(pc->d, &(struct srcloc){ pc->file, site_node_line(n) }, -EINVAL,
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
	struct parse_ctx pc = { .file = name, .d = d, .errors_before = d->n_errors };
	struct site_bad bad = { .n = 0 };
	size_t first_rec = d->n_recs;
	bool schema_failed = false;
	bool partial;
	xmlDocPtr doc = NULL;
	struct site *s = NULL;
	int ret;

	ret = parse_xml(&pc, buf, len, &doc);
	if (ret < 0)
		goto out;
	ret = check_root(&pc, doc);
	if (ret < 0)
		goto out;
	ret = check_text_pieces(&pc, doc);
	if (ret < 0)
		goto out;
	/*
	 * After the schema's errors the parts that passed it are still
	 * checked, so that one run reports what it can (site_from_doc()).
	 */
	ret = site_schema_validate(&(struct walk){ name, d }, doc, schema_path, &bad);
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
	s->n_plain = pc.n_plain;
	ret = site_check_directives(s, schema_path, d);
	if (ret == -ENOMEM)
		goto out;
	/* The parts that failed (said already) are left out of s, and checked no further. */
	partial = schema_failed || has_new_errors(&pc);
	site_check(s, d);
	/* The passes so far and the checks' each report in line order: merge them. */
	if (partial)
		diag_sort(d, first_rec);
	if (has_new_errors(&pc)) {
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
	free_lists(pc.lists);
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
