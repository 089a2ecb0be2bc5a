/* SPDX-License-Identifier: MIT */
/*
 * Interrupt vectors for a PCI function (Linux's drivers/pci/msi): MSI-X entries programmed in
 * msix_capability_init's order, or the legacy INTx line routed through the I/O APIC; and one
 * more MSI-X entry later (pci_msix_alloc_irq_at, Linux 6.2's dynamic allocation).
 */
#include "models/guest/kernel/gk_internal.h"
#include "models/drivers/intel_iommu/intel_iommu.h"
#include "models/pcie/pcie_regs.h"

/* The GSI of a function's INTx pin: with a _PRT from firmware (bare metal), the pin swizzled
 * to the root bus and looked up there, as Linux's acpi_pci_irq_lookup does; otherwise what
 * firmware put in Interrupt Line (a VM's, which virtualizes it). 0: none. */
static unsigned intx_gsi(struct gk *g, struct pci_dev *pdev, u8 pin)
{
	const struct gk_dev *d = gk__dev(pdev);
	u8 line;

	for (unsigned i = 0; i < ARRAY_SIZE(g->bp.prt); i++)
		if (g->bp.prt[i])
			return bootparam_prt_gsi(&g->bp, d->intx_root_slot,
						 (pin - 1u + d->intx_swizzle) % 4u + 1u);
	pci_read_config_byte(pdev, PCI_INTERRUPT_LINE, &line);
	return line;
}

/* INTx (Linux's pci_intx setup for a legacy IRQ): route the line's GSI through the I/O APIC
 * to a vector of its own and clear Interrupt Disable. */
static int alloc_intx(struct gk *g, struct pci_dev *pdev)
{
	struct gk_dev *d = gk__dev(pdev);
	unsigned line;
	u8 pin;
	u16 cmd;
	int vec;

	pci_read_config_byte(pdev, PCI_INTERRUPT_PIN, &pin);
	if (!pin || pin > 4 || !g->bp.ioapic_base)
		return -ENODEV;
	line = intx_gsi(g, pdev, pin);
	if (line >= ARRAY_SIZE(g->gsi_rte))
		return -ENODEV;
	vec = gk__alloc_vector(g);
	if (vec < 0)
		return vec;
	gk__ioapic_route(g, line, (uint8_t)vec);
	pci_read_config_word(pdev, PCI_COMMAND, &cmd);
	pci_write_config_word(pdev, PCI_COMMAND, cmd & ~PCI_COMMAND_INTX_DISABLE);
	d->vec[0] = vec;
	d->nvec = 1;
	d->intx = true;
	pdev->irq = (unsigned)vec;
	return 1;
}

/* An entry's message (x86 activates MSI early: written at allocation, not at request_irq).
 * Physical destination: the CPU of APIC ID dest; fixed, edge. Through interrupt remapping
 * when the device's unit has it on (bare metal: Linux's IR irq domain allocates an IRTE with
 * the device's source ID and composes the remappable-format message, VT-d §5.1.2.2). */
static void msix_write_msg(struct gk_dev *d, unsigned i, int vec, uint32_t dest)
{
	uint32_t data = (u32)vec, index;
	uint64_t addr = 0xfee00000u | (uint64_t)(dest & 0xff) << 12;

	if (d->ir && intel_iommu_ir_enabled(d->ir) && !irq_remapping_alloc_irte(d->ir, &index)) {
		if (irq_remapping_set_remapped(d->ir, index, dest, (uint8_t)vec, d->bdf))
			printk("%s: IRTE %u for vector %d not written", d->name, index, vec);
		irq_remapping_msi(index, &addr, &data);
	}
	writel((u32)addr, d->msix_table + i * 16 + PCI_MSIX_ENTRY_LOWER_ADDR);
	writel((u32)(addr >> 32), d->msix_table + i * 16 + PCI_MSIX_ENTRY_UPPER_ADDR);
	writel(data, d->msix_table + i * 16 + PCI_MSIX_ENTRY_DATA);
}

/* The APIC ID of CPU `cpu` as Linux numbers them: the boot CPU 0, then the others as they
 * came up (here in APIC ID order; every CPU has entered the kernel before a driver probes). */
static uint32_t cpu_apic_id(const struct gk *g, unsigned cpu, unsigned *ncpus)
{
	uint32_t id = g->cfg.bsp_apic_id;
	unsigned n = 1;

	for (unsigned a = 0; a < GK_MAX_CPUS; a++) {
		if (!g->cpus[a] || a == g->cfg.bsp_apic_id)
			continue;
		if (n++ == cpu)
			id = a;
	}
	*ncpus = n;
	return id;
}

/* Vector i of n: the first CPU of the i-th of n even groups of the CPUs, the remainder to the
 * first groups (lib/group_cpus.c); with more vectors than CPUs, CPU i mod ncpus. */
static uint32_t spread_dest(const struct gk *g, unsigned i, unsigned n)
{
	unsigned ncpus, cpu;

	cpu_apic_id(g, 0, &ncpus);
	if (n > ncpus)
		cpu = i % ncpus;
	else
		cpu = i * (ncpus / n) + (i < ncpus % n ? i : ncpus % n);
	return cpu_apic_id(g, cpu, &ncpus);
}

int pci_alloc_irq_vectors(struct pci_dev *pdev, unsigned int min_vecs, unsigned int max_vecs,
			  unsigned int flags)
{
	struct gk *g = gk__self();
	struct gk_dev *d = gk__dev(pdev);
	unsigned cap = pdev->msix_cap, n;
	u16 ctl;
	u32 table;

	if (!(flags & PCI_IRQ_MSIX) || !cap)
		return (flags & PCI_IRQ_LEGACY) && min_vecs <= 1 ? alloc_intx(g, pdev) : -ENODEV;
	pci_read_config_word(pdev, (int)(cap + PCI_MSIX_FLAGS), &ctl);
	n = (ctl & PCI_MSIX_FLAGS_QSIZE) + 1u;
	d->msix_size = n;
	if (n > max_vecs)
		n = max_vecs;
	if (n > ARRAY_SIZE(d->vec))
		n = ARRAY_SIZE(d->vec);
	if (n < min_vecs)
		return -ENOSPC;
	pci_read_config_dword(pdev, (int)(cap + PCI_MSIX_TABLE), &table);
	d->msix_table = (volatile u8 *)gk__iomem(pci_resource_start(pdev, (int)(table & 7)) +
						 (table & ~7u));
	/* Enable with the function masked, write the entries, then unmask the function. */
	pci_write_config_word(pdev, (int)(cap + PCI_MSIX_FLAGS),
			      (u16)(ctl | PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL));
	for (unsigned i = 0; i < n; i++) {
		int vec = gk__alloc_vector(g);

		if (vec < 0)
			return vec;
		d->vec[i] = vec;
		msix_write_msg(d, i, vec,
			       (flags & PCI_IRQ_AFFINITY) && g->cfg.irq_affinity == GK_IRQ_SPREAD
				   ? spread_dest(g, i, n)
				   : g->cfg.bsp_apic_id);
	}
	pci_write_config_word(pdev, (int)(cap + PCI_MSIX_FLAGS), (u16)(ctl | PCI_MSIX_FLAGS_ENABLE));
	d->nvec = n;
	pdev->irq = (unsigned)d->vec[0];
	pdev->msix_enabled = 1;
	return (int)n;
}

void pci_free_irq_vectors(struct pci_dev *pdev)
{
	struct gk_dev *d = gk__dev(pdev);
	struct gk *g = gk__self();
	u16 ctl;

	if (d->intx) {
		g->irqs[d->vec[0]].gsi = -1;
		d->intx = false;
		d->nvec = 0;
		return;
	}
	if (!pdev->msix_cap)
		return;
	pci_read_config_word(pdev, pdev->msix_cap + PCI_MSIX_FLAGS, &ctl);
	pci_write_config_word(pdev, pdev->msix_cap + PCI_MSIX_FLAGS, ctl & ~PCI_MSIX_FLAGS_ENABLE);
	pdev->msix_enabled = 0;
	d->nvec = 0;
}

int pci_irq_vector(struct pci_dev *pdev, unsigned int nr)
{
	struct gk_dev *d = gk__dev(pdev);

	return nr < d->nvec && d->vec[nr] >= 0 ? d->vec[nr] : -EINVAL;
}

bool pci_msix_can_alloc_dyn(struct pci_dev *pdev)
{
	return pdev->msix_enabled;
}

struct msi_map pci_msix_alloc_irq_at(struct pci_dev *pdev, unsigned int index,
				     const struct irq_affinity_desc *affdesc)
{
	struct gk_dev *d = gk__dev(pdev);
	struct msi_map map = {.index = -ENOTSUPP, .virq = 0};
	unsigned limit = d->msix_size < ARRAY_SIZE(d->vec) ? d->msix_size : ARRAY_SIZE(d->vec);
	int vec;

	(void)affdesc;
	if (!pci_msix_can_alloc_dyn(pdev))
		return map;
	if (index == MSI_ANY_INDEX)
		for (index = 0; index < d->nvec && d->vec[index] >= 0; index++)
			;
	if (index >= limit) {
		map.index = index == d->nvec ? -ENOSPC : -EINVAL;
		return map;
	}
	if (index < d->nvec && d->vec[index] >= 0) {
		map.index = -EBUSY;
		return map;
	}
	vec = gk__alloc_vector(gk__self());
	if (vec < 0) {
		map.index = vec;
		return map;
	}
	while (d->nvec < index)
		d->vec[d->nvec++] = -1;
	if (index == d->nvec)
		d->nvec++;
	d->vec[index] = vec;
	msix_write_msg(d, index, vec, d->g->cfg.bsp_apic_id); /* no affinity: the boot CPU */
	map.index = (int)index;
	map.virq = vec;
	return map;
}

void pci_msix_free_irq(struct pci_dev *pdev, struct msi_map map)
{
	struct gk_dev *d = gk__dev(pdev);

	if (map.index < 0 || (unsigned)map.index >= d->nvec)
		return;
	writel(PCI_MSIX_ENTRY_CTRL_MASKBIT,
	       d->msix_table + map.index * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL);
	d->vec[map.index] = -1;
}
