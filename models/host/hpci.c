/* SPDX-License-Identifier: MIT */
/*
 * Bus numbering (PCI-to-PCI Bridge 1.2 §3.2.5.3): a bus's functions are found first, bus
 * numbers are reserved for the VFs its SR-IOV PFs may enable (Linux pci_iov_bus_range), then
 * each bridge gets secondary = next bus and a provisional subordinate of 0xff, its bus is
 * scanned, and subordinate is set to the last bus found below. BAR sizing (PCI 3.0 §6.2.5.1,
 * SR-IOV 1.1 §3.3.14 for VF BARs) with decoding off. Bridge memory windows are 1 MiB aligned,
 * I/O windows 4 KiB (PCI-to-PCI Bridge 1.2 §3.2.5.6-9); 64-bit prefetchable BARs go to the
 * 64-bit window above 4 GiB, everything else to the 32-bit window, I/O BARs to ports
 * 0x1000-0xffff (below 0x1000 is the PC's legacy I/O).
 */
#include "models/host/hpci.h"

#include "models/drivers/intel_iommu/dmar.h"
#include "models/host/host.h"
#include "models/host/host_iommu.h"
#include "models/pcie/pcie_regs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MB (1ull << 20)
#define IO_START 0x1000u
#define IO_END   0x10000u

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

	if (!(host_cfg_read(h, bdf, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return 0;
	off = host_cfg_read(h, bdf, PCI_CAPABILITY_LIST, 1) & ~3u;
	while (off && guard++ < 48) {
		if (host_cfg_read(h, bdf, off, 1) == cap_id)
			return off;
		off = host_cfg_read(h, bdf, off + PCI_CAP_LIST_NEXT, 1) & ~3u;
	}
	return 0;
}

unsigned hpci_find_ext_cap(struct host *h, uint16_t bdf, uint16_t cap_id)
{
	unsigned off = PCI_EXT_CAP_START, guard = 0;

	while (off >= PCI_EXT_CAP_START && guard++ < 64) {
		uint32_t hd = host_cfg_read(h, bdf, off, 4);

		if (!hd || hd == 0xffffffffu)
			return 0;
		if (PCI_EXT_CAP_ID(hd) == cap_id)
			return off;
		off = PCI_EXT_CAP_NEXT(hd);
	}
	return 0;
}

/* Size the BARs at `reg` (six for a type 0 header, two for a bridge, six VF BARs). */
static void size_bars(struct host *h, uint16_t bdf, uint32_t reg, unsigned nbars,
		      struct hpci_bar *bar)
{
	for (unsigned b = 0; b < nbars; b++) {
		uint32_t off = reg + 4 * b;
		uint32_t orig = host_cfg_read(h, bdf, off, 4), lo, hi = 0xffffffffu;
		uint64_t mask;

		host_cfg_write(h, bdf, off, 4, 0xffffffffu);
		lo = host_cfg_read(h, bdf, off, 4);
		host_cfg_write(h, bdf, off, 4, orig);
		if (!lo)
			continue; /* unimplemented BAR */
		if (lo & PCI_BASE_ADDRESS_SPACE_IO) {
			bar[b].io = true;
			bar[b].size = (~(lo & 0xfffffffcu) + 1) & 0xffff;
			continue;
		}
		bar[b].prefetch = lo & PCI_BASE_ADDRESS_MEM_PREFETCH;
		if (lo & PCI_BASE_ADDRESS_MEM_TYPE_64) {
			uint32_t orig_hi = host_cfg_read(h, bdf, off + 4, 4);

			host_cfg_write(h, bdf, off + 4, 4, 0xffffffffu);
			hi = host_cfg_read(h, bdf, off + 4, 4);
			host_cfg_write(h, bdf, off + 4, 4, orig_hi);
			bar[b].is64 = true;
		}
		mask = ((uint64_t)hi << 32) | (lo & 0xfffffff0u);
		if (!bar[b].is64)
			mask |= 0xffffffff00000000ull;
		bar[b].size = ~mask + 1;
		if (bar[b].is64)
			b++;
	}
}

/* Linux pci_std_enable_acs: source validation, request and completion redirect, upstream
 * forwarding, wherever the function implements them. */
static void enable_acs(struct host *h, const struct hpci_dev *d)
{
	uint16_t cap = (uint16_t)host_cfg_read(h, d->bdf, d->ext_acs + PCI_ACS_CAP, 2);
	uint16_t ctrl = (uint16_t)host_cfg_read(h, d->bdf, d->ext_acs + PCI_ACS_CTRL, 2);

	ctrl |= cap & (PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF);
	host_cfg_write(h, d->bdf, d->ext_acs + PCI_ACS_CTRL, 2, ctrl);
}

static bool ari_forwarding_enabled(struct host *h, const struct hpci *p, int parent)
{
	const struct hpci_dev *br;

	if (parent < 0)
		return false;
	br = &p->dev[parent];
	return br->cap_exp &&
	       (host_cfg_read(h, br->bdf, br->cap_exp + PCI_EXP_DEVCTL2, 2) & PCI_EXP_DEVCTL2_ARI);
}

/* SR-IOV PF: ARI Capable Hierarchy where the port forwards ARI, the VF geometry for TotalVFs
 * (Linux sriov_init), the VF BARs' sizes. */
static void probe_sriov(struct host *h, struct hpci *p, int parent, struct hpci_dev *d)
{
	uint32_t o = d->ext_sriov;
	uint16_t ctrl = (uint16_t)host_cfg_read(h, d->bdf, o + PCI_SRIOV_CTRL, 2);

	if (ari_forwarding_enabled(h, p, parent) && !PCI_FUNC(d->bdf))
		ctrl |= PCI_SRIOV_CTRL_ARI;
	host_cfg_write(h, d->bdf, o + PCI_SRIOV_CTRL, 2, ctrl & ~PCI_SRIOV_CTRL_VFE);
	d->total_vfs = (uint16_t)host_cfg_read(h, d->bdf, o + PCI_SRIOV_TOTAL_VF, 2);
	host_cfg_write(h, d->bdf, o + PCI_SRIOV_NUM_VF, 2, d->total_vfs);
	d->vf_offset = (uint16_t)host_cfg_read(h, d->bdf, o + PCI_SRIOV_VF_OFFSET, 2);
	d->vf_stride = (uint16_t)host_cfg_read(h, d->bdf, o + PCI_SRIOV_VF_STRIDE, 2);
	d->vf_device = (uint16_t)host_cfg_read(h, d->bdf, o + PCI_SRIOV_VF_DID, 2);
	host_cfg_write(h, d->bdf, o + PCI_SRIOV_NUM_VF, 2, 0);
	size_bars(h, d->bdf, o + PCI_SRIOV_BAR, PCI_SRIOV_NUM_BARS, d->vf_bar);
}

/* The bus number of a PF's last VF (SR-IOV 1.1 §2.1.2), relative to the PF's bus. */
static unsigned vf_bus_span(const struct hpci_dev *d)
{
	unsigned last;

	if (!d->total_vfs)
		return 0;
	last = (d->bdf & 0xff) + d->vf_offset + (unsigned)(d->total_vfs - 1) * d->vf_stride;
	return last >> 8;
}

static int probe_fn(struct host *h, struct hpci *p, uint8_t bus, uint8_t devfn, int parent,
		    const char *ppath)
{
	uint16_t bdf = PCI_RID(bus, devfn);
	uint32_t id = host_cfg_read(h, bdf, PCI_VENDOR_ID, 4);
	struct hpci_dev d;

	if (id == 0xffffffffu || (id & 0xffff) == 0xffff)
		return 1;
	memset(&d, 0, sizeof(d));
	d.bdf = bdf;
	d.vendor = (uint16_t)id;
	d.device = (uint16_t)(id >> 16);
	d.class_rev = host_cfg_read(h, bdf, PCI_CLASS_REVISION, 4);
	d.header_type = (uint8_t)host_cfg_read(h, bdf, PCI_HEADER_TYPE, 1);
	d.bridge = (d.header_type & 0x7f) == PCI_HEADER_TYPE_BRIDGE;
	d.multifunction = d.header_type & PCI_HEADER_TYPE_MFD;
	d.parent = parent;
	d.pf = -1;
	d.group = -1;
	d.cap_exp = hpci_find_cap(h, bdf, PCI_CAP_ID_EXP);
	d.cap_msix = hpci_find_cap(h, bdf, PCI_CAP_ID_MSIX);
	d.cap_msi = hpci_find_cap(h, bdf, PCI_CAP_ID_MSI);
	d.cap_pm = hpci_find_cap(h, bdf, PCI_CAP_ID_PM);
	d.pcie_type = d.cap_exp ? (int)((host_cfg_read(h, bdf, d.cap_exp + PCI_EXP_FLAGS, 2) &
					  PCI_EXP_FLAGS_TYPE) >> 4)
				: -1;
	if (d.cap_exp) {
		/* Extended config space exists only for PCI Express functions. */
		d.ext_acs = hpci_find_ext_cap(h, bdf, PCI_EXT_CAP_ID_ACS);
		d.ext_ari = hpci_find_ext_cap(h, bdf, PCI_EXT_CAP_ID_ARI);
		d.ext_sriov = hpci_find_ext_cap(h, bdf, PCI_EXT_CAP_ID_SRIOV);
		d.ext_ats = hpci_find_ext_cap(h, bdf, PCI_EXT_CAP_ID_ATS);
		d.ext_pasid = hpci_find_ext_cap(h, bdf, PCI_EXT_CAP_ID_PASID);
	}
	/* ACPI _ADR style: device and function of the routing ID's low byte (with ARI too) */
	snprintf(d.path, sizeof(d.path), "%s#PCI(%02X%02X)", ppath, PCI_SLOT(devfn),
		 PCI_FUNC(devfn));
	{
		uint16_t cmd = (uint16_t)host_cfg_read(h, bdf, PCI_COMMAND, 2);

		host_cfg_write(h, bdf, PCI_COMMAND, 2, cmd & ~(PCI_COMMAND_MEMORY | PCI_COMMAND_IO));
		size_bars(h, bdf, PCI_BASE_ADDRESS_0, d.bridge ? 2 : 6, d.bar);
		host_cfg_write(h, bdf, PCI_COMMAND, 2, cmd);
	}
	if (d.ext_acs && p->acs_enabled)
		enable_acs(h, &d);
	/* Linux pci_configure_ari: a port forwards ARI when its device 0 function 0 has it. */
	if (devfn == 0 && d.ext_ari && parent >= 0 && p->dev[parent].cap_exp) {
		const struct hpci_dev *br = &p->dev[parent];
		uint32_t cap2 = host_cfg_read(h, br->bdf, br->cap_exp + PCI_EXP_DEVCAP2, 4);

		if (cap2 & PCI_EXP_DEVCAP2_ARI)
			host_cfg_write(h, br->bdf, br->cap_exp + PCI_EXP_DEVCTL2, 2,
				     host_cfg_read(h, br->bdf, br->cap_exp + PCI_EXP_DEVCTL2, 2) |
					     PCI_EXP_DEVCTL2_ARI);
	}
	if (d.ext_sriov)
		probe_sriov(h, p, parent, &d);
	return add_dev(p, &d);
}

static int scan_bus(struct host *h, struct hpci *p, uint8_t bus, int parent, const char *ppath,
		    unsigned *next_bus)
{
	size_t first = p->n;
	unsigned extra = 0;
	/* Below a PCIe port only device 0 exists (Linux only_one_child, PCIe 5.0 §7.3.1). */
	bool one = parent >= 0 && (p->dev[parent].pcie_type == PCI_EXP_TYPE_ROOT_PORT ||
				   p->dev[parent].pcie_type == PCI_EXP_TYPE_DOWNSTREAM);
	int rc;

	rc = probe_fn(h, p, bus, 0, parent, ppath);
	if (rc < 0)
		return rc;
	if (rc == 0 && p->dev[first].ext_ari && ari_forwarding_enabled(h, p, parent)) {
		/* ARI (PCIe 5.0 §6.13): the device's functions follow the Next Function chain */
		unsigned fn = 0, guard = 0;

		while (guard++ < 256) {
			const struct hpci_dev *cur = &p->dev[p->n - 1];
			unsigned next;

			if (!cur->ext_ari)
				break;
			next = PCI_ARI_CAP_NFN(
			    host_cfg_read(h, cur->bdf, cur->ext_ari + PCI_ARI_CAP, 2));
			if (!next || next <= fn)
				break;
			fn = next;
			rc = probe_fn(h, p, bus, (uint8_t)fn, parent, ppath);
			if (rc < 0)
				return rc;
			if (rc)
				break;
		}
	} else {
		for (unsigned dev = 0; dev < (one ? 1u : 32u); dev++)
			for (unsigned fn = 0; fn < 8; fn++) {
				size_t at = p->n;

				if (dev || fn) {
					rc = probe_fn(h, p, bus, (uint8_t)PCI_DEVFN(dev, fn),
						      parent, ppath);
					if (rc < 0)
						return rc;
				}
				if (fn == 0 && (rc || !p->dev[dev ? at : first].multifunction))
					break;
			}
	}

	/* Reserve bus numbers for VFs before the bridges below get theirs. */
	for (size_t i = first; i < p->n; i++)
		if (vf_bus_span(&p->dev[i]) > extra)
			extra = vf_bus_span(&p->dev[i]);
	if (bus + extra + 1 > *next_bus)
		*next_bus = bus + extra + 1;

	for (size_t i = first, n = p->n; i < n; i++) {
		struct hpci_dev *d = &p->dev[i];
		char path[128];
		uint16_t bdf = d->bdf;

		if (!d->bridge)
			continue;
		if (*next_bus > 255) {
			host_log(h, "pci %02x:%02x.%u: out of bus numbers", bdf >> 8,
				 (bdf >> 3) & 0x1f, bdf & 7);
			return -ENOSPC;
		}
		d->secondary = (uint8_t)(*next_bus)++;
		host_cfg_write(h, bdf, PCI_PRIMARY_BUS, 1, bus);
		host_cfg_write(h, bdf, PCI_SECONDARY_BUS, 1, d->secondary);
		host_cfg_write(h, bdf, PCI_SUBORDINATE_BUS, 1, 0xff);
		snprintf(path, sizeof(path), "%s", d->path);
		rc = scan_bus(h, p, p->dev[i].secondary, (int)i, path, next_bus);
		if (rc)
			return rc;
		p->dev[i].subordinate = (uint8_t)(*next_bus - 1);
		host_cfg_write(h, bdf, PCI_SUBORDINATE_BUS, 1, p->dev[i].subordinate);
	}
	return 0;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

struct window {
	uint64_t cur, limit;
};

struct windows {
	struct window mem, pref, io;
};

static int place(struct host *h, struct window *w, uint64_t size, uint64_t *base)
{
	uint64_t b = align_up(w->cur, size);

	if (b + size > w->limit || b + size < b) {
		host_log(h, "pci: no space for a %llu-byte BAR", (unsigned long long)size);
		return -ENOSPC;
	}
	*base = b;
	w->cur = b + size;
	return 0;
}

static void write_bar(struct host *h, uint16_t bdf, uint32_t reg, const struct hpci_bar *b)
{
	host_cfg_write(h, bdf, reg, 4, (uint32_t)b->base);
	if (b->is64)
		host_cfg_write(h, bdf, reg + 4, 4, (uint32_t)(b->base >> 32));
}

/* A device's BARs (and VF BARs, each the size of all its VFs), largest first per window. */
static int assign_dev(struct host *h, struct hpci_dev *d, struct windows *w)
{
	for (int pass = 0; pass < 2; pass++) {
		struct hpci_bar *bars = pass ? d->vf_bar : d->bar;
		uint64_t mult = pass ? d->total_vfs : 1;
		uint32_t reg = pass ? d->ext_sriov + PCI_SRIOV_BAR : PCI_BASE_ADDRESS_0;
		bool done[6] = {0};

		if (pass && !d->ext_sriov)
			break;
		for (;;) {
			int best = -1;
			struct window *win;
			int rc;

			for (int b = 0; b < 6; b++)
				if (bars[b].size && !done[b] &&
				    (best < 0 || bars[b].size > bars[best].size))
					best = b;
			if (best < 0)
				break;
			done[best] = true;
			win = bars[best].io ? &w->io
			      : bars[best].prefetch && bars[best].is64 ? &w->pref
								       : &w->mem;
			rc = place(h, win, bars[best].size * mult, &bars[best].base);
			if (rc)
				return rc;
			write_bar(h, d->bdf, reg + 4u * (unsigned)best, &bars[best]);
		}
	}
	return 0;
}

/* Program a bridge's windows around what was placed below it (or close them). */
static void set_windows(struct host *h, const struct hpci_dev *d, const struct windows *start,
			const struct windows *end)
{
	uint16_t cmd = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;

	if (end->mem.cur > start->mem.cur) {
		host_cfg_write(h, d->bdf, PCI_MEMORY_BASE, 2,
			     (uint32_t)(start->mem.cur >> 16) & 0xfff0);
		host_cfg_write(h, d->bdf, PCI_MEMORY_LIMIT, 2,
			     (uint32_t)((end->mem.cur - 1) >> 16) & 0xfff0);
	} else {
		/* base above limit: the window is closed */
		host_cfg_write(h, d->bdf, PCI_MEMORY_BASE, 2, 0xfff0);
		host_cfg_write(h, d->bdf, PCI_MEMORY_LIMIT, 2, 0);
	}
	if (end->pref.cur > start->pref.cur) {
		host_cfg_write(h, d->bdf, PCI_PREF_MEMORY_BASE, 2,
			     (uint32_t)(start->pref.cur >> 16) & 0xfff0);
		host_cfg_write(h, d->bdf, PCI_PREF_BASE_UPPER32, 4,
			     (uint32_t)(start->pref.cur >> 32));
		host_cfg_write(h, d->bdf, PCI_PREF_MEMORY_LIMIT, 2,
			     (uint32_t)((end->pref.cur - 1) >> 16) & 0xfff0);
		host_cfg_write(h, d->bdf, PCI_PREF_LIMIT_UPPER32, 4,
			     (uint32_t)((end->pref.cur - 1) >> 32));
	} else {
		host_cfg_write(h, d->bdf, PCI_PREF_MEMORY_BASE, 2, 0xfff0);
		host_cfg_write(h, d->bdf, PCI_PREF_MEMORY_LIMIT, 2, 0);
		host_cfg_write(h, d->bdf, PCI_PREF_BASE_UPPER32, 4, 0);
		host_cfg_write(h, d->bdf, PCI_PREF_LIMIT_UPPER32, 4, 0);
	}
	if (end->io.cur > start->io.cur) {
		host_cfg_write(h, d->bdf, PCI_IO_BASE, 1, (uint32_t)(start->io.cur >> 8) & 0xf0);
		host_cfg_write(h, d->bdf, PCI_IO_LIMIT, 1, (uint32_t)((end->io.cur - 1) >> 8) & 0xf0);
		cmd |= PCI_COMMAND_IO;
	} else {
		host_cfg_write(h, d->bdf, PCI_IO_BASE, 1, 0xf0);
		host_cfg_write(h, d->bdf, PCI_IO_LIMIT, 1, 0);
	}
	host_cfg_write(h, d->bdf, PCI_COMMAND, 2, cmd);
}

static void align_windows(struct windows *w)
{
	w->mem.cur = align_up(w->mem.cur, MB);
	w->pref.cur = align_up(w->pref.cur, MB);
	w->io.cur = align_up(w->io.cur, 0x1000);
}

static int assign(struct host *h, struct hpci *p, int parent, struct windows *w)
{
	for (size_t i = 0; i < p->n; i++) {
		struct hpci_dev *d = &p->dev[i];
		struct windows start;
		int rc;

		if (d->parent != parent || d->pf >= 0)
			continue;
		if (!d->bridge) {
			rc = assign_dev(h, d, w);
			if (rc)
				return rc;
			continue;
		}
		align_windows(w);
		start = *w;
		rc = assign(h, p, (int)i, w);
		if (rc)
			return rc;
		align_windows(w);
		set_windows(h, d, &start, w);
	}
	return 0;
}

int hpci_enumerate(struct host *h, struct hpci *out)
{
	const struct host_machine *m = host_machine(h);
	unsigned next_bus = 1;
	struct windows w = {
		.mem = {m->mmio32_base, m->mmio32_base + m->mmio32_size},
		.pref = {m->mmio64_base, m->mmio64_base + m->mmio64_size},
		.io = {IO_START, IO_END},
	};
	int rc;

	memset(out, 0, sizeof(*out));
	/* Linux turns ACS on (pci_request_acs) when the IOMMU driver finds DMA-remapping units
	 * in the firmware's DMAR table. */
	struct dmar_info *di = calloc(1, sizeof(*di));
	struct iommu_hal hal = host_iommu_hal(h);

	if (!di)
		return -ENOMEM;
	out->acs_enabled = dmar_parse(&hal, host_machine(h)->acpi_rsdp, di) == 0 && di->nunits > 0;
	free(di);
	rc = scan_bus(h, out, 0, -1, "PCIROOT(0)", &next_bus);
	if (!rc)
		rc = assign(h, out, -1, &w);
	out->buses = next_bus;
	if (rc)
		hpci_free(out);
	return rc;
}

int hpci_sriov_enable(struct host *h, struct hpci *p, size_t pf, unsigned numvfs)
{
	struct hpci_dev d;
	uint32_t o;
	uint16_t ctrl;
	int rc;

	if (pf >= p->n || !p->dev[pf].ext_sriov || p->dev[pf].num_vfs)
		return -EINVAL;
	if (!numvfs)
		return 0;
	if (numvfs > p->dev[pf].total_vfs)
		return -ERANGE;
	d = p->dev[pf];
	o = d.ext_sriov;
	host_cfg_write(h, d.bdf, o + PCI_SRIOV_NUM_VF, 2, numvfs);
	/* offset and stride may depend on NumVFs (SR-IOV 1.1 §3.3.10): read them again */
	d.vf_offset = (uint16_t)host_cfg_read(h, d.bdf, o + PCI_SRIOV_VF_OFFSET, 2);
	d.vf_stride = (uint16_t)host_cfg_read(h, d.bdf, o + PCI_SRIOV_VF_STRIDE, 2);
	ctrl = (uint16_t)host_cfg_read(h, d.bdf, o + PCI_SRIOV_CTRL, 2);
	host_cfg_write(h, d.bdf, o + PCI_SRIOV_CTRL, 2,
		     ctrl | PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
	/* SR-IOV 1.1 §3.3.3.1: wait 100 ms before the VFs' config space is valid. */
	host_udelay(h, 100000);
	p->dev[pf].num_vfs = (uint16_t)numvfs;
	p->dev[pf].vf_offset = d.vf_offset;
	p->dev[pf].vf_stride = d.vf_stride;
	for (unsigned n = 1; n <= numvfs; n++) {
		struct hpci_dev v;
		uint16_t bdf = (uint16_t)(d.bdf + d.vf_offset + (n - 1) * d.vf_stride);

		memset(&v, 0, sizeof(v));
		v.bdf = bdf;
		/* A VF's IDs read FFFFh: software takes the PF's vendor and the VF Device ID. */
		v.vendor = d.vendor;
		v.device = d.vf_device;
		v.class_rev = host_cfg_read(h, bdf, PCI_CLASS_REVISION, 4);
		v.header_type = (uint8_t)host_cfg_read(h, bdf, PCI_HEADER_TYPE, 1) & 0x7f;
		v.parent = d.parent;
		v.pf = (int)pf;
		v.vf_index = n;
		v.group = -1;
		v.cap_exp = hpci_find_cap(h, bdf, PCI_CAP_ID_EXP);
		v.cap_msix = hpci_find_cap(h, bdf, PCI_CAP_ID_MSIX);
		v.cap_msi = hpci_find_cap(h, bdf, PCI_CAP_ID_MSI);
		v.cap_pm = hpci_find_cap(h, bdf, PCI_CAP_ID_PM);
		v.pcie_type = v.cap_exp ? PCI_EXP_TYPE_ENDPOINT : -1;
		if (v.cap_exp) {
			v.ext_acs = hpci_find_ext_cap(h, bdf, PCI_EXT_CAP_ID_ACS);
			v.ext_ari = hpci_find_ext_cap(h, bdf, PCI_EXT_CAP_ID_ARI);
			v.ext_ats = hpci_find_ext_cap(h, bdf, PCI_EXT_CAP_ID_ATS);
			v.ext_pasid = hpci_find_ext_cap(h, bdf, PCI_EXT_CAP_ID_PASID);
		}
		for (int b = 0; b < 6; b++) {
			v.bar[b] = d.vf_bar[b];
			v.bar[b].base = d.vf_bar[b].base + (uint64_t)(n - 1) * d.vf_bar[b].size;
		}
		{
			char tail[24];
			size_t l = strnlen(d.path, sizeof(v.path) - 1);

			snprintf(tail, sizeof(tail), "#VF(%u)", n);
			memcpy(v.path, d.path, l);
			snprintf(v.path + l, sizeof(v.path) - l, "%s", tail);
		}
		if (v.ext_acs && p->acs_enabled)
			enable_acs(h, &v);
		rc = add_dev(p, &v);
		if (rc)
			return rc;
	}
	host_log(h, "pci %02x:%02x.%u: %u VFs enabled", d.bdf >> 8, (d.bdf >> 3) & 0x1f, d.bdf & 7,
		 numvfs);
	return 0;
}

int hpci_snapshot(struct host *h, struct hpci *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct hpci_dev *d = &p->dev[i];
		unsigned len = d->cap_exp ? 4096 : 256;

		free(d->config);
		d->config = malloc(len);
		if (!d->config)
			return -ENOMEM;
		d->config_len = len;
		for (unsigned off = 0; off < len; off += 4) {
			uint32_t v = host_cfg_read(h, d->bdf, off, 4);

			memcpy(d->config + off, &v, 4);
		}
		if (d->pf >= 0) {
			/* Linux reports a VF's IDs from its PF (drivers/pci/iov.c). */
			memcpy(d->config + PCI_VENDOR_ID, &d->vendor, 2);
			memcpy(d->config + PCI_DEVICE_ID, &d->device, 2);
		}
	}
	return 0;
}

void hpci_free(struct hpci *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->dev[i].config);
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
