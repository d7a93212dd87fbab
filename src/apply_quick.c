/*
 * apply_quick: the no-op apply without parsing the site.  When the input
 * (this ftpcfg, its schema and stylesheets, the site) is byte for byte the
 * one the last successful apply recorded, the ruleset generation has not
 * moved and every managed file is as that apply wrote it, nothing can
 * differ: the same input renders the same output.  Anything else, or any
 * doubt, takes the full path.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "apply_internal.h"
#include "mem.h"
#include "nft_netlink.h"
#include "site.h"

#ifndef FTPCFG_VERSION
#define FTPCFG_VERSION "unknown"
#endif

/* This ftpcfg's version, schema and stylesheets; and the site's bytes. */
#define INPUT_HEAD "/applied-input"
#define INPUT_SITE "/applied-site"

static const char *const template_files[] = {
	"site.xsd", "vsftpd.conf.xsl", "proftpd.conf.xsl", "pure-ftpd.xsl",
};

/* Up to @len bytes from @fd, fewer only at the end of the file.  -1 on error. */
static ssize_t read_full(int fd, char *buf, size_t len)
{
	size_t used = 0;

	while (used < len) {
		ssize_t n = read(fd, buf + used, len - used);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		used += (size_t)n;
	}
	return (ssize_t)used;
}

/* A regular file of at most @max bytes, whole.  0 or -errno. */
static int read_all(const char *path, size_t max, char **out, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	int fd;
	int ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		ret = -EINVAL;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	mem_prefault(buf, (size_t)st.st_size + 1);
	n = read_full(fd, buf, (size_t)st.st_size);
	if (n < 0 || (size_t)n != (size_t)st.st_size) {
		ret = n < 0 ? -errno : -EIO;
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	*len = (size_t)n;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return ret;
}

/* Append @line, then @n bytes of @data, to the buffer *buf of *len bytes. */
static int append(char **buf, size_t *len, const char *line, const char *data, size_t n)
{
	size_t h = strlen(line);
	char *p = realloc(*buf, *len + h + n + 1);

	if (!p)
		return -ENOMEM;
	memcpy(p + *len, line, h);
	memcpy(p + *len + h, data, n);
	*len += h + n;
	p[*len] = '\0';
	*buf = p;
	return 0;
}

void apply_input_release(struct apply_input *in)
{
	free(in->site);
	free(in->head);
	memset(in, 0, sizeof(*in));
}

int apply_input_read(struct ctx *c, struct apply_input *in)
{
	char line[64];
	int ret;

	memset(in, 0, sizeof(*in));
	ret = append(&in->head, &in->head_len, "ftpcfg " FTPCFG_VERSION "\n", "", 0);
	for (size_t i = 0; ret == 0 && i < sizeof(template_files) / sizeof(template_files[0]); i++) {
		char *path = NULL;
		char *data = NULL;
		size_t len = 0;

		if (asprintf(&path, "%s/%s", c->opts->templates_dir, template_files[i]) < 0)
			return -ENOMEM;
		ret = read_all(path, SITE_MAX_BYTES, &data, &len);
		free(path);
		if (ret == 0) {
			snprintf(line, sizeof(line), "%s %zu\n", template_files[i], len);
			ret = append(&in->head, &in->head_len, line, data, len);
		}
		free(data);
	}
	if (ret < 0) {
		free(in->head);
		in->head = NULL;
		in->head_len = 0;
	}
	return ret == -ENOMEM ? ret : 0;
}

void apply_input_read_site(const char *site_path, struct apply_input *in)
{
	/* A site that cannot be read here is read (and reported) by the full path. */
	if (read_all(site_path, SITE_MAX_BYTES, &in->site, &in->site_len) < 0) {
		in->site = NULL;
		in->site_len = 0;
	}
}

int apply_quick_save(struct txn *t, const struct apply_input *in)
{
	int ret;

	if (!in->head || !in->site)
		return txn_remove_file(t->state_dir, INPUT_HEAD, t->d);
	/*
	 * The site first: a head without its site never matches.  Not synced
	 * (4 MB at 100 000 networks): only a machine crash could leave them
	 * stale, and after one the boot id in the record no longer matches,
	 * so the quick path is not taken whatever they hold.
	 */
	ret = txn_write_cache(t->state_dir, INPUT_SITE, in->site, in->site_len, t->d);
	if (ret == 0)
		ret = txn_write_cache(t->state_dir, INPUT_HEAD, in->head, in->head_len, t->d);
	return ret;
}

/*
 * The site at @path holds the bytes of the state file @name.  Read side
 * by side a piece at a time: a no-op apply of a 4 MB site never holds it
 * in memory (fresh memory is what costs most on a virtual machine).
 */
#define COMPARE_CHUNK (64u * 1024)
static bool site_is_saved(struct txn *t, const char *name, const char *path, struct diag *d)
{
	struct stat sa;
	struct stat sb;
	char *buf = NULL;
	bool same = false;
	int fb = -1;
	int fa;

	fa = open(path, O_RDONLY | O_CLOEXEC);
	if (fa < 0 || fstat(fa, &sa) < 0 || !S_ISREG(sa.st_mode))
		goto out;
	if (txn_open_file(t->state_dir, name, &sb, d, &fb) < 0 || fb < 0 ||
	    sa.st_size != sb.st_size)
		goto out;
	buf = malloc(2 * COMPARE_CHUNK);
	while (buf) {
		ssize_t na = read_full(fa, buf, COMPARE_CHUNK);
		ssize_t nb = read_full(fb, buf + COMPARE_CHUNK, COMPARE_CHUNK);

		if (na < 0 || na != nb || memcmp(buf, buf + COMPARE_CHUNK, (size_t)na))
			break;
		if (na == 0) {
			same = true;
			break;
		}
	}
out:
	free(buf);
	if (fb >= 0)
		close(fb);
	if (fa >= 0)
		close(fa);
	return same;
}

/* The state file @name holds exactly @len bytes of @data. */
static bool saved_is(struct txn *t, const char *name, const char *data, size_t len,
		     struct diag *d)
{
	struct stat st;
	char *saved = NULL;
	size_t saved_len = 0;
	bool same;

	if (txn_read_file(t->state_dir, name, &saved, &saved_len, &st, d) < 0 || !saved)
		return false;
	same = saved_len == len && !memcmp(saved, data, len);
	free(saved);
	return same;
}

json_t *apply_file_entry(const char *path, const char *data, size_t len)
{
	char hash[20];

	snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)apply_hash(data, len));
	return json_pack("{s:s, s:s}", "path", path, "fnv1a64", hash);
}

enum apply_file_state apply_recorded_file(struct ctx *c, json_t *entry, struct diag *d)
{
	const char *path = json_string_value(json_object_get(entry, "path"));
	const char *want = json_string_value(json_object_get(entry, "fnv1a64"));
	struct stat st;
	char *content = NULL;
	char hash[20];
	size_t len = 0;

	if (!path || !want || txn_read_file(c->opts->root, path, &content, &len, &st, d) < 0)
		return APPLY_FILE_UNREADABLE;
	if (!content)
		return APPLY_FILE_MISSING;
	snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)apply_hash(content, len));
	free(content);
	return strcmp(hash, want) ? APPLY_FILE_CHANGED : APPLY_FILE_AS_APPLIED;
}

/* Every file the record lists is on disk as it was written. */
static bool files_as_recorded(struct ctx *c, json_t *files, struct diag *d)
{
	size_t i;
	json_t *f;

	json_array_foreach(files, i, f)
		if (apply_recorded_file(c, f, d) != APPLY_FILE_AS_APPLIED)
			return false;
	return true;
}

/* The record vouches for the live ruleset (stage_record_vouches()). */
static bool record_vouches(const json_t *rec)
{
	struct nft_netlink *nl = NULL;
	bool vouches = false;

	if (nft_netlink_open(&nl) < 0)
		return false;
	if (stage_record_vouches(nl, rec, &vouches) < 0)
		vouches = false;
	nft_netlink_close(nl);
	return vouches;
}

/* Say again what the apply that recorded this said of the site. */
static void replay_warnings(struct ctx *c, json_t *warnings)
{
	size_t i;
	json_t *w;

	json_array_foreach(warnings, i, w) {
		struct srcloc loc = { json_string_value(json_object_get(w, "file")),
				      (unsigned)json_integer_value(json_object_get(w, "line")) };
		const char *msg = json_string_value(json_object_get(w, "message"));

		if (msg)
			diag_warn(c->diag, &loc, "%s", msg);
	}
}

int apply_quick_unchanged(struct ctx *c, struct txn *t, const struct apply_input *in,
			  const char *site_path, bool *unchanged)
{
	struct txn quiet = *t;
	struct diag scratch;
	json_t *rec = NULL;
	char *text = NULL;

	/* Any doubt means the full path, which says what is wrong: no messages here. */
	diag_init(&scratch);
	quiet.d = &scratch;
	*unchanged = false;
	if (!in->head || txn_read_record(&quiet, &text) < 0 || !text)
		goto out;
	rec = json_loads(text, 0, NULL);
	/* Cheapest first: one netlink round trip, then the input, then the files. */
	if (!rec || !record_vouches(rec) ||
	    !saved_is(t, INPUT_HEAD, in->head, in->head_len, &scratch) ||
	    !site_is_saved(t, INPUT_SITE, site_path, &scratch) ||
	    !files_as_recorded(c, json_object_get(rec, "files"), &scratch))
		goto out;
	replay_warnings(c, json_object_get(rec, "warnings"));
	*unchanged = true;
out:
	diag_release(&scratch);
	free(text);
	json_decref(rec);
	return 0;
}
