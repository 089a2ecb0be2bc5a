/* SPDX-License-Identifier: MIT */
/*
 * Interrupt remapping checks beyond the basics of test_irte.c (VT-d 3.x ch. 5, §9.10-9.12):
 * reserved fields of both IRTE halves and of the posted format (24h), reserved data bits of a
 * remappable request (20h), a posted-interrupt descriptor outside memory (27h), IRTA.EIME only
 * with ECAP.EIM, compatibility format blocked in x2APIC mode whatever CFIS says (§5.1.2.1),
 * FPD in the IRTE, and what the unit reports of a posted interrupt to the APIC side.
 */
#include "vtd_fixture.h"

#include "models/pcie/pcie.h"

#define IRT 0x3000000ull
#define PDA 0x100000040ull /* above 4 GiB, 64-byte aligned */
#define SID 0x0310

static uint64_t remapped(uint8_t vector, uint32_t dst)
{
	return 1 | (uint64_t)vector << 16 | (uint64_t)dst << 32; /* P, V 23:16, DST 63:32 */
}

static uint64_t msi(uint32_t handle)
{
	return 0xfee00000u | (handle & 0x7fff) << 5 | 1u << 4; /* remappable, no SHV */
}

static void irte(struct fx *f, unsigned i, uint64_t lo, uint64_t hi)
{
	mem_write64(f->mem, IRT + i * 16, lo);
	mem_write64(f->mem, IRT + i * 16 + 8, hi);
}

static void enable_ir(struct fx *f, bool eime, bool cfi)
{
	fx_wr64(f, DMAR_IRTA_REG, IRT | (eime ? 1ull << 11 : 0) | 7);
	fx_gcmd(f, 1u << 24);
	fx_gcmd(f, (1u << 25) | (cfi ? 1u << 23 : 0));
}

static int send(struct fx *f, uint16_t sid, uint64_t addr, uint32_t data)
{
	struct pcie_irq irq;

	memset(&irq, 0, sizeof(irq));
	f->t += 10000;
	vtd_remap_msi(f->v, sid, addr, data, f->t, &irq);
	pcie_irq_commit(&irq);
	return irq.status;
}

static uint8_t last_reason(struct fx *f, unsigned i)
{
	return (uint8_t)(fx_frcd_hi(f, i) >> 32);
}

static void test_reserved_fields(void **state)
{
	struct vtd_cfg c = fx_cfg();
	struct fx *f;

	(void)state;
	f = fx_new(&c);
	irte(f, 1, remapped(0x31, 0x100), 1ull << 20);	   /* hi bit 84 */
	irte(f, 2, remapped(0x32, 0x100) | 1ull << 12, 0); /* lo bit 12 */
	irte(f, 3, remapped(0x33, 0x100) | 1ull << 24, 0); /* lo bit 24 */
	irte(f, 4, (1ull << 15) | 1 | 1ull << 2 | ((PDA & 0xffffffffull) >> 6) << 38,
	     (PDA >> 32) << 32); /* posted, bit 2 */
	irte(f, 5, (1ull << 15) | 1 | ((PDA & 0xffffffffull) >> 6) << 38,
	     (PDA >> 32) << 32 | 1ull << 20); /* posted, bit 84 */
	irte(f, 6, remapped(0x36, 0x100), 0);
	enable_ir(f, false, false);
	for (unsigned i = 1; i <= 5; i++) {
		assert_int_not_equal(send(f, SID, msi(i), 0), 0);
		assert_int_equal(last_reason(f, i - 1), 0x24);
	}
	/* §5.1.2.2: data 31:16 of a remappable request is reserved (20h). */
	assert_int_not_equal(send(f, SID, msi(6), 0x10000), 0);
	assert_int_equal(last_reason(f, 5), 0x20);
	assert_int_equal(send(f, SID, msi(6), 0x1234), 0);
	fx_free(f);
}

/* IRTA.EIME is reserved without ECAP.EIM: the unit stays in xAPIC mode (reserved destination
 * bits checked, destination in 47:40). */
static void test_eime_needs_eim(void **state)
{
	struct vtd_cfg c = fx_cfg();
	struct fx *f;

	(void)state;
	c.eim = false;
	f = fx_new(&c);
	irte(f, 1, remapped(0x41, 0x00001200), 0); /* xAPIC ID 0x12 */
	irte(f, 2, remapped(0x42, 0x00012345), 0); /* an x2APIC ID: reserved bits in xAPIC */
	enable_ir(f, true, false);
	assert_false(fx_rd64(f, DMAR_IRTA_REG) & (1ull << 11));
	assert_int_equal(send(f, SID, msi(1), 0), 0);
	assert_int_equal(f->ev.dest[0], 0x12);
	assert_int_not_equal(send(f, SID, msi(2), 0), 0);
	assert_int_equal(last_reason(f, 0), 0x24);
	fx_free(f);
}

/* §5.1.2.1: with EIME set, compatibility-format interrupts are blocked even with CFIS. */
static void test_compat_blocked_in_x2apic_mode(void **state)
{
	struct vtd_cfg c = fx_cfg();
	struct fx *f;

	(void)state;
	f = fx_new(&c);
	enable_ir(f, true, true);
	assert_true(fx_rd32(f, DMAR_GSTS_REG) & (1u << 23)); /* CFIS */
	assert_int_not_equal(send(f, SID, 0xfee01000u, 0x41), 0);
	assert_int_equal(last_reason(f, 0), 0x25);
	fx_free(f);

	f = fx_new(&c);
	enable_ir(f, false, true);
	assert_int_equal(send(f, SID, 0xfee01000u, 0x41), 0);
	assert_int_equal(f->ev.n, 1);
	fx_free(f);
}

/* A posted IRTE whose descriptor is not in memory: 27h. FPD in the IRTE: not recorded. */
static void test_pid_access_and_fpd(void **state)
{
	struct vtd_cfg c = fx_cfg();
	struct fx *f;

	(void)state;
	f = fx_new(&c);
	irte(f, 1, (1ull << 15) | 1 | ((0x40ull) >> 6) << 38,
	     0x70ull << 32);				   /* PDA 0x70_00000040 */
	irte(f, 2, remapped(0x42, 0x100) | 2, 1ull << 20); /* FPD + reserved */
	enable_ir(f, false, false);
	assert_int_not_equal(send(f, SID, msi(1), 0), 0);
	assert_int_equal(last_reason(f, 0), 0x27);
	assert_int_not_equal(send(f, SID, msi(2), 0), 0);
	assert_false(fx_frcd_hi(f, 1) & (1ull << 63));
	assert_int_equal(vtd_stats(f->v)->faults_unrecorded, 1);
	fx_free(f);
}

/* What the APIC side learns of each posted interrupt (vtd_hooks.posted), after the
 * descriptor update (§9.12). */
static void test_posted_report(void **state)
{
	struct vtd_cfg c = fx_cfg();
	struct fx *f;

	(void)state;
	f = fx_new(&c);
	for (unsigned i = 0; i < 8; i++)
		mem_write64(f->mem, PDA + 8 * i, 0);
	mem_write64(f->mem, PDA + 32, (uint64_t)0xf1 << 8 | (uint64_t)7 << 32); /* NV, NDST */
	irte(f, 3, (1ull << 15) | 1 | (uint64_t)0x77 << 16 | ((PDA & 0xffffffffull) >> 6) << 38,
	     (PDA >> 32) << 32);
	enable_ir(f, true, false);
	assert_int_equal(send(f, SID, msi(3), 0), 0);
	assert_int_equal(f->posted_n, 1);
	assert_int_equal(f->posted[0].pda, PDA);
	assert_int_equal(f->posted[0].vector, 0x77);
	assert_true(f->posted[0].notified);
	assert_int_equal(f->posted[0].ndst, 7);
	assert_int_equal(f->posted[0].nv, 0xf1);
	assert_int_equal(f->posted[0].index, 3);
	assert_int_equal(f->posted[0].sid, SID);
	assert_int_equal(f->ev.n, 1); /* the notification */
	assert_int_equal(send(f, SID, msi(3), 0), 0);
	assert_int_equal(f->posted_n, 2);
	assert_false(f->posted[1].notified); /* ON was set */
	assert_int_equal(f->ev.n, 1);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reserved_fields),
	    cmocka_unit_test(test_eime_needs_eim),
	    cmocka_unit_test(test_compat_blocked_in_x2apic_mode),
	    cmocka_unit_test(test_pid_access_and_fpd),
	    cmocka_unit_test(test_posted_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
