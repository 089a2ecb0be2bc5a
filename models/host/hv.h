/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor (in the manner of KVM with a user-space VMM): VMs with guest RAM backed by
 * host pages and mapped by EPT, vCPU threads pinned to pCPUs, VM-exit handlers, an emulated
 * local APIC per vCPU, interrupt injection, a virtual PCI bus whose config space and MSI-X
 * tables trap, and the virtual firmware that hands the guest its boot parameters.
 */
#ifndef PTSIM_HV_H
#define PTSIM_HV_H

#include <stdbool.h>
#include <stdint.h>

#include "models/cpu/vmx.h"

struct cfg_schema;
struct host;
struct hv;
struct vm;

enum hv_irq_mode {
	HV_IRQ_EMULATED,        /* emulated LAPIC: external-interrupt exit, injection, EOI exit */
	HV_IRQ_EOI_PASSTHROUGH, /* x2APIC EOI not intercepted */
	HV_IRQ_ELI,             /* exitless: shadow IDT, direct EOI */
	HV_IRQ_CPU_POSTED,      /* APICv with CPU-posted interrupts */
	HV_IRQ_VTD_POSTED,      /* VT-d posted interrupts */
};
extern const char *const hv_irq_mode_names[]; /* their YAML names, in order (hv_cfg.c) */

/* Handler work per exit, in cycles, beyond the hardware exit and entry. */
struct hv_costs {
	uint64_t ext_int;       /* KVM's external-interrupt exit path */
	uint64_t intr_window;
	uint64_t hlt;           /* HLT exit handling, before blocking */
	uint64_t wakeup;        /* waking and rescheduling a blocked vCPU thread */
	uint64_t apic_msr;      /* an emulated x2APIC register access (in-kernel LAPIC) */
	uint64_t inject;        /* preparing an event injection */
	uint64_t irqfd;         /* host MSI handler to guest interrupt (vfio -> irqfd -> LAPIC) */
	uint64_t user_exit;     /* an exit served by the user-space VMM (config space, PIO) */
	uint64_t kernel_mmio;   /* an MMIO exit served in the kernel */
	uint64_t vmcall;
	uint64_t apic_access;   /* an xAPIC access exit: decode and emulate */
	uint64_t apic_write;    /* APICv: a trap-like APIC-write exit */
	uint64_t eoi_induced;   /* APICv: an EOI-induced exit */
	uint64_t exception;     /* ELI: a #NP exit for a vector not in the shadow IDT */
	uint64_t pi_wakeup;     /* the posted-interrupt wakeup handler */
	uint64_t post;          /* posting an interrupt into a descriptor from software */
	uint64_t pv_iommu_req;	/* a paravirtual IOMMU request: decode, check, look up */
	uint64_t pin_page;	/* pinning one guest page for DMA */
	uint64_t unpin_page;	/* unpinning it */
	uint64_t viommu_desc;	/* a vIOMMU invalidation descriptor: fetch, decode, dispatch */
};
/* The knobs of hv_costs (hypervisor.*): hv_cfg.c. */
extern const struct cfg_schema hv_costs_schema;

struct host_sched;
struct host_thread;

struct hv_cfg {
	struct hv_costs costs;
	struct host_sched *sched; /* runs the vCPU threads (models/host/sched.h) */
};

/* A guest-physical range whose accesses trap to a handler (read returns the value). */
struct hv_trap_ops {
	uint64_t (*read)(void *ctx, uint64_t off, unsigned size);
	void (*write)(void *ctx, uint64_t off, unsigned size, uint64_t val);
	bool user; /* served by the user-space VMM (costs a user-space round trip) */
};

/* A function on the VM's virtual PCI bus (bus 0). */
struct hv_vpci_ops {
	uint32_t (*cfg_read)(void *ctx, uint32_t off, unsigned size);
	void (*cfg_write)(void *ctx, uint32_t off, unsigned size, uint32_t val);
};

/* A VM. Its knobs (vcpus, memory, interrupt mode, host vector pCPU, halt polling) are declared
 * in hv_cfg.c; id, name, pinning and the guest's entry are its creator's. */
struct vm_cfg {
	unsigned id;
	char name[32];
	unsigned nvcpus;
	const unsigned *pcpu; /* pinning: vCPU i runs on pCPU pcpu[i] (nvcpus of them) */
	uint64_t ram_bytes;
	enum hv_irq_mode irq_mode;
	int host_irq_pcpu;  /* pCPU that takes assigned devices' host vectors; -1: the vCPU's */
	uint64_t halt_poll_ps; /* KVM halt polling window before a halted vCPU blocks */
	/* The guest kernel's entry, run on each vCPU in guest mode. */
	void (*guest_entry)(void *ctx, struct vcpu *v);
	void *guest_ctx;
};
extern const struct cfg_schema vm_cfg_schema;

struct vm_stats {
	uint64_t injections, msi_injected, ipis_sent, wakeups, unhandled_mmio, unhandled_io;
	uint64_t cfg_reads, cfg_writes, apic_msr_accesses, apic_accesses, eois;
	uint64_t halts, halted_ps, polls_won; /* halts that polling caught in time */
	uint64_t posted, notifications_sent, pi_wakeups, reflected;
	uint64_t pi_sn_sets, pi_on_at_resume; /* preempted: SN set; resumed with PIR pending */
};
/* Its metric table (sim/metrics.h). */
struct metric_table;
extern const struct metric_table vm_metrics;

int hv_create(struct host *h, const struct hv_cfg *cfg, struct hv **out);
void hv_destroy(struct hv *hv);
struct host *hv_host(const struct hv *hv);
const struct hv_costs *hv_costs(const struct hv *hv);

int hv_vm_create(struct hv *hv, const struct vm_cfg *cfg, struct vm **out);
/* Start one thread (actor) per vCPU. */
int hv_vm_start(struct vm *vm);

const struct vm_cfg *vm_config(const struct vm *vm);
struct hv *vm_hv(const struct vm *vm);
struct vcpu *vm_vcpu(const struct vm *vm, unsigned i);
unsigned vm_nvcpus(const struct vm *vm);
/* The host thread that runs vCPU i (its scheduler statistics: host_thread_stats). */
const struct host_thread *vm_vcpu_thread(const struct vm *vm, unsigned i);
const struct vm_stats *vm_stats(const struct vm *vm);
/* Guest RAM: its host-physical base (one contiguous allocation) and size. */
uint64_t vm_ram_hpa(const struct vm *vm);
uint64_t vm_ram_bytes(const struct vm *vm);
/* Walk the guest RAM ranges: GPA, HPA, size. Returns the number of ranges. */
unsigned vm_ram_ranges(const struct vm *vm, uint64_t *gpa, uint64_t *hpa, uint64_t *size,
		       unsigned max);
struct ept *vm_ept(const struct vm *vm);
/* Allocate guest-physical MMIO space for a BAR (naturally aligned). */
int vm_alloc_mmio(struct vm *vm, uint64_t size, uint64_t *gpa);

int vm_add_trap(struct vm *vm, uint64_t gpa, uint64_t size, const struct hv_trap_ops *ops,
		void *ctx);
void vm_del_trap(struct vm *vm, uint64_t gpa);
int vm_add_vpci(struct vm *vm, uint8_t devfn, const struct hv_vpci_ops *ops, void *ctx);

/* A hypercall of the VM's guest (VMCALL with RAX = nr, RBX and RCX in args): fn runs in the
 * exit handler on the vCPU's pCPU, after the hypervisor's vmcall_cycles, and returns what
 * RAX gets. Unregistered numbers return -KVM_ENOSYS, as KVM's do. One handler per VM. */
typedef uint64_t (*hv_hypercall_fn)(void *ctx, uint64_t nr, const uint64_t args[2]);
int vm_set_hypercall(struct vm *vm, uint64_t nr, hv_hypercall_fn fn, void *ctx);
/* Write 64-bit word `word` of the guest's boot parameters (models/abi/bootparam.h), before the
 * guest starts: what the virtual firmware tells it. */
void vm_bootparam_write(struct vm *vm, unsigned word, uint64_t val);
/* The host-physical address of guest-physical gpa if it is guest RAM (false otherwise). */
bool vm_gpa_to_hpa(const struct vm *vm, uint64_t gpa, uint64_t *hpa);

/* Deliver a guest MSI (guest address/data) to the VM: the in-kernel irqfd path, by the VM's
 * interrupt mode (inject into the emulated LAPIC, or post into the vCPU's descriptor). */
void vm_inject_msi(struct vm *vm, uint64_t addr, uint32_t data);
/* An assigned device's host vector fired on pCPU p (from vfio's handler): deliver the guest
 * MSI it stands for, by the VM's interrupt mode. */
void vm_assigned_irq(struct vm *vm, struct pcpu *p, uint8_t host_vector, uint64_t guest_addr,
		     uint32_t guest_data);
/* The pCPU a guest MSI destination (guest APIC ID) runs on. */
unsigned vm_dest_pcpu(const struct vm *vm, uint64_t msi_addr);
/* The pCPU whose LAPIC takes an assigned device's host vector for this guest MSI. */
unsigned vm_host_irq_pcpu(const struct vm *vm, uint64_t msi_addr);
/* ELI: route a host vector straight to a guest vector through the vCPU's shadow IDT. */
void vm_shadow_idt_map(struct vm *vm, uint64_t msi_addr, uint8_t host_vector,
		       uint8_t guest_vector);
/* Posted modes: the host-physical address of the destination vCPU's descriptor. */
uint64_t vm_pi_desc(const struct vm *vm, uint64_t msi_addr);
enum hv_irq_mode vm_irq_mode(const struct vm *vm);
/* The VM's I/O APIC: raise or drop a GSI (an assigned device's INTx, as irqfd does), and be
 * told when the guest EOIs the level-triggered vector of a GSI (KVM's ack notifier). */
void vm_set_gsi(struct vm *vm, unsigned gsi, bool asserted);
int vm_add_gsi_ack(struct vm *vm, unsigned gsi, void (*fn)(void *ctx), void *ctx);
/* The GSI the VM's virtual firmware routes a guest slot's INTA-D to (its _PRT). */
unsigned vm_guest_gsi(unsigned guest_slot, unsigned pin);

#endif
