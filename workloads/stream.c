/* SPDX-License-Identifier: MIT */
/* The knobs of a stream, either way (stream.h). */
#include "workloads/stream.h"
#include "sim/knob.h"

#include <string.h>

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
	    "TCP/IPv4 flows each stream's frames take in turn, spread over the NIC's receive "
	    "queues by RSS (stream_rx) or over its transmit queues by the kernel's flow hash "
	    "(stream_tx) (1: frames without IP headers)"),
    CFG_END,
};
const struct cfg_schema wl_stream_cfg_schema =
    CFG_SCHEMA("stream", struct wl_stream_cfg, stream_fields);

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Frame `seq` of stream `idx` in flow seq % flows: IPv4 (RFC 791, its header checksummed) and
 * TCP (RFC 793) headers whose 4-tuple names the flow -- source 10.<1 + flow / 16384>.<stream>
 * port 49152 + flow % 16384, destination 10.0.0.1 port 5001 -- so that a hash of it (RSS, the
 * kernel's transmit queue pick) keeps the flow on one queue. */
void wl_flow_headers(uint8_t *d, uint32_t frame_bytes, uint32_t flows, uint64_t seq, uint64_t idx)
{
	uint64_t flow = seq % flows;
	uint8_t *ip = d + 14, *tcp = ip + 20;
	uint32_t sum = 0;

	memset(ip, 0, WL_FLOW_HDR_LEN - 14);
	d[12] = 0x08; /* IPv4 */
	d[13] = 0x00;
	ip[0] = 0x45;
	put16(ip + 2, frame_bytes - 14 - 4); /* without the FCS */
	put16(ip + 4, (unsigned)(seq & 0xffff));
	ip[6] = 0x40; /* don't fragment */
	ip[8] = 64;
	ip[9] = 6; /* TCP */
	ip[12] = 10;
	ip[13] = (uint8_t)(1 + flow / 16384);
	ip[14] = (uint8_t)(idx >> 8);
	ip[15] = (uint8_t)idx;
	ip[16] = 10;
	ip[19] = 1;
	for (unsigned i = 0; i < 20; i += 2)
		sum += (unsigned)ip[i] << 8 | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(ip + 10, ~sum & 0xffff);
	put16(tcp, (unsigned)(49152 + flow % 16384));
	put16(tcp + 2, 5001);
	memcpy(tcp + 4,
	       (const uint8_t[]){(uint8_t)(seq >> 24), (uint8_t)(seq >> 16), (uint8_t)(seq >> 8),
				 (uint8_t)seq},
	       4);
	tcp[12] = 5 << 4;
	tcp[13] = 0x18; /* ACK, PSH */
	put16(tcp + 14, 0xffff);
}
