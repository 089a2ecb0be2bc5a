/* SPDX-License-Identifier: MIT */
/*
 * `ptsim sweep --emit-slurm DIR`: the batch scripts that run a sweep as a Slurm job array, one
 * shard a task, and merge the shards once every task succeeded (--dependency=afterok).
 */
#include "app/cli.h"
#include "app/sweep.h"
#include "app/sweep_cmd.h"
#include "sim/outfile.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- Slurm ---- */

/* A path for a shell script: absolute, single-quoted. */
static char *sh_quote(const char *s)
{
	size_t n = 3;
	char *out, *o;

	for (const char *p = s; *p; p++)
		n += *p == '\'' ? 4 : 1;
	out = o = malloc(n);
	if (!out)
		return NULL;
	*o++ = '\'';
	for (const char *p = s; *p; p++) {
		if (*p == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else {
			*o++ = *p;
		}
	}
	*o++ = '\'';
	*o = 0;
	return out;
}

/* path made absolute (its directory must exist), malloc'ed. */
static char *absolute(const char *path)
{
	char *dup = strdup(path), *sl = strrchr(dup, '/'), *dir, *out = NULL;
	const char *name;

	if (!dup)
		return NULL;
	if (sl) {
		*sl = 0;
		dir = realpath(sl == dup ? "/" : dup, NULL);
		name = sl + 1;
	} else {
		dir = realpath(".", NULL);
		name = dup;
	}
	if (dir && asprintf(&out, "%s/%s", strcmp(dir, "/") ? dir : "", name) < 0)
		out = NULL;
	free(dir);
	free(dup);
	return out;
}

static int write_script(const char *dir, const char *name, const char *text)
{
	char *path;
	struct outfile *of;
	int rc;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return EXIT_FAIL;
	rc = outfile_open(path, &of);
	if (!rc) {
		fputs(text, outfile_stream(of));
		rc = outfile_commit(of);
	}
	if (!rc && chmod(path, 0755))
		rc = -errno;
	if (rc)
		fprintf(stderr, "ptsim: cannot write %s: %s\n", path, outfile_strerror(rc));
	free(path);
	return rc ? EXIT_FAIL : 0;
}

int sweep_emit_slurm(const struct sweep *sw, const struct sweep_opts *o, const char *csv,
		     const char *json)
{
	unsigned n = o->shards ? o->shards : (unsigned)(sw->nruns < 32 ? sw->nruns : 32);
	unsigned k = o->max_running ? o->max_running : n;
	char self[PATH_MAX];
	ssize_t sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *q_exe, *q_sweep, *q_csv, *q_json, *q_dir, *a_sweep, *a_csv, *a_json, *a_dir;
	char *array = NULL, *merge = NULL, *submit = NULL, extra[8192] = "";
	size_t el = 0;
	int rc = EXIT_FAIL;

	if (sl <= 0) {
		fprintf(stderr, "ptsim: cannot find this program's path: %s\n", strerror(errno));
		return EXIT_FAIL;
	}
	self[sl] = 0;
	if (outfile_is_stdout(csv) || outfile_is_stdout(json))
		return usage_error(usage_sweep, "%s", "--emit-slurm writes files; not '-'");
	if (mkdir(o->slurm_dir, 0777) && errno != EEXIST) {
		fprintf(stderr, "ptsim: cannot create %s: %s\n", o->slurm_dir, strerror(errno));
		return EXIT_FAIL;
	}
	a_sweep = realpath(sw->path, NULL);
	a_csv = absolute(csv);
	a_json = absolute(json);
	a_dir = realpath(o->slurm_dir, NULL);
	q_exe = sh_quote(self);
	q_sweep = a_sweep ? sh_quote(a_sweep) : NULL;
	q_csv = a_csv ? sh_quote(a_csv) : NULL;
	q_json = a_json ? sh_quote(a_json) : NULL;
	q_dir = a_dir ? sh_quote(a_dir) : NULL;
	if (!q_exe || !q_sweep || !q_csv || !q_json || !q_dir) {
		fprintf(stderr, "ptsim: cannot resolve the paths of %s and its outputs: %s\n",
			sw->path, strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < o->nsbatch; i++)
		el += (size_t)snprintf(extra + el, el < sizeof(extra) ? sizeof(extra) - el : 0,
				       "#SBATCH %s\n", o->sbatch[i]);
	if (asprintf(&array,
		     "#!/bin/sh\n"
		     "# A job array: task I runs shard I of %u of the sweep %s.\n"
		     "# Written by: ptsim sweep --emit-slurm; submit with submit.sh (which chains\n"
		     "# merge.sbatch after it with --dependency=afterok).\n"
		     "#SBATCH --job-name=ptsim-sweep\n"
		     "#SBATCH --array=0-%u%%%u\n"
		     "#SBATCH --ntasks=1\n"
		     "#SBATCH --output=%s/shard-%%a.out\n"
		     "%s"
		     "exec %s sweep %s -j \"${SLURM_CPUS_PER_TASK:-1}\" \\\n"
		     "     --shard \"$SLURM_ARRAY_TASK_ID/%u\" --csv %s --json %s\n",
		     n, a_sweep, n - 1, k, a_dir, extra, q_exe, q_sweep, n, q_csv, q_json) < 0 ||
	    asprintf(&merge,
		     "#!/bin/sh\n"
		     "# Merge the %u shards of the sweep %s into its CSV and JSON lines.\n"
		     "#SBATCH --job-name=ptsim-merge\n"
		     "#SBATCH --ntasks=1\n"
		     "#SBATCH --output=%s/merge.out\n"
		     "%s"
		     "exec %s sweep %s --merge --csv %s --json %s\n",
		     n, a_sweep, a_dir, extra, q_exe, q_sweep, q_csv, q_json) < 0 ||
	    asprintf(&submit,
		     "#!/bin/sh\n"
		     "# Submit the array, then the merge once every task has succeeded.\n"
		     "set -eu\n"
		     "dir=%s\n"
		     "array=$(sbatch --parsable \"$dir/sweep.sbatch\")\n"
		     "array=${array%%%%;*}\n"
		     "merge=$(sbatch --parsable --dependency=afterok:\"$array\" "
		     "\"$dir/merge.sbatch\")\n"
		     "merge=${merge%%%%;*}\n"
		     "echo \"array job $array (%u tasks), merge job $merge\"\n"
		     "echo \"results: \"%s\" and \"%s\n",
		     q_dir, n, q_csv, q_json) < 0)
		goto out;
	rc = write_script(a_dir, "sweep.sbatch", array);
	if (!rc)
		rc = write_script(a_dir, "merge.sbatch", merge);
	if (!rc)
		rc = write_script(a_dir, "submit.sh", submit);
	if (!rc)
		printf("%s: %zu runs in %u shards (%u at once); submit with %s/submit.sh\n",
		       sw->path, sw->nruns, n, k, a_dir);
out:
	free(array), free(merge), free(submit);
	free(q_exe), free(q_sweep), free(q_csv), free(q_json), free(q_dir);
	free(a_sweep), free(a_csv), free(a_json), free(a_dir);
	return rc;
}
