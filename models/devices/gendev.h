/* SPDX-License-Identifier: MIT */
/*
 * A generic configurable PCI function: whatever identity, BARs, interrupt capabilities and
 * PCIe extended capabilities (ACS, ARI, ATS, PASID, SR-IOV with its VFs) a machine description
 * gives it. It has no DMA engine; its memory BARs answer like a small scratch memory (the first
 * 4 KiB of each, per function) so that peer-to-peer DMA and MMIO can be seen landing, and count
 * every access.
 */
#ifndef PTSIM_GENDEV_H
#define PTSIM_GENDEV_H

#include <stdbool.h>
#include <stdint.h>

#include "models/pcie/pcie.h"

struct gendev;

enum gendev_kind {
	GENDEV_PCIE,  /* a PCI Express endpoint on a link */
	GENDEV_RCIEP, /* a root-complex integrated endpoint */
	GENDEV_PCI,   /* a conventional PCI function behind a PCIe-to-PCI bridge */
};

struct gendev_bar {
	uint64_t size; /* 0: none */
	bool is64, prefetch, io;
};

struct gendev_cfg {
	char name[48];
	enum gendev_kind kind;
	uint16_t vendor, device, subsys_vendor, subsys;
	uint32_t class_rev; /* class code << 8 | revision */
	struct gendev_bar bar[6];
	unsigned msi_vectors;  /* 0: no MSI capability */
	unsigned msix_vectors; /* 0: no MSI-X capability */
	int msix_bar;          /* table at 0, PBA right after it */
	unsigned intx_pin;     /* 0 none, 1..4 INTA..INTD */
	bool flr;
	bool acs;              /* an ACS capability, with these controls: */
	uint16_t acs_cap;
	bool ari, ats;
	unsigned pasid_bits;   /* 0: no PASID capability */
	bool sriov;
	struct pcie_sriov_cfg sriov_cfg;
};

struct gendev_stats {
	uint64_t mmio_reads, mmio_writes, flrs;
};

int gendev_create(const struct gendev_cfg *cfg, struct pcie_fabric *fab, struct gendev **out);
void gendev_destroy(struct gendev *g);
struct pcie_fn *gendev_fn(const struct gendev *g);
/* Accesses to the PF (vf 0) or to VF n. */
const struct gendev_stats *gendev_stats(const struct gendev *g, unsigned vf);
/* The scratch bytes a BAR holds at offset off (tests), or NULL beyond the first 4 KiB. */
const uint8_t *gendev_scratch(const struct gendev *g, unsigned vf, int bar, uint64_t off);

#endif
