/* SPDX-License-Identifier: MIT */
/*
 * The posted-interrupt descriptor: one definition for everything that reads or writes it --
 * the CPU (APICv posted-interrupt processing, Intel SDM vol. 3C §29.6), the VT-d unit (posted
 * IRTEs, VT-d 3.x §9.12 and §5.2.3) and the hypervisor that sets it up and posts into it.
 *
 * 64 bytes, 64-byte aligned: PIR bits 255:0 (one bit per vector), then the control word
 * (bits 319:256): ON 256 (outstanding notification), SN 257 (suppress notification),
 * NV 271:264 (notification vector), NDST 319:288 (notification destination: an x2APIC ID, or
 * in xAPIC mode the APIC ID in NDST[15:8]). Bits 511:320 are reserved.
 * The descriptor is read and written as little-endian 64-bit words through the memory model;
 * the accessors below work on those words.
 */
#ifndef PTSIM_POSTED_INTR_REGS_H
#define PTSIM_POSTED_INTR_REGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PI_DESC_PIR	    0  /* byte offset of PIR: four words */
#define PI_DESC_CTL	    32 /* byte offset of the control word (bits 319:256) */
#define  PI_DESC_ON	    (1ull << 0)
#define  PI_DESC_SN	    (1ull << 1)
#define  PI_DESC_NV_SHIFT   8
#define  PI_DESC_NV_MASK    (0xffull << 8)
#define  PI_DESC_NDST_SHIFT 32
#define  PI_DESC_NDST_MASK  (0xffffffffull << 32)
#define PI_DESC_SIZE	    64

/* The whole descriptor as words (what a test or a dump holds). */
struct pi_desc {
	uint64_t pir[4];
	uint64_t control;
	uint64_t rsvd[3];
};
_Static_assert(sizeof(struct pi_desc) == PI_DESC_SIZE, "posted-interrupt descriptor: 64 bytes");
_Static_assert(offsetof(struct pi_desc, control) == PI_DESC_CTL, "control word at bit 256");

/* PIR: the byte offset of the word holding `vector`'s bit, and the bit in that word. */
static inline uint64_t pi_pir_word(uint8_t vector)
{
	return PI_DESC_PIR + (uint64_t)(vector / 64) * 8;
}

static inline uint64_t pi_pir_bit(uint8_t vector)
{
	return 1ull << (vector % 64);
}

/* The control word's fields. */
static inline bool pi_ctl_on(uint64_t ctl)
{
	return ctl & PI_DESC_ON;
}

static inline bool pi_ctl_sn(uint64_t ctl)
{
	return ctl & PI_DESC_SN;
}

static inline uint8_t pi_ctl_nv(uint64_t ctl)
{
	return (uint8_t)((ctl & PI_DESC_NV_MASK) >> PI_DESC_NV_SHIFT);
}

static inline uint32_t pi_ctl_ndst(uint64_t ctl)
{
	return (uint32_t)((ctl & PI_DESC_NDST_MASK) >> PI_DESC_NDST_SHIFT);
}

/* The destination APIC ID NDST names: all 32 bits in x2APIC mode, NDST[15:8] in xAPIC mode
 * (VT-d §9.12). */
static inline uint32_t pi_ctl_dest(uint64_t ctl, bool x2apic)
{
	uint32_t ndst = pi_ctl_ndst(ctl);

	return x2apic ? ndst : (ndst >> 8) & 0xff;
}

static inline uint64_t pi_ctl_set_nv(uint64_t ctl, uint8_t nv)
{
	return (ctl & ~PI_DESC_NV_MASK) | ((uint64_t)nv << PI_DESC_NV_SHIFT);
}

static inline uint64_t pi_ctl_set_ndst(uint64_t ctl, uint32_t ndst)
{
	return (ctl & ~PI_DESC_NDST_MASK) | ((uint64_t)ndst << PI_DESC_NDST_SHIFT);
}

/* A control word with ON and SN clear. */
static inline uint64_t pi_ctl_make(uint8_t nv, uint32_t ndst)
{
	return pi_ctl_set_ndst(pi_ctl_set_nv(0, nv), ndst);
}

#endif
