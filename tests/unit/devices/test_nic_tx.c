/* SPDX-License-Identifier: MIT */
/*
 * The ptnic's transmit side (8254x SDM §3.3, §13.4, in ptnic's words in nic_regs.h): its
 * registers' reset values and writable bits, legacy transmit descriptors fetched by DMA, the
 * frame on the wire at line rate with the FCS the descriptor asks for and the padding TCTL.PSP
 * asks for, descriptors written back with DD only where RS asked, a frame gathered from
 * several descriptors (also across TDT updates), TXDW raising MSI-X entry 1 or -- with IVAR
 * saying so -- entry 0, auto-masked until IMS re-enables it, a failing buffer DMA dropping the
 * frame, TCTL.EN gating it all, and a reset clearing it. With several transmit queues
 * (tx_queues: 4): each queue's ring at its own registers, frames taken round-robin one per
 * queue per turn (82599 §7.2.1.2.1), each queue's write-back raising its own cause on the
 * entry its IVAR names, and frames counted per queue; queue 0 behaves as the lone queue did.
 * The driver's copy of the register layout agrees with the device's.
 *
 * The machine is built here directly: memory, a root port and a ptnic below it, an IOMMU that
 * translates 1:1 but refuses one page, a root complex that records MSIs, and a wire that
 * records frames. One actor plays the driver and records; the tests assert after the run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "models/devices/nic.h"
#include "models/devices/nic_regs.h"
#include "models/guest/drivers/ptnic_regs.h"
#include "models/mem/mem.h"
#include "models/pcie/pcie.h"
#include "models/pcie/pcie_regs.h"
#include "sim/engine.h"
#include "sim/simtime.h"

#define BAR0	 0xc0000000ull
#define RING	 0x100000ull /* 8 descriptors */
#define NDESC	 8
#define BUF	 0x200000ull
#define BUF2	 0x201000ull
#define BUF3	 0x202000ull
#define BAD_PAGE 0x300000ull /* the IOMMU refuses it */
#define LINE	 10.0	     /* Gb/s */

static struct mem *mem;
static struct pcie_fabric *fab;
static struct pcie_fn *rp;
static struct nic *nic;

#define MAX_FRAMES 64
#define RINGQ(q)   (RING + 0x1000ull * (q)) /* transmit queue q's ring, 8 descriptors */
#define BUFQ(q)	   (0x210000ull + 0x1000ull * (q))
static struct {
	bool ran;
	/* reset values and writable bits */
	uint32_t tctl0, tdlen0, tdh0, tdt0, ivar0, eiam0, tdlen_w, tdbal_w;
	/* one frame */
	uint64_t t_post;
	uint8_t dd_one;
	uint32_t tdh_one, gptc_one, gotc_one;
	/* without RS */
	uint8_t status_no_rs;
	uint32_t icr_no_rs;
	unsigned msis_no_rs;
	/* two descriptors */
	unsigned frames_half; /* after the first descriptor alone */
	uint8_t status_d2, status_d3;
	/* line rate */
	unsigned first_burst;
	/* IVAR, auto-mask */
	uint32_t ims_after_msg;
	unsigned msis_masked, msis_unmasked;
	/* DMA error */
	uint8_t dd_err;
	uint64_t dma_errors;
	/* TCTL.EN */
	uint32_t tdh_off, tdh_on;
	unsigned frames_off, frames_on;
	/* reset */
	uint32_t tdh_reset, tdt_reset, tctl_reset, ivar_reset;
	unsigned nframes_single; /* frames before the multi-queue part */
	/* several transmit queues */
	uint32_t txqcap, ivarq_reset, ivarq_w, tdlenq_w;
	unsigned rr_first, rr_msi_first, fair_first;
	uint32_t rr_entries;	/* MSI-X entries that sent a message (bit per entry) */
	uint64_t rr_qframes[3]; /* per-queue frames counted in the first round */
	uint32_t icr_q2;	/* ICR with only queue 2's cause enabled */
} rec;

/* What reached the wire and the root complex. */
static struct {
	uint64_t t_ps;
	uint32_t len;
	size_t data_len;
	uint8_t data[256];
} frames[MAX_FRAMES];
static unsigned nframes, ndropped;
static struct {
	unsigned entry;
	uint64_t t;
} msis[MAX_FRAMES];
static unsigned nmsis;

static void transmitted(void *ctx, const struct nic_frame *f, const uint8_t *data, size_t len)
{
	(void)ctx;
	if (nframes == MAX_FRAMES)
		return;
	frames[nframes].t_ps = f->t_ps;
	frames[nframes].len = f->len;
	frames[nframes].data_len = len;
	memcpy(frames[nframes].data, data, len < 256 ? len : 256);
	nframes++;
}

static void dropped(void *ctx, const struct nic_frame *f)
{
	(void)ctx, (void)f;
	ndropped++;
}

static const struct nic_wire_sink_ops sink = {transmitted, dropped};

static void msi(void *ctx, uint16_t sid, uint64_t addr, uint32_t data, uint64_t t,
		struct pcie_irq *irq)
{
	(void)ctx, (void)sid, (void)addr, (void)irq;
	if (nmsis < MAX_FRAMES) {
		msis[nmsis].entry = (data & 0xff) - 0x40;
		msis[nmsis].t = t;
	}
	nmsis++;
}

static void xlate(void *ctx, uint16_t sid, uint64_t iova, uint32_t len, bool write, uint64_t t,
		  struct pcie_xlate *out)
{
	(void)ctx, (void)sid, (void)len, (void)write, (void)t;
	out->hpa = iova;
	out->lat_ps = 10000;
	out->span = 4096 - (iova & 4095);
	out->ok = (iova & ~0xfffull) != BAD_PAGE;
}

static const struct pcie_iommu_ops iommu = {.translate = xlate};

static void find_iommu(void *opaque, const struct pcie_fn *fn, struct pcie_iommu *out)
{
	(void)opaque, (void)fn;
	out->ops = &iommu;
	out->unit = NULL;
}

/* ---- the driver's side ---- */

static void w(uint32_t off, uint32_t v)
{
	uint64_t t = sim_now();

	sim_sleep_until(t + pcie_cpu_write(fab, BAR0 + off, 4, v, t));
}

static uint32_t r(uint32_t off)
{
	uint64_t t = sim_now(), v = 0;

	sim_sleep_until(t + pcie_cpu_read(fab, BAR0 + off, 4, t, &v));
	return (uint32_t)v;
}

static void wait_us(uint64_t us)
{
	sim_sleep_until(sim_now() + us * SIM_PS_PER_US);
}

static void descq(unsigned q, unsigned i, uint64_t addr, uint16_t len, uint8_t cmd)
{
	uint8_t d[PTNIC_TXD_SIZE] = {0};

	memcpy(d + PTNIC_TXD_ADDR, &addr, 8);
	d[PTNIC_TXD_LENGTH] = (uint8_t)len;
	d[PTNIC_TXD_LENGTH + 1] = (uint8_t)(len >> 8);
	d[PTNIC_TXD_CMD] = cmd;
	mem_write(mem, RINGQ(q) + i * PTNIC_TXD_SIZE, d, sizeof(d));
}

static void desc(unsigned i, uint64_t addr, uint16_t len, uint8_t cmd)
{
	descq(0, i, addr, len, cmd);
}

static uint8_t status(unsigned i)
{
	uint8_t d[PTNIC_TXD_SIZE];

	mem_read(mem, RING + i * PTNIC_TXD_SIZE, d, sizeof(d));
	return d[PTNIC_TXD_STATUS];
}

static void fill(uint64_t pa, size_t len, uint8_t seed)
{
	uint8_t b[2048];

	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)(seed + i);
	mem_write(mem, pa, b, len);
}

static void setup_tx(void)
{
	w(PTNIC_CTRL, PTNIC_CTRL_RST);
	wait_us(10);
	for (unsigned e = 0; e < PTNIC_MSIX_VECTORS; e++) {
		uint32_t t = PTNIC_MSIX_TABLE + e * PCI_MSIX_ENTRY_SIZE;

		w(t + PCI_MSIX_ENTRY_LOWER_ADDR, 0xfee00000u);
		w(t + PCI_MSIX_ENTRY_UPPER_ADDR, 0);
		w(t + PCI_MSIX_ENTRY_DATA, 0x40 + e);
		w(t + PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
	}
	w(PTNIC_TDBAL, (uint32_t)RING);
	w(PTNIC_TDBAH, 0);
	w(PTNIC_TDLEN, NDESC * PTNIC_TXD_SIZE);
	w(PTNIC_TDH, 0);
	w(PTNIC_TDT, 0);
	w(PTNIC_IMS, PTNIC_INT_TXDW);
	w(PTNIC_TCTL, PTNIC_TCTL_EN | PTNIC_TCTL_PSP);
}

/* Several transmit queues: queues 1 and 2 next to 0, their frames posted while transmit is
 * off, so that the engine finds them all waiting when it is turned on. */
static void multi_queue(void)
{
	const uint8_t frame = PTNIC_TXD_CMD_EOP | PTNIC_TXD_CMD_IFCS | PTNIC_TXD_CMD_RS;

	rec.txqcap = r(PTNIC_TXQCAP);
	rec.ivarq_reset = r(PTNIC_IVAR_Q(1));
	w(PTNIC_TXQ(PTNIC_TDLEN, 3), 0x1234);
	rec.tdlenq_w = r(PTNIC_TXQ(PTNIC_TDLEN, 3));
	setup_tx();
	w(PTNIC_TCTL, 0);
	for (unsigned q = 1; q < 3; q++) {
		w(PTNIC_TXQ(PTNIC_TDBAL, q), (uint32_t)RINGQ(q));
		w(PTNIC_TXQ(PTNIC_TDBAH, q), 0);
		w(PTNIC_TXQ(PTNIC_TDLEN, q), NDESC * PTNIC_TXD_SIZE);
		w(PTNIC_TXQ(PTNIC_TDH, q), 0);
		w(PTNIC_TXQ(PTNIC_TDT, q), 0);
		/* transmit queue q raises entry q + 1 */
		w(PTNIC_IVAR_Q(q), PTNIC_IVAR_TX(q + 1) | PTNIC_IVAR_TX_VALID);
	}
	rec.ivarq_w = r(PTNIC_IVAR_Q(1));
	for (unsigned q = 0; q < 3; q++)
		fill(BUFQ(q), 1000, (uint8_t)(0x10 * (q + 1)));
	w(PTNIC_IMS, PTNIC_INT_TXQ(0) | PTNIC_INT_TXQ(1) | PTNIC_INT_TXQ(2));

	/* Round 1: queue 0 has 3 frames, queue 1 one, queue 2 two. */
	for (unsigned i = 0; i < 3; i++)
		descq(0, i, BUFQ(0), 1000, frame);
	descq(1, 0, BUFQ(1), 1000, frame);
	descq(2, 0, BUFQ(2), 1000, frame);
	descq(2, 1, BUFQ(2), 1000, frame);
	w(PTNIC_TDT, 3);
	w(PTNIC_TXQ(PTNIC_TDT, 1), 1);
	w(PTNIC_TXQ(PTNIC_TDT, 2), 2);
	for (unsigned q = 0; q < 3; q++)
		rec.rr_qframes[q] = nic_mq_stats(nic)->tx_queue_frames[q];
	rec.rr_first = nframes;
	rec.rr_msi_first = nmsis;
	w(PTNIC_TCTL, PTNIC_TCTL_EN | PTNIC_TCTL_PSP);
	wait_us(50);
	for (unsigned q = 0; q < 3; q++)
		rec.rr_qframes[q] = nic_mq_stats(nic)->tx_queue_frames[q] - rec.rr_qframes[q];
	for (unsigned i = rec.rr_msi_first; i < nmsis && i < MAX_FRAMES; i++)
		rec.rr_entries |= 1u << msis[i].entry;

	/* Queue 2's cause alone: its completion shows in ICR, the others' masked ones too. */
	r(PTNIC_ICR);
	w(PTNIC_IMC, PTNIC_INT_TXQ_ALL);
	descq(2, 2, BUFQ(2), 1000, frame);
	w(PTNIC_TXQ(PTNIC_TDT, 2), 3);
	wait_us(20);
	rec.icr_q2 = r(PTNIC_ICR);

	/* Round 2: queues 0 and 1 with five frames each share the wire frame by frame. */
	w(PTNIC_TCTL, 0);
	for (unsigned i = 3; i < 8; i++)
		descq(0, i, BUFQ(0), 1000, frame);
	for (unsigned i = 1; i < 6; i++)
		descq(1, i, BUFQ(1), 1000, frame);
	w(PTNIC_TDT, 0);
	w(PTNIC_TXQ(PTNIC_TDT, 1), 6);
	rec.fair_first = nframes;
	w(PTNIC_TCTL, PTNIC_TCTL_EN | PTNIC_TCTL_PSP);
	wait_us(50);
}

static void driver(void *arg)
{
	(void)arg;
	rec.ran = true;
	rec.tctl0 = r(PTNIC_TCTL);
	rec.tdlen0 = r(PTNIC_TDLEN);
	rec.tdh0 = r(PTNIC_TDH);
	rec.tdt0 = r(PTNIC_TDT);
	rec.ivar0 = r(PTNIC_IVAR);
	rec.eiam0 = r(PTNIC_EIAM);
	w(PTNIC_TDLEN, 0x1234);
	rec.tdlen_w = r(PTNIC_TDLEN);
	w(PTNIC_TDBAL, 0x100008);
	rec.tdbal_w = r(PTNIC_TDBAL);
	setup_tx();

	/* One frame: 1000 bytes, FCS inserted, status reported. */
	fill(BUF, 1000, 1);
	desc(0, BUF, 1000, PTNIC_TXD_CMD_EOP | PTNIC_TXD_CMD_IFCS | PTNIC_TXD_CMD_RS);
	rec.t_post = sim_now();
	w(PTNIC_TDT, 1);
	wait_us(20);
	rec.dd_one = status(0);
	rec.tdh_one = r(PTNIC_TDH);
	rec.gptc_one = r(PTNIC_GPTC);
	rec.gotc_one = r(PTNIC_GOTC);

	/* Without RS: the frame goes, nothing is written back, no TXDW. */
	r(PTNIC_ICR);
	w(PTNIC_IMS, PTNIC_INT_TXDW);
	desc(1, BUF, 200, PTNIC_TXD_CMD_EOP | PTNIC_TXD_CMD_IFCS);
	rec.msis_no_rs = nmsis;
	w(PTNIC_TDT, 2);
	wait_us(20);
	rec.msis_no_rs = nmsis - rec.msis_no_rs;
	rec.status_no_rs = status(1);
	rec.icr_no_rs = r(PTNIC_ICR);

	/* A frame in two descriptors, the second posted later: nothing leaves before EOP. */
	fill(BUF2, 100, 2);
	fill(BUF3, 60, 3);
	desc(2, BUF2, 100, PTNIC_TXD_CMD_IFCS);
	w(PTNIC_TDT, 3);
	wait_us(20);
	rec.frames_half = nframes;
	desc(3, BUF3, 60, PTNIC_TXD_CMD_EOP | PTNIC_TXD_CMD_RS);
	w(PTNIC_TDT, 4);
	wait_us(20);
	rec.status_d2 = status(2);
	rec.status_d3 = status(3);

	/* Four full frames at once (the ring wraps): back to back on the wire. */
	rec.first_burst = nframes;
	for (unsigned i = 4; i < 8; i++)
		desc(i, BUF, 1500, PTNIC_TXD_CMD_EOP | PTNIC_TXD_CMD_IFCS | PTNIC_TXD_CMD_RS);
	fill(BUF, 1500, 1);
	w(PTNIC_TDT, 0);
	wait_us(50);

	/* Transmit shares entry 0 (IVAR); the message auto-masks TXDW. */
	r(PTNIC_ICR);
	w(PTNIC_IVAR,
	  PTNIC_IVAR_RX(0) | PTNIC_IVAR_RX_VALID | PTNIC_IVAR_TX(0) | PTNIC_IVAR_TX_VALID);
	w(PTNIC_IMS, PTNIC_INT_TXDW);
	desc(0, BUF, 64, PTNIC_TXD_CMD_EOP | PTNIC_TXD_CMD_IFCS | PTNIC_TXD_CMD_RS);
	w(PTNIC_TDT, 1);
	wait_us(20);
	rec.ims_after_msg = r(PTNIC_IMS);
	desc(1, BUF, 64, PTNIC_TXD_CMD_EOP | PTNIC_TXD_CMD_IFCS | PTNIC_TXD_CMD_RS);
	rec.msis_masked = nmsis;
	w(PTNIC_TDT, 2);
	wait_us(20);
	rec.msis_masked = nmsis - rec.msis_masked;
	rec.msis_unmasked = nmsis;
	w(PTNIC_IMS, PTNIC_INT_TXDW); /* the pending cause goes now */
	wait_us(5);
	rec.msis_unmasked = nmsis - rec.msis_unmasked;

	/* The buffer's page is refused: the frame is dropped, its descriptor still written back. */
	rec.dma_errors = nic_stats(nic)->tx_dma_errors;
	desc(2, BAD_PAGE, 100, PTNIC_TXD_CMD_EOP | PTNIC_TXD_CMD_IFCS | PTNIC_TXD_CMD_RS);
	w(PTNIC_TDT, 3);
	wait_us(20);
	rec.dd_err = status(2);
	rec.dma_errors = nic_stats(nic)->tx_dma_errors - rec.dma_errors;

	/* Short frames: padded to 64 with PSP, not without. */
	desc(3, BUF, 40, PTNIC_TXD_CMD_EOP | PTNIC_TXD_CMD_IFCS);
	w(PTNIC_TDT, 4);
	wait_us(20);
	w(PTNIC_TCTL, PTNIC_TCTL_EN);
	desc(4, BUF, 40, PTNIC_TXD_CMD_EOP | PTNIC_TXD_CMD_IFCS);
	w(PTNIC_TDT, 5);
	wait_us(20);

	/* Transmit off: the ring waits. */
	w(PTNIC_TCTL, 0);
	desc(5, BUF, 100, PTNIC_TXD_CMD_EOP | PTNIC_TXD_CMD_IFCS);
	rec.frames_off = nframes;
	w(PTNIC_TDT, 6);
	wait_us(20);
	rec.frames_off = nframes - rec.frames_off;
	rec.tdh_off = r(PTNIC_TDH);
	rec.frames_on = nframes;
	w(PTNIC_TCTL, PTNIC_TCTL_EN);
	wait_us(20);
	rec.frames_on = nframes - rec.frames_on;
	rec.tdh_on = r(PTNIC_TDH);

	w(PTNIC_CTRL, PTNIC_CTRL_RST);
	wait_us(10);
	rec.tdh_reset = r(PTNIC_TDH);
	rec.tdt_reset = r(PTNIC_TDT);
	rec.tctl_reset = r(PTNIC_TCTL);
	rec.ivar_reset = r(PTNIC_IVAR);
	rec.nframes_single = nframes;
	multi_queue();
}

static const struct pcie_link_cfg x8 = {
    .gen = 3, .width = 8, .mps = 256, .mrrs = 512, .rcb = 64, .latency_ps = 70000};

static int run(void **state)
{
	struct mem_cfg mc = {
	    .size = 1ull << 30, .low_top = 1ull << 30, .latency_ps = 80000, .bandwidth_gbps = 20};
	struct pcie_fabric_cfg fc = {.ecam_base = 0xe0000000,
				     .ecam_buses = 256,
				     .mmio32_base = 0xc0000000,
				     .mmio32_size = 0x20000000,
				     .rc_latency_ps = 150000,
				     .mmio_dev_ps = 150000};
	struct nic_cfg nc = {.name = "nic0",
			     .reset_ps = 1000,
			     .max_inflight = 32,
			     .tx_fifo_bytes = 16384,
			     .tx_queues = 4};
	struct pcie_rc_hooks hooks = {.msi = msi};
	struct pcie_fn *fn;
	unsigned cap;

	(void)state;
	if (sim_engine_init() || mem_create(&mc, &mem) || pcie_fabric_create(&fc, mem, &fab))
		return -1;
	pcie_setup_iommu(fab, find_iommu, NULL);
	pcie_fabric_set_hooks(fab, &hooks);
	if (pcie_fn_create(fab, "rp0", PCIE_FN_ROOT_PORT, &rp) || nic_create(&nc, fab, &nic))
		return -1;
	pcie_fn_set_ids(rp, 0x8086, 0x2030, 0x06040000, 0, 0);
	pcie_fn_add_cap_exp(rp, PCI_EXP_TYPE_ROOT_PORT, false);
	fn = nic_fn(nic);
	if (pcie_fn_attach(rp, NULL, PCI_DEVFN(1, 0), NULL) || pcie_fn_attach(fn, rp, 0, &x8))
		return -1;
	/* What firmware and the host's enumeration would leave. */
	pcie_fn_cfg_set(rp, PCI_PRIMARY_BUS, 1, 0);
	pcie_fn_cfg_set(rp, PCI_SECONDARY_BUS, 1, 1);
	pcie_fn_cfg_set(rp, PCI_SUBORDINATE_BUS, 1, 1);
	pcie_fn_cfg_set(rp, PCI_MEMORY_BASE, 2, (BAR0 >> 16) & 0xfff0);
	pcie_fn_cfg_set(rp, PCI_MEMORY_LIMIT, 2, ((BAR0 + 0xfffff) >> 16) & 0xfff0);
	pcie_fn_cfg_set(rp, PCI_PREF_MEMORY_BASE, 2, 0xfff0);
	pcie_fn_cfg_set(rp, PCI_PREF_MEMORY_LIMIT, 2, 0);
	pcie_fn_cfg_set(rp, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	pcie_fn_cfg_set(fn, PCI_BASE_ADDRESS_0, 4, (uint32_t)BAR0 | PCI_BASE_ADDRESS_MEM_TYPE_64);
	pcie_fn_cfg_set(fn, PCI_BASE_ADDRESS_0 + 4, 4, 0);
	pcie_fn_cfg_set(fn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	cap = pcie_fn_cap_offset(fn, PCI_CAP_ID_MSIX);
	pcie_fn_cfg_set(fn, cap + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	nic_set_wire_sink(nic, &sink, NULL, LINE);
	if (nic_start(nic))
		return -1;
	sim_actor_start("driver", driver, NULL, 0);
	return sim_engine_run();
}

/* ---- the tests ---- */

static uint64_t wire_ps(uint64_t bytes)
{
	return (uint64_t)(bytes * 8 * 1000 / LINE + 0.5);
}

static void test_registers(void **state)
{
	(void)state;
	assert_true(rec.ran);
	assert_int_equal(rec.tctl0, 0);
	assert_int_equal(rec.tdlen0, 0);
	assert_int_equal(rec.tdh0, 0);
	assert_int_equal(rec.tdt0, 0);
	/* receive on entry 0, transmit on entry 1, both valid; both causes auto-masked */
	assert_int_equal(rec.ivar0, 0x908);
	assert_int_equal(rec.eiam0 & (PTNIC_INT_TXDW | PTNIC_INT_RXT0),
			 PTNIC_INT_TXDW | PTNIC_INT_RXT0);
	/* TDLEN is a multiple of 128 bytes, TDBAL 16-byte aligned (8254x §13.4) */
	assert_int_equal(rec.tdlen_w, 0x1200);
	assert_int_equal(rec.tdbal_w, 0x100000);
	/* a reset clears the transmit registers and IVAR goes back */
	assert_int_equal(rec.tdh_reset, 0);
	assert_int_equal(rec.tdt_reset, 0);
	assert_int_equal(rec.tctl_reset, 0);
	assert_int_equal(rec.ivar_reset, 0x908);
}

static void test_one_frame(void **state)
{
	(void)state;
	assert_true(nframes >= 1);
	/* FCS inserted: 4 bytes more on the wire than in memory */
	assert_int_equal(frames[0].len, 1004);
	assert_int_equal(frames[0].data_len, 1000);
	for (unsigned i = 0; i < 256; i++)
		assert_int_equal(frames[0].data[i], (uint8_t)(1 + i));
	/* DD written back, the head moved, the statistics counted it */
	assert_int_equal(rec.dd_one & PTNIC_TXD_STAT_DD, PTNIC_TXD_STAT_DD);
	assert_int_equal(rec.tdh_one, 1);
	assert_int_equal(rec.gptc_one, 1);
	assert_int_equal(rec.gotc_one, 1004);
	/* its last bit left no sooner than its preamble and bytes take at line rate, after two
	 * DMA reads */
	assert_true(frames[0].t_ps >= rec.t_post + wire_ps(1004 + 8));
	/* TXDW raised entry 1, after the frame had left */
	assert_true(nmsis >= 1);
	assert_int_equal(msis[0].entry, 1);
	assert_true(msis[0].t > frames[0].t_ps);
}

static void test_no_rs(void **state)
{
	(void)state;
	assert_true(nframes >= 2);
	assert_int_equal(frames[1].len, 204);
	assert_int_equal(rec.status_no_rs, 0);
	assert_int_equal(rec.icr_no_rs & PTNIC_INT_TXDW, 0);
	assert_int_equal(rec.msis_no_rs, 0);
}

static void test_two_descriptors(void **state)
{
	(void)state;
	/* the first descriptor alone sent nothing */
	assert_int_equal(rec.frames_half, 2);
	assert_true(nframes >= 3);
	assert_int_equal(frames[2].len, 164);
	assert_int_equal(frames[2].data_len, 160);
	assert_int_equal(frames[2].data[0], 2);
	assert_int_equal(frames[2].data[99], (uint8_t)(2 + 99));
	assert_int_equal(frames[2].data[100], 3);
	/* DD only where RS asked */
	assert_int_equal(rec.status_d2 & PTNIC_TXD_STAT_DD, 0);
	assert_int_equal(rec.status_d3 & PTNIC_TXD_STAT_DD, PTNIC_TXD_STAT_DD);
}

static void test_line_rate(void **state)
{
	unsigned f = rec.first_burst;

	(void)state;
	assert_int_equal(f, 3);
	assert_true(nframes >= f + 4);
	/* back to back: each frame one frame time plus preamble and gap after the previous */
	for (unsigned i = f + 1; i < f + 4; i++) {
		assert_int_equal(frames[i].len, 1504);
		assert_int_equal(frames[i].t_ps - frames[i - 1].t_ps, wire_ps(1504 + 20));
	}
	assert_int_equal(nic_stats(nic)->tx_writebacks >= 4, true);
}

static void test_shared_vector_and_automask(void **state)
{
	unsigned i;

	(void)state;
	/* the first message after IVAR moved transmit to entry 0 */
	for (i = 0; i < nmsis && msis[i].entry == 1; i++)
		;
	assert_true(i < nmsis);
	assert_int_equal(msis[i].entry, 0);
	assert_int_equal(rec.ims_after_msg & PTNIC_INT_TXDW, 0);
	assert_int_equal(rec.msis_masked, 0);
	assert_int_equal(rec.msis_unmasked, 1);
}

static void test_dma_error(void **state)
{
	(void)state;
	assert_int_equal(ndropped, 1);
	assert_int_equal(rec.dma_errors, 1);
	assert_int_equal(rec.dd_err & PTNIC_TXD_STAT_DD, PTNIC_TXD_STAT_DD);
}

static void test_padding_and_enable(void **state)
{
	(void)state;
	/* frames: 3 + 4 + 2 (entry 0 and masked) = 9; then the two short ones */
	assert_true(nframes >= 12);
	assert_int_equal(frames[9].len, 64);  /* 40 + FCS, padded (PSP) */
	assert_int_equal(frames[10].len, 44); /* 40 + FCS, PSP off */
	assert_int_equal(rec.frames_off, 0);
	assert_int_equal(rec.tdh_off, 5);
	assert_int_equal(rec.frames_on, 1);
	assert_int_equal(rec.tdh_on, 6);
	assert_int_equal(rec.nframes_single, 12);
}

/* The queues' registers: TXQCAP says 4, queue 3's ring registers hold what TDLEN's do, a
 * queue's IVAR takes a transmit entry and resets invalid. */
static void test_queue_registers(void **state)
{
	(void)state;
	assert_int_equal(rec.txqcap, 4);
	assert_int_equal(rec.tdlenq_w, 0x1200);
	assert_int_equal(rec.ivarq_reset, 0);
	assert_int_equal(rec.ivarq_w, PTNIC_IVAR_TX(2) | PTNIC_IVAR_TX_VALID);
}

/* Which queue a frame came from: its first byte, the queue's buffer seed. */
static unsigned queue_of(unsigned f)
{
	return frames[f].data[0] / 0x10 - 1;
}

/* Frames waiting in three queues go round-robin, one per queue per turn, and each queue's
 * completions raise its own entry and are counted as its own. */
static void test_round_robin(void **state)
{
	static const unsigned order[6] = {0, 1, 2, 0, 2, 0};
	unsigned f = rec.rr_first;

	(void)state;
	assert_true(nframes >= f + 6);
	for (unsigned i = 0; i < 6; i++)
		assert_int_equal(queue_of(f + i), order[i]);
	/* back to back on the one wire */
	for (unsigned i = f + 1; i < f + 6; i++)
		assert_int_equal(frames[i].t_ps - frames[i - 1].t_ps, wire_ps(1004 + 20));
	assert_int_equal(rec.rr_qframes[0], 3);
	assert_int_equal(rec.rr_qframes[1], 1);
	assert_int_equal(rec.rr_qframes[2], 2);
	/* entries 1, 2 and 3 (queues 0, 1, 2), nothing on entry 0 */
	assert_int_equal(rec.rr_entries, 0xe);
	assert_int_equal(rec.icr_q2 & PTNIC_INT_TXQ_ALL, PTNIC_INT_TXQ(2));
}

/* Two queues with the same backlog alternate frame by frame. */
static void test_fair_share(void **state)
{
	unsigned f = rec.fair_first;

	(void)state;
	assert_int_equal(nframes, f + 10);
	for (unsigned i = 0; i < 10; i++)
		assert_int_equal(queue_of(f + i), i % 2);
}

/* The driver knows the device from its datasheet: the same offsets and bits. */
static void test_driver_agrees(void **state)
{
	(void)state;
	assert_int_equal(REG_TCTL, PTNIC_TCTL);
	assert_int_equal(TCTL_EN, PTNIC_TCTL_EN);
	assert_int_equal(TCTL_PSP, PTNIC_TCTL_PSP);
	assert_int_equal(REG_TDBAL, PTNIC_TDBAL);
	assert_int_equal(REG_TDBAH, PTNIC_TDBAH);
	assert_int_equal(REG_TDLEN, PTNIC_TDLEN);
	assert_int_equal(REG_TDH, PTNIC_TDH);
	assert_int_equal(REG_TDT, PTNIC_TDT);
	assert_int_equal(REG_IVAR, PTNIC_IVAR);
	assert_int_equal(IVAR_RX_VALID, PTNIC_IVAR_RX_VALID);
	assert_int_equal(IVAR_TX_VALID, PTNIC_IVAR_TX_VALID);
	assert_int_equal(IVAR_TX(1), PTNIC_IVAR_TX(1));
	assert_int_equal(INT_TXDW, PTNIC_INT_TXDW);
	assert_int_equal(INT_RXT0, PTNIC_INT_RXT0);
	assert_int_equal(TXD_CMD_EOP, PTNIC_TXD_CMD_EOP);
	assert_int_equal(TXD_CMD_IFCS, PTNIC_TXD_CMD_IFCS);
	assert_int_equal(TXD_CMD_RS, PTNIC_TXD_CMD_RS);
	assert_int_equal(TXD_STAT_DD, PTNIC_TXD_STAT_DD);
	assert_int_equal(REG_RDT, PTNIC_RDT);
	assert_int_equal(REG_ICR, PTNIC_ICR);
	assert_int_equal(REG_IMS, PTNIC_IMS);
	assert_int_equal(REG_TXQCAP, PTNIC_TXQCAP);
	for (unsigned q = 0; q < PTNIC_MAX_QUEUES; q++) {
		assert_int_equal(REG_TDT + REG_TXQ(q), PTNIC_TXQ(PTNIC_TDT, q));
		assert_int_equal(INT_TXQ(q), PTNIC_INT_TXQ(q));
		assert_int_equal(REG_IVAR_Q(q), PTNIC_IVAR_Q(q));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_registers),	  cmocka_unit_test(test_one_frame),
	    cmocka_unit_test(test_no_rs),	  cmocka_unit_test(test_two_descriptors),
	    cmocka_unit_test(test_line_rate),	  cmocka_unit_test(test_shared_vector_and_automask),
	    cmocka_unit_test(test_dma_error),	  cmocka_unit_test(test_padding_and_enable),
	    cmocka_unit_test(test_driver_agrees), cmocka_unit_test(test_queue_registers),
	    cmocka_unit_test(test_round_robin),	  cmocka_unit_test(test_fair_share),
	};

	return cmocka_run_group_tests(tests, run, NULL);
}
