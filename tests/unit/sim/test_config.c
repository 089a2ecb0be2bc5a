/* SPDX-License-Identifier: MIT */
/*
 * Configuration: every kind of mistake is reported with its message and its exact
 * file:line:column (or the "--set ..." it came from), a file with several mistakes reports
 * all of them, and good files bind as documented: defaults, --set overrides, !include,
 * anchors and aliases, ns to ps, and the shipped configs/default.yaml.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "app/scenario.h"
#include "sim/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- files in a private temporary directory ---- */

static char tmpdir[64];
static char files[256][128];
static size_t nfiles;

static int group_setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ptsim-config-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	for (size_t i = 0; i < nfiles; i++)
		unlink(files[i]);
	return rmdir(tmpdir);
}

/* Write `text` to tmpdir/name; returns its path. */
static const char *put(const char *name, const char *text)
{
	char *path = NULL;
	FILE *f;

	for (size_t i = 0; i < nfiles; i++)
		if (!strcmp(strrchr(files[i], '/') + 1, name))
			path = files[i];
	if (!path) {
		assert_true(nfiles < sizeof(files) / sizeof(files[0]));
		path = files[nfiles++];
		snprintf(path, sizeof(files[0]), "%s/%s", tmpdir, name);
	}
	f = fopen(path, "wb");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	return path;
}

static void dump_errors(const struct cfg_ctx *ctx)
{
	for (size_t i = 0; i < cfg_error_count(ctx); i++)
		print_error("  [%zu] %s\n", i, cfg_error_text(ctx, i));
}

/* Replace each "{file}" in `in` by `file`. */
static void expand(char *out, size_t len, const char *in, const char *file)
{
	const char *at;
	size_t n = 0;

	while ((at = strstr(in, "{file}")) != NULL && n < len) {
		n += (size_t)snprintf(out + n, len - n, "%.*s%s", (int)(at - in), in, file);
		in = at + 6;
	}
	if (n < len)
		snprintf(out + n, len - n, "%s", in);
}

/*
 * Error i must be "FILE:LINE:COL: error: ..." with `msg` in its message. `file` NULL means an
 * error without a position ("error: ..."); "{file}" in msg stands for `path`.
 */
static void expect_error(const struct cfg_ctx *ctx, size_t i, const char *file, unsigned line,
			 unsigned col, const char *msg, const char *path)
{
	const char *e = cfg_error_text(ctx, i);
	char pre[512], want[512];
	size_t pl;

	if (file)
		snprintf(pre, sizeof(pre), "%s:%u:%u: error: ", file, line, col);
	else
		snprintf(pre, sizeof(pre), "error: ");
	expand(want, sizeof(want), msg, path ? path : "");
	pl = strlen(pre);
	if (!e || strncmp(e, pre, pl) || !strstr(e + pl, want)) {
		dump_errors(ctx);
		fail_msg("error %zu: wanted \"%s...%s...\"", i, pre, want);
	}
}

/* ---- a compact valid scenario, in pieces that keep line numbers known ---- */

/* lines 1-9 */
#define MACHINE_CPU(cpu)                                                                           \
	"machine:\n"                                                                               \
	"  cpu: " cpu "\n"                                                                         \
	"  pcie:\n"                                                                                \
	"    devices:\n"                                                                           \
	"      - name: rp0\n"                                                                      \
	"        type: root_port\n"                                                                \
	"        slot: 1\n"                                                                        \
	"        below:\n"                                                                         \
	"          - {name: nic0, type: ptnic}\n"
#define MACHINE MACHINE_CPU("{pcpus: 2}")
/* 3 lines, the list at line +1 column 3 */
#define VM0                                                                                        \
	"vms:\n"                                                                                   \
	"  - name: vm0\n"                                                                          \
	"    devices: [nic0]\n"
/* 2 lines */
#define WORKLOAD                                                                                   \
	"workload:\n"                                                                              \
	"  device: nic0\n"
/* lines 1-14; what a case adds starts at line 15 */
#define BASE MACHINE VM0 WORKLOAD

/* ---- bad configurations ---- */

struct want {
	const char *file; /* NULL: the case's file; else a literal, e.g. "--set a=1" */
	unsigned line, col;
	const char *msg; /* "{file}" stands for the case's file */
};

struct bad {
	const char *name;
	const char *yaml;
	const char *sets[2];
	const char *absent; /* no error may contain this */
	struct want want[10];
};

#define SET(s) "--set " s
#define R4(x)  x ", " x ", " x ", " x
#define R16(x) R4(x) ", " R4(x) ", " R4(x) ", " R4(x)
#define R64(x) R16(x) ", " R16(x) ", " R16(x) ", " R16(x)

static const struct bad bad_cases[] = {
    /* YAML itself */
    {"syntax_indent",
     "machine:\n"
     "  cpu:\n"
     "    pcpus: 2\n"
     "   freq_mhz: 100\n",
     .want = {{NULL, 4, 4,
	       "YAML syntax: did not find expected key while parsing a block mapping"}}},
    {"syntax_flow",
     "seed: [1, 2\n"
     "name: x\n",
     .want = {{NULL, 2, 5,
	       "YAML syntax: did not find expected ',' or ']' while parsing a flow sequence"}}},
    {"syntax_tab",
     "seed: 1\n"
     "\tname: x\n",
     .want = {{NULL, 2, 1, "YAML syntax: found a tab character that violates indentation"}}},
    {"syntax_not_utf8",
     "seed: 1\n"
     "name: ab\xff\xfe"
     "cd\n",
     .want = {{NULL, 2, 9, "YAML syntax: invalid leading UTF-8 octet"}}},
    {"empty_file", "", .want = {{NULL, 1, 1, "the file is empty"}}},
    {"only_comments", "# nothing here\n\n", .want = {{NULL, 1, 1, "the file is empty"}}},
    {"two_documents",
     "seed: 1\n"
     "---\n"
     "seed: 2\n",
     .want = {{NULL, 3, 1, "more than one YAML document in a file"}}},
    {"duplicate_key", BASE "seed: 1\nseed: 2\n",
     .want = {{NULL, 16, 1, "duplicate key 'seed' (first given at line 15)"}}},
    {"unknown_tag", "seed: !int 1\n",
     .want = {{NULL, 1, 7, "unknown tag '!int' (only !include is understood)"}}},
    {"unknown_alias", BASE "seed: *s\n", .want = {{NULL, 15, 7, "unknown alias '*s'"}}},
    {"alias_cycle",
     "machine:\n"
     "  pcie:\n"
     "    devices:\n"
     "      - &n {name: rp0, type: root_port, slot: 1, below: [*n]}\n",
     .want = {{NULL, 4, 58, "alias '*n' refers to a node that contains it"}}},

    /* keys */
    {"unknown_key_suggestion", BASE "run: {max_sim_msec: 5}\n",
     .want = {{NULL, 15, 7, "unknown key 'max_sim_msec' in run (did you mean 'max_sim_ms'?)"}}},
    {"unknown_key_top_level", BASE "colour: red\n", .absent = "did you mean",
     .want = {{NULL, 15, 1, "unknown key 'colour' in the top level"}}},
    {"missing_required",
     MACHINE "vms:\n"
	     "  - vcpus: 1\n"
	     "    devices: [nic0]\n" WORKLOAD,
     .want = {{NULL, 11, 5, "'vms.0.name' is required"}}},

    /* types */
    {"string_for_integer", MACHINE_CPU("{pcpus: two}") VM0 WORKLOAD,
     .want = {{NULL, 2, 16, "'pcpus' expects a non-negative integer, got 'two'"}}},
    {"mapping_for_list", MACHINE "vms: {name: vm0}\n" WORKLOAD,
     .want = {{NULL, 10, 6, "'vms' expects a list, got a mapping"}}},
    {"scalar_for_list",
     MACHINE "vms:\n"
	     "  - name: vm0\n"
	     "    devices: nic0\n" WORKLOAD,
     .want = {{NULL, 12, 14, "'devices' expects a list, got a plain value"}}},
    {"list_for_mapping", MACHINE VM0 "workload: [nic0]\n",
     .want = {{NULL, 13, 11, "'workload' expects a mapping of keys, got a list"}}},
    {"string_for_bool", MACHINE "  iommu: {enabled: maybe}\n" VM0 WORKLOAD,
     .want = {{NULL, 10, 20, "'enabled' expects true or false, got 'maybe'"}}},
    {"quoted_bool", MACHINE "  iommu: {superpages: \"yes\"}\n" VM0 WORKLOAD,
     .want = {{NULL, 10, 23, "'superpages' expects true or false, got 'yes'"}}},

    /* values */
    {"out_of_range", MACHINE_CPU("{pcpus: 300}") VM0 WORKLOAD,
     .want = {{NULL, 2, 16, "'pcpus' is 300, outside the allowed range 1..256"}}},
    {"too_large_for_u32", MACHINE_CPU("{pcpus: 5000000000}") VM0 WORKLOAD,
     .want = {{NULL, 2, 16, "'pcpus' is 5000000000, too large (at most 4294967295)"}}},
    {"not_power_of_two", BASE "host: {irte_entries: 100}\n",
     .want = {{NULL, 15, 22, "'irte_entries' is 100, which is not a power of two"}}},
    {"bad_enum",
     MACHINE "vms:\n"
	     "  - name: vm0\n"
	     "    interrupt_mode: posted\n"
	     "    devices: [nic0]\n" WORKLOAD,
     .want = {{NULL, 12, 21,
	       "'interrupt_mode' is 'posted'; expected one of: emulated, eoi_passthrough, eli, "
	       "cpu_posted, vtd_posted"}}},
    {"negative_unsigned", BASE "seed: -1\n",
     .want = {{NULL, 15, 7, "'seed' expects a non-negative integer, got '-1'"}}},
    {"negative_time", BASE "host: {poll_ns: -5}\n",
     .want = {{NULL, 15, 17, "'poll_ns' is a time in ns and cannot be negative"}}},
    /* vms: [] is bare metal; its kernel's pCPUs are a list with a range */
    {"bare_pcpu_zero", MACHINE "vms: []\n" WORKLOAD "baremetal: {pcpus: [0]}\n",
     .want = {{NULL, 13, 21, "'pcpus' is 0, outside the allowed range 1..255"}}},
    {"ways_do_not_divide", MACHINE "  iommu: {iotlb: {entries: 48, ways: 5}}\n" VM0 WORKLOAD,
     .want = {{NULL, 10, 38, "'ways' (5) must divide 'entries' (48)"}}},

    /* --set */
    {"set_index_out_of_range",
     BASE,
     {"vms.3.name=x"},
     .want =
	 {{SET("vms.3.name=x"), 1, 5,
	   "index 3 is out of range: the list at {file}:11:3 has 1 item (index 1 appends one)"}}},
    {"set_unknown_key",
     BASE,
     {"machine.cpu.pcpu=4"},
     .want = {{SET("machine.cpu.pcpu=4"), 1, 13,
	       "unknown key 'pcpu' in machine.cpu (did you mean 'pcpus'?)"}}},
    {"set_list_needs_index",
     BASE,
     {"vms.name=x"},
     .want = {{SET("vms.name=x"), 1, 5, "'vms' is a list: expected an index, got 'name'"}}},
    {"set_root_needs_key",
     "- 1\n- 2\n",
     {"name=x"},
     .want = {{SET("name=x"), 1, 1, "'(root)' is a list: expected an index, got 'name'"}}},
    {"set_below_plain_value",
     BASE,
     {"workload.device.x=1"},
     .want = {{SET("workload.device.x=1"), 1, 17, "'x' goes below a plain value"}}},
    {"set_without_value",
     BASE,
     {"seed"},
     .want = {{SET("seed"), 1, 1, "expected --set key.path=value"}}},
    {"set_flow_list_syntax",
     BASE,
     {"vms.0.pcpus=[1"},
     .want = {{SET("vms.0.pcpus=[1"), 2, 1,
	       "YAML syntax: did not find expected ',' or ']' while parsing a flow sequence"}}},
    {"set_flow_list_bad_item",
     BASE,
     {"vms.0.pcpus=[x]"},
     .want = {{SET("vms.0.pcpus=[x]"), 1, 14, "'pcpus' expects a non-negative integer, got 'x'"}}},
    {"set_empty_segment",
     BASE,
     {"machine..cpu=1"},
     .want = {{SET("machine..cpu=1"), 1, 9, "empty path segment"}}},
    {"set_bad_value",
     BASE,
     {"machine.cpu.pcpus=lots"},
     .want = {{SET("machine.cpu.pcpus=lots"), 1, 19,
	       "'pcpus' expects a non-negative integer, got 'lots'"}}},
    {"set_quoted_number",
     BASE,
     {"seed=\"5\""},
     .want = {{SET("seed=\"5\""), 1, 6, "'seed' expects a non-negative integer, got '5'"}}},
    {"set_list_index_value",
     BASE,
     {"vms.0.dma.strategy=shared", "vms.0.viommu=nested"},
     .want = {{SET("vms.0.viommu=nested"), 1, 14,
	       "viommu 'nested' decides the VM's DMA mappings itself (the guest maps through its "
	       "own VT-d driver); leave dma.strategy at direct_map"}}},
    {"viommu_nested_needs_a_scalable_unit",
     BASE,
     {"vms.0.viommu=nested"},
     .want = {{SET("vms.0.viommu=nested"), 1, 14,
	       "viommu 'nested' needs the VT-d unit in scalable mode with nested translation "
	       "(machine.iommu.scalable_mode and nested, host.iommu.scalable_mode)"}}},

    /* workload combinations */
    {"rr_request_below_a_frame",
     MACHINE VM0 "workload:\n  kind: rr\n  device: nic0\n  rr: {request_bytes: 63}\n",
     .want = {{NULL, 16, 23, "'request_bytes' is 63, outside the allowed range 64..1518"}}},
    {"stream_rx_needs_a_rate", MACHINE VM0 "workload:\n  device: nic0\n  rate_gbps: 0\n",
     .want = {{NULL, 15, 14,
	       "stream_rx needs an offered load: 'rate_gbps' 0 (as fast as the ring allows) "
	       "is for stream_tx"}}},
    {"stream_tx_poisson_needs_a_rate",
     MACHINE VM0 "workload:\n"
		 "  kind: stream_tx\n"
		 "  device: nic0\n"
		 "  rate_gbps: 0\n"
		 "  arrival: poisson\n",
     .want = {{NULL, 17, 12,
	       "Poisson send times need a rate; 'rate_gbps' is 0 (as fast as the ring "
	       "allows)"}}},
    {"stream_tx_above_line_rate",
     MACHINE VM0 "workload: {kind: stream_tx, device: nic0, rate_gbps: 20}\n",
     .want = {{NULL, 13, 54, "'rate_gbps' (20) is above the line rate (10)"}}},
    {"devices_for_dma_bench", MACHINE VM0 "workload: {kind: dma_bench, devices: [nic0]}\n",
     .want = {{NULL, 13, 38,
	       "'devices' (a stream through each) is for stream_rx and stream_tx"}}},

    /* across sections (scenario_load) */
    {"device_not_found",
     MACHINE "vms:\n"
	     "  - name: vm0\n"
	     "    devices: [nic0, nic9]\n" WORKLOAD,
     .want = {{NULL, 12, 21, "no device named 'nic9' in machine.pcie"}}},
    {"device_in_two_vms",
     MACHINE_CPU("{pcpus: 3}") VM0 "  - name: vm1\n"
				   "    pcpus: [2]\n"
				   "    devices: [nic0]\n" WORKLOAD,
     .want = {{NULL, 15, 15, "'nic0' is already assigned to 'vm0'"}}},
    {"pcpu_out_of_range",
     MACHINE "vms:\n"
	     "  - name: vm0\n"
	     "    pcpus: [2]\n"
	     "    devices: [nic0]\n" WORKLOAD,
     .want = {{NULL, 12, 13, "pCPU 2 does not exist (machine.cpu.pcpus is 2)"}}},
    {"too_few_pcpus",
     MACHINE "vms:\n"
	     "  - name: vm0\n"
	     "    vcpus: 2\n"
	     "    devices: [nic0]\n" WORKLOAD,
     .want = {{NULL, 12, 12, "2 vCPUs from pCPU 1 need 3 pCPUs; the machine has 2"}}},
    {"second_vm_needs_its_own_pcpu", MACHINE VM0 "  - name: vm1\n" WORKLOAD,
     .want = {{NULL, 13, 5, "1 vCPU from pCPU 2 needs 3 pCPUs; the machine has 2"}}},
    {"pcpu_zero_is_the_hosts",
     MACHINE "vms:\n"
	     "  - name: vm0\n"
	     "    pcpus: [0]\n"
	     "    devices: [nic0]\n" WORKLOAD,
     .want = {{NULL, 12, 13, "pCPU 0 runs the host's own work; pin vCPUs to pCPUs 1..1"}}},
    {"workload_vm_is_not_a_hog",
     MACHINE "vms:\n"
	     "  - name: vm0\n"
	     "    guest: {task: cpu_hog}\n"
	     "    devices: [nic0]\n" WORKLOAD,
     .want = {{NULL, 12, 19,
	       "'vm0' runs the workload (it owns nic0); guest.task is for the "
	       "other VMs"}}},
    {"ptnic_on_root_bus", MACHINE "      - {name: nic1, type: ptnic, slot: 2}\n" VM0 WORKLOAD,
     .want = {{NULL, 10, 9, "'nic1' is a ptnic on the root bus; put it below a root port"}}},
    {"duplicate_device_name",
     MACHINE "      - name: rp1\n"
	     "        type: root_port\n"
	     "        slot: 2\n"
	     "        below: [{name: nic0, type: ptnic}]\n" VM0 WORKLOAD,
     .want = {{NULL, 13, 17, "duplicate device name 'nic0'"}}},
    {"root_port_assigned",
     MACHINE "vms:\n"
	     "  - name: vm0\n"
	     "    devices: [rp0]\n" WORKLOAD,
     .want = {{NULL, 12, 15, "'rp0' is a root port; ports are not assignable"},
	      {NULL, 14, 11, "'nic0' is not assigned to any VM"}}},
    {"duplicate_vm_name",
     MACHINE_CPU("{pcpus: 3}") VM0 "  - name: vm0\n"
				   "    pcpus: [2]\n" WORKLOAD,
     .want = {{NULL, 13, 11, "duplicate VM name 'vm0'"}}},
    {"interrupt_mode_needs_x2apic",
     MACHINE "vms:\n"
	     "  - name: vm0\n"
	     "    interrupt_mode: eli\n"
	     "    guest: {apic: xapic}\n"
	     "    devices: [nic0]\n" WORKLOAD,
     .want = {{NULL, 12, 21,
	       "interrupt_mode 'eli' passes the x2APIC EOI MSR through; it needs guest.apic: "
	       "x2apic"}}},
    {"vtd_posted_needs_posting_hardware",
     MACHINE "  iommu: {posted_interrupts: false}\n"
	     "vms:\n"
	     "  - name: vm0\n"
	     "    interrupt_mode: vtd_posted\n"
	     "    devices: [nic0]\n" WORKLOAD,
     .want = {{NULL, 13, 21,
	       "'vtd_posted' needs machine.iommu.enabled, interrupt_remapping and "
	       "posted_interrupts"}}},
    {"workload_not_a_nic", MACHINE VM0 "workload: {device: rp0}\n",
     .want = {{NULL, 13, 20, "'rp0' is not a NIC in machine.pcie"}}},

    /* values that do not bind: the struct's check does not run on them (it used to crash) */
    {"acs_null_item",
     BASE,
     {"machine.pcie.devices.0.acs=[~]"},
     .want = {{SET("machine.pcie.devices.0.acs=[~]"), 1, 29,
	       "'acs' expects a string, got nothing"}}},
    {"acs_nested_list",
     BASE,
     {"machine.pcie.devices.0.acs=[sv, [tb]]"},
     .want = {{SET("machine.pcie.devices.0.acs=[sv, [tb]]"), 1, 33,
	       "'acs' expects a string, got a list"}}},
    {"acs_mapping_item",
     BASE,
     {"machine.pcie.devices.0.acs=[{a: 1}]"},
     .want = {{SET("machine.pcie.devices.0.acs=[{a: 1}]"), 1, 29,
	       "'acs' expects a string, got a mapping"}}},
    {"unit_without_name",
     BASE,
     {"machine.iommu.units=[{name: a, include_all: true}, {scope: [nic0]}]"},
     .want = {{SET("machine.iommu.units=[{name: a, include_all: true}, {scope: [nic0]}]"), 1, 52,
	       "'machine.iommu.units.1.name' is required"}}},
    {"unit_name_not_a_string",
     BASE,
     {"machine.iommu.units=[{name: [x], include_all: true}, {name: b, scope: [nic0]}]"},
     .want = {{SET("machine.iommu.units=[{name: [x], include_all: true}, {name: b, scope: "
		   "[nic0]}]"),
	       1, 29, "'name' expects a string, got a list"}}},
    {"range_in_exact_integers",
     BASE,
     {"workload.window_kib=1"},
     .want = {{SET("workload.window_kib=1"), 1, 21,
	       "'window_kib' is 1, outside the allowed range 4..1073741824"}}},
    {"time_range_in_exact_integers",
     BASE,
     {"machine.pcie.devices.0.link.latency_ns=2e6"},
     .want = {{SET("machine.pcie.devices.0.link.latency_ns=2e6"), 1, 40,
	       "'latency_ns' is 2e6, outside the allowed range 0..1000000"}}},
    {"workload_absent_has_a_position", MACHINE VM0,
     .want = {{NULL, 1, 1, "'workload.device' is required: the NIC that receives"}}},
    {"workload_empty_has_a_position", MACHINE VM0 "workload:\n",
     .want = {{NULL, 13, 10, "'workload.device' is required: the NIC that receives"}}},
    {"alias_expansion_bounded",
     "x0: &x0 {name: e, type: endpoint}\n"
     "x1: &x1 {name: p1, type: root_port, slot: 1, below: [" R64(
	 "*x0") "]}\n"
		"x2: &x2 {name: p2, type: root_port, slot: 1, below: [" R64(
		    "*x1") "]}\n"
			   "x3: &x3 {name: p3, type: root_port, slot: 1, below: [" R64(
			       "*x2") "]}\n"
				      "machine: {pcie: {devices: [*x3]}}\n",
     .want = {{NULL, 1, 16, "the configuration expands to more than 32768 values"},
	      {NULL, 1, 1, "unknown key 'x0'"},
	      {NULL, 2, 1, "unknown key 'x1'"},
	      {NULL, 3, 1, "unknown key 'x2'"},
	      {NULL, 4, 1, "unknown key 'x3'"}}},

    /* one mapping, two places through an alias: each reports the keys it does not know */
    {"alias_bound_by_two_schemas",
     "host: &x {irte_entries: 256, pcpus: 2}\n" MACHINE_CPU("*x") VM0 WORKLOAD,
     .want = {{NULL, 1, 11, "unknown key 'irte_entries' in machine.cpu"},
	      {NULL, 1, 30, "unknown key 'pcpus' in host"}}},

    /* mistakes that used to pass `check` and fail the run with a bare errno */
    {"device_named_like_a_vf",
     MACHINE "      - name: rp1\n"
	     "        type: root_port\n"
	     "        slot: 2\n"
	     "        below:\n"
	     "          - {name: pf, type: endpoint, ari: true, sriov: {total_vfs: 4, "
	     "num_vfs: 2}}\n"
	     "      - name: rp2\n"
	     "        type: root_port\n"
	     "        slot: 3\n"
	     "        below: [{name: pf.vf4, type: endpoint}]\n" VM0 WORKLOAD,
     .want = {{NULL, 18, 24,
	       "'pf.vf4' is the name of VF 4 of 'pf' (VFs are named "
	       "<pf>.vf<n>); pick another name"}}},
    {"empty_device_name", MACHINE "      - {name: \"\", type: rciep, slot: 4}\n" VM0 WORKLOAD,
     .want = {{NULL, 10, 16, "device name '' is empty"}}},
    {"long_device_name",
     MACHINE
     "      - {name: a23456789012345678901234567890123, type: rciep, slot: 4}\n" VM0 WORKLOAD,
     .want = {{NULL, 10, 16,
	       "device name 'a23456789012345678901234567890123' is 33 "
	       "characters long; at most 31"}}},
    {"vm_name_with_a_dot", MACHINE "vms:\n  - name: vm.0\n    devices: [nic0]\n" WORKLOAD,
     .want = {{NULL, 11, 11, "VM name 'vm.0' has '.'; names are letters, digits, '_', '-'"}}},
    {"vm_name_with_a_comma", MACHINE "vms:\n  - name: \"vm,0\"\n    devices: [nic0]\n" WORKLOAD,
     .want = {{NULL, 11, 11, "VM name 'vm,0' has ','"}}},
    {"scope_names_a_missing_device",
     BASE,
     {"machine.iommu.units=[{name: a, scope: [nope]}, {name: b, include_all: true}]"},
     .want = {{SET("machine.iommu.units=[{name: a, scope: [nope]}, {name: b, include_all: "
		   "true}]"),
	       1, 40, "no device named 'nope' in machine.pcie"}}},
    {"device_in_two_units",
     BASE,
     {"machine.iommu.units=[{name: a, scope: [nic0]}, {name: b, scope: [rp0]}]"},
     .want = {{SET("machine.iommu.units=[{name: a, scope: [nic0]}, {name: b, scope: [rp0]}]"), 1,
	       66, "'rp0' has 'nic0' below it, which is in unit 'a'"}}},
    {"device_below_a_port_of_another_unit",
     BASE,
     {"machine.iommu.units=[{name: a, scope: [rp0]}, {name: b, scope: [nic0]}]"},
     .want = {{SET("machine.iommu.units=[{name: a, scope: [rp0]}, {name: b, scope: [nic0]}]"), 1,
	       65, "'nic0' is below 'rp0', which is in unit 'a'"}}},
    {"vm_ram_in_one_piece",
     MACHINE "vms:\n  - name: vm0\n    memory_mib: 3000\n    devices: [nic0]\n" WORKLOAD,
     {"machine.memory.size_mib=4096"},
     .want = {{NULL, 12, 17,
	       "'vm0' needs 3000 MiB of host RAM in one piece (guest RAM is one "
	       "allocation); the largest piece left is 2048 MiB"}}},
    {"dma_bench_window_too_big",
     MACHINE "      - name: rp1\n"
	     "        type: root_port\n"
	     "        slot: 2\n"
	     "        below: [{name: dma0, type: dma_engine}]\n"
	     "vms: [{name: vm0}]\n"
	     "workload: {kind: dma_bench, device: dma0, window_kib: 16777216}\n",
     .want = {{NULL, 15, 55,
	       "the dma_bench window (16384 MiB in 4 KiB pages) is one "
	       "allocation of host RAM; the largest piece left after the VMs is "
	       "5120 MiB"}}},

    {"function_without_function_0",
     MACHINE "      - name: rp1\n"
	     "        type: root_port\n"
	     "        slot: 2\n"
	     "        below: [{name: ep, type: endpoint, function: 1}]\n" VM0 WORKLOAD,
     .want = {{NULL, 13, 54, "'ep' is function 1 of device 0, which has no function 0"}}},
    {"bar_past_the_hosts_32bit_window",
     MACHINE
     "      - name: rp1\n"
     "        type: root_port\n"
     "        slot: 2\n"
     "        below: [{name: ep, type: endpoint, bars: [{index: 0, size: 0x40000000}]}]\n" VM0
	 WORKLOAD,
     .want = {{NULL, 13, 17,
	       "BAR 0 of 'ep' (1 GiB) does not fit in the host's 32-bit MMIO "
	       "window (512 MiB, for non-prefetchable and 32-bit BARs)"}}},
    {"bar_past_the_guests_window",
     MACHINE "      - name: rp1\n"
	     "        type: root_port\n"
	     "        slot: 2\n"
	     "        below: [{name: ep, type: endpoint, bars: [{index: 0, size: 0x40000000, "
	     "prefetch: true}]}]\n"
	     "vms:\n  - name: vm0\n    devices: [nic0, ep]\n" WORKLOAD,
     .want = {{NULL, 16, 21,
	       "'ep' does not fit in the guest MMIO window of 'vm0': its BAR 0 "
	       "is 1 GiB, and the window for assigned devices is 512 MiB (511 MiB "
	       "left)"}}},

    /* one file, many mistakes: all of them, in order */
    {"many_mistakes",
     "seed: -3\n"
     "machine:\n"
     "  cpu: {pcpus: two, freq_mhz: 50}\n"
     "  iommu:\n"
     "    iotlb: {entries: 64, way: 4, replacement: mru}\n"
     "host:\n"
     "  irte_entries: 100\n"
     "vms:\n"
     "  - vcpus: 1\n"
     "    devices: nic0\n"
     "  - name: vm1\n"
     "    dma: {strategy: on_demand, replacement: mru}\n"
     "workload: [1]\n",
     .want =
	 {
	     {NULL, 1, 7, "'seed' expects a non-negative integer, got '-3'"},
	     {NULL, 3, 16, "'pcpus' expects a non-negative integer, got 'two'"},
	     {NULL, 3, 31, "'freq_mhz' is 50, outside the allowed range 100..10000"},
	     {NULL, 5, 47, "'replacement' is 'mru'; expected one of: lru, fifo, random"},
	     {NULL, 5, 26, "unknown key 'way' in machine.iommu.iotlb (did you mean 'ways'?)"},
	     {NULL, 7, 17, "'irte_entries' is 100, which is not a power of two"},
	     {NULL, 9, 5, "'vms.0.name' is required"},
	     {NULL, 10, 14, "'devices' expects a list, got a plain value"},
	     {NULL, 12, 45, "'replacement' is 'mru'; expected one of: lru, fifo, clock"},
	     {NULL, 13, 11, "'workload' expects a mapping of keys, got a list"},
	 }},
};

#define N_BAD (sizeof(bad_cases) / sizeof(bad_cases[0]))

static void run_bad(void **state)
{
	const struct bad *b = *state;
	struct cfg_ctx *ctx;
	struct scenario sc;
	char name[80];
	const char *path;
	size_t nsets = 0, nwant = 0;
	int rc;

	snprintf(name, sizeof(name), "%s.yaml", b->name);
	path = put(name, b->yaml);
	while (nsets < 2 && b->sets[nsets])
		nsets++;
	while (nwant < 10 && b->want[nwant].msg)
		nwant++;
	assert_int_equal(cfg_ctx_create(&ctx), 0);
	rc = scenario_load(ctx, path, b->sets, nsets, &sc);
	if (cfg_error_count(ctx) != nwant) {
		dump_errors(ctx);
		fail_msg("%zu errors, wanted %zu", cfg_error_count(ctx), nwant);
	}
	assert_int_equal(rc, (int)nwant);
	for (size_t i = 0; i < nwant; i++)
		expect_error(ctx, i, b->want[i].file ? b->want[i].file : path, b->want[i].line,
			     b->want[i].col, b->want[i].msg, path);
	for (size_t i = 0; b->absent && i < nwant; i++)
		assert_null(strstr(cfg_error_text(ctx, i), b->absent));
	cfg_ctx_destroy(ctx);
}

/* ---- bad cases that need more than one file ---- */

static void test_file_not_found(void **state)
{
	struct cfg_ctx *ctx;
	struct scenario sc;
	char path[128], msg[512];

	snprintf(path, sizeof(path), "%s/absent.yaml", tmpdir);
	/* the file has no line to point at: its name alone */
	snprintf(msg, sizeof(msg), "%s: error: cannot open '%s': No such file or directory", path,
		 path);
	assert_int_equal(cfg_ctx_create(&ctx), 0);
	assert_int_equal(scenario_load(ctx, path, NULL, 0, &sc), 1);
	assert_int_equal(cfg_error_count(ctx), 1);
	assert_string_equal(cfg_error_text(ctx, 0), msg);
	assert_null(cfg_load_file(ctx, path));
	assert_int_equal(cfg_error_count(ctx), 2);
	cfg_ctx_destroy(ctx);
}

static void test_include_not_found(void **state)
{
	struct cfg_ctx *ctx;
	struct scenario sc;
	const char *main_path = put("inc_missing.yaml", "seed: 1\n"
							"machine: !include no_such_machine.yaml\n");
	char tried[200];

	/* Reported where the !include is, naming the path it tried (next to the includer). */
	snprintf(tried, sizeof(tried), "%s/no_such_machine.yaml", tmpdir);
	assert_int_equal(cfg_ctx_create(&ctx), 0);
	assert_int_equal(scenario_load(ctx, main_path, NULL, 0, &sc), 1);
	expect_error(ctx, 0, main_path, 2, 10, "cannot open '{file}': No such file or directory",
		     tried);
	cfg_ctx_destroy(ctx);
}

static void test_include_error_names_included_file(void **state)
{
	struct cfg_ctx *ctx;
	struct scenario sc;
	const char *inc =
	    put("inc_bad_machine.yaml", "cpu: {pcpus: 2}\n"
					"iommu:\n"
					"  iotlb: {entries: 48, ways: 5}\n"
					"pcie:\n"
					"  devices:\n"
					"    - {name: rp0, type: root_port, slot: 1,\n"
					"       below: [{name: nic0, type: ptnic}]}\n");
	const char *main_path =
	    put("inc_bad.yaml", "machine: !include inc_bad_machine.yaml\n" VM0 WORKLOAD);

	assert_int_equal(cfg_ctx_create(&ctx), 0);
	assert_int_equal(scenario_load(ctx, main_path, NULL, 0, &sc), 1);
	expect_error(ctx, 0, inc, 3, 30, "'ways' (5) must divide 'entries' (48)", NULL);
	cfg_ctx_destroy(ctx);

	/* A syntax error inside the included file, too. */
	put("inc_bad_machine.yaml", "cpu: {pcpus: 2\n");
	assert_int_equal(cfg_ctx_create(&ctx), 0);
	assert_int_equal(scenario_load(ctx, main_path, NULL, 0, &sc), 1);
	expect_error(ctx, 0, inc, 2, 1, "YAML syntax:", NULL);
	cfg_ctx_destroy(ctx);
}

/* ---- good configurations ---- */

static struct cfg_ctx *load_ok(const char *path, const char *const *sets, size_t nsets,
			       struct scenario *sc)
{
	struct cfg_ctx *ctx;

	assert_int_equal(cfg_ctx_create(&ctx), 0);
	if (scenario_load(ctx, path, sets, nsets, sc) != 0) {
		dump_errors(ctx);
		fail_msg("%s does not load", path);
	}
	return ctx;
}

static void test_defaults(void **state)
{
	const char *path = put("defaults.yaml", BASE);
	struct scenario sc;
	struct cfg_ctx *ctx = load_ok(path, NULL, 0, &sc);
	const struct sc_node *rp, *nic;
	const struct sc_vm *vm;

	assert_string_equal(sc.name, "unnamed");
	assert_string_equal(sc.description, "");
	assert_int_equal(sc.seed, 1);
	assert_int_equal(sc.machine.cpu.pcpus, 2);
	assert_int_equal(sc.machine.cpu.freq_mhz, 2600);
	assert_int_equal(sc.machine.cpu.vmx.exit_cycles, 650);
	assert_int_equal(sc.machine.memory.size, 8192ull << 20);
	assert_int_equal(sc.machine.memory.latency_ps, 80000);
	assert_int_equal(sc.machine.memory.llc_latency_ps, 20000);
	assert_true(sc.machine.memory.bandwidth_gbps == 20.0);
	assert_int_equal(sc.machine.pcie.fabric.rc_latency_ps, 150000);
	assert_int_equal(sc.machine.pcie.ndevices, 1);
	rp = &sc.machine.pcie.devices[0];
	assert_string_equal(rp->name, "rp0");
	assert_int_equal(rp->type, SC_ROOT_PORT);
	assert_int_equal(rp->slot, 1);
	assert_int_equal(rp->link.gen, 3);
	assert_int_equal(rp->link.width, 8);
	assert_int_equal(rp->link.mps, 256);
	assert_int_equal(rp->link.mrrs, 512);
	assert_int_equal(rp->link.rcb, 64);
	assert_int_equal(rp->link.latency_ps, 70000);
	assert_int_equal(rp->nbelow, 1);
	nic = &rp->below[0];
	assert_string_equal(nic->name, "nic0");
	assert_int_equal(nic->type, SC_PTNIC);
	assert_int_equal(nic->slot, 0);
	assert_int_equal(nic->function, 0);
	assert_int_equal(nic->nic.max_inflight, 32);
	assert_int_equal(nic->nic.reset_ps, 1000000);
	assert_ptr_equal(scenario_find_node(&sc, "nic0", &rp), nic);
	assert_ptr_equal(rp, &sc.machine.pcie.devices[0]);
	assert_null(scenario_find_node(&sc, "nic1", NULL));
	assert_true(sc.machine.iommu.enabled);
	assert_int_equal(sc.machine.iommu.unit.iotlb.entries, 64);
	assert_int_equal(sc.machine.iommu.unit.iotlb.ways, 4);
	assert_int_equal(sc.machine.iommu.unit.iotlb.repl, IOTLB_LRU);
	assert_int_equal(sc.machine.iommu.unit.address_width, 48);
	assert_int_equal(sc.machine.iommu.unit.nfr, 8);
	assert_int_equal(sc.machine.iommu.unit.cmd_ps, 200000);
	assert_false(sc.machine.iommu.unit.superpages);
	assert_int_equal(sc.host.irte_entries, 256);
	assert_int_equal(sc.host.flr_wait_us, 100000);
	assert_int_equal(sc.host.hv_costs.user_exit, 5432);
	assert_int_equal(sc.nvms, 1);
	vm = &sc.vms[0];
	assert_string_equal(vm->name, "vm0");
	assert_int_equal(vm->vm.nvcpus, 1);
	assert_int_equal(vm->npcpus, 0);
	assert_null(vm->pcpus);
	assert_int_equal(vm->vm.ram_bytes, 1024ull << 20);
	assert_int_equal(vm->vm.irq_mode, HV_IRQ_EMULATED);
	assert_int_equal(vm->dma.strategy, DMA_DIRECT_MAP);
	assert_int_equal(vm->viommu.mode, VIOMMU_NONE);
	assert_int_equal(vm->guest.ptnic.v[0].u32, 256);
	assert_int_equal(vm->ndevices, 1);
	assert_string_equal(vm->devices[0], "nic0");
	assert_int_equal(sc.workload.kind, SC_WL_STREAM_RX);
	assert_string_equal(sc.workload.device, "nic0");
	assert_int_equal(sc.workload.stream.frames, 10000);
	assert_int_equal(sc.workload.stream.frame_bytes, 1500);
	assert_true(sc.workload.stream.rate_gbps == 1.0);
	assert_true(sc.workload.stream.line_gbps == 10.0);
	assert_int_equal(sc.workload.stream.start_delay_ps, 10000000);
	assert_true(sc.run.max_sim_ms == 60000.0);
	cfg_ctx_destroy(ctx);
}

static void test_ns_become_ps(void **state)
{
	const char *path =
	    put("ns.yaml", "machine:\n"
			   "  cpu: {pcpus: 2}\n"
			   "  memory: {latency_ns: 80, llc_latency_ns: 12.5}\n"
			   "  pcie:\n"
			   "    root_complex_ns: 0.001\n"
			   "    devices:\n"
			   "      - name: rp0\n"
			   "        type: root_port\n"
			   "        slot: 1\n"
			   "        link: {latency_ns: 35.5}\n"
			   "        below: [{name: nic0, type: ptnic, reset_ns: 2e3}]\n" VM0
			   "workload: {device: nic0, start_delay_ns: 0}\n");
	struct scenario sc;
	struct cfg_ctx *ctx = load_ok(path, NULL, 0, &sc);

	assert_int_equal(sc.machine.memory.latency_ps, 80000);
	assert_int_equal(sc.machine.memory.llc_latency_ps, 12500);
	assert_int_equal(sc.machine.pcie.fabric.rc_latency_ps, 1);
	assert_int_equal(sc.machine.pcie.devices[0].link.latency_ps, 35500);
	assert_int_equal(sc.machine.pcie.devices[0].below[0].nic.reset_ps, 2000000);
	assert_int_equal(sc.workload.stream.start_delay_ps, 0);
	cfg_ctx_destroy(ctx);
}

static void test_set_overrides_existing(void **state)
{
	static const char *const sets[] = {"machine.cpu.pcpus=3", "machine.cpu.pcpus=4",
					   "workload.frames=1_000"};
	const char *path = put("set_existing.yaml", BASE);
	struct scenario sc;
	struct cfg_ctx *ctx = load_ok(path, sets, 3, &sc);

	assert_int_equal(sc.machine.cpu.pcpus, 4); /* the last one wins */
	assert_int_equal(sc.workload.stream.frames, 1000);
	assert_string_equal(sc.machine.pcie.devices[0].name, "rp0"); /* the rest as in the file */
	cfg_ctx_destroy(ctx);
}

static void test_set_adds_missing(void **state)
{
	static const char *const sets[] = {"machine.iommu.iotlb.entries=128", "host.poll_ns=2.5",
					   "seed=0x10"};
	const char *path = put("set_missing.yaml", BASE);
	struct scenario sc;
	struct cfg_ctx *ctx = load_ok(path, sets, 3, &sc);

	assert_int_equal(sc.machine.iommu.unit.iotlb.entries, 128);
	assert_int_equal(sc.machine.iommu.unit.iotlb.ways, 4); /* its neighbours keep their defaults */
	assert_true(sc.machine.iommu.enabled);
	assert_int_equal(sc.host.kernel.costs.poll_ns, 2); /* whole ns, as the host polls */
	assert_int_equal(sc.seed, 16);
	cfg_ctx_destroy(ctx);
}

static void test_set_indexes_lists(void **state)
{
	static const char *const sets[] = {
	    "vms.0.interrupt_mode=emulated", "vms.0.memory_mib=2048", "vms.0.pcpus.0=1",
	    "machine.pcie.devices.0.below.0.max_inflight=7", "vms.0.devices.0=nic0"};
	/* The file asks for a mode that is not implemented: only the override makes it load. */
	const char *path = put("set_lists.yaml", MACHINE "vms:\n"
							 "  - name: vm0\n"
							 "    pcpus: [0]\n"
							 "    interrupt_mode: eli\n"
							 "    devices: [nic9]\n" WORKLOAD);
	struct scenario sc;
	struct cfg_ctx *ctx = load_ok(path, sets, 5, &sc);

	assert_int_equal(sc.vms[0].vm.irq_mode, HV_IRQ_EMULATED);
	assert_int_equal(sc.vms[0].vm.ram_bytes, 2048ull << 20);
	assert_int_equal(sc.vms[0].npcpus, 1);
	assert_int_equal(sc.vms[0].pcpus[0], 1);
	assert_int_equal(sc.machine.pcie.devices[0].below[0].nic.max_inflight, 7);
	assert_string_equal(sc.vms[0].devices[0], "nic0");
	cfg_ctx_destroy(ctx);
}

/* A value that starts with '[' or '{' is a YAML flow list or map. */
static void test_set_flow_values(void **state)
{
	static const char *const sets[] = {"machine.cpu.pcpus=4", "vms.0.vcpus=2", "vms.0.pcpus=[2, 3]",
					   "machine.iommu.iotlb={entries: 256, ways: 8}",
					   "vms.1={name: vm1, pcpus: [3], guest: {task: cpu_hog}}"};
	const char *path = put("set_flow.yaml", BASE);
	struct scenario sc;
	struct cfg_ctx *ctx = load_ok(path, sets, 5, &sc);

	assert_int_equal(sc.nvms, 2); /* one past the end appends */
	assert_string_equal(sc.vms[1].name, "vm1");
	assert_int_equal(sc.vms[1].vm.pcpu[0], 3);
	assert_int_equal(sc.vms[1].guest.task, SC_TASK_CPU_HOG);
	assert_int_equal(sc.vms[0].npcpus, 2);
	assert_int_equal(sc.vms[0].pcpus[0], 2);
	assert_int_equal(sc.vms[0].pcpus[1], 3);
	assert_int_equal(sc.machine.iommu.unit.iotlb.entries, 256);
	assert_int_equal(sc.machine.iommu.unit.iotlb.ways, 8);
	cfg_ctx_destroy(ctx);
}

static void test_set_quoted_stays_string(void **state)
{
	static const char *const sets[] = {"name=\"123\"", "description='a: b, c'",
					   "vms.0.name=007"};
	const char *path = put("set_quoted.yaml", BASE);
	struct scenario sc;
	struct cfg_ctx *ctx = load_ok(path, sets, 3, &sc);
	const struct cfg_node *root;

	assert_string_equal(sc.name, "123");
	assert_string_equal(sc.description, "a: b, c");
	assert_string_equal(sc.vms[0].name, "007"); /* a plain value binds as text as written */
	cfg_ctx_destroy(ctx);

	/* In the tree: quoted values are marked as strings, plain ones are not. */
	assert_int_equal(cfg_ctx_create(&ctx), 0);
	struct cfg_node *r = cfg_load_file(ctx, path);

	assert_non_null(r);
	assert_int_equal(cfg_override(ctx, &r, "name='x y'"), 0);
	assert_int_equal(cfg_override(ctx, &r, "seed=12"), 0);
	assert_int_equal(cfg_override(ctx, &r, "description=~"), 0);
	root = r;
	assert_true(cfg_node_at(root, "name")->quoted);
	assert_string_equal(cfg_node_at(root, "name")->text, "x y");
	assert_false(cfg_node_at(root, "seed")->quoted);
	assert_string_equal(cfg_node_at(root, "seed")->text, "12");
	assert_true(cfg_node_at(root, "description")->null);
	assert_int_equal(cfg_error_count(ctx), 0);
	cfg_ctx_destroy(ctx);
}

static void test_include(void **state)
{
	const char *inc = put("inc_machine.yaml", "cpu: {pcpus: 4}\n"
						  "pcie:\n"
						  "  devices:\n"
						  "    - {name: rp0, type: root_port, slot: 1,\n"
						  "       below: [{name: nic0, type: ptnic}]}\n");
	const char *path =
	    put("inc_main.yaml", "machine: !include inc_machine.yaml\n" VM0 WORKLOAD);
	struct scenario sc;
	struct cfg_ctx *ctx = load_ok(path, NULL, 0, &sc);
	struct cfg_node *root;

	assert_int_equal(sc.machine.cpu.pcpus, 4);
	assert_string_equal(sc.machine.pcie.devices[0].below[0].name, "nic0");
	assert_int_equal(sc.machine.iommu.unit.iotlb.entries, 64);
	cfg_ctx_destroy(ctx);

	/* Nodes from the included file keep its name and their own positions. */
	assert_int_equal(cfg_ctx_create(&ctx), 0);
	root = cfg_load_file(ctx, path);
	assert_non_null(root);
	assert_string_equal(cfg_node_at(root, "machine.cpu.pcpus")->mark.file, inc);
	assert_int_equal(cfg_node_at(root, "machine.cpu.pcpus")->mark.line, 1);
	assert_int_equal(cfg_node_at(root, "machine.cpu.pcpus")->mark.col, 14);
	assert_string_equal(cfg_node_at(root, "vms.0.name")->mark.file, path);
	assert_int_equal(cfg_node_at(root, "vms.0.name")->mark.line, 3);
	cfg_ctx_destroy(ctx);
}

static const char anchors_yaml[] = "machine:\n"
				   "  cpu: {pcpus: 3}\n"
				   "  pcie:\n"
				   "    devices:\n"
				   "      - name: rp0\n"
				   "        type: root_port\n"
				   "        slot: 1\n"
				   "        link: &fast {gen: 4, width: 16}\n"
				   "        below: [{name: nic0, type: ptnic}]\n"
				   "      - name: rp1\n"
				   "        type: root_port\n"
				   "        slot: 2\n"
				   "        link: *fast\n"
				   "vms:\n"
				   "  - name: vm0\n"
				   "    devices: [nic0]\n"
				   "    guest: &g {irq_entry_cycles: 7}\n"
				   "  - name: vm1\n"
				   "    pcpus: [2]\n"
				   "    guest: *g\n"
				   "workload: {device: nic0}\n";

static void test_anchors_and_aliases(void **state)
{
	const char *path = put("anchors.yaml", anchors_yaml);
	struct scenario sc;
	struct cfg_ctx *ctx = load_ok(path, NULL, 0, &sc);

	assert_int_equal(sc.machine.pcie.devices[0].link.gen, 4);
	assert_int_equal(sc.machine.pcie.devices[0].link.width, 16);
	assert_int_equal(sc.machine.pcie.devices[1].link.gen, 4);
	assert_int_equal(sc.machine.pcie.devices[1].link.width, 16);
	assert_int_equal(sc.machine.pcie.devices[1].link.mps, 256);
	assert_int_equal(sc.vms[0].guest.kernel.costs.irq_entry, 7);
	assert_int_equal(sc.vms[1].guest.kernel.costs.irq_entry, 7);
	assert_int_equal(sc.vms[1].guest.kernel.costs.irq_exit, 200);
	cfg_ctx_destroy(ctx);
}

/* --set through an alias changes the place it names, not the anchor's other uses. */
static void test_set_through_alias(void **state)
{
	static const char *const sets[] = {"machine.pcie.devices.1.link.gen=5",
					   "vms.0.guest.irq_entry_cycles=9"};
	static const char *const bad[] = {"machine.pcie.devices.1.link.width=3"};
	const char *path = put("anchors_set.yaml", anchors_yaml);
	struct scenario sc;
	struct cfg_ctx *ctx = load_ok(path, sets, 2, &sc);

	assert_int_equal(sc.machine.pcie.devices[1].link.gen, 5);
	assert_int_equal(sc.machine.pcie.devices[1].link.width, 16);
	assert_int_equal(sc.machine.pcie.devices[0].link.gen, 4);
	assert_int_equal(sc.vms[0].guest.kernel.costs.irq_entry, 9);
	assert_int_equal(sc.vms[1].guest.kernel.costs.irq_entry, 7);
	cfg_ctx_destroy(ctx);

	/* A bad value set on one use is reported once, for that use. */
	assert_int_equal(cfg_ctx_create(&ctx), 0);
	assert_int_equal(scenario_load(ctx, path, bad, 1, &sc), 1);
	expect_error(ctx, 0, SET("machine.pcie.devices.1.link.width=3"), 1, 35,
		     "'width' is 3; a link has 1, 2, 4, 8, 16 or 32 lanes", NULL);
	cfg_ctx_destroy(ctx);
}

static void test_default_yaml(void **state)
{
	struct scenario sc;
	struct cfg_ctx *ctx = load_ok(PTSIM_SOURCE_DIR "/configs/default.yaml", NULL, 0, &sc);

	assert_int_equal(cfg_error_count(ctx), 0);
	assert_string_equal(sc.name, "default");
	assert_int_equal(sc.machine.iommu.unit.iotlb.entries, 64);
	assert_int_equal(sc.machine.memory.latency_ps, 80000);
	assert_int_equal(sc.machine.pcie.ndevices, 1);
	assert_string_equal(sc.machine.pcie.devices[0].name, "rp0");
	assert_int_equal(sc.machine.pcie.devices[0].link.latency_ps, 70000);
	assert_int_equal(sc.nvms, 1);
	assert_int_equal(sc.vms[0].npcpus, 1);
	assert_int_equal(sc.vms[0].pcpus[0], 1);
	assert_int_equal(sc.vms[0].ndevices, 1);
	assert_string_equal(sc.vms[0].devices[0], "nic0");
	assert_string_equal(sc.workload.device, "nic0");
	assert_int_equal(sc.workload.stream.start_delay_ps, 10000000);
	cfg_ctx_destroy(ctx);
}

/* configs/default.yaml says each of its values is also the built-in default. */
static void test_default_yaml_matches_builtin(void **state)
{
	const char *path = put("builtin.yaml", BASE);
	struct scenario d, b;
	struct cfg_ctx *dctx = load_ok(PTSIM_SOURCE_DIR "/configs/default.yaml", NULL, 0, &d);
	struct cfg_ctx *bctx = load_ok(path, NULL, 0, &b);
	struct sc_workload dw = d.workload, bw = b.workload;

#define SAME(what)                                                                                 \
	do {                                                                                       \
		if (memcmp(&d.what, &b.what, sizeof(d.what)))                                      \
			fail_msg("default.yaml and the built-in defaults differ in " #what);       \
	} while (0)
	SAME(seed);
	SAME(machine.cpu);
	SAME(machine.memory);
	SAME(machine.iommu);
	SAME(machine.pcie.fabric);
	SAME(machine.pcie.devices[0].link);
	SAME(machine.pcie.devices[0].below[0].nic);
	SAME(host);
	/* the pinning is a list of its own: compare what it holds */
	assert_int_equal(d.vms[0].vm.nvcpus, b.vms[0].vm.nvcpus);
	assert_memory_equal(d.vms[0].vm.pcpu, b.vms[0].vm.pcpu,
			    d.vms[0].vm.nvcpus * sizeof(*d.vms[0].vm.pcpu));
	d.vms[0].vm.pcpu = b.vms[0].vm.pcpu = NULL;
	SAME(vms[0].vm);
	SAME(vms[0].dma);
	SAME(vms[0].viommu);
	SAME(vms[0].guest);
	SAME(run);
#undef SAME
	dw.device = bw.device = NULL;
	assert_memory_equal(&dw, &bw, sizeof(dw));
	cfg_ctx_destroy(dctx);
	cfg_ctx_destroy(bctx);
}

/* A copy of a tree in another context: overridden alone, an alias still one node, the
 * positions the original's. */
static void test_tree_copy(void **state)
{
	struct cfg_ctx *a, *b;
	struct cfg_node *orig, *copy;

	(void)state;
	assert_int_equal(cfg_ctx_create(&a), 0);
	assert_int_equal(cfg_ctx_create(&b), 0);
	orig = cfg_load_string(a, "inline",
			       "x: &s {k: 1, l: [2, 3]}\n"
			       "y: *s\n"
			       "z: 4\n");
	assert_non_null(orig);
	copy = cfg_tree_copy(b, orig);
	assert_non_null(copy);
	assert_ptr_not_equal(copy, orig);
	assert_int_equal(copy->n, 3);
	/* the alias is still one node, a node of the copy's */
	assert_ptr_equal(cfg_node_at(copy, "x"), cfg_node_at(copy, "y"));
	assert_ptr_not_equal(cfg_node_at(copy, "x"), cfg_node_at(orig, "x"));
	assert_int_equal(cfg_node_at(copy, "x.l.1")->mark.line, 1);
	assert_string_equal(cfg_node_at(copy, "x.l.1")->mark.file, "inline");
	/* overriding the copy leaves the original as it was */
	assert_int_equal(cfg_override(b, &copy, "z=5"), 0);
	assert_int_equal(cfg_override(b, &copy, "y.k=6"), 0);
	assert_int_equal(cfg_override(b, &copy, "w=7"), 0);
	assert_string_equal(cfg_node_at(copy, "z")->text, "5");
	assert_string_equal(cfg_node_at(copy, "y.k")->text, "6");
	assert_string_equal(cfg_node_at(copy, "x.k")->text, "1"); /* the alias was copied */
	assert_string_equal(cfg_node_at(orig, "z")->text, "4");
	assert_string_equal(cfg_node_at(orig, "y.k")->text, "1");
	assert_null(cfg_node_at(orig, "w"));
	assert_int_equal(orig->n, 3);
	assert_int_equal(cfg_error_count(b), 0);
	cfg_ctx_destroy(b);
	cfg_ctx_destroy(a);
}

/* The tree itself: positions, quoting, null, lookups. */
static void test_tree(void **state)
{
	struct cfg_ctx *ctx;
	const struct cfg_node *root, *n;

	assert_int_equal(cfg_ctx_create(&ctx), 0);
	root = cfg_load_string(ctx, "inline",
			       "a: 1\n"
			       "b: 'x'\n"
			       "c:\n"
			       "d: [1, {e: ~, f: null}]\n"
			       "g: \"\"\n");
	assert_non_null(root);
	assert_int_equal(root->kind, CFG_MAP);
	assert_int_equal(root->n, 5);
	assert_string_equal(root->keys[3], "d");
	assert_int_equal(root->key_marks[3].line, 4);
	assert_int_equal(root->key_marks[3].col, 1);
	n = cfg_node_at(root, "a");
	assert_string_equal(n->text, "1");
	assert_false(n->quoted);
	assert_string_equal(n->mark.file, "inline");
	assert_int_equal(n->mark.line, 1);
	assert_int_equal(n->mark.col, 4);
	assert_true(cfg_node_at(root, "b")->quoted);
	assert_true(cfg_node_at(root, "c")->null);
	n = cfg_node_at(root, "d.0");
	assert_int_equal(n->mark.line, 4);
	assert_int_equal(n->mark.col, 5);
	assert_true(cfg_node_at(root, "d.1.e")->null);
	assert_true(cfg_node_at(root, "d.1.f")->null);
	assert_false(cfg_node_at(root, "g")->null); /* "" is an empty string, not nothing */
	assert_true(cfg_node_at(root, "g")->quoted);
	assert_null(cfg_node_at(root, "d.2"));
	assert_null(cfg_node_at(root, "d.x"));
	assert_null(cfg_node_at(root, "a.b"));
	assert_null(cfg_node_at(root, "z"));
	assert_ptr_equal(cfg_map_get(root, "b"), cfg_node_at(root, "b"));

	/* Errors by node, by path (falling back to the nearest node that exists, then the
	 * root) and without a position. */
	cfg_error(ctx, cfg_node_at(root, "d.1"), "at %s", "d.1");
	cfg_error_path(ctx, root, "d.9", "missing");
	cfg_error(ctx, NULL, "nowhere");
	cfg_error_path(ctx, root, "zz.y", "nothing there");
	assert_int_equal(cfg_error_count(ctx), 4);
	assert_string_equal(cfg_error_text(ctx, 0), "inline:4:8: error: at d.1");
	assert_string_equal(cfg_error_text(ctx, 1), "inline:4:4: error: missing");
	assert_string_equal(cfg_error_text(ctx, 2), "error: nowhere");
	assert_string_equal(cfg_error_text(ctx, 3), "inline:1:1: error: nothing there");
	assert_null(cfg_error_text(ctx, 4));
	cfg_ctx_destroy(ctx);
	cfg_ctx_destroy(NULL);
}

int main(void)
{
	static const struct CMUnitTest others[] = {
	    cmocka_unit_test(test_file_not_found),
	    cmocka_unit_test(test_include_not_found),
	    cmocka_unit_test(test_include_error_names_included_file),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_ns_become_ps),
	    cmocka_unit_test(test_set_overrides_existing),
	    cmocka_unit_test(test_set_flow_values),
	    cmocka_unit_test(test_set_adds_missing),
	    cmocka_unit_test(test_set_indexes_lists),
	    cmocka_unit_test(test_set_quoted_stays_string),
	    cmocka_unit_test(test_include),
	    cmocka_unit_test(test_anchors_and_aliases),
	    cmocka_unit_test(test_set_through_alias),
	    cmocka_unit_test(test_default_yaml),
	    cmocka_unit_test(test_default_yaml_matches_builtin),
	    cmocka_unit_test(test_tree),
	    cmocka_unit_test(test_tree_copy),
	};
	/* One test per bad case, named after it. */
	struct CMUnitTest tests[N_BAD + sizeof(others) / sizeof(others[0])];

	for (size_t i = 0; i < N_BAD; i++)
		tests[i] = (struct CMUnitTest){.name = bad_cases[i].name,
					       .test_func = run_bad,
					       .initial_state = (void *)&bad_cases[i]};
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		tests[N_BAD + i] = others[i];
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
