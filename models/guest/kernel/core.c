/* SPDX-License-Identifier: MIT */
/* Guest kernel: creation, boot on each vCPU, the idle loop, module parameters. */
#include "models/guest/kernel/gk_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int gk_create(const struct gk_cfg *cfg, struct gk **out)
{
	struct gk *g = calloc(1, sizeof(*g));

	if (!g)
		return -ENOMEM;
	g->cfg = *cfg;
	for (unsigned i = 0; i < 256; i++)
		g->irqs[i].gsi = -1;
	*out = g;
	return 0;
}

void gk_destroy(struct gk *g)
{
	if (!g)
		return;
	gk__dma_free(g);
	gk__iommu_free(g);
	gk__blk_free(g);
	free(g->freelist);
	free(g);
}

int gk_register_builtin(struct gk *g, struct pci_driver *drv, const struct gk_module_args *args)
{
	if (g->ndrivers == GK_MAX_DRIVERS)
		return -ENOSPC;
	if (args) {
		g->args[g->ndrivers] = *args;
		g->has_args[g->ndrivers] = true;
	}
	g->drivers[g->ndrivers++] = drv;
	return 0;
}

void gk_set_init(struct gk *g, void (*init)(void *ctx, struct gk *g), void *ctx)
{
	g->init = init;
	g->init_ctx = ctx;
}

void gk_entry(void *ctx, struct vcpu *v)
{
	struct gk *g = ctx;
	unsigned id = isa_cpu_id(); /* v is this CPU: the hypervisor launched it */

	if (id < GK_MAX_CPUS) {
		g->cpus[id] = v;
		if (id >= g->ncpus)
			g->ncpus = id + 1;
	}
	isa_set_percpu(g);
	isa_lidt(gk__idt, g);
	if (id == g->cfg.bsp_apic_id) {
		if (gk__mm_init(g)) {
			printk("%s: no usable memory in the boot parameters; halting", g->cfg.name);
			return;
		}
		gk__lapic_init(g);
		gk__pci_scan(g);
		if (gk__iommu_init(g))
			printk("%s: DMAR: no IOMMU; devices are not bound", g->cfg.name);
		else
			gk__pci_bind(g);
		g->st.boot_done_ps = gk_now_ps(g);
		if (g->init)
			g->init(g->init_ctx, g);
	} else {
		gk__lapic_init(g);
	}
	for (;;) {
		gk__dma_flush(g); /* nothing the DMA layer queued waits while the CPU sleeps */
		if (gk__iommu_on(g))
			gk__iommu_fq_check(g);
		isa_safe_halt();
	}
}

void gk_compute(struct gk *g, uint64_t cycles)
{
	(void)g;
	isa_compute(cycles);
}

void gk_spin_until(struct gk *g, uint64_t t_ps)
{
	for (uint64_t now = gk_now_ps(g); now < t_ps; now = gk_now_ps(g)) {
		uint64_t c = isa_ps_to_tsc(t_ps - now);

		isa_compute(c ? c : 1);
	}
}

void gk_halt(struct gk *g)
{
	gk__dma_flush(g);
	if (gk__iommu_on(g))
		gk__iommu_fq_check(g);
	isa_safe_halt();
}

uint64_t gk_now_ps(struct gk *g)
{
	(void)g;
	return isa_tsc_to_ps(isa_rdtsc());
}

const struct gk_stats *gk_stats(const struct gk *g)
{
	return &g->st;
}

const char *gk_name(const struct gk *g)
{
	return g->cfg.name;
}

/* One parameter's value in a table's arguments (its default when the table has no such
 * arguments is the caller's business: args are filled with the defaults by the schema). */
static u64 param_value(const struct kernel_param *p, const union gk_param_value *v)
{
	return p->type == KPARAM_BOOL ? v->b : p->type == KPARAM_UINT ? v->u32 : v->u64;
}

bool gk_module_arg(const struct pci_driver *drv, const struct gk_module_args *args,
		   const char *name, uint64_t *out)
{
	const struct kernel_param *p = drv->params;

	for (unsigned k = 0; p && p[k].name && k < GK_MAX_PARAMS; k++)
		if (!strcmp(p[k].name, name)) {
			*out = param_value(&p[k], &args->v[k]);
			return true;
		}
	return false;
}

u64 module_param_u64(const char *module, const char *name)
{
	const struct gk *g = gk__self();

	for (unsigned i = 0; i < g->ndrivers; i++) {
		const struct kernel_param *p = g->drivers[i]->params;

		if (strcmp(g->drivers[i]->name, module) || !p)
			continue;
		for (unsigned k = 0; p[k].name && k < GK_MAX_PARAMS; k++) {
			const union gk_param_value *v = &g->args[i].v[k];

			if (strcmp(p[k].name, name))
				continue;
			if (!g->has_args[i])
				return p[k].def;
			return param_value(&p[k], v);
		}
	}
	printk("%s: module %s has no parameter %s", g->cfg.name, module, name);
	return 0;
}