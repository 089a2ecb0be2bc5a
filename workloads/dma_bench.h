/* SPDX-License-Identifier: MIT */
/*
 * dma_bench: the host drives a DMA engine endpoint (models/devices/dmaeng.h) as pcie-bench's
 * driver does: it allocates a buffer for the window, builds an IOMMU domain that maps it with
 * pages of the asked size, attaches the device, programs the engine through its BAR and waits
 * for it. The engine's random reads over the window then measure the IOTLB, the walks and the
 * fabric.
 */
#ifndef PTSIM_WL_DMA_BENCH_H
#define PTSIM_WL_DMA_BENCH_H

#include <stdbool.h>
#include <stdint.h>

struct cfg_schema;
struct host;
struct hpci;
struct intel_iommu;

struct wl_dma_bench_cfg {
	uint64_t window_bytes;
	uint64_t page_bytes; /* IOMMU page size of the mapping: 4 KiB, 2 MiB or 1 GiB */
	uint64_t reads;
	uint32_t read_bytes;
	uint32_t outstanding;
	uint32_t seed;
	uint64_t poll_ps; /* how often the host looks at the engine's status */
	uint64_t deadline_ps; /* the host stops waiting at this time: -ETIMEDOUT (0: never) */
};
/* The knobs of wl_dma_bench_cfg (workload.*; seed and poll_ps are the runner's): dma_bench.c. */
extern const struct cfg_schema wl_dma_bench_cfg_schema;

struct wl_dma_bench_hooks {
	void (*on_start)(void *ctx); /* set up, about to start the engine */
	void (*on_done)(void *ctx);  /* the engine reported done */
	void *ctx;
};

struct wl_dma_bench_result {
	bool done;
	uint64_t iova, hpa, mapped_bytes;
	uint32_t reads_done, errors;
	uint64_t elapsed_ns; /* as the engine reports it */
};
/* Its metric table (sim/metrics.h), keys relative to where they are reported ("workload."). */
struct metric_table;
extern const struct metric_table wl_dma_bench_metrics;

/* Run it from host context (the controller actor): 0, or a negative errno. */
int wl_dma_bench_run(struct host *h, struct intel_iommu *iommu, struct hpci *pci, uint16_t bdf,
		     const struct wl_dma_bench_cfg *cfg, const struct wl_dma_bench_hooks *hooks,
		     struct wl_dma_bench_result *res);
/* After the run and its report (no time passes): give the buffer back to the host, once. Its
 * mapping goes with the VT-d driver's domain (intel_iommu_destroy). */
void wl_dma_bench_free(struct host *h, const struct wl_dma_bench_result *res);

#endif
