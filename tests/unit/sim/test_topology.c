/* SPDX-License-Identifier: MIT */
/*
 * Impossible PCIe topologies are configuration errors at the right file:line:column: bus
 * numbers exhausted, duplicate names and device/function numbers, NumVFs above TotalVFs, VF
 * routing IDs that collide, ARI below a port that cannot forward it, a conventional PCI device
 * on a PCIe port, a BAR size that is not a power of two (and a few neighbours). And the three
 * shipped machines load, alone and included in a scenario. Also the limits of what ptsim builds
 * (VFs per PF, bridge depth) are errors, not crashes.
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

struct bad {
	const char *name;
	const char *yaml; /* a machine file; its devices list starts at line 3 */
	unsigned line, col;
	const char *msg;
};

#define HEAD "pcie:\n  devices:\n"

static const struct bad cases[] = {
	{"bus_numbers_exhausted",
	 HEAD "    - name: rp1\n"                                    /* 3 */
	      "      type: root_port\n"
	      "      slot: 1\n"
	      "      below:\n"
	      "        - name: pf\n"                               /* 7 */
	      "          type: endpoint\n"
	      "          sriov: {total_vfs: 8, offset: 65024, stride: 1}\n" /* VFs on bus +254 */
	      "    - {name: rp2, type: root_port, slot: 2}\n",     /* 10 */
	 10, 7, "bus numbers exhausted at 'rp2'"},
	{"total_vfs_above_what_ptsim_builds",
	 HEAD "    - name: rp1\n"
	      "      type: root_port\n"
	      "      slot: 1\n"
	      "      below:\n"
	      "        - name: pf\n"
	      "          type: endpoint\n"
	      "          sriov: {total_vfs: 4096, offset: 256, stride: 1}\n", /* 9 */
	 9, 30, "TotalVFs 4096: ptsim builds at most 2048 VFs per PF"},
	{"bridges_too_deep",
	 HEAD "    - {name: rp, type: root_port, slot: 1, below: [\n"
	      "      {name: s1, type: switch, ports: [{name: d1, slot: 1, below: [\n"
	      "      {name: s2, type: switch, ports: [{name: d2, slot: 1, below: [\n"
	      "      {name: s3, type: switch, ports: [{name: d3, slot: 1, below: [\n"
	      "      {name: s4, type: switch, ports: [{name: d4, slot: 1, below: [\n"
	      "      {name: s5, type: switch, ports: [{name: d5, slot: 1, below: [\n" /* 8 */
	      "      {name: ep, type: endpoint}]}]}]}]}]}]}]}]}]}]}]}\n",
	 8, 40, "'d5' is 11 bridges deep; ptsim handles at most 10 levels of bridges"},
	{"duplicate_name",
	 HEAD "    - {name: rp1, type: root_port, slot: 1}\n"
	      "    - {name: rp1, type: root_port, slot: 2}\n",
	 4, 7, "duplicate device name 'rp1'"},
	{"duplicate_device_function",
	 HEAD "    - name: rp1\n"
	      "      type: root_port\n"
	      "      slot: 1\n"
	      "      below:\n"
	      "        - {name: a, type: endpoint}\n"
	      "        - {name: b, type: endpoint}\n",             /* 8 */
	 8, 11, "'a' and 'b' are both at device 0 function 0"},
	{"numvfs_above_totalvfs",
	 HEAD "    - name: rp1\n"
	      "      type: root_port\n"
	      "      slot: 1\n"
	      "      below:\n"
	      "        - name: pf\n"
	      "          type: endpoint\n"
	      "          sriov: {total_vfs: 8, num_vfs: 9}\n",    /* 9 */
	 9, 42, "NumVFs 9 is above TotalVFs 8"},
	{"vf_rids_collide",
	 HEAD "    - name: rp1\n"
	      "      type: root_port\n"
	      "      slot: 1\n"
	      "      below:\n"
	      "        - name: pf\n"
	      "          type: endpoint\n"
	      "          sriov: {total_vfs: 4, offset: 1, stride: 1}\n" /* 9 */
	      "        - {name: f1, type: endpoint, function: 1}\n",
	 9, 18, "VF 1 of 'pf' would be at routing ID +0x1, where 'f1' already answers"},
	{"ari_on_a_port_that_cannot_forward_it",
	 HEAD "    - name: rp1\n"
	      "      type: root_port\n"
	      "      slot: 1\n"
	      "      ari_forwarding: false\n"
	      "      below:\n"
	      "        - {name: f0, type: endpoint, ari: true}\n"
	      "        - {name: f9, type: endpoint, ari: true, function: 9}\n", /* 9 */
	 9, 59, "'f9' is function 9 below 'rp1', which cannot forward ARI"},
	{"vfs_need_ari",
	 HEAD "    - name: rp1\n"
	      "      type: root_port\n"
	      "      slot: 1\n"
	      "      ari_forwarding: false\n"
	      "      below:\n"
	      "        - name: pf\n"
	      "          type: endpoint\n"
	      "          ari: true\n"
	      "          sriov: {total_vfs: 8, offset: 8, stride: 1}\n", /* 11 */
	 11, 18, "VF 1 of 'pf' is function 8 of the device below 'rp1': that needs ARI"},
	{"conventional_device_on_a_pcie_port",
	 HEAD "    - name: rp1\n"
	      "      type: root_port\n"
	      "      slot: 1\n"
	      "      below:\n"
	      "        - {name: usb, type: pci_device}\n",         /* 7 */
	 7, 11, "'usb' is a conventional PCI device on a PCIe root_port ('rp1')"},
	{"pcie_device_on_a_pci_bus",
	 HEAD "    - name: rp1\n"
	      "      type: root_port\n"
	      "      slot: 1\n"
	      "      below:\n"
	      "        - name: br\n"
	      "          type: pci_bridge\n"
	      "          below: [{name: nic, type: endpoint, slot: 3}]\n", /* 9 */
	 9, 19, "'nic' is a PCIe endpoint on the conventional PCI bus below 'br'"},
	{"bar_size_not_a_power_of_two",
	 HEAD "    - name: rp1\n"
	      "      type: root_port\n"
	      "      slot: 1\n"
	      "      below:\n"
	      "        - name: ep\n"
	      "          type: endpoint\n"
	      "          bars:\n"
	      "            - {index: 0, size: 12288, type: mem32}\n", /* 10 */
	 10, 32, "BAR size 12288 is not a power of two"},
	{"msix_table_does_not_fit",
	 HEAD "    - name: rp1\n"
	      "      type: root_port\n"
	      "      slot: 1\n"
	      "      below:\n"
	      "        - name: ep\n"
	      "          type: endpoint\n"
	      "          bars: [{index: 0, size: 256, type: mem32}]\n"
	      "          msix_vectors: 64\n"
	      "          msix_bar: 0\n",                           /* 11 */
	 11, 21, "cannot hold an MSI-X table and PBA of 64 vectors"},
	{"rmrr_device_unknown",
	 "firmware:\n"
	 "  rmrrs: [{device: nope, base: 0x20000000, size_kib: 64}]\n"
	 HEAD "    - {name: rp1, type: root_port, slot: 1}\n",
	 2, 20, "no device named 'nope' in machine.pcie"},
	{"endpoint_on_the_root_bus",
	 HEAD "    - {name: ep, type: endpoint, slot: 3}\n",
	 3, 7, "'ep' is an endpoint on the root bus; put it below a root port"},
	{"switch_port_outside_a_switch",
	 HEAD "    - {name: p, type: downstream_port, slot: 3}\n",
	 3, 7, "downstream port 'p' belongs in a switch's 'ports'"},
};

static void run_case(void **state)
{
	const struct bad *b = *state;
	char path[] = "/tmp/ptsim-topo-XXXXXX.yaml", want[512];
	int fd = mkstemps(path, 5);
	struct cfg_ctx *ctx;
	struct scenario sc;
	bool found = false;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, b->yaml, strlen(b->yaml)), (ssize_t)strlen(b->yaml));
	close(fd);
	assert_int_equal(cfg_ctx_create(&ctx), 0);
	assert_true(scenario_load_machine(ctx, path, NULL, 0, &sc) > 0);
	snprintf(want, sizeof(want), "%s:%u:%u: error: ", path, b->line, b->col);
	for (size_t i = 0; i < cfg_error_count(ctx); i++) {
		const char *t = cfg_error_text(ctx, i);

		if (!strncmp(t, want, strlen(want)) && strstr(t, b->msg))
			found = true;
	}
	if (!found) {
		for (size_t i = 0; i < cfg_error_count(ctx); i++)
			fprintf(stderr, "  got: %s\n", cfg_error_text(ctx, i));
		fail_msg("%s: wanted \"%s...%s\"", b->name, want, b->msg);
	}
	unlink(path);
	cfg_ctx_destroy(ctx);
}

static void shipped_machines_load(void **state)
{
	static const char *const files[] = {"configs/machines/server-2s.yaml",
					    "configs/machines/workstation-noacs.yaml",
					    "configs/machines/legacy-io.yaml"};

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct cfg_ctx *ctx;
		struct scenario sc;
		char path[512];

		snprintf(path, sizeof(path), "%s/%s", PTSIM_SOURCE_DIR, files[i]);
		assert_int_equal(cfg_ctx_create(&ctx), 0);
		if (scenario_load_machine(ctx, path, NULL, 0, &sc)) {
			for (size_t k = 0; k < cfg_error_count(ctx); k++)
				fprintf(stderr, "%s\n", cfg_error_text(ctx, k));
			fail_msg("%s does not load", files[i]);
		}
		assert_true(sc.machine.pcie.ndevices >= 3);
		cfg_ctx_destroy(ctx);
	}
}

/* A scenario that includes a machine file runs through the same checks. */
static void included_machine(void **state)
{
	char dir[] = "/tmp/ptsim-inc-XXXXXX", path[128], mpath[128];
	const char *scen = "name: x\nmachine: !include m.yaml\nvms:\n  - name: vm0\n"
			   "    devices: [ep.vf2]\nworkload: {device: ep}\n";
	const char *mach =
	    HEAD "    - name: rp1\n"
		 "      type: root_port\n"
		 "      slot: 1\n"
		 "      below:\n"
		 "        - {name: ep, type: endpoint, sriov: {total_vfs: 4, num_vfs: 2}}\n";
	struct cfg_ctx *ctx;
	struct scenario sc;
	FILE *f;
	bool vf_ok = true, nic_err = false;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s.yaml", dir);
	snprintf(mpath, sizeof(mpath), "%s/m.yaml", dir);
	f = fopen(path, "w");
	fputs(scen, f);
	fclose(f);
	f = fopen(mpath, "w");
	fputs(mach, f);
	fclose(f);
	assert_int_equal(cfg_ctx_create(&ctx), 0);
	scenario_load(ctx, path, NULL, 0, &sc);
	for (size_t i = 0; i < cfg_error_count(ctx); i++) {
		const char *t = cfg_error_text(ctx, i);

		if (strstr(t, "ep.vf2"))
			vf_ok = false; /* a VF the host enables is assignable by name */
		if (strstr(t, "'ep' is not a NIC"))
			nic_err = true;
	}
	assert_true(vf_ok);
	assert_true(nic_err);
	unlink(path);
	unlink(mpath);
	rmdir(dir);
	cfg_ctx_destroy(ctx);
}

int main(void)
{
	struct CMUnitTest tests[sizeof(cases) / sizeof(cases[0]) + 2];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tests[n++] = (struct CMUnitTest){.name = cases[i].name,
						 .test_func = run_case,
						 .initial_state = (void *)&cases[i]};
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(shipped_machines_load);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(included_machine);
	return _cmocka_run_group_tests("topology", tests, n, NULL, NULL);
}
