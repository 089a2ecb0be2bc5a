/* SPDX-License-Identifier: MIT */
/*
 * Intel VT-d register set and in-memory structures.
 * Intel Virtualization Technology for Directed I/O, Architecture Specification rev. 3.x:
 * registers §11.4, root/context entries §9.1-9.4, second-level entries §9.8, invalidation
 * descriptors §6.5.2, fault recording §7.3, IRTEs §9.10-9.11, posted descriptor §9.12.
 * Names follow Linux's include/linux/intel-iommu.h where it has them.
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
#define DMAR_IQER_REG    0xb0
#define DMAR_IRTA_REG    0xb8
#define DMAR_REG_SIZE    0x1000

/* Where this model places the IOTLB and fault-recording registers (CAP.FRO, ECAP.IRO in
 * 16-byte units, §11.4.2-11.4.3). */
#define PTSIM_VTD_FRO      0x40 /* fault records at 0x400 */
#define PTSIM_VTD_IRO      0x50 /* IVA at 0x500, IOTLB at 0x508 */

/* CAP, §11.4.2 */
#define CAP_ND(c)        ((c) & 0x7)           /* domains: 2^(4 + 2*ND) */
#define  CAP_RWBF        (1ull << 4)
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
#define  ECAP_PASID      (1ull << 40)
#define  ECAP_SMTS       (1ull << 43)
#define  ECAP_SLTS       (1ull << 46)
#define  ECAP_FLTS       (1ull << 47)

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
#define DMA_GCMD_PERSIST (DMA_GCMD_TE | DMA_GCMD_QIE | DMA_GCMD_IRE | DMA_GCMD_CFI)

/* RTADDR, §11.4.6 */
#define DMA_RTADDR_TTM_SHIFT 10
#define DMA_RTADDR_TTM_MASK  (3ull << 10) /* 00 legacy, 01 scalable */
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
#define DMA_FSTS_IQE  (1u << 4)
#define DMA_FSTS_ICE  (1u << 5)
#define DMA_FSTS_ITE  (1u << 6)
#define DMA_FSTS_FRI_SHIFT 8
#define DMA_FECTL_IM  (1u << 31)
#define DMA_FECTL_IP  (1u << 30)

/* Fault recording register: 128 bits, as two 64-bit halves, §11.4.14 */
#define DMA_FRCD_LO_FI_MASK  (~0xfffull)        /* faulting page address */
#define DMA_FRCD_HI_SID(h)   ((h) & 0xffff)
#define DMA_FRCD_HI_FR_SHIFT 32                  /* fault reason, bits 103:96 */
#define DMA_FRCD_HI_T        (1ull << 62)        /* 1: read request, 0: write */
#define DMA_FRCD_HI_F        (1ull << 63)        /* fault recorded (RW1C) */

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
#define VTD_FR_TT_BLOCKED       0xd
#define VTD_FR_IR_RSVD_REQ      0x20
#define VTD_FR_IR_INDEX_OVER    0x21
#define VTD_FR_IR_NOT_PRESENT   0x22
#define VTD_FR_IR_TABLE_ACCESS  0x23
#define VTD_FR_IR_IRTE_RSVD     0x24
#define VTD_FR_IR_COMPAT_BLOCK  0x25
#define VTD_FR_IR_SID_MISMATCH  0x26

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

/* Second-level paging entry, §9.8 */
#define VTD_SL_R          (1ull << 0)
#define VTD_SL_W          (1ull << 1)
#define VTD_SL_X          (1ull << 2)
#define VTD_SL_PS         (1ull << 7)
#define VTD_SL_SNP        (1ull << 11)
#define VTD_SL_ADDR       0x000ffffffffff000ull
#define VTD_SL_TM         (1ull << 62)

/* Invalidation descriptors (128-bit), §6.5.2 */
#define QI_TYPE(lo)        ((lo) & 0xf)
#define QI_CC_TYPE         0x1
#define QI_IOTLB_TYPE      0x2
#define QI_DIOTLB_TYPE     0x3
#define QI_IEC_TYPE        0x4
#define QI_IWD_TYPE        0x5
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

#endif
