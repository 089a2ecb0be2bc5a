/* SPDX-License-Identifier: MIT */
/*
 * The NVMe controller (NVM Express Base Specification 1.4). Registers are data (sim/regs);
 * CC.EN brings the controller up after ready_ns with the admin queues of AQA/ASQ/ACQ (§7.6.1)
 * and clearing it resets the controller: every I/O queue deleted, commands abandoned.
 *
 * The controller is one actor. A tail doorbell (§4.1) wakes it; it fetches each new entry of
 * every submission queue, round robin (§4.11.1), by a 64-byte DMA read, walks its PRPs (§4.3:
 * PRP1, then PRP2 as a second page or as a pointer to PRP lists, read by DMA), and executes it:
 * a write's data is read from host memory by DMA and then goes to the media; a read waits for
 * the media and its data is written to host memory by DMA. The media takes its latency per
 * command and serializes data at its internal bandwidth, one pipe for all commands, so that a
 * deep queue reaches the bandwidth and a shallow one sees the latency. All DMA timing is
 * computed when a command is taken (pcie_dma_submit), as the NIC does; the data lands in memory
 * when its DMA completes. When its data is done, the command takes the next slot of its
 * completion queue -- or waits while that queue is full (tail one behind the head the host
 * last wrote, §4.1) -- and its 16-byte entry is written by DMA with the queue's phase tag,
 * which flips each time the tail wraps (§4.6). When the entry is in memory, the queue's MSI-X
 * vector (Create I/O CQ's IV; the admin queue's is 0) is sent, one message for the entries of
 * one queue posted together; a masked vector sets its PBA bit and sends when unmasked.
 */
#include "models/devices/nvme.h"
#include "models/devices/nvme_regs.h"
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

#define NEVER	  UINT64_MAX
#define PAGE	  4096u
#define REG_SPACE 0x40

struct nvme_sq {
	bool valid;
	uint64_t base;
	uint32_t size;	     /* entries */
	uint32_t head, tail; /* head: the next entry to fetch; tail: the host's doorbell */
	uint16_t cqid;
};

struct nvme_cq {
	bool valid;
	uint64_t base;
	uint32_t size;
	uint32_t head, tail; /* head: the host's doorbell; tail: the next slot to post */
	unsigned phase;	     /* the phase tag of the current lap, 1 on the first */
	uint16_t iv;
	bool ien;
	bool posted; /* entries posted in this pass: its vector is due */
};

enum cmd_stage { CMD_FREE, CMD_DATA, CMD_POST };

struct nvme_cmd {
	enum cmd_stage stage;
	uint16_t sqid, cid, status;
	uint32_t dw0;
	bool io, is_read;
	uint64_t t_fetch, t_ready, t_cqe;
	uint32_t len;
	unsigned ndma;
	struct pcie_dma *dma; /* the data pieces' DMAs */
	unsigned cap_dma;
	/* data to host memory (a read, Identify): its pieces, whose DMAs are issued when the
	 * data is ready -- a DMA reserves the link from its issue on, so none is issued ahead */
	bool to_host;
	int np;
	struct nvme_prp_piece *pc;
	size_t cap_pc;
	uint8_t *buf;
	size_t cap_buf;
	struct pcie_dma cqe_dma;
	uint8_t cqe[NVME_CQE_SIZE];
	uint16_t cqid;
};

struct nvme {
	struct nvme_cfg cfg;
	struct pcie_fabric *fab;
	struct pcie_fn *fn;
	struct regs r;
	struct regs msix;
	unsigned nvec;
	uint64_t pba[2];
	uint64_t ready_at; /* CSTS.RDY from then on (NEVER: disabled) */
	bool enabled;
	struct nvme_sq *sq; /* 0: admin, 1..io_queues */
	struct nvme_cq *cq;
	unsigned rr; /* round-robin arbitration: the queue to look at first */
	struct nvme_cmd *cmds;
	unsigned ninflight;
	uint64_t media_free; /* the media pipe is busy until then */
	struct nvme_prp_piece *pieces;
	struct sim_event *wake;
	int track;
	void (*msi_probe)(void *ctx, unsigned entry, uint64_t t_ps);
	void *msi_probe_ctx;
	struct nvme_stats st;
};

static uint64_t rd(const struct nvme *c, uint32_t off, unsigned w)
{
	return regs_get(&c->r, off, w);
}

static unsigned nqueues(const struct nvme *c)
{
	return c->cfg.io_queues + 1;
}

static uint32_t max_bytes(const struct nvme *c)
{
	return PAGE << c->cfg.mdts;
}

static void define_regs(struct nvme *c)
{
	uint64_t cap = NVME_CAP_SET_MQES(c->cfg.mqes - 1) | NVME_CAP_CQR |
		       NVME_CAP_SET_TO((c->cfg.ready_ps / 500000000000ull) + 1) |
		       NVME_CAP_SET_DSTRD(c->cfg.dstrd) | NVME_CAP_CSS_NVM |
		       NVME_CAP_SET_MPSMIN(0) | NVME_CAP_SET_MPSMAX(0);

	regs_define(&c->r, NVME_REG_CAP, 8, cap, 0, 0, 0);
	regs_define(&c->r, NVME_REG_VS, 4, NVME_VS(1, 4, 0), 0, 0, 0);
	regs_define(&c->r, NVME_REG_INTMS, 4, 0, 0, 0, 0);
	regs_define(&c->r, NVME_REG_INTMC, 4, 0, 0, 0, 0);
	regs_define(&c->r, NVME_REG_CC, 4, 0, NVME_CC_WRITABLE, 0, 0);
	regs_define(&c->r, NVME_REG_CSTS, 4, 0, 0, 0, 0);
	regs_define(&c->r, NVME_REG_NSSR, 4, 0, 0, 0, 0);
	regs_define(&c->r, NVME_REG_AQA, 4, 0, 0x0fff0fffu, 0, 0);
	regs_define(&c->r, NVME_REG_ASQ, 8, 0, ~0xfffull, 0, 0);
	regs_define(&c->r, NVME_REG_ACQ, 8, 0, ~0xfffull, 0, 0);
	for (unsigned i = 0; i < c->nvec; i++) {
		uint32_t e = i * PCI_MSIX_ENTRY_SIZE;

		regs_define(&c->msix, e + PCI_MSIX_ENTRY_LOWER_ADDR, 4, 0, 0xfffffffcu, 0, 0);
		regs_define(&c->msix, e + PCI_MSIX_ENTRY_UPPER_ADDR, 4, 0, 0xffffffffu, 0, 0);
		regs_define(&c->msix, e + PCI_MSIX_ENTRY_DATA, 4, 0, 0xffffffffu, 0, 0);
		regs_define(&c->msix, e + PCI_MSIX_ENTRY_VECTOR_CTRL, 4,
			    PCI_MSIX_ENTRY_CTRL_MASKBIT, PCI_MSIX_ENTRY_CTRL_MASKBIT, 0, 0);
	}
}

/* ---- the PRP walk (§4.3) ---- */

int nvme_prp_walk(uint64_t prp1, uint64_t prp2, uint32_t len, uint32_t page,
		  bool (*read_list)(void *ctx, uint64_t addr, uint64_t *entries, unsigned n),
		  void *ctx, struct nvme_prp_piece *out, unsigned max, unsigned *list_reads)
{
	uint32_t off = (uint32_t)(prp1 & (page - 1)), first, rem;
	uint64_t list = prp2, ent[512];
	unsigned n = 0;

	if (!len || !max || (prp1 & 3))
		return -1;
	first = page - off < len ? page - off : len;
	out[n++] = (struct nvme_prp_piece){prp1, first};
	rem = len - first;
	if (!rem)
		return (int)n;
	if (rem <= page) {
		/* PRP2 is the second page: no offset (§4.3) */
		if (prp2 & (page - 1) || n == max)
			return -1;
		out[n++] = (struct nvme_prp_piece){prp2, rem};
		return (int)n;
	}
	/* PRP2 points to a PRP list; a list page's last entry points to the next list page when
	 * more entries are needed than the page holds (§4.3, Figure 88). */
	if (list & 7)
		return -1;
	while (rem) {
		unsigned room = (page - (uint32_t)(list & (page - 1))) / 8;
		unsigned need = (rem + page - 1) / page, take = need <= room ? need : room;

		if (take > 512 || !read_list(ctx, list, ent, take))
			return -1;
		if (list_reads)
			(*list_reads)++;
		for (unsigned i = 0; i < take; i++) {
			uint32_t l;

			if (need > room && i == take - 1) {
				list = ent[i]; /* the chain goes on */
				if (list & 7)
					return -1;
				break;
			}
			if ((ent[i] & (page - 1)) || n == max)
				return -1;
			l = rem < page ? rem : page;
			out[n++] = (struct nvme_prp_piece){ent[i], l};
			rem -= l;
		}
	}
	return (int)n;
}

/* ---- interrupts ---- */

static unsigned msix_cap(const struct nvme *c)
{
	return pcie_fn_cap_offset(c->fn, PCI_CAP_ID_MSIX);
}

static bool msix_enabled(const struct nvme *c, bool *fn_masked)
{
	uint16_t ctl = (uint16_t)pcie_fn_cfg_get(c->fn, msix_cap(c) + PCI_MSIX_FLAGS, 2);

	*fn_masked = ctl & PCI_MSIX_FLAGS_MASKALL;
	return ctl & PCI_MSIX_FLAGS_ENABLE;
}

static void msix_raise(struct nvme *c, unsigned e, uint64_t t)
{
	uint32_t base = e * PCI_MSIX_ENTRY_SIZE;
	uint64_t addr;
	uint32_t data, ctrl;
	struct pcie_irq irq;
	bool fn_masked;

	if (e >= c->nvec || !msix_enabled(c, &fn_masked))
		return; /* no pin interrupt: ptsim's controller needs MSI-X */
	ctrl = (uint32_t)regs_get(&c->msix, base + PCI_MSIX_ENTRY_VECTOR_CTRL, 4);
	if (fn_masked || (ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT)) {
		if (!(c->pba[e / 64] & (1ull << (e % 64))))
			c->st.msis_pended++;
		c->pba[e / 64] |= 1ull << (e % 64);
		return;
	}
	c->pba[e / 64] &= ~(1ull << (e % 64));
	addr = regs_get(&c->msix, base + PCI_MSIX_ENTRY_LOWER_ADDR, 4) |
	       regs_get(&c->msix, base + PCI_MSIX_ENTRY_UPPER_ADDR, 4) << 32;
	data = (uint32_t)regs_get(&c->msix, base + PCI_MSIX_ENTRY_DATA, 4);
	if (trace_on())
		trace_set_current_flow(trace_new_flow());
	if (pcie_msi_send(c->fn, addr, data, t, &irq) == 0) {
		if (trace_on()) {
			trace_instant(sim_trace, c->track, "irq", "MSI-X write", t, NULL);
			trace_flow(sim_trace, c->track, "interrupt", trace_current_flow(), t, 's');
		}
		c->st.msis_sent++;
		if (c->msi_probe)
			c->msi_probe(c->msi_probe_ctx, e, t);
	}
	trace_set_current_flow(0);
}

/* Pending messages whose vector is unmasked now go. */
static void pba_release(struct nvme *c, uint64_t now)
{
	for (unsigned e = 0; e < c->nvec; e++)
		if (c->pba[e / 64] & (1ull << (e % 64))) {
			uint32_t ctrl = (uint32_t)regs_get(
			    &c->msix, e * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_VECTOR_CTRL, 4);
			bool fn_masked;

			if (msix_enabled(c, &fn_masked) && !fn_masked &&
			    !(ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT))
				msix_raise(c, e, now);
		}
}

/* ---- commands ---- */

struct dma_ctx {
	struct nvme *c;
	uint64_t t;
	bool ok;
};

/* A PRP list read: one DMA, in the command's timeline. */
static bool read_list(void *ctx, uint64_t addr, uint64_t *ent, unsigned n)
{
	struct dma_ctx *d = ctx;
	struct pcie_dma dma = {.addr = addr, .len = n * 8, .t_issue = d->t};

	pcie_dma_submit(d->c->fn, &dma);
	d->c->st.prp_list_reads++;
	if (dma.status != PCIE_DMA_OK) {
		d->c->st.dma_errors++;
		d->ok = false;
		return false;
	}
	pcie_dma_read_data(d->c->fn, &dma, ent);
	d->t = dma.t_done;
	return true;
}

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
	void *q;

	if (need <= *cap)
		return true;
	q = realloc(*p, need * elem);
	if (!q)
		return false;
	*p = q;
	*cap = need;
	return true;
}

/* The data pieces of a command as DMAs issued at t (write: device to host), or an error. */
static uint16_t data_dmas(struct nvme *c, struct nvme_cmd *k, int np, bool to_host, uint64_t t,
			  uint64_t *t_done)
{
	size_t cap = k->cap_dma;
	uint32_t at = 0;

	if (!grow((void **)&k->dma, &cap, (size_t)np, sizeof(*k->dma)) ||
	    !grow((void **)&k->buf, &k->cap_buf, k->len, 1))
		return NVME_SC_DATA_XFER_ERROR;
	k->cap_dma = (unsigned)cap;
	k->ndma = (unsigned)np;
	*t_done = t;
	for (int i = 0; i < np; i++) {
		struct pcie_dma *d = &k->dma[i];

		memset(d, 0, sizeof(*d));
		d->addr = c->pieces[i].addr;
		d->len = c->pieces[i].len;
		d->write = to_host;
		d->t_issue = t;
		pcie_dma_submit(c->fn, d);
		if (d->status != PCIE_DMA_OK) {
			c->st.dma_errors++;
			return NVME_SC_DATA_XFER_ERROR;
		}
		if (!to_host)
			pcie_dma_read_data(c->fn, d, k->buf + at);
		at += d->len;
		if (d->t_done > *t_done)
			*t_done = d->t_done;
	}
	return NVME_SC_SUCCESS;
}

/* Keep the walk's pieces for the DMAs issued later (post). */
static uint16_t keep_pieces(struct nvme *c, struct nvme_cmd *k, int np)
{
	if (!grow((void **)&k->pc, &k->cap_pc, (size_t)np, sizeof(*k->pc)))
		return NVME_SC_DATA_XFER_ERROR;
	memcpy(k->pc, c->pieces, (size_t)np * sizeof(*k->pc));
	k->np = np;
	k->to_host = true;
	return NVME_SC_SUCCESS;
}

/* The media: latency from `t`, and the data through the shared pipe. */
static uint64_t media(struct nvme *c, bool is_read, uint32_t len, uint64_t t)
{
	double gbps = is_read ? c->cfg.read_gbps : c->cfg.write_gbps;
	uint64_t xfer = sim_round_u64((double)len * 8.0 * 1000.0 / gbps);
	uint64_t start = t > c->media_free ? t : c->media_free;
	uint64_t done = t + (is_read ? c->cfg.read_ps : c->cfg.write_ps);

	c->media_free = start + xfer;
	c->st.busy_ps += xfer;
	return done > c->media_free ? done : c->media_free;
}

static void fill_identify(const struct nvme *c, uint8_t cns, uint8_t *b)
{
	memset(b, 0, NVME_IDENTIFY_SIZE);
	if (cns == NVME_ID_CNS_CTRL) {
		uint16_t vid = NVME_VENDOR_ID;
		char sn[21], mn[41];

		memcpy(b + NVME_ID_CTRL_VID, &vid, 2);
		memcpy(b + NVME_ID_CTRL_SSVID, &vid, 2);
		snprintf(sn, sizeof(sn), "%-20.20s", c->cfg.name);
		snprintf(mn, sizeof(mn), "%-40s", "ptsim NVMe controller");
		memcpy(b + NVME_ID_CTRL_SN, sn, 20);
		memcpy(b + NVME_ID_CTRL_MN, mn, 40);
		memcpy(b + NVME_ID_CTRL_FR, "1.0     ", 8);
		b[NVME_ID_CTRL_MDTS] = (uint8_t)c->cfg.mdts;
		nvme_put32(b + NVME_ID_CTRL_VER, NVME_VS(1, 4, 0));
		b[NVME_ID_CTRL_SQES] = NVME_SQES << 4 | NVME_SQES;
		b[NVME_ID_CTRL_CQES] = NVME_CQES << 4 | NVME_CQES;
		nvme_put32(b + NVME_ID_CTRL_NN, 1);
	} else {
		uint64_t nlb = c->cfg.ns_bytes >> NVME_LBA_SHIFT;

		nvme_put64(b + NVME_ID_NS_NSZE, nlb);
		nvme_put64(b + NVME_ID_NS_NCAP, nlb);
		nvme_put64(b + NVME_ID_NS_NUSE, nlb);
		b[NVME_ID_NS_NLBAF] = 0;
		b[NVME_ID_NS_FLBAS] = 0;
		nvme_put32(b + NVME_ID_NS_LBAF0, (uint32_t)NVME_LBA_SHIFT << 16);
	}
}

/* Admin commands (§5): executed at fetch; their data (Identify) goes to host memory then. */
static uint16_t admin(struct nvme *c, struct nvme_cmd *k, const uint8_t *sqe, uint64_t t)
{
	uint32_t cdw10 = nvme_le32(sqe + NVME_SQE_CDW10), cdw11 = nvme_le32(sqe + NVME_SQE_CDW11);
	uint16_t qid = NVME_CDW10_QID(cdw10);
	uint32_t qsize = NVME_CDW10_QSIZE(cdw10) + 1u;
	uint64_t prp1 = nvme_le64(sqe + NVME_SQE_PRP1);

	c->st.admin_cmds++;
	k->t_ready = t + c->cfg.admin_ps;
	switch (nvme_sqe_opcode(sqe)) {
	case nvme_admin_identify: {
		uint8_t cns = (uint8_t)cdw10;
		struct dma_ctx d = {c, t, true};
		int np;

		if (cns != NVME_ID_CNS_CTRL && cns != NVME_ID_CNS_NS)
			return NVME_SC_INVALID_FIELD | NVME_SC_DNR;
		if (cns == NVME_ID_CNS_NS && nvme_le32(sqe + NVME_SQE_NSID) != 1)
			return NVME_SC_INVALID_NS | NVME_SC_DNR;
		np =
		    nvme_prp_walk(prp1, nvme_le64(sqe + NVME_SQE_PRP2), NVME_IDENTIFY_SIZE, PAGE,
				  read_list, &d, c->pieces, (PAGE << c->cfg.mdts) / PAGE + 1, NULL);
		if (np < 0)
			return NVME_SC_DATA_XFER_ERROR;
		k->len = NVME_IDENTIFY_SIZE;
		if (!grow((void **)&k->buf, &k->cap_buf, k->len, 1))
			return NVME_SC_DATA_XFER_ERROR;
		fill_identify(c, cns, k->buf);
		return keep_pieces(c, k, np);
	}
	case nvme_admin_set_features: {
		uint32_t n = c->cfg.io_queues;

		if ((cdw10 & 0xff) != NVME_FEAT_NUM_QUEUES)
			return NVME_SC_INVALID_FIELD | NVME_SC_DNR;
		k->dw0 = (n - 1) << 16 | (n - 1); /* NCQA, NSQA: what the controller has */
		return NVME_SC_SUCCESS;
	}
	case nvme_admin_create_cq: {
		struct nvme_cq *q;

		if (!qid || qid >= nqueues(c) || c->cq[qid].valid)
			return NVME_SC_QID_INVALID | NVME_SC_DNR;
		if (qsize < 2 || qsize > c->cfg.mqes)
			return NVME_SC_QUEUE_SIZE | NVME_SC_DNR;
		if (!(cdw11 & NVME_QUEUE_PHYS_CONTIG) || (prp1 & (PAGE - 1)))
			return NVME_SC_INVALID_FIELD | NVME_SC_DNR;
		if ((cdw11 & NVME_CQ_IRQ_ENABLED) && NVME_CDW11_IV(cdw11) >= c->nvec)
			return NVME_SC_INVALID_VECTOR | NVME_SC_DNR;
		q = &c->cq[qid];
		*q = (struct nvme_cq){.valid = true,
				      .base = prp1,
				      .size = qsize,
				      .phase = 1,
				      .iv = NVME_CDW11_IV(cdw11),
				      .ien = (cdw11 & NVME_CQ_IRQ_ENABLED) != 0};
		return NVME_SC_SUCCESS;
	}
	case nvme_admin_create_sq: {
		uint16_t cqid = NVME_CDW11_CQID(cdw11);

		if (!qid || qid >= nqueues(c) || c->sq[qid].valid)
			return NVME_SC_QID_INVALID | NVME_SC_DNR;
		if (!cqid || cqid >= nqueues(c) || !c->cq[cqid].valid)
			return NVME_SC_CQ_INVALID | NVME_SC_DNR;
		if (qsize < 2 || qsize > c->cfg.mqes)
			return NVME_SC_QUEUE_SIZE | NVME_SC_DNR;
		if (!(cdw11 & NVME_QUEUE_PHYS_CONTIG) || (prp1 & (PAGE - 1)))
			return NVME_SC_INVALID_FIELD | NVME_SC_DNR;
		c->sq[qid] =
		    (struct nvme_sq){.valid = true, .base = prp1, .size = qsize, .cqid = cqid};
		return NVME_SC_SUCCESS;
	}
	case nvme_admin_delete_sq:
		if (!qid || qid >= nqueues(c) || !c->sq[qid].valid)
			return NVME_SC_QID_INVALID | NVME_SC_DNR;
		c->sq[qid].valid = false;
		return NVME_SC_SUCCESS;
	case nvme_admin_delete_cq:
		if (!qid || qid >= nqueues(c) || !c->cq[qid].valid)
			return NVME_SC_QID_INVALID | NVME_SC_DNR;
		for (unsigned i = 1; i < nqueues(c); i++)
			if (c->sq[i].valid && c->sq[i].cqid == qid)
				return 0x10c | NVME_SC_DNR; /* Invalid Queue Deletion */
		c->cq[qid].valid = false;
		return NVME_SC_SUCCESS;
	default:
		return NVME_SC_INVALID_OPCODE | NVME_SC_DNR;
	}
}

/* I/O commands (NVM command set §6): Read and Write of namespace 1, and Flush. */
static uint16_t io(struct nvme *c, struct nvme_cmd *k, const uint8_t *sqe, uint64_t t)
{
	uint64_t slba = nvme_le64(sqe + NVME_SQE_CDW10);
	uint32_t nlb = (nvme_le32(sqe + NVME_SQE_CDW12) & 0xffff) + 1u;
	uint8_t op = nvme_sqe_opcode(sqe);
	struct dma_ctx d = {c, t + c->cfg.cmd_ps, true};
	uint64_t done;
	uint16_t sc;
	int np;

	k->io = true;
	k->t_ready = t + c->cfg.cmd_ps;
	if (op == nvme_cmd_flush)
		return NVME_SC_SUCCESS;
	if (op != nvme_cmd_read && op != nvme_cmd_write)
		return NVME_SC_INVALID_OPCODE | NVME_SC_DNR;
	if (nvme_le32(sqe + NVME_SQE_NSID) != 1)
		return NVME_SC_INVALID_NS | NVME_SC_DNR;
	if (slba + nlb > c->cfg.ns_bytes >> NVME_LBA_SHIFT)
		return NVME_SC_LBA_RANGE | NVME_SC_DNR;
	k->len = nlb << NVME_LBA_SHIFT;
	if (k->len > max_bytes(c))
		return NVME_SC_INVALID_FIELD | NVME_SC_DNR;
	k->is_read = op == nvme_cmd_read;
	np = nvme_prp_walk(nvme_le64(sqe + NVME_SQE_PRP1), nvme_le64(sqe + NVME_SQE_PRP2), k->len,
			   PAGE, read_list, &d, c->pieces, max_bytes(c) / PAGE + 1, NULL);
	if (np < 0)
		return NVME_SC_DATA_XFER_ERROR;
	if (k->is_read) {
		uint64_t ready = media(c, true, k->len, d.t);

		if (!grow((void **)&k->buf, &k->cap_buf, k->len, 1))
			return NVME_SC_DATA_XFER_ERROR;
		/* each LBA's stamp (nvme_regs.h) */
		for (uint32_t b = 0; b < nlb; b++) {
			uint8_t *p = k->buf + ((size_t)b << NVME_LBA_SHIFT);

			nvme_put64(p, slba + b);
			memset(p + 8, (uint8_t)(slba + b), (1u << NVME_LBA_SHIFT) - 8);
		}
		sc = keep_pieces(c, k, np);
		done = ready;
		c->st.reads++;
		c->st.read_bytes += k->len;
	} else {
		sc = data_dmas(c, k, np, false, d.t, &done);
		if (!sc)
			done = media(c, false, k->len, done);
		c->st.writes++;
		c->st.write_bytes += k->len;
	}
	k->t_ready = done;
	return sc;
}

/* Take the next entry of submission queue q (its head is behind its tail). */
static void fetch(struct nvme *c, unsigned q, uint64_t now)
{
	struct nvme_sq *sq = &c->sq[q];
	struct pcie_dma d = {.addr = sq->base + (uint64_t)sq->head * NVME_SQE_SIZE,
			     .len = NVME_SQE_SIZE,
			     .t_issue = now};
	struct nvme_cmd *k = NULL;
	uint8_t sqe[NVME_SQE_SIZE];

	for (unsigned i = 0; i < c->cfg.max_inflight; i++)
		if (c->cmds[i].stage == CMD_FREE) {
			k = &c->cmds[i];
			break;
		}
	if (!k)
		return; /* the caller keeps ninflight below max_inflight: never */
	pcie_dma_submit(c->fn, &d);
	c->st.sqe_fetches++;
	sq->head = (sq->head + 1) % sq->size;
	if (d.status != PCIE_DMA_OK) {
		/* the entry is lost: the controller reports a fatal status (§9.5) */
		c->st.dma_errors++;
		regs_set_bits(&c->r, NVME_REG_CSTS, 4, NVME_CSTS_CFS);
		return;
	}
	pcie_dma_read_data(c->fn, &d, sqe);
	k->stage = CMD_DATA;
	k->sqid = (uint16_t)q;
	k->cqid = q ? sq->cqid : 0;
	k->cid = nvme_sqe_cid(sqe);
	k->dw0 = 0;
	k->io = false;
	k->to_host = false;
	k->len = 0;
	k->ndma = 0;
	k->t_fetch = now;
	k->status = q ? io(c, k, sqe, d.t_done) : admin(c, k, sqe, d.t_done);
	if (k->status) {
		c->st.errors++;
		k->ndma = 0; /* nothing to write */
		k->to_host = false;
	}
	c->st.cmds++;
	if (q)
		c->st.q_cmds[(q - 1) < 8 ? q - 1 : 7]++;
	c->ninflight++;
}

/* A command whose data is done takes its completion slot: the entry goes by DMA. */
static bool post(struct nvme *c, struct nvme_cmd *k, uint64_t now)
{
	struct nvme_cq *cq = &c->cq[k->cqid];
	struct nvme_sq *sq = &c->sq[k->sqid];

	if (!cq->valid || (cq->tail + 1) % cq->size == cq->head)
		return false; /* full: wait for the host's head doorbell */
	uint64_t data_done = now;

	/* The data goes first; the entry follows it on the link (posted writes stay in order,
	 * PCIe 5.0 §2.4.1), so it is issued now too. */
	if (k->to_host) {
		uint16_t sc;

		memcpy(c->pieces, k->pc, (size_t)k->np * sizeof(*k->pc));
		sc = data_dmas(c, k, k->np, true, now, &data_done);
		if (sc) {
			k->status = sc;
			k->to_host = false;
			c->st.errors++;
		}
	}
	nvme_cqe_build(k->cqe, k->dw0, (uint16_t)sq->head, k->sqid, k->cid, k->status, cq->phase);
	memset(&k->cqe_dma, 0, sizeof(k->cqe_dma));
	k->cqe_dma.addr = cq->base + (uint64_t)cq->tail * NVME_CQE_SIZE;
	k->cqe_dma.len = NVME_CQE_SIZE;
	k->cqe_dma.write = true;
	k->cqe_dma.t_issue = now;
	pcie_dma_submit(c->fn, &k->cqe_dma);
	cq->tail = (cq->tail + 1) % cq->size;
	if (!cq->tail)
		cq->phase ^= 1; /* the next lap's entries carry the other phase */
	k->t_cqe = k->cqe_dma.t_done > data_done ? k->cqe_dma.t_done : data_done;
	k->stage = CMD_POST;
	return true;
}

static void finish(struct nvme *c, struct nvme_cmd *k)
{
	for (unsigned i = 0, at = 0; k->to_host && i < k->ndma; at += k->dma[i].len, i++)
		pcie_dma_write_data(c->fn, &k->dma[i], k->buf + at);
	if (k->cqe_dma.status == PCIE_DMA_OK) {
		pcie_dma_write_data(c->fn, &k->cqe_dma, k->cqe);
		c->st.cqe_posts++;
		c->cq[k->cqid].posted = true;
	} else {
		c->st.dma_errors++;
	}
	if (k->io)
		c->st.cmd_ps_total += k->t_cqe - k->t_fetch;
	if (trace_on() && k->io)
		trace_span(sim_trace, c->track, "nvme", k->is_read ? "read" : "write", k->t_fetch,
			   k->t_cqe, NULL);
	k->stage = CMD_FREE;
	c->ninflight--;
}

static void engine(void *arg)
{
	struct nvme *c = arg;

	for (;;) {
		uint64_t now = sim_now(), next = NEVER;
		bool more = true;

		/* Entries in memory: each queue's vector once. */
		for (unsigned i = 0; i < c->cfg.max_inflight; i++)
			if (c->cmds[i].stage == CMD_POST && c->cmds[i].t_cqe <= now)
				finish(c, &c->cmds[i]);
		/* Data done: completion slots, oldest first. */
		for (;;) {
			struct nvme_cmd *first = NULL;

			for (unsigned i = 0; i < c->cfg.max_inflight; i++) {
				struct nvme_cmd *k = &c->cmds[i];

				if (k->stage == CMD_DATA && k->t_ready <= now &&
				    (!first || k->t_ready < first->t_ready ||
				     (k->t_ready == first->t_ready && k->t_fetch < first->t_fetch)))
					if (c->cq[k->cqid].valid &&
					    (c->cq[k->cqid].tail + 1) % c->cq[k->cqid].size !=
						c->cq[k->cqid].head)
						first = k;
			}
			if (!first || !post(c, first, now))
				break;
		}
		/* New commands: round robin over the submission queues, one entry each turn. */
		while (c->enabled && now >= c->ready_at && more) {
			more = false;
			for (unsigned n = 0; n < nqueues(c) && c->ninflight < c->cfg.max_inflight;
			     n++) {
				unsigned q = (c->rr + n) % nqueues(c);
				struct nvme_sq *sq = &c->sq[q];

				if (sq->valid && sq->head != sq->tail) {
					fetch(c, q, now);
					more = true;
				}
			}
			c->rr = (c->rr + 1) % nqueues(c);
			if (c->ninflight >= c->cfg.max_inflight)
				break;
		}
		for (unsigned q = 0; q < nqueues(c); q++)
			if (c->cq[q].posted) {
				c->cq[q].posted = false;
				if (c->cq[q].ien)
					msix_raise(c, c->cq[q].iv, now);
			}
		pba_release(c, now);

		for (unsigned i = 0; i < c->cfg.max_inflight; i++) {
			const struct nvme_cmd *k = &c->cmds[i];

			if (k->stage == CMD_POST && k->t_cqe < next)
				next = k->t_cqe;
			else if (k->stage == CMD_DATA && k->t_ready > now && k->t_ready < next)
				next = k->t_ready;
		}
		if (c->enabled && c->ready_at > now && c->ready_at < next)
			next = c->ready_at;
		sim_set_wait_label("nvme: next command stage or doorbell");
		if (next == NEVER)
			sim_event_wait(c->wake);
		else
			sim_event_wait_until(c->wake, next);
	}
}

/* ---- the controller's state ---- */

static void reset_queues(struct nvme *c)
{
	memset(c->sq, 0, nqueues(c) * sizeof(*c->sq));
	memset(c->cq, 0, nqueues(c) * sizeof(*c->cq));
	for (unsigned i = 0; i < c->cfg.max_inflight; i++)
		c->cmds[i].stage = CMD_FREE; /* in-flight commands are abandoned */
	c->ninflight = 0;
	c->rr = 0;
}

/* CC.EN 0 -> 1: the admin queues from AQA, ASQ, ACQ (§7.6.1). */
static void enable(struct nvme *c, uint64_t now)
{
	uint32_t aqa = (uint32_t)rd(c, NVME_REG_AQA, 4);

	reset_queues(c);
	c->sq[0] = (struct nvme_sq){
	    .valid = true, .base = rd(c, NVME_REG_ASQ, 8), .size = NVME_AQA_ASQS(aqa) + 1u};
	c->cq[0] = (struct nvme_cq){.valid = true,
				    .base = rd(c, NVME_REG_ACQ, 8),
				    .size = NVME_AQA_ACQS(aqa) + 1u,
				    .phase = 1,
				    .ien = true};
	c->enabled = true;
	c->ready_at = now + c->cfg.ready_ps;
	c->media_free = 0;
}

static void disable(struct nvme *c)
{
	reset_queues(c);
	c->enabled = false;
	c->ready_at = NEVER;
	c->pba[0] = c->pba[1] = 0;
	regs_clear_bits(&c->r, NVME_REG_CSTS, 4, NVME_CSTS_RDY | NVME_CSTS_CFS);
	c->st.resets++;
}

static uint64_t mmio_read(void *ctx, int bar, uint64_t off, unsigned size)
{
	struct nvme *c = ctx;

	if (bar != 0)
		return ~0ull;
	if (off >= NVME_MSIX_TABLE && off < NVME_MSIX_TABLE + c->nvec * 16u)
		return regs_read(&c->msix, (uint32_t)(off - NVME_MSIX_TABLE), size);
	if (off >= NVME_MSIX_PBA && off + size <= NVME_MSIX_PBA + 16)
		return size == 8
			   ? c->pba[(off - NVME_MSIX_PBA) / 8]
			   : (uint32_t)(c->pba[(off - NVME_MSIX_PBA) / 8] >> ((off & 4) ? 32 : 0));
	if (off + size > REG_SPACE)
		return 0; /* doorbells are write-only */
	if (off == NVME_REG_CSTS) {
		if (c->enabled && sim_now() >= c->ready_at)
			regs_set_bits(&c->r, NVME_REG_CSTS, 4, NVME_CSTS_RDY);
	}
	return regs_read(&c->r, (uint32_t)off, size);
}

static void doorbell(struct nvme *c, uint32_t off, uint32_t v)
{
	uint32_t stride = 4u << c->cfg.dstrd, idx;
	unsigned q;

	if ((off - NVME_REG_DBS) % stride)
		return;
	idx = (off - NVME_REG_DBS) / stride;
	q = idx / 2;
	if (q >= nqueues(c))
		return;
	if (idx % 2 == 0) {
		if (!c->sq[q].valid || v >= c->sq[q].size)
			return; /* an invalid doorbell write: ignored (§4.1, an async event) */
		c->sq[q].tail = v;
	} else {
		if (!c->cq[q].valid || v >= c->cq[q].size)
			return;
		c->cq[q].head = v;
	}
	sim_event_signal(c->wake);
}

static void mmio_write(void *ctx, int bar, uint64_t off, unsigned size, uint64_t val)
{
	struct nvme *c = ctx;
	uint32_t old_cc = (uint32_t)rd(c, NVME_REG_CC, 4), cc;

	if (bar != 0)
		return;
	if (off >= NVME_MSIX_TABLE && off < NVME_MSIX_TABLE + c->nvec * 16u) {
		regs_write(&c->msix, (uint32_t)(off - NVME_MSIX_TABLE), size, val);
		if (c->pba[0] | c->pba[1])
			sim_event_signal(c->wake); /* an unmask may release a pending message */
		return;
	}
	if (off >= NVME_REG_DBS && off < NVME_DB_END) {
		if (size == 4)
			doorbell(c, (uint32_t)off, (uint32_t)val);
		return;
	}
	if (off + size > REG_SPACE)
		return;
	regs_write(&c->r, (uint32_t)off, size, val);
	if (off != NVME_REG_CC)
		return;
	cc = (uint32_t)rd(c, NVME_REG_CC, 4);
	if ((cc & NVME_CC_ENABLE) && !(old_cc & NVME_CC_ENABLE)) {
		enable(c, sim_now());
		sim_event_signal(c->wake);
	} else if (!(cc & NVME_CC_ENABLE) && (old_cc & NVME_CC_ENABLE)) {
		disable(c);
	}
	if ((cc & NVME_CC_SHN_MASK) && !(old_cc & NVME_CC_SHN_MASK))
		regs_set_bits(&c->r, NVME_REG_CSTS, 4, NVME_CSTS_SHST_CMPLT);
}

static void cfg_written(void *ctx, uint32_t off, unsigned size)
{
	struct nvme *c = ctx;
	unsigned cap = msix_cap(c);

	if (cap && off <= cap + PCI_MSIX_FLAGS + 1 && off + size > cap + PCI_MSIX_FLAGS)
		sim_event_signal(c->wake);
}

static void flr(void *ctx)
{
	struct nvme *c = ctx;

	regs_reset(&c->r);
	regs_reset(&c->msix);
	disable(c);
}

static const struct pcie_fn_ops nvme_ops = {
    .mmio_read = mmio_read,
    .mmio_write = mmio_write,
    .cfg_written = cfg_written,
    .flr = flr,
};

int nvme_create(const struct nvme_cfg *cfg, struct pcie_fabric *fab, struct nvme **out)
{
	struct nvme *c;
	int rc;

	if (!cfg->io_queues || cfg->io_queues + 1 > NVME_MSIX_MAX || !cfg->max_inflight ||
	    cfg->mqes < 2 || cfg->dstrd > 3 || cfg->mdts > 8 || cfg->read_gbps <= 0 ||
	    cfg->write_gbps <= 0 ||
	    nvme_cq_head_db(cfg->io_queues, cfg->dstrd) + (4u << cfg->dstrd) > NVME_DB_END)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->cfg = *cfg;
	c->fab = fab;
	c->nvec = cfg->io_queues + 1;
	c->ready_at = NEVER;
	c->sq = calloc(c->nvec, sizeof(*c->sq));
	c->cq = calloc(c->nvec, sizeof(*c->cq));
	c->cmds = calloc(cfg->max_inflight, sizeof(*c->cmds));
	c->pieces = calloc((PAGE << cfg->mdts) / PAGE + 1, sizeof(*c->pieces));
	rc = c->sq && c->cq && c->cmds && c->pieces ? regs_init(&c->r, REG_SPACE) : -ENOMEM;
	if (!rc)
		rc = regs_init(&c->msix, c->nvec * PCI_MSIX_ENTRY_SIZE);
	if (!rc)
		rc = sim_event_create(&c->wake);
	if (!rc)
		rc = pcie_fn_create(fab, cfg->name, PCIE_FN_ENDPOINT, &c->fn);
	if (rc) {
		nvme_destroy(c);
		return rc;
	}
	define_regs(c);
	/* The silicon: IDs and class 010802, BAR0, PM, PCIe endpoint with FLR, MSI-X in BAR0 (no
	 * INTx pin: ptsim's controller interrupts by MSI-X only). */
	pcie_fn_set_ids(c->fn, NVME_VENDOR_ID, NVME_DEVICE_ID, NVME_CLASS, NVME_VENDOR_ID, 0x0002);
	pcie_fn_add_bar(c->fn, 0, NVME_BAR0_SIZE, true, false);
	pcie_fn_add_cap_pm(c->fn);
	pcie_fn_add_cap_exp(c->fn, PCI_EXP_TYPE_ENDPOINT, true);
	pcie_fn_add_cap_msix(c->fn, c->nvec, 0, NVME_MSIX_TABLE, 0, NVME_MSIX_PBA);
	pcie_fn_set_ops(c->fn, &nvme_ops, c);
	*out = c;
	return 0;
}

void nvme_destroy(struct nvme *c)
{
	if (!c)
		return;
	regs_free(&c->r);
	regs_free(&c->msix);
	sim_event_destroy(c->wake);
	for (unsigned i = 0; c->cmds && i < c->cfg.max_inflight; i++) {
		free(c->cmds[i].dma);
		free(c->cmds[i].buf);
		free(c->cmds[i].pc);
	}
	free(c->cmds);
	free(c->sq);
	free(c->cq);
	free(c->pieces);
	free(c);
}

struct pcie_fn *nvme_fn(const struct nvme *c)
{
	return c->fn;
}

void nvme_set_msi_probe(struct nvme *c, void (*fn)(void *ctx, unsigned entry, uint64_t t_ps),
			void *ctx)
{
	c->msi_probe = fn;
	c->msi_probe_ctx = ctx;
}

int nvme_start(struct nvme *c)
{
	char name[48];

	c->track = trace_track(sim_trace, "machine", c->cfg.name);
	snprintf(name, sizeof(name), "%s.controller", c->cfg.name);
	return sim_actor_start(name, engine, c, SIM_ACTOR_DAEMON);
}

const struct nvme_stats *nvme_stats(const struct nvme *c)
{
	return &c->st;
}
