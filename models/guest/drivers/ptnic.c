/* SPDX-License-Identifier: MIT */
/*
 * ptnic guest driver. Written against hal.h only, in the shape of Linux's e1000 receive path:
 * probe enables the function, resets it, builds a descriptor ring of receive buffers, sets
 * up one MSI-X vector (or, with intx=1 or no MSI-X, the legacy INTx line), and gives the
 * ring a NAPI context (netif_napi_add_weight, weight `budget`). The interrupt handler only
 * schedules it: the message auto-masked the queue's cause (EIAM, as igb's MSI-X vectors have
 * it), and on INTx the handler masks it (IMC, as e1000_intr does). The kernel then runs the
 * poll in softirq context on the CPU that took the interrupt: it cleans completed descriptors
 * up to its budget, passes frames up the stack, refills the ring and moves the tail; a poll
 * that cleaned less than its budget completes (napi_complete_done) and re-enables the cause
 * (IMS), one that used it all is polled again with no interrupt. On a possibly shared INTx
 * line the handler first reads ICR, which says whether the interrupt is ours and, being
 * read-to-clear, makes the device drop the line.
 *
 * Each buffer is dma_map_single'd when it is posted to the ring and dma_unmap_single'd when
 * its frame is received, before the CPU reads it (e1000_clean_rx_irq); the refill maps the
 * slot's recycled buffer again (e1000_alloc_rx_buffers). A mapping the DMA layer refuses
 * (dma_mapping_error: an IOMMU quota) leaves the slot empty: the ring runs shorter, and the
 * next refill tries again from there (e1000's alloc_rx_buff_failed).
 *
 * With rx_pool > 0 a slot does not keep its buffer: the refill takes a fresh one from a pool,
 * the most recently returned first (the LIFO cache of Linux's page_pool and of the slab's
 * per-CPU free lists), and the frames an interrupt received go back to the pool only after
 * that poll's refill, once the stack is done with them (NAPI's GRO flush at the end of
 * the poll) -- as e1000 hands each received skb up and allocates a new one. How deep into the
 * pool the refills reach then depends on how many frames each poll brought.
 *
 * Transmit follows e1000/igb too: ndo_open sets up a ring of legacy transmit descriptors
 * (dma_alloc_coherent) and gives transmit completions an MSI-X vector of their own, as igb
 * does, allocated then (pci_msix_alloc_irq_at, so that a function that never transmits
 * programs no second entry) -- or, with tx_shared_vector=1 or on INTx, they share the
 * receive one, whose handler then cleans both; ndo_start_xmit maps the frame's data
 * (dma_map_single, DMA_TO_DEVICE), fills one descriptor (EOP, IFCS, RS) and moves the tail,
 * stopping the queue when the ring is full (e1000_maybe_stop_tx); the transmit interrupt
 * cleans the descriptors the device wrote back (DD): it unmaps each buffer, hands the skb back
 * (dev_consume_skb_any) and wakes the queue once enough room is free (TX_WAKE_THRESHOLD).
 * A map the DMA layer refuses while frames are in flight stops the queue as a full ring does
 * (their completions unmap: the ring runs shorter, as the receive ring does); with none in
 * flight the frame is dropped, as e1000 drops it.
 *
 * Several receive queues (queues > 1, igb's shape: igb_set_interrupt_capability,
 * igb_setup_mrqc): the driver asks the device how many it has (RXQCAP), takes as many MSI-X
 * vectors as queues, spread over the CPUs (PCI_IRQ_AFFINITY: the kernel points vector q's
 * message at a CPU of its own, as igb's affinity hints have irqbalance do), gives each queue a
 * ring, a NAPI context and a vector (entry q through its IVAR), writes the RSS key, a
 * redirection table spreading its 128 entries round-robin over the queues, and MRQC. Each
 * queue's poll runs on the CPU its vector targets and re-enables its own cause; queue 0's
 * handler also cleans transmit, whose completions share its vector when no entry is left.
 * With queues = 1 (the default) nothing of this is touched: one ring, as before.
 *
 * Several transmit queues (tx_queues > 1, igb's shape: igb_setup_all_tx_resources,
 * igb_alloc_q_vectors): ndo_open asks the device how many it has (TXQCAP), gives each a ring
 * at its per-queue registers and an MSI-X vector of its own while entries are left (its
 * IVAR's transmit field), and tells the kernel how many it uses
 * (netif_set_real_num_tx_queues). The kernel picks each frame's queue by its flow hash
 * (skb_tx_hash) and says which in skb->queue_mapping; ndo_start_xmit fills that queue's ring
 * and stops and wakes that queue alone (netif_tx_stop_queue). A queue without a vector of its
 * own shares receive queue t % queues' vector, whose handler cleans it after receive, as igb
 * pairs a receive and a transmit ring on one q_vector when vectors are scarce.
 *
 * SR-IOV VFs: this driver binds the VF device ID too. Linux has ixgbevf apart from ixgbe
 * because an 82599 VF is a different programming model (its own register map, a mailbox to
 * the PF driver for anything port-wide); a ptnic VF has the PF's register layout in its own
 * BAR 0, its own queues, RSS and MSI-X, and nothing port-wide for a guest to set (the port's
 * sharing is the silicon's), so a second driver would be a copy of this one.
 */
#include "hal.h"
#include "ptnic_regs.h"

#include <string.h>

struct ptnic_rx_desc {
	__le64 addr;
	__le16 length;
	__le16 csum;
	u8 status;
	u8 errors;
	__le16 special;
};
_Static_assert(sizeof(struct ptnic_rx_desc) == 16, "legacy receive descriptor is 16 bytes");

struct ptnic_tx_desc {
	__le64 addr;
	__le16 length;
	u8 cso;
	u8 cmd;
	u8 status;
	u8 css;
	__le16 special;
};
_Static_assert(sizeof(struct ptnic_tx_desc) == 16, "legacy transmit descriptor is 16 bytes");

struct ptnic;

/* A transmit queue's ring: hardware owns [next_to_clean, next_to_use) until it writes DD
 * back. */
struct ptnic_tx_ring {
	struct ptnic *nic;
	unsigned int q;	   /* its queue: the kernel's netdev_queue and the device's */
	u32 reg;	   /* its registers' offset from queue 0's */
	u32 cause;	   /* its interrupt cause */
	unsigned int pair; /* the receive queue whose vector it shares when it has none */
	struct ptnic_tx_desc *desc;
	dma_addr_t dma;
	unsigned int count, next_to_use, next_to_clean;
	struct sk_buff **skb;
	dma_addr_t *buf_dma;
	struct msi_map map; /* its own MSI-X entry and vector, when it has them */
	int irq;	    /* its own vector, or -1 when it shares its pair's */
	bool open;
	unsigned int wake_thresh;
	u64 desc_cycles;
	u64 irqs, frames, map_waits;
};

struct ptnic;

/* A receive queue: its ring, its buffers, its vector, its NAPI context. */
struct ptnic_rx_ring {
	struct napi_struct napi; /* first: the poll finds its ring from it */
	struct ptnic *nic;
	u32 reg;   /* its registers' offset from queue 0's */
	u32 cause; /* its interrupt cause */
	struct ptnic_rx_desc *ring;
	dma_addr_t ring_dma;
	unsigned int count, next_to_clean, next_to_use; /* posted: [next_to_clean, next_to_use) */
	void **buf;					/* rx_pool: NULL while the slot is empty */
	dma_addr_t *buf_dma; /* DMA_MAPPING_ERROR while the buffer is not posted */
	void **pool;	     /* rx_pool: free buffers, the top last */
	unsigned int npool;
	void **held; /* rx_pool: this interrupt's frames, still up the stack */
	unsigned int nheld;
	int irq;
	u64 irqs, frames, alloc_failed;
};
_Static_assert(offsetof(struct ptnic_rx_ring, napi) == 0, "container_of(napi) is a cast");

struct ptnic {
	struct pci_dev *pdev;
	struct net_device *ndev;
	void __iomem *hw;
	struct ptnic_rx_ring rx;		 /* queue 0 */
	struct ptnic_rx_ring *rxq[PTNIC_QUEUES]; /* every queue, rxq[0] == &rx */
	unsigned int nrx;
	bool intx;
	unsigned int budget; /* each queue's NAPI weight */
	u64 desc_cycles;
	struct ptnic_tx_ring tx;		 /* transmit queue 0 */
	struct ptnic_tx_ring *txq[PTNIC_QUEUES]; /* every transmit queue, txq[0] == &tx */
	unsigned int ntx;			 /* transmit queues set up (ndo_open) */
};

/* Slots the driver may still fill: one stays empty, so that a full ring (RDT one behind RDH)
 * differs from an empty one (RDT == RDH). */
static unsigned int ptnic_unused(const struct ptnic_rx_ring *r)
{
	return (r->next_to_clean + r->count - r->next_to_use - 1) % r->count;
}

/* Map and post buffers in the empty slots from next_to_use on; move the tail if any were. */
static void ptnic_alloc_rx_buffers(struct ptnic_rx_ring *r)
{
	struct device *dev = &r->nic->pdev->dev;
	unsigned int n = ptnic_unused(r), i = r->next_to_use;

	while (n--) {
		dma_addr_t dma;

		if (r->pool) {
			if (!r->npool) {
				r->alloc_failed++;
				break;
			}
			r->buf[i] = r->pool[--r->npool];
		}
		dma = dma_map_single(dev, r->buf[i], RX_BUF_SIZE, DMA_FROM_DEVICE);
		if (dma_mapping_error(dev, dma)) {
			r->alloc_failed++;
			if (r->pool) {
				r->pool[r->npool++] = r->buf[i];
				r->buf[i] = NULL;
			}
			break; /* the ring stays shorter; the next refill starts here */
		}
		r->buf_dma[i] = dma;
		r->ring[i].addr = cpu_to_le64(dma);
		i = (i + 1) % r->count;
	}
	if (i == r->next_to_use)
		return;
	r->next_to_use = i;
	wmb();
	/* Hand the posted buffers over: hardware owns [RDH, RDT). */
	writel(i, r->nic->hw + REG_RDT + r->reg);
}

/* Clean up to `budget` completed descriptors, pass their frames up, refill (e1000_clean_rx_irq). */
static unsigned int ptnic_clean_rx(struct ptnic_rx_ring *r, unsigned int budget)
{
	unsigned int done = 0;

	while (done < budget) {
		unsigned int i = r->next_to_clean;
		struct ptnic_rx_desc *d = &r->ring[i];

		if (i == r->next_to_use || !(READ_ONCE(d->status) & RXD_STAT_DD))
			break;
		dma_rmb(); /* read the rest of the descriptor after DD */
		cpu_cycles(r->nic->desc_cycles);
		/* The device is done with the buffer: unmap it before the CPU reads the frame. */
		dma_unmap_single(&r->nic->pdev->dev, r->buf_dma[i], RX_BUF_SIZE, DMA_FROM_DEVICE);
		r->buf_dma[i] = DMA_MAPPING_ERROR;
		netif_receive_frame(r->nic->ndev, r->buf[i], le16_to_cpu(d->length));
		if (r->pool) {
			r->held[r->nheld++] = r->buf[i];
			r->buf[i] = NULL;
		}
		d->status = 0;
		r->next_to_clean = (i + 1) % r->count;
		done++;
	}
	r->frames += done;
	ptnic_alloc_rx_buffers(r);
	/* The stack is done with this poll's frames: their buffers go back, last on top. */
	for (unsigned int k = 0; k < r->nheld; k++)
		r->pool[r->npool++] = r->held[k];
	r->nheld = 0;
	return done;
}

/* A queue's NAPI poll (igb_poll): clean; with less than the budget done, complete and
 * re-enable the queue's cause. With the whole budget used, the cause stays masked: frames the
 * poll left behind raised no interrupt, and the kernel polls again. */
static int ptnic_poll(struct napi_struct *napi, int budget)
{
	struct ptnic_rx_ring *r = (struct ptnic_rx_ring *)napi;
	unsigned int done = ptnic_clean_rx(r, (unsigned int)budget);

	if (done < (unsigned int)budget && napi_complete_done(napi, (int)done))
		writel(r->cause, r->nic->hw + REG_IMS);
	return (int)done;
}

/* A queue's interrupt: its cause is masked -- by the message (EIAM) on MSI-X; on INTx, where
 * nothing masks it, by the handler (e1000_intr's IMC) -- and its poll scheduled. */
static irqreturn_t ptnic_rx_irq(struct ptnic_rx_ring *r)
{
	if (r->nic->intx) {
		if (!(readl(r->nic->hw + REG_ICR) & INT_RXT0))
			return IRQ_NONE; /* another device's interrupt on a shared line */
		writel(INT_RXT0, r->nic->hw + REG_IMC);
	}
	r->irqs++;
	napi_schedule(&r->napi);
	return IRQ_HANDLED;
}

static bool ptnic_clean_paired_tx(struct ptnic *nic, unsigned int rxq);

/* Receive queue 1 and up: a vector each, which also cleans the transmit queues paired with
 * the queue. */
static irqreturn_t ptnic_intr_rxq(int irq, void *data)
{
	struct ptnic_rx_ring *r = data;
	irqreturn_t ret = ptnic_rx_irq(r);

	(void)irq;
	ptnic_clean_paired_tx(r->nic, r->reg / REG_RXQ(1));
	return ret;
}

/* ---- transmit ---- */

/* Descriptors software may still fill; one stays empty, so that TDH == TDT means empty. */
static unsigned int ptnic_tx_unused(const struct ptnic_tx_ring *tx)
{
	return tx->count - 1 - (tx->next_to_use + tx->count - tx->next_to_clean) % tx->count;
}

/* The frames the device has sent: unmap, hand back, and wake the queue when there is room. */
static unsigned int ptnic_clean_tx(struct ptnic_tx_ring *tx)
{
	struct ptnic *nic = tx->nic;
	struct netdev_queue *txq = netdev_get_tx_queue(nic->ndev, tx->q);
	struct device *dev = &nic->pdev->dev;
	unsigned int done = 0;

	if (!tx->open)
		return 0;
	while (tx->next_to_clean != tx->next_to_use) {
		unsigned int i = tx->next_to_clean;
		struct ptnic_tx_desc *d = &tx->desc[i];
		struct sk_buff *skb = tx->skb[i];

		if (!(READ_ONCE(d->status) & TXD_STAT_DD))
			break;
		dma_rmb(); /* nothing of the descriptor before DD */
		cpu_cycles(tx->desc_cycles);
		dma_unmap_single(dev, tx->buf_dma[i], skb->len, DMA_TO_DEVICE);
		tx->skb[i] = NULL;
		d->status = 0;
		tx->next_to_clean = (i + 1) % tx->count;
		dev_consume_skb_any(skb);
		done++;
	}
	tx->frames += done;
	if (done && netif_tx_queue_stopped(txq) && ptnic_tx_unused(tx) >= tx->wake_thresh)
		netif_tx_wake_queue(txq);
	return done;
}

/* A transmit queue's own vector: clean, then re-enable its auto-masked cause. */
static irqreturn_t ptnic_intr_tx(int irq, void *data)
{
	struct ptnic_tx_ring *tx = data;

	(void)irq;
	tx->irqs++;
	ptnic_clean_tx(tx);
	writel(tx->cause, tx->nic->hw + REG_IMS);
	return IRQ_HANDLED;
}

/* The transmit queues without a vector of their own that receive queue `rxq`'s vector serves
 * (igb's queue pairs: a q_vector with a receive and a transmit ring): clean each and
 * re-enable its cause. Whether any frame came back. */
static bool ptnic_clean_paired_tx(struct ptnic *nic, unsigned int rxq)
{
	bool any = false;

	for (unsigned int t = 0; t < nic->ntx; t++) {
		struct ptnic_tx_ring *tx = nic->txq[t];

		if (!tx->open || tx->irq >= 0 || tx->pair != rxq)
			continue;
		tx->irqs++;
		if (ptnic_clean_tx(tx))
			any = true;
		if (!nic->intx)
			writel(tx->cause, nic->hw + REG_IMS);
	}
	return any;
}

/* Receive queue 0's vector, or the INTx line: receive first -- on INTx its ICR read drops
 * the line for every cause -- then the transmit queues paired with it (tx_shared_vector, or
 * no vector left for them). */
static irqreturn_t ptnic_intr_shared(int irq, void *data)
{
	struct ptnic *nic = data;
	irqreturn_t ret = ptnic_rx_irq(&nic->rx);

	(void)irq;
	if (ptnic_clean_paired_tx(nic, 0))
		ret = IRQ_HANDLED;
	return ret;
}

static netdev_tx_t ptnic_xmit_frame(struct sk_buff *skb, struct net_device *ndev)
{
	struct ptnic *nic = netdev_priv(ndev);
	/* the queue the kernel picked for the frame's flow (skb_tx_hash), as igb_xmit_frame
	 * takes its ring by skb->queue_mapping */
	struct ptnic_tx_ring *tx = nic->txq[skb_get_queue_mapping(skb) % nic->ntx];
	struct netdev_queue *txq = netdev_get_tx_queue(ndev, tx->q);
	struct device *dev = &nic->pdev->dev;
	unsigned int i = tx->next_to_use;
	struct ptnic_tx_desc *d = &tx->desc[i];
	dma_addr_t dma;

	if (!ptnic_tx_unused(tx)) {
		/* the queue was stopped when the ring filled; a caller that did not look */
		netif_tx_stop_queue(txq);
		return NETDEV_TX_BUSY;
	}
	dma = dma_map_single(dev, skb->data, skb->len, DMA_TO_DEVICE);
	if (dma_mapping_error(dev, dma)) {
		/* A refused map (an IOMMU quota full of buffers in flight): while frames are in
		 * flight their completions unmap, so the ring runs shorter -- stop the queue and
		 * hand the skb back (NETDEV_TX_BUSY), to be sent again when a completion wakes
		 * the queue. Look again after stopping, as e1000_maybe_stop_tx does: a completion
		 * in between may have emptied the ring. With nothing in flight no unmap will come:
		 * the frame is dropped, as e1000 drops it. */
		if (tx->next_to_clean != tx->next_to_use) {
			netif_tx_stop_queue(txq);
			mb();
			if (tx->next_to_clean == tx->next_to_use)
				netif_tx_start_queue(txq); /* the caller tries again at once */
			tx->map_waits++;
			return NETDEV_TX_BUSY;
		}
		dev_kfree_skb_any(skb);
		return NETDEV_TX_OK;
	}
	cpu_cycles(tx->desc_cycles);
	tx->skb[i] = skb;
	tx->buf_dma[i] = dma;
	d->addr = cpu_to_le64(dma);
	d->length = cpu_to_le16((u16)skb->len);
	d->cso = 0;
	d->css = 0;
	d->special = 0;
	d->status = 0;
	d->cmd = TXD_CMD_EOP | TXD_CMD_IFCS | TXD_CMD_RS;
	tx->next_to_use = (i + 1) % tx->count;
	wmb(); /* the descriptor is in memory before the device sees the tail */
	writel(tx->next_to_use, nic->hw + REG_TDT + tx->reg);
	/* e1000_maybe_stop_tx: stop before the next frame finds no room, then look again in
	 * case a completion made room in between. */
	if (!ptnic_tx_unused(tx)) {
		netif_tx_stop_queue(txq);
		mb();
		if (ptnic_tx_unused(tx) >= tx->wake_thresh)
			netif_tx_start_queue(txq);
	}
	return NETDEV_TX_OK;
}

/* Transmit queue t's ring, programmed into its registers, and its interrupt: a vector of its
 * own when one is left (entry 1 for a lone queue beside one receive queue, as before), else
 * the vector of receive queue t % nrx, whose handler then cleans it (igb_alloc_q_vectors
 * pairs rings so when vectors are scarce). */
static int ptnic_setup_tx(struct ptnic *nic, struct ptnic_tx_ring *tx, unsigned int t)
{
	struct device *dev = &nic->pdev->dev;
	u32 entry;
	int err;

	tx->nic = nic;
	tx->q = t;
	tx->reg = REG_TXQ(t);
	tx->cause = INT_TXQ(t);
	tx->count = (unsigned int)module_param_u64("ptnic", "tx_ring_size");
	tx->wake_thresh = (unsigned int)module_param_u64("ptnic", "tx_wake_thresh");
	if (tx->wake_thresh > tx->count / 2)
		tx->wake_thresh = tx->count / 2;
	tx->desc_cycles = module_param_u64("ptnic", "tx_desc_cycles");
	tx->desc = dma_alloc_coherent(dev, tx->count * sizeof(*tx->desc), &tx->dma, GFP_KERNEL);
	tx->skb = kzalloc(tx->count * sizeof(*tx->skb), GFP_KERNEL);
	tx->buf_dma = kzalloc(tx->count * sizeof(*tx->buf_dma), GFP_KERNEL);
	if (!tx->desc || !tx->skb || !tx->buf_dma)
		return -ENOMEM;
	tx->next_to_use = tx->next_to_clean = 0;
	writel((u32)tx->dma, nic->hw + REG_TDBAL + tx->reg);
	writel((u32)(tx->dma >> 32), nic->hw + REG_TDBAH + tx->reg);
	writel(tx->count * (u32)sizeof(*tx->desc), nic->hw + REG_TDLEN + tx->reg);
	writel(0, nic->hw + REG_TDH + tx->reg);
	writel(0, nic->hw + REG_TDT + tx->reg);
	tx->irq = -1;
	tx->pair = t % nic->nrx;
	if (nic->intx)
		return 0;
	if (!module_param_u64("ptnic", "tx_shared_vector") && pci_msix_can_alloc_dyn(nic->pdev)) {
		tx->map =
		    pci_msix_alloc_irq_at(nic->pdev, t || nic->nrx > 1 ? MSI_ANY_INDEX : 1, NULL);
		if (tx->map.index >= 0)
			tx->irq = tx->map.virq; /* else: share its receive queue's vector */
	}
	/* Which entry each cause raises: receive queue t's own, transmit its own or its pair's
	 * (receive queue q raises entry q). */
	entry = tx->irq >= 0 ? (u32)tx->map.index : tx->pair;
	if (t == 0)
		writel(IVAR_RX(0) | IVAR_RX_VALID | IVAR_TX(entry) | IVAR_TX_VALID,
		       nic->hw + REG_IVAR);
	else
		writel((t < nic->nrx ? IVAR_RX(t) | IVAR_RX_VALID : 0) | IVAR_TX(entry) |
			   IVAR_TX_VALID,
		       nic->hw + REG_IVAR_Q(t));
	if (tx->irq >= 0) {
		err = request_irq((unsigned int)tx->irq, ptnic_intr_tx, 0, "ptnic-tx", tx);
		if (err)
			return err;
	}
	return 0;
}

/* ndo_open: the transmit rings and their interrupts (Linux: e1000_open's
 * e1000_setup_all_tx_resources, e1000_configure_tx, e1000_request_irq; igb's for several
 * queues). As many queues as asked (tx_queues), as the device has (TXQCAP) and, on INTx, one.
 * The receive side is up since probe. */
static int ptnic_open(struct net_device *ndev)
{
	struct ptnic *nic = netdev_priv(ndev);
	unsigned int want = (unsigned int)module_param_u64("ptnic", "tx_queues");
	u32 causes = 0;
	int err;

	if (want > 1 && !nic->intx) {
		u32 have = readl(nic->hw + REG_TXQCAP);

		want = have && have < want ? have : want;
	} else {
		want = 1;
	}
	nic->txq[0] = &nic->tx;
	nic->ntx = 0;
	for (unsigned int t = 0; t < want; t++) {
		struct ptnic_tx_ring *tx = t ? kzalloc(sizeof(*tx), GFP_KERNEL) : &nic->tx;

		if (!tx)
			return -ENOMEM;
		nic->txq[t] = tx;
		nic->ntx = t + 1;
		err = ptnic_setup_tx(nic, tx, t);
		if (err)
			return err;
		causes |= tx->cause;
	}
	netif_set_real_num_tx_queues(ndev, nic->ntx);
	for (unsigned int t = 0; t < nic->ntx; t++)
		nic->txq[t]->open = true;
	writel(causes, nic->hw + REG_IMS);
	writel(TCTL_EN | TCTL_PSP, nic->hw + REG_TCTL);
	for (unsigned int t = 0; t < nic->ntx; t++)
		netif_tx_start_queue(netdev_get_tx_queue(ndev, t));
	if (nic->ntx > 1)
		dev_info(&nic->pdev->dev, "ptnic: %u transmit queues of %u descriptors", nic->ntx,
			 nic->tx.count);
	else
		dev_info(&nic->pdev->dev, "ptnic: %u transmit descriptors, %s", nic->tx.count,
			 nic->intx	    ? "on the INTx line"
			 : nic->tx.irq >= 0 ? "their own vector"
					    : "sharing the receive vector");
	return 0;
}

/* ndo_stop: transmit off, what is still in the rings unmapped and dropped. */
static int ptnic_stop(struct net_device *ndev)
{
	struct ptnic *nic = netdev_priv(ndev);
	struct device *dev = &nic->pdev->dev;
	u32 causes = 0;

	if (!nic->ntx || !nic->tx.open)
		return 0;
	for (unsigned int t = 0; t < nic->ntx; t++) {
		netif_tx_stop_queue(netdev_get_tx_queue(ndev, t));
		causes |= nic->txq[t]->cause;
	}
	writel(0, nic->hw + REG_TCTL);
	writel(causes, nic->hw + REG_IMC);
	for (unsigned int t = 0; t < nic->ntx; t++) {
		struct ptnic_tx_ring *tx = nic->txq[t];

		if (tx->irq >= 0) {
			free_irq((unsigned int)tx->irq, tx);
			pci_msix_free_irq(nic->pdev, tx->map);
			tx->irq = -1;
		}
		for (unsigned int i = tx->next_to_clean; i != tx->next_to_use;
		     i = (i + 1) % tx->count) {
			dma_unmap_single(dev, tx->buf_dma[i], tx->skb[i]->len, DMA_TO_DEVICE);
			dev_kfree_skb_any(tx->skb[i]);
			tx->skb[i] = NULL;
		}
		tx->open = false;
		dma_free_coherent(dev, tx->count * sizeof(*tx->desc), tx->desc, tx->dma);
		kfree(tx->skb);
		kfree(tx->buf_dma);
		tx->desc = NULL;
		if (t)
			kfree(tx);
	}
	nic->ntx = 0;
	return 0;
}

static const struct net_device_ops ptnic_netdev_ops = {
    .ndo_open = ptnic_open,
    .ndo_stop = ptnic_stop,
    .ndo_start_xmit = ptnic_xmit_frame,
};

static int ptnic_reset(struct ptnic *nic)
{
	writel(CTRL_RST, nic->hw + REG_CTRL);
	for (int i = 0; i < 1000; i++) {
		udelay(10);
		if (!(readl(nic->hw + REG_CTRL) & CTRL_RST))
			return 0;
	}
	return -ETIMEDOUT;
}

/* One receive queue's ring and buffers, programmed into its registers and posted. */
static int ptnic_setup_rx(struct ptnic *nic, struct ptnic_rx_ring *r, unsigned int q)
{
	struct device *dev = &nic->pdev->dev;

	r->nic = nic;
	netif_napi_add_weight(nic->ndev, &r->napi, ptnic_poll, (int)nic->budget);
	r->reg = REG_RXQ(q);
	r->cause = INT_RXQ(q);
	r->count = (unsigned int)module_param_u64("ptnic", "ring_size");
	r->ring = dma_alloc_coherent(dev, r->count * sizeof(*r->ring), &r->ring_dma, GFP_KERNEL);
	unsigned int extra = (unsigned int)module_param_u64("ptnic", "rx_pool");

	r->buf = kzalloc(r->count * sizeof(*r->buf), GFP_KERNEL);
	r->buf_dma = kzalloc(r->count * sizeof(*r->buf_dma), GFP_KERNEL);
	if (!r->ring || !r->buf || !r->buf_dma)
		return -ENOMEM;
	for (unsigned int i = 0; i < r->count; i++)
		r->buf_dma[i] = DMA_MAPPING_ERROR;
	if (extra) {
		unsigned int n = r->count - 1 + extra;

		r->pool = kzalloc(n * sizeof(*r->pool), GFP_KERNEL);
		r->held = kzalloc(r->count * sizeof(*r->held), GFP_KERNEL);
		if (!r->pool || !r->held)
			return -ENOMEM;
		/* Allocated in address order and stacked so that the first refill takes them so. */
		for (unsigned int k = 0; k < n; k++) {
			r->pool[n - 1 - k] = kmalloc(RX_BUF_SIZE, GFP_KERNEL);
			if (!r->pool[n - 1 - k])
				return -ENOMEM;
		}
		r->npool = n;
	} else {
		for (unsigned int i = 0; i < r->count; i++) {
			r->buf[i] = kmalloc(RX_BUF_SIZE, GFP_KERNEL);
			if (!r->buf[i])
				return -ENOMEM;
		}
	}
	writel((u32)r->ring_dma, nic->hw + REG_RDBAL + r->reg);
	writel((u32)(r->ring_dma >> 32), nic->hw + REG_RDBAH + r->reg);
	writel(r->count * (u32)sizeof(*r->ring), nic->hw + REG_RDLEN + r->reg);
	writel(0, nic->hw + REG_RDH + r->reg);
	writel(0, nic->hw + REG_RDT + r->reg);
	r->next_to_clean = r->next_to_use = 0;
	ptnic_alloc_rx_buffers(r);
	if (r->next_to_use == 0)
		return -ENOMEM; /* not one buffer could be mapped */
	return 0;
}

/* The Microsoft RSS specification's verification key, as igb and ixgbe once had it built in
 * (Linux now fills a random one, netdev_rss_key_fill; a fixed key keeps runs reproducible). */
static const u8 ptnic_rss_key[RSS_KEY_BYTES] = {
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
    0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
    0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* Queues 1 and up (igb_setup_all_rx_resources, igb_request_msix, igb_setup_mrqc): a ring
 * each, a vector each (entry q, its own IVAR), then RSS: the key, a redirection table that
 * spreads its 128 entries round-robin over the queues (ethtool_rxfh_indir_default), and
 * MRQC hashing TCP/IPv4 over the 4-tuple and other IPv4 over the addresses. */
static int ptnic_setup_rss(struct ptnic *nic)
{
	int err;

	for (unsigned int q = 1; q < nic->nrx; q++) {
		struct ptnic_rx_ring *r = kzalloc(sizeof(*r), GFP_KERNEL);

		if (!r)
			return -ENOMEM;
		nic->rxq[q] = r;
		err = ptnic_setup_rx(nic, r, q);
		if (err)
			return err;
		r->irq = pci_irq_vector(nic->pdev, q);
		writel(IVAR_RX(q) | IVAR_RX_VALID, nic->hw + REG_IVAR_Q(q));
		err = request_irq((unsigned int)r->irq, ptnic_intr_rxq, 0, "ptnic-rxq", r);
		if (err)
			return err;
	}
	for (unsigned int i = 0; i < RSS_KEY_BYTES / 4; i++)
		writel((u32)ptnic_rss_key[4 * i] | (u32)ptnic_rss_key[4 * i + 1] << 8 |
			   (u32)ptnic_rss_key[4 * i + 2] << 16 |
			   (u32)ptnic_rss_key[4 * i + 3] << 24,
		       nic->hw + REG_RSSRK(i));
	for (unsigned int i = 0; i < RETA_ENTRIES / 4; i++) {
		u32 v = 0;

		for (unsigned int k = 0; k < 4; k++)
			v |= (u32)((4 * i + k) % nic->nrx) << (8 * k);
		writel(v, nic->hw + REG_RETA(i));
	}
	writel(MRQC_RSS_EN | MRQC_RSS_FIELD_TCP4 | MRQC_RSS_FIELD_IPV4, nic->hw + REG_MRQC);
	return 0;
}

static int ptnic_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct net_device *ndev;
	struct ptnic *nic;
	unsigned int want;
	int err;

	(void)id;
	err = pci_enable_device(pdev);
	if (err)
		return err;
	if (dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64)))
		return -EIO;
	pci_set_master(pdev);

	ndev = alloc_netdev_priv(sizeof(*nic), "eth0");
	if (!ndev)
		return -ENOMEM;
	nic = netdev_priv(ndev);
	nic->pdev = pdev;
	nic->ndev = ndev;
	SET_NETDEV_DEV(ndev, &pdev->dev);
	ndev->netdev_ops = &ptnic_netdev_ops;
	nic->budget = (unsigned int)module_param_u64("ptnic", "budget");
	nic->desc_cycles = module_param_u64("ptnic", "desc_cycles");
	pci_set_drvdata(pdev, nic);

	nic->hw = pci_iomap(pdev, 0, 0);
	if (!nic->hw)
		return -ENODEV;
	err = ptnic_reset(nic);
	if (err) {
		dev_err(&pdev->dev, "reset did not complete");
		return err;
	}
	if (!(readl(nic->hw + REG_STATUS) & STATUS_LU))
		dev_warn(&pdev->dev, "link is down");

	nic->rxq[0] = &nic->rx;
	err = ptnic_setup_rx(nic, &nic->rx, 0);
	if (err)
		return err;
	writel((u32)module_param_u64("ptnic", "itr"), nic->hw + REG_ITR);

	/* Receive queues: as many as asked, the device has and MSI-X vectors allow (one each). */
	want = (unsigned int)module_param_u64("ptnic", "queues");
	if (want > 1) {
		u32 have = readl(nic->hw + REG_RXQCAP);

		want = have && have < want ? have : want;
	}
	nic->intx = module_param_u64("ptnic", "intx") != 0;
	err = pci_alloc_irq_vectors(pdev, 1, nic->intx ? 1 : want,
				    nic->intx ? PCI_IRQ_LEGACY
					      : PCI_IRQ_MSIX | PCI_IRQ_LEGACY | PCI_IRQ_AFFINITY);
	if (err < 0)
		return err;
	nic->intx = !pdev->msix_enabled;
	nic->nrx = nic->intx ? 1 : (unsigned int)err;
	nic->rx.irq = pci_irq_vector(pdev, 0);
	nic->tx.irq = -1;
	/* Receive's vector; it cleans transmit too when transmit shares it (ndo_open decides). */
	err = request_irq((unsigned int)nic->rx.irq, ptnic_intr_shared, 0, "ptnic-rx", nic);
	if (err)
		return err;
	if (nic->nrx > 1) {
		err = ptnic_setup_rss(nic);
		if (err)
			return err;
	}

	writel(nic->nrx > 1 ? INT_RXQ_ALL(nic->nrx) : INT_RXT0, nic->hw + REG_IMS);
	writel(RCTL_EN, nic->hw + REG_RCTL);
	if (nic->nrx > 1)
		dev_info(&pdev->dev,
			 "ptnic: %u receive queues of %u descriptors, RSS, MSI-X vectors %d..",
			 nic->nrx, nic->rx.count, nic->rx.irq);
	else
		dev_info(&pdev->dev, "ptnic: %u receive descriptors, %s vector %d", nic->rx.count,
			 nic->intx ? "INTx" : "MSI-X", nic->rx.irq);
	return register_netdev(ndev);
}

static void ptnic_remove(struct pci_dev *pdev)
{
	struct ptnic *nic = pci_get_drvdata(pdev);

	ptnic_stop(nic->ndev);
	writel(0, nic->hw + REG_RCTL);
	writel(~0u, nic->hw + REG_IMC);
	for (unsigned int q = 1; q < nic->nrx; q++)
		free_irq((unsigned int)nic->rxq[q]->irq, nic->rxq[q]);
	free_irq((unsigned int)nic->rx.irq, nic);
	for (unsigned int q = 0; q < nic->nrx; q++)
		netif_napi_del(&nic->rxq[q]->napi);
	pci_free_irq_vectors(pdev);
	pci_clear_master(pdev);
}

static const struct pci_device_id ptnic_ids[] = {
	{PCI_DEVICE(PTNIC_VENDOR, PTNIC_DEVICE)},
	{PCI_DEVICE(PTNIC_VENDOR, PTNIC_VF_DEVICE)}, /* its SR-IOV VFs: the same registers */
	{0},
};

static const struct kernel_param ptnic_params[] = {
    module_param_uint(ring_size, 256, 8, 4096, "descriptors", "receive descriptors", .pow2 = true),
    module_param_uint(budget, 64, 1, 65536, "descriptors",
		      "each receive queue's NAPI weight: frames one poll cleans at most (Linux's "
		      "NAPI_POLL_WEIGHT, include/linux/netdevice.h; net.core.dev_weight's default "
		      "too)"),
    module_param_uint(
	itr, 0, 0, 65535, "x 256 ns",
	"interrupt throttle: minimum gap between interrupts, in 256 ns units (0: off)"),
    module_param_ullong(desc_cycles, 100, 0, 10000000, "cycles",
			"driver work per received descriptor"),
    module_param_bool(intx, false,
		      "use the legacy INTx line (through the I/O APIC) instead of MSI-X"),
    module_param_uint(tx_ring_size, 256, 8, 4096, "descriptors",
		      "transmit descriptors (e1000's default TxDescriptors)", .pow2 = true),
    module_param_ullong(tx_desc_cycles, 100, 0, 10000000, "cycles",
			"driver work per transmit descriptor, each time: filled in xmit, cleaned"),
    module_param_uint(tx_wake_thresh, 32, 1, 4096, "descriptors",
		      "free descriptors before a stopped queue wakes (e1000's TX_WAKE_THRESHOLD; "
		      "at most half the ring)"),
    module_param_bool(tx_shared_vector, false,
		      "transmit completions share the receive MSI-X vector instead of their own"),
    module_param_uint(rx_pool, 0, 0, 65536, "buffers",
		      "receive buffers beyond the ring in a LIFO pool a refill takes fresh ones "
		      "from (0: each slot reuses its own buffer)"),
    module_param_uint(queues, 1, 1, PTNIC_QUEUES, "queues",
		      "receive queues spread by RSS, a vector each (at most what the device has)"),
    module_param_uint(tx_queues, 1, 1, PTNIC_QUEUES, "queues",
		      "transmit queues, picked per flow by the kernel's hash; a vector each while "
		      "MSI-X entries are left, else sharing a receive queue's (at most what the "
		      "device has; 1 on INTx)"),
    {0},
};

struct pci_driver ptnic_driver = {
    .name = "ptnic",
    .id_table = ptnic_ids,
    .params = ptnic_params,
    .probe = ptnic_probe,
    .remove = ptnic_remove,
};
