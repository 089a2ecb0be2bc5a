/* SPDX-License-Identifier: MIT */
/*
 * The host's VT-d driver on a unit with scalable mode (VT-d 3.x §3.4.3, §9.4-9.6): it reads
 * ECAP.SMTS and builds scalable-mode tables (RTADDR.TTM 01b, a PASID directory and table per
 * device, RID_PASID's entry with PGTT second-level for the VM's domain) and uses 256-bit
 * invalidation descriptors. A guest-managed first level over that second level (PGTT nested,
 * what a nested vIOMMU would use) translates with every first-level pointer going through the
 * host's tables: 24 reads for 4 levels over 4 levels, and PASID-based invalidation drops it.
 * Posted IRTEs (irq_remapping_set_posted, CAP.PI) update a posted-interrupt descriptor.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../common/scenario_util.h"
#include "models/devices/nic.h"
#include "models/host/host.h"
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
	bool ran, scalable;
	uint64_t rtaddr, ctx0, pe0, pe1, iqa;
	uint16_t sid, did;
	struct vtd_xlate dma, nested, nested_hit, after_flush;
	uint64_t ram, reads_nested, reads_hit;
	int attach_rc, flush_rc, posted_rc;
	uint64_t pir, pid_ctl;
	uint64_t posted_before, posted_after;
} rec;

/* A guest's own 4-level x86 page table in its memory (GPA), mapping va -> gpa_page. */
static uint64_t guest_table(struct mem *mem, uint64_t ram, uint64_t *next_gpa, uint64_t va,
			    uint64_t gpa_page)
{
	uint64_t root = *next_gpa, table = root;

	*next_gpa += 4096;
	for (unsigned l = 4; l > 1; l--) {
		uint64_t slot = table + ((va >> (12 + 9 * (l - 1))) & 511) * 8;
		uint64_t next = *next_gpa;

		*next_gpa += 4096;
		mem_write64(mem, ram + slot, next | 0x67); /* P RW US A D */
		table = next;
	}
	mem_write64(mem, ram + table + ((va >> 12) & 511) * 8, gpa_page | 0x67);
	return root;
}

static void guest(void *ctx, struct vcpu *v)
{
	struct vtd *u = machine_vtd(m);
	struct mem *mem = machine_mem(m);
	struct intel_iommu *drv = machine_iommu(m);
	struct dmar_domain *dom = vfio_domain(machine_vfio(m, 0));
	uint64_t next = 0x800000, root, r0, dir, pt;
	struct vtd_req r = {.addr = 0x7f0000042000ull, .pasid_present = true, .pasid = 9};

	(void)ctx;
	(void)v;
	rec.ran = true;
	rec.scalable = intel_iommu_scalable(drv);
	rec.sid = pcie_fn_rid(nic_fn(machine_nic(m, 0)));
	rec.did = dmar_domain_id(dom);
	rec.ram = vm_ram_hpa(machine_vm(m, 0));
	rec.rtaddr = vtd_reg_read(u, DMAR_RTADDR_REG, 8, sim_now());
	rec.iqa = vtd_reg_read(u, DMAR_IQA_REG, 8, sim_now());
	/* root (lower half: devfn 0-127) -> scalable context (32 B) -> directory -> entry 0 */
	rec.ctx0 = mem_read64(
	    mem, (mem_read64(mem, (rec.rtaddr & ~0xfffull) + (rec.sid >> 8) * 16) & ~0xfffull) +
		     (rec.sid & 0x7f) * 32);
	dir = rec.ctx0 & ~0xfffull;
	pt = mem_read64(mem, dir) & ~0xfffull;
	rec.pe0 = mem_read64(mem, pt);
	rec.pe1 = mem_read64(mem, pt + 8);

	/* The device's DMA (no PASID) through RID_PASID's second level. */
	vtd_translate(u, rec.sid, 0x123456, true, sim_now(), &rec.dma);

	/* A guest first level (tables in guest memory) nested over the VM's domain. */
	root = guest_table(mem, rec.ram, &next, r.addr, 0x2345000);
	rec.attach_rc = intel_pasid_setup_nested(dom, rec.sid, 9, root, 4);
	pcpu_sync(pcpu_self());
	r.sid = rec.sid;
	r0 = vtd_stats(u)->walk_mem_reads;
	vtd_translate_req(u, &r, sim_now(), &rec.nested);
	rec.reads_nested = vtd_stats(u)->walk_mem_reads - r0;
	r0 = vtd_stats(u)->walk_mem_reads;
	r.addr += 0x10;
	vtd_translate_req(u, &r, sim_now(), &rec.nested_hit);
	rec.reads_hit = vtd_stats(u)->walk_mem_reads - r0;
	/* The guest unmaps (its PTE) and has the PASID's IOTLB entries invalidated. */
	mem_write64(mem, rec.ram + (next - 4096) + ((r.addr >> 12) & 511) * 8, 0);
	rec.flush_rc = qi_flush_piotlb(dom, 9, 0, 0, true);
	pcpu_sync(pcpu_self());
	vtd_translate_req(u, &r, sim_now(), &rec.after_flush);

	/* A posted IRTE: the NIC's interrupt becomes PIR bit 0x51 of a descriptor. */
	{
		uint32_t idx;
		uint64_t pda;
		struct pcie_irq irq;
		uint64_t addr;
		uint32_t data;

		host_alloc_pages(machine_host(m), 1, MEM_OWNER_HOST, &pda);
		mem_write64(mem, pda + 32, (uint64_t)0xf2 << 8 | (1ull << 32));
		irq_remapping_alloc_irte(drv, &idx);
		rec.posted_rc = irq_remapping_set_posted(drv, idx, pda, 0x51, rec.sid, false);
		pcpu_sync(pcpu_self());
		irq_remapping_msi(idx, &addr, &data);
		rec.posted_before = vtd_stats(u)->ir_posted;
		vtd_remap_msi(u, rec.sid, addr, data, sim_now(), &irq);
		pcie_irq_commit(&irq);
		rec.posted_after = vtd_stats(u)->ir_posted;
		rec.pir = mem_read64(mem, pda + 8);
		rec.pid_ctl = mem_read64(mem, pda + 32);
	}
	machine_end(m);
}

static int run(void **state)
{
	static const char *const sets[] = {"machine.iommu.scalable_mode=true"};
	struct scenario sc;
	struct run_opts o = {.config_path = "inline", .seed = 1};

	(void)state;
	scenario_from_text(scenario_small, sets, 1, &sc);
	if (machine_create(&sc, &o, &m))
		return -1;
	machine_set_guest_entry(m, guest, NULL);
	machine_start(m);
	return sim_engine_run();
}

static void test_scalable_tables(void **state)
{
	(void)state;
	assert_true(rec.ran);
	assert_true(rec.scalable);
	assert_int_equal((rec.rtaddr >> 10) & 3, 1); /* TTM: scalable */
	assert_true(rec.iqa & (1ull << 11));	     /* 256-bit descriptors */
	assert_true(rec.ctx0 & 1);		     /* P */
	assert_true(rec.pe0 & 1);
	assert_int_equal((rec.pe0 >> 6) & 7, 2);     /* PGTT second level */
	assert_int_equal((rec.pe0 >> 2) & 7, 2);     /* AW: 4 levels */
	assert_int_equal(rec.pe1 & 0xffff, rec.did); /* DID */
	assert_true(rec.dma.ok);
	assert_int_equal(rec.dma.hpa, rec.ram + 0x123456);
}

static void test_nested(void **state)
{
	(void)state;
	assert_int_equal(rec.attach_rc, 0);
	assert_true(rec.nested.ok);
	assert_int_equal(rec.nested.hpa, rec.ram + 0x2345000);
	assert_int_equal(rec.reads_nested, 24);
	assert_true(rec.nested_hit.iotlb_hit);
	assert_int_equal(rec.reads_hit, 0);
	assert_int_equal(rec.flush_rc, 0);
	assert_false(rec.after_flush.ok);
	assert_int_equal(rec.after_flush.fault_reason, VTD_FR_SM_FL_NP);
}

static void test_posted_irte(void **state)
{
	(void)state;
	assert_int_equal(rec.posted_rc, 0);
	assert_int_equal(rec.posted_after - rec.posted_before, 1);
	assert_int_equal(rec.pir, 1ull << (0x51 - 64));
	assert_true(rec.pid_ctl & 1); /* ON */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scalable_tables),
	    cmocka_unit_test(test_nested),
	    cmocka_unit_test(test_posted_irte),
	};

	return cmocka_run_group_tests(tests, run, NULL);
}
