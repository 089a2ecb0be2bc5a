/* SPDX-License-Identifier: MIT */
/*
 * stream_rx: streams of frames arrive at NICs assigned to VMs; an application in each guest
 * receives them. The wire side of each stream generates frames (constant or Poisson arrivals
 * at a given rate on a given line rate) carrying the stream, a sequence number and their
 * arrival time; the guest side records each frame's latency from arrival to the application.
 * Streams into one guest share its application. The workload ends when every frame of every
 * stream is either received or dropped.
 */
#ifndef PTSIM_WL_STREAM_RX_H
#define PTSIM_WL_STREAM_RX_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/stats.h"
#include "workloads/stream.h"

struct nic;
struct gk;
struct wl_stream_rx;

struct wl_stream_rx_result {
	bool started, done;
	uint64_t t_start_ps;       /* the application was ready */
	uint64_t t_first_ps;       /* first frame's first bit on the wire */
	uint64_t t_end_ps;         /* last frame received or dropped, or the drain ran out */
	uint64_t t_last_ps;        /* last frame's last bit on the wire */
	uint64_t sent, received, dropped, rx_bytes, out_of_order;
	uint64_t lost;             /* sent, but neither received nor dropped when the drain ran out */
	struct sim_samples latency_ps; /* wire arrival (last bit) to the application */
};
/* Its metric table (sim/metrics.h). */
struct metric_table;
extern const struct metric_table wl_stream_rx_metrics;

/* The workload, with no stream yet; every stream sends cfg->frames frames. */
int wl_stream_rx_create(const struct wl_stream_cfg *cfg, uint64_t seed, struct wl_stream_rx **out);
void wl_stream_rx_destroy(struct wl_stream_rx *w);

/* A stream into the NIC's port, received by the application of guest g, at rate_gbps (0: the
 * workload's rate_gbps). Its arrivals draw from a random stream of their own. */
int wl_stream_rx_add(struct wl_stream_rx *w, struct nic *nic, struct gk *g, double rate_gbps);
/* Wire the streams to their NICs and install the applications (the guests' init). */
void wl_stream_rx_bind(struct wl_stream_rx *w, const struct wl_hooks *hooks);
/* The whole workload's result (every stream), and each stream's (latencies: only the whole's).
 * on_start: the first application is ready; on_sent: every stream's last frame is on the
 * wire; on_done: every frame of every stream is accounted for. */
struct wl_stream_rx_result *wl_stream_rx_result(struct wl_stream_rx *w);
unsigned wl_stream_rx_nstreams(const struct wl_stream_rx *w);
const struct wl_stream_rx_result *wl_stream_rx_stream(const struct wl_stream_rx *w, unsigned i);
/* Frames the whole workload sends. */
uint64_t wl_stream_rx_frames(const struct wl_stream_rx *w);
/* Every frame has been sent; the guest has had until `now` to account for them: give up on
 * the rest (counted lost) and end. */
void wl_stream_rx_give_up(struct wl_stream_rx *w);

#endif
