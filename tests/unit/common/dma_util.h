/* SPDX-License-Identifier: MIT */
/* Test helper: one small DMA write by a function, run to its completion time. */
#ifndef PTSIM_TESTS_DMA_UTIL_H
#define PTSIM_TESTS_DMA_UTIL_H

#include "models/pcie/pcie.h"
#include "sim/engine.h"

/* A 64-byte write to addr issued now by fn; returns once it has completed (d holds how). */
static inline void dma_write(struct pcie_fn *fn, uint64_t addr, struct pcie_dma *d)
{
	*d = (struct pcie_dma){.addr = addr, .len = 64, .write = true, .t_issue = sim_now()};
	pcie_dma_submit(fn, d);
	sim_sleep_until(d->t_done > sim_now() ? d->t_done : sim_now() + 1000);
}

#endif
