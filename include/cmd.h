/*
 * cmd: the commands and what they share.  Adding a command means: its
 * src/cmd_<name>.c, a prototype here, a row in main.c's table (help is
 * printed from it), a README section, unit tests and a netns test.
 */
#ifndef FTPCFG_CMD_H
#define FTPCFG_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

/* Global options: set once by main, read-only afterwards. */
struct opts {
	const char *root;	/* NULL or a directory that prefixes every managed path */
	const char *state_dir;
	const char *templates_dir;
	bool json;
	bool quiet;
	bool verbose;
	bool color;
};

struct ctx {
	const struct opts *opts;
	struct diag *diag;
	const char *prog;
};

/*
 * Every command returns 0, a negative errno (main maps it to an exit code),
 * or CMD_CHANGES when it found or made changes (exit 2).
 */
#define CMD_CHANGES 2
/* A usage error found by the command itself (exit 64). */
#define CMD_USAGE (-1000)
/* The site file cannot be read (exit 66). */
#define CMD_NOINPUT (-1001)

struct site;

/*
 * Load and check the site at @path with the schema from the templates
 * directory.  0, CMD_NOINPUT, -EACCES, -EINVAL (see the diag) or -ENOMEM.
 */
int cmd_load_site(struct ctx *c, const char *path, struct site **out);

/* The same from the bytes of @path already read (0, -EINVAL or -ENOMEM). */
int cmd_load_site_buffer(struct ctx *c, const char *path, const char *buf, size_t len,
			 struct site **out);

/* Print @doc as the command's one JSON document on stdout.  0 or -EIO. */
struct json_t;
int cmd_print_json(const struct json_t *doc);

/* Record a usage error for @cmd (exit 64). */
int cmd_usage(struct ctx *c, const char *cmd, const char *synopsis);

int cmd_apply(struct ctx *c, int argc, char **argv);
int cmd_diff(struct ctx *c, int argc, char **argv);
int cmd_render(struct ctx *c, int argc, char **argv);
int cmd_rollback(struct ctx *c, int argc, char **argv);
int cmd_status(struct ctx *c, int argc, char **argv);
int cmd_validate(struct ctx *c, int argc, char **argv);

#endif
