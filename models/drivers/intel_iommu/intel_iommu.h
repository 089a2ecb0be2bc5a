/* SPDX-License-Identifier: MIT */
/*
 * The VT-d driver, in the manner of Linux's drivers/iommu/intel/: it reads CAP/ECAP and
 * uses what the unit offers (queued invalidation, interrupt remapping, x2APIC mode, scalable
 * mode, pass-through, superpages, device TLBs, posted interrupts; caching mode and write-buffer
 * flushing when the unit requires them), builds the root table, context tables (legacy or
 * scalable, with PASID directories and tables) and second-level page tables in memory, sets up
 * the invalidation queue and the interrupt-remapping table, and enables things one GCMD command
 * at a time, polling GSTS. Domains map IOVA ranges; devices attach to domains through context
 * (and PASID) entries; IRTEs are allocated and written for MSIs, remapped or posted.
 *
 * One copy of the code serves the host kernel and a guest's: it reaches the kernel it runs in
 * only through the HAL it is given at init (iommu_hal.h), and includes nothing else of ptsim
 * but the hardware's *_regs.h.
 */
#ifndef PTSIM_VTD_DRV_H
#define PTSIM_VTD_DRV_H

#include <stdbool.h>
#include <stdint.h>

#include "models/drivers/intel_iommu/iommu_hal.h"

struct intel_iommu;
struct dmar_domain;
struct dmar_info;

struct intel_iommu_cfg {
	bool use_qi;          /* queued invalidation when ECAP.QI (else register-based) */
	bool use_ir;          /* interrupt remapping when ECAP.IR */
	bool x2apic;          /* IRTE destinations are x2APIC IDs (IRTA.EIME) */
	bool superpages;      /* map with 2 MiB / 1 GiB pages when CAP.SLLPS allows */
	bool scalable;        /* scalable-mode tables when ECAP.SMTS */
	bool ats;             /* enable ATS on endpoints that have it (ECAP.DT, DMAR ATSR) */
	unsigned irt_entries; /* interrupt-remapping table entries (power of two, 2..65536) */
	unsigned fault_cpu;   /* CPU that takes the fault-event interrupt */
	bool no_translation;  /* intel_iommu=off: tables and interrupt remapping, TE never set */
	const struct dmar_info *dmar; /* the firmware's DMAR table (ATSR, RMRRs); may be NULL */
};

#define IOMMU_READ  1u
#define IOMMU_WRITE 2u

struct intel_iommu_stats {
	uint64_t maps, unmaps, pages_mapped, pages_unmapped, pages_mapped_peak;
	uint64_t table_pages;
	uint64_t qi_submits, qi_descs, qi_errors, reg_invalidations;
	uint64_t iotlb_flushes, ctx_flushes, iec_flushes, pasid_flushes, devtlb_flushes;
	uint64_t write_buffer_flushes;
	uint64_t faults_handled, fault_irqs;
	uint64_t irtes_in_use, ats_enabled;
};

/* Bring up the unit whose registers are at reg_base, through hal (copied). */
int intel_iommu_init(const struct iommu_hal *hal, uint64_t reg_base,
		     const struct intel_iommu_cfg *cfg, struct intel_iommu **out);
/* Turn the unit off in Linux's order: translation, interrupt remapping, queued invalidation
 * (GCMD, polling GSTS). Runs on a CPU of the kernel (it takes simulated time). */
int intel_iommu_shutdown(struct intel_iommu *d);
/* Give back every page the driver allocated (tables, queue, IRT), its fault vector and its
 * memory. Call intel_iommu_shutdown first while the machine runs; destroy itself takes no
 * simulated time and may run after the engine has stopped. Accepts NULL. */
void intel_iommu_destroy(struct intel_iommu *d);
const struct intel_iommu_stats *intel_iommu_stats(const struct intel_iommu *d);
uint64_t intel_iommu_root_table(const struct intel_iommu *d);
uint64_t intel_iommu_cap(const struct intel_iommu *d);
uint64_t intel_iommu_ecap(const struct intel_iommu *d);
uint64_t intel_iommu_reg_base(const struct intel_iommu *d);
bool intel_iommu_scalable(const struct intel_iommu *d);
bool intel_iommu_qi(const struct intel_iommu *d);

/* ---- DMA remapping ---- */

int intel_iommu_domain_alloc(struct intel_iommu *d, struct dmar_domain **out);
/* A domain for nested translation over parent's second level (iommufd's nested domain over a
 * nesting parent): a DID of its own, parent's page tables (what is mapped in one is mapped in
 * the other; a change there must be flushed in each). -ENOTSUP unless the unit nests (scalable
 * mode, ECAP.NEST) and parent translates second level. */
int intel_iommu_domain_alloc_nested(struct dmar_domain *parent, struct dmar_domain **out);
uint16_t dmar_domain_id(const struct dmar_domain *dom);
uint64_t dmar_domain_pgd(const struct dmar_domain *dom);
unsigned dmar_domain_levels(const struct dmar_domain *dom);
/* Map [iova, iova+size) to [hpa, hpa+size) (4 KiB aligned) with VTD_PROT_*, with the largest
 * pages allowed. New mappings need no flush unless CAP.CM (VT-d §6.1) or CAP.RWBF. */
int intel_iommu_map(struct dmar_domain *dom, uint64_t iova, uint64_t hpa, uint64_t size,
		   unsigned prot);
/* The same with one page size only (12, 21 or 30): what a benchmark asks for. */
int intel_iommu_map_pages(struct dmar_domain *dom, uint64_t iova, uint64_t hpa, uint64_t size,
			 unsigned prot, unsigned page_shift);
/* Unmap and, when flush, invalidate the IOTLB (and device TLBs) for the range and wait. */
int intel_iommu_unmap(struct dmar_domain *dom, uint64_t iova, uint64_t size, bool flush);
/* Invalidate every IOTLB entry of the domain and wait (deferred flushing's batch flush). */
void intel_iommu_flush_iotlb_all(struct dmar_domain *dom);
/* What an invalidation submitted: page-selective and domain-selective IOTLB invalidations,
 * and queued-invalidation descriptors (wait and device-TLB descriptors included). */
struct intel_iommu_flush_info {
	unsigned psi, dsi, descs, waits;
};
/* Invalidate n ranges of the domain (unmapped without flush) together: page-selective
 * descriptors submitted with one wait descriptor per QI_MAX_BATCHED_DESC_COUNT (Linux's
 * qi_batch), or one domain-selective when a range is too wide; returns once they completed.
 * info (may be NULL) adds up what was submitted. */
int intel_iommu_flush_ranges(struct dmar_domain *dom, const uint64_t *iova, const uint64_t *size,
			     unsigned n, struct intel_iommu_flush_info *info);
/* The domain's whole IOTLB (and device TLBs), one domain-selective invalidation and a wait. */
int intel_iommu_flush_domain(struct dmar_domain *dom, struct intel_iommu_flush_info *info);
/* The IOMMU a domain lives in. */
struct intel_iommu *dmar_domain_iommu(const struct dmar_domain *dom);
/* Point the device's context (scalable mode: its RID_PASID entry) at the domain, enable ATS
 * when allowed, and flush its cached context. */
int intel_iommu_attach_device(struct dmar_domain *dom, uint16_t bdf);
int intel_iommu_detach_device(struct intel_iommu *d, uint16_t bdf);
/* A context entry that passes the device's DMA through untranslated (ECAP.PT). */
int intel_iommu_attach_identity(struct intel_iommu *d, uint16_t bdf);
/* Whether a DMAR RMRR names bdf: memory the device keeps using, which intel_iommu_attach_device maps 1:1
 * in the device's domain; such a device cannot be safely assigned to a VM. */
bool intel_iommu_dev_has_rmrr(const struct intel_iommu *d, uint16_t bdf);
/* Whether ATS was enabled for bdf at attach. */
bool intel_iommu_ats_enabled(const struct intel_iommu *d, uint16_t bdf);

/* Scalable mode, PASID granular (VT-d §9.6): PASID `pasid` of bdf translated by a first-level
 * table (an x86 page table) at fl_root, either host-physical (PGTT first-level, tagged with
 * the domain's ID) or guest-physical over the domain's second level (PGTT nested: every
 * first-level pointer goes through the domain's tables). fl_levels 4 or 5. */
int intel_pasid_setup_first_level(struct dmar_domain *dom, uint16_t bdf, uint32_t pasid,
				 uint64_t fl_root, unsigned fl_levels);
int intel_pasid_setup_nested(struct dmar_domain *dom, uint16_t bdf, uint32_t pasid,
			    uint64_t fl_root_gpa, unsigned fl_levels);
/* PASID-based IOTLB invalidation of 2^am pages at addr, or (whole) of the whole PASID. */
int qi_flush_piotlb(struct dmar_domain *dom, uint32_t pasid, uint64_t addr, unsigned am,
		    bool whole);

/* ---- interrupt remapping ---- */

int irq_remapping_alloc_irte(struct intel_iommu *d, uint32_t *index);
void irq_remapping_free_irte(struct intel_iommu *d, uint32_t index);
/* Remapped-format IRTE (VT-d §9.10) with source-ID validation of sid; flushes the IEC. */
int irq_remapping_set_remapped(struct intel_iommu *d, uint32_t index, uint32_t apic_id, uint8_t vector,
			  uint16_t sid);
/* The same for a level-triggered source (IRTE.TM = 1), such as an I/O APIC pin. */
int irq_remapping_set_remapped_level(struct intel_iommu *d, uint32_t index, uint32_t apic_id,
				uint8_t vector, uint16_t sid);
/* Posted-format IRTE (VT-d §9.11, needs CAP.PI): the device's interrupt becomes PIR bit
 * `vector` in the posted-interrupt descriptor at pi_desc (64-byte aligned), with source-ID
 * validation of sid; urgent sets URG (notify even while SN is set). -ENOTSUP without CAP.PI.
 * Flushes the IEC. */
int irq_remapping_set_posted(struct intel_iommu *d, uint32_t index, uint64_t pi_desc, uint8_t vector,
			uint16_t sid, bool urgent);
/* The remappable-format MSI address/data that select IRTE `index` (VT-d §5.1.2.2). */
void irq_remapping_msi(uint32_t index, uint64_t *addr, uint32_t *data);
bool intel_iommu_ir_enabled(const struct intel_iommu *d);
/* Whether posted IRTEs can be used (interrupt remapping on and CAP.PI). */
bool intel_iommu_posting(const struct intel_iommu *d);

#endif
