/* SPDX-License-Identifier: MIT */
/*
 * ptnic's insides, shared by the files of the model: the state of one function (nic.c: its
 * registers, interrupts, receive engine and life cycle; nic_tx.c: its transmit engine).
 */
#ifndef PTSIM_NIC_INTERNAL_H
#define PTSIM_NIC_INTERNAL_H

#include "models/devices/nic.h"
#include "models/devices/nic_regs.h"
#include "models/pcie/pcie.h"
#include "sim/regs.h"

#include <stdbool.h>
#include <stdint.h>

#define REG_SPACE 0x5d00 /* up to the RSS key */
#define NEVER	  UINT64_MAX

struct sim_event;

struct inflight {
	bool used;
	uint64_t t_done;
	struct pcie_dma data, wb;
	uint8_t buf[PTNIC_RX_BUF_SIZE];
	uint8_t desc[PTNIC_RXD_SIZE];
	bool data_ok;
	unsigned q; /* the receive queue */
	struct nic_frame f;
};

/* A transmitted frame, from its first descriptor's fetch until it is on the wire and its
 * descriptors are written back. */
struct tx_slot {
	unsigned q;		  /* its transmit queue */
	uint32_t first, ndesc;	  /* its descriptors in the queue's ring */
	uint32_t len;		  /* data bytes gathered */
	uint32_t wire_len;	  /* bytes on the wire: data, FCS, padding */
	uint64_t t_take;	  /* its first descriptor was fetched */
	uint64_t t_ready;	  /* its data is in the NIC */
	uint64_t t_start, t_wire; /* first and last bit on the wire */
	uint64_t t_wb;		  /* its write-back is in memory */
	bool ok, ifcs, rs, wb_done, wire_done;
	unsigned nwb;
	struct pcie_dma wb[2]; /* the write-back burst; two when the frame wraps the ring */
	uint8_t *desc;	       /* the descriptors as fetched, DD set where RS asked */
	uint8_t *buf;	       /* the frame's data */
	size_t desc_cap, buf_cap;
};

/* The transmit engine's state, made when software first enables transmit. */
struct nic_tx {
	struct tx_slot *slot; /* max_inflight slots, a ring in the order frames were taken */
	unsigned head, count; /* the oldest; slots in use, the one being gathered included */
	bool gathering;	      /* slot[head + count - 1] is reading descriptors up to EOP */
	unsigned next_q;      /* the queue whose turn is next (round robin, frame by frame) */
	uint64_t wire_free;   /* when the transmitter may start the next frame */
};

struct nic {
	struct nic_cfg cfg;
	struct pcie_fabric *fab;
	struct pcie_fn *fn;
	unsigned msix_cap_off; /* the MSI-X capability's offset + 1 once looked up (0: not yet) */
	struct regs r;
	struct regs msix;
	uint32_t pba;
	uint64_t reset_done_at;
	const struct nic_wire_ops *wire;
	void *wire_ctx;
	const struct nic_wire_sink_ops *sink;
	void *sink_ctx;
	double line_gbps;
	struct nic_tx *tx;
	/* the next frame on the wire, read ahead */
	bool have_frame;
	bool port_done; /* the frame has had its turn on the shared port */
	struct nic_frame frame;
	uint8_t frame_data[PTNIC_RX_BUF_SIZE];
	struct inflight *fl;
	unsigned fl_used; /* slots of fl in use: the scans stop when they have seen them all */
	uint64_t itr_next[PTNIC_MSIX_VECTORS]; /* each entry's next message, no sooner */
	bool irq_check;
	bool intx_asserted;
	struct sim_event *wake;
	int track;
	void (*msi_probe)(void *ctx, unsigned entry, uint64_t t_ps);
	void *msi_probe_ctx;
	struct nic_stats st;
	struct nic **vfs; /* SR-IOV: the VFs, each a ptnic of its own */
	unsigned nvfs;
	struct nic *pf; /* a VF's PF; the PF itself for a PF: who holds the shared resources */
	struct nic_mq_stats mq;
	/* The PF's, shared by its functions: the receive port and the internal data path. */
	double port_gbps;
	uint64_t port_ifg_ps;	     /* the inter-frame gap (12 bytes) at port_gbps */
	uint64_t port_free;	     /* the port may start the next frame's preamble */
	const struct nic *port_last; /* whose frame was last on the port */
	uint64_t internal_free;	     /* the internal path is free from */
	/* the last frame length port_turn() serialised, and its time */
	uint32_t ser_len;
	uint64_t ser_ps;
};

static inline uint32_t nic__rd(const struct nic *n, uint32_t off)
{
	return (uint32_t)regs_get(&n->r, off, 4);
}

static inline void nic__wr(struct nic *n, uint32_t off, uint32_t v)
{
	regs_set(&n->r, off, 4, v);
}

/* Transmit queues implemented (0 in a config made by hand: one). */
static inline unsigned nic__txqs(const struct nic *n)
{
	return n->cfg.tx_queues ? n->cfg.tx_queues : 1;
}

/* The shared internal data path: when `bytes` issued at t may start (nic.c). */
uint64_t nic__internal_slot(struct nic *n, uint64_t t, uint64_t bytes);

/* The transmit engine (nic_tx.c). */
/* Take what the transmit ring holds, frame by frame, while the packet buffer has room. */
void nic__tx_take(struct nic *n, uint64_t now);
/* Due transmit events: frames reaching the peer, write-backs landing (TXDW). */
void nic__tx_complete(struct nic *n, uint64_t now);
/* The next transmit event, or NEVER. */
uint64_t nic__tx_next(const struct nic *n);
/* Make the engine's state the first time transmit is enabled. */
void nic__tx_enable(struct nic *n);
/* Does a TDT write give the engine something to do now? */
bool nic__tx_may_take(const struct nic *n);
/* In-flight transmit work is abandoned (a reset, an FLR). */
void nic__tx_abandon(struct nic *n);
void nic__tx_free(struct nic *n);

#endif
