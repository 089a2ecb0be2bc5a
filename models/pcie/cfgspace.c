/* SPDX-License-Identifier: MIT */
/*
 * Config-space construction: headers and capabilities with their reset values and masks
 * (PCI 3.0 ch. 6, PCI-to-PCI Bridge 1.2 ch. 3, PCIe 5.0 §7.5). What software may write is a
 * mask here; sizing a BAR by writing all-ones works because the low bits are not writable.
 */
#include "models/pcie/pcie_internal.h"

#include <errno.h>

static void define(struct pcie_fn *fn, uint32_t off, unsigned w, uint64_t reset, uint64_t rw)
{
	regs_define(&fn->cfg, off, w, reset, rw, 0, 0);
}

/* Header fields common to type 0 and type 1. */
void pcie__cfg_init_header(struct pcie_fn *fn, bool bridge)
{
	define(fn, PCI_VENDOR_ID, 2, 0xffff, 0);
	define(fn, PCI_DEVICE_ID, 2, 0xffff, 0);
	/* Command: I/O, memory, bus master, parity, SERR, INTx disable are writable. */
	define(fn, PCI_COMMAND, 2, 0,
	       PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_PARITY |
		       PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
	/* Status: error bits 15:11 and 8 are RW1C. */
	regs_define(&fn->cfg, PCI_STATUS, 2, 0, 0, 0xf900, 0);
	define(fn, PCI_CACHE_LINE_SIZE, 1, 0, 0xff);
	define(fn, PCI_HEADER_TYPE, 1, bridge ? PCI_HEADER_TYPE_BRIDGE : PCI_HEADER_TYPE_NORMAL, 0);
	define(fn, PCI_INTERRUPT_LINE, 1, 0, 0xff);
	if (bridge) {
		define(fn, PCI_PRIMARY_BUS, 1, 0, 0xff);
		define(fn, PCI_SECONDARY_BUS, 1, 0, 0xff);
		define(fn, PCI_SUBORDINATE_BUS, 1, 0, 0xff);
		/* Memory base/limit: bits 15:4 are address bits 31:20. */
		define(fn, PCI_MEMORY_BASE, 2, 0, 0xfff0);
		define(fn, PCI_MEMORY_LIMIT, 2, 0, 0xfff0);
		/* Prefetchable, 64-bit capable (low nibble 1). */
		define(fn, PCI_PREF_MEMORY_BASE, 2, 0x1, 0xfff0);
		define(fn, PCI_PREF_MEMORY_LIMIT, 2, 0x1, 0xfff0);
		define(fn, PCI_PREF_BASE_UPPER32, 4, 0, 0xffffffff);
		define(fn, PCI_PREF_LIMIT_UPPER32, 4, 0, 0xffffffff);
		define(fn, PCI_BRIDGE_CONTROL, 2, 0, 0x0fff);
	}
}

void pcie_fn_set_ids(struct pcie_fn *fn, uint16_t vendor, uint16_t device, uint32_t class_rev,
		     uint16_t subsys_vendor, uint16_t subsys)
{
	regs_define(&fn->cfg, PCI_VENDOR_ID, 2, vendor, 0, 0, 0);
	regs_define(&fn->cfg, PCI_DEVICE_ID, 2, device, 0, 0, 0);
	regs_define(&fn->cfg, PCI_CLASS_REVISION, 4, class_rev, 0, 0, 0);
	if (fn->type != PCIE_FN_ROOT_PORT) {
		regs_define(&fn->cfg, PCI_SUBSYSTEM_VENDOR_ID, 2, subsys_vendor, 0, 0, 0);
		regs_define(&fn->cfg, PCI_SUBSYSTEM_ID, 2, subsys, 0, 0, 0);
	}
}

int pcie_fn_add_bar(struct pcie_fn *fn, int bar, uint64_t size, bool is64, bool prefetch)
{
	uint32_t off = PCI_BASE_ADDRESS_0 + 4u * (unsigned)bar;
	uint64_t mask;
	uint32_t flags = (is64 ? PCI_BASE_ADDRESS_MEM_TYPE_64 : 0) |
			 (prefetch ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0);

	if (fn->type == PCIE_FN_ROOT_PORT || bar < 0 || bar > 5 || (is64 && bar > 4))
		return -EINVAL;
	if (size < 16 || (size & (size - 1)) || (!is64 && size > (1ull << 31)))
		return -EINVAL;
	mask = ~(size - 1);
	regs_define(&fn->cfg, off, 4, flags, (uint32_t)mask & 0xfffffff0u, 0, 0);
	if (is64)
		regs_define(&fn->cfg, off + 4, 4, 0, (uint32_t)(mask >> 32), 0, 0);
	fn->bar_size[bar] = size;
	fn->bar_is64[bar] = is64;
	return 0;
}

/* Reserve `len` bytes for a standard capability and link it into the list. */
static int add_std_cap(struct pcie_fn *fn, uint8_t id, unsigned len)
{
	unsigned off = fn->cap_next_std;

	if (off + len > PCI_CFG_SPACE_SIZE)
		return -ENOSPC;
	regs_define(&fn->cfg, off, 1, id, 0, 0, 0);
	regs_define(&fn->cfg, off + PCI_CAP_LIST_NEXT, 1, 0, 0, 0, 0);
	if (fn->last_cap)
		regs_define(&fn->cfg, fn->last_cap + PCI_CAP_LIST_NEXT, 1, off, 0, 0, 0);
	else
		regs_define(&fn->cfg, PCI_CAPABILITY_LIST, 1, off, 0, 0, 0);
	regs_set_bits(&fn->cfg, PCI_STATUS, 2, PCI_STATUS_CAP_LIST);
	fn->cfg.reset[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	fn->last_cap = (uint8_t)off;
	fn->cap_next_std = (uint8_t)((off + len + 3) & ~3u);
	return (int)off;
}

int pcie_fn_add_cap_pm(struct pcie_fn *fn)
{
	int off = add_std_cap(fn, PCI_CAP_ID_PM, PCI_PM_SIZEOF);

	if (off < 0)
		return off;
	/* PCI PM 1.2 §3.2.3: version 3, no PME. PMCSR power state (1:0) writable. */
	regs_define(&fn->cfg, (uint32_t)off + PCI_PM_PMC, 2, 0x0003, 0, 0, 0);
	regs_define(&fn->cfg, (uint32_t)off + PCI_PM_CTRL, 2, 0x0008 /* NoSoftReset */,
		    PCI_PM_CTRL_STATE_MASK, 0, 0);
	return off;
}

static unsigned mps_code(unsigned bytes)
{
	unsigned c = 0;

	while ((128u << c) < bytes && c < 5)
		c++;
	return c;
}

int pcie_fn_add_cap_exp(struct pcie_fn *fn, unsigned port_type, bool flr)
{
	bool port = port_type == PCI_EXP_TYPE_ROOT_PORT || port_type == PCI_EXP_TYPE_DOWNSTREAM;
	int off = add_std_cap(fn, PCI_CAP_ID_EXP,
			      port ? PCI_CAP_EXP_RC_SIZEOF_V2 : PCI_CAP_EXP_ENDPOINT_SIZEOF_V2);
	uint32_t o;

	if (off < 0)
		return off;
	o = (uint32_t)off;
	regs_define(&fn->cfg, o + PCI_EXP_FLAGS, 2,
		    0x2 | (port_type << 4) | (port ? PCI_EXP_FLAGS_SLOT : 0), 0, 0, 0);
	/* DEVCAP: 512-byte max payload supported; FLR capability for endpoints that have it. */
	regs_define(&fn->cfg, o + PCI_EXP_DEVCAP, 4, 0x2 | (flr ? PCI_EXP_DEVCAP_FLR : 0), 0, 0, 0);
	/* DEVCTL: MPS (7:5) and MRRS (14:12) writable, reset 128/512; Initiate FLR (15) is
	 * write-only and reads 0. */
	regs_define(&fn->cfg, o + PCI_EXP_DEVCTL, 2, 0x2000 | 0x0010,
		    0x7fff | (flr ? PCI_EXP_DEVCTL_BCR_FLR : 0), 0, PCI_EXP_DEVCTL_BCR_FLR);
	regs_define(&fn->cfg, o + PCI_EXP_DEVSTA, 2, 0, 0, 0x000f, 0);
	regs_define(&fn->cfg, o + PCI_EXP_LNKCTL, 2, 0, 0x0fff, 0, 0);
	if (port) {
		regs_define(&fn->cfg, o + PCI_EXP_SLTCTL, 2, 0, 0x1fff, 0, 0);
		regs_define(&fn->cfg, o + PCI_EXP_SLTSTA, 2, 0x0040 /* presence detect */, 0, 0x011f, 0);
	}
	regs_define(&fn->cfg, o + PCI_EXP_DEVCTL2, 2, 0, 0xffff, 0, 0);
	regs_define(&fn->cfg, o + PCI_EXP_LNKCTL2, 2, 0, 0xffff, 0, 0);
	return off;
}

/* Link capability and status, once the link is known (PCIe 5.0 §7.5.3.6, §7.5.3.8). */
void pcie__cfg_set_link(struct pcie_fn *fn, const struct pcie_link_cfg *l, uint8_t port_number)
{
	unsigned o = pcie_fn_cap_offset(fn, PCI_CAP_ID_EXP);
	uint32_t speeds = 0;

	if (!o)
		return;
	for (unsigned g = 1; g <= l->gen; g++)
		speeds |= 1u << g;
	regs_define(&fn->cfg, o + PCI_EXP_LNKCAP, 4,
		    l->gen | (l->width << 4) | ((uint32_t)port_number << 24) | (1u << 20) /* DLLLARC */,
		    0, 0, 0);
	regs_define(&fn->cfg, o + PCI_EXP_LNKSTA, 2,
		    l->gen | (l->width << 4) |
			    (fn->type == PCIE_FN_ROOT_PORT ? PCI_EXP_LNKSTA_DLLLA : 0),
		    0, 0, 0);
	regs_define(&fn->cfg, o + PCI_EXP_LNKCAP2, 4, speeds, 0, 0, 0);
	/* Program the negotiated payload/read sizes as firmware would leave them. */
	uint16_t devctl = (uint16_t)regs_get(&fn->cfg, o + PCI_EXP_DEVCTL, 2);
	devctl = (uint16_t)((devctl & ~(PCI_EXP_DEVCTL_PAYLOAD | PCI_EXP_DEVCTL_READRQ)) |
			    (mps_code(l->mps) << 5) | (mps_code(l->mrrs) << 12));
	regs_set(&fn->cfg, o + PCI_EXP_DEVCTL, 2, devctl);
	fn->cfg.reset[o + PCI_EXP_DEVCTL] = (uint8_t)devctl;
	fn->cfg.reset[o + PCI_EXP_DEVCTL + 1] = (uint8_t)(devctl >> 8);
}

int pcie_fn_add_cap_msix(struct pcie_fn *fn, unsigned nvec, int table_bar, uint32_t table_off,
			 int pba_bar, uint32_t pba_off)
{
	int off;

	if (!nvec || nvec > 2048 || table_bar < 0 || table_bar > 5 || pba_bar < 0 || pba_bar > 5 ||
	    (table_off & 7) || (pba_off & 7))
		return -EINVAL;
	off = add_std_cap(fn, PCI_CAP_ID_MSIX, PCI_CAP_MSIX_SIZEOF);
	if (off < 0)
		return off;
	/* PCI 3.0 §6.8.2.3: table size is N-1, read-only; enable and function mask writable. */
	regs_define(&fn->cfg, (uint32_t)off + PCI_MSIX_FLAGS, 2, nvec - 1,
		    PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL, 0, 0);
	regs_define(&fn->cfg, (uint32_t)off + PCI_MSIX_TABLE, 4, table_off | (uint32_t)table_bar, 0, 0,
		    0);
	regs_define(&fn->cfg, (uint32_t)off + PCI_MSIX_PBA, 4, pba_off | (uint32_t)pba_bar, 0, 0, 0);
	return off;
}

/* Extended capabilities from 0x100 (PCIe 5.0 §7.6): header ID 15:0, version 19:16, next 31:20. */
static int add_ext_cap(struct pcie_fn *fn, uint16_t id, unsigned ver, unsigned len)
{
	unsigned off = fn->ext_next ? fn->ext_next : PCI_EXT_CAP_START;

	if (off + len > PCI_CFG_SPACE_EXP_SIZE)
		return -ENOSPC;
	regs_define(&fn->cfg, off, 4, id | (uint32_t)ver << 16, 0, 0, 0);
	if (fn->last_ext) {
		uint32_t h = (uint32_t)regs_get(&fn->cfg, fn->last_ext, 4);

		regs_define(&fn->cfg, fn->last_ext, 4, (h & 0xfffff) | (uint32_t)off << 20, 0, 0, 0);
	}
	fn->last_ext = (uint16_t)off;
	fn->ext_next = (uint16_t)((off + len + 7) & ~7u);
	return (int)off;
}

int pcie_fn_add_ats_cap(struct pcie_fn *fn);

/* ATS capability: queue depth 0 (= 32), page-aligned requests; control: STU, Enable. */
int pcie_fn_add_ats_cap(struct pcie_fn *fn)
{
	int off = add_ext_cap(fn, PCI_EXT_CAP_ID_ATS, 1, PCI_EXT_CAP_ATS_SIZEOF);

	if (off < 0)
		return off;
	define(fn, (uint32_t)off + PCI_ATS_CAP, 2, PCI_ATS_CAP_PAGE_ALIGNED, 0);
	define(fn, (uint32_t)off + PCI_ATS_CTRL, 2, 0, PCI_ATS_CTRL_ENABLE | 0x1f);
	return off;
}
