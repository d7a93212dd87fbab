/*
 * ruleset_fixture: a ruleset to print, shared by the nft_text test files.
 * Header-only: each test file is its own program.
 */
#ifndef FTPCFG_TEST_RULESET_FIXTURE_H
#define FTPCFG_TEST_RULESET_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ruleset.h"

/* A standalone ruleset with one interval set of @n ranges. */
static inline struct ruleset *one_set(int af, size_t n)
{
	struct ruleset *rs = calloc(1, sizeof(*rs));
	struct ir_set *set;

	assert_non_null(rs);
	rs->table = strdup("t");
	rs->sets = calloc(1, sizeof(*rs->sets));
	assert_non_null(rs->sets);
	rs->n_sets = 1;
	set = &rs->sets[0];
	set->name = strdup("s");
	assert_non_null(set->name);
	set->addr_family = af;
	set->flags = IR_SET_INTERVAL | IR_SET_AUTO_MERGE;
	assert_int_equal(ir_set_reserve(set, n), 0);
	for (size_t i = 0; i < n; i++) {
		struct ir_range *r = &set->elems[set->n_elems++];

		memset(r, 0, sizeof(*r));
		if (af == AF_INET) {
			/* 10.0.0.0/24, 10.0.1.0/24, ...: sorted and apart. */
			uint32_t a = 0x0a000000U + ((uint32_t)i << 8);

			r->lo[0] = (uint8_t)(a >> 24);
			r->lo[1] = (uint8_t)(a >> 16);
			r->lo[2] = (uint8_t)(a >> 8);
			memcpy(r->hi, r->lo, 3);
			r->hi[3] = 0xff;
		} else {
			r->lo[0] = 0xfd;
			r->lo[8] = (uint8_t)i;
			memcpy(r->hi, r->lo, 9);
			memset(r->hi + 9, 0xff, 7);
		}
	}
	return rs;
}

#endif
