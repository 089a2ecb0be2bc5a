/* SPDX-License-Identifier: MIT */
/*
 * The host kernel's side of the shared VT-d driver (models/drivers/intel_iommu): its HAL over
 * host_* (registers, config space, memory, pages, time, interrupts, the log), and where the
 * host driver's counters reach the results.
 */
#ifndef PTSIM_HOST_IOMMU_H
#define PTSIM_HOST_IOMMU_H

#include "models/drivers/intel_iommu/dmar.h"
#include "models/drivers/intel_iommu/intel_iommu.h"

struct host;

/* The VT-d driver's HAL in host h: pages are the host's (MEM_OWNER_HOST), CPU numbers pCPUs. */
struct iommu_hal host_iommu_hal(struct host *h);

/* The metric table of struct intel_iommu_stats for the host's units (sim/metrics.h). */
struct metric_table;
extern const struct metric_table intel_iommu_metrics;

#endif
