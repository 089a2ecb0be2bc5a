/* SPDX-License-Identifier: MIT */
/*
 * Config-space construction: headers and capabilities with their reset values and masks
 * (PCI Local Bus 3.0 ch. 6, PCI-to-PCI Bridge 1.2 ch. 3, PCI Express Base Specification 5.0
 * §7.5-7.9, Single Root I/O Virtualization and Sharing 1.1 ch. 3). What software may write is
 * a mask here; sizing a BAR by writing all-ones works because its low bits are not writable.
 * The few side effects that live in config space (VF Enable makes VFs appear) are applied by
 * pcie__cfg_written after the masked write.
 */
#include "models/pcie/pcie_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static void define(struct pcie_fn *fn, uint32_t off, unsigned w, uint64_t reset, uint64_t rw)
{
	regs_define(&fn->cfg, off, w, reset, rw, 0, 0);
}

/* Set bits in a register and in its reset value (silicon properties found late). */
static void set_fixed_bits(struct pcie_fn *fn, uint32_t off, unsigned w, uint64_t bits)
{
	regs_set_bits(&fn->cfg, off, w, bits);
	for (unsigned i = 0; i < w; i++)
		fn->cfg.reset[off + i] |= (uint8_t)(bits >> (8 * i));
}

/* Header fields common to type 0 and type 1 (PCI 3.0 §6.2, PCI-to-PCI Bridge 1.2 §3.2). */
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
		/* I/O base/limit: bits 7:4 are address bits 15:12; 16-bit I/O decode. */
		define(fn, PCI_IO_BASE, 1, PCI_IO_RANGE_TYPE_16, 0xf0);
		define(fn, PCI_IO_LIMIT, 1, PCI_IO_RANGE_TYPE_16, 0xf0);
		regs_define(&fn->cfg, PCI_SEC_STATUS, 2, 0, 0, 0xf900, 0);
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
	if (!pcie_fn_is_bridge(fn)) {
		regs_define(&fn->cfg, PCI_SUBSYSTEM_VENDOR_ID, 2, subsys_vendor, 0, 0, 0);
		regs_define(&fn->cfg, PCI_SUBSYSTEM_ID, 2, subsys, 0, 0, 0);
	}
}

void pcie_fn_set_intx_pin(struct pcie_fn *fn, unsigned pin)
{
	define(fn, PCI_INTERRUPT_PIN, 1, pin <= 4 ? pin : 0, 0);
}

static int bars_available(const struct pcie_fn *fn)
{
	return pcie_fn_is_bridge(fn) ? 2 : 6;
}

int pcie_fn_add_bar(struct pcie_fn *fn, int bar, uint64_t size, bool is64, bool prefetch)
{
	uint32_t off = PCI_BASE_ADDRESS_0 + 4u * (unsigned)bar;
	uint64_t mask;
	uint32_t flags = (is64 ? PCI_BASE_ADDRESS_MEM_TYPE_64 : 0) |
			 (prefetch ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0);

	if (fn->type == PCIE_FN_HOST_BRIDGE || bar < 0 || bar >= bars_available(fn) ||
	    (is64 && bar + 1 >= bars_available(fn)) || fn->pf)
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

int pcie_fn_add_io_bar(struct pcie_fn *fn, int bar, uint32_t size)
{
	uint32_t off = PCI_BASE_ADDRESS_0 + 4u * (unsigned)bar;

	if (bar < 0 || bar >= bars_available(fn) || fn->pf || size < 4 || size > 256 ||
	    (size & (size - 1)))
		return -EINVAL;
	/* 16-bit I/O decode: address bits 15:2 above the size are writable. */
	regs_define(&fn->cfg, off, 4, PCI_BASE_ADDRESS_SPACE_IO, 0xffffu & ~(size - 1), 0, 0);
	fn->bar_size[bar] = size;
	fn->bar_io[bar] = true;
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
	set_fixed_bits(fn, PCI_STATUS, 2, PCI_STATUS_CAP_LIST);
	fn->last_cap = (uint8_t)off;
	fn->cap_next_std = (uint8_t)((off + len + 3) & ~3u);
	return (int)off;
}

/* Reserve an extended capability (PCIe 5.0 §7.6.3: header ID 15:0, version 19:16, next
 * 31:20), chained from 0x100. */
static int add_ext_cap(struct pcie_fn *fn, uint16_t id, unsigned ver, unsigned len)
{
	unsigned off = fn->ext_next ? fn->ext_next : PCI_EXT_CAP_START;

	if (off + len > PCI_CFG_SPACE_EXP_SIZE)
		return -ENOSPC;
	regs_define(&fn->cfg, off, 4, PCI_EXT_CAP_HDR(id, ver, 0), 0, 0, 0);
	if (fn->last_ext) {
		uint32_t h = (uint32_t)regs_get(&fn->cfg, fn->last_ext, 4);

		regs_define(&fn->cfg, fn->last_ext, 4,
			    PCI_EXT_CAP_HDR(PCI_EXT_CAP_ID(h), PCI_EXT_CAP_VER(h), off), 0, 0, 0);
	}
	fn->last_ext = (uint16_t)off;
	fn->ext_next = (uint16_t)((off + len + 3) & ~3u);
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

static bool is_port_type(unsigned t)
{
	return t == PCI_EXP_TYPE_ROOT_PORT || t == PCI_EXP_TYPE_DOWNSTREAM;
}

int pcie_fn_add_cap_exp(struct pcie_fn *fn, unsigned port_type, bool flr)
{
	bool port = is_port_type(port_type);
	int off = add_std_cap(fn, PCI_CAP_ID_EXP,
			      port ? PCI_CAP_EXP_RC_SIZEOF_V2 : PCI_CAP_EXP_ENDPOINT_SIZEOF_V2);
	uint32_t o;

	if (off < 0)
		return off;
	o = (uint32_t)off;
	regs_define(&fn->cfg, o + PCI_EXP_FLAGS, 2,
		    PCI_FIELD_PREP(PCI_EXP_FLAGS_VERS, 2) |
			PCI_FIELD_PREP(PCI_EXP_FLAGS_TYPE, port_type) |
			(port ? PCI_EXP_FLAGS_SLOT : 0),
		    0, 0, 0);
	/* DEVCAP (§7.5.3.3): 512-byte max payload supported, role-based error reporting; FLR
	 * for endpoints that have it. */
	regs_define(&fn->cfg, o + PCI_EXP_DEVCAP, 4,
		    PCI_FIELD_PREP(PCI_EXP_DEVCAP_PAYLOAD, mps_code(512)) | PCI_EXP_DEVCAP_RBER |
			(flr ? PCI_EXP_DEVCAP_FLR : 0),
		    0, 0, 0);
	/* DEVCTL: MPS (7:5) and MRRS (14:12) writable, reset 128/512, relaxed ordering; Initiate
	 * FLR (15) is write-only and reads 0. */
	regs_define(&fn->cfg, o + PCI_EXP_DEVCTL, 2,
		    PCI_FIELD_PREP(PCI_EXP_DEVCTL_READRQ, mps_code(512)) | PCI_EXP_DEVCTL_RELAX_EN,
		    0x7fff | (flr ? PCI_EXP_DEVCTL_BCR_FLR : 0), 0, PCI_EXP_DEVCTL_BCR_FLR);
	regs_define(&fn->cfg, o + PCI_EXP_DEVSTA, 2, 0, 0, 0x000f, 0);
	regs_define(&fn->cfg, o + PCI_EXP_LNKCTL, 2, 0, 0x0fff, 0, 0);
	if (port) {
		regs_define(&fn->cfg, o + PCI_EXP_SLTCTL, 2, 0, 0x1fff, 0, 0);
		regs_define(&fn->cfg, o + PCI_EXP_SLTSTA, 2, 0x0040 /* presence detect */, 0,
			    0x011f, 0);
	}
	/* DEVCTL2: completion timeout and friends; ARI Forwarding Enable only where supported */
	regs_define(&fn->cfg, o + PCI_EXP_DEVCTL2, 2, 0, 0xffff & ~PCI_EXP_DEVCTL2_ARI, 0, 0);
	regs_define(&fn->cfg, o + PCI_EXP_LNKCTL2, 2, 0, 0xffff, 0, 0);
	return off;
}

void pcie_fn_set_ari_forwarding(struct pcie_fn *fn, bool supported)
{
	unsigned o = pcie_fn_cap_offset(fn, PCI_CAP_ID_EXP);
	uint32_t cap2;

	if (!o)
		return;
	cap2 = (uint32_t)regs_get(&fn->cfg, o + PCI_EXP_DEVCAP2, 4);
	cap2 = supported ? cap2 | PCI_EXP_DEVCAP2_ARI : cap2 & ~PCI_EXP_DEVCAP2_ARI;
	regs_define(&fn->cfg, o + PCI_EXP_DEVCAP2, 4, cap2, 0, 0, 0);
	regs_set_rw(&fn->cfg, o + PCI_EXP_DEVCTL2, 2,
		    0xffff & (supported ? 0xffffu : ~(unsigned)PCI_EXP_DEVCTL2_ARI));
}

/* Link capability and status, once the link is known (PCIe 5.0 §7.5.3.6, §7.5.3.8). */
void pcie__cfg_set_link(struct pcie_fn *fn, const struct pcie_link_cfg *l, uint8_t port_number)
{
	unsigned o = pcie_fn_cap_offset(fn, PCI_CAP_ID_EXP);
	uint32_t speeds = 0;
	bool down = fn->type == PCIE_FN_ROOT_PORT || fn->type == PCIE_FN_SWITCH_DOWN;

	if (!o)
		return;
	for (unsigned g = 1; g <= l->gen; g++)
		speeds |= 1u << g;
	regs_define(&fn->cfg, o + PCI_EXP_LNKCAP, 4,
		    PCI_FIELD_PREP(PCI_EXP_LNKCAP_SLS, l->gen) |
			PCI_FIELD_PREP(PCI_EXP_LNKCAP_MLW, l->width) |
			PCI_FIELD_PREP(PCI_EXP_LNKCAP_PN, port_number) |
			(down ? PCI_EXP_LNKCAP_DLLLARC : 0),
		    0, 0, 0);
	regs_define(&fn->cfg, o + PCI_EXP_LNKSTA, 2,
		    PCI_FIELD_PREP(PCI_EXP_LNKSTA_CLS, l->gen) |
			PCI_FIELD_PREP(PCI_EXP_LNKSTA_NLW, l->width) |
			(down ? PCI_EXP_LNKSTA_DLLLA : 0),
		    0, 0, 0);
	regs_define(&fn->cfg, o + PCI_EXP_LNKCAP2, 4, speeds, 0, 0, 0);
	/* Program the negotiated payload/read sizes as firmware would leave them. */
	uint16_t devctl = (uint16_t)regs_get(&fn->cfg, o + PCI_EXP_DEVCTL, 2);
	devctl = (uint16_t)((devctl & ~(PCI_EXP_DEVCTL_PAYLOAD | PCI_EXP_DEVCTL_READRQ)) |
			    PCI_FIELD_PREP(PCI_EXP_DEVCTL_PAYLOAD, mps_code(l->mps)) |
			    PCI_FIELD_PREP(PCI_EXP_DEVCTL_READRQ, mps_code(l->mrrs)));
	regs_set(&fn->cfg, o + PCI_EXP_DEVCTL, 2, devctl);
	fn->cfg.reset[o + PCI_EXP_DEVCTL] = (uint8_t)devctl;
	fn->cfg.reset[o + PCI_EXP_DEVCTL + 1] = (uint8_t)(devctl >> 8);
}

int pcie_fn_add_cap_msi(struct pcie_fn *fn, unsigned nvec, bool addr64, bool maskable)
{
	unsigned log = 0, len;
	uint32_t o;
	int off;

	if (!nvec || nvec > 32 || (nvec & (nvec - 1)))
		return -EINVAL;
	while ((1u << log) < nvec)
		log++;
	len = !addr64 ? PCI_CAP_MSI_SIZEOF_32 : maskable ? PCI_CAP_MSI_SIZEOF_64_M
							 : PCI_CAP_MSI_SIZEOF_64;
	if (maskable && !addr64)
		len = 20; /* 32-bit with masking: mask at 12, pending at 16 */
	off = add_std_cap(fn, PCI_CAP_ID_MSI, len);
	if (off < 0)
		return off;
	o = (uint32_t)off;
	/* PCI 3.0 §6.8.1.3: Multiple Message Capable is log2(vectors); software writes Multiple
	 * Message Enable and MSI Enable. */
	regs_define(&fn->cfg, o + PCI_MSI_FLAGS, 2,
		    PCI_FIELD_PREP(PCI_MSI_FLAGS_QMASK, log) | (addr64 ? PCI_MSI_FLAGS_64BIT : 0) |
			(maskable ? PCI_MSI_FLAGS_MASKBIT : 0),
		    PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE, 0, 0);
	regs_define(&fn->cfg, o + PCI_MSI_ADDRESS_LO, 4, 0, 0xfffffffc, 0, 0);
	if (addr64) {
		regs_define(&fn->cfg, o + PCI_MSI_ADDRESS_HI, 4, 0, 0xffffffff, 0, 0);
		regs_define(&fn->cfg, o + PCI_MSI_DATA_64, 2, 0, 0xffff, 0, 0);
	} else {
		regs_define(&fn->cfg, o + PCI_MSI_DATA_32, 2, 0, 0xffff, 0, 0);
	}
	if (maskable) {
		uint32_t m = addr64 ? PCI_MSI_MASK_64 : 12;
		uint64_t bits = nvec == 32 ? 0xffffffffull : (1ull << nvec) - 1;

		regs_define(&fn->cfg, o + m, 4, 0, bits, 0, 0);
		regs_define(&fn->cfg, o + m + 4, 4, 0, 0, 0, 0);
	}
	return off;
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
	regs_define(&fn->cfg, (uint32_t)off + PCI_MSIX_TABLE, 4, table_off | (uint32_t)table_bar, 0,
		    0, 0);
	regs_define(&fn->cfg, (uint32_t)off + PCI_MSIX_PBA, 4, pba_off | (uint32_t)pba_bar, 0, 0,
		    0);
	return off;
}

/* ---- extended capabilities ---- */

int pcie_fn_add_ext_acs(struct pcie_fn *fn, uint16_t cap, unsigned egress_bits)
{
	unsigned vec_bytes = 0;
	uint32_t o;
	int off;

	cap &= PCI_ACS_SV | PCI_ACS_TB | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF | PCI_ACS_EC |
	       PCI_ACS_DT;
	if (!(cap & PCI_ACS_EC))
		egress_bits = 0;
	else if (!egress_bits || egress_bits > 256)
		return -EINVAL;
	if (egress_bits)
		vec_bytes = ((egress_bits + 31) / 32) * 4;
	off = add_ext_cap(fn, PCI_EXT_CAP_ID_ACS, 1, PCI_EXT_CAP_ACS_SIZEOF + vec_bytes);
	if (off < 0)
		return off;
	o = (uint32_t)off;
	/* PCIe 5.0 §7.7.8.2: Egress Control Vector Size in 15:8 (0 encodes 256). Control bits are
	 * writable only for what the function implements (§7.7.8.3). */
	regs_define(&fn->cfg, o + PCI_ACS_CAP, 2,
		    cap | PCI_FIELD_PREP(PCI_ACS_EGRESS_BITS, egress_bits), 0, 0, 0);
	regs_define(&fn->cfg, o + PCI_ACS_CTRL, 2, 0, cap, 0, 0);
	for (unsigned i = 0; i < vec_bytes; i += 4) {
		unsigned bits = egress_bits - i * 8 >= 32 ? 32 : egress_bits - i * 8;

		regs_define(&fn->cfg, o + PCI_ACS_EGRESS_CTL_V + i, 4, 0,
			    bits == 32 ? 0xffffffffu : (1u << bits) - 1, 0, 0);
	}
	return off;
}

uint16_t pcie__acs_ctrl(const struct pcie_fn *fn, uint16_t *capp)
{
	unsigned o = pcie_fn_ext_cap_offset(fn, PCI_EXT_CAP_ID_ACS);
	uint16_t cap, ctrl;
	const uint16_t hardwired = PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF;

	if (!o) {
		if (capp)
			*capp = 0;
		return 0;
	}
	cap = (uint16_t)regs_get(&fn->cfg, o + PCI_ACS_CAP, 2);
	ctrl = (uint16_t)regs_get(&fn->cfg, o + PCI_ACS_CTRL, 2);
	if (capp)
		*capp = cap;
	/* A function with ACS that does not implement a redirect, validation or forwarding
	 * control behaves as if it were on: the control is required wherever the function can
	 * do otherwise (PCIe 5.0 §6.12.1; Linux reads it the same way, pci_acs_flags_enabled). */
	return (uint16_t)(ctrl | (hardwired & ~cap));
}

int pcie_fn_add_ext_ari(struct pcie_fn *fn)
{
	int off = add_ext_cap(fn, PCI_EXT_CAP_ID_ARI, 1, PCI_EXT_CAP_ARI_SIZEOF);

	if (off < 0)
		return off;
	/* PCIe 5.0 §7.8.7: no MFVC or ACS function groups; Next Function Number is filled in
	 * once the device's functions are known (pcie__cfg_update_ari_chain). */
	regs_define(&fn->cfg, (uint32_t)off + PCI_ARI_CAP, 2, 0, 0, 0, 0);
	regs_define(&fn->cfg, (uint32_t)off + PCI_ARI_CTRL, 2, 0, 0x0073, 0, 0);
	return off;
}

/* The ARI Next Function Number of each function with ARI points at the next function of the
 * device, in function-number order, 0 after the last (PCIe 5.0 §7.8.7.2). */
void pcie__cfg_update_ari_chain(struct pcie_fn *const *kids, size_t n)
{
	struct pcie_fn *byfn[256] = {0};

	for (size_t i = 0; i < n; i++)
		if (kids[i] && !kids[i]->pf)
			byfn[kids[i]->devfn] = kids[i];
	for (unsigned f = 0; f < 256; f++) {
		unsigned o, next = 0;

		if (!byfn[f] || !(o = pcie_fn_ext_cap_offset(byfn[f], PCI_EXT_CAP_ID_ARI)))
			continue;
		for (unsigned g = f + 1; g < 256; g++)
			if (byfn[g]) {
				next = g;
				break;
			}
		regs_define(&byfn[f]->cfg, o + PCI_ARI_CAP, 2,
			    PCI_FIELD_PREP(PCI_ARI_CAP_NFN_MASK, next), 0, 0, 0);
	}
}

int pcie_fn_add_ext_ats(struct pcie_fn *fn)
{
	int off = add_ext_cap(fn, PCI_EXT_CAP_ID_ATS, 1, PCI_EXT_CAP_ATS_SIZEOF);

	if (off < 0)
		return off;
	/* PCIe 5.0 §10.5.1.2: invalidate queue depth 0 (32), page-aligned requests. */
	regs_define(&fn->cfg, (uint32_t)off + PCI_ATS_CAP, 2, PCI_ATS_CAP_PAGE_ALIGNED, 0, 0, 0);
	regs_define(&fn->cfg, (uint32_t)off + PCI_ATS_CTRL, 2, 0, PCI_ATS_CTRL_ENABLE | 0x1f, 0, 0);
	return off;
}

int pcie_fn_add_ext_pasid(struct pcie_fn *fn, unsigned width)
{
	int off;

	if (!width || width > 20)
		return -EINVAL;
	off = add_ext_cap(fn, PCI_EXT_CAP_ID_PASID, 1, PCI_EXT_CAP_PASID_SIZEOF);
	if (off < 0)
		return off;
	/* PCIe 5.0 §7.8.8.2: Max PASID Width in 12:8. */
	regs_define(&fn->cfg, (uint32_t)off + PCI_PASID_CAP, 2,
		    PCI_FIELD_PREP(PCI_PASID_CAP_WIDTH_MASK, width), 0, 0, 0);
	regs_define(&fn->cfg, (uint32_t)off + PCI_PASID_CTRL, 2, 0, PCI_PASID_CTRL_ENABLE, 0, 0);
	return off;
}

/* ---- SR-IOV ---- */

static int vf_config(struct pcie_fn *pf, struct pcie_fn *vf, const struct pcie_sriov_cfg *c)
{
	uint32_t class_rev = (uint32_t)regs_get(&pf->cfg, PCI_CLASS_REVISION, 4);
	int rc;

	/* SR-IOV 1.1 §3.4.1: a VF's Vendor and Device ID read FFFFh (software takes them from
	 * the PF and VF Device ID); only Bus Master is writable in its Command register; its
	 * BARs are read-only zero (the PF's VF BARs place it). */
	regs_define(&vf->cfg, PCI_CLASS_REVISION, 4, class_rev, 0, 0, 0);
	regs_define(&vf->cfg, PCI_COMMAND, 2, 0, PCI_COMMAND_MASTER, 0, 0);
	regs_define(&vf->cfg, PCI_SUBSYSTEM_VENDOR_ID, 2,
		    regs_get(&pf->cfg, PCI_SUBSYSTEM_VENDOR_ID, 2), 0, 0, 0);
	regs_define(&vf->cfg, PCI_SUBSYSTEM_ID, 2, regs_get(&pf->cfg, PCI_SUBSYSTEM_ID, 2), 0, 0,
		    0);
	rc = pcie_fn_add_cap_exp(vf, PCI_EXP_TYPE_ENDPOINT, true);
	if (rc >= 0 && c->vf_msix_vectors)
		rc = pcie_fn_add_cap_msix(vf, c->vf_msix_vectors, c->vf_msix_bar,
					  c->vf_msix_table_off, c->vf_msix_bar, c->vf_msix_pba_off);
	if (rc >= 0 && pcie_fn_ext_cap_offset(pf, PCI_EXT_CAP_ID_ARI))
		rc = pcie_fn_add_ext_ari(vf);
	return rc < 0 ? rc : 0;
}

int pcie_fn_add_ext_sriov(struct pcie_fn *pf, const struct pcie_sriov_cfg *c)
{
	uint32_t o;
	int off, rc;

	if (pf->type != PCIE_FN_ENDPOINT || pf->pf || pf->vfs || !c->total_vfs ||
	    c->total_vfs > 0xffff || (c->total_vfs > 1 && !c->stride) || !c->offset)
		return -EINVAL;
	off = add_ext_cap(pf, PCI_EXT_CAP_ID_SRIOV, 1, PCI_EXT_CAP_SRIOV_SIZEOF);
	if (off < 0)
		return off;
	o = (uint32_t)off;
	pf->sriov = o;
	regs_define(&pf->cfg, o + PCI_SRIOV_CAP, 4, 0, 0, 0, 0);
	regs_define(&pf->cfg, o + PCI_SRIOV_CTRL, 2, 0,
		    PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE | PCI_SRIOV_CTRL_ARI, 0, 0);
	regs_define(&pf->cfg, o + PCI_SRIOV_STATUS, 2, 0, 0, 0, 0);
	regs_define(&pf->cfg, o + PCI_SRIOV_INITIAL_VF, 2, c->total_vfs, 0, 0, 0);
	regs_define(&pf->cfg, o + PCI_SRIOV_TOTAL_VF, 2, c->total_vfs, 0, 0, 0);
	regs_define(&pf->cfg, o + PCI_SRIOV_NUM_VF, 2, 0, 0xffff, 0, 0);
	regs_define(&pf->cfg, o + PCI_SRIOV_FUNC_LINK, 1, 0, 0, 0, 0);
	regs_define(&pf->cfg, o + PCI_SRIOV_VF_OFFSET, 2, c->offset, 0, 0, 0);
	regs_define(&pf->cfg, o + PCI_SRIOV_VF_STRIDE, 2, c->stride, 0, 0, 0);
	regs_define(&pf->cfg, o + PCI_SRIOV_VF_DID, 2, c->vf_device, 0, 0, 0);
	/* 4K, 8K, 64K, 256K, 1M and 4M supported; System Page Size resets to 4K (§3.3.12-13). */
	regs_define(&pf->cfg, o + PCI_SRIOV_SUP_PGSIZE, 4, 0x553, 0, 0, 0);
	regs_define(&pf->cfg, o + PCI_SRIOV_SYS_PGSIZE, 4, 1, 0x553, 0, 0);
	for (int b = 0; b < 6; b++) {
		uint64_t size = c->vf_bar_size[b], mask;
		uint32_t bo = o + PCI_SRIOV_BAR + 4u * (unsigned)b;
		uint32_t flags;

		if (!size)
			continue;
		if (size < 16 || (size & (size - 1)) || (c->vf_bar_is64[b] && b == 5) ||
		    (!c->vf_bar_is64[b] && size > (1ull << 31)))
			return -EINVAL;
		flags = (c->vf_bar_is64[b] ? PCI_BASE_ADDRESS_MEM_TYPE_64 : 0) |
			(c->vf_bar_prefetch[b] ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0);
		mask = ~(size - 1);
		regs_define(&pf->cfg, bo, 4, flags, (uint32_t)mask & 0xfffffff0u, 0, 0);
		if (c->vf_bar_is64[b])
			regs_define(&pf->cfg, bo + 4, 4, 0, (uint32_t)(mask >> 32), 0, 0);
		pf->vf_bar_size[b] = size;
		pf->vf_bar_is64[b] = c->vf_bar_is64[b];
		if (c->vf_bar_is64[b])
			b++;
	}
	regs_define(&pf->cfg, o + PCI_SRIOV_VFM, 4, 0, 0, 0, 0);

	pf->vfs = calloc(c->total_vfs, sizeof(*pf->vfs));
	if (!pf->vfs)
		return -ENOMEM;
	for (unsigned n = 1; n <= c->total_vfs; n++) {
		char name[64];
		struct pcie_fn *vf;

		snprintf(name, sizeof(name), "%s.vf%u", pf->name, n);
		rc = pcie_fn_create(pf->fab, name, PCIE_FN_ENDPOINT, &vf);
		if (rc)
			return rc;
		vf->pf = pf;
		vf->vf_index = n;
		pf->vfs[n - 1] = vf;
		pf->total_vfs = n;
		rc = vf_config(pf, vf, c);
		if (rc)
			return rc;
	}
	return off;
}

/* SR-IOV 1.1 §3.3.3.1: setting VF Enable makes NumVFs VFs appear (at their reset state);
 * clearing it makes them vanish. NumVFs changes while VF Enable is set do not take effect. */
static void sriov_sync(struct pcie_fn *pf)
{
	uint16_t ctrl = (uint16_t)regs_get(&pf->cfg, pf->sriov + PCI_SRIOV_CTRL, 2);
	unsigned num = (unsigned)regs_get(&pf->cfg, pf->sriov + PCI_SRIOV_NUM_VF, 2);
	unsigned live = pf->vfs_live;

	if ((ctrl & PCI_SRIOV_CTRL_VFE) && !live) {
		live = num < pf->total_vfs ? num : pf->total_vfs;
		for (unsigned n = 0; n < live; n++) {
			regs_reset(&pf->vfs[n]->cfg);
			if (pf->vfs[n]->ops && pf->vfs[n]->ops->flr)
				pf->vfs[n]->ops->flr(pf->vfs[n]->ctx);
		}
	} else if (!(ctrl & PCI_SRIOV_CTRL_VFE) && live) {
		for (unsigned n = 0; n < live; n++)
			regs_reset(&pf->vfs[n]->cfg);
		live = 0;
	}
	pf->vfs_live = live;
}

void pcie__cfg_written(struct pcie_fn *fn, uint32_t off, unsigned size)
{
	if (fn->sriov && !fn->pf && off < fn->sriov + PCI_SRIOV_CTRL + 2 &&
	    off + size > fn->sriov + PCI_SRIOV_CTRL)
		sriov_sync(fn);
}

void pcie__cfg_after_reset(struct pcie_fn *fn)
{
	if (fn->sriov && !fn->pf)
		sriov_sync(fn);
}
