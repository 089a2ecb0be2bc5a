/* SPDX-License-Identifier: MIT */
/* Sweep files: schema, expansion into points and runs, checking each point, hashing. */
#include "app/sweep.h"
#include "app/scenario.h"

#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the schema ---- */

struct sw_range_cfg {
	double from, to, step, factor;
	uint32_t points;
	bool log, round;
};

struct sw_item_cfg {
	const char *key;
	const char **values;
	size_t nvalues;
	struct sw_range_cfg range;
};

struct sw_param_cfg {
	struct sw_item_cfg item;
	struct sw_item_cfg *zip;
	size_t nzip;
};

struct sw_file_cfg {
	const char *scenario, *description;
	const char **set;
	size_t nset;
	struct sw_param_cfg *params;
	size_t nparams;
	uint32_t seeds;
	int first_seed;
	const char **keep;
	size_t nkeep;
};

#define SW_MAX_VALUES 100000
#define SW_MAX_RUNS   1000000

static void range_check(void *obj, const struct cfg_scope *s)
{
	const struct sw_range_cfg *r = obj;
	bool step = cfg_scope_has(s, "step"), points = cfg_scope_has(s, "points"),
	     factor = cfg_scope_has(s, "factor");

	if (!s->map)
		return;
	if (!cfg_scope_has(s, "from") || !cfg_scope_has(s, "to")) {
		cfg_scope_error(s, NULL, "a range needs 'from' and 'to'");
		return;
	}
	if (step + points + factor != 1) {
		cfg_scope_error(s, NULL,
				"a range needs exactly one of 'step', 'points' and 'factor'");
		return;
	}
	if (r->to < r->from)
		cfg_scope_error(s, "to", "'to' (%g) is below 'from' (%g)", r->to, r->from);
	if (step && !(r->step > 0))
		cfg_scope_error(s, "step", "'step' must be above 0");
	if (factor && (!r->log || !(r->factor > 1)))
		cfg_scope_error(s, "factor", "'factor' goes with 'log: true' and must be above 1");
	if (r->log && (r->from <= 0 || r->to <= 0))
		cfg_scope_error(s, "from", "a log range needs 'from' and 'to' above 0");
	if (r->log && step)
		cfg_scope_error(s, "log", "a log range takes 'points' or 'factor', not 'step'");
}

static const struct cfg_field sw_range_fields[] = {
    CFG_DOUBLE("from", struct sw_range_cfg, from, 0, 0, 0, "", "first value", .flags = CFG_ID),
    CFG_DOUBLE("to", struct sw_range_cfg, to, 0, 0, 0, "", "last value (inclusive)",
	       .flags = CFG_ID),
    CFG_DOUBLE("step", struct sw_range_cfg, step, 0, 0, 0, "", "linear: from, from+step, ... to",
	       .flags = CFG_ID),
    CFG_U32("points", struct sw_range_cfg, points, 0, 2, SW_MAX_VALUES, "values",
	    "this many values from 'from' to 'to', evenly spaced (log: evenly on a log scale)"),
    CFG_BOOL("log", struct sw_range_cfg, log, false, "log scale: with 'points' or 'factor'"),
    CFG_DOUBLE("factor", struct sw_range_cfg, factor, 0, 0, 0, "",
	       "log: from, from*factor, ... up to 'to'", .flags = CFG_ID),
    CFG_BOOL("round", struct sw_range_cfg, round, false,
	     "round each value to an integer (values that coincide are kept once)"),
    CFG_END,
};
static const struct cfg_schema sw_range_schema =
    CFG_SCHEMA("range", struct sw_range_cfg, sw_range_fields, .check = range_check);

static void item_check(void *obj, const struct cfg_scope *s)
{
	const struct sw_item_cfg *it = obj;
	bool values = cfg_scope_has(s, "values"), range = cfg_scope_has(s, "range");

	if (!it->key) {
		cfg_scope_error(s, NULL,
				"a parameter needs 'key' (a config key, as --set takes it)");
		return;
	}
	if (!strcmp(it->key, "seed"))
		cfg_scope_error(s, "key",
				"the seed is not a parameter: use 'seeds' and 'first_seed'");
	if (values + range != 1)
		cfg_scope_error(
		    s, "key", "parameter '%s' needs exactly one of 'values' and 'range'", it->key);
	else if (values && !it->nvalues)
		cfg_scope_error(s, "values", "parameter '%s' has no values", it->key);
}

static const struct cfg_field sw_item_fields[] = {
    CFG_STR("key", struct sw_item_cfg, key, NULL,
	    "config key to vary, dotted as --set takes it (vms.0.interrupt_mode)"),
    CFG_STRLIST("values", struct sw_item_cfg, values, nvalues, "the values, in order"),
    CFG_STRUCT("range", struct sw_item_cfg, range, sw_range_schema,
	       "numeric values: from, to and step, points or (log) factor"),
    CFG_END,
};
static const struct cfg_schema sw_item_schema =
    CFG_SCHEMA("parameter", struct sw_item_cfg, sw_item_fields, .check = item_check);

static void param_check(void *obj, const struct cfg_scope *s)
{
	const struct sw_param_cfg *p = obj;

	if (cfg_scope_has(s, "zip") &&
	    (cfg_scope_has(s, "key") || cfg_scope_has(s, "values") || cfg_scope_has(s, "range")))
		cfg_scope_error(s, "zip",
				"a 'zip' group takes no 'key', 'values' or 'range' of its "
				"own: list its parameters under it");
	if (cfg_scope_has(s, "zip") && p->nzip < 2)
		cfg_scope_error(s, "zip", "a 'zip' group needs at least 2 parameters");
}

/* The item's checks run only for a plain parameter (a zip group has no key). */
static void param_item_check(void *obj, const struct cfg_scope *s)
{
	if (!cfg_scope_has(s, "zip"))
		item_check(obj, s);
}

static const struct cfg_field sw_param_item_fields[] = {
    CFG_STR("key", struct sw_item_cfg, key, NULL,
	    "config key to vary, dotted as --set takes it (vms.0.interrupt_mode)"),
    CFG_STRLIST("values", struct sw_item_cfg, values, nvalues, "the values, in order"),
    CFG_STRUCT("range", struct sw_item_cfg, range, sw_range_schema,
	       "numeric values: from, to and step, points or (log) factor"),
    CFG_END,
};
static const struct cfg_schema sw_param_item_schema =
    CFG_SCHEMA("parameter", struct sw_item_cfg, sw_param_item_fields, .check = param_item_check);

static const struct cfg_field sw_param_fields[] = {
    CFG_INLINE(struct sw_param_cfg, item, sw_param_item_schema),
    CFG_LIST("zip", struct sw_param_cfg, zip, nzip, sw_item_schema, 0, 64,
	     "parameters that vary together, value i with value i (equal counts)"),
    CFG_END,
};
static const struct cfg_schema sw_param_schema =
    CFG_SCHEMA("parameters", struct sw_param_cfg, sw_param_fields, .check = param_check);

static const struct cfg_field sw_file_fields[] = {
    CFG_STR("scenario", struct sw_file_cfg, scenario, NULL,
	    "the base scenario, relative to the sweep file", .flags = CFG_REQUIRED),
    CFG_STR("description", struct sw_file_cfg, description, "", "what the sweep shows"),
    CFG_STRLIST("set", struct sw_file_cfg, set, nset,
		"KEY=VALUE overrides of every point, as --set takes them"),
    CFG_LIST("parameters", struct sw_file_cfg, params, nparams, sw_param_schema, 1, 64,
	     "what varies: the cartesian product of these (a zip group counts as one)"),
    CFG_U32("seeds", struct sw_file_cfg, seeds, 1, 1, 10000, "runs",
	    "runs of each point, with seeds first_seed, first_seed+1, ..."),
    CFG_INT("first_seed", struct sw_file_cfg, first_seed, -1, 0, 2147483647, "",
	    "the first seed of each point", .flags = CFG_ID,
	    .def_text = "the point's scenario seed"),
    CFG_STRLIST("keep", struct sw_file_cfg, keep, nkeep,
		"result keys to keep: a key, a group (iotlb) or a glob (interrupts.*); "
		"all when absent"),
    CFG_END,
};
static const struct cfg_schema sw_file_schema =
    CFG_SCHEMA("sweep", struct sw_file_cfg, sw_file_fields);

void sweep_schema_describe(void (*emit)(void *, const char *), void *arg)
{
	cfg_schema_describe(&sw_file_schema, 0, emit, arg);
}

/* ---- expansion ---- */

bool sweep_is_sweep_file(const char *path)
{
	struct cfg_ctx *ctx;
	const struct cfg_node *root;
	bool sweep = false;

	if (cfg_ctx_create(&ctx))
		return false;
	root = cfg_load_file(ctx, path);
	if (root && root->kind == CFG_MAP)
		sweep = cfg_map_get(root, "parameters") || cfg_map_get(root, "scenario");
	cfg_ctx_destroy(ctx);
	return sweep;
}

static const char *fmt_num(struct cfg_ctx *ctx, double x)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.12g", x);
	return cfg_strdup(ctx, buf);
}

/* A value as --set reads it: a string that was quoted in the sweep file stays a string. */
static const char *yaml_text(struct cfg_ctx *ctx, const struct cfg_node *n)
{
	size_t len = strlen(n->text), k = 0;
	char *s;

	if (!n->quoted)
		return n->text;
	s = cfg_alloc(ctx, 2 * len + 3);
	s[k++] = '"';
	for (const char *p = n->text; *p; p++) {
		if (*p == '"' || *p == '\\')
			s[k++] = '\\';
		s[k++] = *p;
	}
	s[k++] = '"';
	s[k] = 0;
	return s;
}

static int expand_item(struct sweep *sw, const struct sw_item_cfg *it, const struct cfg_node *map,
		       struct sweep_axis *ax)
{
	const struct cfg_node *vals = cfg_map_get(map, "values");

	ax->key = it->key;
	if (vals) {
		ax->n = it->nvalues;
		ax->text = cfg_alloc(sw->ctx, ax->n * sizeof(*ax->text));
		ax->plain = cfg_alloc(sw->ctx, ax->n * sizeof(*ax->plain));
		ax->marks = cfg_alloc(sw->ctx, ax->n * sizeof(*ax->marks));
		for (size_t i = 0; i < ax->n; i++) {
			ax->plain[i] = vals->items[i]->text;
			ax->text[i] = yaml_text(sw->ctx, vals->items[i]);
			ax->marks[i] = vals->items[i]->mark;
		}
		return 0;
	}

	const struct sw_range_cfg *r = &it->range;
	const struct cfg_node *rn = cfg_map_get(map, "range");
	size_t n = 0, cap = 16;
	double *xs = malloc(cap * sizeof(*xs));

	if (!xs)
		return -1;
	for (size_t i = 0;; i++) {
		double x;

		if (r->points) {
			if (i >= r->points)
				break;
			double t = (double)i / (r->points - 1);
			x = r->log ? r->from * pow(r->to / r->from, t)
				   : r->from + t * (r->to - r->from);
			if (i == r->points - 1)
				x = r->to;
		} else if (r->log) {
			x = r->from * pow(r->factor, (double)i);
			if (x > r->to * (1 + 1e-9))
				break;
		} else {
			x = r->from + (double)i * r->step;
			if (x > r->to + 1e-9 * fabs(r->step))
				break;
		}
		if (r->round)
			x = round(x);
		if (r->round && n && xs[n - 1] == x)
			continue;
		if (n == SW_MAX_VALUES) {
			free(xs);
			cfg_error(sw->ctx, rn, "range of '%s' has more than %d values", it->key,
				  SW_MAX_VALUES);
			return 1;
		}
		if (n == cap) {
			double *g = realloc(xs, (cap *= 2) * sizeof(*xs));

			if (!g) {
				free(xs);
				return -1;
			}
			xs = g;
		}
		xs[n++] = x;
	}
	ax->n = n;
	ax->text = cfg_alloc(sw->ctx, n * sizeof(*ax->text));
	ax->plain = cfg_alloc(sw->ctx, n * sizeof(*ax->plain));
	ax->marks = cfg_alloc(sw->ctx, n * sizeof(*ax->marks));
	for (size_t i = 0; i < n; i++) {
		ax->text[i] = ax->plain[i] = fmt_num(sw->ctx, xs[i]);
		ax->marks[i] = rn->mark;
	}
	free(xs);
	return 0;
}

static int expand(struct sweep *sw, const struct sw_file_cfg *f, const struct cfg_node *root)
{
	const struct cfg_node *params = cfg_map_get(root, "parameters");
	size_t naxes = 0;
	double total = 1;

	for (size_t i = 0; i < f->nparams; i++)
		naxes += f->params[i].nzip ? f->params[i].nzip : 1;
	sw->axes = cfg_alloc(sw->ctx, naxes * sizeof(*sw->axes));
	sw->groups = cfg_alloc(sw->ctx, f->nparams * sizeof(*sw->groups));
	memset(sw->axes, 0, naxes * sizeof(*sw->axes));
	for (size_t i = 0; i < f->nparams; i++) {
		const struct sw_param_cfg *p = &f->params[i];
		const struct cfg_node *pn = params->items[i];
		struct sweep_group *g = &sw->groups[sw->ngroups++];

		g->first = sw->naxes;
		if (!p->nzip) {
			if (expand_item(sw, &p->item, pn, &sw->axes[sw->naxes]))
				return 1;
			g->n = sw->axes[sw->naxes++].n;
			g->naxes = 1;
		} else {
			const struct cfg_node *zn = cfg_map_get(pn, "zip");

			for (size_t k = 0; k < p->nzip; k++) {
				struct sweep_axis *ax = &sw->axes[sw->naxes];

				if (expand_item(sw, &p->zip[k], zn->items[k], ax))
					return 1;
				if (k && ax->n != g->n)
					cfg_error(
					    sw->ctx, zn->items[k],
					    "zipped parameter '%s' has %zu values, '%s' has %zu: "
					    "a zip needs equal counts",
					    ax->key, ax->n, sw->axes[g->first].key, g->n);
				g->n = ax->n;
				sw->naxes++;
			}
			g->naxes = p->nzip;
		}
		if (!g->n)
			cfg_error(sw->ctx, pn, "parameter group %zu has no values", i);
		total *= (double)g->n;
	}
	/* a key varied twice: the later --set would silently win */
	for (size_t a = 0; a < sw->naxes; a++)
		for (size_t b = 0; b < a; b++)
			if (!strcmp(sw->axes[a].key, sw->axes[b].key))
				cfg_error_mark(sw->ctx, &sw->axes[a].marks[0],
					       "parameter '%s' is varied twice", sw->axes[a].key);
	if (total * sw->seeds > SW_MAX_RUNS) {
		cfg_error(sw->ctx, params, "%.0f runs (points x seeds); at most %d",
			  total * sw->seeds, SW_MAX_RUNS);
		/* the product may not even fit a size_t (many parameters): no points */
		total = 0;
	}
	sw->npoints = (size_t)total;
	return cfg_error_count(sw->ctx) ? 1 : 0;
}

size_t sweep_value_index(const struct sweep *sw, size_t p, size_t a)
{
	/* mixed radix, the first group varying slowest (like nested loops) */
	for (size_t g = sw->ngroups; g-- > 0;) {
		const struct sweep_group *gr = &sw->groups[g];
		size_t idx = p % gr->n;

		if (a >= gr->first && a < gr->first + gr->naxes)
			return idx;
		p /= gr->n;
	}
	return 0;
}

char **sweep_point_sets(const struct sweep *sw, size_t p, size_t *n)
{
	char **s = calloc(sw->nsets + sw->naxes + 1, sizeof(*s));

	if (!s)
		return NULL;
	for (size_t i = 0; i < sw->nsets; i++)
		s[i] = strdup(sw->sets[i]);
	for (size_t a = 0; a < sw->naxes; a++) {
		size_t v = sweep_value_index(sw, p, a);

		if (asprintf(&s[sw->nsets + a], "%s=%s", sw->axes[a].key, sw->axes[a].text[v]) < 0)
			s[sw->nsets + a] = NULL;
	}
	*n = sw->nsets + sw->naxes;
	for (size_t i = 0; i < *n; i++)
		if (!s[i]) {
			sweep_sets_free(s, *n);
			return NULL;
		}
	return s;
}

void sweep_sets_free(char **sets, size_t n)
{
	if (!sets)
		return;
	for (size_t i = 0; i < n; i++)
		free(sets[i]);
	free(sets);
}

void sweep_point_name(const struct sweep *sw, size_t p, char *buf, size_t len)
{
	size_t k = 0;

	buf[0] = 0;
	for (size_t a = 0; a < sw->naxes && k < len; a++)
		k += (size_t)snprintf(buf + k, len - k, "%s%s=%s", a ? ", " : "", sw->axes[a].key,
				      sw->axes[a].plain[sweep_value_index(sw, p, a)]);
}

bool sweep_keeps(const struct sweep *sw, const char *key)
{
	if (!sw->nkeep)
		return true;
	for (size_t i = 0; i < sw->nkeep; i++) {
		const char *k = sw->keep[i];
		size_t l = strlen(k);

		if (!strcmp(k, key) || (!strncmp(k, key, l) && key[l] == '.') ||
		    !fnmatch(k, key, 0))
			return true;
	}
	return false;
}

/* ---- hashing ---- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* MurmurHash3's finalizer: FNV-1a alone leaves hashes that differ only in their last bytes
 * (seed 1, 2, 3) looking alike. */
static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

uint64_t sweep_hash_tree(uint64_t h, const struct cfg_node *n)
{
	char tag[32];

	if (!n)
		return fnv(h, "~", 1);
	switch (n->kind) {
	case CFG_MAP:
		snprintf(tag, sizeof(tag), "{%zu", n->n);
		h = fnv(h, tag, strlen(tag));
		for (size_t i = 0; i < n->n; i++) {
			h = fnv(h, n->keys[i], strlen(n->keys[i]) + 1);
			h = sweep_hash_tree(h, n->items[i]);
		}
		return fnv(h, "}", 1);
	case CFG_SEQ:
		snprintf(tag, sizeof(tag), "[%zu", n->n);
		h = fnv(h, tag, strlen(tag));
		for (size_t i = 0; i < n->n; i++)
			h = sweep_hash_tree(h, n->items[i]);
		return fnv(h, "]", 1);
	case CFG_SCALAR:
		h = fnv(h, n->null ? "n" : n->quoted ? "q" : "s", 1);
		return fnv(h, n->null ? "" : n->text, n->null ? 1 : strlen(n->text) + 1);
	}
	return h;
}

/* ---- checking every point ---- */

/* Where an error of a point belongs in the sweep file: the value of the parameter whose
 * --set it names, a fixed `set`, or else the scenario line. */
static const struct cfg_mark *error_mark(const struct sweep *sw, size_t p, const char *text)
{
	if (!strncmp(text, "--set ", 6)) {
		const char *k = text + 6;

		for (size_t a = 0; a < sw->naxes; a++) {
			size_t l = strlen(sw->axes[a].key);

			if (!strncmp(k, sw->axes[a].key, l) && k[l] == '=')
				return &sw->axes[a].marks[sweep_value_index(sw, p, a)];
		}
		for (size_t i = 0; i < sw->nsets; i++)
			if (!strncmp(k, sw->sets[i], strlen(sw->sets[i])))
				return &sw->set_marks[i];
	}
	return &sw->scenario_mark;
}

/* An inner error without its "error: " (the message says it again). */
static const char *inner_text(const char *t)
{
	const char *e = strstr(t, ": error: ");

	if (e && !strncmp(t, "--set ", 6))
		return e + 9;
	return t;
}

struct distinct_err {
	char *text;
	size_t first_point, count;
	struct cfg_mark mark;
};

/* By hash, then by place in sw->runs (the pointers' order). */
static int by_hash(const void *a, const void *b)
{
	const struct sweep_run *x = *(const struct sweep_run *const *)a,
			       *y = *(const struct sweep_run *const *)b;
	int c = strcmp(x->hash, y->hash);

	return c ? c : (x > y) - (x < y);
}

/*
 * Two points that resolve to the same config would be one run under two names: the first run
 * that repeats an earlier one is the error, named with the earliest it repeats. The runs are
 * sorted by hash (then place), so runs that repeat each other are neighbours, each group in
 * order.
 */
static int check_duplicates(struct sweep *sw)
{
	const struct sweep_run **order = malloc(sw->nruns * sizeof(*order)), *bad = NULL,
			       *first = NULL;

	if (!order)
		return -1;
	for (size_t i = 0; i < sw->nruns; i++)
		order[i] = &sw->runs[i];
	qsort(order, sw->nruns, sizeof(*order), by_hash);
	for (size_t k = 1, g = 0; k < sw->nruns; k++) {
		if (strcmp(order[k]->hash, order[g]->hash)) {
			g = k;
			continue;
		}
		/* order[g] is the group's earliest; order[k] repeats it */
		if (!bad || order[k] < bad) {
			bad = order[k];
			first = order[g];
		}
	}
	free(order);
	if (bad) {
		char a[512], b[512];

		sweep_point_name(sw, bad->point, a, sizeof(a));
		sweep_point_name(sw, first->point, b, sizeof(b));
		cfg_error_mark(sw->ctx, &sw->axes[0].marks[0],
			       "point %zu (%s) resolves to the same config as point %zu (%s)",
			       bad->point, a, first->point, b);
	}
	return 0;
}

static int validate(struct sweep *sw)
{
	struct distinct_err *errs = NULL;
	size_t nerrs = 0, bad_points = 0;
	int rc = 0;

	struct cfg_ctx *base_ctx = NULL;
	struct cfg_node *parsed = NULL;

	sw->nruns = sw->npoints * sw->seeds;
	sw->runs = cfg_alloc(sw->ctx, sw->nruns * sizeof(*sw->runs));
	/* The scenario is parsed once and each point binds a copy of it; a scenario that does not
	 * parse cleanly is parsed again at every point, whose errors then say so. */
	if (!cfg_ctx_create(&base_ctx)) {
		parsed = cfg_load_file(base_ctx, sw->scenario);
		if (cfg_error_count(base_ctx))
			parsed = NULL;
	}
	for (size_t p = 0; p < sw->npoints && nerrs < 100; p++) {
		struct cfg_ctx *ctx;
		struct cfg_node *root;
		struct scenario sc;
		size_t nsets;
		char **sets = sweep_point_sets(sw, p, &nsets);

		if (!sets || cfg_ctx_create(&ctx)) {
			sweep_sets_free(sets, nsets);
			rc = -1;
			break;
		}
		root = parsed ? cfg_tree_copy(ctx, parsed) : cfg_load_file(ctx, sw->scenario);
		if (root)
			scenario_load_tree(ctx, &root, (const char *const *)sets, nsets, &sc);
		if (cfg_error_count(ctx)) {
			bad_points++;
			for (size_t i = 0; i < cfg_error_shown(ctx); i++) {
				const char *t = cfg_error_text(ctx, i);
				size_t k;

				for (k = 0; k < nerrs; k++)
					if (!strcmp(errs[k].text, inner_text(t)))
						break;
				if (k < nerrs) {
					errs[k].count++;
					continue;
				}
				struct distinct_err *g = realloc(errs, (nerrs + 1) * sizeof(*errs));

				if (!g)
					break;
				errs = g;
				errs[nerrs].text = strdup(inner_text(t));
				errs[nerrs].first_point = p;
				errs[nerrs].count = 1;
				errs[nerrs].mark = *error_mark(sw, p, t);
				nerrs++;
			}
		} else {
			uint64_t base = sweep_hash_tree(0xcbf29ce484222325ull, root);

			for (unsigned s = 0; s < sw->seeds; s++) {
				struct sweep_run *r = &sw->runs[p * sw->seeds + s];
				char sd[32];

				r->point = p;
				r->seed = (sw->first_seed_set ? sw->first_seed : sc.seed) + s;
				snprintf(sd, sizeof(sd), "seed=%llu", (unsigned long long)r->seed);
				snprintf(r->hash, sizeof(r->hash), "%016llx",
					 (unsigned long long)mix(fnv(base, sd, strlen(sd))));
			}
		}
		cfg_ctx_destroy(ctx);
		sweep_sets_free(sets, nsets);
	}
	for (size_t k = 0; k < nerrs; k++) {
		char name[1024];

		sweep_point_name(sw, errs[k].first_point, name, sizeof(name));
		if (errs[k].count > 1)
			cfg_error_mark(sw->ctx, &errs[k].mark,
				       "point %zu (%s) and %zu more are not valid scenarios: %s",
				       errs[k].first_point, name, errs[k].count - 1, errs[k].text);
		else
			cfg_error_mark(sw->ctx, &errs[k].mark,
				       "point %zu (%s) is not a valid scenario: %s",
				       errs[k].first_point, name, errs[k].text);
		free(errs[k].text);
	}
	free(errs);
	cfg_ctx_destroy(base_ctx);
	(void)bad_points;
	if (rc)
		return rc;
	if (!cfg_error_count(sw->ctx))
		rc = check_duplicates(sw);
	return rc ? rc : (int)cfg_error_count(sw->ctx);
}

int sweep_load(struct sweep *sw, const char *path, bool validate_points)
{
	struct cfg_node *root;
	struct sw_file_cfg f;
	const struct cfg_node *sn;

	memset(sw, 0, sizeof(*sw));
	if (cfg_ctx_create(&sw->ctx))
		return -1;
	sw->path = path;
	root = cfg_load_file(sw->ctx, path);
	if (!root)
		return (int)cfg_error_count(sw->ctx);
	if (root->kind == CFG_MAP && !cfg_map_get(root, "scenario") &&
	    !cfg_map_get(root, "parameters")) {
		cfg_error(sw->ctx, root,
			  "not a sweep file: no 'scenario' or 'parameters' (a scenario is run with "
			  "'ptsim run')");
		return (int)cfg_error_count(sw->ctx);
	}
	cfg_bind(sw->ctx, &sw_file_schema, root, &f);
	if (cfg_error_count(sw->ctx))
		return (int)cfg_error_count(sw->ctx);

	sn = cfg_map_get(root, "scenario");
	sw->scenario_arg = f.scenario;
	sw->scenario_mark = sn->mark;
	if (f.scenario[0] == '/' || !strchr(path, '/')) {
		sw->scenario = f.scenario;
	} else {
		size_t dl = (size_t)(strrchr(path, '/') - path);
		char *s = cfg_alloc(sw->ctx, dl + strlen(f.scenario) + 2);

		memcpy(s, path, dl);
		s[dl] = '/';
		strcpy(s + dl + 1, f.scenario);
		sw->scenario = s;
	}
	if (access(sw->scenario, R_OK))
		cfg_error(sw->ctx, sn, "cannot read the scenario '%s' (%s)", sw->scenario,
			  "relative to the sweep file");
	sw->sets = f.set;
	sw->nsets = f.nset;
	sw->set_marks = cfg_alloc(sw->ctx, (f.nset + 1) * sizeof(*sw->set_marks));
	for (size_t i = 0; i < f.nset; i++) {
		const struct cfg_node *it = cfg_node_at(root, "set")->items[i];

		sw->set_marks[i] = it->mark;
		if (!strchr(f.set[i], '='))
			cfg_error(sw->ctx, it, "'%s' is not KEY=VALUE", f.set[i]);
	}
	sw->seeds = f.seeds;
	sw->first_seed_set = f.first_seed >= 0;
	sw->first_seed = f.first_seed >= 0 ? (uint64_t)f.first_seed : 0;
	sw->keep = f.keep;
	sw->nkeep = f.nkeep;
	for (size_t i = 0; i < f.nkeep; i++)
		if (!f.keep[i][0])
			cfg_error(sw->ctx, cfg_node_at(root, "keep")->items[i],
				  "an empty 'keep' key");
	if (cfg_error_count(sw->ctx) || expand(sw, &f, root))
		return cfg_error_count(sw->ctx) ? (int)cfg_error_count(sw->ctx) : -1;
	if (!validate_points)
		return 0;
	return validate(sw);
}

void sweep_free(struct sweep *sw)
{
	cfg_ctx_destroy(sw->ctx);
	sw->ctx = NULL;
}
