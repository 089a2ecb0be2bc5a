/* SPDX-License-Identifier: MIT */
/*
 * Wiring: a scenario becomes a machine (memory, PCIe fabric with its functions, a VT-d unit,
 * APIC bus, LAPICs and pCPUs), host software boots on it in a controller actor bound to pCPU 0
 * (VT-d driver, PCI enumeration, hypervisor, VMs, device assignment), the guests run, and the
 * counters of every model are read at the start and end of the workload's window.
 */
#include "sim/app/machine.h"
#include "sim/app/scenario.h"

#include "models/apic/lapic.h"
#include "models/cpu/cpu.h"
#include "models/devices/gendev.h"
#include "models/devices/nic.h"
#include "models/guest/drivers/ptnic_drv.h"
#include "models/guest/kernel/gk.h"
#include "models/host/host.h"
#include "models/host/hpci.h"
#include "models/host/hv.h"
#include "models/host/iommu_groups.h"
#include "models/host/survey.h"
#include "models/host/vfio.h"
#include "models/host/vtd_drv.h"
#include "models/iommu/vtd.h"
#include "models/iommu/vtd_regs.h"
#include "models/mem/mem.h"
#include "models/pcie/pcie.h"
#include "models/pcie/pcie_regs.h"
#include "sim/engine.h"
#include "sim/results.h"
#include "sim/simtime.h"
#include "sim/trace.h"
#include "workloads/stream_rx.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The host physical address map (a Xeon-like layout). */
#define PHYS_LOW_TOP   0x80000000ull  /* RAM below 4 GiB ends at 2 GiB */
#define PHYS_MMIO32    0xc0000000ull  /* 32-bit PCI window */
#define PHYS_MMIO32_SZ 0x20000000ull
#define PHYS_ECAM      0xe0000000ull
#define PHYS_DMAR      0xfed90000ull
#define PHYS_MMIO64    0x380000000000ull
#define PHYS_MMIO64_SZ (1ull << 40)

#define MAX_NICS 16
#define MAX_PCPUS 256
#define MAX_GENDEVS 512

struct counters {
	uint64_t engine_calls;
	uint64_t exits_total, exits[EXIT_REASON_MAX + 1];
	uint64_t guest_irqs, guest_spurious;
	uint64_t ir_remapped, ir_posted, ir_compat, ir_blocked;
	uint64_t iotlb_lookups, iotlb_hits, iotlb_misses, iotlb_evictions;
	uint64_t ctx_lookups, ctx_hits, walks, walk_mem_reads, faults, xlate_ps, translations;
	uint64_t inv_descs, inv_ctx, inv_iotlb, inv_iec;
	uint64_t maps, unmaps;
	uint64_t dma_reqs, dma_bytes, dma_blocked, dma_outside_vm;
	uint64_t guest_ps, exit_ps, host_ps, idle_ps;
	uint64_t frames_rx, nic_missed, nic_irqs;
	uint64_t injections, halts, wakeups, ipis;
	uint64_t cfg_exits_user;
};

struct dev_owner {
	struct pcie_fn *fn;
	unsigned vm;
};

struct machine {
	const struct scenario *sc;
	struct run_opts opts;
	struct mem *mem;
	struct pcie_fabric *fab;
	struct vtd *vtd;
	struct apic_bus *bus;
	struct lapic *lapic[MAX_PCPUS];
	struct pcpu *pcpu[MAX_PCPUS];
	unsigned npcpus;
	struct nic *nic[MAX_NICS];
	unsigned nnics;
	struct gendev *gendev[MAX_GENDEVS];
	unsigned ngendevs;
	struct host_rmrr *rmrrs;
	unsigned nrmrrs;
	struct survey_fn *survey;
	struct dev_owner owners[MAX_NICS];
	unsigned nowners;
	/* software */
	struct host *host;
	struct vtd_drv *iommu;
	struct hpci pci;
	struct hv *hv;
	struct vm *vm[8];
	struct gk *gk[8];
	struct vfio_dev *vfio[MAX_NICS];
	unsigned nvfio;
	struct gk_param params[8][8];
	struct wl_stream_rx *wl;
	/* run */
	int status;
	char err[512];
	bool started, done;
	uint64_t t_setup_done, t_start, t_end;
	struct counters c0, c1;
	struct counters setup;
	uint64_t outside_vm_writes;
	struct timespec wall0;
	void (*guest_entry)(void *ctx, struct vcpu *v);
	void *guest_entry_ctx;
	bool progress_shown;
};

static void fail(struct machine *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(struct machine *m, const char *fmt, ...)
{
	va_list ap;

	if (m->status)
		return;
	m->status = 1;
	va_start(ap, fmt);
	vsnprintf(m->err, sizeof(m->err), fmt, ap);
	va_end(ap);
}

/* ---- root complex hooks: the IOMMU and the interrupt path ---- */

static int owner_of(const struct machine *m, uint16_t sid)
{
	for (unsigned i = 0; i < m->nowners; i++)
		if (pcie_fn_rid(m->owners[i].fn) == sid)
			return (int)m->owners[i].vm;
	return -1;
}

static void rc_translate(void *ctx, uint16_t sid, uint64_t iova, uint32_t len, bool write,
			 uint64_t t, struct pcie_xlate *out)
{
	struct machine *m = ctx;
	int vm;

	if (m->vtd) {
		struct vtd_xlate x;

		vtd_translate(m->vtd, sid, iova, write, t, &x);
		out->hpa = x.hpa;
		out->lat_ps = x.lat_ps;
		out->ok = x.ok;
	} else {
		out->hpa = iova;
		out->lat_ps = 0;
		out->ok = true;
	}
	/* What protection is for: count writes landing outside the owning VM's memory. */
	vm = owner_of(m, sid);
	if (out->ok && write && vm >= 0 && mem_owner(m->mem, out->hpa) != MEM_OWNER_VM(vm))
		m->outside_vm_writes += len;
}

static void note_flow(struct machine *m, uint32_t dest, uint64_t t)
{
	uint64_t flow = trace_current_flow();

	if (flow && dest < m->npcpus) {
		trace_flow(sim_trace, pcpu_track(m->pcpu[dest]), "interrupt", flow, t, 't');
		pcpu_note_flow(m->pcpu[dest], flow);
	}
}

static void deliver(void *ctx, uint32_t dest, uint8_t vector, bool level, uint64_t t)
{
	struct machine *m = ctx;

	if (trace_on())
		note_flow(m, dest, t);
	apic_bus_deliver(m->bus, dest, vector, level);
}

static void compat_commit(void *ctx, const struct pcie_irq *irq)
{
	struct machine *m = ctx;

	if (trace_on())
		note_flow(m, (uint32_t)irq->w[1], irq->t_deliver);
	apic_bus_deliver(m->bus, (uint32_t)irq->w[1], (uint8_t)irq->w[2], false);
}

static void rc_msi(void *ctx, uint16_t sid, uint64_t addr, uint32_t data, uint64_t t,
		   struct pcie_irq *irq)
{
	struct machine *m = ctx;

	if (m->vtd) {
		vtd_remap_msi(m->vtd, sid, addr, data, t, irq);
		return;
	}
	/* No remapping hardware: the message is a compatibility-format interrupt. */
	irq->commit = compat_commit;
	irq->ctx = m;
	irq->w[1] = MSI_ADDR_DEST(addr);
	irq->w[2] = MSI_DATA_VECTOR(data);
}

static const struct pcie_mmio_ops vtd_mmio = {vtd_reg_read, vtd_reg_write, 0};

/* ---- building the hardware ---- */

static bool node_is_port(const struct sc_node *n)
{
	return n->type == SC_ROOT_PORT || n->type == SC_DOWNSTREAM_PORT;
}

/* Identity: what the file says, else the type's usual silicon. */
static void node_ids(const struct sc_node *n, uint16_t *ven, uint16_t *dev, uint32_t *cls)
{
	*ven = (uint16_t)n->vendor;
	*dev = (uint16_t)n->device;
	*cls = n->class_code << 8 | n->revision;
	if (n->has_ids)
		return;
	switch (n->type) {
	case SC_ROOT_PORT: /* Sky Lake-E PCI Express Root Port A */
		*ven = 0x8086, *dev = 0x2030, *cls = 0x06040007;
		break;
	case SC_SWITCH: /* Broadcom/PLX PEX 8747 48-lane, 5-port Gen3 switch */
	case SC_DOWNSTREAM_PORT:
		*ven = 0x10b5, *dev = 0x8747, *cls = 0x060400ca;
		break;
	case SC_PCI_BRIDGE: /* Texas Instruments XIO2001 PCI Express-to-PCI bridge */
		*ven = 0x104c, *dev = 0x8240, *cls = 0x06040000;
		break;
	default:
		break;
	}
}

static int add_port_caps(struct pcie_fn *fn, const struct sc_node *n, unsigned exp_type)
{
	int rc = pcie_fn_add_cap_pm(fn);

	if (rc >= 0)
		rc = pcie_fn_add_cap_exp(fn, exp_type, false);
	if (rc >= 0 && node_is_port(n))
		pcie_fn_set_ari_forwarding(fn, n->ari_forwarding);
	/* Ports have ACS unless the file says otherwise: SV TB RR CR UF (Intel root ports, PLX). */
	if (rc >= 0 && (n->has_acs || (node_is_port(n) && !n->acs_given)))
		rc = pcie_fn_add_ext_acs(fn, n->has_acs ? n->acs_bits : 0x1f, 32);
	return rc < 0 ? rc : 0;
}

static void bar_from_node(struct gendev_bar *g, const struct sc_bar *b)
{
	g->size = b->size;
	g->is64 = b->type == SC_BAR_MEM64;
	g->io = b->type == SC_BAR_IO;
	g->prefetch = b->prefetch;
}

static int build_gendev(struct machine *m, const struct sc_node *n, struct pcie_fn **out)
{
	struct gendev_cfg gc;
	struct gendev *g;
	int rc;

	if (m->ngendevs == MAX_GENDEVS)
		return -ENOSPC;
	memset(&gc, 0, sizeof(gc));
	snprintf(gc.name, sizeof(gc.name), "%s", n->name);
	gc.kind = n->type == SC_RCIEP ? GENDEV_RCIEP : n->type == SC_PCI_DEVICE ? GENDEV_PCI
										 : GENDEV_PCIE;
	gc.vendor = (uint16_t)n->vendor;
	gc.device = (uint16_t)n->device;
	gc.class_rev = n->class_code << 8 | n->revision;
	gc.subsys_vendor = (uint16_t)n->subsys_vendor;
	gc.subsys = (uint16_t)n->subsys;
	if (!n->has_bars) {
		gc.bar[0].size = 0x4000;
		gc.bar[0].is64 = true;
	}
	for (size_t i = 0; i < n->nbars; i++)
		bar_from_node(&gc.bar[n->bars[i].index], &n->bars[i]);
	gc.msi_vectors = n->msi_vectors;
	gc.msix_vectors = n->msix_vectors;
	gc.msix_bar = (int)n->msix_bar;
	gc.intx_pin = (unsigned)n->intx;
	gc.flr = n->flr;
	gc.acs = n->has_acs;
	gc.acs_cap = n->acs_bits;
	gc.ari = n->ari;
	gc.ats = n->ats;
	gc.pasid_bits = n->pasid_bits;
	if (n->has_sriov) {
		struct pcie_sriov_cfg *v = &gc.sriov_cfg;

		gc.sriov = true;
		v->total_vfs = n->sriov.total_vfs;
		v->offset = (uint16_t)n->sriov.offset;
		v->stride = (uint16_t)n->sriov.stride;
		v->vf_device = (uint16_t)n->sriov.vf_device;
		if (!n->sriov.has_vf_bars) {
			v->vf_bar_size[0] = 0x4000;
			v->vf_bar_is64[0] = true;
		}
		for (size_t i = 0; i < n->sriov.nvf_bars; i++) {
			const struct sc_bar *b = &n->sriov.vf_bars[i];

			v->vf_bar_size[b->index] = b->size;
			v->vf_bar_is64[b->index] = b->type == SC_BAR_MEM64;
			v->vf_bar_prefetch[b->index] = b->prefetch;
		}
		/* each VF's MSI-X table at the start of its BAR 0, the PBA after it */
		if (n->sriov.vf_msix_vectors && v->vf_bar_size[0] >=
						       n->sriov.vf_msix_vectors * 16u + 8u) {
			v->vf_msix_vectors = n->sriov.vf_msix_vectors;
			v->vf_msix_bar = 0;
			v->vf_msix_pba_off = n->sriov.vf_msix_vectors * 16;
		}
	}
	rc = gendev_create(&gc, m->fab, &g);
	if (rc)
		return rc;
	m->gendev[m->ngendevs++] = g;
	*out = gendev_fn(g);
	return 0;
}

static int build_nodes(struct machine *m, const struct sc_node *n, size_t count,
		       struct pcie_fn *parent, const struct sc_link *parent_link);

static int build_node(struct machine *m, const struct sc_node *n, struct pcie_fn *parent,
		      const struct sc_link *plink)
{
	struct pcie_fn *fn = NULL;
	struct pcie_link_cfg lc = {0};
	uint8_t devfn = (uint8_t)(n->function > 7 ? n->function : PCI_DEVFN(n->slot, n->function));
	uint16_t ven, dev;
	uint32_t cls;
	int rc = 0;

	if (plink) {
		lc.gen = plink->gen;
		lc.width = plink->width;
		lc.mps = plink->mps;
		lc.mrrs = plink->mrrs;
		lc.rcb = plink->rcb;
		lc.latency_ps = plink->latency_ps;
	}
	node_ids(n, &ven, &dev, &cls);
	switch (n->type) {
	case SC_ROOT_PORT:
		rc = pcie_fn_create(m->fab, n->name, PCIE_FN_ROOT_PORT, &fn);
		if (!rc) {
			pcie_fn_set_ids(fn, ven, dev, cls, 0, 0);
			rc = add_port_caps(fn, n, PCI_EXP_TYPE_ROOT_PORT);
		}
		break;
	case SC_SWITCH:
		rc = pcie_fn_create(m->fab, n->name, PCIE_FN_SWITCH_UP, &fn);
		if (!rc) {
			pcie_fn_set_ids(fn, ven, dev, cls, 0, 0);
			pcie_fn_set_fwd_latency(fn, n->latency_ps);
			rc = add_port_caps(fn, n, PCI_EXP_TYPE_UPSTREAM);
		}
		break;
	case SC_DOWNSTREAM_PORT:
		rc = pcie_fn_create(m->fab, n->name, PCIE_FN_SWITCH_DOWN, &fn);
		if (!rc) {
			pcie_fn_set_ids(fn, ven, dev, cls, 0, 0);
			rc = add_port_caps(fn, n, PCI_EXP_TYPE_DOWNSTREAM);
		}
		break;
	case SC_PCI_BRIDGE:
		rc = pcie_fn_create(m->fab, n->name, PCIE_FN_PCI_BRIDGE, &fn);
		if (!rc) {
			pcie_fn_set_ids(fn, ven, dev, cls, 0, 0);
			pcie_fn_set_fwd_latency(fn, n->latency_ps);
			rc = add_port_caps(fn, n, PCI_EXP_TYPE_PCI_BRIDGE);
		}
		if (!rc)
			rc = pcie_fn_set_pci_bus(fn, n->pci_mhz, n->pci_bits, 0);
		break;
	case SC_PTNIC: {
		struct nic_cfg nc = {0};
		struct nic *nic;

		if (m->nnics == MAX_NICS)
			return -ENOSPC;
		snprintf(nc.name, sizeof(nc.name), "%s", n->name);
		nc.reset_ps = n->reset_ps;
		nc.max_inflight = n->max_inflight;
		rc = nic_create(&nc, m->fab, &nic);
		if (rc)
			return rc;
		m->nic[m->nnics++] = nic;
		fn = nic_fn(nic);
		break;
	}
	default:
		rc = build_gendev(m, n, &fn);
		break;
	}
	if (rc)
		return rc;
	rc = pcie_fn_attach(fn, parent, devfn, parent && plink ? &lc : NULL);
	if (rc)
		return rc;
	if (n->type == SC_SWITCH)
		return build_nodes(m, n->ports, n->nports, fn, NULL);
	return build_nodes(m, n->below, n->nbelow, fn, node_is_port(n) ? &n->link : NULL);
}

static int build_nodes(struct machine *m, const struct sc_node *n, size_t count,
		       struct pcie_fn *parent, const struct sc_link *parent_link)
{
	for (size_t i = 0; i < count; i++) {
		int rc = build_node(m, &n[i], parent, parent_link);

		if (rc)
			return rc;
	}
	return 0;
}

/* Firmware's RMRRs: the memory is reserved (E820) and the device named by its path. */
static int build_rmrrs(struct machine *m)
{
	const struct sc_firmware *f = &m->sc->machine.firmware;

	if (!f->nrmrrs)
		return 0;
	m->rmrrs = calloc(f->nrmrrs, sizeof(*m->rmrrs));
	if (!m->rmrrs)
		return -ENOMEM;
	for (size_t i = 0; i < f->nrmrrs; i++) {
		struct pcie_fn *fn = pcie_fabric_find(m->fab, f->rmrrs[i].device);
		struct host_rmrr *r = &m->rmrrs[m->nrmrrs];

		if (!fn)
			return -ENODEV;
		r->base = f->rmrrs[i].base;
		r->size = f->rmrrs[i].size_kib << 10;
		pcie_fn_location(fn, r->path, sizeof(r->path));
		mem_set_owner(m->mem, r->base, r->size, MEM_OWNER_FIRMWARE);
		m->nrmrrs++;
	}
	return 0;
}

static int build_hardware(struct machine *m)
{
	const struct scenario *sc = m->sc;
	const struct sc_machine *hw = &sc->machine;
	struct mem_cfg mc = {0};
	struct pcie_fabric_cfg fc = {0};
	struct pcie_fn *hb;
	int rc;

	mc.size = hw->memory.size_mib << 20;
	mc.low_top = PHYS_LOW_TOP;
	mc.firmware_size = hw->memory.firmware_mib << 20;
	mc.latency_ps = hw->memory.latency_ps;
	mc.llc_latency_ps = hw->memory.llc_latency_ps;
	mc.bandwidth_gbps = hw->memory.bandwidth_gbps;
	rc = mem_create(&mc, &m->mem);
	if (rc)
		return rc;

	fc.ecam_base = PHYS_ECAM;
	fc.ecam_buses = 256;
	fc.mmio32_base = PHYS_MMIO32;
	fc.mmio32_size = PHYS_MMIO32_SZ;
	fc.mmio64_base = PHYS_MMIO64;
	fc.mmio64_size = PHYS_MMIO64_SZ;
	fc.rc_latency_ps = hw->pcie.root_complex_ps;
	fc.cfg_access_ps = hw->pcie.config_access_ps;
	fc.mmio_dev_ps = hw->pcie.device_mmio_ps;
	fc.rc_p2p = hw->pcie.root_p2p;
	rc = pcie_fabric_create(&fc, m->mem, &m->fab);
	if (rc)
		return rc;
	/* The host bridge at 00:00.0 (Sky Lake-E DMI3 registers). */
	rc = pcie_fn_create(m->fab, "host_bridge", PCIE_FN_HOST_BRIDGE, &hb);
	if (!rc) {
		pcie_fn_set_ids(hb, 0x8086, 0x2020, 0x06000007, 0x8086, 0x0000);
		pcie_fn_add_cap_exp(hb, PCI_EXP_TYPE_RC_END, false);
		rc = pcie_fn_attach(hb, NULL, 0, NULL);
	}
	if (!rc)
		rc = build_nodes(m, hw->pcie.devices, hw->pcie.ndevices, NULL, NULL);
	if (!rc)
		rc = build_rmrrs(m);
	if (rc)
		return rc;

	if (hw->iommu.enabled) {
		struct vtd_cfg vc = {0};

		snprintf(vc.name, sizeof(vc.name), "dmar0");
		vc.reg_base = PHYS_DMAR;
		vc.nd = 2; /* 256 domains */
		vc.sagaw = (1u << 1) | (hw->iommu.address_width >= 48 ? 1u << 2 : 0) |
			   (hw->iommu.address_width >= 57 ? 1u << 3 : 0);
		vc.mgaw = hw->iommu.address_width;
		vc.sp_2m = vc.sp_1g = hw->iommu.superpages;
		vc.posted_interrupts = hw->iommu.posted_interrupts;
		vc.qi = hw->iommu.queued_invalidation;
		vc.ir = hw->iommu.interrupt_remapping;
		vc.eim = true;
		vc.pt = true;
		vc.coherent = true;
		vc.nfr = hw->iommu.fault_records;
		vc.iotlb.entries = hw->iommu.iotlb.entries;
		vc.iotlb.ways = hw->iommu.iotlb.ways;
		vc.iotlb.repl = (enum iotlb_repl)hw->iommu.iotlb.replacement;
		vc.ctx_entries = hw->iommu.context_cache_entries;
		vc.iec_entries = hw->iommu.interrupt_cache_entries;
		vc.iotlb_hit_ps = hw->iommu.iotlb_hit_ps;
		vc.ctx_hit_ps = hw->iommu.context_hit_ps;
		vc.walk_step_ps = hw->iommu.walk_step_ps;
		vc.walk_in_llc = hw->iommu.walk_in_llc;
		vc.cmd_ps = hw->iommu.command_ps;
		vc.qi_desc_ps = hw->iommu.descriptor_ps;
		vc.reg_access_ps = hw->iommu.register_access_ps;
		vc.ir_ps = hw->iommu.interrupt_remap_ps;
		rc = vtd_create(&vc, m->mem, &m->vtd);
		if (rc)
			return rc;
		struct vtd_hooks vh = {deliver, m};
		vtd_set_hooks(m->vtd, &vh);
		static struct pcie_mmio_ops ops;
		ops = vtd_mmio;
		ops.access_ps = hw->iommu.register_access_ps;
		rc = pcie_fabric_map_mmio(m->fab, PHYS_DMAR, DMAR_REG_SIZE, &ops, m->vtd);
		if (rc)
			return rc;
	}
	struct pcie_rc_hooks hooks = {rc_translate, rc_msi, m};
	pcie_fabric_set_hooks(m->fab, &hooks);

	rc = apic_bus_create(&m->bus);
	if (rc)
		return rc;
	m->npcpus = hw->cpu.pcpus;
	for (unsigned i = 0; i < m->npcpus; i++) {
		struct pcpu_cfg pc = {.id = i, .apic_id = i, .clock = {hw->cpu.freq_mhz}};

		rc = lapic_create(i, &m->lapic[i]);
		if (!rc)
			rc = apic_bus_attach(m->bus, m->lapic[i]);
		if (!rc)
			rc = pcpu_create(&pc, m->lapic[i], &m->pcpu[i]);
		if (rc)
			return rc;
		lapic_set_bus(m->lapic[i], m->bus);
		/* Firmware leaves each LAPIC software-enabled for the host kernel. */
		lapic_reg_write(m->lapic[i], 0xf0, 0x1ff);
		if (trace_on()) {
			char name[32];

			snprintf(name, sizeof(name), "pcpu%u", i);
			pcpu_set_track(m->pcpu[i], trace_track(sim_trace, "machine", name));
		}
	}
	return 0;
}

/* ---- counters ---- */

static void snapshot(const struct machine *m, struct counters *c)
{
	memset(c, 0, sizeof(*c));
	c->engine_calls = sim_engine_calls();
	for (unsigned v = 0; v < m->sc->nvms; v++) {
		const struct vm *vm = m->vm[v];

		if (!vm)
			continue;
		for (unsigned i = 0; i < vm_nvcpus(vm); i++) {
			const struct vcpu_stats *vs = vcpu_stats(vm_vcpu(vm, i));
			const struct pcpu_time *pt = pcpu_time(vcpu_pcpu(vm_vcpu(vm, i)) ?
								       vcpu_pcpu(vm_vcpu(vm, i)) :
								       m->pcpu[vm_config(vm)->pcpu[i]]);

			c->exits_total += vs->exits_total;
			for (unsigned r = 0; r <= EXIT_REASON_MAX; r++)
				c->exits[r] += vs->exits[r];
			c->guest_ps += pt->guest_ps;
			c->exit_ps += pt->exit_ps;
			c->host_ps += pt->host_ps;
			c->idle_ps += pt->idle_ps;
		}
		const struct vm_stats *st = vm_stats(vm);
		c->injections += st->injections;
		c->halts += st->halts;
		c->wakeups += st->wakeups;
		c->ipis += st->ipis_sent;
		if (m->gk[v]) {
			c->guest_irqs += gk_stats(m->gk[v])->irqs;
			c->guest_spurious += gk_stats(m->gk[v])->spurious_irqs;
		}
	}
	if (m->vtd) {
		const struct vtd_stats *s = vtd_stats(m->vtd);
		const struct iotlb_stats *t = iotlb_stats(vtd_iotlb(m->vtd));

		c->ir_remapped = s->ir_remapped;
		c->ir_posted = s->ir_posted;
		c->ir_compat = s->ir_compat;
		c->ir_blocked = s->ir_blocked;
		c->iotlb_lookups = t->lookups;
		c->iotlb_hits = t->hits;
		c->iotlb_misses = t->misses;
		c->iotlb_evictions = t->evictions;
		c->ctx_lookups = s->ctx_lookups;
		c->ctx_hits = s->ctx_hits;
		c->walks = s->walks;
		c->walk_mem_reads = s->walk_mem_reads;
		c->faults = s->faults;
		c->xlate_ps = s->xlate_ps;
		c->translations = s->translations;
		c->inv_descs = s->qi_descs;
		c->inv_ctx = s->inv_ctx;
		c->inv_iotlb = s->inv_iotlb_global + s->inv_iotlb_domain + s->inv_iotlb_page;
		c->inv_iec = s->inv_iec;
	}
	if (m->iommu) {
		c->maps = vtd_drv_stats(m->iommu)->maps;
		c->unmaps = vtd_drv_stats(m->iommu)->unmaps;
	}
	const struct pcie_stats *ps = pcie_fabric_stats(m->fab);
	c->dma_reqs = ps->dma_reads + ps->dma_writes;
	c->dma_bytes = ps->dma_read_bytes + ps->dma_write_bytes;
	c->dma_blocked = ps->dma_blocked;
	c->dma_outside_vm = m->outside_vm_writes;
	for (unsigned i = 0; i < m->nnics; i++) {
		c->frames_rx += nic_stats(m->nic[i])->rx_frames;
		c->nic_missed += nic_stats(m->nic[i])->rx_missed;
		c->nic_irqs += nic_stats(m->nic[i])->irqs_sent;
	}
}

static void diff(struct counters *out, const struct counters *a, const struct counters *b)
{
	const uint64_t *pa = (const uint64_t *)a, *pb = (const uint64_t *)b;
	uint64_t *po = (uint64_t *)out;

	_Static_assert(sizeof(struct counters) % sizeof(uint64_t) == 0, "all u64");
	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		po[i] = pb[i] - pa[i];
}

/* ---- the controller: host boot, VMs, the measurement window ---- */

static void on_start(void *ctx)
{
	struct machine *m = ctx;

	m->started = true;
	m->t_start = sim_now();
	snapshot(m, &m->c0);
}

static void on_sent(void *ctx)
{
	struct machine *m = ctx;

	pcpu_kick(m->pcpu[0]); /* the controller starts the drain clock */
}

static void on_done(void *ctx)
{
	struct machine *m = ctx;

	if (m->done)
		return;
	m->done = true;
	m->t_end = sim_now();
	snapshot(m, &m->c1);
	pcpu_kick(m->pcpu[0]);
}

static enum dma_strategy to_strategy(int s)
{
	return s == SC_DMA_NONE ? DMA_NONE : DMA_DIRECT_MAP;
}

static int boot_vm(struct machine *m, unsigned v)
{
	const struct sc_vm *sv = &m->sc->vms[v];
	struct gk_cfg gc = {0};
	struct vm_cfg vc = {0};
	struct gk_param *pp = m->params[v];
	int rc;

	snprintf(gc.name, sizeof(gc.name), "%s", sv->name);
	gc.costs.irq_entry = sv->guest.irq_entry_cycles;
	gc.costs.irq_exit = sv->guest.irq_exit_cycles;
	gc.costs.net_rx = sv->guest.net_rx_cycles;
	gc.pci_conf_io = sv->guest.pci_config == SC_PCICONF_IO;
	pp[0] = (struct gk_param){"ptnic", "ring_size", sv->guest.ptnic.ring_size};
	pp[1] = (struct gk_param){"ptnic", "budget", sv->guest.ptnic.budget};
	pp[2] = (struct gk_param){"ptnic", "itr", sv->guest.ptnic.itr};
	pp[3] = (struct gk_param){"ptnic", "desc_cycles", sv->guest.ptnic.desc_cycles};
	gc.params = pp;
	gc.nparams = 4;
	rc = gk_create(&gc, &m->gk[v]);
	if (!rc)
		rc = gk_register_builtin(m->gk[v], &ptnic_driver);
	if (rc)
		return rc;

	vc.id = v;
	snprintf(vc.name, sizeof(vc.name), "%s", sv->name);
	vc.nvcpus = sv->vcpus;
	for (unsigned i = 0; i < sv->vcpus; i++)
		vc.pcpu[i] = sv->npcpus ? sv->pcpus[i] : 1 + i;
	vc.ram_bytes = sv->memory_mib << 20;
	vc.irq_mode = (enum hv_irq_mode)sv->interrupt_mode;
	vc.vcpu.exit_cycles = m->sc->machine.cpu.vmexit_cycles;
	vc.vcpu.entry_cycles = m->sc->machine.cpu.vmentry_cycles;
	vc.vcpu.mmio_issue_cycles = m->sc->machine.cpu.mmio_write_cycles;
	vc.guest_entry = m->guest_entry ? m->guest_entry : gk_entry;
	vc.guest_ctx = m->guest_entry ? m->guest_entry_ctx : m->gk[v];
	rc = hv_vm_create(m->hv, &vc, &m->vm[v]);
	if (rc)
		return rc;
	if (trace_on())
		for (unsigned i = 0; i < sv->vcpus; i++) {
			char name[48];

			snprintf(name, sizeof(name), "vcpu%u (pcpu%u)", i, vc.pcpu[i]);
			pcpu_set_track(m->pcpu[vc.pcpu[i]], trace_track(sim_trace, sv->name, name));
		}

	for (size_t d = 0; d < sv->ndevices; d++) {
		struct pcie_fn *fn = pcie_fabric_find(m->fab, sv->devices[d]);
		struct vfio_cfg fc = {0};
		struct hpci_dev *hd;
		char path[128];

		pcie_fn_location(fn, path, sizeof(path));
		hd = hpci_find_path(&m->pci, path);
		if (!hd) {
			fail(m, "%s: the host did not find %s at %s", sv->name, sv->devices[d], path);
			return -ENODEV;
		}
		fc.host_bdf = hd->bdf;
		fc.guest_devfn = (uint8_t)PCI_DEVFN(3 + d, 0);
		fc.strategy = to_strategy(sv->dma.strategy);
		fc.flr_wait_us = m->sc->host.flr_wait_us;
		rc = vfio_assign(m->vm[v], m->iommu, &m->pci, &fc, &m->vfio[m->nvfio]);
		if (rc) {
			fail(m, "%s: assigning %s (%04x) failed: %s", sv->name, sv->devices[d],
			     hd->bdf, strerror(-rc));
			return rc;
		}
		m->nvfio++;
		m->owners[m->nowners].fn = fn;
		m->owners[m->nowners].vm = v;
		m->nowners++;
	}
	return 0;
}

/* The administrator's `echo N > sriov_numvfs` for every PF the scenario gives num_vfs. */
static int enable_vfs(struct machine *m, const struct sc_node *n, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		int rc;

		if (n[i].has_sriov && n[i].sriov.num_vfs) {
			struct pcie_fn *fn = pcie_fabric_find(m->fab, n[i].name);
			struct hpci_dev *d;
			char path[128];

			pcie_fn_location(fn, path, sizeof(path));
			d = hpci_find_path(&m->pci, path);
			if (!d)
				return -ENODEV;
			rc = hpci_sriov_enable(m->host, &m->pci, (size_t)(d - m->pci.dev),
					       n[i].sriov.num_vfs);
			if (rc)
				return rc;
		}
		rc = enable_vfs(m, n[i].below, n[i].nbelow);
		if (!rc)
			rc = enable_vfs(m, n[i].ports, n[i].nports);
		if (rc)
			return rc;
	}
	return 0;
}

static void controller(void *arg)
{
	struct machine *m = arg;
	const struct scenario *sc = m->sc;
	struct host_machine hm = {0};
	struct host_cfg hc = {0};
	struct hv_cfg hvc = {0};
	uint64_t deadline = (uint64_t)(sc->run.max_sim_ms * (double)SIM_PS_PER_MS);
	int rc;

	pcpu_bind(m->pcpu[0]);
	for (unsigned i = 0; i < m->nnics; i++)
		nic_start(m->nic[i]);
	if (m->vtd)
		vtd_start(m->vtd);

	hm.mem = m->mem;
	hm.fab = m->fab;
	hm.pcpus = m->pcpu;
	hm.npcpus = m->npcpus;
	hm.ecam_base = PHYS_ECAM;
	hm.ecam_buses = 256;
	hm.mmio32_base = PHYS_MMIO32;
	hm.mmio32_size = PHYS_MMIO32_SZ;
	hm.mmio64_base = PHYS_MMIO64;
	hm.mmio64_size = PHYS_MMIO64_SZ;
	if (m->vtd) {
		hm.dmar_base[0] = PHYS_DMAR;
		hm.ndmar = 1;
	}
	hm.pcie_native_control = sc->machine.firmware.pcie_native_control;
	hm.rmrrs = m->rmrrs;
	hm.nrmrrs = m->nrmrrs;
	hc.costs.mem_access_cycles = sc->host.mem_access_cycles;
	hc.costs.irq_entry_cycles = sc->host.irq_entry_cycles;
	hc.costs.eoi_cycles = sc->host.eoi_cycles;
	hc.costs.page_zero_cycles = sc->host.page_zero_cycles;
	hc.costs.poll_ns = sc->host.poll_ps / 1000;
	rc = host_create(&hc, &hm, &m->host);
	if (rc) {
		fail(m, "host kernel: %s", strerror(-rc));
		return;
	}
	if (hm.ndmar) {
		struct vtd_drv_cfg dc = {.use_qi = true,
					 .use_ir = true,
					 .x2apic = true,
					 .superpages = sc->machine.iommu.superpages,
					 .irt_entries = sc->host.irte_entries,
					 .fault_cpu = 0};

		rc = vtd_drv_init(m->host, hm.dmar_base[0], &dc, &m->iommu);
		if (rc) {
			fail(m, "VT-d driver: %s", strerror(-rc));
			return;
		}
	}
	rc = hpci_enumerate(m->host, &m->pci);
	if (!rc)
		rc = enable_vfs(m, sc->machine.pcie.devices, sc->machine.pcie.ndevices);
	if (rc) {
		fail(m, "PCI enumeration: %s", strerror(-rc));
		return;
	}
	iommu_groups_compute(m->host, &m->pci);
	if (m->opts.host_only) {
		/* survey and lspci: what the host found, as its software sees it */
		if (m->opts.snapshot_config)
			rc = hpci_snapshot(m->host, &m->pci);
		m->survey = calloc(m->pci.n ? m->pci.n : 1, sizeof(*m->survey));
		if (rc || !m->survey) {
			fail(m, "survey: %s", strerror(rc ? -rc : ENOMEM));
			return;
		}
		survey_run(m->host, &m->pci, m->opts.force, m->survey);
		m->t_setup_done = pcpu_sync(m->pcpu[0]);
		m->done = true;
		return;
	}
	struct hv_costs *hcst = &hvc.costs;
	hcst->ext_int = sc->hypervisor.ext_int;
	hcst->intr_window = sc->hypervisor.intr_window;
	hcst->hlt = sc->hypervisor.hlt;
	hcst->wakeup = sc->hypervisor.wakeup;
	hcst->apic_msr = sc->hypervisor.apic_msr;
	hcst->inject = sc->hypervisor.inject;
	hcst->irqfd = sc->hypervisor.irqfd;
	hcst->user_exit = sc->hypervisor.user_exit;
	hcst->kernel_mmio = sc->hypervisor.kernel_mmio;
	hcst->vmcall = sc->hypervisor.vmcall;
	rc = hv_create(m->host, &hvc, &m->hv);
	if (rc) {
		fail(m, "hypervisor: %s", strerror(-rc));
		return;
	}
	for (unsigned v = 0; v < sc->nvms; v++) {
		rc = boot_vm(m, v);
		if (rc) {
			fail(m, "%s: could not start: %s", sc->vms[v].name, strerror(-rc));
			return;
		}
	}

	/* The workload: the NIC that receives, and the guest that owns it. */
	for (unsigned i = 0; i < m->nnics; i++) {
		if (strcmp(pcie_fn_name(nic_fn(m->nic[i])), sc->workload.device))
			continue;
		int vm = -1;
		for (unsigned k = 0; k < m->nowners; k++)
			if (m->owners[k].fn == nic_fn(m->nic[i]))
				vm = (int)m->owners[k].vm;
		struct wl_stream_rx_cfg wc = {
			.frames = sc->workload.frames,
			.frame_bytes = sc->workload.frame_bytes,
			.rate_gbps = sc->workload.rate_gbps,
			.line_gbps = sc->workload.line_gbps,
			.arrival = (enum wl_arrival)sc->workload.arrival,
			.app_cycles = sc->workload.app_cycles,
			.guest_idle = (enum wl_guest_idle)sc->workload.guest_idle,
			.start_delay_ps = sc->workload.start_delay_ps,
		};
		rc = wl_stream_rx_create(&wc, m->opts.seed, &m->wl);
		if (rc || vm < 0) {
			fail(m, "workload: %s", rc ? strerror(-rc) : "device not assigned");
			return;
		}
		struct wl_hooks wh = {on_start, on_sent, on_done, m};
		wl_stream_rx_bind(m->wl, m->nic[i], m->gk[vm], &wh);
	}
	m->t_setup_done = pcpu_sync(m->pcpu[0]);
	snapshot(m, &m->setup);
	for (unsigned v = 0; v < sc->nvms; v++)
		hv_vm_start(m->vm[v]);

	/* pCPU 0 idles (serving host interrupts) until the workload is done. */
	while (!m->done && sim_now() < deadline) {
		uint64_t until = deadline;
		const struct wl_stream_rx_result *wr = m->wl ? wl_stream_rx_result(m->wl) : NULL;

		/* Every frame is out: the guest has the drain time to account for them. */
		if (wr && wr->sent == sc->workload.frames) {
			uint64_t drain = wr->t_last_ps + sc->workload.drain_ps;

			if (sim_now() >= drain) {
				wl_stream_rx_give_up(m->wl);
				break;
			}
			if (drain < until)
				until = drain;
		}

		if (m->opts.progress && sim_now() + SIM_PS_PER_MS < until)
			until = sim_now() + SIM_PS_PER_MS;
		pcpu_idle_until(m->pcpu[0], until);
		struct timespec now_w;

		clock_gettime(CLOCK_MONOTONIC, &now_w);
		if (m->opts.progress && m->wl && now_w.tv_sec - m->wall0.tv_sec >= 2) {
			m->progress_shown = true;
			const struct wl_stream_rx_result *r = wl_stream_rx_result(m->wl);

			fprintf(stderr, "\rptsim: t=%.3f ms  frames %llu/%llu received, %llu dropped   ",
				(double)sim_now() / SIM_PS_PER_MS, (unsigned long long)r->received,
				(unsigned long long)sc->workload.frames, (unsigned long long)r->dropped);
		}
	}
	if (m->progress_shown)
		fprintf(stderr, "\r%100s\r", "");
	if (!m->done) {
		const struct wl_stream_rx_result *r = m->wl ? wl_stream_rx_result(m->wl) : NULL;

		fail(m,
		     "the workload did not finish within run.max_sim_ms = %g ms (%llu of %llu frames "
		     "received, %llu dropped%s)",
		     sc->run.max_sim_ms, r ? (unsigned long long)r->received : 0ull,
		     (unsigned long long)sc->workload.frames, r ? (unsigned long long)r->dropped : 0ull,
		     r && !r->started ? "; the guest application never started" : "");
	}
}

/* ---- results ---- */

static double ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

static void fill_results(struct machine *m, struct results *r)
{
	const struct scenario *sc = m->sc;
	struct counters c;
	struct wl_stream_rx_result *w = wl_stream_rx_result(m->wl);
	const struct sim_clock clk = {sc->machine.cpu.freq_mhz};
	uint64_t window = m->t_end - m->t_start;
	uint64_t measured = w->t_end_ps > w->t_first_ps ? w->t_end_ps - w->t_first_ps : 0;
	char key[96];
	struct timespec wall1;

	diff(&c, &m->c0, &m->c1);
	clock_gettime(CLOCK_MONOTONIC, &wall1);
	results_set_str(r, "ptsim_version", PTSIM_VERSION);
	results_set_str(r, "config", m->opts.config_path);
	results_set_str(r, "scenario", sc->name);
	results_set_u64(r, "seed", m->opts.seed);
	results_set_u64(r, "sim_time_ns", sim_now() / 1000);
	results_set_double(r, "wall_s", (double)(wall1.tv_sec - m->wall0.tv_sec) +
						(double)(wall1.tv_nsec - m->wall0.tv_nsec) * 1e-9);
	results_set_u64(r, "events", sim_engine_calls());

	results_set_u64(r, "window.start_ns", m->t_start / 1000);
	results_set_u64(r, "window.length_ns", window / 1000);
	results_set_u64(r, "window.events", c.engine_calls);

	results_set_u64(r, "interrupts.delivered", c.guest_irqs);
	results_set_u64(r, "interrupts.by_path.remapped", c.ir_remapped);
	results_set_u64(r, "interrupts.by_path.posted", c.ir_posted);
	results_set_u64(r, "interrupts.by_path.posted_wakeup", 0);
	results_set_u64(r, "interrupts.by_path.emulated", 0);
	results_set_u64(r, "interrupts.by_path.compat", c.ir_compat);
	results_set_u64(r, "interrupts.blocked", c.ir_blocked);
	results_set_u64(r, "interrupts.spurious", c.guest_spurious);
	results_set_u64(r, "interrupts.sent_by_devices", c.nic_irqs);

	results_set_u64(r, "exits.total", c.exits_total);
	for (unsigned i = 0; i <= EXIT_REASON_MAX; i++) {
		const char *n = vmx_exit_name(i);

		if (!n)
			continue;
		snprintf(key, sizeof(key), "exits.by_reason.%s", n);
		results_set_u64(r, key, c.exits[i]);
	}
	results_set_double(r, "exits_per_interrupt", ratio(c.exits_total, c.guest_irqs));

	results_set_u64(r, "iotlb.lookups", c.iotlb_lookups);
	results_set_u64(r, "iotlb.hits", c.iotlb_hits);
	results_set_u64(r, "iotlb.misses", c.iotlb_misses);
	results_set_double(r, "iotlb.hit_rate", ratio(c.iotlb_hits, c.iotlb_lookups));
	results_set_u64(r, "iotlb.evictions", c.iotlb_evictions);

	results_set_u64(r, "iommu.translations", c.translations);
	results_set_u64(r, "iommu.context_lookups", c.ctx_lookups);
	results_set_u64(r, "iommu.context_hits", c.ctx_hits);
	results_set_u64(r, "iommu.walks", c.walks);
	results_set_u64(r, "iommu.walk_mem_reads", c.walk_mem_reads);
	results_set_double(r, "iommu.translation_ns_mean",
			   c.translations ? (double)c.xlate_ps / 1000.0 / (double)c.translations : 0);
	results_set_u64(r, "iommu.maps", c.maps);
	results_set_u64(r, "iommu.unmaps", c.unmaps);
	results_set_u64(r, "iommu.invalidations", c.inv_ctx + c.inv_iotlb + c.inv_iec);
	results_set_u64(r, "iommu.pinned_pages_peak",
			m->iommu ? vtd_drv_stats(m->iommu)->pages_mapped_peak : 0);
	results_set_u64(r, "iommu.faults", c.faults);

	results_set_u64(r, "dma.requests", c.dma_reqs);
	results_set_u64(r, "dma.bytes", c.dma_bytes);
	results_set_u64(r, "dma.blocked", c.dma_blocked);
	results_set_u64(r, "dma.outside_vm_bytes", c.dma_outside_vm);

	results_set_double(r, "throughput_gbps",
			   measured ? (double)w->rx_bytes * 8.0 * 1000.0 / (double)measured : 0);
	results_set_double(r, "ops_per_s",
			   measured ? (double)w->received * 1e12 / (double)measured : 0);
	results_set_double(r, "latency_ns.mean", sim_samples_mean(&w->latency_ps) / 1000.0);
	results_set_double(r, "latency_ns.p50", sim_samples_quantile(&w->latency_ps, 0.5) / 1000.0);
	results_set_double(r, "latency_ns.p99", sim_samples_quantile(&w->latency_ps, 0.99) / 1000.0);
	results_set_double(r, "latency_ns.max", (double)sim_samples_max(&w->latency_ps) / 1000.0);

	uint64_t gc = sim_ps_to_cycles(&clk, c.guest_ps), ec = sim_ps_to_cycles(&clk, c.exit_ps);
	uint64_t hc = sim_ps_to_cycles(&clk, c.host_ps), ic = sim_ps_to_cycles(&clk, c.idle_ps);
	results_set_u64(r, "cpu.guest_cycles", gc);
	results_set_u64(r, "cpu.exit_cycles", ec);
	results_set_u64(r, "cpu.hv_cycles", hc);
	results_set_u64(r, "cpu.idle_cycles", ic);
	results_set_double(r, "cpu.cycles_per_op", ratio(gc + ec + hc, w->received));
	results_set_double(r, "cpu.overhead_cycles_per_op", ratio(ec + hc, w->received));

	results_set_u64(r, "workload.frames_sent", w->sent);
	results_set_u64(r, "workload.frames_received", w->received);
	results_set_u64(r, "workload.frames_dropped", w->dropped);
	results_set_u64(r, "workload.frames_lost", w->lost);
	results_set_u64(r, "workload.bytes_received", w->rx_bytes);

	results_set_u64(r, "vm.injections", c.injections);
	results_set_u64(r, "vm.halts", c.halts);
	results_set_u64(r, "vm.wakeups", c.wakeups);
	results_set_u64(r, "vm.ipis", c.ipis);

	results_set_u64(r, "setup.sim_time_ns", m->t_start / 1000);
	results_set_u64(r, "setup.host_boot_ns", m->t_setup_done / 1000);
	results_set_u64(r, "setup.exits", m->c0.exits_total);
	results_set_u64(r, "setup.guest_config_accesses",
			m->gk[0] ? gk_stats(m->gk[0])->cfg_reads + gk_stats(m->gk[0])->cfg_writes : 0);
}

int machine_create(const struct scenario *sc, const struct run_opts *opts, struct machine **out)
{
	struct machine *m = calloc(1, sizeof(*m));
	int rc;

	if (!m)
		return -ENOMEM;
	m->sc = sc;
	m->opts = *opts;
	clock_gettime(CLOCK_MONOTONIC, &m->wall0);
	rc = sim_engine_init();
	if (rc && rc != -EALREADY) {
		free(m);
		return rc;
	}
	rc = build_hardware(m);
	if (rc) {
		free(m); /* nothing has run: no actor holds it */
		return rc;
	}
	*out = m;
	return 0;
}

int machine_start(struct machine *m)
{
	return sim_actor_start("controller", controller, m, 0);
}

int machine_finish(struct machine *m, int engine_rc, struct results *res, char *err,
		   size_t errlen)
{
	/* The machine is never freed: SimGrid still owns actor stacks that point into it, and
	 * the process ends after a run. */
	if (engine_rc == -EDEADLK) {
		snprintf(err, errlen, "%s", sim_deadlock_report());
		return 1;
	}
	if (m->status) {
		snprintf(err, errlen, "%s", m->err);
		return 1;
	}
	if (m->opts.host_only)
		return m->done ? 0 : (snprintf(err, errlen, "the host did not finish booting"), 1);
	if (!m->wl) {
		snprintf(err, errlen, "no workload ran");
		return 1;
	}
	fill_results(m, res);
	return 0;
}

int machine_run(const struct scenario *sc, const struct run_opts *opts, struct results *res,
		char *err, size_t errlen)
{
	struct machine *m;
	int rc = machine_create(sc, opts, &m);

	if (rc) {
		snprintf(err, errlen, "building the machine failed: %s", strerror(-rc));
		return 1;
	}
	machine_start(m);
	return machine_finish(m, sim_engine_run(), res, err, errlen);
}

void machine_set_guest_entry(struct machine *m, void (*entry)(void *ctx, struct vcpu *v),
			     void *ctx)
{
	m->guest_entry = entry;
	m->guest_entry_ctx = ctx;
}

void machine_end(struct machine *m)
{
	on_done(m);
}

struct mem *machine_mem(const struct machine *m)
{
	return m->mem;
}

struct pcie_fabric *machine_fabric(const struct machine *m)
{
	return m->fab;
}

struct vtd *machine_vtd(const struct machine *m)
{
	return m->vtd;
}

struct nic *machine_nic(const struct machine *m, unsigned i)
{
	return i < m->nnics ? m->nic[i] : NULL;
}

struct pcpu *machine_pcpu(const struct machine *m, unsigned i)
{
	return i < m->npcpus ? m->pcpu[i] : NULL;
}

struct host *machine_host(const struct machine *m)
{
	return m->host;
}

struct vtd_drv *machine_iommu(const struct machine *m)
{
	return m->iommu;
}

struct vm *machine_vm(const struct machine *m, unsigned i)
{
	return i < 8 ? m->vm[i] : NULL;
}

struct gk *machine_gk(const struct machine *m, unsigned i)
{
	return i < 8 ? m->gk[i] : NULL;
}

struct vfio_dev *machine_vfio(const struct machine *m, unsigned i)
{
	return i < m->nvfio ? m->vfio[i] : NULL;
}

struct hpci *machine_pci(struct machine *m)
{
	return &m->pci;
}

const struct scenario *machine_scenario(const struct machine *m)
{
	return m->sc;
}

const struct survey_fn *machine_survey(const struct machine *m)
{
	return m->survey;
}

struct gendev *machine_gendev(const struct machine *m, const char *name)
{
	for (unsigned i = 0; i < m->ngendevs; i++)
		if (!strcmp(pcie_fn_name(gendev_fn(m->gendev[i])), name))
			return m->gendev[i];
	return NULL;
}

/* ---- summary ---- */

static uint64_t get_u(const struct results *r, const char *k)
{
	uint64_t v = 0;

	results_get_u64(r, k, &v);
	return v;
}

static double get_d(const struct results *r, const char *k)
{
	double v = 0;

	results_get_double(r, k, &v);
	return v;
}

void machine_print_summary(const struct scenario *sc, const struct results *r, FILE *f)
{
	const struct sc_vm *vm = &sc->vms[0];

	fprintf(f, "ptsim %s  scenario '%s'  seed %llu\n", PTSIM_VERSION, sc->name,
		(unsigned long long)get_u(r, "seed"));
	if (sc->description && *sc->description)
		fprintf(f, "  %s\n", sc->description);
	fprintf(f, "\nSetup (host boot, assignment, guest boot): %.3f ms simulated, %llu exits\n",
		(double)get_u(r, "setup.sim_time_ns") / 1e6,
		(unsigned long long)get_u(r, "setup.exits"));
	fprintf(f, "Measured window: %.3f ms simulated (%llu engine events), %s mode, %s DMA\n",
		(double)get_u(r, "window.length_ns") / 1e6,
		(unsigned long long)get_u(r, "window.events"),
		sc_irq_mode_names[vm->interrupt_mode], sc_strategy_names[vm->dma.strategy]);

	fprintf(f, "\n%-34s %14s\n", "Workload", "");
	fprintf(f, "  %-32s %14llu of %llu (%llu dropped by the NIC, %llu lost)\n",
		"frames received", (unsigned long long)get_u(r, "workload.frames_received"),
		(unsigned long long)get_u(r, "workload.frames_sent"),
		(unsigned long long)get_u(r, "workload.frames_dropped"),
		(unsigned long long)get_u(r, "workload.frames_lost"));
	fprintf(f, "  %-32s %14.3f Gb/s\n", "throughput", get_d(r, "throughput_gbps"));
	fprintf(f, "  %-32s %14.0f frames/s\n", "rate", get_d(r, "ops_per_s"));
	fprintf(f, "  %-32s %10.0f / %.0f / %.0f ns (mean / p50 / p99)\n",
		"latency, wire to application", get_d(r, "latency_ns.mean"),
		get_d(r, "latency_ns.p50"), get_d(r, "latency_ns.p99"));

	fprintf(f, "\nInterrupts and exits\n");
	fprintf(f, "  %-32s %14llu\n", "interrupts delivered to guest",
		(unsigned long long)get_u(r, "interrupts.delivered"));
	fprintf(f, "  %-32s %14llu remapped, %llu posted\n", "  by path",
		(unsigned long long)get_u(r, "interrupts.by_path.remapped"),
		(unsigned long long)get_u(r, "interrupts.by_path.posted"));
	fprintf(f, "  %-32s %14llu\n", "VM exits", (unsigned long long)get_u(r, "exits.total"));
	for (unsigned i = 0; i <= EXIT_REASON_MAX; i++) {
		const char *n = vmx_exit_name(i);
		char key[96];

		if (!n)
			continue;
		snprintf(key, sizeof(key), "exits.by_reason.%s", n);
		if (get_u(r, key))
			fprintf(f, "    %-30s %14llu\n", n, (unsigned long long)get_u(r, key));
	}
	fprintf(f, "  %-32s %14.3f\n", "exits per interrupt", get_d(r, "exits_per_interrupt"));

	fprintf(f, "\nIOMMU\n");
	fprintf(f, "  %-32s %14llu (%llu hits, %llu misses, hit rate %.3f)\n", "IOTLB lookups",
		(unsigned long long)get_u(r, "iotlb.lookups"), (unsigned long long)get_u(r, "iotlb.hits"),
		(unsigned long long)get_u(r, "iotlb.misses"), get_d(r, "iotlb.hit_rate"));
	fprintf(f, "  %-32s %14llu (%llu memory reads)\n", "page walks",
		(unsigned long long)get_u(r, "iommu.walks"),
		(unsigned long long)get_u(r, "iommu.walk_mem_reads"));
	fprintf(f, "  %-32s %14.1f ns\n", "mean translation time", get_d(r, "iommu.translation_ns_mean"));
	fprintf(f, "  %-32s %14llu\n", "pages pinned (peak)",
		(unsigned long long)get_u(r, "iommu.pinned_pages_peak"));
	fprintf(f, "  %-32s %14llu\n", "faults", (unsigned long long)get_u(r, "iommu.faults"));

	fprintf(f, "\nDMA\n");
	fprintf(f, "  %-32s %14llu (%llu bytes, %llu blocked)\n", "requests",
		(unsigned long long)get_u(r, "dma.requests"), (unsigned long long)get_u(r, "dma.bytes"),
		(unsigned long long)get_u(r, "dma.blocked"));
	if (get_u(r, "dma.outside_vm_bytes"))
		fprintf(f, "  %-32s %14llu  <-- DMA reached memory the VM does not own\n",
			"bytes written outside the VM",
			(unsigned long long)get_u(r, "dma.outside_vm_bytes"));

	fprintf(f, "\nCPU (the VM's pCPUs, cycles per frame)\n");
	fprintf(f, "  %-32s %14.0f\n", "total (guest + exits + host)", get_d(r, "cpu.cycles_per_op"));
	fprintf(f, "  %-32s %14.0f\n", "virtualization overhead", get_d(r, "cpu.overhead_cycles_per_op"));
	fprintf(f, "  %-32s %14llu guest, %llu exit, %llu host, %llu idle\n", "cycles in window",
		(unsigned long long)get_u(r, "cpu.guest_cycles"),
		(unsigned long long)get_u(r, "cpu.exit_cycles"),
		(unsigned long long)get_u(r, "cpu.hv_cycles"),
		(unsigned long long)get_u(r, "cpu.idle_cycles"));
	fprintf(f, "\nSimulated %.3f ms in %.2f s of wall time.\n",
		(double)get_u(r, "sim_time_ns") / 1e6, get_d(r, "wall_s"));
}
