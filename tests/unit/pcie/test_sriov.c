/* SPDX-License-Identifier: MIT */
/*
 * SR-IOV in config space (SR-IOV 1.1): VFs answer at PF RID + First VF Offset + (n-1) * VF
 * Stride once VF Enable is set, across bus numbers; NumVFs changes do not take effect while VF
 * Enable is set; a PF reset takes the VFs away; VF BARs decode from the PF's VF BAR registers
 * while VF MSE is set; VFs past device 0 on the port's bus are reached only with ARI Forwarding
 * (PCIe 5.0 §6.13); each VF's durable path is its PF's and #VF(n).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "models/devices/gendev.h"
#include "models/mem/mem.h"
#include "models/pcie/pcie.h"
#include "models/pcie/pcie_regs.h"

static struct mem *mem;
static struct pcie_fabric *fab;
static struct pcie_fn *rp, *pf;
static struct gendev *g;
static unsigned sriov, rp_exp;

static const struct pcie_link_cfg x8 = {.gen = 3, .width = 8, .mps = 256, .mrrs = 512,
					.rcb = 64, .latency_ps = 70000};

/* PF at 10:00.0; 16 VFs from offset 0xf0, stride 2: VF 1-8 on bus 0x10 (functions 0xf0..0xfe,
 * so device numbers 30-31: ARI), VF 9-16 on bus 0x11. */
static int build(void **state)
{
	struct mem_cfg mc = {.size = 1ull << 30, .low_top = 1ull << 30};
	struct pcie_fabric_cfg fc = {.ecam_base = 0xe0000000, .ecam_buses = 256,
				     .mmio32_base = 0xc0000000, .mmio32_size = 0x20000000};
	struct gendev_cfg c;

	(void)state;
	assert_int_equal(mem_create(&mc, &mem), 0);
	assert_int_equal(pcie_fabric_create(&fc, mem, &fab), 0);
	assert_int_equal(pcie_fn_create(fab, "rp", PCIE_FN_ROOT_PORT, &rp), 0);
	rp_exp = (unsigned)pcie_fn_add_cap_exp(rp, PCI_EXP_TYPE_ROOT_PORT, false);
	pcie_fn_set_ari_forwarding(rp, true);
	assert_int_equal(pcie_fn_attach(rp, NULL, PCI_DEVFN(1, 0), NULL), 0);

	memset(&c, 0, sizeof(c));
	snprintf(c.name, sizeof(c.name), "pf");
	c.kind = GENDEV_PCIE;
	c.vendor = 0x8086;
	c.device = 0x1572;
	c.class_rev = 0x02000001;
	c.bar[0].size = 0x10000;
	c.bar[0].is64 = true;
	c.ari = true;
	c.flr = true;
	c.sriov = true;
	c.sriov_cfg.total_vfs = 16;
	c.sriov_cfg.offset = 0xf0;
	c.sriov_cfg.stride = 2;
	c.sriov_cfg.vf_device = 0x154c;
	c.sriov_cfg.vf_bar_size[0] = 0x4000;
	c.sriov_cfg.vf_bar_is64[0] = true;
	c.sriov_cfg.vf_msix_vectors = 4;
	c.sriov_cfg.vf_msix_bar = 0;
	c.sriov_cfg.vf_msix_pba_off = 64;
	assert_int_equal(gendev_create(&c, fab, &g), 0);
	pf = gendev_fn(g);
	assert_int_equal(pcie_fn_attach(pf, rp, 0, &x8), 0);
	sriov = pcie_fn_ext_cap_offset(pf, PCI_EXT_CAP_ID_SRIOV);
	assert_true(sriov >= 0x100);

	/* firmware's numbering: the port owns buses 0x10-0x11 */
	pcie_cfg_write(fab, 0, PCI_DEVFN(1, 0), PCI_SECONDARY_BUS, 1, 0x10);
	pcie_cfg_write(fab, 0, PCI_DEVFN(1, 0), PCI_SUBORDINATE_BUS, 1, 0x11);
	pcie_cfg_write(fab, 0, PCI_DEVFN(1, 0), PCI_MEMORY_BASE, 2, 0xc000);
	pcie_cfg_write(fab, 0, PCI_DEVFN(1, 0), PCI_MEMORY_LIMIT, 2, 0xc0f0);
	pcie_cfg_write(fab, 0, PCI_DEVFN(1, 0), PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	/* as Linux's pci_configure_ari does for a port whose device has ARI */
	pcie_cfg_write(fab, 0, PCI_DEVFN(1, 0), rp_exp + PCI_EXP_DEVCTL2, 2, PCI_EXP_DEVCTL2_ARI);
	return 0;
}

static uint32_t rd(uint16_t rid, uint32_t off, unsigned size)
{
	return pcie_cfg_read(fab, (uint8_t)(rid >> 8), (uint8_t)rid, off, size);
}

static void wr(uint16_t rid, uint32_t off, unsigned size, uint32_t v)
{
	pcie_cfg_write(fab, (uint8_t)(rid >> 8), (uint8_t)rid, off, size, v);
}

static void capability_as_configured(void **state)
{
	(void)state;
	assert_int_equal(rd(0x1000, sriov + PCI_SRIOV_TOTAL_VF, 2), 16);
	assert_int_equal(rd(0x1000, sriov + PCI_SRIOV_INITIAL_VF, 2), 16);
	assert_int_equal(rd(0x1000, sriov + PCI_SRIOV_VF_OFFSET, 2), 0xf0);
	assert_int_equal(rd(0x1000, sriov + PCI_SRIOV_VF_STRIDE, 2), 2);
	assert_int_equal(rd(0x1000, sriov + PCI_SRIOV_VF_DID, 2), 0x154c);
	assert_int_equal(rd(0x1000, sriov, 4) & 0xffff, PCI_EXT_CAP_ID_SRIOV);
	/* TotalVFs is read-only */
	wr(0x1000, sriov + PCI_SRIOV_TOTAL_VF, 2, 99);
	assert_int_equal(rd(0x1000, sriov + PCI_SRIOV_TOTAL_VF, 2), 16);
	/* VF BAR sizing by all-ones, as for any BAR */
	wr(0x1000, sriov + PCI_SRIOV_BAR, 4, 0xffffffff);
	assert_int_equal(rd(0x1000, sriov + PCI_SRIOV_BAR, 4), 0xffffc004);
	wr(0x1000, sriov + PCI_SRIOV_BAR, 4, 0xc0100000);
	wr(0x1000, sriov + PCI_SRIOV_BAR + 4, 4, 0);
}

static void vfs_appear_on_vf_enable(void **state)
{
	(void)state;
	/* nothing at VF 1's routing ID before VF Enable */
	assert_int_equal(rd(0x10f0, PCI_CLASS_REVISION, 4), 0xffffffff);
	assert_false(pcie_fn_present(pcie_fn_vf(pf, 1)));
	wr(0x1000, sriov + PCI_SRIOV_NUM_VF, 2, 12);
	wr(0x1000, sriov + PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
	for (unsigned n = 1; n <= 16; n++) {
		uint16_t rid = (uint16_t)(0x1000 + 0xf0 + (n - 1) * 2);
		struct pcie_fn *vf = pcie_fn_vf(pf, n);

		assert_int_equal(pcie_fn_rid(vf), rid);
		if (n <= 12) {
			/* SR-IOV 1.1 §3.4.1.1: a VF's vendor ID reads FFFFh; its class is the PF's
			 */
			assert_int_equal(rd(rid, PCI_VENDOR_ID, 2), 0xffff);
			assert_int_equal(rd(rid, PCI_CLASS_REVISION, 4), 0x02000001);
			assert_ptr_equal(pcie_fabric_lookup(fab, (uint8_t)(rid >> 8), (uint8_t)rid),
					 vf);
		} else {
			assert_int_equal(rd(rid, PCI_CLASS_REVISION, 4), 0xffffffff);
		}
	}
	/* VF 9 is the first on the next bus */
	assert_int_equal(pcie_fn_rid(pcie_fn_vf(pf, 9)), 0x1100);
}

static void numvfs_is_fixed_while_enabled(void **state)
{
	(void)state;
	wr(0x1000, sriov + PCI_SRIOV_NUM_VF, 2, 2);
	assert_true(pcie_fn_present(pcie_fn_vf(pf, 12)));
	assert_int_equal(rd(0x1000 + 0xf0 + 11 * 2, PCI_CLASS_REVISION, 4), 0x02000001);
}

static void vf_bars_decode_from_the_pf(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(pcie_fn_bar_base(pcie_fn_vf(pf, 1), 0), 0xc0100000);
	assert_int_equal(pcie_fn_bar_base(pcie_fn_vf(pf, 3), 0), 0xc0108000);
	/* a VF's own BAR registers are read-only zero */
	wr(0x10f0, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	assert_int_equal(rd(0x10f0, PCI_BASE_ADDRESS_0, 4), 0);
	/* a CPU store to VF 3's BAR reaches VF 3 */
	pcie_cpu_write(fab, 0xc0108010, 4, 0x12345678, 0);
	assert_non_null(gendev_scratch(g, 3, 0, 0x10));
	assert_int_equal(gendev_scratch(g, 3, 0, 0x10)[0], 0x78);
	assert_null(gendev_scratch(g, 2, 0, 0x10));
	pcie_cpu_read(fab, 0xc0108010, 4, 0, &v);
	assert_int_equal(v, 0x12345678);
	/* VF MSE off: the VF BARs decode nothing */
	wr(0x1000, sriov + PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE);
	pcie_cpu_read(fab, 0xc0108010, 4, 0, &v);
	assert_int_equal(v, 0xffffffff);
	wr(0x1000, sriov + PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
}

static void ari_forwarding_gates_functions_past_7(void **state)
{
	(void)state;
	/* VF 1 is function 0xf0 on the port's own bus: device 30 without ARI */
	wr(0x0008, rp_exp + PCI_EXP_DEVCTL2, 2, 0);
	assert_int_equal(rd(0x10f0, PCI_CLASS_REVISION, 4), 0xffffffff);
	assert_int_equal(rd(0x1100, PCI_CLASS_REVISION, 4), 0x02000001); /* next bus: type 1 */
	assert_int_equal(rd(0x1000, PCI_CLASS_REVISION, 4), 0x02000001); /* device 0: always */
	wr(0x0008, rp_exp + PCI_EXP_DEVCTL2, 2, PCI_EXP_DEVCTL2_ARI);
	assert_int_equal(rd(0x10f0, PCI_CLASS_REVISION, 4), 0x02000001);
}

static void location_paths(void **state)
{
	char p[128];

	(void)state;
	pcie_fn_location(pf, p, sizeof(p));
	assert_string_equal(p, "PCIROOT(0)#PCI(0100)#PCI(0000)");
	pcie_fn_location(pcie_fn_vf(pf, 9), p, sizeof(p));
	assert_string_equal(p, "PCIROOT(0)#PCI(0100)#PCI(0000)#VF(9)");
	assert_ptr_equal(pcie_fn_pf(pcie_fn_vf(pf, 9)), pf);
	assert_int_equal(pcie_fn_vf_index(pcie_fn_vf(pf, 9)), 9);
}

static void pf_reset_removes_the_vfs(void **state)
{
	unsigned exp = pcie_fn_cap_offset(pf, PCI_CAP_ID_EXP);

	(void)state;
	assert_true(pcie_fn_present(pcie_fn_vf(pf, 1)));
	wr(0x1000, exp + PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_BCR_FLR);
	assert_false(pcie_fn_present(pcie_fn_vf(pf, 1)));
	assert_int_equal(rd(0x1100, PCI_CLASS_REVISION, 4), 0xffffffff);
	assert_int_equal(rd(0x1000, sriov + PCI_SRIOV_CTRL, 2), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(capability_as_configured),
		cmocka_unit_test(vfs_appear_on_vf_enable),
		cmocka_unit_test(numvfs_is_fixed_while_enabled),
		cmocka_unit_test(vf_bars_decode_from_the_pf),
		cmocka_unit_test(ari_forwarding_gates_functions_past_7),
		cmocka_unit_test(location_paths),
		cmocka_unit_test(pf_reset_removes_the_vfs),
	};

	return cmocka_run_group_tests(tests, build, NULL);
}
