/*
 * daemon: runs the FTP daemons' own checks and the site's reload commands.
 * Every child runs with a bounded time and its output is captured into a
 * diagnostic; nothing here decides what happens after a failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"

extern char **environ;

/* A check or reload that takes longer than this is stuck: it is killed and fails. */
#define CHILD_TIMEOUT_MS 30000
/* What of a child's output is kept for the message. */
#define MAX_OUTPUT DAEMON_OUTPUT_MAX

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Where temporary files go: $TMPDIR when set, as mktemp(1) does, else /tmp. */
static const char *tmp_dir(void)
{
	const char *t = getenv("TMPDIR");

	return t && *t == '/' ? t : "/tmp";
}

/* The time a child may take; a test build may shorten it (FTPCFG_CHILD_TIMEOUT_MS). */
static long child_timeout_ms(void)
{
#ifdef FTPCFG_TESTING
	const char *t = getenv("FTPCFG_CHILD_TIMEOUT_MS");

	if (t && atol(t) > 0)
		return atol(t);
#endif
	return CHILD_TIMEOUT_MS;
}

/*
 * Run @argv in a process group of its own, with stdin from @stdin_path
 * (or /dev/null) and stdout+stderr into an unlinked temporary file, never
 * a pipe: a command that leaves a background process behind (a daemon it
 * starts) must not keep us waiting for the pipe's end.  We wait for the
 * child itself; on a timeout the whole group is killed.  @out gets the
 * output (NUL-terminated, at most MAX_OUTPUT bytes kept), *status the
 * wait status.  0 or -errno (-ETIME when killed for time).
 */
static int run(char *const argv[], char *const envp[], const char *stdin_path, char *out,
	       int *status)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	long deadline = now_ms() + child_timeout_ms();
	pid_t pid = -1;
	ssize_t n;
	int fd;
	int ret;

	out[0] = '\0';
	fd = open(tmp_dir(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, stdin_path ? stdin_path : "/dev/null", O_RDWR, 0);
	posix_spawn_file_actions_adddup2(&fa, fd, 1);
	posix_spawn_file_actions_adddup2(&fa, fd, 2);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&attr, 0);
	ret = -posix_spawnp(&pid, argv[0], &fa, &attr, argv, envp ? envp : environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (ret < 0) {
		close(fd);
		return ret;
	}
	for (;;) {
		pid_t w = waitpid(pid, status, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
		if (now_ms() >= deadline) {
			/* The whole group: a shell's children go with it. */
			kill(-pid, SIGKILL);
			while (waitpid(pid, status, 0) < 0 && errno == EINTR)
				;
			ret = -ETIME;
			break;
		}
		/* Bounded by the deadline; 10 ms is short next to any reload. */
		poll(NULL, 0, 10);
	}
	n = pread(fd, out, MAX_OUTPUT - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	return ret;
}

/* One line of output for a message: newlines become "; ". */
static void flatten(char *s)
{
	size_t len = strlen(s);

	while (len && (s[len - 1] == '\n' || s[len - 1] == ' '))
		s[--len] = '\0';
	for (char *p = s; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
}

/*
 * Append what @path holds to @out (a MAX_OUTPUT buffer), as far as it fits.
 * vsftpd started as from inetd writes its replies, "500 OOPS: ..." among
 * them, to its stdin: the control socket it expects there.
 */
static void append_file(const char *path, char *out)
{
	size_t used = strlen(out);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return;
	while (used < MAX_OUTPUT - 1 && (n = read(fd, out + used, MAX_OUTPUT - 1 - used)) > 0)
		used += (size_t)n;
	out[used] = '\0';
	close(fd);
}

static bool on_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (!path)
		path = "/usr/sbin:/usr/bin:/sbin:/bin";
	while (*path) {
		size_t len = strcspn(path, ":");

		if (snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, path, prog) < (int)sizeof(buf) &&
		    access(buf, X_OK) == 0)
			return true;
		path += len;
		if (*path == ':')
			path++;
	}
	return false;
}

int daemon_check(const struct site *s, const struct site_server *srv, const char *content,
		 size_t len, bool *checked, struct diag *d)
{
	struct srcloc loc = { s->file, srv->config_line ? srv->config_line : srv->line };
	char dir[4096];
	char file[4200];
	char in[4200];
	char out[MAX_OUTPUT];
	int status = 0;
	int fd = -1;
	int ret;

	*checked = false;
	if (srv->daemon == SITE_DAEMON_PUREFTPD)
		return 0;
	if (!on_path(srv->daemon == SITE_DAEMON_PROFTPD ? "proftpd" : "vsftpd"))
		return 0;
	if ((size_t)snprintf(dir, sizeof(dir), "%s/ftpcfg-check-XXXXXX", tmp_dir()) >= sizeof(dir))
		return diag(d, NULL, -ENAMETOOLONG, "TMPDIR '%s' is too long", tmp_dir());
	if (!mkdtemp(dir))
		return diag(d, NULL, -errno, "cannot make a directory to check the new "
			    "configuration in '%s': %s; set TMPDIR to a writable directory",
			    tmp_dir(), strerror(errno));
	snprintf(file, sizeof(file), "%s/conf", dir);
	snprintf(in, sizeof(in), "%s/stdin", dir);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, content, len) != (ssize_t)len) {
		ret = diag(d, NULL, -errno, "cannot write the new configuration to check it: %s",
			   strerror(errno));
		goto out;
	}
	close(fd);
	fd = -1;
	if (srv->daemon == SITE_DAEMON_PROFTPD) {
		char *argv[] = { (char *)"proftpd", (char *)"-t", (char *)"-c", file, NULL };

		ret = run(argv, NULL, NULL, out, &status);
		*checked = ret == 0;
		if (ret == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
			flatten(out);
			ret = diag(d, &loc, -EINVAL, "proftpd refuses the configuration rendered for "
				   "server '%s': %s", srv->name, out);
		}
	} else {
		/*
		 * vsftpd has no check mode: with both listeners off it parses
		 * the file, then stops because it is "not configured for
		 * standalone" and expects a socket on stdin; a bad file stops
		 * it earlier with another message.
		 */
		char *argv[] = { (char *)"vsftpd", file, (char *)"-olisten=NO",
				 (char *)"-olisten_ipv6=NO", NULL };

		fd = open(in, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
		fd = -1;
		ret = run(argv, NULL, in, out, &status);
		*checked = ret == 0;
		if (ret == 0)
			append_file(in, out);
		if (ret == 0 && !strstr(out, "must be started from inetd")) {
			flatten(out);
			ret = diag(d, &loc, -EINVAL, "vsftpd refuses the configuration rendered for "
				   "server '%s': %s", srv->name, out);
		}
	}
	if (ret == -ETIME)
		ret = diag(d, &loc, -ETIME, "the %s configuration check did not finish in %d s",
			   site_daemon_name(srv->daemon), (int)(child_timeout_ms() / 1000));
out:
	if (fd >= 0)
		close(fd);
	unlink(file);
	unlink(in);
	rmdir(dir);
	return ret;
}

static int check_file(const struct site *s, const struct site_server *srv, const char *root,
		      const char *what, const char *path, struct diag *d)
{
	char full[4096];
	struct stat st;

	if ((size_t)snprintf(full, sizeof(full), "%s%s", root ? root : "", path) >= sizeof(full))
		return -ENAMETOOLONG;
	if (stat(full, &st) == 0 && S_ISREG(st.st_mode))
		return 0;
	return diag(d, &(struct srcloc){ s->file, srv->tls.line }, -ENOENT,
		    "TLS %s '%s' of server '%s' is missing%s%s; install it before applying",
		    what, path, srv->name, root ? " under " : "", root ? root : "");
}

int daemon_check_tls(const struct site *s, const struct site_server *srv, const char *root,
		     struct diag *d)
{
	int ret;

	if (!server_has_tls(srv))
		return 0;
	ret = check_file(s, srv, root, "certificate", srv->tls.cert, d);
	if (strcmp(srv->tls.key, srv->tls.cert)) {
		int r = check_file(s, srv, root, "key", srv->tls.key, d);

		if (ret == 0)
			ret = r;
	}
	return ret;
}

/* Run @command; on failure @status and @out say how.  0, -ETIME, -ECHILD or -errno. */
static int run_reload(const char *command, const char *root, char *out, int *status)
{
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)command, NULL };
	char *root_var = NULL;
	char **envp;
	size_t n = 0;
	int ret;

	/* The child's environment: ours, with FTPCFG_ROOT naming the root. */
	while (environ[n])
		n++;
	envp = calloc(n + 2, sizeof(*envp));
	if (!envp || asprintf(&root_var, "FTPCFG_ROOT=%s", root ? root : "/") < 0) {
		free(envp);
		return -ENOMEM;
	}
	n = 0;
	for (char **e = environ; *e; e++)
		if (strncmp(*e, "FTPCFG_ROOT=", 12))
			envp[n++] = *e;
	envp[n] = root_var;
	ret = run(argv, envp, NULL, out, status);
	free(root_var);
	free(envp);
	if (ret == 0 && !(WIFEXITED(*status) && WEXITSTATUS(*status) == 0))
		ret = -ECHILD;
	flatten(out);
	return ret;
}

int daemon_reload(const struct site *s, const struct site_server *srv, const char *root,
		  struct diag *d)
{
	char out[MAX_OUTPUT];
	int status = 0;
	int ret = run_reload(srv->reload, root, out, &status);

	if (ret == 0)
		return 0;
	if (ret == -ETIME)
		return diag(d, &(struct srcloc){ s->file, srv->config_line }, -ECHILD,
			    "reload of server '%s' ('%s') did not finish in %d s", srv->name,
			    srv->reload, (int)(child_timeout_ms() / 1000));
	return diag(d, &(struct srcloc){ s->file, srv->config_line }, -ECHILD,
		    "reload of server '%s' failed ('%s' exited %d)%s%s", srv->name, srv->reload,
		    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
		    *out ? ": " : "", out);
}

int daemon_exec(char *const argv[], char out[DAEMON_OUTPUT_MAX], int *exit_code)
{
	int status = 0;
	int ret = run(argv, NULL, NULL, out, &status);

	if (ret == 0)
		*exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return ret;
}

int daemon_reload_command(const char *command, const char *root, struct diag *d)
{
	char out[MAX_OUTPUT];
	int status = 0;
	int ret = run_reload(command, root, out, &status);

	if (ret == 0)
		return 0;
	if (ret == -ETIME)
		return diag(d, NULL, -ECHILD, "reload '%s' did not finish in %d s", command,
			    (int)(child_timeout_ms() / 1000));
	return diag(d, NULL, -ECHILD, "reload '%s' failed (exited %d)%s%s", command,
		    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
		    *out ? ": " : "", out);
}

int daemon_run_reload(const char *command, const char *root, struct diag *d)
{
	char out[MAX_OUTPUT];
	int status = 0;
	int ret = run_reload(command, root, out, &status);

	if (ret == 0)
		return 0;
	diag_warn(d, NULL, "reload '%s' failed while putting the old configuration back%s%s; "
		  "reload the daemon by hand", command, *out ? ": " : "", out);
	return -ECHILD;
}
