/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: the sweep-file loader (app/sweep.c) and the row reader that resuming
 * trusts with what an earlier, perhaps killed, run left on disk.
 *
 * Input: a sweep file's YAML, then optionally a NUL and JSON lines (an OUT.jsonl or
 * OUT.jsonl.partial). The sweep file sits in a private copy of configs/sweeps/, so its
 * `scenario: ../default.yaml` finds the shipped scenarios. It is loaded with every point
 * checked as a scenario (what `ptsim check SWEEP.yaml` and `ptsim sweep` do before running);
 * every error must have its text. Each line after the NUL is parsed as a row; a parsed row
 * must have as many keys as values. The same input is loaded as a calibration file too
 * (app/calib.c), with what follows the NUL as the table `input.csv` beside it. A crash, a
 * sanitizer report, a leak or an abort is a finding: its input goes to
 * tests/fuzz/regressions/ and is replayed by every build.
 */
#include "app/calib.h"
#include "app/sweep.h"
#include "sim/config.h"

#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef PTSIM_SOURCE_DIR
#define PTSIM_SOURCE_DIR "."
#endif

static char input_path[4096], table_path[4096];
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
	snprintf(dir, sizeof(dir), "%s/ptsim-fuzz-sweep-XXXXXX",
		 access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm");
	if (!mkdtemp(dir)) {
		perror("ptsim fuzz: mkdtemp");
		exit(1);
	}
	atexit(cleanup);
	/* the scenarios a sweep may name, without the outputs of earlier sweeps */
	snprintf(cmd, sizeof(cmd),
		 "cp -r '%s/configs' '%s/configs' && rm -f '%s'/configs/sweeps/*.csv "
		 "'%s'/configs/sweeps/*.jsonl*",
		 PTSIM_SOURCE_DIR, dir, dir, dir);
	if (system(cmd))
		fprintf(stderr, "ptsim fuzz: no configs to sweep over\n");
	snprintf(input_path, sizeof(input_path), "%s/configs/sweeps/input.yaml", dir);
	snprintf(table_path, sizeof(table_path), "%s/configs/sweeps/input.csv", dir);
	return 0;
}

static void rows(const char *text)
{
	char *copy = strdup(text), *save = NULL;

	if (!copy)
		return;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct sweep_row row;

		if (sweep_row_parse(line, &row))
			continue; /* not a row: resume ignores it */
		for (size_t i = 0; i < row.n; i++)
			if (!row.keys[i] || !row.vals[i])
				abort();
		(void)sweep_row_point(&row);
		sweep_row_free(&row);
	}
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sweep sw;
	size_t yaml_len = size;
	char *copy;
	FILE *f;
	int rc;

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
	f = fopen(input_path, "wb");
	if (!f || fwrite(copy, 1, yaml_len, f) != yaml_len || fclose(f)) {
		perror("ptsim fuzz: input file");
		exit(1);
	}
	memset(&sw, 0, sizeof(sw));
	rc = sweep_load(&sw, input_path, true);
	if (sw.ctx) {
		/* every error has its text (what check prints) */
		if (rc && !cfg_error_shown(sw.ctx))
			abort();
		for (size_t i = 0; i < cfg_error_shown(sw.ctx); i++)
			if (!cfg_error_text(sw.ctx, i) || !*cfg_error_text(sw.ctx, i))
				abort();
	}
	sweep_free(&sw);
	if (yaml_len < size)
		rows(copy + yaml_len + 1);

	/* as a calibration file, the rest as its table */
	struct calib c;

	f = fopen(table_path, "wb");
	if (!f ||
	    (yaml_len < size &&
	     fwrite(copy + yaml_len + 1, 1, size - yaml_len - 1, f) != size - yaml_len - 1) ||
	    fclose(f)) {
		perror("ptsim fuzz: table file");
		exit(1);
	}
	rc = calib_load(&c, input_path);
	if (c.ctx) {
		if (rc > 0 && !cfg_error_shown(c.ctx))
			abort();
		for (size_t i = 0; i < cfg_error_shown(c.ctx); i++)
			if (!cfg_error_text(c.ctx, i) || !*cfg_error_text(c.ctx, i))
				abort();
	}
	calib_free(&c);
	free(copy);
	return 0;
}
