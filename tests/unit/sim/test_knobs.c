/* SPDX-License-Identifier: MIT */
/*
 * Knob declarations (sim/knob.h): defaults come from the tables, values convert from the
 * YAML's unit to the member's on binding, range errors speak in the YAML's unit at the value's
 * position, inline structs share their parent's keys, the models' tables point at the members
 * they name, and every knob the scenario has says what it means and in what unit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "app/scenario.h"
#include "models/devices/dmaeng.h"
#include "sim/config.h"

#include <stdio.h>
#include <string.h>

/* ---- a small declared struct: every kind of knob ---- */

enum colour { RED, GREEN, BLUE };
static const char *const colour_names[] = {"red", "green", "blue", NULL};

struct inner {
	uint32_t ways;
	uint64_t wait_ps;
};

struct thing {
	uint32_t count;
	uint64_t ram;	  /* bytes; YAML MiB */
	uint64_t window;  /* bytes; YAML KiB */
	uint64_t slice;	  /* ps; YAML us */
	uint64_t delay;	  /* ps; YAML ns */
	uint64_t poll_ns; /* whole ns; YAML ns */
	double rate;
	bool on;
	int colour;
	int cpu; /* -1: not set */
	const char *label;
	struct inner in;   /* its own mapping */
	struct inner flat; /* its keys at this level */
};

static const struct cfg_field inner_fields[] = {
    CFG_U32("ways", struct inner, ways, 4, 1, 64, "ways", "associativity"),
    CFG_NS("wait_ns", struct inner, wait_ps, 2.5, 0, 100, "a wait"),
    CFG_END,
};
static const struct cfg_schema inner_schema = CFG_SCHEMA("inner", struct inner, inner_fields);

/* The flat copy's keys must differ from the thing's own: a second table over the same type. */
static const struct cfg_field flat_fields[] = {
    CFG_U32("flat_ways", struct inner, ways, 8, 1, 64, "ways", "associativity"),
    CFG_NS("flat_wait_ns", struct inner, wait_ps, 7, 0, 100, "a wait"),
    CFG_END,
};
static const struct cfg_schema flat_schema = CFG_SCHEMA("flat", struct inner, flat_fields);

static const struct cfg_field thing_fields[] = {
    CFG_U32("count", struct thing, count, 3, 1, 10, "things", "how many"),
    CFG_MIB("ram_mib", struct thing, ram, 64, 16, 1024, "memory"),
    CFG_KIB("window_kib", struct thing, window, 4, 4, 1 << 20, "a window"),
    CFG_US("slice_us", struct thing, slice, 3000, 10, 1e6, "a slice"),
    CFG_NS("delay_ns", struct thing, delay, 80, 0, 1e5, "a delay", .source = "Intel MLC"),
    CFG_NS_AS_NS("poll_ns", struct thing, poll_ns, 100, 0, 1e9, "a poll interval"),
    CFG_DOUBLE("rate_gbps", struct thing, rate, 1.5, 0.01, 100, "Gb/s", "a rate"),
    CFG_BOOL("on", struct thing, on, true, "switched on"),
    CFG_ENUM("colour", struct thing, colour, colour_names, GREEN, "a colour"),
    CFG_INT("cpu", struct thing, cpu, -1, 0, 255, NULL, "a CPU", .flags = CFG_ID,
	    .def_text = "the caller's"),
    CFG_STR("label", struct thing, label, "none", "a label"),
    CFG_STRUCT("inner", struct thing, in, inner_schema, "a nested mapping"),
    CFG_INLINE(struct thing, flat, flat_schema),
    CFG_END,
};
static const struct cfg_schema thing_schema = CFG_SCHEMA("thing", struct thing, thing_fields);

static struct cfg_ctx *bind_text(const char *yaml, struct thing *t)
{
	struct cfg_ctx *ctx;
	struct cfg_node *root;

	assert_int_equal(cfg_ctx_create(&ctx), 0);
	root = cfg_load_string(ctx, "inline", yaml);
	assert_non_null(root);
	cfg_bind(ctx, &thing_schema, root, t);
	return ctx;
}

static void test_defaults_from_declarations(void **state)
{
	struct thing t;

	(void)state;
	memset(&t, 0xa5, sizeof(t));
	cfg_defaults(&thing_schema, &t);
	assert_int_equal(t.count, 3);
	assert_int_equal(t.ram, 64ull << 20);
	assert_int_equal(t.window, 4096);
	assert_int_equal(t.slice, 3000ull * 1000000);
	assert_int_equal(t.delay, 80000);
	assert_int_equal(t.poll_ns, 100);
	assert_true(t.rate == 1.5);
	assert_true(t.on);
	assert_int_equal(t.colour, GREEN);
	assert_int_equal(t.cpu, -1);
	assert_string_equal(t.label, "none");
	assert_int_equal(t.in.ways, 4);
	assert_int_equal(t.in.wait_ps, 2500);
	assert_int_equal(t.flat.ways, 8);
	assert_int_equal(t.flat.wait_ps, 7000);

	/* Binding an empty mapping gives the same. */
	struct thing b;
	struct cfg_ctx *ctx = bind_text("{}\n", &b);

	assert_int_equal(cfg_error_count(ctx), 0);
	assert_memory_equal(&t.count, &b.count, offsetof(struct thing, label));
	assert_memory_equal(&t.in, &b.in, sizeof(t.in));
	assert_memory_equal(&t.flat, &b.flat, sizeof(t.flat));
	cfg_ctx_destroy(ctx);
}

static void test_units_convert_on_binding(void **state)
{
	struct thing t;
	struct cfg_ctx *ctx = bind_text("ram_mib: 512\n"
					"window_kib: 2048\n"
					"slice_us: 10\n"
					"delay_ns: 12.5\n"
					"poll_ns: 2.5\n"
					"cpu: 3\n"
					"inner: {wait_ns: 0.001}\n"
					"flat_ways: 16\n"
					"flat_wait_ns: 1e1\n",
					&t);

	(void)state;
	assert_int_equal(cfg_error_count(ctx), 0);
	assert_int_equal(t.ram, 512ull << 20);
	assert_int_equal(t.window, 2ull << 20);
	assert_int_equal(t.slice, 10000000);
	assert_int_equal(t.delay, 12500);
	assert_int_equal(t.poll_ns, 2); /* through 2500 ps, in whole ns */
	assert_int_equal(t.cpu, 3);
	assert_int_equal(t.in.wait_ps, 1);
	assert_int_equal(t.in.ways, 4); /* its neighbour keeps its default */
	assert_int_equal(t.flat.ways, 16);
	assert_int_equal(t.flat.wait_ps, 10000);
	cfg_ctx_destroy(ctx);
}

static void test_range_errors_in_yaml_units(void **state)
{
	struct thing t;
	struct cfg_ctx *ctx = bind_text("count: 2\n"
					"ram_mib: 2048\n"
					"inner: {ways: 65}\n"
					"flat_ways: 0\n"
					"flat_way: 3\n"
					"cpu: 256\n",
					&t);

	(void)state;
	assert_int_equal(cfg_error_count(ctx), 5);
	assert_string_equal(cfg_error_text(ctx, 0),
			    "inline:2:10: error: 'ram_mib' is 2048, outside the allowed range "
			    "16..1024");
	assert_string_equal(cfg_error_text(ctx, 1),
			    "inline:6:6: error: 'cpu' is 256, outside the allowed range 0..255");
	assert_string_equal(cfg_error_text(ctx, 2),
			    "inline:3:15: error: 'ways' is 65, outside the allowed range 1..64");
	assert_string_equal(
	    cfg_error_text(ctx, 3),
	    "inline:4:12: error: 'flat_ways' is 0, outside the allowed range 1..64");
	/* an inline struct's keys are known, and suggested, at its parent's level */
	assert_string_equal(cfg_error_text(ctx, 4),
			    "inline:5:1: error: unknown key 'flat_way' in the top level (did you "
			    "mean 'flat_ways'?)");
	assert_int_equal(t.count, 2);
	assert_int_equal(t.ram, 64ull << 20); /* a rejected value leaves the default */
	cfg_ctx_destroy(ctx);
}

/* The declaring macros refuse a member of the wrong size at compile time; at run time the
 * tables point at the members they name. */
static void test_model_tables_point_at_their_members(void **state)
{
	static const struct {
		const struct cfg_schema *schema;
		const char *key;
		size_t off;
	} cases[] = {
	    {&mem_cfg_schema, "size_mib", offsetof(struct mem_cfg, size)},
	    {&mem_cfg_schema, "latency_ns", offsetof(struct mem_cfg, latency_ps)},
	    {&pcie_link_cfg_schema, "latency_ns", offsetof(struct pcie_link_cfg, latency_ps)},
	    {&pcie_fabric_cfg_schema, "root_complex_ns",
	     offsetof(struct pcie_fabric_cfg, rc_latency_ps)},
	    {&vtd_cfg_schema, "fault_records", offsetof(struct vtd_cfg, nfr)},
	    {&vtd_cfg_schema, "domains", offsetof(struct vtd_cfg, domains)},
	    {&vtd_cfg_schema, "paging_structure_caches", offsetof(struct vtd_cfg, psc_entries)},
	    {&iotlb_cfg_schema, "replacement", offsetof(struct iotlb_cfg, repl)},
	    {&cpu_cfg_schema, "vmexit_cycles", offsetof(struct cpu_cfg, vmx.exit_cycles)},
	    {&platform_iommu_cfg_schema, "address_width",
	     offsetof(struct platform_iommu_cfg, unit.address_width)},
	    {&platform_iommu_cfg_schema, "units", offsetof(struct platform_iommu_cfg, units)},
	    {&nic_cfg_schema, "reset_ns", offsetof(struct nic_cfg, reset_ps)},
	    {&host_boot_cfg_schema, "poll_ns",
	     offsetof(struct host_boot_cfg, kernel.costs.poll_ns)},
	    {&host_boot_cfg_schema, "sched", offsetof(struct host_boot_cfg, kernel.sched)},
	    {&hv_costs_schema, "external_interrupt_cycles", offsetof(struct hv_costs, ext_int)},
	    {&vm_cfg_schema, "memory_mib", offsetof(struct vm_cfg, ram_bytes)},
	    {&vfio_dma_cfg_schema, "strategy", offsetof(struct vfio_dma_cfg, strategy)},
	    {&gk_cfg_schema, "net_rx_cycles", offsetof(struct gk_cfg, costs.net_rx)},
	    {&wl_stream_cfg_schema, "start_delay_ns",
	     offsetof(struct wl_stream_cfg, start_delay_ps)},
	    {&wl_dma_bench_cfg_schema, "page_kib", offsetof(struct wl_dma_bench_cfg, page_bytes)},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t base = 99999;
		const struct cfg_field *f = cfg_schema_field(cases[i].schema, cases[i].key, &base);

		if (!f || base + f->off != cases[i].off)
			fail_msg("%s.%s: at %zu, wanted %zu", cases[i].schema->name, cases[i].key,
				 f ? base + f->off : 0, cases[i].off);
	}
	/* paging_structure_caches.pde is psc_entries[2] */
	const struct cfg_field *psc =
	    cfg_schema_field(&vtd_cfg_schema, "paging_structure_caches", NULL);
	assert_int_equal(cfg_schema_field(psc->sub, "pde", NULL)->off, 2 * sizeof(unsigned));
	assert_null(cfg_schema_field(&vtd_cfg_schema, "enabled", NULL)); /* the platform's */
}

/* A vtd_cfg bound from YAML: each knob lands where the unit reads it. */
static void test_vtd_knobs_bind(void **state)
{
	struct cfg_ctx *ctx;
	struct cfg_node *root;
	struct platform_iommu_cfg io;

	(void)state;
	assert_int_equal(cfg_ctx_create(&ctx), 0);
	root = cfg_load_string(ctx, "inline",
			       "enabled: false\n"
			       "iotlb: {entries: 128, ways: 8, replacement: fifo}\n"
			       "domains: 1024\n"
			       "address_width: 57\n"
			       "superpages: true\n"
			       "command_ns: 1.5\n"
			       "paging_structure_caches: {pde: 3, pml5e: 5}\n"
			       "units: [{name: a, include_all: true}]\n");
	assert_int_equal(cfg_bind(ctx, &platform_iommu_cfg_schema, root, &io), 0);
	assert_false(io.enabled);
	assert_int_equal(io.unit.iotlb.entries, 128);
	assert_int_equal(io.unit.iotlb.ways, 8);
	assert_int_equal(io.unit.iotlb.repl, IOTLB_FIFO);
	assert_int_equal(io.unit.domains, 1024);
	assert_int_equal(io.unit.address_width, 57);
	assert_true(io.unit.superpages);
	assert_int_equal(io.unit.cmd_ps, 1500);
	assert_int_equal(io.unit.psc_entries[2], 3);
	assert_int_equal(io.unit.psc_entries[3], 0);
	assert_int_equal(io.unit.psc_entries[5], 5);
	assert_int_equal(io.unit.nfr, 8); /* declared default */
	assert_true(io.unit.qi);
	assert_int_equal(io.nunits, 1);
	assert_string_equal(io.units[0].name, "a");
	cfg_ctx_destroy(ctx);
}

/* Every knob of the scenario says what it means, and a number says in what unit (or that it
 * is an identifier). */
static void walk(const struct cfg_schema *s, const char *path, int depth, unsigned *n)
{
	char sub[256];

	if (depth > 12)
		return;
	for (const struct cfg_field *f = s->fields; f->key; f++) {
		const struct cfg_schema *child = f->sub ? f->sub : f->sub_fn ? f->sub_fn() : NULL;
		bool number = f->type == CFG_F_U32 || f->type == CFG_F_U64 ||
			      f->type == CFG_F_INT || f->type == CFG_F_DOUBLE ||
			      f->type == CFG_F_NS || f->type == CFG_F_U32LIST;

		if (f->type == CFG_F_INLINE) {
			assert_non_null(child);
			walk(child, path, depth + 1, n);
			continue;
		}
		snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", f->key);
		(*n)++;
		if (!f->doc || !*f->doc)
			fail_msg("%s has no meaning", sub);
		if (number && !f->unit && !(f->flags & (CFG_ID | CFG_HEX)))
			fail_msg("%s is a number without a unit", sub);
		if (f->unit && !*f->unit)
			fail_msg("%s has an empty unit", sub);
		if (f->type == CFG_F_ENUM && (!f->names || !f->names[0]))
			fail_msg("%s is an enum without names", sub);
		if ((f->type == CFG_F_STRUCT || f->type == CFG_F_LIST) && !child)
			fail_msg("%s has no keys", sub);
		if (child && (f->type == CFG_F_STRUCT || f->type == CFG_F_LIST) && s != child)
			walk(child, sub, depth + 1, n);
	}
}

static void test_every_knob_has_meaning_and_unit(void **state)
{
	unsigned n = 0;

	(void)state;
	walk(&scenario_schema, "", 0, &n);
	assert_true(n > 150);
	walk(&dmaeng_cfg_schema, "(dma engine)", 0, &n); /* declared, not a YAML key yet */
}

/* --schema prints the declaration: type, range, default in the YAML's unit, the unit, the
 * meaning and the source. */
static char described[8192];

static void collect(void *arg, const char *line)
{
	size_t n = strlen(described);

	(void)arg;
	snprintf(described + n, sizeof(described) - n, "%s\n", line);
}

static void test_describe(void **state)
{
	(void)state;
	described[0] = 0;
	cfg_schema_describe(&thing_schema, 0, collect, NULL);
	assert_non_null(strstr(described, "ram_mib: integer [16..1024] = 64 MiB  # memory\n"));
	assert_non_null(
	    strstr(described, "slice_us: integer [10..1000000] = 3000 us  # a slice\n"));
	assert_non_null(strstr(
	    described, "delay_ns: number [0..100000] = 80 ns  # a delay [source: Intel MLC]\n"));
	assert_non_null(strstr(described, "cpu: integer [0..255] = the caller's  # a CPU\n"));
	assert_non_null(strstr(described, "colour: enum (red|green|blue) = green  # a colour\n"));
	assert_non_null(strstr(described, "inner: mapping  # a nested mapping\n"
					  "  ways: integer [1..64] = 4 ways  # associativity\n"
					  "  wait_ns: number [0..100] = 2.5 ns  # a wait\n"));
	/* inline keys at the parent's level */
	assert_non_null(
	    strstr(described, "\nflat_ways: integer [1..64] = 8 ways  # associativity\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults_from_declarations),
	    cmocka_unit_test(test_units_convert_on_binding),
	    cmocka_unit_test(test_range_errors_in_yaml_units),
	    cmocka_unit_test(test_model_tables_point_at_their_members),
	    cmocka_unit_test(test_vtd_knobs_bind),
	    cmocka_unit_test(test_every_knob_has_meaning_and_unit),
	    cmocka_unit_test(test_describe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
