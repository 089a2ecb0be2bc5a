/* SPDX-License-Identifier: MIT */
/*
 * Wiring: a scenario becomes a machine (memory, PCIe fabric with its functions, the VT-d units,
 * firmware's ACPI tables, APIC bus, LAPICs and pCPUs), host software boots on it in a
 * controller actor bound to pCPU 0 (DMAR table, VT-d driver per unit, PCI enumeration,
 * hypervisor, VMs, device assignment), the workload runs, and the counters of every model are
 * read at the start and end of the workload's window.
 */
#include "sim/app/machine.h"
#include "sim/app/firmware.h"
#include "sim/app/scenario.h"

#include "models/apic/ioapic.h"
#include "models/apic/lapic.h"
#include "models/cpu/cpu.h"
#include "models/devices/dmaeng.h"
#include "models/devices/gendev.h"
#include "models/devices/nic.h"
#include "models/guest/drivers/ptnic_drv.h"
#include "models/guest/kernel/gk.h"
#include "models/host/dmar.h"
#include "models/host/host.h"
#include "models/host/hpci.h"
#include "models/host/hv.h"
#include "models/host/iommu_groups.h"
#include "models/host/ioapic_drv.h"
#include "models/host/sched.h"
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
#include "workloads/dma_bench.h"
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
#define PHYS_LOW_TOP   PTSIM_LOW_RAM_TOP /* RAM below 4 GiB ends at 2 GiB */
#define PHYS_MMIO32    0xc0000000ull  /* 32-bit PCI window */
#define PHYS_MMIO32_SZ 0x20000000ull
#define PHYS_ECAM      0xe0000000ull
#define PHYS_IOAPIC    0xfec00000ull
#define IOAPIC_PINS    24
#define IOAPIC_SID     0xf0f8 /* bus F0h device 1Fh function 0, as Intel platforms report */
#define PHYS_MMIO64    0x380000000000ull
#define PHYS_MMIO64_SZ (1ull << 40)

#define MAX_NICS 16
#define MAX_PCPUS 256
#define MAX_UNITS 8
#define MAX_ENGINES 8
#define MAX_GENDEVS 512

struct counters {
	uint64_t engine_calls;
	uint64_t exits_total, exits[EXIT_REASON_MAX + 1], exits_irq;
	uint64_t virtual_deliveries, posted_processed, shadow_deliveries, injected;
	uint64_t pi_wakeups, polls_won, notifications, reflected, sw_posted;
	uint64_t guest_irqs, guest_spurious, guest_unhandled;
	uint64_t intx_asserts, intx_irqs, intx_unmasks, intx_masked_ps;
	uint64_t ir_remapped, ir_posted, ir_compat, ir_blocked, pi_suppressed;
	uint64_t iotlb_lookups, iotlb_hits, iotlb_misses, iotlb_evictions;
	uint64_t iotlb_invalidations, iotlb_inval_entries;
	uint64_t ctx_lookups, ctx_hits, walks, walk_mem_reads, faults, xlate_ps, translations;
	uint64_t walk_mem_writes, walks_queued, walk_queue_ps, fault_events, ir_requests;
	uint64_t passthrough, translated_requests, ats_requests, pi_notifications;
	uint64_t cache[VTD_CACHE_N][5]; /* lookups, hits, misses, evictions, invalidations */
	uint64_t inv_descs, inv_ctx, inv_iotlb, inv_iec, inv_pasid, inv_devtlb, devtlb_timeouts;
	uint64_t atc_lookups, atc_hits, atc_misses, atc_evictions, atc_invalidations;
	uint64_t atc_translation_requests;
	uint64_t maps, unmaps;
	uint64_t dma_reqs, dma_bytes, dma_blocked, dma_outside_vm;
	uint64_t guest_ps, exit_ps, host_ps, idle_ps;
	uint64_t frames_rx, nic_missed, nic_irqs;
	uint64_t injections, halts, wakeups, ipis;
	uint64_t cfg_exits_user;
	uint64_t sched_switches, sched_expiries, sched_wakeup_preempts, sched_ipis, sched_ticks;
	uint64_t preemptions, run_delay_ps, pi_sn_sets, pi_on_at_resume;
	uint64_t vm_exits[8], vm_irqs[8], vm_run_delay_ps[8], vm_preemptions[8];
};

struct dev_owner {
	struct pcie_fn *fn;
	unsigned vm;
	uint8_t guest_devfn;
};

/* Interrupt latency: from a device's MSI write to the first instruction of the guest's
 * interrupt entry for one of that device's vectors. Messages that arrive while an earlier
 * one is still pending are delivered together: they count as coalesced. */
#define MSI_FIFO 4096
struct irq_latency {
	uint64_t t[MSI_FIFO];
	unsigned head, n;
	uint8_t devfn;
	struct gk *g;
	struct sim_samples lat;
	uint64_t coalesced, overflow;
	bool measuring;
	/* tests: told of each MSI-X write of the workload's device, after the probe */
	void (*observer)(void *ctx, unsigned entry, uint64_t t_ps);
	void *observer_ctx;
};

struct machine {
	const struct scenario *sc;
	struct run_opts opts;
	struct mem *mem;
	struct pcie_fabric *fab;
	struct vtd *vtd; /* the first unit */
	struct vtd *units[MAX_UNITS];
	unsigned nunits;
	int unit_all; /* the INCLUDE_PCI_ALL unit, or -1 */
	struct pcie_fn *unit_scope[MAX_UNITS][16];
	unsigned unit_nscope[MAX_UNITS];
	uint64_t rsdp;
	struct dmaeng *eng[MAX_ENGINES];
	unsigned neng;
	struct apic_bus *bus;
	struct ioapic *ioapic;
	unsigned gsi_assert[IOAPIC_PINS]; /* INTx lines asserted onto each pin (wired-OR) */
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
	struct vtd_drv *iommu; /* the first unit's driver */
	struct vtd_drv *iommus[MAX_UNITS];
	struct dmar_info dmar;
	struct host_ioapic *hioapic;
	struct host_sched *sched;
	struct hpci pci;
	struct hv *hv;
	struct vm *vm[8];
	struct gk *gk[8];
	struct vfio_dev *vfio[MAX_NICS];
	unsigned nvfio;
	struct gk_param params[8][8];
	struct wl_stream_rx *wl;
	struct irq_latency il;
	struct dmaeng *bench_eng; /* dma_bench: the engine and what the host saw */
	struct wl_dma_bench_result bench;
	bool bench_ran;
	/* run */
	int status;
	char err[512];
	bool started, done, end_pending;
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

/* Which unit remaps requests from sid: a unit whose scope lists the function or a port above
 * it, else the INCLUDE_PCI_ALL unit (VT-d §8.3.2); NULL: none, DMA goes untranslated. */
static struct vtd *unit_for_sid(const struct machine *m, uint16_t sid)
{
	struct pcie_fn *fn;

	if (m->nunits == 1 && m->unit_all == 0)
		return m->units[0];
	fn = pcie_fabric_lookup(m->fab, (uint8_t)(sid >> 8), (uint8_t)sid);
	for (unsigned u = 0; u < m->nunits && fn; u++)
		for (unsigned i = 0; i < m->unit_nscope[u]; i++)
			for (struct pcie_fn *f = fn; f; f = pcie_fn_parent(f))
				if (f == m->unit_scope[u][i])
					return m->units[u];
	return m->unit_all >= 0 ? m->units[m->unit_all] : NULL;
}

static void rc_translate(void *ctx, uint16_t sid, uint64_t iova, uint32_t len, bool write,
			 uint64_t t, struct pcie_xlate *out)
{
	struct machine *m = ctx;
	struct vtd *u = unit_for_sid(m, sid);
	int vm;

	if (u) {
		struct vtd_req r = {.sid = sid, .addr = iova, .write = write,
				    .at = (enum vtd_at)out->at};
		struct vtd_xlate x;

		vtd_translate_req(u, &r, t, &x);
		out->hpa = x.hpa;
		out->lat_ps = x.lat_ps;
		out->ok = x.ok;
		out->perm = x.perm;
		out->page_shift = x.page_shift;
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
	apic_bus_deliver(m->bus, (uint32_t)irq->w[1], (uint8_t)irq->w[2], irq->w[2] & 0x100);
}

static void rc_msi(void *ctx, uint16_t sid, uint64_t addr, uint32_t data, uint64_t t,
		   struct pcie_irq *irq)
{
	struct machine *m = ctx;

	struct vtd *u = unit_for_sid(m, sid);

	if (u) {
		vtd_remap_msi(u, sid, addr, data, t, irq);
		return;
	}
	/* No remapping hardware: the message is a compatibility-format interrupt. */
	irq->commit = compat_commit;
	irq->ctx = m;
	irq->t_deliver = t;
	irq->w[1] = MSI_ADDR_DEST(addr);
	irq->w[2] = MSI_DATA_VECTOR(data) | ((data & MSI_DATA_TRIGGER) ? 0x100u : 0);
}

/* A unit's ATS invalidate request travels to the endpoint (VT-d §6.5.2.5, PCIe §10.3). */
static bool devtlb_invalidate(void *ctx, uint16_t sid, bool pasid_present, uint32_t pasid,
			      uint64_t addr, uint64_t size, uint64_t t, uint64_t *t_done)
{
	struct machine *m = ctx;

	(void)pasid_present;
	(void)pasid;
	return pcie_ats_invalidate(m->fab, sid, addr, size, t, t_done);
}

static const struct pcie_mmio_ops vtd_mmio = {vtd_reg_read, vtd_reg_write, 0};

/* The platform's INTx routing (what ACPI _PRT reports): a PC-style rotation of INTA-D of each
 * root-bus device over GSIs 16-23. */
static unsigned prt_gsi(uint8_t root_devfn, unsigned pin)
{
	return 16 + (PCI_SLOT(root_devfn) + pin - 1) % 8;
}

static void rc_intx(void *ctx, uint8_t root_devfn, unsigned pin, bool asserted)
{
	struct machine *m = ctx;
	unsigned gsi = prt_gsi(root_devfn, pin);

	if (asserted)
		m->gsi_assert[gsi]++;
	else if (m->gsi_assert[gsi])
		m->gsi_assert[gsi]--;
	ioapic_set_irq(m->ioapic, gsi, m->gsi_assert[gsi] > 0);
}

/* An I/O APIC message: through interrupt remapping when the unit has it, at once. */
static void ioapic_send(void *ctx, uint16_t sid, uint64_t addr, uint32_t data)
{
	struct machine *m = ctx;
	struct pcie_irq irq = {0};

	rc_msi(m, sid, addr, data, sim_now(), &irq); /* the unit whose scope holds sid */
	pcie_irq_commit(&irq);
}

static void eoi_broadcast(void *ctx, uint8_t vector)
{
	struct machine *m = ctx;

	ioapic_eoi(m->ioapic, vector);
}

static const struct pcie_mmio_ops ioapic_mmio = {ioapic_mmio_read, ioapic_mmio_write, 0};

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
	case SC_DMA_ENGINE: {
		struct dmaeng_cfg ec = {0};

		if (m->neng == MAX_ENGINES)
			return -ENOSPC;
		snprintf(ec.name, sizeof(ec.name), "%s", n->name);
		ec.issue_ps = 4000; /* a request per 4 ns (250 MHz logic, estimate) */
		rc = dmaeng_create(&ec, m->fab, &m->eng[m->neng]);
		if (rc)
			return rc;
		fn = dmaeng_fn(m->eng[m->neng++]);
		break;
	}
	default:
		rc = build_gendev(m, n, &fn);
		break;
	}
	if (rc)
		return rc;
	/* ptnic and the DMA engine with ATS: the capability and the device's translation cache
	 * (generic endpoints get the capability alone, in build_gendev). */
	if ((n->type == SC_PTNIC || n->type == SC_DMA_ENGINE) && n->ats) {
		rc = pcie_fn_add_ats(fn, n->atc_entries);
		if (rc < 0)
			return rc;
	}
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

/* The VT-d units: each with its registers at its DMAR address and its own caches. */
static int build_iommus(struct machine *m)
{
	const struct sc_iommu *io = &m->sc->machine.iommu;
	unsigned n = firmware_nunits(m->sc);
	int rc;

	m->unit_all = -1;
	for (unsigned u = 0; u < n; u++) {
		struct vtd_cfg vc = {0};
		static struct pcie_mmio_ops ops[MAX_UNITS];

		snprintf(vc.name, sizeof(vc.name), "%s", firmware_unit_name(m->sc, u));
		vc.reg_base = firmware_unit_base(u);
		for (unsigned nd = 0; nd < 7; nd++)
			if ((1u << (4 + 2 * nd)) == io->domains)
				vc.nd = nd;
		vc.sagaw = (1u << 1) | (io->address_width >= 48 ? 1u << 2 : 0) |
			   (io->address_width >= 57 ? 1u << 3 : 0);
		vc.mgaw = io->address_width;
		vc.sp_2m = vc.sp_1g = io->superpages;
		vc.caching_mode = io->caching_mode;
		vc.posted_interrupts = io->posted_interrupts;
		vc.qi = io->queued_invalidation;
		vc.ir = io->interrupt_remapping;
		vc.eim = io->extended_interrupt_mode;
		vc.pt = io->pass_through;
		vc.coherent = true;
		vc.rwbf = io->write_buffer_flush;
		vc.afl = io->advanced_fault_log;
		vc.snoop_control = io->snoop_control;
		vc.device_tlb = io->device_tlb;
		vc.scalable = io->scalable_mode;
		vc.first_level = io->scalable_mode && io->first_level;
		vc.second_level = io->scalable_mode && io->second_level;
		vc.nested = io->scalable_mode && io->nested && io->first_level && io->second_level;
		vc.fl_1g = io->first_level_1g;
		vc.pasid_bits = io->scalable_mode ? io->pasid_bits : 0;
		vc.nfr = io->fault_records;
		vc.iotlb.entries = io->iotlb.entries;
		vc.iotlb.ways = io->iotlb.ways;
		vc.iotlb.repl = (enum iotlb_repl)io->iotlb.replacement;
		vc.ctx_entries = io->context_cache_entries;
		vc.pasid_cache_entries = io->pasid_cache_entries;
		vc.iec_entries = io->interrupt_cache_entries;
		vc.psc_entries[2] = io->psc.pde;
		vc.psc_entries[3] = io->psc.pdpte;
		vc.psc_entries[4] = io->psc.pml4e;
		vc.psc_entries[5] = io->psc.pml5e;
		vc.walkers = io->walkers;
		vc.iotlb_hit_ps = io->iotlb_hit_ps;
		vc.ctx_hit_ps = io->context_hit_ps;
		vc.walk_step_ps = io->walk_step_ps;
		vc.walk_in_llc = io->walk_in_llc;
		vc.cmd_ps = io->command_ps;
		vc.qi_desc_ps = io->descriptor_ps;
		vc.reg_access_ps = io->register_access_ps;
		vc.ir_ps = io->interrupt_remap_ps;
		vc.devtlb_timeout_ps = io->devtlb_timeout_ps;
		rc = vtd_create(&vc, m->mem, &m->units[u]);
		if (rc)
			return rc;
		struct vtd_hooks vh = {.deliver = deliver,
				       .devtlb_invalidate = devtlb_invalidate,
				       .ctx = m};
		vtd_set_hooks(m->units[u], &vh);
		ops[u] = vtd_mmio;
		ops[u].access_ps = io->register_access_ps;
		rc = pcie_fabric_map_mmio(m->fab, vc.reg_base, DMAR_REG_SIZE, &ops[u], m->units[u]);
		if (rc)
			return rc;
		if (!io->nunits || io->units[u].include_all)
			m->unit_all = (int)u;
		for (size_t k = 0; io->nunits && k < io->units[u].nscope && k < 16; k++)
			m->unit_scope[u][m->unit_nscope[u]++] =
				pcie_fabric_find(m->fab, io->units[u].scope[k]);
	}
	m->nunits = n;
	m->vtd = n ? m->units[0] : NULL;
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

	rc = build_iommus(m);
	if (rc)
		return rc;
	/* Firmware: the ACPI tables (the RMRRs' memory is reserved by build_rmrrs). */
	rc = firmware_install(sc, m->mem, &m->rsdp);
	if (rc)
		return rc;
	struct pcie_rc_hooks hooks = {rc_translate, rc_msi, rc_intx, m};
	pcie_fabric_set_hooks(m->fab, &hooks);

	/* The I/O APIC, behind the root complex like the VT-d registers. */
	struct ioapic_cfg ic = {.id = 8, .pins = IOAPIC_PINS, .sid = IOAPIC_SID};
	struct ioapic_hooks ih = {ioapic_send, m};
	static struct pcie_mmio_ops iops;

	rc = ioapic_create(&ic, &m->ioapic);
	if (rc)
		return rc;
	ioapic_set_hooks(m->ioapic, &ih);
	iops = ioapic_mmio;
	iops.access_ps = hw->iommu.register_access_ps;
	rc = pcie_fabric_map_mmio(m->fab, PHYS_IOAPIC, 0x1000, &iops, m->ioapic);
	if (rc)
		return rc;

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
		lapic_set_eoi_hook(m->lapic[i], eoi_broadcast, m);
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
	bool seen[MAX_PCPUS] = {false};

	for (unsigned v = 0; v < m->sc->nvms; v++) {
		const struct vm *vm = m->vm[v];

		if (!vm)
			continue;
		for (unsigned i = 0; i < vm_nvcpus(vm); i++) {
			const struct vcpu_stats *vs = vcpu_stats(vm_vcpu(vm, i));
			unsigned pc = vm_config(vm)->pcpu[i];

			c->vm_exits[v] += vs->exits_total;
			c->exits_total += vs->exits_total;
			c->exits_irq += vs->exits_irq;
			c->virtual_deliveries += vs->virtual_deliveries;
			c->posted_processed += vs->posted_processed;
			c->shadow_deliveries += vs->shadow_deliveries;
			c->injected += vs->injections;
			for (unsigned r = 0; r <= EXIT_REASON_MAX; r++)
				c->exits[r] += vs->exits[r];
			/* the VMs' pCPUs, each once however many vCPUs share it */
			if (pc < MAX_PCPUS && !seen[pc]) {
				const struct pcpu_time *pt = pcpu_time(m->pcpu[pc]);

				seen[pc] = true;
				c->guest_ps += pt->guest_ps;
				c->exit_ps += pt->exit_ps;
				c->host_ps += pt->host_ps;
				c->idle_ps += pt->idle_ps;
			}
		}
		struct host_thread_stats ts;

		vm_sched_stats(vm, &ts);
		c->preemptions += ts.preemptions;
		c->run_delay_ps += ts.run_delay_ps;
		c->vm_preemptions[v] = ts.preemptions;
		c->vm_run_delay_ps[v] = ts.run_delay_ps;
		const struct vm_stats *st = vm_stats(vm);
		c->injections += st->injections;
		c->halts += st->halts;
		c->wakeups += st->wakeups;
		c->ipis += st->ipis_sent;
		c->pi_wakeups += st->pi_wakeups;
		c->polls_won += st->polls_won;
		c->notifications += st->notifications_sent;
		c->reflected += st->reflected;
		c->sw_posted += st->posted;
		c->pi_sn_sets += st->pi_sn_sets;
		c->pi_on_at_resume += st->pi_on_at_resume;
		if (m->gk[v]) {
			c->vm_irqs[v] = gk_stats(m->gk[v])->irqs;
			c->guest_irqs += gk_stats(m->gk[v])->irqs;
			c->guest_spurious += gk_stats(m->gk[v])->spurious_irqs;
			c->guest_unhandled += gk_stats(m->gk[v])->unhandled_irqs;
		}
	}
	for (unsigned u = 0; u < m->nunits; u++) {
		const struct vtd_stats *s = vtd_stats(m->units[u]);
		const struct iotlb_stats *t = iotlb_stats(vtd_iotlb(m->units[u]));

		c->ir_remapped += s->ir_remapped;
		c->ir_posted += s->ir_posted;
		c->ir_compat += s->ir_compat;
		c->ir_blocked += s->ir_blocked;
		c->ir_requests += s->ir_requests;
		c->iotlb_lookups += t->lookups;
		c->iotlb_hits += t->hits;
		c->iotlb_misses += t->misses;
		c->iotlb_evictions += t->evictions;
		c->iotlb_invalidations += t->invalidations;
		c->iotlb_inval_entries += t->inval_entries;
		c->ctx_lookups += s->ctx_lookups;
		c->ctx_hits += s->ctx_hits;
		c->walks += s->walks;
		c->walk_mem_reads += s->walk_mem_reads;
		c->walk_mem_writes += s->walk_mem_writes;
		c->walks_queued += s->walks_queued;
		c->walk_queue_ps += s->walk_queue_ps;
		c->faults += s->faults;
		c->fault_events += s->fault_events;
		c->xlate_ps += s->xlate_ps;
		c->translations += s->translations;
		c->passthrough += s->passthrough;
		c->translated_requests += s->translated_requests;
		c->ats_requests += s->ats_requests;
		c->pi_notifications += s->pi_notifications;
		c->pi_suppressed += s->pi_suppressed;
		c->inv_descs += s->qi_descs;
		c->inv_ctx += s->inv_ctx;
		c->inv_iotlb += s->inv_iotlb_global + s->inv_iotlb_domain + s->inv_iotlb_page +
				s->inv_piotlb;
		c->inv_iec += s->inv_iec;
		c->inv_pasid += s->inv_pasid_cache;
		c->inv_devtlb += s->inv_devtlb;
		c->devtlb_timeouts += s->devtlb_timeouts;
		for (unsigned k = 0; k < VTD_CACHE_N; k++) {
			const struct vtd_cache_stats *cs = vtd_cache_stats(m->units[u], k);

			c->cache[k][0] += cs->lookups;
			c->cache[k][1] += cs->hits;
			c->cache[k][2] += cs->misses;
			c->cache[k][3] += cs->evictions;
			c->cache[k][4] += cs->invalidations;
		}
	}
	for (size_t i = 0; i < pcie_fabric_nfns(m->fab); i++) {
		const struct pcie_atc_stats *a = pcie_fn_atc_stats(pcie_fabric_fn(m->fab, i));

		if (!a)
			continue;
		c->atc_lookups += a->lookups;
		c->atc_hits += a->hits;
		c->atc_misses += a->misses;
		c->atc_evictions += a->evictions;
		c->atc_invalidations += a->invalidations;
		c->atc_translation_requests += a->translation_requests;
	}
	for (unsigned u = 0; u < m->nunits; u++) {
		if (!m->iommus[u])
			continue;
		c->maps += vtd_drv_stats(m->iommus[u])->maps;
		c->unmaps += vtd_drv_stats(m->iommus[u])->unmaps;
	}
	if (m->sched) {
		const struct host_sched_stats *ss = host_sched_stats(m->sched);

		c->sched_switches = ss->switches;
		c->sched_expiries = ss->slice_expiries;
		c->sched_wakeup_preempts = ss->wakeup_preemptions;
		c->sched_ipis = ss->resched_ipis;
		c->sched_ticks = ss->ticks;
	}
	for (unsigned i = 0; i < m->nvfio; i++) {
		const struct vfio_stats *vs = vfio_stats(m->vfio[i]);

		c->intx_irqs += vs->intx_irqs;
		c->intx_unmasks += vs->intx_unmasks;
		c->intx_masked_ps += vs->intx_masked_ps;
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
		c->intx_asserts += nic_stats(m->nic[i])->intx_asserts;
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

/* ---- interrupt latency probes ---- */

static void msi_probe(void *ctx, unsigned entry, uint64_t t_ps)
{
	struct irq_latency *il = ctx;

	if (il->n == MSI_FIFO) {
		il->head = (il->head + 1) % MSI_FIFO;
		il->n--;
		il->overflow++;
	}
	il->t[(il->head + il->n) % MSI_FIFO] = t_ps;
	il->n++;
	if (il->observer)
		il->observer(il->observer_ctx, entry, t_ps);
}

static void irq_probe(void *ctx, uint8_t vector, uint64_t t_ps)
{
	struct irq_latency *il = ctx;
	uint64_t first;

	if (!il->n || !gk_vector_of(il->g, vector, il->devfn))
		return;
	first = il->t[il->head];
	il->head = (il->head + 1) % MSI_FIFO;
	il->n--;
	while (il->n && il->t[il->head] <= t_ps) {
		il->head = (il->head + 1) % MSI_FIFO;
		il->n--;
		if (il->measuring)
			il->coalesced++;
	}
	if (il->measuring && t_ps >= first)
		sim_samples_add(&il->lat, t_ps - first);
}

/* ---- the controller: host boot, VMs, the measurement window ---- */

static void on_start(void *ctx)
{
	struct machine *m = ctx;

	m->started = true;
	m->t_start = sim_now();
	m->il.measuring = true;
	snapshot(m, &m->c0);
}

static void on_sent(void *ctx)
{
	struct machine *m = ctx;

	pcpu_kick(m->pcpu[0]); /* the controller starts the drain clock */
}

/* The window ends when the guest has the last frame and has returned from the interrupt
 * that brought it, so that interrupt's completion (a level interrupt's EOI) is inside. */
static void end_window(struct machine *m)
{
	m->end_pending = false;
	m->done = true;
	m->t_end = sim_now();
	m->il.measuring = false;
	snapshot(m, &m->c1);
	pcpu_kick(m->pcpu[0]);
}

static void on_irq_done(void *ctx)
{
	struct machine *m = ctx;

	if (m->end_pending && !gk_in_irq(m->il.g))
		end_window(m);
}

static void on_done(void *ctx)
{
	struct machine *m = ctx;

	if (m->done || m->end_pending)
		return;
	if (m->il.g && gk_in_irq(m->il.g))
		m->end_pending = true;
	else
		end_window(m);
}

/* The driver of the DMAR's unit number u (the host's view), or NULL. */
static struct vtd_drv *unit_drv(const struct machine *m, int u)
{
	if (u < 0 || (unsigned)u >= m->dmar.nunits)
		return NULL;
	for (unsigned i = 0; i < m->nunits; i++)
		if (firmware_unit_base(i) == m->dmar.unit[u].reg_base)
			return m->iommus[i];
	return NULL;
}

static enum dma_strategy to_strategy(int s)
{
	return s == SC_DMA_NONE ? DMA_NONE : DMA_DIRECT_MAP;
}

/* guest.task cpu_hog: a batch job that never halts. */
static void cpu_hog(void *ctx, struct gk *g)
{
	(void)ctx;
	for (;;)
		gk_compute(g, 1000000);
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
	gc.xapic = sv->guest.apic == SC_APIC_XAPIC;
	pp[0] = (struct gk_param){"ptnic", "ring_size", sv->guest.ptnic.ring_size};
	pp[1] = (struct gk_param){"ptnic", "budget", sv->guest.ptnic.budget};
	pp[2] = (struct gk_param){"ptnic", "itr", sv->guest.ptnic.itr};
	pp[3] = (struct gk_param){"ptnic", "desc_cycles", sv->guest.ptnic.desc_cycles};
	pp[4] = (struct gk_param){"ptnic", "intx", sv->guest.ptnic.intx};
	gc.params = pp;
	gc.nparams = 5;
	rc = gk_create(&gc, &m->gk[v]);
	if (!rc)
		rc = gk_register_builtin(m->gk[v], &ptnic_driver);
	if (rc)
		return rc;
	if (sv->guest.task == SC_TASK_CPU_HOG)
		gk_set_init(m->gk[v], cpu_hog, NULL);

	vc.id = v;
	snprintf(vc.name, sizeof(vc.name), "%s", sv->name);
	vc.nvcpus = sv->vcpus;
	for (unsigned i = 0; i < sv->vcpus; i++)
		vc.pcpu[i] = sv->pinned[i];
	vc.ram_bytes = sv->memory_mib << 20;
	vc.irq_mode = (enum hv_irq_mode)sv->interrupt_mode;
	vc.host_irq_pcpu = sv->host_irq_pcpu_set ? (int)sv->host_irq_pcpu : -1;
	vc.halt_poll_ps = sv->halt_poll_ps;
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
			vcpu_set_track(vm_vcpu(m->vm[v], i), trace_track(sim_trace, sv->name, name));
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
		fc.ioapic = m->hioapic;
		int unit = dmar_unit_for(m->host, &m->dmar, hd->bdf);

		if (unit < 0 && fc.strategy != DMA_NONE) {
			fail(m, "%s: %s is behind no DMA-remapping unit (DMAR)", sv->name,
			     sv->devices[d]);
			return -ENODEV;
		}
		rc = vfio_assign(m->vm[v], unit_drv(m, unit), &m->pci, &fc, &m->vfio[m->nvfio]);
		if (rc) {
			fail(m, "%s: assigning %s (%04x) failed: %s", sv->name, sv->devices[d],
			     hd->bdf, strerror(-rc));
			return rc;
		}
		m->nvfio++;
		m->owners[m->nowners].fn = fn;
		m->owners[m->nowners].vm = v;
		m->owners[m->nowners].guest_devfn = fc.guest_devfn;
		m->nowners++;
	}
	return 0;
}

static void bench_done(void *ctx)
{
	struct machine *m = ctx;

	m->done = true;
	m->t_end = sim_now();
	snapshot(m, &m->c1);
}

/* dma_bench: the host maps a window for the engine and lets it read (workloads/dma_bench.h). */
static void run_dma_bench(struct machine *m)
{
	const struct sc_workload *w = &m->sc->workload;
	struct pcie_fn *fn = pcie_fabric_find(m->fab, w->device);
	struct wl_dma_bench_cfg bc = {
		.window_bytes = w->window_kib * 1024,
		.page_shift = w->page_kib == 4 ? 12 : w->page_kib == 2048 ? 21 : 30,
		.reads = w->reads,
		.read_bytes = w->read_bytes,
		.outstanding = w->outstanding,
		.seed = (uint32_t)m->opts.seed,
		.poll_ps = 10 * SIM_PS_PER_US,
	};
	struct wl_dma_bench_hooks bh = {on_start, bench_done, m};
	struct hpci_dev *hd;
	char path[128];
	int unit, rc;

	for (unsigned i = 0; i < m->neng; i++)
		if (dmaeng_fn(m->eng[i]) == fn)
			m->bench_eng = m->eng[i];
	pcie_fn_location(fn, path, sizeof(path));
	hd = hpci_find_path(&m->pci, path);
	if (!hd || !m->bench_eng) {
		fail(m, "dma_bench: the host did not find %s", w->device);
		return;
	}
	unit = dmar_unit_for(m->host, &m->dmar, hd->bdf);
	if (unit < 0) {
		fail(m, "dma_bench: %s is behind no DMA-remapping unit (DMAR)", w->device);
		return;
	}
	rc = wl_dma_bench_run(m->host, unit_drv(m, unit), &m->pci, hd->bdf, &bc, &bh, &m->bench);
	if (rc)
		fail(m, "dma_bench: %s", strerror(-rc));
	m->bench_ran = !rc;
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
	for (unsigned i = 0; i < m->neng; i++)
		dmaeng_start(m->eng[i]);
	for (unsigned u = 0; u < m->nunits; u++)
		vtd_start(m->units[u]);

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
	hm.acpi_rsdp = m->rsdp;
	hm.ioapic_base = PHYS_IOAPIC;
	hm.ioapic_pins = IOAPIC_PINS;
	hm.ioapic_sid = IOAPIC_SID;
	for (unsigned d = 0; d < 32; d++)
		for (unsigned p = 1; p <= 4; p++)
			hm.prt[d][p - 1] = (uint8_t)prt_gsi((uint8_t)PCI_DEVFN(d, 0), p);
	hm.pcie_native_control = sc->machine.firmware.pcie_native_control;
	hm.rmrrs = m->rmrrs;
	hm.nrmrrs = m->nrmrrs;
	hc.costs.mem_access_cycles = sc->host.mem_access_cycles;
	hc.costs.irq_entry_cycles = sc->host.irq_entry_cycles;
	hc.costs.eoi_cycles = sc->host.eoi_cycles;
	hc.costs.page_zero_cycles = sc->host.page_zero_cycles;
	hc.costs.poll_ns = sc->host.poll_ps / 1000;
	hc.sched.slice_ps = sc->host.sched.slice_us * SIM_PS_PER_US;
	hc.sched.wakeup_preempt = sc->host.sched.wakeup_preempt;
	hc.sched.switch_cycles = sc->host.sched.switch_cycles;
	rc = host_create(&hc, &hm, &m->host);
	if (!rc)
		rc = host_sched_create(m->host, &hc.sched, &m->sched);
	if (rc) {
		fail(m, "host kernel: %s", strerror(-rc));
		return;
	}
	/* The DMAR table tells the host where its units are (Linux detect_intel_iommu). */
	rc = dmar_parse(m->host, &m->dmar);
	if (rc && rc != -ENODEV) {
		fail(m, "ACPI DMAR table: %s", strerror(-rc));
		return;
	}
	for (unsigned u = 0; u < m->dmar.nunits && u < MAX_UNITS; u++) {
		struct vtd_drv_cfg dc = {.use_qi = true,
					 .use_ir = true,
					 .x2apic = true,
					 .superpages = sc->machine.iommu.superpages,
					 .scalable = sc->host.iommu.scalable_mode,
					 .ats = sc->host.iommu.ats,
					 .irt_entries = sc->host.irte_entries,
					 .fault_cpu = 0,
					 .dmar = &m->dmar};

		struct vtd_drv *drv;

		rc = vtd_drv_init(m->host, m->dmar.unit[u].reg_base, &dc, &drv);
		if (rc) {
			fail(m, "VT-d driver (unit at %#llx): %s",
			     (unsigned long long)m->dmar.unit[u].reg_base, strerror(-rc));
			return;
		}
		/* Keep the drivers in the machine's unit order (the DMAR lists INCLUDE_PCI_ALL
		 * last). */
		for (unsigned i = 0; i < m->nunits; i++)
			if (firmware_unit_base(i) == m->dmar.unit[u].reg_base)
				m->iommus[i] = drv;
	}
	m->iommu = m->iommus[0];
	/* The I/O APIC's messages are remapped by the unit whose scope holds its source ID (the
	 * INCLUDE_PCI_ALL one); none: its pins send compatibility-format messages. */
	rc = host_ioapic_init(m->host, unit_drv(m, dmar_unit_for(m->host, &m->dmar, IOAPIC_SID)),
			      &m->hioapic);
	if (rc) {
		fail(m, "I/O APIC driver: %s", strerror(-rc));
		return;
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
	hcst->apic_access = sc->hypervisor.apic_access;
	hcst->apic_write = sc->hypervisor.apic_write;
	hcst->eoi_induced = sc->hypervisor.eoi_induced;
	hcst->exception = sc->hypervisor.exception;
	hcst->pi_wakeup = sc->hypervisor.pi_wakeup;
	hcst->post = sc->hypervisor.post;
	hvc.sched = m->sched;
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
			if (m->owners[k].fn == nic_fn(m->nic[i])) {
				vm = (int)m->owners[k].vm;
				m->il.devfn = m->owners[k].guest_devfn;
			}
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
		m->il.g = m->gk[vm];
		sim_samples_init(&m->il.lat);
		nic_set_msi_probe(m->nic[i], msi_probe, &m->il);
		gk_set_irq_probe(m->gk[vm], irq_probe, &m->il);
		gk_set_irq_done_probe(m->gk[vm], on_irq_done, m);
	}
	m->t_setup_done = pcpu_sync(m->pcpu[0]);
	snapshot(m, &m->setup);
	if (sc->workload.kind == SC_WL_DMA_BENCH) {
		run_dma_bench(m);
		return;
	}
	/* The other VMs boot first, so that the measurement holds only the workload's VM
	 * booting-free; then the workload's VM. */
	for (unsigned v = 0; v < sc->nvms; v++) {
		if (m->gk[v] == m->il.g)
			continue;
		hv_vm_start(m->vm[v]);
		while (!gk_stats(m->gk[v])->boot_done_ps && sim_now() < deadline)
			pcpu_idle_until(m->pcpu[0], sim_now() + 100 * SIM_PS_PER_US);
	}
	for (unsigned v = 0; v < sc->nvms; v++)
		if (m->gk[v] == m->il.g)
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
	struct wl_stream_rx_result *w = m->wl ? wl_stream_rx_result(m->wl) : NULL;
	struct dmaeng_stats *es = m->bench_eng ? dmaeng_stats(m->bench_eng) : NULL;
	const struct sim_clock clk = {sc->machine.cpu.freq_mhz};
	uint64_t window = m->t_end - m->t_start;
	uint64_t measured, ops, bytes, pinned;
	struct sim_samples *lat;
	char key[96];
	struct timespec wall1;

	if (w) {
		measured = w->t_end_ps > w->t_first_ps ? w->t_end_ps - w->t_first_ps : 0;
		ops = w->received;
		bytes = w->rx_bytes;
		lat = &w->latency_ps;
	} else {
		/* dma_bench: from the engine's first read to its last completion. */
		measured = es->t_last > es->t_first ? es->t_last - es->t_first : 0;
		ops = es->reads;
		bytes = es->bytes;
		lat = &es->latency_ps;
	}

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
	results_set_u64(r, "interrupts.by_path.posted_wakeup", c.pi_wakeups);
	/* delivered by the hypervisor's emulated LAPIC: event injection at VM entry */
	results_set_u64(r, "interrupts.by_path.emulated", c.injected);
	results_set_u64(r, "interrupts.by_path.compat", c.ir_compat);
	results_set_u64(r, "interrupts.blocked", c.ir_blocked);
	/* VT-d posting (§9.12): notifications sent to NDST, and posts that only set a PIR bit
	 * (ON already set, or SN set while the vCPU was preempted) */
	results_set_u64(r, "interrupts.posted_notifications", c.pi_notifications);
	results_set_u64(r, "interrupts.posted_suppressed", c.pi_suppressed);
	results_set_u64(r, "interrupts.spurious", c.guest_spurious);
	results_set_u64(r, "interrupts.sent_by_devices", c.nic_irqs + c.intx_asserts);
	results_set_u64(r, "interrupts.unhandled", c.guest_unhandled);
	results_set_u64(r, "interrupts.intx.asserts", c.intx_asserts);
	results_set_u64(r, "interrupts.intx.host_irqs", c.intx_irqs);
	results_set_u64(r, "interrupts.intx.unmasks", c.intx_unmasks);
	results_set_double(r, "interrupts.intx.masked_ns_mean",
			   ratio(c.intx_masked_ps, c.intx_unmasks) / 1000.0);
	results_set_u64(r, "interrupts.coalesced", m->il.coalesced);
	results_set_double(r, "interrupts.latency_ns.mean", sim_samples_mean(&m->il.lat) / 1000.0);
	results_set_double(r, "interrupts.latency_ns.p50",
			   sim_samples_quantile(&m->il.lat, 0.5) / 1000.0);
	results_set_double(r, "interrupts.latency_ns.p99",
			   sim_samples_quantile(&m->il.lat, 0.99) / 1000.0);
	results_set_double(r, "interrupts.latency_ns.max",
			   (double)sim_samples_max(&m->il.lat) / 1000.0);
	results_set_u64(r, "interrupts.injected", c.injected);
	results_set_u64(r, "interrupts.virtual_deliveries", c.virtual_deliveries);
	results_set_u64(r, "interrupts.posted_notifications_in_guest", c.posted_processed);
	results_set_u64(r, "interrupts.shadow_idt_deliveries", c.shadow_deliveries);
	results_set_u64(r, "interrupts.reflected", c.reflected);
	results_set_u64(r, "interrupts.software_posted", c.sw_posted);
	results_set_u64(r, "interrupts.notification_ipis", c.notifications);

	results_set_u64(r, "exits.total", c.exits_total);
	results_set_u64(r, "exits.interrupt_related", c.exits_irq);
	for (unsigned i = 0; i <= EXIT_REASON_MAX; i++) {
		const char *n = vmx_exit_name(i);

		if (!n)
			continue;
		snprintf(key, sizeof(key), "exits.by_reason.%s", n);
		results_set_u64(r, key, c.exits[i]);
	}
	results_set_double(r, "exits_per_interrupt", ratio(c.exits_total, c.guest_irqs));
	results_set_double(r, "interrupt_exits_per_interrupt", ratio(c.exits_irq, c.guest_irqs));

	results_set_u64(r, "iotlb.lookups", c.iotlb_lookups);
	results_set_u64(r, "iotlb.hits", c.iotlb_hits);
	results_set_u64(r, "iotlb.misses", c.iotlb_misses);
	results_set_double(r, "iotlb.hit_rate", ratio(c.iotlb_hits, c.iotlb_lookups));
	results_set_u64(r, "iotlb.evictions", c.iotlb_evictions);
	results_set_u64(r, "iotlb.invalidations", c.iotlb_invalidations);
	results_set_u64(r, "iotlb.invalidated_entries", c.iotlb_inval_entries);

	results_set_u64(r, "iommu.translations", c.translations);
	results_set_u64(r, "iommu.context_lookups", c.ctx_lookups);
	results_set_u64(r, "iommu.context_hits", c.ctx_hits);
	results_set_u64(r, "iommu.walks", c.walks);
	results_set_u64(r, "iommu.walk_mem_reads", c.walk_mem_reads);
	results_set_double(r, "iommu.translation_ns_mean",
			   c.translations ? (double)c.xlate_ps / 1000.0 / (double)c.translations : 0);
	results_set_u64(r, "iommu.maps", c.maps);
	results_set_u64(r, "iommu.unmaps", c.unmaps);
	results_set_u64(r, "iommu.invalidations",
			c.inv_ctx + c.inv_iotlb + c.inv_iec + c.inv_pasid + c.inv_devtlb);
	/* A peak, not a count over the window; each unit's driver maps in its own tables, so the
	 * peaks are summed over the units. */
	pinned = 0;
	for (unsigned u = 0; u < m->nunits; u++)
		if (m->iommus[u])
			pinned += vtd_drv_stats(m->iommus[u])->pages_mapped_peak;
	results_set_u64(r, "iommu.pinned_pages_peak", pinned);
	results_set_u64(r, "iommu.faults", c.faults);
	results_set_u64(r, "iommu.units", m->nunits);
	results_set_u64(r, "iommu.walk_mem_writes", c.walk_mem_writes);
	results_set_u64(r, "iommu.walks_queued", c.walks_queued);
	results_set_double(r, "iommu.walk_queue_ns_mean",
			   c.walks ? (double)c.walk_queue_ps / 1000.0 / (double)c.walks : 0);
	results_set_u64(r, "iommu.passthrough", c.passthrough);
	results_set_u64(r, "iommu.fault_events", c.fault_events);
	results_set_u64(r, "iommu.invalidation_descriptors", c.inv_descs);
	results_set_u64(r, "iommu.invalidations_by_kind.context", c.inv_ctx);
	results_set_u64(r, "iommu.invalidations_by_kind.iotlb", c.inv_iotlb);
	results_set_u64(r, "iommu.invalidations_by_kind.pasid_cache", c.inv_pasid);
	results_set_u64(r, "iommu.invalidations_by_kind.interrupt_entry", c.inv_iec);
	results_set_u64(r, "iommu.invalidations_by_kind.device_tlb", c.inv_devtlb);
	results_set_u64(r, "iommu.device_tlb_timeouts", c.devtlb_timeouts);
	{
		static const char *const names[VTD_CACHE_N] = {"context_cache", "pasid_cache",
							       "interrupt_entry_cache",
							       "paging_structure_cache"};
		static const char *const fields[5] = {"lookups", "hits", "misses", "evictions",
						      "invalidations"};

		for (unsigned k = 0; k < VTD_CACHE_N; k++)
			for (unsigned f = 0; f < 5; f++) {
				snprintf(key, sizeof(key), "iommu.%s.%s", names[k], fields[f]);
				results_set_u64(r, key, c.cache[k][f]);
			}
	}
	results_set_u64(r, "ats.translation_requests", c.ats_requests);
	results_set_u64(r, "ats.translated_requests", c.translated_requests);
	results_set_u64(r, "ats.atc.lookups", c.atc_lookups);
	results_set_u64(r, "ats.atc.hits", c.atc_hits);
	results_set_u64(r, "ats.atc.misses", c.atc_misses);
	results_set_u64(r, "ats.atc.evictions", c.atc_evictions);
	results_set_u64(r, "ats.atc.invalidations", c.atc_invalidations);

	results_set_u64(r, "dma.requests", c.dma_reqs);
	results_set_u64(r, "dma.bytes", c.dma_bytes);
	results_set_u64(r, "dma.blocked", c.dma_blocked);
	results_set_u64(r, "dma.outside_vm_bytes", c.dma_outside_vm);

	results_set_double(r, "throughput_gbps",
			   measured ? (double)bytes * 8.0 * 1000.0 / (double)measured : 0);
	results_set_double(r, "ops_per_s", measured ? (double)ops * 1e12 / (double)measured : 0);
	results_set_double(r, "latency_ns.mean", sim_samples_mean(lat) / 1000.0);
	results_set_double(r, "latency_ns.p50", sim_samples_quantile(lat, 0.5) / 1000.0);
	results_set_double(r, "latency_ns.p99", sim_samples_quantile(lat, 0.99) / 1000.0);
	results_set_double(r, "latency_ns.max", (double)sim_samples_max(lat) / 1000.0);

	uint64_t gc = sim_ps_to_cycles(&clk, c.guest_ps), ec = sim_ps_to_cycles(&clk, c.exit_ps);
	uint64_t hc = sim_ps_to_cycles(&clk, c.host_ps), ic = sim_ps_to_cycles(&clk, c.idle_ps);
	results_set_u64(r, "cpu.guest_cycles", gc);
	results_set_u64(r, "cpu.exit_cycles", ec);
	results_set_u64(r, "cpu.hv_cycles", hc);
	results_set_u64(r, "cpu.idle_cycles", ic);
	results_set_double(r, "cpu.cycles_per_op", ratio(gc + ec + hc, ops));
	results_set_double(r, "cpu.overhead_cycles_per_op", ratio(ec + hc, ops));

	if (w) {
		results_set_u64(r, "workload.frames_sent", w->sent);
		results_set_u64(r, "workload.frames_received", w->received);
		results_set_u64(r, "workload.frames_dropped", w->dropped);
		results_set_u64(r, "workload.frames_lost", w->lost);
		results_set_u64(r, "workload.bytes_received", w->rx_bytes);
	} else {
		results_set_u64(r, "workload.reads", es->reads);
		results_set_u64(r, "workload.read_errors", es->errors);
		results_set_u64(r, "workload.bytes_read", es->bytes);
		results_set_u64(r, "workload.window_bytes", sc->workload.window_kib * 1024);
		results_set_u64(r, "workload.page_bytes", sc->workload.page_kib * 1024);
		results_set_u64(r, "workload.mapped_bytes", m->bench.mapped_bytes);
		results_set_u64(r, "workload.engine_elapsed_ns", m->bench.elapsed_ns);
	}

	results_set_u64(r, "vm.injections", c.injections);
	results_set_u64(r, "vm.halts", c.halts);
	results_set_u64(r, "vm.wakeups", c.wakeups);
	results_set_u64(r, "vm.ipis", c.ipis);
	results_set_u64(r, "vm.halt_polls_won", c.polls_won);
	results_set_u64(r, "vm.posted_wakeups", c.pi_wakeups);
	results_set_u64(r, "vm.pi_sn_sets", c.pi_sn_sets);
	results_set_u64(r, "vm.pi_on_at_resume", c.pi_on_at_resume);

	results_set_u64(r, "sched.context_switches", c.sched_switches);
	results_set_u64(r, "sched.slice_expiries", c.sched_expiries);
	results_set_u64(r, "sched.wakeup_preemptions", c.sched_wakeup_preempts);
	results_set_u64(r, "sched.resched_ipis", c.sched_ipis);
	results_set_u64(r, "sched.timer_interrupts", c.sched_ticks);
	results_set_u64(r, "sched.preemptions", c.preemptions);
	results_set_double(r, "sched.run_delay_ns", (double)c.run_delay_ps / 1000.0);
	/* per VM, when there are several */
	for (unsigned v = 0; sc->nvms > 1 && v < sc->nvms; v++) {
		const char *n = sc->vms[v].name;

		snprintf(key, sizeof(key), "vms.%s.exits", n);
		results_set_u64(r, key, c.vm_exits[v]);
		snprintf(key, sizeof(key), "vms.%s.interrupts", n);
		results_set_u64(r, key, c.vm_irqs[v]);
		snprintf(key, sizeof(key), "vms.%s.preemptions", n);
		results_set_u64(r, key, c.vm_preemptions[v]);
		snprintf(key, sizeof(key), "vms.%s.run_delay_ns", n);
		results_set_double(r, key, (double)c.vm_run_delay_ps[v] / 1000.0);
	}

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
	if (!m->wl && !m->bench_ran) {
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

void machine_set_msi_observer(struct machine *m,
			      void (*fn)(void *ctx, unsigned entry, uint64_t t_ps), void *ctx)
{
	m->il.observer = fn;
	m->il.observer_ctx = ctx;
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

struct vtd *machine_unit(const struct machine *m, unsigned i)
{
	return i < m->nunits ? m->units[i] : NULL;
}

struct vtd_drv *machine_unit_drv(const struct machine *m, unsigned i)
{
	return i < MAX_UNITS ? m->iommus[i] : NULL;
}

const struct dmar_info *machine_dmar(const struct machine *m)
{
	return &m->dmar;
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

/* Every cache that was used or invalidated, one line each (the results' per-cache keys). */
static void summary_caches(const struct results *r, FILE *f)
{
	static const char *const caches[][2] = {
	    {"iotlb", "IOTLB"},
	    {"iommu.context_cache", "context cache"},
	    {"iommu.pasid_cache", "PASID cache"},
	    {"iommu.paging_structure_cache", "paging-structure caches"},
	    {"iommu.interrupt_entry_cache", "interrupt entry cache"},
	    {"ats.atc", "device TLBs (ATS)"},
	};
	static const char *const fld[5] = {"lookups", "hits", "misses", "evictions",
					   "invalidations"};

	fprintf(f, "  %-32s %14s %10s %10s %10s %10s\n", "cache", "lookups", "hits", "misses",
		"evictions", "invals");
	for (size_t i = 0; i < sizeof(caches) / sizeof(caches[0]); i++) {
		unsigned long long v[5];
		char k[96];

		for (unsigned j = 0; j < 5; j++) {
			snprintf(k, sizeof(k), "%s.%s", caches[i][0], fld[j]);
			v[j] = (unsigned long long)get_u(r, k);
		}
		if (!v[0] && !v[4])
			continue;
		fprintf(f, "    %-30s %14llu %10llu %10llu %10llu %10llu\n", caches[i][1], v[0],
			v[1], v[2], v[3], v[4]);
	}
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
	if (sc->workload.kind == SC_WL_DMA_BENCH) {
		fprintf(f,
			"  %-32s %14llu of %llu B (%llu failed), %llu KiB window, %llu KiB pages\n",
			"DMA reads", (unsigned long long)get_u(r, "workload.reads"),
			(unsigned long long)sc->workload.read_bytes,
			(unsigned long long)get_u(r, "workload.read_errors"),
			(unsigned long long)get_u(r, "workload.window_bytes") / 1024,
			(unsigned long long)get_u(r, "workload.page_bytes") / 1024);
		fprintf(f, "  %-32s %14.3f Gb/s\n", "bandwidth", get_d(r, "throughput_gbps"));
		fprintf(f, "  %-32s %14.0f reads/s\n", "rate", get_d(r, "ops_per_s"));
		fprintf(f, "  %-32s %10.0f / %.0f / %.0f ns (mean / p50 / p99)\n",
			"read latency, issue to data", get_d(r, "latency_ns.mean"),
			get_d(r, "latency_ns.p50"), get_d(r, "latency_ns.p99"));
	} else {
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
	}

	fprintf(f, "\nInterrupts and exits\n");
	fprintf(f, "  %-32s %14llu\n", "interrupts delivered to guest",
		(unsigned long long)get_u(r, "interrupts.delivered"));
	fprintf(f, "  %-32s %14llu remapped, %llu posted (%llu of them to the wakeup vector)\n",
		"  by path", (unsigned long long)get_u(r, "interrupts.by_path.remapped"),
		(unsigned long long)get_u(r, "interrupts.by_path.posted"),
		(unsigned long long)get_u(r, "interrupts.by_path.posted_wakeup"));
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
	fprintf(f, "  %-32s %14.3f (%.3f to deliver and complete it)\n", "exits per interrupt",
		get_d(r, "exits_per_interrupt"), get_d(r, "interrupt_exits_per_interrupt"));
	if (get_u(r, "interrupts.intx.asserts"))
		fprintf(f, "  %-32s %14llu host interrupts, line masked %.0f ns each (mean)\n",
			"INTx line", (unsigned long long)get_u(r, "interrupts.intx.host_irqs"),
			get_d(r, "interrupts.intx.masked_ns_mean"));
	fprintf(f, "  %-32s %10.0f / %.0f / %.0f ns (mean / p50 / p99)\n",
		"latency, device IRQ to handler", get_d(r, "interrupts.latency_ns.mean"),
		get_d(r, "interrupts.latency_ns.p50"), get_d(r, "interrupts.latency_ns.p99"));

	fprintf(f, "\nIOMMU\n");
	fprintf(f, "  %-32s %14llu (%llu hits, %llu misses, hit rate %.3f)\n", "IOTLB lookups",
		(unsigned long long)get_u(r, "iotlb.lookups"), (unsigned long long)get_u(r, "iotlb.hits"),
		(unsigned long long)get_u(r, "iotlb.misses"), get_d(r, "iotlb.hit_rate"));
	fprintf(f, "  %-32s %14llu (%llu memory reads)\n", "page walks",
		(unsigned long long)get_u(r, "iommu.walks"),
		(unsigned long long)get_u(r, "iommu.walk_mem_reads"));
	fprintf(f, "  %-32s %14.1f ns\n", "mean translation time", get_d(r, "iommu.translation_ns_mean"));
	if (get_u(r, "iommu.walks_queued"))
		fprintf(f, "  %-32s %14llu (mean wait per walk %.1f ns)\n",
			"walks queued for a walker",
			(unsigned long long)get_u(r, "iommu.walks_queued"),
			get_d(r, "iommu.walk_queue_ns_mean"));
	summary_caches(r, f);
	fprintf(f, "  %-32s %14llu (%llu descriptors)\n", "invalidations",
		(unsigned long long)get_u(r, "iommu.invalidations"),
		(unsigned long long)get_u(r, "iommu.invalidation_descriptors"));
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
	if (get_u(r, "sched.context_switches")) {
		fprintf(f, "\nScheduler (vCPUs sharing pCPUs)\n");
		fprintf(f, "  %-32s %14llu (%llu at the end of a slice, %llu by a woken vCPU)\n",
			"context switches", (unsigned long long)get_u(r, "sched.context_switches"),
			(unsigned long long)get_u(r, "sched.slice_expiries"),
			(unsigned long long)get_u(r, "sched.wakeup_preemptions"));
		fprintf(f, "  %-32s %14.1f us in all\n", "runnable, waiting for a pCPU",
			get_d(r, "sched.run_delay_ns") / 1000.0);
		for (unsigned v = 0; v < sc->nvms && sc->nvms > 1; v++) {
			char k1[96], k2[96], k3[96];
			const char *n = sc->vms[v].name;

			snprintf(k1, sizeof(k1), "vms.%s.exits", n);
			snprintf(k2, sizeof(k2), "vms.%s.interrupts", n);
			snprintf(k3, sizeof(k3), "vms.%s.run_delay_ns", n);
			fprintf(f, "    %-30s %14llu exits, %llu interrupts, waited %.1f us\n", n,
				(unsigned long long)get_u(r, k1), (unsigned long long)get_u(r, k2),
				get_d(r, k3) / 1000.0);
		}
		if (get_u(r, "vm.pi_sn_sets"))
			fprintf(f, "  %-32s %14llu preemptions set SN; %llu resumed with PIR pending\n",
				"posted-interrupt descriptor", (unsigned long long)get_u(r, "vm.pi_sn_sets"),
				(unsigned long long)get_u(r, "vm.pi_on_at_resume"));
	}
	fprintf(f, "\nSimulated %.3f ms in %.2f s of wall time.\n",
		(double)get_u(r, "sim_time_ns") / 1e6, get_d(r, "wall_s"));
}
