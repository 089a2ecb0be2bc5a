/* SPDX-License-Identifier: MIT */
/*
 * The guest-visible IOMMU on a whole machine: a "guest" (this file's code on vm0's vCPU)
 * programs the emulated unit through trapping MMIO, as a guest's VT-d driver does, and the VMM
 * serves it: capabilities by mode (Caching Mode for shadow, scalable first-level for nested),
 * GCMD commands completing in GSTS, and the invalidation queue run within the tail write's
 * exit, the wait descriptor's status written before the guest looks.
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
#include "models/host/hv.h"
#include "models/host/viommu.h"
#include "models/iommu/vtd_regs.h"
#include "models/mem/mem.h"
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

static void snap(unsigned i)
{
	rec->s[i] = *viommu_stats(machine_viommu(m, 0));
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(emulated_unit_serves_registers_and_queue),
	    cmocka_unit_test(nested_unit_is_scalable_without_caching_mode),
	};

	rec = shared_alloc(sizeof(*rec));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
