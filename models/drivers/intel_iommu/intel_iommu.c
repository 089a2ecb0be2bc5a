/* SPDX-License-Identifier: MIT */
/*
 * Host VT-d driver. Order of bring-up follows Linux (init_dmars / intel_setup_irq_remapping):
 * fault reporting, root table + SRTP, queued invalidation, global context and IOTLB flushes,
 * interrupt remapping table + SIRTP, IEC flush, IRE, then TE. Each GCMD write carries the
 * persistent enable bits already set, and the driver polls GSTS for the command's status
 * (VT-d 3.x §10.4.4). What it uses is decided from CAP/ECAP, as Linux does.
 */
#include "models/drivers/intel_iommu/intel_iommu_internal.h"
#include "models/pcie/pcie_regs.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void intel_iommu__log(struct intel_iommu *d, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	d->hal.ops->log(d->hal.ctx, buf);
}

/* IOMMU_WAIT_OP: poll a register until cond holds, with a timeout. */
static int wait_reg(struct intel_iommu *d, uint32_t off, uint32_t mask, bool set)
{
	uint64_t deadline = now_ps(d) + WAIT_TIMEOUT_NS * 1000;

	for (;;) {
		uint32_t v = rd32(d, off);

		if (set ? (v & mask) : !(v & mask))
			return 0;
		if (now_ps(d) > deadline) {
			intel_iommu__log(d, "vtd: timeout waiting for reg %#x mask %#x", off, mask);
			return -ETIMEDOUT;
		}
		relax(d);
	}
}

/* Issue a GCMD command and wait for its status bit (set, or cleared for a disable). */
int intel_iommu__gcmd(struct intel_iommu *d, uint32_t cmd, uint32_t sts_bit, bool enable)
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

/* Pages for the unit's structures (zeroed), remembered for destroy. */
int intel_iommu__alloc_pages(struct intel_iommu *d, uint64_t npages, uint64_t *pa)
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
	rc = d->hal.ops->alloc_pages(d->hal.ctx, npages, pa);
	if (rc)
		return rc;
	d->pages[d->npages_rec].pa = *pa;
	d->pages[d->npages_rec].npages = npages;
	d->npages_rec++;
	d->st.table_pages += npages;
	return 0;
}

int intel_iommu__alloc_table(struct intel_iommu *d, uint64_t *pa)
{
	return intel_iommu__alloc_pages(d, 1, pa);
}

/* Linux's iommu_flush_write_buffer(): only units reporting CAP.RWBF need it (§6.8). */
void intel_iommu__flush_write_buffer(struct intel_iommu *d)
{
	if (!d->rwbf)
		return;
	d->st.write_buffer_flushes++;
	wr32(d, DMAR_GCMD_REG, d->gcmd | DMA_GCMD_WBF);
	wait_reg(d, DMAR_GSTS_REG, DMA_GSTS_WBFS, false);
}

/* ---- fault handling ---- */

static void fault_irq(void *ctx)
{
	struct intel_iommu *d = ctx;
	uint32_t fsts = rd32(d, DMAR_FSTS_REG);
	unsigned nfr = (unsigned)CAP_NFR(d->cap);
	uint32_t fro = (uint32_t)CAP_FRO(d->cap);
	unsigned idx = (unsigned)DMA_FSTS_FRI(fsts);

	d->st.fault_irqs++;
	/* Like dmar_fault(): walk the records from FRI while F is set, log and clear each. */
	for (unsigned n = 0; n < nfr && (fsts & DMA_FSTS_PPF); n++) {
		unsigned i = (idx + n) % nfr;
		struct vtd_fault_record r;

		r.val[1] = rd64(d, fro + VTD_FRCD_SIZE * i + 8);
		if (!vtd_frcd_f(&r))
			continue;
		r.val[0] = rd64(d, fro + VTD_FRCD_SIZE * i);
		intel_iommu__log(
		    d, "DMAR: [%s] request device [%02x:%02x.%d] fault addr %#llx reason %#x",
		    vtd_frcd_read(&r) ? "DMA Read" : "DMA Write", PCI_BUS_NUM(vtd_frcd_sid(&r)),
		    PCI_SLOT(vtd_frcd_sid(&r)), PCI_FUNC(vtd_frcd_sid(&r)),
		    (unsigned long long)vtd_frcd_fi(&r), vtd_frcd_reason(&r));
		d->st.faults_handled++;
		/* F is RW1C, bit 127: the top bit of the record's last dword. */
		wr32(d, fro + VTD_FRCD_SIZE * i + 12, (uint32_t)(DMA_FRCD_HI_F >> 32));
	}
	/* The queue's own errors are the submitter's to handle (qi_submit_sync); clear overflow. */
	wr32(d, DMAR_FSTS_REG, DMA_FSTS_PFO);
}

/* ---- bring-up ---- */

static int setup_qi(struct intel_iommu *d)
{
	int rc = intel_iommu__alloc_pages(d, QI_PAGES, &d->qi_base);

	if (!rc)
		rc = intel_iommu__alloc_table(d, &d->status_page);
	if (rc)
		return rc;
	/* Scalable mode needs 256-bit descriptors (IQA.DW, §6.5.2); Linux sets DW with SMTS. */
	d->qi_desc = (d->ecap & ECAP_SMTS) ? 32 : 16;
	d->qi_entries = (unsigned)(QI_PAGES * PAGE / d->qi_desc);
	wr64(d, DMAR_IQT_REG, 0);
	wr64(d, DMAR_IQA_REG,
	     d->qi_base | (d->qi_desc == 32 ? DMA_IQA_DW : 0) | VTD_IQA_QS(QI_PAGES_LOG2));
	rc = intel_iommu__gcmd(d, DMA_GCMD_QIE, DMA_GSTS_QIES, true);
	if (!rc)
		d->qi = true;
	return rc;
}

int intel_iommu_init(const struct iommu_hal *hal, uint64_t reg_base,
		     const struct intel_iommu_cfg *cfg, struct intel_iommu **out)
{
	struct intel_iommu *d = calloc(1, sizeof(*d));
	uint32_t fault_apic;
	unsigned sagaw;
	int rc;

	if (!d)
		return -ENOMEM;
	d->hal = *hal;
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
	rc = hal->ops->irq_alloc(hal->ctx, cfg->fault_cpu, fault_irq, d, &d->fault_vector,
				 &fault_apic, &d->fault_irq);
	if (rc)
		goto fail;
	/* The fault event is a compatibility-format MSI to the fault CPU (§11.4.9.3-11.4.9.4). */
	wr32(d, DMAR_FEDATA_REG, msi_compat_data(d->fault_vector, MSI_DATA_DLM_FIXED, 0));
	wr32(d, DMAR_FEADDR_REG, msi_compat_addr((uint8_t)fault_apic, 0));
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
	rc = intel_iommu__alloc_table(d, &d->root);
	if (rc)
		goto fail;
	wr64(d, DMAR_RTADDR_REG,
	     d->root | VTD_RTADDR_TTM(d->scalable ? DMA_TTM_SCALABLE : DMA_TTM_LEGACY));
	rc = intel_iommu__gcmd(d, DMA_GCMD_SRTP, DMA_GSTS_RTPS, true);
	if (rc)
		goto fail;
	rc = intel_iommu__flush_context(d, QI_GRAN_GLOBAL, 0, 0);
	if (!rc && d->scalable)
		rc = intel_iommu__flush_pasid_cache(d, QI_PC_GLOBAL, 0, 0);
	if (!rc)
		rc = intel_iommu__flush_iotlb(d, QI_GRAN_GLOBAL, 0, 0, 0);
	if (rc)
		goto fail;

	/* Interrupt remapping: needs QI for IEC invalidation. */
	if (cfg->use_ir && (d->ecap & ECAP_IR) && d->qi) {
		rc = intel_iommu__setup_ir(d);
		if (rc)
			goto fail;
	}

	/* Translation on, unless intel_iommu=off (then DMA goes untranslated, VT-d §10.4.4). */
	rc = cfg->no_translation ? 0 : intel_iommu__gcmd(d, DMA_GCMD_TE, DMA_GSTS_TES, true);
	if (rc)
		goto fail;
	intel_iommu__log(d, "DMAR: unit at %#llx: %s mode, %u-level tables, QI %s, IR %s%s, TE %s",
			 (unsigned long long)reg_base, d->scalable ? "scalable" : "legacy",
			 d->agaw_levels, d->qi ? "on" : "off", d->ir ? "on" : "off",
			 d->eim ? " (x2APIC)" : "", cfg->no_translation ? "off" : "on");
	*out = d;
	return 0;
fail:
	intel_iommu_shutdown(d); /* what was enabled before the failure */
	intel_iommu_destroy(d);
	return rc;
}

/* Linux's order when the IOMMU goes away (intel_iommu_shutdown, then
 * intel_disable_irq_remapping and dmar_disable_qi): translation off, interrupt remapping off,
 * the invalidation queue drained and off, each through GCMD with GSTS polled (§10.4.4). */
int intel_iommu_shutdown(struct intel_iommu *d)
{
	uint64_t deadline;
	int rc = 0, r;

	if (!d)
		return 0;
	if (d->gcmd & DMA_GCMD_TE) {
		r = intel_iommu__gcmd(d, DMA_GCMD_TE, DMA_GSTS_TES, false);
		rc = rc ? rc : r;
	}
	if (d->gcmd & DMA_GCMD_IRE) {
		r = intel_iommu__gcmd(d, DMA_GCMD_IRE, DMA_GSTS_IRES, false);
		rc = rc ? rc : r;
		d->ir = false;
	}
	if (d->gcmd & DMA_GCMD_QIE) {
		/* dmar_disable_qi: let the unit fetch what is queued (IQH reaches IQT) first. */
		deadline = now_ps(d) + WAIT_TIMEOUT_NS * 1000;
		while (DMA_IQ_OFFSET(rd64(d, DMAR_IQT_REG)) !=
			   DMA_IQ_OFFSET(rd64(d, DMAR_IQH_REG)) &&
		       now_ps(d) <= deadline)
			relax(d);
		r = intel_iommu__gcmd(d, DMA_GCMD_QIE, DMA_GSTS_QIES, false);
		rc = rc ? rc : r;
		d->qi = false;
	}
	if (!rc)
		intel_iommu__log(d,
				 "DMAR: unit at %#llx: translation, interrupt remapping and queued "
				 "invalidation off",
				 (unsigned long long)d->base);
	return rc;
}

void intel_iommu_destroy(struct intel_iommu *d)
{
	if (!d)
		return;
	/* Every page the driver gave the unit: root, context, PASID and page tables, the queue
	 * and its status page, the IRT (free_dmar_iommu). Safe once intel_iommu_shutdown has run,
	 * or when nothing runs any more. */
	for (size_t i = 0; i < d->npages_rec; i++)
		d->hal.ops->free_pages(d->hal.ctx, d->pages[i].pa, d->pages[i].npages);
	if (d->fault_irq)
		d->hal.ops->irq_free(d->hal.ctx, d->fault_irq);
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

const struct intel_iommu_stats *intel_iommu_stats(const struct intel_iommu *d)
{
	return &d->st;
}

uint64_t intel_iommu_root_table(const struct intel_iommu *d)
{
	return d->root;
}

uint64_t intel_iommu_cap(const struct intel_iommu *d)
{
	return d->cap;
}

uint64_t intel_iommu_ecap(const struct intel_iommu *d)
{
	return d->ecap;
}

uint64_t intel_iommu_reg_base(const struct intel_iommu *d)
{
	return d->base;
}

bool intel_iommu_scalable(const struct intel_iommu *d)
{
	return d->scalable;
}

bool intel_iommu_qi(const struct intel_iommu *d)
{
	return d->qi;
}

bool intel_iommu_ir_enabled(const struct intel_iommu *d)
{
	return d->ir;
}

bool intel_iommu_posting(const struct intel_iommu *d)
{
	return d->ir && d->pi;
}
