/* SPDX-License-Identifier: MIT */
/* stream_tx (see stream_tx.h): the applications in the guests and the wire's far side. */
#include "workloads/stream_tx.h"
#include "models/devices/nic.h"
#include "models/guest/kernel/gk.h"
#include "sim/engine.h"
#include "sim/metrics.h"
#include "sim/rng.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HDR_LEN		14
#define FCS_LEN		4
#define ETHERTYPE_LOCAL 0x88b5 /* IEEE 802 local experimental */
/* After the headers (Ethernet, or with flows > 1 Ethernet, IPv4 and TCP): the frame's number,
 * its send call's time, its stream; then the payload. */
#define SEQ_OFF	    0
#define TS_OFF	    8
#define IDX_OFF	    16
#define PAYLOAD_OFF WL_PAYLOAD_LEN
#define NEVER	    UINT64_MAX

struct app;

/* One stream: frames numbered from 0, out of one NIC. */
struct stream {
	struct wl_stream_tx *w;
	unsigned index;
	struct sim_rng *rng;
	struct nic *nic;
	uint16_t devfn; /* its bus too on bare metal */
	struct app *app;
	struct net_device *nd;
	double next_send_ps;	      /* when the next frame is due (rate > 0) */
	uint64_t next_seq;	      /* the next frame to send */
	uint64_t wire_seq;	      /* the next frame expected on the wire */
	uint64_t *flow_next;	      /* flows > 1: each flow's next frame expected on the wire */
	bool backed_off;	      /* its last send was refused: wait until its queue wakes */
	struct wl_stream_tx_result r; /* its counts (latencies go to the whole's) */
};

/* The application of one guest: it sends the streams out of that guest's devices. */
struct app {
	struct wl_stream_tx *w;
	struct gk *g;
	struct net_device **nds; /* its streams' devices, for waiting on any of them */
	unsigned nnds;
	bool waiting; /* on its devices: a full ring, or every frame sent */
	uint64_t wait_since;
	uint8_t frame[2048];
};

struct wl_stream_tx {
	struct wl_stream_cfg cfg;
	uint64_t seed;
	struct stream **streams;
	unsigned nstreams;
	struct app **apps;
	unsigned napps;
	struct wl_hooks hooks;
	uint64_t t_progress;	      /* the last completion, or frame on the wire or dropped */
	struct wl_stream_tx_result r; /* the whole workload */
};

/* Where a frame's own fields start: after its headers. */
static unsigned hdr_len(const struct wl_stream_tx *w)
{
	return w->cfg.flows > 1 ? WL_FLOW_HDR_LEN : HDR_LEN;
}

int wl_stream_tx_create(const struct wl_stream_cfg *cfg, uint64_t seed, struct wl_stream_tx **out)
{
	struct wl_stream_tx *w;

	if (!cfg->frames || cfg->frame_bytes < 64 || cfg->frame_bytes > sizeof(w->apps[0]->frame) ||
	    cfg->rate_gbps < 0 || cfg->line_gbps <= 0 ||
	    (cfg->flows > 1 && cfg->frame_bytes < WL_STREAM_TX_FLOW_MIN_BYTES))
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->cfg = *cfg;
	w->seed = seed;
	sim_samples_init(&w->r.latency_ps);
	*out = w;
	return 0;
}

void wl_stream_tx_destroy(struct wl_stream_tx *w)
{
	if (!w)
		return;
	for (unsigned i = 0; i < w->nstreams; i++) {
		sim_rng_destroy(w->streams[i]->rng);
		free(w->streams[i]->flow_next);
		free(w->streams[i]);
	}
	for (unsigned i = 0; i < w->napps; i++) {
		free(w->apps[i]->nds);
		free(w->apps[i]);
	}
	free(w->streams);
	free(w->apps);
	sim_samples_free(&w->r.latency_ps);
	free(w);
}

static struct app *app_of(struct wl_stream_tx *w, struct gk *g)
{
	struct app **apps, *a;

	for (unsigned i = 0; i < w->napps; i++)
		if (w->apps[i]->g == g)
			return w->apps[i];
	apps = realloc(w->apps, (w->napps + 1) * sizeof(*apps));
	if (!apps)
		return NULL;
	w->apps = apps;
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->w = w;
	a->g = g;
	w->apps[w->napps++] = a;
	return a;
}

int wl_stream_tx_add(struct wl_stream_tx *w, struct nic *nic, struct gk *g, uint16_t devfn)
{
	struct stream **streams = realloc(w->streams, (w->nstreams + 1) * sizeof(*streams));
	struct net_device **nds;
	struct stream *s;
	char name[64];
	int rc;

	if (!streams)
		return -ENOMEM;
	w->streams = streams;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->w = w;
	s->index = w->nstreams;
	s->nic = nic;
	s->devfn = devfn;
	s->app = app_of(w, g);
	nds = s->app ? realloc(s->app->nds, (s->app->nnds + 1) * sizeof(*nds)) : NULL;
	if (!nds) {
		free(s);
		return -ENOMEM;
	}
	s->app->nds = nds;
	nds[s->app->nnds++] = NULL; /* the application's, once it has opened the device */
	if (s->index)
		snprintf(name, sizeof(name), "workload.stream_tx.sends.%u", s->index);
	else
		snprintf(name, sizeof(name), "workload.stream_tx.sends");
	rc = sim_rng_create(w->seed, name, &s->rng);
	if (!rc && w->cfg.flows > 1) {
		s->flow_next = calloc(w->cfg.flows, sizeof(*s->flow_next));
		rc = s->flow_next ? 0 : -ENOMEM;
	}
	if (rc) {
		sim_rng_destroy(s->rng);
		free(s);
		return rc;
	}
	w->streams[w->nstreams++] = s;
	return 0;
}

unsigned wl_stream_tx_nstreams(const struct wl_stream_tx *w)
{
	return w->nstreams;
}

const struct wl_stream_tx_result *wl_stream_tx_stream(const struct wl_stream_tx *w, unsigned i)
{
	return i < w->nstreams ? &w->streams[i]->r : NULL;
}

uint64_t wl_stream_tx_frames(const struct wl_stream_tx *w)
{
	return w->cfg.frames * w->nstreams;
}

struct wl_stream_tx_result *wl_stream_tx_result(struct wl_stream_tx *w)
{
	return &w->r;
}

/* The result's counts, keys relative to where they are reported ("workload."): the same keys
 * as stream_rx's where they mean the same, seen from the other end. The times and the latency
 * samples are reported as the run's throughput and latency. */
#define TX_ROW(field, key, meaning)                                                                \
	{                                                                                          \
		METRIC(struct wl_stream_tx_result, field, COUNT, key, meaning)                     \
	}
static const struct metric stream_tx_rows[] = {
    TX_ROW(sent, "frames_sent", "frames the guest application handed to the network stack"),
    TX_ROW(received, "frames_received", "frames the wire's far side received as they were sent"),
    TX_ROW(dropped, "frames_dropped", "frames the driver or the NIC dropped"),
    TX_ROW(lost, "frames_lost", "frames neither on the wire nor dropped when the drain ran out"),
    TX_ROW(wire_bytes, "bytes_received",
	   "bytes of the frames received, on the wire (FCS included)"),
    TX_ROW(out_of_order, "frames_out_of_order",
	   "frames that left after a later one of their stream"),
    TX_ROW(sent_bytes, "bytes_sent", "bytes the application handed to the stack (no FCS)"),
    TX_ROW(send_busy, "send_busy",
	   "send calls refused because the driver's ring was full (NETDEV_TX_BUSY), each retried"),
    TX_ROW(completed, "frames_completed",
	   "sent frames whose buffer the driver handed back (transmitted or dropped)"),
    TX_ROW(corrupt, "frames_corrupt", "frames on the wire that were not what the application sent"),
};
const struct metric_table wl_stream_tx_metrics =
    METRIC_TABLE(struct wl_stream_tx_result, stream_tx_rows);

/* ---- accounting ---- */

static bool stream_done(const struct wl_stream_tx *w, const struct stream *s)
{
	return s->r.completed >= w->cfg.frames &&
	       s->r.received + s->r.dropped + s->r.corrupt >= w->cfg.frames;
}

static void check_done(struct wl_stream_tx *w, struct stream *s)
{
	w->t_progress = sim_now();
	if (!s->r.done && stream_done(w, s)) {
		s->r.done = true;
		s->r.t_end_ps = sim_now();
	}
	if (w->r.done)
		return;
	for (unsigned i = 0; i < w->nstreams; i++)
		if (!w->streams[i]->r.done)
			return;
	w->r.done = true;
	w->r.t_end_ps = sim_now();
	if (w->hooks.on_done)
		w->hooks.on_done(w->hooks.ctx);
}

uint64_t wl_stream_tx_stalled_since(const struct wl_stream_tx *w)
{
	uint64_t since = w->t_progress;

	if (!w->r.started || w->r.done)
		return NEVER;
	for (unsigned i = 0; i < w->napps; i++) {
		if (!w->apps[i]->waiting)
			return NEVER;
		if (w->apps[i]->wait_since > since)
			since = w->apps[i]->wait_since;
	}
	return since;
}

void wl_stream_tx_give_up(struct wl_stream_tx *w)
{
	if (w->r.done)
		return;
	for (unsigned i = 0; i < w->nstreams; i++) {
		struct stream *s = w->streams[i];
		uint64_t fate = s->r.received + s->r.dropped + s->r.corrupt;

		if (!s->r.done) {
			s->r.lost = w->cfg.frames > fate ? w->cfg.frames - fate : 0;
			s->r.done = true;
			s->r.t_end_ps = sim_now();
		}
		w->r.lost += s->r.lost;
	}
	w->r.done = true;
	w->r.t_end_ps = sim_now();
	if (w->hooks.on_done)
		w->hooks.on_done(w->hooks.ctx);
}

/* ---- the frames ---- */

static void build(const struct stream *s, uint8_t *f, unsigned len, uint64_t seq)
{
	const struct wl_stream_tx *w = s->w;
	uint64_t idx = s->index;
	unsigned h = hdr_len(w);

	memset(f, 0xff, 6);			      /* destination: broadcast */
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x01", 6); /* source: locally administered */
	f[12] = ETHERTYPE_LOCAL >> 8;
	f[13] = ETHERTYPE_LOCAL & 0xff;
	if (w->cfg.flows > 1)
		wl_flow_headers(f, w->cfg.frame_bytes, w->cfg.flows, seq, idx);
	memcpy(f + h + SEQ_OFF, &seq, 8);
	memcpy(f + h + IDX_OFF, &idx, 8);
	for (unsigned i = h + PAYLOAD_OFF; i < len; i++)
		f[i] = (uint8_t)(seq + i);
}

/* Is this what stream s sent as frame seq? */
static bool intact(const struct stream *s, const uint8_t *f, size_t len, uint64_t *seq)
{
	const struct wl_stream_tx *w = s->w;
	unsigned h = hdr_len(w);
	uint8_t hdr[WL_FLOW_HDR_LEN];
	uint64_t idx;

	if (len != w->cfg.frame_bytes - FCS_LEN ||
	    (w->cfg.flows <= 1 &&
	     (f[12] != ETHERTYPE_LOCAL >> 8 || f[13] != (ETHERTYPE_LOCAL & 0xff))))
		return false;
	memcpy(seq, f + h + SEQ_OFF, 8);
	memcpy(&idx, f + h + IDX_OFF, 8);
	if (idx != s->index || *seq >= w->cfg.frames)
		return false;
	if (w->cfg.flows > 1) {
		memcpy(hdr, f, 12);
		wl_flow_headers(hdr, w->cfg.frame_bytes, w->cfg.flows, *seq, idx);
		if (memcmp(hdr, f, WL_FLOW_HDR_LEN))
			return false; /* not the headers of the frame's flow */
	}
	for (size_t i = h + PAYLOAD_OFF; i < len; i++)
		if (f[i] != (uint8_t)(*seq + i))
			return false;
	return true;
}

/* ---- the wire's far side (the NIC's sink) ---- */

static void wire_transmitted(void *ctx, const struct nic_frame *f, const uint8_t *data, size_t len)
{
	struct stream *s = ctx;
	struct wl_stream_tx *w = s->w;
	uint64_t seq, ts, *next;

	if (!intact(s, data, len, &seq)) {
		s->r.corrupt++;
		w->r.corrupt++;
		check_done(w, s);
		return;
	}
	memcpy(&ts, data + hdr_len(w) + TS_OFF, 8);
	/* order within a flow: each flow keeps to one transmit queue, flows may pass */
	next = s->flow_next ? &s->flow_next[seq % w->cfg.flows] : &s->wire_seq;
	if (seq < *next) {
		s->r.out_of_order++;
		w->r.out_of_order++;
	} else {
		*next = seq + 1;
	}
	sim_samples_add(&w->r.latency_ps, f->t_ps > ts ? f->t_ps - ts : 0);
	s->r.received++;
	s->r.wire_bytes += f->len;
	w->r.received++;
	w->r.wire_bytes += f->len;
	if (f->t_ps > s->r.t_last_ps)
		s->r.t_last_ps = f->t_ps;
	if (f->t_ps > w->r.t_last_ps)
		w->r.t_last_ps = f->t_ps;
	check_done(w, s);
}

static void wire_dropped(void *ctx, const struct nic_frame *f)
{
	struct stream *s = ctx;

	(void)f;
	s->r.dropped++;
	s->w->r.dropped++;
	check_done(s->w, s);
}

static const struct nic_wire_sink_ops sink_ops = {wire_transmitted, wire_dropped};

/* ---- the application in the guest ---- */

/* A sent frame's buffer came back (the kernel's skb destructor: in the driver's interrupt). */
static void app_tx_done(void *ctx, const void *data, unsigned len, bool sent)
{
	struct app *a = ctx;
	struct wl_stream_tx *w = a->w;
	struct stream *s = NULL;
	uint64_t idx = 0;

	if (len >= hdr_len(w) + PAYLOAD_OFF)
		memcpy(&idx, (const uint8_t *)data + hdr_len(w) + IDX_OFF, 8);
	if (idx < w->nstreams && w->streams[idx]->app == a)
		s = w->streams[idx];
	if (!s)
		return;
	s->r.completed++;
	w->r.completed++;
	if (!sent) {
		s->r.dropped++;
		w->r.dropped++;
	}
	check_done(w, s);
}

static double gap_ps(const struct wl_stream_tx *w, double gbps)
{
	return (w->cfg.frame_bytes + WL_WIRE_OVERHEAD) * 8.0 * 1000.0 / gbps;
}

/* The stream to send on next: the earliest due of those with frames left that are not backing
 * off from a refused send (until their queue wakes), fewest sent first among equals (round
 * robin when flat out). NULL when none can; *left says whether any has frames left. */
static struct stream *pick(struct app *a, bool *left)
{
	struct wl_stream_tx *w = a->w;
	struct stream *best = NULL;

	*left = false;
	for (unsigned i = 0; i < w->nstreams; i++) {
		struct stream *s = w->streams[i];

		if (s->app != a || s->next_seq >= w->cfg.frames)
			continue;
		*left = true;
		if (s->backed_off && gk_net_tx_stopped(s->nd))
			continue;
		s->backed_off = false;
		if (!best || s->next_send_ps < best->next_send_ps ||
		    (s->next_send_ps == best->next_send_ps && s->next_seq < best->next_seq))
			best = s;
	}
	return best;
}

/* A spinning sender looks again every frame time on the wire: looking more often gains
 * nothing, since a queue wakes with the wake threshold's worth of room and the rest of the
 * ring still to send. */
static void wait_on_devices(struct app *a)
{
	const struct wl_stream_tx *w = a->w;

	a->waiting = true;
	a->wait_since = sim_now();
	gk_net_wait_tx(a->g, a->nds, a->nnds, w->cfg.guest_idle == WL_IDLE_HALT,
		       (uint64_t)llround(gap_ps(w, w->cfg.line_gbps)));
	a->waiting = false;
}

/* One frame out of stream s, now. */
static void send_one(struct app *a, struct stream *s)
{
	struct wl_stream_tx *w = a->w;
	unsigned len = w->cfg.frame_bytes - FCS_LEN; /* the NIC appends the FCS (IFCS) */
	uint64_t now = gk_now_ps(a->g);
	int rc;

	build(s, a->frame, len, s->next_seq);
	memcpy(a->frame + hdr_len(w) + TS_OFF, &now, 8);
	rc = gk_net_xmit(a->g, s->nd, a->frame, len);
	if (rc == GK_XMIT_BUSY) {
		s->r.send_busy++;
		w->r.send_busy++;
		s->backed_off = true; /* retried when its queue wakes */
		return;
	}
	if (!w->r.sent) {
		w->r.t_first_ps = now;
		s->r.t_first_ps = now;
	} else if (!s->r.sent) {
		s->r.t_first_ps = now;
	}
	s->next_seq++;
	if (rc == GK_XMIT_OK) {
		s->r.sent++;
		s->r.sent_bytes += len;
		w->r.sent++;
		w->r.sent_bytes += len;
	} else {
		/* the stack refused it outright (no memory, no device): its fate is known */
		s->r.completed++;
		s->r.dropped++;
		w->r.completed++;
		w->r.dropped++;
		check_done(w, s);
	}
	if (w->cfg.rate_gbps > 0)
		s->next_send_ps +=
		    w->cfg.arrival == WL_ARRIVAL_POISSON
			? fmax(gap_ps(w, w->cfg.line_gbps),
			       sim_rng_exponential(s->rng, gap_ps(w, w->cfg.rate_gbps)))
			: gap_ps(w, w->cfg.rate_gbps);
	if (w->cfg.app_cycles)
		gk_compute(a->g, w->cfg.app_cycles);
}

static bool all_sent(const struct wl_stream_tx *w)
{
	for (unsigned i = 0; i < w->nstreams; i++)
		if (w->streams[i]->next_seq < w->cfg.frames)
			return false;
	return true;
}

static void app_init(void *ctx, struct gk *g)
{
	struct app *a = ctx;
	struct wl_stream_tx *w = a->w;
	bool first, left;
	unsigned k = 0;

	gk_net_set_tx_done(g, app_tx_done, a);
	/* Bring the devices up (dev_open): each driver sets up its transmit ring. */
	for (unsigned i = 0; i < w->nstreams; i++) {
		struct stream *s = w->streams[i];

		if (s->app != a)
			continue;
		s->nd = gk_netdev_of(g, s->devfn);
		if (!s->nd || gk_net_open(g, s->nd))
			return; /* no device: nothing is sent, the run reports it never started */
		a->nds[k++] = s->nd;
	}
	/* the first application ready opens the window (opening took others some time too) */
	first = !w->r.started;
	if (first) {
		w->r.started = true;
		w->r.t_start_ps = sim_now();
		w->t_progress = sim_now();
	}
	for (unsigned i = 0; i < w->nstreams; i++) {
		struct stream *s = w->streams[i];

		if (s->app != a)
			continue;
		s->r.started = true;
		s->r.t_start_ps = sim_now();
		s->next_send_ps = (double)(s->r.t_start_ps + w->cfg.start_delay_ps);
	}
	if (first && w->hooks.on_start)
		w->hooks.on_start(w->hooks.ctx);
	for (;;) {
		struct stream *s = pick(a, &left);

		if (!left)
			break;
		if (!s) {
			wait_on_devices(a); /* every send was refused: the rings are full */
			continue;
		}
		if (s->next_send_ps > (double)gk_now_ps(g)) {
			/* up, not to the nearest: a time rounded down to where the TSC already is
			 * would leave the send due later forever (a spin that never ends) */
			gk_spin_until(g, (uint64_t)ceil(s->next_send_ps));
			continue; /* a completion meanwhile may have changed the choice */
		}
		send_one(a, s);
	}
	a->waiting = true;
	a->wait_since = sim_now();
	if (all_sent(w) && w->hooks.on_sent)
		w->hooks.on_sent(w->hooks.ctx);
	if (w->cfg.guest_idle == WL_IDLE_BUSY) {
		/* Other work keeps the vCPU in guest mode; interrupts preempt it. */
		while (!w->r.done)
			gk_compute(g, 1000000);
	}
	/* Otherwise return: the kernel's idle loop halts between interrupts. */
}

void wl_stream_tx_bind(struct wl_stream_tx *w, const struct wl_hooks *hooks)
{
	w->hooks = *hooks;
	for (unsigned i = 0; i < w->nstreams; i++)
		nic_set_wire_sink(w->streams[i]->nic, &sink_ops, w->streams[i], w->cfg.line_gbps);
	for (unsigned i = 0; i < w->napps; i++)
		gk_set_init(w->apps[i]->g, app_init, w->apps[i]);
}
