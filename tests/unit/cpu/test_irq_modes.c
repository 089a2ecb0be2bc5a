/* SPDX-License-Identifier: MIT */
/*
 * Each interrupt delivery mode's sequence of events on the vCPU for one device interrupt,
 * running and halted, observed on the real stack (ptnic, its guest driver, VT-d, the
 * hypervisor): VM exits by reason and deliveries to the guest's IDT, in order, between one
 * MSI-X write and the next. Each case is its own simulation (a forked child).
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
#include "models/cpu/vmx.h"
#include "models/devices/nic.h"
#include "models/guest/kernel/gk.h"
#include "models/host/hv.h"
#include "models/mem/mem.h"
#include "app/machine.h"
#include "sim/engine.h"
#include "sim/results.h"

#define MAX_EV 512
#define EV_MSI 0x200u

struct outcome {
	unsigned nev;
	struct {
		unsigned what, arg;
		uint64_t t;
	} ev[MAX_EV];
	uint64_t nv_at_msi[8];   /* vtd_posted: the descriptor's NV when each MSI went */
	uint64_t nv_at_delivery[8];
	unsigned nmsi, ndlv;
	uint64_t virtual_deliveries, software_posted, notifications, injected, posted_wakeups;
	uint64_t intx_asserts, intx_host_irqs, intx_unmasks, delivered, unhandled;
	double intx_masked_ns;
	int rc;
};

static struct outcome *out;
static struct machine *m;

static uint64_t pid_nv(void)
{
	struct vm *vm = machine_vm(m, 0);
	uint64_t pd = vm_pi_desc(vm, 0xfee00000u);

	return pd ? (mem_read64(machine_mem(m), pd + PI_DESC_CTL) >> PI_DESC_NV_SHIFT) & 0xff : 0;
}

static void record(unsigned what, unsigned arg, uint64_t t)
{
	if (out->nev < MAX_EV) {
		out->ev[out->nev].what = what;
		out->ev[out->nev].arg = arg;
		out->ev[out->nev].t = t;
		out->nev++;
	}
}

static void observe(void *ctx, unsigned what, unsigned arg, uint64_t t)
{
	(void)ctx;
	record(what, arg, t);
	if (what == VCPU_OBSERVE_DELIVERY && out->ndlv < 8)
		out->nv_at_delivery[out->ndlv++] = pid_nv();
}

static void msi(void *ctx, unsigned entry, uint64_t t)
{
	(void)ctx;
	record(EV_MSI, entry, t);
	if (out->nmsi < 8)
		out->nv_at_msi[out->nmsi++] = pid_nv();
}

static void entry(void *ctx, struct vcpu *v)
{
	(void)ctx;
	vcpu_set_observer(v, observe, NULL);
	nic_set_msi_probe(machine_nic(m, 0), msi, NULL);
	gk_entry(machine_gk(m, 0), v);
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
	machine_set_guest_entry(m, entry, NULL);
	machine_start(m);
	out->rc = machine_finish(m, sim_engine_run(), res, err, sizeof(err));
	if (out->rc)
		fprintf(stderr, "%s\n", err);
	results_get_u64(res, "interrupts.virtual_deliveries", &out->virtual_deliveries);
	results_get_u64(res, "interrupts.software_posted", &out->software_posted);
	results_get_u64(res, "interrupts.notification_ipis", &out->notifications);
	results_get_u64(res, "interrupts.injected", &out->injected);
	results_get_u64(res, "vm.posted_wakeups", &out->posted_wakeups);
	results_get_u64(res, "interrupts.intx.asserts", &out->intx_asserts);
	results_get_u64(res, "interrupts.intx.host_irqs", &out->intx_host_irqs);
	results_get_u64(res, "interrupts.intx.unmasks", &out->intx_unmasks);
	results_get_double(res, "interrupts.intx.masked_ns_mean", &out->intx_masked_ns);
	results_get_u64(res, "interrupts.delivered", &out->delivered);
	results_get_u64(res, "interrupts.unhandled", &out->unhandled);
	return 0;
}

static const char *name_of(unsigned what)
{
	switch (what) {
	case EXIT_REASON_EXTERNAL_INTERRUPT:
		return "EXT";
	case EXIT_REASON_MSR_WRITE:
		return "MSR";
	case EXIT_REASON_HLT:
		return "HLT";
	case EXIT_REASON_APIC_ACCESS:
		return "APIC";
	case EXIT_REASON_INTERRUPT_WINDOW:
		return "WIN";
	case EXIT_REASON_EOI_INDUCED:
		return "EOI";
	case EXIT_REASON_EXCEPTION_NMI:
		return "NP";
	case VCPU_OBSERVE_DELIVERY:
		return "DLV";
	default:
		return "?";
	}
}

/* The events after the third MSI-X write and before the fourth, as "EXT,DLV,MSR". */
static void sequence(char *buf, size_t len)
{
	unsigned seen = 0;
	size_t o = 0;

	buf[0] = 0;
	for (unsigned i = 0; i < out->nev; i++) {
		if (out->ev[i].what == EV_MSI) {
			if (++seen == 4)
				break;
			continue;
		}
		if (seen == 3 && o < len)
			o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? "," : "",
					      name_of(out->ev[i].what));
	}
}

static void run_case(const char *mode, const char *idle, const char *extra, const char *expect)
{
	char m1[64], m2[64], seqs[256];
	const char *sets[] = {m1, m2, "workload.frames=6", "workload.rate_gbps=0.1",
			      "vms.0.halt_poll_ns=0", extra, NULL};

	snprintf(m1, sizeof(m1), "vms.0.interrupt_mode=%s", mode);
	snprintf(m2, sizeof(m2), "workload.guest_idle=%s", idle);
	if (!extra)
		sets[5] = NULL;
	memset(out, 0, sizeof(*out));
	assert_int_equal(run_in_child(child, (void *)sets), 0);
	assert_int_equal(out->rc, 0);
	sequence(seqs, sizeof(seqs));
	if (strcmp(seqs, expect))
		fprintf(stderr, "%s/%s%s%s: got '%s', want '%s'\n", mode, idle, extra ? " " : "",
			extra ? extra : "", seqs, expect);
	assert_string_equal(seqs, expect);
	/* the guest vector its driver programmed */
	for (unsigned i = 0; i < out->nev; i++)
		if (out->ev[i].what == VCPU_OBSERVE_DELIVERY)
			assert_int_equal(out->ev[i].arg, 0x30);
}

static void emulated_running(void **s)
{
	(void)s;
	/* external-interrupt exit, injection at entry, the EOI write exits */
	run_case("emulated", "busy", NULL, "EXT,DLV,MSR");
	assert_true(out->injected >= 6);
}

static void emulated_xapic_running(void **s)
{
	(void)s;
	/* the same with the xAPIC page: the EOI is an APIC-access exit */
	run_case("emulated", "busy", "vms.0.guest.apic=xapic", "EXT,DLV,APIC");
}

static void eoi_passthrough_running(void **s)
{
	(void)s;
	run_case("eoi_passthrough", "busy", NULL, "EXT,DLV");
}

static void eli_running(void **s)
{
	(void)s;
	/* the shadow IDT delivers it, the guest EOIs the physical LAPIC: no exit at all */
	run_case("eli", "busy", NULL, "DLV");
	assert_int_equal(out->injected, 0);
}

static void cpu_posted_local(void **s)
{
	(void)s;
	/* the host vector exits the guest; the host posts; PIR moves to the vIRR on entry and
	 * virtual-interrupt delivery takes it; the EOI is virtualized */
	run_case("cpu_posted", "busy", NULL, "EXT,DLV");
	assert_true(out->software_posted >= 6);
	assert_true(out->virtual_deliveries >= 6);
	assert_int_equal(out->notifications, 0);
	assert_int_equal(out->injected, 0);
}

static void cpu_posted_remote(void **s)
{
	(void)s;
	/* the host vector lands on pCPU 0; its handler posts and sends the notification vector
	 * to pCPU 1, processed in guest mode: no exit on the vCPU */
	run_case("cpu_posted", "busy", "vms.0.host_irq_pcpu=0", "DLV");
	assert_true(out->notifications >= 6);
}

static void cpu_posted_xapic(void **s)
{
	(void)s;
	/* APIC-register virtualization covers the xAPIC page too: the EOI does not exit */
	run_case("cpu_posted", "busy", "vms.0.guest.apic=xapic", "EXT,DLV");
}

static void vtd_posted_running(void **s)
{
	(void)s;
	run_case("vtd_posted", "busy", NULL, "DLV");
	assert_int_equal(out->software_posted, 0); /* the IOMMU posted them all */
	for (unsigned i = 0; i < out->nmsi && i < 8; i++)
		assert_int_equal(out->nv_at_msi[i], 0xf2);
}

static void emulated_halted(void **s)
{
	(void)s;
	/* halted in the host: no external-interrupt exit; injected on wake-up; EOI exits;
	 * then the guest halts again */
	run_case("emulated", "halt", NULL, "DLV,MSR,HLT");
}

static void eoi_passthrough_halted(void **s)
{
	(void)s;
	run_case("eoi_passthrough", "halt", NULL, "DLV,HLT");
}

static void eli_halted(void **s)
{
	(void)s;
	/* taken by the host while halted, re-raised by self-IPI at entry, then the shadow IDT */
	run_case("eli", "halt", NULL, "DLV,HLT");
}

static void cpu_posted_halted(void **s)
{
	(void)s;
	run_case("cpu_posted", "halt", NULL, "DLV,HLT");
}

static void vtd_posted_halted(void **s)
{
	(void)s;
	run_case("vtd_posted", "halt", NULL, "DLV,HLT");
	/* Blocked: the descriptor's NV was the wakeup vector when the device posted; running
	 * again: the posted-interrupt vector when the interrupt was delivered. */
	assert_true(out->nmsi >= 4);
	for (unsigned i = 1; i < out->nmsi && i < 8; i++)
		assert_int_equal(out->nv_at_msi[i], 0xf1);
	for (unsigned i = 0; i < out->ndlv && i < 8; i++)
		assert_int_equal(out->nv_at_delivery[i], 0xf2);
	assert_true(out->posted_wakeups >= 4);
}

/* Legacy INTx, as KVM's first device assignment did it: the line reaches the host through
 * the I/O APIC and interrupt remapping; the host masks it and raises the guest's I/O APIC
 * pin; the level-triggered guest vector's EOI must come back to the hypervisor (an exit in
 * every mode), which unmasks the line. */
static void intx_check(void)
{
	/* every device interrupt taken once by the host, masked, unmasked after the EOI */
	assert_true(out->intx_asserts >= 6);
	assert_int_equal(out->intx_host_irqs, out->intx_asserts);
	assert_true(out->intx_unmasks >= out->intx_host_irqs - 1);
	assert_true(out->intx_masked_ns > 100.0);
	assert_int_equal(out->delivered, out->intx_host_irqs);
	assert_int_equal(out->unhandled, 0);
}

static void intx_emulated(void **s)
{
	(void)s;
	run_case("emulated", "busy", "vms.0.guest.ptnic.intx=true", "EXT,DLV,MSR");
	intx_check();
}

static void intx_eoi_passthrough(void **s)
{
	(void)s;
	/* the EOI of a level-triggered vector is intercepted after all */
	run_case("eoi_passthrough", "busy", "vms.0.guest.ptnic.intx=true", "EXT,DLV,MSR");
	intx_check();
}

static void intx_eli(void **s)
{
	(void)s;
	/* not an assigned MSI: absent from the shadow IDT, it exits as #NP and is injected */
	run_case("eli", "busy", "vms.0.guest.ptnic.intx=true", "NP,DLV,MSR");
	intx_check();
}

static void intx_cpu_posted(void **s)
{
	(void)s;
	/* the level vector is in the EOI-exit bitmap: its virtualized EOI exits */
	run_case("cpu_posted", "busy", "vms.0.guest.ptnic.intx=true", "EXT,DLV,EOI");
	intx_check();
}

static void intx_vtd_posted(void **s)
{
	(void)s;
	/* the I/O APIC's message is not posted: the IRTE is remapped-format */
	run_case("vtd_posted", "busy", "vms.0.guest.ptnic.intx=true", "EXT,DLV,EOI");
	intx_check();
}

static void intx_halted(void **s)
{
	(void)s;
	run_case("emulated", "halt", "vms.0.guest.ptnic.intx=true", "DLV,MSR,HLT");
	intx_check();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(emulated_running),	   cmocka_unit_test(emulated_xapic_running),
		cmocka_unit_test(eoi_passthrough_running), cmocka_unit_test(eli_running),
		cmocka_unit_test(cpu_posted_local),	   cmocka_unit_test(cpu_posted_remote),
		cmocka_unit_test(cpu_posted_xapic),	   cmocka_unit_test(vtd_posted_running),
		cmocka_unit_test(emulated_halted),	   cmocka_unit_test(eoi_passthrough_halted),
		cmocka_unit_test(eli_halted),		   cmocka_unit_test(cpu_posted_halted),
		cmocka_unit_test(vtd_posted_halted),	   cmocka_unit_test(intx_emulated),
		cmocka_unit_test(intx_eoi_passthrough),	   cmocka_unit_test(intx_eli),
		cmocka_unit_test(intx_cpu_posted),	   cmocka_unit_test(intx_vtd_posted),
		cmocka_unit_test(intx_halted),
	};

	out = shared_alloc(sizeof(*out));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
