/* SPDX-License-Identifier: MIT */
/*
 * Binding a YAML node tree (config.c) to a schema of knob declarations (sim/knob.h): each
 * value parsed, range-checked and stored in its member's unit, defaults for what is absent,
 * unknown keys reported (with the nearest known one), then each struct's checks. Bounded: a
 * file that expands through aliases past MAX_BOUND_VALUES values is refused.
 */
#include "config.h"
#include "knob_internal.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- binding ---- */

/* A name's mistake, or NULL. */
static const char *name_problem(const char *name, bool dots, char *buf, size_t len)
{
	size_t n = strlen(name);

	if (!n)
		return "is empty";
	if (n > CFG_NAME_MAX) {
		snprintf(buf, len, "is %zu characters long; at most %d", n, CFG_NAME_MAX);
		return buf;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '-' || (c == '.' && dots))
			continue;
		if (c > 0x20 && c < 0x7f)
			snprintf(buf, len, "has '%c'; names are letters, digits, '_', '-'%s", c,
				 dots ? " and '.'" : "");
		else
			snprintf(buf, len, "has byte 0x%02x; names are letters, digits, '_', '-'%s",
				 c, dots ? " and '.'" : "");
		return buf;
	}
	return NULL;
}

void cfg_scope_check_name(const struct cfg_scope *s, const char *key, const char *what,
			  const char *name, bool dots)
{
	char buf[96];
	const char *why = name ? name_problem(name, dots, buf, sizeof(buf)) : NULL;

	if (why)
		cfg_scope_error(s, key, "%s name '%.40s%s' %s", what, name,
				strlen(name) > 40 ? "..." : "", why);
}

void cfg_scope_error(const struct cfg_scope *s, const char *key, const char *fmt, ...)
{
	const struct cfg_node *at = key ? cfg_map_get(s->map, key) : NULL;
	const struct cfg_mark *m = NULL;
	va_list ap;

	if (at)
		m = &at->mark;
	else if (s->map)
		m = &s->map->mark;
	else if (s->anchor)
		m = &s->anchor->mark;
	va_start(ap, fmt);
	cfg__error_markv(s->ctx, m, fmt, ap);
	va_end(ap);
}

bool cfg_scope_has(const struct cfg_scope *s, const char *key)
{
	return cfg_map_get(s->map, key) != NULL;
}

static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[64], prev, tmp;

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			tmp = row[j];
			unsigned c = prev + (a[i - 1] != b[j - 1]);
			unsigned d = row[j] + 1, e = row[j - 1] + 1;

			row[j] = c < d ? (c < e ? c : e) : (d < e ? d : e);
			prev = tmp;
		}
	}
	return row[lb];
}

static const char *kind_name(const struct cfg_node *n)
{
	if (n->kind == CFG_MAP)
		return "a mapping";
	if (n->kind == CFG_SEQ)
		return "a list";
	if (n->null)
		return "nothing";
	return n->quoted ? "a string" : "a plain value";
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char buf[64];
	size_t j = 0;
	int base = 10;
	char *end;

	/* Underscores separate digits, as YAML 1.1 allows: 1_000_000. */
	for (const char *p = s; *p; p++) {
		if (*p == '_')
			continue;
		if (j + 1 >= sizeof(buf))
			return false;
		buf[j++] = *p;
	}
	buf[j] = 0;
	if (!j || buf[0] == '-' || buf[0] == '+' || isspace((unsigned char)buf[0]))
		return false;
	if (buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X'))
		base = 16;
	errno = 0;
	unsigned long long v = strtoull(buf, &end, base);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

static bool parse_double(const char *s, double *out)
{
	char *end;

	if (!*s || isspace((unsigned char)*s))
		return false;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || !isfinite(v))
		return false;
	*out = v;
	return true;
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/*
 * Values a binding may visit: aliases let a small file stand for an exponentially large tree
 * (a list of 256 aliases of a list of 256 aliases...). Far above any real machine (a PCI
 * segment has 256 buses), far below what takes long to bind.
 */
#define MAX_BOUND_VALUES (1u << 15)

struct binder {
	struct cfg_ctx *ctx;
	size_t errs_before;
	size_t values; /* values bound so far */
	bool too_many; /* MAX_BOUND_VALUES reached: bind nothing more */
};

static void bind_struct(struct binder *b, const struct cfg_schema *s, const struct cfg_node *map,
			const struct cfg_node *anchor, void *obj, const char *path);
static void bind_new(struct binder *b, const struct cfg_schema *s, const struct cfg_node *map,
		     const struct cfg_node *anchor, void *obj, const char *path);

/* A bound as the file would write it: integers exactly (1073741824, not 1.07374e+09). */
static void fmt_bound(char *buf, size_t len, double v)
{
	if (v == floor(v) && fabs(v) < 0x1p63)
		snprintf(buf, len, "%lld", (long long)v);
	else
		snprintf(buf, len, "%g", v);
}

static bool check_range(struct binder *b, const struct cfg_field *f, const struct cfg_node *v,
			double x)
{
	char lo[32], hi[32];

	if (f->min == 0 && f->max == 0)
		return true;
	if (x < f->min || x > f->max) {
		fmt_bound(lo, sizeof(lo), f->min);
		fmt_bound(hi, sizeof(hi), f->max);
		cfg_error(b->ctx, v, "'%s' is %s, outside the allowed range %s..%s", f->key,
			  v->text, lo, hi);
		return false;
	}
	return true;
}

/* Count one more value; false (with one error, at the first value past the limit) when the
 * file expands to more than MAX_BOUND_VALUES. */
static bool count_value(struct binder *b, const struct cfg_node *v)
{
	if (b->too_many)
		return false;
	if (++b->values <= MAX_BOUND_VALUES)
		return true;
	b->too_many = true;
	cfg_error(b->ctx, v,
		  "the configuration expands to more than %u values (aliases repeating aliases?)",
		  MAX_BOUND_VALUES);
	return false;
}

/* One scalar into its member: parsed, checked in the YAML's unit, stored in the member's. */
static void bind_scalar(struct binder *b, const struct cfg_field *f, const struct cfg_node *v,
			void *obj)
{
	char *dst = (char *)obj + f->off;

	if (!count_value(b, v))
		return;
	if (v->kind != CFG_SCALAR || v->null) {
		cfg_error(b->ctx, v, "'%s' expects %s, got %s", f->key,
			  f->type == CFG_F_BOOL	  ? "true or false"
			  : f->type == CFG_F_STR  ? "a string"
			  : f->type == CFG_F_ENUM ? "one of its names"
						  : "a number",
			  kind_name(v));
		return;
	}
	switch (f->type) {
	case CFG_F_BOOL: {
		static const char *const t[] = {"true", "yes", "on", "True", "TRUE", NULL};
		static const char *const fa[] = {"false", "no", "off", "False", "FALSE", NULL};
		bool val = false, ok = false;

		for (int i = 0; t[i]; i++)
			if (!strcmp(v->text, t[i]))
				val = ok = true;
		for (int i = 0; fa[i]; i++)
			if (!strcmp(v->text, fa[i]))
				ok = true;
		if (!ok || v->quoted) {
			cfg_error(b->ctx, v, "'%s' expects true or false, got '%s'", f->key,
				  v->text);
			return;
		}
		*(bool *)dst = val;
		return;
	}
	case CFG_F_U32:
	case CFG_F_U64:
	case CFG_F_INT: {
		uint64_t x;

		if (v->quoted || !parse_u64(v->text, &x)) {
			cfg_error(b->ctx, v, "'%s' expects a non-negative integer, got '%s'", f->key,
				  v->text);
			return;
		}
		if (f->type != CFG_F_U64 && x > UINT32_MAX) {
			cfg_error(b->ctx, v, "'%s' is %s, too large (at most %u)", f->key, v->text,
				  UINT32_MAX);
			return;
		}
		if (!check_range(b, f, v, (double)x))
			return;
		if ((f->flags & CFG_POW2) && !is_pow2(x)) {
			cfg_error(b->ctx, v, "'%s' is %s, which is not a power of two", f->key,
				  v->text);
			return;
		}
		if (f->type == CFG_F_U64)
			*(uint64_t *)dst = x * (uint64_t)(f->scale ? f->scale : 1);
		else
			cfg__store(f, obj, (double)x);
		return;
	}
	case CFG_F_DOUBLE:
	case CFG_F_NS: {
		double x;

		if (v->quoted || !parse_double(v->text, &x)) {
			cfg_error(b->ctx, v, "'%s' expects a number, got '%s'", f->key, v->text);
			return;
		}
		if (f->type == CFG_F_NS && x < 0) {
			cfg_error(b->ctx, v, "'%s' is a time in ns and cannot be negative", f->key);
			return;
		}
		if (!check_range(b, f, v, x))
			return;
		cfg__store(f, obj, x);
		return;
	}
	case CFG_F_STR:
		*(const char **)dst = v->text; /* arena-owned */
		return;
	case CFG_F_ENUM: {
		char choices[512];
		size_t n = 0;

		for (int i = 0; f->names[i]; i++) {
			if (!strcmp(v->text, f->names[i])) {
				*(int *)dst = i;
				return;
			}
			n += (size_t)snprintf(choices + n, n < sizeof(choices) ? sizeof(choices) - n : 0,
					      "%s%s", i ? ", " : "", f->names[i]);
		}
		cfg_error(b->ctx, v, "'%s' is '%s'; expected one of: %s", f->key, v->text, choices);
		return;
	}
	default:
		return;
	}
}

static void bind_field(struct binder *b, const struct cfg_field *f, const struct cfg_node *v,
		       void *obj, const char *path)
{
	const struct cfg_schema *sub = cfg__sub(f);
	char subpath[512];

	/* only structs and lists name their members' paths: a scalar needs none */
	if (f->type == CFG_F_STRUCT || f->type == CFG_F_LIST)
		snprintf(subpath, sizeof(subpath), "%s%s%s", path, *path ? "." : "", f->key);
	if (f->type == CFG_F_STRUCT) {
		if (v->kind == CFG_SCALAR && v->null) {
			/* `key:` with nothing: defaults, errors pointing at the empty key */
			bind_struct(b, sub, NULL, v, (char *)obj + f->off, subpath);
			return;
		}
		if (v->kind != CFG_MAP) {
			cfg_error(b->ctx, v, "'%s' expects a mapping of keys, got %s", f->key,
				  kind_name(v));
			return;
		}
		bind_struct(b, sub, v, v, (char *)obj + f->off, subpath);
		return;
	}
	if (f->type == CFG_F_LIST) {
		size_t count = 0;
		void *arr = NULL;

		if (!(v->kind == CFG_SCALAR && v->null)) {
			if (v->kind != CFG_SEQ) {
				cfg_error(b->ctx, v, "'%s' expects a list, got %s", f->key,
					  kind_name(v));
				return;
			}
			count = v->n;
		}
		if ((f->min || f->max) && (count < f->min || count > f->max)) {
			char lo[32], hi[32];

			fmt_bound(lo, sizeof(lo), f->min);
			fmt_bound(hi, sizeof(hi), f->max);
			cfg_error(b->ctx, v, "'%s' has %zu item%s; between %s and %s are allowed",
				  f->key, count, count == 1 ? "" : "s", lo, hi);
			return;
		}
		if (count) {
			arr = cfg_alloc(b->ctx, count * sub->size);
			for (size_t i = 0; i < count; i++) {
				char ipath[600];
				const struct cfg_node *it = v->items[i];
				void *el = (char *)arr + i * sub->size;

				snprintf(ipath, sizeof(ipath), "%s.%zu", subpath, i);
				if (!count_value(b, it)) {
					cfg_defaults(sub, el);
					continue;
				}
				if (it->kind != CFG_MAP) {
					cfg_error(b->ctx, it,
						  "each item of '%s' must be a mapping, got %s",
						  f->key, kind_name(it));
					cfg_defaults(sub, el);
					continue;
				}
				bind_new(b, sub, it, it, el, ipath);
			}
		}
		*(void **)((char *)obj + f->off) = arr;
		*(size_t *)((char *)obj + f->count_off) = count;
		return;
	}
	if (f->type == CFG_F_STRLIST || f->type == CFG_F_U32LIST) {
		size_t count = 0;

		if (!(v->kind == CFG_SCALAR && v->null)) {
			if (v->kind != CFG_SEQ) {
				cfg_error(b->ctx, v, "'%s' expects a list, got %s", f->key,
					  kind_name(v));
				return;
			}
			count = v->n;
		}
		void *arr = count ? cfg_alloc(b->ctx, count * (f->type == CFG_F_STRLIST
								      ? sizeof(const char *)
								      : sizeof(uint32_t)))
				  : NULL;
		for (size_t i = 0; i < count; i++) {
			const struct cfg_node *it = v->items[i];
			struct cfg_field ef = *f;

			ef.type = f->type == CFG_F_STRLIST ? CFG_F_STR : CFG_F_U32;
			ef.off = f->type == CFG_F_STRLIST ? i * sizeof(const char *)
							  : i * sizeof(uint32_t);
			bind_scalar(b, &ef, it, arr);
		}
		*(void **)((char *)obj + f->off) = arr;
		*(size_t *)((char *)obj + f->count_off) = count;
		return;
	}
	bind_scalar(b, f, v, obj);
}

/* The fields of s from map, in the order declared; an inline struct's fields in its place. */
static void bind_fields(struct binder *b, const struct cfg_schema *s, const struct cfg_node *map,
			const struct cfg_node *at, void *obj, const char *path)
{
	for (const struct cfg_field *f = s->fields; f->key && !b->too_many; f++) {
		const struct cfg_node *v;

		if (f->type == CFG_F_INLINE) {
			bind_fields(b, cfg__sub(f), map, at, (char *)obj + f->off, path);
			continue;
		}
		v = cfg_map_get(map, f->key);
		if (!v) {
			if (f->type == CFG_F_LIST && f->min > 0)
				cfg_error(b->ctx, at, "'%s%s%s' is required: at least %g item%s",
					  path, *path ? "." : "", f->key, f->min,
					  f->min == 1 ? "" : "s");
			else if (f->flags & CFG_REQUIRED)
				cfg_error(b->ctx, at, "'%s%s%s' is required", path,
					  *path ? "." : "", f->key);
			else if (f->type == CFG_F_STRUCT) {
				char sub[512];

				snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", f->key);
				bind_struct(b, cfg__sub(f), NULL, at, (char *)obj + f->off, sub);
			}
			continue;
		}
		bind_field(b, f, v, obj, path);
	}
}

/* Is key one of s's (inline structs included)? */
static bool has_key(const struct cfg_schema *s, const char *key)
{
	for (const struct cfg_field *f = s->fields; f->key; f++)
		if (f->type == CFG_F_INLINE ? has_key(cfg__sub(f), key) : !strcmp(f->key, key))
			return true;
	return false;
}

/* The first of s's keys (in declaration order, inline structs in place) closest to key,
 * within *bestd - 1 edits. */
static void closest_key(const struct cfg_schema *s, const char *key, const char **best,
			unsigned *bestd)
{
	for (const struct cfg_field *f = s->fields; f->key; f++) {
		if (f->type == CFG_F_INLINE) {
			closest_key(cfg__sub(f), key, best, bestd);
			continue;
		}
		unsigned d = edit_distance(f->key, key);
		if (d < *bestd) {
			*bestd = d;
			*best = f->key;
		}
	}
}

/* Is key one of s's? If not, the closest key within 2 edits. The edit distances are only
 * computed for a key that is not there: every key of every config is looked up here. */
static bool known_key(const struct cfg_schema *s, const char *key, const char **best,
		      unsigned *bestd)
{
	if (has_key(s, key))
		return true;
	closest_key(s, key, best, bestd);
	return false;
}

/* The checks of the inline structs (in order), then the struct's own. */
static void run_checks(const struct cfg_schema *s, void *obj, const struct cfg_scope *scope)
{
	for (const struct cfg_field *f = s->fields; f->key; f++)
		if (f->type == CFG_F_INLINE)
			run_checks(cfg__sub(f), (char *)obj + f->off, scope);
	if (s->check)
		s->check(obj, scope);
}

/*
 * Bind one struct, already holding its defaults (bind_new). `anchor` is where its errors point when it is not in the file (map NULL):
 * the nearest enclosing node that is. Its checks run only when its own values bound without
 * an error: a check may rely on every required value being there and well-typed (a name is a
 * string, not NULL), and the errors it would add would only repeat the first.
 */
static void bind_struct(struct binder *b, const struct cfg_schema *s, const struct cfg_node *map,
			const struct cfg_node *anchor, void *obj, const char *path)
{
	const struct cfg_node *at = map ? map : anchor;
	struct cfg_scope scope = {b->ctx, map, path, at};
	size_t errs = cfg_error_count(b->ctx);
	bool bound;

	bind_fields(b, s, map, at, obj, path);
	bound = cfg_error_count(b->ctx) == errs && !b->too_many;
	/* Every key must be known: said once per mapping and schema, however many aliases bind
	 * it. */
	if (map && map->keys_checked != s) {
		((struct cfg_node *)map)->keys_checked = s;
		for (size_t i = 0; i < map->n; i++) {
			const char *best = NULL;
			unsigned bestd = 3;

			if (known_key(s, map->keys[i], &best, &bestd)) {
				map->used[i] = true;
				continue;
			}
			if (best)
				cfg_error_mark(b->ctx, &map->key_marks[i],
					       "unknown key '%s' in %s (did you mean '%s'?)",
					       map->keys[i], *path ? path : "the top level", best);
			else
				cfg_error_mark(b->ctx, &map->key_marks[i], "unknown key '%s' in %s",
					       map->keys[i], *path ? path : "the top level");
		}
	}
	if (bound)
		run_checks(s, obj, &scope);
}

/* Bind a struct nobody has filled yet: zeros and its defaults (nested structs included),
 * then bind_struct. A nested struct field is bound in place: its parent's defaults already
 * filled it, and filling it again at every level made binding quadratic in the depth. */
static void bind_new(struct binder *b, const struct cfg_schema *s, const struct cfg_node *map,
		     const struct cfg_node *anchor, void *obj, const char *path)
{
	cfg_defaults(s, obj);
	bind_struct(b, s, map, anchor, obj, path);
}

size_t cfg_bind(struct cfg_ctx *ctx, const struct cfg_schema *schema, const struct cfg_node *map,
		void *obj)
{
	struct binder b = {.ctx = ctx, .errs_before = cfg_error_count(ctx)};

	if (map && map->kind != CFG_MAP) {
		/* Nothing below can be right: one error, not one per missing key. */
		cfg_error(ctx, map, "expected a mapping of keys at the top, got %s", kind_name(map));
		return cfg_error_count(ctx) - b.errs_before;
	}
	bind_new(&b, schema, map, map, obj, "");
	return cfg_error_count(ctx) - b.errs_before;
}
