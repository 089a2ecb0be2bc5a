/* SPDX-License-Identifier: MIT */
/*
 * DMA remapping in legacy mode (VT-d 3.x ch. 3): root entry by bus, context entry by devfn
 * (cached in the context cache), then the IOTLB, then a second-level walk of 3, 4 or 5 levels
 * reading 8-byte entries from memory (§3.6, §9.8). Access rights are the AND of R/W over the
 * levels walked. A request that fails is blocked and its fault recorded (§7.1.3).
 */
#include "models/iommu/vtd_internal.h"
#include "models/mem/mem.h"

#include <string.h>

static uint64_t mem_rd_ps(const struct vtd *v, size_t bytes)
{
	return mem_access_ps(v->mem, bytes, v->cfg.walk_in_llc) + v->cfg.walk_step_ps;
}

static struct ctx_entry *ctx_lookup(struct vtd *v, uint16_t sid)
{
	for (unsigned i = 0; i < v->cfg.ctx_entries; i++) {
		struct ctx_entry *c = &v->ctx[i];

		if (c->valid && c->sid == sid) {
			c->stamp = ++v->clock;
			return c;
		}
	}
	return NULL;
}

static void ctx_insert(struct vtd *v, uint16_t sid, uint64_t lo, uint64_t hi)
{
	struct ctx_entry *victim = &v->ctx[0];

	for (unsigned i = 0; i < v->cfg.ctx_entries; i++) {
		if (!v->ctx[i].valid) {
			victim = &v->ctx[i];
			break;
		}
		if (v->ctx[i].stamp < victim->stamp)
			victim = &v->ctx[i];
	}
	victim->valid = true;
	victim->sid = sid;
	victim->lo = lo;
	victim->hi = hi;
	victim->stamp = ++v->clock;
}

static void fail(struct vtd *v, struct vtd_xlate *out, uint16_t sid, uint64_t iova, uint8_t reason,
		 bool write, bool fpd, uint64_t t)
{
	out->ok = false;
	out->fault_reason = reason;
	out->hpa = 0;
	vtd__record_fault(v, sid, iova, reason, !write, fpd, t + out->lat_ps);
}

/* Levels for context AW (§9.3): 1 -> 3 levels (39 bits), 2 -> 4 (48), 3 -> 5 (57). */
static unsigned aw_levels(unsigned aw)
{
	return aw + 2;
}

void vtd_translate(struct vtd *v, uint16_t sid, uint64_t iova, bool write, uint64_t t,
		   struct vtd_xlate *out)
{
	struct ctx_entry *ce;
	uint64_t lo, hi;
	bool fpd;
	unsigned levels, tt;
	struct iotlb_hit hit;
	uint16_t did;

	memset(out, 0, sizeof(*out));
	vtd__sync(v, t);
	v->st.translations++;
	if (!(vtd__gsts(v) & DMA_GSTS_TES)) {
		/* Remapping off: requests go to memory untranslated (§3.1). */
		v->st.untranslated++;
		out->hpa = iova;
		out->ok = true;
		out->page_shift = 12;
		return;
	}

	/* Context: cache, or root + context entries from memory. */
	v->st.ctx_lookups++;
	ce = ctx_lookup(v, sid);
	if (ce) {
		v->st.ctx_hits++;
		out->lat_ps += v->cfg.ctx_hit_ps;
		lo = ce->lo;
		hi = ce->hi;
	} else {
		uint64_t rta = v->rta & DMA_RTADDR_RTA_MASK;
		uint64_t root, ctp;

		v->st.ctx_misses++;
		if ((v->rta & DMA_RTADDR_TTM_MASK) != 0) {
			/* Scalable mode is not modelled by this unit: treat as invalid root. */
			out->lat_ps += mem_rd_ps(v, 16);
			fail(v, out, sid, iova, VTD_FR_ROOT_RSVD, write, false, t);
			return;
		}
		if (!mem_is_ram(v->mem, rta + (sid >> 8) * 16u, 16)) {
			fail(v, out, sid, iova, VTD_FR_ROOT_ACCESS, write, false, t);
			return;
		}
		root = mem_read64(v->mem, rta + (sid >> 8) * 16u);
		out->lat_ps += mem_rd_ps(v, 16);
		if (!(root & VTD_ROOT_P)) {
			fail(v, out, sid, iova, VTD_FR_ROOT_NOT_PRESENT, write, false, t);
			return;
		}
		if (root & VTD_ROOT_LO_RSVD) {
			fail(v, out, sid, iova, VTD_FR_ROOT_RSVD, write, false, t);
			return;
		}
		ctp = root & VTD_ROOT_CTP;
		if (!mem_is_ram(v->mem, ctp + (sid & 0xff) * 16u, 16)) {
			fail(v, out, sid, iova, VTD_FR_CTX_ACCESS, write, false, t);
			return;
		}
		lo = mem_read64(v->mem, ctp + (sid & 0xff) * 16u);
		hi = mem_read64(v->mem, ctp + (sid & 0xff) * 16u + 8);
		out->lat_ps += mem_rd_ps(v, 16);
		if (!(lo & VTD_CTX_P)) {
			fail(v, out, sid, iova, VTD_FR_CTX_NOT_PRESENT, write, false, t);
			return;
		}
		if ((lo & VTD_CTX_LO_RSVD) || (hi & VTD_CTX_HI_RSVD)) {
			fail(v, out, sid, iova, VTD_FR_CTX_RSVD, write, lo & VTD_CTX_FPD, t);
			return;
		}
		ctx_insert(v, sid, lo, hi);
	}
	fpd = lo & VTD_CTX_FPD;
	tt = (unsigned)((lo & VTD_CTX_TT_MASK) >> VTD_CTX_TT_SHIFT);
	did = (uint16_t)VTD_CTX_HI_DID(hi);

	if (tt == VTD_TT_PASSTHROUGH && (v->ecap & ECAP_PT)) {
		v->st.passthrough++;
		out->hpa = iova;
		out->ok = true;
		out->page_shift = 12;
		v->st.xlate_ps += out->lat_ps;
		return;
	}
	if (tt == 3 || tt == VTD_TT_PASSTHROUGH || (tt == VTD_TT_DEVTLB) ||
	    !(CAP_SAGAW(v->cap) & (1u << VTD_CTX_HI_AW(hi)))) {
		/* Reserved TT, PT or device-TLB without support, or an unsupported AW. */
		fail(v, out, sid, iova, VTD_FR_CTX_INVALID, write, fpd, t);
		return;
	}
	levels = aw_levels((unsigned)VTD_CTX_HI_AW(hi));
	if (iova >> (12 + 9 * levels)) {
		fail(v, out, sid, iova, VTD_FR_ADDR_BEYOND_AW, write, fpd, t);
		return;
	}

	if (iotlb_lookup(v->iotlb, did, iova, &hit)) {
		out->lat_ps += v->cfg.iotlb_hit_ps;
		out->iotlb_hit = true;
	} else {
		/* Second-level walk, §3.6. */
		uint64_t table = lo & VTD_CTX_SLPTPTR;
		unsigned perm = IOTLB_PERM_R | IOTLB_PERM_W;
		unsigned shift = 12;
		uint64_t page = 0;

		out->lat_ps += v->cfg.iotlb_hit_ps; /* the miss is known after the lookup */
		v->st.walks++;
		for (unsigned lvl = levels; lvl >= 1; lvl--) {
			unsigned lshift = 12 + 9 * (lvl - 1);
			uint64_t pa = table + ((iova >> lshift) & 511) * 8;
			uint64_t pte;

			if (!mem_is_ram(v->mem, pa, 8)) {
				fail(v, out, sid, iova, VTD_FR_PTE_ACCESS, write, fpd, t);
				return;
			}
			pte = mem_read64(v->mem, pa);
			v->st.walk_mem_reads++;
			out->lat_ps += mem_rd_ps(v, 8);
			perm &= (unsigned)(pte & (VTD_SL_R | VTD_SL_W));
			if (!(pte & (VTD_SL_R | VTD_SL_W))) {
				/* Not present: reported as the missing permission (§7.1.3). */
				fail(v, out, sid, iova, write ? VTD_FR_WRITE : VTD_FR_READ, write,
				     fpd, t);
				return;
			}
			if (lvl > 1 && (pte & VTD_SL_PS)) {
				if ((lvl == 2 && v->cfg.sp_2m) || (lvl == 3 && v->cfg.sp_1g)) {
					shift = lshift;
					page = pte & VTD_SL_ADDR & ~((1ull << shift) - 1);
					break;
				}
				fail(v, out, sid, iova, VTD_FR_PTE_RSVD, write, fpd, t);
				return;
			}
			if (lvl == 1) {
				page = pte & VTD_SL_ADDR;
				break;
			}
			table = pte & VTD_SL_ADDR;
		}
		iotlb_insert(v->iotlb, did, iova, shift, page, perm);
		hit.hpa = page + (iova & ((1ull << shift) - 1));
		hit.page_shift = shift;
		hit.perm = perm;
	}
	if (write ? !(hit.perm & IOTLB_PERM_W) : !(hit.perm & IOTLB_PERM_R)) {
		fail(v, out, sid, iova, write ? VTD_FR_WRITE : VTD_FR_READ, write, fpd, t);
		return;
	}
	out->hpa = hit.hpa;
	out->page_shift = hit.page_shift;
	out->ok = true;
	v->st.xlate_ps += out->lat_ps;
}
