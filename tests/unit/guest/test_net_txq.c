/* SPDX-License-Identifier: MIT */
/*
 * The guest kernel's choice of transmit queue (models/guest/kernel/net.c, Linux's
 * netdev_pick_tx without XPS maps): one queue takes everything; with several, a frame's queue
 * is its flow hash (the IPv4 addresses and TCP ports, both directions alike, through
 * jhash_3words) scaled to the queues in use, so a flow keeps to one queue whatever its
 * payload, and frames that are not IPv4 go to queue 0. The expected queues of the flows were
 * computed apart from the simulator, with a Python transcription of Linux's jhash_3words.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "models/guest/hal.h"
#include "models/guest/kernel/gk.h"
#include "workloads/stream.h"

#define FRAME 1500

static void flow_frame(uint8_t *f, uint32_t flows, uint64_t seq)
{
	memset(f, 0, FRAME);
	wl_flow_headers(f, FRAME, flows, seq, 0);
	for (unsigned i = WL_FLOW_HDR_LEN; i < FRAME - 4; i++)
		f[i] = (uint8_t)(seq * 7 + i);
}

static void test_one_queue(void **state)
{
	struct net_device nd = {.real_num_tx_queues = 1};
	uint8_t f[FRAME];

	(void)state;
	for (uint64_t seq = 0; seq < 16; seq++) {
		flow_frame(f, 16, seq);
		assert_int_equal(gk_net_pick_tx(&nd, f, FRAME - 4), 0);
	}
	nd.real_num_tx_queues = 0; /* a driver that never said */
	assert_int_equal(gk_net_pick_tx(&nd, f, FRAME - 4), 0);
}

/* Stream 0's 8 flows over 4 queues (flow f: 10.1.0.0:49152+f -> 10.0.0.1:5001). */
static void test_flows_spread(void **state)
{
	static const unsigned expect[8] = {0, 3, 0, 3, 2, 0, 1, 2};
	struct net_device nd = {.real_num_tx_queues = 4};
	uint8_t f[FRAME];

	(void)state;
	for (uint64_t seq = 0; seq < 32; seq++) {
		/* the same flow 4 times, with other payloads and IP IDs: the same queue */
		flow_frame(f, 8, seq);
		assert_int_equal(gk_net_pick_tx(&nd, f, FRAME - 4), expect[seq % 8]);
	}
}

/* The reply direction hashes as the flow does (addresses and ports swapped). */
static void test_both_directions(void **state)
{
	struct net_device nd = {.real_num_tx_queues = 4};
	uint8_t f[FRAME], g[FRAME];

	(void)state;
	for (uint64_t seq = 0; seq < 8; seq++) {
		flow_frame(f, 8, seq);
		memcpy(g, f, FRAME);
		memcpy(g + 26, f + 30, 4);
		memcpy(g + 30, f + 26, 4);
		memcpy(g + 34, f + 36, 2);
		memcpy(g + 36, f + 34, 2);
		assert_int_equal(gk_net_pick_tx(&nd, g, FRAME - 4),
				 gk_net_pick_tx(&nd, f, FRAME - 4));
	}
}

/* Not IPv4 (another EtherType, or too short to hold an IPv4 header): queue 0. */
static void test_not_ip(void **state)
{
	struct net_device nd = {.real_num_tx_queues = 4};
	uint8_t f[FRAME];

	(void)state;
	flow_frame(f, 8, 1); /* queue 3 as IPv4 */
	f[12] = 0x88;
	f[13] = 0xb5;
	assert_int_equal(gk_net_pick_tx(&nd, f, FRAME - 4), 0);
	flow_frame(f, 8, 1);
	assert_int_equal(gk_net_pick_tx(&nd, f, 30), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_one_queue),
	    cmocka_unit_test(test_flows_spread),
	    cmocka_unit_test(test_both_directions),
	    cmocka_unit_test(test_not_ip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
