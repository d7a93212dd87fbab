/*
 * mem: mem_prefault() maps the pages of a range at once (no fault on the
 * first touch afterwards) and never changes what the range holds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include <cmocka.h>

#include "mem.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

enum { SIZE = 8 << 20 };

static long minor_faults(void)
{
	struct rusage ru;

	assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
	return ru.ru_minflt;
}

/* Fresh anonymous memory: every page faults on first touch unless prefaulted. */
static unsigned char *fresh(void)
{
	void *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

static void test_mem_prefault_maps_pages_at_once(void **state)
{
	unsigned char *p = fresh();
	unsigned char *probe = fresh();
	long before;
	long untouched;
	long prefaulted;

	(void)state;
	/* A kernel without MADV_POPULATE_WRITE (before 5.14) faults as before. */
	if (madvise(probe, 4096, MADV_POPULATE_WRITE) != 0) {
		munmap(probe, SIZE);
		munmap(p, SIZE);
		skip();
	}
	/* Untouched memory: its 2048 pages fault one by one. */
	before = minor_faults();
	memset(probe + 4096, 1, SIZE - 8192);
	untouched = minor_faults() - before;
	assert_true(untouched >= SIZE / 4096 / 2);
	/*
	 * Prefaulted (an unaligned start and end): only the sanitizer's shadow
	 * pages (one for eight) may still fault.
	 */
	mem_prefault(p + 100, SIZE - 200);
	before = minor_faults();
	memset(p + 4096, 1, SIZE - 8192);
	prefaulted = minor_faults() - before;
	assert_true(prefaulted * 4 < untouched);
	munmap(probe, SIZE);
	munmap(p, SIZE);
}

static void test_mem_prefault_keeps_contents(void **state)
{
	unsigned char *p = malloc(SIZE);

	(void)state;
	assert_non_null(p);
	for (size_t i = 0; i < SIZE; i += 4096)
		p[i] = (unsigned char)(i / 4096 * 7);
	mem_prefault(p, SIZE);
	for (size_t i = 0; i < SIZE; i += 4096)
		assert_int_equal(p[i], (unsigned char)(i / 4096 * 7));
	/* Small, empty and sub-page ranges are left alone. */
	mem_prefault(p, 0);
	mem_prefault(p + 1, 10);
	mem_prefault(NULL, 0);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mem_prefault_maps_pages_at_once),
		cmocka_unit_test(test_mem_prefault_keeps_contents),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
