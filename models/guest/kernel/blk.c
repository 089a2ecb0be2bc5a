/* SPDX-License-Identifier: MIT */
/*
 * The block layer, reduced to what a blk-mq driver calls and what an application doing direct
 * asynchronous I/O needs (Linux's block/blk-mq.c, blk-mq-tag.c, genhd.c): tag sets with a free
 * list of tags per hardware queue, requests with the driver's data after them, disks, and a
 * submission path that takes a tag, fills the request and calls the driver's queue_rq; the
 * driver's blk_mq_end_request frees the tag and tells the submitter.
 */
#include "models/guest/kernel/gk_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gk_hctx {
	struct blk_mq_hw_ctx hctx;
	struct request **rqs; /* by tag */
	unsigned *free_tags;  /* a stack */
	unsigned nfree;
};

struct gk_tags {
	struct gk_hctx *h;
	unsigned n;
	unsigned char *mem;
};

struct gk_blk {
	struct gendisk *disks[4];
	unsigned ndisks;
	struct gk_tags *sets[4];
	unsigned nsets;
	void (*done)(void *ctx, uint64_t cookie, int status);
	void *done_ctx;
	uint64_t completions; /* for gk_blk_wait */
	uint64_t seen;
};

struct gk_rq {
	struct gk *g;
	uint64_t cookie;
};

static struct gk_blk *blk_of(struct gk *g)
{
	if (!g->blk)
		g->blk = calloc(1, sizeof(*g->blk));
	return g->blk;
}

void gk__blk_free(struct gk *g)
{
	struct gk_blk *b = g->blk;

	if (!b)
		return;
	for (unsigned i = 0; i < b->nsets; i++) {
		for (unsigned q = 0; q < b->sets[i]->n; q++) {
			free(b->sets[i]->h[q].rqs);
			free(b->sets[i]->h[q].free_tags);
		}
		free(b->sets[i]->h);
		free(b->sets[i]->mem);
		free(b->sets[i]);
	}
	for (unsigned i = 0; i < b->ndisks; i++)
		free(b->disks[i]);
	free(b);
	g->blk = NULL;
}

/* Each request: the request, the kernel's own bookkeeping, the driver's cmd_size bytes; the
 * driver's part right after struct request (blk_mq_rq_to_pdu). */
static size_t rq_size(const struct blk_mq_tag_set *set)
{
	size_t s = sizeof(struct request) + set->cmd_size + sizeof(struct gk_rq);

	return (s + 15) & ~(size_t)15;
}

static struct gk_rq *rq_priv(struct request *rq, const struct blk_mq_tag_set *set)
{
	return (struct gk_rq *)((unsigned char *)(rq + 1) + set->cmd_size);
}

int blk_mq_alloc_tag_set(struct blk_mq_tag_set *set)
{
	struct gk *g = gk__self();
	struct gk_blk *b = blk_of(g);
	struct gk_tags *t;
	size_t per = rq_size(set);

	if (!b || !set->nr_hw_queues || !set->queue_depth || b->nsets == ARRAY_SIZE(b->sets))
		return -ENOMEM;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	b->sets[b->nsets++] = t;
	set->hal = t;
	t->n = set->nr_hw_queues;
	t->h = calloc(t->n, sizeof(*t->h));
	t->mem = calloc((size_t)t->n * set->queue_depth, per);
	if (!t->h || !t->mem)
		return -ENOMEM;
	for (unsigned q = 0; q < t->n; q++) {
		struct gk_hctx *h = &t->h[q];

		h->hctx.queue_num = q;
		h->hctx.hal = set;
		h->rqs = calloc(set->queue_depth, sizeof(*h->rqs));
		h->free_tags = calloc(set->queue_depth, sizeof(*h->free_tags));
		if (!h->rqs || !h->free_tags)
			return -ENOMEM;
		for (unsigned k = 0; k < set->queue_depth; k++) {
			struct request *rq =
			    (struct request *)(t->mem + ((size_t)q * set->queue_depth + k) * per);

			rq->tag = (int)k;
			rq->mq_hctx = &h->hctx;
			rq->hal = set;
			rq_priv(rq, set)->g = g;
			h->rqs[k] = rq;
			/* lowest tags first, as sbitmap hands them out */
			h->free_tags[set->queue_depth - 1 - k] = k;
		}
		h->nfree = set->queue_depth;
		if (set->ops->init_hctx) {
			int rc = set->ops->init_hctx(&h->hctx, set->driver_data, q);

			if (rc)
				return rc;
		}
	}
	return 0;
}

void blk_mq_free_tag_set(struct blk_mq_tag_set *set)
{
	(void)set; /* freed with the kernel */
}

struct gendisk *blk_mq_alloc_disk(struct blk_mq_tag_set *set, void *queuedata)
{
	struct gk_blk *b = blk_of(gk__self());
	struct gendisk *d;

	if (!b || b->ndisks == ARRAY_SIZE(b->disks))
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->tag_set = set;
	d->private_data = queuedata;
	d->max_hw_sectors = 256;
	d->hal = gk__self();
	b->disks[b->ndisks++] = d;
	return d;
}

int device_add_disk(struct device *parent, struct gendisk *disk)
{
	disk->parent = parent;
	printk("%s: %llu sectors, %u hardware queues of %u", disk->disk_name,
	       (unsigned long long)disk->capacity, disk->tag_set->nr_hw_queues,
	       disk->tag_set->queue_depth);
	return 0;
}

struct request *blk_mq_tag_to_rq(struct blk_mq_hw_ctx *hctx, unsigned int tag)
{
	const struct blk_mq_tag_set *set = hctx->hal;
	struct gk_hctx *h = (struct gk_hctx *)hctx;

	return tag < set->queue_depth ? h->rqs[tag] : NULL;
}

void blk_mq_start_request(struct request *rq)
{
	(void)rq;
}

void blk_mq_end_request(struct request *rq, blk_status_t error)
{
	const struct blk_mq_tag_set *set = rq->hal;
	struct gk_rq *p = rq_priv(rq, set);
	struct gk_hctx *h = (struct gk_hctx *)rq->mq_hctx;
	struct gk_blk *b = p->g->blk;

	h->free_tags[h->nfree++] = (unsigned)rq->tag;
	b->completions++;
	if (b->done)
		b->done(b->done_ctx, p->cookie, error);
}

unsigned int num_online_cpus(void)
{
	const struct gk *g = gk__self();

	return g->bp.ncpus ? (unsigned int)g->bp.ncpus : 1;
}

/* ---- the application's side ---- */

struct gendisk *gk_disk_of(struct gk *g, uint16_t bdf)
{
	struct gk_blk *b = g->blk;

	for (unsigned i = 0; b && i < b->ndisks; i++) {
		const struct device *p = b->disks[i]->parent;
		const struct pci_dev *pdev =
		    p ? (const struct pci_dev *)((const char *)p - offsetof(struct pci_dev, dev))
		      : NULL;

		if (pdev && ((const struct gk_dev *)pdev->dev.hal)->bdf == bdf)
			return b->disks[i];
	}
	return NULL;
}

unsigned gk_disk_queues(const struct gendisk *d)
{
	return d->tag_set->nr_hw_queues;
}

uint64_t gk_disk_sectors(const struct gendisk *d)
{
	return d->capacity;
}

unsigned gk_disk_max_bytes(const struct gendisk *d)
{
	return d->max_hw_sectors << SECTOR_SHIFT;
}

void *gk_blk_alloc_buf(struct gk *g, size_t len)
{
	return gk__alloc(g, len, 4096, NULL);
}

void gk_blk_set_done(struct gk *g, void (*done)(void *ctx, uint64_t cookie, int status), void *ctx)
{
	struct gk_blk *b = blk_of(g);

	if (b) {
		b->done = done;
		b->done_ctx = ctx;
	}
}

int gk_blk_submit(struct gk *g, struct gendisk *d, unsigned hctx, bool write, uint64_t sector,
		  unsigned len, void *buf, uint64_t cookie)
{
	struct blk_mq_tag_set *set = d->tag_set;
	struct gk_tags *t = set->hal;
	struct gk_hctx *h = &t->h[hctx % t->n];
	struct blk_mq_queue_data bd;
	struct request *rq;
	blk_status_t st;

	(void)g;
	if (!len || len > gk_disk_max_bytes(d) || (len & ((1u << SECTOR_SHIFT) - 1)) ||
	    sector + (len >> SECTOR_SHIFT) > d->capacity)
		return -EINVAL;
	if (!h->nfree)
		return GK_BLK_BUSY;
	rq = h->rqs[h->free_tags[--h->nfree]];
	rq->op = write ? REQ_OP_WRITE : REQ_OP_READ;
	rq->sector = sector;
	rq->data_len = len;
	rq->buf = buf;
	rq_priv(rq, set)->cookie = cookie;
	bd.rq = rq;
	bd.last = true;
	st = set->ops->queue_rq(&h->hctx, &bd);
	if (st == BLK_STS_OK)
		return 0;
	h->free_tags[h->nfree++] = (unsigned)rq->tag;
	return st == BLK_STS_RESOURCE ? GK_BLK_BUSY : -EIO;
}

void gk_blk_wait(struct gk *g, bool halt)
{
	struct gk_blk *b = g->blk;

	if (!b)
		return;
	if (!halt) {
		while (b->completions == b->seen)
			isa_compute(100);
		b->seen = b->completions;
		return;
	}
	/* Look with interrupts off, then STI;HLT (as gk_net_wait_tx). */
	isa_cli();
	while (b->completions == b->seen) {
		gk__dma_flush(g);
		isa_safe_halt();
		isa_cli();
	}
	isa_sti();
	b->seen = b->completions;
}
