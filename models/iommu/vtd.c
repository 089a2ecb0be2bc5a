/* SPDX-License-Identifier: MIT */
/*
 * VT-d register set (VT-d 3.x §10.4, §11.4): reset values and masks as data, commands through
 * GCMD with their status in GSTS after the unit's command latency (§10.4.4-10.4.5: software
 * polls), register-based invalidation (§6.5.1), fault recording and fault events (§7.3).
 */
#include "models/iommu/vtd_internal.h"
#include "models/mem/mem.h"
#include "sim/engine.h"
#include "sim/rng.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned sagaw_bits(const struct vtd_cfg *c)
{
	return c->sagaw & 0x1f;
}

static uint64_t make_cap(const struct vtd_cfg *c)
{
	uint64_t cap = 0;

	cap |= c->nd & 7;
	cap |= (uint64_t)sagaw_bits(c) << 8;
	cap |= (uint64_t)((c->mgaw - 1) & 0x3f) << 16;
	cap |= (uint64_t)PTSIM_VTD_FRO << 24;
	cap |= (uint64_t)((c->sp_2m ? 1 : 0) | (c->sp_1g ? 2 : 0)) << 34;
	cap |= CAP_PSI;
	cap |= (uint64_t)((c->nfr - 1) & 0xff) << 40;
	cap |= (uint64_t)9 << 48; /* MAMV: page-selective invalidation of up to 2^9 pages */
	cap |= CAP_DWD | CAP_DRD;
	if (c->caching_mode)
		cap |= CAP_CM;
	if (c->posted_interrupts)
		cap |= CAP_PI;
	return cap;
}

static uint64_t make_ecap(const struct vtd_cfg *c)
{
	uint64_t e = 0;

	if (c->coherent)
		e |= ECAP_C;
	if (c->qi)
		e |= ECAP_QI;
	if (c->ir)
		e |= ECAP_IR;
	if (c->eim)
		e |= ECAP_EIM;
	if (c->pt)
		e |= ECAP_PT;
	e |= (uint64_t)PTSIM_VTD_IRO << 8;
	e |= (uint64_t)0xf << 20; /* MHMV: handle mask up to 15 */
	return e;
}

static uint32_t frcd_off(unsigned i)
{
	return PTSIM_VTD_FRO * 16u + 16u * i;
}

static void define_regs(struct vtd *v)
{
	struct regs *r = &v->r;
	const uint32_t ivaoff = PTSIM_VTD_IRO * 16u;

	regs_define(r, DMAR_VER_REG, 4, 0x10, 0, 0, 0);
	regs_define(r, DMAR_CAP_REG, 8, v->cap, 0, 0, 0);
	regs_define(r, DMAR_ECAP_REG, 8, v->ecap, 0, 0, 0);
	regs_define(r, DMAR_GCMD_REG, 4, 0, 0xff800000u, 0, 0xffffffffu);
	regs_define(r, DMAR_GSTS_REG, 4, 0, 0, 0, 0);
	regs_define(r, DMAR_RTADDR_REG, 8, 0, ~0x3ffull, 0, 0);
	regs_define(r, DMAR_CCMD_REG, 8, 0, DMA_CCMD_ICC | (3ull << DMA_CCMD_CIRG_SHIFT) |
					       (3ull << 32) | 0xffffffffull, 0, 0);
	regs_define(r, DMAR_FSTS_REG, 4, 0, 0,
		    DMA_FSTS_PFO | DMA_FSTS_IQE | DMA_FSTS_ICE | DMA_FSTS_ITE, 0);
	regs_define(r, DMAR_FECTL_REG, 4, DMA_FECTL_IM, DMA_FECTL_IM, 0, 0);
	regs_define(r, DMAR_FEDATA_REG, 4, 0, 0xffff, 0, 0);
	regs_define(r, DMAR_FEADDR_REG, 4, 0, 0xfffffffcu, 0, 0);
	regs_define(r, DMAR_FEUADDR_REG, 4, 0, 0xffffffffu, 0, 0);
	regs_define(r, DMAR_IQH_REG, 8, 0, 0, 0, 0);
	regs_define(r, DMAR_IQT_REG, 8, 0, DMA_IQ_MASK, 0, 0);
	regs_define(r, DMAR_IQA_REG, 8, 0, DMA_IQA_BASE | DMA_IQA_DW | 0x7, 0, 0);
	regs_define(r, DMAR_ICS_REG, 4, 0, 0, DMA_ICS_IWC, 0);
	regs_define(r, DMAR_IECTL_REG, 4, DMA_IECTL_IM, DMA_IECTL_IM, 0, 0);
	regs_define(r, DMAR_IEDATA_REG, 4, 0, 0xffff, 0, 0);
	regs_define(r, DMAR_IEADDR_REG, 4, 0, 0xfffffffcu, 0, 0);
	regs_define(r, DMAR_IEUADDR_REG, 4, 0, 0xffffffffu, 0, 0);
	regs_define(r, DMAR_IRTA_REG, 8, 0, DMA_IRTA_BASE | DMA_IRTA_EIME | 0xf, 0, 0);
	regs_define(r, ivaoff, 8, 0, ~0xf80ull, 0, 0);
	regs_define(r, ivaoff + 8, 8, 0,
		    DMA_TLB_IVT | (3ull << DMA_TLB_IIRG_SHIFT) | DMA_TLB_DR | DMA_TLB_DW |
			    (0xffffull << 32),
		    0, 0);
	for (unsigned i = 0; i < v->cfg.nfr; i++) {
		regs_define(r, frcd_off(i), 8, 0, 0, 0, 0);
		regs_define(r, frcd_off(i) + 8, 8, 0, 0, DMA_FRCD_HI_F, 0);
	}
}

int vtd_create(const struct vtd_cfg *cfg, struct mem *mem, struct vtd **out)
{
	struct vtd *v;
	int rc;

	/* The fault records must end before the IOTLB registers (FRO and IRO are fixed here). */
	if (!cfg->nfr || PTSIM_VTD_FRO * 16u + 16u * cfg->nfr > PTSIM_VTD_IRO * 16u ||
	    !cfg->ctx_entries || !cfg->iec_entries || !(cfg->sagaw & 0x0e) || cfg->mgaw < 39 ||
	    cfg->mgaw > 57)
		return -EINVAL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->cfg = *cfg;
	v->mem = mem;
	v->cap = make_cap(cfg);
	v->ecap = make_ecap(cfg);
	rc = regs_init(&v->r, DMAR_REG_SIZE);
	if (rc)
		goto fail;
	define_regs(v);
	rc = sim_rng_create(0, cfg->name, &v->rng);
	if (rc)
		goto fail;
	rc = iotlb_create(&cfg->iotlb, v->rng, &v->iotlb);
	if (rc)
		goto fail;
	v->ctx = calloc(cfg->ctx_entries, sizeof(*v->ctx));
	v->iec = calloc(cfg->iec_entries, sizeof(*v->iec));
	if (!v->ctx || !v->iec) {
		rc = -ENOMEM;
		goto fail;
	}
	*out = v;
	return 0;
fail:
	vtd_destroy(v);
	return rc;
}

void vtd_destroy(struct vtd *v)
{
	if (!v)
		return;
	iotlb_destroy(v->iotlb);
	sim_rng_destroy(v->rng);
	sim_event_destroy(v->qi_wake);
	free(v->ctx);
	free(v->iec);
	regs_free(&v->r);
	free(v);
}

void vtd_set_hooks(struct vtd *v, const struct vtd_hooks *hooks)
{
	v->hooks = *hooks;
}

int vtd_start(struct vtd *v)
{
	return v->cfg.qi ? vtd__qi_start(v) : 0;
}

uint32_t vtd__gsts(const struct vtd *v)
{
	return (uint32_t)regs_get(&v->r, DMAR_GSTS_REG, 4);
}

/* ---- pending command completions ---- */

static void schedule(struct vtd *v, uint64_t t, enum vtd_pending_kind kind, uint64_t arg)
{
	if (v->npending == VTD_MAX_PENDING) {
		/* Software issued more commands than hardware can hold: complete the oldest now. */
		vtd__sync(v, v->pending[0].t);
	}
	v->pending[v->npending].t = t;
	v->pending[v->npending].kind = kind;
	v->pending[v->npending].arg = arg;
	v->npending++;
}

void vtd__ctx_flush(struct vtd *v, int gran, uint16_t did, uint16_t sid, unsigned fm)
{
	/* §6.5.1.1: device-selective with a function mask ignores the low fm bits of devfn. */
	uint16_t mask = (uint16_t)~((1u << (fm > 3 ? 3 : fm)) - 1);

	if (fm == 3)
		mask = 0xfff8;
	for (unsigned i = 0; i < v->cfg.ctx_entries; i++) {
		struct ctx_entry *c = &v->ctx[i];

		if (!c->valid)
			continue;
		if (gran == QI_GRAN_GLOBAL ||
		    (gran == QI_GRAN_DOMAIN && VTD_CTX_HI_DID(c->hi) == did) ||
		    (gran == QI_GRAN_DEVICE && (c->sid & mask) == (sid & mask) &&
		     VTD_CTX_HI_DID(c->hi) == did))
			c->valid = false;
	}
}

void vtd__iec_flush(struct vtd *v, bool global, uint32_t index, unsigned im)
{
	uint32_t mask = ~((1u << im) - 1);

	v->st.inv_iec++;
	for (unsigned i = 0; i < v->cfg.iec_entries; i++)
		if (v->iec[i].valid && (global || (v->iec[i].index & mask) == (index & mask)))
			v->iec[i].valid = false;
}

static void do_pending(struct vtd *v, const struct vtd_pending *p)
{
	const uint32_t ivaoff = PTSIM_VTD_IRO * 16u;

	switch (p->kind) {
	case VTD_P_GSTS: {
		uint32_t g = vtd__gsts(v);

		regs_set(&v->r, DMAR_GSTS_REG, 4, (g & ~DMA_GCMD_PERSIST) | (uint32_t)p->arg);
		break;
	}
	case VTD_P_LATCH_RTA:
		v->rta = regs_get(&v->r, DMAR_RTADDR_REG, 8);
		regs_set_bits(&v->r, DMAR_GSTS_REG, 4, DMA_GSTS_RTPS);
		break;
	case VTD_P_LATCH_IRTA:
		v->irta = regs_get(&v->r, DMAR_IRTA_REG, 8);
		regs_set_bits(&v->r, DMAR_GSTS_REG, 4, DMA_GSTS_IRTPS);
		break;
	case VTD_P_CCMD: {
		unsigned gran = (unsigned)(p->arg >> DMA_CCMD_CIRG_SHIFT) & 3;

		vtd__ctx_flush(v, (int)gran, (uint16_t)DMA_CCMD_DID(p->arg),
			       (uint16_t)DMA_CCMD_SID(p->arg), (unsigned)DMA_CCMD_FM(p->arg));
		v->st.reg_inv_ctx++;
		v->st.inv_ctx++;
		/* ICC clears; CAIG reports the granularity performed. */
		uint64_t c = regs_get(&v->r, DMAR_CCMD_REG, 8);
		c &= ~(DMA_CCMD_ICC | (3ull << DMA_CCMD_CAIG_SHIFT));
		c |= (uint64_t)gran << DMA_CCMD_CAIG_SHIFT;
		regs_set(&v->r, DMAR_CCMD_REG, 8, c);
		break;
	}
	case VTD_P_IOTLB: {
		unsigned gran = (unsigned)(p->arg >> DMA_TLB_IIRG_SHIFT) & 3;
		uint16_t did = (uint16_t)DMA_TLB_DID(p->arg);
		uint64_t iva = regs_get(&v->r, ivaoff, 8);

		if (gran == QI_GRAN_GLOBAL) {
			iotlb_flush_all(v->iotlb);
			v->st.inv_iotlb_global++;
		} else if (gran == QI_GRAN_DOMAIN) {
			iotlb_flush_domain(v->iotlb, did);
			v->st.inv_iotlb_domain++;
		} else if (gran == QI_GRAN_DEVICE) {
			iotlb_flush_range(v->iotlb, did, iva & ~0xfffull, (unsigned)DMA_IVA_AM(iva));
			v->st.inv_iotlb_page++;
		}
		v->st.reg_inv_iotlb++;
		uint64_t c = regs_get(&v->r, ivaoff + 8, 8);
		c &= ~(DMA_TLB_IVT | (3ull << DMA_TLB_IAIG_SHIFT));
		c |= (uint64_t)gran << DMA_TLB_IAIG_SHIFT;
		regs_set(&v->r, ivaoff + 8, 8, c);
		break;
	}
	}
}

void vtd__sync(struct vtd *v, uint64_t t)
{
	while (v->npending) {
		unsigned first = 0;

		for (unsigned i = 1; i < v->npending; i++)
			if (v->pending[i].t < v->pending[first].t)
				first = i;
		if (v->pending[first].t > t)
			return;
		struct vtd_pending p = v->pending[first];
		memmove(&v->pending[first], &v->pending[first + 1],
			(v->npending - first - 1) * sizeof(p));
		v->npending--;
		do_pending(v, &p);
	}
}

/* ---- events ---- */

void vtd__raise_event(struct vtd *v, uint32_t ctl_reg, uint32_t data_reg, uint32_t addr_reg,
		      uint64_t t)
{
	uint32_t ctl = (uint32_t)regs_get(&v->r, ctl_reg, 4);

	if (ctl & DMA_FECTL_IP)
		return; /* one already pending */
	if (ctl & DMA_FECTL_IM) {
		regs_set_bits(&v->r, ctl_reg, 4, DMA_FECTL_IP);
		return;
	}
	uint32_t addr = (uint32_t)regs_get(&v->r, addr_reg, 4);
	uint32_t data = (uint32_t)regs_get(&v->r, data_reg, 4);

	v->st.fault_events++;
	if (v->hooks.deliver)
		v->hooks.deliver(v->hooks.ctx, MSI_ADDR_DEST(addr), (uint8_t)MSI_DATA_VECTOR(data),
				 false, t);
}

static bool any_fault_pending(const struct vtd *v)
{
	for (unsigned i = 0; i < v->cfg.nfr; i++)
		if (regs_get(&v->r, frcd_off(i) + 8, 8) & DMA_FRCD_HI_F)
			return true;
	return false;
}

static void update_ppf(struct vtd *v)
{
	if (any_fault_pending(v))
		regs_set_bits(&v->r, DMAR_FSTS_REG, 4, DMA_FSTS_PPF);
	else
		regs_clear_bits(&v->r, DMAR_FSTS_REG, 4, DMA_FSTS_PPF);
}

/* §7.3.1 primary fault logging: one record per fault in the FRCD ring at the internal index; if
 * that slot is still full the fault is lost and PFO is set. FSTS.FRI names the record that set
 * PPF, and only setting PPF is an interrupt condition (§11.4.9 FSTS.FRI, FECTL.IP). */
void vtd__record_fault(struct vtd *v, uint16_t sid, uint64_t fi, uint8_t reason, bool is_read,
		       bool fpd, uint64_t t)
{
	uint32_t fsts;
	unsigned fri;

	v->st.faults++;
	if (reason < 0x30)
		v->st.faults_by_reason[reason]++;
	if (fpd) {
		v->st.faults_unrecorded++;
		return;
	}
	fsts = (uint32_t)regs_get(&v->r, DMAR_FSTS_REG, 4);
	if (fsts & DMA_FSTS_PFO) {
		v->st.fault_overflows++;
		return;
	}
	fri = v->frcd_next;
	if (regs_get(&v->r, frcd_off(fri) + 8, 8) & DMA_FRCD_HI_F) {
		regs_set_bits(&v->r, DMAR_FSTS_REG, 4, DMA_FSTS_PFO);
		v->st.fault_overflows++;
		return;
	}
	regs_set(&v->r, frcd_off(fri), 8, fi & DMA_FRCD_LO_FI_MASK);
	regs_set(&v->r, frcd_off(fri) + 8, 8,
		 DMA_FRCD_HI_F | (is_read ? DMA_FRCD_HI_T : 0) |
			 ((uint64_t)reason << DMA_FRCD_HI_FR_SHIFT) | sid);
	v->frcd_next = (fri + 1) % v->cfg.nfr;
	if (fsts & DMA_FSTS_PPF)
		return;
	fsts = (fsts & ~(0xffu << DMA_FSTS_FRI_SHIFT)) | (fri << DMA_FSTS_FRI_SHIFT) | DMA_FSTS_PPF;
	regs_set(&v->r, DMAR_FSTS_REG, 4, fsts);
	vtd__raise_event(v, DMAR_FECTL_REG, DMAR_FEDATA_REG, DMAR_FEADDR_REG, t);
}

/* ---- register interface ---- */

uint64_t vtd_reg_read(void *vp, uint64_t off, unsigned size, uint64_t t)
{
	struct vtd *v = vp;

	vtd__sync(v, t);
	if (off >= DMAR_REG_SIZE || (size != 4 && size != 8))
		return 0;
	return regs_read(&v->r, (uint32_t)off, size);
}

static void gcmd_write(struct vtd *v, uint32_t cmd, uint64_t t)
{
	uint32_t sts = vtd__gsts(v);
	uint32_t persist = cmd & DMA_GCMD_PERSIST;
	uint64_t done = t + v->cfg.cmd_ps;

	if (!v->cfg.qi)
		persist &= ~DMA_GCMD_QIE;
	if (!v->cfg.ir)
		persist &= ~(DMA_GCMD_IRE | DMA_GCMD_CFI);
	if ((persist & DMA_GCMD_QIE) && !(sts & DMA_GSTS_QIES))
		regs_set(&v->r, DMAR_IQH_REG, 8, 0); /* §6.5.2: enabling QI resets the head */
	if (cmd & DMA_GCMD_SRTP) {
		/* One-shot: RTPS clears now and sets when the pointer is latched. */
		regs_clear_bits(&v->r, DMAR_GSTS_REG, 4, DMA_GSTS_RTPS);
		schedule(v, done, VTD_P_LATCH_RTA, 0);
	}
	if ((cmd & DMA_GCMD_SIRTP) && v->cfg.ir) {
		regs_clear_bits(&v->r, DMAR_GSTS_REG, 4, DMA_GSTS_IRTPS);
		schedule(v, done, VTD_P_LATCH_IRTA, 0);
	}
	/* Persistent enables (TE, QIE, IRE, CFI) reach GSTS after the command latency. */
	if (persist != (sts & DMA_GCMD_PERSIST))
		schedule(v, done, VTD_P_GSTS, persist);
}

void vtd_reg_write(void *vp, uint64_t off, unsigned size, uint64_t val, uint64_t t)
{
	struct vtd *v = vp;
	const uint32_t ivaoff = PTSIM_VTD_IRO * 16u;

	vtd__sync(v, t);
	if (off >= DMAR_REG_SIZE || (size != 4 && size != 8))
		return;
	regs_write(&v->r, (uint32_t)off, size, val);

	switch (off) {
	case DMAR_GCMD_REG:
		gcmd_write(v, (uint32_t)val, t);
		return;
	case DMAR_CCMD_REG:
	case DMAR_CCMD_REG + 4:
		if (regs_get(&v->r, DMAR_CCMD_REG, 8) & DMA_CCMD_ICC)
			schedule(v, t + v->cfg.cmd_ps, VTD_P_CCMD,
				 regs_get(&v->r, DMAR_CCMD_REG, 8));
		return;
	case DMAR_IQT_REG:
		if (vtd__gsts(v) & DMA_GSTS_QIES)
			vtd__qi_kick(v);
		return;
	case DMAR_FECTL_REG:
		if (!(val & DMA_FECTL_IM) && (regs_get(&v->r, DMAR_FECTL_REG, 4) & DMA_FECTL_IP)) {
			regs_clear_bits(&v->r, DMAR_FECTL_REG, 4, DMA_FECTL_IP);
			vtd__raise_event(v, DMAR_FECTL_REG, DMAR_FEDATA_REG, DMAR_FEADDR_REG, t);
		}
		return;
	case DMAR_IECTL_REG:
		if (!(val & DMA_IECTL_IM) && (regs_get(&v->r, DMAR_IECTL_REG, 4) & DMA_IECTL_IP)) {
			regs_clear_bits(&v->r, DMAR_IECTL_REG, 4, DMA_IECTL_IP);
			vtd__raise_event(v, DMAR_IECTL_REG, DMAR_IEDATA_REG, DMAR_IEADDR_REG, t);
		}
		return;
	default:
		break;
	}
	if (off == ivaoff + 8 || off == ivaoff + 12) {
		if (regs_get(&v->r, ivaoff + 8, 8) & DMA_TLB_IVT)
			schedule(v, t + v->cfg.cmd_ps, VTD_P_IOTLB, regs_get(&v->r, ivaoff + 8, 8));
		return;
	}
	if (off >= frcd_off(0) && off < frcd_off(v->cfg.nfr))
		update_ppf(v);
}

/* ---- inspection ---- */

const struct vtd_stats *vtd_stats(const struct vtd *v)
{
	return &v->st;
}

const struct iotlb *vtd_iotlb(const struct vtd *v)
{
	return v->iotlb;
}

const struct vtd_cfg *vtd_config(const struct vtd *v)
{
	return &v->cfg;
}

uint64_t vtd_cap(const struct vtd *v)
{
	return v->cap;
}

uint64_t vtd_ecap(const struct vtd *v)
{
	return v->ecap;
}

bool vtd_translation_enabled(struct vtd *v, uint64_t t)
{
	vtd__sync(v, t);
	return vtd__gsts(v) & DMA_GSTS_TES;
}
