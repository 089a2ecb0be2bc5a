/* SPDX-License-Identifier: MIT */
/* `ptsim acpi`: the DMAR table the machine's firmware builds, written to a file. */
#include "app/cli.h"
#include "app/machine.h"
#include "models/platform/platform.h"
#include "app/scenario.h"
#include "sim/config.h"
#include "sim/outfile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char usage_acpi[] =
    "usage: ptsim acpi CONFIG --dmar FILE [--set KEY=VALUE ...]\n"
    "\n"
    "CONFIG is a scenario or a machine file (configs/machines/).\n"
    "Write the DMA Remapping Reporting table (ACPI DMAR, VT-d ch. 8) that the machine's\n"
    "firmware builds from CONFIG: one DRHD per VT-d unit with its device scopes or\n"
    "INCLUDE_PCI_ALL, the RMRRs of machine.firmware.rmrrs, an ATSR when the units have\n"
    "device TLBs. 'iasl -d FILE' disassembles it.\n";

int cmd_acpi(int argc, char **argv)
{
	struct args a = {0};
	struct cfg_ctx *ctx;
	struct scenario sc;
	struct outfile *out;
	uint8_t buf[8192];
	int rc, len;

	rc = parse_args(argc, argv, usage_acpi, CLI_DMAR, &a);
	if (rc)
		return rc;
	if (!a.dmar)
		return usage_error(usage_acpi, "%s", "--dmar FILE is required");
	if (cfg_ctx_create(&ctx))
		return EXIT_FAIL;
	/* a scenario, or a machine file as survey and lspci read it */
	rc = cli_is_machine_file(a.config) ? cli_load_machine(a.config, a.sets, a.nsets, ctx, &sc)
					   : cli_load(&a, ctx, &sc);
	if (rc)
		goto out;
	if (!sc.machine.iommu.enabled) {
		fprintf(stderr, "ptsim: %s: the machine has no IOMMU (machine.iommu.enabled is "
				"false): no DMAR table\n",
			a.config);
		rc = EXIT_USAGE;
		goto out;
	}
	/* The table the firmware of the machine built (its scopes name the functions' places). */
	struct run_opts o = {.config_path = a.config};
	struct machine *m;

	len = machine_create(&sc, &o, &m);
	if (!len) {
		len = platform_dmar_table(machine_platform(m), buf, sizeof(buf));
		machine_destroy(m);
	}
	if (len < 0) {
		fprintf(stderr, "ptsim: %s: cannot build the DMAR table: %s\n", a.config,
			strerror(-len));
		rc = EXIT_FAIL;
		goto out;
	}
	rc = outfile_open(a.dmar, &out);
	if (!rc) {
		if (fwrite(buf, 1, (size_t)len, outfile_stream(out)) == (size_t)len)
			rc = outfile_commit(out);
		else {
			rc = -errno;
			outfile_discard(out);
		}
	}
	if (rc) {
		fprintf(stderr, "ptsim: cannot write %s: %s\n", a.dmar, outfile_strerror(rc));
		rc = EXIT_FAIL;
	}
out:
	cfg_ctx_destroy(ctx);
	return rc;
}
