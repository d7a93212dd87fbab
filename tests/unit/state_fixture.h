/*
 * state_fixture: what the state module's test files share: a state
 * directory below a temporary root, the schema, and the helpers that
 * rewrite a sealed state file as another version or copy the directory
 * elsewhere.  Header-only: each test file is its own program.
 */
#ifndef FTPCFG_TEST_STATE_FIXTURE_H
#define FTPCFG_TEST_STATE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "state.h"

struct fixture {
	char root[PATH_MAX];
	char dir[PATH_MAX + 32];
	struct opts opts;
	struct diag d;
	struct ctx c;
};

static inline int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->root, sizeof(f->root), "%s/ftpcfg-test-state-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(f->root)) {
		free(f);
		return -1;
	}
	snprintf(f->dir, sizeof(f->dir), "%s/state", f->root);
	f->opts.root = f->root;
	f->opts.state_dir = f->dir;
	diag_init(&f->d);
	f->c = (struct ctx){ .opts = &f->opts, .diag = &f->d };
	*state = f;
	return 0;
}

static inline int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline int teardown(void **state)
{
	struct fixture *f = *state;

	nftw(f->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	diag_release(&f->d);
	free(f);
	return 0;
}

static inline char *schema_path(void)
{
	const char *dir = getenv("FTPCFG_TEMPLATE_DIR");
	char *p = NULL;

	assert_true(asprintf(&p, "%s/site.xsd", dir && *dir ? dir : "templates") > 0);
	return p;
}

/*
 * Seal @len bytes of @p again as a file of @magic and @version at @path
 * (the 20-byte head rewritten, the SHA-256 appended): an older or unknown
 * version made from a current file.
 */
static inline void reseal_as(const char *path, const char magic[8], const uint8_t *p, size_t len,
		      uint32_t version)
{
	uint8_t head[20];
	uint8_t sum[STATE_SHA256_LEN];
	uint64_t n = len - sizeof(head);
	FILE *out;
	uint8_t *all = malloc(len);

	assert_non_null(all);
	memcpy(head, magic, 8);
	for (int i = 0; i < 4; i++)
		head[8 + i] = (uint8_t)(version >> (8 * i));
	for (int i = 0; i < 8; i++)
		head[12 + i] = (uint8_t)(n >> (8 * i));
	memcpy(all, head, sizeof(head));
	memcpy(all + sizeof(head), p + sizeof(head), len - sizeof(head));
	state_sha256(all, len, sum);
	out = fopen(path, "wb");
	assert_non_null(out);
	assert_int_equal(fwrite(all, 1, len, out), len);
	assert_int_equal(fwrite(sum, 1, sizeof(sum), out), sizeof(sum));
	assert_int_equal(fclose(out), 0);
	free(all);
}

/* A state file, whole, into @buf (of @cap bytes); its length without the seal. */
static inline size_t slurp(const char *path, uint8_t *buf, size_t cap)
{
	FILE *in = fopen(path, "rb");
	size_t len;

	assert_non_null(in);
	len = fread(buf, 1, cap, in);
	fclose(in);
	assert_true(len > 20 + STATE_SHA256_LEN && len < cap);
	return len - STATE_SHA256_LEN;
}

/* Replace the state directory by a copy of itself: same files, another directory. */
static inline void move_by_copy(const struct fixture *f)
{
	char *cmd = NULL;

	assert_true(asprintf(&cmd, "cp -a '%s' '%s.copy' && rm -rf '%s' && mv '%s.copy' '%s'",
			     f->dir, f->dir, f->dir, f->dir, f->dir) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

#endif
