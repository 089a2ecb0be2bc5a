/* SPDX-License-Identifier: MIT */
#include "models/host/vfio.h"
#include "models/host/host.h"
#include "models/host/hpci.h"
#include "models/host/ioapic_drv.h"
#include "models/host/hv.h"
#include "models/drivers/intel_iommu/intel_iommu.h"
#include "models/host/pv_iommu.h"
#include "models/host/viommu.h"
#include "models/iommu/vtd_regs.h"
#include "sim/metrics.h"
#include "sim/trace.h"
#include "models/mem/mem.h"
#include "models/pcie/pcie_regs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE 4096ull

struct vfio_vec {
	struct vfio_dev *d;
	unsigned idx;
	uint32_t addr_lo, addr_hi, data, ctrl; /* the guest's entry */
	bool active;                           /* host side set up */
	bool posted;                           /* through a posted IRTE, no host vector */
	unsigned cpu;
	uint8_t host_vector;
	uint32_t irte;
};

struct vbar {
	uint64_t size, hpa, gpa;
	bool is64, mapped;
	uint32_t flags;
	bool sizing_lo, sizing_hi; /* the guest wrote all-ones to probe the size */
};

struct vfio_dev {
	struct vm *vm;
	struct host *h;
	struct intel_iommu *iommu;
	struct dmar_domain *dom;
	struct vfio_cfg cfg;
	struct hpci_dev pdev;
	struct vbar bar[6];
	unsigned msix_cap, msix_bar, nvec;
	uint32_t table_off, pba_off;
	uint16_t msix_ctl; /* guest view: enable, function mask */
	struct vfio_vec *vec;
	uint64_t trap_gpa[2], trap_size[2];
	unsigned ntraps;
	/* INTx */
	unsigned intx_pin, host_gsi, guest_gsi;
	uint8_t intx_vector;
	bool intx_masked;
	uint64_t intx_masked_at;
	struct vfio_stats st;
};

static uint32_t size_mask(unsigned size)
{
	return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

/* ---- MSI-X: the guest's table becomes host vectors and IRTEs ---- */

static uint64_t phys_table(const struct vfio_dev *d, unsigned idx, unsigned field)
{
	return d->bar[d->msix_bar].hpa + d->table_off + idx * PCI_MSIX_ENTRY_SIZE + field;
}

static void vec_irq(void *ctx, struct pcpu *p, uint8_t vector)
{
	struct vfio_vec *v = ctx;
	struct vfio_dev *d = v->d;

	d->st.irqs++;
	/* vfio_msihandler -> eventfd -> irqfd -> kvm_set_msi, all in the host kernel. */
	host_cpu_work(d->h, hv_costs(vm_hv(d->vm))->irqfd);
	vm_assigned_irq(d->vm, p, vector, v->addr_lo | (uint64_t)v->addr_hi << 32, v->data);
}

static int vec_enable(struct vfio_dev *d, struct vfio_vec *v)
{
	uint64_t gaddr = v->addr_lo | (uint64_t)v->addr_hi << 32;
	enum hv_irq_mode mode = vm_irq_mode(d->vm);
	uint64_t addr;
	uint32_t data;
	int rc;

	if (!v->active) {
		if (mode == HV_IRQ_VTD_POSTED) {
			/* VT-d posting: the IRTE points at the destination vCPU's descriptor and
			 * carries the guest's own vector; no host vector at all. */
			if (!d->iommu || !intel_iommu_posting(d->iommu))
				return -ENOTSUP;
			rc = irq_remapping_alloc_irte(d->iommu, &v->irte);
			if (!rc)
				rc = irq_remapping_set_posted(d->iommu, v->irte, vm_pi_desc(d->vm, gaddr),
							 (uint8_t)v->data, d->pdev.bdf, false);
			if (rc)
				return rc;
			irq_remapping_msi(v->irte, &addr, &data);
			v->posted = true;
		} else {
			/* ELI needs the vector on the vCPU's own pCPU (its shadow IDT takes it). */
			v->cpu = mode == HV_IRQ_ELI ? vm_dest_pcpu(d->vm, gaddr)
						    : vm_host_irq_pcpu(d->vm, gaddr);
			rc = host_irq_alloc(d->h, v->cpu, vec_irq, v, &v->host_vector);
			if (rc)
				return rc;
			if (mode == HV_IRQ_ELI)
				vm_shadow_idt_map(d->vm, gaddr, v->host_vector, (uint8_t)v->data);
			if (d->iommu && intel_iommu_ir_enabled(d->iommu)) {
				rc = irq_remapping_alloc_irte(d->iommu, &v->irte);
				if (!rc)
					rc = irq_remapping_set_remapped(d->iommu, v->irte,
								   host_cpu_apic_id(d->h, v->cpu),
								   v->host_vector, d->pdev.bdf);
				if (rc)
					return rc;
				irq_remapping_msi(v->irte, &addr, &data);
			} else {
				addr = msi_compat_addr((uint8_t)host_cpu_apic_id(d->h, v->cpu), 0);
				data = msi_compat_data(v->host_vector, MSI_DATA_DLM_FIXED, 0);
			}
		}
		host_writel(d->h, phys_table(d, v->idx, PCI_MSIX_ENTRY_LOWER_ADDR), (uint32_t)addr);
		host_writel(d->h, phys_table(d, v->idx, PCI_MSIX_ENTRY_UPPER_ADDR),
			  (uint32_t)(addr >> 32));
		host_writel(d->h, phys_table(d, v->idx, PCI_MSIX_ENTRY_DATA), data);
		v->active = true;
		d->st.vectors_enabled++;
	}
	host_writel(d->h, phys_table(d, v->idx, PCI_MSIX_ENTRY_VECTOR_CTRL), 0);
	return 0;
}

static void vec_mask(struct vfio_dev *d, struct vfio_vec *v)
{
	if (v->active)
		host_writel(d->h, phys_table(d, v->idx, PCI_MSIX_ENTRY_VECTOR_CTRL),
			  PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

static void vec_update(struct vfio_dev *d, struct vfio_vec *v)
{
	bool on = (d->msix_ctl & PCI_MSIX_FLAGS_ENABLE) && !(d->msix_ctl & PCI_MSIX_FLAGS_MASKALL) &&
		  !(v->ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT);

	if (on)
		vec_enable(d, v);
	else
		vec_mask(d, v);
}

static uint64_t msix_trap_read(void *ctx, uint64_t off, unsigned size)
{
	struct vfio_dev *d = ctx;
	uint64_t bar_off = off + (d->trap_gpa[0] - d->bar[d->msix_bar].gpa);

	d->st.msix_reads++;
	if (bar_off >= d->table_off && bar_off < d->table_off + d->nvec * 16u) {
		unsigned idx = (unsigned)((bar_off - d->table_off) / 16);
		unsigned field = (unsigned)((bar_off - d->table_off) % 16);
		const struct vfio_vec *v = &d->vec[idx];
		const uint32_t f[4] = {v->addr_lo, v->addr_hi, v->data, v->ctrl};

		return f[field / 4] >> (8 * (field % 4)) & size_mask(size);
	}
	/* Anything else in the trapped page comes from the device. */
	return size == 8 ? host_readq(d->h, d->bar[d->msix_bar].hpa + bar_off)
			 : host_readl(d->h, d->bar[d->msix_bar].hpa + bar_off) & size_mask(size);
}

static void msix_trap_write(void *ctx, uint64_t off, unsigned size, uint64_t val)
{
	struct vfio_dev *d = ctx;
	uint64_t bar_off = off + (d->trap_gpa[0] - d->bar[d->msix_bar].gpa);

	d->st.msix_writes++;
	if (bar_off >= d->table_off && bar_off < d->table_off + d->nvec * 16u && size == 4) {
		unsigned idx = (unsigned)((bar_off - d->table_off) / 16);
		unsigned field = (unsigned)((bar_off - d->table_off) % 16);
		struct vfio_vec *v = &d->vec[idx];

		switch (field) {
		case PCI_MSIX_ENTRY_LOWER_ADDR:
			v->addr_lo = (uint32_t)val;
			break;
		case PCI_MSIX_ENTRY_UPPER_ADDR:
			v->addr_hi = (uint32_t)val;
			break;
		case PCI_MSIX_ENTRY_DATA:
			v->data = (uint32_t)val;
			break;
		case PCI_MSIX_ENTRY_VECTOR_CTRL:
			v->ctrl = (uint32_t)val & PCI_MSIX_ENTRY_CTRL_MASKBIT;
			vec_update(d, v);
			break;
		}
		return;
	}
	if (bar_off >= d->pba_off && bar_off < d->pba_off + 8)
		return; /* the PBA is read-only */
	if (size == 8)
		host_writeq(d->h, d->bar[d->msix_bar].hpa + bar_off, val);
	else
		host_writel(d->h, d->bar[d->msix_bar].hpa + bar_off, (uint32_t)val);
}

/* QEMU emulates the MSI-X table: a user-space round trip per access. */
static const struct hv_trap_ops msix_trap_ops = {msix_trap_read, msix_trap_write, true};

/* ---- BAR mapping ---- */

static void bar_unmap(struct vfio_dev *d, int b)
{
	struct vbar *vb = &d->bar[b];

	if (!vb->mapped)
		return;
	ept_unmap(vm_ept(d->vm), vb->gpa, vb->size);
	if ((unsigned)b == d->msix_bar && d->msix_cap)
		for (unsigned i = 0; i < d->ntraps; i++)
			vm_del_trap(d->vm, d->trap_gpa[i]);
	vb->mapped = false;
}

static int bar_map(struct vfio_dev *d, int b)
{
	struct vbar *vb = &d->bar[b];
	int rc;

	if (!vb->size || !vb->gpa)
		return 0;
	rc = ept_map(vm_ept(d->vm), vb->gpa, vb->size, vb->hpa, EPT_R | EPT_W);
	if (rc)
		return rc;
	if ((unsigned)b == d->msix_bar && d->msix_cap) {
		/* The table's pages, and the PBA's if elsewhere, trap (EPT holes). */
		uint64_t t0 = d->table_off & ~(PAGE - 1);
		uint64_t t1 = (d->table_off + d->nvec * 16u + PAGE - 1) & ~(PAGE - 1);
		uint64_t p0 = d->pba_off & ~(PAGE - 1);

		d->ntraps = 0;
		d->trap_gpa[0] = vb->gpa + t0;
		d->trap_size[0] = t1 - t0;
		d->ntraps = 1;
		if (p0 < t0 || p0 >= t1) {
			d->trap_gpa[1] = vb->gpa + p0;
			d->trap_size[1] = PAGE;
			d->ntraps = 2;
		}
		for (unsigned i = 0; i < d->ntraps; i++) {
			rc = vm_add_trap(d->vm, d->trap_gpa[i], d->trap_size[i], &msix_trap_ops, d);
			if (rc)
				return rc;
		}
	}
	vb->mapped = true;
	return 0;
}

/* ---- config space virtualization ---- */

static uint32_t vbar_read(const struct vfio_dev *d, unsigned dword)
{
	/* dword 0..5 are BAR0..BAR5; the upper half of a 64-bit BAR follows its lower half. */
	if (dword > 0 && d->bar[dword - 1].is64) {
		const struct vbar *vb = &d->bar[dword - 1];

		return vb->sizing_hi ? (uint32_t)(~(vb->size - 1) >> 32) : (uint32_t)(vb->gpa >> 32);
	}
	const struct vbar *vb = &d->bar[dword];
	if (!vb->size)
		return 0;
	return (vb->sizing_lo ? (uint32_t)~(vb->size - 1) : (uint32_t)vb->gpa) | vb->flags;
}

static void vbar_write(struct vfio_dev *d, unsigned dword, uint32_t val)
{
	struct vbar *vb;
	uint64_t ngpa;

	if (dword > 0 && d->bar[dword - 1].is64) {
		vb = &d->bar[dword - 1];
		vb->sizing_hi = val == 0xffffffffu;
		if (vb->sizing_hi)
			return;
		ngpa = (vb->gpa & 0xffffffffull) | ((uint64_t)val << 32);
	} else {
		vb = &d->bar[dword];
		if (!vb->size)
			return;
		vb->sizing_lo = (val & 0xfffffff0u) == 0xfffffff0u;
		if (vb->sizing_lo)
			return;
		ngpa = (vb->gpa & ~0xffffffffull) | (val & ~(uint32_t)(vb->size - 1) & 0xfffffff0u);
	}
	if (ngpa == vb->gpa)
		return;
	/* The guest moved the BAR: move the EPT mapping with it. */
	int b = (int)(vb - d->bar);
	bar_unmap(d, b);
	vb->gpa = ngpa;
	d->st.bar_remaps++;
	bar_map(d, b);
}

static uint32_t cfg_read(void *ctx, uint32_t off, unsigned size)
{
	struct vfio_dev *d = ctx;
	uint32_t dw;

	d->st.cfg_reads++;
	if ((off & ~3u) == PCI_VENDOR_ID && d->pdev.pf >= 0) {
		/* A VF's IDs read FFFFh (SR-IOV 1.1 §3.4.1.1-2): the guest sees the PF's vendor
		 * and the VF Device ID, as VFIO emulates them. */
		dw = d->pdev.vendor | (uint32_t)d->pdev.device << 16;
	} else if (off >= PCI_BASE_ADDRESS_0 && off < PCI_BASE_ADDRESS_0 + 24) {
		dw = vbar_read(d, (off - PCI_BASE_ADDRESS_0) / 4);
	} else if ((off & ~3u) == PCI_ROM_ADDRESS) {
		dw = 0; /* no option ROM offered */
	} else if ((off & ~3u) == PCI_INTERRUPT_LINE) {
		/* The virtual firmware's routing: the guest GSI in Interrupt Line, the pin. */
		dw = d->intx_pin ? d->guest_gsi | (d->intx_pin << 8) : 0;
	} else if (d->msix_cap && (off & ~3u) == d->msix_cap) {
		uint32_t phys = host_cfg_read(d->h, d->pdev.bdf, d->msix_cap, 4);

		dw = (phys & 0x07ffffffu) | ((uint32_t)d->msix_ctl << 16);
	} else {
		dw = host_cfg_read(d->h, d->pdev.bdf, off & ~3u, 4);
	}
	return (dw >> (8 * (off & 3))) & size_mask(size);
}

static void cfg_write(void *ctx, uint32_t off, unsigned size, uint32_t val)
{
	struct vfio_dev *d = ctx;
	unsigned exp = d->pdev.cap_exp;

	d->st.cfg_writes++;
	if (off >= PCI_BASE_ADDRESS_0 && off < PCI_BASE_ADDRESS_0 + 24) {
		if (size == 4)
			vbar_write(d, (off - PCI_BASE_ADDRESS_0) / 4, val);
		return;
	}
	if ((off & ~3u) == PCI_ROM_ADDRESS || (off & ~3u) == PCI_INTERRUPT_LINE)
		return;
	if (d->msix_cap && off >= d->msix_cap + PCI_MSIX_FLAGS && off < d->msix_cap + 4) {
		uint16_t ctl = d->msix_ctl;

		if (off == d->msix_cap + PCI_MSIX_FLAGS && size >= 2)
			ctl = (uint16_t)val;
		else if (off == d->msix_cap + PCI_MSIX_FLAGS + 1)
			ctl = (uint16_t)((ctl & 0xff) | (val & 0xff) << 8);
		d->msix_ctl = ctl & (PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
		/* Physical: enabled when the guest enables it, masked while any vector is
		 * still being set up; the per-vector masks do the rest. */
		host_cfg_write(d->h, d->pdev.bdf, d->msix_cap + PCI_MSIX_FLAGS, 2, d->msix_ctl);
		for (unsigned i = 0; i < d->nvec; i++)
			vec_update(d, &d->vec[i]);
		return;
	}
	if (exp && off <= exp + PCI_EXP_DEVCTL + 1 && off + size > exp + PCI_EXP_DEVCTL + 1)
		val &= ~((uint32_t)PCI_EXP_DEVCTL_BCR_FLR << (8 * (exp + PCI_EXP_DEVCTL - off)));
	host_cfg_write(d->h, d->pdev.bdf, off, size, val);
}

static const struct hv_vpci_ops vpci_ops = {cfg_read, cfg_write};

/* ---- INTx, as KVM's first device assignment did it ---- */

static void intx_step(struct vfio_dev *d, const char *what)
{
	char args[48];

	snprintf(args, sizeof(args), "\"gsi\":%u", d->host_gsi);
	host_trace_step(d->h, "vfio", what, args);
}

static void intx_irq(void *ctx, struct pcpu *p, uint8_t vector)
{
	struct vfio_dev *d = ctx;

	(void)p;
	(void)vector;
	if (trace_on())
		intx_step(d, "host masks the INTx line (I/O APIC pin)");
	/* disable_irq_nosync: the line stays masked until the guest has EOIed; then tell the
	 * guest's I/O APIC (irqfd). */
	d->st.intx_irqs++;
	host_gsi_mask(d->cfg.ioapic, d->host_gsi, true);
	d->intx_masked = true;
	d->intx_masked_at = host_now(d->h);
	host_cpu_work(d->h, hv_costs(vm_hv(d->vm))->irqfd);
	vm_set_gsi(d->vm, d->guest_gsi, true);
}

static void intx_ack(void *ctx)
{
	struct vfio_dev *d = ctx;

	/* The guest EOIed: drop its line, unmask ours; a device still asserting fires again. */
	vm_set_gsi(d->vm, d->guest_gsi, false);
	if (!d->intx_masked)
		return;
	d->intx_masked = false;
	d->st.intx_unmasks++;
	d->st.intx_masked_ps += host_now(d->h) - d->intx_masked_at;
	if (trace_on())
		intx_step(d, "guest EOI seen: host unmasks the INTx line");
	host_gsi_mask(d->cfg.ioapic, d->host_gsi, false);
}

static int intx_setup(struct vfio_dev *d, struct hpci *pci)
{
	struct hpci_dev *pd = hpci_find_bdf(pci, d->pdev.bdf);
	unsigned pin = host_cfg_read(d->h, d->pdev.bdf, PCI_INTERRUPT_PIN, 1);
	unsigned swz = pin;

	if (!pin || pin > 4 || !d->cfg.ioapic)
		return 0;
	/* Swizzle up to the root bus (PCI-to-PCI Bridge 1.2 §9.1), then firmware's _PRT. */
	while (pd && pd->parent >= 0) {
		swz = (swz - 1 + ((pd->bdf >> 3) & 31)) % 4 + 1;
		pd = &pci->dev[pd->parent];
	}
	if (!pd)
		return -ENODEV;
	d->intx_pin = pin;
	d->host_gsi = host_prt_gsi(d->h, (pd->bdf >> 3) & 31, swz);
	d->guest_gsi = vm_guest_gsi(d->cfg.guest_devfn >> 3, pin);
	vm_add_gsi_ack(d->vm, d->guest_gsi, intx_ack, d);
	return host_gsi_request(d->cfg.ioapic, d->host_gsi, vm_dest_pcpu(d->vm, MSI_ADDR_BASE),
				intx_irq, d, &d->intx_vector);
}

/* ---- assignment ---- */

static int reset_function(struct vfio_dev *d)
{
	uint16_t bdf = d->pdev.bdf;
	unsigned exp = d->pdev.cap_exp;
	uint32_t saved[6];
	uint16_t cmd;

	if (!exp || !(host_cfg_read(d->h, bdf, exp + PCI_EXP_DEVCAP, 4) & PCI_EXP_DEVCAP_FLR))
		return 0; /* no FLR: assigned as is (a real VFIO would try other resets) */
	/* pci_save_state / FLR / pci_restore_state */
	cmd = (uint16_t)host_cfg_read(d->h, bdf, PCI_COMMAND, 2);
	for (unsigned i = 0; i < 6; i++)
		saved[i] = host_cfg_read(d->h, bdf, PCI_BASE_ADDRESS_0 + 4 * i, 4);
	host_cfg_write(d->h, bdf, exp + PCI_EXP_DEVCTL, 2,
		     host_cfg_read(d->h, bdf, exp + PCI_EXP_DEVCTL, 2) | PCI_EXP_DEVCTL_BCR_FLR);
	host_udelay(d->h, d->cfg.flr_wait_us);
	for (unsigned i = 0; i < 6; i++)
		host_cfg_write(d->h, bdf, PCI_BASE_ADDRESS_0 + 4 * i, 4, saved[i]);
	host_cfg_write(d->h, bdf, PCI_COMMAND, 2, cmd & ~PCI_COMMAND_MASTER);
	d->st.resets++;
	return 0;
}

/* ---- the container: one domain per unit for the VM's devices ---- */

struct vfio_cdom {
	struct intel_iommu *iommu;
	struct dmar_domain *dom;
};

struct vfio_container {
	struct vm *vm;
	struct vfio_cdom *dom;
	unsigned ndom;
	uint64_t pinned_pages; /* guest RAM pinned for the direct mappings, once */
};

int vfio_container_create(struct vm *vm, struct vfio_container **out)
{
	struct vfio_container *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->vm = vm;
	*out = c;
	return 0;
}

void vfio_container_destroy(struct vfio_container *c)
{
	if (!c)
		return;
	free(c->dom);
	free(c);
}

unsigned vfio_container_domains(const struct vfio_container *c)
{
	return c->ndom;
}

uint64_t vfio_container_pinned(const struct vfio_container *c)
{
	return c->pinned_pages;
}

/* Whether the strategy lets the VM's functions share a domain (see vfio.h): direct_map, whose
 * domain is the guest's physical address space and nothing per device. */
static bool shares_domain(const struct vfio_cfg *cfg)
{
	return cfg->container && cfg->dma.strategy == DMA_DIRECT_MAP && !cfg->viommu;
}

/* Nested vIOMMU with direct_map: the VM's functions share its second level (vfio.h). */
static bool nests(const struct vfio_cfg *cfg)
{
	return cfg->container && cfg->dma.strategy == DMA_DIRECT_MAP && cfg->viommu &&
	       viommu_mode(cfg->viommu) == VIOMMU_NESTED;
}

static struct dmar_domain *container_domain(const struct vfio_container *c,
					    const struct intel_iommu *iommu)
{
	for (unsigned i = 0; i < c->ndom; i++)
		if (c->dom[i].iommu == iommu)
			return c->dom[i].dom;
	return NULL;
}

static int container_add(struct vfio_container *c, struct intel_iommu *iommu,
			 struct dmar_domain *dom)
{
	struct vfio_cdom *grown = realloc(c->dom, (c->ndom + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	c->dom = grown;
	c->dom[c->ndom++] = (struct vfio_cdom){iommu, dom};
	return 0;
}

/* All guest RAM, IOVA = GPA, with the largest pages the driver may use (VFIO_IOMMU_MAP_DMA
 * per RAM range, then intel_iommu's superpages where the unit and alignment allow). Pins the
 * pages unless the container pinned them already for a domain on another unit (type1's
 * replay maps what is pinned). */
static int map_all_ram(struct vfio_dev *d)
{
	uint64_t gpa[4], hpa[4], size[4], pinned = 0;
	unsigned n = vm_ram_ranges(d->vm, gpa, hpa, size, 4);
	int rc;

	for (unsigned i = 0; i < n; i++) {
		rc = intel_iommu_map(d->dom, gpa[i], hpa[i], size[i], IOMMU_READ | IOMMU_WRITE);
		if (rc)
			return rc;
		pinned += size[i] / PAGE;
	}
	if (d->cfg.container) {
		if (d->cfg.container->pinned_pages)
			pinned = 0;
		else
			d->cfg.container->pinned_pages = pinned;
	}
	d->st.pinned_pages = pinned;
	if (d->cfg.pv && pinned)
		pv_iommu_pinned_at_assignment(d->cfg.pv, pinned);
	return 0;
}

static int map_guest_memory(struct vfio_dev *d)
{
	int rc;

	switch (d->cfg.dma.strategy) {
	case DMA_NONE:
		return 0;
	case DMA_DIRECT_MAP:
		/* shadow: the domain holds what the vIOMMU shadows from the guest's tables;
		 * nested: all guest RAM, the second level under the guest's first level. */
		if (d->cfg.viommu && viommu_mode(d->cfg.viommu) == VIOMMU_SHADOW)
			return viommu_add_device(d->cfg.viommu, d->pdev.bdf, d->cfg.guest_devfn,
						 d->dom);
		rc = map_all_ram(d);
		if (rc)
			return rc;
		if (d->cfg.viommu)
			return viommu_add_device(d->cfg.viommu, d->pdev.bdf, d->cfg.guest_devfn,
						 d->dom);
		return 0;
	default:
		/* Paravirtual: nothing up front; the guest asks the back-end page by page. */
		if (!d->cfg.pv)
			return -ENOTSUP;
		return pv_iommu_add_device(d->cfg.pv, d->pdev.bdf, d->cfg.guest_devfn, d->dom);
	}
}

/* Nested: the container's nesting parent on this unit (the VM's RAM mapped the first time, by
 * the first function behind it), and a domain of the function's own over it. */
static int nested_domain(struct vfio_dev *d, struct intel_iommu *iommu)
{
	struct dmar_domain *parent = container_domain(d->cfg.container, iommu);
	int rc;

	if (!parent) {
		rc = intel_iommu_domain_alloc(iommu, &d->dom);
		if (!rc)
			rc = map_all_ram(d);
		if (!rc)
			rc = container_add(d->cfg.container, iommu, d->dom);
		if (rc)
			return rc;
		parent = d->dom;
	}
	return intel_iommu_domain_alloc_nested(parent, &d->dom);
}

int vfio_assign(struct vm *vm, struct intel_iommu *iommu, struct hpci *pci,
		const struct vfio_cfg *cfg, struct vfio_dev **out)
{
	struct host *h = hv_host(vm_hv(vm));
	struct hpci_dev *pd = hpci_find_bdf(pci, cfg->host_bdf);
	struct vfio_dev *d;
	int rc;

	if (!pd || pd->bridge)
		return -ENODEV;
	if (!iommu && cfg->dma.strategy != DMA_NONE)
		return -ENODEV; /* no DMA-remapping unit covers the device */
	/* Linux (since 3.17) refuses a device with an RMRR: firmware keeps DMAing to memory the
	 * VM's domain would not map ("ineligible for IOMMU domain attach"). */
	if (iommu && intel_iommu_dev_has_rmrr(iommu, pd->bdf))
		return -EPERM;
	if (cfg->dma.strategy == DMA_NONE && iommu && !(intel_iommu_ecap(iommu) & ECAP_PT))
		return -ENOTSUP;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->vm = vm;
	d->h = h;
	d->iommu = iommu;
	d->cfg = *cfg;
	d->pdev = *pd;

	rc = reset_function(d);
	if (rc)
		goto fail;
	if (cfg->dma.strategy == DMA_NONE) {
		rc = iommu ? intel_iommu_attach_identity(iommu, pd->bdf) : 0;
	} else if (nests(cfg)) {
		rc = nested_domain(d, iommu);
		if (!rc)
			rc = viommu_add_device(cfg->viommu, pd->bdf, cfg->guest_devfn, d->dom);
		if (!rc)
			rc = intel_iommu_attach_device(d->dom, pd->bdf);
	} else if (shares_domain(cfg) && (d->dom = container_domain(cfg->container, iommu))) {
		/* The container already has a domain on this unit with the VM's RAM mapped. */
		rc = intel_iommu_attach_device(d->dom, pd->bdf);
	} else {
		rc = intel_iommu_domain_alloc(iommu, &d->dom);
		if (!rc)
			rc = map_guest_memory(d);
		if (!rc && shares_domain(cfg))
			rc = container_add(cfg->container, iommu, d->dom);
		if (!rc)
			rc = intel_iommu_attach_device(d->dom, pd->bdf);
	}
	if (rc)
		goto fail;

	/* MSI-X geometry. */
	d->msix_cap = pd->cap_msix;
	if (d->msix_cap) {
		uint16_t ctl = (uint16_t)host_cfg_read(h, pd->bdf, d->msix_cap + PCI_MSIX_FLAGS, 2);
		uint32_t t = host_cfg_read(h, pd->bdf, d->msix_cap + PCI_MSIX_TABLE, 4);
		uint32_t p = host_cfg_read(h, pd->bdf, d->msix_cap + PCI_MSIX_PBA, 4);

		d->nvec = (ctl & PCI_MSIX_FLAGS_QSIZE) + 1;
		d->msix_bar = t & PCI_MSIX_TABLE_BIR;
		d->table_off = t & PCI_MSIX_TABLE_OFFSET;
		d->pba_off = p & PCI_MSIX_TABLE_OFFSET;
		d->vec = calloc(d->nvec, sizeof(*d->vec));
		if (!d->vec) {
			rc = -ENOMEM;
			goto fail;
		}
		for (unsigned i = 0; i < d->nvec; i++) {
			d->vec[i].d = d;
			d->vec[i].idx = i;
			d->vec[i].ctrl = PCI_MSIX_ENTRY_CTRL_MASKBIT;
		}
	}

	/* BARs: the virtual firmware places them in the guest's MMIO window. */
	for (int b = 0; b < 6; b++) {
		const struct hpci_bar *hb = &pd->bar[b];

		if (!hb->size || hb->io)
			continue;
		d->bar[b].size = hb->size < PAGE ? PAGE : hb->size;
		d->bar[b].hpa = hb->base;
		d->bar[b].is64 = hb->is64;
		d->bar[b].flags = (hb->is64 ? PCI_BASE_ADDRESS_MEM_TYPE_64 : 0) |
				  (hb->prefetch ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0);
		rc = vm_alloc_mmio(vm, d->bar[b].size, &d->bar[b].gpa);
		if (!rc)
			rc = bar_map(d, b);
		if (rc)
			goto fail;
		if (hb->is64)
			b++;
	}
	/* Memory decoding on the physical function; bus mastering is the guest's to enable. */
	host_cfg_write(h, pd->bdf, PCI_COMMAND, 2,
		     (host_cfg_read(h, pd->bdf, PCI_COMMAND, 2) | PCI_COMMAND_MEMORY) &
			     ~PCI_COMMAND_MASTER);
	rc = intx_setup(d, pci);
	if (!rc)
		rc = vm_add_vpci(vm, cfg->guest_devfn, &vpci_ops, d);
	if (rc)
		goto fail;
	host_log(h, "vfio: %02x:%02x.%u assigned to %s at 00:%02x.%d (%u MSI-X vectors)",
		 pd->bdf >> 8, (pd->bdf >> 3) & 0x1f, pd->bdf & 7, vm_config(vm)->name,
		 cfg->guest_devfn >> 3, cfg->guest_devfn & 7, d->nvec);
	*out = d;
	return 0;
fail:
	vfio_destroy(d);
	return rc;
}

void vfio_destroy(struct vfio_dev *d)
{
	if (!d)
		return;
	free(d->vec);
	free(d);
}

/* Where an assigned function's counters reach the results (the application places this table
 * at ""). Left out: bar_remaps, resets and vectors_enabled, which only setup changes. */
#define VFIO_ROW(field, kind, key, meaning)                                                        \
	{                                                                                          \
		METRIC(struct vfio_stats, field, kind, key, meaning)                               \
	}
static const struct metric vfio_rows[] = {
    VFIO_ROW(intx_irqs, COUNT, "interrupts.intx.host_irqs",
	     "host interrupts of assigned functions' INTx lines"),
    VFIO_ROW(intx_unmasks, COUNT, "interrupts.intx.unmasks",
	     "INTx lines unmasked after the guest's EOI"),
    VFIO_ROW(intx_masked_ps, TIME, "interrupts.intx.masked_ns",
	     "time the INTx lines stayed masked by the host, in all"),
    VFIO_ROW(irqs, COUNT, "vfio.irqs",
	     "MSI/MSI-X host interrupts forwarded to the VM (eventfd, irqfd)"),
    VFIO_ROW(cfg_reads, COUNT, "vfio.config_reads",
	     "guest config reads of assigned functions, virtualized"),
    VFIO_ROW(cfg_writes, COUNT, "vfio.config_writes",
	     "guest config writes to assigned functions, virtualized"),
    VFIO_ROW(msix_reads, COUNT, "vfio.msix_table_reads", "guest reads of the trapped MSI-X tables"),
    VFIO_ROW(msix_writes, COUNT, "vfio.msix_table_writes",
	     "guest writes to the trapped MSI-X tables"),
    VFIO_ROW(pinned_pages, GAUGE, "vfio.pinned_pages",
	     "guest pages pinned and mapped at assignment (once per VM's container)"),
};
const struct metric_table vfio_metrics = METRIC_TABLE(struct vfio_stats, vfio_rows);

const struct vfio_stats *vfio_stats(const struct vfio_dev *d)
{
	return &d->st;
}

uint16_t vfio_domain_id(const struct vfio_dev *d)
{
	return d->dom ? dmar_domain_id(d->dom) : 0;
}

struct dmar_domain *vfio_domain(const struct vfio_dev *d)
{
	return d->dom;
}

uint16_t vfio_host_bdf(const struct vfio_dev *d)
{
	return d->pdev.bdf;
}

uint64_t vfio_guest_bar(const struct vfio_dev *d, int bar)
{
	return bar >= 0 && bar < 6 ? d->bar[bar].gpa : 0;
}
