/* SPDX-License-Identifier: MIT */
/*
 * A VM's functions share its VFIO container's domain (vfio.h): vm0 owns two VFs of nic0 and
 * nic1, which sit behind another unit; vm1 owns a third VF of nic0. The two VFs of vm0 have
 * one domain (the same DID and second-level pointer in both context entries, one set of page
 * tables, the VM's RAM mapped and pinned once), nic1 a domain of vm0 on its own unit, vm1 a
 * domain of its own. The RAM is mapped with 2 MiB pages when the unit offers them (CAP.SLLPS,
 * VT-d §11.4.2) and the driver may use them, else with 4 KiB pages; either way a DMA from
 * each function reaches the VM's memory at its guest-physical address, and an IOTLB entry
 * one VF filled serves the other (the IOTLB is tagged by domain, VT-d §6.2.1). Each variant
 * boots its own machine in a child process (one engine per process).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../common/dma_util.h"
#include "../common/fork_util.h"
#include "../common/scenario_util.h"
#include "app/machine.h"
#include "models/drivers/intel_iommu/intel_iommu.h"
#include "models/host/hv.h"
#include "models/host/vfio.h"
#include "models/iommu/vtd.h"
#include "models/iommu/vtd_regs.h"
#include "models/mem/mem.h"
#include "models/pcie/pcie.h"
#include "models/pcie/pcie_regs.h"
#include "sim/engine.h"

static const char text[] = "name: shared-domain\n"
			   "machine:\n"
			   "  cpu: {pcpus: 3}\n"
			   "  memory: {size_mib: 512}\n"
			   "  pcie:\n"
			   "    devices:\n"
			   "      - name: rp0\n"
			   "        type: root_port\n"
			   "        slot: 1\n"
			   "        below:\n"
			   "          - name: nic0\n"
			   "            type: ptnic\n"
			   "            sriov: {total_vfs: 4, num_vfs: 4}\n"
			   "      - name: rp1\n"
			   "        type: root_port\n"
			   "        slot: 2\n"
			   "        below:\n"
			   "          - {name: nic1, type: ptnic}\n"
			   "  iommu:\n"
			   "    units:\n"
			   "      - {name: scoped, scope: [rp1]}\n"
			   "      - {name: all, include_all: true}\n"
			   "host: {flr_wait_us: 100}\n"
			   "vms:\n"
			   "  - {name: vm0, memory_mib: 64, pcpus: [1],\n"
			   "     devices: [nic0.vf1, nic0.vf2, nic1]}\n"
			   "  - {name: vm1, memory_mib: 64, pcpus: [2], devices: [nic0.vf3]}\n"
			   "workload: {device: nic0.vf1, frames: 10}\n"
			   "run: {max_sim_ms: 1000}\n";

#define VM_PAGES (64ull << 20 >> 12)
#define NFN	 4 /* vm0: nic0.vf1, nic0.vf2, nic1; vm1: nic0.vf3 */
#define GPA	 0x345000ull

enum variant { SUPERPAGES, DRIVER_SP_OFF, UNIT_NO_SLLPS, NVARIANTS };

static const char *const variant_sets[NVARIANTS][2] = {
    [SUPERPAGES] = {"machine.iommu.superpages=true", "host.iommu.superpages=true"},
    [DRIVER_SP_OFF] = {"machine.iommu.superpages=true", "host.iommu.superpages=false"},
    [UNIT_NO_SLLPS] = {"machine.iommu.superpages=false", "host.iommu.superpages=true"},
};

/* What one machine showed. */
struct rec {
	bool ran;
	uint16_t bdf[NFN];
	const void *dom[NFN]; /* the vfio functions' domains (compared, never followed) */
	uint16_t did[NFN], ctx_did[NFN];
	uint64_t pgd[NFN], ctx_slptptr[NFN];
	uint64_t tables[NFN]; /* page-table pages reachable from the function's domain */
	uint64_t pinned[NFN];
	unsigned container_domains[2];
	uint64_t container_pinned[2];
	uint64_t pages_mapped[2]; /* per unit: 0 scoped (nic1), 1 include_all */
	/* a DMA write by each function to GPA */
	int dma_status[NFN];
	uint64_t dma_hpa[NFN], want_hpa[NFN];
	unsigned page_shift[NFN];
	bool vf2_hit; /* vf2's lookup of what vf1 translated hit the IOTLB */
};

static struct rec *recs; /* shared with the children */
static struct machine *m;
static struct rec *cur;

/* Page-table pages from table at level lvl down (leaves at level 1, or large pages above). */
static uint64_t count_tables(struct mem *mem, uint64_t table, unsigned lvl)
{
	uint64_t n = 1;

	if (lvl == 1)
		return n;
	for (unsigned i = 0; i < 512; i++) {
		struct vtd_sl_pte p = {mem_read64(mem, table + i * 8ull)};

		if (vtd_slpte_present(&p) && !vtd_slpte_ps(&p))
			n += count_tables(mem, vtd_slpte_addr(&p), lvl - 1);
	}
	return n;
}

static struct vtd_context_entry context_of(unsigned unit, uint16_t bdf)
{
	uint64_t rta = vtd_reg_read(machine_unit(m, unit), DMAR_RTADDR_REG, 8, sim_now());
	uint64_t re = mem_read64(machine_mem(m), (rta & ~0xfffull) + (bdf >> 8) * 16ull);
	uint64_t ce = (re & ~0xfffull) + (bdf & 0xff) * 16ull;
	struct vtd_context_entry e = {
	    {mem_read64(machine_mem(m), ce), mem_read64(machine_mem(m), ce + 8)}};

	return e;
}

static void guest(void *ctx, struct vcpu *v)
{
	static const char *const names[NFN] = {"nic0.vf1", "nic0.vf2", "nic1", "nic0.vf3"};
	static const unsigned unit[NFN] = {1, 1, 0, 1};
	static const unsigned vm_of[NFN] = {0, 0, 0, 1};
	struct rec *r = cur;

	(void)ctx;
	(void)v;
	if (r->ran)
		return; /* the other VM's vCPU */
	r->ran = true;
	for (unsigned i = 0; i < NFN; i++) {
		const struct vfio_dev *vd = machine_vfio(m, i);
		struct dmar_domain *dom = vfio_domain(vd);
		struct vtd_context_entry ce;

		r->bdf[i] = vfio_host_bdf(vd);
		r->dom[i] = dom;
		r->did[i] = dmar_domain_id(dom);
		r->pgd[i] = dmar_domain_pgd(dom);
		r->pinned[i] = vfio_stats(vd)->pinned_pages;
		ce = context_of(unit[i], r->bdf[i]);
		r->ctx_did[i] = vtd_ce_did(&ce);
		r->ctx_slptptr[i] = vtd_ce_slptptr(&ce);
		r->tables[i] = count_tables(machine_mem(m), r->pgd[i], dmar_domain_levels(dom));
		r->want_hpa[i] = vm_ram_hpa(machine_vm(m, vm_of[i])) + GPA;
	}
	for (unsigned u = 0; u < 2; u++)
		r->pages_mapped[u] = intel_iommu_stats(machine_unit_drv(m, u))->pages_mapped;
	for (unsigned k = 0; k < 2; k++) {
		const struct vfio_container *c = machine_vfio_container(m, k);

		r->container_domains[k] = c ? vfio_container_domains(c) : 0;
		r->container_pinned[k] = c ? vfio_container_pinned(c) : 0;
	}
	/* Each function writes to GPA through the fabric and its unit; vf1 first, so that vf2
	 * finds the translation vf1 left in the IOTLB. */
	for (unsigned i = 0; i < NFN; i++) {
		struct pcie_fn *fn = pcie_fabric_find(machine_fabric(m), names[i]);
		struct pcie_dma d;

		pcie_fn_cfg_set(fn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
		if (i == 1) {
			struct vtd_xlate x;

			vtd_translate(machine_unit(m, 1), r->bdf[1], GPA, true, sim_now(), &x);
			r->vf2_hit = x.ok && x.iotlb_hit;
		}
		dma_write(fn, GPA, &d);
		r->dma_status[i] = d.status;
		r->dma_hpa[i] = d.nseg ? d.seg[0].hpa : 0;
		{
			struct vtd_xlate x;

			vtd_translate(machine_unit(m, unit[i]), r->bdf[i], GPA, true, sim_now(),
				      &x);
			r->page_shift[i] = x.ok ? x.page_shift : 0;
		}
	}
	machine_end(m);
}

static int boot(void *arg)
{
	unsigned variant = (unsigned)(uintptr_t)arg;
	struct scenario sc;
	struct run_opts o = {.config_path = "inline", .seed = 1};

	scenario_from_text(text, variant_sets[variant], 2, &sc);
	if (machine_create(&sc, &o, &m))
		return 1;
	cur = &recs[variant];
	machine_set_guest_entry(m, guest, NULL);
	machine_start(m);
	return sim_engine_run() ? 1 : 0;
}

static int setup(void **state)
{
	(void)state;
	recs = shared_alloc(NVARIANTS * sizeof(*recs));
	for (unsigned v = 0; v < NVARIANTS; v++)
		if (run_in_child(boot, (void *)(uintptr_t)v))
			return -1;
	return 0;
}

/* One domain for vm0's two VFs, in both context entries; nic1 and vm1 apart. */
static void test_one_domain_per_vm_and_unit(void **state)
{
	(void)state;
	for (unsigned v = 0; v < NVARIANTS; v++) {
		const struct rec *r = &recs[v];

		assert_true(r->ran);
		assert_ptr_equal(r->dom[0], r->dom[1]);
		assert_int_equal(r->ctx_did[0], r->did[0]);
		assert_int_equal(r->ctx_did[1], r->did[0]);
		assert_int_equal(r->ctx_slptptr[0], r->pgd[0]);
		assert_int_equal(r->ctx_slptptr[1], r->pgd[0]);
		/* vm1 on the same unit: a domain of its own */
		assert_ptr_not_equal(r->dom[3], r->dom[0]);
		assert_int_not_equal(r->ctx_did[3], r->did[0]);
		assert_int_not_equal(r->ctx_slptptr[3], r->pgd[0]);
		/* nic1 behind the other unit: vm0's domain there */
		assert_ptr_not_equal(r->dom[2], r->dom[0]);
		assert_int_equal(r->ctx_did[2], r->did[2]);
		assert_int_equal(r->ctx_slptptr[2], r->pgd[2]);
		assert_int_equal(r->container_domains[0], 2);
		assert_int_equal(r->container_domains[1], 1);
	}
}

/* The RAM is mapped once per unit and pinned once per VM. */
static void test_mapped_once(void **state)
{
	(void)state;
	for (unsigned v = 0; v < NVARIANTS; v++) {
		const struct rec *r = &recs[v];

		assert_int_equal(r->pages_mapped[0], VM_PAGES);	    /* vm0 (nic1) */
		assert_int_equal(r->pages_mapped[1], 2 * VM_PAGES); /* vm0 (two VFs) and vm1 */
		assert_int_equal(r->pinned[0], VM_PAGES);
		assert_int_equal(r->pinned[1], 0);
		assert_int_equal(r->pinned[2], 0); /* the other unit's domain maps what is pinned */
		assert_int_equal(r->pinned[3], VM_PAGES);
		assert_int_equal(r->container_pinned[0], VM_PAGES);
		assert_int_equal(r->container_pinned[1], VM_PAGES);
	}
}

/* 64 MiB from a 2 MiB-aligned host address: 32 2 MiB leaves in one level-2 table, or 32
 * level-1 tables more with 4 KiB pages. */
static void test_page_sizes(void **state)
{
	(void)state;
	for (unsigned v = 0; v < NVARIANTS; v++) {
		const struct rec *r = &recs[v];
		unsigned want = v == SUPERPAGES ? 21 : 12;
		uint64_t tables = 3 + (v == SUPERPAGES ? 0 : VM_PAGES / 512);

		for (unsigned i = 0; i < NFN; i++) {
			assert_int_equal(r->page_shift[i], want);
			assert_int_equal(r->tables[i], tables);
		}
	}
}

/* Every function's DMA lands at its VM's memory; vf2 uses the IOTLB entry vf1 filled. */
static void test_dma(void **state)
{
	(void)state;
	for (unsigned v = 0; v < NVARIANTS; v++) {
		const struct rec *r = &recs[v];

		for (unsigned i = 0; i < NFN; i++) {
			assert_int_equal(r->dma_status[i], PCIE_DMA_OK);
			assert_int_equal(r->dma_hpa[i], r->want_hpa[i]);
		}
		assert_int_not_equal(r->want_hpa[3], r->want_hpa[0]);
		assert_true(r->vf2_hit);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_one_domain_per_vm_and_unit),
	    cmocka_unit_test(test_mapped_once),
	    cmocka_unit_test(test_page_sizes),
	    cmocka_unit_test(test_dma),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
