/* SPDX-License-Identifier: MIT */
/*
 * The paravirtual IOMMU back-end (pv_iommu.h). A hypercall carries a batch of requests in
 * guest memory; each is decoded and checked (the device is the VM's, every guest page is the
 * VM's RAM, the IOVAs are the guest's to use) and handed to the strategy (dma_strategy.c),
 * which calls back here to pin and map, or unmap, one page at a time in the device's domain.
 * Unmapped pages are invalidated by the policy:
 *
 * - strict: the hypercall gathers its teardowns and, before it returns, submits their
 *   page-selective invalidations with one wait descriptor (intel_iommu_flush_ranges) and waits;
 *   only then are the pages unpinned. Every unmap in a batch returns after its invalidation.
 * - deferred: a teardown joins the flush queue (Linux's iova_fq, drivers/iommu/dma-iommu.c:
 *   queue_iova, fq_flush_iotlb, fq_flush_timeout): adding to a full queue first flushes it;
 *   the first entry after the timer last fired starts it (flush_timeout_us, on the CPU that
 *   queued); a flush is one domain-selective invalidation and a wait, after which the queued
 *   pages are unpinned. The timer fires in simulated time on that CPU, in host context (an
 *   external-interrupt exit when the VM's vCPU runs there).
 *
 * Keys: a page is (device index << 52 | IOVA page number), so key + 1 is the next IOVA page.
 */
#include "models/host/pv_iommu.h"
#include "models/abi/bootparam.h"
#include "models/abi/pv_iommu.h"
#include "models/host/dma_strategy.h"
#include "models/host/host.h"
#include "models/host/hv.h"
#include "models/drivers/intel_iommu/intel_iommu.h"
#include "sim/metrics.h"
#include "sim/u64map.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define PAGE	      4096ull
#define KEY(dev, pfn) ((uint64_t)(dev) << 52 | (pfn))
#define KEY_DEV(k)    ((unsigned)((k) >> 52))
#define KEY_PFN(k)    ((k) & ((1ull << 52) - 1))
#define MAX_REQ_PAGES (1u << 18) /* one request maps at most 1 GiB */
#define GATHER_MAX    64	 /* ranges handed to one intel_iommu_flush_ranges call */

struct pv_dev {
	uint16_t bdf;
	uint8_t devfn;
	struct dmar_domain *dom;
};

/* The books of one IOVA page. */
struct pv_page {
	uint32_t live;	     /* guest mappings that cover it */
	uint32_t pending;    /* teardowns whose invalidation has not completed */
	bool mapped;	     /* present in the domain's page table */
	bool evicted_in_use; /* torn down while the guest still used it */
	uint64_t gpa_pfn;    /* the guest page it maps */
	uint64_t *open;	     /* open windows: when the guest left it unmapped, still translatable */
	uint32_t nopen, cap;
};

/* Consecutive IOVA pages torn down by one request, awaiting their invalidation. */
struct pv_range {
	uint64_t key;
	unsigned npages;
	uint64_t gen;
};

struct pv_iommu {
	struct vm *vm;
	struct host *h;
	const struct hv_costs *costs;
	struct vfio_dma_cfg cfg;
	bool pv; /* a paravirtual strategy (not direct_map) */
	struct pv_dev *devs;
	unsigned ndevs;
	struct dma_strategy *strat;
	struct u64map pages; /* key -> struct pv_page * */
	struct u64map pins;  /* guest page number -> pins */
	uint64_t direct_pinned;
	/* the request being served */
	uint64_t cur_key, cur_gpa, gen;
	bool mapping; /* a map request: teardowns now are evictions */
	/* strict: the hypercall's teardowns; deferred: the flush queue */
	struct pv_range *gather, *fq;
	unsigned ngather, cap_gather, nfq;
	struct host_hrtimer fq_timer;
	bool fq_timer_on, measuring;
	uint64_t t_pinned, pinned_rem; /* the integral's last update, its sub-ns remainder */
	struct pv_iommu_stats st;
};

static void pinned_account(struct pv_iommu *pv, uint64_t now)
{
	uint64_t dt;

	if (now <= pv->t_pinned)
		return;
	dt = now - pv->t_pinned;
	pv->st.pinned_page_ns += pv->st.pinned_pages * (dt / 1000);
	pv->pinned_rem += pv->st.pinned_pages * (dt % 1000);
	pv->st.pinned_page_ns += pv->pinned_rem / 1000;
	pv->pinned_rem %= 1000;
	pv->t_pinned = now;
}

static void pinned_set(struct pv_iommu *pv, uint64_t pages, uint64_t now)
{
	pinned_account(pv, now);
	pv->st.pinned_pages = pages;
	if (pages > pv->st.pinned_peak)
		pv->st.pinned_peak = pages;
}

/* ---- pinning (vfio_pin_pages: a reference per mapping; memory counts once) ---- */

static void pin(struct pv_iommu *pv, uint64_t pfn)
{
	uint64_t *c = u64map_ref(&pv->pins, pfn);

	host_cpu_work(pv->h, pv->costs->pin_page);
	if (c) {
		(*c)++;
		return;
	}
	u64map_put(&pv->pins, pfn, 1);
	pinned_set(pv, pv->st.pinned_pages + 1, host_now(pv->h));
}

static void unpin(struct pv_iommu *pv, uint64_t pfn)
{
	uint64_t *c = u64map_ref(&pv->pins, pfn);

	host_cpu_work(pv->h, pv->costs->unpin_page);
	if (!c || --*c)
		return;
	u64map_del(&pv->pins, pfn);
	pinned_set(pv, pv->st.pinned_pages - 1, host_now(pv->h));
}

/* ---- the books of a page ---- */

static struct pv_page *page_of(struct pv_iommu *pv, uint64_t key, bool create)
{
	uint64_t v;
	struct pv_page *p;

	if (u64map_get(&pv->pages, key, &v))
		return (struct pv_page *)(uintptr_t)v;
	if (!create)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (p && u64map_put(&pv->pages, key, (uint64_t)(uintptr_t)p)) {
		free(p);
		p = NULL;
	}
	return p;
}

/* Forget a page the books no longer need. */
static void page_tidy(struct pv_iommu *pv, uint64_t key, struct pv_page *p)
{
	if (p->live || p->pending || p->mapped || p->nopen || p->evicted_in_use)
		return;
	u64map_del(&pv->pages, key);
	free(p->open);
	free(p);
}

/* The windows of a page close at t: it no longer translates, or the guest mapped it again. */
static void windows_close(struct pv_iommu *pv, struct pv_page *p, uint64_t t)
{
	for (uint32_t i = 0; i < p->nopen; i++) {
		if (pv->measuring) {
			sim_samples_add(&pv->st.window_ps, t > p->open[i] ? t - p->open[i] : 0);
			pv->st.windows++;
		}
	}
	pv->st.windows_open -= p->nopen;
	p->nopen = 0;
}

/* A guest mapping of the page now covers it (from the guest's call at t). */
static void page_live(struct pv_iommu *pv, uint64_t key, uint64_t t)
{
	struct pv_page *p = page_of(pv, key, true);

	if (!p)
		return;
	p->live++;
	windows_close(pv, p, t);
}

/* A guest mapping of the page is gone (the guest's unmap call at t): with no other one left
 * and the page still translatable, its window opens. */
static void page_dead(struct pv_iommu *pv, uint64_t key, uint64_t t)
{
	struct pv_page *p = page_of(pv, key, false);

	if (!p || !p->live)
		return;
	if (--p->live) {
		return;
	}
	if (p->evicted_in_use) {
		p->evicted_in_use = false; /* the guest is done with it at last */
	} else if (p->mapped || p->pending) {
		if (p->nopen == p->cap) {
			uint32_t nc = p->cap ? 2 * p->cap : 2;
			uint64_t *o = realloc(p->open, nc * sizeof(*o));

			if (!o)
				return;
			p->open = o;
			p->cap = nc;
		}
		p->open[p->nopen++] = t;
		pv->st.windows_open++;
	}
	page_tidy(pv, key, p);
}

/* The invalidation of a torn-down range completed at t: unpin, close what can close. */
static void range_done(struct pv_iommu *pv, const struct pv_range *r, uint64_t t)
{
	for (unsigned k = 0; k < r->npages; k++) {
		struct pv_page *p = page_of(pv, r->key + k, false);

		if (!p)
			continue;
		unpin(pv, p->gpa_pfn);
		if (p->pending)
			p->pending--;
		if (!p->pending && !p->mapped)
			windows_close(pv, p, t);
		page_tidy(pv, r->key + k, p);
	}
}

static int range_add(struct pv_range **a, unsigned *n, unsigned *cap, uint64_t key, uint64_t gen)
{
	if (*n && (*a)[*n - 1].gen == gen && (*a)[*n - 1].key + (*a)[*n - 1].npages == key) {
		(*a)[*n - 1].npages++;
		return 0;
	}
	if (*n == *cap) {
		unsigned nc = *cap ? 2 * *cap : 16;
		struct pv_range *g = realloc(*a, nc * sizeof(*g));

		if (!g)
			return -ENOMEM;
		*a = g;
		*cap = nc;
	}
	(*a)[(*n)++] = (struct pv_range){key, 1, gen};
	return 0;
}

static void flush_info(struct pv_iommu *pv, const struct intel_iommu_flush_info *fi)
{
	pv->st.inv_page += fi->psi;
	pv->st.inv_domain += fi->dsi;
	pv->st.inv_descs += fi->descs;
	pv->st.inv_submissions += fi->waits;
}

/* ---- strict: the hypercall's teardowns, invalidated before it returns ---- */

static void strict_sync(struct pv_iommu *pv)
{
	struct intel_iommu_flush_info fi = {0};
	uint64_t iova[GATHER_MAX], size[GATHER_MAX];
	uint64_t t;

	if (!pv->ngather)
		return;
	for (unsigned d = 0; d < pv->ndevs; d++) {
		unsigned n = 0;

		for (unsigned i = 0; i < pv->ngather; i++) {
			const struct pv_range *r = &pv->gather[i];

			if (KEY_DEV(r->key) != d)
				continue;
			iova[n] = KEY_PFN(r->key) * PAGE;
			size[n++] = r->npages * PAGE;
			if (n == GATHER_MAX) {
				intel_iommu_flush_ranges(pv->devs[d].dom, iova, size, n, &fi);
				n = 0;
			}
		}
		if (n)
			intel_iommu_flush_ranges(pv->devs[d].dom, iova, size, n, &fi);
	}
	flush_info(pv, &fi);
	t = host_now(pv->h);
	for (unsigned i = 0; i < pv->ngather; i++)
		range_done(pv, &pv->gather[i], t);
	pv->ngather = 0;
}

/* ---- deferred: the flush queue ---- */

enum fq_cause { FQ_FULL, FQ_TIMEOUT };

static void fq_flush(struct pv_iommu *pv, enum fq_cause cause)
{
	struct intel_iommu_flush_info fi = {0};
	uint64_t t;

	if (cause == FQ_FULL)
		pv->st.fq_flush_full++;
	else
		pv->st.fq_flush_timeout++;
	/* fq_flush_iotlb: the domain's whole IOTLB, for every domain the queue holds. */
	for (unsigned d = 0; d < pv->ndevs; d++) {
		bool any = false;

		for (unsigned i = 0; i < pv->nfq && !any; i++)
			any = KEY_DEV(pv->fq[i].key) == d;
		if (any || (!pv->nfq && d == 0))
			intel_iommu_flush_domain(pv->devs[d].dom, &fi);
	}
	flush_info(pv, &fi);
	t = host_now(pv->h);
	for (unsigned i = 0; i < pv->nfq; i++)
		range_done(pv, &pv->fq[i], t);
	pv->nfq = 0;
}

static void fq_timeout(struct host_hrtimer *tm)
{
	struct pv_iommu *pv = (struct pv_iommu *)((char *)tm - offsetof(struct pv_iommu, fq_timer));
	uint64_t t0 = host_now(pv->h);

	pv->fq_timer_on = false;
	if (pv->ndevs)
		fq_flush(pv, FQ_TIMEOUT);
	pv->st.hv_ps += host_now(pv->h) - t0;
}

static void fq_queue(struct pv_iommu *pv, uint64_t key)
{
	bool joins = pv->nfq && pv->fq[pv->nfq - 1].gen == pv->gen &&
		     pv->fq[pv->nfq - 1].key + pv->fq[pv->nfq - 1].npages == key;
	unsigned cap = pv->cfg.flush_entries;

	if (!joins && pv->nfq == pv->cfg.flush_entries)
		fq_flush(pv, FQ_FULL);
	if (!joins)
		pv->st.fq_entries++;
	range_add(&pv->fq, &pv->nfq, &cap, key, pv->gen);
	if (!pv->fq_timer_on) {
		pv->fq_timer_on = true;
		host_hrtimer_start(pv->h, &pv->fq_timer,
				   host_now(pv->h) + pv->cfg.flush_timeout_ps);
	}
}

/* ---- what the strategy asks ---- */

static uint64_t gpa_of(const struct pv_iommu *pv, uint64_t key)
{
	if (pv->cfg.strategy == DMA_SINGLE_USE)
		return pv->cur_gpa + (key - pv->cur_key) * PAGE;
	return KEY_PFN(key) * PAGE; /* the IOVA is the guest-physical address */
}

static int op_map(void *ctx, uint64_t key)
{
	struct pv_iommu *pv = ctx;
	uint64_t gpa = gpa_of(pv, key), hpa;
	struct pv_page *p;
	int rc;

	if (!vm_gpa_to_hpa(pv->vm, gpa, &hpa))
		return -EFAULT;
	p = page_of(pv, key, true);
	if (!p)
		return -ENOMEM;
	pin(pv, gpa / PAGE);
	rc = intel_iommu_map(pv->devs[KEY_DEV(key)].dom, KEY_PFN(key) * PAGE, hpa, PAGE,
			     IOMMU_READ | IOMMU_WRITE);
	if (rc) {
		unpin(pv, gpa / PAGE);
		page_tidy(pv, key, p);
		return rc;
	}
	p->mapped = true;
	p->evicted_in_use = false;
	p->gpa_pfn = gpa / PAGE;
	return 0;
}

static void op_unmap(void *ctx, uint64_t key, bool in_use)
{
	struct pv_iommu *pv = ctx;
	struct pv_page *p = page_of(pv, key, true);

	intel_iommu_unmap(pv->devs[KEY_DEV(key)].dom, KEY_PFN(key) * PAGE, PAGE, false);
	if (!p)
		return;
	p->mapped = false;
	p->pending++;
	if (in_use)
		p->evicted_in_use = true;
	if (pv->cfg.invalidation == DMA_INVAL_DEFERRED) {
		fq_queue(pv, key);
		return;
	}
	range_add(&pv->gather, &pv->ngather, &pv->cap_gather, key, pv->gen);
	/* Strict: a page evicted for another is invalidated and unpinned before the other is
	 * pinned, so the pinned pages never exceed the quota. */
	if (pv->mapping)
		strict_sync(pv);
}

static bool op_prefetchable(void *ctx, uint64_t key)
{
	struct pv_iommu *pv = ctx;
	uint64_t hpa;

	return KEY_DEV(key) == KEY_DEV(pv->cur_key) && vm_gpa_to_hpa(pv->vm, gpa_of(pv, key), &hpa);
}

static const struct dma_strategy_ops strategy_ops = {op_map, op_unmap, op_prefetchable};

/* ---- the hypercall ---- */

static int dev_index(const struct pv_iommu *pv, unsigned devfn)
{
	for (unsigned d = 0; d < pv->ndevs; d++)
		if (pv->devs[d].devfn == devfn)
			return (int)d;
	return -1;
}

static int request(struct pv_iommu *pv, const uint64_t *w)
{
	unsigned op = pv_iommu_op(w[PV_IOMMU_W_OP]);
	int d = dev_index(pv, pv_iommu_devfn(w[PV_IOMMU_W_OP]));
	uint64_t iova = w[PV_IOMMU_W_IOVA], gpa = w[PV_IOMMU_W_GPA], len = w[PV_IOMMU_W_LEN];
	uint64_t t = host_tsc_to_ps(pv->h, w[PV_IOMMU_W_TSC]), key, hpa, n = len / PAGE;
	bool own_iova = pv->cfg.strategy == DMA_SINGLE_USE;
	int rc;

	if (d < 0)
		return -ENODEV;
	if ((op != PV_IOMMU_OP_MAP && op != PV_IOMMU_OP_UNMAP) || !len || len % PAGE ||
	    iova % PAGE || n > MAX_REQ_PAGES)
		return -EINVAL;
	/* The IOVAs must be the guest's to use: its own window, or its guest-physical pages. */
	if (own_iova &&
	    (iova < PV_IOMMU_IOVA_BASE || iova + len > PV_IOMMU_IOVA_BASE + PV_IOMMU_IOVA_SIZE))
		return -EINVAL;
	key = KEY((unsigned)d, iova / PAGE);
	pv->gen++;
	pv->cur_key = key;
	pv->cur_gpa = gpa;
	if (op == PV_IOMMU_OP_UNMAP) {
		pv->st.unmap_requests++;
		for (uint64_t k = 0; k < n; k++)
			page_dead(pv, key + k, t);
		dma_strategy_unmap(pv->strat, key, (unsigned)n);
		return 0;
	}
	if (gpa % PAGE || (!own_iova && iova != gpa))
		return -EINVAL;
	/* Every page must be the VM's RAM (what VFIO's pinning checks of a user address). */
	for (uint64_t k = 0; k < n; k++)
		if (!vm_gpa_to_hpa(pv->vm, gpa + k * PAGE, &hpa))
			return -EFAULT;
	pv->st.map_requests++;
	pv->mapping = true;
	rc = dma_strategy_map(pv->strat, key, (unsigned)n);
	pv->mapping = false;
	if (rc)
		return rc;
	for (uint64_t k = 0; k < n; k++)
		page_live(pv, key + k, t);
	return 0;
}

static void sync_strategy_stats(struct pv_iommu *pv)
{
	const struct dma_strategy_stats *s = dma_strategy_stats(pv->strat);

	pv->st.maps = s->maps;
	pv->st.unmaps = s->unmaps;
	pv->st.remaps = s->remaps;
	pv->st.hits = s->hits;
	pv->st.misses = s->misses;
	pv->st.evictions = s->evictions;
	pv->st.evictions_in_use = s->evictions_in_use;
	pv->st.prefetched = s->prefetched;
	pv->st.prefetch_hits = s->prefetch_hits;
	pv->st.quota_failures = s->quota_failures;
	pv->st.stale_unmaps = s->stale_releases;
}

static uint64_t hypercall(void *ctx, uint64_t nr, const uint64_t args[2])
{
	struct pv_iommu *pv = ctx;
	struct host *h = pv->h;
	uint64_t t0 = host_now(h), base = args[0], n = args[1], hpa, hpa_end;
	const uint64_t bytes = PV_IOMMU_REQ_WORDS * 8;

	(void)nr;
	pv->st.hypercalls++;
	if (!n || n > pv->cfg.batch || !vm_gpa_to_hpa(pv->vm, base, &hpa) ||
	    !vm_gpa_to_hpa(pv->vm, base + n * bytes - 1, &hpa_end) ||
	    hpa_end - hpa != n * bytes - 1) {
		pv->st.bad_requests += n;
		return (uint64_t)-EINVAL;
	}
	for (uint64_t i = 0; i < n; i++) {
		uint64_t w[PV_IOMMU_REQ_WORDS];
		int rc;

		for (unsigned k = 0; k < PV_IOMMU_W_STATUS; k++)
			w[k] = host_mem_read64(h, hpa + i * bytes + 8 * k);
		host_cpu_work(h, pv->costs->pv_iommu_req);
		rc = request(pv, w);
		if (rc && rc != -ENOSPC)
			pv->st.bad_requests++;
		host_mem_write64(h, hpa + i * bytes + 8 * PV_IOMMU_W_STATUS, (uint64_t)(int64_t)rc);
	}
	strict_sync(pv);
	sync_strategy_stats(pv);
	pv->st.hv_ps += host_now(h) - t0;
	pv->st.hypercall_hv_ps += host_now(h) - t0;
	return 0;
}

/* ---- the back-end ---- */

int pv_iommu_create(struct vm *vm, const struct vfio_dma_cfg *cfg, struct pv_iommu **out)
{
	struct pv_iommu *pv;
	uint64_t flags = PV_IOMMU_PRESENT;
	int rc = 0;

	if (cfg->strategy == DMA_NONE)
		return -EINVAL;
	pv = calloc(1, sizeof(*pv));
	if (!pv)
		return -ENOMEM;
	pv->vm = vm;
	pv->h = hv_host(vm_hv(vm));
	pv->costs = hv_costs(vm_hv(vm));
	pv->cfg = *cfg;
	pv->pv = cfg->strategy != DMA_DIRECT_MAP;
	u64map_init(&pv->pages);
	u64map_init(&pv->pins);
	sim_samples_init(&pv->st.window_ps);
	host_hrtimer_init(&pv->fq_timer, fq_timeout);
	if (pv->pv && cfg->invalidation == DMA_INVAL_DEFERRED) {
		pv->fq = calloc(cfg->flush_entries ? cfg->flush_entries : 1, sizeof(*pv->fq));
		if (!pv->fq)
			rc = -ENOMEM;
	}
	if (pv->pv && !rc) {
		struct dma_strategy_cfg sc = {.kind = cfg->strategy,
					      .quota = cfg->quota_pages,
					      .repl = cfg->replacement,
					      .prefetch = cfg->prefetch,
					      .full = cfg->quota_full};

		rc = dma_strategy_create(&sc, &strategy_ops, pv, &pv->strat);
		if (!rc)
			rc = vm_set_hypercall(vm, KVM_HC_PV_IOMMU, hypercall, pv);
	}
	if (rc) {
		pv_iommu_destroy(pv);
		return rc;
	}
	if (pv->pv) {
		if (cfg->strategy == DMA_PERSISTENT)
			flags |= PV_IOMMU_PERSISTENT;
		if (cfg->strategy == DMA_ON_DEMAND && cfg->quota_full == DMA_QUOTA_FAIL)
			flags |= PV_IOMMU_QUOTA_FAIL;
		if (cfg->strategy == DMA_SINGLE_USE)
			flags |= PV_IOMMU_IOVA_ALLOC;
		/* The virtual firmware tells the guest (bootparam.h). */
		vm_bootparam_write(vm, BOOTPARAM_WORD(pv_iommu_flags), flags);
		vm_bootparam_write(vm, BOOTPARAM_WORD(pv_iommu_batch), cfg->batch);
		vm_bootparam_write(vm, BOOTPARAM_WORD(pv_iommu_quota),
				   cfg->strategy == DMA_ON_DEMAND ? cfg->quota_pages : 0);
		if (flags & PV_IOMMU_IOVA_ALLOC) {
			vm_bootparam_write(vm, BOOTPARAM_WORD(pv_iommu_iova_base),
					   PV_IOMMU_IOVA_BASE);
			vm_bootparam_write(vm, BOOTPARAM_WORD(pv_iommu_iova_size),
					   PV_IOMMU_IOVA_SIZE);
		}
	}
	*out = pv;
	return 0;
}

void pv_iommu_destroy(struct pv_iommu *pv)
{
	size_t i = 0;
	uint64_t v;

	if (!pv)
		return;
	while (u64map_next(&pv->pages, &i, NULL, &v)) {
		struct pv_page *p = (struct pv_page *)(uintptr_t)v;

		free(p->open);
		free(p);
	}
	u64map_free(&pv->pages);
	u64map_free(&pv->pins);
	dma_strategy_destroy(pv->strat);
	sim_samples_free(&pv->st.window_ps);
	free(pv->gather);
	free(pv->fq);
	free(pv->devs);
	free(pv);
}

int pv_iommu_add_device(struct pv_iommu *pv, uint16_t bdf, uint8_t guest_devfn,
			struct dmar_domain *dom)
{
	struct pv_dev *d = realloc(pv->devs, (pv->ndevs + 1) * sizeof(*d));

	if (!d)
		return -ENOMEM;
	pv->devs = d;
	pv->devs[pv->ndevs++] = (struct pv_dev){bdf, guest_devfn, dom};
	return 0;
}

void pv_iommu_pinned_at_assignment(struct pv_iommu *pv, uint64_t npages)
{
	/* VFIO pins a page once per container, however many devices map it. */
	if (npages > pv->direct_pinned) {
		pv->direct_pinned = npages;
		pinned_set(pv, npages, pv->t_pinned);
	}
}

void pv_iommu_observe(struct pv_iommu *pv, uint16_t sid, uint64_t iova, bool ok, uint64_t t)
{
	struct pv_page *p;
	unsigned d;

	(void)t;
	if (!pv->pv)
		return;
	for (d = 0; d < pv->ndevs && pv->devs[d].bdf != sid; d++)
		;
	if (d == pv->ndevs)
		return;
	p = page_of(pv, KEY(d, iova / PAGE), false);
	if (!p)
		return;
	if (ok && p->nopen)
		pv->st.use_after_unmap++;
	else if (!ok && p->live && p->evicted_in_use)
		pv->st.lost_dmas++;
	else if (!ok && !p->live)
		pv->st.blocked_after_unmap++;
}

void pv_iommu_measure(struct pv_iommu *pv, bool on, uint64_t now)
{
	pinned_account(pv, now);
	if (on && !pv->measuring)
		sim_samples_reset(&pv->st.window_ps);
	pv->measuring = on;
}

const struct pv_iommu_stats *pv_iommu_stats(const struct pv_iommu *pv)
{
	return &pv->st;
}

const struct vfio_dma_cfg *pv_iommu_cfg(const struct pv_iommu *pv)
{
	return &pv->cfg;
}

/* Where the back-end's counters reach the results (the application places this table at "";
 * rows with .each also go under the VM's prefix when there are several VMs). */
#define PV_ROW(field, kind, key, meaning)                                                          \
	{                                                                                          \
		METRIC(struct pv_iommu_stats, field, kind, key, meaning), .each = (key)            \
	}
static const struct metric pv_rows[] = {
    PV_ROW(hypercalls, COUNT, "dma.hypercalls",
	   "paravirtual IOMMU hypercalls the hypervisor served"),
    PV_ROW(map_requests, COUNT, "dma.map_requests", "guest map requests it received"),
    PV_ROW(unmap_requests, COUNT, "dma.unmap_requests", "guest unmap requests it received"),
    PV_ROW(bad_requests, COUNT, "dma.bad_requests",
	   "requests refused as invalid (not the VM's memory, device or IOVAs)"),
    PV_ROW(maps, COUNT, "dma.maps", "pages mapped in the IOMMU (each pinned first)"),
    PV_ROW(unmaps, COUNT, "dma.unmaps",
	   "pages torn down from the IOMMU (unpinned once invalidated)"),
    PV_ROW(remaps, COUNT, "dma.remaps", "maps of a page that had been mapped and torn down before"),
    PV_ROW(hits, COUNT, "dma.cache.hits", "page maps that found the page still mapped"),
    PV_ROW(misses, COUNT, "dma.cache.misses", "page maps that had to map it"),
    PV_ROW(evictions, COUNT, "dma.cache.evictions",
	   "on_demand: unused pages the map cache dropped to make room"),
    PV_ROW(evictions_in_use, COUNT, "dma.cache.evictions_in_use",
	   "on_demand, quota_full evict: pages in use dropped for the quota (faults to come)"),
    PV_ROW(prefetched, COUNT, "dma.cache.prefetched", "on_demand: pages mapped ahead of a request"),
    PV_ROW(prefetch_hits, COUNT, "dma.cache.prefetch_hits",
	   "prefetched pages a later map found mapped"),
    PV_ROW(quota_failures, COUNT, "dma.cache.quota_failures",
	   "map requests refused: the quota was full of pages in use"),
    PV_ROW(stale_unmaps, COUNT, "dma.cache.stale_unmaps",
	   "guest unmaps of pages the cache had evicted while in use"),
    PV_ROW(inv_page, COUNT, "dma.invalidations.page", "page-selective IOTLB invalidations"),
    PV_ROW(inv_domain, COUNT, "dma.invalidations.domain",
	   "domain-selective IOTLB invalidations (a flush queue's flush)"),
    PV_ROW(inv_descs, COUNT, "dma.invalidation_descriptors",
	   "invalidation-queue descriptors submitted, wait and device-TLB descriptors included"),
    PV_ROW(inv_submissions, COUNT, "dma.invalidation_waits",
	   "invalidations waited for: submissions ending with a wait descriptor"),
    PV_ROW(fq_entries, COUNT, "dma.flush_queue.entries", "deferred: unmapped ranges queued"),
    PV_ROW(fq_flush_full, COUNT, "dma.flush_queue.flushes_full",
	   "deferred: flushes because the queue was full"),
    PV_ROW(fq_flush_timeout, COUNT, "dma.flush_queue.flushes_timeout",
	   "deferred: flushes by the queue's timer"),
    {METRIC(struct pv_iommu_stats, pinned_pages, GAUGE, "dma.pinned_pages",
	    "guest pages pinned for DMA at the end"),
     .each = "dma.pinned_pages"},
    {METRIC(struct pv_iommu_stats, pinned_peak, GAUGE, "dma.pinned_pages_peak",
	    "guest pages pinned for DMA at the peak (summed over VMs)"),
     .each = "dma.pinned_pages_peak"},
    PV_ROW(pinned_page_ns, COUNT, "dma.pinned_page_ns",
	   "pinned pages integrated over time, in page-nanoseconds"),
    PV_ROW(hv_ps, TIME, "dma.hv_ns",
	   "the hypervisor's DMA mapping work: hypercalls and flush-queue timers"),
    PV_ROW(hypercall_hv_ps, TIME, "dma.hypercall_hv_ns", "of it, inside the guest's hypercalls"),
    PV_ROW(use_after_unmap, COUNT, "dma.use_after_unmap",
	   "device accesses the IOMMU translated to a page the guest had unmapped"),
    PV_ROW(blocked_after_unmap, COUNT, "dma.blocked_after_unmap",
	   "device accesses the IOMMU blocked at a page the guest had unmapped"),
    PV_ROW(lost_dmas, COUNT, "dma.lost_dmas",
	   "device accesses blocked at a page evicted while in use: lost DMA"),
    PV_ROW(windows, COUNT, "dma.unmap_windows",
	   "use-after-unmap windows closed: a page the guest unmapped stopped translating, "
	   "or was mapped again"),
    {METRIC(struct pv_iommu_stats, windows_open, GAUGE, "dma.unmap_windows_open",
	    "pages the guest unmapped that still translated at the end")},
    {METRIC_SAMPLED(struct pv_iommu_stats, window_ps, "dma.unmap_window_ns",
		    "per page the guest unmapped: from its unmap call until no IOMMU cache "
		    "could translate it (the covering invalidation completed) or the guest "
		    "mapped it again")},
};
const struct metric_table pv_iommu_metrics = METRIC_TABLE(struct pv_iommu_stats, pv_rows);
