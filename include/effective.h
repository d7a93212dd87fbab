/*
 * effective: the site model written back as XML with every default filled
 * in.  It is what `render --effective` prints and what the daemon
 * stylesheets read, so templates never see the raw input.
 */
#ifndef FTPCFG_EFFECTIVE_H
#define FTPCFG_EFFECTIVE_H

#include <stddef.h>

#include "site.h"

enum effective_view {
	/* Everything: validates against site.xsd and loads back to an equal model. */
	EFFECTIVE_WHOLE,
	/*
	 * What the daemon stylesheets read: the same, but each <allow> empty
	 * save a comment with its count.  The networks are the firewall's; at
	 * 100 000 of them, writing and re-parsing them for the stylesheets
	 * cost more than the rest of an apply.
	 */
	EFFECTIVE_FOR_STYLESHEETS,
};

/*
 * Serialise @s as a version-1 site document with every default filled in.
 * *out (NUL-terminated, *len bytes) is owned by the caller.  Returns 0 or
 * -ENOMEM.
 */
int effective_xml(const struct site *s, enum effective_view view, char **out, size_t *len);

#endif
