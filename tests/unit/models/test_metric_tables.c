/* SPDX-License-Identifier: MIT */
/*
 * Every model's metric table (sim/metrics.h): its rows lie inside its stats struct, do not
 * share a field and say what they count; and in each table a field incremented by name moves
 * the key the results show it under (and its per-instance key, where it has one), and no other.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "models/cpu/cpu.h"
#include "models/cpu/vmx.h"
#include "models/devices/dmaeng.h"
#include "models/devices/nic.h"
#include "models/guest/kernel/gk.h"
#include "models/host/hv.h"
#include "models/host/sched.h"
#include "models/host/vfio.h"
#include "models/drivers/intel_iommu/intel_iommu.h"
#include "models/host/host_iommu.h"
#include "models/iommu/iotlb.h"
#include "models/iommu/vtd.h"
#include "models/pcie/pcie.h"
#include "sim/engine.h"
#include "sim/metrics.h"
#include "workloads/dma_bench.h"
#include "workloads/stream_rx.h"

#include <stdlib.h>
#include <string.h>

static const struct metric_table *const tables[] = {
    &sim_engine_metrics,   &vtd_metrics,	  &vtd_cache_metrics, &iotlb_metrics,
    &pcie_metrics,	   &pcie_atc_metrics,	  &vcpu_metrics,      &pcpu_time_metrics,
    &nic_metrics,	   &dmaeng_metrics,	  &intel_iommu_metrics,   &vfio_metrics,
    &host_sched_metrics,   &host_thread_metrics,  &vm_metrics,	      &gk_metrics,
    &wl_stream_rx_metrics, &wl_dma_bench_metrics,
};

/* Rows inside the struct, one field each, every one with a key and a meaning; the table
 * places without conflicts, alone and with every other table that goes to the results' root. */
static void tables_are_well_formed(void **state)
{
	struct metrics *reg;

	(void)state;
	assert_int_equal(metrics_create(&reg), 0);
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		const struct metric_table *tb = tables[t];
		struct metrics *alone;

		assert_non_null(tb->name);
		assert_true(tb->n > 0);
		for (size_t i = 0; i < tb->n; i++) {
			const struct metric *r = &tb->rows[i];
			size_t len = r->kind == METRIC_SAMPLES
					 ? sizeof(struct sim_samples)
					 : sizeof(uint64_t) * (r->count ? r->count : 1);

			assert_true(r->name || r->each);
			assert_true(r->meaning && strlen(r->meaning) > 3);
			assert_true(r->offset + len <= tb->size);
			assert_true(r->count <= 1 || r->elem);
			for (size_t j = 0; j < i; j++)
				assert_true(tb->rows[j].offset != r->offset);
		}
		assert_int_equal(metrics_create(&alone), 0);
		assert_int_equal(metrics_place(alone, tb, "", NULL), 0);
		metrics_destroy(alone);
		/* the tables with whole keys share the root; the relative ones go under a prefix */
		assert_int_equal(
		    metrics_place(reg, tb, strchr(tb->rows[0].name, '.') ? "" : "rel.", NULL), 0);
	}
	metrics_destroy(reg);
}

/* No two tables claim one key of the results' root: instances at one key add up, so two
 * different counters there would be summed. */
static void no_key_in_two_tables(void **state)
{
	const char *owner[1024];
	const char *keys[1024];
	size_t n = 0;

	(void)state;
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		struct metrics *reg;

		if (!strchr(tables[t]->rows[0].name, '.'))
			continue; /* relative keys: the application gives each its own prefix */
		assert_int_equal(metrics_create(&reg), 0);
		assert_int_equal(metrics_place(reg, tables[t], "", NULL), 0);
		for (size_t i = 0; i < metrics_nkeys(reg); i++) {
			const char *k = metrics_key(reg, i);

			for (size_t j = 0; j < n; j++)
				if (!strcmp(keys[j], k))
					fail_msg("%s is in %s and %s", k, owner[j],
						 tables[t]->name);
			assert_true(n < 1024);
			owner[n] = tables[t]->name;
			keys[n++] = strdup(k);
		}
		metrics_destroy(reg);
	}
	for (size_t j = 0; j < n; j++)
		free((char *)keys[j]);
}

/* ---- a field moves its key ---- */

struct probe {
	struct metrics *reg;
	struct metrics_snap *a;
};

/* One instance of t at "" with per-instance prefix "inst.". */
static void probe_begin(struct probe *p, const struct metric_table *t, const void *stats)
{
	struct metrics_group *g;

	assert_int_equal(metrics_create(&p->reg), 0);
	assert_int_equal(metrics_place(p->reg, t, "", &g), 0);
	assert_int_equal(metrics_add(g, stats, "inst."), 0);
	assert_int_equal(metrics_snapshot(p->reg, &p->a), 0);
}

/* key (and each, its per-instance key, or NULL) moved by want; every other key stayed 0. */
static void probe_expect(struct probe *p, const char *key, const char *each, uint64_t want)
{
	struct metrics_snap *b, *w;
	uint64_t v = 0;

	assert_int_equal(metrics_snapshot(p->reg, &b), 0);
	assert_int_equal(metrics_window(p->a, b, &w), 0);
	assert_true(metrics_get(w, key, &v));
	assert_int_equal(v, want);
	if (each) {
		assert_true(metrics_get(w, each, &v));
		assert_int_equal(v, want);
	}
	for (size_t i = 0; i < metrics_nkeys(p->reg); i++) {
		const char *k = metrics_key(p->reg, i);

		if (strcmp(k, key) && (!each || strcmp(k, each))) {
			assert_true(metrics_get(w, k, &v));
			if (v)
				fail_msg("%s moved too (%llu)", k, (unsigned long long)v);
		}
	}
	metrics_snap_destroy(b);
	metrics_snap_destroy(w);
	metrics_snap_destroy(p->a);
	metrics_destroy(p->reg);
}

static void engine_table(void **state)
{
	struct sim_engine_stats st = {0};
	struct probe p;

	(void)state;
	probe_begin(&p, &sim_engine_metrics, &st);
	st.calls += 7;
	probe_expect(&p, "events", NULL, 7);
}

static void vtd_table(void **state)
{
	struct vtd_stats st = {0};
	struct probe p;

	(void)state;
	probe_begin(&p, &vtd_metrics, &st);
	st.walks += 3;
	probe_expect(&p, "iommu.walks", NULL, 3);
	probe_begin(&p, &vtd_metrics, &st);
	st.ir_remapped++;
	probe_expect(&p, "interrupts.by_path.remapped", NULL, 1);
	probe_begin(&p, &vtd_metrics, &st);
	st.inv_piotlb++;
	probe_expect(&p, "iommu.iotlb_invalidations.pasid", NULL, 1);
	probe_begin(&p, &vtd_metrics, &st);
	st.faults_by_reason[5]++; /* left out of the table: nothing moves */
	st.xlate_ps += 2500;
	probe_expect(&p, "iommu.translation_ns", NULL, 2500);
}

static void vtd_cache_table(void **state)
{
	struct vtd_cache_stats st = {0};
	struct probe p;

	(void)state;
	probe_begin(&p, &vtd_cache_metrics, &st);
	st.inval_entries += 4;
	probe_expect(&p, "invalidated_entries", NULL, 4);
}

static void iotlb_table(void **state)
{
	struct iotlb_stats st = {0};
	struct probe p;

	(void)state;
	probe_begin(&p, &iotlb_metrics, &st);
	st.misses++;
	probe_expect(&p, "misses", NULL, 1);
}

static void pcie_table(void **state)
{
	struct pcie_stats st = {0};
	struct pcie_atc_stats atc = {0};
	struct probe p;

	(void)state;
	probe_begin(&p, &pcie_metrics, &st);
	st.dma_write_bytes += 64;
	probe_expect(&p, "dma.write_bytes", NULL, 64);
	probe_begin(&p, &pcie_metrics, &st);
	st.acs_blocked++;
	probe_expect(&p, "pcie.routing.acs_blocked", NULL, 1);
	probe_begin(&p, &pcie_atc_metrics, &atc);
	atc.translation_requests++;
	probe_expect(&p, "translation_requests", NULL, 1);
}

static void cpu_tables(void **state)
{
	struct vcpu_stats st = {0};
	struct pcpu_time t = {0};
	struct probe p;

	(void)state;
	probe_begin(&p, &vcpu_metrics, &st);
	st.exits[EXIT_REASON_HLT]++;
	probe_expect(&p, "exits.by_reason.hlt", NULL, 1);
	probe_begin(&p, &vcpu_metrics, &st);
	st.exits_total += 2;
	probe_expect(&p, "exits.total", "inst.exits", 2);
	probe_begin(&p, &vcpu_metrics, &st);
	st.exits[2]++; /* a reason without a name has no key */
	st.mmio_read_ps += 900;
	probe_expect(&p, "vcpu.mmio_read_ns", NULL, 900);
	probe_begin(&p, &pcpu_time_metrics, &t);
	t.host_ps += 1000;
	probe_expect(&p, "cpu.hv_ns", NULL, 1000);
}

static void device_tables(void **state)
{
	struct nic_stats n = {0};
	struct dmaeng_stats e = {0};
	struct probe p;

	(void)state;
	probe_begin(&p, &nic_metrics, &n);
	n.irqs_sent += 5;
	probe_expect(&p, "nic.msis_sent", "inst.msis_sent", 5);
	probe_begin(&p, &nic_metrics, &n);
	n.intx_asserts++;
	probe_expect(&p, "interrupts.intx.asserts", "inst.intx_asserts", 1);
	probe_begin(&p, &dmaeng_metrics, &e);
	e.errors++;
	probe_expect(&p, "read_errors", NULL, 1);
}

static void host_tables(void **state)
{
	struct intel_iommu_stats d = {0};
	struct vfio_stats f = {0};
	struct host_sched_stats s = {0};
	struct host_thread_stats t = {0};
	struct vm_stats v = {0};
	struct probe p;

	(void)state;
	probe_begin(&p, &intel_iommu_metrics, &d);
	d.pages_mapped_peak = 300; /* a gauge: its value at the end */
	probe_expect(&p, "iommu.pinned_pages_peak", NULL, 300);
	probe_begin(&p, &vfio_metrics, &f);
	f.intx_masked_ps += 12345;
	probe_expect(&p, "interrupts.intx.masked_ns", NULL, 12345);
	probe_begin(&p, &host_sched_metrics, &s);
	s.ticks++;
	probe_expect(&p, "sched.timer_interrupts", NULL, 1);
	probe_begin(&p, &host_thread_metrics, &t);
	t.run_delay_ps += 77;
	probe_expect(&p, "sched.run_delay_ns", "inst.run_delay_ns", 77);
	probe_begin(&p, &vm_metrics, &v);
	v.pi_wakeups++;
	probe_expect(&p, "vm.posted_wakeups", NULL, 1);
	probe_begin(&p, &vm_metrics, &v);
	v.notifications_sent++;
	probe_expect(&p, "interrupts.notification_ipis", NULL, 1);
}

static void guest_table(void **state)
{
	struct gk_stats g = {0};
	struct probe p;

	(void)state;
	probe_begin(&p, &gk_metrics, &g);
	g.irqs += 3;
	probe_expect(&p, "interrupts.delivered", "inst.interrupts", 3);
	probe_begin(&p, &gk_metrics, &g);
	g.boot_done_ps = 5; /* a time stamp, not reported */
	g.dma_maps++;
	probe_expect(&p, "guest.dma_maps", NULL, 1);
}

static void workload_tables(void **state)
{
	struct wl_stream_rx_result r = {0};
	struct wl_dma_bench_result b = {0};
	struct probe p;

	(void)state;
	probe_begin(&p, &wl_stream_rx_metrics, &r);
	r.lost += 2;
	probe_expect(&p, "frames_lost", NULL, 2);
	probe_begin(&p, &wl_dma_bench_metrics, &b);
	b.elapsed_ns = 40;
	probe_expect(&p, "engine_elapsed_ns", NULL, 40);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(tables_are_well_formed),
	    cmocka_unit_test(no_key_in_two_tables),
	    cmocka_unit_test(engine_table),
	    cmocka_unit_test(vtd_table),
	    cmocka_unit_test(vtd_cache_table),
	    cmocka_unit_test(iotlb_table),
	    cmocka_unit_test(pcie_table),
	    cmocka_unit_test(cpu_tables),
	    cmocka_unit_test(device_tables),
	    cmocka_unit_test(host_tables),
	    cmocka_unit_test(guest_table),
	    cmocka_unit_test(workload_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
