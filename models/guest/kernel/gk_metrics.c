/* SPDX-License-Identifier: MIT */
/*
 * Where the guest kernel's counters (struct gk_stats, gk.h) reach the results: the application
 * places this table at ""; rows with .each also go under the VM's prefix when there are
 * several VMs. Left out: boot_done_ps (a time stamp) and printks (log lines).
 */
#include "models/guest/kernel/gk.h"
#include "sim/metrics.h"

#define GK_ROW(field, kind, key, meaning)                                                          \
	{                                                                                          \
		METRIC(struct gk_stats, field, kind, key, meaning)                                 \
	}
static const struct metric gk_rows[] = {
    {METRIC(struct gk_stats, irqs, COUNT, "interrupts.delivered",
	    "device interrupts that ran the guest's handler"),
     .each = "interrupts"},
    GK_ROW(spurious_irqs, COUNT, "interrupts.spurious",
	   "interrupts the guest took with no vector pending"),
    GK_ROW(unhandled_irqs, COUNT, "interrupts.unhandled", "interrupts no guest handler claimed"),
    GK_ROW(eois, COUNT, "guest.eois", "EOIs the guest wrote"),
    GK_ROW(cfg_reads, COUNT, "guest.config_reads", "config-space reads by the guest kernel"),
    GK_ROW(cfg_writes, COUNT, "guest.config_writes", "config-space writes by the guest kernel"),
    {METRIC(struct gk_stats, frames_rx, COUNT, "guest.frames_received",
	    "frames drivers handed to the guest's network stack"),
     .each = "frames_received"},
    GK_ROW(bytes_rx, COUNT, "guest.bytes_received", "bytes of those frames"),
    GK_ROW(frames_tx, COUNT, "guest.frames_sent",
	   "frames the guest's network stack handed to drivers"),
    GK_ROW(bytes_tx, COUNT, "guest.bytes_sent", "bytes of those frames (no FCS)"),
    GK_ROW(tx_busy, COUNT, "guest.tx_busy",
	   "send calls refused: the queue was stopped or the driver's ring full"),
    GK_ROW(tx_completed, COUNT, "guest.tx_completed",
	   "sent frames the drivers handed back after transmitting them"),
    GK_ROW(tx_dropped, COUNT, "guest.tx_dropped", "sent frames the drivers dropped"),
    GK_ROW(dma_maps, COUNT, "guest.dma_maps", "dma_map_* calls of guest drivers"),
    GK_ROW(dma_unmaps, COUNT, "guest.dma_unmaps", "dma_unmap_* calls of guest drivers"),
    {METRIC(struct gk_stats, dma_map_errors, COUNT, "guest.dma_map_errors",
	    "dma_map_* calls that failed: the driver saw dma_mapping_error"),
     .each = "guest.dma_map_errors"},
    {METRIC(struct gk_stats, dma_requests, COUNT, "guest.dma_requests",
	    "map and unmap requests the guest sent the paravirtual IOMMU"),
     .each = "guest.dma_requests"},
    {METRIC(struct gk_stats, dma_hypercalls, COUNT, "guest.dma_hypercalls",
	    "hypercalls that carried them"),
     .each = "guest.dma_hypercalls"},
    GK_ROW(dma_request_errors, COUNT, "guest.dma_request_errors",
	   "requests the hypervisor refused (a status other than 0)"),
    GK_ROW(dma_cycles, COUNT, "guest.dma_cycles",
	   "the guest DMA layer's own work for dma_map_* and dma_unmap_*, hypercalls aside "
	   "(paravirtual IOMMU)"),
    GK_ROW(dma_hypercall_ps, TIME, "guest.dma_hypercall_ns",
	   "the DMA layer's hypercalls from VMCALL to the next instruction, as the guest saw "
	   "them: exit, hypervisor and entry"),
    GK_ROW(coherent_bytes, GAUGE, "guest.coherent_bytes",
	   "bytes of coherent DMA memory guest drivers allocated"),
    GK_ROW(pages_used, GAUGE, "guest.pages_used", "guest RAM pages the guest kernel handed out"),
    GK_ROW(napi_polls, COUNT, "napi.polls", "NAPI polls the softirq ran (net_rx_action)"),
    GK_ROW(napi_frames, COUNT, "napi.frames", "frames those polls cleaned"),
    GK_ROW(napi_budget_exhausted, COUNT, "napi.budget_exhausted",
	   "polls that cleaned their whole budget (the weight): polled again, no interrupt"),
    GK_ROW(napi_completions, COUNT, "napi.irq_reenables",
	   "polls that cleaned less and completed (napi_complete_done): the driver re-enabled "
	   "the queue's interrupt"),
};
const struct metric_table gk_metrics = METRIC_TABLE(struct gk_stats, gk_rows);
