/* SPDX-License-Identifier: MIT */
/*
 * VT-d register set (VT-d 3.x §10.4, §11.4): reset values and masks as data, commands through
 * GCMD with their status in GSTS after the unit's command latency (§10.4.4-10.4.5: software
 * polls), register-based invalidation (§6.5.1), fault recording in the FRCD registers or the
 * advanced fault log, and fault events (§7.3-7.4, §11.4.9).
 */
#include "models/iommu/vtd_internal.h"
#include "models/mem/mem.h"
#include "sim/engine.h"
#include "sim/metrics.h"
#include "sim/rng.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IVA_OFF	  (PTSIM_VTD_IRO * 16u)
#define IOTLB_OFF (PTSIM_VTD_IRO * 16u + 8u)

/* The register fields the knobs stand for. An invalid knob (domains not a power of 4 in
 * 16..65536, an address width outside 39..57) leaves a field that check_hw rejects. */
static struct vtd_hw derive(const struct vtd_cfg *c)
{
	struct vtd_hw h = {.nd = 7, .mgaw = c->address_width};

	for (unsigned nd = 0; nd < 7; nd++)
		if ((1u << (4 + 2 * nd)) == c->domains)
			h.nd = nd;
	h.sagaw = c->sagaw;
	if (!h.sagaw && c->address_width >= 39)
		h.sagaw = (1u << 1) | (c->address_width >= 48 ? 1u << 2 : 0) |
			  (c->address_width >= 57 ? 1u << 3 : 0);
	h.sllps = c->sllps ? c->sllps : c->superpages ? 3 : 0;
	h.fl = c->scalable && c->first_level;
	h.sl = c->scalable && c->second_level;
	h.nested = c->scalable && c->nested && h.fl && h.sl;
	h.fl_1g = h.fl && c->fl_1g;
	h.fl_5level = h.fl && c->fl_5level;
	h.pasid_bits = c->scalable ? c->pasid_bits : 0;
	return h;
}

static uint64_t make_cap(const struct vtd_cfg *c, const struct vtd_hw *h)
{
	uint64_t cap = 0;

	cap |= VTD_CAP_ND(h->nd);
	if (c->afl)
		cap |= CAP_AFL;
	if (c->rwbf)
		cap |= CAP_RWBF;
	if (c->caching_mode)
		cap |= CAP_CM;
	cap |= VTD_CAP_SAGAW(h->sagaw);
	cap |= VTD_CAP_MGAW(h->mgaw);
	cap |= VTD_CAP_FRO(PTSIM_VTD_FRO * 16);
	cap |= VTD_CAP_SLLPS(h->sllps);
	cap |= CAP_PSI;
	cap |= VTD_CAP_NFR(c->nfr);
	cap |= VTD_CAP_MAMV(9); /* page-selective invalidation of up to 2^9 pages */
	cap |= CAP_DWD | CAP_DRD;
	if (h->fl_1g)
		cap |= CAP_FL1GP;
	if (c->posted_interrupts)
		cap |= CAP_PI;
	if (h->fl_5level)
		cap |= CAP_FL5LP;
	return cap;
}

static uint64_t make_ecap(const struct vtd_cfg *c, const struct vtd_hw *h)
{
	uint64_t e = 0;

	if (c->coherent)
		e |= ECAP_C;
	if (c->qi)
		e |= ECAP_QI;
	if (c->device_tlb)
		e |= ECAP_DT;
	if (c->ir)
		e |= ECAP_IR;
	if (c->eim)
		e |= ECAP_EIM;
	if (c->pt)
		e |= ECAP_PT;
	if (c->snoop_control)
		e |= ECAP_SC;
	e |= VTD_ECAP_IRO(PTSIM_VTD_IRO * 16);
	e |= VTD_ECAP_MHMV(0xf); /* handle mask up to 15 */
	if (h->nested)
		e |= ECAP_NEST;
	if (h->pasid_bits) {
		e |= ECAP_PASID;
		e |= VTD_ECAP_PSS(h->pasid_bits - 1);
	}
	if (c->scalable) {
		e |= ECAP_SMTS | ECAP_RPS;
		if (c->coherent)
			e |= ECAP_SMPWC;
		if (h->sl)
			e |= ECAP_SLTS;
		if (h->fl)
			e |= ECAP_FLTS;
		e |= ECAP_SRS; /* supervisor requests (SRE in PASID entries) */
	}
	return e;
}

static uint32_t frcd_off(unsigned i)
{
	return PTSIM_VTD_FRO * 16u + 16u * i;
}

/* §11.4: every register the unit implements, with its reset value and masks. What the
 * configuration does not support reads as zero and ignores writes (reserved). */
static void define_regs(struct vtd *v)
{
	const struct vtd_cfg *c = &v->cfg;
	struct regs *r = &v->r;
	uint64_t rta_rw = DMA_RTADDR_RTA_MASK | (c->scalable ? DMA_RTADDR_TTM_MASK : 0);

	regs_define(r, DMAR_VER_REG, 4, 0x10, 0, 0, 0);
	regs_define(r, DMAR_CAP_REG, 8, v->cap, 0, 0, 0);
	regs_define(r, DMAR_ECAP_REG, 8, v->ecap, 0, 0, 0);
	regs_define(r, DMAR_GCMD_REG, 4, 0, DMA_GCMD_MASK, 0, 0xffffffffu);
	regs_define(r, DMAR_GSTS_REG, 4, 0, 0, 0, 0);
	regs_define(r, DMAR_RTADDR_REG, 8, 0, rta_rw, 0, 0);
	regs_define(r, DMAR_CCMD_REG, 8, 0,
		    DMA_CCMD_ICC | VTD_CCMD_CIRG(3) | VTD_CCMD_FM(3) | VTD_CCMD_SID(0xffff) |
			VTD_CCMD_DID(0xffff),
		    0, 0);
	regs_define(r, DMAR_FSTS_REG, 4, 0, 0,
		    DMA_FSTS_PFO | DMA_FSTS_IQE | DMA_FSTS_ICE | DMA_FSTS_ITE |
			(c->afl ? DMA_FSTS_AFO | DMA_FSTS_APF : 0),
		    0);
	regs_define(r, DMAR_FECTL_REG, 4, DMA_FECTL_IM, DMA_FECTL_IM, 0, 0);
	regs_define(r, DMAR_FEDATA_REG, 4, 0, 0xffff, 0, 0);
	regs_define(r, DMAR_FEADDR_REG, 4, 0, 0xfffffffcu, 0, 0);
	regs_define(r, DMAR_FEUADDR_REG, 4, 0, c->eim ? 0xffffffffu : 0, 0, 0);
	regs_define(r, DMAR_AFLOG_REG, 8, 0, c->afl ? DMA_AFLOG_FLA | VTD_AFLOG_FLS(7) : 0, 0, 0);
	/* CAP.PLMR and PHMR are clear: no protected memory regions, PMEN reads 0. */
	regs_define(r, DMAR_PMEN_REG, 4, 0, 0, 0, 0);
	if (c->qi) {
		regs_define(r, DMAR_IQH_REG, 8, 0, 0, 0, 0);
		regs_define(r, DMAR_IQT_REG, 8, 0, DMA_IQ_MASK, 0, 0);
		regs_define(r, DMAR_IQA_REG, 8, 0,
			    DMA_IQA_BASE | (c->scalable ? DMA_IQA_DW : 0) | VTD_IQA_QS(7), 0, 0);
		regs_define(r, DMAR_ICS_REG, 4, 0, 0, DMA_ICS_IWC, 0);
		regs_define(r, DMAR_IECTL_REG, 4, DMA_IECTL_IM, DMA_IECTL_IM, 0, 0);
		regs_define(r, DMAR_IEDATA_REG, 4, 0, 0xffff, 0, 0);
		regs_define(r, DMAR_IEADDR_REG, 4, 0, 0xfffffffcu, 0, 0);
		regs_define(r, DMAR_IEUADDR_REG, 4, 0, c->eim ? 0xffffffffu : 0, 0, 0);
		regs_define(r, DMAR_IQER_REG, 8, 0, 0, 0, 0);
	}
	if (c->ir)
		regs_define(r, DMAR_IRTA_REG, 8, 0,
			    DMA_IRTA_BASE | (c->eim ? DMA_IRTA_EIME : 0) | VTD_IRTA_S(0xf), 0, 0);
	regs_define(r, IVA_OFF, 8, 0, ~DMA_IVA_RSVD, 0, 0);
	regs_define(r, IOTLB_OFF, 8, 0,
		    DMA_TLB_IVT | VTD_TLB_IIRG(3) | DMA_TLB_DR | DMA_TLB_DW | VTD_TLB_DID(0xffff),
		    0, 0);
	for (unsigned i = 0; i < c->nfr; i++) {
		regs_define(r, frcd_off(i), 8, 0, 0, 0, 0);
		regs_define(r, frcd_off(i) + 8, 8, 0, 0, DMA_FRCD_HI_F, 0);
	}
}

static int check_cfg(const struct vtd_cfg *c, const struct vtd_hw *h)
{
	/* The fault records must end before the IOTLB registers (FRO and IRO are fixed here). */
	if (!c->nfr || PTSIM_VTD_FRO * 16u + 16u * c->nfr > PTSIM_VTD_IRO * 16u)
		return -EINVAL;
	if (!c->ctx_entries || !c->iec_entries || h->nd > 6 || !(h->sagaw & 0x0e) || h->mgaw < 39 ||
	    h->mgaw > 57)
		return -EINVAL;
	/* Scalable mode needs 256-bit invalidation descriptors (§6.5.2) and a translation
	 * type; PASIDs are at most 20 bits. */
	if (c->scalable && (!c->qi || (!h->fl && !h->sl)))
		return -EINVAL;
	if (h->pasid_bits > 20)
		return -EINVAL;
	return 0;
}

int vtd_create(const struct vtd_cfg *cfg, struct mem *mem, struct vtd **out)
{
	struct vtd_hw hw = derive(cfg);
	struct vtd *v;
	int rc;

	*out = NULL;
	rc = check_cfg(cfg, &hw);
	if (rc)
		return rc;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->cfg = *cfg;
	v->hw = hw;
	v->mem = mem;
	v->cap = make_cap(cfg, &hw);
	v->ecap = make_ecap(cfg, &hw);
	rc = regs_init(&v->r, DMAR_REG_SIZE);
	if (rc)
		goto fail;
	define_regs(v);
	rc = sim_rng_create(0, cfg->name, &v->rng);
	if (rc)
		goto fail;
	rc = iotlb_create(&cfg->iotlb, v->rng, &v->iotlb);
	if (!rc)
		rc = vtd__cache_init(&v->ctx, cfg->ctx_entries, cfg->ctx_entries);
	if (!rc)
		rc = vtd__cache_init(&v->pasid, cfg->scalable ? cfg->pasid_cache_entries : 0,
				     cfg->pasid_cache_entries);
	if (!rc)
		rc = vtd__cache_init(&v->iec, cfg->iec_entries, cfg->iec_entries);
	for (unsigned l = 2; !rc && l < VTD_PSC_LEVELS; l++)
		rc = vtd__cache_init(&v->psc[l], cfg->psc_entries[l],
				     cfg->psc_entries[l] > 4 ? 4 : cfg->psc_entries[l]);
	if (rc)
		goto fail;
	if (cfg->walkers) {
		v->walker_busy = calloc(cfg->walkers, sizeof(*v->walker_busy));
		if (!v->walker_busy) {
			rc = -ENOMEM;
			goto fail;
		}
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
	vtd__cache_free(&v->ctx);
	vtd__cache_free(&v->pasid);
	vtd__cache_free(&v->iec);
	for (unsigned l = 0; l < VTD_PSC_LEVELS; l++)
		vtd__cache_free(&v->psc[l]);
	free(v->walker_busy);
	regs_free(&v->r);
	free(v);
}

void vtd_set_hooks(struct vtd *v, const struct vtd_hooks *hooks)
{
	v->hooks = *hooks;
}

void vtd_set_xlate_observer(struct vtd *v, vtd_xlate_observer_fn fn, void *ctx)
{
	v->observer = fn;
	v->observer_ctx = ctx;
}

int vtd_start(struct vtd *v)
{
	return v->cfg.qi ? vtd__qi_start(v) : 0;
}

uint32_t vtd__gsts(const struct vtd *v)
{
	return (uint32_t)regs_get(&v->r, DMAR_GSTS_REG, 4);
}

bool vtd__scalable(const struct vtd *v)
{
	return DMA_RTADDR_TTM(v->rta) == DMA_TTM_SCALABLE;
}

/* ---- invalidation (§6.5): what each granularity selects ---- */

struct sel {
	int gran;
	uint16_t did, sid, sid_mask;
	uint32_t pasid;
	bool range;
	uint64_t lo, hi;
	unsigned kinds; /* PSC: VTD_PSC_SL / VTD_PSC_FL bits; 4: FL entries of nested walks */
};

static bool ctx_match(const struct vtd_centry *e, const void *arg)
{
	const struct sel *s = arg;

	switch (s->gran) {
	case QI_GRAN_GLOBAL:
		return true;
	case QI_GRAN_DOMAIN:
		return e->did == s->did;
	case QI_GRAN_DEVICE:
		return (e->sid & s->sid_mask) == (s->sid & s->sid_mask) &&
		       (e->did == s->did || e->did == 0xffff);
	default:
		return false;
	}
}

void vtd__ctx_flush(struct vtd *v, int gran, uint16_t did, uint16_t sid, unsigned fm)
{
	/* §6.5.1.1: device-selective with a function mask ignores the low FM bits of the
	 * function number (FM 1: bit 2, 2: bits 2:1, 3: bits 2:0). */
	static const uint16_t masks[4] = {0xffff, 0xfffb, 0xfff9, 0xfff8};
	struct sel s = {.gran = gran, .did = did, .sid = sid, .sid_mask = masks[fm & 3]};

	v->st.inv_ctx++;
	vtd__cache_flush(&v->ctx, ctx_match, &s);
}

static bool psc_match(const struct vtd_centry *e, const void *arg)
{
	const struct sel *s = arg;
	unsigned kind = (unsigned)e->k1 & 7;

	if (!(kind & s->kinds))
		return false;
	if (s->gran == QI_GRAN_GLOBAL)
		return true;
	if (e->did != s->did)
		return false;
	if (kind != VTD_PSC_SL && s->pasid != IOTLB_NO_PASID && e->pasid != s->pasid)
		return false;
	return !s->range || (e->base < s->hi && s->lo < e->base + e->span);
}

static void psc_flush(struct vtd *v, const struct sel *s)
{
	for (unsigned l = 2; l < VTD_PSC_LEVELS; l++)
		if (v->psc[l].entries)
			vtd__cache_flush(&v->psc[l], psc_match, s);
}

/* IOTLB invalidation (§6.5.1.2 registers, §6.5.2.3 descriptor): global, domain-selective or
 * page-selective-within-domain (2^am aligned pages at addr). In scalable mode it covers
 * second-level and nested translations; first-level-only ones need the PASID-based form
 * (§6.5.2.4). Paging-structure caches go too, unless IH says only leaves changed. */
void vtd__iotlb_flush(struct vtd *v, int gran, uint16_t did, uint64_t addr, unsigned am, bool ih)
{
	unsigned kinds = vtd__scalable(v) ? IOTLB_KIND_SL | IOTLB_KIND_NESTED : IOTLB_KIND_ALL;
	struct iotlb_filter f = {.did = did, .any_pasid = true, .kinds = kinds};
	struct sel s = {.gran = gran, .did = did, .pasid = IOTLB_NO_PASID, .kinds = VTD_PSC_SL | 4};

	if (gran == QI_GRAN_GLOBAL) {
		f.any_did = true;
		f.kinds = IOTLB_KIND_ALL;
		s.kinds = VTD_PSC_SL | VTD_PSC_FL | 4;
		v->st.inv_iotlb_global++;
		iotlb_flush(v->iotlb, &f);
		psc_flush(v, &s);
		return;
	}
	if (gran == QI_GRAN_DOMAIN) {
		v->st.inv_iotlb_domain++;
		iotlb_flush(v->iotlb, &f);
		psc_flush(v, &s);
		return;
	}
	v->st.inv_iotlb_page++;
	/* Second-level entries in the range; nested entries are tagged by the first-level input
	 * address, which a second-level address cannot select: all of the domain's go. */
	f.kinds = IOTLB_KIND_SL;
	f.range = true;
	f.addr = addr;
	f.am = am;
	iotlb_flush(v->iotlb, &f);
	if (kinds & IOTLB_KIND_NESTED) {
		struct iotlb_filter n = {.did = did, .any_pasid = true, .kinds = IOTLB_KIND_NESTED};

		iotlb_flush(v->iotlb, &n);
	}
	if (!ih) {
		uint64_t size = 1ull << (12 + am);

		s.range = true;
		s.lo = addr & ~(size - 1);
		s.hi = s.lo + size;
		s.kinds = VTD_PSC_SL;
		psc_flush(v, &s);
		s.range = false;
		s.kinds = 4;
		psc_flush(v, &s);
	}
}

/* PASID-based IOTLB invalidation (§6.5.2.4): first-level and nested translations of one
 * PASID in a domain, all of them or a page range. */
void vtd__piotlb_flush(struct vtd *v, int gran, uint16_t did, uint32_t pasid, uint64_t addr,
		       unsigned am, bool ih)
{
	struct iotlb_filter f = {
	    .did = did, .pasid = pasid, .kinds = IOTLB_KIND_FL | IOTLB_KIND_NESTED};
	struct sel s = {
	    .gran = QI_GRAN_DOMAIN, .did = did, .pasid = pasid, .kinds = VTD_PSC_FL | 4};

	v->st.inv_piotlb++;
	if (gran == QI_GRAN_PSI_PASID) {
		uint64_t size = 1ull << (12 + am);

		f.range = true;
		f.addr = addr;
		f.am = am;
		s.range = true;
		s.lo = addr & ~(size - 1);
		s.hi = s.lo + size;
	}
	iotlb_flush(v->iotlb, &f);
	if (gran != QI_GRAN_PSI_PASID || !ih)
		psc_flush(v, &s);
}

static bool pasid_match(const struct vtd_centry *e, const void *arg)
{
	const struct sel *s = arg;

	if (s->gran == QI_PC_GLOBAL)
		return true;
	if (e->did != s->did)
		return false;
	return s->gran == QI_PC_ALL_PASIDS || e->pasid == s->pasid;
}

/* PASID-cache invalidation (§6.5.2.2): a domain's entries, one PASID's, or all. */
void vtd__pasid_cache_flush(struct vtd *v, int gran, uint16_t did, uint32_t pasid)
{
	struct sel s = {.gran = gran, .did = did, .pasid = pasid};

	v->st.inv_pasid_cache++;
	vtd__cache_flush(&v->pasid, pasid_match, &s);
}

static bool iec_match(const struct vtd_centry *e, const void *arg)
{
	const uint32_t *im = arg;

	return (e->k0 & im[1]) == (im[0] & im[1]);
}

/* Interrupt entry cache (§6.5.2.7): global, or 2^im entries from an aligned index. */
void vtd__iec_flush(struct vtd *v, bool global, uint32_t index, unsigned im)
{
	uint32_t arg[2] = {index, ~((1u << (im > 16 ? 16 : im)) - 1)};

	v->st.inv_iec++;
	vtd__cache_flush(&v->iec, global ? NULL : iec_match, arg);
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

static void do_pending(struct vtd *v, const struct vtd_pending *p)
{
	switch (p->kind) {
	case VTD_P_GSTS: {
		uint32_t g = (vtd__gsts(v) & ~DMA_GCMD_PERSIST) | (uint32_t)p->arg;

		if ((g & DMA_GSTS_AFLS) && !(vtd__gsts(v) & DMA_GSTS_AFLS))
			v->flog_next = 0;
		regs_set(&v->r, DMAR_GSTS_REG, 4, g);
		/* §7.3.1: the internal fault-record index resets when both DMA and interrupt
		 * remapping are off. */
		if (!(g & (DMA_GSTS_TES | DMA_GSTS_IRES)))
			v->frcd_next = 0;
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
	case VTD_P_LATCH_FLOG:
		v->flog = regs_get(&v->r, DMAR_AFLOG_REG, 8);
		v->flog_next = 0;
		regs_set_bits(&v->r, DMAR_GSTS_REG, 4, DMA_GSTS_FLS);
		break;
	case VTD_P_WBF:
		v->st.wbf++;
		regs_clear_bits(&v->r, DMAR_GSTS_REG, 4, DMA_GSTS_WBFS);
		break;
	case VTD_P_CCMD: {
		unsigned gran = (unsigned)DMA_CCMD_CIRG(p->arg);
		uint64_t c;

		if (gran)
			vtd__ctx_flush(v, (int)gran, (uint16_t)DMA_CCMD_DID(p->arg),
				       (uint16_t)DMA_CCMD_SID(p->arg),
				       (unsigned)DMA_CCMD_FM(p->arg));
		v->st.reg_inv_ctx++;
		/* ICC clears; CAIG reports the granularity performed (0: request refused). */
		c = regs_get(&v->r, DMAR_CCMD_REG, 8);
		c &= ~(DMA_CCMD_ICC | VTD_CCMD_CAIG(3));
		c |= VTD_CCMD_CAIG(gran);
		regs_set(&v->r, DMAR_CCMD_REG, 8, c);
		break;
	}
	case VTD_P_IOTLB: {
		unsigned gran = (unsigned)DMA_TLB_IIRG(p->arg);
		uint64_t iva = regs_get(&v->r, IVA_OFF, 8);
		uint64_t c;

		if (gran == QI_GRAN_DEVICE && DMA_IVA_AM(iva) > CAP_MAMV(v->cap))
			gran = 0; /* beyond MAMV: refused, IAIG 0 */
		if (gran)
			vtd__iotlb_flush(v, (int)gran, (uint16_t)DMA_TLB_DID(p->arg),
					 iva & DMA_IVA_ADDR, (unsigned)DMA_IVA_AM(iva),
					 iva & DMA_IVA_IH);
		v->st.reg_inv_iotlb++;
		c = regs_get(&v->r, IOTLB_OFF, 8);
		c &= ~(DMA_TLB_IVT | VTD_TLB_IAIG(3));
		c |= VTD_TLB_IAIG(gran);
		regs_set(&v->r, IOTLB_OFF, 8, c);
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

/* §11.4.9.2-4: an interrupt condition sets IP; the message goes unless IM holds it. */
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

	if (ctl_reg == DMAR_FECTL_REG)
		v->st.fault_events++;
	/* the unit's own event: a compatibility-format message, edge (§7.4, §11.4.4.2) */
	if (v->hooks.deliver) {
		struct msi_compat m = msi_compat_decode(addr, data);

		v->hooks.deliver(v->hooks.ctx, m.dest, m.vector, false, t);
	}
}

static void fault_event(struct vtd *v, uint64_t t)
{
	vtd__raise_event(v, DMAR_FECTL_REG, DMAR_FEDATA_REG, DMAR_FEADDR_REG, t);
}

void vtd__fault_status(struct vtd *v, uint32_t bits, uint64_t t)
{
	uint32_t fsts = (uint32_t)regs_get(&v->r, DMAR_FSTS_REG, 4);

	regs_set(&v->r, DMAR_FSTS_REG, 4, fsts | bits);
	/* Setting a status field while another is set is not a new interrupt condition. */
	if (!(fsts & DMA_FSTS_EVENTS) && (bits & ~DMA_FSTS_PFO))
		fault_event(v, t);
}

static bool any_fault_pending(const struct vtd *v)
{
	for (unsigned i = 0; i < v->cfg.nfr; i++)
		if (regs_get(&v->r, frcd_off(i) + 8, 8) & DMA_FRCD_HI_F)
			return true;
	return false;
}

/* After software cleared status: PPF follows the records; with every status field clear, a
 * pending (masked) event has been serviced and IP clears (§11.4.9.2). */
static void status_serviced(struct vtd *v)
{
	if (any_fault_pending(v))
		regs_set_bits(&v->r, DMAR_FSTS_REG, 4, DMA_FSTS_PPF);
	else
		regs_clear_bits(&v->r, DMAR_FSTS_REG, 4, DMA_FSTS_PPF);
	if (!(regs_get(&v->r, DMAR_FSTS_REG, 4) & DMA_FSTS_EVENTS))
		regs_clear_bits(&v->r, DMAR_FECTL_REG, 4, DMA_FECTL_IP);
}

/* The 128-bit record of a fault (§11.4.14), F clear. */
static struct vtd_fault_record fault_record(const struct vtd_fault *f)
{
	struct vtd_fault_record r =
	    vtd_frcd_make(f->fi, f->sid, f->reason, f->at,
			  (f->read ? DMA_FRCD_HI_T : 0) | (f->t2 ? DMA_FRCD_HI_T2 : 0) |
			      (f->priv ? DMA_FRCD_HI_PRIV : 0));

	if (f->pasid_present)
		vtd_frcd_set_pasid(&r, f->pasid);
	return r;
}

/* §7.4 (advanced fault logging): records go to the log in memory; APF on the first, AFO
 * when the log is full. */
static void log_fault(struct vtd *v, const struct vtd_fault *f, uint64_t t)
{
	uint64_t entries = (4096ull << DMA_AFLOG_FLS(v->flog)) / VTD_FLOG_REC_SIZE;
	uint64_t pa = (v->flog & DMA_AFLOG_FLA) + v->flog_next * VTD_FLOG_REC_SIZE;

	if (v->flog_next >= entries || !v->mem) {
		v->st.fault_overflows++;
		vtd__fault_status(v, DMA_FSTS_AFO, t);
		return;
	}
	struct vtd_fault_record r = fault_record(f);

	mem_write64(v->mem, pa, r.val[0]);
	mem_write64(v->mem, pa + 8, r.val[1]);
	v->flog_next++;
	if (!(regs_get(&v->r, DMAR_FSTS_REG, 4) & DMA_FSTS_APF))
		vtd__fault_status(v, DMA_FSTS_APF, t);
}

/* §7.3.1 primary fault logging: one record per fault in the FRCD ring at the internal index;
 * if that slot is still full the fault is lost and PFO is set. FSTS.FRI names the record that
 * set PPF, and setting PPF is an interrupt condition only if no status field was set. */
void vtd__record_fault(struct vtd *v, const struct vtd_fault *f, uint64_t t)
{
	struct vtd_fault_record r;
	uint32_t fsts;
	unsigned fri;

	v->st.faults++;
	v->st.faults_by_reason[f->reason]++;
	if (f->fpd) {
		v->st.faults_unrecorded++;
		return;
	}
	if (vtd__gsts(v) & DMA_GSTS_AFLS) {
		log_fault(v, f, t);
		return;
	}
	fsts = (uint32_t)regs_get(&v->r, DMAR_FSTS_REG, 4);
	if (fsts & DMA_FSTS_PFO) {
		v->st.fault_overflows++;
		return;
	}
	fri = v->frcd_next;
	if (regs_get(&v->r, frcd_off(fri) + 8, 8) & DMA_FRCD_HI_F) {
		v->st.fault_overflows++;
		vtd__fault_status(v, DMA_FSTS_PFO, t);
		return;
	}
	r = fault_record(f);
	regs_set(&v->r, frcd_off(fri), 8, r.val[0]);
	regs_set(&v->r, frcd_off(fri) + 8, 8, DMA_FRCD_HI_F | r.val[1]);
	v->frcd_next = (fri + 1) % v->cfg.nfr;
	if (fsts & DMA_FSTS_PPF)
		return;
	regs_set(&v->r, DMAR_FSTS_REG, 4, (fsts & ~DMA_FSTS_FRI_MASK) | VTD_FSTS_FRI(fri));
	vtd__fault_status(v, DMA_FSTS_PPF, t);
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
	const struct vtd_cfg *c = &v->cfg;
	uint32_t sts = vtd__gsts(v);
	uint32_t persist = cmd & DMA_GCMD_PERSIST;
	uint64_t done = t + c->cmd_ps;

	/* Enables for what the unit does not implement are ignored (§11.4.4). */
	if (!c->qi)
		persist &= ~DMA_GCMD_QIE;
	if (!c->ir)
		persist &= ~(DMA_GCMD_IRE | DMA_GCMD_CFI);
	if (!c->afl)
		persist &= ~DMA_GCMD_EAFL;
	if ((persist & DMA_GCMD_QIE) && !(sts & DMA_GSTS_QIES))
		regs_set(&v->r, DMAR_IQH_REG, 8, 0); /* §6.5.2: enabling QI resets the head */
	if (cmd & DMA_GCMD_SRTP) {
		/* One-shot: RTPS clears now and sets when the pointer is latched. */
		regs_clear_bits(&v->r, DMAR_GSTS_REG, 4, DMA_GSTS_RTPS);
		schedule(v, done, VTD_P_LATCH_RTA, 0);
	}
	if ((cmd & DMA_GCMD_SIRTP) && c->ir) {
		regs_clear_bits(&v->r, DMAR_GSTS_REG, 4, DMA_GSTS_IRTPS);
		schedule(v, done, VTD_P_LATCH_IRTA, 0);
	}
	if ((cmd & DMA_GCMD_SFL) && c->afl) {
		regs_clear_bits(&v->r, DMAR_GSTS_REG, 4, DMA_GSTS_FLS);
		schedule(v, done, VTD_P_LATCH_FLOG, 0);
	}
	if ((cmd & DMA_GCMD_WBF) && c->rwbf) {
		/* WBFS is set while the flush is in progress (§11.4.5). */
		regs_set_bits(&v->r, DMAR_GSTS_REG, 4, DMA_GSTS_WBFS);
		schedule(v, done, VTD_P_WBF, 0);
	}
	/* Persistent enables (TE, EAFL, QIE, IRE, CFI) reach GSTS after the command latency. */
	if (persist != (sts & DMA_GCMD_PERSIST))
		schedule(v, done, VTD_P_GSTS, persist);
}

void vtd_reg_write(void *vp, uint64_t off, unsigned size, uint64_t val, uint64_t t)
{
	struct vtd *v = vp;

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
		if (v->cfg.qi && (vtd__gsts(v) & DMA_GSTS_QIES))
			vtd__qi_kick(v);
		return;
	case DMAR_FSTS_REG:
		status_serviced(v);
		/* Clearing IQE or ITE lets a halted queue go on. */
		if (v->cfg.qi && (vtd__gsts(v) & DMA_GSTS_QIES))
			vtd__qi_kick(v);
		return;
	case DMAR_FECTL_REG:
		if (!(val & DMA_FECTL_IM) && (regs_get(&v->r, DMAR_FECTL_REG, 4) & DMA_FECTL_IP)) {
			regs_clear_bits(&v->r, DMAR_FECTL_REG, 4, DMA_FECTL_IP);
			fault_event(v, t);
		}
		return;
	case DMAR_ICS_REG:
		if (!(regs_get(&v->r, DMAR_ICS_REG, 4) & DMA_ICS_IWC))
			regs_clear_bits(&v->r, DMAR_IECTL_REG, 4, DMA_IECTL_IP);
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
	if (off == IOTLB_OFF || off == IOTLB_OFF + 4) {
		if (regs_get(&v->r, IOTLB_OFF, 8) & DMA_TLB_IVT)
			schedule(v, t + v->cfg.cmd_ps, VTD_P_IOTLB, regs_get(&v->r, IOTLB_OFF, 8));
		return;
	}
	if (off >= frcd_off(0) && off < frcd_off(v->cfg.nfr))
		status_serviced(v);
}

/* ---- inspection ---- */

/* Where the unit's counters reach the results (the application places this table at ""). Left
 * out: faults_by_reason (256 mostly-zero counts; the trace names each fault's reason) and
 * iec_lookups/hits/misses (the interrupt entry cache's own counters, vtd_cache_metrics). */
#define VTD_ROW(field, kind, key, meaning)                                                         \
	{                                                                                          \
		METRIC(struct vtd_stats, field, kind, key, meaning)                                \
	}
static const struct metric vtd_rows[] = {
    VTD_ROW(translations, COUNT, "iommu.translations",
	    "DMA requests that reached the unit (translated, passed through or refused)"),
    VTD_ROW(passthrough, COUNT, "iommu.passthrough",
	    "requests of pass-through contexts, let through untranslated"),
    VTD_ROW(untranslated, COUNT, "iommu.untranslated",
	    "requests that went to memory untranslated because translation was off (§3.1)"),
    VTD_ROW(xlate_ps, TIME, "iommu.translation_ns",
	    "translation time handed out to requests (caches, walks, waits), in all"),
    VTD_ROW(ctx_lookups, COUNT, "iommu.context_lookups", "context-entry lookups"),
    VTD_ROW(ctx_hits, COUNT, "iommu.context_hits", "context-entry lookups the cache served"),
    VTD_ROW(ctx_misses, COUNT, "iommu.context_misses",
	    "context-entry lookups that read the root and context tables"),
    VTD_ROW(walks, COUNT, "iommu.walks", "page walks on IOTLB misses"),
    VTD_ROW(walk_mem_reads, COUNT, "iommu.walk_mem_reads", "paging entries walks read from memory"),
    VTD_ROW(walk_mem_writes, COUNT, "iommu.walk_mem_writes",
	    "first-level accessed/dirty updates walks wrote to memory"),
    VTD_ROW(walks_queued, COUNT, "iommu.walks_queued", "misses that waited for a free walker"),
    VTD_ROW(walk_queue_ps, TIME, "iommu.walk_queue_ns", "time misses waited for a walker, in all"),
    VTD_ROW(faults, COUNT, "iommu.faults", "translation and interrupt-remapping faults"),
    VTD_ROW(faults_unrecorded, COUNT, "iommu.faults_unrecorded",
	    "faults not recorded because the context has FPD set (§7.1.1)"),
    VTD_ROW(fault_overflows, COUNT, "iommu.fault_overflows",
	    "faults lost because the fault records or the fault log were full (PFO, AFO)"),
    VTD_ROW(fault_events, COUNT, "iommu.fault_events", "fault-event interrupts sent (§7.3)"),
    VTD_ROW(ir_requests, COUNT, "iommu.interrupt_requests",
	    "interrupt requests that reached interrupt remapping"),
    VTD_ROW(ir_remapped, COUNT, "interrupts.by_path.remapped",
	    "interrupts remapped through an IRTE to a host vector"),
    VTD_ROW(ir_posted, COUNT, "interrupts.by_path.posted",
	    "interrupts posted through a posted-format IRTE (§9.12)"),
    VTD_ROW(ir_compat, COUNT, "interrupts.by_path.compat",
	    "compatibility-format interrupts let through (GSTS.CFIS)"),
    VTD_ROW(ir_blocked, COUNT, "interrupts.blocked",
	    "interrupt requests interrupt remapping refused"),
    VTD_ROW(pi_notifications, COUNT, "interrupts.posted_notifications",
	    "notification vectors sent to NDST for posted interrupts"),
    VTD_ROW(pi_suppressed, COUNT, "interrupts.posted_suppressed",
	    "posts that only set a PIR bit (ON already set, or SN set)"),
    VTD_ROW(qi_descs, COUNT, "iommu.invalidation_descriptors",
	    "invalidation-queue descriptors the unit executed"),
    VTD_ROW(qi_waits, COUNT, "iommu.invalidation_waits", "invalidation wait descriptors"),
    VTD_ROW(qi_errors, COUNT, "iommu.invalidation_errors",
	    "invalidation-queue errors (IQE, ITE, ICE)"),
    VTD_ROW(inv_ctx, COUNT, "iommu.invalidations_by_kind.context",
	    "context-cache invalidations (register or queued)"),
    VTD_ROW(inv_iotlb_global, COUNT, "iommu.iotlb_invalidations.global",
	    "global IOTLB invalidations"),
    VTD_ROW(inv_iotlb_domain, COUNT, "iommu.iotlb_invalidations.domain",
	    "domain-selective IOTLB invalidations"),
    VTD_ROW(inv_iotlb_page, COUNT, "iommu.iotlb_invalidations.page",
	    "page-selective IOTLB invalidations"),
    VTD_ROW(inv_piotlb, COUNT, "iommu.iotlb_invalidations.pasid",
	    "PASID-based IOTLB invalidations"),
    VTD_ROW(inv_pasid_cache, COUNT, "iommu.invalidations_by_kind.pasid_cache",
	    "PASID-cache invalidations"),
    VTD_ROW(inv_iec, COUNT, "iommu.invalidations_by_kind.interrupt_entry",
	    "interrupt entry cache invalidations"),
    VTD_ROW(inv_devtlb, COUNT, "iommu.invalidations_by_kind.device_tlb",
	    "device-TLB invalidations sent to endpoints"),
    VTD_ROW(devtlb_timeouts, COUNT, "iommu.device_tlb_timeouts",
	    "device-TLB invalidations that timed out (FSTS.ITE)"),
    VTD_ROW(reg_inv_ctx, COUNT, "iommu.register_invalidations.context",
	    "context-cache invalidations through CCMD_REG"),
    VTD_ROW(reg_inv_iotlb, COUNT, "iommu.register_invalidations.iotlb",
	    "IOTLB invalidations through IOTLB_REG"),
    VTD_ROW(wbf, COUNT, "iommu.write_buffer_flushes", "write-buffer flushes (GCMD.WBF)"),
    VTD_ROW(ats_requests, COUNT, "ats.translation_requests",
	    "ATS translation requests the unit answered"),
    VTD_ROW(translated_requests, COUNT, "ats.translated_requests",
	    "requests that arrived already translated by a device's ATC"),
};
const struct metric_table vtd_metrics = METRIC_TABLE(struct vtd_stats, vtd_rows);

const struct vtd_stats *vtd_stats(const struct vtd *v)
{
	return &v->st;
}

const struct iotlb *vtd_iotlb(const struct vtd *v)
{
	return v->iotlb;
}

const struct vtd_cache_stats *vtd_cache_stats(const struct vtd *v, enum vtd_cache_id id)
{
	struct vtd *w = (struct vtd *)v;

	switch (id) {
	case VTD_CACHE_CONTEXT:
		return &v->ctx.st;
	case VTD_CACHE_PASID:
		return &v->pasid.st;
	case VTD_CACHE_IEC:
		return &v->iec.st;
	case VTD_CACHE_PSC:
	default:
		memset(&w->psc_total, 0, sizeof(w->psc_total));
		for (unsigned l = 2; l < VTD_PSC_LEVELS; l++) {
			const struct vtd_cache_stats *s = &v->psc[l].st;

			w->psc_total.lookups += s->lookups;
			w->psc_total.hits += s->hits;
			w->psc_total.misses += s->misses;
			w->psc_total.inserts += s->inserts;
			w->psc_total.evictions += s->evictions;
			w->psc_total.invalidations += s->invalidations;
			w->psc_total.inval_entries += s->inval_entries;
		}
		return &w->psc_total;
	}
}

const struct vtd_cache_stats *vtd_psc_stats(const struct vtd *v, unsigned level)
{
	return level >= 2 && level < VTD_PSC_LEVELS && v->psc[level].entries ? &v->psc[level].st
									     : NULL;
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
