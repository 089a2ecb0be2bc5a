/* SPDX-License-Identifier: MIT */
/*
 * The metrics registry: keys made from placed tables and added instances, a hash from key to
 * index, and per instance the list of (field offset, key) reads a snapshot performs. Keys are
 * resolved once, when tables are placed and instances added; a snapshot is a loop of loads
 * and adds into an array indexed like the keys.
 */
#include "sim/metrics.h"

#include "sim/results.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 256

struct mkey {
	char *key;
	enum metric_kind kind;
	enum metric_agg agg;
	const char *meaning;
};

/* A hash entry: a key (index into keys), or a group: a proper dotted prefix of some key. */
struct hent {
	const char *name; /* the key's own string, or an owned copy for a group */
	int32_t key;	  /* index, or -1 for a group */
};

struct mread {
	size_t off;
	uint32_t key;
};

struct minst {
	const char *stats;
	struct mread *r;
	size_t n;
};

struct metrics_group {
	struct metrics *reg;
	const struct metric_table *t;
	int32_t *slot; /* per row and element: the total's key index, or -1 */
};

struct metrics {
	struct mkey *keys;
	size_t nkeys, capkeys;
	struct hent *h;
	size_t hcap, hused;
	struct metrics_group **groups;
	size_t ngroups;
	struct minst *insts;
	size_t ninsts, capinsts;
	char conflict[KEY_MAX]; /* the key the last -EINVAL was about */
};

struct metrics_snap {
	const struct metrics *reg;
	size_t n;
	uint64_t *v;
};

/* ---- keys ---- */

static uint64_t hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h;
}

/* The entry for the first len bytes of name, or NULL. */
static struct hent *find_n(const struct metrics *reg, const char *name, size_t len)
{
	if (!reg->hcap)
		return NULL;
	for (size_t i = hash(name, len) & (reg->hcap - 1);; i = (i + 1) & (reg->hcap - 1)) {
		struct hent *e = &reg->h[i];

		if (!e->name)
			return NULL;
		if (!strncmp(e->name, name, len) && !e->name[len])
			return e;
	}
}

static struct hent *find(const struct metrics *reg, const char *name)
{
	return find_n(reg, name, strlen(name));
}

static void put_slot(struct hent *h, size_t cap, const char *name, int32_t key)
{
	size_t i = hash(name, strlen(name)) & (cap - 1);

	while (h[i].name)
		i = (i + 1) & (cap - 1);
	h[i].name = name;
	h[i].key = key;
}

static int put(struct metrics *reg, const char *name, int32_t key)
{
	if (2 * (reg->hused + 1) > reg->hcap) {
		size_t cap = reg->hcap ? 2 * reg->hcap : 256;
		struct hent *h = calloc(cap, sizeof(*h));

		if (!h)
			return -ENOMEM;
		for (size_t i = 0; i < reg->hcap; i++)
			if (reg->h[i].name)
				put_slot(h, cap, reg->h[i].name, reg->h[i].key);
		free(reg->h);
		reg->h = h;
		reg->hcap = cap;
	}
	put_slot(reg->h, reg->hcap, name, key);
	reg->hused++;
	return 0;
}

/* The index of key, made if new. Instances of one key share its kind and aggregation. */
static int intern(struct metrics *reg, const char *key, const struct metric *row, int32_t *idx)
{
	struct hent *e = find(reg, key);
	struct mkey *k;

	if (e) {
		k = e->key >= 0 ? &reg->keys[e->key] : NULL;
		/* already a group ("a.b" exists, "a" cannot be a value), or another kind */
		if (!k || k->kind != row->kind ||
		    (row->kind == METRIC_GAUGE && k->agg != row->agg)) {
			snprintf(reg->conflict, sizeof(reg->conflict), "%s", key);
			return -EINVAL;
		}
		*idx = e->key;
		return 0;
	}
	for (const char *d = strchr(key, '.'); d; d = strchr(d + 1, '.')) {
		e = find_n(reg, key, (size_t)(d - key));
		if (e && e->key >= 0) { /* "a" is a value, "a.b" cannot be */
			snprintf(reg->conflict, sizeof(reg->conflict), "%s", key);
			return -EINVAL;
		}
	}
	if (reg->nkeys == reg->capkeys) {
		size_t cap = reg->capkeys ? 2 * reg->capkeys : 128;
		struct mkey *nk = realloc(reg->keys, cap * sizeof(*nk));

		if (!nk)
			return -ENOMEM;
		reg->keys = nk;
		reg->capkeys = cap;
	}
	k = &reg->keys[reg->nkeys];
	*k = (struct mkey){strdup(key), row->kind, row->agg, row->meaning};
	if (!k->key || put(reg, k->key, (int32_t)reg->nkeys)) {
		free(k->key);
		return -ENOMEM;
	}
	*idx = (int32_t)reg->nkeys++;
	for (const char *d = strchr(key, '.'); d; d = strchr(d + 1, '.')) {
		char *g;

		if (find_n(reg, key, (size_t)(d - key)))
			continue;
		g = strndup(key, (size_t)(d - key));
		if (!g || put(reg, g, -1)) {
			free(g);
			return -ENOMEM;
		}
	}
	return 0;
}

static size_t elems(const struct metric *row)
{
	return row->count > 1 ? row->count : 1;
}

/* prefix + name, and ".elem" for element i of an array row: 1, 0 if it has no key, or
 * -ENAMETOOLONG. */
static int key_of(char *buf, const char *prefix, const char *name, const struct metric *row,
		  size_t i)
{
	const char *seg = NULL;
	int n;

	if (!name)
		return 0;
	if (row->count > 1) {
		seg = row->elem ? row->elem((unsigned)i) : NULL;
		if (!seg)
			return 0;
	}
	n = snprintf(buf, KEY_MAX, "%s%s%s%s", prefix ? prefix : "", name, seg ? "." : "",
		     seg ? seg : "");
	return n > 0 && n < KEY_MAX ? 1 : -ENAMETOOLONG;
}

/* ---- the registry ---- */

int metrics_create(struct metrics **out)
{
	struct metrics *reg = calloc(1, sizeof(*reg));

	if (!reg)
		return -ENOMEM;
	*out = reg;
	return 0;
}

void metrics_destroy(struct metrics *reg)
{
	if (!reg)
		return;
	for (size_t i = 0; i < reg->hcap; i++)
		if (reg->h[i].name && reg->h[i].key < 0)
			free((char *)reg->h[i].name);
	free(reg->h);
	for (size_t i = 0; i < reg->nkeys; i++)
		free(reg->keys[i].key);
	free(reg->keys);
	for (size_t i = 0; i < reg->ngroups; i++) {
		free(reg->groups[i]->slot);
		free(reg->groups[i]);
	}
	free(reg->groups);
	for (size_t i = 0; i < reg->ninsts; i++)
		free(reg->insts[i].r);
	free(reg->insts);
	free(reg);
}

int metrics_place(struct metrics *reg, const struct metric_table *t, const char *prefix,
		  struct metrics_group **out)
{
	struct metrics_group *g, **ng;
	size_t nslot = 0, s = 0;
	char key[KEY_MAX];
	int rc;

	for (size_t r = 0; r < t->n; r++) {
		if (t->rows[r].kind == METRIC_SAMPLES && t->rows[r].count > 1)
			return -EINVAL;
		nslot += elems(&t->rows[r]);
	}
	g = calloc(1, sizeof(*g));
	ng = realloc(reg->groups, (reg->ngroups + 1) * sizeof(*ng));
	if (ng)
		reg->groups = ng;
	if (!g || !ng || !(g->slot = malloc((nslot ? nslot : 1) * sizeof(*g->slot)))) {
		free(g);
		return -ENOMEM;
	}
	g->reg = reg;
	g->t = t;
	for (size_t r = 0; r < t->n; r++) {
		const struct metric *row = &t->rows[r];

		for (size_t i = 0; i < elems(row); i++, s++) {
			g->slot[s] = -1;
			rc = key_of(key, prefix, row->name, row, i);
			if (rc == 0)
				continue;
			if (rc > 0)
				rc = intern(reg, key, row, &g->slot[s]);
			if (rc) {
				free(g->slot);
				free(g);
				return rc;
			}
		}
	}
	reg->groups[reg->ngroups++] = g;
	if (out)
		*out = g;
	return 0;
}

static int add_read(struct minst *in, size_t *cap, size_t off, int32_t key)
{
	if (in->n == *cap) {
		size_t nc = *cap ? 2 * *cap : 32;
		struct mread *nr = realloc(in->r, nc * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		in->r = nr;
		*cap = nc;
	}
	in->r[in->n++] = (struct mread){off, (uint32_t)key};
	return 0;
}

int metrics_add(struct metrics_group *g, const void *stats, const char *each)
{
	struct metrics *reg = g->reg;
	const struct metric_table *t = g->t;
	struct minst in = {stats, NULL, 0};
	size_t cap = 0, s = 0;
	char key[KEY_MAX];
	int rc = 0;

	if (!stats)
		return -EINVAL;
	if (reg->ninsts == reg->capinsts) {
		size_t nc = reg->capinsts ? 2 * reg->capinsts : 32;
		struct minst *ni = realloc(reg->insts, nc * sizeof(*ni));

		if (!ni)
			return -ENOMEM;
		reg->insts = ni;
		reg->capinsts = nc;
	}
	for (size_t r = 0; r < t->n && !rc; r++) {
		const struct metric *row = &t->rows[r];

		for (size_t i = 0; i < elems(row) && !rc; i++, s++) {
			size_t off = row->offset + i * sizeof(uint64_t);
			int32_t k;

			if (g->slot[s] >= 0)
				rc = add_read(&in, &cap, off, g->slot[s]);
			if (!rc && each)
				rc = key_of(key, each, row->each, row, i);
			if (rc > 0) {
				rc = intern(reg, key, row, &k);
				if (!rc)
					rc = add_read(&in, &cap, off, k);
			}
		}
	}
	if (rc) {
		free(in.r);
		return rc;
	}
	reg->insts[reg->ninsts++] = in;
	return 0;
}

const char *metrics_conflict(const struct metrics *reg)
{
	return reg->conflict;
}

size_t metrics_nkeys(const struct metrics *reg)
{
	return reg->nkeys;
}

const char *metrics_key(const struct metrics *reg, size_t i)
{
	return i < reg->nkeys ? reg->keys[i].key : NULL;
}

enum metric_kind metrics_key_kind(const struct metrics *reg, size_t i)
{
	return reg->keys[i].kind;
}

const char *metrics_key_meaning(const struct metrics *reg, size_t i)
{
	return reg->keys[i].meaning;
}

/* ---- snapshots ---- */

static int snap_new(const struct metrics *reg, struct metrics_snap **out)
{
	struct metrics_snap *s = calloc(1, sizeof(*s));

	if (!s || !(s->v = calloc(reg->nkeys ? reg->nkeys : 1, sizeof(*s->v)))) {
		free(s);
		return -ENOMEM;
	}
	s->reg = reg;
	s->n = reg->nkeys;
	*out = s;
	return 0;
}

int metrics_snapshot(const struct metrics *reg, struct metrics_snap **out)
{
	struct metrics_snap *s;
	int rc = snap_new(reg, &s);

	if (rc)
		return rc;
	for (size_t i = 0; i < reg->ninsts; i++) {
		const struct minst *in = &reg->insts[i];

		for (size_t j = 0; j < in->n; j++) {
			const struct mkey *k = &reg->keys[in->r[j].key];
			uint64_t x, *v = &s->v[in->r[j].key];

			if (k->kind == METRIC_SAMPLES)
				continue;
			memcpy(&x, in->stats + in->r[j].off, sizeof(x));
			if (k->kind == METRIC_GAUGE && k->agg == METRIC_AGG_MAX)
				*v = x > *v ? x : *v;
			else
				*v += x;
		}
	}
	*out = s;
	return 0;
}

int metrics_window(const struct metrics_snap *a, const struct metrics_snap *b,
		   struct metrics_snap **out)
{
	struct metrics_snap *w;
	int rc;

	if (a->reg != b->reg)
		return -EINVAL;
	rc = snap_new(b->reg, &w);
	if (rc)
		return rc;
	/* Keys made after a was taken (none, once the machine is built) started from 0. */
	for (size_t i = 0; i < b->n; i++) {
		uint64_t va = i < a->n ? a->v[i] : 0;

		w->v[i] = b->reg->keys[i].kind == METRIC_GAUGE ? b->v[i] : b->v[i] - va;
	}
	w->n = b->n;
	*out = w;
	return 0;
}

void metrics_snap_destroy(struct metrics_snap *s)
{
	if (!s)
		return;
	free(s->v);
	free(s);
}

bool metrics_get(const struct metrics_snap *s, const char *key, uint64_t *v)
{
	const struct hent *e = find(s->reg, key);

	if (!e || e->key < 0)
		return false;
	*v = (size_t)e->key < s->n ? s->v[e->key] : 0;
	return true;
}

/* ---- results ---- */

int metrics_emit_samples(struct results *r, const char *key, const struct sim_samples *s)
{
	struct sim_samples c;
	char k[KEY_MAX + 8];
	double mean, p50, p99, max;
	int rc = 0;

	/* A copy: the quantiles sort it, and the mean is taken first, in arrival order. */
	sim_samples_init(&c);
	if (s->n) {
		c.v = malloc(s->n * sizeof(*c.v));
		if (!c.v)
			return -ENOMEM;
		memcpy(c.v, s->v, s->n * sizeof(*c.v));
		c.n = c.cap = s->n;
		c.sorted = s->sorted;
	}
	mean = sim_samples_mean(&c) / 1000.0;
	p50 = sim_samples_quantile(&c, 0.5) / 1000.0;
	p99 = sim_samples_quantile(&c, 0.99) / 1000.0;
	max = (double)sim_samples_max(&c) / 1000.0;
	sim_samples_free(&c);
	snprintf(k, sizeof(k), "%s.mean", key);
	rc = results_set_double(r, k, mean);
	snprintf(k, sizeof(k), "%s.p50", key);
	rc = rc ? rc : results_set_double(r, k, p50);
	snprintf(k, sizeof(k), "%s.p99", key);
	rc = rc ? rc : results_set_double(r, k, p99);
	snprintf(k, sizeof(k), "%s.max", key);
	return rc ? rc : results_set_double(r, k, max);
}

static int set_value(struct results *r, const char *key, enum metric_kind kind, uint64_t v)
{
	if (kind == METRIC_TIME)
		return results_set_double(r, key, (double)v / 1000.0);
	return results_set_u64(r, key, v);
}

/* The samples at key index k: *one, the only instance's (nothing copied), or all of them in
 * the order the instances were added, in *all. */
static int gather_samples(const struct metrics *reg, size_t k, struct sim_samples *all,
			  const struct sim_samples **one)
{
	size_t found = 0;

	*one = all;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < reg->ninsts; i++) {
			const struct minst *in = &reg->insts[i];

			for (size_t j = 0; j < in->n; j++) {
				const struct sim_samples *s;

				if (in->r[j].key != k)
					continue;
				s = (const void *)(in->stats + in->r[j].off);
				if (!pass) {
					*one = found++ ? all : s;
					continue;
				}
				for (size_t x = 0; x < s->n; x++)
					if (sim_samples_add(all, s->v[x]))
						return -ENOMEM;
			}
		}
		if (found < 2)
			break;
	}
	return 0;
}

struct dval {
	const char *key;
	bool real;
	uint64_t u;
	double d;
};

/* An argument's value: a figure derived before, or a key of the window (integers only). */
static int arg_value(const struct metrics_snap *w, const struct dval *dv, size_t ndv,
		     const char *key, uint64_t *v)
{
	for (size_t i = ndv; i-- > 0;) {
		if (strcmp(dv[i].key, key))
			continue;
		if (dv[i].real)
			return -EINVAL;
		*v = dv[i].u;
		return 0;
	}
	if (!metrics_get(w, key, v))
		return -ENOENT;
	return 0;
}

static int derive(const struct metrics_snap *w, const struct metric_formula *f,
		  const struct metric_ctx *ctx, const struct dval *dv, size_t ndv, struct dval *out,
		  const char **bad)
{
	uint64_t a[METRIC_MAX_ARGS] = {0}, sum = 0;
	size_t n = 0;
	int rc;

	*out = (struct dval){.key = f->key};
	for (; n < METRIC_MAX_ARGS && f->arg[n]; n++) {
		/* "?key": a key of a model the machine may not have (a device type), 0 without it */
		bool optional = f->arg[n][0] == '?';

		rc = arg_value(w, dv, ndv, f->arg[n] + optional, &a[n]);
		if (rc == -ENOENT && optional)
			rc = 0;
		if (rc) {
			*bad = f->arg[n];
			return rc;
		}
		sum += a[n];
	}
	switch (f->op) {
	case METRIC_ADD:
		out->u = sum;
		break;
	case METRIC_RATIO:
		out->real = true;
		out->d = a[1] ? (double)a[0] / (double)a[1] : 0.0;
		break;
	case METRIC_MEAN_NS:
		out->real = true;
		out->d = a[1] ? (double)a[0] / 1000.0 / (double)a[1] : 0.0;
		break;
	case METRIC_CYCLES:
		out->u = ctx ? sim_ps_to_cycles(&ctx->clock, a[0]) : 0;
		break;
	case METRIC_PER_OP:
		out->real = true;
		out->d = ctx && ctx->ops ? (double)sum / (double)ctx->ops : 0.0;
		break;
	case METRIC_SUB:
		out->u = sum - a[0] < a[0] ? a[0] - (sum - a[0]) : 0;
		break;
	default:
		*bad = f->key;
		return -EINVAL;
	}
	return 0;
}

/* Each formula in order, its value written to r; dv holds them for the later ones. */
static int report_formulas(const struct metrics_snap *w, const struct metric_formula *f, size_t nf,
			   const struct metric_ctx *ctx, struct dval *dv, struct results *r,
			   const char **badkey)
{
	int rc = 0;

	for (size_t i = 0; i < nf && !rc; i++) {
		const struct hent *e = find(w->reg, f[i].key);

		*badkey = f[i].key;
		if (e) {
			rc = -EINVAL; /* a derived figure has a key of its own */
			break;
		}
		rc = derive(w, &f[i], ctx, dv, i, &dv[i], badkey);
		if (!rc)
			rc = dv[i].real ? results_set_double(r, f[i].key, dv[i].d)
					: results_set_u64(r, f[i].key, dv[i].u);
	}
	return rc;
}

int metrics_report(const struct metrics_snap *w, const struct metric_formula *f, size_t nf,
		   const struct metric_ctx *ctx, struct results *r, const char **bad)
{
	const struct metrics *reg = w->reg;
	struct dval *dv = calloc(nf ? nf : 1, sizeof(*dv));
	const char *badkey = NULL;
	int rc = dv ? 0 : -ENOMEM;

	for (size_t i = 0; i < reg->nkeys && !rc; i++) {
		const struct mkey *k = &reg->keys[i];

		if (k->kind == METRIC_SAMPLES) {
			struct sim_samples all;
			const struct sim_samples *s;

			sim_samples_init(&all);
			rc = gather_samples(reg, i, &all, &s);
			if (!rc)
				rc = metrics_emit_samples(r, k->key, s);
			sim_samples_free(&all);
		} else {
			rc = set_value(r, k->key, k->kind, i < w->n ? w->v[i] : 0);
		}
		if (rc)
			badkey = k->key;
	}
	if (!rc)
		rc = report_formulas(w, f, nf, ctx, dv, r, &badkey);
	free(dv);
	if (bad)
		*bad = rc ? badkey : NULL;
	return rc;
}

int metrics_derive(const struct metrics_snap *w, const char *prefix, const struct metric_formula *f,
		   size_t nf, const struct metric_ctx *ctx, struct results *r, const char **bad)
{
	size_t plen = strlen(prefix), nstr = 0;
	struct metric_formula *pf = calloc(nf ? nf : 1, sizeof(*pf));
	char *buf = calloc(nf ? nf : 1, (METRIC_MAX_ARGS + 1) * KEY_MAX);
	struct dval *dv = calloc(nf ? nf : 1, sizeof(*dv));
	const char *badkey = NULL;
	int rc = pf && buf && dv ? 0 : -ENOMEM;

	/* The same formulas over the keys under prefix: every key and argument prefixed. */
	for (size_t i = 0; i < nf && !rc; i++) {
		const char *const *src[METRIC_MAX_ARGS + 1];
		const char **dst[METRIC_MAX_ARGS + 1];

		pf[i] = f[i];
		src[0] = &f[i].key;
		dst[0] = &pf[i].key;
		for (size_t a = 0; a < METRIC_MAX_ARGS; a++) {
			src[a + 1] = &f[i].arg[a];
			dst[a + 1] = &pf[i].arg[a];
		}
		for (size_t a = 0; a <= METRIC_MAX_ARGS && !rc; a++) {
			char *k = buf + nstr * KEY_MAX;

			if (!*src[a])
				continue;
			if (plen + strlen(*src[a]) >= KEY_MAX) {
				badkey = *src[a];
				rc = -ENAMETOOLONG;
				break;
			}
			snprintf(k, KEY_MAX, "%s%s", prefix, *src[a]);
			*dst[a] = k;
			nstr++;
		}
	}
	if (!rc)
		rc = report_formulas(w, pf, nf, ctx, dv, r, &badkey);
	/* name the formula's own key or argument, not the prefixed copy about to be freed */
	for (size_t i = 0; rc && badkey && i < nf; i++)
		for (size_t a = 0; a <= METRIC_MAX_ARGS; a++) {
			const char *pk = a ? pf[i].arg[a - 1] : pf[i].key;

			if (pk == badkey)
				badkey = a ? f[i].arg[a - 1] : f[i].key;
		}
	free(dv);
	free(buf);
	free(pf);
	if (bad)
		*bad = rc ? badkey : NULL;
	return rc;
}

int metrics_emit(struct results *r, const char *prefix, const struct metric_table *t,
		 const void *stats)
{
	const char *base = stats;
	char key[KEY_MAX];
	int rc = 0;

	for (size_t j = 0; j < t->n && !rc; j++) {
		const struct metric *row = &t->rows[j];

		for (size_t i = 0; i < elems(row) && !rc; i++) {
			const char *p = base + row->offset + i * sizeof(uint64_t);
			uint64_t v;

			rc = key_of(key, prefix, row->name, row, i);
			if (rc <= 0)
				continue;
			if (row->kind == METRIC_SAMPLES) {
				rc = metrics_emit_samples(r, key, (const void *)p);
				continue;
			}
			memcpy(&v, p, sizeof(v));
			rc = set_value(r, key, row->kind, v);
		}
	}
	return rc;
}

bool metrics_table_get(const struct metric_table *t, const void *stats, const char *key,
		       uint64_t *v)
{
	char k[KEY_MAX];

	for (size_t j = 0; j < t->n; j++) {
		const struct metric *row = &t->rows[j];

		for (size_t i = 0; i < elems(row); i++) {
			if (row->kind == METRIC_SAMPLES ||
			    key_of(k, NULL, row->name, row, i) <= 0 || strcmp(k, key))
				continue;
			memcpy(v, (const char *)stats + row->offset + i * sizeof(uint64_t),
			       sizeof(*v));
			return true;
		}
	}
	return false;
}
