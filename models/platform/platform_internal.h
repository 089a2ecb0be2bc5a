/* SPDX-License-Identifier: MIT */
/* The platform's state, shared by platform.c and firmware.c. */
#ifndef PTSIM_PLATFORM_INTERNAL_H
#define PTSIM_PLATFORM_INTERNAL_H

#include "models/platform/platform.h"

struct sim_event;

struct platform_unit {
	struct vtd *vtd;
	const struct platform_unit_cfg *cfg;
	const struct pcie_fn **scope; /* the functions its DRHD scope lists */
	size_t nscope;
	struct pcie_mmio_ops mmio;
};

/* An interrupt message the root complex holds until it takes effect. */
struct platform_inflight {
	struct pcie_irq irq;
	uint64_t flow; /* the trace flow it belongs to */
};

struct platform {
	struct platform_cfg cfg;
	struct mem *mem;
	struct pcie_fabric *fab;
	struct platform_unit *units;
	unsigned nunits;
	int unit_all; /* the INCLUDE_PCI_ALL unit, or -1 */
	uint64_t rsdp;
	struct ioapic *ioapic;
	struct pcie_mmio_ops ioapic_mmio;
	unsigned
	    gsi_assert[PLATFORM_IOAPIC_PINS]; /* INTx lines asserted onto each pin (wired-OR) */
	struct apic_bus *bus;
	struct lapic **lapic;
	struct pcpu **pcpu;
	unsigned npcpus;
	/* interrupt messages in flight, in arrival order */
	struct platform_inflight *inflight;
	unsigned ninflight, capinflight;
	struct sim_timer *delivery; /* delivers the interrupt messages in flight when due */
	struct platform_stats st;
};

/* firmware.c: the ACPI tables into firmware memory (RSDP, XSDT, DMAR). */
int platform__firmware_install(struct platform *p);

#endif
