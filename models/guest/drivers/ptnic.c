/* SPDX-License-Identifier: MIT */
/*
 * ptnic guest driver. Written against hal.h only, in the shape of Linux's e1000 receive path:
 * probe enables the function, resets it, builds a descriptor ring of receive buffers, sets
 * up one MSI-X vector (or, with intx=1 or no MSI-X, the legacy INTx line); the interrupt
 * handler polls as NAPI does -- cleans completed descriptors up to a budget, passes frames up
 * the stack, refills the ring and moves the tail, and polls again while a poll used its whole
 * budget -- then re-enables the auto-masked interrupt cause. On a possibly
 * shared INTx line the handler first reads ICR, which says whether the interrupt is ours and,
 * being read-to-clear, makes the device drop the line.
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
 * that interrupt's refill, once the stack is done with them (NAPI's GRO flush at the end of
 * the poll) -- as e1000 hands each received skb up and allocates a new one. How deep into the
 * pool the refills reach then depends on how many frames each interrupt brought.
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

/* The transmit ring: hardware owns [next_to_clean, next_to_use) until it writes DD back. */
struct ptnic_tx_ring {
	struct ptnic_tx_desc *desc;
	dma_addr_t dma;
	unsigned int count, next_to_use, next_to_clean;
	struct sk_buff **skb;
	dma_addr_t *buf_dma;
	struct msi_map map; /* its own MSI-X entry and vector, when it has them */
	int irq;	    /* its own vector, or -1 when it shares the receive one */
	bool open;
	unsigned int wake_thresh;
	u64 desc_cycles;
	u64 irqs, frames, map_waits;
};

struct ptnic {
	struct pci_dev *pdev;
	struct net_device *ndev;
	void __iomem *hw;
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
	bool intx;
	unsigned int budget;
	u64 desc_cycles;
	u64 irqs, irqs_no_work, frames, alloc_failed;
	struct ptnic_tx_ring tx;
};

/* Slots the driver may still fill: one stays empty, so that a full ring (RDT one behind RDH)
 * differs from an empty one (RDT == RDH). */
static unsigned int ptnic_unused(const struct ptnic *nic)
{
	return (nic->next_to_clean + nic->count - nic->next_to_use - 1) % nic->count;
}

/* Map and post buffers in the empty slots from next_to_use on; move the tail if any were. */
static void ptnic_alloc_rx_buffers(struct ptnic *nic)
{
	struct device *dev = &nic->pdev->dev;
	unsigned int n = ptnic_unused(nic), i = nic->next_to_use;

	while (n--) {
		dma_addr_t dma;

		if (nic->pool) {
			if (!nic->npool) {
				nic->alloc_failed++;
				break;
			}
			nic->buf[i] = nic->pool[--nic->npool];
		}
		dma = dma_map_single(dev, nic->buf[i], RX_BUF_SIZE, DMA_FROM_DEVICE);
		if (dma_mapping_error(dev, dma)) {
			nic->alloc_failed++;
			if (nic->pool) {
				nic->pool[nic->npool++] = nic->buf[i];
				nic->buf[i] = NULL;
			}
			break; /* the ring stays shorter; the next refill starts here */
		}
		nic->buf_dma[i] = dma;
		nic->ring[i].addr = cpu_to_le64(dma);
		i = (i + 1) % nic->count;
	}
	if (i == nic->next_to_use)
		return;
	nic->next_to_use = i;
	wmb();
	/* Hand the posted buffers over: hardware owns [RDH, RDT). */
	writel(i, nic->hw + REG_RDT);
}

/* One NAPI poll: clean up to `budget` completed descriptors, pass their frames up, refill. */
static unsigned int ptnic_poll_rx(struct ptnic *nic)
{
	unsigned int done = 0;

	while (done < nic->budget) {
		unsigned int i = nic->next_to_clean;
		struct ptnic_rx_desc *d = &nic->ring[i];

		if (i == nic->next_to_use || !(READ_ONCE(d->status) & RXD_STAT_DD))
			break;
		dma_rmb(); /* read the rest of the descriptor after DD */
		cpu_cycles(nic->desc_cycles);
		/* The device is done with the buffer: unmap it before the CPU reads the frame. */
		dma_unmap_single(&nic->pdev->dev, nic->buf_dma[i], RX_BUF_SIZE, DMA_FROM_DEVICE);
		nic->buf_dma[i] = DMA_MAPPING_ERROR;
		netif_receive_frame(nic->ndev, nic->buf[i], le16_to_cpu(d->length));
		if (nic->pool) {
			nic->held[nic->nheld++] = nic->buf[i];
			nic->buf[i] = NULL;
		}
		d->status = 0;
		nic->next_to_clean = (i + 1) % nic->count;
		done++;
	}
	nic->frames += done;
	ptnic_alloc_rx_buffers(nic);
	/* The stack is done with this poll's frames: their buffers go back, last on top. */
	for (unsigned int k = 0; k < nic->nheld; k++)
		nic->pool[nic->npool++] = nic->held[k];
	nic->nheld = 0;
	return done;
}

static irqreturn_t ptnic_intr(int irq, void *data)
{
	struct ptnic *nic = data;
	unsigned int done, total = 0;

	(void)irq;
	if (nic->intx && !(readl(nic->hw + REG_ICR) & INT_RXT0))
		return IRQ_NONE; /* another device's interrupt on a shared line */
	nic->irqs++;
	/* A poll that used its whole budget may have left frames behind whose cause the message
	 * already carried away: poll again before re-enabling the cause, as NAPI does
	 * (napi_complete_done only when a poll did less than its budget). Otherwise they would
	 * wait in the ring for a frame that may never come. */
	do {
		done = ptnic_poll_rx(nic);
		total += done;
	} while (done == nic->budget);
	if (!total)
		nic->irqs_no_work++;
	if (!nic->intx)
		writel(INT_RXT0, nic->hw + REG_IMS); /* the cause was auto-masked by the message */
	return IRQ_HANDLED;
}

/* ---- transmit ---- */

/* Descriptors software may still fill; one stays empty, so that TDH == TDT means empty. */
static unsigned int ptnic_tx_unused(const struct ptnic_tx_ring *tx)
{
	return tx->count - 1 - (tx->next_to_use + tx->count - tx->next_to_clean) % tx->count;
}

/* The frames the device has sent: unmap, hand back, and wake the queue when there is room. */
static unsigned int ptnic_clean_tx(struct ptnic *nic)
{
	struct ptnic_tx_ring *tx = &nic->tx;
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
	if (done && netif_queue_stopped(nic->ndev) && ptnic_tx_unused(tx) >= tx->wake_thresh)
		netif_wake_queue(nic->ndev);
	return done;
}

/* The transmit vector: clean, then re-enable the auto-masked cause. */
static irqreturn_t ptnic_intr_tx(int irq, void *data)
{
	struct ptnic *nic = data;

	(void)irq;
	nic->tx.irqs++;
	ptnic_clean_tx(nic);
	writel(INT_TXDW, nic->hw + REG_IMS);
	return IRQ_HANDLED;
}

/* One vector (tx_shared_vector) or the INTx line for both: receive first -- on INTx its ICR
 * read drops the line for both causes -- then whatever the device has sent. */
static irqreturn_t ptnic_intr_shared(int irq, void *data)
{
	struct ptnic *nic = data;
	irqreturn_t ret = ptnic_intr(irq, data);

	if (!nic->tx.open || nic->tx.irq >= 0)
		return ret;
	nic->tx.irqs++;
	if (ptnic_clean_tx(nic))
		ret = IRQ_HANDLED;
	if (!nic->intx)
		writel(INT_TXDW, nic->hw + REG_IMS);
	return ret;
}

static netdev_tx_t ptnic_xmit_frame(struct sk_buff *skb, struct net_device *ndev)
{
	struct ptnic *nic = netdev_priv(ndev);
	struct ptnic_tx_ring *tx = &nic->tx;
	struct device *dev = &nic->pdev->dev;
	unsigned int i = tx->next_to_use;
	struct ptnic_tx_desc *d = &tx->desc[i];
	dma_addr_t dma;

	if (!ptnic_tx_unused(tx)) {
		/* the queue was stopped when the ring filled; a caller that did not look */
		netif_stop_queue(ndev);
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
			netif_stop_queue(ndev);
			mb();
			if (tx->next_to_clean == tx->next_to_use)
				netif_start_queue(ndev); /* the caller tries again at once */
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
	writel(tx->next_to_use, nic->hw + REG_TDT);
	/* e1000_maybe_stop_tx: stop before the next frame finds no room, then look again in
	 * case a completion made room in between. */
	if (!ptnic_tx_unused(tx)) {
		netif_stop_queue(ndev);
		mb();
		if (ptnic_tx_unused(tx) >= tx->wake_thresh)
			netif_start_queue(ndev);
	}
	return NETDEV_TX_OK;
}

/* ndo_open: the transmit ring and its interrupt (Linux: e1000_open's
 * e1000_setup_all_tx_resources, e1000_configure_tx, e1000_request_irq). The receive side is
 * up since probe. */
static int ptnic_open(struct net_device *ndev)
{
	struct ptnic *nic = netdev_priv(ndev);
	struct ptnic_tx_ring *tx = &nic->tx;
	struct device *dev = &nic->pdev->dev;
	int err;

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
	writel((u32)tx->dma, nic->hw + REG_TDBAL);
	writel((u32)(tx->dma >> 32), nic->hw + REG_TDBAH);
	writel(tx->count * (u32)sizeof(*tx->desc), nic->hw + REG_TDLEN);
	writel(0, nic->hw + REG_TDH);
	writel(0, nic->hw + REG_TDT);
	tx->irq = -1;
	if (!nic->intx) {
		if (!module_param_u64("ptnic", "tx_shared_vector") &&
		    pci_msix_can_alloc_dyn(nic->pdev)) {
			tx->map = pci_msix_alloc_irq_at(nic->pdev, 1, NULL);
			if (tx->map.index >= 0)
				tx->irq = tx->map.virq; /* else: share the receive vector */
		}
		/* Which entry each cause raises: receive 0, transmit its own or the shared 0. */
		writel(IVAR_RX(0) | IVAR_RX_VALID | IVAR_TX(tx->irq >= 0 ? (u32)tx->map.index : 0) |
			   IVAR_TX_VALID,
		       nic->hw + REG_IVAR);
		if (tx->irq >= 0) {
			err = request_irq((unsigned int)tx->irq, ptnic_intr_tx, 0, "ptnic-tx", nic);
			if (err)
				return err;
		}
	}
	tx->open = true;
	writel(INT_TXDW, nic->hw + REG_IMS);
	writel(TCTL_EN | TCTL_PSP, nic->hw + REG_TCTL);
	netif_start_queue(ndev);
	dev_info(dev, "ptnic: %u transmit descriptors, %s", tx->count,
		 nic->intx	? "on the INTx line"
		 : tx->irq >= 0 ? "their own vector"
				: "sharing the receive vector");
	return 0;
}

/* ndo_stop: transmit off, what is still in the ring unmapped and dropped. */
static int ptnic_stop(struct net_device *ndev)
{
	struct ptnic *nic = netdev_priv(ndev);
	struct ptnic_tx_ring *tx = &nic->tx;
	struct device *dev = &nic->pdev->dev;

	if (!tx->open)
		return 0;
	netif_stop_queue(ndev);
	writel(0, nic->hw + REG_TCTL);
	writel(INT_TXDW, nic->hw + REG_IMC);
	if (tx->irq >= 0) {
		free_irq((unsigned int)tx->irq, nic);
		pci_msix_free_irq(nic->pdev, tx->map);
		tx->irq = -1;
	}
	for (unsigned int i = tx->next_to_clean; i != tx->next_to_use; i = (i + 1) % tx->count) {
		dma_unmap_single(dev, tx->buf_dma[i], tx->skb[i]->len, DMA_TO_DEVICE);
		dev_kfree_skb_any(tx->skb[i]);
		tx->skb[i] = NULL;
	}
	tx->open = false;
	dma_free_coherent(dev, tx->count * sizeof(*tx->desc), tx->desc, tx->dma);
	kfree(tx->skb);
	kfree(tx->buf_dma);
	tx->desc = NULL;
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

static int ptnic_setup_rx(struct ptnic *nic)
{
	struct device *dev = &nic->pdev->dev;

	nic->ring = dma_alloc_coherent(dev, nic->count * sizeof(*nic->ring), &nic->ring_dma,
				       GFP_KERNEL);
	unsigned int extra = (unsigned int)module_param_u64("ptnic", "rx_pool");

	nic->buf = kzalloc(nic->count * sizeof(*nic->buf), GFP_KERNEL);
	nic->buf_dma = kzalloc(nic->count * sizeof(*nic->buf_dma), GFP_KERNEL);
	if (!nic->ring || !nic->buf || !nic->buf_dma)
		return -ENOMEM;
	for (unsigned int i = 0; i < nic->count; i++)
		nic->buf_dma[i] = DMA_MAPPING_ERROR;
	if (extra) {
		unsigned int n = nic->count - 1 + extra;

		nic->pool = kzalloc(n * sizeof(*nic->pool), GFP_KERNEL);
		nic->held = kzalloc(nic->count * sizeof(*nic->held), GFP_KERNEL);
		if (!nic->pool || !nic->held)
			return -ENOMEM;
		/* Allocated in address order and stacked so that the first refill takes them so. */
		for (unsigned int k = 0; k < n; k++) {
			nic->pool[n - 1 - k] = kmalloc(RX_BUF_SIZE, GFP_KERNEL);
			if (!nic->pool[n - 1 - k])
				return -ENOMEM;
		}
		nic->npool = n;
	} else {
		for (unsigned int i = 0; i < nic->count; i++) {
			nic->buf[i] = kmalloc(RX_BUF_SIZE, GFP_KERNEL);
			if (!nic->buf[i])
				return -ENOMEM;
		}
	}
	writel((u32)nic->ring_dma, nic->hw + REG_RDBAL);
	writel((u32)(nic->ring_dma >> 32), nic->hw + REG_RDBAH);
	writel(nic->count * (u32)sizeof(*nic->ring), nic->hw + REG_RDLEN);
	writel(0, nic->hw + REG_RDH);
	writel(0, nic->hw + REG_RDT);
	nic->next_to_clean = nic->next_to_use = 0;
	ptnic_alloc_rx_buffers(nic);
	if (nic->next_to_use == 0)
		return -ENOMEM; /* not one buffer could be mapped */
	return 0;
}

static int ptnic_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct net_device *ndev;
	struct ptnic *nic;
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
	nic->count = (unsigned int)module_param_u64("ptnic", "ring_size");
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

	err = ptnic_setup_rx(nic);
	if (err)
		return err;
	writel((u32)module_param_u64("ptnic", "itr"), nic->hw + REG_ITR);

	nic->intx = module_param_u64("ptnic", "intx") != 0;
	err = pci_alloc_irq_vectors(pdev, 1, 1,
				    nic->intx ? PCI_IRQ_LEGACY : PCI_IRQ_MSIX | PCI_IRQ_LEGACY);
	if (err < 0)
		return err;
	nic->intx = !pdev->msix_enabled;
	nic->irq = pci_irq_vector(pdev, 0);
	nic->tx.irq = -1;
	/* Receive's vector; it cleans transmit too when transmit shares it (ndo_open decides). */
	err = request_irq((unsigned int)nic->irq, ptnic_intr_shared, 0, "ptnic-rx", nic);
	if (err)
		return err;

	writel(INT_RXT0, nic->hw + REG_IMS);
	writel(RCTL_EN, nic->hw + REG_RCTL);
	dev_info(&pdev->dev, "ptnic: %u receive descriptors, %s vector %d", nic->count,
		 nic->intx ? "INTx" : "MSI-X", nic->irq);
	return register_netdev(ndev);
}

static void ptnic_remove(struct pci_dev *pdev)
{
	struct ptnic *nic = pci_get_drvdata(pdev);

	ptnic_stop(nic->ndev);
	writel(0, nic->hw + REG_RCTL);
	writel(~0u, nic->hw + REG_IMC);
	free_irq((unsigned int)nic->irq, nic);
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
		      "descriptors cleaned per interrupt at most"),
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
    {0},
};

struct pci_driver ptnic_driver = {
    .name = "ptnic",
    .id_table = ptnic_ids,
    .params = ptnic_params,
    .probe = ptnic_probe,
    .remove = ptnic_remove,
};
