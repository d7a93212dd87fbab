/*
 * effective: the site model written back as XML with every default filled
 * in.  It is what `render --effective` prints and what the daemon
 * stylesheets read, so templates never see the raw input.
 */
#ifndef FTPCFG_EFFECTIVE_H
#define FTPCFG_EFFECTIVE_H

#include <stddef.h>

#include "site.h"

/*
 * Serialise @s as a version-1 site document that validates against
 * site.xsd and loads back to an equal model.  *out (NUL-terminated, *len
 * bytes) is owned by the caller.  Returns 0 or -ENOMEM.
 */
int effective_xml(const struct site *s, char **out, size_t *len);

#endif
