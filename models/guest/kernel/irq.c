/* SPDX-License-Identifier: MIT */
/*
 * Guest interrupts: the x2APIC is enabled through IA32_APIC_BASE and its registers are MSRs
 * (SDM vol. 3A §10.12); the IDT entry for a device vector acknowledges the LAPIC with an EOI
 * first and then runs the handler, as Linux's handle_edge_irq does for MSI (apic_ack_irq).
 */
#include "models/guest/kernel/gk_internal.h"
#include "models/apic/lapic_regs.h"
#include "models/cpu/cpu.h"

int gk__lapic_init(struct gk *g, struct vcpu *v)
{
	(void)g;
	/* APIC global enable (bit 11) and x2APIC mode (bit 10). */
	vcpu_wrmsr(v, MSR_IA32_APICBASE, APIC_DEFAULT_PHYS_BASE | (1u << 11) | (1u << 10));
	/* Software enable, spurious vector 0xff. */
	vcpu_wrmsr(v, APIC_MSR(APIC_SPIV), APIC_SPIV_APIC_ENABLED | 0xff);
	vcpu_wrmsr(v, APIC_MSR(APIC_TASKPRI), 0);
	return 0;
}

void gk__eoi(struct gk *g)
{
	g->st.eois++;
	vcpu_wrmsr(gk__cpu(), X2APIC_EOI_MSR, 0);
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
