/*
 * render: everything apply would write, computed and printed (or written
 * below -o DIR), without touching the live system.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "effective.h"
#include "nft_text.h"
#include "render_conf.h"
#include "ruleset.h"
#include "site.h"
#include "txn.h"

/* The ruleset's file name under -o DIR (DESIGN: "Decisions"). */
#define RULESET_FILE "/ftpcfg.nft"

struct rendered {
	struct conf_set files;
	char *ruleset;	/* nft text, loadable with nft -f */
};

static void rendered_release(struct rendered *r)
{
	conf_set_release(&r->files);
	free(r->ruleset);
}

static int render_all(struct ctx *c, const struct site *s, struct rendered *r)
{
	struct ruleset *rs = NULL;
	int ret;

	ret = render_conf(s, c->opts->templates_dir, c->diag, &r->files);
	if (ret < 0)
		return ret;
	ret = ruleset_build(s, &rs);
	if (ret < 0)
		return ret;
	ret = nft_text_render(rs, NFT_TEXT_LOADABLE, &r->ruleset);
	ruleset_free(rs);
	return ret;
}

static int print_json(const struct ctx *c, const struct rendered *r)
{
	json_t *doc = json_object();
	json_t *files = json_array();
	int ret = -ENOMEM;

	if (!doc || !files)
		goto out;
	for (size_t i = 0; i < r->files.n_files; i++) {
		const struct conf_file *f = &r->files.files[i];
		json_t *o = json_pack("{s:s, s:s, s:s%}", "path", f->path, "server",
				      f->server->name, "content", f->content, f->len);

		if (!o || json_array_append_new(files, o) < 0)
			goto out;
	}
	if (json_object_set(doc, "files", files) < 0 ||
	    json_object_set_new(doc, "ruleset", json_string(r->ruleset)) < 0)
		goto out;
	ret = cmd_json_result(c, doc);
out:
	json_decref(files);
	json_decref(doc);
	return ret;
}

static void print_text(const struct rendered *r)
{
	for (size_t i = 0; i < r->files.n_files; i++) {
		const struct conf_file *f = &r->files.files[i];

		printf("==> %s <==\n", f->path);
		fwrite(f->content, 1, f->len, stdout);
		if (f->len && f->content[f->len - 1] != '\n')
			putchar('\n');
		putchar('\n');
	}
	printf("==> ruleset (ftpcfg.nft) <==\n%s", r->ruleset);
}

/* With --json: {"output": DIR, "written": [each path written, DIR included]}. */
static int written_json(const struct ctx *c, const char *dir, json_t *written)
{
	json_t *doc = json_pack("{s:s, s:O}", "output", dir, "written", written);
	int ret = doc ? cmd_json_result(c, doc) : -ENOMEM;

	json_decref(doc);
	return ret;
}

static int write_out(struct ctx *c, const char *dir, const struct rendered *r)
{
	json_t *written = json_array();
	char *path = NULL;
	size_t dir_len = strlen(dir);
	int ret = txn_mkdir_p(dir, 0755);

	if (ret < 0)
		return diag(c->diag, NULL, ret, "cannot create the output directory '%s': %s", dir,
			    strerror(-ret));
	if (!written)
		return -ENOMEM;
	/* "out/" and "out" name the same files: "out/etc/vsftpd.conf". */
	while (dir_len > 1 && dir[dir_len - 1] == '/')
		dir_len--;
	for (size_t i = 0; i <= r->files.n_files; i++) {
		const struct conf_file *f = i < r->files.n_files ? &r->files.files[i] : NULL;
		const char *name = f ? f->path : RULESET_FILE;

		ret = f ? txn_write_file(dir, f->path, f->content, f->len, 0644, c->diag)
			: txn_write_file(dir, RULESET_FILE, r->ruleset, strlen(r->ruleset), 0644,
					 c->diag);
		if (ret < 0)
			goto out;
		ret = -ENOMEM;
		if (asprintf(&path, "%.*s%s", (int)dir_len, dir, name) < 0) {
			path = NULL;
			goto out;
		}
		if (json_array_append_new(written, json_string(path)) < 0)
			goto out;
		free(path);
		path = NULL;
	}
	ret = written_json(c, dir, written);
out:
	free(path);
	json_decref(written);
	return ret;
}

/* The effective site: on stdout, or with --json as {"effective": "<?xml ...>"}. */
static int print_effective(const struct ctx *c, const char *xml, size_t len)
{
	json_t *doc;
	int ret;

	if (!c->opts->json)
		return fwrite(xml, 1, len, stdout) == len ? 0 : -EIO;
	doc = json_pack("{s:s%}", "effective", xml, len);
	ret = doc ? cmd_json_result(c, doc) : -ENOMEM;
	json_decref(doc);
	return ret;
}

int cmd_render(struct ctx *c, const struct cmd_args *a)
{
	struct rendered r = { 0 };
	struct site *s = NULL;
	const char *outdir = a->opt[CMD_OPT_OUTPUT];
	bool effective = cmd_has(a, CMD_OPT_EFFECTIVE);
	char *xml = NULL;
	size_t xml_len = 0;
	int ret;

	if (effective && outdir)
		return cmd_usage(c, "render", "--effective prints the site and -o writes the files; "
				 "give one of them");
	conf_set_init(&r.files);
	ret = cmd_load_site(c, a->operands[0], &s);
	if (ret < 0)
		goto out;
	if (effective) {
		ret = effective_xml(s, EFFECTIVE_WHOLE, &xml, &xml_len);
		if (ret == 0)
			ret = print_effective(c, xml, xml_len);
		goto out;
	}
	ret = render_all(c, s, &r);
	if (ret < 0)
		goto out;
	if (outdir)
		ret = write_out(c, outdir, &r);
	else if (c->opts->json)
		ret = print_json(c, &r);
	else
		print_text(&r);
out:
	free(xml);
	rendered_release(&r);
	site_free(s);
	return ret;
}
