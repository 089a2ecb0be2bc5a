/* SPDX-License-Identifier: MIT */
/*
 * A nested vIOMMU's functions share the VM's second level (vfio.h): vm0, with a nested vIOMMU
 * and direct_map, owns two VFs of nic0. Its RAM is mapped and pinned once, in a nesting parent
 * domain of its VFIO container; each VF has a domain of its own over the parent's tables (its
 * own DID, since the guest gives each device first-level tables of its own and the IOTLB is
 * tagged by DID, VT-d §6.2.1), as iommufd keeps one nesting parent per VM. Before the guest
 * binds first-level tables a DMA from each VF reaches the VM's memory at its guest-physical
 * address through the shared second level, and one VF's IOTLB entry does not serve the other.
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
#include "models/pcie/pcie.h"
#include "models/pcie/pcie_regs.h"
#include "sim/engine.h"

static const char text[] = "name: nested-parent\n"
			   "machine:\n"
			   "  cpu: {pcpus: 2}\n"
			   "  memory: {size_mib: 512}\n"
			   "  pcie:\n"
			   "    devices:\n"
			   "      - name: rp0\n"
			   "        type: root_port\n"
			   "        slot: 1\n"
			   "        below:\n"
			   "          - name: nic0\n"
			   "            type: ptnic\n"
			   "            sriov: {total_vfs: 2, num_vfs: 2}\n"
			   "  iommu: {queued_invalidation: true, interrupt_remapping: true,\n"
			   "          superpages: false, scalable_mode: true}\n"
			   "host: {flr_wait_us: 100}\n"
			   "vms:\n"
			   "  - {name: vm0, memory_mib: 64, pcpus: [1], viommu: nested,\n"
			   "     devices: [nic0.vf1, nic0.vf2]}\n"
			   "workload: {device: nic0.vf1, frames: 10}\n"
			   "run: {max_sim_ms: 1000}\n";

#define VM_PAGES (64ull << 20 >> 12)
#define NFN	 2
#define GPA	 0x345000ull

/* What the machine showed. */
struct rec {
	bool ran;
	const void *dom[NFN];
	uint16_t did[NFN];
	uint64_t pgd[NFN], pinned[NFN];
	uint64_t pages_mapped, container_pinned;
	unsigned container_domains;
	int dma_status[NFN];
	uint64_t dma_hpa[NFN], want_hpa;
	bool vf2_hit;
};

static struct rec *r; /* shared with the child */

static struct machine *m;

static void guest(void *ctx, struct vcpu *v)
{
	static const char *const names[NFN] = {"nic0.vf1", "nic0.vf2"};
	const struct vfio_container *c = machine_vfio_container(m, 0);

	(void)ctx;
	(void)v;
	r->ran = true;
	for (unsigned i = 0; i < NFN; i++) {
		const struct vfio_dev *vd = machine_vfio(m, i);
		struct dmar_domain *dom = vfio_domain(vd);

		r->dom[i] = dom;
		r->did[i] = dmar_domain_id(dom);
		r->pgd[i] = dmar_domain_pgd(dom);
		r->pinned[i] = vfio_stats(vd)->pinned_pages;
	}
	r->pages_mapped = intel_iommu_stats(machine_unit_drv(m, 0))->pages_mapped;
	r->container_domains = vfio_container_domains(c);
	r->container_pinned = vfio_container_pinned(c);
	r->want_hpa = vm_ram_hpa(machine_vm(m, 0)) + GPA;
	for (unsigned i = 0; i < NFN; i++) {
		struct pcie_fn *fn = pcie_fabric_find(machine_fabric(m), names[i]);
		struct pcie_dma d;

		pcie_fn_cfg_set(fn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
		if (i == 1) {
			struct vtd_xlate x;

			vtd_translate(machine_unit(m, 0), vfio_host_bdf(machine_vfio(m, 1)), GPA,
				      true, sim_now(), &x);
			r->vf2_hit = x.ok && x.iotlb_hit;
		}
		dma_write(fn, GPA, &d);
		r->dma_status[i] = d.status;
		r->dma_hpa[i] = d.nseg ? d.seg[0].hpa : 0;
	}
	machine_end(m);
}

static int boot(void *arg)
{
	struct scenario sc;
	struct run_opts o = {.config_path = "inline", .seed = 1};

	(void)arg;
	scenario_from_text(text, NULL, 0, &sc);
	if (machine_create(&sc, &o, &m))
		return 1;
	machine_set_guest_entry(m, guest, NULL);
	machine_start(m);
	return sim_engine_run() ? 1 : 0;
}

static int setup(void **state)
{
	(void)state;
	r = shared_alloc(sizeof(*r));
	return run_in_child(boot, NULL) ? -1 : 0;
}

/* A domain per VF, each with a DID of its own, over one set of second-level tables. */
static void test_a_domain_each_over_one_parent(void **state)
{
	(void)state;
	assert_true(r->ran);
	assert_ptr_not_equal(r->dom[0], r->dom[1]);
	assert_int_not_equal(r->did[0], r->did[1]);
	assert_int_equal(r->pgd[0], r->pgd[1]);
	assert_int_equal(r->container_domains, 1); /* the nesting parent */
}

/* The RAM is mapped and pinned once for the VM. */
static void test_mapped_once(void **state)
{
	(void)state;
	assert_int_equal(r->pages_mapped, VM_PAGES);
	assert_int_equal(r->pinned[0], VM_PAGES);
	assert_int_equal(r->pinned[1], 0);
	assert_int_equal(r->container_pinned, VM_PAGES);
}

/* Both VFs reach the VM's memory through the shared second level; the IOTLB keeps them apart. */
static void test_dma(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NFN; i++) {
		assert_int_equal(r->dma_status[i], PCIE_DMA_OK);
		assert_int_equal(r->dma_hpa[i], r->want_hpa);
	}
	assert_false(r->vf2_hit);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_a_domain_each_over_one_parent),
	    cmocka_unit_test(test_mapped_once),
	    cmocka_unit_test(test_dma),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
