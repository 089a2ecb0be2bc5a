/* SPDX-License-Identifier: MIT */
/*
 * Guest interrupts: the x2APIC is enabled through IA32_APIC_BASE and its registers are MSRs
 * (SDM vol. 3A §10.12); the IDT entry for a device vector acknowledges the LAPIC with an EOI
 * first and then runs the handler, as Linux's handle_edge_irq does for MSI (apic_ack_irq). A
 * level-triggered I/O APIC line runs the handler first and EOIs after it
 * (handle_fasteoi_irq), so the device has dropped the line before Remote IRR clears.
 */
#include "models/guest/kernel/gk_internal.h"
#include "models/apic/lapic_regs.h"
#include "models/apic/ioapic_regs.h"
#include "models/cpu/cpu.h"

static void apic_write(struct gk *g, struct vcpu *v, uint32_t off, uint32_t val)
{
	if (g->cfg.xapic)
		vcpu_mmio_write(v, APIC_DEFAULT_PHYS_BASE + off, 4, val);
	else
		vcpu_wrmsr(v, APIC_MSR(off), val);
}

int gk__lapic_init(struct gk *g, struct vcpu *v)
{
	/* APIC global enable (bit 11), and x2APIC mode (bit 10) unless it stays xAPIC. */
	vcpu_wrmsr(v, MSR_IA32_APICBASE,
		   APIC_DEFAULT_PHYS_BASE | (1u << 11) | (g->cfg.xapic ? 0 : 1u << 10));
	/* Software enable, spurious vector 0xff. */
	apic_write(g, v, APIC_SPIV, APIC_SPIV_APIC_ENABLED | 0xff);
	apic_write(g, v, APIC_TASKPRI, 0);
	return 0;
}

void gk__eoi(struct gk *g)
{
	g->st.eois++;
	apic_write(g, gk__cpu(), APIC_EOI, 0);
}

void gk_set_irq_probe(struct gk *g, void (*fn)(void *ctx, uint8_t vector, uint64_t t_ps),
		      void *ctx)
{
	g->irq_probe = fn;
	g->irq_probe_ctx = ctx;
}

void gk_set_irq_done_probe(struct gk *g, void (*fn)(void *ctx), void *ctx)
{
	g->irq_done = fn;
	g->irq_done_ctx = ctx;
}

bool gk_in_irq(const struct gk *g)
{
	return g->irq_depth > 0;
}

bool gk_vector_of(const struct gk *g, uint8_t vector, uint8_t devfn)
{
	for (unsigned i = 0; i < g->ndevs; i++) {
		if (g->devs[i].pdev.devfn != devfn)
			continue;
		for (unsigned e = 0; e < g->devs[i].nvec; e++)
			if (g->devs[i].vec[e] == vector)
				return true;
	}
	return false;
}

int gk__alloc_vector(struct gk *g)
{
	if (!g->next_vector)
		g->next_vector = GK_FIRST_VECTOR;
	if (g->next_vector > GK_LAST_VECTOR)
		return -ENOSPC;
	return (int)g->next_vector++;
}

/* The I/O APIC (MADT says where; GSI base 0), through its IOREGSEL/IOWIN window. */
static void ioapic_write(struct gk *g, uint32_t reg, uint32_t val)
{
	struct vcpu *v = gk__cpu();

	vcpu_mmio_write(v, g->bp.ioapic_base + IOAPIC_REGSEL, 4, reg);
	vcpu_mmio_write(v, g->bp.ioapic_base + IOAPIC_WINDOW, 4, val);
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

void gk__idt(void *ctx, uint8_t vector)
{
	struct gk *g = ctx;
	struct vcpu *v = gk__cpu();
	struct gk_irq *irq = &g->irqs[vector];
	bool level = irq->fn && irq->gsi >= 0;
	int ret = IRQ_NONE;

	if (g->irq_probe)
		g->irq_probe(g->irq_probe_ctx, vector, gk_now_ps(g));
	g->irq_depth++;
	vcpu_compute(v, g->cfg.costs.irq_entry);
	if (!level)
		gk__eoi(g);
	if (irq->fn) {
		irq->count++;
		g->st.irqs++;
		ret = irq->fn(vector, irq->dev);
		if (ret == IRQ_NONE)
			g->st.unhandled_irqs++;
	} else {
		g->st.spurious_irqs++;
	}
	if (level)
		gk__eoi(g);
	vcpu_compute(v, g->cfg.costs.irq_exit);
	g->irq_depth--;
	if (g->irq_done)
		g->irq_done(g->irq_done_ctx);
}
