/*
 * state_private: shared by the state module's own files (state.c,
 * state_io.c, state_record.c, state_journal.c, state_history.c,
 * state_codec.c) and nothing else.
 */
#ifndef FTPCFG_STATE_PRIVATE_H
#define FTPCFG_STATE_PRIVATE_H

#include "state.h"
#include "state_codec.h"

#define STATE_JOURNAL "journal"
#define STATE_LAST "last"
/* In the name of every temporary file ftpcfg writes: the next run removes what it finds. */
#define STATE_TEMP_MARK ".ftpcfg-tmp-"

/* A state file, whole; -ENOENT when absent, -EUCLEAN when not a regular file of ours. */
int state_read_file(const struct state *s, const char *name, uint8_t **out, size_t *len);
/* Replace a state file: temp file, fsync, rename, fsync of the directory.  0 or -errno. */
int state_write_file(struct state *s, const char *name, const void *data, size_t len);
/* Remove a state file, durably.  0 or -errno. */
int state_remove_file(struct state *s, const char *name);

/*
 * Read the record at open (@head_only: all but its ruleset, until
 * state_record_complete()); a damaged one sets s->rec_damaged, a removal's
 * marker s->removed.  0 or -errno after a diag.
 */
int state_read_record(struct state *s, bool head_only);

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


#endif
