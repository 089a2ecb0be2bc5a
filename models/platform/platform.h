/* SPDX-License-Identifier: MIT */
/*
 * The platform: the machine's chipset and CPUs as hardware. It owns the physical address map
 * (a Xeon-like layout), memory, the PCIe root complex with its host bridge, the VT-d units
 * (and, decided once per function from the DRHD device scopes, which unit remaps what: VT-d
 * 3.x §8.3.2, as Linux's dmar_find_matched_drhd_unit finds it), compatibility-format MSIs of
 * devices no unit covers, INTx routing (_PRT) into the I/O APIC, the interrupt messages in
 * flight from the devices to the APIC bus, the LAPICs and pCPUs, and the firmware's ACPI
 * tables (RSDP -> XSDT -> DMAR) in firmware-owned memory.
 *
 * Building is two steps: platform_create (memory, the root complex), then the caller attaches
 * the PCIe topology below the host bridge, then platform_realize (the units over that topology,
 * RMRR memory, the ACPI tables, the I/O APIC, the APIC bus, LAPICs and pCPUs). After that no
 * DMA or interrupt leaves the models: a device's request goes fabric -> VT-d -> memory, an
 * MSI fabric -> interrupt remapping -> (in flight) -> APIC bus or posted descriptor.
 */
#ifndef PTSIM_PLATFORM_H
#define PTSIM_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/cpu/cpu.h"
#include "models/iommu/vtd.h"
#include "models/mem/mem.h"
#include "models/pcie/pcie.h"

struct apic_bus;
struct metric_table;
struct cfg_schema;
struct ioapic;
struct lapic;
struct pcpu;
struct platform;

/* ---- the physical address map ---- */
#define PLATFORM_LOW_RAM_TOP 0x80000000ull /* RAM below 4 GiB ends at 2 GiB; the rest above */
#define PLATFORM_MMIO32	     0xc0000000ull /* 32-bit PCI window */
#define PLATFORM_MMIO32_SIZE 0x20000000ull
#define PLATFORM_ECAM	     0xe0000000ull /* 256 buses x 1 MiB (ACPI MCFG) */
#define PLATFORM_ECAM_BUSES  256u
#define PLATFORM_IOAPIC	     0xfec00000ull
#define PLATFORM_DMAR	     0xfed90000ull /* VT-d unit i's registers at + i * 4 KiB */
#define PLATFORM_MMIO64	     0x380000000000ull
#define PLATFORM_MMIO64_SIZE (1ull << 40)

#define PLATFORM_IOAPIC_PINS 24
#define PLATFORM_IOAPIC_SID  0xf0f8 /* bus F0h device 1Fh function 0, as Intel platforms report */
/* The host address width the DMAR reports (46 bits, as on Xeon Scalable). */
#define PLATFORM_HOST_ADDRESS_WIDTH 46

/* One DRHD: a unit, the devices its scope lists by name (a port's scope takes everything below
 * it), or INCLUDE_PCI_ALL: every device no other unit lists. */
struct platform_unit_cfg {
	const char *name;
	bool include_all;
	const char *const *scope;
	size_t nscope;
};

/* An RMRR: memory firmware keeps using through a device across the OS's IOMMU setup (§8.4). */
struct platform_rmrr_cfg {
	const char *device;
	uint64_t base, size;
};

/* The VT-d units (machine.iommu): whether the platform has any, how every unit is built (its
 * name and registers are each's), and the DRHDs. The DMAR's INTR_REMAP flag follows
 * unit.ir; the I/O APIC's registers cost what the units' do (unit.reg_access_ps). */
struct platform_iommu_cfg {
	bool enabled;
	struct vtd_cfg unit;
	const struct platform_unit_cfg *units; /* none: one INCLUDE_PCI_ALL unit, "dmar0" */
	size_t nunits;
};

/* What firmware reports beyond the hardware (machine.firmware): ACPI _OSC, DMAR RMRRs. */
struct platform_firmware_cfg {
	bool pcie_native_control; /* _OSC grants the OS native control of PCIe features */
	const struct platform_rmrr_cfg *rmrrs;
	size_t nrmrrs;
};

/* The machine's hardware. Each part's knobs are its model's; the platform's own are in
 * platform_cfg.c. */
struct platform_cfg {
	struct cpu_cfg cpu;
	struct mem_cfg memory;	     /* low_top is the platform's */
	struct pcie_fabric_cfg pcie; /* latencies; the windows are the platform's */
	struct platform_iommu_cfg iommu;
	struct platform_firmware_cfg firmware;
};
extern const struct cfg_schema platform_iommu_cfg_schema;
extern const struct cfg_schema platform_firmware_cfg_schema;

struct platform_stats {
	uint64_t irqs_delivered;     /* interrupt messages that took effect */
	uint64_t irqs_in_flight_max; /* most messages in flight at once */
	uint64_t irqs_dropped;	     /* lost for want of memory (never expected) */
};

int platform_create(const struct platform_cfg *cfg, struct platform **out);
/* After the topology is attached below the host bridge. -ENODEV: a scope or RMRR names a
 * device the fabric does not have. */
int platform_realize(struct platform *p);
/* Start the platform's actors (the VT-d units' invalidation engines, interrupt delivery). */
int platform_start(struct platform *p);
void platform_destroy(struct platform *p);

struct mem *platform_mem(const struct platform *p);
struct pcie_fabric *platform_fabric(const struct platform *p);
unsigned platform_npcpus(const struct platform *p);
struct pcpu *platform_pcpu(const struct platform *p, unsigned i);
struct pcpu **platform_pcpus(const struct platform *p);
struct ioapic *platform_ioapic(const struct platform *p);
/* VT-d units, in the order of platform_cfg.units. */
unsigned platform_nunits(const struct platform *p);
struct vtd *platform_unit(const struct platform *p, unsigned i);
/* The unit that remaps fn's requests, or NULL (untranslated). */
struct vtd *platform_unit_for(struct platform *p, const struct pcie_fn *fn);
const struct platform_stats *platform_stats(const struct platform *p);
extern const struct metric_table platform_metrics;

/* ---- firmware ---- */

/* ACPI _PRT: the GSI that pin (1..4 = INTA..INTD) of root-bus device root_devfn reaches. */
unsigned platform_prt_gsi(uint8_t root_devfn, unsigned pin);
/* Where firmware left the ACPI RSDP (0: no ACPI tables). */
uint64_t platform_acpi_rsdp(const struct platform *p);
/* The DMAR table's bytes as firmware built them; its length or a negative errno. */
int platform_dmar_table(const struct platform *p, uint8_t *buf, size_t cap);

#endif
