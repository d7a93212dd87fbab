/*
 * apply_confirm: apply --confirm's other half.  A detached watcher (two
 * forks, setsid, every descriptor closed) waits for the deadline and
 * rolls back what was not confirmed; every run that takes the lock
 * checks the deadline too, so a watcher that died leaves nothing
 * unconfirmed for long.  It reverts only the very change that awaited
 * confirmation (the last journal, by its seal), never anything else.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "apply.h"
#include "apply_history.h"
#include "apply_txn.h"
#include "diag.h"

/* How often the watcher looks whether the change was confirmed: a confirm is seen this fast. */
#define WATCH_POLL_MS 200
/* How long the watcher waits for the lock after the deadline (a run holds it), in polls. */
#define WATCH_LOCK_POLLS 600

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Roll back the unconfirmed change @p (it must still be the last one), as its own run. */
static int revert(struct ctx *c, struct state *s, struct nft_netlink *nl, unsigned flags,
		  const struct state_confirm *p, struct audit *outer)
{
	struct state_journal last = { 0 };
	struct audit a = { .command = "revert", .outcome = "rolled back (not confirmed)" };
	char when[DIAG_TIME_LEN];
	char err[512];
	int ret;

	diag_time(p->deadline, when);
	ret = state_journal_read(s, true, &last);
	if (ret < 0 && ret != -ENOENT)
		return ret;
	if (ret == -ENOENT || memcmp(last.sha256, p->journal_sha256, STATE_SHA256_LEN)) {
		/* Rolled back or replaced since: nothing of it is left to revert. */
		state_journal_release(&last);
		diag_warn(c->diag, NULL, "generation %u awaited confirmation until %s, but it is no "
			  "longer the last change; nothing to revert", p->generation, when);
		return state_confirm_clear(s);
	}
	ret = apply_rollback_locked(c, s, nl, flags, &last, &a);
	state_journal_release(&last);
	audit_log(&a, ret < 0 ? audit_first_error(c->diag, err, sizeof(err)) : NULL);
	audit_release(&a);
	if (ret < 0)
		return diag(c->diag, NULL, ret, "generation %u was not confirmed by %s, and rolling "
			    "it back failed; see above, then run 'ftpcfg rollback'", p->generation,
			    when);
	diag_warn(c->diag, NULL, "generation %u was not confirmed by %s: rolled back to what was "
		  "there before it (kept as generation %u)", p->generation, when, a.generation);
	if (outer)
		outer->reverted_first = p->generation;
	return state_reread_record(s);
}

int apply_confirm_settle(struct ctx *c, struct state *s, struct nft_netlink *nl,
			 unsigned flags, bool *pending, struct state_confirm *p, struct audit *a)
{
	int ret;

	*pending = false;
	ret = state_confirm_read(s, p);
	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	if ((int64_t)time(NULL) < p->deadline) {
		*pending = true;
		return 0;
	}
	if (a)
		a->step = "revert";
	return revert(c, s, nl, flags, p, a);
}

/* The watcher, in the detached grandchild: its own diag, no document, no descriptors. */
static void watcher_main(const struct ctx *c, const struct state_confirm *p)
{
	struct diag d;
	struct ctx wc = *c;
	int fd;

	close_range(0, ~0U, 0);
	/* "ps" and "pgrep -x" tell it from the apply that started it. */
	prctl(PR_SET_NAME, "ftpcfg-watch", 0, 0, 0);
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	if (chdir("/") < 0) {
		/* The state directory is reached by its path: the cwd does not matter. */
	}
	diag_init(&d);
	wc.diag = &d;
	wc.json = NULL;
	apply_confirm_watch(&wc, p);
	diag_release(&d);
	_exit(0);
}

int apply_confirm_start(struct ctx *c, struct state *s, const struct state_confirm *p,
			struct audit *a)
{
	struct state_confirm w = *p;
	int fds[2];
	pid_t child;
	pid_t pid = 0;
	int status;
	ssize_t n;

	if (pipe2(fds, O_CLOEXEC) < 0)
		goto fail;
	fflush(NULL);
	child = fork();
	if (child < 0) {
		close(fds[0]);
		close(fds[1]);
		goto fail;
	}
	if (child == 0) {
		/* A session of its own, then a grandchild that init adopts: no terminal, no wait. */
		pid_t g;

		close(fds[0]);
		setsid();
		signal(SIGHUP, SIG_IGN);
		g = fork();
		if (g == 0)
			watcher_main(c, p);
		if (write(fds[1], &g, sizeof(g)) < 0)
			_exit(1);
		_exit(g < 0);
	}
	close(fds[1]);
	do
		n = read(fds[0], &pid, sizeof(pid));
	while (n < 0 && errno == EINTR);
	close(fds[0]);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(pid) || pid <= 0)
		goto fail;
	w.watcher_pid = pid;
	a->watcher_pid = pid;
	if (state_confirm_write(s, &w) < 0)
		diag_warn(c->diag, NULL, "the watcher (PID %ld) runs, but its PID could not be noted",
			  (long)pid);
	return 0;
fail:
	diag_warn(c->diag, NULL, "cannot start the watcher of the confirmation (%s); unless "
		  "confirmed, the change is rolled back by the first ftpcfg run after the deadline",
		  strerror(errno));
	return 0;
}

/* Does the watcher noted in @p run (its PID, by the name it gave itself)? */
static bool watcher_runs(const struct state_confirm *p)
{
	static const char name[] = "ftpcfg-watch\n";
	char path[64];
	char comm[32];
	ssize_t n;
	int fd;

	if (p->watcher_pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%lld/comm", (long long)p->watcher_pid);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	n = read(fd, comm, sizeof(comm));
	close(fd);
	return n == (ssize_t)strlen(name) && !memcmp(comm, name, strlen(name));
}

int apply_confirm_rewatch(struct ctx *c, struct state *s, const struct state_confirm *p,
			  struct audit *a)
{
	char when[DIAG_TIME_LEN];

	if (watcher_runs(p))
		return 0;
	diag_time(p->deadline, when);
	diag_warn(c->diag, NULL, "generation %u awaits confirmation until %s, but its watcher is "
		  "gone (a reboot?); a new one rolls it back then unless 'ftpcfg confirm' runs first",
		  p->generation, when);
	return apply_confirm_start(c, s, p, a);
}

/* Still the same pending confirmation (not confirmed, not replaced)? */
static bool still_pending(const struct state *s, const struct state_confirm *p)
{
	struct state_confirm now;

	if (state_confirm_read(s, &now) < 0)
		return false;
	return now.generation == p->generation &&
	       !memcmp(now.journal_sha256, p->journal_sha256, STATE_SHA256_LEN);
}

int apply_confirm_watch(struct ctx *c, const struct state_confirm *p)
{
	struct state s;
	struct nft_netlink *nl = NULL;
	struct state_confirm cur;
	bool pending = false;
	int ret;

	ret = state_open(c, 0, &s);
	if (ret < 0)
		return ret;
	while ((int64_t)time(NULL) < p->deadline && still_pending(&s, p))
		sleep_ms(WATCH_POLL_MS);
	ret = still_pending(&s, p) ? 0 : -ECANCELED;
	state_close(&s);
	if (ret < 0)
		return 0;	/* confirmed, or settled otherwise */
	for (int i = 0; i < WATCH_LOCK_POLLS; i++) {
		diag_release(c->diag);
		diag_init(c->diag);
		ret = state_open(c, STATE_LOCK, &s);
		if (ret != -EAGAIN)
			break;
		state_close(&s);
		sleep_ms(WATCH_POLL_MS);
	}
	if (ret == 0)
		ret = apply_txn_open_netlink(c, &nl);
	if (ret == 0)
		ret = apply_txn_recover(c, &s, nl, 0);
	/* Only this confirmation: a newer one has a watcher of its own. */
	if (ret == 0 && still_pending(&s, p))
		ret = apply_confirm_settle(c, &s, nl, 0, &pending, &cur, NULL);
	nft_netlink_close(nl);
	state_close(&s);
	return ret;
}

int apply_confirm(struct ctx *c, bool *was_pending, struct state_confirm *p, struct audit *a)
{
	struct state s;
	struct nft_netlink *nl = NULL;
	bool pending = false;
	int ret;

	*was_pending = false;
	a->step = "lock";
	ret = state_open(c, STATE_LOCK, &s);
	if (ret == 0 && s.dirfd < 0)
		goto out;	/* no state directory: nothing was ever applied */
	if (ret == 0)
		ret = apply_txn_open_netlink(c, &nl);
	if (ret == 0) {
		a->step = "recover";
		ret = apply_txn_recover(c, &s, nl, 0);
	}
	if (ret == 0)
		ret = apply_confirm_settle(c, &s, nl, 0, &pending, p, a);
	if (ret < 0)
		goto out;
	if (a->reverted_first) {
		*was_pending = true;
		ret = diag(c->diag, NULL, -ETIME, "too late: generation %u was not confirmed in time "
			   "and has been rolled back; apply it again to retry", a->reverted_first);
		goto out;
	}
	if (!pending)
		goto out;
	*was_pending = true;
	a->step = "confirm";
	a->generation = p->generation;
	ret = state_confirm_clear(&s);
out:
	nft_netlink_close(nl);
	state_close(&s);
	return ret;
}
