/* SPDX-License-Identifier: MIT */
/*
 * The VT-d formats of vtd_regs.h against the specification (VT-d 3.x): each register field's
 * constructor gives the bits the spec names (§11.4), and each in-memory structure's accessors
 * encode a word that is typed here by hand from the spec's layout (§9.1-9.11, §6.5.2,
 * §11.4.14), then decode what they encoded (round trips). Numbers are typed from the spec,
 * not taken from vtd_regs.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "models/iommu/vtd_regs.h"

/* ---- registers ---- */

/* §11.4.2 CAP: ND 2:0, SAGAW 12:8, MGAW 21:16 (width - 1), FRO 33:24 (16-byte units),
 * SLLPS 37:34, NFR 47:40 (records - 1), MAMV 53:48. */
static void cap_fields(void **state)
{
	uint64_t cap;

	(void)state;
	assert_int_equal(VTD_CAP_ND(6), 6);
	assert_int_equal(VTD_CAP_SAGAW_39bit, 1ull << 9);
	assert_int_equal(VTD_CAP_SAGAW_48bit, 1ull << 10);
	assert_int_equal(VTD_CAP_SAGAW_57bit, 1ull << 11);
	assert_int_equal(VTD_CAP_MGAW(48), 47ull << 16);
	assert_int_equal(VTD_CAP_FRO(0x400), 0x40ull << 24);
	assert_int_equal(VTD_CAP_SLLPS(CAP_SLLPS_2M | CAP_SLLPS_1G), 3ull << 34);
	assert_int_equal(VTD_CAP_NFR(8), 7ull << 40);
	assert_int_equal(VTD_CAP_MAMV(9), 9ull << 48);
	/* A whole register typed from the spec: ND 2, SAGAW 48-bit, MGAW 48, FRO 0x400, NFR 4,
	 * MAMV 9, PSI. */
	cap = VTD_CAP_ND(2) | VTD_CAP_SAGAW_48bit | VTD_CAP_MGAW(48) | VTD_CAP_FRO(0x400) |
	      VTD_CAP_NFR(4) | VTD_CAP_MAMV(9) | CAP_PSI;
	assert_int_equal(cap, 0x00090380402f0402ull);
	/* Decoders give back what the constructors put in. */
	assert_int_equal(CAP_ND(cap), 2);
	assert_int_equal(CAP_NDOMS(cap), 256); /* 2^(4 + 2*ND) */
	assert_int_equal(CAP_SAGAW(cap), CAP_SAGAW_LEVELS(4));
	assert_int_equal(CAP_MGAW(cap), 48);
	assert_int_equal(CAP_FRO(cap), 0x400);
	assert_int_equal(CAP_NFR(cap), 4);
	assert_int_equal(CAP_MAMV(cap), 9);
	assert_int_equal(CAP_SLLPS(VTD_CAP_SLLPS(CAP_SLLPS_1G)), 2);
	assert_int_equal(CAP_SAGAW_LEVELS(3), 1u << 1);
	assert_int_equal(CAP_SAGAW_LEVELS(5), 1u << 3);
}

/* §11.4.3 ECAP: IRO 17:8 (16-byte units), MHMV 23:20, PSS 39:35 (PASID width - 1). */
static void ecap_fields(void **state)
{
	(void)state;
	assert_int_equal(VTD_ECAP_IRO(0x500), 0x50ull << 8);
	assert_int_equal(VTD_ECAP_MHMV(15), 0xfull << 20);
	assert_int_equal(VTD_ECAP_PSS(19), 19ull << 35);
	assert_int_equal(ECAP_IRO(VTD_ECAP_IRO(0x500)), 0x500);
	assert_int_equal(ECAP_MHMV(VTD_ECAP_MHMV(7)), 7);
	assert_int_equal(ECAP_PSS(VTD_ECAP_PSS(19)), 19);
	assert_int_equal(ECAP_SMTS, 1ull << 43);
	assert_int_equal(ECAP_PASID, 1ull << 40);
}

/* §11.4.6 RTADDR.TTM 11:10; §11.4.7.1 CCMD; §11.4.8 IOTLB and IVA. */
static void command_registers(void **state)
{
	(void)state;
	assert_int_equal(VTD_RTADDR_TTM(DMA_TTM_SCALABLE), 0x400);
	assert_int_equal(DMA_RTADDR_TTM(0x12345400ull), 1);
	/* CCMD: ICC 63, CIRG 62:61, CAIG 60:59, FM 33:32, SID 31:16, DID 15:0. Device-selective
	 * for 03:02.0 in domain 5. */
	assert_int_equal(DMA_CCMD_ICC | VTD_CCMD_CIRG(3) | VTD_CCMD_SID(0x0310) | VTD_CCMD_DID(5),
			 0xe000000003100005ull);
	assert_int_equal(VTD_CCMD_CAIG(2), 2ull << 59);
	assert_int_equal(VTD_CCMD_FM(3), 3ull << 32);
	assert_int_equal(DMA_CCMD_CIRG(0xe000000003100005ull), 3);
	assert_int_equal(DMA_CCMD_CAIG(VTD_CCMD_CAIG(2)), 2);
	assert_int_equal(DMA_CCMD_SID(0xe000000003100005ull), 0x0310);
	/* IOTLB: IVT 63, IIRG 61:60, IAIG 58:57, DR 49, DW 48, DID 47:32. Domain 7. */
	assert_int_equal(DMA_TLB_IVT | VTD_TLB_IIRG(2) | DMA_TLB_DR | DMA_TLB_DW | VTD_TLB_DID(7),
			 0xa003000700000000ull);
	assert_int_equal(VTD_TLB_IAIG(1), 1ull << 57);
	assert_int_equal(DMA_TLB_IIRG(0xa003000700000000ull), 2);
	assert_int_equal(DMA_TLB_IAIG(VTD_TLB_IAIG(3)), 3);
	assert_int_equal(DMA_TLB_DID(0xa003000700000000ull), 7);
	/* IVA: ADDR 63:12, IH 6, AM 5:0. */
	assert_int_equal((0x12345000ull & DMA_IVA_ADDR) | DMA_IVA_IH | VTD_IVA_AM(9), 0x12345049);
}

/* §11.4.9-11.4.11: FSTS.FRI 15:8, IQA.QS 2:0, IQH/IQT 18:4, IQER, IRTA.S 3:0, AFLOG.FLS 11:9. */
static void status_and_queue_registers(void **state)
{
	(void)state;
	assert_int_equal(VTD_FSTS_FRI(5), 0x500);
	assert_int_equal(DMA_FSTS_FRI(0x0702), 7);
	assert_int_equal(VTD_IQA_QS(1), 1);
	assert_int_equal(DMA_IQA_QS(0x40801), 1);
	assert_int_equal(VTD_IQ_OFFSET(0x1230), 0x1230);
	assert_int_equal(DMA_IQ_OFFSET(0x80000ull | 0x20 | 0xf), 0x20); /* bits 18:4 only */
	assert_int_equal(VTD_IQER_IQEI(DMA_IQEI_RSVD), 4);
	assert_int_equal(VTD_IQER_ITESID(0x0100), 0x0100ull << 32);
	assert_int_equal(VTD_IQER_ICESID(0x0100), 0x0100ull << 48);
	assert_int_equal(DMA_IQER_ITESID(VTD_IQER_ITESID(0x0208)), 0x0208);
	assert_int_equal(DMA_IQER_ICESID(VTD_IQER_ICESID(0x0208)), 0x0208);
	assert_int_equal(VTD_IRTA_S(7), 7); /* 2^(7+1) = 256 entries */
	assert_int_equal(DMA_IRTA_ENTRIES(0x5000ull | VTD_IRTA_S(7)), 256);
	assert_int_equal(VTD_AFLOG_FLS(7), 0xe00);
	assert_int_equal(DMA_AFLOG_FLS(0xe00), 7);
}

/* §5.1.2.2: a remappable MSI address has 0xFEE in 31:20, handle[14:0] in 19:5, the format bit
 * 4, SHV 3 and handle[15] in 2. */
static void remappable_msi(void **state)
{
	uint32_t a = MSI_ADDR_BASE | VTD_IR_MSI_HANDLE(3) | IR_MSI_FORMAT | IR_MSI_SHV;

	(void)state;
	assert_int_equal(a, 0xfee00078u);
	assert_int_equal(VTD_IR_MSI_HANDLE(0x8005), (5u << 5) | (1u << 2));
	assert_int_equal(IR_MSI_HANDLE(MSI_ADDR_BASE | VTD_IR_MSI_HANDLE(0x8005) | IR_MSI_FORMAT),
			 0x8005);
	assert_int_equal(IR_MSI_HANDLE(a), 3);
	assert_true(msi_is_remappable(a));
	assert_int_equal(IR_MSI_SUBHANDLE(0x0000002au), 0x2a);
}

/* ---- in-memory structures ---- */

static void entry_sizes(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct vtd_root_entry), 16);	   /* §9.1, §9.2 */
	assert_int_equal(sizeof(struct vtd_context_entry), 16);	   /* §9.3 */
	assert_int_equal(sizeof(struct vtd_sm_context_entry), 32); /* §9.4 */
	assert_int_equal(sizeof(struct vtd_pasid_dir_entry), 8);   /* §9.5 */
	assert_int_equal(sizeof(struct vtd_pasid_entry), 64);	   /* §9.6 */
	assert_int_equal(sizeof(struct vtd_fl_pte), 8);		   /* §9.7 */
	assert_int_equal(sizeof(struct vtd_sl_pte), 8);		   /* §9.8 */
	assert_int_equal(sizeof(struct vtd_irte), 16);		   /* §9.10, §9.11 */
	assert_int_equal(sizeof(struct vtd_inv_desc), 32);	   /* §6.5.2: up to 256 bits */
	assert_int_equal(sizeof(struct vtd_fault_record), 16);	   /* §11.4.14 */
}

/* §9.1 root entry: P 0, CTP 63:12; the upper 64 bits reserved. §9.2: LP/LCTP in the lower
 * half (devfn 0-127), UP/UCTP in the upper half (devfn 128-255). */
static void root_entries(void **state)
{
	struct vtd_root_entry re = {{0}}, sm = {{0}};

	(void)state;
	vtd_root_set_ctp(&re, 0x12345000);
	vtd_root_set_present(&re);
	assert_int_equal(re.val[0], 0x12345001);
	assert_int_equal(re.val[1], 0);
	assert_true(vtd_root_present(&re));
	assert_int_equal(vtd_root_ctp(&re), 0x12345000);
	assert_false(vtd_root_rsvd(&re));
	re.val[1] = 1;
	assert_true(vtd_root_rsvd(&re));

	assert_int_equal(vtd_smroot_half(0x7f), 0);
	assert_int_equal(vtd_smroot_half(0x80), 1);
	vtd_smroot_set_ctp(&sm, 1, 0xabc000);
	vtd_smroot_set_present(&sm, 1);
	assert_int_equal(sm.val[0], 0);
	assert_int_equal(sm.val[1], 0xabc001);
	assert_false(vtd_smroot_present(&sm, 0));
	assert_true(vtd_smroot_present(&sm, 1));
	assert_int_equal(vtd_smroot_ctp(&sm, 1), 0xabc000);
	sm.val[1] |= 1ull << 4;
	assert_true(vtd_smroot_rsvd(&sm, 1));
}

/* §9.3 legacy context entry: P 0, FPD 1, TT 3:2, SLPTPTR 63:12; AW 66:64, DID 87:72. */
static void legacy_context_entry(void **state)
{
	struct vtd_context_entry ce = {{0}};

	(void)state;
	vtd_ce_set_slptptr(&ce, 0x7654000);
	vtd_ce_set_tt(&ce, VTD_TT_DEVTLB);
	vtd_ce_set_fpd(&ce, true);
	vtd_ce_set_present(&ce);
	vtd_ce_set_aw(&ce, vtd_levels_to_aw(4));
	vtd_ce_set_did(&ce, 0x1234);
	assert_int_equal(ce.val[0], 0x7654007);
	assert_int_equal(ce.val[1], 0x123402);
	assert_true(vtd_ce_present(&ce));
	assert_true(vtd_ce_fpd(&ce));
	assert_int_equal(vtd_ce_tt(&ce), 1);
	assert_int_equal(vtd_ce_slptptr(&ce), 0x7654000);
	assert_int_equal(vtd_ce_aw(&ce), 2);
	assert_int_equal(vtd_aw_to_levels(vtd_ce_aw(&ce)), 4);
	assert_int_equal(vtd_ce_did(&ce), 0x1234);
	assert_false(vtd_ce_rsvd(&ce));
	/* Setters change only their field. */
	vtd_ce_set_tt(&ce, VTD_TT_PASSTHROUGH);
	vtd_ce_set_fpd(&ce, false);
	assert_int_equal(ce.val[0], 0x7654009);
	vtd_ce_set_did(&ce, 0xffff);
	assert_int_equal(ce.val[1], 0xffff02);
	ce.val[1] |= 1ull << 7; /* bit 71: reserved */
	assert_true(vtd_ce_rsvd(&ce));
}

/* §9.4 scalable-mode context entry: P 0, FPD 1, DTE 2, PASIDE 3, PRE 4, PDTS 11:9,
 * PASIDDIRPTR 63:12; RID_PASID 83:64, RID_PRIV 84; bits 255:128 reserved. */
static void scalable_context_entry(void **state)
{
	struct vtd_sm_context_entry ce = {{0}};

	(void)state;
	vtd_smce_set_pasid_dir(&ce, 0x55000);
	vtd_smce_set_pdts(&ce, 2);
	vtd_smce_set_dte(&ce, true);
	vtd_smce_set_paside(&ce, true);
	vtd_smce_set_present(&ce);
	vtd_smce_set_rid_pasid(&ce, 0x12345);
	assert_int_equal(ce.val[0], 0x5540d);
	assert_int_equal(ce.val[1], 0x12345);
	assert_int_equal(ce.val[2] | ce.val[3], 0);
	assert_true(vtd_smce_present(&ce));
	assert_false(vtd_smce_fpd(&ce));
	assert_true(vtd_smce_dte(&ce));
	assert_true(vtd_smce_paside(&ce));
	assert_false(vtd_smce_pre(&ce));
	assert_int_equal(vtd_smce_pdts(&ce), 2);
	assert_int_equal(vtd_smce_pasid_dir_entries(&ce), 512); /* 2^(PDTS+7) */
	assert_int_equal(vtd_smce_pasid_dir(&ce), 0x55000);
	assert_int_equal(vtd_smce_rid_pasid(&ce), 0x12345);
	assert_false(vtd_smce_rsvd(&ce));
	vtd_smce_set_fpd(&ce, true);
	vtd_smce_set_dte(&ce, false);
	assert_int_equal(ce.val[0], 0x5540b);
	ce.val[2] = 1;
	assert_true(vtd_smce_rsvd(&ce));
}

/* §9.5 PASID directory entry: P 0, FPD 1, SMPTBLPTR 63:12; PASID[19:6] indexes it. §9.6
 * PASID-table entry: P 0, FPD 1, AW 4:2, PGTT 8:6, SLPTPTR 63:12; DID 79:64; SRE 128,
 * FLPM 131:130, FLPTPTR 191:140. */
static void pasid_entries(void **state)
{
	struct vtd_pasid_dir_entry pde = {0};
	struct vtd_pasid_entry pe = {{0}};

	(void)state;
	assert_int_equal(vtd_pasid_dir_index(0x1234), 0x48);
	assert_int_equal(vtd_pasid_table_index(0x1234), 0x34);
	vtd_pde_set_table(&pde, 0x66000);
	vtd_pde_set_present(&pde);
	assert_int_equal(pde.val, 0x66001);
	assert_true(vtd_pde_present(&pde));
	assert_false(vtd_pde_fpd(&pde));
	assert_int_equal(vtd_pde_table(&pde), 0x66000);
	assert_false(vtd_pde_rsvd(&pde));
	pde.val |= 1ull << 2;
	assert_true(vtd_pde_rsvd(&pde));

	vtd_pe_set_slptptr(&pe, 0x77000);
	vtd_pe_set_pgtt(&pe, VTD_PGTT_NESTED);
	vtd_pe_set_aw(&pe, 2);
	vtd_pe_set_fpd(&pe, true);
	vtd_pe_set_present(&pe);
	vtd_pe_set_did(&pe, 9);
	vtd_pe_set_flptptr(&pe, 0x88000);
	vtd_pe_set_flpm(&pe, 1);
	vtd_pe_set_sre(&pe, true);
	assert_int_equal(pe.val[0], 0x770cb);
	assert_int_equal(pe.val[1], 9);
	assert_int_equal(pe.val[2], 0x88005);
	for (unsigned i = 3; i < 8; i++)
		assert_int_equal(pe.val[i], 0);
	assert_true(vtd_pe_present(&pe));
	assert_true(vtd_pe_fpd(&pe));
	assert_int_equal(vtd_pe_aw(&pe), 2);
	assert_int_equal(vtd_pe_pgtt(&pe), 3);
	assert_int_equal(vtd_pe_slptptr(&pe), 0x77000);
	assert_int_equal(vtd_pe_did(&pe), 9);
	assert_true(vtd_pe_sre(&pe));
	assert_int_equal(vtd_pe_flpm(&pe), 1);
	assert_int_equal(vtd_pe_flptptr(&pe), 0x88000);
	assert_false(vtd_pe_rsvd(&pe));
	vtd_pe_set_pgtt(&pe, VTD_PGTT_PT);
	vtd_pe_set_did(&pe, 0xfffe);
	assert_int_equal(pe.val[0], 0x7710b);
	assert_int_equal(pe.val[1], 0xfffe);
	pe.val[1] |= 1ull << 16; /* bits 86:80: reserved */
	assert_true(vtd_pe_rsvd(&pe));
}

/* §9.7 first level: P 0, R/W 1, U/S 2, A 5, D 6, PS 7, address 51:12, XD 63. §9.8 second
 * level: R 0, W 1, X 2, PS 7, address 51:12. Level l indexes address bits 12+9(l-1). */
static void paging_entries(void **state)
{
	struct vtd_sl_pte sl;
	struct vtd_fl_pte fl;

	(void)state;
	assert_int_equal(vtd_level_shift(1), 12);
	assert_int_equal(vtd_level_shift(3), 30);
	assert_int_equal(vtd_level_index(0x0000123456789000ull, 4), 0x24);  /* bits 47:39 */
	assert_int_equal(vtd_level_index(0x0000123456789000ull, 1), 0x189); /* bits 20:12 */

	vtd_slpte_set(&sl, 0x1234567000ull, VTD_SL_R | VTD_SL_W, true);
	assert_int_equal(sl.val, 0x1234567083ull);
	assert_true(vtd_slpte_present(&sl));
	assert_int_equal(vtd_slpte_perm(&sl), 3);
	assert_true(vtd_slpte_ps(&sl));
	assert_int_equal(vtd_slpte_addr(&sl), 0x1234567000ull);
	vtd_slpte_set(&sl, 0x2000, VTD_SL_R, false);
	assert_int_equal(sl.val, 0x2001);
	assert_int_equal(vtd_slpte_perm(&sl), 1);
	vtd_slpte_clear(&sl);
	assert_false(vtd_slpte_present(&sl));

	vtd_flpte_set(&fl, 0xabcd000, VTD_FL_RW | VTD_FL_US);
	assert_int_equal(fl.val, 0xabcd007);
	assert_true(vtd_flpte_present(&fl));
	assert_true(vtd_flpte_rw(&fl));
	assert_true(vtd_flpte_us(&fl));
	assert_false(vtd_flpte_ps(&fl));
	assert_false(vtd_flpte_accessed(&fl));
	assert_false(vtd_flpte_dirty(&fl));
	assert_int_equal(vtd_flpte_addr(&fl), 0xabcd000);
	vtd_flpte_set(&fl, 0x40000000, VTD_FL_PS | VTD_FL_A | VTD_FL_D | VTD_FL_XD);
	assert_int_equal(fl.val, 0x80000000400000e1ull);
	assert_true(vtd_flpte_ps(&fl));
	assert_true(vtd_flpte_accessed(&fl));
	assert_true(vtd_flpte_dirty(&fl));
	assert_false(vtd_flpte_rw(&fl));
}

/* §9.10 remapped IRTE: P 0, FPD 1, DM 2, RH 3, TM 4, DLM 7:5, IM 15 = 0, V 23:16, DST 63:32
 * (xAPIC ID in 47:40); SID 79:64, SQ 81:80, SVT 83:82. */
static void remapped_irte(void **state)
{
	struct vtd_irte e = {{0}};

	(void)state;
	vtd_irte_set_present(&e);
	vtd_irte_set_vector(&e, 0x41);
	vtd_irte_set_tm(&e, true);
	vtd_irte_set_dst(&e, 3, true);
	vtd_irte_set_sid(&e, IRTE_SVT_SID, 0, 0x0108);
	assert_int_equal(e.val[0], 0x0000000300410011ull);
	assert_int_equal(e.val[1], 0x40108);
	assert_true(vtd_irte_present(&e));
	assert_false(vtd_irte_fpd(&e));
	assert_false(vtd_irte_im(&e));
	assert_true(vtd_irte_tm(&e));
	assert_int_equal(vtd_irte_vector(&e), 0x41);
	assert_int_equal(vtd_irte_dst(&e, true), 3);
	assert_int_equal(vtd_irte_sid(&e), 0x0108);
	assert_int_equal(vtd_irte_sq(&e), 0);
	assert_int_equal(vtd_irte_svt(&e), 1);
	/* xAPIC mode: the 8-bit ID sits in bits 47:40. */
	vtd_irte_set_dst(&e, 0x17, false);
	assert_int_equal(e.val[0], 0x0000170000410011ull);
	assert_int_equal(vtd_irte_dst(&e, false), 0x17);
	vtd_irte_set_dlm(&e, 1);
	vtd_irte_set_tm(&e, false);
	assert_int_equal(vtd_irte_dlm(&e), 1);
	assert_int_equal(e.val[0], 0x0000170000410021ull);
	/* Bus-range validation: SVT 10b, SID = start bus 15:8, end bus 7:0. */
	vtd_irte_set_sid(&e, IRTE_SVT_BUS, 2, 0x0205);
	assert_int_equal(e.val[1], 0x00000000000a0205ull);
	assert_int_equal(vtd_irte_bus_start(&e), 2);
	assert_int_equal(vtd_irte_bus_end(&e), 5);
}

/* §9.11 posted IRTE: P 0, URG 14, IM 15 = 1, VV 23:16, PDA[31:6] in 63:38, PDA[63:32] in
 * 127:96; SID, SQ, SVT as remapped. */
static void posted_irte(void **state)
{
	struct vtd_irte e = {{0}};

	(void)state;
	vtd_irte_set_present(&e);
	vtd_irte_set_posted_pda(&e, 0x123456780ull, true);
	vtd_irte_set_vector(&e, 0x30);
	vtd_irte_set_sid(&e, IRTE_SVT_SID, 0, 0x0310);
	assert_int_equal(e.val[0], 0x234567800030c001ull);
	assert_int_equal(e.val[1], 0x0000000100040310ull);
	assert_true(vtd_irte_im(&e));
	assert_true(vtd_irte_urg(&e));
	assert_int_equal(vtd_irte_vector(&e), 0x30);
	assert_int_equal(vtd_irte_pda(&e), 0x123456780ull);
	assert_int_equal(vtd_irte_sid(&e), 0x0310);
	vtd_irte_set_posted_pda(&e, 0xfffffffc0ull, false);
	assert_false(vtd_irte_urg(&e));
	assert_int_equal(vtd_irte_pda(&e), 0xfffffffc0ull);
	assert_int_equal(vtd_irte_sid(&e), 0x0310); /* PDA high leaves SID/SQ/SVT alone */
}

/* §6.5.2: type 3:0 (and 11:9), G 5:4, DID 31:16, and each kind's own fields. */
static void invalidation_descriptors(void **state)
{
	struct vtd_inv_desc d;
	uint64_t addr, size;

	(void)state;
	/* Context cache (§6.5.2.1): SID 47:32, FM 49:48. Device 03:02.0 of domain 5. */
	d = vtd_inv_cc(QI_GRAN_DEVICE, 5, 0x0310, 1);
	assert_int_equal(d.val[0], 0x0001031000050031ull);
	assert_int_equal(d.val[1], 0);
	assert_int_equal(vtd_inv_type(&d), QI_CC_TYPE);
	assert_int_equal(vtd_inv_gran(&d), 3);
	assert_int_equal(vtd_inv_did(&d), 5);
	assert_int_equal(vtd_inv_cc_sid(&d), 0x0310);
	assert_int_equal(vtd_inv_cc_fm(&d), 1);

	/* IOTLB (§6.5.2.3): DW 6, DR 7; ADDR 127:76, IH 70, AM 69:64. */
	d = vtd_inv_iotlb(QI_GRAN_DEVICE, 7, 0x12345000, 2, true, true, true);
	assert_int_equal(d.val[0], 0x700f2);
	assert_int_equal(d.val[1], 0x12345042);
	assert_int_equal(vtd_inv_type(&d), QI_IOTLB_TYPE);
	assert_int_equal(vtd_inv_did(&d), 7);
	assert_int_equal(vtd_inv_addr(&d), 0x12345000);
	assert_int_equal(vtd_inv_am(&d), 2);
	assert_true(vtd_inv_ih(&d));
	assert_true(vtd_inv_iotlb_dr(&d));
	assert_true(vtd_inv_iotlb_dw(&d));

	/* Device-TLB (§6.5.2.5): SID 47:32; hi S 64, ADDR 127:76. */
	d = vtd_inv_dev_iotlb(0x0100, 0x10000, 1, false);
	assert_int_equal(d.val[0], 0x0000010000000003ull);
	assert_int_equal(d.val[1], 0x10001); /* 2 pages: S, bit 12 clear */
	assert_int_equal(vtd_inv_dev_sid(&d), 0x0100);
	vtd_inv_dev_range(&d, &addr, &size);
	assert_int_equal(addr, 0x10000);
	assert_int_equal(size, 0x2000);
	d = vtd_inv_dev_iotlb(0x0100, 0x10000, 2, false);
	assert_int_equal(d.val[1], 0x11001); /* 4 pages: bit 12 set, bit 13 clear */
	vtd_inv_dev_range(&d, &addr, &size);
	assert_int_equal(addr, 0x10000);
	assert_int_equal(size, 0x4000);
	d = vtd_inv_dev_iotlb(0x0100, 0x10000, 0, false);
	assert_int_equal(d.val[1], 0x10000); /* one page, no S */
	vtd_inv_dev_range(&d, &addr, &size);
	assert_int_equal(size, 0x1000);
	d = vtd_inv_dev_iotlb(0x0100, 0, 0, true);
	assert_int_equal(d.val[1], 0xfffffffffffff001ull);
	vtd_inv_dev_range(&d, &addr, &size);
	assert_int_equal(size, 0); /* everything */

	/* Interrupt entry cache (§6.5.2.6): G 4 (index-selective), IM 31:27, IIDX 47:32. */
	d = vtd_inv_iec(false, 0x20, 3);
	assert_int_equal(d.val[0], 0x0000002018000014ull);
	assert_false(vtd_inv_iec_global(&d));
	assert_int_equal(vtd_inv_iec_iidx(&d), 0x20);
	assert_int_equal(vtd_inv_iec_im(&d), 3);
	d = vtd_inv_iec(true, 0, 0);
	assert_int_equal(d.val[0], 4);
	assert_true(vtd_inv_iec_global(&d));

	/* Wait (§6.5.2.8): IF 4, SW 5, FN 6, status data 63:32; status address 127:66. */
	d = vtd_inv_wait(QI_IWD_SW | QI_IWD_FN, 0xabcd, 0x5000);
	assert_int_equal(d.val[0], 0x0000abcd00000065ull);
	assert_int_equal(d.val[1], 0x5000);
	assert_false(vtd_inv_wait_if(&d));
	assert_true(vtd_inv_wait_sw(&d));
	assert_true(vtd_inv_wait_fn(&d));
	assert_int_equal(vtd_inv_wait_data(&d), 0xabcd);
	assert_int_equal(vtd_inv_wait_addr(&d), 0x5000);

	/* PASID cache (§6.5.2.2): DID 31:16, PASID 51:32. */
	d = vtd_inv_pc(QI_PC_PASID_SEL, 3, 0x12);
	assert_int_equal(d.val[0], 0x0000001200030017ull);
	assert_int_equal(vtd_inv_pasid(&d), 0x12);
	/* PASID-based IOTLB (§6.5.2.4). */
	d = vtd_inv_piotlb(QI_GRAN_PSI_PASID, 3, 0x12, 0x4000, 0, false);
	assert_int_equal(d.val[0], 0x0000001200030036ull);
	assert_int_equal(d.val[1], 0x4000);
	assert_int_equal(vtd_inv_type(&d), QI_PIOTLB_TYPE);
	assert_int_equal(vtd_inv_gran(&d), 3);
	/* PASID-based device-TLB (§6.5.2.7): SID 31:16, PASID 51:32; hi G 64, S 75. */
	d = vtd_inv_pdev_iotlb(0x0100, 5, 0, 0, true);
	assert_int_equal(d.val[0], 0x0000000501000008ull);
	assert_int_equal(d.val[1], 1);
	assert_int_equal(vtd_inv_pdev_sid(&d), 0x0100);
	assert_int_equal(vtd_inv_pasid(&d), 5);
	assert_true(vtd_inv_pdev_global(&d));
	vtd_inv_pdev_range(&d, &addr, &size);
	assert_int_equal(size, 0);
	d = vtd_inv_pdev_iotlb(0x0100, 5, 0x20000, 1, false);
	assert_int_equal(d.val[1], 0x20800);
	vtd_inv_pdev_range(&d, &addr, &size);
	assert_int_equal(addr, 0x20000);
	assert_int_equal(size, 0x2000);

	/* Types above 15 carry their high bits in 11:9. */
	d.val[0] = (1ull << 9) | 3;
	assert_int_equal(vtd_inv_type(&d), 0x13);
}

/* §11.4.14 fault record: FI 63:12; SID 79:64, T2 92, PRIV 93, EXE 94, PP 95, FR 103:96,
 * PV 123:104, AT 125:124, T1 126, F 127. */
static void fault_records(void **state)
{
	struct vtd_fault_record r;

	(void)state;
	r = vtd_frcd_make(0x8000123, 0x0100, VTD_FR_READ, 0, DMA_FRCD_HI_T);
	assert_int_equal(r.val[0], 0x8000000);
	assert_int_equal(r.val[1], 0x4000000600000100ull);
	vtd_frcd_set_pasid(&r, 5);
	assert_int_equal(r.val[1], 0x4000050680000100ull);
	assert_int_equal(vtd_frcd_fi(&r), 0x8000000);
	assert_int_equal(vtd_frcd_sid(&r), 0x0100);
	assert_int_equal(vtd_frcd_reason(&r), 6);
	assert_true(vtd_frcd_read(&r));
	assert_true(vtd_frcd_pp(&r));
	assert_int_equal(vtd_frcd_pasid(&r), 5);
	assert_int_equal(vtd_frcd_at(&r), 0);
	assert_false(vtd_frcd_f(&r));
	r = vtd_frcd_make(VTD_FRCD_FI_IR_INDEX(0x21), 0x0310, VTD_FR_IR_NOT_PRESENT, 2,
			  DMA_FRCD_HI_F);
	assert_int_equal(r.val[0], 0x0021000000000000ull); /* interrupt index in FI 63:48 */
	assert_int_equal(r.val[1], 0xa000002200000310ull);
	assert_true(vtd_frcd_f(&r));
	assert_int_equal(vtd_frcd_at(&r), 2);
	assert_false(vtd_frcd_read(&r));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(cap_fields),
	    cmocka_unit_test(ecap_fields),
	    cmocka_unit_test(command_registers),
	    cmocka_unit_test(status_and_queue_registers),
	    cmocka_unit_test(remappable_msi),
	    cmocka_unit_test(entry_sizes),
	    cmocka_unit_test(root_entries),
	    cmocka_unit_test(legacy_context_entry),
	    cmocka_unit_test(scalable_context_entry),
	    cmocka_unit_test(pasid_entries),
	    cmocka_unit_test(paging_entries),
	    cmocka_unit_test(remapped_irte),
	    cmocka_unit_test(posted_irte),
	    cmocka_unit_test(invalidation_descriptors),
	    cmocka_unit_test(fault_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
