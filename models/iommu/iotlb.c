/* SPDX-License-Identifier: MIT */
#include "models/iommu/iotlb.h"
#include "sim/metrics.h"
#include "sim/rng.h"

#include <errno.h>
#include <stdlib.h>

struct entry {
	uint64_t vpn;      /* iova >> page_shift */
	uint64_t hpa_page; /* host page base */
	uint64_t stamp;    /* LRU: last use; FIFO: insertion */
	uint32_t pasid;
	uint16_t did;
	uint8_t shift;
	uint8_t perm;
	uint8_t kind;
	bool valid;
};

struct iotlb {
	struct iotlb_cfg cfg;
	unsigned sets;
	struct entry *e; /* sets x ways */
	uint64_t clock;
	struct sim_rng *rng;
	struct iotlb_stats st;
};

static const unsigned shifts[] = {12, 21, 30};

int iotlb_create(const struct iotlb_cfg *cfg, struct sim_rng *rng, struct iotlb **out)
{
	struct iotlb *t;

	if (!cfg->entries || !cfg->ways || cfg->entries % cfg->ways)
		return -EINVAL;
	if (cfg->repl == IOTLB_RANDOM && !rng)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->cfg = *cfg;
	t->sets = cfg->entries / cfg->ways;
	t->e = calloc(cfg->entries, sizeof(*t->e));
	if (!t->e) {
		free(t);
		return -ENOMEM;
	}
	t->rng = rng;
	*out = t;
	return 0;
}

void iotlb_destroy(struct iotlb *t)
{
	if (!t)
		return;
	free(t->e);
	free(t);
}

/* Set index: low bits of the page number mixed with the domain, so that two domains using
 * the same IOVAs do not always collide. */
static unsigned set_of(const struct iotlb *t, uint16_t did, uint32_t pasid, uint64_t vpn)
{
	uint64_t tag = (uint64_t)did * 0x9e37u;

	if (pasid != IOTLB_NO_PASID)
		tag ^= (uint64_t)pasid * 0x7f4a7c15u;
	return (unsigned)((vpn ^ tag) % t->sets);
}

bool iotlb_lookup(struct iotlb *t, uint16_t did, uint64_t iova, struct iotlb_hit *hit)
{
	return iotlb_lookup_pasid(t, did, IOTLB_NO_PASID, iova, hit);
}

bool iotlb_lookup_pasid(struct iotlb *t, uint16_t did, uint32_t pasid, uint64_t iova,
			struct iotlb_hit *hit)
{
	t->st.lookups++;
	for (unsigned s = 0; s < 3; s++) {
		uint64_t vpn = iova >> shifts[s];
		struct entry *set = &t->e[(size_t)set_of(t, did, pasid, vpn) * t->cfg.ways];

		for (unsigned w = 0; w < t->cfg.ways; w++) {
			struct entry *e = &set[w];

			if (!e->valid || e->did != did || e->shift != shifts[s] || e->vpn != vpn ||
			    e->pasid != pasid)
				continue;
			if (t->cfg.repl == IOTLB_LRU)
				e->stamp = ++t->clock;
			hit->hpa = e->hpa_page + (iova & ((1ull << e->shift) - 1));
			hit->page_shift = e->shift;
			hit->perm = e->perm;
			hit->kind = e->kind;
			t->st.hits++;
			return true;
		}
	}
	t->st.misses++;
	return false;
}

void iotlb_insert(struct iotlb *t, uint16_t did, uint64_t iova, unsigned page_shift,
		  uint64_t hpa_page, unsigned perm)
{
	iotlb_insert_pasid(t, did, IOTLB_NO_PASID, IOTLB_KIND_SL, iova, page_shift, hpa_page, perm);
}

void iotlb_insert_pasid(struct iotlb *t, uint16_t did, uint32_t pasid, unsigned kind,
			uint64_t iova, unsigned page_shift, uint64_t hpa_page, unsigned perm)
{
	uint64_t vpn = iova >> page_shift;
	struct entry *set = &t->e[(size_t)set_of(t, did, pasid, vpn) * t->cfg.ways];
	struct entry *victim = NULL;

	for (unsigned w = 0; w < t->cfg.ways; w++) {
		struct entry *e = &set[w];

		if (e->valid && e->did == did && e->shift == page_shift && e->vpn == vpn &&
		    e->pasid == pasid) {
			victim = e; /* refresh in place */
			break;
		}
		if (!e->valid && !victim)
			victim = e;
	}
	if (!victim) {
		if (t->cfg.repl == IOTLB_RANDOM) {
			victim = &set[sim_rng_below(t->rng, t->cfg.ways)];
		} else {
			victim = &set[0];
			for (unsigned w = 1; w < t->cfg.ways; w++)
				if (set[w].stamp < victim->stamp)
					victim = &set[w];
		}
		t->st.evictions++;
	}
	victim->valid = true;
	victim->did = did;
	victim->vpn = vpn;
	victim->shift = (uint8_t)page_shift;
	victim->hpa_page = hpa_page & ~((1ull << page_shift) - 1);
	victim->perm = (uint8_t)perm;
	victim->pasid = pasid;
	victim->kind = (uint8_t)kind;
	victim->stamp = ++t->clock;
	t->st.inserts++;
}

void iotlb_flush(struct iotlb *t, const struct iotlb_filter *f)
{
	uint64_t size = 1ull << (12 + (f->am > 51 ? 51 : f->am));
	uint64_t lo = f->addr & ~(size - 1), hi = lo + size;

	t->st.invalidations++;
	for (unsigned i = 0; i < t->cfg.entries; i++) {
		struct entry *e = &t->e[i];

		if (!e->valid || (!f->any_did && e->did != f->did) ||
		    (!f->any_pasid && e->pasid != f->pasid) || !(e->kind & f->kinds))
			continue;
		if (f->range) {
			uint64_t elo = e->vpn << e->shift, ehi = elo + (1ull << e->shift);

			if (!(elo < hi && lo < ehi))
				continue;
		}
		e->valid = false;
		t->st.inval_entries++;
	}
}

void iotlb_flush_all(struct iotlb *t)
{
	struct iotlb_filter f = {.any_did = true, .any_pasid = true, .kinds = IOTLB_KIND_ALL};

	iotlb_flush(t, &f);
}

void iotlb_flush_domain(struct iotlb *t, uint16_t did)
{
	struct iotlb_filter f = {.did = did, .any_pasid = true, .kinds = IOTLB_KIND_ALL};

	iotlb_flush(t, &f);
}

void iotlb_flush_range(struct iotlb *t, uint16_t did, uint64_t addr, unsigned am)
{
	struct iotlb_filter f = {.did = did,
				 .any_pasid = true,
				 .kinds = IOTLB_KIND_ALL,
				 .range = true,
				 .addr = addr,
				 .am = am};

	iotlb_flush(t, &f);
}

unsigned iotlb_valid_entries(const struct iotlb *t)
{
	unsigned n = 0;

	for (unsigned i = 0; i < t->cfg.entries; i++)
		n += t->e[i].valid;
	return n;
}

#define IOTLB_ROW(field, key, meaning)                                                             \
	{                                                                                          \
		METRIC(struct iotlb_stats, field, COUNT, key, meaning)                             \
	}
static const struct metric iotlb_rows[] = {
    IOTLB_ROW(lookups, "lookups", "IOTLB lookups"),
    IOTLB_ROW(hits, "hits", "lookups that found a translation"),
    IOTLB_ROW(misses, "misses", "lookups that did not (a page walk follows)"),
    IOTLB_ROW(inserts, "inserts", "translations filled"),
    IOTLB_ROW(evictions, "evictions", "valid entries replaced to make room"),
    IOTLB_ROW(invalidations, "invalidations", "invalidation requests applied to the IOTLB"),
    IOTLB_ROW(inval_entries, "invalidated_entries", "valid entries those requests dropped"),
};
const struct metric_table iotlb_metrics = METRIC_TABLE(struct iotlb_stats, iotlb_rows);

const struct iotlb_stats *iotlb_stats(const struct iotlb *t)
{
	return &t->st;
}

const struct iotlb_cfg *iotlb_config(const struct iotlb *t)
{
	return &t->cfg;
}
