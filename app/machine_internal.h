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
#include "models/host/dmar.h"
#include "models/host/hpci.h"
#include "models/iommu/vtd.h"
#include "sim/stats.h"
#include "workloads/dma_bench.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>


/* The host physical address map (a Xeon-like layout). */
#define PHYS_LOW_TOP   PTSIM_LOW_RAM_TOP /* RAM below 4 GiB ends at 2 GiB */
#define PHYS_MMIO32    0xc0000000ull  /* 32-bit PCI window */
#define PHYS_MMIO32_SZ 0x20000000ull
#define PHYS_ECAM      0xe0000000ull
#define PHYS_IOAPIC    0xfec00000ull
#define IOAPIC_PINS    24
#define IOAPIC_SID     0xf0f8 /* bus F0h device 1Fh function 0, as Intel platforms report */
#define PHYS_MMIO64    0x380000000000ull
#define PHYS_MMIO64_SZ (1ull << 40)

#define MAX_NICS 16
#define MAX_PCPUS 256
#define MAX_UNITS 8
#define MAX_ENGINES 8
#define MAX_GENDEVS 512

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
	struct mem *mem;
	struct pcie_fabric *fab;
	struct vtd *vtd; /* the first unit */
	struct vtd *units[MAX_UNITS];
	unsigned nunits;
	int unit_all; /* the INCLUDE_PCI_ALL unit, or -1 */
	struct pcie_fn *unit_scope[MAX_UNITS][16];
	unsigned unit_nscope[MAX_UNITS];
	uint64_t rsdp;
	struct dmaeng *eng[MAX_ENGINES];
	unsigned neng;
	struct apic_bus *bus;
	struct ioapic *ioapic;
	unsigned gsi_assert[IOAPIC_PINS]; /* INTx lines asserted onto each pin (wired-OR) */
	struct lapic *lapic[MAX_PCPUS];
	struct pcpu *pcpu[MAX_PCPUS];
	unsigned npcpus;
	struct nic *nic[MAX_NICS];
	unsigned nnics;
	struct gendev *gendev[MAX_GENDEVS];
	unsigned ngendevs;
	struct host_rmrr *rmrrs;
	unsigned nrmrrs;
	struct survey_fn *survey;
	struct dev_owner owners[MAX_NICS];
	unsigned nowners;
	/* software */
	struct host *host;
	struct vtd_drv *iommu; /* the first unit's driver */
	struct vtd_drv *iommus[MAX_UNITS];
	struct dmar_info dmar;
	struct host_ioapic *hioapic;
	struct host_sched *sched;
	struct hpci pci;
	struct hv *hv;
	struct vm *vm[8];
	struct gk *gk[8];
	struct vfio_dev *vfio[MAX_NICS];
	unsigned nvfio;
	struct gk_param params[8][8];
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
	uint64_t outside_vm_writes;
	struct timespec wall0;
	void (*guest_entry)(void *ctx, struct vcpu *v);
	void *guest_entry_ctx;
	bool progress_shown;
};

void machine__fail(struct machine *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* build.c: the hardware of the scenario, and the platform's INTx routing (_PRT). */
int machine__build(struct machine *m);
unsigned machine__prt_gsi(uint8_t root_devfn, unsigned pin);
/* report.c: every model's counters now, and the results of the window c0..c1. */
void machine__snapshot(const struct machine *m, struct counters *c);
void machine__fill_results(struct machine *m, struct results *r);

#endif
