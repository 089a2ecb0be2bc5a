/* SPDX-License-Identifier: MIT */
/*
 * ptnic guest driver. Written against hal.h only, in the shape of Linux's e1000 receive path:
 * probe enables the function, resets it, builds a descriptor ring of receive buffers, sets
 * up one MSI-X vector (or, with intx=1 or no MSI-X, the legacy INTx line); the interrupt
 * handler cleans completed descriptors (up to a budget), passes frames up the stack, refills
 * the ring, moves the tail and re-enables the auto-masked interrupt cause. On a possibly
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

static irqreturn_t ptnic_intr(int irq, void *data)
{
	struct ptnic *nic = data;
	unsigned int done = 0;

	(void)irq;
	if (nic->intx && !(readl(nic->hw + REG_ICR) & INT_RXT0))
		return IRQ_NONE; /* another device's interrupt on a shared line */
	nic->irqs++;
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
	if (!done)
		nic->irqs_no_work++;
	ptnic_alloc_rx_buffers(nic);
	/* The stack is done with this interrupt's frames: their buffers go back, last on top. */
	for (unsigned int k = 0; k < nic->nheld; k++)
		nic->pool[nic->npool++] = nic->held[k];
	nic->nheld = 0;
	if (!nic->intx)
		writel(INT_RXT0, nic->hw + REG_IMS); /* the cause was auto-masked by the message */
	return IRQ_HANDLED;
}

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
	err = request_irq((unsigned int)nic->irq, ptnic_intr, 0, "ptnic-rx", nic);
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
