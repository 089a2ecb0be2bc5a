/* SPDX-License-Identifier: MIT */
/*
 * The vCPU as code running in guest mode (VMX non-root) sees it: the instructions it
 * executes. Each is an ordinary C call that takes the instruction's time; whatever the VMCS
 * controls say traps becomes a VM exit inside the call (SDM vol. 3C ch. 25). The guest
 * kernel's instruction-set file (models/guest/kernel/isa.c) is the only guest code that
 * includes this; the hypervisor's side of the vCPU is vmx.h.
 */
#ifndef PTSIM_GUEST_ISA_H
#define PTSIM_GUEST_ISA_H

#include <stdbool.h>
#include <stdint.h>

struct sim_clock;
struct vcpu;

/* The vCPU the calling code runs on (the one its pCPU has loaded), NULL outside a vCPU. */
struct vcpu *vcpu_current(void);
/* Its initial APIC ID (CPUID leaf 0BH), which the kernel numbers its CPUs by. Read for free:
 * the kernel learns it once, as Linux does from the MADT and its AP trampoline. */
uint32_t vcpu_apic_id(const struct vcpu *v);
/* The rate of its time-stamp counter (CPUID leaf 15H). */
const struct sim_clock *vcpu_tsc_clock(const struct vcpu *v);

/* Run `cycles` of guest instructions; interrupts are taken as they arrive. */
void vcpu_compute(struct vcpu *v, uint64_t cycles);
/* A load or store to guest-physical memory that is not RAM (MMIO, mapped or trapping). */
uint64_t vcpu_mmio_read(struct vcpu *v, uint64_t gpa, unsigned size);
void vcpu_mmio_write(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t val);
/* IN and OUT. */
uint32_t vcpu_pio_in(struct vcpu *v, uint16_t port, unsigned size);
void vcpu_pio_out(struct vcpu *v, uint16_t port, unsigned size, uint32_t val);
/* RDMSR and WRMSR. */
uint64_t vcpu_rdmsr(struct vcpu *v, uint32_t msr);
void vcpu_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val);
/* STI; HLT: halt until an interrupt (the usual idle). */
void vcpu_safe_halt(struct vcpu *v);
void vcpu_cli(struct vcpu *v);
void vcpu_sti(struct vcpu *v);
/* PUSHF: is RFLAGS.IF set (interrupts on)? */
bool vcpu_irqs_enabled(const struct vcpu *v);
uint64_t vcpu_vmcall(struct vcpu *v, uint64_t nr, uint64_t a0, uint64_t a1);
/* A guest-physical RAM range as a host pointer (the CPU's cached access); NULL if not RAM. */
void *vcpu_gpa_ptr(struct vcpu *v, uint64_t gpa, uint64_t len);
/* RDTSC: the time-stamp counter in cycles. */
uint64_t vcpu_rdtsc(struct vcpu *v);

/* LIDT: the guest's interrupt descriptor table, the handler the CPU runs for a vector. */
typedef void (*vcpu_guest_idt_fn)(void *ctx, uint8_t vector);
void vcpu_set_guest_idt(struct vcpu *v, vcpu_guest_idt_fn fn, void *ctx);
/* The guest kernel's per-CPU pointer (what IA32_GS_BASE holds for Linux). */
void vcpu_set_guest_data(struct vcpu *v, void *data);
void *vcpu_guest_data(const struct vcpu *v);

/* Measurement, not an instruction: the trace track of the CPU the caller runs on (0: none). */
int vcpu_current_track(void);

#endif
