/* SPDX-License-Identifier: MIT */
/*
 * stream_tx: an application in each guest sends streams of frames out of NICs assigned to its
 * VM; the wire's far side receives them. Each stream sends its frames on one device: at the
 * offered load of workload.rate_gbps (evenly spaced or Poisson send times; between sends the
 * application spins on the TSC, as pktgen does for short gaps: the guest has no timer), or,
 * with rate_gbps 0, as fast as the driver's ring takes them. A send the driver refuses
 * (NETDEV_TX_BUSY: the ring is full) is retried once a completion has made room; meanwhile the
 * application halts or spins (workload.guest_idle). Each frame carries its stream, its number
 * and the time of its send call, and a payload the far side checks; the far side records each
 * frame's latency from the send call to its last bit on the wire. The workload ends when every
 * frame of every stream is on the wire (or dropped) and its buffer has come back to the
 * sender; if nothing moves for workload.drain_ns while the senders wait on their devices, the
 * rest is counted lost. With workload.flows > 1 a stream's frames take TCP/IPv4 flows in turn
 * (the headers stream_rx's flows have), so that the guest kernel's flow hash spreads them over
 * the NIC's transmit queues; order is then checked within each flow.
 */
#ifndef PTSIM_WL_STREAM_TX_H
#define PTSIM_WL_STREAM_TX_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/stats.h"
#include "workloads/stream.h"

struct gk;
struct nic;
struct wl_stream_tx;

struct wl_stream_tx_result {
	bool started, done;
	uint64_t t_start_ps; /* the application was ready */
	uint64_t t_first_ps; /* the first send call */
	uint64_t t_last_ps;  /* the last frame's last bit on the wire */
	uint64_t t_end_ps;   /* every frame accounted for, or the drain ran out */
	uint64_t sent;	     /* frames the application handed to the stack */
	uint64_t sent_bytes; /* their bytes, as handed (no FCS) */
	uint64_t send_busy;  /* send calls refused (NETDEV_TX_BUSY), each retried later */
	uint64_t completed;  /* sent frames whose buffer came back (transmitted or dropped) */
	uint64_t received;   /* frames the far side received as they were sent */
	uint64_t wire_bytes; /* their bytes on the wire (FCS included) */
	uint64_t dropped;    /* frames the driver or the NIC dropped */
	uint64_t corrupt;    /* frames on the wire that are not what was sent */
	uint64_t out_of_order;
	uint64_t lost;		       /* neither on the wire nor dropped when the drain ran out */
	struct sim_samples latency_ps; /* send call to the last bit on the wire */
};
/* Its metric table (sim/metrics.h), keys relative to where they are reported ("workload."). */
struct metric_table;
extern const struct metric_table wl_stream_tx_metrics;

/* The workload, with no stream yet; every stream sends cfg->frames frames. */
int wl_stream_tx_create(const struct wl_stream_cfg *cfg, uint64_t seed, struct wl_stream_tx **out);
void wl_stream_tx_destroy(struct wl_stream_tx *w);
/* A stream out of the NIC, sent by the application of guest g, in which the NIC is the
 * function at devfn (bus << 8 | devfn). Its send times draw from a random stream of their own. */
int wl_stream_tx_add(struct wl_stream_tx *w, struct nic *nic, struct gk *g, uint16_t devfn);
/* Wire the NICs' far sides and install the applications (the guests' init). on_start: the
 * first application is ready; on_sent: every frame of every stream has been handed to the
 * stack; on_done: every frame is accounted for. */
void wl_stream_tx_bind(struct wl_stream_tx *w, const struct wl_hooks *hooks);
struct wl_stream_tx_result *wl_stream_tx_result(struct wl_stream_tx *w);
unsigned wl_stream_tx_nstreams(const struct wl_stream_tx *w);
const struct wl_stream_tx_result *wl_stream_tx_stream(const struct wl_stream_tx *w, unsigned i);
/* Frames the whole workload sends. */
uint64_t wl_stream_tx_frames(const struct wl_stream_tx *w);
/* Since when every application has been waiting on its devices (a full ring, or all its
 * frames sent) with nothing completing or reaching the wire; UINT64_MAX while one is still
 * sending, or before the start. */
uint64_t wl_stream_tx_stalled_since(const struct wl_stream_tx *w);
/* Give up on what has not reached the wire (counted lost) and end. */
void wl_stream_tx_give_up(struct wl_stream_tx *w);

#endif
