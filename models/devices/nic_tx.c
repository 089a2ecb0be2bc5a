/* SPDX-License-Identifier: MIT */
/*
 * ptnic's transmit engine (8254x SDM §3.3): when TDT moves past TDH, it reads the descriptors
 * at TDH up to the one with EOP and each one's buffer (DMA reads, timed when the frame is
 * taken, their data copied then: the driver does not touch a posted buffer), while the transmit
 * packet buffer (tx_fifo_bytes) has room. The frame goes on the wire when its data is in and
 * the wire is free, at the link's rate with preamble and inter-frame gap (IEEE 802.3); the FCS
 * is added when a descriptor asks (IFCS). At its last bit the frame reaches the peer
 * (nic_wire_sink_ops) and its descriptors are written back in one burst, DD set in those with
 * RS: ptnic reports a frame once it has been sent, as the 8254x does when a descriptor asks
 * for RPS. The write-back in memory sets ICR.TXDW.
 *
 * With several transmit queues (tx_queues), each has its ring and registers at TXQ(reg, q) and
 * its own cause (TXDW for queue 0); the engine takes whole frames from the queues that have
 * descriptors waiting in round robin, one frame per turn (82599 datasheet §7.2.1.2.1), so that
 * the queues share the packet buffer, the internal path and the wire frame by frame; the
 * frames go on the wire in the order taken.
 */
#include "models/devices/nic_internal.h"
#include "sim/engine.h"
#include "sim/simtime.h"
#include "sim/trace.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint32_t tx_rd(const struct nic *n, uint32_t reg, unsigned q)
{
	return nic__rd(n, PTNIC_TXQ(reg, q));
}

static uint64_t tx_ring_base(const struct nic *n, unsigned q)
{
	return tx_rd(n, PTNIC_TDBAL, q) | (uint64_t)tx_rd(n, PTNIC_TDBAH, q) << 32;
}

/* Does queue q have a descriptor for the engine? */
static bool tx_queue_ready(const struct nic *n, unsigned q)
{
	uint32_t ndesc = tx_rd(n, PTNIC_TDLEN, q) / PTNIC_TXD_SIZE, tdh = tx_rd(n, PTNIC_TDH, q);

	return ndesc && tdh < ndesc && tdh != tx_rd(n, PTNIC_TDT, q);
}

static uint64_t wire_ps(const struct nic *n, uint64_t bytes)
{
	return sim_round_u64((double)bytes * 8.0 * 1000.0 / n->line_gbps);
}

static struct tx_slot *tx_slot(const struct nic *n, unsigned k)
{
	return &n->tx->slot[(n->tx->head + k) % n->cfg.max_inflight];
}

/* Bytes in the transmit packet buffer: frames being fetched or waiting for the wire. */
static uint64_t tx_fifo_used(const struct nic *n, uint64_t now)
{
	uint64_t used = 0;

	for (unsigned k = 0; k < n->tx->count; k++) {
		const struct tx_slot *s = tx_slot(n, k);

		if (!s->wire_done &&
		    (s->t_wire > now || (n->tx->gathering && k + 1 == n->tx->count)))
			used += s->len;
	}
	return used;
}

static bool grow(uint8_t **p, size_t *cap, size_t need)
{
	uint8_t *q;

	if (need <= *cap)
		return true;
	q = realloc(*p, need);
	if (!q)
		return false;
	*p = q;
	*cap = need;
	return true;
}

/* The frame's last descriptor is in: time it on the wire. */
static void tx_finish(struct nic *n, struct tx_slot *s)
{
	struct nic_tx *tx = n->tx;

	tx->gathering = false;
	s->wb_done = !s->rs;
	s->nwb = 0;
	s->wire_len = s->len + (s->ifcs ? 4 : 0);
	if (s->ok && s->len && (nic__rd(n, PTNIC_TCTL) & PTNIC_TCTL_PSP) && s->wire_len < 64)
		s->wire_len = 64; /* padded to the Ethernet minimum */
	if (s->ok && s->len) {
		/* Preamble and start delimiter (8 bytes) before the frame, the inter-frame gap (12)
		 * after it (IEEE 802.3 §4.4.2). */
		s->t_start = s->t_ready > tx->wire_free ? s->t_ready : tx->wire_free;
		s->t_wire = s->t_start + wire_ps(n, s->wire_len + 8);
		tx->wire_free = s->t_start + wire_ps(n, s->wire_len + 20);
	} else {
		s->t_start = s->t_wire = s->t_ready; /* nothing goes out */
	}
}

/* The frame has left (or was dropped): its descriptors go back in one burst, two if the frame
 * wraps the ring, issued now -- every DMA is submitted at its own time, so that the links'
 * arithmetic never makes an earlier request wait for a later one. */
static void tx_writeback(struct nic *n, struct tx_slot *s, uint64_t now)
{
	uint32_t ndesc = tx_rd(n, PTNIC_TDLEN, s->q) / PTNIC_TXD_SIZE;
	uint64_t tdba = tx_ring_base(n, s->q);
	uint32_t n1 = ndesc > s->first && ndesc - s->first < s->ndesc ? ndesc - s->first : s->ndesc;

	s->t_wb = now;
	s->nwb = s->ndesc > n1 ? 2 : 1;
	for (unsigned i = 0; i < s->nwb; i++) {
		struct pcie_dma *d = &s->wb[i];

		memset(d, 0, sizeof(*d));
		d->addr = i ? tdba : tdba + (uint64_t)s->first * PTNIC_TXD_SIZE;
		d->len = (i ? s->ndesc - n1 : n1) * PTNIC_TXD_SIZE;
		d->write = true;
		d->t_issue = now;
		pcie_dma_submit(n->fn, d);
		if (d->status != PCIE_DMA_OK)
			n->st.tx_dma_errors++;
		if (d->t_done > s->t_wb)
			s->t_wb = d->t_done;
	}
	if (trace_on())
		trace_span(sim_trace, n->track, "dma", "tx frame DMA", s->t_take, s->t_wb, NULL);
}

/* The queue to take from: the one being gathered, else the next in round robin with a
 * descriptor waiting. False when none has. */
static bool tx_pick(const struct nic *n, unsigned *q)
{
	const struct nic_tx *tx = n->tx;

	if (tx->gathering) {
		*q = tx_slot(n, tx->count - 1)->q;
		return tx_queue_ready(n, *q);
	}
	for (unsigned k = 0; k < nic__txqs(n); k++) {
		*q = (tx->next_q + k) % nic__txqs(n);
		if (tx_queue_ready(n, *q))
			return true;
	}
	return false;
}

/* Take what the transmit rings hold, frame by frame, while the packet buffer has room. */
void nic__tx_take(struct nic *n, uint64_t now)
{
	struct nic_tx *tx = n->tx;
	unsigned q;

	if (!tx || !(nic__rd(n, PTNIC_TCTL) & PTNIC_TCTL_EN) || now < n->reset_done_at)
		return;
	while (tx_pick(n, &q)) {
		uint32_t ndesc = tx_rd(n, PTNIC_TDLEN, q) / PTNIC_TXD_SIZE,
			 tdh = tx_rd(n, PTNIC_TDH, q);
		uint64_t tdba = tx_ring_base(n, q);
		struct pcie_dma dread = {0};
		uint8_t d[PTNIC_TXD_SIZE] = {0};
		struct tx_slot *s;
		uint64_t addr = 0;
		uint16_t blen = 0;
		uint8_t cmd = PTNIC_TXD_CMD_EOP;

		if (!tx->gathering) {
			if (tx->count == n->cfg.max_inflight ||
			    (tx->count && tx_fifo_used(n, now) >= n->cfg.tx_fifo_bytes))
				break; /* the engine wakes when a frame leaves */
			s = tx_slot(n, tx->count++);
			s->q = q;
			s->first = tdh;
			s->ndesc = s->len = 0;
			s->t_take = s->t_ready = now;
			s->ok = true;
			s->ifcs = s->rs = s->wb_done = s->wire_done = false;
			s->nwb = 0;
			tx->gathering = true;
		} else {
			s = tx_slot(n, tx->count - 1);
		}

		/* 1. The descriptor. */
		dread.addr = tdba + (uint64_t)tdh * PTNIC_TXD_SIZE;
		dread.len = PTNIC_TXD_SIZE;
		dread.t_issue = now;
		pcie_dma_submit(n->fn, &dread);
		n->st.tx_desc_reads++;
		if (dread.status == PCIE_DMA_OK) {
			pcie_dma_read_data(n->fn, &dread, d);
			memcpy(&addr, d + PTNIC_TXD_ADDR, 8);
			blen = (uint16_t)(d[PTNIC_TXD_LENGTH] | d[PTNIC_TXD_LENGTH + 1] << 8);
			cmd = d[PTNIC_TXD_CMD];
		} else if (s->ok) {
			/* No descriptor, no frame: what was gathered is dropped here. */
			s->ok = false;
			n->st.tx_dma_errors++;
		}
		if (dread.t_done > s->t_ready)
			s->t_ready = dread.t_done;

		/* 2. Its buffer. */
		if (blen && s->ok && s->len + blen > PTNIC_TX_MAX_FRAME) {
			s->ok = false;
			n->st.tx_too_long++;
		}
		if (blen && s->ok) {
			struct pcie_dma data = {0};

			data.addr = addr;
			data.len = blen;
			data.t_issue = nic__internal_slot(n, dread.t_done, blen);
			pcie_dma_submit(n->fn, &data);
			if (data.status != PCIE_DMA_OK) {
				s->ok = false;
				n->st.tx_dma_errors++;
			} else if (grow(&s->buf, &s->buf_cap, s->len + blen)) {
				pcie_dma_read_data(n->fn, &data, s->buf + s->len);
				s->len += blen;
			}
			if (data.t_done > s->t_ready)
				s->t_ready = data.t_done;
		}

		/* The descriptor as it will be written back. */
		if (cmd & PTNIC_TXD_CMD_RS) {
			d[PTNIC_TXD_STATUS] |= PTNIC_TXD_STAT_DD;
			s->rs = true;
		}
		s->ifcs |= (cmd & PTNIC_TXD_CMD_IFCS) != 0;
		if (grow(&s->desc, &s->desc_cap, (s->ndesc + 1) * (size_t)PTNIC_TXD_SIZE))
			memcpy(s->desc + s->ndesc * PTNIC_TXD_SIZE, d, PTNIC_TXD_SIZE);
		s->ndesc++;
		nic__wr(n, PTNIC_TXQ(PTNIC_TDH, q), (tdh + 1) % ndesc);
		if (!(cmd & PTNIC_TXD_CMD_EOP) && s->ndesc == PTNIC_TX_MAX_DESC && s->ok) {
			s->ok = false; /* a frame of too many descriptors ends here, discarded */
			n->st.tx_too_long++;
		}
		if ((cmd & PTNIC_TXD_CMD_EOP) || s->ndesc == PTNIC_TX_MAX_DESC) {
			tx_finish(n, s);
			tx->next_q = (q + 1) % nic__txqs(n); /* the next queue's turn */
		}
	}
}

/* Due transmit events, oldest frame first: a frame's last bit reaches the peer and its
 * write-back is issued; a write-back lands in memory (TXDW). Slots whose frame is done both
 * ways are freed. */
void nic__tx_complete(struct nic *n, uint64_t now)
{
	struct nic_tx *tx = n->tx;
	unsigned done = tx->count - (tx->gathering ? 1 : 0);

	for (unsigned k = 0; k < done; k++) {
		struct tx_slot *s = tx_slot(n, k);

		if (!s->wire_done && s->t_wire <= now) {
			struct nic_frame f = {.t_ps = s->t_wire, .len = s->wire_len};

			s->wire_done = true;
			if (s->ok && s->len) {
				n->st.tx_frames++;
				n->st.tx_bytes += s->wire_len;
				n->st.tx_wire_ps += s->t_wire - s->t_start;
				n->mq.tx_queue_frames[s->q]++;
				nic__wr(n, PTNIC_GPTC, nic__rd(n, PTNIC_GPTC) + 1);
				nic__wr(n, PTNIC_GOTC, nic__rd(n, PTNIC_GOTC) + s->wire_len);
				if (trace_on())
					trace_span(sim_trace, n->track, "wire",
						   "tx frame on the wire", s->t_start, s->t_wire,
						   NULL);
				if (n->sink && n->sink->transmitted)
					n->sink->transmitted(n->sink_ctx, &f, s->buf, s->len);
			} else if (!s->ok && n->sink && n->sink->dropped) {
				n->sink->dropped(n->sink_ctx, &f);
			}
			if (s->rs)
				tx_writeback(n, s, now);
		}
		if (s->wire_done && !s->wb_done && s->t_wb <= now) {
			s->wb_done = true;
			for (unsigned i = 0; i < s->nwb; i++)
				pcie_dma_write_data(n->fn, &s->wb[i],
						    s->desc + (i ? s->wb[0].len : 0));
			for (unsigned i = 0; i < s->ndesc; i++)
				if (s->desc[i * PTNIC_TXD_SIZE + PTNIC_TXD_STATUS] &
				    PTNIC_TXD_STAT_DD)
					n->st.tx_writebacks++;
			nic__wr(n, PTNIC_ICR, nic__rd(n, PTNIC_ICR) | PTNIC_INT_TXQ(s->q));
		}
	}
	while (done && tx_slot(n, 0)->wb_done && tx_slot(n, 0)->wire_done) {
		tx->head = (tx->head + 1) % n->cfg.max_inflight;
		tx->count--;
		done--;
	}
}

/* The next transmit event, or NEVER. */
uint64_t nic__tx_next(const struct nic *n)
{
	uint64_t t = NEVER;

	for (unsigned k = 0; n->tx && k < n->tx->count - (n->tx->gathering ? 1 : 0); k++) {
		const struct tx_slot *s = tx_slot(n, k);

		if (!s->wire_done && s->t_wire < t)
			t = s->t_wire;
		else if (s->wire_done && !s->wb_done && s->t_wb < t)
			t = s->t_wb;
	}
	return t;
}

void nic__tx_enable(struct nic *n)
{
	if ((nic__rd(n, PTNIC_TCTL) & PTNIC_TCTL_EN) && !n->tx) {
		n->tx = calloc(1, sizeof(*n->tx));
		if (n->tx)
			n->tx->slot = calloc(n->cfg.max_inflight, sizeof(*n->tx->slot));
		if (n->tx && !n->tx->slot) {
			free(n->tx);
			n->tx = NULL;
		}
	}
}

/* Not while the packet buffer is full with frames still to leave: the engine wakes when one
 * does, and looks at TDT then. */
bool nic__tx_may_take(const struct nic *n)
{
	const struct nic_tx *tx = n->tx;

	if (!tx || tx->gathering || !tx->count)
		return true;
	return tx->count < n->cfg.max_inflight && tx_fifo_used(n, sim_now()) < n->cfg.tx_fifo_bytes;
}

void nic__tx_abandon(struct nic *n)
{
	if (n->tx) {
		n->tx->head = n->tx->count = n->tx->next_q = 0;
		n->tx->gathering = false;
	}
}

void nic__tx_free(struct nic *n)
{
	if (!n->tx)
		return;
	for (unsigned i = 0; i < n->cfg.max_inflight; i++) {
		free(n->tx->slot[i].buf);
		free(n->tx->slot[i].desc);
	}
	free(n->tx->slot);
	free(n->tx);
	n->tx = NULL;
}
