/* SPDX-License-Identifier: MIT */
/*
 * Configuration: YAML files (the only code that includes libyaml) read into a tree of nodes
 * that remember file:line:column, overridden by `--set a.b.0.c=value`, then bound to typed C
 * structs by schema tables. Unknown keys, wrong types and out-of-range values are errors with
 * their position; binding goes on after an error so that `ptsim check` reports every one.
 */
#ifndef PTSIM_SIM_CONFIG_H
#define PTSIM_SIM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/knob.h"

enum cfg_kind { CFG_MAP, CFG_SEQ, CFG_SCALAR };

struct cfg_mark {
	const char *file;
	unsigned line, col; /* 1-based */
};

struct cfg_node {
	enum cfg_kind kind;
	struct cfg_mark mark;
	/* scalar */
	const char *text;
	bool quoted; /* written in quotes: a string, never a number */
	bool null;   /* empty, ~ or null */
	/* map and sequence */
	size_t n;
	struct cfg_node **items;    /* seq items, or map values */
	const char **keys;          /* map keys */
	struct cfg_mark *key_marks; /* map key positions */
	bool *used;                 /* map: key consumed by the binder */
	const void *keys_checked;   /* map: the schema its unknown keys were reported against (an
				       alias binds the same node again) */
};

/* ---- documents and diagnostics ---- */

int cfg_ctx_create(struct cfg_ctx **out);
void cfg_ctx_destroy(struct cfg_ctx *ctx);

/* Load a YAML file as the root document. Errors go to the context; returns NULL on failure. */
struct cfg_node *cfg_load_file(struct cfg_ctx *ctx, const char *path);
/* Parse YAML text (tests, inline configs); `name` stands for the file name in messages. */
struct cfg_node *cfg_load_string(struct cfg_ctx *ctx, const char *name, const char *text);

/* A copy of the tree `root` (parsed in another context, which must outlive it) in ctx's arena,
 * to be overridden and bound as if just parsed: a node reached twice (an alias) is copied once.
 * Texts and positions are shared with the original. NULL when out of memory. */
struct cfg_node *cfg_tree_copy(struct cfg_ctx *ctx, const struct cfg_node *root);

/* Apply `path=value` (dots and list indexes) to the tree. 0, or -1 with an error recorded. */
int cfg_override(struct cfg_ctx *ctx, struct cfg_node **root, const char *assignment);

/* Record an error at a node (NULL: no position). */
void cfg_error(struct cfg_ctx *ctx, const struct cfg_node *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void cfg_error_mark(struct cfg_ctx *ctx, const struct cfg_mark *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Record an error at the node found by a dotted path from root (or at root if absent). */
void cfg_error_path(struct cfg_ctx *ctx, const struct cfg_node *root, const char *path,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

size_t cfg_error_count(const struct cfg_ctx *ctx);
/* How many of them have their text (the first 500: a hostile file can have a hundred
 * thousand), and the i-th message, formatted "file:line:col: error: message"; NULL past it. */
size_t cfg_error_shown(const struct cfg_ctx *ctx);
const char *cfg_error_text(const struct cfg_ctx *ctx, size_t i);

/* Node lookup by dotted path ("vms.0.dma"); NULL if absent. */
const struct cfg_node *cfg_node_at(const struct cfg_node *root, const char *path);
const struct cfg_node *cfg_map_get(const struct cfg_node *map, const char *key);

/* Memory that lives as long as the context (bound lists and strings). */
void *cfg_alloc(struct cfg_ctx *ctx, size_t size);
const char *cfg_strdup(struct cfg_ctx *ctx, const char *s);

/* ---- schema binding (the declarations are in sim/knob.h) ---- */

/* Fill obj with defaults, then the values from `map` (may be NULL). Errors accumulate in the
 * context; returns the number of errors added. */
size_t cfg_bind(struct cfg_ctx *ctx, const struct cfg_schema *schema, const struct cfg_node *map,
		void *obj);

#endif
