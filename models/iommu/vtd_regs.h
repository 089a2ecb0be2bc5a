/* SPDX-License-Identifier: MIT */
/*
 * Intel VT-d register set and in-memory structures.
 * Intel Virtualization Technology for Directed I/O, Architecture Specification rev. 3.x:
 * registers §11.4, root/context entries §9.1-9.4 (legacy and scalable mode), PASID directory
 * and table entries §9.5-9.6, first-level and second-level paging entries §9.7-9.8,
 * invalidation descriptors §6.5.2, fault recording §7.3 and fault reasons §7.1-7.2, IRTEs
 * §9.10-9.11, posted-interrupt descriptor §9.12, the ACPI DMAR table ch. 8.
 * Names follow Linux's drivers/iommu/intel/iommu.h where it has them.
 */
#ifndef PTSIM_VTD_REGS_H
#define PTSIM_VTD_REGS_H

#include <stdint.h>

/* Register offsets, §11.4 */
#define DMAR_VER_REG     0x00 /* 32: major 7:4, minor 3:0 */
#define DMAR_CAP_REG     0x08
#define DMAR_ECAP_REG    0x10
#define DMAR_GCMD_REG    0x18 /* 32, write-only */
#define DMAR_GSTS_REG    0x1c /* 32, read-only */
#define DMAR_RTADDR_REG  0x20
#define DMAR_CCMD_REG    0x28
#define DMAR_FSTS_REG    0x34
#define DMAR_FECTL_REG   0x38
#define DMAR_FEDATA_REG  0x3c
#define DMAR_FEADDR_REG  0x40
#define DMAR_FEUADDR_REG 0x44
#define DMAR_AFLOG_REG   0x58
#define DMAR_PMEN_REG    0x64
#define DMAR_IQH_REG     0x80
#define DMAR_IQT_REG     0x88
#define DMAR_IQA_REG     0x90
#define DMAR_ICS_REG     0x9c
#define DMAR_IECTL_REG   0xa0
#define DMAR_IEDATA_REG  0xa4
#define DMAR_IEADDR_REG  0xa8
#define DMAR_IEUADDR_REG 0xac
#define DMAR_IQER_REG    0xb0 /* invalidation queue error record */
#define DMAR_IRTA_REG    0xb8
#define DMAR_REG_SIZE    0x1000
/* Where the enable bits of the advanced fault log, PMEN and IQER live, §11.4.9-11.4.10 */
#define DMA_AFLOG_FLS(v)   (((v) >> 9) & 7) /* 2^FLS 4 KiB pages */
#define DMA_AFLOG_FLA      (~0xfffull)
#define DMA_PMEN_EPM       (1u << 31)
#define DMA_PMEN_PRS       (1u << 0)
#define DMA_IQER_IQEI(v)   ((v) & 0xf)
#define  DMA_IQEI_TAIL        1 /* IQT beyond the queue or misaligned */
#define  DMA_IQEI_FETCH       2 /* error fetching a descriptor */
#define  DMA_IQEI_TYPE        3 /* invalid descriptor type */
#define  DMA_IQEI_RSVD        4 /* reserved field set / unsupported value */
#define  DMA_IQEI_WIDTH       5 /* descriptor width invalid for the mode */
#define  DMA_IQEI_TAIL_ALIGN  6 /* 256-bit descriptors with IQT not 32-byte aligned */
#define  DMA_IQEI_TTM         7 /* descriptor invalid for the translation table mode */
#define DMA_IQER_ITESID_SHIFT 32
#define DMA_IQER_ICESID_SHIFT 48

/* Where this model places the IOTLB and fault-recording registers (CAP.FRO, ECAP.IRO in
 * 16-byte units, §11.4.2-11.4.3). */
#define PTSIM_VTD_FRO      0x40 /* fault records at 0x400 */
#define PTSIM_VTD_IRO      0x50 /* IVA at 0x500, IOTLB at 0x508 */

/* CAP, §11.4.2 */
#define CAP_ND(c)        ((c) & 0x7)           /* domains: 2^(4 + 2*ND) */
#define  CAP_AFL         (1ull << 3)           /* advanced fault logging */
#define  CAP_RWBF        (1ull << 4)           /* required write-buffer flushing */
#define  CAP_PLMR        (1ull << 5)
#define  CAP_PHMR        (1ull << 6)
#define  CAP_CM          (1ull << 7)           /* caching mode */
#define CAP_SAGAW(c)     (((c) >> 8) & 0x1f)   /* bit1 39-bit/3-level, bit2 48/4, bit3 57/5 */
#define CAP_MGAW(c)      ((((c) >> 16) & 0x3f) + 1)
#define  CAP_ZLR         (1ull << 22)
#define CAP_FRO(c)       ((((c) >> 24) & 0x3ff) * 16)
#define CAP_SLLPS(c)     (((c) >> 34) & 0xf)   /* bit0 2 MiB, bit1 1 GiB */
#define  CAP_PSI         (1ull << 39)
#define CAP_NFR(c)       ((((c) >> 40) & 0xff) + 1)
#define CAP_MAMV(c)      (((c) >> 48) & 0x3f)
#define  CAP_DWD         (1ull << 54)
#define  CAP_DRD         (1ull << 55)
#define  CAP_FL1GP       (1ull << 56)
#define  CAP_PI          (1ull << 59)          /* posted interrupts */
#define  CAP_FL5LP       (1ull << 60)
#define  CAP_ESIRTPS     (1ull << 62)
#define  CAP_ESRTPS      (1ull << 63)

/* ECAP, §11.4.3 */
#define  ECAP_C          (1ull << 0)  /* page-walk coherency */
#define  ECAP_QI         (1ull << 1)
#define  ECAP_DT         (1ull << 2)  /* device-TLB */
#define  ECAP_IR         (1ull << 3)
#define  ECAP_EIM        (1ull << 4)
#define  ECAP_PT         (1ull << 6)
#define  ECAP_SC         (1ull << 7)
#define ECAP_IRO(e)      ((((e) >> 8) & 0x3ff) * 16)
#define ECAP_MHMV(e)     (((e) >> 20) & 0xf)
#define  ECAP_NEST       (1ull << 26)
#define  ECAP_PRS        (1ull << 29)
#define  ECAP_ERS        (1ull << 30)
#define  ECAP_SRS        (1ull << 31)
#define ECAP_PSS(e)      (((e) >> 35) & 0x1f) /* PASID width - 1 */
#define  ECAP_PASID      (1ull << 40)
#define  ECAP_SMTS       (1ull << 43)
#define  ECAP_SLTS       (1ull << 46)
#define  ECAP_FLTS       (1ull << 47)
#define  ECAP_SMPWC      (1ull << 48)
#define  ECAP_RPS        (1ull << 49)

/* GCMD (write-only) and GSTS (read-only), §11.4.4-11.4.5 */
#define DMA_GCMD_TE    (1u << 31)
#define DMA_GCMD_SRTP  (1u << 30)
#define DMA_GCMD_SFL   (1u << 29)
#define DMA_GCMD_EAFL  (1u << 28)
#define DMA_GCMD_WBF   (1u << 27)
#define DMA_GCMD_QIE   (1u << 26)
#define DMA_GCMD_IRE   (1u << 25)
#define DMA_GCMD_SIRTP (1u << 24)
#define DMA_GCMD_CFI   (1u << 23)
#define DMA_GSTS_TES   (1u << 31)
#define DMA_GSTS_RTPS  (1u << 30)
#define DMA_GSTS_FLS   (1u << 29)
#define DMA_GSTS_AFLS  (1u << 28)
#define DMA_GSTS_WBFS  (1u << 27)
#define DMA_GSTS_QIES  (1u << 26)
#define DMA_GSTS_IRES  (1u << 25)
#define DMA_GSTS_IRTPS (1u << 24)
#define DMA_GSTS_CFIS  (1u << 23)
/* The command bits whose state persists (the others are one-shot). */
#define DMA_GCMD_PERSIST (DMA_GCMD_TE | DMA_GCMD_EAFL | DMA_GCMD_QIE | DMA_GCMD_IRE | DMA_GCMD_CFI)

/* RTADDR, §11.4.6 */
#define DMA_RTADDR_TTM_SHIFT 10
#define DMA_RTADDR_TTM_MASK  (3ull << 10) /* 00 legacy, 01 scalable, 10 reserved, 11 ADM */
#define  DMA_TTM_LEGACY      0
#define  DMA_TTM_SCALABLE    1
#define DMA_RTADDR_RTA_MASK  (~0xfffull)

/* CCMD, §11.4.7.1 */
#define DMA_CCMD_ICC        (1ull << 63)
#define DMA_CCMD_CIRG_SHIFT 61 /* 01 global, 10 domain, 11 device */
#define DMA_CCMD_CAIG_SHIFT 59
#define DMA_CCMD_FM(c)      (((c) >> 32) & 3)
#define DMA_CCMD_SID(c)     (((c) >> 16) & 0xffff)
#define DMA_CCMD_DID(c)     ((c) & 0xffff)

/* IOTLB register (at IRO*16 + 8) and IVA (at IRO*16), §11.4.8 */
#define DMA_TLB_IVT         (1ull << 63)
#define DMA_TLB_IIRG_SHIFT  60 /* 01 global, 10 domain, 11 page */
#define DMA_TLB_IAIG_SHIFT  57
#define DMA_TLB_DR          (1ull << 49)
#define DMA_TLB_DW          (1ull << 48)
#define DMA_TLB_DID(v)      (((v) >> 32) & 0xffff)
#define DMA_IVA_AM(v)       ((v) & 0x3f)
#define DMA_IVA_IH          (1ull << 6)

/* FSTS, FECTL, §11.4.9 */
#define DMA_FSTS_PFO  (1u << 0)
#define DMA_FSTS_PPF  (1u << 1)
#define DMA_FSTS_AFO  (1u << 2)
#define DMA_FSTS_APF  (1u << 3)
#define DMA_FSTS_IQE  (1u << 4)
#define DMA_FSTS_ICE  (1u << 5)
#define DMA_FSTS_ITE  (1u << 6)
#define DMA_FSTS_FRI_SHIFT 8
/* Status fields that are interrupt conditions; setting one while any is set is not a new
 * condition (FECTL.IP, §11.4.9.2). */
#define DMA_FSTS_EVENTS (DMA_FSTS_PFO | DMA_FSTS_PPF | DMA_FSTS_AFO | DMA_FSTS_APF | \
			 DMA_FSTS_IQE | DMA_FSTS_ICE | DMA_FSTS_ITE)
#define DMA_FECTL_IM  (1u << 31)
#define DMA_FECTL_IP  (1u << 30)

/* Fault recording register: 128 bits, as two 64-bit halves, §11.4.14 */
#define DMA_FRCD_LO_FI_MASK  (~0xfffull)        /* faulting page address */
#define DMA_FRCD_HI_SID(h)   ((h) & 0xffff)
#define DMA_FRCD_HI_T2       (1ull << 28)        /* type bit 2 (bit 92) */
#define DMA_FRCD_HI_PRIV     (1ull << 29)        /* privilege mode requested */
#define DMA_FRCD_HI_EXE      (1ull << 30)        /* execute requested */
#define DMA_FRCD_HI_PP       (1ull << 31)        /* PASID present */
#define DMA_FRCD_HI_FR_SHIFT 32                  /* fault reason, bits 103:96 */
#define DMA_FRCD_HI_PV_SHIFT 40                  /* PASID value, bits 123:104 */
#define DMA_FRCD_HI_AT_SHIFT 60                  /* address type, bits 125:124 */
#define DMA_FRCD_HI_T        (1ull << 62)        /* T1: 1 read (T2: atomic), 0 write (T2: page req) */
#define DMA_FRCD_HI_F        (1ull << 63)        /* fault recorded (RW1C) */
/* Advanced fault log records in memory: the same 128-bit layout without F (§9.2 of rev. 2,
 * "Fault Record"); FSTS.APF/AFO report it. */
#define VTD_FLOG_REC_SIZE    16

/* Fault reasons, §7.1.3 (DMA remapping) and §7.1.1 (interrupt remapping) */
#define VTD_FR_ROOT_NOT_PRESENT 0x1
#define VTD_FR_CTX_NOT_PRESENT  0x2
#define VTD_FR_CTX_INVALID      0x3
#define VTD_FR_ADDR_BEYOND_AW   0x4
#define VTD_FR_WRITE            0x5
#define VTD_FR_READ             0x6
#define VTD_FR_PTE_ACCESS       0x7
#define VTD_FR_ROOT_ACCESS      0x8
#define VTD_FR_CTX_ACCESS       0x9
#define VTD_FR_ROOT_RSVD        0xa
#define VTD_FR_CTX_RSVD         0xb
#define VTD_FR_PTE_RSVD         0xc
#define VTD_FR_TT_BLOCKED       0xd  /* translation(-ed) request, context TT says block */
#define VTD_FR_IR_RSVD_REQ      0x20
#define VTD_FR_IR_INDEX_OVER    0x21
#define VTD_FR_IR_NOT_PRESENT   0x22
#define VTD_FR_IR_TABLE_ACCESS  0x23
#define VTD_FR_IR_IRTE_RSVD     0x24
#define VTD_FR_IR_COMPAT_BLOCK  0x25
#define VTD_FR_IR_SID_MISMATCH  0x26
#define VTD_FR_IR_PID_ACCESS    0x27
#define VTD_FR_IR_PID_RSVD      0x28
/* Scalable mode, §7.1.3 tables (RTA, SRT, SCT, SPD, SPT, SFL, SSL, SGN conditions) */
#define VTD_FR_SM_RTA_INVALID   0x30 /* RTA.1: reserved TTM / root table address */
#define VTD_FR_SM_PASID_LEGACY  0x31 /* RTA.2: request with PASID, TTM legacy */
#define VTD_FR_SM_ROOT_ACCESS   0x38
#define VTD_FR_SM_ROOT_NP       0x39
#define VTD_FR_SM_ROOT_RSVD     0x3a
#define VTD_FR_SM_CTX_ACCESS    0x40
#define VTD_FR_SM_CTX_NP        0x41
#define VTD_FR_SM_CTX_RSVD      0x42
#define VTD_FR_SM_CTX_INVALID   0x43
#define VTD_FR_SM_DTE_CLEAR     0x44
#define VTD_FR_SM_PASIDE_CLEAR  0x45
#define VTD_FR_SM_PASID_MAX     0x46
#define VTD_FR_SM_PDE_ACCESS    0x50
#define VTD_FR_SM_PDE_NP        0x51
#define VTD_FR_SM_PDE_RSVD      0x52
#define VTD_FR_SM_PTE_ACCESS    0x58 /* PASID-table entry */
#define VTD_FR_SM_PTE_NP        0x59
#define VTD_FR_SM_PTE_RSVD      0x5a
#define VTD_FR_SM_PTE_INVALID   0x5b
#define VTD_FR_SM_SRE_CLEAR     0x5d
#define VTD_FR_SM_FL_ACCESS     0x70
#define VTD_FR_SM_FL_NP         0x71
#define VTD_FR_SM_FL_RSVD       0x72
#define VTD_FR_SM_FLPTR_ACCESS  0x73 /* nested: SL translation of FLPTPTR failed */
#define VTD_FR_SM_FL_BEYOND_AW  0x74 /* nested: FL table address beyond SL width */
#define VTD_FR_SM_FLPTR_READ    0x75 /* nested: SL gives no read right to FLPTPTR */
#define VTD_FR_SM_FL_READ       0x76 /* nested: SL gives no read right to an FL table */
#define VTD_FR_SM_FL_WRITE      0x77 /* nested: SL gives no write right for an A/D update */
#define VTD_FR_SM_SL_ACCESS     0x78
#define VTD_FR_SM_SL_NP         0x79 /* non-leaf SL entry with R = W = 0 */
#define VTD_FR_SM_SL_RSVD       0x7a
#define VTD_FR_SM_NONCANONICAL  0x80
#define VTD_FR_SM_US            0x81 /* user request, U/S clear in a first-level entry */
#define VTD_FR_SM_BEYOND_AW     0x83
#define VTD_FR_SM_WRITE         0x85
#define VTD_FR_SM_READ          0x86
#define VTD_FR_MAX              0x100

/* IQA/IQH/IQT, ICS, §11.4.10 */
#define DMA_IQA_QS(v)    ((v) & 0x7)    /* 2^QS 4 KiB pages */
#define DMA_IQA_DW       (1ull << 11)   /* 256-bit descriptors */
#define DMA_IQA_BASE     (~0xfffull)
#define DMA_IQ_SHIFT     4              /* head/tail in 16-byte units, bits 18:4 */
#define DMA_IQ_MASK      0x7fff0ull
#define DMA_ICS_IWC      (1u << 0)
#define DMA_IECTL_IM     (1u << 31)
#define DMA_IECTL_IP     (1u << 30)

/* IRTA, §11.4.11 */
#define DMA_IRTA_S(v)     ((v) & 0xf)   /* entries: 2^(S+1) */
#define DMA_IRTA_EIME     (1ull << 11)
#define DMA_IRTA_BASE     (~0xfffull)

/* Root entry (legacy), §9.1: 16 bytes, indexed by bus */
#define VTD_ROOT_P        (1ull << 0)
#define VTD_ROOT_CTP      (~0xfffull)
#define VTD_ROOT_LO_RSVD  0xffeull

/* Context entry (legacy), §9.3: 16 bytes, indexed by devfn */
#define VTD_CTX_P         (1ull << 0)
#define VTD_CTX_FPD       (1ull << 1)
#define VTD_CTX_TT_SHIFT  2
#define VTD_CTX_TT_MASK   (3ull << 2)
#define  VTD_TT_UNTRANSLATED 0 /* untranslated requests only */
#define  VTD_TT_DEVTLB       1 /* untranslated and translated (device-TLB) */
#define  VTD_TT_PASSTHROUGH  2
#define VTD_CTX_SLPTPTR   (~0xfffull)
#define VTD_CTX_LO_RSVD   0xff0ull
#define VTD_CTX_HI_AW(h)  ((h) & 0x7)  /* 1: 39-bit/3-level, 2: 48/4, 3: 57/5 */
#define VTD_CTX_HI_DID(h) (((h) >> 8) & 0xffff)
#define VTD_CTX_HI_RSVD   (0xffffffffff000000ull | 0x80ull)

/* Scalable-mode root entry, §9.2: lower half for devfn 0-127, upper half for 128-255 */
#define VTD_SMROOT_P      (1ull << 0)  /* LP / UP */
#define VTD_SMROOT_CTP    (~0xfffull)  /* LCTP / UCTP */
#define VTD_SMROOT_RSVD   0xffeull

/* Scalable-mode context entry, §9.4: 256 bits (32 bytes), 128 per context table */
#define VTD_SMCTX_SIZE     32
#define VTD_SMCTX_P        (1ull << 0)
#define VTD_SMCTX_FPD      (1ull << 1)
#define VTD_SMCTX_DTE      (1ull << 2)  /* device-TLB (ATS) enable */
#define VTD_SMCTX_PASIDE   (1ull << 3)  /* requests with PASID allowed */
#define VTD_SMCTX_PRE      (1ull << 4)
#define VTD_SMCTX_PDTS(lo) (((lo) >> 9) & 7) /* directory entries: 2^(PDTS + 7) */
#define VTD_SMCTX_PDTS_SHIFT 9
#define VTD_SMCTX_PASIDDIRPTR (~0xfffull)
#define VTD_SMCTX_LO_RSVD  0x1e0ull
#define VTD_SMCTX_RID_PASID(q1) ((uint32_t)((q1) & 0xfffff))
#define VTD_SMCTX_RID_PRIV (1ull << 20)
#define VTD_SMCTX_Q1_RSVD  (~0x1fffffull)

/* PASID directory entry, §9.5: 8 bytes, indexed by PASID[19:6] */
#define VTD_PDE_P         (1ull << 0)
#define VTD_PDE_FPD       (1ull << 1)
#define VTD_PDE_RSVD      0xffcull
#define VTD_PDE_PTPTR     (~0xfffull)

/* Scalable-mode PASID-table entry, §9.6: 512 bits (64 bytes), indexed by PASID[5:0] */
#define VTD_PASID_ENTRY_SIZE 64
#define VTD_PE_P          (1ull << 0)   /* qword 0 */
#define VTD_PE_FPD        (1ull << 1)
#define VTD_PE_AW(q0)     (((q0) >> 2) & 7) /* second level: 1 3-level, 2 4-level, 3 5-level */
#define VTD_PE_AW_SHIFT   2
#define VTD_PE_PGTT(q0)   (((q0) >> 6) & 7)
#define VTD_PE_PGTT_SHIFT 6
#define  VTD_PGTT_FL      1 /* first-level only */
#define  VTD_PGTT_SL      2 /* second-level only */
#define  VTD_PGTT_NESTED  3
#define  VTD_PGTT_PT      4 /* pass-through */
#define VTD_PE_Q0_RSVD    0xc00ull
#define VTD_PE_SLPTPTR    (~0xfffull)
#define VTD_PE_DID(q1)    ((uint16_t)((q1) & 0xffff)) /* qword 1 */
#define VTD_PE_Q1_RSVD    0x7f0000ull
#define VTD_PE_SRE        (1ull << 0)   /* qword 2: supervisor requests enable */
#define VTD_PE_FLPM(q2)   (((q2) >> 2) & 3) /* 0: 4-level, 1: 5-level */
#define VTD_PE_FLPM_SHIFT 2
#define VTD_PE_Q2_RSVD    0xf00ull
#define VTD_PE_FLPTPTR    (~0xfffull)
#define VTD_PASID_DIR_SHIFT 6 /* PASID[19:6] picks the directory entry */

/* First-level paging entry (x86 4/5-level), §9.7 */
#define VTD_FL_P          (1ull << 0)
#define VTD_FL_RW         (1ull << 1)
#define VTD_FL_US         (1ull << 2)
#define VTD_FL_A          (1ull << 5)
#define VTD_FL_D          (1ull << 6)
#define VTD_FL_PS         (1ull << 7)
#define VTD_FL_ADDR       0x000ffffffffff000ull
#define VTD_FL_XD         (1ull << 63)
/* Second-level paging entry, §9.8 */
#define VTD_SL_R          (1ull << 0)
#define VTD_SL_W          (1ull << 1)
#define VTD_SL_X          (1ull << 2)
#define VTD_SL_PS         (1ull << 7)
#define VTD_SL_SNP        (1ull << 11)
#define VTD_SL_ADDR       0x000ffffffffff000ull
#define VTD_SL_TM         (1ull << 62)
#define VTD_SL_RSVD_LEAF  (1ull << 62)  /* reserved in scalable-mode SL entries (§9.8) */

/* Invalidation descriptors (128-bit), §6.5.2 */
#define QI_TYPE(lo)        ((lo) & 0xf)
#define QI_CC_TYPE         0x1
#define QI_IOTLB_TYPE      0x2
#define QI_DIOTLB_TYPE     0x3
#define QI_IEC_TYPE        0x4
#define QI_IWD_TYPE        0x5
#define QI_PIOTLB_TYPE     0x6 /* PASID-based IOTLB */
#define QI_PC_TYPE         0x7 /* PASID cache */
#define QI_PDIOTLB_TYPE    0x8 /* PASID-based device-TLB */
/* The type is bits 3:0 with bits 11:9 as its high part (§6.5.2). */
#define QI_TYPE_FULL(lo)   (((lo) & 0xf) | (((lo) >> 5) & 0x70))
#define QI_GRAN(lo)        (((lo) >> 4) & 3)
#define QI_CC_DID(lo)      (((lo) >> 16) & 0xffff)
#define QI_CC_SID(lo)      (((lo) >> 32) & 0xffff)
#define QI_CC_FM(lo)       (((lo) >> 48) & 3)
#define QI_IOTLB_DR        (1ull << 7)
#define QI_IOTLB_DW        (1ull << 6)
#define QI_IOTLB_DID(lo)   (((lo) >> 16) & 0xffff)
#define QI_IOTLB_AM(hi)    ((hi) & 0x3f)
#define QI_IOTLB_IH        (1ull << 6)
#define QI_IOTLB_ADDR      (~0xfffull)
#define QI_DEV_SID(lo)     (((lo) >> 32) & 0xffff)  /* device-TLB, §6.5.2.5 */
#define QI_DEV_MIP(lo)     (((lo) >> 16) & 0x1f)
#define QI_DEV_SIZE        (1ull << 0)              /* hi: S, range in the address */
#define QI_PIOTLB_PASID(lo) ((uint32_t)(((lo) >> 32) & 0xfffff)) /* §6.5.2.4, §6.5.2.6 */
#define  QI_GRAN_NONG_PASID 2 /* PASID-based IOTLB: every non-global entry of a PASID */
#define  QI_GRAN_PSI_PASID  3 /* page-selective within a PASID */
#define  QI_PC_ALL_PASIDS   0 /* PASID cache: domain-selective */
#define  QI_PC_PASID_SEL    1
#define  QI_PC_GLOBAL       3
#define QI_PDEV_SID(lo)    (((lo) >> 16) & 0xffff)  /* PASID-based device-TLB, §6.5.2.7 */
#define QI_PDEV_PASID(lo)  ((uint32_t)(((lo) >> 32) & 0xfffff))
#define QI_PDEV_G          (1ull << 0)              /* hi */
#define QI_PDEV_SIZE       (1ull << 11)             /* hi */
#define QI_IEC_G_INDEX     (1ull << 4) /* 0 global, 1 index-selective */
#define QI_IEC_IM(lo)      (((lo) >> 27) & 0x1f)
#define QI_IEC_IIDX(lo)    (((lo) >> 32) & 0xffff)
#define QI_IWD_IF          (1ull << 4)
#define QI_IWD_SW          (1ull << 5)
#define QI_IWD_FN          (1ull << 6)
#define QI_IWD_STDATA(lo)  ((uint32_t)((lo) >> 32))
#define QI_IWD_STADDR      (~0x3ull)
/* Granularities */
#define QI_GRAN_GLOBAL 1
#define QI_GRAN_DOMAIN 2
#define QI_GRAN_DEVICE 3 /* context cache: device; IOTLB: page */

/* Remappable MSI address/data, §5.1.2.2 */
#define IR_MSI_FORMAT        (1u << 4)  /* 1: remappable */
#define IR_MSI_SHV           (1u << 3)
#define IR_MSI_HANDLE(a)     ((((a) >> 5) & 0x7fff) | (((a) >> 2) & 1) << 15)
/* Compatibility-format MSI, Intel SDM vol. 3 §10.11 */
#define MSI_ADDR_BASE        0xfee00000u
#define MSI_ADDR_DEST(a)     (((a) >> 12) & 0xff)
#define MSI_ADDR_RH          (1u << 3)
#define MSI_ADDR_DM          (1u << 2)
#define MSI_DATA_VECTOR(d)   ((d) & 0xff)
#define MSI_DATA_DLM(d)      (((d) >> 8) & 7)
#define MSI_DATA_LEVEL       (1u << 14)
#define MSI_DATA_TRIGGER     (1u << 15)

/* IRTE, §9.10 (remapped) and §9.11 (posted): two 64-bit halves */
#define IRTE_P             (1ull << 0)
#define IRTE_FPD           (1ull << 1)
#define IRTE_DM            (1ull << 2)
#define IRTE_RH            (1ull << 3)
#define IRTE_TM            (1ull << 4)
#define IRTE_DLM_SHIFT     5
#define IRTE_URG           (1ull << 14)  /* posted */
#define IRTE_IM            (1ull << 15)  /* 1: posted format */
#define IRTE_V_SHIFT       16            /* vector (remapped) / virtual vector (posted) */
#define IRTE_DST_SHIFT     32            /* remapped: destination, xAPIC ID in 47:40 */
#define IRTE_PDA_LO_MASK   0xffffffc000000000ull /* posted: descriptor address 63:38 */
#define IRTE_LO_RSVD_REMAP 0x00000000ff007000ull /* 14:12 and 31:24 */
#define IRTE_LO_RSVD_XAPIC 0xffff00ff00000000ull /* destination 39:32 and 63:48 with EIME=0 */
#define IRTE_LO_RSVD_POST  0x0000003fff0030fcull /* posted: 7:2, 13:12, 37:24 */
#define IRTE_HI_RSVD_REMAP 0xfffffffffff00000ull /* 127:84 */
#define IRTE_HI_RSVD_POST  0x00000000fff00000ull /* 95:84 */
#define IR_MSI_DATA_RSVD   0xffff0000u           /* remappable: data 31:16 (§5.1.2.2) */
#define IRTE_HI_SID(h)     ((h) & 0xffff)
#define IRTE_HI_SQ(h)      (((h) >> 16) & 3)
#define IRTE_HI_SVT(h)     (((h) >> 18) & 3)
#define  IRTE_SVT_NONE     0
#define  IRTE_SVT_SID      1
#define  IRTE_SVT_BUS      2
#define IRTE_HI_PDA_HI(h)  ((h) >> 32)   /* posted: descriptor address 127:96 */

/* Posted-interrupt descriptor, §9.12: 64 bytes */
#define PID_PIR_OFF   0     /* 256 bits */
#define PID_CTRL_OFF  32    /* bits 319:256: ON 0, SN 1, NV 15:8, NDST 63:32 */
#define PID_ON        (1ull << 0)
#define PID_SN        (1ull << 1)
#define PID_NV(c)     (((c) >> 8) & 0xff)
#define PID_NV_SHIFT  8
#define PID_NDST(c)   ((uint32_t)((c) >> 32))
#define PID_SIZE      64

/* ACPI DMAR table, VT-d ch. 8 */
#define ACPI_DMAR_SIG          "DMAR"
#define ACPI_DMAR_HDR_SIZE     48   /* 36-byte ACPI header + width, flags, 10 reserved */
#define ACPI_DMAR_INTR_REMAP   0x01 /* flags */
#define ACPI_DMAR_X2APIC_OPT_OUT 0x02
#define ACPI_DMAR_DMA_CTRL_PLATFORM_OPT_IN 0x04
#define ACPI_DMAR_TYPE_DRHD    0
#define ACPI_DMAR_TYPE_RMRR    1
#define ACPI_DMAR_TYPE_ATSR    2
#define ACPI_DMAR_TYPE_RHSA    3
#define ACPI_DMAR_TYPE_ANDD    4
#define ACPI_DMAR_TYPE_SATC    5
#define ACPI_DRHD_INCLUDE_PCI_ALL 0x01
#define ACPI_ATSR_ALL_PORTS    0x01
#define ACPI_DMAR_SCOPE_ENDPOINT 1
#define ACPI_DMAR_SCOPE_BRIDGE   2 /* a bridge and its sub-hierarchy */
#define ACPI_DMAR_SCOPE_IOAPIC   3
#define ACPI_DMAR_SCOPE_HPET     4

#endif
