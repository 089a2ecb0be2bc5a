/* SPDX-License-Identifier: MIT */
/*
 * Guest PCI: the bus is scanned through config space (ECAM, or ports 0xCF8/0xCFC), each
 * function's BARs are read and sized the way Linux's __pci_read_base does (decoding off, write
 * all-ones, read back, restore), capabilities found, and drivers bound by ID. Every config
 * access traps to the hypervisor. On bare metal the kernel also adds the VFs a PF has enabled
 * (Linux's pci_iov_add_virtfn) and knows each function's INTx routing (acpi_pci_irq_lookup).
 */
#include "models/guest/kernel/gk_internal.h"
#include "models/pcie/pcie_regs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

uint32_t gk__cfg_read(struct gk *g, uint16_t bdf, uint32_t off, unsigned size)
{
	g->st.cfg_reads++;
	if (g->cfg.pci_config == GK_PCI_CONFIG_IO) {
		isa_out(0xcf8, 4, 0x80000000u | ((uint32_t)bdf << 8) | (off & 0xfc));
		return isa_in((uint16_t)(0xcfc + (off & 3)), size);
	}
	return (uint32_t)isa_mmio_read(g->bp.ecam_base + ((uint64_t)bdf << 12) + off, size);
}

void gk__cfg_write(struct gk *g, uint16_t bdf, uint32_t off, unsigned size, uint32_t val)
{
	g->st.cfg_writes++;
	if (g->cfg.pci_config == GK_PCI_CONFIG_IO) {
		isa_out(0xcf8, 4, 0x80000000u | ((uint32_t)bdf << 8) | (off & 0xfc));
		isa_out((uint16_t)(0xcfc + (off & 3)), size, val);
		return;
	}
	isa_mmio_write(g->bp.ecam_base + ((uint64_t)bdf << 12) + off, size, val);
}

static unsigned find_cap(struct gk *g, uint16_t devfn, uint8_t id)
{
	unsigned off, guard = 0;

	if (!(gk__cfg_read(g, devfn, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return 0;
	off = gk__cfg_read(g, devfn, PCI_CAPABILITY_LIST, 1) & ~3u;
	while (off && guard++ < 48) {
		if (gk__cfg_read(g, devfn, off, 1) == id)
			return off;
		off = gk__cfg_read(g, devfn, off + PCI_CAP_LIST_NEXT, 1) & ~3u;
	}
	return 0;
}

/* The memory BAR at off, sized as Linux's __pci_read_base does (write all-ones, read back,
 * restore; its caller has turned decoding off) into *r. Returns the registers it takes: 2 for
 * a 64-bit BAR, else 1 (an I/O BAR or none leaves *r empty). */
static int read_bar(struct gk *g, uint16_t bdf, uint32_t off, struct resource *r)
{
	uint32_t lo = gk__cfg_read(g, bdf, off, 4), sz, hi = 0, szhi = 0xffffffffu;
	uint64_t base, mask;

	gk__cfg_write(g, bdf, off, 4, 0xffffffffu);
	sz = gk__cfg_read(g, bdf, off, 4);
	gk__cfg_write(g, bdf, off, 4, lo);
	if (!sz || (lo & PCI_BASE_ADDRESS_SPACE_IO))
		return 1;
	if (lo & PCI_BASE_ADDRESS_MEM_TYPE_64) {
		hi = gk__cfg_read(g, bdf, off + 4, 4);
		gk__cfg_write(g, bdf, off + 4, 4, 0xffffffffu);
		szhi = gk__cfg_read(g, bdf, off + 4, 4);
		gk__cfg_write(g, bdf, off + 4, 4, hi);
	}
	base = ((uint64_t)hi << 32) | (lo & 0xfffffff0u);
	mask = ((uint64_t)szhi << 32) | (sz & 0xfffffff0u);
	r->start = base;
	r->end = base + (~mask + 1) - 1;
	r->flags = IORESOURCE_MEM | ((lo & PCI_BASE_ADDRESS_MEM_TYPE_64) ? IORESOURCE_MEM_64 : 0);
	return (lo & PCI_BASE_ADDRESS_MEM_TYPE_64) ? 2 : 1;
}

static void read_bases(struct gk *g, struct gk_dev *d)
{
	uint16_t bdf = d->bdf;
	uint16_t cmd = (uint16_t)gk__cfg_read(g, bdf, PCI_COMMAND, 2);

	gk__cfg_write(g, bdf, PCI_COMMAND, 2, cmd & ~(PCI_COMMAND_MEMORY | PCI_COMMAND_IO));
	for (int b = 0; b < 6;)
		b += read_bar(g, bdf, PCI_BASE_ADDRESS_0 + 4u * (unsigned)b, &d->pdev.resource[b]);
	gk__cfg_write(g, bdf, PCI_COMMAND, 2, cmd);
}

static unsigned find_ext_cap(struct gk *g, uint16_t bdf, uint16_t id)
{
	unsigned off = PCI_EXT_CAP_START, guard = 0;

	while (off >= PCI_EXT_CAP_START && guard++ < 64) {
		uint32_t h = gk__cfg_read(g, bdf, off, 4);

		if (!h || h == 0xffffffffu)
			return 0;
		if (PCI_EXT_CAP_ID(h) == id)
			return off;
		off = PCI_EXT_CAP_NEXT(h);
	}
	return 0;
}

/* A function the scan found, at bdf, named as Linux names it. */
static struct gk_dev *add_dev(struct gk *g, uint16_t bdf, uint16_t vendor, uint16_t device,
			      uint32_t class_rev)
{
	struct gk_dev *d;

	if (g->ndevs == GK_MAX_DEVS)
		return NULL;
	d = &g->devs[g->ndevs++];
	memset(d, 0, sizeof(*d));
	d->g = g;
	d->bdf = bdf;
	d->pdev.vendor = vendor;
	d->pdev.device = device;
	d->pdev.devfn = (uint8_t)bdf;
	d->pdev.class = class_rev >> 8;
	d->pdev.revision = (uint8_t)class_rev;
	snprintf(d->name, sizeof(d->name), "0000:%02x:%02x.%u", bdf >> 8, PCI_SLOT(bdf & 0xff),
		 PCI_FUNC(bdf & 0xff));
	d->pdev.dev.name = d->name;
	d->pdev.dev.hal = d;
	return d;
}

static void read_caps(struct gk *g, struct gk_dev *d)
{
	d->pdev.msix_cap = (uint8_t)find_cap(g, d->bdf, PCI_CAP_ID_MSIX);
	d->pdev.pcie_cap = (uint8_t)find_cap(g, d->bdf, PCI_CAP_ID_EXP);
}

/* The VFs a PF has enabled (VF Enable and NumVFs in its SR-IOV capability, which sriov_numvfs
 * wrote), each added as Linux's pci_iov_add_virtfn does: routing ID First VF Offset and VF
 * Stride away from the PF's (SR-IOV 1.1 §3.3.10-11), the PF's Vendor ID and the VF Device ID
 * (a VF's own read FFFFh, §3.4.1.1-2), and its BARs carved from the PF's VF BARs, each VF one
 * VF BAR's size after the last (§3.3.14; sized as sriov_init does, with VF MSE off). */
static int add_virtfns(struct gk *g, const struct gk_dev *pf, unsigned sriov)
{
	uint16_t ctrl = (uint16_t)gk__cfg_read(g, pf->bdf, sriov + PCI_SRIOV_CTRL, 2);
	unsigned num = gk__cfg_read(g, pf->bdf, sriov + PCI_SRIOV_NUM_VF, 2);
	unsigned offset = gk__cfg_read(g, pf->bdf, sriov + PCI_SRIOV_VF_OFFSET, 2);
	unsigned stride = gk__cfg_read(g, pf->bdf, sriov + PCI_SRIOV_VF_STRIDE, 2);
	uint16_t vf_device = (uint16_t)gk__cfg_read(g, pf->bdf, sriov + PCI_SRIOV_VF_DID, 2);
	struct resource bar[PCI_SRIOV_NUM_BARS];

	if (!(ctrl & PCI_SRIOV_CTRL_VFE) || !num)
		return 0;
	memset(bar, 0, sizeof(bar));
	gk__cfg_write(g, pf->bdf, sriov + PCI_SRIOV_CTRL, 2, ctrl & ~PCI_SRIOV_CTRL_MSE);
	for (int b = 0; b < PCI_SRIOV_NUM_BARS;)
		b += read_bar(g, pf->bdf, sriov + PCI_SRIOV_BAR + 4u * (unsigned)b, &bar[b]);
	gk__cfg_write(g, pf->bdf, sriov + PCI_SRIOV_CTRL, 2, ctrl);
	for (unsigned n = 0; n < num; n++) {
		uint16_t bdf = (uint16_t)(pf->bdf + offset + n * stride);
		struct gk_dev *d = add_dev(g, bdf, pf->pdev.vendor, vf_device,
					   gk__cfg_read(g, bdf, PCI_CLASS_REVISION, 4));
		uint32_t ss;

		if (!d)
			return -ENOSPC;
		ss = gk__cfg_read(g, bdf, PCI_SUBSYSTEM_VENDOR_ID, 4);
		d->pdev.subsystem_vendor = (uint16_t)ss;
		d->pdev.subsystem_device = (uint16_t)(ss >> 16);
		d->pdev.is_virtfn = 1;
		for (int b = 0; b < PCI_SRIOV_NUM_BARS; b++) {
			struct resource *r = &d->pdev.resource[b];

			uint64_t size = bar[b].end - bar[b].start + 1;

			if (!bar[b].flags)
				continue;
			r->start = bar[b].start + n * size;
			r->end = r->start + size - 1;
			r->flags = bar[b].flags;
		}
		read_caps(g, d);
	}
	return 0;
}

/* One bus, and the buses behind its bridges (a VM's bus has none; bare metal, the machine's
 * ports and switches, whose secondary bus numbers the host's enumeration wrote). A function's
 * INTx pin reaches the root bus swizzled by the device number of each hop below it (PCI-to-PCI
 * Bridge 1.2 §9.1), and firmware's _PRT routes it from there by the root-bus device's slot:
 * root_slot and swz carry both down (for the root bus itself, root_slot is unused). */
static int scan_bus(struct gk *g, unsigned bus, unsigned depth, unsigned root_slot, unsigned swz)
{
	for (unsigned slot = 0; slot < 32; slot++) {
		for (unsigned fn = 0; fn < 8; fn++) {
			uint16_t bdf = (uint16_t)(bus << 8 | PCI_DEVFN(slot, fn));
			uint32_t id = gk__cfg_read(g, bdf, PCI_VENDOR_ID, 4), cr;
			struct gk_dev *d;
			uint8_t hdr;

			if ((id & 0xffff) == 0xffff) {
				if (fn == 0)
					break;
				continue;
			}
			/* read in Linux's order: class, then header type */
			cr = gk__cfg_read(g, bdf, PCI_CLASS_REVISION, 4);
			hdr = (uint8_t)gk__cfg_read(g, bdf, PCI_HEADER_TYPE, 1);
			if ((hdr & 0x7f) == PCI_HEADER_TYPE_BRIDGE) {
				unsigned sec = gk__cfg_read(g, bdf, PCI_SECONDARY_BUS, 1);

				if (sec > bus && depth < 32 &&
				    scan_bus(g, sec, depth + 1, depth ? root_slot : slot,
					     depth ? swz + slot : 0))
					return -ENOSPC;
				if (fn == 0 && !(hdr & PCI_HEADER_TYPE_MFD))
					break;
				continue;
			}
			d = add_dev(g, bdf, (uint16_t)id, (uint16_t)(id >> 16), cr);
			if (!d)
				return -ENOSPC;
			d->intx_root_slot = (uint8_t)(depth ? root_slot : slot);
			d->intx_swizzle = (uint8_t)((depth ? swz + slot : 0) % 4);
			if ((hdr & 0x7f) == PCI_HEADER_TYPE_NORMAL) {
				uint32_t ss = gk__cfg_read(g, bdf, PCI_SUBSYSTEM_VENDOR_ID, 4);

				d->pdev.subsystem_vendor = (uint16_t)ss;
				d->pdev.subsystem_device = (uint16_t)(ss >> 16);
				read_bases(g, d);
			}
			read_caps(g, d);
			/* Only the kernel that owns the machine looks for SR-IOV: a VM's functions
			 * have none to show (VFIO hides the capability), and the search would cost
			 * it config exits for nothing. Extended config space needs ECAM. */
			if (g->iommu.shared && g->cfg.pci_config == GK_PCI_CONFIG_ECAM) {
				unsigned sriov = find_ext_cap(g, bdf, PCI_EXT_CAP_ID_SRIOV);
				int rc = sriov ? add_virtfns(g, d, sriov) : 0;

				if (rc)
					return rc;
			}
			if (fn == 0 && !(hdr & PCI_HEADER_TYPE_MFD))
				break;
		}
	}
	return 0;
}

int gk__pci_scan(struct gk *g)
{
	return scan_bus(g, 0, 0, 0, 0);
}

void gk__pci_bind(struct gk *g)
{
	for (unsigned i = 0; i < g->ndevs; i++) {
		struct gk_dev *d = &g->devs[i];

		for (unsigned k = 0; k < g->ndrivers && !d->drv; k++) {
			struct pci_driver *drv = g->drivers[k];

			for (const struct pci_device_id *id = drv->id_table; id->vendor; id++) {
				if (id->vendor != d->pdev.vendor || id->device != d->pdev.device)
					continue;
				if (drv->probe(&d->pdev, id) == 0)
					d->drv = drv;
				else
					printk("%s: probe of %s failed", drv->name, d->pdev.dev.name);
				break;
			}
		}
	}
}

struct gk_dev *gk__dev(struct pci_dev *pdev)
{
	return pdev->dev.hal;
}
