/* SPDX-License-Identifier: MIT */
/*
 * The host's I/O APIC driver (Linux arch/x86/kernel/apic/io_apic.c in spirit): GSIs become
 * host vectors by programming redirection entries through the IOREGSEL/IOWIN window; with
 * interrupt remapping on, entries use the remappable format and point at an IRTE whose
 * source-ID check names the I/O APIC (VT-d 3.x §5.1.5.1).
 */
#ifndef PTSIM_IOAPIC_DRV_H
#define PTSIM_IOAPIC_DRV_H

#include <stdbool.h>
#include <stdint.h>

#include "models/host/host.h"

struct host_ioapic;
struct intel_iommu;

int host_ioapic_init(struct host *h, struct intel_iommu *iommu, struct host_ioapic **out);
/* The driver's memory (its vectors and IRTEs go with the host and the VT-d driver). */
void host_ioapic_destroy(struct host_ioapic *io);
/* Route GSI gsi (level-triggered, active low, as PCI INTx is) to a new vector on pCPU cpu,
 * handled by fn; the line is left unmasked. Fills *vector. */
int host_gsi_request(struct host_ioapic *io, unsigned gsi, unsigned cpu, host_irq_handler fn,
		     void *ctx, uint8_t *vector);
/* Mask or unmask the line (Linux's disable_irq_nosync / enable_irq for an I/O APIC pin). */
void host_gsi_mask(struct host_ioapic *io, unsigned gsi, bool mask);
/* The GSI a function's INTx pin reaches, from firmware's _PRT and the bridge swizzle:
 * root-bus device `root_slot`, pin 1..4 at the root bus. */
unsigned host_prt_gsi(const struct host *h, unsigned root_slot, unsigned pin);

#endif
