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
    GK_ROW(coherent_bytes, GAUGE, "guest.coherent_bytes",
	   "bytes of coherent DMA memory guest drivers allocated"),
    GK_ROW(pages_used, GAUGE, "guest.pages_used", "guest RAM pages the guest kernel handed out"),
};
const struct metric_table gk_metrics = METRIC_TABLE(struct gk_stats, gk_rows);
