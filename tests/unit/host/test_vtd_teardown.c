/* SPDX-License-Identifier: MIT */
/*
 * Whoever creates destroys: the host's VT-d driver gives back every simulated page it
 * allocated. On a booted machine the machine's own driver is shut down (translation,
 * interrupt remapping and queued invalidation off, VT-d 3.x §10.4.4); then a fresh driver is
 * brought up on the same unit, in legacy and in scalable mode, builds everything it can --
 * root and context tables, a domain's page tables with 4 KiB, 2 MiB and 1 GiB pages, PASID
 * directories and tables for first-level and nested entries, the invalidation queue, the IRT
 * with remapped and posted entries -- and is shut down and destroyed: the host's page
 * allocator has exactly the pages it had before the driver came up, and the unit reports
 * translation, remapping and queued invalidation off.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../common/scenario_util.h"
#include "models/cpu/cpu.h"
#include "models/devices/nic.h"
#include "models/host/host.h"
#include "models/host/hv.h"
#include "models/drivers/intel_iommu/intel_iommu.h"
#include "models/host/host_iommu.h"
#include "models/iommu/vtd.h"
#include "models/iommu/vtd_regs.h"
#include "models/mem/mem.h"
#include "models/pcie/pcie.h"
#include "app/machine.h"
#include "sim/engine.h"

static struct machine *m;

struct round {
	int init_rc, shutdown_rc;
	int map_rc[3], attach_rc, fl_rc, nested_rc, irte_rc[2];
	bool scalable;
	uint32_t gsts_up, gsts_down;
	bool te_down;
	uint64_t free_before, free_up, free_after;
	uint64_t in_use_before, in_use_after;
	uint64_t table_pages;
};

static struct {
	bool ran;
	int shutdown0_rc;
	uint32_t gsts0;
	bool te0;
	struct round r[2];
} rec;

static uint32_t gsts(void)
{
	return (uint32_t)vtd_reg_read(machine_vtd(m), DMAR_GSTS_REG, 4, sim_now());
}

/* Bring a driver up, use every structure it has, shut it down, destroy it. */
static void one_round(struct round *r, uint64_t base, bool scalable, uint64_t pi_desc)
{
	struct host *h = machine_host(m);
	struct intel_iommu_cfg cfg = {.use_qi = true,
				  .use_ir = true,
				  .x2apic = true,
				  .superpages = true,
				  .scalable = scalable,
				  .irt_entries = 256,
				  .fault_cpu = 0,
				  .dmar = machine_dmar(m)};
	uint16_t sid = pcie_fn_rid(nic_fn(machine_nic(m, 0)));
	uint64_t ram = vm_ram_hpa(machine_vm(m, 0));
	struct dmar_domain *dom;
	struct intel_iommu *d;
	uint32_t idx[2];

	r->free_before = host_free_page_count(h);
	r->in_use_before = host_stats(h)->pages_in_use;
	struct iommu_hal hal = host_iommu_hal(h);

	r->init_rc = intel_iommu_init(&hal, base, &cfg, &d);
	if (r->init_rc)
		return;
	r->scalable = intel_iommu_scalable(d);
	if (intel_iommu_domain_alloc(d, &dom))
		return;
	/* 4 KiB, 2 MiB and 1 GiB leaves: tables at every level. */
	r->map_rc[0] = intel_iommu_map_pages(dom, 0x10000, ram, 0x4000, IOMMU_READ, 12);
	r->map_rc[1] =
	    intel_iommu_map_pages(dom, 0x200000, ram, 0x400000, IOMMU_READ | IOMMU_WRITE, 21);
	r->map_rc[2] = intel_iommu_map_pages(dom, 1ull << 39, 0, 1ull << 30, IOMMU_READ, 30);
	r->attach_rc = intel_iommu_attach_device(dom, sid);
	if (scalable) {
		r->fl_rc = intel_pasid_setup_first_level(dom, sid, 5, ram, 4);
		r->nested_rc = intel_pasid_setup_nested(dom, sid, 300, 0x1000, 4);
	}
	r->irte_rc[0] = irq_remapping_alloc_irte(d, &idx[0]);
	if (!r->irte_rc[0])
		r->irte_rc[0] = irq_remapping_set_remapped(d, idx[0], 1, 0x40, sid);
	r->irte_rc[1] = irq_remapping_alloc_irte(d, &idx[1]);
	if (!r->irte_rc[1])
		r->irte_rc[1] = irq_remapping_set_posted(d, idx[1], pi_desc, 0x51, sid, false);
	irq_remapping_free_irte(d, idx[0]);
	intel_iommu_unmap(dom, 0x10000, 0x1000, true);
	pcpu_sync(pcpu_self());
	r->gsts_up = gsts();
	r->table_pages = intel_iommu_stats(d)->table_pages;
	r->free_up = host_free_page_count(h);

	r->shutdown_rc = intel_iommu_shutdown(d);
	pcpu_sync(pcpu_self());
	r->gsts_down = gsts();
	r->te_down = vtd_translation_enabled(machine_vtd(m), sim_now());
	intel_iommu_destroy(d);
	r->free_after = host_free_page_count(h);
	r->in_use_after = host_stats(h)->pages_in_use;
}

static void guest(void *ctx, struct vcpu *v)
{
	struct host *h = machine_host(m);
	struct intel_iommu *d0 = machine_iommu(m);
	uint64_t base = intel_iommu_reg_base(d0), pi_desc;

	(void)ctx;
	(void)v;
	rec.ran = true;
	/* The machine's own driver: off (its pages stay: the machine still refers to them). */
	rec.shutdown0_rc = intel_iommu_shutdown(d0);
	pcpu_sync(pcpu_self());
	rec.gsts0 = gsts();
	rec.te0 = vtd_translation_enabled(machine_vtd(m), sim_now());
	/* A posted-interrupt descriptor the IRTE can point at, allocated outside the counts. */
	if (host_alloc_pages(h, 1, MEM_OWNER_HOST, &pi_desc))
		return;
	one_round(&rec.r[0], base, false, pi_desc);
	one_round(&rec.r[1], base, true, pi_desc);
	machine_end(m);
}

static int run(void **state)
{
	static const char *const sets[] = {"machine.iommu.scalable_mode=true",
					   "machine.iommu.superpages=true"};
	struct scenario sc;
	struct run_opts o = {.config_path = "inline", .seed = 1};

	(void)state;
	scenario_from_text(scenario_small, sets, 2, &sc);
	if (machine_create(&sc, &o, &m))
		return -1;
	machine_set_guest_entry(m, guest, NULL);
	machine_start(m);
	return sim_engine_run();
}

static void machine_driver_shuts_the_unit_down(void **state)
{
	(void)state;
	assert_true(rec.ran);
	assert_int_equal(rec.shutdown0_rc, 0);
	assert_false(rec.te0);
	/* TES 31, QIES 26, IRES 25 clear (§11.4.5). */
	assert_int_equal(rec.gsts0 & ((1u << 31) | (1u << 26) | (1u << 25)), 0);
}

static void check_round(const struct round *r, bool scalable)
{
	assert_int_equal(r->init_rc, 0);
	assert_int_equal(r->scalable, scalable);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(r->map_rc[i], 0);
	assert_int_equal(r->attach_rc, 0);
	assert_int_equal(r->fl_rc, 0);
	assert_int_equal(r->nested_rc, 0);
	assert_int_equal(r->irte_rc[0], 0);
	assert_int_equal(r->irte_rc[1], 0);
	/* Up: translation, queued invalidation and interrupt remapping on. */
	assert_int_equal(r->gsts_up & ((1u << 31) | (1u << 26) | (1u << 25)),
			 (1u << 31) | (1u << 26) | (1u << 25));
	/* Every page the driver took is one it counts. */
	assert_true(r->table_pages > 10);
	assert_int_equal(r->free_before - r->free_up, r->table_pages);
	/* Down: all three off; every page back. */
	assert_int_equal(r->shutdown_rc, 0);
	assert_int_equal(r->gsts_down & ((1u << 31) | (1u << 26) | (1u << 25)), 0);
	assert_false(r->te_down);
	assert_int_equal(r->free_after, r->free_before);
	assert_int_equal(r->in_use_after, r->in_use_before);
}

static void legacy_driver_gives_every_page_back(void **state)
{
	(void)state;
	check_round(&rec.r[0], false);
}

static void scalable_driver_gives_every_page_back(void **state)
{
	(void)state;
	check_round(&rec.r[1], true);
	/* PASID directories and tables, 256-bit queue: more pages than legacy mode. */
	assert_true(rec.r[1].table_pages > rec.r[0].table_pages);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(machine_driver_shuts_the_unit_down),
	    cmocka_unit_test(legacy_driver_gives_every_page_back),
	    cmocka_unit_test(scalable_driver_gives_every_page_back),
	};

	return cmocka_run_group_tests(tests, run, NULL);
}
