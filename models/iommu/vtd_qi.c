/* SPDX-License-Identifier: MIT */
/*
 * Queued invalidation (VT-d 3.x §6.5.2): software writes descriptors into a ring in memory and
 * moves IQT; the unit fetches from IQH, executes each descriptor in order, and advances IQH.
 * The engine is an actor, because invalidation takes time and stale cache entries stay usable
 * until the descriptor has executed: a wait descriptor's status write lands when the work
 * before it is done, and that is what software polls.
 *
 * Descriptors (§6.5.2.1-6.5.2.8): context-cache (1), IOTLB (2), device-TLB (3), interrupt
 * entry cache (4), wait (5), PASID-based IOTLB (6), PASID cache (7), PASID-based device-TLB
 * (8). Device-TLB invalidations go to the endpoint as ATS invalidate requests; a wait
 * descriptor completes only when every earlier one has its completion back, and when one never
 * comes the unit reports an invalidation time-out (FSTS.ITE, §6.5.2.10) and aborts the wait.
 * An invalid descriptor sets FSTS.IQE with its reason in IQERCD and halts the queue at it
 * until software clears IQE (§6.5.2.10).
 */
#include "models/iommu/vtd_internal.h"
#include "models/mem/mem.h"
#include "sim/engine.h"

#include <stdio.h>

static unsigned desc_bytes(uint64_t iqa)
{
	return (iqa & DMA_IQA_DW) ? 32 : 16;
}

static uint64_t queue_bytes(uint64_t iqa)
{
	/* QS: 2^QS 4 KiB pages: 2^(QS+8) 128-bit or 2^(QS+7) 256-bit descriptors (§11.4.10). */
	return 4096ull << DMA_IQA_QS(iqa);
}

static void queue_error(struct vtd *v, unsigned iqei, uint64_t t)
{
	uint64_t iqer = regs_get(&v->r, DMAR_IQER_REG, 8);

	v->st.qi_errors++;
	regs_set(&v->r, DMAR_IQER_REG, 8, (iqer & ~DMA_IQER_IQEI_MASK) | VTD_IQER_IQEI(iqei));
	vtd__fault_status(v, DMA_FSTS_IQE, t);
}

struct qi_state {
	uint64_t devtlb_done; /* when every device-TLB invalidation sent so far is complete */
	bool devtlb_lost;     /* one of them will never complete */
	uint16_t lost_sid;
	uint64_t lost_sent;
};

static void devtlb(struct vtd *v, struct qi_state *q, uint16_t sid, bool pp, uint32_t pasid,
		   uint64_t addr, uint64_t size, uint64_t t)
{
	uint64_t done = t;

	v->st.inv_devtlb++;
	if (!v->hooks.devtlb_invalidate ||
	    !v->hooks.devtlb_invalidate(v->hooks.ctx, sid, pp, pasid, addr, size, t, &done)) {
		if (!q->devtlb_lost) {
			q->devtlb_lost = true;
			q->lost_sid = sid;
			q->lost_sent = t;
		}
		return;
	}
	if (done > q->devtlb_done)
		q->devtlb_done = done;
}

/* Execute one descriptor at t; 0, or an IQEI code for an invalid one. The wait descriptor may
 * sleep (the engine is an actor). */
static unsigned execute(struct vtd *v, struct qi_state *q, const struct vtd_inv_desc *d, uint64_t t)
{
	unsigned type = vtd_inv_type(d), gran = vtd_inv_gran(d);
	bool sm = vtd__scalable(v);

	if (type >= QI_PIOTLB_TYPE && type <= QI_PDIOTLB_TYPE && !sm)
		return DMA_IQEI_TTM; /* PASID-based descriptors need scalable mode */
	switch (type) {
	case QI_CC_TYPE:
		if (!gran)
			return DMA_IQEI_RSVD;
		vtd__ctx_flush(v, (int)gran, vtd_inv_did(d), vtd_inv_cc_sid(d), vtd_inv_cc_fm(d));
		return 0;
	case QI_IOTLB_TYPE:
		if (!gran)
			return DMA_IQEI_RSVD;
		if (gran == QI_GRAN_DEVICE && vtd_inv_am(d) > CAP_MAMV(v->cap))
			return DMA_IQEI_RSVD;
		vtd__iotlb_flush(v, (int)gran, vtd_inv_did(d), vtd_inv_addr(d), vtd_inv_am(d),
				 vtd_inv_ih(d));
		return 0;
	case QI_DIOTLB_TYPE: {
		uint64_t addr, size;

		if (!(v->ecap & ECAP_DT))
			return DMA_IQEI_TYPE;
		vtd_inv_dev_range(d, &addr, &size);
		devtlb(v, q, vtd_inv_dev_sid(d), false, 0, addr, size, t);
		return 0;
	}
	case QI_PDIOTLB_TYPE: {
		uint64_t addr, size;

		if (!(v->ecap & ECAP_DT))
			return DMA_IQEI_TYPE;
		vtd_inv_pdev_range(d, &addr, &size);
		devtlb(v, q, vtd_inv_pdev_sid(d), true, vtd_inv_pasid(d), addr, size, t);
		return 0;
	}
	case QI_IEC_TYPE:
		if (!(v->ecap & ECAP_IR))
			return DMA_IQEI_TYPE;
		vtd__iec_flush(v, vtd_inv_iec_global(d), vtd_inv_iec_iidx(d), vtd_inv_iec_im(d));
		return 0;
	case QI_PIOTLB_TYPE:
		if (gran != QI_GRAN_NONG_PASID && gran != QI_GRAN_PSI_PASID)
			return DMA_IQEI_RSVD;
		if (gran == QI_GRAN_PSI_PASID && vtd_inv_am(d) > CAP_MAMV(v->cap))
			return DMA_IQEI_RSVD;
		vtd__piotlb_flush(v, (int)gran, vtd_inv_did(d), vtd_inv_pasid(d), vtd_inv_addr(d),
				  vtd_inv_am(d), vtd_inv_ih(d));
		return 0;
	case QI_PC_TYPE:
		if (gran == 2)
			return DMA_IQEI_RSVD;
		vtd__pasid_cache_flush(v, (int)gran, vtd_inv_did(d), vtd_inv_pasid(d));
		return 0;
	case QI_IWD_TYPE:
		v->st.qi_waits++;
		/* Fence: the work before it, device-TLB completions included, is done first. */
		if (q->devtlb_lost) {
			uint64_t until = q->lost_sent + v->cfg.devtlb_timeout_ps;

			if (until > sim_now())
				sim_sleep_until(until);
			q->devtlb_lost = false;
			v->st.devtlb_timeouts++;
			regs_set(&v->r, DMAR_IQER_REG, 8,
				 (regs_get(&v->r, DMAR_IQER_REG, 8) & ~DMA_IQER_ITESID_MASK) |
				     VTD_IQER_ITESID(q->lost_sid));
			vtd__fault_status(v, DMA_FSTS_ITE, sim_now());
			return 0; /* aborted: no status write, no interrupt */
		}
		if (q->devtlb_done > sim_now())
			sim_sleep_until(q->devtlb_done);
		t = sim_now();
		if (vtd_inv_wait_sw(d) && v->mem)
			mem_write32(v->mem, vtd_inv_wait_addr(d), vtd_inv_wait_data(d));
		if (vtd_inv_wait_if(d) && !(regs_get(&v->r, DMAR_ICS_REG, 4) & DMA_ICS_IWC)) {
			regs_set_bits(&v->r, DMAR_ICS_REG, 4, DMA_ICS_IWC);
			vtd__raise_event(v, DMAR_IECTL_REG, DMAR_IEDATA_REG, DMAR_IEADDR_REG, t);
		}
		return 0;
	default:
		return DMA_IQEI_TYPE;
	}
}

static void qi_engine(void *arg)
{
	struct vtd *v = arg;
	struct qi_state q = {0};

	for (;;) {
		sim_set_wait_label("invalidation queue tail");
		sim_event_wait(v->qi_wake);
		for (;;) {
			uint64_t iqa = regs_get(&v->r, DMAR_IQA_REG, 8);
			uint64_t head = DMA_IQ_OFFSET(regs_get(&v->r, DMAR_IQH_REG, 8));
			uint64_t tail = DMA_IQ_OFFSET(regs_get(&v->r, DMAR_IQT_REG, 8));
			unsigned db = desc_bytes(iqa), iqei;
			uint64_t t, base = iqa & DMA_IQA_BASE;
			struct vtd_inv_desc desc = {{0}};

			vtd__sync(v, sim_now());
			if (!(vtd__gsts(v) & DMA_GSTS_QIES) || head == tail)
				break;
			if (regs_get(&v->r, DMAR_FSTS_REG, 4) & (DMA_FSTS_IQE | DMA_FSTS_ITE))
				break; /* halted until software clears IQE / ITE */
			if (tail >= queue_bytes(iqa)) {
				queue_error(v, DMA_IQEI_TAIL, sim_now());
				break;
			}
			if (tail % db) {
				queue_error(v, DMA_IQEI_TAIL_ALIGN, sim_now());
				break;
			}
			if (vtd__scalable(v) && db != 32) {
				queue_error(v, DMA_IQEI_WIDTH, sim_now());
				break;
			}
			/* Fetch and execute; the work lands when its time is up. */
			sim_sleep_until(sim_now() + v->cfg.qi_desc_ps);
			t = sim_now();
			vtd__sync(v, t);
			if (!v->mem || !mem_is_ram(v->mem, base + head, db)) {
				queue_error(v, DMA_IQEI_FETCH, t);
				break;
			}
			/* What every descriptor uses is in its first 128 bits. */
			desc.val[0] = mem_read64(v->mem, base + head);
			desc.val[1] = mem_read64(v->mem, base + head + 8);
			v->st.qi_descs++;
			iqei = execute(v, &q, &desc, t);
			if (iqei) {
				queue_error(v, iqei, sim_now());
				break;
			}
			head = (head + db) % queue_bytes(iqa);
			regs_set(&v->r, DMAR_IQH_REG, 8, VTD_IQ_OFFSET(head));
		}
	}
}

int vtd__qi_start(struct vtd *v)
{
	char name[48];
	int rc;

	if (v->qi_started)
		return 0;
	rc = sim_event_create(&v->qi_wake);
	if (rc)
		return rc;
	snprintf(name, sizeof(name), "%s.qi", v->cfg.name);
	rc = sim_actor_start(name, qi_engine, v, SIM_ACTOR_DAEMON);
	if (!rc)
		v->qi_started = true;
	return rc;
}

void vtd__qi_kick(struct vtd *v)
{
	if (v->qi_started)
		sim_event_signal(v->qi_wake);
}
