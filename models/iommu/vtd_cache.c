/* SPDX-License-Identifier: MIT */
/*
 * The unit's small caches (VT-d 3.x §6.2: context cache, PASID cache, paging-structure caches,
 * interrupt entry cache): set-associative, LRU, each entry tagged with what invalidation
 * selects it by (domain, PASID, source ID, input range).
 */
#include "models/iommu/vtd_internal.h"
#include "sim/metrics.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int vtd__cache_init(struct vtd_cache *c, unsigned entries, unsigned ways)
{
	memset(c, 0, sizeof(*c));
	if (!entries)
		return 0;
	if (!ways || ways > entries)
		ways = entries;
	if (entries % ways)
		return -EINVAL;
	c->e = calloc(entries, sizeof(*c->e));
	if (!c->e)
		return -ENOMEM;
	c->entries = entries;
	c->ways = ways;
	c->sets = entries / ways;
	return 0;
}

void vtd__cache_free(struct vtd_cache *c)
{
	free(c->e);
	c->e = NULL;
	c->entries = 0;
}

static struct vtd_centry *set_of(struct vtd_cache *c, uint64_t k0, uint64_t k1)
{
	uint64_t h = (k0 * 0x9e3779b97f4a7c15ull) ^ (k1 * 0xc2b2ae3d27d4eb4full);

	return &c->e[(size_t)((h >> 17) % c->sets) * c->ways];
}

struct vtd_centry *vtd__cache_lookup(struct vtd_cache *c, uint64_t k0, uint64_t k1)
{
	struct vtd_centry *set;

	if (!c->entries)
		return NULL;
	c->st.lookups++;
	set = set_of(c, k0, k1);
	for (unsigned w = 0; w < c->ways; w++) {
		if (set[w].valid && set[w].k0 == k0 && set[w].k1 == k1) {
			set[w].stamp = ++c->clock;
			c->st.hits++;
			return &set[w];
		}
	}
	c->st.misses++;
	return NULL;
}

struct vtd_centry *vtd__cache_insert(struct vtd_cache *c, uint64_t k0, uint64_t k1)
{
	struct vtd_centry *set, *victim = NULL;

	if (!c->entries)
		return NULL;
	set = set_of(c, k0, k1);
	for (unsigned w = 0; w < c->ways; w++) {
		if (set[w].valid && set[w].k0 == k0 && set[w].k1 == k1) {
			victim = &set[w];
			break;
		}
		if (!set[w].valid && !victim)
			victim = &set[w];
	}
	if (!victim) {
		victim = &set[0];
		for (unsigned w = 1; w < c->ways; w++)
			if (set[w].stamp < victim->stamp)
				victim = &set[w];
		c->st.evictions++;
	}
	memset(victim, 0, sizeof(*victim));
	victim->valid = true;
	victim->k0 = k0;
	victim->k1 = k1;
	victim->stamp = ++c->clock;
	c->st.inserts++;
	return victim;
}

void vtd__cache_flush(struct vtd_cache *c, vtd_cache_match match, const void *arg)
{
	c->st.invalidations++;
	for (unsigned i = 0; i < c->entries; i++) {
		struct vtd_centry *e = &c->e[i];

		if (e->valid && (!match || match(e, arg))) {
			e->valid = false;
			c->st.inval_entries++;
		}
	}
}

/* One cache's counters, keys relative to where the application places them
 * ("iommu.context_cache."). */
#define CACHE_ROW(field, key, meaning)                                                             \
	{                                                                                          \
		METRIC(struct vtd_cache_stats, field, COUNT, key, meaning)                         \
	}
static const struct metric vtd_cache_rows[] = {
    CACHE_ROW(lookups, "lookups", "lookups"),
    CACHE_ROW(hits, "hits", "lookups that found a valid entry"),
    CACHE_ROW(misses, "misses", "lookups that did not"),
    CACHE_ROW(inserts, "inserts", "entries filled"),
    CACHE_ROW(evictions, "evictions", "valid entries replaced to make room"),
    CACHE_ROW(invalidations, "invalidations", "invalidation requests applied to the cache"),
    CACHE_ROW(inval_entries, "invalidated_entries", "valid entries those requests dropped"),
};
const struct metric_table vtd_cache_metrics = METRIC_TABLE(struct vtd_cache_stats, vtd_cache_rows);
