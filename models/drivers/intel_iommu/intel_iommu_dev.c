/* SPDX-License-Identifier: MIT */
/*
 * Devices: context entries (legacy and scalable mode), attaching a device to a domain or to
 * pass-through, its RMRRs, ATS (VT-d §4, PCIe §10), and PASID entries for first-level and
 * nested translation (Linux's pasid.c).
 */
#include "models/drivers/intel_iommu/intel_iommu_internal.h"
#include "models/pcie/pcie_regs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- devices ---- */

static struct dev_info *dev_get(struct intel_iommu *d, uint16_t bdf, bool create)
{
	struct dev_info **bus = d->by_bus[PCI_BUS_NUM(bdf)], *di = NULL;

	if (bus && bus[bdf & 0xff])
		return bus[bdf & 0xff];
	if (!create)
		return NULL;
	if (!bus) {
		bus = d->by_bus[PCI_BUS_NUM(bdf)] = calloc(256, sizeof(*bus));
		if (!bus)
			return NULL;
	}
	for (unsigned i = 0; i < d->ndevs && !di; i++)
		if (!d->devs[i]->used)
			di = d->devs[i];
	if (!di) {
		struct dev_info **grown = realloc(d->devs, (d->ndevs + 1) * sizeof(*grown));

		if (!grown)
			return NULL;
		d->devs = grown;
		di = d->devs[d->ndevs] = malloc(sizeof(*di));
		if (!di)
			return NULL;
		d->ndevs++;
	}
	memset(di, 0, sizeof(*di));
	di->used = true;
	di->bdf = bdf;
	bus[bdf & 0xff] = di;
	return di;
}

/* A device no longer set up: its slot is free for the next one. */
static void dev_put(struct intel_iommu *d, struct dev_info *di)
{
	d->by_bus[PCI_BUS_NUM(di->bdf)][di->bdf & 0xff] = NULL;
	di->used = false;
}

bool intel_iommu_ats_enabled(const struct intel_iommu *d, uint16_t bdf)
{
	struct dev_info *const *bus = d->by_bus[PCI_BUS_NUM(bdf)];

	return bus && bus[bdf & 0xff] && bus[bdf & 0xff]->ats;
}

/* The root port above bdf: the bus-0 bridge whose bus range holds its bus. */
static bool root_port_of(struct intel_iommu *d, uint16_t bdf, uint16_t *port)
{
	uint8_t bus = (uint8_t)PCI_BUS_NUM(bdf);

	for (unsigned devfn = 0; devfn < 256; devfn++) {
		uint8_t sec, sub;

		if (cfg_rd(d, (uint16_t)devfn, PCI_VENDOR_ID, 2) == 0xffff) {
			if (!(devfn & 7))
				devfn += 7; /* no function 0: no device */
			continue;
		}
		if ((cfg_rd(d, (uint16_t)devfn, PCI_HEADER_TYPE, 1) & 0x7f) != 1)
			continue;
		sec = (uint8_t)cfg_rd(d, (uint16_t)devfn, PCI_SECONDARY_BUS, 1);
		sub = (uint8_t)cfg_rd(d, (uint16_t)devfn, PCI_SUBORDINATE_BUS, 1);
		if (sec && bus >= sec && bus <= sub) {
			*port = (uint16_t)devfn;
			return true;
		}
	}
	return false;
}

/* The ATS extended capability of bdf, or 0 (PCIe 5.0 §7.6: the list from 0x100). */
static unsigned find_ats(struct intel_iommu *d, uint16_t bdf)
{
	unsigned off = PCI_EXT_CAP_START, guard = 0;

	while (off && guard++ < 64) {
		uint32_t h = cfg_rd(d, bdf, off, 4);

		if (h == 0 || h == 0xffffffffu)
			return 0;
		if (PCI_EXT_CAP_ID(h) == PCI_EXT_CAP_ID_ATS)
			return off;
		off = PCI_EXT_CAP_NEXT(h);
	}
	return 0;
}

/* Linux's pci_enable_ats() behind intel_iommu's dev_iommu_ats checks: the unit has device
 * TLBs, the DMAR ATSR covers the root port, the function has the capability. */
static bool enable_ats(struct intel_iommu *d, uint16_t bdf)
{
	unsigned cap;
	uint16_t port;

	if (!d->dt || !d->cfg.dmar || !root_port_of(d, bdf, &port) ||
	    !dmar_ats_allowed(&d->hal, d->cfg.dmar, port))
		return false;
	cap = find_ats(d, bdf);
	if (!cap)
		return false;
	d->hal.ops->cfg_write(d->hal.ctx, bdf, cap + PCI_ATS_CTRL, 2,
			      PCI_ATS_CTRL_ENABLE | PCI_ATS_CTRL_STU(0));
	d->st.ats_enabled++;
	return true;
}

static int ensure_ctx_table(struct intel_iommu *d, uint8_t bus, unsigned half)
{
	int rc;

	if (d->ctx_tables[bus][half])
		return 0;
	rc = intel_iommu__alloc_table(d, &d->ctx_tables[bus][half]);
	if (rc)
		return rc;
	struct vtd_root_entry re = {{0}};

	if (!d->scalable) {
		vtd_root_set_ctp(&re, d->ctx_tables[bus][0]);
		vtd_root_set_present(&re);
		mem_wr64(d, d->root + bus * VTD_ROOT_ENTRY_SIZE, re.val[0]);
	} else {
		/* §9.2: the lower half points at devfn 0-127, the upper at 128-255; only this
		 * half's word is written. */
		vtd_smroot_set_ctp(&re, half, d->ctx_tables[bus][half]);
		vtd_smroot_set_present(&re, half);
		mem_wr64(d, d->root + bus * VTD_ROOT_ENTRY_SIZE + 8u * half, re.val[half]);
	}
	return 0;
}

/* Scalable mode: the device's PASID table entry for `pasid`, creating the directory and
 * table pages (§9.5-9.6). 0 on failure. */
static uint64_t pasid_slot(struct intel_iommu *d, struct dev_info *di, uint32_t pasid)
{
	unsigned dir = vtd_pasid_dir_index(pasid);

	if (dir >= 8)
		return 0; /* this driver keeps PASIDs below 512 */
	if (!di->pasid_dir && intel_iommu__alloc_table(d, &di->pasid_dir))
		return 0;
	if (!di->pasid_tables[dir]) {
		if (intel_iommu__alloc_table(d, &di->pasid_tables[dir]))
			return 0;
		struct vtd_pasid_dir_entry pde = {0};

		vtd_pde_set_table(&pde, di->pasid_tables[dir]);
		vtd_pde_set_present(&pde);
		mem_wr64(d, di->pasid_dir + dir * VTD_PDE_SIZE, pde.val);
	}
	return di->pasid_tables[dir] +
	       (uint64_t)vtd_pasid_table_index(pasid) * VTD_PASID_ENTRY_SIZE;
}

/* Write a scalable-mode context entry: PASID directory, DTE, RID_PASID 0; P last (§9.4). */
static int sm_context(struct intel_iommu *d, struct dev_info *di)
{
	uint8_t bus = (uint8_t)PCI_BUS_NUM(di->bdf), devfn = (uint8_t)di->bdf;
	unsigned half = vtd_smroot_half(devfn);
	struct vtd_sm_context_entry ce = {{0}};
	uint64_t ctx;
	int rc = ensure_ctx_table(d, bus, half);

	if (rc)
		return rc;
	if (!di->pasid_dir && intel_iommu__alloc_table(d, &di->pasid_dir))
		return -ENOMEM;
	ctx = d->ctx_tables[bus][half] + (devfn & 0x7f) * VTD_SMCTX_SIZE;
	vtd_smce_set_rid_pasid(&ce, 0);
	vtd_smce_set_pasid_dir(&ce, di->pasid_dir);
	vtd_smce_set_pdts(&ce, PDTS);
	vtd_smce_set_dte(&ce, di->ats);
	vtd_smce_set_paside(&ce, true);
	vtd_smce_set_present(&ce);
	for (unsigned w = 1; w < 4; w++)
		mem_wr64(d, ctx + 8 * w, ce.val[w]);
	mem_wr64(d, ctx, ce.val[0]);
	return 0;
}

/* A PASID-table entry; qwords 1-7 first, then qword 0 with P (Linux pasid_set_*). */
static int set_pasid_entry(struct intel_iommu *d, struct dev_info *di, uint32_t pasid,
			   const struct vtd_pasid_entry *e)
{
	uint64_t pe = pasid_slot(d, di, pasid);

	if (!pe)
		return -ENOSPC;
	for (unsigned i = 1; i < 8; i++)
		mem_wr64(d, pe + 8 * i, e->val[i]);
	mem_wr64(d, pe, e->val[0]);
	return 0;
}

/* A present PASID-table entry translated by `pgtt` for domain did: second level at slptptr
 * of `levels` levels (second-level, nested, pass-through), first level at flptptr of
 * fl_levels levels with supervisor requests (first-level, nested). */
static struct vtd_pasid_entry pasid_entry(unsigned pgtt, uint16_t did, uint64_t slptptr,
					  unsigned levels, uint64_t flptptr, unsigned fl_levels)
{
	struct vtd_pasid_entry e = {{0}};

	vtd_pe_set_slptptr(&e, slptptr);
	vtd_pe_set_pgtt(&e, pgtt);
	if (levels)
		vtd_pe_set_aw(&e, vtd_levels_to_aw(levels));
	vtd_pe_set_present(&e);
	vtd_pe_set_did(&e, did);
	if (fl_levels) {
		vtd_pe_set_flptptr(&e, flptptr);
		vtd_pe_set_flpm(&e, fl_levels == 5 ? 1 : 0);
		vtd_pe_set_sre(&e, true);
	}
	return e;
}

bool intel_iommu_dev_has_rmrr(const struct intel_iommu *d, uint16_t bdf)
{
	return d->cfg.dmar && dmar_has_rmrr(&d->hal, d->cfg.dmar, bdf);
}

/* RMRRs (VT-d §8.4): the device keeps using that memory, so its domain maps it 1:1, as
 * Linux's DMA domains do with IOMMU_RESV_DIRECT regions. */
static int map_rmrrs(struct dmar_domain *dom, uint16_t bdf)
{
	const struct dmar_info *di = dom->d->cfg.dmar;
	int rc = 0;

	for (unsigned r = 0; di && r < di->nrmrr && !rc; r++)
		for (unsigned i = 0; i < di->rmrr[r].nscope && !rc; i++)
			if (dmar_scope_covers(&dom->d->hal, &di->rmrr[r].scope[i], bdf)) {
				uint64_t base = di->rmrr[r].base & ~(PAGE - 1);
				uint64_t end = (di->rmrr[r].end | (PAGE - 1)) + 1;

				rc = intel_iommu_map(dom, base, base, end - base,
						     IOMMU_READ | IOMMU_WRITE);
			}
	return rc;
}

int intel_iommu_attach_device(struct dmar_domain *dom, uint16_t bdf)
{
	struct intel_iommu *d = dom->d;
	uint8_t bus = (uint8_t)PCI_BUS_NUM(bdf), devfn = (uint8_t)bdf;
	struct dev_info *di = dev_get(d, bdf, true);
	struct vtd_context_entry ce = {{0}};
	struct vtd_pasid_entry pe;
	uint64_t ctx;
	int rc;

	if (!di)
		return -ENOSPC;
	rc = map_rmrrs(dom, bdf);
	if (rc)
		return rc;
	di->dom = dom;
	di->ats = enable_ats(d, bdf);
	if (d->scalable) {
		/* RID_PASID's entry: second-level (or first-level) translation by the domain's
		 * tables. */
		pe = dom->fl ? pasid_entry(VTD_PGTT_FL, dom->did, 0, 0, dom->pgd, dom->levels)
			     : pasid_entry(VTD_PGTT_SL, dom->did, dom->pgd, dom->levels, 0, 0);
		rc = set_pasid_entry(d, di, 0, &pe);
		if (!rc)
			rc = sm_context(d, di);
		if (!rc)
			rc = intel_iommu__flush_context(d, QI_GRAN_DEVICE, 0, bdf);
		if (!rc)
			rc = intel_iommu__flush_pasid_cache(d, QI_PC_PASID_SEL, dom->did, 0);
		return rc;
	}
	rc = ensure_ctx_table(d, bus, 0);
	if (rc)
		return rc;
	ctx = d->ctx_tables[bus][0] + devfn * VTD_CTX_ENTRY_SIZE;
	/* High half first, then the low half with P: the unit never sees a half-written present
	 * entry (VT-d §9.3; Linux context_set_*). AW = levels - 2. TT 01b lets the device use
	 * its ATC. */
	vtd_ce_set_aw(&ce, vtd_levels_to_aw(dom->levels));
	vtd_ce_set_did(&ce, dom->did);
	vtd_ce_set_slptptr(&ce, dom->pgd);
	vtd_ce_set_tt(&ce, di->ats ? VTD_TT_DEVTLB : VTD_TT_UNTRANSLATED);
	vtd_ce_set_present(&ce);
	mem_wr64(d, ctx + 8, ce.val[1]);
	mem_wr64(d, ctx, ce.val[0]);
	intel_iommu__flush_write_buffer(d);
	/* Caching mode would require a flush of the not-present entry; flush the device's
	 * context anyway, as Linux's domain_context_mapping does. */
	rc = intel_iommu__flush_context(d, QI_GRAN_DEVICE, dom->did, bdf);
	if (!rc && d->cm)
		rc = intel_iommu__flush_iotlb(d, QI_GRAN_DOMAIN, dom->did, 0, 0);
	return rc;
}

int intel_iommu_attach_identity(struct intel_iommu *d, uint16_t bdf)
{
	uint8_t bus = (uint8_t)PCI_BUS_NUM(bdf), devfn = (uint8_t)bdf;
	struct vtd_context_entry ce = {{0}};
	struct vtd_pasid_entry pe;
	struct dev_info *di;
	uint64_t ctx;
	int rc;

	if (!(d->ecap & ECAP_PT))
		return -ENOTSUP;
	di = dev_get(d, bdf, true);
	if (!di)
		return -ENOSPC;
	di->dom = NULL;
	if (d->scalable) {
		/* PGTT pass-through for RID_PASID; Linux uses FLPT_DEFAULT_DID (1) for it. */
		pe = pasid_entry(VTD_PGTT_PT, 0, 0, d->agaw_levels, 0, 0);
		rc = set_pasid_entry(d, di, 0, &pe);
		if (!rc)
			rc = sm_context(d, di);
		if (!rc)
			rc = intel_iommu__flush_context(d, QI_GRAN_DEVICE, 0, bdf);
		if (!rc)
			rc = intel_iommu__flush_pasid_cache(d, QI_PC_PASID_SEL, 0, 0);
		return rc;
	}
	rc = ensure_ctx_table(d, bus, 0);
	if (rc)
		return rc;
	ctx = d->ctx_tables[bus][0] + devfn * VTD_CTX_ENTRY_SIZE;
	vtd_ce_set_aw(&ce, vtd_levels_to_aw(d->agaw_levels));
	vtd_ce_set_tt(&ce, VTD_TT_PASSTHROUGH);
	vtd_ce_set_present(&ce);
	mem_wr64(d, ctx + 8, ce.val[1]);
	mem_wr64(d, ctx, ce.val[0]);
	intel_iommu__flush_write_buffer(d);
	return intel_iommu__flush_context(d, QI_GRAN_DEVICE, 0, bdf);
}

int intel_iommu_detach_device(struct intel_iommu *d, uint16_t bdf)
{
	uint8_t bus = (uint8_t)PCI_BUS_NUM(bdf), devfn = (uint8_t)bdf;
	struct dev_info *di = dev_get(d, bdf, false);
	uint16_t did = 0;
	uint64_t ctx;
	int rc;

	if (!d->ctx_tables[bus][d->scalable ? vtd_smroot_half(devfn) : 0])
		return 0;
	if (d->scalable) {
		ctx = d->ctx_tables[bus][vtd_smroot_half(devfn)] + (devfn & 0x7f) * VTD_SMCTX_SIZE;
		did = di && di->dom ? di->dom->did : 0;
		mem_wr64(d, ctx, 0);
		rc = intel_iommu__flush_context(d, QI_GRAN_DEVICE, 0, bdf);
		if (!rc)
			rc = intel_iommu__flush_pasid_cache(d, QI_PC_ALL_PASIDS, did, 0);
	} else {
		struct vtd_context_entry ce = {{0}};

		ctx = d->ctx_tables[bus][0] + devfn * VTD_CTX_ENTRY_SIZE;
		ce.val[1] = mem_rd64(d, ctx + 8);
		did = vtd_ce_did(&ce);
		mem_wr64(d, ctx, 0);
		mem_wr64(d, ctx + 8, 0);
		rc = intel_iommu__flush_context(d, QI_GRAN_DEVICE, did, bdf);
	}
	if (!rc)
		rc =
		    intel_iommu__flush_iotlb_dom(d, di ? di->dom : NULL, QI_GRAN_DOMAIN, did, 0, 0);
	if (di)
		dev_put(d, di);
	return rc;
}

int intel_pasid_setup_first_level(struct dmar_domain *dom, uint16_t bdf, uint32_t pasid,
				  uint64_t fl_root, unsigned fl_levels)
{
	struct intel_iommu *d = dom->d;
	struct dev_info *di = dev_get(d, bdf, false);
	struct vtd_pasid_entry pe;
	int rc;

	if (!d->scalable || !(d->ecap & ECAP_FLTS))
		return -ENOTSUP;
	if (fl_levels != 4 && !(fl_levels == 5 && (d->cap & CAP_FL5LP)))
		return -EINVAL;
	if (!di || !di->pasid_dir)
		return -ENODEV; /* attach the device (its RID_PASID) first */
	pe = pasid_entry(VTD_PGTT_FL, dom->did, 0, 0, fl_root, fl_levels);
	rc = set_pasid_entry(d, di, pasid, &pe);
	return rc ? rc : intel_iommu__flush_pasid_cache(d, QI_PC_PASID_SEL, dom->did, pasid);
}

int intel_pasid_setup_nested(struct dmar_domain *dom, uint16_t bdf, uint32_t pasid,
			     uint64_t fl_root_gpa, unsigned fl_levels)
{
	struct intel_iommu *d = dom->d;
	struct dev_info *di = dev_get(d, bdf, false);
	struct vtd_pasid_entry pe;
	int rc;

	if (!d->scalable || !(d->ecap & ECAP_NEST))
		return -ENOTSUP;
	if (fl_levels != 4 && !(fl_levels == 5 && (d->cap & CAP_FL5LP)))
		return -EINVAL;
	if (!di || !di->pasid_dir)
		return -ENODEV;
	pe = pasid_entry(VTD_PGTT_NESTED, dom->did, dom->pgd, dom->levels, fl_root_gpa, fl_levels);
	rc = set_pasid_entry(d, di, pasid, &pe);
	return rc ? rc : intel_iommu__flush_pasid_cache(d, QI_PC_PASID_SEL, dom->did, pasid);
}

int qi_flush_piotlb(struct dmar_domain *dom, uint32_t pasid, uint64_t addr, unsigned am, bool whole)
{
	struct intel_iommu *d = dom->d;
	struct vtd_inv_desc desc =
	    whole ? vtd_inv_piotlb(QI_GRAN_NONG_PASID, dom->did, pasid, 0, 0, false)
		  : vtd_inv_piotlb(QI_GRAN_PSI_PASID, dom->did, pasid, addr, am, false);

	if (!d->scalable)
		return -ENOTSUP;
	d->st.iotlb_flushes++;
	return qi_submit_sync(d, &desc, 1);
}
