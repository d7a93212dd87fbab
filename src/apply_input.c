/*
 * apply_input: read the input of an apply once, hash it, and decide whether
 * the record already vouches for it (the no-op).  Reads only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "apply_input.h"
#include "apply_kernel.h"
#include "guard.h"
#include "daemon.h"
#include "mem.h"
#include "stage.h"
#include "state.h"
#include "txn.h"

#ifndef FTPCFG_VERSION
#define FTPCFG_VERSION "unknown"
#endif

/* ---- reading the input once ----------------------------------------------- */


static const char *const template_files[] = {
	"site.xsd", "vsftpd.conf.xsl", "proftpd.conf.xsl", "pure-ftpd.xsl",
};

/*
 * Read @fd to its end, at most @max bytes (more: -EFBIG).  Works for pipes
 * and FIFOs.  @hint is the size expected: room for it, the read that finds
 * the end and the NUL, so that a file of that size is read into one
 * buffer that never grows (a 4 MB site doubled at its end otherwise).
 */
static int read_fd(int fd, size_t max, size_t hint, char **out, size_t *len)
{
	/* Freed once parsed: its tail in a huge page too is worth the room. */
	size_t cap = mem_huge_size(hint + 2);
	size_t used = 0;
	char *buf = mem_alloc(cap);

	if (!buf)
		return -ENOMEM;
	mem_prefault(buf, cap);
	for (;;) {
		ssize_t n;

		if (used == cap - 1) {
			char *p = cap > max + 1 ? NULL : realloc(buf, cap * 2);

			if (!p) {
				free(buf);
				return cap > max + 1 ? -EFBIG : -ENOMEM;
			}
			buf = p;
			cap *= 2;
		}
		n = read(fd, buf + used, cap - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;

			free(buf);
			return err;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	if (used > max) {
		free(buf);
		return -EFBIG;
	}
	buf[used] = '\0';
	*out = buf;
	*len = used;
	return 0;
}

/*
 * The site's bytes, read once (a FIFO cannot be read twice): hashed for
 * the no-op check and parsed from this copy.  Anything that cannot be
 * read here is left to the loader, which opens it again and says why.
 */
void apply_input_read_site(const char *path, struct input *in)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode) &&
	    read_fd(fd, SITE_MAX_BYTES, S_ISREG(st.st_mode) ? (size_t)st.st_size : 65536,
		    &in->site, &in->site_len) == 0) {
		state_sha256(in->site, in->site_len, in->site_sha256);
		in->have_site = true;
	}
	close(fd);
}

/* This ftpcfg's version and its templates, hashed: the same input renders the same. */
void apply_input_read_templates(struct ctx *c, struct input *in)
{
	struct sbuf_like {
		char *p;
		size_t len;
	} acc = { 0 };
	FILE *f = open_memstream(&acc.p, &acc.len);
	bool ok = f != NULL;

	if (f)
		fputs("ftpcfg " FTPCFG_VERSION "\n", f);
	for (size_t i = 0; ok && i < sizeof(template_files) / sizeof(template_files[0]); i++) {
		char *path = NULL;
		char *data = NULL;
		size_t len = 0;
		int fd;

		ok = asprintf(&path, "%s/%s", c->opts->templates_dir, template_files[i]) >= 0;
		fd = ok ? open(path, O_RDONLY | O_CLOEXEC) : -1;
		ok = fd >= 0 && read_fd(fd, SITE_MAX_BYTES, 65536, &data, &len) == 0;
		if (ok)
			fprintf(f, "%s %zu\n", template_files[i], len) , fwrite(data, 1, len, f);
		if (fd >= 0)
			close(fd);
		free(data);
		free(path);
	}
	if (f && fclose(f) != 0)
		ok = false;
	if (ok)
		state_sha256(acc.p, acc.len, in->input_sha256);
	in->have_input = ok;
	free(acc.p);
}

/* ---- the no-op check ---------------------------------------------------------- */

/* The site, this ftpcfg and its templates hash as the record says they did. */
static bool same_input(const struct state_record *r, const struct input *in)
{
	return r && in->have_site && in->have_input &&
	       !memcmp(r->site_sha256, in->site_sha256, STATE_SHA256_LEN) &&
	       !memcmp(r->input_sha256, in->input_sha256, STATE_SHA256_LEN);
}

/* Every file the record lists is as the last apply wrote it. */
static bool files_as_applied(struct ctx *c, const struct state_record *r)
{
	struct diag scratch;
	bool same = true;

	diag_init(&scratch);
	for (size_t i = 0; same && i < r->n_files; i++)
		same = state_file_check(c->opts->root, &r->files[i], &scratch) ==
		       STATE_FILE_AS_APPLIED;
	diag_release(&scratch);
	return same;
}

void apply_input_say_warnings(struct ctx *c, const struct state *s)
{
	const struct state_record *r = s->rec;

	for (size_t i = 0; r && i < r->n_warnings; i++)
		diag_warn(c->diag, &(struct srcloc){ r->warnings[i].file, r->warnings[i].line },
			  "%s", r->warnings[i].message);
}

enum apply_input_verdict apply_input_check(struct ctx *c, const struct state *s,
					    struct nft_netlink *nl, const struct input *in)
{
	bool vouches = false;

	if (!same_input(s->rec, in) || !files_as_applied(c, s->rec))
		return APPLY_INPUT_CHANGED;
	if (state_record_vouches(s, nl, &vouches) < 0 || !vouches)
		return APPLY_INPUT_MOVED;
	/* Say again what validation said of this site when it was applied. */
	apply_input_say_warnings(c, s);
	return APPLY_INPUT_UNCHANGED;
}
