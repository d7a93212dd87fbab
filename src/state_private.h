/*
 * state_private: shared by the state module's own files (state.c,
 * state_io.c, state_record.c, state_journal.c, state_history.c,
 * state_codec.c) and nothing else.
 */
#ifndef FTPCFG_STATE_PRIVATE_H
#define FTPCFG_STATE_PRIVATE_H

#include "state.h"
#include "state_codec.h"

#define STATE_RECORD "record"
#define STATE_JOURNAL "journal"
#define STATE_LAST "last"
/* In the name of every temporary file ftpcfg writes: the next run removes what it finds. */
#define STATE_TEMP_MARK ".ftpcfg-tmp-"

/* A state file, whole; -ENOENT when absent, -EUCLEAN when not a regular file of ours. */
int state_read_file(const struct state *s, const char *name, uint8_t **out, size_t *len);
/* Replace a state file: temp file, fsync, rename, fsync of the directory.  0 or -errno. */
int state_write_file(struct state *s, const char *name, const void *data, size_t len);
/*
 * The same but the directory's fsync, which is the caller's; it changes
 * nothing in @s (a thread beside the one that owns it may call it).
 */
int state_put_file(const struct state *s, const char *name, const void *data, size_t len);
/* Remove a state file, durably.  0 or -errno. */
int state_remove_file(struct state *s, const char *name);

/*
 * Read the record at open (@head_only: all but its ruleset, until
 * state_record_complete()); a damaged one sets s->rec_damaged, a removal's
 * marker s->removed.  0 or -errno after a diag.
 */
int state_read_record(struct state *s, bool head_only);

/*
 * The ruleset a record image names by its file (version 6 on): *has and
 * its seal in @h; none in older records and in a removal's marker.  0, or
 * -ENOMEM or -EUCLEAN for an image that is neither.
 */
int state_record_ref(const struct state *s, const uint8_t *data, size_t len,
		     uint8_t h[STATE_SHA256_LEN], bool *has);

/*
 * The ruleset files (src/state_ruleset.c).  Write @rs as one unless the
 * one of its seal is there, its seal into @h; the directory's fsync is
 * left to the record that names it.  0 or -errno.
 */
int state_ruleset_put(struct state *s, const struct ruleset *rs, uint8_t h[STATE_SHA256_LEN]);
/*
 * The ruleset file @h names is there and intact (its seal, bound here):
 * read to check unless this run wrote it or read it whole already.
 */
bool state_ruleset_have(struct state *s, const uint8_t h[STATE_SHA256_LEN]);
/* This run wrote the ruleset file @h names, or read it whole and found it intact. */
void state_ruleset_known(struct state *s, const uint8_t h[STATE_SHA256_LEN]);
/* Read it: 0, -ENOMEM, or -EUCLEAN when missing, damaged, or another directory's. */
int state_ruleset_get(const struct state *s, const uint8_t h[STATE_SHA256_LEN],
		      struct ruleset **out);
/*
 * Remove the ruleset files that neither the record, the journal, the last
 * journal nor a generation names; nothing when any of them cannot be read.
 */
void state_ruleset_sweep(struct state *s);

/* "gen.N" with N in plain digits: N, else 0 (not a generation's name). */
unsigned state_gen_number(const char *name);
/* Generation @number's image into what it left, its record's ruleset not read. */
int state_gen_decode_shallow(const struct state *s, unsigned number, const uint8_t *data,
			     size_t len, struct state_journal *after);

void state_put_binding(const struct state *s, struct sbuf *b);
bool state_binding_ok(const struct state *s, struct sread *r);

/* A journal's sealed image into @b (b->oom on failure); @old is its ruleset. */
void state_journal_encode(const struct state *s, const struct state_journal *j,
			  const struct ruleset *old, struct sbuf *b);
/*
 * A journal's image into @j (zeroed by the caller; released by it on any
 * failure): 0, -ENOMEM or -EUCLEAN (damaged, or bound to another directory).
 */
int state_journal_decode(const struct state *s, const uint8_t *data, size_t len,
			 struct state_journal *j);
/* The same, the ruleset a kept record names not read (j->ruleset NULL). */
int state_journal_decode_shallow(const struct state *s, const uint8_t *data, size_t len,
				 struct state_journal *j);


#endif
