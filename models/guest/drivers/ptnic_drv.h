/* SPDX-License-Identifier: MIT */
/* The ptnic driver, for a guest kernel to build in. */
#ifndef PTNIC_DRV_H
#define PTNIC_DRV_H

struct pci_driver;
extern struct pci_driver ptnic_driver;

#endif
