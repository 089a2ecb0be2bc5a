/* SPDX-License-Identifier: MIT */
/*
 * Config space as software sees it through ECAM: BAR sizing by writing all-ones (PCI 3.0
 * §6.2.5.1: 32-bit, 64-bit prefetchable, I/O), read-only, read-write and write-1-to-clear
 * fields, the command register's Memory Space and Bus Master bits (PCI 3.0 §6.2.2: MMIO is not
 * decoded and reads all-ones; the function issues no DMA and no MSI), the standard and
 * extended capability lists with the IDs of PCIe 5.0 §7.5-7.9, an INTx-only function, and
 * the multi-function bit (PCI 3.0 §6.2.1).
 *
 *   00:04.0 "rc": a root-complex integrated endpoint with every capability
 *   00:05.0 "legacy": INTx only (pin A), no MSI/MSI-X; 00:05.1 "legacy1" beside it
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "models/devices/gendev.h"
#include "models/mem/mem.h"
#include "models/pcie/pcie.h"
#include "models/pcie/pcie_regs.h"

static struct mem *mem;
static struct pcie_fabric *fab;
static struct gendev *rc, *legacy, *legacy1;

#define RC     PCI_DEVFN(4, 0)
#define LEGACY PCI_DEVFN(5, 0)

static void xlate(void *ctx, uint16_t sid, uint64_t iova, uint32_t len, bool write, uint64_t t,
		  struct pcie_xlate *out)
{
	(void)ctx, (void)sid, (void)len, (void)write, (void)t;
	out->hpa = iova;
	out->lat_ps = 0;
	out->span = 4096 - (iova & 4095);
	out->ok = true;
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

static int build(void **state)
{
	struct mem_cfg mc = {.size = 1ull << 30, .low_top = 1ull << 30, .latency_ps = 80000,
			     .bandwidth_gbps = 20};
	struct pcie_fabric_cfg fc = {.ecam_base = 0xe0000000, .ecam_buses = 256,
				     .mmio32_base = 0xc0000000, .mmio32_size = 0x20000000,
				     .rc_latency_ps = 150000, .mmio_dev_ps = 150000};
	struct gendev_cfg c;

	(void)state;
	assert_int_equal(mem_create(&mc, &mem), 0);
	assert_int_equal(pcie_fabric_create(&fc, mem, &fab), 0);
	pcie_setup_iommu(fab, find_iommu, NULL);

	memset(&c, 0, sizeof(c));
	strcpy(c.name, "rc");
	c.kind = GENDEV_RCIEP;
	c.vendor = 0x8086;
	c.device = 0x2021;
	c.class_rev = 0x08800004;
	c.bar[0] = (struct gendev_bar){.size = 0x10000};
	c.bar[1] = (struct gendev_bar){.size = 32, .io = true};
	c.bar[2] = (struct gendev_bar){.size = 1ull << 30, .is64 = true, .prefetch = true};
	c.bar[4] = (struct gendev_bar){.size = 0x1000, .prefetch = true};
	c.msi_vectors = 4;
	c.msix_vectors = 16;
	c.msix_bar = 0;
	c.flr = true;
	c.acs = true;
	c.acs_cap = PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF;
	c.ari = true;
	c.ats = true;
	c.pasid_bits = 20;
	assert_int_equal(gendev_create(&c, fab, &rc), 0);

	memset(&c, 0, sizeof(c));
	strcpy(c.name, "legacy");
	c.kind = GENDEV_RCIEP;
	c.vendor = 0x8086;
	c.device = 0x1234;
	c.class_rev = 0x0c033000;
	c.bar[0] = (struct gendev_bar){.size = 0x1000};
	c.intx_pin = 1;
	assert_int_equal(gendev_create(&c, fab, &legacy), 0);
	strcpy(c.name, "legacy1");
	assert_int_equal(gendev_create(&c, fab, &legacy1), 0);

	assert_int_equal(pcie_fn_attach(gendev_fn(rc), NULL, RC, NULL), 0);
	assert_int_equal(pcie_fn_attach(gendev_fn(legacy), NULL, LEGACY, NULL), 0);
	return 0;
}

static uint32_t rd(uint8_t devfn, uint32_t off, unsigned size)
{
	return pcie_cfg_read(fab, 0, devfn, off, size);
}

static void wr(uint8_t devfn, uint32_t off, unsigned size, uint32_t v)
{
	pcie_cfg_write(fab, 0, devfn, off, size, v);
}

/* Write all-ones, read the size mask and the type bits, write the old value back. */
static uint32_t size_probe(uint32_t off)
{
	uint32_t old = rd(RC, off, 4), got;

	wr(RC, off, 4, 0xffffffff);
	got = rd(RC, off, 4);
	wr(RC, off, 4, old);
	assert_int_equal(rd(RC, off, 4), old);
	return got;
}

static void bar_sizing(void **state)
{
	(void)state;
	/* 64 KiB, 32-bit, not prefetchable: type bits 0 */
	assert_int_equal(size_probe(PCI_BASE_ADDRESS_0), 0xffff0000);
	/* 32-byte I/O BAR: bit 0 set, 16-bit decode (upper half reads zero) */
	assert_int_equal(size_probe(PCI_BASE_ADDRESS_1), 0x0000ffe1);
	/* 1 GiB, 64-bit (type 10b), prefetchable: the upper dword is all address */
	assert_int_equal(size_probe(PCI_BASE_ADDRESS_2), 0xc000000c);
	assert_int_equal(size_probe(PCI_BASE_ADDRESS_3), 0xffffffff);
	/* 4 KiB, 32-bit prefetchable */
	assert_int_equal(size_probe(PCI_BASE_ADDRESS_4), 0xfffff008);
	/* no BAR 5: hard-wired zero */
	assert_int_equal(size_probe(PCI_BASE_ADDRESS_5), 0);
	/* a base is kept, aligned to the size */
	wr(RC, PCI_BASE_ADDRESS_0, 4, 0xc0012345);
	assert_int_equal(rd(RC, PCI_BASE_ADDRESS_0, 4), 0xc0010000);
	/* the fabric refuses what no BAR can be */
	assert_int_equal(pcie_fn_add_bar(gendev_fn(legacy), 1, 3000, false, false), -EINVAL);
	assert_int_equal(pcie_fn_add_bar(gendev_fn(legacy), 5, 4096, true, false), -EINVAL);
}

static void register_masks(void **state)
{
	uint16_t st;

	(void)state;
	/* read-only: IDs, class, header type */
	wr(RC, PCI_VENDOR_ID, 4, 0);
	assert_int_equal(rd(RC, PCI_VENDOR_ID, 2), 0x8086);
	assert_int_equal(rd(RC, PCI_DEVICE_ID, 2), 0x2021);
	wr(RC, PCI_CLASS_REVISION, 4, 0);
	assert_int_equal(rd(RC, PCI_CLASS_REVISION, 4), 0x08800004);
	/* read-write: Command's defined bits only (reserved bits 15:11 stay zero) */
	wr(RC, PCI_COMMAND, 2, 0xffff);
	assert_int_equal(rd(RC, PCI_COMMAND, 2),
			 PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
			     PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
	wr(RC, PCI_COMMAND, 2, 0);
	assert_int_equal(rd(RC, PCI_COMMAND, 2), 0);
	wr(RC, PCI_INTERRUPT_LINE, 1, 0x0b);
	assert_int_equal(rd(RC, PCI_INTERRUPT_LINE, 1), 0x0b);
	/* write-1-to-clear: an error bit the device set (Received Master Abort) is cleared by
	 * writing 1, not by writing 0; Capabilities List (read-only) survives both */
	pcie_fn_cfg_set(gendev_fn(rc), PCI_STATUS, 2,
			rd(RC, PCI_STATUS, 2) | PCI_STATUS_REC_MASTER_ABORT);
	wr(RC, PCI_STATUS, 2, 0);
	st = (uint16_t)rd(RC, PCI_STATUS, 2);
	assert_true(st & PCI_STATUS_REC_MASTER_ABORT);
	wr(RC, PCI_STATUS, 2, 0xffff);
	st = (uint16_t)rd(RC, PCI_STATUS, 2);
	assert_false(st & PCI_STATUS_REC_MASTER_ABORT);
	assert_true(st & PCI_STATUS_CAP_LIST);
	/* a function that does not exist reads all-ones */
	assert_int_equal(rd(PCI_DEVFN(9, 0), PCI_VENDOR_ID, 4), 0xffffffff);
	/* function level reset restores the reset values */
	wr(RC, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	wr(RC, pcie_fn_cap_offset(gendev_fn(rc), PCI_CAP_ID_EXP) + PCI_EXP_DEVCTL, 2,
	   PCI_EXP_DEVCTL_BCR_FLR);
	assert_int_equal(rd(RC, PCI_COMMAND, 2), 0);
	assert_int_equal(rd(RC, PCI_BASE_ADDRESS_0, 4), 0);
}

static void memory_space_and_bus_master(void **state)
{
	const uint64_t base = 0xc0000000;
	const struct gendev_stats *st = gendev_stats(rc, 0);
	uint64_t v = 0, reads, writes;
	struct pcie_dma d;
	uint8_t buf[64], back[64];

	(void)state;
	wr(RC, PCI_BASE_ADDRESS_0, 4, (uint32_t)base);
	wr(RC, PCI_COMMAND, 2, 0);

	/* Memory Space off: the BAR is not decoded; a read is all-ones, a write goes nowhere */
	reads = st->mmio_reads;
	writes = st->mmio_writes;
	pcie_cpu_read(fab, base + 0x100, 4, 1000, &v);
	assert_int_equal(v, 0xffffffff);
	pcie_cpu_write(fab, base + 0x100, 4, 0x12345678, 2000);
	assert_int_equal(st->mmio_reads, reads);
	assert_int_equal(st->mmio_writes, writes);

	/* on: the function answers, and the write landed */
	wr(RC, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	pcie_cpu_write(fab, base + 0x100, 4, 0x12345678, 3000);
	pcie_cpu_read(fab, base + 0x100, 4, 4000, &v);
	assert_int_equal(v, 0x12345678);
	assert_int_equal(st->mmio_reads, reads + 1);
	assert_int_equal(st->mmio_writes, writes + 1);
	/* off again: all-ones though the data is still in the device */
	wr(RC, PCI_COMMAND, 2, 0);
	pcie_cpu_read(fab, base + 0x100, 4, 5000, &v);
	assert_int_equal(v, 0xffffffff);

	/* Bus Master off: the DMA is not issued and memory is untouched; no MSI either */
	memset(buf, 0x5a, sizeof(buf));
	memset(&d, 0, sizeof(d));
	d.addr = 0x100000;
	d.len = sizeof(buf);
	d.write = true;
	d.t_issue = 10000;
	pcie_dma_submit(gendev_fn(rc), &d);
	assert_int_equal(d.status, PCIE_DMA_NO_MASTER);
	pcie_dma_write_data(gendev_fn(rc), &d, buf);
	mem_read(mem, 0x100000, back, sizeof(back));
	assert_true(memcmp(back, buf, sizeof(buf)) != 0);
	{
		struct pcie_irq irq;

		memset(&irq, 0, sizeof(irq));
		assert_int_equal(pcie_msi_send(gendev_fn(rc), 0xfee00000, 0x30, 20000, &irq),
				 -EPERM);
	}
	/* on: it is */
	wr(RC, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	d.t_issue = 30000;
	pcie_dma_submit(gendev_fn(rc), &d);
	assert_int_equal(d.status, PCIE_DMA_OK);
	pcie_dma_write_data(gendev_fn(rc), &d, buf);
	mem_read(mem, 0x100000, back, sizeof(back));
	assert_memory_equal(back, buf, sizeof(buf));
	wr(RC, PCI_COMMAND, 2, 0);
}

/* The capability IDs found by walking a list the way Linux's pci_find_capability does. */
static unsigned std_caps(uint8_t devfn, uint8_t *ids)
{
	unsigned n = 0, off;

	if (!(rd(devfn, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return 0;
	for (off = rd(devfn, PCI_CAPABILITY_LIST, 1); off && n < 48;
	     off = rd(devfn, off + PCI_CAP_LIST_NEXT, 1)) {
		assert_true(off >= 0x40 && !(off & 3));
		ids[n++] = (uint8_t)rd(devfn, off, 1);
	}
	return n;
}

static unsigned std_cap_at(uint8_t devfn, uint8_t id)
{
	for (unsigned off = rd(devfn, PCI_CAPABILITY_LIST, 1); off;
	     off = rd(devfn, off + PCI_CAP_LIST_NEXT, 1))
		if (rd(devfn, off, 1) == id)
			return off;
	return 0;
}

static unsigned ext_cap_at(uint8_t devfn, uint16_t id)
{
	for (unsigned off = 0x100, n = 0; off && n < 64; n++) {
		uint32_t h = rd(devfn, off, 4);

		if ((h & 0xffff) == id)
			return off;
		off = h >> 20;
	}
	return 0;
}

static void capabilities(void **state)
{
	uint8_t ids[48];
	unsigned n, off;

	(void)state;
	n = std_caps(RC, ids);
	assert_int_equal(n, 4);
	assert_memory_equal(ids, ((uint8_t[]){0x01, 0x10, 0x05, 0x11}), 4); /* PM PCIe MSI MSI-X */
	/* PCI Express capability: version 2, device/port type 9 (RCiEP), FLR advertised */
	off = std_cap_at(RC, 0x10);
	assert_int_equal(rd(RC, off + PCI_EXP_FLAGS, 2) & 0xf, 2);
	assert_int_equal((rd(RC, off + PCI_EXP_FLAGS, 2) >> 4) & 0xf, 9);
	assert_true(rd(RC, off + PCI_EXP_DEVCAP, 4) & PCI_EXP_DEVCAP_FLR);
	/* MSI: 4 vectors requested (Multiple Message Capable 2), 64-bit, per-vector masking;
	 * Multiple Message Enable is writable, Capable is not */
	off = std_cap_at(RC, 0x05);
	assert_int_equal((rd(RC, off + PCI_MSI_FLAGS, 2) >> 1) & 7, 2);
	assert_true(rd(RC, off + PCI_MSI_FLAGS, 2) & PCI_MSI_FLAGS_64BIT);
	assert_true(rd(RC, off + PCI_MSI_FLAGS, 2) & PCI_MSI_FLAGS_MASKBIT);
	wr(RC, off + PCI_MSI_FLAGS, 2, 0xffff);
	assert_int_equal((rd(RC, off + PCI_MSI_FLAGS, 2) >> 1) & 7, 2);
	assert_true(rd(RC, off + PCI_MSI_FLAGS, 2) & PCI_MSI_FLAGS_ENABLE);
	wr(RC, off + PCI_MSI_FLAGS, 2, 0);
	/* MSI-X: table size 16 (field N-1), table and PBA in BAR 0; enable and function mask
	 * writable, table size not */
	off = std_cap_at(RC, 0x11);
	assert_int_equal(rd(RC, off + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_QSIZE, 15);
	assert_int_equal(rd(RC, off + PCI_MSIX_TABLE, 4) & PCI_MSIX_TABLE_BIR, 0);
	assert_int_equal(rd(RC, off + PCI_MSIX_PBA, 4) & PCI_MSIX_PBA_BIR, 0);
	assert_true((rd(RC, off + PCI_MSIX_PBA, 4) & ~7u) >= 16 * 16);
	wr(RC, off + PCI_MSIX_FLAGS, 2, 0xffff);
	assert_int_equal(rd(RC, off + PCI_MSIX_FLAGS, 2),
			 PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL | 15);
	wr(RC, off + PCI_MSIX_FLAGS, 2, 0);
	/* extended: ACS with the configured capability bits and writable controls, ARI, ATS,
	 * PASID with its width */
	off = ext_cap_at(RC, 0x000d);
	assert_true(off >= 0x100);
	assert_int_equal(rd(RC, off + PCI_ACS_CAP, 2) & 0x7f,
			 PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF);
	wr(RC, off + PCI_ACS_CTRL, 2, 0xffff);
	assert_int_equal(rd(RC, off + PCI_ACS_CTRL, 2),
			 PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF);
	wr(RC, off + PCI_ACS_CTRL, 2, 0);
	assert_true(ext_cap_at(RC, 0x000e));
	assert_true(ext_cap_at(RC, 0x000f));
	off = ext_cap_at(RC, 0x001b);
	assert_true(off);
	assert_int_equal((rd(RC, off + PCI_PASID_CAP, 2) >> 8) & 0x1f, 20);
	assert_false(ext_cap_at(RC, 0x0010)); /* no SR-IOV unless configured */
}

/* INTx only: an interrupt pin, no MSI or MSI-X capability, no extended capabilities (a
 * function without ACS has none), and two functions of one device say multi-function. */
static void intx_only_and_multifunction(void **state)
{
	uint8_t ids[48];
	unsigned n;

	(void)state;
	assert_int_equal(rd(LEGACY, PCI_INTERRUPT_PIN, 1), 1);
	assert_int_equal(rd(RC, PCI_INTERRUPT_PIN, 1), 0);
	n = std_caps(LEGACY, ids);
	for (unsigned i = 0; i < n; i++)
		assert_true(ids[i] != 0x05 && ids[i] != 0x11);
	assert_false(ext_cap_at(LEGACY, 0x000d));
	/* alone, function 0 is single-function; a function 1 beside it makes both say MFD */
	assert_int_equal(rd(LEGACY, PCI_HEADER_TYPE, 1), PCI_HEADER_TYPE_NORMAL);
	assert_int_equal(pcie_fn_attach(gendev_fn(legacy1), NULL, LEGACY | 1, NULL), 0);
	assert_int_equal(rd(LEGACY, PCI_HEADER_TYPE, 1), PCI_HEADER_TYPE_MFD);
	assert_int_equal(rd(LEGACY | 1, PCI_HEADER_TYPE, 1), PCI_HEADER_TYPE_MFD);
	/* and it stays so across a reset */
	wr(LEGACY, pcie_fn_cap_offset(gendev_fn(legacy), PCI_CAP_ID_EXP) + PCI_EXP_DEVCTL, 2,
	   PCI_EXP_DEVCTL_BCR_FLR);
	assert_int_equal(rd(LEGACY, PCI_HEADER_TYPE, 1) & PCI_HEADER_TYPE_MFD,
			 PCI_HEADER_TYPE_MFD);
}

/* Field encoders against the spec's bit positions (PCIe 5.0 §7.5.3, §7.6, §7.8.7-7.8.8, PCI
 * 3.0 §6.8.1.3): they build what the decoders read back. */
static void field_encoders(void **state)
{
	(void)state;
	/* Extended capability header: ID 15:0, version 19:16, next 31:20. */
	assert_int_equal(PCI_EXT_CAP_HDR(0x000f, 1, 0x148), 0x1481000fu);
	assert_int_equal(PCI_EXT_CAP_NEXT(PCI_EXT_CAP_HDR(0x10, 1, 0x160)), 0x160);
	/* PCIe capabilities: version 3:0, port type 7:4. */
	assert_int_equal(PCI_FIELD_PREP(PCI_EXP_FLAGS_VERS, 2) |
			     PCI_FIELD_PREP(PCI_EXP_FLAGS_TYPE, PCI_EXP_TYPE_ROOT_PORT),
			 0x42);
	/* LNKCAP: speed 3:0, width 9:4, port number 31:24; Gen3 x8 port 2. */
	assert_int_equal(PCI_FIELD_PREP(PCI_EXP_LNKCAP_SLS, 3) |
			     PCI_FIELD_PREP(PCI_EXP_LNKCAP_MLW, 8) |
			     PCI_FIELD_PREP(PCI_EXP_LNKCAP_PN, 2),
			 0x02000083u);
	assert_int_equal(PCI_FIELD_GET(PCI_EXP_LNKSTA_NLW, 0x1083), 8);
	/* DEVCTL: MPS 7:5, MRRS 14:12 (256 and 512 bytes). */
	assert_int_equal(PCI_FIELD_PREP(PCI_EXP_DEVCTL_PAYLOAD, 1) |
			     PCI_FIELD_PREP(PCI_EXP_DEVCTL_READRQ, 2),
			 0x2020);
	/* MSI: Multiple Message Capable 3:1 (8 vectors). */
	assert_int_equal(PCI_FIELD_PREP(PCI_MSI_FLAGS_QMASK, 3), 0x6);
	/* ARI next function 15:8, PASID width 12:8, ACS egress vector size 15:8. */
	assert_int_equal(PCI_ARI_CAP_NFN(PCI_FIELD_PREP(PCI_ARI_CAP_NFN_MASK, 0x81)), 0x81);
	assert_int_equal(PCI_FIELD_PREP(PCI_PASID_CAP_WIDTH_MASK, 20), 0x1400);
	assert_int_equal(PCI_FIELD_PREP(PCI_ACS_EGRESS_BITS, 16), 0x1000);
	/* Requester ID 03:02.1. */
	assert_int_equal(PCI_BUS_NUM(PCI_RID(3, PCI_DEVFN(2, 1))), 3);
	assert_int_equal(PCI_RID(3, PCI_DEVFN(2, 1)), 0x0311);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(field_encoders), cmocka_unit_test(bar_sizing),
	    cmocka_unit_test(register_masks), cmocka_unit_test(memory_space_and_bus_master),
	    cmocka_unit_test(capabilities),   cmocka_unit_test(intx_only_and_multifunction),
	};

	return cmocka_run_group_tests(tests, build, NULL);
}
