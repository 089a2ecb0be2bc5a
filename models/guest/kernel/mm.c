/* SPDX-License-Identifier: MIT */
/*
 * Guest memory: the RAM ranges the boot parameters list, with the kernel's direct map of each
 * (a pointer the guest's loads and stores go through, as the CPU's cached accesses do), a bump
 * allocator and a first-fit free list; kmalloc on top of it.
 */
#include "models/guest/kernel/gk_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int gk__mm_init(struct gk *g)
{
	const uint64_t *bp = isa_ram_ptr(g->cfg.bootparam_pa ? g->cfg.bootparam_pa : BOOTPARAM_GPA,
					 sizeof(struct bootparam));

	if (!bp)
		return -EFAULT;
	memcpy(&g->bp, bp, sizeof(g->bp));
	if (g->bp.magic != BOOTPARAM_MAGIC || !g->bp.nram || g->bp.nram > BP_MAX_RAM)
		return -EINVAL;
	for (unsigned i = 0; i < g->bp.nram; i++) {
		struct gk_ram *r = &g->ram[i];

		r->gpa = g->bp.ram_base[i];
		r->size = g->bp.ram_size[i];
		r->ptr = isa_ram_ptr(r->gpa, r->size);
		if (!r->ptr)
			return -EFAULT;
		/* Below reserved_top belongs to the firmware (boot parameters, tables). */
		r->next = r->gpa < g->bp.reserved_top ? g->bp.reserved_top - r->gpa : 0;
	}
	g->nram = (unsigned)g->bp.nram;
	return 0;
}

static void *ptr_of(struct gk *g, uint64_t gpa)
{
	for (unsigned i = 0; i < g->nram; i++)
		if (gpa >= g->ram[i].gpa && gpa - g->ram[i].gpa < g->ram[i].size)
			return g->ram[i].ptr + (gpa - g->ram[i].gpa);
	return NULL;
}

void *gk__alloc(struct gk *g, size_t size, size_t align, uint64_t *gpa)
{
	uint64_t a;

	if (!size)
		size = 1;
	size = (size + 63) & ~(size_t)63;
	/* first fit from what was freed */
	for (size_t i = 0; i < g->nfree; i++) {
		struct gk_free_block *b = &g->freelist[i];
		uint64_t start = (b->gpa + align - 1) & ~((uint64_t)align - 1);

		if (start + size > b->gpa + b->size)
			continue;
		if (start == b->gpa && size == b->size) {
			memmove(b, b + 1, (g->nfree - i - 1) * sizeof(*b));
			g->nfree--;
		} else if (start == b->gpa) {
			b->gpa += size;
			b->size -= size;
		} else {
			continue; /* keep it simple: only take from the front of a block */
		}
		if (gpa)
			*gpa = start;
		return ptr_of(g, start);
	}
	for (unsigned i = 0; i < g->nram; i++) {
		struct gk_ram *r = &g->ram[i];

		a = (r->gpa + r->next + align - 1) & ~((uint64_t)align - 1);
		if (a + size > r->gpa + r->size)
			continue;
		r->next = a + size - r->gpa;
		g->st.pages_used = 0;
		for (unsigned k = 0; k < g->nram; k++)
			g->st.pages_used += (g->ram[k].next + 4095) / 4096;
		if (gpa)
			*gpa = a;
		return r->ptr + (a - r->gpa);
	}
	return NULL;
}

void gk__free(struct gk *g, const void *ptr, size_t size)
{
	uint64_t gpa = gk__virt_to_phys(g, ptr);

	if (gpa == ~0ull)
		return;
	if (g->nfree == g->cap_free) {
		size_t nc = g->cap_free ? g->cap_free * 2 : 32;
		struct gk_free_block *n = realloc(g->freelist, nc * sizeof(*n));

		if (!n)
			return;
		g->freelist = n;
		g->cap_free = nc;
	}
	g->freelist[g->nfree].gpa = gpa;
	g->freelist[g->nfree].size = (size + 63) & ~(size_t)63;
	g->nfree++;
}

uint64_t gk__virt_to_phys(struct gk *g, const void *ptr)
{
	const uint8_t *p = ptr;

	for (unsigned i = 0; i < g->nram; i++)
		if (p >= g->ram[i].ptr && (uint64_t)(p - g->ram[i].ptr) < g->ram[i].size)
			return g->ram[i].gpa + (uint64_t)(p - g->ram[i].ptr);
	return ~0ull;
}

/* ---- kmalloc keeps the size in a header; memory is the guest's own RAM ---- */

#define KHDR 64

void *kmalloc(size_t size, gfp_t gfp)
{
	uint8_t *p = gk__alloc(gk__self(), size + KHDR, 64, NULL);

	(void)gfp;
	if (!p)
		return NULL;
	memcpy(p, &size, sizeof(size));
	return p + KHDR;
}

void *kzalloc(size_t size, gfp_t gfp)
{
	void *p = kmalloc(size, gfp);

	if (p)
		memset(p, 0, size);
	return p;
}

void kfree(const void *ptr)
{
	size_t size;

	if (!ptr)
		return;
	memcpy(&size, (const uint8_t *)ptr - KHDR, sizeof(size));
	gk__free(gk__self(), (const uint8_t *)ptr - KHDR, size + KHDR);
}
