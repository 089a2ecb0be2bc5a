/* SPDX-License-Identifier: MIT */
/*
 * The I/O APIC (Intel 82093AA datasheet; ICH/PCH I/O APIC chapters): interrupt input pins,
 * a redirection table, and an interrupt message per activation. Level-triggered pins are
 * held by Remote IRR until the LAPIC's EOI broadcast; edge pins fire on a rising edge.
 * With VT-d interrupt remapping, entries in remappable format (VT-d 3.x §5.1.5.1) send a
 * remappable message with the I/O APIC's source ID.
 */
#ifndef PTSIM_IOAPIC_H
#define PTSIM_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

struct ioapic;

#include "models/apic/ioapic_regs.h"

struct ioapic_cfg {
	uint8_t id;
	unsigned pins;  /* redirection entries (24 on a PCH) */
	uint16_t sid;   /* requester ID its messages carry (the DMAR scope names it) */
};

struct ioapic_stats {
	uint64_t messages, eois, refires, masked_assertions;
};

/* Where activations go: an interrupt message (address/data as an MSI) from sid. */
struct ioapic_hooks {
	void (*send)(void *ctx, uint16_t sid, uint64_t addr, uint32_t data);
	void *ctx;
};

int ioapic_create(const struct ioapic_cfg *cfg, struct ioapic **out);
void ioapic_destroy(struct ioapic *io);
void ioapic_set_hooks(struct ioapic *io, const struct ioapic_hooks *h);
/* The register window (pcie_mmio_ops form). */
uint64_t ioapic_mmio_read(void *io, uint64_t off, unsigned size, uint64_t t);
void ioapic_mmio_write(void *io, uint64_t off, unsigned size, uint64_t val, uint64_t t);
/* An input pin's level (true: asserted). */
void ioapic_set_irq(struct ioapic *io, unsigned pin, bool asserted);
/* An EOI broadcast for vector: level entries with that vector clear Remote IRR and, if
 * their pin is still asserted, fire again. */
void ioapic_eoi(struct ioapic *io, uint8_t vector);
uint64_t ioapic_rte(const struct ioapic *io, unsigned pin);
const struct ioapic_stats *ioapic_stats(const struct ioapic *io);

#endif
