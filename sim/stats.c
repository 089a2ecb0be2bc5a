/* SPDX-License-Identifier: MIT */
#include "stats.h"

#include <errno.h>
#include <stdlib.h>


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

/* Move the k-th smallest of v[0..n) to v[k], the smaller ones before it, the others after
 * (Hoare's selection, median-of-three pivots): O(n), where sorting was O(n log n). */
static void select_kth(uint64_t *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;

	while (hi > lo) {
		size_t mid = lo + (hi - lo) / 2, i = lo, j = hi;
		uint64_t a = v[lo], b = v[mid], c = v[hi], pivot, t;

		pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
		for (;;) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i >= j)
				break;
			t = v[i];
			v[i] = v[j];
			v[j] = t;
			i++;
			j--;
		}
		/* v[lo..j] <= pivot <= v[j+1..hi] */
		if (k <= j)
			hi = j;
		else
			lo = j + 1;
	}
}

/*
 * GSL's gsl_stats_quantile_from_sorted_data, the same arithmetic on the two order statistics
 * it reads, found by selection instead of a sort: the values reported do not change.
 */
double sim_samples_quantile(struct sim_samples *s, double q)
{
	double index, delta;
	size_t lhs;
	uint64_t a, b;

	if (!s->n)
		return 0;
	index = q * (double)(s->n - 1);
	lhs = (size_t)index; /* GSL truncates through int: the same for q in [0, 1] */
	delta = index - (double)lhs;
	if (s->sorted) {
		a = s->v[lhs];
		b = lhs + 1 < s->n ? s->v[lhs + 1] : a;
	} else {
		select_kth(s->v, s->n, lhs);
		a = s->v[lhs];
		b = a;
		if (lhs + 1 < s->n) {
			/* the next order statistic: the least of what selection left after lhs */
			b = s->v[lhs + 1];
			for (size_t i = lhs + 2; i < s->n; i++)
				if (s->v[i] < b)
					b = s->v[i];
		}
	}
	if (lhs == s->n - 1)
		return (double)a;
	return (1 - delta) * (double)a + delta * (double)b;
}

uint64_t sim_samples_max(struct sim_samples *s)
{
	uint64_t m = 0;

	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] > m)
			m = s->v[i];
	return m;
}
