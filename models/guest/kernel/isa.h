/* SPDX-License-Identifier: MIT */
/*
 * The guest kernel's instruction set: every way its code touches the (virtual) hardware --
 * loads and stores to MMIO, IN/OUT, RDMSR/WRMSR, its RAM, HLT, CLI/STI, LIDT, the TSC, and
 * the time its ordinary instructions take. Each runs on the CPU that executes it, as an x86
 * instruction does, so none takes a CPU argument. The rest of the kernel calls these and
 * nothing of the CPU model (Linux keeps the same in arch/x86/include/asm: io.h, msr.h,
 * irqflags.h). Guest-physical addresses throughout.
 */
#ifndef PTSIM_GK_ISA_H
#define PTSIM_GK_ISA_H

#include <stdbool.h>
#include <stdint.h>

/* This CPU's number, its initial APIC ID (CPUID leaf 0BH). */
unsigned isa_cpu_id(void);

/* Ordinary instructions: run `cycles` of them (interrupts are taken as they arrive). */
void isa_compute(uint64_t cycles);

/* MOV to or from uncached memory: a device register, mapped or trapping. */
uint64_t isa_mmio_read(uint64_t gpa, unsigned size);
void isa_mmio_write(uint64_t gpa, unsigned size, uint64_t val);
/* IN and OUT. */
uint32_t isa_in(uint16_t port, unsigned size);
void isa_out(uint16_t port, unsigned size, uint32_t val);
/* VMCALL: a hypercall, number nr with two arguments (RAX, RBX, RCX); its result (RAX). */
uint64_t isa_vmcall(uint64_t nr, uint64_t a0, uint64_t a1);
/* RDMSR and WRMSR. */
uint64_t isa_rdmsr(uint32_t msr);
void isa_wrmsr(uint32_t msr, uint64_t val);

/* RAM, through the CPU's cached accesses: a pointer loads and stores go through (the
 * kernel's direct map of [gpa, gpa+len)), NULL if that is not RAM. */
void *isa_ram_ptr(uint64_t gpa, uint64_t len);

/* CLI, STI, and STI;HLT (halt until an interrupt: the idle instruction). */
void isa_cli(void);
void isa_sti(void);
/* PUSHF: are interrupts on (RFLAGS.IF)? What local_irq_save keeps to restore. */
bool isa_irqs_enabled(void);
void isa_safe_halt(void);

/* LIDT: the handler this CPU runs for every interrupt vector (an interrupt gate: IF clear). */
typedef void (*isa_idt_fn)(void *ctx, uint8_t vector);
void isa_lidt(isa_idt_fn fn, void *ctx);
/* The per-CPU base (what IA32_GS_BASE holds for Linux): set once at boot, NULL off a CPU. */
void isa_set_percpu(void *data);
void *isa_percpu(void);

/* RDTSC, and the TSC's rate (CPUID leaf 15H) to convert cycles and picoseconds. */
uint64_t isa_rdtsc(void);
uint64_t isa_tsc_to_ps(uint64_t cycles);
uint64_t isa_ps_to_tsc(uint64_t ps);

/* Measurement, not an instruction: the trace track of this CPU (0: none). */
int isa_trace_track(void);

#endif
