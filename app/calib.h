/* SPDX-License-Identifier: MIT */
/*
 * `ptsim calibrate`: a calibration file (its own schema, declared with sim/knob.h) names a base
 * scenario, measured tables (CSV: the varied parameter, the measured result key, the value;
 * other layouts such as pcie-bench's through a column mapping) and the config keys to fit with
 * their bounds: discrete ones (a list of values, or an integer range) searched by a grid or
 * coordinate by coordinate, continuous ones by GSL's Nelder-Mead simplex. calib_load reads and
 * checks it; app/cmd_calibrate.c searches.
 */
#ifndef PTSIM_APP_CALIB_H
#define PTSIM_APP_CALIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/config.h"

/* One measured point: a table's row. */
struct calib_point {
	size_t table;
	const char *param_text; /* the parameter's value as --set takes it */
	const char *key;	/* the result key it measures */
	double value;		/* in the result key's unit */
	struct cfg_mark mark;	/* its row in the table */
};

struct calib_table {
	const char *file; /* resolved against the calibration file's directory */
	const char *parameter;
	const char **sets;
	size_t nsets;
	double weight;
	struct cfg_mark mark;
};

/* A parameter to fit: discrete (n values) or continuous (lo..hi). */
struct calib_param {
	const char *key;
	bool discrete;
	size_t n;
	const char **values;	 /* discrete: as --set takes them */
	size_t start;		 /* discrete: index of the first guess */
	double lo, hi, x0, step; /* continuous: bounds, first guess, first simplex step */
	struct cfg_mark mark;
};

struct calib {
	struct cfg_ctx *ctx;
	const char *path;
	const char *scenario_arg, *scenario;
	struct cfg_mark scenario_mark;
	const char **sets;
	size_t nsets;
	bool seed_set;
	uint64_t seed;
	struct calib_table *tables;
	size_t ntables;
	struct calib_point *points;
	size_t npoints;
	struct calib_param *params;
	size_t nparams;
	unsigned rounds, iterations, grid_max;
	double tolerance;
	char prev_err[512]; /* checking: a fitted key's error, said once */
};

/* Every key of a calibration file, as `ptsim check --schema` describes a scenario's. */
void calib_schema_describe(void (*emit)(void *, const char *), void *arg);
/* Whether the YAML file at path is a calibration file (a top-level `fit` or `measured`). */
bool calib_is_calib_file(const char *path);
/* Load and check: the file, its tables, and that every measured point is a valid scenario at
 * the first guess and at each fitted key's bounds. 0, the number of errors (in c->ctx), or
 * negative on ENOMEM. */
int calib_load(struct calib *c, const char *path);
void calib_free(struct calib *c);

/* A value of a continuous parameter as --set takes it (5 significant digits: runs of values
 * closer than that are one run). */
void calib_format(double x, char *buf, size_t len);
/* The --set list of point p with the fitted values vals[] (one text per parameter):
 * malloc'ed, free with sweep_sets_free. */
char **calib_point_sets(const struct calib *c, size_t p, const char *const *vals, size_t *n);

#endif
