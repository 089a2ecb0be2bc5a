/* SPDX-License-Identifier: MIT */
/*
 * Interrupt formats shared by the APIC, the CPU, the VT-d unit and host software, against the
 * specifications (numbers typed from them, not from the headers): compatibility-format MSI
 * address and data (Intel SDM vol. 3A §10.11.1-10.11.2), the I/O APIC's remappable
 * redirection entry (VT-d 3.x §5.1.5.1), and the posted-interrupt descriptor (SDM vol. 3C
 * §29.6, VT-d §9.12).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "models/apic/ioapic_regs.h"
#include "models/apic/msi_regs.h"
#include "models/apic/posted_intr_regs.h"

/* Address: 0xFEE 31:20, destination ID 19:12, RH 3, DM 2. Data: vector 7:0, delivery mode
 * 10:8, level 14, trigger mode 15. */
static void compat_msi(void **state)
{
	struct msi_compat m;

	(void)state;
	assert_int_equal(msi_compat_addr(5, MSI_ADDR_DM), 0xfee05004u);
	assert_int_equal(msi_compat_addr(0xff, MSI_ADDR_RH), 0xfeeff008u);
	assert_int_equal(msi_compat_addr(1, 0), 0xfee01000u);
	assert_int_equal(
	    msi_compat_data(0x31, MSI_DATA_DLM_LOWPRI, MSI_DATA_LEVEL | MSI_DATA_TRIGGER), 0xc131u);
	assert_int_equal(msi_compat_data(0xec, MSI_DATA_DLM_FIXED, 0), 0xecu);
	assert_false(msi_is_remappable(0xfee05004u));
	assert_true(msi_is_remappable(0xfee00010u));

	m = msi_compat_decode(0xfee05004u, 0xc131u);
	assert_int_equal(m.dest, 5);
	assert_int_equal(m.vector, 0x31);
	assert_int_equal(m.dlm, 1);
	assert_true(m.dm);
	assert_false(m.rh);
	assert_true(m.level_trigger);
	assert_true(m.assert_level);
	m = msi_compat_decode(msi_compat_addr(0x2a, MSI_ADDR_RH), msi_compat_data(0x40, 0, 0));
	assert_int_equal(m.dest, 0x2a);
	assert_int_equal(m.vector, 0x40);
	assert_int_equal(m.dlm, 0);
	assert_true(m.rh);
	assert_false(m.dm);
	assert_false(m.level_trigger);
	assert_int_equal(MSI_ADDR_DEST(0xfee2a000u), 0x2a);
	assert_int_equal(MSI_DATA_VECTOR(0xc131u), 0x31);
	assert_int_equal(MSI_DATA_DLM(0xc131u), 1);
}

/* VT-d §5.1.5.1: remappable RTE with bit 48 set, index[14:0] in 63:49, index[15] in 11; the
 * compatibility RTE has the destination in 63:56 and the delivery mode in 10:8. */
static void ioapic_rte(void **state)
{
	uint64_t e = IOAPIC_RTE_INDEX(0x8123) | IOAPIC_RTE_REMAP | 0x41;

	(void)state;
	assert_int_equal(e, 0x0247000000000841ull); /* 0x123 << 49, REMAP 48, bit 11, vector */
	assert_int_equal(IOAPIC_RTE_INDEX_OF(e), 0x8123);
	assert_int_equal(IOAPIC_RTE_DEST(0x0300000000000000ull), 3);
	assert_int_equal(IOAPIC_RTE_DLM(0x0000000000000141ull), 1);
}

/* PIR 255:0; ON 256, SN 257, NV 271:264, NDST 319:288 (x2APIC), NDST[15:8] in xAPIC mode. */
static void posted_interrupt_descriptor(void **state)
{
	uint64_t ctl;

	(void)state;
	assert_int_equal(sizeof(struct pi_desc), 64);
	assert_int_equal(offsetof(struct pi_desc, control), 32);
	assert_int_equal(pi_pir_word(0), 0);
	assert_int_equal(pi_pir_word(65), 8);
	assert_int_equal(pi_pir_word(255), 24);
	assert_int_equal(pi_pir_bit(65), 2);
	assert_int_equal(pi_pir_bit(63), 1ull << 63);

	ctl = pi_ctl_make(0xf2, 3);
	assert_int_equal(ctl, 0x000000030000f200ull);
	assert_false(pi_ctl_on(ctl));
	assert_false(pi_ctl_sn(ctl));
	assert_int_equal(pi_ctl_nv(ctl), 0xf2);
	assert_int_equal(pi_ctl_ndst(ctl), 3);
	assert_int_equal(pi_ctl_dest(ctl, true), 3);
	/* xAPIC: APIC ID 3 is written as NDST 0x0300. */
	ctl = pi_ctl_make(0xf2, 0x0300) | PI_DESC_ON | PI_DESC_SN;
	assert_int_equal(ctl, 0x000003000000f203ull);
	assert_int_equal(pi_ctl_dest(ctl, false), 3);
	assert_true(pi_ctl_on(ctl));
	assert_true(pi_ctl_sn(ctl));
	/* Changing NV leaves ON, SN and NDST alone (the hypervisor's wakeup-vector switch). */
	ctl = pi_ctl_set_nv(ctl, 0xf1);
	assert_int_equal(ctl, 0x000003000000f103ull);
	ctl = pi_ctl_set_ndst(ctl, 7);
	assert_int_equal(ctl, 0x000000070000f103ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(compat_msi),
	    cmocka_unit_test(ioapic_rte),
	    cmocka_unit_test(posted_interrupt_descriptor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
