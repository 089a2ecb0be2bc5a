/* SPDX-License-Identifier: MIT */
/*
 * The VT-d unit's registers and DMA remapping, driven without the engine: every register
 * access and translation is given an explicit, increasing time, and the unit completes its
 * commands (GCMD, CCMD, IOTLB) cmd_ps after they were written (VT-d 3.x §10.4.4-10.4.5:
 * software polls GSTS for the status). Tables are written by hand into a small memory: legacy
 * mode root/context entries (§9.1, §9.3) and 4-level second-level tables (§9.8).
 * Numbers in the constant checks are typed from the spec (§11.4), not taken from vtd_regs.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "models/iommu/vtd.h"
#include "models/iommu/vtd_regs.h"
#include "models/mem/mem.h"

#define CMD_PS 1000000ull /* 1 µs per register command */
#define PG     0x1000ull

/* Memory layout of the hand-built tables. */
#define ROOT_TABLE 0x100000ull
#define TABLES	   0x200000ull /* context tables and page tables are allocated from here */
#define DATA	   0x1000000ull

#define BUS 3
#define SID (BUS << 8 | 0x08) /* 03:01.0 */
#define DID 7

struct fx {
	struct mem *mem;
	struct vtd *v;
	uint64_t t;
	uint64_t next_table;
	uint64_t ctx_table; /* bus BUS */
	uint64_t pml4;
	uint32_t fro;
	struct {
		unsigned n;
		uint32_t dest[8];
		uint8_t vector[8];
	} ev;
};

static struct vtd_cfg base_cfg(void)
{
	struct vtd_cfg c;

	memset(&c, 0, sizeof(c));
	strcpy(c.name, "dmar.test");
	c.reg_base = 0xfed90000;
	c.domains = 256;   /* CAP.ND 2 */
	c.sagaw = 1u << 2; /* 48-bit, 4-level only */
	c.address_width = 48;
	c.posted_interrupts = true;
	c.qi = c.ir = c.eim = c.pt = true;
	c.coherent = true;
	c.nfr = 4;
	c.iotlb.entries = 64;
	c.iotlb.ways = 4;
	c.iotlb.repl = IOTLB_LRU;
	c.ctx_entries = 16;
	c.iec_entries = 16;
	c.iotlb_hit_ps = 1000;
	c.ctx_hit_ps = 1000;
	c.walk_step_ps = 2000;
	c.cmd_ps = CMD_PS;
	c.reg_access_ps = 500000;
	c.ir_ps = 1000;
	return c;
}

static void deliver(void *ctx, uint32_t dest, uint8_t vector, bool level, uint64_t t)
{
	struct fx *f = ctx;

	(void)level;
	(void)t;
	if (f->ev.n < 8) {
		f->ev.dest[f->ev.n] = dest;
		f->ev.vector[f->ev.n] = vector;
	}
	f->ev.n++;
}

static struct fx *fx_new(const struct vtd_cfg *cfg)
{
	struct mem_cfg mc = {.size = 64ull << 20, .low_top = 64ull << 20, .latency_ps = 80000};
	struct fx *f = calloc(1, sizeof(*f));
	struct vtd_hooks hooks = {0};

	assert_non_null(f);
	assert_int_equal(mem_create(&mc, &f->mem), 0);
	assert_int_equal(vtd_create(cfg, f->mem, &f->v), 0);
	hooks.deliver = deliver;
	hooks.ctx = f;
	vtd_set_hooks(f->v, &hooks);
	f->t = 1000000;
	f->next_table = TABLES;
	f->fro = (uint32_t)((vtd_cap(f->v) >> 24) & 0x3ff) * 16; /* CAP.FRO, §11.4.2 */
	return f;
}

static int setup(void **state)
{
	struct vtd_cfg c = base_cfg();

	*state = fx_new(&c);
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	vtd_destroy(f->v);
	mem_destroy(f->mem);
	free(f);
	return 0;
}

/* ---- register access at explicit times ---- */

static uint32_t rd32(struct fx *f, uint32_t off)
{
	return (uint32_t)vtd_reg_read(f->v, off, 4, f->t);
}

static uint64_t rd64(struct fx *f, uint32_t off)
{
	return vtd_reg_read(f->v, off, 8, f->t);
}

static void wr32(struct fx *f, uint32_t off, uint32_t val)
{
	vtd_reg_write(f->v, off, 4, val, f->t);
}

static void wr64(struct fx *f, uint32_t off, uint64_t val)
{
	vtd_reg_write(f->v, off, 8, val, f->t);
}

static void xlate(struct fx *f, uint16_t sid, uint64_t iova, bool write, struct vtd_xlate *x)
{
	f->t += 1000;
	vtd_translate(f->v, sid, iova, write, f->t, x);
}

/* ---- hand-built tables ---- */

static uint64_t alloc_table(struct fx *f)
{
	uint64_t pa = f->next_table;

	f->next_table += PG;
	for (unsigned i = 0; i < 512; i++)
		mem_write64(f->mem, pa + i * 8, 0);
	return pa;
}

/* Root entry for bus, context entry for devfn (§9.1, §9.3). */
static void set_context(struct fx *f, uint16_t sid, uint64_t lo, uint64_t hi)
{
	uint64_t root_pa = ROOT_TABLE + (sid >> 8) * 16u;
	uint64_t root = mem_read64(f->mem, root_pa);
	uint64_t ctp;

	if (!(root & 1)) {
		ctp = alloc_table(f);
		mem_write64(f->mem, root_pa, ctp | 1); /* P 0, CTP 63:12 */
		mem_write64(f->mem, root_pa + 8, 0);
	} else {
		ctp = root & ~0xfffull;
	}
	mem_write64(f->mem, ctp + (sid & 0xff) * 16u, lo);
	mem_write64(f->mem, ctp + (sid & 0xff) * 16u + 8, hi);
}

/* A translating context: P, TT = 00, SLPTPTR; AW = 2 (48-bit, 4-level), DID in 23:8. */
static void set_context_4level(struct fx *f, uint16_t sid, uint64_t pml4, uint16_t did, bool fpd)
{
	set_context(f, sid, pml4 | (fpd ? 2 : 0) | 1, (uint64_t)did << 8 | 2);
}

/* The entry at `level` (4 = PML4 ... 1 = PTE) for iova, creating the tables above it. */
static uint64_t pte_addr(struct fx *f, uint64_t pml4, uint64_t iova, unsigned level)
{
	uint64_t table = pml4;

	for (unsigned l = 4; l > level; l--) {
		uint64_t pa = table + ((iova >> (12 + 9 * (l - 1))) & 511) * 8;
		uint64_t e = mem_read64(f->mem, pa);

		if (!(e & 3)) {
			e = alloc_table(f) | 3; /* R and W on non-leaf entries */
			mem_write64(f->mem, pa, e);
		}
		table = e & 0x000ffffffffff000ull;
	}
	return table + ((iova >> (12 + 9 * (level - 1))) & 511) * 8;
}

static void map4k(struct fx *f, uint64_t iova, uint64_t hpa, unsigned rw)
{
	mem_write64(f->mem, pte_addr(f, f->pml4, iova, 1), hpa | rw);
}

/* Root table, a 4-level domain for SID, one read/write page at 0x10000 and a read-only one
 * at 0x11000. */
static void build_tables(struct fx *f)
{
	for (unsigned i = 0; i < 512; i++)
		mem_write64(f->mem, ROOT_TABLE + i * 8, 0);
	f->pml4 = alloc_table(f);
	set_context_4level(f, SID, f->pml4, DID, false);
	map4k(f, 0x10000, DATA + 0x5000, 3);
	map4k(f, 0x11000, DATA + 0x6000, 1);
}

/* SRTP then TE, each polled in GSTS as a driver does (§10.4.4, Linux iommu_set_root_entry()
 * and iommu_enable_translation()). */
static void enable_translation(struct fx *f)
{
	wr64(f, DMAR_RTADDR_REG, ROOT_TABLE);
	wr32(f, DMAR_GCMD_REG, 1u << 30); /* SRTP */
	f->t += CMD_PS;
	assert_true(rd32(f, DMAR_GSTS_REG) & (1u << 30)); /* RTPS */
	wr32(f, DMAR_GCMD_REG, 1u << 31);		  /* TE */
	f->t += CMD_PS;
	assert_true(rd32(f, DMAR_GSTS_REG) & (1u << 31)); /* TES */
}

static void setup_translation(struct fx *f)
{
	build_tables(f);
	enable_translation(f);
}

static uint64_t frcd_lo(struct fx *f, unsigned i)
{
	return rd64(f, f->fro + 16 * i);
}

static uint64_t frcd_hi(struct fx *f, unsigned i)
{
	return rd64(f, f->fro + 16 * i + 8);
}

/* Software clears a record by writing 1 to F, bit 31 of its upper dword (§11.4.14, Linux
 * dmar_fault() writes DMA_FRCD_F to offset 12). */
static void clear_frcd(struct fx *f, unsigned i)
{
	wr32(f, f->fro + 16 * i + 12, 1u << 31);
}

#define HI_F	    (1ull << 63)	 /* bit 127 of the record */
#define HI_T	    (1ull << 62)	 /* bit 126: 1 read, 0 write */
#define HI_FR(h)    (((h) >> 32) & 0xff) /* bits 103:96 */
#define HI_SID(h)   ((h)&0xffff)	 /* bits 79:64 */
#define FSTS_PFO    (1u << 0)
#define FSTS_PPF    (1u << 1)
#define FSTS_FRI(s) (((s) >> 8) & 0xff)

/* ---- constants and identification ---- */

/* §11.4: offsets and bit positions the rest of the model is built on. */
static void test_constants(void **state)
{
	(void)state;
	assert_int_equal(DMAR_VER_REG, 0x00);
	assert_int_equal(DMAR_CAP_REG, 0x08);
	assert_int_equal(DMAR_ECAP_REG, 0x10);
	assert_int_equal(DMAR_GCMD_REG, 0x18);
	assert_int_equal(DMAR_GSTS_REG, 0x1c);
	assert_int_equal(DMAR_RTADDR_REG, 0x20);
	assert_int_equal(DMAR_CCMD_REG, 0x28);
	assert_int_equal(DMAR_FSTS_REG, 0x34);
	assert_int_equal(DMAR_FECTL_REG, 0x38);
	assert_int_equal(DMAR_FEDATA_REG, 0x3c);
	assert_int_equal(DMAR_FEADDR_REG, 0x40);
	assert_int_equal(DMAR_IQA_REG, 0x90);
	assert_int_equal(DMAR_IRTA_REG, 0xb8);
	assert_int_equal(DMA_GCMD_TE, 0x80000000u);
	assert_int_equal(DMA_GCMD_SRTP, 0x40000000u);
	assert_int_equal(DMA_GCMD_QIE, 0x04000000u);
	assert_int_equal(DMA_GCMD_IRE, 0x02000000u);
	assert_int_equal(DMA_GCMD_SIRTP, 0x01000000u);
	assert_int_equal(DMA_GCMD_CFI, 0x00800000u);
	assert_int_equal(DMA_FECTL_IM, 0x80000000u);
	assert_int_equal(DMA_FECTL_IP, 0x40000000u);
	assert_int_equal(DMA_CCMD_ICC, 1ull << 63);
	assert_int_equal(DMA_TLB_IVT, 1ull << 63);
	assert_int_equal(DMA_FRCD_HI_F, HI_F);
	assert_int_equal(DMA_FRCD_HI_T, HI_T);
	assert_int_equal(DMA_FRCD_HI_FR_SHIFT, 32);
	/* §7.1.3 fault reasons */
	assert_int_equal(VTD_FR_ROOT_NOT_PRESENT, 0x1);
	assert_int_equal(VTD_FR_CTX_NOT_PRESENT, 0x2);
	assert_int_equal(VTD_FR_WRITE, 0x5);
	assert_int_equal(VTD_FR_READ, 0x6);
	assert_int_equal(VTD_FR_PTE_RSVD, 0xc);
}

/* §11.4.1: VER is read-only, major 7:4, minor 3:0. */
static void test_ver(void **state)
{
	struct fx *f = *state;

	assert_int_equal(rd32(f, DMAR_VER_REG), 0x10); /* 1.0 */
	wr32(f, DMAR_VER_REG, 0xff);
	assert_int_equal(rd32(f, DMAR_VER_REG), 0x10);
}

/* §11.4.2 CAP. */
static void test_cap(void **state)
{
	struct fx *f = *state;
	uint64_t cap = rd64(f, DMAR_CAP_REG);

	assert_int_equal(cap, vtd_cap(f->v));
	assert_int_equal(cap & 7, 2);		  /* ND 2:0: 2^(4+2*2) = 256 domains */
	assert_int_equal((cap >> 4) & 1, 0);	  /* RWBF */
	assert_int_equal((cap >> 7) & 1, 0);	  /* CM */
	assert_int_equal((cap >> 8) & 0x1f, 0x4); /* SAGAW 12:8: bit 2 = 48-bit 4-level */
	assert_true(cap & (1ull << 10));
	assert_false(cap & (1ull << 9));	     /* no 39-bit 3-level */
	assert_false(cap & (1ull << 11));	     /* no 57-bit 5-level */
	assert_int_equal((cap >> 16) & 0x3f, 47);    /* MGAW 21:16 = width - 1 */
	assert_int_equal((cap >> 24) & 0x3ff, 0x40); /* FRO 33:24, 16-byte units */
	assert_int_equal(f->fro, 0x400);
	assert_int_equal((cap >> 34) & 0xf, 0);	 /* SLLPS 37:34: no superpages */
	assert_int_equal((cap >> 39) & 1, 1);	 /* PSI */
	assert_int_equal((cap >> 40) & 0xff, 3); /* NFR 47:40 = records - 1 */
	assert_int_equal((cap >> 48) & 0x3f, 9); /* MAMV 53:48 */
	assert_int_equal((cap >> 59) & 1, 1);	 /* PI */
	/* Read-only. */
	wr64(f, DMAR_CAP_REG, 0);
	assert_int_equal(rd64(f, DMAR_CAP_REG), cap);
}

static void test_cap_variants(void **state)
{
	struct vtd_cfg c = base_cfg();
	struct vtd *v;

	(void)state;
	c.sagaw = 0;	      /* derived: */
	c.address_width = 57; /* SAGAW: 3-, 4- and 5-level tables */
	c.superpages = true;
	c.nfr = 16;
	c.domains = 65536; /* CAP.ND 6 */
	c.caching_mode = true;
	c.posted_interrupts = false;
	assert_int_equal(vtd_create(&c, NULL, &v), 0);
	assert_int_equal((vtd_cap(v) >> 8) & 0x1f, 0xe);
	assert_int_equal((vtd_cap(v) >> 16) & 0x3f, 56);
	assert_int_equal((vtd_cap(v) >> 34) & 0xf, 3); /* bit 0 2 MiB, bit 1 1 GiB */
	assert_int_equal((vtd_cap(v) >> 40) & 0xff, 15);
	assert_int_equal(vtd_cap(v) & 7, 6);
	assert_int_equal((vtd_cap(v) >> 7) & 1, 1);
	assert_int_equal((vtd_cap(v) >> 59) & 1, 0);
	vtd_destroy(v);

	/* Only one superpage size. */
	c = base_cfg();
	c.sllps = 1; /* 2 MiB only */
	assert_int_equal(vtd_create(&c, NULL, &v), 0);
	assert_int_equal((vtd_cap(v) >> 34) & 0xf, 1);
	vtd_destroy(v);
}

/* Configurations the unit cannot represent. */
static void test_create_validation(void **state)
{
	struct vtd_cfg c;
	struct vtd *v = NULL;

	(void)state;
	c = base_cfg();
	c.nfr = 0;
	assert_int_equal(vtd_create(&c, NULL, &v), -EINVAL);
	c = base_cfg();
	c.sagaw = 1u << 0; /* no supported page-table depth */
	assert_int_equal(vtd_create(&c, NULL, &v), -EINVAL);
	c = base_cfg();
	c.address_width = 64;
	assert_int_equal(vtd_create(&c, NULL, &v), -EINVAL);
	c = base_cfg();
	c.iotlb.ways = 3; /* 64 % 3 */
	assert_int_equal(vtd_create(&c, NULL, &v), -EINVAL);
	/* The fault-recording registers (16 bytes each from FRO*16 = 0x400) must not run into
	 * the IOTLB registers at IRO*16 = 0x500: 17 records would end at 0x510. */
	c = base_cfg();
	c.nfr = 17;
	assert_int_equal(vtd_create(&c, NULL, &v), -EINVAL);
	assert_null(v);
}

/* §11.4.3 ECAP. */
static void test_ecap(void **state)
{
	struct fx *f = *state;
	uint64_t e = rd64(f, DMAR_ECAP_REG);

	assert_int_equal(e, vtd_ecap(f->v));
	assert_int_equal(e & 1, 1);		  /* C: coherent walks */
	assert_int_equal((e >> 1) & 1, 1);	  /* QI */
	assert_int_equal((e >> 2) & 1, 0);	  /* DT: no device-TLB */
	assert_int_equal((e >> 3) & 1, 1);	  /* IR */
	assert_int_equal((e >> 4) & 1, 1);	  /* EIM */
	assert_int_equal((e >> 6) & 1, 1);	  /* PT */
	assert_int_equal((e >> 7) & 1, 0);	  /* SC */
	assert_int_equal((e >> 8) & 0x3ff, 0x50); /* IRO 17:8: IOTLB registers at 0x500 */
	assert_int_equal((e >> 43) & 1, 0);	  /* SMTS: legacy mode only */

	struct vtd_cfg c = base_cfg();
	struct vtd *v;

	c.qi = c.ir = c.eim = c.pt = c.coherent = false;
	assert_int_equal(vtd_create(&c, NULL, &v), 0);
	assert_int_equal(vtd_ecap(v) & 0xdf, 0); /* C, QI, IR, EIM, PT clear */
	vtd_destroy(v);
}

/* §11.4.4-11.4.5: GCMD is write-only, GSTS reports a command cmd_ps after it was written. */
static void test_gcmd_gsts_timing(void **state)
{
	struct fx *f = *state;
	uint64_t t0;

	build_tables(f);
	assert_int_equal(rd32(f, DMAR_GSTS_REG), 0);
	wr64(f, DMAR_RTADDR_REG, ROOT_TABLE);
	assert_int_equal(rd64(f, DMAR_RTADDR_REG), ROOT_TABLE);

	t0 = f->t;
	wr32(f, DMAR_GCMD_REG, 1u << 30); /* SRTP */
	assert_int_equal(rd32(f, DMAR_GCMD_REG), 0);
	f->t = t0 + CMD_PS - 1;
	assert_int_equal(rd32(f, DMAR_GSTS_REG), 0);
	f->t = t0 + CMD_PS;
	assert_int_equal(rd32(f, DMAR_GSTS_REG), 1u << 30); /* RTPS */

	t0 = ++f->t;
	wr32(f, DMAR_GCMD_REG, 1u << 31); /* TE */
	assert_int_equal(rd32(f, DMAR_GCMD_REG), 0);
	f->t = t0 + CMD_PS - 1;
	assert_int_equal(rd32(f, DMAR_GSTS_REG), 1u << 30);
	assert_false(vtd_translation_enabled(f->v, f->t));
	f->t = t0 + CMD_PS;
	assert_int_equal(rd32(f, DMAR_GSTS_REG), (1u << 31) | (1u << 30));
	assert_true(vtd_translation_enabled(f->v, f->t));

	/* GSTS is read-only. */
	wr32(f, DMAR_GSTS_REG, 0);
	assert_int_equal(rd32(f, DMAR_GSTS_REG), (1u << 31) | (1u << 30));
}

/* A translation issued before TES appears still goes through untranslated (§3.1). */
static void test_translation_waits_for_tes(void **state)
{
	struct fx *f = *state;
	struct vtd_xlate x;
	uint64_t t0;

	build_tables(f);
	wr64(f, DMAR_RTADDR_REG, ROOT_TABLE);
	wr32(f, DMAR_GCMD_REG, 1u << 30);
	f->t += CMD_PS;
	t0 = f->t;
	wr32(f, DMAR_GCMD_REG, 1u << 31);
	vtd_translate(f->v, SID, 0x10123, false, t0 + CMD_PS / 2, &x);
	assert_true(x.ok);
	assert_int_equal(x.hpa, 0x10123);
	vtd_translate(f->v, SID, 0x10123, false, t0 + CMD_PS, &x);
	assert_true(x.ok);
	assert_int_equal(x.hpa, DATA + 0x5123);
	f->t = t0 + CMD_PS;
	assert_int_equal(vtd_stats(f->v)->untranslated, 1);
}

/* SRTP is one-shot: RTPS clears when it is written and sets when the pointer is latched.
 * TE is persistent and must be written again with every command (§10.4.4: software reads
 * GSTS, keeps the persistent enables, sets the one-shot bit). */
static void test_srtp_and_persistent_te(void **state)
{
	struct fx *f = *state;
	uint64_t t0;
	struct vtd_xlate x;

	setup_translation(f);
	t0 = ++f->t;
	wr32(f, DMAR_GCMD_REG, (1u << 31) | (1u << 30));    /* TE | SRTP */
	assert_int_equal(rd32(f, DMAR_GSTS_REG), 1u << 31); /* RTPS cleared at once */
	f->t = t0 + CMD_PS - 1;
	assert_int_equal(rd32(f, DMAR_GSTS_REG), 1u << 31);
	f->t = t0 + CMD_PS;
	assert_int_equal(rd32(f, DMAR_GSTS_REG), (1u << 31) | (1u << 30));

	/* SRTP without TE: translation is turned off, as the spec says it must be. */
	t0 = ++f->t;
	wr32(f, DMAR_GCMD_REG, 1u << 30);
	assert_int_equal(rd32(f, DMAR_GSTS_REG), 1u << 31);
	f->t = t0 + CMD_PS;
	assert_int_equal(rd32(f, DMAR_GSTS_REG), 1u << 30);
	assert_false(vtd_translation_enabled(f->v, f->t));
	xlate(f, SID, 0x10123, false, &x);
	assert_true(x.ok);
	assert_int_equal(x.hpa, 0x10123); /* untranslated */
}

/* §11.4.9 FECTL: IM resets to 1 (masked). */
static void test_fectl_reset(void **state)
{
	struct fx *f = *state;

	assert_int_equal(rd32(f, DMAR_FECTL_REG), 0x80000000u);
	wr32(f, DMAR_FECTL_REG, 0);
	assert_int_equal(rd32(f, DMAR_FECTL_REG), 0);
	wr32(f, DMAR_FEDATA_REG, 0x12345);
	assert_int_equal(rd32(f, DMAR_FEDATA_REG), 0x2345); /* 15:0 only */
}

/* ---- DMA remapping and fault recording ---- */

static void test_translate_mapped(void **state)
{
	struct fx *f = *state;
	struct vtd_xlate x;

	setup_translation(f);
	xlate(f, SID, 0x10abc, false, &x);
	assert_true(x.ok);
	assert_int_equal(x.hpa, DATA + 0x5abc);
	assert_int_equal(x.page_shift, 12);
	assert_false(x.iotlb_hit);
	xlate(f, SID, 0x10ff8, true, &x);
	assert_true(x.ok);
	assert_int_equal(x.hpa, DATA + 0x5ff8);
	assert_true(x.iotlb_hit);
	xlate(f, SID, 0x11000, false, &x); /* read-only page, read */
	assert_true(x.ok);
	assert_int_equal(x.hpa, DATA + 0x6000);
	assert_int_equal(rd32(f, DMAR_FSTS_REG), 0);
	assert_int_equal(vtd_stats(f->v)->faults, 0);
}

/* §3.6: a miss walks PML4E, PDPE, PDE, PTE (4 reads); a hit reads nothing. */
static void test_walk_reads(void **state)
{
	struct fx *f = *state;
	const struct vtd_stats *st = vtd_stats(f->v);
	struct vtd_xlate x;
	uint64_t r0, w0;

	setup_translation(f);
	r0 = st->walk_mem_reads;
	w0 = st->walks;
	xlate(f, SID, 0x10000, false, &x);
	assert_true(x.ok);
	assert_int_equal(st->walk_mem_reads - r0, 4);
	assert_int_equal(st->walks - w0, 1);
	r0 = st->walk_mem_reads;
	xlate(f, SID, 0x10800, false, &x);
	assert_true(x.iotlb_hit);
	assert_int_equal(st->walk_mem_reads - r0, 0);
	assert_int_equal(st->walks - w0, 1);
	/* The second page of the same table costs another full walk. */
	r0 = st->walk_mem_reads;
	xlate(f, SID, 0x11000, false, &x);
	assert_false(x.iotlb_hit);
	assert_int_equal(st->walk_mem_reads - r0, 4);
	/* The context entry came from the context cache after the first request. */
	assert_int_equal(st->ctx_misses, 1);
	assert_int_equal(st->ctx_hits, 2);
}

static void assert_record(struct fx *f, unsigned i, uint16_t sid, uint64_t addr, uint8_t reason,
			  bool read)
{
	uint64_t hi = frcd_hi(f, i);

	assert_true(hi & HI_F);
	assert_int_equal(HI_SID(hi), sid);
	assert_int_equal(HI_FR(hi), reason);
	assert_int_equal(!!(hi & HI_T), read);
	assert_int_equal(frcd_lo(f, i), addr & ~0xfffull);
}

/* §7.1.3 reasons and §7.3.1 primary fault logging, with NFR = 4 records. */
static void test_faults_recorded(void **state)
{
	struct fx *f = *state;
	const struct vtd_stats *st = vtd_stats(f->v);
	struct vtd_xlate x;
	uint32_t fsts;

	setup_translation(f);
	set_context(f, SID + 1, 0, 0); /* 03:01.1: bus present, context not present */

	/* Read of an unmapped page: reason 6, T = 1. */
	xlate(f, SID, 0x20123, false, &x);
	assert_false(x.ok);
	assert_int_equal(x.fault_reason, 6);
	fsts = rd32(f, DMAR_FSTS_REG);
	assert_int_equal(fsts & (FSTS_PPF | FSTS_PFO), FSTS_PPF);
	assert_int_equal(FSTS_FRI(fsts), 0);
	assert_record(f, 0, SID, 0x20123, 6, true);
	assert_false(frcd_hi(f, 1) & HI_F);

	/* Write of an unmapped page: reason 5, T = 0. */
	xlate(f, SID, 0x21456, true, &x);
	assert_false(x.ok);
	assert_int_equal(x.fault_reason, 5);
	assert_record(f, 1, SID, 0x21456, 5, false);
	/* FRI keeps naming the first pending record while PPF stays set (§11.4.9). */
	assert_int_equal(FSTS_FRI(rd32(f, DMAR_FSTS_REG)), 0);

	/* Context entry not present: reason 2. */
	xlate(f, SID + 1, 0x10000, false, &x);
	assert_false(x.ok);
	assert_int_equal(x.fault_reason, 2);
	assert_record(f, 2, SID + 1, 0x10000, 2, true);

	/* Root entry not present (bus 5): reason 1. */
	xlate(f, 0x0500, 0x30000, true, &x);
	assert_false(x.ok);
	assert_int_equal(x.fault_reason, 1);
	assert_record(f, 3, 0x0500, 0x30000, 1, false);
	assert_int_equal(rd32(f, DMAR_FSTS_REG) & FSTS_PFO, 0);

	/* All four full: the next fault is lost and PFO set; the records are unchanged. */
	xlate(f, SID, 0x11000, true, &x); /* write to the read-only page */
	assert_false(x.ok);
	assert_int_equal(x.fault_reason, 5);
	fsts = rd32(f, DMAR_FSTS_REG);
	assert_int_equal(fsts & (FSTS_PPF | FSTS_PFO), FSTS_PPF | FSTS_PFO);
	assert_record(f, 0, SID, 0x20123, 6, true);
	xlate(f, SID, 0x22000, false, &x);
	assert_false(x.ok);
	assert_int_equal(st->faults, 6);
	assert_int_equal(st->fault_overflows, 2);
	assert_int_equal(st->faults_by_reason[5], 2);
	assert_int_equal(st->faults_by_reason[6], 2);

	/* Software clears the records; PPF clears when none remains (§11.4.9 PPF is derived). */
	for (unsigned i = 0; i < 3; i++)
		clear_frcd(f, i);
	assert_false(frcd_hi(f, 0) & HI_F);
	assert_true(rd32(f, DMAR_FSTS_REG) & FSTS_PPF);
	clear_frcd(f, 3);
	assert_int_equal(rd32(f, DMAR_FSTS_REG) & (FSTS_PPF | FSTS_PFO), FSTS_PFO);

	/* While PFO stays set nothing is recorded, even with free records (§7.3.1). */
	xlate(f, SID, 0x23000, false, &x);
	assert_false(frcd_hi(f, 0) & HI_F);
	assert_int_equal(rd32(f, DMAR_FSTS_REG) & FSTS_PPF, 0);

	/* PFO is RW1C; PPF and FRI are read-only. */
	wr32(f, DMAR_FSTS_REG, FSTS_PPF | (0xffu << 8));
	assert_true(rd32(f, DMAR_FSTS_REG) & FSTS_PFO);
	wr32(f, DMAR_FSTS_REG, FSTS_PFO);
	assert_int_equal(rd32(f, DMAR_FSTS_REG) & (FSTS_PPF | FSTS_PFO), 0);

	/* The internal index went round: the next fault lands in record 0 again. */
	xlate(f, SID, 0x24000, false, &x);
	assert_record(f, 0, SID, 0x24000, 6, true);
	fsts = rd32(f, DMAR_FSTS_REG);
	assert_int_equal(fsts & (FSTS_PPF | FSTS_PFO), FSTS_PPF);
	assert_int_equal(FSTS_FRI(fsts), 0);
}

/* §11.4.9 FRI: "the index of the fault recording register to which the first pending fault was
 * recorded when the PPF field was Set by hardware"; the unit's internal index advances with
 * every recorded fault (§7.3.1). */
static void test_fri_names_first_pending(void **state)
{
	struct fx *f = *state;
	struct vtd_xlate x;

	setup_translation(f);
	xlate(f, SID, 0x20000, false, &x); /* record 0 */
	assert_int_equal(FSTS_FRI(rd32(f, DMAR_FSTS_REG)), 0);
	clear_frcd(f, 0);
	assert_int_equal(rd32(f, DMAR_FSTS_REG) & FSTS_PPF, 0);

	xlate(f, SID, 0x21000, false, &x); /* record 1: PPF set again */
	assert_record(f, 1, SID, 0x21000, 6, true);
	assert_false(frcd_hi(f, 0) & HI_F);
	assert_int_equal(FSTS_FRI(rd32(f, DMAR_FSTS_REG)), 1);
	xlate(f, SID, 0x22000, true, &x); /* record 2, PPF already set: FRI unchanged */
	assert_record(f, 2, SID, 0x22000, 5, false);
	assert_int_equal(FSTS_FRI(rd32(f, DMAR_FSTS_REG)), 1);
	xlate(f, SID, 0x23000, true, &x); /* record 3 */
	xlate(f, SID, 0x24000, true, &x); /* wraps to record 0, which is free */
	assert_record(f, 3, SID, 0x23000, 5, false);
	assert_record(f, 0, SID, 0x24000, 5, false);
	assert_int_equal(rd32(f, DMAR_FSTS_REG) & (FSTS_PPF | FSTS_PFO), FSTS_PPF);
	assert_int_equal(FSTS_FRI(rd32(f, DMAR_FSTS_REG)), 1);
}

/* §7.3 / §11.4.9 FECTL.IP: an interrupt condition is a fault recorded while PPF was clear; one
 * already pending or an overflow is not a new one. A masked event is held pending (IP) and sent
 * when software clears IM. */
static void test_fault_events(void **state)
{
	struct fx *f = *state;
	struct vtd_xlate x;

	setup_translation(f);
	wr32(f, DMAR_FEDATA_REG, 0x55);
	wr32(f, DMAR_FEADDR_REG, 0xfee02000); /* APIC ID 2 */
	wr32(f, DMAR_FECTL_REG, 0);

	xlate(f, SID, 0x20000, false, &x);
	assert_int_equal(f->ev.n, 1);
	assert_int_equal(f->ev.dest[0], 2);
	assert_int_equal(f->ev.vector[0], 0x55);
	assert_int_equal(rd32(f, DMAR_FECTL_REG), 0); /* delivered: IP clear */
	for (unsigned i = 0; i < 5; i++)	      /* three more records, then two overflows */
		xlate(f, SID, 0x21000 + i * PG, false, &x);
	assert_true(rd32(f, DMAR_FSTS_REG) & FSTS_PFO);
	assert_int_equal(f->ev.n, 1);
	assert_int_equal(vtd_stats(f->v)->fault_events, 1);

	/* Clear everything, mask, fault: IP is set and nothing sent until IM is cleared. */
	for (unsigned i = 0; i < 4; i++)
		clear_frcd(f, i);
	wr32(f, DMAR_FSTS_REG, FSTS_PFO);
	wr32(f, DMAR_FECTL_REG, 0x80000000u);
	xlate(f, SID, 0x30000, false, &x);
	assert_int_equal(f->ev.n, 1);
	assert_int_equal(rd32(f, DMAR_FECTL_REG), 0xc0000000u); /* IM | IP */
	wr32(f, DMAR_FECTL_REG, 0);
	assert_int_equal(f->ev.n, 2);
	assert_int_equal(f->ev.vector[1], 0x55);
	assert_int_equal(rd32(f, DMAR_FECTL_REG), 0);
}

/* §9.3 FPD: faults from this context are not recorded, but the request is still blocked. */
static void test_fpd(void **state)
{
	struct fx *f = *state;
	struct vtd_xlate x;

	build_tables(f);
	set_context_4level(f, SID + 2, f->pml4, DID, true);
	enable_translation(f);
	xlate(f, SID + 2, 0x20000, false, &x);
	assert_false(x.ok);
	assert_int_equal(x.fault_reason, 6);
	xlate(f, SID + 2, 0x10000, false, &x); /* mapped pages still translate */
	assert_true(x.ok);
	assert_int_equal(x.hpa, DATA + 0x5000);
	assert_int_equal(rd32(f, DMAR_FSTS_REG) & (FSTS_PPF | FSTS_PFO), 0);
	assert_false(frcd_hi(f, 0) & HI_F);
	assert_int_equal(vtd_stats(f->v)->faults_unrecorded, 1);
	/* The same fault from a context without FPD is recorded. */
	xlate(f, SID, 0x20000, false, &x);
	assert_record(f, 0, SID, 0x20000, 6, true);
}

/* §9.3 AW / §7.1.3 reason 4: an address above the context's address width faults. */
static void test_address_beyond_aw(void **state)
{
	struct fx *f = *state;
	struct vtd_xlate x;

	setup_translation(f);
	xlate(f, SID, 1ull << 48, false, &x);
	assert_false(x.ok);
	assert_int_equal(x.fault_reason, 4);
	assert_record(f, 0, SID, 1ull << 48, 4, true);
}

/* §6.5.1.2 / §11.4.8: register-based IOTLB invalidation completes cmd_ps after IVT is written;
 * until then the stale entry keeps translating. */
static void test_iotlb_register_invalidation(void **state)
{
	struct fx *f = *state;
	const uint32_t iva = (uint32_t)((vtd_ecap(f->v) >> 8) & 0x3ff) * 16; /* ECAP.IRO */
	const struct vtd_stats *st = vtd_stats(f->v);
	struct vtd_xlate x;
	uint64_t t0, reg;

	setup_translation(f);
	assert_int_equal(iva, 0x500);
	xlate(f, SID, 0x10100, false, &x);
	assert_int_equal(x.hpa, DATA + 0x5100);
	xlate(f, SID, 0x11100, false, &x);
	assert_int_equal(x.hpa, DATA + 0x6100);

	/* Software remaps both pages in memory without telling the unit. */
	map4k(f, 0x10000, DATA + 0x9000, 3);
	map4k(f, 0x11000, DATA + 0xa000, 3);
	xlate(f, SID, 0x10100, false, &x);
	assert_true(x.iotlb_hit);
	assert_int_equal(x.hpa, DATA + 0x5100);

	/* Page-selective invalidation of 0x10000 (IIRG 11b, AM 0) in domain DID. */
	t0 = ++f->t;
	wr64(f, iva, 0x10000);
	wr64(f, iva + 8, (1ull << 63) | (3ull << 60) | ((uint64_t)DID << 32));
	reg = rd64(f, iva + 8);
	assert_true(reg & (1ull << 63)); /* IVT still set: in progress */
	vtd_translate(f->v, SID, 0x10100, false, t0 + CMD_PS - 1, &x);
	assert_true(x.ok);
	assert_true(x.iotlb_hit);
	assert_int_equal(x.hpa, DATA + 0x5100); /* stale, as hardware would */
	f->t = t0 + CMD_PS;
	reg = rd64(f, iva + 8);
	assert_false(reg & (1ull << 63));     /* IVT cleared on completion */
	assert_int_equal((reg >> 57) & 3, 3); /* IAIG: page-selective performed */
	xlate(f, SID, 0x10100, false, &x);
	assert_false(x.iotlb_hit);
	assert_int_equal(x.hpa, DATA + 0x9100);
	xlate(f, SID, 0x11100, false, &x); /* outside the invalidated page: still stale */
	assert_true(x.iotlb_hit);
	assert_int_equal(x.hpa, DATA + 0x6100);
	assert_int_equal(st->inv_iotlb_page, 1);

	/* Domain-selective (IIRG 10b) for another domain leaves ours alone... */
	t0 = ++f->t;
	wr64(f, iva + 8, (1ull << 63) | (2ull << 60) | ((uint64_t)(DID + 1) << 32));
	f->t = t0 + CMD_PS;
	xlate(f, SID, 0x11100, false, &x);
	assert_true(x.iotlb_hit);
	/* ...and for ours drops it. */
	t0 = ++f->t;
	wr64(f, iva + 8, (1ull << 63) | (2ull << 60) | ((uint64_t)DID << 32));
	f->t = t0 + CMD_PS;
	assert_int_equal((rd64(f, iva + 8) >> 57) & 3, 2);
	xlate(f, SID, 0x11100, false, &x);
	assert_false(x.iotlb_hit);
	assert_int_equal(x.hpa, DATA + 0xa100);
	assert_int_equal(st->inv_iotlb_domain, 2);

	/* Global (IIRG 01b). */
	t0 = ++f->t;
	wr64(f, iva + 8, (1ull << 63) | (1ull << 60));
	assert_int_equal(iotlb_valid_entries(vtd_iotlb(f->v)), 1); /* 0x11000 */
	f->t = t0 + CMD_PS;
	assert_int_equal((rd64(f, iva + 8) >> 57) & 3, 1); /* IAIG: global performed */
	assert_int_equal(iotlb_valid_entries(vtd_iotlb(f->v)), 0);
	assert_int_equal(st->inv_iotlb_global, 1);
	assert_int_equal(st->reg_inv_iotlb, 4);
}

/* §6.5.1.1 / §11.4.7.1: a cached context entry is used until CCMD invalidation completes. */
static void test_context_register_invalidation(void **state)
{
	struct fx *f = *state;
	struct vtd_xlate x;
	uint64_t t0, ccmd;

	setup_translation(f);
	xlate(f, SID, 0x10000, false, &x);
	assert_true(x.ok);
	set_context(f, SID, 0, 0); /* software clears the context entry */
	xlate(f, SID, 0x10000, false, &x);
	assert_true(x.ok); /* from the context cache */

	t0 = ++f->t;
	wr64(f, DMAR_CCMD_REG, (1ull << 63) | (1ull << 61)); /* ICC, CIRG 01b global */
	assert_true(rd64(f, DMAR_CCMD_REG) & (1ull << 63));
	vtd_translate(f->v, SID, 0x10000, false, t0 + CMD_PS - 1, &x);
	assert_true(x.ok);
	f->t = t0 + CMD_PS;
	ccmd = rd64(f, DMAR_CCMD_REG);
	assert_false(ccmd & (1ull << 63));     /* ICC cleared */
	assert_int_equal((ccmd >> 59) & 3, 1); /* CAIG: global performed */
	/* The IOTLB entry stays (Linux flushes it separately), but the context is re-read. */
	xlate(f, SID, 0x10000, false, &x);
	assert_false(x.ok);
	assert_int_equal(x.fault_reason, 2);
	assert_int_equal(vtd_stats(f->v)->reg_inv_ctx, 1);
}

/* §3.6 / §9.8: a PDE with PS maps 2 MiB when CAP.SLLPS bit 0 is set; otherwise PS is a
 * reserved bit at that level (reason 0xC). */
static void test_superpage_2m(void **state)
{
	struct vtd_cfg c = base_cfg();
	struct fx *f;
	struct vtd_xlate x;
	const struct vtd_stats *st;
	uint64_t r0;

	(void)state;
	c.sllps = 1; /* 2 MiB only */
	f = fx_new(&c);
	st = vtd_stats(f->v);
	build_tables(f);
	/* iova 0x40000000-0x401fffff -> 0x2400000 (2 MiB aligned), read/write */
	mem_write64(f->mem, pte_addr(f, f->pml4, 0x40000000, 2), 0x2400000 | (1 << 7) | 3);
	enable_translation(f);
	r0 = st->walk_mem_reads;
	xlate(f, SID, 0x40000000 + 0x12345, true, &x);
	assert_true(x.ok);
	assert_int_equal(x.hpa, 0x2400000 + 0x12345);
	assert_int_equal(x.page_shift, 21);
	assert_int_equal(st->walk_mem_reads - r0, 3); /* PML4E, PDPE, PDE */
	xlate(f, SID, 0x40000000 + 0x1ffff0, false, &x);
	assert_true(x.iotlb_hit);
	assert_int_equal(x.hpa, 0x2400000 + 0x1ffff0);
	assert_int_equal(x.page_shift, 21);
	teardown((void **)&f);

	/* The same tables on a unit without 2 MiB pages. */
	c = base_cfg();
	f = fx_new(&c);
	build_tables(f);
	mem_write64(f->mem, pte_addr(f, f->pml4, 0x40000000, 2), 0x2400000 | (1 << 7) | 3);
	enable_translation(f);
	xlate(f, SID, 0x40000000 + 0x12345, false, &x);
	assert_false(x.ok);
	assert_int_equal(x.fault_reason, 0xc);
	assert_record(f, 0, SID, 0x40012345, 0xc, true);
	teardown((void **)&f);
}

/* 1 GiB pages at the PDPE with CAP.SLLPS bit 1. */
static void test_superpage_1g(void **state)
{
	struct vtd_cfg c = base_cfg();
	struct fx *f;
	struct vtd_xlate x;

	(void)state;
	c.sllps = 2; /* 1 GiB only */
	f = fx_new(&c);
	build_tables(f);
	mem_write64(f->mem, pte_addr(f, f->pml4, 0x80000000, 3), 0x40000000 | (1 << 7) | 1);
	enable_translation(f);
	xlate(f, SID, 0x80000000 + 0x3ffffff8, false, &x);
	assert_true(x.ok);
	assert_int_equal(x.hpa, 0x40000000 + 0x3ffffff8);
	assert_int_equal(x.page_shift, 30);
	xlate(f, SID, 0x80000000 + 0x100, true, &x); /* read-only superpage */
	assert_false(x.ok);
	assert_int_equal(x.fault_reason, 5);
	teardown((void **)&f);
}

/* §9.3 TT = 10b: pass-through with ECAP.PT; without it the TT value is invalid (reason 3). */
static void test_passthrough(void **state)
{
	struct fx *f = *state;
	struct vtd_xlate x;
	struct vtd_cfg c = base_cfg();

	build_tables(f);
	set_context(f, SID + 3, (2ull << 2) | 1, (uint64_t)(DID + 1) << 8 | 2);
	enable_translation(f);
	xlate(f, SID + 3, 0x12345678, true, &x);
	assert_true(x.ok);
	assert_int_equal(x.hpa, 0x12345678);
	assert_int_equal(vtd_stats(f->v)->passthrough, 1);
	assert_int_equal(vtd_stats(f->v)->walks, 0);
	teardown(state);

	c.pt = false;
	f = fx_new(&c);
	*state = f;
	build_tables(f);
	set_context(f, SID + 3, (2ull << 2) | 1, (uint64_t)(DID + 1) << 8 | 2);
	enable_translation(f);
	xlate(f, SID + 3, 0x12345678, true, &x);
	assert_false(x.ok);
	assert_int_equal(x.fault_reason, 3);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_constants),
	    T(test_ver),
	    T(test_cap),
	    cmocka_unit_test(test_cap_variants),
	    cmocka_unit_test(test_create_validation),
	    T(test_ecap),
	    T(test_gcmd_gsts_timing),
	    T(test_translation_waits_for_tes),
	    T(test_srtp_and_persistent_te),
	    T(test_fectl_reset),
	    T(test_translate_mapped),
	    T(test_walk_reads),
	    T(test_faults_recorded),
	    T(test_fri_names_first_pending),
	    T(test_fault_events),
	    T(test_fpd),
	    T(test_address_beyond_aw),
	    T(test_iotlb_register_invalidation),
	    T(test_context_register_invalidation),
	    cmocka_unit_test(test_superpage_2m),
	    cmocka_unit_test(test_superpage_1g),
	    T(test_passthrough),
	};

	return cmocka_run_group_tests_name("vtd_regs", tests, NULL, NULL);
}
