/* SPDX-License-Identifier: MIT */
/*
 * One VT-d remapping hardware unit (DRHD): its register set, DMA remapping (context cache,
 * IOTLB, second-level page walk over tables in simulated memory, fault recording), queued
 * invalidation, and interrupt remapping (IRTEs in memory, interrupt entry cache, remapped and
 * posted formats). Host software drives it only through its registers and memory.
 */
#ifndef PTSIM_VTD_H
#define PTSIM_VTD_H

#include <stdbool.h>
#include <stdint.h>

#include "models/iommu/iotlb.h"

struct mem;
struct vtd;
struct pcie_irq;

struct vtd_cfg {
	char name[32];
	uint64_t reg_base;      /* register set's physical address */
	unsigned nd;            /* CAP.ND: 2^(4+2*nd) domains */
	unsigned sagaw;         /* CAP.SAGAW: bit1 3-level, bit2 4-level, bit3 5-level */
	unsigned mgaw;          /* maximum guest address width, bits */
	bool sp_2m, sp_1g;      /* second-level large pages (CAP.SLLPS) */
	bool caching_mode;      /* CAP.CM */
	bool posted_interrupts; /* CAP.PI */
	bool qi, ir, eim, pt;   /* ECAP.QI, IR, EIM, PT */
	bool coherent;          /* ECAP.C: page walks snoop the CPU caches */
	unsigned nfr;           /* fault recording registers */
	struct iotlb_cfg iotlb;
	unsigned ctx_entries;   /* context-cache entries (fully associative, LRU) */
	unsigned iec_entries;   /* interrupt entry cache entries */
	uint64_t iotlb_hit_ps;  /* translation time on an IOTLB hit */
	uint64_t ctx_hit_ps;    /* context-cache hit */
	uint64_t walk_step_ps;  /* walker's own time per paging-structure access, beyond memory */
	bool walk_in_llc;       /* paging-structure reads hit the LLC instead of DRAM */
	uint64_t cmd_ps;        /* a GCMD/CCMD/IOTLB register command's completion time */
	uint64_t qi_desc_ps;    /* fetching and executing one invalidation descriptor */
	uint64_t reg_access_ps; /* CPU round trip to a register */
	uint64_t ir_ps;         /* interrupt remapping time on an interrupt-entry-cache hit */
};

struct vtd_stats {
	uint64_t translations, passthrough, untranslated;
	uint64_t ctx_lookups, ctx_hits, ctx_misses;
	uint64_t walks, walk_mem_reads;
	uint64_t faults, faults_unrecorded, fault_overflows, fault_events;
	uint64_t faults_by_reason[0x30];
	uint64_t ir_requests, ir_remapped, ir_posted, ir_compat, ir_blocked;
	uint64_t iec_lookups, iec_hits, iec_misses;
	uint64_t pi_notifications, pi_suppressed;
	uint64_t qi_descs, qi_waits, qi_errors;
	uint64_t inv_ctx, inv_iotlb_global, inv_iotlb_domain, inv_iotlb_page, inv_iec, inv_devtlb;
	uint64_t reg_inv_ctx, reg_inv_iotlb;
	uint64_t xlate_ps; /* total translation time handed out */
};

/* Where the unit's own interrupts (fault events, invalidation completion, posted
 * notifications) go: an interrupt message to the APIC bus (not remapped, §5.1.6). */
struct vtd_hooks {
	void (*deliver)(void *ctx, uint32_t dest, uint8_t vector, bool level, uint64_t t);
	void *ctx;
};

int vtd_create(const struct vtd_cfg *cfg, struct mem *mem, struct vtd **out);
void vtd_destroy(struct vtd *v);
void vtd_set_hooks(struct vtd *v, const struct vtd_hooks *hooks);
/* Start the invalidation-queue engine (an actor). Call before the run. */
int vtd_start(struct vtd *v);

/* Register access (pcie_mmio_ops). */
uint64_t vtd_reg_read(void *v, uint64_t off, unsigned size, uint64_t t);
void vtd_reg_write(void *v, uint64_t off, unsigned size, uint64_t val, uint64_t t);

/* DMA remapping of one request (not crossing 4 KiB) at time t. */
struct vtd_xlate {
	uint64_t hpa;
	uint64_t lat_ps;
	unsigned page_shift;
	bool ok;
	uint8_t fault_reason; /* when !ok */
	bool iotlb_hit;
};
void vtd_translate(struct vtd *v, uint16_t sid, uint64_t iova, bool write, uint64_t t,
		   struct vtd_xlate *out);

/* Interrupt remapping of an MSI write from sid arriving at t: fills irq (deliver time,
 * commit action that delivers or posts). */
void vtd_remap_msi(struct vtd *v, uint16_t sid, uint64_t addr, uint32_t data, uint64_t t,
		   struct pcie_irq *irq);

const struct vtd_stats *vtd_stats(const struct vtd *v);
const struct iotlb *vtd_iotlb(const struct vtd *v);
const struct vtd_cfg *vtd_config(const struct vtd *v);
/* The CAP and ECAP values the configuration produces. */
uint64_t vtd_cap(const struct vtd *v);
uint64_t vtd_ecap(const struct vtd *v);
/* Translation and interrupt remapping as currently enabled (GSTS.TES / IRES). */
bool vtd_translation_enabled(struct vtd *v, uint64_t t);

#endif
