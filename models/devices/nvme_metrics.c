/* SPDX-License-Identifier: MIT */
/* What the NVMe controller counts, as a metric table (sim/metrics.h): its stats struct is
 * nvme.h's. */
#include "models/devices/nvme.h"
#include "sim/metrics.h"

#include <stddef.h>

static const char *queue_elem(unsigned i)
{
	static const char *const n[] = {"1", "2", "3", "4", "5", "6", "7", "8_and_up"};

	return i < 8 ? n[i] : NULL;
}

/* Where an NVMe controller's counters reach the results (placed at ""): totals over the
 * controllers, and per device under its prefix when there are several. */
#define NVME_ROW(field, key, each_, meaning)                                                       \
	{                                                                                          \
		METRIC(struct nvme_stats, field, COUNT, key, meaning), .each = (each_)             \
	}
static const struct metric nvme_rows[] = {
    NVME_ROW(cmds, "nvme.commands", "commands", "commands fetched, admin and I/O"),
    NVME_ROW(reads, "nvme.reads", "reads", "Read commands executed"),
    NVME_ROW(writes, "nvme.writes", "writes", "Write commands executed"),
    NVME_ROW(admin_cmds, "nvme.admin_commands", "admin_commands", "admin commands executed"),
    NVME_ROW(errors, "nvme.errors", "errors", "commands completed with an error status"),
    NVME_ROW(read_bytes, "nvme.read_bytes", "read_bytes", "bytes read (to host memory)"),
    NVME_ROW(write_bytes, "nvme.write_bytes", "write_bytes", "bytes written (from host memory)"),
    NVME_ROW(sqe_fetches, "nvme.sqe_fetches", "sqe_fetches",
	     "submission queue entries fetched by DMA"),
    NVME_ROW(prp_list_reads, "nvme.prp_list_reads", "prp_list_reads",
	     "PRP list pages (or parts) read by DMA"),
    NVME_ROW(cqe_posts, "nvme.cqe_posts", "cqe_posts", "completion queue entries written by DMA"),
    NVME_ROW(dma_errors, "nvme.dma_errors", "dma_errors",
	     "DMAs that failed (IOMMU fault, no bus master)"),
    NVME_ROW(msis_sent, "nvme.msis_sent", "msis_sent", "MSI-X messages sent"),
    NVME_ROW(msis_pended, "nvme.msis_pended", "msis_pended",
	     "messages held in the PBA while their vector was masked"),
    NVME_ROW(resets, "nvme.resets", "resets", "controller resets (CC.EN cleared, FLR)"),
    {METRIC(struct nvme_stats, busy_ps, TIME, "nvme.media_busy_ns",
	    "time the media pipe moved data (its utilisation over the window)"),
     .each = "media_busy_ns"},
    {METRIC(struct nvme_stats, cmd_ps_total, TIME, "nvme.io_time_ns",
	    "I/O commands' time in the controller, fetch to completion entry in memory, summed"),
     .each = "io_time_ns"},
    {METRIC_ARRAY(struct nvme_stats, q_cmds, COUNT, "nvme.queue_commands", queue_elem,
		  "I/O commands fetched per submission queue")},
};
const struct metric_table nvme_metrics = METRIC_TABLE(struct nvme_stats, nvme_rows);
