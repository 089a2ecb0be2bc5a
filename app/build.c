/* SPDX-License-Identifier: MIT */
/*
 * Building the hardware of a scenario: memory, the PCIe fabric with its functions, the VT-d
 * units, firmware's ACPI tables, the I/O APIC, APIC bus, LAPICs and pCPUs, and the root
 * complex's hooks that tie the IOMMU and the interrupt path to them.
 */
#include "app/firmware.h"
#include "app/machine_internal.h"

#include "models/apic/ioapic.h"
#include "models/apic/lapic.h"
#include "models/devices/dmaeng.h"
#include "models/devices/gendev.h"
#include "models/devices/nic.h"
#include "models/host/host.h"
#include "models/iommu/vtd_regs.h"
#include "models/mem/mem.h"
#include "models/pcie/pcie.h"
#include "models/pcie/pcie_regs.h"
#include "sim/engine.h"
#include "sim/trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
unsigned machine__prt_gsi(uint8_t root_devfn, unsigned pin)
{
	return 16 + (PCI_SLOT(root_devfn) + pin - 1) % 8;
}

static void rc_intx(void *ctx, uint8_t root_devfn, unsigned pin, bool asserted)
{
	struct machine *m = ctx;
	unsigned gsi = machine__prt_gsi(root_devfn, pin);

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

int machine__build(struct machine *m)
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
