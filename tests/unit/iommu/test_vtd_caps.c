/* SPDX-License-Identifier: MIT */
/*
 * CAP and ECAP advertise exactly what the configured unit supports (VT-d 3.x §11.4.2-11.4.3),
 * and the registers of what it does not support are reserved (read 0, ignore writes); the
 * register set's reset values and access types (§11.4); GCMD commands and their status pairs
 * (§11.4.4-11.4.5) including write-buffer flush and the fault log.
 */
#include "vtd_fixture.h"

#include <errno.h>

static uint64_t bits(uint64_t v, unsigned hi, unsigned lo)
{
	return (v >> lo) & ((1ull << (hi - lo + 1)) - 1);
}

/* Every CAP field from the configuration (§11.4.2). */
static void test_cap_fields(void **state)
{
	struct vtd_cfg c = fx_cfg_sm();
	struct vtd *v;
	uint64_t cap;

	(void)state;
	c.domains = 4096; /* CAP.ND 4 */
	c.afl = c.rwbf = c.caching_mode = true;
	c.sllps = 1; /* 2 MiB only */
	c.fl_5level = true;
	assert_int_equal(vtd_create(&c, NULL, &v), 0);
	cap = vtd_cap(v);
	assert_int_equal(bits(cap, 2, 0), 4);	 /* ND: 2^(4+8) = 4096 domains */
	assert_int_equal(bits(cap, 3, 3), 1);	 /* AFL */
	assert_int_equal(bits(cap, 4, 4), 1);	 /* RWBF */
	assert_int_equal(bits(cap, 6, 5), 0);	 /* PLMR, PHMR: none */
	assert_int_equal(bits(cap, 7, 7), 1);	 /* CM */
	assert_int_equal(bits(cap, 12, 8), 0xe); /* SAGAW: 39, 48, 57 bits */
	assert_int_equal(bits(cap, 21, 16), 56); /* MGAW - 1 */
	assert_int_equal(bits(cap, 37, 34), 1);	 /* SLLPS: 2 MiB only */
	assert_int_equal(bits(cap, 39, 39), 1);	 /* PSI */
	assert_int_equal(bits(cap, 47, 40), 7);	 /* NFR - 1 */
	assert_int_equal(bits(cap, 53, 48), 9);	 /* MAMV */
	assert_int_equal(bits(cap, 55, 54), 3);	 /* DRD, DWD */
	assert_int_equal(bits(cap, 56, 56), 1);	 /* FL1GP */
	assert_int_equal(bits(cap, 59, 59), 1);	 /* PI */
	assert_int_equal(bits(cap, 60, 60), 1);	 /* FL5LP */
	vtd_destroy(v);

	c = fx_cfg();
	c.afl = c.rwbf = c.caching_mode = c.posted_interrupts = false;
	c.address_width = 39; /* SAGAW: 3-level only */
	assert_int_equal(vtd_create(&c, NULL, &v), 0);
	cap = vtd_cap(v);
	assert_int_equal(bits(cap, 4, 3), 0);
	assert_int_equal(bits(cap, 7, 7), 0);
	assert_int_equal(bits(cap, 12, 8), 0x2);
	assert_int_equal(bits(cap, 21, 16), 38);
	assert_int_equal(bits(cap, 37, 34), 0);
	assert_int_equal(bits(cap, 56, 56), 0); /* no first level: no FL1GP */
	assert_int_equal(bits(cap, 60, 59), 0);
	vtd_destroy(v);
}

/* Every ECAP field from the configuration (§11.4.3). */
static void test_ecap_fields(void **state)
{
	struct vtd_cfg c = fx_cfg_sm();
	struct vtd *v;
	uint64_t e;

	(void)state;
	c.snoop_control = true;
	c.pasid_bits = 16;
	assert_int_equal(vtd_create(&c, NULL, &v), 0);
	e = vtd_ecap(v);
	assert_int_equal(bits(e, 0, 0), 1);	/* C */
	assert_int_equal(bits(e, 1, 1), 1);	/* QI */
	assert_int_equal(bits(e, 2, 2), 1);	/* DT */
	assert_int_equal(bits(e, 3, 3), 1);	/* IR */
	assert_int_equal(bits(e, 4, 4), 1);	/* EIM */
	assert_int_equal(bits(e, 6, 6), 1);	/* PT */
	assert_int_equal(bits(e, 7, 7), 1);	/* SC */
	assert_int_equal(bits(e, 17, 8), 0x50); /* IRO */
	assert_int_equal(bits(e, 23, 20), 0xf); /* MHMV */
	assert_int_equal(bits(e, 26, 26), 1);	/* NEST */
	assert_int_equal(bits(e, 39, 35), 15);	/* PSS: 16-bit PASIDs */
	assert_int_equal(bits(e, 40, 40), 1);	/* PASID */
	assert_int_equal(bits(e, 43, 43), 1);	/* SMTS */
	assert_int_equal(bits(e, 46, 46), 1);	/* SLTS */
	assert_int_equal(bits(e, 47, 47), 1);	/* FLTS */
	assert_int_equal(bits(e, 48, 48), 1);	/* SMPWC */
	vtd_destroy(v);

	c = fx_cfg_sm();
	c.nested = c.first_level = false;
	c.device_tlb = false;
	c.pasid_bits = 0;
	assert_int_equal(vtd_create(&c, NULL, &v), 0);
	e = vtd_ecap(v);
	assert_int_equal(bits(e, 2, 2), 0);
	assert_int_equal(bits(e, 26, 26), 0);
	assert_int_equal(bits(e, 40, 35), 0);
	assert_int_equal(bits(e, 47, 47), 0);
	assert_int_equal(bits(e, 46, 46), 1);
	vtd_destroy(v);
}

/* Configurations no unit can have. */
static void test_invalid_combinations(void **state)
{
	struct vtd_cfg c;
	struct vtd *v = (struct vtd *)1;

	(void)state;
	c = fx_cfg_sm();
	c.qi = false; /* scalable mode needs 256-bit descriptors */
	assert_int_equal(vtd_create(&c, NULL, &v), -EINVAL);
	assert_null(v);
	c = fx_cfg_sm();
	c.pasid_bits = 21;
	assert_int_equal(vtd_create(&c, NULL, &v), -EINVAL);
	c = fx_cfg();
	c.domains = 128; /* CAP.ND counts in powers of 4 */
	assert_int_equal(vtd_create(&c, NULL, &v), -EINVAL);
	c = fx_cfg();
	c.address_width = 38;
	assert_int_equal(vtd_create(&c, NULL, &v), -EINVAL);
}

/* The knobs mean what the configuration says; the unit derives the register fields. Outside
 * scalable mode first_level, second_level, nested, fl_1g and pasid_bits are not offered (no
 * unit has FLTS without SMTS), and nesting needs both levels. */
static void test_knobs_derive_registers(void **state)
{
	struct vtd_cfg c;
	struct vtd *v;

	(void)state;
	c = fx_cfg();
	c.first_level = c.second_level = c.nested = c.fl_1g = true;
	c.pasid_bits = 20;
	assert_int_equal(vtd_create(&c, NULL, &v), 0);
	assert_int_equal(bits(vtd_ecap(v), 26, 26), 0); /* NEST */
	assert_int_equal(bits(vtd_ecap(v), 40, 35), 0); /* PASID, PSS */
	assert_int_equal(bits(vtd_ecap(v), 47, 46), 0); /* FLTS, SLTS */
	assert_int_equal(bits(vtd_cap(v), 56, 56), 0);	/* FL1GP */
	vtd_destroy(v);
	c = fx_cfg_sm();
	c.second_level = false;
	assert_int_equal(vtd_create(&c, NULL, &v), 0);
	assert_int_equal(bits(vtd_ecap(v), 26, 26), 0); /* no nesting over nothing */
	assert_int_equal(bits(vtd_ecap(v), 47, 47), 1); /* FLTS */
	vtd_destroy(v);
	/* domains -> ND, address_width -> SAGAW and MGAW, superpages -> SLLPS */
	c = fx_cfg();
	c.domains = 16;
	c.address_width = 48;
	c.superpages = true;
	assert_int_equal(vtd_create(&c, NULL, &v), 0);
	assert_int_equal(bits(vtd_cap(v), 2, 0), 0);
	assert_int_equal(bits(vtd_cap(v), 12, 8), 0x6);
	assert_int_equal(bits(vtd_cap(v), 21, 16), 47);
	assert_int_equal(bits(vtd_cap(v), 37, 34), 3);
	vtd_destroy(v);
}

/* §11.4: reset values, read-only registers, write-1-to-clear status, write-only GCMD. */
static void test_reset_and_access(void **state)
{
	struct vtd_cfg c = fx_cfg();
	struct fx *f;

	(void)state;
	c.afl = true;
	f = fx_new(&c);
	assert_int_equal(fx_rd32(f, DMAR_VER_REG), 0x10);
	assert_int_equal(fx_rd32(f, DMAR_GSTS_REG), 0);
	assert_int_equal(fx_rd64(f, DMAR_RTADDR_REG), 0);
	assert_int_equal(fx_rd32(f, DMAR_FSTS_REG), 0);
	assert_int_equal(fx_rd32(f, DMAR_FECTL_REG), 0x80000000u); /* IM set at reset */
	assert_int_equal(fx_rd32(f, DMAR_IECTL_REG), 0x80000000u);
	assert_int_equal(fx_rd64(f, DMAR_IQH_REG), 0);
	assert_int_equal(fx_rd64(f, DMAR_IQA_REG), 0);
	assert_int_equal(fx_rd64(f, DMAR_IRTA_REG), 0);
	/* GSTS, FSTS.PPF and FRI, IQH, ICS are hardware's. */
	fx_wr32(f, DMAR_GSTS_REG, 0xffffffffu);
	fx_wr64(f, DMAR_IQH_REG, 0x80);
	fx_wr32(f, DMAR_FSTS_REG, 0xffffffffu);
	assert_int_equal(fx_rd32(f, DMAR_GSTS_REG), 0);
	assert_int_equal(fx_rd64(f, DMAR_IQH_REG), 0);
	assert_int_equal(fx_rd32(f, DMAR_FSTS_REG), 0);
	/* RTADDR bits 9:0 reserved; TTM (11:10) reserved without SMTS. */
	fx_wr64(f, DMAR_RTADDR_REG, 0x12345fffull);
	assert_int_equal(fx_rd64(f, DMAR_RTADDR_REG), 0x12345000ull);
	/* IQT: only bits 18:4. */
	fx_wr64(f, DMAR_IQT_REG, 0xfffffull);
	assert_int_equal(fx_rd64(f, DMAR_IQT_REG), 0x7fff0ull);
	/* IQA.DW only with SMTS. */
	fx_wr64(f, DMAR_IQA_REG, 0x300000ull | (1ull << 11) | 3);
	assert_int_equal(fx_rd64(f, DMAR_IQA_REG), 0x300003ull);
	/* AFLOG with CAP.AFL: FLA 63:12, FLS 11:9. */
	fx_wr64(f, DMAR_AFLOG_REG, 0x400000ull | (2ull << 9) | 0x1ff);
	assert_int_equal(fx_rd64(f, DMAR_AFLOG_REG), 0x400000ull | (2ull << 9));
	/* PMEN: no protected memory regions (CAP.PLMR/PHMR clear): reserved. */
	fx_wr32(f, DMAR_PMEN_REG, 0x80000000u);
	assert_int_equal(fx_rd32(f, DMAR_PMEN_REG), 0);
	/* FEDATA 15:0, FEADDR 31:2. */
	fx_wr32(f, DMAR_FEDATA_REG, 0xffffffffu);
	fx_wr32(f, DMAR_FEADDR_REG, 0xffffffffu);
	assert_int_equal(fx_rd32(f, DMAR_FEDATA_REG), 0xffff);
	assert_int_equal(fx_rd32(f, DMAR_FEADDR_REG), 0xfffffffcu);
	fx_free(f);
}

/* What the unit lacks is reserved: no TTM without SMTS, no EIME without EIM, no IRTA without
 * IR, no queue registers without QI, no FEUADDR without EIM, no AFLOG without AFL. */
static void test_reserved_when_unsupported(void **state)
{
	struct vtd_cfg c = fx_cfg();
	struct fx *f;

	(void)state;
	c.eim = false;
	f = fx_new(&c);
	fx_wr64(f, DMAR_RTADDR_REG, 0x12345000ull | (1ull << 10));
	assert_int_equal(fx_rd64(f, DMAR_RTADDR_REG), 0x12345000ull);
	fx_wr64(f, DMAR_IRTA_REG, 0x300000ull | (1ull << 11) | 7);
	assert_int_equal(fx_rd64(f, DMAR_IRTA_REG), 0x300007ull); /* EIME dropped */
	fx_wr32(f, DMAR_FEUADDR_REG, 0x12345678u);
	assert_int_equal(fx_rd32(f, DMAR_FEUADDR_REG), 0);
	fx_wr64(f, DMAR_AFLOG_REG, 0x400000ull);
	assert_int_equal(fx_rd64(f, DMAR_AFLOG_REG), 0);
	fx_free(f);

	c = fx_cfg();
	c.qi = c.ir = false;
	f = fx_new(&c);
	fx_wr64(f, DMAR_IQA_REG, 0x300000ull);
	fx_wr64(f, DMAR_IRTA_REG, 0x300000ull);
	assert_int_equal(fx_rd64(f, DMAR_IQA_REG), 0);
	assert_int_equal(fx_rd64(f, DMAR_IRTA_REG), 0);
	/* Enables of missing features never reach GSTS. */
	fx_gcmd(f, (1u << 26) | (1u << 25) | (1u << 23) | (1u << 28));
	assert_int_equal(fx_rd32(f, DMAR_GSTS_REG), 0);
	fx_free(f);

	/* With SMTS, TTM is writable and latched by SRTP. */
	c = fx_cfg_sm();
	f = fx_new(&c);
	fx_wr64(f, DMAR_RTADDR_REG, 0x12345000ull | (1ull << 10));
	assert_int_equal(fx_rd64(f, DMAR_RTADDR_REG), 0x12345400ull);
	fx_wr64(f, DMAR_IQA_REG, 0x300000ull | (1ull << 11));
	assert_int_equal(fx_rd64(f, DMAR_IQA_REG), 0x300800ull);
	fx_free(f);
}

/* §11.4.4-11.4.5: each command and its status. SRTP/SIRTP/SFL are one-shot and their status
 * sets when the pointer is latched; TE/QIE/IRE/CFI/EAFL persist and follow the command;
 * WBFS is set while the write buffer flush runs and clears when it is done. */
static void test_gcmd_status_pairs(void **state)
{
	struct vtd_cfg c = fx_cfg();
	struct fx *f;
	uint64_t t0;

	(void)state;
	c.afl = c.rwbf = true;
	f = fx_new(&c);
	fx_gcmd(f, 1u << 30); /* SRTP -> RTPS */
	assert_int_equal(fx_rd32(f, DMAR_GSTS_REG), 1u << 30);
	fx_gcmd(f, 1u << 24); /* SIRTP -> IRTPS (RTPS stays: status, not command) */
	assert_int_equal(fx_rd32(f, DMAR_GSTS_REG), (1u << 30) | (1u << 24));
	fx_gcmd(f, 1u << 29); /* SFL -> FLS */
	assert_true(fx_rd32(f, DMAR_GSTS_REG) & (1u << 29));
	fx_gcmd(f, (1u << 28) | (1u << 26) | (1u << 25) | (1u << 23)); /* EAFL, QIE, IRE, CFI */
	assert_int_equal(fx_rd32(f, DMAR_GSTS_REG) & 0x1e800000u,
			 (1u << 28) | (1u << 26) | (1u << 25) | (1u << 23));
	/* WBF: WBFS set at once, clear after the command time. */
	t0 = f->t;
	fx_wr32(f, DMAR_GCMD_REG, (1u << 28) | (1u << 26) | (1u << 25) | (1u << 23) | (1u << 27));
	assert_true(fx_rd32(f, DMAR_GSTS_REG) & (1u << 27));
	f->t = t0 + FX_CMD_PS;
	assert_false(fx_rd32(f, DMAR_GSTS_REG) & (1u << 27));
	assert_int_equal(vtd_stats(f->v)->wbf, 1);
	/* A write without the persistent bits turns them off. */
	fx_gcmd(f, 0);
	assert_int_equal(fx_rd32(f, DMAR_GSTS_REG) & 0x9e800000u, 0);
	fx_free(f);

	/* Without CAP.RWBF the flush command does nothing. */
	c = fx_cfg();
	f = fx_new(&c);
	fx_wr32(f, DMAR_GCMD_REG, 1u << 27);
	assert_false(fx_rd32(f, DMAR_GSTS_REG) & (1u << 27));
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cap_fields),
	    cmocka_unit_test(test_ecap_fields),
	    cmocka_unit_test(test_invalid_combinations),
	    cmocka_unit_test(test_knobs_derive_registers),
	    cmocka_unit_test(test_reset_and_access),
	    cmocka_unit_test(test_reserved_when_unsupported),
	    cmocka_unit_test(test_gcmd_status_pairs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
