/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: the YAML config loader with --set overrides, as every command reads a
 * config (check, run, survey, lspci, acpi).
 *
 * Input: YAML text, then optionally NUL-separated --set assignments ("a.b=1\0vms.0.x=[2]").
 * Each input is loaded as a scenario and as a machine file (the two loaders), and every error
 * must have its text. A crash, a sanitizer report, a leak or a failed oracle (abort) is a
 * finding; its input goes to tests/fuzz/regressions/ and is replayed by every test run. That a
 * config the loader accepts also builds and runs is checked with whole processes
 * (tests/fuzz/check_then_run.py over a corpus): the engine is one per process.
 *
 * Includes resolve in a private directory holding configs/machines/ (as machines/), so seeds
 * such as configs/vtd_units.yaml find their machine file.
 */
#include "app/scenario.h"
#include "sim/config.h"

#include <malloc.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef PTSIM_SOURCE_DIR
#define PTSIM_SOURCE_DIR "."
#endif

#define MAX_FUZZ_SETS 8

static char input_path[4096];
static char dir[64];

static void cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		(void)0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char cmd[8192];

	(void)argc;
	(void)argv;
	/* Keep freed memory in the process: glibc giving the config arena back to the kernel
	 * after every input, and faulting it in again for the next, was a quarter of the
	 * harness's time on the alias-bomb inputs the fuzzer likes. */
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	/* tmpfs when there is one: an input is written for every execution */
	snprintf(dir, sizeof(dir), "%s/ptsim-fuzz-XXXXXX",
		 access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm");
	if (!mkdtemp(dir)) {
		perror("ptsim fuzz: mkdtemp");
		exit(1);
	}
	atexit(cleanup);
	snprintf(cmd, sizeof(cmd), "cp -r '%s/configs/machines' '%s/machines'", PTSIM_SOURCE_DIR,
		 dir);
	if (system(cmd))
		fprintf(stderr, "ptsim fuzz: no machine files for includes\n");
	snprintf(input_path, sizeof(input_path), "%s/input.yaml", dir);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *sets[MAX_FUZZ_SETS];
	size_t nsets = 0, yaml_len = size;
	char *copy;
	FILE *f;

	/* split: YAML, then NUL-separated assignments */
	copy = malloc(size + 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = 0;
	for (size_t i = 0; i < size; i++)
		if (!copy[i]) {
			yaml_len = i;
			break;
		}
	for (size_t i = yaml_len; i < size && nsets < MAX_FUZZ_SETS;) {
		size_t n = strlen(copy + i + 1);

		if (i + 1 <= size && n)
			sets[nsets++] = copy + i + 1;
		i += n + 1;
	}
	f = fopen(input_path, "wb");
	if (!f || fwrite(copy, 1, yaml_len, f) != yaml_len || fclose(f)) {
		perror("ptsim fuzz: input file");
		exit(1);
	}

	for (int machine = 0; machine < 2; machine++) {
		struct cfg_ctx *ctx;
		struct scenario sc;
		int rc;

		if (cfg_ctx_create(&ctx))
			break;
		rc = machine ? scenario_load_machine(ctx, input_path, sets, nsets, &sc)
			     : scenario_load(ctx, input_path, sets, nsets, &sc);
		/* every error has its text (what check prints) */
		if (cfg_error_shown(ctx) > cfg_error_count(ctx) || (rc && !cfg_error_shown(ctx)))
			abort();
		for (size_t i = 0; i < cfg_error_shown(ctx); i++)
			if (!cfg_error_text(ctx, i) || !*cfg_error_text(ctx, i))
				abort();
		cfg_ctx_destroy(ctx);
	}
	free(copy);
	return 0;
}
