/* SPDX-License-Identifier: MIT */
/*
 * Host VT-d driver. Order of bring-up follows Linux (init_dmars / intel_setup_irq_remapping):
 * fault reporting, root table + SRTP, queued invalidation, global context and IOTLB flushes,
 * interrupt remapping table + SIRTP, IEC flush, IRE, then TE. Each GCMD write carries the
 * persistent enable bits already set, and the driver polls GSTS for the command's status
 * (VT-d 3.x §10.4.4). What it uses is decided from CAP/ECAP, as Linux does.
 */
#include "models/host/vtd_drv.h"
#include "models/host/dmar.h"
#include "models/host/host.h"
#include "models/iommu/vtd_regs.h"
#include "models/mem/mem.h"
#include "models/pcie/pcie_regs.h"
#include "sim/metrics.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PAGE		4096ull
/* IQA.QS: 2^1 pages, 8 KiB: 512 128-bit or 256 256-bit descriptors */
#define QI_PAGES_LOG2	1
#define QI_PAGES	(1u << QI_PAGES_LOG2)
#define WAIT_TIMEOUT_NS (10ull * 1000 * 1000)
#define PDTS		2 /* PASID directory of 2^(2+7) = 512 entries: PASIDs up to 2^15 */

struct vtd_domain {
	struct vtd_drv *d;
	uint16_t did;
	uint64_t pgd;
	unsigned levels;
};

struct dev_info {
	uint16_t bdf;
	bool used, ats;
	struct vtd_domain *dom;
	uint64_t pasid_dir; /* scalable mode */
	uint64_t pasid_tables[8];
};

struct drv_pages {
	uint64_t pa, npages;
};

struct vtd_drv {
	struct host *h;
	struct vtd_drv_cfg cfg;
	uint64_t base;
	uint64_t cap, ecap;
	uint32_t gcmd; /* persistent command bits currently set */
	uint64_t root;
	uint64_t ctx_tables[256][2]; /* [bus][half]: legacy uses [bus][0] */
	bool scalable, cm, rwbf, dt, pi;
	/* queued invalidation */
	bool qi;
	unsigned qi_desc; /* bytes per descriptor: 16 or 32 */
	unsigned qi_entries;
	uint64_t qi_base;
	unsigned qi_tail; /* next free slot */
	uint64_t status_page;
	uint32_t status_seq;
	/* interrupt remapping */
	bool ir, eim;
	uint64_t irt;
	uint8_t *irte_used;
	/* domains and devices */
	struct vtd_domain **domains;
	unsigned ndomains;
	/* devices it set up, in the order they came (a detached one's slot is reused), and an
	 * index by bus and devfn (Linux keeps this in struct device's iommu data) */
	struct dev_info **devs;
	unsigned ndevs;
	struct dev_info **by_bus[256];
	unsigned agaw_levels;
	uint8_t fault_vector;
	bool fault_irq_set;
	/* Every simulated page the driver allocated, to give back at destroy (Linux frees its
	 * tables in free_dmar_iommu / domain_exit). */
	struct drv_pages *pages;
	size_t npages_rec, cap_pages;
	struct vtd_drv_stats st;
};

static uint32_t rd32(struct vtd_drv *d, uint32_t off)
{
	return hh_readl(d->h, d->base + off);
}

static uint64_t rd64(struct vtd_drv *d, uint32_t off)
{
	return hh_readq(d->h, d->base + off);
}

static void wr32(struct vtd_drv *d, uint32_t off, uint32_t v)
{
	hh_writel(d->h, d->base + off, v);
}

static void wr64(struct vtd_drv *d, uint32_t off, uint64_t v)
{
	hh_writeq(d->h, d->base + off, v);
}

/* IOMMU_WAIT_OP: poll a register until cond holds, with a timeout. */
static int wait_reg(struct vtd_drv *d, uint32_t off, uint32_t mask, bool set)
{
	uint64_t deadline = hh_now(d->h) + WAIT_TIMEOUT_NS * 1000;

	for (;;) {
		uint32_t v = rd32(d, off);

		if (set ? (v & mask) : !(v & mask))
			return 0;
		if (hh_now(d->h) > deadline) {
			host_log(d->h, "vtd: timeout waiting for reg %#x mask %#x", off, mask);
			return -ETIMEDOUT;
		}
		hh_ndelay(d->h, host_costs(d->h)->poll_ns);
	}
}

/* Issue a GCMD command and wait for its status bit (set, or cleared for a disable). */
static int gcmd(struct vtd_drv *d, uint32_t cmd, uint32_t sts_bit, bool enable)
{
	uint32_t val;

	if (cmd & DMA_GCMD_PERSIST) {
		if (enable)
			d->gcmd |= cmd;
		else
			d->gcmd &= ~cmd;
		val = d->gcmd;
	} else {
		val = d->gcmd | cmd; /* one-shot: with the current enables preserved */
	}
	wr32(d, DMAR_GCMD_REG, val);
	return wait_reg(d, DMAR_GSTS_REG, sts_bit, enable);
}

/* Host pages for the unit's structures (zeroed), remembered for destroy. */
static int alloc_pages(struct vtd_drv *d, uint64_t npages, uint64_t *pa)
{
	int rc;

	if (d->npages_rec == d->cap_pages) {
		size_t nc = d->cap_pages ? 2 * d->cap_pages : 32;
		struct drv_pages *n = realloc(d->pages, nc * sizeof(*n));

		if (!n)
			return -ENOMEM;
		d->pages = n;
		d->cap_pages = nc;
	}
	rc = hh_alloc_pages(d->h, npages, MEM_OWNER_HOST, pa);
	if (rc)
		return rc;
	d->pages[d->npages_rec].pa = *pa;
	d->pages[d->npages_rec].npages = npages;
	d->npages_rec++;
	d->st.table_pages += npages;
	return 0;
}

static int alloc_table(struct vtd_drv *d, uint64_t *pa)
{
	return alloc_pages(d, 1, pa);
}

/* Linux's iommu_flush_write_buffer(): only units reporting CAP.RWBF need it (§6.8). */
static void flush_write_buffer(struct vtd_drv *d)
{
	if (!d->rwbf)
		return;
	d->st.write_buffer_flushes++;
	wr32(d, DMAR_GCMD_REG, d->gcmd | DMA_GCMD_WBF);
	wait_reg(d, DMAR_GSTS_REG, DMA_GSTS_WBFS, false);
}

/* ---- invalidation ---- */

/*
 * Descriptors, then a wait descriptor whose status write says they are done. Each wait
 * descriptor writes to its own word of the status page, the one of its queue slot (Linux's
 * desc_status[wait_index]): CPUs that submit at once, each spinning on its own word, are not
 * confused by another's completion. Writing the descriptors and the tail does not block, so
 * no other CPU's submission comes between (Linux takes qi->q_lock for that).
 */
static int qi_submit(struct vtd_drv *d, const struct vtd_inv_desc *descs, unsigned n)
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
			hh_mem_write64(d->h, slot + 8 * w, w < 2 ? desc.val[w] : 0);
		d->qi_tail = (d->qi_tail + 1) % d->qi_entries;
	}
	d->st.qi_submits++;
	d->st.qi_descs += n + 1;
	wr64(d, DMAR_IQT_REG, VTD_IQ_OFFSET((uint64_t)d->qi_tail * d->qi_desc));
	if (!hh_spin_mem32(d->h, status, seq, WAIT_TIMEOUT_NS)) {
		/* Like qi_check_fault(): an invalid descriptor (IQE) or a device-TLB time-out (ITE)
		 * stopped the queue. Report, clear, skip what is left. */
		uint32_t fsts = rd32(d, DMAR_FSTS_REG);

		d->st.qi_errors++;
		host_log(d->h, "vtd: invalidation wait failed (FSTS %#x, IQERCD %#llx)", fsts,
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

static int flush_context(struct vtd_drv *d, int gran, uint16_t did, uint16_t sid)
{
	d->st.ctx_flushes++;
	if (d->qi) {
		struct vtd_inv_desc desc = vtd_inv_cc((unsigned)gran, did, sid, 0);

		return qi_submit(d, &desc, 1);
	}
	d->st.reg_invalidations++;
	wr64(d, DMAR_CCMD_REG,
	     DMA_CCMD_ICC | VTD_CCMD_CIRG(gran) | VTD_CCMD_SID(sid) | VTD_CCMD_DID(did));
	for (;;) {
		if (!(rd64(d, DMAR_CCMD_REG) & DMA_CCMD_ICC))
			return 0;
		hh_ndelay(d->h, host_costs(d->h)->poll_ns);
	}
}

/* The devices of a domain that cache translations (ATS): their device TLBs go too. */
static unsigned devtlb_descs(struct vtd_drv *d, const struct vtd_domain *dom, uint64_t addr,
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

static int flush_iotlb_dom(struct vtd_drv *d, const struct vtd_domain *dom, int gran, uint16_t did,
			   uint64_t addr, unsigned am)
{
	uint32_t iro = (uint32_t)ECAP_IRO(d->ecap);

	d->st.iotlb_flushes++;
	if (d->qi) {
		struct vtd_inv_desc desc[17];
		unsigned n = 1;

		desc[0] = vtd_inv_iotlb((unsigned)gran, did, addr, am, false, true, true);
		if (d->dt)
			n += devtlb_descs(d, gran == QI_GRAN_GLOBAL ? NULL : dom, addr, am,
					  gran != QI_GRAN_DEVICE, desc + 1, 16);
		return qi_submit(d, desc, n);
	}
	d->st.reg_invalidations++;
	if (gran == QI_GRAN_DEVICE)
		wr64(d, iro, (addr & DMA_IVA_ADDR) | VTD_IVA_AM(am));
	wr64(d, iro + 8,
	     DMA_TLB_IVT | VTD_TLB_IIRG(gran) | DMA_TLB_DR | DMA_TLB_DW | VTD_TLB_DID(did));
	for (;;) {
		if (!(rd64(d, iro + 8) & DMA_TLB_IVT))
			return 0;
		hh_ndelay(d->h, host_costs(d->h)->poll_ns);
	}
}

static int flush_iotlb(struct vtd_drv *d, int gran, uint16_t did, uint64_t addr, unsigned am)
{
	return flush_iotlb_dom(d, NULL, gran, did, addr, am);
}

static int flush_iec(struct vtd_drv *d, bool global, uint32_t index)
{
	d->st.iec_flushes++;
	if (!d->qi)
		return 0; /* IR requires QI (VT-d §6.5.1); never reached without it */
	struct vtd_inv_desc desc = vtd_inv_iec(global, (uint16_t)index, 0);

	return qi_submit(d, &desc, 1);
}

static int flush_pasid_cache(struct vtd_drv *d, int gran, uint16_t did, uint32_t pasid)
{
	struct vtd_inv_desc desc = vtd_inv_pc((unsigned)gran, did, pasid);

	d->st.pasid_flushes++;
	return qi_submit(d, &desc, 1);
}

/* Page-selective invalidation covering [iova, end): the address mask is the log2 of the
 * aligned power-of-two page count (VT-d §6.5.2.3); too wide, or no PSI: the domain. */
static int flush_range(struct vtd_domain *dom, uint64_t iova, uint64_t end)
{
	struct vtd_drv *d = dom->d;
	unsigned am = 0;

	while ((iova & ~((PAGE << am) - 1)) + (PAGE << am) < end && am < CAP_MAMV(d->cap))
		am++;
	if ((iova & ~((PAGE << am) - 1)) + (PAGE << am) < end || !(d->cap & CAP_PSI))
		return flush_iotlb_dom(d, dom, QI_GRAN_DOMAIN, dom->did, 0, 0);
	return flush_iotlb_dom(d, dom, QI_GRAN_DEVICE, dom->did, iova & ~((PAGE << am) - 1), am);
}

/* ---- fault handling ---- */

static void fault_irq(void *ctx, struct pcpu *p, uint8_t vector)
{
	struct vtd_drv *d = ctx;
	uint32_t fsts = rd32(d, DMAR_FSTS_REG);
	unsigned nfr = (unsigned)CAP_NFR(d->cap);
	uint32_t fro = (uint32_t)CAP_FRO(d->cap);
	unsigned idx = (unsigned)DMA_FSTS_FRI(fsts);

	(void)p;
	(void)vector;
	d->st.fault_irqs++;
	/* Like dmar_fault(): walk the records from FRI while F is set, log and clear each. */
	for (unsigned n = 0; n < nfr && (fsts & DMA_FSTS_PPF); n++) {
		unsigned i = (idx + n) % nfr;
		struct vtd_fault_record r;

		r.val[1] = rd64(d, fro + VTD_FRCD_SIZE * i + 8);
		if (!vtd_frcd_f(&r))
			continue;
		r.val[0] = rd64(d, fro + VTD_FRCD_SIZE * i);
		host_log(
		    d->h, "DMAR: [%s] request device [%02x:%02x.%d] fault addr %#llx reason %#x",
		    vtd_frcd_read(&r) ? "DMA Read" : "DMA Write", PCI_BUS_NUM(vtd_frcd_sid(&r)),
		    PCI_SLOT(vtd_frcd_sid(&r)), PCI_FUNC(vtd_frcd_sid(&r)),
		    (unsigned long long)vtd_frcd_fi(&r), vtd_frcd_reason(&r));
		d->st.faults_handled++;
		/* F is RW1C, bit 127: the top bit of the record's last dword. */
		wr32(d, fro + VTD_FRCD_SIZE * i + 12, (uint32_t)(DMA_FRCD_HI_F >> 32));
	}
	/* The queue's own errors are the submitter's to handle (qi_submit); clear overflow. */
	wr32(d, DMAR_FSTS_REG, DMA_FSTS_PFO);
}

/* ---- bring-up ---- */

static int setup_qi(struct vtd_drv *d)
{
	int rc = alloc_pages(d, QI_PAGES, &d->qi_base);

	if (!rc)
		rc = alloc_table(d, &d->status_page);
	if (rc)
		return rc;
	/* Scalable mode needs 256-bit descriptors (IQA.DW, §6.5.2); Linux sets DW with SMTS. */
	d->qi_desc = (d->ecap & ECAP_SMTS) ? 32 : 16;
	d->qi_entries = (unsigned)(QI_PAGES * PAGE / d->qi_desc);
	wr64(d, DMAR_IQT_REG, 0);
	wr64(d, DMAR_IQA_REG,
	     d->qi_base | (d->qi_desc == 32 ? DMA_IQA_DW : 0) | VTD_IQA_QS(QI_PAGES_LOG2));
	rc = gcmd(d, DMA_GCMD_QIE, DMA_GSTS_QIES, true);
	if (!rc)
		d->qi = true;
	return rc;
}

static int setup_ir(struct vtd_drv *d)
{
	unsigned n = d->cfg.irt_entries, s = 0;
	uint64_t pages = ((uint64_t)n * VTD_IRTE_SIZE + PAGE - 1) / PAGE;
	int rc;

	while ((2u << s) < n) /* IRTA.S: 2^(S+1) entries */
		s++;
	rc = alloc_pages(d, pages, &d->irt);
	if (rc)
		return rc;
	d->irte_used = calloc(n, 1);
	if (!d->irte_used)
		return -ENOMEM;
	d->eim = d->cfg.x2apic && (d->ecap & ECAP_EIM);
	wr64(d, DMAR_IRTA_REG, d->irt | VTD_IRTA_S(s) | (d->eim ? DMA_IRTA_EIME : 0));
	rc = gcmd(d, DMA_GCMD_SIRTP, DMA_GSTS_IRTPS, true);
	if (!rc)
		rc = flush_iec(d, true, 0);
	/* Compatibility-format interrupts stay blocked (CFI clear): every MSI must go through an
	 * IRTE, as Linux does with x2APIC. */
	if (!rc)
		rc = gcmd(d, DMA_GCMD_IRE, DMA_GSTS_IRES, true);
	if (!rc)
		d->ir = true;
	return rc;
}

int vtd_drv_init(struct host *h, uint64_t reg_base, const struct vtd_drv_cfg *cfg,
		 struct vtd_drv **out)
{
	struct vtd_drv *d = calloc(1, sizeof(*d));
	unsigned sagaw;
	int rc;

	if (!d)
		return -ENOMEM;
	d->h = h;
	d->cfg = *cfg;
	d->base = reg_base;
	d->cap = rd64(d, DMAR_CAP_REG);
	d->ecap = rd64(d, DMAR_ECAP_REG);
	if (d->cap == ~0ull || d->ecap == ~0ull) {
		rc = -ENODEV; /* nothing answers at the address the DMAR table gave */
		goto fail;
	}
	sagaw = (unsigned)CAP_SAGAW(d->cap);
	/* Linux prefers a 4-level (48-bit) table, else the widest supported. */
	if (sagaw & CAP_SAGAW_LEVELS(4))
		d->agaw_levels = 4;
	else if (sagaw & CAP_SAGAW_LEVELS(5))
		d->agaw_levels = 5;
	else if (sagaw & CAP_SAGAW_LEVELS(3))
		d->agaw_levels = 3;
	else {
		rc = -ENODEV;
		goto fail;
	}
	d->cm = d->cap & CAP_CM;
	d->rwbf = d->cap & CAP_RWBF;
	d->pi = d->cap & CAP_PI;

	/* Fault reporting first, so that anything below that faults is seen. */
	rc = host_irq_alloc(h, cfg->fault_cpu, fault_irq, d, &d->fault_vector);
	if (rc)
		goto fail;
	d->fault_irq_set = true;
	/* The fault event is a compatibility-format MSI to the fault CPU (§11.4.9.3-11.4.9.4). */
	wr32(d, DMAR_FEDATA_REG, msi_compat_data(d->fault_vector, MSI_DATA_DLM_FIXED, 0));
	wr32(d, DMAR_FEADDR_REG, msi_compat_addr((uint8_t)hh_cpu_apic_id(h, cfg->fault_cpu), 0));
	wr32(d, DMAR_FEUADDR_REG, 0);
	wr32(d, DMAR_FECTL_REG, 0); /* unmask */

	/* Queued invalidation before the tables: scalable mode is driven by descriptors only. */
	if (cfg->use_qi && (d->ecap & ECAP_QI)) {
		rc = setup_qi(d);
		if (rc)
			goto fail;
	}
	d->scalable = cfg->scalable && (d->ecap & ECAP_SMTS) && d->qi;
	d->dt = (d->ecap & ECAP_DT) && d->qi && cfg->ats;

	/* Root table, SRTP, wait for RTPS; TTM 01b for scalable mode (§11.4.6). */
	rc = alloc_table(d, &d->root);
	if (rc)
		goto fail;
	wr64(d, DMAR_RTADDR_REG,
	     d->root | VTD_RTADDR_TTM(d->scalable ? DMA_TTM_SCALABLE : DMA_TTM_LEGACY));
	rc = gcmd(d, DMA_GCMD_SRTP, DMA_GSTS_RTPS, true);
	if (rc)
		goto fail;
	rc = flush_context(d, QI_GRAN_GLOBAL, 0, 0);
	if (!rc && d->scalable)
		rc = flush_pasid_cache(d, QI_PC_GLOBAL, 0, 0);
	if (!rc)
		rc = flush_iotlb(d, QI_GRAN_GLOBAL, 0, 0, 0);
	if (rc)
		goto fail;

	/* Interrupt remapping: needs QI for IEC invalidation. */
	if (cfg->use_ir && (d->ecap & ECAP_IR) && d->qi) {
		rc = setup_ir(d);
		if (rc)
			goto fail;
	}

	/* Translation on. */
	rc = gcmd(d, DMA_GCMD_TE, DMA_GSTS_TES, true);
	if (rc)
		goto fail;
	host_log(h, "DMAR: unit at %#llx: %s mode, %u-level tables, QI %s, IR %s%s, TE on",
		 (unsigned long long)reg_base, d->scalable ? "scalable" : "legacy", d->agaw_levels,
		 d->qi ? "on" : "off", d->ir ? "on" : "off", d->eim ? " (x2APIC)" : "");
	*out = d;
	return 0;
fail:
	vtd_drv_shutdown(d); /* what was enabled before the failure */
	vtd_drv_destroy(d);
	return rc;
}

/* Linux's order when the IOMMU goes away (intel_iommu_shutdown, then
 * intel_disable_irq_remapping and dmar_disable_qi): translation off, interrupt remapping off,
 * the invalidation queue drained and off, each through GCMD with GSTS polled (§10.4.4). */
int vtd_drv_shutdown(struct vtd_drv *d)
{
	uint64_t deadline;
	int rc = 0, r;

	if (!d)
		return 0;
	if (d->gcmd & DMA_GCMD_TE) {
		r = gcmd(d, DMA_GCMD_TE, DMA_GSTS_TES, false);
		rc = rc ? rc : r;
	}
	if (d->gcmd & DMA_GCMD_IRE) {
		r = gcmd(d, DMA_GCMD_IRE, DMA_GSTS_IRES, false);
		rc = rc ? rc : r;
		d->ir = false;
	}
	if (d->gcmd & DMA_GCMD_QIE) {
		/* dmar_disable_qi: let the unit fetch what is queued (IQH reaches IQT) first. */
		deadline = hh_now(d->h) + WAIT_TIMEOUT_NS * 1000;
		while (DMA_IQ_OFFSET(rd64(d, DMAR_IQT_REG)) !=
			   DMA_IQ_OFFSET(rd64(d, DMAR_IQH_REG)) &&
		       hh_now(d->h) <= deadline)
			hh_ndelay(d->h, host_costs(d->h)->poll_ns);
		r = gcmd(d, DMA_GCMD_QIE, DMA_GSTS_QIES, false);
		rc = rc ? rc : r;
		d->qi = false;
	}
	if (!rc)
		host_log(d->h,
			 "DMAR: unit at %#llx: translation, interrupt remapping and queued "
			 "invalidation off",
			 (unsigned long long)d->base);
	return rc;
}

void vtd_drv_destroy(struct vtd_drv *d)
{
	if (!d)
		return;
	/* Every page the driver gave the unit: root, context, PASID and page tables, the queue
	 * and its status page, the IRT (free_dmar_iommu). Safe once vtd_drv_shutdown has run, or
	 * when nothing runs any more. */
	for (size_t i = 0; i < d->npages_rec; i++)
		hh_free_pages(d->h, d->pages[i].pa, d->pages[i].npages);
	if (d->fault_irq_set)
		host_irq_free(d->h, d->cfg.fault_cpu, d->fault_vector);
	for (unsigned i = 0; i < d->ndomains; i++)
		free(d->domains[i]);
	free(d->domains);
	for (unsigned i = 0; i < d->ndevs; i++)
		free(d->devs[i]);
	free(d->devs);
	for (unsigned b = 0; b < 256; b++)
		free(d->by_bus[b]);
	free(d->pages);
	free(d->irte_used);
	free(d);
}

/* Where the host driver's counters reach the results (the application places this table at
 * ""). Left out: the queue submissions, flush requests and faults handled, which the unit
 * counts as it executes them (iommu.invalidation_*, iommu.invalidations_by_kind.*,
 * iommu.fault_events), and ats_enabled, which only setup changes. */
#define DRV_ROW(field, kind, key, meaning)                                                         \
	{                                                                                          \
		METRIC(struct vtd_drv_stats, field, kind, key, meaning)                            \
	}
static const struct metric vtd_drv_rows[] = {
    DRV_ROW(maps, COUNT, "iommu.maps", "map calls on the units' domains"),
    DRV_ROW(unmaps, COUNT, "iommu.unmaps", "unmap calls"),
    {METRIC(struct vtd_drv_stats, pages_mapped_peak, GAUGE, "iommu.pinned_pages_peak",
	    "4 KiB pages mapped in a unit's tables at their peak, summed over the units"),
     .agg = METRIC_AGG_SUM},
    DRV_ROW(pages_mapped, COUNT, "iommu.driver.pages_mapped", "4 KiB pages mapped"),
    DRV_ROW(pages_unmapped, COUNT, "iommu.driver.pages_unmapped", "4 KiB pages unmapped"),
    DRV_ROW(table_pages, GAUGE, "iommu.driver.table_pages",
	    "pages the driver allocated for root, context, page, queue and IRT tables"),
    DRV_ROW(irtes_in_use, GAUGE, "iommu.driver.irtes_in_use",
	    "interrupt-remapping table entries allocated"),
};
const struct metric_table vtd_drv_metrics = METRIC_TABLE(struct vtd_drv_stats, vtd_drv_rows);

const struct vtd_drv_stats *vtd_drv_stats(const struct vtd_drv *d)
{
	return &d->st;
}

uint64_t vtd_drv_root_table(const struct vtd_drv *d)
{
	return d->root;
}

uint64_t vtd_drv_cap(const struct vtd_drv *d)
{
	return d->cap;
}

uint64_t vtd_drv_ecap(const struct vtd_drv *d)
{
	return d->ecap;
}

uint64_t vtd_drv_reg_base(const struct vtd_drv *d)
{
	return d->base;
}

bool vtd_drv_scalable(const struct vtd_drv *d)
{
	return d->scalable;
}

bool vtd_drv_qi(const struct vtd_drv *d)
{
	return d->qi;
}

bool vtd_drv_ir_enabled(const struct vtd_drv *d)
{
	return d->ir;
}

bool vtd_drv_posting(const struct vtd_drv *d)
{
	return d->ir && d->pi;
}

/* ---- domains ---- */

int vtd_domain_alloc(struct vtd_drv *d, struct vtd_domain **out)
{
	struct vtd_domain *dom;
	unsigned ndom = CAP_NDOMS(d->cap);
	int rc;

	struct vtd_domain **grown;

	if (d->ndomains + 1 >= ndom)
		return -ENOSPC;
	grown = realloc(d->domains, (d->ndomains + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	d->domains = grown;
	dom = calloc(1, sizeof(*dom));
	if (!dom)
		return -ENOMEM;
	dom->d = d;
	/* DID 0 is reserved when caching mode is set (VT-d §9.3); start at 1 as Linux does. */
	dom->did = (uint16_t)(d->ndomains + 1);
	dom->levels = d->agaw_levels;
	rc = alloc_table(d, &dom->pgd);
	if (rc) {
		free(dom);
		return rc;
	}
	d->domains[d->ndomains++] = dom;
	*out = dom;
	return 0;
}

uint16_t vtd_domain_id(const struct vtd_domain *dom)
{
	return dom->did;
}

uint64_t vtd_domain_pgd(const struct vtd_domain *dom)
{
	return dom->pgd;
}

unsigned vtd_domain_levels(const struct vtd_domain *dom)
{
	return dom->levels;
}

/* The entry for iova at `target` level, creating tables above it. 0 on failure. */
static uint64_t pte_slot(struct vtd_domain *dom, uint64_t iova, unsigned target, bool create)
{
	struct vtd_drv *d = dom->d;
	uint64_t table = dom->pgd;

	for (unsigned lvl = dom->levels; lvl > target; lvl--) {
		uint64_t slot = table + vtd_level_index(iova, lvl) * VTD_PTE_SIZE;
		struct vtd_sl_pte pte = {hh_mem_read64(d->h, slot)};

		if (!vtd_slpte_present(&pte)) {
			uint64_t next;

			if (!create || alloc_table(d, &next))
				return 0;
			/* Non-leaf entries grant both rights; the leaf decides (VT-d §9.8). */
			vtd_slpte_set(&pte, next, VTD_SL_R | VTD_SL_W, false);
			hh_mem_write64(d->h, slot, pte.val);
			table = next;
		} else if (vtd_slpte_ps(&pte)) {
			return 0; /* a large page is in the way */
		} else {
			table = vtd_slpte_addr(&pte);
		}
	}
	return table + vtd_level_index(iova, target) * VTD_PTE_SIZE;
}

static int map_range(struct vtd_domain *dom, uint64_t iova, uint64_t hpa, uint64_t size,
		     unsigned prot, int only_shift)
{
	struct vtd_drv *d = dom->d;
	uint64_t start = iova, end = iova + size;
	unsigned rights = ((prot & VTD_PROT_READ) ? (unsigned)VTD_SL_R : 0) |
			  ((prot & VTD_PROT_WRITE) ? (unsigned)VTD_SL_W : 0);
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
		struct vtd_sl_pte pte;

		if (!slot)
			return -ENOMEM;
		vtd_slpte_set(&pte, hpa, rights, lvl > 1);
		hh_mem_write64(d->h, slot, pte.val);
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
		return flush_range(dom, start, end);
	flush_write_buffer(d);
	return 0;
}

int vtd_domain_map(struct vtd_domain *dom, uint64_t iova, uint64_t hpa, uint64_t size,
		   unsigned prot)
{
	return map_range(dom, iova, hpa, size, prot, 0);
}

int vtd_domain_map_pages(struct vtd_domain *dom, uint64_t iova, uint64_t hpa, uint64_t size,
			 unsigned prot, unsigned page_shift)
{
	if (page_shift != 12 && page_shift != 21 && page_shift != 30)
		return -EINVAL;
	return map_range(dom, iova, hpa, size, prot, (int)page_shift);
}

int vtd_domain_unmap(struct vtd_domain *dom, uint64_t iova, uint64_t size, bool flush)
{
	struct vtd_drv *d = dom->d;
	uint64_t a = iova, end = iova + size;

	d->st.unmaps++;
	while (a < end) {
		unsigned lvl;
		uint64_t slot = 0;

		for (lvl = 1; lvl <= 3; lvl++) {
			uint64_t s = pte_slot(dom, a, lvl, false);
			struct vtd_sl_pte pte = {s && lvl > 1 ? hh_mem_read64(d->h, s) : 0};

			if (s && (lvl == 1 || vtd_slpte_ps(&pte))) {
				slot = s;
				break;
			}
		}
		if (!slot) {
			a += PAGE;
			continue;
		}
		hh_mem_write64(d->h, slot, 0); /* dma_clear_pte */
		a += 1ull << vtd_level_shift(lvl);
		d->st.pages_unmapped += (1ull << vtd_level_shift(lvl)) / PAGE;
	}
	if (!flush)
		return 0;
	return flush_range(dom, iova, end);
}

void vtd_domain_flush(struct vtd_domain *dom)
{
	flush_iotlb_dom(dom->d, dom, QI_GRAN_DOMAIN, dom->did, 0, 0);
}

/* ---- devices ---- */

static struct dev_info *dev_get(struct vtd_drv *d, uint16_t bdf, bool create)
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
static void dev_put(struct vtd_drv *d, struct dev_info *di)
{
	d->by_bus[PCI_BUS_NUM(di->bdf)][di->bdf & 0xff] = NULL;
	di->used = false;
}

bool vtd_ats_enabled(const struct vtd_drv *d, uint16_t bdf)
{
	struct dev_info *const *bus = d->by_bus[PCI_BUS_NUM(bdf)];

	return bus && bus[bdf & 0xff] && bus[bdf & 0xff]->ats;
}

/* The root port above bdf: the bus-0 bridge whose bus range holds its bus. */
static bool root_port_of(struct vtd_drv *d, uint16_t bdf, uint16_t *port)
{
	uint8_t bus = (uint8_t)PCI_BUS_NUM(bdf);

	for (unsigned devfn = 0; devfn < 256; devfn++) {
		uint8_t sec, sub;

		if (hh_cfg_read(d->h, (uint16_t)devfn, PCI_VENDOR_ID, 2) == 0xffff) {
			if (!(devfn & 7))
				devfn += 7; /* no function 0: no device */
			continue;
		}
		if ((hh_cfg_read(d->h, (uint16_t)devfn, PCI_HEADER_TYPE, 1) & 0x7f) != 1)
			continue;
		sec = (uint8_t)hh_cfg_read(d->h, (uint16_t)devfn, PCI_SECONDARY_BUS, 1);
		sub = (uint8_t)hh_cfg_read(d->h, (uint16_t)devfn, PCI_SUBORDINATE_BUS, 1);
		if (sec && bus >= sec && bus <= sub) {
			*port = (uint16_t)devfn;
			return true;
		}
	}
	return false;
}

/* The ATS extended capability of bdf, or 0 (PCIe 5.0 §7.6: the list from 0x100). */
static unsigned find_ats(struct vtd_drv *d, uint16_t bdf)
{
	unsigned off = PCI_EXT_CAP_START, guard = 0;

	while (off && guard++ < 64) {
		uint32_t h = hh_cfg_read(d->h, bdf, off, 4);

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
static bool enable_ats(struct vtd_drv *d, uint16_t bdf)
{
	unsigned cap;
	uint16_t port;

	if (!d->dt || !d->cfg.dmar || !root_port_of(d, bdf, &port) ||
	    !dmar_ats_allowed(d->h, d->cfg.dmar, port))
		return false;
	cap = find_ats(d, bdf);
	if (!cap)
		return false;
	hh_cfg_write(d->h, bdf, cap + PCI_ATS_CTRL, 2, PCI_ATS_CTRL_ENABLE | PCI_ATS_CTRL_STU(0));
	d->st.ats_enabled++;
	return true;
}

static int ensure_ctx_table(struct vtd_drv *d, uint8_t bus, unsigned half)
{
	int rc;

	if (d->ctx_tables[bus][half])
		return 0;
	rc = alloc_table(d, &d->ctx_tables[bus][half]);
	if (rc)
		return rc;
	struct vtd_root_entry re = {{0}};

	if (!d->scalable) {
		vtd_root_set_ctp(&re, d->ctx_tables[bus][0]);
		vtd_root_set_present(&re);
		hh_mem_write64(d->h, d->root + bus * VTD_ROOT_ENTRY_SIZE, re.val[0]);
	} else {
		/* §9.2: the lower half points at devfn 0-127, the upper at 128-255; only this
		 * half's word is written. */
		vtd_smroot_set_ctp(&re, half, d->ctx_tables[bus][half]);
		vtd_smroot_set_present(&re, half);
		hh_mem_write64(d->h, d->root + bus * VTD_ROOT_ENTRY_SIZE + 8u * half, re.val[half]);
	}
	return 0;
}

/* Scalable mode: the device's PASID table entry for `pasid`, creating the directory and
 * table pages (§9.5-9.6). 0 on failure. */
static uint64_t pasid_slot(struct vtd_drv *d, struct dev_info *di, uint32_t pasid)
{
	unsigned dir = vtd_pasid_dir_index(pasid);

	if (dir >= 8)
		return 0; /* this driver keeps PASIDs below 512 */
	if (!di->pasid_dir && alloc_table(d, &di->pasid_dir))
		return 0;
	if (!di->pasid_tables[dir]) {
		if (alloc_table(d, &di->pasid_tables[dir]))
			return 0;
		struct vtd_pasid_dir_entry pde = {0};

		vtd_pde_set_table(&pde, di->pasid_tables[dir]);
		vtd_pde_set_present(&pde);
		hh_mem_write64(d->h, di->pasid_dir + dir * VTD_PDE_SIZE, pde.val);
	}
	return di->pasid_tables[dir] +
	       (uint64_t)vtd_pasid_table_index(pasid) * VTD_PASID_ENTRY_SIZE;
}

/* Write a scalable-mode context entry: PASID directory, DTE, RID_PASID 0; P last (§9.4). */
static int sm_context(struct vtd_drv *d, struct dev_info *di)
{
	uint8_t bus = (uint8_t)PCI_BUS_NUM(di->bdf), devfn = (uint8_t)di->bdf;
	unsigned half = vtd_smroot_half(devfn);
	struct vtd_sm_context_entry ce = {{0}};
	uint64_t ctx;
	int rc = ensure_ctx_table(d, bus, half);

	if (rc)
		return rc;
	if (!di->pasid_dir && alloc_table(d, &di->pasid_dir))
		return -ENOMEM;
	ctx = d->ctx_tables[bus][half] + (devfn & 0x7f) * VTD_SMCTX_SIZE;
	vtd_smce_set_rid_pasid(&ce, 0);
	vtd_smce_set_pasid_dir(&ce, di->pasid_dir);
	vtd_smce_set_pdts(&ce, PDTS);
	vtd_smce_set_dte(&ce, di->ats);
	vtd_smce_set_paside(&ce, true);
	vtd_smce_set_present(&ce);
	for (unsigned w = 1; w < 4; w++)
		hh_mem_write64(d->h, ctx + 8 * w, ce.val[w]);
	hh_mem_write64(d->h, ctx, ce.val[0]);
	return 0;
}

/* A PASID-table entry; qwords 1-7 first, then qword 0 with P (Linux pasid_set_*). */
static int set_pasid_entry(struct vtd_drv *d, struct dev_info *di, uint32_t pasid,
			   const struct vtd_pasid_entry *e)
{
	uint64_t pe = pasid_slot(d, di, pasid);

	if (!pe)
		return -ENOSPC;
	for (unsigned i = 1; i < 8; i++)
		hh_mem_write64(d->h, pe + 8 * i, e->val[i]);
	hh_mem_write64(d->h, pe, e->val[0]);
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

bool vtd_drv_dev_has_rmrr(const struct vtd_drv *d, uint16_t bdf)
{
	return d->cfg.dmar && dmar_has_rmrr(d->h, d->cfg.dmar, bdf);
}

/* RMRRs (VT-d §8.4): the device keeps using that memory, so its domain maps it 1:1, as
 * Linux's DMA domains do with IOMMU_RESV_DIRECT regions. */
static int map_rmrrs(struct vtd_domain *dom, uint16_t bdf)
{
	const struct dmar_info *di = dom->d->cfg.dmar;
	int rc = 0;

	for (unsigned r = 0; di && r < di->nrmrr && !rc; r++)
		for (unsigned i = 0; i < di->rmrr[r].nscope && !rc; i++)
			if (dmar_scope_covers(dom->d->h, &di->rmrr[r].scope[i], bdf)) {
				uint64_t base = di->rmrr[r].base & ~(PAGE - 1);
				uint64_t end = (di->rmrr[r].end | (PAGE - 1)) + 1;

				rc = vtd_domain_map(dom, base, base, end - base,
						    VTD_PROT_READ | VTD_PROT_WRITE);
			}
	return rc;
}

int vtd_attach(struct vtd_domain *dom, uint16_t bdf)
{
	struct vtd_drv *d = dom->d;
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
		/* RID_PASID's entry: second-level translation by the domain's tables. */
		pe = pasid_entry(VTD_PGTT_SL, dom->did, dom->pgd, dom->levels, 0, 0);
		rc = set_pasid_entry(d, di, 0, &pe);
		if (!rc)
			rc = sm_context(d, di);
		if (!rc)
			rc = flush_context(d, QI_GRAN_DEVICE, 0, bdf);
		if (!rc)
			rc = flush_pasid_cache(d, QI_PC_PASID_SEL, dom->did, 0);
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
	hh_mem_write64(d->h, ctx + 8, ce.val[1]);
	hh_mem_write64(d->h, ctx, ce.val[0]);
	flush_write_buffer(d);
	/* Caching mode would require a flush of the not-present entry; flush the device's
	 * context anyway, as Linux's domain_context_mapping does. */
	rc = flush_context(d, QI_GRAN_DEVICE, dom->did, bdf);
	if (!rc && d->cm)
		rc = flush_iotlb(d, QI_GRAN_DOMAIN, dom->did, 0, 0);
	return rc;
}

int vtd_attach_passthrough(struct vtd_drv *d, uint16_t bdf)
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
			rc = flush_context(d, QI_GRAN_DEVICE, 0, bdf);
		if (!rc)
			rc = flush_pasid_cache(d, QI_PC_PASID_SEL, 0, 0);
		return rc;
	}
	rc = ensure_ctx_table(d, bus, 0);
	if (rc)
		return rc;
	ctx = d->ctx_tables[bus][0] + devfn * VTD_CTX_ENTRY_SIZE;
	vtd_ce_set_aw(&ce, vtd_levels_to_aw(d->agaw_levels));
	vtd_ce_set_tt(&ce, VTD_TT_PASSTHROUGH);
	vtd_ce_set_present(&ce);
	hh_mem_write64(d->h, ctx + 8, ce.val[1]);
	hh_mem_write64(d->h, ctx, ce.val[0]);
	flush_write_buffer(d);
	return flush_context(d, QI_GRAN_DEVICE, 0, bdf);
}

int vtd_detach(struct vtd_drv *d, uint16_t bdf)
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
		hh_mem_write64(d->h, ctx, 0);
		rc = flush_context(d, QI_GRAN_DEVICE, 0, bdf);
		if (!rc)
			rc = flush_pasid_cache(d, QI_PC_ALL_PASIDS, did, 0);
	} else {
		struct vtd_context_entry ce = {{0}};

		ctx = d->ctx_tables[bus][0] + devfn * VTD_CTX_ENTRY_SIZE;
		ce.val[1] = hh_mem_read64(d->h, ctx + 8);
		did = vtd_ce_did(&ce);
		hh_mem_write64(d->h, ctx, 0);
		hh_mem_write64(d->h, ctx + 8, 0);
		rc = flush_context(d, QI_GRAN_DEVICE, did, bdf);
	}
	if (!rc)
		rc = flush_iotlb_dom(d, di ? di->dom : NULL, QI_GRAN_DOMAIN, did, 0, 0);
	if (di)
		dev_put(d, di);
	return rc;
}

int vtd_attach_pasid_first_level(struct vtd_domain *dom, uint16_t bdf, uint32_t pasid,
				 uint64_t fl_root, unsigned fl_levels)
{
	struct vtd_drv *d = dom->d;
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
	return rc ? rc : flush_pasid_cache(d, QI_PC_PASID_SEL, dom->did, pasid);
}

int vtd_attach_pasid_nested(struct vtd_domain *dom, uint16_t bdf, uint32_t pasid,
			    uint64_t fl_root_gpa, unsigned fl_levels)
{
	struct vtd_drv *d = dom->d;
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
	return rc ? rc : flush_pasid_cache(d, QI_PC_PASID_SEL, dom->did, pasid);
}

int vtd_flush_pasid(struct vtd_domain *dom, uint32_t pasid, uint64_t addr, unsigned am, bool whole)
{
	struct vtd_drv *d = dom->d;
	struct vtd_inv_desc desc =
	    whole ? vtd_inv_piotlb(QI_GRAN_NONG_PASID, dom->did, pasid, 0, 0, false)
		  : vtd_inv_piotlb(QI_GRAN_PSI_PASID, dom->did, pasid, addr, am, false);

	if (!d->scalable)
		return -ENOTSUP;
	d->st.iotlb_flushes++;
	return qi_submit(d, &desc, 1);
}

/* ---- IRTEs ---- */

int vtd_irte_alloc(struct vtd_drv *d, uint32_t *index)
{
	if (!d->ir)
		return -ENODEV;
	for (uint32_t i = 0; i < d->cfg.irt_entries; i++) {
		if (!d->irte_used[i]) {
			d->irte_used[i] = 1;
			d->st.irtes_in_use++;
			*index = i;
			return 0;
		}
	}
	return -ENOSPC;
}

void vtd_irte_free(struct vtd_drv *d, uint32_t index)
{
	if (!d->ir || index >= d->cfg.irt_entries || !d->irte_used[index])
		return;
	hh_mem_write64(d->h, d->irt + index * VTD_IRTE_SIZE, 0);
	hh_mem_write64(d->h, d->irt + index * VTD_IRTE_SIZE + 8, 0);
	flush_iec(d, false, index);
	d->irte_used[index] = 0;
	d->st.irtes_in_use--;
}

static int irte_remapped(struct vtd_drv *d, uint32_t index, uint32_t apic_id, uint8_t vector,
			 uint16_t sid, bool level)
{
	struct vtd_irte e = {{0}};

	if (!d->ir || index >= d->cfg.irt_entries)
		return -EINVAL;
	/* Fixed delivery, physical destination, edge; SVT=1 SQ=0: the full requester ID must
	 * match (VT-d §9.10). */
	vtd_irte_set_present(&e);
	vtd_irte_set_vector(&e, vector);
	vtd_irte_set_tm(&e, level);
	vtd_irte_set_dst(&e, apic_id, d->eim);
	vtd_irte_set_sid(&e, IRTE_SVT_SID, 0, sid);
	hh_mem_write64(d->h, d->irt + index * VTD_IRTE_SIZE + 8, e.val[1]);
	hh_mem_write64(d->h, d->irt + index * VTD_IRTE_SIZE, e.val[0]);
	return flush_iec(d, false, index);
}

int vtd_irte_set_remapped(struct vtd_drv *d, uint32_t index, uint32_t apic_id, uint8_t vector,
			  uint16_t sid)
{
	return irte_remapped(d, index, apic_id, vector, sid, false);
}

int vtd_irte_set_remapped_level(struct vtd_drv *d, uint32_t index, uint32_t apic_id,
				uint8_t vector, uint16_t sid)
{
	return irte_remapped(d, index, apic_id, vector, sid, true);
}

int vtd_irte_set_posted(struct vtd_drv *d, uint32_t index, uint64_t pi_desc, uint8_t vector,
			uint16_t sid, bool urgent)
{
	struct vtd_irte e = {{0}};

	if (!d->ir || index >= d->cfg.irt_entries || (pi_desc & (PI_DESC_SIZE - 1)))
		return -EINVAL;
	if (!d->pi)
		return -ENOTSUP;
	/* §9.11: IM = 1, VV, URG, PDA[31:6] in 63:38 and PDA[63:32] in 127:96 (Linux's
	 * intel_ir_set_vcpu_affinity / struct irte.pda_l, pda_h). */
	vtd_irte_set_present(&e);
	vtd_irte_set_posted_pda(&e, pi_desc, urgent);
	vtd_irte_set_vector(&e, vector);
	vtd_irte_set_sid(&e, IRTE_SVT_SID, 0, sid);
	hh_mem_write64(d->h, d->irt + index * VTD_IRTE_SIZE + 8, e.val[1]);
	hh_mem_write64(d->h, d->irt + index * VTD_IRTE_SIZE, e.val[0]);
	return flush_iec(d, false, index);
}

void vtd_irte_msi(uint32_t index, uint64_t *addr, uint32_t *data)
{
	/* Remappable format, SHV set, subhandle 0 in the data (Linux does the same). */
	*addr = MSI_ADDR_BASE | VTD_IR_MSI_HANDLE(index) | IR_MSI_FORMAT | IR_MSI_SHV;
	*data = 0;
}
