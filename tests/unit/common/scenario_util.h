/* SPDX-License-Identifier: MIT */
/* For tests that boot a whole machine: a small scenario loaded from YAML text. */
#ifndef PTSIM_TEST_SCENARIO_UTIL_H
#define PTSIM_TEST_SCENARIO_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/scenario.h"
#include "sim/config.h"

/* A machine with one root port, one ptnic below it, and vm0 (64 MiB) owning the NIC. */
static const char scenario_small[] =
	"name: test\n"
	"machine:\n"
	"  cpu: {pcpus: 2}\n"
	"  memory: {size_mib: 512}\n"
	"  pcie:\n"
	"    devices:\n"
	"      - name: rp0\n"
	"        type: root_port\n"
	"        slot: 1\n"
	"        below:\n"
	"          - {name: nic0, type: ptnic}\n"
	"host: {flr_wait_us: 100}\n"
	"vms:\n"
	"  - name: vm0\n"
	"    memory_mib: 64\n"
	"    devices: [nic0]\n"
	"workload: {device: nic0, frames: 100}\n"
	"run: {max_sim_ms: 1000}\n";

/* A scenario's strings live in the config context it was loaded with, which must outlive
 * every machine built from it: the contexts stay here and are freed at exit. */
static struct cfg_ctx *scenario_ctxs[64];
static unsigned scenario_nctxs;

static inline void scenario_ctxs_free(void)
{
	while (scenario_nctxs)
		cfg_ctx_destroy(scenario_ctxs[--scenario_nctxs]);
}

/* Load YAML text (plus --set overrides) as a scenario; aborts the test binary on errors. */
static inline void scenario_from_text(const char *text, const char *const *sets, size_t nsets,
				      struct scenario *sc)
{
	char path[] = "/tmp/ptsim-test-XXXXXX.yaml";
	int fd = mkstemps(path, 5);
	struct cfg_ctx *ctx;

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		fprintf(stderr, "cannot write %s\n", path);
		exit(1);
	}
	close(fd);
	if (scenario_nctxs == sizeof(scenario_ctxs) / sizeof(scenario_ctxs[0]) ||
	    cfg_ctx_create(&ctx)) {
		fprintf(stderr, "scenario_from_text: no room for another scenario\n");
		exit(1);
	}
	if (!scenario_nctxs)
		atexit(scenario_ctxs_free);
	scenario_ctxs[scenario_nctxs++] = ctx;
	if (scenario_load(ctx, path, sets, nsets, sc)) {
		for (size_t i = 0; i < cfg_error_count(ctx); i++)
			fprintf(stderr, "%s\n", cfg_error_text(ctx, i));
		exit(1);
	}
	unlink(path); /* the context keeps what was read */
}

#endif
