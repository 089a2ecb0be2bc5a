/* SPDX-License-Identifier: MIT */
/*
 * machine.pcie: the fabric's knobs (models/pcie) and the topology below the host bridge, which
 * is the application's: each entry names a function and says what it is; its link is the
 * link model's (pcie_link_cfg_schema), a ptnic's knobs are the NIC model's (nic_cfg_schema),
 * and a generic function's identity, BARs and capabilities are described here. What spans
 * entries (bus numbers, routing IDs, placement) is checked in topology_check.c.
 */
#include "app/scenario.h"
#include "sim/config.h"

#include <string.h>

const char *const sc_node_type_names[] = {"root_port", "ptnic", "switch", "downstream_port",
					  "endpoint", "rciep", "pci_bridge", "pci_device",
					  "dma_engine", "nvme", NULL};
#define node_types sc_node_type_names

static const char *const bar_types[] = {"mem32", "mem64", "io", NULL};
static const char *const intx_names[] = {"none", "a", "b", "c", "d", NULL};
/* ACS capability bits, PCIe 5.0 §7.7.8.2, in the order of their bits */
static const char *const acs_names[] = {"sv", "tb", "rr", "cr", "uf", "ec", "dt", NULL};

static const struct cfg_schema node_schema;

/* ---- BARs ---- */

static void bar_check(void *p, const struct cfg_scope *s)
{
	const struct sc_bar *b = p;

	if (b->size & (b->size - 1))
		cfg_scope_error(s, "size", "BAR size %llu is not a power of two",
				(unsigned long long)b->size);
	else if (b->type == SC_BAR_IO && (b->size < 4 || b->size > 256))
		cfg_scope_error(s, "size", "an I/O BAR is 4 to 256 bytes, not %llu",
				(unsigned long long)b->size);
	else if (b->type != SC_BAR_IO && b->size < 16)
		cfg_scope_error(s, "size", "a memory BAR is at least 16 bytes");
	else if (b->type == SC_BAR_MEM32 && b->size > (1ull << 31))
		cfg_scope_error(s, "size", "a 32-bit BAR is at most 2 GiB");
	if (b->type == SC_BAR_MEM64 && b->index > 4)
		cfg_scope_error(s, "index", "a 64-bit BAR takes two slots: index 0-4");
	if (b->type != SC_BAR_MEM64 && b->index > 5)
		cfg_scope_error(s, "index", "BARs are 0-5");
	if (b->prefetch && b->type == SC_BAR_IO)
		cfg_scope_error(s, "prefetch", "an I/O BAR is not prefetchable");
}

static const struct cfg_field bar_fields[] = {
	CFG_U32("index", struct sc_bar, index, 0, 0, 5, NULL, "BAR number (0-5)",
		.flags = CFG_ID),
	CFG_U64("size", struct sc_bar, size, 0x4000, 4, 1ull << 40, "bytes", "a power of two"),
	CFG_ENUM("type", struct sc_bar, type, bar_types, SC_BAR_MEM64,
		 "32-bit memory, 64-bit memory (two slots) or I/O ports"),
	CFG_BOOL("prefetch", struct sc_bar, prefetch, false, "prefetchable memory"),
	CFG_END,
};
const struct cfg_schema sc_bar_schema =
	CFG_SCHEMA("bar", struct sc_bar, bar_fields, .check = bar_check);

/* ---- SR-IOV ---- */

static void sriov_check(void *p, const struct cfg_scope *s)
{
	struct sc_sriov *v = p;

	v->has_vf_bars = cfg_scope_has(s, "vf_bars");
	if (v->num_vfs > v->total_vfs)
		cfg_scope_error(s, "num_vfs", "NumVFs %u is above TotalVFs %u", v->num_vfs,
				v->total_vfs);
	if (v->total_vfs > 2048)
		cfg_scope_error(s, "total_vfs",
				"TotalVFs %u: ptsim builds at most 2048 VFs per PF (real devices "
				"offer up to a few hundred)",
				v->total_vfs);
	if (v->total_vfs > 1 && !v->stride)
		cfg_scope_error(s, "stride", "several VFs need a VF Stride of at least 1");
}

static const struct cfg_field sriov_fields[] = {
	CFG_U32("total_vfs", struct sc_sriov, total_vfs, 8, 1, 65535, "VFs",
		"TotalVFs: VFs the PF can have (ptsim builds at most 2048)"),
	CFG_U32("num_vfs", struct sc_sriov, num_vfs, 0, 0, 65535, "VFs",
		"VFs the host enables at boot (NumVFs, then VF Enable)"),
	CFG_U32("offset", struct sc_sriov, offset, 128, 1, 65535, "routing IDs",
		"First VF Offset (routing ID of VF 1 minus the PF's)"),
	CFG_U32("stride", struct sc_sriov, stride, 1, 0, 65535, "routing IDs", "VF Stride"),
	CFG_U32("vf_device", struct sc_sriov, vf_device, 0x0003, 0, 0xffff, NULL, "VF Device ID",
		.flags = CFG_HEX),
	CFG_U32("vf_msix_vectors", struct sc_sriov, vf_msix_vectors, 4, 0, 2048, "vectors",
		"MSI-X vectors of each VF (table in VF BAR 0 when there is one)"),
	CFG_LIST("vf_bars", struct sc_sriov, vf_bars, nvf_bars, sc_bar_schema, 0, 6,
		 "each VF's BARs (sizes per VF; default one 16 KiB 64-bit BAR 0)"),
	CFG_END,
};
static const struct cfg_schema sriov_schema =
	CFG_SCHEMA("sriov", struct sc_sriov, sriov_fields, .check = sriov_check);

/* ---- a function of the topology ---- */

static uint16_t acs_from_names(const struct sc_node *n, const struct cfg_scope *s)
{
	uint16_t bits = 0;

	for (size_t i = 0; i < n->nacs; i++) {
		int k = 0;

		if (!n->acs[i])
			continue; /* not a string: the binder said so */
		while (acs_names[k] && strcmp(acs_names[k], n->acs[i]))
			k++;
		if (!acs_names[k]) {
			cfg_scope_error(s, "acs",
					"unknown ACS control '%s' (sv, tb, rr, cr, uf, ec, dt)",
					n->acs[i]);
			continue;
		}
		bits |= (uint16_t)(1u << k);
	}
	return bits;
}

static void node_check(void *p, const struct cfg_scope *s)
{
	struct sc_node *n = p;
	bool ep = n->type == SC_PTNIC || n->type == SC_ENDPOINT || n->type == SC_RCIEP ||
		  n->type == SC_PCI_DEVICE || n->type == SC_DMA_ENGINE || n->type == SC_NVME;

	n->has_type = cfg_scope_has(s, "type");
	n->has_bars = cfg_scope_has(s, "bars");
	n->has_sriov = cfg_scope_has(s, "sriov");
	n->has_ids = cfg_scope_has(s, "vendor") || cfg_scope_has(s, "device") ||
		     cfg_scope_has(s, "class");
	n->acs_given = cfg_scope_has(s, "acs");
	n->has_acs = n->acs_given && n->nacs;
	cfg_scope_check_name(s, "name", "device", n->name, true);
	if (n->has_acs)
		n->acs_bits = acs_from_names(n, s);
	if ((n->type == SC_ROOT_PORT || n->type == SC_DOWNSTREAM_PORT || n->type == SC_SWITCH ||
	     n->type == SC_PCI_BRIDGE) &&
	    cfg_scope_has(s, "ats"))
		cfg_scope_error(s, "ats", "'ats' is an endpoint's capability; '%s' is a port",
				n->name);
	if (ep && n->nbelow)
		cfg_scope_error(s, "below", "an endpoint ('%s') has nothing below it", n->name);
	if (n->type == SC_SWITCH && n->nbelow)
		cfg_scope_error(s, "below", "a switch's downstream ports go in 'ports'");
	if (n->type != SC_SWITCH && n->nports)
		cfg_scope_error(s, "ports", "only a switch has 'ports'");
	if ((ep || n->type == SC_SWITCH || n->type == SC_PCI_BRIDGE) && cfg_scope_has(s, "link"))
		cfg_scope_error(s, "link",
				"the link belongs to the port above '%s'; set it there", n->name);
	if (n->type == SC_PTNIC && (n->has_ids || n->nbars || n->nacs))
		cfg_scope_error(s, NULL, "ptnic '%s' is a fixed device; use type 'endpoint' for a "
			       "configurable one", n->name);
	if (n->type == SC_PTNIC && n->has_sriov &&
	    (n->sriov.has_vf_bars || cfg_node_at(s->map, "sriov.vf_device") ||
	     cfg_node_at(s->map, "sriov.vf_msix_vectors")))
		cfg_scope_error(s, "sriov", "a ptnic's VFs are ptnics (fixed BAR, IDs and MSI-X): "
			       "give only total_vfs, num_vfs, offset and stride");
	if (n->type == SC_NVME && (n->has_ids || n->nbars || n->has_sriov))
		cfg_scope_error(s, NULL, "nvme '%s' is a fixed device (IDs, BAR0, MSI-X); its knobs "
			       "are under 'nvme'", n->name);
	if (n->type != SC_NVME && cfg_scope_has(s, "nvme"))
		cfg_scope_error(s, "nvme", "'nvme' sets an NVMe controller's knobs; '%s' is not one",
				n->name);
	if (n->function > 255 || (n->function > 7 && !n->ari))
		cfg_scope_error(s, "function",
				"'function' is %u; functions are 0-7 (up to 255 with 'ari: true')",
				n->function);
	if (n->has_sriov && n->type != SC_ENDPOINT && n->type != SC_RCIEP && n->type != SC_PTNIC)
		cfg_scope_error(s, "sriov", "only an endpoint or RCiEP can be an SR-IOV PF");
	if (n->msi_vectors && (n->msi_vectors > 32 || (n->msi_vectors & (n->msi_vectors - 1))))
		cfg_scope_error(s, "msi_vectors", "MSI has 1, 2, 4, 8, 16 or 32 vectors, not %u",
				n->msi_vectors);
	if (n->pci_mhz != 33 && n->pci_mhz != 66)
		cfg_scope_error(s, "pci_mhz", "a conventional PCI bus runs at 33 or 66 MHz");
	if (n->pci_bits != 32 && n->pci_bits != 64)
		cfg_scope_error(s, "pci_bits", "a conventional PCI bus is 32 or 64 bits wide");
	if (n->type == SC_PCI_DEVICE && n->pasid_bits + n->ats + n->ari)
		cfg_scope_error(s, NULL, "a conventional PCI device has no PCIe capabilities");
}

static const struct cfg_field node_fields[] = {
	CFG_STR("name", struct sc_node, name, NULL, "unique name of the function",
		.flags = CFG_REQUIRED),
	CFG_ENUM("type", struct sc_node, type, node_types, SC_ROOT_PORT, "what it is"),
	CFG_U32("slot", struct sc_node, slot, 0, 0, 31, NULL,
		"PCI device number on its bus (below a port: 0)", .flags = CFG_ID),
	CFG_U32("function", struct sc_node, function, 0, 0, 255, NULL,
		"PCI function number (0-7; up to 255 with ARI)", .flags = CFG_ID),
	CFG_STRUCT("link", struct sc_node, link, pcie_link_cfg_schema,
		   "a port's link to what is below it"),
	CFG_LIST("below", struct sc_node, below, nbelow, node_schema, 0, 256,
		 "what sits on the port's (or bridge's) secondary bus"),
	CFG_LIST("ports", struct sc_node, ports, nports, node_schema, 0, 32,
		 "switch: its downstream ports (type downstream_port, each with a link)"),
	CFG_INLINE(struct sc_node, nic, nic_cfg_schema),
	CFG_STRUCT("nvme", struct sc_node, nvme, nvme_cfg_schema,
		   "type nvme: the NVMe controller's queues and media"),
	CFG_U32("vendor", struct sc_node, vendor, 0x7074, 0, 0xffff, NULL,
		"Vendor ID (0x7074 is ptsim's; ports and bridges: their silicon's unless given)",
		.flags = CFG_HEX),
	CFG_U32("device", struct sc_node, device, 0x0002, 0, 0xffff, NULL, "Device ID",
		.flags = CFG_HEX),
	CFG_U32("class", struct sc_node, class_code, 0xff0000, 0, 0xffffff, NULL,
		"class code: base, sub-class, programming interface (0x020000: Ethernet)",
		.flags = CFG_HEX),
	CFG_U32("revision", struct sc_node, revision, 0, 0, 0xff, NULL, "Revision ID",
		.flags = CFG_HEX),
	CFG_U32("subsystem_vendor", struct sc_node, subsys_vendor, 0, 0, 0xffff, NULL,
		"Subsystem Vendor ID", .flags = CFG_HEX),
	CFG_U32("subsystem", struct sc_node, subsys, 0, 0, 0xffff, NULL, "Subsystem ID",
		.flags = CFG_HEX),
	CFG_LIST("bars", struct sc_node, bars, nbars, sc_bar_schema, 0, 6,
		 "endpoint: its BARs (default: one 16 KiB 64-bit BAR 0)"),
	CFG_U32("msi_vectors", struct sc_node, msi_vectors, 0, 0, 32, "vectors",
		"MSI capability with this many vectors (0: none)"),
	CFG_U32("msix_vectors", struct sc_node, msix_vectors, 0, 0, 2048, "vectors",
		"MSI-X capability with this many vectors (0: none)"),
	CFG_U32("msix_bar", struct sc_node, msix_bar, 0, 0, 5, NULL,
		"the memory BAR holding the MSI-X table (at its start) and PBA", .flags = CFG_ID),
	CFG_ENUM("intx", struct sc_node, intx, intx_names, SC_INTX_A, "legacy interrupt pin"),
	CFG_BOOL("flr", struct sc_node, flr, true, "endpoint: supports function-level reset"),
	CFG_STRLIST("acs", struct sc_node, acs, nacs,
		    "ACS capability with the controls it implements (sv tb rr cr uf ec dt); [] for "
		    "none (default: ports [sv, tb, rr, cr, uf], other functions none)"),
	CFG_BOOL("ari", struct sc_node, ari, false,
		 "endpoint: ARI capability (function numbers up to 255)"),
	CFG_BOOL("ari_forwarding", struct sc_node, ari_forwarding, true,
		 "root/downstream port: can forward ARI (DEVCAP2)"),
	CFG_BOOL("ats", struct sc_node, ats, false,
		 "endpoint: ATS capability (ptnic, dma_engine: with a device-side translation "
		 "cache)"),
	CFG_U32("atc_entries", struct sc_node, atc_entries, 64, 1, 65536, "entries",
		"endpoint with ATS: translation cache entries (fully associative, LRU)"),
	CFG_U32("pasid_bits", struct sc_node, pasid_bits, 0, 0, 20, "bits",
		"endpoint: PASID capability with this width (0: none)"),
	CFG_STRUCT("sriov", struct sc_node, sriov, sriov_schema,
		   "endpoint: SR-IOV physical function (VFs are named <name>.vf<n>)"),
	CFG_NS("latency_ns", struct sc_node, latency_ps, 110, 0, 1e6,
	       "switch: forwarding latency; pci_bridge: its own",
	       .source = "PLX/Broadcom PEX switches: 100-150 ns"),
	CFG_U32("pci_mhz", struct sc_node, pci_mhz, 33, 33, 66, "MHz",
		"pci_bridge: conventional bus clock"),
	CFG_U32("pci_bits", struct sc_node, pci_bits, 32, 32, 64, "bits",
		"pci_bridge: conventional bus width"),
	CFG_END,
};
static const struct cfg_schema node_schema =
	CFG_SCHEMA("pcie device", struct sc_node, node_fields, .check = node_check);

/* ---- machine.pcie ---- */

static const struct cfg_field pcie_fields[] = {
	CFG_INLINE(struct sc_pcie, fabric, pcie_fabric_cfg_schema),
	CFG_LIST("devices", struct sc_pcie, devices, ndevices, node_schema, 0, 64,
		 "the root bus: root ports and integrated endpoints, with what is below them"),
	CFG_END,
};
const struct cfg_schema sc_pcie_schema = CFG_SCHEMA("pcie", struct sc_pcie, pcie_fields);
