/* SPDX-License-Identifier: MIT */
/*
 * The VT-d driver's hardware-abstraction layer: everything the driver (intel_iommu*.c, qi.c,
 * irq_remapping.c) and the DMAR parser (dmar.c) need of the kernel they run in, as one ops
 * table the caller hands over at init. The same driver code runs in the host kernel (its
 * implementation over host_*, models/host/host_iommu.c) and in a guest kernel that sees an
 * emulated VT-d unit (over its instruction set and allocator, models/guest/kernel/iommu.c),
 * as Linux's drivers/iommu/intel/ runs on bare metal and in a VM.
 *
 * Addresses are the kernel's physical addresses: host-physical in the host, guest-physical
 * in a guest. Every call takes the calling CPU's time as the kernel's own accessors do.
 */
#ifndef PTSIM_IOMMU_HAL_H
#define PTSIM_IOMMU_HAL_H

#include <stdbool.h>
#include <stdint.h>

/* The fault-event interrupt's handler (runs in the kernel's interrupt context). */
typedef void (*iommu_irq_fn)(void *arg);

struct iommu_hal_ops {
	/* The unit's registers (uncached MMIO: readl/readq/writel/writeq). */
	uint32_t (*readl)(void *ctx, uint64_t pa);
	uint64_t (*readq)(void *ctx, uint64_t pa);
	void (*writel)(void *ctx, uint64_t pa, uint32_t v);
	void (*writeq)(void *ctx, uint64_t pa, uint64_t v);
	/* PCI config space of bdf (bus << 8 | devfn): ATS, bridges a DMAR scope names. */
	uint32_t (*cfg_read)(void *ctx, uint16_t bdf, uint32_t off, unsigned size);
	void (*cfg_write)(void *ctx, uint16_t bdf, uint32_t off, unsigned size, uint32_t v);
	/* The driver's tables and the firmware's ACPI tables in memory. */
	uint64_t (*mem_read64)(void *ctx, uint64_t pa);
	uint32_t (*mem_read32)(void *ctx, uint64_t pa);
	void (*mem_write64)(void *ctx, uint64_t pa, uint64_t v);
	/* Spin until the 32-bit word at pa equals want, or timeout_ns passed; true if it did. */
	bool (*spin_mem32)(void *ctx, uint64_t pa, uint32_t want, uint64_t timeout_ns);
	/* Physically contiguous, zeroed pages for the unit's structures, and their release. */
	int (*alloc_pages)(void *ctx, uint64_t npages, uint64_t *pa);
	void (*free_pages)(void *ctx, uint64_t pa, uint64_t npages);
	/* The calling CPU's time in picoseconds; a delay; the pause between two polls of a
	 * status register (Linux's cpu_relax in IOMMU_WAIT_OP). */
	uint64_t (*now_ps)(void *ctx);
	void (*ndelay)(void *ctx, uint64_t ns);
	void (*relax)(void *ctx);
	/* A vector on CPU `cpu` whose interrupt runs fn(arg); *apic_id is that CPU's APIC ID, the
	 * fault event's destination. *cookie names it to irq_free. */
	int (*irq_alloc)(void *ctx, unsigned cpu, iommu_irq_fn fn, void *arg, uint8_t *vector,
			 uint32_t *apic_id, void **cookie);
	void (*irq_free)(void *ctx, void *cookie);
	/* A line for the kernel's log. */
	void (*log)(void *ctx, const char *msg);
};

/* An implementation and the kernel it runs in; the driver keeps a copy. */
struct iommu_hal {
	const struct iommu_hal_ops *ops;
	void *ctx;
};

#endif
