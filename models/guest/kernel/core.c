/* SPDX-License-Identifier: MIT */
/* Guest kernel: creation, boot on each vCPU, the idle loop, module parameters. */
#include "models/guest/kernel/gk_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int gk_create(const struct gk_cfg *cfg, struct gk **out)
{
	struct gk *g;

	if (cfg->nparams > 32)
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->cfg = *cfg;
	memcpy(g->params, cfg->params, cfg->nparams * sizeof(*cfg->params));
	g->cfg.params = g->params;
	for (unsigned i = 0; i < 256; i++)
		g->irqs[i].gsi = -1;
	*out = g;
	return 0;
}

void gk_destroy(struct gk *g)
{
	if (!g)
		return;
	free(g->freelist);
	free(g);
}

int gk_register_builtin(struct gk *g, struct pci_driver *drv)
{
	if (g->ndrivers == GK_MAX_DRIVERS)
		return -ENOSPC;
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
	if (id == 0) {
		if (gk__mm_init(g)) {
			printk("%s: no usable memory in the boot parameters; halting", g->cfg.name);
			return;
		}
		gk__lapic_init(g);
		gk__pci_scan(g);
		gk__pci_bind(g);
		g->st.boot_done_ps = gk_now_ps(g);
		if (g->init)
			g->init(g->init_ctx, g);
	} else {
		gk__lapic_init(g);
	}
	for (;;)
		isa_safe_halt();
}

void gk_compute(struct gk *g, uint64_t cycles)
{
	(void)g;
	isa_compute(cycles);
}

void gk_halt(struct gk *g)
{
	(void)g;
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

u64 module_param_u64(const char *module, const char *name, u64 def)
{
	struct gk *g = gk__self();

	for (unsigned i = 0; i < g->cfg.nparams; i++)
		if (!strcmp(g->params[i].module, module) && !strcmp(g->params[i].name, name))
			return g->params[i].value;
	return def;
}
