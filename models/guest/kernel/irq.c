/* SPDX-License-Identifier: MIT */
/*
 * Guest interrupts: vectors, the IDT entry every vector goes through, and the driver API's
 * request_irq/free_irq. A device vector acknowledges the LAPIC with an EOI first and then runs
 * the handler, as Linux's handle_edge_irq does for MSI (apic_ack_irq). A level-triggered I/O
 * APIC line runs the handler first and EOIs after it (handle_fasteoi_irq), so the device has
 * dropped the line before Remote IRR clears. On the way out (irq_exit) the CPU runs the
 * softirqs the handler raised -- NAPI polls -- with interrupts on (net.c).
 */
#include "models/guest/kernel/gk_internal.h"
#include "models/pcie/pcie_regs.h"

#include <string.h>

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

bool gk_vector_of(const struct gk *g, uint8_t vector, uint16_t bdf)
{
	for (unsigned i = 0; i < g->ndevs; i++) {
		if (g->devs[i].bdf != bdf)
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
	struct gk_irq *irq = &g->irqs[vector];
	struct gk_softnet *sn = gk__softnet(g);
	bool level = irq->fn && irq->gsi >= 0;
	int ret = IRQ_NONE;

	if (g->irq_probe)
		g->irq_probe(g->irq_probe_ctx, vector, gk_now_ps(g));
	g->irq_depth++;
	sn->hardirq++;
	isa_compute(g->cfg.costs.irq_entry);
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
	/* irq_exit: the softirqs the handler raised run now, unless this interrupt came in
	 * while this CPU was running them (in_interrupt()); that run picks them up. */
	sn->hardirq--;
	if (!sn->hardirq && !sn->in_softirq && sn->head)
		gk__do_softirq(g);
	isa_compute(g->cfg.costs.irq_exit);
	g->irq_depth--;
	if (g->irq_done)
		g->irq_done(g->irq_done_ctx);
}

/* ---- the driver API (Linux's kernel/irq/manage.c, irqflags.h) ---- */

static struct gk_dev *owner_of(struct gk *g, unsigned irq, unsigned *entry)
{
	for (unsigned i = 0; i < g->ndevs; i++)
		for (unsigned e = 0; e < g->devs[i].nvec; e++)
			if (g->devs[i].vec[e] == (int)irq) {
				*entry = e;
				return &g->devs[i];
			}
	return NULL;
}

int request_irq(unsigned int irq, irq_handler_t handler, unsigned long flags, const char *name,
		void *dev)
{
	struct gk *g = gk__self();
	struct gk_dev *d;
	unsigned e;

	(void)flags;
	if (irq > 255 || g->irqs[irq].fn)
		return -EINVAL;
	g->irqs[irq].fn = handler;
	g->irqs[irq].dev = dev;
	g->irqs[irq].name = name;
	/* irq_startup: unmask the I/O APIC pin or the MSI-X entry */
	if (g->irqs[irq].gsi >= 0)
		gk__ioapic_mask(g, (unsigned)g->irqs[irq].gsi, false);
	else if ((d = owner_of(g, irq, &e)))
		writel(0, d->msix_table + e * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL);
	return 0;
}

void free_irq(unsigned int irq, void *dev)
{
	struct gk *g = gk__self();
	struct gk_dev *d;
	unsigned e;

	(void)dev;
	if (irq > 255)
		return;
	int gsi = g->irqs[irq].gsi;

	if (gsi >= 0)
		gk__ioapic_mask(g, (unsigned)gsi, true);
	else if ((d = owner_of(g, irq, &e)))
		writel(PCI_MSIX_ENTRY_CTRL_MASKBIT, d->msix_table + e * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL);
	memset(&g->irqs[irq], 0, sizeof(g->irqs[irq]));
	g->irqs[irq].gsi = gsi; /* the routing stays until pci_free_irq_vectors */
}

void local_irq_disable(void)
{
	isa_cli();
}

void local_irq_enable(void)
{
	isa_sti();
}
