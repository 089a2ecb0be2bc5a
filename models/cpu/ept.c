/* SPDX-License-Identifier: MIT */
/*
 * EPT as the set of guest-physical ranges it maps (Intel SDM vol. 3C §28.2): a range maps to
 * host-physical memory or MMIO with read/write rights; an access outside every range, or
 * without the right, is an EPT violation.
 */
#include "models/cpu/vmx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct ept_range {
	uint64_t gpa, size, hpa;
	unsigned rights;
};

struct ept {
	struct ept_range *r;
	size_t n, cap;
	size_t last; /* lookup hint */
};

int ept_create(struct ept **out)
{
	struct ept *e = calloc(1, sizeof(*e));

	if (!e)
		return -ENOMEM;
	*out = e;
	return 0;
}

void ept_destroy(struct ept *e)
{
	if (!e)
		return;
	free(e->r);
	free(e);
}

static int push(struct ept *e, uint64_t gpa, uint64_t size, uint64_t hpa, unsigned rights)
{
	if (e->n == e->cap) {
		size_t nc = e->cap ? e->cap * 2 : 8;
		struct ept_range *n = realloc(e->r, nc * sizeof(*n));

		if (!n)
			return -ENOMEM;
		e->r = n;
		e->cap = nc;
	}
	e->r[e->n].gpa = gpa;
	e->r[e->n].size = size;
	e->r[e->n].hpa = hpa;
	e->r[e->n].rights = rights;
	e->n++;
	return 0;
}

int ept_unmap(struct ept *e, uint64_t gpa, uint64_t size)
{
	uint64_t end = gpa + size;
	size_t i = 0;

	while (i < e->n) {
		struct ept_range r = e->r[i];
		uint64_t rend = r.gpa + r.size;

		if (rend <= gpa || r.gpa >= end) {
			i++;
			continue;
		}
		/* remove r, then push back the parts outside [gpa, end) */
		memmove(&e->r[i], &e->r[i + 1], (e->n - i - 1) * sizeof(r));
		e->n--;
		if (r.gpa < gpa && push(e, r.gpa, gpa - r.gpa, r.hpa, r.rights))
			return -ENOMEM;
		if (rend > end && push(e, end, rend - end, r.hpa + (end - r.gpa), r.rights))
			return -ENOMEM;
	}
	e->last = 0;
	return 0;
}

int ept_map(struct ept *e, uint64_t gpa, uint64_t size, uint64_t hpa, unsigned rights)
{
	int rc = ept_unmap(e, gpa, size);

	return rc ? rc : push(e, gpa, size, hpa, rights);
}

bool ept_translate(const struct ept *e, uint64_t gpa, bool write, uint64_t *hpa)
{
	struct ept *m = (struct ept *)e;

	for (size_t k = 0; k < e->n; k++) {
		size_t i = (e->last + k) % e->n;
		const struct ept_range *r = &e->r[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size) {
			m->last = i;
			if ((r->rights & EPT_MISCONFIG) || !(r->rights & (write ? EPT_W : EPT_R)))
				return false;
			*hpa = r->hpa + (gpa - r->gpa);
			return true;
		}
	}
	return false;
}

bool ept_misconfigured(const struct ept *e, uint64_t gpa)
{
	for (size_t i = 0; i < e->n; i++)
		if (gpa >= e->r[i].gpa && gpa - e->r[i].gpa < e->r[i].size)
			return e->r[i].rights & EPT_MISCONFIG;
	return false;
}
