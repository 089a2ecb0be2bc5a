/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's paravirtual IOMMU back-end (models/abi/pv_iommu.h), one per VM whose
 * functions are assigned with a strategy other than none: for single_use, shared, persistent
 * and on_demand it serves the guest's map and unmap hypercalls -- it checks that each guest
 * page belongs to the VM, pins it, maps or unmaps it in the VM's VT-d domain through the host
 * VT-d driver (intel_iommu_map/unmap) as the strategy decides (dma_strategy.h), and
 * invalidates the IOTLB by the policy: strict (the hypercall returns once a wait descriptor
 * has completed after the page-selective invalidations) or deferred (Linux's flush queue:
 * unmapped ranges wait, unpinned, until the queue is full or its timer fires, then one
 * domain-selective invalidation covers them all). For direct_map it only keeps the count of
 * pinned pages, so every strategy reports the same figures.
 *
 * It also keeps the experiment's books: how long each page the guest unmapped stayed
 * translatable (until the invalidation that covers it completed, or the guest mapped it again)
 * and which device accesses hit such a page, told by the IOMMU model through the application
 * (pv_iommu_observe), as pcie_fn_set_owner's accounting is.
 */
#ifndef PTSIM_PV_IOMMU_H
#define PTSIM_PV_IOMMU_H

#include <stdbool.h>
#include <stdint.h>

#include "models/host/vfio.h"
#include "sim/stats.h"

struct dmar_domain;
struct pv_iommu;
struct vm;

struct pv_iommu_stats {
	uint64_t hypercalls, map_requests, unmap_requests, bad_requests;
	uint64_t maps, unmaps, remaps; /* IOMMU page mappings made, torn down, made again */
	uint64_t hits, misses, evictions, evictions_in_use, prefetched, prefetch_hits;
	uint64_t quota_failures, stale_unmaps;
	uint64_t inv_page, inv_domain, inv_descs, inv_submissions;
	uint64_t fq_entries, fq_flush_full, fq_flush_timeout;
	uint64_t pinned_pages, pinned_peak, pinned_page_ns; /* page-ns: the time integral */
	uint64_t hv_ps, hypercall_hv_ps;
	uint64_t use_after_unmap, blocked_after_unmap, lost_dmas;
	uint64_t windows, windows_open;
	struct sim_samples window_ps; /* use-after-unmap windows closed in the measured window */
};
/* Its metric table (sim/metrics.h): keys dma.* */
struct metric_table;
extern const struct metric_table pv_iommu_metrics;

/* The back-end of vm with the strategy of cfg (anything but none). For the paravirtual
 * strategies it tells the guest through its boot parameters and takes its hypercalls. */
int pv_iommu_create(struct vm *vm, const struct vfio_dma_cfg *cfg, struct pv_iommu **out);
void pv_iommu_destroy(struct pv_iommu *pv);
/* An assigned function: the requester ID its DMA carries, its slot on the guest's bus, the
 * domain it is attached to. */
int pv_iommu_add_device(struct pv_iommu *pv, uint16_t bdf, uint8_t guest_devfn,
			struct dmar_domain *dom);
/* direct_map: npages of guest RAM pinned (and mapped) at assignment. */
void pv_iommu_pinned_at_assignment(struct pv_iommu *pv, uint64_t npages);
/* Measurement: the IOMMU translated (ok) or blocked a DMA request of sid to iova at t. */
void pv_iommu_observe(struct pv_iommu *pv, uint16_t sid, uint64_t iova, bool ok, uint64_t t);
/* Measurement: the window opens (on) or closes at `now`; brings the pinned-page integral to
 * `now` (call before each snapshot). */
void pv_iommu_measure(struct pv_iommu *pv, bool on, uint64_t now);
const struct pv_iommu_stats *pv_iommu_stats(const struct pv_iommu *pv);
const struct vfio_dma_cfg *pv_iommu_cfg(const struct pv_iommu *pv);

#endif
