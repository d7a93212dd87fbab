/*
 * backend_firewalld_cmd: firewall-cmd for the firewalld backend, run with
 * no shell, its output read back: every zone of the runtime or permanent
 * configuration with ftpcfg's rich rules in it (one call for all zones),
 * the default zone, and rich rules added or removed in batches.  What
 * firewall-cmd prints on failure goes into the diagnostic.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend_firewalld_int.h"

extern char **environ;

#define FWD_CMD "firewall-cmd"
/* firewall-cmd's output we read: a zone's rich rules, one a line. */
#define FWD_OUT_MAX (16U << 20)
/* Rich rules per firewall-cmd call: one argument each, well under ARG_MAX. */
#define FWD_BATCH 256

/*
 * Run firewall-cmd with @argv (argv[0] is FWD_CMD), no shell; its stdout
 * into *out (owned; may be NULL when not wanted).  0, or -EIO with a
 * record naming the command and what it printed.
 */
static int fwd_run(const struct backend_env *e, char *const argv[], char **out)
{
	posix_spawn_file_actions_t fa;
	char *buf = NULL;
	size_t len = 0;
	int fds[2] = { -1, -1 };
	int devnull = -1;
	int status = 0;
	pid_t pid = -1;
	int ret;

	if (out)
		*out = NULL;
	buf = malloc(FWD_OUT_MAX + 1);
	if (!buf)
		return -ENOMEM;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		ret = -errno;
		free(buf);
		return diag(e->d, NULL, ret, "cannot run %s: %s", FWD_CMD, strerror(-ret));
	}
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDERR_FILENO);
	if (devnull >= 0)
		posix_spawn_file_actions_adddup2(&fa, devnull, STDIN_FILENO);
	ret = -posix_spawnp(&pid, FWD_CMD, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (devnull >= 0)
		close(devnull);
	if (ret == 0) {
		for (;;) {
			ssize_t n = read(fds[0], buf + len, FWD_OUT_MAX - len);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			len += (size_t)n;
			if (len == FWD_OUT_MAX)
				break;
		}
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	close(fds[0]);
	buf[len] = '\0';
	if (ret < 0) {
		free(buf);
		return diag(e->d, NULL, -EIO, "cannot run %s (is firewalld installed?): %s",
			    FWD_CMD, strerror(-ret));
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
			buf[--len] = '\0';
		ret = diag(e->d, NULL, -EIO, "firewalld: '%s %s%s%s' failed (exit %d): %s", FWD_CMD,
			   argv[1], argv[2] ? " " : "", argv[2] ? argv[2] : "",
			   WIFEXITED(status) ? WEXITSTATUS(status) : -1,
			   len ? buf : "no message; is firewalld running?");
		free(buf);
		return ret;
	}
	if (out)
		*out = buf;
	else
		free(buf);
	return 0;
}

int fwd_default_zone(const struct backend_env *e, char *zone, size_t size)
{
	char *argv[] = { (char *)FWD_CMD, (char *)"--get-default-zone", NULL };
	char *out = NULL;
	size_t n;
	int ret = fwd_run(e, argv, &out);

	if (ret < 0)
		return ret;
	n = strcspn(out, "\n");
	if (!n || n >= size) {
		free(out);
		return diag(e->d, NULL, -EIO, "firewalld: no default zone");
	}
	memcpy(zone, out, n);
	zone[n] = '\0';
	free(out);
	return 0;
}

/* Add (@add) or remove each of @rules in @zone, runtime or permanent, FWD_BATCH a call. */
int fwd_change(const struct backend_env *e, const char *zone, bool permanent, bool add,
	       char *const *rules, size_t n)
{
	char zarg[96];
	char **argv = NULL;
	int ret = 0;

	snprintf(zarg, sizeof(zarg), "--zone=%s", zone);
	argv = calloc(FWD_BATCH * 2 + 5, sizeof(*argv));
	if (!argv)
		return -ENOMEM;
	for (size_t i = 0; i < n && ret == 0;) {
		size_t k = 0;
		char **owned = argv + FWD_BATCH + 4;	/* the option strings */
		size_t n_owned = 0;

		argv[k++] = (char *)FWD_CMD;
		if (permanent)
			argv[k++] = (char *)"--permanent";
		argv[k++] = zarg;
		for (; i < n && n_owned < FWD_BATCH - 1 && ret == 0; i++) {
			if (asprintf(&owned[n_owned], "--%s-rich-rule=%s", add ? "add" : "remove",
				     rules[i]) < 0) {
				ret = -ENOMEM;
				break;
			}
			argv[k++] = owned[n_owned++];
		}
		argv[k] = NULL;
		if (e->verbose && ret == 0)
			diag_progress("firewalld: %s %zu rich rule%s %s zone %s (%s)",
				      add ? "adding" : "removing", n_owned, n_owned == 1 ? "" : "s",
				      add ? "to" : "from", zone, permanent ? "permanent" : "runtime");
		if (ret == 0)
			ret = fwd_run(e, argv, NULL);
		for (size_t x = 0; x < n_owned; x++)
			free(owned[x]);
	}
	free(argv);
	return ret;
}

void fwd_zones_release(struct fwd_zones *z)
{
	for (size_t i = 0; i < z->n; i++) {
		free(z->v[i].name);
		fwd_rules_release(&z->v[i].rules);
	}
	free(z->v);
	memset(z, 0, sizeof(*z));
}

struct fwd_zone *fwd_zones_find(const struct fwd_zones *z, const char *name)
{
	for (size_t i = 0; i < z->n; i++)
		if (!strcmp(z->v[i].name, name))
			return &z->v[i];
	return NULL;
}

int fwd_zones_add(struct fwd_zones *z, const char *name, size_t len)
{
	if (z->n == z->alloc) {
		size_t n = z->alloc ? z->alloc * 2 : 16;
		struct fwd_zone *v = realloc(z->v, n * sizeof(*v));

		if (!v)
			return -ENOMEM;
		z->v = v;
		z->alloc = n;
	}
	memset(&z->v[z->n], 0, sizeof(z->v[z->n]));
	z->v[z->n].name = strndup(name, len);
	if (!z->v[z->n].name)
		return -ENOMEM;
	z->n++;
	return 0;
}

/*
 * One `firewall-cmd [--permanent] --list-all-zones`: each zone starts at
 * a line of its own at the left margin ("public (active)"), its
 * settings are indented below it, its rich rules one an indented line.
 * One call for every zone: firewall-cmd is a Python program, and a call
 * per zone costs seconds.
 */
int fwd_list_zones(const struct backend_env *e, bool permanent, struct fwd_zones *out)
{
	char *argv[4];
	char *text = NULL;
	size_t k = 0;
	int ret;

	argv[k++] = (char *)FWD_CMD;
	if (permanent)
		argv[k++] = (char *)"--permanent";
	argv[k++] = (char *)"--list-all-zones";
	argv[k] = NULL;
	ret = fwd_run(e, argv, &text);
	for (char *l = text; ret == 0 && l && *l;) {
		size_t n = strcspn(l, "\n");
		size_t ws = strspn(l, " \t");

		if (n > 0 && ws == 0)
			ret = fwd_zones_add(out, l, strcspn(l, " \n"));
		else if (n > ws && out->n && !strncmp(l + ws, FWD_RULE_HEAD, strlen(FWD_RULE_HEAD)))
			ret = fwd_rules_add(&out->v[out->n - 1].rules, l + ws, n - ws);
		l += n + (l[n] == '\n');
	}
	free(text);
	return ret;
}

/* @zone is one of @zones: 0; else -EINVAL said (at @at) with the zones there are. */
int fwd_zone_known(const struct backend_env *e, const struct fwd_zones *zones,
		   const char *zone, const struct srcloc *at)
{
	char *names = NULL;
	size_t len = 0;
	FILE *f;

	if (fwd_zones_find(zones, zone))
		return 0;
	f = open_memstream(&names, &len);
	for (size_t i = 0; f && i < zones->n; i++)
		fprintf(f, "%s%s", i ? ", " : "", zones->v[i].name);
	if (!f || fclose(f) != 0) {
		free(names);
		return -ENOMEM;
	}
	diag(e->d, at, -EINVAL, "firewalld has no zone '%s'; name one it has (%s), or create it "
	     "first (firewall-cmd --permanent --new-zone=%s, then firewall-cmd --reload)", zone,
	     names, zone);
	free(names);
	return -EINVAL;
}

int backend_firewalld_zone_check(const struct backend_env *e, const char *zone,
				 const struct srcloc *at)
{
	struct fwd_zones pm = { 0 };
	int ret = fwd_list_zones(e, true, &pm);

	if (ret == 0)
		ret = fwd_zone_known(e, &pm, zone, at);
	fwd_zones_release(&pm);
	return ret;
}
