/* SPDX-License-Identifier: MIT */
/* dma_bench's host side (see dma_bench.h): everything through the HAL and the VT-d driver. */
#include "workloads/dma_bench.h"
#include "models/devices/dmaeng_regs.h"
#include "models/host/host.h"
#include "models/host/hpci.h"
#include "models/drivers/intel_iommu/intel_iommu.h"
#include "models/mem/mem.h"
#include "models/pcie/pcie_regs.h"
#include "sim/knob.h"
#include "sim/metrics.h"

#include <errno.h>
#include <string.h>

/* The window's bus addresses start at 1 GiB: aligned for every page size. */
#define IOVA_BASE (1ull << 30)

/* What the host saw; the reads themselves are the engine's (dmaeng_metrics). */
static const struct metric dma_bench_rows[] = {
    {METRIC(struct wl_dma_bench_result, mapped_bytes, GAUGE, "mapped_bytes",
	    "bytes the host mapped for the engine")},
    {METRIC(struct wl_dma_bench_result, elapsed_ns, GAUGE, "engine_elapsed_ns",
	    "the run's length as the engine reports it, in ns")},
};
const struct metric_table wl_dma_bench_metrics =
    METRIC_TABLE(struct wl_dma_bench_result, dma_bench_rows);

int wl_dma_bench_run(struct host *h, struct intel_iommu *iommu, struct hpci *pci, uint16_t bdf,
		     const struct wl_dma_bench_cfg *cfg, const struct wl_dma_bench_hooks *hooks,
		     struct wl_dma_bench_result *res)
{
	struct hpci_dev *pd = hpci_find_bdf(pci, bdf);
	unsigned page_shift = (unsigned)__builtin_ctzll(cfg->page_bytes); /* 12, 21 or 30 */
	uint64_t page = 1ull << page_shift, bar, size, hpa;
	struct dmar_domain *dom;
	int rc;

	memset(res, 0, sizeof(*res));
	if (!pd || !pd->bar[0].base || !iommu)
		return -ENODEV;
	bar = pd->bar[0].base;
	/* The buffer: whole pages of the mapping's size, aligned to it. */
	size = (cfg->window_bytes + page - 1) & ~(page - 1);
	rc = host_alloc_pages_aligned(h, size / 4096, page, MEM_OWNER_HOST, &hpa);
	if (rc)
		return rc;
	res->hpa = hpa;
	res->mapped_bytes = size;
	rc = intel_iommu_domain_alloc(iommu, &dom);
	if (!rc)
		rc =
		    intel_iommu_map_pages(dom, IOVA_BASE, hpa, size, IOMMU_READ, page_shift);
	if (!rc)
		rc = intel_iommu_attach_device(dom, bdf);
	if (rc)
		return rc;
	res->iova = IOVA_BASE;

	host_cfg_write(h, bdf, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	host_writel(h, bar + DMAENG_ADDR_LO, (uint32_t)IOVA_BASE);
	host_writel(h, bar + DMAENG_ADDR_HI, (uint32_t)(IOVA_BASE >> 32));
	host_writel(h, bar + DMAENG_WINDOW_LO, (uint32_t)cfg->window_bytes);
	host_writel(h, bar + DMAENG_WINDOW_HI, (uint32_t)(cfg->window_bytes >> 32));
	host_writel(h, bar + DMAENG_COUNT, (uint32_t)cfg->reads);
	host_writel(h, bar + DMAENG_LEN, cfg->read_bytes);
	host_writel(h, bar + DMAENG_TAGS, cfg->outstanding);
	host_writel(h, bar + DMAENG_SEED, cfg->seed);
	if (hooks->on_start)
		hooks->on_start(hooks->ctx);
	host_writel(h, bar + DMAENG_CTRL, DMAENG_CTRL_START);
	while (!(host_readl(h, bar + DMAENG_STATUS) & DMAENG_STATUS_DONE)) {
		if (cfg->deadline_ps && host_now(h) >= cfg->deadline_ps)
			return -ETIMEDOUT; /* run.max_sim_ms */
		host_ndelay(h, cfg->poll_ps / 1000);
	}
	res->reads_done = host_readl(h, bar + DMAENG_DONE_COUNT);
	res->errors = host_readl(h, bar + DMAENG_ERRORS);
	res->elapsed_ns = host_readl(h, bar + DMAENG_ELAPSED_LO) |
			  (uint64_t)host_readl(h, bar + DMAENG_ELAPSED_HI) << 32;
	host_writel(h, bar + DMAENG_STATUS, DMAENG_STATUS_DONE);
	res->done = true;
	if (hooks->on_done)
		hooks->on_done(hooks->ctx);
	return 0;
}

void wl_dma_bench_free(struct host *h, const struct wl_dma_bench_result *res)
{
	if (res->hpa && res->mapped_bytes)
		host_free_pages(h, res->hpa, res->mapped_bytes / 4096);
}

/* ---- knobs ---- */

static const struct cfg_field dma_bench_fields[] = {
	CFG_KIB("window_kib", struct wl_dma_bench_cfg, window_bytes, 4, 4, 1ull << 30,
		"dma_bench: bytes the random reads fall in (mapped by the host)"),
	CFG_KIB("page_kib", struct wl_dma_bench_cfg, page_bytes, 4, 4, 1048576,
		"dma_bench: IOMMU page size of the mapping: 4, 2048 or 1048576 KiB"),
	CFG_U64("reads", struct wl_dma_bench_cfg, reads, 20000, 1, 1e9, "reads",
		"dma_bench: DMA reads to issue"),
	CFG_U32("read_bytes", struct wl_dma_bench_cfg, read_bytes, 64, 4, 4096, "bytes",
		"dma_bench: bytes per read (aligned to its size)", .flags = CFG_POW2),
	CFG_U32("outstanding", struct wl_dma_bench_cfg, outstanding, 32, 1, 256, "reads",
		"dma_bench: reads in flight at once (the engine's tags)"),
	CFG_END,
};
const struct cfg_schema wl_dma_bench_cfg_schema =
	CFG_SCHEMA("dma_bench", struct wl_dma_bench_cfg, dma_bench_fields);
