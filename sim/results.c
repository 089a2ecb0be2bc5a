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

struct results {
	struct rentry *e;
	size_t n, cap;
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
	for (size_t i = 0; i < r->n; i++) {
		free(r->e[i].key);
		free(r->e[i].s);
	}
	free(r->e);
	free(r);
}

/* True if one key is a dotted prefix of the other ("a" and "a.b"): JSON cannot hold both. */
static bool nests(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la == lb)
		return false;
	if (la > lb)
		return nests(b, a);
	return !strncmp(a, b, la) && b[la] == '.';
}

static struct rentry *slot(struct results *r, const char *key)
{
	for (size_t i = 0; i < r->n; i++)
		if (nests(r->e[i].key, key))
			return NULL;
	for (size_t i = 0; i < r->n; i++) {
		if (!strcmp(r->e[i].key, key)) {
			free(r->e[i].s);
			r->e[i].s = NULL;
			return &r->e[i];
		}
	}
	if (r->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 64;
		struct rentry *ne = realloc(r->e, nc * sizeof(*ne));

		if (!ne)
			return NULL;
		r->e = ne;
		r->cap = nc;
	}
	struct rentry *e = &r->e[r->n];
	memset(e, 0, sizeof(*e));
	e->key = strdup(key);
	if (!e->key)
		return NULL;
	r->n++;
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

size_t results_count(const struct results *r)
{
	return r->n;
}

const char *results_key(const struct results *r, size_t i)
{
	return i < r->n ? r->e[i].key : NULL;
}

enum res_type results_type(const struct results *r, size_t i)
{
	return r->e[i].type;
}

static const struct rentry *find(const struct results *r, const char *key)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->e[i].key, key))
			return &r->e[i];
	return NULL;
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
	const struct rentry *e = &r->e[i];

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
 * Keys are emitted in insertion order; a group ("iotlb.") opens when its first key comes and
 * closes when a key outside it comes. Callers insert the keys of a group together.
 */
int results_write_json(const struct results *r, FILE *f)
{
	const char *prev = "";
	int depth = 0;
	char buf[128];

	fputs("{", f);
	for (size_t i = 0; i < r->n; i++) {
		const char *k = r->e[i].key;
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
		if (r->e[i].type == RES_STR) {
			json_string(f, r->e[i].s);
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
			csv_field(f, r->e[i].key);
		}
		fputc('\n', f);
	}
	for (size_t i = 0; i < r->n; i++) {
		if (i)
			fputc(',', f);
		if (r->e[i].type == RES_STR) { /* whole, not cut to buf */
			csv_field(f, r->e[i].s);
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
