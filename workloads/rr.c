/* SPDX-License-Identifier: MIT */
/* rr (see rr.h): the peer beyond the NIC's port, and the application in the guest. */
#include "workloads/rr.h"
#include "models/devices/nic.h"
#include "models/guest/kernel/gk.h"
#include "sim/engine.h"
#include "sim/knob.h"
#include "sim/metrics.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HDR_LEN		14
#define FCS_LEN		4
#define ETHERTYPE_LOCAL 0x88b5 /* IEEE 802 local experimental */
/* After the header: the transaction's number, then (responses) a payload the peer checks. */
#define SEQ_OFF	    HDR_LEN
#define PAYLOAD_OFF (HDR_LEN + 8)
#define NEVER	    UINT64_MAX
#define MAX_FRAME   1518 /* IEEE 802.3 §3.2.7: the longest untagged frame, FCS included */

static const char *const idle_names[] = {"halt", "busy", NULL};

static const struct cfg_field rr_fields[] = {
    CFG_U32("request_bytes", struct wl_rr_cfg, request_bytes, 64, 64, MAX_FRAME, "bytes",
	    "the request's Ethernet frame, header to FCS (64: netperf's default 1-byte request, "
	    "54 bytes of Ethernet, IPv4 and TCP headers padded to the 64-byte minimum frame)"),
    CFG_U32("response_bytes", struct wl_rr_cfg, response_bytes, 64, 64, MAX_FRAME, "bytes",
	    "the response's Ethernet frame, header to FCS (64: netperf's default 1 byte)"),
    CFG_U64("transactions", struct wl_rr_cfg, transactions, 10000, 1, 1e9, "transactions",
	    "request-response transactions to complete"),
    CFG_U32("transactions_in_flight", struct wl_rr_cfg, in_flight, 1, 1, 256, "transactions",
	    "transactions the peer keeps outstanding (1: TCP_RR, one at a time; more: netperf's "
	    "-b burst)"),
    CFG_NS("wire_latency_ns", struct wl_rr_cfg, wire_latency_ps, 1000, 0, 1e9,
	   "one way from the peer to the NIC's port, beyond the frame's own time on the wire: "
	   "a 10 GbE link through one switch hop (the switch's forwarding, both ends' PHYs and "
	   "a few metres of fibre)",
	   .source = "estimate"),
    CFG_U64("app_cycles", struct wl_rr_cfg, app_cycles, 2000, 0, 1e9, "cycles",
	    "the application's work per request, between its receive and its send call",
	    .source = "estimate"),
    CFG_ENUM("guest_idle", struct wl_rr_cfg, guest_idle, idle_names, WL_IDLE_HALT,
	     "while it waits for a request the guest halts (netperf blocked in recv) or spins "
	     "(busy polling)"),
    CFG_END,
};
const struct cfg_schema wl_rr_cfg_schema = CFG_SCHEMA("rr", struct wl_rr_cfg, rr_fields);

/* A transaction the peer has outstanding. */
struct slot {
	bool used;
	uint64_t seq, t_sent_ps;
};

struct wl_rr {
	struct wl_rr_cfg cfg;
	double line_gbps;
	uint64_t start_delay_ps;
	struct nic *nic;
	struct gk *g;
	uint16_t devfn;
	struct net_device *nd;
	struct wl_hooks hooks;
	/* the peer */
	struct slot *slots;	/* cfg.in_flight */
	uint64_t *wire_q;	/* requests sent, not yet taken by the NIC: their slots */
	unsigned wq_head, wq_n; /* a ring of cfg.in_flight */
	uint64_t next_seq;	/* the next request's number */
	uint64_t peer_free_ps;	/* its transmitter is free from then */
	uint64_t taken_seq;	/* the request the NIC took last */
	/* the application: requests received, not yet answered */
	uint64_t *app_q;
	unsigned aq_head, aq_n;
	uint64_t t_progress;
	uint8_t frame[2048];
	struct wl_rr_result r;
};

#define RR_ROW(field, key, meaning)                                                                \
	{                                                                                          \
		METRIC(struct wl_rr_result, field, COUNT, key, meaning)                            \
	}
static const struct metric rr_rows[] = {
    RR_ROW(completed, "transactions",
	   "transactions whose response reached the peer (request sent to response received)"),
    RR_ROW(requests, "requests_sent", "requests the peer sent"),
    RR_ROW(received, "requests_received", "requests the guest application received"),
    RR_ROW(responses, "responses_sent", "responses the application handed to the stack"),
    RR_ROW(dropped, "transactions_dropped",
	   "transactions whose request or response the NIC or the driver dropped"),
    RR_ROW(lost, "transactions_lost",
	   "transactions neither completed nor dropped when the drain ran out"),
    RR_ROW(corrupt, "responses_corrupt", "responses that answer no request in flight"),
    RR_ROW(send_busy, "send_busy",
	   "send calls refused because the driver's ring was full (NETDEV_TX_BUSY), each retried"),
    RR_ROW(bytes, "bytes", "request and response bytes on the wire (FCS included)"),
};
const struct metric_table wl_rr_metrics = METRIC_TABLE(struct wl_rr_result, rr_rows);

int wl_rr_create(const struct wl_rr_cfg *cfg, double line_gbps, uint64_t start_delay_ps,
		 struct nic *nic, struct gk *g, uint16_t devfn, struct wl_rr **out)
{
	struct wl_rr *w;

	if (!cfg->transactions || !cfg->in_flight || cfg->request_bytes < 64 ||
	    cfg->request_bytes > MAX_FRAME || cfg->response_bytes < 64 ||
	    cfg->response_bytes > MAX_FRAME || line_gbps <= 0)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->cfg = *cfg;
	w->line_gbps = line_gbps;
	w->start_delay_ps = start_delay_ps;
	w->nic = nic;
	w->g = g;
	w->devfn = devfn;
	w->slots = calloc(cfg->in_flight, sizeof(*w->slots));
	w->wire_q = calloc(cfg->in_flight, sizeof(*w->wire_q));
	w->app_q = calloc(cfg->in_flight, sizeof(*w->app_q));
	if (!w->slots || !w->wire_q || !w->app_q) {
		wl_rr_destroy(w);
		return -ENOMEM;
	}
	sim_samples_init(&w->r.latency_ps);
	*out = w;
	return 0;
}

void wl_rr_destroy(struct wl_rr *w)
{
	if (!w)
		return;
	free(w->slots);
	free(w->wire_q);
	free(w->app_q);
	sim_samples_free(&w->r.latency_ps);
	free(w);
}

struct wl_rr_result *wl_rr_result(struct wl_rr *w)
{
	return &w->r;
}

uint64_t wl_rr_progress(const struct wl_rr *w)
{
	return w->r.started && !w->r.done ? w->t_progress : NEVER;
}

/* ---- accounting ---- */

static void check_done(struct wl_rr *w)
{
	w->t_progress = sim_now();
	if (w->r.done || w->r.completed + w->r.dropped < w->cfg.transactions)
		return;
	w->r.done = true;
	w->r.t_end_ps = sim_now();
	if (w->hooks.on_done)
		w->hooks.on_done(w->hooks.ctx);
}

void wl_rr_give_up(struct wl_rr *w)
{
	uint64_t fate = w->r.completed + w->r.dropped;

	if (w->r.done)
		return;
	w->r.lost = w->cfg.transactions > fate ? w->cfg.transactions - fate : 0;
	w->r.done = true;
	w->r.t_end_ps = sim_now();
	if (w->hooks.on_done)
		w->hooks.on_done(w->hooks.ctx);
}

/* ---- the peer ---- */

/* A frame of `bytes` (FCS included) on the wire: preamble and delimiter, then the frame;
 * `gap` adds the inter-frame gap the transmitter leaves after it (IEEE 802.3 §4.4.2). */
static double wire_ps(const struct wl_rr *w, unsigned bytes, bool gap)
{
	return (bytes + (gap ? WL_WIRE_OVERHEAD : WL_WIRE_PREAMBLE)) * 8.0 * 1000.0 / w->line_gbps;
}

/* The peer sends the next request, if any remain, from t_ps (or once its transmitter is
 * free): the NIC takes it when its last bit arrives. */
static void peer_send(struct wl_rr *w, uint64_t t_ps)
{
	struct slot *s = NULL;

	if (w->next_seq >= w->cfg.transactions)
		return;
	for (unsigned i = 0; i < w->cfg.in_flight && !s; i++)
		if (!w->slots[i].used)
			s = &w->slots[i];
	if (!s)
		return;
	if (t_ps < w->peer_free_ps)
		t_ps = w->peer_free_ps;
	w->peer_free_ps = t_ps + (uint64_t)llround(wire_ps(w, w->cfg.request_bytes, true));
	*s = (struct slot){true, w->next_seq++, t_ps};
	if (!w->r.requests)
		w->r.t_first_ps = t_ps;
	w->r.requests++;
	w->wire_q[(w->wq_head + w->wq_n++) % w->cfg.in_flight] = (uint64_t)(s - w->slots);
	if (w->r.requests == w->cfg.transactions && w->hooks.on_sent)
		w->hooks.on_sent(w->hooks.ctx);
	nic_wire_kick(w->nic);
}

static void peer_free_slot(struct wl_rr *w, uint64_t seq)
{
	for (unsigned i = 0; i < w->cfg.in_flight; i++)
		if (w->slots[i].used && w->slots[i].seq == seq)
			w->slots[i].used = false;
}

/* The NIC asks for the next frame on the wire: the oldest request sent. */
static bool wire_next(void *ctx, struct nic_frame *f, uint8_t *data, size_t cap)
{
	struct wl_rr *w = ctx;
	const struct slot *s;
	unsigned len = w->cfg.request_bytes;

	if (!w->wq_n || cap < PAYLOAD_OFF)
		return false;
	s = &w->slots[w->wire_q[w->wq_head]];
	w->wq_head = (w->wq_head + 1) % w->cfg.in_flight;
	w->wq_n--;
	/* its last bit reaches the port the wire's latency after it would have left the peer */
	f->t_ps = s->t_sent_ps + w->cfg.wire_latency_ps +
		  (uint64_t)llround(wire_ps(w, w->cfg.request_bytes, false));
	f->len = len;
	memset(data, 0, cap < len ? cap : len);
	memset(data, 0xff, 6); /* destination: broadcast */
	memcpy(data + 6, "\x02\x00\x00\x00\x00\x02",
	       6); /* source: the peer, locally administered */
	data[12] = ETHERTYPE_LOCAL >> 8;
	data[13] = ETHERTYPE_LOCAL & 0xff;
	memcpy(data + SEQ_OFF, &s->seq, 8);
	w->taken_seq = s->seq;
	return true;
}

/* A request the NIC dropped (no descriptor, receive off, DMA error): its transaction ends
 * dropped; the peer goes on with the next. */
static void wire_dropped(void *ctx, const struct nic_frame *f)
{
	struct wl_rr *w = ctx;

	(void)f;
	peer_free_slot(w, w->taken_seq); /* the NIC drops the frame it took last */
	w->r.dropped++;
	check_done(w);
	peer_send(w, sim_now());
}

/* The response's last bit has left the NIC: the peer has it the wire's latency later. */
static void sink_transmitted(void *ctx, const struct nic_frame *f, const uint8_t *data, size_t len)
{
	struct wl_rr *w = ctx;
	uint64_t seq = 0, t_in = f->t_ps + w->cfg.wire_latency_ps;
	const struct slot *s = NULL;
	bool ok = len == w->cfg.response_bytes - FCS_LEN && data[12] == ETHERTYPE_LOCAL >> 8 &&
		  data[13] == (ETHERTYPE_LOCAL & 0xff);

	if (ok)
		memcpy(&seq, data + SEQ_OFF, 8);
	for (unsigned i = 0; ok && i < w->cfg.in_flight && !s; i++)
		if (w->slots[i].used && w->slots[i].seq == seq)
			s = &w->slots[i];
	for (size_t i = PAYLOAD_OFF; s && i < len; i++)
		if (data[i] != (uint8_t)(seq + i))
			s = NULL;
	if (!s) {
		w->r.corrupt++;
		check_done(w);
		return;
	}
	sim_samples_add(&w->r.latency_ps, t_in - s->t_sent_ps);
	peer_free_slot(w, seq);
	w->r.completed++;
	w->r.bytes += f->len + w->cfg.request_bytes;
	if (t_in > w->r.t_last_ps)
		w->r.t_last_ps = t_in;
	check_done(w);
	peer_send(w, t_in);
}

/* A response the NIC did not send: its transaction ends dropped. */
static void sink_dropped(void *ctx, const struct nic_frame *f)
{
	struct wl_rr *w = ctx;
	uint64_t oldest = NEVER;

	(void)f;
	for (unsigned i = 0; i < w->cfg.in_flight; i++)
		if (w->slots[i].used && w->slots[i].seq < oldest)
			oldest = w->slots[i].seq;
	peer_free_slot(w, oldest);
	w->r.dropped++;
	check_done(w);
	peer_send(w, sim_now());
}

static const struct nic_wire_ops wire_ops = {wire_next, wire_dropped};
static const struct nic_wire_sink_ops sink_ops = {sink_transmitted, sink_dropped};

/* ---- the application in the guest ---- */

/* A frame up the stack (the driver's receive path, in its interrupt): a request to answer. */
static void app_rx(void *ctx, const void *data, unsigned len)
{
	struct wl_rr *w = ctx;
	const uint8_t *d = data;
	uint64_t seq;

	if (len < PAYLOAD_OFF || d[12] != ETHERTYPE_LOCAL >> 8 ||
	    d[13] != (ETHERTYPE_LOCAL & 0xff) || w->aq_n == w->cfg.in_flight)
		return;
	memcpy(&seq, d + SEQ_OFF, 8);
	w->app_q[(w->aq_head + w->aq_n++) % w->cfg.in_flight] = seq;
	w->r.received++;
	w->t_progress = sim_now();
}

/* Answer request seq: work, then the send call, retried while the ring is full. */
static void respond(struct wl_rr *w, uint64_t seq)
{
	unsigned len = w->cfg.response_bytes - FCS_LEN; /* the NIC appends the FCS */
	bool halt = w->cfg.guest_idle == WL_IDLE_HALT;
	int rc;

	if (w->cfg.app_cycles)
		gk_compute(w->g, w->cfg.app_cycles);
	memset(w->frame, 0xff, 6);
	memcpy(w->frame + 6, "\x02\x00\x00\x00\x00\x01", 6);
	w->frame[12] = ETHERTYPE_LOCAL >> 8;
	w->frame[13] = ETHERTYPE_LOCAL & 0xff;
	memcpy(w->frame + SEQ_OFF, &seq, 8);
	for (unsigned i = PAYLOAD_OFF; i < len; i++)
		w->frame[i] = (uint8_t)(seq + i);
	/* counted before the call: the response may reach the peer, and end the run, before the
	 * call returns */
	w->r.responses++;
	while ((rc = gk_net_xmit(w->g, w->nd, w->frame, len)) == GK_XMIT_BUSY) {
		w->r.send_busy++;
		gk_net_wait_tx(w->g, &w->nd, 1, halt,
			       (uint64_t)llround(wire_ps(w, w->cfg.response_bytes, true)));
	}
	if (rc == GK_XMIT_OK)
		return;
	/* the stack refused it outright (no memory, no device) */
	w->r.responses--;
	peer_free_slot(w, seq);
	w->r.dropped++;
	check_done(w);
	peer_send(w, sim_now());
}

static void app_init(void *ctx, struct gk *g)
{
	struct wl_rr *w = ctx;

	gk_net_set_rx(g, app_rx, w);
	w->nd = gk_netdev_of(g, w->devfn);
	if (!w->nd || gk_net_open(g, w->nd))
		return; /* no device: nothing is sent, the run reports it never started */
	w->r.started = true;
	w->r.t_start_ps = sim_now();
	w->t_progress = sim_now();
	if (w->hooks.on_start)
		w->hooks.on_start(w->hooks.ctx);
	for (unsigned i = 0; i < w->cfg.in_flight; i++)
		peer_send(w, sim_now() + w->start_delay_ps);
	while (!w->r.done) {
		if (w->aq_n) {
			uint64_t seq = w->app_q[w->aq_head];

			w->aq_head = (w->aq_head + 1) % w->cfg.in_flight;
			w->aq_n--;
			respond(w, seq);
		} else if (w->cfg.guest_idle == WL_IDLE_HALT) {
			gk_net_wait_rx(g); /* recv() blocks: the vCPU halts until a frame comes */
		} else {
			/* busy polling, looking every 1000 cycles (a third of a microsecond at
			 * 3 GHz: what a poll loop's round costs with the stack's checks); the
			 * driver's interrupt preempts it */
			gk_compute(g, 1000);
		}
	}
}

void wl_rr_bind(struct wl_rr *w, const struct wl_hooks *hooks)
{
	w->hooks = *hooks;
	nic_set_wire(w->nic, &wire_ops, w);
	nic_set_port_gbps(w->nic, w->line_gbps);
	nic_set_wire_sink(w->nic, &sink_ops, w, w->line_gbps);
	gk_set_init(w->g, app_init, w);
}
