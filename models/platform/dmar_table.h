/* SPDX-License-Identifier: MIT */
/*
 * The ACPI DMA Remapping Reporting table (DMAR), VT-d 3.x ch. 8: how firmware tells the OS
 * where its remapping units are (DRHD, §8.3) and which devices each covers (device scopes,
 * §8.3.1), which memory devices keep using (RMRR, §8.4) and which root ports support ATS
 * (ATSR, §8.5). This builds the table's bytes, as firmware would, from a description.
 */
#ifndef PTSIM_DMAR_TABLE_H
#define PTSIM_DMAR_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VTD_DMAR_MAX_PATH   8
#define VTD_DMAR_MAX_SCOPES 16
#define VTD_DMAR_MAX_UNITS  8
#define VTD_DMAR_MAX_RMRRS  16

/* A device scope (§8.3.1): a path of (device, function) hops from a bus. */
struct vtd_dmar_scope {
	uint8_t type; /* ACPI_DMAR_SCOPE_* */
	uint8_t enum_id;
	uint8_t start_bus;
	uint8_t npath;
	uint8_t path[VTD_DMAR_MAX_PATH][2];
};

struct vtd_dmar_drhd {
	uint64_t reg_base;
	uint16_t segment;
	bool include_all;
	unsigned nscope;
	struct vtd_dmar_scope scope[VTD_DMAR_MAX_SCOPES];
};

struct vtd_dmar_rmrr {
	uint64_t base, limit; /* limit: last byte, inclusive (§8.4) */
	uint16_t segment;
	unsigned nscope;
	struct vtd_dmar_scope scope[VTD_DMAR_MAX_SCOPES];
};

struct vtd_dmar_atsr {
	uint16_t segment;
	bool all_ports;
	unsigned nscope;
	struct vtd_dmar_scope scope[VTD_DMAR_MAX_SCOPES];
};

struct vtd_dmar_desc {
	uint8_t host_address_width; /* bits (the table stores width - 1) */
	uint8_t flags;		    /* ACPI_DMAR_INTR_REMAP, ... */
	unsigned ndrhd, nrmrr;
	struct vtd_dmar_drhd drhd[VTD_DMAR_MAX_UNITS];
	struct vtd_dmar_rmrr rmrr[VTD_DMAR_MAX_RMRRS];
	bool has_atsr;
	struct vtd_dmar_atsr atsr;
};

/* Lay the table out in buf (cap bytes): header, DRHDs (INCLUDE_PCI_ALL last, §8.3), RMRRs,
 * ATSR, checksum. Returns its length, or -ENOSPC / -EINVAL. */
int vtd_dmar_build(const struct vtd_dmar_desc *d, uint8_t *buf, size_t cap);

/* The ACPI checksum byte that makes `len` bytes sum to zero. */
uint8_t vtd_acpi_checksum(const uint8_t *p, size_t len);
/* A 36-byte ACPI table header (ACPI 6.x §5.2.6) at p for a table of `len` bytes. */
void vtd_acpi_header(uint8_t *p, const char sig[4], uint32_t len, uint8_t rev);

#endif
