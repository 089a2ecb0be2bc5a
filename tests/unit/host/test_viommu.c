/* SPDX-License-Identifier: MIT */
/*
 * The guest-visible IOMMU on a whole machine: a "guest" (this file's code on vm0's vCPU) builds
 * VT-d tables in its RAM and programs the emulated unit through trapping MMIO, as a guest's
 * VT-d driver does, then plays the device, asking the physical unit to translate. Checked: the
 * emulated unit (capabilities by mode, GCMD commands completing in GSTS, the invalidation queue
 * run within the tail write's exit, the wait descriptor's status written before the guest
 * looks); shadowing walks the guest's second level for exactly what was invalidated (a mapping
 * the guest did not invalidate is not seen: Caching Mode), installs gIOVA -> HPA, refuses
 * guest addresses that are not the VM's RAM, removes unmapped pages with the physical IOTLB
 * invalidated, and resynchronises everything on a domain invalidation; in nested mode the
 * unit walks the guest's first level over the VM's second level (longer walks), and a guest
 * invalidation is forwarded.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../common/fork_util.h"
#include "../common/scenario_util.h"
#include "app/machine.h"
#include "models/abi/bootparam.h"
#include "models/cpu/guest_isa.h"
#include "models/devices/nic.h"
#include "models/host/hv.h"
#include "models/host/viommu.h"
#include "models/iommu/vtd.h"
#include "models/iommu/vtd_regs.h"
#include "models/mem/mem.h"
#include "models/pcie/pcie.h"
#include "sim/engine.h"

#define DEVFN  0x18 /* the NIC on vm0's bus: 00:03.0 */
#define PG     0x1000ull
#define ROOT   0x100000ull /* the guest's tables, in vm0's RAM */
#define CTX    0x101000ull
#define L4     0x102000ull
#define L3     0x103000ull
#define L2     0x104000ull
#define L1     0x105000ull
#define PDIR   0x106000ull
#define PTBL   0x107000ull
#define IQ     0x110000ull
#define STATUS 0x120000ull
#define DID    5
#define IOVA   0x7000ull
#define BUF    0x300000ull

static struct machine *m;
static struct vcpu *cpu;
static unsigned tail, seq;

struct rec {
	bool ran;
	bool ok[16];
	uint64_t hpa[16], ram_hpa;
	uint32_t status;
	uint64_t walk_reads[4], walks[4];
	struct viommu_stats s[6];
};
static struct rec *rec;

static void gw64(uint64_t gpa, uint64_t v)
{
	mem_write64(machine_mem(m), vm_ram_hpa(machine_vm(m, 0)) + gpa, v);
}

static uint32_t gr32(uint64_t gpa)
{
	return mem_read32(machine_mem(m), vm_ram_hpa(machine_vm(m, 0)) + gpa);
}

static void reg32(uint32_t off, uint32_t v)
{
	vcpu_mmio_write(cpu, GUEST_VIOMMU_BASE + off, 4, v);
}

static void reg64(uint32_t off, uint64_t v)
{
	vcpu_mmio_write(cpu, GUEST_VIOMMU_BASE + off, 8, v);
}

/* Queue descriptors and a wait, move the tail (one trap), and return the status word. */
static uint32_t submit(const struct vtd_inv_desc *d, unsigned n)
{
	for (unsigned i = 0; i <= n; i++) {
		struct vtd_inv_desc w = vtd_inv_wait(QI_IWD_SW, ++seq, STATUS);
		const struct vtd_inv_desc *x = i < n ? &d[i] : &w;

		gw64(IQ + tail * 32ull, x->val[0]);
		gw64(IQ + tail * 32ull + 8, x->val[1]);
		tail++;
	}
	reg64(DMAR_IQT_REG, tail * 32ull);
	return gr32(STATUS);
}

static bool dev_access(uint64_t iova, uint64_t *hpa)
{
	struct vtd_xlate x;

	vtd_translate(machine_vtd(m), pcie_fn_rid(nic_fn(machine_nic(m, 0))), iova, true, sim_now(),
		      &x);
	if (hpa)
		*hpa = x.hpa;
	return x.ok;
}

static void snap(unsigned i)
{
	rec->s[i] = *viommu_stats(machine_viommu(m, 0));
}

static void leaf(uint64_t iova, uint64_t v)
{
	gw64(L1 + vtd_level_index(iova, 1) * 8, v);
}

static uint64_t sl(uint64_t pa)
{
	struct vtd_sl_pte p;

	vtd_slpte_set(&p, pa, VTD_SL_R | VTD_SL_W, false);
	return p.val;
}

/* Queued invalidation on, 256-bit descriptors (what the guest's driver does in either mode). */
static void qi_on(void)
{
	reg64(DMAR_IQA_REG, IQ | DMA_IQA_DW | VTD_IQA_QS(0));
	reg32(DMAR_GCMD_REG, DMA_GCMD_QIE);
}

/* ---- the guests ---- */

static void guest_regs(void *ctx, struct vcpu *v)
{
	struct vtd_inv_desc d = vtd_inv_cc(QI_GRAN_GLOBAL, 0, 0, 0);

	(void)ctx;
	cpu = v;
	rec->ran = true;
	rec->hpa[0] = vcpu_mmio_read(cpu, GUEST_VIOMMU_BASE + DMAR_CAP_REG, 8);
	rec->hpa[1] = vcpu_mmio_read(cpu, GUEST_VIOMMU_BASE + DMAR_ECAP_REG, 8);
	qi_on();
	reg64(DMAR_RTADDR_REG, ROOT);
	reg32(DMAR_GCMD_REG, DMA_GCMD_QIE | DMA_GCMD_SRTP);
	reg32(DMAR_GCMD_REG, DMA_GCMD_QIE | DMA_GCMD_TE);
	rec->hpa[2] = vcpu_mmio_read(cpu, GUEST_VIOMMU_BASE + DMAR_GSTS_REG, 4);
	rec->status = submit(&d, 1) == seq;
	rec->hpa[3] = vcpu_mmio_read(cpu, GUEST_VIOMMU_BASE + DMAR_IQH_REG, 8);
	snap(0);
	machine_end(m);
}

static void guest_shadow(void *ctx, struct vcpu *v)
{
	struct vtd_root_entry re = {{0}};
	struct vtd_context_entry ce = {{0}};
	struct vtd_inv_desc d;

	(void)ctx;
	cpu = v;
	rec->ran = true;
	rec->ram_hpa = vm_ram_hpa(machine_vm(m, 0));
	/* Legacy tables: root -> context (DID 5, 4 levels) -> L4 -> L3 -> L2 -> L1, empty L1. */
	vtd_root_set_ctp(&re, CTX);
	vtd_root_set_present(&re);
	gw64(ROOT, re.val[0]);
	vtd_ce_set_aw(&ce, vtd_levels_to_aw(4));
	vtd_ce_set_did(&ce, DID);
	vtd_ce_set_slptptr(&ce, L4);
	vtd_ce_set_tt(&ce, VTD_TT_UNTRANSLATED);
	vtd_ce_set_present(&ce);
	gw64(CTX + DEVFN * 16 + 8, ce.val[1]);
	gw64(CTX + DEVFN * 16, ce.val[0]);
	gw64(L4, sl(L3));
	gw64(L3, sl(L2));
	gw64(L2, sl(L1));
	qi_on();
	reg64(DMAR_RTADDR_REG, ROOT);
	reg32(DMAR_GCMD_REG, DMA_GCMD_QIE | DMA_GCMD_SRTP);
	reg32(DMAR_GCMD_REG, DMA_GCMD_QIE | DMA_GCMD_TE);
	d = vtd_inv_cc(QI_GRAN_GLOBAL, 0, 0, 0);
	rec->status = submit(&d, 1) == seq;
	snap(0);
	/* A mapping the guest wrote but did not invalidate: the VMM cannot know of it. */
	leaf(IOVA, sl(BUF));
	rec->ok[0] = dev_access(IOVA, NULL);
	/* Its page-selective invalidation: one walk of four reads, one page installed. */
	d = vtd_inv_iotlb(QI_GRAN_DEVICE, DID, IOVA, 0, false, true, true);
	submit(&d, 1);
	rec->ok[1] = dev_access(IOVA + 0x10, &rec->hpa[1]);
	snap(1);
	/* Unmapped and invalidated: removed, and the physical IOTLB no longer translates it. */
	leaf(IOVA, 0);
	submit(&d, 1);
	rec->ok[2] = dev_access(IOVA, NULL);
	snap(2);
	/* A guest-physical address that is not the VM's RAM (64 MiB of it): never shadowed. */
	leaf(IOVA, sl(0x40000000));
	submit(&d, 1);
	rec->ok[3] = dev_access(IOVA, NULL);
	snap(3);
	/* Two pages at once, then one of them gone: a domain invalidation resynchronises all. */
	leaf(IOVA, sl(BUF));
	leaf(IOVA + PG, sl(BUF + PG));
	d = vtd_inv_iotlb(QI_GRAN_DOMAIN, DID, 0, 0, false, true, true);
	submit(&d, 1);
	rec->ok[4] = dev_access(IOVA, NULL);
	rec->ok[5] = dev_access(IOVA + PG, &rec->hpa[5]);
	leaf(IOVA, 0);
	submit(&d, 1);
	rec->ok[6] = dev_access(IOVA, NULL);
	rec->ok[7] = dev_access(IOVA + PG, NULL);
	snap(4);
	machine_end(m);
}

static uint64_t fl(uint64_t pa)
{
	struct vtd_fl_pte p;

	vtd_flpte_set(&p, pa, VTD_FL_RW | VTD_FL_US);
	return p.val;
}

static void guest_nested(void *ctx, struct vcpu *v)
{
	const struct vtd_stats *vs = vtd_stats(machine_vtd(m));
	struct vtd_root_entry re = {{0}};
	struct vtd_sm_context_entry ce = {{0}};
	struct vtd_pasid_dir_entry pde = {0};
	struct vtd_pasid_entry pe = {{0}};
	struct vtd_inv_desc d;

	(void)ctx;
	cpu = v;
	rec->ran = true;
	rec->ram_hpa = vm_ram_hpa(machine_vm(m, 0));
	/* Scalable tables: root (lower half) -> context -> PASID directory -> RID_PASID's entry,
	 * first level (DID 5) at L4, an x86 4-level table mapping IOVA to BUF. */
	vtd_smroot_set_ctp(&re, 0, CTX);
	vtd_smroot_set_present(&re, 0);
	gw64(ROOT, re.val[0]);
	vtd_smce_set_pasid_dir(&ce, PDIR);
	vtd_smce_set_present(&ce);
	gw64(CTX + DEVFN * 32, ce.val[0]);
	vtd_pde_set_table(&pde, PTBL);
	vtd_pde_set_present(&pde);
	gw64(PDIR, pde.val);
	vtd_pe_set_pgtt(&pe, VTD_PGTT_FL);
	vtd_pe_set_did(&pe, DID);
	vtd_pe_set_flptptr(&pe, L4);
	vtd_pe_set_present(&pe);
	gw64(PTBL + 8, pe.val[1]);
	gw64(PTBL + 16, pe.val[2]);
	gw64(PTBL, pe.val[0]);
	gw64(L4, fl(L3));
	gw64(L3, fl(L2));
	gw64(L2, fl(L1));
	leaf(IOVA, fl(BUF));
	qi_on();
	reg64(DMAR_RTADDR_REG, ROOT | VTD_RTADDR_TTM(DMA_TTM_SCALABLE));
	reg32(DMAR_GCMD_REG, DMA_GCMD_QIE | DMA_GCMD_SRTP);
	reg32(DMAR_GCMD_REG, DMA_GCMD_QIE | DMA_GCMD_TE);
	/* The PASID-cache invalidation binds the table on the physical unit. */
	d = vtd_inv_pc(QI_PC_PASID_SEL, DID, 0);
	submit(&d, 1);
	snap(0);
	rec->walks[0] = vs->walks;
	rec->walk_reads[0] = vs->walk_mem_reads;
	rec->ok[0] = dev_access(IOVA + 0x10, &rec->hpa[0]);
	rec->walks[1] = vs->walks;
	rec->walk_reads[1] = vs->walk_mem_reads;
	/* A second page mapped by the guest, with no invalidation and no exit: translates. */
	leaf(IOVA + PG, fl(BUF + PG));
	rec->ok[1] = dev_access(IOVA + PG, &rec->hpa[1]);
	snap(1);
	/* Unmapped: the IOTLB still has it until the guest's invalidation is forwarded. */
	leaf(IOVA, 0);
	rec->ok[2] = dev_access(IOVA, NULL);
	d = vtd_inv_piotlb(QI_GRAN_PSI_PASID, DID, 0, IOVA, 0, false);
	submit(&d, 1);
	rec->ok[3] = dev_access(IOVA, NULL);
	snap(2);
	machine_end(m);
}

/* ---- running one in a child ---- */

struct run_arg {
	void (*guest)(void *ctx, struct vcpu *v);
	const char *const *sets;
	size_t nsets;
};

static int run_one(void *p)
{
	const struct run_arg *a = p;
	struct scenario sc;
	struct run_opts o = {.config_path = "inline", .seed = 1};

	scenario_from_text(scenario_small, a->sets, a->nsets, &sc);
	if (machine_create(&sc, &o, &m))
		return 1;
	machine_set_guest_entry(m, a->guest, NULL);
	machine_start(m);
	return sim_engine_run() ? 1 : 0;
}

static void run(void (*guest)(void *, struct vcpu *), const char *const *sets, size_t nsets)
{
	struct run_arg a = {guest, sets, nsets};

	memset(rec, 0, sizeof(*rec));
	tail = seq = 0;
	assert_int_equal(run_in_child(run_one, &a), 0);
	assert_true(rec->ran);
}

static void emulated_unit_serves_registers_and_queue(void **state)
{
	static const char *const sets[] = {"vms.0.viommu=shadow", "vms.0.guest.iommu=passthrough"};

	(void)state;
	run(guest_regs, sets, 2);
	/* shadow: Caching Mode (VT-d §6.1), legacy tables, queued invalidation */
	assert_true(rec->hpa[0] & CAP_CM);
	assert_true(rec->hpa[1] & ECAP_QI);
	assert_false(rec->hpa[1] & ECAP_SMTS);
	assert_int_equal(rec->hpa[2], DMA_GSTS_TES | DMA_GSTS_QIES | DMA_GSTS_RTPS);
	/* the wait descriptor's status write completed within the tail write's exit */
	assert_true(rec->status);
	assert_int_equal(rec->hpa[3], 2 * 32); /* the head caught up with the tail */
	assert_int_equal(rec->s[0].iq_tail_writes, 1);
	assert_int_equal(rec->s[0].descs, 2);
	assert_int_equal(rec->s[0].cc_descs, 1);
	assert_int_equal(rec->s[0].wait_descs, 1);
	/* every access trapped: IQA, GCMD x3, RTADDR, IQT written; CAP, ECAP, GSTS, IQH read */
	assert_int_equal(rec->s[0].reg_writes, 6);
	assert_int_equal(rec->s[0].reg_reads, 4);
}

static void nested_unit_is_scalable_without_caching_mode(void **state)
{
	static const char *const sets[] = {"vms.0.viommu=nested", "vms.0.guest.iommu=passthrough",
					   "machine.iommu.scalable_mode=true"};

	(void)state;
	run(guest_regs, sets, 3);
	assert_false(rec->hpa[0] & CAP_CM);
	assert_true(rec->hpa[1] & ECAP_SMTS);
	assert_true(rec->hpa[1] & ECAP_FLTS);
	assert_false(rec->hpa[1] & ECAP_SLTS);
	assert_true(rec->status);
}

static void shadow_walks_what_the_guest_invalidates(void **state)
{
	static const char *const sets[] = {"vms.0.viommu=shadow"};

	(void)state;
	run(guest_shadow, sets, 1);
	/* the wait descriptor's status write completed within the tail write's exit */
	assert_true(rec->status);
	assert_int_equal(rec->s[0].cc_descs, 1);
	assert_int_equal(rec->s[0].shadow_installs, 0);
	assert_int_equal(rec->s[0].iq_tail_writes, 1);
	/* every register write trapped: IQA, GCMD x3, RTADDR, IQT */
	assert_int_equal(rec->s[0].reg_writes, 6);
	/* written, not invalidated: not translated */
	assert_false(rec->ok[0]);
	/* invalidated: one walk of the 4-level table, installed at the VM's host page */
	assert_true(rec->ok[1]);
	assert_int_equal(rec->hpa[1], rec->ram_hpa + BUF + 0x10);
	assert_int_equal(rec->s[1].shadow_walks - rec->s[0].shadow_walks, 1);
	assert_int_equal(rec->s[1].shadow_walk_reads - rec->s[0].shadow_walk_reads, 4);
	assert_int_equal(rec->s[1].shadow_installs, 1);
	assert_int_equal(rec->s[1].iotlb_descs, 1);
	/* unmapped: removed, the physical IOTLB entry invalidated */
	assert_false(rec->ok[2]);
	assert_int_equal(rec->s[2].shadow_removals, 1);
	assert_int_equal(rec->s[2].shadow_pages, 0);
	/* outside the VM's RAM: refused */
	assert_false(rec->ok[3]);
	assert_int_equal(rec->s[3].shadow_bad, 1);
	assert_int_equal(rec->s[3].shadow_installs, 1);
	/* a domain invalidation: both pages, then only the one still mapped */
	assert_true(rec->ok[4]);
	assert_true(rec->ok[5]);
	assert_int_equal(rec->hpa[5], rec->ram_hpa + BUF + PG);
	assert_false(rec->ok[6]);
	assert_true(rec->ok[7]);
	assert_int_equal(rec->s[4].shadow_syncs - rec->s[3].shadow_syncs, 2);
	assert_int_equal(rec->s[4].shadow_installs, 3);
	assert_int_equal(rec->s[4].shadow_removals, 2);
	assert_int_equal(rec->s[4].shadow_pages, 1);
}

static void nested_binds_the_guest_table_and_forwards_invalidations(void **state)
{
	static const char *const sets[] = {"vms.0.viommu=nested",
					   "machine.iommu.scalable_mode=true"};

	(void)state;
	run(guest_nested, sets, 2);
	assert_int_equal(rec->s[0].nested_binds, 1);
	assert_int_equal(rec->s[0].pc_descs, 1);
	/* the device's DMA goes gIOVA -> GPA (guest's first level) -> HPA (the VM's second) */
	assert_true(rec->ok[0]);
	assert_int_equal(rec->hpa[0], rec->ram_hpa + BUF + 0x10);
	/* one nested walk reads more than a second-level walk's 4 entries */
	assert_int_equal(rec->walks[1] - rec->walks[0], 1);
	assert_true(rec->walk_reads[1] - rec->walk_reads[0] > 4);
	/* a new mapping needs no exit */
	assert_true(rec->ok[1]);
	assert_int_equal(rec->hpa[1], rec->ram_hpa + BUF + PG);
	assert_int_equal(rec->s[1].reg_writes, rec->s[0].reg_writes);
	/* the stale entry until the forwarded invalidation */
	assert_true(rec->ok[2]);
	assert_false(rec->ok[3]);
	assert_int_equal(rec->s[2].forwarded, 1);
	assert_int_equal(rec->s[2].piotlb_descs, 1);
	assert_int_equal(rec->s[2].shadow_installs, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(emulated_unit_serves_registers_and_queue),
	    cmocka_unit_test(nested_unit_is_scalable_without_caching_mode),
	    cmocka_unit_test(shadow_walks_what_the_guest_invalidates),
	    cmocka_unit_test(nested_binds_the_guest_table_and_forwards_invalidations),
	};

	rec = shared_alloc(sizeof(*rec));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
