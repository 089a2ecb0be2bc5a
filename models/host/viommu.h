/* SPDX-License-Identifier: MIT */
/*
 * The guest-visible IOMMU (vms[].viommu), in the manner of QEMU's intel-iommu device: the
 * hypervisor emulates a VT-d unit's registers at GUEST_VIOMMU_BASE, which the guest's own
 * ACPI DMAR table (written by the virtual firmware) describes, and the guest kernel runs the
 * VT-d driver against it (models/drivers/intel_iommu through its guest HAL). Every register
 * access traps (an EPT-violation/misconfiguration exit); an invalidation-queue tail write
 * makes the hypervisor carry out the queued descriptors, in the exit, before the guest's
 * wait descriptor completes.
 *
 * - shadow: the unit reports Caching Mode (CAP.CM, VT-d 3.x §6.1), so the guest invalidates
 *   after every map too. On each IOTLB invalidation the hypervisor walks the guest's
 *   second-level tables for the range (gIOVA -> GPA), checks every GPA is the VM's RAM, and
 *   installs gIOVA -> HPA in the VM's domain on the physical unit through the host VT-d driver
 *   (or removes what the guest unmapped, invalidating the physical IOTLB). A context-cache,
 *   domain or global invalidation resynchronises the whole of the device's tables.
 * - nested: scalable mode (ECAP.SMTS, first-level only, no CM). The guest builds first-level
 *   tables (gIOVA -> GPA); when it invalidates its PASID cache the hypervisor points the
 *   device's PASID entry on the physical unit at them in nested mode (VT-d §9.6, PGTT 011b),
 *   over the VM's second level (all guest RAM, GPA -> HPA). The physical unit walks both;
 *   maps cost no exit, and only invalidations trap, to be forwarded as PASID-based IOTLB
 *   invalidations of the physical domain.
 */
#ifndef PTSIM_VIOMMU_H
#define PTSIM_VIOMMU_H

#include <stdbool.h>
#include <stdint.h>

struct cfg_schema;
struct dmar_domain;
struct viommu;
struct vm;

enum viommu_mode { VIOMMU_NONE, VIOMMU_SHADOW, VIOMMU_NESTED };
extern const char *const viommu_mode_names[]; /* their YAML names, in order (viommu_cfg.c) */

/* A VM's vIOMMU (vms[].viommu). */
struct viommu_cfg {
	enum viommu_mode mode;
};
/* Its knob: viommu_cfg.c. */
extern const struct cfg_schema viommu_cfg_schema;

struct viommu_stats {
	uint64_t reg_reads, reg_writes; /* register accesses (each a trap) */
	uint64_t iq_tail_writes, descs; /* IQT writes, descriptors carried out */
	uint64_t cc_descs, iotlb_descs, pc_descs, piotlb_descs, wait_descs, other_descs;
	uint64_t shadow_walks, shadow_walk_reads; /* gIOVA walks of the guest's tables */
	uint64_t shadow_syncs;			  /* whole-table resynchronisations */
	uint64_t shadow_installs, shadow_removals, shadow_bad;
	uint64_t shadow_pages, shadow_pages_peak;
	uint64_t forwarded, nested_binds; /* nested: invalidations forwarded, PASID entries set */
	uint64_t hv_ps;			  /* hypervisor time carrying out invalidations */
};
/* Its metric table (sim/metrics.h): keys viommu.* */
struct metric_table;
extern const struct metric_table viommu_metrics;

/* The vIOMMU of vm: its registers trap from now on; its DMAR table and the RSDP that finds
 * it are written into the guest's firmware area and the boot parameters. */
int viommu_create(struct vm *vm, const struct viommu_cfg *cfg, struct viommu **out);
void viommu_destroy(struct viommu *vi);
enum viommu_mode viommu_mode(const struct viommu *vi);
/* An assigned function: its requester ID, its slot on the guest's bus, the VM's domain for it
 * on the physical unit (shadow: empty; nested: all guest RAM mapped). */
int viommu_add_device(struct viommu *vi, uint16_t bdf, uint8_t guest_devfn,
		      struct dmar_domain *dom);
const struct viommu_stats *viommu_stats(const struct viommu *vi);

#endif
