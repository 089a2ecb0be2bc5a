/* SPDX-License-Identifier: MIT */
/* `ptsim check`: validate a scenario or a machine file; `--schema`: every key. */
#include "app/cli.h"
#include "app/calib.h"
#include "app/scenario.h"
#include "app/sweep.h"
#include "sim/config.h"

#include <stdio.h>

static const char usage_check[] =
	"usage: ptsim check CONFIG [--set KEY=VALUE ...]\n"
	"       ptsim check --schema\n"
	"\n"
	"Validate CONFIG and report every error with file:line:column; exit 2 if any.\n"
	"CONFIG is a scenario, or a machine file on its own (configs/machines/: no 'machine',\n"
	"'vms' or 'workload' key), checked as survey and lspci read it, or a sweep file\n"
	"('scenario' and 'parameters' keys): the file and every point it makes; or a\n"
	"calibration file ('measured' and 'fit' keys): the file, its tables and its points.\n"
	"--schema prints every configuration key with its type, range and meaning.\n";

int cmd_check(int argc, char **argv)
{
	struct args a = {0};
	struct cfg_ctx *ctx;
	struct scenario sc;
	int rc;

	rc = parse_args(argc, argv, usage_check, CLI_SCHEMA, &a);
	if (rc)
		return rc;
	if (a.schema) {
		if (a.config || a.nsets)
			return usage_error(usage_check,
					   "--schema takes no CONFIG or --set (it "
					   "describes every key), got '%s'",
					   a.config ? a.config : a.sets[0]);
		cfg_schema_describe(&scenario_schema, 0, cli_emit_line, stdout);
		return 0;
	}
	if (calib_is_calib_file(a.config)) {
		if (a.nsets)
			return usage_error(usage_check,
					   "--set does not apply to a calibration file (%s)",
					   a.config);
		return calib_check(a.config);
	}
	if (sweep_is_sweep_file(a.config)) {
		if (a.nsets)
			return usage_error(usage_check, "--set does not apply to a sweep file (%s)",
					   a.config);
		return sweep_check(a.config);
	}
	if (cfg_ctx_create(&ctx))
		return EXIT_FAIL;
	if (cli_is_machine_file(a.config)) {
		rc = cli_load_machine(a.config, a.sets, a.nsets, ctx, &sc);
		if (!rc)
			printf("%s: ok (machine, %zu device%s on the root bus)\n", a.config,
			       sc.machine.pcie.ndevices, sc.machine.pcie.ndevices == 1 ? "" : "s");
		cfg_ctx_destroy(ctx);
		return rc;
	}
	rc = cli_load(&a, ctx, &sc);
	if (!rc)
		printf("%s: ok (scenario '%s', %zu VM%s, workload %s)\n", a.config, sc.name, sc.nvms,
		       sc.nvms == 1 ? "" : "s", sc_wl_kind_names[sc.workload.kind]);
	cfg_ctx_destroy(ctx);
	return rc;
}
