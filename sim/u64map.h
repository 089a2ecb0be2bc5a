/* SPDX-License-Identifier: MIT */
/*
 * A map from 64-bit keys to 64-bit values: open addressing with linear probing and
 * backward-shift deletion, grown by doubling. For the bookkeeping of software models (page
 * reference counts, map caches); ~0 is not a valid key.
 */
#ifndef PTSIM_SIM_U64MAP_H
#define PTSIM_SIM_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define U64MAP_NONE (~0ull)

struct u64map {
	uint64_t *keys, *vals;
	size_t cap, n; /* cap: a power of two, or 0 */
};

void u64map_init(struct u64map *m);
void u64map_free(struct u64map *m);
/* The value at key, or false. */
bool u64map_get(const struct u64map *m, uint64_t key, uint64_t *val);
/* A pointer to the value at key, or NULL; valid until the next put or del. */
uint64_t *u64map_ref(const struct u64map *m, uint64_t key);
/* Set key's value (adding the key); 0 or -ENOMEM. */
int u64map_put(struct u64map *m, uint64_t key, uint64_t val);
/* Remove key; false if it was not there. */
bool u64map_del(struct u64map *m, uint64_t key);
static inline size_t u64map_size(const struct u64map *m)
{
	return m->n;
}
/* Iterate: for (size_t i = 0; u64map_next(m, &i, &k, &v);) -- no changes meanwhile. */
bool u64map_next(const struct u64map *m, size_t *i, uint64_t *key, uint64_t *val);

#endif
