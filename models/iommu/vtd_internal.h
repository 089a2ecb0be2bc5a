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
	VTD_P_GSTS,      /* arg: new GSTS value */
	VTD_P_LATCH_RTA, /* latch RTADDR, set RTPS */
	VTD_P_LATCH_IRTA,
	VTD_P_CCMD,      /* arg: CCMD value */
	VTD_P_IOTLB,     /* arg: IOTLB register value (IVA read at completion) */
};

struct vtd_pending {
	uint64_t t;
	enum vtd_pending_kind kind;
	uint64_t arg;
};

#define VTD_MAX_PENDING 16

struct ctx_entry {
	uint64_t lo, hi, stamp;
	uint16_t sid;
	bool valid;
};

struct iec_entry {
	uint64_t lo, hi, stamp;
	uint32_t index;
	bool valid;
};

struct vtd {
	struct vtd_cfg cfg;
	struct mem *mem;
	struct regs r;
	uint64_t cap, ecap;
	/* latched state */
	uint64_t rta;  /* RTADDR as latched by SRTP */
	uint64_t irta; /* IRTA as latched by SIRTP */
	unsigned frcd_next; /* internal fault recording index (§7.3.1), not FSTS.FRI */
	struct vtd_pending pending[VTD_MAX_PENDING];
	unsigned npending;
	/* caches */
	struct iotlb *iotlb;
	struct sim_rng *rng;
	struct ctx_entry *ctx;
	struct iec_entry *iec;
	uint64_t clock;
	/* invalidation queue engine */
	struct sim_event *qi_wake;
	bool qi_started;
	struct vtd_hooks hooks;
	struct vtd_stats st;
	int track; /* trace track (0 until first used) */
};

/* vtd.c */
void vtd__sync(struct vtd *v, uint64_t t);
uint32_t vtd__gsts(const struct vtd *v);
void vtd__record_fault(struct vtd *v, uint16_t sid, uint64_t fi, uint8_t reason, bool is_read,
		       bool fpd, uint64_t t);
void vtd__raise_event(struct vtd *v, uint32_t ctl_reg, uint32_t data_reg, uint32_t addr_reg,
		      uint64_t t);
void vtd__ctx_flush(struct vtd *v, int gran, uint16_t did, uint16_t sid, unsigned fm);
void vtd__iec_flush(struct vtd *v, bool global, uint32_t index, unsigned im);

/* vtd_qi.c */
int vtd__qi_start(struct vtd *v);
void vtd__qi_kick(struct vtd *v);

#endif
