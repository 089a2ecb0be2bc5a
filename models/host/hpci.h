/* SPDX-License-Identifier: MIT */
/*
 * Host PCI enumeration, as firmware and Linux do it: a depth-first scan through config space
 * that numbers buses behind each bridge, sizes BARs by writing all-ones, assigns addresses
 * from the windows firmware reported, and opens bridge windows around what sits below them.
 * Each function found gets a durable location path (PCIROOT(0)#PCI(DDFF)#...).
 */
#ifndef PTSIM_HPCI_H
#define PTSIM_HPCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct host;

struct hpci_bar {
	uint64_t base, size;
	bool is64, prefetch, io;
};

struct hpci_dev {
	uint16_t bdf;
	uint16_t vendor, device;
	uint32_t class_rev;
	uint8_t header_type;
	bool bridge;
	uint8_t secondary, subordinate;
	struct hpci_bar bar[6];
	unsigned cap_exp, cap_msix, cap_pm;
	char path[128];
	int parent; /* index of the bridge above, -1 on the root bus */
};

struct hpci {
	struct hpci_dev *dev;
	size_t n, cap;
	unsigned buses; /* bus numbers used */
};

/* Enumerate segment 0 from bus 0; fills *out (free with hpci_free). */
int hpci_enumerate(struct host *h, struct hpci *out);
void hpci_free(struct hpci *p);
struct hpci_dev *hpci_find_path(struct hpci *p, const char *path);
struct hpci_dev *hpci_find_bdf(struct hpci *p, uint16_t bdf);
/* The offset of a standard capability in a function's config space (0 if absent). */
unsigned hpci_find_cap(struct host *h, uint16_t bdf, uint8_t cap_id);

#endif
