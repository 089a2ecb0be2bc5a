/* SPDX-License-Identifier: MIT */
/* `ptsim run`: simulate a scenario, print the summary, write JSON, CSV and a trace. */
#include "app/cli.h"
#include "app/machine.h"
#include "app/scenario.h"
#include "sim/config.h"
#include "sim/results.h"
#include "sim/trace.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char usage_run[] =
	"usage: ptsim run CONFIG [options]\n"
	"\n"
	"Simulate the scenario in CONFIG (YAML) and print a summary of what was measured.\n"
	"\n"
	"  --set KEY=VALUE   override a config value; KEY is a dotted path with list indexes,\n"
	"                    e.g. --set vms.0.interrupt_mode=emulated (repeatable)\n"
	"  --seed N          random seed (default: the config's 'seed')\n"
	"  --json FILE       write the results as JSON\n"
	"  --csv FILE        write the results as one CSV row with a header\n"
	"  --trace FILE      write a Chrome trace-event JSON (open it in ui.perfetto.dev)\n"
	"  --quiet           do not print the summary\n"
	"  -h, --help        this text\n";

int cmd_run(int argc, char **argv)
{
	struct args a = {0};
	struct cfg_ctx *ctx;
	struct scenario sc;
	struct results *res;
	struct run_opts o = {0};
	char err[2048];
	int rc;

	rc = parse_args(argc, argv, usage_run, CLI_RUN, &a);
	if (rc)
		return rc;
	if (cfg_ctx_create(&ctx) || results_create(&res))
		return EXIT_FAIL;
	rc = cli_load(&a, ctx, &sc);
	if (rc)
		return rc;
	o.config_path = a.config;
	o.seed = a.have_seed ? a.seed : sc.seed;
	o.trace_path = a.trace;
	o.progress = isatty(STDERR_FILENO);
	if (a.trace) {
		rc = trace_open(a.trace, &sim_trace);
		if (rc) {
			fprintf(stderr, "ptsim: cannot write %s: %s\n", a.trace, strerror(-rc));
			return EXIT_FAIL;
		}
	}
	rc = machine_run(&sc, &o, res, err, sizeof(err));
	if (rc) {
		trace_close(sim_trace, false);
		fprintf(stderr, "ptsim: %s: %s\n", a.config, err);
		return EXIT_FAIL;
	}
	if (a.trace && trace_close(sim_trace, true)) {
		fprintf(stderr, "ptsim: cannot write %s\n", a.trace);
		return EXIT_FAIL;
	}
	sim_trace = NULL;
	if (!a.quiet)
		machine_print_summary(&sc, res, stdout);
	if (a.json && (rc = cli_write_results(a.json, results_write_json, res)))
		return rc;
	if (a.csv && (rc = cli_write_results(a.csv, NULL, res)))
		return rc;
	fflush(stdout);
	/* SimGrid's actors still hold the machine; the process ends here. */
	_exit(0);
}
