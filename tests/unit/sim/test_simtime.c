/* SPDX-License-Identifier: MIT */
/*
 * Integer-picosecond conversions (sim/simtime.h): the hot path's inline rounding must give
 * llround's result bit for bit, halves and the double just below a half included, or timings
 * (and every golden) would move.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "sim/simtime.h"

static void round_matches_llround_at_the_edges(void **state)
{
	static const double xs[] = {0.0,
				    0.25,
				    0.5,
				    0.49999999999999994, /* the double below 0.5 */
				    0.5000000000000001,
				    1.0,
				    1.5,
				    2.5,
				    2.4999999999999996,
				    1e6 + 0.5,
				    4503599627370495.5, /* 2^52 - 0.5: the last halves */
				    4503599627370496.0,
				    9007199254740993.0, /* past 2^53: integers only */
				    9.2e18};

	(void)state;
	for (size_t i = 0; i < sizeof(xs) / sizeof(xs[0]); i++)
		assert_int_equal(sim_round_u64(xs[i]), (uint64_t)llround(xs[i]));
}

static void round_matches_llround_on_timings(void **state)
{
	uint64_t s = 88172645463325252ull;

	(void)state;
	/* what the models round: bytes times ps per byte, bytes times 8000 over a rate in Gb/s */
	for (unsigned i = 0; i < 1000000; i++) {
		double rate, x;

		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		rate = 0.1 + (double)(s % 4000000) / 10000.0;
		x = (double)(s >> 40 & 0xffff) * 8000.0 / rate;
		assert_int_equal(sim_round_u64(x), (uint64_t)llround(x));
		x = (double)(s >> 20 & 0xfffff) / 7.0;
		assert_int_equal(sim_round_u64(x), (uint64_t)llround(x));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(round_matches_llround_at_the_edges),
	    cmocka_unit_test(round_matches_llround_on_timings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
