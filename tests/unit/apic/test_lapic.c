/* SPDX-License-Identifier: MIT */
/* Local APIC acceptance, priority and EOI (Intel SDM vol. 3A §10.8), the register interface,
 * IPIs through the bus, and the PIR-to-virtual-IRR move of posted-interrupt processing
 * (vol. 3C §29.6). */
#include <setjmp.h>
#include <stdarg.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "models/apic/lapic.h"
#include "models/apic/lapic_regs.h"
#include "models/cpu/vmx.h"
#include "models/mem/mem.h"

static int notified, broadcast_vec = -1;

static void notify(void *ctx)
{
	(void)ctx;
	notified++;
}

static void broadcast(void *ctx, uint8_t v)
{
	(void)ctx;
	broadcast_vec = v;
}

static struct lapic *mk(uint32_t id)
{
	struct lapic *l;
	struct lapic_hooks h = {notify, broadcast, NULL, NULL};

	assert_int_equal(lapic_create(id, &l), 0);
	lapic_set_hooks(l, &h);
	return l;
}

static void priority_order(void **s)
{
	struct lapic *l = mk(0);

	(void)s;
	notified = 0;
	lapic_accept(l, 0x31, false);
	lapic_accept(l, 0x51, false);
	lapic_accept(l, 0x41, false);
	assert_int_equal(notified, 3);
	assert_int_equal(lapic_deliverable(l), 0x51);
	assert_int_equal(lapic_ack(l), 0x51);
	assert_true(lapic_isr_test(l, 0x51));
	/* PPR is now class 5: 0x41 (class 4) waits */
	assert_int_equal(lapic_ppr(l), 0x50);
	assert_int_equal(lapic_deliverable(l), -1);
	/* a higher class preempts */
	lapic_accept(l, 0x61, false);
	assert_int_equal(lapic_deliverable(l), 0x61);
	assert_int_equal(lapic_ack(l), 0x61);
	/* EOI clears the highest in service: 0x61 first */
	assert_int_equal(lapic_eoi(l), 0x61);
	assert_int_equal(lapic_eoi(l), 0x51);
	assert_int_equal(lapic_deliverable(l), 0x41);
	/* TPR masks a class: TPR 0x40 blocks class 4 and below */
	lapic_reg_write(l, APIC_TASKPRI, 0x40);
	assert_int_equal(lapic_deliverable(l), -1);
	assert_int_equal(lapic_reg_read(l, APIC_PROCPRI), 0x40);
	lapic_reg_write(l, APIC_TASKPRI, 0x30);
	assert_int_equal(lapic_deliverable(l), 0x41);
	lapic_destroy(l);
}

static void same_vector_coalesces(void **s)
{
	struct lapic *l = mk(0);

	(void)s;
	lapic_accept(l, 0x40, false);
	lapic_accept(l, 0x40, false);
	assert_int_equal(lapic_stats(l)->accepted, 1);
	assert_int_equal(lapic_stats(l)->coalesced, 1);
	assert_int_equal(lapic_ack(l), 0x40);
	assert_int_equal(lapic_ack(l), -1);
	/* a second one while the first is in service: held in IRR, delivered after EOI */
	lapic_accept(l, 0x40, false);
	assert_int_equal(lapic_deliverable(l), -1);
	lapic_eoi(l);
	assert_int_equal(lapic_deliverable(l), 0x40);
	lapic_destroy(l);
}

static void level_eoi_broadcasts(void **s)
{
	struct lapic *l = mk(0);

	(void)s;
	broadcast_vec = -1;
	lapic_accept(l, 0x70, true);
	assert_int_equal(lapic_reg_read(l, APIC_TMR + 0x30) & (1u << 16), 1u << 16);
	lapic_ack(l);
	lapic_eoi(l);
	assert_int_equal(broadcast_vec, 0x70);
	/* edge: no broadcast */
	broadcast_vec = -1;
	lapic_accept(l, 0x71, false);
	lapic_ack(l);
	lapic_eoi(l);
	assert_int_equal(broadcast_vec, -1);
	assert_int_equal(lapic_stats(l)->eoi_broadcasts, 1);
	lapic_destroy(l);
}

static void registers_and_illegal_vectors(void **s)
{
	struct lapic *l = mk(7);

	(void)s;
	assert_int_equal(lapic_reg_read(l, APIC_ID), 7);
	assert_false(lapic_enabled(l));
	lapic_reg_write(l, APIC_SPIV, 0x1ff);
	assert_true(lapic_enabled(l));
	lapic_accept(l, 0x21, false);
	lapic_accept(l, 0xe5, false);
	assert_int_equal(lapic_reg_read(l, APIC_IRR + 0x10), 1u << 1);   /* 0x21: word 1 */
	assert_int_equal(lapic_reg_read(l, APIC_IRR + 0x70), 1u << 5);   /* 0xe5: word 7 */
	/* vectors 0-15 are illegal: ESR bit 6, nothing accepted */
	lapic_accept(l, 5, false);
	assert_int_equal(lapic_reg_read(l, APIC_ESR) & (1u << 6), 1u << 6);
	assert_int_equal(lapic_reg_read(l, APIC_IRR), 0);
	lapic_destroy(l);
}

static void ipi_through_the_bus(void **s)
{
	struct apic_bus *b;
	struct lapic *a = mk(0), *c = mk(3);

	(void)s;
	assert_int_equal(apic_bus_create(&b), 0);
	apic_bus_attach(b, a);
	apic_bus_attach(b, c);
	assert_int_equal(apic_bus_attach(b, c), -EEXIST);
	lapic_set_bus(a, b);
	/* x2APIC ICR: fixed, physical destination 3, vector 0x44 */
	lapic_write_icr(a, (3ull << 32) | 0x44);
	assert_true(lapic_irr_test(c, 0x44));
	assert_false(lapic_irr_test(a, 0x44));
	/* non-fixed delivery modes are not routed */
	lapic_write_icr(a, (3ull << 32) | (4u << 8) | 0x45);
	assert_false(lapic_irr_test(c, 0x45));
	assert_false(apic_bus_deliver(b, 9, 0x46, false));
	apic_bus_destroy(b);
	lapic_destroy(a);
	lapic_destroy(c);
}

static void pir_moves_to_virtual_irr(void **s)
{
	struct mem_cfg mc = {.size = 64 << 20, .low_top = 64 << 20, .latency_ps = 80000};
	struct vcpu_cfg vc = {.id = 0};
	struct mem *m;
	struct vcpu *v;
	struct lapic *vapic = mk(0);
	const uint64_t pd = 0x100000;

	(void)s;
	assert_int_equal(mem_create(&mc, &m), 0);
	assert_int_equal(vcpu_create(&vc, m, NULL, &v), 0);
	vcpu_set_vapic(v, vapic);
	vcpu_controls(v)->posted_intr = true;
	vcpu_controls(v)->pi_desc = pd;
	/* PIR bits 0x35 and 0xa1 posted, ON clear: nothing moves (processing keys on ON) */
	mem_write64(m, pd + 0, 1ull << 0x35);
	mem_write64(m, pd + 16, 1ull << (0xa1 - 128));
	mem_write64(m, pd + PI_DESC_CTL, 0xf2ull << PI_DESC_NV_SHIFT);
	assert_false(vcpu_pi_sync(v));
	assert_false(lapic_irr_test(vapic, 0x35));
	/* with ON: ON clears, the PIR empties into the virtual IRR, NV is untouched */
	mem_write64(m, pd + PI_DESC_CTL, (0xf2ull << PI_DESC_NV_SHIFT) | PI_DESC_ON);
	assert_true(vcpu_pi_sync(v));
	assert_true(lapic_irr_test(vapic, 0x35));
	assert_true(lapic_irr_test(vapic, 0xa1));
	assert_int_equal(mem_read64(m, pd + 0), 0);
	assert_int_equal(mem_read64(m, pd + 16), 0);
	assert_int_equal(mem_read64(m, pd + PI_DESC_CTL), 0xf2ull << PI_DESC_NV_SHIFT);
	assert_int_equal(lapic_deliverable(vapic), 0xa1);
	vcpu_destroy(v);
	lapic_destroy(vapic);
	mem_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(priority_order),      cmocka_unit_test(same_vector_coalesces),
		cmocka_unit_test(level_eoi_broadcasts), cmocka_unit_test(registers_and_illegal_vectors),
		cmocka_unit_test(ipi_through_the_bus), cmocka_unit_test(pir_moves_to_virtual_irr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
