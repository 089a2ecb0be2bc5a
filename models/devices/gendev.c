/* SPDX-License-Identifier: MIT */
/*
 * Generic PCI function: its config space is built from the description (PCI 3.0 ch. 6, PCIe
 * 5.0 §7.5-7.9, SR-IOV 1.1 ch. 3) by the pcie module's helpers; its BARs are scratch memory.
 */
#include "models/devices/gendev.h"
#include "models/pcie/pcie_regs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SCRATCH 4096u

/* One function's MMIO state: the PF's, or one VF's. */
struct gfn {
	struct gendev *g;
	uint8_t *scratch[6];
	struct gendev_stats st;
};

struct gendev {
	struct gendev_cfg cfg;
	struct pcie_fn *fn;
	struct gfn *f; /* [0] the PF, [n] VF n */
	unsigned nf;
};

static uint64_t mmio_read(void *ctx, int bar, uint64_t off, unsigned size)
{
	struct gfn *f = ctx;
	uint64_t v = 0;

	f->st.mmio_reads++;
	if (bar < 0 || bar > 5 || off + size > SCRATCH || !f->scratch[bar])
		return 0;
	memcpy(&v, f->scratch[bar] + off, size);
	return v;
}

static void mmio_write(void *ctx, int bar, uint64_t off, unsigned size, uint64_t val)
{
	struct gfn *f = ctx;

	f->st.mmio_writes++;
	if (bar < 0 || bar > 5 || off + size > SCRATCH)
		return;
	if (!f->scratch[bar] && !(f->scratch[bar] = calloc(1, SCRATCH)))
		return;
	memcpy(f->scratch[bar] + off, &val, size);
}

static void flr(void *ctx)
{
	struct gfn *f = ctx;

	f->st.flrs++;
	for (int b = 0; b < 6; b++)
		if (f->scratch[b])
			memset(f->scratch[b], 0, SCRATCH);
}

static const struct pcie_fn_ops gendev_ops = {
	.mmio_read = mmio_read,
	.mmio_write = mmio_write,
	.flr = flr,
};

static int build(struct gendev *g)
{
	const struct gendev_cfg *c = &g->cfg;
	struct pcie_fn *fn = g->fn;
	int rc = 0;

	pcie_fn_set_ids(fn, c->vendor, c->device, c->class_rev, c->subsys_vendor, c->subsys);
	if (c->kind == GENDEV_PCI)
		pcie_fn_set_conventional(fn);
	for (int b = 0; b < 6 && !rc; b++) {
		const struct gendev_bar *bar = &c->bar[b];

		if (!bar->size)
			continue;
		rc = bar->io ? pcie_fn_add_io_bar(fn, b, (uint32_t)bar->size)
			     : pcie_fn_add_bar(fn, b, bar->size, bar->is64, bar->prefetch);
	}
	pcie_fn_set_intx_pin(fn, c->intx_pin);
	if (!rc)
		rc = pcie_fn_add_cap_pm(fn);
	if (rc >= 0 && c->kind != GENDEV_PCI)
		rc = pcie_fn_add_cap_exp(fn, c->kind == GENDEV_RCIEP ? PCI_EXP_TYPE_RC_END
								  : PCI_EXP_TYPE_ENDPOINT,
					 c->flr);
	if (rc >= 0 && c->msi_vectors)
		rc = pcie_fn_add_cap_msi(fn, c->msi_vectors, true, true);
	if (rc >= 0 && c->msix_vectors)
		rc = pcie_fn_add_cap_msix(fn, c->msix_vectors, c->msix_bar, 0, c->msix_bar,
					  c->msix_vectors * 16);
	if (rc >= 0 && c->acs)
		rc = pcie_fn_add_ext_acs(fn, c->acs_cap, 8);
	if (rc >= 0 && c->ari)
		rc = pcie_fn_add_ext_ari(fn);
	if (rc >= 0 && c->ats)
		rc = pcie_fn_add_ext_ats(fn);
	if (rc >= 0 && c->pasid_bits)
		rc = pcie_fn_add_ext_pasid(fn, c->pasid_bits);
	if (rc >= 0 && c->sriov)
		rc = pcie_fn_add_ext_sriov(fn, &c->sriov_cfg);
	return rc < 0 ? rc : 0;
}

int gendev_create(const struct gendev_cfg *cfg, struct pcie_fabric *fab, struct gendev **out)
{
	struct gendev *g = calloc(1, sizeof(*g));
	int rc;

	if (!g)
		return -ENOMEM;
	g->cfg = *cfg;
	g->nf = 1 + (cfg->sriov ? cfg->sriov_cfg.total_vfs : 0);
	g->f = calloc(g->nf, sizeof(*g->f));
	rc = g->f ? pcie_fn_create(fab, cfg->name, PCIE_FN_ENDPOINT, &g->fn) : -ENOMEM;
	if (!rc)
		rc = build(g);
	if (rc) {
		gendev_destroy(g);
		return rc;
	}
	for (unsigned i = 0; i < g->nf; i++) {
		g->f[i].g = g;
		pcie_fn_set_ops(i ? pcie_fn_vf(g->fn, i) : g->fn, &gendev_ops, &g->f[i]);
	}
	*out = g;
	return 0;
}

void gendev_destroy(struct gendev *g)
{
	if (!g)
		return;
	for (unsigned i = 0; g->f && i < g->nf; i++)
		for (int b = 0; b < 6; b++)
			free(g->f[i].scratch[b]);
	free(g->f);
	free(g);
}

struct pcie_fn *gendev_fn(const struct gendev *g)
{
	return g->fn;
}

const struct gendev_stats *gendev_stats(const struct gendev *g, unsigned vf)
{
	return vf < g->nf ? &g->f[vf].st : NULL;
}

const uint8_t *gendev_scratch(const struct gendev *g, unsigned vf, int bar, uint64_t off)
{
	if (vf >= g->nf || bar < 0 || bar > 5 || off >= SCRATCH || !g->f[vf].scratch[bar])
		return NULL;
	return g->f[vf].scratch[bar] + off;
}
