/*
 * What nft_text.c (one rule and the values in it) and nft_text_table.c
 * (the table block around the rules, and attach mode's file) share and
 * nothing else may see: the output buffer both print into, and the
 * address words both use.  Static inline: each file keeps them private,
 * as they were when one file held them.
 */
#ifndef FTPCFG_NFT_TEXT_INT_H
#define FTPCFG_NFT_TEXT_INT_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nft_text.h"

/* A growing output buffer; the first failure sticks and later appends do nothing. */
struct sbuf {
	char *buf;
	size_t len;
	size_t cap;
	int err;
};

static inline int sb_reserve(struct sbuf *sb, size_t n)
{
	size_t cap;
	char *buf;

	if (sb->err)
		return sb->err;
	if (n < sb->cap - sb->len)
		return 0;
	cap = sb->cap ? sb->cap : 4096;
	while (cap - sb->len <= n) {
		if (cap > SIZE_MAX / 2) {
			sb->err = -ENOMEM;
			return sb->err;
		}
		cap *= 2;
	}
	buf = realloc(sb->buf, cap);
	if (!buf) {
		sb->err = -ENOMEM;
		return sb->err;
	}
	sb->buf = buf;
	sb->cap = cap;
	return 0;
}

static inline void sb_addn(struct sbuf *sb, const char *s, size_t n)
{
	if (sb_reserve(sb, n) < 0)
		return;
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

static inline void sb_add(struct sbuf *sb, const char *s)
{
	sb_addn(sb, s, strlen(s));
}

__attribute__((format(printf, 2, 3)))
static inline void sb_addf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sb_reserve(sb, 128) < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb->err = -EINVAL;
		return;
	}
	if ((size_t)n >= sb->cap - sb->len) {
		if (sb_reserve(sb, (size_t)n) < 0)
			return;
		va_start(ap, fmt);
		vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
		va_end(ap);
	}
	sb->len += (size_t)n;
}

/* Hand the text to the caller, or free it on error. */
static inline int sb_finish(struct sbuf *sb, char **out)
{
	if (!sb->err)
		sb_reserve(sb, 0);
	if (sb->err) {
		free(sb->buf);
		return sb->err;
	}
	*out = sb->buf;
	return 0;
}

static inline const char *ip_word(int af)
{
	return af == AF_INET6 ? "ip6" : "ip";
}

static inline void print_addr(struct sbuf *sb, int af, const uint8_t *bytes)
{
	char buf[INET6_ADDRSTRLEN];

	if (!inet_ntop(af, bytes, buf, sizeof(buf))) {
		sb->err = sb->err ? sb->err : -EINVAL;
		return;
	}
	sb_add(sb, buf);
}

/*
 * Rule @r as nft lists it (nft_text.c).  @rs: print rules on sharded sets
 * as the kernel holds them; NULL: as one set.
 */
void nft_text_print_rule(struct sbuf *sb, const struct ruleset *rs, const struct ir_rule *r);

#endif
