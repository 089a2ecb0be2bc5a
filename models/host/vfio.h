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

#include <stdint.h>

struct vm;
struct vtd_drv;
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

struct vfio_cfg {
	uint16_t host_bdf;
	uint8_t guest_devfn;
	enum dma_strategy strategy;
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

int vfio_assign(struct vm *vm, struct vtd_drv *iommu, struct hpci *pci,
		const struct vfio_cfg *cfg, struct vfio_dev **out);
void vfio_destroy(struct vfio_dev *d);
const struct vfio_stats *vfio_stats(const struct vfio_dev *d);
uint16_t vfio_domain_id(const struct vfio_dev *d);
struct vtd_domain *vfio_domain(const struct vfio_dev *d);
uint16_t vfio_host_bdf(const struct vfio_dev *d);
uint64_t vfio_guest_bar(const struct vfio_dev *d, int bar);

#endif
