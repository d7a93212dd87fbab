/*
 * site_attr: the attributes of a schema-valid element as C values (an
 * owned string, a yes/no, a bounded number, an address), for the element
 * walkers of site_parse.c and site_parse_server.c.  A value that does not
 * fit is reported where it stands.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "site.h"
#include "site_internal.h"

/* An attribute as an owned C string; *out stays NULL when absent.  0 or -ENOMEM. */
int site_attr_dup(const xmlNode *n, const char *name, char **out)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);

	*out = NULL;
	if (!v)
		return 0;
	*out = strdup((const char *)v);
	xmlFree(v);
	return *out ? 0 : -ENOMEM;
}

bool site_attr_is(const xmlNode *n, const char *name, const char *value, bool dflt)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	bool r;

	if (!v)
		return dflt;
	r = strcmp((const char *)v, value) == 0;
	xmlFree(v);
	return r;
}

/* A yes/no attribute; the schema has already restricted the values. */
bool site_attr_yes(const xmlNode *n, const char *name, bool dflt)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	bool r;

	if (!v)
		return dflt;
	r = strcmp((const char *)v, "yes") == 0;
	xmlFree(v);
	return r;
}

int site_attr_uint(struct walk *w, const xmlNode *n, const char *name, unsigned long max,
		   unsigned dflt, unsigned *out)
{
	struct srcloc loc = { w->file, site_node_line(n) };
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	unsigned long val;
	char *end;

	*out = dflt;
	if (!v)
		return 0;
	errno = 0;
	val = strtoul((const char *)v, &end, 10);
	if (errno || end == (const char *)v || *end || val > max || v[0] == '-') {
		int ret = diag(w->d, &loc, -EINVAL, "%s '%s' is not a number from 0 to %lu",
			       name, (const char *)v, max);

		xmlFree(v);
		return ret;
	}
	xmlFree(v);
	*out = (unsigned)val;
	return 0;
}

int site_attr_addr(struct walk *w, const xmlNode *n, const char *name, struct site_addr *a,
		   bool *present)
{
	struct srcloc loc = { w->file, site_node_line(n) };
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	int ret = 0;

	*present = v != NULL;
	if (v && site_parse_addr((const char *)v, a) < 0)
		ret = diag(w->d, &loc, -EINVAL,
			   "%s '%s' is not an IPv4 or IPv6 address; write it as digits, "
			   "not a host name", name, (const char *)v);
	xmlFree(v);
	return ret;
}
