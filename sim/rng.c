/* SPDX-License-Identifier: MIT */
#include "rng.h"

#include <errno.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

struct sim_rng {
	gsl_rng *g;
};

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

uint64_t sim_rng_derive_seed(uint64_t seed, const char *instance)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a over the instance name */

	for (const unsigned char *p = (const unsigned char *)instance; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ull;
	}
	return splitmix64(seed ^ splitmix64(h));
}

int sim_rng_create(uint64_t seed, const char *instance, struct sim_rng **out)
{
	struct sim_rng *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->g = gsl_rng_alloc(gsl_rng_mt19937);
	if (!r->g) {
		free(r);
		return -ENOMEM;
	}
	/* MT19937 takes 32 bits of seed; fold the 64-bit derived seed. 0 means "default" in
	 * GSL, so avoid it. */
	uint64_t s = sim_rng_derive_seed(seed, instance);
	unsigned long s32 = (unsigned long)((s ^ (s >> 32)) & 0xffffffffu);
	gsl_rng_set(r->g, s32 ? s32 : 1);
	*out = r;
	return 0;
}

void sim_rng_destroy(struct sim_rng *r)
{
	if (!r)
		return;
	gsl_rng_free(r->g);
	free(r);
}

double sim_rng_uniform(struct sim_rng *r)
{
	return gsl_rng_uniform(r->g);
}

uint64_t sim_rng_below(struct sim_rng *r, uint64_t n)
{
	if (n <= gsl_rng_max(r->g))
		return gsl_rng_uniform_int(r->g, (unsigned long)n);
	/* Wider than the generator: combine two draws. */
	uint64_t hi = gsl_rng_get(r->g), lo = gsl_rng_get(r->g);
	return ((hi << 32) | lo) % n;
}

double sim_rng_exponential(struct sim_rng *r, double mean)
{
	return gsl_ran_exponential(r->g, mean);
}
