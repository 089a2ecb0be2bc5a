/* SPDX-License-Identifier: MIT */
/* The knobs of a stream, either way (stream.h). */
#include "workloads/stream.h"
#include "sim/knob.h"

static const char *const arrival_names[] = {"constant", "poisson", NULL};
static const char *const idle_names[] = {"halt", "busy", NULL};

static const struct cfg_field stream_fields[] = {
    CFG_U64("frames", struct wl_stream_cfg, frames, 10000, 1, 1e9, "frames", "frames to send"),
    CFG_U32("frame_bytes", struct wl_stream_cfg, frame_bytes, 1500, 64, 2048, "bytes",
	    "Ethernet frame size, header to FCS"),
    CFG_DOUBLE("rate_gbps", struct wl_stream_cfg, rate_gbps, 1.0, 0, 1000, "Gb/s",
	       "offered load on the wire (stream_tx: 0 sends as fast as the ring allows)"),
    CFG_DOUBLE("line_gbps", struct wl_stream_cfg, line_gbps, 10.0, 0.01, 1000, "Gb/s",
	       "the port's line rate"),
    CFG_ENUM("arrival", struct wl_stream_cfg, arrival, arrival_names, WL_ARRIVAL_CONSTANT,
	     "frame arrivals (stream_tx: send times) evenly spaced or Poisson"),
    CFG_U64("app_cycles", struct wl_stream_cfg, app_cycles, 0, 0, 1e9, "cycles",
	    "application work per frame in the guest"),
    CFG_ENUM("guest_idle", struct wl_stream_cfg, guest_idle, idle_names, WL_IDLE_BUSY,
	     "between frames the guest halts, or keeps its vCPU busy with other work "
	     "(stream_tx: while it waits for ring space and after its last frame)"),
    CFG_NS("start_delay_ns", struct wl_stream_cfg, start_delay_ps, 10000, 0, 1e12,
	   "from the application's start to the first frame"),
    CFG_U32("flows", struct wl_stream_cfg, flows, 1, 1, 65536, "flows",
	    "stream_rx: TCP/IPv4 flows each stream's frames take in turn, spread over the NIC's "
	    "receive queues by RSS (1: frames without IP headers)"),
    CFG_END,
};
const struct cfg_schema wl_stream_cfg_schema =
    CFG_SCHEMA("stream", struct wl_stream_cfg, stream_fields);
