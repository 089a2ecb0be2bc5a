/* SPDX-License-Identifier: MIT */
/*
 * The guest kernel's knobs (vms[].guest: its costs, config mechanism and LAPIC interface), and
 * its drivers' module parameters turned into configuration schemas: each driver declares its
 * parameters once, in hal.h's struct kernel_param table, and vms[].guest.<driver> is checked
 * against that table and bound into a struct gk_module_args the kernel hands back to it.
 */
#include "models/guest/kernel/gk_internal.h"
#include "sim/knob.h"

#include <stddef.h>
#include <string.h>

static const struct cfg_field costs_fields[] = {
    CFG_U64("irq_entry_cycles", struct gk_costs, irq_entry, 300, 0, 1e7, "cycles",
	    "guest interrupt entry (IDT to handler)", .source = "estimate"),
    CFG_U64("irq_exit_cycles", struct gk_costs, irq_exit, 200, 0, 1e7, "cycles",
	    "guest interrupt exit (to IRET)", .source = "estimate"),
    CFG_U64("net_rx_cycles", struct gk_costs, net_rx, 1500, 0, 1e8, "cycles",
	    "network stack work per received frame", .source = "estimate"),
    CFG_U64("net_tx_cycles", struct gk_costs, net_tx, 1500, 0, 1e8, "cycles",
	    "network stack work per frame sent (the send call up to the driver)",
	    .source = "estimate, as net_rx_cycles"),
    CFG_U64("dma_direct_cycles", struct gk_costs, dma_direct, 20, 0, 1e6, "cycles",
	    "one dma_map_single or dma_unmap_single without an IOMMU: dma-direct's address "
	    "conversion and mask check (kernel/dma/direct.h)",
	    .source = "estimate: a few instructions"),
    CFG_U64("dma_pv_cycles", struct gk_costs, dma_pv, 60, 0, 1e6, "cycles",
	    "one dma_map_single or dma_unmap_single through the paravirtual IOMMU, its hypercall "
	    "aside: the page bookkeeping and writing the request into the batch",
	    .source = "estimate"),
    CFG_U64("dma_iommu_cycles", struct gk_costs, dma_iommu, 400, 0, 1e6, "cycles",
	    "one dma_map_single or dma_unmap_single through the guest's own VT-d driver (a "
	    "vIOMMU), its register and invalidation exits aside: IOVA allocation and the "
	    "driver's page-table walk and writes",
	    .source = "estimate: Linux's iommu_dma_map_page without its flush"),
    CFG_END,
};
static const struct cfg_schema costs_schema =
    CFG_SCHEMA("guest costs", struct gk_costs, costs_fields);

static const char *const pci_config_names[] = {"ecam", "io", NULL};
static const char *const apic_names[] = {"x2apic", "xapic", NULL};
static const char *const iommu_names[] = {"strict", "lazy", "passthrough", NULL};
static const char *const irq_affinity_names[] = {"spread", "boot_cpu", NULL};

static const struct cfg_field gk_fields[] = {
    CFG_INLINE(struct gk_cfg, costs, costs_schema),
    CFG_ENUM("pci_config", struct gk_cfg, pci_config, pci_config_names, GK_PCI_CONFIG_ECAM,
	     "config space access: ECAM (MMIO) or ports 0xCF8/0xCFC"),
    CFG_ENUM("apic", struct gk_cfg, apic, apic_names, GK_APIC_X2APIC,
	     "the guest's LAPIC interface: x2APIC MSRs or the xAPIC MMIO page"),
    CFG_ENUM("iommu", struct gk_cfg, iommu, iommu_names, GK_IOMMU_STRICT,
	     "with a vIOMMU (vms[].viommu): the guest DMA layer's policy, as Linux's "
	     "iommu.strict / iommu.passthrough: strict (invalidate before an unmap returns), "
	     "lazy (unmapped IOVAs wait in a flush queue, 256 entries or 10 ms, then one "
	     "domain invalidation) or passthrough (identity: no maps)",
	     .source = "the protective choice; Linux on x86 defaults to lazy "
		       "(CONFIG_IOMMU_DEFAULT_DMA_LAZY)"),
    CFG_ENUM("irq_affinity", struct gk_cfg, irq_affinity, irq_affinity_names, GK_IRQ_SPREAD,
	     "where the MSI-X vectors of a multi-queue driver go (the destination APIC ID of "
	     "their messages): spread over the CPUs, vector i to the first CPU of the i-th of as "
	     "many even groups (CPU i mod n when there are more vectors than CPUs), or all to "
	     "the boot CPU",
	     .source = "Linux's managed affinity for multi-queue devices "
		       "(pci_alloc_irq_vectors_affinity, kernel/irq/affinity.c, "
		       "lib/group_cpus.c)"),
    CFG_END,
};
const struct cfg_schema gk_cfg_schema = CFG_SCHEMA("guest", struct gk_cfg, gk_fields);

/* ---- module parameters ---- */

#define MAX_MODULES 4

static struct param_schema {
	const struct pci_driver *drv;
	struct cfg_field fields[GK_MAX_PARAMS + 1];
	struct cfg_schema schema;
} schemas[MAX_MODULES];

static void param_field(const struct kernel_param *p, unsigned i, struct cfg_field *f)
{
	static const enum cfg_ftype type[] = {
	    [KPARAM_UINT] = CFG_F_U32, [KPARAM_ULLONG] = CFG_F_U64, [KPARAM_BOOL] = CFG_F_BOOL};

	memset(f, 0, sizeof(*f));
	f->key = p->name;
	f->type = type[p->type];
	f->off = i * sizeof(union gk_param_value); /* each member is at the union's start */
	if (p->type != KPARAM_BOOL) {
		f->min = (double)p->min;
		f->max = (double)p->max;
	}
	f->flags = p->pow2 ? CFG_POW2 : 0;
	f->unit = p->unit;
	f->doc = p->desc;
	f->def = (double)p->def;
}

const struct cfg_schema *gk_param_schema(const struct pci_driver *drv)
{
	unsigned n = 0, m;

	for (m = 0; m < MAX_MODULES && schemas[m].drv; m++)
		if (schemas[m].drv == drv)
			return &schemas[m].schema;
	if (m == MAX_MODULES)
		return NULL;
	while (drv->params && drv->params[n].name)
		n++;
	if (n > GK_MAX_PARAMS)
		return NULL;
	for (unsigned i = 0; i < n; i++)
		param_field(&drv->params[i], i, &schemas[m].fields[i]);
	schemas[m].schema = (struct cfg_schema){
	    .name = drv->name, .size = sizeof(struct gk_module_args), .fields = schemas[m].fields};
	schemas[m].drv = drv;
	return &schemas[m].schema;
}
