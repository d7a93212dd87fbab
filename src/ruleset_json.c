/*
 * ruleset_json: a faithful JSON copy of the IR for ftpcfg's own state.
 * Enums are stored by value with a format number; a damaged or foreign
 * file is refused rather than guessed at.  Format 3 writes the document on
 * one line and then each set's elements as one line of hex; format 2 (that
 * hex inside the document) and format 1 (one "lo-hi" string each) are
 * still read.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mem.h"
#include "ruleset_json.h"

#define FORMAT 3

static json_t *hex(const uint8_t *b, size_t len)
{
	char buf[33];

	for (size_t i = 0; i < len; i++)
		snprintf(buf + 2 * i, 3, "%02x", b[i]);
	buf[2 * len] = '\0';
	return json_string(buf);
}

static int unhex(const char *s, uint8_t *b, size_t len)
{
	if (!s || strlen(s) != 2 * len)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -EINVAL;
		b[i] = (uint8_t)v;
	}
	return 0;
}

static json_t *match_json(const struct ir_match *m)
{
	json_t *ports = json_array();
	json_t *o;

	for (size_t i = 0; ports && i < m->n_ports; i++)
		json_array_append_new(ports, json_integer(m->ports[i]));
	o = json_pack("{s:i, s:i, s:i, s:i, s:o, s:i, s:o, s:s?, s:i, s:i}",
		      "kind", (int)m->kind, "af", m->addr_family, "lo", m->port_lo, "hi",
		      m->port_hi, "ports", ports, "addr_af", m->addr.family, "addr",
		      hex(m->addr.bytes, sizeof(m->addr.bytes)), "set", m->set, "ct",
		      (int)m->ct_state, "count", (int)m->count);
	return o;
}

static json_t *rule_json(const struct ir_rule *r)
{
	json_t *matches = json_array();

	for (size_t i = 0; matches && i < r->n_matches; i++)
		if (json_array_append_new(matches, match_json(&r->matches[i])) < 0) {
			json_decref(matches);
			return NULL;
		}
	return json_pack("{s:o, s:b, s:i, s:s?, s:s?, s:i}", "matches", matches, "counter",
			 r->counter, "verdict", (int)r->verdict, "target", r->target, "comment",
			 r->comment, "line", (int)r->line);
}

static const char hexdigits[] = "0123456789abcdef";

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Elements as one string: each range its lo then its hi, in hex, nothing
 * between (the width is fixed by the family).  100 000 ranges are one
 * 1.6 MB string instead of 100 000 JSON strings: written and read in a few
 * milliseconds, where jansson needs one allocation per array member.
 */
/* One line of hex: each element's start and end, 4 * len digits; @p has room. */
static char *elems_hex(const struct ir_set *s, char *p)
{
	size_t len = ir_addr_len(s->addr_family);

	for (size_t i = 0; i < s->n_elems; i++) {
		for (size_t k = 0; k < len; k++) {
			*p++ = hexdigits[s->elems[i].lo[k] >> 4];
			*p++ = hexdigits[s->elems[i].lo[k] & 0xf];
		}
		for (size_t k = 0; k < len; k++) {
			*p++ = hexdigits[s->elems[i].hi[k] >> 4];
			*p++ = hexdigits[s->elems[i].hi[k] & 0xf];
		}
	}
	*p++ = '\n';
	return p;
}

/* "elems" names the line after the JSON document that holds them (format 3). */
static json_t *set_json(const struct ir_set *s, size_t k)
{
	return json_pack("{s:s, s:i, s:i, s:i, s:i, s:I}", "name", s->name, "af",
			 s->addr_family, "flags", (int)s->flags, "size", (int)s->size, "line",
			 (int)s->line, "elems", (json_int_t)k);
}

static json_t *chain_json(const struct ir_chain *c)
{
	json_t *rules = json_array();

	for (size_t i = 0; rules && i < c->n_rules; i++)
		if (json_array_append_new(rules, rule_json(&c->rules[i])) < 0) {
			json_decref(rules);
			return NULL;
		}
	return json_pack("{s:s, s:i, s:i, s:b, s:o}", "name", c->name, "hook", (int)c->hook,
			 "priority", c->priority, "policy_drop", c->policy_drop, "rules", rules);
}

/*
 * The document, then one line of hex per set.  100 000 ranges are 1.6 MB
 * of hex: written outside the JSON, jansson never escapes them (its
 * string dumping cost more than everything else an apply does with them).
 */
/*
 * The document, then a line per set.  Sized once and written in place: at
 * 100 000 networks a growing stream copied 3 MB over and over.
 */
static int dump_with_elems(json_t *doc, const struct ruleset *rs, char **out)
{
	char *text = json_dumps(doc, JSON_COMPACT);
	size_t text_len;
	size_t size;
	char *buf;
	char *p;

	if (!text)
		return -ENOMEM;
	text_len = strlen(text);
	size = text_len + 2;
	for (size_t i = 0; i < rs->n_sets; i++)
		size += rs->sets[i].n_elems * 4 * ir_addr_len(rs->sets[i].addr_family) + 1;
	buf = malloc(size);
	if (!buf) {
		free(text);
		return -ENOMEM;
	}
	mem_prefault(buf, size);
	memcpy(buf, text, text_len);
	p = buf + text_len;
	*p++ = '\n';
	for (size_t i = 0; i < rs->n_sets; i++)
		p = elems_hex(&rs->sets[i], p);
	*p = '\0';
	free(text);
	*out = buf;
	return 0;
}

int ruleset_to_json(const struct ruleset *rs, char **out)
{
	json_t *helpers = json_array();
	json_t *sets = json_array();
	json_t *chains = json_array();
	json_t *doc = NULL;
	int ret = -ENOMEM;

	if (!helpers || !sets || !chains)
		goto out;
	for (size_t i = 0; i < rs->n_helpers; i++)
		if (json_array_append_new(helpers, json_pack("{s:s, s:s, s:i}", "name",
							     rs->helpers[i].name, "type",
							     rs->helpers[i].type, "l3proto",
							     (int)rs->helpers[i].l3proto)) < 0)
			goto out;
	for (size_t i = 0; i < rs->n_sets; i++)
		if (json_array_append_new(sets, set_json(&rs->sets[i], i)) < 0)
			goto out;
	for (size_t i = 0; i < rs->n_chains; i++)
		if (json_array_append_new(chains, chain_json(&rs->chains[i])) < 0)
			goto out;
	doc = json_pack("{s:i, s:i, s:s, s:b, s:s?, s:s?, s:O, s:O, s:O}", "format", FORMAT,
			"family", (int)rs->family, "table", rs->table, "attach", rs->attach,
			"attach_chain", rs->attach_chain, "jump_chain", rs->jump_chain,
			"helpers", helpers, "sets", sets, "chains", chains);
	if (!doc)
		goto out;
	ret = dump_with_elems(doc, rs, out);
out:
	json_decref(doc);
	json_decref(helpers);
	json_decref(sets);
	json_decref(chains);
	return ret;
}

/* A string member copied, or NULL when absent/null; -ENOMEM only on allocation failure. */
static int dup_member(json_t *o, const char *key, char **out)
{
	const char *s = json_string_value(json_object_get(o, key));

	*out = NULL;
	if (!s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

static int int_member(json_t *o, const char *key)
{
	return (int)json_integer_value(json_object_get(o, key));
}

static int match_from(json_t *o, struct ir_match *m)
{
	json_t *ports = json_object_get(o, "ports");
	size_t i;
	json_t *v;

	m->kind = (enum ir_match_kind)int_member(o, "kind");
	m->addr_family = int_member(o, "af");
	m->port_lo = (uint16_t)int_member(o, "lo");
	m->port_hi = (uint16_t)int_member(o, "hi");
	m->addr.family = int_member(o, "addr_af");
	m->ct_state = (uint32_t)int_member(o, "ct");
	m->count = (uint32_t)int_member(o, "count");
	if (json_array_size(ports) > IR_MAX_PORTS)
		return -EINVAL;
	json_array_foreach(ports, i, v)
		m->ports[m->n_ports++] = (uint16_t)json_integer_value(v);
	if (unhex(json_string_value(json_object_get(o, "addr")), m->addr.bytes,
		  sizeof(m->addr.bytes)) < 0)
		return -EINVAL;
	return dup_member(o, "set", &m->set);
}

static int chain_from(json_t *o, struct ir_chain *c)
{
	json_t *rules = json_object_get(o, "rules");
	size_t i;
	json_t *r;
	int ret;

	ret = dup_member(o, "name", &c->name);
	if (ret < 0 || !c->name)
		return ret < 0 ? ret : -EINVAL;
	c->hook = (enum ir_hook)int_member(o, "hook");
	c->priority = int_member(o, "priority");
	c->policy_drop = json_is_true(json_object_get(o, "policy_drop"));
	c->rules = calloc(json_array_size(rules) + 1, sizeof(*c->rules));
	if (!c->rules)
		return -ENOMEM;
	c->alloc = json_array_size(rules) + 1;
	json_array_foreach(rules, i, r) {
		struct ir_rule *rule = &c->rules[c->n_rules++];
		json_t *matches = json_object_get(r, "matches");
		size_t k;
		json_t *m;

		if (json_array_size(matches) > IR_MAX_MATCHES)
			return -EINVAL;
		json_array_foreach(matches, k, m) {
			ret = match_from(m, &rule->matches[rule->n_matches++]);
			if (ret < 0)
				return ret;
		}
		rule->counter = json_is_true(json_object_get(r, "counter"));
		rule->verdict = (enum ir_verdict)int_member(r, "verdict");
		rule->line = (unsigned)int_member(r, "line");
		if (dup_member(r, "target", &rule->target) < 0 ||
		    dup_member(r, "comment", &rule->comment) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int unhex_fast(const char *s, uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		int hi = hexval(s[2 * i]);
		int lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* Format 2: one string, each range 4 * len hex digits. */
static int elems_from_string(const char *t, size_t n, struct ir_set *s, size_t len)
{
	size_t w = 4 * len;
	int ret;

	if (n % w)
		return -EINVAL;
	ret = ir_set_reserve(s, n / w);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < n; i += w) {
		struct ir_range r = { 0 };

		if (unhex_fast(t + i, r.lo, len) < 0 || unhex_fast(t + i + 2 * len, r.hi, len) < 0)
			return -EINVAL;
		ret = ir_set_add_range(s, &r);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Format 1: an array of "lo-hi" strings. */
static int elems_from_array(json_t *elems, struct ir_set *s, size_t len)
{
	size_t i;
	json_t *e;
	int ret;

	ret = ir_set_reserve(s, json_array_size(elems));
	if (ret < 0)
		return ret;
	json_array_foreach(elems, i, e) {
		const char *t = json_string_value(e);
		struct ir_range r = { 0 };

		if (!t || strlen(t) != 4 * len + 1 || t[2 * len] != '-')
			return -EINVAL;
		if (unhex_fast(t, r.lo, len) < 0 || unhex_fast(t + 2 * len + 1, r.hi, len) < 0)
			return -EINVAL;
		ret = ir_set_add_range(s, &r);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* The lines after the document (format 3): line k holds set k's elements. */
struct tail {
	const char *p;
	size_t len;
};

/* The @k-th line of @tail, without its newline; false when there is none. */
static bool tail_line(const struct tail *tail, size_t k, const char **line, size_t *len)
{
	const char *p = tail->p;
	const char *end = tail->p + tail->len;

	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl)
			return false;
		if (k-- == 0) {
			*line = p;
			*len = (size_t)(nl - p);
			return true;
		}
		p = nl + 1;
	}
}

static int set_from(json_t *o, struct ir_set *s, const struct tail *tail)
{
	json_t *elems = json_object_get(o, "elems");
	size_t len;
	int ret;

	ret = dup_member(o, "name", &s->name);
	if (ret < 0 || !s->name)
		return ret < 0 ? ret : -EINVAL;
	s->addr_family = int_member(o, "af");
	s->flags = (uint32_t)int_member(o, "flags");
	s->size = (uint32_t)int_member(o, "size");
	s->line = (unsigned)int_member(o, "line");
	len = ir_addr_len(s->addr_family);
	if (!len)
		return -EINVAL;
	if (json_is_integer(elems) && tail) {
		const char *line;
		size_t n;

		if (json_integer_value(elems) < 0 ||
		    !tail_line(tail, (size_t)json_integer_value(elems), &line, &n))
			return -EINVAL;
		return elems_from_string(line, n, s, len);
	}
	if (json_is_string(elems))
		return elems_from_string(json_string_value(elems), json_string_length(elems), s,
					 len);
	if (json_is_array(elems))
		return elems_from_array(elems, s, len);
	return -EINVAL;
}

int ruleset_from_json(const char *text, struct ruleset **out)
{
	size_t text_len = strlen(text);
	json_error_t err;
	/* The document ends where the lines of elements begin. */
	json_t *doc = json_loadb(text, text_len, JSON_DISABLE_EOF_CHECK, &err);
	struct tail tail = { 0 };
	size_t end;
	int format;
	json_t *helpers;
	json_t *sets;
	json_t *chains;
	struct ruleset *rs = NULL;
	size_t i;
	json_t *v;
	int ret = -EINVAL;

	format = doc ? int_member(doc, "format") : 0;
	if (format != FORMAT && format != 2 && format != 1)
		goto out;
	if (err.position < 0 || (size_t)err.position > text_len)
		goto out;
	end = (size_t)err.position;
	if (format == FORMAT) {
		/* After the document: its newline, then one line per set. */
		if (end >= text_len || text[end] != '\n')
			goto out;
		tail.p = text + end + 1;
		tail.len = text_len - end - 1;
	} else if (text[end + strspn(text + end, " \t\r\n")]) {
		goto out;	/* formats 1 and 2 are one document and nothing else */
	}
	helpers = json_object_get(doc, "helpers");
	sets = json_object_get(doc, "sets");
	chains = json_object_get(doc, "chains");
	if (!json_is_array(helpers) || !json_is_array(sets) || !json_is_array(chains))
		goto out;
	ret = -ENOMEM;
	rs = calloc(1, sizeof(*rs));
	if (!rs)
		goto out;
	rs->helpers = calloc(json_array_size(helpers) + 1, sizeof(*rs->helpers));
	rs->sets = calloc(json_array_size(sets) + 1, sizeof(*rs->sets));
	rs->chains = calloc(json_array_size(chains) + 1, sizeof(*rs->chains));
	if (!rs->helpers || !rs->sets || !rs->chains)
		goto out;
	rs->family = (enum ir_family)int_member(doc, "family");
	rs->attach = json_is_true(json_object_get(doc, "attach"));
	if (dup_member(doc, "table", &rs->table) < 0 ||
	    dup_member(doc, "attach_chain", &rs->attach_chain) < 0 ||
	    dup_member(doc, "jump_chain", &rs->jump_chain) < 0)
		goto out;
	ret = -EINVAL;
	if (!rs->table)
		goto out;
	json_array_foreach(helpers, i, v) {
		struct ir_helper *h = &rs->helpers[rs->n_helpers++];

		if (dup_member(v, "name", &h->name) < 0 || dup_member(v, "type", &h->type) < 0) {
			ret = -ENOMEM;
			goto out;
		}
		h->l3proto = (enum ir_family)int_member(v, "l3proto");
		if (!h->name || !h->type)
			goto out;
	}
	json_array_foreach(sets, i, v) {
		ret = set_from(v, &rs->sets[rs->n_sets++], format == FORMAT ? &tail : NULL);
		if (ret < 0)
			goto out;
	}
	json_array_foreach(chains, i, v) {
		ret = chain_from(v, &rs->chains[rs->n_chains++]);
		if (ret < 0)
			goto out;
	}
	*out = rs;
	rs = NULL;
	ret = 0;
out:
	ruleset_free(rs);
	json_decref(doc);
	return ret;
}
