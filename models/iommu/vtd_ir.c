/* SPDX-License-Identifier: MIT */
/*
 * Interrupt remapping (VT-d 3.x ch. 5): an MSI write reaching the unit is either
 * compatibility format (passed only while GSTS.CFIS is set, §5.1.2.1) or remappable
 * (§5.1.2.2): its handle (plus subhandle when SHV) indexes the IRTE table, whose entry is
 * validated against the requester (§9.10 SVT/SQ) and yields either a remapped interrupt to an
 * APIC or, in posted format (§9.11), an update of a posted-interrupt descriptor (§9.12)
 * followed by a notification event when ON and SN were clear.
 */
#include "models/iommu/vtd_internal.h"
#include "models/mem/mem.h"
#include "models/pcie/pcie.h"
#include "sim/trace.h"

#include <stdio.h>

#include <stdarg.h>
#include <string.h>

enum { IRQ_KIND_DELIVER = 1, IRQ_KIND_POST = 2 };

static struct iec_entry *iec_find(struct vtd *v, uint32_t index)
{
	v->st.iec_lookups++;
	for (unsigned i = 0; i < v->cfg.iec_entries; i++) {
		if (v->iec[i].valid && v->iec[i].index == index) {
			v->iec[i].stamp = ++v->clock;
			v->st.iec_hits++;
			return &v->iec[i];
		}
	}
	v->st.iec_misses++;
	return NULL;
}

static void iec_insert(struct vtd *v, uint32_t index, uint64_t lo, uint64_t hi)
{
	struct iec_entry *victim = &v->iec[0];

	for (unsigned i = 0; i < v->cfg.iec_entries; i++) {
		if (!v->iec[i].valid) {
			victim = &v->iec[i];
			break;
		}
		if (v->iec[i].stamp < victim->stamp)
			victim = &v->iec[i];
	}
	victim->valid = true;
	victim->index = index;
	victim->lo = lo;
	victim->hi = hi;
	victim->stamp = ++v->clock;
}

/* §9.10: SVT 1 compares the requester ID under the SQ mask; SVT 2 checks its bus against
 * the [start, end] bus range in the SID field. */
static bool sid_ok(uint64_t hi, uint16_t sid, bool *rsvd)
{
	unsigned svt = (unsigned)IRTE_HI_SVT(hi);
	uint16_t esid = (uint16_t)IRTE_HI_SID(hi);

	*rsvd = false;
	switch (svt) {
	case IRTE_SVT_NONE:
		return true;
	case IRTE_SVT_SID: {
		static const uint16_t sq_mask[4] = {0xffff, 0xfffb, 0xfff9, 0xfff8};
		uint16_t m = sq_mask[IRTE_HI_SQ(hi)];

		return (sid & m) == (esid & m);
	}
	case IRTE_SVT_BUS: {
		uint8_t bus = (uint8_t)(sid >> 8);

		return bus >= (esid >> 8) && bus <= (esid & 0xff);
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

static void commit(void *ctx, const struct pcie_irq *irq)
{
	struct vtd *v = ctx;

	if (irq->status)
		return;
	if (trace_on()) {
		if (irq->w[0] == IRQ_KIND_DELIVER)
			step(v, "interrupt remapped", irq->t_deliver,
			     "\"vector\":\"0x%02x\",\"apic\":%u", (unsigned)(irq->w[2] & 0xff),
			     (unsigned)irq->w[1]);
		else
			step(v, "interrupt posted (PIR bit, ON)", irq->t_deliver,
			     "\"vector\":\"0x%02x\",\"descriptor\":\"0x%llx\"",
			     (unsigned)(irq->w[2] & 0xff), (unsigned long long)irq->w[3]);
	}
	if (irq->w[0] == IRQ_KIND_DELIVER) {
		if (v->hooks.deliver)
			v->hooks.deliver(v->hooks.ctx, (uint32_t)irq->w[1], (uint8_t)irq->w[2],
					 (irq->w[2] >> 8) & 1, irq->t_deliver);
		return;
	}
	/* Posted (§9.12): set PIR[vv]; if ON was clear and (SN clear or URG), set ON and send
	 * the notification vector to NDST. Done as one atomic update of the descriptor. */
	uint64_t pda = irq->w[3];
	uint8_t vv = (uint8_t)irq->w[2];
	bool urg = (irq->w[2] >> 9) & 1;
	uint64_t pir_word = pda + PID_PIR_OFF + (vv / 64) * 8;
	uint64_t ctl;

	mem_write64(v->mem, pir_word, mem_read64(v->mem, pir_word) | (1ull << (vv % 64)));
	ctl = mem_read64(v->mem, pda + PID_CTRL_OFF);
	if (!(ctl & PID_ON) && (!(ctl & PID_SN) || urg)) {
		uint32_t ndst = PID_NDST(ctl);

		mem_write64(v->mem, pda + PID_CTRL_OFF, ctl | PID_ON);
		v->st.pi_notifications++;
		if (!(v->irta & DMA_IRTA_EIME))
			ndst = (ndst >> 8) & 0xff; /* xAPIC: the ID sits in NDST[15:8] */
		if (v->hooks.deliver)
			v->hooks.deliver(v->hooks.ctx, ndst, (uint8_t)PID_NV(ctl), false,
					 irq->t_deliver);
	} else {
		v->st.pi_suppressed++;
	}
}

static void block(struct vtd *v, struct pcie_irq *irq, uint16_t sid, uint32_t index,
		  uint8_t reason, bool fpd, uint64_t t)
{
	irq->status = -1;
	v->st.ir_blocked++;
	/* Interrupt-remapping faults record the index in FI bits 63:48 (§7.3.1). */
	vtd__record_fault(v, sid, (uint64_t)index << 48, reason, false, fpd, t);
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

	if (!(gsts & DMA_GSTS_IRES) || !(addr & IR_MSI_FORMAT)) {
		if ((gsts & DMA_GSTS_IRES) && !(gsts & DMA_GSTS_CFIS)) {
			block(v, irq, sid, 0, VTD_FR_IR_COMPAT_BLOCK, false, t);
			return;
		}
		/* Compatibility format passes through untranslated. */
		v->st.ir_compat++;
		irq->w[0] = IRQ_KIND_DELIVER;
		irq->w[1] = MSI_ADDR_DEST(addr);
		irq->w[2] = MSI_DATA_VECTOR(data) | ((data & MSI_DATA_TRIGGER) ? 0x100u : 0);
		return;
	}

	uint32_t handle = IR_MSI_HANDLE(addr);
	uint32_t index = handle + ((addr & IR_MSI_SHV) ? (data & 0xffff) : 0);
	uint32_t entries = 1u << (DMA_IRTA_S(v->irta) + 1);
	struct iec_entry *e;
	uint64_t lo, hi;
	bool rsvd;

	if (index >= entries) {
		block(v, irq, sid, index, VTD_FR_IR_INDEX_OVER, false, t);
		return;
	}
	e = iec_find(v, index);
	if (e) {
		lo = e->lo;
		hi = e->hi;
	} else {
		uint64_t pa = (v->irta & DMA_IRTA_BASE) + (uint64_t)index * 16;

		if (!mem_is_ram(v->mem, pa, 16)) {
			block(v, irq, sid, index, VTD_FR_IR_TABLE_ACCESS, false, t);
			return;
		}
		lo = mem_read64(v->mem, pa);
		hi = mem_read64(v->mem, pa + 8);
		lat += mem_access_ps(v->mem, 16, false);
		irq->t_deliver = t + lat;
		if (lo & IRTE_P)
			iec_insert(v, index, lo, hi);
	}
	if (!(lo & IRTE_P)) {
		block(v, irq, sid, index, VTD_FR_IR_NOT_PRESENT, lo & IRTE_FPD, t);
		return;
	}
	if (!(lo & IRTE_IM) && (lo & IRTE_LO_RSVD_REMAP)) {
		block(v, irq, sid, index, VTD_FR_IR_IRTE_RSVD, lo & IRTE_FPD, t);
		return;
	}
	if (!sid_ok(hi, sid, &rsvd)) {
		block(v, irq, sid, index, rsvd ? VTD_FR_IR_IRTE_RSVD : VTD_FR_IR_SID_MISMATCH,
		      lo & IRTE_FPD, t);
		return;
	}
	if (lo & IRTE_IM) {
		if (!(v->cap & CAP_PI)) {
			block(v, irq, sid, index, VTD_FR_IR_IRTE_RSVD, lo & IRTE_FPD, t);
			return;
		}
		v->st.ir_posted++;
		irq->w[0] = IRQ_KIND_POST;
		irq->w[2] = ((lo >> IRTE_V_SHIFT) & 0xff) | ((lo & IRTE_URG) ? 0x200u : 0);
		irq->w[3] = ((lo >> 38) << 6) | (IRTE_HI_PDA_HI(hi) << 32);
		/* The descriptor update is a read-modify-write of memory. */
		irq->t_deliver += 2 * mem_access_ps(v->mem, 8, false);
		return;
	}
	v->st.ir_remapped++;
	uint32_t dst = (uint32_t)(lo >> IRTE_DST_SHIFT);
	if (!(v->irta & DMA_IRTA_EIME))
		dst = (dst >> 8) & 0xff; /* xAPIC: destination ID in bits 47:40 */
	irq->w[0] = IRQ_KIND_DELIVER;
	irq->w[1] = dst;
	irq->w[2] = ((lo >> IRTE_V_SHIFT) & 0xff) | ((lo & IRTE_TM) ? 0x100u : 0);
}
