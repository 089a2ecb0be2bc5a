/* SPDX-License-Identifier: MIT */
/*
 * The guest's interrupt controllers. The local APIC is enabled through IA32_APIC_BASE and, in
 * x2APIC mode, its registers are MSRs (SDM vol. 3A §10.12); in xAPIC mode they are the MMIO
 * page at APIC_DEFAULT_PHYS_BASE. The I/O APIC (where the MADT says, GSI base 0) is
 * programmed through its IOREGSEL/IOWIN window (82093AA datasheet §3.1).
 */
#include "models/guest/kernel/gk_internal.h"
#include "models/apic/lapic_regs.h"
#include "models/apic/ioapic_regs.h"
#include "models/drivers/intel_iommu/intel_iommu.h"

static void apic_write(struct gk *g, uint32_t off, uint32_t val)
{
	if (g->cfg.apic == GK_APIC_XAPIC)
		isa_mmio_write(APIC_DEFAULT_PHYS_BASE + off, 4, val);
	else
		isa_wrmsr(APIC_MSR(off), val);
}

int gk__lapic_init(struct gk *g)
{
	/* APIC global enable (bit 11), and x2APIC mode (bit 10) unless it stays xAPIC. */
	isa_wrmsr(MSR_IA32_APICBASE, APIC_DEFAULT_PHYS_BASE | (1u << 11) |
					 (g->cfg.apic == GK_APIC_XAPIC ? 0 : 1u << 10));
	/* Software enable, spurious vector 0xff. */
	apic_write(g, APIC_SPIV, APIC_SPIV_APIC_ENABLED | 0xff);
	apic_write(g, APIC_TASKPRI, 0);
	return 0;
}

void gk__eoi(struct gk *g)
{
	g->st.eois++;
	apic_write(g, APIC_EOI, 0);
}

static void ioapic_write(struct gk *g, uint32_t reg, uint32_t val)
{
	isa_mmio_write(g->bp.ioapic_base + IOAPIC_REGSEL, 4, reg);
	isa_mmio_write(g->bp.ioapic_base + IOAPIC_WINDOW, 4, val);
}

/* The unit that remaps the I/O APIC's interrupts, when its remapping is on (bare metal: the
 * host boot's, found by the I/O APIC's source ID), else NULL. */
static struct intel_iommu *ioapic_ir(struct gk *g)
{
	struct intel_iommu *unit;

	if (!g->iommu.shared || !g->bp.ioapic_sid)
		return NULL;
	unit = g->iommu.shared(g->iommu.shared_ctx, (uint16_t)g->bp.ioapic_sid);
	return unit && intel_iommu_ir_enabled(unit) ? unit : NULL;
}

/* A PCI INTx line: level-triggered, active low, physical destination the boot CPU, masked
 * until request_irq. With interrupt remapping on, the entry takes the remappable format and
 * names a level-triggered IRTE that validates the I/O APIC's source ID (VT-d §5.1.5.1), and
 * keeps the vector, which the EOI broadcast matches (Linux's IR irq domain for an I/O APIC
 * pin does the same). */
void gk__ioapic_route(struct gk *g, unsigned gsi, uint8_t vector)
{
	uint64_t rte = vector | IOAPIC_RTE_LEVEL | IOAPIC_RTE_POLARITY | IOAPIC_RTE_MASK;
	struct intel_iommu *ir = ioapic_ir(g);
	uint32_t index, lo;

	if (ir && !irq_remapping_alloc_irte(ir, &index)) {
		if (irq_remapping_set_remapped_level(ir, index, g->cfg.bsp_apic_id, vector,
						     (uint16_t)g->bp.ioapic_sid))
			printk("%s: IRTE %u for GSI %u not written", g->cfg.name, index, gsi);
		rte |= IOAPIC_RTE_REMAP | IOAPIC_RTE_INDEX(index);
	} else {
		rte |= IOAPIC_RTE_DEST_ID(g->cfg.bsp_apic_id);
	}
	lo = (uint32_t)rte;
	ioapic_write(g, IOAPIC_REG_RTE(gsi) + 1, (uint32_t)(rte >> 32));
	ioapic_write(g, IOAPIC_REG_RTE(gsi), lo);
	g->irqs[vector].gsi = (int)gsi;
	g->gsi_rte[gsi & 63] = lo;
}

void gk__ioapic_mask(struct gk *g, unsigned gsi, bool mask)
{
	uint32_t lo = g->gsi_rte[gsi & 63];

	lo = mask ? lo | (uint32_t)IOAPIC_RTE_MASK : lo & ~(uint32_t)IOAPIC_RTE_MASK;
	g->gsi_rte[gsi & 63] = lo;
	ioapic_write(g, IOAPIC_REG_RTE(gsi), lo);
}
