/* SPDX-License-Identifier: MIT */
/*
 * What the two stream workloads share: a stream's shape (frames, their size, the offered load
 * on a link of a given rate, how they are spaced, the application's work per frame and what
 * the guest does between frames), declared once and bound from workload.* whichever way the
 * stream goes -- into the guest (stream_rx.h) or out of it (stream_tx.h) -- and the hooks by
 * which a stream workload tells the run about its measured window.
 */
#ifndef PTSIM_WL_STREAM_H
#define PTSIM_WL_STREAM_H

#include <stdint.h>

struct cfg_schema;

/* Ethernet preamble and start delimiter (8 bytes) and the minimum inter-frame gap (12 bytes),
 * IEEE 802.3 §4.4.2: what a frame costs on the wire beyond its own bytes. */
#define WL_WIRE_PREAMBLE 8
#define WL_WIRE_OVERHEAD 20

enum wl_arrival { WL_ARRIVAL_CONSTANT, WL_ARRIVAL_POISSON };
enum wl_guest_idle { WL_IDLE_HALT, WL_IDLE_BUSY };

struct wl_stream_cfg {
	uint64_t frames;
	uint32_t frame_bytes; /* Ethernet frame, header to FCS */
	double rate_gbps;     /* offered load on the wire (frames + preamble + gap); stream_tx:
			       * 0 sends as fast as the ring allows */
	double line_gbps;     /* the port's line rate: a frame takes frame time on the wire */
	enum wl_arrival arrival;
	uint64_t app_cycles;	       /* the application's work per frame */
	enum wl_guest_idle guest_idle; /* between frames the guest halts, or runs other work */
	uint64_t start_delay_ps;       /* from the application's start to the first frame */
	uint32_t flows; /* TCP/IPv4 flows each stream's frames take in turn (spread over the
			 * NIC's queues: RSS receiving, the kernel's hash sending); 1: untagged */
};
/* What a frame of a stream of several flows carries before its payload: Ethernet, IPv4 and
 * TCP headers; and the payload (sequence, arrival time, stream index). */
#define WL_FLOW_HDR_LEN (14 + 20 + 20)
#define WL_PAYLOAD_LEN	24
/* stream_tx's shortest frame of several flows: headers and payload fields before the FCS the
 * NIC appends. */
#define WL_STREAM_TX_FLOW_MIN_BYTES (WL_FLOW_HDR_LEN + WL_PAYLOAD_LEN + 4)
/* Write the Ethernet type, IPv4 and TCP headers of frame `seq` of stream `idx` (in flow
 * seq % flows) of frame_bytes bytes into d (stream.c). */
void wl_flow_headers(uint8_t *d, uint32_t frame_bytes, uint32_t flows, uint64_t seq, uint64_t idx);
/* The knobs of wl_stream_cfg (workload.*): stream.c. */
extern const struct cfg_schema wl_stream_cfg_schema;

/* The run's side of a stream workload's measured window. */
struct wl_hooks {
	void (*on_start)(void *ctx); /* the application is ready (before the first frame) */
	void (*on_sent)(void *ctx);  /* the last frame has gone (stream_rx: on the wire;
				      * stream_tx: to the driver) */
	void (*on_done)(void *ctx);  /* every frame is accounted for (or the drain ran out) */
	void *ctx;
};

#endif
