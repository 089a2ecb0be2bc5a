/* SPDX-License-Identifier: MIT */
/*
 * One simulated run: the hardware built from a scenario, the host software booted on it by
 * the controller actor, the VMs and the workload, and the results measured over the
 * workload's window (from the application's start to the last frame).
 */
#ifndef PTSIM_MACHINE_H
#define PTSIM_MACHINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct scenario;
struct results;
struct machine;

struct run_opts {
	const char *config_path;
	uint64_t seed;
	const char *trace_path; /* NULL: no trace */
	bool progress;          /* a progress line on stderr */
};

/* Build, boot, run. 0 with results filled, or non-zero with a message in err. */
int machine_run(const struct scenario *sc, const struct run_opts *opts, struct results *res,
		char *err, size_t errlen);

/* The summary table a person reads after `ptsim run`. */
void machine_print_summary(const struct scenario *sc, const struct results *res, FILE *f);

#endif
