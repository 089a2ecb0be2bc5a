/* SPDX-License-Identifier: MIT */
/*
 * The nvme driver's probe and I/O path through the HAL: the driver (models/guest/drivers/
 * nvme.c, which includes hal.h only) is built against this file's implementation of hal.h,
 * which records every call. A register file stands for BAR0 and the test plays the controller:
 * a tail doorbell makes it execute the new submission entries at once and post completion
 * entries with the queue's phase tag; the test then calls the handler the driver requested for
 * the queue's vector. DMA addresses are the buffers' own addresses. What it checks:
 *  - probe resets the controller, programs AQA/ASQ/ACQ before setting CC.EN, and issues
 *    Identify controller, Set Features (number of queues: one per CPU), Identify namespace,
 *    then Create I/O CQ (its own vector, interrupts on) and Create I/O SQ for each queue; it
 *    takes one vector for bring-up, then one for the admin queue and one per I/O queue;
 *  - doorbells are at 0x1000 + (2y(+1)) x (4 << DSTRD) with CAP's stride;
 *  - queue_rq maps the buffer once (dma_map_single, the request's direction and size), and
 *    fills the entry: opcode, command ID = tag, SLBA, NLB, PRP1, and PRP2 as the second page or
 *    a PRP list, then rings the tail doorbell;
 *  - the interrupt handler consumes the entries whose phase tag is current, across the
 *    completion queue's wrap, unmaps exactly what was mapped, ends each request, and writes the
 *    head doorbell; a refused mapping returns BLK_STS_RESOURCE without touching the queue.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hal.h"
#include "drivers/nvme_drv.h"
#include "drivers/nvme_ctrl_regs.h"

#define BAR_SIZE 0x4000
#define DSTRD	 1 /* 8-byte doorbell stride */
static uint32_t regs[BAR_SIZE / 4];

/* the controller the test plays */
struct fq {
	uint64_t sq, cq;
	unsigned size, sq_head, cq_tail, phase, cqid, iv;
	bool valid;
};
static struct fq sqs[8], cqs[8];
static struct nvme_command log_cmd[64];
static unsigned log_qid[64], ncmds;
static unsigned pending_vec[64], npending;
static uint32_t cc_at_enable_aqa;
static uint64_t asq_at_enable, acq_at_enable;
static unsigned db_writes[0x400];

/* DMA-API and interrupt calls */
#define MAX_LOG 256
static struct {
	bool map;
	void *ptr;
	dma_addr_t addr;
	size_t size;
	enum dma_data_direction dir;
} dma_log[MAX_LOG];
static unsigned ndma;
static bool fail_next_map;
static struct {
	irq_handler_t fn;
	void *dev;
} irqs[64];
static unsigned alloc_calls, alloc_max[4];
static unsigned nvec;

/* blk-mq */
static struct blk_mq_tag_set *the_set;
static struct blk_mq_hw_ctx hctxs[8];
static struct request *rqs[8][64];
static struct gendisk the_disk;
static struct {
	int tag;
	blk_status_t st;
} ended[64];
static unsigned nended;

static struct {
	const char *name;
	u64 v;
} overrides[4] = {{"io_queue_depth", 4}};
static unsigned noverrides = 1;

static void *ptr(u64 a)
{
	return (void *)(uintptr_t)a;
}

static void post(unsigned qid, const struct nvme_command *c, u32 result, u16 status)
{
	struct fq *cq = &cqs[qid ? sqs[qid].cqid : 0];
	struct nvme_completion *e = (struct nvme_completion *)ptr(cq->cq) + cq->cq_tail;

	e->result = result;
	e->sq_head = (u16)sqs[qid].sq_head;
	e->sq_id = (u16)qid;
	e->command_id = c->command_id;
	e->status = (u16)(status << 1 | cq->phase);
	if (++cq->cq_tail == cq->size) {
		cq->cq_tail = 0;
		cq->phase ^= 1;
	}
	pending_vec[npending++ % 64] = cq->iv;
}

static void execute(unsigned qid, const struct nvme_command *c)
{
	if (ncmds < 64) {
		log_cmd[ncmds] = *c;
		log_qid[ncmds++] = qid;
	}
	if (qid) {
		/* a read: each block's stamp into the data the PRPs describe */
		if (c->opcode == nvme_cmd_read) {
			u8 *p = ptr(c->prp1);
			u64 v = c->cdw10;

			memcpy(p, &v, 8);
		}
		post(qid, c, 0, 0);
		return;
	}
	switch (c->opcode) {
	case nvme_admin_identify: {
		u8 *b = ptr(c->prp1);

		memset(b, 0, 4096);
		if (c->cdw10 == NVME_ID_CNS_CTRL) {
			b[NVME_ID_CTRL_MDTS] = 5;
		} else {
			u64 nsze = 1 << 20;
			u32 lbaf = 9u << 16;

			memcpy(b + NVME_ID_NS_NSZE, &nsze, 8);
			memcpy(b + NVME_ID_NS_LBAF0, &lbaf, 4);
		}
		post(0, c, 0, 0);
		break;
	}
	case nvme_admin_set_features:
		post(0, c, 7u << 16 | 7u, 0); /* 8 queues each way */
		break;
	case nvme_admin_create_cq: {
		unsigned q = c->cdw10 & 0xffff;

		cqs[q] = (struct fq){.cq = c->prp1,
				     .size = (c->cdw10 >> 16) + 1,
				     .phase = 1,
				     .iv = c->cdw11 >> 16,
				     .valid = true};
		post(0, c, 0, 0);
		break;
	}
	case nvme_admin_create_sq: {
		unsigned q = c->cdw10 & 0xffff;

		sqs[q].sq = c->prp1;
		sqs[q].size = (c->cdw10 >> 16) + 1;
		sqs[q].cqid = c->cdw11 >> 16;
		sqs[q].valid = true;
		post(0, c, 0, 0);
		break;
	}
	default:
		post(0, c, 0, 1);
	}
}

static void doorbell(uint32_t off, uint32_t v)
{
	uint32_t stride = 4u << DSTRD, idx = (off - 0x1000) / stride, q = idx / 2;

	if ((off - 0x1000) / 4 < 0x400)
		db_writes[(off - 0x1000) / 4]++;
	if ((off - 0x1000) % stride || idx % 2)
		return; /* a head doorbell: nothing to do here */
	while (sqs[q].sq_head != v) {
		const struct nvme_command *c =
		    (const struct nvme_command *)ptr(sqs[q].sq) + sqs[q].sq_head;

		sqs[q].sq_head = (sqs[q].sq_head + 1) % sqs[q].size;
		execute(q, c);
	}
}

u32 readl(const volatile void __iomem *addr)
{
	return *(const volatile u32 *)addr;
}

u64 readq(const volatile void __iomem *addr)
{
	return *(const volatile u64 *)addr;
}

void writel(u32 val, volatile void __iomem *addr)
{
	ptrdiff_t off = (const volatile uint8_t *)addr - (const volatile uint8_t *)regs;

	if (off >= 0x1000) {
		doorbell((uint32_t)off, val);
		return;
	}
	*(volatile u32 *)addr = val;
	if (off == NVME_REG_CC) {
		if (val & NVME_CC_ENABLE) {
			regs[NVME_REG_CSTS / 4] |= NVME_CSTS_RDY;
			cc_at_enable_aqa = regs[NVME_REG_AQA / 4];
			asq_at_enable = regs[NVME_REG_ASQ / 4] | (u64)regs[NVME_REG_ASQ / 4 + 1]
								     << 32;
			acq_at_enable = regs[NVME_REG_ACQ / 4] | (u64)regs[NVME_REG_ACQ / 4 + 1]
								     << 32;
			sqs[0] = (struct fq){.sq = asq_at_enable,
					     .size = (cc_at_enable_aqa & 0xfff) + 1,
					     .valid = true};
			cqs[0] = (struct fq){.cq = acq_at_enable,
					     .size = ((cc_at_enable_aqa >> 16) & 0xfff) + 1,
					     .phase = 1,
					     .valid = true};
		} else {
			regs[NVME_REG_CSTS / 4] &= ~(u32)NVME_CSTS_RDY;
		}
	}
}

void udelay(unsigned long usecs)
{
	(void)usecs;
}

void cpu_cycles(u64 cycles)
{
	(void)cycles;
}

void local_irq_disable(void)
{
}

void local_irq_enable(void)
{
}

int printk(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

void *kmalloc(size_t size, gfp_t gfp)
{
	(void)gfp;
	return aligned_alloc(4096, (size + 4095) & ~(size_t)4095);
}

void *kzalloc(size_t size, gfp_t gfp)
{
	void *p = kmalloc(size, gfp);

	memset(p, 0, size);
	return p;
}

void kfree(const void *p)
{
	free((void *)p);
}

int dma_set_mask_and_coherent(struct device *dev, u64 mask)
{
	(void)dev, (void)mask;
	return 0;
}

void *dma_alloc_coherent(struct device *dev, size_t size, dma_addr_t *handle, gfp_t gfp)
{
	void *p = kzalloc(size, gfp);

	(void)dev;
	*handle = (dma_addr_t)(uintptr_t)p;
	return p;
}

void dma_free_coherent(struct device *dev, size_t size, void *cpu_addr, dma_addr_t handle)
{
	(void)dev, (void)size, (void)handle;
	free(cpu_addr);
}

dma_addr_t dma_map_single(struct device *dev, void *p, size_t size, enum dma_data_direction dir)
{
	dma_addr_t a = fail_next_map ? DMA_MAPPING_ERROR : (dma_addr_t)(uintptr_t)p;

	(void)dev;
	fail_next_map = false;
	if (ndma < MAX_LOG)
		dma_log[ndma++] = (typeof(dma_log[0])){true, p, a, size, dir};
	return a;
}

void dma_unmap_single(struct device *dev, dma_addr_t addr, size_t size, enum dma_data_direction dir)
{
	(void)dev;
	if (ndma < MAX_LOG)
		dma_log[ndma++] = (typeof(dma_log[0])){false, NULL, addr, size, dir};
}

int pci_enable_device(struct pci_dev *pdev)
{
	(void)pdev;
	return 0;
}

void pci_set_master(struct pci_dev *pdev)
{
	(void)pdev;
}

void pci_clear_master(struct pci_dev *pdev)
{
	(void)pdev;
}

void __iomem *pci_iomap(struct pci_dev *pdev, int bar, unsigned long maxlen)
{
	(void)pdev, (void)bar, (void)maxlen;
	return regs;
}

int pci_alloc_irq_vectors(struct pci_dev *pdev, unsigned int min_vecs, unsigned int max_vecs,
			  unsigned int flags)
{
	(void)min_vecs;
	pdev->msix_enabled = (flags & PCI_IRQ_MSIX) != 0;
	if (alloc_calls < 4)
		alloc_max[alloc_calls] = max_vecs;
	alloc_calls++;
	nvec = max_vecs;
	return (int)nvec;
}

void pci_free_irq_vectors(struct pci_dev *pdev)
{
	(void)pdev;
	nvec = 0;
}

int pci_irq_vector(struct pci_dev *pdev, unsigned int nr)
{
	(void)pdev;
	return nr < nvec ? 0x20 + (int)nr : -EINVAL;
}

int request_irq(unsigned int irq, irq_handler_t handler, unsigned long flags, const char *name,
		void *dev)
{
	(void)flags, (void)name;
	if (irq >= 0x20 + 64 || irq < 0x20 || irqs[irq - 0x20].fn)
		return -EINVAL;
	irqs[irq - 0x20].fn = handler;
	irqs[irq - 0x20].dev = dev;
	return 0;
}

void free_irq(unsigned int irq, void *dev)
{
	(void)dev;
	irqs[irq - 0x20].fn = NULL;
}

u64 module_param_u64(const char *module, const char *name)
{
	(void)module;
	for (unsigned i = 0; i < noverrides; i++)
		if (!strcmp(overrides[i].name, name))
			return overrides[i].v;
	for (const struct kernel_param *p = nvme_driver.params; p->name; p++)
		if (!strcmp(p->name, name))
			return p->def;
	fail_msg("the driver asked for a parameter it does not declare: %s", name);
	return 0;
}

unsigned int num_online_cpus(void)
{
	return 2;
}

int blk_mq_alloc_tag_set(struct blk_mq_tag_set *set)
{
	the_set = set;
	for (unsigned q = 0; q < set->nr_hw_queues && q < 8; q++) {
		hctxs[q].queue_num = q;
		for (unsigned t = 0; t < set->queue_depth && t < 64; t++) {
			rqs[q][t] = calloc(1, sizeof(struct request) + set->cmd_size);
			rqs[q][t]->tag = (int)t;
			rqs[q][t]->mq_hctx = &hctxs[q];
		}
		set->ops->init_hctx(&hctxs[q], set->driver_data, q);
	}
	return 0;
}

void blk_mq_free_tag_set(struct blk_mq_tag_set *set)
{
	(void)set;
}

struct gendisk *blk_mq_alloc_disk(struct blk_mq_tag_set *set, void *queuedata)
{
	the_disk.tag_set = set;
	the_disk.private_data = queuedata;
	return &the_disk;
}

int device_add_disk(struct device *parent, struct gendisk *disk)
{
	disk->parent = parent;
	return 0;
}

struct request *blk_mq_tag_to_rq(struct blk_mq_hw_ctx *hctx, unsigned int tag)
{
	return tag < 64 ? rqs[hctx->queue_num][tag] : NULL;
}

void blk_mq_start_request(struct request *rq)
{
	(void)rq;
}

void blk_mq_end_request(struct request *rq, blk_status_t error)
{
	if (nended < 64)
		ended[nended++] = (typeof(ended[0])){rq->tag, error};
}

/* ---- the tests ---- */

static struct pci_dev pdev;

static int setup(void **state)
{
	struct pci_device_id id = {0x7074, 0x0002, 0};

	(void)state;
	/* CAP: MQES 1023, TO 1, DSTRD 1, NVM command set */
	regs[0] = 1023 | 1u << 16 | 1u << 24;
	regs[1] = DSTRD | 1u << 5;
	return nvme_driver.probe(&pdev, &id);
}

static void test_probe(void **state)
{
	(void)state;
	/* AQA/ASQ/ACQ were set when CC.EN went to 1: 32 entries each */
	assert_int_equal(cc_at_enable_aqa, 31u << 16 | 31u);
	assert_true(asq_at_enable && acq_at_enable);
	assert_true(regs[NVME_REG_CC / 4] & NVME_CC_ENABLE);
	assert_int_equal(regs[NVME_REG_CC / 4] & 0x00ff0000u, NVME_CC_IOSQES | NVME_CC_IOCQES);
	/* the admin commands, in Linux's order */
	assert_int_equal(ncmds, 7);
	assert_int_equal(log_cmd[0].opcode, nvme_admin_identify);
	assert_int_equal(log_cmd[0].cdw10, NVME_ID_CNS_CTRL);
	assert_int_equal(log_cmd[1].opcode, nvme_admin_set_features);
	assert_int_equal(log_cmd[1].cdw10, NVME_FEAT_NUM_QUEUES);
	assert_int_equal(log_cmd[1].cdw11, 1u << 16 | 1u); /* two CPUs: two queues, 0's based */
	assert_int_equal(log_cmd[2].opcode, nvme_admin_identify);
	assert_int_equal(log_cmd[2].cdw10, NVME_ID_CNS_NS);
	assert_int_equal(log_cmd[2].nsid, 1);
	for (unsigned q = 1; q <= 2; q++) {
		const struct nvme_command *cq = &log_cmd[1 + 2 * q], *sq = &log_cmd[2 + 2 * q];

		assert_int_equal(cq->opcode, nvme_admin_create_cq);
		assert_int_equal(cq->cdw10, 3u << 16 | q); /* io_queue_depth 4 */
		assert_int_equal(cq->cdw11, q << 16 | NVME_QUEUE_PHYS_CONTIG | NVME_CQ_IRQ_ENABLED);
		assert_int_equal(sq->opcode, nvme_admin_create_sq);
		assert_int_equal(sq->cdw10 & 0xffff, q);
		assert_int_equal(sq->cdw11 >> 16, q); /* on its own completion queue */
	}
	/* one vector for bring-up, then the admin's and one per I/O queue, each with a handler */
	assert_int_equal(alloc_calls, 2);
	assert_int_equal(alloc_max[0], 1);
	assert_int_equal(alloc_max[1], 3);
	for (unsigned v = 0; v < 3; v++)
		assert_non_null(irqs[v].fn);
	assert_non_null(the_set);
	assert_int_equal(the_set->nr_hw_queues, 2);
	assert_int_equal(the_set->queue_depth, 3);
	assert_int_equal(the_disk.capacity, 1u << 20);
	assert_int_equal(the_disk.max_hw_sectors, (4096u << 5) >> 9);
	/* the admin SQ tail doorbell (0x1000), written once per command; its CQ head doorbell
	 * at 0x1000 + 1 * (4 << DSTRD) */
	assert_int_equal(db_writes[0], 7);
	assert_int_equal(db_writes[(4u << DSTRD) / 4], 7);
}

static blk_status_t submit(unsigned q, int tag, enum req_op op, sector_t sector, void *buf,
			   unsigned len)
{
	struct request *rq = rqs[q][tag];
	struct blk_mq_queue_data bd = {rq, true};

	rq->op = op;
	rq->sector = sector;
	rq->buf = buf;
	rq->data_len = len;
	return the_set->ops->queue_rq(&hctxs[q], &bd);
}

static void interrupt(void)
{
	while (npending) {
		unsigned v = pending_vec[--npending % 64];

		irqs[v].fn(0x20 + (int)v, irqs[v].dev);
	}
}

static void test_io_prps(void **state)
{
	uint8_t *buf = aligned_alloc(4096, 8 * 4096);
	unsigned c0 = ncmds, d0 = ndma;
	const struct nvme_command *c;
	const __le64 *list;

	(void)state;
	/* 4 KiB aligned: PRP1 only */
	assert_int_equal(submit(0, 0, REQ_OP_READ, 80, buf, 4096), BLK_STS_OK);
	c = &log_cmd[c0];
	assert_int_equal(log_qid[c0], 1);
	assert_int_equal(c->opcode, nvme_cmd_read);
	assert_int_equal(c->command_id, 0);
	assert_int_equal(c->cdw10, 80);
	assert_int_equal(c->cdw12, 7);
	assert_int_equal(c->prp1, (uintptr_t)buf);
	assert_int_equal(c->prp2, 0);
	assert_true(dma_log[d0].map);
	assert_int_equal(dma_log[d0].size, 4096);
	assert_int_equal(dma_log[d0].dir, DMA_FROM_DEVICE);
	/* the SQ 1 tail doorbell: 0x1000 + 2 x (4 << DSTRD) */
	assert_int_equal(db_writes[2 * (4u << DSTRD) / 4], 1);
	interrupt();
	assert_int_equal(nended, 1);
	assert_int_equal(ended[0].st, BLK_STS_OK);
	assert_false(dma_log[d0 + 1].map);
	assert_int_equal(dma_log[d0 + 1].addr, dma_log[d0].addr);
	assert_int_equal(dma_log[d0 + 1].size, 4096);
	assert_int_equal(dma_log[d0 + 1].dir, DMA_FROM_DEVICE);
	/* its CQ head doorbell: 0x1000 + 3 x (4 << DSTRD), to 1 */
	assert_int_equal(db_writes[3 * (4u << DSTRD) / 4], 1);

	/* 4 KiB from mid-page, a write: PRP2 is the next page */
	assert_int_equal(submit(0, 1, REQ_OP_WRITE, 8, buf + 0x800, 4096), BLK_STS_OK);
	c = &log_cmd[c0 + 1];
	assert_int_equal(c->opcode, nvme_cmd_write);
	assert_int_equal(c->prp1, (uintptr_t)buf + 0x800);
	assert_int_equal(c->prp2, (uintptr_t)buf + 0x1000);
	assert_int_equal(dma_log[d0 + 2].dir, DMA_TO_DEVICE);
	interrupt();

	/* 16 KiB from mid-page: PRP2 points to a list of four pages */
	assert_int_equal(submit(0, 2, REQ_OP_READ, 16, buf + 0x200, 16384), BLK_STS_OK);
	c = &log_cmd[c0 + 2];
	assert_int_equal(c->prp1, (uintptr_t)buf + 0x200);
	list = ptr(c->prp2);
	assert_non_null(list);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(list[i], (uintptr_t)buf + 0x1000 * (i + 1));
	interrupt();
	assert_int_equal(nended, 3);
	free(buf);
}

static void test_phase_wrap_and_refusal(void **state)
{
	uint8_t *buf = aligned_alloc(4096, 4096);
	unsigned e0 = nended, n0 = ncmds, maps = 0, unmaps = 0;

	(void)state;
	/* queue 2 (depth 4): six requests one by one, the completion queue wraps after four */
	for (int i = 0; i < 6; i++) {
		assert_int_equal(submit(1, i % 3, REQ_OP_READ, (sector_t)i * 8, buf, 4096),
				 BLK_STS_OK);
		interrupt();
		assert_int_equal(nended, e0 + (unsigned)i + 1);
		assert_int_equal(ended[e0 + (unsigned)i].tag, i % 3);
	}
	/* nothing more is consumed: the stale entries of the first lap carry the old phase */
	assert_int_equal(irqs[2].fn(0x22, irqs[2].dev), IRQ_NONE);
	assert_int_equal(nended, e0 + 6);
	for (unsigned i = 0; i < ndma; i++)
		dma_log[i].map ? maps++ : unmaps++;
	assert_int_equal(maps, unmaps);
	/* a refused mapping: BLK_STS_RESOURCE, nothing submitted */
	fail_next_map = true;
	assert_int_equal(submit(1, 0, REQ_OP_READ, 0, buf, 4096), BLK_STS_RESOURCE);
	assert_int_equal(ncmds, n0 + 6);
	free(buf);
}

/* The driver's copy of the layout, against numbers typed from NVMe 1.4 (§3.1, §4.2, §4.6). */
static void test_layout(void **state)
{
	(void)state;
	assert_int_equal(NVME_REG_CC, 0x14);
	assert_int_equal(NVME_REG_CSTS, 0x1c);
	assert_int_equal(NVME_REG_AQA, 0x24);
	assert_int_equal(NVME_REG_ASQ, 0x28);
	assert_int_equal(NVME_REG_ACQ, 0x30);
	assert_int_equal(NVME_REG_DBS, 0x1000);
	assert_int_equal(offsetof(struct nvme_command, prp1), 24);
	assert_int_equal(offsetof(struct nvme_command, prp2), 32);
	assert_int_equal(offsetof(struct nvme_command, cdw10), 40);
	assert_int_equal(offsetof(struct nvme_completion, sq_head), 8);
	assert_int_equal(offsetof(struct nvme_completion, command_id), 12);
	assert_int_equal(offsetof(struct nvme_completion, status), 14);
	assert_int_equal(NVME_CC_IOSQES, 6 << 16);
	assert_int_equal(NVME_CC_IOCQES, 4 << 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_probe),
	    cmocka_unit_test(test_io_prps),
	    cmocka_unit_test(test_phase_wrap_and_refusal),
	    cmocka_unit_test(test_layout),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
