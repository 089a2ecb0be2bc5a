/* SPDX-License-Identifier: MIT */
/*
 * Building the machine of a scenario: the platform (memory, root complex, VT-d units, I/O
 * APIC, CPUs, firmware) configured from machine.*, and the PCIe topology of
 * machine.pcie.devices below its host bridge: ports, switches, bridges and the endpoint
 * models (ptnic, DMA engine, generic functions).
 */
#include "app/machine_internal.h"

#include "models/devices/dmaeng.h"
#include "models/devices/nvme.h"
#include "models/devices/gendev.h"
#include "models/devices/nic.h"
#include "models/host/host.h"
#include "models/pcie/pcie.h"
#include "models/pcie/pcie_regs.h"
#include "sim/knob.h"

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
		       struct pcie_fn *parent, const struct pcie_link_cfg *parent_link);

static int build_node(struct machine *m, const struct sc_node *n, struct pcie_fn *parent,
		      const struct pcie_link_cfg *plink)
{
	struct pcie_fn *fn = NULL;
	uint8_t devfn = (uint8_t)(n->function > 7 ? n->function : PCI_DEVFN(n->slot, n->function));
	uint16_t ven, dev;
	uint32_t cls;
	int rc = 0;

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
		struct nic_cfg nc = n->nic;
		struct nic *nic;

		snprintf(nc.name, sizeof(nc.name), "%s", n->name);
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
		struct dmaeng_cfg ec;
		struct dmaeng *e;

		cfg_defaults(&dmaeng_cfg_schema, &ec);
		snprintf(ec.name, sizeof(ec.name), "%s", n->name);
		rc = dmaeng_create(&ec, m->fab, &e);
		if (!rc)
			rc = machine__push(&m->eng, &m->neng, e);
		if (rc)
			return rc;
		fn = dmaeng_fn(e);
		break;
	}
	case SC_NVME: {
		struct nvme_cfg vc = n->nvme;
		struct nvme *c;

		snprintf(vc.name, sizeof(vc.name), "%s", n->name);
		rc = nvme_create(&vc, m->fab, &c);
		if (!rc)
			rc = machine__push(&m->nvme, &m->nnvmes, c);
		if (rc)
			return rc;
		fn = nvme_fn(c);
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
	rc = pcie_fn_attach(fn, parent, devfn, parent ? plink : NULL);
	if (rc)
		return rc;
	if (n->type == SC_SWITCH)
		return build_nodes(m, n->ports, n->nports, fn, NULL);
	return build_nodes(m, n->below, n->nbelow, fn, node_is_port(n) ? &n->link : NULL);
}

static int build_nodes(struct machine *m, const struct sc_node *n, size_t count,
		       struct pcie_fn *parent, const struct pcie_link_cfg *parent_link)
{
	for (size_t i = 0; i < count; i++) {
		int rc = build_node(m, &n[i], parent, parent_link);

		if (rc)
			return rc;
	}
	return 0;
}

/* Firmware's RMRRs as the host's survey reads them: the device by its location path. */
static int host_rmrrs(struct machine *m)
{
	const struct platform_firmware_cfg *f = &m->sc->machine.firmware;

	if (!f->nrmrrs)
		return 0;
	m->rmrrs = calloc(f->nrmrrs, sizeof(*m->rmrrs));
	if (!m->rmrrs)
		return -ENOMEM;
	for (size_t i = 0; i < f->nrmrrs; i++) {
		struct host_rmrr *r = &m->rmrrs[m->nrmrrs++];

		r->base = f->rmrrs[i].base;
		r->size = f->rmrrs[i].size;
		pcie_fn_location(pcie_fabric_find(m->fab, f->rmrrs[i].device), r->path,
				 sizeof(r->path));
	}
	return 0;
}

/* The machine of the scenario: the platform, the topology below its host bridge. */
int machine__build(struct machine *m)
{
	const struct sc_machine *hw = &m->sc->machine;
	const struct platform_cfg pc = {.cpu = hw->cpu,
					.memory = hw->memory,
					.pcie = hw->pcie.fabric,
					.iommu = hw->iommu,
					.firmware = hw->firmware};
	int rc = platform_create(&pc, &m->plat);

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
