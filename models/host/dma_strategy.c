/* SPDX-License-Identifier: MIT */
/*
 * The strategies' bookkeeping (dma_strategy.h). One entry per page the strategy keeps
 * mapped, found by a hash map from page key to entry; the entries of a map cache sit in one
 * circular list whose order is the replacement policy's: least recently used first (LRU,
 * moved to the end when used), oldest mapping first (FIFO), or the CLOCK's circle with its
 * hand and reference bits (Corbató's second chance). A victim is looked for from the list's
 * start (or the hand), skipping pages in use and pages of the request being served.
 */
#include "models/host/dma_strategy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX

struct ent {
	uint64_t key;
	uint64_t stamp; /* the request that last touched it */
	uint32_t refs;	/* guest mappings that use it */
	uint32_t prev, next;
	bool ref_bit;	 /* CLOCK: used since the hand last passed */
	bool prefetched; /* mapped ahead and not yet asked for */
};

struct dma_strategy {
	struct dma_strategy_cfg cfg;
	const struct dma_strategy_ops *ops;
	void *ctx;
	struct ent *e;
	uint32_t cap, nfree;
	uint32_t *free;	     /* free entry slots */
	uint32_t head;	     /* LRU/FIFO: the first candidate; CLOCK: the hand */
	struct u64map index; /* key -> entry slot */
	struct u64map seen;  /* keys ever mapped (to count remaps) */
	struct u64map stale; /* keys evicted while in use -> guest mappings still outstanding */
	uint64_t gen;	     /* request counter */
	struct dma_strategy_stats st;
};

int dma_strategy_create(const struct dma_strategy_cfg *cfg, const struct dma_strategy_ops *ops,
			void *ctx, struct dma_strategy **out)
{
	struct dma_strategy *s;

	if (cfg->kind < DMA_SINGLE_USE || cfg->kind > DMA_ON_DEMAND || !ops || !ops->map ||
	    !ops->unmap || (cfg->kind == DMA_ON_DEMAND && !cfg->quota))
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cfg = *cfg;
	s->ops = ops;
	s->ctx = ctx;
	s->head = NIL;
	u64map_init(&s->index);
	u64map_init(&s->seen);
	u64map_init(&s->stale);
	*out = s;
	return 0;
}

void dma_strategy_destroy(struct dma_strategy *s)
{
	if (!s)
		return;
	u64map_free(&s->index);
	u64map_free(&s->seen);
	u64map_free(&s->stale);
	free(s->e);
	free(s->free);
	free(s);
}

const struct dma_strategy_stats *dma_strategy_stats(const struct dma_strategy *s)
{
	return &s->st;
}

static struct ent *lookup(const struct dma_strategy *s, uint64_t key, uint32_t *slot)
{
	uint64_t v;

	if (!u64map_get(&s->index, key, &v))
		return NULL;
	if (slot)
		*slot = (uint32_t)v;
	return &s->e[v];
}

bool dma_strategy_cached(const struct dma_strategy *s, uint64_t key, unsigned *refs)
{
	const struct ent *e = lookup(s, key, NULL);

	if (refs)
		*refs = e ? e->refs : 0;
	return e != NULL;
}

/* ---- the list: circular, doubly linked through slot numbers ---- */

static void list_insert_before(struct dma_strategy *s, uint32_t i, uint32_t at)
{
	if (at == NIL) {
		s->e[i].prev = s->e[i].next = i;
		return;
	}
	s->e[i].next = at;
	s->e[i].prev = s->e[at].prev;
	s->e[s->e[at].prev].next = i;
	s->e[at].prev = i;
}

static void list_remove(struct dma_strategy *s, uint32_t i)
{
	uint32_t p = s->e[i].prev, n = s->e[i].next;

	if (n == i) {
		s->head = NIL;
		return;
	}
	s->e[p].next = n;
	s->e[n].prev = p;
	if (s->head == i)
		s->head = n;
}

/* Append at the end: before the head (the list's last place; CLOCK: just behind the hand). */
static void list_append(struct dma_strategy *s, uint32_t i)
{
	list_insert_before(s, i, s->head);
	if (s->head == NIL)
		s->head = i;
}

/* ---- entries ---- */

static int ent_alloc(struct dma_strategy *s, uint32_t *slot)
{
	if (!s->nfree) {
		uint32_t ncap = s->cap ? s->cap * 2 : 64;
		struct ent *e = realloc(s->e, ncap * sizeof(*e));
		uint32_t *f;

		if (!e)
			return -ENOMEM;
		s->e = e;
		f = realloc(s->free, ncap * sizeof(*f));
		if (!f)
			return -ENOMEM;
		s->free = f;
		for (uint32_t i = ncap; i > s->cap; i--)
			s->free[s->nfree++] = i - 1;
		s->cap = ncap;
	}
	*slot = s->free[--s->nfree];
	return 0;
}

static void ent_drop(struct dma_strategy *s, uint32_t i)
{
	list_remove(s, i);
	u64map_del(&s->index, s->e[i].key);
	s->free[s->nfree++] = i;
	s->st.cached--;
}

static void touch(struct dma_strategy *s, uint32_t i)
{
	s->e[i].ref_bit = true;
	if (s->cfg.repl == DMA_REPL_LRU && s->e[i].next != i) {
		list_remove(s, i);
		list_append(s, i);
	}
}

static bool eligible(const struct dma_strategy *s, const struct ent *e, bool in_use_ok)
{
	return e->stamp != s->gen && (in_use_ok || !e->refs);
}

/* The page a full cache gives up for a new one, or NIL. */
static uint32_t victim(struct dma_strategy *s, bool in_use_ok)
{
	uint32_t i = s->head;

	if (i == NIL)
		return NIL;
	if (s->cfg.repl != DMA_REPL_CLOCK) {
		do {
			if (eligible(s, &s->e[i], in_use_ok))
				return i;
			i = s->e[i].next;
		} while (i != s->head);
		return NIL;
	}
	/* CLOCK: clear reference bits on the way; two turns find a victim if one exists. */
	for (uint64_t step = 0; step < 2 * s->st.cached + 1; step++) {
		struct ent *e = &s->e[s->head];

		if (!eligible(s, e, in_use_ok)) {
			s->head = e->next;
		} else if (e->ref_bit) {
			e->ref_bit = false;
			s->head = e->next;
		} else {
			i = s->head;
			s->head = e->next;
			return i;
		}
	}
	return NIL;
}

static void teardown(struct dma_strategy *s, uint32_t i, bool in_use)
{
	uint64_t key = s->e[i].key;

	ent_drop(s, i);
	s->st.unmaps++;
	s->ops->unmap(s->ctx, key, in_use);
}

static void evict(struct dma_strategy *s, uint32_t i)
{
	struct ent *e = &s->e[i];

	if (e->refs) {
		uint64_t *left = u64map_ref(&s->stale, e->key);

		s->st.evictions_in_use++;
		s->st.in_use--;
		if (left)
			*left += e->refs;
		else
			u64map_put(&s->stale, e->key, e->refs);
		teardown(s, i, true);
		return;
	}
	s->st.evictions++;
	teardown(s, i, false);
}

/* A free place in the cache for one more page: true if there is one (after an eviction). */
static bool make_room(struct dma_strategy *s, bool in_use_ok)
{
	uint32_t v;

	if (s->cfg.kind != DMA_ON_DEMAND || s->st.cached < s->cfg.quota)
		return true;
	v = victim(s, false);
	if (v == NIL && in_use_ok)
		v = victim(s, true);
	if (v == NIL)
		return false;
	evict(s, v);
	return true;
}

/* Map page key and enter it: referenced by the guest (refs 1) or prefetched (refs 0). */
static int enter(struct dma_strategy *s, uint64_t key, bool prefetch)
{
	uint32_t i;
	int rc = ent_alloc(s, &i);

	if (rc)
		return rc;
	rc = u64map_put(&s->index, key, i);
	if (rc) {
		s->free[s->nfree++] = i;
		return rc;
	}
	rc = s->ops->map(s->ctx, key);
	if (rc) {
		u64map_del(&s->index, key);
		s->free[s->nfree++] = i;
		return rc;
	}
	memset(&s->e[i], 0, sizeof(s->e[i]));
	s->e[i].key = key;
	s->e[i].stamp = s->gen;
	s->e[i].refs = prefetch ? 0 : 1;
	s->e[i].ref_bit = !prefetch;
	s->e[i].prefetched = prefetch;
	list_append(s, i);
	s->st.cached++;
	s->st.maps++;
	if (!prefetch)
		s->st.in_use++;
	if (u64map_get(&s->seen, key, NULL))
		s->st.remaps++;
	else
		u64map_put(&s->seen, key, 1);
	return 0;
}

static int ref_page(struct dma_strategy *s, uint64_t key, bool *missed)
{
	uint32_t i;
	struct ent *e = lookup(s, key, &i);

	if (e) {
		s->st.hits++;
		if (e->prefetched) {
			e->prefetched = false;
			s->st.prefetch_hits++;
		}
		if (!e->refs++)
			s->st.in_use++;
		e->stamp = s->gen;
		touch(s, i);
		return 0;
	}
	s->st.misses++;
	*missed = true;
	if (!make_room(s, s->cfg.full == DMA_QUOTA_EVICT))
		return -ENOSPC;
	return enter(s, key, false);
}

bool dma_strategy_would_fail(const struct dma_strategy *s, uint64_t key, unsigned n)
{
	uint64_t need = 0;

	if (s->cfg.kind != DMA_ON_DEMAND || s->cfg.full != DMA_QUOTA_FAIL)
		return false;
	for (unsigned k = 0; k < n; k++) {
		const struct ent *e = lookup(s, key + k, NULL);

		need += !e || !e->refs;
	}
	return s->st.in_use + need > s->cfg.quota;
}

/* Map up to `prefetch` pages after a miss, as long as they are guest RAM and room can be
 * made without touching a page in use; pages already mapped are passed over. */
static void prefetch(struct dma_strategy *s, uint64_t from)
{
	for (unsigned k = 0; k < s->cfg.prefetch; k++) {
		uint64_t key = from + k;

		if (lookup(s, key, NULL))
			continue;
		if (s->ops->prefetchable && !s->ops->prefetchable(s->ctx, key))
			break;
		if (!make_room(s, false) || enter(s, key, true))
			break;
		s->st.prefetched++;
	}
}

int dma_strategy_map(struct dma_strategy *s, uint64_t key, unsigned n)
{
	bool missed = false;
	int rc = 0;

	s->st.requests++;
	if (dma_strategy_would_fail(s, key, n)) {
		s->st.quota_failures++;
		return -ENOSPC;
	}
	s->gen++;
	for (unsigned k = 0; k < n && !rc; k++) {
		if (s->cfg.kind == DMA_SINGLE_USE) {
			/* a mapping of its own: its pages are no one else's */
			s->st.misses++;
			rc = enter(s, key + k, false);
		} else {
			rc = ref_page(s, key + k, &missed);
		}
	}
	if (rc) {
		/* undo what this request took, so that the guest sees all or nothing */
		for (unsigned k = 0; k < n; k++) {
			struct ent *e = lookup(s, key + k, NULL);

			if (e && e->stamp == s->gen && e->refs) {
				dma_strategy_unmap(s, key + k, 1);
				s->st.releases--;
			}
		}
		if (rc == -ENOSPC)
			s->st.quota_failures++;
		return rc;
	}
	if (missed && s->cfg.kind == DMA_ON_DEMAND && s->cfg.prefetch)
		prefetch(s, key + n);
	return 0;
}

void dma_strategy_unmap(struct dma_strategy *s, uint64_t key, unsigned n)
{
	s->st.releases++;
	for (unsigned k = 0; k < n; k++) {
		uint32_t i;
		struct ent *e = lookup(s, key + k, &i);

		if (!e) {
			uint64_t *left = u64map_ref(&s->stale, key + k);

			if (left) {
				s->st.stale_releases++;
				if (!--*left)
					u64map_del(&s->stale, key + k);
			}
			continue;
		}
		if (!e->refs)
			continue; /* not mapped by the guest: a stray unmap */
		if (--e->refs)
			continue;
		s->st.in_use--;
		if (s->cfg.kind == DMA_SINGLE_USE || s->cfg.kind == DMA_SHARED)
			teardown(s, i, false);
	}
}
