/* SPDX-License-Identifier: MIT */
/*
 * Local APIC interrupt acceptance and priority (Intel SDM vol. 3A §10.8): IRR/ISR/TMR as
 * 256-bit sets, TPR/PPR, EOI with the broadcast a level-triggered vector needs. The same state
 * machine serves a pCPU's physical LAPIC and a hypervisor's emulated virtual LAPIC.
 * The APIC bus routes interrupt messages to LAPICs by APIC ID.
 */
#ifndef PTSIM_LAPIC_H
#define PTSIM_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

struct lapic;
struct apic_bus;

struct lapic_hooks {
	/* A deliverable interrupt may now be pending (the CPU should look). */
	void (*notify)(void *ctx);
	/* EOI of a level-triggered vector: the I/O side must see it (§10.8.5). */
	void (*eoi_broadcast)(void *eoi_ctx, uint8_t vector);
	void *ctx;
	void *eoi_ctx;
};
/* Set only the EOI-broadcast hook (the I/O APIC's), keeping notify. */
void lapic_set_eoi_hook(struct lapic *l, void (*fn)(void *ctx, uint8_t vector), void *ctx);

struct lapic_stats {
	uint64_t accepted, coalesced, acked, eois, eoi_broadcasts;
};

int lapic_create(uint32_t apic_id, struct lapic **out);
void lapic_destroy(struct lapic *l);
void lapic_set_hooks(struct lapic *l, const struct lapic_hooks *h);
uint32_t lapic_id(const struct lapic *l);

/* An interrupt message for this LAPIC: set IRR (and TMR for level). */
void lapic_accept(struct lapic *l, uint8_t vector, bool level);
/* Highest IRR vector whose priority class beats the PPR, or -1. */
int lapic_deliverable(const struct lapic *l);
/* Interrupt acknowledge: move the highest deliverable vector from IRR to ISR; -1 if none. */
int lapic_ack(struct lapic *l);
/* End of interrupt: clear the highest ISR bit. Returns the vector or -1. */
int lapic_eoi(struct lapic *l);
uint8_t lapic_ppr(const struct lapic *l);
bool lapic_irr_test(const struct lapic *l, uint8_t vector);
bool lapic_isr_test(const struct lapic *l, uint8_t vector);
bool lapic_tmr_test(const struct lapic *l, uint8_t vector); /* level-triggered when accepted */
int lapic_highest_isr(const struct lapic *l);
int lapic_highest_irr(const struct lapic *l);

/* Where this LAPIC sends IPIs written to its ICR (fixed, physical destination). */
void lapic_set_bus(struct lapic *l, struct apic_bus *bus);
/* x2APIC ICR write (MSR 0x830, destination in bits 63:32): send the IPI. */
void lapic_write_icr(struct lapic *l, uint64_t icr);

/* Register interface (xAPIC offsets; x2APIC MSRs map through APIC_MSR()). */
uint32_t lapic_reg_read(struct lapic *l, uint32_t off);
void lapic_reg_write(struct lapic *l, uint32_t off, uint32_t val);
bool lapic_enabled(const struct lapic *l);

const struct lapic_stats *lapic_stats(const struct lapic *l);

/* ---- the APIC bus ---- */

int apic_bus_create(struct apic_bus **out);
void apic_bus_destroy(struct apic_bus *b);
int apic_bus_attach(struct apic_bus *b, struct lapic *l);
struct lapic *apic_bus_find(const struct apic_bus *b, uint32_t apic_id);
/* Physical-destination fixed delivery; false if no LAPIC has that ID. */
bool apic_bus_deliver(struct apic_bus *b, uint32_t dest, uint8_t vector, bool level);

#endif
