/* SPDX-License-Identifier: MIT */
/* The knob of a VM's guest-visible IOMMU (vms[].viommu). */
#include "models/host/viommu.h"
#include "sim/knob.h"

const char *const viommu_mode_names[] = {"none", "shadow", "nested", NULL};

static const struct cfg_field viommu_fields[] = {
    CFG_ENUM("viommu", struct viommu_cfg, mode, viommu_mode_names, VIOMMU_NONE,
	     "a VT-d unit the guest sees and programs with its own driver: none; shadow (caching "
	     "mode: the guest invalidates every map, the hypervisor shadows gIOVA->HPA into the "
	     "physical unit); nested (scalable mode: the guest's first-level tables walked over "
	     "the VM's second level; only invalidations trap)",
	     .source = "QEMU's intel-iommu (caching-mode=on) and VT-d 3.x §3.8 nested translation"),
    CFG_END,
};
const struct cfg_schema viommu_cfg_schema = CFG_SCHEMA("viommu", struct viommu_cfg, viommu_fields);
