/* SPDX-License-Identifier: MIT */
/*
 * ptnic: registers as data (sim/regs), MSI-X per PCI 3.0 §6.8.2 (entries reset masked; a
 * message raised while masked sets its PBA bit and goes when unmasked), a receive engine and a
 * transmit engine.
 *
 * The engine is one actor. For each received frame it reads the descriptor at RDH, writes the
 * frame to the descriptor's buffer and writes the descriptor back (DD, EOP, length) -- three
 * DMAs whose timing and translation are computed when the frame is taken, and whose data lands
 * in memory when they complete. Completion sets ICR.RXT0. The transmit engine, in the same actor,
 * is nic_tx.c's.
 *
 * Each cause raises the MSI-X entry IVAR gives it (receive 0, transmit 1 at reset) no sooner
 * than the entry's EITR (or, at 0, ITR) allows after that entry's last message, auto-masking
 * the cause (EIAM) until the driver re-enables it.
 *
 * With several receive queues and MRQC.RSS_EN, a frame goes to the queue the redirection
 * table gives for its Toeplitz hash (82599 datasheet §7.1.2.8); other frames (not IPv4, or
 * hashing off) go to queue 0. Queue q's completion sets its own cause, which the queue's IVAR
 * sends to its vector.
 *
 * SR-IOV: a function's frames pass its PF's port, one link for all of them: a frame whose
 * preamble would start while another function's frame is on the port waits its turn, as the
 * link partner holds frames for a port that is busy (802.3x flow control), so that the
 * functions together receive no faster than the line. With internal_gbps, the frame data of
 * every function (receive writes, transmit reads) queues for the PF's internal data path.
 */
#include "models/devices/nic_internal.h"
#include "models/devices/nic.h"
#include "models/devices/nic_regs.h"
#include "models/pcie/pcie.h"
#include "models/pcie/pcie_regs.h"
#include "sim/engine.h"
#include "sim/metrics.h"
#include "sim/regs.h"
#include "sim/simtime.h"
#include "sim/trace.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t rd(const struct nic *n, uint32_t off)
{
	return nic__rd(n, off);
}

static void wr(struct nic *n, uint32_t off, uint32_t v)
{
	nic__wr(n, off, v);
}

/* A queue's ring registers, from its base (RDBAL or TDBAL: the same layout both ways), and
 * their writable bits (8254x §13.4: TDLEN a multiple of 128 bytes, TDBAL 16-byte aligned). */
static const struct {
	uint32_t off, writable;
} ring_reg[5] = {
    {PTNIC_TDBAL - PTNIC_TDBAL, 0xfffffff0u}, {PTNIC_TDBAH - PTNIC_TDBAL, 0xffffffffu},
    {PTNIC_TDLEN - PTNIC_TDBAL, 0x000fff80u}, {PTNIC_TDH - PTNIC_TDBAL, 0xffff},
    {PTNIC_TDT - PTNIC_TDBAL, 0xffff},
};

static void define_regs(struct nic *n)
{
	struct regs *r = &n->r;

	regs_define(r, PTNIC_CTRL, 4, PTNIC_CTRL_SLU, 0xffffffffu, 0, 0);
	regs_define(r, PTNIC_STATUS, 4, PTNIC_STATUS_LU, 0, 0, 0);
	regs_define(r, PTNIC_ICR, 4, 0, 0, 0, 0);
	regs_define(r, PTNIC_ITR, 4, 0, 0xffff, 0, 0);
	regs_define(r, PTNIC_ICS, 4, 0, 0, 0, 0xffffffffu);
	regs_define(r, PTNIC_IMS, 4, 0, 0, 0, 0);
	regs_define(r, PTNIC_IMC, 4, 0, 0, 0, 0xffffffffu);
	regs_define(r, PTNIC_EIAM, 4,
		    PTNIC_INT_RXT0 | PTNIC_INT_TXDW | (n->cfg.queues > 1 ? PTNIC_INT_RXQ_ALL : 0) |
			(nic__txqs(n) > 1 ? PTNIC_INT_TXQ_ALL : 0),
		    0xffffffffu, 0, 0);
	regs_define(r, PTNIC_IVAR, 4, PTNIC_IVAR_RESET,
		    PTNIC_IVAR_RX(7) | PTNIC_IVAR_RX_VALID | PTNIC_IVAR_TX(7) | PTNIC_IVAR_TX_VALID,
		    0, 0);
	regs_define(r, PTNIC_RCTL, 4, 0, 0xffffffffu, 0, 0);
	regs_define(r, PTNIC_TCTL, 4, 0, 0xffffffffu, 0, 0);
	regs_define(r, PTNIC_RDBAL, 4, 0, 0xfffffff0u, 0, 0);
	regs_define(r, PTNIC_RDBAH, 4, 0, 0xffffffffu, 0, 0);
	regs_define(r, PTNIC_RDLEN, 4, 0, 0x000fff80u, 0, 0);
	regs_define(r, PTNIC_RDH, 4, 0, 0xffff, 0, 0);
	regs_define(r, PTNIC_RDT, 4, 0, 0xffff, 0, 0);
	regs_define(r, PTNIC_TDBAL, 4, 0, 0xfffffff0u, 0, 0);
	regs_define(r, PTNIC_TDBAH, 4, 0, 0xffffffffu, 0, 0);
	regs_define(r, PTNIC_TDLEN, 4, 0, 0x000fff80u, 0, 0);
	regs_define(r, PTNIC_TDH, 4, 0, 0xffff, 0, 0);
	regs_define(r, PTNIC_TDT, 4, 0, 0xffff, 0, 0);
	regs_define(r, PTNIC_MPC, 4, 0, 0, 0, 0);
	regs_define(r, PTNIC_GPRC, 4, 0, 0, 0, 0);
	regs_define(r, PTNIC_GPTC, 4, 0, 0, 0, 0);
	regs_define(r, PTNIC_GORC, 4, 0, 0, 0, 0);
	regs_define(r, PTNIC_GOTC, 4, 0, 0, 0, 0);
	/* Multiple queues: the rings of queues 1.., their allocations, the vectors' throttles and
	 * the RSS registers (82599 §8.2.3.7). */
	for (unsigned q = 1; q < PTNIC_MAX_QUEUES; q++) {
		bool rxq = q < n->cfg.queues, txq = q < nic__txqs(n);

		for (unsigned k = 0; k < 5 && rxq; k++)
			regs_define(r, PTNIC_RXQ(PTNIC_RDBAL + ring_reg[k].off, q), 4, 0,
				    ring_reg[k].writable, 0, 0);
		for (unsigned k = 0; k < 5 && txq; k++)
			regs_define(r, PTNIC_TXQ(PTNIC_TDBAL + ring_reg[k].off, q), 4, 0,
				    ring_reg[k].writable, 0, 0);
		if (rxq || txq)
			regs_define(r, PTNIC_IVAR_Q(q), 4, 0,
				    (rxq ? PTNIC_IVAR_RX(7) | PTNIC_IVAR_RX_VALID : 0) |
					(txq ? PTNIC_IVAR_TX(7) | PTNIC_IVAR_TX_VALID : 0),
				    0, 0);
	}
	for (unsigned v = 0; v < PTNIC_MSIX_VECTORS; v++)
		regs_define(r, PTNIC_EITR(v), 4, 0, 0xffff, 0, 0);
	regs_define(r, PTNIC_RXQCAP, 4, n->cfg.queues ? n->cfg.queues : 1, 0, 0, 0);
	regs_define(r, PTNIC_TXQCAP, 4, nic__txqs(n), 0, 0, 0);
	regs_define(r, PTNIC_MRQC, 4, 0,
		    PTNIC_MRQC_RSS_EN | PTNIC_MRQC_RSS_FIELD_TCP4 | PTNIC_MRQC_RSS_FIELD_IPV4, 0,
		    0);
	for (unsigned i = 0; i < PTNIC_RETA_ENTRIES / 4; i++)
		regs_define(r, PTNIC_RETA(i), 4, 0, 0xffffffffu, 0, 0);
	for (unsigned i = 0; i < PTNIC_RSS_KEY_BYTES / 4; i++)
		regs_define(r, PTNIC_RSSRK(i), 4, 0, 0xffffffffu, 0, 0);
	for (unsigned i = 0; i < PTNIC_MSIX_VECTORS; i++) {
		uint32_t e = i * PCI_MSIX_ENTRY_SIZE;

		regs_define(&n->msix, e + PCI_MSIX_ENTRY_LOWER_ADDR, 4, 0, 0xfffffffcu, 0, 0);
		regs_define(&n->msix, e + PCI_MSIX_ENTRY_UPPER_ADDR, 4, 0, 0xffffffffu, 0, 0);
		regs_define(&n->msix, e + PCI_MSIX_ENTRY_DATA, 4, 0, 0xffffffffu, 0, 0);
		regs_define(&n->msix, e + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, PCI_MSIX_ENTRY_CTRL_MASKBIT,
			    PCI_MSIX_ENTRY_CTRL_MASKBIT, 0, 0);
	}
}

static void device_reset(struct nic *n)
{
	regs_reset(&n->r);
	regs_reset(&n->msix);
	n->pba = 0;
	memset(n->itr_next, 0, sizeof(n->itr_next));
	nic__tx_abandon(n);
	n->st.resets++;
}

/* ---- interrupts ---- */

/* The capability list is read-only and fixed once the function exists: walk it once, not on
 * every interrupt evaluation. */
static unsigned msix_cap(struct nic *n)
{
	if (!n->msix_cap_off)
		n->msix_cap_off = pcie_fn_cap_offset(n->fn, PCI_CAP_ID_MSIX) + 1;
	return n->msix_cap_off - 1;
}

static bool msix_enabled(struct nic *n, bool *fn_masked)
{
	uint16_t ctl = (uint16_t)pcie_fn_cfg_get(n->fn, msix_cap(n) + PCI_MSIX_FLAGS, 2);

	*fn_masked = ctl & PCI_MSIX_FLAGS_MASKALL;
	return ctl & PCI_MSIX_FLAGS_ENABLE;
}

/* The causes MSI-X entry e carries (IVAR): receive and transmit where IVAR sends them (an
 * allocation without its valid bit sends the cause nowhere), any other cause with entry 0. */
static uint32_t entry_causes(const struct nic *n, unsigned e)
{
	uint32_t ivar = rd(n, PTNIC_IVAR),
		 c = e == 0 ? ~(PTNIC_INT_RXQ_ALL | PTNIC_INT_TXQ_ALL) : 0;

	if ((ivar & PTNIC_IVAR_RX_VALID) && PTNIC_IVAR_RX_ENTRY(ivar) == e)
		c |= PTNIC_INT_RXT0;
	if ((ivar & PTNIC_IVAR_TX_VALID) && PTNIC_IVAR_TX_ENTRY(ivar) == e)
		c |= PTNIC_INT_TXDW;
	for (unsigned q = 1; q < n->cfg.queues || q < nic__txqs(n); q++) {
		uint32_t iq = rd(n, PTNIC_IVAR_Q(q));

		if ((iq & PTNIC_IVAR_RX_VALID) && PTNIC_IVAR_RX_ENTRY(iq) == e)
			c |= PTNIC_INT_RXQ(q);
		if ((iq & PTNIC_IVAR_TX_VALID) && PTNIC_IVAR_TX_ENTRY(iq) == e)
			c |= PTNIC_INT_TXQ(q);
	}
	return c;
}

/* Send MSI-X entry e's message for `cause` at now. */
static void msix_send(struct nic *n, unsigned e, uint32_t cause, uint64_t now)
{
	uint32_t base = e * PCI_MSIX_ENTRY_SIZE;
	uint64_t addr = regs_get(&n->msix, base + PCI_MSIX_ENTRY_LOWER_ADDR, 4) |
			regs_get(&n->msix, base + PCI_MSIX_ENTRY_UPPER_ADDR, 4) << 32;
	uint32_t data = (uint32_t)regs_get(&n->msix, base + PCI_MSIX_ENTRY_DATA, 4);
	struct pcie_irq irq;

	n->pba &= ~(1u << e);
	/* The message carries the cause away: auto-clear it, auto-mask it (EIAM). */
	wr(n, PTNIC_ICR, rd(n, PTNIC_ICR) & ~cause);
	wr(n, PTNIC_IMS, rd(n, PTNIC_IMS) & ~(cause & rd(n, PTNIC_EIAM)));
	n->itr_next[e] = now + (uint64_t)(rd(n, PTNIC_EITR(e)) ? rd(n, PTNIC_EITR(e))
							       : rd(n, PTNIC_ITR) & 0xffff) *
				   256 * 1000;
	/* The message leaves the device: the root complex holds it until it takes effect. */
	if (trace_on())
		trace_set_current_flow(trace_new_flow());
	if (pcie_msi_send(n->fn, addr, data, now, &irq) == 0) {
		if (trace_on()) {
			trace_instant(sim_trace, n->track, "irq", "MSI-X write", now, NULL);
			trace_flow(sim_trace, n->track, "interrupt", trace_current_flow(), now,
				   's');
		}
		n->st.irqs_sent++;
		n->mq.vector_msis[e]++;
		if (n->msi_probe)
			n->msi_probe(n->msi_probe_ctx, e, now);
	} else {
		n->st.irqs_blocked++;
	}
	trace_set_current_flow(0);
}

/* Raise what a pending, enabled cause asks for (called by the engine actor): its MSI-X entry
 * no sooner than ITR allows, or -- with MSI-X off -- the INTx line, held asserted while an
 * enabled cause is pending (8254x SDM §13.4.17: reading ICR clears the causes). */
static void eval_irq(struct nic *n, uint64_t now)
{
	uint32_t cause = rd(n, PTNIC_ICR) & rd(n, PTNIC_IMS);
	bool fn_masked;

	if (!msix_enabled(n, &fn_masked)) {
		if ((cause != 0) != n->intx_asserted) {
			n->intx_asserted = cause != 0;
			if (cause) {
				n->st.intx_asserts++;
				if (trace_on())
					trace_instant(sim_trace, n->track, "irq", "INTx assert", now,
						      NULL);
				if (n->msi_probe)
					n->msi_probe(n->msi_probe_ctx, NIC_PROBE_INTX, now);
			}
			pcie_intx(n->fn, n->intx_asserted);
		}
		return;
	}
	if (n->intx_asserted) {
		n->intx_asserted = false;
		pcie_intx(n->fn, false);
	}
	for (unsigned e = 0; cause && e < PTNIC_MSIX_VECTORS; e++) {
		uint32_t c = cause & entry_causes(n, e), ctrl;

		if (!c || now < n->itr_next[e])
			continue; /* nothing for it, or throttled: the engine wakes at itr_next */
		ctrl = (uint32_t)regs_get(&n->msix,
					  e * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_VECTOR_CTRL, 4);
		if (fn_masked || (ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT)) {
			if (!(n->pba & (1u << e)))
				n->st.irqs_pended++;
			n->pba |= 1u << e;
			continue;
		}
		msix_send(n, e, c, now);
		cause = rd(n, PTNIC_ICR) & rd(n, PTNIC_IMS);
	}
}

/* The earliest time a throttled entry with a pending cause may send, or NEVER. */
static uint64_t itr_due(const struct nic *n, uint64_t now)
{
	uint32_t cause = rd(n, PTNIC_ICR) & rd(n, PTNIC_IMS);
	uint64_t t = NEVER;

	for (unsigned e = 0; cause && e < PTNIC_MSIX_VECTORS; e++)
		if ((cause & entry_causes(n, e)) && n->itr_next[e] > now && n->itr_next[e] < t)
			t = n->itr_next[e];
	return t;
}

/* ---- receive ---- */

static bool fetch_frame(struct nic *n)
{
	if (n->have_frame)
		return true;
	if (!n->wire || !n->wire->next(n->wire_ctx, &n->frame, n->frame_data, sizeof(n->frame_data)))
		return false;
	if (n->frame.len > PTNIC_RX_BUF_SIZE)
		n->frame.len = PTNIC_RX_BUF_SIZE; /* no jumbo frames: truncated, as a long frame */
	n->have_frame = true;
	n->port_done = false;
	return true;
}

static void drop(struct nic *n, uint64_t *counter)
{
	(*counter)++;
	if (n->wire->dropped)
		n->wire->dropped(n->wire_ctx, &n->frame);
}

uint32_t nic_toeplitz(const uint8_t *key, const uint8_t *in, size_t len)
{
	uint32_t r = 0, v = (uint32_t)key[0] << 24 | (uint32_t)key[1] << 16 |
			    (uint32_t)key[2] << 8 | key[3];

	for (size_t i = 0; i < len; i++)
		for (int b = 7; b >= 0; b--) {
			if (in[i] & (1u << b))
				r ^= v;
			/* the window slides one bit: the next key bit enters on the right */
			v = v << 1 | (i + 4 < PTNIC_RSS_KEY_BYTES ? (key[i + 4] >> b) & 1u : 0);
		}
	return r;
}

/* The receive queue of the frame in frame_data: RSS (82599 §7.1.2.8.1), or queue 0. The hash
 * input is the IPv4 source and destination addresses, then for TCP (not a fragment) the source
 * and destination ports, in network order. */
static unsigned rx_queue(const struct nic *n)
{
	const uint8_t *d = n->frame_data;
	uint32_t mrqc = rd(n, PTNIC_MRQC), len = n->frame.len, ihl, hash, idx, ent;
	uint8_t key[PTNIC_RSS_KEY_BYTES], in[12];
	size_t inlen = 8;

	if (n->cfg.queues < 2 || !(mrqc & PTNIC_MRQC_RSS_EN))
		return 0;
	if (len < 34 || d[12] != 0x08 || d[13] != 0x00 || d[14] >> 4 != 4)
		return 0; /* not IPv4 on Ethernet II */
	ihl = (d[14] & 15u) * 4;
	if (ihl < 20 || len < 14 + ihl)
		return 0;
	memcpy(in, d + 26, 8);
	if (d[23] == 6 && !(d[20] & 0x3f) && !d[21] && len >= 14 + ihl + 4 &&
	    (mrqc & PTNIC_MRQC_RSS_FIELD_TCP4)) {
		memcpy(in + 8, d + 14 + ihl, 4);
		inlen = 12;
	} else if (!(mrqc & PTNIC_MRQC_RSS_FIELD_IPV4)) {
		return 0;
	}
	for (unsigned i = 0; i < PTNIC_RSS_KEY_BYTES; i++)
		key[i] = (uint8_t)(rd(n, PTNIC_RSSRK(i / 4)) >> (8 * (i % 4)));
	hash = nic_toeplitz(key, in, inlen);
	idx = hash & (PTNIC_RETA_ENTRIES - 1);
	ent = (rd(n, PTNIC_RETA(idx / 4)) >> (8 * (idx % 4))) & 0xff;
	return ent < n->cfg.queues ? ent : 0;
}

/* The shared port (the PF's): a frame whose preamble would start while another function's
 * frame is still on the port waits for the port. A function's own frames were spaced by their
 * source; the slack absorbs that source's rounding. */
static void port_turn(struct nic *n)
{
	struct nic *pf = n->pf;
	uint64_t ser, first, slack;

	if (pf->ser_len != n->frame.len + 8) { /* frames mostly have one length */
		pf->ser_len = n->frame.len + 8;
		pf->ser_ps = sim_round_u64(pf->ser_len * 8000.0 / pf->port_gbps);
	}
	ser = pf->ser_ps;
	first = n->frame.t_ps > ser ? n->frame.t_ps - ser : 0;
	slack = pf->port_last == n ? 1000 : 0;

	n->port_done = true;
	if (pf->port_free > first + slack) {
		uint64_t wait = pf->port_free - first;

		n->frame.t_ps += wait;
		n->mq.port_delayed++;
		n->mq.port_wait_ps += wait;
	}
	pf->port_free = n->frame.t_ps + pf->port_ifg_ps;
	pf->port_last = n;
}

uint64_t nic__internal_slot(struct nic *n, uint64_t t, uint64_t bytes)
{
	struct nic *pf = n->pf;
	uint64_t start;

	if (pf->cfg.internal_gbps <= 0)
		return t;
	start = t > pf->internal_free ? t : pf->internal_free;
	pf->internal_free = start + sim_round_u64(bytes * 8000.0 / pf->cfg.internal_gbps);
	n->mq.internal_wait_ps += start - t;
	return start;
}

static void take_frame(struct nic *n, uint64_t now)
{
	unsigned q = rx_queue(n);
	uint32_t rdlen = rd(n, PTNIC_RXQ(PTNIC_RDLEN, q)), ndesc = rdlen / PTNIC_RXD_SIZE;
	uint32_t rdh = rd(n, PTNIC_RXQ(PTNIC_RDH, q)), rdt = rd(n, PTNIC_RXQ(PTNIC_RDT, q));
	uint64_t rdba =
	    rd(n, PTNIC_RXQ(PTNIC_RDBAL, q)) | (uint64_t)rd(n, PTNIC_RXQ(PTNIC_RDBAH, q)) << 32;
	struct inflight *s = NULL;
	struct pcie_dma dread = {0};
	uint8_t desc[PTNIC_RXD_SIZE];
	uint64_t buf;

	n->have_frame = false;
	if (!(rd(n, PTNIC_RCTL) & PTNIC_RCTL_EN) || !ndesc || now < n->reset_done_at) {
		drop(n, &n->st.rx_disabled);
		return;
	}
	if (rdh >= ndesc || rdh == rdt) {
		/* The ring is full: the frame is lost (MPC). */
		wr(n, PTNIC_MPC, rd(n, PTNIC_MPC) + 1);
		drop(n, &n->st.rx_missed);
		return;
	}
	for (unsigned i = 0; i < n->cfg.max_inflight; i++)
		if (!n->fl[i].used) {
			s = &n->fl[i];
			break;
		}
	if (!s) {
		wr(n, PTNIC_MPC, rd(n, PTNIC_MPC) + 1);
		drop(n, &n->st.rx_missed);
		return;
	}

	/* 1. Descriptor fetch. */
	dread.addr = rdba + (uint64_t)rdh * PTNIC_RXD_SIZE;
	dread.len = PTNIC_RXD_SIZE;
	dread.t_issue = now;
	pcie_dma_submit(n->fn, &dread);
	n->st.desc_reads++;
	if (dread.status != PCIE_DMA_OK) {
		drop(n, &n->st.rx_dma_errors);
		return;
	}
	pcie_dma_read_data(n->fn, &dread, desc);
	memcpy(&buf, desc + PTNIC_RXD_ADDR, 8);

	/* 2. Frame data, then 3. write-back: posted writes, issued back to back. */
	memset(s, 0, offsetof(struct inflight, buf));
	s->used = true;
	n->fl_used++;
	s->q = q;
	s->f = n->frame;
	memcpy(s->buf, n->frame_data, n->frame.len);
	s->data.addr = buf;
	s->data.len = n->frame.len;
	s->data.write = true;
	s->data.t_issue = nic__internal_slot(n, dread.t_done, n->frame.len);
	pcie_dma_submit(n->fn, &s->data);
	memcpy(s->desc, desc, sizeof(desc));
	s->desc[PTNIC_RXD_LENGTH] = (uint8_t)n->frame.len;
	s->desc[PTNIC_RXD_LENGTH + 1] = (uint8_t)(n->frame.len >> 8);
	s->desc[PTNIC_RXD_STATUS] = PTNIC_RXD_STAT_DD | PTNIC_RXD_STAT_EOP;
	s->wb.addr = dread.addr;
	s->wb.len = PTNIC_RXD_SIZE;
	s->wb.write = true;
	s->wb.t_issue = s->data.t_issue; /* after the data, in order */
	pcie_dma_submit(n->fn, &s->wb);
	s->data_ok = s->data.status == PCIE_DMA_OK;
	if (!s->data_ok)
		n->st.rx_dma_errors++;
	s->t_done = s->data.t_done > s->wb.t_done ? s->data.t_done : s->wb.t_done;
	wr(n, PTNIC_RXQ(PTNIC_RDH, q), (rdh + 1) % ndesc);
	if (trace_on())
		trace_span(sim_trace, n->track, "dma", "rx frame DMA", now, s->t_done, NULL);
}

static void complete(struct nic *n, struct inflight *s)
{
	pcie_dma_write_data(n->fn, &s->data, s->buf);
	pcie_dma_write_data(n->fn, &s->wb, s->desc);
	s->used = false;
	n->fl_used--;
	n->st.rx_frames++;
	n->st.rx_bytes += s->f.len;
	wr(n, PTNIC_GPRC, rd(n, PTNIC_GPRC) + 1);
	wr(n, PTNIC_GORC, rd(n, PTNIC_GORC) + s->f.len);
	wr(n, PTNIC_ICR, rd(n, PTNIC_ICR) | PTNIC_INT_RXQ(s->q));
	n->mq.rx_queue_frames[s->q]++;
}

static void engine(void *arg)
{
	struct nic *n = arg;

	for (;;) {
		uint64_t now = sim_now(), next = NEVER;

		/* Due work, oldest first. */
		for (;;) {
			struct inflight *first = NULL;

			for (unsigned i = 0, seen = 0; seen < n->fl_used; i++) {
				struct inflight *s = &n->fl[i];

				if (!s->used)
					continue;
				seen++;
				if (s->t_done <= now && (!first || s->t_done < first->t_done))
					first = s;
			}
			if (!first)
				break;
			complete(n, first);
		}
		if (n->tx)
			nic__tx_complete(n, now);
		while (fetch_frame(n) && n->frame.t_ps <= now) {
			if (!n->port_done) {
				port_turn(n);
				if (n->frame.t_ps > now)
					break; /* the port is busy: its turn comes later */
			}
			take_frame(n, now);
		}
		nic__tx_take(n, now);
		n->irq_check = false;
		eval_irq(n, now);

		/* When is the next thing due? */
		if (n->have_frame)
			next = n->frame.t_ps;
		for (unsigned i = 0, seen = 0; seen < n->fl_used; i++) {
			if (!n->fl[i].used)
				continue;
			seen++;
			if (n->fl[i].t_done < next)
				next = n->fl[i].t_done;
		}
		if (itr_due(n, now) < next)
			next = itr_due(n, now);
		if (nic__tx_next(n) < next)
			next = nic__tx_next(n);
		sim_set_wait_label("nic: next frame or DMA completion");
		if (next == NEVER)
			sim_event_wait(n->wake);
		else
			sim_event_wait_until(n->wake, next);
	}
}

/* ---- register access from the CPU ---- */

static void kick(struct nic *n)
{
	n->irq_check = true;
	sim_event_signal(n->wake);
}

static void tx_enable(struct nic *n)
{
	nic__tx_enable(n);
	kick(n);
}

static uint64_t mmio_read(void *ctx, int bar, uint64_t off, unsigned size)
{
	struct nic *n = ctx;
	uint64_t v;

	if (bar != 0)
		return ~0ull;
	if (off >= PTNIC_MSIX_TABLE && off < PTNIC_MSIX_TABLE + PTNIC_MSIX_VECTORS * 16u)
		return regs_read(&n->msix, (uint32_t)(off - PTNIC_MSIX_TABLE), size);
	if (off == PTNIC_MSIX_PBA)
		return n->pba;
	if (off + size > REG_SPACE)
		return 0;
	if (off == PTNIC_CTRL && sim_now() < n->reset_done_at)
		return rd(n, PTNIC_CTRL) | PTNIC_CTRL_RST;
	if (off == PTNIC_IMS)
		return rd(n, PTNIC_IMS);
	v = regs_read(&n->r, (uint32_t)off, size);
	if (off == PTNIC_ICR) {
		wr(n, PTNIC_ICR, 0); /* read to clear: an INTx line drops */
		if (n->intx_asserted)
			kick(n);
	}
	return v;
}

static void mmio_write(void *ctx, int bar, uint64_t off, unsigned size, uint64_t val)
{
	struct nic *n = ctx;
	uint32_t v = (uint32_t)val;

	if (bar != 0)
		return;
	if (off >= PTNIC_MSIX_TABLE && off < PTNIC_MSIX_TABLE + PTNIC_MSIX_VECTORS * 16u) {
		regs_write(&n->msix, (uint32_t)(off - PTNIC_MSIX_TABLE), size, val);
		if (n->pba)
			kick(n); /* an unmask may release a pending message */
		return;
	}
	if (off + size > REG_SPACE)
		return;
	switch (off) {
	case PTNIC_CTRL:
		if (v & PTNIC_CTRL_RST) {
			device_reset(n);
			n->reset_done_at = sim_now() + n->cfg.reset_ps;
			return;
		}
		break;
	case PTNIC_ICS:
		wr(n, PTNIC_ICR, rd(n, PTNIC_ICR) | v);
		kick(n);
		return;
	case PTNIC_IMS:
		wr(n, PTNIC_IMS, rd(n, PTNIC_IMS) | v);
		/* Causes already pending fire as soon as they are enabled. With none pending and
		 * the line low there is nothing to re-evaluate: the driver re-enables after every
		 * interrupt, and waking the engine for nothing would cost two engine calls. */
		if ((rd(n, PTNIC_ICR) & rd(n, PTNIC_IMS)) || n->intx_asserted)
			kick(n);
		return;
	case PTNIC_IMC:
		wr(n, PTNIC_IMS, rd(n, PTNIC_IMS) & ~v);
		return;
	default:
		break;
	}
	regs_write(&n->r, (uint32_t)off, size, val);
	if (off == PTNIC_ITR || off == PTNIC_IVAR)
		kick(n);
	else if (off == PTNIC_TCTL)
		tx_enable(n);
	else if (off >= PTNIC_TDT && off <= PTNIC_TXQ(PTNIC_TDT, nic__txqs(n) - 1) &&
		 (off - PTNIC_TDT) % 0x100 == 0 && nic__tx_may_take(n))
		kick(n); /* a queue's TDT */
}

static void cfg_written(void *ctx, uint32_t off, unsigned size)
{
	struct nic *n = ctx;
	unsigned cap = msix_cap(n);

	/* Enabling MSI-X or clearing its function mask can release a pending message. */
	if (cap && off <= cap + PCI_MSIX_FLAGS + 1 && off + size > cap + PCI_MSIX_FLAGS)
		kick(n);
}

static void flr(void *ctx)
{
	struct nic *n = ctx;

	device_reset(n);
	n->intx_asserted = false; /* the fabric dropped the line with the reset */
	for (unsigned i = 0; i < n->cfg.max_inflight; i++)
		n->fl[i].used = false; /* in-flight DMA is abandoned */
	n->fl_used = 0;
	nic__tx_abandon(n);
}

static const struct pcie_fn_ops nic_ops = {
	.mmio_read = mmio_read,
	.mmio_write = mmio_write,
	.cfg_written = cfg_written,
	.flr = flr,
};

/* The state of one function (the PF, or a VF on its own VF function). */
static int nic_alloc(const struct nic_cfg *cfg, struct pcie_fabric *fab, struct nic **out)
{
	struct nic *n;
	int rc;

	if (!cfg->max_inflight || cfg->queues > PTNIC_MAX_QUEUES ||
	    cfg->tx_queues > PTNIC_MAX_QUEUES)
		return -EINVAL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->cfg = *cfg;
	n->fab = fab;
	n->line_gbps = NIC_LINE_GBPS;
	n->port_gbps = NIC_LINE_GBPS;
	n->port_ifg_ps = (uint64_t)llround(12 * 8000.0 / n->port_gbps);
	n->pf = n;
	n->fl = calloc(cfg->max_inflight, sizeof(*n->fl));
	rc = n->fl ? regs_init(&n->r, REG_SPACE) : -ENOMEM;
	if (!rc)
		rc = regs_init(&n->msix, PTNIC_MSIX_VECTORS * PCI_MSIX_ENTRY_SIZE);
	if (!rc)
		rc = sim_event_create(&n->wake);
	if (rc) {
		nic_destroy(n);
		return rc;
	}
	define_regs(n);
	*out = n;
	return 0;
}

/* SR-IOV (SR-IOV 1.1 ch. 3): each VF has BAR 0 with the PF's register layout and its own
 * MSI-X table and PBA in it, and FLR; the VFs are ptnics on their VF functions. */
static int add_vfs(struct nic *pf)
{
	struct pcie_sriov_cfg sc = {
		.total_vfs = pf->cfg.total_vfs,
		.offset = pf->cfg.vf_offset,
		.stride = pf->cfg.vf_stride,
		.vf_device = PTNIC_VF_DEVICE_ID,
		.vf_bar_size = {PTNIC_BAR0_SIZE},
		.vf_bar_is64 = {true},
		.vf_msix_vectors = PTNIC_MSIX_VECTORS,
		.vf_msix_bar = 0,
		.vf_msix_table_off = PTNIC_MSIX_TABLE,
		.vf_msix_pba_off = PTNIC_MSIX_PBA,
	};
	int rc = pcie_fn_add_ext_sriov(pf->fn, &sc);

	if (rc < 0)
		return rc;
	pf->vfs = calloc(pf->cfg.total_vfs, sizeof(*pf->vfs));
	if (!pf->vfs)
		return -ENOMEM;
	for (unsigned i = 1; i <= pf->cfg.total_vfs; i++) {
		struct nic_cfg vc = pf->cfg;
		struct nic *vf;

		vc.total_vfs = 0;
		snprintf(vc.name, sizeof(vc.name), "%s", pcie_fn_name(pcie_fn_vf(pf->fn, i)));
		rc = nic_alloc(&vc, pf->fab, &vf);
		if (rc)
			return rc;
		vf->fn = pcie_fn_vf(pf->fn, i);
		vf->pf = pf;
		pf->vfs[pf->nvfs++] = vf;
		pcie_fn_set_ops(vf->fn, &nic_ops, vf);
	}
	return 0;
}

int nic_create(const struct nic_cfg *cfg, struct pcie_fabric *fab, struct nic **out)
{
	struct nic *n;
	int rc = nic_alloc(cfg, fab, &n);

	if (rc)
		return rc;
	rc = pcie_fn_create(fab, cfg->name, PCIE_FN_ENDPOINT, &n->fn);
	if (rc) {
		nic_destroy(n);
		return rc;
	}
	/* The silicon: IDs, BAR0, PM, PCIe endpoint with FLR, MSI-X in BAR0. */
	pcie_fn_set_ids(n->fn, PTNIC_VENDOR_ID, PTNIC_DEVICE_ID, PTNIC_CLASS, PTNIC_VENDOR_ID,
			0x0001);
	pcie_fn_add_bar(n->fn, 0, PTNIC_BAR0_SIZE, true, false);
	pcie_fn_add_cap_pm(n->fn);
	pcie_fn_add_cap_exp(n->fn, PCI_EXP_TYPE_ENDPOINT, true);
	pcie_fn_add_cap_msix(n->fn, PTNIC_MSIX_VECTORS, 0, PTNIC_MSIX_TABLE, 0, PTNIC_MSIX_PBA);
	pcie_fn_set_intx_pin(n->fn, 1); /* INTA */
	pcie_fn_set_ops(n->fn, &nic_ops, n);
	if (cfg->total_vfs) {
		/* ARI, so that many VFs fit behind one port (PCIe 5.0 §6.13) */
		rc = pcie_fn_add_ext_ari(n->fn);
		if (rc >= 0)
			rc = add_vfs(n);
		if (rc < 0) {
			nic_destroy(n);
			return rc;
		}
	}
	*out = n;
	return 0;
}

void nic_destroy(struct nic *n)
{
	if (!n)
		return;
	for (unsigned i = 0; i < n->nvfs; i++)
		nic_destroy(n->vfs[i]);
	free(n->vfs);
	regs_free(&n->r);
	regs_free(&n->msix);
	sim_event_destroy(n->wake);
	free(n->fl);
	nic__tx_free(n);
	free(n);
}

struct nic *nic_vf(const struct nic *pf, unsigned n)
{
	return n >= 1 && n <= pf->nvfs ? pf->vfs[n - 1] : NULL;
}

unsigned nic_total_vfs(const struct nic *pf)
{
	return pf->nvfs;
}

struct pcie_fn *nic_fn(const struct nic *n)
{
	return n->fn;
}

void nic_set_wire(struct nic *n, const struct nic_wire_ops *ops, void *ctx)
{
	n->wire = ops;
	n->wire_ctx = ctx;
}

void nic_set_wire_sink(struct nic *n, const struct nic_wire_sink_ops *ops, void *ctx,
		       double line_gbps)
{
	n->sink = ops;
	n->sink_ctx = ctx;
	n->line_gbps = line_gbps > 0 ? line_gbps : NIC_LINE_GBPS;
}

void nic_set_msi_probe(struct nic *n, void (*fn)(void *ctx, unsigned entry, uint64_t t_ps),
		       void *ctx)
{
	n->msi_probe = fn;
	n->msi_probe_ctx = ctx;
}

void nic_wire_kick(struct nic *n)
{
	sim_event_signal(n->wake);
}

int nic_start(struct nic *n)
{
	char name[48];
	int rc;

	n->track = trace_track(sim_trace, "machine", n->cfg.name);
	snprintf(name, sizeof(name), "%s.engine", n->cfg.name);
	rc = sim_actor_start(name, engine, n, SIM_ACTOR_DAEMON);
	for (unsigned i = 0; i < n->nvfs && !rc; i++)
		rc = nic_start(n->vfs[i]);
	return rc;
}

void nic_set_port_gbps(struct nic *n, double line_gbps)
{
	n->pf->port_gbps = line_gbps > 0 ? line_gbps : NIC_LINE_GBPS;
	n->pf->ser_len = 0; /* port_turn() computes the serialisation time again */
	n->pf->port_ifg_ps = (uint64_t)llround(12 * 8000.0 / n->pf->port_gbps);
}

const struct nic_mq_stats *nic_mq_stats(const struct nic *n)
{
	return &n->mq;
}

const struct nic_cfg *nic_config(const struct nic *n)
{
	return &n->cfg;
}

const struct nic_stats *nic_stats(const struct nic *n)
{
	return &n->st;
}
