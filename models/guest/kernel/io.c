/* SPDX-License-Identifier: MIT */
/*
 * The driver API's MMIO accessors (Linux's readl/writel): one uncached load or store each to
 * an ioremapped address. A BAR the hypervisor mapped through EPT goes to the device with no
 * exit; a trapped range (the MSI-X table) exits. A store may be a doorbell that hands the
 * device buffers: the DMA layer's queued IOMMU requests go to the hypervisor first (dma.c).
 */
#include "models/guest/kernel/gk_internal.h"

u8 readb(const volatile void __iomem *addr)
{
	return (u8)isa_mmio_read(gk__iomem_gpa(addr), 1);
}

u16 readw(const volatile void __iomem *addr)
{
	return (u16)isa_mmio_read(gk__iomem_gpa(addr), 2);
}

u32 readl(const volatile void __iomem *addr)
{
	return (u32)isa_mmio_read(gk__iomem_gpa(addr), 4);
}

u64 readq(const volatile void __iomem *addr)
{
	return isa_mmio_read(gk__iomem_gpa(addr), 8);
}

/* Before a store to a device: the DMA layer's requests, which the store may depend on. */
static void before_store(void)
{
	struct gk *g = gk__self();

	if (g && g->dma.nq)
		gk__dma_flush(g);
}

void writeb(u8 val, volatile void __iomem *addr)
{
	before_store();
	isa_mmio_write(gk__iomem_gpa(addr), 1, val);
}

void writew(u16 val, volatile void __iomem *addr)
{
	before_store();
	isa_mmio_write(gk__iomem_gpa(addr), 2, val);
}

void writel(u32 val, volatile void __iomem *addr)
{
	before_store();
	isa_mmio_write(gk__iomem_gpa(addr), 4, val);
}

void writeq(u64 val, volatile void __iomem *addr)
{
	before_store();
	isa_mmio_write(gk__iomem_gpa(addr), 8, val);
}
