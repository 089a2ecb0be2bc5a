/* SPDX-License-Identifier: MIT */
/*
 * The MSI-X table of an assigned function traps while the rest of its BAR does not: guest
 * writes to table entries are EPT-violation exits that the VMM emulates; unmasking an entry
 * makes the host allocate a vector on the vCPU's pCPU and an IRTE (remapped format,
 * source-ID validated) and program the physical entry with the remappable-format address
 * that selects it (VT-d 3.x §5.1.2.2, §9.10). Then a device interrupt really travels:
 * MSI-X write -> remapping -> host vector -> external-interrupt exit -> injection -> the
 * guest's handler for the vector it programmed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../common/scenario_util.h"
#include "models/apic/lapic_regs.h"
#include "models/cpu/guest_isa.h"
#include "models/cpu/vmx.h"
#include "models/devices/nic.h"
#include "models/devices/nic_regs.h"
#include "models/abi/bootparam.h"
#include "models/host/hv.h"
#include "models/host/vfio.h"
#include "models/iommu/vtd.h"
#include "models/iommu/vtd_regs.h"
#include "models/mem/mem.h"
#include "models/pcie/pcie.h"
#include "models/pcie/pcie_regs.h"
#include "app/machine.h"
#include "sim/engine.h"

#define GUEST_DEVFN PCI_DEVFN(3, 0)
#define GUEST_VECTOR 0x41

static struct machine *m;

static struct {
	bool ran;
	uint64_t bar;
	unsigned msix_cap;
	uint64_t exits_table_writes, ept_table_writes, misconfig_table_writes;
	uint64_t exits_reg_write, exits_reg_read;
	uint32_t rdt_back;
	uint64_t exits_unmask;
	uint32_t table_data_read;
	uint64_t phys_addr, phys_data, phys_ctrl;
	uint64_t irte_lo, irte_hi;
	uint32_t irte_index;
	uint16_t nic_rid;
	unsigned irqs_seen;
	uint8_t vector_seen;
	uint64_t ext_int_exits, eoi_exits;
} rec;

static uint32_t cfg_read(struct vcpu *v, uint32_t off, unsigned size)
{
	return (uint32_t)vcpu_mmio_read(v, GUEST_ECAM_BASE + ((uint64_t)GUEST_DEVFN << 12) + off,
					size);
}

static void cfg_write(struct vcpu *v, uint32_t off, unsigned size, uint32_t val)
{
	vcpu_mmio_write(v, GUEST_ECAM_BASE + ((uint64_t)GUEST_DEVFN << 12) + off, size, val);
}

static void idt(void *ctx, uint8_t vector)
{
	struct vcpu *v = ctx;

	rec.irqs_seen++;
	rec.vector_seen = vector;
	vcpu_wrmsr(v, X2APIC_EOI_MSR, 0);
}

static uint64_t exits(struct vcpu *v)
{
	return vcpu_stats(v)->exits_total;
}

static void guest(void *ctx, struct vcpu *v)
{
	struct mem *mem = machine_mem(m);
	uint64_t e0, table;

	(void)ctx;
	rec.ran = true;
	vcpu_set_guest_idt(v, idt, v);
	vcpu_wrmsr(v, MSR_IA32_APICBASE, 0xfee00000u | (1u << 11) | (1u << 10));
	vcpu_wrmsr(v, APIC_MSR(APIC_SPIV), 0x1ff);

	rec.bar = cfg_read(v, PCI_BASE_ADDRESS_0, 4) & ~0xfull;
	rec.bar |= (uint64_t)cfg_read(v, PCI_BASE_ADDRESS_0 + 4, 4) << 32;
	for (unsigned off = cfg_read(v, PCI_CAPABILITY_LIST, 1); off;
	     off = cfg_read(v, off + 1, 1))
		if (cfg_read(v, off, 1) == PCI_CAP_ID_MSIX)
			rec.msix_cap = off;
	cfg_write(v, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	table = rec.bar + PTNIC_MSIX_TABLE;

	/* Entry 0: three writes into the trapped page. */
	e0 = exits(v);
	uint64_t ept0 = vcpu_stats(v)->exits[EXIT_REASON_EPT_VIOLATION];
	uint64_t mis0 = vcpu_stats(v)->exits[EXIT_REASON_EPT_MISCONFIG];
	vcpu_mmio_write(v, table + PCI_MSIX_ENTRY_LOWER_ADDR, 4, 0xfee00000u);
	vcpu_mmio_write(v, table + PCI_MSIX_ENTRY_UPPER_ADDR, 4, 0);
	vcpu_mmio_write(v, table + PCI_MSIX_ENTRY_DATA, 4, GUEST_VECTOR);
	rec.exits_table_writes = exits(v) - e0;
	rec.ept_table_writes = vcpu_stats(v)->exits[EXIT_REASON_EPT_VIOLATION] - ept0;
	rec.misconfig_table_writes = vcpu_stats(v)->exits[EXIT_REASON_EPT_MISCONFIG] - mis0;

	/* Device registers in the same BAR are mapped: no exit either way. */
	e0 = exits(v);
	vcpu_mmio_write(v, rec.bar + PTNIC_RDT, 4, 7);
	rec.exits_reg_write = exits(v) - e0;
	e0 = exits(v);
	rec.rdt_back = (uint32_t)vcpu_mmio_read(v, rec.bar + PTNIC_RDT, 4);
	rec.exits_reg_read = exits(v) - e0;

	/* Enable MSI-X, unmask entry 0: the host sets up its side now. */
	cfg_write(v, rec.msix_cap + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	e0 = exits(v);
	vcpu_mmio_write(v, table + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 0);
	rec.exits_unmask = exits(v) - e0;
	rec.table_data_read = (uint32_t)vcpu_mmio_read(v, table + PCI_MSIX_ENTRY_DATA, 4);

	/* What the host programmed into the device and the IRTE it points at. */
	struct pcie_fn *fn = nic_fn(machine_nic(m, 0));
	uint64_t hbar = pcie_fn_bar_base(fn, 0), t = sim_now();
	pcie_cpu_read(machine_fabric(m), hbar + PTNIC_MSIX_TABLE + PCI_MSIX_ENTRY_LOWER_ADDR, 4, t,
		      &rec.phys_addr);
	pcie_cpu_read(machine_fabric(m), hbar + PTNIC_MSIX_TABLE + PCI_MSIX_ENTRY_DATA, 4, t,
		      &rec.phys_data);
	pcie_cpu_read(machine_fabric(m), hbar + PTNIC_MSIX_TABLE + PCI_MSIX_ENTRY_VECTOR_CTRL, 4,
		      t, &rec.phys_ctrl);
	rec.irte_index = IR_MSI_HANDLE(rec.phys_addr);
	uint64_t irta = vtd_reg_read(machine_vtd(m), DMAR_IRTA_REG, 8, t) & DMA_IRTA_BASE;
	rec.irte_lo = mem_read64(mem, irta + rec.irte_index * 16ull);
	rec.irte_hi = mem_read64(mem, irta + rec.irte_index * 16ull + 8);
	rec.nic_rid = pcie_fn_rid(fn);

	/* A device interrupt: enable the cause and set it (ICS); compute while it arrives. */
	uint64_t x0 = vcpu_stats(v)->exits[EXIT_REASON_EXTERNAL_INTERRUPT];
	uint64_t w0 = vcpu_stats(v)->exits[EXIT_REASON_MSR_WRITE];
	vcpu_mmio_write(v, rec.bar + PTNIC_IMS, 4, PTNIC_INT_RXT0);
	vcpu_mmio_write(v, rec.bar + PTNIC_ICS, 4, PTNIC_INT_RXT0);
	vcpu_compute(v, 100000);
	rec.ext_int_exits = vcpu_stats(v)->exits[EXIT_REASON_EXTERNAL_INTERRUPT] - x0;
	rec.eoi_exits = vcpu_stats(v)->exits[EXIT_REASON_MSR_WRITE] - w0;
	machine_end(m);
}

static int run(void **state)
{
	struct scenario sc;
	struct run_opts o = {.config_path = "inline", .seed = 1};

	(void)state;
	scenario_from_text(scenario_small, NULL, 0, &sc);
	if (machine_create(&sc, &o, &m))
		return -1;
	machine_set_guest_entry(m, guest, NULL);
	machine_start(m);
	return sim_engine_run();
}

static void table_traps_registers_do_not(void **state)
{
	(void)state;
	assert_true(rec.ran);
	assert_true(rec.bar >= GUEST_MMIO_BASE && rec.bar < GUEST_MMIO_BASE + GUEST_MMIO_SIZE);
	assert_true(rec.msix_cap != 0);
	/* The first access to the trapped page is an EPT violation; KVM then caches the page as
	 * emulated MMIO in a misconfigured EPT entry: the next two exit as misconfigurations. */
	assert_int_equal(rec.exits_table_writes, 3);
	assert_int_equal(rec.ept_table_writes, 1);
	assert_int_equal(rec.misconfig_table_writes, 2);
	assert_int_equal(rec.exits_reg_write, 0);
	assert_int_equal(rec.exits_reg_read, 0);
	assert_int_equal(rec.rdt_back, 7);
	assert_int_equal(rec.exits_unmask, 1);
	assert_int_equal(rec.table_data_read, GUEST_VECTOR); /* the guest sees its own entry */
}

static void host_programs_a_remapped_entry(void **state)
{
	(void)state;
	/* Physical entry: remappable format (bit 4), SHV, subhandle 0, unmasked. */
	assert_int_equal(rec.phys_addr & 0xfff00000u, 0xfee00000u);
	assert_true(rec.phys_addr & IR_MSI_FORMAT);
	assert_true(rec.phys_addr & IR_MSI_SHV);
	assert_int_equal(rec.phys_data, 0);
	assert_int_equal(rec.phys_ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT, 0);
	/* IRTE: present, remapped format, a host vector (not the guest's), to pCPU 1's x2APIC
	 * ID, source-ID validated against the NIC's requester ID. */
	assert_true(rec.irte_lo & IRTE_P);
	assert_false(rec.irte_lo & IRTE_IM);
	assert_true(((rec.irte_lo >> IRTE_V_SHIFT) & 0xff) >= 0x30);
	assert_int_not_equal((rec.irte_lo >> IRTE_V_SHIFT) & 0xff, GUEST_VECTOR);
	assert_int_equal(rec.irte_lo >> IRTE_DST_SHIFT, 1);
	assert_int_equal((rec.irte_hi >> 18) & 3, 1);	     /* SVT 83:82 = 01b, VT-d §9.10 */
	assert_int_equal(rec.irte_hi & 0xffff, rec.nic_rid); /* SID 79:64 */
}

static void device_interrupt_reaches_the_guest(void **state)
{
	(void)state;
	assert_int_equal(rec.irqs_seen, 1);
	assert_int_equal(rec.vector_seen, GUEST_VECTOR);
	assert_int_equal(rec.ext_int_exits, 1);
	assert_int_equal(rec.eoi_exits, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_traps_registers_do_not),
		cmocka_unit_test(host_programs_a_remapped_entry),
		cmocka_unit_test(device_interrupt_reaches_the_guest),
	};

	return cmocka_run_group_tests(tests, run, NULL);
}
