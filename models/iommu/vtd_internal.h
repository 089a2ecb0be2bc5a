/* SPDX-License-Identifier: MIT */
/* Inside the VT-d model only. */
#ifndef PTSIM_VTD_INTERNAL_H
#define PTSIM_VTD_INTERNAL_H

#include "models/iommu/vtd.h"
#include "models/iommu/vtd_regs.h"
#include "sim/regs.h"

struct sim_event;
struct sim_rng;

enum vtd_pending_kind {
	VTD_P_GSTS,       /* arg: new persistent GSTS bits */
	VTD_P_LATCH_RTA,  /* latch RTADDR, set RTPS */
	VTD_P_LATCH_IRTA, /* latch IRTA, set IRTPS */
	VTD_P_LATCH_FLOG, /* latch AFLOG, set FLS */
	VTD_P_WBF,        /* write buffer flushed: clear WBFS */
	VTD_P_CCMD,       /* arg: CCMD value */
	VTD_P_IOTLB,      /* arg: IOTLB register value (IVA read at completion) */
};

struct vtd_pending {
	uint64_t t;
	enum vtd_pending_kind kind;
	uint64_t arg;
};

#define VTD_MAX_PENDING 16

/* ---- a small tagged cache (context, PASID, paging-structure and interrupt entry caches) ---- */

struct vtd_centry {
	uint64_t k0, k1;     /* identity */
	uint64_t d[4];       /* cached entry */
	uint64_t stamp;      /* LRU */
	uint64_t base, span; /* paging-structure caches: the input range the entry covers */
	uint32_t pasid;
	uint16_t did, sid;
	bool valid;
};

struct vtd_cache {
	unsigned entries, ways, sets;
	struct vtd_centry *e;
	uint64_t clock;
	struct vtd_cache_stats st;
};

typedef bool (*vtd_cache_match)(const struct vtd_centry *e, const void *arg);

int vtd__cache_init(struct vtd_cache *c, unsigned entries, unsigned ways);
void vtd__cache_free(struct vtd_cache *c);
/* A hit, or NULL (counted; a cache with no entries counts nothing). */
struct vtd_centry *vtd__cache_lookup(struct vtd_cache *c, uint64_t k0, uint64_t k1);
/* The slot for (k0, k1): the entry itself if present, else a free or LRU victim. NULL for a
 * cache with no entries. The caller fills d[], did, pasid... */
struct vtd_centry *vtd__cache_insert(struct vtd_cache *c, uint64_t k0, uint64_t k1);
/* One invalidation: drop every entry match() selects (all when match is NULL). */
void vtd__cache_flush(struct vtd_cache *c, vtd_cache_match match, const void *arg);

/* Paging-structure cache keys: which walk, which level. */
enum { VTD_PSC_SL = 1, VTD_PSC_FL = 2 };

/* Register fields the unit derives from its configuration's knobs (vtd.c: derive). */
struct vtd_hw {
	unsigned nd;         /* CAP.ND */
	unsigned sagaw, mgaw, sllps;
	bool fl, sl, nested; /* ECAP.FLTS, SLTS, NEST */
	bool fl_1g, fl_5level;
	unsigned pasid_bits; /* ECAP.PASID with PSS + 1; 0: none */
};

struct vtd {
	struct vtd_cfg cfg;
	struct vtd_hw hw;
	struct mem *mem;
	struct regs r;
	uint64_t cap, ecap;
	/* latched state */
	uint64_t rta;  /* RTADDR as latched by SRTP */
	uint64_t irta; /* IRTA as latched by SIRTP */
	uint64_t flog; /* AFLOG as latched by SFL */
	unsigned frcd_next; /* internal fault recording index (§7.3.1), not FSTS.FRI */
	unsigned flog_next; /* advanced fault log index */
	struct vtd_pending pending[VTD_MAX_PENDING];
	unsigned npending;
	/* caches */
	struct iotlb *iotlb;
	struct sim_rng *rng;
	struct vtd_cache ctx, pasid, iec;
	struct vtd_cache psc[VTD_PSC_LEVELS];
	struct vtd_cache_stats psc_total;
	uint64_t *walker_busy; /* when each walker is free (cfg.walkers of them) */
	/* invalidation queue engine */
	struct sim_event *qi_wake;
	bool qi_started;
	struct vtd_hooks hooks;
	vtd_xlate_observer_fn observer;
	void *observer_ctx;
	struct vtd_stats st;
	int track; /* trace track (0 until first used) */
};

/* vtd.c */
void vtd__sync(struct vtd *v, uint64_t t);
uint32_t vtd__gsts(const struct vtd *v);
bool vtd__scalable(const struct vtd *v);

/* A fault to record (§7.3): what the FRCD (or the advanced fault log) gets. */
struct vtd_fault {
	uint16_t sid;
	uint64_t fi;      /* page address, or for interrupt requests the index in 63:48 */
	uint8_t reason;
	bool read;        /* T1 */
	bool t2;          /* with read: atomic; without: page request */
	bool pasid_present;
	uint32_t pasid;
	bool priv;
	enum vtd_at at;
	bool fpd;         /* fault processing disabled: counted, not recorded */
};
void vtd__record_fault(struct vtd *v, const struct vtd_fault *f, uint64_t t);
/* Set FSTS status bits that are interrupt conditions (IQE, ICE, ITE) and raise the fault
 * event when none was set before (§11.4.9.2). */
void vtd__fault_status(struct vtd *v, uint32_t bits, uint64_t t);
void vtd__raise_event(struct vtd *v, uint32_t ctl_reg, uint32_t data_reg, uint32_t addr_reg,
		      uint64_t t);

/* Invalidations (§6.5), shared by the registers and the queue. */
void vtd__ctx_flush(struct vtd *v, int gran, uint16_t did, uint16_t sid, unsigned fm);
void vtd__iotlb_flush(struct vtd *v, int gran, uint16_t did, uint64_t addr, unsigned am, bool ih);
void vtd__piotlb_flush(struct vtd *v, int gran, uint16_t did, uint32_t pasid, uint64_t addr,
		       unsigned am, bool ih);
void vtd__pasid_cache_flush(struct vtd *v, int gran, uint16_t did, uint32_t pasid);
void vtd__iec_flush(struct vtd *v, bool global, uint32_t index, unsigned im);

/* vtd_qi.c */
int vtd__qi_start(struct vtd *v);
void vtd__qi_kick(struct vtd *v);

#endif
