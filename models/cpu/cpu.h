/* SPDX-License-Identifier: MIT */
/*
 * Physical CPUs.
 *
 * A pCPU is an actor's execution context: it runs host code (charged to it in picoseconds)
 * or, with a vCPU loaded, guest code in VMX non-root mode. The vCPUs it runs have two sides,
 * each in a header of its own: what the hypervisor does with them (VMX: creating and running
 * vCPUs, exits, EPT, controls and stats) in vmx.h, and what code running in guest mode
 * executes (the guest's instruction set) in guest_isa.h.
 */
#ifndef PTSIM_CPU_H
#define PTSIM_CPU_H

#include <stdint.h>

#include "sim/simtime.h"

struct cfg_schema;
struct lapic;
struct pcpu;
struct vcpu;

/* ---- pCPU ---- */

/* What VMX transitions cost the CPU, in its cycles: the hardware's part of an exit. */
struct vmx_costs {
	uint64_t exit_cycles;       /* hardware VM exit */
	uint64_t entry_cycles;      /* hardware VM entry */
	uint64_t mmio_issue_cycles; /* issuing an uncached store (an MMIO write) */
};

struct pcpu_cfg {
	unsigned id;
	uint32_t apic_id;
	struct sim_clock clock;
	struct vmx_costs vmx;
};

/* The machine's processors (machine.cpu): how many, their clock and VMX costs. */
struct cpu_cfg {
	unsigned pcpus;
	uint32_t freq_mhz;
	struct vmx_costs vmx;
};
/* The knobs of cpu_cfg: cpu_cfg.c. */
extern const struct cfg_schema cpu_cfg_schema;

/* Time buckets, picoseconds. */
struct pcpu_time {
	uint64_t guest_ps; /* VMX non-root */
	uint64_t exit_ps;  /* VM exit and entry transitions (hardware) */
	uint64_t host_ps;  /* host code: exit handlers, host interrupt handlers, host work */
	uint64_t idle_ps;  /* halted in the host with nothing to run */
};
/* The metric tables of struct pcpu_time and struct vcpu_stats (sim/metrics.h). */
struct metric_table;
extern const struct metric_table pcpu_time_metrics, vcpu_metrics;

/* The host's interrupt dispatcher (its IDT): handles `vector` on this pCPU in host mode. */
typedef void (*pcpu_host_irq_fn)(void *ctx, struct pcpu *p, uint8_t vector);

int pcpu_create(const struct pcpu_cfg *cfg, struct lapic *lapic, struct pcpu **out);
void pcpu_destroy(struct pcpu *p);
void pcpu_set_host_irq(struct pcpu *p, pcpu_host_irq_fn fn, void *ctx);
unsigned pcpu_id(const struct pcpu *p);
struct lapic *pcpu_lapic(const struct pcpu *p);
const struct sim_clock *pcpu_clock(const struct pcpu *p);
const struct pcpu_time *pcpu_time(const struct pcpu *p);
struct vcpu *pcpu_current_vcpu(const struct pcpu *p);
/* The pCPU the calling actor runs on (set with pcpu_bind). */
struct pcpu *pcpu_self(void);
/* Make the calling actor this pCPU's thread. */
void pcpu_bind(struct pcpu *p);
/* The pCPU's wake-up: a physical interrupt arrived (the LAPIC's notify hook). */
void pcpu_kick(struct pcpu *p);

/* Host code: charge time (accumulated, slept at the next sync), and sync. */
void pcpu_charge_ps(struct pcpu *p, uint64_t ps);
void pcpu_charge_cycles(struct pcpu *p, uint64_t cycles);
/* Count time that has already passed on this pCPU as host work (a spin-wait). */
void pcpu_account_host(struct pcpu *p, uint64_t ps);
/* Sleep off the charged time; returns the (new) current time. */
uint64_t pcpu_sync(struct pcpu *p);
/* The time the host code has reached (now + charged, not yet slept). */
uint64_t pcpu_now(const struct pcpu *p);
/* Service pending physical interrupts in host mode (ack, dispatch to the host IDT). */
void pcpu_service_irqs(struct pcpu *p);
/* Halt in the host until a physical interrupt arrives (or a kick), then service it. */
void pcpu_idle(struct pcpu *p);
/* The same, giving up at deadline_ps. */
void pcpu_idle_until(struct pcpu *p, uint64_t deadline_ps);
/* Spin (busy: host time) until an interrupt or deadline_ps, then service interrupts. */
void pcpu_poll_until(struct pcpu *p, uint64_t deadline_ps);
/* The LAPIC timer in TSC-deadline mode (SDM vol. 3A §10.5.4.1): at deadline_ps the LAPIC
 * raises `vector` (0: disarm). What IA32_TSC_DEADLINE does, kept with the pCPU because its
 * waits are what the timer cuts short. */
void pcpu_timer_arm(struct pcpu *p, uint64_t deadline_ps, uint8_t vector);
uint64_t pcpu_timer_fires(const struct pcpu *p);

/* Threads sharing a pCPU (the host scheduler's mechanism; the policy is the host's). Each
 * vCPU's actor is a thread of the pCPU it is pinned to; only the current thread runs. */
struct pcpu_thread;
int pcpu_thread_create(struct pcpu *p, struct vcpu *v, struct pcpu_thread **out);
void pcpu_thread_destroy(struct pcpu_thread *t);
/* Make t the pCPU's current thread without a switch (the first one to run) and let it go:
 * its pcpu_thread_wait returns (at once, if it has not started waiting yet). */
void pcpu_thread_resume(struct pcpu *p, struct pcpu_thread *t);
struct pcpu_thread *pcpu_current_thread(const struct pcpu *p);
/* The calling thread waits until some thread switches to it. */
void pcpu_thread_wait(struct pcpu_thread *t, const char *why);
/* The current thread gives the pCPU to next and waits until it is switched back to. */
void pcpu_switch_to(struct pcpu *p, struct pcpu_thread *next, const char *why);

/* Trace: the interrupt flow that last reached this pCPU's LAPIC (0: none), taken once. */
void pcpu_note_flow(struct pcpu *p, uint64_t flow);
uint64_t pcpu_take_flow(struct pcpu *p);
/* A trace track for this pCPU (0 when tracing is off). */
int pcpu_track(const struct pcpu *p);
void pcpu_set_track(struct pcpu *p, int track);

#endif
