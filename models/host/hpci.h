/* SPDX-License-Identifier: MIT */
/*
 * Host PCI enumeration, as firmware and Linux do it: a depth-first scan through config space
 * that finds the functions of each bus (following ARI's next-function chain where the port
 * forwards ARI), reserves bus numbers for the VFs SR-IOV physical functions may enable, numbers
 * the buses behind each bridge, sizes BARs (and VF BARs) by writing all-ones, assigns
 * addresses from the windows firmware reported (32-bit memory, 64-bit prefetchable, I/O) and
 * opens bridge windows around what sits below them; enables ACS on every function that has it
 * when an IOMMU will isolate devices (Linux pci_enable_acs). Each function found gets a durable
 * location path (PCIROOT(0)#PCI(DDFF)#..., a VF its PF's path and #VF(n)).
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
	bool bridge, multifunction;
	int pcie_type; /* PCI_EXP_TYPE_* from the PCI Express capability, -1 without one */
	uint8_t secondary, subordinate;
	struct hpci_bar bar[6];
	unsigned cap_exp, cap_msix, cap_msi, cap_pm;
	unsigned ext_acs, ext_ari, ext_sriov, ext_ats, ext_pasid;
	/* SR-IOV: a PF's geometry and VF BARs (per VF); a VF's PF and number */
	uint16_t total_vfs, num_vfs, vf_offset, vf_stride, vf_device;
	struct hpci_bar vf_bar[6];
	int pf;
	unsigned vf_index;
	char path[128];
	int parent; /* index of the bridge above, -1 on the root bus */
	int group;  /* IOMMU group (iommu_groups_compute), -1 before */
	uint8_t *config; /* a copy of its config space (hpci_snapshot), or NULL */
	unsigned config_len;
};

struct hpci {
	struct hpci_dev *dev;
	size_t n, cap;
	unsigned buses;   /* bus numbers used */
	bool acs_enabled; /* ACS controls were turned on (an IOMMU is present) */
	unsigned ngroups;
};

/* Enumerate segment 0 from bus 0; fills *out (free with hpci_free). */
int hpci_enumerate(struct host *h, struct hpci *out);
void hpci_free(struct hpci *p);
struct hpci_dev *hpci_find_path(struct hpci *p, const char *path);
struct hpci_dev *hpci_find_bdf(struct hpci *p, uint16_t bdf);
/* The offset of a standard / extended capability in a function's config space (0 if absent). */
unsigned hpci_find_cap(struct host *h, uint16_t bdf, uint8_t cap_id);
unsigned hpci_find_ext_cap(struct host *h, uint16_t bdf, uint16_t cap_id);
/* Enable `numvfs` VFs of the PF at index pf (NumVFs, VF Enable | VF MSE, the 100 ms wait of
 * SR-IOV 1.1 §3.3.3.1), then add the VFs to the list. Like writing Linux's sriov_numvfs. */
int hpci_sriov_enable(struct host *h, struct hpci *p, size_t pf, unsigned numvfs);
/* Copy every function's config space (4 KiB, 256 bytes for conventional PCI), as lspci does
 * through sysfs. */
int hpci_snapshot(struct host *h, struct hpci *p);

#endif
