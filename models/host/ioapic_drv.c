/* SPDX-License-Identifier: MIT */
#include "models/host/ioapic_drv.h"
#include "models/apic/ioapic_regs.h"
#include "models/drivers/intel_iommu/intel_iommu.h"

#include <errno.h>
#include <stdlib.h>

struct host_ioapic {
	struct host *h;
	struct intel_iommu *iommu;
	uint64_t base;
	unsigned pins;
	uint16_t sid;
	uint64_t rte[120];
};

static void write_reg(struct host_ioapic *io, uint32_t reg, uint32_t val)
{
	host_writel(io->h, io->base + IOAPIC_REGSEL, reg);
	host_writel(io->h, io->base + IOAPIC_WINDOW, val);
}

static uint32_t read_reg(struct host_ioapic *io, uint32_t reg)
{
	host_writel(io->h, io->base + IOAPIC_REGSEL, reg);
	return host_readl(io->h, io->base + IOAPIC_WINDOW);
}

static void write_rte(struct host_ioapic *io, unsigned pin, uint64_t rte)
{
	/* High half first, then the low half (which carries the mask). */
	write_reg(io, IOAPIC_REG_RTE(pin) + 1, (uint32_t)(rte >> 32));
	write_reg(io, IOAPIC_REG_RTE(pin), (uint32_t)rte);
	io->rte[pin] = rte;
}

int host_ioapic_init(struct host *h, struct intel_iommu *iommu, struct host_ioapic **out)
{
	const struct host_machine *m = host_machine(h);
	struct host_ioapic *io;

	if (!m->ioapic_base)
		return -ENODEV;
	io = calloc(1, sizeof(*io));
	if (!io)
		return -ENOMEM;
	io->h = h;
	io->iommu = iommu;
	io->base = m->ioapic_base;
	io->sid = m->ioapic_sid;
	io->pins = ((read_reg(io, IOAPIC_REG_VER) >> 16) & 0xff) + 1;
	if (io->pins > 120)
		io->pins = 120;
	for (unsigned p = 0; p < io->pins; p++)
		write_rte(io, p, IOAPIC_RTE_MASK);
	*out = io;
	return 0;
}

void host_ioapic_destroy(struct host_ioapic *io)
{
	free(io);
}

int host_gsi_request(struct host_ioapic *io, unsigned gsi, unsigned cpu, host_irq_handler fn,
		     void *ctx, uint8_t *vector)
{
	uint64_t rte = IOAPIC_RTE_LEVEL | IOAPIC_RTE_POLARITY;
	int rc;

	if (gsi >= io->pins)
		return -EINVAL;
	rc = host_irq_alloc(io->h, cpu, fn, ctx, vector);
	if (rc)
		return rc;
	rte |= *vector;
	if (io->iommu && intel_iommu_ir_enabled(io->iommu)) {
		uint32_t index;

		rc = irq_remapping_alloc_irte(io->iommu, &index);
		if (!rc)
			rc = irq_remapping_set_remapped_level(io->iommu, index, host_cpu_apic_id(io->h, cpu),
							 *vector, io->sid);
		if (rc)
			return rc;
		rte |= IOAPIC_RTE_REMAP | IOAPIC_RTE_INDEX(index);
	} else {
		rte |= IOAPIC_RTE_DEST_ID(host_cpu_apic_id(io->h, cpu));
	}
	write_rte(io, gsi, rte);
	return 0;
}

void host_gsi_mask(struct host_ioapic *io, unsigned gsi, bool mask)
{
	uint64_t rte;

	if (gsi >= io->pins)
		return;
	rte = mask ? io->rte[gsi] | IOAPIC_RTE_MASK : io->rte[gsi] & ~IOAPIC_RTE_MASK;
	write_reg(io, IOAPIC_REG_RTE(gsi), (uint32_t)rte);
	io->rte[gsi] = rte;
}

unsigned host_prt_gsi(const struct host *h, unsigned root_slot, unsigned pin)
{
	return root_slot < 32 && pin >= 1 && pin <= 4 ? host_machine(h)->prt[root_slot][pin - 1] : 0;
}
