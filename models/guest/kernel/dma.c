/* SPDX-License-Identifier: MIT */
/*
 * The driver API's DMA calls (Linux's dma-mapping.h) with no vIOMMU: a DMA address is the
 * guest-physical address, so mapping is a lookup in the kernel's direct map and coherent
 * memory is page-aligned RAM from the kernel's allocator.
 */
#include "models/guest/kernel/gk_internal.h"

#include <string.h>

int dma_set_mask_and_coherent(struct device *dev, u64 mask)
{
	(void)dev;
	return mask >= DMA_BIT_MASK(32) ? 0 : -EIO;
}

void *dma_alloc_coherent(struct device *dev, size_t size, dma_addr_t *handle, gfp_t gfp)
{
	struct gk *g = gk__self();
	uint64_t gpa;
	size_t sz = (size + 4095) & ~(size_t)4095;
	void *p = gk__alloc(g, sz, 4096, &gpa);

	(void)dev;
	(void)gfp;
	if (!p)
		return NULL;
	memset(p, 0, sz);
	*handle = gpa;
	g->st.coherent_bytes += sz;
	return p;
}

void dma_free_coherent(struct device *dev, size_t size, void *cpu_addr, dma_addr_t handle)
{
	(void)dev;
	(void)handle;
	gk__free(gk__self(), cpu_addr, (size + 4095) & ~(size_t)4095);
}

dma_addr_t dma_map_single(struct device *dev, void *ptr, size_t size, enum dma_data_direction dir)
{
	struct gk *g = gk__self();
	uint64_t gpa = gk__virt_to_phys(g, ptr);

	(void)dev;
	(void)size;
	(void)dir;
	g->st.dma_maps++;
	isa_compute(g->cfg.costs.dma_direct);
	return gpa == ~0ull ? DMA_MAPPING_ERROR : gpa;
}

void dma_unmap_single(struct device *dev, dma_addr_t addr, size_t size,
		      enum dma_data_direction dir)
{
	struct gk *g = gk__self();

	(void)dev;
	(void)addr;
	(void)size;
	(void)dir;
	g->st.dma_unmaps++;
	isa_compute(g->cfg.costs.dma_direct);
}
