/*
 * txn: changes to files on disk, made safely.  Every write goes to a temp
 * file in the target's directory (named .NAME.ftpcfg-tmp-PID, which the
 * next write of NAME removes if a killed run left it) and is renamed into
 * place; a symlink on the way is refused, never followed.
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

/* Remove what killed runs left beside @root/@path (.NAME.ftpcfg-tmp-PID).  Never fails. */
void txn_remove_temps(const char *root, const char *path);

/*
 * Give @root/@path (a regular file, no symlink followed) owner @uid:@gid
 * and @mode, as a journal recorded them.  0 or a negative errno.
 */
int txn_set_owner(const char *root, const char *path, unsigned uid, unsigned gid, unsigned mode,
		  struct diag *d);

#endif
