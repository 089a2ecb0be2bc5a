/* SPDX-License-Identifier: MIT */
/*
 * DMA remapping (VT-d 3.x ch. 3-4, ch. 6).
 *
 * Legacy mode (RTADDR.TTM = 00b, §3.4): root entry by bus, context entry by devfn, then the
 * context's translation type (§9.3 TT: untranslated only, untranslated and device-TLB, or
 * pass-through) and a second-level walk of 3, 4 or 5 levels (§3.6, §9.8).
 * Scalable mode (TTM = 01b, §3.4.3): scalable root and context entries (§9.2, §9.4), the PASID
 * directory and table (§9.5, §9.6), whose entry's PGTT selects first-level (an x86 page table,
 * §3.5, §9.7), second-level, nested (§3.8: every first-level table pointer and the final
 * output are guest-physical and go through second level) or pass-through translation.
 *
 * Caches (§6.2): context cache, PASID cache, IOTLB (tagged by domain, PASID and page size),
 * paging-structure caches per level (the entry read at a level, so a later walk starts below
 * it). Entries stay usable until software invalidates them (§6.1); with CAP.CM set, not-present
 * entries are cached too (§6.1: caching mode), so software must invalidate after creating them.
 * Walks read 8-byte entries from memory at the memory model's cost, on one of a bounded number
 * of walkers: a miss waits for a free one (arithmetic on busy-until times, no events).
 *
 * A request that fails is blocked and its fault recorded (§7.1); translation requests (ATS,
 * §4.2.3) that find no mapping get a completion without rights instead, and no fault.
 */
#include "models/iommu/vtd_internal.h"
#include "models/mem/mem.h"
#include "models/pcie/pcie_regs.h"

#include <string.h>

enum walk_rc { W_OK, W_ACCESS, W_NP, W_RSVD, W_BEYOND };

struct wctx {
	struct vtd *v;
	const struct vtd_req *req;
	struct vtd_xlate *out;
	uint64_t t;
	uint16_t did;
	uint32_t pasid; /* IOTLB tag */
	bool fpd;
	bool walked;
	unsigned walker; /* the walker slot this walk occupies */
};

static uint64_t rd_ps(const struct vtd *v, size_t bytes)
{
	return mem_access_ps(v->mem, bytes, v->cfg.walk_in_llc) + v->cfg.walk_step_ps;
}

/* A table or paging-structure entry read (bytes at pa, the first 8 or 16 into val). */
static bool read_entry(struct wctx *w, uint64_t pa, unsigned bytes, uint64_t *val, bool paging)
{
	struct vtd *v = w->v;

	if (!v->mem || !mem_is_ram(v->mem, pa, bytes))
		return false;
	for (unsigned i = 0; i < bytes / 8 && i < 4; i++)
		val[i] = mem_read64(v->mem, pa + 8 * i);
	w->out->lat_ps += rd_ps(v, bytes);
	w->out->mem_reads++;
	if (paging)
		v->st.walk_mem_reads++;
	return true;
}

/* A walk needs a walker: wait for the first one free (§6.2: misses queue under load). */
static void start_walk(struct wctx *w)
{
	struct vtd *v = w->v;

	if (w->walked)
		return;
	w->walked = true;
	v->st.walks++;
	if (v->cfg.walkers) {
		uint64_t now = w->t + w->out->lat_ps;
		unsigned best = 0;

		for (unsigned i = 1; i < v->cfg.walkers; i++)
			if (v->walker_busy[i] < v->walker_busy[best])
				best = i;
		if (v->walker_busy[best] > now) {
			uint64_t wait = v->walker_busy[best] - now;

			v->st.walks_queued++;
			v->st.walk_queue_ps += wait;
			w->out->lat_ps += wait;
		}
		w->walker = best; /* its end is set in end_walk */
	}
}

static void end_walk(struct wctx *w)
{
	struct vtd *v = w->v;

	if (w->walked && v->cfg.walkers)
		v->walker_busy[w->walker] = w->t + w->out->lat_ps;
}

static bool perm_fault(uint8_t reason)
{
	return reason == VTD_FR_READ || reason == VTD_FR_WRITE || reason == VTD_FR_SM_READ ||
	       reason == VTD_FR_SM_WRITE || reason == VTD_FR_SM_SL_NP || reason == VTD_FR_SM_FL_NP;
}

static void fail(struct wctx *w, uint8_t reason)
{
	struct vtd_xlate *out = w->out;
	const struct vtd_req *r = w->req;
	struct vtd_fault f = {0};

	end_walk(w);
	out->hpa = 0;
	out->perm = 0;
	/* A translation request that finds no mapping, or not the rights, completes with R=W=0
	 * and records nothing (§4.2.3); the device then decides. */
	if (r->at == VTD_AT_TRANSLATION && perm_fault(reason)) {
		out->ok = true;
		return;
	}
	out->ok = false;
	out->fault_reason = reason;
	f.sid = r->sid;
	f.fi = r->addr;
	f.reason = reason;
	f.read = !r->write || r->at == VTD_AT_TRANSLATION;
	f.pasid_present = r->pasid_present;
	f.pasid = r->pasid;
	f.priv = r->priv;
	f.at = r->at;
	f.fpd = w->fpd;
	vtd__record_fault(w->v, &f, w->t + out->lat_ps);
}

/* ---- paging-structure caches ---- */

static uint64_t psc_k1(unsigned kind, unsigned lvl, uint16_t did, uint32_t pasid)
{
	return kind | ((uint64_t)lvl << 3) | ((uint64_t)did << 8) | ((uint64_t)pasid << 24);
}

/* The lowest cached level above the leaf: *lvl is where the walk resumes (the table of that
 * level in *table, rights so far in *perm). False: start at the top. */
static bool psc_find(struct wctx *w, unsigned kind, unsigned levels, uint64_t in, uint32_t pasid,
		     uint64_t *table, unsigned *lvl, unsigned *perm)
{
	struct vtd *v = w->v;

	for (unsigned l = 2; l <= levels && l < VTD_PSC_LEVELS; l++) {
		struct vtd_centry *e;

		if (!v->psc[l].entries)
			continue;
		e = vtd__cache_lookup(&v->psc[l], in >> vtd_level_shift(l),
				      psc_k1(kind, l, w->did, pasid));
		if (e) {
			*table = e->d[0];
			*perm = (unsigned)e->d[1];
			*lvl = l - 1;
			return true;
		}
	}
	return false;
}

static void psc_fill(struct wctx *w, unsigned kind, unsigned l, uint64_t in, uint32_t pasid,
		     uint64_t next, unsigned perm, bool nested)
{
	struct vtd *v = w->v;
	struct vtd_centry *e;

	if (l < 2 || l >= VTD_PSC_LEVELS || !v->psc[l].entries)
		return;
	e = vtd__cache_insert(&v->psc[l], in >> vtd_level_shift(l),
			      psc_k1(nested ? 4u : kind, l, w->did, pasid));
	e->d[0] = next;
	e->d[1] = perm;
	e->did = w->did;
	e->pasid = pasid;
	e->base = in & ~((1ull << vtd_level_shift(l)) - 1);
	e->span = 1ull << vtd_level_shift(l);
}

/* ---- second level (§3.6, §9.8) ---- */

struct sl_result {
	uint64_t pa;
	unsigned shift, perm;
	unsigned lvl; /* where it failed */
};

/* Walk `in` through the second-level table at `root` of `levels` levels. */
static enum walk_rc sl_walk(struct wctx *w, uint64_t root, unsigned levels, uint64_t in,
			    struct sl_result *res)
{
	struct vtd *v = w->v;
	uint64_t table = root;
	unsigned perm = IOTLB_PERM_R | IOTLB_PERM_W;
	unsigned lvl = levels;

	if (in >> vtd_level_shift(levels + 1))
		return W_BEYOND;
	start_walk(w);
	psc_find(w, VTD_PSC_SL, levels, in, 0, &table, &lvl, &perm);
	for (; lvl >= 1; lvl--) {
		unsigned shift = vtd_level_shift(lvl);
		struct vtd_sl_pte pte;

		res->lvl = lvl;
		if (!read_entry(w, table + vtd_level_index(in, lvl) * VTD_PTE_SIZE, 8, &pte.val,
				true))
			return W_ACCESS;
		if (!vtd_slpte_present(&pte)) {
			res->perm = 0;
			res->pa = 0;
			res->shift = 12;
			return W_NP;
		}
		/* IOTLB_PERM_R/W are VT-d's R and W bits. */
		perm &= vtd_slpte_perm(&pte);
		if (lvl > 1 && vtd_slpte_ps(&pte)) {
			/* A large page where CAP.SLLPS allows one, aligned; else reserved. */
			if (!((lvl == 2 && (v->hw.sllps & 1)) || (lvl == 3 && (v->hw.sllps & 2))) ||
			    (vtd_slpte_addr(&pte) & ((1ull << shift) - 1)))
				return W_RSVD;
			res->pa = vtd_slpte_addr(&pte) | (in & ((1ull << shift) - 1));
			res->shift = shift;
			res->perm = perm;
			return W_OK;
		}
		if (lvl == 1) {
			res->pa = vtd_slpte_addr(&pte) | (in & 0xfff);
			res->shift = 12;
			res->perm = perm;
			return W_OK;
		}
		table = vtd_slpte_addr(&pte);
		psc_fill(w, VTD_PSC_SL, lvl, in, 0, table, perm, false);
	}
	return W_ACCESS;
}

/* Second-level translation of a guest-physical address with the IOTLB in front (nested
 * walks' table pointers and outputs): entries tagged without PASID, as second-level. */
static enum walk_rc sl_translate(struct wctx *w, uint64_t root, unsigned levels, uint64_t gpa,
				 struct sl_result *res)
{
	struct vtd *v = w->v;
	struct iotlb_hit hit;
	enum walk_rc rc;

	if (iotlb_lookup_pasid(v->iotlb, w->did, IOTLB_NO_PASID, gpa, &hit) && hit.perm) {
		w->out->lat_ps += v->cfg.iotlb_hit_ps;
		res->pa = hit.hpa;
		res->shift = hit.page_shift;
		res->perm = hit.perm;
		return W_OK;
	}
	rc = sl_walk(w, root, levels, gpa, res);
	if (rc == W_OK)
		iotlb_insert_pasid(v->iotlb, w->did, IOTLB_NO_PASID, IOTLB_KIND_SL, gpa, res->shift,
				   res->pa & ~((1ull << res->shift) - 1), res->perm);
	return rc;
}

/* ---- first level (§3.5, §9.7) ---- */

struct fl_walk_in {
	uint64_t root;	 /* FLPTPTR: host-physical, or guest-physical when nested */
	unsigned levels; /* 4 or 5 */
	bool nested;
	uint64_t sl_root; /* nested: the second level */
	unsigned sl_levels;
	bool sre; /* supervisor requests enabled */
};

/* Walk the first level; on success res->pa is the output (guest-physical when nested). */
static uint8_t fl_walk(struct wctx *w, const struct fl_walk_in *in, uint64_t va,
		       struct sl_result *res)
{
	struct vtd *v = w->v;
	const struct vtd_req *r = w->req;
	unsigned top = vtd_level_shift(in->levels) + 8; /* highest implemented bit */
	uint64_t table = in->root, ext;
	unsigned perm = IOTLB_PERM_R | IOTLB_PERM_W, lvl = in->levels;
	bool user = !r->priv, any_us = true;
	uint64_t ptes[6] = {0}, slots[6] = {0};
	bool got[6] = {false};

	/* Canonical: bits above the top must copy it (§3.5.1). */
	ext = va >> top;
	if (ext && ext != (~0ull >> top))
		return VTD_FR_SM_NONCANONICAL;
	if (r->priv && !in->sre)
		return VTD_FR_SM_SRE_CLEAR;
	start_walk(w);
	if (psc_find(w, VTD_PSC_FL, in->levels, va, w->pasid, &table, &lvl, &perm))
		any_us = perm & 4;
	for (; lvl >= 1; lvl--) {
		unsigned shift = vtd_level_shift(lvl);
		struct vtd_fl_pte pte;
		uint64_t slot;

		if (in->nested) {
			/* The table is guest-physical: translate it through second level. */
			struct sl_result s;
			enum walk_rc rc;

			if (table >> vtd_level_shift(in->sl_levels + 1))
				return VTD_FR_SM_FL_BEYOND_AW;
			rc = sl_translate(w, in->sl_root, in->sl_levels, table, &s);
			if (rc == W_ACCESS)
				return lvl == in->levels ? VTD_FR_SM_FLPTR_ACCESS
							 : VTD_FR_SM_SL_ACCESS;
			if (rc == W_RSVD)
				return VTD_FR_SM_SL_RSVD;
			if (rc != W_OK || !(s.perm & IOTLB_PERM_R))
				return lvl == in->levels ? VTD_FR_SM_FLPTR_READ : VTD_FR_SM_FL_READ;
			table = s.pa;
			/* A/D updates need write rights on the table page. */
			if (!(s.perm & IOTLB_PERM_W))
				perm |= 8;
		}
		slot = table + vtd_level_index(va, lvl) * VTD_PTE_SIZE;
		if (!read_entry(w, slot, 8, &pte.val, true))
			return VTD_FR_SM_FL_ACCESS;
		ptes[lvl] = pte.val;
		slots[lvl] = slot;
		got[lvl] = true;
		if (!vtd_flpte_present(&pte))
			return VTD_FR_SM_FL_NP;
		if (!vtd_flpte_us(&pte))
			any_us = false;
		if (!vtd_flpte_rw(&pte))
			perm &= ~IOTLB_PERM_W;
		if (vtd_flpte_ps(&pte)) {
			bool ok = lvl == 2 || (lvl == 3 && (v->cap & CAP_FL1GP));

			if (!ok ||
			    (vtd_flpte_addr(&pte) & ((1ull << shift) - 1) & ~VTD_FL_PAT_LARGE))
				return VTD_FR_SM_FL_RSVD;
			/* Bit 12 of a large-page entry is PAT, not an address bit. */
			res->pa = (vtd_flpte_addr(&pte) & ~((1ull << shift) - 1)) |
				  (va & ((1ull << shift) - 1));
			res->shift = shift;
			break;
		}
		if (lvl == 1) {
			res->pa = vtd_flpte_addr(&pte) | (va & 0xfff);
			res->shift = 12;
			break;
		}
		table = vtd_flpte_addr(&pte);
		psc_fill(w, VTD_PSC_FL, lvl, va, w->pasid, table, (perm & 3) | (any_us ? 4 : 0),
			 in->nested);
	}
	if (user && !any_us)
		return VTD_FR_SM_US;
	/* Accessed and dirty flags (§3.5.3): set as the walk used the entries, atomically. */
	for (unsigned l = lvl; l <= in->levels && l < 6; l++) {
		uint64_t want =
		    VTD_FL_A | ((l == lvl && r->write && (perm & IOTLB_PERM_W)) ? VTD_FL_D : 0);

		if (!got[l])
			continue; /* levels above came from the paging-structure cache */
		if ((ptes[l] & want) == want || r->at == VTD_AT_TRANSLATION)
			continue;
		if (perm & 8)
			return VTD_FR_SM_FL_WRITE;
		mem_write64(v->mem, slots[l], ptes[l] | want);
		w->out->lat_ps += rd_ps(v, 8);
		v->st.walk_mem_writes++;
	}
	res->perm = perm & 3;
	return 0;
}

/* ---- context and PASID entries ---- */

static uint64_t ctx_key(uint16_t sid, bool scalable)
{
	return sid | (scalable ? 0x10000ull : 0);
}

/* Legacy root + context entries (§9.1, §9.3); 0 or a fault reason. */
static uint8_t legacy_context(struct wctx *w, struct vtd_context_entry *ctx)
{
	struct vtd *v = w->v;
	uint16_t sid = w->req->sid;
	struct vtd_centry *ce;
	struct vtd_root_entry re;

	v->st.ctx_lookups++;
	ce = vtd__cache_lookup(&v->ctx, ctx_key(sid, false), 0);
	if (ce) {
		v->st.ctx_hits++;
		w->out->lat_ps += v->cfg.ctx_hit_ps;
		ctx->val[0] = ce->d[0];
		ctx->val[1] = ce->d[1];
		return vtd_ce_present(ctx) ? 0 : VTD_FR_CTX_NOT_PRESENT;
	}
	v->st.ctx_misses++;
	if (!read_entry(w, (v->rta & DMA_RTADDR_RTA_MASK) + PCI_BUS_NUM(sid) * VTD_ROOT_ENTRY_SIZE,
			VTD_ROOT_ENTRY_SIZE, re.val, false))
		return VTD_FR_ROOT_ACCESS;
	if (!vtd_root_present(&re))
		return VTD_FR_ROOT_NOT_PRESENT;
	if (vtd_root_rsvd(&re))
		return VTD_FR_ROOT_RSVD;
	if (!read_entry(w, vtd_root_ctp(&re) + (sid & 0xff) * VTD_CTX_ENTRY_SIZE,
			VTD_CTX_ENTRY_SIZE, ctx->val, false))
		return VTD_FR_CTX_ACCESS;
	if (!vtd_ce_present(ctx)) {
		if (v->cfg.caching_mode) {
			/* Caching mode: a not-present entry may be cached (§6.1). */
			ce = vtd__cache_insert(&v->ctx, ctx_key(sid, false), 0);
			ce->d[0] = ctx->val[0];
			ce->d[1] = ctx->val[1];
			ce->sid = sid;
			ce->did = vtd_ce_did(ctx);
		}
		return VTD_FR_CTX_NOT_PRESENT;
	}
	w->fpd = vtd_ce_fpd(ctx);
	if (vtd_ce_rsvd(ctx))
		return VTD_FR_CTX_RSVD;
	ce = vtd__cache_insert(&v->ctx, ctx_key(sid, false), 0);
	ce->d[0] = ctx->val[0];
	ce->d[1] = ctx->val[1];
	ce->sid = sid;
	ce->did = vtd_ce_did(ctx);
	return 0;
}

/* Scalable-mode root + context entries (§9.2, §9.4); the unit keeps the context entry's first
 * two qwords (the others are reserved). */
static uint8_t sm_context(struct wctx *w, struct vtd_sm_context_entry *ctx)
{
	struct vtd *v = w->v;
	uint16_t sid = w->req->sid;
	uint8_t devfn = (uint8_t)sid;
	unsigned half = vtd_smroot_half(devfn);
	struct vtd_centry *ce;
	struct vtd_root_entry re;

	memset(ctx, 0, sizeof(*ctx));
	v->st.ctx_lookups++;
	ce = vtd__cache_lookup(&v->ctx, ctx_key(sid, true), 0);
	if (ce) {
		v->st.ctx_hits++;
		w->out->lat_ps += v->cfg.ctx_hit_ps;
		ctx->val[0] = ce->d[0];
		ctx->val[1] = ce->d[1];
		return vtd_smce_present(ctx) ? 0 : VTD_FR_SM_CTX_NP;
	}
	v->st.ctx_misses++;
	if (!read_entry(w, (v->rta & DMA_RTADDR_RTA_MASK) + PCI_BUS_NUM(sid) * VTD_ROOT_ENTRY_SIZE,
			VTD_ROOT_ENTRY_SIZE, re.val, false))
		return VTD_FR_SM_ROOT_ACCESS;
	if (!vtd_smroot_present(&re, half))
		return VTD_FR_SM_ROOT_NP;
	if (vtd_smroot_rsvd(&re, half))
		return VTD_FR_SM_ROOT_RSVD;
	if (!read_entry(w, vtd_smroot_ctp(&re, half) + (devfn & 0x7f) * VTD_SMCTX_SIZE,
			VTD_SMCTX_SIZE, ctx->val, false))
		return VTD_FR_SM_CTX_ACCESS;
	if (!vtd_smce_present(ctx)) {
		if (v->cfg.caching_mode) {
			ce = vtd__cache_insert(&v->ctx, ctx_key(sid, true), 0);
			ce->d[0] = ctx->val[0];
			ce->sid = sid;
			ce->did = 0xffff;
		}
		return VTD_FR_SM_CTX_NP;
	}
	w->fpd = vtd_smce_fpd(ctx);
	if (vtd_smce_rsvd(ctx))
		return VTD_FR_SM_CTX_RSVD;
	if (!(v->ecap & ECAP_RPS) && vtd_smce_rid_pasid(ctx))
		return VTD_FR_SM_CTX_INVALID;
	ce = vtd__cache_insert(&v->ctx, ctx_key(sid, true), 0);
	ce->d[0] = ctx->val[0];
	ce->d[1] = ctx->val[1];
	ce->sid = sid;
	ce->did = 0xffff; /* scalable context entries carry no domain */
	return 0;
}

/* PASID directory + table entries (§9.5, §9.6); pe gets the PASID-table entry's first three
 * qwords (what the unit reads and caches). */
static uint8_t pasid_entry(struct wctx *w, const struct vtd_sm_context_entry *ctx, uint32_t pasid,
			   struct vtd_pasid_entry *pe)
{
	struct vtd *v = w->v;
	uint16_t sid = w->req->sid;
	uint64_t key = ((uint64_t)sid << 20) | pasid, dirpa, tpa;
	struct vtd_pasid_dir_entry de;
	struct vtd_pasid_entry e;
	struct vtd_centry *ce;

	memset(pe, 0, sizeof(*pe));
	if (vtd_pasid_dir_index(pasid) >= vtd_smce_pasid_dir_entries(ctx))
		return VTD_FR_SM_PASID_MAX;
	ce = vtd__cache_lookup(&v->pasid, key, 1);
	if (ce) {
		w->out->lat_ps += v->cfg.ctx_hit_ps;
		memcpy(pe->val, ce->d, 3 * sizeof(pe->val[0]));
		w->fpd |= ce->d[3] & 1;
		return 0;
	}
	dirpa = vtd_smce_pasid_dir(ctx) + (uint64_t)vtd_pasid_dir_index(pasid) * VTD_PDE_SIZE;
	if (!read_entry(w, dirpa, VTD_PDE_SIZE, &de.val, false))
		return VTD_FR_SM_PDE_ACCESS;
	if (!vtd_pde_present(&de))
		return VTD_FR_SM_PDE_NP;
	w->fpd |= vtd_pde_fpd(&de);
	if (vtd_pde_rsvd(&de))
		return VTD_FR_SM_PDE_RSVD;
	tpa = vtd_pde_table(&de) + (uint64_t)vtd_pasid_table_index(pasid) * VTD_PASID_ENTRY_SIZE;
	/* The unit reads the half of the entry it uses (qwords 0-3). */
	memset(&e, 0, sizeof(e));
	if (!read_entry(w, tpa, 32, e.val, false))
		return VTD_FR_SM_PTE_ACCESS;
	if (!vtd_pe_present(&e))
		return VTD_FR_SM_PTE_NP;
	w->fpd |= vtd_pe_fpd(&e);
	if (vtd_pe_rsvd(&e))
		return VTD_FR_SM_PTE_RSVD;
	memcpy(pe->val, e.val, 3 * sizeof(pe->val[0]));
	ce = vtd__cache_insert(&v->pasid, key, 1);
	if (ce) {
		memcpy(ce->d, e.val, 3 * sizeof(e.val[0]));
		ce->d[3] = w->fpd ? 1 : 0;
		ce->did = vtd_pe_did(&e);
		ce->pasid = pasid;
		ce->sid = sid;
	}
	return 0;
}

/* ---- the request ---- */

static bool sl_aw_ok(const struct vtd *v, unsigned aw)
{
	return aw >= 1 && aw <= 3 && (CAP_SAGAW(v->cap) & CAP_SAGAW_LEVELS(vtd_aw_to_levels(aw)));
}

/* The IOTLB, then a walk: second level only (fl NULL), first level, or nested. */
static void translate_pages(struct wctx *w, unsigned kind, uint64_t sl_root, unsigned sl_levels,
			    const struct fl_walk_in *fl)
{
	struct vtd *v = w->v;
	const struct vtd_req *r = w->req;
	struct vtd_xlate *out = w->out;
	struct iotlb_hit hit;
	uint8_t reason = 0;

	if (iotlb_lookup_pasid(v->iotlb, w->did, w->pasid, r->addr, &hit)) {
		out->lat_ps += v->cfg.iotlb_hit_ps;
		out->iotlb_hit = true;
	} else {
		struct sl_result res = {0};

		out->lat_ps += v->cfg.iotlb_hit_ps; /* the miss is known after the lookup */
		out->iotlb_miss = true;
		if (kind == IOTLB_KIND_SL) {
			enum walk_rc rc = sl_walk(w, sl_root, sl_levels, r->addr, &res);
			bool sm = vtd__scalable(v);

			if (rc == W_BEYOND)
				reason = sm ? VTD_FR_SM_BEYOND_AW : VTD_FR_ADDR_BEYOND_AW;
			else if (rc == W_ACCESS)
				reason = sm ? VTD_FR_SM_SL_ACCESS : VTD_FR_PTE_ACCESS;
			else if (rc == W_RSVD)
				reason = sm ? VTD_FR_SM_SL_RSVD : VTD_FR_PTE_RSVD;
			else if (rc == W_NP && sm && res.lvl > 1)
				reason = VTD_FR_SM_SL_NP;
			else if (rc == W_NP)
				res.perm = 0; /* a leaf without rights: a permission fault below */
		} else {
			reason = fl_walk(w, fl, r->addr, &res);
			if (!reason && fl->nested) {
				/* The first level's output is guest-physical too. */
				struct sl_result s = {0};
				enum walk_rc rc = sl_walk(w, sl_root, sl_levels, res.pa, &s);

				if (rc == W_BEYOND)
					reason = VTD_FR_SM_BEYOND_AW;
				else if (rc == W_ACCESS)
					reason = VTD_FR_SM_SL_ACCESS;
				else if (rc == W_RSVD)
					reason = VTD_FR_SM_SL_RSVD;
				else if (rc == W_NP && s.lvl > 1)
					reason = VTD_FR_SM_SL_NP;
				if (!reason) {
					res.pa = s.pa;
					res.perm &= rc == W_OK ? s.perm : 0;
					if (s.shift < res.shift)
						res.shift = s.shift;
				}
			}
		}
		if (reason) {
			fail(w, reason);
			return;
		}
		/* Not-present leaves are cached only in caching mode (§6.1). */
		if (res.perm || v->cfg.caching_mode)
			iotlb_insert_pasid(v->iotlb, w->did, w->pasid, kind, r->addr, res.shift,
					   res.pa & ~((1ull << res.shift) - 1), res.perm);
		hit.hpa = res.pa;
		hit.page_shift = res.shift;
		hit.perm = res.perm;
		end_walk(w);
	}
	out->perm = hit.perm;
	out->page_shift = hit.page_shift;
	if (r->at == VTD_AT_TRANSLATION) {
		/* ATS translation completion: the page and its rights (§4.2.3). */
		out->hpa = hit.hpa & ~((1ull << hit.page_shift) - 1);
		out->ok = true;
		v->st.xlate_ps += out->lat_ps;
		return;
	}
	if (r->write ? !(hit.perm & IOTLB_PERM_W) : !(hit.perm & IOTLB_PERM_R)) {
		bool sm = vtd__scalable(v);

		fail(w, r->write ? (sm ? VTD_FR_SM_WRITE : VTD_FR_WRITE)
				 : (sm ? VTD_FR_SM_READ : VTD_FR_READ));
		return;
	}
	out->hpa = hit.hpa;
	out->ok = true;
	v->st.xlate_ps += out->lat_ps;
}

static void pass(struct wctx *w)
{
	w->out->hpa = w->req->addr;
	w->out->ok = true;
	w->out->page_shift = 12;
	w->out->perm = IOTLB_PERM_R | IOTLB_PERM_W;
	w->v->st.xlate_ps += w->out->lat_ps;
}

static void legacy(struct wctx *w)
{
	struct vtd *v = w->v;
	const struct vtd_req *r = w->req;
	struct vtd_context_entry ctx;
	unsigned tt, aw;
	uint8_t reason;

	if (r->pasid_present) {
		/* Requests with PASID need scalable mode (§7.1.3 RTA.2). */
		fail(w, VTD_FR_SM_PASID_LEGACY);
		return;
	}
	reason = legacy_context(w, &ctx);
	if (reason) {
		fail(w, reason);
		return;
	}
	w->fpd = vtd_ce_fpd(&ctx);
	tt = vtd_ce_tt(&ctx);
	w->did = vtd_ce_did(&ctx);
	aw = vtd_ce_aw(&ctx);

	/* §9.3 TT: 00b untranslated only, 01b also translation and translated requests (only
	 * with ECAP.DT), 10b pass-through (only with ECAP.PT), 11b reserved. */
	if (tt == 3 || (tt == VTD_TT_DEVTLB && !(v->ecap & ECAP_DT)) ||
	    (tt == VTD_TT_PASSTHROUGH && !(v->ecap & ECAP_PT)) ||
	    (tt != VTD_TT_PASSTHROUGH && !sl_aw_ok(v, aw))) {
		fail(w, VTD_FR_CTX_INVALID);
		return;
	}
	if (r->at != VTD_AT_UNTRANSLATED && tt != VTD_TT_DEVTLB) {
		fail(w, VTD_FR_TT_BLOCKED);
		return;
	}
	if (r->at == VTD_AT_TRANSLATED) {
		/* The device's ATC already translated it: the unit only checks it may (§4.2.4). */
		v->st.translated_requests++;
		pass(w);
		return;
	}
	if (tt == VTD_TT_PASSTHROUGH) {
		v->st.passthrough++;
		pass(w);
		return;
	}
	w->pasid = IOTLB_NO_PASID;
	translate_pages(w, IOTLB_KIND_SL, vtd_ce_slptptr(&ctx), vtd_aw_to_levels(aw), NULL);
}

static void scalable(struct wctx *w)
{
	struct vtd *v = w->v;
	const struct vtd_req *r = w->req;
	struct vtd_sm_context_entry ctx;
	struct vtd_pasid_entry pe;
	unsigned pgtt, aw;
	uint8_t reason;
	uint32_t pasid;

	reason = sm_context(w, &ctx);
	if (reason) {
		fail(w, reason);
		return;
	}
	w->fpd = vtd_smce_fpd(&ctx);
	if (r->pasid_present && (!vtd_smce_paside(&ctx) || !(v->ecap & ECAP_PASID))) {
		fail(w, VTD_FR_SM_PASIDE_CLEAR);
		return;
	}
	if (r->at != VTD_AT_UNTRANSLATED && (!vtd_smce_dte(&ctx) || !(v->ecap & ECAP_DT))) {
		fail(w, VTD_FR_SM_DTE_CLEAR);
		return;
	}
	pasid = r->pasid_present ? r->pasid : vtd_smce_rid_pasid(&ctx);
	reason = pasid_entry(w, &ctx, pasid, &pe);
	if (reason) {
		fail(w, reason);
		return;
	}
	w->did = vtd_pe_did(&pe);
	w->pasid = pasid;
	pgtt = vtd_pe_pgtt(&pe);
	aw = vtd_pe_aw(&pe);
	/* §9.6 PGTT and what the unit supports (SPT.4 conditions). */
	if ((pgtt == VTD_PGTT_FL && !(v->ecap & ECAP_FLTS)) ||
	    (pgtt == VTD_PGTT_SL && !(v->ecap & ECAP_SLTS)) ||
	    (pgtt == VTD_PGTT_NESTED && !(v->ecap & ECAP_NEST)) ||
	    (pgtt == VTD_PGTT_PT && !(v->ecap & ECAP_PT)) || pgtt == 0 || pgtt > VTD_PGTT_PT ||
	    ((pgtt == VTD_PGTT_SL || pgtt == VTD_PGTT_NESTED) && !sl_aw_ok(v, aw)) ||
	    ((pgtt == VTD_PGTT_FL || pgtt == VTD_PGTT_NESTED) &&
	     (vtd_pe_flpm(&pe) > 1 || (vtd_pe_flpm(&pe) == 1 && !(v->cap & CAP_FL5LP))))) {
		fail(w, VTD_FR_SM_PTE_INVALID);
		return;
	}
	if (r->at == VTD_AT_TRANSLATED) {
		v->st.translated_requests++;
		pass(w);
		return;
	}
	if (pgtt == VTD_PGTT_PT) {
		v->st.passthrough++;
		pass(w);
		return;
	}
	if (pgtt == VTD_PGTT_SL) {
		translate_pages(w, IOTLB_KIND_SL, vtd_pe_slptptr(&pe), vtd_aw_to_levels(aw), NULL);
		return;
	}
	struct fl_walk_in fl = {
	    .root = vtd_pe_flptptr(&pe),
	    .levels = vtd_pe_flpm(&pe) ? 5 : 4,
	    .nested = pgtt == VTD_PGTT_NESTED,
	    .sl_root = vtd_pe_slptptr(&pe),
	    .sl_levels = vtd_aw_to_levels(aw),
	    .sre = vtd_pe_sre(&pe),
	};
	translate_pages(w, fl.nested ? IOTLB_KIND_NESTED : IOTLB_KIND_FL, fl.sl_root, fl.sl_levels,
			&fl);
}

static void translate(struct vtd *v, const struct vtd_req *req, uint64_t t, struct vtd_xlate *out);

void vtd_translate_req(struct vtd *v, const struct vtd_req *req, uint64_t t, struct vtd_xlate *out)
{
	translate(v, req, t, out);
	if (v->observer)
		v->observer(v->observer_ctx, req->sid, req->addr, out, t);
}

static void translate(struct vtd *v, const struct vtd_req *req, uint64_t t, struct vtd_xlate *out)
{
	struct wctx w = {.v = v, .req = req, .out = out, .t = t, .pasid = IOTLB_NO_PASID};
	unsigned ttm;

	memset(out, 0, sizeof(*out));
	vtd__sync(v, t);
	v->st.translations++;
	if (req->at == VTD_AT_TRANSLATION)
		v->st.ats_requests++;
	if (!(vtd__gsts(v) & DMA_GSTS_TES)) {
		/* Remapping off: requests go to memory untranslated (§3.1). */
		v->st.untranslated++;
		pass(&w);
		return;
	}
	ttm = (unsigned)DMA_RTADDR_TTM(v->rta);
	if (ttm == DMA_TTM_LEGACY)
		legacy(&w);
	else if (ttm == DMA_TTM_SCALABLE)
		scalable(&w);
	else
		fail(&w, VTD_FR_SM_RTA_INVALID); /* reserved TTM (or abort-DMA mode) */
}

void vtd_translate(struct vtd *v, uint16_t sid, uint64_t iova, bool write, uint64_t t,
		   struct vtd_xlate *out)
{
	struct vtd_req r = {.sid = sid, .addr = iova, .write = write};

	vtd_translate_req(v, &r, t, out);
}
