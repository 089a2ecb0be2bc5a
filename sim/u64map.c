/* SPDX-License-Identifier: MIT */
#include "sim/u64map.h"

#include <errno.h>
#include <stdlib.h>

void u64map_init(struct u64map *m)
{
	m->keys = m->vals = NULL;
	m->cap = m->n = 0;
}

void u64map_free(struct u64map *m)
{
	free(m->keys);
	free(m->vals);
	u64map_init(m);
}

/* Fibonacci hashing: page numbers that differ in their low bits spread over the table. */
static size_t slot_of(const struct u64map *m, uint64_t key)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 17) & (m->cap - 1);
}

static size_t find(const struct u64map *m, uint64_t key)
{
	size_t i;

	if (!m->cap)
		return SIZE_MAX;
	for (i = slot_of(m, key); m->keys[i] != U64MAP_NONE; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key)
			return i;
	return SIZE_MAX;
}

bool u64map_get(const struct u64map *m, uint64_t key, uint64_t *val)
{
	size_t i = find(m, key);

	if (i == SIZE_MAX)
		return false;
	if (val)
		*val = m->vals[i];
	return true;
}

uint64_t *u64map_ref(const struct u64map *m, uint64_t key)
{
	size_t i = find(m, key);

	return i == SIZE_MAX ? NULL : &m->vals[i];
}

static int grow(struct u64map *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64;
	uint64_t *k = malloc(ncap * sizeof(*k)), *v = malloc(ncap * sizeof(*v));
	struct u64map old = *m;

	if (!k || !v) {
		free(k);
		free(v);
		return -ENOMEM;
	}
	for (size_t i = 0; i < ncap; i++)
		k[i] = U64MAP_NONE;
	m->keys = k;
	m->vals = v;
	m->cap = ncap;
	m->n = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.keys[i] != U64MAP_NONE)
			u64map_put(m, old.keys[i], old.vals[i]);
	free(old.keys);
	free(old.vals);
	return 0;
}

int u64map_put(struct u64map *m, uint64_t key, uint64_t val)
{
	size_t i;

	if (key == U64MAP_NONE)
		return -EINVAL;
	i = find(m, key);
	if (i != SIZE_MAX) {
		m->vals[i] = val;
		return 0;
	}
	if ((m->n + 1) * 4 > m->cap * 3) {
		int rc = grow(m);

		if (rc)
			return rc;
	}
	for (i = slot_of(m, key); m->keys[i] != U64MAP_NONE; i = (i + 1) & (m->cap - 1))
		;
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
	return 0;
}

bool u64map_del(struct u64map *m, uint64_t key)
{
	size_t i = find(m, key), j;

	if (i == SIZE_MAX)
		return false;
	/* Backward shift: move later members of the probe run into the hole when their home
	 * slot is not between the hole and them (Knuth 6.4, algorithm R). */
	for (j = (i + 1) & (m->cap - 1); m->keys[j] != U64MAP_NONE; j = (j + 1) & (m->cap - 1)) {
		size_t home = slot_of(m, m->keys[j]);

		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			i = j;
		}
	}
	m->keys[i] = U64MAP_NONE;
	m->n--;
	return true;
}

bool u64map_next(const struct u64map *m, size_t *i, uint64_t *key, uint64_t *val)
{
	for (; *i < m->cap; (*i)++)
		if (m->keys[*i] != U64MAP_NONE) {
			if (key)
				*key = m->keys[*i];
			if (val)
				*val = m->vals[*i];
			(*i)++;
			return true;
		}
	return false;
}
