/* SPDX-License-Identifier: MIT */
/*
 * Upstream requests from a function: DMA reads and writes and MSI writes travel the links to
 * the root complex, which asks its translation hook (the IOMMU) and then memory.
 *
 * Timing is computed, not simulated per TLP: a transfer is split into 4 KiB-bounded chunks
 * (a TLP never crosses 4 KiB, PCIe 5.0 §2.2.7), each chunk into TLPs at MPS (writes), MRRS
 * (read requests) and RCB/MPS (completions, §2.3.1.1). Links reserve their serialization slots;
 * the root complex translates chunks in order, a miss delaying the chunks behind it.
 */
#include "models/pcie/pcie_internal.h"
#include "models/mem/mem.h"
#include "sim/trace.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define PAGE_4K 4096ull

/* Links from fn up to the root complex, nearest first. */
static unsigned up_links(struct pcie_fn *fn, struct pcie_link **links, unsigned max)
{
	unsigned n = 0;

	for (struct pcie_fn *f = fn; f && n < max; f = f->parent)
		if (f->link)
			links[n++] = f->link;
	return n;
}

static unsigned div_up(uint64_t a, uint64_t b)
{
	return (unsigned)((a + b - 1) / b);
}

/* Completions for a read of len bytes at addr: split at RCB-aligned boundaries, up to MPS
 * each (what root complexes do: cut at the RCB, coalesce up to MPS). */
static unsigned completion_tlps(uint64_t addr, uint32_t len, unsigned rcb, unsigned mps)
{
	unsigned n = 0;
	uint64_t a = addr, end = addr + len;

	while (a < end) {
		uint64_t lim = a + mps;

		if (lim < end)
			lim -= lim % rcb; /* a non-final completion ends on an RCB boundary */
		if (lim <= a)
			lim = a + (rcb - a % rcb);
		if (lim > end)
			lim = end;
		a = lim;
		n++;
	}
	return n;
}

int pcie_dma_submit(struct pcie_fn *fn, struct pcie_dma *d)
{
	struct pcie_fabric *fab = fn->fab;
	struct pcie_link *links[16];
	unsigned nl = up_links(fn, links, 16);
	const struct pcie_link_cfg *lc = nl ? &links[0]->cfg : NULL;
	unsigned mps = lc ? lc->mps : 256, mrrs = lc ? lc->mrrs : 512, rcb = lc ? lc->rcb : 64;
	uint16_t sid = pcie_fn_rid(fn);
	bool addr64 = (d->addr + d->len) > (1ull << 32);
	uint64_t xlate_free = 0, done = d->t_issue;
	uint64_t a = d->addr, end = d->addr + d->len;

	d->nseg = 0;
	d->status = PCIE_DMA_OK;
	d->t_done = d->t_issue;
	if (!d->len)
		return 0;
	if (!pcie_fn_bus_master(fn)) {
		/* PCI 3.0 §6.2.2: with Bus Master Enable clear the function issues nothing. */
		d->status = PCIE_DMA_NO_MASTER;
		fab->st.dma_no_master++;
		return 0;
	}
	if (d->write) {
		fab->st.dma_writes++;
		fab->st.dma_write_bytes += d->len;
	} else {
		fab->st.dma_reads++;
		fab->st.dma_read_bytes += d->len;
	}

	while (a < end) {
		uint64_t chunk_end = (a & ~(PAGE_4K - 1)) + PAGE_4K;
		uint32_t clen = (uint32_t)((chunk_end < end ? chunk_end : end) - a);
		struct pcie_xlate x = {.hpa = a, .lat_ps = 0, .span = clen, .ok = true};
		uint64_t t = d->t_issue, arrive, first_arrive, req_addr = a;
		bool translated = false;

		/* ATS: the device's own cache, or a translation request first (ats.c). */
		if (fn->atc) {
			uint64_t ta = a;

			t = pcie__ats_chunk(fn, a, d->write, t, &ta, &translated);
			if (translated)
				req_addr = ta;
		}
		x.at = translated ? PCIE_AT_TRANSLATED : PCIE_AT_UNTRANSLATED;
		unsigned ntlp;
		uint64_t wire;

		/* Upstream: the writes' data, or the read requests. */
		if (d->write) {
			ntlp = div_up(clen, mps);
			wire = clen + (uint64_t)ntlp * pcie__tlp_overhead(addr64, false);
		} else {
			ntlp = div_up(clen, mrrs);
			wire = (uint64_t)ntlp * pcie__tlp_overhead(addr64, false);
		}
		arrive = t;
		first_arrive = t;
		for (unsigned i = 0; i < nl; i++) {
			uint64_t start = arrive;

			arrive = pcie__link_send(links[i], PCIE_UP, wire, ntlp, start);
			/* The first TLP is through once its own bytes are serialized. */
			first_arrive = arrive - pcie__link_ser_ps(links[i], wire) +
				       pcie__link_ser_ps(links[i], wire / ntlp);
		}
		arrive += fab->cfg.rc_latency_ps;
		first_arrive += fab->cfg.rc_latency_ps;

		/* Translation at the root complex: in order, starting with the first TLP. */
		uint64_t xs = first_arrive > xlate_free ? first_arrive : xlate_free;
		if (fab->hooks.translate)
			fab->hooks.translate(fab->hooks.ctx, sid, req_addr, clen, d->write, xs, &x);
		xlate_free = xs + x.lat_ps;
		if (trace_on() && fab->hooks.translate) {
			char args[96];

			if (!fab->track)
				fab->track = trace_track(sim_trace, "machine", "root complex + IOMMU");
			snprintf(args, sizeof(args), "\"iova\":\"0x%llx\",\"sid\":\"%04x\",\"ok\":%s",
				 (unsigned long long)a, sid, x.ok ? "true" : "false");
			trace_span(sim_trace, fab->track, "iommu", d->write ? "translate (write)"
									 : "translate (read)",
				   xs, xs + x.lat_ps, args);
		}

		if (d->nseg < PCIE_DMA_MAX_SEGS) {
			d->seg[d->nseg].hpa = x.hpa;
			d->seg[d->nseg].len = clen;
			d->seg[d->nseg].ok = x.ok;
			d->nseg++;
		}
		if (!x.ok && d->status == PCIE_DMA_OK) {
			d->status = PCIE_DMA_BLOCKED;
			fab->st.dma_blocked++;
		}
		uint64_t ready = (arrive > xlate_free ? arrive : xlate_free);
		uint64_t chunk_done;

		if (d->write) {
			chunk_done = ready + (x.ok ? mem_access_ps(fab->mem, clen, false) : 0);
		} else {
			/* Memory (or the error) then completions back down. */
			uint64_t t_data = ready + (x.ok ? mem_access_ps(fab->mem, clen, false) : 0);
			unsigned ncpl = x.ok ? completion_tlps(a, clen, rcb, mps) : 1;
			uint64_t cwire = (x.ok ? clen : 0) +
					 (uint64_t)ncpl * pcie__tlp_overhead(false, true);

			t_data += fab->cfg.rc_latency_ps;
			for (unsigned i = nl; i-- > 0;)
				t_data = pcie__link_send(links[i], PCIE_DOWN, cwire, ncpl, t_data);
			chunk_done = t_data;
		}
		if (chunk_done > done)
			done = chunk_done;
		a += clen;
	}
	d->t_done = done;
	return 0;
}

void pcie_dma_read_data(struct pcie_fn *fn, const struct pcie_dma *d, void *buf)
{
	uint8_t *p = buf;

	if (d->status == PCIE_DMA_NO_MASTER) {
		memset(buf, 0xff, d->len);
		return;
	}
	for (unsigned i = 0; i < d->nseg; i++) {
		if (d->seg[i].ok)
			mem_read(fn->fab->mem, d->seg[i].hpa, p, d->seg[i].len);
		else
			memset(p, 0xff, d->seg[i].len); /* completer abort: no data */
		p += d->seg[i].len;
	}
}

void pcie_dma_write_data(struct pcie_fn *fn, const struct pcie_dma *d, const void *buf)
{
	const uint8_t *p = buf;

	if (d->status == PCIE_DMA_NO_MASTER)
		return;
	for (unsigned i = 0; i < d->nseg; i++) {
		if (d->seg[i].ok)
			mem_write(fn->fab->mem, d->seg[i].hpa, p, d->seg[i].len);
		p += d->seg[i].len;
	}
}

int pcie_msi_send(struct pcie_fn *fn, uint64_t addr, uint32_t data, uint64_t t,
		  struct pcie_irq *irq)
{
	struct pcie_fabric *fab = fn->fab;
	struct pcie_link *links[16];
	unsigned nl = up_links(fn, links, 16);
	uint64_t at = t;

	memset(irq, 0, sizeof(*irq));
	if (!pcie_fn_bus_master(fn)) {
		/* An MSI is a memory write: no bus mastering, no interrupt (PCI 3.0 §6.8). */
		fab->st.msi_no_master++;
		irq->status = -EPERM;
		irq->t_deliver = t;
		return -EPERM;
	}
	fab->st.msi_sent++;
	for (unsigned i = 0; i < nl; i++)
		at = pcie__link_send(links[i], PCIE_UP, 4 + pcie__tlp_overhead(addr >> 32, false), 1,
				     at);
	at += fab->cfg.rc_latency_ps;
	irq->t_deliver = at;
	if (fab->hooks.msi)
		fab->hooks.msi(fab->hooks.ctx, pcie_fn_rid(fn), addr, data, at, irq);
	else
		irq->status = -ENODEV;
	return 0;
}

void pcie_irq_commit(const struct pcie_irq *irq)
{
	if (irq->commit)
		irq->commit(irq->ctx, irq);
}
