/* SPDX-License-Identifier: MIT */
/*
 * Local APIC registers, Intel SDM vol. 3A ch. 10 (table 10-1): xAPIC MMIO offsets from
 * 0xFEE00000; in x2APIC mode the same registers are MSRs 0x800 + offset/16 (§10.12.1.2).
 */
#ifndef PTSIM_LAPIC_REGS_H
#define PTSIM_LAPIC_REGS_H

#define APIC_DEFAULT_PHYS_BASE 0xfee00000ull
#define APIC_ID    0x020
#define APIC_LVR   0x030
#define APIC_TASKPRI 0x080
#define APIC_PROCPRI 0x0a0
#define APIC_EOI   0x0b0
#define APIC_LDR   0x0d0
#define APIC_SPIV  0x0f0
#define  APIC_SPIV_APIC_ENABLED (1u << 8)
#define APIC_ISR   0x100 /* 8 registers, 16 bytes apart */
#define APIC_TMR   0x180
#define APIC_IRR   0x200
#define APIC_ESR   0x280
#define APIC_ICR   0x300
#define APIC_ICR2  0x310
#define APIC_LVTT  0x320
#define APIC_TMICT 0x380
#define APIC_TMCCT 0x390
#define APIC_TDCR  0x3e0
#define APIC_SELF_IPI 0x3f0 /* x2APIC only */

#define APIC_BASE_MSR     0x800
#define APIC_MSR(off)     (APIC_BASE_MSR + ((off) >> 4))
#define X2APIC_EOI_MSR    APIC_MSR(APIC_EOI) /* 0x80b */
#define X2APIC_ICR_MSR    APIC_MSR(APIC_ICR) /* 0x830 */
#define MSR_IA32_APICBASE 0x1b

/* The posted-interrupt descriptor APICv reads (SDM vol. 3C §29.6) is defined once, with VT-d's
 * fields, in posted_intr_regs.h. */
#include "models/apic/posted_intr_regs.h"

#endif
