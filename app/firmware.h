/* SPDX-License-Identifier: MIT */
/*
 * The machine's firmware, as far as the OS sees it: ACPI tables in firmware-owned memory at
 * the top of low RAM. An RSDP (ACPI 6.x §5.2.5) points at an XSDT (§5.2.8) that lists the
 * DMAR table (VT-d 3.x ch. 8) built from the scenario: one DRHD per VT-d unit with its device
 * scopes or INCLUDE_PCI_ALL, the RMRRs of machine.firmware.rmrrs, and an ATSR when the units
 * support device TLBs. The host finds the RSDP where firmware hands it over (the boot
 * parameters' acpi_rsdp_addr) and parses the rest through memory reads.
 */
#ifndef PTSIM_FIRMWARE_H
#define PTSIM_FIRMWARE_H

#include <stddef.h>
#include <stdint.h>

struct scenario;
struct mem;
struct vtd_dmar_desc;

/* VT-d register sets: unit i at PTSIM_PHYS_DMAR + i * 4 KiB (a Xeon-like place). */
#define PTSIM_PHYS_DMAR 0xfed90000ull
/* The platform's host address width (DMAR.HAW): 46 bits, as on Xeon Scalable. */
#define PTSIM_HOST_ADDRESS_WIDTH 46

/* Units the scenario has (one, include_all, when machine.iommu.units is empty). */
unsigned firmware_nunits(const struct scenario *sc);
uint64_t firmware_unit_base(unsigned i);
/* Unit i's name and whether it is INCLUDE_PCI_ALL; its scope names (NULL-terminated count). */
const char *firmware_unit_name(const struct scenario *sc, unsigned i);

/* The DMAR description of the scenario; 0 or -EINVAL (a path too deep, too many scopes). */
int firmware_dmar_desc(const struct scenario *sc, struct vtd_dmar_desc *d);
/* The DMAR table's bytes; its length or a negative errno. */
int firmware_dmar_table(const struct scenario *sc, uint8_t *buf, size_t cap);
/* Write RSDP, XSDT and DMAR into the firmware region of mem; *rsdp gets the RSDP address. */
int firmware_install(const struct scenario *sc, struct mem *mem, uint64_t *rsdp);

#endif
