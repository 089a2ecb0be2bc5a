/* SPDX-License-Identifier: MIT */
#include "models/mem/mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE 4096ull

struct range {
	uint64_t base, size;
	uint8_t *data; /* mmap'd, MAP_NORESERVE: untouched pages read as zero and cost nothing */
};

struct owner_iv {
	uint64_t base, end; /* [base, end) */
	unsigned owner;
};

struct watch {
	uint64_t pa, end;
	void (*fn)(void *ctx);
	void *ctx;
	bool used;
};

#define MEM_MAX_WATCHES 64

struct mem {
	struct mem_cfg cfg;
	struct watch watches[MEM_MAX_WATCHES];
	unsigned nwatch; /* watches in use */
	struct range r[2];
	unsigned nr;
	struct owner_iv *iv;
	size_t niv, cap_iv;
	struct mem_stats st;
};

static int add_range(struct mem *m, uint64_t base, uint64_t size)
{
	void *p;

	if (!size)
		return 0;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	m->r[m->nr].base = base;
	m->r[m->nr].size = size;
	m->r[m->nr].data = p;
	m->nr++;
	return 0;
}

int mem_create(const struct mem_cfg *cfg, struct mem **out)
{
	struct mem *m;
	uint64_t low, high;
	int rc;

	if (!cfg->size || cfg->size % PAGE || cfg->low_top % PAGE || cfg->low_top > MEM_4G)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->cfg = *cfg;
	low = cfg->size < cfg->low_top ? cfg->size : cfg->low_top;
	high = cfg->size - low;
	rc = add_range(m, 0, low);
	if (!rc)
		rc = add_range(m, MEM_4G, high);
	if (rc) {
		mem_destroy(m);
		return rc;
	}
	if (cfg->firmware_size && cfg->firmware_size <= low)
		mem_set_owner(m, low - cfg->firmware_size, cfg->firmware_size, MEM_OWNER_FIRMWARE);
	*out = m;
	return 0;
}

void mem_destroy(struct mem *m)
{
	if (!m)
		return;
	for (unsigned i = 0; i < m->nr; i++)
		munmap(m->r[i].data, m->r[i].size);
	free(m->iv);
	free(m);
}

unsigned mem_nranges(const struct mem *m)
{
	return m->nr;
}

void mem_range(const struct mem *m, unsigned i, uint64_t *base, uint64_t *size)
{
	*base = i < m->nr ? m->r[i].base : 0;
	*size = i < m->nr ? m->r[i].size : 0;
}

static const struct range *find_range(const struct mem *m, uint64_t pa, uint64_t len)
{
	for (unsigned i = 0; i < m->nr; i++) {
		const struct range *r = &m->r[i];

		if (pa >= r->base && len <= r->size && pa - r->base <= r->size - len)
			return r;
	}
	return NULL;
}

bool mem_is_ram(const struct mem *m, uint64_t pa, uint64_t len)
{
	return find_range(m, pa, len) != NULL;
}

void *mem_ptr(struct mem *m, uint64_t pa, uint64_t len)
{
	const struct range *r = find_range(m, pa, len);

	return r ? r->data + (pa - r->base) : NULL;
}

int mem_read(struct mem *m, uint64_t pa, void *buf, size_t len)
{
	const struct range *r = find_range(m, pa, len);

	m->st.reads++;
	m->st.read_bytes += len;
	if (!r) {
		memset(buf, 0xff, len);
		return -EFAULT;
	}
	memcpy(buf, r->data + (pa - r->base), len);
	return 0;
}

int mem_write(struct mem *m, uint64_t pa, const void *buf, size_t len)
{
	const struct range *r = find_range(m, pa, len);

	m->st.writes++;
	m->st.write_bytes += len;
	if (!r)
		return -EFAULT;
	memcpy(r->data + (pa - r->base), buf, len);
	if (m->nwatch) {
		for (unsigned i = 0; i < MEM_MAX_WATCHES; i++) {
			struct watch *w = &m->watches[i];

			if (w->used && pa < w->end && pa + len > w->pa)
				w->fn(w->ctx);
		}
	}
	return 0;
}

int mem_watch(struct mem *m, uint64_t pa, uint64_t len, void (*fn)(void *ctx), void *ctx)
{
	for (int i = 0; i < MEM_MAX_WATCHES; i++) {
		struct watch *w = &m->watches[i];

		if (w->used)
			continue;
		w->pa = pa;
		w->end = pa + len;
		w->fn = fn;
		w->ctx = ctx;
		w->used = true;
		m->nwatch++;
		return i;
	}
	return -ENOSPC;
}

void mem_unwatch(struct mem *m, int handle)
{
	if (handle < 0 || handle >= MEM_MAX_WATCHES || !m->watches[handle].used)
		return;
	m->watches[handle].used = false;
	m->nwatch--;
}

uint64_t mem_read64(struct mem *m, uint64_t pa)
{
	uint8_t b[8];
	uint64_t v = 0;

	mem_read(m, pa, b, 8);
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | b[i];
	return v;
}

uint32_t mem_read32(struct mem *m, uint64_t pa)
{
	uint8_t b[4];

	mem_read(m, pa, b, 4);
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

void mem_write64(struct mem *m, uint64_t pa, uint64_t v)
{
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	mem_write(m, pa, b, 8);
}

void mem_write32(struct mem *m, uint64_t pa, uint32_t v)
{
	uint8_t b[4];

	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	mem_write(m, pa, b, 4);
}

uint64_t mem_access_ps(const struct mem *m, size_t bytes, bool llc)
{
	uint64_t lat = llc ? m->cfg.llc_latency_ps : m->cfg.latency_ps;

	if (m->cfg.bandwidth_gbps > 0)
		lat += (uint64_t)((double)bytes * 1000.0 / m->cfg.bandwidth_gbps); /* B / (GB/s) = ns */
	return lat;
}

/* ---- owners: a sorted list of disjoint intervals ---- */

static int iv_insert(struct mem *m, size_t at, uint64_t base, uint64_t end, unsigned owner)
{
	if (m->niv == m->cap_iv) {
		size_t nc = m->cap_iv ? m->cap_iv * 2 : 16;
		struct owner_iv *n = realloc(m->iv, nc * sizeof(*n));

		if (!n)
			return -ENOMEM;
		m->iv = n;
		m->cap_iv = nc;
	}
	memmove(&m->iv[at + 1], &m->iv[at], (m->niv - at) * sizeof(*m->iv));
	m->iv[at].base = base;
	m->iv[at].end = end;
	m->iv[at].owner = owner;
	m->niv++;
	return 0;
}

int mem_set_owner(struct mem *m, uint64_t pa, uint64_t len, unsigned owner)
{
	uint64_t base = pa & ~(PAGE - 1);
	uint64_t end = (pa + len + PAGE - 1) & ~(PAGE - 1);
	size_t i = 0;

	if (end <= base)
		return 0;
	/* Cut every interval that overlaps [base, end), then insert the new one. */
	while (i < m->niv) {
		struct owner_iv *v = &m->iv[i];

		if (v->end <= base || v->base >= end) {
			i++;
			continue;
		}
		if (v->base < base && v->end > end) {
			/* split in two around the new range */
			uint64_t tail_end = v->end;
			unsigned o = v->owner;

			v->end = base;
			if (iv_insert(m, i + 1, end, tail_end, o))
				return -ENOMEM;
			i += 2;
			continue;
		}
		if (v->base < base) {
			v->end = base;
			i++;
		} else if (v->end > end) {
			v->base = end;
			i++;
		} else {
			memmove(v, v + 1, (m->niv - i - 1) * sizeof(*v));
			m->niv--;
		}
	}
	if (owner == MEM_OWNER_NONE)
		return 0;
	for (i = 0; i < m->niv && m->iv[i].base < base; i++)
		;
	return iv_insert(m, i, base, end, owner);
}

unsigned mem_owner(const struct mem *m, uint64_t pa)
{
	size_t lo = 0, hi = m->niv;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (m->iv[mid].end <= pa)
			lo = mid + 1;
		else if (m->iv[mid].base > pa)
			hi = mid;
		else
			return m->iv[mid].owner;
	}
	return MEM_OWNER_NONE;
}

const struct mem_stats *mem_stats(const struct mem *m)
{
	return &m->st;
}

const struct mem_cfg *mem_cfg(const struct mem *m)
{
	return &m->cfg;
}
