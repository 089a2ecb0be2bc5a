/* SPDX-License-Identifier: MIT */
/*
 * A VT-d unit driven by hand, for tests: memory, the unit at explicit increasing times, and
 * builders of the in-memory structures software writes (VT-d 3.x ch. 9): legacy root and
 * context entries, scalable-mode root, context, PASID directory and table entries,
 * second-level and first-level page tables. Numbers are typed from the spec, not taken from
 * vtd_regs.h, where a test checks a format.
 */
#ifndef PTSIM_TEST_VTD_FIXTURE_H
#define PTSIM_TEST_VTD_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "models/iommu/vtd.h"
#include "models/iommu/vtd_regs.h"
#include "models/mem/mem.h"

#define FX_CMD_PS 1000000ull /* 1 us per register command */
#define FX_PG	  0x1000ull
#define FX_ROOT	  0x100000ull  /* root table */
#define FX_TABLES 0x200000ull  /* tables are allocated from here up */
#define FX_DATA	  0x4000000ull /* 64 MiB: data pages */
#define FX_MEM_LAT 80000ull    /* 80 ns per memory access */
#define FX_STEP	  5000ull      /* walker's own time per entry */

struct fx_ev {
	unsigned n;
	uint32_t dest[16];
	uint8_t vector[16];
};

struct fx {
	struct mem *mem;
	struct vtd *v;
	uint64_t t;
	uint64_t next;
	uint32_t fro, iro;
	struct fx_ev ev;
	unsigned posted_n;
	struct vtd_posted posted[8];
};

static inline struct vtd_cfg fx_cfg(void)
{
	struct vtd_cfg c;

	memset(&c, 0, sizeof(c));
	strcpy(c.name, "dmar.fx");
	c.reg_base = 0xfed90000;
	c.domains = 256; /* CAP.ND 2 */
	c.address_width = 57; /* SAGAW: 3-, 4- and 5-level tables */
	c.posted_interrupts = true;
	c.qi = c.ir = c.eim = c.pt = true;
	c.coherent = true;
	c.nfr = 8;
	c.iotlb.entries = 64;
	c.iotlb.ways = 4;
	c.iotlb.repl = IOTLB_LRU;
	c.ctx_entries = 16;
	c.pasid_cache_entries = 16;
	c.iec_entries = 16;
	c.iotlb_hit_ps = 1000;
	c.ctx_hit_ps = 1000;
	c.walk_step_ps = FX_STEP;
	c.cmd_ps = FX_CMD_PS;
	c.qi_desc_ps = 100000;
	c.reg_access_ps = 500000;
	c.ir_ps = 1000;
	c.devtlb_timeout_ps = 50000000; /* 50 us */
	return c;
}

/* The same, with scalable mode and every translation type. */
static inline struct vtd_cfg fx_cfg_sm(void)
{
	struct vtd_cfg c = fx_cfg();

	c.scalable = c.first_level = c.second_level = c.nested = true;
	c.fl_1g = true;
	c.pasid_bits = 20;
	c.device_tlb = true;
	return c;
}

static inline void fx_deliver(void *ctx, uint32_t dest, uint8_t vector, bool level, uint64_t t)
{
	struct fx *f = ctx;

	(void)level;
	(void)t;
	if (f->ev.n < 16) {
		f->ev.dest[f->ev.n] = dest;
		f->ev.vector[f->ev.n] = vector;
	}
	f->ev.n++;
}

static inline void fx_posted(void *ctx, const struct vtd_posted *p)
{
	struct fx *f = ctx;

	if (f->posted_n < 8)
		f->posted[f->posted_n] = *p;
	f->posted_n++;
}

static inline struct fx *fx_new(const struct vtd_cfg *cfg)
{
	/* 128 MiB below 4 GiB and 64 MiB above it. */
	struct mem_cfg mc = {.size = 192ull << 20, .low_top = 128ull << 20,
			     .latency_ps = FX_MEM_LAT, .llc_latency_ps = 20000};
	struct fx *f = calloc(1, sizeof(*f));
	struct vtd_hooks hooks = {0};

	assert_non_null(f);
	assert_int_equal(mem_create(&mc, &f->mem), 0);
	assert_int_equal(vtd_create(cfg, f->mem, &f->v), 0);
	hooks.deliver = fx_deliver;
	hooks.posted = fx_posted;
	hooks.ctx = f;
	vtd_set_hooks(f->v, &hooks);
	f->t = 1000000;
	f->next = FX_TABLES;
	f->fro = (uint32_t)((vtd_cap(f->v) >> 24) & 0x3ff) * 16;  /* CAP.FRO, §11.4.2 */
	f->iro = (uint32_t)((vtd_ecap(f->v) >> 8) & 0x3ff) * 16;  /* ECAP.IRO, §11.4.3 */
	return f;
}

static inline void fx_free(struct fx *f)
{
	vtd_destroy(f->v);
	mem_destroy(f->mem);
	free(f);
}

static inline uint64_t fx_alloc(struct fx *f)
{
	uint64_t pa = f->next;

	f->next += FX_PG;
	for (unsigned i = 0; i < 512; i++)
		mem_write64(f->mem, pa + 8 * i, 0);
	return pa;
}

static inline uint32_t fx_rd32(struct fx *f, uint32_t off)
{
	return (uint32_t)vtd_reg_read(f->v, off, 4, f->t);
}

static inline uint64_t fx_rd64(struct fx *f, uint32_t off)
{
	return vtd_reg_read(f->v, off, 8, f->t);
}

static inline void fx_wr32(struct fx *f, uint32_t off, uint32_t val)
{
	vtd_reg_write(f->v, off, 4, val, f->t);
}

static inline void fx_wr64(struct fx *f, uint32_t off, uint64_t val)
{
	vtd_reg_write(f->v, off, 8, val, f->t);
}

/* A GCMD command, then time for it to complete (§10.4.4). */
static inline void fx_gcmd(struct fx *f, uint32_t cmd)
{
	fx_wr32(f, DMAR_GCMD_REG, cmd);
	f->t += FX_CMD_PS;
}

/* RTADDR (with TTM), SRTP, TE (§11.4.4-11.4.6). */
static inline void fx_enable(struct fx *f, bool scalable)
{
	fx_wr64(f, DMAR_RTADDR_REG, FX_ROOT | (scalable ? 1ull << 10 : 0));
	fx_gcmd(f, 1u << 30); /* SRTP */
	fx_gcmd(f, 1u << 31); /* TE */
	assert_true(fx_rd32(f, DMAR_GSTS_REG) & (1u << 31));
}

/* ---- second-level tables (§9.8): R 0, W 1, PS 7, address 51:12 ---- */

/* Map iova -> pa at `level` (1: 4 KiB, 2: 2 MiB, 3: 1 GiB) in a table of `levels` levels. */
static inline void fx_sl_map(struct fx *f, uint64_t pgd, unsigned levels, uint64_t iova,
			     uint64_t pa, unsigned level, unsigned rw)
{
	uint64_t table = pgd;

	for (unsigned l = levels; l > level; l--) {
		uint64_t slot = table + ((iova >> (12 + 9 * (l - 1))) & 511) * 8;
		uint64_t e = mem_read64(f->mem, slot);

		if (!(e & 3)) {
			e = fx_alloc(f) | 3;
			mem_write64(f->mem, slot, e);
		}
		table = e & 0x000ffffffffff000ull;
	}
	mem_write64(f->mem, table + ((iova >> (12 + 9 * (level - 1))) & 511) * 8,
		    pa | rw | (level > 1 ? 1ull << 7 : 0));
}

/* ---- first-level tables (§9.7): P 0, R/W 1, U/S 2, A 5, D 6, PS 7 ---- */

/* Map va -> pa at `level` of an x86 table at `root`; table pages are at `table_pa(p)` as the
 * unit sees them: identity for host-physical tables, or through `gpa_to_hpa` when nested
 * (tables live at GPA g, stored in memory at g + off). */
static inline void fx_fl_map(struct fx *f, uint64_t root_gpa, uint64_t off, unsigned levels,
			     uint64_t va, uint64_t pa, unsigned level, uint64_t flags)
{
	uint64_t table = root_gpa;

	for (unsigned l = levels; l > level; l--) {
		uint64_t slot = table + ((va >> (12 + 9 * (l - 1))) & 511) * 8 + off;
		uint64_t e = mem_read64(f->mem, slot);

		if (!(e & 1)) {
			uint64_t t = fx_alloc(f) - off; /* the new table's GPA */

			e = t | 0x7; /* P, R/W, U/S */
			mem_write64(f->mem, slot, e);
		}
		table = e & 0x000ffffffffff000ull;
	}
	mem_write64(f->mem, table + ((va >> (12 + 9 * (level - 1))) & 511) * 8 + off,
		    pa | flags | (level > 1 ? 1ull << 7 : 0));
}

/* ---- legacy root/context (§9.1, §9.3) ---- */

static inline void fx_ctx(struct fx *f, uint16_t sid, uint64_t lo, uint64_t hi)
{
	uint64_t re = mem_read64(f->mem, FX_ROOT + (sid >> 8) * 16u), ctp;

	if (!(re & 1)) {
		ctp = fx_alloc(f);
		mem_write64(f->mem, FX_ROOT + (sid >> 8) * 16u, ctp | 1);
	} else {
		ctp = re & ~0xfffull;
	}
	mem_write64(f->mem, ctp + (sid & 0xff) * 16u + 8, hi);
	mem_write64(f->mem, ctp + (sid & 0xff) * 16u, lo);
}

/* Context for sid: TT, second-level table, AW (1: 3 levels, 2: 4, 3: 5), domain. */
static inline void fx_ctx_sl(struct fx *f, uint16_t sid, unsigned tt, uint64_t pgd, unsigned aw,
			     uint16_t did)
{
	fx_ctx(f, sid, pgd | (uint64_t)tt << 2 | 1, aw | (uint64_t)did << 8);
}

/* ---- scalable mode (§9.2, §9.4-9.6) ---- */

/* Scalable context for sid: PASID directory (PDTS 0: 128 entries), DTE, PASIDE. Returns the
 * directory's address. */
static inline uint64_t fx_smctx(struct fx *f, uint16_t sid, bool dte, uint32_t rid_pasid)
{
	uint8_t devfn = (uint8_t)sid;
	uint64_t rp = FX_ROOT + (sid >> 8) * 16u + (devfn >= 128 ? 8 : 0);
	uint64_t re = mem_read64(f->mem, rp), ctp, ctx, dir;

	if (!(re & 1)) {
		ctp = fx_alloc(f);
		mem_write64(f->mem, rp, ctp | 1);
	} else {
		ctp = re & ~0xfffull;
	}
	ctx = ctp + (devfn & 0x7f) * 32u;
	dir = fx_alloc(f);
	mem_write64(f->mem, ctx + 8, rid_pasid);
	mem_write64(f->mem, ctx, dir | (dte ? 4 : 0) | 8 | 1);
	return dir;
}

/* PASID-table entry (64 bytes) for pasid under directory dir. */
static inline void fx_pasid(struct fx *f, uint64_t dir, uint32_t pasid, uint64_t q0, uint64_t q1,
			    uint64_t q2)
{
	uint64_t de = mem_read64(f->mem, dir + (pasid >> 6) * 8u), pt, pe;

	if (!(de & 1)) {
		pt = fx_alloc(f);
		mem_write64(f->mem, dir + (pasid >> 6) * 8u, pt | 1);
	} else {
		pt = de & ~0xfffull;
	}
	pe = pt + (pasid & 63) * 64u;
	mem_write64(f->mem, pe + 8, q1);
	mem_write64(f->mem, pe + 16, q2);
	mem_write64(f->mem, pe, q0);
}

/* PGTT (§9.6): 1 first level, 2 second level, 3 nested, 4 pass-through. */
static inline uint64_t fx_pe_q0(unsigned pgtt, uint64_t slptr, unsigned aw)
{
	return slptr | (uint64_t)pgtt << 6 | (uint64_t)aw << 2 | 1;
}

static inline struct vtd_xlate fx_req(struct fx *f, const struct vtd_req *r)
{
	struct vtd_xlate x;

	f->t += 1000000;
	vtd_translate_req(f->v, r, f->t, &x);
	return x;
}

static inline struct vtd_xlate fx_xlate(struct fx *f, uint16_t sid, uint64_t iova, bool write)
{
	struct vtd_req r = {.sid = sid, .addr = iova, .write = write};

	return fx_req(f, &r);
}

static inline uint64_t fx_frcd_hi(struct fx *f, unsigned i)
{
	return fx_rd64(f, f->fro + 16 * i + 8);
}

static inline uint64_t fx_frcd_lo(struct fx *f, unsigned i)
{
	return fx_rd64(f, f->fro + 16 * i);
}

/* Clear record i (F is RW1C in bits 127 / the top of the upper dword). */
static inline void fx_clear_frcd(struct fx *f, unsigned i)
{
	fx_wr32(f, f->fro + 16 * i + 12, 0x80000000u);
}

#endif
