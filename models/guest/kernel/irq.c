/* SPDX-License-Identifier: MIT */
/*
 * Guest interrupts: the x2APIC is enabled through IA32_APIC_BASE and its registers are MSRs
 * (SDM vol. 3A §10.12); the IDT entry for a device vector acknowledges the LAPIC with an EOI
 * first and then runs the handler, as Linux's handle_edge_irq does for MSI (apic_ack_irq).
 */
#include "models/guest/kernel/gk_internal.h"
#include "models/apic/lapic_regs.h"
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

void gk__idt(void *ctx, uint8_t vector)
{
	struct gk *g = ctx;
	struct vcpu *v = gk__cpu();
	struct gk_irq *irq = &g->irqs[vector];

	if (g->irq_probe)
		g->irq_probe(g->irq_probe_ctx, vector, gk_now_ps(g));
	vcpu_compute(v, g->cfg.costs.irq_entry);
	gk__eoi(g);
	if (irq->fn) {
		irq->count++;
		g->st.irqs++;
		irq->fn(vector, irq->dev);
	} else {
		g->st.spurious_irqs++;
	}
	vcpu_compute(v, g->cfg.costs.irq_exit);
}
