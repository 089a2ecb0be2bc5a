/* SPDX-License-Identifier: MIT */
/*
 * Firmware's DMAR table and what the host does with it (VT-d 3.x ch. 8; Linux's dmar.c): two
 * DRHDs (one with a device scope naming a root port, one INCLUDE_PCI_ALL), an RMRR for a DMA
 * engine, an ATSR for all ports. The host parses the table through memory reads, runs a
 * driver per unit, resolves scopes after enumeration; the root complex sends each device's
 * DMA to the unit that covers it; the RMRR is mapped 1:1 and forbids assignment; the NIC with
 * ATS gets its translations from the IOMMU once and then from its own cache, and the driver's
 * unmap invalidates the device TLB (with completion) before it returns.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>

#include "../common/scenario_util.h"
#include "models/devices/nic.h"
#include "models/drivers/intel_iommu/dmar.h"
#include "models/host/host_iommu.h"
#include "models/host/hpci.h"
#include "models/host/hv.h"
#include "models/host/vfio.h"
#include "models/drivers/intel_iommu/intel_iommu.h"
#include "models/iommu/vtd.h"
#include "models/iommu/vtd_regs.h"
#include "models/mem/mem.h"
#include "models/pcie/pcie.h"
#include "models/pcie/pcie_regs.h"
#include "app/machine.h"
#include "sim/engine.h"

static const char text[] = "name: units\n"
			   "machine:\n"
			   "  cpu: {pcpus: 2}\n"
			   "  memory: {size_mib: 512}\n"
			   "  pcie:\n"
			   "    devices:\n"
			   "      - name: rp0\n"
			   "        type: root_port\n"
			   "        slot: 1\n"
			   "        below:\n"
			   "          - {name: nic0, type: ptnic, ats: true, atc_entries: 8}\n"
			   "      - name: rp1\n"
			   "        type: root_port\n"
			   "        slot: 2\n"
			   "        below:\n"
			   "          - {name: dma0, type: dma_engine}\n"
			   "  iommu:\n"
			   "    device_tlb: true\n"
			   "    units:\n"
			   "      - {name: scoped, scope: [rp1]}\n"
			   "      - {name: all, include_all: true}\n"
			   "  firmware:\n"
			   "    rmrrs:\n"
			   "      - {device: dma0, base: 0x1e000000, size_kib: 64}\n"
			   "host: {flr_wait_us: 100}\n"
			   "vms:\n"
			   "  - name: vm0\n"
			   "    memory_mib: 64\n"
			   "    devices: [nic0]\n"
			   "workload: {device: nic0, frames: 10}\n"
			   "run: {max_sim_ms: 1000}\n";

static struct machine *m;

static struct {
	bool ran;
	struct dmar_info d;
	uint16_t nic_bdf, dma_bdf;
	int nic_unit, dma_unit;
	bool nic_rmrr, dma_rmrr;
	uint64_t unit0_translations, unit1_translations;
	bool ats_on;
	uint64_t ctx_lo;
	uint64_t atc_lookups, atc_hits, atc_misses, ats_requests;
	struct vtd_xlate rmrr_x;
	int attach_rc;
	uint64_t inv_devtlb_before, inv_devtlb_after, atc_inv_before, atc_inv_after;
	uint64_t unmap_ps;
	int vfio_rc;
} rec;

static void dma(struct pcie_fn *fn, uint64_t addr, bool write)
{
	struct pcie_dma d = {.addr = addr, .len = 64, .write = write, .t_issue = sim_now()};

	pcie_dma_submit(fn, &d);
	sim_sleep_until(d.t_done > sim_now() ? d.t_done : sim_now() + 1000);
}

static void guest(void *ctx, struct vcpu *v)
{
	struct host *h = machine_host(m);
	struct pcie_fn *nic = nic_fn(machine_nic(m, 0));
	struct pcie_fn *eng = pcie_fabric_find(machine_fabric(m), "dma0");
	struct intel_iommu *all = machine_unit_drv(m, 1), *scoped = machine_unit_drv(m, 0);
	struct iommu_hal hal = host_iommu_hal(h);
	struct dmar_domain *dom;
	uint64_t t0;

	(void)ctx;
	(void)v;
	rec.ran = true;
	/* The host parses the table again, as a second reader would. */
	dmar_parse(&hal, host_machine(h)->acpi_rsdp, &rec.d);
	rec.nic_bdf = pcie_fn_rid(nic);
	rec.dma_bdf = pcie_fn_rid(eng);
	rec.nic_unit = dmar_unit_for(&hal, &rec.d, rec.nic_bdf);
	rec.dma_unit = dmar_unit_for(&hal, &rec.d, rec.dma_bdf);
	rec.nic_rmrr = dmar_has_rmrr(&hal, &rec.d, rec.nic_bdf);
	rec.dma_rmrr = dmar_has_rmrr(&hal, &rec.d, rec.dma_bdf);
	rec.ats_on = intel_iommu_ats_enabled(all, rec.nic_bdf);

	/* The NIC's DMA: translation requests first, then its own ATC. */
	pcie_fn_cfg_set(nic, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	for (unsigned lap = 0; lap < 3; lap++)
		for (uint64_t a = 0; a < 4 * 4096; a += 4096)
			dma(nic, 0x100000 + a, true);
	rec.unit0_translations = vtd_stats(machine_unit(m, 0))->translations;
	rec.unit1_translations = vtd_stats(machine_unit(m, 1))->translations;
	rec.atc_lookups = pcie_fn_atc_stats(nic)->lookups;
	rec.atc_hits = pcie_fn_atc_stats(nic)->hits;
	rec.atc_misses = pcie_fn_atc_stats(nic)->misses;
	rec.ats_requests = vtd_stats(machine_unit(m, 1))->ats_requests;
	{
		uint64_t rta = vtd_reg_read(machine_unit(m, 1), DMAR_RTADDR_REG, 8, sim_now());
		uint64_t re =
		    mem_read64(machine_mem(m), (rta & ~0xfffull) + (rec.nic_bdf >> 8) * 16);

		rec.ctx_lo =
		    mem_read64(machine_mem(m), (re & ~0xfffull) + (rec.nic_bdf & 0xff) * 16);
	}

	/* Unmapping with a flush invalidates the NIC's ATC too, and waits for it. */
	rec.inv_devtlb_before = vtd_stats(machine_unit(m, 1))->inv_devtlb;
	rec.atc_inv_before = pcie_fn_atc_stats(nic)->invalidations;
	t0 = pcpu_sync(pcpu_self());
	intel_iommu_unmap(vfio_domain(machine_vfio(m, 0)), 0x100000, 4096, true);
	rec.unmap_ps = pcpu_sync(pcpu_self()) - t0;
	rec.inv_devtlb_after = vtd_stats(machine_unit(m, 1))->inv_devtlb;
	rec.atc_inv_after = pcie_fn_atc_stats(nic)->invalidations;

	/* dma0 has an RMRR: its domain maps it 1:1; a VM may not have it. */
	rec.attach_rc = intel_iommu_domain_alloc(scoped, &dom);
	if (!rec.attach_rc)
		rec.attach_rc = intel_iommu_attach_device(dom, rec.dma_bdf);
	vtd_translate(machine_unit(m, 0), rec.dma_bdf, 0x1e001234, true, sim_now(), &rec.rmrr_x);
	{
		struct vfio_cfg fc = {.host_bdf = rec.dma_bdf, .dma.strategy = DMA_DIRECT_MAP};
		struct vfio_dev *vd;

		rec.vfio_rc = vfio_assign(machine_vm(m, 0), scoped, machine_pci(m), &fc, &vd);
	}
	machine_end(m);
}

static int run(void **state)
{
	struct scenario sc;
	struct run_opts o = {.config_path = "inline", .seed = 1};

	(void)state;
	scenario_from_text(text, NULL, 0, &sc);
	if (machine_create(&sc, &o, &m))
		return -1;
	machine_set_guest_entry(m, guest, NULL);
	machine_start(m);
	return sim_engine_run();
}

/* The table as the host read it (VT-d §8.3-8.5). */
static void test_parsed(void **state)
{
	const struct dmar_info *d = &rec.d;

	(void)state;
	assert_true(rec.ran);
	assert_int_equal(d->haw, 46);
	assert_int_equal(d->flags & ACPI_DMAR_INTR_REMAP, ACPI_DMAR_INTR_REMAP);
	assert_int_equal(d->nunits, 2);
	/* the scoped unit first, INCLUDE_PCI_ALL last */
	assert_int_equal(d->unit[0].reg_base, 0xfed90000ull);
	assert_false(d->unit[0].include_all);
	assert_int_equal(d->unit[0].nscope, 1);
	assert_int_equal(d->unit[0].scope[0].type, ACPI_DMAR_SCOPE_BRIDGE);
	assert_int_equal(d->unit[0].scope[0].npath, 1);
	assert_int_equal(d->unit[0].scope[0].path[0][0], 2); /* device 2 function 0 */
	assert_int_equal(d->unit[1].reg_base, 0xfed91000ull);
	assert_true(d->unit[1].include_all);
	assert_int_equal(d->nrmrr, 1);
	assert_int_equal(d->rmrr[0].base, 0x1e000000ull);
	assert_int_equal(d->rmrr[0].end, 0x1e00ffffull);
	assert_int_equal(d->rmrr[0].scope[0].type, ACPI_DMAR_SCOPE_ENDPOINT);
	assert_int_equal(d->rmrr[0].scope[0].npath, 2);
	assert_true(d->have_atsr && d->atsr_all_ports);
	/* the machine's own parse says the same */
	assert_int_equal(machine_dmar(m)->nunits, 2);
}

static void test_units_by_scope(void **state)
{
	(void)state;
	assert_int_equal(rec.dma_unit, 0);
	assert_int_equal(rec.nic_unit, 1);
	assert_false(rec.nic_rmrr);
	assert_true(rec.dma_rmrr);
	/* the NIC's requests reached the INCLUDE_PCI_ALL unit only */
	assert_int_equal(rec.unit0_translations, 0);
	assert_true(rec.unit1_translations > 0);
}

static void test_ats(void **state)
{
	(void)state;
	assert_true(rec.ats_on);
	assert_int_equal((rec.ctx_lo >> 2) & 3, VTD_TT_DEVTLB); /* context TT 01b */
	assert_int_equal(rec.atc_lookups, 12);
	assert_int_equal(rec.atc_misses, 4);
	assert_int_equal(rec.atc_hits, 8);
	assert_int_equal(rec.ats_requests, 4);
	assert_true(rec.inv_devtlb_after > rec.inv_devtlb_before);
	assert_true(rec.atc_inv_after > rec.atc_inv_before);
	/* the invalidation went to the device and back before the driver's wait ended */
	assert_true(rec.unmap_ps > 2 * 70000);
}

static void test_rmrr(void **state)
{
	(void)state;
	assert_int_equal(rec.attach_rc, 0);
	assert_true(rec.rmrr_x.ok);
	assert_int_equal(rec.rmrr_x.hpa, 0x1e001234ull);
	assert_int_equal(rec.vfio_rc, -EPERM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parsed),
	    cmocka_unit_test(test_units_by_scope),
	    cmocka_unit_test(test_ats),
	    cmocka_unit_test(test_rmrr),
	};

	return cmocka_run_group_tests(tests, run, NULL);
}
