/* SPDX-License-Identifier: MIT */
/*
 * Run results: an ordered set of dotted keys ("iotlb.hits") with integer, real or string
 * values, written as nested JSON, as a CSV row, or looked up by the summary printer. Keys
 * keep the order they were set in, except that a new key joins the deepest group it shares
 * with earlier keys (after that group's last key), so every group's keys stay together.
 * Files are written whole or not at all (sim/outfile.h).
 */
#ifndef PTSIM_SIM_RESULTS_H
#define PTSIM_SIM_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct results;

enum res_type { RES_U64, RES_DOUBLE, RES_STR };

int results_create(struct results **out);
void results_destroy(struct results *r);

/* Set (or replace) a value. Keys are dotted paths; a key may not be both a value and a
 * prefix of others (-EINVAL). */
int results_set_u64(struct results *r, const char *key, uint64_t v);
int results_set_double(struct results *r, const char *key, double v);
int results_set_str(struct results *r, const char *key, const char *v);

size_t results_count(const struct results *r);
const char *results_key(const struct results *r, size_t i);
enum res_type results_type(const struct results *r, size_t i);
/* Lookup; false if absent. */
bool results_get_u64(const struct results *r, const char *key, uint64_t *v);
bool results_get_double(const struct results *r, const char *key, double *v);
const char *results_get_str(const struct results *r, const char *key);

/* Value i formatted as it appears in JSON/CSV (numbers with a fixed, locale-free format). */
void results_format_value(const struct results *r, size_t i, char *buf, size_t len);

int results_write_json(const struct results *r, FILE *f);
/* CSV: header line (when `header`) and one row, keys in order. */
int results_write_csv(const struct results *r, FILE *f, bool header);

/* Write with fn to path, whole or not at all (sim/outfile.h). 0, or an error code for
 * outfile_strerror. */
int results_write_file(const char *path, int (*fn)(const struct results *, FILE *),
		       const struct results *r);

#endif
