/* SPDX-License-Identifier: MIT */
/* Interrupt remapping (VT-d 3.x ch. 5): the table, its entries (Linux's
 * intel_irq_remapping.c: alloc_irte, modify_irte, free_irte) and their MSI address/data. */
#include "models/drivers/intel_iommu/intel_iommu_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int intel_iommu__setup_ir(struct intel_iommu *d)
{
	unsigned n = d->cfg.irt_entries, s = 0;
	uint64_t pages = ((uint64_t)n * VTD_IRTE_SIZE + PAGE - 1) / PAGE;
	int rc;

	while ((2u << s) < n) /* IRTA.S: 2^(S+1) entries */
		s++;
	rc = intel_iommu__alloc_pages(d, pages, &d->irt);
	if (rc)
		return rc;
	d->irte_used = calloc(n, 1);
	if (!d->irte_used)
		return -ENOMEM;
	d->eim = d->cfg.x2apic && (d->ecap & ECAP_EIM);
	wr64(d, DMAR_IRTA_REG, d->irt | VTD_IRTA_S(s) | (d->eim ? DMA_IRTA_EIME : 0));
	rc = intel_iommu__gcmd(d, DMA_GCMD_SIRTP, DMA_GSTS_IRTPS, true);
	if (!rc)
		rc = intel_iommu__flush_iec(d, true, 0);
	/* Compatibility-format interrupts stay blocked (CFI clear): every MSI must go through an
	 * IRTE, as Linux does with x2APIC. */
	if (!rc)
		rc = intel_iommu__gcmd(d, DMA_GCMD_IRE, DMA_GSTS_IRES, true);
	if (!rc)
		d->ir = true;
	return rc;
}

/* ---- IRTEs ---- */

int irq_remapping_alloc_irte(struct intel_iommu *d, uint32_t *index)
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

void irq_remapping_free_irte(struct intel_iommu *d, uint32_t index)
{
	if (!d->ir || index >= d->cfg.irt_entries || !d->irte_used[index])
		return;
	mem_wr64(d, d->irt + index * VTD_IRTE_SIZE, 0);
	mem_wr64(d, d->irt + index * VTD_IRTE_SIZE + 8, 0);
	intel_iommu__flush_iec(d, false, index);
	d->irte_used[index] = 0;
	d->st.irtes_in_use--;
}

static int irte_remapped(struct intel_iommu *d, uint32_t index, uint32_t apic_id, uint8_t vector,
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
	mem_wr64(d, d->irt + index * VTD_IRTE_SIZE + 8, e.val[1]);
	mem_wr64(d, d->irt + index * VTD_IRTE_SIZE, e.val[0]);
	return intel_iommu__flush_iec(d, false, index);
}

int irq_remapping_set_remapped(struct intel_iommu *d, uint32_t index, uint32_t apic_id,
			       uint8_t vector, uint16_t sid)
{
	return irte_remapped(d, index, apic_id, vector, sid, false);
}

int irq_remapping_set_remapped_level(struct intel_iommu *d, uint32_t index, uint32_t apic_id,
				     uint8_t vector, uint16_t sid)
{
	return irte_remapped(d, index, apic_id, vector, sid, true);
}

int irq_remapping_set_posted(struct intel_iommu *d, uint32_t index, uint64_t pi_desc,
			     uint8_t vector, uint16_t sid, bool urgent)
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
	mem_wr64(d, d->irt + index * VTD_IRTE_SIZE + 8, e.val[1]);
	mem_wr64(d, d->irt + index * VTD_IRTE_SIZE, e.val[0]);
	return intel_iommu__flush_iec(d, false, index);
}

void irq_remapping_msi(uint32_t index, uint64_t *addr, uint32_t *data)
{
	/* Remappable format, SHV set, subhandle 0 in the data (Linux does the same). */
	*addr = MSI_ADDR_BASE | VTD_IR_MSI_HANDLE(index) | IR_MSI_FORMAT | IR_MSI_SHV;
	*data = 0;
}
