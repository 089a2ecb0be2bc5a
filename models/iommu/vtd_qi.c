/* SPDX-License-Identifier: MIT */
/*
 * Queued invalidation (VT-d 3.x §6.5.2): software writes descriptors into a ring in memory and
 * moves IQT; the unit fetches from IQH, executes each descriptor in order, and advances IQH.
 * The engine is an actor, because invalidation takes time and stale cache entries stay usable
 * until the descriptor has executed: a wait descriptor's status write lands when the work
 * before it is done, and that is what software polls.
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
	return 4096ull << DMA_IQA_QS(iqa);
}

static void queue_error(struct vtd *v, uint64_t t)
{
	v->st.qi_errors++;
	regs_set_bits(&v->r, DMAR_FSTS_REG, 4, DMA_FSTS_IQE);
	vtd__raise_event(v, DMAR_FECTL_REG, DMAR_FEDATA_REG, DMAR_FEADDR_REG, t);
}

/* Execute one descriptor; false on an invalid one (IQE). */
static bool execute(struct vtd *v, uint64_t lo, uint64_t hi, uint64_t t)
{
	switch (QI_TYPE(lo)) {
	case QI_CC_TYPE:
		vtd__ctx_flush(v, (int)QI_GRAN(lo), (uint16_t)QI_CC_DID(lo), (uint16_t)QI_CC_SID(lo),
			       (unsigned)QI_CC_FM(lo));
		v->st.inv_ctx++;
		return QI_GRAN(lo) != 0;
	case QI_IOTLB_TYPE:
		switch (QI_GRAN(lo)) {
		case QI_GRAN_GLOBAL:
			iotlb_flush_all(v->iotlb);
			v->st.inv_iotlb_global++;
			return true;
		case QI_GRAN_DOMAIN:
			iotlb_flush_domain(v->iotlb, (uint16_t)QI_IOTLB_DID(lo));
			v->st.inv_iotlb_domain++;
			return true;
		case QI_GRAN_DEVICE:
			if (QI_IOTLB_AM(hi) > CAP_MAMV(v->cap))
				return false;
			iotlb_flush_range(v->iotlb, (uint16_t)QI_IOTLB_DID(lo), hi & QI_IOTLB_ADDR,
					  (unsigned)QI_IOTLB_AM(hi));
			v->st.inv_iotlb_page++;
			return true;
		default:
			return false;
		}
	case QI_DIOTLB_TYPE:
		/* No device-TLBs behind this unit (ECAP.DT clear): nothing cached to drop. */
		v->st.inv_devtlb++;
		return true;
	case QI_IEC_TYPE:
		vtd__iec_flush(v, !(lo & QI_IEC_G_INDEX), (uint32_t)QI_IEC_IIDX(lo),
			       (unsigned)QI_IEC_IM(lo));
		return true;
	case QI_IWD_TYPE:
		v->st.qi_waits++;
		if (lo & QI_IWD_SW)
			mem_write32(v->mem, hi & QI_IWD_STADDR, QI_IWD_STDATA(lo));
		if (lo & QI_IWD_IF) {
			regs_set_bits(&v->r, DMAR_ICS_REG, 4, DMA_ICS_IWC);
			vtd__raise_event(v, DMAR_IECTL_REG, DMAR_IEDATA_REG, DMAR_IEADDR_REG, t);
		}
		return true;
	default:
		return false;
	}
}

static void qi_engine(void *arg)
{
	struct vtd *v = arg;

	for (;;) {
		sim_set_wait_label("invalidation queue tail");
		sim_event_wait(v->qi_wake);
		for (;;) {
			uint64_t iqa = regs_get(&v->r, DMAR_IQA_REG, 8);
			uint64_t head = regs_get(&v->r, DMAR_IQH_REG, 8) & DMA_IQ_MASK;
			uint64_t tail = regs_get(&v->r, DMAR_IQT_REG, 8) & DMA_IQ_MASK;
			unsigned db = desc_bytes(iqa);
			uint64_t t;

			if (!(vtd__gsts(v) & DMA_GSTS_QIES) || head == tail)
				break;
			if (regs_get(&v->r, DMAR_FSTS_REG, 4) & DMA_FSTS_IQE)
				break; /* halted until software clears IQE */
			if (tail >= queue_bytes(iqa) || (tail % db)) {
				queue_error(v, sim_now());
				break;
			}
			/* Fetch and execute; the work lands when its time is up. */
			sim_sleep_until(sim_now() + v->cfg.qi_desc_ps);
			t = sim_now();
			vtd__sync(v, t);
			uint64_t base = iqa & DMA_IQA_BASE;
			uint64_t lo = mem_read64(v->mem, base + head);
			uint64_t hi = mem_read64(v->mem, base + head + 8);

			v->st.qi_descs++;
			if (!execute(v, lo, hi, t)) {
				queue_error(v, t);
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
