/* SPDX-License-Identifier: MIT */
/* The NVMe driver, for a guest kernel to build in. */
#ifndef NVME_DRV_H
#define NVME_DRV_H

struct pci_driver;
extern struct pci_driver nvme_driver;

#endif
