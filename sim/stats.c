/* SPDX-License-Identifier: MIT */
#include "stats.h"

#include <errno.h>
#include <stdlib.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

void sim_samples_init(struct sim_samples *s)
{
	s->v = NULL;
	s->n = s->cap = 0;
	s->sorted = 1;
}

void sim_samples_free(struct sim_samples *s)
{
	free(s->v);
	sim_samples_init(s);
}

void sim_samples_reset(struct sim_samples *s)
{
	s->n = 0;
	s->sorted = 1;
}

int sim_samples_add(struct sim_samples *s, uint64_t x)
{
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 1024;
		uint64_t *nv = realloc(s->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = ncap;
	}
	if (s->n && x < s->v[s->n - 1])
		s->sorted = 0;
	s->v[s->n++] = x;
	return 0;
}

size_t sim_samples_count(const struct sim_samples *s)
{
	return s->n;
}

double sim_samples_mean(const struct sim_samples *s)
{
	long double sum = 0;

	if (!s->n)
		return 0;
	for (size_t i = 0; i < s->n; i++)
		sum += s->v[i];
	return (double)(sum / s->n);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

double sim_samples_quantile(struct sim_samples *s, double q)
{
	double *d;
	double r;

	if (!s->n)
		return 0;
	if (!s->sorted) {
		qsort(s->v, s->n, sizeof(*s->v), cmp_u64);
		s->sorted = 1;
	}
	d = malloc(s->n * sizeof(*d));
	if (!d)
		return 0;
	for (size_t i = 0; i < s->n; i++)
		d[i] = (double)s->v[i];
	r = gsl_stats_quantile_from_sorted_data(d, 1, s->n, q);
	free(d);
	return r;
}

uint64_t sim_samples_max(struct sim_samples *s)
{
	uint64_t m = 0;

	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] > m)
			m = s->v[i];
	return m;
}
