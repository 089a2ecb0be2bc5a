/* SPDX-License-Identifier: MIT */
/*
 * VMX as the hypervisor sees it (Intel SDM vol. 3C ch. 24-29): exit reasons (vol. 3D
 * appendix C), creating and launching vCPUs on pCPUs, VMCS controls, what an exit reports,
 * injection, EPT (mapped and trapped ranges), and the vCPU's stats. Host software includes
 * this; the guest kernel includes guest_isa.h, the instructions guest code executes.
 */
#ifndef PTSIM_VMX_H
#define PTSIM_VMX_H

#include <stdbool.h>
#include <stdint.h>

#include "models/cpu/cpu.h"

struct ept;
struct lapic;
struct mem;
struct pcie_fabric;
struct pcpu;
struct vcpu;

/* ---- VMX basic exit reasons (SDM vol. 3D appendix C) ---- */

#define EXIT_REASON_EXCEPTION_NMI       0
#define EXIT_REASON_EXTERNAL_INTERRUPT  1
#define EXIT_REASON_INTERRUPT_WINDOW    7
#define EXIT_REASON_CPUID               10
#define EXIT_REASON_HLT                 12
#define EXIT_REASON_VMCALL              18
#define EXIT_REASON_IO_INSTRUCTION      30
#define EXIT_REASON_MSR_READ            31
#define EXIT_REASON_MSR_WRITE           32
#define EXIT_REASON_TPR_BELOW_THRESHOLD 43
#define EXIT_REASON_APIC_ACCESS         44
#define EXIT_REASON_EOI_INDUCED         45
#define EXIT_REASON_EPT_VIOLATION       48
#define EXIT_REASON_EPT_MISCONFIG       49
#define EXIT_REASON_APIC_WRITE          56
#define EXIT_REASON_MAX                 64

/* The result-key name of an exit reason ("external_interrupt"), or NULL if unnamed. */
const char *vmx_exit_name(unsigned reason);

/* The result-key name of an exit reason ("external_interrupt"), or NULL if unnamed. */
const char *vmx_exit_name(unsigned reason);

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

/* ---- vCPU: creating, controlling and running it ---- */

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

/* A vCPU; what its transitions cost is its pCPU's (pcpu_cfg.vmx). */
struct vcpu_cfg {
	unsigned id;
	char name[32];
	/* VMX off: the code runs on the pCPU itself (bare metal). Nothing exits: memory and
	 * MMIO are host-physical (no EPT), physical interrupts go through its IDT by their own
	 * vector when IF is set, HLT halts the pCPU, the x2APIC MSRs are the physical LAPIC's,
	 * and the APIC ID it reports is the pCPU's. No hypervisor is set. */
	bool bare;
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
	/* Its pCPU's time on its behalf: guest mode, exit and entry transitions, host code while
	 * it was the pCPU's current vCPU (exit handlers, host interrupts, halt polling). The
	 * pCPU's own counters hold the same time; these say whose it was when VMs share pCPUs. */
	uint64_t guest_ps, exit_ps, host_ps;
};

int vcpu_create(const struct vcpu_cfg *cfg, struct mem *mem, struct pcie_fabric *fab,
		struct vcpu **out);
void vcpu_destroy(struct vcpu *v);
void vcpu_set_hv(struct vcpu *v, const struct vcpu_hv_ops *ops, void *ctx);
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
/* Opaque pointer for the hypervisor (its per-vCPU state). */
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

/* ---- what the hypervisor does with a vCPU (host mode, inside its exit handler) ---- */

/* Halt polling: spin in the host for up to poll_ps (the pCPU stays busy, servicing host
 * interrupts) until `runnable(ctx)`. True if it became runnable. */
bool vcpu_poll(struct vcpu *v, bool (*runnable)(void *ctx), void *ctx, uint64_t poll_ps);
/* Block the vCPU's thread in the host until `runnable(ctx)` is true, servicing host
 * interrupts meanwhile (the pCPU idles). */
void vcpu_block(struct vcpu *v, bool (*runnable)(void *ctx), void *ctx);

#endif
