/* SPDX-License-Identifier: MIT */
/*
 * ptnic, the endpoint model: a PCIe function (config space with BAR0, PM, PCIe and MSI-X
 * capabilities), its registers, and a DMA engine actor that receives frames from the wire
 * into the receive ring and sends the frames of the transmit ring onto the wire, by DMA, and
 * raises MSI-X, all through the fabric (so through the IOMMU and interrupt remapping). With SR-IOV,
 * each virtual function is a ptnic of its own (the same registers in its VF BAR 0, its own MSI-X,
 * ring and engine), as the VFs of igb or ixgbe are functions of the same silicon that the guest's
 * VF driver drives. The VFs share what the PF's silicon has once: the port (frames for all
 * of them arrive through one link, held to its rate) and, when configured, the device's
 * internal bandwidth (every function's frame data passes one internal DMA path).
 */
#ifndef PTSIM_NIC_H
#define PTSIM_NIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cfg_schema;
struct nic;
struct pcie_fabric;
struct pcie_fn;

/* What arrives on the wire: frames with the time their last bit arrived. */
struct nic_frame {
	uint64_t t_ps;
	uint32_t len;
};
struct nic_wire_ops {
	/* Next frame: fill *f and up to `cap` bytes of data; false when no more. */
	bool (*next)(void *ctx, struct nic_frame *f, uint8_t *data, size_t cap);
	/* Told when a frame is dropped (no descriptor, receive off, DMA error). */
	void (*dropped)(void *ctx, const struct nic_frame *f);
};

/* Where transmitted frames go: the link to the peer (the workload's), mirror of nic_wire_ops. */
struct nic_wire_sink_ops {
	/* A frame has left: f->t_ps is its last bit on the wire, f->len its bytes there (FCS and
	 * padding included); data holds the `len` bytes the NIC read from memory for it. */
	void (*transmitted)(void *ctx, const struct nic_frame *f, const uint8_t *data, size_t len);
	/* A frame the NIC did not send (a descriptor or buffer DMA failed, or it was too long);
	 * f->t_ps is when it gave up. */
	void (*dropped)(void *ctx, const struct nic_frame *f);
};

struct nic_cfg {
	char name[32];
	uint64_t reset_ps;     /* CTRL.RST to ready */
	unsigned max_inflight; /* frames whose DMA may be in flight at once, each way */
	uint64_t tx_fifo_bytes; /* transmit packet buffer: frames fetched, not yet on the wire */
	unsigned queues;	/* receive queues implemented (1..PTNIC_MAX_QUEUES) */
	unsigned tx_queues;	/* transmit queues implemented (1..PTNIC_MAX_QUEUES) */
	double internal_gbps;	/* the internal data path all functions share (0: no limit) */
	/* SR-IOV (0: none): VFs the PF can have, First VF Offset and VF Stride */
	unsigned total_vfs;
	uint16_t vf_offset, vf_stride;
};
/* The knobs of nic_cfg (a ptnic's keys in machine.pcie.devices; the name is the topology's):
 * nic_cfg.c. */
extern const struct cfg_schema nic_cfg_schema;

struct nic_stats {
	uint64_t rx_frames, rx_bytes, rx_missed, rx_disabled, rx_dma_errors;
	uint64_t desc_reads, irqs_sent, irqs_pended, irqs_blocked, resets, intx_asserts;
	uint64_t tx_frames, tx_bytes, tx_desc_reads, tx_writebacks, tx_dma_errors, tx_too_long;
	uint64_t tx_wire_ps; /* time the transmitter was busy with frames (gaps aside) */
};
/* Its metric table (sim/metrics.h). */
struct metric_table;
extern const struct metric_table nic_metrics;

/* Multi-queue and shared-resource counters, a table of their own (placed only for machines
 * whose NICs have several queues or VFs, so that other results keep their keys). */
#define NIC_QUEUES_MAX 4
struct nic_mq_stats {
	uint64_t rx_queue_frames[NIC_QUEUES_MAX]; /* frames received into each queue */
	uint64_t vector_msis[NIC_QUEUES_MAX];	  /* MSI-X messages sent by each entry */
	uint64_t port_delayed, port_wait_ps;	  /* frames the shared port held, and how long */
	uint64_t internal_wait_ps;		  /* DMA time waiting for the internal path */
	uint64_t tx_queue_frames[NIC_QUEUES_MAX]; /* frames sent from each transmit queue */
};
extern const struct metric_table nic_mq_metrics;
/* The transmit queues' counters (placed only for machines whose NICs have several). */
extern const struct metric_table nic_txq_metrics;
const struct nic_mq_stats *nic_mq_stats(const struct nic *n);
const struct nic_cfg *nic_config(const struct nic *n);

/* The Toeplitz hash of Microsoft's RSS specification ("Verifying the RSS Hash Calculation"):
 * for every set bit of the input, most significant first, the 32 key bits starting at that
 * bit's position are XORed into the result. key: 40 bytes (enough for 36 input bytes). */
uint32_t nic_toeplitz(const uint8_t *key, const uint8_t *in, size_t len);

int nic_create(const struct nic_cfg *cfg, struct pcie_fabric *fab, struct nic **out);
void nic_destroy(struct nic *n);
struct pcie_fn *nic_fn(const struct nic *n);
/* SR-IOV: the PF's VF n (1-based), a ptnic of its own, or NULL. */
struct nic *nic_vf(const struct nic *pf, unsigned n);
unsigned nic_total_vfs(const struct nic *pf);
void nic_set_wire(struct nic *n, const struct nic_wire_ops *ops, void *ctx);
/* The transmit side of the port: where frames go, and the link's rate. Without a sink the
 * port is unplugged: frames leave at NIC_LINE_GBPS and vanish. */
#define NIC_LINE_GBPS 10.0
void nic_set_wire_sink(struct nic *n, const struct nic_wire_sink_ops *ops, void *ctx,
		       double line_gbps);
/* The receive port's line rate (the PF's port, which its VFs share): frames of different
 * functions that would overlap on it wait their turn. Default NIC_LINE_GBPS. */
void nic_set_port_gbps(struct nic *n, double line_gbps);
/* Measurement: called with the MSI-X entry and time of every interrupt message sent, or with
 * NIC_PROBE_INTX when the INTx line is asserted. */
#define NIC_PROBE_INTX (~0u)
void nic_set_msi_probe(struct nic *n, void (*fn)(void *ctx, unsigned entry, uint64_t t_ps),
		       void *ctx);
/* The wire has news (traffic started): the engine should ask for frames again. */
void nic_wire_kick(struct nic *n);
/* Start the DMA engine actor (a PF's starts its VFs' too). */
int nic_start(struct nic *n);
const struct nic_stats *nic_stats(const struct nic *n);

#endif
