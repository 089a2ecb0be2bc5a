/* SPDX-License-Identifier: MIT */
/*
 * dmaeng: a measurement endpoint in the manner of pcie-bench's DMA engines (Neugebauer et
 * al., SIGCOMM'18): software programs a window of bus addresses, a request size, a count and
 * the number of requests in flight, then starts it; the engine issues DMA reads at uniformly
 * random, size-aligned offsets in the window through the fabric (so through the IOMMU), keeps
 * up to `tags` outstanding, and reports when it is done. It has a 4 KiB BAR0 and may have an
 * ATS capability.
 */
#ifndef PTSIM_DMAENG_H
#define PTSIM_DMAENG_H

#include <stdbool.h>
#include <stdint.h>

#include "models/devices/dmaeng_regs.h"
#include "sim/stats.h"

struct cfg_schema;
struct dmaeng;
struct pcie_fabric;
struct pcie_fn;

struct dmaeng_cfg {
	char name[32];
	uint64_t issue_ps; /* the engine's own time between two requests */
};
/* Its declared defaults (not in the YAML yet; cfg_defaults applies them): dmaeng_cfg.c. */
extern const struct cfg_schema dmaeng_cfg_schema;

struct dmaeng_stats {
	uint64_t runs, reads, errors, bytes;
	uint64_t t_first, t_last; /* first issue, last completion of the last run */
	struct sim_samples latency_ps; /* issue to last completion of each read */
};
/* Its metric table (sim/metrics.h). */
struct metric_table;
extern const struct metric_table dmaeng_metrics;

int dmaeng_create(const struct dmaeng_cfg *cfg, struct pcie_fabric *fab, struct dmaeng **out);
void dmaeng_destroy(struct dmaeng *e);
struct pcie_fn *dmaeng_fn(const struct dmaeng *e);
/* Start the engine's actor. */
int dmaeng_start(struct dmaeng *e);
struct dmaeng_stats *dmaeng_stats(struct dmaeng *e);

#endif
