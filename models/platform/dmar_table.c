/* SPDX-License-Identifier: MIT */
/* ACPI DMAR table layout, VT-d 3.x ch. 8 (little-endian, byte-packed: written by hand). */
#include "models/platform/dmar_table.h"
#include "models/iommu/vtd_regs.h"

#include <errno.h>
#include <string.h>

struct out {
	uint8_t *p;
	size_t len, cap;
	bool overflow;
};

/* Little-endian; bytes past the value's eight are zero (reserved fields wider than 64 bits). */
static void put(struct out *o, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++) {
		if (o->len < o->cap)
			o->p[o->len] = i < 8 ? (uint8_t)(v >> (8 * i)) : 0;
		else
			o->overflow = true;
		o->len++;
	}
}

static void put_at(struct out *o, size_t at, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		if (at + i < o->cap)
			o->p[at + i] = (uint8_t)(v >> (8 * i));
}

uint8_t vtd_acpi_checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return (uint8_t)(0x100 - sum);
}

void vtd_acpi_header(uint8_t *p, const char sig[4], uint32_t len, uint8_t rev)
{
	memcpy(p, sig, 4);
	for (unsigned i = 0; i < 4; i++)
		p[4 + i] = (uint8_t)(len >> (8 * i));
	p[8] = rev;
	p[9] = 0;		       /* checksum, filled last */
	memcpy(p + 10, "PTSIM ", 6);   /* OEM ID */
	memcpy(p + 16, "PTSIMVTD", 8); /* OEM table ID */
	memset(p + 24, 0, 4);	       /* OEM revision */
	p[24] = 1;
	memcpy(p + 28, "PTSM", 4); /* creator ID */
	memset(p + 32, 0, 4);	   /* creator revision */
	p[32] = 1;
}

/* §8.3.1: type, length (6 + 2 per hop), reserved, enumeration ID, start bus, path. */
static void put_scope(struct out *o, const struct vtd_dmar_scope *s)
{
	put(o, s->type, 1);
	put(o, 6u + 2u * s->npath, 1);
	put(o, 0, 2);
	put(o, s->enum_id, 1);
	put(o, s->start_bus, 1);
	for (unsigned i = 0; i < s->npath; i++) {
		put(o, s->path[i][0], 1);
		put(o, s->path[i][1], 1);
	}
}

static void put_drhd(struct out *o, const struct vtd_dmar_drhd *d)
{
	size_t start = o->len;

	put(o, ACPI_DMAR_TYPE_DRHD, 2);
	put(o, 0, 2); /* length, below */
	put(o, d->include_all ? ACPI_DRHD_INCLUDE_PCI_ALL : 0, 1);
	put(o, 0, 1); /* size: 2^0 register pages (§8.3) */
	put(o, d->segment, 2);
	put(o, d->reg_base, 8);
	for (unsigned i = 0; i < d->nscope; i++)
		put_scope(o, &d->scope[i]);
	put_at(o, start + 2, o->len - start, 2);
}

int vtd_dmar_build(const struct vtd_dmar_desc *d, uint8_t *buf, size_t cap)
{
	struct out o = {buf, 0, cap, false};

	if (d->ndrhd > VTD_DMAR_MAX_UNITS || d->nrmrr > VTD_DMAR_MAX_RMRRS ||
	    !d->host_address_width)
		return -EINVAL;
	if (cap < ACPI_DMAR_HDR_SIZE)
		return -ENOSPC;
	memset(buf, 0, ACPI_DMAR_HDR_SIZE);
	o.len = 36;
	put(&o, d->host_address_width - 1u, 1);
	put(&o, d->flags, 1);
	put(&o, 0, 10);
	/* §8.3: a segment's INCLUDE_PCI_ALL unit comes after the units with explicit scopes. */
	for (unsigned pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < d->ndrhd; i++)
			if (d->drhd[i].include_all == (pass == 1))
				put_drhd(&o, &d->drhd[i]);
	for (unsigned i = 0; i < d->nrmrr; i++) {
		const struct vtd_dmar_rmrr *r = &d->rmrr[i];
		size_t start = o.len;

		put(&o, ACPI_DMAR_TYPE_RMRR, 2);
		put(&o, 0, 2);
		put(&o, 0, 2);
		put(&o, r->segment, 2);
		put(&o, r->base, 8);
		put(&o, r->limit, 8);
		for (unsigned k = 0; k < r->nscope; k++)
			put_scope(&o, &r->scope[k]);
		put_at(&o, start + 2, o.len - start, 2);
	}
	if (d->has_atsr) {
		size_t start = o.len;

		put(&o, ACPI_DMAR_TYPE_ATSR, 2);
		put(&o, 0, 2);
		put(&o, d->atsr.all_ports ? ACPI_ATSR_ALL_PORTS : 0, 1);
		put(&o, 0, 1);
		put(&o, d->atsr.segment, 2);
		for (unsigned k = 0; k < d->atsr.nscope; k++)
			put_scope(&o, &d->atsr.scope[k]);
		put_at(&o, start + 2, o.len - start, 2);
	}
	if (o.overflow)
		return -ENOSPC;
	vtd_acpi_header(buf, ACPI_DMAR_SIG, (uint32_t)o.len, 1);
	buf[9] = vtd_acpi_checksum(buf, o.len);
	return (int)o.len;
}
