/*
 * backend: which integration each <firewall backend> has, and which ones
 * a change touches.  The integrations themselves are src/backend_*.c.
 */
#include <stdlib.h>
#include <string.h>

#include "backend.h"

const struct backend_ops *backend_ops(enum site_backend b)
{
	switch (b) {
	case SITE_BACKEND_NFTABLES:
		return NULL;
	case SITE_BACKEND_IPTABLES:
		return &backend_iptables_ops;
	case SITE_BACKEND_FIREWALLD:
		return &backend_firewalld;
	}
	return NULL;
}

size_t backend_involved(const struct ruleset *old, const struct ruleset *want,
			const struct backend_ops *out[2])
{
	const struct backend_ops *o = old ? backend_ops(old->backend) : NULL;
	const struct backend_ops *w = want ? backend_ops(want->backend) : NULL;
	size_t n = 0;

	if (o && o != w)
		out[n++] = o;
	if (w)
		out[n++] = w;
	return n;
}

void backend_saved_release(struct backend_saved *s)
{
	free(s->data);
	memset(s, 0, sizeof(*s));
}
