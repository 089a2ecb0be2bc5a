/* SPDX-License-Identifier: MIT */
/*
 * Building the machine of a scenario: the platform (memory, root complex, VT-d units, I/O
 * APIC, CPUs, firmware) configured from machine.*, and the PCIe topology of
 * machine.pcie.devices below its host bridge: ports, switches, bridges and the endpoint
 * models (ptnic, DMA engine, generic functions).
 */
#include "app/machine_internal.h"

#include "models/devices/dmaeng.h"
#include "models/devices/gendev.h"
#include "models/devices/nic.h"
#include "models/host/host.h"
#include "models/pcie/pcie.h"
#include "models/pcie/pcie_regs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	if (!rc)
		rc = machine__push(&m->gendev, &m->ngendevs, g);
	if (rc)
		return rc;
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

		snprintf(nc.name, sizeof(nc.name), "%s", n->name);
		nc.reset_ps = n->reset_ps;
		nc.max_inflight = n->max_inflight;
		if (n->has_sriov) {
			nc.total_vfs = n->sriov.total_vfs;
			nc.vf_offset = (uint16_t)n->sriov.offset;
			nc.vf_stride = (uint16_t)n->sriov.stride;
		}
		rc = nic_create(&nc, m->fab, &nic);
		if (!rc)
			rc = machine__push(&m->nic, &m->nnics, nic);
		if (rc)
			return rc;
		fn = nic_fn(nic);
		break;
	}
	case SC_DMA_ENGINE: {
		struct dmaeng_cfg ec = {0};
		struct dmaeng *e;

		snprintf(ec.name, sizeof(ec.name), "%s", n->name);
		ec.issue_ps = 4000; /* a request per 4 ns (250 MHz logic, estimate) */
		rc = dmaeng_create(&ec, m->fab, &e);
		if (!rc)
			rc = machine__push(&m->eng, &m->neng, e);
		if (rc)
			return rc;
		fn = dmaeng_fn(e);
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

/* The VT-d units' configuration, the same for every unit (name and registers are each's). */
static void unit_cfg(const struct sc_iommu *io, struct vtd_cfg *vc)
{
	memset(vc, 0, sizeof(*vc));
	for (unsigned nd = 0; nd < 7; nd++)
		if ((1u << (4 + 2 * nd)) == io->domains)
			vc->nd = nd;
	vc->sagaw = (1u << 1) | (io->address_width >= 48 ? 1u << 2 : 0) |
		    (io->address_width >= 57 ? 1u << 3 : 0);
	vc->mgaw = io->address_width;
	vc->sp_2m = vc->sp_1g = io->superpages;
	vc->caching_mode = io->caching_mode;
	vc->posted_interrupts = io->posted_interrupts;
	vc->qi = io->queued_invalidation;
	vc->ir = io->interrupt_remapping;
	vc->eim = io->extended_interrupt_mode;
	vc->pt = io->pass_through;
	vc->coherent = true;
	vc->rwbf = io->write_buffer_flush;
	vc->afl = io->advanced_fault_log;
	vc->snoop_control = io->snoop_control;
	vc->device_tlb = io->device_tlb;
	vc->scalable = io->scalable_mode;
	vc->first_level = io->scalable_mode && io->first_level;
	vc->second_level = io->scalable_mode && io->second_level;
	vc->nested = io->scalable_mode && io->nested && io->first_level && io->second_level;
	vc->fl_1g = io->first_level_1g;
	vc->pasid_bits = io->scalable_mode ? io->pasid_bits : 0;
	vc->nfr = io->fault_records;
	vc->iotlb.entries = io->iotlb.entries;
	vc->iotlb.ways = io->iotlb.ways;
	vc->iotlb.repl = (enum iotlb_repl)io->iotlb.replacement;
	vc->ctx_entries = io->context_cache_entries;
	vc->pasid_cache_entries = io->pasid_cache_entries;
	vc->iec_entries = io->interrupt_cache_entries;
	vc->psc_entries[2] = io->psc.pde;
	vc->psc_entries[3] = io->psc.pdpte;
	vc->psc_entries[4] = io->psc.pml4e;
	vc->psc_entries[5] = io->psc.pml5e;
	vc->walkers = io->walkers;
	vc->iotlb_hit_ps = io->iotlb_hit_ps;
	vc->ctx_hit_ps = io->context_hit_ps;
	vc->walk_step_ps = io->walk_step_ps;
	vc->walk_in_llc = io->walk_in_llc;
	vc->cmd_ps = io->command_ps;
	vc->qi_desc_ps = io->descriptor_ps;
	vc->reg_access_ps = io->register_access_ps;
	vc->ir_ps = io->interrupt_remap_ps;
	vc->devtlb_timeout_ps = io->devtlb_timeout_ps;
}

/* The platform's configuration from machine.* (its lists point into the scenario). */
static int platform_cfg(struct machine *m, struct platform_cfg *pc)
{
	const struct sc_machine *hw = &m->sc->machine;

	memset(pc, 0, sizeof(*pc));
	pc->npcpus = hw->cpu.pcpus;
	pc->freq_mhz = hw->cpu.freq_mhz;
	pc->memory.size = hw->memory.size_mib << 20;
	pc->memory.firmware_size = hw->memory.firmware_mib << 20;
	pc->memory.latency_ps = hw->memory.latency_ps;
	pc->memory.llc_latency_ps = hw->memory.llc_latency_ps;
	pc->memory.bandwidth_gbps = hw->memory.bandwidth_gbps;
	pc->pcie.rc_latency_ps = hw->pcie.root_complex_ps;
	pc->pcie.cfg_access_ps = hw->pcie.config_access_ps;
	pc->pcie.mmio_dev_ps = hw->pcie.device_mmio_ps;
	pc->pcie.rc_p2p = hw->pcie.root_p2p;
	pc->iommu_enabled = hw->iommu.enabled;
	unit_cfg(&hw->iommu, &pc->iommu);
	pc->interrupt_remapping_flag = hw->iommu.interrupt_remapping;
	pc->ioapic_access_ps = hw->iommu.register_access_ps;
	if (hw->iommu.nunits) {
		m->unit_cfgs = calloc(hw->iommu.nunits, sizeof(*m->unit_cfgs));
		if (!m->unit_cfgs)
			return -ENOMEM;
		for (size_t u = 0; u < hw->iommu.nunits; u++) {
			m->unit_cfgs[u].name = hw->iommu.units[u].name;
			m->unit_cfgs[u].include_all = hw->iommu.units[u].include_all;
			m->unit_cfgs[u].scope = hw->iommu.units[u].scope;
			m->unit_cfgs[u].nscope = hw->iommu.units[u].nscope;
		}
		pc->units = m->unit_cfgs;
		pc->nunits = hw->iommu.nunits;
	}
	if (hw->firmware.nrmrrs) {
		m->rmrr_cfgs = calloc(hw->firmware.nrmrrs, sizeof(*m->rmrr_cfgs));
		if (!m->rmrr_cfgs)
			return -ENOMEM;
		for (size_t i = 0; i < hw->firmware.nrmrrs; i++) {
			m->rmrr_cfgs[i].device = hw->firmware.rmrrs[i].device;
			m->rmrr_cfgs[i].base = hw->firmware.rmrrs[i].base;
			m->rmrr_cfgs[i].size = hw->firmware.rmrrs[i].size_kib << 10;
		}
		pc->rmrrs = m->rmrr_cfgs;
		pc->nrmrrs = hw->firmware.nrmrrs;
	}
	return 0;
}

/* Firmware's RMRRs as the host's survey reads them: the device by its location path. */
static int host_rmrrs(struct machine *m)
{
	const struct sc_firmware *f = &m->sc->machine.firmware;

	if (!f->nrmrrs)
		return 0;
	m->rmrrs = calloc(f->nrmrrs, sizeof(*m->rmrrs));
	if (!m->rmrrs)
		return -ENOMEM;
	for (size_t i = 0; i < f->nrmrrs; i++) {
		struct host_rmrr *r = &m->rmrrs[m->nrmrrs++];

		r->base = f->rmrrs[i].base;
		r->size = f->rmrrs[i].size_kib << 10;
		pcie_fn_location(pcie_fabric_find(m->fab, f->rmrrs[i].device), r->path,
				 sizeof(r->path));
	}
	return 0;
}

/* The machine of the scenario: the platform, the topology below its host bridge. */
int machine__build(struct machine *m)
{
	struct platform_cfg pc;
	int rc = platform_cfg(m, &pc);

	if (!rc)
		rc = platform_create(&pc, &m->plat);
	if (rc)
		return rc;
	m->mem = platform_mem(m->plat);
	m->fab = platform_fabric(m->plat);
	rc = build_nodes(m, m->sc->machine.pcie.devices, m->sc->machine.pcie.ndevices, NULL, NULL);
	if (!rc)
		rc = platform_realize(m->plat);
	if (!rc)
		rc = host_rmrrs(m);
	if (rc)
		return rc;
	m->pcpu = platform_pcpus(m->plat);
	m->npcpus = platform_npcpus(m->plat);
	m->nunits = platform_nunits(m->plat);
	return 0;
}
