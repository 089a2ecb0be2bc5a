/* SPDX-License-Identifier: MIT */
/*
 * What the commands share: exit statuses (DESIGN.md, "Interfaces"), option parsing, loading a
 * scenario or a machine file with every error printed, and writing result files.
 */
#ifndef PTSIM_APP_CLI_H
#define PTSIM_APP_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cfg_ctx;
struct results;
struct scenario;

#define EXIT_FAIL  1
#define EXIT_USAGE 2
#define MAX_SETS   256

/* Options a command accepts beyond CONFIG and --set. */
#define CLI_RUN    0x1u /* --seed --json --csv --trace --quiet --baseline */
#define CLI_DMAR   0x2u /* --dmar FILE */
#define CLI_SCHEMA 0x4u /* --schema (CONFIG optional) */

struct args {
	const char *config;
	const char *sets[MAX_SETS];
	size_t nsets;
	const char *json, *csv, *trace, *dmar, *baseline;
	uint64_t seed;
	bool have_seed, quiet, schema;
};

/* Print "ptsim: <fmt with arg>" and the usage to stderr; returns EXIT_USAGE. */
int usage_error(const char *usage, const char *fmt, const char *arg);
/* Parse argv (after the command name); --help prints usage and exits 0. 0 or EXIT_USAGE. */
int parse_args(int argc, char **argv, const char *usage, unsigned allow, struct args *a);
/* A decimal in [lo, hi] (no sign, nothing after it): 0, or -1. */
int cli_parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out);
/* A schema description's line to the FILE * arg (cfg_schema_describe's callback). */
void cli_emit_line(void *arg, const char *line);
/* A config's errors as the context recorded them, then how many, to stderr. */
void cli_print_errors(const struct cfg_ctx *ctx, const char *config);
/* Load a scenario (or a machine file) with --set overrides; errors printed, EXIT_USAGE. */
int cli_load(const struct args *a, struct cfg_ctx *ctx, struct scenario *sc);
int cli_load_machine(const char *config, const char *const *sets, size_t nsets,
		     struct cfg_ctx *ctx, struct scenario *sc);
/* A machine file on its own: a mapping without the keys only a scenario has. */
bool cli_is_machine_file(const char *path);
/* Write results to path with fn; a message and EXIT_FAIL on failure. */
int cli_write_results(const char *path, int (*fn)(const struct results *, FILE *),
		      const struct results *r);

int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_acpi(int argc, char **argv);
int cmd_inspect(int argc, char **argv, bool survey);
int cmd_sweep(int argc, char **argv);
/* `ptsim check SWEEP.yaml`: the sweep file and every point it makes (app/cmd_sweep.c). */
int sweep_check(const char *path);
int cmd_calibrate(int argc, char **argv);
/* `ptsim check CALIB.yaml`: the calibration file and its tables (app/cmd_calibrate.c). */
int calib_check(const char *path);

#endif
