/* SPDX-License-Identifier: MIT */
/*
 * ptsim-bench: speed figures measured in one process, as ratios that carry from machine to
 * machine. First the raw engine: how many SimGrid sleeps per wall second this machine does;
 * then the default scenario: frames simulated per wall second and engine events per frame;
 * and their ratio (how many raw sleeps' worth of wall time one simulated frame costs).
 */
#include "sim/app/machine.h"
#include "sim/app/scenario.h"
#include "sim/config.h"
#include "sim/engine.h"
#include "sim/results.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RAW_SLEEPS 500000

static struct machine *m;
static double raw_wall, raw_rate;
static struct timespec scenario_t0;

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Raw engine speed first, alone; then the scenario starts from this actor. */
static void raw_actor(void *arg)
{
	double t0 = now_s();

	(void)arg;
	for (uint64_t i = 1; i <= RAW_SLEEPS; i++)
		sim_sleep_until(i);
	raw_wall = now_s() - t0;
	raw_rate = RAW_SLEEPS / raw_wall;
	clock_gettime(CLOCK_MONOTONIC, &scenario_t0);
	machine_start(m);
}

int main(int argc, char **argv)
{
	const char *config = argc > 1 ? argv[1] : "configs/default.yaml";
	struct cfg_ctx *ctx;
	struct scenario sc;
	struct results *res;
	struct run_opts o = {.config_path = config};
	char err[1024];
	uint64_t frames = 0, events = 0;
	double t1;

	if (cfg_ctx_create(&ctx) || results_create(&res))
		return 1;
	if (scenario_load(ctx, config, NULL, 0, &sc)) {
		for (size_t i = 0; i < cfg_error_count(ctx); i++)
			fprintf(stderr, "%s\n", cfg_error_text(ctx, i));
		return 2;
	}
	o.seed = sc.seed;
	if (machine_create(&sc, &o, &m)) {
		fprintf(stderr, "ptsim-bench: cannot build the machine\n");
		return 1;
	}
	sim_actor_start("raw-sleeps", raw_actor, NULL, 0);
	int rc = sim_engine_run();
	t1 = now_s();
	if (machine_finish(m, rc, res, err, sizeof(err))) {
		fprintf(stderr, "ptsim-bench: %s\n", err);
		return 1;
	}
	results_get_u64(res, "workload.frames_received", &frames);
	results_get_u64(res, "window.events", &events);
	double wall = t1 - ((double)scenario_t0.tv_sec + (double)scenario_t0.tv_nsec * 1e-9);
	double fps = (double)frames / wall;

	printf("ptsim-bench (%s)\n", config);
	printf("  raw SimGrid sleeps:            %10.0f /s   (%d sleeps in %.3f s)\n", raw_rate,
	       RAW_SLEEPS, raw_wall);
	printf("  default scenario:              %10.0f frames/s simulated per wall second\n", fps);
	printf("                                 %10llu frames, %.3f s wall (setup included)\n",
	       (unsigned long long)frames, wall);
	printf("  engine events per frame:       %10.2f   (measured window)\n",
	       frames ? (double)events / frames : 0);
	printf("  ratio frames/s : raw sleeps/s: %10.4f   (%.1f raw sleeps of wall time per "
	       "frame)\n",
	       fps / raw_rate, raw_rate / fps);
	fflush(stdout);
	_exit(0);
}
