/* SPDX-License-Identifier: MIT */
/*
 * The guest kernel's IOMMU: the shared VT-d driver (models/drivers/intel_iommu) running
 * against whatever unit the guest's ACPI DMAR table describes (a vIOMMU the hypervisor
 * emulates), through this kernel's implementation of the driver's HAL (iommu_hal.h): register
 * accesses are MMIO instructions (they trap), tables live in guest RAM, pages come from the
 * kernel's allocator, time is the TSC, the fault event is a vector of this kernel's.
 *
 * Above it, the DMA API's IOMMU path (Linux's drivers/iommu/dma-iommu.c): every device gets a
 * DMA domain at boot (or an identity context with iommu.passthrough), dma_map_* allocates an
 * IOVA and maps the pages, dma_unmap_* unmaps them and invalidates by the policy -- strict
 * (before it returns) or lazy (Linux's flush queue: IOVAs wait, unreused, until 256 have
 * gathered or 10 ms passed, then one domain invalidation frees them all). This kernel has no
 * timer, so the flush queue's timeout is checked at its next DMA call (and before the CPU
 * halts), not by an interrupt.
 */
#include "models/guest/kernel/gk_internal.h"
#include "models/drivers/intel_iommu/dmar.h"
#include "models/drivers/intel_iommu/intel_iommu.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_SIZE   4096ull
#define FQ_ENTRIES  256				 /* Linux's IOVA_FQ_SIZE */
#define FQ_TIMEOUT  (10ull * 1000 * 1000 * 1000) /* IOVA_FQ_TIMEOUT, 10 ms, in ps */
#define IOVA_TOP    (1ull << 32)		 /* dma-iommu tries below 4 GiB first, top down */
#define POLL_CYCLES 100

/* ---- the driver's HAL in this kernel ---- */

static uint32_t hal_readl(void *ctx, uint64_t pa)
{
	(void)ctx;
	return (uint32_t)isa_mmio_read(pa, 4);
}

static uint64_t hal_readq(void *ctx, uint64_t pa)
{
	(void)ctx;
	return isa_mmio_read(pa, 8);
}

static void hal_writel(void *ctx, uint64_t pa, uint32_t v)
{
	(void)ctx;
	isa_mmio_write(pa, 4, v);
}

static void hal_writeq(void *ctx, uint64_t pa, uint64_t v)
{
	(void)ctx;
	isa_mmio_write(pa, 8, v);
}

static uint32_t hal_cfg_read(void *ctx, uint16_t bdf, uint32_t off, unsigned size)
{
	if (bdf >> 8)
		return size == 4 ? ~0u : (1u << (8 * size)) - 1; /* one bus */
	return gk__cfg_read(ctx, (uint8_t)bdf, off, size);
}

static void hal_cfg_write(void *ctx, uint16_t bdf, uint32_t off, unsigned size, uint32_t v)
{
	if (!(bdf >> 8))
		gk__cfg_write(ctx, (uint8_t)bdf, off, size, v);
}

static uint64_t hal_mem_read64(void *ctx, uint64_t pa)
{
	const uint8_t *p = isa_ram_ptr(pa, 8);
	uint64_t v = ~0ull;

	(void)ctx;
	if (p)
		memcpy(&v, p, 8);
	return v;
}

static uint32_t hal_mem_read32(void *ctx, uint64_t pa)
{
	const uint8_t *p = isa_ram_ptr(pa, 4);
	uint32_t v = ~0u;

	(void)ctx;
	if (p)
		memcpy(&v, p, 4);
	return v;
}

static void hal_mem_write64(void *ctx, uint64_t pa, uint64_t v)
{
	uint8_t *p = isa_ram_ptr(pa, 8);

	(void)ctx;
	if (p)
		memcpy(p, &v, 8);
}

static bool hal_spin_mem32(void *ctx, uint64_t pa, uint32_t want, uint64_t timeout_ns)
{
	uint64_t end = gk_now_ps(ctx) + timeout_ns * 1000;

	for (;;) {
		if (hal_mem_read32(ctx, pa) == want)
			return true;
		if (gk_now_ps(ctx) > end)
			return false;
		isa_compute(POLL_CYCLES);
	}
}

static int hal_alloc_pages(void *ctx, uint64_t npages, uint64_t *pa)
{
	void *p = gk__alloc(ctx, npages * PAGE_SIZE, PAGE_SIZE, pa);

	if (!p)
		return -ENOMEM;
	memset(p, 0, npages * PAGE_SIZE);
	return 0;
}

static void hal_free_pages(void *ctx, uint64_t pa, uint64_t npages)
{
	struct gk *g = ctx;
	void *p;

	if (g->iommu.unit && !isa_percpu())
		return; /* the kernel is being torn down: its RAM goes with the VM */
	p = isa_ram_ptr(pa, npages * PAGE_SIZE);
	if (p)
		gk__free(ctx, p, npages * PAGE_SIZE);
}

static uint64_t hal_now_ps(void *ctx)
{
	return gk_now_ps(ctx);
}

static void hal_ndelay(void *ctx, uint64_t ns)
{
	gk_spin_until(ctx, gk_now_ps(ctx) + ns * 1000);
}

static void hal_relax(void *ctx)
{
	(void)ctx;
	isa_compute(POLL_CYCLES);
}

static irqreturn_t fault_handler(int irq, void *dev)
{
	struct gk_iommu *im = dev;

	(void)irq;
	im->fault_fn(im->fault_arg);
	return IRQ_HANDLED;
}

static int hal_irq_alloc(void *ctx, unsigned cpu, iommu_irq_fn fn, void *arg, uint8_t *vector,
			 uint32_t *apic_id, void **cookie)
{
	struct gk *g = ctx;
	int v = gk__alloc_vector(g);

	if (v < 0)
		return v;
	g->iommu.fault_fn = fn;
	g->iommu.fault_arg = arg;
	g->irqs[v].fn = fault_handler;
	g->irqs[v].dev = &g->iommu;
	g->irqs[v].name = "dmar";
	*vector = (uint8_t)v;
	*apic_id = cpu; /* this kernel numbers its CPUs by APIC ID */
	*cookie = &g->irqs[v];
	return 0;
}

static void hal_irq_free(void *ctx, void *cookie)
{
	struct gk_irq *irq = cookie;

	(void)ctx;
	irq->fn = NULL;
}

static void hal_log(void *ctx, const char *msg)
{
	printk("%s: %s", gk_name(ctx), msg);
}

static const struct iommu_hal_ops guest_hal_ops = {
    .readl = hal_readl,
    .readq = hal_readq,
    .writel = hal_writel,
    .writeq = hal_writeq,
    .cfg_read = hal_cfg_read,
    .cfg_write = hal_cfg_write,
    .mem_read64 = hal_mem_read64,
    .mem_read32 = hal_mem_read32,
    .mem_write64 = hal_mem_write64,
    .spin_mem32 = hal_spin_mem32,
    .alloc_pages = hal_alloc_pages,
    .free_pages = hal_free_pages,
    .now_ps = hal_now_ps,
    .ndelay = hal_ndelay,
    .relax = hal_relax,
    .irq_alloc = hal_irq_alloc,
    .irq_free = hal_irq_free,
    .log = hal_log,
};

/* ---- bring-up (Linux's intel_iommu_init, then iommu_probe_device for each function) ---- */

void gk_share_iommu(struct gk *g, struct intel_iommu *(*unit_for)(void *ctx, uint16_t bdf),
		    void *ctx, bool dma)
{
	g->iommu.shared = unit_for;
	g->iommu.shared_ctx = ctx;
	g->iommu.shared_dma = dma;
}

/* A domain per device (iommu_probe_device's default domain), or identity with
 * iommu.passthrough; the domain in the device's unit. */
static int attach(struct gk *g, struct intel_iommu *unit, unsigned i)
{
	struct gk_iommu *im = &g->iommu;
	uint16_t bdf = g->devs[i].bdf;
	int rc;

	if (g->cfg.iommu == GK_IOMMU_PASSTHROUGH)
		return intel_iommu_attach_identity(unit, bdf);
	rc = intel_iommu_domain_alloc(unit, &im->dom[i]);
	if (!rc)
		rc = intel_iommu_attach_device(im->dom[i], bdf);
	return rc;
}

/* Bare metal: the units the host's boot brought up remap each device's interrupts and, with
 * DMA remapping on, its DMA (no DMAR parsing of its own, no second bring-up). */
static int share_init(struct gk *g)
{
	struct gk_iommu *im = &g->iommu;
	int rc = 0;

	for (unsigned i = 0; i < g->ndevs && !rc; i++) {
		struct intel_iommu *unit = im->shared(im->shared_ctx, g->devs[i].bdf);

		g->devs[i].ir = unit;
		if (!unit || !im->shared_dma)
			continue;
		if (!im->unit)
			im->unit = unit; /* the DMA API's IOMMU path is on */
		rc = attach(g, unit, i);
	}
	im->iova_next = IOVA_TOP;
	if (rc)
		printk("%s: DMAR: attaching devices failed (%d)", g->cfg.name, rc);
	return rc;
}

int gk__iommu_init(struct gk *g)
{
	struct gk_iommu *im = &g->iommu;
	const struct iommu_hal hal = {.ops = &guest_hal_ops, .ctx = g};
	struct intel_iommu_cfg cfg = {
	    .use_qi = true, .scalable = true, .irt_entries = 256, .fault_cpu = 0};
	int rc;

	if (im->shared)
		return share_init(g);
	if (!g->bp.acpi_rsdp)
		return 0;
	im->dmar = calloc(1, sizeof(*im->dmar));
	if (!im->dmar)
		return -ENOMEM;
	rc = dmar_parse(&hal, g->bp.acpi_rsdp, im->dmar);
	if (rc || !im->dmar->nunits)
		return rc == -ENODEV ? 0 : rc;
	cfg.dmar = im->dmar;
	rc = intel_iommu_init(&hal, im->dmar->unit[0].reg_base, &cfg, &im->unit);
	if (rc) {
		printk("%s: DMAR: unit at %#llx did not come up (%d)", g->cfg.name,
		       (unsigned long long)im->dmar->unit[0].reg_base, rc);
		return rc;
	}
	im->iova_next = IOVA_TOP;
	for (unsigned i = 0; i < g->ndevs && !rc; i++)
		rc = attach(g, im->unit, i);
	if (rc)
		printk("%s: DMAR: attaching devices failed (%d)", g->cfg.name, rc);
	return rc;
}

void gk__iommu_free(struct gk *g)
{
	/* Its pages are the guest's RAM: nothing the simulator has to give back. A shared unit
	 * is the host's, which destroys it. */
	if (!g->iommu.shared)
		intel_iommu_destroy(g->iommu.unit);
	free(g->iommu.dmar);
	free(g->iommu.fq);
}

bool gk__iommu_on(const struct gk *g)
{
	return g->iommu.unit != NULL;
}

/* ---- IOVAs: reused LIFO per size (Linux's rcache magazines), else carved top down ---- */

static uint64_t iova_alloc(struct gk_iommu *im, unsigned n)
{
	if (n <= GK_IOVA_SIZES && im->nfree[n - 1])
		return im->freed[n - 1][--im->nfree[n - 1]];
	im->iova_next -= n * PAGE_SIZE;
	return im->iova_next;
}

static void iova_free(struct gk_iommu *im, uint64_t iova, unsigned n)
{
	if (n <= GK_IOVA_SIZES && im->nfree[n - 1] < GK_IOVA_CACHE)
		im->freed[n - 1][im->nfree[n - 1]++] = iova;
}

static struct dmar_domain *dom_of(struct gk *g, const struct device *dev)
{
	const struct gk_dev *gd = dev->hal;

	return g->iommu.dom[gd - g->devs];
}

/* The flush queue: one domain invalidation per domain queued, then the IOVAs are free. */
static void fq_flush(struct gk *g)
{
	struct gk_iommu *im = &g->iommu;

	for (unsigned i = 0; i < g->ndevs; i++) {
		bool queued = false;

		for (unsigned k = 0; k < im->nfq && !queued; k++)
			queued = im->fq[k].dom == im->dom[i];
		if (queued)
			intel_iommu_flush_domain(im->dom[i], NULL);
	}
	for (unsigned k = 0; k < im->nfq; k++)
		iova_free(im, im->fq[k].iova, im->fq[k].npages);
	im->nfq = 0;
	im->fq_flushes++;
}

void gk__iommu_fq_check(struct gk *g)
{
	struct gk_iommu *im = &g->iommu;

	if (im->nfq && gk_now_ps(g) - im->fq_first_ps >= FQ_TIMEOUT)
		fq_flush(g);
}

dma_addr_t gk__iommu_map(struct gk *g, struct device *dev, uint64_t gpa, size_t size,
			 enum dma_data_direction dir)
{
	struct gk_iommu *im = &g->iommu;
	struct dmar_domain *dom = dom_of(g, dev);
	uint64_t page = gpa & ~(PAGE_SIZE - 1), off = gpa - page, iova;
	unsigned n = (unsigned)((off + size + PAGE_SIZE - 1) / PAGE_SIZE);
	unsigned prot = dir == DMA_TO_DEVICE	 ? IOMMU_READ
			: dir == DMA_FROM_DEVICE ? IOMMU_WRITE
						 : IOMMU_READ | IOMMU_WRITE;

	if (!dom)
		return gpa; /* identity (iommu.passthrough) */
	gk__iommu_fq_check(g);
	iova = iova_alloc(im, n);
	/* With caching mode the driver invalidates the new mapping too: an exit. */
	if (intel_iommu_map(dom, iova, page, n * PAGE_SIZE, prot)) {
		iova_free(im, iova, n);
		return DMA_MAPPING_ERROR;
	}
	return iova + off;
}

void gk__iommu_unmap(struct gk *g, struct device *dev, dma_addr_t addr, size_t size,
		     enum dma_data_direction dir)
{
	struct gk_iommu *im = &g->iommu;
	struct dmar_domain *dom = dom_of(g, dev);
	uint64_t page = addr & ~(PAGE_SIZE - 1);
	unsigned n = (unsigned)((addr - page + size + PAGE_SIZE - 1) / PAGE_SIZE);

	(void)dir;
	if (!dom)
		return;
	if (g->cfg.iommu != GK_IOMMU_LAZY) {
		intel_iommu_unmap(dom, page, n * PAGE_SIZE, true);
		iova_free(im, page, n);
		return;
	}
	/* Lazy: the entries go, their IOTLB entries stay until the queue is flushed. */
	intel_iommu_unmap(dom, page, n * PAGE_SIZE, false);
	gk__iommu_fq_check(g);
	if (im->nfq == FQ_ENTRIES)
		fq_flush(g);
	if (!im->fq) {
		im->fq = calloc(FQ_ENTRIES, sizeof(*im->fq));
		if (!im->fq) {
			intel_iommu_flush_domain(dom, NULL);
			return;
		}
	}
	if (!im->nfq)
		im->fq_first_ps = gk_now_ps(g);
	im->fq[im->nfq++] = (struct gk_fq_entry){dom, page, n};
}
