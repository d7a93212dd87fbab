/*
 * txn: changes to files on disk, made safely.  Every write goes to a temp
 * file in the target's directory and is renamed into place; a symlink on
 * the way is refused, never followed.
 */
#ifndef FTPCFG_TXN_H
#define FTPCFG_TXN_H

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

#endif
