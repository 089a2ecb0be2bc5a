/* SPDX-License-Identifier: MIT */
/*
 * The guest-visible IOMMU (viommu.h): an emulated VT-d unit, served by the VMM in user space
 * as QEMU's intel-iommu is (each access costs a user-space exit), and what the hypervisor does
 * with the guest's invalidations -- shadowing its second-level tables into the physical unit
 * (caching mode), or binding its first-level tables in nested mode and forwarding its
 * invalidations. Register semantics follow VT-d 3.x ch. 11; invalidation descriptors §6.5.2.
 *
 * Keys of the shadow: (device index << 52 | gIOVA page number) -> HPA | 1.
 */
#include "models/host/viommu.h"
#include "models/abi/bootparam.h"
#include "models/drivers/intel_iommu/intel_iommu.h"
#include "models/host/host.h"
#include "models/host/hv.h"
#include "models/iommu/vtd_regs.h"
#include "sim/metrics.h"
#include "sim/u64map.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PAGE	      4096ull
#define KEY(dev, pfn) ((uint64_t)(dev) << 52 | (pfn))
#define KEY_DEV(k)    ((unsigned)((k) >> 52))
#define MAX_DEVS      8
#define IRO	      0x500u /* IVA at 0x500, IOTLB at 0x508 (ECAP.IRO) */
#define FRO	      0x400u /* one fault record (CAP.FRO, CAP.NFR) */

struct vdev {
	uint16_t bdf;
	uint8_t devfn;
	struct dmar_domain *dom;
	/* the guest's context entry, as last read */
	bool present, identity;
	unsigned tt, levels;
	uint16_t did;
	uint64_t root;
	/* nested: the first-level table bound on the physical unit (0: none) */
	uint64_t fl_root;
};

struct viommu {
	struct vm *vm;
	struct host *h;
	struct viommu_cfg cfg;
	uint8_t regs[DMAR_REG_SIZE];
	uint64_t rta; /* the root table latched by SRTP */
	struct vdev dev[MAX_DEVS];
	unsigned ndevs;
	struct u64map shadow;
	struct viommu_stats st;
};

/* ---- registers ---- */

static uint64_t reg_get(const struct viommu *vi, uint32_t off, unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size && off + i < DMAR_REG_SIZE; i++)
		v |= (uint64_t)vi->regs[off + i] << (8 * i);
	return v;
}

static void reg_set(struct viommu *vi, uint32_t off, unsigned size, uint64_t v)
{
	for (unsigned i = 0; i < size && off + i < DMAR_REG_SIZE; i++)
		vi->regs[off + i] = (uint8_t)(v >> (8 * i));
}

/* ---- guest memory, as the VMM reads and writes it ---- */

static bool g_read64(struct viommu *vi, uint64_t gpa, uint64_t *v)
{
	uint64_t hpa;

	if (!vm_gpa_to_hpa(vi->vm, gpa, &hpa))
		return false;
	*v = host_mem_read64(vi->h, hpa);
	return true;
}

static void g_write32(struct viommu *vi, uint64_t gpa, uint32_t v)
{
	uint64_t hpa;

	if (vm_gpa_to_hpa(vi->vm, gpa, &hpa))
		host_mem_write32(vi->h, hpa, v);
}

/* ---- shadow: the guest's second level into the physical unit ---- */

static void shadow_count(struct viommu *vi, int delta)
{
	vi->st.shadow_pages += (uint64_t)(int64_t)delta;
	if (vi->st.shadow_pages > vi->st.shadow_pages_peak)
		vi->st.shadow_pages_peak = vi->st.shadow_pages;
}

/* One gIOVA page: make the physical unit translate it as the guest's tables say (found: to
 * the guest page gpa with rights prot), pinning what it maps (VFIO's map ioctl). */
static void shadow_page(struct viommu *vi, unsigned di, uint64_t iova, bool found, uint64_t gpa,
			unsigned prot)
{
	struct vdev *d = &vi->dev[di];
	const struct hv_costs *c = hv_costs(vm_hv(vi->vm));
	uint64_t key = KEY(di, iova / PAGE), have = 0, hpa = 0;
	bool had = u64map_get(&vi->shadow, key, &have);

	if (found && !vm_gpa_to_hpa(vi->vm, gpa, &hpa)) {
		vi->st.shadow_bad++; /* not the VM's RAM: never shadowed */
		found = false;
	}
	if (found && had && have == (hpa | 1))
		return;
	if (had) {
		host_cpu_work(vi->h, c->unpin_page);
		intel_iommu_unmap(d->dom, iova, PAGE, true);
		u64map_del(&vi->shadow, key);
		vi->st.shadow_removals++;
		shadow_count(vi, -1);
	}
	if (found && prot) {
		host_cpu_work(vi->h, c->pin_page);
		if (intel_iommu_map(d->dom, iova, hpa, PAGE, prot) == 0) {
			u64map_put(&vi->shadow, key, hpa | 1);
			vi->st.shadow_installs++;
			shadow_count(vi, +1);
		}
	}
}

/* The guest's second-level walk of one gIOVA (VT-d §3.6, 4 KiB granules): its leaf. */
static bool shadow_walk(struct viommu *vi, const struct vdev *d, uint64_t iova, uint64_t *gpa,
			unsigned *prot)
{
	uint64_t table = d->root;

	vi->st.shadow_walks++;
	for (unsigned lvl = d->levels; lvl >= 1; lvl--) {
		struct vtd_sl_pte pte;

		vi->st.shadow_walk_reads++;
		if (!g_read64(vi, table + vtd_level_index(iova, lvl) * VTD_PTE_SIZE, &pte.val) ||
		    !vtd_slpte_present(&pte))
			return false;
		if (lvl == 1 || vtd_slpte_ps(&pte)) {
			uint64_t span = 1ull << vtd_level_shift(lvl);

			*gpa = vtd_slpte_addr(&pte) + ((iova & (span - 1)) & ~(PAGE - 1));
			*prot = ((pte.val & VTD_SL_R) ? IOMMU_READ : 0) |
				((pte.val & VTD_SL_W) ? IOMMU_WRITE : 0);
			return true;
		}
		table = vtd_slpte_addr(&pte);
	}
	return false;
}

/* A page-selective invalidation: 2^am pages from addr, walked one by one. */
static void shadow_range(struct viommu *vi, unsigned di, uint64_t addr, unsigned am)
{
	const struct vdev *d = &vi->dev[di];

	for (uint64_t i = 0; i < (1ull << am); i++) {
		uint64_t iova = (addr & ~((PAGE << am) - 1)) + i * PAGE, gpa = 0;
		unsigned prot = 0;
		bool found = d->present && d->tt != VTD_TT_PASSTHROUGH && d->root &&
			     shadow_walk(vi, d, iova, &gpa, &prot);

		shadow_page(vi, di, iova, found, gpa, prot);
	}
}

/* Every present leaf below `table` (level lvl, covering from base), shadowed; seen marks it. */
static void shadow_tree(struct viommu *vi, unsigned di, uint64_t table, unsigned lvl, uint64_t base,
			struct u64map *seen)
{
	for (unsigned i = 0; i < 512; i++) {
		struct vtd_sl_pte pte;
		uint64_t va = base + ((uint64_t)i << vtd_level_shift(lvl));

		vi->st.shadow_walk_reads++;
		if (!g_read64(vi, table + i * VTD_PTE_SIZE, &pte.val) || !vtd_slpte_present(&pte))
			continue;
		if (lvl > 1 && !vtd_slpte_ps(&pte)) {
			shadow_tree(vi, di, vtd_slpte_addr(&pte), lvl - 1, va, seen);
			continue;
		}
		unsigned prot = ((pte.val & VTD_SL_R) ? IOMMU_READ : 0) |
				((pte.val & VTD_SL_W) ? IOMMU_WRITE : 0);

		for (uint64_t o = 0; o < (1ull << vtd_level_shift(lvl)); o += PAGE) {
			vi->st.shadow_walks++;
			shadow_page(vi, di, va + o, true, vtd_slpte_addr(&pte) + o, prot);
			u64map_put(seen, KEY(di, (va + o) / PAGE), 1);
		}
	}
}

/* Resynchronise a device's whole shadow with the guest's tables (QEMU's
 * vtd_sync_shadow_page_table on a domain or global invalidation). */
static void shadow_sync(struct viommu *vi, unsigned di)
{
	struct vdev *d = &vi->dev[di];
	struct u64map seen;
	uint64_t *gone = NULL, key, val;
	size_t ngone = 0, it = 0;
	bool identity = d->present && d->tt == VTD_TT_PASSTHROUGH;
	uint64_t gpa[4], hpa[4], size[4];
	unsigned n = vm_ram_ranges(vi->vm, gpa, hpa, size, 4);

	vi->st.shadow_syncs++;
	/* Pass-through context: the device's DMA addresses are guest-physical; shadow all RAM. */
	if (identity != d->identity) {
		for (unsigned i = 0; i < n; i++) {
			if (identity)
				intel_iommu_map(d->dom, gpa[i], hpa[i], size[i],
						IOMMU_READ | IOMMU_WRITE);
			else
				intel_iommu_unmap(d->dom, gpa[i], size[i], true);
		}
		d->identity = identity;
	}
	u64map_init(&seen);
	if (d->present && !identity && d->root)
		shadow_tree(vi, di, d->root, d->levels, 0, &seen);
	while (u64map_next(&vi->shadow, &it, &key, &val)) {
		uint64_t *g;

		if (KEY_DEV(key) != di || u64map_get(&seen, key, NULL))
			continue;
		g = realloc(gone, (ngone + 1) * sizeof(*g));
		if (!g)
			break;
		gone = g;
		gone[ngone++] = key;
	}
	for (size_t i = 0; i < ngone; i++)
		shadow_page(vi, di, (gone[i] & ((1ull << 52) - 1)) * PAGE, false, 0, 0);
	free(gone);
	u64map_free(&seen);
}

/* ---- the guest's context entries ---- */

/* Legacy mode (VT-d §9.1-9.3): root entry of bus 0, the device's context entry. */
static void read_context(struct viommu *vi, struct vdev *d)
{
	struct vtd_root_entry re = {{0}};
	struct vtd_context_entry ce = {{0}};

	d->present = false;
	if (!vi->rta || !g_read64(vi, vi->rta, &re.val[0]) || !vtd_root_present(&re))
		return;
	if (!g_read64(vi, vtd_root_ctp(&re) + d->devfn * VTD_CTX_ENTRY_SIZE, &ce.val[0]) ||
	    !g_read64(vi, vtd_root_ctp(&re) + d->devfn * VTD_CTX_ENTRY_SIZE + 8, &ce.val[1]) ||
	    !vtd_ce_present(&ce))
		return;
	d->present = true;
	d->tt = vtd_ce_tt(&ce);
	d->root = vtd_ce_slptptr(&ce);
	d->levels = vtd_ce_aw(&ce) + 2;
	d->did = vtd_ce_did(&ce);
}

/* Scalable mode (§9.4-9.6): RID_PASID's PASID-table entry; PGTT first-level binds the guest's
 * table in nested mode on the physical unit, anything else puts back second-level only. */
static void bind_pasid(struct viommu *vi, struct vdev *d)
{
	struct vtd_root_entry re = {{0}};
	struct vtd_sm_context_entry ce = {{0}};
	struct vtd_pasid_dir_entry pde = {0};
	struct vtd_pasid_entry pe = {{0}};
	uint64_t ctx, fl = 0;
	unsigned half = vtd_smroot_half(d->devfn), levels = 4;

	if (vi->rta && g_read64(vi, vi->rta + 8 * half, &re.val[half]) &&
	    vtd_smroot_present(&re, half)) {
		ctx = vtd_smroot_ctp(&re, half) + (d->devfn & 0x7f) * VTD_SMCTX_SIZE;
		if (g_read64(vi, ctx, &ce.val[0]) && vtd_smce_present(&ce) &&
		    g_read64(vi, vtd_smce_pasid_dir(&ce), &pde.val) && vtd_pde_present(&pde) &&
		    g_read64(vi, vtd_pde_table(&pde), &pe.val[0]) &&
		    g_read64(vi, vtd_pde_table(&pde) + 8, &pe.val[1]) &&
		    g_read64(vi, vtd_pde_table(&pde) + 16, &pe.val[2]) && vtd_pe_present(&pe) &&
		    vtd_pe_pgtt(&pe) == VTD_PGTT_FL) {
			fl = vtd_pe_flptptr(&pe);
			levels = vtd_pe_flpm(&pe) ? 5 : 4;
			d->did = vtd_pe_did(&pe);
		}
	}
	if (fl == d->fl_root)
		return;
	if (fl && intel_pasid_setup_nested(d->dom, d->bdf, 0, fl, levels) == 0) {
		d->fl_root = fl;
		vi->st.nested_binds++;
		/* What the unit cached of RID_PASID's second-level-only translation goes. */
		intel_iommu_flush_domain(d->dom, NULL);
	} else if (!fl) {
		intel_iommu_attach_device(d->dom, d->bdf); /* back to the VM's second level */
		d->fl_root = 0;
	}
}

/* A context-cache invalidation (or a new root table): what each device's entry says now. */
static void contexts_changed(struct viommu *vi)
{
	for (unsigned i = 0; i < vi->ndevs; i++) {
		struct vdev *d = &vi->dev[i], old = *d;

		if (vi->cfg.mode == VIOMMU_NESTED)
			continue; /* the PASID-cache invalidation that follows binds */
		read_context(vi, d);
		if (d->present != old.present || d->tt != old.tt || d->root != old.root ||
		    d->levels != old.levels)
			shadow_sync(vi, i);
	}
}

/* ---- invalidations ---- */

static void guest_iotlb_inv(struct viommu *vi, unsigned gran, uint16_t did, uint64_t addr,
			    unsigned am)
{
	for (unsigned i = 0; i < vi->ndevs; i++) {
		struct vdev *d = &vi->dev[i];

		if (gran != QI_GRAN_GLOBAL && d->did != did)
			continue;
		if (vi->cfg.mode == VIOMMU_NESTED) {
			/* What the guest invalidates, the physical unit invalidates for the VM. */
			vi->st.forwarded++;
			qi_flush_piotlb(d->dom, 0, addr, am, gran != QI_GRAN_DEVICE);
		} else if (gran == QI_GRAN_DEVICE) {
			shadow_range(vi, i, addr, am);
		} else {
			shadow_sync(vi, i);
		}
	}
}

static void pc_inv(struct viommu *vi)
{
	for (unsigned i = 0; i < vi->ndevs; i++)
		if (vi->cfg.mode == VIOMMU_NESTED)
			bind_pasid(vi, &vi->dev[i]);
}

static void run_desc(struct viommu *vi, const struct vtd_inv_desc *desc)
{
	host_cpu_work(vi->h, hv_costs(vm_hv(vi->vm))->viommu_desc);
	vi->st.descs++;
	switch (vtd_inv_type(desc)) {
	case QI_CC_TYPE:
		vi->st.cc_descs++;
		contexts_changed(vi);
		break;
	case QI_IOTLB_TYPE:
		vi->st.iotlb_descs++;
		guest_iotlb_inv(vi, vtd_inv_gran(desc), vtd_inv_did(desc), vtd_inv_addr(desc),
				vtd_inv_am(desc));
		break;
	case QI_PC_TYPE:
		vi->st.pc_descs++;
		pc_inv(vi);
		break;
	case QI_PIOTLB_TYPE:
		vi->st.piotlb_descs++;
		guest_iotlb_inv(
		    vi, vtd_inv_gran(desc) == QI_GRAN_PSI_PASID ? QI_GRAN_DEVICE : QI_GRAN_DOMAIN,
		    vtd_inv_did(desc), vtd_inv_addr(desc), vtd_inv_am(desc));
		break;
	case QI_IWD_TYPE:
		vi->st.wait_descs++;
		/* Everything before it is done: the status write completes the guest's wait. */
		if (vtd_inv_wait_sw(desc))
			g_write32(vi, vtd_inv_wait_addr(desc), vtd_inv_wait_data(desc));
		if (vtd_inv_wait_if(desc))
			reg_set(vi, DMAR_ICS_REG, 4, DMA_ICS_IWC);
		break;
	default:
		vi->st.other_descs++; /* interrupt entries, device TLBs: nothing to do */
		break;
	}
}

/* The guest moved the tail (§6.5.2): fetch and carry out every descriptor up to it. */
static void run_queue(struct viommu *vi)
{
	uint64_t iqa = reg_get(vi, DMAR_IQA_REG, 8), t0 = host_now(vi->h);
	unsigned dsz = (iqa & DMA_IQA_DW) ? 32 : 16;
	uint64_t qsize = PAGE << DMA_IQA_QS(iqa), base = iqa & DMA_IQA_BASE;
	uint64_t head = DMA_IQ_OFFSET(reg_get(vi, DMAR_IQH_REG, 8));
	uint64_t tail = DMA_IQ_OFFSET(reg_get(vi, DMAR_IQT_REG, 8));

	vi->st.iq_tail_writes++;
	if (!(reg_get(vi, DMAR_GSTS_REG, 4) & DMA_GSTS_QIES) || tail >= qsize)
		return;
	while (head != tail) {
		struct vtd_inv_desc desc = {{0}};

		if (!g_read64(vi, base + head, &desc.val[0]) ||
		    !g_read64(vi, base + head + 8, &desc.val[1]))
			break;
		run_desc(vi, &desc);
		head = (head + dsz) % qsize;
	}
	reg_set(vi, DMAR_IQH_REG, 8, VTD_IQ_OFFSET(head));
	vi->st.hv_ps += host_now(vi->h) - t0;
}

/* GCMD (§11.4.4): persistent enables mirror into GSTS; one-shot commands complete at once. */
static void gcmd_write(struct viommu *vi, uint32_t cmd)
{
	uint32_t sts = reg_get(vi, DMAR_GSTS_REG, 4);
	const uint32_t mirror[][2] = {{DMA_GCMD_TE, DMA_GSTS_TES},
				      {DMA_GCMD_QIE, DMA_GSTS_QIES},
				      {DMA_GCMD_IRE, DMA_GSTS_IRES}};

	for (unsigned i = 0; i < 3; i++) {
		if ((cmd & mirror[i][0]) && !(sts & mirror[i][1]) && mirror[i][0] == DMA_GCMD_QIE)
			reg_set(vi, DMAR_IQH_REG, 8, 0);
		sts = (cmd & mirror[i][0]) ? sts | mirror[i][1] : sts & ~mirror[i][1];
	}
	if (cmd & DMA_GCMD_SRTP) {
		vi->rta = reg_get(vi, DMAR_RTADDR_REG, 8) & DMA_RTADDR_RTA_MASK;
		sts |= DMA_GSTS_RTPS;
		contexts_changed(vi);
	}
	if (cmd & DMA_GCMD_SIRTP)
		sts |= DMA_GSTS_IRTPS;
	reg_set(vi, DMAR_GSTS_REG, 4, sts);
}

static uint64_t viommu_read(void *ctx, uint64_t off, unsigned size)
{
	struct viommu *vi = ctx;

	vi->st.reg_reads++;
	return reg_get(vi, (uint32_t)off, size);
}

static void viommu_write(void *ctx, uint64_t off, unsigned size, uint64_t val)
{
	struct viommu *vi = ctx;
	uint32_t o = (uint32_t)off;

	vi->st.reg_writes++;
	switch (o) {
	case DMAR_VER_REG:
	case DMAR_CAP_REG:
	case DMAR_ECAP_REG:
	case DMAR_GSTS_REG:
	case DMAR_IQH_REG:
		return; /* read-only */
	case DMAR_GCMD_REG:
		gcmd_write(vi, (uint32_t)val);
		return;
	case DMAR_FSTS_REG:
	case DMAR_ICS_REG:
		reg_set(vi, o, 4, reg_get(vi, o, 4) & ~(uint32_t)val); /* RW1C */
		return;
	case DMAR_CCMD_REG:
		/* Register-based context invalidation completes at once (ICC clear). */
		if (size == 8 && (val & DMA_CCMD_ICC))
			contexts_changed(vi);
		reg_set(vi, o, size, val & ~DMA_CCMD_ICC);
		return;
	case IRO + 8:
		if (size == 8 && (val & DMA_TLB_IVT))
			guest_iotlb_inv(vi, (unsigned)DMA_TLB_IIRG(val), (uint16_t)DMA_TLB_DID(val),
					reg_get(vi, IRO, 8) & DMA_IVA_ADDR,
					(unsigned)DMA_IVA_AM(reg_get(vi, IRO, 8)));
		reg_set(vi, o, size, val & ~DMA_TLB_IVT);
		return;
	case DMAR_IQT_REG:
		reg_set(vi, o, size, val);
		run_queue(vi);
		return;
	default:
		reg_set(vi, o, size, val);
		return;
	}
}

/* Served by the VMM in user space, as QEMU's intel-iommu is. */
static const struct hv_trap_ops viommu_ops = {viommu_read, viommu_write, true};

/* ---- the virtual firmware: RSDP -> XSDT -> DMAR with one DRHD (ACPI 6.x §5.2; VT-d §8) ---- */

static uint8_t checksum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	for (size_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	return (uint8_t)-s;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void acpi_header(uint8_t *p, const char sig[4], uint32_t len, uint8_t rev)
{
	memcpy(p, sig, 4);
	put_le(p + 4, len, 4);
	p[8] = rev;
	memcpy(p + 10, "PTSIM ", 6);
	memcpy(p + 16, "PTSIMVM ", 8);
	put_le(p + 24, 1, 4);
	memcpy(p + 28, "PTSM", 4);
	put_le(p + 32, 1, 4);
}

static void write_bytes(struct viommu *vi, uint64_t gpa, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i += 4) {
		uint32_t w = 0;

		for (unsigned k = 0; k < 4 && i + k < len; k++)
			w |= (uint32_t)p[i + k] << (8 * k);
		g_write32(vi, gpa + i, w);
	}
}

static void write_acpi(struct viommu *vi)
{
	const uint64_t rsdp = GUEST_ACPI_BASE, xsdt = rsdp + 0x40, dmar = rsdp + 0x100;
	uint8_t r[36] = {0}, x[44] = {0}, t[ACPI_DMAR_HDR_SIZE + 16] = {0};
	uint8_t *drhd = t + ACPI_DMAR_HDR_SIZE;

	acpi_header(t, ACPI_DMAR_SIG, sizeof(t), 1);
	t[36] = 48 - 1; /* host address width - 1 */
	t[37] = 0;	/* no interrupt remapping offered */
	put_le(drhd, ACPI_DMAR_TYPE_DRHD, 2);
	put_le(drhd + 2, 16, 2);
	drhd[4] = ACPI_DRHD_INCLUDE_PCI_ALL;
	put_le(drhd + 8, GUEST_VIOMMU_BASE, 8);
	t[9] = checksum(t, sizeof(t));
	acpi_header(x, "XSDT", sizeof(x), 1);
	put_le(x + 36, dmar, 8);
	x[9] = checksum(x, sizeof(x));
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "PTSIM ", 6);
	r[15] = 2;
	put_le(r + 20, sizeof(r), 4);
	put_le(r + 24, xsdt, 8);
	r[8] = checksum(r, 20);
	r[32] = checksum(r, sizeof(r));
	write_bytes(vi, rsdp, r, sizeof(r));
	write_bytes(vi, xsdt, x, sizeof(x));
	write_bytes(vi, dmar, t, sizeof(t));
	vm_bootparam_write(vi->vm, BOOTPARAM_WORD(acpi_rsdp), rsdp);
}

/* ---- life ---- */

int viommu_create(struct vm *vm, const struct viommu_cfg *cfg, struct viommu **out)
{
	struct viommu *vi;
	uint64_t cap, ecap;
	int rc;

	if (cfg->mode == VIOMMU_NONE)
		return -EINVAL;
	vi = calloc(1, sizeof(*vi));
	if (!vi)
		return -ENOMEM;
	vi->vm = vm;
	vi->h = hv_host(vm_hv(vm));
	vi->cfg = *cfg;
	u64map_init(&vi->shadow);
	/* 4-level tables, 256 domains, PSI up to 512 pages, one fault record, 4 KiB pages only. */
	cap = VTD_CAP_ND(2) | VTD_CAP_SAGAW_48bit | VTD_CAP_MGAW(48) | VTD_CAP_FRO(FRO) |
	      VTD_CAP_NFR(1) | CAP_PSI | VTD_CAP_MAMV(9);
	ecap = ECAP_QI | ECAP_PT | VTD_ECAP_IRO(IRO);
	if (cfg->mode == VIOMMU_SHADOW)
		cap |= CAP_CM; /* VT-d §6.1: software invalidates not-present entries too */
	else
		ecap |= ECAP_SMTS | ECAP_FLTS | ECAP_PASID | VTD_ECAP_PSS(19);
	reg_set(vi, DMAR_VER_REG, 4, 0x10);
	reg_set(vi, DMAR_CAP_REG, 8, cap);
	reg_set(vi, DMAR_ECAP_REG, 8, ecap);
	reg_set(vi, DMAR_FECTL_REG, 4, DMA_FECTL_IM);
	rc = vm_add_trap(vm, GUEST_VIOMMU_BASE, DMAR_REG_SIZE, &viommu_ops, vi);
	if (rc) {
		viommu_destroy(vi);
		return rc;
	}
	write_acpi(vi);
	*out = vi;
	return 0;
}

void viommu_destroy(struct viommu *vi)
{
	if (!vi)
		return;
	u64map_free(&vi->shadow);
	free(vi);
}

enum viommu_mode viommu_mode(const struct viommu *vi)
{
	return vi->cfg.mode;
}

int viommu_add_device(struct viommu *vi, uint16_t bdf, uint8_t guest_devfn, struct dmar_domain *dom)
{
	const struct intel_iommu *pu = dmar_domain_iommu(dom);

	if (vi->ndevs == MAX_DEVS)
		return -ENOSPC;
	/* Nested translation needs a physical unit in scalable mode that nests (VT-d §3.8). */
	if (vi->cfg.mode == VIOMMU_NESTED &&
	    (!intel_iommu_scalable(pu) || !(intel_iommu_ecap(pu) & ECAP_NEST)))
		return -ENOTSUP;
	vi->dev[vi->ndevs++] = (struct vdev){.bdf = bdf, .devfn = guest_devfn, .dom = dom};
	return 0;
}

const struct viommu_stats *viommu_stats(const struct viommu *vi)
{
	return &vi->st;
}

/* Every row also goes under the VM's prefix (vms.<name>.viommu.*) when there are several. */
#define VI_ROW(field, kind, key, meaning)                                                          \
	{                                                                                          \
		METRIC(struct viommu_stats, field, kind, key, meaning), .each = (key)              \
	}
static const struct metric viommu_rows[] = {
    VI_ROW(reg_reads, COUNT, "viommu.reg_reads", "vIOMMU register reads the VMM trapped"),
    VI_ROW(reg_writes, COUNT, "viommu.reg_writes",
	   "vIOMMU register writes the VMM trapped (invalidation-queue tail writes among them)"),
    VI_ROW(iq_tail_writes, COUNT, "viommu.iq_tail_writes",
	   "invalidation-queue tail writes: the guest submitting invalidations"),
    VI_ROW(descs, COUNT, "viommu.descriptors", "invalidation descriptors the VMM carried out"),
    VI_ROW(cc_descs, COUNT, "viommu.descriptors_by_kind.context", "context-cache"),
    VI_ROW(iotlb_descs, COUNT, "viommu.descriptors_by_kind.iotlb", "IOTLB"),
    VI_ROW(pc_descs, COUNT, "viommu.descriptors_by_kind.pasid_cache", "PASID-cache"),
    VI_ROW(piotlb_descs, COUNT, "viommu.descriptors_by_kind.piotlb", "PASID-based IOTLB"),
    VI_ROW(wait_descs, COUNT, "viommu.descriptors_by_kind.wait", "invalidation wait"),
    VI_ROW(other_descs, COUNT, "viommu.descriptors_by_kind.other",
	   "interrupt-entry and device-TLB (nothing to do)"),
    VI_ROW(shadow_walks, COUNT, "viommu.shadow.walks",
	   "shadow: gIOVA pages looked up in the guest's tables"),
    VI_ROW(shadow_walk_reads, COUNT, "viommu.shadow.walk_reads",
	   "shadow: guest paging entries the VMM read"),
    VI_ROW(shadow_syncs, COUNT, "viommu.shadow.syncs",
	   "shadow: whole-table resynchronisations (context, domain or global invalidations)"),
    VI_ROW(shadow_installs, COUNT, "viommu.shadow.installs",
	   "shadow: gIOVA->HPA pages installed in the physical unit"),
    VI_ROW(shadow_removals, COUNT, "viommu.shadow.removals",
	   "shadow: pages removed from the physical unit (with its IOTLB invalidated)"),
    VI_ROW(shadow_bad, COUNT, "viommu.shadow.refused",
	   "shadow: guest mappings to addresses that are not the VM's RAM (not shadowed)"),
    VI_ROW(shadow_pages_peak, GAUGE, "viommu.shadow.pages_peak",
	   "shadow: pages installed at the peak (pinned for DMA)"),
    VI_ROW(forwarded, COUNT, "viommu.forwarded_invalidations",
	   "nested: guest IOTLB invalidations forwarded to the physical unit"),
    VI_ROW(nested_binds, COUNT, "viommu.nested_binds",
	   "nested: guest first-level tables bound in the physical unit's PASID entries"),
    VI_ROW(hv_ps, TIME, "viommu.hv_ns", "VMM time carrying out the guest's invalidations"),
};
const struct metric_table viommu_metrics = METRIC_TABLE(struct viommu_stats, viommu_rows);
