/*
 * site_value: the values inside a site description (addresses, networks,
 * one-line strings, paths), checked as they are copied.  Pure functions.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "site.h"
#include "site_internal.h"

int site_parse_addr(const char *text, struct site_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, text, a->bytes) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, a->bytes) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

/*
 * A string that goes into a daemon's file or a command line: one line of
 * printable text.  C0 and C1 controls and Unicode line separators would
 * start a new directive in the daemon's file.
 */
int site_check_line(struct walk *w, unsigned line, const char *what, const char *s)
{
	struct srcloc loc = { w->file, line };
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; p[i]; i++) {
		bool bad = p[i] < 0x20 || p[i] == 0x7f;

		if (p[i] == 0xc2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
			bad = true;
		if (p[i] == 0xe2 && p[i + 1] == 0x80 && (p[i + 2] == 0xa8 || p[i + 2] == 0xa9))
			bad = true;
		if (bad)
			return diag(w->d, &loc, -EINVAL,
				    "%s contains a control character or line break at byte %zu; "
				    "write it on one line of printable text", what, i + 1);
	}
	return 0;
}

/*
 * A path written into a daemon's file and, under --root, opened by us:
 * absolute, no "." or ".." components (they would escape --root), and
 * none of the characters the daemons' parsers treat specially.
 */
int site_check_path(struct walk *w, unsigned line, const char *what, const char *s)
{
	struct srcloc loc = { w->file, line };
	int ret = site_check_line(w, line, what, s);

	if (ret < 0)
		return ret;
	if (s[0] != '/')
		return diag(w->d, &loc, -EINVAL, "%s '%s' is not an absolute path; start it with '/'",
			    what, s);
	if (strpbrk(s, " \t\"'\\#"))
		return diag(w->d, &loc, -EINVAL,
			    "%s '%s' contains a space, quote, backslash or '#'; "
			    "the daemons' files cannot hold it safely: rename it", what, s);
	/* ProFTPD writes paths into <Anonymous PATH> and <Directory PATH>: '>' would end the tag. */
	if (strpbrk(s, "<>"))
		return diag(w->d, &loc, -EINVAL,
			    "%s '%s' contains '<' or '>', which would end ProFTPD's <Anonymous> or "
			    "<Directory> tag early: rename it", what, s);
	for (const char *p = s; *p; p++) {
		const char *seg = p + 1;
		size_t len;

		if (*p != '/')
			continue;
		len = strcspn(seg, "/");
		if ((len == 0 && seg[0] == '/') || (len == 1 && seg[0] == '.') ||
		    (len == 2 && seg[0] == '.' && seg[1] == '.'))
			return diag(w->d, &loc, -EINVAL,
				    "%s '%s' has an empty, '.' or '..' component; "
				    "write the plain absolute path", what, s);
	}
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The decimal digit at @p (before @end), else 10 or more. */
static inline unsigned digit_at(const unsigned char *p, const unsigned char *end)
{
	return p < end ? (unsigned)(*p - '0') : 10;
}

/*
 * The common form of an allowlist, "A.B.C.D/P" with the host bits clear,
 * parsed by hand (see site_internal.h): inet_pton, strtoul and a loop
 * per host bit cost more than the rest of a <network> at 100 000 of them.
 * Accepts only what inet_pton and the checks below accept too, with the
 * same result (no leading zeros, at most 255, exactly four parts, a
 * prefix of at most 32 without a sign, blank or leading zero); anything
 * else, and every error, takes the general path, which says why.
 */
const char *site_scan_v4(const char *text, const char *lim, uint32_t *out, unsigned *out_prefix)
{
	const unsigned char *p = (const unsigned char *)text;
	const unsigned char *end = (const unsigned char *)lim;
	uint32_t addr = 0;
	uint32_t mask;
	unsigned prefix = 32;
	unsigned d;

	for (int part = 0; part < 4; part++) {
		unsigned v;

		if (part && (p == end || *p++ != '.'))
			return NULL;
		/* One to three digits, no leading zero; a digit is (c - '0') <= 9 unsigned. */
		if ((v = digit_at(p, end)) > 9)
			return NULL;
		p++;
		if (v && (d = digit_at(p, end)) <= 9) {
			v = v * 10 + d;
			p++;
			if ((d = digit_at(p, end)) <= 9) {
				v = v * 10 + d;
				p++;
			}
			if (v > 255)
				return NULL;
		}
		addr = addr << 8 | v;
	}
	if (p < end && *p == '/') {
		if ((prefix = digit_at(++p, end)) > 9)
			return NULL;
		p++;
		if (prefix && (d = digit_at(p, end)) <= 9) {
			prefix = prefix * 10 + d;
			p++;
		}
		if (prefix > 32)
			return NULL;
	}
	mask = prefix ? ~(uint32_t)0 << (32 - prefix) : 0;
	if (addr & ~mask)
		return NULL;
	*out = addr;
	*out_prefix = prefix;
	return (const char *)p;
}

void site_net_v4(uint32_t addr, unsigned prefix, struct site_net *net)
{
	memset(&net->addr, 0, sizeof(net->addr));
	net->addr.family = AF_INET;
	net->addr.bytes[0] = (uint8_t)(addr >> 24);
	net->addr.bytes[1] = (uint8_t)(addr >> 16);
	net->addr.bytes[2] = (uint8_t)(addr >> 8);
	net->addr.bytes[3] = (uint8_t)addr;
	net->prefix = prefix;
}

int site_parse_net(struct walk *w, unsigned line, const char *content, size_t clen,
		   struct site_net *net)
{
	struct srcloc loc = { w->file, line };
	char text[80];
	const char *start = content;
	char *slash;
	size_t len = clen;
	uint32_t addr;
	unsigned max;

	while (len && is_blank(*start)) {
		start++;
		len--;
	}
	while (len && is_blank(start[len - 1]))
		len--;
	if (len >= sizeof(text))
		return diag(w->d, &loc, -EINVAL, "network is too long; write it as ADDRESS/PREFIX");
	/* The common form, whole: the fast path. */
	if (site_scan_v4(start, start + len, &addr, &max) == start + len) {
		site_net_v4(addr, max, net);
		net->line = loc.line;
		return 0;
	}
	memcpy(text, start, len);
	text[len] = '\0';
	net->line = loc.line;
	slash = strchr(text, '/');
	if (slash)
		*slash = '\0';
	if (site_parse_addr(text, &net->addr) < 0) {
		return diag(w->d, &loc, -EINVAL, "network '%.*s' is not an IPv4 or IPv6 "
			    "network; write it as ADDRESS/PREFIX", (int)len, start);
	}
	max = net->addr.family == AF_INET ? 32 : 128;
	net->prefix = max;
	if (slash) {
		char *end;
		unsigned long p;

		errno = 0;
		p = strtoul(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || p > max) {
			return diag(w->d, &loc, -EINVAL, "network '%.*s' has a prefix length "
				    "outside 0-%u; write ADDRESS/PREFIX with a prefix from 0 to %u",
				    (int)len, start, max, max);
		}
		net->prefix = (unsigned)p;
	}
	for (unsigned bit = net->prefix; bit < max; bit++) {
		if (net->addr.bytes[bit / 8] & (0x80 >> (bit % 8))) {
			struct site_net fixed = *net;
			char good[INET6_ADDRSTRLEN + 5];

			for (unsigned b = net->prefix; b < max; b++)
				fixed.addr.bytes[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
			if (site_net_format(&fixed, good, sizeof(good)) < 0)
				good[0] = '\0';
			return diag(w->d, &loc, -EINVAL, "network '%.*s' has host bits set; "
				    "write '%s'", (int)len, start, good);
		}
	}
	return 0;
}

