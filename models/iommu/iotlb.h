/* SPDX-License-Identifier: MIT */
/*
 * A set-associative translation cache tagged by domain, PASID and page size, as VT-d's IOTLB
 * is (VT-d 3.x §6.2.3, §6.2.4): entries map one page (4 KiB, 2 MiB or 1 GiB) of an address
 * space to a host page with its permissions, and remember whether they came from a
 * second-level, first-level or nested walk (which decides what invalidates them, §6.5.2.4
 * and §6.5.2.6). Lookup probes each page size; replacement is LRU, FIFO or random.
 */
#ifndef PTSIM_IOTLB_H
#define PTSIM_IOTLB_H

#include <stdbool.h>
#include <stdint.h>

struct iotlb;
struct sim_rng;

enum iotlb_repl { IOTLB_LRU, IOTLB_FIFO, IOTLB_RANDOM };
extern const char *const iotlb_repl_names[]; /* their YAML names, in order (vtd_cfg.c) */

struct iotlb_cfg {
	unsigned entries;
	unsigned ways; /* entries % ways == 0; ways == entries: fully associative */
	enum iotlb_repl repl;
};

struct iotlb_stats {
	uint64_t lookups, hits, misses, inserts, evictions, invalidations, inval_entries;
};
/* Its metric table (sim/metrics.h), keys relative to where the application places it. */
struct metric_table;
extern const struct metric_table iotlb_metrics;

struct iotlb_hit {
	uint64_t hpa;        /* translated address (page base + offset) */
	unsigned page_shift; /* 12, 21 or 30 */
	unsigned perm;       /* bit0 read, bit1 write */
	unsigned kind;       /* IOTLB_KIND_* */
};

#define IOTLB_PERM_R 1u
#define IOTLB_PERM_W 2u

/* Requests without PASID (legacy mode, and second-level tables walked for nesting). */
#define IOTLB_NO_PASID 0xffffffffu
/* Which walk filled an entry (a bit mask in filters). */
#define IOTLB_KIND_SL     1u
#define IOTLB_KIND_FL     2u
#define IOTLB_KIND_NESTED 4u
#define IOTLB_KIND_ALL    7u

/* What an invalidation selects: a domain (or any), a PASID (or any), kinds of entries, and
 * optionally the aligned 2^am pages at addr. */
struct iotlb_filter {
	bool any_did;
	uint16_t did;
	bool any_pasid;
	uint32_t pasid;
	unsigned kinds;
	bool range;
	uint64_t addr;
	unsigned am;
};

int iotlb_create(const struct iotlb_cfg *cfg, struct sim_rng *rng, struct iotlb **out);
void iotlb_destroy(struct iotlb *t);

/* Look up iova in domain did; on a hit fill *hit. Counts a lookup and a hit or miss. */
bool iotlb_lookup(struct iotlb *t, uint16_t did, uint64_t iova, struct iotlb_hit *hit);
/* Insert the page containing iova. */
void iotlb_insert(struct iotlb *t, uint16_t did, uint64_t iova, unsigned page_shift,
		  uint64_t hpa_page, unsigned perm);
/* The same with a PASID tag (IOTLB_NO_PASID for none) and the kind of walk. */
bool iotlb_lookup_pasid(struct iotlb *t, uint16_t did, uint32_t pasid, uint64_t iova,
			struct iotlb_hit *hit);
void iotlb_insert_pasid(struct iotlb *t, uint16_t did, uint32_t pasid, unsigned kind,
			uint64_t iova, unsigned page_shift, uint64_t hpa_page, unsigned perm);
/* Drop every entry the filter selects (one invalidation). */
void iotlb_flush(struct iotlb *t, const struct iotlb_filter *f);
/* Invalidations: everything; one domain; pages of a domain overlapping
 * [addr, addr + 2^(12+am)) (VT-d §6.5.2.3: address masks cover aligned 2^am pages). */
void iotlb_flush_all(struct iotlb *t);
void iotlb_flush_domain(struct iotlb *t, uint16_t did);
void iotlb_flush_range(struct iotlb *t, uint16_t did, uint64_t addr, unsigned am);

unsigned iotlb_valid_entries(const struct iotlb *t);
const struct iotlb_stats *iotlb_stats(const struct iotlb *t);
const struct iotlb_cfg *iotlb_config(const struct iotlb *t);

#endif
