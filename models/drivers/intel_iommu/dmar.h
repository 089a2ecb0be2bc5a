/* SPDX-License-Identifier: MIT */
/*
 * Reading the ACPI DMAR table (VT-d 3.x ch. 8), as Linux's drivers/iommu/intel/dmar.c does
 * it, in the host or in a guest whose firmware describes a virtual IOMMU: from the RSDP firmware
 * handed over, through the XSDT to the table, checking
 * signatures and checksums, then the remapping units (DRHD), reserved memory (RMRR) and ATS
 * root ports (ATSR). Device scopes are paths from a bus; they name a function only once PCI
 * enumeration has numbered the buses, so they are resolved through config space when asked.
 * Everything is read through the VT-d driver's HAL (iommu_hal.h).
 */
#ifndef PTSIM_DMAR_H
#define PTSIM_DMAR_H

#include <stdbool.h>
#include <stdint.h>

struct iommu_hal;

#define DMAR_MAX_PATH   8
#define DMAR_MAX_SCOPES 16
#define DMAR_MAX_UNITS  8
#define DMAR_MAX_RMRRS  16

struct dmar_scope {
	uint8_t type; /* ACPI_DMAR_SCOPE_* */
	uint8_t bus;
	uint8_t npath;
	uint8_t path[DMAR_MAX_PATH][2];
};

struct dmar_unit {
	uint64_t reg_base;
	uint16_t segment;
	bool include_all;
	unsigned nscope;
	struct dmar_scope scope[DMAR_MAX_SCOPES];
};

struct dmar_rmrr {
	uint64_t base, end; /* end inclusive */
	unsigned nscope;
	struct dmar_scope scope[DMAR_MAX_SCOPES];
};

struct dmar_info {
	unsigned haw;  /* host address width, bits */
	uint8_t flags; /* ACPI_DMAR_INTR_REMAP ... */
	unsigned nunits, nrmrr;
	struct dmar_unit unit[DMAR_MAX_UNITS];
	struct dmar_rmrr rmrr[DMAR_MAX_RMRRS];
	bool have_atsr, atsr_all_ports;
	unsigned natsr;
	struct dmar_scope atsr[DMAR_MAX_SCOPES];
};

/* Find and parse the DMAR table from the RSDP at rsdp (0: firmware gave none): 0, -ENODEV (no
 * RSDP, no DMAR), -EINVAL (bad table). */
int dmar_parse(const struct iommu_hal *hal, uint64_t rsdp, struct dmar_info *out);
/* The BDF the scope's path reaches now (bridges' secondary bus numbers read through config
 * space); false if a hop is absent or not a bridge. */
bool dmar_scope_bdf(const struct iommu_hal *hal, const struct dmar_scope *s, uint16_t *bdf);
/* Whether the scope covers bdf: the function itself, or for a bridge scope what is below. */
bool dmar_scope_covers(const struct iommu_hal *hal, const struct dmar_scope *s, uint16_t bdf);
/* The unit (index) that remaps bdf: a scope that lists it, else the INCLUDE_PCI_ALL unit;
 * -1 if none (DMA from it is not remapped). */
int dmar_unit_for(const struct iommu_hal *hal, const struct dmar_info *d, uint16_t bdf);
/* Whether an RMRR names bdf (a device the firmware keeps using memory for). */
bool dmar_has_rmrr(const struct iommu_hal *hal, const struct dmar_info *d, uint16_t bdf);
/* Whether the ATSR lets bdf below root port `port_bdf` use ATS. */
bool dmar_ats_allowed(const struct iommu_hal *hal, const struct dmar_info *d, uint16_t port_bdf);

#endif
