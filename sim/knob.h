/* SPDX-License-Identifier: MIT */
/*
 * Knobs: how a model declares, once and beside its `struct x_cfg`, each configuration value it
 * takes: the YAML key, the member it lands in, its type, range, default, unit, one-line meaning
 * and, where one exists, the source of the default (QEMU's DEFINE_PROP_UINT32 is the model).
 * A table of these declarations is a `struct cfg_schema`; sim/config.h binds YAML to it, applies
 * its defaults and describes it (`ptsim check --schema`, configs/README.md). This header pulls in
 * nothing but the C library, so models include it freely.
 *
 *	static const struct cfg_field iotlb_fields[] = {
 *		CFG_U32("entries", struct iotlb_cfg, entries, 64, 1, 65536, "entries",
 *			"IOTLB entries", .source = "pcie-bench, SIGCOMM'18 §6"),
 *		CFG_ENUM("replacement", struct iotlb_cfg, repl, iotlb_repl_names, IOTLB_LRU,
 *			 "replacement policy"),
 *		CFG_END,
 *	};
 *	const struct cfg_schema iotlb_cfg_schema = CFG_SCHEMA("iotlb", struct iotlb_cfg,
 *							      iotlb_fields, .check = iotlb_check);
 *
 * Values are declared in the YAML's units (ranges and defaults alike); a member may hold
 * another unit, and binding converts: CFG_MIB stores bytes, CFG_US picoseconds, CFG_NS
 * picoseconds (or, with CFG_NS_AS_NS, whole nanoseconds).
 */
#ifndef PTSIM_SIM_KNOB_H
#define PTSIM_SIM_KNOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cfg_ctx;
struct cfg_node;

enum cfg_ftype {
	CFG_F_BOOL,    /* bool */
	CFG_F_U32,     /* uint32_t (any 4-byte unsigned) */
	CFG_F_U64,     /* uint64_t */
	CFG_F_INT,     /* int: a non-negative integer; the default may be a negative sentinel */
	CFG_F_DOUBLE,  /* double */
	CFG_F_NS,      /* a time written in ns (may be fractional), stored as uint64_t ps */
	CFG_F_STR,     /* const char * (context-owned) */
	CFG_F_ENUM,    /* an int-sized enum, index into names[] */
	CFG_F_STRUCT,  /* nested struct described by sub: a mapping of its own */
	CFG_F_INLINE,  /* a struct described by sub whose keys sit at this level (no key) */
	CFG_F_LIST,    /* pointer to an array of sub structs, count (size_t) at count_off */
	CFG_F_STRLIST, /* const char ** array, count (size_t) at count_off */
	CFG_F_U32LIST, /* uint32_t * array, count (size_t) at count_off; min/max bound items */
};

#define CFG_REQUIRED 0x1u /* must be present */
#define CFG_POW2     0x2u /* integer must be a power of two */
#define CFG_ID	     0x4u /* an identifier or a number, not a quantity: needs no unit */
#define CFG_HEX	     0x8u /* an identifier best read in hex (implies CFG_ID) */

struct cfg_schema;

struct cfg_field {
	const char *key; /* NULL ends a table; an inline field has the sub-schema's name */
	enum cfg_ftype type;
	size_t off;
	size_t count_off;
	double min, max; /* inclusive, in the YAML's unit; both 0 means no bound */
	const char *const *names;
	const struct cfg_schema *sub;
	const struct cfg_schema *(*sub_fn)(void); /* a sub-schema known only at run time */
	unsigned flags;
	const char *doc;      /* one-line meaning */
	const char *unit;     /* the YAML value's unit: "ns", "cycles", "MiB", "entries" ... */
	const char *source;   /* where the default comes from: a publication, a spec, "estimate" */
	double def;	      /* default, in the YAML's unit (bool: 0/1; enum: its index) */
	const char *def_str;  /* default of a string */
	const char *def_text; /* shown instead of the value when the default is computed */
	double scale;	      /* stored units per YAML unit (0: 1; CFG_F_NS: 0 means 1000, ps) */
};

/* Checks after a struct is bound; report with cfg_scope_error. A check runs only when the
 * struct's own values bound without an error, so it may rely on them: required values are
 * present, list items are of their type (no NULL string in a list of strings). */
struct cfg_scope {
	struct cfg_ctx *ctx;
	const struct cfg_node *map;    /* may be NULL when the struct was not in the file */
	const char *path;	       /* dotted path of this struct */
	const struct cfg_node *anchor; /* map, or the nearest enclosing node in the file */
};
void cfg_scope_error(const struct cfg_scope *s, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Whether `key` was written in this struct's map (as opposed to defaulted). */
bool cfg_scope_has(const struct cfg_scope *s, const char *key);
/* Names go unquoted into results keys (vms.<name>.exits), CSV headers, location listings and
 * traces: 1 to CFG_NAME_MAX letters, digits, '_' and '-', and '.' when `dots`. An error at
 * `key` ("<what> name '...' is empty") when `name` is not one; NULL is left to the binder. */
#define CFG_NAME_MAX 31
void cfg_scope_check_name(const struct cfg_scope *s, const char *key, const char *what,
			  const char *name, bool dots);

struct cfg_schema {
	const char *name;
	size_t size;
	const struct cfg_field *fields; /* terminated by a field with key NULL */
	/* Only for defaults that are computed; declared ones are applied before it is called. */
	void (*defaults)(void *obj);
	void (*check)(void *obj, const struct cfg_scope *scope);
};

/* Fill obj (schema->size bytes) with zeros and the declared defaults, nested structs included
 * (lists stay empty). */
void cfg_defaults(const struct cfg_schema *schema, void *obj);
/* Write the schema as YAML keys, one a line: type, range, default and unit, then the meaning
 * and the default's source as a comment (`ptsim check --schema`, configs/README.md). */
void cfg_schema_describe(const struct cfg_schema *schema, int indent,
			 void (*emit)(void *, const char *), void *arg);
/* The field `key` (found through inline structs too) and its offset from the start of obj. */
const struct cfg_field *cfg_schema_field(const struct cfg_schema *schema, const char *key,
					 size_t *off);

/* ---- declaring ---- */

/* Compile-time check that a member has the size its type stores (0 when it does). */
#define CFG__SIZE_IS(type_, member, n)                                                             \
	(0 * sizeof(char[sizeof(((type_ *)0)->member) == (n) ? 1 : -1]))
#define CFG__OFF(type_, member, n) (offsetof(type_, member) + CFG__SIZE_IS(type_, member, n))

#define CFG_SCHEMA(name_, type_, fields_, ...)                                                     \
	{                                                                                          \
		.name = (name_), .size = sizeof(type_), .fields = (fields_), __VA_ARGS__           \
	}

/* Integers: unit names what is counted ("entries", "cycles", "bytes"); identifiers take
 * CFG_ID or CFG_HEX in .flags instead. Extra designated fields (.flags, .source, .def_text)
 * may follow the meaning. */
#define CFG_U32(k, type_, member, d, lo, hi, unit_, doc_, ...)                                     \
	{                                                                                          \
		.key = (k), .type = CFG_F_U32, .off = CFG__OFF(type_, member, 4), .def = (d),      \
		.min = (lo), .max = (hi), .unit = (unit_), .doc = (doc_), __VA_ARGS__              \
	}
#define CFG_U64(k, type_, member, d, lo, hi, unit_, doc_, ...)                                     \
	{                                                                                          \
		.key = (k), .type = CFG_F_U64, .off = CFG__OFF(type_, member, 8), .def = (d),      \
		.min = (lo), .max = (hi), .unit = (unit_), .doc = (doc_), __VA_ARGS__              \
	}
/* A non-negative integer in an int, whose default may be a negative "not set". */
#define CFG_INT(k, type_, member, d, lo, hi, unit_, doc_, ...)                                     \
	{                                                                                          \
		.key = (k), .type = CFG_F_INT, .off = CFG__OFF(type_, member, sizeof(int)),        \
		.def = (d), .min = (lo), .max = (hi), .unit = (unit_), .doc = (doc_), __VA_ARGS__  \
	}
#define CFG_DOUBLE(k, type_, member, d, lo, hi, unit_, doc_, ...)                                  \
	{                                                                                          \
		.key = (k), .type = CFG_F_DOUBLE, .off = CFG__OFF(type_, member, sizeof(double)),  \
		.def = (d), .min = (lo), .max = (hi), .unit = (unit_), .doc = (doc_), __VA_ARGS__  \
	}
#define CFG_BOOL(k, type_, member, d, doc_, ...)                                                   \
	{                                                                                          \
		.key = (k), .type = CFG_F_BOOL, .off = CFG__OFF(type_, member, sizeof(bool)),      \
		.def = (d), .doc = (doc_), __VA_ARGS__                                             \
	}
#define CFG_ENUM(k, type_, member, names_, d, doc_, ...)                                           \
	{                                                                                          \
		.key = (k), .type = CFG_F_ENUM, .off = CFG__OFF(type_, member, sizeof(int)),       \
		.names = (names_), .def = (d), .doc = (doc_), __VA_ARGS__                          \
	}
#define CFG_STR(k, type_, member, d, doc_, ...)                                                    \
	{                                                                                          \
		.key = (k), .type = CFG_F_STR, .off = CFG__OFF(type_, member, sizeof(char *)),     \
		.def_str = (d), .doc = (doc_), __VA_ARGS__                                         \
	}

/* Times written in ns (fractions allowed). CFG_NS stores picoseconds (rounded to the nearest);
 * CFG_NS_AS_NS stores whole nanoseconds (the picoseconds, truncated). */
#define CFG_NS(k, type_, member, d, lo, hi, doc_, ...)                                             \
	{                                                                                          \
		.key = (k), .type = CFG_F_NS, .off = CFG__OFF(type_, member, 8), .def = (d),       \
		.min = (lo), .max = (hi), .unit = "ns", .doc = (doc_), __VA_ARGS__                 \
	}
#define CFG_NS_AS_NS(k, type_, member, d, lo, hi, doc_, ...)                                       \
	CFG_NS(k, type_, member, d, lo, hi, doc_, .scale = 1, __VA_ARGS__)
/* Integers written in a larger unit than the member holds. */
#define CFG_SCALED(k, type_, member, d, lo, hi, unit_, scale_, doc_, ...)                          \
	{                                                                                          \
		.key = (k), .type = CFG_F_U64, .off = CFG__OFF(type_, member, 8), .def = (d),      \
		.min = (lo), .max = (hi), .unit = (unit_), .scale = (scale_), .doc = (doc_),       \
		__VA_ARGS__                                                                        \
	}
#define CFG_MIB(k, type_, member, d, lo, hi, doc_, ...) /* MiB, stored in bytes */                 \
	CFG_SCALED(k, type_, member, d, lo, hi, "MiB", 1048576.0, doc_, __VA_ARGS__)
#define CFG_KIB(k, type_, member, d, lo, hi, doc_, ...) /* KiB, stored in bytes */                 \
	CFG_SCALED(k, type_, member, d, lo, hi, "KiB", 1024.0, doc_, __VA_ARGS__)
#define CFG_US(k, type_, member, d, lo, hi, doc_, ...) /* whole us, stored in ps */                \
	CFG_SCALED(k, type_, member, d, lo, hi, "us", 1e6, doc_, __VA_ARGS__)

/* A nested mapping, a struct whose keys sit at this level, lists. */
#define CFG_STRUCT(k, type_, member, schema_, doc_, ...)                                           \
	{                                                                                          \
		.key = (k), .type = CFG_F_STRUCT,                                                  \
		.off = CFG__OFF(type_, member, sizeof(((type_ *)0)->member)), .sub = &(schema_),   \
		.doc = (doc_), __VA_ARGS__                                                         \
	}
#define CFG_INLINE(type_, member, schema_)                                                         \
	{                                                                                          \
		.key = "(inline)", .type = CFG_F_INLINE, .off = offsetof(type_, member),           \
		.sub = &(schema_)                                                                  \
	}
#define CFG_LIST(k, type_, member, count_member, schema_, lo, hi, doc_, ...)                       \
	{                                                                                          \
		.key = (k), .type = CFG_F_LIST, .off = CFG__OFF(type_, member, sizeof(void *)),    \
		.count_off = CFG__OFF(type_, count_member, sizeof(size_t)), .sub = &(schema_),     \
		.min = (lo), .max = (hi), .doc = (doc_), __VA_ARGS__                               \
	}
#define CFG_STRLIST(k, type_, member, count_member, doc_, ...)                                     \
	{                                                                                          \
		.key = (k), .type = CFG_F_STRLIST, .off = CFG__OFF(type_, member, sizeof(void *)), \
		.count_off = CFG__OFF(type_, count_member, sizeof(size_t)), .doc = (doc_),         \
		__VA_ARGS__                                                                        \
	}
#define CFG_U32LIST(k, type_, member, count_member, lo, hi, unit_, doc_, ...)                      \
	{                                                                                          \
		.key = (k), .type = CFG_F_U32LIST, .off = CFG__OFF(type_, member, sizeof(void *)), \
		.count_off = CFG__OFF(type_, count_member, sizeof(size_t)), .min = (lo),           \
		.max = (hi), .unit = (unit_), .doc = (doc_), __VA_ARGS__                           \
	}
#define CFG_END                                                                                    \
	{                                                                                          \
		.key = NULL                                                                        \
	}

#endif
