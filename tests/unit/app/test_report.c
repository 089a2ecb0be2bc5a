/* SPDX-License-Identifier: MIT */
/*
 * The application's results come from the metrics registry: with two VMs that each own a NIC,
 * every VM and every device has keys of its own, and they add up to the totals; the per-VM
 * lines of the summary read them. With one VM and one NIC there are no per-instance keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <math.h>

#include "../common/fork_util.h"
#include "../common/scenario_util.h"
#include "app/machine.h"
#include "sim/engine.h"
#include "sim/results.h"

#define FRAMES 60

/* scenario_small plus a second root port with nic1, owned by vm1, a CPU hog; both VMs share
 * pCPU 1, so the scheduler switches between them. */
static const char *const two[] = {
    "machine.pcie.devices.1={name: rp1, type: root_port, slot: 2, below: [{name: nic1, "
    "type: ptnic}]}",
    "vms.0.pcpus=[1]",
    "vms.1={name: vm1, memory_mib: 64, pcpus: [1], devices: [nic1], guest: {task: cpu_hog}}",
    "workload.frames=60",
    "workload.rate_gbps=0.1",
    "workload.guest_idle=halt",
    NULL,
};
static const char *const one[] = {"workload.frames=60", NULL};

static const char *const keys[] = {
    "workload.frames_received",
    "interrupts.delivered",
    "exits.total",
    "sched.preemptions",
    "nic.rx_frames",
    "nic.msis_sent",
    "vms.vm0.exits",
    "vms.vm1.exits",
    "vms.vm0.interrupts",
    "vms.vm1.interrupts",
    "vms.vm0.preemptions",
    "vms.vm1.preemptions",
    "devices.nic0.rx_frames",
    "devices.nic1.rx_frames",
    "devices.nic0.msis_sent",
    "devices.nic1.msis_sent",
    "vm.halts",
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

struct seen {
	int rc;
	bool has[NKEYS];
	uint64_t u[NKEYS];
	double delay, delay0, delay1;
	char summary[8192];
};
static struct seen *out;

static int child(void *arg)
{
	const char *const *sets = arg;
	size_t n = 0;
	struct scenario sc;
	struct run_opts o = {.config_path = "inline", .seed = 1};
	struct results *res;
	struct machine *m;
	char err[512];
	FILE *f;

	while (sets[n])
		n++;
	scenario_from_text(scenario_small, sets, n, &sc);
	if (results_create(&res) || machine_create(&sc, &o, &m))
		return 1;
	machine_start(m);
	out->rc = machine_finish(m, sim_engine_run(), res, err, sizeof(err));
	if (out->rc)
		fprintf(stderr, "%s\n", err);
	for (size_t i = 0; i < NKEYS; i++)
		out->has[i] = results_get_u64(res, keys[i], &out->u[i]);
	results_get_double(res, "sched.run_delay_ns", &out->delay);
	results_get_double(res, "vms.vm0.run_delay_ns", &out->delay0);
	results_get_double(res, "vms.vm1.run_delay_ns", &out->delay1);
	f = fmemopen(out->summary, sizeof(out->summary) - 1, "w");
	if (f) {
		machine_print_summary(&sc, res, f);
		fclose(f);
	}
	return 0;
}

static uint64_t get(const char *key)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i], key)) {
			if (!out->has[i])
				fail_msg("no key %s", key);
			return out->u[i];
		}
	fail_msg("%s is not in keys[]", key);
	return 0;
}

static bool has(const char *key)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i], key))
			return out->has[i];
	return false;
}

static void per_vm_and_per_device_keys_add_up(void **state)
{
	char line[128];

	(void)state;
	assert_int_equal(run_in_child(child, (void *)two), 0);
	assert_int_equal(out->rc, 0);
	assert_int_equal(get("workload.frames_received"), FRAMES);
	/* the NIC with the traffic received it all; the other one nothing */
	assert_int_equal(get("devices.nic0.rx_frames"), FRAMES);
	assert_int_equal(get("devices.nic1.rx_frames"), 0);
	assert_int_equal(get("devices.nic1.msis_sent"), 0);
	assert_int_equal(get("nic.rx_frames"), FRAMES);
	assert_true(get("devices.nic0.msis_sent") > 0);
	assert_int_equal(get("nic.msis_sent"), get("devices.nic0.msis_sent"));
	/* each VM's keys, and their sums */
	assert_true(get("vms.vm0.exits") > 0);
	assert_int_equal(get("vms.vm0.exits") + get("vms.vm1.exits"), get("exits.total"));
	assert_true(get("vms.vm1.exits") > 0); /* the hog is interrupted by vm0's host vector */
	assert_int_equal(get("vms.vm0.interrupts"), get("interrupts.delivered"));
	assert_int_equal(get("vms.vm1.interrupts"), 0);
	assert_int_equal(get("vms.vm0.preemptions") + get("vms.vm1.preemptions"),
			 get("sched.preemptions"));
	assert_true(out->delay1 > 0);
	assert_true(fabs(out->delay0 + out->delay1 - out->delay) < 1e-6 * out->delay);
	assert_true(get("vms.vm0.preemptions") + get("vms.vm1.preemptions") > 0);
	/* the summary's per-VM lines read the same keys */
	assert_non_null(strstr(out->summary, "Scheduler"));
	snprintf(line, sizeof(line), "    %-30s %14llu exits", "vm1",
		 (unsigned long long)get("vms.vm1.exits"));
	assert_non_null(strstr(out->summary, line));
}

static void one_vm_one_nic_has_no_per_instance_keys(void **state)
{
	(void)state;
	assert_int_equal(run_in_child(child, (void *)one), 0);
	assert_int_equal(out->rc, 0);
	assert_int_equal(get("workload.frames_received"), FRAMES);
	assert_int_equal(get("nic.rx_frames"), FRAMES);
	assert_false(has("vms.vm0.exits"));
	assert_false(has("devices.nic0.rx_frames"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(per_vm_and_per_device_keys_add_up),
	    cmocka_unit_test(one_vm_one_nic_has_no_per_instance_keys),
	};

	out = shared_alloc(sizeof(*out));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
