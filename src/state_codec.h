/*
 * state_codec: private to the state module (state*.c).  The bytes of its
 * binary files: a growable little-endian writer, a bounds-checked reader,
 * and the envelope every state file has (magic, version, length, payload,
 * SHA-256 of all that).  Nothing outside src/state*.c includes this.
 */
#ifndef FTPCFG_STATE_CODEC_H
#define FTPCFG_STATE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ruleset.h"

struct sbuf {
	uint8_t *p;		/* owned */
	size_t len;
	size_t cap;
	bool oom;		/* an append failed: the buffer is unusable */
};

void sbuf_put(struct sbuf *b, const void *data, size_t len);
/* Room for @len bytes at the end, to be written by the caller; NULL (b->oom) on failure. */
uint8_t *sbuf_room(struct sbuf *b, size_t len);
void sbuf_u8(struct sbuf *b, uint8_t v);
void sbuf_u32(struct sbuf *b, uint32_t v);
void sbuf_u64(struct sbuf *b, uint64_t v);
/* A string as u32 length + bytes; NULL is length 0xffffffff. */
void sbuf_str(struct sbuf *b, const char *s);
/* A blob as u64 length + bytes. */
void sbuf_blob(struct sbuf *b, const void *data, size_t len);

struct sread {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool bad;		/* read past the end or a value out of range */
	/* The IR's rules carry their ct mark (record version 4 on, journal 3 on). */
	bool ir_marks;
};

uint8_t sread_u8(struct sread *r);
uint32_t sread_u32(struct sread *r);
uint64_t sread_u64(struct sread *r);
/* Copy @len bytes out (zeros once bad). */
void sread_get(struct sread *r, void *out, size_t len);
/* A new string (or NULL as written); r->bad on a damaged one.  -ENOMEM only. */
int sread_str(struct sread *r, char **out);
/* A pointer into the buffer and the blob's length. */
const uint8_t *sread_blob(struct sread *r, size_t *len);

/*
 * The envelope: @magic (8 bytes), version, the payload's length, the
 * payload, and the SHA-256 of everything before it.  state_seal() turns
 * a buffer whose first STATE_HEAD bytes were reserved (sbuf_head()) into
 * a sealed file image; state_unseal() checks one and points @r at its
 * payload.  -EUCLEAN for a damaged or foreign file.
 */
#define STATE_HEAD (8 + 4 + 8)
void sbuf_head(struct sbuf *b);
void state_seal(struct sbuf *b, const char magic[8], uint32_t version);
int state_unseal(const uint8_t *data, size_t len, const char magic[8], uint32_t version,
		 struct sread *r);
/* The same for a file that may be of any version from @min to @max: which one in *version. */
int state_unseal_upto(const uint8_t *data, size_t len, const char magic[8], uint32_t min,
		      uint32_t max, struct sread *r, uint32_t *version);

/* The ruleset IR, every field of every object. */
void state_ir_put(struct sbuf *b, const struct ruleset *rs);
/* 0, -ENOMEM, or -EUCLEAN (r->bad) for a damaged one. */
int state_ir_get(struct sread *r, struct ruleset **out);

#endif
