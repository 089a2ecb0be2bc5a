/* SPDX-License-Identifier: MIT */
/*
 * The driver's view of the NVMe controller (NVM Express Base Specification 1.4), in the shape
 * of Linux's include/linux/nvme.h: register offsets, CAP/CC/CSTS fields, and the submission and
 * completion entries as structs of little-endian fields.
 */
#ifndef PTSIM_GUEST_NVME_CTRL_REGS_H
#define PTSIM_GUEST_NVME_CTRL_REGS_H

#include "hal.h"

#define PCI_CLASS_STORAGE_EXPRESS 0x010802

enum {
	NVME_REG_CAP = 0x0000,
	NVME_REG_VS = 0x0008,
	NVME_REG_INTMS = 0x000c,
	NVME_REG_INTMC = 0x0010,
	NVME_REG_CC = 0x0014,
	NVME_REG_CSTS = 0x001c,
	NVME_REG_AQA = 0x0024,
	NVME_REG_ASQ = 0x0028,
	NVME_REG_ACQ = 0x0030,
	NVME_REG_DBS = 0x1000,
};

#define NVME_CAP_MQES(cap)    ((cap)&0xffff)
#define NVME_CAP_TIMEOUT(cap) (((cap) >> 24) & 0xff)
#define NVME_CAP_STRIDE(cap)  (((cap) >> 32) & 0xf)

enum {
	NVME_CC_ENABLE = 1 << 0,
	NVME_CC_CSS_NVM = 0 << 4,
	NVME_CC_MPS_SHIFT = 7,
	NVME_CC_AMS_RR = 0 << 11,
	NVME_CC_SHN_NORMAL = 1 << 14,
	NVME_CC_SHN_MASK = 3 << 14,
	NVME_CC_IOSQES = 6 << 16,
	NVME_CC_IOCQES = 4 << 20,
	NVME_CSTS_RDY = 1 << 0,
	NVME_CSTS_CFS = 1 << 1,
	NVME_CSTS_SHST_CMPLT = 2 << 2,
	NVME_CSTS_SHST_MASK = 3 << 2,
};

/* Submission queue entry (§4.2), the common layout of every command. */
struct nvme_command {
	u8 opcode;
	u8 flags;
	__le16 command_id;
	__le32 nsid;
	__le32 cdw2, cdw3;
	__le64 metadata;
	__le64 prp1, prp2;
	__le32 cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};
_Static_assert(sizeof(struct nvme_command) == 64, "a submission entry is 64 bytes");

/* Completion queue entry (§4.6): status bit 0 is the phase tag. */
struct nvme_completion {
	__le32 result;
	__le32 rsvd;
	__le16 sq_head;
	__le16 sq_id;
	u16 command_id;
	__le16 status;
};
_Static_assert(sizeof(struct nvme_completion) == 16, "a completion entry is 16 bytes");

enum nvme_admin_opcode {
	nvme_admin_delete_sq = 0x00,
	nvme_admin_create_sq = 0x01,
	nvme_admin_delete_cq = 0x04,
	nvme_admin_create_cq = 0x05,
	nvme_admin_identify = 0x06,
	nvme_admin_set_features = 0x09,
};
enum nvme_opcode {
	nvme_cmd_flush = 0x00,
	nvme_cmd_write = 0x01,
	nvme_cmd_read = 0x02,
};
enum {
	NVME_QUEUE_PHYS_CONTIG = 1 << 0,
	NVME_CQ_IRQ_ENABLED = 1 << 1,
	NVME_SQ_PRIO_MEDIUM = 2 << 1,
	NVME_FEAT_NUM_QUEUES = 0x07,
	NVME_ID_CNS_NS = 0x00,
	NVME_ID_CNS_CTRL = 0x01,
};

/* Identify data offsets the driver reads (§5.15.2). */
#define NVME_ID_CTRL_MDTS 77
#define NVME_ID_CTRL_NN	  516
#define NVME_ID_NS_NSZE	  0
#define NVME_ID_NS_FLBAS  26
#define NVME_ID_NS_LBAF0  128

#define NVME_CTRL_PAGE_SIZE  4096u
#define NVME_CTRL_PAGE_SHIFT 12

#endif
