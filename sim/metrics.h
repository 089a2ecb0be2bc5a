/* SPDX-License-Identifier: MIT */
/*
 * Metrics, each declared once. A model describes its stats struct in a table beside it: for
 * each counter its key, the offset of its uint64_t field, its kind and a one-line meaning.
 * The application places tables at key prefixes ("iotlb.", "" for tables whose keys are
 * whole paths) and adds instances: a stats struct each, optionally with a prefix of its own
 * for per-instance keys ("vms.vm0."). Instances at one key add up (a gauge takes the sum or
 * the maximum, as its row says). A snapshot reads every key; the measured window is the
 * difference of two snapshots, key by key (a gauge keeps its value at the end). Results are
 * written from the window and from formulas over its keys (ratios, sums, means).
 *
 * Models keep incrementing plain struct fields: tables are only read at snapshot time.
 * Adding a counter to a model is one row in its table.
 */
#ifndef PTSIM_SIM_METRICS_H
#define PTSIM_SIM_METRICS_H

#include "sim/simtime.h"
#include "sim/stats.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct results;

enum metric_kind {
	METRIC_COUNT,	/* events; the window holds the difference */
	METRIC_TIME,	/* picoseconds; the difference, reported in ns (a real number) */
	METRIC_GAUGE,	/* a level or a peak; the window holds its value at the end */
	METRIC_SAMPLES, /* a struct sim_samples in ps that its owner fills over the window
			 * only; reported as <key>.{mean,p50,p99,max} in ns */
};

/* How the instances at one key combine: counts and time always add up; a gauge says. */
enum metric_agg {
	METRIC_AGG_SUM,
	METRIC_AGG_MAX,
};

/* One row: a counter of a stats struct. */
struct metric {
	const char *name; /* key under the group's prefix; NULL: per instance only */
	const char *each; /* key under the instance's own prefix; NULL: totals only */
	size_t offset;	  /* of the field in the stats struct */
	enum metric_kind kind;
	enum metric_agg agg;
	unsigned count;			 /* > 1: an array of fields, one key each */
	const char *(*elem)(unsigned i); /* an element's last key segment; NULL skips it */
	const char *meaning;
};

/* A stats struct's rows. */
struct metric_table {
	const char *name; /* the struct it describes */
	size_t size;	  /* sizeof that struct */
	const struct metric *rows;
	size_t n;
};

/* The offset of a uint64_t field (anything else does not compile). */
#define METRIC_U64(type, field)                                                                    \
	(offsetof(type, field) + 0 * sizeof(_Generic(((type *)0)->field, uint64_t : 0)))
#define METRIC_U64_ARRAY(type, field)                                                              \
	(offsetof(type, field) + 0 * sizeof(_Generic(((type *)0)->field[0], uint64_t : 0)))
#define METRIC_SAMPLES_AT(type, field)                                                             \
	(offsetof(type, field) + 0 * sizeof(_Generic(((type *)0)->field, struct sim_samples : 0)))

/* Row initializers; more designators may follow (.each, .agg). kind_: COUNT, TIME, GAUGE. */
#define METRIC(type, field, kind_, key, meaning_)                                                  \
	.name = (key), .offset = METRIC_U64(type, field), .kind = METRIC_##kind_,                  \
	.meaning = (meaning_)
/* An array field: element i is <key>.<elem(i)>. */
#define METRIC_ARRAY(type, field, kind_, key, elem_, meaning_)                                     \
	.name = (key), .offset = METRIC_U64_ARRAY(type, field), .kind = METRIC_##kind_,            \
	.count = sizeof(((type *)0)->field) / sizeof(uint64_t), .elem = (elem_),                   \
	.meaning = (meaning_)
#define METRIC_SAMPLED(type, field, key, meaning_)                                                 \
	.name = (key), .offset = METRIC_SAMPLES_AT(type, field), .kind = METRIC_SAMPLES,           \
	.meaning = (meaning_)

/* The table of stats struct `type` (struct vtd_stats). */
#define METRIC_TABLE(type, rows_)                                                                  \
	{                                                                                          \
		.name = #type, .size = sizeof(type), .rows = (rows_),                              \
		.n = sizeof(rows_) / sizeof((rows_)[0])                                            \
	}

/* ---- the registry ---- */

struct metrics;	      /* every placed table and instance, and the keys they make */
struct metrics_group; /* a table placed at a prefix */
struct metrics_snap;  /* the value of every key at one time, or over a window */

int metrics_create(struct metrics **out);
void metrics_destroy(struct metrics *reg);

/* Place table t at prefix ("" or ending in '.'): its keys exist from now on, 0 until instances
 * add to them. The same table may be placed at several prefixes. -EINVAL if a key would be
 * both a value and a group of others ("a" and "a.b"), or two rows of different kinds would
 * share a key; -ENOMEM. */
int metrics_place(struct metrics *reg, const struct metric_table *t, const char *prefix,
		  struct metrics_group **out);
/* An instance of the group's table: its stats struct, read at every snapshot (it must live
 * as long as the registry), and the prefix of its per-instance keys (the rows' `each`), or
 * NULL. Instances with the same prefix add up there too (the vCPUs of one VM). */
int metrics_add(struct metrics_group *g, const void *stats, const char *each);
/* The key the last -EINVAL of metrics_place or metrics_add was about ("" if none). */
const char *metrics_conflict(const struct metrics *reg);

size_t metrics_nkeys(const struct metrics *reg);
const char *metrics_key(const struct metrics *reg, size_t i);
enum metric_kind metrics_key_kind(const struct metrics *reg, size_t i);
const char *metrics_key_meaning(const struct metrics *reg, size_t i);

/* Every key's value now (time in ps). */
int metrics_snapshot(const struct metrics *reg, struct metrics_snap **out);
/* The window a..b: b - a for counts and time, b for gauges. */
int metrics_window(const struct metrics_snap *a, const struct metrics_snap *b,
		   struct metrics_snap **out);
void metrics_snap_destroy(struct metrics_snap *s);
/* The value at key (time in ps); false if there is no such key. */
bool metrics_get(const struct metrics_snap *s, const char *key, uint64_t *v);

/* ---- derived figures and results ---- */

enum metric_op {
	METRIC_ADD,	/* integer: the sum of the args */
	METRIC_RATIO,	/* real: arg0 / arg1, 0 when arg1 is 0 */
	METRIC_MEAN_NS, /* real: time arg0 (ps) per count arg1, in ns; 0 when arg1 is 0 */
	METRIC_CYCLES,	/* integer: time arg0 (ps) in cycles of the context's clock, rounded */
	METRIC_PER_OP,	/* real: the sum of the args per operation of the context; 0 without */
	METRIC_SUB,	/* integer: arg0 minus the other args, 0 if they are more */
};

#define METRIC_MAX_ARGS 6

/* A derived figure: a formula over keys of the window or figures derived before it. */
struct metric_formula {
	const char *key;
	enum metric_op op;
	const char *arg[METRIC_MAX_ARGS]; /* up to the first NULL; "?key": 0 when there is no key */
	const char *meaning;
};

/* A formula: op ADD, RATIO, MEAN_NS, CYCLES, PER_OP or SUB, then its meaning, then its args. */
#define METRIC_FORMULA(key_, op_, meaning_, ...)                                                   \
	{                                                                                          \
		.key = (key_), .op = METRIC_##op_, .arg = {__VA_ARGS__}, .meaning = (meaning_)     \
	}

struct metric_ctx {
	struct sim_clock clock; /* METRIC_CYCLES */
	uint64_t ops;		/* METRIC_PER_OP: operations completed in the window */
};

/* Write every key of window w to r (counts and gauges as integers, time in ns, samples as
 * their statistics), then each formula in order. -ENOENT if a formula names a key that does
 * not exist (its key is in *bad when bad is not NULL), -EINVAL if results refuse a key. */
int metrics_report(const struct metrics_snap *w, const struct metric_formula *f, size_t nf,
		   const struct metric_ctx *ctx, struct results *r, const char **bad);

/* The same formulas for the keys under prefix ("vms.vm0."): each formula's key and arguments
 * with prefix in front (per-VM figures declared once for every VM). */
int metrics_derive(const struct metrics_snap *w, const char *prefix, const struct metric_formula *f,
		   size_t nf, const struct metric_ctx *ctx, struct results *r, const char **bad);

/* One struct's rows as they are now (no window), under prefix: figures that are not counted
 * over a window, such as a workload's result. */
int metrics_emit(struct results *r, const char *prefix, const struct metric_table *t,
		 const void *stats);
/* <key>.{mean,p50,p99,max} of samples in ps, in ns (s itself is not reordered). */
int metrics_emit_samples(struct results *r, const char *key, const struct sim_samples *s);
/* The row of t whose key (name, or name.elem) is key, read from one struct (time in ps). */
bool metrics_table_get(const struct metric_table *t, const void *stats, const char *key,
		       uint64_t *v);

#endif
