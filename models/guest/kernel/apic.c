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

/* A PCI INTx line: level-triggered, active low, physical destination the boot CPU, masked
 * until request_irq. */
void gk__ioapic_route(struct gk *g, unsigned gsi, uint8_t vector)
{
	uint32_t lo = vector | (uint32_t)(IOAPIC_RTE_LEVEL | IOAPIC_RTE_POLARITY | IOAPIC_RTE_MASK);

	ioapic_write(g, IOAPIC_REG_RTE(gsi) + 1, 0);
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
