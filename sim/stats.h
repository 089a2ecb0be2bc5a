/* SPDX-License-Identifier: MIT */
/* Sample sets with mean and quantiles (GSL), for latencies and similar figures. */
#ifndef PTSIM_SIM_STATS_H
#define PTSIM_SIM_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Every sample is kept, so quantiles are exact (GSL's interpolated quantile of sorted data). */
struct sim_samples {
	uint64_t *v;
	size_t n, cap;
	int sorted;
};

void sim_samples_init(struct sim_samples *s);
void sim_samples_free(struct sim_samples *s);
void sim_samples_reset(struct sim_samples *s);
int sim_samples_add(struct sim_samples *s, uint64_t x);
size_t sim_samples_count(const struct sim_samples *s);
double sim_samples_mean(const struct sim_samples *s);
/* q in [0, 1]; sorts on first use. 0 when empty. */
double sim_samples_quantile(struct sim_samples *s, double q);
uint64_t sim_samples_max(struct sim_samples *s);

#endif
