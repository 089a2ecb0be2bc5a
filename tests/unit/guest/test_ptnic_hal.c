/* SPDX-License-Identifier: MIT */
/*
 * The ptnic driver's transmit path through the HAL: the driver (models/guest/drivers/ptnic.c,
 * which includes hal.h only) is built here against this file's own implementation of hal.h,
 * which records every call. A register file stands for the device and memory from the C
 * library for guest memory; the test plays the device by writing DD into descriptors and
 * calling the handler the driver requested. What it checks:
 *  - ndo_open sets up the ring (TDBAL/TDLEN/TDH/TDT, IVAR, TCTL.EN) and the transmit vector;
 *  - ndo_start_xmit maps the frame's data (dma_map_single, DMA_TO_DEVICE) and nothing else,
 *    fills one descriptor with the mapped address, length and EOP|IFCS|RS, and moves TDT;
 *  - the transmit interrupt unmaps exactly what was mapped, with the same size and direction,
 *    only for descriptors the device wrote back (DD), hands the skb back and re-enables TXDW;
 *  - a full ring stops the queue, a send then is refused (NETDEV_TX_BUSY) without a map, and
 *    the queue wakes once completions have freed the wake threshold;
 *  - a failed mapping drops the frame without touching the ring;
 *  - with tx_shared_vector the driver asks for one vector, and the receive vector's handler
 *    cleans transmit too;
 *  - with tx_queues 4: a ring per queue at its own registers, a vector each while MSI-X
 *    entries are left and the last queue on the receive vector, the ring the kernel's
 *    skb->queue_mapping names, a full queue stopped alone, each queue cleaned by its vector.
 * And the receive side's NAPI: the handler only schedules the queue's poll (its cause stays
 * masked); a poll cleans at most its budget and, when it used all of it, leaves the cause
 * masked to be polled again; the poll that cleans less completes and re-enables the cause; on
 * INTx the handler masks the cause itself (IMC). This file's napi_schedule runs the polls at
 * once, as the kernel's irq_exit does, unless a test defers them to look in between.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hal.h"
#include "drivers/ptnic_drv.h"
#include "drivers/ptnic_regs.h"

/* ---- the test's HAL: a device's registers, memory, and a log of DMA-API calls ---- */

#define BAR_SIZE 0x20000
static uint32_t regs[BAR_SIZE / 4];

#define MAX_LOG 1024
struct dma_call {
	bool map; /* else unmap */
	const void *ptr;
	dma_addr_t addr;
	size_t size;
	enum dma_data_direction dir;
};
static struct dma_call dma_log[MAX_LOG];
static unsigned ndma;
static bool fail_next_map;
static dma_addr_t next_handle = 0x10000000;

static struct {
	unsigned consumed, dropped;
	struct sk_buff *last_consumed;
} skbs;

static struct {
	irq_handler_t fn;
	void *dev;
} irqs[256];
static unsigned nvec_granted;
static unsigned tdt_writes;

/* module parameters: the driver's defaults unless the test sets one */
static struct {
	const char *name;
	u64 v;
} overrides[8];
static unsigned noverrides;

static struct net_device netdevs[16];
static unsigned nnetdevs;
static unsigned frames_up; /* netif_receive_frame calls */
static unsigned irq_flags; /* what the driver asked pci_alloc_irq_vectors for */
static bool defer_softirq; /* napi_schedule only lists the poll */
static struct napi_struct *napi_list[8];
static unsigned napi_listed;
static struct {
	unsigned polls, exhausted, completed;
} napi_st;

static uint32_t reg(uint32_t off)
{
	return regs[off / 4];
}

u32 readl(const volatile void __iomem *addr)
{
	return *(const volatile u32 *)addr;
}

void writel(u32 val, volatile void __iomem *addr)
{
	ptrdiff_t off = (const volatile uint8_t *)addr - (const volatile uint8_t *)regs;

	if (off == REG_TDT)
		tdt_writes++;
	if (off == REG_CTRL)
		val &= ~CTRL_RST; /* the device resets at once */
	if (off == REG_IMS)
		val |= regs[REG_IMS / 4]; /* write 1 to enable */
	if (off == REG_IMC) {
		regs[REG_IMS / 4] &= ~val;
		return;
	}
	*(volatile u32 *)addr = val;
}

void udelay(unsigned long usecs)
{
	(void)usecs;
}

void cpu_cycles(u64 cycles)
{
	(void)cycles;
}

int printk(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

void *kmalloc(size_t size, gfp_t gfp)
{
	(void)gfp;
	return malloc(size);
}

void *kzalloc(size_t size, gfp_t gfp)
{
	(void)gfp;
	return calloc(1, size);
}

void kfree(const void *ptr)
{
	free((void *)ptr);
}

int dma_set_mask_and_coherent(struct device *dev, u64 mask)
{
	(void)dev, (void)mask;
	return 0;
}

/* Coherent memory: what the device reaches at each handle. */
static struct {
	dma_addr_t handle;
	void *ptr;
} coherent[64];
static unsigned ncoherent;

void *dma_alloc_coherent(struct device *dev, size_t size, dma_addr_t *handle, gfp_t gfp)
{
	void *p = calloc(1, size);

	(void)dev, (void)gfp;
	*handle = next_handle;
	next_handle += (size + 4095) & ~(size_t)4095;
	if (ncoherent < 64)
		coherent[ncoherent++] = (typeof(coherent[0])){*handle, p};
	return p;
}

void dma_free_coherent(struct device *dev, size_t size, void *cpu_addr, dma_addr_t handle)
{
	(void)dev, (void)size, (void)handle;
	free(cpu_addr);
}

dma_addr_t dma_map_single(struct device *dev, void *ptr, size_t size, enum dma_data_direction dir)
{
	dma_addr_t a = fail_next_map ? DMA_MAPPING_ERROR : next_handle;

	(void)dev;
	fail_next_map = false;
	if (a != DMA_MAPPING_ERROR)
		next_handle += 0x1000;
	if (ndma < MAX_LOG)
		dma_log[ndma++] = (struct dma_call){true, ptr, a, size, dir};
	return a;
}

void dma_unmap_single(struct device *dev, dma_addr_t addr, size_t size, enum dma_data_direction dir)
{
	(void)dev;
	if (ndma < MAX_LOG)
		dma_log[ndma++] = (struct dma_call){false, NULL, addr, size, dir};
}

int pci_enable_device(struct pci_dev *pdev)
{
	(void)pdev;
	return 0;
}

void pci_set_master(struct pci_dev *pdev)
{
	(void)pdev;
}

void pci_clear_master(struct pci_dev *pdev)
{
	(void)pdev;
}

void __iomem *pci_iomap(struct pci_dev *pdev, int bar, unsigned long maxlen)
{
	(void)pdev, (void)bar, (void)maxlen;
	return regs;
}

int pci_alloc_irq_vectors(struct pci_dev *pdev, unsigned int min_vecs, unsigned int max_vecs,
			  unsigned int flags)
{
	(void)min_vecs;
	irq_flags = flags;
	pdev->msix_enabled = (flags & PCI_IRQ_MSIX) != 0;
	nvec_granted = max_vecs < 4 ? max_vecs : 4;
	return (int)nvec_granted;
}

void pci_free_irq_vectors(struct pci_dev *pdev)
{
	(void)pdev;
}

static unsigned dyn_allocs;

bool pci_msix_can_alloc_dyn(struct pci_dev *pdev)
{
	return pdev->msix_enabled;
}

struct msi_map pci_msix_alloc_irq_at(struct pci_dev *pdev, unsigned int index,
				     const struct irq_affinity_desc *affdesc)
{
	struct msi_map map = {.index = -ENOSPC};

	(void)pdev, (void)affdesc;
	if (index == MSI_ANY_INDEX)
		index = nvec_granted;
	if (index < 4 && index >= nvec_granted) {
		dyn_allocs++;
		nvec_granted = index + 1;
		map.index = (int)index;
		map.virq = 0x40 + (int)index;
	}
	return map;
}

void pci_msix_free_irq(struct pci_dev *pdev, struct msi_map map)
{
	(void)pdev, (void)map;
}

int pci_irq_vector(struct pci_dev *pdev, unsigned int nr)
{
	(void)pdev;
	return nr < nvec_granted ? 0x40 + (int)nr : -EINVAL;
}

int request_irq(unsigned int irq, irq_handler_t handler, unsigned long flags, const char *name,
		void *dev)
{
	(void)flags, (void)name;
	if (irq > 255 || irqs[irq].fn)
		return -EINVAL;
	irqs[irq].fn = handler;
	irqs[irq].dev = dev;
	return 0;
}

void free_irq(unsigned int irq, void *dev)
{
	(void)dev;
	irqs[irq].fn = NULL;
}

u64 module_param_u64(const char *module, const char *name)
{
	(void)module;
	for (unsigned i = 0; i < noverrides; i++)
		if (!strcmp(overrides[i].name, name))
			return overrides[i].v;
	for (const struct kernel_param *p = ptnic_driver.params; p->name; p++)
		if (!strcmp(p->name, name))
			return p->def;
	fail_msg("the driver asked for a parameter it does not declare: %s", name);
	return 0;
}

struct net_device *alloc_netdev_priv(size_t priv_size, const char *name)
{
	struct net_device *nd;

	if (nnetdevs == sizeof(netdevs) / sizeof(netdevs[0]))
		return NULL;
	nd = &netdevs[nnetdevs++];
	memset(nd, 0, sizeof(*nd));
	snprintf(nd->name, sizeof(nd->name), "%s", name);
	nd->priv = calloc(1, priv_size);
	return nd;
}

void *netdev_priv(const struct net_device *ndev)
{
	return ndev->priv;
}

int register_netdev(struct net_device *ndev)
{
	(void)ndev;
	return 0;
}

void netif_receive_frame(struct net_device *ndev, const void *data, unsigned int len)
{
	(void)ndev, (void)data, (void)len;
	frames_up++;
}

/* NAPI as net/core/dev.c runs it, reduced: one CPU's poll list. */
void netif_napi_add_weight(struct net_device *dev, struct napi_struct *napi,
			   int (*poll)(struct napi_struct *napi, int budget), int weight)
{
	memset(napi, 0, sizeof(*napi));
	napi->dev = dev;
	napi->poll = poll;
	napi->weight = weight;
}

void netif_napi_del(struct napi_struct *napi)
{
	napi->state = 0;
}

/* net_rx_action: poll each listed napi with its weight; one that used it all goes again. */
static void softirq(void)
{
	while (napi_listed) {
		struct napi_struct *n = napi_list[0];
		int work;

		memmove(napi_list, napi_list + 1, --napi_listed * sizeof(napi_list[0]));
		work = n->poll(n, n->weight);
		napi_st.polls++;
		assert_true(work <= n->weight);
		if (work == n->weight) {
			napi_st.exhausted++;
			assert_true(n->state); /* a poll that used its budget must not complete */
			napi_list[napi_listed++] = n;
		}
	}
}

bool napi_schedule(struct napi_struct *napi)
{
	if (napi->state)
		return false;
	napi->state = 1;
	napi_list[napi_listed++] = napi;
	if (!defer_softirq)
		softirq();
	return true;
}

bool napi_complete_done(struct napi_struct *napi, int work_done)
{
	assert_true(work_done < napi->weight);
	napi->state = 0;
	napi_st.completed++;
	return true;
}

/* The single-queue calls act on queue 0, as Linux's do. */
void netif_start_queue(struct net_device *ndev)
{
	netif_tx_start_queue(netdev_get_tx_queue(ndev, 0));
}

void netif_stop_queue(struct net_device *ndev)
{
	netif_tx_stop_queue(netdev_get_tx_queue(ndev, 0));
}

void netif_wake_queue(struct net_device *ndev)
{
	netif_tx_wake_queue(netdev_get_tx_queue(ndev, 0));
}

bool netif_queue_stopped(const struct net_device *ndev)
{
	return netif_tx_queue_stopped(&ndev->_tx[0]);
}

void dev_consume_skb_any(struct sk_buff *skb)
{
	skbs.consumed++;
	skbs.last_consumed = skb;
	free(skb->data);
	free(skb);
}

void dev_kfree_skb_any(struct sk_buff *skb)
{
	skbs.dropped++;
	free(skb->data);
	free(skb);
}

/* ---- the device's side, played by the test ---- */

struct tx_desc {
	uint64_t addr;
	uint16_t length;
	uint8_t cso, cmd, status, css;
	uint16_t special;
};

static struct pci_dev pdev = {.dev = {.name = "0000:00:03.0"}, .msix_cap = 0x70};
static const struct pci_device_id id = {PCI_DEVICE(PTNIC_VENDOR, PTNIC_DEVICE)};

/* Probe a fresh device with the given parameters and bring its interface up. */
static struct net_device *bring_up(const char *param, u64 value)
{
	struct net_device *nd;

	memset(regs, 0, sizeof(regs));
	regs[REG_TXQCAP / 4] = 4; /* the device has 4 transmit queues */
	memset(irqs, 0, sizeof(irqs));
	noverrides = 0;
	dyn_allocs = 0;
	napi_listed = 0;
	defer_softirq = false;
	if (param)
		overrides[noverrides++] = (typeof(overrides[0])){param, value};
	assert_int_equal(ptnic_driver.probe(&pdev, &id), 0);
	nd = &netdevs[nnetdevs - 1];
	assert_non_null(nd->netdev_ops);
	assert_int_equal(nd->netdev_ops->ndo_open(nd), 0);
	ndma = 0;
	tdt_writes = 0;
	memset(&skbs, 0, sizeof(skbs));
	return nd;
}

/* Transmit queue q's ring, found through its TDBAL/TDBAH as the device finds it. */
static struct tx_desc *ringq(unsigned q)
{
	dma_addr_t a = reg(REG_TDBAL + REG_TXQ(q)) | (dma_addr_t)reg(REG_TDBAH + REG_TXQ(q)) << 32;

	for (unsigned i = 0; i < ncoherent; i++)
		if (coherent[i].handle == a)
			return coherent[i].ptr;
	fail_msg("TDBAL does not point at coherent memory");
	return NULL;
}

static struct tx_desc *ring(void)
{
	return ringq(0);
}

static struct sk_buff *skb_of(unsigned len, uint8_t fill)
{
	struct sk_buff *skb = calloc(1, sizeof(*skb));

	skb->data = malloc(len);
	memset(skb->data, fill, len);
	skb->len = len;
	return skb;
}

static netdev_tx_t xmit(struct net_device *nd, struct sk_buff *skb)
{
	return nd->netdev_ops->ndo_start_xmit(skb, nd);
}

/* The device wrote descriptors [from, from + n) back. */
static void write_back(struct tx_desc *r, unsigned count, unsigned from, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		r[(from + i) % count].status |= TXD_STAT_DD;
}

static void tx_interrupt(unsigned vector)
{
	assert_non_null(irqs[vector].fn);
	assert_int_equal(irqs[vector].fn((int)vector, irqs[vector].dev), IRQ_HANDLED);
}

/* ---- the tests ---- */

static void test_open_sets_up_the_ring(void **state)
{
	struct net_device *nd;

	(void)state;
	nd = bring_up(NULL, 0);
	assert_non_null(ring());
	assert_int_equal(reg(REG_TDLEN), 256 * 16);
	assert_int_equal(reg(REG_TDH), 0);
	assert_int_equal(reg(REG_TDT), 0);
	assert_int_equal(reg(REG_TCTL) & TCTL_EN, TCTL_EN);
	/* receive on entry 0 since probe; transmit on its own entry 1, allocated at open, and a
	 * handler for that vector */
	assert_int_equal(dyn_allocs, 1);
	assert_int_equal(nvec_granted, 2);
	assert_int_equal(reg(REG_IVAR), IVAR_RX(0) | IVAR_RX_VALID | IVAR_TX(1) | IVAR_TX_VALID);
	assert_non_null(irqs[0x41].fn);
	assert_non_null(irqs[0x40].fn);
	assert_int_equal(reg(REG_IMS) & INT_TXDW, INT_TXDW);
	assert_false(netif_queue_stopped(nd));
	/* opening maps nothing: the frames are mapped when they are sent */
	assert_int_equal(ndma, 0);
}

static void test_map_at_send_unmap_at_completion(void **state)
{
	struct net_device *nd;
	struct sk_buff *skb;
	struct tx_desc *r;
	dma_addr_t a;

	(void)state;
	nd = bring_up(NULL, 0);
	r = ring();
	skb = skb_of(1496, 0x5a);
	assert_int_equal(xmit(nd, skb), NETDEV_TX_OK);
	/* one map, of the frame's data, to the device */
	assert_int_equal(ndma, 1);
	assert_true(dma_log[0].map);
	assert_ptr_equal(dma_log[0].ptr, skb->data);
	assert_int_equal(dma_log[0].size, 1496);
	assert_int_equal(dma_log[0].dir, DMA_TO_DEVICE);
	a = dma_log[0].addr;
	/* the descriptor says where and how much, asks for the FCS and a report */
	assert_int_equal(r[0].addr, a);
	assert_int_equal(r[0].length, 1496);
	assert_int_equal(r[0].cmd, TXD_CMD_EOP | TXD_CMD_IFCS | TXD_CMD_RS);
	assert_int_equal(r[0].status, 0);
	assert_int_equal(reg(REG_TDT), 1);
	assert_int_equal(tdt_writes, 1);

	/* an interrupt before the device wrote DD back unmaps nothing */
	regs[REG_IMS / 4] = 0;
	tx_interrupt(0x41);
	assert_int_equal(ndma, 1);
	assert_int_equal(skbs.consumed, 0);
	/* after it: the same address, size and direction unmapped, the skb handed back */
	write_back(r, 256, 0, 1);
	tx_interrupt(0x41);
	assert_int_equal(ndma, 2);
	assert_false(dma_log[1].map);
	assert_int_equal(dma_log[1].addr, a);
	assert_int_equal(dma_log[1].size, 1496);
	assert_int_equal(dma_log[1].dir, DMA_TO_DEVICE);
	assert_int_equal(skbs.consumed, 1);
	assert_int_equal(r[0].status, 0); /* cleaned for the next lap */
	/* the cause was auto-masked by its message: the handler enables it again */
	assert_int_equal(reg(REG_IMS) & INT_TXDW, INT_TXDW);
}

static void test_ring_full_backs_off(void **state)
{
	struct net_device *nd;
	struct tx_desc *r;
	struct sk_buff *extra;
	unsigned maps;

	(void)state;
	nd = bring_up("tx_ring_size", 8);
	r = ring();
	/* one descriptor stays empty (TDH == TDT means empty): 7 frames fill the ring */
	for (unsigned i = 0; i < 7; i++) {
		assert_false(netif_queue_stopped(nd));
		assert_int_equal(xmit(nd, skb_of(100, (uint8_t)i)), NETDEV_TX_OK);
	}
	assert_true(netif_queue_stopped(nd));
	assert_int_equal(reg(REG_TDT), 7);
	maps = ndma;
	assert_int_equal(maps, 7);
	/* a caller that did not look: refused, nothing mapped, the skb still the caller's */
	extra = skb_of(100, 9);
	assert_int_equal(xmit(nd, extra), NETDEV_TX_BUSY);
	assert_int_equal(ndma, maps);
	assert_int_equal(reg(REG_TDT), 7);
	/* three completions: room for three, not yet the wake threshold (4: half of 8) */
	write_back(r, 8, 0, 3);
	tx_interrupt(0x41);
	assert_int_equal(skbs.consumed, 3);
	assert_true(netif_queue_stopped(nd));
	/* the fourth wakes the queue; the refused frame now goes, into descriptor 7 */
	write_back(r, 8, 3, 1);
	tx_interrupt(0x41);
	assert_int_equal(skbs.consumed, 4);
	assert_false(netif_queue_stopped(nd));
	assert_int_equal(xmit(nd, extra), NETDEV_TX_OK);
	assert_int_equal(reg(REG_TDT), 0); /* the tail wrapped */
	assert_int_equal(r[7].addr, dma_log[ndma - 1].addr);
	/* every map has its unmap once its descriptor is back: same address, size, direction */
	write_back(r, 8, 4, 4);
	tx_interrupt(0x41);
	unsigned nmap = 0, nunmap = 0;

	for (unsigned i = 0; i < ndma; i++) {
		unsigned k = 0;

		if (dma_log[i].map) {
			nmap++;
			continue;
		}
		nunmap++;
		while (k < i && !(dma_log[k].map && dma_log[k].addr == dma_log[i].addr))
			k++;
		assert_true(k < i);
		assert_int_equal(dma_log[k].size, dma_log[i].size);
		assert_int_equal(dma_log[i].dir, DMA_TO_DEVICE);
	}
	assert_int_equal(nmap, 8);
	assert_int_equal(nunmap, 8);
	assert_int_equal(skbs.consumed, 8);
}

static void test_mapping_error_drops(void **state)
{
	struct net_device *nd;

	(void)state;
	nd = bring_up(NULL, 0);
	fail_next_map = true;
	assert_int_equal(xmit(nd, skb_of(200, 1)), NETDEV_TX_OK);
	assert_int_equal(skbs.dropped, 1);
	assert_int_equal(tdt_writes, 0);
	assert_int_equal(reg(REG_TDT), 0);
	/* the next frame takes descriptor 0 */
	assert_int_equal(xmit(nd, skb_of(200, 2)), NETDEV_TX_OK);
	assert_int_equal(ring()[0].addr, dma_log[1].addr);
}

/* A map refused while frames are in flight (a quota full of their pages): the ring runs
 * shorter -- the queue stops, the skb goes back to the caller, and a completion, which unmaps,
 * wakes the queue for the frame to go again. */
static void test_mapping_error_in_flight_waits(void **state)
{
	struct net_device *nd;
	struct tx_desc *r;
	struct sk_buff *again;
	unsigned maps;

	(void)state;
	nd = bring_up(NULL, 0);
	r = ring();
	assert_int_equal(xmit(nd, skb_of(200, 1)), NETDEV_TX_OK);
	assert_int_equal(xmit(nd, skb_of(200, 2)), NETDEV_TX_OK);
	fail_next_map = true;
	again = skb_of(200, 3);
	assert_int_equal(xmit(nd, again), NETDEV_TX_BUSY);
	assert_int_equal(skbs.dropped, 0);
	assert_true(netif_queue_stopped(nd));
	assert_int_equal(reg(REG_TDT), 2);
	maps = ndma;
	/* the first completion unmaps a buffer and wakes the queue: the frame goes */
	write_back(r, 256, 0, 1);
	tx_interrupt(0x41);
	assert_int_equal(skbs.consumed, 1);
	assert_int_equal(ndma, maps + 1);
	assert_false(dma_log[ndma - 1].map);
	assert_false(netif_queue_stopped(nd));
	assert_int_equal(xmit(nd, again), NETDEV_TX_OK);
	assert_int_equal(reg(REG_TDT), 3);
	assert_int_equal(ring()[2].addr, dma_log[ndma - 1].addr);
	assert_int_equal(skbs.dropped, 0);
}

static void test_shared_vector(void **state)
{
	struct net_device *nd;
	struct tx_desc *r;

	(void)state;
	nd = bring_up("tx_shared_vector", 1);
	r = ring();
	assert_int_equal(dyn_allocs, 0);
	assert_int_equal(nvec_granted, 1);
	assert_null(irqs[0x41].fn);
	assert_int_equal(reg(REG_IVAR), IVAR_RX(0) | IVAR_RX_VALID | IVAR_TX(0) | IVAR_TX_VALID);
	assert_int_equal(xmit(nd, skb_of(300, 3)), NETDEV_TX_OK);
	write_back(r, 256, 0, 1);
	regs[REG_IMS / 4] = 0;
	tx_interrupt(0x40); /* the receive vector cleans transmit too */
	assert_int_equal(skbs.consumed, 1);
	assert_false(dma_log[ndma - 1].map);
	assert_int_equal(reg(REG_IMS) & (INT_TXDW | INT_RXT0), INT_TXDW | INT_RXT0);
}

/* ---- receive: NAPI ---- */

struct rx_desc {
	uint64_t addr;
	uint16_t length, csum;
	uint8_t status, errors;
	uint16_t special;
};

static struct rx_desc *rx_ring(void)
{
	dma_addr_t a = reg(REG_RDBAL) | (dma_addr_t)reg(REG_RDBAH) << 32;

	for (unsigned i = 0; i < ncoherent; i++)
		if (coherent[i].handle == a)
			return coherent[i].ptr;
	fail_msg("RDBAL does not point at coherent memory");
	return NULL;
}

/* The device received n frames into descriptors [from, from + n) and sent queue 0's message,
 * which auto-masked the cause (EIAM). */
static void receive(unsigned from, unsigned n)
{
	struct rx_desc *r = rx_ring();

	for (unsigned i = from; i < from + n; i++) {
		r[i].length = 100;
		r[i].status = RXD_STAT_DD;
	}
	regs[REG_IMS / 4] &= ~INT_RXT0;
}

static void napi_reset(void)
{
	frames_up = 0;
	memset(&napi_st, 0, sizeof(napi_st));
}

/* 10 frames, weight 4: the handler polls nothing itself; polls of 4 and 4 keep the cause
 * masked and the queue scheduled; the poll of 2 completes and re-enables the cause. */
static void test_napi_budget_then_reenable(void **state)
{
	struct napi_struct *n;
	u32 rdt;

	(void)state;
	bring_up("budget", 4);
	assert_true(irq_flags & PCI_IRQ_AFFINITY); /* its vectors spread over the CPUs */
	napi_reset();
	receive(0, 10);
	rdt = reg(REG_RDT);
	defer_softirq = true;
	tx_interrupt(0x40);
	assert_int_equal(frames_up, 0);
	assert_int_equal(napi_listed, 1);
	assert_int_equal(reg(REG_IMS) & INT_RXT0, 0);
	n = napi_list[0];
	napi_listed = 0;
	assert_int_equal(n->weight, 4);
	assert_int_equal(n->poll(n, n->weight), 4);
	assert_int_equal(frames_up, 4);
	assert_true(n->state);
	assert_int_equal(reg(REG_IMS) & INT_RXT0, 0);
	assert_int_equal(reg(REG_RDT), (rdt + 4) % 256); /* each poll refills what it cleaned */
	assert_int_equal(n->poll(n, n->weight), 4);
	assert_int_equal(reg(REG_IMS) & INT_RXT0, 0);
	assert_int_equal(napi_st.completed, 0);
	assert_int_equal(n->poll(n, n->weight), 2);
	assert_int_equal(frames_up, 10);
	assert_int_equal(napi_st.completed, 1);
	assert_false(n->state);
	assert_int_equal(reg(REG_IMS) & INT_RXT0, INT_RXT0);
	assert_int_equal(reg(REG_RDT), (rdt + 10) % 256);
}

/* Exactly the budget: that poll cannot know the ring is empty, so it does not complete; the
 * next finds nothing and re-enables the cause -- two polls, one interrupt. */
static void test_napi_exact_budget_polls_again(void **state)
{
	(void)state;
	bring_up("budget", 4);
	napi_reset();
	receive(0, 4);
	tx_interrupt(0x40);
	assert_int_equal(frames_up, 4);
	assert_int_equal(napi_st.polls, 2);
	assert_int_equal(napi_st.exhausted, 1);
	assert_int_equal(napi_st.completed, 1);
	assert_int_equal(reg(REG_IMS) & INT_RXT0, INT_RXT0);
	/* the next frames: one poll that completes */
	napi_reset();
	receive(4, 3);
	tx_interrupt(0x40);
	assert_int_equal(frames_up, 3);
	assert_int_equal(napi_st.polls, 1);
	assert_int_equal(napi_st.exhausted, 0);
	assert_int_equal(reg(REG_IMS) & INT_RXT0, INT_RXT0);
}

/* INTx: no message masks the cause, so the handler does (IMC) before scheduling the poll,
 * which re-enables it; an interrupt that is not ours (ICR without RXT0) masks nothing. */
static void test_napi_intx_masks_in_handler(void **state)
{
	(void)state;
	bring_up("intx", 1);
	assert_false(irq_flags & PCI_IRQ_AFFINITY);
	assert_int_equal(reg(REG_IMS) & INT_RXT0, INT_RXT0);
	napi_reset();
	regs[REG_ICR / 4] = 0;
	assert_int_equal(irqs[0x40].fn(0x40, irqs[0x40].dev), IRQ_NONE);
	assert_int_equal(reg(REG_IMS) & INT_RXT0, INT_RXT0);
	receive(0, 2);
	regs[REG_IMS / 4] |= INT_RXT0; /* INTx: nothing masked it */
	regs[REG_ICR / 4] = INT_RXT0;
	defer_softirq = true;
	tx_interrupt(0x40);
	assert_int_equal(reg(REG_IMS) & INT_RXT0, 0);
	assert_int_equal(frames_up, 0);
	softirq();
	assert_int_equal(frames_up, 2);
	assert_int_equal(reg(REG_IMS) & INT_RXT0, INT_RXT0);
}

static struct sk_buff *skb_on(unsigned q, unsigned len)
{
	struct sk_buff *skb = skb_of(len, (uint8_t)q);

	skb->queue_mapping = (u16)q;
	return skb;
}

static void test_tx_queues(void **state)
{
	struct net_device *nd;
	struct sk_buff *busy;

	(void)state;
	nd = bring_up("tx_queues", 4);
	assert_int_equal(nd->real_num_tx_queues, 4);
	for (unsigned q = 0; q < 4; q++) {
		assert_non_null(ringq(q));
		assert_int_equal(reg(REG_TDLEN + REG_TXQ(q)), 256 * 16);
		assert_int_equal(reg(REG_IMS) & INT_TXQ(q), INT_TXQ(q));
	}
	/* entries 1, 2, 3 for queues 0, 1, 2; queue 3 on receive's entry 0 */
	assert_int_equal(dyn_allocs, 3);
	assert_int_equal(reg(REG_IVAR), IVAR_RX(0) | IVAR_RX_VALID | IVAR_TX(1) | IVAR_TX_VALID);
	assert_int_equal(reg(REG_IVAR_Q(1)), IVAR_TX(2) | IVAR_TX_VALID);
	assert_int_equal(reg(REG_IVAR_Q(2)), IVAR_TX(3) | IVAR_TX_VALID);
	assert_int_equal(reg(REG_IVAR_Q(3)), IVAR_TX(0) | IVAR_TX_VALID);

	/* a frame for queue 2 goes into its ring, cleaned by its vector */
	assert_int_equal(xmit(nd, skb_on(2, 300)), NETDEV_TX_OK);
	assert_int_equal(reg(REG_TDT + REG_TXQ(2)), 1);
	assert_int_equal(reg(REG_TDT), 0);
	assert_int_equal(ringq(2)[0].length, 300);
	write_back(ringq(2), 256, 0, 1);
	regs[REG_IMS / 4] = 0;
	tx_interrupt(0x43);
	assert_int_equal(skbs.consumed, 1);
	assert_int_equal(reg(REG_IMS), INT_TXQ(2));

	/* queue 3's completions come with the receive vector */
	assert_int_equal(xmit(nd, skb_on(3, 200)), NETDEV_TX_OK);
	write_back(ringq(3), 256, 0, 1);
	tx_interrupt(0x40);
	assert_int_equal(skbs.consumed, 2);
	assert_int_equal(reg(REG_IMS) & INT_TXQ(3), INT_TXQ(3));

	/* queue 1 full: it stops alone */
	for (unsigned i = 0; i < 255; i++)
		assert_int_equal(xmit(nd, skb_on(1, 100)), NETDEV_TX_OK);
	assert_true(netif_tx_queue_stopped(netdev_get_tx_queue(nd, 1)));
	assert_false(netif_tx_queue_stopped(netdev_get_tx_queue(nd, 0)));
	busy = skb_on(1, 100);
	assert_int_equal(xmit(nd, busy), NETDEV_TX_BUSY);
	free(busy->data);
	free(busy);
	assert_int_equal(xmit(nd, skb_on(0, 100)), NETDEV_TX_OK);
	/* its completions wake it */
	write_back(ringq(1), 256, 0, 64);
	tx_interrupt(0x42);
	assert_false(netif_tx_queue_stopped(netdev_get_tx_queue(nd, 1)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open_sets_up_the_ring),
	    cmocka_unit_test(test_map_at_send_unmap_at_completion),
	    cmocka_unit_test(test_ring_full_backs_off),
	    cmocka_unit_test(test_mapping_error_drops),
	    cmocka_unit_test(test_mapping_error_in_flight_waits),
	    cmocka_unit_test(test_shared_vector),
	    cmocka_unit_test(test_napi_budget_then_reenable),
	    cmocka_unit_test(test_napi_exact_budget_polls_again),
	    cmocka_unit_test(test_napi_intx_masks_in_handler),
	    cmocka_unit_test(test_tx_queues),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
