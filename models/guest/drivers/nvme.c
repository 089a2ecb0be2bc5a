/* SPDX-License-Identifier: MIT */
/*
 * NVMe guest driver, written against hal.h only, in the shape of Linux's drivers/nvme/host/pci.c
 * and core.c.
 *
 * Probe (nvme_probe, nvme_reset_work): enable the function and bus mastering, map BAR0, read
 * CAP (queue depth from MQES, the doorbell stride from DSTRD), one MSI-X vector for the admin
 * queue; disable the controller and wait for CSTS.RDY to clear, allocate the admin queues
 * (dma_alloc_coherent), program AQA/ASQ/ACQ, enable it (CC: NVM command set, 4 KiB pages,
 * round robin, 64/16-byte entries) and wait for RDY; Identify the controller (its MDTS bounds
 * a request), ask for one I/O queue pair per vCPU (Set Features, Number of Queues), free the
 * admin vector and allocate one per I/O queue plus the admin's (nvme_setup_io_queues), Identify
 * the namespace (its size and LBA format), then create each I/O completion queue (with its
 * vector) and submission queue, and register a blk-mq tag set with a hardware queue per pair
 * and a disk. Admin commands wait for their completion, polling the admin queue between short
 * delays as well as taking its interrupt.
 *
 * I/O (nvme_queue_rq, nvme_setup_prps, nvme_irq): each request's buffer is dma_map_single'd;
 * PRP1 is its address, PRP2 the second page or a PRP list (a coherent page per tag, allocated
 * the first time a request needs it); the command goes into the queue's next submission slot,
 * whose tail doorbell the driver rings. The queue's interrupt handler consumes the completion
 * entries whose phase tag matches the queue's current phase (flipping it when the head wraps),
 * unmaps each request's buffer and ends it, then writes the completion queue head doorbell.
 */
#include "hal.h"
#include "nvme_ctrl_regs.h"

#include <string.h>

#define NVME_AQ_DEPTH	 32
#define NVME_ADMIN_POLLS 1000000 /* 1 us each: a second */

struct nvme_dev;

struct nvme_queue {
	struct nvme_dev *dev;
	struct nvme_command *sq_cmds;
	dma_addr_t sq_dma;
	struct nvme_completion *cqes;
	dma_addr_t cq_dma;
	u32 __iomem *q_db; /* SQ tail doorbell; the CQ head doorbell is db_stride further */
	u16 q_depth, sq_tail, cq_head, qid;
	u8 cq_phase;
	int vector; /* its MSI-X entry */
	struct blk_mq_hw_ctx *hctx;
	u64 irqs, completions;
};

/* Per request (blk_mq_rq_to_pdu): its mapping and its PRP list page. */
struct nvme_iod {
	dma_addr_t dma;
	unsigned int len;
	enum dma_data_direction dir;
	__le64 *prp_list;
	dma_addr_t prp_dma;
};

struct nvme_dev {
	struct pci_dev *pdev;
	void __iomem *bar;
	u32 __iomem *dbs;
	u32 db_stride;
	u64 cap;
	u16 q_depth;
	unsigned int nr_io_queues;
	struct nvme_queue queues[33]; /* admin + up to 32 I/O queues */
	bool shared_vector;	      /* one vector: the admin's handler serves queue 1 too */
	struct blk_mq_tag_set tagset;
	struct gendisk *disk;
	unsigned int lba_shift, max_hw_sectors;
	u64 nsze;
	u16 admin_cid;
	volatile bool admin_done;
	u16 admin_status;
	u32 admin_result;
	u64 submit_cycles, complete_cycles;
};

/* ---- queues ---- */

static void nvme_submit_cmd(struct nvme_queue *q, const struct nvme_command *cmd, bool write_sq)
{
	memcpy(&q->sq_cmds[q->sq_tail], cmd, sizeof(*cmd));
	if (++q->sq_tail == q->q_depth)
		q->sq_tail = 0;
	wmb(); /* the entry is in memory before the device sees the tail */
	if (write_sq)
		writel(q->sq_tail, q->q_db);
}

static void nvme_handle_cqe(struct nvme_queue *q, const struct nvme_completion *cqe)
{
	struct nvme_dev *dev = q->dev;
	u16 status = le16_to_cpu(cqe->status) >> 1;
	struct request *rq;
	struct nvme_iod *iod;

	if (!q->qid) {
		if (cqe->command_id == dev->admin_cid) {
			dev->admin_status = status;
			dev->admin_result = le32_to_cpu(cqe->result);
			dev->admin_done = true;
		}
		return;
	}
	rq = q->hctx ? blk_mq_tag_to_rq(q->hctx, cqe->command_id) : NULL;
	if (!rq) {
		dev_warn(&dev->pdev->dev, "nvme: invalid command id %u on queue %u",
			 cqe->command_id, q->qid);
		return;
	}
	cpu_cycles(dev->complete_cycles);
	iod = blk_mq_rq_to_pdu(rq);
	if (iod->len)
		dma_unmap_single(&dev->pdev->dev, iod->dma, iod->len, iod->dir);
	blk_mq_end_request(rq, status ? BLK_STS_IOERR : BLK_STS_OK);
}

/* Consume the entries whose phase tag is the current one (§4.6); then the head doorbell. */
static unsigned int nvme_process_cq(struct nvme_queue *q)
{
	unsigned int found = 0;

	while ((le16_to_cpu(READ_ONCE(q->cqes[q->cq_head].status)) & 1) == q->cq_phase) {
		dma_rmb(); /* nothing of the entry before its phase tag */
		nvme_handle_cqe(q, &q->cqes[q->cq_head]);
		if (++q->cq_head == q->q_depth) {
			q->cq_head = 0;
			q->cq_phase ^= 1;
		}
		found++;
	}
	if (found) {
		q->completions += found;
		writel(q->cq_head, q->q_db + q->dev->db_stride);
	}
	return found;
}

static irqreturn_t nvme_irq(int irq, void *data)
{
	struct nvme_queue *q = data;
	unsigned int found;

	(void)irq;
	q->irqs++;
	found = nvme_process_cq(q);
	if (!q->qid && q->dev->shared_vector && q->dev->queues[1].cqes)
		found += nvme_process_cq(&q->dev->queues[1]);
	return found ? IRQ_HANDLED : IRQ_NONE;
}

static int nvme_alloc_queue(struct nvme_dev *dev, u16 qid, u16 depth)
{
	struct nvme_queue *q = &dev->queues[qid];
	struct device *d = &dev->pdev->dev;

	q->dev = dev;
	q->qid = qid;
	q->q_depth = depth;
	q->cqes = dma_alloc_coherent(d, depth * sizeof(*q->cqes), &q->cq_dma, GFP_KERNEL);
	q->sq_cmds = dma_alloc_coherent(d, depth * sizeof(*q->sq_cmds), &q->sq_dma, GFP_KERNEL);
	if (!q->cqes || !q->sq_cmds)
		return -ENOMEM;
	memset(q->cqes, 0, depth * sizeof(*q->cqes));
	q->sq_tail = q->cq_head = 0;
	q->cq_phase = 1;
	q->q_db = &dev->dbs[qid * 2 * dev->db_stride];
	return 0;
}

/* ---- admin commands ---- */

/* Submit on the admin queue and wait for the completion (nvme_submit_sync_cmd). */
static int nvme_admin_sync(struct nvme_dev *dev, struct nvme_command *c, u32 *result)
{
	struct nvme_queue *aq = &dev->queues[0];

	c->command_id = cpu_to_le16(++dev->admin_cid);
	dev->admin_done = false;
	nvme_submit_cmd(aq, c, true);
	for (unsigned int i = 0; i < NVME_ADMIN_POLLS; i++) {
		local_irq_disable();
		nvme_process_cq(aq);
		local_irq_enable();
		if (dev->admin_done)
			break;
		udelay(1);
	}
	if (!dev->admin_done)
		return -ETIMEDOUT;
	if (result)
		*result = dev->admin_result;
	return dev->admin_status ? -EIO : 0;
}

static int nvme_identify(struct nvme_dev *dev, u8 cns, u32 nsid, u8 *buf)
{
	struct device *d = &dev->pdev->dev;
	struct nvme_command c = {0};
	dma_addr_t dma = dma_map_single(d, buf, 4096, DMA_FROM_DEVICE);
	int rc;

	if (dma_mapping_error(d, dma))
		return -ENOMEM;
	c.opcode = nvme_admin_identify;
	c.nsid = cpu_to_le32(nsid);
	c.prp1 = cpu_to_le64(dma);
	if (dma & (NVME_CTRL_PAGE_SIZE - 1)) /* the buffer crosses a page: PRP2 the second */
		c.prp2 = cpu_to_le64((dma + NVME_CTRL_PAGE_SIZE) & ~(u64)(NVME_CTRL_PAGE_SIZE - 1));
	c.cdw10 = cpu_to_le32(cns);
	rc = nvme_admin_sync(dev, &c, NULL);
	dma_unmap_single(d, dma, 4096, DMA_FROM_DEVICE);
	return rc;
}

static int nvme_create_queue(struct nvme_dev *dev, u16 qid)
{
	struct nvme_queue *q = &dev->queues[qid];
	struct nvme_command c = {0};
	int rc;

	q->vector = dev->shared_vector ? 0 : qid;
	c.opcode = nvme_admin_create_cq;
	c.prp1 = cpu_to_le64(q->cq_dma);
	c.cdw10 = cpu_to_le32(((u32)(q->q_depth - 1) << 16) | qid);
	c.cdw11 =
	    cpu_to_le32(((u32)q->vector << 16) | NVME_QUEUE_PHYS_CONTIG | NVME_CQ_IRQ_ENABLED);
	rc = nvme_admin_sync(dev, &c, NULL);
	if (rc)
		return rc;
	memset(&c, 0, sizeof(c));
	c.opcode = nvme_admin_create_sq;
	c.prp1 = cpu_to_le64(q->sq_dma);
	c.cdw10 = cpu_to_le32(((u32)(q->q_depth - 1) << 16) | qid);
	c.cdw11 = cpu_to_le32(((u32)qid << 16) | NVME_QUEUE_PHYS_CONTIG | NVME_SQ_PRIO_MEDIUM);
	rc = nvme_admin_sync(dev, &c, NULL);
	if (rc)
		return rc;
	if (dev->shared_vector)
		return 0;
	return request_irq((unsigned int)pci_irq_vector(dev->pdev, (unsigned int)q->vector),
			   nvme_irq, 0, "nvme-q", q);
}

/* ---- the controller ---- */

static int nvme_wait_ready(struct nvme_dev *dev, bool enabled)
{
	/* CAP.TO in 500 ms units bounds the wait (§3.1.1); look every 10 us */
	u64 polls = (NVME_CAP_TIMEOUT(dev->cap) + 1) * 50000;

	for (u64 i = 0; i < polls; i++) {
		u32 csts = readl(dev->bar + NVME_REG_CSTS);

		if (csts == ~0u)
			return -ENODEV;
		if (((csts & NVME_CSTS_RDY) != 0) == enabled)
			return 0;
		udelay(10);
	}
	return -ETIMEDOUT;
}

static int nvme_disable_ctrl(struct nvme_dev *dev)
{
	u32 cc = readl(dev->bar + NVME_REG_CC);

	if (!(cc & NVME_CC_ENABLE) && !(readl(dev->bar + NVME_REG_CSTS) & NVME_CSTS_RDY))
		return 0;
	writel(cc & ~(u32)NVME_CC_ENABLE, dev->bar + NVME_REG_CC);
	return nvme_wait_ready(dev, false);
}

static int nvme_enable_ctrl(struct nvme_dev *dev)
{
	u32 cc = NVME_CC_CSS_NVM | ((NVME_CTRL_PAGE_SHIFT - 12) << NVME_CC_MPS_SHIFT) |
		 NVME_CC_AMS_RR | NVME_CC_IOSQES | NVME_CC_IOCQES | NVME_CC_ENABLE;

	writel(cc, dev->bar + NVME_REG_CC);
	return nvme_wait_ready(dev, true);
}

/* The admin queue (nvme_pci_configure_admin_queue). */
static int nvme_configure_admin_queue(struct nvme_dev *dev)
{
	struct nvme_queue *aq = &dev->queues[0];
	int rc = nvme_disable_ctrl(dev);

	if (rc)
		return rc;
	rc = nvme_alloc_queue(dev, 0, NVME_AQ_DEPTH);
	if (rc)
		return rc;
	writel(((u32)(NVME_AQ_DEPTH - 1) << 16) | (NVME_AQ_DEPTH - 1), dev->bar + NVME_REG_AQA);
	/* lo_hi_writeq */
	writel((u32)aq->sq_dma, dev->bar + NVME_REG_ASQ);
	writel((u32)(aq->sq_dma >> 32), dev->bar + NVME_REG_ASQ + 4);
	writel((u32)aq->cq_dma, dev->bar + NVME_REG_ACQ);
	writel((u32)(aq->cq_dma >> 32), dev->bar + NVME_REG_ACQ + 4);
	return nvme_enable_ctrl(dev);
}

/* ---- blk-mq ---- */

static int nvme_init_hctx(struct blk_mq_hw_ctx *hctx, void *data, unsigned int hctx_idx)
{
	struct nvme_dev *dev = data;
	struct nvme_queue *q = &dev->queues[hctx_idx + 1];

	hctx->driver_data = q;
	q->hctx = hctx;
	return 0;
}

/* PRP1, and PRP2 as the second page or a PRP list (nvme_pci_setup_prps). */
static blk_status_t nvme_setup_prps(struct nvme_dev *dev, struct nvme_iod *iod,
				    struct nvme_command *c)
{
	u32 page = NVME_CTRL_PAGE_SIZE, offset = (u32)(iod->dma & (page - 1));
	u32 first = page - offset;
	dma_addr_t next = iod->dma + first;
	u32 rem;

	c->prp1 = cpu_to_le64(iod->dma);
	if (iod->len <= first)
		return BLK_STS_OK;
	rem = iod->len - first;
	if (rem <= page) {
		c->prp2 = cpu_to_le64(next);
		return BLK_STS_OK;
	}
	if (!iod->prp_list) {
		iod->prp_list =
		    dma_alloc_coherent(&dev->pdev->dev, page, &iod->prp_dma, GFP_ATOMIC);
		if (!iod->prp_list)
			return BLK_STS_RESOURCE;
	}
	for (unsigned int i = 0; rem; i++) {
		iod->prp_list[i] = cpu_to_le64(next);
		next += page;
		rem = rem > page ? rem - page : 0;
	}
	c->prp2 = cpu_to_le64(iod->prp_dma);
	return BLK_STS_OK;
}

static blk_status_t nvme_queue_rq(struct blk_mq_hw_ctx *hctx, const struct blk_mq_queue_data *bd)
{
	struct nvme_queue *q = hctx->driver_data;
	struct nvme_dev *dev = q->dev;
	struct request *rq = bd->rq;
	struct nvme_iod *iod = blk_mq_rq_to_pdu(rq);
	struct device *d = &dev->pdev->dev;
	struct nvme_command c = {0};
	u32 nlb;
	u64 slba;

	cpu_cycles(dev->submit_cycles);
	c.command_id = (u16)rq->tag;
	c.nsid = cpu_to_le32(1);
	iod->len = 0;
	if (req_op(rq) == REQ_OP_FLUSH) {
		c.opcode = nvme_cmd_flush;
		blk_mq_start_request(rq);
		nvme_submit_cmd(q, &c, bd->last);
		return BLK_STS_OK;
	}
	if (blk_rq_bytes(rq) > dev->max_hw_sectors << SECTOR_SHIFT)
		return BLK_STS_IOERR;
	iod->dir = req_op(rq) == REQ_OP_WRITE ? DMA_TO_DEVICE : DMA_FROM_DEVICE;
	iod->dma = dma_map_single(d, rq->buf, blk_rq_bytes(rq), iod->dir);
	if (dma_mapping_error(d, iod->dma))
		return BLK_STS_RESOURCE;
	iod->len = blk_rq_bytes(rq);
	if (nvme_setup_prps(dev, iod, &c) != BLK_STS_OK) {
		dma_unmap_single(d, iod->dma, iod->len, iod->dir);
		iod->len = 0;
		return BLK_STS_RESOURCE;
	}
	slba = blk_rq_pos(rq) >> (dev->lba_shift - SECTOR_SHIFT);
	nlb = blk_rq_bytes(rq) >> dev->lba_shift;
	c.opcode = req_op(rq) == REQ_OP_WRITE ? nvme_cmd_write : nvme_cmd_read;
	c.cdw10 = cpu_to_le32((u32)slba);
	c.cdw11 = cpu_to_le32((u32)(slba >> 32));
	c.cdw12 = cpu_to_le32(nlb - 1);
	blk_mq_start_request(rq);
	nvme_submit_cmd(q, &c, bd->last);
	return BLK_STS_OK;
}

static const struct blk_mq_ops nvme_mq_ops = {
    .queue_rq = nvme_queue_rq,
    .init_hctx = nvme_init_hctx,
};

/* ---- probe ---- */

static int nvme_setup_io_queues(struct nvme_dev *dev)
{
	unsigned int want = (unsigned int)module_param_u64("nvme", "io_queues");
	struct nvme_command c = {0};
	u32 result;
	int nvec, rc;

	if (!want)
		want = num_online_cpus(); /* one per CPU, as Linux's default */
	if (want > ARRAY_SIZE(dev->queues) - 1)
		want = ARRAY_SIZE(dev->queues) - 1;
	c.opcode = nvme_admin_set_features;
	c.cdw10 = cpu_to_le32(NVME_FEAT_NUM_QUEUES);
	c.cdw11 = cpu_to_le32(((want - 1) << 16) | (want - 1));
	rc = nvme_admin_sync(dev, &c, &result);
	if (rc)
		return rc;
	if ((result & 0xffff) + 1 < want)
		want = (result & 0xffff) + 1;
	if ((result >> 16) + 1 < want)
		want = (result >> 16) + 1;
	/* The admin vector was for bring-up: now one for it and one per I/O queue. */
	free_irq((unsigned int)pci_irq_vector(dev->pdev, 0), &dev->queues[0]);
	pci_free_irq_vectors(dev->pdev);
	nvec = pci_alloc_irq_vectors(dev->pdev, 1, want + 1, PCI_IRQ_MSIX);
	if (nvec < 0)
		return nvec;
	dev->shared_vector = nvec == 1;
	dev->nr_io_queues = nvec == 1 ? 1 : (unsigned int)nvec - 1;
	if (dev->nr_io_queues > want)
		dev->nr_io_queues = want;
	return request_irq((unsigned int)pci_irq_vector(dev->pdev, 0), nvme_irq, 0, "nvme-admin",
			   &dev->queues[0]);
}

static int nvme_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *d = &pdev->dev;
	struct nvme_dev *dev;
	u8 *ident;
	u32 depth;
	int rc;

	(void)id;
	rc = pci_enable_device(pdev);
	if (rc)
		return rc;
	if (dma_set_mask_and_coherent(d, DMA_BIT_MASK(64)))
		return -EIO;
	pci_set_master(pdev);
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	dev->pdev = pdev;
	pci_set_drvdata(pdev, dev);
	dev->submit_cycles = module_param_u64("nvme", "submit_cycles");
	dev->complete_cycles = module_param_u64("nvme", "complete_cycles");
	dev->bar = pci_iomap(pdev, 0, 0);
	if (!dev->bar)
		return -ENODEV;
	dev->dbs = (u32 __iomem *)((u8 __iomem *)dev->bar + NVME_REG_DBS);
	dev->cap = readq(dev->bar + NVME_REG_CAP);
	dev->db_stride = 1u << NVME_CAP_STRIDE(dev->cap);
	depth = (u32)module_param_u64("nvme", "io_queue_depth");
	dev->q_depth =
	    (u16)(NVME_CAP_MQES(dev->cap) + 1 < depth ? NVME_CAP_MQES(dev->cap) + 1 : depth);

	/* one vector for the admin queue during bring-up (nvme_pci_enable) */
	rc = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSIX);
	if (rc < 0)
		return rc;
	rc = nvme_configure_admin_queue(dev);
	if (rc) {
		dev_err(d, "nvme: the controller did not become ready (%d)", rc);
		return rc;
	}
	rc = request_irq((unsigned int)pci_irq_vector(pdev, 0), nvme_irq, 0, "nvme-admin",
			 &dev->queues[0]);
	if (rc)
		return rc;

	ident = kmalloc(4096, GFP_KERNEL);
	if (!ident)
		return -ENOMEM;
	rc = nvme_identify(dev, NVME_ID_CNS_CTRL, 0, ident);
	if (rc)
		return rc;
	/* MDTS in units of the minimum page size; 0: no limit (keep the block layer's) */
	dev->max_hw_sectors = 256;
	if (ident[NVME_ID_CTRL_MDTS])
		dev->max_hw_sectors = (NVME_CTRL_PAGE_SIZE << ident[NVME_ID_CTRL_MDTS]) >> 9;
	rc = nvme_setup_io_queues(dev);
	if (rc)
		return rc;
	rc = nvme_identify(dev, NVME_ID_CNS_NS, 1, ident);
	if (rc)
		return rc;
	memcpy(&dev->nsze, ident + NVME_ID_NS_NSZE, 8);
	{
		u32 lbaf;

		memcpy(&lbaf, ident + NVME_ID_NS_LBAF0 + 4 * (ident[NVME_ID_NS_FLBAS] & 0xf), 4);
		dev->lba_shift = (lbaf >> 16) & 0xff;
	}
	kfree(ident);
	if (dev->lba_shift < SECTOR_SHIFT)
		return -ENODEV;

	for (u16 qid = 1; qid <= dev->nr_io_queues; qid++) {
		rc = nvme_alloc_queue(dev, qid, dev->q_depth);
		if (!rc)
			rc = nvme_create_queue(dev, qid);
		if (rc) {
			dev_err(d, "nvme: I/O queue %u: %d", qid, rc);
			return rc;
		}
	}
	dev->tagset.ops = &nvme_mq_ops;
	dev->tagset.nr_hw_queues = dev->nr_io_queues;
	dev->tagset.queue_depth = dev->q_depth - 1u; /* a full queue keeps one slot empty */
	dev->tagset.cmd_size = sizeof(struct nvme_iod);
	dev->tagset.driver_data = dev;
	rc = blk_mq_alloc_tag_set(&dev->tagset);
	if (rc)
		return rc;
	dev->disk = blk_mq_alloc_disk(&dev->tagset, dev);
	if (!dev->disk)
		return -ENOMEM;
	memcpy(dev->disk->disk_name, "nvme0n1", 8);
	dev->disk->max_hw_sectors = dev->max_hw_sectors;
	set_capacity(dev->disk, dev->nsze << (dev->lba_shift - SECTOR_SHIFT));
	dev_info(d, "nvme: %u I/O queues of %u entries, %s, doorbell stride %u", dev->nr_io_queues,
		 dev->q_depth, dev->shared_vector ? "one shared vector" : "a vector each",
		 dev->db_stride * 4);
	return device_add_disk(d, dev->disk);
}

static void nvme_remove(struct pci_dev *pdev)
{
	struct nvme_dev *dev = pci_get_drvdata(pdev);
	u32 cc = readl(dev->bar + NVME_REG_CC);

	/* normal shutdown notification (nvme_disable_ctrl with shutdown) */
	writel((cc & ~(u32)NVME_CC_SHN_MASK) | NVME_CC_SHN_NORMAL, dev->bar + NVME_REG_CC);
	pci_free_irq_vectors(pdev);
	pci_clear_master(pdev);
}

static const struct pci_device_id nvme_ids[] = {
    {PCI_DEVICE(0x7074, 0x0002)}, /* ptsim's controller; Linux matches the class 010802 */
    {0},
};

static const struct kernel_param nvme_params[] = {
    module_param_uint(io_queues, 0, 0, 32, "queue pairs",
		      "I/O queue pairs to create (0: one per vCPU, as Linux)"),
    module_param_uint(io_queue_depth, 1024, 2, 4096, "entries",
		      "entries per I/O queue, at most the controller's MQES + 1 (Linux's "
		      "io_queue_depth)"),
    module_param_ullong(submit_cycles, 400, 0, 10000000, "cycles",
			"driver and block-layer work per request submitted (queue_rq; estimate)"),
    module_param_ullong(complete_cycles, 300, 0, 10000000, "cycles",
			"driver and block-layer work per completion (estimate)"),
    {0},
};

struct pci_driver nvme_driver = {
    .name = "nvme",
    .id_table = nvme_ids,
    .params = nvme_params,
    .probe = nvme_probe,
    .remove = nvme_remove,
};
