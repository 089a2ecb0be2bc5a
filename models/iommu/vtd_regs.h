/* SPDX-License-Identifier: MIT */
/*
 * Intel VT-d register set and in-memory structures.
 * Intel Virtualization Technology for Directed I/O, Architecture Specification rev. 3.x:
 * registers §11.4, root/context entries §9.1-9.4 (legacy and scalable mode), PASID directory
 * and table entries §9.5-9.6, first-level and second-level paging entries §9.7-9.8,
 * invalidation descriptors §6.5.2, fault recording §7.3 and fault reasons §7.1-7.2, IRTEs
 * §9.10-9.11, posted-interrupt descriptor §9.12, the ACPI DMAR table ch. 8.
 * Names follow Linux's drivers/iommu/intel/iommu.h where it has them.
 *
 * Encoders next to decoders: DMAR_*_REG are offsets; DMA_*, CAP_*, ECAP_*, QI_*, IRTE_*, VTD_*
 * without an argument are masks and bits (Linux's names), with an argument they decode a
 * field (CAP_SAGAW(cap)); VTD_<REG>_<FIELD>(x) builds a register field from a value (QEMU's
 * VTD_CAP_SAGAW_48bit style), so that no code shifts bits by hand. In-memory structures are
 * structs of 64-bit words with inline accessors vtd_<entry>_<field>() and
 * vtd_<entry>_set_<field>(), shared by the unit and the host driver. The posted-interrupt
 * descriptor (§9.12) is defined once, in models/apic/posted_intr_regs.h; compatibility-format
 * MSIs in models/apic/msi_regs.h.
 */
#ifndef PTSIM_VTD_REGS_H
#define PTSIM_VTD_REGS_H

#include <stdbool.h>
#include <stdint.h>

#include "models/apic/msi_regs.h"
#include "models/apic/posted_intr_regs.h"

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
#define VTD_AFLOG_FLS(fls) (((uint64_t)(fls) & 7) << 9)
#define DMA_AFLOG_FLA      (~0xfffull)
#define DMA_PMEN_EPM       (1u << 31)
#define DMA_PMEN_PRS       (1u << 0)
#define DMA_IQER_IQEI_MASK 0xfull
#define DMA_IQER_IQEI(v)   ((v) & DMA_IQER_IQEI_MASK)
#define VTD_IQER_IQEI(c)   ((uint64_t)(c) & DMA_IQER_IQEI_MASK)
#define  DMA_IQEI_TAIL        1 /* IQT beyond the queue or misaligned */
#define  DMA_IQEI_FETCH       2 /* error fetching a descriptor */
#define  DMA_IQEI_TYPE        3 /* invalid descriptor type */
#define  DMA_IQEI_RSVD        4 /* reserved field set / unsupported value */
#define  DMA_IQEI_WIDTH       5 /* descriptor width invalid for the mode */
#define  DMA_IQEI_TAIL_ALIGN  6 /* 256-bit descriptors with IQT not 32-byte aligned */
#define  DMA_IQEI_TTM         7 /* descriptor invalid for the translation table mode */
#define DMA_IQER_ITESID_SHIFT 32
#define DMA_IQER_ITESID_MASK  (0xffffull << 32)
#define DMA_IQER_ITESID(v)    (((v) >> DMA_IQER_ITESID_SHIFT) & 0xffff)
#define VTD_IQER_ITESID(sid)  (((uint64_t)(sid) & 0xffff) << DMA_IQER_ITESID_SHIFT)
#define DMA_IQER_ICESID_SHIFT 48
#define DMA_IQER_ICESID(v)    (((v) >> DMA_IQER_ICESID_SHIFT) & 0xffff)
#define VTD_IQER_ICESID(sid)  (((uint64_t)(sid) & 0xffff) << DMA_IQER_ICESID_SHIFT)

/* Where this model places the IOTLB and fault-recording registers (CAP.FRO, ECAP.IRO in
 * 16-byte units, §11.4.2-11.4.3). */
#define PTSIM_VTD_FRO      0x40 /* fault records at 0x400 */
#define PTSIM_VTD_IRO      0x50 /* IVA at 0x500, IOTLB at 0x508 */

/* CAP, §11.4.2. Decoders (Linux's cap_*) and, for the multi-bit fields, the constructors the
 * model builds the register with (QEMU's VTD_CAP_*). */
#define CAP_ND(c)        ((c) & 0x7)           /* domains: 2^(4 + 2*ND) */
#define CAP_NDOMS(c)     (1u << (4 + 2 * CAP_ND(c)))
#define VTD_CAP_ND(nd)   ((uint64_t)(nd) & 0x7)
#define  CAP_AFL         (1ull << 3)           /* advanced fault logging */
#define  CAP_RWBF        (1ull << 4)           /* required write-buffer flushing */
#define  CAP_PLMR        (1ull << 5)
#define  CAP_PHMR        (1ull << 6)
#define  CAP_CM          (1ull << 7)           /* caching mode */
#define CAP_SAGAW(c)     (((c) >> 8) & 0x1f)   /* bit1 39-bit/3-level, bit2 48/4, bit3 57/5 */
#define VTD_CAP_SAGAW(s) (((uint64_t)(s) & 0x1f) << 8)
/* The SAGAW bit (of the decoded field) for a table of `levels` levels: bit n is n+2 levels. */
#define  CAP_SAGAW_LEVELS(levels) (1u << ((levels) - 2))
#define  VTD_CAP_SAGAW_39bit VTD_CAP_SAGAW(CAP_SAGAW_LEVELS(3))
#define  VTD_CAP_SAGAW_48bit VTD_CAP_SAGAW(CAP_SAGAW_LEVELS(4))
#define  VTD_CAP_SAGAW_57bit VTD_CAP_SAGAW(CAP_SAGAW_LEVELS(5))
#define CAP_MGAW(c)      ((((c) >> 16) & 0x3f) + 1)
#define VTD_CAP_MGAW(w)  ((((uint64_t)(w) - 1) & 0x3f) << 16)
#define  CAP_ZLR         (1ull << 22)
#define CAP_FRO(c)       ((((c) >> 24) & 0x3ff) * 16)    /* bytes */
#define VTD_CAP_FRO(off) ((((uint64_t)(off) / 16) & 0x3ff) << 24)
#define CAP_SLLPS(c)     (((c) >> 34) & 0xf)   /* bit0 2 MiB, bit1 1 GiB */
#define VTD_CAP_SLLPS(s) (((uint64_t)(s) & 0xf) << 34)
#define  CAP_SLLPS_2M    1u                    /* bits of the decoded field */
#define  CAP_SLLPS_1G    2u
#define  CAP_PSI         (1ull << 39)
#define CAP_NFR(c)       ((((c) >> 40) & 0xff) + 1)
#define VTD_CAP_NFR(n)   ((((uint64_t)(n) - 1) & 0xff) << 40)
#define CAP_MAMV(c)      (((c) >> 48) & 0x3f)
#define VTD_CAP_MAMV(m)  (((uint64_t)(m) & 0x3f) << 48)
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
#define ECAP_IRO(e)      ((((e) >> 8) & 0x3ff) * 16)    /* bytes */
#define VTD_ECAP_IRO(off) ((((uint64_t)(off) / 16) & 0x3ff) << 8)
#define ECAP_MHMV(e)     (((e) >> 20) & 0xf)
#define VTD_ECAP_MHMV(m) (((uint64_t)(m) & 0xf) << 20)
#define  ECAP_NEST       (1ull << 26)
#define  ECAP_PRS        (1ull << 29)
#define  ECAP_ERS        (1ull << 30)
#define  ECAP_SRS        (1ull << 31)
#define ECAP_PSS(e)      (((e) >> 35) & 0x1f) /* PASID width - 1 */
#define VTD_ECAP_PSS(p)  (((uint64_t)(p) & 0x1f) << 35)
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
/* Bits 22:0 are reserved in both (§11.4.4). */
#define DMA_GCMD_MASK    0xff800000u

/* RTADDR, §11.4.6 */
#define DMA_RTADDR_TTM_SHIFT 10
#define DMA_RTADDR_TTM_MASK  (3ull << 10) /* 00 legacy, 01 scalable, 10 reserved, 11 ADM */
#define DMA_RTADDR_TTM(v)    (((v) & DMA_RTADDR_TTM_MASK) >> DMA_RTADDR_TTM_SHIFT)
#define VTD_RTADDR_TTM(t)    (((uint64_t)(t) << DMA_RTADDR_TTM_SHIFT) & DMA_RTADDR_TTM_MASK)
#define  DMA_TTM_LEGACY      0
#define  DMA_TTM_SCALABLE    1
#define DMA_RTADDR_RTA_MASK  (~0xfffull)

/* CCMD, §11.4.7.1 */
#define DMA_CCMD_ICC        (1ull << 63)
#define DMA_CCMD_CIRG_SHIFT 61 /* 01 global, 10 domain, 11 device */
#define DMA_CCMD_CIRG(c)    (((c) >> DMA_CCMD_CIRG_SHIFT) & 3)
#define VTD_CCMD_CIRG(g)    (((uint64_t)(g) & 3) << DMA_CCMD_CIRG_SHIFT)
#define DMA_CCMD_CAIG_SHIFT 59
#define DMA_CCMD_CAIG(c)    (((c) >> DMA_CCMD_CAIG_SHIFT) & 3)
#define VTD_CCMD_CAIG(g)    (((uint64_t)(g) & 3) << DMA_CCMD_CAIG_SHIFT)
#define DMA_CCMD_FM(c)      (((c) >> 32) & 3)
#define VTD_CCMD_FM(fm)     (((uint64_t)(fm) & 3) << 32)
#define DMA_CCMD_SID(c)     (((c) >> 16) & 0xffff)
#define VTD_CCMD_SID(sid)   (((uint64_t)(sid) & 0xffff) << 16)
#define DMA_CCMD_DID(c)     ((c) & 0xffff)
#define VTD_CCMD_DID(did)   ((uint64_t)(did) & 0xffff)

/* IOTLB register (at IRO*16 + 8) and IVA (at IRO*16), §11.4.8 */
#define DMA_TLB_IVT         (1ull << 63)
#define DMA_TLB_IIRG_SHIFT  60 /* 01 global, 10 domain, 11 page */
#define DMA_TLB_IIRG(v)     (((v) >> DMA_TLB_IIRG_SHIFT) & 3)
#define VTD_TLB_IIRG(g)     (((uint64_t)(g) & 3) << DMA_TLB_IIRG_SHIFT)
#define DMA_TLB_IAIG_SHIFT  57
#define DMA_TLB_IAIG(v)     (((v) >> DMA_TLB_IAIG_SHIFT) & 3)
#define VTD_TLB_IAIG(g)     (((uint64_t)(g) & 3) << DMA_TLB_IAIG_SHIFT)
#define DMA_TLB_DR          (1ull << 49)
#define DMA_TLB_DW          (1ull << 48)
#define DMA_TLB_DID(v)      (((v) >> 32) & 0xffff)
#define VTD_TLB_DID(did)    (((uint64_t)(did) & 0xffff) << 32)
#define DMA_IVA_AM(v)       ((v) & 0x3f)
#define VTD_IVA_AM(am)      ((uint64_t)(am) & 0x3f)
#define DMA_IVA_IH          (1ull << 6)
#define DMA_IVA_ADDR        (~0xfffull)
#define DMA_IVA_RSVD        0xf80ull /* 11:7 */

/* FSTS, FECTL, §11.4.9 */
#define DMA_FSTS_PFO  (1u << 0)
#define DMA_FSTS_PPF  (1u << 1)
#define DMA_FSTS_AFO  (1u << 2)
#define DMA_FSTS_APF  (1u << 3)
#define DMA_FSTS_IQE  (1u << 4)
#define DMA_FSTS_ICE  (1u << 5)
#define DMA_FSTS_ITE  (1u << 6)
#define DMA_FSTS_FRI_SHIFT 8
#define DMA_FSTS_FRI_MASK  (0xffu << 8)
#define DMA_FSTS_FRI(v)    (((v) & DMA_FSTS_FRI_MASK) >> DMA_FSTS_FRI_SHIFT)
#define VTD_FSTS_FRI(i)    (((uint32_t)(i) << DMA_FSTS_FRI_SHIFT) & DMA_FSTS_FRI_MASK)
/* Status fields that are interrupt conditions; setting one while any is set is not a new
 * condition (FECTL.IP, §11.4.9.2). */
#define DMA_FSTS_EVENTS (DMA_FSTS_PFO | DMA_FSTS_PPF | DMA_FSTS_AFO | DMA_FSTS_APF | \
			 DMA_FSTS_IQE | DMA_FSTS_ICE | DMA_FSTS_ITE)
#define DMA_FECTL_IM  (1u << 31)
#define DMA_FECTL_IP  (1u << 30)

/* Fault recording register: 128 bits, as two 64-bit halves, §11.4.14; the accessors are with
 * the in-memory structures below (the advanced fault log holds the same records). */
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
#define VTD_IQA_QS(qs)   ((uint64_t)(qs) & 0x7)
#define DMA_IQA_DW       (1ull << 11)   /* 256-bit descriptors */
#define DMA_IQA_BASE     (~0xfffull)
#define DMA_IQ_SHIFT     4              /* head/tail in 16-byte units, bits 18:4 */
#define DMA_IQ_MASK      0x7fff0ull
/* IQH/IQT hold the byte offset of a descriptor in the queue (index x 16, or x 32 with DW). */
#define DMA_IQ_OFFSET(v)  ((v) & DMA_IQ_MASK)
#define VTD_IQ_OFFSET(b)  ((uint64_t)(b) & DMA_IQ_MASK)
#define DMA_ICS_IWC      (1u << 0)
#define DMA_IECTL_IM     (1u << 31)
#define DMA_IECTL_IP     (1u << 30)

/* IRTA, §11.4.11 */
#define DMA_IRTA_S(v)     ((v) & 0xf)   /* entries: 2^(S+1) */
#define DMA_IRTA_ENTRIES(v) (2u << DMA_IRTA_S(v))
#define VTD_IRTA_S(s)     ((uint64_t)(s) & 0xf)
#define DMA_IRTA_EIME     (1ull << 11)
#define DMA_IRTA_BASE     (~0xfffull)

/*
 * In-memory structures (§9, §6.5.2): arrays of little-endian 64-bit words, read and written
 * a word at a time through the memory model, with small inline accessors shared by the unit
 * (which decodes) and the host driver (which encodes). No bitfields, no packed structs.
 * Accessors are named vtd_<entry>_<field> (getters) and vtd_<entry>_set_<field> (setters).
 */

/* Second-level tables take AW = levels - 2 (§9.3 AW, §9.6 AW). */
static inline unsigned vtd_aw_to_levels(unsigned aw)
{
	return aw + 2;
}

static inline unsigned vtd_levels_to_aw(unsigned levels)
{
	return levels - 2;
}

/* Root entry (legacy), §9.1: 16 bytes, indexed by bus */
#define VTD_ROOT_ENTRY_SIZE 16
#define VTD_ROOT_P        (1ull << 0)
#define VTD_ROOT_CTP      (~0xfffull)
#define VTD_ROOT_LO_RSVD  0xffeull

struct vtd_root_entry {
	uint64_t val[2];
};
_Static_assert(sizeof(struct vtd_root_entry) == VTD_ROOT_ENTRY_SIZE, "root entry: 128 bits");

static inline bool vtd_root_present(const struct vtd_root_entry *re)
{
	return re->val[0] & VTD_ROOT_P;
}

static inline uint64_t vtd_root_ctp(const struct vtd_root_entry *re)
{
	return re->val[0] & VTD_ROOT_CTP;
}

/* Reserved bits set (the whole upper half is reserved in legacy mode). */
static inline bool vtd_root_rsvd(const struct vtd_root_entry *re)
{
	return (re->val[0] & VTD_ROOT_LO_RSVD) || re->val[1];
}

static inline void vtd_root_set_present(struct vtd_root_entry *re)
{
	re->val[0] |= VTD_ROOT_P;
}

static inline void vtd_root_set_ctp(struct vtd_root_entry *re, uint64_t ctp)
{
	re->val[0] = (re->val[0] & ~VTD_ROOT_CTP) | (ctp & VTD_ROOT_CTP);
}

/* Scalable-mode root entry, §9.2: the lower half (val[0]) points at the context table of
 * devfn 0-127, the upper half (val[1]) at that of devfn 128-255. */
#define VTD_SMROOT_P      (1ull << 0)  /* LP / UP */
#define VTD_SMROOT_CTP    (~0xfffull)  /* LCTP / UCTP */
#define VTD_SMROOT_RSVD   0xffeull

/* Which half of the entry covers devfn. */
static inline unsigned vtd_smroot_half(uint8_t devfn)
{
	return devfn >= 128;
}

static inline bool vtd_smroot_present(const struct vtd_root_entry *re, unsigned half)
{
	return re->val[half] & VTD_SMROOT_P;
}

static inline uint64_t vtd_smroot_ctp(const struct vtd_root_entry *re, unsigned half)
{
	return re->val[half] & VTD_SMROOT_CTP;
}

static inline bool vtd_smroot_rsvd(const struct vtd_root_entry *re, unsigned half)
{
	return re->val[half] & VTD_SMROOT_RSVD;
}

static inline void vtd_smroot_set_present(struct vtd_root_entry *re, unsigned half)
{
	re->val[half] |= VTD_SMROOT_P;
}

static inline void vtd_smroot_set_ctp(struct vtd_root_entry *re, unsigned half, uint64_t ctp)
{
	re->val[half] = (re->val[half] & ~VTD_SMROOT_CTP) | (ctp & VTD_SMROOT_CTP);
}

/* Context entry (legacy), §9.3: 16 bytes, indexed by devfn */
#define VTD_CTX_ENTRY_SIZE 16
#define VTD_CTX_P         (1ull << 0)
#define VTD_CTX_FPD       (1ull << 1)
#define VTD_CTX_TT_SHIFT  2
#define VTD_CTX_TT_MASK   (3ull << 2)
#define  VTD_TT_UNTRANSLATED 0 /* untranslated requests only */
#define  VTD_TT_DEVTLB       1 /* untranslated and translated (device-TLB) */
#define  VTD_TT_PASSTHROUGH  2
#define VTD_CTX_SLPTPTR   (~0xfffull)
#define VTD_CTX_LO_RSVD   0xff0ull
#define VTD_CTX_HI_AW_MASK  0x7ull    /* 1: 39-bit/3-level, 2: 48/4, 3: 57/5 */
#define VTD_CTX_HI_DID_SHIFT 8
#define VTD_CTX_HI_DID_MASK (0xffffull << 8)
#define VTD_CTX_HI_RSVD   (0xffffffffff000000ull | 0x80ull)

struct vtd_context_entry {
	uint64_t val[2];
};
_Static_assert(sizeof(struct vtd_context_entry) == VTD_CTX_ENTRY_SIZE, "context entry: 128 bits");

static inline bool vtd_ce_present(const struct vtd_context_entry *ce)
{
	return ce->val[0] & VTD_CTX_P;
}

static inline bool vtd_ce_fpd(const struct vtd_context_entry *ce)
{
	return ce->val[0] & VTD_CTX_FPD;
}

static inline unsigned vtd_ce_tt(const struct vtd_context_entry *ce)
{
	return (unsigned)((ce->val[0] & VTD_CTX_TT_MASK) >> VTD_CTX_TT_SHIFT);
}

static inline uint64_t vtd_ce_slptptr(const struct vtd_context_entry *ce)
{
	return ce->val[0] & VTD_CTX_SLPTPTR;
}

static inline unsigned vtd_ce_aw(const struct vtd_context_entry *ce)
{
	return (unsigned)(ce->val[1] & VTD_CTX_HI_AW_MASK);
}

static inline uint16_t vtd_ce_did(const struct vtd_context_entry *ce)
{
	return (uint16_t)((ce->val[1] & VTD_CTX_HI_DID_MASK) >> VTD_CTX_HI_DID_SHIFT);
}

static inline bool vtd_ce_rsvd(const struct vtd_context_entry *ce)
{
	return (ce->val[0] & VTD_CTX_LO_RSVD) || (ce->val[1] & VTD_CTX_HI_RSVD);
}

static inline void vtd_ce_set_present(struct vtd_context_entry *ce)
{
	ce->val[0] |= VTD_CTX_P;
}

static inline void vtd_ce_set_fpd(struct vtd_context_entry *ce, bool fpd)
{
	ce->val[0] = (ce->val[0] & ~VTD_CTX_FPD) | (fpd ? VTD_CTX_FPD : 0);
}

static inline void vtd_ce_set_tt(struct vtd_context_entry *ce, unsigned tt)
{
	ce->val[0] = (ce->val[0] & ~VTD_CTX_TT_MASK) | (((uint64_t)tt << VTD_CTX_TT_SHIFT) &
							   VTD_CTX_TT_MASK);
}

static inline void vtd_ce_set_slptptr(struct vtd_context_entry *ce, uint64_t pa)
{
	ce->val[0] = (ce->val[0] & ~VTD_CTX_SLPTPTR) | (pa & VTD_CTX_SLPTPTR);
}

static inline void vtd_ce_set_aw(struct vtd_context_entry *ce, unsigned aw)
{
	ce->val[1] = (ce->val[1] & ~VTD_CTX_HI_AW_MASK) | (aw & VTD_CTX_HI_AW_MASK);
}

static inline void vtd_ce_set_did(struct vtd_context_entry *ce, uint16_t did)
{
	ce->val[1] = (ce->val[1] & ~VTD_CTX_HI_DID_MASK) | ((uint64_t)did << VTD_CTX_HI_DID_SHIFT);
}

/* Scalable-mode context entry, §9.4: 256 bits (32 bytes), 128 per context table */
#define VTD_SMCTX_SIZE     32
#define VTD_SMCTX_P        (1ull << 0)
#define VTD_SMCTX_FPD      (1ull << 1)
#define VTD_SMCTX_DTE      (1ull << 2)  /* device-TLB (ATS) enable */
#define VTD_SMCTX_PASIDE   (1ull << 3)  /* requests with PASID allowed */
#define VTD_SMCTX_PRE      (1ull << 4)
#define VTD_SMCTX_PDTS_SHIFT 9          /* directory entries: 2^(PDTS + 7) */
#define VTD_SMCTX_PDTS_MASK (7ull << 9)
#define VTD_SMCTX_PASIDDIRPTR (~0xfffull)
#define VTD_SMCTX_LO_RSVD  0x1e0ull
#define VTD_SMCTX_RID_PASID_MASK 0xfffffull /* qword 1 */
#define VTD_SMCTX_RID_PRIV (1ull << 20)
#define VTD_SMCTX_Q1_RSVD  (~0x1fffffull)

struct vtd_sm_context_entry {
	uint64_t val[4];
};
_Static_assert(sizeof(struct vtd_sm_context_entry) == VTD_SMCTX_SIZE,
	       "scalable-mode context entry: 256 bits");

static inline bool vtd_smce_present(const struct vtd_sm_context_entry *ce)
{
	return ce->val[0] & VTD_SMCTX_P;
}

static inline bool vtd_smce_fpd(const struct vtd_sm_context_entry *ce)
{
	return ce->val[0] & VTD_SMCTX_FPD;
}

static inline bool vtd_smce_dte(const struct vtd_sm_context_entry *ce)
{
	return ce->val[0] & VTD_SMCTX_DTE;
}

static inline bool vtd_smce_paside(const struct vtd_sm_context_entry *ce)
{
	return ce->val[0] & VTD_SMCTX_PASIDE;
}

static inline bool vtd_smce_pre(const struct vtd_sm_context_entry *ce)
{
	return ce->val[0] & VTD_SMCTX_PRE;
}

static inline unsigned vtd_smce_pdts(const struct vtd_sm_context_entry *ce)
{
	return (unsigned)((ce->val[0] & VTD_SMCTX_PDTS_MASK) >> VTD_SMCTX_PDTS_SHIFT);
}

/* How many PASID-directory entries the context allows: 2^(PDTS + 7). */
static inline uint32_t vtd_smce_pasid_dir_entries(const struct vtd_sm_context_entry *ce)
{
	return 1u << (vtd_smce_pdts(ce) + 7);
}

static inline uint64_t vtd_smce_pasid_dir(const struct vtd_sm_context_entry *ce)
{
	return ce->val[0] & VTD_SMCTX_PASIDDIRPTR;
}

static inline uint32_t vtd_smce_rid_pasid(const struct vtd_sm_context_entry *ce)
{
	return (uint32_t)(ce->val[1] & VTD_SMCTX_RID_PASID_MASK);
}

static inline bool vtd_smce_rsvd(const struct vtd_sm_context_entry *ce)
{
	return (ce->val[0] & VTD_SMCTX_LO_RSVD) || (ce->val[1] & VTD_SMCTX_Q1_RSVD) ||
	       ce->val[2] || ce->val[3];
}

static inline void vtd_smce_set_present(struct vtd_sm_context_entry *ce)
{
	ce->val[0] |= VTD_SMCTX_P;
}

static inline void vtd_smce_set_fpd(struct vtd_sm_context_entry *ce, bool fpd)
{
	ce->val[0] = (ce->val[0] & ~VTD_SMCTX_FPD) | (fpd ? VTD_SMCTX_FPD : 0);
}

static inline void vtd_smce_set_dte(struct vtd_sm_context_entry *ce, bool dte)
{
	ce->val[0] = (ce->val[0] & ~VTD_SMCTX_DTE) | (dte ? VTD_SMCTX_DTE : 0);
}

static inline void vtd_smce_set_paside(struct vtd_sm_context_entry *ce, bool paside)
{
	ce->val[0] = (ce->val[0] & ~VTD_SMCTX_PASIDE) | (paside ? VTD_SMCTX_PASIDE : 0);
}

static inline void vtd_smce_set_pdts(struct vtd_sm_context_entry *ce, unsigned pdts)
{
	ce->val[0] = (ce->val[0] & ~VTD_SMCTX_PDTS_MASK) |
		     (((uint64_t)pdts << VTD_SMCTX_PDTS_SHIFT) & VTD_SMCTX_PDTS_MASK);
}

static inline void vtd_smce_set_pasid_dir(struct vtd_sm_context_entry *ce, uint64_t pa)
{
	ce->val[0] = (ce->val[0] & ~VTD_SMCTX_PASIDDIRPTR) | (pa & VTD_SMCTX_PASIDDIRPTR);
}

static inline void vtd_smce_set_rid_pasid(struct vtd_sm_context_entry *ce, uint32_t pasid)
{
	ce->val[1] = (ce->val[1] & ~VTD_SMCTX_RID_PASID_MASK) | (pasid & VTD_SMCTX_RID_PASID_MASK);
}

/* PASID directory entry, §9.5: 8 bytes, indexed by PASID[19:6] */
#define VTD_PDE_SIZE      8
#define VTD_PDE_P         (1ull << 0)
#define VTD_PDE_FPD       (1ull << 1)
#define VTD_PDE_RSVD      0xffcull
#define VTD_PDE_PTPTR     (~0xfffull)
#define VTD_PASID_DIR_SHIFT 6 /* PASID[19:6] picks the directory entry */

struct vtd_pasid_dir_entry {
	uint64_t val;
};
_Static_assert(sizeof(struct vtd_pasid_dir_entry) == VTD_PDE_SIZE, "PASID directory entry: 64 bits");

/* The directory entry and the table slot a PASID selects. */
static inline uint32_t vtd_pasid_dir_index(uint32_t pasid)
{
	return pasid >> VTD_PASID_DIR_SHIFT;
}

static inline uint32_t vtd_pasid_table_index(uint32_t pasid)
{
	return pasid & ((1u << VTD_PASID_DIR_SHIFT) - 1);
}

static inline bool vtd_pde_present(const struct vtd_pasid_dir_entry *pde)
{
	return pde->val & VTD_PDE_P;
}

static inline bool vtd_pde_fpd(const struct vtd_pasid_dir_entry *pde)
{
	return pde->val & VTD_PDE_FPD;
}

static inline uint64_t vtd_pde_table(const struct vtd_pasid_dir_entry *pde)
{
	return pde->val & VTD_PDE_PTPTR;
}

static inline bool vtd_pde_rsvd(const struct vtd_pasid_dir_entry *pde)
{
	return pde->val & VTD_PDE_RSVD;
}

static inline void vtd_pde_set_present(struct vtd_pasid_dir_entry *pde)
{
	pde->val |= VTD_PDE_P;
}

static inline void vtd_pde_set_table(struct vtd_pasid_dir_entry *pde, uint64_t pa)
{
	pde->val = (pde->val & ~VTD_PDE_PTPTR) | (pa & VTD_PDE_PTPTR);
}

/* Scalable-mode PASID-table entry, §9.6: 512 bits (64 bytes), indexed by PASID[5:0] */
#define VTD_PASID_ENTRY_SIZE 64
#define VTD_PE_P          (1ull << 0)   /* qword 0 */
#define VTD_PE_FPD        (1ull << 1)
#define VTD_PE_AW_SHIFT   2             /* second level: 1 3-level, 2 4-level, 3 5-level */
#define VTD_PE_AW_MASK    (7ull << 2)
#define VTD_PE_PGTT_SHIFT 6
#define VTD_PE_PGTT_MASK  (7ull << 6)
#define  VTD_PGTT_FL      1 /* first-level only */
#define  VTD_PGTT_SL      2 /* second-level only */
#define  VTD_PGTT_NESTED  3
#define  VTD_PGTT_PT      4 /* pass-through */
#define VTD_PE_Q0_RSVD    0xc00ull
#define VTD_PE_SLPTPTR    (~0xfffull)
#define VTD_PE_DID_MASK   0xffffull     /* qword 1 */
#define VTD_PE_Q1_RSVD    0x7f0000ull
#define VTD_PE_SRE        (1ull << 0)   /* qword 2: supervisor requests enable */
#define VTD_PE_FLPM_SHIFT 2             /* 0: 4-level, 1: 5-level */
#define VTD_PE_FLPM_MASK  (3ull << 2)
#define VTD_PE_Q2_RSVD    0xf00ull
#define VTD_PE_FLPTPTR    (~0xfffull)

struct vtd_pasid_entry {
	uint64_t val[8];
};
_Static_assert(sizeof(struct vtd_pasid_entry) == VTD_PASID_ENTRY_SIZE, "PASID entry: 512 bits");

static inline bool vtd_pe_present(const struct vtd_pasid_entry *pe)
{
	return pe->val[0] & VTD_PE_P;
}

static inline bool vtd_pe_fpd(const struct vtd_pasid_entry *pe)
{
	return pe->val[0] & VTD_PE_FPD;
}

static inline unsigned vtd_pe_aw(const struct vtd_pasid_entry *pe)
{
	return (unsigned)((pe->val[0] & VTD_PE_AW_MASK) >> VTD_PE_AW_SHIFT);
}

static inline unsigned vtd_pe_pgtt(const struct vtd_pasid_entry *pe)
{
	return (unsigned)((pe->val[0] & VTD_PE_PGTT_MASK) >> VTD_PE_PGTT_SHIFT);
}

static inline uint64_t vtd_pe_slptptr(const struct vtd_pasid_entry *pe)
{
	return pe->val[0] & VTD_PE_SLPTPTR;
}

static inline uint16_t vtd_pe_did(const struct vtd_pasid_entry *pe)
{
	return (uint16_t)(pe->val[1] & VTD_PE_DID_MASK);
}

static inline bool vtd_pe_sre(const struct vtd_pasid_entry *pe)
{
	return pe->val[2] & VTD_PE_SRE;
}

static inline unsigned vtd_pe_flpm(const struct vtd_pasid_entry *pe)
{
	return (unsigned)((pe->val[2] & VTD_PE_FLPM_MASK) >> VTD_PE_FLPM_SHIFT);
}

static inline uint64_t vtd_pe_flptptr(const struct vtd_pasid_entry *pe)
{
	return pe->val[2] & VTD_PE_FLPTPTR;
}

/* Reserved bits in the qwords the unit reads (0-2). */
static inline bool vtd_pe_rsvd(const struct vtd_pasid_entry *pe)
{
	return (pe->val[0] & VTD_PE_Q0_RSVD) || (pe->val[1] & VTD_PE_Q1_RSVD) ||
	       (pe->val[2] & VTD_PE_Q2_RSVD);
}

static inline void vtd_pe_set_present(struct vtd_pasid_entry *pe)
{
	pe->val[0] |= VTD_PE_P;
}

static inline void vtd_pe_set_fpd(struct vtd_pasid_entry *pe, bool fpd)
{
	pe->val[0] = (pe->val[0] & ~VTD_PE_FPD) | (fpd ? VTD_PE_FPD : 0);
}

static inline void vtd_pe_set_aw(struct vtd_pasid_entry *pe, unsigned aw)
{
	pe->val[0] = (pe->val[0] & ~VTD_PE_AW_MASK) | (((uint64_t)aw << VTD_PE_AW_SHIFT) &
							  VTD_PE_AW_MASK);
}

static inline void vtd_pe_set_pgtt(struct vtd_pasid_entry *pe, unsigned pgtt)
{
	pe->val[0] = (pe->val[0] & ~VTD_PE_PGTT_MASK) | (((uint64_t)pgtt << VTD_PE_PGTT_SHIFT) &
							    VTD_PE_PGTT_MASK);
}

static inline void vtd_pe_set_slptptr(struct vtd_pasid_entry *pe, uint64_t pa)
{
	pe->val[0] = (pe->val[0] & ~VTD_PE_SLPTPTR) | (pa & VTD_PE_SLPTPTR);
}

static inline void vtd_pe_set_did(struct vtd_pasid_entry *pe, uint16_t did)
{
	pe->val[1] = (pe->val[1] & ~VTD_PE_DID_MASK) | did;
}

static inline void vtd_pe_set_sre(struct vtd_pasid_entry *pe, bool sre)
{
	pe->val[2] = (pe->val[2] & ~VTD_PE_SRE) | (sre ? VTD_PE_SRE : 0);
}

static inline void vtd_pe_set_flpm(struct vtd_pasid_entry *pe, unsigned flpm)
{
	pe->val[2] = (pe->val[2] & ~VTD_PE_FLPM_MASK) | (((uint64_t)flpm << VTD_PE_FLPM_SHIFT) &
							    VTD_PE_FLPM_MASK);
}

static inline void vtd_pe_set_flptptr(struct vtd_pasid_entry *pe, uint64_t pa)
{
	pe->val[2] = (pe->val[2] & ~VTD_PE_FLPTPTR) | (pa & VTD_PE_FLPTPTR);
}

/* Paging entries: 8 bytes, 512 per 4 KiB table; level l (1: the leaf table) translates
 * address bits 12 + 9(l-1) and up (§3.5-3.6). */
#define VTD_PTE_SIZE 8

static inline unsigned vtd_level_shift(unsigned level)
{
	return 12 + 9 * (level - 1);
}

static inline unsigned vtd_level_index(uint64_t addr, unsigned level)
{
	return (unsigned)((addr >> vtd_level_shift(level)) & 511);
}

/* First-level paging entry (x86 4/5-level), §9.7 */
#define VTD_FL_P          (1ull << 0)
#define VTD_FL_RW         (1ull << 1)
#define VTD_FL_US         (1ull << 2)
#define VTD_FL_A          (1ull << 5)
#define VTD_FL_D          (1ull << 6)
#define VTD_FL_PS         (1ull << 7)
#define VTD_FL_PAT_LARGE  (1ull << 12)  /* PAT in a large-page entry, not an address bit */
#define VTD_FL_ADDR       0x000ffffffffff000ull
#define VTD_FL_XD         (1ull << 63)

struct vtd_fl_pte {
	uint64_t val;
};
_Static_assert(sizeof(struct vtd_fl_pte) == VTD_PTE_SIZE, "first-level entry: 64 bits");

static inline bool vtd_flpte_present(const struct vtd_fl_pte *p)
{
	return p->val & VTD_FL_P;
}

static inline bool vtd_flpte_rw(const struct vtd_fl_pte *p)
{
	return p->val & VTD_FL_RW;
}

static inline bool vtd_flpte_us(const struct vtd_fl_pte *p)
{
	return p->val & VTD_FL_US;
}

static inline bool vtd_flpte_ps(const struct vtd_fl_pte *p)
{
	return p->val & VTD_FL_PS;
}

static inline bool vtd_flpte_accessed(const struct vtd_fl_pte *p)
{
	return p->val & VTD_FL_A;
}

static inline bool vtd_flpte_dirty(const struct vtd_fl_pte *p)
{
	return p->val & VTD_FL_D;
}

static inline uint64_t vtd_flpte_addr(const struct vtd_fl_pte *p)
{
	return p->val & VTD_FL_ADDR;
}

/* A present entry pointing at pa; flags: VTD_FL_RW, VTD_FL_US, VTD_FL_PS, VTD_FL_A, ... */
static inline void vtd_flpte_set(struct vtd_fl_pte *p, uint64_t pa, uint64_t flags)
{
	p->val = (pa & VTD_FL_ADDR) | (flags & ~VTD_FL_ADDR) | VTD_FL_P;
}

/* Second-level paging entry, §9.8 */
#define VTD_SL_R          (1ull << 0)
#define VTD_SL_W          (1ull << 1)
#define VTD_SL_X          (1ull << 2)
#define VTD_SL_PS         (1ull << 7)
#define VTD_SL_SNP        (1ull << 11)
#define VTD_SL_ADDR       0x000ffffffffff000ull
#define VTD_SL_TM         (1ull << 62)
#define VTD_SL_RSVD_LEAF  (1ull << 62)  /* reserved in scalable-mode SL entries (§9.8) */

struct vtd_sl_pte {
	uint64_t val;
};
_Static_assert(sizeof(struct vtd_sl_pte) == VTD_PTE_SIZE, "second-level entry: 64 bits");

/* Not present: R = W = 0 (§9.8). */
static inline bool vtd_slpte_present(const struct vtd_sl_pte *p)
{
	return p->val & (VTD_SL_R | VTD_SL_W);
}

/* The rights, as VTD_SL_R | VTD_SL_W bits. */
static inline unsigned vtd_slpte_perm(const struct vtd_sl_pte *p)
{
	return (unsigned)(p->val & (VTD_SL_R | VTD_SL_W));
}

static inline bool vtd_slpte_ps(const struct vtd_sl_pte *p)
{
	return p->val & VTD_SL_PS;
}

static inline uint64_t vtd_slpte_addr(const struct vtd_sl_pte *p)
{
	return p->val & VTD_SL_ADDR;
}

static inline void vtd_slpte_clear(struct vtd_sl_pte *p)
{
	p->val = 0;
}

/* An entry pointing at pa with rights perm (VTD_SL_R | VTD_SL_W | VTD_SL_X), a large page
 * when ps. */
static inline void vtd_slpte_set(struct vtd_sl_pte *p, uint64_t pa, unsigned perm, bool ps)
{
	p->val = (pa & VTD_SL_ADDR) | (perm & (VTD_SL_R | VTD_SL_W | VTD_SL_X)) |
		 (ps ? VTD_SL_PS : 0);
}

/* Invalidation descriptors (128-bit; 256-bit with IQA.DW, the upper half zero), §6.5.2 */
#define VTD_INV_DESC_SIZE  32
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
#define QI_GRAN_SHIFT      4           /* G, bits 5:4 */
#define QI_GRAN_MASK       (3ull << 4)
#define QI_DID_SHIFT       16          /* DID 31:16 (context, IOTLB, PASID kinds) */
#define QI_DID_MASK        (0xffffull << 16)
#define QI_CC_SID_SHIFT    32          /* context cache: SID 47:32, FM 49:48 */
#define QI_CC_FM_SHIFT     48
#define QI_IOTLB_DR        (1ull << 7)
#define QI_IOTLB_DW        (1ull << 6)
#define QI_IOTLB_AM_MASK   0x3full     /* hi */
#define QI_IOTLB_IH        (1ull << 6) /* hi */
#define QI_IOTLB_ADDR      (~0xfffull) /* hi */
#define QI_DEV_SID_SHIFT   32          /* device-TLB, §6.5.2.5: SID 47:32, MIP 20:16 */
#define QI_DEV_MIP_SHIFT   16
#define QI_DEV_SIZE        (1ull << 0) /* hi: S, range in the address */
#define QI_PASID_SHIFT     32          /* PASID 51:32 (PASID-based kinds) */
#define QI_PASID_MASK      (0xfffffull << 32)
#define  QI_GRAN_NONG_PASID 2 /* PASID-based IOTLB: every non-global entry of a PASID */
#define  QI_GRAN_PSI_PASID  3 /* page-selective within a PASID */
#define  QI_PC_ALL_PASIDS   0 /* PASID cache: domain-selective */
#define  QI_PC_PASID_SEL    1
#define  QI_PC_GLOBAL       3
#define QI_PDEV_SID_SHIFT  16          /* PASID-based device-TLB, §6.5.2.7: SID 31:16 */
#define QI_PDEV_G          (1ull << 0)  /* hi */
#define QI_PDEV_SIZE       (1ull << 11) /* hi */
#define QI_IEC_G_INDEX     (1ull << 4)  /* 0 global, 1 index-selective */
#define QI_IEC_IM_SHIFT    27           /* IM 31:27, IIDX 47:32 */
#define QI_IEC_IIDX_SHIFT  32
#define QI_IWD_IF          (1ull << 4)
#define QI_IWD_SW          (1ull << 5)
#define QI_IWD_FN          (1ull << 6)
#define QI_IWD_STDATA_SHIFT 32          /* status data 63:32; hi: status address 63:2 */
#define QI_IWD_STADDR      (~0x3ull)
/* Granularities */
#define QI_GRAN_GLOBAL 1
#define QI_GRAN_DOMAIN 2
#define QI_GRAN_DEVICE 3 /* context cache: device; IOTLB: page */

struct vtd_inv_desc {
	uint64_t val[4];
};
_Static_assert(sizeof(struct vtd_inv_desc) == VTD_INV_DESC_SIZE, "invalidation descriptor: 256 bits");

static inline unsigned vtd_inv_type(const struct vtd_inv_desc *d)
{
	return (unsigned)QI_TYPE_FULL(d->val[0]);
}

static inline unsigned vtd_inv_gran(const struct vtd_inv_desc *d)
{
	return (unsigned)((d->val[0] & QI_GRAN_MASK) >> QI_GRAN_SHIFT);
}

static inline uint16_t vtd_inv_did(const struct vtd_inv_desc *d)
{
	return (uint16_t)((d->val[0] & QI_DID_MASK) >> QI_DID_SHIFT);
}

static inline uint32_t vtd_inv_pasid(const struct vtd_inv_desc *d)
{
	return (uint32_t)((d->val[0] & QI_PASID_MASK) >> QI_PASID_SHIFT);
}

/* The address fields of the IOTLB kinds (IOTLB, PASID-based IOTLB). */
static inline uint64_t vtd_inv_addr(const struct vtd_inv_desc *d)
{
	return d->val[1] & QI_IOTLB_ADDR;
}

static inline unsigned vtd_inv_am(const struct vtd_inv_desc *d)
{
	return (unsigned)(d->val[1] & QI_IOTLB_AM_MASK);
}

static inline bool vtd_inv_ih(const struct vtd_inv_desc *d)
{
	return d->val[1] & QI_IOTLB_IH;
}

static inline uint64_t vtd_inv_head(unsigned type, unsigned gran, uint16_t did)
{
	return type | (((uint64_t)gran << QI_GRAN_SHIFT) & QI_GRAN_MASK) |
	       ((uint64_t)did << QI_DID_SHIFT);
}

/* Context-cache invalidation, §6.5.2.1. */
static inline struct vtd_inv_desc vtd_inv_cc(unsigned gran, uint16_t did, uint16_t sid,
					     unsigned fm)
{
	struct vtd_inv_desc d = {{vtd_inv_head(QI_CC_TYPE, gran, did) |
				  ((uint64_t)sid << QI_CC_SID_SHIFT) |
				  ((uint64_t)(fm & 3) << QI_CC_FM_SHIFT),
				  0, 0, 0}};

	return d;
}

static inline uint16_t vtd_inv_cc_sid(const struct vtd_inv_desc *d)
{
	return (uint16_t)(d->val[0] >> QI_CC_SID_SHIFT);
}

static inline unsigned vtd_inv_cc_fm(const struct vtd_inv_desc *d)
{
	return (unsigned)((d->val[0] >> QI_CC_FM_SHIFT) & 3);
}

/* IOTLB invalidation, §6.5.2.3: 2^am pages at addr for page-selective; drain reads/writes. */
static inline struct vtd_inv_desc vtd_inv_iotlb(unsigned gran, uint16_t did, uint64_t addr,
						unsigned am, bool ih, bool dr, bool dw)
{
	struct vtd_inv_desc d = {{vtd_inv_head(QI_IOTLB_TYPE, gran, did) | (dr ? QI_IOTLB_DR : 0) |
				  (dw ? QI_IOTLB_DW : 0),
				  (addr & QI_IOTLB_ADDR) | (ih ? QI_IOTLB_IH : 0) |
				  (am & QI_IOTLB_AM_MASK),
				  0, 0}};

	return d;
}

static inline bool vtd_inv_iotlb_dr(const struct vtd_inv_desc *d)
{
	return d->val[0] & QI_IOTLB_DR;
}

static inline bool vtd_inv_iotlb_dw(const struct vtd_inv_desc *d)
{
	return d->val[0] & QI_IOTLB_DW;
}

/* PASID-based IOTLB invalidation, §6.5.2.4. */
static inline struct vtd_inv_desc vtd_inv_piotlb(unsigned gran, uint16_t did, uint32_t pasid,
						 uint64_t addr, unsigned am, bool ih)
{
	struct vtd_inv_desc d = {{vtd_inv_head(QI_PIOTLB_TYPE, gran, did) |
				  (((uint64_t)pasid << QI_PASID_SHIFT) & QI_PASID_MASK),
				  (addr & QI_IOTLB_ADDR) | (ih ? QI_IOTLB_IH : 0) |
				  (am & QI_IOTLB_AM_MASK),
				  0, 0}};

	return d;
}

/* PASID-cache invalidation, §6.5.2.2. */
static inline struct vtd_inv_desc vtd_inv_pc(unsigned gran, uint16_t did, uint32_t pasid)
{
	struct vtd_inv_desc d = {{vtd_inv_head(QI_PC_TYPE, gran, did) |
				  (((uint64_t)pasid << QI_PASID_SHIFT) & QI_PASID_MASK),
				  0, 0, 0}};

	return d;
}

/* The range an ATS invalidate request names (PCIe 5.0 §10.3.8): without S one 4 KiB page;
 * with S the lowest clear address bit from 12 up gives the size, 2^(b+1); all ones: all
 * (size 0). */
static inline void vtd_ats_range(uint64_t addr_field, bool s, uint64_t *addr, uint64_t *size)
{
	uint64_t a = addr_field & ~0xfffull;

	if (!s) {
		*addr = a;
		*size = 4096;
		return;
	}
	for (unsigned b = 12; b < 64; b++) {
		if (!(a & (1ull << b))) {
			*size = 1ull << (b + 1);
			*addr = a & ~(*size - 1);
			return;
		}
	}
	*addr = 0;
	*size = 0;
}

/* The address field with S for 2^am pages at addr (am 0: one page, no S), or everything. */
static inline uint64_t vtd_ats_addr_field(uint64_t addr, unsigned am, bool all, uint64_t s_bit)
{
	uint64_t a = addr & ~0xfffull;

	if (all)
		return ~0xfffull | s_bit;
	if (am)
		return ((a | ((1ull << (11 + am)) - 1)) & ~0xfffull) | s_bit;
	return a;
}

/* Device-TLB invalidation, §6.5.2.5. */
static inline struct vtd_inv_desc vtd_inv_dev_iotlb(uint16_t sid, uint64_t addr, unsigned am,
						    bool all)
{
	struct vtd_inv_desc d = {{QI_DIOTLB_TYPE | ((uint64_t)sid << QI_DEV_SID_SHIFT),
				  vtd_ats_addr_field(addr, am, all, QI_DEV_SIZE), 0, 0}};

	return d;
}

static inline uint16_t vtd_inv_dev_sid(const struct vtd_inv_desc *d)
{
	return (uint16_t)(d->val[0] >> QI_DEV_SID_SHIFT);
}

static inline unsigned vtd_inv_dev_mip(const struct vtd_inv_desc *d)
{
	return (unsigned)((d->val[0] >> QI_DEV_MIP_SHIFT) & 0x1f);
}

static inline void vtd_inv_dev_range(const struct vtd_inv_desc *d, uint64_t *addr,
				     uint64_t *size)
{
	vtd_ats_range(d->val[1], d->val[1] & QI_DEV_SIZE, addr, size);
}

/* PASID-based device-TLB invalidation, §6.5.2.7: G (all of the PASID's) or a range. */
static inline struct vtd_inv_desc vtd_inv_pdev_iotlb(uint16_t sid, uint32_t pasid,
						     uint64_t addr, unsigned am, bool global)
{
	struct vtd_inv_desc d = {{QI_PDIOTLB_TYPE | ((uint64_t)sid << QI_PDEV_SID_SHIFT) |
				  (((uint64_t)pasid << QI_PASID_SHIFT) & QI_PASID_MASK),
				  global ? QI_PDEV_G : vtd_ats_addr_field(addr, am, false, QI_PDEV_SIZE),
				  0, 0}};

	return d;
}

static inline uint16_t vtd_inv_pdev_sid(const struct vtd_inv_desc *d)
{
	return (uint16_t)(d->val[0] >> QI_PDEV_SID_SHIFT);
}

static inline bool vtd_inv_pdev_global(const struct vtd_inv_desc *d)
{
	return d->val[1] & QI_PDEV_G;
}

/* The range of a non-global one (size 0 for a global one). */
static inline void vtd_inv_pdev_range(const struct vtd_inv_desc *d, uint64_t *addr,
				      uint64_t *size)
{
	*addr = *size = 0;
	if (!vtd_inv_pdev_global(d))
		vtd_ats_range(d->val[1], d->val[1] & QI_PDEV_SIZE, addr, size);
}

/* Interrupt entry cache invalidation, §6.5.2.6: global, or 2^im entries from iidx. */
static inline struct vtd_inv_desc vtd_inv_iec(bool global, uint16_t iidx, unsigned im)
{
	struct vtd_inv_desc d = {{QI_IEC_TYPE | (global ? 0 : QI_IEC_G_INDEX) |
				  ((uint64_t)(im & 0x1f) << QI_IEC_IM_SHIFT) |
				  ((uint64_t)iidx << QI_IEC_IIDX_SHIFT),
				  0, 0, 0}};

	return d;
}

static inline bool vtd_inv_iec_global(const struct vtd_inv_desc *d)
{
	return !(d->val[0] & QI_IEC_G_INDEX);
}

static inline uint16_t vtd_inv_iec_iidx(const struct vtd_inv_desc *d)
{
	return (uint16_t)(d->val[0] >> QI_IEC_IIDX_SHIFT);
}

static inline unsigned vtd_inv_iec_im(const struct vtd_inv_desc *d)
{
	return (unsigned)((d->val[0] >> QI_IEC_IM_SHIFT) & 0x1f);
}

/* Invalidation wait, §6.5.2.8: flags QI_IWD_IF, QI_IWD_SW, QI_IWD_FN; with SW the unit writes
 * `data` (32 bits) to `addr` (4-byte aligned). */
static inline struct vtd_inv_desc vtd_inv_wait(uint64_t flags, uint32_t data, uint64_t addr)
{
	struct vtd_inv_desc d = {{QI_IWD_TYPE | (flags & (QI_IWD_IF | QI_IWD_SW | QI_IWD_FN)) |
				  ((uint64_t)data << QI_IWD_STDATA_SHIFT),
				  addr & QI_IWD_STADDR, 0, 0}};

	return d;
}

static inline bool vtd_inv_wait_if(const struct vtd_inv_desc *d)
{
	return d->val[0] & QI_IWD_IF;
}

static inline bool vtd_inv_wait_sw(const struct vtd_inv_desc *d)
{
	return d->val[0] & QI_IWD_SW;
}

static inline bool vtd_inv_wait_fn(const struct vtd_inv_desc *d)
{
	return d->val[0] & QI_IWD_FN;
}

static inline uint32_t vtd_inv_wait_data(const struct vtd_inv_desc *d)
{
	return (uint32_t)(d->val[0] >> QI_IWD_STDATA_SHIFT);
}

static inline uint64_t vtd_inv_wait_addr(const struct vtd_inv_desc *d)
{
	return d->val[1] & QI_IWD_STADDR;
}

/* Fault record, §11.4.14 (FRCD registers) and the advanced fault log (§7.4): 128 bits. */
#define VTD_FRCD_SIZE 16

struct vtd_fault_record {
	uint64_t val[2];
};
_Static_assert(sizeof(struct vtd_fault_record) == VTD_FRCD_SIZE, "fault record: 128 bits");

static inline uint64_t vtd_frcd_fi(const struct vtd_fault_record *r)
{
	return r->val[0] & DMA_FRCD_LO_FI_MASK;
}

static inline uint16_t vtd_frcd_sid(const struct vtd_fault_record *r)
{
	return (uint16_t)DMA_FRCD_HI_SID(r->val[1]);
}

static inline uint8_t vtd_frcd_reason(const struct vtd_fault_record *r)
{
	return (uint8_t)(r->val[1] >> DMA_FRCD_HI_FR_SHIFT);
}

static inline bool vtd_frcd_pp(const struct vtd_fault_record *r)
{
	return r->val[1] & DMA_FRCD_HI_PP;
}

static inline uint32_t vtd_frcd_pasid(const struct vtd_fault_record *r)
{
	return (uint32_t)((r->val[1] >> DMA_FRCD_HI_PV_SHIFT) & 0xfffff);
}

static inline unsigned vtd_frcd_at(const struct vtd_fault_record *r)
{
	return (unsigned)((r->val[1] >> DMA_FRCD_HI_AT_SHIFT) & 3);
}

/* T1: a read (or with T2, an atomic); clear: a write. */
static inline bool vtd_frcd_read(const struct vtd_fault_record *r)
{
	return r->val[1] & DMA_FRCD_HI_T;
}

static inline bool vtd_frcd_f(const struct vtd_fault_record *r)
{
	return r->val[1] & DMA_FRCD_HI_F;
}

/* A record: FI, SID, reason, address type; flags DMA_FRCD_HI_{T,T2,PRIV,EXE,F}. */
static inline struct vtd_fault_record vtd_frcd_make(uint64_t fi, uint16_t sid, uint8_t reason,
						    unsigned at, uint64_t flags)
{
	struct vtd_fault_record r = {
	    {fi & DMA_FRCD_LO_FI_MASK,
	     sid | ((uint64_t)reason << DMA_FRCD_HI_FR_SHIFT) |
		 ((uint64_t)(at & 3) << DMA_FRCD_HI_AT_SHIFT) |
		 (flags & (DMA_FRCD_HI_T | DMA_FRCD_HI_T2 | DMA_FRCD_HI_PRIV | DMA_FRCD_HI_EXE |
			   DMA_FRCD_HI_F))}};

	return r;
}

static inline void vtd_frcd_set_pasid(struct vtd_fault_record *r, uint32_t pasid)
{
	r->val[1] |= DMA_FRCD_HI_PP | ((uint64_t)(pasid & 0xfffff) << DMA_FRCD_HI_PV_SHIFT);
}

/* Interrupt requests carry their interrupt index in FI 63:48 (§7.3.1). */
#define VTD_FRCD_FI_IR_INDEX(index) ((uint64_t)(index) << 48)

/* Remappable MSI address/data, §5.1.2.2 (the compatibility format: msi_regs.h) */
#define IR_MSI_FORMAT        MSI_ADDR_IF_REMAP /* 1: remappable */
#define IR_MSI_SHV           (1u << 3)
#define IR_MSI_HANDLE(a)     ((((a) >> 5) & 0x7fff) | (((a) >> 2) & 1) << 15)
/* handle[14:0] in address bits 19:5, handle[15] in bit 2 */
#define VTD_IR_MSI_HANDLE(h) ((((uint32_t)(h) & 0x7fff) << 5) | ((((uint32_t)(h) >> 15) & 1) << 2))
#define IR_MSI_DATA_RSVD     0xffff0000u           /* remappable: data 31:16 */
#define IR_MSI_SUBHANDLE(d)  ((d) & 0xffff)

/* IRTE, §9.10 (remapped) and §9.11 (posted): two 64-bit halves */
#define VTD_IRTE_SIZE      16
#define IRTE_P             (1ull << 0)
#define IRTE_FPD           (1ull << 1)
#define IRTE_DM            (1ull << 2)
#define IRTE_RH            (1ull << 3)
#define IRTE_TM            (1ull << 4)
#define IRTE_DLM_SHIFT     5
#define IRTE_DLM_MASK      (7ull << 5)
#define IRTE_URG           (1ull << 14)  /* posted */
#define IRTE_IM            (1ull << 15)  /* 1: posted format */
#define IRTE_V_SHIFT       16            /* vector (remapped) / virtual vector (posted) */
#define IRTE_V_MASK        (0xffull << 16)
#define IRTE_DST_SHIFT     32            /* remapped: destination, xAPIC ID in 47:40 */
#define IRTE_PDA_LO_SHIFT  38            /* posted: descriptor address [31:6] in 63:38 */
#define IRTE_PDA_LO_MASK   0xffffffc000000000ull
#define IRTE_LO_RSVD_REMAP 0x00000000ff007000ull /* 14:12 and 31:24 */
#define IRTE_LO_RSVD_XAPIC 0xffff00ff00000000ull /* destination 39:32 and 63:48 with EIME=0 */
#define IRTE_LO_RSVD_POST  0x0000003fff0030fcull /* posted: 7:2, 13:12, 37:24 */
#define IRTE_HI_RSVD_REMAP 0xfffffffffff00000ull /* 127:84 */
#define IRTE_HI_RSVD_POST  0x00000000fff00000ull /* 95:84 */
#define IRTE_HI_SID_MASK   0xffffull
#define IRTE_HI_SQ_SHIFT   16
#define IRTE_HI_SVT_SHIFT  18
#define  IRTE_SVT_NONE     0
#define  IRTE_SVT_SID      1
#define  IRTE_SVT_BUS      2
#define IRTE_HI_PDA_HI_SHIFT 32          /* posted: descriptor address [63:32] in 127:96 */

struct vtd_irte {
	uint64_t val[2];
};
_Static_assert(sizeof(struct vtd_irte) == VTD_IRTE_SIZE, "IRTE: 128 bits");

static inline bool vtd_irte_present(const struct vtd_irte *e)
{
	return e->val[0] & IRTE_P;
}

static inline bool vtd_irte_fpd(const struct vtd_irte *e)
{
	return e->val[0] & IRTE_FPD;
}

/* IM: posted format (§9.11) rather than remapped (§9.10). */
static inline bool vtd_irte_im(const struct vtd_irte *e)
{
	return e->val[0] & IRTE_IM;
}

static inline bool vtd_irte_tm(const struct vtd_irte *e)
{
	return e->val[0] & IRTE_TM;
}

static inline bool vtd_irte_urg(const struct vtd_irte *e)
{
	return e->val[0] & IRTE_URG;
}

static inline unsigned vtd_irte_dlm(const struct vtd_irte *e)
{
	return (unsigned)((e->val[0] & IRTE_DLM_MASK) >> IRTE_DLM_SHIFT);
}

/* V (remapped) or VV (posted). */
static inline uint8_t vtd_irte_vector(const struct vtd_irte *e)
{
	return (uint8_t)((e->val[0] & IRTE_V_MASK) >> IRTE_V_SHIFT);
}

/* The destination APIC ID: all 32 bits with IRTA.EIME, bits 47:40 in xAPIC mode. */
static inline uint32_t vtd_irte_dst(const struct vtd_irte *e, bool x2apic)
{
	uint32_t dst = (uint32_t)(e->val[0] >> IRTE_DST_SHIFT);

	return x2apic ? dst : (dst >> 8) & 0xff;
}

static inline uint16_t vtd_irte_sid(const struct vtd_irte *e)
{
	return (uint16_t)(e->val[1] & IRTE_HI_SID_MASK);
}

static inline unsigned vtd_irte_sq(const struct vtd_irte *e)
{
	return (unsigned)((e->val[1] >> IRTE_HI_SQ_SHIFT) & 3);
}

static inline unsigned vtd_irte_svt(const struct vtd_irte *e)
{
	return (unsigned)((e->val[1] >> IRTE_HI_SVT_SHIFT) & 3);
}

/* SVT 10b: the SID field holds a bus range, the start bus in 15:8 and the end bus in 7:0. */
static inline uint8_t vtd_irte_bus_start(const struct vtd_irte *e)
{
	return (uint8_t)(vtd_irte_sid(e) >> 8);
}

static inline uint8_t vtd_irte_bus_end(const struct vtd_irte *e)
{
	return (uint8_t)vtd_irte_sid(e);
}

/* Posted: the descriptor's address (64-byte aligned). */
static inline uint64_t vtd_irte_pda(const struct vtd_irte *e)
{
	return ((e->val[0] >> IRTE_PDA_LO_SHIFT) << 6) |
	       ((e->val[1] >> IRTE_HI_PDA_HI_SHIFT) << 32);
}

static inline void vtd_irte_set_present(struct vtd_irte *e)
{
	e->val[0] |= IRTE_P;
}

static inline void vtd_irte_set_tm(struct vtd_irte *e, bool level)
{
	e->val[0] = (e->val[0] & ~IRTE_TM) | (level ? IRTE_TM : 0);
}

static inline void vtd_irte_set_dlm(struct vtd_irte *e, unsigned dlm)
{
	e->val[0] = (e->val[0] & ~IRTE_DLM_MASK) | (((uint64_t)dlm << IRTE_DLM_SHIFT) &
						     IRTE_DLM_MASK);
}

static inline void vtd_irte_set_vector(struct vtd_irte *e, uint8_t vector)
{
	e->val[0] = (e->val[0] & ~IRTE_V_MASK) | ((uint64_t)vector << IRTE_V_SHIFT);
}

/* Remapped format: the destination, as Linux's IRTE_DEST (xAPIC IDs go in bits 47:40). */
static inline void vtd_irte_set_dst(struct vtd_irte *e, uint32_t apic_id, bool x2apic)
{
	uint32_t dst = x2apic ? apic_id : (apic_id & 0xff) << 8;

	e->val[0] = (e->val[0] & ((1ull << IRTE_DST_SHIFT) - 1)) | ((uint64_t)dst << IRTE_DST_SHIFT);
}

/* Posted format: IM, URG and the descriptor address (PDA[31:6] in 63:38, PDA[63:32] in
 * 127:96). */
static inline void vtd_irte_set_posted_pda(struct vtd_irte *e, uint64_t pda, bool urgent)
{
	e->val[0] = (e->val[0] & ~(IRTE_PDA_LO_MASK | IRTE_URG)) | IRTE_IM |
		    (urgent ? IRTE_URG : 0) | (((pda & 0xffffffffull) >> 6) << IRTE_PDA_LO_SHIFT);
	e->val[1] = (e->val[1] & 0xffffffffull) | ((pda >> 32) << IRTE_HI_PDA_HI_SHIFT);
}

/* Source validation (Linux's set_irte_sid): SVT, SQ and the SID (or bus range). */
static inline void vtd_irte_set_sid(struct vtd_irte *e, unsigned svt, unsigned sq, uint16_t sid)
{
	e->val[1] = (e->val[1] & ~0xfffffull) | sid | ((uint64_t)(sq & 3) << IRTE_HI_SQ_SHIFT) |
		    ((uint64_t)(svt & 3) << IRTE_HI_SVT_SHIFT);
}

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
