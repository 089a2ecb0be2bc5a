/* SPDX-License-Identifier: MIT */
/* Option parsing, loading and writing shared by the commands. */
#include "app/cli.h"
#include "app/scenario.h"
#include "sim/config.h"
#include "sim/outfile.h"
#include "sim/results.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int usage_error(const char *usage, const char *fmt, const char *arg)
{
	fprintf(stderr, "ptsim: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n\n%s", usage);
	return EXIT_USAGE;
}

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

/* An output FILE that looks like an option ("--json --quiet") is a mistake, not a file to
 * create: '-' is standard output, and ./-name a file whose name starts with '-'. */
static int file_value(const char *usage, const char *opt, const char *val, const char **out)
{
	if (val[0] == '-' && val[1]) {
		fprintf(stderr,
			"ptsim: %s needs a FILE, not '%s' ('-' is standard output, ./%s a "
			"file of that name)\n\n%s",
			opt, val, val, usage);
		return EXIT_USAGE;
	}
	*out = val;
	return 0;
}


/* The assignments overlays add: the process's, freed when it exits (the commands keep their
 * args on the stack, and every exit path would have to give them back). */
static char *overlay_sets[MAX_SETS];
static size_t noverlay_sets;

static void free_overlay_sets(void)
{
	while (noverlay_sets)
		free(overlay_sets[--noverlay_sets]);
}

/* The leaves of an overlay's mappings as --set assignments (a.b.c=value), after a->sets.
 * The strings live as long as the process. */
static int overlay_leaves(const char *usage, const char *file, const struct cfg_node *n,
			  char *path, size_t len, struct args *a)
{
	if (n->kind == CFG_MAP) {
		for (size_t i = 0; i < n->n; i++) {
			size_t l = strlen(path);

			snprintf(path + l, len - l, "%s%s", l ? "." : "", n->keys[i]);
			if (overlay_leaves(usage, file, n->items[i], path, len, a))
				return EXIT_USAGE;
			path[l] = 0;
		}
		return 0;
	}
	if (n->kind != CFG_SCALAR || n->null || !path[0]) {
		fprintf(stderr,
			"%s:%u:%u: error: an overlay holds mappings of values ('%s' is %s: give "
			"it with --set)\n",
			n->mark.file, n->mark.line, n->mark.col, path,
			n->kind == CFG_SEQ ? "a list" : "empty");
		return EXIT_USAGE;
	}
	char *set = NULL;

	if (a->nsets == MAX_SETS || noverlay_sets == MAX_SETS)
		return usage_error(usage, "too many --set options with the overlay's (%s)",
				   "256 at most");
	/* a quoted string stays a string, as in the overlay */
	if (asprintf(&set, n->quoted ? "%s=\"%s\"" : "%s=%s", path, n->text) < 0)
		return EXIT_FAIL;
	if (!noverlay_sets)
		atexit(free_overlay_sets);
	overlay_sets[noverlay_sets++] = set;
	a->sets[a->nsets++] = set;
	return 0;
}

/* --overlay FILE: a YAML file in the scenario's nesting (what `ptsim calibrate` writes), its
 * values applied as --set assignments at its place on the command line. */
static int overlay(const char *usage, const char *file, struct args *a)
{
	struct cfg_ctx *ctx;
	const struct cfg_node *root;
	char path[1024] = "";
	int rc = EXIT_USAGE;

	if (cfg_ctx_create(&ctx))
		return EXIT_FAIL;
	root = cfg_load_file(ctx, file);
	if (root && root->kind == CFG_MAP)
		rc = overlay_leaves(usage, file, root, path, sizeof(path), a);
	else if (root)
		fprintf(stderr, "%s:1:1: error: an overlay is a mapping of config keys\n", file);
	else
		cli_print_errors(ctx, file);
	cfg_ctx_destroy(ctx);
	return rc;
}

int parse_args(int argc, char **argv, const char *usage, unsigned allow, struct args *a)
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
			if (a->nsets == MAX_SETS || noverlay_sets == MAX_SETS)
				return usage_error(usage, "too many --set options (%s)", "256 at most");
			a->sets[a->nsets++] = val;
		} else if (OPT("--overlay")) {
			int rc = overlay(usage, val, a);

			if (rc)
				return rc;
		} else if ((allow & CLI_RUN) && OPT("--seed")) {
			if (parse_u64(val, &a->seed))
				return usage_error(usage, "--seed wants a non-negative integer, not '%s'",
						   val);
			a->have_seed = true;
		} else if ((allow & CLI_RUN) && OPT("--json")) {
			if (file_value(usage, "--json", val, &a->json))
				return EXIT_USAGE;
		} else if ((allow & CLI_RUN) && OPT("--csv")) {
			if (file_value(usage, "--csv", val, &a->csv))
				return EXIT_USAGE;
		} else if ((allow & CLI_RUN) && OPT("--trace")) {
			if (file_value(usage, "--trace", val, &a->trace))
				return EXIT_USAGE;
		} else if ((allow & CLI_RUN) && OPT("--baseline")) {
			if (file_value(usage, "--baseline", val, &a->baseline))
				return EXIT_USAGE;
		} else if ((allow & CLI_RUN) && !strcmp(s, "--quiet")) {
			a->quiet = true;
		} else if ((allow & CLI_DMAR) && OPT("--dmar")) {
			if (file_value(usage, "--dmar", val, &a->dmar))
				return EXIT_USAGE;
		} else if ((allow & CLI_SCHEMA) && !strcmp(s, "--schema")) {
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

int cli_parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || !*s || *end || *s == '-' || v < lo || v > hi)
		return -1;
	*out = (unsigned)v;
	return 0;
}

void cli_emit_line(void *arg, const char *line)
{
	fprintf(arg, "%s\n", line);
}

void cli_print_errors(const struct cfg_ctx *ctx, const char *config)
{
	size_t n = cfg_error_count(ctx), shown = cfg_error_shown(ctx);

	for (size_t i = 0; i < shown; i++)
		fprintf(stderr, "%s\n", cfg_error_text(ctx, i));
	if (n > shown)
		fprintf(stderr, "ptsim: %zu more errors not shown\n", n - shown);
	fprintf(stderr, "ptsim: %zu error%s in %s\n", n, n == 1 ? "" : "s", config);
}

int cli_load(const struct args *a, struct cfg_ctx *ctx, struct scenario *sc)
{
	if (scenario_load(ctx, a->config, a->sets, a->nsets, sc)) {
		cli_print_errors(ctx, a->config);
		return EXIT_USAGE;
	}
	return 0;
}

int cli_load_machine(const char *config, const char *const *sets, size_t nsets,
			struct cfg_ctx *ctx, struct scenario *sc)
{
	if (scenario_load_machine(ctx, config, sets, nsets, sc)) {
		cli_print_errors(ctx, config);
		return EXIT_USAGE;
	}
	return 0;
}


bool cli_is_machine_file(const char *path)
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

int cli_write_results(const char *path, int (*fn)(const struct results *, FILE *),
		     const struct results *r)
{
	int rc = results_write_file(path, fn, r);

	if (rc) {
		fprintf(stderr, "ptsim: cannot write %s: %s\n", path, outfile_strerror(rc));
		return EXIT_FAIL;
	}
	return 0;
}
