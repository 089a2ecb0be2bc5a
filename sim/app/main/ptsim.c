/* SPDX-License-Identifier: MIT */
/*
 * ptsim command line. Exit status: 0 success, 1 simulation or report failure, 2 usage or
 * configuration error (DESIGN.md, "Interfaces").
 */
#include "sim/app/firmware.h"
#include "sim/app/inspect.h"
#include "sim/app/machine.h"
#include "sim/app/scenario.h"
#include "sim/config.h"
#include "sim/results.h"
#include "sim/trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_FAIL  1
#define EXIT_USAGE 2
#define MAX_SETS   256

static const char usage_main[] =
	"usage: ptsim COMMAND [ARGS]\n"
	"\n"
	"Commands:\n"
	"  run CONFIG     simulate a scenario, print a summary, write results\n"
	"  check CONFIG   validate a scenario and report every error with file:line:column\n"
	"  acpi CONFIG    write the machine's ACPI DMAR table (--dmar FILE)\n"
	"  survey CONFIG  can each PCI function be assigned to a VM, and why (or why not)\n"
	"  lspci CONFIG   the simulated machine's PCI functions as lspci shows them\n"
	"  help           this text\n"
	"\n"
	"Run 'ptsim COMMAND --help' for a command's options.\n"
	"Exit status: 0 success, 1 simulation failure, 2 usage or configuration error.\n";

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

static const char usage_check[] =
	"usage: ptsim check CONFIG [--set KEY=VALUE ...]\n"
	"       ptsim check --schema\n"
	"\n"
	"Validate CONFIG and report every error with file:line:column; exit 2 if any.\n"
	"CONFIG is a scenario, or a machine file on its own (configs/machines/: no 'machine',\n"
	"'vms' or 'workload' key), checked as survey and lspci read it.\n"
	"--schema prints every configuration key with its type, range and meaning.\n";

static const char usage_acpi[] =
	"usage: ptsim acpi CONFIG --dmar FILE [--set KEY=VALUE ...]\n"
	"\n"
	"Write the DMA Remapping Reporting table (ACPI DMAR, VT-d ch. 8) that the machine's\n"
	"firmware builds from CONFIG: one DRHD per VT-d unit with its device scopes or\n"
	"INCLUDE_PCI_ALL, the RMRRs of machine.firmware.rmrrs, an ATSR when the units have\n"
	"device TLBs. 'iasl -d FILE' disassembles it.\n";

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

static int usage_error(const char *usage, const char *fmt, const char *arg)
{
	fprintf(stderr, "ptsim: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n\n%s", usage);
	return EXIT_USAGE;
}

struct args {
	const char *config;
	const char *sets[MAX_SETS];
	size_t nsets;
	const char *json, *csv, *trace, *dmar;
	uint64_t seed;
	bool have_seed, quiet, schema;
};

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || !*s || *end || *s == '-')
		return -1;
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, const char *usage, struct args *a, bool run)
{
	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];
		const char *val = NULL;

		if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
			fputs(usage, stdout);
			exit(0);
		}
#define OPT(name)                                                                          \
	(!strcmp(s, name) ? (i + 1 < argc ? (val = argv[++i], 1)                           \
					  : (usage_error(usage, "%s needs a value", name), \
					     exit(EXIT_USAGE), 0))                         \
			  : (!strncmp(s, name "=", strlen(name) + 1) ? (val = s + strlen(name) + 1, 1) \
								     : 0))
		if (OPT("--set")) {
			if (a->nsets == MAX_SETS)
				return usage_error(usage, "too many --set options (%s)", "256 at most");
			a->sets[a->nsets++] = val;
		} else if (run && OPT("--seed")) {
			if (parse_u64(val, &a->seed))
				return usage_error(usage, "--seed wants a non-negative integer, not '%s'",
						   val);
			a->have_seed = true;
		} else if (run && OPT("--json")) {
			a->json = val;
		} else if (run && OPT("--csv")) {
			a->csv = val;
		} else if (run && OPT("--trace")) {
			a->trace = val;
		} else if (run && !strcmp(s, "--quiet")) {
			a->quiet = true;
		} else if (usage == usage_acpi && OPT("--dmar")) {
			a->dmar = val;
		} else if (usage == usage_check && !strcmp(s, "--schema")) {
			a->schema = true;
		} else if (s[0] == '-') {
			return usage_error(usage, "unknown option '%s'", s);
		} else if (!a->config) {
			a->config = s;
		} else {
			return usage_error(usage, "unexpected argument '%s'", s);
		}
#undef OPT
	}
	if (!a->config && !a->schema)
		return usage_error(usage, "%s", "a CONFIG file is required");
	return 0;
}

static int load(const struct args *a, struct cfg_ctx *ctx, struct scenario *sc)
{
	if (scenario_load(ctx, a->config, a->sets, a->nsets, sc)) {
		size_t n = cfg_error_count(ctx);

		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "%s\n", cfg_error_text(ctx, i));
		fprintf(stderr, "ptsim: %zu error%s in %s\n", n, n == 1 ? "" : "s", a->config);
		return EXIT_USAGE;
	}
	return 0;
}

static void emit_line(void *arg, const char *line)
{
	fprintf(arg, "%s\n", line);
}

static int load_machine(const char *config, const char *const *sets, size_t nsets,
			struct cfg_ctx *ctx, struct scenario *sc);

/* A machine file on its own: a mapping without the keys only a scenario has. */
static bool is_machine_file(const char *path)
{
	struct cfg_ctx *ctx;
	const struct cfg_node *root;
	bool machine = false;

	if (cfg_ctx_create(&ctx))
		return false;
	root = cfg_load_file(ctx, path);
	if (root && root->kind == CFG_MAP)
		machine = !cfg_map_get(root, "machine") && !cfg_map_get(root, "vms") &&
			  !cfg_map_get(root, "workload");
	cfg_ctx_destroy(ctx);
	return machine;
}

static int cmd_check(int argc, char **argv)
{
	struct args a = {0};
	struct cfg_ctx *ctx;
	struct scenario sc;
	int rc;

	rc = parse_args(argc, argv, usage_check, &a, false);
	if (rc)
		return rc;
	if (a.schema) {
		cfg_schema_describe(&scenario_schema, 0, emit_line, stdout);
		return 0;
	}
	if (cfg_ctx_create(&ctx))
		return EXIT_FAIL;
	if (is_machine_file(a.config)) {
		rc = load_machine(a.config, a.sets, a.nsets, ctx, &sc);
		if (!rc)
			printf("%s: ok (machine, %zu device%s on the root bus)\n", a.config,
			       sc.machine.pcie.ndevices, sc.machine.pcie.ndevices == 1 ? "" : "s");
		cfg_ctx_destroy(ctx);
		return rc;
	}
	rc = load(&a, ctx, &sc);
	if (!rc)
		printf("%s: ok (scenario '%s', %zu VM%s, workload %s)\n", a.config, sc.name, sc.nvms,
		       sc.nvms == 1 ? "" : "s", sc_wl_kind_names[sc.workload.kind]);
	cfg_ctx_destroy(ctx);
	return rc;
}

static int write_out(const char *path, int (*fn)(const struct results *, FILE *),
		     const struct results *r)
{
	int rc = results_write_file(path, fn, r);

	if (rc) {
		fprintf(stderr, "ptsim: cannot write %s: %s\n", path, strerror(-rc));
		return EXIT_FAIL;
	}
	return 0;
}

static int cmd_acpi(int argc, char **argv)
{
	struct args a = {0};
	struct cfg_ctx *ctx;
	struct scenario sc;
	uint8_t buf[8192];
	FILE *f;
	int rc, len;

	rc = parse_args(argc, argv, usage_acpi, &a, false);
	if (rc)
		return rc;
	if (!a.dmar)
		return usage_error(usage_acpi, "%s", "--dmar FILE is required");
	if (cfg_ctx_create(&ctx))
		return EXIT_FAIL;
	rc = load(&a, ctx, &sc);
	if (rc)
		return rc;
	if (!sc.machine.iommu.enabled) {
		fprintf(stderr, "ptsim: %s: the machine has no IOMMU (machine.iommu.enabled is "
				"false): no DMAR table\n",
			a.config);
		return EXIT_USAGE;
	}
	len = firmware_dmar_table(&sc, buf, sizeof(buf));
	if (len < 0) {
		fprintf(stderr, "ptsim: %s: cannot build the DMAR table: %s\n", a.config,
			strerror(-len));
		return EXIT_FAIL;
	}
	f = fopen(a.dmar, "wb");
	if (!f || fwrite(buf, 1, (size_t)len, f) != (size_t)len || fclose(f)) {
		fprintf(stderr, "ptsim: cannot write %s: %s\n", a.dmar, strerror(errno));
		return EXIT_FAIL;
	}
	cfg_ctx_destroy(ctx);
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	struct args a = {0};
	struct cfg_ctx *ctx;
	struct scenario sc;
	struct results *res;
	struct run_opts o = {0};
	char err[2048];
	int rc;

	rc = parse_args(argc, argv, usage_run, &a, true);
	if (rc)
		return rc;
	if (cfg_ctx_create(&ctx) || results_create(&res))
		return EXIT_FAIL;
	rc = load(&a, ctx, &sc);
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
	if (a.json && (rc = write_out(a.json, results_write_json, res)))
		return rc;
	if (a.csv && (rc = write_out(a.csv, NULL, res)))
		return rc;
	fflush(stdout);
	/* SimGrid's actors still hold the machine; the process ends here. */
	_exit(0);
}

static int load_machine(const char *config, const char *const *sets, size_t nsets,
			struct cfg_ctx *ctx, struct scenario *sc)
{
	if (scenario_load_machine(ctx, config, sets, nsets, sc)) {
		size_t n = cfg_error_count(ctx);

		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "%s\n", cfg_error_text(ctx, i));
		fprintf(stderr, "ptsim: %zu error%s in %s\n", n, n == 1 ? "" : "s", config);
		return EXIT_USAGE;
	}
	return 0;
}

/* survey and lspci: a CONFIG, flags, and --set. */
static int cmd_inspect(int argc, char **argv, bool survey)
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
	rc = load_machine(config, sets, nsets, ctx, &sc);
	if (rc)
		return rc;
	rc = survey ? inspect_survey(&sc, config, json, force, stdout, err, sizeof(err))
		    : inspect_lspci(&sc, config, tree, hex, stdout, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "ptsim: %s: %s\n", config, err);
		return EXIT_FAIL;
	}
	fflush(stdout);
	/* SimGrid's actors still hold the machine; the process ends here. */
	_exit(0);
}

int main(int argc, char **argv)
{
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
