/*
 * site_runs: plain runs of networks, the part of a site libxml2 need not
 * tokenize (site_internal.h).  Bytes only: where libxml2 stands is
 * site_xml.c's to ask it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "site_internal.h"

/*
 * At 100 000 networks libxml2 spends more time on an allowlist than on all
 * the rest of a site.  Most allowlists are lines of plain elements,
 * <network>ADDRESS</network>, and those libxml2 need not see: wherever a
 * "</network>" is followed by such lines, site_feed_read() gives libxml2, in
 * their place, a processing instruction that numbers the run and holds
 * its newlines up to the last network (so that line numbers stay right),
 * then the blanks after the last network as they are (so that what
 * follows reads as it would have).  Only libxml2 can tell where that
 * "</network>" stands, so the run is taken only when the instruction
 * arrives where the run would have been read as networks: right after the
 * end tag of an <allow>'s <network>, where libxml2 drops blanks (site_xml.c).
 * A run inside a comment is dropped with it (site_feed_comment()); one anywhere
 * else (a CDATA section, another processing instruction, an <allow> that
 * keeps blanks as text) changed what libxml2 read, and site_parse_xml() parses
 * the site again without runs.  A site that holds the marker itself is
 * parsed without runs.
 */
#define NET_OPEN "<network>"
#define NET_CLOSE "</network>"
#define NET_OPEN_LEN (sizeof(NET_OPEN) - 1)
#define NET_CLOSE_LEN (sizeof(NET_CLOSE) - 1)
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
 * that, in *@r; each network appended to f->nets (parsed when it is the
 * common IPv4 kind, so that the parse reads its bytes once); false if no
 * line holds only those, or if none holds a network, and nothing kept.
 * Where the elements stop in *@stop: a run from any later "</network>"
 * before it would stop there too, so start_run() does not look again.
 */
static bool plain_run(struct site_feed *f, const char *p, struct site_run *r, const char **stop)
{
	const char *end = f->end;
	const char *last = NULL;	/* after the last network so far */
	size_t lines = 0;
	size_t lines_at_last = 0;
	size_t n = 0;
	bool found = false;

	*r = (struct site_run){ .start = p, .first = f->n_nets };
	while (p < end) {
		const char *text, *t, *lim;
		struct site_run_net *e;
		uint32_t addr = 0;
		unsigned prefix = SITE_RUN_NOT_V4;

		if (*p == ' ' || *p == '\t' || *p == '\r') {
			p++;
			continue;
		}
		if (*p == '\n') {
			lines++;
			p++;
			if (n) {
				*r = (struct site_run){ .start = r->start, .tail = last,
							 .lines = lines_at_last, .nets = n,
							 .first = r->first };
				found = true;
			}
			continue;
		}
		if ((size_t)(end - p) < NET_OPEN_LEN + 1 + NET_CLOSE_LEN ||
		    memcmp(p, NET_OPEN, NET_OPEN_LEN))
			break;
		t = text = p + NET_OPEN_LEN;
		lim = (size_t)(end - text) > RUN_TEXT_MAX ? text + RUN_TEXT_MAX : end;
		/*
		 * The common IPv4 network, parsed as its bytes are read: its
		 * text, all plain bytes, if "<" follows it; else the plain
		 * bytes, for site_parse_net() to judge.
		 */
		t = site_scan_v4(text, lim, &addr, &prefix);
		if (!t || t == lim || *t != '<') {
			prefix = SITE_RUN_NOT_V4;
			t = text;
			while (t < lim && plain_bytes[(unsigned char)*t])
				t++;
		}
		if (t == text || (size_t)(end - t) < NET_CLOSE_LEN || memcmp(t, NET_CLOSE, NET_CLOSE_LEN))
			break;
		/* Out of memory: no run here; libxml2 reads these lines itself. */
		if (f->n_nets == f->alloc_nets) {
			e = mem_grow(f->nets, &f->alloc_nets, f->n_nets, sizeof(*e), SIZE_MAX);
			if (!e)
				break;
			f->nets = e;
		}
		f->nets[f->n_nets++] = (struct site_run_net){
			.off = (uint32_t)(text - r->start), .line = (uint32_t)lines, .addr = addr,
			.len = (uint8_t)(t - text), .prefix = (uint8_t)prefix };
		p = last = t + NET_CLOSE_LEN;
		lines_at_last = lines;
		n++;
	}
	*stop = p;
	/* The networks after the last whole line are not the run's. */
	f->n_nets = found ? r->first + r->nets : r->first;
	return found;
}

/*
 * In place of the plain run at f->p, if there is one: a blank, then the
 * marker with the run's newlines up to its last network inside it, then
 * the run's tail as it is (blanks that libxml2 reads as it would have
 * after the last network).  The blank asks libxml2 whether it drops blanks
 * here, as it would have the run's between its networks (site_xml.c).
 */
static void start_run(struct site_feed *f)
{
	struct site_run *runs = f->runs;
	struct site_run r;
	int n;

	if (f->p < f->stop || !plain_run(f, f->p, &r, &f->stop))
		return;
	/* Out of memory: libxml2 reads the run itself. */
	if (f->n_runs == f->alloc_runs &&
	    !(runs = mem_grow(f->runs, &f->alloc_runs, f->n_runs, sizeof(*runs), SIZE_MAX))) {
		f->n_nets = r.first;
		return;
	}
	f->runs = runs;
	n = snprintf(f->mark, sizeof(f->mark), " " SITE_RUN_MARK " %zu", f->n_runs);
	if (n < 0 || (size_t)n >= sizeof(f->mark)) {
		f->n_nets = r.first;
		return;
	}
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
int site_feed_read(void *user, char *out, int len)
{
	struct site_feed *f = user;
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

void site_feed_init(struct site_feed *f, const char *buf, size_t len, bool runs_on)
{
	*f = (struct site_feed){ .p = buf, .end = buf + len, .stop = buf, .runs_on = runs_on };
}

void site_feed_release(struct site_feed *f)
{
	free(f->runs);
	f->runs = NULL;
	f->n_runs = f->alloc_runs = 0;
	free(f->nets);
	f->nets = NULL;
	f->n_nets = f->alloc_nets = 0;
}

bool site_runs_allowed(const char *buf, size_t len)
{
	static const char target[] = "?" SITE_RUN_TARGET;
	const char *end = buf + len;

	/*
	 * memmem() of the marker stops at every '<' of a site; a '?' is rare
	 * (the XML declaration), and memchr() skips to it a vector at a time.
	 */
	for (const char *p = buf; (p = memchr(p, '?', (size_t)(end - p))); p++)
		if (p > buf && p[-1] == '<' && (size_t)(end - p) >= sizeof(target) - 1 &&
		    !memcmp(p, target, sizeof(target) - 1))
			return false;
	return true;
}

struct site_run *site_feed_run(struct site_feed *f, const char *s)
{
	unsigned long i;

	if (!f->runs_on || *s < '0' || *s > '9')
		return NULL;
	i = strtoul(s, NULL, 10);
	return i < f->n_runs ? &f->runs[i] : NULL;
}

void site_feed_comment(struct site_feed *f, const char *s)
{
	while ((s = strstr(s, SITE_RUN_MARK " "))) {
		struct site_run *r = site_feed_run(f, s += sizeof(SITE_RUN_MARK));

		if (r && r->state == SITE_RUN_PENDING)
			r->state = SITE_RUN_COMMENTED;
	}
}

bool site_feed_resolved(const struct site_feed *f)
{
	for (size_t i = 0; i < f->n_runs; i++)
		if (f->runs[i].state == SITE_RUN_PENDING)
			return false;
	return true;
}

const struct site_run_net *site_run_net(const struct site_feed *f, const struct site_run *r,
					size_t i)
{
	return &f->nets[r->first + i];
}
