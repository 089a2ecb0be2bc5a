/* SPDX-License-Identifier: MIT */
/*
 * Measurement: every model instance of the machine registered with its model's metric table
 * (sim/metrics.h), snapshots at the start and end of the workload's window, and the results:
 * the window's keys, the figures derived from them (declared once, below), and the run's and
 * the workload's own figures. A counter is declared in its model's table, nowhere here.
 */
#include "app/machine_internal.h"

#include "models/devices/dmaeng.h"
#include "models/devices/nic.h"
#include "models/devices/nvme.h"
#include "models/guest/kernel/gk.h"
#include "models/host/bare.h"
#include "models/host/hv.h"
#include "models/host/sched.h"
#include "models/host/pv_iommu.h"
#include "models/host/viommu.h"
#include "models/host/vfio.h"
#include "models/drivers/intel_iommu/intel_iommu.h"
#include "models/host/host_iommu.h"
#include "models/iommu/iotlb.h"
#include "models/pcie/pcie.h"
#include "sim/engine.h"
#include "sim/metrics.h"
#include "sim/results.h"
#include "sim/simtime.h"
#include "workloads/dma_bench.h"
#include "workloads/nvme.h"
#include "workloads/stream_rx.h"
#include "workloads/stream_tx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- the application's own counters ---- */

/* The interrupt-latency probe (run.c) counts only inside the window. */
static const struct metric irq_latency_rows[] = {
    {METRIC(struct irq_latency, coalesced, COUNT, "interrupts.coalesced",
	    "device messages that arrived while an earlier one was still pending")},
    {METRIC_SAMPLED(struct irq_latency, lat, "interrupts.latency_ns",
		    "from a device's MSI-X write to the first instruction of the guest's "
		    "interrupt entry")},
};
static const struct metric_table irq_latency_metrics =
    METRIC_TABLE(struct irq_latency, irq_latency_rows);

/* ---- derived figures: formulas over the window's keys, each declared once ---- */

#define F METRIC_FORMULA
static const struct metric_formula derived[] = {
    F("interrupts.by_path.emulated", ADD,
      "delivered by the hypervisor's emulated LAPIC: event injection at VM entry",
      "interrupts.injected"),
    F("interrupts.by_path.posted_wakeup", ADD,
      "posted to a halted vCPU and woken through the wakeup vector", "vm.posted_wakeups"),
    F("interrupts.sent_by_devices", ADD, "interrupt messages and INTx assertions the devices sent",
      "nic.msis_sent", "interrupts.intx.asserts"),
    F("interrupts.intx.masked_ns_mean", MEAN_NS, "time an INTx line stayed masked, per unmask",
      "interrupts.intx.masked_ns", "interrupts.intx.unmasks"),
    F("exits_per_interrupt", RATIO, "all VMs' exits per interrupt delivered", "exits.total",
      "interrupts.delivered"),
    F("interrupt_exits_per_interrupt", RATIO,
      "the exits the interrupt caused, per interrupt delivered", "exits.interrupt_related",
      "interrupts.delivered"),
    F("iotlb.hit_rate", RATIO, "IOTLB hits per lookup", "iotlb.hits", "iotlb.lookups"),
    F("iommu.translation_ns_mean", MEAN_NS, "translation time per request", "iommu.translation_ns",
      "iommu.translations"),
    F("iommu.walk_queue_ns_mean", MEAN_NS, "time a walk waited for a walker, per walk",
      "iommu.walk_queue_ns", "iommu.walks"),
    F("iommu.invalidations_by_kind.iotlb", ADD, "IOTLB invalidations of every granularity",
      "iommu.iotlb_invalidations.global", "iommu.iotlb_invalidations.domain",
      "iommu.iotlb_invalidations.page", "iommu.iotlb_invalidations.pasid"),
    F("iommu.invalidations", ADD, "invalidations of every kind",
      "iommu.invalidations_by_kind.context", "iommu.invalidations_by_kind.iotlb",
      "iommu.invalidations_by_kind.interrupt_entry", "iommu.invalidations_by_kind.pasid_cache",
      "iommu.invalidations_by_kind.device_tlb"),
    F("dma.requests", ADD, "DMA requests", "dma.reads", "dma.writes"),
    F("dma.bytes", ADD, "DMA bytes", "dma.read_bytes", "dma.write_bytes"),
    F("cpu.guest_cycles", CYCLES, "the VMs' pCPUs in guest mode", "cpu.guest_ns"),
    F("cpu.exit_cycles", CYCLES, "in exit and entry transitions", "cpu.exit_ns"),
    F("cpu.hv_cycles", CYCLES, "in the hypervisor and host handlers", "cpu.hv_ns"),
    F("cpu.idle_cycles", CYCLES, "idle", "cpu.idle_ns"),
    F("cpu.cycles_per_op", PER_OP,
      "guest, exit and hypervisor cycles per frame (dma_bench: per read)", "cpu.guest_cycles",
      "cpu.exit_cycles", "cpu.hv_cycles"),
    F("cpu.overhead_cycles_per_op", PER_OP, "exit and hypervisor cycles per frame",
      "cpu.exit_cycles", "cpu.hv_cycles"),
    F("exits_per_op", PER_OP, "all VMs' exits per frame (dma_bench: per read)", "exits.total"),
    /* the DMA mapping strategy (models/host/pv_iommu.c, models/guest/kernel/dma.c) */
    F("dma.ops", ADD, "the guest drivers' dma_map_* and dma_unmap_* calls", "guest.dma_maps",
      "guest.dma_unmaps"),
    F("dma.requests_per_hypercall", RATIO, "paravirtual IOMMU requests per hypercall",
      "guest.dma_requests", "guest.dma_hypercalls"),
    F("dma.invalidations_total", ADD, "the strategy's IOTLB invalidations, every kind",
      "dma.invalidations.page", "dma.invalidations.domain"),
    F("dma.invalidations_per_op", PER_OP, "the strategy's IOTLB invalidations per frame",
      "dma.invalidations.page", "dma.invalidations.domain"),
    F("dma.invalidation_descriptors_per_op", PER_OP,
      "their queued-invalidation descriptors per frame", "dma.invalidation_descriptors"),
    F("dma.maps_per_op", PER_OP, "pages mapped in the IOMMU per frame", "dma.maps"),
    F("dma.remaps_per_op", PER_OP, "pages mapped again (after a teardown) per frame", "dma.remaps"),
    F("dma.hypercalls_per_op", PER_OP, "paravirtual IOMMU hypercalls per frame",
      "guest.dma_hypercalls"),
    F("dma.hypercall_cycles", CYCLES, "the DMA layer's hypercalls, VMCALL to return",
      "guest.dma_hypercall_ns"),
    F("dma.hypercall_hv_cycles", CYCLES, "of them, in the hypervisor's handler",
      "dma.hypercall_hv_ns"),
    F("dma.hv_cycles", CYCLES, "the hypervisor's DMA mapping work (hypercalls and timers)",
      "dma.hv_ns"),
    F("dma.exit_cycles", SUB, "of the hypercalls, the exit, entry and exit handling",
      "dma.hypercall_cycles", "dma.hypercall_hv_cycles"),
    F("dma.cycles_per_dma_op.guest", RATIO,
      "per dma_map/unmap call: the guest DMA layer's own cycles", "guest.dma_cycles", "dma.ops"),
    F("dma.cycles_per_dma_op.exit", RATIO,
      "per dma_map/unmap call: exit and entry cycles of its hypercalls", "dma.exit_cycles",
      "dma.ops"),
    F("dma.cycles_per_dma_op.hypervisor", RATIO,
      "per dma_map/unmap call: the hypervisor's cycles (mapping, invalidation, pinning)",
      "dma.hv_cycles", "dma.ops"),
};
#undef F

/* ---- the registry: every instance of the machine ---- */

/* Where each VT-d cache's table goes (enum vtd_cache_id). */
static const char *const cache_prefix[VTD_CACHE_N] = {
    [VTD_CACHE_CONTEXT] = "iommu.context_cache.",
    [VTD_CACHE_PASID] = "iommu.pasid_cache.",
    [VTD_CACHE_IEC] = "iommu.interrupt_entry_cache.",
    [VTD_CACHE_PSC] = "iommu.paging_structure_cache.",
};

/* group + name + ".", or NULL if it does not fit. */
static const char *prefix_of(char *buf, size_t len, const char *group, const char *name)
{
	int n = snprintf(buf, len, "%s%s.", group, name);

	return n > 0 && (size_t)n < len ? buf : NULL;
}

static void add(int *rc, struct metrics_group *g, const void *stats, const char *each)
{
	if (!*rc && stats)
		*rc = metrics_add(g, stats, each);
}

/* The tables, placed in the order their groups read best in the results; then the instances.
 * Per-VM keys (vms.<name>.) and per-device keys (devices.<name>.) when there are several. */
static int register_metrics(struct machine *m, struct metrics *reg)
{
	const struct scenario *sc = m->sc;
	struct metrics_group *gk, *vcpu, *iotlb, *vtd, *cache[VTD_CACHE_N], *drv, *atc, *fab, *plat;
	struct metrics_group *cpu, *vm, *sched, *thread, *nic, *vfio, *il, *eng, *pv, *vi = NULL,
			     *nvme = NULL;
	bool any_viommu = false;
	bool *seen = calloc(m->npcpus ? m->npcpus : 1, sizeof(*seen));
	char each[256];
	int rc = seen ? 0 : -ENOMEM;

#define PLACE(table, prefix, g)                                                                    \
	do {                                                                                       \
		if (!rc)                                                                           \
			rc = metrics_place(reg, &(table), prefix, &(g));                           \
	} while (0)
	PLACE(gk_metrics, "", gk);
	PLACE(vcpu_metrics, "", vcpu);
	PLACE(iotlb_metrics, "iotlb.", iotlb);
	PLACE(vtd_metrics, "", vtd);
	for (unsigned k = 0; k < VTD_CACHE_N; k++)
		PLACE(vtd_cache_metrics, cache_prefix[k], cache[k]);
	PLACE(intel_iommu_metrics, "", drv);
	PLACE(pcie_atc_metrics, "ats.atc.", atc);
	PLACE(pcie_metrics, "", fab);
	PLACE(platform_metrics, "", plat);
	PLACE(pcpu_time_metrics, "", cpu);
	PLACE(vm_metrics, "", vm);
	PLACE(host_sched_metrics, "", sched);
	PLACE(host_thread_metrics, "", thread);
	PLACE(nic_metrics, "", nic);
	/* NVMe controllers' keys only in machines that have one */
	if (m->nnvmes)
		PLACE(nvme_metrics, "", nvme);
	PLACE(vfio_metrics, "", vfio);
	PLACE(pv_iommu_metrics, "", pv);
	/* The vIOMMU's keys only where a VM has one (results of other runs keep their keys). */
	for (unsigned v = 0; v < sc->nvms; v++)
		any_viommu |= m->viommu[v] != NULL;
	if (any_viommu)
		PLACE(viommu_metrics, "", vi);
	PLACE(irq_latency_metrics, "", il);
	PLACE(sim_engine_metrics, "window.", eng);
#undef PLACE

	for (unsigned v = 0; v < sc->nvms && !rc; v++) {
		const struct vm *vmp = m->vm[v];
		const char *e = NULL;

		if (!vmp)
			continue;
		if (sc->nvms > 1) {
			e = prefix_of(each, sizeof(each), "vms.", sc->vms[v].name);
			if (!e)
				rc = -ENAMETOOLONG;
		}
		for (unsigned i = 0; i < vm_nvcpus(vmp); i++) {
			unsigned pc = vm_config(vmp)->pcpu[i];

			add(&rc, vcpu, vcpu_stats(vm_vcpu(vmp, i)), e);
			/* the VMs' pCPUs, each once however many vCPUs share it */
			if (pc < m->npcpus && !seen[pc]) {
				seen[pc] = true;
				add(&rc, cpu, pcpu_time(m->pcpu[pc]), NULL);
			}
		}
		if (m->gk[v])
			add(&rc, gk, gk_stats(m->gk[v]), e);
		for (unsigned i = 0; i < vm_nvcpus(vmp); i++) {
			const struct host_thread *t = vm_vcpu_thread(vmp, i);

			add(&rc, thread, t ? host_thread_stats(t) : NULL, e);
		}
		add(&rc, vm, vm_stats(vmp), e);
		add(&rc, pv, m->pv[v] ? pv_iommu_stats(m->pv[v]) : NULL, e);
		if (vi)
			add(&rc, vi, m->viommu[v] ? viommu_stats(m->viommu[v]) : NULL, e);
	}
	/* Bare metal: the host's kernel and its CPUs stand where a VM's would. */
	for (unsigned i = 0; m->bare && i < host_bare_ncpus(m->bare) && !rc; i++) {
		unsigned pc = host_bare_pcpu(m->bare, i);

		add(&rc, vcpu, vcpu_stats(host_bare_cpu(m->bare, i)), NULL);
		if (pc < m->npcpus && !seen[pc]) {
			seen[pc] = true;
			add(&rc, cpu, pcpu_time(m->pcpu[pc]), NULL);
		}
	}
	if (m->bare && m->gk[0])
		add(&rc, gk, gk_stats(m->gk[0]), NULL);
	for (unsigned u = 0; u < m->nunits; u++) {
		const struct vtd *unit = platform_unit(m->plat, u);
		const struct intel_iommu *d = machine_unit_drv(m, u);

		add(&rc, vtd, vtd_stats(unit), NULL);
		add(&rc, iotlb, iotlb_stats(vtd_iotlb(unit)), NULL);
		for (unsigned k = 0; k < VTD_CACHE_PSC; k++)
			add(&rc, cache[k], vtd_cache_stats(unit, k), NULL);
		/* the paging-structure caches: every level together */
		for (unsigned l = 0; l < VTD_PSC_LEVELS; l++)
			add(&rc, cache[VTD_CACHE_PSC], vtd_psc_stats(unit, l), NULL);
		if (d)
			add(&rc, drv, intel_iommu_stats(d), NULL);
	}
	for (size_t i = 0; i < pcie_fabric_nfns(m->fab); i++)
		add(&rc, atc, pcie_fn_atc_stats(pcie_fabric_fn(m->fab, i)), NULL);
	add(&rc, fab, pcie_fabric_stats(m->fab), NULL);
	add(&rc, plat, platform_stats(m->plat), NULL);
	if (m->sys.sched)
		add(&rc, sched, host_sched_stats(m->sys.sched), NULL);
	for (unsigned i = 0; i < m->nvfio; i++)
		add(&rc, vfio, vfio_stats(m->vfio[i]), NULL);
	/* every ptnic function, the PFs and their VFs; per device when there are several */
	unsigned nfns = 0;

	for (unsigned i = 0; i < m->nnics; i++)
		nfns += 1 + nic_total_vfs(m->nic[i]);
	for (unsigned i = 0; i < m->nnics; i++)
		for (unsigned n = 0; n <= nic_total_vfs(m->nic[i]); n++) {
			const struct nic *f = n ? nic_vf(m->nic[i], n) : m->nic[i];
			const char *e = NULL;

			if (nfns > 1) {
				e = prefix_of(each, sizeof(each), "devices.",
					      pcie_fn_name(nic_fn(f)));
				if (!e)
					rc = -ENAMETOOLONG;
			}
			add(&rc, nic, nic_stats(f), e);
		}
	for (unsigned i = 0; i < m->nnvmes; i++) {
		const char *e = NULL;

		if (m->nnvmes > 1) {
			e = prefix_of(each, sizeof(each), "devices.",
				      pcie_fn_name(nvme_fn(m->nvme[i])));
			if (!e)
				rc = -ENAMETOOLONG;
		}
		add(&rc, nvme, nvme_stats(m->nvme[i]), e);
	}
	add(&rc, il, &m->il, NULL);
	add(&rc, eng, sim_engine_stats(), NULL);
	free(seen);
	return rc;
}

void machine__snapshot(struct machine *m, struct metrics_snap **s)
{
	int rc = 0;

	if (!m->metrics) {
		rc = metrics_create(&m->metrics);
		if (!rc)
			rc = register_metrics(m, m->metrics);
	}
	metrics_snap_destroy(*s);
	*s = NULL;
	if (!rc)
		rc = metrics_snapshot(m->metrics, s);
	if (rc)
		machine__fail(m, "metrics: %s%s%s", strerror(-rc),
			      *metrics_conflict(m->metrics) ? ": key " : "",
			      metrics_conflict(m->metrics));
}

/* ---- results ---- */

/* Pinned memory over the window: the time-weighted mean from the back-ends' integrals, and
 * both figures in MiB; in total and, with several VMs, per VM. */
static int dma_results(struct machine *m, struct results *r, uint64_t window_ps)
{
	const struct scenario *sc = m->sc;
	double win_ns = (double)window_ps / 1000.0, mean = 0;
	uint64_t peak = 0;
	int rc = 0;

	for (unsigned v = 0; v < sc->nvms && !rc; v++) {
		uint64_t integral = 0, p = 0;
		double vm_mean;
		char k[160];

		if (!m->pv[v])
			continue;
		metrics_table_get(&pv_iommu_metrics, pv_iommu_stats(m->pv[v]),
				  "dma.pinned_pages_peak", &p);
		/* the integral over the window: the end's count minus the start's */
		if (m->c0 && m->c1) {
			uint64_t a = 0, b = 0;
			const char *e = sc->nvms > 1 ? sc->vms[v].name : NULL;

			if (e)
				snprintf(k, sizeof(k), "vms.%s.dma.pinned_page_ns", e);
			else
				snprintf(k, sizeof(k), "dma.pinned_page_ns");
			metrics_get(m->c0, k, &a);
			metrics_get(m->c1, k, &b);
			integral = b - a;
		}
		vm_mean = win_ns > 0 ? (double)integral / win_ns : 0;
		mean += vm_mean;
		peak += p;
		if (sc->nvms > 1) {
			snprintf(k, sizeof(k), "vms.%s.dma.pinned_pages_mean", sc->vms[v].name);
			rc = results_set_double(r, k, vm_mean);
			snprintf(k, sizeof(k), "vms.%s.dma.pinned_mib_mean", sc->vms[v].name);
			rc = rc ? rc : results_set_double(r, k, vm_mean * 4096 / 1048576.0);
		}
	}
	rc = rc ? rc : results_set_double(r, "dma.pinned_pages_mean", mean);
	rc = rc ? rc : results_set_double(r, "dma.pinned_mib_mean", mean * 4096 / 1048576.0);
	rc =
	    rc ? rc : results_set_double(r, "dma.pinned_mib_peak", (double)peak * 4096 / 1048576.0);
	return rc;
}

int machine__fill_results(struct machine *m, struct results *r, char *err, size_t errlen)
{
	const struct scenario *sc = m->sc;
	struct wl_stream_rx_result *w = m->wl ? wl_stream_rx_result(m->wl) : NULL;
	struct wl_stream_tx_result *wt = m->wtx ? wl_stream_tx_result(m->wtx) : NULL;
	struct wl_nvme_result *wn = m->wnv ? wl_nvme_result(m->wnv) : NULL;
	struct dmaeng_stats *es = m->bench_eng ? dmaeng_stats(m->bench_eng) : NULL;
	struct metric_ctx ctx = {.clock = {sc->machine.cpu.freq_mhz}};
	uint64_t window = m->t_end - m->t_start;
	uint64_t measured, bytes, setup_exits = 0, cfg_reads = 0, cfg_writes = 0;
	const struct sim_samples *lat;
	struct metrics_snap *win = NULL;
	const char *bad = NULL;
	struct timespec wall1;
	int rc;

	if (!m->c0 || !m->c1) {
		snprintf(err, errlen, "results: the measured window never closed");
		return 1;
	}
	if (w) {
		measured = w->t_end_ps > w->t_first_ps ? w->t_end_ps - w->t_first_ps : 0;
		ctx.ops = w->received;
		bytes = w->rx_bytes;
		lat = &w->latency_ps;
	} else if (wt) {
		/* From the first send call to the last frame's last bit on the wire. */
		measured = wt->t_last_ps > wt->t_first_ps ? wt->t_last_ps - wt->t_first_ps : 0;
		ctx.ops = wt->received;
		bytes = wt->wire_bytes;
		lat = &wt->latency_ps;
	} else if (wn) {
		/* From the first submission call to the last completion. */
		measured = wn->t_last_ps > wn->t_first_ps ? wn->t_last_ps - wn->t_first_ps : 0;
		ctx.ops = wn->completed;
		bytes = wn->read_bytes + wn->write_bytes;
		lat = &wn->latency_ps;
	} else {
		/* dma_bench: from the engine's first read to its last completion. */
		measured = es->t_last > es->t_first ? es->t_last - es->t_first : 0;
		ctx.ops = es->reads;
		bytes = es->bytes;
		lat = &es->latency_ps;
	}

	clock_gettime(CLOCK_MONOTONIC, &wall1);
	results_set_str(r, "ptsim_version", PTSIM_VERSION);
	results_set_str(r, "config", m->opts.config_path);
	results_set_str(r, "scenario", sc->name);
	results_set_u64(r, "seed", m->opts.seed);
	results_set_u64(r, "sim_time_ns", sim_now() / 1000);
	results_set_double(r, "wall_s", (double)(wall1.tv_sec - m->wall0.tv_sec) +
						(double)(wall1.tv_nsec - m->wall0.tv_nsec) * 1e-9);
	results_set_u64(r, "events", sim_engine_calls());
	results_set_u64(r, "window.start_ns", m->t_start / 1000);
	results_set_u64(r, "window.length_ns", window / 1000);

	rc = metrics_window(m->c0, m->c1, &win);
	if (!rc)
		rc = metrics_report(win, derived, sizeof(derived) / sizeof(derived[0]), &ctx, r,
				    &bad);
	metrics_snap_destroy(win);
	if (rc) {
		snprintf(err, errlen, "results: %s%s%s", bad ? bad : "", bad ? ": " : "",
			 strerror(-rc));
		return 1;
	}
	results_set_u64(r, "iommu.units", m->nunits);
	rc = dma_results(m, r, window);
	if (rc) {
		snprintf(err, errlen, "results: %s", strerror(-rc));
		return 1;
	}

	results_set_double(r, "throughput_gbps",
			   measured ? (double)bytes * 8.0 * 1000.0 / (double)measured : 0);
	results_set_double(r, "ops_per_s",
			   measured ? (double)ctx.ops * 1e12 / (double)measured : 0);
	rc = metrics_emit_samples(r, "latency_ns", lat);

	if (w) {
		rc = rc ? rc : metrics_emit(r, "workload.", &wl_stream_rx_metrics, w);
	} else if (wt) {
		rc = rc ? rc : metrics_emit(r, "workload.", &wl_stream_tx_metrics, wt);
	} else if (wn) {
		rc = rc ? rc : metrics_emit(r, "workload.", &wl_nvme_metrics, wn);
		results_set_double(r, "workload.iops",
				   measured ? (double)wn->completed * 1e12 / (double)measured : 0);
		results_set_double(r, "workload.bandwidth_mib_s",
				   measured ? (double)bytes * 1e12 / (double)measured / 1048576.0
					    : 0);
		if (m->nnvmes) {
			uint64_t b0 = 0, b1 = 0, t0 = 0, t1 = 0;

			/* the media's share of the window, the controller's time per request */
			metrics_get(m->c0, "nvme.media_busy_ns", &b0);
			metrics_get(m->c1, "nvme.media_busy_ns", &b1);
			metrics_get(m->c0, "nvme.io_time_ns", &t0);
			metrics_get(m->c1, "nvme.io_time_ns", &t1);
			results_set_double(r, "workload.media_utilisation",
					   measured ? (double)(b1 - b0) / (double)measured : 0);
			results_set_double(
			    r, "workload.device_ns_mean",
			    wn->completed ? (double)(t1 - t0) / 1000.0 / (double)wn->completed : 0);
		}
	} else {
		rc = rc ? rc : metrics_emit(r, "workload.", &dmaeng_metrics, es);
		results_set_u64(r, "workload.window_bytes", sc->workload.dma_bench.window_bytes);
		results_set_u64(r, "workload.page_bytes", sc->workload.dma_bench.page_bytes);
		rc = rc ? rc : metrics_emit(r, "workload.", &wl_dma_bench_metrics, &m->bench);
	}

	/* Setup: up to the window's start; the guest's config accesses are the first VM's. */
	metrics_get(m->c0, "exits.total", &setup_exits);
	if (m->gk[0]) {
		metrics_table_get(&gk_metrics, gk_stats(m->gk[0]), "guest.config_reads",
				  &cfg_reads);
		metrics_table_get(&gk_metrics, gk_stats(m->gk[0]), "guest.config_writes",
				  &cfg_writes);
	}
	results_set_u64(r, "setup.sim_time_ns", m->t_start / 1000);
	results_set_u64(r, "setup.host_boot_ns", m->t_setup_done / 1000);
	results_set_u64(r, "setup.exits", setup_exits);
	results_set_u64(r, "setup.guest_config_accesses", cfg_reads + cfg_writes);
	if (rc) {
		snprintf(err, errlen, "results: %s", strerror(-rc));
		return 1;
	}
	return 0;
}
