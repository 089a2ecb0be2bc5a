/* SPDX-License-Identifier: MIT */
/* Guest kernel: creation, boot on each vCPU, the idle loop, the net stack's receive hook. */
#include "models/guest/kernel/gk_internal.h"
#include "models/cpu/cpu.h"

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

struct vcpu *gk__cpu(void)
{
	struct pcpu *p = pcpu_self();

	return p ? pcpu_current_vcpu(p) : NULL;
}

struct gk *gk__self(void)
{
	struct vcpu *v = gk__cpu();

	return v ? vcpu_guest_data(v) : NULL;
}

void gk_entry(void *ctx, struct vcpu *v)
{
	struct gk *g = ctx;
	unsigned id = vcpu_id(v);

	if (id < GK_MAX_CPUS) {
		g->cpus[id] = v;
		if (id >= g->ncpus)
			g->ncpus = id + 1;
	}
	vcpu_set_guest_data(v, g);
	vcpu_set_guest_idt(v, gk__idt, g);
	if (id == 0) {
		if (gk__mm_init(g, v)) {
			printk("%s: no usable memory in the boot parameters; halting", g->cfg.name);
			return;
		}
		gk__lapic_init(g, v);
		gk__pci_scan(g);
		gk__pci_bind(g);
		g->st.boot_done_ps = gk_now_ps(g);
		if (g->init)
			g->init(g->init_ctx, g);
	} else {
		gk__lapic_init(g, v);
	}
	for (;;)
		vcpu_safe_halt(v);
}

void gk_net_set_rx(struct gk *g, void (*rx)(void *ctx, const void *data, unsigned len),
		   void *ctx)
{
	g->rx = rx;
	g->rx_ctx = ctx;
}

void gk_compute(struct gk *g, uint64_t cycles)
{
	(void)g;
	vcpu_compute(gk__cpu(), cycles);
}

void gk_halt(struct gk *g)
{
	(void)g;
	vcpu_safe_halt(gk__cpu());
}

uint64_t gk_now_ps(struct gk *g)
{
	struct vcpu *v = gk__cpu();

	(void)g;
	return sim_cycles_to_ps(pcpu_clock(vcpu_pcpu(v)), vcpu_rdtsc(v));
}

const struct gk_stats *gk_stats(const struct gk *g)
{
	return &g->st;
}

const char *gk_name(const struct gk *g)
{
	return g->cfg.name;
}
