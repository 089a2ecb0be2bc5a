/* SPDX-License-Identifier: MIT */
/*
 * Interrupt messages (MSI/MSI-X writes, the I/O APIC's messages, VT-d's own event messages) in
 * the compatibility format, Intel SDM vol. 3A §10.11.1-10.11.2 (§11.11 in recent editions):
 *   address 31:20 0xFEE, destination ID 19:12, bit 4 interrupt format (0 here; 1 is VT-d's
 *           remappable format, §5.1.2.2, see vtd_regs.h), RH 3, DM 2;
 *   data    vector 7:0, delivery mode 10:8, level 14 (1: assert), trigger mode 15 (1: level).
 * One definition for every model and host component that builds or decodes one: encoders
 * (msi_compat_addr, msi_compat_data) next to the decoders (MSI_ADDR_DEST, MSI_DATA_*,
 * msi_compat_decode).
 */
#ifndef PTSIM_MSI_REGS_H
#define PTSIM_MSI_REGS_H

#include <stdbool.h>
#include <stdint.h>

#define MSI_ADDR_BASE	       0xfee00000u
#define MSI_ADDR_BASE_MASK     0xfff00000u
#define MSI_ADDR_DEST_SHIFT    12
#define MSI_ADDR_DEST_MASK     0x000ff000u
#define MSI_ADDR_DEST(a)       (((a) >> MSI_ADDR_DEST_SHIFT) & 0xff)
#define  MSI_ADDR_IF_REMAP     (1u << 4) /* interrupt format: 1 remappable (VT-d §5.1.2) */
#define  MSI_ADDR_RH	       (1u << 3) /* redirection hint */
#define  MSI_ADDR_DM	       (1u << 2) /* destination mode: 1 logical */

#define MSI_DATA_VECTOR_MASK   0xffu
#define MSI_DATA_VECTOR(d)     ((d) & MSI_DATA_VECTOR_MASK)
#define MSI_DATA_DLM_SHIFT     8
#define MSI_DATA_DLM_MASK      (7u << 8)
#define MSI_DATA_DLM(d)	       (((d) & MSI_DATA_DLM_MASK) >> MSI_DATA_DLM_SHIFT)
#define  MSI_DATA_DLM_FIXED    0
#define  MSI_DATA_DLM_LOWPRI   1
#define  MSI_DATA_LEVEL	       (1u << 14) /* level: 1 assert (level-triggered only) */
#define  MSI_DATA_TRIGGER      (1u << 15) /* trigger mode: 1 level */

/* An address for destination APIC ID `dest`; flags: MSI_ADDR_RH, MSI_ADDR_DM. */
static inline uint32_t msi_compat_addr(uint8_t dest, uint32_t flags)
{
	return MSI_ADDR_BASE | ((uint32_t)dest << MSI_ADDR_DEST_SHIFT) |
	       (flags & (MSI_ADDR_RH | MSI_ADDR_DM));
}

/* Data for `vector` with delivery mode `dlm`; flags: MSI_DATA_LEVEL, MSI_DATA_TRIGGER. */
static inline uint32_t msi_compat_data(uint8_t vector, unsigned dlm, uint32_t flags)
{
	return vector | (((uint32_t)dlm << MSI_DATA_DLM_SHIFT) & MSI_DATA_DLM_MASK) |
	       (flags & (MSI_DATA_LEVEL | MSI_DATA_TRIGGER));
}

/* Whether a message is in VT-d's remappable format rather than the compatibility format. */
static inline bool msi_is_remappable(uint64_t addr)
{
	return addr & MSI_ADDR_IF_REMAP;
}

/* A compatibility-format message, decoded. */
struct msi_compat {
	uint8_t dest, vector, dlm;
	bool dm, rh, level_trigger, assert_level;
};

static inline struct msi_compat msi_compat_decode(uint64_t addr, uint32_t data)
{
	struct msi_compat m = {
	    .dest = (uint8_t)MSI_ADDR_DEST(addr),
	    .vector = (uint8_t)MSI_DATA_VECTOR(data),
	    .dlm = (uint8_t)MSI_DATA_DLM(data),
	    .dm = addr & MSI_ADDR_DM,
	    .rh = addr & MSI_ADDR_RH,
	    .level_trigger = data & MSI_DATA_TRIGGER,
	    .assert_level = data & MSI_DATA_LEVEL,
	};

	return m;
}

#endif
