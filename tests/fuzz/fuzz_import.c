/*
 * fuzz_import: libFuzzer harness for the importers' parsers.  The first
 * byte picks the daemon (and for proftpd whether the file is included by
 * another); the rest is written as the daemon's file in a scratch --root
 * made once, and imported with the real table and schema.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "import.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[4096];
static char file[4096 + 32];
static const char *templates;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("FTPCFG_TEMPLATE_DIR");
	char inc[sizeof(file)];
	int fd;

	(void)argc;
	(void)argv;
	templates = dir && *dir ? dir : "templates";
	snprintf(root, sizeof(root), "%s/ftpcfg-fuzz-import-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(root))
		abort();
	snprintf(file, sizeof(file), "%s/f", root);
	/* /inc includes /f: the same input read through an Include. */
	snprintf(inc, sizeof(inc), "%s/inc", root);
	fd = open(inc, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, "Include /f\n", 11) != 11)
		abort();
	close(fd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum site_daemon daemons[] = {
		SITE_DAEMON_VSFTPD, SITE_DAEMON_PROFTPD, SITE_DAEMON_PUREFTPD, SITE_DAEMON_PROFTPD,
	};
	struct import_opts o = { .root = root, .templates_dir = templates };
	struct import_result r;
	struct diag d;
	int fd;

	if (size < 1)
		return 0;
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		abort();
	if (size > 1 && write(fd, data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	close(fd);
	diag_init(&d);
	import_run(daemons[data[0] % 4], data[0] % 4 == 3 ? "/inc" : "/f", &o, &d, &r);
	import_result_release(&r);
	diag_release(&d);
	return 0;
}
