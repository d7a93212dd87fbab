/*
 * txn: changes to files on disk, made safely.  Every write goes to a temp
 * file in the target's directory and is renamed into place; a symlink on
 * the way is refused, never followed.
 */
#ifndef FTPCFG_TXN_H
#define FTPCFG_TXN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "diag.h"

/*
 * Write @len bytes of @data to @root/@path (@root may be NULL for "/").
 * Missing parent directories under @root are created (0755).  An existing
 * file keeps its owner and mode; a new one gets @mode.  The file is
 * fsync'ed before the rename and its directory after.  A symlink at any
 * component below @root, or a target that is not a regular file, is an
 * error.  Returns 0 or a negative errno, with the reason in @d.
 */
int txn_write_file(const char *root, const char *path, const void *data, size_t len,
		   mode_t mode, struct diag *d);

/*
 * txn_write_file() without the fsyncs, for a cache whose every use checks
 * it against the real thing (a crash can leave it stale or torn, never
 * wrongly trusted).  Mode 0600 for a new file.
 */
int txn_write_cache(const char *root, const char *path, const void *data, size_t len,
		    struct diag *d);

/*
 * Read @root/@path without following symlinks below @root.  *out is a new
 * NUL-terminated buffer (owned by the caller) or NULL when the file does
 * not exist; *st gets its mode and owner when it does.  Files larger than
 * TXN_MAX_FILE are refused.  0 or a negative errno (with a diag).
 */
#define TXN_MAX_FILE (16u * 1024 * 1024)
struct stat;
int txn_read_file(const char *root, const char *path, char **out, size_t *len, struct stat *st,
		  struct diag *d);

/*
 * Open @root/@path for reading, with the checks of txn_read_file(): *fd is
 * -1 when the file does not exist.  0 or a negative errno (with a diag).
 */
int txn_open_file(const char *root, const char *path, struct stat *st, struct diag *d, int *fd);

/* mkdir -p: parents 0755, the last component @mode.  0 or -errno. */
int txn_mkdir_p(const char *path, mode_t mode);

/* Remove @root/@path if it exists (no symlink followed).  0 or a negative errno. */
int txn_remove_file(const char *root, const char *path, struct diag *d);

/*
 * The transaction around an apply: a lock, a journal of what is about to
 * change, and its recovery.  The state directory holds:
 *   lock          flock()ed for the whole transaction
 *   journal/      present only while files or the ruleset may be half
 *                 changed: manifest.json + one copy per journaled file
 *   journal.new/  a journal being written (nothing changed yet)
 *   last/         the journal of the last successful apply, for rollback
 *   applied.json  the record of the last apply (status)
 * A zero-initialised struct txn is valid and txn_end() on it is a no-op.
 */
struct txn {
	char *state_dir;	/* owned */
	const char *root;	/* not owned; NULL for "/" */
	int lock_fd;		/* -1 when not locked; 0 in a zeroed struct means "never opened" */
	bool locked;
	struct diag *d;
};

/* Create the state directory if needed and take the lock: -EAGAIN when another run holds it. */
int txn_begin(struct txn *t, const char *root, const char *state_dir, struct diag *d);

/* Release the lock and free what @t holds. */
void txn_end(struct txn *t);

/* One file in a journal: its path and what it was before the change. */
struct txn_saved {
	char *path;		/* owned; path on the target (no root) */
	bool existed;
	char *content;		/* owned; NULL when !existed */
	size_t len;
	unsigned mode;
	unsigned uid;
	unsigned gid;
};

struct txn_journal {
	struct txn_saved *files;
	size_t n_files;
	char *ruleset;		/* owned; the old ruleset as the caller serialised it, NULL = none */
	char *meta;		/* owned; caller's JSON text (e.g. what was managed), may be NULL */
};

void txn_journal_release(struct txn_journal *j);

/*
 * Record the current content of each of @paths (under the root) and the
 * caller's serialised ruleset into journal/, atomically: a crash leaves
 * either no journal or a complete one.  The journal is filled into @j too,
 * and *@ruleset (may be NULL) moves into j->ruleset: *@ruleset is NULL
 * afterwards, also on failure (a copy of 2 MB was fresh memory to fault in).
 * @ruleset_file (may be NULL) names a state file that holds exactly
 * the ruleset: it is hard-linked into the journal instead of written again
 * (it must only ever be replaced by rename, as txn_write_file() does).
 */
int txn_journal_write(struct txn *t, const char *const *paths, size_t n_paths,
		      char **ruleset, const char *ruleset_file, const char *meta,
		      struct txn_journal *j);

/*
 * Load journal/ (dir "journal") or last/ (dir "last") into @j.  -ENOENT when
 * there is none.  A half-written journal.new/ is removed: nothing had changed.
 */
int txn_journal_read(struct txn *t, const char *dir, struct txn_journal *j);

/* Put every journaled file back as it was (content, mode, owner; removed if it did not exist). */
int txn_journal_restore_files(struct txn *t, const struct txn_journal *j);

/* The change is complete: journal/ becomes last/ (replacing the previous one). */
int txn_journal_close(struct txn *t);

/* Drop journal/ after a rollback restored everything. */
int txn_journal_discard(struct txn *t);

/* The ruleset the last apply committed, beside its record (format of ruleset_json). */
#define TXN_APPLIED_RULESET "/applied-ruleset.json"

/* Write @json as the record of the last apply (applied.json), atomically. */
int txn_record(struct txn *t, const char *json);

/* Read the record; *out NULL when there is none. */
int txn_read_record(struct txn *t, char **out);

#endif
