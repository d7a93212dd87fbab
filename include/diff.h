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

/*
 * A run of @n lines that are the same in both texts and that the caller
 * left out of both: it stood before line @old_at (0-based) of the old
 * text as given, and before line @new_at of the new one.
 */
struct diff_gap {
	size_t old_at;
	size_t new_at;
	size_t n;
};

/*
 * diff_unified() of two texts the caller shortened by @gaps (in order in
 * both texts): the parts between gaps are compared pair by pair, a gap
 * counts as its @n lines in the hunks' line numbers, is never printed,
 * and no hunk reaches across it (its context stops there).  A caller
 * that leaves out only lines further than @context from any difference
 * gets the diff of its full texts, at the cost of the lines it kept.
 * Both texts must be non-NULL when there are gaps.  0, -ENOMEM, or
 * -EINVAL when a gap is out of order or beyond the end of its text.
 */
int diff_unified_gaps(const char *old_name, const char *old, const char *new_name,
		      const char *new, const struct diff_gap *gaps, size_t n_gaps,
		      unsigned context, bool color, char **out, struct diff_stat *stat);

#endif
