/* SPDX-License-Identifier: MIT */
/* sim/u64map.c against a plain array, through growth and many deletions (whose backward
 * shift must keep every remaining key findable). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sim/u64map.h"

#define N 4096

static void matches_a_reference(void **state)
{
	static uint64_t ref[N]; /* ref[k]: value + 1, 0 when absent */
	struct u64map m;
	uint64_t x = 88172645463325252ull, v;
	size_t live = 0, i = 0, seen = 0;

	(void)state;
	memset(ref, 0, sizeof(ref));
	u64map_init(&m);
	for (int step = 0; step < 200000; step++) {
		uint64_t k;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
		/* keys cluster like page numbers: neighbours collide in their probe runs */
		k = x % N;
		if ((x >> 20) % 3) {
			if (!ref[k])
				live++;
			ref[k] = step + 1;
			assert_int_equal(u64map_put(&m, k << 12 | 7, (uint64_t)step), 0);
		} else {
			assert_int_equal(u64map_del(&m, k << 12 | 7), ref[k] != 0);
			if (ref[k])
				live--;
			ref[k] = 0;
		}
		assert_int_equal(u64map_size(&m), live);
	}
	for (uint64_t k = 0; k < N; k++) {
		assert_int_equal(u64map_get(&m, k << 12 | 7, &v), ref[k] != 0);
		if (ref[k])
			assert_int_equal(v, ref[k] - 1);
	}
	while (u64map_next(&m, &i, &x, &v)) {
		assert_int_equal(ref[x >> 12], v + 1);
		seen++;
	}
	assert_int_equal(seen, live);
	assert_int_equal(u64map_put(&m, U64MAP_NONE, 1), -22);
	u64map_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(matches_a_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
