/* SPDX-License-Identifier: MIT */
/* Inside the pcie module only. */
#ifndef PTSIM_PCIE_INTERNAL_H
#define PTSIM_PCIE_INTERNAL_H

#include "models/pcie/pcie.h"
#include "models/pcie/pcie_regs.h"
#include "sim/regs.h"

#define PCIE_MAX_CHILDREN 256

struct pcie_link {
	struct pcie_link_cfg cfg;
	double ps_per_byte;
	uint64_t busy[2]; /* [0] upstream, [1] downstream: when the transmitter is free */
	struct pcie_link_stats st;
};

enum { PCIE_UP = 0, PCIE_DOWN = 1 };

struct pcie_fn {
	char name[32];
	enum pcie_fn_type type;
	struct pcie_fabric *fab;
	struct regs cfg;
	uint8_t devfn;
	bool attached;
	struct pcie_fn *parent;     /* bridge above, NULL on the root bus */
	struct pcie_fn **children;  /* bridges: what sits on the secondary bus */
	size_t nchildren;
	struct pcie_link *link;     /* link to the parent's port, NULL if integrated */
	const struct pcie_fn_ops *ops;
	void *ctx;
	uint8_t cap_next_std;       /* where the next standard capability goes */
	uint8_t last_cap;           /* offset of the last standard capability (0: none) */
	uint64_t bar_size[6];
	bool bar_is64[6];
	bool intx_level;    /* what the device drives */
	bool intx_routed;   /* what the root complex has been told */
	uint16_t ext_next;          /* where the next extended capability goes (0: none yet) */
	uint16_t last_ext;          /* offset of the last extended capability */
	struct pcie_atc *atc;       /* ATS: the device's address translation cache */
};

/* ats.c: the ATC of an endpoint with ATS (PCIe 5.0 ch. 10). */
struct pcie_atc;
void pcie__atc_free(struct pcie_atc *atc);
/* Translate a chunk through the function's ATC (translation request on a miss): returns the
 * time the chunk's request may go, with *taddr / *translated set when it goes translated. */
uint64_t pcie__ats_chunk(struct pcie_fn *fn, uint64_t addr, bool write, uint64_t t,
			 uint64_t *taddr, bool *translated);

struct mmio_range {
	uint64_t base, size;
	const struct pcie_mmio_ops *ops;
	void *ctx;
};

struct pcie_fabric {
	struct pcie_fabric_cfg cfg;
	struct mem *mem;
	struct pcie_fn **fns; /* every function, in creation order */
	size_t nfns, cap_fns;
	struct pcie_fn *root[PCIE_MAX_CHILDREN]; /* root bus, by devfn */
	struct mmio_range *ranges;
	size_t nranges;
	struct pcie_rc_hooks hooks;
	struct pcie_stats st;
	int track; /* trace track of the root complex (0: not yet made) */
};

/* link.c */
int pcie__link_create(const struct pcie_link_cfg *cfg, struct pcie_link **out);
/* Send `bytes` on the wire in direction dir, ready at t; returns when the last byte has
 * reached the far end. *t_first (optional) gets when the first TLP of `first_bytes` arrives. */
uint64_t pcie__link_send(struct pcie_link *l, int dir, uint64_t bytes, unsigned tlps,
			 uint64_t t_ready);
uint64_t pcie__link_ser_ps(const struct pcie_link *l, uint64_t bytes);

/* Wire overhead of one TLP: framing + sequence number + LCRC (8 B) + header. */
static inline unsigned pcie__tlp_overhead(bool addr64, bool completion)
{
	return 8u + (completion ? 12u : (addr64 ? 16u : 12u));
}

/* fabric.c */
uint8_t pcie__fn_bus(const struct pcie_fn *fn);
/* The function whose BAR claims pa, with the BAR and offset, or NULL. */
struct pcie_fn *pcie__decode_mem(struct pcie_fabric *fab, uint64_t pa, int *bar, uint64_t *off);
/* Sum of one-way latency and serialization of a small TLP from the RC down to fn (and back). */
uint64_t pcie__path_small_tlp(struct pcie_fn *fn, unsigned req_bytes, unsigned cpl_bytes,
			      uint64_t t);

#endif
