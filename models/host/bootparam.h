/* SPDX-License-Identifier: MIT */
/*
 * What the hypervisor's virtual firmware tells the guest kernel, written into guest memory at
 * BOOTPARAM_GPA before the first instruction (the role of Linux's boot_params/E820 and the
 * ACPI MCFG and MADT). Little-endian 64-bit words.
 */
#ifndef PTSIM_BOOTPARAM_H
#define PTSIM_BOOTPARAM_H

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
};

#endif
