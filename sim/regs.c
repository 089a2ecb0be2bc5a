/* SPDX-License-Identifier: MIT */
#include "regs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int regs_init(struct regs *r, uint32_t size)
{
	memset(r, 0, sizeof(*r));
	r->val = calloc(size, 1);
	r->reset = calloc(size, 1);
	r->rw = calloc(size, 1);
	r->w1c = calloc(size, 1);
	r->wo = calloc(size, 1);
	if (!r->val || !r->reset || !r->rw || !r->w1c || !r->wo) {
		regs_free(r);
		return -ENOMEM;
	}
	r->size = size;
	return 0;
}

void regs_free(struct regs *r)
{
	free(r->val);
	free(r->reset);
	free(r->rw);
	free(r->w1c);
	free(r->wo);
	memset(r, 0, sizeof(*r));
}

static int in_range(const struct regs *r, uint32_t off, unsigned width)
{
	return width >= 1 && width <= 8 && off <= r->size && width <= r->size - off;
}

/* Little-endian loads and stores: one move for the naturally sized widths on a little-endian
 * host (registers are read on every device operation), byte by byte otherwise. */
static inline uint64_t get_le(const uint8_t *p, unsigned width)
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

static inline void put_le(uint8_t *p, unsigned width, uint64_t v)
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

void regs_define(struct regs *r, uint32_t off, unsigned width, uint64_t reset, uint64_t rw,
		 uint64_t w1c, uint64_t wo)
{
	if (!in_range(r, off, width))
		return;
	put_le(r->val + off, width, reset);
	put_le(r->reset + off, width, reset);
	put_le(r->rw + off, width, rw);
	put_le(r->w1c + off, width, w1c);
	put_le(r->wo + off, width, wo);
}

uint64_t regs_read(const struct regs *r, uint32_t off, unsigned width)
{
	if (!in_range(r, off, width))
		return 0;
	return get_le(r->val + off, width) & ~get_le(r->wo + off, width);
}

void regs_write(struct regs *r, uint32_t off, unsigned width, uint64_t v)
{
	uint64_t old, rw, w1c, nv;

	if (!in_range(r, off, width))
		return;
	old = get_le(r->val + off, width);
	rw = get_le(r->rw + off, width);
	w1c = get_le(r->w1c + off, width);
	nv = (old & ~rw) | (v & rw);
	nv &= ~(v & w1c);
	put_le(r->val + off, width, nv);
}

uint64_t regs_get(const struct regs *r, uint32_t off, unsigned width)
{
	return in_range(r, off, width) ? get_le(r->val + off, width) : 0;
}

void regs_set(struct regs *r, uint32_t off, unsigned width, uint64_t v)
{
	if (in_range(r, off, width))
		put_le(r->val + off, width, v);
}

void regs_set_bits(struct regs *r, uint32_t off, unsigned width, uint64_t bits)
{
	regs_set(r, off, width, regs_get(r, off, width) | bits);
}

void regs_clear_bits(struct regs *r, uint32_t off, unsigned width, uint64_t bits)
{
	regs_set(r, off, width, regs_get(r, off, width) & ~bits);
}

void regs_set_rw(struct regs *r, uint32_t off, unsigned width, uint64_t rw)
{
	if (in_range(r, off, width))
		put_le(r->rw + off, width, rw);
}

void regs_reset(struct regs *r)
{
	memcpy(r->val, r->reset, r->size);
}
