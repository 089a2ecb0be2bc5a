/* SPDX-License-Identifier: MIT */
/*
 * DMA remapping of every translation type and page size, on tables written by hand:
 * legacy mode (VT-d 3.x §3.4-3.6): TT untranslated / device-TLB (translation and translated
 * requests) / pass-through, 3-, 4- and 5-level second-level tables, 2 MiB and 1 GiB pages, R/W,
 * domain-tagged IOTLB; scalable mode (§3.4.3, §9.4-9.7): PASID directory and table, first-level,
 * second-level, nested (4-level over 4-level costs 24 paging-structure reads, §3.8) and
 * pass-through; the paging-structure caches, caching mode and the bounded walkers.
 */
#include "vtd_fixture.h"

#define SID  0x0308 /* 03:01.0 */
#define SID2 0x0410

static int setup(void **state)
{
	struct vtd_cfg c = fx_cfg_sm();

	*state = fx_new(&c);
	return 0;
}

static int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

/* ---- legacy ---- */

/* §3.6: a 3-, 4- and 5-level walk reads one entry per level; the IOTLB then hits. */
static void test_levels(void **state)
{
	struct fx *f = *state;
	const struct vtd_stats *st = vtd_stats(f->v);

	for (unsigned aw = 1; aw <= 3; aw++) {
		uint16_t sid = (uint16_t)(SID + aw);
		uint64_t pgd = fx_alloc(f), r0;
		struct vtd_xlate x;

		fx_sl_map(f, pgd, aw + 2, 0x5000, FX_DATA + aw * FX_PG, 1, 3);
		fx_ctx_sl(f, sid, 0, pgd, aw, (uint16_t)(10 + aw));
		if (aw == 1)
			fx_enable(f, false);
		r0 = st->walk_mem_reads;
		x = fx_xlate(f, sid, 0x5123, false);
		assert_true(x.ok);
		assert_int_equal(x.hpa, FX_DATA + aw * FX_PG + 0x123);
		assert_int_equal(st->walk_mem_reads - r0, aw + 2);
		assert_false(x.iotlb_hit);
		/* root 16 B, context 16 B, then aw+2 entries: each a memory access + step */
		assert_int_equal(x.mem_reads, aw + 4);
		x = fx_xlate(f, sid, 0x5fff, true);
		assert_true(x.ok);
		assert_true(x.iotlb_hit);
		assert_int_equal(x.mem_reads, 0);
	}
	/* A 3-level table covers 39 bits: beyond is fault 4. */
	assert_false(fx_xlate(f, SID + 1, 1ull << 39, false).ok);
	assert_int_equal(fx_xlate(f, SID + 1, 1ull << 40, false).fault_reason, 0x4);
}

/* §9.8: PS at the PDE maps 2 MiB, at the PDPE 1 GiB; without CAP.SLLPS support, or with
 * address bits below the page size set, the entry has reserved bits (fault Ch). */
static void test_large_pages(void **state)
{
	struct vtd_cfg c = fx_cfg();
	struct fx *f;
	uint64_t pgd;
	struct vtd_xlate x;

	(void)state;
	c.superpages = true;
	f = fx_new(&c);
	pgd = fx_alloc(f);
	fx_sl_map(f, pgd, 4, 0x40000000ull, 0x40000000ull, 3, 3); /* 1 GiB */
	fx_sl_map(f, pgd, 4, 0x200000, FX_DATA, 2, 1);		  /* 2 MiB read-only */
	fx_sl_map(f, pgd, 4, 0x400000, FX_DATA + 0x1000, 2, 3);	  /* misaligned */
	fx_ctx_sl(f, SID, 0, pgd, 2, 5);
	fx_enable(f, false);
	x = fx_xlate(f, SID, 0x40000000ull + 0x12345678, true);
	assert_true(x.ok);
	assert_int_equal(x.page_shift, 30);
	assert_int_equal(x.hpa, 0x40000000ull + 0x12345678);
	assert_int_equal(x.mem_reads, 2 + 2); /* PML4E, PDPE */
	x = fx_xlate(f, SID, 0x2abcde, false);
	assert_true(x.ok);
	assert_int_equal(x.page_shift, 21);
	assert_int_equal(x.hpa, FX_DATA + 0xabcde);
	x = fx_xlate(f, SID, 0x3fffff, false); /* same 2 MiB page: an IOTLB hit */
	assert_true(x.iotlb_hit);
	x = fx_xlate(f, SID, 0x2abcde, true); /* no W */
	assert_false(x.ok);
	assert_int_equal(x.fault_reason, 0x5);
	x = fx_xlate(f, SID, 0x400000, false);
	assert_false(x.ok);
	assert_int_equal(x.fault_reason, 0xc);
	fx_free(f);

	/* The same tables on a unit without superpages: PS is reserved. */
	c = fx_cfg();
	f = fx_new(&c);
	pgd = fx_alloc(f);
	fx_sl_map(f, pgd, 4, 0x200000, FX_DATA, 2, 3);
	fx_ctx_sl(f, SID, 0, pgd, 2, 5);
	fx_enable(f, false);
	assert_int_equal(fx_xlate(f, SID, 0x200000, false).fault_reason, 0xc);
	fx_free(f);
}

/* §3.6: rights are the AND over the levels; a leaf with R=W=0 is not present (5h/6h). */
static void test_permissions(void **state)
{
	struct fx *f = *state;
	uint64_t pgd = fx_alloc(f);

	fx_sl_map(f, pgd, 4, 0x1000, FX_DATA, 1, 1);	     /* R */
	fx_sl_map(f, pgd, 4, 0x2000, FX_DATA + FX_PG, 1, 2); /* W only */
	fx_sl_map(f, pgd, 4, 0x3000, FX_DATA + 2 * FX_PG, 1, 0);
	fx_ctx_sl(f, SID, 0, pgd, 2, 5);
	fx_enable(f, false);
	assert_true(fx_xlate(f, SID, 0x1000, false).ok);
	assert_int_equal(fx_xlate(f, SID, 0x1000, true).fault_reason, 0x5);
	assert_true(fx_xlate(f, SID, 0x2000, true).ok);
	assert_int_equal(fx_xlate(f, SID, 0x2000, false).fault_reason, 0x6);
	assert_int_equal(fx_xlate(f, SID, 0x3000, false).fault_reason, 0x6);
	assert_int_equal(fx_xlate(f, SID, 0x3000, true).fault_reason, 0x5);
	/* the FRCD says which (T: 1 read, 0 write) */
	assert_false(fx_frcd_hi(f, 0) & (1ull << 62)); /* the write to 0x1000 */
	assert_true(fx_frcd_hi(f, 1) & (1ull << 62));  /* the read of 0x2000 */
}

/* §3.4.2: the domain ID tags IOTLB entries: two devices in two domains with the same IOVA
 * get their own translations; two devices in one domain share them. */
static void test_domains(void **state)
{
	struct fx *f = *state;
	uint64_t a = fx_alloc(f), b = fx_alloc(f);
	struct vtd_xlate x;

	fx_sl_map(f, a, 4, 0x7000, FX_DATA, 1, 3);
	fx_sl_map(f, b, 4, 0x7000, FX_DATA + FX_PG, 1, 3);
	fx_ctx_sl(f, SID, 0, a, 2, 1);
	fx_ctx_sl(f, SID2, 0, b, 2, 2);
	fx_ctx_sl(f, SID + 1, 0, a, 2, 1);
	fx_enable(f, false);
	assert_int_equal(fx_xlate(f, SID, 0x7000, false).hpa, FX_DATA);
	x = fx_xlate(f, SID2, 0x7000, false);
	assert_false(x.iotlb_hit);
	assert_int_equal(x.hpa, FX_DATA + FX_PG);
	x = fx_xlate(f, SID + 1, 0x7000, false); /* domain 1 again: its entry hits */
	assert_true(x.iotlb_hit);
	assert_int_equal(x.hpa, FX_DATA);
}

/* §9.3 TT: 00 untranslated only; 01 with device TLBs (translation requests return the page
 * and rights, no fault for a missing mapping; translated requests pass); 10 pass-through;
 * 11 reserved (fault 3h). Translation or translated requests under TT 00 fault Dh. */
static void test_translation_types(void **state)
{
	struct fx *f = *state;
	uint64_t pgd = fx_alloc(f);
	struct vtd_req r = {.sid = SID, .addr = 0x9000, .at = VTD_AT_TRANSLATION};
	struct vtd_xlate x;

	fx_sl_map(f, pgd, 4, 0x9000, FX_DATA, 1, 1);
	fx_ctx_sl(f, SID, 1, pgd, 2, 3);     /* device-TLB */
	fx_ctx_sl(f, SID + 1, 0, pgd, 2, 3); /* untranslated only */
	fx_ctx_sl(f, SID + 2, 2, 0, 2, 0);   /* pass-through */
	fx_ctx_sl(f, SID + 3, 3, pgd, 2, 3); /* reserved */
	fx_enable(f, false);

	x = fx_req(f, &r);
	assert_true(x.ok);
	assert_int_equal(x.hpa, FX_DATA);
	assert_int_equal(x.perm, 1); /* R only */
	assert_int_equal(x.page_shift, 12);
	r.addr = 0xa000; /* nothing mapped: a completion without rights, no fault */
	x = fx_req(f, &r);
	assert_true(x.ok);
	assert_int_equal(x.perm, 0);
	assert_int_equal(vtd_stats(f->v)->faults, 0);
	r.at = VTD_AT_TRANSLATED;
	r.addr = 0x12345678; /* the device's ATC translated it: it passes as is */
	x = fx_req(f, &r);
	assert_true(x.ok);
	assert_int_equal(x.hpa, 0x12345678);
	assert_int_equal(vtd_stats(f->v)->translated_requests, 1);

	r.sid = SID + 1;
	x = fx_req(f, &r);
	assert_false(x.ok);
	assert_int_equal(x.fault_reason, 0xd);
	r.at = VTD_AT_TRANSLATION;
	assert_int_equal(fx_req(f, &r).fault_reason, 0xd);

	x = fx_xlate(f, SID + 2, 0x123456789ull, true);
	assert_true(x.ok);
	assert_int_equal(x.hpa, 0x123456789ull);
	assert_int_equal(vtd_stats(f->v)->passthrough, 1);
	assert_int_equal(fx_xlate(f, SID + 3, 0x9000, false).fault_reason, 0x3);
}

/* TT 01b and 10b need ECAP.DT and ECAP.PT; an AW outside SAGAW is invalid too (3h). */
static void test_tt_needs_capability(void **state)
{
	struct vtd_cfg c = fx_cfg();
	struct fx *f;

	(void)state;
	c.pt = false;
	c.sagaw = 1u << 2;
	f = fx_new(&c);
	fx_ctx_sl(f, SID, 1, fx_alloc(f), 2, 1);
	fx_ctx_sl(f, SID + 1, 2, 0, 2, 1);
	fx_ctx_sl(f, SID + 2, 0, fx_alloc(f), 1, 1); /* 3-level: not in SAGAW */
	fx_enable(f, false);
	assert_int_equal(fx_xlate(f, SID, 0, false).fault_reason, 0x3);
	assert_int_equal(fx_xlate(f, SID + 1, 0, false).fault_reason, 0x3);
	assert_int_equal(fx_xlate(f, SID + 2, 0, false).fault_reason, 0x3);
	fx_free(f);
}

/* ---- scalable mode ---- */

/* PGTT second-level (§9.6) for requests without PASID through RID_PASID, and PGTT
 * pass-through; the PASID cache keeps the PASID-table entry. */
static void test_sm_second_level_and_pt(void **state)
{
	struct fx *f = *state;
	uint64_t pgd = fx_alloc(f), dir;
	struct vtd_xlate x;
	const struct vtd_cache_stats *pc = vtd_cache_stats(f->v, VTD_CACHE_PASID);

	fx_sl_map(f, pgd, 4, 0x5000, FX_DATA, 1, 3);
	dir = fx_smctx(f, SID, false, 0);
	fx_pasid(f, dir, 0, fx_pe_q0(2, pgd, 2), 7, 0);
	dir = fx_smctx(f, SID2, false, 5); /* RID_PASID 5 */
	fx_pasid(f, dir, 5, fx_pe_q0(4, 0, 2), 8, 0);
	fx_enable(f, true);
	x = fx_xlate(f, SID, 0x5010, true);
	assert_true(x.ok);
	assert_int_equal(x.hpa, FX_DATA + 0x10);
	/* root, context (32 B), PASID directory, PASID entry, four levels */
	assert_int_equal(x.mem_reads, 8);
	assert_int_equal(pc->misses, 1);
	x = fx_xlate(f, SID, 0x5020, false);
	assert_int_equal(pc->hits, 1);
	assert_true(x.iotlb_hit);
	x = fx_xlate(f, SID2, 0xabcdef000ull, true);
	assert_true(x.ok);
	assert_int_equal(x.hpa, 0xabcdef000ull);
	x = fx_xlate(f, SID2, 0x1000, true);
	assert_int_equal(x.mem_reads, 0); /* context and PASID caches hit */
	assert_int_equal(pc->misses, 2);
	assert_int_equal(pc->hits, 2);
	/* Not mapped: SL non-leaf missing (79h) then a read of a write-only leaf (86h). */
	assert_int_equal(fx_xlate(f, SID, 0x40000000ull, false).fault_reason, 0x79);
}

/* §3.5: first-level translation of a request with PASID: an x86 page table; A and D are set
 * as the walk uses entries; a user request needs U/S at every level (81h); the address must
 * be canonical (80h); R/W=0 forbids writes (85h); not present is 71h. */
static void test_sm_first_level(void **state)
{
	struct fx *f = *state;
	uint64_t root = fx_alloc(f), dir, pte_slot;
	struct vtd_req r = {
	    .sid = SID, .addr = 0x7f0000001000ull, .pasid_present = true, .pasid = 77};
	struct vtd_xlate x;

	fx_fl_map(f, root, 0, 4, 0x7f0000001000ull, FX_DATA, 1, 0x7);		  /* P RW US */
	fx_fl_map(f, root, 0, 4, 0x7f0000002000ull, FX_DATA + FX_PG, 1, 0x5);	  /* read-only */
	fx_fl_map(f, root, 0, 4, 0x7f0000003000ull, FX_DATA + 2 * FX_PG, 1, 0x3); /* no U/S */
	fx_fl_map(f, root, 0, 4, 0x7f0040000000ull, 0x40000000ull, 3, 0x7);	  /* 1 GiB */
	dir = fx_smctx(f, SID, false, 0);
	fx_pasid(f, dir, 77, fx_pe_q0(1, 0, 0), 9, root);
	fx_enable(f, true);

	r.write = true;
	x = fx_req(f, &r);
	assert_true(x.ok);
	assert_int_equal(x.hpa, FX_DATA);
	/* A set at every level, D at the leaf of a write (§3.5.3) */
	pte_slot = (mem_read64(f->mem, root + ((0x7f0000001000ull >> 39) & 511) * 8) & ~0xfffull);
	assert_true(mem_read64(f->mem, root + ((0x7f0000001000ull >> 39) & 511) * 8) & 0x20);
	(void)pte_slot;
	assert_int_equal(vtd_stats(f->v)->walk_mem_writes, 4);
	r.addr = 0x7f0000002000ull;
	assert_int_equal(fx_req(f, &r).fault_reason, 0x85);
	r.write = false;
	assert_true(fx_req(f, &r).ok);
	r.addr = 0x7f0000003000ull;
	assert_int_equal(fx_req(f, &r).fault_reason, 0x81);
	r.priv = true; /* a supervisor request: SRE is clear in this entry (5Dh) */
	assert_int_equal(fx_req(f, &r).fault_reason, 0x5d);
	r.priv = false;
	r.addr = 0x7f0040000000ull + 0x123456;
	x = fx_req(f, &r);
	assert_true(x.ok);
	assert_int_equal(x.page_shift, 30);
	assert_int_equal(x.hpa, 0x40123456ull);
	r.addr = 0x0000900000000000ull; /* bit 47 set, 63:48 clear: not canonical */
	assert_int_equal(fx_req(f, &r).fault_reason, 0x80);
	r.addr = 0x7f0000009000ull;
	assert_int_equal(fx_req(f, &r).fault_reason, 0x71);
	/* the fault record carries the PASID (PP, PV) */
	assert_true(fx_frcd_hi(f, 0) & (1ull << 31));
	assert_int_equal((fx_frcd_hi(f, 0) >> 40) & 0xfffff, 77);
}

/* §3.8: nested translation. Every first-level table pointer and the final output are
 * guest-physical; each goes through a 4-level second level. Cold caches: 4 (FLPTPTR) + 1
 * (PML4E) + 4 + 1 (PDPE) + 4 + 1 (PDE) + 4 + 1 (PTE) + 4 (the output) = 24 reads. */
static void test_nested_24_reads(void **state)
{
	struct fx *f = *state;
	const uint64_t off = 0x1000000; /* guest memory: GPA g lives at HPA g + 16 MiB */
	uint64_t sl = fx_alloc(f), fl, dir, r0;
	struct vtd_req r = {
	    .sid = SID, .addr = 0x12345678000ull, .pasid_present = true, .pasid = 3};
	struct vtd_xlate x;

	/* Second level: GPAs 0..32 MiB -> HPA + off, 4 KiB pages. */
	f->next = 0x800000; /* SL tables below the guest's memory */
	for (uint64_t g = 0; g < 0x2000000; g += FX_PG)
		fx_sl_map(f, sl, 4, g, g + off, 1, 3);
	/* First level: tables allocated in guest memory (at HPA >= off, GPA = HPA - off). */
	f->next = off + 0x100000;
	fl = fx_alloc(f) - off;
	fx_fl_map(f, fl, off, 4, 0x12345678000ull, 0x1800000, 1, 0x67); /* A, D preset */
	dir = fx_smctx(f, SID, false, 0);
	fx_pasid(f, dir, 3, fx_pe_q0(3, sl, 2), 11, fl);
	fx_enable(f, true);

	r0 = vtd_stats(f->v)->walk_mem_reads;
	x = fx_req(f, &r);
	assert_true(x.ok);
	assert_int_equal(x.hpa, 0x1800000 + off);
	assert_int_equal(vtd_stats(f->v)->walk_mem_reads - r0, 24);
	/* a hit costs nothing more */
	r0 = vtd_stats(f->v)->walk_mem_reads;
	r.addr += 8;
	x = fx_req(f, &r);
	assert_true(x.iotlb_hit);
	assert_int_equal(vtd_stats(f->v)->walk_mem_reads - r0, 0);
	/* A neighbouring page: the first-level tables' second-level translations are in the
	 * IOTLB now: 4 first-level reads + 4 for the output. */
	fx_fl_map(f, fl, off, 4, 0x12345679000ull, 0x1801000, 1, 0x67);
	r0 = vtd_stats(f->v)->walk_mem_reads;
	r.addr = 0x12345679000ull;
	x = fx_req(f, &r);
	assert_true(x.ok);
	assert_int_equal(vtd_stats(f->v)->walk_mem_reads - r0, 8);
	/* A first-level table outside what the second level maps: 76h. */
	fx_fl_map(f, fl, off, 4, 0x22345678000ull, 0x1800000, 1, 0x67);
	mem_write64(f->mem, fl + ((0x22345678000ull >> 39) & 511) * 8 + off,
		    0x3000000ull | 0x67); /* PML4E -> GPA 48 MiB: not mapped */
	r.addr = 0x22345678000ull;
	assert_int_equal(fx_req(f, &r).fault_reason, 0x76);
}

/* Paging-structure caches (§6.2.2): with a PDE cache, a walk of a neighbouring page reads
 * only the leaf. */
static void test_paging_structure_caches(void **state)
{
	struct vtd_cfg c = fx_cfg();
	struct fx *f;
	uint64_t pgd, r0;
	const struct vtd_cache_stats *ps;

	(void)state;
	c.psc_entries[2] = 8;
	c.psc_entries[3] = 4;
	c.psc_entries[4] = 2;
	f = fx_new(&c);
	ps = vtd_cache_stats(f->v, VTD_CACHE_PSC);
	pgd = fx_alloc(f);
	for (uint64_t a = 0; a < 0x10000; a += FX_PG)
		fx_sl_map(f, pgd, 4, a, FX_DATA + a, 1, 3);
	fx_sl_map(f, pgd, 4, 0x40000000ull, FX_DATA, 1, 3); /* another PDPE */
	fx_ctx_sl(f, SID, 0, pgd, 2, 5);
	fx_enable(f, false);
	r0 = vtd_stats(f->v)->walk_mem_reads;
	assert_true(fx_xlate(f, SID, 0x0, false).ok);
	assert_int_equal(vtd_stats(f->v)->walk_mem_reads - r0, 4);
	r0 = vtd_stats(f->v)->walk_mem_reads;
	assert_true(fx_xlate(f, SID, 0x1000, false).ok);
	assert_int_equal(vtd_stats(f->v)->walk_mem_reads - r0, 1); /* PDE cached */
	r0 = vtd_stats(f->v)->walk_mem_reads;
	assert_true(fx_xlate(f, SID, 0x40000000ull, false).ok);
	assert_int_equal(vtd_stats(f->v)->walk_mem_reads - r0, 3); /* PML4E cached */
	ps = vtd_cache_stats(f->v, VTD_CACHE_PSC); /* a sum over the levels, as of this call */
	assert_int_equal(ps->hits, 2);
	assert_true(vtd_psc_stats(f->v, 2) != NULL);
	assert_null(vtd_psc_stats(f->v, 5));
	fx_free(f);
}

/* §6.1 caching mode: not-present entries may be cached; a mapping made afterwards is not
 * seen until software invalidates (what makes virtual IOMMUs trap maps). Without CM, the new
 * mapping is used at once. */
static void test_caching_mode(void **state)
{
	struct vtd_cfg c = fx_cfg();
	struct fx *f;
	uint64_t pgd;

	(void)state;
	c.caching_mode = true;
	f = fx_new(&c);
	pgd = fx_alloc(f);
	fx_sl_map(f, pgd, 4, 0x1000, FX_DATA, 1, 3);
	fx_sl_map(f, pgd, 4, 0x2000, FX_DATA, 1, 0); /* leaf present in table, no rights */
	fx_ctx_sl(f, SID, 0, pgd, 2, 5);
	fx_enable(f, false);
	assert_false(fx_xlate(f, SID, 0x2000, false).ok);
	fx_sl_map(f, pgd, 4, 0x2000, FX_DATA + FX_PG, 1, 3);
	assert_false(fx_xlate(f, SID, 0x2000, false).ok); /* the negative entry still hits */
	fx_free(f);

	c = fx_cfg();
	f = fx_new(&c);
	pgd = fx_alloc(f);
	fx_sl_map(f, pgd, 4, 0x2000, FX_DATA, 1, 0);
	fx_ctx_sl(f, SID, 0, pgd, 2, 5);
	fx_enable(f, false);
	assert_false(fx_xlate(f, SID, 0x2000, false).ok);
	fx_sl_map(f, pgd, 4, 0x2000, FX_DATA + FX_PG, 1, 3);
	assert_true(fx_xlate(f, SID, 0x2000, false).ok);
	fx_free(f);
}

/* A bounded number of walkers: misses that arrive together queue (§6.2; arithmetic). */
static void test_walkers_queue(void **state)
{
	struct vtd_cfg c = fx_cfg();
	struct fx *f;
	uint64_t pgd, t;
	struct vtd_xlate x[3];

	(void)state;
	c.walkers = 2;
	f = fx_new(&c);
	pgd = fx_alloc(f);
	for (uint64_t a = 0; a < 4 * FX_PG; a += FX_PG)
		fx_sl_map(f, pgd, 4, a, FX_DATA + a, 1, 3);
	fx_ctx_sl(f, SID, 0, pgd, 2, 5);
	fx_enable(f, false);
	fx_xlate(f, SID, 0x3000, false); /* warm the context cache */
	t = f->t + 1000000;
	for (unsigned i = 0; i < 3; i++)
		vtd_translate(f->v, SID, i * FX_PG, false, t, &x[i]);
	assert_int_equal(x[0].lat_ps, x[1].lat_ps);
	/* the third waits for the first walker to finish its four reads */
	assert_true(x[2].lat_ps >= x[0].lat_ps + 4 * (FX_MEM_LAT + FX_STEP) - 2000);
	assert_int_equal(vtd_stats(f->v)->walks_queued, 1);
	fx_free(f);
}

/* The walk's memory reads cost the memory model's latency: DRAM (80 ns in the fixture) by
 * default, the LLC's (20 ns) with walk_in_llc. The same 4-level miss, both ways: each of the
 * four paging-structure reads is 60 ns cheaper; the root and context reads are not walk reads
 * and cost DRAM either way (they are read once here, then the context cache hits). */
static void test_walk_in_llc(void **state)
{
	uint64_t lat[2];

	(void)state;
	for (unsigned llc = 0; llc < 2; llc++) {
		struct vtd_cfg c = fx_cfg();
		struct fx *f;
		uint64_t pgd;
		struct vtd_xlate x;

		c.walk_in_llc = llc;
		f = fx_new(&c);
		pgd = fx_alloc(f);
		fx_sl_map(f, pgd, 4, 0x1000, FX_DATA, 1, 3);
		fx_sl_map(f, pgd, 4, 0x2000, FX_DATA + FX_PG, 1, 3);
		fx_ctx_sl(f, SID, 0, pgd, 2, 5);
		fx_enable(f, false);
		fx_xlate(f, SID, 0x1000, false); /* context now cached */
		x = fx_xlate(f, SID, 0x2000, false);
		assert_true(x.ok);
		assert_false(x.iotlb_hit);
		assert_int_equal(x.mem_reads, 4);
		/* IOTLB lookup, context-cache hit, four reads each with the walker's step */
		assert_int_equal(x.lat_ps, c.iotlb_hit_ps + c.ctx_hit_ps +
					       4 * ((llc ? 20000 : FX_MEM_LAT) + FX_STEP));
		lat[llc] = x.lat_ps;
		fx_free(f);
	}
	assert_int_equal(lat[0] - lat[1], 4 * (FX_MEM_LAT - 20000));
}

/* With remapping off (GSTS.TES clear) every request is untranslated (§3.1). */
static void test_translation_off(void **state)
{
	struct fx *f = *state;
	struct vtd_xlate x = fx_xlate(f, SID, 0x1234567, true);

	assert_true(x.ok);
	assert_int_equal(x.hpa, 0x1234567);
	assert_int_equal(vtd_stats(f->v)->untranslated, 1);
}

/* Requests with PASID in legacy mode (31h), reserved TTM (30h). */
static void test_ttm(void **state)
{
	struct fx *f = *state;
	struct vtd_req r = {.sid = SID, .addr = 0, .pasid_present = true, .pasid = 1};

	fx_ctx_sl(f, SID, 0, fx_alloc(f), 2, 5);
	fx_enable(f, false);
	assert_int_equal(fx_req(f, &r).fault_reason, 0x31);
	fx_wr64(f, DMAR_RTADDR_REG, FX_ROOT | (2ull << 10));
	fx_gcmd(f, (1u << 31) | (1u << 30));
	assert_int_equal(fx_xlate(f, SID, 0, false).fault_reason, 0x30);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_levels),
	    cmocka_unit_test(test_large_pages),
	    T(test_permissions),
	    T(test_domains),
	    T(test_translation_types),
	    cmocka_unit_test(test_tt_needs_capability),
	    T(test_sm_second_level_and_pt),
	    T(test_sm_first_level),
	    T(test_nested_24_reads),
	    cmocka_unit_test(test_paging_structure_caches),
	    cmocka_unit_test(test_caching_mode),
	    cmocka_unit_test(test_walkers_queue),
	    cmocka_unit_test(test_walk_in_llc),
	    T(test_translation_off),
	    T(test_ttm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
