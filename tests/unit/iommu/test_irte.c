/* SPDX-License-Identifier: MIT */
/*
 * Interrupt remapping and posting in the VT-d unit, driven without the engine (explicit,
 * increasing times): the IRT is written by hand into memory, IRTA/SIRTP/IRE are programmed
 * through the registers (VT-d 3.x §10.4.4, §11.4.11), MSIs go through vtd_remap_msi() and
 * take effect at pcie_irq_commit(). Formats: remappable MSI address/data §5.1.2.2, IRTE
 * remapped format §9.10, posted format §9.11, posted-interrupt descriptor §9.12, interrupt
 * remapping fault reasons §7.1.1 (recorded as in §7.3.1 with the index in FI 63:48).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "models/drivers/intel_iommu/intel_iommu.h"
#include "models/iommu/vtd.h"
#include "models/iommu/vtd_regs.h"
#include "models/mem/mem.h"
#include "models/pcie/pcie.h"

#define CMD_PS 1000000ull
#define IR_PS  5000ull
#define IRT    0x300000ull    /* interrupt remapping table */
#define PDA    0x100001040ull /* a posted-interrupt descriptor above 4 GiB, 64-byte aligned */
#define SID    0x0310	      /* 03:02.0 */

#define MAXEV 16

struct fx {
	struct mem *mem;
	struct vtd *v;
	uint64_t t;
	uint32_t fro;
	struct {
		unsigned n;
		uint32_t dest[MAXEV];
		uint8_t vector[MAXEV];
		bool level[MAXEV];
		uint64_t t[MAXEV];
	} ev;
};

static struct vtd_cfg base_cfg(void)
{
	struct vtd_cfg c;

	memset(&c, 0, sizeof(c));
	strcpy(c.name, "dmar.irte");
	c.domains = 256; /* CAP.ND 2 */
	c.sagaw = 1u << 2;
	c.address_width = 48;
	c.posted_interrupts = true;
	c.qi = c.ir = c.eim = c.pt = true;
	c.coherent = true;
	c.nfr = 8;
	c.iotlb.entries = 16;
	c.iotlb.ways = 4;
	c.ctx_entries = 4;
	c.iec_entries = 16;
	c.cmd_ps = CMD_PS;
	c.ir_ps = IR_PS;
	return c;
}

static void deliver(void *ctx, uint32_t dest, uint8_t vector, bool level, uint64_t t)
{
	struct fx *f = ctx;

	if (f->ev.n < MAXEV) {
		f->ev.dest[f->ev.n] = dest;
		f->ev.vector[f->ev.n] = vector;
		f->ev.level[f->ev.n] = level;
		f->ev.t[f->ev.n] = t;
	}
	f->ev.n++;
}

static struct fx *fx_new(const struct vtd_cfg *cfg)
{
	/* 64 MiB below 4 GiB and 64 MiB above it (for the descriptor's high address bits). */
	struct mem_cfg mc = {.size = 128ull << 20, .low_top = 64ull << 20, .latency_ps = 80000};
	struct fx *f = calloc(1, sizeof(*f));
	struct vtd_hooks hooks = {0};

	assert_non_null(f);
	assert_int_equal(mem_create(&mc, &f->mem), 0);
	assert_int_equal(vtd_create(cfg, f->mem, &f->v), 0);
	hooks.deliver = deliver;
	hooks.ctx = f;
	vtd_set_hooks(f->v, &hooks);
	f->t = 1000000;
	f->fro = (uint32_t)((vtd_cap(f->v) >> 24) & 0x3ff) * 16; /* CAP.FRO */
	return f;
}

static void fx_free(struct fx *f)
{
	vtd_destroy(f->v);
	mem_destroy(f->mem);
	free(f);
}

static int setup(void **state)
{
	struct vtd_cfg c = base_cfg();

	*state = fx_new(&c);
	return 0;
}

static int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

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

/* ---- the IRT and its entries ---- */

#define GCMD_IRE   (1u << 25)
#define GCMD_SIRTP (1u << 24)
#define GCMD_CFI   (1u << 23)
#define GSTS_IRES  (1u << 25)
#define GSTS_IRTPS (1u << 24)
#define GSTS_CFIS  (1u << 23)
#define IRTA_EIME  (1ull << 11)

/* §9.10 remapped format: P 0, TM 4, IM 15 = 0, V 23:16, DST 63:32. */
static uint64_t irte_lo(uint8_t vector, uint32_t dst)
{
	return 1 | (uint64_t)vector << 16 | (uint64_t)dst << 32;
}

/* xAPIC destination: the APIC ID sits in IRTE bits 47:40, i.e. DST[15:8]. */
static uint32_t xapic(uint8_t apic_id)
{
	return (uint32_t)apic_id << 8;
}

/* §9.10 high half: SID 79:64, SQ 81:80, SVT 83:82. */
static uint64_t irte_hi(uint16_t sid, unsigned sq, unsigned svt)
{
	return sid | (uint64_t)sq << 16 | (uint64_t)svt << 18;
}

/* §9.11 posted format: P, IM 15 = 1, URG 14, VV 23:16, PDA[31:6] in 63:38, PDA[63:32] in
 * 127:96. */
static void posted_irte(uint64_t pda, uint8_t vv, bool urg, uint64_t *lo, uint64_t *hi)
{
	*lo = 1 | (1ull << 15) | (urg ? 1ull << 14 : 0) | (uint64_t)vv << 16 |
	      ((pda & 0xffffffc0ull) >> 6) << 38;
	*hi = (pda >> 32) << 32;
}

static void write_irte(struct fx *f, uint32_t index, uint64_t lo, uint64_t hi)
{
	mem_write64(f->mem, IRT + index * 16ull, lo);
	mem_write64(f->mem, IRT + index * 16ull + 8, hi);
}

/* §5.1.2.2: 0xFEE in 31:20, handle[14:0] in 19:5, format 4 = 1, SHV 3, handle[15] in 2. */
static uint64_t msi_addr(uint32_t handle, bool shv)
{
	return 0xfee00000u | (handle & 0x7fff) << 5 | 1u << 4 | (shv ? 1u << 3 : 0) |
	       ((handle >> 15) & 1) << 2;
}

/* IRTA then SIRTP, polled; then IRE (plus CFI if asked), polled (§10.4.4, Linux
 * iommu_set_irq_remapping()). */
static void enable_ir(struct fx *f, uint64_t irta, bool cfi)
{
	wr64(f, DMAR_IRTA_REG, irta);
	wr32(f, DMAR_GCMD_REG, GCMD_SIRTP);
	f->t += CMD_PS;
	assert_true(rd32(f, DMAR_GSTS_REG) & GSTS_IRTPS);
	wr32(f, DMAR_GCMD_REG, GCMD_IRE | (cfi ? GCMD_CFI : 0));
	f->t += CMD_PS;
	assert_true(rd32(f, DMAR_GSTS_REG) & GSTS_IRES);
	assert_int_equal(!!(rd32(f, DMAR_GSTS_REG) & GSTS_CFIS), cfi);
}

/* IRT of 2^(7+1) = 256 entries in xAPIC mode. */
static void enable_ir_256(struct fx *f)
{
	enable_ir(f, IRT | 7, false);
}

/* One MSI write from sid: remapped at f->t, committed (delivered or posted) at once. */
static int send(struct fx *f, uint16_t sid, uint64_t addr, uint32_t data, struct pcie_irq *out)
{
	struct pcie_irq irq;

	memset(&irq, 0, sizeof(irq));
	f->t += 10000;
	vtd_remap_msi(f->v, sid, addr, data, f->t, &irq);
	pcie_irq_commit(&irq);
	if (out)
		*out = irq;
	return irq.status;
}

static uint64_t frcd_lo(struct fx *f, unsigned i)
{
	return rd64(f, f->fro + 16 * i);
}

static uint64_t frcd_hi(struct fx *f, unsigned i)
{
	return rd64(f, f->fro + 16 * i + 8);
}

/* Record i holds an interrupt-remapping fault: F, reason in 103:96, SID in 79:64 and the
 * interrupt index in FI 63:48 with 47:12 clear (§11.4.14). */
static void assert_ir_record(struct fx *f, unsigned i, uint16_t sid, uint8_t reason, int index)
{
	uint64_t hi = frcd_hi(f, i);

	assert_true(hi & (1ull << 63));
	assert_int_equal((hi >> 32) & 0xff, reason);
	assert_int_equal(hi & 0xffff, sid);
	if (index >= 0)
		assert_int_equal(frcd_lo(f, i), (uint64_t)index << 48);
}

/* ---- tests ---- */

/* §11.4.2-11.4.3: the capabilities this file relies on. */
static void test_caps(void **state)
{
	struct fx *f = *state;

	assert_true(rd64(f, DMAR_CAP_REG) & (1ull << 59)); /* PI */
	assert_true(rd64(f, DMAR_ECAP_REG) & (1ull << 3)); /* IR */
	assert_true(rd64(f, DMAR_ECAP_REG) & (1ull << 4)); /* EIM */
	assert_int_equal(rd32(f, DMAR_GSTS_REG), 0);
}

/* IRTPS and IRES appear cmd_ps after their commands; IRTA reads back as written. */
static void test_enable_timing(void **state)
{
	struct fx *f = *state;
	uint64_t t0;

	wr64(f, DMAR_IRTA_REG, IRT | IRTA_EIME | 7);
	assert_int_equal(rd64(f, DMAR_IRTA_REG), IRT | IRTA_EIME | 7);
	t0 = f->t;
	wr32(f, DMAR_GCMD_REG, GCMD_SIRTP);
	f->t = t0 + CMD_PS - 1;
	assert_int_equal(rd32(f, DMAR_GSTS_REG), 0);
	f->t = t0 + CMD_PS;
	assert_int_equal(rd32(f, DMAR_GSTS_REG), GSTS_IRTPS);
	t0 = ++f->t;
	wr32(f, DMAR_GCMD_REG, GCMD_IRE);
	f->t = t0 + CMD_PS - 1;
	assert_int_equal(rd32(f, DMAR_GSTS_REG), GSTS_IRTPS);
	f->t = t0 + CMD_PS;
	assert_int_equal(rd32(f, DMAR_GSTS_REG), GSTS_IRTPS | GSTS_IRES);
}

/* §5.1.2.2: with SHV the data's low 16 bits are added to the handle; without it they are not. */
static void test_remap_xapic_subhandle(void **state)
{
	struct fx *f = *state;
	struct pcie_irq irq;

	write_irte(f, 7, irte_lo(0x45, xapic(3)), 0);
	enable_ir_256(f);

	assert_int_equal(send(f, SID, msi_addr(5, true), 2, &irq), 0);
	assert_int_equal(f->ev.n, 1);
	assert_int_equal(f->ev.dest[0], 3);
	assert_int_equal(f->ev.vector[0], 0x45);
	assert_false(f->ev.level[0]);
	assert_int_equal(f->ev.t[0], irq.t_deliver);
	assert_true(irq.t_deliver >= f->t + IR_PS);

	/* Handle 7, no SHV: the data (a vector, to the device) is not a subhandle. */
	assert_int_equal(send(f, SID, msi_addr(7, false), 0x1234, NULL), 0);
	assert_int_equal(f->ev.n, 2);
	assert_int_equal(f->ev.vector[1], 0x45);
	/* Handle 5 without SHV selects entry 5, which is not present. */
	assert_int_not_equal(send(f, SID, msi_addr(5, false), 2, NULL), 0);
	assert_int_equal(f->ev.n, 2);
	assert_ir_record(f, 0, SID, 0x22, 5);

	assert_int_equal(vtd_stats(f->v)->ir_remapped, 2);
	assert_int_equal(vtd_stats(f->v)->ir_blocked, 1);
}

/* §9.10 DST: xAPIC mode uses bits 47:40 (39:32 and 63:48 are reserved there: fault 24h);
 * x2APIC mode (IRTA.EIME) all 32 bits. */
static void test_remap_destination_modes(void **state)
{
	struct fx *f = *state;
	struct vtd_cfg c = base_cfg();

	write_irte(f, 1, irte_lo(0x61, xapic(0x23)), 0);
	write_irte(f, 2, irte_lo(0x62, xapic(0xfe)) | (1ull << 4), 0); /* level (TM = 1) */
	write_irte(f, 3, irte_lo(0x63, 0x00012345), 0);		       /* 39:32 = 0x45 */
	write_irte(f, 4, irte_lo(0x64, 0x01000000 | xapic(7)), 0);     /* bit 56 */
	enable_ir_256(f);
	assert_int_equal(send(f, SID, msi_addr(1, false), 0, NULL), 0);
	assert_int_equal(f->ev.dest[0], 0x23); /* bits 47:40 of the IRTE */
	assert_int_equal(send(f, SID, msi_addr(2, false), 0, NULL), 0);
	assert_int_equal(f->ev.dest[1], 0xfe);
	assert_int_equal(f->ev.vector[1], 0x62);
	assert_true(f->ev.level[1]);
	assert_int_not_equal(send(f, SID, msi_addr(3, false), 0, NULL), 0);
	assert_ir_record(f, 0, SID, 0x24, 3);
	assert_int_not_equal(send(f, SID, msi_addr(4, false), 0, NULL), 0);
	assert_ir_record(f, 1, SID, 0x24, 4);
	assert_int_equal(f->ev.n, 2); /* fault events stay masked: FECTL.IM resets set */

	f = fx_new(&c);
	write_irte(f, 1, irte_lo(0x61, 0x00012345), 0);
	enable_ir(f, IRT | IRTA_EIME | 7, false);
	assert_int_equal(send(f, SID, msi_addr(1, false), 0, NULL), 0);
	assert_int_equal(f->ev.n, 1);
	assert_int_equal(f->ev.dest[0], 0x12345);
	assert_int_equal(f->ev.vector[0], 0x61);
	fx_free(f);
}

/* §9.10 SVT/SQ: source-ID validation. */
static void test_sid_validation(void **state)
{
	struct fx *f = *state;

	write_irte(f, 10, irte_lo(0x30, xapic(1)), irte_hi(0x0310, 0, 1)); /* all 16 bits */
	write_irte(f, 11, irte_lo(0x31, xapic(1)), irte_hi(0x0310, 3, 1)); /* ignore 2:0 */
	write_irte(f, 12, irte_lo(0x32, xapic(1)), irte_hi(0x0310, 1, 1)); /* ignore bit 2 */
	write_irte(f, 13, irte_lo(0x33, xapic(1)), irte_hi(0x0305, 0, 2)); /* buses 3..5 */
	write_irte(f, 14, irte_lo(0x34, xapic(1)), irte_hi(0x0310, 0, 3)); /* SVT reserved */
	enable_ir_256(f);

	assert_int_equal(send(f, 0x0310, msi_addr(10, false), 0, NULL), 0);
	assert_int_not_equal(send(f, 0x0311, msi_addr(10, false), 0, NULL), 0);
	assert_ir_record(f, 0, 0x0311, 0x26, 10);

	assert_int_equal(send(f, 0x0317, msi_addr(11, false), 0, NULL), 0);
	assert_int_equal(send(f, 0x0313, msi_addr(11, false), 0, NULL), 0);
	assert_int_not_equal(send(f, 0x0318, msi_addr(11, false), 0, NULL), 0); /* device 3 */
	assert_int_not_equal(send(f, 0x0410, msi_addr(11, false), 0, NULL), 0); /* bus 4 */

	assert_int_equal(send(f, 0x0314, msi_addr(12, false), 0, NULL), 0);
	assert_int_not_equal(send(f, 0x0312, msi_addr(12, false), 0, NULL), 0);

	assert_int_equal(send(f, 0x0300, msi_addr(13, false), 0, NULL), 0);
	assert_int_equal(send(f, 0x04ff, msi_addr(13, false), 0, NULL), 0);
	assert_int_equal(send(f, 0x0501, msi_addr(13, false), 0, NULL), 0);
	assert_int_not_equal(send(f, 0x0200, msi_addr(13, false), 0, NULL), 0);
	assert_int_not_equal(send(f, 0x0600, msi_addr(13, false), 0, NULL), 0);

	/* SVT 11b is reserved: a reserved-field fault (24h), not a mismatch. */
	assert_int_not_equal(send(f, 0x0310, msi_addr(14, false), 0, NULL), 0);

	assert_int_equal(f->ev.n, 7);
	assert_int_equal(vtd_stats(f->v)->ir_blocked, 7);
	assert_int_equal(vtd_stats(f->v)->faults_by_reason[0x26], 6);
	assert_int_equal(vtd_stats(f->v)->faults_by_reason[0x24], 1);
	/* The first NFR faults were recorded in order. */
	assert_ir_record(f, 1, 0x0318, 0x26, 11);
	assert_ir_record(f, 2, 0x0410, 0x26, 11);
	assert_ir_record(f, 3, 0x0312, 0x26, 12);
	assert_ir_record(f, 4, 0x0200, 0x26, 13);
	assert_ir_record(f, 5, 0x0600, 0x26, 13);
	assert_ir_record(f, 6, 0x0310, 0x24, 14);
}

/* §7.1.1 fault reasons 21h, 22h, 25h, 26h: the interrupt is blocked and the fault recorded. */
static void test_faults(void **state)
{
	struct fx *f = *state;
	struct pcie_irq irq;

	write_irte(f, 10, irte_lo(0x30, xapic(1)), irte_hi(0x0310, 0, 1));
	write_irte(f, 20, irte_lo(0x40, xapic(1)) & ~1ull, 0); /* P clear */
	enable_ir_256(f);

	assert_int_not_equal(send(f, SID, msi_addr(300, false), 0, &irq), 0); /* 300 >= 256 */
	assert_ir_record(f, 0, SID, 0x21, 300);
	/* Subhandle pushing the index past the end is the same fault. */
	assert_int_not_equal(send(f, SID, msi_addr(250, true), 6, NULL), 0);
	assert_ir_record(f, 1, SID, 0x21, 256);
	assert_int_not_equal(send(f, SID, msi_addr(20, false), 0, NULL), 0);
	assert_ir_record(f, 2, SID, 0x22, 20);
	/* Compatibility format (bit 4 clear) while GSTS.CFIS is clear. */
	assert_int_not_equal(send(f, SID, 0xfee01000, 0x41, NULL), 0);
	assert_ir_record(f, 3, SID, 0x25, -1);
	assert_int_not_equal(send(f, 0x0311, msi_addr(10, false), 0, NULL), 0);
	assert_ir_record(f, 4, 0x0311, 0x26, 10);

	assert_int_equal(f->ev.n, 0);
	assert_true(rd32(f, DMAR_FSTS_REG) & 2); /* PPF */
	assert_int_equal(vtd_stats(f->v)->ir_blocked, 5);
	/* Committing a blocked interrupt again still delivers nothing. */
	pcie_irq_commit(&irq);
	assert_int_equal(f->ev.n, 0);
}

/* §5.1.2.1: compatibility-format interrupts pass while GSTS.CFIS is set; CFI is a persistent
 * enable, so an IRE-only GCMD write turns it off again. */
static void test_compat_with_cfi(void **state)
{
	struct fx *f = *state;
	uint64_t t0;

	write_irte(f, 4, irte_lo(0x44, xapic(9)), 0);
	enable_ir(f, IRT | 7, true);
	assert_int_equal(send(f, SID, 0xfee02000, 0x33, NULL), 0);
	assert_int_equal(f->ev.n, 1);
	assert_int_equal(f->ev.dest[0], 2);
	assert_int_equal(f->ev.vector[0], 0x33);
	assert_int_equal(send(f, SID, msi_addr(4, false), 0, NULL), 0); /* remapping still on */
	assert_int_equal(f->ev.dest[1], 9);
	assert_int_equal(f->ev.vector[1], 0x44);
	assert_int_equal(vtd_stats(f->v)->ir_compat, 1);

	t0 = ++f->t;
	wr32(f, DMAR_GCMD_REG, GCMD_IRE);
	f->t = t0 + CMD_PS;
	assert_int_equal(rd32(f, DMAR_GSTS_REG) & (GSTS_IRES | GSTS_CFIS), GSTS_IRES);
	assert_int_not_equal(send(f, SID, 0xfee02000, 0x33, NULL), 0);
	assert_ir_record(f, 0, SID, 0x25, -1);
	assert_int_equal(f->ev.n, 2);
}

/* With remapping off (GSTS.IRES clear) interrupts are not translated (§5.1). */
static void test_ir_disabled(void **state)
{
	struct fx *f = *state;

	write_irte(f, 4, irte_lo(0x44, xapic(9)), 0);
	assert_int_equal(send(f, SID, 0xfee04000, 0x40, NULL), 0);
	assert_int_equal(f->ev.n, 1);
	assert_int_equal(f->ev.dest[0], 4);
	assert_int_equal(f->ev.vector[0], 0x40);
	assert_int_equal(vtd_stats(f->v)->ir_compat, 1);
	assert_int_equal(vtd_stats(f->v)->iec_lookups, 0);
	assert_int_equal(vtd_stats(f->v)->faults, 0);
}

/* A unit without ECAP.IR ignores SIRTP and IRE (§11.4.4: the bits are reserved then). */
static void test_no_ir_capability(void **state)
{
	struct vtd_cfg c = base_cfg();
	struct fx *f;

	(void)state;
	c.ir = c.eim = false;
	f = fx_new(&c);
	assert_false(rd64(f, DMAR_ECAP_REG) & (1ull << 3));
	write_irte(f, 4, irte_lo(0x44, xapic(9)), 0);
	wr64(f, DMAR_IRTA_REG, IRT | 7);
	wr32(f, DMAR_GCMD_REG, GCMD_SIRTP);
	f->t += CMD_PS;
	wr32(f, DMAR_GCMD_REG, GCMD_IRE | GCMD_CFI);
	f->t += CMD_PS;
	assert_int_equal(rd32(f, DMAR_GSTS_REG), 0);
	assert_int_equal(send(f, SID, 0xfee04000, 0x40, NULL), 0);
	assert_int_equal(f->ev.n, 1);
	assert_int_equal(f->ev.dest[0], 4);
	assert_int_equal(f->ev.vector[0], 0x40);
	assert_int_equal(vtd_stats(f->v)->iec_lookups, 0);
	fx_free(f);
}

/* §9.12 descriptor: PIR 255:0, ON 256, SN 257, NV 271:264, NDST 319:288. */
static void write_pid(struct fx *f, uint64_t pda, bool on, bool sn, uint8_t nv, uint32_t ndst)
{
	for (unsigned i = 0; i < 8; i++)
		mem_write64(f->mem, pda + i * 8, 0);
	mem_write64(f->mem, pda + 32,
		    (on ? 1ull : 0) | (sn ? 2ull : 0) | (uint64_t)nv << 8 | (uint64_t)ndst << 32);
}

/* §5.2.3 / §9.12: posting sets PIR[vv]; only when ON was clear (and SN clear or URG set) does
 * it set ON and send NV to NDST. */
static void test_posted(void **state)
{
	struct fx *f = *state;
	const struct vtd_stats *st = vtd_stats(f->v);
	uint64_t lo, hi, ctl;

	write_pid(f, PDA, false, false, 0xf2, 5u << 8); /* xAPIC: APIC ID 5 in NDST[15:8] */
	posted_irte(PDA, 0x61, false, &lo, &hi);
	write_irte(f, 30, lo, hi | irte_hi(SID, 0, 1));
	posted_irte(PDA, 0x62, false, &lo, &hi);
	write_irte(f, 31, lo, hi);
	posted_irte(PDA, 0x63, true, &lo, &hi);
	write_irte(f, 32, lo, hi);
	enable_ir_256(f);

	assert_int_equal(send(f, SID, msi_addr(30, false), 0, NULL), 0);
	assert_int_equal(mem_read64(f->mem, PDA + 8), 1ull << (0x61 - 64)); /* PIR bit 97 */
	assert_int_equal(mem_read64(f->mem, PDA + 0), 0);
	assert_int_equal(mem_read64(f->mem, PDA + 16), 0);
	assert_int_equal(mem_read64(f->mem, PDA + 24), 0);
	ctl = mem_read64(f->mem, PDA + 32);
	assert_int_equal(ctl & 3, 1); /* ON set, SN clear */
	assert_int_equal((ctl >> 8) & 0xff, 0xf2);
	assert_int_equal(f->ev.n, 1);
	assert_int_equal(f->ev.dest[0], 5);
	assert_int_equal(f->ev.vector[0], 0xf2);
	assert_int_equal(st->ir_posted, 1);
	assert_int_equal(st->pi_notifications, 1);

	/* ON already set: the bit is posted, no second notification. */
	assert_int_equal(send(f, 0x0999, msi_addr(31, false), 0, NULL), 0); /* SVT 0: any SID */
	assert_int_equal(mem_read64(f->mem, PDA + 8), 3ull << (0x61 - 64));
	assert_int_equal(f->ev.n, 1);
	assert_int_equal(st->pi_suppressed, 1);

	/* The CPU consumed the notification (ON cleared); software sets SN (vCPU preempted). */
	mem_write64(f->mem, PDA + 8, 0);
	mem_write64(f->mem, PDA + 32, mem_read64(f->mem, PDA + 32) & ~1ull);
	mem_write64(f->mem, PDA + 32, mem_read64(f->mem, PDA + 32) | 2ull);
	assert_int_equal(send(f, SID, msi_addr(30, false), 0, NULL), 0);
	assert_int_equal(mem_read64(f->mem, PDA + 8), 1ull << (0x61 - 64));
	assert_int_equal(mem_read64(f->mem, PDA + 32) & 3, 2); /* ON stays clear */
	assert_int_equal(f->ev.n, 1);
	assert_int_equal(st->pi_suppressed, 2);

	/* URG overrides SN. */
	assert_int_equal(send(f, SID, msi_addr(32, false), 0, NULL), 0);
	assert_int_equal(mem_read64(f->mem, PDA + 8), 5ull << (0x61 - 64));
	assert_int_equal(mem_read64(f->mem, PDA + 32) & 3, 3);
	assert_int_equal(f->ev.n, 2);
	assert_int_equal(f->ev.dest[1], 5);
	assert_int_equal(f->ev.vector[1], 0xf2);
	assert_int_equal(st->pi_notifications, 2);

	/* Posted entries are source-validated too (§9.11 has SID/SQ/SVT). */
	assert_int_not_equal(send(f, 0x0311, msi_addr(30, false), 0, NULL), 0);
	assert_ir_record(f, 0, 0x0311, 0x26, 30);
	assert_int_equal(st->ir_posted, 4);
}

/* x2APIC mode: NDST is the full 32-bit APIC ID. */
static void test_posted_x2apic(void **state)
{
	struct fx *f = *state;
	uint64_t lo, hi;

	write_pid(f, PDA, false, false, 0xf3, 0x00012345);
	posted_irte(PDA, 0xc1, false, &lo, &hi);
	write_irte(f, 3, lo, hi);
	enable_ir(f, IRT | IRTA_EIME | 7, false);
	assert_int_equal(send(f, SID, msi_addr(3, false), 0, NULL), 0);
	assert_int_equal(mem_read64(f->mem, PDA + 24), 1ull << (0xc1 - 192));
	assert_int_equal(f->ev.n, 1);
	assert_int_equal(f->ev.dest[0], 0x12345);
	assert_int_equal(f->ev.vector[0], 0xf3);
}

/* Without CAP.PI the IM bit is reserved: a posted-format IRTE faults (24h) and nothing is
 * written to the descriptor. */
static void test_posted_needs_cap_pi(void **state)
{
	struct vtd_cfg c = base_cfg();
	struct fx *f;
	uint64_t lo, hi;

	(void)state;
	c.posted_interrupts = false;
	f = fx_new(&c);
	assert_false(rd64(f, DMAR_CAP_REG) & (1ull << 59));
	write_pid(f, PDA, false, false, 0xf2, 5u << 8);
	posted_irte(PDA, 0x61, false, &lo, &hi);
	write_irte(f, 30, lo, hi);
	enable_ir_256(f);
	assert_int_not_equal(send(f, SID, msi_addr(30, false), 0, NULL), 0);
	assert_ir_record(f, 0, SID, 0x24, 30);
	assert_int_equal(mem_read64(f->mem, PDA + 8), 0);
	assert_int_equal(mem_read64(f->mem, PDA + 32), 0xf2ull << 8 | (5ull << 8) << 32);
	assert_int_equal(f->ev.n, 0);
	fx_free(f);
}

/* §6.2.4 / §9.10: the interrupt entry cache keeps serving an IRTE until it is invalidated (or,
 * here, evicted); rewriting the entry in memory changes nothing before that. */
static void test_iec_stale(void **state)
{
	struct vtd_cfg c = base_cfg();
	const struct vtd_stats *st;
	struct fx *f;

	(void)state;
	c.iec_entries = 2;
	f = fx_new(&c);
	st = vtd_stats(f->v);
	write_irte(f, 1, irte_lo(0x51, xapic(1)), 0);
	write_irte(f, 2, irte_lo(0x52, xapic(1)), 0);
	write_irte(f, 3, irte_lo(0x53, xapic(1)), 0);
	enable_ir_256(f);

	send(f, SID, msi_addr(1, false), 0, NULL);
	assert_int_equal(st->iec_misses, 1);
	assert_int_equal(st->iec_hits, 0);
	send(f, SID, msi_addr(1, false), 0, NULL);
	assert_int_equal(st->iec_hits, 1);

	write_irte(f, 1, irte_lo(0x5f, xapic(7)), 0);
	send(f, SID, msi_addr(1, false), 0, NULL);
	assert_int_equal(st->iec_hits, 2);
	assert_int_equal(f->ev.vector[2], 0x51); /* stale, as hardware would deliver */
	assert_int_equal(f->ev.dest[2], 1);

	/* Entries 2 and 3 fill the two-entry cache and evict entry 1, the least recently used. */
	send(f, SID, msi_addr(2, false), 0, NULL);
	send(f, SID, msi_addr(3, false), 0, NULL);
	assert_int_equal(st->iec_misses, 3);
	send(f, SID, msi_addr(1, false), 0, NULL);
	assert_int_equal(st->iec_misses, 4);
	assert_int_equal(st->iec_hits, 2);
	assert_int_equal(st->iec_lookups, 6);
	assert_int_equal(f->ev.n, 6);
	assert_int_equal(f->ev.vector[5], 0x5f);
	assert_int_equal(f->ev.dest[5], 7);
	fx_free(f);
}

/* The host driver's irq_remapping_msi() (a pure function) and the unit agree on the handle
 * encoding, including handle[15] in address bit 2 (§5.1.2.2). */
static void test_host_msi_round_trip(void **state)
{
	struct fx *f = *state;
	uint64_t addr;
	uint32_t data;

	write_irte(f, 5, irte_lo(0x35, xapic(2)), 0);
	write_irte(f, 40000, irte_lo(0x9c, xapic(6)), 0);
	enable_ir(f, IRT | 15, false); /* 2^16 entries */

	irq_remapping_msi(5, &addr, &data);
	assert_int_equal(addr & 0xfff00000u, 0xfee00000u);
	assert_true(addr & (1u << 4));
	assert_false(addr & (1u << 2));
	assert_int_equal(send(f, SID, addr, data, NULL), 0);
	assert_int_equal(f->ev.vector[0], 0x35);
	assert_int_equal(f->ev.dest[0], 2);

	irq_remapping_msi(40000, &addr, &data);
	assert_true(addr & (1u << 2)); /* 40000 = 0x9c40: handle[15] set */
	assert_int_equal(send(f, SID, addr, data, NULL), 0);
	assert_int_equal(f->ev.n, 2);
	assert_int_equal(f->ev.vector[1], 0x9c);
	assert_int_equal(f->ev.dest[1], 6);

	/* With a 2^15-entry table the same message is out of range: 21h, FI = 40000. */
	wr64(f, DMAR_IRTA_REG, IRT | 14);
	wr32(f, DMAR_GCMD_REG, GCMD_SIRTP | GCMD_IRE);
	f->t += CMD_PS;
	assert_int_equal(rd32(f, DMAR_GSTS_REG) & (GSTS_IRTPS | GSTS_IRES), GSTS_IRTPS | GSTS_IRES);
	assert_int_not_equal(send(f, SID, addr, data, NULL), 0);
	assert_ir_record(f, 0, SID, 0x21, 40000);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_caps),
	    T(test_enable_timing),
	    T(test_remap_xapic_subhandle),
	    T(test_remap_destination_modes),
	    T(test_sid_validation),
	    T(test_faults),
	    T(test_compat_with_cfi),
	    T(test_ir_disabled),
	    cmocka_unit_test(test_no_ir_capability),
	    T(test_posted),
	    T(test_posted_x2apic),
	    cmocka_unit_test(test_posted_needs_cap_pi),
	    cmocka_unit_test(test_iec_stale),
	    T(test_host_msi_round_trip),
	};

	return cmocka_run_group_tests_name("irte", tests, NULL, NULL);
}
