/*
 * state_origin: the originals, each managed file as it was before ftpcfg
 * first wrote it (content, owner, mode, or "did not exist"), for remove.
 * One sealed file bound to the state directory, in the record's codec;
 * written whole and renamed into place.  It never decides which entry to
 * keep: apply and remove do.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "state_private.h"

#define ORIGINS "origins"
#define ORIGINS_MAGIC "FTPCFGO\n"
#define ORIGINS_VERSION 1

/* The smallest entry: path length, existed, mode, uid, gid, blob length. */
#define ORIGIN_MIN_BYTES (4 + 1 + 4 + 4 + 4 + 8)

static void saved_release(struct state_saved *f)
{
	free(f->path);
	free(f->content);
	memset(f, 0, sizeof(*f));
}

void state_origins_release(struct state_origins *o)
{
	for (size_t i = 0; i < o->n_files; i++)
		saved_release(&o->files[i]);
	free(o->files);
	memset(o, 0, sizeof(*o));
}

static int saved_copy(struct state_saved *to, const struct state_saved *from)
{
	memset(to, 0, sizeof(*to));
	to->path = strdup(from->path);
	to->existed = from->existed;
	to->mode = from->mode;
	to->uid = from->uid;
	to->gid = from->gid;
	if (from->existed) {
		to->content = malloc(from->len + 1);
		if (to->content) {
			memcpy(to->content, from->content, from->len);
			to->content[from->len] = '\0';
			to->len = from->len;
		}
	}
	if (!to->path || (from->existed && !to->content)) {
		saved_release(to);
		return -ENOMEM;
	}
	return 0;
}

const struct state_saved *state_origins_find(const struct state_origins *o, const char *path)
{
	for (size_t i = 0; i < o->n_files; i++)
		if (!strcmp(o->files[i].path, path))
			return &o->files[i];
	return NULL;
}

int state_origins_set(struct state_origins *o, const struct state_saved *f)
{
	struct state_saved copy;
	struct state_saved *grown;

	if (saved_copy(&copy, f) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < o->n_files; i++) {
		if (strcmp(o->files[i].path, f->path))
			continue;
		saved_release(&o->files[i]);
		o->files[i] = copy;
		return 0;
	}
	grown = realloc(o->files, (o->n_files + 1) * sizeof(*o->files));
	if (!grown) {
		saved_release(&copy);
		return -ENOMEM;
	}
	o->files = grown;
	o->files[o->n_files++] = copy;
	return 0;
}

static int decode(const struct state *s, const uint8_t *data, size_t len,
		  struct state_origins *o)
{
	struct sread r;
	size_t n;

	if (state_unseal(data, len, ORIGINS_MAGIC, ORIGINS_VERSION, &r) < 0 ||
	    !state_binding_ok(s, &r))
		return -EUCLEAN;
	n = (size_t)sread_u64(&r);
	if (r.bad || n > (r.len - r.off) / ORIGIN_MIN_BYTES)
		return -EUCLEAN;
	if (n && !(o->files = calloc(n, sizeof(*o->files))))
		return -ENOMEM;
	for (size_t i = 0; i < n && !r.bad; i++) {
		struct state_saved *f = &o->files[o->n_files++];
		const uint8_t *blob;
		size_t blen;

		if (sread_str(&r, &f->path) < 0)
			return -ENOMEM;
		f->existed = sread_u8(&r);
		f->mode = sread_u32(&r);
		f->uid = sread_u32(&r);
		f->gid = sread_u32(&r);
		blob = sread_blob(&r, &blen);
		/* An absolute path, once; no content for a file that did not exist. */
		if (!f->path || f->path[0] != '/' || (!f->existed && blen) || f->mode > 07777 ||
		    state_origins_find(&(struct state_origins){ o->files, o->n_files - 1 }, f->path))
			r.bad = true;
		if (r.bad || !f->existed)
			continue;
		f->content = malloc(blen + 1);
		if (!f->content)
			return -ENOMEM;
		memcpy(f->content, blob, blen);
		f->content[blen] = '\0';
		f->len = blen;
	}
	return r.bad || r.off != r.len ? -EUCLEAN : 0;
}

int state_origins_read(const struct state *s, struct state_origins *o)
{
	uint8_t *data = NULL;
	size_t len = 0;
	int ret;

	memset(o, 0, sizeof(*o));
	ret = state_read_file(s, ORIGINS, &data, &len);
	if (ret == -ENOENT)
		return 0;
	if (ret == 0)
		ret = decode(s, data, len, o);
	free(data);
	if (ret < 0)
		state_origins_release(o);
	if (ret == -EUCLEAN)
		return diag(s->d, NULL, ret, "the originals '%s/" ORIGINS "' (each managed file as it "
			    "was before ftpcfg first wrote it) are damaged or were not written for "
			    "this state directory, so ftpcfg cannot trust them; check the managed "
			    "files by hand, then remove it (rm %s/" ORIGINS "): remove then leaves "
			    "those files as they are", s->dir, s->dir);
	if (ret < 0)
		return diag(s->d, NULL, ret, "cannot read the originals '%s/" ORIGINS "': %s",
			    s->dir, strerror(-ret));
	return 0;
}

int state_origins_write(struct state *s, const struct state_origins *o)
{
	struct sbuf b = { 0 };
	int ret;

	sbuf_head(&b);
	state_put_binding(s, &b);
	sbuf_u64(&b, o->n_files);
	for (size_t i = 0; i < o->n_files; i++) {
		const struct state_saved *f = &o->files[i];

		sbuf_str(&b, f->path);
		sbuf_u8(&b, f->existed);
		sbuf_u32(&b, f->mode);
		sbuf_u32(&b, f->uid);
		sbuf_u32(&b, f->gid);
		sbuf_blob(&b, f->content, f->existed ? f->len : 0);
	}
	state_seal(&b, ORIGINS_MAGIC, ORIGINS_VERSION);
	ret = b.oom ? -ENOMEM : state_write_file(s, ORIGINS, b.p, b.len);
	free(b.p);
	if (ret < 0 && ret != -ENOMEM)
		diag(s->d, NULL, ret, "cannot write the originals '%s/" ORIGINS "': %s; nothing "
		     "was changed", s->dir, strerror(-ret));
	return ret;
}
