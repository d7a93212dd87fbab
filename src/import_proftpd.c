/*
 * import_proftpd: reads proftpd.conf as proftpd does (continuation lines,
 * Include of files, directories and globs, <IfModule> and <IfDefine>
 * evaluated) and sorts every line into server-level directives, which
 * import_proftpd_map.c maps, and blocks the model cannot hold, which are
 * reported.  Bounded in depth, files and bytes; include loops are refused.
 */
#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "import_proftpd.h"

enum block_kind {
	BLOCK_GLOBAL,		/* its directives are the server's */
	BLOCK_COND_ON,		/* <IfModule>/<IfDefine> that holds: as its parent */
	BLOCK_COND_OFF,		/* one that does not: without effect */
	BLOCK_LIMIT,		/* maybe one the model knows (pro_limit_*) */
	BLOCK_ANONYMOUS,
	BLOCK_OTHER,		/* <Directory>, <VirtualHost>, <Class>, ...: not carried */
};

struct block {
	enum block_kind kind;
	char *name;		/* "Directory" */
	size_t item;		/* the item of its opening line */
	size_t first_inner;	/* the first item inside it */
};

/* Nesting deeper than this is not a configuration anyone wrote. */
#define MAX_BLOCKS 32u

struct reader {
	struct pro *p;
	struct block stack[MAX_BLOCKS];
	size_t n_blocks;
};

static int read_file(struct reader *r, const char *path, const char *from, unsigned from_line);

static bool in_effect(const struct reader *r)
{
	for (size_t i = 0; i < r->n_blocks; i++)
		if (r->stack[i].kind == BLOCK_COND_OFF)
			return false;
	return true;
}

/* The innermost block that is not a condition, or NULL at server level. */
static const struct block *owner(const struct reader *r)
{
	for (size_t i = r->n_blocks; i-- > 0;)
		if (r->stack[i].kind != BLOCK_COND_ON && r->stack[i].kind != BLOCK_GLOBAL)
			return &r->stack[i];
	return NULL;
}

bool pro_module_loaded(const struct pro *p, const char *module)
{
	char name[128];
	size_t len = strlen(module);

	if (len + 3 > sizeof(name))
		return false;
	/* <IfModule mod_tls> means mod_tls.c. */
	snprintf(name, sizeof(name), len > 2 && !strcmp(module + len - 2, ".c") ? "%s" : "%s.c",
		 module);
	for (size_t i = 0; i < p->ic->table->n_entries; i++) {
		const struct directive_info *e = &p->ic->table->entries[i];

		if (e->set == DIRECTIVE_SET_PROFTPD && e->kind == DIRECTIVE_MODULE &&
		    !strcasecmp(e->name, name))
			return true;
	}
	for (size_t i = 0; i < p->n_loaded; i++)
		if (!strcasecmp(p->loaded[i], name))
			return true;
	return false;
}

static int open_block(struct reader *r, const char *file, unsigned line, const char *name,
		      const char *args, size_t idx)
{
	struct block *b;
	bool negate = args[0] == '!';

	if (r->n_blocks >= MAX_BLOCKS) {
		r->p->ic->errors++;
		return diag(r->p->ic->d, &(struct srcloc){ file, line }, -EINVAL, "blocks nest more "
			    "than %u deep; proftpd configurations do not", MAX_BLOCKS);
	}
	b = &r->stack[r->n_blocks];
	memset(b, 0, sizeof(*b));
	b->name = strdup(name);
	if (!b->name)
		return -ENOMEM;
	b->item = idx;
	b->first_inner = r->p->ic->res->n_items;
	if (!in_effect(r))
		b->kind = BLOCK_COND_OFF;
	else if (!strcasecmp(name, "Global") && !owner(r))
		b->kind = BLOCK_GLOBAL;
	else if (!strcasecmp(name, "IfModule"))
		b->kind = pro_module_loaded(r->p, args + negate) != negate ? BLOCK_COND_ON
									    : BLOCK_COND_OFF;
	else if (!strcasecmp(name, "IfDefine"))
		/* Debian starts proftpd without -D: nothing is defined. */
		b->kind = negate ? BLOCK_COND_ON : BLOCK_COND_OFF;
	else if (!strcasecmp(name, "Limit"))
		b->kind = BLOCK_LIMIT;
	else if (!strcasecmp(name, "Anonymous") && !owner(r))
		b->kind = BLOCK_ANONYMOUS;
	else
		b->kind = BLOCK_OTHER;
	r->n_blocks++;
	return 0;
}

static int close_block(struct reader *r, const char *file, unsigned line, const char *name,
		       size_t idx)
{
	struct block *b;
	int ret = 0;

	if (!r->n_blocks || strcasecmp(r->stack[r->n_blocks - 1].name, name)) {
		r->p->ic->errors++;
		return diag(r->p->ic->d, &(struct srcloc){ file, line }, -EINVAL, "</%s> closes "
			    "no open <%s> block (proftpd refuses this file)", name, name);
	}
	b = &r->stack[--r->n_blocks];
	/* The closing line shares its opening line's fate. */
	import_item_set(r->p->ic, idx, IMPORT_IMPLIED, "closes the block on line %u",
			r->p->ic->res->items[b->item].line);
	switch (b->kind) {
	case BLOCK_GLOBAL:
		ret = import_item_set(r->p->ic, b->item, IMPORT_IMPLIED, "its directives are "
				      "imported as the server's (the site has one server)");
		break;
	case BLOCK_COND_ON:
		ret = import_item_set(r->p->ic, b->item, IMPORT_IMPLIED, "the condition holds: "
				      "its directives are imported");
		break;
	case BLOCK_COND_OFF:
		ret = import_item_set(r->p->ic, b->item, IMPORT_IMPLIED, "the condition does not "
				      "hold here: without effect");
		break;
	case BLOCK_LIMIT:
	case BLOCK_ANONYMOUS:
	case BLOCK_OTHER:
		ret = pro_block_closed(r->p, b->kind == BLOCK_LIMIT, b->kind == BLOCK_ANONYMOUS,
				       owner(r) != NULL, b->item, b->first_inner,
				       r->p->ic->res->n_items);
		break;
	}
	free(b->name);
	return ret;
}

/* One logical line: a directive, a block start or a block end. */
static int line_done(struct reader *r, const char *file, unsigned line, char *text)
{
	struct import_ctx *ic = r->p->ic;
	char *name = text;
	char *args;
	size_t len;
	int idx;
	bool open = false;
	bool close = false;

	if (name[0] == '<') {
		len = strlen(name);
		if (len < 3 || name[len - 1] != '>') {
			ic->errors++;
			return diag(ic->d, &(struct srcloc){ file, line }, -EINVAL, "'%s' opens a "
				    "block without closing '>' (proftpd refuses this file)", text);
		}
		name[len - 1] = '\0';
		name++;
		close = name[0] == '/';
		open = !close;
		name += close;
	}
	args = name + strcspn(name, " \t");
	if (*args)
		*args++ = '\0';
	args += strspn(args, " \t");
	len = strlen(args);
	while (len && strchr(" \t\r", args[len - 1]))
		args[--len] = '\0';
	if (open || close) {
		char *label = NULL;

		if (asprintf(&label, close ? "</%s>" : "<%s>", name) < 0)
			return -ENOMEM;
		idx = import_item_add(ic, file, line, label, args);
		free(label);
	} else {
		idx = import_item_add(ic, file, line, name, args);
	}
	if (idx < 0)
		return idx;
	if (open)
		return open_block(r, file, line, name, args, (size_t)idx);
	if (close)
		return close_block(r, file, line, name, (size_t)idx);
	if (!in_effect(r))
		return import_item_set(ic, (size_t)idx, IMPORT_IMPLIED, "inside a condition that "
				       "does not hold here: without effect");
	if (!strcasecmp(name, "Include")) {
		int ret = import_item_set(ic, (size_t)idx, IMPORT_IMPLIED, "its files are "
					  "imported in its place");

		return ret < 0 ? ret : pro_include(r->p, args, file, line);
	}
	if (!strcasecmp(name, "LoadModule") && r->p->n_loaded < PRO_MAX_MODULES) {
		r->p->loaded[r->p->n_loaded] = strdup(args);
		if (!r->p->loaded[r->p->n_loaded])
			return -ENOMEM;
		r->p->n_loaded++;
	}
	/* Inside a block: its close decides; at server level: the mapper does. */
	return 0;
}

static int read_buffer(struct reader *r, const char *file, char *buf)
{
	unsigned lineno = 0;
	char *logical = NULL;
	size_t llen = 0;
	unsigned start = 0;
	int ret = 0;

	for (char *line = buf, *next; line && *line && ret == 0; line = next) {
		size_t len;
		char *grown;

		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		len = strlen(line);
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		if (!logical) {
			line += strspn(line, " \t");
			len = strlen(line);
			if (!*line || *line == '#')
				continue;
			start = lineno;
		}
		if (llen + len > IMPORT_MAX_LINE) {
			r->p->ic->errors++;
			ret = diag(r->p->ic->d, &(struct srcloc){ file, start }, -EINVAL, "line "
				   "(with its continuations) is longer than %u bytes; no proftpd "
				   "directive is", IMPORT_MAX_LINE);
			break;
		}
		grown = realloc(logical, llen + len + 1);
		if (!grown) {
			ret = -ENOMEM;
			break;
		}
		logical = grown;
		memcpy(logical + llen, line, len);
		llen += len;
		logical[llen] = '\0';
		/* A trailing backslash continues the line (proftpd's parser). */
		if (llen && logical[llen - 1] == '\\' && next && *next) {
			logical[--llen] = '\0';
			continue;
		}
		ret = line_done(r, file, start, logical);
		free(logical);
		logical = NULL;
		llen = 0;
	}
	free(logical);
	return ret;
}

static int read_file(struct reader *r, const char *path, const char *from, unsigned from_line)
{
	struct import_ctx *ic = r->p->ic;
	char *full = NULL;
	char *buf = NULL;
	size_t len;
	dev_t dev;
	ino_t ino;
	int ret;

	if (ic->depth > IMPORT_MAX_DEPTH) {
		ic->errors++;
		return diag(ic->d, &(struct srcloc){ from, from_line }, -EINVAL, "Include nests "
			    "more than %u files deep; this looks like a loop", IMPORT_MAX_DEPTH);
	}
	ret = import_read_file(ic, path, &buf, &len, &dev, &ino);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < ic->depth; i++) {
		if (ic->chain_dev[i] == dev && ic->chain_ino[i] == ino) {
			ic->errors++;
			ret = diag(ic->d, &(struct srcloc){ from, from_line }, -EINVAL, "Include of "
				   "'%s' is a loop: that file is already being read", path);
			goto out;
		}
	}
	ret = import_full_path(ic, path, &full);
	if (ret < 0)
		goto out;
	ic->chain_dev[ic->depth] = dev;
	ic->chain_ino[ic->depth] = ino;
	ic->depth++;
	ret = read_buffer(r, full, buf);
	ic->depth--;
out:
	free(full);
	free(buf);
	return ret;
}

/* The reader of the whole import: one per pro, kept in it while files are read. */
int pro_include(struct pro *p, const char *arg, const char *from, unsigned line)
{
	struct reader *r = p->reader;
	struct import_ctx *ic = p->ic;
	char *pattern = NULL;
	glob_t g = { 0 };
	struct stat st;
	int ret;

	if (arg[0] != '/') {
		ic->errors++;
		return diag(ic->d, &(struct srcloc){ from, line }, -EINVAL, "Include '%s' is not "
			    "an absolute path (proftpd refuses it)", arg);
	}
	ret = import_full_path(ic, arg, &pattern);
	if (ret < 0)
		return ret;
	if (!strpbrk(arg, "*?[")) {
		if (lstat(pattern, &st) == 0 && S_ISDIR(st.st_mode)) {
			char **names = NULL;
			size_t n = 0;

			ret = import_list_dir(ic, arg, &names, &n);
			for (size_t i = 0; i < n && ret == 0; i++) {
				char *file = NULL;
				size_t alen = strlen(arg);

				/* Editors' backups are not configuration (proftpd skips them too). */
				if (names[i][strlen(names[i]) - 1] == '~')
					continue;
				if (asprintf(&file, "%s%s%s", arg, alen && arg[alen - 1] == '/' ? ""
					     : "/", names[i]) < 0) {
					ret = -ENOMEM;
					break;
				}
				ret = read_file(r, file, from, line);
				free(file);
			}
			import_free_names(names, n);
		} else {
			ret = read_file(r, arg, from, line);
		}
		goto out;
	}
	/* A glob: proftpd expands it the same way, in sorted order. */
	ret = glob(pattern, GLOB_ERR, NULL, &g);
	if (ret == GLOB_NOMATCH) {
		ret = 0;
		goto out;
	}
	if (ret != 0) {
		ic->errors++;
		ret = diag(ic->d, &(struct srcloc){ from, line }, -EINVAL, "Include '%s' cannot "
			   "be expanded", arg);
		goto out;
	}
	if (g.gl_pathc > IMPORT_MAX_FILES) {
		ic->errors++;
		ret = diag(ic->d, &(struct srcloc){ from, line }, -EINVAL, "Include '%s' matches "
			   "%zu files, more than %u", arg, g.gl_pathc, IMPORT_MAX_FILES);
		goto out;
	}
	for (size_t i = 0; i < g.gl_pathc && ret == 0; i++) {
		/* Back to a path below --root for the reader (it prefixes it again). */
		const char *match = g.gl_pathv[i] + (strlen(pattern) - strlen(arg));

		ret = read_file(r, match, from, line);
	}
out:
	globfree(&g);
	free(pattern);
	return ret;
}

int pro_read(struct pro *p, const char *path)
{
	struct reader r = { .p = p };
	int ret;

	p->reader = &r;
	ret = read_file(&r, path, path, 0);
	if (ret == 0 && r.n_blocks) {
		struct import_item *it = &p->ic->res->items[r.stack[r.n_blocks - 1].item];

		p->ic->errors++;
		ret = diag(p->ic->d, &(struct srcloc){ it->file, it->line }, -EINVAL, "%s is never "
			   "closed (proftpd refuses this file)", it->name);
	}
	while (r.n_blocks)
		free(r.stack[--r.n_blocks].name);
	p->reader = NULL;
	return ret;
}
