/* SPDX-License-Identifier: MIT */
/*
 * The I/O APIC model through its register window, as the host and guest drivers program it:
 * redirection entries, masking, level-triggered Remote IRR and the EOI broadcast, edge
 * triggering, and the compatibility and remappable (VT-d §5.1.5.1) message formats.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "models/apic/ioapic.h"

struct msg {
	uint16_t sid;
	uint64_t addr;
	uint32_t data;
};

static struct msg msgs[16];
static unsigned nmsgs;

static void send(void *ctx, uint16_t sid, uint64_t addr, uint32_t data)
{
	(void)ctx;
	if (nmsgs < 16)
		msgs[nmsgs] = (struct msg){sid, addr, data};
	nmsgs++;
}

static struct ioapic *mk(void)
{
	struct ioapic_cfg c = {.id = 8, .pins = 24, .sid = 0xf0f8};
	struct ioapic_hooks h = {send, NULL};
	struct ioapic *io;

	assert_int_equal(ioapic_create(&c, &io), 0);
	ioapic_set_hooks(io, &h);
	nmsgs = 0;
	return io;
}

static void wr(struct ioapic *io, uint32_t reg, uint32_t val)
{
	ioapic_mmio_write(io, IOAPIC_REGSEL, 4, reg, 0);
	ioapic_mmio_write(io, IOAPIC_WINDOW, 4, val, 0);
}

static uint32_t rd(struct ioapic *io, uint32_t reg)
{
	ioapic_mmio_write(io, IOAPIC_REGSEL, 4, reg, 0);
	return (uint32_t)ioapic_mmio_read(io, IOAPIC_WINDOW, 4, 0);
}

static void set_rte(struct ioapic *io, unsigned pin, uint64_t e)
{
	wr(io, IOAPIC_REG_RTE(pin) + 1, (uint32_t)(e >> 32));
	wr(io, IOAPIC_REG_RTE(pin), (uint32_t)e);
}

static void identity_and_reset(void **s)
{
	struct ioapic *io = mk();

	(void)s;
	assert_int_equal(rd(io, IOAPIC_REG_ID) >> 24, 8);
	/* version 0x20, maximum redirection entry 23 */
	assert_int_equal(rd(io, IOAPIC_REG_VER), 0x20 | (23u << 16));
	for (unsigned p = 0; p < 24; p++)
		assert_true(ioapic_rte(io, p) & IOAPIC_RTE_MASK);
	/* a masked pin asserted sends nothing */
	ioapic_set_irq(io, 5, true);
	assert_int_equal(nmsgs, 0);
	assert_int_equal(ioapic_stats(io)->masked_assertions, 1);
	ioapic_destroy(io);
}

static void level_remote_irr(void **s)
{
	struct ioapic *io = mk();
	uint64_t e = 0x41 | IOAPIC_RTE_LEVEL | IOAPIC_RTE_POLARITY | (3ull << IOAPIC_RTE_DEST_SHIFT);

	(void)s;
	set_rte(io, 16, e);
	assert_int_equal(rd(io, IOAPIC_REG_RTE(16) + 1), 3u << 24);
	ioapic_set_irq(io, 16, true);
	assert_int_equal(nmsgs, 1);
	/* compatibility format: destination in address bits 19:12; data: vector, level, assert */
	assert_int_equal(msgs[0].sid, 0xf0f8);
	assert_int_equal(msgs[0].addr, 0xfee03000u);
	assert_int_equal(msgs[0].data, 0x41 | 1u << 15 | 1u << 14);
	assert_true(ioapic_rte(io, 16) & IOAPIC_RTE_REMOTE_IRR);
	/* Remote IRR is read-only: software cannot clear it by rewriting the entry */
	wr(io, IOAPIC_REG_RTE(16), (uint32_t)e);
	assert_true(ioapic_rte(io, 16) & IOAPIC_RTE_REMOTE_IRR);
	/* still asserted, Remote IRR set: nothing more */
	ioapic_set_irq(io, 16, true);
	assert_int_equal(nmsgs, 1);
	/* the EOI of another vector changes nothing */
	ioapic_eoi(io, 0x42);
	assert_int_equal(nmsgs, 1);
	/* the EOI while the line is still asserted fires again */
	ioapic_eoi(io, 0x41);
	assert_int_equal(nmsgs, 2);
	assert_int_equal(ioapic_stats(io)->refires, 1);
	/* the device drops the line, then the EOI: Remote IRR clears, no message */
	ioapic_set_irq(io, 16, false);
	ioapic_eoi(io, 0x41);
	assert_int_equal(nmsgs, 2);
	assert_false(ioapic_rte(io, 16) & IOAPIC_RTE_REMOTE_IRR);
	ioapic_destroy(io);
}

static void mask_while_asserted(void **s)
{
	struct ioapic *io = mk();
	uint64_t e = 0x50 | IOAPIC_RTE_LEVEL;

	(void)s;
	set_rte(io, 18, e | IOAPIC_RTE_MASK);
	ioapic_set_irq(io, 18, true);
	assert_int_equal(nmsgs, 0);
	/* unmasking a pin that is asserted fires it (the line is a level) */
	wr(io, IOAPIC_REG_RTE(18), (uint32_t)e);
	assert_int_equal(nmsgs, 1);
	/* masking, EOI, unmasking: the asserted line fires once more after the unmask */
	wr(io, IOAPIC_REG_RTE(18), (uint32_t)(e | IOAPIC_RTE_MASK));
	ioapic_eoi(io, 0x50);
	assert_int_equal(nmsgs, 1);
	wr(io, IOAPIC_REG_RTE(18), (uint32_t)e);
	assert_int_equal(nmsgs, 2);
	ioapic_destroy(io);
}

static void edge(void **s)
{
	struct ioapic *io = mk();

	(void)s;
	set_rte(io, 2, 0x60);
	ioapic_set_irq(io, 2, true);
	ioapic_set_irq(io, 2, true); /* no new edge */
	assert_int_equal(nmsgs, 1);
	assert_int_equal(msgs[0].data, 0x60);
	assert_false(ioapic_rte(io, 2) & IOAPIC_RTE_REMOTE_IRR);
	ioapic_set_irq(io, 2, false);
	ioapic_set_irq(io, 2, true);
	assert_int_equal(nmsgs, 2);
	/* the EOI of an edge vector changes nothing */
	ioapic_eoi(io, 0x60);
	assert_int_equal(nmsgs, 2);
	ioapic_destroy(io);
}

static void remappable_format(void **s)
{
	struct ioapic *io = mk();
	/* handle 0x8123: index[14:0] in bits 63:49, index[15] in bit 11, format bit 48 */
	uint64_t e = 0x70 | IOAPIC_RTE_LEVEL | IOAPIC_RTE_REMAP | IOAPIC_RTE_INDEX(0x8123);

	(void)s;
	set_rte(io, 20, e);
	assert_int_equal(ioapic_rte(io, 20) & ~IOAPIC_RTE_REMOTE_IRR, e);
	ioapic_set_irq(io, 20, true);
	assert_int_equal(nmsgs, 1);
	/* remappable MSI address: handle[14:0] in 19:5, bit 4 the format, handle[15] in bit 2,
	 * SHV clear */
	assert_int_equal(msgs[0].addr, 0xfee00000u | (0x0123u << 5) | (1u << 4) | (1u << 2));
	assert_int_equal(msgs[0].data & 0xff, 0x70);
	/* its EOI still matches on the vector the entry carries */
	ioapic_set_irq(io, 20, false);
	ioapic_eoi(io, 0x70);
	assert_false(ioapic_rte(io, 20) & IOAPIC_RTE_REMOTE_IRR);
	ioapic_destroy(io);
}

static void directed_eoi_register(void **s)
{
	struct ioapic *io = mk();

	(void)s;
	set_rte(io, 17, 0x44 | IOAPIC_RTE_LEVEL);
	ioapic_set_irq(io, 17, true);
	ioapic_set_irq(io, 17, false);
	assert_true(ioapic_rte(io, 17) & IOAPIC_RTE_REMOTE_IRR);
	/* version 0x20 has the EOI register (directed EOI) */
	ioapic_mmio_write(io, IOAPIC_EOI, 4, 0x44, 0);
	assert_false(ioapic_rte(io, 17) & IOAPIC_RTE_REMOTE_IRR);
	ioapic_destroy(io);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(identity_and_reset), cmocka_unit_test(level_remote_irr),
		cmocka_unit_test(mask_while_asserted), cmocka_unit_test(edge),
		cmocka_unit_test(remappable_format),	  cmocka_unit_test(directed_eoi_register),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
