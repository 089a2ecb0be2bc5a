/* SPDX-License-Identifier: MIT */
/*
 * Topology, config routing and address decoding, all from what is programmed in config space:
 * a type 1 bridge forwards config requests for buses [secondary, subordinate] and memory
 * requests inside its base/limit windows while its Memory Space Enable is set (PCI-to-PCI
 * Bridge 1.2 §3.2.5, §3.2.2); a function claims memory requests in its BARs only while Memory
 * Space is enabled (PCI 3.0 §6.2.2); a downstream port passes type 0 config requests to device
 * 0 only, unless ARI Forwarding is enabled (PCIe 5.0 §7.3.1, §6.13); an SR-IOV PF's VFs answer
 * at PF RID + First VF Offset + (n-1) * VF Stride once VF Enable is set (SR-IOV 1.1 §2.1.2),
 * in the VF BAR ranges of the PF while VF MSE is set (§3.3.14).
 */
#include "models/pcie/pcie_internal.h"
#include "sim/metrics.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pcie_fabric_create(const struct pcie_fabric_cfg *cfg, struct mem *mem,
		       struct pcie_fabric **out)
{
	struct pcie_fabric *f;

	if (!cfg->ecam_buses || cfg->ecam_buses > 256)
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->cfg = *cfg;
	f->mem = mem;
	*out = f;
	return 0;
}

void pcie_fabric_destroy(struct pcie_fabric *fab)
{
	if (!fab)
		return;
	for (size_t i = 0; i < fab->nfns; i++) {
		struct pcie_fn *fn = fab->fns[i];

		regs_free(&fn->cfg);
		pcie__atc_free(fn->atc);
		free(fn->children);
		free(fn->kids);
		free(fn->link);
		free(fn->vfs);
		free(fn);
	}
	free(fab->fns);
	free(fab->ranges);
	free(fab);
}

const struct pcie_fabric_cfg *pcie_fabric_config(const struct pcie_fabric *fab)
{
	return &fab->cfg;
}

void pcie_fabric_set_hooks(struct pcie_fabric *fab, const struct pcie_rc_hooks *hooks)
{
	fab->hooks = *hooks;
}

void pcie_setup_iommu(struct pcie_fabric *fab,
		      void (*find)(void *opaque, const struct pcie_fn *fn, struct pcie_iommu *out),
		      void *opaque)
{
	fab->iommu_find = find;
	fab->iommu_opaque = opaque;
	for (size_t i = 0; i < fab->nfns; i++)
		fab->fns[i]->iommu_resolved = false;
}

void pcie_fn_set_owner(struct pcie_fn *fn, unsigned owner)
{
	fn->owner = owner;
}

static bool type_is_bridge(enum pcie_fn_type t)
{
	return t == PCIE_FN_ROOT_PORT || t == PCIE_FN_SWITCH_UP || t == PCIE_FN_SWITCH_DOWN ||
	       t == PCIE_FN_PCI_BRIDGE;
}

bool pcie_fn_is_bridge(const struct pcie_fn *fn)
{
	return type_is_bridge(fn->type);
}

bool pcie_fn_is_conventional(const struct pcie_fn *fn)
{
	return fn->conventional;
}

int pcie_fn_create(struct pcie_fabric *fab, const char *name, enum pcie_fn_type type,
		   struct pcie_fn **out)
{
	struct pcie_fn *fn;
	bool bridge = type_is_bridge(type);
	int rc;

	if (pcie_fabric_find(fab, name))
		return -EEXIST;
	fn = calloc(1, sizeof(*fn));
	if (!fn)
		return -ENOMEM;
	rc = regs_init(&fn->cfg, PCI_CFG_SPACE_EXP_SIZE);
	if (rc) {
		free(fn);
		return rc;
	}
	snprintf(fn->name, sizeof(fn->name), "%s", name);
	fn->type = type;
	fn->fab = fab;
	fn->cap_next_std = 0x40;
	pcie__cfg_init_header(fn, bridge);
	if (bridge) {
		fn->children = calloc(PCIE_MAX_CHILDREN, sizeof(*fn->children));
		fn->kids = calloc(PCIE_MAX_CHILDREN, sizeof(*fn->kids));
		if (!fn->children || !fn->kids)
			goto nomem;
	}
	if (fab->nfns == fab->cap_fns) {
		size_t nc = fab->cap_fns ? fab->cap_fns * 2 : 16;
		struct pcie_fn **n = realloc(fab->fns, nc * sizeof(*n));

		if (!n)
			goto nomem;
		fab->fns = n;
		fab->cap_fns = nc;
	}
	fab->fns[fab->nfns++] = fn;
	*out = fn;
	return 0;
nomem:
	regs_free(&fn->cfg);
	free(fn->children);
	free(fn->kids);
	free(fn);
	return -ENOMEM;
}

static bool port_has_link(const struct pcie_fn *p)
{
	return p->type == PCIE_FN_ROOT_PORT || p->type == PCIE_FN_SWITCH_DOWN;
}

/* Links (and PCI buses) between a function below p and the root complex. */
static unsigned links_above(const struct pcie_fn *p)
{
	unsigned n = 0;

	for (; p; p = p->parent)
		if (p->link || port_has_link(p) || p->type == PCIE_FN_PCI_BRIDGE)
			n++;
	return n;
}

/* The most links a function below fn (already attached to it) has between it and fn. */
static unsigned links_within(const struct pcie_fn *fn)
{
	unsigned most = 0;

	if (!fn->children)
		return 0;
	for (size_t i = 0; i < fn->nchildren; i++) {
		unsigned n = links_within(fn->kids[i]);

		if (n > most)
			most = n;
	}
	return most + (fn->link || port_has_link(fn) || fn->type == PCIE_FN_PCI_BRIDGE);
}

int pcie_fn_attach(struct pcie_fn *fn, struct pcie_fn *parent, uint8_t devfn,
		   const struct pcie_link_cfg *link)
{
	struct pcie_fn **slot, **kids;
	size_t *nkids;
	int rc;

	if (fn->attached || fn->pf)
		return -EBUSY;
	if (parent && !parent->children)
		return -EINVAL;
	if (links_above(parent) + links_within(fn) > PCIE_MAX_HOPS)
		return -E2BIG; /* a DMA path is at most PCIE_MAX_HOPS links long */
	slot = parent ? &parent->children[devfn] : &fn->fab->root[devfn];
	if (*slot)
		return -EEXIST;
	if (!parent) {
		if (link)
			return -EINVAL;
	} else if (port_has_link(parent)) {
		/* Below a port: one link joins the port and the device's functions. */
		if (!parent->link) {
			if (!link)
				return -EINVAL;
			rc = pcie__link_create(link, &parent->link);
			if (rc)
				return rc;
			pcie__cfg_set_link(parent, link, (uint8_t)(parent->devfn >> 3));
		}
		pcie__cfg_set_link(fn, &parent->link->cfg, 0);
	} else if (parent->type == PCIE_FN_SWITCH_UP) {
		/* A switch's internal bus holds its downstream ports, no link between them. */
		if (link || fn->type != PCIE_FN_SWITCH_DOWN)
			return -EINVAL;
	} else if (link) {
		return -EINVAL; /* a conventional PCI bus */
	}
	*slot = fn;
	fn->parent = parent;
	fn->devfn = devfn;
	fn->attached = true;
	kids = parent ? parent->kids : fn->fab->rootkids;
	nkids = parent ? &parent->nchildren : &fn->fab->nroot;
	kids[(*nkids)++] = fn;
	for (unsigned n = 0; n < fn->total_vfs; n++)
		fn->vfs[n]->parent = parent;
	/* Multi-function: function 0 advertises it once a sibling exists (PCI 3.0 §6.2.1). */
	if (PCI_FUNC(devfn)) {
		struct pcie_fn *f0 = parent ? parent->children[devfn & ~7u]
					    : fn->fab->root[devfn & ~7u];

		if (f0) {
			regs_set_bits(&f0->cfg, PCI_HEADER_TYPE, 1, PCI_HEADER_TYPE_MFD);
			f0->cfg.reset[PCI_HEADER_TYPE] |= PCI_HEADER_TYPE_MFD;
		}
		regs_set_bits(&fn->cfg, PCI_HEADER_TYPE, 1, PCI_HEADER_TYPE_MFD);
		fn->cfg.reset[PCI_HEADER_TYPE] |= PCI_HEADER_TYPE_MFD;
	} else {
		for (unsigned f = 1; f < 8; f++)
			if ((parent ? parent->children : fn->fab->root)[devfn | f]) {
				regs_set_bits(&fn->cfg, PCI_HEADER_TYPE, 1, PCI_HEADER_TYPE_MFD);
				fn->cfg.reset[PCI_HEADER_TYPE] |= PCI_HEADER_TYPE_MFD;
			}
	}
	if (fn->sriov)
		regs_define(&fn->cfg, fn->sriov + PCI_SRIOV_FUNC_LINK, 1, PCI_FUNC(devfn), 0, 0, 0);
	pcie__cfg_update_ari_chain(kids, *nkids);
	return 0;
}

void pcie_fn_set_ops(struct pcie_fn *fn, const struct pcie_fn_ops *ops, void *ctx)
{
	fn->ops = ops;
	fn->ctx = ctx;
}

void pcie_fn_set_fwd_latency(struct pcie_fn *fn, uint64_t ps)
{
	fn->fwd_ps = ps;
}

int pcie_fn_set_pci_bus(struct pcie_fn *bridge, unsigned mhz, unsigned bits, uint64_t latency_ps)
{
	if (bridge->type != PCIE_FN_PCI_BRIDGE || bridge->link)
		return -EINVAL;
	return pcie__link_create_pci(mhz, bits, latency_ps, &bridge->link);
}

void pcie_fn_set_conventional(struct pcie_fn *fn)
{
	fn->conventional = true;
}

/* ---- inspection ---- */

const char *pcie_fn_name(const struct pcie_fn *fn)
{
	return fn->name;
}

enum pcie_fn_type pcie_fn_type(const struct pcie_fn *fn)
{
	return fn->type;
}

struct pcie_fabric *pcie_fn_fabric(const struct pcie_fn *fn)
{
	return fn->fab;
}

static uint16_t vf_rid(const struct pcie_fn *vf)
{
	const struct pcie_fn *pf = vf->pf;
	uint16_t off = (uint16_t)regs_get(&pf->cfg, pf->sriov + PCI_SRIOV_VF_OFFSET, 2);
	uint16_t stride = (uint16_t)regs_get(&pf->cfg, pf->sriov + PCI_SRIOV_VF_STRIDE, 2);

	return (uint16_t)(pcie_fn_rid(pf) + off + (vf->vf_index - 1) * stride);
}

uint8_t pcie__fn_bus(const struct pcie_fn *fn)
{
	if (fn->pf)
		return (uint8_t)(vf_rid(fn) >> 8);
	return fn->parent ? (uint8_t)regs_get(&fn->parent->cfg, PCI_SECONDARY_BUS, 1) : 0;
}

uint16_t pcie_fn_rid(const struct pcie_fn *fn)
{
	if (fn->pf)
		return vf_rid(fn);
	return PCI_RID(pcie__fn_bus(fn), fn->devfn);
}

uint16_t pcie_fn_dma_rid(const struct pcie_fn *fn)
{
	uint16_t rid = pcie_fn_rid(fn);

	/* Each PCIe-to-PCI bridge crossed on the way up takes ownership of the request. */
	for (const struct pcie_fn *p = fn->parent; p; p = p->parent)
		if (p->type == PCIE_FN_PCI_BRIDGE)
			rid = PCI_RID(regs_get(&p->cfg, PCI_SECONDARY_BUS, 1), 0);
	return rid;
}

uint8_t pcie_fn_devfn(const struct pcie_fn *fn)
{
	return fn->pf ? (uint8_t)vf_rid(fn) : fn->devfn;
}

struct pcie_fn *pcie_fn_parent(const struct pcie_fn *fn)
{
	return fn->parent;
}

struct pcie_link *pcie_fn_link(const struct pcie_fn *fn)
{
	return fn->parent ? fn->parent->link : NULL;
}

struct pcie_fn *pcie_fn_vf(const struct pcie_fn *pf, unsigned n)
{
	return n >= 1 && n <= pf->total_vfs ? pf->vfs[n - 1] : NULL;
}

unsigned pcie_fn_total_vfs(const struct pcie_fn *pf)
{
	return pf->total_vfs;
}

struct pcie_fn *pcie_fn_pf(const struct pcie_fn *vf)
{
	return vf->pf;
}

unsigned pcie_fn_vf_index(const struct pcie_fn *fn)
{
	return fn->vf_index;
}

bool pcie_fn_present(const struct pcie_fn *fn)
{
	if (fn->pf)
		return fn->pf->attached && fn->vf_index <= fn->pf->vfs_live;
	return fn->attached;
}

size_t pcie_fn_nchildren(const struct pcie_fn *fn)
{
	return fn->nchildren;
}

struct pcie_fn *pcie_fn_child(const struct pcie_fn *fn, size_t i)
{
	return i < fn->nchildren ? fn->kids[i] : NULL;
}

unsigned pcie_fn_cap_offset(const struct pcie_fn *fn, uint8_t cap_id)
{
	unsigned off, guard = 0;

	if (!(regs_get(&fn->cfg, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return 0;
	off = (unsigned)regs_get(&fn->cfg, PCI_CAPABILITY_LIST, 1) & ~3u;
	while (off && guard++ < 48) {
		if (regs_get(&fn->cfg, off, 1) == cap_id)
			return off;
		off = (unsigned)regs_get(&fn->cfg, off + PCI_CAP_LIST_NEXT, 1) & ~3u;
	}
	return 0;
}

unsigned pcie_fn_ext_cap_offset(const struct pcie_fn *fn, uint16_t cap_id)
{
	unsigned off = PCI_EXT_CAP_START, guard = 0;

	while (off && guard++ < 64) {
		uint32_t h = (uint32_t)regs_get(&fn->cfg, off, 4);

		if (!h)
			return 0;
		if (PCI_EXT_CAP_ID(h) == cap_id)
			return off;
		off = PCI_EXT_CAP_NEXT(h);
	}
	return 0;
}

void pcie_fn_location(const struct pcie_fn *fn, char *buf, size_t len)
{
	const struct pcie_fn *chain[32];
	unsigned n = 0;
	size_t o;

	if (fn->pf) {
		pcie_fn_location(fn->pf, buf, len);
		o = strlen(buf);
		if (o < len)
			snprintf(buf + o, len - o, "#VF(%u)", fn->vf_index);
		return;
	}
	for (const struct pcie_fn *f = fn; f && n < 32; f = f->parent)
		chain[n++] = f;
	o = (size_t)snprintf(buf, len, "PCIROOT(0)");
	while (n-- > 0 && o < len)
		o += (size_t)snprintf(buf + o, len - o, "#PCI(%02X%02X)", PCI_SLOT(chain[n]->devfn),
				      PCI_FUNC(chain[n]->devfn));
}

static uint64_t vf_bar_base(const struct pcie_fn *pf, int bar)
{
	uint32_t off = pf->sriov + PCI_SRIOV_BAR + 4u * (unsigned)bar;
	uint64_t base = regs_get(&pf->cfg, off, 4) & 0xfffffff0u;

	if (pf->vf_bar_is64[bar])
		base |= regs_get(&pf->cfg, off + 4, 4) << 32;
	return base;
}

uint64_t pcie_fn_bar_base(const struct pcie_fn *fn, int bar)
{
	uint32_t off = PCI_BASE_ADDRESS_0 + 4u * (unsigned)bar;
	uint64_t base;

	if (bar < 0 || bar > 5)
		return 0;
	if (fn->pf)
		return fn->pf->vf_bar_size[bar]
			       ? vf_bar_base(fn->pf, bar) +
					 (uint64_t)(fn->vf_index - 1) * fn->pf->vf_bar_size[bar]
			       : 0;
	if (!fn->bar_size[bar])
		return 0;
	if (fn->bar_io[bar])
		return regs_get(&fn->cfg, off, 4) & 0xfffcu;
	base = regs_get(&fn->cfg, off, 4) & 0xfffffff0u;
	if (fn->bar_is64[bar])
		base |= regs_get(&fn->cfg, off + 4, 4) << 32;
	return base;
}

uint64_t pcie_fn_bar_size(const struct pcie_fn *fn, int bar)
{
	if (bar < 0 || bar > 5)
		return 0;
	return fn->pf ? fn->pf->vf_bar_size[bar] : fn->bar_size[bar];
}

bool pcie_fn_bus_master(const struct pcie_fn *fn)
{
	return regs_get(&fn->cfg, PCI_COMMAND, 2) & PCI_COMMAND_MASTER;
}

bool pcie_fn_mem_enabled(const struct pcie_fn *fn)
{
	if (fn->pf) {
		uint16_t c = (uint16_t)regs_get(&fn->pf->cfg, fn->pf->sriov + PCI_SRIOV_CTRL, 2);

		return pcie_fn_present(fn) && (c & PCI_SRIOV_CTRL_MSE);
	}
	return regs_get(&fn->cfg, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY;
}

uint64_t pcie_fn_cfg_get(const struct pcie_fn *fn, uint32_t off, unsigned size)
{
	return regs_get(&fn->cfg, off, size);
}

void pcie_fn_cfg_set(struct pcie_fn *fn, uint32_t off, unsigned size, uint64_t v)
{
	regs_set(&fn->cfg, off, size, v);
}

size_t pcie_fabric_nfns(const struct pcie_fabric *fab)
{
	return fab->nfns;
}

struct pcie_fn *pcie_fabric_fn(const struct pcie_fabric *fab, size_t i)
{
	return i < fab->nfns ? fab->fns[i] : NULL;
}

struct pcie_fn *pcie_fabric_find(const struct pcie_fabric *fab, const char *name)
{
	for (size_t i = 0; i < fab->nfns; i++)
		if (!strcmp(fab->fns[i]->name, name))
			return fab->fns[i];
	return NULL;
}

/* ---- config routing ---- */

static bool bridge_routes_bus(const struct pcie_fn *br, uint8_t bus)
{
	uint8_t sec = (uint8_t)regs_get(&br->cfg, PCI_SECONDARY_BUS, 1);
	uint8_t sub = (uint8_t)regs_get(&br->cfg, PCI_SUBORDINATE_BUS, 1);

	return sec && bus >= sec && bus <= sub;
}

static bool ari_forwarding(const struct pcie_fn *port)
{
	unsigned o = pcie_fn_cap_offset(port, PCI_CAP_ID_EXP);

	return o && (regs_get(&port->cfg, o + PCI_EXP_DEVCTL2, 2) & PCI_EXP_DEVCTL2_ARI);
}

/* A present VF of one of the PFs among kids answering at rid. */
static struct pcie_fn *vf_lookup(struct pcie_fn *const *kids, size_t n, uint16_t rid)
{
	for (size_t i = 0; i < n; i++) {
		struct pcie_fn *pf = kids[i];
		unsigned first, stride, k;

		if (!pf->vfs_live)
			continue;
		first = pcie_fn_rid(pf) +
			(unsigned)regs_get(&pf->cfg, pf->sriov + PCI_SRIOV_VF_OFFSET, 2);
		stride = (unsigned)regs_get(&pf->cfg, pf->sriov + PCI_SRIOV_VF_STRIDE, 2);
		if (rid < first)
			continue;
		if (!stride) {
			if (rid == first)
				return pf->vfs[0];
			continue;
		}
		if ((rid - first) % stride)
			continue;
		k = (rid - first) / stride;
		if (k < pf->vfs_live)
			return pf->vfs[k];
	}
	return NULL;
}

static struct pcie_fn *lookup_on(struct pcie_fabric *fab, struct pcie_fn *br, uint8_t my_bus,
				 uint8_t bus, uint8_t devfn)
{
	struct pcie_fn *const *kids = br ? br->kids : fab->rootkids;
	size_t n = br ? br->nchildren : fab->nroot;

	if (bus == my_bus) {
		struct pcie_fn *fn = (br ? br->children : fab->root)[devfn];

		/* A port sends type 0 requests to device 0 only without ARI Forwarding. */
		if (br && port_has_link(br) && PCI_SLOT(devfn) && !ari_forwarding(br))
			return NULL;
		return fn ? fn : vf_lookup(kids, n, PCI_RID(bus, devfn));
	}
	for (size_t i = 0; i < n; i++) {
		struct pcie_fn *c = kids[i];

		if (c->children && bridge_routes_bus(c, bus))
			return lookup_on(fab, c, (uint8_t)regs_get(&c->cfg, PCI_SECONDARY_BUS, 1),
					 bus, devfn);
	}
	/* VFs may sit on bus numbers after the PF's, inside this bridge's range. */
	return vf_lookup(kids, n, PCI_RID(bus, devfn));
}

struct pcie_fn *pcie_fabric_lookup(struct pcie_fabric *fab, uint8_t bus, uint8_t devfn)
{
	return lookup_on(fab, NULL, 0, bus, devfn);
}

uint32_t pcie_cfg_read(struct pcie_fabric *fab, uint8_t bus, uint8_t devfn, uint32_t off,
		       unsigned size)
{
	struct pcie_fn *fn = pcie_fabric_lookup(fab, bus, devfn);

	fab->st.cfg_reads++;
	if (!fn || off + size > PCI_CFG_SPACE_EXP_SIZE ||
	    (fn->conventional && off >= PCI_CFG_SPACE_SIZE))
		return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1; /* UR: all-ones */
	return (uint32_t)regs_read(&fn->cfg, off, size);
}

/* Carry the function's effective INTx level to the root complex if it changed. */
static void intx_update(struct pcie_fn *fn)
{
	unsigned pin = (unsigned)regs_get(&fn->cfg, PCI_INTERRUPT_PIN, 1);
	bool eff = fn->intx_level && pin &&
		   !(regs_get(&fn->cfg, PCI_COMMAND, 2) & PCI_COMMAND_INTX_DISABLE);
	const struct pcie_fn *f = fn;

	if (fn->intx_level)
		regs_set_bits(&fn->cfg, PCI_STATUS, 2, PCI_STATUS_INTERRUPT);
	else
		regs_clear_bits(&fn->cfg, PCI_STATUS, 2, PCI_STATUS_INTERRUPT);
	if (eff == fn->intx_routed || !pin)
		return;
	fn->intx_routed = eff;
	/* Swizzle on the way up: pin' = (pin - 1 + device) mod 4 + 1 at every bridge. */
	while (f->parent) {
		pin = (pin - 1 + PCI_SLOT(f->devfn)) % 4 + 1;
		f = f->parent;
	}
	if (fn->fab->hooks.intx)
		fn->fab->hooks.intx(fn->fab->hooks.ctx, f->devfn, pin, eff);
}

void pcie_intx(struct pcie_fn *fn, bool asserted)
{
	fn->intx_level = asserted;
	intx_update(fn);
}

static void do_flr(struct pcie_fn *fn)
{
	/* PCIe 5.0 §6.6.2: the function returns to its reset state; sticky and link fields
	 * (kept by reset values here) survive. A PF's reset also clears VF Enable. */
	regs_reset(&fn->cfg);
	fn->intx_level = false;
	intx_update(fn);
	pcie__cfg_after_reset(fn);
	if (fn->ops && fn->ops->flr)
		fn->ops->flr(fn->ctx);
}

void pcie_cfg_write(struct pcie_fabric *fab, uint8_t bus, uint8_t devfn, uint32_t off,
		    unsigned size, uint32_t v)
{
	struct pcie_fn *fn = pcie_fabric_lookup(fab, bus, devfn);
	unsigned exp;

	fab->st.cfg_writes++;
	if (!fn || off + size > PCI_CFG_SPACE_EXP_SIZE ||
	    (fn->conventional && off >= PCI_CFG_SPACE_SIZE))
		return;
	regs_write(&fn->cfg, off, size, v);
	exp = pcie_fn_cap_offset(fn, PCI_CAP_ID_EXP);
	if (exp && off <= exp + PCI_EXP_DEVCTL + 1 && off + size > exp + PCI_EXP_DEVCTL + 1) {
		uint32_t shift = 8 * (exp + PCI_EXP_DEVCTL + 1 - off);

		if (((v >> shift) & (PCI_EXP_DEVCTL_BCR_FLR >> 8)) &&
		    (regs_get(&fn->cfg, exp + PCI_EXP_DEVCAP, 4) & PCI_EXP_DEVCAP_FLR)) {
			do_flr(fn);
			return;
		}
	}
	if (off <= PCI_COMMAND + 1 && off + size > PCI_COMMAND)
		intx_update(fn); /* Interrupt Disable may have changed */
	pcie__cfg_written(fn, off, size);
	if (fn->ops && fn->ops->cfg_written)
		fn->ops->cfg_written(fn->ctx, off, size);
}

/* ---- memory decoding ---- */

bool pcie__window_contains(const struct pcie_fn *br, uint64_t pa)
{
	uint64_t base = (regs_get(&br->cfg, PCI_MEMORY_BASE, 2) & 0xfff0) << 16;
	uint64_t limit = ((regs_get(&br->cfg, PCI_MEMORY_LIMIT, 2) & 0xfff0) << 16) | 0xfffff;

	if (base <= limit && pa >= base && pa <= limit)
		return true;
	base = (regs_get(&br->cfg, PCI_PREF_MEMORY_BASE, 2) & 0xfff0) << 16;
	base |= regs_get(&br->cfg, PCI_PREF_BASE_UPPER32, 4) << 32;
	limit = ((regs_get(&br->cfg, PCI_PREF_MEMORY_LIMIT, 2) & 0xfff0) << 16) | 0xfffff;
	limit |= regs_get(&br->cfg, PCI_PREF_LIMIT_UPPER32, 4) << 32;
	return base <= limit && pa >= base && pa <= limit;
}

bool pcie__fn_claims(const struct pcie_fn *fn, uint64_t pa, int *bar, uint64_t *off)
{
	if (!pcie_fn_mem_enabled(fn))
		return false;
	for (int b = 0; b < 6; b++) {
		uint64_t size = pcie_fn_bar_size(fn, b), base;

		if (!size || (!fn->pf && fn->bar_io[b]))
			continue;
		base = pcie_fn_bar_base(fn, b);
		if (base && pa >= base && pa - base < size) {
			*bar = b;
			*off = pa - base;
			return true;
		}
	}
	return false;
}

/* A VF of pf claiming pa: found from the PF's VF BAR ranges without looking at every VF. */
static struct pcie_fn *vf_claims(const struct pcie_fn *pf, uint64_t pa, int *bar, uint64_t *off)
{
	uint16_t ctrl = (uint16_t)regs_get(&pf->cfg, pf->sriov + PCI_SRIOV_CTRL, 2);

	if (!pf->vfs_live || !(ctrl & PCI_SRIOV_CTRL_MSE))
		return NULL;
	for (int b = 0; b < 6; b++) {
		uint64_t size = pf->vf_bar_size[b], base;

		if (!size)
			continue;
		base = vf_bar_base(pf, b);
		if (base && pa >= base && pa - base < size * pf->vfs_live) {
			*bar = b;
			*off = (pa - base) % size;
			return pf->vfs[(pa - base) / size];
		}
	}
	return NULL;
}

static struct pcie_fn *decode_bus(struct pcie_fn *const *kids, size_t n, uint64_t pa, int *bar,
				  uint64_t *off)
{
	for (size_t i = 0; i < n; i++) {
		struct pcie_fn *fn = kids[i], *vf;

		if (fn->children) {
			if (pcie_fn_mem_enabled(fn) && pcie__window_contains(fn, pa))
				return decode_bus(fn->kids, fn->nchildren, pa, bar, off);
			continue;
		}
		if (pcie__fn_claims(fn, pa, bar, off))
			return fn;
		if (fn->vfs_live && (vf = vf_claims(fn, pa, bar, off)))
			return vf;
	}
	return NULL;
}

struct pcie_fn *pcie__decode_mem(struct pcie_fabric *fab, uint64_t pa, int *bar, uint64_t *off)
{
	return decode_bus(fab->rootkids, fab->nroot, pa, bar, off);
}

struct pcie_fn *pcie__decode_below(struct pcie_fn *br, uint64_t pa, int *bar, uint64_t *off)
{
	return decode_bus(br->kids, br->nchildren, pa, bar, off);
}

int pcie_fabric_map_mmio(struct pcie_fabric *fab, uint64_t base, uint64_t size,
			 const struct pcie_mmio_ops *ops, void *ctx)
{
	struct mmio_range *n = realloc(fab->ranges, (fab->nranges + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	fab->ranges = n;
	n[fab->nranges].base = base;
	n[fab->nranges].size = size;
	n[fab->nranges].ops = ops;
	n[fab->nranges].ctx = ctx;
	fab->nranges++;
	return 0;
}

static bool in_ecam(const struct pcie_fabric *fab, uint64_t pa)
{
	return pa >= fab->cfg.ecam_base &&
	       pa - fab->cfg.ecam_base < ((uint64_t)fab->cfg.ecam_buses << 20);
}

static bool in_windows(const struct pcie_fabric *fab, uint64_t pa)
{
	return (pa >= fab->cfg.mmio32_base && pa - fab->cfg.mmio32_base < fab->cfg.mmio32_size) ||
	       (pa >= fab->cfg.mmio64_base && pa - fab->cfg.mmio64_base < fab->cfg.mmio64_size);
}

bool pcie_claims(const struct pcie_fabric *fab, uint64_t pa)
{
	for (size_t i = 0; i < fab->nranges; i++)
		if (pa >= fab->ranges[i].base && pa - fab->ranges[i].base < fab->ranges[i].size)
			return true;
	return in_ecam(fab, pa) || in_windows(fab, pa);
}

const struct pcie_hop *pcie__fn_path(struct pcie_fn *fn, unsigned *n)
{
	if (!fn->path_known) {
		const struct pcie_fn *f = fn->pf ? fn->pf : fn;

		fn->npath = 0;
		for (const struct pcie_fn *p = f->parent; p; p = p->parent) {
			struct pcie_hop *h;

			if (!p->link)
				continue;
			assert(fn->npath < PCIE_MAX_HOPS); /* pcie_fn_attach bounds the depth */
			h = &fn->path[fn->npath++];
			h->link = p->link;
			h->node_ps = p->type == PCIE_FN_PCI_BRIDGE ? p->fwd_ps
				     : p->type == PCIE_FN_SWITCH_DOWN && p->parent
					 ? p->parent->fwd_ps
					 : 0;
		}
		fn->path_known = true;
	}
	*n = fn->npath;
	return fn->path;
}

uint64_t pcie__path_small_tlp(struct pcie_fn *fn, unsigned req_hdr, unsigned req_data,
			      unsigned cpl_hdr, unsigned cpl_data, uint64_t t)
{
	unsigned n;
	struct pcie_hop *hops = (struct pcie_hop *)pcie__fn_path(fn, &n);
	struct pcie_tlps b;
	uint64_t at;

	pcie__burst(&b, req_data, 4096, req_hdr);
	pcie__path_send(hops, n, PCIE_DOWN, &b, t, NULL, &at);
	if (!cpl_hdr)
		return at - t;
	at += fn->fab->cfg.mmio_dev_ps;
	pcie__burst(&b, cpl_data, 4096, cpl_hdr);
	pcie__path_send(hops, n, PCIE_UP, &b, at, NULL, &at);
	return at - t;
}

uint64_t pcie_cpu_read(struct pcie_fabric *fab, uint64_t pa, unsigned size, uint64_t t,
		       uint64_t *val)
{
	uint64_t rc2 = 2 * fab->cfg.rc_latency_ps;
	int bar;
	uint64_t off;
	struct pcie_fn *fn;

	for (size_t i = 0; i < fab->nranges; i++) {
		const struct mmio_range *r = &fab->ranges[i];

		if (pa >= r->base && pa - r->base < r->size) {
			*val = r->ops->read(r->ctx, pa - r->base, size, t);
			return r->ops->access_ps;
		}
	}
	if (in_ecam(fab, pa)) {
		uint64_t e = pa - fab->cfg.ecam_base;
		uint8_t bus = (uint8_t)(e >> 20), devfn = (uint8_t)(e >> 12);
		struct pcie_fn *target = pcie_fabric_lookup(fab, bus, devfn);

		*val = pcie_cfg_read(fab, bus, devfn, (uint32_t)(e & 0xfff), size);
		/* CfgRd (3 DW), then CplD with the data (PCIe 5.0 §2.2.7, §2.2.9) */
		return rc2 + fab->cfg.cfg_access_ps +
		       (target ? pcie__path_small_tlp(target, PCIE_TLP_HDR_3DW, 0,
						      PCIE_TLP_HDR_3DW, size, t)
			       : 0);
	}
	fab->st.mmio_reads++;
	fn = in_windows(fab, pa) ? pcie__decode_mem(fab, pa, &bar, &off) : NULL;
	if (!fn || !fn->ops || !fn->ops->mmio_read) {
		*val = size == 8 ? ~0ull : (1ull << (8 * size)) - 1; /* master abort */
		return rc2;
	}
	*val = fn->ops->mmio_read(fn->ctx, bar, off, size);
	return rc2 + pcie__path_small_tlp(fn, pa >> 32 ? PCIE_TLP_HDR_4DW : PCIE_TLP_HDR_3DW, 0,
					  PCIE_TLP_HDR_3DW, size, t);
}

uint64_t pcie_cpu_write(struct pcie_fabric *fab, uint64_t pa, unsigned size, uint64_t val,
			uint64_t t)
{
	int bar;
	uint64_t off;
	struct pcie_fn *fn;

	for (size_t i = 0; i < fab->nranges; i++) {
		const struct mmio_range *r = &fab->ranges[i];

		if (pa >= r->base && pa - r->base < r->size) {
			r->ops->write(r->ctx, pa - r->base, size, val, t);
			return r->ops->access_ps;
		}
	}
	if (in_ecam(fab, pa)) {
		uint64_t e = pa - fab->cfg.ecam_base;
		uint8_t bus = (uint8_t)(e >> 20), devfn = (uint8_t)(e >> 12);
		struct pcie_fn *target = pcie_fabric_lookup(fab, bus, devfn);

		pcie_cfg_write(fab, bus, devfn, (uint32_t)(e & 0xfff), size, (uint32_t)val);
		/* Config writes are non-posted: the CPU waits for the completion (Cpl, no data). */
		return 2 * fab->cfg.rc_latency_ps + fab->cfg.cfg_access_ps +
		       (target ? pcie__path_small_tlp(target, PCIE_TLP_HDR_3DW, size,
						      PCIE_TLP_HDR_3DW, 0, t)
			       : 0);
	}
	fab->st.mmio_writes++;
	fn = in_windows(fab, pa) ? pcie__decode_mem(fab, pa, &bar, &off) : NULL;
	if (fn && fn->ops && fn->ops->mmio_write) {
		/* Posted: the link carries it, the CPU only waits to hand it to the RC. */
		pcie__path_small_tlp(fn, pa >> 32 ? PCIE_TLP_HDR_4DW : PCIE_TLP_HDR_3DW, size, 0, 0,
				     t);
		fn->ops->mmio_write(fn->ctx, bar, off, size, val);
	}
	return fab->cfg.rc_latency_ps;
}

/* Where the fabric's counters reach the results (the application places this table at ""). */
#define PCIE_ROW(field, key, meaning)                                                              \
	{                                                                                          \
		METRIC(struct pcie_stats, field, COUNT, key, meaning)                              \
	}
static const struct metric pcie_rows[] = {
    PCIE_ROW(dma_reads, "dma.reads", "DMA read requests from functions"),
    PCIE_ROW(dma_writes, "dma.writes", "DMA write requests from functions"),
    PCIE_ROW(dma_read_bytes, "dma.read_bytes", "bytes DMA reads asked for"),
    PCIE_ROW(dma_write_bytes, "dma.write_bytes", "bytes DMA writes carried"),
    PCIE_ROW(dma_blocked, "dma.blocked",
	     "DMA requests refused in part or whole (the IOMMU, or nobody claims the address)"),
    PCIE_ROW(dma_no_master, "dma.no_bus_master",
	     "DMA requests dropped because the function's bus mastering was off"),
    PCIE_ROW(dma_ur, "dma.unsupported_requests",
	     "DMA chunks whose address nobody claims (unsupported request)"),
    PCIE_ROW(dma_outside_owner_bytes, "dma.outside_vm_bytes",
	     "DMA bytes an assigned function wrote into memory its VM does not own"),
    PCIE_ROW(cfg_reads, "pcie.config_reads", "configuration reads the fabric routed"),
    PCIE_ROW(cfg_writes, "pcie.config_writes", "configuration writes the fabric routed"),
    PCIE_ROW(mmio_reads, "pcie.mmio_reads", "memory reads from the CPU to a function's BAR"),
    PCIE_ROW(mmio_writes, "pcie.mmio_writes", "memory writes from the CPU to a function's BAR"),
    PCIE_ROW(msi_sent, "pcie.msis", "MSI/MSI-X writes functions sent"),
    PCIE_ROW(msi_no_master, "pcie.msis_no_bus_master",
	     "MSI/MSI-X writes dropped because bus mastering was off"),
    PCIE_ROW(p2p_intra, "pcie.routing.p2p_intra",
	     "requests to a sibling function inside the device"),
    PCIE_ROW(p2p_switch, "pcie.routing.p2p_switch",
	     "requests turned at a switch or PCI bus to a peer"),
    PCIE_ROW(p2p_rc, "pcie.routing.p2p_root_complex",
	     "requests routed through the root complex to a peer"),
    PCIE_ROW(acs_redirected, "pcie.routing.acs_redirected",
	     "requests sent up by ACS P2P Request Redirect or Upstream Forwarding"),
    PCIE_ROW(acs_blocked, "pcie.routing.acs_blocked",
	     "requests refused by ACS Source Validation or P2P Egress Control"),
    PCIE_ROW(cpl_redirected, "pcie.routing.completions_redirected",
	     "peer completions sent up by ACS P2P Completion Redirect"),
};
const struct metric_table pcie_metrics = METRIC_TABLE(struct pcie_stats, pcie_rows);

const struct pcie_stats *pcie_fabric_stats(const struct pcie_fabric *fab)
{
	return &fab->st;
}
