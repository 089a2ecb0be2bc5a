/* SPDX-License-Identifier: MIT */
/* Inside the hypervisor (hv.c, hv_irq.c) only. */
#ifndef PTSIM_HV_INTERNAL_H
#define PTSIM_HV_INTERNAL_H

#include "models/host/hv.h"
#include "models/host/sched.h"
#include "models/host/host.h"

#include <stdbool.h>
#include <stdint.h>

struct lapic;
struct sim_event;

#define PAGE 4096ull
#define KVM_ENOSYS 1000

struct hv_vcpu {
	struct vm *vm;
	struct vcpu *v;
	struct lapic *vlapic; /* the emulated LAPIC, or APICv's virtual-APIC page */
	struct pcpu *p;
	bool x2apic;
	bool halted;
	bool pi_blocked;      /* VT-d posting: on its pCPU's wakeup list, NV = wakeup vector */
	uint64_t pi_desc;     /* posted modes: its posted-interrupt descriptor (host-physical) */
	uint32_t reflect[8];  /* ELI: host vectors to re-raise at the next entry */
	uint8_t pt_gvec[256]; /* EOI pass-through: guest vector of a host vector left in service */
	struct sim_event *never; /* a vCPU whose guest returned waits here */
	struct host_thread *thread; /* its thread in the host scheduler */
};

#define VIOAPIC_PINS 24

struct vioapic {
	uint32_t regsel;
	uint64_t rte[VIOAPIC_PINS];
	bool level[VIOAPIC_PINS];
	void (*ack[VIOAPIC_PINS])(void *ctx);
	void *ack_ctx[VIOAPIC_PINS];
	uint64_t fired, eois;
};

struct trap {
	uint64_t gpa, size;
	const struct hv_trap_ops *ops;
	void *ctx;
};

struct vpci_slot {
	const struct hv_vpci_ops *ops;
	void *ctx;
};

struct vm {
	struct hv *hv;
	struct vm_cfg cfg;
	uint64_t ram_hpa;
	unsigned nranges;
	uint64_t rgpa[2], rhpa[2], rsize[2];
	struct ept *ept;
	struct hv_vcpu *vc;   /* cfg.nvcpus of them */
	unsigned *pinning;    /* the pCPU of each (cfg.pcpu points here) */
	struct trap *traps; /* trapped MMIO ranges: the VM's own and each assigned function's */
	unsigned ntraps, traps_cap;
	struct vpci_slot vpci[256];
	uint64_t mmio_next;
	uint32_t cf8; /* config mechanism #1 address latch */
	struct vioapic vioapic;
	uint64_t hc_nr; /* the hypercall a back-end serves (vm_set_hypercall) */
	hv_hypercall_fn hc_fn;
	void *hc_ctx;
	struct vm_stats st;
};

struct hv {
	struct host *h;
	struct hv_cfg cfg;
	struct vm **vms;
	unsigned nvms;
	uint64_t pid_page;   /* posted-interrupt descriptors, 64 per page */
	unsigned pid_used;
	uint64_t *pid_pages; /* every such page, given back at destroy */
	unsigned npid_pages;
};


static inline void hv__charge(struct vm *vm, uint64_t cycles)
{
	host_cpu_work(vm->hv->h, cycles);
}

/* hv_irq.c */
int hv__irq_init(struct hv *hv);
void hv__irq_exit(struct hv *hv);
int hv__vcpu_irq_setup(struct vm *vm, struct hv_vcpu *hc);
bool hv__runnable(void *ctx);
void hv__pre_entry(struct hv_vcpu *hc);
void hv__pre_block(struct hv_vcpu *hc);
void hv__sched_out(void *ctx, bool preempted);
void hv__sched_in(void *ctx);
void hv__post_block(struct hv_vcpu *hc);
void hv__deliver(struct vm *vm, struct hv_vcpu *hc, uint8_t vector, bool level);
void hv__apic_write(struct vm *vm, struct hv_vcpu *hc, uint32_t off, uint64_t val);
struct hv_vcpu *hv__vcpu_by_apic(struct vm *vm, uint32_t apic_id);

/* vioapic.c */
int hv__vioapic_init(struct vm *vm);
void hv__vioapic_eoi(void *ctx, uint8_t vector);

#endif
