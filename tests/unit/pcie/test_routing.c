/* SPDX-License-Identifier: MIT */
/*
 * Where a DMA goes (PCIe 5.0 §6.12, ACS): straight to a peer below a sibling downstream port
 * unless the ingress port's P2P Request Redirect sends it up to the root complex and the IOMMU;
 * Source Validation refusing a spoofed requester ID; P2P Egress Control; Upstream Forwarding;
 * a multi-function device without ACS reaching its sibling inside; a PCIe-to-PCI bridge's
 * requester-ID alias; completion redirect; and two devices sharing an upstream link. The peer
 * really receives the data in its MMIO handler.
 *
 * The fabric is built and programmed here directly, as firmware would leave it:
 *
 *   00:01.0 RP1 -> 01:00.0 switch USP -> 02:01.0 DSP a -> 03:00.0 devA
 *                                        02:02.0 DSP b -> 04:00.0 devB
 *                                        02:03.0 DSP c (no ACS) -> 05:00.0 devC
 *   00:02.0 RP2 -> 06:00.0/1 f0, f1: a multi-function device without ACS
 *   00:03.0 RP3 -> 07:00.0/1 g0, g1: a multi-function device with ACS
 *   00:04.0 RP4 -> 08:00.0 PCIe-to-PCI bridge -> 09:01.0 p1, 09:02.0 p2 (conventional PCI)
 */
#include <errno.h>
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

#define ACS_ALL (PCI_ACS_SV | PCI_ACS_TB | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF | PCI_ACS_EC)

static struct mem *mem;
static struct pcie_fabric *fab;
static struct pcie_fn *rp1, *usp, *dsp_a, *dsp_b, *dsp_c, *rp2, *rp3, *rp4, *pbr;
static struct gendev *devA, *devB, *devC, *f0, *f1, *g0, *g1, *p1, *p2;

/* the IOMMU stand-in: identity, refusing one page, remembering who asked */
static uint16_t last_sid;
static unsigned xlate_calls;
static uint64_t refuse_page = ~0ull;

static void xlate(void *ctx, uint16_t sid, uint64_t iova, uint32_t len, bool write, uint64_t t,
		  struct pcie_xlate *out)
{
	(void)ctx, (void)len, (void)write, (void)t;
	last_sid = sid;
	xlate_calls++;
	out->hpa = iova;
	out->lat_ps = 5000;
	out->span = 4096 - (iova & 4095);
	out->ok = (iova & ~0xfffull) != refuse_page;
}

/* The test's IOMMU in front of every function: xlate above. */
static const struct pcie_iommu_ops test_iommu = {.translate = xlate};

static void find_iommu(void *opaque, const struct pcie_fn *fn, struct pcie_iommu *out)
{
	(void)opaque;
	(void)fn;
	out->ops = &test_iommu;
	out->unit = NULL;
}

static const struct pcie_link_cfg x8 = {.gen = 3, .width = 8, .mps = 256, .mrrs = 512,
					.rcb = 64, .latency_ps = 70000};

static struct pcie_fn *port(const char *name, enum pcie_fn_type t, unsigned exp, uint16_t acs)
{
	struct pcie_fn *fn;

	assert_int_equal(pcie_fn_create(fab, name, t, &fn), 0);
	pcie_fn_set_ids(fn, 0x8086, 0x2030, 0x06040000, 0, 0);
	assert_true(pcie_fn_add_cap_exp(fn, exp, false) > 0);
	if (acs)
		assert_true(pcie_fn_add_ext_acs(fn, acs, 32) > 0);
	return fn;
}

static struct gendev *dev(const char *name, enum gendev_kind kind, bool acs)
{
	struct gendev_cfg c;
	struct gendev *g;

	memset(&c, 0, sizeof(c));
	snprintf(c.name, sizeof(c.name), "%s", name);
	c.kind = kind;
	c.vendor = 0x7074;
	c.device = 0x0002;
	c.class_rev = 0xff000000;
	c.bar[0].size = 0x10000;
	c.bar[0].is64 = kind != GENDEV_PCI;
	c.msi_vectors = 1;
	c.acs = acs;
	c.acs_cap = PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF;
	assert_int_equal(gendev_create(&c, fab, &g), 0);
	return g;
}

static void bridge(struct pcie_fn *b, unsigned pri, unsigned sec, unsigned sub, uint32_t base,
		   uint32_t limit)
{
	pcie_fn_cfg_set(b, PCI_PRIMARY_BUS, 1, pri);
	pcie_fn_cfg_set(b, PCI_SECONDARY_BUS, 1, sec);
	pcie_fn_cfg_set(b, PCI_SUBORDINATE_BUS, 1, sub);
	pcie_fn_cfg_set(b, PCI_MEMORY_BASE, 2, (base >> 16) & 0xfff0);
	pcie_fn_cfg_set(b, PCI_MEMORY_LIMIT, 2, (limit >> 16) & 0xfff0);
	pcie_fn_cfg_set(b, PCI_PREF_MEMORY_BASE, 2, 0xfff0);
	pcie_fn_cfg_set(b, PCI_PREF_MEMORY_LIMIT, 2, 0);
	pcie_fn_cfg_set(b, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

static void bar(struct gendev *g, uint32_t base)
{
	struct pcie_fn *fn = gendev_fn(g);

	pcie_fn_cfg_set(fn, PCI_BASE_ADDRESS_0, 4,
			(pcie_fn_cfg_get(fn, PCI_BASE_ADDRESS_0, 4) & 0xf) | base);
	pcie_fn_cfg_set(fn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

static void set_acs(struct pcie_fn *fn, uint16_t ctrl)
{
	unsigned o = pcie_fn_ext_cap_offset(fn, PCI_EXT_CAP_ID_ACS);

	assert_true(o);
	pcie_fn_cfg_set(fn, o + PCI_ACS_CTRL, 2, ctrl);
}

static int build(void **state)
{
	struct mem_cfg mc = {.size = 1ull << 30, .low_top = 1ull << 30, .latency_ps = 80000,
			     .bandwidth_gbps = 20};
	struct pcie_fabric_cfg fc = {.ecam_base = 0xe0000000, .ecam_buses = 256,
				     .mmio32_base = 0xc0000000, .mmio32_size = 0x20000000,
				     .rc_latency_ps = 150000, .mmio_dev_ps = 150000,
				     .rc_p2p = true};

	(void)state;
	assert_int_equal(mem_create(&mc, &mem), 0);
	assert_int_equal(pcie_fabric_create(&fc, mem, &fab), 0);
	pcie_setup_iommu(fab, find_iommu, NULL);

	rp1 = port("rp1", PCIE_FN_ROOT_PORT, PCI_EXP_TYPE_ROOT_PORT, ACS_ALL);
	usp = port("usp", PCIE_FN_SWITCH_UP, PCI_EXP_TYPE_UPSTREAM, 0);
	dsp_a = port("dsp_a", PCIE_FN_SWITCH_DOWN, PCI_EXP_TYPE_DOWNSTREAM, ACS_ALL);
	dsp_b = port("dsp_b", PCIE_FN_SWITCH_DOWN, PCI_EXP_TYPE_DOWNSTREAM, ACS_ALL);
	dsp_c = port("dsp_c", PCIE_FN_SWITCH_DOWN, PCI_EXP_TYPE_DOWNSTREAM, 0);
	rp2 = port("rp2", PCIE_FN_ROOT_PORT, PCI_EXP_TYPE_ROOT_PORT, ACS_ALL);
	rp3 = port("rp3", PCIE_FN_ROOT_PORT, PCI_EXP_TYPE_ROOT_PORT, ACS_ALL);
	rp4 = port("rp4", PCIE_FN_ROOT_PORT, PCI_EXP_TYPE_ROOT_PORT, ACS_ALL);
	pbr = port("pbr", PCIE_FN_PCI_BRIDGE, PCI_EXP_TYPE_PCI_BRIDGE, 0);
	assert_int_equal(pcie_fn_set_pci_bus(pbr, 33, 32, 0), 0);
	devA = dev("devA", GENDEV_PCIE, false);
	devB = dev("devB", GENDEV_PCIE, false);
	devC = dev("devC", GENDEV_PCIE, false);
	f0 = dev("f0", GENDEV_PCIE, false);
	f1 = dev("f1", GENDEV_PCIE, false);
	g0 = dev("g0", GENDEV_PCIE, true);
	g1 = dev("g1", GENDEV_PCIE, true);
	p1 = dev("p1", GENDEV_PCI, false);
	p2 = dev("p2", GENDEV_PCI, false);

	assert_int_equal(pcie_fn_attach(rp1, NULL, PCI_DEVFN(1, 0), NULL), 0);
	assert_int_equal(pcie_fn_attach(usp, rp1, 0, &x8), 0);
	assert_int_equal(pcie_fn_attach(dsp_a, usp, PCI_DEVFN(1, 0), NULL), 0);
	assert_int_equal(pcie_fn_attach(dsp_b, usp, PCI_DEVFN(2, 0), NULL), 0);
	assert_int_equal(pcie_fn_attach(dsp_c, usp, PCI_DEVFN(3, 0), NULL), 0);
	assert_int_equal(pcie_fn_attach(gendev_fn(devA), dsp_a, 0, &x8), 0);
	assert_int_equal(pcie_fn_attach(gendev_fn(devB), dsp_b, 0, &x8), 0);
	assert_int_equal(pcie_fn_attach(gendev_fn(devC), dsp_c, 0, &x8), 0);
	assert_int_equal(pcie_fn_attach(rp2, NULL, PCI_DEVFN(2, 0), NULL), 0);
	assert_int_equal(pcie_fn_attach(gendev_fn(f0), rp2, 0, &x8), 0);
	assert_int_equal(pcie_fn_attach(gendev_fn(f1), rp2, 1, NULL), 0);
	assert_int_equal(pcie_fn_attach(rp3, NULL, PCI_DEVFN(3, 0), NULL), 0);
	assert_int_equal(pcie_fn_attach(gendev_fn(g0), rp3, 0, &x8), 0);
	assert_int_equal(pcie_fn_attach(gendev_fn(g1), rp3, 1, NULL), 0);
	assert_int_equal(pcie_fn_attach(rp4, NULL, PCI_DEVFN(4, 0), NULL), 0);
	assert_int_equal(pcie_fn_attach(pbr, rp4, 0, &x8), 0);
	assert_int_equal(pcie_fn_attach(gendev_fn(p1), pbr, PCI_DEVFN(1, 0), NULL), 0);
	assert_int_equal(pcie_fn_attach(gendev_fn(p2), pbr, PCI_DEVFN(2, 0), NULL), 0);
	/* a downstream port's link is the switch's forwarding latency away from the USP */
	pcie_fn_set_fwd_latency(usp, 110000);

	bridge(rp1, 0, 1, 5, 0xc0000000, 0xc02fffff);
	bridge(usp, 1, 2, 5, 0xc0000000, 0xc02fffff);
	bridge(dsp_a, 2, 3, 3, 0xc0000000, 0xc00fffff);
	bridge(dsp_b, 2, 4, 4, 0xc0100000, 0xc01fffff);
	bridge(dsp_c, 2, 5, 5, 0xc0200000, 0xc02fffff);
	bridge(rp2, 0, 6, 6, 0xc0300000, 0xc03fffff);
	bridge(rp3, 0, 7, 7, 0xc0400000, 0xc04fffff);
	bridge(rp4, 0, 8, 9, 0xc0500000, 0xc05fffff);
	bridge(pbr, 8, 9, 9, 0xc0500000, 0xc05fffff);
	bar(devA, 0xc0000000);
	bar(devB, 0xc0100000);
	bar(devC, 0xc0200000);
	bar(f0, 0xc0300000);
	bar(f1, 0xc0310000);
	bar(g0, 0xc0400000);
	bar(g1, 0xc0410000);
	bar(p1, 0xc0500000);
	bar(p2, 0xc0510000);
	return 0;
}

/* Each request issued 1 ms after the previous one: on idle links. */
static uint64_t clock_ps = 1000000000;

static struct pcie_dma dma(struct gendev *g, uint64_t addr, uint32_t len, bool write)
{
	struct pcie_dma d;
	uint8_t buf[64];

	memset(&d, 0, sizeof(d));
	clock_ps += 1000000000;
	d.t_issue = clock_ps;
	d.addr = addr;
	d.len = len;
	d.write = write;
	assert_int_equal(pcie_dma_submit(gendev_fn(g), &d), 0);
	memset(buf, 0xa5, sizeof(buf));
	if (write && len <= sizeof(buf))
		pcie_dma_write_data(gendev_fn(g), &d, buf);
	return d;
}

static const uint8_t *scratch(struct gendev *g, uint64_t off)
{
	return gendev_scratch(g, 0, 0, off);
}

static void reset_acs(void)
{
	set_acs(rp1, 0);
	set_acs(dsp_a, 0);
	set_acs(dsp_b, 0);
	set_acs(rp2, 0);
	set_acs(rp3, 0);
	set_acs(rp4, 0);
	set_acs(gendev_fn(g0), 0);
	refuse_page = ~0ull;
}

/* Without ACS redirect a request for a sibling port's window turns in the switch: the IOMMU
 * never sees it, and the peer's MMIO handler gets the bytes. */
static void p2p_goes_straight_to_the_peer(void **state)
{
	unsigned calls = xlate_calls;
	uint64_t n = pcie_fabric_stats(fab)->p2p_switch;
	struct pcie_dma d;

	(void)state;
	reset_acs();
	d = dma(devA, 0xc0100040, 8, true);
	assert_int_equal(d.status, PCIE_DMA_OK);
	assert_int_equal(d.route, PCIE_ROUTE_SWITCH);
	assert_int_equal(xlate_calls, calls);
	assert_int_equal(pcie_fabric_stats(fab)->p2p_switch, n + 1);
	assert_non_null(scratch(devB, 0x40));
	assert_int_equal(scratch(devB, 0x40)[0], 0xa5);
	assert_int_equal(gendev_stats(devB, 0)->mmio_writes, 1);
	/* a peer read comes back with what the peer holds */
	d = dma(devA, 0xc0100040, 8, false);
	assert_int_equal(d.route, PCIE_ROUTE_SWITCH);
	{
		uint8_t got[8];

		pcie_dma_read_data(gendev_fn(devA), &d, got);
		assert_int_equal(got[0], 0xa5);
	}
	/* to memory, it goes up as always */
	d = dma(devA, 0x100000, 64, true);
	assert_int_equal(d.route, PCIE_ROUTE_RC);
	assert_int_equal(d.sid, 0x0300);
}

/* With P2P Request Redirect on the ingress port the request goes up to the root complex, is
 * translated there, and only then reaches the peer -- or is blocked by the IOMMU. */
static void request_redirect_sends_it_to_the_iommu(void **state)
{
	unsigned calls = xlate_calls;
	uint64_t red = pcie_fabric_stats(fab)->acs_redirected;
	struct pcie_dma d;

	(void)state;
	reset_acs();
	set_acs(dsp_a, PCI_ACS_RR);
	/* up at the root port, the address is below it again: without Upstream Forwarding the
	 * root port has nowhere to send it */
	d = dma(devA, 0xc0100080, 8, true);
	assert_int_equal(d.status, PCIE_DMA_UR);
	set_acs(rp1, PCI_ACS_UF);
	d = dma(devA, 0xc0100080, 8, true);
	assert_int_equal(d.status, PCIE_DMA_OK);
	assert_int_equal(d.route, PCIE_ROUTE_RC_PEER);
	assert_int_equal(xlate_calls, calls + 1);
	assert_int_equal(last_sid, 0x0300);
	assert_int_equal(pcie_fabric_stats(fab)->acs_redirected, red + 1);
	assert_int_equal(scratch(devB, 0x80)[0], 0xa5);
	/* the redirected trip is longer than the direct one */
	{
		struct pcie_dma up = d, direct;

		set_acs(dsp_a, 0);
		direct = dma(devA, 0xc01000c0, 8, true);
		assert_true(up.t_done - up.t_issue > direct.t_done - direct.t_issue);
	}
	/* the IOMMU says no: nothing reaches the peer */
	set_acs(dsp_a, PCI_ACS_RR);
	refuse_page = 0xc0100000;
	d = dma(devA, 0xc0100100, 8, true);
	assert_int_equal(d.status, PCIE_DMA_BLOCKED);
	assert_int_equal(scratch(devB, 0x100)[0], 0);
	reset_acs();
}

static void source_validation_rejects_a_spoofed_id(void **state)
{
	struct pcie_fn *a = gendev_fn(devA);
	struct pcie_dma d = {.addr = 0x200000, .len = 64, .write = true, .spoof = true,
			     .rid = 0x0400};
	uint64_t blocked = pcie_fabric_stats(fab)->acs_blocked;

	(void)state;
	reset_acs();
	/* without SV the lie reaches the IOMMU: it would translate with devB's context */
	pcie_dma_submit(a, &d);
	assert_int_equal(d.status, PCIE_DMA_OK);
	assert_int_equal(last_sid, 0x0400);
	set_acs(dsp_a, PCI_ACS_SV);
	pcie_dma_submit(a, &d);
	assert_int_equal(d.status, PCIE_DMA_ACS);
	assert_int_equal(d.route, PCIE_ROUTE_BLOCKED);
	assert_int_equal(pcie_fabric_stats(fab)->acs_blocked, blocked + 1);
	/* its own bus is in the port's range: fine */
	d.rid = 0x0300;
	pcie_dma_submit(a, &d);
	assert_int_equal(d.status, PCIE_DMA_OK);
	reset_acs();
}

static void egress_control_blocks_chosen_ports(void **state)
{
	unsigned o = pcie_fn_ext_cap_offset(dsp_a, PCI_EXT_CAP_ID_ACS);
	struct pcie_dma d;

	(void)state;
	reset_acs();
	set_acs(dsp_a, PCI_ACS_EC);
	pcie_fn_cfg_set(dsp_a, o + PCI_ACS_EGRESS_CTL_V, 4, 1u << 2); /* port 2: dsp_b */
	d = dma(devA, 0xc0100000, 8, true);
	assert_int_equal(d.status, PCIE_DMA_ACS);
	d = dma(devA, 0xc0200000, 8, true); /* port 3 is not blocked */
	assert_int_equal(d.status, PCIE_DMA_OK);
	assert_int_equal(d.route, PCIE_ROUTE_SWITCH);
	assert_int_equal(scratch(devC, 0)[0], 0xa5);
	/* redirect is applied first: the request goes up instead of being blocked */
	set_acs(dsp_a, PCI_ACS_EC | PCI_ACS_RR);
	set_acs(rp1, PCI_ACS_UF);
	d = dma(devA, 0xc0100000, 8, true);
	assert_int_equal(d.route, PCIE_ROUTE_RC_PEER);
	pcie_fn_cfg_set(dsp_a, o + PCI_ACS_EGRESS_CTL_V, 4, 0);
	reset_acs();
}

/* A request for the port's own window comes back down only if Upstream Forwarding sends it
 * to the root complex; otherwise the port has nowhere to send it. */
static void upstream_forwarding(void **state)
{
	struct pcie_dma d;

	(void)state;
	reset_acs();
	d = dma(devA, 0xc0000200, 8, true);
	assert_int_equal(d.status, PCIE_DMA_UR);
	set_acs(dsp_a, PCI_ACS_UF);
	set_acs(rp1, PCI_ACS_UF); /* every port on the way up must forward it */
	d = dma(devA, 0xc0000200, 8, true);
	assert_int_equal(d.status, PCIE_DMA_OK);
	assert_int_equal(d.route, PCIE_ROUTE_RC_PEER);
	assert_int_equal(scratch(devA, 0x200)[0], 0xa5);
	reset_acs();
}

static void multifunction_without_acs_reaches_its_sibling(void **state)
{
	unsigned calls = xlate_calls;
	struct pcie_dma d;

	(void)state;
	reset_acs();
	d = dma(f0, 0xc0310010, 8, true);
	assert_int_equal(d.status, PCIE_DMA_OK);
	assert_int_equal(d.route, PCIE_ROUTE_INTRA);
	assert_int_equal(xlate_calls, calls);
	assert_int_equal(gendev_scratch(f1, 0, 0, 0x10)[0], 0xa5);
	/* with ACS (RR) in the function it leaves the device; back down only with UF at the
	 * root port, through the IOMMU */
	set_acs(gendev_fn(g0), PCI_ACS_RR);
	d = dma(g0, 0xc0410010, 8, true);
	assert_int_equal(d.status, PCIE_DMA_UR);
	set_acs(rp3, PCI_ACS_UF);
	d = dma(g0, 0xc0410010, 8, true);
	assert_int_equal(d.route, PCIE_ROUTE_RC_PEER);
	assert_int_equal(xlate_calls, calls + 1);
	assert_int_equal(gendev_scratch(g1, 0, 0, 0x10)[0], 0xa5);
	reset_acs();
}

/* Behind a PCIe-to-PCI bridge every request carries (secondary bus, 00.0); the bus itself
 * lets its devices reach each other. */
static void pci_bridge_alias(void **state)
{
	struct pcie_dma d;

	(void)state;
	reset_acs();
	assert_int_equal(pcie_fn_rid(gendev_fn(p1)), 0x0908);
	assert_int_equal(pcie_fn_dma_rid(gendev_fn(p1)), 0x0900);
	assert_int_equal(pcie_fn_dma_rid(gendev_fn(p2)), 0x0900);
	d = dma(p1, 0x300000, 64, true);
	assert_int_equal(d.sid, 0x0900);
	assert_int_equal(last_sid, 0x0900);
	d = dma(p2, 0x300000, 64, false);
	assert_int_equal(last_sid, 0x0900);
	d = dma(p1, 0xc0510020, 8, true);
	assert_int_equal(d.route, PCIE_ROUTE_SWITCH);
	assert_int_equal(gendev_scratch(p2, 0, 0, 0x20)[0], 0xa5);
	/* source validation at the root port accepts the alias: bus 9 is in its range */
	set_acs(rp4, PCI_ACS_SV);
	d = dma(p1, 0x300000, 64, true);
	assert_int_equal(d.status, PCIE_DMA_OK);
	reset_acs();
}

static void completion_redirect(void **state)
{
	uint64_t n = pcie_fabric_stats(fab)->cpl_redirected;
	struct pcie_dma plain, red;

	(void)state;
	reset_acs();
	plain = dma(devA, 0xc0100000, 64, false);
	set_acs(dsp_b, PCI_ACS_CR);
	red = dma(devA, 0xc0100000, 64, false);
	assert_int_equal(pcie_fabric_stats(fab)->cpl_redirected, n + 1);
	assert_int_equal(red.route, PCIE_ROUTE_SWITCH);
	assert_true(red.t_done - red.t_issue > plain.t_done - plain.t_issue);
	reset_acs();
}

/* Two devices below one switch stream writes to memory at once: the upstream link is shared,
 * so together they take about twice as long as one alone. */
static void shared_upstream_link(void **state)
{
	uint64_t alone = 0, both = 0, t0;
	struct pcie_dma d;

	(void)state;
	reset_acs();
	t0 = clock_ps + 1000000000000ull; /* later than anything before: the links are idle */
	for (unsigned i = 0; i < 256; i++) {
		memset(&d, 0, sizeof(d));
		d.addr = 0x400000 + i * 4096ull;
		d.len = 4096;
		d.write = true;
		d.t_issue = t0;
		pcie_dma_submit(gendev_fn(devA), &d);
		alone = d.t_done - t0;
	}
	t0 = clock_ps + 2000000000000ull;
	for (unsigned i = 0; i < 256; i++)
		for (int k = 0; k < 2; k++) {
			memset(&d, 0, sizeof(d));
			d.addr = 0x400000 + i * 4096ull;
			d.len = 4096;
			d.write = true;
			d.t_issue = t0;
			pcie_dma_submit(gendev_fn(k ? devB : devA), &d);
			if (d.t_done - t0 > both)
				both = d.t_done - t0;
		}
	assert_true(both > 19 * alone / 10);
	assert_true(both < 21 * alone / 10);
}

/* A DMA path is at most PCIE_MAX_HOPS (16) links: attaching deeper fails with -E2BIG, whether
 * the chain grows downwards or a subtree built apart is attached below a deep port, and a DMA
 * from the deepest function allowed crosses all 16 links. */
static void depth_is_bounded(void **state)
{
	struct pcie_fn *rp5 = port("rp5", PCIE_FN_ROOT_PORT, PCI_EXP_TYPE_ROOT_PORT, 0);
	struct pcie_fn *parent = rp5, *up = NULL, *side, *up16, *down16, *sub_up, *sub_down;
	struct gendev *deep = dev("deep", GENDEV_PCIE, false),
		      *near = dev("near", GENDEV_PCIE, false);
	struct pcie_dma d1, d16;
	char name[32];

	(void)state;
	reset_acs();
	assert_int_equal(pcie_fn_attach(rp5, NULL, PCI_DEVFN(5, 0), NULL), 0);
	/* switch k puts its downstream port's link at depth k + 1 (the root port's is 1) */
	for (unsigned k = 1; k <= 15; k++) {
		struct pcie_fn *down;

		snprintf(name, sizeof(name), "chain_up%u", k);
		up = port(name, PCIE_FN_SWITCH_UP, PCI_EXP_TYPE_UPSTREAM, 0);
		snprintf(name, sizeof(name), "chain_down%u", k);
		down = port(name, PCIE_FN_SWITCH_DOWN, PCI_EXP_TYPE_DOWNSTREAM, 0);
		assert_int_equal(pcie_fn_attach(up, parent, 0, &x8), 0);
		assert_int_equal(pcie_fn_attach(down, up, PCI_DEVFN(1, 0), NULL), 0);
		parent = down;
	}
	/* parent, the 15th switch's port, is 16 links down. A switch built apart (USP -> DSP ->
	 * device) would put its device 17 links down. */
	sub_up = port("sub_up", PCIE_FN_SWITCH_UP, PCI_EXP_TYPE_UPSTREAM, 0);
	sub_down = port("sub_down", PCIE_FN_SWITCH_DOWN, PCI_EXP_TYPE_DOWNSTREAM, 0);
	assert_int_equal(pcie_fn_attach(sub_down, sub_up, PCI_DEVFN(1, 0), NULL), 0);
	assert_int_equal(pcie_fn_attach(gendev_fn(near), sub_down, 0, &x8), 0);
	assert_int_equal(pcie_fn_attach(sub_up, parent, 0, &x8), -E2BIG);
	/* Grown downwards from the 15th switch's second port: its USP fits, its DSP does not. */
	side = port("chain_side15", PCIE_FN_SWITCH_DOWN, PCI_EXP_TYPE_DOWNSTREAM, 0);
	assert_int_equal(pcie_fn_attach(side, up, PCI_DEVFN(2, 0), NULL), 0);
	up16 = port("chain_up16", PCIE_FN_SWITCH_UP, PCI_EXP_TYPE_UPSTREAM, 0);
	down16 = port("chain_down16", PCIE_FN_SWITCH_DOWN, PCI_EXP_TYPE_DOWNSTREAM, 0);
	assert_int_equal(pcie_fn_attach(up16, side, 0, &x8), 0);
	assert_int_equal(pcie_fn_attach(down16, up16, PCI_DEVFN(1, 0), NULL), -E2BIG);
	/* A device 16 links down works, and pays for every link. */
	assert_int_equal(pcie_fn_attach(gendev_fn(deep), parent, 0, &x8), 0);
	bar(deep, 0xc0600000);
	d16 = dma(deep, 0x200000, 64, true);
	assert_int_equal(d16.status, PCIE_DMA_OK);
	assert_int_equal(d16.route, PCIE_ROUTE_RC);
	d1 = dma(f0, 0x200000, 64, true); /* one link (the earlier tests keep rp1's busy) */
	assert_int_equal(d1.status, PCIE_DMA_OK);
	assert_true(d16.t_done - d16.t_issue >= d1.t_done - d1.t_issue + 15 * x8.latency_ps);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(p2p_goes_straight_to_the_peer),
		cmocka_unit_test(request_redirect_sends_it_to_the_iommu),
		cmocka_unit_test(source_validation_rejects_a_spoofed_id),
		cmocka_unit_test(egress_control_blocks_chosen_ports),
		cmocka_unit_test(upstream_forwarding),
		cmocka_unit_test(multifunction_without_acs_reaches_its_sibling),
		cmocka_unit_test(pci_bridge_alias),
		cmocka_unit_test(completion_redirect),
		cmocka_unit_test(shared_upstream_link),
		cmocka_unit_test(depth_is_bounded),
	};

	return cmocka_run_group_tests(tests, build, NULL);
}
