/* SPDX-License-Identifier: MIT */
/*
 * NVMe controller register interface and in-memory formats, the device side: NVM Express Base
 * Specification 1.4 (§3.1 controller registers, §4.1 queues and doorbells, §4.2 submission
 * queue entries, §4.6 completion queue entries with the phase tag, §4.3 PRP entries and PRP
 * lists, §5 admin commands) and the NVM Command Set (§6 Read and Write). Names follow Linux's
 * include/linux/nvme.h. Entries are little-endian words read and written through the memory
 * model; the accessors below are the only code that shifts their bits.
 */
#ifndef PTSIM_NVME_REGS_H
#define PTSIM_NVME_REGS_H

#include <stdint.h>
#include <string.h>

#define NVME_VENDOR_ID 0x7074 /* ptsim's own (see nic_regs.h) */
#define NVME_DEVICE_ID 0x0002
#define NVME_CLASS     0x01080201 /* mass storage, NVM, NVMe I/O controller (010802), rev 1 */

/* BAR0: registers, doorbells from 0x1000, the MSI-X table and PBA on pages of their own (so
 * they can trap while the doorbells are mapped into the guest). */
#define NVME_BAR0_SIZE	0x4000
#define NVME_DB_END	0x3000
#define NVME_MSIX_TABLE 0x3000
#define NVME_MSIX_PBA	0x3800
#define NVME_MSIX_MAX	65 /* admin + 64 I/O queues */

/* Controller registers (NVMe 1.4 §3.1, Figure 78). */
#define NVME_REG_CAP   0x0000 /* Controller Capabilities, 64 bits */
#define NVME_REG_VS    0x0008 /* Version */
#define NVME_REG_INTMS 0x000c /* Interrupt Mask Set (pin and MSI only) */
#define NVME_REG_INTMC 0x0010 /* Interrupt Mask Clear */
#define NVME_REG_CC    0x0014 /* Controller Configuration */
#define NVME_REG_CSTS  0x001c /* Controller Status */
#define NVME_REG_NSSR  0x0020 /* NVM Subsystem Reset */
#define NVME_REG_AQA   0x0024 /* Admin Queue Attributes */
#define NVME_REG_ASQ   0x0028 /* Admin SQ Base Address, 64 bits */
#define NVME_REG_ACQ   0x0030 /* Admin CQ Base Address, 64 bits */
#define NVME_REG_DBS   0x1000 /* SQ 0 Tail Doorbell */

/* CAP fields (§3.1.1) with their constructors. */
#define NVME_CAP_MQES(cap)     ((uint32_t)((cap)&0xffff))	  /* max entries, 0's based */
#define NVME_CAP_TIMEOUT(cap)  ((uint32_t)(((cap) >> 24) & 0xff)) /* 500 ms units */
#define NVME_CAP_STRIDE(cap)   ((uint32_t)(((cap) >> 32) & 0xf))
#define NVME_CAP_MPSMIN(cap)   ((uint32_t)(((cap) >> 48) & 0xf))
#define NVME_CAP_MPSMAX(cap)   ((uint32_t)(((cap) >> 52) & 0xf))
#define NVME_CAP_SET_MQES(v)   ((uint64_t)((v)&0xffff))
#define NVME_CAP_CQR	       (1ull << 16) /* contiguous queues required */
#define NVME_CAP_SET_TO(v)     ((uint64_t)((v)&0xff) << 24)
#define NVME_CAP_SET_DSTRD(v)  ((uint64_t)((v)&0xf) << 32)
#define NVME_CAP_CSS_NVM       (1ull << 37) /* NVM command set */
#define NVME_CAP_SET_MPSMIN(v) ((uint64_t)((v)&0xf) << 48)
#define NVME_CAP_SET_MPSMAX(v) ((uint64_t)((v)&0xf) << 52)

#define NVME_VS(major, minor, ter) (((major) << 16) | ((minor) << 8) | (ter))

/* CC (§3.1.5) */
#define NVME_CC_ENABLE	   0x00000001u
#define NVME_CC_CSS_MASK   0x00000070u
#define NVME_CC_MPS_SHIFT  7
#define NVME_CC_MPS_MASK   0x00000780u
#define NVME_CC_AMS_MASK   0x00003800u
#define NVME_CC_SHN_MASK   0x0000c000u
#define NVME_CC_SHN_NORMAL 0x00004000u
#define NVME_CC_IOSQES(v)  ((uint32_t)(v) << 16)
#define NVME_CC_IOCQES(v)  ((uint32_t)(v) << 20)
#define NVME_CC_WRITABLE   0x00fffff1u
/* CSTS (§3.1.6) */
#define NVME_CSTS_RDY	     0x00000001u
#define NVME_CSTS_CFS	     0x00000002u
#define NVME_CSTS_SHST_CMPLT 0x00000008u
/* AQA (§3.1.8): sizes 0's based */
#define NVME_AQA_ASQS(aqa) ((uint32_t)((aqa)&0xfff))
#define NVME_AQA_ACQS(aqa) ((uint32_t)(((aqa) >> 16) & 0xfff))
#define NVME_AQA(sq, cq)   ((uint32_t)(((cq)&0xfff) << 16 | ((sq)&0xfff)))

/* Doorbells (§3.1.24, §3.1.25): SQ y Tail at 0x1000 + (2y) * (4 << DSTRD), CQ y Head at
 * 0x1000 + (2y + 1) * (4 << DSTRD). */
static inline uint32_t nvme_sq_tail_db(unsigned qid, unsigned dstrd)
{
	return NVME_REG_DBS + (2u * qid) * (4u << dstrd);
}
static inline uint32_t nvme_cq_head_db(unsigned qid, unsigned dstrd)
{
	return NVME_REG_DBS + (2u * qid + 1u) * (4u << dstrd);
}

/* Queue entry sizes: 64-byte submission entries, 16-byte completion entries (SQES 6, CQES 4). */
#define NVME_SQE_SIZE 64
#define NVME_CQE_SIZE 16
#define NVME_SQES     6
#define NVME_CQES     4

/* Submission queue entry (§4.2): dwords. CDW0: opcode 7:0, fuse 9:8, PSDT 15:14, CID 31:16. */
#define NVME_SQE_CDW0  0
#define NVME_SQE_NSID  4
#define NVME_SQE_PRP1  24
#define NVME_SQE_PRP2  32
#define NVME_SQE_CDW10 40
#define NVME_SQE_CDW11 44
#define NVME_SQE_CDW12 48
static inline uint32_t nvme_le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}
static inline uint64_t nvme_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}
static inline void nvme_put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}
static inline void nvme_put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}
static inline uint8_t nvme_sqe_opcode(const uint8_t *sqe)
{
	return sqe[0];
}
static inline uint16_t nvme_sqe_cid(const uint8_t *sqe)
{
	return (uint16_t)(nvme_le32(sqe + NVME_SQE_CDW0) >> 16);
}

/* Completion queue entry (§4.6): DW0 command specific, DW2 SQ head 15:0 and SQ ID 31:16, DW3
 * CID 15:0, phase tag 16, status field 31:17. */
#define NVME_CQE_DW0	0
#define NVME_CQE_SQHD	8
#define NVME_CQE_SQID	10
#define NVME_CQE_CID	12
#define NVME_CQE_STATUS 14 /* 16 bits: phase in bit 0, status code above */
static inline void nvme_cqe_build(uint8_t *cqe, uint32_t dw0, uint16_t sqhd, uint16_t sqid,
				  uint16_t cid, uint16_t status, unsigned phase)
{
	uint16_t st = (uint16_t)(status << 1 | (phase & 1));

	memset(cqe, 0, NVME_CQE_SIZE);
	nvme_put32(cqe + NVME_CQE_DW0, dw0);
	memcpy(cqe + NVME_CQE_SQHD, &sqhd, 2);
	memcpy(cqe + NVME_CQE_SQID, &sqid, 2);
	memcpy(cqe + NVME_CQE_CID, &cid, 2);
	memcpy(cqe + NVME_CQE_STATUS, &st, 2);
}

/* Status codes (§4.6.1.2), generic command status, with SCT 0. */
#define NVME_SC_SUCCESS		0x000
#define NVME_SC_INVALID_OPCODE	0x001
#define NVME_SC_INVALID_FIELD	0x002
#define NVME_SC_DATA_XFER_ERROR 0x004
#define NVME_SC_INVALID_NS	0x00b
#define NVME_SC_LBA_RANGE	0x080
/* command specific (SCT 1) */
#define NVME_SC_CQ_INVALID     0x100
#define NVME_SC_QID_INVALID    0x101
#define NVME_SC_QUEUE_SIZE     0x102
#define NVME_SC_INVALID_VECTOR 0x108
#define NVME_SC_DNR	       0x4000

/* Admin opcodes (§5) */
#define nvme_admin_delete_sq	0x00
#define nvme_admin_create_sq	0x01
#define nvme_admin_delete_cq	0x04
#define nvme_admin_create_cq	0x05
#define nvme_admin_identify	0x06
#define nvme_admin_set_features 0x09
#define NVME_FEAT_NUM_QUEUES	0x07
#define NVME_ID_CNS_NS		0x00
#define NVME_ID_CNS_CTRL	0x01
/* Create I/O CQ (§5.3) CDW11: PC bit 0, IEN bit 1, IV 31:16; Create I/O SQ (§5.4) CDW11: PC
 * bit 0, QPRIO 2:1, CQID 31:16; both CDW10: QID 15:0, QSIZE 31:16 (0's based). */
#define NVME_QUEUE_PHYS_CONTIG 0x1u
#define NVME_CQ_IRQ_ENABLED    0x2u
#define NVME_CDW10_QID(v)      ((uint16_t)((v)&0xffff))
#define NVME_CDW10_QSIZE(v)    ((uint16_t)((v) >> 16))
#define NVME_CDW11_IV(v)       ((uint16_t)((v) >> 16))
#define NVME_CDW11_CQID(v)     ((uint16_t)((v) >> 16))

/* NVM command set (§6): Read and Write; CDW10-11 SLBA, CDW12 NLB 15:0 (0's based). */
#define nvme_cmd_flush 0x00
#define nvme_cmd_write 0x01
#define nvme_cmd_read  0x02

/* Identify data (§5.15.2): controller and namespace structures, 4096 bytes. */
#define NVME_IDENTIFY_SIZE 4096
#define NVME_ID_CTRL_VID   0
#define NVME_ID_CTRL_SSVID 2
#define NVME_ID_CTRL_SN	   4  /* 20 ASCII */
#define NVME_ID_CTRL_MN	   24 /* 40 ASCII */
#define NVME_ID_CTRL_FR	   64 /* 8 ASCII */
#define NVME_ID_CTRL_MDTS  77
#define NVME_ID_CTRL_VER   80
#define NVME_ID_CTRL_SQES  512
#define NVME_ID_CTRL_CQES  513
#define NVME_ID_CTRL_NN	   516
#define NVME_ID_NS_NSZE	   0
#define NVME_ID_NS_NCAP	   8
#define NVME_ID_NS_NUSE	   16
#define NVME_ID_NS_NLBAF   25
#define NVME_ID_NS_FLBAS   26
#define NVME_ID_NS_LBAF0   128 /* MS 15:0, LBADS 23:16, RP 25:24 */

/* The data a read returns: every 512-byte LBA begins with its own number (an LBA stamp), so
 * that a reader can tell it got the block it asked for. */
#define NVME_LBA_SHIFT 9

#endif
