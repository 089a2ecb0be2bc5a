/* SPDX-License-Identifier: MIT */
/*
 * The metrics registry (sim/metrics.h): tables placed at prefixes, instances adding up by key,
 * per-instance keys, snapshots and their difference by key, gauges (sum and max, not
 * differenced), time in ns, samples, array rows, the formulas of derived figures, the keys a
 * table may not make, and 64 VMs with 4 devices each.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim/metrics.h"
#include "sim/results.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A model's stats struct and its table, as a model declares them. */
struct toy_stats {
	uint64_t ops, busy_ps, depth, depth_peak;
	uint64_t by_kind[4];
	struct sim_samples lat_ps;
};

static const char *toy_kind(unsigned i)
{
	static const char *const names[4] = {"read", NULL, "write", "flush"};

	return names[i];
}

static const struct metric toy_rows[] = {
    {METRIC(struct toy_stats, ops, COUNT, "toy.ops", "operations"), .each = "ops"},
    {METRIC(struct toy_stats, busy_ps, TIME, "toy.busy_ns", "time busy"), .each = "busy_ns"},
    {METRIC(struct toy_stats, depth, GAUGE, "toy.depth", "queue depth now")},
    {METRIC(struct toy_stats, depth_peak, GAUGE, "toy.depth_peak", "deepest queue"),
     .agg = METRIC_AGG_MAX},
    {METRIC_ARRAY(struct toy_stats, by_kind, COUNT, "toy.by_kind", toy_kind, "by kind")},
    {METRIC_SAMPLED(struct toy_stats, lat_ps, "toy.latency_ns", "latency")},
};
static const struct metric_table toy_metrics = METRIC_TABLE(struct toy_stats, toy_rows);

/* ---- helpers ---- */

static struct metrics *reg_with(struct toy_stats *st, size_t n, const char *prefix,
				const char *const *each)
{
	struct metrics *reg;
	struct metrics_group *g;

	assert_int_equal(metrics_create(&reg), 0);
	assert_int_equal(metrics_place(reg, &toy_metrics, prefix, &g), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(metrics_add(g, &st[i], each ? each[i] : NULL), 0);
	return reg;
}

static uint64_t get(const struct metrics_snap *s, const char *key)
{
	uint64_t v = ~0ull;

	assert_true(metrics_get(s, key, &v));
	return v;
}

/* The window between the snapshot taken by snap() and now. */
static struct metrics_snap *window_since(const struct metrics *reg, struct metrics_snap *a)
{
	struct metrics_snap *b, *w;

	assert_int_equal(metrics_snapshot(reg, &b), 0);
	assert_int_equal(metrics_window(a, b, &w), 0);
	metrics_snap_destroy(b);
	return w;
}

static struct metrics_snap *snap(const struct metrics *reg)
{
	struct metrics_snap *s;

	assert_int_equal(metrics_snapshot(reg, &s), 0);
	return s;
}

static double dget(const struct results *r, const char *key)
{
	double v = NAN;

	assert_true(results_get_double(r, key, &v));
	return v;
}

static uint64_t uget(const struct results *r, const char *key)
{
	uint64_t v = ~0ull;

	assert_true(results_get_u64(r, key, &v));
	return v;
}

/* ---- tests ---- */

/* The keys a placed table makes exist before any instance, at 0, and read back by name. */
static void keys_of_a_placed_table(void **state)
{
	struct metrics *reg = reg_with(NULL, 0, "", NULL);
	struct metrics_snap *s = snap(reg);
	uint64_t v;

	(void)state;
	assert_int_equal(get(s, "toy.ops"), 0);
	assert_int_equal(get(s, "toy.by_kind.read"), 0);
	assert_int_equal(get(s, "toy.by_kind.flush"), 0);
	assert_false(metrics_get(s, "toy.by_kind.1", &v)); /* unnamed element: no key */
	assert_false(metrics_get(s, "toy.by_kind", &v));   /* a group, not a value */
	assert_false(metrics_get(s, "ops", &v));	   /* no per-instance prefix given */
	/* ops, busy_ns, depth, depth_peak, 3 of by_kind, latency_ns */
	assert_int_equal(metrics_nkeys(reg), 8);
	assert_string_equal(metrics_key(reg, 0), "toy.ops");
	assert_int_equal(metrics_key_kind(reg, 1), METRIC_TIME);
	assert_string_equal(metrics_key_meaning(reg, 0), "operations");
	metrics_snap_destroy(s);
	metrics_destroy(reg);
}

/* The window is the later snapshot minus the earlier, key by key; fields change between. */
static void window_is_the_difference_by_key(void **state)
{
	struct toy_stats st = {.ops = 100, .busy_ps = 5000, .by_kind = {7, 8, 9, 10}};
	struct metrics *reg = reg_with(&st, 1, "", NULL);
	struct metrics_snap *a = snap(reg), *w;

	(void)state;
	assert_int_equal(get(a, "toy.ops"), 100);
	st.ops += 3;
	st.busy_ps += 1500;
	st.by_kind[2] += 4;  /* "write" */
	st.by_kind[1] += 99; /* unnamed: reported nowhere */
	w = window_since(reg, a);
	assert_int_equal(get(w, "toy.ops"), 3);
	assert_int_equal(get(w, "toy.busy_ns"), 1500); /* raw picoseconds in the window */
	assert_int_equal(get(w, "toy.by_kind.read"), 0);
	assert_int_equal(get(w, "toy.by_kind.write"), 4);
	assert_int_equal(get(w, "toy.by_kind.flush"), 0);
	metrics_snap_destroy(a);
	metrics_snap_destroy(w);
	metrics_destroy(reg);
}

/* Instances at one prefix add up; a gauge is its value at the end, summed or the maximum. */
static void instances_add_up_and_gauges_are_not_differenced(void **state)
{
	struct toy_stats st[3] = {{.ops = 1, .depth = 4, .depth_peak = 9},
				  {.ops = 10, .depth = 5, .depth_peak = 30},
				  {.ops = 100, .depth = 6, .depth_peak = 20}};
	struct metrics *reg = reg_with(st, 3, "", NULL);
	struct metrics_snap *a = snap(reg), *w;

	(void)state;
	assert_int_equal(get(a, "toy.ops"), 111);
	assert_int_equal(get(a, "toy.depth"), 15);
	assert_int_equal(get(a, "toy.depth_peak"), 30);
	st[1].ops += 2;
	st[2].ops += 5;
	st[0].depth = 1; /* a gauge may fall */
	st[2].depth_peak = 40;
	w = window_since(reg, a);
	assert_int_equal(get(w, "toy.ops"), 7);
	assert_int_equal(get(w, "toy.depth"), 12);	/* 1 + 5 + 6, not 12 - 15 */
	assert_int_equal(get(w, "toy.depth_peak"), 40); /* max(9, 30, 40) */
	metrics_snap_destroy(a);
	metrics_snap_destroy(w);
	metrics_destroy(reg);
}

/* Per-instance keys under each instance's own prefix; instances sharing one add up there. */
static void per_instance_keys(void **state)
{
	/* three vCPUs: two of vm0, one of vm1 */
	struct toy_stats st[3] = {{.ops = 1}, {.ops = 2}, {.ops = 4}};
	const char *const each[3] = {"vms.vm0.", "vms.vm0.", "vms.vm1."};
	struct metrics *reg = reg_with(st, 3, "", each);
	struct metrics_snap *s = snap(reg);
	uint64_t v;

	(void)state;
	assert_int_equal(get(s, "toy.ops"), 7);
	assert_int_equal(get(s, "vms.vm0.ops"), 3);
	assert_int_equal(get(s, "vms.vm1.ops"), 4);
	assert_false(metrics_get(s, "vms.vm0.depth", &v)); /* that row has no .each */
	metrics_snap_destroy(s);
	metrics_destroy(reg);
}

/* The same table at two prefixes keeps two sets of keys (a unit's caches). */
static void one_table_at_several_prefixes(void **state)
{
	struct toy_stats a = {.ops = 1}, b = {.ops = 2};
	struct metrics *reg;
	struct metrics_group *ga, *gb;
	struct metrics_snap *s;

	(void)state;
	assert_int_equal(metrics_create(&reg), 0);
	assert_int_equal(metrics_place(reg, &toy_metrics, "a.", &ga), 0);
	assert_int_equal(metrics_place(reg, &toy_metrics, "b.", &gb), 0);
	assert_int_equal(metrics_add(ga, &a, NULL), 0);
	assert_int_equal(metrics_add(gb, &b, NULL), 0);
	s = snap(reg);
	assert_int_equal(get(s, "a.toy.ops"), 1);
	assert_int_equal(get(s, "b.toy.ops"), 2);
	metrics_snap_destroy(s);
	metrics_destroy(reg);
}

/* A key cannot be both a value and a group, and one key has one kind. */
static void conflicting_keys_are_refused(void **state)
{
	static const struct metric value_rows[] = {
	    {METRIC(struct toy_stats, ops, COUNT, "toy", "a value where a group is")},
	};
	static const struct metric_table value = METRIC_TABLE(struct toy_stats, value_rows);
	static const struct metric deeper_rows[] = {
	    {METRIC(struct toy_stats, ops, COUNT, "toy.ops.more", "a group where a value is")},
	};
	static const struct metric_table deeper = METRIC_TABLE(struct toy_stats, deeper_rows);
	static const struct metric kind_rows[] = {
	    {METRIC(struct toy_stats, busy_ps, TIME, "toy.ops", "time at a count's key")},
	};
	static const struct metric_table kind = METRIC_TABLE(struct toy_stats, kind_rows);
	static const struct metric agg_rows[] = {
	    {METRIC(struct toy_stats, depth, GAUGE, "toy.depth_peak", "a sum at a max's key")},
	};
	static const struct metric_table agg = METRIC_TABLE(struct toy_stats, agg_rows);
	struct toy_stats st = {0};
	struct metrics *reg = reg_with(&st, 1, "", NULL);
	struct metrics_group *g;

	(void)state;
	assert_string_equal(metrics_conflict(reg), "");
	assert_int_equal(metrics_place(reg, &value, "", &g), -EINVAL);
	assert_string_equal(metrics_conflict(reg), "toy");
	assert_int_equal(metrics_place(reg, &deeper, "", &g), -EINVAL);
	assert_string_equal(metrics_conflict(reg), "toy.ops.more");
	assert_int_equal(metrics_place(reg, &kind, "", &g), -EINVAL);
	assert_int_equal(metrics_place(reg, &agg, "", &g), -EINVAL);
	/* the same table again is fine: its instances add up with the first ones */
	assert_int_equal(metrics_place(reg, &toy_metrics, "", &g), 0);
	assert_int_equal(metrics_add(g, &st, NULL), 0);
	/* and a per-instance prefix that collides with a total's key is refused too */
	assert_int_equal(metrics_add(g, &st, "toy.ops."), -EINVAL);
	/* a key too long to hold is an error, not a missing key */
	char longp[300];

	memset(longp, 'x', sizeof(longp) - 2);
	longp[sizeof(longp) - 2] = '.';
	longp[sizeof(longp) - 1] = 0;
	assert_int_equal(metrics_add(g, &st, longp), -ENAMETOOLONG);
	assert_int_equal(metrics_place(reg, &toy_metrics, longp, &g), -ENAMETOOLONG);
	metrics_destroy(reg);
}

/* Results: counts and gauges as integers, time in ns, samples as their statistics. */
static void report_writes_every_key(void **state)
{
	struct toy_stats st = {.ops = 5};
	struct metrics *reg = reg_with(&st, 1, "", NULL);
	struct metrics_snap *a = snap(reg), *w;
	struct results *r;
	const char *bad = "x";

	(void)state;
	sim_samples_init(&st.lat_ps);
	st.ops = 9;
	st.busy_ps = 2500;
	st.depth = 3;
	for (uint64_t x = 5000; x >= 1000; x -= 1000)
		assert_int_equal(sim_samples_add(&st.lat_ps, x), 0);
	w = window_since(reg, a);
	assert_int_equal(results_create(&r), 0);
	assert_int_equal(metrics_report(w, NULL, 0, NULL, r, &bad), 0);
	assert_null(bad);
	assert_int_equal(uget(r, "toy.ops"), 4);
	assert_int_equal(uget(r, "toy.depth"), 3);
	assert_true(dget(r, "toy.busy_ns") == 2.5);
	assert_false(results_get_u64(r, "toy.busy_ns", &(uint64_t){0})); /* a real number */
	assert_true(dget(r, "toy.latency_ns.mean") == 3.0);
	assert_true(dget(r, "toy.latency_ns.p50") == 3.0);
	assert_true(dget(r, "toy.latency_ns.max") == 5.0);
	assert_true(fabs(dget(r, "toy.latency_ns.p99") - 4.96) < 1e-9);
	/* the report sorted a copy: the owner's samples keep their order */
	assert_int_equal(st.lat_ps.sorted, 0);
	assert_int_equal(st.lat_ps.v[0], 5000);
	sim_samples_free(&st.lat_ps);
	results_destroy(r);
	metrics_snap_destroy(a);
	metrics_snap_destroy(w);
	metrics_destroy(reg);
}

/* Several instances' samples at one key are reported together. */
static void samples_of_instances_merge(void **state)
{
	struct toy_stats st[2] = {0};
	struct metrics *reg = reg_with(st, 2, "", NULL);
	struct metrics_snap *s;
	struct results *r;

	(void)state;
	sim_samples_init(&st[0].lat_ps);
	sim_samples_init(&st[1].lat_ps);
	sim_samples_add(&st[0].lat_ps, 9000);
	sim_samples_add(&st[1].lat_ps, 1000);
	sim_samples_add(&st[1].lat_ps, 2000);
	s = snap(reg);
	assert_int_equal(results_create(&r), 0);
	assert_int_equal(metrics_report(s, NULL, 0, NULL, r, NULL), 0);
	assert_true(dget(r, "toy.latency_ns.mean") == 4.0);
	assert_true(dget(r, "toy.latency_ns.p50") == 2.0);
	assert_true(dget(r, "toy.latency_ns.max") == 9.0);
	sim_samples_free(&st[0].lat_ps);
	sim_samples_free(&st[1].lat_ps);
	results_destroy(r);
	metrics_snap_destroy(s);
	metrics_destroy(reg);
}

/* Derived figures: formulas over the window's keys and over figures derived before them. */
static void formulas(void **state)
{
	static const struct metric_formula f[] = {
	    {"toy.all",
	     METRIC_ADD,
	     {"toy.by_kind.read", "toy.by_kind.write", "toy.by_kind.flush"},
	     "sum"},
	    {"toy.read_share", METRIC_RATIO, {"toy.by_kind.read", "toy.all"}, "ratio of a derived"},
	    {"toy.busy_ns_per_op", METRIC_MEAN_NS, {"toy.busy_ns", "toy.ops"}, "mean time"},
	    {"toy.none", METRIC_RATIO, {"toy.ops", "toy.depth"}, "0 over 0"},
	    {"toy.busy_cycles", METRIC_CYCLES, {"toy.busy_ns"}, "cycles at 2 GHz"},
	    {"toy.cycles_per_op", METRIC_PER_OP, {"toy.busy_cycles", "toy.busy_cycles"}, "per op"},
	    {"toy.with_absent", METRIC_ADD, {"?toy.ops", "?gone.ops", "toy.depth"},
	     "an absent optional key counts 0, a present one its value"},
	};
	struct toy_stats st = {0};
	struct metrics *reg = reg_with(&st, 1, "", NULL);
	struct metrics_snap *a = snap(reg), *w;
	struct metric_ctx ctx = {.clock = {2000}, .ops = 4};
	struct results *r;

	(void)state;
	st.by_kind[0] = 3;
	st.by_kind[2] = 5;
	st.by_kind[3] = 2;
	st.ops = 3;
	st.busy_ps = 10001; /* 20.002 cycles at 2 GHz: 20 */
	w = window_since(reg, a);
	assert_int_equal(results_create(&r), 0);
	assert_int_equal(metrics_report(w, f, sizeof(f) / sizeof(f[0]), &ctx, r, NULL), 0);
	assert_int_equal(uget(r, "toy.all"), 10);
	assert_true(dget(r, "toy.read_share") == 0.3);
	assert_true(dget(r, "toy.busy_ns_per_op") == 10001 / 1000.0 / 3);
	assert_true(dget(r, "toy.none") == 0.0);
	assert_int_equal(uget(r, "toy.busy_cycles"), 20);
	assert_true(dget(r, "toy.cycles_per_op") == 10.0); /* (20 + 20) / 4 */
	assert_int_equal(uget(r, "toy.with_absent"), 3 + uget(r, "toy.depth"));
	/* derived keys join their group: after the window's toy.* keys, before nothing else */
	assert_string_equal(results_key(r, results_count(r) - 1), "toy.with_absent");
	results_destroy(r);
	metrics_snap_destroy(a);
	metrics_snap_destroy(w);
	metrics_destroy(reg);
}

/* A formula naming an unknown key, a real where an integer is needed, or a derived key that
 * is already a window key is an error naming the key. */
static void bad_formulas(void **state)
{
	static const struct metric_formula typo[] = {
	    {"toy.x", METRIC_ADD, {"toy.ops", "toy.opz"}, "a typo"}};
	static const struct metric_formula real[] = {
	    {"toy.r", METRIC_RATIO, {"toy.ops", "toy.depth"}, "a real"},
	    {"toy.s", METRIC_ADD, {"toy.r"}, "a sum of a real"}};
	static const struct metric_formula twice[] = {
	    {"toy.ops", METRIC_ADD, {"toy.depth"}, "a key the table has"}};
	struct toy_stats st = {0};
	struct metrics *reg = reg_with(&st, 1, "", NULL);
	struct metrics_snap *s = snap(reg);
	struct results *r;
	const char *bad = NULL;

	(void)state;
	assert_int_equal(results_create(&r), 0);
	assert_int_equal(metrics_report(s, typo, 1, NULL, r, &bad), -ENOENT);
	assert_string_equal(bad, "toy.opz");
	results_destroy(r);
	/* "?" excuses only an absent key, never a real where an integer is needed */
	static const struct metric_formula opt_real[] = {
	    {"toy.r", METRIC_RATIO, {"toy.ops", "toy.depth"}, "a real"},
	    {"toy.s", METRIC_ADD, {"?toy.r"}, "an optional sum of a real"}};
	assert_int_equal(results_create(&r), 0);
	assert_int_equal(metrics_report(s, opt_real, 2, NULL, r, &bad), -EINVAL);
	results_destroy(r);
	assert_int_equal(results_create(&r), 0);
	assert_int_equal(metrics_report(s, real, 2, NULL, r, &bad), -EINVAL);
	assert_string_equal(bad, "toy.r");
	results_destroy(r);
	assert_int_equal(results_create(&r), 0);
	assert_int_equal(metrics_report(s, twice, 1, NULL, r, &bad), -EINVAL);
	assert_string_equal(bad, "toy.ops");
	results_destroy(r);
	metrics_snap_destroy(s);
	metrics_destroy(reg);
}

/* The same formulas under each instance's prefix: per-VM figures declared once, each with its
 * own operations; an unknown argument is named as the formula wrote it. */
static void formulas_under_a_prefix(void **state)
{
	static const struct metric_formula f[] = {
	    {"busy_cycles", METRIC_CYCLES, {"busy_ns"}, "cycles at 2 GHz"},
	    {"cycles_per_op", METRIC_PER_OP, {"busy_cycles"}, "per op"},
	    {"ns_per_op", METRIC_MEAN_NS, {"busy_ns", "ops"}, "mean time"},
	};
	static const struct metric_formula typo[] = {{"x", METRIC_ADD, {"opz"}, "a typo"}};
	static const char *const each[] = {"vms.a.", "vms.b."};
	struct toy_stats st[2] = {{0}};
	struct metrics *reg = reg_with(st, 2, "", each);
	struct metrics_snap *a = snap(reg), *w;
	struct metric_ctx ctx = {.clock = {2000}, .ops = 5};
	struct results *r;
	const char *bad = NULL;

	(void)state;
	st[0].ops = 2;
	st[0].busy_ps = 10000; /* 20 cycles */
	st[1].ops = 4;
	st[1].busy_ps = 40000; /* 80 cycles */
	w = window_since(reg, a);
	assert_int_equal(results_create(&r), 0);
	assert_int_equal(metrics_derive(w, "vms.a.", f, 3, &ctx, r, NULL), 0);
	ctx.ops = 8;
	assert_int_equal(metrics_derive(w, "vms.b.", f, 3, &ctx, r, NULL), 0);
	assert_int_equal(uget(r, "vms.a.busy_cycles"), 20);
	assert_true(dget(r, "vms.a.cycles_per_op") == 4.0); /* 20 / 5 */
	assert_true(dget(r, "vms.a.ns_per_op") == 5.0);	    /* 10 ns / 2 */
	assert_int_equal(uget(r, "vms.b.busy_cycles"), 80);
	assert_true(dget(r, "vms.b.cycles_per_op") == 10.0); /* 80 / 8 */
	assert_true(dget(r, "vms.b.ns_per_op") == 10.0);     /* 40 ns / 4 */
	assert_int_equal(metrics_derive(w, "vms.a.", typo, 1, &ctx, r, &bad), -ENOENT);
	assert_string_equal(bad, "opz");
	results_destroy(r);
	metrics_snap_destroy(a);
	metrics_snap_destroy(w);
	metrics_destroy(reg);
}

/* No bound on instances: 64 VMs with 4 devices each, every one with keys of its own. */
static void sixty_four_vms_with_four_devices_each(void **state)
{
	enum { VMS = 64, DEVS = 4, N = VMS * DEVS };
	struct toy_stats *st = calloc(N, sizeof(*st));
	struct metrics *reg;
	struct metrics_group *dev, *vm;
	struct metrics_snap *a, *w;
	struct results *r;
	char k[64];

	(void)state;
	assert_non_null(st);
	assert_int_equal(metrics_create(&reg), 0);
	assert_int_equal(metrics_place(reg, &toy_metrics, "devices.", &dev), 0);
	assert_int_equal(metrics_place(reg, &toy_metrics, "", &vm), 0);
	for (unsigned i = 0; i < N; i++) {
		snprintf(k, sizeof(k), "devices.vm%u.dev%u.", i / DEVS, i % DEVS);
		assert_int_equal(metrics_add(dev, &st[i], k), 0);
		snprintf(k, sizeof(k), "vms.vm%u.", i / DEVS);
		assert_int_equal(metrics_add(vm, &st[i], k), 0); /* the VM's devices add up */
	}
	a = snap(reg);
	for (unsigned i = 0; i < N; i++) {
		st[i].ops = i;
		st[i].busy_ps = 1000;
	}
	w = window_since(reg, a);
	assert_int_equal(get(w, "devices.toy.ops"), (uint64_t)N * (N - 1) / 2);
	assert_int_equal(get(w, "toy.ops"), (uint64_t)N * (N - 1) / 2);
	for (unsigned i = 0; i < N; i++) {
		snprintf(k, sizeof(k), "devices.vm%u.dev%u.ops", i / DEVS, i % DEVS);
		assert_int_equal(get(w, k), i);
	}
	for (unsigned v = 0; v < VMS; v++) {
		unsigned first = v * DEVS;

		snprintf(k, sizeof(k), "vms.vm%u.ops", v);
		assert_int_equal(get(w, k), 4 * first + 6);
		snprintf(k, sizeof(k), "vms.vm%u.busy_ns", v);
		assert_int_equal(get(w, k), 4000);
	}
	assert_int_equal(results_create(&r), 0);
	assert_int_equal(metrics_report(w, NULL, 0, NULL, r, NULL), 0);
	assert_int_equal(uget(r, "vms.vm63.ops"), 4 * 252 + 6);
	assert_true(dget(r, "devices.vm63.dev3.busy_ns") == 1.0);
	results_destroy(r);
	metrics_snap_destroy(a);
	metrics_snap_destroy(w);
	metrics_destroy(reg);
	free(st);
}

/* One struct's rows as they are (a workload's result), and one row read by key. */
static void emit_and_table_get(void **state)
{
	struct toy_stats st = {.ops = 12, .busy_ps = 1500, .by_kind = {0, 0, 0, 7}};
	struct results *r;
	uint64_t v = 0;

	(void)state;
	assert_int_equal(results_create(&r), 0);
	assert_int_equal(metrics_emit(r, "w.", &toy_metrics, &st), 0);
	assert_int_equal(uget(r, "w.toy.ops"), 12);
	assert_true(dget(r, "w.toy.busy_ns") == 1.5);
	assert_int_equal(uget(r, "w.toy.by_kind.flush"), 7);
	assert_true(dget(r, "w.toy.latency_ns.mean") == 0.0);
	assert_true(metrics_table_get(&toy_metrics, &st, "toy.by_kind.flush", &v));
	assert_int_equal(v, 7);
	assert_true(metrics_table_get(&toy_metrics, &st, "toy.busy_ns", &v));
	assert_int_equal(v, 1500);
	assert_false(metrics_table_get(&toy_metrics, &st, "toy.latency_ns", &v));
	assert_false(metrics_table_get(&toy_metrics, &st, "ops", &v));
	results_destroy(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(keys_of_a_placed_table),
	    cmocka_unit_test(window_is_the_difference_by_key),
	    cmocka_unit_test(instances_add_up_and_gauges_are_not_differenced),
	    cmocka_unit_test(per_instance_keys),
	    cmocka_unit_test(one_table_at_several_prefixes),
	    cmocka_unit_test(conflicting_keys_are_refused),
	    cmocka_unit_test(report_writes_every_key),
	    cmocka_unit_test(samples_of_instances_merge),
	    cmocka_unit_test(formulas),
	    cmocka_unit_test(bad_formulas),
	    cmocka_unit_test(formulas_under_a_prefix),
	    cmocka_unit_test(sixty_four_vms_with_four_devices_each),
	    cmocka_unit_test(emit_and_table_get),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
