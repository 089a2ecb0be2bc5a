/* SPDX-License-Identifier: MIT */
/*
 * The ptnic's multi-queue receive (nic_regs.h): the Toeplitz hash against the verification
 * vectors of Microsoft's RSS specification ("Verifying the RSS Hash Calculation", the same
 * vectors as the Intel 82599 datasheet §7.1.2.8.1's), frames of 16 TCP/IPv4 flows spread by
 * the redirection table over 4 queues, each queue's completions raising its own MSI-X entry
 * through its IVAR, and the per-vector throttle (EITR): the same train of frames raises one
 * message per frame with it off and fewer with it on, no two of one vector closer than it.
 *
 * The machine is built here directly, as in test_nic_tx.c: memory, a root port and a ptnic of
 * 4 queues, an IOMMU that translates 1:1, a root complex that records MSIs and a wire that
 * sends the trains. One actor plays the driver and records; the tests assert after the run.
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

/* ---- the published vectors ---- */

static const uint8_t ms_key[40] = {
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
    0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
    0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

static const struct {
	uint8_t dst[4];
	uint16_t dport;
	uint8_t src[4];
	uint16_t sport;
	uint32_t ipv4, tcp4;
} vectors[] = {
    {{161, 142, 100, 80}, 1766, {66, 9, 149, 187}, 2794, 0x323e8fc2, 0x51ccc178},
    {{65, 69, 140, 83}, 4739, {199, 92, 111, 2}, 14230, 0xd718262a, 0xc626b0ea},
    {{12, 22, 207, 184}, 38024, {24, 19, 198, 95}, 12898, 0xd2d0a5de, 0x5c2b394a},
    {{209, 142, 163, 6}, 2217, {38, 27, 205, 30}, 48228, 0x82989176, 0xafc7327f},
    {{202, 188, 127, 2}, 1303, {153, 39, 163, 191}, 44251, 0x5d1809c5, 0x10e828a2},
};

/* The input is source address, destination address, source port, destination port. */
static void test_toeplitz_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		uint8_t in[12];

		memcpy(in, vectors[i].src, 4);
		memcpy(in + 4, vectors[i].dst, 4);
		in[8] = (uint8_t)(vectors[i].sport >> 8);
		in[9] = (uint8_t)vectors[i].sport;
		in[10] = (uint8_t)(vectors[i].dport >> 8);
		in[11] = (uint8_t)vectors[i].dport;
		assert_int_equal(nic_toeplitz(ms_key, in, 8), vectors[i].ipv4);
		assert_int_equal(nic_toeplitz(ms_key, in, 12), vectors[i].tcp4);
	}
}

/* ---- the machine ---- */

#define BAR0	0xc0000000ull
#define RINGS	0x100000ull /* queue q's ring at RINGS + q * 0x1000 */
#define BUFS	0x400000ull /* queue q's buffer i at BUFS + (q * 64 + i) * 2048 */
#define NQ	4
#define NDESC	64
#define FLOWS	16
#define TRAIN	64		      /* frames in each train */
#define GAP_PS	(1 * SIM_PS_PER_US)   /* between frames */
#define TRAIN_B (300 * SIM_PS_PER_US) /* the second train starts */
#define EITR_ON 20		      /* x 256 ns = 5.12 us */

static struct mem *mem;
static struct pcie_fabric *fab;
static struct pcie_fn *rp;
static struct nic *nic;

#define MAX_MSIS 256
static struct {
	unsigned entry;
	uint64_t t;
} msis[MAX_MSIS];
static unsigned nmsis;
static unsigned sent, ndropped;
static struct {
	bool ran;
	unsigned msis_a; /* after the first train */
	unsigned dd[NQ]; /* descriptors written back per queue, after both trains */
	uint32_t rxqcap, eiam0, ivar1_0;
} rec;

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Frame k: TCP/IPv4 of flow k % FLOWS, 10.0.0.2:(40000 + flow) -> 10.0.0.1:80. */
static void flow_frame(unsigned k, uint8_t *d, uint8_t in[12])
{
	unsigned flow = k % FLOWS;

	memset(d, 0, 128);
	d[12] = 0x08;
	d[14] = 0x45;
	d[23] = 6;
	memcpy(d + 26, (const uint8_t[]){10, 0, 0, 2, 10, 0, 0, 1}, 8);
	put16(d + 34, 40000 + flow);
	put16(d + 36, 80);
	if (in)
		memcpy(in, d + 26, 12);
}

static bool wire_next(void *ctx, struct nic_frame *f, uint8_t *data, size_t cap)
{
	(void)ctx, (void)cap;
	if (sent == 2 * TRAIN)
		return false;
	f->t_ps = (sent < TRAIN ? 100 * SIM_PS_PER_US : TRAIN_B) + (sent % TRAIN) * GAP_PS;
	f->len = 128;
	flow_frame(sent, data, NULL);
	sent++;
	return true;
}

static void wire_dropped(void *ctx, const struct nic_frame *f)
{
	(void)ctx, (void)f;
	ndropped++;
}

static const struct nic_wire_ops wire = {wire_next, wire_dropped};

static void msi(void *ctx, uint16_t sid, uint64_t addr, uint32_t data, uint64_t t,
		struct pcie_irq *irq)
{
	(void)ctx, (void)sid, (void)addr, (void)irq;
	if (nmsis < MAX_MSIS) {
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
	out->ok = true;
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

static void driver(void *arg)
{
	(void)arg;
	w(PTNIC_CTRL, PTNIC_CTRL_RST);
	sim_sleep_until(sim_now() + 10 * SIM_PS_PER_US);
	rec.rxqcap = r(PTNIC_RXQCAP);
	rec.eiam0 = r(PTNIC_EIAM);
	rec.ivar1_0 = r(PTNIC_IVAR_Q(1));
	for (unsigned e = 0; e < NQ; e++) {
		uint32_t t = PTNIC_MSIX_TABLE + e * PCI_MSIX_ENTRY_SIZE;

		w(t + PCI_MSIX_ENTRY_LOWER_ADDR, 0xfee00000u);
		w(t + PCI_MSIX_ENTRY_UPPER_ADDR, 0);
		w(t + PCI_MSIX_ENTRY_DATA, 0x40 + e);
		w(t + PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
	}
	for (unsigned q = 0; q < NQ; q++) {
		uint64_t ring = RINGS + q * 0x1000ull;

		for (unsigned i = 0; i < NDESC; i++) {
			uint8_t d[PTNIC_RXD_SIZE] = {0};
			uint64_t buf = BUFS + (q * NDESC + i) * 2048ull;

			memcpy(d + PTNIC_RXD_ADDR, &buf, 8);
			mem_write(mem, ring + i * PTNIC_RXD_SIZE, d, sizeof(d));
		}
		w(PTNIC_RXQ(PTNIC_RDBAL, q), (uint32_t)ring);
		w(PTNIC_RXQ(PTNIC_RDBAH, q), 0);
		w(PTNIC_RXQ(PTNIC_RDLEN, q), NDESC * PTNIC_RXD_SIZE);
		w(PTNIC_RXQ(PTNIC_RDH, q), 0);
		w(PTNIC_RXQ(PTNIC_RDT, q), NDESC - 1);
		/* queue q raises entry q; queue 0's transmit cause nowhere */
		w(PTNIC_IVAR_Q(q), PTNIC_IVAR_RX(q) | PTNIC_IVAR_RX_VALID);
	}
	for (unsigned i = 0; i < PTNIC_RSS_KEY_BYTES / 4; i++)
		w(PTNIC_RSSRK(i), (uint32_t)ms_key[4 * i] | (uint32_t)ms_key[4 * i + 1] << 8 |
				      (uint32_t)ms_key[4 * i + 2] << 16 |
				      (uint32_t)ms_key[4 * i + 3] << 24);
	for (unsigned i = 0; i < PTNIC_RETA_ENTRIES / 4; i++)
		w(PTNIC_RETA(i), 0x03020100u); /* entry n -> queue n % 4 */
	w(PTNIC_MRQC, PTNIC_MRQC_RSS_EN | PTNIC_MRQC_RSS_FIELD_TCP4);
	/* No auto-masking: every completion may raise its vector, the throttle alone spaces them */
	w(PTNIC_EIAM, 0);
	w(PTNIC_IMS, PTNIC_INT_RXQ_ALL);
	w(PTNIC_RCTL, PTNIC_RCTL_EN);
	nic_wire_kick(nic);

	/* Train A, throttle off; then train B with every vector's EITR on. */
	sim_sleep_until(TRAIN_B - 50 * SIM_PS_PER_US);
	rec.msis_a = nmsis;
	for (unsigned v = 0; v < NQ; v++)
		w(PTNIC_EITR(v), EITR_ON);
	sim_sleep_until(TRAIN_B + 200 * SIM_PS_PER_US);
	for (unsigned q = 0; q < NQ; q++)
		for (unsigned i = 0; i < NDESC; i++) {
			uint8_t d[PTNIC_RXD_SIZE];

			mem_read(mem, RINGS + q * 0x1000ull + i * PTNIC_RXD_SIZE, d, sizeof(d));
			rec.dd[q] += (d[PTNIC_RXD_STATUS] & PTNIC_RXD_STAT_DD) != 0;
		}
	rec.ran = true;
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
			     .queues = NQ};
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
	nic_set_wire(nic, &wire, NULL);
	if (nic_start(nic))
		return -1;
	sim_actor_start("driver", driver, NULL, 0);
	return sim_engine_run();
}

/* The queue RSS gives frame k, computed from the published algorithm. */
static unsigned expected_queue(unsigned k)
{
	uint8_t d[128], in[12];

	flow_frame(k, d, in);
	return (nic_toeplitz(ms_key, in, 12) & 127) % NQ;
}

static void test_registers(void **state)
{
	(void)state;
	assert_true(rec.ran);
	assert_int_equal(rec.rxqcap, NQ);
	assert_int_equal(rec.eiam0 & PTNIC_INT_RXQ_ALL, PTNIC_INT_RXQ_ALL);
	assert_int_equal(rec.ivar1_0 & PTNIC_IVAR_RX_VALID,
			 0); /* queue 1 raises nothing at reset */
}

/* Every frame lands in the queue its flow hashes to; every queue gets some. */
static void test_spread(void **state)
{
	unsigned want[NQ] = {0};

	(void)state;
	assert_int_equal(ndropped, 0);
	for (unsigned k = 0; k < 2 * TRAIN; k++)
		want[expected_queue(k)]++;
	for (unsigned q = 0; q < NQ; q++) {
		assert_true(want[q] > 0);
		assert_int_equal(rec.dd[q], want[q]);
	}
}

/* Throttle off: a message per frame, on the entry of the frame's queue. */
static void test_itr_off(void **state)
{
	unsigned per[NQ] = {0}, want[NQ] = {0};

	(void)state;
	assert_int_equal(rec.msis_a, TRAIN);
	for (unsigned i = 0; i < rec.msis_a; i++)
		per[msis[i].entry]++;
	for (unsigned k = 0; k < TRAIN; k++)
		want[expected_queue(k)]++;
	for (unsigned q = 0; q < NQ; q++)
		assert_int_equal(per[q], want[q]);
}

/* Throttle on: fewer messages for the same train, every vector still delivered, and no two
 * messages of one vector closer than EITR. */
static void test_itr_on(void **state)
{
	uint64_t last[NQ] = {0};
	unsigned per[NQ] = {0}, n = nmsis - rec.msis_a;
	const uint64_t gap = EITR_ON * 256 * 1000ull;

	(void)state;
	assert_true(nmsis <= MAX_MSIS);
	assert_true(n < TRAIN);
	/* one vector sees its frames over the train's 64 us: at most one message per interval
	 * and one for the pending cause after the last frame */
	assert_true(n <= NQ * (TRAIN * GAP_PS / gap + 2));
	for (unsigned i = rec.msis_a; i < nmsis; i++) {
		unsigned e = msis[i].entry;

		if (per[e])
			assert_true(msis[i].t - last[e] >= gap);
		per[e]++;
		last[e] = msis[i].t;
	}
	for (unsigned q = 0; q < NQ; q++)
		assert_true(per[q] > 0);
}

/* The driver knows the device from its datasheet: the same offsets and bits. */
static void test_driver_agrees(void **state)
{
	(void)state;
	assert_int_equal(REG_MRQC, PTNIC_MRQC);
	assert_int_equal(MRQC_RSS_EN, PTNIC_MRQC_RSS_EN);
	assert_int_equal(MRQC_RSS_FIELD_TCP4, PTNIC_MRQC_RSS_FIELD_TCP4);
	assert_int_equal(MRQC_RSS_FIELD_IPV4, PTNIC_MRQC_RSS_FIELD_IPV4);
	assert_int_equal(REG_RXQCAP, PTNIC_RXQCAP);
	assert_int_equal(RETA_ENTRIES, PTNIC_RETA_ENTRIES);
	assert_int_equal(RSS_KEY_BYTES, PTNIC_RSS_KEY_BYTES);
	assert_int_equal(PTNIC_QUEUES, PTNIC_MAX_QUEUES);
	for (unsigned i = 0; i < 32; i++)
		assert_int_equal(REG_RETA(i), PTNIC_RETA(i));
	for (unsigned i = 0; i < 10; i++)
		assert_int_equal(REG_RSSRK(i), PTNIC_RSSRK(i));
	for (unsigned q = 0; q < PTNIC_MAX_QUEUES; q++) {
		assert_int_equal(REG_RDT + REG_RXQ(q), PTNIC_RXQ(PTNIC_RDT, q));
		assert_int_equal(REG_RDBAL + REG_RXQ(q), PTNIC_RXQ(PTNIC_RDBAL, q));
		assert_int_equal(INT_RXQ(q), PTNIC_INT_RXQ(q));
		assert_int_equal(REG_IVAR_Q(q), PTNIC_IVAR_Q(q));
		assert_int_equal(REG_EITR(q), PTNIC_EITR(q));
	}
	assert_int_equal(INT_RXQ_ALL(PTNIC_MAX_QUEUES), PTNIC_INT_RXQ_ALL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_toeplitz_vectors), cmocka_unit_test(test_registers),
	    cmocka_unit_test(test_spread),	     cmocka_unit_test(test_itr_off),
	    cmocka_unit_test(test_itr_on),	     cmocka_unit_test(test_driver_agrees),
	};

	return cmocka_run_group_tests(tests, run, NULL);
}
