/* SPDX-License-Identifier: MIT */
/*
 * The application's machine: what app/build.c builds from a scenario, app/run.c boots and
 * runs, and app/report.c measures. Shared by those files only.
 */
#ifndef PTSIM_APP_MACHINE_INTERNAL_H
#define PTSIM_APP_MACHINE_INTERNAL_H

#include "app/machine.h"
#include "app/scenario.h"
#include "models/cpu/vmx.h"
#include "models/guest/kernel/gk.h"
#include "models/host/boot.h"
#include "models/platform/platform.h"
#include "models/iommu/vtd.h"
#include "sim/stats.h"
#include "workloads/dma_bench.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>


struct counters {
	uint64_t engine_calls;
	uint64_t exits_total, exits[EXIT_REASON_MAX + 1], exits_irq;
	uint64_t virtual_deliveries, posted_processed, shadow_deliveries, injected;
	uint64_t pi_wakeups, polls_won, notifications, reflected, sw_posted;
	uint64_t guest_irqs, guest_spurious, guest_unhandled;
	uint64_t intx_asserts, intx_irqs, intx_unmasks, intx_masked_ps;
	uint64_t ir_remapped, ir_posted, ir_compat, ir_blocked, pi_suppressed;
	uint64_t iotlb_lookups, iotlb_hits, iotlb_misses, iotlb_evictions;
	uint64_t iotlb_invalidations, iotlb_inval_entries;
	uint64_t ctx_lookups, ctx_hits, walks, walk_mem_reads, faults, xlate_ps, translations;
	uint64_t walk_mem_writes, walks_queued, walk_queue_ps, fault_events, ir_requests;
	uint64_t passthrough, translated_requests, ats_requests, pi_notifications;
	uint64_t cache[VTD_CACHE_N][5]; /* lookups, hits, misses, evictions, invalidations */
	uint64_t inv_descs, inv_ctx, inv_iotlb, inv_iec, inv_pasid, inv_devtlb, devtlb_timeouts;
	uint64_t atc_lookups, atc_hits, atc_misses, atc_evictions, atc_invalidations;
	uint64_t atc_translation_requests;
	uint64_t maps, unmaps;
	uint64_t dma_reqs, dma_bytes, dma_blocked, dma_outside_vm;
	uint64_t guest_ps, exit_ps, host_ps, idle_ps;
	uint64_t frames_rx, nic_missed, nic_irqs;
	uint64_t injections, halts, wakeups, ipis;
	uint64_t cfg_exits_user;
	uint64_t sched_switches, sched_expiries, sched_wakeup_preempts, sched_ipis, sched_ticks;
	uint64_t preemptions, run_delay_ps, pi_sn_sets, pi_on_at_resume;
	uint64_t vm_exits[8], vm_irqs[8], vm_run_delay_ps[8], vm_preemptions[8];
};

struct dev_owner {
	struct pcie_fn *fn;
	unsigned vm;
	uint8_t guest_devfn;
};

/* Interrupt latency: from a device's MSI write to the first instruction of the guest's
 * interrupt entry for one of that device's vectors. Messages that arrive while an earlier
 * one is still pending are delivered together: they count as coalesced. */
#define MSI_FIFO 4096
struct irq_latency {
	uint64_t t[MSI_FIFO];
	unsigned head, n;
	uint8_t devfn;
	struct gk *g;
	struct sim_samples lat;
	uint64_t coalesced, overflow;
	bool measuring;
	/* tests: told of each MSI-X write of the workload's device, after the probe */
	void (*observer)(void *ctx, unsigned entry, uint64_t t_ps);
	void *observer_ctx;
};

struct machine {
	const struct scenario *sc;
	struct run_opts opts;
	/* hardware: the platform, and the endpoint models of the topology */
	struct platform *plat;
	struct mem *mem;
	struct pcie_fabric *fab;
	struct pcpu **pcpu;
	unsigned npcpus, nunits;
	struct nic **nic;
	unsigned nnics;
	struct dmaeng **eng;
	unsigned neng;
	struct gendev **gendev;
	unsigned ngendevs;
	/* software: the host as booted, the VMs and their devices */
	struct host_rmrr *rmrrs; /* what firmware tells the host's survey */
	unsigned nrmrrs;
	struct host_sriov_req *sriov;
	size_t nsriov;
	struct host_system sys;
	struct survey_fn *survey;
	struct vm **vm; /* per scenario VM */
	struct gk **gk;
	struct vfio_dev **vfio;
	unsigned nvfio;
	struct dev_owner *owners; /* per assigned function */
	unsigned nowners;
	struct wl_stream_rx *wl;
	struct irq_latency il;
	struct dmaeng *bench_eng; /* dma_bench: the engine and what the host saw */
	struct wl_dma_bench_result bench;
	bool bench_ran;
	/* run */
	int status;
	char err[512];
	bool started, done, end_pending;
	uint64_t t_setup_done, t_start, t_end;
	struct counters c0, c1;
	struct counters setup;
	struct timespec wall0;
	void (*guest_entry)(void *ctx, struct vcpu *v);
	void *guest_entry_ctx;
	bool progress_shown;
};

/* Grow an array of pointers by one slot; 0 or -ENOMEM. */
int machine__push(void *arrayp, unsigned *n, void *item);
void machine__fail(struct machine *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* build.c: the hardware of the scenario. */
int machine__build(struct machine *m);
/* report.c: every model's counters now, and the results of the window c0..c1. */
void machine__snapshot(const struct machine *m, struct counters *c);
void machine__fill_results(struct machine *m, struct results *r);

#endif
