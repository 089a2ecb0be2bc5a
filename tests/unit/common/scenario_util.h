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

/* Load YAML text (plus --set overrides) as a scenario; aborts the test binary on errors. The
 * scenario's strings and lists live in its config context, kept here for as long as the test
 * binary runs (reachable, so not a leak). */
static inline void scenario_from_text(const char *text, const char *const *sets, size_t nsets,
				      struct scenario *sc)
{
	static struct cfg_ctx *contexts[64];
	static size_t ncontexts;
	char path[] = "/tmp/ptsim-test-XXXXXX.yaml";
	int fd = mkstemps(path, 5);
	struct cfg_ctx *ctx;

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		fprintf(stderr, "cannot write %s\n", path);
		exit(1);
	}
	close(fd);
	if (cfg_ctx_create(&ctx) || ncontexts == sizeof(contexts) / sizeof(contexts[0])) {
		fprintf(stderr, "scenario_from_text: no room for another scenario\n");
		exit(1);
	}
	contexts[ncontexts++] = ctx;
	if (scenario_load(ctx, path, sets, nsets, sc)) {
		for (size_t i = 0; i < cfg_error_count(ctx); i++)
			fprintf(stderr, "%s\n", cfg_error_text(ctx, i));
		exit(1);
	}
	unlink(path); /* the context keeps what was read */
}

#endif
