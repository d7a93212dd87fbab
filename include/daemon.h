/*
 * daemon: what ftpcfg asks of the FTP daemons themselves: check a new
 * configuration before it is installed, and reload after it is.
 */
#ifndef FTPCFG_DAEMON_H
#define FTPCFG_DAEMON_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "site.h"

/*
 * Let the daemon judge @content as @srv's configuration, where it can:
 * `proftpd -t -c FILE`, vsftpd's parse-only start (see daemon.c).  Pure-
 * FTPd has no check mode for a file elsewhere than its own, and a daemon
 * that is not installed cannot check: *checked says whether it ran.
 * 0, -EINVAL (the daemon refused it: its words are in @d) or -errno.
 */
int daemon_check(const struct site *s, const struct site_server *srv, const char *content,
		 size_t len, bool *checked, struct diag *d);

/* The TLS files of @srv exist under @root (NULL: "/") as regular files. 0 or -ENOENT. */
int daemon_check_tls(const struct site *s, const struct site_server *srv, const char *root,
		     struct diag *d);

/*
 * Run @srv's reload command with /bin/sh, FTPCFG_ROOT set to @root (or
 * "/").  0, or -ECHILD when it failed (its output is in @d).
 */
int daemon_reload(const struct site *s, const struct site_server *srv, const char *root,
		  struct diag *d);

/*
 * Run one reload command line as daemon_reload() does, for a journal's
 * commands while putting an old configuration back: a failure is a
 * warning in @d (the files and ruleset are back already) and -ECHILD.
 */
int daemon_run_reload(const char *command, const char *root, struct diag *d);

/* What daemon_exec() keeps of a program's output. */
#define DAEMON_OUTPUT_MAX 2048

/*
 * Run the program @argv (found on PATH; no shell) with a bounded time,
 * stdin from /dev/null: @out gets its stdout and stderr (NUL-terminated,
 * the first DAEMON_OUTPUT_MAX - 1 bytes), *exit_code its exit status
 * (128 + signal when killed).  0 when it ran (whatever its exit status),
 * -ETIME when killed for time, -errno when it could not be started.
 */
int daemon_exec(char *const argv[], char out[DAEMON_OUTPUT_MAX], int *exit_code);

/*
 * Run one reload command line as daemon_reload() does, after remove put
 * a daemon's file back: a failure is an error (-ECHILD with a diag).
 */
int daemon_reload_command(const char *command, const char *root, struct diag *d);

#endif
