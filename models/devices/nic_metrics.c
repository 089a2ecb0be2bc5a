/* SPDX-License-Identifier: MIT */
/* What the ptnic counts, as a metric table (sim/metrics.h): its stats struct is nic.h's. */
#include "models/devices/nic.h"
#include "sim/metrics.h"

/* Where a NIC's counters reach the results (the application places this table at ""): totals
 * over the NICs, and per device under the device's prefix when there are several. */
#define NIC_ROW(field, key, each_, meaning)                                                        \
	{                                                                                          \
		METRIC(struct nic_stats, field, COUNT, key, meaning), .each = (each_)              \
	}
static const struct metric nic_rows[] = {
    NIC_ROW(rx_frames, "nic.rx_frames", "rx_frames", "frames received into guest memory"),
    NIC_ROW(rx_bytes, "nic.rx_bytes", "rx_bytes", "bytes of those frames"),
    NIC_ROW(rx_missed, "nic.rx_missed", "rx_missed",
	    "frames dropped for want of a free descriptor or DMA slot (MPC)"),
    NIC_ROW(rx_disabled, "nic.rx_disabled", "rx_disabled",
	    "frames dropped while receive was off or the NIC was in reset"),
    NIC_ROW(rx_dma_errors, "nic.rx_dma_errors", "rx_dma_errors",
	    "frames dropped because a descriptor or buffer DMA failed"),
    NIC_ROW(desc_reads, "nic.descriptor_reads", "descriptor_reads",
	    "receive descriptors fetched by DMA"),
    NIC_ROW(tx_frames, "nic.tx_frames", "tx_frames", "frames sent on the wire"),
    NIC_ROW(tx_bytes, "nic.tx_bytes", "tx_bytes",
	    "bytes of those frames on the wire (FCS and padding included)"),
    {METRIC(struct nic_stats, tx_wire_ps, TIME, "nic.tx_wire_ns",
	    "time the transmitter spent sending frames (preamble included, gaps aside)"),
     .each = "tx_wire_ns"},
    NIC_ROW(tx_desc_reads, "nic.tx_descriptor_reads", "tx_descriptor_reads",
	    "transmit descriptors fetched by DMA"),
    NIC_ROW(tx_writebacks, "nic.tx_writebacks", "tx_writebacks",
	    "transmit descriptors written back with DD (those with RS)"),
    NIC_ROW(tx_dma_errors, "nic.tx_dma_errors", "tx_dma_errors",
	    "transmit descriptor, buffer or write-back DMAs that failed (frames not sent)"),
    NIC_ROW(tx_too_long, "nic.tx_too_long", "tx_too_long",
	    "frames discarded for more than 16 KiB or 64 descriptors"),
    NIC_ROW(irqs_sent, "nic.msis_sent", "msis_sent", "MSI-X messages sent"),
    NIC_ROW(irqs_pended, "nic.msis_pended", "msis_pended",
	    "interrupts held in the pending bit array while the vector was masked"),
    NIC_ROW(irqs_blocked, "nic.msis_blocked", "msis_blocked",
	    "MSI-X messages the fabric refused (bus mastering off)"),
    NIC_ROW(resets, "nic.resets", "resets", "device resets (CTRL.RST)"),
    NIC_ROW(intx_asserts, "interrupts.intx.asserts", "intx_asserts", "legacy INTx line assertions"),
};
const struct metric_table nic_metrics = METRIC_TABLE(struct nic_stats, nic_rows);

static const char *queue_elem(unsigned i)
{
	static const char *const n[NIC_QUEUES_MAX] = {"0", "1", "2", "3"};

	return i < NIC_QUEUES_MAX ? n[i] : NULL;
}

/* Multi-queue receive and the resources a PF's functions share (placed at "" only where a
 * NIC has several queues or VFs). */
static const struct metric nic_mq_rows[] = {
    {METRIC_ARRAY(struct nic_mq_stats, rx_queue_frames, COUNT, "nic.rx_queue_frames", queue_elem,
		  "frames received into each receive queue (RSS)"),
     .each = "rx_queue_frames"},
    {METRIC_ARRAY(struct nic_mq_stats, vector_msis, COUNT, "nic.vector_msis", queue_elem,
		  "MSI-X messages sent by each table entry"),
     .each = "vector_msis"},
    {METRIC(struct nic_mq_stats, port_delayed, COUNT, "nic.port.frames_held",
	    "frames that waited for the shared port (another function's frame on it)"),
     .each = "port_frames_held"},
    {METRIC(struct nic_mq_stats, port_wait_ps, TIME, "nic.port.wait_ns",
	    "time frames waited for the shared port"),
     .each = "port_wait_ns"},
    {METRIC(struct nic_mq_stats, internal_wait_ps, TIME, "nic.internal_wait_ns",
	    "time frame data waited for the PF's internal data path (internal_gbps)"),
     .each = "internal_wait_ns"},
};
const struct metric_table nic_mq_metrics = METRIC_TABLE(struct nic_mq_stats, nic_mq_rows);

/* Multi-queue transmit (placed at "" only where a NIC has several transmit queues). */
static const struct metric nic_txq_rows[] = {
    {METRIC_ARRAY(struct nic_mq_stats, tx_queue_frames, COUNT, "nic.tx_queue_frames", queue_elem,
		  "frames sent on the wire from each transmit queue"),
     .each = "tx_queue_frames"},
};
const struct metric_table nic_txq_metrics = METRIC_TABLE(struct nic_mq_stats, nic_txq_rows);
