/* SPDX-License-Identifier: MIT */
/*
 * The NVMe controller's queue mechanics (NVMe 1.4): CAP's MQES, DSTRD and TO and the version;
 * CC.EN to CSTS.RDY; doorbells at 0x1000 + (2y) x (4 << DSTRD) and (2y + 1) x (4 << DSTRD) with
 * a stride of 16 bytes (DSTRD 2), and a write between doorbells ignored; admin commands
 * (Identify, Create I/O CQ and SQ) on a 4-entry admin queue; completion entries whose phase tag
 * is 1 on the first lap of a queue and 0 on the second (the tail wraps); SQ head reported in
 * each entry; reads whose data crosses pages through PRP2 and through a PRP list, each 512-byte
 * block carrying its LBA stamp; an interrupt on entry 0 for the admin queue and on the I/O
 * queue's own vector; and the PRP walk itself across chained list pages. (The driver's copy of
 * the layout is checked against the same numbers in tests/unit/guest/test_nvme_hal.c.)
 *
 * The machine is built here directly, as in test_nic_tx.c: memory, a root port and the
 * controller, an identity IOMMU, a root complex that records MSIs. One actor plays the driver
 * and records; the tests assert after the run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "models/devices/nvme.h"
#include "models/devices/nvme_regs.h"
#include "models/mem/mem.h"
#include "models/pcie/pcie.h"
#include "models/pcie/pcie_regs.h"
#include "sim/engine.h"
#include "sim/simtime.h"

#define BAR0  0xc0000000ull
#define ASQ   0x100000ull
#define ACQ   0x101000ull
#define IOSQ  0x102000ull
#define IOCQ  0x103000ull
#define IDENT 0x104000ull
#define DATA  0x200000ull /* reads land here */
#define PRPL  0x300000ull /* a PRP list */
#define QSIZE 4
#define DSTRD 2

static struct mem *mem;
static struct pcie_fabric *fab;
static struct pcie_fn *rp;
static struct nvme *ctl;

#define MAX_MSIS 64
static struct {
	unsigned entry;
} msis[MAX_MSIS];
static unsigned nmsis;

#define MAX_CQES 16
static struct {
	bool ran;
	uint64_t cap;
	uint32_t vs, csts_before, csts_after;
	uint16_t id_vid;
	uint8_t id_mdts, id_sqes;
	uint64_t nsze;
	uint16_t admin_status[4];
	unsigned admin_phase[4], admin_msis;
	/* I/O completions in order: status word (phase in bit 0), cid, sq head */
	uint16_t io_status[MAX_CQES], io_cid[MAX_CQES], io_sqhd[MAX_CQES];
	unsigned nio, io_msis_entry1;
	bool stamps_two_pages, stamps_list;
	uint16_t bad_db_status; /* after a write between doorbells: no completion */
	unsigned cqes_after_bad_db;
} rec;

static void msi(void *ctx, uint16_t sid, uint64_t addr, uint32_t data, uint64_t t,
		struct pcie_irq *irq)
{
	(void)ctx, (void)sid, (void)addr, (void)irq, (void)t;
	if (nmsis < MAX_MSIS)
		msis[nmsis].entry = (data & 0xff) - 0x40;
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

static void w(uint32_t off, unsigned size, uint64_t v)
{
	uint64_t t = sim_now();

	sim_sleep_until(t + pcie_cpu_write(fab, BAR0 + off, size, v, t));
}

static uint64_t r(uint32_t off, unsigned size)
{
	uint64_t t = sim_now(), v = 0;

	sim_sleep_until(t + pcie_cpu_read(fab, BAR0 + off, size, t, &v));
	return v;
}

static void wait_us(uint64_t us)
{
	sim_sleep_until(sim_now() + us * SIM_PS_PER_US);
}

/* A submission entry in memory (§4.2). */
static void sqe(uint64_t base, unsigned slot, uint8_t op, uint16_t cid, uint32_t nsid,
		uint64_t prp1, uint64_t prp2, uint32_t c10, uint32_t c11, uint32_t c12)
{
	uint8_t c[NVME_SQE_SIZE] = {0};

	nvme_put32(c + NVME_SQE_CDW0, op | (uint32_t)cid << 16);
	nvme_put32(c + NVME_SQE_NSID, nsid);
	nvme_put64(c + NVME_SQE_PRP1, prp1);
	nvme_put64(c + NVME_SQE_PRP2, prp2);
	nvme_put32(c + NVME_SQE_CDW10, c10);
	nvme_put32(c + NVME_SQE_CDW11, c11);
	nvme_put32(c + NVME_SQE_CDW12, c12);
	mem_write(mem, base + slot * 64u, c, sizeof(c));
}

struct cqe {
	uint16_t sq_head, command_id, status;
};

static struct cqe cqe_at(uint64_t base, unsigned slot)
{
	uint8_t b[NVME_CQE_SIZE];
	struct cqe e;

	mem_read(mem, base + slot * 16u, b, sizeof(b));
	memcpy(&e.sq_head, b + NVME_CQE_SQHD, 2);
	memcpy(&e.command_id, b + NVME_CQE_CID, 2);
	memcpy(&e.status, b + NVME_CQE_STATUS, 2);
	return e;
}

static unsigned asq_tail, acq_head, acq_phase = 1;

static uint16_t admin(uint8_t op, uint32_t nsid, uint64_t prp1, uint32_t c10, uint32_t c11,
		      unsigned *phase_seen)
{
	struct cqe e = {0};

	sqe(ASQ, asq_tail, op, (uint16_t)(0x100 + asq_tail), nsid, prp1, 0, c10, c11, 0);
	asq_tail = (asq_tail + 1) % QSIZE;
	w(nvme_sq_tail_db(0, DSTRD), 4, asq_tail);
	for (int i = 0; i < 1000; i++) {
		e = cqe_at(ACQ, acq_head);
		if ((e.status & 1) == acq_phase)
			break;
		wait_us(1);
	}
	*phase_seen = e.status & 1;
	if (++acq_head == QSIZE) {
		acq_head = 0;
		acq_phase ^= 1;
	}
	w(nvme_cq_head_db(0, DSTRD), 4, acq_head);
	return e.status >> 1;
}

static unsigned iosq_tail, iocq_head, iocq_phase = 1;

static void io_read(uint16_t cid, uint64_t slba, unsigned nlb, uint64_t prp1, uint64_t prp2)
{
	struct cqe e = {0};

	sqe(IOSQ, iosq_tail, nvme_cmd_read, cid, 1, prp1, prp2, (uint32_t)slba,
	    (uint32_t)(slba >> 32), nlb - 1);
	iosq_tail = (iosq_tail + 1) % QSIZE;
	w(nvme_sq_tail_db(1, DSTRD), 4, iosq_tail);
	for (int i = 0; i < 1000; i++) {
		e = cqe_at(IOCQ, iocq_head);
		if ((e.status & 1) == iocq_phase)
			break;
		wait_us(1);
	}
	if (rec.nio < MAX_CQES) {
		rec.io_status[rec.nio] = e.status;
		rec.io_cid[rec.nio] = e.command_id;
		rec.io_sqhd[rec.nio] = e.sq_head;
	}
	rec.nio++;
	if (++iocq_head == QSIZE) {
		iocq_head = 0;
		iocq_phase ^= 1;
	}
	w(nvme_cq_head_db(1, DSTRD), 4, iocq_head);
}

static bool stamps(uint64_t pa, uint64_t slba, unsigned nlb)
{
	for (unsigned b = 0; b < nlb; b++)
		if (mem_read64(mem, pa + b * 512u) != slba + b)
			return false;
	return true;
}

static void driver(void *arg)
{
	uint8_t id[4096];
	unsigned before;

	(void)arg;
	rec.cap = r(NVME_REG_CAP, 8);
	rec.vs = (uint32_t)r(NVME_REG_VS, 4);
	for (unsigned e = 0; e < 2; e++) {
		uint32_t t = NVME_MSIX_TABLE + e * PCI_MSIX_ENTRY_SIZE;

		w(t + PCI_MSIX_ENTRY_LOWER_ADDR, 4, 0xfee00000u);
		w(t + PCI_MSIX_ENTRY_UPPER_ADDR, 4, 0);
		w(t + PCI_MSIX_ENTRY_DATA, 4, 0x40 + e);
		w(t + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 0);
	}
	w(NVME_REG_AQA, 4, NVME_AQA(QSIZE - 1, QSIZE - 1));
	w(NVME_REG_ASQ, 4, (uint32_t)ASQ);
	w(NVME_REG_ASQ + 4, 4, 0);
	w(NVME_REG_ACQ, 4, (uint32_t)ACQ);
	w(NVME_REG_ACQ + 4, 4, 0);
	w(NVME_REG_CC, 4, NVME_CC_IOSQES(6) | NVME_CC_IOCQES(4) | NVME_CC_ENABLE);
	rec.csts_before = (uint32_t)r(NVME_REG_CSTS, 4);
	wait_us(20);
	rec.csts_after = (uint32_t)r(NVME_REG_CSTS, 4);

	before = nmsis;
	rec.admin_status[0] = admin(nvme_admin_identify, 0, IDENT, 1, 0, &rec.admin_phase[0]);
	mem_read(mem, IDENT, id, sizeof(id));
	memcpy(&rec.id_vid, id, 2);
	rec.id_mdts = id[NVME_ID_CTRL_MDTS];
	rec.id_sqes = id[512];
	rec.admin_status[1] = admin(nvme_admin_identify, 1, IDENT, 0, 0, &rec.admin_phase[1]);
	rec.nsze = mem_read64(mem, IDENT);
	rec.admin_status[2] = admin(nvme_admin_create_cq, 0, IOCQ, (QSIZE - 1) << 16 | 1,
				    1u << 16 | 1u | 2u, &rec.admin_phase[2]);
	rec.admin_status[3] = admin(nvme_admin_create_sq, 0, IOSQ, (QSIZE - 1) << 16 | 1,
				    1u << 16 | 1u, &rec.admin_phase[3]);
	rec.admin_msis = nmsis - before;

	/* Six reads on a 4-entry queue: the completion tail wraps after the fourth. */
	before = nmsis;
	io_read(1, 10, 1, DATA, 0);			/* one block */
	io_read(2, 20, 8, DATA + 0x800, DATA + 0x1000); /* 4 KiB from mid-page: PRP2 */
	rec.stamps_two_pages = stamps(DATA + 0x800, 20, 8);
	/* 12 KiB from mid-page: four pieces, PRP2 points to a list of three */
	mem_write64(mem, PRPL, DATA + 0x2000);
	mem_write64(mem, PRPL + 8, DATA + 0x3000);
	mem_write64(mem, PRPL + 16, DATA + 0x4000);
	io_read(3, 100, 24, DATA + 0x1800, PRPL);
	rec.stamps_list = stamps(DATA + 0x1800, 100, 24);
	io_read(4, 0, 1, DATA, 0);
	io_read(5, 1, 1, DATA, 0);
	io_read(6, 2, 1, DATA, 0);
	for (unsigned i = 0; i < 6 && before + i < MAX_MSIS; i++)
		rec.io_msis_entry1 += msis[before + i].entry == 1;

	/* A write between doorbells (offset 4 of SQ 1's 16-byte slot) is no doorbell. */
	sqe(IOSQ, iosq_tail, nvme_cmd_read, 7, 1, DATA, 0, 5, 0, 0);
	w(nvme_sq_tail_db(1, DSTRD) + 4, 4, (iosq_tail + 1) % QSIZE);
	wait_us(50);
	rec.cqes_after_bad_db = (cqe_at(IOCQ, iocq_head).status & 1) == iocq_phase;
	rec.ran = true;
}

static const struct pcie_link_cfg x4 = {
    .gen = 3, .width = 4, .mps = 256, .mrrs = 512, .rcb = 64, .latency_ps = 70000};

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
	struct nvme_cfg nc = {.name = "nvme0",
			      .io_queues = 4,
			      .mqes = 64,
			      .dstrd = DSTRD,
			      .mdts = 5,
			      .max_inflight = 16,
			      .ns_bytes = 64ull << 20,
			      .read_ps = 10000000,
			      .write_ps = 10000000,
			      .read_gbps = 19.2,
			      .write_gbps = 16,
			      .cmd_ps = 500000,
			      .admin_ps = 2000000,
			      .ready_ps = 10000000};
	struct pcie_rc_hooks hooks = {.msi = msi};
	struct pcie_fn *fn;
	unsigned cap;

	(void)state;
	if (sim_engine_init() || mem_create(&mc, &mem) || pcie_fabric_create(&fc, mem, &fab))
		return -1;
	pcie_setup_iommu(fab, find_iommu, NULL);
	pcie_fabric_set_hooks(fab, &hooks);
	if (pcie_fn_create(fab, "rp0", PCIE_FN_ROOT_PORT, &rp) || nvme_create(&nc, fab, &ctl))
		return -1;
	pcie_fn_set_ids(rp, 0x8086, 0x2030, 0x06040000, 0, 0);
	pcie_fn_add_cap_exp(rp, PCI_EXP_TYPE_ROOT_PORT, false);
	fn = nvme_fn(ctl);
	if (pcie_fn_attach(rp, NULL, PCI_DEVFN(1, 0), NULL) || pcie_fn_attach(fn, rp, 0, &x4))
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
	if (nvme_start(ctl))
		return -1;
	sim_actor_start("driver", driver, NULL, 0);
	return sim_engine_run();
}

/* ---- the tests ---- */

static void test_registers(void **state)
{
	(void)state;
	assert_true(rec.ran);
	/* §3.1.1: MQES is 0's based; DSTRD 35:32; TO in 500 ms units, at least the ready time */
	assert_int_equal(NVME_CAP_MQES(rec.cap), 63);
	assert_int_equal(NVME_CAP_STRIDE(rec.cap), DSTRD);
	assert_true(NVME_CAP_TIMEOUT(rec.cap) >= 1);
	assert_true(rec.cap & (1ull << 37));  /* CSS: NVM command set */
	assert_int_equal(rec.vs, 0x00010400); /* 1.4.0 */
	/* CSTS.RDY only after the ready time */
	assert_int_equal(rec.csts_before & 1u, 0);
	assert_int_equal(rec.csts_after & 1u, 1u);
}

static void test_doorbell_offsets(void **state)
{
	(void)state;
	/* §3.1.24-25: 0x1000 + (2y) * (4 << DSTRD), 0x1000 + (2y + 1) * (4 << DSTRD) */
	assert_int_equal(nvme_sq_tail_db(0, 0), 0x1000);
	assert_int_equal(nvme_cq_head_db(0, 0), 0x1004);
	assert_int_equal(nvme_sq_tail_db(3, 0), 0x1018);
	assert_int_equal(nvme_cq_head_db(3, 2), 0x1000 + 7 * 16);
	assert_int_equal(nvme_sq_tail_db(1, 3), 0x1000 + 2 * 32);
	/* a write between doorbells went nowhere: no completion came */
	assert_int_equal(rec.cqes_after_bad_db, 0);
}

static void test_admin(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(rec.admin_status[i], 0);
	/* a 4-entry admin queue: the first lap has phase 1 */
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(rec.admin_phase[i], 1);
	assert_int_equal(rec.id_vid, NVME_VENDOR_ID);
	assert_int_equal(rec.id_mdts, 5);
	assert_int_equal(rec.id_sqes, 0x66);
	assert_int_equal(rec.nsze, (64ull << 20) / 512);
	/* each admin completion raised entry 0 */
	assert_int_equal(rec.admin_msis, 4);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(msis[i].entry, 0);
}

static void test_phase_wraps(void **state)
{
	(void)state;
	assert_int_equal(rec.nio, 6);
	for (unsigned i = 0; i < 6; i++) {
		/* §4.6: the phase tag inverts each time the tail wraps: 1,1,1,1 then 0,0 */
		assert_int_equal(rec.io_status[i] & 1, i < QSIZE ? 1 : 0);
		assert_int_equal(rec.io_status[i] >> 1, 0);
		assert_int_equal(rec.io_cid[i], i + 1);
		/* SQ head after the command was fetched */
		assert_int_equal(rec.io_sqhd[i], (i + 1) % QSIZE);
	}
	assert_int_equal(rec.io_msis_entry1, 6);
}

static void test_prps(void **state)
{
	(void)state;
	assert_true(rec.stamps_two_pages);
	assert_true(rec.stamps_list);
}

/* A list read for the walk: entries of fake list pages. */
static uint64_t fake_list[3][512];
static bool fake_read(void *ctx, uint64_t addr, uint64_t *ent, unsigned n)
{
	unsigned page = (unsigned)(addr >> 12) - 0x400, off = (addr & 4095) / 8;

	(void)ctx;
	if (page > 2 || off + n > 512)
		return false;
	memcpy(ent, &fake_list[page][off], n * 8);
	return true;
}

static void test_prp_walk_chain(void **state)
{
	struct nvme_prp_piece p[1100];
	unsigned reads = 0;
	int n;

	(void)state;
	/* 1 MiB + 512 B from offset 0x200: 3584 bytes, 255 pages and 1024 bytes, 257 pieces; a
	 * list starting 7 entries before the end of its page holds 6 entries and a pointer to
	 * the next list page (§4.3) */
	for (unsigned i = 0; i < 512; i++) {
		fake_list[0][i] = 0x1000000ull + (uint64_t)(i - 505) * 4096;
		fake_list[1][i] = 0x1007000ull + (uint64_t)i * 4096;
	}
	fake_list[0][511] = 0x401000; /* the chain: the next list page */
	n = nvme_prp_walk(0x800200, 0x400000 + 505 * 8, (1u << 20) + 512, 4096, fake_read, NULL, p,
			  1100, &reads);
	assert_int_equal(n, 257);
	assert_int_equal(reads, 2);
	assert_int_equal(p[0].addr, 0x800200);
	assert_int_equal(p[0].len, 4096 - 0x200);
	assert_int_equal(p[1].addr, 0x1000000);
	assert_int_equal(p[6].addr, 0x1000000 + 5 * 4096);
	assert_int_equal(p[7].addr, 0x1007000); /* the first entry of the chained page */
	assert_int_equal(p[256].len, 1024);
	/* two pages: PRP2 must have no offset */
	assert_int_equal(nvme_prp_walk(0x1000, 0x2010, 8192, 4096, fake_read, NULL, p, 4, NULL),
			 -1);
	assert_int_equal(nvme_prp_walk(0x1800, 0x3000, 4096, 4096, fake_read, NULL, p, 4, NULL), 2);
	/* an entry of a list with an offset is invalid */
	fake_list[2][0] = 0x5000;
	fake_list[2][1] = 0x6008;
	assert_int_equal(nvme_prp_walk(0x1000, 0x402000, 12288, 4096, fake_read, NULL, p, 4, NULL),
			 -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_registers), cmocka_unit_test(test_doorbell_offsets),
	    cmocka_unit_test(test_admin),     cmocka_unit_test(test_phase_wraps),
	    cmocka_unit_test(test_prps),      cmocka_unit_test(test_prp_walk_chain),
	};

	return cmocka_run_group_tests(tests, run, NULL);
}
