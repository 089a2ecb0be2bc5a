/* SPDX-License-Identifier: MIT */
/*
 * Faults (VT-d 3.x ch. 7): every legacy fault reason (§7.1.3 LRT/LCT/LSL/LGN conditions) and
 * the scalable-mode ones the model produces; recording in FRCD with FRI, overflow (PFO),
 * fault processing disable (FPD); the fault event interrupt and its conditions (§11.4.9:
 * setting a status field while another is set is no new interrupt; IP clears when software has
 * serviced every status); the internal record index reset when TES and IRES are both clear
 * (§7.3.1); advanced fault logging to memory (APF, AFO).
 */
#include "vtd_fixture.h"

#define SID 0x0308

static uint8_t reason_of(struct fx *f, uint16_t sid, uint64_t iova, bool write)
{
	struct vtd_xlate x = fx_xlate(f, sid, iova, write);

	if (x.ok)
		print_error("sid %04x iova %#llx translated\n", sid, (unsigned long long)iova);
	assert_false(x.ok);
	return x.fault_reason;
}

/* Each legacy fault reason, from the table condition that causes it. */
static void test_legacy_reasons(void **state)
{
	struct vtd_cfg c = fx_cfg();
	struct fx *f;
	uint64_t pgd, bad_pgd = 0x7000000000ull; /* not RAM */
	struct vtd_req tr = {.sid = 0x0101, .addr = 0x1000, .at = VTD_AT_TRANSLATION};

	(void)state;
	c.sagaw = 1u << 2;
	f = fx_new(&c);
	pgd = fx_alloc(f);
	fx_sl_map(f, pgd, 4, 0x1000, FX_DATA, 1, 1);
	fx_ctx_sl(f, 0x0101, 0, pgd, 2, 1);			     /* good, TT 00 */
	fx_ctx(f, 0x0102, 0, 0);				     /* not present */
	fx_ctx_sl(f, 0x0103, 3, pgd, 2, 1);			     /* TT reserved */
	fx_ctx_sl(f, 0x0104, 0, bad_pgd, 2, 2);			     /* tables outside memory */
	fx_ctx(f, 0x0105, pgd | 0x10 | 1, 2 | (1ull << 8));	     /* reserved bit 4 */
	mem_write64(f->mem, FX_ROOT + 2 * 16, 0x7000000000ull | 1);  /* bus 2: CTP outside RAM */
	mem_write64(f->mem, FX_ROOT + 3 * 16, fx_alloc(f) | 2 | 1);  /* bus 3: reserved bit 1 */
	mem_write64(f->mem, pgd + 8 * 5, FX_DATA | (1ull << 7) | 3); /* PS in a PML4E */
	fx_enable(f, false);

	assert_int_equal(reason_of(f, 0x0901, 0, false), 0x1);
	assert_int_equal(reason_of(f, 0x0102, 0, false), 0x2);
	assert_int_equal(reason_of(f, 0x0103, 0, false), 0x3);
	assert_int_equal(reason_of(f, 0x0101, 1ull << 48, false), 0x4);
	assert_int_equal(reason_of(f, 0x0101, 0x1000, true), 0x5);
	assert_int_equal(reason_of(f, 0x0101, 0x2000, false), 0x6);
	assert_int_equal(reason_of(f, 0x0104, 0x1000, false), 0x7);
	assert_int_equal(reason_of(f, 0x0201, 0, false), 0x9);
	assert_int_equal(reason_of(f, 0x0301, 0, false), 0xa);
	assert_int_equal(reason_of(f, 0x0105, 0, false), 0xb);
	assert_int_equal(reason_of(f, 0x0101, 5ull << 39, false), 0xc);
	assert_int_equal(fx_req(f, &tr).fault_reason, 0xd);
	/* the root table itself outside memory (a context not in the context cache: cached
	 * ones stay usable until software invalidates them) */
	fx_wr64(f, DMAR_RTADDR_REG, 0x7000000000ull);
	fx_gcmd(f, (1u << 31) | (1u << 30));
	assert_true(fx_xlate(f, 0x0101, 0x1000, false).ok);
	assert_int_equal(reason_of(f, 0x0106, 0, false), 0x8);
	for (unsigned r = 1; r <= 0xd; r++)
		assert_int_equal(vtd_stats(f->v)->faults_by_reason[r], 1);
	fx_free(f);
}

/* Scalable-mode fault reasons (§7.1.3 SRT, SCT, SPD, SPT, SFL, SSL, SGN). */
static void test_scalable_reasons(void **state)
{
	struct vtd_cfg c = fx_cfg_sm();
	struct fx *f;
	uint64_t pgd, dir, ctp, fl;
	struct vtd_req r = {.addr = 0x1000};

	(void)state;
	c.sagaw = 1u << 2;
	f = fx_new(&c);
	pgd = fx_alloc(f);
	fl = fx_alloc(f);
	fx_sl_map(f, pgd, 4, 0x1000, FX_DATA, 1, 3);
	mem_write64(f->mem, pgd + 8 * 6, FX_DATA | (1ull << 7) | 3); /* PS in a PML4E */
	mem_write64(f->mem, fl + 8 * 7, FX_DATA | (1ull << 7) | 7);  /* PS in an FL PML4E */
	mem_write64(f->mem, fl + 8 * 8, 0x7000000000ull | 7);	     /* FL table outside RAM */
	mem_write64(f->mem, FX_ROOT + 1 * 16, 0x7000000000ull | 1);  /* bus 1: CTP bad */
	mem_write64(f->mem, FX_ROOT + 2 * 16, fx_alloc(f) | 4 | 1);  /* bus 2: reserved */
	fx_smctx(f, 0x0300, false, 0);				     /* dir without entries */
	ctp = mem_read64(f->mem, FX_ROOT + 3 * 16) & ~0xfffull;
	mem_write64(f->mem, ctp + 1 * 32 + 8, 0);
	mem_write64(f->mem, ctp + 1 * 32, 0);			   /* 03:00.1 not present */
	mem_write64(f->mem, ctp + 2 * 32, fx_alloc(f) | 0x20 | 1); /* reserved bit 5 */
	dir = fx_smctx(f, 0x0303, false, 0);
	mem_write64(f->mem, dir + 8, 0x7000000000ull | 1);  /* PASIDs 64-127: table outside RAM */
	mem_write64(f->mem, dir + 16, fx_alloc(f) | 4 | 1); /* PASIDs 128-191: reserved bit */
	fx_pasid(f, dir, 0, fx_pe_q0(2, pgd, 2), 1, 0);
	fx_pasid(f, dir, 1, fx_pe_q0(2, pgd, 2) | 0x400, 1, 0);	    /* reserved bit 10 */
	fx_pasid(f, dir, 2, fx_pe_q0(5, pgd, 2), 1, 0);		    /* PGTT 101b */
	fx_pasid(f, dir, 3, fx_pe_q0(1, 0, 0), 1, fl);		    /* first level */
	fx_pasid(f, dir, 4, fx_pe_q0(2, 0x7000000000ull, 2), 1, 0); /* SL outside RAM */
	mem_write64(f->mem, (mem_read64(f->mem, dir) & ~0xfffull) + 5 * 64, 0); /* PASID 5: NP */
	fx_enable(f, true);

	r.sid = 0x0101;
	assert_int_equal(fx_req(f, &r).fault_reason, 0x40);
	r.sid = 0x0201;
	assert_int_equal(fx_req(f, &r).fault_reason, 0x3a);
	r.sid = 0x0901;
	assert_int_equal(fx_req(f, &r).fault_reason, 0x39);
	r.sid = 0x0301;
	assert_int_equal(fx_req(f, &r).fault_reason, 0x41);
	r.sid = 0x0302;
	assert_int_equal(fx_req(f, &r).fault_reason, 0x42);
	r.sid = 0x0300; /* RID_PASID 0, directory entry 0 not present */
	assert_int_equal(fx_req(f, &r).fault_reason, 0x51);
	r.sid = 0x0303;
	r.at = VTD_AT_TRANSLATION; /* DTE clear */
	assert_int_equal(fx_req(f, &r).fault_reason, 0x44);
	r.at = VTD_AT_UNTRANSLATED;
	r.pasid_present = true;
	r.pasid = 9000; /* beyond 2^(0+7) directory entries */
	assert_int_equal(fx_req(f, &r).fault_reason, 0x46);
	r.pasid = 64;
	assert_int_equal(fx_req(f, &r).fault_reason, 0x58);
	r.pasid = 128;
	assert_int_equal(fx_req(f, &r).fault_reason, 0x52);
	r.pasid = 5;
	assert_int_equal(fx_req(f, &r).fault_reason, 0x59);
	r.pasid = 1;
	assert_int_equal(fx_req(f, &r).fault_reason, 0x5a);
	r.pasid = 2;
	assert_int_equal(fx_req(f, &r).fault_reason, 0x5b);
	r.pasid = 4;
	assert_int_equal(fx_req(f, &r).fault_reason, 0x78);
	r.pasid = 0;
	r.addr = 6ull << 39;
	assert_int_equal(fx_req(f, &r).fault_reason, 0x7a);
	r.addr = 1ull << 48;
	assert_int_equal(fx_req(f, &r).fault_reason, 0x83);
	r.addr = 0x1000;
	r.write = true;
	assert_true(fx_req(f, &r).ok);
	r.pasid = 3;
	r.addr = 7ull << 39;
	assert_int_equal(fx_req(f, &r).fault_reason, 0x72);
	r.addr = 8ull << 39;
	assert_int_equal(fx_req(f, &r).fault_reason, 0x70);
	fx_free(f);

	/* PASID requests when the context has PASIDE clear. */
	f = fx_new(&c);
	fx_smctx(f, SID, false, 0);
	ctp = mem_read64(f->mem, FX_ROOT + 3 * 16) & ~0xfffull;
	mem_write64(f->mem, ctp + (SID & 0x7f) * 32,
		    mem_read64(f->mem, ctp + (SID & 0x7f) * 32) & ~8ull);
	fx_enable(f, true);
	r.sid = SID;
	r.pasid_present = true;
	r.pasid = 1;
	assert_int_equal(fx_req(f, &r).fault_reason, 0x45);
	fx_free(f);
}

static void legacy_setup(struct fx *f, uint64_t *pgd)
{
	*pgd = fx_alloc(f);
	fx_sl_map(f, *pgd, 4, 0x1000, FX_DATA, 1, 3);
	fx_ctx_sl(f, SID, 0, *pgd, 2, 1);
	fx_enable(f, false);
	fx_wr32(f, DMAR_FEDATA_REG, 0x45);
	fx_wr32(f, DMAR_FEADDR_REG, 0xfee03000u); /* APIC 3 */
}

/* §7.3.1 / §11.4.9: records, FRI, PPF, one event per condition, PFO. */
static void test_recording_and_events(void **state)
{
	struct vtd_cfg c = fx_cfg();
	struct fx *f;
	uint64_t pgd;

	(void)state;
	c.nfr = 2;
	f = fx_new(&c);
	legacy_setup(f, &pgd);
	fx_wr32(f, DMAR_FECTL_REG, 0); /* unmask */
	reason_of(f, SID, 0x10000, false);
	assert_int_equal(f->ev.n, 1);
	assert_int_equal(f->ev.dest[0], 3);
	assert_int_equal(f->ev.vector[0], 0x45);
	assert_int_equal(fx_rd32(f, DMAR_FSTS_REG), 0x2); /* PPF, FRI 0 */
	assert_int_equal(fx_frcd_lo(f, 0), 0x10000);
	assert_int_equal(fx_frcd_hi(f, 0) & 0xffff, SID);
	/* PPF already set: recorded, no new interrupt condition, FRI unchanged */
	reason_of(f, SID, 0x20000, true);
	assert_int_equal(f->ev.n, 1);
	assert_int_equal(fx_frcd_lo(f, 1), 0x20000);
	/* both records full: the fault is lost, PFO set (no event of its own) */
	reason_of(f, SID, 0x30000, true);
	assert_int_equal(fx_rd32(f, DMAR_FSTS_REG) & 1, 1);
	assert_int_equal(f->ev.n, 1);
	assert_int_equal(vtd_stats(f->v)->fault_overflows, 1);
	/* while PFO is set nothing is recorded, even into a freed slot */
	fx_clear_frcd(f, 0);
	reason_of(f, SID, 0x40000, true);
	assert_false(fx_frcd_hi(f, 0) & (1ull << 63));
	/* software clears everything; the next fault is a new condition at record 0 */
	fx_clear_frcd(f, 1);
	fx_wr32(f, DMAR_FSTS_REG, 1);
	assert_int_equal(fx_rd32(f, DMAR_FSTS_REG) & 3, 0);
	reason_of(f, SID, 0x50000, true);
	assert_int_equal(f->ev.n, 2);
	assert_int_equal(fx_frcd_lo(f, 0), 0x50000);
	assert_int_equal(fx_rd32(f, DMAR_FSTS_REG), 0x2);
	fx_free(f);
}

/* FRI names the record that set PPF, which need not be 0. */
static void test_fri(void **state)
{
	struct vtd_cfg c = fx_cfg();
	struct fx *f;
	uint64_t pgd;

	(void)state;
	f = fx_new(&c);
	legacy_setup(f, &pgd);
	reason_of(f, SID, 0x10000, false);
	reason_of(f, SID, 0x20000, false);
	fx_clear_frcd(f, 0);
	fx_clear_frcd(f, 1);
	reason_of(f, SID, 0x30000, false);
	assert_int_equal(fx_rd32(f, DMAR_FSTS_REG), (2u << 8) | 2);
	fx_free(f);
}

/* IM holds the message (IP set); unmasking sends it. If software services every status field
 * first, IP clears and nothing is sent (§11.4.9.2). */
static void test_masked_events(void **state)
{
	struct vtd_cfg c = fx_cfg();
	struct fx *f;
	uint64_t pgd;

	(void)state;
	f = fx_new(&c);
	legacy_setup(f, &pgd);
	reason_of(f, SID, 0x10000, false);
	assert_int_equal(f->ev.n, 0);
	assert_int_equal(fx_rd32(f, DMAR_FECTL_REG), 0xc0000000u); /* IM, IP */
	fx_wr32(f, DMAR_FECTL_REG, 0);
	assert_int_equal(f->ev.n, 1);
	assert_int_equal(fx_rd32(f, DMAR_FECTL_REG), 0);

	fx_clear_frcd(f, 0);
	fx_wr32(f, DMAR_FECTL_REG, 0x80000000u);
	reason_of(f, SID, 0x20000, false);
	assert_true(fx_rd32(f, DMAR_FECTL_REG) & 0x40000000u);
	fx_clear_frcd(f, 1); /* the only pending status: PPF clears, so does IP */
	assert_int_equal(fx_rd32(f, DMAR_FECTL_REG), 0x80000000u);
	fx_wr32(f, DMAR_FECTL_REG, 0);
	assert_int_equal(f->ev.n, 1);
	fx_free(f);
}

/* §7.3.1: the internal index goes back to 0 when both TES and IRES are clear. */
static void test_index_reset(void **state)
{
	struct vtd_cfg c = fx_cfg();
	struct fx *f;
	uint64_t pgd;

	(void)state;
	f = fx_new(&c);
	legacy_setup(f, &pgd);
	reason_of(f, SID, 0x10000, false);
	reason_of(f, SID, 0x20000, false);
	fx_clear_frcd(f, 0);
	fx_clear_frcd(f, 1);
	/* IR on, TE off: the index keeps counting */
	fx_gcmd(f, 1u << 25);
	fx_gcmd(f, (1u << 25) | (1u << 31));
	reason_of(f, SID, 0x30000, false);
	assert_int_equal(fx_frcd_lo(f, 2), 0x30000);
	fx_clear_frcd(f, 2);
	/* both off, then translation back on: the next record is 0 again */
	fx_gcmd(f, 0);
	fx_gcmd(f, 1u << 31);
	reason_of(f, SID, 0x40000, false);
	assert_int_equal(fx_frcd_lo(f, 0), 0x40000);
	assert_false(fx_frcd_hi(f, 3) & (1ull << 63));
	fx_free(f);
}

/* §9.3 FPD: faults of that context are counted, not recorded, no event. */
static void test_fpd(void **state)
{
	struct vtd_cfg c = fx_cfg();
	struct fx *f;
	uint64_t pgd;

	(void)state;
	f = fx_new(&c);
	legacy_setup(f, &pgd);
	fx_ctx(f, SID + 1, pgd | 2 | 1, 2 | (1ull << 8));
	fx_wr32(f, DMAR_FECTL_REG, 0);
	reason_of(f, SID + 1, 0x10000, false);
	assert_int_equal(fx_rd32(f, DMAR_FSTS_REG), 0);
	assert_int_equal(f->ev.n, 0);
	assert_int_equal(vtd_stats(f->v)->faults_unrecorded, 1);
	assert_int_equal(vtd_stats(f->v)->faults, 1);
	fx_free(f);
}

/* Advanced fault logging (CAP.AFL): SFL latches AFLOG, EAFL switches recording to the log in
 * memory; APF on the first record, AFO when the log is full. */
static void test_advanced_fault_log(void **state)
{
	struct vtd_cfg c = fx_cfg();
	struct fx *f;
	uint64_t pgd, log = 0x3000000;

	(void)state;
	c.afl = true;
	f = fx_new(&c);
	legacy_setup(f, &pgd);
	fx_wr64(f, DMAR_AFLOG_REG, log); /* FLS 0: one page, 256 records */
	fx_gcmd(f, (1u << 31) | (1u << 29));
	assert_true(fx_rd32(f, DMAR_GSTS_REG) & (1u << 29)); /* FLS */
	fx_gcmd(f, (1u << 31) | (1u << 28));
	assert_true(fx_rd32(f, DMAR_GSTS_REG) & (1u << 28)); /* AFLS */
	fx_wr32(f, DMAR_FECTL_REG, 0);
	for (unsigned i = 0; i < 257; i++)
		reason_of(f, SID, 0x10000 + i * FX_PG, i & 1);
	assert_false(fx_frcd_hi(f, 0) & (1ull << 63)); /* not in the registers */
	assert_int_equal(mem_read64(f->mem, log), 0x10000);
	assert_int_equal((mem_read64(f->mem, log + 8) >> 32) & 0xff, 0x6);
	assert_int_equal(mem_read64(f->mem, log + 16), 0x11000);
	assert_int_equal((mem_read64(f->mem, log + 24) >> 32) & 0xff, 0x5);
	assert_int_equal(fx_rd32(f, DMAR_FSTS_REG) & 0xc, 0xc); /* APF, AFO */
	assert_int_equal(f->ev.n, 1);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_legacy_reasons),
	    cmocka_unit_test(test_scalable_reasons),
	    cmocka_unit_test(test_recording_and_events),
	    cmocka_unit_test(test_fri),
	    cmocka_unit_test(test_masked_events),
	    cmocka_unit_test(test_index_reset),
	    cmocka_unit_test(test_fpd),
	    cmocka_unit_test(test_advanced_fault_log),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
