/* SPDX-License-Identifier: MIT */
/*
 * The DMA protection strategies' bookkeeping (models/host/dma_strategy.c), driven with plain
 * reference strings: what each strategy maps and tears down, the on_demand quota (refusing a
 * map when every cached page is in use, or evicting one in use when told to), the victims of
 * LRU, FIFO and CLOCK, prefetching and its limits, and all-or-nothing multi-page requests.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "models/host/dma_strategy.h"

/* What the strategy asked of its back-end. */
static struct {
	uint64_t mapped[64], unmapped[64];
	bool unmapped_in_use[64];
	unsigned nmap, nunmap;
	uint64_t prefetch_limit; /* keys at or above it are not guest RAM */
	int fail_map;		 /* the back-end refuses this key (0: none) */
} be;

static int be_map(void *ctx, uint64_t key)
{
	(void)ctx;
	if (be.fail_map && key == (uint64_t)be.fail_map)
		return -EFAULT;
	be.mapped[be.nmap++ % 64] = key;
	return 0;
}

static void be_unmap(void *ctx, uint64_t key, bool in_use)
{
	(void)ctx;
	be.unmapped_in_use[be.nunmap % 64] = in_use;
	be.unmapped[be.nunmap++ % 64] = key;
}

static bool be_prefetchable(void *ctx, uint64_t key)
{
	(void)ctx;
	return !be.prefetch_limit || key < be.prefetch_limit;
}

static const struct dma_strategy_ops ops = {be_map, be_unmap, be_prefetchable};

static struct dma_strategy *make(enum dma_strategy_kind kind, uint64_t quota, enum dma_repl repl,
				 unsigned prefetch, enum dma_quota_full full)
{
	struct dma_strategy_cfg c = {kind, quota, repl, prefetch, full};
	struct dma_strategy *s = NULL;

	memset(&be, 0, sizeof(be));
	assert_int_equal(dma_strategy_create(&c, &ops, NULL, &s), 0);
	return s;
}

/* The guest uses page key once: maps it and unmaps it again. */
static void touch(struct dma_strategy *s, uint64_t key)
{
	assert_int_equal(dma_strategy_map(s, key, 1), 0);
	dma_strategy_unmap(s, key, 1);
}

static void single_use_maps_and_tears_down_every_time(void **state)
{
	struct dma_strategy *s = make(DMA_SINGLE_USE, 0, DMA_REPL_LRU, 0, DMA_QUOTA_FAIL);
	const struct dma_strategy_stats *st = dma_strategy_stats(s);

	(void)state;
	assert_int_equal(dma_strategy_map(s, 100, 2), 0);
	assert_int_equal(be.nmap, 2);
	assert_int_equal(st->in_use, 2);
	dma_strategy_unmap(s, 100, 2);
	assert_int_equal(be.nunmap, 2);
	assert_int_equal(be.unmapped[0], 100);
	assert_int_equal(be.unmapped[1], 101);
	assert_false(be.unmapped_in_use[0]);
	assert_int_equal(st->cached, 0);
	/* fresh IOVAs every time: nothing is a remap; the same key again is one */
	assert_int_equal(dma_strategy_map(s, 102, 1), 0);
	assert_int_equal(st->remaps, 0);
	touch(s, 100);
	assert_int_equal(st->remaps, 1);
	assert_int_equal(st->maps, 4);
	assert_int_equal(st->hits, 0);
	dma_strategy_destroy(s);
}

static void shared_counts_users_per_page(void **state)
{
	struct dma_strategy *s = make(DMA_SHARED, 0, DMA_REPL_LRU, 0, DMA_QUOTA_FAIL);
	const struct dma_strategy_stats *st = dma_strategy_stats(s);
	unsigned refs;

	(void)state;
	/* buffer A covers pages 1-2, buffer B pages 2-3: page 2 is mapped once */
	assert_int_equal(dma_strategy_map(s, 1, 2), 0);
	assert_int_equal(dma_strategy_map(s, 2, 2), 0);
	assert_int_equal(st->maps, 3);
	assert_int_equal(st->hits, 1);
	assert_true(dma_strategy_cached(s, 2, &refs));
	assert_int_equal(refs, 2);
	dma_strategy_unmap(s, 1, 2); /* A goes: page 1 torn down, page 2 still B's */
	assert_int_equal(be.nunmap, 1);
	assert_int_equal(be.unmapped[0], 1);
	assert_true(dma_strategy_cached(s, 2, &refs));
	assert_int_equal(refs, 1);
	dma_strategy_unmap(s, 2, 2); /* the last user of 2 and 3 */
	assert_int_equal(be.nunmap, 3);
	assert_int_equal(st->cached, 0);
	touch(s, 2);
	assert_int_equal(st->remaps, 1);
	dma_strategy_destroy(s);
}

static void persistent_maps_once(void **state)
{
	struct dma_strategy *s = make(DMA_PERSISTENT, 0, DMA_REPL_LRU, 0, DMA_QUOTA_FAIL);
	const struct dma_strategy_stats *st = dma_strategy_stats(s);

	(void)state;
	for (int i = 0; i < 5; i++)
		touch(s, 7);
	assert_int_equal(st->maps, 1);
	assert_int_equal(st->unmaps, 0);
	assert_int_equal(st->hits, 4);
	assert_int_equal(be.nunmap, 0);
	assert_int_equal(st->cached, 1);
	assert_int_equal(st->in_use, 0);
	dma_strategy_destroy(s);
}

static void on_demand_refuses_when_full_of_pages_in_use(void **state)
{
	struct dma_strategy *s = make(DMA_ON_DEMAND, 2, DMA_REPL_LRU, 0, DMA_QUOTA_FAIL);
	const struct dma_strategy_stats *st = dma_strategy_stats(s);

	(void)state;
	assert_int_equal(dma_strategy_map(s, 1, 1), 0);
	assert_int_equal(dma_strategy_map(s, 2, 1), 0);
	assert_true(dma_strategy_would_fail(s, 3, 1));
	assert_false(dma_strategy_would_fail(s, 2, 1)); /* in use already: a hit */
	assert_int_equal(dma_strategy_map(s, 3, 1), -ENOSPC);
	assert_int_equal(st->quota_failures, 1);
	assert_int_equal(be.nunmap, 0); /* nothing in use was touched */
	dma_strategy_unmap(s, 1, 1);
	assert_int_equal(st->cached, 2); /* unmapped by the guest, still cached */
	assert_int_equal(dma_strategy_map(s, 3, 1), 0);
	assert_int_equal(st->evictions, 1);
	assert_int_equal(be.unmapped[0], 1);
	assert_int_equal(st->evictions_in_use, 0);
	assert_true(st->cached <= 2);
	dma_strategy_destroy(s);
}

static void on_demand_multi_page_map_is_all_or_nothing(void **state)
{
	struct dma_strategy *s = make(DMA_ON_DEMAND, 3, DMA_REPL_LRU, 0, DMA_QUOTA_FAIL);
	const struct dma_strategy_stats *st = dma_strategy_stats(s);

	(void)state;
	assert_int_equal(dma_strategy_map(s, 1, 2), 0);
	assert_int_equal(dma_strategy_map(s, 10, 2), -ENOSPC); /* needs 2, 1 left */
	assert_int_equal(st->maps, 2);
	assert_false(dma_strategy_cached(s, 10, NULL));
	assert_false(dma_strategy_cached(s, 11, NULL));
	assert_int_equal(st->in_use, 2);
	assert_int_equal(dma_strategy_map(s, 2, 2), 0); /* page 2 in use, 3 new: fits */
	assert_int_equal(st->in_use, 3);
	/* a back-end failure half-way undoes the request's earlier pages */
	dma_strategy_unmap(s, 1, 2);
	dma_strategy_unmap(s, 2, 2);
	be.fail_map = 21;
	assert_int_equal(dma_strategy_map(s, 20, 2), -EFAULT);
	assert_int_equal(st->in_use, 0);
	dma_strategy_destroy(s);
}

static void on_demand_evict_takes_a_page_in_use(void **state)
{
	struct dma_strategy *s = make(DMA_ON_DEMAND, 2, DMA_REPL_FIFO, 0, DMA_QUOTA_EVICT);
	const struct dma_strategy_stats *st = dma_strategy_stats(s);

	(void)state;
	assert_int_equal(dma_strategy_map(s, 1, 1), 0);
	assert_int_equal(dma_strategy_map(s, 2, 1), 0);
	assert_false(dma_strategy_would_fail(s, 3, 1));
	assert_int_equal(dma_strategy_map(s, 3, 1), 0);
	assert_int_equal(st->evictions_in_use, 1);
	assert_int_equal(be.unmapped[0], 1); /* FIFO: the oldest */
	assert_true(be.unmapped_in_use[0]);
	assert_int_equal(st->in_use, 2);
	dma_strategy_unmap(s, 1, 1); /* the guest, late: its page is long gone */
	assert_int_equal(st->stale_releases, 1);
	assert_int_equal(st->in_use, 2);
	dma_strategy_destroy(s);
}

/* A B C, then C B A again (A most recent), D, B, E: with three places LRU drops C then A,
 * FIFO A then B, CLOCK (every bit set at D: the hand's A; then B's second chance) A then C. */
static void victims(enum dma_repl repl, uint64_t out[2])
{
	struct dma_strategy *s = make(DMA_ON_DEMAND, 3, repl, 0, DMA_QUOTA_FAIL);
	const uint64_t refs[] = {'A', 'B', 'C', 'C', 'B', 'A', 'D', 'B', 'E'};

	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++)
		touch(s, refs[i]);
	assert_int_equal(be.nunmap, 2);
	assert_int_equal(dma_strategy_stats(s)->evictions, 2);
	out[0] = be.unmapped[0];
	out[1] = be.unmapped[1];
	dma_strategy_destroy(s);
}

static void replacement_policies_choose_their_victims(void **state)
{
	uint64_t v[2];

	(void)state;
	victims(DMA_REPL_LRU, v);
	assert_int_equal(v[0], 'C');
	assert_int_equal(v[1], 'A');
	victims(DMA_REPL_FIFO, v);
	assert_int_equal(v[0], 'A');
	assert_int_equal(v[1], 'B');
	victims(DMA_REPL_CLOCK, v);
	assert_int_equal(v[0], 'A');
	assert_int_equal(v[1], 'C');
}

static void replacement_never_evicts_a_page_in_use(void **state)
{
	const enum dma_repl all[] = {DMA_REPL_LRU, DMA_REPL_FIFO, DMA_REPL_CLOCK};

	(void)state;
	for (size_t p = 0; p < 3; p++) {
		struct dma_strategy *s = make(DMA_ON_DEMAND, 3, all[p], 0, DMA_QUOTA_FAIL);

		/* 1 and 2 stay in use; 3 comes and goes; every miss must take 3's place */
		assert_int_equal(dma_strategy_map(s, 1, 1), 0);
		assert_int_equal(dma_strategy_map(s, 2, 1), 0);
		for (uint64_t k = 3; k < 20; k++)
			touch(s, k);
		for (unsigned i = 0; i < be.nunmap; i++)
			assert_true(be.unmapped[i] >= 3);
		assert_true(dma_strategy_cached(s, 1, NULL));
		assert_true(dma_strategy_cached(s, 2, NULL));
		dma_strategy_destroy(s);
	}
}

static void prefetch_maps_the_following_pages(void **state)
{
	struct dma_strategy *s = make(DMA_ON_DEMAND, 8, DMA_REPL_LRU, 3, DMA_QUOTA_FAIL);
	const struct dma_strategy_stats *st = dma_strategy_stats(s);

	(void)state;
	touch(s, 10);
	assert_int_equal(st->prefetched, 3);
	assert_int_equal(be.nmap, 4);
	assert_int_equal(be.mapped[1], 11);
	assert_int_equal(be.mapped[3], 13);
	assert_int_equal(st->in_use, 0);
	touch(s, 11); /* found mapped ahead: a hit, and no more prefetching */
	assert_int_equal(st->prefetch_hits, 1);
	assert_int_equal(st->hits, 1);
	assert_int_equal(be.nmap, 4);
	touch(s, 11);
	assert_int_equal(st->prefetch_hits, 1); /* counted once */
	/* the neighbourhood is the K pages after the request, mapped or not */
	touch(s, 9);
	assert_int_equal(be.nmap, 5); /* 9 only: 10..12 are there already */
	assert_int_equal(be.mapped[4], 9);
	/* not guest RAM: prefetching stops there */
	be.prefetch_limit = 31;
	touch(s, 29);
	assert_true(dma_strategy_cached(s, 30, NULL));
	assert_false(dma_strategy_cached(s, 31, NULL));
	dma_strategy_destroy(s);
}

static void prefetch_never_evicts_a_page_in_use_nor_its_own(void **state)
{
	struct dma_strategy *s = make(DMA_ON_DEMAND, 2, DMA_REPL_LRU, 4, DMA_QUOTA_EVICT);
	const struct dma_strategy_stats *st = dma_strategy_stats(s);

	(void)state;
	/* 10 in use and 11 prefetched fill the quota; 12 would take an in-use page or 11 */
	assert_int_equal(dma_strategy_map(s, 10, 1), 0);
	assert_int_equal(st->prefetched, 1);
	assert_true(dma_strategy_cached(s, 11, NULL));
	assert_false(dma_strategy_cached(s, 12, NULL));
	assert_int_equal(st->evictions_in_use, 0);
	dma_strategy_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(single_use_maps_and_tears_down_every_time),
	    cmocka_unit_test(shared_counts_users_per_page),
	    cmocka_unit_test(persistent_maps_once),
	    cmocka_unit_test(on_demand_refuses_when_full_of_pages_in_use),
	    cmocka_unit_test(on_demand_multi_page_map_is_all_or_nothing),
	    cmocka_unit_test(on_demand_evict_takes_a_page_in_use),
	    cmocka_unit_test(replacement_policies_choose_their_victims),
	    cmocka_unit_test(replacement_never_evicts_a_page_in_use),
	    cmocka_unit_test(prefetch_maps_the_following_pages),
	    cmocka_unit_test(prefetch_never_evicts_a_page_in_use_nor_its_own),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
