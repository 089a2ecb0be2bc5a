/* SPDX-License-Identifier: MIT */
/*
 * The DMA protection strategies' bookkeeping, apart from the hardware: which guest map and
 * unmap requests become IOMMU page mappings and teardowns. The paravirtual back-end
 * (pv_iommu.c) feeds it one request at a time and carries out what it decides through the
 * callbacks (pin and map one page, tear one page down); everything here is counting and
 * choosing, so unit tests drive it with plain reference strings.
 *
 * - single_use: every request maps its pages and every unmap tears them down (Willmann,
 *   Rixner and Cox, USENIX ATC'08); the guest gives each mapping IOVAs of its own.
 * - shared: a page's mapping is reference-counted: the first map of a page maps it, later
 *   ones reuse it, the last unmap tears it down (ibid.).
 * - persistent: a page is mapped on first use and never torn down (ibid.).
 * - on_demand: a map cache of at most `quota` pages (Yassour, Ben-Yehuda and Wasserman,
 *   SYSTOR'10). A guest unmap keeps the page mapped (cached); a map of a cached page is a hit;
 *   a miss maps the page, evicting an unused one (LRU, FIFO or CLOCK) when the cache is full,
 *   and may map up to `prefetch` following pages in the same call. A page in use (mapped by
 *   the guest and not unmapped since) is never evicted: I/O devices take no page faults. When
 *   the cache is full of pages in use, the map fails (QUOTA_FAIL: the guest sees
 *   dma_mapping_error) -- or, with quota_full: evict, the hypervisor enforces the quota on an
 *   uncooperative guest by evicting a page in use anyway, which is counted as a fault: the
 *   device's next DMA to it is blocked by the IOMMU.
 *
 * Keys are page numbers (with the domain in the high bits): key + 1 is the next page.
 */
#ifndef PTSIM_DMA_STRATEGY_H
#define PTSIM_DMA_STRATEGY_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/u64map.h"

enum dma_strategy_kind {
	DMA_NONE,	/* no DMA remapping for the device (context pass-through) */
	DMA_DIRECT_MAP, /* all guest RAM mapped and pinned up front (what VFIO does) */
	DMA_SINGLE_USE,
	DMA_SHARED,
	DMA_PERSISTENT,
	DMA_ON_DEMAND,
};
enum dma_repl { DMA_REPL_LRU, DMA_REPL_FIFO, DMA_REPL_CLOCK };
enum dma_inval { DMA_INVAL_STRICT, DMA_INVAL_DEFERRED };
enum dma_quota_full { DMA_QUOTA_FAIL, DMA_QUOTA_EVICT };

struct dma_strategy_cfg {
	enum dma_strategy_kind kind; /* single_use, shared, persistent or on_demand */
	uint64_t quota;		     /* on_demand: pages the cache may keep mapped */
	enum dma_repl repl;	     /* on_demand: which unused page a miss evicts */
	unsigned prefetch;	     /* on_demand: following pages a miss maps too */
	enum dma_quota_full full;    /* on_demand: a miss with the cache full of pages in use */
};

/* What the strategy asks of its back-end, one page at a time. */
struct dma_strategy_ops {
	/* Pin and map page `key` in the IOMMU; 0 or a negative errno (then nothing changed). */
	int (*map)(void *ctx, uint64_t key);
	/* Tear page `key` down (unmap, invalidate by the policy, unpin); in_use: the guest had
	 * not unmapped it (an eviction forced on a page in use). */
	void (*unmap)(void *ctx, uint64_t key, bool in_use);
	/* on_demand prefetch: may page `key` be mapped ahead (guest RAM of the same domain)? */
	bool (*prefetchable)(void *ctx, uint64_t key);
};

struct dma_strategy_stats {
	uint64_t requests, releases; /* the guest's map and unmap requests (ranges) */
	uint64_t maps, unmaps;	     /* pages mapped in and torn down from the IOMMU */
	uint64_t remaps;	     /* maps of a page that was mapped before and torn down */
	uint64_t hits, misses;	     /* page maps that found the page mapped, or did not */
	uint64_t evictions;	     /* on_demand: unused pages the cache dropped for others */
	uint64_t evictions_in_use;   /* on_demand, quota_full: evict: pages in use it dropped */
	uint64_t stale_releases;     /* unmaps of pages evicted while in use */
	uint64_t prefetched, prefetch_hits; /* pages mapped ahead; those a later map found */
	uint64_t quota_failures; /* map requests refused: the cache was full of pages in use */
	uint64_t cached, in_use; /* pages mapped now; of them, in use by the guest */
};

struct dma_strategy;

int dma_strategy_create(const struct dma_strategy_cfg *cfg, const struct dma_strategy_ops *ops,
			void *ctx, struct dma_strategy **out);
void dma_strategy_destroy(struct dma_strategy *s);
/* The guest maps pages [key, key + n): 0, -ENOSPC (the quota is full of pages in use: nothing
 * was mapped), or the back-end's error. */
int dma_strategy_map(struct dma_strategy *s, uint64_t key, unsigned n);
/* The guest unmaps pages [key, key + n). */
void dma_strategy_unmap(struct dma_strategy *s, uint64_t key, unsigned n);
/* Whether a map of [key, key + n) would fail for the quota (what a cooperative guest that
 * knows its quota computes itself). */
bool dma_strategy_would_fail(const struct dma_strategy *s, uint64_t key, unsigned n);
/* Whether page key is mapped now, and how many guest mappings use it. */
bool dma_strategy_cached(const struct dma_strategy *s, uint64_t key, unsigned *refs);
const struct dma_strategy_stats *dma_strategy_stats(const struct dma_strategy *s);

#endif
