/* SPDX-License-Identifier: MIT */
/* I/O APIC registers (Intel 82093AA datasheet §3.2) and redirection-entry bits, with the
 * remappable format of VT-d 3.x §5.1.5.1. */
#ifndef PTSIM_IOAPIC_REGS_H
#define PTSIM_IOAPIC_REGS_H

#include <stdint.h>

#define IOAPIC_DEFAULT_BASE 0xfec00000ull
#define IOAPIC_REGSEL 0x00
#define IOAPIC_WINDOW 0x10
#define IOAPIC_EOI    0x40 /* version 0x20: directed EOI */
#define IOAPIC_REG_ID  0x00
#define IOAPIC_REG_VER 0x01
#define IOAPIC_REG_ARB 0x02
#define IOAPIC_REG_RTE(pin) (0x10 + 2 * (pin))
/* Redirection table entry bits */
#define IOAPIC_RTE_VECTOR    0xffull
#define IOAPIC_RTE_DLM_SHIFT 8
#define IOAPIC_RTE_DESTMODE  (1ull << 11)
#define IOAPIC_RTE_STATUS    (1ull << 12) /* delivery status, read-only */
#define IOAPIC_RTE_POLARITY  (1ull << 13) /* 1: active low */
#define IOAPIC_RTE_REMOTE_IRR (1ull << 14) /* read-only */
#define IOAPIC_RTE_LEVEL     (1ull << 15)
#define IOAPIC_RTE_MASK      (1ull << 16)
#define IOAPIC_RTE_DEST_SHIFT 56
/* Remappable format (VT-d §5.1.5.1): bit 48 set, index[14:0] in 63:49, index[15] in 11. */
#define IOAPIC_RTE_REMAP     (1ull << 48)
#define IOAPIC_RTE_INDEX(i)  ((((uint64_t)(i) & 0x7fff) << 49) | ((((uint64_t)(i) >> 15) & 1) << 11))
#define IOAPIC_RTE_INDEX_OF(e) ((uint32_t)(((e) >> 49) & 0x7fff) | (uint32_t)((((e) >> 11) & 1) << 15))
/* Compatibility format: the destination APIC ID in 63:56, the delivery mode in 10:8. */
#define IOAPIC_RTE_DLM(e)    ((unsigned)(((e) >> IOAPIC_RTE_DLM_SHIFT) & 7))
#define IOAPIC_RTE_DEST(e)   ((uint8_t)((e) >> IOAPIC_RTE_DEST_SHIFT))
#define IOAPIC_RTE_DEST_ID(id) (((uint64_t)(id) & 0xff) << IOAPIC_RTE_DEST_SHIFT)

#endif
