/* SPDX-License-Identifier: MIT */
/*
 * The host kernel's core and its hardware-abstraction layer (HAL): the only way host software
 * (the VT-d driver, PCI enumeration, device assignment, the hypervisor) reaches hardware.
 * Everything goes through registers (MMIO), config space (ECAM), memory and interrupts, and
 * costs the calling pCPU time.
 */
#ifndef PTSIM_HOST_H
#define PTSIM_HOST_H

#include <stdbool.h>
#include <stdint.h>

struct cfg_schema;
struct host;
struct pcpu;
struct mem;
struct pcie_fabric;
struct apic_bus;

/* A reserved memory region firmware keeps using through a device (a DMAR RMRR structure, VT-d
 * §8.4): the device by its location path (the DMAR device scope's path of device/function). */
struct host_rmrr {
	uint64_t base, size;
	char path[128];
};

/* What the host can reach, and what firmware told it (ACPI MCFG, _CRS windows, _OSC, DMAR). */
struct host_machine {
	struct mem *mem;
	struct pcie_fabric *fab; /* used only as the target of CPU loads/stores (the bus) */
	struct pcpu **pcpus;
	unsigned npcpus;
	uint64_t ecam_base;
	unsigned ecam_buses;
	uint64_t mmio32_base, mmio32_size; /* PCI windows firmware reports */
	uint64_t mmio64_base, mmio64_size;
	uint64_t acpi_rsdp;                /* where firmware left the ACPI RSDP (0: no ACPI) */
	uint64_t ioapic_base;              /* MADT: the I/O APIC, its GSI base 0 */
	unsigned ioapic_pins;
	uint16_t ioapic_sid;               /* DMAR device scope: its source ID for remapping */
	uint8_t prt[32][4];                /* ACPI _PRT: root-bus device, INTA-D -> GSI */
	bool pcie_native_control;          /* _OSC granted the OS native PCIe control */
	const struct host_rmrr *rmrrs;     /* owned by the caller; lives as long as the host */
	unsigned nrmrrs;
};

/* Host software costs, in cycles of the pCPU running it. */
struct host_costs {
	uint64_t mem_access_cycles; /* a cached load or store to a kernel data structure */
	uint64_t irq_entry_cycles;  /* host interrupt entry and exit around a handler */
	uint64_t eoi_cycles;        /* EOI to the x2APIC (an MSR write) */
	uint64_t page_zero_cycles;  /* clearing a 4 KiB page */
	uint64_t poll_ns;           /* delay between polls of a status register */
};
/* The knobs of host_costs (host.*): host_cfg.c. */
extern const struct cfg_schema host_costs_schema;

/* The scheduler for vCPU threads that share a pCPU (see sched.h). */
struct host_sched_cfg {
	uint64_t slice_ps;      /* time slice when threads wait for the pCPU */
	bool wakeup_preempt;    /* a woken thread preempts the running one at once */
	uint64_t switch_cycles; /* a context switch (the scheduler and the switch itself) */
};
/* The knobs of host_sched_cfg (host.sched): host_cfg.c. */
extern const struct cfg_schema host_sched_cfg_schema;

struct host_cfg {
	struct host_costs costs;
	struct host_sched_cfg sched;
};

typedef void (*host_irq_handler)(void *ctx, struct pcpu *p, uint8_t vector);

int host_create(const struct host_cfg *cfg, const struct host_machine *m, struct host **out);
void host_destroy(struct host *h);
const struct host_machine *host_machine(const struct host *h);
const struct host_costs *host_costs(const struct host *h);

/* ---- HAL: registers and config space ---- */

uint32_t host_readl(struct host *h, uint64_t pa);
uint64_t host_readq(struct host *h, uint64_t pa);
void host_writel(struct host *h, uint64_t pa, uint32_t v);
void host_writeq(struct host *h, uint64_t pa, uint64_t v);
/* Config space through ECAM: bdf = bus << 8 | devfn. */
uint32_t host_cfg_read(struct host *h, uint16_t bdf, uint32_t off, unsigned size);
void host_cfg_write(struct host *h, uint16_t bdf, uint32_t off, unsigned size, uint32_t v);

/* ---- HAL: memory ---- */

uint64_t host_mem_read64(struct host *h, uint64_t pa);
uint32_t host_mem_read32(struct host *h, uint64_t pa);
void host_mem_write64(struct host *h, uint64_t pa, uint64_t v);
void host_mem_write32(struct host *h, uint64_t pa, uint32_t v);
/* Spin until the 32-bit word at pa equals want, or timeout; true if it did. The CPU is busy
 * all along (host time). */
bool host_spin_mem32(struct host *h, uint64_t pa, uint32_t want, uint64_t timeout_ns);
/* Physically contiguous, zeroed pages owned by `owner` (MEM_OWNER_*). */
int host_alloc_pages(struct host *h, uint64_t npages, unsigned owner, uint64_t *pa);
/* The same, starting at a multiple of `align` bytes (a power of two >= 4 KiB). */
int host_alloc_pages_aligned(struct host *h, uint64_t npages, uint64_t align, unsigned owner,
			   uint64_t *pa);
void host_free_pages(struct host *h, uint64_t pa, uint64_t npages);
uint64_t host_free_page_count(const struct host *h);

/* ---- HAL: time and CPU ---- */

/* The calling pCPU's time (what it has reached, including unsynced work). */
uint64_t host_now(struct host *h);
void host_udelay(struct host *h, uint64_t us);
void host_ndelay(struct host *h, uint64_t ns);
/* A guest's TSC value (the vCPUs' TSC runs at the pCPUs' clock, no offset) in ps. */
uint64_t host_tsc_to_ps(struct host *h, uint64_t tsc);
/* Charge host CPU work. */
void host_cpu_work(struct host *h, uint64_t cycles);
struct pcpu *host_this_cpu(struct host *h);
unsigned host_cpu_apic_id(struct host *h, unsigned cpu);

/* ---- interrupts ---- */

/* A vector on pCPU `cpu` for handler; the dispatcher EOIs after it returns. */
int host_irq_alloc(struct host *h, unsigned cpu, host_irq_handler fn, void *ctx,
		   uint8_t *vector);
void host_irq_free(struct host *h, unsigned cpu, uint8_t vector);
/* A system vector (Linux's arch/x86/include/asm/irq_vectors.h) on every pCPU. */
#define HOST_POSTED_INTR_VECTOR        0xf2
#define HOST_POSTED_INTR_WAKEUP_VECTOR 0xf1
#define HOST_RESCHEDULE_VECTOR         0xfd
#define HOST_LOCAL_TIMER_VECTOR        0xec
int host_irq_set_system(struct host *h, uint8_t vector, host_irq_handler fn, void *ctx);
/* Undo host_irq_set_system on every pCPU where ctx installed the vector. */
void host_irq_free_system(struct host *h, uint8_t vector, const void *ctx);
/* From inside a handler: leave the vector in service at the LAPIC (someone else -- the guest,
 * with EOI passed through -- will EOI it). */
void host_irq_defer_eoi(struct host *h);
/* This CPU's local APIC, for code that retires a vector left in service for a guest: the
 * highest vector in service (-1: none), read from the ISR registers, and an EOI. */
int host_apic_highest_isr(struct host *h);
void host_apic_eoi(struct host *h);
/* Send an IPI from the calling pCPU to pCPU `cpu` (x2APIC ICR write). */
void host_send_ipi(struct host *h, unsigned cpu, uint8_t vector);
/* The host's interrupt dispatcher (installed on every pCPU). */
void host_dispatch_irq(void *ctx, struct pcpu *p, uint8_t vector);

struct host_stats {
	uint64_t irqs, spurious_irqs, deferred_eois, mmio_reads, mmio_writes, cfg_reads, cfg_writes;
	uint64_t pages_allocated, pages_in_use, pages_in_use_peak;
	uint64_t spins, spin_ps;
};
const struct host_stats *host_stats(const struct host *h);

/* Logging for host software: kept for the trace and the log, never printed in a run. */
/* ---- HAL: threads, the CPU's timer, idling (what the scheduler's arch code does) ---- */

struct vcpu;
struct host_task;
/* A thread of pCPU cpu that runs vCPU v (NULL: a host thread). */
int host_task_create(struct host *h, unsigned cpu, struct vcpu *v, struct host_task **out);
void host_task_destroy(struct host_task *t);
/* Make t the CPU's running thread and let it go (no switch: the first thread of an idle
 * CPU); t's own host_task_wait returns at once. */
void host_task_set_current(struct host *h, unsigned cpu, struct host_task *t);
/* The calling thread waits to be switched to (or for host_task_set_current). */
void host_task_wait(struct host_task *t, const char *why);
/* switch_to: the calling (current) thread gives its CPU to next and waits to be switched
 * back to. */
void host_switch_to(struct host *h, struct host_task *next, const char *why);
/* This CPU's LAPIC timer (TSC-deadline mode), raising HOST_LOCAL_TIMER_VECTOR; 0 disarms.
 * The scheduler's slice: the vector's handler (host_irq_set_system) runs when it is due. */
void host_timer_arm(struct host *h, uint64_t deadline_ps);
/* A one-shot timer (Linux's hrtimer, reduced): started on the calling CPU, fn runs in that
 * CPU's LAPIC timer interrupt at or after `expires`, in host context (an exit when a vCPU
 * runs there). The CPU's timer serves the soonest of its hrtimers and the scheduler's slice. */
struct host_hrtimer {
	uint64_t expires;
	void (*fn)(struct host_hrtimer *t);
	int cpu; /* queued on this CPU; -1: not queued */
	struct host_hrtimer *next;
};
void host_hrtimer_init(struct host_hrtimer *t, void (*fn)(struct host_hrtimer *t));
void host_hrtimer_start(struct host *h, struct host_hrtimer *t, uint64_t expires_ps);
void host_hrtimer_cancel(struct host *h, struct host_hrtimer *t);
bool host_hrtimer_active(const struct host_hrtimer *t);
/* Halt this CPU until an interrupt (serviced before returning); spin until deadline_ps or an
 * interrupt (servicing it); kick a CPU out of either. */
void host_idle(struct host *h);
void host_poll_until(struct host *h, uint64_t deadline_ps);
void host_kick_cpu(struct host *h, unsigned cpu);
unsigned host_this_cpu_id(struct host *h);

/* A named step on this CPU's trace track (when tracing): what a teaching trace shows. */
void host_trace_step(struct host *h, const char *cat, const char *name, const char *args);
void host_log(struct host *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
