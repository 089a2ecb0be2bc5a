/* SPDX-License-Identifier: MIT */
/*
 * The host booted alone on a machine with a switch (one port without ACS), an SR-IOV PF whose
 * VFs span bus numbers, a multi-function device without ACS, a PCIe-to-PCI bridge with two
 * conventional devices, an RCiEP and an RMRR: what its enumeration, IOMMU group computation
 * and survey found, checked against the hardware it programmed.
 *
 * Bus numbers as Linux assigns them: the functions of a bus first, buses for VFs reserved right
 * after the PF's bus (pci_iov_bus_range), then bridges depth-first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../common/scenario_util.h"
#include "models/host/hpci.h"
#include "models/host/survey.h"
#include "models/pcie/pcie.h"
#include "models/pcie/pcie_regs.h"
#include "app/machine.h"
#include "sim/engine.h"

static const char machine_yaml[] =
	"cpu: {pcpus: 2}\n"
	"memory: {size_mib: 1024}\n"
	"firmware:\n"
	"  rmrrs: [{device: ep2, base: 0x20000000, size_kib: 64}]\n"
	"pcie:\n"
	"  devices:\n"
	"    - name: rp1\n"
	"      type: root_port\n"
	"      slot: 1\n"
	"      below:\n"
	"        - name: sw\n"
	"          type: switch\n"
	"          ports:\n"
	"            - name: p1\n"
	"              slot: 1\n"
	"              below:\n"
	"                - name: ep1\n"
	"                  type: endpoint\n"
	"                  msi_vectors: 4\n"
	"                  bars:\n"
	"                    - {index: 0, size: 0x100000, type: mem32}\n"
	"                    - {index: 1, size: 0x10000000, type: mem64, prefetch: true}\n"
	"                    - {index: 3, size: 64, type: io}\n"
	"            - name: p2\n"
	"              slot: 2\n"
	"              acs: []\n"
	"              below: [{name: ep2, type: endpoint, msix_vectors: 8}]\n"
	"    - name: rp2\n"
	"      type: root_port\n"
	"      slot: 2\n"
	"      below:\n"
	"        - name: pf\n"
	"          type: endpoint\n"
	"          msix_vectors: 16\n"
	"          sriov: {total_vfs: 40, num_vfs: 20, offset: 0x100, stride: 0x10}\n"
	"    - name: rp3\n"
	"      type: root_port\n"
	"      slot: 3\n"
	"      below:\n"
	"        - {name: f0, type: endpoint, function: 0, msi_vectors: 1}\n"
	"        - {name: f1, type: endpoint, function: 1, msi_vectors: 1}\n"
	"    - name: rp4\n"
	"      type: root_port\n"
	"      slot: 4\n"
	"      below:\n"
	"        - name: pcibr\n"
	"          type: pci_bridge\n"
	"          below:\n"
	"            - {name: pd1, type: pci_device, slot: 1,\n"
	"               bars: [{index: 0, size: 0x1000, type: mem32}]}\n"
	"            - {name: pd2, type: pci_device, slot: 2, msi_vectors: 1,\n"
	"               bars: [{index: 0, size: 0x1000, type: mem32}]}\n"
	"    - {name: dma, type: rciep, slot: 5, msix_vectors: 1}\n";

static struct machine *m;
static struct hpci *pci;
static const struct survey_fn *sv;
static int rc_run;

static int run(void **state)
{
	char path[] = "/tmp/ptsim-enum-XXXXXX.yaml";
	int fd = mkstemps(path, 5);
	static struct cfg_ctx *ctx; /* holds the scenario's strings while the machine runs */
	static struct scenario sc;
	struct run_opts o = {.config_path = "inline", .seed = 1, .host_only = true};
	char err[256];

	(void)state;
	if (fd < 0 || write(fd, machine_yaml, strlen(machine_yaml)) < 0)
		return -1;
	close(fd);
	cfg_ctx_create(&ctx);
	if (scenario_load_machine(ctx, path, NULL, 0, &sc)) {
		for (size_t i = 0; i < cfg_error_count(ctx); i++)
			fprintf(stderr, "%s\n", cfg_error_text(ctx, i));
		return -1;
	}
	unlink(path);
	if (machine_create(&sc, &o, &m))
		return -1;
	machine_start(m);
	rc_run = machine_finish(m, sim_engine_run(), NULL, err, sizeof(err));
	if (rc_run)
		fprintf(stderr, "%s\n", err);
	pci = machine_pci(m);
	sv = machine_survey(m);
	return 0;
}

static struct pcie_fn *fn(const char *name)
{
	struct pcie_fn *f = pcie_fabric_find(machine_fabric(m), name);

	assert_non_null(f);
	return f;
}

static const struct hpci_dev *dev(const char *name)
{
	char path[128];
	const struct hpci_dev *d;

	pcie_fn_location(fn(name), path, sizeof(path));
	d = hpci_find_path(pci, path);
	if (!d)
		fail_msg("the host did not find %s at %s", name, path);
	return d;
}

static size_t idx(const char *name)
{
	return (size_t)(dev(name) - pci->dev);
}

static void buses_numbered_depth_first(void **state)
{
	(void)state;
	assert_int_equal(rc_run, 0);
	assert_int_equal(dev("rp1")->bdf, 0x0008);
	assert_int_equal(dev("dma")->bdf, 0x0028);
	assert_int_equal(dev("sw")->bdf, 0x0100);
	assert_int_equal(dev("p1")->bdf, 0x0208);
	assert_int_equal(dev("p2")->bdf, 0x0210);
	assert_int_equal(dev("ep1")->bdf, 0x0300);
	assert_int_equal(dev("ep2")->bdf, 0x0400);
	assert_int_equal(dev("rp1")->secondary, 1);
	assert_int_equal(dev("rp1")->subordinate, 4);
	/* the PF on bus 5; its 40 possible VFs reach bus 5 + 3, which stays reserved */
	assert_int_equal(dev("pf")->bdf, 0x0500);
	assert_int_equal(dev("rp2")->secondary, 5);
	assert_int_equal(dev("rp2")->subordinate, 8);
	assert_int_equal(dev("f0")->bdf, 0x0900);
	assert_int_equal(dev("f1")->bdf, 0x0901);
	assert_int_equal(dev("pcibr")->bdf, 0x0a00);
	assert_int_equal(dev("pd1")->bdf, 0x0b08);
	assert_int_equal(dev("pd2")->bdf, 0x0b10);
	/* and the hardware agrees: config space routes by what was programmed */
	assert_int_equal(pcie_fn_rid(fn("pd2")), 0x0b10);
	assert_int_equal(pcie_fn_cfg_get(fn("rp2"), PCI_SUBORDINATE_BUS, 1), 8);
}

static void vfs_where_sriov_says(void **state)
{
	const struct hpci_dev *pf = dev("pf");

	(void)state;
	assert_int_equal(pf->total_vfs, 40);
	assert_int_equal(pf->num_vfs, 20);
	for (unsigned n = 1; n <= 40; n++) {
		struct pcie_fn *vf = pcie_fn_vf(fn("pf"), n);
		char path[128];
		const struct hpci_dev *d;

		pcie_fn_location(vf, path, sizeof(path));
		d = hpci_find_path(pci, path);
		if (n > 20) {
			assert_null(d);
			assert_false(pcie_fn_present(vf));
			continue;
		}
		assert_non_null(d);
		assert_true(pcie_fn_present(vf));
		assert_int_equal(d->bdf, 0x0500 + 0x100 + (n - 1) * 0x10);
		assert_int_equal(d->bdf, pcie_fn_rid(vf));
		assert_int_equal(d->pf, (int)idx("pf"));
		assert_int_equal(d->vf_index, n);
		/* its BAR is the PF's VF BAR 0 plus (n-1) VF BAR sizes */
		assert_int_equal(d->bar[0].base, pcie_fn_bar_base(vf, 0));
		assert_int_equal(d->bar[0].size, 0x4000);
	}
}

static bool inside(uint64_t a, uint64_t size, uint64_t lo, uint64_t hi)
{
	return a >= lo && a + size <= hi;
}

static void bars_in_their_windows(void **state)
{
	const struct hpci_dev *e = dev("ep1");
	struct pcie_fn *rp = fn("rp1");
	uint64_t mem_lo = (pcie_fn_cfg_get(rp, PCI_MEMORY_BASE, 2) & 0xfff0) << 16;
	uint64_t mem_hi = ((pcie_fn_cfg_get(rp, PCI_MEMORY_LIMIT, 2) & 0xfff0) << 16) + 0x100000;
	uint64_t pf_lo = (pcie_fn_cfg_get(rp, PCI_PREF_MEMORY_BASE, 2) & 0xfff0) << 16 |
			 pcie_fn_cfg_get(rp, PCI_PREF_BASE_UPPER32, 4) << 32;
	uint64_t io_lo = (pcie_fn_cfg_get(rp, PCI_IO_BASE, 1) & 0xf0) << 8;

	(void)state;
	assert_true(inside(e->bar[0].base, 0x100000, 0xc0000000, 0xe0000000));
	assert_false(e->bar[0].is64);
	assert_true(e->bar[1].prefetch && e->bar[1].is64);
	assert_true(e->bar[1].base >= 0x380000000000ull); /* the 64-bit window */
	assert_int_equal(e->bar[1].base % 0x10000000, 0);
	assert_true(e->bar[3].io && inside(e->bar[3].base, 64, 0x1000, 0x10000));
	/* the root port's windows enclose them */
	assert_true(inside(e->bar[0].base, 0x100000, mem_lo, mem_hi));
	assert_true(e->bar[1].base >= pf_lo);
	assert_true(e->bar[3].base >= io_lo && e->bar[3].base < io_lo + 0x1000);
	assert_true(pcie_fn_cfg_get(rp, PCI_COMMAND, 2) & PCI_COMMAND_IO);
	/* no two memory BARs overlap */
	for (size_t i = 0; i < pci->n; i++)
		for (int a = 0; a < 6; a++)
			for (size_t k = 0; k < pci->n; k++)
				for (int b = 0; b < 6; b++) {
					const struct hpci_bar *x = &pci->dev[i].bar[a];
					const struct hpci_bar *y = &pci->dev[k].bar[b];

					if ((i == k && a == b) || !x->size || !y->size ||
					    x->io != y->io)
						continue;
					assert_true(x->base + x->size <= y->base ||
						    y->base + y->size <= x->base);
				}
}

static void acs_enabled_as_linux_does(void **state)
{
	struct pcie_fn *rp = fn("rp1");
	unsigned o = pcie_fn_ext_cap_offset(rp, PCI_EXT_CAP_ID_ACS);

	(void)state;
	assert_true(o);
	/* SV RR CR UF; TB stays off */
	assert_int_equal(pcie_fn_cfg_get(rp, o + PCI_ACS_CTRL, 2),
			 PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF);
	assert_int_equal(pcie_fn_ext_cap_offset(fn("p2"), PCI_EXT_CAP_ID_ACS), 0);
}

static void groups_as_linux_computes_them(void **state)
{
	(void)state;
	/* isolated all the way up: alone */
	assert_int_not_equal(dev("ep1")->group, dev("p1")->group);
	assert_int_equal(sv[idx("ep1")].group_size, 1);
	/* below a port without ACS: with that port */
	assert_int_equal(dev("ep2")->group, dev("p2")->group);
	/* a multi-function device without ACS: one group */
	assert_int_equal(dev("f0")->group, dev("f1")->group);
	assert_int_not_equal(dev("f0")->group, dev("rp3")->group);
	/* behind the PCIe-to-PCI bridge: the bridge's group, one requester ID */
	assert_int_equal(dev("pd1")->group, dev("pcibr")->group);
	assert_int_equal(dev("pd2")->group, dev("pcibr")->group);
	assert_int_equal(pcie_fn_dma_rid(fn("pd1")), 0x0b00);
	/* VFs: each alone, after everything else */
	for (unsigned n = 1; n <= 20; n++) {
		char path[128];
		const struct hpci_dev *d;

		pcie_fn_location(pcie_fn_vf(fn("pf"), n), path, sizeof(path));
		d = hpci_find_path(pci, path);
		assert_true(d->group > dev("dma")->group);
		assert_int_not_equal(d->group, dev("pf")->group);
	}
	assert_int_equal(pci->ngroups, pci->n - 1 /* ep2+p2 */ - 1 /* f0+f1 */ - 2 /* bridge */);
}

static bool has(size_t i, enum survey_reason r)
{
	return sv[i].reasons & (1u << r);
}

static void survey_verdicts(void **state)
{
	(void)state;
	assert_non_null(sv);
	assert_int_equal(sv[idx("ep1")].verdict, SURVEY_ASSIGNABLE);
	assert_int_equal(sv[idx("ep1")].reasons, 1u << SURVEY_R_IO_BARS);
	assert_int_equal(sv[idx("ep2")].verdict, SURVEY_NOT_ASSIGNABLE);
	assert_true(has(idx("ep2"), SURVEY_R_RMRR));
	assert_true(has(idx("ep2"), SURVEY_R_NO_ACS_PATH));
	assert_int_equal(sv[idx("ep2")].acs_gap, (int)idx("p2"));
	assert_int_equal(sv[idx("f0")].verdict, SURVEY_FORCED_ONLY);
	assert_true(has(idx("f1"), SURVEY_R_MF_NO_ACS));
	assert_int_equal(sv[idx("pd1")].verdict, SURVEY_FORCED_ONLY);
	assert_true(has(idx("pd1"), SURVEY_R_CONVENTIONAL));
	assert_true(has(idx("pd1"), SURVEY_R_INTX_ONLY));
	assert_false(has(idx("pd2"), SURVEY_R_INTX_ONLY));
	assert_int_equal(sv[idx("pcibr")].verdict, SURVEY_NOT_ASSIGNABLE);
	assert_int_equal(sv[idx("dma")].verdict, SURVEY_ASSIGNABLE);
	assert_int_equal(sv[idx("pf")].verdict, SURVEY_ASSIGNABLE);
	/* the RMRR's memory is firmware's: not in the host's free pages */
	assert_int_equal(machine_scenario(m)->machine.firmware.nrmrrs, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buses_numbered_depth_first),
		cmocka_unit_test(vfs_where_sriov_says),
		cmocka_unit_test(bars_in_their_windows),
		cmocka_unit_test(acs_enabled_as_linux_does),
		cmocka_unit_test(groups_as_linux_computes_them),
		cmocka_unit_test(survey_verdicts),
	};

	return cmocka_run_group_tests(tests, run, NULL);
}
