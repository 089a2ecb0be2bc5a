/* SPDX-License-Identifier: MIT */
/*
 * The IOTLB on its own (models/iommu/iotlb.h): a set-associative cache of second-level
 * translations tagged by domain ID, as VT-d 3.x §6.2.3 describes (IOTLB entries are tagged
 * with the DID and hold the page frame, page size and permissions). Invalidations follow
 * §6.5.1.2 / §6.5.2.3: global, domain-selective and page-selective with an address mask.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>

#include "models/iommu/iotlb.h"
#include "sim/rng.h"

#define PG 0x1000ull

static struct iotlb *mk(unsigned entries, unsigned ways, enum iotlb_repl repl, struct sim_rng *rng)
{
	struct iotlb_cfg cfg = {.entries = entries, .ways = ways, .repl = repl};
	struct iotlb *t = NULL;

	assert_int_equal(iotlb_create(&cfg, rng, &t), 0);
	assert_non_null(t);
	return t;
}

static bool hits(struct iotlb *t, uint16_t did, uint64_t iova)
{
	struct iotlb_hit h;

	return iotlb_lookup(t, did, iova, &h);
}

static void test_create_validation(void **state)
{
	struct iotlb_cfg cfg = {.entries = 16, .ways = 4, .repl = IOTLB_LRU};
	struct iotlb *t = NULL;
	struct sim_rng *rng = NULL;

	(void)state;
	cfg.entries = 0;
	assert_int_equal(iotlb_create(&cfg, NULL, &t), -EINVAL);
	cfg.entries = 16;
	cfg.ways = 0;
	assert_int_equal(iotlb_create(&cfg, NULL, &t), -EINVAL);
	cfg.entries = 10; /* not a multiple of the ways */
	cfg.ways = 4;
	assert_int_equal(iotlb_create(&cfg, NULL, &t), -EINVAL);
	cfg.entries = 16;
	cfg.repl = IOTLB_RANDOM; /* random replacement needs a generator */
	assert_int_equal(iotlb_create(&cfg, NULL, &t), -EINVAL);
	assert_null(t);

	assert_int_equal(sim_rng_create(1, "iotlb", &rng), 0);
	assert_int_equal(iotlb_create(&cfg, rng, &t), 0);
	assert_int_equal(iotlb_config(t)->entries, 16);
	assert_int_equal(iotlb_config(t)->ways, 4);
	assert_int_equal(iotlb_valid_entries(t), 0);
	iotlb_destroy(t);
	/* Fully associative: ways == entries. */
	cfg.ways = 16;
	cfg.repl = IOTLB_LRU;
	assert_int_equal(iotlb_create(&cfg, NULL, &t), 0);
	iotlb_destroy(t);
	iotlb_destroy(NULL);
	sim_rng_destroy(rng);
}

static void test_hit_miss_counts(void **state)
{
	struct iotlb *t = mk(16, 4, IOTLB_LRU, NULL);
	struct iotlb_hit h = {0};
	const struct iotlb_stats *st = iotlb_stats(t);

	(void)state;
	assert_false(iotlb_lookup(t, 1, 0x5000, &h));
	iotlb_insert(t, 1, 0x5abc, 12, 0x123456000ull, IOTLB_PERM_R | IOTLB_PERM_W);
	assert_true(iotlb_lookup(t, 1, 0x5123, &h));
	assert_int_equal(h.hpa, 0x123456123ull);
	assert_int_equal(h.page_shift, 12);
	assert_true(iotlb_lookup(t, 1, 0x5fff, &h));
	assert_int_equal(h.hpa, 0x123456fffull);
	assert_false(iotlb_lookup(t, 1, 0x6000, &h)); /* next page */
	assert_false(iotlb_lookup(t, 1, 0x4fff, &h)); /* previous page */

	assert_int_equal(st->lookups, 5);
	assert_int_equal(st->hits, 2);
	assert_int_equal(st->misses, 3);
	assert_int_equal(st->inserts, 1);
	assert_int_equal(st->evictions, 0);
	assert_int_equal(iotlb_valid_entries(t), 1);

	/* Re-inserting the same page refreshes it in place rather than duplicating it. */
	iotlb_insert(t, 1, 0x5000, 12, 0x777000, IOTLB_PERM_R);
	assert_int_equal(iotlb_valid_entries(t), 1);
	assert_true(iotlb_lookup(t, 1, 0x5010, &h));
	assert_int_equal(h.hpa, 0x777010);
	assert_int_equal(h.perm, IOTLB_PERM_R);
	iotlb_destroy(t);
}

static void test_permissions(void **state)
{
	struct iotlb *t = mk(16, 4, IOTLB_LRU, NULL);
	struct iotlb_hit h;

	(void)state;
	iotlb_insert(t, 3, 0x10000, 12, 0xa0000, IOTLB_PERM_R);
	iotlb_insert(t, 3, 0x11000, 12, 0xa1000, IOTLB_PERM_W);
	iotlb_insert(t, 3, 0x12000, 12, 0xa2000, IOTLB_PERM_R | IOTLB_PERM_W);
	assert_true(iotlb_lookup(t, 3, 0x10000, &h));
	assert_int_equal(h.perm, IOTLB_PERM_R);
	assert_true(iotlb_lookup(t, 3, 0x11000, &h));
	assert_int_equal(h.perm, IOTLB_PERM_W);
	assert_true(iotlb_lookup(t, 3, 0x12000, &h));
	assert_int_equal(h.perm, IOTLB_PERM_R | IOTLB_PERM_W);
	iotlb_destroy(t);
}

/*
 * Set selection: the set index is the page number modulo the number of sets (mixed with a
 * per-domain constant), so with 16 entries x 4 ways = 4 sets, pages 4 apart share a set.
 * Pattern: fill A B C D, touch A and B, insert E.
 */
#define STRIDE (4 * PG)

static void fill_and_touch(struct iotlb *t)
{
	for (unsigned i = 0; i < 4; i++)
		iotlb_insert(t, 1, i * STRIDE, 12, 0x100000 + i * PG, IOTLB_PERM_R);
	/* Another set's entry, which must not be disturbed by this set's replacement. */
	iotlb_insert(t, 1, PG, 12, 0x200000, IOTLB_PERM_R);
	assert_int_equal(iotlb_valid_entries(t), 5);
	assert_true(hits(t, 1, 0 * STRIDE));				     /* A */
	assert_true(hits(t, 1, 1 * STRIDE));				     /* B */
	iotlb_insert(t, 1, 4 * STRIDE, 12, 0x100000 + 4 * PG, IOTLB_PERM_R); /* E */
	assert_int_equal(iotlb_stats(t)->evictions, 1);
	assert_int_equal(iotlb_valid_entries(t), 5);
}

static void test_lru(void **state)
{
	struct iotlb *t = mk(16, 4, IOTLB_LRU, NULL);

	(void)state;
	fill_and_touch(t);
	/* C (inserted third, never touched) was the least recently used. */
	assert_false(hits(t, 1, 2 * STRIDE));
	assert_true(hits(t, 1, 0 * STRIDE));
	assert_true(hits(t, 1, 1 * STRIDE));
	assert_true(hits(t, 1, 3 * STRIDE));
	assert_true(hits(t, 1, 4 * STRIDE));
	assert_true(hits(t, 1, PG));
	iotlb_destroy(t);
}

static void test_fifo_differs_from_lru(void **state)
{
	struct iotlb *t = mk(16, 4, IOTLB_FIFO, NULL);

	(void)state;
	fill_and_touch(t);
	/* FIFO ignores the touches: A, the first inserted, goes. */
	assert_false(hits(t, 1, 0 * STRIDE));
	assert_true(hits(t, 1, 1 * STRIDE));
	assert_true(hits(t, 1, 2 * STRIDE));
	assert_true(hits(t, 1, 3 * STRIDE));
	assert_true(hits(t, 1, 4 * STRIDE));
	assert_true(hits(t, 1, PG));
	iotlb_destroy(t);
}

/* Evict repeatedly from one 4-way set and return which old page each insert displaced. */
static void random_victims(uint64_t seed, unsigned n, unsigned *victim)
{
	struct sim_rng *rng;
	struct iotlb *t;
	uint64_t resident[4];

	assert_int_equal(sim_rng_create(seed, "iotlb.test", &rng), 0);
	t = mk(16, 4, IOTLB_RANDOM, rng);
	for (unsigned i = 0; i < 4; i++) {
		resident[i] = i * STRIDE;
		iotlb_insert(t, 1, resident[i], 12, resident[i], IOTLB_PERM_R);
	}
	for (unsigned k = 0; k < n; k++) {
		uint64_t page = (4 + k) * STRIDE;
		unsigned gone = 4;

		iotlb_insert(t, 1, page, 12, page, IOTLB_PERM_R);
		for (unsigned i = 0; i < 4; i++) {
			if (!hits(t, 1, resident[i])) {
				assert_int_equal(gone, 4); /* exactly one victim */
				gone = i;
			}
		}
		assert_int_not_equal(gone, 4);
		victim[k] = gone;
		resident[gone] = page;
	}
	assert_int_equal(iotlb_stats(t)->evictions, n);
	assert_int_equal(iotlb_valid_entries(t), 4);
	iotlb_destroy(t);
	sim_rng_destroy(rng);
}

static void test_random_deterministic(void **state)
{
	unsigned a[64], b[64], c[64];
	unsigned differ = 0, ways_used = 0;

	(void)state;
	random_victims(42, 64, a);
	random_victims(42, 64, b);
	random_victims(43, 64, c);
	assert_memory_equal(a, b, sizeof(a));
	for (unsigned k = 0; k < 64; k++) {
		differ += a[k] != c[k];
		ways_used |= 1u << a[k];
	}
	/* Another seed gives another sequence, and the victims are spread over the ways. */
	assert_true(differ > 0);
	assert_int_equal(ways_used, 0xf);
}

/* Fully associative, so both domains' entries sit in the one set and only the DID tag tells
 * them apart. */
static void test_did_tagging(void **state)
{
	struct iotlb *t = mk(16, 16, IOTLB_LRU, NULL);
	struct iotlb_hit h;

	(void)state;
	iotlb_insert(t, 1, 0x40000, 12, 0x1000000, IOTLB_PERM_R);
	iotlb_insert(t, 2, 0x40000, 12, 0x2000000, IOTLB_PERM_R | IOTLB_PERM_W);
	assert_int_equal(iotlb_valid_entries(t), 2);
	assert_true(iotlb_lookup(t, 1, 0x40008, &h));
	assert_int_equal(h.hpa, 0x1000008);
	assert_int_equal(h.perm, IOTLB_PERM_R);
	assert_true(iotlb_lookup(t, 2, 0x40008, &h));
	assert_int_equal(h.hpa, 0x2000008);
	assert_int_equal(h.perm, IOTLB_PERM_R | IOTLB_PERM_W);
	assert_false(iotlb_lookup(t, 3, 0x40008, &h));

	iotlb_flush_domain(t, 1);
	assert_false(iotlb_lookup(t, 1, 0x40008, &h));
	assert_true(iotlb_lookup(t, 2, 0x40008, &h));
	assert_int_equal(h.hpa, 0x2000008);
	assert_int_equal(iotlb_stats(t)->invalidations, 1);
	assert_int_equal(iotlb_stats(t)->inval_entries, 1);
	iotlb_destroy(t);
}

/* §3.6 / §9.8: a PS entry at the PDE maps 2 MiB, at the PDPE 1 GiB. */
static void test_superpages(void **state)
{
	struct iotlb *t = mk(64, 4, IOTLB_LRU, NULL);
	struct iotlb_hit h;

	(void)state;
	/* The host page base is aligned down to the page size. */
	iotlb_insert(t, 4, 0x40200000 + 0x1234, 21, 0x80000000 + 0x5000, IOTLB_PERM_R);
	assert_true(iotlb_lookup(t, 4, 0x40200000, &h));
	assert_int_equal(h.hpa, 0x80000000);
	assert_int_equal(h.page_shift, 21);
	assert_true(iotlb_lookup(t, 4, 0x40200000 + 0x1fffff, &h));
	assert_int_equal(h.hpa, 0x80000000 + 0x1fffff);
	assert_int_equal(h.page_shift, 21);
	assert_true(iotlb_lookup(t, 4, 0x40200000 + 0xabcde, &h));
	assert_int_equal(h.hpa, 0x80000000 + 0xabcde);
	assert_false(iotlb_lookup(t, 4, 0x40400000, &h));
	assert_false(iotlb_lookup(t, 4, 0x401fffff, &h));

	iotlb_insert(t, 4, 0xc0000000, 30, 0x140000000ull, IOTLB_PERM_R | IOTLB_PERM_W);
	assert_true(iotlb_lookup(t, 4, 0xc0000000 + 0x3fffffff, &h));
	assert_int_equal(h.hpa, 0x140000000ull + 0x3fffffff);
	assert_int_equal(h.page_shift, 30);
	assert_int_equal(h.perm, IOTLB_PERM_R | IOTLB_PERM_W);
	assert_true(iotlb_lookup(t, 4, 0xc0000000 + 0x12345678, &h));
	assert_int_equal(h.hpa, 0x140000000ull + 0x12345678);
	assert_false(iotlb_lookup(t, 4, 0x100000000ull, &h));
	assert_false(iotlb_lookup(t, 5, 0xc0000000, &h)); /* other domain */
	iotlb_destroy(t);
}

static void test_flush_all(void **state)
{
	struct iotlb *t = mk(64, 4, IOTLB_LRU, NULL);

	(void)state;
	for (unsigned i = 0; i < 6; i++)
		iotlb_insert(t, (uint16_t)(i % 3), i * PG, 12, i * PG, IOTLB_PERM_R);
	assert_int_equal(iotlb_valid_entries(t), 6);
	iotlb_flush_all(t);
	assert_int_equal(iotlb_valid_entries(t), 0);
	for (unsigned i = 0; i < 6; i++)
		assert_false(hits(t, (uint16_t)(i % 3), i * PG));
	assert_int_equal(iotlb_stats(t)->invalidations, 1);
	assert_int_equal(iotlb_stats(t)->inval_entries, 6);
	iotlb_destroy(t);
}

/* §6.5.2.3: page-selective invalidation covers 2^AM pages aligned to 2^AM pages; the low AM
 * bits of the address are ignored. */
static void test_flush_range(void **state)
{
	struct iotlb *t = mk(64, 4, IOTLB_LRU, NULL);
	const uint64_t base = 0x100000;

	(void)state;
	for (unsigned i = 0; i < 8; i++)
		iotlb_insert(t, 5, base + i * PG, 12, 0x800000 + i * PG, IOTLB_PERM_R);
	iotlb_insert(t, 6, base + 5 * PG, 12, 0x900000, IOTLB_PERM_R); /* other domain */
	assert_int_equal(iotlb_valid_entries(t), 9);

	/* am = 0: exactly one page. */
	iotlb_flush_range(t, 5, base + 2 * PG, 0);
	assert_int_equal(iotlb_valid_entries(t), 8);
	assert_false(hits(t, 5, base + 2 * PG));
	assert_true(hits(t, 5, base + 1 * PG));
	assert_true(hits(t, 5, base + 3 * PG));

	/* am = 2: the four aligned pages 4..7, given an address inside the block (page 5). */
	iotlb_flush_range(t, 5, base + 5 * PG + 0x10, 2);
	for (unsigned i = 4; i < 8; i++)
		assert_false(hits(t, 5, base + i * PG));
	assert_true(hits(t, 5, base + 0 * PG));
	assert_true(hits(t, 5, base + 1 * PG));
	assert_true(hits(t, 5, base + 3 * PG));
	assert_true(hits(t, 6, base + 5 * PG)); /* domain 6's entry survives */
	assert_int_equal(iotlb_valid_entries(t), 4);
	assert_int_equal(iotlb_stats(t)->invalidations, 2);
	assert_int_equal(iotlb_stats(t)->inval_entries, 5);

	/* A 4 KiB page-selective invalidation inside a 2 MiB entry removes the whole entry. */
	iotlb_insert(t, 5, 0x40000000, 21, 0x40000000, IOTLB_PERM_R);
	assert_true(hits(t, 5, 0x40100000));
	iotlb_flush_range(t, 5, 0x40123000, 0);
	assert_false(hits(t, 5, 0x40000000));
	iotlb_destroy(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_create_validation),
	    cmocka_unit_test(test_hit_miss_counts),
	    cmocka_unit_test(test_permissions),
	    cmocka_unit_test(test_lru),
	    cmocka_unit_test(test_fifo_differs_from_lru),
	    cmocka_unit_test(test_random_deterministic),
	    cmocka_unit_test(test_did_tagging),
	    cmocka_unit_test(test_superpages),
	    cmocka_unit_test(test_flush_all),
	    cmocka_unit_test(test_flush_range),
	};

	return cmocka_run_group_tests_name("iotlb", tests, NULL, NULL);
}
