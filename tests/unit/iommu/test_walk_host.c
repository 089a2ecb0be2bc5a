/* SPDX-License-Identifier: MIT */
/*
 * Second-level translation against the tables the host's VT-d driver really built for an
 * assigned NIC: the root and context entries it wrote, a 4-level walk on a miss and an IOTLB
 * hit after, faults outside the VM's memory (recorded in FRCD, handled by the host's fault
 * handler after the fault-event interrupt), and a stale IOTLB entry that keeps translating
 * until the driver's queued invalidation has run (VT-d 3.x §6.1: software must invalidate).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../common/scenario_util.h"
#include "models/devices/nic.h"
#include "models/host/hv.h"
#include "models/host/vfio.h"
#include "models/drivers/intel_iommu/intel_iommu.h"
#include "models/iommu/vtd.h"
#include "models/iommu/vtd_regs.h"
#include "models/mem/mem.h"
#include "models/pcie/pcie.h"
#include "app/machine.h"
#include "sim/engine.h"

static struct machine *m;

static struct {
	bool ran;
	uint16_t sid, did;
	uint64_t ram_hpa;
	struct vtd_xlate first, second, outside_r, outside_w;
	uint64_t reads_first, reads_second;
	uint64_t root, ctx_lo, ctx_hi, rtaddr;
	struct vtd_xlate stale, after_flush;
	uint64_t frcd_hi, frcd_lo, fsts_before;
	uint64_t faults_handled, fault_irqs;
	unsigned levels;
	uint64_t pgd;
} rec;

static void guest(void *ctx, struct vcpu *v)
{
	struct vtd *u = machine_vtd(m);
	const struct vtd_stats *st = vtd_stats(u);
	struct mem *mem = machine_mem(m);
	uint64_t r0;

	(void)ctx;
	(void)v;
	rec.ran = true;
	rec.sid = pcie_fn_rid(nic_fn(machine_nic(m, 0)));
	rec.did = vfio_domain_id(machine_vfio(m, 0));
	rec.ram_hpa = vm_ram_hpa(machine_vm(m, 0));
	rec.levels = dmar_domain_levels(vfio_domain(machine_vfio(m, 0)));
	rec.pgd = dmar_domain_pgd(vfio_domain(machine_vfio(m, 0)));

	/* The tables in memory, as the driver left them. */
	rec.rtaddr = vtd_reg_read(u, DMAR_RTADDR_REG, 8, sim_now());
	rec.root = mem_read64(mem, (rec.rtaddr & ~0xfffull) + (rec.sid >> 8) * 16u);
	rec.ctx_lo = mem_read64(mem, (rec.root & ~0xfffull) + (rec.sid & 0xff) * 16u);
	rec.ctx_hi = mem_read64(mem, (rec.root & ~0xfffull) + (rec.sid & 0xff) * 16u + 8);

	/* A guest-physical address in RAM: a walk, then a hit. */
	r0 = st->walk_mem_reads;
	vtd_translate(u, rec.sid, 0x123456, false, sim_now(), &rec.first);
	rec.reads_first = st->walk_mem_reads - r0;
	r0 = st->walk_mem_reads;
	vtd_translate(u, rec.sid, 0x123ff8, true, sim_now(), &rec.second);
	rec.reads_second = st->walk_mem_reads - r0;

	/* Beyond the VM's 64 MiB: nothing mapped. */
	rec.fsts_before = vtd_reg_read(u, DMAR_FSTS_REG, 4, sim_now());
	vtd_translate(u, rec.sid, 0x8000000, false, sim_now(), &rec.outside_r);
	/* The recorded fault, before the host has had a chance to clear it. */
	rec.frcd_lo = vtd_reg_read(u, PTSIM_VTD_FRO * 16, 8, sim_now());
	rec.frcd_hi = vtd_reg_read(u, PTSIM_VTD_FRO * 16 + 8, 8, sim_now());
	vtd_translate(u, rec.sid, 0x8000000, true, sim_now(), &rec.outside_w);
	/* Let the fault-event interrupt reach pCPU 0 and the host's handler run. */
	sim_sleep_until(sim_now() + 50 * SIM_PS_PER_US);
	rec.faults_handled = intel_iommu_stats(machine_iommu(m))->faults_handled;
	rec.fault_irqs = intel_iommu_stats(machine_iommu(m))->fault_irqs;

	/* Unmap a page without flushing: the IOTLB still holds it (stale but usable). */
	intel_iommu_unmap(vfio_domain(machine_vfio(m, 0)), 0x123000, 0x1000, false);
	pcpu_sync(pcpu_self());
	vtd_translate(u, rec.sid, 0x123456, false, sim_now(), &rec.stale);
	/* Now the driver invalidates (queued, waits for completion): the page faults. */
	intel_iommu_flush_iotlb_all(vfio_domain(machine_vfio(m, 0)));
	pcpu_sync(pcpu_self());
	vtd_translate(u, rec.sid, 0x123456, false, sim_now(), &rec.after_flush);

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

static void driver_built_the_context(void **state)
{
	(void)state;
	assert_true(rec.ran);
	assert_int_equal(rec.sid, 0x0100); /* 01:00.0: the bus the host numbered behind rp0 */
	assert_true(rec.root & VTD_ROOT_P);
	assert_true(rec.ctx_lo & VTD_CTX_P);
	assert_int_equal((rec.ctx_lo & VTD_CTX_TT_MASK) >> VTD_CTX_TT_SHIFT, VTD_TT_UNTRANSLATED);
	assert_int_equal(rec.ctx_lo & VTD_CTX_SLPTPTR, rec.pgd);
	assert_int_equal(rec.ctx_hi & 7, 2); /* AW 66:64: 48-bit, 4 levels (§9.3) */
	assert_int_equal((rec.ctx_hi >> 8) & 0xffff, rec.did); /* DID 87:72 */
	assert_int_equal(rec.levels, 4);
}

static void walk_then_hit(void **state)
{
	(void)state;
	assert_true(rec.first.ok);
	assert_int_equal(rec.first.hpa, rec.ram_hpa + 0x123456);
	assert_false(rec.first.iotlb_hit);
	assert_int_equal(rec.reads_first, 4);
	assert_true(rec.second.ok);
	assert_true(rec.second.iotlb_hit);
	assert_int_equal(rec.second.hpa, rec.ram_hpa + 0x123ff8);
	assert_int_equal(rec.reads_second, 0);
	/* a miss costs four memory reads more than a hit */
	assert_true(rec.first.lat_ps > rec.second.lat_ps + 4 * 80000);
}

static void outside_the_vm_faults(void **state)
{
	(void)state;
	assert_false(rec.outside_r.ok);
	assert_int_equal(rec.outside_r.fault_reason, VTD_FR_READ);
	assert_false(rec.outside_w.ok);
	assert_int_equal(rec.outside_w.fault_reason, VTD_FR_WRITE);
	assert_false(rec.fsts_before & DMA_FSTS_PPF);
	assert_true(rec.frcd_hi & DMA_FRCD_HI_F);
	assert_true(rec.frcd_hi & DMA_FRCD_HI_T); /* a read */
	assert_int_equal(DMA_FRCD_HI_SID(rec.frcd_hi), rec.sid);
	assert_int_equal((rec.frcd_hi >> DMA_FRCD_HI_FR_SHIFT) & 0xff, VTD_FR_READ);
	assert_int_equal(rec.frcd_lo & DMA_FRCD_LO_FI_MASK, 0x8000000);
	/* the fault event reached the host, whose handler logged and cleared both records */
	assert_true(rec.fault_irqs >= 1);
	assert_int_equal(rec.faults_handled, 2);
}

static void stale_until_invalidated(void **state)
{
	(void)state;
	assert_true(rec.stale.ok); /* the model is not more protective than the hardware */
	assert_true(rec.stale.iotlb_hit);
	assert_false(rec.after_flush.ok);
	assert_int_equal(rec.after_flush.fault_reason, VTD_FR_READ);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(driver_built_the_context),
		cmocka_unit_test(walk_then_hit),
		cmocka_unit_test(outside_the_vm_faults),
		cmocka_unit_test(stale_until_invalidated),
	};

	return cmocka_run_group_tests(tests, run, NULL);
}
