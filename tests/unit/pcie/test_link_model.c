/* SPDX-License-Identifier: MIT */
/*
 * The link model against pcie-bench's pcie-model (github.com/pcie-bench/pcie-model, model/pcie.py
 * and model/mem_bw.py, as published with Neugebauer et al., SIGCOMM'18). The expected figures
 * are computed here from that model's documented formulas, typed in independently:
 *
 *   raw      = GT/s x lanes x encoding                          (Gen3: 128/130)
 *   TLP_bw   = raw x (1 - 8/AckLimit - 8/FCLimit - 4/1538)      (Gen3 x8, MPS 256: 203, 203)
 *   write(s) = s x TLP_bw / (s + ceil(s/MPS) x 24)               (64-bit MWr: 8 + 4 + 12)
 *   read(s)  = s x TLP_bw / (s + ceil(s/MPS) x 20)               (CplD: 8 + 4 + 8), unless the
 *              requests, ceil(s/MRRS) x 24 bytes each, fill the other direction first
 *
 * and the simulator's DMA engine path must give the same effective bandwidth within 0.5 % when
 * a device streams back-to-back transfers through one Gen3 x8 link (MPS 256, MRRS 512, RCB 64).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "models/mem/mem.h"
#include "models/pcie/pcie.h"
#include "models/pcie/pcie_regs.h"

#define N_XFER 4000

static double model_tlp_gbps(double gt, unsigned lanes, double enc, unsigned ack, unsigned fc)
{
	double raw = gt * lanes * enc;

	return raw - raw * (8.0 / ack + 8.0 / fc + 4.0 / 1538.0);
}

static double model_write_gbps(double tlp_bw, unsigned size, unsigned mps)
{
	unsigned ntlp = (size + mps - 1) / mps;

	return size * tlp_bw / (double)(ntlp * 24 + size);
}

static double model_read_gbps(double tlp_bw, unsigned size, unsigned mps, unsigned mrrs)
{
	double rx = (double)(((size + mps - 1) / mps) * 20 + size); /* completions, per read */
	double tx = (double)(((size + mrrs - 1) / mrrs) * 24);       /* requests, per read */
	double trans = tlp_bw / rx;                                  /* reads/ns the RX allows */

	if (trans * tx > tlp_bw)
		trans = tlp_bw / tx; /* out of TX bandwidth for requests */
	return size * trans;
}

struct rig {
	struct mem *mem;
	struct pcie_fabric *fab;
	struct pcie_fn *rp, *ep;
};

static void rig_build(struct rig *r, const struct pcie_link_cfg *lc)
{
	struct mem_cfg mc = {.size = 8ull << 30,
			     .low_top = 2ull << 30,
			     .latency_ps = 80000,
			     .llc_latency_ps = 20000,
			     .bandwidth_gbps = 20};
	struct pcie_fabric_cfg fc = {.ecam_base = 0xe0000000,
				     .ecam_buses = 256,
				     .mmio32_base = 0xc0000000,
				     .mmio32_size = 0x20000000,
				     .rc_latency_ps = 150000,
				     .cfg_access_ps = 100000,
				     .mmio_dev_ps = 150000};

	assert_int_equal(mem_create(&mc, &r->mem), 0);
	assert_int_equal(pcie_fabric_create(&fc, r->mem, &r->fab), 0);
	assert_int_equal(pcie_fn_create(r->fab, "rp", PCIE_FN_ROOT_PORT, &r->rp), 0);
	pcie_fn_add_cap_exp(r->rp, PCI_EXP_TYPE_ROOT_PORT, false);
	assert_int_equal(pcie_fn_attach(r->rp, NULL, PCI_DEVFN(1, 0), NULL), 0);
	assert_int_equal(pcie_fn_create(r->fab, "ep", PCIE_FN_ENDPOINT, &r->ep), 0);
	pcie_fn_add_cap_exp(r->ep, PCI_EXP_TYPE_ENDPOINT, true);
	assert_int_equal(pcie_fn_attach(r->ep, r->rp, 0, lc), 0);
	pcie_fn_cfg_set(r->ep, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
}

static void rig_free(struct rig *r)
{
	pcie_fabric_destroy(r->fab);
	mem_destroy(r->mem);
}

/* Stream N transfers of `size` bytes, all ready at t=0, above 4 GiB (64-bit addresses, as the
 * model assumes), each in its own page; the effective rate is the steady spacing of their
 * completions. */
static double sim_gbps(const struct pcie_link_cfg *lc, unsigned size, bool write)
{
	struct rig r;
	uint64_t t_first = 0, t_last = 0;

	rig_build(&r, lc);
	for (unsigned i = 0; i < N_XFER; i++) {
		struct pcie_dma d = {0};

		d.addr = 0x100000000ull + (uint64_t)i * 4096;
		d.len = size;
		d.write = write;
		d.t_issue = 0;
		assert_int_equal(pcie_dma_submit(r.ep, &d), 0);
		assert_int_equal(d.status, PCIE_DMA_OK);
		if (i == 0)
			t_first = d.t_done;
		t_last = d.t_done;
	}
	rig_free(&r);
	/* bytes per picosecond -> Gb/s */
	return (double)size * (N_XFER - 1) * 8.0 * 1000.0 / (double)(t_last - t_first);
}

static const struct pcie_link_cfg gen3x8 = {.gen = 3, .width = 8, .mps = 256, .mrrs = 512,
					    .rcb = 64, .latency_ps = 70000};

static void tlp_rate_matches_the_model(void **state)
{
	struct pcie_link_cfg c = gen3x8;
	double enc = 128.0 / 130.0;

	(void)state;
	/* REFERENCE.md: Gen3 x8 raw 63.02 Gb/s, usable 57.88 at MPS 256, 56.67 at 128, 57.31 at
	 * 512 (pcie-model's Table 3-9 values 203, 163, 182). */
	assert_float_equal(pcie_link_bytes_per_ns(&c) * 8, 63.015, 0.001);
	assert_float_equal(pcie_link_tlp_bytes_per_ns(&c) * 8, model_tlp_gbps(8, 8, enc, 203, 203),
			   1e-9);
	assert_float_equal(pcie_link_tlp_bytes_per_ns(&c) * 8, 57.88, 0.005);
	c.mps = 128;
	assert_float_equal(pcie_link_tlp_bytes_per_ns(&c) * 8, 56.67, 0.005);
	c.mps = 512;
	assert_float_equal(pcie_link_tlp_bytes_per_ns(&c) * 8, 57.31, 0.005);
	/* Gen1 x4 MPS 256 (Table 3-7: 118) and Gen2 x16 MPS 128 (Table 3-8: 99) */
	c = (struct pcie_link_cfg){.gen = 1, .width = 4, .mps = 256, .mrrs = 512, .rcb = 64};
	assert_float_equal(pcie_link_tlp_bytes_per_ns(&c) * 8,
			   model_tlp_gbps(2.5, 4, 0.8, 118, 118), 1e-9);
	c = (struct pcie_link_cfg){.gen = 2, .width = 16, .mps = 128, .mrrs = 512, .rcb = 64};
	assert_float_equal(pcie_link_tlp_bytes_per_ns(&c) * 8, model_tlp_gbps(5, 16, 0.8, 99, 99),
			   1e-9);
	/* Gen6: FLIT mode, 236 TLP bytes per 256-byte flit, no framing per TLP */
	c = (struct pcie_link_cfg){.gen = 6, .width = 16, .mps = 256, .mrrs = 512, .rcb = 64};
	assert_float_equal(pcie_link_tlp_bytes_per_ns(&c) * 8, 64.0 * 16 * 236 / 256, 1e-9);
	assert_int_equal(pcie_link_tlp_framing(&c), 0);
	c.gen = 5;
	assert_int_equal(pcie_link_tlp_framing(&c), 8);
	/* impossible configurations */
	c.width = 12;
	assert_true(pcie_link_tlp_bytes_per_ns(&c) == 0);
	c.width = 8;
	c.mps = 200;
	assert_true(pcie_link_tlp_bytes_per_ns(&c) == 0);
}

static const unsigned sizes[] = {64, 128, 256, 257, 512, 1000, 1024, 1500};

static void dma_bandwidth_matches_the_model(void **state)
{
	double tlp = model_tlp_gbps(8, 8, 128.0 / 130.0, 203, 203);

	(void)state;
	printf("  size   write sim / model       read sim / model   (Gb/s, Gen3 x8 MPS 256 MRRS "
	       "512)\n");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned s = sizes[i];
		double w = sim_gbps(&gen3x8, s, true), wm = model_write_gbps(tlp, s, 256);
		double rd = sim_gbps(&gen3x8, s, false), rm = model_read_gbps(tlp, s, 256, 512);

		printf("  %4u  %7.3f / %7.3f (%+.3f%%)  %7.3f / %7.3f (%+.3f%%)\n", s, w, wm,
		       100 * (w - wm) / wm, rd, rm, 100 * (rd - rm) / rm);
		assert_true(fabs(w - wm) / wm < 0.005);
		assert_true(fabs(rd - rm) / rm < 0.005);
	}
}

/* A 64 B read's latency on an idle link, with no IOMMU: request up, root complex, memory,
 * root complex, completion down -- the pieces the default scenario's 546 ns is built from. */
static void idle_read_latency_adds_up(void **state)
{
	struct rig r;
	struct pcie_dma d = {.addr = 0x10000000, .len = 64, .write = false, .t_issue = 0};
	double ps_per_byte = 1000.0 / pcie_link_tlp_bytes_per_ns(&gen3x8);
	uint64_t want;

	(void)state;
	rig_build(&r, &gen3x8);
	assert_int_equal(pcie_dma_submit(r.ep, &d), 0);
	want = (uint64_t)llround(20 * ps_per_byte) + 70000 + 150000 + 80000 + 3200 + 150000 +
	       (uint64_t)llround(84 * ps_per_byte) + 70000;
	assert_int_equal(d.t_done, want);
	rig_free(&r);
}

/* A read's completions at RCB 64 from an address that is not MPS-aligned: more TLPs. */
static void completions_split_at_rcb(void **state)
{
	struct rig r;
	struct pcie_dma a = {.addr = 0x10000000, .len = 512, .t_issue = 0};
	struct pcie_dma b = {.addr = 0x10010020, .len = 512, .t_issue = 0};
	const struct pcie_link_stats *st;
	uint64_t before;

	(void)state;
	rig_build(&r, &gen3x8);
	st = pcie_link_stats(pcie_fn_link(r.ep));
	pcie_dma_submit(r.ep, &a);
	assert_int_equal(st->tlps_down, 2); /* 256 + 256 */
	before = st->tlps_down;
	pcie_dma_submit(r.ep, &b);
	/* 0x20..0x100, 0x100..0x200, 0x200..0x220: cut at RCB boundaries, MPS at most */
	assert_int_equal(st->tlps_down - before, 3);
	rig_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tlp_rate_matches_the_model),
		cmocka_unit_test(dma_bandwidth_matches_the_model),
		cmocka_unit_test(idle_read_latency_adds_up),
		cmocka_unit_test(completions_split_at_rcb),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
