/* SPDX-License-Identifier: MIT */
/*
 * VMX non-root execution (Intel SDM vol. 3C ch. 25-27). Guest code calls in here for what an
 * instruction does; the VMCS controls decide what exits. An exit costs its hardware
 * transition, runs the hypervisor's handler on the same pCPU, and re-enters; the entry may
 * inject an event (§26.6), which runs the guest's IDT handler with IF clear; IRET sets IF and,
 * with interrupt-window exiting on, exits at once (§25.2).
 */
#include "models/cpu/guest_isa.h"
#include "models/cpu/vmx.h"
#include "models/apic/lapic.h"
#include "models/apic/lapic_regs.h"
#include "models/apic/posted_intr_regs.h"
#include "models/mem/mem.h"
#include "models/pcie/pcie.h"
#include "sim/engine.h"
#include "sim/metrics.h"
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
	struct lapic *vapic; /* the virtual-APIC page (APICv) */
	void (*observer)(void *ctx, unsigned what, unsigned arg, uint64_t t_ps);
	void *observer_ctx;
	bool in_guest;
	bool guest_if;
	int inject; /* vector to inject at the next entry, or -1 */
	void *guest_data, *hv_data;
	int track;
	uint64_t host_mark; /* bare metal: the pCPU's host time when the kernel took it */
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
	/* What KVM sets for a guest without APIC virtualization; nothing traps on bare metal. */
	v->ctl.ext_int_exiting = !cfg->bare;
	v->ctl.hlt_exiting = !cfg->bare;
	v->ctl.msr_trap_x2apic = !cfg->bare;
	v->ctl.msr_trap_eoi = !cfg->bare;
	for (int i = 0; i < 256; i++)
		v->ctl.shadow_idt_map[i] = -1;
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

void vcpu_set_observer(struct vcpu *v, void (*fn)(void *ctx, unsigned what, unsigned arg,
						  uint64_t t_ps),
		       void *ctx)
{
	v->observer = fn;
	v->observer_ctx = ctx;
}

void vcpu_set_vapic(struct vcpu *v, struct lapic *vapic)
{
	v->vapic = vapic;
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

struct vcpu *vcpu_current(void)
{
	struct pcpu *p = pcpu_self();

	return p ? p->vcpu : NULL;
}

uint32_t vcpu_apic_id(const struct vcpu *v)
{
	/* the hypervisor's virtual LAPIC reports the vCPU's number; bare metal, the pCPU's */
	return v->cfg.bare && v->p ? v->p->cfg.apic_id : v->cfg.id;
}

const struct sim_clock *vcpu_tsc_clock(const struct vcpu *v)
{
	return &v->p->cfg.clock;
}

int vcpu_current_track(void)
{
	struct pcpu *p = pcpu_self();

	return p ? p->track : 0;
}

/* Where a vCPU's counters reach the results (the application places this table at ""; each
 * VM's vCPUs add up under the VM's prefix for the rows with .each). */
#define VCPU_ROW(field, kind, key, meaning) METRIC(struct vcpu_stats, field, kind, key, meaning)
static const struct metric vcpu_rows[] = {
    {VCPU_ROW(exits_total, COUNT, "exits.total", "VM exits"), .each = "exits"},
    {VCPU_ROW(exits_irq, COUNT, "exits.interrupt_related",
	      "exits taken to deliver or complete an interrupt (external interrupt, EOI, "
	      "interrupt window)")},
    {METRIC_ARRAY(struct vcpu_stats, exits, COUNT, "exits.by_reason", vmx_exit_name,
		  "VM exits by basic exit reason (SDM vol. 3D app. C)")},
    {VCPU_ROW(virtual_deliveries, COUNT, "interrupts.virtual_deliveries",
	      "APICv: virtual interrupts delivered without an exit")},
    {VCPU_ROW(posted_processed, COUNT, "interrupts.posted_notifications_in_guest",
	      "posted-interrupt notification vectors processed in guest mode")},
    {VCPU_ROW(shadow_deliveries, COUNT, "interrupts.shadow_idt_deliveries",
	      "ELI: physical interrupts delivered straight to the guest")},
    {VCPU_ROW(injections, COUNT, "interrupts.injected", "events injected at VM entry")},
    {VCPU_ROW(eoi_virtualized, COUNT, "interrupts.eois_virtualized",
	      "APICv: EOIs the CPU virtualized, without an exit")},
    {VCPU_ROW(guest_interrupts, COUNT, "vcpu.guest_interrupts",
	      "vectors delivered through the guest's IDT, from any source")},
    {VCPU_ROW(mmio_reads, COUNT, "vcpu.mmio_reads",
	      "guest reads of device memory that did not exit")},
    {VCPU_ROW(mmio_writes, COUNT, "vcpu.mmio_writes",
	      "guest writes to device memory that did not exit")},
    {VCPU_ROW(mmio_read_ps, TIME, "vcpu.mmio_read_ns",
	      "time the guest waited for those reads' completions, in all")},
    {VCPU_ROW(hlts, COUNT, "vcpu.hlts", "HLT instructions the guest executed")},
    /* per VM only (the totals are the pCPUs' cpu.*_ns) */
    {VCPU_ROW(guest_ps, TIME, NULL, "its pCPU's time in guest mode for it"),
     .each = "cpu.guest_ns"},
    {VCPU_ROW(exit_ps, TIME, NULL, "its pCPU's time in its exit and entry transitions"),
     .each = "cpu.exit_ns"},
    {VCPU_ROW(host_ps, TIME, NULL,
	      "its pCPU's time in host code while it was the pCPU's vCPU (exit handlers, host "
	      "interrupts, halt polling)"),
     .each = "cpu.hv_ns"},
};
const struct metric_table vcpu_metrics = METRIC_TABLE(struct vcpu_stats, vcpu_rows);

void vcpu__account(struct vcpu *v, uint64_t ps, enum pcpu_bucket b)
{
	if (b == PCPU_EXIT)
		v->st.exit_ps += ps;
	else
		v->st.host_ps += ps;
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

void vcpu_set_track(struct vcpu *v, int track)
{
	v->track = track;
}

int vcpu_track(const struct vcpu *v)
{
	return v->track;
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
	pcpu__charge(p, sim_cycles_to_ps(&p->cfg.clock, p->cfg.vmx.entry_cycles), PCPU_EXIT);
	pcpu_sync(p);
	v->in_guest = true;
}

static void vm_exit(struct vcpu *v, struct vmx_exit *e)
{
	struct pcpu *p = v->p;
	uint64_t t0 = sim_now();

	v->in_guest = false;
	if (v->observer)
		v->observer(v->observer_ctx, e->reason, e->vector, t0);
	v->st.exits_total++;
	if (e->reason <= EXIT_REASON_MAX)
		v->st.exits[e->reason]++;
	pcpu__charge(p, sim_cycles_to_ps(&p->cfg.clock, p->cfg.vmx.exit_cycles), PCPU_EXIT);
	if (v->hv && v->hv->handle_exit)
		v->hv->handle_exit(v->hv_ctx, v, e);
	/* counted after the handler, which knows whether a host vector was a guest's */
	if (e->irq)
		v->st.exits_irq++;
	vm_entry(v);
	if (trace_on()) {
		char name[48];
		const char *n = vmx_exit_name(e->reason);

		snprintf(name, sizeof(name), "exit %s", n ? n : "?");
		trace_span(sim_trace, p->track, "exit", name, t0, sim_now(), NULL);
	}
}

static void exit_simple(struct vcpu *v, uint32_t reason, bool irq)
{
	struct vmx_exit e = {.reason = reason, .irq = irq};

	vm_exit(v, &e);
}

static void step(struct vcpu *v, const char *name, unsigned vec)
{
	char args[48];

	snprintf(args, sizeof(args), "\"vector\":\"0x%02x\"", vec);
	trace_instant(sim_trace, v->p->track, "irq", name, sim_now(), args);
}

/* Run the guest's handler for `vec` through its IDT: interrupt gate (IF clear), IRET. */
static void deliver_to_guest(struct vcpu *v, uint8_t vec)
{
	struct pcpu *p = v->p;
	uint64_t t0 = sim_now();

	v->st.guest_interrupts++;
	if (v->observer)
		v->observer(v->observer_ctx, VCPU_OBSERVE_DELIVERY, vec, t0);
	v->guest_if = false;
	if (trace_on()) {
		uint64_t flow = pcpu_take_flow(p);

		if (flow)
			trace_flow(sim_trace, p->track, "interrupt", flow, t0, 'f');
	}
	if (v->idt)
		v->idt(v->idt_ctx, vec);
	v->guest_if = true;
	if (trace_on())
		trace_span(sim_trace, p->track, "guest", "guest irq handler", t0, sim_now(), NULL);
}

bool vcpu_pi_sync(struct vcpu *v)
{
	uint64_t pd = v->ctl.pi_desc, ctl;
	bool moved = false;

	if (!v->ctl.posted_intr || !v->vapic)
		return false;
	ctl = mem_read64(v->mem, pd + PI_DESC_CTL);
	if (!pi_ctl_on(ctl))
		return false;
	/* SDM §29.6: clear ON, OR the PIR into the virtual IRR, clear the PIR (atomically). */
	mem_write64(v->mem, pd + PI_DESC_CTL, ctl & ~PI_DESC_ON);
	for (unsigned w = 0; w < 4; w++) {
		uint64_t pir = mem_read64(v->mem, pd + 8ull * w);

		if (!pir)
			continue;
		mem_write64(v->mem, pd + 8ull * w, 0);
		for (unsigned b = 0; b < 64; b++)
			if (pir & (1ull << b)) {
				lapic_accept(v->vapic, (uint8_t)(w * 64 + b), false);
				moved = true;
			}
	}
	return moved;
}

/* A physical interrupt is pending at this pCPU's LAPIC while the guest runs (§25.2, §29.6,
 * and ELI's shadow IDT). Returns false if it must wait (the guest has interrupts off). */
static bool take_physical(struct vcpu *v, int vec)
{
	struct pcpu *p = v->p;

	if (v->cfg.bare) {
		/* Bare metal: the IDT's own vector, when IF allows (SDM vol. 3A §6.8.1). */
		if (!v->guest_if)
			return false;
		deliver_to_guest(v, (uint8_t)lapic_ack(p->lapic));
		return true;
	}
	if (!v->ctl.ext_int_exiting) {
		if (!v->guest_if)
			return false; /* recognized by the guest's IF, like bare metal */
		lapic_ack(p->lapic);
		if (v->ctl.shadow_idt && v->ctl.shadow_idt_map[vec] >= 0) {
			v->st.shadow_deliveries++;
			if (trace_on())
				step(v, "shadow IDT: straight to the guest (no exit)", (unsigned)vec);
			deliver_to_guest(v, (uint8_t)v->ctl.shadow_idt_map[vec]);
		} else {
			/* Not present in the shadow IDT: #NP, an exception exit. */
			struct vmx_exit e = {.reason = EXIT_REASON_EXCEPTION_NMI, .irq = true};

			e.vector = (uint8_t)vec;
			e.qual = 11; /* #NP */
			vm_exit(v, &e);
		}
		return true;
	}
	if (v->ctl.posted_intr && vec == v->ctl.pi_nv) {
		/* Posted-interrupt processing: the notification is acknowledged and EOIed by the
		 * processor, the PIR moves into the virtual-APIC page, no exit (§29.6). */
		lapic_ack(p->lapic);
		lapic_eoi(p->lapic);
		v->st.posted_processed++;
		if (trace_on())
			step(v, "posted-interrupt processing (no exit): PIR to vIRR", (unsigned)vec);
		vcpu_pi_sync(v);
		return true;
	}
	/* Acknowledge interrupt on exit: the vector travels in the exit information. */
	struct vmx_exit e = {.reason = EXIT_REASON_EXTERNAL_INTERRUPT, .irq = true};

	e.vector = (uint8_t)lapic_ack(p->lapic);
	vm_exit(v, &e);
	return true;
}

/* Guest instruction boundary: take what is pending, in the architectural order. */
static void guest_poll(struct vcpu *v)
{
	struct pcpu *p = v->p;

	/* Bare metal: kernel code that ran through host_* (its VT-d driver) charged the pCPU;
	 * that time passes before the next instruction, and it was the kernel's own work, as
	 * any other of its code (there is no host mode below it): guest time, not host. */
	if (v->cfg.bare) {
		if (p->owed_ps)
			pcpu_sync(p);
		if (p->tm.host_ps > v->host_mark) {
			p->tm.guest_ps += p->tm.host_ps - v->host_mark;
			p->tm.host_ps = v->host_mark;
		}
	}
	for (;;) {
		int vec;

		pcpu__timer_check(p);
		vec = p->lapic ? lapic_deliverable(p->lapic) : -1;

		if (vec >= 0 && take_physical(v, vec))
			continue;
		if (v->guest_if && v->ctl.intr_window_exiting) {
			exit_simple(v, EXIT_REASON_INTERRUPT_WINDOW, true);
			continue;
		}
		if (v->guest_if && v->inject >= 0) {
			uint8_t iv = (uint8_t)v->inject;

			v->inject = -1;
			v->st.injections++;
			if (trace_on())
				step(v, "event injection on entry", iv);
			deliver_to_guest(v, iv);
			continue;
		}
		if (v->guest_if && v->ctl.virt_intr_delivery && v->vapic &&
		    lapic_deliverable(v->vapic) >= 0) {
			/* Virtual-interrupt delivery (§29.2.2): RVI > PPR, no exit. */
			v->st.virtual_deliveries++;
			if (trace_on())
				step(v, "virtual-interrupt delivery (no exit)",
				     (unsigned)lapic_deliverable(v->vapic));
			deliver_to_guest(v, (uint8_t)lapic_ack(v->vapic));
			continue;
		}
		return;
	}
}

void vcpu_launch(struct vcpu *v, struct pcpu *p)
{
	v->p = p;
	p->vcpu = v;
	if (v->track)
		p->track = v->track;
	if (v->cfg.bare) {
		v->in_guest = true; /* no VM entry: the code simply runs */
		v->host_mark = p->tm.host_ps;
	} else
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
	v->st.guest_ps += ps;
}

void vcpu_compute(struct vcpu *v, uint64_t cycles)
{
	struct pcpu *p = v->p;
	uint64_t remaining = sim_cycles_to_ps(&p->cfg.clock, cycles);

	guest_poll(v);
	while (remaining) {
		uint64_t t0 = sim_now(), dt;

		sim_set_wait_label("guest compute");
		sim_event_wait_until(p->wake, pcpu__cap(p, t0 + remaining));
		dt = sim_now() - t0;
		if (dt > remaining)
			dt = remaining;
		remaining -= dt;
		p->tm.guest_ps += dt;
		v->st.guest_ps += dt;
		if (trace_on() && dt)
			trace_span(sim_trace, p->track, "guest", "guest", t0, t0 + dt, NULL);
		guest_poll(v);
	}
}

/* EOI virtualization (§29.1.2): the virtual ISR's highest bit clears; if the EOI-exit
 * bitmap has that vector, an EOI-induced exit follows. */
static void virtual_eoi(struct vcpu *v)
{
	int vec = lapic_highest_isr(v->vapic);

	v->st.eoi_virtualized++;
	if (trace_on())
		step(v, "EOI virtualized (no exit)", vec < 0 ? 0u : (unsigned)vec);
	lapic_eoi(v->vapic);
	if (vec >= 0 && (v->ctl.eoi_exit_bitmap[vec / 32] & (1u << (vec % 32)))) {
		struct vmx_exit e = {.reason = EXIT_REASON_EOI_INDUCED, .irq = true};

		e.vector = (uint8_t)vec;
		e.qual = (uint64_t)vec;
		vm_exit(v, &e);
	}
}

/* A guest write to an APIC register with APIC-register virtualization (§29.4.3, §29.5):
 * EOI and TPR are virtualized; the rest lands in the virtual-APIC page and exits trap-like
 * (APIC write) for the hypervisor to act on. */
static void virtual_apic_write(struct vcpu *v, uint32_t off, uint64_t val)
{
	if (off == APIC_EOI) {
		virtual_eoi(v);
		return;
	}
	if (off == APIC_TASKPRI) {
		lapic_reg_write(v->vapic, off, (uint32_t)val);
		return;
	}
	struct vmx_exit e = {.reason = EXIT_REASON_APIC_WRITE, .write = true, .data = val};

	e.qual = off;
	e.irq = off == APIC_ICR || off == APIC_SELF_IPI;
	vm_exit(v, &e);
}

/* Guest-physical to host-physical: EPT, or nothing to translate on bare metal. */
static bool translate(const struct vcpu *v, uint64_t gpa, bool write, uint64_t *hpa)
{
	if (v->cfg.bare) {
		*hpa = gpa;
		return true;
	}
	return v->ept && ept_translate(v->ept, gpa, write, hpa);
}

static bool apic_page(const struct vcpu *v, uint64_t gpa)
{
	return v->ctl.apic_access && gpa >= APIC_DEFAULT_PHYS_BASE &&
	       gpa < APIC_DEFAULT_PHYS_BASE + 0x1000;
}

uint64_t vcpu_mmio_read(struct vcpu *v, uint64_t gpa, unsigned size)
{
	uint64_t hpa, val = 0;

	if (apic_page(v, gpa)) {
		uint32_t off = (uint32_t)(gpa - APIC_DEFAULT_PHYS_BASE);

		if (v->ctl.apic_reg_virt && v->vapic) {
			val = lapic_reg_read(v->vapic, off); /* virtualized read, no exit */
		} else {
			struct vmx_exit e = {.reason = EXIT_REASON_APIC_ACCESS, .size = size};

			e.qual = off;
			e.gpa = gpa;
			vm_exit(v, &e);
			val = e.data;
		}
	} else if (!translate(v, gpa, false, &hpa)) {
		struct vmx_exit e = {.reason = EXIT_REASON_EPT_VIOLATION, .gpa = gpa, .size = size};

		if (v->ept && ept_misconfigured(v->ept, gpa))
			e.reason = EXIT_REASON_EPT_MISCONFIG;
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

	if (apic_page(v, gpa)) {
		uint32_t off = (uint32_t)(gpa - APIC_DEFAULT_PHYS_BASE);

		if (v->ctl.apic_reg_virt && v->vapic) {
			virtual_apic_write(v, off, val);
		} else {
			/* APIC-access exit (fault-like): the hypervisor emulates the write. */
			struct vmx_exit e = {.reason = EXIT_REASON_APIC_ACCESS,
					     .size = size,
					     .write = true,
					     .data = val};

			e.qual = off | (1u << 12); /* access type: linear write */
			e.gpa = gpa;
			e.irq = off == APIC_EOI;
			vm_exit(v, &e);
		}
	} else if (!translate(v, gpa, true, &hpa)) {
		struct vmx_exit e = {.reason = EXIT_REASON_EPT_VIOLATION,
				     .gpa = gpa,
				     .size = size,
				     .write = true,
				     .data = val};

		if (v->ept && ept_misconfigured(v->ept, gpa))
			e.reason = EXIT_REASON_EPT_MISCONFIG;
		e.qual = 0x2; /* data write */
		vm_exit(v, &e);
	} else if (mem_is_ram(v->mem, hpa, size)) {
		mem_write(v->mem, hpa, &val, size);
	} else {
		uint64_t lat = pcie_cpu_write(v->fab, hpa, size, val, sim_now());

		v->st.mmio_writes++;
		guest_time(
		    v, lat + sim_cycles_to_ps(&v->p->cfg.clock, v->p->cfg.vmx.mmio_issue_cycles));
	}
	guest_poll(v);
}

uint32_t vcpu_pio_in(struct vcpu *v, uint16_t port, unsigned size)
{
	struct vmx_exit e = {.reason = EXIT_REASON_IO_INSTRUCTION, .port = port, .size = size};

	if (v->cfg.bare) /* the model has no CPU path to I/O ports: nothing answers */
		return size == 4 ? ~0u : (1u << (8 * size)) - 1;

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

	if (v->cfg.bare)
		return;
	vm_exit(v, &e);
	guest_poll(v);
}

static bool x2apic_msr(uint32_t msr)
{
	return msr >= APIC_BASE_MSR && msr <= APIC_BASE_MSR + 0xff;
}

static bool msr_traps(const struct vcpu *v, uint32_t msr)
{
	if (v->cfg.bare)
		return false; /* IA32_APIC_BASE and the rest: the CPU's own, nothing modelled */
	if (x2apic_msr(msr)) {
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
	uint32_t off = (msr - APIC_BASE_MSR) << 4;

	if (msr_traps(v, msr)) {
		vm_exit(v, &e);
		val = e.data;
	} else if (x2apic_msr(msr) && v->ctl.apic_reg_virt && v->vapic) {
		val = lapic_reg_read(v->vapic, off); /* virtualized x2APIC read */
	} else if (x2apic_msr(msr) && v->p->lapic) {
		val = lapic_reg_read(v->p->lapic, off); /* passed through: the real LAPIC */
	}
	guest_poll(v);
	return val;
}

void vcpu_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val)
{
	uint32_t off = (msr - APIC_BASE_MSR) << 4;

	if (msr_traps(v, msr)) {
		struct vmx_exit e = {.reason = EXIT_REASON_MSR_WRITE,
				     .msr = msr,
				     .write = true,
				     .data = val};

		e.irq = msr == X2APIC_EOI_MSR || msr == X2APIC_ICR_MSR;
		vm_exit(v, &e);
	} else if (x2apic_msr(msr) && v->ctl.apic_reg_virt && v->vapic) {
		virtual_apic_write(v, off, val);
	} else if (x2apic_msr(msr) && v->p->lapic) {
		/* Not intercepted and not virtualized: the write reaches the physical LAPIC. */
		if (msr == X2APIC_ICR_MSR)
			lapic_write_icr(v->p->lapic, val);
		else
			lapic_reg_write(v->p->lapic, off, (uint32_t)val);
	}
	guest_poll(v);
}

void vcpu_safe_halt(struct vcpu *v)
{
	struct pcpu *p = v->p;

	v->st.hlts++;
	v->guest_if = true; /* STI: its one-instruction shadow keeps HLT atomic with it */
	if (v->ctl.hlt_exiting) {
		exit_simple(v, EXIT_REASON_HLT, false);
	} else if (!(p->lapic && lapic_deliverable(p->lapic) >= 0) && v->inject < 0) {
		/* HLT in guest mode: the pCPU halts until an interrupt. */
		uint64_t t0 = sim_now();

		sim_set_wait_label("HLT in guest");
		if (p->timer_deadline)
			sim_event_wait_until(p->wake, p->timer_deadline);
		else
			sim_event_wait(p->wake);
		p->tm.idle_ps += sim_now() - t0;
	}
	guest_poll(v);
}

void vcpu_cli(struct vcpu *v)
{
	v->guest_if = false;
}

bool vcpu_irqs_enabled(const struct vcpu *v)
{
	return v->guest_if;
}

void vcpu_sti(struct vcpu *v)
{
	v->guest_if = true;
	guest_poll(v);
}

uint64_t vcpu_vmcall(struct vcpu *v, uint64_t nr, uint64_t a0, uint64_t a1)
{
	struct vmx_exit e = {.reason = EXIT_REASON_VMCALL, .nr = nr};

	if (v->cfg.bare)
		return (uint64_t)-1000; /* #UD outside VMX non-root: KVM's -KVM_ENOSYS */
	e.args[0] = a0;
	e.args[1] = a1;
	vm_exit(v, &e);
	guest_poll(v);
	return e.data;
}

void *vcpu_gpa_ptr(struct vcpu *v, uint64_t gpa, uint64_t len)
{
	uint64_t hpa, hpa_end;

	if (v->cfg.bare)
		return len && mem_is_ram(v->mem, gpa, len) ? mem_ptr(v->mem, gpa, len) : NULL;
	if (!len || !v->ept || !ept_translate(v->ept, gpa, false, &hpa) ||
	    !ept_translate(v->ept, gpa + len - 1, false, &hpa_end) || hpa_end - hpa != len - 1)
		return NULL;
	return mem_ptr(v->mem, hpa, len);
}

uint64_t vcpu_rdtsc(struct vcpu *v)
{
	return sim_ps_to_cycles(&v->p->cfg.clock, sim_now());
}

bool vcpu_poll(struct vcpu *v, bool (*runnable)(void *ctx), void *ctx, uint64_t poll_ps)
{
	uint64_t poll_end = pcpu_sync(v->p) + poll_ps;

	while (!runnable(ctx) && sim_now() < poll_end)
		pcpu_poll_until(v->p, poll_end);
	return runnable(ctx);
}

void vcpu_block(struct vcpu *v, bool (*runnable)(void *ctx), void *ctx)
{
	while (!runnable(ctx))
		pcpu_idle(v->p);
}
