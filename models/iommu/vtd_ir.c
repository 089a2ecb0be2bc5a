/* SPDX-License-Identifier: MIT */
/*
 * Interrupt remapping (VT-d 3.x ch. 5): an MSI write reaching the unit is either
 * compatibility format, passed only while GSTS.CFIS is set and IRTA.EIME is clear (§5.1.2.1),
 * or remappable (§5.1.2.2): its handle (plus subhandle when SHV) indexes the IRTE table, whose
 * entry is checked for reserved bits (§9.10, §9.11) and validated against the requester
 * (SVT/SQ) and yields either a remapped interrupt to an APIC or, in posted format, an update
 * of a posted-interrupt descriptor (§9.12) followed by a notification event when ON was clear
 * and SN clear (or URG set), §5.2.3. IRTEs are cached in the interrupt entry cache until
 * software invalidates them (§6.2.5). Blocked requests record the fault reasons of §7.1.1 with
 * the interrupt index in FI 63:48.
 */
#include "models/iommu/vtd_internal.h"
#include "models/mem/mem.h"
#include "models/pcie/pcie.h"
#include "models/pcie/pcie_regs.h"
#include "sim/trace.h"

#include <stdio.h>

#include <stdarg.h>
#include <string.h>

/* What a pending message carries to commit (struct pcie_irq's words, this unit's own packing):
 * w[0] the kind; deliver: w[1] the destination APIC ID, w[2] the vector and IRQ_W_LEVEL; post:
 * w[1] the SID and IRQ_W_INDEX(index), w[2] the vector and IRQ_W_URGENT, w[3] the descriptor. */
enum { IRQ_KIND_DELIVER = 1, IRQ_KIND_POST = 2 };
#define IRQ_W_LEVEL	  0x100u
#define IRQ_W_URGENT	  0x200u
#define IRQ_W_INDEX(i)	  ((uint64_t)(i) << 16)
#define IRQ_W_INDEX_OF(w) ((uint32_t)((w) >> 16))

static struct vtd_centry *iec_find(struct vtd *v, uint32_t index)
{
	struct vtd_centry *e;

	v->st.iec_lookups++;
	e = vtd__cache_lookup(&v->iec, index, 0);
	if (e)
		v->st.iec_hits++;
	else
		v->st.iec_misses++;
	return e;
}

static void iec_insert(struct vtd *v, uint32_t index, const struct vtd_irte *irte)
{
	struct vtd_centry *e = vtd__cache_insert(&v->iec, index, 0);

	if (e) {
		e->d[0] = irte->val[0];
		e->d[1] = irte->val[1];
	}
}

/* §9.10: SVT 1 compares the requester ID under the SQ mask; SVT 2 checks its bus against
 * the [start, end] bus range in the SID field; SVT 3 is reserved. */
static bool sid_ok(const struct vtd_irte *irte, uint16_t sid, bool *rsvd)
{
	unsigned svt = vtd_irte_svt(irte);
	uint16_t esid = vtd_irte_sid(irte);

	*rsvd = false;
	switch (svt) {
	case IRTE_SVT_NONE:
		return true;
	case IRTE_SVT_SID: {
		static const uint16_t sq_mask[4] = {0xffff, 0xfffb, 0xfff9, 0xfff8};
		uint16_t m = sq_mask[vtd_irte_sq(irte)];

		return (sid & m) == (esid & m);
	}
	case IRTE_SVT_BUS: {
		uint8_t bus = (uint8_t)PCI_BUS_NUM(sid);

		return bus >= vtd_irte_bus_start(irte) && bus <= vtd_irte_bus_end(irte);
	}
	default:
		*rsvd = true;
		return false;
	}
}

static void step(struct vtd *v, const char *name, uint64_t t, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void step(struct vtd *v, const char *name, uint64_t t, const char *fmt, ...)
{
	char args[160];
	va_list ap;

	if (!v->track)
		v->track = trace_track(sim_trace, "machine", v->cfg.name);
	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	trace_instant(sim_trace, v->track, "irq", name, t, args);
}

static bool eime(const struct vtd *v)
{
	return (v->irta & DMA_IRTA_EIME) && (v->ecap & ECAP_EIM);
}

/* Reserved fields of a present IRTE (§9.10, §9.11): fault 24h. */
static bool irte_rsvd(const struct vtd *v, const struct vtd_irte *irte)
{
	uint64_t lo = irte->val[0], hi = irte->val[1];

	if (vtd_irte_im(irte)) {
		/* Posted format exists only with CAP.PI. */
		return !(v->cap & CAP_PI) || (lo & IRTE_LO_RSVD_POST) || (hi & IRTE_HI_RSVD_POST);
	}
	if ((lo & IRTE_LO_RSVD_REMAP) || (hi & IRTE_HI_RSVD_REMAP))
		return true;
	/* xAPIC mode: the destination is bits 47:40; 39:32 and 63:48 are reserved. */
	return !eime(v) && (lo & IRTE_LO_RSVD_XAPIC);
}

static void post(struct vtd *v, const struct pcie_irq *irq)
{
	/* Posted (§9.12, §5.2.3): set PIR[vv]; if ON was clear and (SN clear or URG), set ON and
	 * send the notification vector to NDST. Done as one atomic update of the descriptor. */
	uint64_t pda = irq->w[3];
	uint8_t vv = (uint8_t)irq->w[2];
	bool urg = irq->w[2] & IRQ_W_URGENT;
	uint64_t pir_word = pda + pi_pir_word(vv);
	struct vtd_posted p = {.pda = pda,
			       .vector = vv,
			       .urgent = urg,
			       .t = irq->t_deliver,
			       .index = IRQ_W_INDEX_OF(irq->w[1]),
			       .sid = (uint16_t)irq->w[1]};
	uint64_t ctl;

	mem_write64(v->mem, pir_word, mem_read64(v->mem, pir_word) | pi_pir_bit(vv));
	ctl = mem_read64(v->mem, pda + PI_DESC_CTL);
	p.nv = pi_ctl_nv(ctl);
	p.ndst = pi_ctl_dest(ctl, eime(v)); /* xAPIC: the ID sits in NDST[15:8] */
	if (!pi_ctl_on(ctl) && (!pi_ctl_sn(ctl) || urg)) {
		mem_write64(v->mem, pda + PI_DESC_CTL, ctl | PI_DESC_ON);
		v->st.pi_notifications++;
		p.notified = true;
	} else {
		v->st.pi_suppressed++;
	}
	if (trace_on())
		step(v,
		     p.notified	      ? "interrupt posted (PIR bit, ON)"
		     : pi_ctl_on(ctl) ? "interrupt posted (PIR bit only: ON already set)"
				      : "interrupt posted (PIR bit only: SN set, no notification)",
		     irq->t_deliver, "\"vector\":\"0x%02x\",\"descriptor\":\"0x%llx\"",
		     (unsigned)vv, (unsigned long long)pda);
	if (v->hooks.posted)
		v->hooks.posted(v->hooks.ctx, &p);
	if (p.notified && v->hooks.deliver)
		v->hooks.deliver(v->hooks.ctx, p.ndst, p.nv, false, irq->t_deliver);
}

static void commit(void *ctx, const struct pcie_irq *irq)
{
	struct vtd *v = ctx;

	if (irq->status)
		return;
	if (trace_on() && irq->w[0] == IRQ_KIND_DELIVER)
		step(v, "interrupt remapped", irq->t_deliver, "\"vector\":\"0x%02x\",\"apic\":%u",
		     (unsigned)(irq->w[2] & 0xff), (unsigned)irq->w[1]);
	if (irq->w[0] == IRQ_KIND_DELIVER) {
		if (v->hooks.deliver)
			v->hooks.deliver(v->hooks.ctx, (uint32_t)irq->w[1], (uint8_t)irq->w[2],
					 irq->w[2] & IRQ_W_LEVEL, irq->t_deliver);
		return;
	}
	post(v, irq);
}

static void block(struct vtd *v, struct pcie_irq *irq, uint16_t sid, uint32_t index, uint8_t reason,
		  bool fpd, uint64_t t)
{
	/* Interrupt requests are writes; the index goes in FI bits 63:48 (§7.3.1). */
	struct vtd_fault f = {
	    .sid = sid, .fi = VTD_FRCD_FI_IR_INDEX(index), .reason = reason, .fpd = fpd};

	irq->status = -1;
	v->st.ir_blocked++;
	vtd__record_fault(v, &f, t);
}

void vtd_remap_msi(struct vtd *v, uint16_t sid, uint64_t addr, uint32_t data, uint64_t t,
		   struct pcie_irq *irq)
{
	uint32_t gsts;
	uint64_t lat = v->cfg.ir_ps;

	vtd__sync(v, t);
	gsts = vtd__gsts(v);
	v->st.ir_requests++;
	irq->commit = commit;
	irq->ctx = v;
	irq->status = 0;
	irq->t_deliver = t + lat;

	if (!(gsts & DMA_GSTS_IRES) || !msi_is_remappable(addr)) {
		/* §5.1.2.1: with remapping on, compatibility format passes only with CFIS set and
		 * extended interrupt mode off. */
		if ((gsts & DMA_GSTS_IRES) && (!(gsts & DMA_GSTS_CFIS) || eime(v))) {
			block(v, irq, sid, 0, VTD_FR_IR_COMPAT_BLOCK, false, t);
			return;
		}
		struct msi_compat m = msi_compat_decode(addr, data);

		v->st.ir_compat++;
		irq->w[0] = IRQ_KIND_DELIVER;
		irq->w[1] = m.dest;
		irq->w[2] = m.vector | (m.level_trigger ? IRQ_W_LEVEL : 0);
		return;
	}

	uint32_t handle = IR_MSI_HANDLE(addr);
	uint32_t index = handle + ((addr & IR_MSI_SHV) ? IR_MSI_SUBHANDLE(data) : 0);
	uint32_t entries = DMA_IRTA_ENTRIES(v->irta);
	struct vtd_centry *e;
	struct vtd_irte irte;
	bool rsvd, fpd;

	if (data & IR_MSI_DATA_RSVD) {
		block(v, irq, sid, index, VTD_FR_IR_RSVD_REQ, false, t);
		return;
	}
	if (index >= entries) {
		block(v, irq, sid, index, VTD_FR_IR_INDEX_OVER, false, t);
		return;
	}
	e = iec_find(v, index);
	if (e) {
		irte.val[0] = e->d[0];
		irte.val[1] = e->d[1];
	} else {
		uint64_t pa = (v->irta & DMA_IRTA_BASE) + (uint64_t)index * VTD_IRTE_SIZE;

		if (!v->mem || !mem_is_ram(v->mem, pa, VTD_IRTE_SIZE)) {
			block(v, irq, sid, index, VTD_FR_IR_TABLE_ACCESS, false, t);
			return;
		}
		irte.val[0] = mem_read64(v->mem, pa);
		irte.val[1] = mem_read64(v->mem, pa + 8);
		lat += mem_access_ps(v->mem, VTD_IRTE_SIZE, false);
		irq->t_deliver = t + lat;
		if (vtd_irte_present(&irte))
			iec_insert(v, index, &irte);
	}
	fpd = vtd_irte_fpd(&irte);
	if (!vtd_irte_present(&irte)) {
		block(v, irq, sid, index, VTD_FR_IR_NOT_PRESENT, fpd, t);
		return;
	}
	if (irte_rsvd(v, &irte)) {
		block(v, irq, sid, index, VTD_FR_IR_IRTE_RSVD, fpd, t);
		return;
	}
	if (!sid_ok(&irte, sid, &rsvd)) {
		block(v, irq, sid, index, rsvd ? VTD_FR_IR_IRTE_RSVD : VTD_FR_IR_SID_MISMATCH, fpd,
		      t);
		return;
	}
	if (vtd_irte_im(&irte)) {
		uint64_t pda = vtd_irte_pda(&irte);

		if (!mem_is_ram(v->mem, pda, PI_DESC_SIZE)) {
			block(v, irq, sid, index, VTD_FR_IR_PID_ACCESS, fpd, t);
			return;
		}
		v->st.ir_posted++;
		irq->w[0] = IRQ_KIND_POST;
		irq->w[1] = sid | IRQ_W_INDEX(index);
		irq->w[2] = vtd_irte_vector(&irte) | (vtd_irte_urg(&irte) ? IRQ_W_URGENT : 0);
		irq->w[3] = pda;
		/* The descriptor update is a read-modify-write of memory. */
		irq->t_deliver += 2 * mem_access_ps(v->mem, 8, false);
		return;
	}
	v->st.ir_remapped++;
	irq->w[0] = IRQ_KIND_DELIVER;
	irq->w[1] = vtd_irte_dst(&irte, eime(v)); /* xAPIC: destination ID in bits 47:40 */
	irq->w[2] = vtd_irte_vector(&irte) | (vtd_irte_tm(&irte) ? IRQ_W_LEVEL : 0);
}
