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
	uint64_t dmar_base[8];             /* DRHD register bases firmware reports */
	unsigned ndmar;
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

struct host_cfg {
	struct host_costs costs;
};

typedef void (*host_irq_handler)(void *ctx, struct pcpu *p, uint8_t vector);

int host_create(const struct host_cfg *cfg, const struct host_machine *m, struct host **out);
void host_destroy(struct host *h);
const struct host_machine *host_machine(const struct host *h);
const struct host_costs *host_costs(const struct host *h);

/* ---- HAL: registers and config space ---- */

uint32_t hh_readl(struct host *h, uint64_t pa);
uint64_t hh_readq(struct host *h, uint64_t pa);
void hh_writel(struct host *h, uint64_t pa, uint32_t v);
void hh_writeq(struct host *h, uint64_t pa, uint64_t v);
/* Config space through ECAM: bdf = bus << 8 | devfn. */
uint32_t hh_cfg_read(struct host *h, uint16_t bdf, uint32_t off, unsigned size);
void hh_cfg_write(struct host *h, uint16_t bdf, uint32_t off, unsigned size, uint32_t v);

/* ---- HAL: memory ---- */

uint64_t hh_mem_read64(struct host *h, uint64_t pa);
uint32_t hh_mem_read32(struct host *h, uint64_t pa);
void hh_mem_write64(struct host *h, uint64_t pa, uint64_t v);
void hh_mem_write32(struct host *h, uint64_t pa, uint32_t v);
/* Spin until the 32-bit word at pa equals want, or timeout; true if it did. The CPU is busy
 * all along (host time). */
bool hh_spin_mem32(struct host *h, uint64_t pa, uint32_t want, uint64_t timeout_ns);
/* Physically contiguous, zeroed pages owned by `owner` (MEM_OWNER_*). */
int hh_alloc_pages(struct host *h, uint64_t npages, unsigned owner, uint64_t *pa);
/* The same, starting at a multiple of `align` bytes (a power of two >= 4 KiB). */
int hh_alloc_pages_aligned(struct host *h, uint64_t npages, uint64_t align, unsigned owner,
			   uint64_t *pa);
void hh_free_pages(struct host *h, uint64_t pa, uint64_t npages);
uint64_t hh_free_page_count(const struct host *h);

/* ---- HAL: time and CPU ---- */

/* The calling pCPU's time (what it has reached, including unsynced work). */
uint64_t hh_now(struct host *h);
void hh_udelay(struct host *h, uint64_t us);
void hh_ndelay(struct host *h, uint64_t ns);
/* Charge host CPU work. */
void hh_cpu_work(struct host *h, uint64_t cycles);
struct pcpu *hh_this_cpu(struct host *h);
unsigned hh_cpu_apic_id(struct host *h, unsigned cpu);

/* ---- interrupts ---- */

/* A vector on pCPU `cpu` for handler; the dispatcher EOIs after it returns. */
int host_irq_alloc(struct host *h, unsigned cpu, host_irq_handler fn, void *ctx,
		   uint8_t *vector);
void host_irq_free(struct host *h, unsigned cpu, uint8_t vector);
/* Send an IPI from the calling pCPU to pCPU `cpu` (x2APIC ICR write). */
void hh_send_ipi(struct host *h, unsigned cpu, uint8_t vector);
/* The host's interrupt dispatcher (installed on every pCPU). */
void host_dispatch_irq(void *ctx, struct pcpu *p, uint8_t vector);

struct host_stats {
	uint64_t irqs, spurious_irqs, mmio_reads, mmio_writes, cfg_reads, cfg_writes;
	uint64_t pages_allocated, pages_in_use, pages_in_use_peak;
	uint64_t spins, spin_ps;
};
const struct host_stats *host_stats(const struct host *h);

/* Logging for host software: kept for the trace and the log, never printed in a run. */
void host_log(struct host *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
