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

void regs_define(struct regs *r, uint32_t off, unsigned width, uint64_t reset, uint64_t rw,
		 uint64_t w1c, uint64_t wo)
{
	if (!regs__in_range(r, off, width))
		return;
	regs__put_le(r->val + off, width, reset);
	regs__put_le(r->reset + off, width, reset);
	regs__put_le(r->rw + off, width, rw);
	regs__put_le(r->w1c + off, width, w1c);
	regs__put_le(r->wo + off, width, wo);
}

uint64_t regs_read(const struct regs *r, uint32_t off, unsigned width)
{
	if (!regs__in_range(r, off, width))
		return 0;
	return regs__get_le(r->val + off, width) & ~regs__get_le(r->wo + off, width);
}

void regs_write(struct regs *r, uint32_t off, unsigned width, uint64_t v)
{
	uint64_t old, rw, w1c, nv;

	if (!regs__in_range(r, off, width))
		return;
	old = regs__get_le(r->val + off, width);
	rw = regs__get_le(r->rw + off, width);
	w1c = regs__get_le(r->w1c + off, width);
	nv = (old & ~rw) | (v & rw);
	nv &= ~(v & w1c);
	regs__put_le(r->val + off, width, nv);
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
	if (regs__in_range(r, off, width))
		regs__put_le(r->rw + off, width, rw);
}

void regs_reset(struct regs *r)
{
	memcpy(r->val, r->reset, r->size);
}
