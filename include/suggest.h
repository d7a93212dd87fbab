/*
 * suggest: the one edit distance behind every "did you mean …?" (commands
 * and options, schema names, pass-through directive names).
 */
#ifndef FTPCFG_SUGGEST_H
#define FTPCFG_SUGGEST_H

#include <stddef.h>

/* Names longer than this are never near anything (bounds the work table). */
#define SUGGEST_MAX_LEN 63
/* What suggest_distance() returns for a name past SUGGEST_MAX_LEN. */
#define SUGGEST_FAR ((size_t)1000)

/*
 * The edit distance of @a and @b, ignoring ASCII case (a typo in case is
 * still a typo): inserting, deleting or substituting a character costs 1,
 * and so does swapping two adjacent ones ("acitve" is one edit from
 * "active").  SUGGEST_FAR when either is longer than SUGGEST_MAX_LEN.
 */
size_t suggest_distance(const char *a, const char *b);

#endif
