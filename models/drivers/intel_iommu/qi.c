/* SPDX-License-Identifier: MIT */
/*
 * Invalidation (VT-d 3.x §6.5): through the invalidation queue when the driver uses it
 * (qi_submit_sync and the qi_flush_* of Linux's dmar.c), else through the context and IOTLB
 * command registers; device TLBs of the domain's devices with ATS go too.
 */
#include "models/drivers/intel_iommu/intel_iommu_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- invalidation ---- */

/*
 * Descriptors, then a wait descriptor whose status write says they are done. Each wait
 * descriptor writes to its own word of the status page, the one of its queue slot (Linux's
 * desc_status[wait_index]): CPUs that submit at once, each spinning on its own word, are not
 * confused by another's completion. Writing the descriptors and the tail does not block, so
 * no other CPU's submission comes between (Linux takes qi->q_lock for that).
 */
int qi_submit_sync(struct intel_iommu *d, const struct vtd_inv_desc *descs, unsigned n)
{
	uint64_t status = d->status_page + 4ull * ((d->qi_tail + n) % d->qi_entries);
	uint32_t seq = ++d->status_seq;

	for (unsigned i = 0; i <= n; i++) {
		uint64_t slot = d->qi_base + (uint64_t)d->qi_tail * d->qi_desc;
		/* Last, a wait descriptor: status write, fence (VT-d §6.5.2.8). */
		struct vtd_inv_desc desc =
		    i < n ? descs[i] : vtd_inv_wait(QI_IWD_SW | QI_IWD_FN, seq, status);

		/* 128-bit descriptors, or 256-bit ones whose upper half is zero. */
		for (unsigned w = 0; w < d->qi_desc / 8; w++)
			mem_wr64(d, slot + 8 * w, w < 2 ? desc.val[w] : 0);
		d->qi_tail = (d->qi_tail + 1) % d->qi_entries;
	}
	d->st.qi_submits++;
	d->st.qi_descs += n + 1;
	wr64(d, DMAR_IQT_REG, VTD_IQ_OFFSET((uint64_t)d->qi_tail * d->qi_desc));
	if (!d->hal.ops->spin_mem32(d->hal.ctx, status, seq, WAIT_TIMEOUT_NS)) {
		/* Like qi_check_fault(): an invalid descriptor (IQE) or a device-TLB time-out (ITE)
		 * stopped the queue. Report, clear, skip what is left. */
		uint32_t fsts = rd32(d, DMAR_FSTS_REG);

		d->st.qi_errors++;
		intel_iommu__log(d, "vtd: invalidation wait failed (FSTS %#x, IQERCD %#llx)", fsts,
				 (unsigned long long)rd64(d, DMAR_IQER_REG));
		if (fsts & (DMA_FSTS_IQE | DMA_FSTS_ITE | DMA_FSTS_ICE)) {
			wr64(d, DMAR_IQT_REG, rd64(d, DMAR_IQH_REG));
			d->qi_tail = (unsigned)(DMA_IQ_OFFSET(rd64(d, DMAR_IQH_REG)) / d->qi_desc);
			wr32(d, DMAR_FSTS_REG, DMA_FSTS_IQE | DMA_FSTS_ITE | DMA_FSTS_ICE);
			return -EIO;
		}
		return -ETIMEDOUT;
	}
	return 0;
}

int intel_iommu__flush_context(struct intel_iommu *d, int gran, uint16_t did, uint16_t sid)
{
	d->st.ctx_flushes++;
	if (d->qi) {
		struct vtd_inv_desc desc = vtd_inv_cc((unsigned)gran, did, sid, 0);

		return qi_submit_sync(d, &desc, 1);
	}
	d->st.reg_invalidations++;
	wr64(d, DMAR_CCMD_REG,
	     DMA_CCMD_ICC | VTD_CCMD_CIRG(gran) | VTD_CCMD_SID(sid) | VTD_CCMD_DID(did));
	for (;;) {
		if (!(rd64(d, DMAR_CCMD_REG) & DMA_CCMD_ICC))
			return 0;
		relax(d);
	}
}

/* The devices of a domain that cache translations (ATS): their device TLBs go too. */
static unsigned devtlb_descs(struct intel_iommu *d, const struct dmar_domain *dom, uint64_t addr,
			     unsigned am, bool all, struct vtd_inv_desc *desc, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < d->ndevs && n < max; i++) {
		const struct dev_info *di = d->devs[i];

		if (!di->used || !di->ats || (dom && di->dom != dom))
			continue;
		/* ATS size encoding (qi_flush_dev_iotlb): 2^am pages with S and the low address
		 * bits up to bit 12+am-2 set; everything: all address bits set. */
		desc[n++] = vtd_inv_dev_iotlb(di->bdf, addr, am, all);
		d->st.devtlb_flushes++;
	}
	return n;
}

int intel_iommu__flush_iotlb_dom(struct intel_iommu *d, const struct dmar_domain *dom, int gran,
				 uint16_t did, uint64_t addr, unsigned am)
{
	uint32_t iro = (uint32_t)ECAP_IRO(d->ecap);

	d->st.iotlb_flushes++;
	if (d->qi) {
		struct vtd_inv_desc desc[17];
		unsigned n = 1;

		/* A first-level domain's entries are tagged with RID_PASID (§6.5.2.4). */
		if (dom && dom->fl)
			desc[0] = vtd_inv_piotlb(gran == QI_GRAN_DEVICE ? QI_GRAN_PSI_PASID
									: QI_GRAN_NONG_PASID,
						 did, 0, addr, am, false);
		else
			desc[0] = vtd_inv_iotlb((unsigned)gran, did, addr, am, false, true, true);
		if (d->dt)
			n += devtlb_descs(d, gran == QI_GRAN_GLOBAL ? NULL : dom, addr, am,
					  gran != QI_GRAN_DEVICE, desc + 1, 16);
		return qi_submit_sync(d, desc, n);
	}
	d->st.reg_invalidations++;
	if (gran == QI_GRAN_DEVICE)
		wr64(d, iro, (addr & DMA_IVA_ADDR) | VTD_IVA_AM(am));
	wr64(d, iro + 8,
	     DMA_TLB_IVT | VTD_TLB_IIRG(gran) | DMA_TLB_DR | DMA_TLB_DW | VTD_TLB_DID(did));
	for (;;) {
		if (!(rd64(d, iro + 8) & DMA_TLB_IVT))
			return 0;
		relax(d);
	}
}

int intel_iommu__flush_iotlb(struct intel_iommu *d, int gran, uint16_t did, uint64_t addr,
			     unsigned am)
{
	return intel_iommu__flush_iotlb_dom(d, NULL, gran, did, addr, am);
}

int intel_iommu__flush_iec(struct intel_iommu *d, bool global, uint32_t index)
{
	d->st.iec_flushes++;
	if (!d->qi)
		return 0; /* IR requires QI (VT-d §6.5.1); never reached without it */
	struct vtd_inv_desc desc = vtd_inv_iec(global, (uint16_t)index, 0);

	return qi_submit_sync(d, &desc, 1);
}

int intel_iommu__flush_pasid_cache(struct intel_iommu *d, int gran, uint16_t did, uint32_t pasid)
{
	struct vtd_inv_desc desc = vtd_inv_pc((unsigned)gran, did, pasid);

	d->st.pasid_flushes++;
	return qi_submit_sync(d, &desc, 1);
}

/* Page-selective invalidation covering [iova, end): the address mask is the log2 of the
 * aligned power-of-two page count (VT-d §6.5.2.3); too wide, or no PSI: the domain. */
int intel_iommu__flush_range(struct dmar_domain *dom, uint64_t iova, uint64_t end)
{
	struct intel_iommu *d = dom->d;
	unsigned am = 0;

	while ((iova & ~((PAGE << am) - 1)) + (PAGE << am) < end && am < CAP_MAMV(d->cap))
		am++;
	if ((iova & ~((PAGE << am) - 1)) + (PAGE << am) < end || !(d->cap & CAP_PSI))
		return intel_iommu__flush_iotlb_dom(d, dom, QI_GRAN_DOMAIN, dom->did, 0, 0);
	return intel_iommu__flush_iotlb_dom(d, dom, QI_GRAN_DEVICE, dom->did,
					    iova & ~((PAGE << am) - 1), am);
}

/* What a gathered invalidation submitted (descriptors include the wait descriptors). */
static void info_add(struct intel_iommu_flush_info *info, unsigned psi, unsigned dsi,
		     unsigned descs)
{
	if (!info)
		return;
	info->psi += psi;
	info->dsi += dsi;
	info->descs += descs;
	info->waits += descs ? 1 : 0;
}

/* The page-selective invalidation covering [iova, end) (VT-d §6.5.2.3): its address mask, or
 * -1 when it is too wide (or the unit has no PSI) and the domain must go. */
static int psi_am(const struct intel_iommu *d, uint64_t iova, uint64_t end)
{
	unsigned am = 0;

	while ((iova & ~((PAGE << am) - 1)) + (PAGE << am) < end && am < CAP_MAMV(d->cap))
		am++;
	if ((iova & ~((PAGE << am) - 1)) + (PAGE << am) < end || !(d->cap & CAP_PSI))
		return -1;
	return (int)am;
}

/*
 * Several ranges of one domain, invalidated together (Linux 6.12's struct qi_batch in
 * drivers/iommu/intel/cache.c): one page-selective IOTLB descriptor per range (and the device
 * TLBs' of the domain's ATS devices), up to QI_MAX_BATCHED_DESC_COUNT descriptors per
 * submission, each submission ending with one wait descriptor; a range too wide for PSI makes
 * it one domain-selective descriptor for everything. Register-based invalidation goes range by
 * range. Returns when every invalidation has completed.
 */
int intel_iommu_flush_ranges(struct dmar_domain *dom, const uint64_t *iova, const uint64_t *size,
			     unsigned n, struct intel_iommu_flush_info *info)
{
	struct intel_iommu *d = dom->d;
	struct vtd_inv_desc desc[QI_MAX_BATCHED_DESC_COUNT];
	unsigned nd = 0, psi = 0;
	int rc = 0;

	for (unsigned i = 0; i < n; i++)
		if (psi_am(d, iova[i], iova[i] + size[i]) < 0)
			return intel_iommu_flush_domain(dom, info);
	if (!d->qi || dom->fl) {
		for (unsigned i = 0; i < n && !rc; i++) {
			rc = intel_iommu__flush_range(dom, iova[i], iova[i] + size[i]);
			info_add(info, 1, 0, 0);
		}
		return rc;
	}
	for (unsigned i = 0; i < n; i++) {
		unsigned am = (unsigned)psi_am(d, iova[i], iova[i] + size[i]);
		uint64_t addr = iova[i] & ~((PAGE << am) - 1);
		unsigned ndev = 0;

		for (unsigned k = 0; d->dt && k < d->ndevs; k++)
			ndev += d->devs[k]->used && d->devs[k]->ats && d->devs[k]->dom == dom;
		if (nd + 1 + ndev > QI_MAX_BATCHED_DESC_COUNT) {
			rc = rc ? rc : qi_submit_sync(d, desc, nd);
			info_add(info, psi, 0, nd + 1);
			nd = psi = 0;
		}
		d->st.iotlb_flushes++;
		desc[nd++] = vtd_inv_iotlb(QI_GRAN_DEVICE, dom->did, addr, am, false, true, true);
		psi++;
		for (unsigned k = 0; d->dt && k < d->ndevs; k++) {
			const struct dev_info *di = d->devs[k];

			if (di->used && di->ats && di->dom == dom) {
				desc[nd++] = vtd_inv_dev_iotlb(di->bdf, addr, am, false);
				d->st.devtlb_flushes++;
			}
		}
	}
	if (nd) {
		rc = rc ? rc : qi_submit_sync(d, desc, nd);
		info_add(info, psi, 0, nd + 1);
	}
	return rc;
}

/* Every IOTLB entry of the domain (and its devices' TLBs), one domain-selective descriptor and
 * a wait: what a flush queue's flush does (Linux's intel_flush_iotlb_all). */
int intel_iommu_flush_domain(struct dmar_domain *dom, struct intel_iommu_flush_info *info)
{
	struct intel_iommu *d = dom->d;
	unsigned ndev = 0;

	for (unsigned k = 0; d->dt && k < d->ndevs; k++)
		ndev += d->devs[k]->used && d->devs[k]->ats && d->devs[k]->dom == dom;
	info_add(info, 0, 1, d->qi ? 2 + ndev : 0);
	return intel_iommu__flush_iotlb_dom(d, dom, QI_GRAN_DOMAIN, dom->did, 0, 0);
}
