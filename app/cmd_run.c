/* SPDX-License-Identifier: MIT */
/* `ptsim run`: simulate a scenario, print the summary, write JSON, CSV and a trace. */
#include "app/baseline.h"
#include "app/cli.h"
#include "app/machine.h"
#include "app/scenario.h"
#include "sim/config.h"
#include "sim/outfile.h"
#include "sim/results.h"
#include "sim/trace.h"

#include <errno.h>
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
    "  --overlay FILE    the values of a YAML file in the scenario's nesting (what ptsim\n"
    "                    calibrate writes), as --set at this place (repeatable)\n"
    "  --seed N          random seed (default: the config's 'seed')\n"
    "  --json FILE       write the results as JSON\n"
    "  --csv FILE        write the results as one CSV row with a header\n"
    "  --trace FILE      write a Chrome trace-event JSON (open it in ui.perfetto.dev)\n"
    "  --baseline FILE   a bare-metal run's results JSON (vms: []): report\n"
    "                    fraction_of_bare_metal.{throughput,cycles_per_op} against it\n"
    "  --quiet           do not print the summary\n"
    "  -h, --help        this text\n"
    "\n"
    "A FILE is replaced whole or not at all: a failed or interrupted run leaves it as it was.\n"
    "A character device or a pipe is written to as it is; '-' is standard output (then no\n"
    "summary is printed).\n";

/* The outputs a run writes: opened before the simulation, so that a path that cannot be
 * written fails at once and not after a long run. */
struct run_outputs {
	const char *opt[3], *path[3];
	struct outfile *file[3]; /* --json, --csv; the trace is sim_trace's */
};

static int open_outputs(struct run_outputs *ro, const struct args *a)
{
	unsigned to_stdout = 0;
	int rc;

	ro->opt[0] = "--json", ro->path[0] = a->json;
	ro->opt[1] = "--csv", ro->path[1] = a->csv;
	ro->opt[2] = "--trace", ro->path[2] = a->trace;
	for (int i = 0; i < 3; i++)
		to_stdout += outfile_is_stdout(ro->path[i]);
	if (to_stdout > 1)
		return usage_error(usage_run, "%s",
				   "only one of --json, --csv and --trace can "
				   "go to standard output");
	for (int i = 0; i < 3; i++) {
		if (!ro->path[i])
			continue;
		rc = i < 2 ? outfile_open(ro->path[i], &ro->file[i])
			   : trace_open(ro->path[i], &sim_trace);
		if (rc) {
			fprintf(stderr, "ptsim: cannot write %s: %s\n", ro->path[i],
				outfile_strerror(rc));
			return EXIT_FAIL;
		}
	}
	/* two outputs renamed over one file: the second would replace the first */
	for (int i = 0; i < 3; i++)
		for (int k = i + 1; k < 3; k++) {
			const char *ti = i < 2 ? (ro->file[i] ? outfile_target(ro->file[i]) : NULL)
					       : trace_target(sim_trace);
			const char *tk = k < 2 ? (ro->file[k] ? outfile_target(ro->file[k]) : NULL)
					       : trace_target(sim_trace);

			if (ti && tk && !strcmp(ti, tk)) {
				fprintf(stderr, "ptsim: %s and %s name the same file, %s\n",
					ro->opt[i], ro->opt[k], ti);
				return EXIT_USAGE;
			}
		}
	return 0;
}

static void close_outputs(struct run_outputs *ro)
{
	for (int i = 0; i < 2; i++) {
		outfile_discard(ro->file[i]);
		ro->file[i] = NULL;
	}
	trace_close(sim_trace, false);
	sim_trace = NULL;
}

static int write_output(struct run_outputs *ro, int i, const struct results *res)
{
	int rc;

	if (!ro->file[i])
		return 0;
	errno = 0;
	rc = i == 0 ? results_write_json(res, outfile_stream(ro->file[i]))
		    : results_write_csv(res, outfile_stream(ro->file[i]), true);
	if (rc) {
		rc = errno ? -errno : rc; /* the write's reason (ENOSPC), not a bare EIO */
		outfile_discard(ro->file[i]);
	} else
		rc = outfile_commit(ro->file[i]);
	ro->file[i] = NULL;
	if (rc) {
		fprintf(stderr, "ptsim: cannot write %s: %s\n", ro->path[i], outfile_strerror(rc));
		return EXIT_FAIL;
	}
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct args a = {0};
	struct cfg_ctx *ctx = NULL;
	struct scenario sc;
	struct results *res = NULL;
	struct run_opts o = {0};
	struct run_outputs ro = {0};
	struct baseline base;
	char err[2048];
	int rc;

	rc = parse_args(argc, argv, usage_run, CLI_RUN, &a);
	if (rc)
		return rc;
	if (cfg_ctx_create(&ctx) || results_create(&res)) {
		rc = EXIT_FAIL;
		goto out;
	}
	rc = cli_load(&a, ctx, &sc);
	if (!rc && a.baseline) {
		rc = baseline_load(a.baseline, &base, err, sizeof(err));
		if (rc)
			fprintf(stderr, "ptsim: %s\n", err);
	}
	if (!rc)
		rc = open_outputs(&ro, &a);
	if (rc)
		goto out;
	o.config_path = a.config;
	o.seed = a.have_seed ? a.seed : sc.seed;
	o.trace_path = a.trace;
	o.progress = isatty(STDERR_FILENO);
	rc = machine_run(&sc, &o, res, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "ptsim: %s: %s\n", a.config, err);
		rc = EXIT_FAIL;
		goto out;
	}
	if (a.baseline && baseline_apply(&base, res)) {
		fprintf(stderr, "ptsim: %s: results: %s\n", a.config, strerror(ENOMEM));
		rc = EXIT_FAIL;
		goto out;
	}
	if (a.trace) {
		rc = trace_close(sim_trace, true);
		sim_trace = NULL;
		if (rc) {
			fprintf(stderr, "ptsim: cannot write %s: %s\n", a.trace,
				outfile_strerror(rc));
			rc = EXIT_FAIL;
			goto out;
		}
	}
	/* the files first: a reader of the summary that goes away (| head) costs them nothing */
	rc = write_output(&ro, 0, res);
	if (!rc)
		rc = write_output(&ro, 1, res);
	if (rc)
		goto out;
	/* a result file on standard output: the summary would spoil it */
	if (!a.quiet && !outfile_is_stdout(a.json) && !outfile_is_stdout(a.csv) &&
	    !outfile_is_stdout(a.trace))
		machine_print_summary(&sc, res, stdout);
	fflush(stdout);
	/* SimGrid's actors still hold the machine; the process ends here. */
	_exit(0);
out:
	close_outputs(&ro);
	results_destroy(res);
	cfg_ctx_destroy(ctx);
	return rc;
}
