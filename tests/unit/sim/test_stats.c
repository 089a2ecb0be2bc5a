/* SPDX-License-Identifier: MIT */
/*
 * Sample quantiles by selection report exactly what GSL's quantile of the sorted data does:
 * random sets (with many ties and without), unsorted and already sorted, every quantile the
 * reports use and the ends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "sim/stats.h"

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 17;
}

static void quantiles_match_gsl(void **state)
{
	static const double qs[] = {0, 0.01, 0.1, 0.25, 0.5, 0.9, 0.99, 0.999, 0.9999, 1};
	uint64_t seed = 7;

	(void)state;
	{
		struct sim_samples e;

		sim_samples_init(&e);
		assert_true(sim_samples_quantile(&e, 0.5) == 0); /* empty: 0, as before */
	}
	for (unsigned round = 0; round < 300; round++) {
		size_t n = 1 + lcg(&seed) % (round < 200 ? 50 : 20000);
		uint64_t span = round % 3 == 0 ? 5 : 1000000007ull;
		double *sorted = malloc(n * sizeof(*sorted));
		struct sim_samples s;

		assert_non_null(sorted);
		sim_samples_init(&s);
		for (size_t i = 0; i < n; i++) {
			uint64_t x = round % 5 == 0 ? i * 3 : lcg(&seed) % span;

			assert_int_equal(sim_samples_add(&s, x), 0);
			sorted[i] = (double)x;
		}
		gsl_sort(sorted, 1, n);
		for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
			double want = gsl_stats_quantile_from_sorted_data(sorted, 1, n, qs[k]);
			double got = sim_samples_quantile(&s, qs[k]);

			if (want != got)
				fail_msg("round %u n %zu q %g: %.17g, GSL %.17g", round, n, qs[k], got,
					 want);
		}
		assert_int_equal(sim_samples_count(&s), n);
		free(sorted);
		sim_samples_free(&s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(quantiles_match_gsl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
