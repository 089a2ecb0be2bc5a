/* SPDX-License-Identifier: MIT */
/* The summary table a person reads after `ptsim run`, from the results' keys. */
#include "app/baseline.h"
#include "app/machine.h"
#include "app/scenario.h"
#include "models/cpu/vmx.h"
#include "sim/results.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* ---- summary ---- */

/* What the workload counts as one operation, for "per ..." lines (exits_per_op and
 * cpu.cycles_per_op divide by it). */
static int run_kind(const struct scenario *sc);

static const char *op_noun(const struct scenario *sc)
{
	switch (run_kind(sc)) {
	case -1:
		return "operation"; /* VMs running workloads of different kinds */
	case SC_WL_NVME:
		return "request";
	case SC_WL_DMA_BENCH:
		return "read";
	case SC_WL_RR:
		return "transaction";
	default:
		return "frame";
	}
}

static uint64_t get_u(const struct results *r, const char *k)
{
	uint64_t v = 0;

	results_get_u64(r, k, &v);
	return v;
}

static double get_d(const struct results *r, const char *k)
{
	double v = 0;

	results_get_double(r, k, &v);
	return v;
}

/* Every cache that was used or invalidated, one line each (the results' per-cache keys). */
static void summary_caches(const struct results *r, FILE *f)
{
	static const char *const caches[][2] = {
	    {"iotlb", "IOTLB"},
	    {"iommu.context_cache", "context cache"},
	    {"iommu.pasid_cache", "PASID cache"},
	    {"iommu.paging_structure_cache", "paging-structure caches"},
	    {"iommu.interrupt_entry_cache", "interrupt entry cache"},
	    {"ats.atc", "device TLBs (ATS)"},
	};
	static const char *const fld[5] = {"lookups", "hits", "misses", "evictions",
					   "invalidations"};

	fprintf(f, "  %-32s %14s %10s %10s %10s %10s\n", "cache", "lookups", "hits", "misses",
		"evictions", "invals");
	for (size_t i = 0; i < sizeof(caches) / sizeof(caches[0]); i++) {
		unsigned long long v[5];
		char k[96];

		for (unsigned j = 0; j < 5; j++) {
			snprintf(k, sizeof(k), "%s.%s", caches[i][0], fld[j]);
			v[j] = (unsigned long long)get_u(r, k);
		}
		if (!v[0] && !v[4])
			continue;
		fprintf(f, "    %-30s %14llu %10llu %10llu %10llu %10llu\n", caches[i][1], v[0],
			v[1], v[2], v[3], v[4]);
	}
}

/* The first VM; with none (bare metal), a VM without devices, whose sections are empty. */
static const struct sc_vm *first_vm(const struct scenario *sc)
{
	static const struct sc_vm none;

	return sc->nvms ? &sc->vms[0] : &none;
}

/* The DMA mapping strategy: what it pinned and, for the paravirtual ones, what it cost and
 * what it left translatable after the guest's unmaps. */
static void summary_dma(const struct scenario *sc, const struct results *r, FILE *f)
{
	const struct sc_vm *vm = first_vm(sc);

	if (vm->dma.strategy == DMA_NONE || !vm->ndevices)
		return;
	fprintf(f, "\nDMA mapping (%s", dma_strategy_names[vm->dma.strategy]);
	if (vm->dma.strategy > DMA_DIRECT_MAP && vm->dma.strategy != DMA_PERSISTENT)
		fprintf(f, ", %s invalidation", dma_inval_names[vm->dma.invalidation]);
	if (vm->dma.strategy == DMA_ON_DEMAND)
		fprintf(f, ", quota %llu pages, %s", (unsigned long long)vm->dma.quota_pages,
			dma_repl_names[vm->dma.replacement]);
	fprintf(f, ")\n");
	fprintf(f, "  %-32s %14llu peak, %.1f mean (%.2f / %.2f MiB)\n", "pages pinned",
		(unsigned long long)get_u(r, "dma.pinned_pages_peak"),
		get_d(r, "dma.pinned_pages_mean"), get_d(r, "dma.pinned_mib_peak"),
		get_d(r, "dma.pinned_mib_mean"));
	if (vm->dma.strategy <= DMA_DIRECT_MAP)
		return;
	fprintf(f, "  %-32s %14llu (%.2f requests each, %.3f per %s)\n", "hypercalls",
		(unsigned long long)get_u(r, "guest.dma_hypercalls"),
		get_d(r, "dma.requests_per_hypercall"), get_d(r, "dma.hypercalls_per_op"),
		op_noun(sc));
	fprintf(f, "  %-32s %14llu mapped, %llu torn down, %llu mapped again\n", "IOMMU pages",
		(unsigned long long)get_u(r, "dma.maps"),
		(unsigned long long)get_u(r, "dma.unmaps"),
		(unsigned long long)get_u(r, "dma.remaps"));
	if (vm->dma.strategy == DMA_ON_DEMAND || vm->dma.strategy == DMA_SHARED)
		fprintf(f, "  %-32s %14llu hits, %llu misses, %llu evictions, %llu prefetch hits\n",
			"map cache", (unsigned long long)get_u(r, "dma.cache.hits"),
			(unsigned long long)get_u(r, "dma.cache.misses"),
			(unsigned long long)get_u(r, "dma.cache.evictions"),
			(unsigned long long)get_u(r, "dma.cache.prefetch_hits"));
	if (get_u(r, "guest.dma_map_errors") || get_u(r, "dma.cache.evictions_in_use"))
		fprintf(f,
			"  %-32s %14llu maps refused, %llu pages evicted in use, %llu DMAs lost\n",
			"quota", (unsigned long long)get_u(r, "guest.dma_map_errors"),
			(unsigned long long)get_u(r, "dma.cache.evictions_in_use"),
			(unsigned long long)get_u(r, "dma.lost_dmas"));
	fprintf(f, "  %-32s %14llu page, %llu domain (%llu descriptors)\n", "IOTLB invalidations",
		(unsigned long long)get_u(r, "dma.invalidations.page"),
		(unsigned long long)get_u(r, "dma.invalidations.domain"),
		(unsigned long long)get_u(r, "dma.invalidation_descriptors"));
	if (vm->dma.invalidation == DMA_INVAL_DEFERRED)
		fprintf(f, "  %-32s %14llu full, %llu by the timer\n", "flush-queue flushes",
			(unsigned long long)get_u(r, "dma.flush_queue.flushes_full"),
			(unsigned long long)get_u(r, "dma.flush_queue.flushes_timeout"));
	fprintf(f, "  %-32s %10.0f / %.0f / %.0f guest, exit, hypervisor\n",
		"cycles per dma_map/unmap", get_d(r, "dma.cycles_per_dma_op.guest"),
		get_d(r, "dma.cycles_per_dma_op.exit"),
		get_d(r, "dma.cycles_per_dma_op.hypervisor"));
	fprintf(f, "  %-32s %10.0f / %.0f / %.0f ns (mean / p99 / max), %llu pages\n",
		"use-after-unmap window", get_d(r, "dma.unmap_window_ns.mean"),
		get_d(r, "dma.unmap_window_ns.p99"), get_d(r, "dma.unmap_window_ns.max"),
		(unsigned long long)get_u(r, "dma.unmap_windows"));
	fprintf(f, "  %-32s %14llu\n", "device accesses after unmap",
		(unsigned long long)get_u(r, "dma.use_after_unmap"));
}

/* The guest-visible IOMMU: what the guest's own driver cost in traps, and what the VMM did
 * with its invalidations (shadowing or forwarding them). */
static void summary_viommu(const struct scenario *sc, const struct results *r, FILE *f)
{
	static const char *const policy[] = {"strict", "lazy", "passthrough"};
	const struct sc_vm *vm = first_vm(sc);
	double per_op = get_d(r, "exits_per_op"),
	       ops = per_op > 0 ? get_d(r, "exits.total") / per_op : 0;
	uint64_t traps = get_u(r, "viommu.reg_reads") + get_u(r, "viommu.reg_writes");

	fprintf(f, "\nvIOMMU (%s, guest iommu %s)\n", viommu_mode_names[vm->viommu.mode],
		policy[vm->guest.kernel.iommu]);
	fprintf(f, "  %-32s %14llu (%llu queue tail writes; %.3f per %s)\n", "register traps",
		(unsigned long long)traps, (unsigned long long)get_u(r, "viommu.iq_tail_writes"),
		ops > 0 ? (double)traps / ops : 0.0, op_noun(sc));
	fprintf(f, "  %-32s %14llu (%llu IOTLB, %llu PASID-based, %llu context, %llu wait)\n",
		"descriptors carried out", (unsigned long long)get_u(r, "viommu.descriptors"),
		(unsigned long long)get_u(r, "viommu.descriptors_by_kind.iotlb"),
		(unsigned long long)get_u(r, "viommu.descriptors_by_kind.piotlb"),
		(unsigned long long)get_u(r, "viommu.descriptors_by_kind.context"),
		(unsigned long long)get_u(r, "viommu.descriptors_by_kind.wait"));
	if (vm->viommu.mode == VIOMMU_SHADOW) {
		fprintf(f,
			"  %-32s %14llu gIOVA pages (%llu guest entries read, %llu full resyncs)\n",
			"shadow walks", (unsigned long long)get_u(r, "viommu.shadow.walks"),
			(unsigned long long)get_u(r, "viommu.shadow.walk_reads"),
			(unsigned long long)get_u(r, "viommu.shadow.syncs"));
		fprintf(f,
			"  %-32s %14llu installed, %llu removed, %llu refused; %llu at the peak\n",
			"shadow pages", (unsigned long long)get_u(r, "viommu.shadow.installs"),
			(unsigned long long)get_u(r, "viommu.shadow.removals"),
			(unsigned long long)get_u(r, "viommu.shadow.refused"),
			(unsigned long long)get_u(r, "viommu.shadow.pages_peak"));
	} else {
		fprintf(f, "  %-32s %14llu\n", "invalidations forwarded",
			(unsigned long long)get_u(r, "viommu.forwarded_invalidations"));
	}
	fprintf(f, "  %-32s %14.1f us\n", "VMM time on invalidations",
		get_d(r, "viommu.hv_ns") / 1000.0);
	fprintf(f, "  %-32s %14.2f\n", "memory reads per IOTLB-miss walk",
		get_u(r, "iommu.walks") ? get_d(r, "iommu.walk_mem_reads") / get_d(r, "iommu.walks")
					: 0.0);
}

/* The kind of the run's workload: the top-level one's, or the one every VM's own has (-1 when
 * they differ). */
static int run_kind(const struct scenario *sc)
{
	int kind = -1;

	if (!scenario_vm_workloads(sc))
		return sc->workload.kind;
	for (size_t v = 0; v < sc->nvms; v++)
		if (sc->vms[v].has_workload) {
			if (kind >= 0 && kind != sc->vms[v].workload.kind)
				return -1;
			kind = sc->vms[v].workload.kind;
		}
	return kind;
}

/* With several VMs running workloads of their own: each VM's figures, from its results keys. */
static void summary_per_vm(const struct scenario *sc, const struct results *r, FILE *f)
{
	fprintf(f, "\nPer VM (its own workload; its exits, cycles and DMA translations)\n");
	fprintf(f, "  %-14s %-9s %10s %12s %10s %10s %8s %9s %9s %9s\n", "VM", "workload", "Gb/s",
		"ops/s", "lat mean", "lat p99", "exits/op", "cyc/op", "IOTLB", "xlate");
	fprintf(f, "  %-14s %-9s %10s %12s %10s %10s %8s %9s %9s %9s\n", "", "", "", "", "ns", "ns",
		"", "", "misses", "ns mean");
	for (size_t v = 0; v < sc->nvms; v++) {
		const struct sc_vm *vm = &sc->vms[v];
		char k[8][160];
		static const char *const key[8] = {"workload.throughput_gbps",
						   "workload.ops_per_s",
						   "workload.latency_ns.mean",
						   "workload.latency_ns.p99",
						   "exits_per_op",
						   "cpu.cycles_per_op",
						   "iotlb.misses",
						   "iommu.translation_ns_mean"};

		for (unsigned i = 0; i < 8; i++)
			snprintf(k[i], sizeof(k[i]), "vms.%s.%s", vm->name, key[i]);
		if (!vm->has_workload) {
			fprintf(f, "  %-14s %-9s %10s %12s %10s %10s %8s %9s %9llu %9.1f\n",
				vm->name, "-", "", "", "", "", "", "",
				(unsigned long long)get_u(r, k[6]), get_d(r, k[7]));
			continue;
		}
		fprintf(f, "  %-14s %-9s %10.3f %12.0f %10.0f %10.0f %8.3f %9.0f %9llu %9.1f\n",
			vm->name, sc_wl_kind_names[vm->workload.kind], get_d(r, k[0]),
			get_d(r, k[1]), get_d(r, k[2]), get_d(r, k[3]), get_d(r, k[4]),
			get_d(r, k[5]), (unsigned long long)get_u(r, k[6]), get_d(r, k[7]));
	}
}

void machine_print_summary(const struct scenario *sc, const struct results *r, FILE *f)
{
	static const char *const iommu_policy[] = {"strict", "lazy", "passthrough"};
	const struct sc_vm *vm = first_vm(sc);
	int kind = run_kind(sc);
	/* dma_bench: the host drives a DMA engine; no VM, interrupt or vCPU is in the window */
	bool bench = sc->workload.kind == SC_WL_DMA_BENCH;
	/* what is per frame or per translation has nothing to divide by without them */
	bool frames = bench || get_u(r, "workload.frames_received") ||
		      get_u(r, "workload.ios_completed") || get_u(r, "workload.transactions");

	fprintf(f, "ptsim %s  scenario '%s'  seed %llu\n", PTSIM_VERSION, sc->name,
		(unsigned long long)get_u(r, "seed"));
	if (sc->description && *sc->description)
		fprintf(f, "  %s\n", sc->description);
	if (bench)
		fprintf(f, "\nSetup (host boot): %.3f ms simulated\n",
			(double)get_u(r, "setup.sim_time_ns") / 1e6);
	else
		fprintf(
		    f,
		    "\nSetup (host boot, assignment, guest boot): %.3f ms simulated, %llu exits\n",
		    (double)get_u(r, "setup.sim_time_ns") / 1e6,
		    (unsigned long long)get_u(r, "setup.exits"));
	if (bench)
		fprintf(f,
			"Measured window: %.3f ms simulated (%llu engine events), the host "
			"drives %s\n",
			(double)get_u(r, "window.length_ns") / 1e6,
			(unsigned long long)get_u(r, "window.events"), sc->workload.device);
	else if (!sc->nvms)
		fprintf(f,
			"Measured window: %.3f ms simulated (%llu engine events), bare metal, "
			"intel_iommu=%s, %s DMA API\n",
			(double)get_u(r, "window.length_ns") / 1e6,
			(unsigned long long)get_u(r, "window.events"),
			sc->host.iommu.dma_remapping ? "on" : "off",
			sc->host.iommu.dma_remapping ? iommu_policy[sc->bare.kernel.kernel.iommu]
						     : "direct");
	else
		fprintf(
		    f, "Measured window: %.3f ms simulated (%llu engine events), %s mode, %s %s\n",
		    (double)get_u(r, "window.length_ns") / 1e6,
		    (unsigned long long)get_u(r, "window.events"),
		    hv_irq_mode_names[vm->vm.irq_mode],
		    vm->viommu.mode != VIOMMU_NONE ? viommu_mode_names[vm->viommu.mode]
						   : dma_strategy_names[vm->dma.strategy],
		    vm->viommu.mode != VIOMMU_NONE ? "vIOMMU" : "DMA");

	fprintf(f, "\n%-34s %14s\n", "Workload", "");
	if (kind < 0) {
		/* VMs' workloads of different kinds: what they have in common */
		fprintf(f, "  %-32s %14.3f Gb/s, %.0f operations/s (every VM's together)\n",
			"throughput", get_d(r, "throughput_gbps"), get_d(r, "ops_per_s"));
	} else if (kind == SC_WL_DMA_BENCH) {
		fprintf(f,
			"  %-32s %14llu of %llu B (%llu failed), %llu KiB window, %llu KiB pages\n",
			"DMA reads", (unsigned long long)get_u(r, "workload.reads"),
			(unsigned long long)sc->workload.dma_bench.read_bytes,
			(unsigned long long)get_u(r, "workload.read_errors"),
			(unsigned long long)get_u(r, "workload.window_bytes") / 1024,
			(unsigned long long)get_u(r, "workload.page_bytes") / 1024);
		fprintf(f, "  %-32s %14.3f Gb/s\n", "bandwidth", get_d(r, "throughput_gbps"));
		fprintf(f, "  %-32s %14.0f reads/s\n", "rate", get_d(r, "ops_per_s"));
		fprintf(f, "  %-32s %10.0f / %.0f / %.0f ns (mean / p50 / p99)\n",
			"read latency, issue to data", get_d(r, "latency_ns.mean"),
			get_d(r, "latency_ns.p50"), get_d(r, "latency_ns.p99"));
	} else if (kind == SC_WL_NVME) {
		fprintf(
		    f,
		    "  %-32s %14llu of %llu (%llu reads, %llu writes, %llu errors, %llu corrupt)\n",
		    "I/O requests completed",
		    (unsigned long long)get_u(r, "workload.ios_completed"),
		    (unsigned long long)get_u(r, "workload.ios_submitted"),
		    (unsigned long long)get_u(r, "workload.reads"),
		    (unsigned long long)get_u(r, "workload.writes"),
		    (unsigned long long)get_u(r, "workload.io_errors"),
		    (unsigned long long)get_u(r, "workload.ios_corrupt"));
		fprintf(f, "  %-32s %14.0f IOPS\n", "rate", get_d(r, "ops_per_s"));
		fprintf(f, "  %-32s %14.1f MiB/s\n", "bandwidth",
			get_d(r, "workload.bandwidth_mib_s"));
		fprintf(f, "  %-32s %10.0f / %.0f / %.0f ns (mean / p50 / p99)\n",
			"latency, submission to completion", get_d(r, "latency_ns.mean"),
			get_d(r, "latency_ns.p50"), get_d(r, "latency_ns.p99"));
		fprintf(f, "  %-32s %14.0f ns per request, media busy %.1f %% of the window\n",
			"in the controller", get_d(r, "workload.device_ns_mean"),
			100.0 * get_d(r, "workload.media_utilisation"));
		fprintf(f, "  %-32s %14.3f exits, %.0f cycles\n", "per request",
			get_d(r, "exits_per_op"), get_d(r, "cpu.cycles_per_op"));
	} else if (kind == SC_WL_RR) {
		fprintf(f, "  %-32s %14llu of %llu (%llu dropped, %llu lost, %llu corrupt)\n",
			"transactions completed",
			(unsigned long long)get_u(r, "workload.transactions"),
			(unsigned long long)get_u(r, "workload.requests_sent"),
			(unsigned long long)get_u(r, "workload.transactions_dropped"),
			(unsigned long long)get_u(r, "workload.transactions_lost"),
			(unsigned long long)get_u(r, "workload.responses_corrupt"));
		fprintf(f, "  %-32s %14.0f transactions/s\n", "rate", get_d(r, "ops_per_s"));
		fprintf(f, "  %-32s %10.0f / %.0f / %.0f ns (mean / p50 / p99)\n",
			"latency, request to response", get_d(r, "latency_ns.mean"),
			get_d(r, "latency_ns.p50"), get_d(r, "latency_ns.p99"));
		fprintf(f, "  %-32s %14.3f exits, %.0f cycles\n", "per transaction",
			get_d(r, "exits_per_op"), get_d(r, "cpu.cycles_per_op"));
	} else if (kind == SC_WL_STREAM_TX) {
		fprintf(f, "  %-32s %14llu of %llu (%llu dropped, %llu lost, %llu corrupt)\n",
			"frames sent, on the wire",
			(unsigned long long)get_u(r, "workload.frames_received"),
			(unsigned long long)get_u(r, "workload.frames_sent"),
			(unsigned long long)get_u(r, "workload.frames_dropped"),
			(unsigned long long)get_u(r, "workload.frames_lost"),
			(unsigned long long)get_u(r, "workload.frames_corrupt"));
		fprintf(f, "  %-32s %14llu (retried when a completion made room)\n",
			"sends refused, ring full",
			(unsigned long long)get_u(r, "workload.send_busy"));
		fprintf(f, "  %-32s %14.3f Gb/s\n", "throughput on the wire",
			get_d(r, "throughput_gbps"));
		fprintf(f, "  %-32s %14.0f frames/s\n", "rate", get_d(r, "ops_per_s"));
		fprintf(f, "  %-32s %10.0f / %.0f / %.0f ns (mean / p50 / p99)\n",
			"latency, send call to wire", get_d(r, "latency_ns.mean"),
			get_d(r, "latency_ns.p50"), get_d(r, "latency_ns.p99"));
	} else {
		fprintf(f, "  %-32s %14llu of %llu (%llu dropped by the NIC, %llu lost)\n",
			"frames received", (unsigned long long)get_u(r, "workload.frames_received"),
			(unsigned long long)get_u(r, "workload.frames_sent"),
			(unsigned long long)get_u(r, "workload.frames_dropped"),
			(unsigned long long)get_u(r, "workload.frames_lost"));
		fprintf(f, "  %-32s %14.3f Gb/s\n", "throughput", get_d(r, "throughput_gbps"));
		fprintf(f, "  %-32s %14.0f frames/s\n", "rate", get_d(r, "ops_per_s"));
		if (frames)
			fprintf(f, "  %-32s %10.0f / %.0f / %.0f ns (mean / p50 / p99)\n",
				"latency, wire to application", get_d(r, "latency_ns.mean"),
				get_d(r, "latency_ns.p50"), get_d(r, "latency_ns.p99"));
		else
			fprintf(f, "  %-32s %14s (no frame reached the application)\n",
				"latency, wire to application", "-");
	}
	if (sc->nvms > 1 && scenario_vm_workloads(sc))
		summary_per_vm(sc, r, f);
	if (bench)
		goto iommu;

	fprintf(f, "\nInterrupts and exits\n");
	fprintf(f, "  %-32s %14llu\n",
		sc->nvms ? "interrupts delivered to guest" : "interrupts delivered to kernel",
		(unsigned long long)get_u(r, "interrupts.delivered"));
	fprintf(f, "  %-32s %14llu remapped, %llu posted (%llu of them to the wakeup vector)\n",
		"  by path", (unsigned long long)get_u(r, "interrupts.by_path.remapped"),
		(unsigned long long)get_u(r, "interrupts.by_path.posted"),
		(unsigned long long)get_u(r, "interrupts.by_path.posted_wakeup"));
	fprintf(f, "  %-32s %14llu\n", "VM exits", (unsigned long long)get_u(r, "exits.total"));
	for (unsigned i = 0; i <= EXIT_REASON_MAX; i++) {
		const char *n = vmx_exit_name(i);
		char key[96];

		if (!n)
			continue;
		snprintf(key, sizeof(key), "exits.by_reason.%s", n);
		if (get_u(r, key))
			fprintf(f, "    %-30s %14llu\n", n, (unsigned long long)get_u(r, key));
	}
	fprintf(f, "  %-32s %14.3f (%.3f to deliver and complete it)\n", "exits per interrupt",
		get_d(r, "exits_per_interrupt"), get_d(r, "interrupt_exits_per_interrupt"));
	if (get_u(r, "napi.polls"))
		fprintf(f,
			"  %-32s %14llu (%.2f frames each; %llu used the whole budget, %llu "
			"re-enabled the interrupt)\n",
			"NAPI polls", (unsigned long long)get_u(r, "napi.polls"),
			get_d(r, "napi.frames_per_poll"),
			(unsigned long long)get_u(r, "napi.budget_exhausted"),
			(unsigned long long)get_u(r, "napi.irq_reenables"));
	if (get_u(r, "interrupts.intx.asserts"))
		fprintf(f, "  %-32s %14llu host interrupts, line masked %.0f ns each (mean)\n",
			"INTx line", (unsigned long long)get_u(r, "interrupts.intx.host_irqs"),
			get_d(r, "interrupts.intx.masked_ns_mean"));
	fprintf(f, "  %-32s %10.0f / %.0f / %.0f ns (mean / p50 / p99)\n",
		"latency, device IRQ to handler", get_d(r, "interrupts.latency_ns.mean"),
		get_d(r, "interrupts.latency_ns.p50"), get_d(r, "interrupts.latency_ns.p99"));

iommu:
	fprintf(f, "\nIOMMU\n");
	if (!sc->machine.iommu.enabled) {
		fprintf(f,
			"  none (machine.iommu.enabled: false): DMA goes to memory untranslated\n");
		goto dma;
	}
	fprintf(f, "  %-32s %14llu (%llu hits, %llu misses, hit rate %.3f)\n", "IOTLB lookups",
		(unsigned long long)get_u(r, "iotlb.lookups"), (unsigned long long)get_u(r, "iotlb.hits"),
		(unsigned long long)get_u(r, "iotlb.misses"), get_d(r, "iotlb.hit_rate"));
	fprintf(f, "  %-32s %14llu (%llu memory reads)\n", "page walks",
		(unsigned long long)get_u(r, "iommu.walks"),
		(unsigned long long)get_u(r, "iommu.walk_mem_reads"));
	if (get_u(r, "iotlb.lookups"))
		fprintf(f, "  %-32s %14.1f ns\n", "mean translation time",
			get_d(r, "iommu.translation_ns_mean"));
	else
		fprintf(f, "  %-32s %14s (no IOTLB lookup: DMA passed through untranslated)\n",
			"mean translation time", "-");
	if (get_u(r, "iommu.walks_queued"))
		fprintf(f, "  %-32s %14llu (mean wait per walk %.1f ns)\n",
			"walks queued for a walker",
			(unsigned long long)get_u(r, "iommu.walks_queued"),
			get_d(r, "iommu.walk_queue_ns_mean"));
	summary_caches(r, f);
	fprintf(f, "  %-32s %14llu (%llu descriptors)\n", "invalidations",
		(unsigned long long)get_u(r, "iommu.invalidations"),
		(unsigned long long)get_u(r, "iommu.invalidation_descriptors"));
	fprintf(f, "  %-32s %14llu\n", "pages pinned (peak)",
		(unsigned long long)get_u(r, "iommu.pinned_pages_peak"));
	fprintf(f, "  %-32s %14llu\n", "faults", (unsigned long long)get_u(r, "iommu.faults"));

dma:
	fprintf(f, "\nDMA\n");
	fprintf(f, "  %-32s %14llu (%llu bytes, %llu blocked)\n", "requests",
		(unsigned long long)get_u(r, "dma.requests"), (unsigned long long)get_u(r, "dma.bytes"),
		(unsigned long long)get_u(r, "dma.blocked"));
	if (get_u(r, "dma.outside_vm_bytes"))
		fprintf(f, "  %-32s %14llu  <-- DMA reached memory the VM does not own\n",
			"bytes written outside the VM",
			(unsigned long long)get_u(r, "dma.outside_vm_bytes"));

	if (bench)
		goto end;
	if (vm->viommu.mode != VIOMMU_NONE && vm->ndevices)
		summary_viommu(sc, r, f);
	else
		summary_dma(sc, r, f);

	fprintf(f, "\nCPU (the %s pCPUs, cycles per %s)\n", sc->nvms ? "VM's" : "kernel's",
		op_noun(sc));
	if (frames) {
		fprintf(f, "  %-32s %14.0f\n", "total (guest + exits + host)",
			get_d(r, "cpu.cycles_per_op"));
		fprintf(f, "  %-32s %14.0f\n", "virtualization overhead",
			get_d(r, "cpu.overhead_cycles_per_op"));
	} else {
		fprintf(f, "  %-32s %14s (no %s completed)\n", "total (guest + exits + host)", "-",
			op_noun(sc));
	}
	fprintf(f, "  %-32s %14llu guest, %llu exit, %llu host, %llu idle\n", "cycles in window",
		(unsigned long long)get_u(r, "cpu.guest_cycles"),
		(unsigned long long)get_u(r, "cpu.exit_cycles"),
		(unsigned long long)get_u(r, "cpu.hv_cycles"),
		(unsigned long long)get_u(r, "cpu.idle_cycles"));
	if (get_u(r, "sched.context_switches")) {
		fprintf(f, "\nScheduler (vCPUs sharing pCPUs)\n");
		fprintf(f, "  %-32s %14llu (%llu at the end of a slice, %llu by a woken vCPU)\n",
			"context switches", (unsigned long long)get_u(r, "sched.context_switches"),
			(unsigned long long)get_u(r, "sched.slice_expiries"),
			(unsigned long long)get_u(r, "sched.wakeup_preemptions"));
		fprintf(f, "  %-32s %14.1f us in all\n", "runnable, waiting for a pCPU",
			get_d(r, "sched.run_delay_ns") / 1000.0);
		for (unsigned v = 0; v < sc->nvms && sc->nvms > 1; v++) {
			char k1[96], k2[96], k3[96];
			const char *n = sc->vms[v].name;

			snprintf(k1, sizeof(k1), "vms.%s.exits", n);
			snprintf(k2, sizeof(k2), "vms.%s.interrupts", n);
			snprintf(k3, sizeof(k3), "vms.%s.run_delay_ns", n);
			fprintf(f, "    %-30s %14llu exits, %llu interrupts, waited %.1f us\n", n,
				(unsigned long long)get_u(r, k1), (unsigned long long)get_u(r, k2),
				get_d(r, k3) / 1000.0);
		}
		if (get_u(r, "vm.pi_sn_sets"))
			fprintf(f, "  %-32s %14llu preemptions set SN; %llu resumed with PIR pending\n",
				"posted-interrupt descriptor", (unsigned long long)get_u(r, "vm.pi_sn_sets"),
				(unsigned long long)get_u(r, "vm.pi_on_at_resume"));
	}
end:
	baseline_print(r, f);
	fprintf(f, "\nSimulated %.3f ms in %.2f s of wall time.\n",
		(double)get_u(r, "sim_time_ns") / 1e6, get_d(r, "wall_s"));
}

