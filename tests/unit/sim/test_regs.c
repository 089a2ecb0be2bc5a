/* SPDX-License-Identifier: MIT */
/*
 * The register file: reset values, read-write / write-1-to-clear / write-only masks applied by
 * regs_write and regs_read, little-endian multi-width access, out-of-range accesses, reset,
 * and the hardware-side setters that bypass the masks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim/regs.h"

#define SPACE 64

/* A small register file laid out like the start of a type 0 config header plus a status
 * register and a command register (offsets are this test's, not a spec's). */
#define R_ID	0x00 /* dword, read-only */
#define R_CTRL	0x04 /* word: bits 0-2 rw, rest read-only */
#define R_STS	0x06 /* word: bits 8-15 w1c, bit 0 read-only */
#define R_BAR0	0x10 /* dword: 4 KiB memory BAR, bit 3 prefetchable (read-only) */
#define R_BAR1	0x14 /* qword: 64-bit, 1 MiB */
#define R_CMD	0x20 /* dword: bits 0-7 write-only command, bits 8-15 rw */
#define R_MIXED 0x28 /* dword: per-byte masks, for sub-width accesses */
#define R_LAST	0x3c /* dword at the very end of the space */

static struct regs r;

static int setup(void **state)
{
	if (regs_init(&r, SPACE))
		return -1;
	regs_define(&r, R_ID, 4, 0x12348086u, 0, 0, 0);
	regs_define(&r, R_CTRL, 2, 0x0010, 0x0007, 0, 0);
	regs_define(&r, R_STS, 2, 0x0001, 0, 0xff00, 0);
	regs_define(&r, R_BAR0, 4, 0x00000008u, 0xfffff000u, 0, 0);
	regs_define(&r, R_BAR1, 8, 0, 0xfffffffffff00000ull, 0, 0);
	regs_define(&r, R_CMD, 4, 0, 0x0000ffffu, 0, 0x000000ffu);
	regs_define(&r, R_MIXED, 4, 0xa5a5a5a5u, 0x00ff00ffu, 0, 0);
	regs_define(&r, R_LAST, 4, 0xcafef00du, 0xffffffffu, 0, 0);
	return 0;
}

static int teardown(void **state)
{
	regs_free(&r);
	return 0;
}

static void test_reset_values(void **state)
{
	assert_int_equal(regs_read(&r, R_ID, 4), 0x12348086u);
	assert_int_equal(regs_read(&r, R_ID, 2), 0x8086);     /* little-endian: vendor first */
	assert_int_equal(regs_read(&r, R_ID + 2, 2), 0x1234); /* then device */
	assert_int_equal(regs_read(&r, R_CTRL, 2), 0x0010);
	assert_int_equal(regs_read(&r, R_STS, 2), 0x0001);
	assert_int_equal(regs_read(&r, R_BAR0, 4), 0x00000008u);
	assert_int_equal(regs_read(&r, R_LAST, 4), 0xcafef00du);
	/* Undefined bytes inside the space read as 0. */
	assert_int_equal(regs_read(&r, 0x08, 8), 0);
}

static void test_rw_mask(void **state)
{
	/* Read-only register: writes change nothing. */
	regs_write(&r, R_ID, 4, 0xffffffffu);
	assert_int_equal(regs_read(&r, R_ID, 4), 0x12348086u);

	/* Only bits 0-2 take the written value; bit 4 (read-only, reset 1) stays. */
	regs_write(&r, R_CTRL, 2, 0xffff);
	assert_int_equal(regs_read(&r, R_CTRL, 2), 0x0017);
	regs_write(&r, R_CTRL, 2, 0x0002);
	assert_int_equal(regs_read(&r, R_CTRL, 2), 0x0012);
	regs_write(&r, R_CTRL, 2, 0x0000);
	assert_int_equal(regs_read(&r, R_CTRL, 2), 0x0010);
}

static void test_bar_sizing(void **state)
{
	uint64_t v;

	/* PCI BAR sizing (PCI Local Bus 3.0 §6.2.5.1): write all ones, read back, mask the
	 * type bits, invert and add one. */
	regs_write(&r, R_BAR0, 4, 0xffffffffu);
	v = regs_read(&r, R_BAR0, 4);
	assert_int_equal(v, 0xfffff008u);
	assert_int_equal((~(v & ~0xfull) & 0xffffffffu) + 1, 0x1000);

	/* Software then programs an address; the low 12 bits cannot take it. */
	regs_write(&r, R_BAR0, 4, 0xfebc1234u);
	assert_int_equal(regs_read(&r, R_BAR0, 4), 0xfebc1008u);

	/* The same on a 64-bit BAR written as one qword... */
	regs_write(&r, R_BAR1, 8, ~0ull);
	assert_true(regs_read(&r, R_BAR1, 8) == 0xfffffffffff00000ull);
	assert_true(~regs_read(&r, R_BAR1, 8) + 1 == 0x100000ull);
	/* ...and as two dwords, as a 32-bit driver does. */
	regs_write(&r, R_BAR1, 4, 0);
	regs_write(&r, R_BAR1 + 4, 4, 0);
	assert_true(regs_read(&r, R_BAR1, 8) == 0);
	regs_write(&r, R_BAR1, 4, 0xffffffffu);
	regs_write(&r, R_BAR1 + 4, 4, 0x00000001u);
	assert_int_equal(regs_read(&r, R_BAR1, 4), 0xfff00000u);
	assert_int_equal(regs_read(&r, R_BAR1 + 4, 4), 0x00000001u);
}

static void test_w1c(void **state)
{
	/* The hardware reports two events. */
	regs_set_bits(&r, R_STS, 2, 0x8100);
	assert_int_equal(regs_read(&r, R_STS, 2), 0x8101);

	/* Writing 0 clears nothing; writing 1 to a clear bit sets nothing. */
	regs_write(&r, R_STS, 2, 0x0000);
	assert_int_equal(regs_read(&r, R_STS, 2), 0x8101);
	regs_write(&r, R_STS, 2, 0x4000);
	assert_int_equal(regs_read(&r, R_STS, 2), 0x8101);

	/* A 1 clears just that bit; the read-only bit 0 ignores the write. */
	regs_write(&r, R_STS, 2, 0x0101);
	assert_int_equal(regs_read(&r, R_STS, 2), 0x8001);
	regs_write(&r, R_STS, 2, 0xffff);
	assert_int_equal(regs_read(&r, R_STS, 2), 0x0001);
}

static void test_write_only(void **state)
{
	regs_write(&r, R_CMD, 4, 0x00004281u);
	/* The command byte is stored (the owner acts on it) but reads back as 0. */
	assert_int_equal(regs_read(&r, R_CMD, 4), 0x00004200u);
	assert_int_equal(regs_get(&r, R_CMD, 4), 0x00004281u);
	assert_int_equal(regs_read(&r, R_CMD, 1), 0);
	assert_int_equal(regs_read(&r, R_CMD + 1, 1), 0x42);
	/* Bits 16-31 are read-only 0. */
	regs_write(&r, R_CMD, 4, 0xffff0000u);
	assert_int_equal(regs_get(&r, R_CMD, 4), 0x00000000u);
}

static void test_sub_width_access(void **state)
{
	/* R_MIXED: bytes 0 and 2 writable, 1 and 3 read-only; reset a5 a5 a5 a5. */
	regs_write(&r, R_MIXED + 2, 1, 0x3c);
	assert_int_equal(regs_read(&r, R_MIXED, 4), 0xa53ca5a5u);
	regs_write(&r, R_MIXED + 1, 1, 0x00); /* read-only byte */
	assert_int_equal(regs_read(&r, R_MIXED, 4), 0xa53ca5a5u);
	/* A word write straddling a writable and a read-only byte. */
	regs_write(&r, R_MIXED, 2, 0x1234);
	assert_int_equal(regs_read(&r, R_MIXED, 4), 0xa53ca534u);
	/* Word and byte reads see the matching part of the dword. */
	assert_int_equal(regs_read(&r, R_MIXED + 2, 2), 0xa53c);
	assert_int_equal(regs_read(&r, R_MIXED + 3, 1), 0xa5);
	/* An unaligned dword read spans two registers. */
	regs_write(&r, R_CTRL, 2, 0x0005);
	assert_int_equal(regs_read(&r, R_ID + 2, 4), 0x00151234u);
	/* A byte write into the CTRL word only touches its low byte. */
	regs_write(&r, R_CTRL + 1, 1, 0xff);
	assert_int_equal(regs_read(&r, R_CTRL, 2), 0x0015);
}

static void test_out_of_range(void **state)
{
	/* Entirely outside, straddling the end, wrapping offsets and bad widths read as 0. */
	assert_int_equal(regs_read(&r, SPACE, 1), 0);
	assert_int_equal(regs_read(&r, SPACE + 100, 4), 0);
	assert_int_equal(regs_read(&r, R_LAST + 2, 4), 0);
	assert_int_equal(regs_read(&r, 0xfffffffeu, 4), 0);
	assert_int_equal(regs_read(&r, R_LAST, 0), 0);
	assert_int_equal(regs_read(&r, R_LAST, 9), 0);
	assert_int_equal(regs_get(&r, R_LAST + 2, 4), 0);
	/* The last bytes in range are readable. */
	assert_int_equal(regs_read(&r, R_LAST + 2, 2), 0xcafe);
	assert_int_equal(regs_read(&r, SPACE - 1, 1), 0xca);

	/* Writes that do not fit are ignored as a whole, not clipped. */
	regs_write(&r, R_LAST + 2, 4, 0);
	regs_set(&r, R_LAST + 2, 4, 0);
	regs_set_bits(&r, R_LAST + 2, 4, 0xffffffffu);
	regs_write(&r, 0xfffffffeu, 4, 0);
	regs_write(&r, R_LAST, 9, 0);
	regs_define(&r, R_LAST + 1, 4, 0, 0, 0, 0);
	assert_int_equal(regs_read(&r, R_LAST, 4), 0xcafef00du);
	/* The definition was ignored too: the register is still fully writable. */
	regs_write(&r, R_LAST, 4, 0x11223344u);
	assert_int_equal(regs_read(&r, R_LAST, 4), 0x11223344u);
}

static void test_reset(void **state)
{
	regs_write(&r, R_CTRL, 2, 0x0007);
	regs_write(&r, R_BAR0, 4, 0xffffffffu);
	regs_write(&r, R_LAST, 4, 0);
	regs_set_bits(&r, R_STS, 2, 0xff00);
	regs_write(&r, R_CMD, 4, 0x0000ffffu);
	regs_reset(&r);
	assert_int_equal(regs_read(&r, R_CTRL, 2), 0x0010);
	assert_int_equal(regs_read(&r, R_BAR0, 4), 0x00000008u);
	assert_int_equal(regs_read(&r, R_LAST, 4), 0xcafef00du);
	assert_int_equal(regs_read(&r, R_STS, 2), 0x0001);
	assert_int_equal(regs_get(&r, R_CMD, 4), 0);
	/* The masks survive a reset. */
	regs_write(&r, R_CTRL, 2, 0xffff);
	assert_int_equal(regs_read(&r, R_CTRL, 2), 0x0017);
}

static void test_hardware_side(void **state)
{
	/* regs_set ignores every mask: read-only, w1c and write-only bits alike. */
	regs_set(&r, R_ID, 4, 0xdeadbeefu);
	assert_int_equal(regs_read(&r, R_ID, 4), 0xdeadbeefu);
	regs_set(&r, R_STS, 2, 0xfffe);
	assert_int_equal(regs_read(&r, R_STS, 2), 0xfffe);
	regs_set(&r, R_CMD, 4, 0xffffffffu);
	assert_int_equal(regs_get(&r, R_CMD, 4), 0xffffffffu);
	assert_int_equal(regs_read(&r, R_CMD, 4), 0xffffff00u); /* wo bits still hidden */

	regs_clear_bits(&r, R_ID, 4, 0x0000ff00u);
	assert_int_equal(regs_get(&r, R_ID, 4), 0xdead00efu);
	regs_set_bits(&r, R_ID, 4, 0x00000100u);
	assert_int_equal(regs_get(&r, R_ID, 4), 0xdead01efu);

	/* regs_set_rw changes what software may write, not the value. */
	regs_set_rw(&r, R_ID, 2, 0x00ff);
	assert_int_equal(regs_get(&r, R_ID, 4), 0xdead01efu);
	regs_write(&r, R_ID, 4, 0x00000000u);
	assert_int_equal(regs_read(&r, R_ID, 4), 0xdead0100u);
	/* The reset value is not affected by hardware-side updates. */
	regs_reset(&r);
	assert_int_equal(regs_read(&r, R_ID, 4), 0x12348086u);
}

static void test_init_free(void **state)
{
	struct regs z;

	assert_int_equal(regs_init(&z, 16), 0);
	assert_int_equal(z.size, 16);
	for (uint32_t off = 0; off < 16; off++)
		assert_int_equal(regs_read(&z, off, 1), 0);
	/* Nothing defined: nothing writable. */
	regs_write(&z, 0, 8, ~0ull);
	assert_true(regs_read(&z, 0, 8) == 0);
	regs_free(&z);
	assert_null(z.val);
	assert_int_equal(z.size, 0);
	regs_free(&z); /* twice is harmless */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_reset_values, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rw_mask, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bar_sizing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_w1c, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sub_width_access, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_out_of_range, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hardware_side, setup, teardown),
	    cmocka_unit_test(test_init_free),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
