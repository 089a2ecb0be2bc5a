/* SPDX-License-Identifier: MIT */
/*
 * The paravirtual IOMMU back-end on a whole machine: a "guest" (this file's code on vm0's vCPU)
 * writes requests into its RAM and makes the hypercall, as the guest kernel's DMA layer does,
 * and then plays the device, asking the VT-d unit to translate. What is checked is what the
 * hardware then does: a strict unmap has invalidated before the hypercall returns; a deferred
 * one leaves a stale IOTLB entry that translates (counted as a use after unmap) until the flush
 * queue fills or its timer fires; batching; the host refusing requests outside the VM's memory,
 * device or IOVA window; the on_demand quota refusing a map, or evicting a page in use whose
 * next DMA is lost.
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
#include "models/abi/pv_iommu.h"
#include "models/cpu/guest_isa.h"
#include "models/devices/nic.h"
#include "models/host/hv.h"
#include "models/host/pv_iommu.h"
#include "models/iommu/vtd.h"
#include "models/mem/mem.h"
#include "models/pcie/pcie.h"
#include "sim/engine.h"

#define REQ_GPA 0x200000ull /* the request batch, in vm0's RAM */
#define DEVFN	0x18	    /* the NIC on vm0's bus: 00:03.0 */
#define PG	0x1000ull

static struct machine *m;
static struct vcpu *cpu;

/* What a child saw, for the parent to check. */
struct rec {
	bool ran;
	int64_t st[16];
	bool ok[16];
	uint64_t hpa[16], ram_hpa;
	struct pv_iommu_stats s[4];
	uint64_t window_max_ps, window_min_ps;
	size_t nwindows;
};
static struct rec *rec;

static void put_req(unsigned i, unsigned op, unsigned devfn, uint64_t iova, uint64_t gpa,
		    uint64_t len)
{
	uint64_t hpa = vm_ram_hpa(machine_vm(m, 0)) + REQ_GPA + 8ull * PV_IOMMU_REQ_WORDS * i;
	const uint64_t w[PV_IOMMU_REQ_WORDS] = {PV_IOMMU_OP(op, 2, devfn), iova, gpa, len,
						vcpu_rdtsc(cpu),	   0};

	for (unsigned k = 0; k < PV_IOMMU_REQ_WORDS; k++)
		mem_write64(machine_mem(m), hpa + 8 * k, w[k]);
}

static int64_t status(unsigned i)
{
	return (int64_t)mem_read64(machine_mem(m), vm_ram_hpa(machine_vm(m, 0)) + REQ_GPA +
						       8ull * PV_IOMMU_REQ_WORDS * i +
						       8 * PV_IOMMU_W_STATUS);
}

/* One request, one hypercall: its status. */
static int64_t call1(unsigned op, unsigned devfn, uint64_t iova, uint64_t gpa, uint64_t len)
{
	put_req(0, op, devfn, iova, gpa, len);
	vcpu_vmcall(cpu, KVM_HC_PV_IOMMU, REQ_GPA, 1);
	return status(0);
}

/* The NIC's DMA to iova as the IOMMU sees it now. */
static bool dev_access(uint64_t iova, uint64_t *hpa)
{
	struct vtd_xlate x;

	vtd_translate(machine_vtd(m), pcie_fn_rid(nic_fn(machine_nic(m, 0))), iova, true, sim_now(),
		      &x);
	if (hpa)
		*hpa = x.hpa;
	return x.ok;
}

static const struct pv_iommu_stats *stats(void)
{
	return pv_iommu_stats(machine_pv(m, 0));
}

static void snap(unsigned i)
{
	rec->s[i] = *stats();
	rec->s[i].window_ps = (struct sim_samples){0};
}

static void windows(void)
{
	struct sim_samples *w = (struct sim_samples *)&stats()->window_ps;

	rec->nwindows = sim_samples_count(w);
	rec->window_max_ps = rec->nwindows ? sim_samples_max(w) : 0;
	rec->window_min_ps = rec->nwindows ? (uint64_t)sim_samples_quantile(w, 0) : 0;
}

/* ---- the guests ---- */

static void guest_strict(void *ctx, struct vcpu *v)
{
	const uint64_t iova = PV_IOMMU_IOVA_BASE + 0x5000;

	(void)ctx;
	cpu = v;
	rec->ran = true;
	rec->ram_hpa = vm_ram_hpa(machine_vm(m, 0));
	pv_iommu_measure(machine_pv(m, 0), true, sim_now());
	rec->st[0] = call1(PV_IOMMU_OP_MAP, DEVFN, iova, 0x300000, PG);
	rec->ok[0] = dev_access(iova + 0x10, &rec->hpa[0]);
	rec->ok[1] = dev_access(iova + 0x20, NULL); /* an IOTLB hit now */
	rec->st[1] = call1(PV_IOMMU_OP_UNMAP, DEVFN, iova, 0, PG);
	rec->ok[2] = dev_access(iova + 0x10, NULL); /* invalidated before the call returned */
	snap(0);
	/* what the host refuses */
	rec->st[2] = call1(PV_IOMMU_OP_MAP, DEVFN, iova, 0x8000000, PG);    /* beyond 64 MiB */
	rec->st[3] = call1(PV_IOMMU_OP_MAP, 0x20, iova, 0x300000, PG);	    /* no such device */
	rec->st[4] = call1(PV_IOMMU_OP_MAP, DEVFN, 0x300000, 0x300000, PG); /* not its window */
	rec->st[5] = call1(PV_IOMMU_OP_MAP, DEVFN, iova, 0x300000, 100);    /* not whole pages */
	rec->ok[3] = dev_access(0x300000, NULL);
	snap(1);
	windows();
	machine_end(m);
}

static void guest_deferred(void *ctx, struct vcpu *v)
{
	const uint64_t iova = PV_IOMMU_IOVA_BASE;

	(void)ctx;
	cpu = v;
	rec->ran = true;
	pv_iommu_measure(machine_pv(m, 0), true, sim_now());
	rec->st[0] = call1(PV_IOMMU_OP_MAP, DEVFN, iova, 0x300000, PG);
	rec->ok[0] = dev_access(iova, NULL); /* the IOTLB caches it */
	rec->st[1] = call1(PV_IOMMU_OP_UNMAP, DEVFN, iova, 0, PG);
	rec->ok[1] = dev_access(iova, NULL); /* stale: still translates */
	snap(0);
	/* four more: the queue (4 entries) is full at the fifth and flushes first */
	for (unsigned i = 1; i <= 4; i++) {
		call1(PV_IOMMU_OP_MAP, DEVFN, iova + i * PG, 0x300000 + i * PG, PG);
		call1(PV_IOMMU_OP_UNMAP, DEVFN, iova + i * PG, 0, PG);
	}
	rec->ok[2] = dev_access(iova, NULL);	      /* flushed with the full queue */
	rec->ok[3] = dev_access(iova + 4 * PG, NULL); /* queued after the flush */
	snap(1);
	/* guest code runs 1.5 ms: the queue's timer (1 ms) fires on this pCPU */
	vcpu_compute(v, 2600ull * 1500);
	rec->ok[4] = dev_access(iova + 4 * PG, NULL);
	snap(2);
	windows();
	machine_end(m);
}

static void guest_batch(void *ctx, struct vcpu *v)
{
	(void)ctx;
	cpu = v;
	rec->ran = true;
	for (unsigned i = 0; i < 4; i++)
		put_req(i, PV_IOMMU_OP_MAP, DEVFN, 0x300000 + i * PG, 0x300000 + i * PG, PG);
	rec->st[8] = (int64_t)vcpu_vmcall(v, KVM_HC_PV_IOMMU, REQ_GPA, 4);
	for (unsigned i = 0; i < 4; i++) {
		rec->st[i] = status(i);
		rec->ok[i] = dev_access(0x300000 + i * PG + 8, NULL);
	}
	/* more than the batch the boot parameters allow: refused whole */
	rec->st[9] = (int64_t)vcpu_vmcall(v, KVM_HC_PV_IOMMU, REQ_GPA, 5);
	snap(0);
	machine_end(m);
}

static void guest_quota(void *ctx, struct vcpu *v)
{
	(void)ctx;
	cpu = v;
	rec->ran = true;
	pv_iommu_measure(machine_pv(m, 0), true, sim_now());
	rec->st[0] = call1(PV_IOMMU_OP_MAP, DEVFN, 0x300000, 0x300000, PG);
	rec->st[1] = call1(PV_IOMMU_OP_MAP, DEVFN, 0x400000, 0x400000, PG);
	rec->st[2] = call1(PV_IOMMU_OP_MAP, DEVFN, 0x500000, 0x500000, PG); /* both in use */
	rec->st[3] = call1(PV_IOMMU_OP_UNMAP, DEVFN, 0x300000, 0, PG);
	rec->ok[0] = dev_access(0x300000, NULL); /* unmapped by the guest, still cached */
	rec->st[4] = call1(PV_IOMMU_OP_MAP, DEVFN, 0x500000, 0x500000, PG); /* evicts it */
	rec->ok[1] = dev_access(0x300000, NULL);
	rec->ok[2] = dev_access(0x500000, NULL);
	snap(0);
	windows();
	machine_end(m);
}

static void guest_evict(void *ctx, struct vcpu *v)
{
	(void)ctx;
	cpu = v;
	rec->ran = true;
	rec->st[0] = call1(PV_IOMMU_OP_MAP, DEVFN, 0x300000, 0x300000, PG);
	rec->st[1] = call1(PV_IOMMU_OP_MAP, DEVFN, 0x400000, 0x400000, PG); /* takes 0x300000 */
	rec->ok[0] = dev_access(0x300000, NULL);			    /* lost */
	rec->st[2] = call1(PV_IOMMU_OP_UNMAP, DEVFN, 0x300000, 0, PG);
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
	assert_int_equal(run_in_child(run_one, &a), 0);
	assert_true(rec->ran);
}

static void strict_unmap_invalidates_before_it_returns(void **state)
{
	static const char *const sets[] = {"vms.0.dma.strategy=single_use"};

	(void)state;
	run(guest_strict, sets, 1);
	assert_int_equal(rec->st[0], 0);
	assert_true(rec->ok[0]);
	assert_int_equal(rec->hpa[0], rec->ram_hpa + 0x300010);
	assert_true(rec->ok[1]);
	assert_int_equal(rec->st[1], 0);
	assert_false(rec->ok[2]);
	assert_int_equal(rec->s[0].hypercalls, 2);
	assert_int_equal(rec->s[0].maps, 1);
	assert_int_equal(rec->s[0].unmaps, 1);
	assert_int_equal(rec->s[0].inv_page, 1);
	assert_int_equal(rec->s[0].inv_descs, 2); /* the page-selective one and its wait */
	assert_int_equal(rec->s[0].inv_submissions, 1);
	assert_int_equal(rec->s[0].use_after_unmap, 0);
	assert_int_equal(rec->s[0].pinned_pages, 0);
	assert_int_equal(rec->s[0].pinned_peak, 1);
	/* one window, from the guest's call to the wait descriptor's completion: microseconds */
	assert_int_equal(rec->nwindows, 1);
	assert_true(rec->window_max_ps > 0);
	assert_true(rec->window_max_ps < 10 * SIM_PS_PER_US);
	/* refused: outside the VM's RAM, no such device, not its IOVAs, not whole pages */
	assert_int_equal(rec->st[2], -EFAULT);
	assert_int_equal(rec->st[3], -ENODEV);
	assert_int_equal(rec->st[4], -EINVAL);
	assert_int_equal(rec->st[5], -EINVAL);
	assert_false(rec->ok[3]);
	assert_int_equal(rec->s[1].maps, 1);
	assert_int_equal(rec->s[1].bad_requests, 4);
}

static void deferred_unmaps_wait_for_the_flush_queue(void **state)
{
	static const char *const sets[] = {
	    "vms.0.dma.strategy=single_use", "vms.0.dma.invalidation=deferred",
	    "vms.0.dma.flush_entries=4", "vms.0.dma.flush_timeout_us=1000"};

	(void)state;
	run(guest_deferred, sets, 4);
	assert_int_equal(rec->st[0], 0);
	assert_int_equal(rec->st[1], 0);
	assert_true(rec->ok[0]);
	assert_true(rec->ok[1]); /* the stale IOTLB entry */
	assert_int_equal(rec->s[0].use_after_unmap, 1);
	assert_int_equal(rec->s[0].inv_page + rec->s[0].inv_domain, 0);
	assert_int_equal(rec->s[0].fq_entries, 1);
	assert_int_equal(rec->s[0].pinned_pages, 1); /* pinned until the flush */
	/* the fifth entry found the queue full: one domain-selective flush covered four */
	assert_int_equal(rec->s[1].fq_flush_full, 1);
	assert_int_equal(rec->s[1].fq_flush_timeout, 0);
	assert_int_equal(rec->s[1].inv_domain, 1);
	assert_int_equal(rec->s[1].inv_page, 0);
	assert_int_equal(rec->s[1].fq_entries, 5);
	assert_false(rec->ok[2]);
	assert_int_equal(rec->s[1].pinned_pages, 1);
	/* the timer, started by the first entry, fired 1 ms after it */
	assert_int_equal(rec->s[2].fq_flush_timeout, 1);
	assert_int_equal(rec->s[2].inv_domain, 2);
	assert_int_equal(rec->s[2].pinned_pages, 0);
	assert_int_equal(rec->s[2].windows_open, 0);
	assert_int_equal(rec->nwindows, 5);
	assert_true(rec->window_max_ps >= SIM_PS_PER_MS - 10 * SIM_PS_PER_US);
	assert_true(rec->window_max_ps < 2 * SIM_PS_PER_MS);
}

static void a_batch_is_one_hypercall(void **state)
{
	static const char *const sets[] = {"vms.0.dma.strategy=shared", "vms.0.dma.batch=4"};

	(void)state;
	run(guest_batch, sets, 2);
	assert_int_equal(rec->st[8], 0);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(rec->st[i], 0);
		assert_true(rec->ok[i]);
	}
	assert_int_equal(rec->st[9], -EINVAL);
	assert_int_equal(rec->s[0].hypercalls, 2);
	assert_int_equal(rec->s[0].map_requests, 4);
	assert_int_equal(rec->s[0].maps, 4);
}

static void on_demand_quota_refuses_then_evicts_an_unused_page(void **state)
{
	static const char *const sets[] = {"vms.0.dma.strategy=on_demand",
					   "vms.0.dma.quota_pages=2"};

	(void)state;
	run(guest_quota, sets, 2);
	assert_int_equal(rec->st[0], 0);
	assert_int_equal(rec->st[1], 0);
	assert_int_equal(rec->st[2], -ENOSPC);
	assert_int_equal(rec->st[3], 0);
	assert_true(rec->ok[0]); /* the map cache keeps it: the device still reaches it */
	assert_int_equal(rec->st[4], 0);
	assert_false(rec->ok[1]);
	assert_true(rec->ok[2]);
	assert_int_equal(rec->s[0].quota_failures, 1);
	assert_int_equal(rec->s[0].evictions, 1);
	assert_int_equal(rec->s[0].evictions_in_use, 0);
	assert_int_equal(rec->s[0].use_after_unmap, 1);
	assert_int_equal(rec->s[0].inv_page, 1);
	assert_int_equal(rec->s[0].pinned_peak, 2);
	assert_int_equal(rec->nwindows, 1);
}

static void on_demand_evicting_a_page_in_use_loses_its_dma(void **state)
{
	static const char *const sets[] = {"vms.0.dma.strategy=on_demand",
					   "vms.0.dma.quota_pages=1", "vms.0.dma.quota_full=evict"};

	(void)state;
	run(guest_evict, sets, 3);
	assert_int_equal(rec->st[0], 0);
	assert_int_equal(rec->st[1], 0);
	assert_false(rec->ok[0]);
	assert_int_equal(rec->st[2], 0);
	assert_int_equal(rec->s[0].evictions_in_use, 1);
	assert_int_equal(rec->s[0].lost_dmas, 1);
	assert_int_equal(rec->s[0].stale_unmaps, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(strict_unmap_invalidates_before_it_returns),
	    cmocka_unit_test(deferred_unmaps_wait_for_the_flush_queue),
	    cmocka_unit_test(a_batch_is_one_hypercall),
	    cmocka_unit_test(on_demand_quota_refuses_then_evicts_an_unused_page),
	    cmocka_unit_test(on_demand_evicting_a_page_in_use_loses_its_dma),
	};

	rec = shared_alloc(sizeof(*rec));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
