/* SPDX-License-Identifier: MIT */
/*
 * The application's machine: what app/build.c builds from a scenario, app/run.c boots and
 * runs, and app/report.c measures. Shared by those files only.
 */
#ifndef PTSIM_APP_MACHINE_INTERNAL_H
#define PTSIM_APP_MACHINE_INTERNAL_H

#include "app/machine.h"
#include "app/scenario.h"
#include "models/cpu/cpu.h"
#include "models/guest/kernel/gk.h"
#include "models/host/dmar.h"
#include "models/host/hpci.h"
#include "models/iommu/vtd.h"
#include "sim/metrics.h"
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
	struct metrics *metrics; /* every model instance's counters (report.c) */
	struct metrics_snap *c0, *c1, *setup;
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
/* report.c: every model's counters now into *s (the first call registers every model instance
 * the machine has: take it once the VMs are built), and the results of the window c0..c1
 * (0, or 1 with a message in err). */
void machine__snapshot(struct machine *m, struct metrics_snap **s);
int machine__fill_results(struct machine *m, struct results *r, char *err, size_t errlen);

#endif
