/* SPDX-License-Identifier: MIT */
/* Fractions of bare metal (see baseline.h). */
#include "app/baseline.h"
#include "app/cli.h"
#include "sim/results.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The fractions, declared once: the result key, the figure it compares, which way is better.
 * A throughput is this run's over bare metal's; a cost (cycles per operation) bare metal's over
 * this run's. Either way 1 is as good as bare metal and less is worse. */
static const struct fraction {
	const char *key, *of;
	size_t off; /* in struct baseline */
	bool cost;
	const char *label;
} fractions[] = {
    {"fraction_of_bare_metal.throughput", "throughput_gbps",
     offsetof(struct baseline, throughput_gbps), false, "throughput"},
    {"fraction_of_bare_metal.cycles_per_op", "cpu.cycles_per_op",
     offsetof(struct baseline, cycles_per_op), true, "cycles per operation (bare / this run)"},
};
#define NFRACTIONS (sizeof(fractions) / sizeof(fractions[0]))

/* ---- a small JSON reader: numbers at the dotted keys the results writer nests ---- */

struct jp {
	const char *s, *end;
	char key[512];
	struct baseline *b;
	unsigned found;
	bool bad;
};

static void ws(struct jp *p)
{
	while (p->s < p->end && (*p->s == ' ' || *p->s == '\n' || *p->s == '\t' || *p->s == '\r'))
		p->s++;
}

static bool lit(struct jp *p, char c)
{
	ws(p);
	if (p->s < p->end && *p->s == c) {
		p->s++;
		return true;
	}
	return false;
}

/* A string into buf (escapes kept as the character after the backslash: keys have none). */
static bool string(struct jp *p, char *buf, size_t len)
{
	size_t n = 0;

	if (!lit(p, '"'))
		return false;
	while (p->s < p->end && *p->s != '"') {
		if (*p->s == '\\' && p->s + 1 < p->end)
			p->s++;
		if (n + 1 < len)
			buf[n++] = *p->s;
		p->s++;
	}
	if (len)
		buf[n] = 0;
	return lit(p, '"');
}

static void value(struct jp *p, unsigned depth);

static void number(struct jp *p)
{
	char *e;
	double v = strtod(p->s, &e);

	if (e == p->s || e > p->end) {
		p->bad = true;
		return;
	}
	p->s = e;
	for (unsigned i = 0; i < NFRACTIONS; i++)
		if (!strcmp(p->key, fractions[i].of)) {
			*(double *)((char *)p->b + fractions[i].off) = v;
			p->found |= 1u << i;
		}
}

static void object(struct jp *p, unsigned depth)
{
	size_t at = strlen(p->key);

	if (lit(p, '}'))
		return;
	do {
		char k[256];

		if (!string(p, k, sizeof(k)) || !lit(p, ':')) {
			p->bad = true;
			return;
		}
		snprintf(p->key + at, sizeof(p->key) - at, "%s%s", at ? "." : "", k);
		value(p, depth + 1);
		p->key[at] = 0;
	} while (!p->bad && lit(p, ','));
	if (!lit(p, '}'))
		p->bad = true;
}

static void value(struct jp *p, unsigned depth)
{
	ws(p);
	if (p->s >= p->end || depth > 64) {
		p->bad = true;
	} else if (*p->s == '{') {
		p->s++;
		object(p, depth);
	} else if (*p->s == '[') {
		p->s++;
		if (!lit(p, ']')) {
			do
				value(p, depth + 1);
			while (!p->bad && lit(p, ','));
			if (!lit(p, ']'))
				p->bad = true;
		}
	} else if (*p->s == '"') {
		char skip[1];

		if (!string(p, skip, 0))
			p->bad = true;
	} else if (!strncmp(p->s, "true", 4) || !strncmp(p->s, "null", 4)) {
		p->s += 4;
	} else if (!strncmp(p->s, "false", 5)) {
		p->s += 5;
	} else {
		number(p);
	}
}

int baseline_load(const char *path, struct baseline *b, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct jp p = {.b = b};
	char *buf = NULL;
	size_t n = 0, cap = 0;

	memset(b, 0, sizeof(*b));
	if (!f) {
		snprintf(err, errlen, "--baseline %s: %s", path, strerror(errno));
		return EXIT_USAGE;
	}
	for (;;) {
		if (n + 1 >= cap) {
			char *g = cap < (64u << 20) ? realloc(buf, cap ? 2 * cap : 65536) : NULL;

			if (!g) {
				free(buf);
				fclose(f);
				snprintf(err, errlen, "--baseline %s: too large for a results file",
					 path);
				return EXIT_USAGE;
			}
			buf = g;
			cap = cap ? 2 * cap : 65536;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);

		n += got;
		if (!got)
			break;
	}
	fclose(f);
	buf[n] = 0; /* strtod stops there */
	p.s = buf;
	p.end = buf + n;
	ws(&p);
	if (p.s < p.end && *p.s == '{')
		value(&p, 0);
	else
		p.bad = true;
	ws(&p);
	if (p.s != p.end)
		p.bad = true;
	free(buf);
	if (p.bad) {
		snprintf(err, errlen, "--baseline %s: not valid JSON (a `ptsim run --json` file)",
			 path);
		return EXIT_USAGE;
	}
	for (unsigned i = 0; i < NFRACTIONS; i++) {
		double v = *(double *)((char *)b + fractions[i].off);

		if (!(p.found & (1u << i))) {
			snprintf(err, errlen,
				 "--baseline %s: no '%s' (not a `ptsim run --json` file)", path,
				 fractions[i].of);
			return EXIT_USAGE;
		}
		if (!(v > 0) || !isfinite(v)) {
			snprintf(err, errlen,
				 "--baseline %s: '%s' is %g; a baseline needs a positive figure",
				 path, fractions[i].of, v);
			return EXIT_USAGE;
		}
	}
	return 0;
}

int baseline_apply(const struct baseline *b, struct results *r)
{
	for (unsigned i = 0; i < NFRACTIONS; i++) {
		double base = *(const double *)((const char *)b + fractions[i].off), v = 0, q;
		int rc;

		results_get_double(r, fractions[i].of, &v);
		q = fractions[i].cost ? (v > 0 ? base / v : 0) : v / base;
		rc = results_set_double(r, fractions[i].key, q);
		if (rc)
			return rc;
	}
	return 0;
}

void baseline_print(const struct results *r, FILE *f)
{
	double v;

	if (!results_get_double(r, fractions[0].key, &v))
		return;
	fprintf(f, "\n%-34s %14s\n", "Fraction of bare metal", "");
	for (unsigned i = 0; i < NFRACTIONS; i++)
		if (results_get_double(r, fractions[i].key, &v))
			fprintf(f, "  %-32s %14.3f\n", fractions[i].label, v);
}
