/* SPDX-License-Identifier: MIT */
/*
 * Requests from a function: DMA reads and writes and MSI writes.
 *
 * Routing (PCIe 5.0 §2.2.4, §6.12 Access Control Services): a request first meets its own
 * device (a sibling function's BAR is reached inside the device unless the function's ACS
 * redirects it out), then each bridge on the way up. A PCIe-to-PCI bridge puts its own alias on
 * the requester ID (PCIe-to-PCI Bridge 1.0 §2.3) and lets devices on its bus reach each other
 * directly. A root or downstream port applies ACS Source Validation to the requester ID, sends
 * a request for its own window back up only with Upstream Forwarding (else it is unsupported),
 * and at a switch's internal bus a request for a sibling port's window turns to it -- unless the
 * ingress port's P2P Request Redirect sends it up, or its P2P Egress Control blocks it. What
 * reaches the root complex is translated by its hook (the IOMMU) and goes to memory or, if it
 * lands in a BAR, down to that peer. Peer requests reach the peer's MMIO handler.
 *
 * Timing is computed, not simulated per TLP: a transfer is split into 4 KiB-bounded chunks (a
 * TLP never crosses 4 KiB, §2.2.7), each chunk into TLPs at MPS (writes), MRRS (read requests)
 * and RCB/MPS (completions, §2.3.1.1). Links reserve their serialization slots; the root complex
 * translates chunks in order, a miss delaying the chunks behind it. One call, no engine events.
 */
#include "models/pcie/pcie_internal.h"
#include "models/mem/mem.h"
#include "sim/trace.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define PAGE_4K 4096ull

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

/* ---- routing ---- */

struct route {
	enum pcie_route kind;
	enum pcie_dma_status status; /* of a blocked request */
	uint16_t sid;                /* requester ID as it left the last bridge */
	unsigned up;                 /* hops of the requester's path travelled up */
	struct pcie_fn *peer;        /* intra-device or switch/bus turn: the target */
	int bar;
	uint64_t off;
	unsigned down;               /* hops of the peer's path travelled down */
	uint64_t turn_ps;            /* latency of the element where it turned */
	struct pcie_fn *peer_port;   /* the port above the peer where a completion enters */
	bool redirected;
};

static bool same_device(const struct pcie_fn *a, const struct pcie_fn *b)
{
	/* Below a port every function is one device (ARI may give it 256 functions); elsewhere
	 * a device is the 8 functions of one device number. */
	if (a->parent != b->parent)
		return false;
	if (a->parent && (a->parent->type == PCIE_FN_ROOT_PORT ||
			  a->parent->type == PCIE_FN_SWITCH_DOWN))
		return true;
	return PCI_SLOT(a->devfn) == PCI_SLOT(b->devfn);
}

static bool egress_blocked(const struct pcie_fn *fn, uint16_t ctrl, unsigned target)
{
	unsigned o = pcie_fn_ext_cap_offset(fn, PCI_EXT_CAP_ID_ACS);

	if (!(ctrl & PCI_ACS_EC) || !o)
		return false;
	return regs_get(&fn->cfg, o + PCI_ACS_EGRESS_CTL_V + (target / 32) * 4, 4) &
	       (1u << (target % 32));
}

static unsigned path_len(struct pcie_fn *fn)
{
	unsigned n;

	pcie__fn_path(fn, &n);
	return n;
}

/* Where does a request from fn (requester ID rid) for address a go before the root complex? */
static void route_request(struct pcie_fn *fn, uint16_t rid, uint64_t a, struct route *r)
{
	const struct pcie_fn *dev = fn->pf ? fn->pf : fn;
	struct pcie_fn *p;
	uint16_t cap, ctrl;

	memset(r, 0, sizeof(*r));
	r->sid = rid;

	/* 1. Inside the device: a sibling function (not across SR-IOV, whose functions have no
	 * internal path unless ACS says so). */
	if (!fn->pf && !fn->vfs_live && fn->parent) {
		struct pcie_fn *const *kids = fn->parent->kids;

		for (size_t i = 0; i < fn->parent->nchildren; i++) {
			struct pcie_fn *s = kids[i];

			if (s == fn || s->children || !same_device(fn, s) ||
			    !pcie__fn_claims(s, a, &r->bar, &r->off))
				continue;
			ctrl = pcie__acs_ctrl(fn, &cap);
			if (cap && (ctrl & PCI_ACS_RR)) {
				r->redirected = true; /* out on the link */
				break;
			}
			if (egress_blocked(fn, ctrl, s->devfn)) {
				r->kind = PCIE_ROUTE_BLOCKED;
				r->status = PCIE_DMA_ACS;
				return;
			}
			r->kind = PCIE_ROUTE_INTRA;
			r->peer = s;
			return;
		}
	}

	/* 2. Up through the bridges. */
	for (const struct pcie_fn *f = dev; (p = f->parent) != NULL; f = p) {
		if (p->link)
			r->up++;
		if (p->type == PCIE_FN_PCI_BRIDGE) {
			/* A conventional bus: whoever decodes the address claims it (PCI 3.0 §3.2).
			 */
			for (size_t i = 0; i < p->nchildren; i++) {
				struct pcie_fn *s = p->kids[i];

				if (s != f && !s->children &&
				    pcie__fn_claims(s, a, &r->bar, &r->off)) {
					r->kind = PCIE_ROUTE_SWITCH;
					r->peer = s;
					r->down = 1;
					r->peer_port = NULL;
					return;
				}
			}
			if (pcie__window_contains(p, a)) {
				r->kind = PCIE_ROUTE_BLOCKED; /* master abort on the bus */
				r->status = PCIE_DMA_UR;
				return;
			}
			r->sid = PCI_RID(regs_get(&p->cfg, PCI_SECONDARY_BUS, 1), 0);
			continue;
		}
		if (p->type != PCIE_FN_ROOT_PORT && p->type != PCIE_FN_SWITCH_DOWN)
			continue; /* a switch's upstream port: handled at its downstream port */

		/* Ingress at a root or downstream port (PCIe 5.0 §6.12.1.1). */
		ctrl = pcie__acs_ctrl(p, &cap);
		if (cap && (ctrl & PCI_ACS_SV)) {
			uint8_t sec = (uint8_t)regs_get(&p->cfg, PCI_SECONDARY_BUS, 1);
			uint8_t sub = (uint8_t)regs_get(&p->cfg, PCI_SUBORDINATE_BUS, 1);
			uint8_t bus = (uint8_t)(r->sid >> 8);

			if (bus < sec || bus > sub) {
				r->kind = PCIE_ROUTE_BLOCKED;
				r->status = PCIE_DMA_ACS;
				return;
			}
		}
		if (pcie_fn_mem_enabled(p) && pcie__window_contains(p, a)) {
			/* For something below this port: back up only with Upstream Forwarding. */
			if (!(cap && (ctrl & PCI_ACS_UF))) {
				r->kind = PCIE_ROUTE_BLOCKED;
				r->status = PCIE_DMA_UR;
				return;
			}
			r->redirected = true;
		} else if (p->type == PCIE_FN_SWITCH_DOWN && p->parent) {
			/* The switch's internal bus: a sibling port's window? */
			struct pcie_fn *usp = p->parent;

			for (size_t i = 0; i < usp->nchildren; i++) {
				struct pcie_fn *q = usp->kids[i];

				if (q == p || !pcie_fn_mem_enabled(q) ||
				    !pcie__window_contains(q, a))
					continue;
				if (cap && (ctrl & PCI_ACS_RR)) {
					r->redirected = true; /* up to the root complex */
					break;
				}
				if (egress_blocked(p, ctrl, q->devfn >> 3)) {
					r->kind = PCIE_ROUTE_BLOCKED;
					r->status = PCIE_DMA_ACS;
					return;
				}
				r->peer = pcie__decode_below(q, a, &r->bar, &r->off);
				if (!r->peer) {
					r->kind = PCIE_ROUTE_BLOCKED;
					r->status = PCIE_DMA_UR;
					return;
				}
				r->kind = PCIE_ROUTE_SWITCH;
				r->down = path_len(r->peer) - path_len(usp);
				r->turn_ps = usp->fwd_ps;
				r->peer_port = q;
				return;
			}
		}
		if (p->type == PCIE_FN_ROOT_PORT)
			break;
	}
	r->kind = PCIE_ROUTE_RC;
}

static void count_route(struct pcie_fabric *fab, const struct route *r, struct pcie_dma *d)
{
	d->route = r->kind;
	d->sid = r->sid;
	if (r->redirected && r->kind != PCIE_ROUTE_BLOCKED)
		fab->st.acs_redirected++;
	switch (r->kind) {
	case PCIE_ROUTE_INTRA:
		fab->st.p2p_intra++;
		break;
	case PCIE_ROUTE_SWITCH:
		fab->st.p2p_switch++;
		break;
	case PCIE_ROUTE_RC_PEER:
		fab->st.p2p_rc++;
		break;
	case PCIE_ROUTE_BLOCKED:
		if (r->status == PCIE_DMA_ACS)
			fab->st.acs_blocked++;
		else
			fab->st.dma_ur++;
		break;
	default:
		break;
	}
}

static void add_seg(struct pcie_dma *d, uint64_t hpa, uint32_t len, bool ok, struct pcie_fn *peer,
		    int bar)
{
	if (d->nseg < PCIE_DMA_MAX_SEGS) {
		d->seg[d->nseg].hpa = hpa;
		d->seg[d->nseg].len = len;
		d->seg[d->nseg].ok = ok;
		d->seg[d->nseg].peer = peer;
		d->seg[d->nseg].bar = bar;
		d->nseg++;
	}
}

/* A transfer turned before the root complex: to a sibling function, or through a switch or
 * PCI bus to a peer. Returns its completion time. */
static uint64_t peer_transfer(struct pcie_fn *fn, struct pcie_dma *d, const struct route *r,
			      unsigned mps, unsigned mrrs, unsigned rcb, bool addr64)
{
	struct pcie_fabric *fab = fn->fab;
	unsigned nup, ndown;
	struct pcie_hop *up = (struct pcie_hop *)pcie__fn_path(fn, &nup);
	struct pcie_hop *down;
	struct pcie_tlps b;
	uint64_t at, first;
	unsigned hdr = addr64 ? PCIE_TLP_HDR_4DW : PCIE_TLP_HDR_3DW;

	add_seg(d, r->off, d->len, true, r->peer, r->bar);
	if (r->kind == PCIE_ROUTE_INTRA)
		return d->t_issue + (d->write ? 0 : fab->cfg.mmio_dev_ps);
	down = (struct pcie_hop *)pcie__fn_path(r->peer, &ndown);
	assert(r->up <= nup && r->down <= ndown); /* pcie_fn_attach bounds paths */
	if (d->write)
		pcie__burst(&b, d->len, mps, hdr);
	else
		pcie__burst(&b, 0, 4096, hdr), b.ntlp = div_up(d->len, mrrs);
	pcie__path_send(up, r->up, PCIE_UP, &b, d->t_issue, &first, &at);
	at += r->turn_ps;
	pcie__path_send(down, r->down, PCIE_DOWN, &b, at, &first, &at);
	if (d->write)
		return at;
	/* The peer answers; its completions come back by ID (§2.2.4.2), up to the root complex
	 * first if the peer's port redirects completions (ACS P2P Completion Redirect). */
	at += fab->cfg.mmio_dev_ps;
	pcie__burst(&b, d->len, mps, PCIE_TLP_HDR_3DW);
	b.ntlp = completion_tlps(d->addr, d->len, rcb, mps);
	pcie__path_send(down, r->down, PCIE_UP, &b, at, &first, &at);
	if (r->peer_port) {
		uint16_t cap, ctrl = pcie__acs_ctrl(r->peer_port, &cap);

		if (cap && (ctrl & PCI_ACS_CR)) {
			unsigned nsw = nup - r->up;

			fab->st.cpl_redirected++;
			pcie__path_send(up + r->up, nsw, PCIE_UP, &b, at, &first, &at);
			at += 2 * fab->cfg.rc_latency_ps;
			pcie__path_send(up + r->up, nsw, PCIE_DOWN, &b, at, &first, &at);
		}
	}
	at += r->turn_ps;
	pcie__path_send(up, r->up, PCIE_DOWN, &b, at, &first, &at);
	return at;
}

int pcie_dma_submit(struct pcie_fn *fn, struct pcie_dma *d)
{
	struct pcie_fabric *fab = fn->fab;
	unsigned nl;
	struct pcie_hop *links = (struct pcie_hop *)pcie__fn_path(fn, &nl);
	const struct pcie_link_cfg *lc = nl ? &links[0].link->cfg : NULL;
	unsigned mps = lc ? lc->mps : 256, mrrs = lc ? lc->mrrs : 512, rcb = lc ? lc->rcb : 64;
	bool addr64 = (d->addr + d->len) > (1ull << 32);
	unsigned hdr = addr64 ? PCIE_TLP_HDR_4DW : PCIE_TLP_HDR_3DW;
	uint64_t xlate_free = 0, done = d->t_issue;
	uint64_t a = d->addr, end = d->addr + d->len;
	const struct pcie_iommu *iommu = pcie__iommu(fn);
	struct route r;

	d->nseg = 0;
	d->status = PCIE_DMA_OK;
	d->route = PCIE_ROUTE_RC;
	d->t_done = d->t_issue;
	d->sid = pcie_fn_dma_rid(fn);
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

	route_request(fn, d->spoof ? d->rid : pcie_fn_rid(fn), d->addr, &r);
	count_route(fab, &r, d);
	if (r.kind == PCIE_ROUTE_BLOCKED) {
		d->status = r.status;
		add_seg(d, d->addr, d->len, false, NULL, 0);
		d->t_done = d->t_issue;
		return 0;
	}
	if (r.kind != PCIE_ROUTE_RC) {
		d->t_done = peer_transfer(fn, d, &r, mps, mrrs, rcb, addr64);
		return 0;
	}

	while (a < end) {
		uint64_t chunk_end = (a & ~(PAGE_4K - 1)) + PAGE_4K;
		uint32_t clen = (uint32_t)((chunk_end < end ? chunk_end : end) - a);
		struct pcie_xlate x = {.hpa = a, .lat_ps = 0, .span = clen, .ok = true};
		uint64_t t = d->t_issue, arrive, first_arrive, req_addr = a;
		bool translated = false;
		struct pcie_tlps b;
		struct pcie_fn *peer = NULL;
		int bar = 0;
		uint64_t off = 0;

		/* ATS: the device's own cache, or a translation request first (ats.c). */
		if (fn->atc) {
			uint64_t ta = a;

			t = pcie__ats_chunk(fn, a, d->write, t, &ta, &translated);
			if (translated)
				req_addr = ta;
		}
		x.at = translated ? PCIE_AT_TRANSLATED : PCIE_AT_UNTRANSLATED;

		/* Upstream: the writes' data, or the read requests. */
		if (d->write) {
			pcie__burst(&b, clen, mps, hdr);
		} else {
			pcie__burst(&b, 0, 4096, hdr);
			b.ntlp = div_up(clen, mrrs);
		}
		pcie__path_send(links, nl, PCIE_UP, &b, t, &first_arrive, &arrive);
		arrive += fab->cfg.rc_latency_ps;
		first_arrive += fab->cfg.rc_latency_ps;

		/* Translation at the root complex: in order, starting with the first TLP. */
		uint64_t xs = first_arrive > xlate_free ? first_arrive : xlate_free;
		if (iommu->ops)
			iommu->ops->translate(iommu->unit, r.sid, req_addr, clen, d->write, xs, &x);
		xlate_free = xs + x.lat_ps;
		/* What protection is for: writes of an assigned function landing in memory its
		 * owner does not own. */
		if (x.ok && d->write && fn->owner && mem_owner(fab->mem, x.hpa) != fn->owner)
			fab->st.dma_outside_owner_bytes += clen;
		if (trace_on() && iommu->ops) {
			char args[96];

			if (!fab->track)
				fab->track =
				    trace_track(sim_trace, "machine", "root complex + IOMMU");
			snprintf(args, sizeof(args),
				 "\"iova\":\"0x%llx\",\"sid\":\"%04x\",\"ok\":%s",
				 (unsigned long long)a, r.sid, x.ok ? "true" : "false");
			trace_span(sim_trace, fab->track, "iommu", d->write ? "translate (write)"
									 : "translate (read)",
				   xs, xs + x.lat_ps, args);
		}
		/* A translated address in a PCI window goes down to the peer that claims it. */
		if (x.ok && fab->cfg.rc_p2p && pcie_claims(fab, x.hpa) &&
		    (peer = pcie__decode_mem(fab, x.hpa, &bar, &off)) == NULL) {
			x.ok = false; /* nobody claims it: unsupported request */
			fab->st.dma_ur++;
		}
		if (x.ok && !fab->cfg.rc_p2p && pcie_claims(fab, x.hpa)) {
			x.ok = false;
			fab->st.dma_ur++;
		}
		add_seg(d, peer ? off : x.hpa, clen, x.ok, peer, bar);
		if (!x.ok && d->status == PCIE_DMA_OK) {
			d->status = PCIE_DMA_BLOCKED;
			fab->st.dma_blocked++;
		}
		uint64_t ready = (arrive > xlate_free ? arrive : xlate_free);
		uint64_t chunk_done;
		unsigned npeer = 0;
		struct pcie_hop *phops = NULL;

		if (peer) {
			if (d->route != PCIE_ROUTE_RC_PEER) {
				d->route = PCIE_ROUTE_RC_PEER;
				fab->st.p2p_rc++;
			}
			phops = (struct pcie_hop *)pcie__fn_path(peer, &npeer);
			ready += fab->cfg.rc_latency_ps;
			pcie__path_send(phops, npeer, PCIE_DOWN, &b, ready, NULL, &ready);
		}
		if (d->write) {
			chunk_done =
			    ready + (x.ok && !peer ? mem_access_ps(fab->mem, clen, false) : 0);
		} else {
			/* Memory or the peer (or the error), then completions back down. */
			uint64_t t_data = ready;
			struct pcie_tlps c;

			if (x.ok && !peer)
				t_data += mem_access_ps(fab->mem, clen, false);
			pcie__burst(&c, x.ok ? clen : 0, mps, PCIE_TLP_HDR_3DW);
			c.ntlp = x.ok ? completion_tlps(a, clen, rcb, mps) : 1;
			if (peer) {
				t_data += fab->cfg.mmio_dev_ps;
				pcie__path_send(phops, npeer, PCIE_UP, &c, t_data, NULL, &t_data);
			}
			t_data += fab->cfg.rc_latency_ps;
			pcie__path_send(links, nl, PCIE_DOWN, &c, t_data, NULL, &t_data);
			chunk_done = t_data;
		}
		if (chunk_done > done)
			done = chunk_done;
		a += clen;
	}
	d->t_done = done;
	return 0;
}

/* A peer's BAR, accessed in naturally aligned pieces of up to 8 bytes. */
static void peer_io(struct pcie_fn *peer, int bar, uint64_t off, uint8_t *p, uint32_t len,
		    bool write)
{
	while (len) {
		unsigned sz = 8;

		while (sz > 1 && ((off & (sz - 1)) || sz > len))
			sz >>= 1;
		if (write) {
			uint64_t v = 0;

			memcpy(&v, p, sz);
			if (peer->ops && peer->ops->mmio_write)
				peer->ops->mmio_write(peer->ctx, bar, off, sz, v);
		} else {
			uint64_t v = ~0ull;

			if (peer->ops && peer->ops->mmio_read)
				v = peer->ops->mmio_read(peer->ctx, bar, off, sz);
			memcpy(p, &v, sz);
		}
		off += sz;
		p += sz;
		len -= sz;
	}
}

void pcie_dma_read_data(struct pcie_fn *fn, const struct pcie_dma *d, void *buf)
{
	uint8_t *p = buf;

	if (d->status == PCIE_DMA_NO_MASTER) {
		memset(buf, 0xff, d->len);
		return;
	}
	for (unsigned i = 0; i < d->nseg; i++) {
		if (!d->seg[i].ok)
			memset(p, 0xff, d->seg[i].len); /* completer abort: no data */
		else if (d->seg[i].peer)
			peer_io(d->seg[i].peer, d->seg[i].bar, d->seg[i].hpa, p, d->seg[i].len,
				false);
		else
			mem_read(fn->fab->mem, d->seg[i].hpa, p, d->seg[i].len);
		p += d->seg[i].len;
	}
}

void pcie_dma_write_data(struct pcie_fn *fn, const struct pcie_dma *d, const void *buf)
{
	const uint8_t *p = buf;

	if (d->status == PCIE_DMA_NO_MASTER)
		return;
	for (unsigned i = 0; i < d->nseg; i++) {
		if (d->seg[i].ok && d->seg[i].peer)
			peer_io(d->seg[i].peer, d->seg[i].bar, d->seg[i].hpa, (uint8_t *)p,
				d->seg[i].len, true);
		else if (d->seg[i].ok)
			mem_write(fn->fab->mem, d->seg[i].hpa, p, d->seg[i].len);
		p += d->seg[i].len;
	}
}

int pcie_msi_send(struct pcie_fn *fn, uint64_t addr, uint32_t data, uint64_t t,
		  struct pcie_irq *irq)
{
	struct pcie_fabric *fab = fn->fab;
	unsigned nl;
	struct pcie_hop *links = (struct pcie_hop *)pcie__fn_path(fn, &nl);
	const struct pcie_iommu *iommu;
	struct pcie_tlps b;
	uint64_t at;

	memset(irq, 0, sizeof(*irq));
	if (!pcie_fn_bus_master(fn)) {
		/* An MSI is a memory write: no bus mastering, no interrupt (PCI 3.0 §6.8). */
		fab->st.msi_no_master++;
		irq->status = -EPERM;
		irq->t_deliver = t;
		return -EPERM;
	}
	fab->st.msi_sent++;
	pcie__burst(&b, 4, 4096, addr >> 32 ? PCIE_TLP_HDR_4DW : PCIE_TLP_HDR_3DW);
	pcie__path_send(links, nl, PCIE_UP, &b, t, NULL, &at);
	at += fab->cfg.rc_latency_ps;
	irq->t_deliver = at;
	iommu = pcie__iommu(fn);
	if (iommu->ops && iommu->ops->remap_msi)
		iommu->ops->remap_msi(iommu->unit, pcie_fn_dma_rid(fn), addr, data, at, irq);
	else if (fab->hooks.msi)
		fab->hooks.msi(fab->hooks.ctx, pcie_fn_dma_rid(fn), addr, data, at, irq);
	else
		irq->status = -ENODEV;
	if (fab->hooks.post)
		fab->hooks.post(fab->hooks.ctx, irq);
	return 0;
}

void pcie_irq_commit(const struct pcie_irq *irq)
{
	if (irq->commit)
		irq->commit(irq->ctx, irq);
}
