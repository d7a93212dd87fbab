/*
 * directives: loads templates/directives.txt and answers "does this daemon
 * know this name, and who sets it".  Pure data: it reads one file and
 * never acts.
 *
 * Format, one entry a line ('#' starts a comment line):
 *   SET NAME                  a directive only <directive> sets
 *   SET NAME owned ELEMENT    set by the site through ELEMENT
 *   SET NAME default VALUE    written by a stylesheet unless a <directive> replaces it
 *   proftpd NAME module       a module compiled into Debian's proftpd
 * SET is vsftpd, proftpd, pure-ftpd or pure-ftpd-dir.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "directives.h"
#include "suggest.h"

static const char *const set_names[DIRECTIVE_SET_COUNT] = {
	[DIRECTIVE_SET_VSFTPD] = "vsftpd",
	[DIRECTIVE_SET_PROFTPD] = "proftpd",
	[DIRECTIVE_SET_PUREFTPD] = "pure-ftpd",
	[DIRECTIVE_SET_PUREFTPD_DIR] = "pure-ftpd-dir",
};

static const char *const set_docs[DIRECTIVE_SET_COUNT] = {
	[DIRECTIVE_SET_VSFTPD] = "vsftpd.conf(5)",
	[DIRECTIVE_SET_PROFTPD] = "the proftpd documentation (proftpd-doc)",
	[DIRECTIVE_SET_PUREFTPD] = "/etc/pure-ftpd/pure-ftpd.conf",
	[DIRECTIVE_SET_PUREFTPD_DIR] = "pure-ftpd-wrapper(8)",
};

const char *directive_set_name(enum directive_set set)
{
	return set < DIRECTIVE_SET_COUNT ? set_names[set] : "?";
}

const char *directive_set_doc(enum directive_set set)
{
	return set < DIRECTIVE_SET_COUNT ? set_docs[set] : "?";
}

void directive_table_free(struct directive_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_entries; i++) {
		free(t->entries[i].name);
		free(t->entries[i].arg);
	}
	free(t->entries);
	free(t);
}

static int parse_set(const char *word, enum directive_set *out)
{
	for (int i = 0; i < DIRECTIVE_SET_COUNT; i++) {
		if (!strcmp(word, set_names[i])) {
			*out = (enum directive_set)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* One line, cut in place.  0, -EINVAL (bad line) or -ENOMEM. */
static int parse_line(char *line, struct directive_info *e)
{
	char *save = NULL;
	char *set = strtok_r(line, " \t", &save);
	char *name = set ? strtok_r(NULL, " \t", &save) : NULL;
	char *kind = name ? strtok_r(NULL, " \t", &save) : NULL;
	char *arg = kind ? save + strspn(save, " \t") : NULL;

	memset(e, 0, sizeof(*e));
	if (!name || parse_set(set, &e->set) < 0)
		return -EINVAL;
	if (!kind) {
		e->kind = DIRECTIVE_FREE;
	} else if (!strcmp(kind, "module")) {
		e->kind = DIRECTIVE_MODULE;
	} else if (!strcmp(kind, "owned") || !strcmp(kind, "default")) {
		e->kind = kind[0] == 'o' ? DIRECTIVE_OWNED : DIRECTIVE_DEFAULT;
		if (!arg || !*arg)
			return -EINVAL;
		e->arg = strdup(arg);
		if (!e->arg)
			return -ENOMEM;
	} else {
		return -EINVAL;
	}
	e->name = strdup(name);
	if (!e->name) {
		free(e->arg);
		e->arg = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int read_all(const char *path, struct diag *d, char **out)
{
	struct srcloc loc = { path, 0 };
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd;
	int ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		ret = -errno;
		return diag(d, &loc, ret, "cannot read the table of known directives: %s; "
			    "reinstall ftpcfg or set FTPCFG_TEMPLATE_DIR", strerror(-ret));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > DIRECTIVES_MAX_BYTES) {
		ret = diag(d, &loc, -EINVAL, "is not the table of known directives (not a regular "
			   "file of at most %u bytes)", DIRECTIVES_MAX_BYTES);
		goto out;
	}
	buf = malloc(DIRECTIVES_MAX_BYTES + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, DIRECTIVES_MAX_BYTES - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			diag(d, &loc, ret, "cannot read the table of known directives: %s",
			     strerror(-ret));
			goto out;
		}
		if (n == 0 || len + (size_t)n >= DIRECTIVES_MAX_BYTES) {
			len += (size_t)n;
			break;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	*out = buf;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	close(fd);
	return ret;
}

int directive_table_load(const char *path, struct diag *d, struct directive_table **out)
{
	struct directive_table *t = NULL;
	char *buf = NULL;
	char *line;
	char *next;
	unsigned lineno = 0;
	size_t alloc = 0;
	int ret;

	ret = read_all(path, d, &buf);
	if (ret < 0)
		return ret;
	ret = -ENOMEM;
	t = calloc(1, sizeof(*t));
	if (!t)
		goto out;
	for (line = buf; line && *line; line = next) {
		struct srcloc loc = { path, ++lineno };

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line[0] == '#' || !line[strspn(line, " \t")])
			continue;
		if (t->n_entries == alloc) {
			size_t n = alloc ? alloc * 2 : 1024;
			struct directive_info *grown = realloc(t->entries, n * sizeof(*grown));

			if (!grown)
				goto out;
			t->entries = grown;
			alloc = n;
		}
		ret = parse_line(line, &t->entries[t->n_entries]);
		if (ret == -EINVAL) {
			diag(d, &loc, ret, "malformed line in the table of known directives; "
			     "reinstall ftpcfg");
			goto out;
		}
		if (ret < 0)
			goto out;
		t->n_entries++;
	}
	*out = t;
	t = NULL;
	ret = 0;
out:
	directive_table_free(t);
	free(buf);
	return ret;
}

int directive_table_load_dir(const char *templates_dir, struct diag *d,
			     struct directive_table **out)
{
	char *path = NULL;
	int ret;

	if (asprintf(&path, "%s/%s", templates_dir, DIRECTIVES_FILE) < 0)
		return -ENOMEM;
	ret = directive_table_load(path, d, out);
	free(path);
	return ret;
}

static bool name_equal(enum directive_set set, const char *a, const char *b)
{
	return set == DIRECTIVE_SET_PROFTPD ? !strcasecmp(a, b) : !strcmp(a, b);
}

const struct directive_info *directive_find(const struct directive_table *t,
					    enum directive_set set, const char *name)
{
	/* The exact spelling first: proftpd's "USER" command is not its "User" directive. */
	for (size_t i = 0; i < t->n_entries; i++) {
		const struct directive_info *e = &t->entries[i];

		if (e->set == set && e->kind != DIRECTIVE_MODULE && !strcmp(e->name, name))
			return e;
	}
	for (size_t i = 0; i < t->n_entries; i++) {
		const struct directive_info *e = &t->entries[i];

		if (e->set == set && e->kind != DIRECTIVE_MODULE && name_equal(set, e->name, name))
			return e;
	}
	return NULL;
}

const char *directive_suggest(const struct directive_table *t, enum directive_set set,
			      const char *name)
{
	size_t len = strlen(name);
	/* One edit in four characters, at least two: "local_umsk", "pasv_minport". */
	size_t limit = len / 4 > 2 ? len / 4 : 2;
	const char *best = NULL;
	size_t best_d = limit + 1;

	if (len > SUGGEST_MAX_LEN)
		return NULL;
	for (size_t i = 0; i < t->n_entries; i++) {
		const struct directive_info *e = &t->entries[i];
		size_t dist;

		if (e->set != set || e->kind == DIRECTIVE_MODULE || strlen(e->name) > SUGGEST_MAX_LEN)
			continue;
		dist = suggest_distance(name, e->name);
		if (dist < best_d) {
			best_d = dist;
			best = e->name;
		}
	}
	return best;
}
