/* SPDX-License-Identifier: MIT */
/* The knobs of host memory (machine.memory). */
#include "models/mem/mem.h"
#include "sim/knob.h"

static const struct cfg_field mem_fields[] = {
    CFG_MIB("size_mib", struct mem_cfg, size, 8192, 64, 1 << 22, "host RAM"),
    CFG_MIB("firmware_mib", struct mem_cfg, firmware_size, 1, 0, 1024,
	    "RAM reserved by firmware at the top of low memory (the ACPI tables)"),
    CFG_NS("latency_ns", struct mem_cfg, latency_ps, 80, 0, 1e5, "DRAM access latency",
	   .source = "idle DRAM latency of Xeon Scalable, Intel MLC: ~80-90 ns"),
    CFG_NS("llc_latency_ns", struct mem_cfg, llc_latency_ps, 20, 0, 1e5,
	   "last-level cache hit latency", .source = "L3 hit on Skylake-SP, ~50-70 cycles"),
    CFG_DOUBLE("bandwidth_gbps", struct mem_cfg, bandwidth_gbps, 20, 0.1, 10000, "GB/s",
	       "memory bandwidth per access stream", .source = "estimate"),
    CFG_END,
};
const struct cfg_schema mem_cfg_schema = CFG_SCHEMA("memory", struct mem_cfg, mem_fields);
