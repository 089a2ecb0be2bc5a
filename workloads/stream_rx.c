/* SPDX-License-Identifier: MIT */
#include "workloads/stream_rx.h"
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

#define HDR_LEN 14
#define ETHERTYPE_LOCAL 0x88b5 /* IEEE 802 local experimental */

struct wl_stream_rx;

/* One stream: a wire into a NIC, frames numbered from 0. */
struct stream {
	struct wl_stream_rx *w;
	unsigned index;
	struct sim_rng *rng;
	struct nic *nic;
	struct app *app;
	double rate_gbps;     /* its offered load */
	double next_start_ps; /* first bit of the next frame */
	uint64_t next_seq;
	uint64_t *flow_next; /* flows > 1: each flow's highest sequence received, plus one */
	struct wl_stream_rx_result r; /* its counts (latencies go to the whole's) */
};

/* The application of one guest: it receives the streams into that guest. */
struct app {
	struct wl_stream_rx *w;
	struct gk *g;
};

struct wl_stream_rx {
	struct wl_stream_cfg cfg;
	uint64_t seed;
	struct stream **streams;
	unsigned nstreams;
	struct app **apps;
	unsigned napps;
	struct wl_hooks hooks;
	struct wl_stream_rx_result r; /* the whole workload */
};

int wl_stream_rx_create(const struct wl_stream_cfg *cfg, uint64_t seed, struct wl_stream_rx **out)
{
	struct wl_stream_rx *w;

	if (!cfg->frames || cfg->frame_bytes < 64 || cfg->rate_gbps <= 0 || cfg->line_gbps <= 0)
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

void wl_stream_rx_destroy(struct wl_stream_rx *w)
{
	if (!w)
		return;
	for (unsigned i = 0; i < w->nstreams; i++) {
		sim_rng_destroy(w->streams[i]->rng);
		free(w->streams[i]->flow_next);
		free(w->streams[i]);
	}
	for (unsigned i = 0; i < w->napps; i++)
		free(w->apps[i]);
	free(w->streams);
	free(w->apps);
	sim_samples_free(&w->r.latency_ps);
	free(w);
}

static struct app *app_of(struct wl_stream_rx *w, struct gk *g)
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

int wl_stream_rx_add(struct wl_stream_rx *w, struct nic *nic, struct gk *g, double rate_gbps)
{
	struct stream **streams = realloc(w->streams, (w->nstreams + 1) * sizeof(*streams));
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
	s->rate_gbps = rate_gbps > 0 ? rate_gbps : w->cfg.rate_gbps;
	s->app = app_of(w, g);
	/* stream 0 keeps the name a single stream always had: the same seed, the same frames */
	if (s->index)
		snprintf(name, sizeof(name), "workload.stream_rx.arrivals.%u", s->index);
	else
		snprintf(name, sizeof(name), "workload.stream_rx.arrivals");
	rc = s->app ? sim_rng_create(w->seed, name, &s->rng) : -ENOMEM;
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

unsigned wl_stream_rx_nstreams(const struct wl_stream_rx *w)
{
	return w->nstreams;
}

const struct wl_stream_rx_result *wl_stream_rx_stream(const struct wl_stream_rx *w, unsigned i)
{
	return i < w->nstreams ? &w->streams[i]->r : NULL;
}

uint64_t wl_stream_rx_frames(const struct wl_stream_rx *w)
{
	return w->cfg.frames * w->nstreams;
}

/* The result's counts, keys relative to where they are reported ("workload."). The times and
 * the latency samples are reported as the run's throughput and latency. */
#define RX_ROW(field, key, meaning)                                                                \
	{                                                                                          \
		METRIC(struct wl_stream_rx_result, field, COUNT, key, meaning)                     \
	}
static const struct metric stream_rx_rows[] = {
    RX_ROW(sent, "frames_sent", "frames put on the wire"),
    RX_ROW(received, "frames_received", "frames the guest application received"),
    RX_ROW(dropped, "frames_dropped", "frames the NIC dropped"),
    RX_ROW(lost, "frames_lost", "frames neither received nor dropped when the drain ran out"),
    RX_ROW(rx_bytes, "bytes_received", "bytes the guest application received"),
    RX_ROW(out_of_order, "frames_out_of_order",
	   "frames that reached the application after a later one"),
};
const struct metric_table wl_stream_rx_metrics =
    METRIC_TABLE(struct wl_stream_rx_result, stream_rx_rows);

struct wl_stream_rx_result *wl_stream_rx_result(struct wl_stream_rx *w)
{
	return &w->r;
}

static void check_done(struct wl_stream_rx *w, struct stream *s)
{
	if (!s->r.done && s->r.received + s->r.dropped >= w->cfg.frames) {
		s->r.done = true;
		s->r.t_end_ps = sim_now();
	}
	if (w->r.done || w->r.received + w->r.dropped < wl_stream_rx_frames(w))
		return;
	w->r.done = true;
	w->r.t_end_ps = sim_now();
	if (w->hooks.on_done)
		w->hooks.on_done(w->hooks.ctx);
}

void wl_stream_rx_give_up(struct wl_stream_rx *w)
{
	if (w->r.done)
		return;
	for (unsigned i = 0; i < w->nstreams; i++) {
		struct stream *s = w->streams[i];

		if (!s->r.done) {
			s->r.lost = s->r.sent - s->r.received - s->r.dropped;
			s->r.done = true;
			s->r.t_end_ps = sim_now();
		}
	}
	w->r.lost = w->r.sent - w->r.received - w->r.dropped;
	w->r.done = true;
	w->r.t_end_ps = sim_now();
	if (w->hooks.on_done)
		w->hooks.on_done(w->hooks.ctx);
}

/* ---- the wire ---- */

static double wire_ps(const struct wl_stream_rx *w, double gbps)
{
	return (w->cfg.frame_bytes + WL_WIRE_OVERHEAD) * 8.0 * 1000.0 / gbps;
}

static bool wire_next(void *ctx, struct nic_frame *f, uint8_t *data, size_t cap)
{
	struct stream *s = ctx;
	struct wl_stream_rx *w = s->w;
	double gap = wire_ps(w, s->rate_gbps);
	uint64_t start, ts, idx = s->index;

	if (!s->r.started || s->next_seq >= w->cfg.frames)
		return false;
	start = (uint64_t)llround(s->next_start_ps);
	if (s->next_seq == 0)
		s->r.t_first_ps = start;
	if (!w->r.sent || start < w->r.t_first_ps)
		w->r.t_first_ps = start;
	/* The last bit arrives one frame time (at line rate, without the gap) after the first. */
	ts = start + (uint64_t)llround((w->cfg.frame_bytes + 8) * 8.0 * 1000.0 / w->cfg.line_gbps);
	f->t_ps = ts;
	s->r.t_last_ps = ts;
	if (ts > w->r.t_last_ps)
		w->r.t_last_ps = ts;
	f->len = w->cfg.frame_bytes;
	memset(data, 0, cap < f->len ? cap : f->len);
	if (cap >= HDR_LEN + 24) {
		memset(data, 0xff, 6);                           /* destination: broadcast */
		memcpy(data + 6, "\x02\x00\x00\x00\x00\x01", 6); /* source: locally administered */
		data[12] = ETHERTYPE_LOCAL >> 8;
		data[13] = ETHERTYPE_LOCAL & 0xff;
		memcpy(data + HDR_LEN, &s->next_seq, 8);
		memcpy(data + HDR_LEN + 8, &ts, 8);
		memcpy(data + HDR_LEN + 16, &idx, 8);
	}
	if (w->cfg.flows > 1 && cap >= WL_FLOW_HDR_LEN + WL_PAYLOAD_LEN) {
		memset(data + HDR_LEN, 0, WL_PAYLOAD_LEN);
		wl_flow_headers(data, w->cfg.frame_bytes, w->cfg.flows, s->next_seq, idx);
		memcpy(data + WL_FLOW_HDR_LEN, &s->next_seq, 8);
		memcpy(data + WL_FLOW_HDR_LEN + 8, &ts, 8);
		memcpy(data + WL_FLOW_HDR_LEN + 16, &idx, 8);
	}
	s->next_seq++;
	s->r.sent++;
	w->r.sent++;
	if (w->r.sent == wl_stream_rx_frames(w) && w->hooks.on_sent)
		w->hooks.on_sent(w->hooks.ctx);
	if (w->cfg.arrival == WL_ARRIVAL_POISSON)
		s->next_start_ps += fmax(wire_ps(w, w->cfg.line_gbps),
					 sim_rng_exponential(s->rng, gap));
	else
		s->next_start_ps += gap;
	return true;
}

static void wire_dropped(void *ctx, const struct nic_frame *f)
{
	struct stream *s = ctx;

	(void)f;
	s->r.dropped++;
	s->w->r.dropped++;
	check_done(s->w, s);
}

static const struct nic_wire_ops wire_ops = {wire_next, wire_dropped};

/* ---- the application in the guest ---- */

static void app_rx(void *ctx, const void *data, unsigned len)
{
	struct app *a = ctx;
	struct wl_stream_rx *w = a->w;
	struct stream *s = w->streams[0];
	uint64_t seq, ts, idx, now = gk_now_ps(a->g);
	unsigned off = w->cfg.flows > 1 ? WL_FLOW_HDR_LEN : HDR_LEN;

	if (len >= off + WL_PAYLOAD_LEN) {
		const uint8_t *p = (const uint8_t *)data + off;
		bool late;

		memcpy(&seq, p, 8);
		memcpy(&ts, p + 8, 8);
		memcpy(&idx, p + 16, 8);
		if (idx < w->nstreams)
			s = w->streams[idx];
		if (s->flow_next) {
			/* order within a flow: RSS keeps a flow on one queue, flows may pass */
			uint64_t *next = &s->flow_next[seq % w->cfg.flows];

			late = seq + 1 < *next;
			if (!late)
				*next = seq + 1;
		} else {
			late = seq < s->r.received + s->r.dropped;
		}
		if (late) {
			s->r.out_of_order++;
			w->r.out_of_order++;
		}
		sim_samples_add(&w->r.latency_ps, now > ts ? now - ts : 0);
	}
	s->r.received++;
	s->r.rx_bytes += len;
	w->r.received++;
	w->r.rx_bytes += len;
	if (w->cfg.app_cycles)
		gk_compute(a->g, w->cfg.app_cycles);
	check_done(w, s);
}

static void app_init(void *ctx, struct gk *g)
{
	struct app *a = ctx;
	struct wl_stream_rx *w = a->w;
	bool first = !w->r.started;

	gk_net_set_rx(g, app_rx, a);
	if (first) {
		w->r.started = true;
		w->r.t_start_ps = sim_now();
	}
	for (unsigned i = 0; i < w->nstreams; i++) {
		struct stream *s = w->streams[i];

		if (s->app != a)
			continue;
		s->r.started = true;
		s->r.t_start_ps = sim_now();
		s->next_start_ps = (double)(s->r.t_start_ps + w->cfg.start_delay_ps);
	}
	if (first && w->hooks.on_start)
		w->hooks.on_start(w->hooks.ctx);
	for (unsigned i = 0; i < w->nstreams; i++)
		if (w->streams[i]->app == a)
			nic_wire_kick(w->streams[i]->nic);
	if (w->cfg.guest_idle == WL_IDLE_BUSY) {
		/* Other work keeps the vCPU in guest mode; interrupts preempt it. */
		while (!w->r.done)
			gk_compute(g, 1000000);
	}
	/* Otherwise return: the kernel's idle loop halts between interrupts. */
}

void wl_stream_rx_bind(struct wl_stream_rx *w, const struct wl_hooks *hooks)
{
	w->hooks = *hooks;
	for (unsigned i = 0; i < w->nstreams; i++) {
		nic_set_wire(w->streams[i]->nic, &wire_ops, w->streams[i]);
		nic_set_port_gbps(w->streams[i]->nic, w->cfg.line_gbps);
	}
	for (unsigned i = 0; i < w->napps; i++)
		gk_set_init(w->apps[i]->g, app_init, w->apps[i]);
}
