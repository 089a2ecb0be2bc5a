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
#include "sim/metrics.h"
#include "sim/stats.h"
#include "workloads/dma_bench.h"
#include "workloads/nvme.h"
#include "workloads/rr.h"
#include "workloads/stream_rx.h"
#include "workloads/stream_tx.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct pv_iommu;

struct dev_owner {
	struct pcie_fn *fn;
	unsigned vm;	      /* its VM; bare metal (no VMs): 0, the host's kernel */
	uint16_t guest_devfn; /* where its kernel sees it: bus << 8 | devfn (a VM's bus 0) */
};

/* Interrupt latency: from a device's MSI write to the first instruction of the guest's
 * interrupt entry for one of that device's vectors. Messages that arrive while an earlier
 * one is still pending are delivered together: they count as coalesced. */
#define MSI_FIFO 4096
/* Interrupt latency: from a device's MSI write to the first instruction of the guest's
 * interrupt entry for one of that device's vectors, over every device of the workload.
 * Messages that arrive while an earlier one is still pending are delivered together: they
 * count as coalesced. */
struct irq_latency {
	struct sim_samples lat;
	uint64_t coalesced, overflow;
	bool measuring;
	/* tests: told of each MSI-X write of a workload device, after the probe */
	void (*observer)(void *ctx, unsigned entry, uint64_t t_ps);
	void *observer_ctx;
};

/* One workload of the run: the top-level one (vm -1), or a VM's own (workload.c). */
struct wl_job {
	struct machine *m;
	const struct sc_workload *cfg;
	int vm;
	struct wl_stream_rx *rx; /* stream_rx */
	struct wl_stream_tx *tx; /* stream_tx */
	struct wl_rr *rr;	 /* rr */
	struct wl_nvme *nv;	 /* nvme */
	struct nvme *nvme;	 /* nvme: its controller */
	struct wl_hooks hooks;	 /* its own, which tell the run's */
	struct irq_latency il;	 /* over its devices */
	bool started, done;
};

/* A VM's DMA as the IOMMU translated it, counted by requester ID (run.c): measurement. */
struct vm_xlate_stats {
	uint64_t translations, iotlb_hits, iotlb_misses, walk_mem_reads, blocked, xlate_ps;
};

/* A guest the workload runs in: whose interrupt entries the probes look at (workload.c). */
struct workload_guest {
	struct machine *m;
	struct gk *g;
};

/* One workload device's interrupt messages in flight to its guest (workload.c). */
struct irq_probe {
	struct irq_latency *il;
	struct gk *g;
	uint16_t devfn;
	uint64_t t[MSI_FIFO];
	unsigned head, n;
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
	struct nvme **nvme;
	unsigned nnvmes;
	/* software: the host as booted, the VMs and their devices */
	struct host_rmrr *rmrrs; /* what firmware tells the host's survey */
	unsigned nrmrrs;
	struct host_sriov_req *sriov;
	size_t nsriov;
	struct host_system sys;
	struct survey_fn *survey;
	struct vm **vm; /* per scenario VM */
	struct gk **gk; /* per scenario VM; with no VMs, gk[0] is the host's (bare metal) */
	struct host_bare *bare; /* bare metal: the host's kernel on its CPUs */
	struct vfio_dev **vfio;
	unsigned nvfio;
	struct pv_iommu **pv; /* per scenario VM: its DMA back-end, or NULL (strategy none) */
	struct viommu **viommu;	     /* per scenario VM: its guest-visible IOMMU, or NULL */
	struct vfio_container **container; /* per scenario VM with devices: its VFIO container */
	struct pv_iommu **pv_by_sid; /* [65536]: whose back-end a requester ID's DMA is, or NULL */
	struct dev_owner *owners; /* per assigned function */
	unsigned nowners;
	struct wl_job **jobs; /* the workloads: the top-level one, or each VM's */
	unsigned njobs;
	struct wl_hooks hooks; /* the run's window, which the jobs tell */
	void (*msi_observer)(void *ctx, unsigned entry, uint64_t t_ps); /* tests */
	void *msi_observer_ctx;
	struct vm_xlate_stats *vm_xlate; /* per scenario VM */
	uint16_t *vm_of_sid;	   /* [65536]: 1 + the VM a requester ID is assigned to, or 0 */
	struct irq_probe **probes; /* per workload device */
	unsigned nprobes;
	struct workload_guest **wgk; /* the workload's guests (each once) */
	unsigned nwgk;
	struct dmaeng *bench_eng; /* dma_bench: the engine and what the host saw */
	struct wl_dma_bench_result bench;
	bool bench_ran;
	/* run */
	int status;
	char err[512];
	bool started, done, end_pending;
	uint64_t t_setup_done, t_start, t_end;
	struct metrics *metrics; /* every model instance's counters (report.c) */
	struct metrics_snap *c0, *c1;
	struct timespec wall0;
	struct timespec wall_start, wall_end; /* wall clock at the window's start and end */
	void (*guest_entry)(void *ctx, struct vcpu *v);
	void *guest_entry_ctx;
	bool progress_shown;
};

/* Grow an array of pointers by one slot; 0 or -ENOMEM. */
int machine__push(void *arrayp, unsigned *n, void *item);
void machine__fail(struct machine *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* build.c: the hardware of the scenario. */
int machine__build(struct machine *m);
/* workload.c: the workloads' streams, devices and probes; dma_bench; the window hooks (each
 * job tells hooks: on_start at the first application ready, on_done when every job is). */
int machine__workload_bind(struct machine *m, const struct wl_hooks *hooks,
			   void (*irq_done)(void *ctx));
bool machine__workload_vm(const struct machine *m, unsigned v);
/* The interrupt-latency probes count (on) or not. */
void machine__workload_measure(struct machine *m, bool on);
/* No VMs and a workload a kernel runs: bare metal (run.c). */
bool machine__bare(const struct machine *m);
/* Where a stream workload stands, whichever way it goes, for the controller's drain, progress
 * line and failure message. */
struct wl_status {
	bool stream, started;
	uint64_t total, sent, done, dropped; /* done: received (stream_tx: on the wire) */
	const char *units;		     /* "frames", "transactions", "I/O requests" */
	const char *done_words;		     /* "received", "on the wire", "completed" */
	const char *why;		     /* why the application did not start, if it says */
};
void machine__workload_status(const struct machine *m, struct wl_status *st);
void machine__job_status(const struct wl_job *j, struct wl_status *st);
/* When the controller gives up waiting for the workload (UINT64_MAX: not known yet) and the
 * latest it should look again. */
uint64_t machine__workload_give_up_at(const struct machine *m, uint64_t now, uint64_t *look);
/* Give up on every job whose time has come; true when every job is done. */
bool machine__workload_give_up(struct machine *m, uint64_t now);
bool machine__workload_in_irq(const struct machine *m);
void machine__workload_free(struct machine *m);
void machine__run_dma_bench(struct machine *m, void (*on_start)(void *), void (*on_done)(void *));
/* A ptnic function by name: a PF, or one of its VFs ("nic0.vf2"). */
struct nic *machine__find_nic(const struct machine *m, const char *name);

/* report.c: every model's counters now into *s (the first call registers every model instance
 * the machine has: take it once the VMs are built), and the results of the window c0..c1
 * (0, or 1 with a message in err). */
void machine__snapshot(struct machine *m, struct metrics_snap **s);
int machine__fill_results(struct machine *m, struct results *r, char *err, size_t errlen);

#endif
