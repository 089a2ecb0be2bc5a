/* SPDX-License-Identifier: MIT */
/*
 * NVMe controller, the endpoint model (NVMe 1.4): a PCIe function of class 010802 with its
 * registers and doorbells in BAR0, MSI-X, and a controller actor that fetches submission
 * queue entries by DMA, reads PRP lists by DMA, moves data by DMA (so through the IOMMU),
 * runs each command against a media model (latency plus an internal bandwidth shared by all
 * commands), posts completion entries with phase tags by DMA and raises each completion
 * queue's MSI-X vector. One namespace; the data of a read is each LBA's stamp (nvme_regs.h).
 */
#ifndef PTSIM_NVME_H
#define PTSIM_NVME_H

#include <stdbool.h>
#include <stdint.h>

struct cfg_schema;
struct nvme;
struct pcie_fabric;
struct pcie_fn;

struct nvme_cfg {
	char name[32];
	uint32_t io_queues;    /* I/O SQ/CQ pairs the controller supports */
	uint32_t mqes;	       /* entries per queue at most */
	uint32_t dstrd;	       /* doorbell stride: 4 << dstrd bytes */
	uint32_t mdts;	       /* largest transfer: 2^mdts pages of 4 KiB */
	uint32_t max_inflight; /* commands the controller executes at once */
	uint64_t ns_bytes;     /* namespace capacity */
	uint64_t read_ps;      /* media: a read's latency (to its data ready) */
	uint64_t write_ps;     /* media: a write's latency (data in, to done) */
	double read_gbps;      /* media: internal read bandwidth, shared by all commands */
	double write_gbps;     /* media: internal write bandwidth */
	uint64_t cmd_ps;       /* the controller's work per command (decode, PRPs, completion) */
	uint64_t admin_ps;     /* an admin command's execution */
	uint64_t ready_ps;     /* CC.EN to CSTS.RDY (and CC.EN cleared to not ready) */
};
/* Its knobs (machine.pcie.devices[].nvme): nvme_cfg.c. */
extern const struct cfg_schema nvme_cfg_schema;

struct nvme_stats {
	uint64_t cmds, reads, writes, admin_cmds, errors;
	uint64_t read_bytes, write_bytes;
	uint64_t sqe_fetches, prp_list_reads, cqe_posts, dma_errors;
	uint64_t msis_sent, msis_pended, resets;
	uint64_t busy_ps;      /* media time, all commands together */
	uint64_t cmd_ps_total; /* doorbell to completion posted, all I/O commands */
	uint64_t q_cmds[8];    /* I/O commands per queue 1..7, and 8 and up */
};
struct metric_table;
extern const struct metric_table nvme_metrics;

int nvme_create(const struct nvme_cfg *cfg, struct pcie_fabric *fab, struct nvme **out);
void nvme_destroy(struct nvme *c);
struct pcie_fn *nvme_fn(const struct nvme *c);
/* Start the controller actor. */
int nvme_start(struct nvme *c);
const struct nvme_stats *nvme_stats(const struct nvme *c);
/* Measurement: called with the MSI-X entry and time of every interrupt message sent. */
void nvme_set_msi_probe(struct nvme *c, void (*fn)(void *ctx, unsigned entry, uint64_t t_ps),
			void *ctx);

/* The PRP walk (NVMe 1.4 §4.3), exposed for tests: the page-sized pieces of a transfer of
 * `len` bytes from PRP1 and PRP2, reading PRP list pages through `read_list` (which returns
 * false when the read fails). At most `max` pieces; returns their number, or -1 on an
 * invalid PRP (an offset where none may be, a failed list read, too many pieces). */
struct nvme_prp_piece {
	uint64_t addr;
	uint32_t len;
};
int nvme_prp_walk(uint64_t prp1, uint64_t prp2, uint32_t len, uint32_t page,
		  bool (*read_list)(void *ctx, uint64_t addr, uint64_t *entries, unsigned n),
		  void *ctx, struct nvme_prp_piece *out, unsigned max, unsigned *list_reads);

#endif
