/* SPDX-License-Identifier: MIT */
/*
 * Device assignment in the manner of VFIO + QEMU's vfio-pci: the IOMMU group must be viable,
 * the function is reset, attached to the VM's DMA-remapping domain and its guest memory mapped
 * by the chosen strategy; its config space is virtualized (IDs and capabilities read through,
 * BARs and the MSI-X control emulated); its BARs are mapped into the guest by EPT except the
 * pages holding the MSI-X table and PBA, which trap; the guest's MSI-X programming becomes
 * host vectors and IRTEs.
 */
#ifndef PTSIM_VFIO_H
#define PTSIM_VFIO_H

#include <stdbool.h>
#include <stdint.h>

struct cfg_schema;
struct vm;
struct intel_iommu;
struct hpci;
struct vfio_dev;
struct host_ioapic;

enum dma_strategy {
	DMA_NONE,       /* no DMA remapping for the device (context pass-through) */
	DMA_DIRECT_MAP, /* all guest RAM mapped and pinned up front (what VFIO does) */
	DMA_SINGLE_USE,
	DMA_SHARED,
	DMA_PERSISTENT,
	DMA_ON_DEMAND,
};
enum dma_repl { DMA_REPL_LRU, DMA_REPL_FIFO, DMA_REPL_RANDOM };
enum dma_inval { DMA_INVAL_STRICT, DMA_INVAL_DEFERRED };
/* Their YAML names, in order (vfio_cfg.c). */
extern const char *const dma_strategy_names[];

/* How a VM's DMA is mapped in the IOMMU (vms[].dma). Only the strategy acts yet (none and
 * direct_map); the rest are the on-demand map cache's, reserved until it exists. */
struct vfio_dma_cfg {
	enum dma_strategy strategy;
	uint64_t quota_pages;       /* on_demand: pages the map cache may keep mapped */
	enum dma_repl replacement;  /* on_demand: which mapping the cache drops */
	uint32_t batch;             /* mappings set up or torn down per operation */
	bool prefetch;              /* on_demand: map ahead of use */
	enum dma_inval invalidation; /* IOTLB invalidation after unmapping */
};
/* The knobs of vfio_dma_cfg: vfio_cfg.c. */
extern const struct cfg_schema vfio_dma_cfg_schema;

struct vfio_cfg {
	uint16_t host_bdf;
	uint8_t guest_devfn;
	struct vfio_dma_cfg dma;
	uint64_t flr_wait_us; /* PCIe 5.0 §6.6.2: 100 ms before the function is ready */
	struct host_ioapic *ioapic; /* for the function's INTx (NULL: no INTx offered) */
};

struct vfio_stats {
	uint64_t cfg_reads, cfg_writes, msix_reads, msix_writes, bar_remaps;
	uint64_t vectors_enabled, irqs, resets;
	uint64_t pinned_pages;
	uint64_t intx_irqs, intx_unmasks, intx_masked_ps; /* the INTx line masked by the host */
};
/* Its metric table (sim/metrics.h). */
struct metric_table;
extern const struct metric_table vfio_metrics;

int vfio_assign(struct vm *vm, struct intel_iommu *iommu, struct hpci *pci,
		const struct vfio_cfg *cfg, struct vfio_dev **out);
void vfio_destroy(struct vfio_dev *d);
const struct vfio_stats *vfio_stats(const struct vfio_dev *d);
uint16_t vfio_domain_id(const struct vfio_dev *d);
struct dmar_domain *vfio_domain(const struct vfio_dev *d);
uint16_t vfio_host_bdf(const struct vfio_dev *d);
uint64_t vfio_guest_bar(const struct vfio_dev *d, int bar);

#endif
