/* SPDX-License-Identifier: MIT */
/* Calibration files: schema, measured tables, checking every point (app/calib.h). */
#include "app/calib.h"
#include "app/scenario.h"
#include "app/sweep.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the schema ---- */

struct cb_columns_cfg {
	const char *parameter, *key, *value;
};

struct cb_table_cfg {
	const char *file, *parameter, *key;
	struct cb_columns_cfg columns;
	double scale, value_scale, weight;
	const char **where;
	size_t nwhere;
	const char **set;
	size_t nset;
};

struct cb_fit_cfg {
	const char *key;
	const char **values;
	size_t nvalues;
	double min, max, start, step;
	bool integer;
};

struct cb_search_cfg {
	uint32_t rounds, iterations, grid_max;
	double tolerance;
};

struct cb_file_cfg {
	const char *scenario, *description;
	const char **set;
	size_t nset;
	int seed;
	struct cb_table_cfg *tables;
	size_t ntables;
	struct cb_fit_cfg *fit;
	size_t nfit;
	struct cb_search_cfg search;
};

#define CB_MAX_GRID 100000

static const struct cfg_field cb_columns_fields[] = {
    CFG_STR("parameter", struct cb_columns_cfg, parameter, "parameter",
	    "the column of the varied parameter's value"),
    CFG_STR("key", struct cb_columns_cfg, key, "key",
	    "the column naming the result key measured (unused when the table gives 'key')"),
    CFG_STR("value", struct cb_columns_cfg, value, "value", "the column of the measured value"),
    CFG_END,
};
static const struct cfg_schema cb_columns_schema =
    CFG_SCHEMA("columns", struct cb_columns_cfg, cb_columns_fields);

static void table_check(void *obj, const struct cfg_scope *s)
{
	const struct cb_table_cfg *t = obj;

	if (!(t->scale > 0) || !isfinite(t->scale))
		cfg_scope_error(s, "scale", "'scale' must be a positive number");
	if (!(t->value_scale > 0) || !isfinite(t->value_scale))
		cfg_scope_error(s, "value_scale", "'value_scale' must be a positive number");
	if (!(t->weight >= 0) || !isfinite(t->weight))
		cfg_scope_error(s, "weight", "'weight' must be 0 or more");
	for (size_t i = 0; i < t->nwhere; i++)
		if (!strchr(t->where[i], '=') || t->where[i][0] == '=')
			cfg_scope_error(s, "where", "'%s' is not COLUMN=VALUE", t->where[i]);
	for (size_t i = 0; i < t->nset; i++)
		if (!strchr(t->set[i], '='))
			cfg_scope_error(s, "set", "'%s' is not KEY=VALUE", t->set[i]);
}

static const struct cfg_field cb_table_fields[] = {
    CFG_STR("file", struct cb_table_cfg, file, NULL,
	    "the measured table (CSV with a header line; '#' lines are comments), relative to "
	    "the calibration file",
	    .flags = CFG_REQUIRED),
    CFG_STR("parameter", struct cb_table_cfg, parameter, NULL,
	    "the config key the parameter column sets, dotted as --set takes it",
	    .flags = CFG_REQUIRED),
    CFG_STR("key", struct cb_table_cfg, key, NULL,
	    "the result key every row measures (then the table needs no key column)"),
    CFG_STRUCT("columns", struct cb_table_cfg, columns, cb_columns_schema,
	       "the table's column names (pcie-bench: parameter WinSZ, value 'BW (GB/s)' or "
	       "'Med(ns)')"),
    CFG_DOUBLE("scale", struct cb_table_cfg, scale, 1, 0, 0, "",
	       "multiplies the parameter column into the config key's unit (bytes to KiB: "
	       "0.0009765625)",
	       .flags = CFG_ID),
    CFG_DOUBLE("value_scale", struct cb_table_cfg, value_scale, 1, 0, 0, "",
	       "multiplies the value column into the result key's unit", .flags = CFG_ID),
    CFG_STRLIST("where", struct cb_table_cfg, where, nwhere,
		"COLUMN=VALUE: only the rows with that value (numbers compared as numbers)"),
    CFG_STRLIST("set", struct cb_table_cfg, set, nset,
		"KEY=VALUE overrides of this table's runs, as --set takes them"),
    CFG_DOUBLE("weight", struct cb_table_cfg, weight, 1, 0, 0, "",
	       "weight of this table's squared relative errors", .flags = CFG_ID),
    CFG_END,
};
static const struct cfg_schema cb_table_schema =
    CFG_SCHEMA("measured", struct cb_table_cfg, cb_table_fields, .check = table_check);

static void fit_check(void *obj, const struct cfg_scope *s)
{
	const struct cb_fit_cfg *f = obj;
	bool values = cfg_scope_has(s, "values"), lo = cfg_scope_has(s, "min"),
	     hi = cfg_scope_has(s, "max");

	if (!f->key) {
		cfg_scope_error(s, NULL, "a fitted parameter needs 'key' (a config key)");
		return;
	}
	if (values == (lo || hi)) {
		cfg_scope_error(s, "key", "parameter '%s' needs either 'values' or 'min' and 'max'",
				f->key);
		return;
	}
	if (values) {
		if (!f->nvalues)
			cfg_scope_error(s, "values", "parameter '%s' has no values", f->key);
		if (cfg_scope_has(s, "integer") || cfg_scope_has(s, "step"))
			cfg_scope_error(s, "values",
					"'values' lists every candidate: no 'integer' or 'step'");
		return;
	}
	if (!lo || !hi) {
		cfg_scope_error(s, lo ? "min" : "max", "parameter '%s' needs both 'min' and 'max'",
				f->key);
		return;
	}
	if (!isfinite(f->min) || !isfinite(f->max) || !(f->max > f->min)) {
		cfg_scope_error(s, "max", "'max' (%g) must be above 'min' (%g)", f->max, f->min);
		return;
	}
	if (cfg_scope_has(s, "start") && !(f->start >= f->min && f->start <= f->max))
		cfg_scope_error(s, "start", "'start' (%g) is outside [%g, %g]", f->start, f->min,
				f->max);
	if (cfg_scope_has(s, "step") && !(f->step > 0))
		cfg_scope_error(s, "step", "'step' must be above 0");
	if (f->integer && (f->min != floor(f->min) || f->max != floor(f->max)))
		cfg_scope_error(s, "min", "an integer parameter needs integer 'min' and 'max'");
	if (f->integer && cfg_scope_has(s, "step") && f->step != floor(f->step))
		cfg_scope_error(s, "step", "an integer parameter needs an integer 'step'");
	if (f->integer &&
	    (f->max - f->min) / (cfg_scope_has(s, "step") ? f->step : 1) >= CB_MAX_GRID)
		cfg_scope_error(s, "max", "more than %d values from 'min' to 'max'", CB_MAX_GRID);
}

static const struct cfg_field cb_fit_fields[] = {
    CFG_STR("key", struct cb_fit_cfg, key, NULL,
	    "config key to fit, dotted as --set takes it (machine.iommu.iotlb.entries)"),
    CFG_STRLIST("values", struct cb_fit_cfg, values, nvalues,
		"discrete: the candidates (searched by a grid, or one parameter at a time)"),
    CFG_DOUBLE("min", struct cb_fit_cfg, min, 0, 0, 0, "", "lower bound (inclusive)",
	       .flags = CFG_ID),
    CFG_DOUBLE("max", struct cb_fit_cfg, max, 0, 0, 0, "", "upper bound (inclusive)",
	       .flags = CFG_ID),
    CFG_BOOL("integer", struct cb_fit_cfg, integer, false,
	     "min..max in steps of 'step' (default 1), searched as discrete values; else "
	     "continuous (Nelder-Mead simplex)"),
    CFG_DOUBLE("start", struct cb_fit_cfg, start, 0, 0, 0, "", "first guess", .flags = CFG_ID,
	       .def_text = "the middle of min..max"),
    CFG_DOUBLE("step", struct cb_fit_cfg, step, 0, 0, 0, "",
	       "integer: the range's step; continuous: the simplex's first step", .flags = CFG_ID,
	       .def_text = "1; continuous: (max - min) / 5"),
    CFG_END,
};
static const struct cfg_schema cb_fit_schema =
    CFG_SCHEMA("fit", struct cb_fit_cfg, cb_fit_fields, .check = fit_check);

static const struct cfg_field cb_search_fields[] = {
    CFG_U32("rounds", struct cb_search_cfg, rounds, 3, 1, 100, "rounds",
	    "alternations of the discrete search and the simplex (it stops earlier when "
	    "nothing moves)"),
    CFG_U32("iterations", struct cb_search_cfg, iterations, 60, 1, 100000, "iterations",
	    "simplex iterations per round at most"),
    CFG_U32("grid_max", struct cb_search_cfg, grid_max, 64, 1, CB_MAX_GRID, "combinations",
	    "discrete parameters are searched as a full grid up to this many combinations, one "
	    "at a time (coordinate search) beyond"),
    CFG_DOUBLE("tolerance", struct cb_search_cfg, tolerance, 0.01, 1e-9, 1, "",
	       "the simplex stops when its size (in units of each parameter's range) is below",
	       .flags = CFG_ID),
    CFG_END,
};
static const struct cfg_schema cb_search_schema =
    CFG_SCHEMA("search", struct cb_search_cfg, cb_search_fields);

static const struct cfg_field cb_file_fields[] = {
    CFG_STR("scenario", struct cb_file_cfg, scenario, NULL,
	    "the base scenario, relative to the calibration file", .flags = CFG_REQUIRED),
    CFG_STR("description", struct cb_file_cfg, description, "", "what is calibrated, against what"),
    CFG_STRLIST("set", struct cb_file_cfg, set, nset,
		"KEY=VALUE overrides of every run, as --set takes them"),
    CFG_INT("seed", struct cb_file_cfg, seed, -1, 0, 2147483647, "", "the seed of every run",
	    .flags = CFG_ID, .def_text = "the scenario's seed"),
    CFG_LIST("measured", struct cb_file_cfg, tables, ntables, cb_table_schema, 1, 64,
	     "the measured tables: a row per point (parameter value, result key, value)",
	     .flags = CFG_REQUIRED),
    CFG_LIST("fit", struct cb_file_cfg, fit, nfit, cb_fit_schema, 1, 16,
	     "the config keys to fit, with their candidates or bounds", .flags = CFG_REQUIRED),
    CFG_STRUCT("search", struct cb_file_cfg, search, cb_search_schema, "how hard to search"),
    CFG_END,
};
static const struct cfg_schema cb_file_schema =
    CFG_SCHEMA("calibration", struct cb_file_cfg, cb_file_fields);

void calib_schema_describe(void (*emit)(void *, const char *), void *arg)
{
	cfg_schema_describe(&cb_file_schema, 0, emit, arg);
}

bool calib_is_calib_file(const char *path)
{
	struct cfg_ctx *ctx;
	const struct cfg_node *root;
	bool calib = false;

	if (cfg_ctx_create(&ctx))
		return false;
	root = cfg_load_file(ctx, path);
	if (root && root->kind == CFG_MAP)
		calib = cfg_map_get(root, "fit") || cfg_map_get(root, "measured");
	cfg_ctx_destroy(ctx);
	return calib;
}

void calib_format(double x, char *buf, size_t len)
{
	snprintf(buf, len, "%.5g", x);
}

/* ---- the measured tables ---- */

/* Split a CSV line in place: fields (quotes "..." with "" inside) and their 1-based columns.
 * The number of fields, or -1 for an unterminated quote. */
static int split_csv(char *s, char **f, unsigned *col, int max)
{
	int n = 0;
	char *start = s;

	for (;;) {
		char *out = s, *p = s;

		if (n == max)
			return n;
		col[n] = (unsigned)(s - start) + 1;
		while (*p == ' ')
			p++;
		if (*p == '"') {
			p++;
			for (;;) {
				if (!*p)
					return -1;
				if (*p == '"' && p[1] == '"') {
					*out++ = '"', p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					*out++ = *p++;
				}
			}
			while (*p && *p != ',')
				p++;
		} else {
			while (*p && *p != ',')
				*out++ = *p++;
			while (out > s && (out[-1] == ' ' || out[-1] == '\r'))
				out--;
		}
		f[n++] = s;
		if (!*p) {
			*out = 0;
			return n;
		}
		*out = 0;
		s = p + 1;
	}
}

static bool as_number(const char *s, double *x)
{
	char *end;

	if (!*s)
		return false;
	errno = 0;
	*x = strtod(s, &end);
	return !errno && !*end && isfinite(*x);
}

static int find_col(char **hdr, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(hdr[i], name))
			return i;
	return -1;
}

#define CB_MAX_COLS 256

static int read_table(struct calib *c, size_t ti, const struct cb_table_cfg *t,
		      const struct cfg_node *tn)
{
	struct calib_table *tab = &c->tables[ti];
	FILE *f = fopen(tab->file, "r");
	char *line = NULL, *hdr[CB_MAX_COLS], *fld[CB_MAX_COLS], *hline = NULL;
	unsigned hcol[CB_MAX_COLS], col[CB_MAX_COLS], lineno = 0;
	int nh = -1, cp = -1, ck = -1, cv = -1, cw[64];
	size_t cap = 0, before = c->npoints;
	ssize_t len;

	if (!f) {
		cfg_error(c->ctx, cfg_map_get(tn, "file"), "cannot read the table '%s': %s",
			  tab->file, strerror(errno));
		return 1;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		struct cfg_mark m = {tab->file, ++lineno, 1};
		char *s = line;

		while (len && (s[len - 1] == '\n' || s[len - 1] == '\r'))
			s[--len] = 0;
		if (strlen(s) != (size_t)len) {
			cfg_error_mark(c->ctx, &m, "a NUL byte: not a CSV table");
			break;
		}
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			continue;
		if (nh < 0) {
			hline = strdup(s);
			if (!hline)
				break;
			nh = split_csv(hline, hdr, hcol, CB_MAX_COLS);
			if (nh < 0) {
				cfg_error_mark(c->ctx, &m, "an unterminated quote in the header");
				break;
			}
			cp = find_col(hdr, nh, t->columns.parameter);
			ck = t->key ? -2 : find_col(hdr, nh, t->columns.key);
			cv = find_col(hdr, nh, t->columns.value);
			const char *miss = cp < 0     ? t->columns.parameter
					   : ck == -1 ? t->columns.key
					   : cv < 0   ? t->columns.value
						      : NULL;
			if (miss) {
				char cols[512];
				size_t k = 0;

				cols[0] = 0;
				for (int i = 0; i < nh && k < sizeof(cols) - 8; i++)
					k += (size_t)snprintf(cols + k, sizeof(cols) - k, "%s'%s'",
							      i ? ", " : "", hdr[i]);
				cfg_error_mark(c->ctx, &m,
					       "the table has no column '%s' (it has %s)", miss,
					       cols);
				break;
			}
			for (size_t w = 0; w < t->nwhere && w < 64; w++) {
				char name[256];
				size_t l = (size_t)(strchr(t->where[w], '=') - t->where[w]);

				snprintf(name, sizeof(name), "%.*s", (int)l, t->where[w]);
				cw[w] = find_col(hdr, nh, name);
				if (cw[w] < 0)
					cfg_error(c->ctx, cfg_node_at(tn, "where")->items[w],
						  "'where': the table has no column '%s'", name);
			}
			if (cfg_error_count(c->ctx))
				break;
			continue;
		}
		int n = split_csv(s, fld, col, CB_MAX_COLS);

		if (n < 0) {
			cfg_error_mark(c->ctx, &m, "an unterminated quote");
			continue;
		}
		if (n != nh) {
			cfg_error_mark(c->ctx, &m, "%d fields, the header has %d", n, nh);
			continue;
		}
		bool keep = true;

		for (size_t w = 0; w < t->nwhere && w < 64 && keep; w++) {
			const char *want = strchr(t->where[w], '=') + 1;
			double a, b;

			keep = !strcmp(fld[cw[w]], want) ||
			       (as_number(fld[cw[w]], &a) && as_number(want, &b) && a == b);
		}
		if (!keep)
			continue;
		double pv, v;
		char buf[64];
		const char *ptext = fld[cp];

		if (as_number(fld[cp], &pv)) {
			snprintf(buf, sizeof(buf), "%.12g", pv * t->scale);
			ptext = buf;
		} else if (t->scale != 1) {
			m.col = col[cp];
			cfg_error_mark(c->ctx, &m, "parameter '%s' is not a number (with 'scale')",
				       fld[cp]);
			continue;
		}
		if (!as_number(fld[cv], &v) || v == 0) {
			m.col = col[cv];
			cfg_error_mark(c->ctx, &m,
				       "value '%s' is not a non-zero number (errors are relative)",
				       fld[cv]);
			continue;
		}
		if (ck >= 0 && !fld[ck][0]) {
			m.col = col[ck];
			cfg_error_mark(c->ctx, &m, "an empty result key");
			continue;
		}
		if (c->npoints % 64 == 0) {
			struct calib_point *g =
			    realloc(c->points, (c->npoints + 64) * sizeof(*c->points));

			if (!g)
				break;
			c->points = g;
		}
		struct calib_point *pt = &c->points[c->npoints++];

		pt->table = ti;
		pt->param_text = cfg_strdup(c->ctx, ptext);
		pt->key = t->key ? t->key : cfg_strdup(c->ctx, fld[ck]);
		pt->value = v * t->value_scale;
		pt->mark = m;
		if (c->npoints > 10000) {
			cfg_error_mark(c->ctx, &m, "more than 10000 measured points");
			break;
		}
	}
	if (!cfg_error_count(c->ctx) && nh < 0)
		cfg_error(c->ctx, cfg_map_get(tn, "file"), "the table '%s' has no header line",
			  tab->file);
	else if (!cfg_error_count(c->ctx) && c->npoints == before)
		cfg_error(c->ctx, cfg_map_get(tn, "file"), "no row of '%s' is a measured point%s",
			  tab->file, t->nwhere ? " (with its 'where')" : "");
	free(line);
	free(hline);
	fclose(f);
	return 0;
}

/* ---- checking ---- */

char **calib_point_sets(const struct calib *c, size_t p, const char *const *vals, size_t *n)
{
	const struct calib_point *pt = &c->points[p];
	const struct calib_table *t = &c->tables[pt->table];
	size_t k = 0, max = c->nsets + t->nsets + 1 + c->nparams;
	char **s = calloc(max, sizeof(*s));

	if (!s)
		return NULL;
	for (size_t i = 0; i < c->nsets; i++)
		s[k++] = strdup(c->sets[i]);
	for (size_t i = 0; i < t->nsets; i++)
		s[k++] = strdup(t->sets[i]);
	if (asprintf(&s[k++], "%s=%s", t->parameter, pt->param_text) < 0)
		s[k - 1] = NULL;
	for (size_t i = 0; i < c->nparams; i++)
		if (asprintf(&s[k++], "%s=%s", c->params[i].key, vals[i]) < 0)
			s[k - 1] = NULL;
	*n = k;
	for (size_t i = 0; i < k; i++)
		if (!s[i]) {
			sweep_sets_free(s, k);
			return NULL;
		}
	return s;
}

/* The first guess of every parameter, as --set takes it (into bufs). */
static void first_guess(const struct calib *c, char (*bufs)[64], const char **vals)
{
	for (size_t i = 0; i < c->nparams; i++) {
		const struct calib_param *q = &c->params[i];

		if (q->discrete)
			snprintf(bufs[i], 64, "%s", q->values[q->start]);
		else
			calib_format(q->x0, bufs[i], 64);
		vals[i] = bufs[i];
	}
}

/* Whether point p is a valid scenario with vals; errors go to `at` with `what` named. On
 * success *seed is the scenario's seed. */
static bool try_point(struct calib *c, size_t p, const char *const *vals, const struct cfg_mark *at,
		      const char *what, uint64_t *seed)
{
	struct cfg_ctx *ctx;
	struct cfg_node *root;
	struct scenario sc;
	size_t nsets;
	char **sets = calib_point_sets(c, p, vals, &nsets);
	bool ok = false;

	if (!sets || cfg_ctx_create(&ctx)) {
		sweep_sets_free(sets, nsets);
		return false;
	}
	root = cfg_load_file(ctx, c->scenario);
	if (root)
		scenario_load_tree(ctx, &root, (const char *const *)sets, nsets, &sc);
	if (cfg_error_count(ctx)) {
		const char *t = cfg_error_text(ctx, 0), *e = strstr(t, ": error: ");
		const char *inner = e && !strncmp(t, "--set ", 6) ? e + 9 : t;

		/* an error of a fitted key's value belongs to that key, wherever it showed */
		for (size_t i = 0; !strncmp(t, "--set ", 6) && i < c->nparams; i++) {
			size_t l = strlen(c->params[i].key);

			if (!strncmp(t + 6, c->params[i].key, l) && t[6 + l] == '=') {
				at = &c->params[i].mark;
				if (!strcmp(c->prev_err, inner))
					goto done; /* said already */
				snprintf(c->prev_err, sizeof(c->prev_err), "%s", inner);
				cfg_error_mark(c->ctx, at, "%s=%s is not a valid scenario: %s",
					       c->params[i].key, vals[i], inner);
				goto done;
			}
		}
		cfg_error_mark(c->ctx, at, "%s is not a valid scenario: %s", what, inner);
	} else {
		ok = true;
		if (seed)
			*seed = sc.seed;
	}
done:
	cfg_ctx_destroy(ctx);
	sweep_sets_free(sets, nsets);
	return ok;
}

static void validate(struct calib *c)
{
	char bufs[16][64], what[512];
	const char *vals[16];
	size_t bad = 0;
	uint64_t seed = 0;

	first_guess(c, bufs, vals);
	/* every table's points at the first guess (each parameter value once a table) */
	for (size_t p = 0; p < c->npoints && bad < 10; p++) {
		bool seen = false;

		for (size_t q = 0; q < p && !seen; q++)
			seen = c->points[q].table == c->points[p].table &&
			       !strcmp(c->points[q].param_text, c->points[p].param_text);
		if (seen)
			continue;
		snprintf(what, sizeof(what), "the point %s=%s",
			 c->tables[c->points[p].table].parameter, c->points[p].param_text);
		if (!try_point(c, p, vals, &c->points[p].mark, what, p ? NULL : &seed))
			bad++;
	}
	if (!c->seed_set)
		c->seed = seed;
	if (bad)
		return;
	/* each fitted parameter at its bounds (discrete: every value), the others at their guess */
	for (size_t i = 0; i < c->nparams; i++) {
		const struct calib_param *q = &c->params[i];
		size_t n = q->discrete ? q->n : 2;
		char b[64];

		for (size_t k = 0; k < n; k++) {
			if (q->discrete)
				vals[i] = q->values[k];
			else
				calib_format(k ? q->hi : q->lo, b, sizeof(b)), vals[i] = b;
			snprintf(what, sizeof(what), "%s=%s", q->key, vals[i]);
			if (!try_point(c, 0, vals, &q->mark, what, NULL))
				break;
		}
		vals[i] = bufs[i];
	}
}

/* ---- loading ---- */

static const char *relative_to(struct cfg_ctx *ctx, const char *path, const char *file)
{
	if (file[0] == '/' || !strchr(path, '/'))
		return file;
	size_t dl = (size_t)(strrchr(path, '/') - path);
	char *s = cfg_alloc(ctx, dl + strlen(file) + 2);

	memcpy(s, path, dl);
	s[dl] = '/';
	strcpy(s + dl + 1, file);
	return s;
}

int calib_load(struct calib *c, const char *path)
{
	struct cfg_node *root;
	struct cb_file_cfg f;
	const struct cfg_node *sn;

	memset(c, 0, sizeof(*c));
	if (cfg_ctx_create(&c->ctx))
		return -1;
	c->path = path;
	root = cfg_load_file(c->ctx, path);
	if (!root)
		return (int)cfg_error_count(c->ctx);
	if (root->kind == CFG_MAP && !cfg_map_get(root, "fit") && !cfg_map_get(root, "measured")) {
		cfg_error(c->ctx, root,
			  "not a calibration file: no 'measured' or 'fit' (a scenario is run with "
			  "'ptsim run', a sweep with 'ptsim sweep')");
		return (int)cfg_error_count(c->ctx);
	}
	cfg_bind(c->ctx, &cb_file_schema, root, &f);
	if (cfg_error_count(c->ctx))
		return (int)cfg_error_count(c->ctx);

	sn = cfg_map_get(root, "scenario");
	c->scenario_arg = f.scenario;
	c->scenario_mark = sn->mark;
	c->scenario = relative_to(c->ctx, path, f.scenario);
	if (access(c->scenario, R_OK))
		cfg_error(c->ctx, sn,
			  "cannot read the scenario '%s' (relative to the calibration "
			  "file)",
			  c->scenario);
	c->sets = f.set;
	c->nsets = f.nset;
	for (size_t i = 0; i < f.nset; i++)
		if (!strchr(f.set[i], '='))
			cfg_error(c->ctx, cfg_node_at(root, "set")->items[i],
				  "'%s' is not KEY=VALUE", f.set[i]);
	c->seed_set = f.seed >= 0;
	c->seed = f.seed >= 0 ? (uint64_t)f.seed : 0;
	c->rounds = f.search.rounds;
	c->iterations = f.search.iterations;
	c->grid_max = f.search.grid_max;
	c->tolerance = f.search.tolerance;

	/* the parameters to fit */
	const struct cfg_node *fn = cfg_map_get(root, "fit");

	c->nparams = f.nfit;
	c->params = cfg_alloc(c->ctx, f.nfit * sizeof(*c->params));
	for (size_t i = 0; i < f.nfit; i++) {
		const struct cb_fit_cfg *x = &f.fit[i];
		struct calib_param *q = &c->params[i];
		const struct cfg_node *xn = fn->items[i];

		memset(q, 0, sizeof(*q));
		q->key = x->key;
		q->mark = cfg_map_get(xn, "key") ? cfg_map_get(xn, "key")->mark : xn->mark;
		for (size_t k = 0; k < i; k++)
			if (!strcmp(c->params[k].key, q->key))
				cfg_error_mark(c->ctx, &q->mark, "parameter '%s' is fitted twice",
					       q->key);
		if (x->nvalues) {
			q->discrete = true;
			q->n = x->nvalues;
			q->values = x->values;
			q->start = (q->n - 1) / 2;
			for (size_t k = 0; k < q->n; k++)
				if (!q->values[k][0])
					cfg_error(c->ctx, cfg_map_get(xn, "values")->items[k],
						  "an empty value");
		} else if (x->integer) {
			double step = cfg_map_get(xn, "step") ? x->step : 1;

			q->discrete = true;
			q->n = (size_t)floor((x->max - x->min) / step + 1e-9) + 1;
			q->values = cfg_alloc(c->ctx, q->n * sizeof(*q->values));
			for (size_t k = 0; k < q->n; k++) {
				char b[64];

				snprintf(b, sizeof(b), "%.0f", x->min + (double)k * step);
				q->values[k] = cfg_strdup(c->ctx, b);
			}
			q->start = cfg_map_get(xn, "start")
				       ? (size_t)llround((x->start - x->min) / step)
				       : (q->n - 1) / 2;
			if (q->start >= q->n)
				q->start = q->n - 1;
		} else {
			q->lo = x->min;
			q->hi = x->max;
			q->x0 = cfg_map_get(xn, "start") ? x->start : (x->min + x->max) / 2;
			q->step = cfg_map_get(xn, "step") ? x->step : (x->max - x->min) / 5;
		}
	}
	/* a fitted key that a table varies, or sets, would be overridden */
	for (size_t t = 0; t < f.ntables; t++)
		for (size_t i = 0; i < c->nparams; i++)
			if (!strcmp(f.tables[t].parameter, c->params[i].key))
				cfg_error_mark(c->ctx, &c->params[i].mark,
					       "'%s' is a table's parameter: it cannot be fitted",
					       c->params[i].key);

	/* the tables */
	const struct cfg_node *mn = cfg_map_get(root, "measured");

	c->ntables = f.ntables;
	c->tables = cfg_alloc(c->ctx, f.ntables * sizeof(*c->tables));
	for (size_t t = 0; t < f.ntables && !cfg_error_count(c->ctx); t++) {
		const struct cb_table_cfg *x = &f.tables[t];
		struct calib_table *tab = &c->tables[t];

		tab->file = relative_to(c->ctx, path, x->file);
		tab->parameter = x->parameter;
		tab->sets = x->set;
		tab->nsets = x->nset;
		tab->weight = x->weight;
		tab->mark = mn->items[t]->mark;
		read_table(c, t, x, mn->items[t]);
	}
	if (cfg_error_count(c->ctx))
		return (int)cfg_error_count(c->ctx);
	validate(c);
	return (int)cfg_error_count(c->ctx);
}

void calib_free(struct calib *c)
{
	free(c->points);
	c->points = NULL;
	cfg_ctx_destroy(c->ctx);
	c->ctx = NULL;
}
