/* SPDX-License-Identifier: MIT */
/*
 * Address Translation Services on the device side (PCIe 5.0 ch. 10): the function's address
 * translation cache (ATC). With ATS Enable set (§10.5.1.3), a DMA chunk looks up the ATC: a
 * hit goes out as a translated request (AT = 10b) that the root complex passes without a
 * walk; a miss first sends a translation request (AT = 01b, §10.2.2) and waits for its
 * completion, which carries the translated page, its size and R/W rights. A completion
 * without rights makes the device send the request untranslated (the IOMMU then faults it).
 * ATS invalidate requests (§10.3) drop overlapping entries and are answered with an
 * invalidate completion message. All timing is arithmetic on the links' busy times.
 */
#include "models/pcie/pcie_internal.h"
#include "sim/metrics.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct atc_entry {
	uint64_t base;	/* untranslated page base */
	uint64_t taddr; /* translated page base */
	uint64_t stamp;
	uint8_t shift;
	uint8_t perm;
	bool valid;
};

struct pcie_atc {
	unsigned n;
	unsigned cap; /* ATS capability offset */
	struct atc_entry *e;
	uint64_t clock;
	struct pcie_atc_stats st;
};

int pcie_fn_add_ats(struct pcie_fn *fn, unsigned atc_entries)
{
	struct pcie_atc *a;
	int off;

	if (!atc_entries || fn->atc)
		return -EINVAL;
	off = pcie_fn_add_ext_ats(fn);
	if (off < 0)
		return off;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->e = calloc(atc_entries, sizeof(*a->e));
	if (!a->e) {
		free(a);
		return -ENOMEM;
	}
	a->n = atc_entries;
	a->cap = (unsigned)off;
	fn->atc = a;
	return off;
}

void pcie__atc_free(struct pcie_atc *atc)
{
	if (!atc)
		return;
	free(atc->e);
	free(atc);
}

bool pcie_fn_ats_enabled(const struct pcie_fn *fn)
{
	return fn->atc &&
	       (regs_get(&fn->cfg, fn->atc->cap + PCI_ATS_CTRL, 2) & PCI_ATS_CTRL_ENABLE);
}

/* A function's ATC, keys relative to where the application places the table ("ats.atc."). */
#define ATC_ROW(field, key, meaning)                                                               \
	{                                                                                          \
		METRIC(struct pcie_atc_stats, field, COUNT, key, meaning)                          \
	}
static const struct metric pcie_atc_rows[] = {
    ATC_ROW(lookups, "lookups", "ATC lookups"),
    ATC_ROW(hits, "hits", "lookups that found a translation"),
    ATC_ROW(misses, "misses", "lookups that did not (a translation request follows)"),
    ATC_ROW(inserts, "inserts", "translations filled"),
    ATC_ROW(evictions, "evictions", "valid entries replaced to make room"),
    ATC_ROW(invalidations, "invalidations", "ATS invalidate requests received"),
    ATC_ROW(inval_entries, "invalidated_entries", "valid entries those requests dropped"),
    ATC_ROW(translation_requests, "translation_requests",
	    "ATS translation requests the function sent"),
    ATC_ROW(translation_faults, "translation_faults",
	    "translation requests without a usable answer (the request went untranslated)"),
    ATC_ROW(translated_requests, "translated_requests",
	    "requests the function sent with a translated address"),
};
const struct metric_table pcie_atc_metrics = METRIC_TABLE(struct pcie_atc_stats, pcie_atc_rows);

const struct pcie_atc_stats *pcie_fn_atc_stats(const struct pcie_fn *fn)
{
	return fn->atc ? &fn->atc->st : NULL;
}

static struct atc_entry *atc_find(struct pcie_atc *a, uint64_t addr)
{
	for (unsigned i = 0; i < a->n; i++) {
		struct atc_entry *e = &a->e[i];

		if (e->valid && (addr >> e->shift) == (e->base >> e->shift))
			return e;
	}
	return NULL;
}

static void atc_insert(struct pcie_atc *a, uint64_t addr, unsigned shift, uint64_t taddr,
		       unsigned perm)
{
	struct atc_entry *v = NULL;

	for (unsigned i = 0; i < a->n && !v; i++)
		if (!a->e[i].valid)
			v = &a->e[i];
	if (!v) {
		v = &a->e[0];
		for (unsigned i = 1; i < a->n; i++)
			if (a->e[i].stamp < v->stamp)
				v = &a->e[i];
		a->st.evictions++;
	}
	v->valid = true;
	v->shift = (uint8_t)shift;
	v->base = addr & ~((1ull << shift) - 1);
	v->taddr = taddr & ~((1ull << shift) - 1);
	v->perm = (uint8_t)perm;
	v->stamp = ++a->clock;
	a->st.inserts++;
}

/* One TLP with `payload` data bytes and a `hdr`-byte header from fn up to the root complex,
 * ready at t: when it has arrived there (the links' busy-until arithmetic, as DMA uses). */
static uint64_t up(struct pcie_fn *fn, unsigned hdr, unsigned payload, uint64_t t)
{
	struct pcie_tlps b;
	unsigned n;
	struct pcie_hop *hops = (struct pcie_hop *)pcie__fn_path(fn, &n);

	pcie__burst(&b, payload, 4096, hdr);
	pcie__path_send(hops, n, PCIE_UP, &b, t, NULL, &t);
	return t + fn->fab->cfg.rc_latency_ps;
}

/* And back down to fn. */
static uint64_t down(struct pcie_fn *fn, unsigned hdr, unsigned payload, uint64_t t)
{
	struct pcie_tlps b;
	unsigned n;
	struct pcie_hop *hops = (struct pcie_hop *)pcie__fn_path(fn, &n);

	pcie__burst(&b, payload, 4096, hdr);
	t += fn->fab->cfg.rc_latency_ps;
	pcie__path_send(hops, n, PCIE_DOWN, &b, t, NULL, &t);
	return t;
}

uint64_t pcie__ats_chunk(struct pcie_fn *fn, uint64_t addr, bool write, uint64_t t, uint64_t *taddr,
			 bool *translated)
{
	struct pcie_atc *a = fn->atc;
	unsigned need = write ? 2u : 1u;
	struct atc_entry *e;
	struct pcie_xlate x;
	uint64_t t_rc;

	*translated = false;
	const struct pcie_iommu *iommu = pcie__iommu(fn);

	if (!pcie_fn_ats_enabled(fn) || !iommu->ops)
		return t;
	a->st.lookups++;
	e = atc_find(a, addr);
	if (e && (e->perm & need)) {
		e->stamp = ++a->clock;
		a->st.hits++;
		a->st.translated_requests++;
		*taddr = e->taddr | (addr & ((1ull << e->shift) - 1));
		*translated = true;
		return t;
	}
	a->st.misses++;
	/* Translation request: a read-request-sized TLP up, a completion with the translation
	 * (8 bytes of data) down (§10.2.2-10.2.3). */
	a->st.translation_requests++;
	memset(&x, 0, sizeof(x));
	x.at = PCIE_AT_TRANSLATION;
	x.hpa = addr & ~0xfffull;
	t_rc = up(fn, addr >> 32 ? PCIE_TLP_HDR_4DW : PCIE_TLP_HDR_3DW, 0, t);
	iommu->ops->translate(iommu->unit, pcie_fn_rid(fn), addr & ~0xfffull, 0, write, t_rc, &x);
	t = down(fn, PCIE_TLP_HDR_3DW, 8, t_rc + x.lat_ps);
	if (!x.ok || !(x.perm & need)) {
		/* No usable translation: the request goes untranslated (§10.2.3.5). */
		a->st.translation_faults++;
		return t;
	}
	if (!x.page_shift)
		x.page_shift = 12;
	atc_insert(a, addr, x.page_shift, x.hpa, x.perm);
	a->st.translated_requests++;
	*taddr = (x.hpa & ~((1ull << x.page_shift) - 1)) | (addr & ((1ull << x.page_shift) - 1));
	*translated = true;
	return t;
}

bool pcie_ats_invalidate(struct pcie_fabric *fab, uint16_t sid, uint64_t addr, uint64_t size,
			 uint64_t t, uint64_t *t_done)
{
	struct pcie_fn *fn = pcie_fabric_lookup(fab, (uint8_t)(sid >> 8), (uint8_t)sid);
	struct pcie_atc *a;
	uint64_t lo = addr, hi = size ? addr + size : ~0ull;

	if (!fn || !pcie_fn_ats_enabled(fn))
		return false;
	a = fn->atc;
	a->st.invalidations++;
	for (unsigned i = 0; i < a->n; i++) {
		struct atc_entry *e = &a->e[i];
		uint64_t elo = e->base, ehi = e->base + (1ull << e->shift);

		if (e->valid && (!size || (elo < hi && lo < ehi))) {
			e->valid = false;
			a->st.inval_entries++;
		}
	}
	/* Invalidate request message down (16-byte header + 8 bytes of address), the device
	 * drops the entries, then its invalidate completion message comes up (§10.3.1-10.3.2). */
	*t_done = up(fn, PCIE_TLP_HDR_4DW, 0,
		     down(fn, PCIE_TLP_HDR_4DW, 8, t) + fab->cfg.mmio_dev_ps);
	return true;
}
