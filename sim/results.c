/* SPDX-License-Identifier: MIT */
#include "results.h"
#include "outfile.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct rentry {
	char *key;
	enum res_type type;
	uint64_t u;
	double d;
	char *s;
};

/* A name: a key (idx, its entry) or a group, a dotted prefix of keys (idx -1 - the entry
 * that first had it, which places the group among its siblings). */
struct rname {
	const char *name; /* the entry's key, or an owned copy for a group */
	long idx;
};

struct results {
	struct rentry *e; /* in the order keys were first set */
	size_t n, cap;
	struct rname *h; /* open addressing over keys and groups */
	size_t hcap, hused;
	size_t *order; /* e's indices in output order, when ordered */
	bool ordered;
};

int results_create(struct results **out)
{
	struct results *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	*out = r;
	return 0;
}

void results_destroy(struct results *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->hcap; i++)
		if (r->h[i].name && r->h[i].idx < 0)
			free((char *)r->h[i].name);
	free(r->h);
	for (size_t i = 0; i < r->n; i++) {
		free(r->e[i].key);
		free(r->e[i].s);
	}
	free(r->e);
	free(r->order);
	free(r);
}

static uint64_t hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h;
}

/* The name made of the first len bytes of s, or NULL. */
static struct rname *lookup(const struct results *r, const char *s, size_t len)
{
	if (!r->hcap)
		return NULL;
	for (size_t i = hash(s, len) & (r->hcap - 1);; i = (i + 1) & (r->hcap - 1)) {
		struct rname *x = &r->h[i];

		if (!x->name)
			return NULL;
		if (!strncmp(x->name, s, len) && !x->name[len])
			return x;
	}
}

static void put_at(struct rname *h, size_t cap, const char *name, long idx)
{
	size_t i = hash(name, strlen(name)) & (cap - 1);

	while (h[i].name)
		i = (i + 1) & (cap - 1);
	h[i].name = name;
	h[i].idx = idx;
}

static int put(struct results *r, const char *name, long idx)
{
	if (2 * (r->hused + 1) > r->hcap) {
		size_t cap = r->hcap ? 2 * r->hcap : 256;
		struct rname *h = calloc(cap, sizeof(*h));

		if (!h)
			return -ENOMEM;
		for (size_t i = 0; i < r->hcap; i++)
			if (r->h[i].name)
				put_at(h, cap, r->h[i].name, r->h[i].idx);
		free(r->h);
		r->h = h;
		r->hcap = cap;
	}
	put_at(r->h, r->hcap, name, idx);
	r->hused++;
	return 0;
}

/* The entry for key, made if new; NULL if key nests with another ("a" and "a.b": JSON cannot
 * hold both) or memory runs out. */
static struct rentry *slot(struct results *r, const char *key)
{
	struct rname *x = lookup(r, key, strlen(key));
	struct rentry *e;

	if (x) {
		if (x->idx < 0)
			return NULL; /* a group */
		e = &r->e[x->idx];
		free(e->s);
		e->s = NULL;
		return e;
	}
	for (const char *d = strchr(key, '.'); d; d = strchr(d + 1, '.')) {
		x = lookup(r, key, (size_t)(d - key));
		if (x && x->idx >= 0)
			return NULL; /* a prefix of key is a value */
	}
	if (r->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 64;
		struct rentry *ne = realloc(r->e, nc * sizeof(*ne));

		if (!ne)
			return NULL;
		r->e = ne;
		r->cap = nc;
	}
	e = &r->e[r->n];
	memset(e, 0, sizeof(*e));
	e->key = strdup(key);
	if (!e->key || put(r, e->key, (long)r->n)) {
		free(e->key);
		return NULL;
	}
	for (const char *d = strchr(key, '.'); d; d = strchr(d + 1, '.')) {
		char *g;

		if (lookup(r, key, (size_t)(d - key)))
			continue;
		g = strndup(key, (size_t)(d - key));
		if (!g || put(r, g, -1 - (long)r->n)) {
			free(g); /* the key stays; only its place among groups may suffer */
			break;
		}
	}
	r->n++;
	r->ordered = false;
	return e;
}

int results_set_u64(struct results *r, const char *key, uint64_t v)
{
	struct rentry *e = slot(r, key);

	if (!e)
		return -EINVAL;
	e->type = RES_U64;
	e->u = v;
	return 0;
}

int results_set_double(struct results *r, const char *key, double v)
{
	struct rentry *e = slot(r, key);

	if (!e)
		return -EINVAL;
	e->type = RES_DOUBLE;
	e->d = v;
	return 0;
}

int results_set_str(struct results *r, const char *key, const char *v)
{
	struct rentry *e = slot(r, key);

	if (!e)
		return -EINVAL;
	e->type = RES_STR;
	e->s = strdup(v ? v : "");
	return e->s ? 0 : -ENOMEM;
}

/* ---- output order: a tree whose children come in the order they first appeared ---- */

/* Two keys compare by the first segment in which their paths differ: a group ranks by the
 * entry that first had it, a key's last segment by its own entry. */
static const struct results *sort_r;

static long rank(const struct results *r, const char *key, size_t len, size_t self)
{
	const struct rname *x = key[len] ? lookup(r, key, len) : NULL;

	return x ? -1 - x->idx : (long)self;
}

static int by_tree(const void *pa, const void *pb)
{
	size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;
	const char *a = sort_r->e[ia].key, *b = sort_r->e[ib].key;
	size_t i = 0, start = 0, la, lb;
	long ra, rb;

	while (a[i] && a[i] == b[i]) {
		if (a[i] == '.')
			start = i + 1;
		i++;
	}
	for (la = start; a[la] && a[la] != '.'; la++)
		;
	for (lb = start; b[lb] && b[lb] != '.'; lb++)
		;
	ra = rank(sort_r, a, la, ia);
	rb = rank(sort_r, b, lb, ib);
	return ra < rb ? -1 : ra > rb;
}

/* Keys in output order: every group's keys together, as a JSON object holds them. */
static const struct rentry *entry_at(const struct results *r, size_t i)
{
	struct results *w = (struct results *)r; /* the order is a cache */

	if (!r->ordered) {
		size_t *o = realloc(w->order, (r->n ? r->n : 1) * sizeof(*o));

		if (!o)
			return &r->e[i]; /* no memory: set order, still every key */
		for (size_t k = 0; k < r->n; k++)
			o[k] = k;
		sort_r = r;
		qsort(o, r->n, sizeof(*o), by_tree);
		w->order = o;
		w->ordered = true;
	}
	return &r->e[r->order[i]];
}

size_t results_count(const struct results *r)
{
	return r->n;
}

const char *results_key(const struct results *r, size_t i)
{
	return i < r->n ? entry_at(r, i)->key : NULL;
}

enum res_type results_type(const struct results *r, size_t i)
{
	return entry_at(r, i)->type;
}

static const struct rentry *find(const struct results *r, const char *key)
{
	const struct rname *x = lookup(r, key, strlen(key));

	return x && x->idx >= 0 ? &r->e[x->idx] : NULL;
}

bool results_get_u64(const struct results *r, const char *key, uint64_t *v)
{
	const struct rentry *e = find(r, key);

	if (!e || e->type != RES_U64)
		return false;
	*v = e->u;
	return true;
}

bool results_get_double(const struct results *r, const char *key, double *v)
{
	const struct rentry *e = find(r, key);

	if (!e)
		return false;
	if (e->type == RES_DOUBLE)
		*v = e->d;
	else if (e->type == RES_U64)
		*v = (double)e->u;
	else
		return false;
	return true;
}

const char *results_get_str(const struct results *r, const char *key)
{
	const struct rentry *e = find(r, key);

	return e && e->type == RES_STR ? e->s : NULL;
}

static void fmt_double(double d, char *buf, size_t len)
{
	if (!isfinite(d)) {
		snprintf(buf, len, "null");
		return;
	}
	/* Enough digits to be exact for the figures we produce, stable across runs. */
	snprintf(buf, len, "%.10g", d);
	/* %g writes LC_NUMERIC's decimal point; results always use '.'. */
	const char *dp = localeconv()->decimal_point;
	char *at = strcmp(dp, ".") ? strstr(buf, dp) : NULL;

	if (at) {
		*at = '.';
		memmove(at + 1, at + strlen(dp), strlen(at + strlen(dp)) + 1);
	}
	if (!strpbrk(buf, ".eEn") && strlen(buf) + 2 < len)
		strcat(buf, ".0");
}

void results_format_value(const struct results *r, size_t i, char *buf, size_t len)
{
	const struct rentry *e = entry_at(r, i);

	switch (e->type) {
	case RES_U64:
		snprintf(buf, len, "%llu", (unsigned long long)e->u);
		break;
	case RES_DOUBLE:
		fmt_double(e->d, buf, len);
		break;
	case RES_STR:
		snprintf(buf, len, "%s", e->s);
		break;
	}
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* Length of the common dotted prefix (in whole segments) of a and b, including the dot. */
static size_t common_prefix(const char *a, const char *b)
{
	size_t i = 0, last = 0;

	while (a[i] && a[i] == b[i]) {
		if (a[i] == '.')
			last = i + 1;
		i++;
	}
	return last;
}

static int depth_of(const char *k, size_t upto)
{
	int d = 0;

	for (size_t i = 0; i < upto; i++)
		if (k[i] == '.')
			d++;
	return d;
}

/*
 * Keys are emitted in order; a group ("iotlb.") opens when its first key comes and closes
 * when a key outside it comes (slot() keeps every group's keys together).
 */
int results_write_json(const struct results *r, FILE *f)
{
	const char *prev = "";
	int depth = 0;
	char buf[128];

	fputs("{", f);
	for (size_t i = 0; i < r->n; i++) {
		const char *k = entry_at(r, i)->key;
		size_t cp = i ? common_prefix(prev, k) : 0;
		int keep = depth_of(k, cp);

		while (depth > keep) {
			fprintf(f, "\n%*s}", 2 * depth, "");
			depth--;
		}
		if (i)
			fputc(',', f);
		/* open the groups of k beyond the common prefix */
		const char *p = k + cp;
		const char *dot;

		while ((dot = strchr(p, '.')) != NULL) {
			fprintf(f, "\n%*s", 2 * (depth + 1), "");
			char seg[256];
			size_t sl = (size_t)(dot - p) < sizeof(seg) - 1 ? (size_t)(dot - p)
									: sizeof(seg) - 1;
			memcpy(seg, p, sl);
			seg[sl] = 0;
			json_string(f, seg);
			fputs(": {", f);
			depth++;
			p = dot + 1;
		}
		fprintf(f, "\n%*s", 2 * (depth + 1), "");
		json_string(f, p);
		fputs(": ", f);
		if (entry_at(r, i)->type == RES_STR) {
			json_string(f, entry_at(r, i)->s);
		} else {
			results_format_value(r, i, buf, sizeof(buf));
			fputs(buf, f);
		}
		prev = k;
	}
	while (depth > 0) {
		fprintf(f, "\n%*s}", 2 * depth, "");
		depth--;
	}
	fputs("\n}\n", f);
	return ferror(f) ? -EIO : 0;
}

static void csv_field(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\n")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
}

int results_write_csv(const struct results *r, FILE *f, bool header)
{
	char buf[512];

	if (header) {
		for (size_t i = 0; i < r->n; i++) {
			if (i)
				fputc(',', f);
			csv_field(f, entry_at(r, i)->key);
		}
		fputc('\n', f);
	}
	for (size_t i = 0; i < r->n; i++) {
		if (i)
			fputc(',', f);
		if (entry_at(r, i)->type == RES_STR) { /* whole, not cut to buf */
			csv_field(f, entry_at(r, i)->s);
			continue;
		}
		results_format_value(r, i, buf, sizeof(buf));
		csv_field(f, buf);
	}
	fputc('\n', f);
	return ferror(f) ? -EIO : 0;
}

static int write_csv_with_header(const struct results *r, FILE *f)
{
	return results_write_csv(r, f, true);
}

int results_write_file(const char *path, int (*fn)(const struct results *, FILE *),
		       const struct results *r)
{
	struct outfile *o;
	int rc;

	if (!fn)
		fn = write_csv_with_header;
	rc = outfile_open(path, &o);
	if (rc)
		return rc;
	rc = fn(r, outfile_stream(o));
	if (rc) {
		outfile_discard(o);
		return rc;
	}
	return outfile_commit(o);
}
