/* SPDX-License-Identifier: MIT */
/*
 * Inside the guest kernel (models/guest/kernel) only: its state, and the helpers its files
 * share. The kernel reaches the CPU through isa.h alone.
 */
#ifndef PTSIM_GK_INTERNAL_H
#define PTSIM_GK_INTERNAL_H

#include "models/guest/kernel/gk.h"
#include "models/guest/hal.h"
#include "models/guest/kernel/isa.h"
#include "models/abi/bootparam.h"
#include "sim/u64map.h"

#define GK_MAX_DEVS    32
#define GK_MAX_DRIVERS 8
#define GK_MAX_CPUS    16
#define GK_FIRST_VECTOR 0x30
#define GK_LAST_VECTOR  0xdf

struct gk_irq {
	irq_handler_t fn;
	void *dev;
	const char *name;
	uint64_t count;
	int gsi; /* >= 0: an I/O APIC pin, level-triggered (handle_fasteoi_irq) */
};

struct intel_iommu;
struct gk_dev {
	struct pci_dev pdev;
	uint16_t bdf; /* bus << 8 | devfn */
	char name[16];
	struct intel_iommu *ir; /* bare metal: the unit that remaps its interrupts */
	struct gk *g;
	struct pci_driver *drv;
	unsigned nvec;
	int vec[32];                /* guest vectors of its MSI-X entries (-1: none) */
	unsigned msix_size;         /* entries in its MSI-X table */
	volatile u8 *msix_table;    /* ioremapped */
	bool intx;                  /* vec[0] is its INTx line through the I/O APIC */
	/* Its INTx route under firmware's _PRT (bare metal): the root-bus device its pin
	 * reaches, and the swizzle on the way (0-3, added to the pin). */
	uint8_t intx_root_slot, intx_swizzle;
};

struct gk_ram {
	uint64_t gpa, size;
	uint8_t *ptr; /* the kernel's direct map of it */
	uint64_t next; /* bump allocator cursor (bytes from gpa) */
};

struct gk_free_block {
	uint64_t gpa, size;
};

/* The DMA layer's paravirtual IOMMU front-end (dma.c, models/abi/pv_iommu.h). */
struct gk_dma {
	bool ready;
	uint64_t flags, batch, quota; /* from the boot parameters */
	uint64_t iova_base, iova_size, iova_next;
	uint64_t *q; /* the request batch in guest RAM, at q_gpa */
	uint64_t q_gpa;
	unsigned nq;
	struct u64map pages; /* PERSISTENT: pages mapped; QUOTA_FAIL: page -> mappings of it */
	uint64_t in_use;     /* QUOTA_FAIL: pages with mappings */
};

/* The guest's own IOMMU (iommu.c): the shared VT-d driver on the unit its DMAR table names. */
struct intel_iommu;
struct dmar_domain;
struct dmar_info;
#define GK_IOVA_SIZES 4	   /* IOVA ranges of 1..4 pages are reused */
#define GK_IOVA_CACHE 1024 /* ... up to this many of each size */
struct gk_fq_entry {
	struct dmar_domain *dom;
	uint64_t iova;
	unsigned npages;
};
struct gk_iommu {
	struct intel_iommu *unit; /* NULL: no IOMMU (the DMA layer is dma-direct or paravirtual) */
	struct dmar_info *dmar;
	struct dmar_domain *dom[GK_MAX_DEVS]; /* per device; NULL: identity */
	uint64_t iova_next;
	uint64_t freed[GK_IOVA_SIZES][GK_IOVA_CACHE];
	unsigned nfree[GK_IOVA_SIZES];
	struct gk_fq_entry *fq; /* lazy: the flush queue */
	unsigned nfq;
	uint64_t fq_first_ps, fq_flushes;
	void (*fault_fn)(void *arg);
	void *fault_arg;
	/* bare metal: the host boot's units (gk_share_iommu) */
	struct intel_iommu *(*shared)(void *ctx, uint16_t bdf);
	void *shared_ctx;
	bool shared_dma;
};

/* A CPU's softirq state (Linux's softnet_data and preempt count): its NAPI poll list. */
struct gk_softnet {
	struct napi_struct *head, *tail;
	unsigned hardirq; /* interrupt handlers running on this CPU */
	bool in_softirq;
};

struct gk {
	struct gk_cfg cfg;
	struct vcpu *cpus[GK_MAX_CPUS];
	unsigned ncpus;
	struct bootparam bp;
	struct gk_ram ram[BP_MAX_RAM];
	unsigned nram;
	struct gk_free_block *freelist;
	size_t nfree, cap_free;
	struct gk_dev devs[GK_MAX_DEVS];
	unsigned ndevs;
	struct pci_driver *drivers[GK_MAX_DRIVERS];
	struct gk_module_args args[GK_MAX_DRIVERS]; /* each driver's module parameters */
	bool has_args[GK_MAX_DRIVERS];
	unsigned ndrivers;
	struct gk_irq irqs[256];
	uint32_t gsi_rte[64]; /* low halves of the I/O APIC entries this kernel programmed */
	unsigned next_vector;
	struct net_device netdevs[4];
	unsigned nnetdevs;
	void (*rx)(void *ctx, const void *data, unsigned len);
	void *rx_ctx;
	uint64_t rx_seen; /* frames_rx at the last gk_net_wait_rx */
	void (*tx_done)(void *ctx, const void *data, unsigned len, bool sent);
	void *tx_done_ctx;
	void (*init)(void *ctx, struct gk *g);
	void *init_ctx;
	void (*irq_probe)(void *ctx, uint8_t vector, uint64_t t_ps);
	void *irq_probe_ctx;
	void (*irq_done)(void *ctx);
	void *irq_done_ctx;
	unsigned irq_depth;
	struct gk_dma dma;
	struct gk_iommu iommu;
	struct gk_blk *blk; /* blk.c: disks and the submitter's completion callback */
	struct gk_softnet softnet[GK_MAX_CPUS]; /* by APIC ID */
	struct gk_stats st;
};

/* The kernel of the CPU the calling code runs on (its per-CPU base), NULL off a vCPU. */
static inline struct gk *gk__self(void)
{
	return isa_percpu();
}

/* This CPU's softirq state. */
static inline struct gk_softnet *gk__softnet(struct gk *g)
{
	return &g->softnet[isa_cpu_id() % GK_MAX_CPUS];
}

/* mm.c */
int gk__mm_init(struct gk *g);
void *gk__alloc(struct gk *g, size_t size, size_t align, uint64_t *gpa);
void gk__free(struct gk *g, const void *ptr, size_t size);
uint64_t gk__virt_to_phys(struct gk *g, const void *ptr);

/* dma.c: send the queued paravirtual IOMMU requests (before an MMIO write, before HLT). */
void gk__dma_flush(struct gk *g);
void gk__dma_free(struct gk *g);

/* iommu.c: the guest's VT-d driver and the DMA API's IOMMU path */
int gk__iommu_init(struct gk *g);
void gk__iommu_free(struct gk *g);
bool gk__iommu_on(const struct gk *g);
void gk__iommu_fq_check(struct gk *g);
dma_addr_t gk__iommu_map(struct gk *g, struct device *dev, uint64_t gpa, size_t size,
			 enum dma_data_direction dir);
void gk__iommu_unmap(struct gk *g, struct device *dev, dma_addr_t addr, size_t size,
		     enum dma_data_direction dir);
/* blk.c */
struct gk_blk;
void gk__blk_free(struct gk *g);

/* pci.c */
uint32_t gk__cfg_read(struct gk *g, uint16_t bdf, uint32_t off, unsigned size);
void gk__cfg_write(struct gk *g, uint16_t bdf, uint32_t off, unsigned size, uint32_t val);
int gk__pci_scan(struct gk *g);
void gk__pci_bind(struct gk *g);
struct gk_dev *gk__dev(struct pci_dev *pdev);

/* net.c: irq_exit's invoke_softirq -- this CPU's pending NAPI polls, interrupts on */
void gk__do_softirq(struct gk *g);

/* irq.c */
void gk__idt(void *ctx, uint8_t vector);
int gk__alloc_vector(struct gk *g);

/* apic.c */
int gk__lapic_init(struct gk *g);
void gk__eoi(struct gk *g);
void gk__ioapic_route(struct gk *g, unsigned gsi, uint8_t vector);
void gk__ioapic_mask(struct gk *g, unsigned gsi, bool mask);

/* MMIO cookies: ioremap returns tagged guest-physical addresses. */
#define GK_IOMEM_TAG (1ull << 62)
static inline uint64_t gk__iomem_gpa(const volatile void *p)
{
	return (uint64_t)(uintptr_t)p & ~GK_IOMEM_TAG;
}
static inline void __iomem *gk__iomem(uint64_t gpa)
{
	return (void __iomem *)(uintptr_t)(gpa | GK_IOMEM_TAG);
}

#endif
