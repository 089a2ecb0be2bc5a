/* SPDX-License-Identifier: MIT */
/*
 * The machine's firmware, as far as the OS sees it: ACPI tables in firmware-owned memory at
 * the top of low RAM. An RSDP (ACPI 6.x §5.2.5) points at an XSDT (§5.2.8) that lists the DMAR
 * table (VT-d 3.x ch. 8): one DRHD per VT-d unit with its device scopes or INCLUDE_PCI_ALL,
 * the RMRRs, and an ATSR when the units support device TLBs. The host finds the RSDP where
 * firmware hands it over and parses the rest through memory reads.
 */
#include "models/platform/dmar_table.h"
#include "models/platform/platform_internal.h"

#include "models/iommu/vtd_regs.h"
#include "models/pcie/pcie_regs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define RSDP_SIZE 36
#define XSDT_OFF  0x40
#define DMAR_OFF  0x100
#define TABLE_CAP 8192

/* A device scope (§8.3.1): the (device, function) hops from the root bus down to fn. */
static int scope_of(const struct pcie_fn *fn, struct vtd_dmar_scope *s)
{
	const struct pcie_fn *hop[VTD_DMAR_MAX_PATH];
	unsigned n = 0;

	memset(s, 0, sizeof(*s));
	for (const struct pcie_fn *f = fn; f; f = pcie_fn_parent(f)) {
		if (n == VTD_DMAR_MAX_PATH)
			return -EINVAL;
		hop[n++] = f;
	}
	s->start_bus = 0;
	s->npath = (uint8_t)n;
	for (unsigned i = 0; i < n; i++) {
		uint8_t devfn = pcie_fn_devfn(hop[n - 1 - i]);

		s->path[i][0] = PCI_SLOT(devfn);
		s->path[i][1] = PCI_FUNC(devfn);
	}
	s->type = pcie_fn_is_bridge(fn) ? ACPI_DMAR_SCOPE_BRIDGE : ACPI_DMAR_SCOPE_ENDPOINT;
	return 0;
}

static int dmar_desc(const struct platform *p, struct vtd_dmar_desc *d)
{
	const struct platform_cfg *c = &p->cfg;
	int rc;

	memset(d, 0, sizeof(*d));
	d->host_address_width = PLATFORM_HOST_ADDRESS_WIDTH;
	if (c->iommu.unit.ir)
		d->flags |= ACPI_DMAR_INTR_REMAP;
	d->ndrhd = p->nunits;
	if (d->ndrhd > VTD_DMAR_MAX_UNITS || c->firmware.nrmrrs > VTD_DMAR_MAX_RMRRS)
		return -EINVAL;
	for (unsigned i = 0; i < d->ndrhd; i++) {
		const struct platform_unit *pu = &p->units[i];
		struct vtd_dmar_drhd *u = &d->drhd[i];

		u->reg_base = vtd_config(pu->vtd)->reg_base;
		u->include_all = pu->cfg->include_all;
		if (pu->nscope > VTD_DMAR_MAX_SCOPES)
			return -EINVAL;
		for (size_t k = 0; k < pu->nscope; k++) {
			rc = scope_of(pu->scope[k], &u->scope[u->nscope]);
			if (rc)
				return rc;
			u->nscope++;
		}
	}
	for (size_t i = 0; i < c->firmware.nrmrrs; i++) {
		const struct platform_rmrr_cfg *rr = &c->firmware.rmrrs[i];
		struct vtd_dmar_rmrr *r = &d->rmrr[d->nrmrr];
		const struct pcie_fn *fn = pcie_fabric_find(p->fab, rr->device);

		if (!fn)
			return -ENODEV;
		r->base = rr->base;
		r->limit = rr->base + rr->size - 1;
		rc = scope_of(fn, &r->scope[0]);
		if (rc)
			return rc;
		r->nscope = 1;
		d->nrmrr++;
	}
	if (c->iommu.unit.device_tlb) {
		/* §8.5: every root port of segment 0 supports ATS. */
		d->has_atsr = true;
		d->atsr.all_ports = true;
	}
	return 0;
}

int platform_dmar_table(const struct platform *p, uint8_t *buf, size_t cap)
{
	struct vtd_dmar_desc *d = malloc(sizeof(*d));
	int rc;

	if (!d)
		return -ENOMEM;
	rc = dmar_desc(p, d);
	if (!rc)
		rc = vtd_dmar_build(d, buf, cap);
	free(d);
	return rc;
}

int platform__firmware_install(struct platform *p)
{
	const struct mem_cfg *mc = &p->cfg.memory;
	uint64_t low = mc->size < PLATFORM_LOW_RAM_TOP ? mc->size : PLATFORM_LOW_RAM_TOP;
	uint64_t base = low - mc->firmware_size;
	uint8_t *dmar, xsdt[44], r[RSDP_SIZE];
	int len;

	p->rsdp = 0;
	if (!mc->firmware_size)
		return 0;
	dmar = malloc(TABLE_CAP);
	if (!dmar)
		return -ENOMEM;
	len = platform_dmar_table(p, dmar, TABLE_CAP);
	if (len < 0 || DMAR_OFF + (uint64_t)len > mc->firmware_size) {
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
	mem_write(p->mem, base, r, sizeof(r));
	mem_write(p->mem, base + XSDT_OFF, xsdt, sizeof(xsdt));
	mem_write(p->mem, base + DMAR_OFF, dmar, (size_t)len);
	free(dmar);
	p->rsdp = base;
	return 0;
}

uint64_t platform_acpi_rsdp(const struct platform *p)
{
	return p->rsdp;
}
