/* SPDX-License-Identifier: MIT */
/*
 * More vCPUs than pCPUs: the host's time-slice scheduler (models/host/sched.c) runs vm0's
 * vCPU, which owns the NIC, and vm1's CPU-hog vCPU on the same pCPU. Each case is a whole
 * machine (ptnic, its guest driver, VT-d, the hypervisor) in a forked child; the checks read
 * the results the run produced and, for posted interrupts, the posted-interrupt descriptor
 * as it was in memory at each MSI-X write.
 *
 * Also halt polling: a halted vCPU polls for a while before it really blocks, but only when
 * nothing else waits for its pCPU.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../common/fork_util.h"
#include "../common/scenario_util.h"
#include "models/apic/lapic_regs.h"
#include "models/host/hv.h"
#include "models/mem/mem.h"
#include "app/machine.h"
#include "sim/engine.h"
#include "sim/results.h"

#define FRAMES 40

/* scenario_small (vm0 owns the NIC) with vm1, a CPU hog, added: both pinned to pCPU 1 (pCPU 0
 * is the host's). The VM is added with --set's append, as a user would. */
static const char *const sharing[] = {
    "vms.0.pcpus=[1]",
    "vms.1={name: vm1, memory_mib: 64, pcpus: [1], guest: {task: cpu_hog}}",
    "workload.frames=40",
    "workload.rate_gbps=0.1",
    NULL,
};

static const char *const keys[] = {
    "workload.frames_received",
    "interrupts.delivered",
    "interrupts.posted_notifications",
    "interrupts.posted_suppressed",
    "exits.total",
    "exits.interrupt_related",
    "exits.by_reason.external_interrupt",
    "exits.by_reason.hlt",
    "vm.posted_wakeups",
    "vm.halt_polls_won",
    "vm.halts",
    "vm.pi_sn_sets",
    "vm.pi_on_at_resume",
    "sched.context_switches",
    "sched.slice_expiries",
    "sched.wakeup_preemptions",
    "sched.resched_ipis",
    "sched.timer_interrupts",
    "sched.preemptions",
    "vms.vm0.exits",
    "vms.vm0.interrupts",
    "vms.vm0.preemptions",
    "vms.vm1.exits",
    "vms.vm1.interrupts",
    "vms.vm1.preemptions",
    NULL,
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]) - 1)

struct outcome {
	int rc;
	uint64_t u[NKEYS];
	double latency_mean, latency_p99, run_delay_ns, vm0_run_delay_ns;
	unsigned nmsi, sn_at_msi, on_at_msi;
};

static struct outcome *out;
static struct machine *m;

static uint64_t get(const char *key)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i], key))
			return out->u[i];
	fail_msg("no such key %s", key);
	return 0;
}

/* vtd_posted: what the descriptor said when the device wrote its MSI. */
static void msi(void *ctx, unsigned entry, uint64_t t)
{
	struct vm *vm = machine_vm(m, 0);
	uint64_t pd = vm_pi_desc(vm, 0xfee00000u);

	(void)ctx;
	(void)entry;
	(void)t;
	out->nmsi++;
	if (pd) {
		uint64_t ctl = mem_read64(machine_mem(m), pd + PI_DESC_CTL);

		out->sn_at_msi += !!(ctl & PI_DESC_SN);
		out->on_at_msi += !!(ctl & PI_DESC_ON);
	}
}

static int child(void *arg)
{
	const char *const *sets = arg;
	size_t n = 0;
	struct scenario sc;
	struct run_opts o = {.config_path = "inline", .seed = 1};
	struct results *res;
	char err[512];

	while (sets[n])
		n++;
	scenario_from_text(scenario_small, sets, n, &sc);
	if (results_create(&res) || machine_create(&sc, &o, &m))
		return 1;
	machine_set_msi_observer(m, msi, NULL);
	machine_start(m);
	out->rc = machine_finish(m, sim_engine_run(), res, err, sizeof(err));
	if (out->rc)
		fprintf(stderr, "%s\n", err);
	for (size_t i = 0; i < NKEYS; i++)
		results_get_u64(res, keys[i], &out->u[i]);
	results_get_double(res, "interrupts.latency_ns.mean", &out->latency_mean);
	results_get_double(res, "interrupts.latency_ns.p99", &out->latency_p99);
	results_get_double(res, "sched.run_delay_ns", &out->run_delay_ns);
	results_get_double(res, "vms.vm0.run_delay_ns", &out->vm0_run_delay_ns);
	return 0;
}

/* Run the sharing scenario with the case's overrides (NULL-terminated) after its own. */
static void run(const char *const *sets)
{
	const char *args[16];
	size_t n = 0;

	for (const char *const *b = sharing; *b; b++)
		args[n++] = *b;
	for (; sets && *sets && n < 15; sets++)
		args[n++] = *sets;
	args[n] = NULL;
	memset(out, 0, sizeof(*out));
	assert_int_equal(run_in_child(child, (void *)args), 0);
	assert_int_equal(out->rc, 0);
	/* every frame arrives; when vm0 waits for its pCPU, frames pile up in the ring and one
	 * interrupt's NAPI poll takes several */
	assert_int_equal(get("workload.frames_received"), FRAMES);
	assert_true(get("interrupts.delivered") > 0);
	assert_int_equal(get("vms.vm0.interrupts"), get("interrupts.delivered"));
	assert_int_equal(get("vms.vm1.interrupts"), 0);
}

/* vm0 halts between frames; each interrupt wakes it, and the woken vCPU preempts the hog.
 * The host vector arrives while the hog runs, so the hog takes the external-interrupt exit. */
static void halted_wakeup_preempts_hog(void **s)
{
	const char *sets[] = {"vms.0.interrupt_mode=emulated", "workload.guest_idle=halt",
			      "vms.0.halt_poll_ns=0", NULL};

	(void)s;
	run(sets);
	assert_true(get("sched.wakeup_preemptions") >= FRAMES);
	assert_true(get("vms.vm1.preemptions") >= FRAMES);
	assert_int_equal(get("vms.vm0.preemptions"), 0);
	assert_true(get("sched.context_switches") >= 2 * FRAMES);
	/* the hog's exits are the host vector's: one per frame */
	assert_true(get("vms.vm1.exits") >= FRAMES);
	assert_true(get("exits.by_reason.external_interrupt") >= FRAMES);
	/* vm0: the HLT and the EOI write per frame, no external-interrupt exit (it was halted) */
	assert_int_equal(get("exits.by_reason.hlt"), get("vm.halts"));
	assert_true(get("vms.vm0.exits") >= 2 * FRAMES);
	/* the scheduler stayed tickless: the woken vCPU ran at once, not at a slice end */
	assert_int_equal(get("sched.slice_expiries"), 0);
	assert_int_equal(get("sched.resched_ipis"), 0); /* woken on its own pCPU */
	assert_true(out->latency_mean < 10000.0);
	assert_true(out->run_delay_ns > 0.0);
}

/* The host vector is taken on pCPU 0: its handler wakes vm0's vCPU, which belongs to pCPU 1,
 * so the host sends pCPU 1 a reschedule IPI, and the hog exits for it. */
static void remote_wakeup_sends_resched_ipi(void **s)
{
	const char *sets[] = {"vms.0.interrupt_mode=emulated", "workload.guest_idle=halt",
			      "vms.0.halt_poll_ns=0", "vms.0.host_irq_pcpu=0", NULL};

	(void)s;
	run(sets);
	assert_true(get("sched.resched_ipis") >= FRAMES);
	assert_true(get("sched.wakeup_preemptions") >= FRAMES);
	assert_true(get("vms.vm1.exits") >= FRAMES);
}

/* Without wake-up preemption the woken vCPU waits for the hog's time slice to end. */
static void no_wakeup_preemption_waits_for_the_slice(void **s)
{
	const char *sets[] = {"vms.0.interrupt_mode=emulated", "workload.guest_idle=halt",
			      "vms.0.halt_poll_ns=0",	       "host.sched.wakeup_preempt=false",
			      "host.sched.slice_us=1000",      NULL};

	(void)s;
	run(sets);
	assert_int_equal(get("sched.wakeup_preemptions"), 0);
	assert_true(get("sched.slice_expiries") > 0);
	assert_true(get("sched.timer_interrupts") >= get("sched.slice_expiries"));
	/* frames every 120 us, slices of 1 ms: most interrupts wait hundreds of microseconds */
	assert_true(out->latency_mean > 100000.0);
	assert_true(out->latency_p99 <= 1100000.0);
	assert_true(out->vm0_run_delay_ns > 100000.0 * FRAMES / 2);
}

/* VT-d posted, vm0 halted: its descriptor's NV is the wakeup vector, which lands on the
 * host while the hog runs (the hog exits), and the host wakes and switches to vm0. */
static void vtd_posted_blocked_wakes_through_wakeup_vector(void **s)
{
	const char *sets[] = {"vms.0.interrupt_mode=vtd_posted", "workload.guest_idle=halt",
			      "vms.0.halt_poll_ns=0", NULL};

	(void)s;
	run(sets);
	assert_true(get("vm.posted_wakeups") >= FRAMES - 1);
	assert_true(get("interrupts.posted_notifications") >= FRAMES - 1);
	assert_true(get("sched.wakeup_preemptions") >= FRAMES - 1);
	/* vm0 exits only to halt: the interrupt itself takes no exit on vm0 */
	assert_int_equal(get("vms.vm0.exits"), get("exits.by_reason.hlt"));
	assert_true(get("vms.vm1.exits") >= FRAMES - 1);
	/* blocked is not preempted: SN stays clear, and each MSI found ON clear */
	assert_true(out->nmsi >= FRAMES - 1);
	assert_int_equal(out->sn_at_msi, 0);
	assert_int_equal(out->on_at_msi, 0);
}

/* VT-d posted, vm0 busy but sharing its pCPU with the hog in 500 us slices. While vm0 is
 * preempted its descriptor has SN set: the IOMMU posts into PIR without a notification;
 * when vm0 runs again the hypervisor clears SN, sees PIR non-empty and sets ON so the
 * interrupts are processed on entry. */
static void vtd_posted_preempted_suppresses_notification(void **s)
{
	const char *sets[] = {"vms.0.interrupt_mode=vtd_posted", "workload.guest_idle=busy",
			      "host.sched.slice_us=500", NULL};

	(void)s;
	run(sets);
	assert_true(get("sched.slice_expiries") > 4);
	assert_true(get("vms.vm0.preemptions") > 2);
	assert_true(get("vm.pi_sn_sets") >= get("vms.vm0.preemptions"));
	/* some MSIs found SN set, and those posts sent no notification */
	assert_true(out->nmsi > 0);
	assert_true(out->sn_at_msi > 0);
	assert_true(get("interrupts.posted_suppressed") >= out->sn_at_msi);
	assert_true(get("vm.pi_on_at_resume") > 0);
	assert_true(get("vm.pi_on_at_resume") <= get("vm.pi_sn_sets"));
	/* interrupts that waited for vm0's next slice */
	assert_true(out->latency_p99 > 100000.0);
	/* no wake-up vector: vm0 was preempted, not blocked */
	assert_int_equal(get("vm.posted_wakeups"), 0);
}

/* The same with emulated delivery: the host vector arrives while the hog runs; the
 * hypervisor marks vm0's interrupt pending and vm0 takes it when it is scheduled again. */
static void emulated_preempted_waits_for_its_slice(void **s)
{
	const char *sets[] = {"vms.0.interrupt_mode=emulated", "workload.guest_idle=busy",
			      "host.sched.slice_us=500", NULL};

	(void)s;
	run(sets);
	assert_true(get("sched.slice_expiries") > 4);
	assert_true(get("vms.vm0.preemptions") > 2);
	assert_true(get("vms.vm1.preemptions") > 2);
	assert_int_equal(get("vm.pi_sn_sets"), 0);
	assert_true(out->latency_p99 > 100000.0);
}

/* vm0 boots while the hog already runs, in 100 us slices: its vCPU thread starts only when
 * the hog switches to it, and its boot (driver probe through trapped config space) is
 * preempted many times. The guest must see only its own vCPU: every frame arrives. */
static void boot_preempted_in_short_slices(void **s)
{
	const char *sets[] = {"vms.0.interrupt_mode=vtd_posted", "workload.guest_idle=busy",
			      "host.sched.slice_us=100", NULL};

	(void)s;
	run(sets);
	assert_true(get("sched.slice_expiries") > 10);
	assert_true(get("vms.vm0.preemptions") > 5);
}

/* Halt polling, vCPU alone on its pCPU: frames every 120 us, a 200 us poll window: the
 * vCPU sees each interrupt while polling, and never really blocks. */
static void halt_polling_wins_when_alone(void **s)
{
	const char *sets[] = {"vms.0.interrupt_mode=emulated", "workload.guest_idle=halt",
			      "vms.0.halt_poll_ns=200000",     "vms.1.pcpus=[2]",
			      "machine.cpu.pcpus=3",	       NULL};

	(void)s;
	run(sets);
	assert_true(get("vm.halt_polls_won") >= FRAMES - 2);
	assert_int_equal(get("sched.context_switches"), 0);
}

/* No polling window: every halt blocks. */
static void no_halt_polling_when_window_is_zero(void **s)
{
	const char *sets[] = {"vms.0.interrupt_mode=emulated", "workload.guest_idle=halt",
			      "vms.0.halt_poll_ns=0",	       "vms.1.pcpus=[2]",
			      "machine.cpu.pcpus=3",	       NULL};

	(void)s;
	run(sets);
	assert_int_equal(get("vm.halt_polls_won"), 0);
	assert_true(get("vm.halts") >= FRAMES);
}

/* A halted vCPU does not poll while another thread waits for its pCPU: it yields. */
static void no_halt_polling_when_others_wait(void **s)
{
	const char *sets[] = {"vms.0.interrupt_mode=emulated", "workload.guest_idle=halt",
			      "vms.0.halt_poll_ns=200000", NULL};

	(void)s;
	run(sets);
	assert_int_equal(get("vm.halt_polls_won"), 0);
	assert_true(get("sched.wakeup_preemptions") >= FRAMES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(halted_wakeup_preempts_hog),
	    cmocka_unit_test(remote_wakeup_sends_resched_ipi),
	    cmocka_unit_test(no_wakeup_preemption_waits_for_the_slice),
	    cmocka_unit_test(vtd_posted_blocked_wakes_through_wakeup_vector),
	    cmocka_unit_test(vtd_posted_preempted_suppresses_notification),
	    cmocka_unit_test(emulated_preempted_waits_for_its_slice),
	    cmocka_unit_test(boot_preempted_in_short_slices),
	    cmocka_unit_test(halt_polling_wins_when_alone),
	    cmocka_unit_test(no_halt_polling_when_window_is_zero),
	    cmocka_unit_test(no_halt_polling_when_others_wait),
	};

	out = shared_alloc(sizeof(*out));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
