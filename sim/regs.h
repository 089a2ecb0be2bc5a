/* SPDX-License-Identifier: MIT */
/*
 * Register behaviour as data: a byte-addressed register space in which every bit has a reset
 * value and is read-write, write-1-to-clear, write-only (reads as 0) or read-only. One
 * mechanism serves PCI config space and device/IOMMU MMIO register files alike; the owner
 * applies side effects (commands, doorbells) after regs_write returns.
 */
#ifndef PTSIM_SIM_REGS_H
#define PTSIM_SIM_REGS_H

#include <stdint.h>
#include <string.h>

struct regs {
	uint32_t size;
	uint8_t *val;   /* current value */
	uint8_t *reset; /* value after reset */
	uint8_t *rw;    /* bits software may write */
	uint8_t *w1c;   /* bits a 1 clears */
	uint8_t *wo;    /* bits that read as 0 */
};

int regs_init(struct regs *r, uint32_t size);
void regs_free(struct regs *r);

/* Define a register of `width` bytes (1, 2, 4 or 8) at `off`: reset value and masks. */
void regs_define(struct regs *r, uint32_t off, unsigned width, uint64_t reset, uint64_t rw,
		 uint64_t w1c, uint64_t wo);

/* Software read: the value with write-only bits as 0. Out of range reads as 0. */
uint64_t regs_read(const struct regs *r, uint32_t off, unsigned width);
/* Software write: rw bits take the new value, w1c bits written as 1 clear, others stay. */
void regs_write(struct regs *r, uint32_t off, unsigned width, uint64_t v);
static inline int regs__in_range(const struct regs *r, uint32_t off, unsigned width)
{
	return width >= 1 && width <= 8 && off <= r->size && width <= r->size - off;
}

/* Little-endian loads and stores: one move for the naturally sized widths on a little-endian
 * host (registers are read on every device operation), byte by byte otherwise. */
static inline uint64_t regs__get_le(const uint8_t *p, unsigned width)
{
	uint64_t v = 0;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (width == 1)
		return p[0];
	if (width == 2) {
		uint16_t x;

		memcpy(&x, p, 2);
		return x;
	}
	if (width == 4) {
		uint32_t x;

		memcpy(&x, p, 4);
		return x;
	}
	if (width == 8) {
		memcpy(&v, p, 8);
		return v;
	}
#endif
	for (unsigned i = 0; i < width; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static inline void regs__put_le(uint8_t *p, unsigned width, uint64_t v)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (width == 2) {
		uint16_t x = (uint16_t)v;

		memcpy(p, &x, 2);
		return;
	}
	if (width == 4) {
		uint32_t x = (uint32_t)v;

		memcpy(p, &x, 4);
		return;
	}
	if (width == 8) {
		memcpy(p, &v, 8);
		return;
	}
#endif
	for (unsigned i = 0; i < width; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* The raw stored value, as the hardware sees it (inline: devices read their registers on
 * every operation). */
static inline uint64_t regs_get(const struct regs *r, uint32_t off, unsigned width)
{
	return regs__in_range(r, off, width) ? regs__get_le(r->val + off, width) : 0;
}

/* Hardware-side update, ignoring masks. */
static inline void regs_set(struct regs *r, uint32_t off, unsigned width, uint64_t v)
{
	if (regs__in_range(r, off, width))
		regs__put_le(r->val + off, width, v);
}
/* Hardware-side set/clear of bits. */
void regs_set_bits(struct regs *r, uint32_t off, unsigned width, uint64_t bits);
void regs_clear_bits(struct regs *r, uint32_t off, unsigned width, uint64_t bits);
/* Change the masks of a range without touching values (capability enables etc.). */
void regs_set_rw(struct regs *r, uint32_t off, unsigned width, uint64_t rw);
/* All values back to their reset values. */
void regs_reset(struct regs *r);

#endif
