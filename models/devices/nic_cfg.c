/* SPDX-License-Identifier: MIT */
/* The knobs of the ptnic (its keys in a machine.pcie.devices entry of type ptnic). */
#include "models/devices/nic.h"
#include "sim/knob.h"

static const struct cfg_field nic_fields[] = {
    CFG_U32("max_inflight", struct nic_cfg, max_inflight, 32, 1, 1024, "frames",
	    "ptnic: frames whose DMA may be in flight at once, each way"),
    CFG_KIB("tx_fifo_kib", struct nic_cfg, tx_fifo_bytes, 16, 1, 1024,
	    "ptnic: transmit packet buffer, frames fetched and not yet on the wire",
	    .source = "8254x SDM: PBA's default split of the 64 KB packet buffer, 48 KB "
		      "receive and 16 KB transmit"),
    CFG_U32("queues", struct nic_cfg, queues, 1, 1, 4, "queues",
	    "ptnic: receive queues the device implements, spread by RSS (each VF has as many)",
	    .source = "1 keeps the single-queue NIC; igb's 82576 has 16, ptnic's MSI-X table "
		      "has room for 4 vectors"),
    CFG_U32("tx_queues", struct nic_cfg, tx_queues, 1, 1, 4, "queues",
	    "ptnic: transmit queues the device implements, served round-robin frame by frame "
	    "(each VF has as many)",
	    .source = "1 keeps the single-queue NIC; igb's 82576 has 16, ptnic's MSI-X table "
		      "has room for 4 vectors"),
    CFG_DOUBLE("internal_gbps", struct nic_cfg, internal_gbps, 0, 0, 1000, "Gb/s",
	       "ptnic: the internal data path every function's frame data shares, PF and VFs "
	       "(0: no limit)"),
    CFG_NS("reset_ns", struct nic_cfg, reset_ps, 1000, 0, 1e9,
	   "ptnic: time from CTRL.RST to ready"),
    CFG_END,
};
const struct cfg_schema nic_cfg_schema = CFG_SCHEMA("ptnic", struct nic_cfg, nic_fields);
