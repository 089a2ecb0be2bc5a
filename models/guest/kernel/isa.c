/* SPDX-License-Identifier: MIT */
/*
 * The guest kernel's instruction set on the simulated vCPU: each wrapper executes one
 * instruction of models/cpu/guest_isa.h on the vCPU the caller runs on. The only file of the
 * guest that includes the CPU model.
 */
#include "models/guest/kernel/isa.h"
#include "models/cpu/guest_isa.h"
#include "sim/simtime.h"

#include <stddef.h>

static struct vcpu *cpu(void)
{
	return vcpu_current();
}

unsigned isa_cpu_id(void)
{
	return vcpu_apic_id(cpu());
}

void isa_compute(uint64_t cycles)
{
	vcpu_compute(cpu(), cycles);
}

uint64_t isa_mmio_read(uint64_t gpa, unsigned size)
{
	return vcpu_mmio_read(cpu(), gpa, size);
}

void isa_mmio_write(uint64_t gpa, unsigned size, uint64_t val)
{
	vcpu_mmio_write(cpu(), gpa, size, val);
}

uint32_t isa_in(uint16_t port, unsigned size)
{
	return vcpu_pio_in(cpu(), port, size);
}

void isa_out(uint16_t port, unsigned size, uint32_t val)
{
	vcpu_pio_out(cpu(), port, size, val);
}

uint64_t isa_vmcall(uint64_t nr, uint64_t a0, uint64_t a1)
{
	return vcpu_vmcall(cpu(), nr, a0, a1);
}

uint64_t isa_rdmsr(uint32_t msr)
{
	return vcpu_rdmsr(cpu(), msr);
}

void isa_wrmsr(uint32_t msr, uint64_t val)
{
	vcpu_wrmsr(cpu(), msr, val);
}

void *isa_ram_ptr(uint64_t gpa, uint64_t len)
{
	return vcpu_gpa_ptr(cpu(), gpa, len);
}

void isa_cli(void)
{
	vcpu_cli(cpu());
}

void isa_sti(void)
{
	vcpu_sti(cpu());
}

bool isa_irqs_enabled(void)
{
	return vcpu_irqs_enabled(cpu());
}

void isa_safe_halt(void)
{
	vcpu_safe_halt(cpu());
}

void isa_lidt(isa_idt_fn fn, void *ctx)
{
	vcpu_set_guest_idt(cpu(), fn, ctx);
}

void isa_set_percpu(void *data)
{
	vcpu_set_guest_data(cpu(), data);
}

void *isa_percpu(void)
{
	struct vcpu *v = cpu();

	return v ? vcpu_guest_data(v) : NULL;
}

uint64_t isa_rdtsc(void)
{
	return vcpu_rdtsc(cpu());
}

uint64_t isa_tsc_to_ps(uint64_t cycles)
{
	return sim_cycles_to_ps(vcpu_tsc_clock(cpu()), cycles);
}

uint64_t isa_ps_to_tsc(uint64_t ps)
{
	return sim_ps_to_cycles(vcpu_tsc_clock(cpu()), ps);
}

int isa_trace_track(void)
{
	return vcpu_current_track();
}
