/*
 * state_codec: the bytes of the state module's binary files.  Fixed-width
 * little-endian integers, length-prefixed strings and blobs, and an
 * envelope sealed by SHA-256, so that a torn, truncated or edited file is
 * refused instead of believed.  Reading never trusts a length: every one
 * is checked against what is left.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "state.h"
#include "state_codec.h"

static void grow(struct sbuf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 4096;
	uint8_t *p;

	if (b->oom)
		return;
	if (more > SIZE_MAX / 2 - b->len) {
		b->oom = true;
		return;
	}
	while (cap < b->len + more)
		cap *= 2;
	if (cap == b->cap)
		return;
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return;
	}
	/* Large state files (ten MB at 300 000 IPv6 networks): their pages at once. */
	if (cap >= 1u << 20)
		mem_prefault(p + b->len, cap - b->len);
	b->p = p;
	b->cap = cap;
}

uint8_t *sbuf_room(struct sbuf *b, size_t len)
{
	uint8_t *at;

	grow(b, len);
	if (b->oom)
		return NULL;
	at = b->p + b->len;
	b->len += len;
	return at;
}

void sbuf_put(struct sbuf *b, const void *data, size_t len)
{
	grow(b, len);
	if (b->oom || !len)
		return;
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

void sbuf_u8(struct sbuf *b, uint8_t v)
{
	sbuf_put(b, &v, 1);
}

void sbuf_u32(struct sbuf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	sbuf_put(b, x, sizeof(x));
}

void sbuf_u64(struct sbuf *b, uint64_t v)
{
	sbuf_u32(b, (uint32_t)v);
	sbuf_u32(b, (uint32_t)(v >> 32));
}

void sbuf_str(struct sbuf *b, const char *s)
{
	size_t len = s ? strlen(s) : 0;

	if (len >= UINT32_MAX) {
		b->oom = true;
		return;
	}
	sbuf_u32(b, s ? (uint32_t)len : UINT32_MAX);
	sbuf_put(b, s, len);
}

void sbuf_blob(struct sbuf *b, const void *data, size_t len)
{
	sbuf_u64(b, len);
	sbuf_put(b, data, len);
}

void sread_get(struct sread *r, void *out, size_t len)
{
	if (r->bad || len > r->len - r->off) {
		r->bad = true;
		memset(out, 0, len);
		return;
	}
	memcpy(out, r->p + r->off, len);
	r->off += len;
}

uint8_t sread_u8(struct sread *r)
{
	uint8_t v;

	sread_get(r, &v, 1);
	return v;
}

uint32_t sread_u32(struct sread *r)
{
	uint8_t x[4];

	sread_get(r, x, sizeof(x));
	return (uint32_t)x[0] | (uint32_t)x[1] << 8 | (uint32_t)x[2] << 16 | (uint32_t)x[3] << 24;
}

uint64_t sread_u64(struct sread *r)
{
	uint64_t lo = sread_u32(r);

	return lo | (uint64_t)sread_u32(r) << 32;
}

int sread_str(struct sread *r, char **out)
{
	uint32_t len = sread_u32(r);

	*out = NULL;
	if (r->bad || len == UINT32_MAX)
		return 0;
	if (len > r->len - r->off || memchr(r->p + r->off, '\0', len)) {
		r->bad = true;
		return 0;
	}
	*out = strndup((const char *)r->p + r->off, len);
	if (!*out)
		return -ENOMEM;
	r->off += len;
	return 0;
}

const uint8_t *sread_blob(struct sread *r, size_t *len)
{
	uint64_t n = sread_u64(r);
	const uint8_t *p;

	*len = 0;
	if (r->bad || n > r->len - r->off) {
		r->bad = true;
		return NULL;
	}
	p = r->p + r->off;
	r->off += (size_t)n;
	*len = (size_t)n;
	return p;
}

void sbuf_head(struct sbuf *b)
{
	static const uint8_t zero[STATE_HEAD];

	sbuf_put(b, zero, sizeof(zero));
}

void state_seal(struct sbuf *b, const char magic[8], uint32_t version)
{
	uint8_t sum[STATE_SHA256_LEN];
	struct sbuf head = { 0 };

	if (b->oom || b->len < STATE_HEAD)
		return;
	sbuf_put(&head, magic, 8);
	sbuf_u32(&head, version);
	sbuf_u64(&head, b->len - STATE_HEAD);
	if (head.oom) {
		b->oom = true;
		free(head.p);
		return;
	}
	memcpy(b->p, head.p, STATE_HEAD);
	free(head.p);
	state_sha256(b->p, b->len, sum);
	sbuf_put(b, sum, sizeof(sum));
}

int state_unseal(const uint8_t *data, size_t len, const char magic[8], uint32_t version,
		 struct sread *r)
{
	uint32_t got = 0;
	int ret = state_unseal_upto(data, len, magic, version, version, r, &got);

	return ret == 0 && got != version ? -EUCLEAN : ret;
}

int state_unseal_upto(const uint8_t *data, size_t len, const char magic[8], uint32_t min,
		      uint32_t max, struct sread *r, uint32_t *version)
{
	uint8_t sum[STATE_SHA256_LEN];
	struct sread h = { .p = data, .len = len };
	char m[8];
	uint64_t n;

	sread_get(&h, m, sizeof(m));
	*version = h.bad ? 0 : sread_u32(&h);
	if (h.bad || memcmp(m, magic, sizeof(m)) || *version < min || *version > max)
		return -EUCLEAN;
	n = sread_u64(&h);
	if (h.bad || n != len - STATE_HEAD - STATE_SHA256_LEN ||
	    len < STATE_HEAD + STATE_SHA256_LEN)
		return -EUCLEAN;
	state_sha256(data, len - STATE_SHA256_LEN, sum);
	if (memcmp(sum, data + len - STATE_SHA256_LEN, sizeof(sum)))
		return -EUCLEAN;
	*r = (struct sread){ .p = data + STATE_HEAD, .len = (size_t)n };
	return 0;
}

/*
 * The IR.  Every field of every object is written, in declaration order;
 * a field added to ruleset.h is added here, in both functions, and the
 * round-trip test (tests/unit/test_state.c) fails until it is.
 */
static void put_match(struct sbuf *b, const struct ir_match *m)
{
	sbuf_u32(b, (uint32_t)m->kind);
	sbuf_u32(b, (uint32_t)m->addr_family);
	sbuf_u32(b, m->port_lo);
	sbuf_u32(b, m->port_hi);
	sbuf_u32(b, (uint32_t)m->n_ports);
	for (size_t i = 0; i < m->n_ports; i++)
		sbuf_u32(b, m->ports[i]);
	sbuf_u32(b, (uint32_t)m->addr.family);
	sbuf_put(b, m->addr.bytes, sizeof(m->addr.bytes));
	sbuf_str(b, m->set);
	sbuf_u32(b, m->ct_state);
	sbuf_u32(b, m->count);
}

static void put_rule(struct sbuf *b, const struct ir_rule *r)
{
	sbuf_u32(b, (uint32_t)r->n_matches);
	for (size_t i = 0; i < r->n_matches; i++)
		put_match(b, &r->matches[i]);
	sbuf_u8(b, r->counter);
	sbuf_u32(b, r->ct_mark_or);
	sbuf_u32(b, (uint32_t)r->verdict);
	sbuf_str(b, r->target);
	sbuf_str(b, r->comment);
	sbuf_u32(b, r->line);
	sbuf_u64(b, r->handle);
}

void state_ir_put(struct sbuf *b, const struct ruleset *rs)
{
	sbuf_u8(b, rs != NULL);
	if (!rs)
		return;
	sbuf_u32(b, (uint32_t)rs->family);
	sbuf_str(b, rs->table);
	sbuf_u8(b, rs->attach);
	sbuf_str(b, rs->attach_chain);
	sbuf_str(b, rs->jump_chain);
	sbuf_u32(b, (uint32_t)rs->backend);
	sbuf_u32(b, rs->mark);
	sbuf_u64(b, rs->n_helpers);
	for (size_t i = 0; i < rs->n_helpers; i++) {
		sbuf_str(b, rs->helpers[i].name);
		sbuf_str(b, rs->helpers[i].type);
		sbuf_u32(b, (uint32_t)rs->helpers[i].l3proto);
	}
	sbuf_u64(b, rs->n_sets);
	for (size_t i = 0; i < rs->n_sets; i++) {
		const struct ir_set *s = &rs->sets[i];
		size_t klen = ir_addr_len(s->addr_family);
		uint8_t *at;

		sbuf_str(b, s->name);
		sbuf_u32(b, (uint32_t)s->addr_family);
		sbuf_u32(b, s->flags);
		sbuf_u32(b, s->size);
		sbuf_u32(b, s->line);
		sbuf_u64(b, s->n_elems);
		/*
		 * Elements as their key length: 8 bytes a range for IPv4, 32 for
		 * IPv6, into room taken once (100 000 ranges are 200 000 keys).
		 */
		at = s->n_elems <= SIZE_MAX / 2 / klen ? sbuf_room(b, s->n_elems * 2 * klen) : NULL;
		if (!at) {
			b->oom = true;
			continue;
		}
		for (size_t e = 0; e < s->n_elems; e++, at += 2 * klen) {
			/* (Constant sizes: copies the compiler makes inline, not calls.) */
			if (klen == 4) {
				memcpy(at, s->elems[e].lo, 4);
				memcpy(at + 4, s->elems[e].hi, 4);
			} else {
				memcpy(at, s->elems[e].lo, klen);
				memcpy(at + klen, s->elems[e].hi, klen);
			}
		}
	}
	sbuf_u64(b, rs->n_chains);
	for (size_t i = 0; i < rs->n_chains; i++) {
		const struct ir_chain *c = &rs->chains[i];

		sbuf_str(b, c->name);
		sbuf_u32(b, (uint32_t)c->hook);
		sbuf_u32(b, (uint32_t)c->priority);
		sbuf_u8(b, c->policy_drop);
		sbuf_u64(b, c->n_rules);
		for (size_t r = 0; r < c->n_rules; r++)
			put_rule(b, &c->rules[r]);
	}
}

/* A count of objects each at least @min bytes long: never more than the bytes left. */
static size_t get_count(struct sread *r, size_t min)
{
	uint64_t n = sread_u64(r);

	if (r->bad || n > (r->len - r->off) / (min ? min : 1)) {
		r->bad = true;
		return 0;
	}
	return (size_t)n;
}

static int get_match(struct sread *r, struct ir_match *m)
{
	m->kind = (enum ir_match_kind)sread_u32(r);
	m->addr_family = (int)sread_u32(r);
	m->port_lo = (uint16_t)sread_u32(r);
	m->port_hi = (uint16_t)sread_u32(r);
	m->n_ports = sread_u32(r);
	if (m->n_ports > IR_MAX_PORTS) {
		r->bad = true;
		m->n_ports = 0;
	}
	for (size_t i = 0; i < m->n_ports; i++)
		m->ports[i] = (uint16_t)sread_u32(r);
	m->addr.family = (int)sread_u32(r);
	sread_get(r, m->addr.bytes, sizeof(m->addr.bytes));
	if (sread_str(r, &m->set) < 0)
		return -ENOMEM;
	m->ct_state = sread_u32(r);
	m->count = sread_u32(r);
	return 0;
}

static int get_rule(struct sread *r, struct ir_rule *x)
{
	size_t n = sread_u32(r);

	if (n > IR_MAX_MATCHES) {
		r->bad = true;
		return 0;
	}
	for (size_t i = 0; i < n && !r->bad; i++) {
		x->n_matches++;
		if (get_match(r, &x->matches[i]) < 0)
			return -ENOMEM;
	}
	x->counter = sread_u8(r);
	x->ct_mark_or = r->ir_marks ? sread_u32(r) : 0;
	x->verdict = (enum ir_verdict)sread_u32(r);
	if (sread_str(r, &x->target) < 0 || sread_str(r, &x->comment) < 0)
		return -ENOMEM;
	x->line = sread_u32(r);
	x->handle = sread_u64(r);
	return 0;
}

static int get_set(struct sread *r, struct ir_set *s)
{
	const uint8_t *p;
	size_t klen;
	size_t n;

	if (sread_str(r, &s->name) < 0)
		return -ENOMEM;
	s->addr_family = (int)sread_u32(r);
	s->flags = sread_u32(r);
	s->size = sread_u32(r);
	s->line = sread_u32(r);
	klen = ir_addr_len(s->addr_family);
	n = get_count(r, 2 * (klen ? klen : 1));
	if (r->bad || !n)
		return 0;
	if (!klen) {
		r->bad = true;
		return 0;
	}
	/*
	 * A fresh set (the decoder's own): its ranges in huge pages.  100 000
	 * IPv4 ranges are 3.2 MB, 5-7 ms to touch in small pages on a VM, and
	 * a change, a diff and a dump after a foreign change each decode them.
	 */
	if (s->elems || n > SIZE_MAX / sizeof(*s->elems) / 2)
		return -ENOMEM;
	s->alloc = mem_huge_size(n * sizeof(*s->elems)) / sizeof(*s->elems);
	s->elems = mem_alloc(s->alloc * sizeof(*s->elems));
	if (!s->elems)
		return -ENOMEM;
	mem_prefault(s->elems, s->alloc * sizeof(*s->elems));
	/*
	 * get_count() checked that n ranges of 2 * klen bytes are there: one
	 * bounds check for all of them (100 000 at a time), not two each.
	 */
	p = r->p + r->off;
	memset(s->elems, 0, n * sizeof(*s->elems));
	if (klen == 4) {
		for (size_t e = 0; e < n; e++, p += 8) {
			memcpy(s->elems[e].lo, p, 4);
			memcpy(s->elems[e].hi, p + 4, 4);
		}
	} else {
		for (size_t e = 0; e < n; e++, p += 2 * klen) {
			memcpy(s->elems[e].lo, p, klen);
			memcpy(s->elems[e].hi, p + klen, klen);
		}
	}
	s->n_elems = n;
	r->off += n * 2 * klen;
	return 0;
}

int state_ir_get(struct sread *r, struct ruleset **out)
{
	struct ruleset *rs = NULL;
	size_t n;
	int ret = -ENOMEM;

	*out = NULL;
	if (!sread_u8(r))
		return r->bad ? -EUCLEAN : 0;
	rs = calloc(1, sizeof(*rs));
	if (!rs)
		return -ENOMEM;
	rs->family = (enum ir_family)sread_u32(r);
	if (sread_str(r, &rs->table) < 0)
		goto out;
	rs->attach = sread_u8(r);
	if (sread_str(r, &rs->attach_chain) < 0 || sread_str(r, &rs->jump_chain) < 0)
		goto out;
	rs->backend = (enum site_backend)sread_u32(r);
	rs->mark = sread_u32(r);
	if (rs->backend > SITE_BACKEND_FIREWALLD)
		r->bad = true;
	n = get_count(r, 9);
	if (n && !(rs->helpers = calloc(n, sizeof(*rs->helpers))))
		goto out;
	for (size_t i = 0; i < n && !r->bad; i++) {
		rs->n_helpers++;
		if (sread_str(r, &rs->helpers[i].name) < 0 ||
		    sread_str(r, &rs->helpers[i].type) < 0)
			goto out;
		rs->helpers[i].l3proto = (enum ir_family)sread_u32(r);
	}
	n = get_count(r, 28);
	if (n && !(rs->sets = calloc(n, sizeof(*rs->sets))))
		goto out;
	for (size_t i = 0; i < n && !r->bad; i++) {
		rs->n_sets++;
		if (get_set(r, &rs->sets[i]) < 0)
			goto out;
	}
	n = get_count(r, 21);
	if (n && !(rs->chains = calloc(n, sizeof(*rs->chains))))
		goto out;
	for (size_t i = 0; i < n && !r->bad; i++) {
		struct ir_chain *c = &rs->chains[i];
		size_t nr;

		rs->n_chains++;
		if (sread_str(r, &c->name) < 0)
			goto out;
		c->hook = (enum ir_hook)sread_u32(r);
		c->priority = (int)sread_u32(r);
		c->policy_drop = sread_u8(r);
		nr = get_count(r, 30);
		for (size_t k = 0; k < nr && !r->bad; k++) {
			struct ir_rule *x = ir_chain_add_rule(c);

			if (!x || get_rule(r, x) < 0)
				goto out;
		}
	}
	if (r->bad || !rs->table) {
		ret = -EUCLEAN;
		goto out;
	}
	*out = rs;
	rs = NULL;
	ret = 0;
out:
	ruleset_free(rs);
	return ret;
}
