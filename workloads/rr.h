/* SPDX-License-Identifier: MIT */
/*
 * rr: request and response, as netperf's TCP_RR measures them. A peer beyond the NIC's port
 * (another host, one switch hop away) sends a request frame of rr.request_bytes over the wire;
 * the NIC receives it into the guest, whose application takes it from the driver's receive
 * path (its interrupt, then the stack), does rr.app_cycles of work and sends a response frame
 * of rr.response_bytes through the driver's transmit path. The peer receives the response the
 * wire's latency after its last bit leaves the NIC and, if transactions remain, sends the next
 * request at once: it keeps rr.transactions_in_flight transactions outstanding (1: one at a
 * time, as TCP_RR; more: netperf's burst). A transaction's latency is the peer's: from its
 * request's first bit leaving the peer to its response's last bit arriving there, so at least
 * twice the wire latency plus both frames' time on the wire. Frames are raw Ethernet (local
 * experimental EtherType), not TCP: the stack's per-frame cost is the guest kernel's net_rx and
 * the driver's. A frame the NIC or the driver drops ends its transaction as dropped (TCP would
 * retransmit after its RTO; counted, not modelled) and the peer sends the next.
 */
#ifndef PTSIM_WL_RR_H
#define PTSIM_WL_RR_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/stats.h"
#include "workloads/stream.h"

struct cfg_schema;
struct gk;
struct nic;
struct wl_rr;

struct wl_rr_cfg {
	uint32_t request_bytes, response_bytes; /* Ethernet frames, header to FCS */
	uint64_t transactions;
	uint32_t in_flight;	       /* transactions the peer keeps outstanding */
	uint64_t wire_latency_ps;      /* one way, peer to port: propagation and switching */
	uint64_t app_cycles;	       /* the application's work per request */
	enum wl_guest_idle guest_idle; /* while it waits for a request */
};
/* The knobs of wl_rr_cfg (workload.rr.*). */
extern const struct cfg_schema wl_rr_cfg_schema;

struct wl_rr_result {
	bool started, done;
	uint64_t t_start_ps;	       /* the application was ready */
	uint64_t t_first_ps;	       /* the first request's first bit left the peer */
	uint64_t t_last_ps;	       /* the last response's last bit reached the peer */
	uint64_t t_end_ps;	       /* every transaction accounted for, or the drain ran out */
	uint64_t requests;	       /* requests the peer sent */
	uint64_t received;	       /* requests the application received */
	uint64_t responses;	       /* responses the application handed to the stack */
	uint64_t send_busy;	       /* send calls refused (ring full), each retried */
	uint64_t completed;	       /* transactions whose response reached the peer intact */
	uint64_t dropped;	       /* requests or responses the NIC or the driver dropped */
	uint64_t corrupt;	       /* responses that do not answer a request in flight */
	uint64_t lost;		       /* neither completed nor dropped when the drain ran out */
	uint64_t bytes;		       /* request and response bytes on the wire (FCS included) */
	struct sim_samples latency_ps; /* the peer's: request sent to response received */
};
struct metric_table;
extern const struct metric_table wl_rr_metrics;

/* The workload on the NIC `nic`, whose application runs in guest g where the NIC is the
 * function at devfn. line_gbps: the port's rate; start_delay_ps: from the application's start to
 * the first request. */
int wl_rr_create(const struct wl_rr_cfg *cfg, double line_gbps, uint64_t start_delay_ps,
		 struct nic *nic, struct gk *g, uint16_t devfn, struct wl_rr **out);
void wl_rr_destroy(struct wl_rr *w);
/* Wire the NIC to the peer and install the application (the guest's init). on_start: the
 * application is ready; on_sent: the peer has sent its last request; on_done: every
 * transaction is accounted for. */
void wl_rr_bind(struct wl_rr *w, const struct wl_hooks *hooks);
struct wl_rr_result *wl_rr_result(struct wl_rr *w);
/* The last time a transaction moved (UINT64_MAX before the start or once done). */
uint64_t wl_rr_progress(const struct wl_rr *w);
/* Give up on the transactions in flight (counted lost) and end. */
void wl_rr_give_up(struct wl_rr *w);

#endif
