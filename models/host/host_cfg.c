/* SPDX-License-Identifier: MIT */
/* The knobs of the host kernel (the `host` section): its costs, scheduler and driver choices. */
#include "models/host/boot.h"
#include "models/host/host.h"
#include "sim/knob.h"
#include "sim/simtime.h"

static const struct cfg_field costs_fields[] = {
    CFG_U64("mem_access_cycles", struct host_costs, mem_access_cycles, 4, 0, 1e6, "cycles",
	    "a cached load/store to a kernel structure"),
    CFG_U64("irq_entry_cycles", struct host_costs, irq_entry_cycles, 150, 0, 1e6, "cycles",
	    "host interrupt entry and exit", .source = "estimate"),
    CFG_U64("eoi_cycles", struct host_costs, eoi_cycles, 30, 0, 1e6, "cycles",
	    "an x2APIC EOI (MSR write) in the host"),
    CFG_U64("page_zero_cycles", struct host_costs, page_zero_cycles, 500, 0, 1e7, "cycles",
	    "clearing a 4 KiB page"),
    CFG_NS_AS_NS("poll_ns", struct host_costs, poll_ns, 100, 0, 1e9,
		 "delay between polls of a status register (whole ns)"),
    CFG_END,
};
const struct cfg_schema host_costs_schema =
    CFG_SCHEMA("host costs", struct host_costs, costs_fields);

static const struct cfg_field sched_fields[] = {
    CFG_SCALED("slice_us", struct host_sched_cfg, slice_ps, 3000, 10, 1e6, "us", SIM_PS_PER_US,
	       "time slice of a vCPU thread while others wait for its pCPU",
	       .source = "Linux EEVDF base slice 0.75 ms x (1 + log2(8 CPUs)) = 3 ms "
			 "(kernel/sched/fair.c)"),
    CFG_U64("switch_cycles", struct host_sched_cfg, switch_cycles, 3500, 0, 1e7, "cycles",
	    "a context switch between two threads on one pCPU",
	    .source = "~1.3 us at 2.6 GHz; Linux measures 1.2-1.5 us between threads pinned "
		      "to one core (Bendersky, 2018)"),
    CFG_BOOL("wakeup_preempt", struct host_sched_cfg, wakeup_preempt, true,
	     "a woken vCPU preempts the running one at once (else it waits its turn)",
	     .source = "EEVDF does when the woken task is eligible; simplified to always"),
    CFG_END,
};
const struct cfg_schema host_sched_cfg_schema =
    CFG_SCHEMA("sched", struct host_sched_cfg, sched_fields);

static const struct cfg_field intel_iommu_fields[] = {
    CFG_BOOL("scalable_mode", struct intel_iommu_opts, scalable, true,
	     "use scalable-mode tables when the unit has ECAP.SMTS",
	     .source = "Linux's default since 5.x"),
    CFG_BOOL("ats", struct intel_iommu_opts, ats, true,
	     "enable ATS on endpoints that have it when ECAP.DT and the DMAR ATSR allow",
	     .source = "what Linux does"),
    CFG_BOOL("superpages", struct intel_iommu_opts, superpages, true,
	     "map with 2 MiB and 1 GiB pages where CAP.SLLPS allows and the IOVA and physical "
	     "addresses are aligned (false: 4 KiB pages only, Linux's intel_iommu=sp_off)",
	     .source = "Linux's default (drivers/iommu/intel/iommu.c: intel_iommu_superpage)"),
    CFG_BOOL("dma_remapping", struct intel_iommu_opts, dma_remapping, true,
	     "Linux's intel_iommu=on (true) or off: with off the units' translation is never "
	     "enabled (DMA addresses are physical; interrupt remapping stays on) and no VM can "
	     "be given a device",
	     .source = "intel_iommu=on, what distributions set for passthrough"),
    CFG_END,
};
static const struct cfg_schema intel_iommu_schema =
    CFG_SCHEMA("host iommu", struct intel_iommu_opts, intel_iommu_fields);

static const struct cfg_field boot_fields[] = {
    CFG_INLINE(struct host_boot_cfg, kernel.costs, host_costs_schema),
    CFG_U64("flr_wait_us", struct host_boot_cfg, flr_wait_us, 100000, 0, 1e7, "us",
	    "wait after a function-level reset",
	    .source = "PCIe Base Specification §6.6.2: 100 ms"),
    CFG_U32("irte_entries", struct host_boot_cfg, irte_entries, 256, 2, 65536, "entries",
	    "interrupt-remapping table size", .flags = CFG_POW2),
    CFG_STRUCT("sched", struct host_boot_cfg, kernel.sched, host_sched_cfg_schema,
	       "the scheduler of vCPU threads that share a pCPU"),
    CFG_STRUCT("iommu", struct host_boot_cfg, iommu, intel_iommu_schema,
	       "what the VT-d driver uses of what the hardware offers"),
    CFG_END,
};
const struct cfg_schema host_boot_cfg_schema =
    CFG_SCHEMA("host", struct host_boot_cfg, boot_fields);
