/* SPDX-License-Identifier: MIT */
/*
 * The host's VT-d driver, in the manner of Linux's drivers/iommu/intel/: it reads CAP/ECAP,
 * builds the root table, context tables and second-level page tables in memory, sets up the
 * invalidation queue and the interrupt-remapping table, and enables things one GCMD command at
 * a time, polling GSTS. Domains map IOVA ranges; devices attach to domains through context
 * entries; IRTEs are allocated and written for MSIs.
 */
#ifndef PTSIM_VTD_DRV_H
#define PTSIM_VTD_DRV_H

#include <stdbool.h>
#include <stdint.h>

struct host;
struct vtd_drv;
struct vtd_domain;

struct vtd_drv_cfg {
	bool use_qi;          /* queued invalidation when ECAP.QI (else register-based) */
	bool use_ir;          /* interrupt remapping when ECAP.IR */
	bool x2apic;          /* IRTE destinations are x2APIC IDs (IRTA.EIME) */
	bool superpages;      /* map with 2 MiB / 1 GiB pages when CAP.SLLPS allows */
	unsigned irt_entries; /* interrupt-remapping table entries (power of two, 2..65536) */
	unsigned fault_cpu;   /* pCPU that takes the fault-event interrupt */
};

#define VTD_PROT_READ  1u
#define VTD_PROT_WRITE 2u

struct vtd_drv_stats {
	uint64_t maps, unmaps, pages_mapped, pages_unmapped, pages_mapped_peak;
	uint64_t table_pages;
	uint64_t qi_submits, qi_descs, reg_invalidations;
	uint64_t iotlb_flushes, ctx_flushes, iec_flushes;
	uint64_t faults_handled, fault_irqs;
	uint64_t irtes_in_use;
};

int vtd_drv_init(struct host *h, uint64_t reg_base, const struct vtd_drv_cfg *cfg,
		 struct vtd_drv **out);
void vtd_drv_destroy(struct vtd_drv *d);
const struct vtd_drv_stats *vtd_drv_stats(const struct vtd_drv *d);
uint64_t vtd_drv_root_table(const struct vtd_drv *d);
uint64_t vtd_drv_cap(const struct vtd_drv *d);
uint64_t vtd_drv_ecap(const struct vtd_drv *d);

/* ---- DMA remapping ---- */

int vtd_domain_alloc(struct vtd_drv *d, struct vtd_domain **out);
uint16_t vtd_domain_id(const struct vtd_domain *dom);
uint64_t vtd_domain_pgd(const struct vtd_domain *dom);
unsigned vtd_domain_levels(const struct vtd_domain *dom);
/* Map [iova, iova+size) to [hpa, hpa+size) (4 KiB aligned) with VTD_PROT_*. New mappings
 * need no flush (not-present entries are never cached, VT-d §6.1 with CM=0). */
int vtd_domain_map(struct vtd_domain *dom, uint64_t iova, uint64_t hpa, uint64_t size,
		   unsigned prot);
/* Unmap and, when flush, invalidate the IOTLB for the range and wait for it (strict). */
int vtd_domain_unmap(struct vtd_domain *dom, uint64_t iova, uint64_t size, bool flush);
/* Invalidate every IOTLB entry of the domain and wait (deferred flushing's batch flush). */
void vtd_domain_flush(struct vtd_domain *dom);
/* Point the device's context entry at the domain (and flush its context-cache entry). */
int vtd_attach(struct vtd_domain *dom, uint16_t bdf);
int vtd_detach(struct vtd_drv *d, uint16_t bdf);
/* A context entry that passes the device's DMA through untranslated (TT=10b, ECAP.PT). */
int vtd_attach_passthrough(struct vtd_drv *d, uint16_t bdf);

/* ---- interrupt remapping ---- */

int vtd_irte_alloc(struct vtd_drv *d, uint32_t *index);
void vtd_irte_free(struct vtd_drv *d, uint32_t index);
/* Remapped-format IRTE (VT-d §9.10) with source-ID validation of sid; flushes the IEC. */
int vtd_irte_set_remapped(struct vtd_drv *d, uint32_t index, uint32_t apic_id, uint8_t vector,
			  uint16_t sid);
/* The same for a level-triggered source (IRTE.TM = 1), such as an I/O APIC pin. */
int vtd_irte_set_remapped_level(struct vtd_drv *d, uint32_t index, uint32_t apic_id,
				uint8_t vector, uint16_t sid);
/* Posted-format IRTE (VT-d §9.11): interrupts from sid are posted as `vector` into the
 * posted-interrupt descriptor at pi_desc (64-byte aligned); urgent ones notify even with SN. */
int vtd_irte_set_posted(struct vtd_drv *d, uint32_t index, uint64_t pi_desc, uint8_t vector,
			uint16_t sid, bool urgent);
bool vtd_drv_posting(const struct vtd_drv *d);
/* The remappable-format MSI address/data that select IRTE `index` (VT-d §5.1.2.2). */
void vtd_irte_msi(uint32_t index, uint64_t *addr, uint32_t *data);
bool vtd_drv_ir_enabled(const struct vtd_drv *d);

#endif
