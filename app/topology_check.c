/* SPDX-License-Identifier: MIT */
/*
 * The topology below machine.pcie as a whole, before anything is built: names, placement
 * (what may sit below what), device and function numbers, the routing IDs of functions and
 * VFs on each bus (SR-IOV 1.1 §2.1.2), the bus numbers host software will give (256 per
 * segment), BARs and MSI-X tables, bridge depth, and firmware's RMRRs against the topology and
 * the memory map. Every problem is an error at the entry's position.
 */
#include "app/scenario.h"
#include "models/platform/dmar_table.h"
#include "sim/config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define node_types sc_node_type_names

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

bool scenario_node_is_bridge(const struct sc_node *n)
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
};

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
		cfg_defaults(&sc_bar_schema, dflt);
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
			/* a ptnic with VFs has ARI (it is part of its silicon) */
			if (rid < 256 && ((rid >> 3) & 0x1f) && is_port_node(parent) &&
			    (!parent->ari_forwarding || !(n[i].ari || n[i].type == SC_PTNIC))) {
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

	if (scenario_node_is_bridge(nd) && w->depth >= MAX_BRIDGE_DEPTH) {
		cfg_error_path(
		    w->ctx, w->root, p,
		    "'%s' is %u bridges deep; ptsim handles at most %d levels of bridges", nd->name,
		    w->depth + 1, MAX_BRIDGE_DEPTH);
		return;
	}
	if (scenario_node_is_bridge(nd)) {
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

/* A DMAR device scope names a function by its path from the root bus: one (device, function)
 * entry per level, at most VTD_DMAR_MAX_PATH in the table the firmware writes. */
static void check_scope_device(struct walk *w, const char *p, const char *name, const char *what)
{
	const struct scenario *sc = w->s;
	int level = node_level(sc->machine.pcie.devices, sc->machine.pcie.ndevices, name, 0);

	if (level >= VTD_DMAR_MAX_PATH)
		cfg_error_path(w->ctx, w->root, p,
			       "'%s' is %d bridges below the root bus; a DMAR %s names devices at "
			       "most %d below it",
			       name, level, what, VTD_DMAR_MAX_PATH - 1);
}

/* machine.iommu.units: every scope names a device, no device is in two units' scopes (itself
 * or through a port above it: which unit remaps it would depend on the table's order); the
 * DMAR needs firmware memory. */
static void check_iommu_units(struct walk *w, const char *prefix)
{
	const struct scenario *out = w->s;
	const struct platform_iommu_cfg *io = &out->machine.iommu;
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
						cfg_error_path(w->ctx, w->root, p,
							       "'%s' is below '%s', which is in unit "
							       "'%s'",
							       name, o->name, io->units[k].name);
					else if (node_covers(n, o))
						cfg_error_path(w->ctx, w->root, p,
							       "'%s' has '%s' below it, which is in "
							       "unit '%s'",
							       name, o->name, io->units[k].name);
					else
						dup = false;
				}
		}
	}
	if (io->enabled && out->machine.memory.firmware_size == 0) {
		snprintf(p, sizeof(p), "%smemory.firmware_mib", prefix);
		cfg_error_path(w->ctx, w->root, p,
			       "the ACPI tables (DMAR) need firmware memory; 'firmware_mib' is 0");
	}
}

static void check_firmware(struct walk *w, const struct scenario *sc, const char *prefix)
{
	const struct platform_firmware_cfg *f = &sc->machine.firmware;
	uint64_t ram = sc->machine.memory.size;
	uint64_t low = ram < PTSIM_LOW_RAM_TOP ? ram : PTSIM_LOW_RAM_TOP;
	uint64_t fw_base = low - sc->machine.memory.firmware_size;

	for (size_t i = 0; i < f->nrmrrs; i++) {
		const struct platform_rmrr_cfg *r = &f->rmrrs[i];
		uint64_t end = r->base + r->size;
		bool in_high = r->base >= (4ull << 30) && end <= (4ull << 30) + (ram - low);
		const struct sc_node *n = scenario_find_node(sc, r->device, NULL);
		char p[128];

		snprintf(p, sizeof(p), "%sfirmware.rmrrs.%zu.device", prefix, i);
		if (!n)
			cfg_error_path(w->ctx, w->root, p, "no device named '%s' in machine.pcie",
				       r->device);
		else if (scenario_node_is_bridge(n))
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
				       (unsigned long long)r->base, (unsigned long long)(r->size >> 10),
				       (unsigned long long)fw_base);
		snprintf(p, sizeof(p), "%sfirmware.rmrrs.%zu.size_kib", prefix, i);
		if (r->size % 4096)
			cfg_error_path(w->ctx, w->root, p,
				       "RMRR size %llu KiB is not a multiple of 4",
				       (unsigned long long)(r->size >> 10));
	}
}

void scenario_check_machine(struct cfg_ctx *ctx, const struct cfg_node *root, const char *prefix,
			    struct scenario *out)
{
	struct walk w = {.ctx = ctx, .root = root, .s = out, .next_bus = 1};
	char p[64];

	snprintf(p, sizeof(p), "%spcie.devices", prefix);
	check_nodes(&w, out->machine.pcie.devices, out->machine.pcie.ndevices, p, NULL);
	check_firmware(&w, out, prefix);
	check_iommu_units(&w, prefix);
	/* BARs are placed only in a topology that is right (the placement walks it) */
	if (!cfg_error_count(ctx)) {
		snprintf(p, sizeof(p), "%spcie.devices", prefix);
		scenario_check_bar_windows(ctx, root, out, p);
	}
}
