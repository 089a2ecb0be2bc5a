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

#include "models/host/dma_strategy.h"

struct cfg_schema;
struct vm;
struct intel_iommu;
struct hpci;
struct vfio_dev;
struct host_ioapic;

/* Their YAML names, in order (vfio_cfg.c); the enums are dma_strategy.h's. */
extern const char *const dma_strategy_names[];
extern const char *const dma_inval_names[];
extern const char *const dma_repl_names[];

/* How a VM's DMA is mapped in the IOMMU (vms[].dma). none and direct_map are set up at
 * assignment; the others are the paravirtual IOMMU's (pv_iommu.h), which the guest asks. */
struct vfio_dma_cfg {
	enum dma_strategy_kind strategy;
	uint64_t quota_pages;		/* on_demand: pages the map cache may keep mapped */
	enum dma_repl replacement;	/* on_demand: which unused mapping a miss drops */
	enum dma_quota_full quota_full; /* on_demand: a miss with every cached page in use */
	uint32_t batch;			/* requests the guest puts in one hypercall */
	uint32_t prefetch;		/* on_demand: following pages a miss maps too */
	enum dma_inval invalidation; /* IOTLB invalidation after unmapping */
	uint32_t flush_entries;	     /* deferred: the flush queue's size */
	uint64_t flush_timeout_ps;   /* deferred: the flush queue's timer */
};
/* The knobs of vfio_dma_cfg: vfio_cfg.c. */
extern const struct cfg_schema vfio_dma_cfg_schema;

struct pv_iommu;
struct viommu;
struct dmar_domain;

/*
 * A VFIO container (type1): the DMA address space of one VM, as QEMU opens one for all the
 * groups of a VM. With direct_map the VM's RAM is pinned once per container and mapped once
 * per VT-d unit its devices sit behind: the first function behind a unit gets a new domain
 * with all of RAM mapped, every later one behind the same unit is attached to that domain (one
 * DID, one set of page tables), as vfio_iommu_type1_attach_group tries the container's domains
 * before it makes a new one and replays the mappings into it. A domain here spans one unit.
 *
 * Strategies that need the devices apart keep a domain per function: the paravirtual ones
 * (the guest names the device in each request and the back-end keeps its books, mappings and
 * invalidations per device, so one device's unmap must not tear down another's), and a
 * shadowing vIOMMU (the guest's own driver puts each device in a domain of its own, shadowed
 * into a domain per function). A nested vIOMMU shares the second level, as iommufd shares a
 * VM's nesting parent: the container's domain on a unit is the parent, with all of RAM mapped
 * once and attached to no device, and each function gets a domain of its own over the
 * parent's tables (intel_iommu_domain_alloc_nested: its own DID, which tags what its guest
 * first level translates).
 */
struct vfio_container;
int vfio_container_create(struct vm *vm, struct vfio_container **out);
/* Frees the container's bookkeeping (its domains are the drivers'). Accepts NULL. */
void vfio_container_destroy(struct vfio_container *c);
/* The domains the container made (one per unit behind which it has a shared-domain device, or
 * a nesting parent). */
unsigned vfio_container_domains(const struct vfio_container *c);
/* Guest pages pinned for the container's direct mappings (once, however many domains). */
uint64_t vfio_container_pinned(const struct vfio_container *c);

struct vfio_cfg {
	uint16_t host_bdf;
	uint8_t guest_devfn;
	struct vfio_dma_cfg dma;
	struct pv_iommu *pv;  /* the VM's DMA back-end (any strategy but none), or NULL */
	struct viommu *viommu; /* the VM's guest-visible IOMMU, or NULL */
	/* the VM's container; NULL: the function has one of its own (its own domain) */
	struct vfio_container *container;
	uint64_t flr_wait_us; /* PCIe 5.0 §6.6.2: 100 ms before the function is ready */
	struct host_ioapic *ioapic; /* for the function's INTx (NULL: no INTx offered) */
};

struct vfio_stats {
	uint64_t cfg_reads, cfg_writes, msix_reads, msix_writes, bar_remaps;
	uint64_t vectors_enabled, irqs, resets;
	uint64_t pinned_pages; /* pinned when this function's assignment mapped guest RAM */
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
