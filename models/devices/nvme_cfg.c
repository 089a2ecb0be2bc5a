/* SPDX-License-Identifier: MIT */
/* The knobs of the NVMe controller (machine.pcie.devices[].nvme of a device of type nvme). */
#include "models/devices/nvme.h"
#include "sim/knob.h"

/* Intel's specification of the Optane SSD DC P4800X (375 and 750 GB, PCIe 3.0 x4), as tabulated
 * in AnandTech's reviews of 2017 (articles 11209 and 11930): typical latency < 10 us read and
 * write, sequential 64 KiB 2400 MB/s read and 2000 MB/s write, 4 KiB random read 550k IOPS at
 * QD16. AnandTech measured 8.9 us mean for a QD1 4 KiB random read end to end (host stack
 * included) and 585k IOPS at QD16, so the 10 us media latency is the specification's bound. */
#define P4800X "Intel Optane SSD DC P4800X specification"

static const struct cfg_field nvme_fields[] = {
    CFG_U32("io_queues", struct nvme_cfg, io_queues, 16, 1, 64, "queue pairs",
	    "I/O submission/completion queue pairs the controller supports (Set Features, "
	    "Number of Queues)",
	    .source = "estimate (data-center controllers offer 32-128)"),
    CFG_U32("mqes", struct nvme_cfg, mqes, 1024, 2, 4096, "entries",
	    "largest queue the controller accepts (CAP.MQES + 1)", .source = "estimate"),
    CFG_U32("dstrd", struct nvme_cfg, dstrd, 0, 0, 3, NULL,
	    "doorbell stride: doorbells 4 << dstrd bytes apart (CAP.DSTRD)", .flags = CFG_ID),
    CFG_U32("mdts", struct nvme_cfg, mdts, 5, 1, 8, NULL,
	    "largest transfer, 2^mdts pages of 4 KiB (Identify MDTS; 5: 128 KiB)", .flags = CFG_ID,
	    .source = "estimate"),
    CFG_U32("max_inflight", struct nvme_cfg, max_inflight, 256, 1, 4096, "commands",
	    "commands the controller executes at once; more wait in their queues",
	    .source = "estimate"),
    CFG_MIB("ns_mib", struct nvme_cfg, ns_bytes, 1024, 1, 1 << 24,
	    "namespace capacity (one namespace, 512-byte LBAs)"),
    CFG_NS("read_ns", struct nvme_cfg, read_ps, 10000, 0, 1e9,
	   "media: a read's latency, command to data ready",
	   .source = P4800X ": typical read latency < 10 us (measured 8.9 us mean at QD1, AnandTech)"),
    CFG_NS("write_ns", struct nvme_cfg, write_ps, 10000, 0, 1e9,
	   "media: a write's latency, data in to done",
	   .source = P4800X ": typical write latency < 10 us"),
    CFG_DOUBLE("read_gbps", struct nvme_cfg, read_gbps, 19.2, 0.01, 1000, "Gb/s",
	       "media: internal read bandwidth, shared by every command",
	       .source = P4800X ": sequential read 2400 MB/s (64 KiB)"),
    CFG_DOUBLE("write_gbps", struct nvme_cfg, write_gbps, 16.0, 0.01, 1000, "Gb/s",
	       "media: internal write bandwidth, shared by every command",
	       .source = P4800X ": sequential write 2000 MB/s (64 KiB)"),
    CFG_NS("cmd_ns", struct nvme_cfg, cmd_ps, 500, 0, 1e7,
	   "the controller's own work per command (decode, PRP walk, completion)",
	   .source = "estimate"),
    CFG_NS("admin_ns", struct nvme_cfg, admin_ps, 5000, 0, 1e9,
	   "an admin command's execution (Identify, queue creation)", .source = "estimate"),
    CFG_NS("ready_ns", struct nvme_cfg, ready_ps, 100000, 0, 1e10,
	   "CC.EN set to CSTS.RDY (and cleared to not ready)", .source = "estimate"),
    CFG_END,
};
const struct cfg_schema nvme_cfg_schema = CFG_SCHEMA("nvme", struct nvme_cfg, nvme_fields);
