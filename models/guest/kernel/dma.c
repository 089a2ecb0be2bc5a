/* SPDX-License-Identifier: MIT */
/*
 * The driver API's DMA calls (Linux's dma-mapping.h). With no IOMMU the guest can program, a
 * DMA address is either the guest-physical address (dma-direct: the hypervisor mapped all of
 * guest RAM, or nothing) or whatever the hypervisor's paravirtual IOMMU was asked to map
 * (models/abi/pv_iommu.h), as the boot parameters say.
 *
 * The paravirtual front-end queues map and unmap requests and sends up to `batch` of them in
 * one hypercall. A request must reach the hypervisor before the device can use the address,
 * and the device learns of a buffer only from an MMIO write of its driver (the doorbell): so
 * the queue is sent when it is full, before any MMIO write to a device (io.c), and before the
 * vCPU halts (core.c), which also bounds how long an unmap waits. A map whose IOVA the guest
 * knows in advance (its guest-physical address, or one from its own IOVA window) needs no
 * answer; one that the quota would refuse is refused here, from the guest's own count of the
 * pages it has mapped (a cooperative guest knows its quota), so dma_mapping_error stays
 * synchronous however many requests are queued. With persistent mappings the guest asks for
 * a page once and never unmaps it.
 */
#include "models/guest/kernel/gk_internal.h"
#include "models/abi/pv_iommu.h"

#include <string.h>

#define PAGE_SIZE 4096ull

int dma_set_mask_and_coherent(struct device *dev, u64 mask)
{
	(void)dev;
	return mask >= DMA_BIT_MASK(32) ? 0 : -EIO;
}

/* ---- the paravirtual front-end ---- */

static bool pv_ready(struct gk *g)
{
	struct gk_dma *d = &g->dma;

	if (d->ready)
		return d->flags & PV_IOMMU_PRESENT;
	d->ready = true;
	d->flags = g->bp.pv_iommu_flags;
	if (!(d->flags & PV_IOMMU_PRESENT))
		return false;
	d->batch = g->bp.pv_iommu_batch ? g->bp.pv_iommu_batch : 1;
	d->quota = g->bp.pv_iommu_quota;
	d->iova_base = g->bp.pv_iommu_iova_base;
	d->iova_size = g->bp.pv_iommu_iova_size;
	u64map_init(&d->pages);
	d->q = gk__alloc(g, d->batch * PV_IOMMU_REQ_WORDS * 8, 64, &d->q_gpa);
	if (!d->q) {
		printk("%s: no memory for the paravirtual IOMMU's requests", g->cfg.name);
		d->flags = 0;
		return false;
	}
	return true;
}

void gk__dma_free(struct gk *g)
{
	u64map_free(&g->dma.pages);
}

/* The batch is this CPU's and interrupt handlers map and unmap too (a transmit completion):
 * interrupts stay off from the hypercall until the batch is empty again, as virtio-iommu holds
 * its request lock with spin_lock_irqsave. Otherwise a handler taken on the hypercall's return
 * queues behind requests already served and sends them again, or more than `batch` of them
 * (refused whole). Nothing else here takes an interrupt: queueing a request is plain stores. */
void gk__dma_flush(struct gk *g)
{
	struct gk_dma *d = &g->dma;
	bool irqs;
	uint64_t t0;

	if (!d->nq)
		return;
	irqs = isa_irqs_enabled();
	if (irqs)
		isa_cli();
	t0 = isa_rdtsc();
	if ((int64_t)isa_vmcall(KVM_HC_PV_IOMMU, d->q_gpa, d->nq) < 0)
		g->st.dma_request_errors += d->nq;
	else
		for (unsigned i = 0; i < d->nq; i++)
			g->st.dma_request_errors +=
			    d->q[i * PV_IOMMU_REQ_WORDS + PV_IOMMU_W_STATUS] != 0;
	g->st.dma_hypercall_ps += isa_tsc_to_ps(isa_rdtsc() - t0);
	g->st.dma_hypercalls++;
	d->nq = 0;
	if (irqs)
		isa_sti();
}

/* The device's slot on the guest's bus, which names it to the hypervisor. */
static unsigned devfn_of(const struct device *dev)
{
	const struct gk_dev *gd = dev->hal;

	return gd->pdev.devfn;
}

static void queue(struct gk *g, unsigned op, const struct device *dev, unsigned dir, uint64_t iova,
		  uint64_t gpa, uint64_t len)
{
	struct gk_dma *d = &g->dma;
	uint64_t *r = &d->q[d->nq * PV_IOMMU_REQ_WORDS];

	r[PV_IOMMU_W_OP] = PV_IOMMU_OP(op, dir, devfn_of(dev));
	r[PV_IOMMU_W_IOVA] = iova;
	r[PV_IOMMU_W_GPA] = gpa;
	r[PV_IOMMU_W_LEN] = len;
	r[PV_IOMMU_W_TSC] = isa_rdtsc();
	r[PV_IOMMU_W_STATUS] = 0;
	g->st.dma_requests++;
	if (++d->nq == d->batch)
		gk__dma_flush(g);
}

static uint64_t page_key(const struct device *dev, uint64_t page)
{
	return (uint64_t)devfn_of(dev) << 52 | page / PAGE_SIZE;
}

/* QUOTA_FAIL: would mapping n pages from `page` take more pages in use than the quota? */
static bool over_quota(struct gk_dma *d, const struct device *dev, uint64_t page, unsigned n)
{
	uint64_t need = 0;

	for (unsigned k = 0; k < n; k++)
		need += !u64map_get(&d->pages, page_key(dev, page + k * PAGE_SIZE), NULL);
	return d->in_use + need > d->quota;
}

/* Count n pages from `page` as mapped once more (+1) or once less (-1). */
static void count_pages(struct gk_dma *d, const struct device *dev, uint64_t page, unsigned n,
			int delta)
{
	for (unsigned k = 0; k < n; k++) {
		uint64_t key = page_key(dev, page + k * PAGE_SIZE), *c = u64map_ref(&d->pages, key);

		if (delta > 0 && !c) {
			u64map_put(&d->pages, key, 1);
			d->in_use++;
		} else if (delta > 0) {
			(*c)++;
		} else if (c && !--*c) {
			u64map_del(&d->pages, key);
			d->in_use--;
		}
	}
}

static dma_addr_t pv_map(struct gk *g, struct device *dev, uint64_t gpa, size_t size,
			 enum dma_data_direction dir)
{
	struct gk_dma *d = &g->dma;
	uint64_t page = gpa & ~(PAGE_SIZE - 1), off = gpa - page, iova = page;
	unsigned n = (unsigned)((off + size + PAGE_SIZE - 1) / PAGE_SIZE);

	if (d->flags & PV_IOMMU_PERSISTENT) {
		unsigned have = 0;

		for (unsigned k = 0; k < n; k++)
			have += u64map_get(&d->pages, page_key(dev, page + k * PAGE_SIZE), NULL);
		if (have == n)
			return gpa; /* mapped for good already */
		for (unsigned k = 0; k < n; k++)
			u64map_put(&d->pages, page_key(dev, page + k * PAGE_SIZE), 1);
	} else if (d->flags & PV_IOMMU_QUOTA_FAIL) {
		if (over_quota(d, dev, page, n))
			return DMA_MAPPING_ERROR;
		count_pages(d, dev, page, n, +1);
	}
	if (d->flags & PV_IOMMU_IOVA_ALLOC) {
		/* A range of IOVAs of its own, from a window so large that none comes back before
		 * every invalidation of its last use has long completed. */
		if (d->iova_next + n * PAGE_SIZE > d->iova_size)
			d->iova_next = 0;
		iova = d->iova_base + d->iova_next;
		d->iova_next += n * PAGE_SIZE;
	}
	queue(g, PV_IOMMU_OP_MAP, dev, (unsigned)dir, iova, page, n * PAGE_SIZE);
	return iova + off;
}

static void pv_unmap(struct gk *g, struct device *dev, dma_addr_t addr, size_t size,
		     enum dma_data_direction dir)
{
	struct gk_dma *d = &g->dma;
	uint64_t page = addr & ~(PAGE_SIZE - 1);
	unsigned n = (unsigned)((addr - page + size + PAGE_SIZE - 1) / PAGE_SIZE);

	if (d->flags & PV_IOMMU_PERSISTENT)
		return;
	if (d->flags & PV_IOMMU_QUOTA_FAIL)
		count_pages(d, dev, page, n, -1);
	queue(g, PV_IOMMU_OP_UNMAP, dev, (unsigned)dir, page, 0, n * PAGE_SIZE);
}

/* ---- the driver API ---- */

static void dma_work(struct gk *g, uint64_t cycles)
{
	g->st.dma_cycles += cycles;
	isa_compute(cycles);
}

void *dma_alloc_coherent(struct device *dev, size_t size, dma_addr_t *handle, gfp_t gfp)
{
	struct gk *g = gk__self();
	uint64_t gpa;
	size_t sz = (size + 4095) & ~(size_t)4095;
	void *p = gk__alloc(g, sz, 4096, &gpa);

	(void)gfp;
	if (!p)
		return NULL;
	memset(p, 0, sz);
	*handle = gpa;
	if (gk__iommu_on(g)) {
		dma_work(g, g->cfg.costs.dma_iommu);
		*handle = gk__iommu_map(g, dev, gpa, sz, DMA_BIDIRECTIONAL);
		if (*handle == DMA_MAPPING_ERROR) {
			gk__free(g, p, sz);
			return NULL;
		}
	} else if (pv_ready(g)) {
		dma_work(g, g->cfg.costs.dma_pv);
		*handle = pv_map(g, dev, gpa, sz, DMA_BIDIRECTIONAL);
		if (*handle == DMA_MAPPING_ERROR) {
			gk__free(g, p, sz);
			return NULL;
		}
	}
	g->st.coherent_bytes += sz;
	return p;
}

void dma_free_coherent(struct device *dev, size_t size, void *cpu_addr, dma_addr_t handle)
{
	struct gk *g = gk__self();
	size_t sz = (size + 4095) & ~(size_t)4095;

	if (gk__iommu_on(g)) {
		dma_work(g, g->cfg.costs.dma_iommu);
		gk__iommu_unmap(g, dev, handle, sz, DMA_BIDIRECTIONAL);
	} else if (pv_ready(g)) {
		dma_work(g, g->cfg.costs.dma_pv);
		pv_unmap(g, dev, handle, sz, DMA_BIDIRECTIONAL);
		gk__dma_flush(g); /* the memory goes back to the allocator */
	}
	gk__free(g, cpu_addr, sz);
}

dma_addr_t dma_map_single(struct device *dev, void *ptr, size_t size, enum dma_data_direction dir)
{
	struct gk *g = gk__self();
	uint64_t gpa = gk__virt_to_phys(g, ptr);
	dma_addr_t a;

	g->st.dma_maps++;
	if (gpa == ~0ull) {
		g->st.dma_map_errors++;
		return DMA_MAPPING_ERROR;
	}
	if (gk__iommu_on(g)) {
		/* iommu.passthrough: identity, dma-direct's cost */
		dma_work(g, g->cfg.iommu == GK_IOMMU_PASSTHROUGH ? g->cfg.costs.dma_direct
								 : g->cfg.costs.dma_iommu);
		a = gk__iommu_map(g, dev, gpa, size, dir);
		if (a == DMA_MAPPING_ERROR)
			g->st.dma_map_errors++;
		return a;
	}
	if (!pv_ready(g)) {
		isa_compute(g->cfg.costs.dma_direct);
		return gpa;
	}
	dma_work(g, g->cfg.costs.dma_pv);
	a = pv_map(g, dev, gpa, size, dir);
	if (a == DMA_MAPPING_ERROR)
		g->st.dma_map_errors++;
	return a;
}

void dma_unmap_single(struct device *dev, dma_addr_t addr, size_t size,
		      enum dma_data_direction dir)
{
	struct gk *g = gk__self();

	g->st.dma_unmaps++;
	if (gk__iommu_on(g)) {
		dma_work(g, g->cfg.iommu == GK_IOMMU_PASSTHROUGH ? g->cfg.costs.dma_direct
								 : g->cfg.costs.dma_iommu);
		gk__iommu_unmap(g, dev, addr, size, dir);
		return;
	}
	if (!pv_ready(g)) {
		isa_compute(g->cfg.costs.dma_direct);
		return;
	}
	dma_work(g, g->cfg.costs.dma_pv);
	pv_unmap(g, dev, addr, size, dir);
}
