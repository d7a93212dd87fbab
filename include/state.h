/*
 * state: the one owner of ftpcfg's state directory and of everything in
 * it: the lock, the journal of a transaction, the record of the last
 * apply (a typed struct, stored as a sealed binary file), and the SHA-256
 * hashes by which files are recognised.  Nothing else opens a file in the
 * state directory.
 *
 * The directory is trusted only when it is a real directory (not a
 * symlink) owned by root (by the running user when not root) and not
 * writable by group or others; inside it no symlink is ever followed, and
 * a file is believed only when its seal (magic, version, length, SHA-256)
 * is whole and, for a journal, when it names this very directory.
 *
 * Files in the state directory:
 *   lock      flock()ed by every run that may change something
 *   record    the last apply: what was applied, to which target, with
 *             which site (its path and SHA-256), the file hashes, the
 *             generation and where it counts, and the ruleset file
 *   rs.HEX    a ruleset a record names, kept once, named by its seal
 *             (src/state_ruleset.c); swept when nothing names it
 *   journal   present only while files or the ruleset may be half
 *             changed: what they were before, to put back
 *   last      the journal of the last completed change, for rollback
 *   gen.N     generation N of the history: one completed change (apply,
 *             rollback, remove), its journal's seal and what it left,
 *             for `history` and `rollback --to N` (src/state_history.c)
 *   confirm   an apply --confirm awaiting `ftpcfg confirm`: its deadline
 *   origins   each managed file as it was before ftpcfg first wrote it,
 *             for remove (src/state_origin.c)
 *   .NAME.ftpcfg-tmp-PID  a file being written; removed by the next run
 */
#ifndef FTPCFG_STATE_H
#define FTPCFG_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "cmd.h"
#include "diag.h"
#include "ruleset.h"

/*
 * The largest state file read: two rulesets of the largest site the site
 * limit admits (a <network> is at least 20 bytes of XML, an IPv6 range 32
 * bytes of state) and the daemon files, with room to spare.
 */
#define STATE_MAX_FILE ((size_t)256 << 20)

#define STATE_SHA256_LEN 32
/* "sha256sum" prints these as 64 hex digits. */
#define STATE_SHA256_HEX (2 * STATE_SHA256_LEN + 1)

void state_sha256(const void *data, size_t len, uint8_t out[STATE_SHA256_LEN]);
void state_sha256_hex(const uint8_t h[STATE_SHA256_LEN], char out[STATE_SHA256_HEX]);

/*
 * A file the record lists: its path on the target (no root), its hash as
 * written, and the reload command of the server that writes it (what
 * remove runs after putting the file back; NULL in records written before
 * it was kept).
 */
struct state_file {
	char *path;			/* owned */
	uint8_t sha256[STATE_SHA256_LEN];
	char *reload;			/* owned, may be NULL */
};

/*
 * The conflict check's verdict at a record's generation, kept so that a
 * run that finds the kernel still at that generation (nothing in any
 * table moved) need not read every other table again.
 */
enum state_guard {
	STATE_GUARD_UNKNOWN = 0,	/* not kept: check */
	/*
	 * No other table had a base chain on the prerouting, input or output hook:
	 * nothing can drop what ftpcfg accepts, whatever that is, until the
	 * generation moves.
	 */
	STATE_GUARD_NO_FOREIGN = 1,
};

/* A warning validation gave about the site, said again by a no-op apply. */
struct state_warning {
	char *file;			/* owned, may be NULL */
	unsigned line;
	char *message;			/* owned */
};

struct state_record {
	int64_t time;			/* seconds since the epoch, UTC */
	char *site;			/* owned: the site's path as given */
	char *site_name;		/* owned */
	uint8_t site_sha256[STATE_SHA256_LEN];
	/* This ftpcfg's version, schema and stylesheets: the same input renders the same. */
	uint8_t input_sha256[STATE_SHA256_LEN];
	/*
	 * The ruleset generation right after this apply's own commit, in
	 * @instance (boot id and namespace cookie); 0 when it could not be
	 * told from someone else's commit.
	 */
	uint32_t genid;
	char *instance;			/* owned, may be NULL */
	enum state_guard guard;		/* the conflict check at @genid */
	/* The journal this apply wrote (its seal): a journal so named is complete. */
	uint8_t journal_sha256[STATE_SHA256_LEN];
	struct state_file *files;	/* owned */
	size_t n_files;
	struct state_warning *warnings;	/* owned */
	size_t n_warnings;
	struct ruleset *ruleset;	/* owned: what was committed; names the target */
	/*
	 * The seal of the ruleset file that holds @ruleset (rs.HEX in the
	 * state directory), when known: set by a read of a record that names
	 * one, and by a write.  A write given it writes no ruleset when that
	 * file is there.
	 */
	uint8_t ruleset_sha256[STATE_SHA256_LEN];
	bool has_ruleset_sha256;
};

/* NULL-safe. */
void state_record_free(struct state_record *r);

struct state_record_job;

/*
 * An open state directory.  Zeroed with the descriptors at -1 it is
 * closed; state_close() on it is a no-op.
 */
struct state {
	char *dir;			/* owned: the path, for messages */
	const char *root;		/* not owned: --root, NULL for "/" */
	int dirfd;			/* -1 when the directory does not exist (read-only) */
	int lock_fd;			/* the state directory's lock, -1 when not taken */
	int root_lock_fd;		/* the root directory itself, flock()ed: see state_open() */
	uint64_t dir_dev;		/* the directory's identity, read once at open: state */
	uint64_t dir_ino;		/* files are bound to it */
	struct diag *d;
	struct state_record *rec;	/* owned: the record, read once; NULL when none */
	uint8_t *rec_raw;		/* owned: its bytes as read (a journal keeps them) */
	size_t rec_raw_len;
	bool rec_damaged;		/* a record is there but cannot be believed */
	/*
	 * Opened with STATE_RECORD_HEAD: rec's ruleset is still undecoded in
	 * rec_raw (pending), until state_record_complete().
	 */
	struct state_rest {
		bool pending;
		bool ir_marks;		/* the codec's: the rules carry their ct mark */
		size_t off;		/* where the ruleset starts, in the sealed body */
		size_t len;		/* the sealed body's length */
	} rec_rest;
	uint8_t *rec_written;		/* owned: the record this run wrote, as written (history) */
	size_t rec_written_len;
	/*
	 * The record says `ftpcfg remove` took everything off (rec is NULL,
	 * rec_raw holds the marker): when, and the journal of that removal.
	 */
	bool removed;
	int64_t removed_time;
	uint8_t removed_journal[STATE_SHA256_LEN];
	bool journal_left;		/* a journal is there (an interrupted run) */
	struct state_record_job *rec_job; /* owned: state_record_complete_start()'s */
	/* This run wrote, renamed or removed a state file: state_close() sweeps. */
	bool changed;
	/*
	 * The ruleset file the record on disk names, when this run knows it
	 * (read or written it): known, with its seal in rec_names, or known
	 * to name none; else the sweep reads the record.
	 */
	enum { STATE_NAMES_UNKNOWN, STATE_NAMES_NONE, STATE_NAMES_ONE } rec_names_state;
	uint8_t rec_names[STATE_SHA256_LEN];
	/* A ruleset file this run wrote or read whole and found intact: not read again to check. */
	bool rs_known_set;
	uint8_t rs_known[STATE_SHA256_LEN];
};

enum state_flags {
	/*
	 * Take the locks (-EAGAIN when another run holds one), create the
	 * directory when missing and remove the temporary files of killed
	 * runs.  Without it the directory is only read, and may be missing.
	 */
	STATE_LOCK = 1U << 0,
	/*
	 * Decode the record but its ruleset (rec->ruleset NULL): what the
	 * no-op check needs, and a fraction of the decoding at 100 000
	 * networks.  The seal is still checked over the whole record.  The
	 * caller calls state_record_complete() before anything reads the
	 * ruleset.
	 */
	STATE_RECORD_HEAD = 1U << 1,
};

/*
 * Open the state directory of @c (--state-dir, else ROOT/var/lib/ftpcfg),
 * check it, and read the record.  With STATE_LOCK two locks are taken: the
 * directory's lock and a flock on the root directory, so that two state
 * directories over one root cannot change it at once.  A damaged record
 * is not an error here (rec_damaged); a hostile directory is: -EPERM with
 * the command that fixes it.  0 or -errno, with the reason in c->diag.
 */
int state_open(const struct ctx *c, unsigned flags, struct state *s);

/*
 * The state directory must exist from here on (an apply is about to
 * change something): create it when missing and take its lock.  0 or
 * -errno with a diag.
 */
int state_create(struct state *s);

/*
 * Decode the ruleset of a record opened with STATE_RECORD_HEAD; a no-op
 * otherwise.  A ruleset that does not decode makes the record damaged
 * (rec NULL, rec_damaged), as state_open() would have.  0, or -ENOMEM
 * with a diag.
 */
int state_record_complete(struct state *s);

/*
 * Start reading the ruleset file the record names in a thread, for a
 * caller that will need it and has other work first (an apply parses the
 * site meanwhile); state_record_complete() waits for it.  Read here and
 * now when no thread can be made (include/task.h); nothing when the
 * ruleset is inline (state_record_complete() decodes it).  Until the join
 * nothing may change @s.
 */
void state_record_complete_start(struct state *s);
/* Wait for a started read and drop what it read (state_close() does it too). */
void state_record_complete_cancel(struct state *s);

/* Read the record again (after a recovery put an old one back).  0 or -errno. */
int state_reread_record(struct state *s);

/*
 * Release the locks and free what @s holds; a run that changed a state
 * file first removes the ruleset files nothing names any more.
 */
void state_close(struct state *s);

/*
 * Write @r as the record (temp file, fsync, rename, fsync of the
 * directory), its ruleset as the file it names unless r->ruleset_sha256
 * names one that is there; sets r->ruleset_sha256.  r->time is set now
 * when it is 0 (a restore keeps the apply's); s->rec_written keeps what
 * was written.  0 or -errno with a diag.
 */
int state_record_write(struct state *s, struct state_record *r);

/*
 * Write @rs as the ruleset file a record will name, in a thread beside
 * the caller's (or here and now when none can be made): the encoding, the
 * write and its fsync overlap the journal and the kernel's commit.  @rs
 * must not change until state_ruleset_finish(), which every started job
 * needs (it frees it); @h NULL: the job is only waited for (a failed
 * change), its file left to the sweep.  0 or -errno, with a diag from
 * finish.
 */
struct state_ruleset_job;
int state_ruleset_start(struct state *s, const struct ruleset *rs,
			struct state_ruleset_job **out);
int state_ruleset_finish(struct state *s, struct state_ruleset_job *job,
			 uint8_t h[STATE_SHA256_LEN]);

/*
 * Decode a record image (a journal's or a generation's copy) written for
 * this directory.  0, -ENOMEM or -EUCLEAN; *out owned.
 */
int state_record_decode(const struct state *s, const uint8_t *data, size_t len,
			struct state_record **out);

/*
 * Replace the record by the marker of a removal: nothing is managed any
 * more, as `ftpcfg remove` left it; it names the removal's journal
 * (@journal_sha256), so that a run killed after this step is known to
 * have completed.  A later open has rec NULL and removed set;
 * s->rec_written keeps what was written.  0 or -errno with a diag.
 */
int state_record_write_removed(struct state *s, const uint8_t journal_sha256[STATE_SHA256_LEN]);

/*
 * The journal whose change the record names (an apply's, or a removal's):
 * a journal so named is complete.  NULL when there is no believable record.
 */
const uint8_t *state_record_journal(const struct state *s);

/* Put @len bytes back as the record (a journal's copy), or remove it (@data NULL). */
int state_record_restore(struct state *s, const uint8_t *data, size_t len);

/*
 * *vouches: the record's generation is the live one, in the same boot
 * and namespace: the kernel holds exactly rec->ruleset.  Reads the
 * generation through @nl.  0 or -errno.
 */
struct nft_netlink;
int state_record_vouches(const struct state *s, struct nft_netlink *nl, bool *vouches);

/* A managed file against what the record says of it. */
enum state_file_state {
	STATE_FILE_AS_APPLIED,
	STATE_FILE_CHANGED,
	STATE_FILE_MISSING,
	STATE_FILE_UNREADABLE,
};

/* Hash @root/@f->path (no symlink followed) and compare.  Unreadable: the reason in @d. */
enum state_file_state state_file_check(const char *root, const struct state_file *f,
				       struct diag *d);

/* One file saved in a journal: what it was before the change. */
struct state_saved {
	char *path;			/* owned; on the target (no root) */
	bool existed;
	char *content;			/* owned; NULL when !existed */
	size_t len;
	unsigned mode;
	unsigned uid;
	unsigned gid;
};

struct state_journal {
	struct state_saved *files;	/* owned */
	size_t n_files;
	/* The target (family, table, attach point) and nothing else: what to put back into. */
	struct ruleset *shape;		/* owned */
	struct ruleset *ruleset;	/* owned: ftpcfg's ruleset before, NULL = none */
	/*
	 * @ruleset is the one @record holds: it is written once, inside the
	 * record, and a read takes it from there.  A record is the largest
	 * part of a change's state at 100 000 networks, and a journal and a
	 * generation each keep one anyway.  Set by a caller that knows it
	 * (the kernel was vouched to hold the record's ruleset, or the record
	 * was written from that very ruleset), and by a read.
	 */
	bool ruleset_in_record;
	char **reloads;			/* owned: commands of the servers whose files change */
	size_t n_reloads;
	uint8_t *record;		/* owned: the record before, verbatim; NULL = none */
	size_t record_len;
	/* owned: what each integration the change touches had before (include/backend.h) */
	struct backend_saved *integ;
	size_t n_integ;
	uint8_t sha256[STATE_SHA256_LEN]; /* the journal's seal, set by write and read */
};

void state_journal_release(struct state_journal *j);

/*
 * Write @j as the journal, atomically: a crash leaves either none or a
 * whole one; @old (may be NULL) is written as its ruleset (j->ruleset is
 * what a read gives back, unused here), or, with j->ruleset_in_record,
 * named as the one j->record holds, which must then be @old.  Sets
 * j->sha256.  0 or -errno with a diag.
 */
int state_journal_write(struct state *s, struct state_journal *j, const struct ruleset *old);

/*
 * Read the journal (@last false) or the last one (@last true) into @j.
 * -ENOENT when there is none; -EUCLEAN (with a diag saying what to do)
 * when it is damaged or belongs to another directory.
 */
int state_journal_read(struct state *s, bool last, struct state_journal *j);

/*
 * The change is complete: the journal becomes the last one (one rename).
 * 0; 1 when it is renamed but the directory's fsync failed (retired, but a
 * crash before the directory reaches the disk can bring the journal back);
 * or -errno (errno set, no diag) when it is still the journal.
 */
int state_journal_close(struct state *s);

/* Drop the journal after everything was put back. */
int state_journal_discard(struct state *s);

/* ---- history (src/state_history.c) ------------------------------------- */

/* Generations kept unless --keep-history says otherwise, and the most it may say. */
#define STATE_HISTORY_DEFAULT 10
#define STATE_HISTORY_MAX 1000

/* What `history` lists of one generation. */
struct state_gen {
	unsigned number;		/* 1, 2, ...; set by state_gen_write() */
	int64_t time;			/* seconds since the epoch, UTC; set by write */
	char *user;			/* owned: SUDO_USER, else the uid's name */
	char *command;			/* owned: "apply", "rollback --to 3", "confirm" ... */
	char *outcome;			/* owned: "applied", "rolled back", ... */
	char *site;			/* owned, may be NULL: the site's path as given */
	char *site_name;		/* owned, may be NULL */
	bool has_site_sha256;
	uint8_t site_sha256[STATE_SHA256_LEN];
	uint64_t added;			/* the plan's summary */
	uint64_t changed;
	uint64_t deleted;
	/* The change's journal (its seal): recovery drops the generation of an undone one. */
	uint8_t journal_sha256[STATE_SHA256_LEN];
	bool damaged;			/* listed, but cannot be believed (number from its name) */
};

void state_gen_release(struct state_gen *g);

/*
 * Keep the change in progress as the next generation (the highest number
 * there plus one, into g->number; g->time set now): @g (which names the
 * change's journal by its seal) and @after, what the change leaves (files
 * with their content, owner and mode or absent, the target, the ruleset in
 * after->ruleset, the reload commands, the record as written), which
 * `rollback --to` puts back.  With after->ruleset_in_record the ruleset is
 * kept once, inside the record.  0 or -errno with a diag.
 */
int state_gen_write(struct state *s, struct state_gen *g, const struct state_journal *after);

/*
 * Every generation, by number (oldest first); a file that cannot be
 * believed is listed with damaged set and a warning in the diag.  0 or
 * -errno; *out owned (release each, then free).
 */
int state_gen_list(struct state *s, struct state_gen **out, size_t *n);

/*
 * Generation @number: its summary into @g and what it left into @after.
 * -ENOENT (with a diag naming the ones there), -EUCLEAN (damaged, planted
 * or copied from another directory: a diag says what to do), or 0.
 */
int state_gen_read(struct state *s, unsigned number, struct state_gen *g,
		   struct state_journal *after);

/* Remove the oldest generations until @keep are left.  0 or -errno (no diag: a warning's matter). */
int state_gen_prune(struct state *s, unsigned keep);

/* Remove the generation whose journal is @journal_sha256 (its change was undone). */
int state_gen_drop_journal(struct state *s, const uint8_t journal_sha256[STATE_SHA256_LEN]);

/* ---- a change awaiting confirmation (src/state_history.c) --------------- */

struct state_confirm {
	int64_t since;			/* when it was applied, seconds since the epoch */
	int64_t deadline;		/* reverted unless confirmed by then */
	unsigned generation;		/* the change awaiting confirmation */
	uint8_t journal_sha256[STATE_SHA256_LEN];	/* its journal: what a revert undoes */
	int64_t watcher_pid;		/* 0 until the watcher started */
};

/* Write the pending confirmation.  0 or -errno with a diag. */
int state_confirm_write(struct state *s, const struct state_confirm *p);

/* Read it: -ENOENT when nothing is pending, -EUCLEAN (with a diag) when damaged. */
int state_confirm_read(const struct state *s, struct state_confirm *p);

/* Nothing is pending any more.  0 or -errno with a diag. */
int state_confirm_clear(struct state *s);
/* ---- originals (src/state_origin.c) -------------------------------------- */

/*
 * Each file ftpcfg manages as it was before ftpcfg first wrote it: its
 * content, owner and mode, or that it did not exist.  What `remove` puts
 * back.  One sealed file (STATE/origins) bound to the directory, like the
 * record; an entry is set when an apply first takes a path over and is
 * never replaced while the record lists that path.
 */
struct state_origins {
	struct state_saved *files;	/* owned */
	size_t n_files;
};

void state_origins_release(struct state_origins *o);

/*
 * Read STATE/origins into @o (empty when there is none).  -EUCLEAN (with a
 * diag saying what to do) when it is damaged, truncated, a symlink or
 * belongs to another directory; 0 or -errno.
 */
int state_origins_read(const struct state *s, struct state_origins *o);

/* The entry for @path, or NULL. */
const struct state_saved *state_origins_find(const struct state_origins *o, const char *path);

/*
 * Set the entry for @f->path to a copy of @f (replacing one there).
 * 0 or -ENOMEM.
 */
int state_origins_set(struct state_origins *o, const struct state_saved *f);

/* Write @o as STATE/origins, atomically (temp file, fsync, rename).  0 or -errno with a diag. */
int state_origins_write(struct state *s, const struct state_origins *o);

#endif
