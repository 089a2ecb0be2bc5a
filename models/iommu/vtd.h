/* SPDX-License-Identifier: MIT */
/*
 * One VT-d remapping hardware unit (DRHD), Intel VT-d Architecture Specification rev. 3.x:
 * its register set (§11.4), DMA remapping in legacy and scalable mode (ch. 3: root, context,
 * PASID directory and table entries, first-level, second-level and nested translation) with
 * its caches (ch. 6: context cache, PASID cache, IOTLB, paging-structure caches), register-
 * based and queued invalidation (§6.5), fault recording and fault events (ch. 7), ATS
 * translation requests and device-TLB invalidation (ch. 4), and interrupt remapping (ch. 5:
 * IRTEs in memory, interrupt entry cache, remapped and posted formats). Host software drives
 * it only through its registers and memory.
 */
#ifndef PTSIM_VTD_H
#define PTSIM_VTD_H

#include <stdbool.h>
#include <stdint.h>

#include "models/iommu/iotlb.h"

struct cfg_schema;
struct mem;
struct vtd;
struct pcie_irq;

/* Paging-structure cache levels: entries read at level 2 (PDE) up to 5 (PML5E). */
#define VTD_PSC_LEVELS 6

/*
 * A unit's configuration. What machine.iommu sets is declared in vtd_cfg.c (name, reg_base,
 * coherent and the two "0: derived" register details are the platform's or a test's); where a
 * knob's meaning differs from a register field the knob is held and the unit derives the field
 * (vtd.c): domains -> CAP.ND, address_width -> CAP.MGAW and SAGAW, superpages -> CAP.SLLPS,
 * and first_level, second_level, nested, fl_1g and pasid_bits count only in scalable mode.
 */
struct vtd_cfg {
	char name[32];
	uint64_t reg_base;      /* register set's physical address */
	unsigned domains;       /* domain IDs: 16, 64, 256 ... 65536 (CAP.ND = log4 - 2) */
	unsigned address_width; /* widest second-level table, 39, 48 or 57 bits (CAP.MGAW) */
	unsigned sagaw;         /* CAP.SAGAW; 0: every depth from 3-level up to address_width */
	bool superpages;        /* 2 MiB and 1 GiB second-level pages (CAP.SLLPS) */
	unsigned sllps;         /* CAP.SLLPS (bit 0 2 MiB, bit 1 1 GiB); 0: from superpages */
	bool caching_mode;      /* CAP.CM: not-present and faulting entries may be cached */
	bool posted_interrupts; /* CAP.PI */
	bool qi, ir, eim, pt;   /* ECAP.QI, IR, EIM, PT */
	bool coherent;          /* ECAP.C: page walks snoop the CPU caches */
	bool rwbf;              /* CAP.RWBF: software must flush the write buffer (GCMD.WBF) */
	bool afl;               /* CAP.AFL: advanced fault logging (AFLOG, GCMD.SFL/EAFL) */
	bool snoop_control;     /* ECAP.SC */
	bool device_tlb;        /* ECAP.DT: ATS translation requests, device-TLB invalidation */
	bool scalable;          /* ECAP.SMTS: scalable-mode tables (RTADDR.TTM = 01b) */
	bool first_level;       /* in scalable mode: ECAP.FLTS */
	bool second_level;      /* in scalable mode: ECAP.SLTS */
	bool nested;            /* in scalable mode with both levels: ECAP.NEST */
	bool fl_1g;             /* with first level: CAP.FL1GP, 1 GiB first-level pages */
	bool fl_5level;         /* with first level: CAP.FL5LP, 5-level first-level paging */
	unsigned pasid_bits;    /* in scalable mode: ECAP.PASID, PSS = bits - 1 (1..20); 0: none */
	unsigned nfr;           /* fault recording registers */
	struct iotlb_cfg iotlb;
	unsigned ctx_entries;   /* context-cache entries (fully associative, LRU) */
	unsigned pasid_cache_entries; /* PASID-cache entries (scalable mode) */
	unsigned iec_entries;   /* interrupt entry cache entries */
	unsigned psc_entries[VTD_PSC_LEVELS]; /* [2..5]: paging-structure cache per level */
	unsigned walkers;       /* page walks in flight at once (0: unbounded) */
	uint64_t iotlb_hit_ps;  /* translation time on an IOTLB hit */
	uint64_t ctx_hit_ps;    /* context-cache hit */
	uint64_t walk_step_ps;  /* walker's own time per paging-structure access, beyond memory */
	bool walk_in_llc;       /* paging-structure reads hit the LLC instead of DRAM */
	uint64_t cmd_ps;        /* a GCMD/CCMD/IOTLB register command's completion time */
	uint64_t qi_desc_ps;    /* fetching and executing one invalidation descriptor */
	uint64_t reg_access_ps; /* CPU round trip to a register */
	uint64_t ir_ps;         /* interrupt remapping time on an interrupt-entry-cache hit */
	uint64_t devtlb_timeout_ps; /* no device-TLB invalidation completion by then: ITE */
};
/* The knobs of a unit (machine.iommu, with the platform's own), and of its IOTLB: vtd_cfg.c. */
extern const struct cfg_schema vtd_cfg_schema;
extern const struct cfg_schema iotlb_cfg_schema;

/* Counters of one cache. */
struct vtd_cache_stats {
	uint64_t lookups, hits, misses, inserts, evictions, invalidations, inval_entries;
};

enum vtd_cache_id {
	VTD_CACHE_CONTEXT, /* context cache (legacy and scalable-mode context entries) */
	VTD_CACHE_PASID,   /* PASID cache (PASID-table entries) */
	VTD_CACHE_IEC,     /* interrupt entry cache */
	VTD_CACHE_PSC,     /* paging-structure caches, all levels together */
	VTD_CACHE_N,
};

struct vtd_stats {
	uint64_t translations, passthrough, untranslated;
	uint64_t ctx_lookups, ctx_hits, ctx_misses;
	uint64_t walks, walk_mem_reads, walk_mem_writes; /* writes: first-level A/D updates */
	uint64_t walks_queued, walk_queue_ps;            /* misses that waited for a walker */
	uint64_t faults, faults_unrecorded, fault_overflows, fault_events;
	uint64_t faults_by_reason[256];
	uint64_t ir_requests, ir_remapped, ir_posted, ir_compat, ir_blocked;
	uint64_t iec_lookups, iec_hits, iec_misses;
	uint64_t pi_notifications, pi_suppressed;
	uint64_t qi_descs, qi_waits, qi_errors;
	uint64_t inv_ctx, inv_iotlb_global, inv_iotlb_domain, inv_iotlb_page, inv_iec, inv_devtlb;
	uint64_t inv_pasid_cache, inv_piotlb;
	uint64_t devtlb_timeouts;
	uint64_t reg_inv_ctx, reg_inv_iotlb;
	uint64_t wbf, ats_requests, translated_requests;
	uint64_t xlate_ps; /* total translation time handed out */
};
/* The metric tables of struct vtd_stats and struct vtd_cache_stats (sim/metrics.h). */
struct metric_table;
extern const struct metric_table vtd_metrics, vtd_cache_metrics;

/* A posted interrupt, as the unit carried it out (VT-d §9.12): PIR bit `vector` set in the
 * descriptor at `pda`; when `notified`, the notification vector `nv` went to `ndst`. */
struct vtd_posted {
	uint64_t pda;
	uint32_t index; /* IRTE */
	uint16_t sid;
	uint8_t vector;
	bool urgent;
	bool notified;
	uint32_t ndst; /* APIC ID as delivered (xAPIC: NDST[15:8]) */
	uint8_t nv;
	uint64_t t;
};

/* Where the unit's messages go. The unit's own interrupts (fault events, invalidation
 * completion, posted notifications) are interrupt messages to the APIC bus (not remapped,
 * §5.1.6). Device-TLB invalidations travel to the endpoint as ATS invalidate requests. */
struct vtd_hooks {
	/* An interrupt message to APIC ID dest (fault event, invalidation completion, a remapped
	 * or compatibility-format interrupt, or a posted interrupt's notification vector). */
	void (*deliver)(void *ctx, uint32_t dest, uint8_t vector, bool level, uint64_t t);
	void *ctx; /* second, so a positional {deliver, ctx} initializer still works */
	/* Optional: told after each posted interrupt (the APIC side's view, for accounting). */
	void (*posted)(void *ctx, const struct vtd_posted *p);
	/* Optional: an ATS invalidate request for [addr, addr+size) (size 0: everything) of
	 * endpoint sid, sent at t. True with *t_done when its completion is back; false if none
	 * will come (no such function, ATS off): the unit times out (FSTS.ITE). */
	bool (*devtlb_invalidate)(void *ctx, uint16_t sid, bool pasid_present, uint32_t pasid,
				  uint64_t addr, uint64_t size, uint64_t t, uint64_t *t_done);
};

int vtd_create(const struct vtd_cfg *cfg, struct mem *mem, struct vtd **out);
void vtd_destroy(struct vtd *v);
void vtd_set_hooks(struct vtd *v, const struct vtd_hooks *hooks);
/* Measurement, not hardware (the experiment's bookkeeping, as pcie_fn_set_owner is): told of
 * every request's outcome -- its requester ID, address, the translation (whether the unit
 * translated it, IOTLB hit or miss, its time) -- at the time it reached the unit. */
struct vtd_xlate;
typedef void (*vtd_xlate_observer_fn)(void *ctx, uint16_t sid, uint64_t addr,
				      const struct vtd_xlate *x, uint64_t t);
void vtd_set_xlate_observer(struct vtd *v, vtd_xlate_observer_fn fn, void *ctx);
/* Start the invalidation-queue engine (an actor). Call before the run. */
int vtd_start(struct vtd *v);

/* Register access (pcie_mmio_ops). */
uint64_t vtd_reg_read(void *v, uint64_t off, unsigned size, uint64_t t);
void vtd_reg_write(void *v, uint64_t off, unsigned size, uint64_t val, uint64_t t);

/* Address type of a request (PCIe AT field, VT-d ch. 4). */
enum vtd_at {
	VTD_AT_UNTRANSLATED = 0,
	VTD_AT_TRANSLATION = 1, /* an ATS translation request */
	VTD_AT_TRANSLATED = 2,  /* the address was translated by the device's ATC */
};

/* One DMA request (or translation request) reaching the unit. */
struct vtd_req {
	uint16_t sid;
	uint64_t addr;
	bool write;
	enum vtd_at at;
	bool pasid_present;
	uint32_t pasid;
	bool priv; /* supervisor-privileged request (requests with PASID) */
};

/* Its outcome. */
struct vtd_xlate {
	uint64_t hpa;
	uint64_t lat_ps;
	unsigned page_shift;
	bool ok;              /* false: blocked (untranslated/translated) or UR (translation) */
	uint8_t fault_reason; /* when !ok */
	bool iotlb_hit;
	bool iotlb_miss;      /* looked up in the IOTLB and missed (a walk followed) */
	unsigned perm;        /* IOTLB_PERM_*: rights granted (translation requests: 0 = none) */
	unsigned mem_reads;   /* paging-structure and table entries read from memory */
};

/* Translate one request (not crossing 4 KiB) at time t. */
void vtd_translate_req(struct vtd *v, const struct vtd_req *req, uint64_t t,
		       struct vtd_xlate *out);
/* The same for an untranslated request without PASID. */
void vtd_translate(struct vtd *v, uint16_t sid, uint64_t iova, bool write, uint64_t t,
		   struct vtd_xlate *out);

/* Interrupt remapping of an MSI write from sid arriving at t: fills irq (deliver time,
 * commit action that delivers or posts). */
void vtd_remap_msi(struct vtd *v, uint16_t sid, uint64_t addr, uint32_t data, uint64_t t,
		   struct pcie_irq *irq);

const struct vtd_stats *vtd_stats(const struct vtd *v);
const struct iotlb *vtd_iotlb(const struct vtd *v);
/* A cache's counters (VTD_CACHE_PSC: the levels summed as of this call). */
const struct vtd_cache_stats *vtd_cache_stats(const struct vtd *v, enum vtd_cache_id id);
/* One level's paging-structure cache (2..5), or NULL when it has no entries. */
const struct vtd_cache_stats *vtd_psc_stats(const struct vtd *v, unsigned level);
const struct vtd_cfg *vtd_config(const struct vtd *v);
/* The CAP and ECAP values the configuration produces. */
uint64_t vtd_cap(const struct vtd *v);
uint64_t vtd_ecap(const struct vtd *v);
/* Translation and interrupt remapping as currently enabled (GSTS.TES / IRES). */
bool vtd_translation_enabled(struct vtd *v, uint64_t t);

#endif
