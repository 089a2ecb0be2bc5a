/* SPDX-License-Identifier: MIT */
/*
 * Host boot, in Linux's order, in one place: the kernel core (host_create) and its
 * scheduler, the ACPI DMAR table (detect_intel_iommu), a VT-d driver per remapping unit
 * (intel_iommu_init: root table, queued invalidation, interrupt remapping, translation), the
 * I/O APIC (its pins through interrupt remapping), PCI enumeration, the VFs an administrator
 * enables at boot (sriov_numvfs), IOMMU groups, and the hypervisor.
 */
#ifndef PTSIM_HOST_BOOT_H
#define PTSIM_HOST_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/drivers/intel_iommu/dmar.h"
#include "models/host/host.h"
#include "models/host/hpci.h"
#include "models/host/hv.h"

struct cfg_schema;
struct host_ioapic;
struct host_sched;
struct intel_iommu;

/* `echo numvfs > sriov_numvfs` for the PF at a location path. */
struct host_sriov_req {
	const char *path;
	unsigned numvfs;
};

/* What the VT-d driver uses of what the hardware offers (Linux's intel_iommu= options). */
struct intel_iommu_opts {
	bool scalable;	 /* scalable-mode tables when ECAP.SMTS (intel_iommu=sm_on) */
	bool ats;	 /* enable ATS on endpoints that have it, when ECAP.DT and the ATSR allow */
	bool superpages; /* map with 2 MiB / 1 GiB pages where CAP.SLLPS allows (else sp_off) */
	bool dma_remapping; /* intel_iommu=on; off: translation stays disabled (IR stays on) */
};

/* The kernel's configuration (the `host` section, and the hypervisor's costs from its own):
 * its costs and scheduler, the VT-d driver's choices, vfio's reset wait; then what the caller
 * resolves: the VFs to enable, and whether the hypervisor comes up. */
struct host_boot_cfg {
	struct host_cfg kernel; /* costs (host.*) and scheduler (host.sched) */
	uint64_t flr_wait_us;	/* vfio: wait after a function-level reset */
	unsigned irte_entries;	/* interrupt-remapping table entries per unit */
	struct intel_iommu_opts iommu;
	struct hv_costs hv_costs; /* hypervisor.* */
	const struct host_sriov_req *sriov;
	size_t nsriov;
	bool hypervisor; /* false: boot the host only (survey, lspci) */
};
/* The knobs of host_boot_cfg (the `host` section; hv_costs is hv_costs_schema): host_cfg.c. */
extern const struct cfg_schema host_boot_cfg_schema;

/* What a booted host holds. */
struct host_system {
	struct host *host;
	struct host_sched *sched;
	struct dmar_info dmar;
	struct intel_iommu **iommu; /* one driver per DRHD, in the DMAR's order */
	unsigned niommu;
	struct host_ioapic *ioapic;
	struct hpci pci;
	struct hv *hv; /* NULL when cfg.hypervisor is false */
};

/* Boot on the calling actor (bound to a pCPU). 0, or a negative errno with what failed in
 * err. The system is filled as far as boot got. */
int host_boot(const struct host_machine *hm, const struct host_boot_cfg *cfg,
	      struct host_system *sys, char *err, size_t errlen);
/* Take down what host_boot brought up, in the reverse order (memory only: no simulated time;
 * after the engine has stopped). */
void host_system_destroy(struct host_system *sys);
/* The driver of the unit that remaps bdf (the DMAR's device scopes), or NULL. */
struct intel_iommu *host_iommu_for(const struct host_system *sys, uint16_t bdf);
/* The driver of the unit whose registers are at reg_base, or NULL. */
struct intel_iommu *host_iommu_at(const struct host_system *sys, uint64_t reg_base);

#endif
