/* SPDX-License-Identifier: MIT */
/*
 * The scenario schema: every key, its type, range, default and meaning. Defaults are taken
 * from published measurements or specifications where one exists; configs/default.yaml names
 * the source next to each value. configs/README.md is generated from these tables
 * (`ptsim check --schema`).
 */
#include "app/scenario.h"
#include "models/devices/dmaeng_regs.h"
#include "models/devices/nic_regs.h"
#include "models/host/bootparam.h"
#include "sim/config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS(x) ((uint64_t)((x) * 1000.0))

const char *const sc_node_type_names[] = {"root_port", "ptnic", "switch", "downstream_port",
					  "endpoint", "rciep", "pci_bridge", "pci_device",
					  "dma_engine", NULL};
#define node_types sc_node_type_names
static const char *const repl_names[] = {"lru", "fifo", "random", NULL};
const char *const sc_irq_mode_names[] = {"emulated", "eoi_passthrough", "eli", "cpu_posted",
					 "vtd_posted", NULL};
const char *const sc_strategy_names[] = {"none",	"direct_map", "single_use",
					 "shared",	"persistent", "on_demand", NULL};
static const char *const inval_names[] = {"strict", "deferred", NULL};
static const char *const viommu_names[] = {"none", "shadow", "nested", NULL};
const char *const sc_wl_kind_names[] = {"stream_rx", "stream_tx", "rr", "nvme", "dma_bench",
					NULL};
static const char *const arrival_names[] = {"constant", "poisson", NULL};
static const char *const idle_names[] = {"halt", "busy", NULL};
static const char *const pciconf_names[] = {"ecam", "io", NULL};
static const char *const apic_names[] = {"x2apic", "xapic", NULL};
static const char *const task_names[] = {"idle", "cpu_hog", NULL};

/* A size as a person writes it: 16 bytes, 16 KiB, 512 MiB, 32 GiB (rounded down). */
static const char *fmt_size(uint64_t bytes, char *buf, size_t len)
{
	if (bytes >= (1ull << 30) && !(bytes & ((1ull << 30) - 1)))
		snprintf(buf, len, "%llu GiB", (unsigned long long)(bytes >> 30));
	else if (bytes >= (1ull << 20))
		snprintf(buf, len, "%llu MiB", (unsigned long long)(bytes >> 20));
	else if (bytes >= 1024)
		snprintf(buf, len, "%llu KiB", (unsigned long long)(bytes >> 10));
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)bytes);
	return buf;
}

/* ---- names ---- */

/* Names live in the models' 32-byte name fields and go unquoted into results keys
 * (vms.<name>.exits), CSV headers, location listings and traces. */
#define SC_NAME_MAX 31

/* A name's mistake, or NULL: 1 to 31 letters, digits, '_' and '-', and '.' when `dots`. */
static const char *name_problem(const char *name, bool dots, char *buf, size_t len)
{
	size_t n = strlen(name);

	if (!n)
		return "is empty";
	if (n > SC_NAME_MAX) {
		snprintf(buf, len, "is %zu characters long; at most %d", n, SC_NAME_MAX);
		return buf;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '-' || (c == '.' && dots))
			continue;
		if (c > 0x20 && c < 0x7f)
			snprintf(buf, len, "has '%c'; names are letters, digits, '_', '-'%s", c,
				 dots ? " and '.'" : "");
		else
			snprintf(buf, len, "has byte 0x%02x; names are letters, digits, '_', '-'%s",
				 c, dots ? " and '.'" : "");
		return buf;
	}
	return NULL;
}

static void check_name(const struct cfg_scope *s, const char *what, const char *name, bool dots)
{
	char buf[96];
	const char *why = name ? name_problem(name, dots, buf, sizeof(buf)) : NULL;

	if (why)
		cfg_scope_error(s, "name", "%s name '%.40s%s' %s", what, name,
				strlen(name) > 40 ? "..." : "", why);
}

/* "<pf>.vf<n>": VF n (1-65535, decimal without a leading zero) of a function named pf. */
static bool parse_vf_name(const char *name, char *pf, size_t pflen, unsigned *k)
{
	const char *dot = strrchr(name, '.');
	unsigned long v = 0;
	const char *d;

	if (!dot || dot == name || (size_t)(dot - name) >= pflen || strncmp(dot, ".vf", 3))
		return false;
	d = dot + 3;
	if (*d < '1' || *d > '9')
		return false;
	for (; *d; d++) {
		if (*d < '0' || *d > '9')
			return false;
		v = v * 10 + (unsigned long)(*d - '0');
		if (v > 65535)
			return false;
	}
	memcpy(pf, name, (size_t)(dot - name));
	pf[dot - name] = 0;
	*k = (unsigned)v;
	return true;
}

/* ---- machine.pcie.devices (a tree) ---- */

static void link_defaults(void *p)
{
	struct sc_link *l = p;

	l->gen = 3;
	l->width = 8;
	l->mps = 256;
	l->mrrs = 512;
	l->rcb = 64;
	l->latency_ps = NS(70);
}

static void link_check(void *p, const struct cfg_scope *s)
{
	const struct sc_link *l = p;

	/* x12 has no Ack/UpdateFC table in the model (and PCIe 6.0 dropped it) */
	if (l->width != 1 && l->width != 2 && l->width != 4 && l->width != 8 && l->width != 16 &&
	    l->width != 32)
		cfg_scope_error(s, "width", "'width' is %u; a link has 1, 2, 4, 8, 16 or 32 lanes",
				l->width);
	if (l->gen == 6 && l->width == 32)
		cfg_scope_error(s, "width", "64 GT/s (gen 6) links are x1 to x16");
	if (l->rcb != 64 && l->rcb != 128)
		cfg_scope_error(s, "rcb", "'rcb' is %u; the read completion boundary is 64 or 128",
				l->rcb);
	if (l->mps < l->rcb)
		cfg_scope_error(s, "mps", "'mps' (%u) is smaller than 'rcb' (%u)", l->mps, l->rcb);
}

static const struct cfg_field link_fields[] = {
	CFG_FIELD("gen", CFG_F_U32, struct sc_link, gen, 1, 6, 0, "PCIe generation (1-6)"),
	CFG_FIELD("width", CFG_F_U32, struct sc_link, width, 1, 32, 0, "lanes"),
	CFG_FIELD("mps", CFG_F_U32, struct sc_link, mps, 128, 4096, CFG_POW2,
		  "max payload size, bytes"),
	CFG_FIELD("mrrs", CFG_F_U32, struct sc_link, mrrs, 128, 4096, CFG_POW2,
		  "max read request size, bytes"),
	CFG_FIELD("rcb", CFG_F_U32, struct sc_link, rcb, 64, 128, CFG_POW2,
		  "read completion boundary, bytes"),
	CFG_FIELD("latency_ns", CFG_F_NS, struct sc_link, latency_ps, 0, 1e6, 0,
		  "one-way PHY + data-link latency of the hop"),
	CFG_END,
};
static const struct cfg_schema link_schema = {"link", sizeof(struct sc_link), link_fields,
					      link_defaults, link_check};

static const struct cfg_schema node_schema;

static const char *const bar_types[] = {"mem32", "mem64", "io", NULL};
static const char *const intx_names[] = {"none", "a", "b", "c", "d", NULL};
/* ACS capability bits, PCIe 5.0 §7.7.8.2, in the order of their bits */
static const char *const acs_names[] = {"sv", "tb", "rr", "cr", "uf", "ec", "dt", NULL};

static void bar_defaults(void *p)
{
	struct sc_bar *b = p;

	b->type = SC_BAR_MEM64;
	b->size = 0x4000;
}

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
	CFG_FIELD("index", CFG_F_U32, struct sc_bar, index, 0, 5, 0, "BAR number (0-5)"),
	CFG_FIELD("size", CFG_F_U64, struct sc_bar, size, 4, 1ull << 40, 0,
		  "bytes (a power of two)"),
	CFG_ENUMF("type", struct sc_bar, type, bar_types,
		  "32-bit memory, 64-bit memory (two slots) or I/O ports"),
	CFG_FIELD("prefetch", CFG_F_BOOL, struct sc_bar, prefetch, 0, 0, 0, "prefetchable memory"),
	CFG_END,
};
static const struct cfg_schema bar_schema = {"bar", sizeof(struct sc_bar), bar_fields,
					     bar_defaults, bar_check};

static void sriov_defaults(void *p)
{
	struct sc_sriov *v = p;

	v->total_vfs = 8;
	v->num_vfs = 0;
	v->offset = 128;
	v->stride = 1;
	v->vf_device = 0x0003;
	v->vf_msix_vectors = 4;
}

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
	CFG_FIELD("total_vfs", CFG_F_U32, struct sc_sriov, total_vfs, 1, 65535, 0,
		  "TotalVFs: VFs the PF can have (ptsim builds at most 2048)"),
	CFG_FIELD("num_vfs", CFG_F_U32, struct sc_sriov, num_vfs, 0, 65535, 0,
		  "VFs the host enables at boot (NumVFs, then VF Enable)"),
	CFG_FIELD("offset", CFG_F_U32, struct sc_sriov, offset, 1, 65535, 0,
		  "First VF Offset (routing ID of VF 1 minus the PF's)"),
	CFG_FIELD("stride", CFG_F_U32, struct sc_sriov, stride, 0, 65535, 0, "VF Stride"),
	CFG_FIELD("vf_device", CFG_F_U32, struct sc_sriov, vf_device, 0, 0xffff, 0,
		  "VF Device ID"),
	CFG_FIELD("vf_msix_vectors", CFG_F_U32, struct sc_sriov, vf_msix_vectors, 0, 2048, 0,
		  "MSI-X vectors of each VF (table in VF BAR 0 when there is one)"),
	CFG_LISTF("vf_bars", struct sc_sriov, vf_bars, nvf_bars, bar_schema, 0, 6,
		  "each VF's BARs (sizes per VF; default one 16 KiB 64-bit BAR 0)"),
	CFG_END,
};
static const struct cfg_schema sriov_schema = {"sriov", sizeof(struct sc_sriov), sriov_fields,
					       sriov_defaults, sriov_check};

static void node_defaults(void *p)
{
	struct sc_node *n = p;

	link_defaults(&n->link);
	n->max_inflight = 32;
	n->reset_ps = NS(1000);
	n->ats = false;
	n->atc_entries = 64;
	n->vendor = 0x7074; /* ptsim's own (not in pci.ids) */
	n->device = 0x0002;
	n->class_code = 0xff0000;
	n->intx = SC_INTX_A;
	n->flr = true;
	n->ari_forwarding = true;
	n->latency_ps = NS(110);
	n->pci_mhz = 33;
	n->pci_bits = 32;
	sriov_defaults(&n->sriov);
}

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
		  n->type == SC_PCI_DEVICE || n->type == SC_DMA_ENGINE;

	n->has_type = cfg_scope_has(s, "type");
	n->has_bars = cfg_scope_has(s, "bars");
	n->has_sriov = cfg_scope_has(s, "sriov");
	n->has_ids = cfg_scope_has(s, "vendor") || cfg_scope_has(s, "device") ||
		     cfg_scope_has(s, "class");
	n->acs_given = cfg_scope_has(s, "acs");
	n->has_acs = n->acs_given && n->nacs;
	check_name(s, "device", n->name, true);
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
	if (n->type == SC_PTNIC && (n->has_ids || n->nbars || n->has_sriov || n->nacs))
		cfg_scope_error(s, NULL, "ptnic '%s' is a fixed device; use type 'endpoint' for a "
			       "configurable one", n->name);
	if (n->function > 255 || (n->function > 7 && !n->ari))
		cfg_scope_error(s, "function",
				"'function' is %u; functions are 0-7 (up to 255 with 'ari: true')",
				n->function);
	if (n->has_sriov && n->type != SC_ENDPOINT && n->type != SC_RCIEP)
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
    CFG_FIELD("name", CFG_F_STR, struct sc_node, name, 0, 0, CFG_REQUIRED,
	      "unique name of the function"),
    CFG_ENUMF("type", struct sc_node, type, node_types, "what it is"),
    CFG_FIELD("slot", CFG_F_U32, struct sc_node, slot, 0, 31, 0,
	      "PCI device number on its bus (below a port: 0)"),
    CFG_FIELD("function", CFG_F_U32, struct sc_node, function, 0, 255, 0,
	      "PCI function number (0-7; up to 255 with ARI)"),
    CFG_SUB("link", struct sc_node, link, link_schema, "a port's link to what is below it"),
    CFG_LISTF("below", struct sc_node, below, nbelow, node_schema, 0, 256,
	      "what sits on the port's (or bridge's) secondary bus"),
    CFG_LISTF("ports", struct sc_node, ports, nports, node_schema, 0, 32,
	      "switch: its downstream ports (type downstream_port, each with a link)"),
    CFG_FIELD("max_inflight", CFG_F_U32, struct sc_node, max_inflight, 1, 1024, 0,
	      "ptnic: frames whose DMA may be in flight at once"),
    CFG_FIELD("reset_ns", CFG_F_NS, struct sc_node, reset_ps, 0, 1e9, 0,
	      "ptnic: time from CTRL.RST to ready"),
    CFG_FIELD("vendor", CFG_F_U32, struct sc_node, vendor, 0, 0xffff, 0,
	      "Vendor ID (default: per type; 0x7074 is ptsim's)"),
    CFG_FIELD("device", CFG_F_U32, struct sc_node, device, 0, 0xffff, 0, "Device ID"),
    CFG_FIELD("class", CFG_F_U32, struct sc_node, class_code, 0, 0xffffff, 0,
	      "class code: base, sub-class, programming interface (0x020000: Ethernet)"),
    CFG_FIELD("revision", CFG_F_U32, struct sc_node, revision, 0, 0xff, 0, "Revision ID"),
    CFG_FIELD("subsystem_vendor", CFG_F_U32, struct sc_node, subsys_vendor, 0, 0xffff, 0,
	      "Subsystem Vendor ID"),
    CFG_FIELD("subsystem", CFG_F_U32, struct sc_node, subsys, 0, 0xffff, 0, "Subsystem ID"),
    CFG_LISTF("bars", struct sc_node, bars, nbars, bar_schema, 0, 6,
	      "endpoint: its BARs (default: one 16 KiB 64-bit BAR 0)"),
    CFG_FIELD("msi_vectors", CFG_F_U32, struct sc_node, msi_vectors, 0, 32, 0,
	      "MSI capability with this many vectors (0: none)"),
    CFG_FIELD("msix_vectors", CFG_F_U32, struct sc_node, msix_vectors, 0, 2048, 0,
	      "MSI-X capability with this many vectors (0: none)"),
    CFG_FIELD("msix_bar", CFG_F_U32, struct sc_node, msix_bar, 0, 5, 0,
	      "the memory BAR holding the MSI-X table (at its start) and PBA"),
    CFG_ENUMF("intx", struct sc_node, intx, intx_names, "legacy interrupt pin"),
    CFG_FIELD("flr", CFG_F_BOOL, struct sc_node, flr, 0, 0, 0,
	      "endpoint: supports function-level reset"),
    CFG_SLIST("acs", CFG_F_STRLIST, struct sc_node, acs, nacs, 0, 0,
	      "ACS capability with the controls it implements (sv tb rr cr uf ec dt); [] for none "
	      "(default: ports [sv, tb, rr, cr, uf], other functions none)"),
    CFG_FIELD("ari", CFG_F_BOOL, struct sc_node, ari, 0, 0, 0,
	      "endpoint: ARI capability (function numbers up to 255)"),
    CFG_FIELD("ari_forwarding", CFG_F_BOOL, struct sc_node, ari_forwarding, 0, 0, 0,
	      "root/downstream port: can forward ARI (DEVCAP2)"),
    CFG_FIELD("ats", CFG_F_BOOL, struct sc_node, ats, 0, 0, 0,
	      "endpoint: ATS capability (ptnic, dma_engine: with a device-side translation cache)"),
    CFG_FIELD("atc_entries", CFG_F_U32, struct sc_node, atc_entries, 1, 65536, 0,
	      "endpoint with ATS: translation cache entries (fully associative, LRU)"),
    CFG_FIELD("pasid_bits", CFG_F_U32, struct sc_node, pasid_bits, 0, 20, 0,
	      "endpoint: PASID capability with this width (0: none)"),
    CFG_SUB("sriov", struct sc_node, sriov, sriov_schema,
	    "endpoint: SR-IOV physical function (VFs are named <name>.vf<n>)"),
    CFG_FIELD("latency_ns", CFG_F_NS, struct sc_node, latency_ps, 0, 1e6, 0,
	      "switch: forwarding latency (PLX/Broadcom PEX: 100-150 ns); pci_bridge: its own"),
    CFG_FIELD("pci_mhz", CFG_F_U32, struct sc_node, pci_mhz, 33, 66, 0,
	      "pci_bridge: conventional bus clock"),
    CFG_FIELD("pci_bits", CFG_F_U32, struct sc_node, pci_bits, 32, 64, 0,
	      "pci_bridge: conventional bus width"),
    CFG_END,
};
static const struct cfg_schema node_schema = {"pcie device", sizeof(struct sc_node), node_fields,
					      node_defaults, node_check};

/* ---- machine ---- */

static void cpu_defaults(void *p)
{
	struct sc_cpu *c = p;

	c->pcpus = 2;
	c->freq_mhz = 2600;
	c->vmexit_cycles = 650;
	c->vmentry_cycles = 650;
	c->mmio_write_cycles = 50;
}

static const struct cfg_field cpu_fields[] = {
	CFG_FIELD("pcpus", CFG_F_U32, struct sc_cpu, pcpus, 1, 256, 0, "physical CPUs"),
	CFG_FIELD("freq_mhz", CFG_F_U32, struct sc_cpu, freq_mhz, 100, 10000, 0, "core clock"),
	CFG_FIELD("vmexit_cycles", CFG_F_U64, struct sc_cpu, vmexit_cycles, 0, 1e7, 0,
		  "hardware cost of a VM exit"),
	CFG_FIELD("vmentry_cycles", CFG_F_U64, struct sc_cpu, vmentry_cycles, 0, 1e7, 0,
		  "hardware cost of a VM entry"),
	CFG_FIELD("mmio_write_cycles", CFG_F_U64, struct sc_cpu, mmio_write_cycles, 0, 1e6, 0,
		  "CPU time to issue an uncached store"),
	CFG_END,
};
static const struct cfg_schema cpu_schema = {"cpu", sizeof(struct sc_cpu), cpu_fields,
					     cpu_defaults, NULL};

static void memory_defaults(void *p)
{
	struct sc_memory *m = p;

	m->size_mib = 8192;
	m->firmware_mib = 1;
	m->latency_ps = NS(80);
	m->llc_latency_ps = NS(20);
	m->bandwidth_gbps = 20;
}

static const struct cfg_field memory_fields[] = {
	CFG_FIELD("size_mib", CFG_F_U64, struct sc_memory, size_mib, 64, 1 << 22, 0,
		  "host RAM, MiB"),
	CFG_FIELD("firmware_mib", CFG_F_U64, struct sc_memory, firmware_mib, 0, 1024, 0,
		  "RAM reserved by firmware at the top of low memory, MiB"),
	CFG_FIELD("latency_ns", CFG_F_NS, struct sc_memory, latency_ps, 0, 1e5, 0,
		  "DRAM access latency"),
	CFG_FIELD("llc_latency_ns", CFG_F_NS, struct sc_memory, llc_latency_ps, 0, 1e5, 0,
		  "last-level cache hit latency"),
	CFG_FIELD("bandwidth_gbps", CFG_F_DOUBLE, struct sc_memory, bandwidth_gbps, 0.1, 10000, 0,
		  "memory bandwidth per access stream, GB/s"),
	CFG_END,
};
static const struct cfg_schema memory_schema = {"memory", sizeof(struct sc_memory),
						memory_fields, memory_defaults, NULL};

static void pcie_defaults(void *p)
{
	struct sc_pcie *c = p;

	c->root_complex_ps = NS(150);
	c->config_access_ps = NS(100);
	c->device_mmio_ps = NS(150);
	c->root_p2p = true;
}

static const struct cfg_field pcie_fields[] = {
	CFG_FIELD("root_complex_ns", CFG_F_NS, struct sc_pcie, root_complex_ps, 0, 1e6, 0,
		  "one pass through the root complex"),
	CFG_FIELD("config_access_ns", CFG_F_NS, struct sc_pcie, config_access_ps, 0, 1e6, 0,
		  "a function's config-space response time"),
	CFG_FIELD("device_mmio_ns", CFG_F_NS, struct sc_pcie, device_mmio_ps, 0, 1e6, 0,
		  "a device's response time to an MMIO read"),
	CFG_FIELD("root_p2p", CFG_F_BOOL, struct sc_pcie, root_p2p, 0, 0, 0,
		  "the root complex routes peer-to-peer requests between its root ports"),
	CFG_LISTF("devices", struct sc_pcie, devices, ndevices, node_schema, 0, 64,
		  "the root bus: root ports and integrated endpoints, with what is below them"),
	CFG_END,
};
static const struct cfg_schema pcie_schema = {"pcie", sizeof(struct sc_pcie), pcie_fields,
					      pcie_defaults, NULL};

static void iotlb_defaults(void *p)
{
	struct sc_iotlb *t = p;

	t->entries = 64;
	t->ways = 4;
	t->replacement = SC_REPL_LRU;
}

static void iotlb_check(void *p, const struct cfg_scope *s)
{
	const struct sc_iotlb *t = p;

	if (t->ways > t->entries || t->entries % t->ways)
		cfg_scope_error(s, "ways", "'ways' (%u) must divide 'entries' (%u)", t->ways,
				t->entries);
}

static const struct cfg_field iotlb_fields[] = {
	CFG_FIELD("entries", CFG_F_U32, struct sc_iotlb, entries, 1, 65536, 0, "IOTLB entries"),
	CFG_FIELD("ways", CFG_F_U32, struct sc_iotlb, ways, 1, 65536, 0,
		  "associativity (ways == entries: fully associative)"),
	CFG_ENUMF("replacement", struct sc_iotlb, replacement, repl_names, "replacement policy"),
	CFG_END,
};
static const struct cfg_schema iotlb_schema = {"iotlb", sizeof(struct sc_iotlb), iotlb_fields,
					       iotlb_defaults, iotlb_check};

static void iommu_defaults(void *p)
{
	struct sc_iommu *m = p;

	m->enabled = true;
	iotlb_defaults(&m->iotlb);
	m->superpages = false;
	m->context_cache_entries = 16;
	m->interrupt_cache_entries = 64;
	m->fault_records = 8;
	m->iotlb_hit_ps = NS(5);
	m->context_hit_ps = NS(2);
	m->walk_step_ps = NS(5);
	m->command_ps = NS(200);
	m->descriptor_ps = NS(100);
	m->register_access_ps = NS(300);
	m->interrupt_remap_ps = NS(10);
	m->queued_invalidation = true;
	m->interrupt_remapping = true;
	m->posted_interrupts = true;
	m->address_width = 48;
	m->domains = 256;
	m->caching_mode = false;
	m->pass_through = true;
	m->extended_interrupt_mode = true;
	m->snoop_control = false;
	m->write_buffer_flush = false;
	m->advanced_fault_log = false;
	m->device_tlb = false;
	m->scalable_mode = false;
	m->first_level = true;
	m->second_level = true;
	m->nested = true;
	m->first_level_1g = true;
	m->pasid_bits = 20;
	m->pasid_cache_entries = 16;
	m->walkers = 4;
	m->devtlb_timeout_ps = NS(1000000);
}

static void unit_defaults(void *p)
{
	struct sc_iommu_unit *u = p;

	u->include_all = false;
}

static const struct cfg_field unit_fields[] = {
	CFG_FIELD("name", CFG_F_STR, struct sc_iommu_unit, name, 0, 0, CFG_REQUIRED,
		  "the unit's name"),
	CFG_FIELD("include_all", CFG_F_BOOL, struct sc_iommu_unit, include_all, 0, 0, 0,
		  "DRHD INCLUDE_PCI_ALL: every device no other unit lists (at most one unit)"),
	CFG_SLIST("scope", CFG_F_STRLIST, struct sc_iommu_unit, scope, nscope, 0, 0,
		  "devices (endpoints, or ports with everything below them) this unit remaps"),
	CFG_END,
};
static void unit_check(void *p, const struct cfg_scope *s)
{
	const struct sc_iommu_unit *u = p;

	check_name(s, "unit", u->name, false);
	/* the DMAR table's DRHD and the host's dmar_unit hold 16 device scopes (DMAR_MAX_SCOPES) */
	if (u->nscope > 16)
		cfg_scope_error(s, "scope",
				"unit '%s' lists %zu devices; a unit's scope holds at "
				"most 16 (ports cover everything below them)",
				u->name, u->nscope);
}

static const struct cfg_schema unit_schema = {"iommu unit", sizeof(struct sc_iommu_unit),
					      unit_fields, unit_defaults, unit_check};

static void psc_defaults(void *p)
{
	memset(p, 0, sizeof(struct sc_psc));
}

static const struct cfg_field psc_fields[] = {
	CFG_FIELD("pde", CFG_F_U32, struct sc_psc, pde, 0, 65536, 0,
		  "cached page-directory entries (each skips 3 of 4 levels); 0: none"),
	CFG_FIELD("pdpte", CFG_F_U32, struct sc_psc, pdpte, 0, 65536, 0,
		  "cached page-directory-pointer entries"),
	CFG_FIELD("pml4e", CFG_F_U32, struct sc_psc, pml4e, 0, 65536, 0, "cached PML4 entries"),
	CFG_FIELD("pml5e", CFG_F_U32, struct sc_psc, pml5e, 0, 65536, 0, "cached PML5 entries"),
	CFG_END,
};
static const struct cfg_schema psc_schema = {"paging-structure caches", sizeof(struct sc_psc),
					     psc_fields, psc_defaults, NULL};

static void iommu_check(void *p, const struct cfg_scope *s)
{
	const struct sc_iommu *m = p;
	unsigned include_all = 0;

	if (m->domains != 16 && m->domains != 64 && m->domains != 256 && m->domains != 1024 &&
	    m->domains != 4096 && m->domains != 16384 && m->domains != 65536)
		cfg_scope_error(s, "domains",
				"'domains' is %u; CAP.ND allows 2^(4+2n): 16, 64, 256, 1024, 4096, "
				"16384 or 65536",
				m->domains);
	if (m->scalable_mode && !m->queued_invalidation)
		cfg_scope_error(s, "scalable_mode",
				"scalable mode needs queued invalidation (256-bit descriptors)");
	if (m->scalable_mode && !m->first_level && !m->second_level)
		cfg_scope_error(s, "scalable_mode",
				"scalable mode needs first_level or second_level translation");
	for (size_t i = 0; i < m->nunits; i++) {
		include_all += m->units[i].include_all;
		for (size_t k = 0; k < i; k++)
			if (m->units[k].name && m->units[i].name &&
			    !strcmp(m->units[k].name, m->units[i].name))
				cfg_scope_error(s, "units", "two units are named '%s'",
						m->units[i].name);
		if (!m->units[i].include_all && !m->units[i].nscope)
			cfg_scope_error(s, "units",
					"unit '%s' has neither 'include_all' nor a 'scope'",
					m->units[i].name);
	}
	if (include_all > 1)
		cfg_scope_error(s, "units", "%u units have 'include_all'; a segment has at most one",
				include_all);
	if (m->nunits > 8)
		cfg_scope_error(s, "units", "%zu units; at most 8", m->nunits);
}

static const struct cfg_field iommu_fields[] = {
	CFG_FIELD("enabled", CFG_F_BOOL, struct sc_iommu, enabled, 0, 0, 0,
		  "the platform has a VT-d unit (and its DMAR table lists it)"),
	CFG_SUB("iotlb", struct sc_iommu, iotlb, iotlb_schema, "the IOTLB"),
	CFG_FIELD("superpages", CFG_F_BOOL, struct sc_iommu, superpages, 0, 0, 0,
		  "2 MiB and 1 GiB second-level pages (CAP.SLLPS)"),
	CFG_FIELD("context_cache_entries", CFG_F_U32, struct sc_iommu, context_cache_entries, 1,
		  65536, 0, "context-cache entries"),
	CFG_FIELD("interrupt_cache_entries", CFG_F_U32, struct sc_iommu, interrupt_cache_entries, 1,
		  65536, 0, "interrupt entry cache entries"),
	CFG_FIELD("fault_records", CFG_F_U32, struct sc_iommu, fault_records, 1, 16, 0,
		  "fault recording registers (CAP.NFR; 16 fit below the IOTLB registers)"),
	CFG_FIELD("address_width", CFG_F_U32, struct sc_iommu, address_width, 39, 57, 0,
		  "widest supported table (39, 48 or 57 bits: 3, 4 or 5 levels)"),
	CFG_FIELD("iotlb_hit_ns", CFG_F_NS, struct sc_iommu, iotlb_hit_ps, 0, 1e5, 0,
		  "translation time on an IOTLB hit"),
	CFG_FIELD("context_hit_ns", CFG_F_NS, struct sc_iommu, context_hit_ps, 0, 1e5, 0,
		  "context-cache hit"),
	CFG_FIELD("walk_step_ns", CFG_F_NS, struct sc_iommu, walk_step_ps, 0, 1e5, 0,
		  "walker time per paging-structure read, beyond the memory access"),
	CFG_FIELD("walk_in_llc", CFG_F_BOOL, struct sc_iommu, walk_in_llc, 0, 0, 0,
		  "paging-structure reads hit the last-level cache"),
	CFG_FIELD("command_ns", CFG_F_NS, struct sc_iommu, command_ps, 0, 1e8, 0,
		  "a GCMD / register invalidation command's completion time"),
	CFG_FIELD("descriptor_ns", CFG_F_NS, struct sc_iommu, descriptor_ps, 0, 1e8, 0,
		  "fetching and executing one invalidation descriptor"),
	CFG_FIELD("register_access_ns", CFG_F_NS, struct sc_iommu, register_access_ps, 0, 1e6, 0,
		  "CPU round trip to a VT-d register"),
	CFG_FIELD("interrupt_remap_ns", CFG_F_NS, struct sc_iommu, interrupt_remap_ps, 0, 1e6, 0,
		  "interrupt remapping on an interrupt-entry-cache hit"),
	CFG_FIELD("queued_invalidation", CFG_F_BOOL, struct sc_iommu, queued_invalidation, 0, 0, 0,
		  "ECAP.QI"),
	CFG_FIELD("interrupt_remapping", CFG_F_BOOL, struct sc_iommu, interrupt_remapping, 0, 0, 0,
		  "ECAP.IR"),
	CFG_FIELD("posted_interrupts", CFG_F_BOOL, struct sc_iommu, posted_interrupts, 0, 0, 0,
		  "CAP.PI"),
	CFG_LISTF("units", struct sc_iommu, units, nunits, unit_schema, 0, 8,
		  "DRHD units (default: one, dmar0, with include_all)"),
	CFG_FIELD("domains", CFG_F_U32, struct sc_iommu, domains, 16, 65536, 0,
		  "domain IDs (CAP.ND: 16, 64, 256, ... 65536)"),
	CFG_FIELD("caching_mode", CFG_F_BOOL, struct sc_iommu, caching_mode, 0, 0, 0,
		  "CAP.CM: not-present entries may be cached (what virtual IOMMUs report)"),
	CFG_FIELD("pass_through", CFG_F_BOOL, struct sc_iommu, pass_through, 0, 0, 0, "ECAP.PT"),
	CFG_FIELD("extended_interrupt_mode", CFG_F_BOOL, struct sc_iommu, extended_interrupt_mode,
		  0, 0, 0, "ECAP.EIM: x2APIC destinations in IRTEs"),
	CFG_FIELD("snoop_control", CFG_F_BOOL, struct sc_iommu, snoop_control, 0, 0, 0, "ECAP.SC"),
	CFG_FIELD("write_buffer_flush", CFG_F_BOOL, struct sc_iommu, write_buffer_flush, 0, 0, 0,
		  "CAP.RWBF: software must flush the write buffer after changing tables"),
	CFG_FIELD("advanced_fault_log", CFG_F_BOOL, struct sc_iommu, advanced_fault_log, 0, 0, 0,
		  "CAP.AFL: faults can be logged to memory"),
	CFG_FIELD("device_tlb", CFG_F_BOOL, struct sc_iommu, device_tlb, 0, 0, 0,
		  "ECAP.DT: ATS (device-side translation caches); the DMAR table gets an ATSR"),
	CFG_FIELD("scalable_mode", CFG_F_BOOL, struct sc_iommu, scalable_mode, 0, 0, 0,
		  "ECAP.SMTS: scalable-mode tables (PASID directory and tables)"),
	CFG_FIELD("first_level", CFG_F_BOOL, struct sc_iommu, first_level, 0, 0, 0,
		  "scalable mode: first-level (x86 page table) translation, ECAP.FLTS"),
	CFG_FIELD("second_level", CFG_F_BOOL, struct sc_iommu, second_level, 0, 0, 0,
		  "scalable mode: second-level translation, ECAP.SLTS"),
	CFG_FIELD("nested", CFG_F_BOOL, struct sc_iommu, nested, 0, 0, 0,
		  "scalable mode: first level over second level, ECAP.NEST"),
	CFG_FIELD("first_level_1g", CFG_F_BOOL, struct sc_iommu, first_level_1g, 0, 0, 0,
		  "1 GiB first-level pages, CAP.FL1GP"),
	CFG_FIELD("pasid_bits", CFG_F_U32, struct sc_iommu, pasid_bits, 0, 20, 0,
		  "PASID width (ECAP.PSS + 1; 0: no PASID support)"),
	CFG_FIELD("pasid_cache_entries", CFG_F_U32, struct sc_iommu, pasid_cache_entries, 0, 65536,
		  0, "PASID-cache entries (scalable mode)"),
	CFG_SUB("paging_structure_caches", struct sc_iommu, psc, psc_schema,
		"entries of the caches of non-leaf paging entries, per level"),
	CFG_FIELD("walkers", CFG_F_U32, struct sc_iommu, walkers, 0, 1024, 0,
		  "page walks in flight at once; more misses queue (0: unbounded)"),
	CFG_FIELD("devtlb_timeout_ns", CFG_F_NS, struct sc_iommu, devtlb_timeout_ps, 1, 1e10, 0,
		  "a device-TLB invalidation without completion by then sets FSTS.ITE"),
	CFG_END,
};
static const struct cfg_schema iommu_schema = {"iommu", sizeof(struct sc_iommu), iommu_fields,
					       iommu_defaults, iommu_check};

/* ---- machine.firmware: what the ACPI tables report (DMAR RMRRs, _OSC) ---- */

static void rmrr_defaults(void *p)
{
	struct sc_rmrr *r = p;

	r->size_kib = 4;
}

static void rmrr_check(void *p, const struct cfg_scope *s)
{
	const struct sc_rmrr *r = p;

	if (r->base & 0xfff)
		cfg_scope_error(s, "base", "'base' %#llx is not 4 KiB aligned",
				(unsigned long long)r->base);
	if (r->size_kib % 4)
		cfg_scope_error(s, "size_kib", "'size_kib' %llu is not a multiple of 4 KiB",
				(unsigned long long)r->size_kib);
}

static const struct cfg_field rmrr_fields[] = {
	CFG_FIELD("device", CFG_F_STR, struct sc_rmrr, device, 0, 0, CFG_REQUIRED,
		  "the function that keeps using the region"),
	CFG_FIELD("base", CFG_F_U64, struct sc_rmrr, base, 0, 0, CFG_REQUIRED,
		  "region start (host-physical, 4 KiB aligned, in RAM)"),
	CFG_FIELD("size_kib", CFG_F_U64, struct sc_rmrr, size_kib, 4, 1 << 30, 0,
		  "region size, KiB"),
	CFG_END,
};
static const struct cfg_schema rmrr_schema = {"rmrr", sizeof(struct sc_rmrr), rmrr_fields,
					      rmrr_defaults, rmrr_check};

static void firmware_defaults(void *p)
{
	struct sc_firmware *f = p;

	f->pcie_native_control = true;
}

static const struct cfg_field firmware_fields[] = {
	CFG_FIELD("pcie_native_control", CFG_F_BOOL, struct sc_firmware, pcie_native_control, 0,
		  0, 0, "_OSC grants the OS native control of PCIe features"),
	CFG_LISTF("rmrrs", struct sc_firmware, rmrrs, nrmrrs, rmrr_schema, 0, 16,
		  "DMAR reserved memory regions (RMRR) devices keep using"),
	CFG_END,
};
static const struct cfg_schema firmware_schema = {"firmware", sizeof(struct sc_firmware),
						  firmware_fields, firmware_defaults, NULL};

static const struct cfg_field machine_fields[] = {
	CFG_SUB("firmware", struct sc_machine, firmware, firmware_schema,
		"what firmware reports to the host (ACPI _OSC, DMAR RMRRs)"),
	CFG_SUB("cpu", struct sc_machine, cpu, cpu_schema, "processors"),
	CFG_SUB("memory", struct sc_machine, memory, memory_schema, "host memory"),
	CFG_SUB("pcie", struct sc_machine, pcie, pcie_schema, "the PCIe fabric"),
	CFG_SUB("iommu", struct sc_machine, iommu, iommu_schema, "the VT-d units"),
	CFG_END,
};
static const struct cfg_schema machine_schema = {"machine", sizeof(struct sc_machine),
						 machine_fields, NULL, NULL};

/* ---- host and hypervisor software costs ---- */

static void sched_defaults(void *p)
{
	struct sc_sched *s = p;

	s->slice_us = 3000;
	s->switch_cycles = 3500;
	s->wakeup_preempt = true;
}

static void host_defaults(void *p)
{
	struct sc_host *h = p;

	h->mem_access_cycles = 4;
	h->irq_entry_cycles = 150;
	h->eoi_cycles = 30;
	h->page_zero_cycles = 500;
	h->poll_ps = NS(100);
	h->flr_wait_us = 100000;
	h->irte_entries = 256;
	sched_defaults(&h->sched);
	h->iommu.scalable_mode = true;
	h->iommu.ats = true;
}

static const struct cfg_field sched_fields[] = {
	CFG_FIELD("slice_us", CFG_F_U64, struct sc_sched, slice_us, 10, 1e6, 0,
		  "time slice of a vCPU thread while others wait for its pCPU"),
	CFG_FIELD("switch_cycles", CFG_F_U64, struct sc_sched, switch_cycles, 0, 1e7, 0,
		  "a context switch between two threads on one pCPU"),
	CFG_FIELD("wakeup_preempt", CFG_F_BOOL, struct sc_sched, wakeup_preempt, 0, 0, 0,
		  "a woken vCPU preempts the running one at once (else it waits its turn)"),
	CFG_END,
};
static const struct cfg_schema sched_schema = {"sched", sizeof(struct sc_sched), sched_fields,
					       sched_defaults, NULL};

static void host_iommu_defaults(void *p)
{
	struct sc_host_iommu *h = p;

	h->scalable_mode = true;
	h->ats = true;
}

static const struct cfg_field host_iommu_fields[] = {
	CFG_FIELD("scalable_mode", CFG_F_BOOL, struct sc_host_iommu, scalable_mode, 0, 0, 0,
		  "use scalable-mode tables when the unit has ECAP.SMTS (Linux's default)"),
	CFG_FIELD("ats", CFG_F_BOOL, struct sc_host_iommu, ats, 0, 0, 0,
		  "enable ATS on endpoints that have it when ECAP.DT and the DMAR ATSR allow"),
	CFG_END,
};
static const struct cfg_schema host_iommu_schema = {"host iommu", sizeof(struct sc_host_iommu),
						    host_iommu_fields, host_iommu_defaults, NULL};

static const struct cfg_field host_fields[] = {
	CFG_FIELD("mem_access_cycles", CFG_F_U64, struct sc_host, mem_access_cycles, 0, 1e6, 0,
		  "a cached load/store to a kernel structure"),
	CFG_FIELD("irq_entry_cycles", CFG_F_U64, struct sc_host, irq_entry_cycles, 0, 1e6, 0,
		  "host interrupt entry and exit"),
	CFG_FIELD("eoi_cycles", CFG_F_U64, struct sc_host, eoi_cycles, 0, 1e6, 0,
		  "an x2APIC EOI (MSR write) in the host"),
	CFG_FIELD("page_zero_cycles", CFG_F_U64, struct sc_host, page_zero_cycles, 0, 1e7, 0,
		  "clearing a 4 KiB page"),
	CFG_FIELD("poll_ns", CFG_F_NS, struct sc_host, poll_ps, 0, 1e9, 0,
		  "delay between polls of a status register"),
	CFG_FIELD("flr_wait_us", CFG_F_U64, struct sc_host, flr_wait_us, 0, 1e7, 0,
		  "wait after a function-level reset (PCIe: 100 ms)"),
	CFG_FIELD("irte_entries", CFG_F_U32, struct sc_host, irte_entries, 2, 65536, CFG_POW2,
		  "interrupt-remapping table size"),
	CFG_SUB("sched", struct sc_host, sched, sched_schema,
		"the scheduler of vCPU threads that share a pCPU"),
	CFG_SUB("iommu", struct sc_host, iommu, host_iommu_schema,
		"what the VT-d driver uses of what the hardware offers"),
	CFG_END,
};
static const struct cfg_schema host_schema = {"host", sizeof(struct sc_host), host_fields,
					      host_defaults, NULL};

static void hv_defaults(void *p)
{
	struct sc_hv *h = p;

	h->ext_int = 150;
	h->intr_window = 100;
	h->hlt = 300;
	h->wakeup = 1500;
	h->apic_msr = 256;
	h->inject = 90;
	h->irqfd = 250;
	h->user_exit = 5432;
	h->kernel_mmio = 1265;
	h->vmcall = 137;
	h->apic_access = 400;
	h->apic_write = 200;
	h->eoi_induced = 200;
	h->exception = 200;
	h->pi_wakeup = 300;
	h->post = 60;
}

static const struct cfg_field hv_fields[] = {
	CFG_FIELD("external_interrupt_cycles", CFG_F_U64, struct sc_hv, ext_int, 0, 1e7, 0,
		  "external-interrupt exit handling"),
	CFG_FIELD("interrupt_window_cycles", CFG_F_U64, struct sc_hv, intr_window, 0, 1e7, 0,
		  "interrupt-window exit handling"),
	CFG_FIELD("hlt_cycles", CFG_F_U64, struct sc_hv, hlt, 0, 1e7, 0,
		  "HLT exit handling before the vCPU blocks"),
	CFG_FIELD("wakeup_cycles", CFG_F_U64, struct sc_hv, wakeup, 0, 1e7, 0,
		  "waking a blocked vCPU thread and switching to it"),
	CFG_FIELD("apic_msr_cycles", CFG_F_U64, struct sc_hv, apic_msr, 0, 1e7, 0,
		  "emulating one x2APIC MSR access (EOI, TPR...)"),
	CFG_FIELD("inject_cycles", CFG_F_U64, struct sc_hv, inject, 0, 1e7, 0,
		  "preparing an event injection"),
	CFG_FIELD("irqfd_cycles", CFG_F_U64, struct sc_hv, irqfd, 0, 1e7, 0,
		  "host MSI handler to guest interrupt (vfio, irqfd, LAPIC)"),
	CFG_FIELD("user_exit_cycles", CFG_F_U64, struct sc_hv, user_exit, 0, 1e8, 0,
		  "an exit served by the user-space VMM (config space, MSI-X table, PIO)"),
	CFG_FIELD("kernel_mmio_cycles", CFG_F_U64, struct sc_hv, kernel_mmio, 0, 1e8, 0,
		  "an MMIO exit served in the kernel"),
	CFG_FIELD("vmcall_cycles", CFG_F_U64, struct sc_hv, vmcall, 0, 1e7, 0, "a hypercall"),
	CFG_FIELD("apic_access_cycles", CFG_F_U64, struct sc_hv, apic_access, 0, 1e7, 0,
		  "emulating an xAPIC access (APIC-access exit: decode and emulate)"),
	CFG_FIELD("apic_write_cycles", CFG_F_U64, struct sc_hv, apic_write, 0, 1e7, 0,
		  "APICv: acting on a trap-like APIC-write exit (ICR, SVR...)"),
	CFG_FIELD("eoi_induced_cycles", CFG_F_U64, struct sc_hv, eoi_induced, 0, 1e7, 0,
		  "APICv: an EOI-induced exit (level-triggered vectors)"),
	CFG_FIELD("exception_cycles", CFG_F_U64, struct sc_hv, exception, 0, 1e7, 0,
		  "ELI: a #NP exit for a vector outside the shadow IDT"),
	CFG_FIELD("pi_wakeup_cycles", CFG_F_U64, struct sc_hv, pi_wakeup, 0, 1e7, 0,
		  "the posted-interrupt wakeup handler"),
	CFG_FIELD("post_cycles", CFG_F_U64, struct sc_hv, post, 0, 1e7, 0,
		  "software posting an interrupt into a vCPU's descriptor"),
	CFG_END,
};
static const struct cfg_schema hv_schema = {"hypervisor", sizeof(struct sc_hv), hv_fields,
					    hv_defaults, NULL};

/* ---- vms ---- */

static void dma_defaults(void *p)
{
	struct sc_dma *d = p;

	d->strategy = SC_DMA_DIRECT_MAP;
	d->quota_pages = 4096;
	d->replacement = SC_REPL_LRU;
	d->batch = 1;
	d->invalidation = SC_INVAL_STRICT;
}

static const struct cfg_field dma_fields[] = {
	CFG_ENUMF("strategy", struct sc_dma, strategy, sc_strategy_names,
		  "how the VM's DMA is mapped in the IOMMU"),
	CFG_FIELD("quota_pages", CFG_F_U64, struct sc_dma, quota_pages, 1, 1ull << 40, 0,
		  "on_demand: pages the map cache may keep mapped"),
	CFG_ENUMF("replacement", struct sc_dma, replacement, repl_names,
		  "on_demand: which mapping the cache drops"),
	CFG_FIELD("batch", CFG_F_U32, struct sc_dma, batch, 1, 65536, 0,
		  "mappings set up or torn down per operation"),
	CFG_FIELD("prefetch", CFG_F_BOOL, struct sc_dma, prefetch, 0, 0, 0,
		  "on_demand: map ahead of use"),
	CFG_ENUMF("invalidation", struct sc_dma, invalidation, inval_names,
		  "IOTLB invalidation after unmapping"),
	CFG_END,
};
static const struct cfg_schema dma_schema = {"dma", sizeof(struct sc_dma), dma_fields,
					     dma_defaults, NULL};

static void ptnic_params_defaults(void *p)
{
	struct sc_ptnic_params *n = p;

	n->ring_size = 256;
	n->budget = 64;
	n->itr = 0;
	n->desc_cycles = 100;
}

static const struct cfg_field ptnic_params_fields[] = {
	CFG_FIELD("ring_size", CFG_F_U32, struct sc_ptnic_params, ring_size, 8, 4096, CFG_POW2,
		  "receive descriptors"),
	CFG_FIELD("budget", CFG_F_U32, struct sc_ptnic_params, budget, 1, 65536, 0,
		  "descriptors cleaned per interrupt at most"),
	CFG_FIELD("itr", CFG_F_U32, struct sc_ptnic_params, itr, 0, 65535, 0,
		  "interrupt throttle: minimum gap, in 256 ns units (0: off)"),
	CFG_FIELD("desc_cycles", CFG_F_U64, struct sc_ptnic_params, desc_cycles, 0, 1e7, 0,
		  "driver work per received descriptor"),
	CFG_FIELD("intx", CFG_F_BOOL, struct sc_ptnic_params, intx, 0, 0, 0,
		  "use the legacy INTx line (through the I/O APIC) instead of MSI-X"),
	CFG_END,
};
static const struct cfg_schema ptnic_params_schema = {"ptnic", sizeof(struct sc_ptnic_params),
						      ptnic_params_fields, ptnic_params_defaults,
						      NULL};

static void guest_defaults(void *p)
{
	struct sc_guest *g = p;

	g->irq_entry_cycles = 300;
	g->irq_exit_cycles = 200;
	g->net_rx_cycles = 1500;
	g->pci_config = SC_PCICONF_ECAM;
	g->apic = SC_APIC_X2APIC;
	g->task = SC_TASK_IDLE;
	ptnic_params_defaults(&g->ptnic);
}

static const struct cfg_field guest_fields[] = {
	CFG_FIELD("irq_entry_cycles", CFG_F_U64, struct sc_guest, irq_entry_cycles, 0, 1e7, 0,
		  "guest interrupt entry (IDT to handler)"),
	CFG_FIELD("irq_exit_cycles", CFG_F_U64, struct sc_guest, irq_exit_cycles, 0, 1e7, 0,
		  "guest interrupt exit (to IRET)"),
	CFG_FIELD("net_rx_cycles", CFG_F_U64, struct sc_guest, net_rx_cycles, 0, 1e8, 0,
		  "network stack work per received frame"),
	CFG_ENUMF("pci_config", struct sc_guest, pci_config, pciconf_names,
		  "config space access: ECAM (MMIO) or ports 0xCF8/0xCFC"),
	CFG_ENUMF("apic", struct sc_guest, apic, apic_names,
		  "the guest's LAPIC interface: x2APIC MSRs or the xAPIC MMIO page"),
	CFG_ENUMF("task", struct sc_guest, task, task_names,
		  "what a VM that is not the workload's runs: idle (halts) or cpu_hog (never "
		  "halts, like a batch job)"),
	CFG_SUB("ptnic", struct sc_guest, ptnic, ptnic_params_schema,
		"ptnic driver parameters"),
	CFG_END,
};
static const struct cfg_schema guest_schema = {"guest", sizeof(struct sc_guest), guest_fields,
					       guest_defaults, NULL};

static void vm_defaults(void *p)
{
	struct sc_vm *v = p;

	v->vcpus = 1;
	v->memory_mib = 1024;
	v->interrupt_mode = SC_IRQ_EMULATED;
	v->halt_poll_ps = NS(200000);
	dma_defaults(&v->dma);
	v->viommu = SC_VIOMMU_NONE;
	guest_defaults(&v->guest);
}

static void vm_check(void *p, const struct cfg_scope *s)
{
	struct sc_vm *v = p;

	check_name(s, "VM", v->name, false);
	if (v->npcpus && v->npcpus != v->vcpus)
		cfg_scope_error(s, "pcpus", "'pcpus' lists %zu pCPU%s for %u vCPU%s", v->npcpus,
				v->npcpus == 1 ? "" : "s", v->vcpus, v->vcpus == 1 ? "" : "s");
	v->host_irq_pcpu_set = cfg_scope_has(s, "host_irq_pcpu");
	if ((v->interrupt_mode == SC_IRQ_EOI_PASSTHROUGH || v->interrupt_mode == SC_IRQ_ELI) &&
	    v->guest.apic != SC_APIC_X2APIC)
		cfg_scope_error(s, "interrupt_mode",
				"interrupt_mode '%s' passes the x2APIC EOI MSR through; it needs "
				"guest.apic: x2apic",
				sc_irq_mode_names[v->interrupt_mode]);
	if (v->interrupt_mode == SC_IRQ_ELI && v->host_irq_pcpu_set)
		cfg_scope_error(s, "host_irq_pcpu",
				"with interrupt_mode 'eli' the host vector must land on the vCPU's own "
				"pCPU (its shadow IDT takes it); leave host_irq_pcpu out");
	if (v->dma.strategy != SC_DMA_DIRECT_MAP && v->dma.strategy != SC_DMA_NONE) {
		const struct cfg_node *dma = cfg_map_get(s->map, "dma");
		const struct cfg_node *st = cfg_map_get(dma, "strategy");

		cfg_error(s->ctx, st ? st : dma,
			  "dma.strategy '%s' is not implemented yet (direct_map and none are)",
			  sc_strategy_names[v->dma.strategy]);
	}
	if (v->viommu != SC_VIOMMU_NONE)
		cfg_scope_error(s, "viommu", "viommu '%s' is not implemented yet",
				viommu_names[v->viommu]);
}

static const struct cfg_field vm_fields[] = {
	CFG_FIELD("name", CFG_F_STR, struct sc_vm, name, 0, 0, CFG_REQUIRED, "the VM's name"),
	CFG_FIELD("vcpus", CFG_F_U32, struct sc_vm, vcpus, 1, 16, 0, "virtual CPUs"),
	CFG_SLIST("pcpus", CFG_F_U32LIST, struct sc_vm, pcpus, npcpus, 0, 255,
		  "pCPU each vCPU is pinned to (default: 1, 2, ...)"),
	CFG_FIELD("memory_mib", CFG_F_U64, struct sc_vm, memory_mib, 16, 1 << 20, 0,
		  "guest RAM, MiB"),
	CFG_ENUMF("interrupt_mode", struct sc_vm, interrupt_mode, sc_irq_mode_names,
		  "how device interrupts reach the guest"),
	CFG_FIELD("host_irq_pcpu", CFG_F_U32, struct sc_vm, host_irq_pcpu, 0, 255, 0,
		  "pCPU whose LAPIC takes assigned devices' host vectors (default: the "
		  "destination vCPU's pCPU)"),
	CFG_FIELD("halt_poll_ns", CFG_F_NS, struct sc_vm, halt_poll_ps, 0, 1e10, 0,
		  "halt polling: how long a halted vCPU spins before it blocks"),
	CFG_SUB("dma", struct sc_vm, dma, dma_schema, "DMA protection strategy"),
	CFG_ENUMF("viommu", struct sc_vm, viommu, viommu_names, "a virtual IOMMU for the guest"),
	CFG_SLIST("devices", CFG_F_STRLIST, struct sc_vm, devices, ndevices, 0, 0,
		  "functions assigned to the VM, by name"),
	CFG_SUB("guest", struct sc_vm, guest, guest_schema, "the guest kernel and drivers"),
	CFG_END,
};
static const struct cfg_schema vm_schema = {"vm", sizeof(struct sc_vm), vm_fields, vm_defaults,
					    vm_check};

/* ---- workload, run ---- */

static void wl_defaults(void *p)
{
	struct sc_workload *w = p;

	w->kind = SC_WL_STREAM_RX;
	w->frames = 10000;
	w->frame_bytes = 1500;
	w->rate_gbps = 1.0;
	w->line_gbps = 10.0;
	w->arrival = SC_ARRIVAL_CONSTANT;
	w->guest_idle = SC_IDLE_BUSY;
	w->start_delay_ps = NS(10000);
	w->drain_ps = NS(10000000);
	w->window_kib = 4;
	w->page_kib = 4;
	w->reads = 20000;
	w->read_bytes = 64;
	w->outstanding = 32;
}

static void wl_check(void *p, const struct cfg_scope *s)
{
	const struct sc_workload *w = p;

	if (w->kind != SC_WL_STREAM_RX && w->kind != SC_WL_DMA_BENCH)
		cfg_scope_error(s, "kind", "workload kind '%s' is not implemented yet",
				sc_wl_kind_names[w->kind]);
	if (w->kind == SC_WL_DMA_BENCH && w->page_kib != 4 && w->page_kib != 2048 &&
	    w->page_kib != 1048576)
		cfg_scope_error(s, "page_kib", "'page_kib' is %llu; IOMMU pages are 4, 2048 or "
				"1048576 KiB", (unsigned long long)w->page_kib);
	if (w->kind == SC_WL_DMA_BENCH && w->window_kib * 1024 < w->read_bytes)
		cfg_scope_error(s, "window_kib", "the window is smaller than one read");
	if (w->rate_gbps > w->line_gbps)
		cfg_scope_error(s, "rate_gbps", "'rate_gbps' (%g) is above the line rate (%g)",
				w->rate_gbps, w->line_gbps);
	if (!w->device)
		cfg_scope_error(s, NULL, "'workload.device' is required: the %s",
				w->kind == SC_WL_DMA_BENCH ? "DMA engine that reads"
							   : "NIC that receives");
}

static const struct cfg_field wl_fields[] = {
	CFG_ENUMF("kind", struct sc_workload, kind, sc_wl_kind_names, "what runs"),
	CFG_FIELD("device", CFG_F_STR, struct sc_workload, device, 0, 0, 0,
		  "the NIC the traffic goes through"),
	CFG_FIELD("frames", CFG_F_U64, struct sc_workload, frames, 1, 1e9, 0, "frames to send"),
	CFG_FIELD("frame_bytes", CFG_F_U32, struct sc_workload, frame_bytes, 64, 2048, 0,
		  "Ethernet frame size, header to FCS"),
	CFG_FIELD("rate_gbps", CFG_F_DOUBLE, struct sc_workload, rate_gbps, 1e-6, 1000, 0,
		  "offered load on the wire"),
	CFG_FIELD("line_gbps", CFG_F_DOUBLE, struct sc_workload, line_gbps, 0.01, 1000, 0,
		  "the port's line rate"),
	CFG_ENUMF("arrival", struct sc_workload, arrival, arrival_names,
		  "frame arrivals: evenly spaced or Poisson"),
	CFG_FIELD("app_cycles", CFG_F_U64, struct sc_workload, app_cycles, 0, 1e9, 0,
		  "application work per frame in the guest"),
	CFG_ENUMF("guest_idle", struct sc_workload, guest_idle, idle_names,
		  "between frames the guest halts, or keeps its vCPU busy with other work"),
	CFG_FIELD("start_delay_ns", CFG_F_NS, struct sc_workload, start_delay_ps, 0, 1e12, 0,
		  "from the application's start to the first frame"),
	CFG_FIELD("drain_ns", CFG_F_NS, struct sc_workload, drain_ps, 1, 1e13, 0,
		  "after the last frame, how long the guest has to account for every frame; "
		  "what it has not by then is reported lost"),
	CFG_FIELD("window_kib", CFG_F_U64, struct sc_workload, window_kib, 4, 1ull << 30, 0,
		  "dma_bench: bytes the random reads fall in (mapped by the host), KiB"),
	CFG_FIELD("page_kib", CFG_F_U64, struct sc_workload, page_kib, 4, 1048576, 0,
		  "dma_bench: IOMMU page size of the mapping: 4, 2048 or 1048576 KiB"),
	CFG_FIELD("reads", CFG_F_U64, struct sc_workload, reads, 1, 1e9, 0,
		  "dma_bench: DMA reads to issue"),
	CFG_FIELD("read_bytes", CFG_F_U32, struct sc_workload, read_bytes, 4, 4096, CFG_POW2,
		  "dma_bench: bytes per read (aligned to its size)"),
	CFG_FIELD("outstanding", CFG_F_U32, struct sc_workload, outstanding, 1, 256, 0,
		  "dma_bench: reads in flight at once (the engine's tags)"),
	CFG_END,
};
static const struct cfg_schema wl_schema = {"workload", sizeof(struct sc_workload), wl_fields,
					    wl_defaults, wl_check};

static void run_defaults(void *p)
{
	struct sc_run *r = p;

	r->max_sim_ms = 60000;
}

static const struct cfg_field run_fields[] = {
	CFG_FIELD("max_sim_ms", CFG_F_DOUBLE, struct sc_run, max_sim_ms, 0.001, 1e7, 0,
		  "give up (exit 1) if the workload is not done by this simulated time"),
	CFG_END,
};
static const struct cfg_schema run_schema = {"run", sizeof(struct sc_run), run_fields,
					     run_defaults, NULL};

/* ---- top level ---- */

static void scenario_defaults(void *p)
{
	struct scenario *s = p;

	s->name = "unnamed";
	s->description = "";
	s->seed = 1;
}

static const struct cfg_field scenario_fields[] = {
	CFG_FIELD("name", CFG_F_STR, struct scenario, name, 0, 0, 0, "scenario name"),
	CFG_FIELD("description", CFG_F_STR, struct scenario, description, 0, 0, 0,
		  "what it shows"),
	CFG_FIELD("seed", CFG_F_U64, struct scenario, seed, 0, 0, 0,
		  "random seed (--seed overrides)"),
	CFG_SUB("machine", struct scenario, machine, machine_schema, "the hardware"),
	CFG_SUB("host", struct scenario, host, host_schema, "host kernel costs"),
	CFG_SUB("hypervisor", struct scenario, hypervisor, hv_schema, "VM-exit handler costs"),
	CFG_LISTF("vms", struct scenario, vms, nvms, vm_schema, 1, 8, "the virtual machines"),
	CFG_SUB("workload", struct scenario, workload, wl_schema, "what runs"),
	CFG_SUB("run", struct scenario, run, run_schema, "run control"),
	CFG_END,
};
const struct cfg_schema scenario_schema = {"scenario", sizeof(struct scenario), scenario_fields,
					   scenario_defaults, NULL};

/* ---- checks across sections ---- */

static const struct sc_node *find_in(const struct sc_node *n, size_t count, const char *name,
				     const struct sc_node *parent, const struct sc_node **out_parent)
{
	for (size_t i = 0; i < count; i++) {
		const struct sc_node *r;

		if (n[i].name && !strcmp(n[i].name, name)) {
			if (out_parent)
				*out_parent = parent;
			return &n[i];
		}
		r = find_in(n[i].below, n[i].nbelow, name, &n[i], out_parent);
		if (!r)
			r = find_in(n[i].ports, n[i].nports, name, &n[i], out_parent);
		if (r)
			return r;
	}
	return NULL;
}

const struct sc_node *scenario_find_node(const struct scenario *s, const char *name,
					 const struct sc_node **parent)
{
	return find_in(s->machine.pcie.devices, s->machine.pcie.ndevices, name, NULL, parent);
}

const struct sc_node *scenario_find_vf(const struct scenario *s, const char *name, unsigned *n)
{
	char pf[128];
	const struct sc_node *p;
	unsigned k;

	/* exactly the name the fabric gives VF k ("pf.vf7"; not "pf.vf07" or "pf.vf+7") */
	if (!parse_vf_name(name, pf, sizeof(pf), &k))
		return NULL;
	p = scenario_find_node(s, pf, NULL);
	if (!p || !p->has_sriov || k > p->sriov.num_vfs)
		return NULL;
	if (n)
		*n = k;
	return p;
}

/* The routing-ID low byte a node answers at on its bus: device/function, or with ARI the
 * 8-bit function number (PCIe 5.0 §6.13). */
static unsigned node_devfn(const struct sc_node *n)
{
	return n->function > 7 ? n->function : (n->slot << 3) | n->function;
}

static bool is_bridge_node(const struct sc_node *n)
{
	return n->type == SC_ROOT_PORT || n->type == SC_SWITCH || n->type == SC_DOWNSTREAM_PORT ||
	       n->type == SC_PCI_BRIDGE;
}

static bool is_port_node(const struct sc_node *n)
{
	return n && (n->type == SC_ROOT_PORT || n->type == SC_DOWNSTREAM_PORT);
}

struct walk {
	struct cfg_ctx *ctx;
	const struct cfg_node *root;
	const struct scenario *s;
	unsigned next_bus;
	bool bus_error;
	unsigned depth; /* bridges above the node being checked */
	unsigned nics, engines, gendevs; /* built so far, for the bounds below */
};

/*
 * What app/build.c can build today (struct machine's fixed arrays: MAX_NICS, MAX_ENGINES,
 * MAX_GENDEVS); the architecture issue (9) removes these bounds. Until then a scenario past
 * one is a config error here, never a write past an array.
 */
#define SC_MAX_NICS	16
#define SC_MAX_ENGINES	8
#define SC_MAX_GENDEVS	512
#define SC_MAX_ASSIGNED 16 /* functions assigned to VMs, all VMs together */

/* Bridges a function may have above it: location paths and the DMA path stay bounded. */
#define MAX_BRIDGE_DEPTH 10

/* A config path below another, for error messages. Paths stay short (bridge depth is bounded),
 * and a path cut short only makes the message point at an ancestor. */
__attribute__((format(printf, 3, 4))) static void subpath(char *dst, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, n, fmt, ap);
	va_end(ap);
}

static const struct sc_bar *node_bar(const struct sc_node *n, unsigned idx, struct sc_bar *dflt)
{
	if (!n->has_bars) {
		bar_defaults(dflt);
		return idx == 0 ? dflt : NULL;
	}
	for (size_t i = 0; i < n->nbars; i++)
		if (n->bars[i].index == idx)
			return &n->bars[i];
	return NULL;
}

static void check_bars(struct walk *w, const struct sc_node *n, const char *p)
{
	char q[300];

	for (size_t i = 0; i < n->nbars; i++)
		for (size_t k = 0; k < i; k++) {
			unsigned a0 = n->bars[k].index, a1 = a0 + (n->bars[k].type == SC_BAR_MEM64);
			unsigned b0 = n->bars[i].index, b1 = b0 + (n->bars[i].type == SC_BAR_MEM64);

			if (a0 <= b1 && b0 <= a1) {
				subpath(q, sizeof(q), "%s.bars.%zu.index", p, i);
				cfg_error_path(
				    w->ctx, w->root, q,
				    "BAR %u of '%s' overlaps BAR %u (a 64-bit BAR takes two "
				    "slots)",
				    b0, n->name, a0);
			}
		}
	if (n->msix_vectors) {
		struct sc_bar d;
		const struct sc_bar *b = node_bar(n, n->msix_bar, &d);
		uint64_t need = (uint64_t)n->msix_vectors * 16 + ((n->msix_vectors + 63) / 64) * 8;

		subpath(q, sizeof(q), "%s.msix_bar", p);
		if (!b || b->type == SC_BAR_IO)
			cfg_error_path(w->ctx, w->root, q,
				       "'%s' has no memory BAR %u for its MSI-X "
				       "table",
				       n->name, n->msix_bar);
		else if (b->size < need)
			cfg_error_path(
			    w->ctx, w->root, q,
			    "BAR %u of '%s' (%llu bytes) cannot hold an MSI-X table and PBA "
			    "of %u vectors (%llu bytes)",
			    n->msix_bar, n->name, (unsigned long long)b->size, n->msix_vectors,
			    (unsigned long long)need);
	}
}

/* Routing IDs (relative to the bus) of the functions and VFs on one bus: no two may meet
 * (SR-IOV 1.1 §2.1.2); VFs past device 0 need a port that forwards ARI. */
static void check_rids(struct walk *w, const struct sc_node *n, size_t count, const char *path,
		       const struct sc_node *parent)
{
	static const struct sc_node *owner[65536];
	char p[300];
	size_t pfs = 0;

	for (size_t i = 0; i < count; i++)
		pfs += n[i].has_sriov;
	if (!pfs)
		return; /* functions alone: check_nodes compares their device/function numbers */
	memset(owner, 0, sizeof(owner));
	for (size_t i = 0; i < count; i++)
		owner[node_devfn(&n[i])] = &n[i];
	for (size_t i = 0; i < count; i++) {
		const struct sc_sriov *v = &n[i].sriov;

		if (!n[i].has_sriov)
			continue;
		subpath(p, sizeof(p), "%s.%zu.sriov", path, i);
		for (unsigned k = 0; k < v->total_vfs; k++) {
			uint64_t rid = node_devfn(&n[i]) + v->offset + (uint64_t)k * v->stride;

			if (rid > 0xffff) {
				cfg_error_path(w->ctx, w->root, p,
					       "VF %u of '%s' would be past the last routing ID",
					       k + 1, n[i].name);
				break;
			}
			if (owner[rid]) {
				cfg_error_path(
				    w->ctx, w->root, p,
				    "VF %u of '%s' would be at routing ID +0x%llx, where '%s' "
				    "already answers",
				    k + 1, n[i].name, (unsigned long long)rid,
				    owner[rid] == &n[i] ? "another of its VFs" : owner[rid]->name);
				break;
			}
			owner[rid] = &n[i];
			if (rid < 256 && ((rid >> 3) & 0x1f) && is_port_node(parent) &&
			    (!parent->ari_forwarding || !n[i].ari)) {
				cfg_error_path(
				    w->ctx, w->root, p,
				    "VF %u of '%s' is function %llu of the device below '%s': "
				    "that needs ARI (%s)",
				    k + 1, n[i].name, (unsigned long long)rid, parent->name,
				    parent->ari_forwarding ? "set 'ari: true' on the PF"
							   : "the port cannot forward ARI");
				break;
			}
		}
	}
}

/* Extra bus numbers VFs take past their PF's bus (Linux: pci_iov_bus_range). */
static unsigned vf_buses(const struct sc_node *n, size_t count)
{
	unsigned extra = 0;

	for (size_t i = 0; i < count; i++) {
		const struct sc_sriov *v = &n[i].sriov;
		uint64_t last;

		if (!n[i].has_sriov || !v->total_vfs)
			continue;
		last = node_devfn(&n[i]) + v->offset + (uint64_t)(v->total_vfs - 1) * v->stride;
		if ((last >> 8) > extra)
			extra = (unsigned)(last >> 8);
	}
	return extra;
}

static void check_nodes(struct walk *w, struct sc_node *n, size_t count, const char *path,
			const struct sc_node *parent);

static void check_node(struct walk *w, struct sc_node *nd, const char *p,
		       const struct sc_node *parent)
{
	const char *pt = parent ? node_types[parent->type] : NULL;
	const char *me = node_types[nd->type];
	char sub[300];

	if (nd->name) {
		const struct sc_node *first = scenario_find_node(w->s, nd->name, NULL);
		const struct sc_node *pf = NULL;
		char pfn[128];
		unsigned k;

		if (first != nd)
			cfg_error_path(w->ctx, w->root, p, "duplicate device name '%s'", nd->name);
		/* the name of a VF its PF has, or may have once the host enables more */
		if (parse_vf_name(nd->name, pfn, sizeof(pfn), &k))
			pf = scenario_find_node(w->s, pfn, NULL);
		if (pf && (!pf->has_sriov || k > pf->sriov.total_vfs))
			pf = NULL;
		if (pf) {
			subpath(sub, sizeof(sub), "%s.name", p);
			cfg_error_path(w->ctx, w->root, sub,
				       "'%s' is the name of VF %u of '%s' (VFs are named "
				       "<pf>.vf<n>); pick another name",
				       nd->name, k, pf->name);
		}
	}
	/* the bounds of what app/build.c builds (see SC_MAX_NICS) */
	if (nd->type == SC_PTNIC && ++w->nics == SC_MAX_NICS + 1)
		cfg_error_path(w->ctx, w->root, p,
			       "'%s' is the %uth ptnic; ptsim builds at most %u for now", nd->name,
			       w->nics, SC_MAX_NICS);
	if (nd->type == SC_DMA_ENGINE && ++w->engines == SC_MAX_ENGINES + 1)
		cfg_error_path(w->ctx, w->root, p,
			       "'%s' is the %uth dma_engine; ptsim builds at most %u for now",
			       nd->name, w->engines, SC_MAX_ENGINES);
	if ((nd->type == SC_ENDPOINT || nd->type == SC_RCIEP || nd->type == SC_PCI_DEVICE) &&
	    ++w->gendevs == SC_MAX_GENDEVS + 1)
		cfg_error_path(w->ctx, w->root, p,
			       "'%s' is the %uth endpoint; ptsim builds at most %u endpoints, "
			       "RCiEPs and PCI devices for now",
			       nd->name, w->gendevs, SC_MAX_GENDEVS);
	switch (nd->type) {
	case SC_ROOT_PORT:
		if (parent)
			cfg_error_path(w->ctx, w->root, p,
				       "root port '%s' is below '%s'; root ports sit on the root bus",
				       nd->name, parent->name);
		break;
	case SC_RCIEP:
		if (parent)
			cfg_error_path(
			    w->ctx, w->root, p,
			    "'%s' is a root-complex integrated endpoint: it sits on the root "
			    "bus, not below '%s'",
			    nd->name, parent->name);
		break;
	case SC_DOWNSTREAM_PORT:
		if (!parent || parent->type != SC_SWITCH)
			cfg_error_path(w->ctx, w->root, p,
				       "downstream port '%s' belongs in a switch's 'ports'",
				       nd->name);
		break;
	case SC_PCI_DEVICE:
		if (!parent)
			cfg_error_path(
			    w->ctx, w->root, p,
			    "'%s' is a conventional PCI device on the root bus; it needs a "
			    "pci_bridge above it",
			    nd->name);
		else if (parent->type != SC_PCI_BRIDGE)
			cfg_error_path(w->ctx, w->root, p,
				       "'%s' is a conventional PCI device on a PCIe %s ('%s'); it "
				       "needs a pci_bridge above it", nd->name, pt, parent->name);
		break;
	default: /* ptnic, endpoint, switch, pci_bridge: on a PCIe link */
		if (!parent)
			cfg_error_path(w->ctx, w->root, p,
				       "'%s' is a%s %s on the root bus; put it below a root port",
				       nd->name, strchr("aeiou", me[0]) ? "n" : "", me);
		else if (parent->type == SC_PCI_BRIDGE)
			cfg_error_path(w->ctx, w->root, p,
				       "'%s' is a PCIe %s on the conventional PCI bus below '%s'",
				       nd->name, me, parent->name);
		else if (!is_port_node(parent))
			cfg_error_path(w->ctx, w->root, p, "'%s' cannot sit below %s '%s'",
				       nd->name, pt, parent->name);
		break;
	}
	if (is_port_node(parent) && nd->slot != 0)
		cfg_error_path(
		    w->ctx, w->root, p,
		    "'%s' is at device %u below port '%s': below a PCIe port only device 0 "
		    "exists",
		    nd->name, nd->slot, parent->name);
	if (is_port_node(parent) && nd->function > 7 && !parent->ari_forwarding) {
		subpath(sub, sizeof(sub), "%s.function", p);
		cfg_error_path(
		    w->ctx, w->root, sub,
		    "'%s' is function %u below '%s', which cannot forward ARI (functions "
		    "above 7 need it)",
		    nd->name, nd->function, parent->name);
	}
	if (!parent && nd->slot == 0)
		cfg_error_path(
		    w->ctx, w->root, p,
		    "device 0 on the root bus is the host bridge; pick another slot for '%s'",
		    nd->name);
	if (nd->function > 7 && !is_port_node(parent))
		cfg_error_path(w->ctx, w->root, p,
			       "'%s': function numbers above 7 exist only below a port (ARI)",
			       nd->name);
	check_bars(w, nd, p);
	if (nd->has_sriov && nd->sriov.has_vf_bars) {
		subpath(sub, sizeof(sub), "%s.sriov", p);
		for (size_t i = 0; i < nd->sriov.nvf_bars; i++)
			if (nd->sriov.vf_bars[i].type == SC_BAR_IO) {
				cfg_error_path(w->ctx, w->root, sub,
					       "VF BARs are memory BARs (SR-IOV 1.1 §3.3.14)");
				break;
			}
	}

	if (is_bridge_node(nd) && w->depth >= MAX_BRIDGE_DEPTH) {
		cfg_error_path(
		    w->ctx, w->root, p,
		    "'%s' is %u bridges deep; ptsim handles at most %d levels of bridges", nd->name,
		    w->depth + 1, MAX_BRIDGE_DEPTH);
		return;
	}
	if (is_bridge_node(nd)) {
		/* The bus numbers host software will give it (depth-first, as hpci does). */
		if (w->next_bus > 255 && !w->bus_error) {
			cfg_error_path(
			    w->ctx, w->root, p,
			    "bus numbers exhausted at '%s': the topology needs more than the "
			    "256 buses of a PCI segment",
			    nd->name);
			w->bus_error = true;
		}
		w->next_bus++;
		if (nd->type == SC_SWITCH) {
			subpath(sub, sizeof(sub), "%s.ports", p);
			for (size_t i = 0; i < nd->nports; i++)
				if (!nd->ports[i].has_type)
					nd->ports[i].type = SC_DOWNSTREAM_PORT;
			w->depth++;
			check_nodes(w, nd->ports, nd->nports, sub, nd);
			w->depth--;
		} else {
			subpath(sub, sizeof(sub), "%s.below", p);
			w->depth++;
			check_nodes(w, nd->below, nd->nbelow, sub, nd);
			w->depth--;
		}
	}
}

static void check_nodes(struct walk *w, struct sc_node *n, size_t count, const char *path,
			const struct sc_node *parent)
{
	char p[300];

	for (size_t i = 0; i < count; i++)
		for (size_t k = 0; k < i; k++)
			if (node_devfn(&n[k]) == node_devfn(&n[i])) {
				subpath(p, sizeof(p), "%s.%zu", path, i);
				cfg_error_path(w->ctx, w->root, p,
					       "'%s' and '%s' are both at device %u function %u",
					       n[k].name, n[i].name, n[i].slot, n[i].function);
			}
	/* Enumeration probes function 0 of each device first and goes on to the others only
	 * when it is there (PCI 3.0 §3.2.2.3.4; with ARI, the Next Function chain starts at
	 * function 0 of device 0). */
	for (size_t i = 0; i < count; i++) {
		unsigned f0 = n[i].function > 7 ? 0 : n[i].slot << 3;
		bool found = false;

		for (size_t k = 0; k < count && !found && n[i].function; k++)
			found = node_devfn(&n[k]) == f0;
		if (n[i].function && !found) {
			subpath(p, sizeof(p), "%s.%zu.function", path, i);
			cfg_error_path(w->ctx, w->root, p,
				       "'%s' is function %u of device %u, which has no function 0: "
				       "the host looks for function 0 first and would not find it",
				       n[i].name, n[i].function, n[i].function > 7 ? 0 : n[i].slot);
		}
	}
	check_rids(w, n, count, path, parent);
	/* VFs past the PF's bus take bus numbers before the bridges below get theirs. */
	w->next_bus += vf_buses(n, count);
	for (size_t i = 0; i < count; i++) {
		subpath(p, sizeof(p), "%s.%zu", path, i);
		check_node(w, &n[i], p, parent);
	}
}

/* The node's level: 0 on the root bus, one more per bridge above it; -1 if absent. */
static int node_level(const struct sc_node *n, size_t count, const char *name, int level)
{
	for (size_t i = 0; i < count; i++) {
		int l;

		if (n[i].name && !strcmp(n[i].name, name))
			return level;
		l = node_level(n[i].below, n[i].nbelow, name, level + 1);
		if (l < 0)
			l = node_level(n[i].ports, n[i].nports, name, level + 1);
		if (l >= 0)
			return l;
	}
	return -1;
}

/* Is b at or below a (a bridge covers everything below it, VT-d §8.3.1)? */
static bool node_covers(const struct sc_node *a, const struct sc_node *b)
{
	if (a == b)
		return true;
	return find_in(a->below, a->nbelow, b->name, NULL, NULL) ||
	       find_in(a->ports, a->nports, b->name, NULL, NULL);
}

/*
 * A DMAR device scope names a function by its path from the root bus: one (device, function)
 * entry per level, at most DMAR_MAX_PATH (8) in the host's parser and the table writer.
 */
#define SC_DMAR_MAX_PATH 8

static void check_scope_device(struct walk *w, const char *p, const char *name, const char *what)
{
	const struct scenario *sc = w->s;
	int level = node_level(sc->machine.pcie.devices, sc->machine.pcie.ndevices, name, 0);

	if (level >= SC_DMAR_MAX_PATH)
		cfg_error_path(w->ctx, w->root, p,
			       "'%s' is %d bridges below the root bus; a DMAR %s names devices at "
			       "most %d below it",
			       name, level, what, SC_DMAR_MAX_PATH - 1);
}

/* machine.iommu.units: every scope names a device, no device is in two units' scopes (itself
 * or through a port above it: which unit remaps it would depend on the table's order); the
 * DMAR needs firmware memory. */
static void check_iommu_units(struct walk *w, const char *prefix)
{
	const struct scenario *out = w->s;
	const struct sc_iommu *io = &out->machine.iommu;
	char p[160];

	for (size_t u = 0; u < io->nunits; u++) {
		for (size_t i = 0; i < io->units[u].nscope; i++) {
			const char *name = io->units[u].scope[i];
			const struct sc_node *n = scenario_find_node(out, name, NULL);
			bool dup = false;

			snprintf(p, sizeof(p), "%siommu.units.%zu.scope.%zu", prefix, u, i);
			if (!n) {
				cfg_error_path(w->ctx, w->root, p,
					       "no device named '%s' in machine.pcie%s", name,
					       scenario_find_vf(out, name, NULL)
						   ? " (a VF is in the scope of its PF's unit)"
						   : "");
				continue;
			}
			check_scope_device(w, p, name, "device scope");
			for (size_t k = 0; k < u && !dup; k++)
				for (size_t j = 0; j < io->units[k].nscope && !dup; j++) {
					const struct sc_node *o =
					    scenario_find_node(out, io->units[k].scope[j], NULL);

					if (!o)
						continue;
					dup = true;
					if (o == n)
						cfg_error_path(w->ctx, w->root, p,
							       "'%s' is already in unit '%s'", name,
							       io->units[k].name);
					else if (node_covers(o, n))
						cfg_error_path(
						    w->ctx, w->root, p,
						    "'%s' is below '%s', which is in unit "
						    "'%s'",
						    name, o->name, io->units[k].name);
					else if (node_covers(n, o))
						cfg_error_path(
						    w->ctx, w->root, p,
						    "'%s' has '%s' below it, which is in unit "
						    "'%s'",
						    name, o->name, io->units[k].name);
					else
						dup = false;
				}
		}
	}
	if (io->enabled && out->machine.memory.firmware_mib == 0) {
		snprintf(p, sizeof(p), "%smemory.firmware_mib", prefix);
		cfg_error_path(w->ctx, w->root, p,
			       "the ACPI tables (DMAR) need firmware memory; 'firmware_mib' is 0");
	}
}

static void check_firmware(struct walk *w, const struct scenario *sc, const char *prefix)
{
	const struct sc_firmware *f = &sc->machine.firmware;
	uint64_t ram = sc->machine.memory.size_mib << 20;
	uint64_t low = ram < PTSIM_LOW_RAM_TOP ? ram : PTSIM_LOW_RAM_TOP;
	uint64_t fw_base = low - (sc->machine.memory.firmware_mib << 20);

	for (size_t i = 0; i < f->nrmrrs; i++) {
		const struct sc_rmrr *r = &f->rmrrs[i];
		uint64_t end = r->base + r->size_kib * 1024;
		bool in_high = r->base >= (4ull << 30) && end <= (4ull << 30) + (ram - low);
		const struct sc_node *n = scenario_find_node(sc, r->device, NULL);
		char p[128];

		snprintf(p, sizeof(p), "%sfirmware.rmrrs.%zu.device", prefix, i);
		if (!n)
			cfg_error_path(w->ctx, w->root, p, "no device named '%s' in machine.pcie",
				       r->device);
		else if (is_bridge_node(n))
			cfg_error_path(w->ctx, w->root, p,
				       "'%s' is a %s; an RMRR names an endpoint", r->device,
				       node_types[n->type]);
		else
			check_scope_device(w, p, r->device, "RMRR");
		snprintf(p, sizeof(p), "%sfirmware.rmrrs.%zu.base", prefix, i);
		if (r->base & 0xfff)
			cfg_error_path(w->ctx, w->root, p, "RMRR base 0x%llx is not 4 KiB aligned",
				       (unsigned long long)r->base);
		else if (r->base < (1ull << 20) || end < r->base || !(end <= fw_base || in_high))
			cfg_error_path(w->ctx, w->root, p,
				       "RMRR [0x%llx, +%llu KiB) is not in RAM above 1 MiB and "
				       "outside the firmware's own tables (below 0x%llx, or above "
				       "4 GiB)",
				       (unsigned long long)r->base, (unsigned long long)r->size_kib,
				       (unsigned long long)fw_base);
		snprintf(p, sizeof(p), "%sfirmware.rmrrs.%zu.size_kib", prefix, i);
		if (r->size_kib % 4)
			cfg_error_path(w->ctx, w->root, p,
				       "RMRR size %llu KiB is not a multiple of 4",
				       (unsigned long long)r->size_kib);
	}
}

/*
 * The host's BAR placement (models/host/hpci.c, as Linux does it): depth first in bus scan
 * order, each bridge's windows 1 MiB (I/O 4 KiB) aligned, each function's BARs largest first,
 * a PF's VF BARs once for all its VFs; 64-bit prefetchable BARs in the 64-bit window, other
 * memory BARs in the 32-bit one, I/O BARs in ports 0x1000-0xffff. The windows are the
 * platform's (app/machine_internal.h: PHYS_MMIO32, PHYS_MMIO64).
 */
#define SC_MMIO32_BASE 0xc0000000ull
#define SC_MMIO32_SIZE 0x20000000ull
#define SC_MMIO64_BASE 0x380000000000ull
#define SC_MMIO64_SIZE (1ull << 40)

struct bar_window {
	uint64_t cur, limit;
	const char *what;
};

struct bar_windows {
	struct bar_window mem, pref, io;
	bool full; /* one error is enough: what follows would not fit either */
};

static void align_bar_windows(struct bar_windows *bw)
{
	bw->mem.cur = (bw->mem.cur + (1ull << 20) - 1) & ~((1ull << 20) - 1);
	bw->pref.cur = (bw->pref.cur + (1ull << 20) - 1) & ~((1ull << 20) - 1);
	bw->io.cur = (bw->io.cur + 0xfff) & ~0xfffull;
}

/* Place a function's BARs (or its VFs', `mult` of each); an error at p when one does not fit. */
static void place_bars(struct walk *w, const char *p, const char *name, const struct sc_node *n,
		       bool vf, uint64_t mult, struct bar_windows *bw)
{
	const struct sc_bar *bars = vf ? n->sriov.vf_bars : n->bars;
	size_t nbars = vf ? n->sriov.nvf_bars : n->nbars;
	bool given = vf ? n->sriov.has_vf_bars : n->has_bars;
	struct sc_bar dflt = {.index = 0, .size = 0x4000, .type = SC_BAR_MEM64};
	bool done[8] = {false};

	if (n->type == SC_PTNIC || n->type == SC_DMA_ENGINE) {
		dflt.size = n->type == SC_PTNIC ? PTNIC_BAR0_SIZE : DMAENG_BAR_SIZE;
		given = false;
	}
	if (!given) {
		bars = &dflt;
		nbars = 1;
	}
	for (;;) {
		int best = -1;
		struct bar_window *win;
		uint64_t size, at;
		char sz[32];

		for (size_t i = 0; i < nbars && i < 8; i++)
			if (!done[i] && (best < 0 || bars[i].size > bars[best].size))
				best = (int)i;
		if (best < 0)
			return;
		done[best] = true;
		win = bars[best].type == SC_BAR_IO			       ? &bw->io
		      : bars[best].prefetch && bars[best].type == SC_BAR_MEM64 ? &bw->pref
									       : &bw->mem;
		size = bars[best].size * mult;
		at = (win->cur + size - 1) & ~(size - 1);
		if (!size || at < win->cur || at + size > win->limit) {
			if (vf)
				cfg_error_path(
				    w->ctx, w->root, p,
				    "VF BAR %u of '%s' (%s for its %llu VFs) does not fit "
				    "in the host's %s after the BARs placed before it",
				    bars[best].index, name, fmt_size(size, sz, sizeof(sz)),
				    (unsigned long long)mult, win->what);
			else
				cfg_error_path(w->ctx, w->root, p,
					       "BAR %u of '%s' (%s) does not fit in the host's %s "
					       "after the BARs placed before it",
					       bars[best].index, name,
					       fmt_size(size, sz, sizeof(sz)), win->what);
			bw->full = true;
			return;
		}
		win->cur = at + size;
	}
}

static void place_bus(struct walk *w, const struct sc_node *n, size_t count, const char *path,
		      struct bar_windows *bw)
{
	/* the host scans a bus in device/function order */
	for (unsigned devfn = 0; devfn < 256 && !bw->full; devfn++)
		for (size_t i = 0; i < count && !bw->full; i++) {
			char p[300];

			if (node_devfn(&n[i]) != devfn)
				continue;
			subpath(p, sizeof(p), "%s.%zu", path, i);
			if (is_bridge_node(&n[i])) {
				char sub[320];

				align_bar_windows(bw);
				subpath(sub, sizeof(sub), "%s.%s", p,
					n[i].type == SC_SWITCH ? "ports" : "below");
				if (n[i].type == SC_SWITCH)
					place_bus(w, n[i].ports, n[i].nports, sub, bw);
				else
					place_bus(w, n[i].below, n[i].nbelow, sub, bw);
				align_bar_windows(bw);
				continue;
			}
			place_bars(w, p, n[i].name, &n[i], false, 1, bw);
			if (n[i].has_sriov && n[i].sriov.total_vfs && !bw->full)
				place_bars(w, p, n[i].name, &n[i], true, n[i].sriov.total_vfs, bw);
		}
}

static void check_host_windows(struct walk *w, const char *prefix)
{
	struct bar_windows bw = {
	    .mem = {SC_MMIO32_BASE, SC_MMIO32_BASE + SC_MMIO32_SIZE,
		    "32-bit MMIO window (512 MiB, for non-prefetchable and 32-bit BARs)"},
	    .pref = {SC_MMIO64_BASE, SC_MMIO64_BASE + SC_MMIO64_SIZE,
		     "64-bit MMIO window (1 TiB, for 64-bit prefetchable BARs)"},
	    .io = {0x1000, 0x10000, "I/O port space (0x1000-0xffff, 4 KiB per bridge)"},
	};
	char p[64];

	snprintf(p, sizeof(p), "%spcie.devices", prefix);
	place_bus(w, w->s->machine.pcie.devices, w->s->machine.pcie.ndevices, p, &bw);
}

/* What a scenario and a machine file share: the fabric, firmware and IOMMU units. */
static void check_machine(struct cfg_ctx *ctx, const struct cfg_node *root, const char *prefix,
			  struct scenario *out)
{
	struct walk w = {.ctx = ctx, .root = root, .s = out, .next_bus = 1};
	char p[64];

	snprintf(p, sizeof(p), "%spcie.devices", prefix);
	check_nodes(&w, out->machine.pcie.devices, out->machine.pcie.ndevices, p, NULL);
	check_firmware(&w, out, prefix);
	check_iommu_units(&w, prefix);
	if (!cfg_error_count(ctx))
		check_host_windows(&w, prefix);
}

/*
 * Host RAM as the host's page allocator will hand it out (models/host/host.c: first fit, in
 * address order, over what E820 leaves it), so that a VM's RAM or a dma_bench window that
 * cannot be placed is a config error rather than "Cannot allocate memory" after the boot.
 */
#define SC_MAX_RAM_RANGES (2 + 2 * 16) /* low and high RAM, split by up to 16 RMRRs */

struct ram_plan {
	uint64_t base[SC_MAX_RAM_RANGES], end[SC_MAX_RAM_RANGES];
	unsigned n;
};

static void ram_cut(struct ram_plan *r, uint64_t lo, uint64_t hi)
{
	for (unsigned i = 0; i < r->n && lo < hi; i++) {
		if (hi <= r->base[i] || lo >= r->end[i])
			continue;
		if (lo > r->base[i] && hi < r->end[i] && r->n < SC_MAX_RAM_RANGES) {
			/* split in two */
			memmove(&r->base[i + 1], &r->base[i], (r->n - i) * sizeof(r->base[0]));
			memmove(&r->end[i + 1], &r->end[i], (r->n - i) * sizeof(r->end[0]));
			r->n++;
			r->end[i] = lo;
			r->base[i + 1] = hi;
			i++;
		} else if (lo <= r->base[i]) {
			r->base[i] = hi < r->end[i] ? hi : r->end[i];
		} else {
			r->end[i] = lo;
		}
	}
}

/* One allocation of `size` aligned to `align`, first fit; false if no range holds it. */
static bool ram_alloc(struct ram_plan *r, uint64_t size, uint64_t align)
{
	for (unsigned i = 0; i < r->n; i++) {
		uint64_t start = (r->base[i] + align - 1) & ~(align - 1);

		if (start >= r->base[i] && start <= r->end[i] && r->end[i] - start >= size) {
			ram_cut(r, start, start + size);
			return true;
		}
	}
	return false;
}

/* Single pages from wherever they are free (page tables); false if RAM runs out. */
static bool ram_take(struct ram_plan *r, uint64_t bytes)
{
	for (unsigned i = 0; i < r->n && bytes; i++) {
		uint64_t n = r->end[i] - r->base[i] < bytes ? r->end[i] - r->base[i] : bytes;

		r->base[i] += n;
		bytes -= n;
	}
	return !bytes;
}

static uint64_t ram_largest(const struct ram_plan *r)
{
	uint64_t big = 0;

	for (unsigned i = 0; i < r->n; i++)
		if (r->end[i] - r->base[i] > big)
			big = r->end[i] - r->base[i];
	return big;
}

/* Paging-structure pages mapping `bytes` with pages of 1 << shift (4-level tables). */
static uint64_t pt_bytes(uint64_t bytes, unsigned shift)
{
	uint64_t entries = (bytes + (1ull << shift) - 1) >> shift, pages = 0;

	for (unsigned l = 0; l < 4 && entries > 1; l++) {
		entries = (entries + 511) / 512;
		pages += entries;
	}
	return (pages + 1) * 4096;
}

static void check_host_ram(struct cfg_ctx *ctx, const struct cfg_node *root,
			   const struct scenario *sc)
{
	const struct sc_memory *mm = &sc->machine.memory;
	uint64_t ram = mm->size_mib << 20, low = ram < PTSIM_LOW_RAM_TOP ? ram : PTSIM_LOW_RAM_TOP;
	const struct sc_workload *w = &sc->workload;
	struct ram_plan r = {.n = 0};
	char p[96];

	if ((mm->firmware_mib << 20) + (1ull << 20) < low) {
		r.base[r.n] = 1ull << 20;
		r.end[r.n++] = low - (mm->firmware_mib << 20);
	}
	if (ram > low) {
		r.base[r.n] = 4ull << 30;
		r.end[r.n++] = (4ull << 30) + ram - low;
	}
	for (size_t i = 0; i < sc->machine.firmware.nrmrrs; i++) {
		const struct sc_rmrr *m = &sc->machine.firmware.rmrrs[i];

		ram_cut(&r, m->base & ~0xfffull, m->base + m->size_kib * 1024);
	}
	/* the host's own tables before the VMs: per unit a root table, the invalidation queue
	 * and the interrupt-remapping table (16 B an entry); measured 20 KiB for
	 * configs/default.yaml, 2.1 MiB for configs/vtd_units.yaml with 65536 IRTEs */
	ram_take(&r, (uint64_t)(sc->machine.iommu.nunits ? sc->machine.iommu.nunits : 1) *
			     ((uint64_t)sc->host.irte_entries * 16 + (64 << 10)) +
			 (64 << 10));
	for (size_t v = 0; v < sc->nvms; v++) {
		const struct sc_vm *vm = &sc->vms[v];
		uint64_t size = vm->memory_mib << 20;

		/* hv_vm_create: one allocation, 1 GiB-aligned when that big and possible */
		if (!(size >= (1ull << 30) && ram_alloc(&r, size, 1ull << 30)) &&
		    !ram_alloc(&r, size, 2ull << 20)) {
			snprintf(p, sizeof(p), "vms.%zu.memory_mib", v);
			cfg_error_path(
			    ctx, root, p,
			    "'%s' needs %llu MiB of host RAM in one piece (guest RAM is one "
			    "allocation); the largest piece left is %llu MiB",
			    vm->name, (unsigned long long)vm->memory_mib,
			    (unsigned long long)(ram_largest(&r) >> 20));
			return;
		}
		/* its DMA mapping: the guest's RAM in 4 KiB (or 1 GiB) IOMMU pages */
		if (vm->ndevices && vm->dma.strategy == SC_DMA_DIRECT_MAP)
			ram_take(&r, pt_bytes(size, sc->machine.iommu.superpages ? 30 : 12));
	}
	if (w->kind == SC_WL_DMA_BENCH) {
		unsigned shift = w->page_kib == 4 ? 12 : w->page_kib == 2048 ? 21 : 30;
		uint64_t page = 1ull << shift;
		uint64_t size = (w->window_kib * 1024 + page - 1) & ~(page - 1);

		/* workloads/dma_bench.c: the window in one allocation aligned to its pages, then
		 * the tables that map it */
		if (!ram_alloc(&r, size, page))
			cfg_error_path(
			    ctx, root, "workload.window_kib",
			    "the dma_bench window (%llu MiB in %llu KiB pages) is one "
			    "allocation of host RAM; the largest piece left after the VMs "
			    "is %llu MiB (machine.memory.size_mib is %llu)",
			    (unsigned long long)(size >> 20), (unsigned long long)w->page_kib,
			    (unsigned long long)(ram_largest(&r) >> 20),
			    (unsigned long long)mm->size_mib);
		else if (!ram_take(&r, pt_bytes(size, shift)))
			cfg_error_path(
			    ctx, root, "workload.window_kib",
			    "the IOMMU tables that map the dma_bench window (%llu MiB in "
			    "%llu KiB pages) need %llu MiB more host RAM than is left",
			    (unsigned long long)(size >> 20), (unsigned long long)w->page_kib,
			    (unsigned long long)(pt_bytes(size, shift) >> 20));
	}
}

/*
 * What assigning functions costs a VM (models/host/vfio.c): each memory BAR a place in the
 * guest's window for assigned devices, aligned to its size; each MSI-X table page, and the
 * PBA's when it is on a page of its own, a trapped range. The hypervisor traps at most
 * SC_VM_MAX_TRAPS ranges per VM (hv_internal.h MAX_TRAPS, a fixed array issue 9 removes),
 * two of them its own (the guest's ECAM and I/O APIC).
 */
#define SC_VM_MAX_TRAPS 32
#define SC_VM_OWN_TRAPS 2

struct vm_mmio {
	uint64_t next; /* the window's next free guest-physical address */
	unsigned traps;
};

/* A function's memory BARs, by index (as the host's enumeration lists them). */
static unsigned fn_bars(const struct sc_node *n, bool vf, uint64_t size[6])
{
	const struct sc_bar *bars = vf ? n->sriov.vf_bars : n->bars;
	size_t nbars = vf ? n->sriov.nvf_bars : n->nbars;
	bool given = vf ? n->sriov.has_vf_bars : n->has_bars;

	memset(size, 0, 6 * sizeof(size[0]));
	if (n->type == SC_PTNIC)
		size[0] = PTNIC_BAR0_SIZE;
	else if (n->type == SC_DMA_ENGINE)
		size[0] = DMAENG_BAR_SIZE;
	else if (!given)
		size[0] = 0x4000; /* the default: one 16 KiB 64-bit BAR 0 */
	for (size_t i = 0; given && n->type != SC_PTNIC && i < nbars; i++)
		if (bars[i].type != SC_BAR_IO && bars[i].index < 6)
			size[bars[i].index] = bars[i].size;
	return 6;
}

/* Trapped ranges of a function's MSI-X table and PBA: the table's pages, and the PBA's page
 * when the table does not end on it (gendev and VFs: the PBA right after the table). */
static unsigned fn_msix_traps(const struct sc_node *n, bool vf)
{
	uint32_t nvec;

	if (n->type == SC_PTNIC)
		return PTNIC_MSIX_PBA / 4096 != PTNIC_MSIX_TABLE / 4096 ? 2 : 1;
	nvec = vf ? n->sriov.vf_msix_vectors : n->msix_vectors;
	if (!nvec || n->type == SC_DMA_ENGINE)
		return 0;
	return 1 + (nvec * 16 % 4096 == 0);
}

/* Account one assigned function in its VM; an error at path p when it does not fit. */
static void check_vm_mmio(struct cfg_ctx *ctx, const struct cfg_node *root, const char *p,
			  const char *vm, const char *name, const struct sc_node *n, bool vf,
			  struct vm_mmio *mm)
{
	uint64_t size[6], end = GUEST_MMIO_BASE + GUEST_MMIO_SIZE;
	unsigned traps = fn_msix_traps(n, vf);

	fn_bars(n, vf, size);
	for (unsigned b = 0; b < 6; b++) {
		uint64_t sz = size[b] < 4096 ? 4096 : size[b];
		uint64_t at = (mm->next + sz - 1) & ~(sz - 1);

		if (!size[b])
			continue;
		if (at < mm->next || at + sz > end) {
			char need[32], left[32];

			cfg_error_path(
			    ctx, root, p,
			    "'%s' does not fit in the guest MMIO window of '%s': its BAR "
			    "%u is %s, and the window for assigned devices is %llu MiB "
			    "(%s left)",
			    name, vm, b, fmt_size(sz, need, sizeof(need)),
			    (unsigned long long)(GUEST_MMIO_SIZE >> 20),
			    fmt_size(end - mm->next, left, sizeof(left)));
			mm->next = end;
			return;
		}
		mm->next = at + sz;
	}
	if (mm->traps <= SC_VM_MAX_TRAPS && mm->traps + traps > SC_VM_MAX_TRAPS)
		cfg_error_path(
		    ctx, root, p,
		    "'%s' takes '%s' past %u trapped MMIO ranges (its MSI-X table and PBA "
		    "trap; %u are in use): assign it to another VM",
		    name, vm, SC_VM_MAX_TRAPS, mm->traps);
	mm->traps += traps;
}

int scenario_load(struct cfg_ctx *ctx, const char *path, const char *const *sets, size_t nsets,
		  struct scenario *out)
{
	struct cfg_node *root = cfg_load_file(ctx, path);
	uint64_t vm_mib = 0;
	unsigned nassigned = 0;

	if (!root)
		return (int)cfg_error_count(ctx);
	/* A bad --set is reported, and the file is still checked: every error at once (unless
	 * the file is not even a mapping, which the --set error has said already). */
	for (size_t i = 0; i < nsets; i++)
		cfg_override(ctx, &root, sets[i]);
	if (cfg_error_count(ctx) && root->kind != CFG_MAP)
		return (int)cfg_error_count(ctx);
	cfg_bind(ctx, &scenario_schema, root, out);
	if (cfg_error_count(ctx))
		return (int)cfg_error_count(ctx);

	check_machine(ctx, root, "machine.", out);
	uint32_t next_pcpu = 1;
	for (size_t v = 0; v < out->nvms; v++) {
		const struct sc_vm *vm = &out->vms[v];
		char p[128];

		vm_mib += vm->memory_mib;
		for (size_t k = 0; k < v; k++)
			if (!strcmp(out->vms[k].name, vm->name)) {
				snprintf(p, sizeof(p), "vms.%zu.name", v);
				cfg_error_path(ctx, root, p, "duplicate VM name '%s'", vm->name);
			}
		for (size_t c = 0; c < vm->npcpus; c++) {
			snprintf(p, sizeof(p), "vms.%zu.pcpus.%zu", v, c);
			if (vm->pcpus[c] >= out->machine.cpu.pcpus)
				cfg_error_path(ctx, root, p,
					       "pCPU %u does not exist (machine.cpu.pcpus is %u)",
					       vm->pcpus[c], out->machine.cpu.pcpus);
			else if (vm->pcpus[c] == 0)
				cfg_error_path(ctx, root, p,
					       "pCPU 0 runs the host's own work; pin vCPUs to pCPUs "
					       "1..%u", out->machine.cpu.pcpus - 1);
			else if (c < 16)
				((struct sc_vm *)vm)->pinned[c] = vm->pcpus[c];
		}
		/* Without a list, each VM's vCPUs take the next free pCPUs from 1; sharing a
		 * pCPU (overcommit) is asked for by listing it. */
		if (!vm->npcpus) {
			if (next_pcpu + vm->vcpus > out->machine.cpu.pcpus) {
				snprintf(p, sizeof(p), "vms.%zu.vcpus", v);
				cfg_error_path(
				    ctx, root, p,
				    "%u vCPU%s from pCPU %u need%s %u pCPUs; the machine "
				    "has %u (add pCPUs, or list 'pcpus' to share them)",
				    vm->vcpus, vm->vcpus == 1 ? "" : "s", next_pcpu,
				    vm->vcpus == 1 ? "s" : "", next_pcpu + vm->vcpus,
				    out->machine.cpu.pcpus);
			}
			for (uint32_t c = 0; c < vm->vcpus && c < 16; c++)
				((struct sc_vm *)vm)->pinned[c] = next_pcpu + c;
			next_pcpu += vm->vcpus;
		}
		struct vm_mmio mm = {GUEST_MMIO_BASE, SC_VM_OWN_TRAPS};

		for (size_t d = 0; d < vm->ndevices; d++) {
			const struct sc_node *n = scenario_find_node(out, vm->devices[d], NULL);
			bool vf = false;

			snprintf(p, sizeof(p), "vms.%zu.devices.%zu", v, d);
			if (++nassigned == SC_MAX_ASSIGNED + 1)
				cfg_error_path(ctx, root, p,
					       "'%s' is the %uth function assigned to a VM; ptsim "
					       "assigns at most %u, all VMs together, for now",
					       vm->devices[d], nassigned, SC_MAX_ASSIGNED);
			if (!n && scenario_find_vf(out, vm->devices[d], NULL)) {
				n = scenario_find_vf(out, vm->devices[d], NULL);
				vf = true;
			}
			if (!n) {
				cfg_error_path(ctx, root, p, "no device named '%s' in machine.pcie",
					       vm->devices[d]);
				continue;
			}
			if (n->type == SC_ROOT_PORT)
				cfg_error_path(ctx, root, p, "'%s' is a root port; ports are not "
					       "assignable", vm->devices[d]);
			else if (is_bridge_node(n))
				cfg_error_path(ctx, root, p, "'%s' is a %s; bridges are not "
					       "assignable", vm->devices[d], node_types[n->type]);
			else
				check_vm_mmio(ctx, root, p, vm->name, vm->devices[d], n, vf, &mm);
			for (size_t k = 0; k < out->nvms; k++)
				for (size_t e = 0; e < out->vms[k].ndevices; e++)
					if ((k < v || (k == v && e < d)) &&
					    !strcmp(out->vms[k].devices[e], vm->devices[d]))
						cfg_error_path(ctx, root, p,
							       "'%s' is already assigned to '%s'",
							       vm->devices[d], out->vms[k].name);
		}
		if (vm->host_irq_pcpu_set && vm->host_irq_pcpu >= out->machine.cpu.pcpus) {
			snprintf(p, sizeof(p), "vms.%zu.host_irq_pcpu", v);
			cfg_error_path(ctx, root, p, "pCPU %u does not exist (machine.cpu.pcpus is %u)",
				       vm->host_irq_pcpu, out->machine.cpu.pcpus);
		}
		if (vm->interrupt_mode == SC_IRQ_VTD_POSTED &&
		    !(out->machine.iommu.enabled && out->machine.iommu.interrupt_remapping &&
		      out->machine.iommu.posted_interrupts)) {
			snprintf(p, sizeof(p), "vms.%zu.interrupt_mode", v);
			cfg_error_path(ctx, root, p,
				       "'vtd_posted' needs machine.iommu.enabled, "
				       "interrupt_remapping and posted_interrupts");
		}
		if (!out->machine.iommu.enabled && vm->ndevices && vm->dma.strategy != SC_DMA_NONE) {
			snprintf(p, sizeof(p), "vms.%zu.dma.strategy", v);
			cfg_error_path(ctx, root, p,
				       "the machine has no IOMMU (machine.iommu.enabled: false): "
				       "only strategy 'none' can assign devices");
		}
	}
	if (vm_mib + 256 > out->machine.memory.size_mib)
		cfg_error_path(ctx, root, "machine.memory.size_mib",
			       "the VMs need %llu MiB and the host at least 256 MiB more; the machine "
			       "has %llu MiB",
			       (unsigned long long)vm_mib,
			       (unsigned long long)out->machine.memory.size_mib);
	else if (!cfg_error_count(ctx))
		check_host_ram(ctx, root, out);
	if (out->workload.device) {
		const struct sc_node *n = scenario_find_node(out, out->workload.device, NULL);
		bool assigned = false;

		for (size_t k = 0; k < out->nvms; k++)
			for (size_t e = 0; e < out->vms[k].ndevices; e++)
				if (!strcmp(out->vms[k].devices[e], out->workload.device)) {
					char p[96];

					assigned = true;
					if (out->vms[k].guest.task == SC_TASK_IDLE)
						continue;
					snprintf(p, sizeof(p), "vms.%zu.guest.task", k);
					cfg_error_path(ctx, root, p,
						       "'%s' runs the workload (it owns %s); "
						       "guest.task is for the other VMs",
						       out->vms[k].name, out->workload.device);
				}
		if (out->workload.kind == SC_WL_DMA_BENCH) {
			/* The host drives the engine itself, as pcie-bench's driver does. */
			if (!n || n->type != SC_DMA_ENGINE)
				cfg_error_path(ctx, root, "workload.device",
					       "'%s' is not a dma_engine in machine.pcie",
					       out->workload.device);
			else if (assigned)
				cfg_error_path(ctx, root, "workload.device",
					       "'%s' is assigned to a VM; dma_bench drives it from "
					       "the host",
					       out->workload.device);
			else if (!out->machine.iommu.enabled)
				cfg_error_path(ctx, root, "workload.kind",
					       "dma_bench measures the IOMMU; the machine has none");
		} else if (!n || n->type != SC_PTNIC) {
			cfg_error_path(ctx, root, "workload.device", "'%s' is not a NIC in machine.pcie",
				       out->workload.device);
		} else if (!assigned) {
			cfg_error_path(ctx, root, "workload.device",
				       "'%s' is not assigned to any VM", out->workload.device);
		}
	}
	return (int)cfg_error_count(ctx);
}

int scenario_load_machine(struct cfg_ctx *ctx, const char *path, const char *const *sets,
			  size_t nsets, struct scenario *out)
{
	struct cfg_node *root = cfg_load_file(ctx, path);
	const struct cfg_node *mach;
	bool whole;

	if (!root)
		return (int)cfg_error_count(ctx);
	for (size_t i = 0; i < nsets; i++)
		cfg_override(ctx, &root, sets[i]);
	if (root->kind != CFG_MAP) {
		if (!cfg_error_count(ctx))
			cfg_error(ctx, root, "expected a mapping of keys at the top");
		return (int)cfg_error_count(ctx);
	}
	/* A scenario (with `machine:`) or a machine file on its own (configs/machines/). */
	mach = cfg_map_get(root, "machine");
	whole = mach != NULL;
	memset(out, 0, sizeof(*out));
	scenario_defaults(out);
	cfg_bind(ctx, &host_schema, NULL, &out->host);
	cfg_bind(ctx, &hv_schema, NULL, &out->hypervisor);
	cfg_bind(ctx, &run_schema, NULL, &out->run);
	if (whole) {
		const struct cfg_node *nm = cfg_map_get(root, "name"),
				      *sd = cfg_map_get(root, "seed");

		if (nm && nm->kind == CFG_SCALAR)
			out->name = nm->text;
		if (sd && sd->kind == CFG_SCALAR)
			out->seed = strtoull(sd->text, NULL, 0);
		if (cfg_map_get(root, "host"))
			cfg_bind(ctx, &host_schema, cfg_map_get(root, "host"), &out->host);
	}
	cfg_bind(ctx, &machine_schema, whole ? mach : root, &out->machine);
	if (cfg_error_count(ctx))
		return (int)cfg_error_count(ctx);
	check_machine(ctx, root, whole ? "machine." : "", out);
	return (int)cfg_error_count(ctx);
}
