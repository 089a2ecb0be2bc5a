/* SPDX-License-Identifier: MIT */
/* ACPI tables for the simulated machine: RSDP -> XSDT -> DMAR (see firmware.h). */
#include "app/firmware.h"
#include "app/scenario.h"

#include "models/iommu/dmar_table.h"
#include "models/iommu/vtd_regs.h"
#include "models/mem/mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define RSDP_SIZE 36
#define XSDT_OFF  0x40
#define DMAR_OFF  0x100
#define TABLE_CAP 8192

unsigned firmware_nunits(const struct scenario *sc)
{
	if (!sc->machine.iommu.enabled)
		return 0;
	return sc->machine.iommu.nunits ? (unsigned)sc->machine.iommu.nunits : 1;
}

uint64_t firmware_unit_base(unsigned i)
{
	return PTSIM_PHYS_DMAR + (uint64_t)i * 0x1000;
}

const char *firmware_unit_name(const struct scenario *sc, unsigned i)
{
	return sc->machine.iommu.nunits ? sc->machine.iommu.units[i].name : "dmar0";
}

/* The (device, function) hops from the root bus down to `name`. */
static bool path_to(const struct sc_node *n, size_t count, const char *name,
		    struct vtd_dmar_scope *s, unsigned depth)
{
	for (size_t i = 0; i < count; i++) {
		if (depth >= VTD_DMAR_MAX_PATH)
			return false;
		s->path[depth][0] = (uint8_t)n[i].slot;
		s->path[depth][1] = (uint8_t)n[i].function;
		if (n[i].name && !strcmp(n[i].name, name)) {
			s->npath = (uint8_t)(depth + 1);
			s->type = n[i].type == SC_ROOT_PORT || n[i].type == SC_SWITCH ||
					  n[i].type == SC_DOWNSTREAM_PORT || n[i].type == SC_PCI_BRIDGE
				      ? ACPI_DMAR_SCOPE_BRIDGE
				      : ACPI_DMAR_SCOPE_ENDPOINT;
			return true;
		}
		/* below a port or bridge; a switch's downstream ports sit below its upstream port */
		if (path_to(n[i].below, n[i].nbelow, name, s, depth + 1) ||
		    path_to(n[i].ports, n[i].nports, name, s, depth + 1))
			return true;
	}
	return false;
}

static int scope_of(const struct scenario *sc, const char *name, struct vtd_dmar_scope *s)
{
	memset(s, 0, sizeof(*s));
	s->start_bus = 0;
	return path_to(sc->machine.pcie.devices, sc->machine.pcie.ndevices, name, s, 0) ? 0
											: -EINVAL;
}

int firmware_dmar_desc(const struct scenario *sc, struct vtd_dmar_desc *d)
{
	const struct sc_iommu *io = &sc->machine.iommu;
	const struct sc_firmware *fw = &sc->machine.firmware;
	int rc;

	memset(d, 0, sizeof(*d));
	d->host_address_width = PTSIM_HOST_ADDRESS_WIDTH;
	if (io->interrupt_remapping)
		d->flags |= ACPI_DMAR_INTR_REMAP;
	d->ndrhd = firmware_nunits(sc);
	if (d->ndrhd > VTD_DMAR_MAX_UNITS || fw->nrmrrs > VTD_DMAR_MAX_RMRRS)
		return -EINVAL;
	for (unsigned i = 0; i < d->ndrhd; i++) {
		struct vtd_dmar_drhd *u = &d->drhd[i];

		u->reg_base = firmware_unit_base(i);
		if (!io->nunits) {
			u->include_all = true;
			continue;
		}
		u->include_all = io->units[i].include_all;
		if (io->units[i].nscope > VTD_DMAR_MAX_SCOPES)
			return -EINVAL;
		for (size_t k = 0; k < io->units[i].nscope; k++) {
			rc = scope_of(sc, io->units[i].scope[k], &u->scope[u->nscope]);
			if (rc)
				return rc;
			u->nscope++;
		}
	}
	for (size_t i = 0; i < fw->nrmrrs; i++) {
		struct vtd_dmar_rmrr *r = &d->rmrr[d->nrmrr];

		r->base = fw->rmrrs[i].base;
		r->limit = fw->rmrrs[i].base + fw->rmrrs[i].size_kib * 1024 - 1;
		rc = scope_of(sc, fw->rmrrs[i].device, &r->scope[0]);
		if (rc)
			return rc;
		r->nscope = 1;
		d->nrmrr++;
	}
	if (io->device_tlb) {
		/* §8.5: every root port of segment 0 supports ATS. */
		d->has_atsr = true;
		d->atsr.all_ports = true;
	}
	return 0;
}

int firmware_dmar_table(const struct scenario *sc, uint8_t *buf, size_t cap)
{
	struct vtd_dmar_desc *d = malloc(sizeof(*d));
	int rc;

	if (!d)
		return -ENOMEM;
	rc = firmware_dmar_desc(sc, d);
	if (!rc)
		rc = vtd_dmar_build(d, buf, cap);
	free(d);
	return rc;
}

int firmware_install(const struct scenario *sc, struct mem *mem, uint64_t *rsdp)
{
	uint64_t ram = sc->machine.memory.size_mib << 20;
	uint64_t low = ram < PTSIM_LOW_RAM_TOP ? ram : PTSIM_LOW_RAM_TOP;
	uint64_t base = low - (sc->machine.memory.firmware_mib << 20);
	uint8_t *dmar, xsdt[44], r[RSDP_SIZE];
	int len;

	*rsdp = 0;
	if (!sc->machine.memory.firmware_mib)
		return 0;
	dmar = malloc(TABLE_CAP);
	if (!dmar)
		return -ENOMEM;
	len = firmware_dmar_table(sc, dmar, TABLE_CAP);
	if (len < 0 || DMAR_OFF + (uint64_t)len > (sc->machine.memory.firmware_mib << 20)) {
		free(dmar);
		return len < 0 ? len : -ENOSPC;
	}
	/* XSDT (ACPI 6.x §5.2.8): the header, then one 64-bit pointer per table. */
	vtd_acpi_header(xsdt, "XSDT", sizeof(xsdt), 1);
	for (unsigned i = 0; i < 8; i++)
		xsdt[36 + i] = (uint8_t)((base + DMAR_OFF) >> (8 * i));
	xsdt[9] = vtd_acpi_checksum(xsdt, sizeof(xsdt));
	/* RSDP (§5.2.5.3), revision 2: checksum over 20 bytes, extended over all 36. */
	memset(r, 0, sizeof(r));
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "PTSIM ", 6);
	r[15] = 2;
	r[20] = RSDP_SIZE;
	for (unsigned i = 0; i < 8; i++)
		r[24 + i] = (uint8_t)((base + XSDT_OFF) >> (8 * i));
	r[8] = vtd_acpi_checksum(r, 20);
	r[32] = vtd_acpi_checksum(r, RSDP_SIZE);
	mem_write(mem, base, r, sizeof(r));
	mem_write(mem, base + XSDT_OFF, xsdt, sizeof(xsdt));
	mem_write(mem, base + DMAR_OFF, dmar, (size_t)len);
	free(dmar);
	*rsdp = base;
	return 0;
}
