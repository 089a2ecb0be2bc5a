/* SPDX-License-Identifier: MIT */
/*
 * A set-associative translation cache tagged by domain, as VT-d's IOTLB is (VT-d §6.2.3):
 * entries map one page (4 KiB, 2 MiB or 1 GiB) of a domain's IOVA space to a host page with
 * its permissions. Lookup probes each page size; replacement is LRU, FIFO or random.
 */
#ifndef PTSIM_IOTLB_H
#define PTSIM_IOTLB_H

#include <stdbool.h>
#include <stdint.h>

struct iotlb;
struct sim_rng;

enum iotlb_repl { IOTLB_LRU, IOTLB_FIFO, IOTLB_RANDOM };

struct iotlb_cfg {
	unsigned entries;
	unsigned ways; /* entries % ways == 0; ways == entries: fully associative */
	enum iotlb_repl repl;
};

struct iotlb_stats {
	uint64_t lookups, hits, misses, inserts, evictions, invalidations, inval_entries;
};

struct iotlb_hit {
	uint64_t hpa;        /* translated address (page base + offset) */
	unsigned page_shift; /* 12, 21 or 30 */
	unsigned perm;       /* bit0 read, bit1 write */
};

#define IOTLB_PERM_R 1u
#define IOTLB_PERM_W 2u

int iotlb_create(const struct iotlb_cfg *cfg, struct sim_rng *rng, struct iotlb **out);
void iotlb_destroy(struct iotlb *t);

/* Look up iova in domain did; on a hit fill *hit. Counts a lookup and a hit or miss. */
bool iotlb_lookup(struct iotlb *t, uint16_t did, uint64_t iova, struct iotlb_hit *hit);
/* Insert the page containing iova. */
void iotlb_insert(struct iotlb *t, uint16_t did, uint64_t iova, unsigned page_shift,
		  uint64_t hpa_page, unsigned perm);
/* Invalidations: everything; one domain; pages of a domain overlapping
 * [addr, addr + 2^(12+am)) (VT-d §6.5.2.3: address masks cover aligned 2^am pages). */
void iotlb_flush_all(struct iotlb *t);
void iotlb_flush_domain(struct iotlb *t, uint16_t did);
void iotlb_flush_range(struct iotlb *t, uint16_t did, uint64_t addr, unsigned am);

unsigned iotlb_valid_entries(const struct iotlb *t);
const struct iotlb_stats *iotlb_stats(const struct iotlb *t);
const struct iotlb_cfg *iotlb_config(const struct iotlb *t);

#endif
