/* SPDX-License-Identifier: MIT */
/*
 * Linux's pci_device_group, step by step (see iommu_groups.h). The known limitation is kept on
 * purpose: a switch whose downstream ports lack ACS gives each port's subtree its own group,
 * though devices below sibling ports can reach each other (fixed only by the 2025 "Fix
 * incorrect iommu_groups with PCIe ACS" series); the survey reports the missing ACS anyway.
 */
#include "models/host/iommu_groups.h"
#include "models/host/hpci.h"
#include "models/host/host.h"
#include "models/pcie/pcie_regs.h"

#include <string.h>

/* pci_acs_flags_enabled: controls the function lacks count as hard-wired on, except EC. */
static bool acs_flags_enabled(struct host *h, const struct hpci_dev *d, uint16_t flags)
{
	uint16_t cap, ctrl;

	if (!d->ext_acs)
		return false;
	cap = (uint16_t)host_cfg_read(h, d->bdf, d->ext_acs + PCI_ACS_CAP, 2);
	flags &= cap | PCI_ACS_EC;
	ctrl = (uint16_t)host_cfg_read(h, d->bdf, d->ext_acs + PCI_ACS_CTRL, 2);
	return (ctrl & flags) == flags;
}

bool iommu_acs_enabled(struct host *h, const struct hpci *p, int i, uint16_t flags)
{
	const struct hpci_dev *d = &p->dev[i];

	/* Conventional PCI: a shared bus, never isolated (PCIe 5.0 §6.12). */
	if (d->pcie_type < 0)
		return false;
	switch (d->pcie_type) {
	case PCI_EXP_TYPE_PCI_BRIDGE:
	case 0x8: /* PCI/PCI-X to PCIe bridge */
	case 0xa: /* root complex event collector */
		return false;
	case PCI_EXP_TYPE_DOWNSTREAM:
	case PCI_EXP_TYPE_ROOT_PORT:
		return acs_flags_enabled(h, d, flags);
	case PCI_EXP_TYPE_ENDPOINT:
	case PCI_EXP_TYPE_UPSTREAM:
	case PCI_EXP_TYPE_LEG_END:
	case PCI_EXP_TYPE_RC_END:
		if (!d->multifunction)
			return true;
		return acs_flags_enabled(h, d, flags);
	default:
		return true;
	}
}

bool iommu_acs_path_enabled(struct host *h, const struct hpci *p, int i, uint16_t flags)
{
	for (int k = i; k >= 0; k = p->dev[k].parent)
		if (!iommu_acs_enabled(h, p, k, flags))
			return false;
	return true;
}

int iommu_dma_alias(const struct hpci *p, int i)
{
	int alias = i;

	/* pci_for_each_dma_alias: every PCIe-to-PCI bridge crossed takes the requests over as
	 * (secondary bus, 00.0); a conventional PCI-to-PCI bridge with its own ID. */
	for (int k = p->dev[i].parent; k >= 0; k = p->dev[k].parent)
		if (p->dev[k].pcie_type == PCI_EXP_TYPE_PCI_BRIDGE || p->dev[k].pcie_type < 0)
			alias = k;
	return alias;
}

static bool same_bus(const struct hpci_dev *a, const struct hpci_dev *b)
{
	return (a->bdf >> 8) == (b->bdf >> 8) && a->parent == b->parent;
}

/* get_pci_function_alias_group: a non-isolated function of the same slot that has a group. */
static int function_alias_group(struct host *h, const struct hpci *p, int i)
{
	const struct hpci_dev *d = &p->dev[i];

	if (!d->multifunction || iommu_acs_enabled(h, p, i, IOMMU_GROUP_ACS_FLAGS))
		return -1;
	for (size_t k = 0; k < p->n; k++) {
		const struct hpci_dev *t = &p->dev[k];

		if ((int)k == i || !same_bus(t, d) || PCI_SLOT(t->bdf) != PCI_SLOT(d->bdf) ||
		    t->pf >= 0 || iommu_acs_enabled(h, p, (int)k, IOMMU_GROUP_ACS_FLAGS))
			continue;
		if (t->group >= 0)
			return t->group;
	}
	return -1;
}

static int device_group(struct host *h, struct hpci *p, int i)
{
	int pdev = iommu_dma_alias(p, i);

	/* 1. an alias that already has a group */
	if (pdev != i && p->dev[pdev].group >= 0)
		return p->dev[pdev].group;
	/* 2. upstream to where ACS isolates (for a VF, the bus its PF is on) */
	for (int b = p->dev[pdev].parent; b >= 0; b = p->dev[b].parent) {
		if (iommu_acs_path_enabled(h, p, b, IOMMU_GROUP_ACS_FLAGS))
			break;
		pdev = b;
		if (p->dev[pdev].group >= 0)
			return p->dev[pdev].group;
	}
	/* 3. no quirk aliases here; 4. non-isolated functions of a multi-function device */
	if (p->dev[pdev].group >= 0)
		return p->dev[pdev].group;
	{
		int g = function_alias_group(h, p, pdev);

		if (g >= 0)
			return g;
	}
	/* 5. a new group */
	return (int)p->ngroups++;
}

int iommu_groups_compute(struct host *h, struct hpci *p)
{
	for (size_t i = 0; i < p->n; i++) {
		int g, a;

		if (p->dev[i].group >= 0)
			continue;
		g = device_group(h, p, (int)i);
		p->dev[i].group = g;
		/* the alias (or bridge) the function was grouped through belongs there too */
		a = iommu_dma_alias(p, (int)i);
		if (p->dev[a].group < 0)
			p->dev[a].group = g;
	}
	return (int)p->ngroups;
}
