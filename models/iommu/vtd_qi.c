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
	regs_set(&v->r, DMAR_IQER_REG, 8, (iqer & ~0xfull) | (iqei & 0xf));
	vtd__fault_status(v, DMA_FSTS_IQE, t);
}

/* The range an ATS invalidate request names (PCIe ATS: with S, the lowest clear address bit
 * from 12 up sets the size; all ones: everything). */
static void ats_range(uint64_t hi, bool s, uint64_t *addr, uint64_t *size)
{
	uint64_t a = hi & ~0xfffull;

	if (!s) {
		*addr = a;
		*size = 4096;
		return;
	}
	for (unsigned b = 12; b < 64; b++) {
		if (!(a & (1ull << b))) {
			*size = 1ull << (b + 1);
			*addr = a & ~(*size - 1);
			return;
		}
	}
	*addr = 0;
	*size = 0;
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
static unsigned execute(struct vtd *v, struct qi_state *q, uint64_t lo, uint64_t hi, uint64_t t)
{
	unsigned type = (unsigned)QI_TYPE_FULL(lo);
	bool sm = vtd__scalable(v);

	if (type >= QI_PIOTLB_TYPE && type <= QI_PDIOTLB_TYPE && !sm)
		return DMA_IQEI_TTM; /* PASID-based descriptors need scalable mode */
	switch (type) {
	case QI_CC_TYPE:
		if (!QI_GRAN(lo))
			return DMA_IQEI_RSVD;
		vtd__ctx_flush(v, (int)QI_GRAN(lo), (uint16_t)QI_CC_DID(lo),
			       (uint16_t)QI_CC_SID(lo), (unsigned)QI_CC_FM(lo));
		return 0;
	case QI_IOTLB_TYPE:
		if (!QI_GRAN(lo))
			return DMA_IQEI_RSVD;
		if (QI_GRAN(lo) == QI_GRAN_DEVICE && QI_IOTLB_AM(hi) > CAP_MAMV(v->cap))
			return DMA_IQEI_RSVD;
		vtd__iotlb_flush(v, (int)QI_GRAN(lo), (uint16_t)QI_IOTLB_DID(lo),
				 hi & QI_IOTLB_ADDR, (unsigned)QI_IOTLB_AM(hi), hi & QI_IOTLB_IH);
		return 0;
	case QI_DIOTLB_TYPE: {
		uint64_t addr, size;

		if (!(v->ecap & ECAP_DT))
			return DMA_IQEI_TYPE;
		ats_range(hi, hi & QI_DEV_SIZE, &addr, &size);
		devtlb(v, q, (uint16_t)QI_DEV_SID(lo), false, 0, addr, size, t);
		return 0;
	}
	case QI_PDIOTLB_TYPE: {
		uint64_t addr = 0, size = 0;

		if (!(v->ecap & ECAP_DT))
			return DMA_IQEI_TYPE;
		if (!(hi & QI_PDEV_G))
			ats_range(hi, hi & QI_PDEV_SIZE, &addr, &size);
		devtlb(v, q, (uint16_t)QI_PDEV_SID(lo), true, QI_PDEV_PASID(lo), addr, size, t);
		return 0;
	}
	case QI_IEC_TYPE:
		if (!(v->ecap & ECAP_IR))
			return DMA_IQEI_TYPE;
		vtd__iec_flush(v, !(lo & QI_IEC_G_INDEX), (uint32_t)QI_IEC_IIDX(lo),
			       (unsigned)QI_IEC_IM(lo));
		return 0;
	case QI_PIOTLB_TYPE:
		if (QI_GRAN(lo) != QI_GRAN_NONG_PASID && QI_GRAN(lo) != QI_GRAN_PSI_PASID)
			return DMA_IQEI_RSVD;
		if (QI_GRAN(lo) == QI_GRAN_PSI_PASID && QI_IOTLB_AM(hi) > CAP_MAMV(v->cap))
			return DMA_IQEI_RSVD;
		vtd__piotlb_flush(v, (int)QI_GRAN(lo), (uint16_t)QI_IOTLB_DID(lo),
				  QI_PIOTLB_PASID(lo), hi & QI_IOTLB_ADDR,
				  (unsigned)QI_IOTLB_AM(hi), hi & QI_IOTLB_IH);
		return 0;
	case QI_PC_TYPE:
		if (QI_GRAN(lo) == 2)
			return DMA_IQEI_RSVD;
		vtd__pasid_cache_flush(v, (int)QI_GRAN(lo), (uint16_t)QI_IOTLB_DID(lo),
				       QI_PIOTLB_PASID(lo));
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
				 (regs_get(&v->r, DMAR_IQER_REG, 8) &
				  ~(0xffffull << DMA_IQER_ITESID_SHIFT)) |
				     ((uint64_t)q->lost_sid << DMA_IQER_ITESID_SHIFT));
			vtd__fault_status(v, DMA_FSTS_ITE, sim_now());
			return 0; /* aborted: no status write, no interrupt */
		}
		if (q->devtlb_done > sim_now())
			sim_sleep_until(q->devtlb_done);
		t = sim_now();
		if ((lo & QI_IWD_SW) && v->mem)
			mem_write32(v->mem, hi & QI_IWD_STADDR, QI_IWD_STDATA(lo));
		if ((lo & QI_IWD_IF) && !(regs_get(&v->r, DMAR_ICS_REG, 4) & DMA_ICS_IWC)) {
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
			uint64_t head = regs_get(&v->r, DMAR_IQH_REG, 8) & DMA_IQ_MASK;
			uint64_t tail = regs_get(&v->r, DMAR_IQT_REG, 8) & DMA_IQ_MASK;
			unsigned db = desc_bytes(iqa), iqei;
			uint64_t t, base = iqa & DMA_IQA_BASE, lo, hi;

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
			lo = mem_read64(v->mem, base + head);
			hi = mem_read64(v->mem, base + head + 8);
			v->st.qi_descs++;
			iqei = execute(v, &q, lo, hi, t);
			if (iqei) {
				queue_error(v, iqei, sim_now());
				break;
			}
			head = (head + db) % queue_bytes(iqa);
			regs_set(&v->r, DMAR_IQH_REG, 8, head);
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
