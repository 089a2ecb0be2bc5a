/* SPDX-License-Identifier: MIT */
/*
 * Runs of one base scenario in forked children, -j at a time: the parent parses the scenario
 * once (no SimGrid engine starts in it: one engine per process), each child binds its own
 * --set list onto its copy, simulates and sends one line back through a pipe. `ptsim sweep`
 * (app/cmd_sweep.c) and `ptsim calibrate` (app/cmd_calibrate.c) run their points with it.
 */
#ifndef PTSIM_APP_RUNPOOL_H
#define PTSIM_APP_RUNPOOL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct results;

struct runpool {
	const char *scenario;	/* the base scenario's file, parsed once */
	const char *config_arg; /* the results' `config` */
	unsigned jobs;		/* children at once */
	const char *what;	/* the progress line's name ("sweep") */
	bool progress;		/* a progress line on stderr (only on a terminal) */
	void *arg;
	/* In the child: run `job`'s --set assignments (malloc'ed, each string too) and seed. */
	char **(*sets)(void *arg, size_t job, size_t *nsets, uint64_t *seed);
	/* In the child: the line run `job` sends back, from its results (malloc'ed; NULL: out
	 * of memory). */
	char *(*line)(void *arg, size_t job, struct results *res); /* res: the child's own */
	/* In the parent: run `job` ended; ok when it exited 0 with a line. out (NUL-terminated,
	 * n bytes, writable, one spare byte after it) is its line, or else what it wrote about
	 * its failure (empty: nothing). status is waitpid's. */
	void (*done)(void *arg, size_t job, bool ok, char *out, size_t n, int status);
};

/* Run the jobs todo[0..ntodo), `done` called for each as it ends. total and the runs done
 * before (total - ntodo) are for the progress line. *stop (a signal number, set by the
 * caller's handler) ends it early: the runs in progress are given up (their children
 * killed); it is set to -1 when a child cannot be started. 0, a negative errno, or
 * EXIT_USAGE when the scenario does not parse. */
int runpool_run(const struct runpool *rp, const size_t *todo, size_t ntodo, size_t total,
		volatile sig_atomic_t *stop);

/* The cores this process may run on. */
unsigned runpool_cores(void);

#endif
