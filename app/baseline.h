/* SPDX-License-Identifier: MIT */
/*
 * `--baseline BASE.json`: a bare-metal run's results, and every run's figures as a fraction of
 * them (fraction_of_bare_metal.*, declared once in baseline.c), for the JSON, the CSV and the
 * summary. ELI (Gordon et al., ASPLOS'12) reports its figures this way: a guest's throughput
 * as a percentage of bare metal's.
 */
#ifndef PTSIM_APP_BASELINE_H
#define PTSIM_APP_BASELINE_H

#include <stddef.h>
#include <stdio.h>

struct results;

struct baseline {
	double throughput_gbps, cycles_per_op;
};

/* Read a results JSON (`ptsim run --json`): 0, or EXIT_USAGE with a message in err. */
int baseline_load(const char *path, struct baseline *b, char *err, size_t errlen);
/* Add the fraction_of_bare_metal.* keys to r: 0 or a negative errno. */
int baseline_apply(const struct baseline *b, struct results *r);
/* The summary's section, when r has the keys. */
void baseline_print(const struct results *r, FILE *f);

#endif
