/* SPDX-License-Identifier: MIT */
/*
 * Link timing: serialization at the post-encoding data rate (PCIe 5.0 §4.2: 8b/10b for
 * 2.5/5 GT/s, 128b/130b for 8/16/32 GT/s; 64 GT/s FLIT mode 242/256 of each flit carries TLP
 * bytes, PCIe 6.0 §4.2.3) plus a per-hop latency. A link keeps, per direction, the time its
 * transmitter is next free, so concurrent transfers share it arithmetically.
 */
#include "models/pcie/pcie_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

static const double gt_per_lane[] = {0, 2.5, 5.0, 8.0, 16.0, 32.0, 64.0};

static double encoding_efficiency(unsigned gen)
{
	if (gen <= 2)
		return 8.0 / 10.0;
	if (gen <= 5)
		return 128.0 / 130.0;
	return 242.0 / 256.0;
}

double pcie_link_bytes_per_ns(const struct pcie_link_cfg *c)
{
	if (c->gen < 1 || c->gen > 6)
		return 0;
	return gt_per_lane[c->gen] * c->width * encoding_efficiency(c->gen) / 8.0;
}

int pcie__link_create(const struct pcie_link_cfg *cfg, struct pcie_link **out)
{
	struct pcie_link *l;
	double bpns = pcie_link_bytes_per_ns(cfg);

	if (bpns <= 0 || !cfg->mps || !cfg->mrrs || !cfg->rcb)
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->cfg = *cfg;
	l->ps_per_byte = 1000.0 / bpns;
	*out = l;
	return 0;
}

uint64_t pcie__link_ser_ps(const struct pcie_link *l, uint64_t bytes)
{
	return (uint64_t)llround((double)bytes * l->ps_per_byte);
}

uint64_t pcie__link_send(struct pcie_link *l, int dir, uint64_t bytes, unsigned tlps,
			 uint64_t t_ready)
{
	uint64_t start = t_ready > l->busy[dir] ? t_ready : l->busy[dir];
	uint64_t end = start + pcie__link_ser_ps(l, bytes);

	l->busy[dir] = end;
	if (dir == PCIE_UP) {
		l->st.tlps_up += tlps;
		l->st.bytes_up += bytes;
	} else {
		l->st.tlps_down += tlps;
		l->st.bytes_down += bytes;
	}
	return end + l->cfg.latency_ps;
}

const struct pcie_link_cfg *pcie_link_config(const struct pcie_link *l)
{
	return &l->cfg;
}

const struct pcie_link_stats *pcie_link_stats(const struct pcie_link *l)
{
	return &l->st;
}
