/* SPDX-License-Identifier: MIT */
/*
 * The boot ABI between host and guest software: what the hypervisor's virtual firmware tells
 * the guest kernel, written into guest memory at BOOTPARAM_GPA before the first instruction
 * (the role of Linux's boot_params/E820 and the ACPI MCFG and MADT), and the guest-physical
 * map both sides agree on. Little-endian 64-bit words.
 *
 * A contract, like Linux's uapi headers: the hypervisor (models/host) and the guest kernel
 * (models/guest/kernel) both include it, neither includes the other's headers, and it
 * includes nothing of ptsim.
 */
#ifndef PTSIM_ABI_BOOTPARAM_H
#define PTSIM_ABI_BOOTPARAM_H

#include <stddef.h>
#include <stdint.h>

#define BOOTPARAM_GPA   0x7000ull
#define BOOTPARAM_MAGIC 0x70747369ull /* "ptsi" */

/* The guest-physical map the virtual platform uses (a Q35-like layout). */
#define GUEST_LOW_RAM_TOP 0x80000000ull /* RAM below 4 GiB ends here */
#define GUEST_ECAM_BASE   0xb0000000ull /* 256 buses x 1 MiB */
#define GUEST_ECAM_SIZE   0x10000000ull
#define GUEST_MMIO_BASE   0xc0000000ull /* BARs of passed-through devices */
#define GUEST_MMIO_SIZE   0x20000000ull
#define GUEST_HIGH_RAM    0x100000000ull
#define GUEST_IOAPIC_BASE 0xfec00000ull
#define GUEST_VIOMMU_BASE 0xfed90000ull /* the vIOMMU's registers (QEMU's Q35 address) */
#define GUEST_ACPI_BASE	  0xe0000ull	/* the virtual firmware's ACPI tables (below 1 MiB) */

#define BP_MAX_RAM 4

struct bootparam {
	uint64_t magic;
	uint64_t nram;
	uint64_t ram_base[BP_MAX_RAM], ram_size[BP_MAX_RAM];
	uint64_t ecam_base, ecam_buses;
	uint64_t mmio_base, mmio_size;
	uint64_t ncpus;
	uint64_t reserved_top; /* guest RAM below this is the firmware's (boot params, etc.) */
	uint64_t ioapic_base;  /* MADT: the I/O APIC, GSI base 0 */
	/* The paravirtual IOMMU (pv_iommu.h): its PV_IOMMU_* flags (0: none), the most requests
	 * a hypercall may carry, the quota of pages in use a QUOTA_FAIL map may not exceed, and
	 * the IOVA window of IOVA_ALLOC. */
	uint64_t pv_iommu_flags, pv_iommu_batch, pv_iommu_quota;
	uint64_t pv_iommu_iova_base, pv_iommu_iova_size;
	/* ACPI: the RSDP of the firmware's tables (a DMAR table describing a vIOMMU), 0: none. */
	uint64_t acpi_rsdp;
	/* What firmware tells a kernel that owns the machine (bare metal; a VM's firmware leaves
	 * them 0 and virtualizes Interrupt Line instead): the I/O APIC's source ID for interrupt
	 * remapping (the DMAR's I/O APIC device scope, VT-d §8.3.1), and the root bus's _PRT
	 * (ACPI §6.2.13), the GSI of each root-bus device's INTx pins: bootparam_prt_gsi. */
	uint64_t ioapic_sid;
	uint64_t prt[16]; /* byte 4 * device + pin - 1 (pin 1..4 is INTA..INTD; 0: no route) */
};
/* The hypervisor writes it word by word and the guest reads it whole: no padding, 40 words. */
_Static_assert(sizeof(struct bootparam) == 40 * 8, "struct bootparam is 40 64-bit words");
#define BOOTPARAM_WORD(member) (offsetof(struct bootparam, member) / 8)

/* The _PRT's GSI for root-bus device `slot`'s pin 1..4 (0: none), and the word and byte of
 * prt that hold it. */
#define BOOTPARAM_PRT_BYTE(slot, pin) (4u * (unsigned)(slot) + (unsigned)(pin) - 1u)
static inline unsigned bootparam_prt_gsi(const struct bootparam *bp, unsigned slot, unsigned pin)
{
	unsigned i = BOOTPARAM_PRT_BYTE(slot, pin);

	if (slot >= 32 || pin < 1 || pin > 4)
		return 0;
	return (unsigned)(bp->prt[i / 8] >> (8 * (i % 8))) & 0xff;
}

#endif
