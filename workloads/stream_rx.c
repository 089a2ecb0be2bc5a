/* SPDX-License-Identifier: MIT */
#include "workloads/stream_rx.h"
#include "models/devices/nic.h"
#include "models/guest/kernel/gk.h"
#include "sim/engine.h"
#include "sim/knob.h"
#include "sim/metrics.h"
#include "sim/rng.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Ethernet preamble + start delimiter (8 B) and minimum inter-frame gap (12 B), IEEE 802.3. */
#define WIRE_OVERHEAD 20
#define HDR_LEN 14
#define ETHERTYPE_LOCAL 0x88b5 /* IEEE 802 local experimental */

struct wl_stream_rx {
	struct wl_stream_rx_cfg cfg;
	struct sim_rng *rng;
	struct nic *nic;
	struct gk *g;
	struct wl_hooks hooks;
	double next_start_ps; /* first bit of the next frame */
	uint64_t next_seq;
	struct wl_stream_rx_result r;
};

int wl_stream_rx_create(const struct wl_stream_rx_cfg *cfg, uint64_t seed,
			struct wl_stream_rx **out)
{
	struct wl_stream_rx *w;
	int rc;

	if (!cfg->frames || cfg->frame_bytes < 64 || cfg->rate_gbps <= 0 || cfg->line_gbps <= 0)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->cfg = *cfg;
	rc = sim_rng_create(seed, "workload.stream_rx.arrivals", &w->rng);
	if (rc) {
		free(w);
		return rc;
	}
	sim_samples_init(&w->r.latency_ps);
	*out = w;
	return 0;
}

void wl_stream_rx_destroy(struct wl_stream_rx *w)
{
	if (!w)
		return;
	sim_samples_free(&w->r.latency_ps);
	sim_rng_destroy(w->rng);
	free(w);
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

static void check_done(struct wl_stream_rx *w)
{
	if (w->r.done || w->r.received + w->r.dropped < w->cfg.frames)
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
	w->r.lost = w->r.sent - w->r.received - w->r.dropped;
	w->r.done = true;
	w->r.t_end_ps = sim_now();
	if (w->hooks.on_done)
		w->hooks.on_done(w->hooks.ctx);
}

/* ---- the wire ---- */

static double wire_ps(const struct wl_stream_rx *w, double gbps)
{
	return (w->cfg.frame_bytes + WIRE_OVERHEAD) * 8.0 * 1000.0 / gbps;
}

static bool wire_next(void *ctx, struct nic_frame *f, uint8_t *data, size_t cap)
{
	struct wl_stream_rx *w = ctx;
	double gap = wire_ps(w, w->cfg.rate_gbps);
	uint64_t start, ts;

	if (!w->r.started || w->next_seq >= w->cfg.frames)
		return false;
	start = (uint64_t)llround(w->next_start_ps);
	if (w->next_seq == 0)
		w->r.t_first_ps = start;
	/* The last bit arrives one frame time (at line rate, without the gap) after the first. */
	ts = start + (uint64_t)llround((w->cfg.frame_bytes + 8) * 8.0 * 1000.0 / w->cfg.line_gbps);
	f->t_ps = ts;
	w->r.t_last_ps = ts;
	f->len = w->cfg.frame_bytes;
	memset(data, 0, cap < f->len ? cap : f->len);
	if (cap >= HDR_LEN + 16) {
		memset(data, 0xff, 6);                           /* destination: broadcast */
		memcpy(data + 6, "\x02\x00\x00\x00\x00\x01", 6); /* source: locally administered */
		data[12] = ETHERTYPE_LOCAL >> 8;
		data[13] = ETHERTYPE_LOCAL & 0xff;
		memcpy(data + HDR_LEN, &w->next_seq, 8);
		memcpy(data + HDR_LEN + 8, &ts, 8);
	}
	w->next_seq++;
	w->r.sent++;
	if (w->r.sent == w->cfg.frames && w->hooks.on_sent)
		w->hooks.on_sent(w->hooks.ctx);
	if (w->cfg.arrival == WL_ARRIVAL_POISSON)
		w->next_start_ps += fmax(wire_ps(w, w->cfg.line_gbps),
					 sim_rng_exponential(w->rng, gap));
	else
		w->next_start_ps += gap;
	return true;
}

static void wire_dropped(void *ctx, const struct nic_frame *f)
{
	struct wl_stream_rx *w = ctx;

	(void)f;
	w->r.dropped++;
	check_done(w);
}

static const struct nic_wire_ops wire_ops = {wire_next, wire_dropped};

/* ---- the application in the guest ---- */

static void app_rx(void *ctx, const void *data, unsigned len)
{
	struct wl_stream_rx *w = ctx;
	uint64_t seq, ts, now = gk_now_ps(w->g);

	if (len >= HDR_LEN + 16) {
		memcpy(&seq, (const uint8_t *)data + HDR_LEN, 8);
		memcpy(&ts, (const uint8_t *)data + HDR_LEN + 8, 8);
		if (seq < w->r.received + w->r.dropped)
			w->r.out_of_order++;
		sim_samples_add(&w->r.latency_ps, now > ts ? now - ts : 0);
	}
	w->r.received++;
	w->r.rx_bytes += len;
	if (w->cfg.app_cycles)
		gk_compute(w->g, w->cfg.app_cycles);
	check_done(w);
}

static void app_init(void *ctx, struct gk *g)
{
	struct wl_stream_rx *w = ctx;

	gk_net_set_rx(g, app_rx, w);
	w->r.started = true;
	w->r.t_start_ps = sim_now();
	w->next_start_ps = (double)(w->r.t_start_ps + w->cfg.start_delay_ps);
	if (w->hooks.on_start)
		w->hooks.on_start(w->hooks.ctx);
	nic_wire_kick(w->nic);
	if (w->cfg.guest_idle == WL_IDLE_BUSY) {
		/* Other work keeps the vCPU in guest mode; interrupts preempt it. */
		while (!w->r.done)
			gk_compute(g, 1000000);
	}
	/* Otherwise return: the kernel's idle loop halts between interrupts. */
}

void wl_stream_rx_bind(struct wl_stream_rx *w, struct nic *nic, struct gk *g,
		       const struct wl_hooks *hooks)
{
	w->nic = nic;
	w->g = g;
	w->hooks = *hooks;
	nic_set_wire(nic, &wire_ops, w);
	gk_set_init(g, app_init, w);
}

/* ---- knobs ---- */

static const char *const arrival_names[] = {"constant", "poisson", NULL};
static const char *const idle_names[] = {"halt", "busy", NULL};

static const struct cfg_field stream_rx_fields[] = {
	CFG_U64("frames", struct wl_stream_rx_cfg, frames, 10000, 1, 1e9, "frames",
		"frames to send"),
	CFG_U32("frame_bytes", struct wl_stream_rx_cfg, frame_bytes, 1500, 64, 2048, "bytes",
		"Ethernet frame size, header to FCS"),
	CFG_DOUBLE("rate_gbps", struct wl_stream_rx_cfg, rate_gbps, 1.0, 1e-6, 1000, "Gb/s",
		   "offered load on the wire"),
	CFG_DOUBLE("line_gbps", struct wl_stream_rx_cfg, line_gbps, 10.0, 0.01, 1000, "Gb/s",
		   "the port's line rate"),
	CFG_ENUM("arrival", struct wl_stream_rx_cfg, arrival, arrival_names, WL_ARRIVAL_CONSTANT,
		 "frame arrivals: evenly spaced or Poisson"),
	CFG_U64("app_cycles", struct wl_stream_rx_cfg, app_cycles, 0, 0, 1e9, "cycles",
		"application work per frame in the guest"),
	CFG_ENUM("guest_idle", struct wl_stream_rx_cfg, guest_idle, idle_names, WL_IDLE_BUSY,
		 "between frames the guest halts, or keeps its vCPU busy with other work"),
	CFG_NS("start_delay_ns", struct wl_stream_rx_cfg, start_delay_ps, 10000, 0, 1e12,
	       "from the application's start to the first frame"),
	CFG_END,
};
const struct cfg_schema wl_stream_rx_cfg_schema =
	CFG_SCHEMA("stream_rx", struct wl_stream_rx_cfg, stream_rx_fields);
