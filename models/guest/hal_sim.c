/* SPDX-License-Identifier: MIT */
/*
 * The simulator backend of hal.h: each call is what the vCPU running the driver does.
 * MMIO goes through EPT (mapped BAR: straight to the device; trapped: a VM exit), config
 * space through the guest kernel's accessor (trapping), DMA through the guest's DMA API
 * (guest-physical addresses, no vIOMMU), waits through vCPU compute time.
 */
#include "models/guest/hal.h"
#include "models/guest/kernel/gk_internal.h"
#include "models/cpu/cpu.h"
#include "models/pcie/pcie_regs.h"
#include "sim/engine.h"
#include "sim/trace.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- PCI ---- */

static struct gk *self(void)
{
	return gk__self();
}

int pci_register_driver(struct pci_driver *drv)
{
	return gk_register_builtin(self(), drv);
}

int pci_read_config_byte(const struct pci_dev *pdev, int where, u8 *val)
{
	*val = (u8)gk__cfg_read(self(), pdev->devfn, (uint32_t)where, 1);
	return 0;
}

int pci_read_config_word(const struct pci_dev *pdev, int where, u16 *val)
{
	*val = (u16)gk__cfg_read(self(), pdev->devfn, (uint32_t)where, 2);
	return 0;
}

int pci_read_config_dword(const struct pci_dev *pdev, int where, u32 *val)
{
	*val = gk__cfg_read(self(), pdev->devfn, (uint32_t)where, 4);
	return 0;
}

int pci_write_config_byte(const struct pci_dev *pdev, int where, u8 val)
{
	gk__cfg_write(self(), pdev->devfn, (uint32_t)where, 1, val);
	return 0;
}

int pci_write_config_word(const struct pci_dev *pdev, int where, u16 val)
{
	gk__cfg_write(self(), pdev->devfn, (uint32_t)where, 2, val);
	return 0;
}

int pci_write_config_dword(const struct pci_dev *pdev, int where, u32 val)
{
	gk__cfg_write(self(), pdev->devfn, (uint32_t)where, 4, val);
	return 0;
}

int pci_find_capability(struct pci_dev *pdev, int cap)
{
	if (cap == PCI_CAP_ID_MSIX)
		return pdev->msix_cap;
	if (cap == PCI_CAP_ID_EXP)
		return pdev->pcie_cap;
	return 0;
}

static void set_command(struct pci_dev *pdev, u16 set, u16 clear)
{
	u16 cmd;

	pci_read_config_word(pdev, PCI_COMMAND, &cmd);
	if (((cmd | set) & ~clear) != cmd)
		pci_write_config_word(pdev, PCI_COMMAND, (u16)((cmd | set) & ~clear));
}

int pci_enable_device(struct pci_dev *pdev)
{
	set_command(pdev, PCI_COMMAND_MEMORY, 0);
	return 0;
}

void pci_disable_device(struct pci_dev *pdev)
{
	set_command(pdev, 0, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

void pci_set_master(struct pci_dev *pdev)
{
	set_command(pdev, PCI_COMMAND_MASTER, 0);
}

void pci_clear_master(struct pci_dev *pdev)
{
	set_command(pdev, 0, PCI_COMMAND_MASTER);
}

void __iomem *pci_iomap(struct pci_dev *pdev, int bar, unsigned long maxlen)
{
	(void)maxlen;
	if (bar < 0 || bar >= PCI_NUM_RESOURCES || !pci_resource_len(pdev, bar))
		return NULL;
	return gk__iomem(pci_resource_start(pdev, bar));
}

void pci_iounmap(struct pci_dev *pdev, void __iomem *addr)
{
	(void)pdev;
	(void)addr;
}

/* ---- MMIO ---- */

u8 readb(const volatile void __iomem *addr)
{
	return (u8)vcpu_mmio_read(gk__cpu(), gk__iomem_gpa(addr), 1);
}

u16 readw(const volatile void __iomem *addr)
{
	return (u16)vcpu_mmio_read(gk__cpu(), gk__iomem_gpa(addr), 2);
}

u32 readl(const volatile void __iomem *addr)
{
	return (u32)vcpu_mmio_read(gk__cpu(), gk__iomem_gpa(addr), 4);
}

u64 readq(const volatile void __iomem *addr)
{
	return vcpu_mmio_read(gk__cpu(), gk__iomem_gpa(addr), 8);
}

void writeb(u8 val, volatile void __iomem *addr)
{
	vcpu_mmio_write(gk__cpu(), gk__iomem_gpa(addr), 1, val);
}

void writew(u16 val, volatile void __iomem *addr)
{
	vcpu_mmio_write(gk__cpu(), gk__iomem_gpa(addr), 2, val);
}

void writel(u32 val, volatile void __iomem *addr)
{
	vcpu_mmio_write(gk__cpu(), gk__iomem_gpa(addr), 4, val);
}

void writeq(u64 val, volatile void __iomem *addr)
{
	vcpu_mmio_write(gk__cpu(), gk__iomem_gpa(addr), 8, val);
}

/* ---- DMA (no vIOMMU: DMA addresses are guest-physical) ---- */

int dma_set_mask_and_coherent(struct device *dev, u64 mask)
{
	(void)dev;
	return mask >= DMA_BIT_MASK(32) ? 0 : -EIO;
}

void *dma_alloc_coherent(struct device *dev, size_t size, dma_addr_t *handle, gfp_t gfp)
{
	struct gk *g = self();
	uint64_t gpa;
	size_t sz = (size + 4095) & ~(size_t)4095;
	void *p = gk__alloc(g, sz, 4096, &gpa);

	(void)dev;
	(void)gfp;
	if (!p)
		return NULL;
	memset(p, 0, sz);
	*handle = gpa;
	g->st.coherent_bytes += sz;
	return p;
}

void dma_free_coherent(struct device *dev, size_t size, void *cpu_addr, dma_addr_t handle)
{
	(void)dev;
	(void)handle;
	gk__free(self(), cpu_addr, (size + 4095) & ~(size_t)4095);
}

dma_addr_t dma_map_single(struct device *dev, void *ptr, size_t size, enum dma_data_direction dir)
{
	struct gk *g = self();
	uint64_t gpa = gk__virt_to_phys(g, ptr);

	(void)dev;
	(void)size;
	(void)dir;
	g->st.dma_maps++;
	return gpa == ~0ull ? DMA_MAPPING_ERROR : gpa;
}

void dma_unmap_single(struct device *dev, dma_addr_t addr, size_t size,
		      enum dma_data_direction dir)
{
	(void)dev;
	(void)addr;
	(void)size;
	(void)dir;
	self()->st.dma_unmaps++;
}

/* ---- MSI-X and IRQs (Linux's msix_capability_init order) ---- */

/* INTx (Linux's pci_intx setup for a legacy IRQ): firmware put the line's GSI in Interrupt
 * Line; route it through the I/O APIC to a vector of its own and clear Interrupt Disable. */
static int alloc_intx(struct gk *g, struct pci_dev *pdev)
{
	struct gk_dev *d = gk__dev(pdev);
	u8 pin, line;
	u16 cmd;
	int vec;

	pci_read_config_byte(pdev, PCI_INTERRUPT_PIN, &pin);
	pci_read_config_byte(pdev, PCI_INTERRUPT_LINE, &line);
	if (!pin || pin > 4 || !g->bp.ioapic_base || line >= ARRAY_SIZE(g->gsi_rte))
		return -ENODEV;
	vec = gk__alloc_vector(g);
	if (vec < 0)
		return vec;
	gk__ioapic_route(g, line, (uint8_t)vec);
	pci_read_config_word(pdev, PCI_COMMAND, &cmd);
	pci_write_config_word(pdev, PCI_COMMAND, cmd & ~PCI_COMMAND_INTX_DISABLE);
	d->vec[0] = vec;
	d->nvec = 1;
	d->intx = true;
	pdev->irq = (unsigned)vec;
	return 1;
}

int pci_alloc_irq_vectors(struct pci_dev *pdev, unsigned int min_vecs, unsigned int max_vecs,
			  unsigned int flags)
{
	struct gk *g = self();
	struct gk_dev *d = gk__dev(pdev);
	unsigned cap = pdev->msix_cap, n;
	u16 ctl;
	u32 table;

	if (!(flags & PCI_IRQ_MSIX) || !cap)
		return (flags & PCI_IRQ_LEGACY) && min_vecs <= 1 ? alloc_intx(g, pdev) : -ENODEV;
	pci_read_config_word(pdev, (int)(cap + PCI_MSIX_FLAGS), &ctl);
	n = (ctl & PCI_MSIX_FLAGS_QSIZE) + 1u;
	if (n > max_vecs)
		n = max_vecs;
	if (n > ARRAY_SIZE(d->vec))
		n = ARRAY_SIZE(d->vec);
	if (n < min_vecs)
		return -ENOSPC;
	pci_read_config_dword(pdev, (int)(cap + PCI_MSIX_TABLE), &table);
	d->msix_table = (volatile u8 *)gk__iomem(pci_resource_start(pdev, (int)(table & 7)) +
						 (table & ~7u));
	/* Enable with the function masked, write the entries, then unmask the function. */
	pci_write_config_word(pdev, (int)(cap + PCI_MSIX_FLAGS),
			      (u16)(ctl | PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL));
	for (unsigned i = 0; i < n; i++) {
		int vec = gk__alloc_vector(g);

		if (vec < 0)
			return vec;
		d->vec[i] = vec;
		/* Physical destination: the boot CPU's x2APIC ID 0; fixed, edge. */
		writel(0xfee00000u, d->msix_table + i * 16 + PCI_MSIX_ENTRY_LOWER_ADDR);
		writel(0, d->msix_table + i * 16 + PCI_MSIX_ENTRY_UPPER_ADDR);
		writel((u32)vec, d->msix_table + i * 16 + PCI_MSIX_ENTRY_DATA);
	}
	pci_write_config_word(pdev, (int)(cap + PCI_MSIX_FLAGS), (u16)(ctl | PCI_MSIX_FLAGS_ENABLE));
	d->nvec = n;
	pdev->irq = (unsigned)d->vec[0];
	pdev->msix_enabled = 1;
	return (int)n;
}

void pci_free_irq_vectors(struct pci_dev *pdev)
{
	struct gk_dev *d = gk__dev(pdev);
	struct gk *g = self();
	u16 ctl;

	if (d->intx) {
		g->irqs[d->vec[0]].gsi = -1;
		d->intx = false;
		d->nvec = 0;
		return;
	}
	if (!pdev->msix_cap)
		return;
	pci_read_config_word(pdev, pdev->msix_cap + PCI_MSIX_FLAGS, &ctl);
	pci_write_config_word(pdev, pdev->msix_cap + PCI_MSIX_FLAGS, ctl & ~PCI_MSIX_FLAGS_ENABLE);
	pdev->msix_enabled = 0;
	d->nvec = 0;
}

int pci_irq_vector(struct pci_dev *pdev, unsigned int nr)
{
	struct gk_dev *d = gk__dev(pdev);

	return nr < d->nvec ? d->vec[nr] : -EINVAL;
}

static struct gk_dev *owner_of(struct gk *g, unsigned irq, unsigned *entry)
{
	for (unsigned i = 0; i < g->ndevs; i++)
		for (unsigned e = 0; e < g->devs[i].nvec; e++)
			if (g->devs[i].vec[e] == (int)irq) {
				*entry = e;
				return &g->devs[i];
			}
	return NULL;
}

int request_irq(unsigned int irq, irq_handler_t handler, unsigned long flags, const char *name,
		void *dev)
{
	struct gk *g = self();
	struct gk_dev *d;
	unsigned e;

	(void)flags;
	if (irq > 255 || g->irqs[irq].fn)
		return -EINVAL;
	g->irqs[irq].fn = handler;
	g->irqs[irq].dev = dev;
	g->irqs[irq].name = name;
	/* irq_startup: unmask the I/O APIC pin or the MSI-X entry */
	if (g->irqs[irq].gsi >= 0)
		gk__ioapic_mask(g, (unsigned)g->irqs[irq].gsi, false);
	else if ((d = owner_of(g, irq, &e)))
		writel(0, d->msix_table + e * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL);
	return 0;
}

void free_irq(unsigned int irq, void *dev)
{
	struct gk *g = self();
	struct gk_dev *d;
	unsigned e;

	(void)dev;
	if (irq > 255)
		return;
	int gsi = g->irqs[irq].gsi;

	if (gsi >= 0)
		gk__ioapic_mask(g, (unsigned)gsi, true);
	else if ((d = owner_of(g, irq, &e)))
		writel(PCI_MSIX_ENTRY_CTRL_MASKBIT, d->msix_table + e * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL);
	memset(&g->irqs[irq], 0, sizeof(g->irqs[irq]));
	g->irqs[irq].gsi = gsi; /* the routing stays until pci_free_irq_vectors */
}

void local_irq_disable(void)
{
	vcpu_cli(gk__cpu());
}

void local_irq_enable(void)
{
	vcpu_sti(gk__cpu());
}

/* ---- memory: kmalloc keeps the size in a header, memory is the guest's own RAM ---- */

#define KHDR 64

void *kmalloc(size_t size, gfp_t gfp)
{
	uint8_t *p = gk__alloc(self(), size + KHDR, 64, NULL);

	(void)gfp;
	if (!p)
		return NULL;
	memcpy(p, &size, sizeof(size));
	return p + KHDR;
}

void *kzalloc(size_t size, gfp_t gfp)
{
	void *p = kmalloc(size, gfp);

	if (p)
		memset(p, 0, size);
	return p;
}

void kfree(const void *ptr)
{
	size_t size;

	if (!ptr)
		return;
	memcpy(&size, (const uint8_t *)ptr - KHDR, sizeof(size));
	gk__free(self(), (const uint8_t *)ptr - KHDR, size + KHDR);
}

/* ---- time ---- */

static uint64_t ns_to_cycles(uint64_t ns)
{
	return sim_ps_to_cycles(pcpu_clock(vcpu_pcpu(gk__cpu())), ns * 1000);
}

void ndelay(unsigned long nsecs)
{
	vcpu_compute(gk__cpu(), ns_to_cycles(nsecs));
}

void udelay(unsigned long usecs)
{
	ndelay(usecs * 1000);
}

void mdelay(unsigned long msecs)
{
	ndelay(msecs * 1000000);
}

void cpu_relax(void)
{
	/* PAUSE: about 140 cycles on Skylake-SP (Intel optimization manual, §2.5.4). */
	vcpu_compute(gk__cpu(), 140);
}

u64 get_cycles(void)
{
	return vcpu_rdtsc(gk__cpu());
}

void cpu_cycles(u64 cycles)
{
	vcpu_compute(gk__cpu(), cycles);
}

u64 module_param_u64(const char *module, const char *name, u64 def)
{
	struct gk *g = self();

	for (unsigned i = 0; i < g->cfg.nparams; i++)
		if (!strcmp(g->params[i].module, module) && !strcmp(g->params[i].name, name))
			return g->params[i].value;
	return def;
}

int printk(const char *fmt, ...)
{
	struct gk *g = self();
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (g)
		g->st.printks++;
	if (trace_on()) {
		char args[300];
		size_t j = 0;

		j = (size_t)snprintf(args, sizeof(args), "\"msg\":\"");
		for (const char *s = buf; *s && j + 4 < sizeof(args); s++) {
			if (*s == '"' || *s == '\\')
				args[j++] = '\\';
			args[j++] = *s;
		}
		args[j++] = '"';
		args[j] = 0;
		struct pcpu *p = pcpu_self();
		trace_instant(sim_trace, p ? pcpu_track(p) : 0, "guest", "printk", sim_now(), args);
	}
	return n;
}

/* ---- networking ---- */

struct net_device *alloc_netdev_priv(size_t priv_size, const char *name)
{
	struct gk *g = self();
	struct net_device *nd;

	if (g->nnetdevs == ARRAY_SIZE(g->netdevs))
		return NULL;
	nd = &g->netdevs[g->nnetdevs++];
	snprintf(nd->name, sizeof(nd->name), "%s", name);
	nd->g = g;
	nd->priv = kzalloc(priv_size, GFP_KERNEL);
	return nd->priv ? nd : NULL;
}

void *netdev_priv(const struct net_device *ndev)
{
	return ndev->priv;
}

int register_netdev(struct net_device *ndev)
{
	printk("%s: registered", ndev->name);
	return 0;
}

void netif_receive_frame(struct net_device *ndev, const void *data, unsigned int len)
{
	struct gk *g = ndev->g;

	vcpu_compute(gk__cpu(), g->cfg.costs.net_rx);
	g->st.frames_rx++;
	g->st.bytes_rx += len;
	if (g->rx)
		g->rx(g->rx_ctx, data, len);
}
