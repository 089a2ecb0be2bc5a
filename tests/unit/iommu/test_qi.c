/* SPDX-License-Identifier: MIT */
/*
 * Invalidation (VT-d 3.x §6.5): queued invalidation with the engine running (an actor), and
 * register-based invalidation. Each descriptor flushes exactly what its granularity selects and
 * takes time; cached entries stay usable until then (§6.1: the model must not be more
 * protective than hardware). Wait descriptors write their status and raise the completion
 * event; device-TLB invalidations complete when the endpoint answers, or time out (ITE); an
 * invalid descriptor stops the queue (IQE with its IQERCD reason), and a fault while IQE is
 * set is no new fault event (§11.4.9).
 *
 * One simulation per process: an actor runs every scenario and records; the tests assert
 * after the run.
 */
#include "vtd_fixture.h"

#include "models/pcie/pcie.h"
#include "sim/engine.h"
#include "sim/simtime.h"

#define SID	0x0308
#define SID2	0x0310
#define IQ	0x3000000ull /* invalidation queue (two pages) */
#define STAT	0x3100000ull /* status words */
#define DESC_PS 100000ull    /* fx_cfg: qi_desc_ps */

static struct fx *leg, *sm, *dt, *reg;

static struct {
	bool ran;
	/* stale until invalidated */
	bool stale_hit_before, gone_after;
	uint64_t t_submit, t_status;
	/* granularities */
	bool page_in_range_gone, page_outside_kept, domain_other_kept, domain_gone, global_gone;
	unsigned ctx_misses_global, ctx_misses_domain, ctx_misses_device;
	bool fm_flushed_sibling, fm0_kept_sibling;
	unsigned iec_misses_index, iec_misses_global;
	/* wait */
	uint32_t ics, iwc_events, iwc_events_second;
	/* errors */
	uint32_t iqe_fsts, iqe_iqer, fault_fsts, tail_iqer, width_iqer, ttm_iqer;
	unsigned events_at_iqe, events_after_fault, events_after_clear;
	uint64_t head_at_iqe, head_after_fix;
	bool resumed;
	/* device TLB */
	unsigned devtlb_calls;
	uint16_t devtlb_sid;
	uint64_t devtlb_addr, devtlb_size, t_devtlb_done, t_wait_done;
	bool lost_status_written;
	uint32_t ite_fsts;
	uint64_t ite_iqer, t_ite;
	/* scalable */
	bool fl_kept_by_iotlb_inv, fl_gone_by_piotlb, sl_gone_by_iotlb_inv, pc_gone, pc_other_kept;
	bool fl_psi_in_gone, fl_psi_out_kept;
	/* register-based */
	uint64_t ccmd_busy, ccmd_done, iotlb_busy, iotlb_done;
	bool reg_ctx_gone, reg_iotlb_gone;
	uint64_t iaig_refused;
} rec;

static void at_now(struct fx *f)
{
	f->t = sim_now();
}

static void w64(struct fx *f, uint32_t off, uint64_t v)
{
	at_now(f);
	fx_wr64(f, off, v);
}

static void w32(struct fx *f, uint32_t off, uint32_t v)
{
	at_now(f);
	fx_wr32(f, off, v);
}

static uint64_t r64(struct fx *f, uint32_t off)
{
	at_now(f);
	return fx_rd64(f, off);
}

static uint32_t r32(struct fx *f, uint32_t off)
{
	at_now(f);
	return fx_rd32(f, off);
}

static void cmd(struct fx *f, uint32_t c)
{
	w32(f, DMAR_GCMD_REG, c);
	sim_sleep_until(sim_now() + FX_CMD_PS);
}

static struct vtd_xlate xl(struct fx *f, uint16_t sid, uint64_t iova, bool write)
{
	struct vtd_xlate x;

	vtd_translate(f->v, sid, iova, write, sim_now(), &x);
	return x;
}

static struct vtd_xlate xl_pasid(struct fx *f, uint16_t sid, uint32_t pasid, uint64_t va)
{
	struct vtd_req r = {.sid = sid, .addr = va, .pasid_present = true, .pasid = pasid};
	struct vtd_xlate x;

	vtd_translate_req(f->v, &r, sim_now(), &x);
	return x;
}

/* ---- the queue ---- */

struct q {
	unsigned tail; /* bytes */
	unsigned width;
	uint32_t seq;
};

static void q_put(struct fx *f, struct q *q, uint64_t lo, uint64_t hi)
{
	mem_write64(f->mem, IQ + q->tail, lo);
	mem_write64(f->mem, IQ + q->tail + 8, hi);
	if (q->width == 32) {
		mem_write64(f->mem, IQ + q->tail + 16, 0);
		mem_write64(f->mem, IQ + q->tail + 24, 0);
	}
	q->tail = (q->tail + q->width) % 8192;
}

/* Descriptors, a wait with status write (and IF if asked), IQT; returns the status address. */
static uint64_t q_submit(struct fx *f, struct q *q, const uint64_t *d, unsigned n, bool intr)
{
	uint64_t st = STAT + 8 * (q->seq % 64);

	for (unsigned i = 0; i < n; i++)
		q_put(f, q, d[2 * i], d[2 * i + 1]);
	q->seq++;
	mem_write32(f->mem, st, 0);
	/* §6.5.2.8 wait: type 5, IF 4, SW 5, FN 6, status data 63:32; hi: status address */
	q_put(f, q, 5 | (intr ? 1u << 4 : 0) | 1u << 5 | 1u << 6 | (uint64_t)q->seq << 32, st);
	w64(f, DMAR_IQT_REG, q->tail);
	return st;
}

/* Poll the status word (100 ns) until it holds this submission's number, or a deadline. */
static bool q_wait(struct fx *f, struct q *q, uint64_t st, uint64_t max_ps)
{
	uint64_t end = sim_now() + max_ps;

	while (mem_read32(f->mem, st) != q->seq) {
		if (sim_now() >= end)
			return false;
		sim_sleep_until(sim_now() + 100000);
	}
	return true;
}

static void q_enable(struct fx *f, struct q *q, bool wide)
{
	q->tail = 0;
	q->width = wide ? 32 : 16;
	w64(f, DMAR_IQT_REG, 0);
	w64(f, DMAR_IQA_REG, IQ | (wide ? 1ull << 11 : 0) | 1); /* QS 1: 8 KiB */
	cmd(f, (1u << 31) | (1u << 26));
}

/* §6.5.2.3 IOTLB descriptor: type 2, G 5:4, DR 7, DW 6, DID 31:16; hi ADDR, IH 6, AM 5:0. */
static void iotlb_desc(uint64_t *d, unsigned g, uint16_t did, uint64_t addr, unsigned am, bool ih)
{
	d[0] = 2 | (uint64_t)g << 4 | 3u << 6 | (uint64_t)did << 16;
	d[1] = addr | (ih ? 1u << 6 : 0) | am;
}

static uint64_t table_a; /* the second-level table of domain did_a */

static void legacy_tables(struct fx *f, uint16_t did_a, uint16_t did_b)
{
	uint64_t a = fx_alloc(f), b = fx_alloc(f);

	table_a = a;
	for (uint64_t i = 0; i < 16; i++) {
		fx_sl_map(f, a, 4, i * FX_PG, FX_DATA + i * FX_PG, 1, 3);
		fx_sl_map(f, b, 4, i * FX_PG, FX_DATA + i * FX_PG, 1, 3);
	}
	fx_ctx_sl(f, SID, 0, a, 2, did_a);
	fx_ctx_sl(f, SID + 1, 0, a, 2, did_a); /* 03:01.1, same domain */
	fx_ctx_sl(f, SID2, 0, b, 2, did_b);
}

static void scenario_legacy(struct fx *f)
{
	struct q q = {0};
	uint64_t d[8], st;

	legacy_tables(f, 1, 2);
	at_now(f);
	fx_wr64(f, DMAR_RTADDR_REG, FX_ROOT);
	cmd(f, 1u << 30);
	q_enable(f, &q, false);

	/* Stale until invalidated: unmap page 3, the IOTLB keeps it until the descriptor ran. */
	xl(f, SID, 3 * FX_PG, false);
	fx_sl_map(f, table_a, 4, 3 * FX_PG, 0, 1, 0);
	iotlb_desc(d, 3, 1, 3 * FX_PG, 0, false);
	rec.t_submit = sim_now();
	st = q_submit(f, &q, d, 1, false);
	rec.stale_hit_before = xl(f, SID, 3 * FX_PG, false).ok;
	q_wait(f, &q, st, 10 * SIM_PS_PER_US);
	rec.t_status = sim_now();
	rec.gone_after = !xl(f, SID, 3 * FX_PG, false).ok;

	/* Page-selective with AM 2: pages 8-11 go, 12 stays; domain 2 untouched. */
	for (unsigned i = 8; i <= 12; i++)
		xl(f, SID, i * FX_PG, false);
	xl(f, SID2, 8 * FX_PG, false);
	iotlb_desc(d, 3, 1, 8 * FX_PG, 2, false);
	q_wait(f, &q, q_submit(f, &q, d, 1, false), 10 * SIM_PS_PER_US);
	rec.page_in_range_gone =
	    !xl(f, SID, 9 * FX_PG, false).iotlb_hit && !xl(f, SID, 11 * FX_PG, false).iotlb_hit;
	rec.page_outside_kept = xl(f, SID, 12 * FX_PG, false).iotlb_hit;
	/* Domain-selective: domain 1 goes, domain 2 stays. */
	xl(f, SID, 12 * FX_PG, false);
	iotlb_desc(d, 2, 1, 0, 0, false);
	q_wait(f, &q, q_submit(f, &q, d, 1, false), 10 * SIM_PS_PER_US);
	rec.domain_gone = !xl(f, SID, 12 * FX_PG, false).iotlb_hit;
	rec.domain_other_kept = xl(f, SID2, 8 * FX_PG, false).iotlb_hit;
	/* Global. */
	iotlb_desc(d, 1, 0, 0, 0, false);
	q_wait(f, &q, q_submit(f, &q, d, 1, false), 10 * SIM_PS_PER_US);
	rec.global_gone = !xl(f, SID2, 8 * FX_PG, false).iotlb_hit;

	/* Context cache (§6.5.2.1): type 1, G 5:4, DID 31:16, SID 47:32, FM 49:48. */
	const struct vtd_cache_stats *cc = vtd_cache_stats(f->v, VTD_CACHE_CONTEXT);
	uint64_t m0;

	xl(f, SID, 0, false);
	xl(f, SID + 1, 0, false);
	xl(f, SID2, 0, false);
	d[0] = 1 | 3u << 4 | 1ull << 16 | (uint64_t)SID << 32; /* device, FM 0 */
	d[1] = 0;
	q_wait(f, &q, q_submit(f, &q, d, 1, false), 10 * SIM_PS_PER_US);
	m0 = cc->misses;
	xl(f, SID, 0, false);
	xl(f, SID + 1, 0, false);
	rec.ctx_misses_device = (unsigned)(cc->misses - m0);
	rec.fm0_kept_sibling = rec.ctx_misses_device == 1;
	d[0] = 1 | 3u << 4 | 1ull << 16 | (uint64_t)SID << 32 | 3ull << 48; /* FM 3: all fns */
	q_wait(f, &q, q_submit(f, &q, d, 1, false), 10 * SIM_PS_PER_US);
	m0 = cc->misses;
	xl(f, SID + 1, 0, false);
	rec.fm_flushed_sibling = cc->misses - m0 == 1;
	xl(f, SID, 0, false);
	d[0] = 1 | 2u << 4 | 2ull << 16; /* domain 2 */
	q_wait(f, &q, q_submit(f, &q, d, 1, false), 10 * SIM_PS_PER_US);
	m0 = cc->misses;
	xl(f, SID, 0, false);
	xl(f, SID2, 0, false);
	rec.ctx_misses_domain = (unsigned)(cc->misses - m0);
	d[0] = 1 | 1u << 4;
	q_wait(f, &q, q_submit(f, &q, d, 1, false), 10 * SIM_PS_PER_US);
	m0 = cc->misses;
	xl(f, SID, 0, false);
	xl(f, SID2, 0, false);
	rec.ctx_misses_global = (unsigned)(cc->misses - m0);

	/* Interrupt entry cache (§6.5.2.7): type 4, G 4 (1: index), IM 31:27, IIDX 47:32. */
	struct pcie_irq irq;
	uint64_t irt = 0x3200000;

	for (unsigned i = 0; i < 8; i++) {
		mem_write64(f->mem, irt + i * 16, 1 | (0x40ull + i) << 16 | (1ull << 40));
		mem_write64(f->mem, irt + i * 16 + 8, 0);
	}
	w64(f, DMAR_IRTA_REG, irt | 3);
	cmd(f, (1u << 31) | (1u << 26) | (1u << 24));
	cmd(f, (1u << 31) | (1u << 26) | (1u << 25));
	for (unsigned i = 0; i < 8; i++)
		vtd_remap_msi(f->v, SID, 0xfee00000u | i << 5 | 1u << 4, 0, sim_now(), &irq);
	d[0] = 4 | 1u << 4 | 2u << 27 | 4ull << 32; /* entries 4-7 */
	q_wait(f, &q, q_submit(f, &q, d, 1, false), 10 * SIM_PS_PER_US);
	m0 = vtd_stats(f->v)->iec_misses;
	for (unsigned i = 0; i < 8; i++)
		vtd_remap_msi(f->v, SID, 0xfee00000u | i << 5 | 1u << 4, 0, sim_now(), &irq);
	rec.iec_misses_index = (unsigned)(vtd_stats(f->v)->iec_misses - m0);
	d[0] = 4;
	q_wait(f, &q, q_submit(f, &q, d, 1, false), 10 * SIM_PS_PER_US);
	m0 = vtd_stats(f->v)->iec_misses;
	for (unsigned i = 0; i < 8; i++)
		vtd_remap_msi(f->v, SID, 0xfee00000u | i << 5 | 1u << 4, 0, sim_now(), &irq);
	rec.iec_misses_global = (unsigned)(vtd_stats(f->v)->iec_misses - m0);

	/* Wait with IF: ICS.IWC and the invalidation completion event; a second one while IWC
	 * is still set is no new condition. */
	w32(f, DMAR_IEDATA_REG, 0x55);
	w32(f, DMAR_IEADDR_REG, 0xfee01000u);
	w32(f, DMAR_IECTL_REG, 0);
	f->ev.n = 0;
	q_wait(f, &q, q_submit(f, &q, d, 0, true), 10 * SIM_PS_PER_US);
	rec.ics = r32(f, DMAR_ICS_REG);
	rec.iwc_events = f->ev.n;
	q_wait(f, &q, q_submit(f, &q, d, 0, true), 10 * SIM_PS_PER_US);
	rec.iwc_events_second = f->ev.n;
	w32(f, DMAR_ICS_REG, 1);

	/* An invalid descriptor (type 0xf): IQE, IQEI 3, the head stays on it. First every
	 * earlier fault is serviced, so that IQE is a new interrupt condition. */
	for (unsigned i = 0; i < 8; i++)
		fx_clear_frcd(f, i);
	w32(f, DMAR_FSTS_REG, 0xff);
	w32(f, DMAR_FEDATA_REG, 0x66);
	w32(f, DMAR_FEADDR_REG, 0xfee02000u);
	w32(f, DMAR_FECTL_REG, 0);
	f->ev.n = 0;
	d[0] = 0xf;
	d[1] = 0;
	st = q_submit(f, &q, d, 1, false);
	sim_sleep_until(sim_now() + 5 * SIM_PS_PER_US);
	rec.iqe_fsts = r32(f, DMAR_FSTS_REG);
	rec.iqe_iqer = (uint32_t)r64(f, DMAR_IQER_REG);
	rec.events_at_iqe = f->ev.n;
	rec.head_at_iqe = r64(f, DMAR_IQH_REG);
	/* A DMA fault while IQE is set: recorded, PPF set, no new fault event. */
	xl(f, SID, 0x100000, false);
	rec.fault_fsts = r32(f, DMAR_FSTS_REG);
	rec.events_after_fault = f->ev.n;
	/* Software replaces the bad descriptor, clears IQE: the queue goes on from the head. */
	mem_write64(f->mem, IQ + rec.head_at_iqe, 4); /* a global IEC flush */
	fx_clear_frcd(f, 0);
	w32(f, DMAR_FSTS_REG, DMA_FSTS_IQE);
	rec.resumed = q_wait(f, &q, st, 10 * SIM_PS_PER_US);
	rec.head_after_fix = r64(f, DMAR_IQH_REG);
	rec.events_after_clear = f->ev.n;

	/* A tail beyond the queue: IQEI 1. */
	w32(f, DMAR_FSTS_REG, 0xff);
	w64(f, DMAR_IQT_REG, 0x7fff0);
	sim_sleep_until(sim_now() + SIM_PS_PER_US);
	rec.tail_iqer = (uint32_t)r64(f, DMAR_IQER_REG) & 0xf;
	/* PASID-based descriptors in legacy mode: IQEI 7. */
	w64(f, DMAR_IQT_REG, q.tail);
	w32(f, DMAR_FSTS_REG, 0xff);
	d[0] = 6 | 2u << 4;
	q_submit(f, &q, d, 1, false);
	sim_sleep_until(sim_now() + 5 * SIM_PS_PER_US);
	rec.ttm_iqer = (uint32_t)r64(f, DMAR_IQER_REG) & 0xf;
}

/* ---- device TLBs ---- */

static bool devtlb_hook(void *ctx, uint16_t sid, bool pp, uint32_t pasid, uint64_t addr,
			uint64_t size, uint64_t t, uint64_t *t_done)
{
	(void)ctx;
	(void)pp;
	(void)pasid;
	rec.devtlb_calls++;
	rec.devtlb_sid = sid;
	rec.devtlb_addr = addr;
	rec.devtlb_size = size;
	if (sid == 0x0999)
		return false; /* no one there */
	*t_done = t + 2 * SIM_PS_PER_US;
	rec.t_devtlb_done = *t_done;
	return true;
}

static void scenario_devtlb(struct fx *f)
{
	struct q q = {0};
	uint64_t d[2], st;

	at_now(f);
	fx_wr64(f, DMAR_RTADDR_REG, FX_ROOT);
	cmd(f, 1u << 30);
	q_enable(f, &q, false);
	/* §6.5.2.5: type 3, SID 47:32; hi: ADDR 63:12, S 0 (with S the lowest clear address
	 * bit from 12 sets the size: bit 13 clear, 12 set -> 16 KiB). */
	d[0] = 3 | (uint64_t)SID << 32;
	d[1] = 0x5000 | 1;
	st = q_submit(f, &q, d, 1, false);
	q_wait(f, &q, st, 10 * SIM_PS_PER_US);
	rec.t_wait_done = sim_now();
	/* An endpoint that never answers: ITE after the time-out, the wait aborted. */
	d[0] = 3 | 0x0999ull << 32;
	d[1] = 0;
	st = q_submit(f, &q, d, 1, false);
	rec.lost_status_written = q_wait(f, &q, st, 100 * SIM_PS_PER_US);
	rec.ite_fsts = r32(f, DMAR_FSTS_REG);
	rec.ite_iqer = r64(f, DMAR_IQER_REG);
}

/* ---- scalable mode: PASID cache and PASID-based IOTLB ---- */

static void scenario_scalable(struct fx *f)
{
	struct q q = {0};
	uint64_t d[2], fl = fx_alloc(f), sl = fx_alloc(f), dir;
	const struct vtd_cache_stats *pc = vtd_cache_stats(f->v, VTD_CACHE_PASID);
	uint64_t m0;

	for (uint64_t i = 0; i < 8; i++) {
		fx_fl_map(f, fl, 0, 4, 0x10000 + i * FX_PG, FX_DATA + i * FX_PG, 1, 0x67);
		fx_sl_map(f, sl, 4, 0x10000 + i * FX_PG, FX_DATA + i * FX_PG, 1, 3);
	}
	dir = fx_smctx(f, SID, false, 0);
	fx_pasid(f, dir, 0, fx_pe_q0(2, sl, 2), 4, 0); /* RID_PASID: second level, DID 4 */
	fx_pasid(f, dir, 7, fx_pe_q0(1, 0, 0), 4, fl); /* PASID 7: first level, DID 4 */
	fx_pasid(f, dir, 8, fx_pe_q0(1, 0, 0), 5, fl); /* PASID 8: first level, DID 5 */
	at_now(f);
	fx_wr64(f, DMAR_RTADDR_REG, FX_ROOT | 1ull << 10);
	cmd(f, 1u << 30);
	q_enable(f, &q, false);
	/* 128-bit descriptors in scalable mode: IQEI 5. */
	d[0] = 4;
	d[1] = 0;
	q_submit(f, &q, d, 1, false);
	sim_sleep_until(sim_now() + 5 * SIM_PS_PER_US);
	rec.width_iqer = (uint32_t)r64(f, DMAR_IQER_REG) & 0xf;
	cmd(f, 1u << 31); /* QI off, then clear IQE: the queue is set up again with DW */
	w32(f, DMAR_FSTS_REG, 0xff);
	q_enable(f, &q, true);

	xl_pasid(f, SID, 7, 0x10000);
	xl(f, SID, 0x10000, false);
	/* The IOTLB descriptor (domain 4) covers second-level entries, not first-level ones. */
	iotlb_desc(d, 2, 4, 0, 0, false);
	q_wait(f, &q, q_submit(f, &q, d, 1, false), 10 * SIM_PS_PER_US);
	rec.fl_kept_by_iotlb_inv = xl_pasid(f, SID, 7, 0x10000).iotlb_hit;
	rec.sl_gone_by_iotlb_inv = !xl(f, SID, 0x10000, false).iotlb_hit;
	/* PASID-based IOTLB (§6.5.2.4): type 6, G 5:4 (2: all of a PASID, 3: pages), DID 31:16,
	 * PASID 51:32; hi as the IOTLB descriptor. */
	d[0] = 6 | 2u << 4 | 4ull << 16 | 7ull << 32;
	d[1] = 0;
	q_wait(f, &q, q_submit(f, &q, d, 1, false), 10 * SIM_PS_PER_US);
	rec.fl_gone_by_piotlb = !xl_pasid(f, SID, 7, 0x10000).iotlb_hit;
	xl_pasid(f, SID, 7, 0x11000);
	xl_pasid(f, SID, 7, 0x13000);
	d[0] = 6 | 3u << 4 | 4ull << 16 | 7ull << 32;
	d[1] = 0x10000 | 1; /* two pages: 0x10000-0x11fff */
	q_wait(f, &q, q_submit(f, &q, d, 1, false), 10 * SIM_PS_PER_US);
	rec.fl_psi_in_gone = !xl_pasid(f, SID, 7, 0x11000).iotlb_hit;
	rec.fl_psi_out_kept = xl_pasid(f, SID, 7, 0x13000).iotlb_hit;
	/* PASID cache (§6.5.2.2): type 7, G (0 domain, 1 PASID, 3 global), DID, PASID. */
	xl_pasid(f, SID, 8, 0x10000);
	d[0] = 7 | 1u << 4 | 4ull << 16 | 7ull << 32;
	d[1] = 0;
	q_wait(f, &q, q_submit(f, &q, d, 1, false), 10 * SIM_PS_PER_US);
	m0 = pc->misses;
	xl_pasid(f, SID, 7, 0x10000);
	rec.pc_gone = pc->misses == m0 + 1;
	m0 = pc->misses;
	xl_pasid(f, SID, 8, 0x10000);
	rec.pc_other_kept = pc->misses == m0;
}

/* ---- register-based invalidation (§6.5.1) ---- */

static void scenario_registers(struct fx *f)
{
	uint64_t v;

	legacy_tables(f, 1, 2);
	at_now(f);
	fx_wr64(f, DMAR_RTADDR_REG, FX_ROOT);
	cmd(f, 1u << 30);
	cmd(f, 1u << 31);
	xl(f, SID, 0x1000, false);
	/* CCMD: ICC 63, CIRG 62:61 (01 global); ICC stays set until done, CAIG 60:59 reports. */
	w64(f, DMAR_CCMD_REG, 1ull << 63 | 1ull << 61);
	rec.ccmd_busy = r64(f, DMAR_CCMD_REG);
	sim_sleep_until(sim_now() + FX_CMD_PS);
	rec.ccmd_done = r64(f, DMAR_CCMD_REG);
	rec.reg_ctx_gone = xl(f, SID, 0x1000, false).iotlb_hit; /* the IOTLB still holds it */
	/* IOTLB register (IRO + 8): IVT 63, IIRG 61:60 (11 page), DID 47:32; IVA: ADDR, AM. */
	w64(f, f->iro, 0x1000);
	w64(f, f->iro + 8, 1ull << 63 | 3ull << 60 | 1ull << 32);
	rec.iotlb_busy = r64(f, f->iro + 8);
	sim_sleep_until(sim_now() + FX_CMD_PS);
	rec.iotlb_done = r64(f, f->iro + 8);
	rec.reg_iotlb_gone = !xl(f, SID, 0x1000, false).iotlb_hit;
	/* AM beyond MAMV (9): refused, IAIG 0. */
	w64(f, f->iro, 0x1000 | 10);
	w64(f, f->iro + 8, 1ull << 63 | 3ull << 60 | 1ull << 32);
	sim_sleep_until(sim_now() + FX_CMD_PS);
	v = r64(f, f->iro + 8);
	rec.iaig_refused = (v >> 57) & 3;
}

static void driver(void *arg)
{
	(void)arg;
	scenario_legacy(leg);
	scenario_devtlb(dt);
	scenario_scalable(sm);
	scenario_registers(reg);
	rec.ran = true;
}

static int run(void **state)
{
	struct vtd_cfg c = fx_cfg(), s = fx_cfg_sm(), d = fx_cfg(), r = fx_cfg();
	struct vtd_hooks h = {0};

	(void)state;
	if (sim_engine_init())
		return -1;
	d.device_tlb = true;
	r.qi = false;
	leg = fx_new(&c);
	sm = fx_new(&s);
	dt = fx_new(&d);
	reg = fx_new(&r);
	h.deliver = fx_deliver;
	h.devtlb_invalidate = devtlb_hook;
	h.ctx = dt;
	vtd_set_hooks(dt->v, &h);
	vtd_start(leg->v);
	vtd_start(sm->v);
	vtd_start(dt->v);
	vtd_start(reg->v);
	sim_actor_start("driver", driver, NULL, 0);
	return sim_engine_run();
}

static void test_stale_until_invalidated(void **state)
{
	(void)state;
	assert_true(rec.ran);
	assert_true(rec.stale_hit_before);
	assert_true(rec.gone_after);
	/* two descriptors (the IOTLB one and the wait), each fetched and executed in turn */
	assert_true(rec.t_status - rec.t_submit >= 2 * DESC_PS);
}

static void test_iotlb_granularities(void **state)
{
	(void)state;
	assert_true(rec.page_in_range_gone);
	assert_true(rec.page_outside_kept);
	assert_true(rec.domain_gone);
	assert_true(rec.domain_other_kept);
	assert_true(rec.global_gone);
}

static void test_context_granularities(void **state)
{
	(void)state;
	assert_int_equal(rec.ctx_misses_device, 1);
	assert_true(rec.fm0_kept_sibling);
	assert_true(rec.fm_flushed_sibling);
	assert_int_equal(rec.ctx_misses_domain, 1); /* domain 2 only */
	assert_int_equal(rec.ctx_misses_global, 2);
}

static void test_iec(void **state)
{
	(void)state;
	assert_int_equal(rec.iec_misses_index, 4);
	assert_int_equal(rec.iec_misses_global, 8);
}

static void test_wait_descriptor(void **state)
{
	(void)state;
	assert_int_equal(rec.ics, 1);
	assert_int_equal(rec.iwc_events, 1);
	assert_int_equal(rec.iwc_events_second, 1);
}

static void test_queue_errors(void **state)
{
	(void)state;
	assert_true(rec.iqe_fsts & DMA_FSTS_IQE);
	assert_int_equal(rec.iqe_iqer & 0xf, 3);
	assert_int_equal(rec.events_at_iqe, 1);
	assert_true(rec.fault_fsts & DMA_FSTS_PPF);
	assert_int_equal(rec.events_after_fault, 1); /* IQE was set: no new condition */
	assert_true(rec.resumed);
	assert_true(rec.head_after_fix > rec.head_at_iqe);
	assert_int_equal(rec.tail_iqer, 1);
	assert_int_equal(rec.ttm_iqer, 7);
	assert_int_equal(rec.width_iqer, 5);
}

static void test_device_tlb(void **state)
{
	(void)state;
	assert_int_equal(rec.devtlb_calls, 2);
	assert_int_equal(rec.devtlb_sid, 0x0999);
	assert_true(rec.t_wait_done >= rec.t_devtlb_done); /* the fence waited for completion */
	assert_false(rec.lost_status_written);
	assert_true(rec.ite_fsts & DMA_FSTS_ITE);
	assert_int_equal((rec.ite_iqer >> 32) & 0xffff, 0x0999);
}

static void test_pasid_invalidation(void **state)
{
	(void)state;
	assert_true(rec.fl_kept_by_iotlb_inv);
	assert_true(rec.sl_gone_by_iotlb_inv);
	assert_true(rec.fl_gone_by_piotlb);
	assert_true(rec.fl_psi_in_gone);
	assert_true(rec.fl_psi_out_kept);
	assert_true(rec.pc_gone);
	assert_true(rec.pc_other_kept);
}

static void test_register_invalidation(void **state)
{
	(void)state;
	assert_true(rec.ccmd_busy & (1ull << 63));
	assert_false(rec.ccmd_done & (1ull << 63));
	assert_int_equal((rec.ccmd_done >> 59) & 3, 1); /* CAIG: global */
	assert_true(rec.reg_ctx_gone);			/* a context flush leaves the IOTLB alone */
	assert_true(rec.iotlb_busy & (1ull << 63));
	assert_false(rec.iotlb_done & (1ull << 63));
	assert_int_equal((rec.iotlb_done >> 57) & 3, 3); /* IAIG: page */
	assert_true(rec.reg_iotlb_gone);
	assert_int_equal(rec.iaig_refused, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stale_until_invalidated),
	    cmocka_unit_test(test_iotlb_granularities),
	    cmocka_unit_test(test_context_granularities),
	    cmocka_unit_test(test_iec),
	    cmocka_unit_test(test_wait_descriptor),
	    cmocka_unit_test(test_queue_errors),
	    cmocka_unit_test(test_device_tlb),
	    cmocka_unit_test(test_pasid_invalidation),
	    cmocka_unit_test(test_register_invalidation),
	};

	return cmocka_run_group_tests(tests, run, NULL);
}
