/* SPDX-License-Identifier: MIT */
/*
 * What a scenario will ask of the machine's address spaces, checked before anything boots, so
 * that what cannot be placed is a config error at its entry rather than "Cannot allocate
 * memory" after the host has booted: the host's BAR windows (as models/host/hpci.c places
 * BARs), host RAM (as the host's page allocator hands it out: VM RAM, dma_bench's window and
 * the IOMMU tables that map them), and each VM's guest-physical window for assigned devices.
 * Each follows the placement rules of the code it predicts; a change there changes this too.
 */
#include "app/scenario.h"
#include "models/abi/bootparam.h"
#include "models/devices/dmaeng_regs.h"
#include "models/devices/nic_regs.h"
#include "sim/config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A size as a person writes it: 16 bytes, 16 KiB, 512 MiB, 32 GiB (rounded down). */
static const char *fmt_size(uint64_t bytes, char *buf, size_t len)
{
	if (bytes >= (1ull << 30) && !(bytes & ((1ull << 30) - 1)))
		snprintf(buf, len, "%llu GiB", (unsigned long long)(bytes >> 30));
	else if (bytes >= (1ull << 20))
		snprintf(buf, len, "%llu MiB", (unsigned long long)(bytes >> 20));
	else if (bytes >= 1024)
		snprintf(buf, len, "%llu KiB", (unsigned long long)(bytes >> 10));
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)bytes);
	return buf;
}

static unsigned node_devfn(const struct sc_node *n)
{
	return n->function > 7 ? n->function : (n->slot << 3) | n->function;
}

/* ---- the host's BAR windows ---- */

struct bar_window {
	uint64_t cur, limit;
	const char *what;
};

struct bar_windows {
	struct cfg_ctx *ctx;
	const struct cfg_node *root;
	struct bar_window mem, pref, io;
	bool full; /* one error is enough: what follows would not fit either */
};

/* A bridge's windows are 1 MiB (I/O: 4 KiB) aligned (PCI-to-PCI Bridge 1.2 §3.2.5.6, .8). */
static void align_bar_windows(struct bar_windows *bw)
{
	bw->mem.cur = (bw->mem.cur + (1ull << 20) - 1) & ~((1ull << 20) - 1);
	bw->pref.cur = (bw->pref.cur + (1ull << 20) - 1) & ~((1ull << 20) - 1);
	bw->io.cur = (bw->io.cur + 0xfff) & ~0xfffull;
}

/* Place a function's BARs (or its VFs', `mult` of each) largest first; an error at p when one
 * does not fit. */
static void place_bars(struct bar_windows *bw, const char *p, const struct sc_node *n, bool vf,
		       uint64_t mult)
{
	const struct sc_bar *bars = vf ? n->sriov.vf_bars : n->bars;
	size_t nbars = vf ? n->sriov.nvf_bars : n->nbars;
	bool given = vf ? n->sriov.has_vf_bars : n->has_bars;
	struct sc_bar dflt;
	bool done[8] = {false};

	cfg_defaults(&sc_bar_schema, &dflt); /* one 16 KiB 64-bit BAR 0 */
	if (n->type == SC_PTNIC || n->type == SC_DMA_ENGINE) {
		dflt.size = n->type == SC_PTNIC ? PTNIC_BAR0_SIZE : DMAENG_BAR_SIZE;
		given = false;
	}
	if (!given) {
		bars = &dflt;
		nbars = 1;
	}
	for (;;) {
		int best = -1;
		struct bar_window *win;
		uint64_t size, at;
		char sz[32];

		for (size_t i = 0; i < nbars && i < 8; i++)
			if (!done[i] && (best < 0 || bars[i].size > bars[best].size))
				best = (int)i;
		if (best < 0)
			return;
		done[best] = true;
		win = bars[best].type == SC_BAR_IO ? &bw->io
		      : bars[best].prefetch && bars[best].type == SC_BAR_MEM64 ? &bw->pref
									       : &bw->mem;
		size = bars[best].size * mult;
		at = (win->cur + size - 1) & ~(size - 1);
		if (!size || at < win->cur || at + size > win->limit) {
			if (vf)
				cfg_error_path(bw->ctx, bw->root, p,
					       "VF BAR %u of '%s' (%s for its %llu VFs) does not fit "
					       "in the host's %s after the BARs placed before it",
					       bars[best].index, n->name, fmt_size(size, sz, sizeof(sz)),
					       (unsigned long long)mult, win->what);
			else
				cfg_error_path(bw->ctx, bw->root, p,
					       "BAR %u of '%s' (%s) does not fit in the host's %s "
					       "after the BARs placed before it",
					       bars[best].index, n->name, fmt_size(size, sz, sizeof(sz)),
					       win->what);
			bw->full = true;
			return;
		}
		win->cur = at + size;
	}
}

/* Depth first in bus-scan order, as the host enumerates; a PF's VF BARs once for all VFs. */
static void place_bus(struct bar_windows *bw, const struct sc_node *n, size_t count,
		      const char *path)
{
	for (unsigned devfn = 0; devfn < 256 && !bw->full; devfn++)
		for (size_t i = 0; i < count && !bw->full; i++) {
			char p[300], sub[320];

			if (node_devfn(&n[i]) != devfn)
				continue;
			snprintf(p, sizeof(p), "%s.%zu", path, i);
			if (scenario_node_is_bridge(&n[i])) {
				align_bar_windows(bw);
				snprintf(sub, sizeof(sub), "%s.%s", p,
					 n[i].type == SC_SWITCH ? "ports" : "below");
				if (n[i].type == SC_SWITCH)
					place_bus(bw, n[i].ports, n[i].nports, sub);
				else
					place_bus(bw, n[i].below, n[i].nbelow, sub);
				align_bar_windows(bw);
				continue;
			}
			place_bars(bw, p, &n[i], false, 1);
			if (n[i].has_sriov && n[i].sriov.total_vfs && !bw->full)
				place_bars(bw, p, &n[i], true, n[i].sriov.total_vfs);
		}
}

void scenario_check_bar_windows(struct cfg_ctx *ctx, const struct cfg_node *root,
				const struct scenario *sc, const char *path)
{
	struct bar_windows bw = {
	    .ctx = ctx,
	    .root = root,
	    .mem = {PLATFORM_MMIO32, PLATFORM_MMIO32 + PLATFORM_MMIO32_SIZE,
		    "32-bit MMIO window (512 MiB, for non-prefetchable and 32-bit BARs)"},
	    .pref = {PLATFORM_MMIO64, PLATFORM_MMIO64 + PLATFORM_MMIO64_SIZE,
		     "64-bit MMIO window (1 TiB, for 64-bit prefetchable BARs)"},
	    .io = {0x1000, 0x10000, "I/O port space (0x1000-0xffff, 4 KiB per bridge)"},
	};

	place_bus(&bw, sc->machine.pcie.devices, sc->machine.pcie.ndevices, path);
}

/* ---- host RAM ---- */

/* Free RAM as address-ordered ranges, as the host's allocator keeps it (first fit). */
struct ram_plan {
	uint64_t *base, *end;
	unsigned n, cap;
	struct cfg_ctx *ctx;
};

static void ram_insert(struct ram_plan *r, unsigned i, uint64_t base, uint64_t end)
{
	if (r->n == r->cap) {
		unsigned cap = r->cap ? r->cap * 2 : 8;
		uint64_t *b = cfg_alloc(r->ctx, cap * sizeof(*b)), *e = cfg_alloc(r->ctx, cap * sizeof(*e));

		if (r->n) {
			memcpy(b, r->base, r->n * sizeof(*b));
			memcpy(e, r->end, r->n * sizeof(*e));
		}
		r->base = b;
		r->end = e;
		r->cap = cap;
	}
	memmove(&r->base[i + 1], &r->base[i], (r->n - i) * sizeof(r->base[0]));
	memmove(&r->end[i + 1], &r->end[i], (r->n - i) * sizeof(r->end[0]));
	r->base[i] = base;
	r->end[i] = end;
	r->n++;
}

/* Take [lo, hi) out of the free ranges. */
static void ram_cut(struct ram_plan *r, uint64_t lo, uint64_t hi)
{
	for (unsigned i = 0; i < r->n && lo < hi; i++) {
		if (hi <= r->base[i] || lo >= r->end[i])
			continue;
		if (lo > r->base[i] && hi < r->end[i]) {
			ram_insert(r, i + 1, hi, r->end[i]);
			r->end[i] = lo;
			return;
		}
		if (lo <= r->base[i])
			r->base[i] = hi < r->end[i] ? hi : r->end[i];
		else
			r->end[i] = lo;
	}
}

/* One allocation of `size` aligned to `align`, first fit; false if no range holds it. */
static bool ram_alloc(struct ram_plan *r, uint64_t size, uint64_t align)
{
	for (unsigned i = 0; i < r->n; i++) {
		uint64_t start = (r->base[i] + align - 1) & ~(align - 1);

		if (start >= r->base[i] && start <= r->end[i] && r->end[i] - start >= size) {
			ram_cut(r, start, start + size);
			return true;
		}
	}
	return false;
}

/* Single pages from wherever they are free (page tables); false if RAM runs out. */
static bool ram_take(struct ram_plan *r, uint64_t bytes)
{
	for (unsigned i = 0; i < r->n && bytes; i++) {
		uint64_t n = r->end[i] - r->base[i] < bytes ? r->end[i] - r->base[i] : bytes;

		r->base[i] += n;
		bytes -= n;
	}
	return !bytes;
}

static uint64_t ram_largest(const struct ram_plan *r)
{
	uint64_t big = 0;

	for (unsigned i = 0; i < r->n; i++)
		if (r->end[i] - r->base[i] > big)
			big = r->end[i] - r->base[i];
	return big;
}

/* Paging-structure pages mapping `bytes` with pages of 1 << shift (4-level tables). */
static uint64_t pt_bytes(uint64_t bytes, unsigned shift)
{
	uint64_t entries = (bytes + (1ull << shift) - 1) >> shift, pages = 0;

	for (unsigned l = 0; l < 4 && entries > 1; l++) {
		entries = (entries + 511) / 512;
		pages += entries;
	}
	return (pages + 1) * 4096;
}

void scenario_check_host_ram(struct cfg_ctx *ctx, const struct cfg_node *root,
			     const struct scenario *sc)
{
	uint64_t ram = sc->machine.memory.size;
	uint64_t low = ram < PTSIM_LOW_RAM_TOP ? ram : PTSIM_LOW_RAM_TOP;
	const struct wl_dma_bench_cfg *wb = &sc->workload.dma_bench;
	struct ram_plan r = {.ctx = ctx};
	char p[96];

	/* E820 as firmware reports it: RAM above 1 MiB below the firmware's tables, and RAM
	 * above 4 GiB; RMRRs are reserved */
	if (sc->machine.memory.firmware_size + (1ull << 20) < low)
		ram_insert(&r, r.n, 1ull << 20, low - sc->machine.memory.firmware_size);
	if (ram > low)
		ram_insert(&r, r.n, 4ull << 30, (4ull << 30) + ram - low);
	for (size_t i = 0; i < sc->machine.firmware.nrmrrs; i++) {
		const struct platform_rmrr_cfg *m = &sc->machine.firmware.rmrrs[i];

		ram_cut(&r, m->base & ~0xfffull, m->base + m->size);
	}
	/* the host's own tables before the VMs: per unit a root table, the invalidation queue
	 * and the interrupt-remapping table (16 B an entry), with room to spare */
	ram_take(&r, (uint64_t)(sc->machine.iommu.nunits ? sc->machine.iommu.nunits : 1) *
			     ((uint64_t)sc->host.irte_entries * 16 + (64 << 10)) +
			 (64 << 10));
	for (size_t v = 0; v < sc->nvms; v++) {
		const struct sc_vm *vm = &sc->vms[v];
		uint64_t size = vm->vm.ram_bytes;

		/* hv_vm_create: one allocation, 1 GiB-aligned when that big and possible */
		if (!(size >= (1ull << 30) && ram_alloc(&r, size, 1ull << 30)) &&
		    !ram_alloc(&r, size, 2ull << 20)) {
			snprintf(p, sizeof(p), "vms.%zu.memory_mib", v);
			cfg_error_path(ctx, root, p,
				       "'%s' needs %llu MiB of host RAM in one piece (guest RAM is "
				       "one allocation); the largest piece left is %llu MiB",
				       vm->name, (unsigned long long)(size >> 20),
				       (unsigned long long)(ram_largest(&r) >> 20));
			return;
		}
		/* its DMA mapping: the guest's RAM in 4 KiB (or 1 GiB) IOMMU pages, once for
		 * the VM's container (its devices share the domain) */
		if (vm->ndevices && vm->dma.strategy == DMA_DIRECT_MAP)
			ram_take(&r, pt_bytes(size, sc->machine.iommu.unit.superpages &&
							    sc->host.iommu.superpages
							? 30
							: 12));
	}
	if (sc->workload.kind == SC_WL_DMA_BENCH) {
		uint64_t page = wb->page_bytes;
		unsigned shift = page == 4096 ? 12 : page == (2ull << 20) ? 21 : 30;
		uint64_t size = (wb->window_bytes + page - 1) & ~(page - 1);

		/* workloads/dma_bench.c: the window in one allocation aligned to its pages, then
		 * the tables that map it */
		if (!ram_alloc(&r, size, page))
			cfg_error_path(ctx, root, "workload.window_kib",
				       "the dma_bench window (%llu MiB in %llu KiB pages) is one "
				       "allocation of host RAM; the largest piece left after the VMs "
				       "is %llu MiB (machine.memory.size_mib is %llu)",
				       (unsigned long long)(size >> 20),
				       (unsigned long long)(page >> 10),
				       (unsigned long long)(ram_largest(&r) >> 20),
				       (unsigned long long)(ram >> 20));
		else if (!ram_take(&r, pt_bytes(size, shift)))
			cfg_error_path(ctx, root, "workload.window_kib",
				       "the IOMMU tables that map the dma_bench window (%llu MiB in "
				       "%llu KiB pages) need %llu MiB more host RAM than is left",
				       (unsigned long long)(size >> 20),
				       (unsigned long long)(page >> 10),
				       (unsigned long long)(pt_bytes(size, shift) >> 20));
	}
}

/* ---- a VM's window for assigned devices ---- */

/* A function's memory BARs, by index (as the host's enumeration lists them). */
static void fn_bars(const struct sc_node *n, bool vf, uint64_t size[6])
{
	const struct sc_bar *bars = vf ? n->sriov.vf_bars : n->bars;
	size_t nbars = vf ? n->sriov.nvf_bars : n->nbars;
	bool given = vf ? n->sriov.has_vf_bars : n->has_bars;

	memset(size, 0, 6 * sizeof(size[0]));
	if (n->type == SC_PTNIC)
		size[0] = PTNIC_BAR0_SIZE;
	else if (n->type == SC_DMA_ENGINE)
		size[0] = DMAENG_BAR_SIZE;
	else if (!given)
		size[0] = 0x4000; /* the default: one 16 KiB 64-bit BAR 0 (sc_bar_schema) */
	for (size_t i = 0; given && n->type != SC_PTNIC && i < nbars; i++)
		if (bars[i].type != SC_BAR_IO && bars[i].index < 6)
			size[bars[i].index] = bars[i].size;
}

void scenario_check_vm_mmio(struct cfg_ctx *ctx, const struct cfg_node *root, const char *p,
			    const char *vm, const char *name, const struct sc_node *n, bool vf,
			    uint64_t *next)
{
	uint64_t size[6], end = GUEST_MMIO_BASE + GUEST_MMIO_SIZE;

	fn_bars(n, vf, size);
	for (unsigned b = 0; b < 6; b++) {
		/* vfio: each BAR at its size's alignment, at least a page (hv.c vm_alloc_mmio) */
		uint64_t sz = size[b] < 4096 ? 4096 : size[b];
		uint64_t at = (*next + sz - 1) & ~(sz - 1);

		if (!size[b])
			continue;
		if (at < *next || at + sz > end) {
			char need[32], left[32];

			cfg_error_path(ctx, root, p,
				       "'%s' does not fit in the guest MMIO window of '%s': its BAR "
				       "%u is %s, and the window for assigned devices is %llu MiB "
				       "(%s left)",
				       name, vm, b, fmt_size(sz, need, sizeof(need)),
				       (unsigned long long)(GUEST_MMIO_SIZE >> 20),
				       fmt_size(end - *next, left, sizeof(left)));
			*next = end;
			return;
		}
		*next = at + sz;
	}
}
