/*
 * diff: unified diffs of text, for `ftpcfg diff`.  Pure: text in, text out.
 */
#ifndef FTPCFG_DIFF_H
#define FTPCFG_DIFF_H

#include <stdbool.h>
#include <stddef.h>

struct diff_stat {
	size_t added;	/* lines only in the new text */
	size_t removed;	/* lines only in the old text */
};

/*
 * Compare @old and @new line by line (NUL-terminated; NULL means "no
 * file") and write a unified diff with @context lines of context, headed
 * "--- @old_name" / "+++ @new_name", to *out (owned by the caller; an
 * empty string when they are equal).  With @color, ANSI colours as git
 * uses them.  Returns 0 or -ENOMEM.
 */
int diff_unified(const char *old_name, const char *old, const char *new_name, const char *new,
		 unsigned context, bool color, char **out, struct diff_stat *stat);

#endif
