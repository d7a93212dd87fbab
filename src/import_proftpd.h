/*
 * Private to import_proftpd*.c: what the proftpd reader and mapper share.
 */
#ifndef FTPCFG_IMPORT_PROFTPD_H
#define FTPCFG_IMPORT_PROFTPD_H

#include "import_internal.h"

/* LoadModule lines remembered for <IfModule>; Debian's modules.conf has 23. */
#define PRO_MAX_MODULES 128u

struct reader;

struct pro {
	struct import_ctx *ic;
	struct reader *reader;		/* while files are being read */
	char *loaded[PRO_MAX_MODULES];	/* LoadModule arguments, owned */
	size_t n_loaded;
	/* What server-level blocks said (<Limit ...> DenyAll, <Anonymous>). */
	bool deny_active;
	bool deny_passive;
	bool deny_write;
	bool deny_login;
	bool has_anon;
	char *anon_root;		/* owned; NULL for ~ftp */
};

/* Read @path and what it includes; blocks are settled as they close. */
int pro_read(struct pro *p, const char *path);
int pro_include(struct pro *p, const char *arg, const char *from, unsigned line);
bool pro_module_loaded(const struct pro *p, const char *module);

/*
 * A <Limit>, <Anonymous> or other block closed: decide the fate of its
 * opening item @item and of the items [@first, @end) inside it.  A block
 * nested in another is left to the outer one (@nested).
 */
int pro_block_closed(struct pro *p, bool is_limit, bool is_anon, bool nested, size_t item,
		     size_t first, size_t end);

#endif
