/* SPDX-License-Identifier: MIT */
/*
 * ptsim command line: the command's name picks a cmd_*.c. Exit status: 0 success, 1
 * simulation or report failure, 2 usage or configuration error (DESIGN.md, "Interfaces").
 */
#include "app/cli.h"
#include "sim/outfile.h"

#include <stdio.h>
#include <string.h>

static const char usage_main[] =
	"usage: ptsim COMMAND [ARGS]\n"
	"\n"
	"Commands:\n"
	"  run CONFIG     simulate a scenario, print a summary, write results\n"
	"  check CONFIG   validate a scenario and report every error with file:line:column\n"
	"  acpi CONFIG    write the machine's ACPI DMAR table (--dmar FILE)\n"
	"  survey CONFIG  can each PCI function be assigned to a VM, and why (or why not)\n"
	"  lspci CONFIG   the simulated machine's PCI functions as lspci shows them\n"
	"  sweep SWEEP    run a sweep file's points in parallel (shards, Slurm), CSV and JSON\n"
	"  calibrate CALIB fit config keys to measured tables (grid and Nelder-Mead)\n"
	"  help           this text\n"
	"\n"
	"Run 'ptsim COMMAND --help' for a command's options.\n"
	"Exit status: 0 success, 1 simulation failure, 2 usage or configuration error.\n";

int main(int argc, char **argv)
{
	/* Ctrl-C and kill: no unfinished result file is left behind (sim/outfile.h) */
	outfile_catch_signals();
	if (argc < 2)
		return usage_error(usage_main, "%s", "a command is required");
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 2, argv + 2);
	if (!strcmp(argv[1], "check"))
		return cmd_check(argc - 2, argv + 2);
	if (!strcmp(argv[1], "acpi"))
		return cmd_acpi(argc - 2, argv + 2);
	if (!strcmp(argv[1], "survey"))
		return cmd_inspect(argc - 2, argv + 2, true);
	if (!strcmp(argv[1], "lspci"))
		return cmd_inspect(argc - 2, argv + 2, false);
	if (!strcmp(argv[1], "sweep"))
		return cmd_sweep(argc - 2, argv + 2);
	if (!strcmp(argv[1], "calibrate"))
		return cmd_calibrate(argc - 2, argv + 2);
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage_main, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("ptsim %s\n", PTSIM_VERSION);
		return 0;
	}
	return usage_error(usage_main, "unknown command '%s'", argv[1]);
}

