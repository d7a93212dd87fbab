/*
 * ruleset_json: the ruleset IR as JSON and back, for the state directory
 * (the journal's old ruleset, the last applied ruleset).  Not a user
 * format: `nft -j` is that.
 */
#ifndef FTPCFG_RULESET_JSON_H
#define FTPCFG_RULESET_JSON_H

#include "ruleset.h"

/* Serialise @rs; *out is owned by the caller.  0 or -ENOMEM. */
int ruleset_to_json(const struct ruleset *rs, char **out);

/* Parse what ruleset_to_json() wrote.  0, -EINVAL (damaged) or -ENOMEM. */
int ruleset_from_json(const char *text, struct ruleset **out);

#endif
