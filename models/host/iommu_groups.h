/* SPDX-License-Identifier: MIT */
/*
 * IOMMU groups as Linux computes them (drivers/iommu/iommu.c pci_device_group, with
 * pci_acs_enabled and pci_for_each_dma_alias from drivers/pci): the smallest sets of functions
 * the IOMMU can tell apart and that cannot reach one another without it. A function shares a
 * group with the DMA alias a PCIe-to-PCI bridge gives it, with the highest bridge on its path
 * that does not have ACS SV, RR, CR and UF all the way to the root, and with the functions of
 * its multi-function device that lack ACS. Read from config space through the HAL.
 */
#ifndef PTSIM_IOMMU_GROUPS_H
#define PTSIM_IOMMU_GROUPS_H

#include <stdbool.h>
#include <stdint.h>

struct host;
struct hpci;

/* The controls Linux requires for isolation (REQ_ACS_FLAGS, PCI_ACS_ISOLATED). */
#define IOMMU_GROUP_ACS_FLAGS 0x001du /* SV | RR | CR | UF */

/* Give every function in p a group (hpci_dev.group); returns the number of groups. Functions
 * already grouped keep theirs (VFs enabled later join the existing groups, as in Linux). */
int iommu_groups_compute(struct host *h, struct hpci *p);
/* Linux pci_acs_enabled / pci_acs_path_enabled for function i (path: i and every bridge above
 * it to the root). */
bool iommu_acs_enabled(struct host *h, const struct hpci *p, int i, uint16_t flags);
bool iommu_acs_path_enabled(struct host *h, const struct hpci *p, int i, uint16_t flags);
/* The function whose requester ID fn i's DMA carries (itself, or a PCIe-to-PCI bridge). */
int iommu_dma_alias(const struct hpci *p, int i);

#endif
