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

/* With several VMs, each VM's translations (run.c counts them by requester ID): per VM only,
 * the totals are the units' own. */
#define XL_ROW(field, kind, key, meaning)                                                          \
	{                                                                                          \
		METRIC(struct vm_xlate_stats, field, kind, NULL, meaning), .each = (key)           \
	}
static const struct metric vm_xlate_rows[] = {
    XL_ROW(translations, COUNT, "iommu.translations", "its DMA requests the IOMMU translated"),
    XL_ROW(iotlb_hits, COUNT, "iotlb.hits", "of them, IOTLB hits"),
    XL_ROW(iotlb_misses, COUNT, "iotlb.misses", "IOTLB misses (each a page walk)"),
    XL_ROW(walk_mem_reads, COUNT, "iommu.walk_mem_reads", "paging entries its walks read"),
    XL_ROW(blocked, COUNT, "iommu.blocked", "its requests the IOMMU blocked"),
    XL_ROW(xlate_ps, TIME, "iommu.translation_ns",
	   "translation time of its requests (caches, walks, waits for a walker)"),
};
static const struct metric_table vm_xlate_metrics =
    METRIC_TABLE(struct vm_xlate_stats, vm_xlate_rows);

/* ---- derived figures: formulas over the window's keys, each declared once ---- */

#define F METRIC_FORMULA
static const struct metric_formula derived[] = {
    F("interrupts.by_path.emulated", ADD,
      "delivered by the hypervisor's emulated LAPIC: event injection at VM entry",
      "interrupts.injected"),
    F("interrupts.by_path.posted_wakeup", ADD,
      "posted to a halted vCPU and woken through the wakeup vector", "vm.posted_wakeups"),
    F("interrupts.sent_by_devices", ADD, "interrupt messages and INTx assertions the devices sent",
      "?nic.msis_sent", "?nvme.msis_sent", "interrupts.intx.asserts"),
    F("interrupts.intx.masked_ns_mean", MEAN_NS, "time an INTx line stayed masked, per unmask",
      "interrupts.intx.masked_ns", "interrupts.intx.unmasks"),
    F("exits_per_interrupt", RATIO, "all VMs' exits per interrupt delivered", "exits.total",
      "interrupts.delivered"),
    F("interrupt_exits_per_interrupt", RATIO,
      "the exits the interrupt caused, per interrupt delivered", "exits.interrupt_related",
      "interrupts.delivered"),
    F("napi.frames_per_poll", RATIO, "frames a NAPI poll cleaned, on average", "napi.frames",
      "napi.polls"),
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

/* Each VM's figures, with several VMs: the same formulas under vms.<name>. The last
 * PER_VM_PER_OP divide by the operations of the VM's own workload: a VM without one (its
 * devices driven by the top-level workload, or none) has no such figures. */
static const struct metric_formula per_vm_derived[] = {
    F("cpu.guest_cycles", CYCLES, "its vCPUs in guest mode", "cpu.guest_ns"),
    F("cpu.exit_cycles", CYCLES, "its exit and entry transitions", "cpu.exit_ns"),
    F("cpu.hv_cycles", CYCLES, "the hypervisor and host handlers while it ran", "cpu.hv_ns"),
    F("exits_per_interrupt", RATIO, "its exits per interrupt delivered to it", "exits",
      "interrupts"),
    F("iotlb.lookups", ADD, "IOTLB lookups of its DMA", "iotlb.hits", "iotlb.misses"),
    F("iotlb.hit_rate", RATIO, "IOTLB hits per lookup of its DMA", "iotlb.hits", "iotlb.lookups"),
    F("iommu.translation_ns_mean", MEAN_NS, "translation time per request of its DMA",
      "iommu.translation_ns", "iommu.translations"),
    F("cpu.cycles_per_op", PER_OP,
      "guest, exit and hypervisor cycles per operation of its workload", "cpu.guest_cycles",
      "cpu.exit_cycles", "cpu.hv_cycles"),
    F("exits_per_op", PER_OP, "its exits per operation of its workload", "exits"),
};
#define PER_VM_PER_OP 2
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
	struct metrics_group *cpu, *vm, *sched, *thread, *nic, *vfio, *il, *eng, *pv,
	    *vi = NULL, *nvme = NULL, *xl = NULL, *nic_mq = NULL, *nic_txq = NULL;
	bool any_viommu = false, any_mq = false, any_txq = false;
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
	/* multi-queue and shared-port keys only where a NIC has several queues or VFs; transmit
	 * queues' only where one has several */
	for (unsigned i = 0; i < m->nnics; i++) {
		any_mq |= nic_config(m->nic[i])->queues > 1 || nic_total_vfs(m->nic[i]) ||
			  nic_config(m->nic[i])->internal_gbps > 0;
		any_txq |= nic_config(m->nic[i])->tx_queues > 1;
	}
	any_mq |= any_txq; /* the vectors' counts too */
	if (any_mq)
		PLACE(nic_mq_metrics, "", nic_mq);
	if (any_txq)
		PLACE(nic_txq_metrics, "", nic_txq);
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
	if (sc->nvms > 1)
		PLACE(vm_xlate_metrics, "", xl);
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
		if (xl)
			add(&rc, xl, &m->vm_xlate[v], e);
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
			if (nic_mq)
				add(&rc, nic_mq, nic_mq_stats(f), e);
			if (nic_txq)
				add(&rc, nic_txq, nic_mq_stats(f), e);
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
	/* the jobs' interrupt latencies: together, and a VM's job's under its workload's keys
	 * (vms.<name>.interrupts is the VM's count) */
	for (unsigned i = 0; i < m->njobs; i++) {
		const struct wl_job *j = m->jobs[i];
		struct metrics_group *g = NULL;

		add(&rc, il, &j->il, NULL);
		if (rc || j->vm < 0 || sc->nvms < 2)
			continue;
		if (snprintf(each, sizeof(each), "vms.%s.workload.", sc->vms[j->vm].name) >=
		    (int)sizeof(each))
			rc = -ENAMETOOLONG;
		if (!rc)
			rc = metrics_place(reg, &irq_latency_metrics, each, &g);
		add(&rc, g, &j->il, NULL);
	}
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

/* A job's figures: its measured span, operations, bytes, latencies and its result table. */
struct job_figs {
	uint64_t t_first, t_last, ops, bytes;
	const struct sim_samples *lat;
	const struct metric_table *table;
	const void *stats;
};

static void job_figs(const struct wl_job *j, struct job_figs *f)
{
	if (j->rx) {
		const struct wl_stream_rx_result *w = wl_stream_rx_result(j->rx);

		*f = (struct job_figs){w->t_first_ps,
				       w->t_end_ps,
				       w->received,
				       w->rx_bytes,
				       &w->latency_ps,
				       &wl_stream_rx_metrics,
				       w};
	} else if (j->tx) {
		/* From the first send call to the last frame's last bit on the wire. */
		const struct wl_stream_tx_result *w = wl_stream_tx_result(j->tx);

		*f = (struct job_figs){w->t_first_ps,
				       w->t_last_ps,
				       w->received,
				       w->wire_bytes,
				       &w->latency_ps,
				       &wl_stream_tx_metrics,
				       w};
	} else if (j->rr) {
		/* From the first request leaving the peer to the last response reaching it. */
		const struct wl_rr_result *w = wl_rr_result(j->rr);

		*f = (struct job_figs){w->t_first_ps,
				       w->t_last_ps,
				       w->completed,
				       w->bytes,
				       &w->latency_ps,
				       &wl_rr_metrics,
				       w};
	} else {
		/* From the first submission call to the last completion. */
		const struct wl_nvme_result *w = wl_nvme_result(j->nv);

		*f = (struct job_figs){w->t_first_ps,
				       w->t_last_ps,
				       w->completed,
				       w->read_bytes + w->write_bytes,
				       &w->latency_ps,
				       &wl_nvme_metrics,
				       w};
	}
}

static uint64_t span(uint64_t a, uint64_t b)
{
	return b > a ? b - a : 0;
}

/* The nvme workload's figures beyond its table, under prefix ("workload." or a VM's): rates
 * over its span, and the media's share of it and the controller's time per request, from
 * counter key `dev` ("nvme." for every controller, "devices.<name>." for one). */
static int nvme_figures(struct machine *m, struct results *r, const char *prefix, const char *dev,
			uint64_t measured, uint64_t ops, uint64_t bytes)
{
	uint64_t b0 = 0, b1 = 0, t0 = 0, t1 = 0;
	char k[192], c[160];
	int rc;

	snprintf(k, sizeof(k), "%siops", prefix);
	rc = results_set_double(r, k, measured ? (double)ops * 1e12 / (double)measured : 0);
	snprintf(k, sizeof(k), "%sbandwidth_mib_s", prefix);
	rc = rc ? rc
		: results_set_double(
		      r, k, measured ? (double)bytes * 1e12 / (double)measured / 1048576.0 : 0);
	if (rc || !m->nnvmes)
		return rc;
	snprintf(c, sizeof(c), "%smedia_busy_ns", dev);
	metrics_get(m->c0, c, &b0);
	metrics_get(m->c1, c, &b1);
	snprintf(c, sizeof(c), "%sio_time_ns", dev);
	metrics_get(m->c0, c, &t0);
	metrics_get(m->c1, c, &t1);
	snprintf(k, sizeof(k), "%smedia_utilisation", prefix);
	rc = results_set_double(r, k, measured ? (double)(b1 - b0) / (double)measured : 0);
	snprintf(k, sizeof(k), "%sdevice_ns_mean", prefix);
	return rc ? rc
		  : results_set_double(r, k, ops ? (double)(t1 - t0) / 1000.0 / (double)ops : 0);
}

/* The jobs' result tables through a registry of their own: each kind's table at "workload."
 * (the jobs of a kind add up there) and, with several VMs, each VM's job at
 * "vms.<name>.workload.". */
static int workload_tables(struct machine *m, struct results *r)
{
	const struct scenario *sc = m->sc;
	const struct metric_table *placed[4] = {0}; /* one per kind a VM can run */
	struct metrics_group *total[4] = {0};
	struct metrics_snap *snap = NULL;
	struct metrics *reg;
	char pre[160];
	int rc = metrics_create(&reg);

	for (unsigned i = 0; i < m->njobs && !rc; i++) {
		const struct wl_job *j = m->jobs[i];
		struct metrics_group *g = NULL;
		struct job_figs f;
		unsigned t = 0;

		job_figs(j, &f);
		while (placed[t] && placed[t] != f.table)
			t++;
		if (!placed[t]) {
			placed[t] = f.table;
			rc = metrics_place(reg, f.table, "workload.", &total[t]);
		}
		if (!rc)
			rc = metrics_add(total[t], f.stats, NULL);
		if (rc || j->vm < 0 || sc->nvms < 2)
			continue;
		snprintf(pre, sizeof(pre), "vms.%s.workload.", sc->vms[j->vm].name);
		rc = metrics_place(reg, f.table, pre, &g);
		if (!rc)
			rc = metrics_add(g, f.stats, NULL);
	}
	if (!rc)
		rc = metrics_snapshot(reg, &snap);
	if (!rc)
		rc = metrics_report(snap, NULL, 0, NULL, r, NULL);
	metrics_snap_destroy(snap);
	metrics_destroy(reg);
	return rc;
}

/* The workloads' results: the run's throughput, rate and latency over every job (from the
 * first job's first operation to the last one's end), their tables, and with several VMs each
 * VM's job under vms.<name>.workload. plus each VM's derived figures. */
static int workload_results(struct machine *m, struct results *r, const struct metrics_snap *win,
			    const struct metric_ctx *base, const char **bad)
{
	const struct scenario *sc = m->sc;
	struct sim_samples all;
	const struct sim_samples *lat = NULL;
	uint64_t t_first = UINT64_MAX, t_last = 0, ops = 0, bytes = 0, measured;
	/* the nvme jobs' own span, requests and bytes, for the IOPS beside stream jobs */
	uint64_t nv_first = UINT64_MAX, nv_last = 0, nv_ops = 0, nv_bytes = 0;
	bool nvme = false;
	int rc = 0;

	sim_samples_init(&all);
	for (unsigned i = 0; i < m->njobs && !rc; i++) {
		struct job_figs f;

		job_figs(m->jobs[i], &f);
		t_first = f.t_first < t_first ? f.t_first : t_first;
		t_last = f.t_last > t_last ? f.t_last : t_last;
		ops += f.ops;
		bytes += f.bytes;
		if (m->jobs[i]->nv) {
			nvme = true;
			nv_first = f.t_first < nv_first ? f.t_first : nv_first;
			nv_last = f.t_last > nv_last ? f.t_last : nv_last;
			nv_ops += f.ops;
			nv_bytes += f.bytes;
		}
		if (m->njobs == 1)
			lat = f.lat;
		for (size_t x = 0; m->njobs > 1 && x < f.lat->n && !rc; x++)
			rc = sim_samples_add(&all, f.lat->v[x]);
	}
	measured = span(t_first, t_last);
	if (!rc) {
		results_set_double(r, "throughput_gbps",
				   measured ? (double)bytes * 8.0 * 1000.0 / (double)measured : 0);
		results_set_double(r, "ops_per_s",
				   measured ? (double)ops * 1e12 / (double)measured : 0);
		rc = metrics_emit_samples(r, "latency_ns", lat ? lat : &all);
	}
	sim_samples_free(&all);
	rc = rc ? rc : workload_tables(m, r);
	if (!rc && nvme)
		rc = nvme_figures(m, r, "workload.", "nvme.", span(nv_first, nv_last), nv_ops,
				  nv_bytes);
	if (rc || sc->nvms < 2)
		return rc;

	/* each VM's: its job's figures, and the per-VM formulas over its operations */
	for (unsigned v = 0; v < sc->nvms && !rc; v++) {
		struct metric_ctx ctx = *base;
		const struct wl_job *j = NULL;
		char pre[160], k[192];

		for (unsigned i = 0; i < m->njobs; i++)
			if (m->jobs[i]->vm == (int)v)
				j = m->jobs[i];
		ctx.ops = 0;
		if (j) {
			struct job_figs f;
			uint64_t jm;

			job_figs(j, &f);
			jm = span(f.t_first, f.t_last);
			ctx.ops = f.ops;
			snprintf(pre, sizeof(pre), "vms.%s.workload.", sc->vms[v].name);
			snprintf(k, sizeof(k), "%sthroughput_gbps", pre);
			rc = results_set_double(
			    r, k, jm ? (double)f.bytes * 8.0 * 1000.0 / (double)jm : 0);
			snprintf(k, sizeof(k), "%sops_per_s", pre);
			rc = rc ? rc
				: results_set_double(r, k,
						     jm ? (double)f.ops * 1e12 / (double)jm : 0);
			snprintf(k, sizeof(k), "%slatency_ns", pre);
			rc = rc ? rc : metrics_emit_samples(r, k, f.lat);
			if (!rc && j->nv) {
				char dev[160];

				snprintf(dev, sizeof(dev), "devices.%s.",
					 pcie_fn_name(nvme_fn(j->nvme)));
				rc = nvme_figures(m, r, pre, m->nnvmes > 1 ? dev : "nvme.", jm,
						  f.ops, f.bytes);
			}
		}
		snprintf(pre, sizeof(pre), "vms.%s.", sc->vms[v].name);
		if (!rc)
			rc = metrics_derive(win, pre, per_vm_derived,
					    sizeof(per_vm_derived) / sizeof(per_vm_derived[0]) -
						(j ? 0 : PER_VM_PER_OP),
					    &ctx, r, bad);
	}
	return rc;
}

int machine__fill_results(struct machine *m, struct results *r, char *err, size_t errlen)
{
	const struct scenario *sc = m->sc;
	struct dmaeng_stats *es = m->bench_eng ? dmaeng_stats(m->bench_eng) : NULL;
	struct metric_ctx ctx = {.clock = {sc->machine.cpu.freq_mhz}};
	uint64_t window = m->t_end - m->t_start;
	uint64_t measured = 0, setup_exits = 0, cfg_reads = 0, cfg_writes = 0;
	struct metrics_snap *win = NULL;
	const char *bad = NULL;
	struct timespec wall1;
	int rc;

	if (!m->c0 || !m->c1) {
		snprintf(err, errlen, "results: the measured window never closed");
		return 1;
	}
	for (unsigned i = 0; i < m->njobs; i++) {
		struct job_figs f;

		job_figs(m->jobs[i], &f);
		ctx.ops += f.ops;
	}
	if (!m->njobs) {
		/* dma_bench: from the engine's first read to its last completion. */
		measured = es->t_last > es->t_first ? es->t_last - es->t_first : 0;
		ctx.ops = es->reads;
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
	if (rc) {
		metrics_snap_destroy(win);
		snprintf(err, errlen, "results: %s%s%s", bad ? bad : "", bad ? ": " : "",
			 strerror(-rc));
		return 1;
	}
	results_set_u64(r, "iommu.units", m->nunits);
	rc = dma_results(m, r, window);
	if (rc) {
		metrics_snap_destroy(win);
		snprintf(err, errlen, "results: %s", strerror(-rc));
		return 1;
	}

	if (m->njobs) {
		rc = workload_results(m, r, win, &ctx, &bad);
	} else {
		results_set_double(r, "throughput_gbps",
				   measured ? (double)es->bytes * 8.0 * 1000.0 / (double)measured
					    : 0);
		results_set_double(r, "ops_per_s",
				   measured ? (double)ctx.ops * 1e12 / (double)measured : 0);
		rc = metrics_emit_samples(r, "latency_ns", &es->latency_ps);
		rc = rc ? rc : metrics_emit(r, "workload.", &dmaeng_metrics, es);
		results_set_u64(r, "workload.window_bytes", sc->workload.dma_bench.window_bytes);
		results_set_u64(r, "workload.page_bytes", sc->workload.dma_bench.page_bytes);
		rc = rc ? rc : metrics_emit(r, "workload.", &wl_dma_bench_metrics, &m->bench);
	}
	metrics_snap_destroy(win);

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
		snprintf(err, errlen, "results: %s%s%s", bad ? bad : "", bad ? ": " : "",
			 strerror(-rc));
		return 1;
	}
	return 0;
}
