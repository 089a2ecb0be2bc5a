/* SPDX-License-Identifier: MIT */
/*
 * Host VT-d driver. Order of bring-up follows Linux (init_dmars / intel_setup_irq_remapping):
 * root table + SRTP, queued invalidation, global context and IOTLB flushes, interrupt
 * remapping table + SIRTP, IEC flush, IRE, then TE. Each GCMD write carries the persistent
 * enable bits already set, and the driver polls GSTS for the command's status (VT-d §10.4.4).
 */
#include "models/host/vtd_drv.h"
#include "models/host/host.h"
#include "models/iommu/vtd_regs.h"
#include "models/mem/mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PAGE 4096ull
#define QI_ENTRIES 256 /* one 4 KiB page of 16-byte descriptors (IQA.QS = 0) */
#define WAIT_TIMEOUT_NS (10ull * 1000 * 1000)
#define MAX_DOMAINS 64

struct vtd_domain {
	struct vtd_drv *d;
	uint16_t did;
	uint64_t pgd;
	unsigned levels;
};

struct vtd_drv {
	struct host *h;
	struct vtd_drv_cfg cfg;
	uint64_t base;
	uint64_t cap, ecap;
	uint32_t gcmd; /* persistent command bits currently set */
	uint64_t root;
	uint64_t ctx_tables[256];
	/* queued invalidation */
	bool qi;
	uint64_t qi_base;
	unsigned qi_tail; /* next free slot */
	uint64_t status_page;
	uint32_t status_seq;
	/* interrupt remapping */
	bool ir;
	uint64_t irt;
	uint8_t *irte_used;
	/* domains */
	struct vtd_domain *domains[MAX_DOMAINS];
	unsigned ndomains;
	unsigned agaw_levels;
	uint8_t fault_vector;
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

static int alloc_table(struct vtd_drv *d, uint64_t *pa)
{
	int rc = hh_alloc_pages(d->h, 1, MEM_OWNER_HOST, pa);

	if (!rc)
		d->st.table_pages++;
	return rc;
}

/* ---- invalidation ---- */

static int qi_submit(struct vtd_drv *d, const uint64_t *descs, unsigned n)
{
	uint64_t status = d->status_page;
	uint32_t seq = ++d->status_seq;

	for (unsigned i = 0; i <= n; i++) {
		uint64_t lo, hi;
		uint64_t slot = d->qi_base + (uint64_t)d->qi_tail * 16;

		if (i < n) {
			lo = descs[2 * i];
			hi = descs[2 * i + 1];
		} else {
			/* Wait descriptor: status write, fence (VT-d §6.5.2.8). */
			lo = QI_IWD_TYPE | QI_IWD_SW | QI_IWD_FN | ((uint64_t)seq << 32);
			hi = status;
		}
		hh_mem_write64(d->h, slot, lo);
		hh_mem_write64(d->h, slot + 8, hi);
		d->qi_tail = (d->qi_tail + 1) % QI_ENTRIES;
	}
	d->st.qi_submits++;
	d->st.qi_descs += n + 1;
	wr64(d, DMAR_IQT_REG, (uint64_t)d->qi_tail << DMA_IQ_SHIFT);
	if (!hh_spin_mem32(d->h, status, seq, WAIT_TIMEOUT_NS)) {
		host_log(d->h, "vtd: invalidation wait timed out (FSTS %#x)", rd32(d, DMAR_FSTS_REG));
		return -ETIMEDOUT;
	}
	return 0;
}

static int flush_context(struct vtd_drv *d, int gran, uint16_t did, uint16_t sid)
{
	d->st.ctx_flushes++;
	if (d->qi) {
		uint64_t desc[2] = {QI_CC_TYPE | ((uint64_t)gran << 4) | ((uint64_t)did << 16) |
					    ((uint64_t)sid << 32),
				    0};
		return qi_submit(d, desc, 1);
	}
	d->st.reg_invalidations++;
	wr64(d, DMAR_CCMD_REG, DMA_CCMD_ICC | ((uint64_t)gran << DMA_CCMD_CIRG_SHIFT) |
				       ((uint64_t)sid << 16) | did);
	for (;;) {
		if (!(rd64(d, DMAR_CCMD_REG) & DMA_CCMD_ICC))
			return 0;
		hh_ndelay(d->h, host_costs(d->h)->poll_ns);
	}
}

static int flush_iotlb(struct vtd_drv *d, int gran, uint16_t did, uint64_t addr, unsigned am)
{
	uint32_t iro = (uint32_t)ECAP_IRO(d->ecap);

	d->st.iotlb_flushes++;
	if (d->qi) {
		uint64_t desc[2] = {QI_IOTLB_TYPE | ((uint64_t)gran << 4) | QI_IOTLB_DR | QI_IOTLB_DW |
					    ((uint64_t)did << 16),
				    (addr & QI_IOTLB_ADDR) | am};
		return qi_submit(d, desc, 1);
	}
	d->st.reg_invalidations++;
	if (gran == QI_GRAN_DEVICE)
		wr64(d, iro, (addr & ~0xfffull) | am);
	wr64(d, iro + 8, DMA_TLB_IVT | ((uint64_t)gran << DMA_TLB_IIRG_SHIFT) | DMA_TLB_DR |
				 DMA_TLB_DW | ((uint64_t)did << 32));
	for (;;) {
		if (!(rd64(d, iro + 8) & DMA_TLB_IVT))
			return 0;
		hh_ndelay(d->h, host_costs(d->h)->poll_ns);
	}
}

static int flush_iec(struct vtd_drv *d, bool global, uint32_t index)
{
	d->st.iec_flushes++;
	if (!d->qi)
		return 0; /* IR requires QI (VT-d §6.5.1); never reached without it */
	uint64_t desc[2] = {QI_IEC_TYPE | (global ? 0 : QI_IEC_G_INDEX) | ((uint64_t)index << 32),
			    0};
	return qi_submit(d, desc, 1);
}

/* ---- fault handling ---- */

static void fault_irq(void *ctx, struct pcpu *p, uint8_t vector)
{
	struct vtd_drv *d = ctx;
	uint32_t fsts = rd32(d, DMAR_FSTS_REG);
	unsigned nfr = (unsigned)CAP_NFR(d->cap);
	uint32_t fro = (uint32_t)CAP_FRO(d->cap);
	unsigned idx = (fsts >> DMA_FSTS_FRI_SHIFT) & 0xff;

	(void)p;
	(void)vector;
	d->st.fault_irqs++;
	/* Like dmar_fault(): walk the records from FRI while F is set, log and clear each. */
	for (unsigned n = 0; n < nfr; n++) {
		unsigned i = (idx + n) % nfr;
		uint64_t hi = rd64(d, fro + 16 * i + 8);

		if (!(hi & DMA_FRCD_HI_F))
			continue;
		uint64_t lo = rd64(d, fro + 16 * i);
		host_log(d->h, "DMAR: [%s] request device [%02x:%02x.%d] fault addr %#llx reason %#x",
			 (hi & DMA_FRCD_HI_T) ? "DMA Read" : "DMA Write",
			 (unsigned)DMA_FRCD_HI_SID(hi) >> 8, ((unsigned)DMA_FRCD_HI_SID(hi) >> 3) & 31,
			 (unsigned)DMA_FRCD_HI_SID(hi) & 7, (unsigned long long)(lo & ~0xfffull),
			 (unsigned)((hi >> DMA_FRCD_HI_FR_SHIFT) & 0xff));
		d->st.faults_handled++;
		wr32(d, fro + 16 * i + 12, (uint32_t)(DMA_FRCD_HI_F >> 32)); /* RW1C */
	}
	wr32(d, DMAR_FSTS_REG, DMA_FSTS_PFO | DMA_FSTS_IQE | DMA_FSTS_ICE | DMA_FSTS_ITE);
}

/* ---- bring-up ---- */

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
	sagaw = (unsigned)CAP_SAGAW(d->cap);
	/* Linux prefers a 4-level (48-bit) table, else the widest supported. */
	if (sagaw & (1u << 2))
		d->agaw_levels = 4;
	else if (sagaw & (1u << 3))
		d->agaw_levels = 5;
	else if (sagaw & (1u << 1))
		d->agaw_levels = 3;
	else {
		rc = -ENODEV;
		goto fail;
	}

	/* Fault reporting first, so that anything below that faults is seen. */
	rc = host_irq_alloc(h, cfg->fault_cpu, fault_irq, d, &d->fault_vector);
	if (rc)
		goto fail;
	wr32(d, DMAR_FEDATA_REG, d->fault_vector);
	wr32(d, DMAR_FEADDR_REG, MSI_ADDR_BASE | (hh_cpu_apic_id(h, cfg->fault_cpu) << 12));
	wr32(d, DMAR_FEUADDR_REG, 0);
	wr32(d, DMAR_FECTL_REG, 0); /* unmask */

	/* Root table (legacy mode), SRTP, wait for RTPS. */
	rc = alloc_table(d, &d->root);
	if (rc)
		goto fail;
	wr64(d, DMAR_RTADDR_REG, d->root);
	rc = gcmd(d, DMA_GCMD_SRTP, DMA_GSTS_RTPS, true);
	if (rc)
		goto fail;

	/* Queued invalidation. */
	if (cfg->use_qi && (d->ecap & ECAP_QI)) {
		rc = alloc_table(d, &d->qi_base);
		if (!rc)
			rc = alloc_table(d, &d->status_page);
		if (rc)
			goto fail;
		wr64(d, DMAR_IQT_REG, 0);
		wr64(d, DMAR_IQA_REG, d->qi_base); /* QS 0: 256 entries of 128 bits */
		rc = gcmd(d, DMA_GCMD_QIE, DMA_GSTS_QIES, true);
		if (rc)
			goto fail;
		d->qi = true;
	}
	rc = flush_context(d, QI_GRAN_GLOBAL, 0, 0);
	if (!rc)
		rc = flush_iotlb(d, QI_GRAN_GLOBAL, 0, 0, 0);
	if (rc)
		goto fail;

	/* Interrupt remapping: needs QI for IEC invalidation. */
	if (cfg->use_ir && (d->ecap & ECAP_IR) && d->qi) {
		unsigned n = cfg->irt_entries, s = 0;
		uint64_t pages = ((uint64_t)n * 16 + PAGE - 1) / PAGE;

		while ((2u << s) < n)
			s++;
		rc = hh_alloc_pages(h, pages, MEM_OWNER_HOST, &d->irt);
		if (rc)
			goto fail;
		d->st.table_pages += pages;
		d->irte_used = calloc(n, 1);
		if (!d->irte_used) {
			rc = -ENOMEM;
			goto fail;
		}
		wr64(d, DMAR_IRTA_REG,
		     d->irt | s | ((cfg->x2apic && (d->ecap & ECAP_EIM)) ? DMA_IRTA_EIME : 0));
		rc = gcmd(d, DMA_GCMD_SIRTP, DMA_GSTS_IRTPS, true);
		if (!rc)
			rc = flush_iec(d, true, 0);
		/* Compatibility-format interrupts stay blocked (CFI clear): every MSI must go
		 * through an IRTE, as Linux does with x2APIC. */
		if (!rc)
			rc = gcmd(d, DMA_GCMD_IRE, DMA_GSTS_IRES, true);
		if (rc)
			goto fail;
		d->ir = true;
	}

	/* Translation on. */
	rc = gcmd(d, DMA_GCMD_TE, DMA_GSTS_TES, true);
	if (rc)
		goto fail;
	host_log(h, "DMAR: unit at %#llx: %u-level tables, QI %s, IR %s, TE on",
		 (unsigned long long)reg_base, d->agaw_levels, d->qi ? "on" : "off",
		 d->ir ? "on" : "off");
	*out = d;
	return 0;
fail:
	vtd_drv_destroy(d);
	return rc;
}

void vtd_drv_destroy(struct vtd_drv *d)
{
	if (!d)
		return;
	for (unsigned i = 0; i < d->ndomains; i++)
		free(d->domains[i]);
	free(d->irte_used);
	free(d);
}

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

bool vtd_drv_ir_enabled(const struct vtd_drv *d)
{
	return d->ir;
}

/* ---- domains ---- */

int vtd_domain_alloc(struct vtd_drv *d, struct vtd_domain **out)
{
	struct vtd_domain *dom;
	unsigned ndom = 1u << (4 + 2 * CAP_ND(d->cap));
	int rc;

	if (d->ndomains == MAX_DOMAINS || d->ndomains + 1 >= ndom)
		return -ENOSPC;
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

static unsigned lvl_shift(unsigned lvl)
{
	return 12 + 9 * (lvl - 1);
}

/* The entry for iova at `target` level, creating tables above it. 0 on failure. */
static uint64_t pte_slot(struct vtd_domain *dom, uint64_t iova, unsigned target, bool create)
{
	struct vtd_drv *d = dom->d;
	uint64_t table = dom->pgd;

	for (unsigned lvl = dom->levels; lvl > target; lvl--) {
		uint64_t slot = table + ((iova >> lvl_shift(lvl)) & 511) * 8;
		uint64_t pte = hh_mem_read64(d->h, slot);

		if (!(pte & (VTD_SL_R | VTD_SL_W))) {
			uint64_t next;

			if (!create || alloc_table(d, &next))
				return 0;
			/* Non-leaf entries grant both rights; the leaf decides (VT-d §9.8). */
			hh_mem_write64(d->h, slot, next | VTD_SL_R | VTD_SL_W);
			table = next;
		} else if (pte & VTD_SL_PS) {
			return 0; /* a large page is in the way */
		} else {
			table = pte & VTD_SL_ADDR;
		}
	}
	return table + ((iova >> lvl_shift(target)) & 511) * 8;
}

int vtd_domain_map(struct vtd_domain *dom, uint64_t iova, uint64_t hpa, uint64_t size,
		   unsigned prot)
{
	struct vtd_drv *d = dom->d;
	uint64_t end = iova + size;
	uint64_t rights = ((prot & VTD_PROT_READ) ? VTD_SL_R : 0) |
			  ((prot & VTD_PROT_WRITE) ? VTD_SL_W : 0);
	unsigned sllps = (unsigned)CAP_SLLPS(d->cap);

	if ((iova | hpa | size) & (PAGE - 1) || !rights)
		return -EINVAL;
	d->st.maps++;
	while (iova < end) {
		unsigned lvl = 1;

		if (d->cfg.superpages) {
			if ((sllps & 2) && !((iova | hpa) & ((1ull << 30) - 1)) &&
			    end - iova >= (1ull << 30))
				lvl = 3;
			else if ((sllps & 1) && !((iova | hpa) & ((1ull << 21) - 1)) &&
				 end - iova >= (1ull << 21))
				lvl = 2;
		}
		uint64_t slot = pte_slot(dom, iova, lvl, true);
		if (!slot)
			return -ENOMEM;
		hh_mem_write64(d->h, slot, hpa | rights | (lvl > 1 ? VTD_SL_PS : 0));
		uint64_t step = 1ull << lvl_shift(lvl);
		iova += step;
		hpa += step;
		d->st.pages_mapped += step / PAGE;
	}
	uint64_t live = d->st.pages_mapped - d->st.pages_unmapped;
	if (live > d->st.pages_mapped_peak)
		d->st.pages_mapped_peak = live;
	return 0;
}

int vtd_domain_unmap(struct vtd_domain *dom, uint64_t iova, uint64_t size, bool flush)
{
	struct vtd_drv *d = dom->d;
	uint64_t a = iova, end = iova + size;
	unsigned am = 0;

	d->st.unmaps++;
	while (a < end) {
		unsigned lvl;
		uint64_t slot = 0;

		for (lvl = 1; lvl <= 3; lvl++) {
			uint64_t s = pte_slot(dom, a, lvl, false);

			if (s && (lvl == 1 || (hh_mem_read64(d->h, s) & VTD_SL_PS))) {
				slot = s;
				break;
			}
		}
		if (!slot) {
			a += PAGE;
			continue;
		}
		hh_mem_write64(d->h, slot, 0);
		a += 1ull << lvl_shift(lvl);
		d->st.pages_unmapped += (1ull << lvl_shift(lvl)) / PAGE;
	}
	if (!flush)
		return 0;
	/* Page-selective invalidation covering the range: the address mask is the log2 of the
	 * aligned power-of-two page count (VT-d §6.5.2.3). */
	while ((iova & ~((PAGE << am) - 1)) + (PAGE << am) < end && am < CAP_MAMV(d->cap))
		am++;
	if ((iova & ~((PAGE << am) - 1)) + (PAGE << am) < end || !(d->cap & CAP_PSI))
		return flush_iotlb(d, QI_GRAN_DOMAIN, dom->did, 0, 0);
	return flush_iotlb(d, QI_GRAN_DEVICE, dom->did, iova & ~((PAGE << am) - 1), am);
}

void vtd_domain_flush(struct vtd_domain *dom)
{
	flush_iotlb(dom->d, QI_GRAN_DOMAIN, dom->did, 0, 0);
}

int vtd_attach(struct vtd_domain *dom, uint16_t bdf)
{
	struct vtd_drv *d = dom->d;
	uint8_t bus = (uint8_t)(bdf >> 8), devfn = (uint8_t)bdf;
	uint64_t ctx;
	int rc;

	if (!d->ctx_tables[bus]) {
		rc = alloc_table(d, &d->ctx_tables[bus]);
		if (rc)
			return rc;
		hh_mem_write64(d->h, d->root + bus * 16u, d->ctx_tables[bus] | VTD_ROOT_P);
	}
	ctx = d->ctx_tables[bus] + devfn * 16u;
	/* High half first, then the low half with P: the unit never sees a half-written
	 * present entry (VT-d §9.3; Linux context_set_*). AW = levels - 2. */
	hh_mem_write64(d->h, ctx + 8, (uint64_t)(dom->levels - 2) | ((uint64_t)dom->did << 8));
	hh_mem_write64(d->h, ctx, dom->pgd | ((uint64_t)VTD_TT_UNTRANSLATED << VTD_CTX_TT_SHIFT) |
					  VTD_CTX_P);
	/* Caching mode would require a flush of the not-present entry; flush the device's
	 * context anyway, as Linux's domain_context_mapping does. */
	return flush_context(d, QI_GRAN_DEVICE, dom->did, bdf);
}

int vtd_attach_passthrough(struct vtd_drv *d, uint16_t bdf)
{
	uint8_t bus = (uint8_t)(bdf >> 8), devfn = (uint8_t)bdf;
	uint64_t ctx;
	int rc;

	if (!(d->ecap & ECAP_PT))
		return -ENOTSUP;
	if (!d->ctx_tables[bus]) {
		rc = alloc_table(d, &d->ctx_tables[bus]);
		if (rc)
			return rc;
		hh_mem_write64(d->h, d->root + bus * 16u, d->ctx_tables[bus] | VTD_ROOT_P);
	}
	ctx = d->ctx_tables[bus] + devfn * 16u;
	/* Linux uses a reserved identity domain (FLPT_DEFAULT_DID = 1) for pass-through. */
	hh_mem_write64(d->h, ctx + 8, (uint64_t)(d->agaw_levels - 2) | ((uint64_t)0 << 8));
	hh_mem_write64(d->h, ctx, ((uint64_t)VTD_TT_PASSTHROUGH << VTD_CTX_TT_SHIFT) | VTD_CTX_P);
	return flush_context(d, QI_GRAN_DEVICE, 0, bdf);
}

int vtd_detach(struct vtd_drv *d, uint16_t bdf)
{
	uint8_t bus = (uint8_t)(bdf >> 8), devfn = (uint8_t)bdf;
	uint64_t ctx;
	uint16_t did;
	int rc;

	if (!d->ctx_tables[bus])
		return 0;
	ctx = d->ctx_tables[bus] + devfn * 16u;
	did = (uint16_t)VTD_CTX_HI_DID(hh_mem_read64(d->h, ctx + 8));
	hh_mem_write64(d->h, ctx, 0);
	hh_mem_write64(d->h, ctx + 8, 0);
	rc = flush_context(d, QI_GRAN_DEVICE, did, bdf);
	return rc ? rc : flush_iotlb(d, QI_GRAN_DOMAIN, did, 0, 0);
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
	hh_mem_write64(d->h, d->irt + index * 16ull, 0);
	hh_mem_write64(d->h, d->irt + index * 16ull + 8, 0);
	flush_iec(d, false, index);
	d->irte_used[index] = 0;
	d->st.irtes_in_use--;
}

static int irte_remapped(struct vtd_drv *d, uint32_t index, uint32_t apic_id, uint8_t vector,
			 uint16_t sid, bool level)
{
	uint64_t lo, hi;
	bool x2 = d->cfg.x2apic && (d->ecap & ECAP_EIM);

	if (!d->ir || index >= d->cfg.irt_entries)
		return -EINVAL;
	/* Fixed delivery, physical destination, edge; SVT=1 SQ=0: the full requester ID must
	 * match (VT-d §9.10). */
	lo = IRTE_P | ((uint64_t)vector << IRTE_V_SHIFT) | (level ? IRTE_TM : 0) |
	     ((uint64_t)(x2 ? apic_id : (apic_id & 0xff) << 8) << IRTE_DST_SHIFT);
	hi = sid | ((uint64_t)IRTE_SVT_SID << 18);
	hh_mem_write64(d->h, d->irt + index * 16ull + 8, hi);
	hh_mem_write64(d->h, d->irt + index * 16ull, lo);
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
	uint64_t lo, hi;

	if (!d->ir || index >= d->cfg.irt_entries || !(d->cap & CAP_PI) || (pi_desc & 63))
		return -EINVAL;
	/* PDA: bits 31:6 of the descriptor address in IRTE bits 63:38, bits 63:32 in 127:96. */
	lo = IRTE_P | IRTE_IM | ((uint64_t)vector << IRTE_V_SHIFT) | (urgent ? IRTE_URG : 0) |
	     (((pi_desc >> 6) & 0x3ffffffull) << 38);
	hi = sid | ((uint64_t)IRTE_SVT_SID << 18) | ((pi_desc >> 32) << 32);
	hh_mem_write64(d->h, d->irt + index * 16ull + 8, hi);
	hh_mem_write64(d->h, d->irt + index * 16ull, lo);
	return flush_iec(d, false, index);
}

bool vtd_drv_posting(const struct vtd_drv *d)
{
	return d->ir && (d->cap & CAP_PI);
}

void vtd_irte_msi(uint32_t index, uint64_t *addr, uint32_t *data)
{
	/* Remappable format, SHV set, subhandle 0 in the data (Linux does the same). */
	*addr = MSI_ADDR_BASE | ((uint64_t)(index & 0x7fff) << 5) | IR_MSI_FORMAT | IR_MSI_SHV |
		((uint64_t)((index >> 15) & 1) << 2);
	*data = 0;
}
