/* SPDX-License-Identifier: MIT */
/* Random streams over GSL: one generator per model instance, seeded from (seed, instance). */
#ifndef PTSIM_SIM_RNG_H
#define PTSIM_SIM_RNG_H

#include <stdint.h>

struct sim_rng;

/* A generator for `instance` (a stable name such as "nic0.arrivals") under run seed `seed`. */
int sim_rng_create(uint64_t seed, const char *instance, struct sim_rng **out);
void sim_rng_destroy(struct sim_rng *r);

/* Uniform in [0, 1). */
double sim_rng_uniform(struct sim_rng *r);
/* Uniform integer in [0, n). n must be > 0. */
uint64_t sim_rng_below(struct sim_rng *r, uint64_t n);
/* Exponential with the given mean. */
double sim_rng_exponential(struct sim_rng *r, double mean);

/* The 64-bit seed a (seed, instance) pair maps to; exposed for tests. */
uint64_t sim_rng_derive_seed(uint64_t seed, const char *instance);

#endif
