/* SPDX-License-Identifier: MIT */
/*
 * Sweep rows: one flat JSON object a line per run (point, seed, param.*, the kept result
 * keys), read back on resume and merge, and the CSV written from them. Values are the
 * results' own texts (sim/results.h), so a row's cells equal `ptsim run --csv`'s.
 */
#include "app/sweep.h"
#include "sim/results.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct buf {
	char *s;
	size_t n, cap;
	bool oom;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap < b->n + n + 1)
			cap *= 2;
		char *g = realloc(b->s, cap);

		if (!g) {
			b->oom = true;
			return;
		}
		b->s = g, b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = 0;
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void put_json_string(struct buf *b, const char *s)
{
	char esc[8];

	puts_(b, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			esc[0] = '\\', esc[1] = (char)c, esc[2] = 0;
			puts_(b, esc);
		} else if (c == '\n') {
			puts_(b, "\\n");
		} else if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			puts_(b, esc);
		} else {
			put(b, (const char *)&c, 1);
		}
	}
	puts_(b, "\"");
}

/* A JSON number as RFC 8259 writes one: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool json_number(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return false;
	if (*s == '.') {
		s++;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return !*s;
}

static void put_pair(struct buf *b, const char *key, const char *val, bool str)
{
	if (b->n > 1)
		puts_(b, ",");
	put_json_string(b, key);
	puts_(b, ":");
	if (str || !json_number(val))
		put_json_string(b, val);
	else
		puts_(b, val);
}

char *sweep_row_line(const struct sweep *sw, const struct sweep_run *r, const struct results *res)
{
	struct buf b = {0};
	char v[512];

	puts_(&b, "{");
	put_pair(&b, "point", r->hash, true);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)r->seed);
	put_pair(&b, "seed", v, false);
	for (size_t a = 0; a < sw->naxes; a++) {
		char key[600];

		snprintf(key, sizeof(key), "param.%s", sw->axes[a].key);
		put_pair(&b, key, sw->axes[a].plain[sweep_value_index(sw, r->point, a)], false);
	}
	for (size_t i = 0; i < results_count(res); i++) {
		const char *k = results_key(res, i);

		if (!strcmp(k, "seed") || !sweep_keeps(sw, k))
			continue;
		if (results_type(res, i) == RES_STR) {
			put_pair(&b, k, results_get_str(res, k), true);
		} else {
			results_format_value(res, i, v, sizeof(v));
			put_pair(&b, k, v, false);
		}
	}
	puts_(&b, "}");
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/* ---- reading a line back ---- */

static const char *skip_string(const char *p)
{
	if (*p != '"')
		return NULL;
	for (p++; *p && *p != '"'; p++)
		if (*p == '\\' && !*++p)
			return NULL;
	return *p == '"' ? p + 1 : NULL;
}

static char *unescape(const char *s, const char *end)
{
	char *out = malloc((size_t)(end - s) + 1), *o = out;

	if (!out)
		return NULL;
	for (const char *p = s; p < end; p++) {
		if (*p != '\\') {
			*o++ = *p;
			continue;
		}
		p++;
		if (*p == 'n')
			*o++ = '\n';
		else if (*p == 'u' && end - p > 4 && isxdigit((unsigned char)p[1]) &&
			 isxdigit((unsigned char)p[2]) && isxdigit((unsigned char)p[3]) &&
			 isxdigit((unsigned char)p[4])) {
			*o++ = (char)strtol((char[]){p[1], p[2], p[3], p[4], 0}, NULL, 16);
			p += 4;
		} else if (p < end)
			*o++ = *p;
	}
	*o = 0;
	return out;
}

int sweep_row_parse(const char *line, struct sweep_row *row)
{
	const char *p = line;
	size_t cap = 0;

	memset(row, 0, sizeof(*row));
	if (*p++ != '{')
		return -1;
	while (*p != '}') {
		const char *k = p, *ke, *v, *ve;

		if (row->n && *p++ != ',')
			goto bad;
		k = p;
		ke = skip_string(k);
		if (!ke || *ke != ':')
			goto bad;
		v = ke + 1;
		if (*v == '"')
			ve = skip_string(v);
		else
			for (ve = v; *ve && *ve != ',' && *ve != '}'; ve++)
				;
		if (!ve || ve == v || (*ve != ',' && *ve != '}'))
			goto bad;
		if (row->n == cap) {
			cap = cap ? 2 * cap : 64;
			char **nk = realloc(row->keys, cap * sizeof(*nk));

			if (!nk)
				goto bad;
			row->keys = nk;
			char **nv = realloc(row->vals, cap * sizeof(*nv));

			if (!nv)
				goto bad;
			row->vals = nv;
		}
		row->keys[row->n] = unescape(k + 1, ke - 1);
		row->vals[row->n] = strndup(v, (size_t)(ve - v));
		row->n++;
		if (!row->keys[row->n - 1] || !row->vals[row->n - 1])
			goto bad;
		p = ve;
	}
	if (p[1] || !row->n || strcmp(row->keys[0], "point"))
		goto bad;
	row->line = strdup(line);
	if (!row->line)
		goto bad;
	return 0;
bad:
	sweep_row_free(row);
	return -1;
}

void sweep_row_free(struct sweep_row *row)
{
	for (size_t i = 0; i < row->n; i++) {
		free(row->keys[i]);
		free(row->vals[i]);
	}
	free(row->keys);
	free(row->vals);
	free(row->line);
	memset(row, 0, sizeof(*row));
}

const char *sweep_row_point(const struct sweep_row *row)
{
	const char *v = row->n ? row->vals[0] : NULL;

	return v && v[0] == '"' ? v : NULL;
}

/* ---- writing ---- */

int sweep_write_jsonl(const struct sweep_row *rows, size_t nruns, FILE *f)
{
	for (size_t i = 0; i < nruns; i++)
		if (rows[i].line) {
			fputs(rows[i].line, f);
			fputc('\n', f);
		}
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

static bool same_keys(const struct sweep_row *a, const struct sweep_row *b)
{
	if (!a || a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->keys[i], b->keys[i]))
			return false;
	return true;
}

static void csv_value(FILE *f, const char *raw)
{
	if (raw[0] == '"') {
		char *s = unescape(raw + 1, raw + strlen(raw) - 1);

		if (s)
			csv_field(f, s);
		free(s);
	} else {
		csv_field(f, raw);
	}
}

int sweep_write_csv(const struct sweep_row *rows, size_t nruns, FILE *f)
{
	struct results *cols;
	const struct sweep_row *prev = NULL;
	size_t ncols;

	/* the union of the keys, a results set keeping each group together */
	if (results_create(&cols))
		return -ENOMEM;
	for (size_t i = 0; i < nruns; i++) {
		if (!rows[i].line || same_keys(prev, &rows[i]))
			continue;
		for (size_t k = 0; k < rows[i].n; k++)
			if (!results_get_str(cols, rows[i].keys[k]))
				results_set_str(cols, rows[i].keys[k], "");
		prev = &rows[i];
	}
	ncols = results_count(cols);
	for (size_t c = 0; c < ncols; c++) {
		if (c)
			fputc(',', f);
		csv_field(f, results_key(cols, c));
	}
	fputc('\n', f);
	for (size_t i = 0; i < nruns; i++) {
		const struct sweep_row *r = &rows[i];
		size_t j = 0;

		if (!r->line)
			continue;
		for (size_t c = 0; c < ncols; c++) {
			const char *key = results_key(cols, c);

			if (c)
				fputc(',', f);
			/* rows mostly have the columns' order: look ahead first, then around */
			if (j < r->n && !strcmp(r->keys[j], key)) {
				csv_value(f, r->vals[j++]);
				continue;
			}
			for (size_t k = 0; k < r->n; k++)
				if (!strcmp(r->keys[k], key)) {
					csv_value(f, r->vals[k]);
					j = k + 1;
					break;
				}
		}
		fputc('\n', f);
	}
	results_destroy(cols);
	return ferror(f) ? -EIO : 0;
}
