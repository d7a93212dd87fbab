/*
 * Private to apply.c, apply_kernel.c and cmd_rollback: the steps of the
 * transaction that talk to the kernel, and the fault-injection seam.
 */
#ifndef FTPCFG_APPLY_INTERNAL_H
#define FTPCFG_APPLY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmd.h"
#include "stage.h"
#include "txn.h"

/* Send the plan of @st as one batch guarded by st->genid (flags: NFT_NETLINK_CHECK). */
int apply_send(struct ctx *c, struct stage *st, unsigned flags);

/*
 * Put back what @j journaled: the files, then (@ruleset) the ruleset, then
 * (@reload) run the journaled reload commands.  0 or the first failure.
 */
int apply_undo(struct ctx *c, struct txn *t, const struct txn_journal *j, bool ruleset,
	       bool reload);

/*
 * What an apply reads: the site's bytes (parsed from this copy, never read
 * twice) and a head naming this ftpcfg with its schema and stylesheets;
 * both are kept beside the record for apply_quick_unchanged().
 */
struct apply_input {
	char *site;		/* NULL when it could not be read: the full path says why */
	size_t site_len;
	char *head;		/* NULL when a template could not be read */
	size_t head_len;
};

/* The head (this ftpcfg, its templates).  0 (even when reading failed: see the fields) or -ENOMEM. */
int apply_input_read(struct ctx *c, struct apply_input *in);
/* The site's bytes, for the full path; in->site stays NULL when it cannot be read. */
void apply_input_read_site(const char *site_path, struct apply_input *in);
void apply_input_release(struct apply_input *in);

/*
 * *unchanged: the last apply succeeded with this very input, the ruleset
 * generation is still the one it recorded and its files are as it wrote
 * them; its warnings are replayed into c->diag.  Always 0.
 */
int apply_quick_unchanged(struct ctx *c, struct txn *t, const struct apply_input *in,
			  const char *site_path, bool *unchanged);

/* A file the record lists ({"path", "fnv1a64"}), compared with what is on disk now. */
enum apply_file_state {
	APPLY_FILE_AS_APPLIED,
	APPLY_FILE_CHANGED,
	APPLY_FILE_MISSING,
	APPLY_FILE_UNREADABLE,
};

struct json_t;
/* A record's entry for a file written with @len bytes of @data: {"path", "fnv1a64"}. */
struct json_t *apply_file_entry(const char *path, const char *data, size_t len);
enum apply_file_state apply_recorded_file(struct ctx *c, struct json_t *entry, struct diag *d);

/* Keep @in beside the record (or make a stale copy unusable when it is incomplete). */
int apply_quick_save(struct txn *t, const struct apply_input *in);

/*
 * Write the record of what is managed now (applied.json): @outcome, the
 * table @managed names, @files (entries of apply_file_entry()) and the
 * members of @extra (may be NULL); and @ruleset as applied-ruleset.json
 * (NULL: none is managed, the file goes).  0 or -errno.
 */
struct ruleset;
int apply_write_record(struct txn *t, const char *outcome, const struct ruleset *managed,
		       struct json_t *files, struct json_t *extra, const char *ruleset);

/* The content hash kept in the record, to tell whether a file changed since. */
uint64_t apply_hash(const char *data, size_t len);

#ifdef FTPCFG_TESTING
int apply_fault(struct ctx *c, const char *step);
/* FTPCFG_FAULT names @what exactly (a seam that changes the world, not a failure). */
bool apply_fault_is(const char *what);
#else
static inline int apply_fault(struct ctx *c, const char *step)
{
	(void)c;
	(void)step;
	return 0;
}
#endif

#endif
