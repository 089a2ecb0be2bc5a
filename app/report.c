/* SPDX-License-Identifier: MIT */
/*
 * Measurement: every model's counters read at the start and end of the workload's window,
 * and the results (JSON/CSV keys) computed from the difference.
 */
#include "app/machine_internal.h"

#include "models/devices/dmaeng.h"
#include "models/devices/nic.h"
#include "models/guest/kernel/gk.h"
#include "models/host/hv.h"
#include "models/host/sched.h"
#include "models/host/vfio.h"
#include "models/host/vtd_drv.h"
#include "models/pcie/pcie.h"
#include "sim/engine.h"
#include "sim/results.h"
#include "sim/simtime.h"
#include "workloads/stream_rx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- counters ---- */

void machine__snapshot(const struct machine *m, struct counters *c)
{
	memset(c, 0, sizeof(*c));
	c->engine_calls = sim_engine_calls();
	bool *seen = calloc(m->npcpus ? m->npcpus : 1, sizeof(*seen));

	for (unsigned v = 0; v < m->sc->nvms; v++) {
		const struct vm *vm = m->vm[v];

		if (!vm)
			continue;
		for (unsigned i = 0; i < vm_nvcpus(vm); i++) {
			const struct vcpu_stats *vs = vcpu_stats(vm_vcpu(vm, i));
			unsigned pc = vm_config(vm)->pcpu[i];

			c->vm_exits[v] += vs->exits_total;
			c->exits_total += vs->exits_total;
			c->exits_irq += vs->exits_irq;
			c->virtual_deliveries += vs->virtual_deliveries;
			c->posted_processed += vs->posted_processed;
			c->shadow_deliveries += vs->shadow_deliveries;
			c->injected += vs->injections;
			for (unsigned r = 0; r <= EXIT_REASON_MAX; r++)
				c->exits[r] += vs->exits[r];
			/* the VMs' pCPUs, each once however many vCPUs share it */
			if (seen && pc < m->npcpus && !seen[pc]) {
				const struct pcpu_time *pt = pcpu_time(m->pcpu[pc]);

				seen[pc] = true;
				c->guest_ps += pt->guest_ps;
				c->exit_ps += pt->exit_ps;
				c->host_ps += pt->host_ps;
				c->idle_ps += pt->idle_ps;
			}
		}
		struct host_thread_stats ts;

		vm_sched_stats(vm, &ts);
		c->preemptions += ts.preemptions;
		c->run_delay_ps += ts.run_delay_ps;
		c->vm_preemptions[v] = ts.preemptions;
		c->vm_run_delay_ps[v] = ts.run_delay_ps;
		const struct vm_stats *st = vm_stats(vm);
		c->injections += st->injections;
		c->halts += st->halts;
		c->wakeups += st->wakeups;
		c->ipis += st->ipis_sent;
		c->pi_wakeups += st->pi_wakeups;
		c->polls_won += st->polls_won;
		c->notifications += st->notifications_sent;
		c->reflected += st->reflected;
		c->sw_posted += st->posted;
		c->pi_sn_sets += st->pi_sn_sets;
		c->pi_on_at_resume += st->pi_on_at_resume;
		if (m->gk[v]) {
			c->vm_irqs[v] = gk_stats(m->gk[v])->irqs;
			c->guest_irqs += gk_stats(m->gk[v])->irqs;
			c->guest_spurious += gk_stats(m->gk[v])->spurious_irqs;
			c->guest_unhandled += gk_stats(m->gk[v])->unhandled_irqs;
		}
	}
	for (unsigned u = 0; u < m->nunits; u++) {
		const struct vtd_stats *s = vtd_stats(platform_unit(m->plat, u));
		const struct iotlb_stats *t = iotlb_stats(vtd_iotlb(platform_unit(m->plat, u)));

		c->ir_remapped += s->ir_remapped;
		c->ir_posted += s->ir_posted;
		c->ir_compat += s->ir_compat;
		c->ir_blocked += s->ir_blocked;
		c->ir_requests += s->ir_requests;
		c->iotlb_lookups += t->lookups;
		c->iotlb_hits += t->hits;
		c->iotlb_misses += t->misses;
		c->iotlb_evictions += t->evictions;
		c->iotlb_invalidations += t->invalidations;
		c->iotlb_inval_entries += t->inval_entries;
		c->ctx_lookups += s->ctx_lookups;
		c->ctx_hits += s->ctx_hits;
		c->walks += s->walks;
		c->walk_mem_reads += s->walk_mem_reads;
		c->walk_mem_writes += s->walk_mem_writes;
		c->walks_queued += s->walks_queued;
		c->walk_queue_ps += s->walk_queue_ps;
		c->faults += s->faults;
		c->fault_events += s->fault_events;
		c->xlate_ps += s->xlate_ps;
		c->translations += s->translations;
		c->passthrough += s->passthrough;
		c->translated_requests += s->translated_requests;
		c->ats_requests += s->ats_requests;
		c->pi_notifications += s->pi_notifications;
		c->pi_suppressed += s->pi_suppressed;
		c->inv_descs += s->qi_descs;
		c->inv_ctx += s->inv_ctx;
		c->inv_iotlb += s->inv_iotlb_global + s->inv_iotlb_domain + s->inv_iotlb_page +
				s->inv_piotlb;
		c->inv_iec += s->inv_iec;
		c->inv_pasid += s->inv_pasid_cache;
		c->inv_devtlb += s->inv_devtlb;
		c->devtlb_timeouts += s->devtlb_timeouts;
		for (unsigned k = 0; k < VTD_CACHE_N; k++) {
			const struct vtd_cache_stats *cs = vtd_cache_stats(platform_unit(m->plat, u), k);

			c->cache[k][0] += cs->lookups;
			c->cache[k][1] += cs->hits;
			c->cache[k][2] += cs->misses;
			c->cache[k][3] += cs->evictions;
			c->cache[k][4] += cs->invalidations;
		}
	}
	for (size_t i = 0; i < pcie_fabric_nfns(m->fab); i++) {
		const struct pcie_atc_stats *a = pcie_fn_atc_stats(pcie_fabric_fn(m->fab, i));

		if (!a)
			continue;
		c->atc_lookups += a->lookups;
		c->atc_hits += a->hits;
		c->atc_misses += a->misses;
		c->atc_evictions += a->evictions;
		c->atc_invalidations += a->invalidations;
		c->atc_translation_requests += a->translation_requests;
	}
	for (unsigned u = 0; u < m->nunits; u++) {
		const struct vtd_drv *d = machine_unit_drv(m, u);

		if (!d)
			continue;
		c->maps += vtd_drv_stats(d)->maps;
		c->unmaps += vtd_drv_stats(d)->unmaps;
	}
	if (m->sys.sched) {
		const struct host_sched_stats *ss = host_sched_stats(m->sys.sched);

		c->sched_switches = ss->switches;
		c->sched_expiries = ss->slice_expiries;
		c->sched_wakeup_preempts = ss->wakeup_preemptions;
		c->sched_ipis = ss->resched_ipis;
		c->sched_ticks = ss->ticks;
	}
	for (unsigned i = 0; i < m->nvfio; i++) {
		const struct vfio_stats *vs = vfio_stats(m->vfio[i]);

		c->intx_irqs += vs->intx_irqs;
		c->intx_unmasks += vs->intx_unmasks;
		c->intx_masked_ps += vs->intx_masked_ps;
	}
	free(seen);
	const struct pcie_stats *ps = pcie_fabric_stats(m->fab);
	c->dma_reqs = ps->dma_reads + ps->dma_writes;
	c->dma_bytes = ps->dma_read_bytes + ps->dma_write_bytes;
	c->dma_blocked = ps->dma_blocked;
	c->dma_outside_vm = ps->dma_outside_owner_bytes;
	for (unsigned i = 0; i < m->nnics; i++) {
		c->frames_rx += nic_stats(m->nic[i])->rx_frames;
		c->nic_missed += nic_stats(m->nic[i])->rx_missed;
		c->nic_irqs += nic_stats(m->nic[i])->irqs_sent;
		c->intx_asserts += nic_stats(m->nic[i])->intx_asserts;
	}
}

static void diff(struct counters *out, const struct counters *a, const struct counters *b)
{
	const uint64_t *pa = (const uint64_t *)a, *pb = (const uint64_t *)b;
	uint64_t *po = (uint64_t *)out;

	_Static_assert(sizeof(struct counters) % sizeof(uint64_t) == 0, "all u64");
	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		po[i] = pb[i] - pa[i];
}

/* ---- results ---- */

static double ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

void machine__fill_results(struct machine *m, struct results *r)
{
	const struct scenario *sc = m->sc;
	struct counters c;
	struct wl_stream_rx_result *w = m->wl ? wl_stream_rx_result(m->wl) : NULL;
	struct dmaeng_stats *es = m->bench_eng ? dmaeng_stats(m->bench_eng) : NULL;
	const struct sim_clock clk = {sc->machine.cpu.freq_mhz};
	uint64_t window = m->t_end - m->t_start;
	uint64_t measured, ops, bytes, pinned;
	struct sim_samples *lat;
	char key[96];
	struct timespec wall1;

	if (w) {
		measured = w->t_end_ps > w->t_first_ps ? w->t_end_ps - w->t_first_ps : 0;
		ops = w->received;
		bytes = w->rx_bytes;
		lat = &w->latency_ps;
	} else {
		/* dma_bench: from the engine's first read to its last completion. */
		measured = es->t_last > es->t_first ? es->t_last - es->t_first : 0;
		ops = es->reads;
		bytes = es->bytes;
		lat = &es->latency_ps;
	}

	diff(&c, &m->c0, &m->c1);
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
	results_set_u64(r, "window.events", c.engine_calls);

	results_set_u64(r, "interrupts.delivered", c.guest_irqs);
	results_set_u64(r, "interrupts.by_path.remapped", c.ir_remapped);
	results_set_u64(r, "interrupts.by_path.posted", c.ir_posted);
	results_set_u64(r, "interrupts.by_path.posted_wakeup", c.pi_wakeups);
	/* delivered by the hypervisor's emulated LAPIC: event injection at VM entry */
	results_set_u64(r, "interrupts.by_path.emulated", c.injected);
	results_set_u64(r, "interrupts.by_path.compat", c.ir_compat);
	results_set_u64(r, "interrupts.blocked", c.ir_blocked);
	/* VT-d posting (§9.12): notifications sent to NDST, and posts that only set a PIR bit
	 * (ON already set, or SN set while the vCPU was preempted) */
	results_set_u64(r, "interrupts.posted_notifications", c.pi_notifications);
	results_set_u64(r, "interrupts.posted_suppressed", c.pi_suppressed);
	results_set_u64(r, "interrupts.spurious", c.guest_spurious);
	results_set_u64(r, "interrupts.sent_by_devices", c.nic_irqs + c.intx_asserts);
	results_set_u64(r, "interrupts.unhandled", c.guest_unhandled);
	results_set_u64(r, "interrupts.intx.asserts", c.intx_asserts);
	results_set_u64(r, "interrupts.intx.host_irqs", c.intx_irqs);
	results_set_u64(r, "interrupts.intx.unmasks", c.intx_unmasks);
	results_set_double(r, "interrupts.intx.masked_ns_mean",
			   ratio(c.intx_masked_ps, c.intx_unmasks) / 1000.0);
	results_set_u64(r, "interrupts.coalesced", m->il.coalesced);
	results_set_double(r, "interrupts.latency_ns.mean", sim_samples_mean(&m->il.lat) / 1000.0);
	results_set_double(r, "interrupts.latency_ns.p50",
			   sim_samples_quantile(&m->il.lat, 0.5) / 1000.0);
	results_set_double(r, "interrupts.latency_ns.p99",
			   sim_samples_quantile(&m->il.lat, 0.99) / 1000.0);
	results_set_double(r, "interrupts.latency_ns.max",
			   (double)sim_samples_max(&m->il.lat) / 1000.0);
	results_set_u64(r, "interrupts.injected", c.injected);
	results_set_u64(r, "interrupts.virtual_deliveries", c.virtual_deliveries);
	results_set_u64(r, "interrupts.posted_notifications_in_guest", c.posted_processed);
	results_set_u64(r, "interrupts.shadow_idt_deliveries", c.shadow_deliveries);
	results_set_u64(r, "interrupts.reflected", c.reflected);
	results_set_u64(r, "interrupts.software_posted", c.sw_posted);
	results_set_u64(r, "interrupts.notification_ipis", c.notifications);

	results_set_u64(r, "exits.total", c.exits_total);
	results_set_u64(r, "exits.interrupt_related", c.exits_irq);
	for (unsigned i = 0; i <= EXIT_REASON_MAX; i++) {
		const char *n = vmx_exit_name(i);

		if (!n)
			continue;
		snprintf(key, sizeof(key), "exits.by_reason.%s", n);
		results_set_u64(r, key, c.exits[i]);
	}
	results_set_double(r, "exits_per_interrupt", ratio(c.exits_total, c.guest_irqs));
	results_set_double(r, "interrupt_exits_per_interrupt", ratio(c.exits_irq, c.guest_irqs));

	results_set_u64(r, "iotlb.lookups", c.iotlb_lookups);
	results_set_u64(r, "iotlb.hits", c.iotlb_hits);
	results_set_u64(r, "iotlb.misses", c.iotlb_misses);
	results_set_double(r, "iotlb.hit_rate", ratio(c.iotlb_hits, c.iotlb_lookups));
	results_set_u64(r, "iotlb.evictions", c.iotlb_evictions);
	results_set_u64(r, "iotlb.invalidations", c.iotlb_invalidations);
	results_set_u64(r, "iotlb.invalidated_entries", c.iotlb_inval_entries);

	results_set_u64(r, "iommu.translations", c.translations);
	results_set_u64(r, "iommu.context_lookups", c.ctx_lookups);
	results_set_u64(r, "iommu.context_hits", c.ctx_hits);
	results_set_u64(r, "iommu.walks", c.walks);
	results_set_u64(r, "iommu.walk_mem_reads", c.walk_mem_reads);
	results_set_double(r, "iommu.translation_ns_mean",
			   c.translations ? (double)c.xlate_ps / 1000.0 / (double)c.translations : 0);
	results_set_u64(r, "iommu.maps", c.maps);
	results_set_u64(r, "iommu.unmaps", c.unmaps);
	results_set_u64(r, "iommu.invalidations",
			c.inv_ctx + c.inv_iotlb + c.inv_iec + c.inv_pasid + c.inv_devtlb);
	/* A peak, not a count over the window; each unit's driver maps in its own tables, so the
	 * peaks are summed over the units. */
	pinned = 0;
	for (unsigned u = 0; u < m->nunits; u++)
		if (machine_unit_drv(m, u))
			pinned += vtd_drv_stats(machine_unit_drv(m, u))->pages_mapped_peak;
	results_set_u64(r, "iommu.pinned_pages_peak", pinned);
	results_set_u64(r, "iommu.faults", c.faults);
	results_set_u64(r, "iommu.units", m->nunits);
	results_set_u64(r, "iommu.walk_mem_writes", c.walk_mem_writes);
	results_set_u64(r, "iommu.walks_queued", c.walks_queued);
	results_set_double(r, "iommu.walk_queue_ns_mean",
			   c.walks ? (double)c.walk_queue_ps / 1000.0 / (double)c.walks : 0);
	results_set_u64(r, "iommu.passthrough", c.passthrough);
	results_set_u64(r, "iommu.fault_events", c.fault_events);
	results_set_u64(r, "iommu.invalidation_descriptors", c.inv_descs);
	results_set_u64(r, "iommu.invalidations_by_kind.context", c.inv_ctx);
	results_set_u64(r, "iommu.invalidations_by_kind.iotlb", c.inv_iotlb);
	results_set_u64(r, "iommu.invalidations_by_kind.pasid_cache", c.inv_pasid);
	results_set_u64(r, "iommu.invalidations_by_kind.interrupt_entry", c.inv_iec);
	results_set_u64(r, "iommu.invalidations_by_kind.device_tlb", c.inv_devtlb);
	results_set_u64(r, "iommu.device_tlb_timeouts", c.devtlb_timeouts);
	{
		static const char *const names[VTD_CACHE_N] = {"context_cache", "pasid_cache",
							       "interrupt_entry_cache",
							       "paging_structure_cache"};
		static const char *const fields[5] = {"lookups", "hits", "misses", "evictions",
						      "invalidations"};

		for (unsigned k = 0; k < VTD_CACHE_N; k++)
			for (unsigned f = 0; f < 5; f++) {
				snprintf(key, sizeof(key), "iommu.%s.%s", names[k], fields[f]);
				results_set_u64(r, key, c.cache[k][f]);
			}
	}
	results_set_u64(r, "ats.translation_requests", c.ats_requests);
	results_set_u64(r, "ats.translated_requests", c.translated_requests);
	results_set_u64(r, "ats.atc.lookups", c.atc_lookups);
	results_set_u64(r, "ats.atc.hits", c.atc_hits);
	results_set_u64(r, "ats.atc.misses", c.atc_misses);
	results_set_u64(r, "ats.atc.evictions", c.atc_evictions);
	results_set_u64(r, "ats.atc.invalidations", c.atc_invalidations);

	results_set_u64(r, "dma.requests", c.dma_reqs);
	results_set_u64(r, "dma.bytes", c.dma_bytes);
	results_set_u64(r, "dma.blocked", c.dma_blocked);
	results_set_u64(r, "dma.outside_vm_bytes", c.dma_outside_vm);

	results_set_double(r, "throughput_gbps",
			   measured ? (double)bytes * 8.0 * 1000.0 / (double)measured : 0);
	results_set_double(r, "ops_per_s", measured ? (double)ops * 1e12 / (double)measured : 0);
	results_set_double(r, "latency_ns.mean", sim_samples_mean(lat) / 1000.0);
	results_set_double(r, "latency_ns.p50", sim_samples_quantile(lat, 0.5) / 1000.0);
	results_set_double(r, "latency_ns.p99", sim_samples_quantile(lat, 0.99) / 1000.0);
	results_set_double(r, "latency_ns.max", (double)sim_samples_max(lat) / 1000.0);

	uint64_t gc = sim_ps_to_cycles(&clk, c.guest_ps), ec = sim_ps_to_cycles(&clk, c.exit_ps);
	uint64_t hc = sim_ps_to_cycles(&clk, c.host_ps), ic = sim_ps_to_cycles(&clk, c.idle_ps);
	results_set_u64(r, "cpu.guest_cycles", gc);
	results_set_u64(r, "cpu.exit_cycles", ec);
	results_set_u64(r, "cpu.hv_cycles", hc);
	results_set_u64(r, "cpu.idle_cycles", ic);
	results_set_double(r, "cpu.cycles_per_op", ratio(gc + ec + hc, ops));
	results_set_double(r, "cpu.overhead_cycles_per_op", ratio(ec + hc, ops));

	if (w) {
		results_set_u64(r, "workload.frames_sent", w->sent);
		results_set_u64(r, "workload.frames_received", w->received);
		results_set_u64(r, "workload.frames_dropped", w->dropped);
		results_set_u64(r, "workload.frames_lost", w->lost);
		results_set_u64(r, "workload.bytes_received", w->rx_bytes);
	} else {
		results_set_u64(r, "workload.reads", es->reads);
		results_set_u64(r, "workload.read_errors", es->errors);
		results_set_u64(r, "workload.bytes_read", es->bytes);
		results_set_u64(r, "workload.window_bytes", sc->workload.dma_bench.window_bytes);
		results_set_u64(r, "workload.page_bytes", sc->workload.dma_bench.page_bytes);
		results_set_u64(r, "workload.mapped_bytes", m->bench.mapped_bytes);
		results_set_u64(r, "workload.engine_elapsed_ns", m->bench.elapsed_ns);
	}

	results_set_u64(r, "vm.injections", c.injections);
	results_set_u64(r, "vm.halts", c.halts);
	results_set_u64(r, "vm.wakeups", c.wakeups);
	results_set_u64(r, "vm.ipis", c.ipis);
	results_set_u64(r, "vm.halt_polls_won", c.polls_won);
	results_set_u64(r, "vm.posted_wakeups", c.pi_wakeups);
	results_set_u64(r, "vm.pi_sn_sets", c.pi_sn_sets);
	results_set_u64(r, "vm.pi_on_at_resume", c.pi_on_at_resume);

	results_set_u64(r, "sched.context_switches", c.sched_switches);
	results_set_u64(r, "sched.slice_expiries", c.sched_expiries);
	results_set_u64(r, "sched.wakeup_preemptions", c.sched_wakeup_preempts);
	results_set_u64(r, "sched.resched_ipis", c.sched_ipis);
	results_set_u64(r, "sched.timer_interrupts", c.sched_ticks);
	results_set_u64(r, "sched.preemptions", c.preemptions);
	results_set_double(r, "sched.run_delay_ns", (double)c.run_delay_ps / 1000.0);
	/* per VM, when there are several */
	for (unsigned v = 0; sc->nvms > 1 && v < sc->nvms; v++) {
		const char *n = sc->vms[v].name;

		snprintf(key, sizeof(key), "vms.%s.exits", n);
		results_set_u64(r, key, c.vm_exits[v]);
		snprintf(key, sizeof(key), "vms.%s.interrupts", n);
		results_set_u64(r, key, c.vm_irqs[v]);
		snprintf(key, sizeof(key), "vms.%s.preemptions", n);
		results_set_u64(r, key, c.vm_preemptions[v]);
		snprintf(key, sizeof(key), "vms.%s.run_delay_ns", n);
		results_set_double(r, key, (double)c.vm_run_delay_ps[v] / 1000.0);
	}

	results_set_u64(r, "setup.sim_time_ns", m->t_start / 1000);
	results_set_u64(r, "setup.host_boot_ns", m->t_setup_done / 1000);
	results_set_u64(r, "setup.exits", m->c0.exits_total);
	results_set_u64(r, "setup.guest_config_accesses",
			m->gk[0] ? gk_stats(m->gk[0])->cfg_reads + gk_stats(m->gk[0])->cfg_writes : 0);
}
