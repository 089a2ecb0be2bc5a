/* SPDX-License-Identifier: MIT */
/* Inside the pcie module only. */
#ifndef PTSIM_PCIE_INTERNAL_H
#define PTSIM_PCIE_INTERNAL_H

#include "models/pcie/pcie.h"
#include "models/pcie/pcie_regs.h"
#include "sim/regs.h"

#define PCIE_MAX_CHILDREN 256
#define PCIE_MAX_HOPS     16

struct pcie_link {
	struct pcie_link_cfg cfg;
	double ps_per_byte;  /* at the TLP layer */
	unsigned framing;    /* bytes per TLP beyond its header */
	bool hdr_free;       /* a conventional bus: no TLP header, only bus phases */
	bool conventional;
	uint64_t busy[2];    /* [0] upstream, [1] downstream: when the transmitter is free */
	struct pcie_link_stats st;
};

enum { PCIE_UP = 0, PCIE_DOWN = 1 };

/* One link on a path, with the latency of the element at its upper end (a switch, a
 * PCIe-to-PCI bridge; 0 for a root port, whose latency is the root complex's). */
struct pcie_hop {
	struct pcie_link *link;
	uint64_t node_ps;
};

/* A burst of TLPs of one kind: their payload in all, in the first and the last. */
struct pcie_tlps {
	uint64_t payload;
	uint32_t first_payload, last_payload;
	unsigned ntlp;
	unsigned hdr; /* header bytes per TLP */
};

struct pcie_fn {
	char name[48];
	enum pcie_fn_type type;
	struct pcie_fabric *fab;
	struct regs cfg;
	uint8_t devfn;
	bool attached;
	bool conventional;          /* a PCI (not PCIe) function */
	struct pcie_fn *parent;     /* bridge above, NULL on the root bus */
	struct pcie_fn **children;  /* bridges: what sits on the secondary bus, by devfn */
	struct pcie_fn **kids;      /* the same, in attach order */
	size_t nchildren;
	struct pcie_link *link;     /* root/downstream port: its link; PCI bridge: its PCI bus */
	uint64_t fwd_ps;            /* switch upstream port, PCI bridge: latency through it */
	const struct pcie_fn_ops *ops;
	void *ctx;
	uint8_t cap_next_std;       /* where the next standard capability goes */
	uint8_t last_cap;           /* offset of the last standard capability (0: none) */
	uint16_t ext_next, last_ext; /* the same for extended capabilities */
	uint64_t bar_size[6];
	bool bar_is64[6], bar_io[6];
	bool intx_level;    /* what the device drives */
	bool intx_routed;   /* what the root complex has been told */
	struct pcie_atc *atc;       /* ATS: the device's address translation cache */
	struct pcie_iommu iommu;    /* the IOMMU in front of its requests (when resolved) */
	bool iommu_resolved;
	unsigned owner;             /* memory owner of whoever it is assigned to (0: none) */
	/* SR-IOV: a PF's VFs, a VF's PF and index (1-based) */
	struct pcie_fn **vfs;
	unsigned total_vfs;
	struct pcie_fn *pf;
	unsigned vf_index;
	unsigned vfs_live;          /* a PF: VFs enabled (VF Enable, NumVFs) */
	unsigned sriov;             /* offset of the PF's SR-IOV capability */
	uint64_t vf_bar_size[6];
	bool vf_bar_is64[6];
	/* the path up to the root complex, computed once the topology is built */
	bool path_known;
	unsigned npath;
	struct pcie_hop path[PCIE_MAX_HOPS];
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
	struct pcie_fn *rootkids[PCIE_MAX_CHILDREN];
	size_t nroot;
	struct mmio_range *ranges;
	size_t nranges;
	struct pcie_rc_hooks hooks;
	void (*iommu_find)(void *opaque, const struct pcie_fn *fn, struct pcie_iommu *out);
	void *iommu_opaque;
	struct pcie_stats st;
	int track; /* trace track of the root complex (0: not yet made) */
};

/* link.c */
int pcie__link_create(const struct pcie_link_cfg *cfg, struct pcie_link **out);
int pcie__link_create_pci(unsigned mhz, unsigned bits, uint64_t latency_ps, struct pcie_link **out);
uint64_t pcie__link_ser_ps(const struct pcie_link *l, uint64_t bytes);
/* Send a burst over hops (nearest the function first) in direction dir, ready at t: when its
 * first TLP and its last byte reach the far end. Reserves each link's transmitter. */
void pcie__path_send(struct pcie_hop *hops, unsigned n, int dir, const struct pcie_tlps *b,
		     uint64_t t, uint64_t *t_first, uint64_t *t_last);

/* A burst of `len` bytes split into TLPs of at most `max` bytes, the first ending at a `max`
 * boundary of addr when `aligned` (completions at the RCB) or simply every `max` bytes. */
static inline void pcie__burst(struct pcie_tlps *b, uint64_t len, unsigned max, unsigned hdr)
{
	b->payload = len;
	b->ntlp = len ? (unsigned)((len + max - 1) / max) : 1;
	b->first_payload = (uint32_t)(len < max ? len : max);
	b->last_payload = (uint32_t)(len - (uint64_t)(b->ntlp - 1) * max);
	if (!len)
		b->last_payload = 0;
	b->hdr = hdr;
}

/* fabric.c */
uint8_t pcie__fn_bus(const struct pcie_fn *fn);
/* The IOMMU in front of fn's requests (ops NULL: none), decided on first use. */
static inline const struct pcie_iommu *pcie__iommu(struct pcie_fn *fn)
{
	if (!fn->iommu_resolved) {
		if (fn->fab->iommu_find)
			fn->fab->iommu_find(fn->fab->iommu_opaque, fn, &fn->iommu);
		fn->iommu_resolved = true;
	}
	return &fn->iommu;
}
/* The function whose BAR claims pa, with the BAR and offset, or NULL. */
struct pcie_fn *pcie__decode_mem(struct pcie_fabric *fab, uint64_t pa, int *bar, uint64_t *off);
/* The same, within the subtree of bridge br (its secondary bus and below). */
struct pcie_fn *pcie__decode_below(struct pcie_fn *br, uint64_t pa, int *bar, uint64_t *off);
/* Does fn (memory enabled) claim pa in one of its BARs? */
bool pcie__fn_claims(const struct pcie_fn *fn, uint64_t pa, int *bar, uint64_t *off);
/* Is pa inside bridge br's memory or prefetchable window? */
bool pcie__window_contains(const struct pcie_fn *br, uint64_t pa);
/* fn's path up to the root complex (computed on first use). */
const struct pcie_hop *pcie__fn_path(struct pcie_fn *fn, unsigned *n);
/* Time for a small request down to fn and, if cpl_bytes, its completion back up. */
uint64_t pcie__path_small_tlp(struct pcie_fn *fn, unsigned req_hdr, unsigned req_data,
			      unsigned cpl_hdr, unsigned cpl_data, uint64_t t);

/* cfgspace.c */
void pcie__cfg_init_header(struct pcie_fn *fn, bool bridge);
void pcie__cfg_set_link(struct pcie_fn *fn, const struct pcie_link_cfg *l, uint8_t port_number);
void pcie__cfg_update_ari_chain(struct pcie_fn *const *kids, size_t n);
/* A config write landed; apply side effects kept in config space (SR-IOV VF Enable). */
void pcie__cfg_written(struct pcie_fn *fn, uint32_t off, unsigned size);
void pcie__cfg_after_reset(struct pcie_fn *fn);
uint16_t pcie__acs_ctrl(const struct pcie_fn *fn, uint16_t *cap);

#endif
