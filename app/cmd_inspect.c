/* SPDX-License-Identifier: MIT */
/* `ptsim survey` and `ptsim lspci`: boot the host alone and show what it found. */
#include "app/cli.h"
#include "app/inspect.h"
#include "app/scenario.h"
#include "sim/config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char usage_survey[] =
	"usage: ptsim survey CONFIG [--json] [--force] [--set KEY=VALUE ...]\n"
	"\n"
	"Boot the host of CONFIG (a scenario, or a machine file such as configs/machines/*.yaml):\n"
	"firmware, PCI enumeration, SR-IOV, IOMMU groups -- no VMs. Then, for every function:\n"
	"its BDF, IOMMU group, location path, and whether a hypervisor may assign it, with the\n"
	"reasons: firmware did not grant native PCIe control, no ACS on the path, a\n"
	"multi-function device without ACS, firmware-reserved memory (RMRR), conventional PCI\n"
	"(requester ID not unique), I/O-port BARs, no MSI/MSI-X.\n"
	"\n"
	"  --json    machine-readable output\n"
	"  --force   verdicts for a forced assignment (overrides what forcing may override)\n";

static const char usage_lspci[] =
	"usage: ptsim lspci CONFIG [-t] [-x|-xxx|-xxxx] [--set KEY=VALUE ...]\n"
	"\n"
	"Boot the host of CONFIG and list its PCI functions as `lspci -n` does.\n"
	"  -t      the bus tree (as lspci -t)\n"
	"  -x      hex dump of the standard header (64 bytes); -xxx 256 bytes; -xxxx 4096\n"
	"          bytes, which pciutils reads back with `lspci -F FILE -vvv`\n";

/* survey and lspci: a CONFIG, flags, and --set. */
int cmd_inspect(int argc, char **argv, bool survey)
{
	const char *usage = survey ? usage_survey : usage_lspci;
	const char *config = NULL, *sets[MAX_SETS];
	size_t nsets = 0;
	bool json = false, force = false, tree = false;
	unsigned hex = 0;
	struct cfg_ctx *ctx;
	struct scenario sc;
	char err[1024];
	int rc;

	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];

		if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(s, "--set") || !strncmp(s, "--set=", 6)) {
			const char *v = s[5] == '=' ? s + 6 : i + 1 < argc ? argv[++i] : NULL;

			if (!v)
				return usage_error(usage, "%s needs a value", "--set");
			if (nsets == MAX_SETS)
				return usage_error(usage, "too many --set options (%s)", "256 at most");
			sets[nsets++] = v;
		} else if (survey && !strcmp(s, "--json")) {
			json = true;
		} else if (survey && !strcmp(s, "--force")) {
			force = true;
		} else if (!survey && !strcmp(s, "-t")) {
			tree = true;
		} else if (!survey && (!strcmp(s, "-x") || !strcmp(s, "-xx") ||
				       !strcmp(s, "-xxx") || !strcmp(s, "-xxxx"))) {
			hex = (unsigned)strlen(s) - 1;
		} else if (s[0] == '-') {
			return usage_error(usage, "unknown option '%s'", s);
		} else if (!config) {
			config = s;
		} else {
			return usage_error(usage, "unexpected argument '%s'", s);
		}
	}
	if (!config)
		return usage_error(usage, "%s", "a CONFIG file is required");
	if (tree && hex)
		return usage_error(usage, "%s", "-t and -x do not go together");
	if (hex == 2)
		hex = 1; /* -xx: as -x (lspci shows 64 bytes for both to non-root) */
	if (cfg_ctx_create(&ctx))
		return EXIT_FAIL;
	rc = cli_load_machine(config, sets, nsets, ctx, &sc);
	if (rc) {
		cfg_ctx_destroy(ctx);
		return rc;
	}
	rc = survey ? inspect_survey(&sc, config, json, force, stdout, err, sizeof(err))
		    : inspect_lspci(&sc, config, tree, hex, stdout, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "ptsim: %s: %s\n", config, err);
		cfg_ctx_destroy(ctx);
		return EXIT_FAIL;
	}
	fflush(stdout);
	/* SimGrid's actors still hold the machine; the process ends here. */
	_exit(0);
}
