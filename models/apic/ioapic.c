/* SPDX-License-Identifier: MIT */
#include "models/apic/ioapic.h"
#include "models/apic/msi_regs.h"
#include "models/iommu/vtd_regs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PINS 120

struct ioapic {
	struct ioapic_cfg cfg;
	uint32_t regsel;
	uint64_t rte[MAX_PINS];
	bool level[MAX_PINS]; /* the input's current level */
	struct ioapic_hooks hooks;
	struct ioapic_stats st;
};

int ioapic_create(const struct ioapic_cfg *cfg, struct ioapic **out)
{
	struct ioapic *io;

	if (!cfg->pins || cfg->pins > MAX_PINS)
		return -EINVAL;
	io = calloc(1, sizeof(*io));
	if (!io)
		return -ENOMEM;
	io->cfg = *cfg;
	for (unsigned i = 0; i < cfg->pins; i++)
		io->rte[i] = IOAPIC_RTE_MASK; /* reset: every entry masked */
	*out = io;
	return 0;
}

void ioapic_destroy(struct ioapic *io)
{
	free(io);
}

void ioapic_set_hooks(struct ioapic *io, const struct ioapic_hooks *h)
{
	io->hooks = *h;
}

/* The interrupt message an entry produces (compatibility or remappable format). */
static void fire(struct ioapic *io, unsigned pin)
{
	uint64_t e = io->rte[pin];
	uint64_t addr;
	uint32_t data;

	if (e & IOAPIC_RTE_REMAP) {
		/* VT-d §5.1.5.1: the handle, in the remappable message format (§5.1.2.2). */
		addr = MSI_ADDR_BASE | VTD_IR_MSI_HANDLE(IOAPIC_RTE_INDEX_OF(e)) | IR_MSI_FORMAT;
		data = (uint32_t)(e & IOAPIC_RTE_VECTOR); /* the vector stays for EOI matching */
	} else {
		addr = msi_compat_addr(IOAPIC_RTE_DEST(e),
				       (e & IOAPIC_RTE_DESTMODE) ? MSI_ADDR_DM : 0);
		data = msi_compat_data((uint8_t)(e & IOAPIC_RTE_VECTOR), IOAPIC_RTE_DLM(e), 0);
	}
	if (e & IOAPIC_RTE_LEVEL) {
		data |= MSI_DATA_TRIGGER | MSI_DATA_LEVEL; /* level, assert */
		io->rte[pin] |= IOAPIC_RTE_REMOTE_IRR;
	}
	io->st.messages++;
	if (io->hooks.send)
		io->hooks.send(io->hooks.ctx, io->cfg.sid, addr, data);
}

static void evaluate(struct ioapic *io, unsigned pin, bool rising)
{
	uint64_t e = io->rte[pin];

	if (!io->level[pin])
		return;
	if (e & IOAPIC_RTE_MASK) {
		io->st.masked_assertions++;
		return;
	}
	if (e & IOAPIC_RTE_LEVEL) {
		if (!(e & IOAPIC_RTE_REMOTE_IRR))
			fire(io, pin);
	} else if (rising) {
		fire(io, pin);
	}
}

void ioapic_set_irq(struct ioapic *io, unsigned pin, bool asserted)
{
	bool rising;

	if (pin >= io->cfg.pins)
		return;
	rising = asserted && !io->level[pin];
	io->level[pin] = asserted;
	evaluate(io, pin, rising);
}

void ioapic_eoi(struct ioapic *io, uint8_t vector)
{
	for (unsigned pin = 0; pin < io->cfg.pins; pin++) {
		uint64_t e = io->rte[pin];

		if (!(e & IOAPIC_RTE_LEVEL) || (e & IOAPIC_RTE_VECTOR) != vector ||
		    !(e & IOAPIC_RTE_REMOTE_IRR))
			continue;
		io->rte[pin] &= ~IOAPIC_RTE_REMOTE_IRR;
		io->st.eois++;
		if (io->level[pin] && !(e & IOAPIC_RTE_MASK)) {
			io->st.refires++;
			fire(io, pin);
		}
	}
}

static uint32_t reg_read(const struct ioapic *io, uint32_t reg)
{
	switch (reg) {
	case IOAPIC_REG_ID:
		return (uint32_t)io->cfg.id << 24;
	case IOAPIC_REG_VER:
		return 0x20 | ((io->cfg.pins - 1) << 16); /* version 0x20, max redirection entry */
	case IOAPIC_REG_ARB:
		return (uint32_t)io->cfg.id << 24;
	default:
		if (reg >= 0x10 && reg < 0x10 + 2 * io->cfg.pins) {
			uint64_t e = io->rte[(reg - 0x10) / 2];

			return (reg & 1) ? (uint32_t)(e >> 32) : (uint32_t)e;
		}
		return 0;
	}
}

static void reg_write(struct ioapic *io, uint32_t reg, uint32_t val)
{
	if (reg < 0x10 || reg >= 0x10 + 2 * io->cfg.pins)
		return; /* ID/ARB writes are not modelled */
	unsigned pin = (reg - 0x10) / 2;
	uint64_t e = io->rte[pin], ro = IOAPIC_RTE_STATUS | IOAPIC_RTE_REMOTE_IRR;
	bool was_masked = e & IOAPIC_RTE_MASK;

	if (reg & 1)
		e = (e & 0xffffffffull) | ((uint64_t)val << 32);
	else
		e = (e & ~0xffffffffull & ~ro) | (val & ~ro) | (e & ro);
	io->rte[pin] = e;
	/* Unmasking an asserted level pin fires it (82093AA §3.2.4). */
	if (was_masked && !(e & IOAPIC_RTE_MASK))
		evaluate(io, pin, false);
}

uint64_t ioapic_mmio_read(void *vio, uint64_t off, unsigned size, uint64_t t)
{
	struct ioapic *io = vio;

	(void)size;
	(void)t;
	if (off == IOAPIC_REGSEL)
		return io->regsel;
	if (off == IOAPIC_WINDOW)
		return reg_read(io, io->regsel & 0xff);
	return 0;
}

void ioapic_mmio_write(void *vio, uint64_t off, unsigned size, uint64_t val, uint64_t t)
{
	struct ioapic *io = vio;

	(void)size;
	(void)t;
	if (off == IOAPIC_REGSEL)
		io->regsel = (uint32_t)val & 0xff;
	else if (off == IOAPIC_WINDOW)
		reg_write(io, io->regsel & 0xff, (uint32_t)val);
	else if (off == IOAPIC_EOI)
		ioapic_eoi(io, (uint8_t)val);
}

uint64_t ioapic_rte(const struct ioapic *io, unsigned pin)
{
	return pin < io->cfg.pins ? io->rte[pin] : 0;
}

const struct ioapic_stats *ioapic_stats(const struct ioapic *io)
{
	return &io->st;
}
