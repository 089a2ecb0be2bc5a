/* SPDX-License-Identifier: MIT */
/* Domains and their second-level page tables (Linux's dmar_domain, domain_pfn_mapping). */
#include "models/drivers/intel_iommu/intel_iommu_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- domains ---- */

/* A new domain with the next DID (not yet listed: domain_add()), room made to list it. */
static struct dmar_domain *domain_new(struct intel_iommu *d, int *rc)
{
	struct dmar_domain *dom, **grown;

	*rc = -ENOSPC;
	if (d->ndomains + 1 >= CAP_NDOMS(d->cap))
		return NULL;
	*rc = -ENOMEM;
	grown = realloc(d->domains, (d->ndomains + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	d->domains = grown;
	dom = calloc(1, sizeof(*dom));
	if (!dom)
		return NULL;
	dom->d = d;
	/* DID 0 is reserved when caching mode is set (VT-d §9.3); start at 1 as Linux does. */
	dom->did = (uint16_t)(d->ndomains + 1);
	*rc = 0;
	return dom;
}

static void domain_add(struct intel_iommu *d, struct dmar_domain *dom)
{
	d->domains[d->ndomains++] = dom;
}

int intel_iommu_domain_alloc(struct intel_iommu *d, struct dmar_domain **out)
{
	int rc;
	struct dmar_domain *dom = domain_new(d, &rc);

	if (!dom)
		return rc;
	dom->levels = d->agaw_levels;
	dom->fl = d->scalable && (d->ecap & ECAP_FLTS) && !(d->ecap & ECAP_SLTS);
	if (dom->fl)
		dom->levels = 4; /* 4-level paging (PASID entry FLPM 0) */
	rc = intel_iommu__alloc_table(d, &dom->pgd);
	if (rc) {
		free(dom);
		return rc;
	}
	domain_add(d, dom);
	*out = dom;
	return 0;
}

int intel_iommu_domain_alloc_nested(struct dmar_domain *parent, struct dmar_domain **out)
{
	struct intel_iommu *d = parent->d;
	struct dmar_domain *dom;
	int rc;

	if (parent->fl || !d->scalable || !(d->ecap & ECAP_NEST))
		return -ENOTSUP;
	dom = domain_new(d, &rc);
	if (!dom)
		return rc;
	/* its own DID (the IOTLB tags what its first level translates with it), the parent's
	 * second-level tables */
	dom->pgd = parent->pgd;
	dom->levels = parent->levels;
	domain_add(d, dom);
	*out = dom;
	return 0;
}

uint16_t dmar_domain_id(const struct dmar_domain *dom)
{
	return dom->did;
}

uint64_t dmar_domain_pgd(const struct dmar_domain *dom)
{
	return dom->pgd;
}

struct intel_iommu *dmar_domain_iommu(const struct dmar_domain *dom)
{
	return dom->d;
}

unsigned dmar_domain_levels(const struct dmar_domain *dom)
{
	return dom->levels;
}

/* The domain's entry format: second level (VT-d §9.8) or first level (§9.7, x86 paging with
 * U/S set: requests without PASID are user requests unless the context says otherwise). */
static bool pte_present(const struct dmar_domain *dom, uint64_t v)
{
	struct vtd_sl_pte sl = {v};
	struct vtd_fl_pte fl = {v};

	return dom->fl ? vtd_flpte_present(&fl) : vtd_slpte_present(&sl);
}

static bool pte_ps(const struct dmar_domain *dom, uint64_t v)
{
	struct vtd_sl_pte sl = {v};
	struct vtd_fl_pte fl = {v};

	return dom->fl ? vtd_flpte_ps(&fl) : vtd_slpte_ps(&sl);
}

static uint64_t pte_addr(const struct dmar_domain *dom, uint64_t v)
{
	struct vtd_sl_pte sl = {v};
	struct vtd_fl_pte fl = {v};

	return dom->fl ? vtd_flpte_addr(&fl) : vtd_slpte_addr(&sl);
}

/* rights: VTD_SL_R | VTD_SL_W; a first-level entry is readable when present. */
static uint64_t pte_make(const struct dmar_domain *dom, uint64_t pa, unsigned rights, bool large)
{
	struct vtd_sl_pte sl;
	struct vtd_fl_pte fl;

	if (!dom->fl) {
		vtd_slpte_set(&sl, pa, rights, large);
		return sl.val;
	}
	vtd_flpte_set(&fl, pa,
		      VTD_FL_US | ((rights & VTD_SL_W) ? VTD_FL_RW : 0) | (large ? VTD_FL_PS : 0));
	return fl.val;
}

/* The entry for iova at `target` level, creating tables above it. 0 on failure. */
static uint64_t pte_slot(struct dmar_domain *dom, uint64_t iova, unsigned target, bool create)
{
	struct intel_iommu *d = dom->d;
	uint64_t table = dom->pgd;

	for (unsigned lvl = dom->levels; lvl > target; lvl--) {
		uint64_t slot = table + vtd_level_index(iova, lvl) * VTD_PTE_SIZE;
		uint64_t pte = mem_rd64(d, slot);

		if (!pte_present(dom, pte)) {
			uint64_t next;

			if (!create || intel_iommu__alloc_table(d, &next))
				return 0;
			/* Non-leaf entries grant both rights; the leaf decides (VT-d §9.8). */
			mem_wr64(d, slot, pte_make(dom, next, VTD_SL_R | VTD_SL_W, false));
			table = next;
		} else if (pte_ps(dom, pte)) {
			return 0; /* a large page is in the way */
		} else {
			table = pte_addr(dom, pte);
		}
	}
	return table + vtd_level_index(iova, target) * VTD_PTE_SIZE;
}

static int map_range(struct dmar_domain *dom, uint64_t iova, uint64_t hpa, uint64_t size,
		     unsigned prot, int only_shift)
{
	struct intel_iommu *d = dom->d;
	uint64_t start = iova, end = iova + size;
	unsigned rights = ((prot & IOMMU_READ) ? (unsigned)VTD_SL_R : 0) |
			  ((prot & IOMMU_WRITE) ? (unsigned)VTD_SL_W : 0);
	unsigned sllps = (unsigned)CAP_SLLPS(d->cap);

	if ((iova | hpa | size) & (PAGE - 1) || !rights)
		return -EINVAL;
	if (only_shift == 21 && !(sllps & CAP_SLLPS_2M))
		return -ENOTSUP;
	if (only_shift == 30 && !(sllps & CAP_SLLPS_1G))
		return -ENOTSUP;
	if (only_shift > 12 && ((iova | hpa | size) & ((1ull << only_shift) - 1)))
		return -EINVAL;
	d->st.maps++;
	while (iova < end) {
		unsigned lvl = 1;

		if (only_shift > 12) {
			lvl = only_shift == 30 ? 3 : 2;
		} else if (!only_shift && d->cfg.superpages) {
			if ((sllps & CAP_SLLPS_1G) && !((iova | hpa) & ((1ull << 30) - 1)) &&
			    end - iova >= (1ull << 30))
				lvl = 3;
			else if ((sllps & CAP_SLLPS_2M) && !((iova | hpa) & ((1ull << 21) - 1)) &&
				 end - iova >= (1ull << 21))
				lvl = 2;
		}
		uint64_t slot = pte_slot(dom, iova, lvl, true);

		if (!slot)
			return -ENOMEM;
		mem_wr64(d, slot, pte_make(dom, hpa, rights, lvl > 1));
		uint64_t step = 1ull << vtd_level_shift(lvl);
		iova += step;
		hpa += step;
		d->st.pages_mapped += step / PAGE;
	}
	uint64_t live = d->st.pages_mapped - d->st.pages_unmapped;
	if (live > d->st.pages_mapped_peak)
		d->st.pages_mapped_peak = live;
	/* Caching mode: not-present entries may be cached, so new mappings are flushed too
	 * (Linux iommu_flush_iotlb_psi(map=1)); otherwise only the write buffer, if asked. */
	if (d->cm)
		return intel_iommu__flush_range(dom, start, end);
	intel_iommu__flush_write_buffer(d);
	return 0;
}

int intel_iommu_map(struct dmar_domain *dom, uint64_t iova, uint64_t hpa, uint64_t size,
		    unsigned prot)
{
	return map_range(dom, iova, hpa, size, prot, 0);
}

int intel_iommu_map_pages(struct dmar_domain *dom, uint64_t iova, uint64_t hpa, uint64_t size,
			  unsigned prot, unsigned page_shift)
{
	if (page_shift != 12 && page_shift != 21 && page_shift != 30)
		return -EINVAL;
	return map_range(dom, iova, hpa, size, prot, (int)page_shift);
}

int intel_iommu_unmap(struct dmar_domain *dom, uint64_t iova, uint64_t size, bool flush)
{
	struct intel_iommu *d = dom->d;
	uint64_t a = iova, end = iova + size;

	d->st.unmaps++;
	while (a < end) {
		unsigned lvl;
		uint64_t slot = 0;

		for (lvl = 1; lvl <= 3; lvl++) {
			uint64_t s = pte_slot(dom, a, lvl, false);
			uint64_t pte = s && lvl > 1 ? mem_rd64(d, s) : 0;

			if (s && (lvl == 1 || pte_ps(dom, pte))) {
				slot = s;
				break;
			}
		}
		if (!slot) {
			a += PAGE;
			continue;
		}
		mem_wr64(d, slot, 0); /* dma_clear_pte */
		a += 1ull << vtd_level_shift(lvl);
		d->st.pages_unmapped += (1ull << vtd_level_shift(lvl)) / PAGE;
	}
	if (!flush)
		return 0;
	return intel_iommu__flush_range(dom, iova, end);
}

void intel_iommu_flush_iotlb_all(struct dmar_domain *dom)
{
	intel_iommu_flush_domain(dom, NULL);
}
