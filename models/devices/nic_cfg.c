/* SPDX-License-Identifier: MIT */
/* The knobs of the ptnic (its keys in a machine.pcie.devices entry of type ptnic). */
#include "models/devices/nic.h"
#include "sim/knob.h"

static const struct cfg_field nic_fields[] = {
    CFG_U32("max_inflight", struct nic_cfg, max_inflight, 32, 1, 1024, "frames",
	    "ptnic: frames whose DMA may be in flight at once"),
    CFG_NS("reset_ns", struct nic_cfg, reset_ps, 1000, 0, 1e9,
	   "ptnic: time from CTRL.RST to ready"),
    CFG_END,
};
const struct cfg_schema nic_cfg_schema = CFG_SCHEMA("ptnic", struct nic_cfg, nic_fields);
