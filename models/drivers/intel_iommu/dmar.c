/* SPDX-License-Identifier: MIT */
/* Parsing the ACPI DMAR table (VT-d 3.x ch. 8) through the HAL; see dmar.h. */
#include "models/drivers/intel_iommu/dmar.h"
#include "models/drivers/intel_iommu/iommu_hal.h"
#include "models/iommu/vtd_regs.h"
#include "models/pcie/pcie_regs.h"

#include <errno.h>
#include <string.h>

#define MAX_TABLE (64u * 1024)

static void read_bytes(const struct iommu_hal *hal, uint64_t pa, uint8_t *buf, unsigned len)
{
	for (unsigned i = 0; i < len; i += 4) {
		uint32_t w = hal->ops->mem_read32(hal->ctx, pa + i);

		for (unsigned k = 0; k < 4 && i + k < len; k++)
			buf[i + k] = (uint8_t)(w >> (8 * k));
	}
}

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static bool sum_ok(const uint8_t *p, unsigned len)
{
	uint8_t s = 0;

	for (unsigned i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	return s == 0;
}

/* A table's length from its header, bounded. */
static unsigned table_len(const struct iommu_hal *hal, uint64_t pa)
{
	uint32_t len = hal->ops->mem_read32(hal->ctx, pa + 4);

	return len < 36 || len > MAX_TABLE ? 0 : len;
}

static int parse_scopes(const uint8_t *p, unsigned len, struct dmar_scope *out, unsigned *n)
{
	unsigned off = 0;

	*n = 0;
	while (off + 6 <= len) {
		unsigned sl = p[off + 1];
		struct dmar_scope *s;

		if (sl < 6 || off + sl > len || (sl - 6) % 2)
			return -EINVAL;
		if (*n == DMAR_MAX_SCOPES || (sl - 6) / 2 > DMAR_MAX_PATH)
			return -EINVAL;
		s = &out[(*n)++];
		s->type = p[off];
		s->bus = p[off + 5];
		s->npath = (uint8_t)((sl - 6) / 2);
		for (unsigned i = 0; i < s->npath; i++) {
			s->path[i][0] = p[off + 6 + 2 * i];
			s->path[i][1] = p[off + 7 + 2 * i];
		}
		off += sl;
	}
	return off == len ? 0 : -EINVAL;
}

static int parse_table(const uint8_t *t, unsigned len, struct dmar_info *d)
{
	unsigned off = ACPI_DMAR_HDR_SIZE;

	d->haw = t[36] + 1u;
	d->flags = t[37];
	while (off + 4 <= len) {
		unsigned type = (unsigned)le(t + off, 2), sl = (unsigned)le(t + off + 2, 2);
		const uint8_t *s = t + off;
		int rc = 0;

		if (sl < 4 || off + sl > len)
			return -EINVAL;
		switch (type) {
		case ACPI_DMAR_TYPE_DRHD: {
			struct dmar_unit *u;

			if (sl < 16 || d->nunits == DMAR_MAX_UNITS)
				return -EINVAL;
			u = &d->unit[d->nunits++];
			u->include_all = s[4] & ACPI_DRHD_INCLUDE_PCI_ALL;
			u->segment = (uint16_t)le(s + 6, 2);
			u->reg_base = le(s + 8, 8);
			rc = parse_scopes(s + 16, sl - 16, u->scope, &u->nscope);
			break;
		}
		case ACPI_DMAR_TYPE_RMRR: {
			struct dmar_rmrr *r;

			if (sl < 24 || d->nrmrr == DMAR_MAX_RMRRS)
				return -EINVAL;
			r = &d->rmrr[d->nrmrr++];
			r->base = le(s + 8, 8);
			r->end = le(s + 16, 8);
			rc = parse_scopes(s + 24, sl - 24, r->scope, &r->nscope);
			break;
		}
		case ACPI_DMAR_TYPE_ATSR:
			if (sl < 8)
				return -EINVAL;
			d->have_atsr = true;
			d->atsr_all_ports = s[4] & ACPI_ATSR_ALL_PORTS;
			rc = parse_scopes(s + 8, sl - 8, d->atsr, &d->natsr);
			break;
		default:
			break; /* RHSA, ANDD, SATC: not used here */
		}
		if (rc)
			return rc;
		off += sl;
	}
	return 0;
}

int dmar_parse(const struct iommu_hal *hal, uint64_t rsdp, struct dmar_info *out)
{
	uint64_t xsdt;
	uint8_t r[36], t[MAX_TABLE];
	unsigned xlen;

	memset(out, 0, sizeof(*out));
	if (!rsdp)
		return -ENODEV;
	read_bytes(hal, rsdp, r, sizeof(r));
	if (memcmp(r, "RSD PTR ", 8) || !sum_ok(r, 20) || r[15] < 2 || !sum_ok(r, 36))
		return -EINVAL;
	xsdt = le(r + 24, 8);
	xlen = table_len(hal, xsdt);
	if (!xlen)
		return -EINVAL;
	read_bytes(hal, xsdt, t, xlen);
	if (memcmp(t, "XSDT", 4) || !sum_ok(t, xlen))
		return -EINVAL;
	for (unsigned i = 36; i + 8 <= xlen; i += 8) {
		uint64_t pa = le(t + i, 8);
		uint8_t tab[MAX_TABLE];
		unsigned len = table_len(hal, pa);

		if (!len || hal->ops->mem_read32(hal->ctx, pa) != 0x52414d44u) /* "DMAR" */
			continue;
		read_bytes(hal, pa, tab, len);
		if (len < ACPI_DMAR_HDR_SIZE || !sum_ok(tab, len))
			return -EINVAL;
		return parse_table(tab, len, out);
	}
	return -ENODEV;
}

bool dmar_scope_bdf(const struct iommu_hal *hal, const struct dmar_scope *s, uint16_t *bdf)
{
	uint8_t bus = s->bus;

	if (!s->npath)
		return false;
	for (unsigned i = 0; i < s->npath; i++) {
		uint16_t b = PCI_RID(bus, PCI_DEVFN(s->path[i][0], s->path[i][1]));

		if (hal->ops->cfg_read(hal->ctx, b, PCI_VENDOR_ID, 2) == 0xffff)
			return false;
		if (i + 1 == s->npath) {
			*bdf = b;
			return true;
		}
		if ((hal->ops->cfg_read(hal->ctx, b, PCI_HEADER_TYPE, 1) & 0x7f) != 1)
			return false;
		bus = (uint8_t)hal->ops->cfg_read(hal->ctx, b, PCI_SECONDARY_BUS, 1);
		if (!bus)
			return false;
	}
	return false;
}

bool dmar_scope_covers(const struct iommu_hal *hal, const struct dmar_scope *s, uint16_t bdf)
{
	uint16_t me;

	if (!dmar_scope_bdf(hal, s, &me))
		return false;
	if (me == bdf)
		return true;
	if (s->type == ACPI_DMAR_SCOPE_BRIDGE) {
		uint8_t sec = (uint8_t)hal->ops->cfg_read(hal->ctx, me, PCI_SECONDARY_BUS, 1);
		uint8_t sub = (uint8_t)hal->ops->cfg_read(hal->ctx, me, PCI_SUBORDINATE_BUS, 1);
		uint8_t bus = (uint8_t)PCI_BUS_NUM(bdf);

		return sec && bus >= sec && bus <= sub;
	}
	return false;
}

int dmar_unit_for(const struct iommu_hal *hal, const struct dmar_info *d, uint16_t bdf)
{
	int all = -1;

	for (unsigned u = 0; u < d->nunits; u++) {
		if (d->unit[u].include_all) {
			all = (int)u;
			continue;
		}
		for (unsigned i = 0; i < d->unit[u].nscope; i++)
			if (dmar_scope_covers(hal, &d->unit[u].scope[i], bdf))
				return (int)u;
	}
	return all;
}

bool dmar_has_rmrr(const struct iommu_hal *hal, const struct dmar_info *d, uint16_t bdf)
{
	for (unsigned r = 0; r < d->nrmrr; r++)
		for (unsigned i = 0; i < d->rmrr[r].nscope; i++)
			if (dmar_scope_covers(hal, &d->rmrr[r].scope[i], bdf))
				return true;
	return false;
}

bool dmar_ats_allowed(const struct iommu_hal *hal, const struct dmar_info *d, uint16_t port_bdf)
{
	if (!d->have_atsr)
		return false;
	if (d->atsr_all_ports)
		return true;
	for (unsigned i = 0; i < d->natsr; i++) {
		uint16_t b;

		if (dmar_scope_bdf(hal, &d->atsr[i], &b) && b == port_bdf)
			return true;
	}
	return false;
}
