/* SPDX-License-Identifier: MIT */
/* The shared VT-d driver's HAL in the host kernel, and its metric table; see host_iommu.h. */
#include "models/host/host_iommu.h"
#include "models/host/host.h"
#include "models/mem/mem.h"
#include "sim/metrics.h"

#include <errno.h>
#include <stdlib.h>

static uint32_t hal_readl(void *ctx, uint64_t pa)
{
	return host_readl(ctx, pa);
}

static uint64_t hal_readq(void *ctx, uint64_t pa)
{
	return host_readq(ctx, pa);
}

static void hal_writel(void *ctx, uint64_t pa, uint32_t v)
{
	host_writel(ctx, pa, v);
}

static void hal_writeq(void *ctx, uint64_t pa, uint64_t v)
{
	host_writeq(ctx, pa, v);
}

static uint32_t hal_cfg_read(void *ctx, uint16_t bdf, uint32_t off, unsigned size)
{
	return host_cfg_read(ctx, bdf, off, size);
}

static void hal_cfg_write(void *ctx, uint16_t bdf, uint32_t off, unsigned size, uint32_t v)
{
	host_cfg_write(ctx, bdf, off, size, v);
}

static uint64_t hal_mem_read64(void *ctx, uint64_t pa)
{
	return host_mem_read64(ctx, pa);
}

static uint32_t hal_mem_read32(void *ctx, uint64_t pa)
{
	return host_mem_read32(ctx, pa);
}

static void hal_mem_write64(void *ctx, uint64_t pa, uint64_t v)
{
	host_mem_write64(ctx, pa, v);
}

static bool hal_spin_mem32(void *ctx, uint64_t pa, uint32_t want, uint64_t timeout_ns)
{
	return host_spin_mem32(ctx, pa, want, timeout_ns);
}

static int hal_alloc_pages(void *ctx, uint64_t npages, uint64_t *pa)
{
	return host_alloc_pages(ctx, npages, MEM_OWNER_HOST, pa);
}

static void hal_free_pages(void *ctx, uint64_t pa, uint64_t npages)
{
	host_free_pages(ctx, pa, npages);
}

static uint64_t hal_now_ps(void *ctx)
{
	return host_now(ctx);
}

static void hal_ndelay(void *ctx, uint64_t ns)
{
	host_ndelay(ctx, ns);
}

static void hal_relax(void *ctx)
{
	host_ndelay(ctx, host_costs(ctx)->poll_ns);
}

/* A host vector whose handler calls the driver's. */
struct hal_irq {
	struct host *h;
	unsigned cpu;
	uint8_t vector;
	iommu_irq_fn fn;
	void *arg;
};

static void hal_irq_handler(void *ctx, struct pcpu *p, uint8_t vector)
{
	struct hal_irq *irq = ctx;

	(void)p;
	(void)vector;
	irq->fn(irq->arg);
}

static int hal_irq_alloc(void *ctx, unsigned cpu, iommu_irq_fn fn, void *arg, uint8_t *vector,
			 uint32_t *apic_id, void **cookie)
{
	struct hal_irq *irq = malloc(sizeof(*irq));
	int rc;

	if (!irq)
		return -ENOMEM;
	*irq = (struct hal_irq){.h = ctx, .cpu = cpu, .fn = fn, .arg = arg};
	rc = host_irq_alloc(ctx, cpu, hal_irq_handler, irq, &irq->vector);
	if (rc) {
		free(irq);
		return rc;
	}
	*vector = irq->vector;
	*apic_id = host_cpu_apic_id(ctx, cpu);
	*cookie = irq;
	return 0;
}

static void hal_irq_free(void *ctx, void *cookie)
{
	struct hal_irq *irq = cookie;

	host_irq_free(ctx, irq->cpu, irq->vector);
	free(irq);
}

static void hal_log(void *ctx, const char *msg)
{
	host_log(ctx, "%s", msg);
}

static const struct iommu_hal_ops host_hal_ops = {
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

struct iommu_hal host_iommu_hal(struct host *h)
{
	return (struct iommu_hal){.ops = &host_hal_ops, .ctx = h};
}

/* Where the host driver's counters reach the results (the application places this table at
 * ""). Left out: the queue submissions, flush requests and faults handled, which the unit
 * counts as it executes them (iommu.invalidation_*, iommu.invalidations_by_kind.*,
 * iommu.fault_events), and ats_enabled, which only setup changes. */
#define DRV_ROW(field, kind, key, meaning)                                                         \
	{                                                                                          \
		METRIC(struct intel_iommu_stats, field, kind, key, meaning)                        \
	}
static const struct metric intel_iommu_rows[] = {
    DRV_ROW(maps, COUNT, "iommu.maps", "map calls on the units' domains"),
    DRV_ROW(unmaps, COUNT, "iommu.unmaps", "unmap calls"),
    {METRIC(struct intel_iommu_stats, pages_mapped_peak, GAUGE, "iommu.pinned_pages_peak",
	    "4 KiB pages mapped in a unit's tables at their peak, summed over the units"),
     .agg = METRIC_AGG_SUM},
    DRV_ROW(pages_mapped, COUNT, "iommu.driver.pages_mapped", "4 KiB pages mapped"),
    DRV_ROW(pages_unmapped, COUNT, "iommu.driver.pages_unmapped", "4 KiB pages unmapped"),
    DRV_ROW(table_pages, GAUGE, "iommu.driver.table_pages",
	    "pages the driver allocated for root, context, page, queue and IRT tables"),
    DRV_ROW(irtes_in_use, GAUGE, "iommu.driver.irtes_in_use",
	    "interrupt-remapping table entries allocated"),
};
const struct metric_table intel_iommu_metrics =
    METRIC_TABLE(struct intel_iommu_stats, intel_iommu_rows);
