/* SPDX-License-Identifier: MIT */
/*
 * VMX non-root execution (Intel SDM vol. 3C ch. 25-27). Guest code calls in here for what an
 * instruction does; the VMCS controls decide what exits. An exit costs its hardware
 * transition, runs the hypervisor's handler on the same pCPU, and re-enters; the entry may
 * inject an event (§26.6), which runs the guest's IDT handler with IF clear; IRET sets IF and,
 * with interrupt-window exiting on, exits at once (§25.2).
 */
#include "models/cpu/cpu.h"
#include "models/apic/lapic.h"
#include "models/apic/lapic_regs.h"
#include "models/mem/mem.h"
#include "models/pcie/pcie.h"
#include "sim/engine.h"
#include "sim/trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cpu/cpu_internal.h"

struct vcpu {
	struct vcpu_cfg cfg;
	struct mem *mem;
	struct pcie_fabric *fab;
	struct pcpu *p;
	struct vmx_controls ctl;
	struct ept *ept;
	const struct vcpu_hv_ops *hv;
	void *hv_ctx;
	vcpu_guest_idt_fn idt;
	void *idt_ctx;
	bool in_guest;
	bool guest_if;
	int inject; /* vector to inject at the next entry, or -1 */
	void *guest_data, *hv_data;
	struct vcpu_stats st;
};

static const char *const exit_names[EXIT_REASON_MAX + 1] = {
	[EXIT_REASON_EXCEPTION_NMI] = "exception",
	[EXIT_REASON_EXTERNAL_INTERRUPT] = "external_interrupt",
	[EXIT_REASON_INTERRUPT_WINDOW] = "interrupt_window",
	[EXIT_REASON_CPUID] = "cpuid",
	[EXIT_REASON_HLT] = "hlt",
	[EXIT_REASON_VMCALL] = "hypercall",
	[EXIT_REASON_IO_INSTRUCTION] = "io_instruction",
	[EXIT_REASON_MSR_READ] = "msr_read",
	[EXIT_REASON_MSR_WRITE] = "msr_write",
	[EXIT_REASON_TPR_BELOW_THRESHOLD] = "tpr_below_threshold",
	[EXIT_REASON_APIC_ACCESS] = "apic_access",
	[EXIT_REASON_EOI_INDUCED] = "eoi",
	[EXIT_REASON_EPT_VIOLATION] = "ept_violation",
	[EXIT_REASON_EPT_MISCONFIG] = "ept_misconfig",
	[EXIT_REASON_APIC_WRITE] = "apic_write",
};

const char *vmx_exit_name(unsigned reason)
{
	return reason <= EXIT_REASON_MAX ? exit_names[reason] : NULL;
}

int vcpu_create(const struct vcpu_cfg *cfg, struct mem *mem, struct pcie_fabric *fab,
		struct vcpu **out)
{
	struct vcpu *v = calloc(1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	v->cfg = *cfg;
	v->mem = mem;
	v->fab = fab;
	v->inject = -1;
	v->guest_if = true;
	/* What KVM sets for a guest without APIC virtualization. */
	v->ctl.ext_int_exiting = true;
	v->ctl.hlt_exiting = true;
	v->ctl.msr_trap_x2apic = true;
	v->ctl.msr_trap_eoi = true;
	*out = v;
	return 0;
}

void vcpu_destroy(struct vcpu *v)
{
	free(v);
}

void vcpu_set_hv(struct vcpu *v, const struct vcpu_hv_ops *ops, void *ctx)
{
	v->hv = ops;
	v->hv_ctx = ctx;
}

void vcpu_set_guest_idt(struct vcpu *v, vcpu_guest_idt_fn fn, void *ctx)
{
	v->idt = fn;
	v->idt_ctx = ctx;
}

struct vmx_controls *vcpu_controls(struct vcpu *v)
{
	return &v->ctl;
}

struct ept *vcpu_ept(struct vcpu *v)
{
	return v->ept;
}

void vcpu_set_ept(struct vcpu *v, struct ept *e)
{
	v->ept = e;
}

struct pcpu *vcpu_pcpu(const struct vcpu *v)
{
	return v->p;
}

const char *vcpu_name(const struct vcpu *v)
{
	return v->cfg.name;
}

unsigned vcpu_id(const struct vcpu *v)
{
	return v->cfg.id;
}

const struct vcpu_stats *vcpu_stats(const struct vcpu *v)
{
	return &v->st;
}

void vcpu_set_guest_data(struct vcpu *v, void *data)
{
	v->guest_data = data;
}

void *vcpu_guest_data(const struct vcpu *v)
{
	return v->guest_data;
}

void vcpu_set_hv_data(struct vcpu *v, void *data)
{
	v->hv_data = data;
}

void *vcpu_hv_data(const struct vcpu *v)
{
	return v->hv_data;
}

bool vcpu_guest_if(const struct vcpu *v)
{
	return v->guest_if;
}

bool vcpu_in_guest(const struct vcpu *v)
{
	return v->in_guest;
}

void vcpu_inject(struct vcpu *v, uint8_t vector)
{
	v->inject = vector;
}

/* ---- exits and entries ---- */

static void vm_entry(struct vcpu *v)
{
	struct pcpu *p = v->p;

	/* KVM handles exits with host interrupts disabled and enables them before the next
	 * entry: what arrived meanwhile is serviced now, in host mode. */
	pcpu_service_irqs(p);
	if (v->hv && v->hv->pre_entry)
		v->hv->pre_entry(v->hv_ctx, v);
	pcpu__charge(p, sim_cycles_to_ps(&p->cfg.clock, v->cfg.entry_cycles), PCPU_EXIT);
	pcpu_sync(p);
	v->in_guest = true;
}

static void vm_exit(struct vcpu *v, struct vmx_exit *e)
{
	struct pcpu *p = v->p;
	uint64_t t0 = sim_now();

	v->in_guest = false;
	v->st.exits_total++;
	if (e->reason <= EXIT_REASON_MAX)
		v->st.exits[e->reason]++;
	pcpu__charge(p, sim_cycles_to_ps(&p->cfg.clock, v->cfg.exit_cycles), PCPU_EXIT);
	if (v->hv && v->hv->handle_exit)
		v->hv->handle_exit(v->hv_ctx, v, e);
	vm_entry(v);
	if (trace_on()) {
		char name[48];
		const char *n = vmx_exit_name(e->reason);

		snprintf(name, sizeof(name), "exit %s", n ? n : "?");
		trace_span(sim_trace, p->track, "exit", name, t0, sim_now(), NULL);
	}
}

static void exit_simple(struct vcpu *v, uint32_t reason)
{
	struct vmx_exit e = {.reason = reason};

	vm_exit(v, &e);
}

/* Guest instruction boundary: take what is pending, in the architectural order. */
static void guest_poll(struct vcpu *v)
{
	struct pcpu *p = v->p;

	for (;;) {
		if (v->ctl.ext_int_exiting && p->lapic && lapic_deliverable(p->lapic) >= 0) {
			/* Acknowledge interrupt on exit: the vector travels in the exit info. */
			struct vmx_exit e = {.reason = EXIT_REASON_EXTERNAL_INTERRUPT};

			e.vector = (uint8_t)lapic_ack(p->lapic);
			vm_exit(v, &e);
			continue;
		}
		if (v->guest_if && v->ctl.intr_window_exiting) {
			exit_simple(v, EXIT_REASON_INTERRUPT_WINDOW);
			continue;
		}
		if (v->guest_if && v->inject >= 0) {
			uint8_t vec = (uint8_t)v->inject;
			uint64_t t0 = sim_now();

			v->inject = -1;
			v->st.injections++;
			v->st.guest_interrupts++;
			v->guest_if = false; /* interrupt gate */
			if (trace_on()) {
				uint64_t flow = pcpu_take_flow(p);

				if (flow)
					trace_flow(sim_trace, p->track, "interrupt", flow, t0, 'f');
			}
			if (v->idt)
				v->idt(v->idt_ctx, vec);
			v->guest_if = true; /* IRET */
			if (trace_on())
				trace_span(sim_trace, p->track, "guest", "guest irq handler", t0,
					   sim_now(), NULL);
			continue;
		}
		return;
	}
}

void vcpu_launch(struct vcpu *v, struct pcpu *p)
{
	v->p = p;
	p->vcpu = v;
	vm_entry(v);
	guest_poll(v);
}

/* ---- guest instructions ---- */

static void guest_time(struct vcpu *v, uint64_t ps)
{
	uint64_t t0 = sim_now();

	sim_set_wait_label("guest instruction");
	sim_sleep_until(t0 + ps);
	v->p->tm.guest_ps += ps;
}

void vcpu_compute(struct vcpu *v, uint64_t cycles)
{
	struct pcpu *p = v->p;
	uint64_t remaining = sim_cycles_to_ps(&p->cfg.clock, cycles);

	guest_poll(v);
	while (remaining) {
		uint64_t t0 = sim_now(), dt;

		sim_set_wait_label("guest compute");
		sim_event_wait_until(p->wake, t0 + remaining);
		dt = sim_now() - t0;
		if (dt > remaining)
			dt = remaining;
		remaining -= dt;
		p->tm.guest_ps += dt;
		if (trace_on() && dt)
			trace_span(sim_trace, p->track, "guest", "guest", t0, t0 + dt, NULL);
		guest_poll(v);
	}
}

uint64_t vcpu_mmio_read(struct vcpu *v, uint64_t gpa, unsigned size)
{
	uint64_t hpa, val = 0;

	if (!v->ept || !ept_translate(v->ept, gpa, false, &hpa)) {
		struct vmx_exit e = {.reason = EXIT_REASON_EPT_VIOLATION, .gpa = gpa, .size = size};

		e.qual = 0x1; /* data read */
		vm_exit(v, &e);
		val = e.data;
	} else if (mem_is_ram(v->mem, hpa, size)) {
		mem_read(v->mem, hpa, &val, size);
	} else {
		uint64_t lat = pcie_cpu_read(v->fab, hpa, size, sim_now(), &val);

		v->st.mmio_reads++;
		v->st.mmio_read_ps += lat;
		guest_time(v, lat); /* an uncached load waits for its completion */
	}
	guest_poll(v);
	return val;
}

void vcpu_mmio_write(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t val)
{
	uint64_t hpa;

	if (!v->ept || !ept_translate(v->ept, gpa, true, &hpa)) {
		struct vmx_exit e = {.reason = EXIT_REASON_EPT_VIOLATION,
				     .gpa = gpa,
				     .size = size,
				     .write = true,
				     .data = val};

		e.qual = 0x2; /* data write */
		vm_exit(v, &e);
	} else if (mem_is_ram(v->mem, hpa, size)) {
		mem_write(v->mem, hpa, &val, size);
	} else {
		uint64_t lat = pcie_cpu_write(v->fab, hpa, size, val, sim_now());

		v->st.mmio_writes++;
		guest_time(v, lat + sim_cycles_to_ps(&v->p->cfg.clock, v->cfg.mmio_issue_cycles));
	}
	guest_poll(v);
}

uint32_t vcpu_pio_in(struct vcpu *v, uint16_t port, unsigned size)
{
	struct vmx_exit e = {.reason = EXIT_REASON_IO_INSTRUCTION, .port = port, .size = size};

	/* No I/O port is passed through: the I/O bitmap traps them all. */
	vm_exit(v, &e);
	guest_poll(v);
	return (uint32_t)e.data;
}

void vcpu_pio_out(struct vcpu *v, uint16_t port, unsigned size, uint32_t val)
{
	struct vmx_exit e = {.reason = EXIT_REASON_IO_INSTRUCTION,
			     .port = port,
			     .size = size,
			     .write = true,
			     .data = val};

	vm_exit(v, &e);
	guest_poll(v);
}

static bool msr_traps(const struct vcpu *v, uint32_t msr)
{
	if (msr >= APIC_BASE_MSR && msr <= APIC_BASE_MSR + 0xff) {
		if (msr == X2APIC_EOI_MSR)
			return v->ctl.msr_trap_eoi;
		return v->ctl.msr_trap_x2apic;
	}
	return true; /* every other MSR this model knows of is intercepted */
}

uint64_t vcpu_rdmsr(struct vcpu *v, uint32_t msr)
{
	struct vmx_exit e = {.reason = EXIT_REASON_MSR_READ, .msr = msr};
	uint64_t val = 0;

	if (msr_traps(v, msr)) {
		vm_exit(v, &e);
		val = e.data;
	} else if (msr >= APIC_BASE_MSR && msr <= APIC_BASE_MSR + 0xff && v->p->lapic) {
		val = lapic_reg_read(v->p->lapic, (msr - APIC_BASE_MSR) << 4);
	}
	guest_poll(v);
	return val;
}

void vcpu_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val)
{
	if (msr_traps(v, msr)) {
		struct vmx_exit e = {.reason = EXIT_REASON_MSR_WRITE,
				     .msr = msr,
				     .write = true,
				     .data = val};

		vm_exit(v, &e);
	} else if (msr >= APIC_BASE_MSR && msr <= APIC_BASE_MSR + 0xff && v->p->lapic) {
		/* Not intercepted: the write reaches the physical LAPIC. */
		lapic_reg_write(v->p->lapic, (msr - APIC_BASE_MSR) << 4, (uint32_t)val);
	}
	guest_poll(v);
}

void vcpu_safe_halt(struct vcpu *v)
{
	struct pcpu *p = v->p;

	v->st.hlts++;
	v->guest_if = true; /* STI: its one-instruction shadow keeps HLT atomic with it */
	if (v->ctl.hlt_exiting) {
		exit_simple(v, EXIT_REASON_HLT);
	} else if (!(p->lapic && lapic_deliverable(p->lapic) >= 0) && v->inject < 0) {
		/* HLT in guest mode: the pCPU halts until an interrupt. */
		uint64_t t0 = sim_now();

		sim_set_wait_label("HLT in guest");
		sim_event_wait(p->wake);
		p->tm.idle_ps += sim_now() - t0;
	}
	guest_poll(v);
}

void vcpu_cli(struct vcpu *v)
{
	v->guest_if = false;
}

void vcpu_sti(struct vcpu *v)
{
	v->guest_if = true;
	guest_poll(v);
}

uint64_t vcpu_vmcall(struct vcpu *v, uint64_t nr, uint64_t a0, uint64_t a1)
{
	struct vmx_exit e = {.reason = EXIT_REASON_VMCALL, .nr = nr};

	e.args[0] = a0;
	e.args[1] = a1;
	vm_exit(v, &e);
	guest_poll(v);
	return e.data;
}

void *vcpu_gpa_ptr(struct vcpu *v, uint64_t gpa, uint64_t len)
{
	uint64_t hpa, hpa_end;

	if (!len || !v->ept || !ept_translate(v->ept, gpa, false, &hpa) ||
	    !ept_translate(v->ept, gpa + len - 1, false, &hpa_end) || hpa_end - hpa != len - 1)
		return NULL;
	return mem_ptr(v->mem, hpa, len);
}

uint64_t vcpu_rdtsc(struct vcpu *v)
{
	return sim_ps_to_cycles(&v->p->cfg.clock, sim_now());
}

void vcpu_block(struct vcpu *v, bool (*runnable)(void *ctx), void *ctx)
{
	while (!runnable(ctx))
		pcpu_idle(v->p);
}
