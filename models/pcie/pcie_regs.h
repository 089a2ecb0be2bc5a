/* SPDX-License-Identifier: MIT */
/*
 * PCI/PCIe configuration space layout: PCI Local Bus 3.0 ch. 6 (headers), PCI Express Base
 * Specification 5.0 ch. 7 (capabilities). Names follow Linux's include/uapi/linux/pci_regs.h.
 */
#ifndef PTSIM_PCIE_REGS_H
#define PTSIM_PCIE_REGS_H

#include <stdint.h>

/* Encoders next to decoders for every multi-bit field defined by its mask (Linux's
 * FIELD_PREP / FIELD_GET of <linux/bitfield.h>): PCI_FIELD_PREP(PCI_EXP_LNKCAP_MLW, 8). */
#define PCI_FIELD_SHIFT(mask)     ((unsigned)__builtin_ctzll((uint64_t)(mask)))
#define PCI_FIELD_PREP(mask, val) (((uint64_t)(val) << PCI_FIELD_SHIFT(mask)) & (uint64_t)(mask))
#define PCI_FIELD_GET(mask, reg)  (((uint64_t)(reg) & (uint64_t)(mask)) >> PCI_FIELD_SHIFT(mask))

#define PCI_CFG_SPACE_SIZE     256
#define PCI_CFG_SPACE_EXP_SIZE 4096

/* Common header, PCI 3.0 §6.1 */
#define PCI_VENDOR_ID     0x00
#define PCI_DEVICE_ID     0x02
#define PCI_COMMAND       0x04
#define  PCI_COMMAND_IO           0x0001
#define  PCI_COMMAND_MEMORY       0x0002
#define  PCI_COMMAND_MASTER       0x0004
#define  PCI_COMMAND_PARITY       0x0040
#define  PCI_COMMAND_SERR         0x0100
#define  PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS        0x06
#define  PCI_STATUS_INTERRUPT 0x0008
#define  PCI_STATUS_CAP_LIST  0x0010
#define  PCI_STATUS_REC_MASTER_ABORT 0x2000 /* RW1C */
#define PCI_CLASS_REVISION 0x08
#define PCI_REVISION_ID   0x08
#define PCI_CLASS_PROG    0x09
#define PCI_CLASS_DEVICE  0x0a
#define PCI_CACHE_LINE_SIZE 0x0c
#define PCI_LATENCY_TIMER 0x0d
#define PCI_HEADER_TYPE   0x0e
#define  PCI_HEADER_TYPE_NORMAL 0x00
#define  PCI_HEADER_TYPE_BRIDGE 0x01
#define  PCI_HEADER_TYPE_MFD    0x80
#define PCI_BIST          0x0f

/* Type 0 header */
#define PCI_BASE_ADDRESS_0 0x10
#define PCI_BASE_ADDRESS_1 0x14
#define PCI_BASE_ADDRESS_2 0x18
#define PCI_BASE_ADDRESS_3 0x1c
#define PCI_BASE_ADDRESS_4 0x20
#define PCI_BASE_ADDRESS_5 0x24
#define  PCI_BASE_ADDRESS_SPACE_IO     0x01
#define  PCI_BASE_ADDRESS_MEM_TYPE_64  0x04
#define  PCI_BASE_ADDRESS_MEM_PREFETCH 0x08
#define  PCI_BASE_ADDRESS_MEM_MASK     (~0x0fULL)
#define  PCI_BASE_ADDRESS_IO_MASK      (~0x03ULL)
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID        0x2e
#define PCI_ROM_ADDRESS         0x30
#define PCI_CAPABILITY_LIST     0x34
#define PCI_INTERRUPT_LINE      0x3c
#define PCI_INTERRUPT_PIN       0x3d

/* Type 1 header (bridges), PCI-to-PCI Bridge 1.2 §3.2 */
#define PCI_PRIMARY_BUS     0x18
#define PCI_SECONDARY_BUS   0x19
#define PCI_SUBORDINATE_BUS 0x1a
#define PCI_IO_BASE         0x1c
#define PCI_IO_LIMIT        0x1d
#define  PCI_IO_RANGE_TYPE_MASK 0x0f
#define  PCI_IO_RANGE_TYPE_16   0x00
#define  PCI_IO_RANGE_TYPE_32   0x01
#define  PCI_IO_RANGE_MASK      (~0x0fu)
#define PCI_SEC_STATUS      0x1e
#define PCI_MEMORY_BASE     0x20
#define PCI_MEMORY_LIMIT    0x22
#define PCI_PREF_MEMORY_BASE  0x24
#define PCI_PREF_MEMORY_LIMIT 0x26
#define PCI_PREF_BASE_UPPER32  0x28
#define PCI_PREF_LIMIT_UPPER32 0x2c
#define PCI_IO_BASE_UPPER16  0x30
#define PCI_IO_LIMIT_UPPER16 0x32
#define PCI_BRIDGE_CONTROL  0x3e
#define  PCI_BRIDGE_CTL_PARITY 0x01
#define  PCI_BRIDGE_CTL_SERR   0x02
#define  PCI_BRIDGE_CTL_BUS_RESET 0x40

/* Capability IDs */
#define PCI_CAP_ID_PM    0x01
#define PCI_CAP_ID_MSI   0x05
#define PCI_CAP_ID_VNDR  0x09
#define PCI_CAP_ID_EXP   0x10
#define PCI_CAP_ID_MSIX  0x11
#define PCI_CAP_LIST_NEXT 1

/* Power management, PCI PM 1.2 ch. 3 */
#define PCI_PM_PMC   2
#define PCI_PM_CTRL  4
#define  PCI_PM_CTRL_STATE_MASK 0x0003
#define PCI_PM_SIZEOF 8

/* MSI, PCI 3.0 §6.8.1 */
#define PCI_MSI_FLAGS        2
#define  PCI_MSI_FLAGS_ENABLE  0x0001
#define  PCI_MSI_FLAGS_QMASK   0x000e /* Multiple Message Capable */
#define  PCI_MSI_FLAGS_QSIZE   0x0070 /* Multiple Message Enable */
#define  PCI_MSI_FLAGS_64BIT   0x0080
#define  PCI_MSI_FLAGS_MASKBIT 0x0100 /* per-vector masking */
#define PCI_MSI_ADDRESS_LO   4
#define PCI_MSI_ADDRESS_HI   8  /* 64-bit capable functions only */
#define PCI_MSI_DATA_32      8
#define PCI_MSI_DATA_64      12
#define PCI_MSI_MASK_64      16
#define PCI_MSI_PENDING_64   20
#define PCI_CAP_MSI_SIZEOF_32   10 /* no 64-bit address, no masking */
#define PCI_CAP_MSI_SIZEOF_64   14
#define PCI_CAP_MSI_SIZEOF_64_M 24 /* 64-bit with per-vector masking */

/* MSI-X, PCI 3.0 §6.8.2 */
#define PCI_MSIX_FLAGS       2
#define  PCI_MSIX_FLAGS_QSIZE  0x07ff
#define  PCI_MSIX_FLAGS_MASKALL 0x4000
#define  PCI_MSIX_FLAGS_ENABLE 0x8000
#define PCI_MSIX_TABLE       4
#define  PCI_MSIX_TABLE_BIR    0x7
#define  PCI_MSIX_TABLE_OFFSET (~0x7u)
#define PCI_MSIX_PBA         8
#define  PCI_MSIX_PBA_BIR      0x7
#define PCI_CAP_MSIX_SIZEOF  12
#define PCI_MSIX_ENTRY_SIZE       16
#define PCI_MSIX_ENTRY_LOWER_ADDR 0
#define PCI_MSIX_ENTRY_UPPER_ADDR 4
#define PCI_MSIX_ENTRY_DATA       8
#define PCI_MSIX_ENTRY_VECTOR_CTRL 12
#define  PCI_MSIX_ENTRY_CTRL_MASKBIT 0x1

/* PCI Express capability, PCIe 5.0 §7.5.3 */
#define PCI_EXP_FLAGS      2
#define  PCI_EXP_FLAGS_VERS  0x000f
#define  PCI_EXP_FLAGS_TYPE  0x00f0
#define  PCI_EXP_TYPE_ENDPOINT    0x0
#define  PCI_EXP_TYPE_LEG_END     0x1
#define  PCI_EXP_TYPE_ROOT_PORT   0x4
#define  PCI_EXP_TYPE_UPSTREAM    0x5
#define  PCI_EXP_TYPE_DOWNSTREAM  0x6
#define  PCI_EXP_TYPE_PCI_BRIDGE  0x7
#define  PCI_EXP_TYPE_RC_END      0x9
#define  PCI_EXP_FLAGS_SLOT  0x0100
#define PCI_EXP_DEVCAP     4
#define  PCI_EXP_DEVCAP_PAYLOAD 0x00000007
#define  PCI_EXP_DEVCAP_RBER    0x00008000 /* role-based error reporting */
#define  PCI_EXP_DEVCAP_FLR     0x10000000
#define PCI_EXP_DEVCTL     8
#define  PCI_EXP_DEVCTL_RELAX_EN 0x0010
#define  PCI_EXP_DEVCTL_PAYLOAD 0x00e0
#define  PCI_EXP_DEVCTL_READRQ  0x7000
#define  PCI_EXP_DEVCTL_BCR_FLR 0x8000
#define PCI_EXP_DEVSTA     10
#define  PCI_EXP_DEVSTA_TRPND 0x0020
#define PCI_EXP_LNKCAP     12
#define  PCI_EXP_LNKCAP_SLS  0x0000000f
#define  PCI_EXP_LNKCAP_MLW  0x000003f0
#define  PCI_EXP_LNKCAP_DLLLARC 0x00100000
#define  PCI_EXP_LNKCAP_PN   0xff000000 /* Port Number */
#define PCI_EXP_LNKCTL     16
#define PCI_EXP_LNKSTA     18
#define  PCI_EXP_LNKSTA_CLS  0x000f
#define  PCI_EXP_LNKSTA_NLW  0x03f0
#define  PCI_EXP_LNKSTA_DLLLA 0x2000
#define PCI_EXP_SLTCAP     20
#define PCI_EXP_SLTCTL     24
#define PCI_EXP_SLTSTA     26
#define PCI_EXP_RTCTL      28
#define PCI_EXP_RTCAP      30
#define PCI_EXP_RTSTA      32
#define PCI_EXP_DEVCAP2    36
#define  PCI_EXP_DEVCAP2_ARI 0x00000020 /* ARI Forwarding Supported */
#define PCI_EXP_DEVCTL2    40
#define  PCI_EXP_DEVCTL2_ARI 0x0020 /* ARI Forwarding Enable */
#define PCI_EXP_LNKCAP2    44
#define PCI_EXP_LNKCTL2    48
#define PCI_EXP_LNKSTA2    50
#define PCI_CAP_EXP_ENDPOINT_SIZEOF_V2 52
#define PCI_CAP_EXP_RC_SIZEOF_V2       60 /* room for the slot and root registers */

/* Extended capabilities, PCIe 5.0 §7.6: a list from 0x100 in the extended space */
#define PCI_EXT_CAP_START 0x100
#define PCI_EXT_CAP_ID(h)   ((h) & 0xffff)
#define PCI_EXT_CAP_VER(h)  (((h) >> 16) & 0xf)
#define PCI_EXT_CAP_NEXT(h) (((h) >> 20) & 0xffc)
#define PCI_EXT_CAP_HDR(id, ver, next) \
	((uint32_t)((id) & 0xffff) | ((uint32_t)((ver) & 0xf) << 16) | ((uint32_t)((next) & 0xffc) << 20))
#define PCI_EXT_CAP_ID_ERR   0x0001
#define PCI_EXT_CAP_ID_ACS   0x000d
#define PCI_EXT_CAP_ID_ARI   0x000e
#define PCI_EXT_CAP_ID_ATS   0x000f
#define PCI_EXT_CAP_ID_SRIOV 0x0010
#define PCI_EXT_CAP_ID_PRI   0x0013
#define PCI_EXT_CAP_ID_PASID 0x001b
#define PCI_EXT_CAP_START    0x100
/* ATS (PCIe 5.0 §10.5.1) */
#define PCI_ATS_CAP          0x04 /* 16 bits */
#define  PCI_ATS_CAP_QDEP(c) ((c) & 0x1f) /* invalidate queue depth, 0 means 32 */
#define  PCI_ATS_CAP_PAGE_ALIGNED 0x0020
#define PCI_ATS_CTRL         0x06 /* 16 bits */
#define  PCI_ATS_CTRL_ENABLE 0x8000
#define  PCI_ATS_CTRL_STU(x) ((x) & 0x1f) /* smallest translation unit: 2^(12+STU) */
#define PCI_EXT_CAP_ATS_SIZEOF 8

/* ACS, PCIe 5.0 §7.7.8 */
#define PCI_ACS_CAP  0x04
#define  PCI_ACS_EGRESS_BITS 0xff00 /* Egress Control Vector Size (0 means 256) */
#define PCI_ACS_CTRL 0x06
#define PCI_ACS_EGRESS_CTL_V 0x08
#define  PCI_ACS_SV 0x0001
#define  PCI_ACS_TB 0x0002
#define  PCI_ACS_RR 0x0004
#define  PCI_ACS_CR 0x0008
#define  PCI_ACS_UF 0x0010
#define  PCI_ACS_EC 0x0020
#define  PCI_ACS_DT 0x0040

/* ARI, PCIe 5.0 §7.8.7 */
#define PCI_ARI_CAP  0x04
#define  PCI_ARI_CAP_MFVC 0x0001
#define  PCI_ARI_CAP_ACS  0x0002
#define  PCI_ARI_CAP_NFN(x) (((x) >> 8) & 0xff) /* Next Function Number */
#define  PCI_ARI_CAP_NFN_MASK 0xff00
#define PCI_ARI_CTRL 0x06
#define PCI_EXT_CAP_ARI_SIZEOF 8

/* SR-IOV, Single Root I/O Virtualization and Sharing 1.1 §3.3 (PCIe 5.0 §9.3.3) */
#define PCI_SRIOV_CAP        0x04
#define  PCI_SRIOV_CAP_VFM   0x00000001
#define  PCI_SRIOV_CAP_ARI_PRESERVED 0x00000002
#define PCI_SRIOV_CTRL       0x08
#define  PCI_SRIOV_CTRL_VFE  0x0001 /* VF Enable */
#define  PCI_SRIOV_CTRL_VFM  0x0002 /* VF Migration Enable */
#define  PCI_SRIOV_CTRL_INTR 0x0004
#define  PCI_SRIOV_CTRL_MSE  0x0008 /* VF Memory Space Enable */
#define  PCI_SRIOV_CTRL_ARI  0x0010 /* ARI Capable Hierarchy */
#define PCI_SRIOV_STATUS     0x0a
#define PCI_SRIOV_INITIAL_VF 0x0c
#define PCI_SRIOV_TOTAL_VF   0x0e
#define PCI_SRIOV_NUM_VF     0x10
#define PCI_SRIOV_FUNC_LINK  0x12
#define PCI_SRIOV_VF_OFFSET  0x14
#define PCI_SRIOV_VF_STRIDE  0x16
#define PCI_SRIOV_VF_DID     0x1a
#define PCI_SRIOV_SUP_PGSIZE 0x1c
#define PCI_SRIOV_SYS_PGSIZE 0x20
#define PCI_SRIOV_BAR        0x24
#define PCI_SRIOV_NUM_BARS   6
#define PCI_SRIOV_VFM        0x3c
#define PCI_EXT_CAP_SRIOV_SIZEOF 0x40

/* PASID, PCIe 5.0 §7.8.8 */
#define PCI_PASID_CAP  0x04
#define  PCI_PASID_CAP_EXEC 0x0002
#define  PCI_PASID_CAP_PRIV 0x0004
#define  PCI_PASID_CAP_WIDTH(x) (((x) >> 8) & 0x1f)
#define  PCI_PASID_CAP_WIDTH_MASK 0x1f00
#define PCI_PASID_CTRL 0x06
#define  PCI_PASID_CTRL_ENABLE 0x0001
#define  PCI_PASID_CTRL_EXEC   0x0002
#define  PCI_PASID_CTRL_PRIV   0x0004
#define PCI_EXT_CAP_PASID_SIZEOF 8

#define PCI_EXT_CAP_ACS_SIZEOF 8 /* plus the egress control vector, if any */

/* Requester/completer ID: bus[15:8] device[7:3] function[2:0]. */
#define PCI_DEVFN(slot, func) ((((slot) & 0x1f) << 3) | ((func) & 0x07))
#define PCI_SLOT(devfn)       (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn)       ((devfn) & 0x07)
#define PCI_RID(bus, devfn)   ((uint16_t)(((bus) << 8) | (devfn)))
#define PCI_BUS_NUM(rid)      (((rid) >> 8) & 0xff)

/* ECAM, PCIe 5.0 §7.2.2: bus[27:20] device[19:15] function[14:12] offset[11:0]. */
#define PCI_ECAM_OFFSET(bus, devfn, reg)                                                           \
	(((uint64_t)(bus) << 20) | ((uint64_t)(devfn) << 12) | (reg))

#endif
