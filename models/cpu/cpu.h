/* SPDX-License-Identifier: MIT */
/*
 * Physical CPUs and the VMX virtual CPUs that run on them.
 *
 * A pCPU is an actor's execution context: it runs host code (charged to it in picoseconds)
 * or, with a vCPU loaded, guest code in VMX non-root mode. Guest code runs as ordinary C calls
 * through the vCPU's instruction-level entry points (compute, MMIO, port I/O, MSRs, HLT,
 * VMCALL); whatever the VMCS controls say traps becomes a VM exit: the exit's hardware cost,
 * the hypervisor's handler (a callback, like the VMCS host RIP), and a VM entry that may
 * inject an event and run the guest's handler for it.
 */
#ifndef PTSIM_CPU_H
#define PTSIM_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include "models/cpu/vmx.h"
#include "sim/simtime.h"

struct lapic;
struct mem;
struct pcie_fabric;
struct pcpu;
struct vcpu;
struct ept;

/* ---- pCPU ---- */

struct pcpu_cfg {
	unsigned id;
	uint32_t apic_id;
	struct sim_clock clock;
};

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

/* ---- EPT: guest-physical to host-physical, with ranges that trap ---- */

#define EPT_R 1u
#define EPT_W 2u
/* A misconfigured entry (reserved bits set on purpose, as KVM does to cache emulated MMIO):
 * any access exits with an EPT misconfiguration instead of a violation (SDM §28.2.3.1). */
#define EPT_MISCONFIG 4u

int ept_create(struct ept **out);
void ept_destroy(struct ept *e);
/* Map [gpa, gpa+size) to hpa with rights; overlapping older maps are replaced. */
int ept_map(struct ept *e, uint64_t gpa, uint64_t size, uint64_t hpa, unsigned rights);
/* Remove any mapping in [gpa, gpa+size): accesses there exit with an EPT violation. */
int ept_unmap(struct ept *e, uint64_t gpa, uint64_t size);
/* Translate; false if unmapped or the access lacks rights. */
bool ept_translate(const struct ept *e, uint64_t gpa, bool write, uint64_t *hpa);
/* Whether gpa falls in a misconfigured entry. */
bool ept_misconfigured(const struct ept *e, uint64_t gpa);

/* ---- vCPU ---- */

struct vmx_exit {
	uint32_t reason;
	bool irq; /* the exit is part of an interrupt's delivery or completion */
	uint64_t qual;
	uint64_t gpa;   /* EPT violation */
	unsigned size;  /* access size */
	bool write;
	uint64_t data;  /* value written, or the handler's result for a read */
	uint32_t msr;
	uint16_t port;
	uint8_t vector; /* external interrupt: acknowledged on exit */
	uint64_t nr;    /* VMCALL number (RAX) */
	uint64_t args[4];
};

/* VMCS controls the hypervisor sets (Intel SDM vol. 3C ch. 24-25, 29). */
struct vmx_controls {
	bool ext_int_exiting;     /* pin-based: physical interrupts exit */
	bool hlt_exiting;
	bool intr_window_exiting; /* exit as soon as the guest can take an interrupt */
	bool msr_trap_x2apic;     /* MSR bitmap: x2APIC MSRs (0x800-0x8ff) exit */
	bool msr_trap_eoi;        /* ... including the EOI MSR */
	bool apic_access;         /* virtualize APIC accesses: the xAPIC page traps (§29.4) */
	/* APICv (§29) */
	bool apic_reg_virt;       /* APIC-register virtualization, x2APIC mode virtualization */
	bool virt_intr_delivery;  /* virtual-interrupt delivery from the virtual-APIC page */
	uint32_t eoi_exit_bitmap[8]; /* vectors whose virtualized EOI exits (§29.1.2) */
	bool posted_intr;         /* process posted interrupts (§29.6) */
	uint8_t pi_nv;            /* their notification vector */
	uint64_t pi_desc;         /* host-physical address of the posted-interrupt descriptor */
	/* ELI-style exitless delivery: with external-interrupt exiting off, physical interrupts
	 * go through a shadow IDT: vectors mapped to a guest vector are delivered to the guest,
	 * the rest are not present and exit as #NP (Gordon et al., ASPLOS'12). */
	bool shadow_idt;
	int16_t shadow_idt_map[256]; /* physical vector -> guest vector, -1 not present */
};

/* The hypervisor's side of the vCPU: the VM-exit handler and the pre-entry hook. */
struct vcpu_hv_ops {
	void (*handle_exit)(void *ctx, struct vcpu *v, struct vmx_exit *e);
	/* Before every VM entry (after host interrupts are serviced): inject or request a
	 * window, the way KVM's inject_pending_event does. */
	void (*pre_entry)(void *ctx, struct vcpu *v);
};

/* The guest's interrupt descriptor table: the handler the CPU runs for a vector. */
typedef void (*vcpu_guest_idt_fn)(void *ctx, uint8_t vector);

struct vcpu_cfg {
	unsigned id;
	char name[32];
	uint64_t exit_cycles;  /* hardware VM exit */
	uint64_t entry_cycles; /* hardware VM entry */
	uint64_t mmio_issue_cycles; /* CPU cost to issue an uncached store */
};

struct vcpu_stats {
	uint64_t exits[EXIT_REASON_MAX + 1];
	uint64_t exits_total;
	uint64_t exits_irq;        /* taken to deliver or complete an interrupt */
	uint64_t virtual_deliveries; /* APICv: virtual interrupts delivered without an exit */
	uint64_t posted_processed;   /* notification vectors processed in guest mode */
	uint64_t shadow_deliveries;  /* ELI: physical interrupts delivered straight to the guest */
	uint64_t eoi_virtualized;
	uint64_t injections;
	uint64_t guest_interrupts; /* vectors delivered to the guest's IDT */
	uint64_t mmio_reads, mmio_writes, mmio_read_ps;
	uint64_t hlts;
};

int vcpu_create(const struct vcpu_cfg *cfg, struct mem *mem, struct pcie_fabric *fab,
		struct vcpu **out);
void vcpu_destroy(struct vcpu *v);
void vcpu_set_hv(struct vcpu *v, const struct vcpu_hv_ops *ops, void *ctx);
void vcpu_set_guest_idt(struct vcpu *v, vcpu_guest_idt_fn fn, void *ctx);
/* The virtual-APIC page APICv works on (shared with the hypervisor's APIC emulation). */
void vcpu_set_vapic(struct vcpu *v, struct lapic *vapic);
struct vmx_controls *vcpu_controls(struct vcpu *v);
struct ept *vcpu_ept(struct vcpu *v);
void vcpu_set_ept(struct vcpu *v, struct ept *e);
struct pcpu *vcpu_pcpu(const struct vcpu *v);
const char *vcpu_name(const struct vcpu *v);
unsigned vcpu_id(const struct vcpu *v);
const struct vcpu_stats *vcpu_stats(const struct vcpu *v);
/* Measurement: told of every VM exit (its reason) and every vector delivered to the guest
 * (reason VCPU_OBSERVE_DELIVERY, with the guest vector), in order, with the time. */
#define VCPU_OBSERVE_DELIVERY 0x100u
void vcpu_set_observer(struct vcpu *v, void (*fn)(void *ctx, unsigned what, unsigned arg,
						  uint64_t t_ps),
		       void *ctx);
/* Opaque pointer for the guest kernel (its per-CPU data) and for the hypervisor. */
void vcpu_set_guest_data(struct vcpu *v, void *data);
void *vcpu_guest_data(const struct vcpu *v);
void vcpu_set_hv_data(struct vcpu *v, void *data);
void *vcpu_hv_data(const struct vcpu *v);
/* The vCPU's trace track: its pCPU's spans go there while it is the pCPU's thread. */
void vcpu_set_track(struct vcpu *v, int track);
int vcpu_track(const struct vcpu *v);

/* Load the vCPU on a pCPU and enter the guest: from here the calling actor runs guest code.
 * Performs the first VM entry (pre-entry hook, injection). */
void vcpu_launch(struct vcpu *v, struct pcpu *p);
/* Ask for an event (interrupt) to be injected at the next VM entry. */
void vcpu_inject(struct vcpu *v, uint8_t vector);
/* Posted-interrupt processing: move PIR into the virtual-APIC page's IRR if ON is set
 * (hardware on a notification; KVM's sync_pir_to_irr before entry). True if anything moved. */
bool vcpu_pi_sync(struct vcpu *v);
bool vcpu_guest_if(const struct vcpu *v);
bool vcpu_in_guest(const struct vcpu *v);

/* ---- what guest code does (called by the guest HAL backend, in guest mode) ---- */

/* Run `cycles` of guest instructions; interrupts are taken as they arrive. */
void vcpu_compute(struct vcpu *v, uint64_t cycles);
uint64_t vcpu_mmio_read(struct vcpu *v, uint64_t gpa, unsigned size);
void vcpu_mmio_write(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t val);
uint32_t vcpu_pio_in(struct vcpu *v, uint16_t port, unsigned size);
void vcpu_pio_out(struct vcpu *v, uint16_t port, unsigned size, uint32_t val);
uint64_t vcpu_rdmsr(struct vcpu *v, uint32_t msr);
void vcpu_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val);
/* STI; HLT: halt until an interrupt (the usual idle). */
void vcpu_safe_halt(struct vcpu *v);
void vcpu_cli(struct vcpu *v);
void vcpu_sti(struct vcpu *v);
uint64_t vcpu_vmcall(struct vcpu *v, uint64_t nr, uint64_t a0, uint64_t a1);
/* A guest-physical RAM range as a host pointer (the CPU's cached access); NULL if not RAM. */
void *vcpu_gpa_ptr(struct vcpu *v, uint64_t gpa, uint64_t len);
/* Time-stamp counter in cycles. */
uint64_t vcpu_rdtsc(struct vcpu *v);

/* ---- what the hypervisor does with a vCPU (host mode, inside its exit handler) ---- */

/* Halt polling: spin in the host for up to poll_ps (the pCPU stays busy, servicing host
 * interrupts) until `runnable(ctx)`. True if it became runnable. */
bool vcpu_poll(struct vcpu *v, bool (*runnable)(void *ctx), void *ctx, uint64_t poll_ps);
/* Block the vCPU's thread in the host until `runnable(ctx)` is true, servicing host
 * interrupts meanwhile (the pCPU idles). */
void vcpu_block(struct vcpu *v, bool (*runnable)(void *ctx), void *ctx);

#endif
