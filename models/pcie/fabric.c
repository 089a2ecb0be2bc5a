/* SPDX-License-Identifier: MIT */
/*
 * Topology, config routing and address decoding, all from what is programmed in config space:
 * a type 1 bridge forwards config requests for buses [secondary, subordinate] and memory
 * requests inside its base/limit windows (PCI-to-PCI Bridge 1.2 §3.2.5); a function claims
 * memory requests in its BARs only while Memory Space is enabled (PCI 3.0 §6.2.2).
 */
#include "models/pcie/pcie_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pcie__cfg_init_header(struct pcie_fn *fn, bool bridge);
void pcie__cfg_set_link(struct pcie_fn *fn, const struct pcie_link_cfg *l, uint8_t port_number);

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
		free(fn->link);
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

int pcie_fn_create(struct pcie_fabric *fab, const char *name, enum pcie_fn_type type,
		   struct pcie_fn **out)
{
	struct pcie_fn *fn;
	bool bridge = type == PCIE_FN_ROOT_PORT;
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
		if (!fn->children) {
			regs_free(&fn->cfg);
			free(fn);
			return -ENOMEM;
		}
	}
	if (fab->nfns == fab->cap_fns) {
		size_t nc = fab->cap_fns ? fab->cap_fns * 2 : 16;
		struct pcie_fn **n = realloc(fab->fns, nc * sizeof(*n));

		if (!n) {
			regs_free(&fn->cfg);
			free(fn->children);
			free(fn);
			return -ENOMEM;
		}
		fab->fns = n;
		fab->cap_fns = nc;
	}
	fab->fns[fab->nfns++] = fn;
	*out = fn;
	return 0;
}

int pcie_fn_attach(struct pcie_fn *fn, struct pcie_fn *parent, uint8_t devfn,
		   const struct pcie_link_cfg *link)
{
	struct pcie_fn **slot;
	int rc;

	if (fn->attached)
		return -EBUSY;
	if (parent && !parent->children)
		return -EINVAL;
	slot = parent ? &parent->children[devfn] : &fn->fab->root[devfn];
	if (*slot)
		return -EEXIST;
	if (parent) {
		/* Below a port: a link joins them (PCIe 5.0 §7.3.1: device 0 only). */
		if (!link || PCI_SLOT(devfn) != 0)
			return -EINVAL;
		rc = pcie__link_create(link, &fn->link);
		if (rc)
			return rc;
		pcie__cfg_set_link(fn, link, 0);
		pcie__cfg_set_link(parent, link, (uint8_t)(parent->devfn >> 3));
	}
	*slot = fn;
	fn->parent = parent;
	fn->devfn = devfn;
	fn->attached = true;
	if (parent)
		parent->nchildren++;
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
	}
	return 0;
}

void pcie_fn_set_ops(struct pcie_fn *fn, const struct pcie_fn_ops *ops, void *ctx)
{
	fn->ops = ops;
	fn->ctx = ctx;
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

uint8_t pcie__fn_bus(const struct pcie_fn *fn)
{
	return fn->parent ? (uint8_t)regs_get(&fn->parent->cfg, PCI_SECONDARY_BUS, 1) : 0;
}

uint16_t pcie_fn_rid(const struct pcie_fn *fn)
{
	return PCI_RID(pcie__fn_bus(fn), fn->devfn);
}

uint8_t pcie_fn_devfn(const struct pcie_fn *fn)
{
	return fn->devfn;
}

struct pcie_fn *pcie_fn_parent(const struct pcie_fn *fn)
{
	return fn->parent;
}

struct pcie_link *pcie_fn_link(const struct pcie_fn *fn)
{
	return fn->link;
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

void pcie_fn_location(const struct pcie_fn *fn, char *buf, size_t len)
{
	const struct pcie_fn *chain[32];
	unsigned n = 0;
	size_t o;

	for (const struct pcie_fn *f = fn; f && n < 32; f = f->parent)
		chain[n++] = f;
	o = (size_t)snprintf(buf, len, "PCIROOT(0)");
	while (n-- > 0 && o < len)
		o += (size_t)snprintf(buf + o, len - o, "#PCI(%02X%02X)", PCI_SLOT(chain[n]->devfn),
				      PCI_FUNC(chain[n]->devfn));
}

uint64_t pcie_fn_bar_base(const struct pcie_fn *fn, int bar)
{
	uint32_t off = PCI_BASE_ADDRESS_0 + 4u * (unsigned)bar;
	uint64_t base;

	if (bar < 0 || bar > 5 || !fn->bar_size[bar])
		return 0;
	base = regs_get(&fn->cfg, off, 4) & 0xfffffff0u;
	if (fn->bar_is64[bar])
		base |= regs_get(&fn->cfg, off + 4, 4) << 32;
	return base;
}

uint64_t pcie_fn_bar_size(const struct pcie_fn *fn, int bar)
{
	return bar >= 0 && bar <= 5 ? fn->bar_size[bar] : 0;
}

bool pcie_fn_bus_master(const struct pcie_fn *fn)
{
	return regs_get(&fn->cfg, PCI_COMMAND, 2) & PCI_COMMAND_MASTER;
}

bool pcie_fn_mem_enabled(const struct pcie_fn *fn)
{
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

static struct pcie_fn *lookup_below(struct pcie_fn *const *bus_fns, uint8_t my_bus, uint8_t bus,
				    uint8_t devfn)
{
	if (bus == my_bus)
		return bus_fns[devfn];
	for (unsigned i = 0; i < PCIE_MAX_CHILDREN; i++) {
		struct pcie_fn *br = bus_fns[i];

		if (!br || !br->children || !bridge_routes_bus(br, bus))
			continue;
		return lookup_below(br->children,
				    (uint8_t)regs_get(&br->cfg, PCI_SECONDARY_BUS, 1), bus, devfn);
	}
	return NULL;
}

struct pcie_fn *pcie_fabric_lookup(struct pcie_fabric *fab, uint8_t bus, uint8_t devfn)
{
	return lookup_below(fab->root, 0, bus, devfn);
}

uint32_t pcie_cfg_read(struct pcie_fabric *fab, uint8_t bus, uint8_t devfn, uint32_t off,
		       unsigned size)
{
	struct pcie_fn *fn = pcie_fabric_lookup(fab, bus, devfn);

	fab->st.cfg_reads++;
	if (!fn || off + size > PCI_CFG_SPACE_EXP_SIZE)
		return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1; /* UR: all-ones */
	return (uint32_t)regs_read(&fn->cfg, off, size);
}

void pcie_fn_set_intx_pin(struct pcie_fn *fn, unsigned pin)
{
	regs_define(&fn->cfg, PCI_INTERRUPT_PIN, 1, pin & 7, 0, 0, 0);
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
	 * (kept by reset values here) survive. */
	regs_reset(&fn->cfg);
	fn->intx_level = false;
	intx_update(fn);
	if (fn->ops && fn->ops->flr)
		fn->ops->flr(fn->ctx);
}

void pcie_cfg_write(struct pcie_fabric *fab, uint8_t bus, uint8_t devfn, uint32_t off,
		    unsigned size, uint32_t v)
{
	struct pcie_fn *fn = pcie_fabric_lookup(fab, bus, devfn);
	unsigned exp;

	fab->st.cfg_writes++;
	if (!fn || off + size > PCI_CFG_SPACE_EXP_SIZE)
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
	if (fn->ops && fn->ops->cfg_written)
		fn->ops->cfg_written(fn->ctx, off, size);
}

/* ---- memory decoding ---- */

static bool window_contains(const struct pcie_fn *br, uint64_t pa)
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

static struct pcie_fn *decode_bus(struct pcie_fn *const *bus_fns, uint64_t pa, int *bar,
				  uint64_t *off)
{
	for (unsigned i = 0; i < PCIE_MAX_CHILDREN; i++) {
		struct pcie_fn *fn = bus_fns[i];

		if (!fn || !pcie_fn_mem_enabled(fn))
			continue;
		if (fn->children) {
			if (window_contains(fn, pa))
				return decode_bus(fn->children, pa, bar, off);
			continue;
		}
		for (int b = 0; b < 6; b++) {
			uint64_t base = pcie_fn_bar_base(fn, b);

			if (base && pa >= base && pa - base < fn->bar_size[b]) {
				*bar = b;
				*off = pa - base;
				return fn;
			}
		}
	}
	return NULL;
}

struct pcie_fn *pcie__decode_mem(struct pcie_fabric *fab, uint64_t pa, int *bar, uint64_t *off)
{
	return decode_bus(fab->root, pa, bar, off);
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
	return pa >= fab->cfg.ecam_base && pa - fab->cfg.ecam_base < ((uint64_t)fab->cfg.ecam_buses << 20);
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

/* Time for a small request down to fn and, if cpl_bytes, its completion back up. */
uint64_t pcie__path_small_tlp(struct pcie_fn *fn, unsigned req_bytes, unsigned cpl_bytes,
			      uint64_t t)
{
	struct pcie_link *links[16];
	unsigned n = 0;
	uint64_t at = t;

	for (struct pcie_fn *f = fn; f && n < 16; f = f->parent)
		if (f->link)
			links[n++] = f->link;
	/* down: from the root outwards */
	for (unsigned i = n; i-- > 0;)
		at = pcie__link_send(links[i], PCIE_DOWN, req_bytes, 1, at);
	if (!cpl_bytes)
		return at - t;
	at += fn->fab->cfg.mmio_dev_ps;
	for (unsigned i = 0; i < n; i++)
		at = pcie__link_send(links[i], PCIE_UP, cpl_bytes, 1, at);
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
		return rc2 + fab->cfg.cfg_access_ps +
		       (target ? pcie__path_small_tlp(target, 24, 24, t) : 0);
	}
	fab->st.mmio_reads++;
	fn = in_windows(fab, pa) ? pcie__decode_mem(fab, pa, &bar, &off) : NULL;
	if (!fn || !fn->ops || !fn->ops->mmio_read) {
		*val = size == 8 ? ~0ull : (1ull << (8 * size)) - 1; /* master abort */
		return rc2;
	}
	*val = fn->ops->mmio_read(fn->ctx, bar, off, size);
	return rc2 + pcie__path_small_tlp(fn, pcie__tlp_overhead(pa >> 32, false),
					  pcie__tlp_overhead(false, true) + size, t);
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

		pcie_cfg_write(fab, (uint8_t)(e >> 20), (uint8_t)(e >> 12), (uint32_t)(e & 0xfff),
			       size, (uint32_t)val);
		/* Config writes are non-posted: the CPU waits for the completion. */
		struct pcie_fn *target = pcie_fabric_lookup(fab, (uint8_t)(e >> 20), (uint8_t)(e >> 12));
		return 2 * fab->cfg.rc_latency_ps + fab->cfg.cfg_access_ps +
		       (target ? pcie__path_small_tlp(target, 24, 20, t) : 0);
	}
	fab->st.mmio_writes++;
	fn = in_windows(fab, pa) ? pcie__decode_mem(fab, pa, &bar, &off) : NULL;
	if (fn && fn->ops && fn->ops->mmio_write) {
		/* Posted: the link carries it, the CPU only waits to hand it to the RC. */
		pcie__path_small_tlp(fn, pcie__tlp_overhead(pa >> 32, false) + size, 0,
				     t);
		fn->ops->mmio_write(fn->ctx, bar, off, size, val);
	}
	return fab->cfg.rc_latency_ps;
}

const struct pcie_stats *pcie_fabric_stats(const struct pcie_fabric *fab)
{
	return &fab->st;
}
