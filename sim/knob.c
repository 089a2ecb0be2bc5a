/* SPDX-License-Identifier: MIT */
/*
 * Knob declarations at work without YAML: defaults applied from the tables, values converted
 * between the YAML's unit and the member's, and the tables described as text.
 */
#include "sim/knob.h"
#include "sim/knob_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct cfg_schema *cfg__sub(const struct cfg_field *f)
{
	return f->sub ? f->sub : f->sub_fn ? f->sub_fn() : NULL;
}

/* Stored units per YAML unit. */
static double scale_of(const struct cfg_field *f)
{
	if (f->scale)
		return f->scale;
	return f->type == CFG_F_NS ? 1000.0 : 1.0;
}

void cfg__store(const struct cfg_field *f, void *obj, double v)
{
	char *dst = (char *)obj + f->off;

	switch (f->type) {
	case CFG_F_BOOL:
		*(bool *)dst = v != 0;
		break;
	case CFG_F_U32:
		*(uint32_t *)dst = (uint32_t)((uint64_t)v * (uint64_t)scale_of(f));
		break;
	case CFG_F_U64:
		*(uint64_t *)dst = (uint64_t)v * (uint64_t)scale_of(f);
		break;
	case CFG_F_INT:
	case CFG_F_ENUM:
		*(int *)dst = (int)v;
		break;
	case CFG_F_DOUBLE:
		*(double *)dst = v * scale_of(f);
		break;
	case CFG_F_NS: {
		/* Always through picoseconds, rounded: 2.5 ns is 2500 ps, or 2 whole ns. */
		uint64_t ps = (uint64_t)llround(v * 1000.0);

		*(uint64_t *)dst = scale_of(f) == 1000.0 ? ps : ps * (uint64_t)scale_of(f) / 1000;
		break;
	}
	case CFG_F_STR:
		*(const char **)dst = f->def_str;
		break;
	default:
		break;
	}
}

/* The member's value in the YAML's unit (numbers, bools and enums). */
static double load(const struct cfg_field *f, const void *obj)
{
	const char *p = (const char *)obj + f->off;

	switch (f->type) {
	case CFG_F_BOOL:
		return *(const bool *)p;
	case CFG_F_U32:
		return (double)*(const uint32_t *)p / scale_of(f);
	case CFG_F_U64:
		return (double)*(const uint64_t *)p / scale_of(f);
	case CFG_F_INT:
	case CFG_F_ENUM:
		return *(const int *)p;
	case CFG_F_DOUBLE:
		return *(const double *)p / scale_of(f);
	case CFG_F_NS:
		return (double)*(const uint64_t *)p / scale_of(f);
	default:
		return 0;
	}
}

static void apply_defaults(const struct cfg_schema *s, void *obj)
{
	for (const struct cfg_field *f = s->fields; f->key; f++) {
		switch (f->type) {
		case CFG_F_STRUCT:
		case CFG_F_INLINE:
			apply_defaults(cfg__sub(f), (char *)obj + f->off);
			break;
		case CFG_F_LIST:
		case CFG_F_STRLIST:
		case CFG_F_U32LIST:
			break; /* empty */
		default:
			cfg__store(f, obj, f->def);
			break;
		}
	}
	if (s->defaults)
		s->defaults(obj);
}

void cfg_defaults(const struct cfg_schema *schema, void *obj)
{
	memset(obj, 0, schema->size);
	apply_defaults(schema, obj);
}

const struct cfg_field *cfg_schema_field(const struct cfg_schema *schema, const char *key,
					 size_t *off)
{
	for (const struct cfg_field *f = schema->fields; f->key; f++) {
		if (f->type == CFG_F_INLINE) {
			size_t sub_off = 0;
			const struct cfg_field *r = cfg_schema_field(cfg__sub(f), key, &sub_off);

			if (r) {
				if (off)
					*off = f->off + sub_off;
				return r;
			}
			continue;
		}
		if (!strcmp(f->key, key)) {
			if (off)
				*off = 0;
			return f;
		}
	}
	return NULL;
}

/* ---- description ---- */

static const char *type_name(const struct cfg_field *f)
{
	switch (f->type) {
	case CFG_F_BOOL:
		return "bool";
	case CFG_F_U32:
	case CFG_F_U64:
	case CFG_F_INT:
		return "integer";
	case CFG_F_DOUBLE:
	case CFG_F_NS:
		return "number";
	case CFG_F_STR:
		return "string";
	case CFG_F_ENUM:
		return "enum";
	case CFG_F_STRUCT:
	case CFG_F_INLINE:
		return "mapping";
	case CFG_F_LIST:
		return "list";
	case CFG_F_STRLIST:
		return "list of strings";
	case CFG_F_U32LIST:
		return "list of integers";
	}
	return "?";
}

static void fmt_num(char *buf, size_t len, double v, bool hex)
{
	if (hex && v >= 0 && v == (double)(unsigned long long)v)
		snprintf(buf, len, "%#llx", (unsigned long long)v);
	else if (v == (double)(long long)v && v < 1e15 && v > -1e15)
		snprintf(buf, len, "%lld", (long long)v);
	else
		snprintf(buf, len, "%g", v);
}

/* The default as the YAML would write it, or "" when there is none to show. */
static void fmt_default(const struct cfg_field *f, const void *obj, char *buf, size_t len)
{
	buf[0] = 0;
	if (f->flags & CFG_REQUIRED)
		return;
	if (f->def_text) {
		snprintf(buf, len, "%s", f->def_text);
		return;
	}
	switch (f->type) {
	case CFG_F_BOOL:
		snprintf(buf, len, "%s", load(f, obj) ? "true" : "false");
		break;
	case CFG_F_U32:
	case CFG_F_U64:
	case CFG_F_INT:
	case CFG_F_DOUBLE:
	case CFG_F_NS:
		fmt_num(buf, len, load(f, obj), f->flags & CFG_HEX);
		break;
	case CFG_F_STR: {
		const char *s = *(const char *const *)((const char *)obj + f->off);

		if (s)
			snprintf(buf, len, "\"%s\"", s);
		break;
	}
	case CFG_F_ENUM:
		snprintf(buf, len, "%s", f->names[(int)load(f, obj)]);
		break;
	default:
		break;
	}
}

#define ADD(...)                                                                                   \
	do {                                                                                       \
		if (n < sizeof(line))                                                              \
			n += (size_t)snprintf(line + n, sizeof(line) - n, __VA_ARGS__);            \
	} while (0)

static void describe(const struct cfg_schema *schema, const void *obj, int indent,
		     void (*emit)(void *, const char *), void *arg, const struct cfg_schema **stack,
		     int depth)
{
	char line[1024], lo[32], hi[32], def[128];

	for (const struct cfg_field *f = schema->fields; f->key; f++) {
		const struct cfg_schema *sub = cfg__sub(f);
		bool hex = f->flags & CFG_HEX;
		size_t n = 0;

		if (f->type == CFG_F_INLINE) {
			describe(sub, (const char *)obj + f->off, indent, emit, arg, stack, depth);
			continue;
		}
		ADD("%*s%s: %s", indent, "", f->key, type_name(f));
		if (f->type == CFG_F_ENUM) {
			ADD(" (");
			for (int i = 0; f->names[i]; i++)
				ADD("%s%s", i ? "|" : "", f->names[i]);
			ADD(")");
		} else if ((f->min || f->max) && f->type != CFG_F_STRUCT) {
			fmt_num(lo, sizeof(lo), f->min, hex);
			fmt_num(hi, sizeof(hi), f->max, hex);
			ADD(" [%s..%s]", lo, hi);
		}
		if (f->flags & CFG_REQUIRED)
			ADD(" required");
		if (f->flags & CFG_POW2)
			ADD(" power of two");
		fmt_default(f, obj, def, sizeof(def));
		if (def[0])
			ADD(" = %s", def);
		if (f->unit)
			ADD(" %s", f->unit);
		if (f->doc)
			ADD("  # %s", f->doc);
		if (f->source)
			ADD(" [source: %s]", f->source);
		emit(arg, line);
		if (f->type == CFG_F_STRUCT || f->type == CFG_F_LIST) {
			bool seen = false;

			for (int i = 0; i < depth; i++)
				seen |= stack[i] == sub;
			if (seen || depth >= 16) {
				snprintf(line, sizeof(line), "%*s(the same keys as %s, nested)",
					 indent + 2, "", sub->name);
				emit(arg, line);
				continue;
			}
			stack[depth] = sub;
			if (f->type == CFG_F_STRUCT) {
				describe(sub, (const char *)obj + f->off, indent + 2, emit, arg,
					 stack, depth + 1);
			} else {
				/* a list's items: their defaults on a fresh item */
				void *item = calloc(1, sub->size);

				if (!item)
					return;
				cfg_defaults(sub, item);
				describe(sub, item, indent + 2, emit, arg, stack, depth + 1);
				free(item);
			}
		}
	}
}

void cfg_schema_describe(const struct cfg_schema *schema, int indent,
			 void (*emit)(void *, const char *), void *arg)
{
	const struct cfg_schema *stack[17] = {schema};
	void *obj = calloc(1, schema->size);

	if (!obj)
		return;
	cfg_defaults(schema, obj);
	describe(schema, obj, indent, emit, arg, stack, 1);
	free(obj);
}
