/* SPDX-License-Identifier: MIT */
/*
 * The VT-d driver's state and what its files share: intel_iommu.c (bring-up, faults,
 * teardown), qi.c (invalidation: queued or register-based), intel_iommu_domain.c (domains and
 * their page tables), intel_iommu_dev.c (context and PASID entries, attaching devices, ATS),
 * irq_remapping.c (the interrupt-remapping table).
 */
#ifndef PTSIM_INTEL_IOMMU_INTERNAL_H
#define PTSIM_INTEL_IOMMU_INTERNAL_H

#include "models/drivers/intel_iommu/dmar.h"
#include "models/drivers/intel_iommu/intel_iommu.h"
#include "models/iommu/vtd_regs.h"

#include <stdbool.h>
#include <stdint.h>

#define PAGE 4096ull
/* IQA.QS: 2^1 pages, 8 KiB: 512 128-bit or 256 256-bit descriptors */
#define QI_PAGES_LOG2	1
#define QI_PAGES	(1u << QI_PAGES_LOG2)
#define WAIT_TIMEOUT_NS (10ull * 1000 * 1000)
#define PDTS		2 /* PASID directory of 2^(2+7) = 512 entries: PASIDs up to 2^15 */
/* Descriptors submitted with one wait descriptor at most (Linux's qi_batch, iommu.h). */
#define QI_MAX_BATCHED_DESC_COUNT 16

struct dmar_domain {
	struct intel_iommu *d;
	uint16_t did;
	uint64_t pgd;
	unsigned levels;
	/* First-level tables (x86 paging format, PGTT 001b) instead of second-level: what Linux
	 * uses in scalable mode on a unit that translates first level only (a vIOMMU built for
	 * nesting); its invalidations are PASID-based (VT-d §6.5.2.4). */
	bool fl;
};

struct dev_info {
	uint16_t bdf;
	bool used, ats;
	struct dmar_domain *dom;
	uint64_t pasid_dir; /* scalable mode */
	uint64_t pasid_tables[8];
};

struct drv_pages {
	uint64_t pa, npages;
};

struct intel_iommu {
	struct iommu_hal hal;
	struct intel_iommu_cfg cfg;
	uint64_t base;
	uint64_t cap, ecap;
	uint32_t gcmd; /* persistent command bits currently set */
	uint64_t root;
	uint64_t ctx_tables[256][2]; /* [bus][half]: legacy uses [bus][0] */
	bool scalable, cm, rwbf, dt, pi;
	/* queued invalidation */
	bool qi;
	unsigned qi_desc; /* bytes per descriptor: 16 or 32 */
	unsigned qi_entries;
	uint64_t qi_base;
	unsigned qi_tail; /* next free slot */
	uint64_t status_page;
	uint32_t status_seq;
	/* interrupt remapping */
	bool ir, eim;
	uint64_t irt;
	uint8_t *irte_used;
	/* domains and devices */
	struct dmar_domain **domains;
	unsigned ndomains;
	/* devices it set up, in the order they came (a detached one's slot is reused), and an
	 * index by bus and devfn (Linux keeps this in struct device's iommu data) */
	struct dev_info **devs;
	unsigned ndevs;
	struct dev_info **by_bus[256];
	unsigned agaw_levels;
	uint8_t fault_vector;
	void *fault_irq; /* the HAL's cookie for it; NULL: none */
	/* Every simulated page the driver allocated, to give back at destroy (Linux frees its
	 * tables in free_dmar_iommu / domain_exit). */
	struct drv_pages *pages;
	size_t npages_rec, cap_pages;
	struct intel_iommu_stats st;
};

/* The HAL's calls (iommu_hal.h). */
static inline uint32_t rd32(struct intel_iommu *d, uint32_t off)
{
	return d->hal.ops->readl(d->hal.ctx, d->base + off);
}

static inline uint64_t rd64(struct intel_iommu *d, uint32_t off)
{
	return d->hal.ops->readq(d->hal.ctx, d->base + off);
}

static inline void wr32(struct intel_iommu *d, uint32_t off, uint32_t v)
{
	d->hal.ops->writel(d->hal.ctx, d->base + off, v);
}

static inline void wr64(struct intel_iommu *d, uint32_t off, uint64_t v)
{
	d->hal.ops->writeq(d->hal.ctx, d->base + off, v);
}

static inline uint64_t mem_rd64(struct intel_iommu *d, uint64_t pa)
{
	return d->hal.ops->mem_read64(d->hal.ctx, pa);
}

static inline void mem_wr64(struct intel_iommu *d, uint64_t pa, uint64_t v)
{
	d->hal.ops->mem_write64(d->hal.ctx, pa, v);
}

static inline uint32_t cfg_rd(struct intel_iommu *d, uint16_t bdf, uint32_t off, unsigned size)
{
	return d->hal.ops->cfg_read(d->hal.ctx, bdf, off, size);
}

static inline uint64_t now_ps(struct intel_iommu *d)
{
	return d->hal.ops->now_ps(d->hal.ctx);
}

static inline void relax(struct intel_iommu *d)
{
	d->hal.ops->relax(d->hal.ctx);
}

void intel_iommu__log(struct intel_iommu *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

int intel_iommu__alloc_table(struct intel_iommu *d, uint64_t *pa);
void intel_iommu__flush_write_buffer(struct intel_iommu *d);
int intel_iommu__gcmd(struct intel_iommu *d, uint32_t cmd, uint32_t sts_bit, bool enable);
int intel_iommu__alloc_pages(struct intel_iommu *d, uint64_t npages, uint64_t *pa);
int intel_iommu__flush_iec(struct intel_iommu *d, bool global, uint32_t index);
int intel_iommu__flush_range(struct dmar_domain *dom, uint64_t iova, uint64_t end);
int intel_iommu__flush_iotlb(struct intel_iommu *d, int gran, uint16_t did, uint64_t addr,
			     unsigned am);
int intel_iommu__flush_context(struct intel_iommu *d, int gran, uint16_t did, uint16_t sid);
int intel_iommu__flush_iotlb_dom(struct intel_iommu *d, const struct dmar_domain *dom, int gran,
				 uint16_t did, uint64_t addr, unsigned am);
int qi_submit_sync(struct intel_iommu *d, const struct vtd_inv_desc *descs, unsigned n);
int intel_iommu__flush_pasid_cache(struct intel_iommu *d, int gran, uint16_t did, uint32_t pasid);
int intel_iommu__setup_ir(struct intel_iommu *d);

#endif
