/* SPDX-License-Identifier: MIT */
/* The knobs of the machine's processors (machine.cpu). */
#include "models/cpu/cpu.h"
#include "sim/knob.h"

static const struct cfg_field vmx_fields[] = {
    CFG_U64("vmexit_cycles", struct vmx_costs, exit_cycles, 650, 0, 1e7, "cycles",
	    "hardware cost of a VM exit",
	    .source = "exit + entry = 1,300 cycles: the KVM/x86 hypercall round trip, 1,300-1,437 "
		      "cycles (Dall et al., ISCA'16)"),
    CFG_U64("vmentry_cycles", struct vmx_costs, entry_cycles, 650, 0, 1e7, "cycles",
	    "hardware cost of a VM entry", .source = "as vmexit_cycles"),
    CFG_U64("mmio_write_cycles", struct vmx_costs, mmio_issue_cycles, 50, 0, 1e6, "cycles",
	    "CPU time to issue an uncached store", .source = "estimate"),
    CFG_END,
};
static const struct cfg_schema vmx_schema = CFG_SCHEMA("vmx", struct vmx_costs, vmx_fields);

static const struct cfg_field cpu_fields[] = {
    CFG_U32("pcpus", struct cpu_cfg, pcpus, 2, 1, 256, "CPUs",
	    "physical CPUs (pCPU 0 runs the host)"),
    CFG_U32("freq_mhz", struct cpu_cfg, freq_mhz, 2600, 100, 10000, "MHz", "core clock"),
    CFG_INLINE(struct cpu_cfg, vmx, vmx_schema),
    CFG_END,
};
const struct cfg_schema cpu_cfg_schema = CFG_SCHEMA("cpu", struct cpu_cfg, cpu_fields);
