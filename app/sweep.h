/* SPDX-License-Identifier: MIT */
/*
 * `ptsim sweep`: a sweep file (its own schema, declared with sim/knob.h) names a base scenario,
 * the config keys to vary (lists, ranges with a step or a log scale, a cartesian product of
 * groups, each group one parameter or several zipped), seeds per point and the result keys to
 * keep. sweep_load expands it into runs (point x seed), checks that every point is a valid
 * scenario and names each run by a hash of its resolved config and seed.
 *
 * Rows (app/sweep_rows.c): one flat JSON object a line per run, keys `point`, `seed`,
 * `param.<key>` and the kept result keys flattened with dots; the CSV has the same columns.
 */
#ifndef PTSIM_APP_SWEEP_H
#define PTSIM_APP_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/config.h"

/* One varied config key and its values (as --set would write them). */
struct sweep_axis {
	const char *key;
	size_t n;
	const char **text;	/* the value's YAML text for --set (quoted strings stay quoted) */
	const char **plain;	/* the value as it goes into a row */
	struct cfg_mark *marks; /* where each value comes from in the sweep file */
};

/* Axes [first, first + naxes) vary together (a zip); groups multiply. */
struct sweep_group {
	size_t first, naxes, n;
};

struct sweep_run {
	size_t point;
	uint64_t seed;
	char hash[17]; /* 16 hex digits: the resolved config and the seed */
};

struct sweep {
	struct cfg_ctx *ctx;	  /* the sweep file's, owned */
	const char *path;	  /* the sweep file, as given */
	const char *scenario_arg; /* as written in the sweep file (the results' `config`) */
	const char *scenario;	  /* resolved against the sweep file's directory */
	struct cfg_mark scenario_mark;
	const char **sets; /* fixed overrides of every point */
	size_t nsets;
	struct cfg_mark *set_marks;
	struct sweep_axis *axes;
	size_t naxes;
	struct sweep_group *groups;
	size_t ngroups;
	size_t npoints;
	unsigned seeds;
	bool first_seed_set; /* else each point starts at its scenario's seed */
	uint64_t first_seed;
	const char **keep;
	size_t nkeep;
	struct sweep_run *runs; /* point-major, seed-minor */
	size_t nruns;
};

/* Every key of a sweep file, as `ptsim check --schema` describes a scenario's. */
void sweep_schema_describe(void (*emit)(void *, const char *), void *arg);

/* Whether the YAML file at path looks like a sweep file (a top-level `parameters` or
 * `scenario` key, which a scenario does not have). */
bool sweep_is_sweep_file(const char *path);

/* Load, expand and check. 0, or the number of errors (in sw->ctx, positioned in the sweep
 * file; a point that is not a valid scenario is named by its values). With `validate` false the
 * points are only expanded (no hashes, no runs). */
int sweep_load(struct sweep *sw, const char *path, bool validate);
void sweep_free(struct sweep *sw);

/* The --set assignments of point p: the fixed ones, then one per axis. *n is set; the strings
 * are malloc'ed (free with sweep_sets_free). */
char **sweep_point_sets(const struct sweep *sw, size_t p, size_t *n);
void sweep_sets_free(char **sets, size_t n);
/* Index of axis a's value at point p. */
size_t sweep_value_index(const struct sweep *sw, size_t p, size_t a);
/* "key=value, key=value" of point p, for messages. */
void sweep_point_name(const struct sweep *sw, size_t p, char *buf, size_t len);

/* Whether a result key is kept (keep empty: all; a pattern is a key, a group or an
 * fnmatch(3) glob). */
bool sweep_keeps(const struct sweep *sw, const char *key);

/* FNV-1a over a config tree, canonically (kinds, keys in order, scalar texts). */
uint64_t sweep_hash_tree(uint64_t h, const struct cfg_node *n);

/* ---- rows (app/sweep_rows.c) ---- */

struct results;

/* One run's row: its JSON line and the line's keys and raw JSON values. */
struct sweep_row {
	char *line; /* without the newline */
	size_t n;
	char **keys, **vals;
};

/* The row of run r from its results, kept keys only (`seed` is the run's column). malloc'ed
 * line, NULL on ENOMEM. */
char *sweep_row_line(const struct sweep *sw, const struct sweep_run *r, const struct results *res);
/* Parse a line written by sweep_row_line; 0, or -1 when it is not one (a torn last line). */
int sweep_row_parse(const char *line, struct sweep_row *row);
void sweep_row_free(struct sweep_row *row);
/* The value of `point` in a parsed row, or NULL. */
const char *sweep_row_point(const struct sweep_row *row);

/* The rows of runs [0, nruns) that are present (rows[i].line non-NULL), in run order:
 * every row's line, and a CSV whose columns are the union of the rows' keys (a key new in a
 * later row joins its group, as in the results). 0 or -EIO. */
int sweep_write_jsonl(const struct sweep_row *rows, size_t nruns, FILE *f);
int sweep_write_csv(const struct sweep_row *rows, size_t nruns, FILE *f);

#endif
