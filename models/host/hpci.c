/* SPDX-License-Identifier: MIT */
/*
 * Bus numbering (PCI-to-PCI Bridge 1.2 §3.2.5.3): a bridge gets secondary = next bus and a
 * provisional subordinate of 0xff, its bus is scanned, then subordinate is set to the last
 * bus found below. BAR sizing (PCI 3.0 §6.2.5.1) with memory decoding off. Bridge memory
 * windows are 1 MiB aligned (§3.2.5.8).
 */
#include "models/host/hpci.h"
#include "models/host/host.h"
#include "models/pcie/pcie_regs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MB (1ull << 20)

static int add_dev(struct hpci *p, const struct hpci_dev *d)
{
	if (p->n == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 16;
		struct hpci_dev *n = realloc(p->dev, nc * sizeof(*n));

		if (!n)
			return -ENOMEM;
		p->dev = n;
		p->cap = nc;
	}
	p->dev[p->n++] = *d;
	return 0;
}

unsigned hpci_find_cap(struct host *h, uint16_t bdf, uint8_t cap_id)
{
	unsigned off, guard = 0;

	if (!(hh_cfg_read(h, bdf, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return 0;
	off = hh_cfg_read(h, bdf, PCI_CAPABILITY_LIST, 1) & ~3u;
	while (off && guard++ < 48) {
		if (hh_cfg_read(h, bdf, off, 1) == cap_id)
			return off;
		off = hh_cfg_read(h, bdf, off + PCI_CAP_LIST_NEXT, 1) & ~3u;
	}
	return 0;
}

static void size_bars(struct host *h, struct hpci_dev *d, unsigned nbars)
{
	uint16_t cmd = (uint16_t)hh_cfg_read(h, d->bdf, PCI_COMMAND, 2);

	hh_cfg_write(h, d->bdf, PCI_COMMAND, 2, cmd & ~(PCI_COMMAND_MEMORY | PCI_COMMAND_IO));
	for (unsigned b = 0; b < nbars; b++) {
		uint32_t off = PCI_BASE_ADDRESS_0 + 4 * b;
		uint32_t orig = hh_cfg_read(h, d->bdf, off, 4), lo, hi = 0xffffffffu;
		uint64_t mask;

		hh_cfg_write(h, d->bdf, off, 4, 0xffffffffu);
		lo = hh_cfg_read(h, d->bdf, off, 4);
		hh_cfg_write(h, d->bdf, off, 4, orig);
		if (!lo)
			continue; /* unimplemented BAR */
		if (lo & PCI_BASE_ADDRESS_SPACE_IO) {
			d->bar[b].io = true;
			d->bar[b].size = (~(lo & 0xfffffffcu) + 1) & 0xffff;
			continue;
		}
		d->bar[b].prefetch = lo & PCI_BASE_ADDRESS_MEM_PREFETCH;
		if (lo & PCI_BASE_ADDRESS_MEM_TYPE_64) {
			uint32_t orig_hi = hh_cfg_read(h, d->bdf, off + 4, 4);

			hh_cfg_write(h, d->bdf, off + 4, 4, 0xffffffffu);
			hi = hh_cfg_read(h, d->bdf, off + 4, 4);
			hh_cfg_write(h, d->bdf, off + 4, 4, orig_hi);
			d->bar[b].is64 = true;
		}
		mask = ((uint64_t)hi << 32) | (lo & 0xfffffff0u);
		if (!d->bar[b].is64)
			mask |= 0xffffffff00000000ull;
		d->bar[b].size = ~mask + 1;
		if (d->bar[b].is64)
			b++;
	}
	hh_cfg_write(h, d->bdf, PCI_COMMAND, 2, cmd);
}

static int scan_bus(struct host *h, struct hpci *p, uint8_t bus, int parent, const char *ppath,
		    unsigned *next_bus)
{
	for (unsigned dev = 0; dev < 32; dev++) {
		for (unsigned fn = 0; fn < 8; fn++) {
			uint16_t bdf = PCI_RID(bus, PCI_DEVFN(dev, fn));
			uint32_t id = hh_cfg_read(h, bdf, PCI_VENDOR_ID, 4);
			struct hpci_dev d = {0};
			int rc;

			if (id == 0xffffffffu || (id & 0xffff) == 0xffff) {
				if (fn == 0)
					break;
				continue;
			}
			d.bdf = bdf;
			d.vendor = (uint16_t)id;
			d.device = (uint16_t)(id >> 16);
			d.class_rev = hh_cfg_read(h, bdf, PCI_CLASS_REVISION, 4);
			d.header_type = (uint8_t)hh_cfg_read(h, bdf, PCI_HEADER_TYPE, 1);
			d.bridge = (d.header_type & 0x7f) == PCI_HEADER_TYPE_BRIDGE;
			d.parent = parent;
			d.cap_exp = hpci_find_cap(h, bdf, PCI_CAP_ID_EXP);
			d.cap_msix = hpci_find_cap(h, bdf, PCI_CAP_ID_MSIX);
			d.cap_pm = hpci_find_cap(h, bdf, PCI_CAP_ID_PM);
			snprintf(d.path, sizeof(d.path), "%s#PCI(%02X%02X)", ppath, dev, fn);
			size_bars(h, &d, d.bridge ? 2 : 6);
			if (d.bridge) {
				d.secondary = (uint8_t)(*next_bus)++;
				hh_cfg_write(h, bdf, PCI_PRIMARY_BUS, 1, bus);
				hh_cfg_write(h, bdf, PCI_SECONDARY_BUS, 1, d.secondary);
				hh_cfg_write(h, bdf, PCI_SUBORDINATE_BUS, 1, 0xff);
				rc = add_dev(p, &d);
				if (rc)
					return rc;
				int me = (int)p->n - 1;
				rc = scan_bus(h, p, d.secondary, me, d.path, next_bus);
				if (rc)
					return rc;
				p->dev[me].subordinate = (uint8_t)(*next_bus - 1);
				hh_cfg_write(h, bdf, PCI_SUBORDINATE_BUS, 1, p->dev[me].subordinate);
			} else {
				rc = add_dev(p, &d);
				if (rc)
					return rc;
			}
			if (fn == 0 && !(d.header_type & PCI_HEADER_TYPE_MFD))
				break;
		}
	}
	return 0;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* Assign memory BARs of the functions whose parent is `parent`, from *cursor upwards. */
static int assign(struct host *h, struct hpci *p, int parent, uint64_t *cursor, uint64_t limit)
{
	for (size_t i = 0; i < p->n; i++) {
		struct hpci_dev *d = &p->dev[i];

		if (d->parent != parent)
			continue;
		if (d->bridge) {
			uint64_t start = align_up(*cursor, MB), end;
			int rc;

			*cursor = start;
			rc = assign(h, p, (int)i, cursor, limit);
			if (rc)
				return rc;
			end = align_up(*cursor, MB);
			*cursor = end;
			if (end > start) {
				hh_cfg_write(h, d->bdf, PCI_MEMORY_BASE, 2, (uint32_t)(start >> 16) & 0xfff0);
				hh_cfg_write(h, d->bdf, PCI_MEMORY_LIMIT, 2,
					     (uint32_t)((end - 1) >> 16) & 0xfff0);
			} else {
				/* base above limit: the window is closed */
				hh_cfg_write(h, d->bdf, PCI_MEMORY_BASE, 2, 0xfff0);
				hh_cfg_write(h, d->bdf, PCI_MEMORY_LIMIT, 2, 0);
			}
			hh_cfg_write(h, d->bdf, PCI_PREF_MEMORY_BASE, 2, 0xfff0);
			hh_cfg_write(h, d->bdf, PCI_PREF_MEMORY_LIMIT, 2, 0);
			hh_cfg_write(h, d->bdf, PCI_COMMAND, 2,
				     PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
			continue;
		}
		/* Largest BARs first keeps alignment padding small. */
		for (;;) {
			int best = -1;

			for (int b = 0; b < 6; b++)
				if (d->bar[b].size && !d->bar[b].io && !d->bar[b].base &&
				    (best < 0 || d->bar[b].size > d->bar[best].size))
					best = b;
			if (best < 0)
				break;
			uint64_t base = align_up(*cursor, d->bar[best].size);
			uint32_t off = PCI_BASE_ADDRESS_0 + 4u * (unsigned)best;

			if (base + d->bar[best].size > limit) {
				host_log(h, "pci %04x: no space for BAR%d (%llu bytes)", d->bdf, best,
					 (unsigned long long)d->bar[best].size);
				return -ENOSPC;
			}
			d->bar[best].base = base;
			hh_cfg_write(h, d->bdf, off, 4, (uint32_t)base);
			if (d->bar[best].is64)
				hh_cfg_write(h, d->bdf, off + 4, 4, (uint32_t)(base >> 32));
			*cursor = base + d->bar[best].size;
		}
	}
	return 0;
}

int hpci_enumerate(struct host *h, struct hpci *out)
{
	const struct host_machine *m = host_machine(h);
	unsigned next_bus = 1;
	uint64_t cursor = m->mmio32_base;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = scan_bus(h, out, 0, -1, "PCIROOT(0)", &next_bus);
	if (!rc)
		rc = assign(h, out, -1, &cursor, m->mmio32_base + m->mmio32_size);
	out->buses = next_bus;
	if (rc)
		hpci_free(out);
	return rc;
}

void hpci_free(struct hpci *p)
{
	free(p->dev);
	memset(p, 0, sizeof(*p));
}

struct hpci_dev *hpci_find_path(struct hpci *p, const char *path)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->dev[i].path, path))
			return &p->dev[i];
	return NULL;
}

struct hpci_dev *hpci_find_bdf(struct hpci *p, uint16_t bdf)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->dev[i].bdf == bdf)
			return &p->dev[i];
	return NULL;
}
