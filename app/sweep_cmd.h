/* SPDX-License-Identifier: MIT */
/* `ptsim sweep`'s options, shared by the command (cmd_sweep.c) and the Slurm scripts it writes
 * (sweep_slurm.c). */
#ifndef PTSIM_APP_SWEEP_CMD_H
#define PTSIM_APP_SWEEP_CMD_H

#include <stdbool.h>
#include <stddef.h>

struct sweep;

/* The command's usage text (cmd_sweep.c). */
extern const char usage_sweep[];

#define MAX_SBATCH 32

struct sweep_opts {
	const char *file, *csv, *json, *slurm_dir, *baseline;
	unsigned jobs, shard_i, shard_n, shards, max_running;
	bool merge, list, schema;
	const char *sbatch[MAX_SBATCH];
	size_t nsbatch;
};

/* --emit-slurm: write o->slurm_dir/sweep.sbatch (a job array, one shard a task), merge.sbatch
 * and submit.sh (the merge chained afterok); 0, or an exit status after a message. */
int sweep_emit_slurm(const struct sweep *sw, const struct sweep_opts *o, const char *csv,
		     const char *json);

#endif
