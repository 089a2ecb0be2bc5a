/* SPDX-License-Identifier: MIT */
/*
 * `ptsim sweep`: run every point of a sweep file in forked children of a process that has
 * loaded the libraries and parsed the base scenario (SimGrid's engine is one per process, and
 * none starts here), resume by the rows already written, run a 1/N shard, merge shards, or
 * write the Slurm scripts that do both. See app/sweep.h for the file and the rows.
 */
#include "app/baseline.h"
#include "app/cli.h"
#include "app/runpool.h"
#include "app/scenario.h"
#include "app/sweep.h"
#include "app/sweep_cmd.h"
#include "sim/config.h"
#include "sim/outfile.h"
#include "sim/results.h"
#include "sim/u64map.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char usage_sweep[] =
    "usage: ptsim sweep SWEEP.yaml [-j N] [--csv FILE] [--json FILE]\n"
    "       ptsim sweep SWEEP.yaml --shard I/N [-j N] [--csv FILE] [--json FILE]\n"
    "       ptsim sweep SWEEP.yaml --merge [--csv FILE] [--json FILE]\n"
    "       ptsim sweep SWEEP.yaml --emit-slurm DIR [--shards N] [--max-running K]\n"
    "                              [--sbatch OPTION ...] [--csv FILE] [--json FILE]\n"
    "       ptsim sweep SWEEP.yaml --list\n"
    "       ptsim sweep --schema\n"
    "\n"
    "Run every point of a sweep file (base scenario, parameters, seeds, kept keys; see\n"
    "configs/README.md) and write one CSV row and one JSON line per run.\n"
    "\n"
    "  -j N              runs at once, each a forked process (default: the usable cores)\n"
    "  --csv FILE        the CSV (default: the sweep file's name with .csv, beside it)\n"
    "  --json FILE       the JSON lines (default: the same with .jsonl); read back to\n"
    "                    resume: runs whose point is already there are skipped\n"
    "  --shard I/N       run only share I of N (0 <= I < N); outputs get .shard-I-of-N\n"
    "                    before their extension\n"
    "  --merge           combine the shard outputs into the CSV and JSON lines a whole\n"
    "                    run writes (fails, writing nothing, if a run is missing)\n"
    "  --emit-slurm DIR  write DIR/sweep.sbatch (a job array, one shard a task),\n"
    "                    DIR/merge.sbatch and DIR/submit.sh (afterok: merge after all)\n"
    "  --shards N        shards of --emit-slurm (default: the runs, at most 32)\n"
    "  --max-running K   array tasks at once (--array=0-(N-1)%K; default N)\n"
    "  --sbatch OPTION   an #SBATCH line for both scripts, e.g. --sbatch=--partition=x\n"
    "  --baseline FILE   a bare-metal run's results JSON: every row gets\n"
    "                    fraction_of_bare_metal.* against it (as ptsim run; not with\n"
    "                    --emit-slurm)\n"
    "  --list            print the runs (index, point, seed, shard of --shards, values)\n"
    "  --schema          every key of a sweep file: type, range, default, meaning\n"
    "  -h, --help        this text\n"
    "\n"
    "Ctrl-C stops the runs, writes the finished rows and exits 130; the same command\n"
    "resumes. Rows are byte-identical however the sweep is split, but for wall_s.\n";

static volatile sig_atomic_t stop_sig;

static void on_stop(int sig)
{
	if (!stop_sig)
		stop_sig = sig;
}

static int parse_opts(int argc, char **argv, struct sweep_opts *o)
{
	for (int i = 0; i < argc; i++) {
		const char *s = argv[i], *val = NULL;

		if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
			fputs(usage_sweep, stdout);
			exit(0);
		}
#define OPT(name)                                                                                  \
	(!strcmp(s, name)                                                                          \
	     ? (i + 1 < argc                                                                       \
		    ? (val = argv[++i], 1)                                                         \
		    : (usage_error(usage_sweep, "%s needs a value", name), exit(EXIT_USAGE), 0))   \
	     : (!strncmp(s, name "=", strlen(name) + 1) ? (val = s + strlen(name) + 1, 1) : 0))
		if (!strncmp(s, "-j", 2) && s[2] && s[2] != '=')
			val = s + 2; /* -j4, as make takes it */
		if (val || OPT("-j") || OPT("--jobs")) {
			if (cli_parse_uint(val, 1, 4096, &o->jobs))
				return usage_error(usage_sweep,
						   "-j wants a number of processes from 1 "
						   "to 4096, not '%s'",
						   val);
		} else if (OPT("--csv")) {
			o->csv = val;
		} else if (OPT("--json")) {
			o->json = val;
		} else if (OPT("--shard")) {
			const char *sl = strchr(val, '/');
			char i_s[32];

			if (!sl || (size_t)(sl - val) >= sizeof(i_s))
				return usage_error(usage_sweep, "--shard wants I/N, not '%s'", val);
			memcpy(i_s, val, (size_t)(sl - val));
			i_s[sl - val] = 0;
			if (cli_parse_uint(sl + 1, 1, 1000000, &o->shard_n) ||
			    cli_parse_uint(i_s, 0, o->shard_n - 1, &o->shard_i))
				return usage_error(usage_sweep,
						   "--shard wants I/N with 0 <= I < N, not '%s'",
						   val);
		} else if (OPT("--baseline")) {
			o->baseline = val;
		} else if (OPT("--emit-slurm")) {
			o->slurm_dir = val;
		} else if (OPT("--shards")) {
			if (cli_parse_uint(val, 1, 1000000, &o->shards))
				return usage_error(usage_sweep,
						   "--shards wants a positive number, "
						   "not '%s'",
						   val);
		} else if (OPT("--max-running")) {
			if (cli_parse_uint(val, 1, 1000000, &o->max_running))
				return usage_error(usage_sweep,
						   "--max-running wants a positive "
						   "number, not '%s'",
						   val);
		} else if (OPT("--sbatch")) {
			if (o->nsbatch == MAX_SBATCH)
				return usage_error(usage_sweep, "too many --sbatch options (%s)",
						   "32 at most");
			if (strchr(val, '\n'))
				return usage_error(usage_sweep, "--sbatch '%s' has a newline", val);
			o->sbatch[o->nsbatch++] = val;
		} else if (!strcmp(s, "--merge")) {
			o->merge = true;
		} else if (!strcmp(s, "--list")) {
			o->list = true;
		} else if (!strcmp(s, "--schema")) {
			o->schema = true;
		} else if (s[0] == '-' && s[1]) {
			return usage_error(usage_sweep, "unknown option '%s'", s);
		} else if (!o->file) {
			o->file = s;
		} else {
			return usage_error(usage_sweep, "unexpected argument '%s'", s);
		}
#undef OPT
	}
	if (o->schema)
		return 0;
	if (!o->file)
		return usage_error(usage_sweep, "%s", "a SWEEP file is required");
	if ((o->merge + !!o->shard_n + !!o->slurm_dir + o->list) > 1)
		return usage_error(usage_sweep, "%s",
				   "--shard, --merge, --emit-slurm and --list go one at a time");
	if (o->baseline && (o->slurm_dir || o->merge))
		return usage_error(usage_sweep, "%s",
				   "--baseline goes with the runs (a local sweep or --shard), not "
				   "--emit-slurm or --merge");
	if ((o->shards || o->max_running || o->nsbatch) && !o->slurm_dir && !o->list)
		return usage_error(usage_sweep, "%s",
				   "--shards, --max-running and --sbatch go with --emit-slurm");
	for (int k = 0; k < 2; k++) {
		const char *p = k ? o->json : o->csv;

		if (p && p[0] == '-' && p[1])
			return usage_error(usage_sweep,
					   "an output FILE may not start with '-': '%s'", p);
	}
	return 0;
}

/* ---- paths ---- */

/* The sweep file's path without its extension (configs/sweeps/modes), malloc'ed. */
static char *stem_of(const char *path)
{
	char *s = strdup(path), *dot = strrchr(s, '.'), *sl = strrchr(s, '/');

	if (dot && (!sl || dot > sl + 1))
		*dot = 0;
	return s;
}

/* path with ".shard-I-of-N" before its extension. */
static char *shard_path(const char *path, unsigned i, unsigned n)
{
	const char *dot = strrchr(path, '.'), *sl = strrchr(path, '/');
	char *out;

	if (!dot || (sl && dot < sl + 1) || dot == path || (sl && dot == sl + 1))
		dot = path + strlen(path);
	if (asprintf(&out, "%.*s.shard-%u-of-%u%s", (int)(dot - path), path, i, n, dot) < 0)
		return NULL;
	return out;
}

/* A file resume can read and a journal can sit beside: not standard output, not a device. */
static bool resumable(const char *path)
{
	struct stat st;

	if (outfile_is_stdout(path))
		return false;
	return stat(path, &st) ? errno == ENOENT : S_ISREG(st.st_mode);
}

/* ---- rows by point ---- */

struct store {
	const struct sweep *sw;
	struct sweep_row *rows; /* by run */
	struct u64map by_hash;	/* point hash -> run */
	size_t have, stray, torn;
};

static uint64_t hash_key(const char *hex)
{
	uint64_t k = strtoull(hex, NULL, 16);

	return k == U64MAP_NONE ? k - 1 : k;
}

static int store_init(struct store *st, const struct sweep *sw)
{
	memset(st, 0, sizeof(*st));
	st->sw = sw;
	st->rows = calloc(sw->nruns ? sw->nruns : 1, sizeof(*st->rows));
	if (!st->rows)
		return -ENOMEM;
	u64map_init(&st->by_hash);
	for (size_t r = 0; r < sw->nruns; r++)
		if (u64map_put(&st->by_hash, hash_key(sw->runs[r].hash), r))
			return -ENOMEM;
	return 0;
}

static void store_free(struct store *st)
{
	if (st->rows)
		for (size_t r = 0; r < st->sw->nruns; r++)
			sweep_row_free(&st->rows[r]);
	free(st->rows);
	u64map_free(&st->by_hash);
}

/* Take a parsed row if its point is one of this sweep's runs (accepted by `want`). */
static bool store_take(struct store *st, struct sweep_row *row, const unsigned *shard)
{
	const char *pt = sweep_row_point(row);
	uint64_t r;

	if (!pt || strlen(pt) != 18 || !u64map_get(&st->by_hash, hash_key(pt + 1), &r) ||
	    strncmp(st->sw->runs[r].hash, pt + 1, 16) || (shard && r % shard[1] != shard[0])) {
		st->stray++;
		return false;
	}
	if (!st->rows[r].line)
		st->have++;
	sweep_row_free(&st->rows[r]);
	st->rows[r] = *row;
	memset(row, 0, sizeof(*row));
	return true;
}

/* Read the rows of a JSON lines file (missing: none). A line that does not parse (the torn
 * end of a killed sweep's journal) is skipped. */
static int store_load(struct store *st, const char *path, const unsigned *shard)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while ((n = getline(&line, &cap, f)) > 0) {
		struct sweep_row row;

		if (line[n - 1] == '\n')
			line[--n] = 0;
		if (!n)
			continue;
		if (sweep_row_parse(line, &row)) {
			st->torn++;
			continue;
		}
		if (!store_take(st, &row, shard))
			sweep_row_free(&row);
	}
	free(line);
	fclose(f);
	return 0;
}

/* ---- writing the outputs ---- */

static int write_one(const char *path, const struct store *st, bool csv)
{
	struct outfile *of;
	int rc = outfile_open(path, &of);

	if (!rc) {
		errno = 0;
		rc = csv ? sweep_write_csv(st->rows, st->sw->nruns, outfile_stream(of))
			 : sweep_write_jsonl(st->rows, st->sw->nruns, outfile_stream(of));
		if (rc) {
			rc = errno ? -errno : rc;
			outfile_discard(of);
		} else {
			rc = outfile_commit(of);
		}
	}
	if (rc)
		fprintf(stderr, "ptsim: cannot write %s: %s\n", path, outfile_strerror(rc));
	return rc ? EXIT_FAIL : 0;
}

static int write_outputs(const char *csv, const char *json, const struct store *st)
{
	int rc = write_one(json, st, false);

	return write_one(csv, st, true) ? EXIT_FAIL : rc;
}

/* ---- the runs ---- */

struct sweep_pool {
	const struct sweep *sw;
	struct store *st;
	int journal;
	size_t *failed;
};

static char **pool_sets(void *arg, size_t run, size_t *nsets, uint64_t *seed)
{
	const struct sweep_pool *sp = arg;

	*seed = sp->sw->runs[run].seed;
	return sweep_point_sets(sp->sw, sp->sw->runs[run].point, nsets);
}

/* --baseline, read once by the parent before the children fork. */
static struct baseline sweep_base;
static bool have_base;

static char *pool_line(void *arg, size_t run, struct results *res)
{
	const struct sweep_pool *sp = arg;

	if (have_base && baseline_apply(&sweep_base, res))
		return NULL;
	return sweep_row_line(sp->sw, &sp->sw->runs[run], res);
}

static void write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w, n -= (size_t)w;
	}
}

/* A run ended: its row goes into the store and to the journal. */
static void pool_done(void *arg, size_t run, bool ok, char *out, size_t n, int status)
{
	const struct sweep_pool *sp = arg;
	const struct sweep_run *r = &sp->sw->runs[run];
	struct sweep_row row;

	if (ok && !sweep_row_parse(out, &row)) {
		if (sp->journal >= 0) {
			out[n] = '\n';
			write_all(sp->journal, out, n + 1);
		}
		store_take(sp->st, &row, NULL);
		return;
	}
	char name[1024];

	sweep_point_name(sp->sw, r->point, name, sizeof(name));
	fprintf(stderr, "ptsim: run %zu (point %s: %s, seed %llu) failed: %s\n", run, r->hash, name,
		(unsigned long long)r->seed,
		n		      ? out
		: WIFSIGNALED(status) ? strsignal(WTERMSIG(status))
				      : "no result");
	(*sp->failed)++;
}

/* The runs in `todo`, -j at a time; rows go into the store and to the journal as they come. */
static int run_all(const struct sweep *sw, struct store *st, const size_t *todo, size_t ntodo,
		   unsigned jobs, int journal, size_t total, size_t *failed)
{
	struct sweep_pool sp = {sw, st, journal, failed};
	const struct runpool rp = {
	    .scenario = sw->scenario,
	    .config_arg = sw->scenario_arg,
	    .jobs = jobs,
	    .what = "sweep",
	    .progress = true,
	    .arg = &sp,
	    .sets = pool_sets,
	    .line = pool_line,
	    .done = pool_done,
	};

	return runpool_run(&rp, todo, ntodo, total, &stop_sig);
}

/* ---- merge ---- */

static int merge(const struct sweep *sw, struct store *st, const char *json)
{
	char *dup = strdup(json), *sl = strrchr(dup, '/'), *dot;
	const char *dir = sl ? (sl == dup ? "/" : dup) : ".", *base = sl ? sl + 1 : dup;
	char prefix[NAME_MAX + 16], ext[NAME_MAX + 1] = "";
	unsigned n = 0, *seen = NULL;
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if (sl)
		*sl = 0;
	dot = strrchr(base, '.');
	if (dot && dot != base) {
		snprintf(ext, sizeof(ext), "%s", dot);
		*dot = 0;
	}
	snprintf(prefix, sizeof(prefix), "%s.shard-", base);
	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "ptsim: cannot read %s: %s\n", dir, strerror(errno));
		free(dup);
		return EXIT_FAIL;
	}
	/* every <stem>.shard-I-of-N<ext> (and its journal) with one N */
	while ((e = readdir(d))) {
		unsigned i, nn;
		int used = 0;
		size_t pl = strlen(prefix), el = strlen(ext), l = strlen(e->d_name);

		if (strncmp(e->d_name, prefix, pl) || l < pl + el ||
		    sscanf(e->d_name + pl, "%u-of-%u%n", &i, &nn, &used) != 2 ||
		    strcmp(e->d_name + pl + used, ext) || !nn || i >= nn)
			continue;
		if (n && nn != n) {
			fprintf(stderr,
				"ptsim: %s has the outputs of %u shards and of %u: remove the "
				"old ones\n",
				dir, n, nn);
			rc = EXIT_FAIL;
			break;
		}
		if (!n) {
			n = nn;
			seen = calloc(n, sizeof(*seen));
			if (!seen) {
				rc = EXIT_FAIL;
				break;
			}
		}
		seen[i] = 1;
	}
	closedir(d);
	if (!rc && !n) {
		fprintf(stderr, "ptsim: no shard outputs %s/%s*-of-*%s to merge\n", dir, prefix,
			ext);
		rc = EXIT_FAIL;
	}
	for (unsigned i = 0; !rc && i < n; i++) {
		char *p = shard_path(json, i, n), *j = NULL;

		if (!p || asprintf(&j, "%s.partial", p) < 0 || store_load(st, p, NULL) ||
		    store_load(st, j, NULL))
			rc = EXIT_FAIL;
		free(p), free(j);
	}
	if (!rc && st->have < sw->nruns) {
		size_t shown = 0;

		fprintf(stderr, "ptsim: cannot merge: %zu of %zu runs have no row",
			sw->nruns - st->have, sw->nruns);
		for (unsigned i = 0; i < n; i++)
			if (!seen[i])
				fprintf(stderr, "%s%u", shown++ ? ", " : " (no output from shard ",
					i);
		fprintf(stderr, "%s\n", shown ? ")" : "");
		for (size_t r = 0, k = 0; r < sw->nruns && k < 5; r++)
			if (!st->rows[r].line) {
				fprintf(stderr, "  run %zu (point %s, seed %llu) of shard %zu/%u\n",
					r, sw->runs[r].hash, (unsigned long long)sw->runs[r].seed,
					r % n, n);
				k++;
			}
		rc = EXIT_FAIL;
	}
	free(seen);
	free(dup);
	return rc;
}

/* ---- the command ---- */

int sweep_check(const char *path)
{
	struct sweep sw;
	int rc = sweep_load(&sw, path, true);

	if (rc > 0) {
		cli_print_errors(sw.ctx, path);
		rc = EXIT_USAGE;
	} else if (rc < 0) {
		fprintf(stderr, "ptsim: %s: out of memory\n", path);
		rc = EXIT_FAIL;
	} else {
		printf("%s: ok (sweep of '%s': %zu points x %u seed%s = %zu runs)\n", path,
		       sw.scenario_arg, sw.npoints, sw.seeds, sw.seeds == 1 ? "" : "s", sw.nruns);
	}
	sweep_free(&sw);
	return rc;
}

static int list_runs(const struct sweep *sw, unsigned shards)
{
	for (size_t r = 0; r < sw->nruns; r++) {
		char name[2048];

		sweep_point_name(sw, sw->runs[r].point, name, sizeof(name));
		printf("%zu %s seed=%llu", r, sw->runs[r].hash,
		       (unsigned long long)sw->runs[r].seed);
		if (shards)
			printf(" shard=%zu", r % shards);
		printf(" %s\n", name);
	}
	return 0;
}

int cmd_sweep(int argc, char **argv)
{
	struct sweep_opts o = {0};
	struct sweep sw;
	struct store st = {0};
	char *stem = NULL, *csv = NULL, *json = NULL, *journal_path = NULL;
	size_t *todo = NULL, ntodo = 0, mine = 0, failed = 0;
	int journal = -1, rc;

	rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc;
	if (o.schema) {
		sweep_schema_describe(cli_emit_line, stdout);
		return 0;
	}
	if (o.baseline) {
		char err[1024];

		if (baseline_load(o.baseline, &sweep_base, err, sizeof(err))) {
			fprintf(stderr, "ptsim: %s\n", err);
			return EXIT_USAGE;
		}
		have_base = true;
	}
	rc = sweep_load(&sw, o.file, true);
	if (rc) {
		if (rc > 0)
			cli_print_errors(sw.ctx, o.file);
		else
			fprintf(stderr, "ptsim: %s: out of memory\n", o.file);
		sweep_free(&sw);
		return rc > 0 ? EXIT_USAGE : EXIT_FAIL;
	}
	if (o.list) {
		rc = list_runs(&sw, o.shards);
		goto out;
	}
	stem = stem_of(o.file);
	if (asprintf(&csv, "%s.csv", stem) < 0 || asprintf(&json, "%s.jsonl", stem) < 0) {
		rc = EXIT_FAIL;
		goto out;
	}
	if (o.csv) {
		free(csv);
		csv = strdup(o.csv);
	}
	if (o.json) {
		free(json);
		json = strdup(o.json);
	}
	if (!csv || !json) {
		rc = EXIT_FAIL;
		goto out;
	}
	if (o.slurm_dir) {
		rc = sweep_emit_slurm(&sw, &o, csv, json);
		goto out;
	}
	if (store_init(&st, &sw)) {
		rc = EXIT_FAIL;
		goto out;
	}
	if (o.merge) {
		rc = merge(&sw, &st, json);
		if (!rc)
			rc = write_outputs(csv, json, &st);
		if (!rc && !outfile_is_stdout(csv) && !outfile_is_stdout(json))
			printf("%s: merged %zu runs into %s and %s\n", o.file, sw.nruns, csv, json);
		goto out;
	}
	if (o.shard_n) {
		char *c = shard_path(csv, o.shard_i, o.shard_n),
		     *j = shard_path(json, o.shard_i, o.shard_n);

		free(csv), free(json);
		csv = c, json = j;
		if (!csv || !json) {
			rc = EXIT_FAIL;
			goto out;
		}
	}
	if (!strcmp(csv, json) || (outfile_is_stdout(csv) && outfile_is_stdout(json))) {
		rc = usage_error(usage_sweep, "--csv and --json name the same file, %s", csv);
		goto out;
	}

	/* what is done already: the JSON lines and the journal of a sweep that was killed */
	if (resumable(json)) {
		const unsigned sh[2] = {o.shard_i, o.shard_n};

		if (asprintf(&journal_path, "%s.partial", json) < 0 ||
		    store_load(&st, json, o.shard_n ? sh : NULL) ||
		    store_load(&st, journal_path, o.shard_n ? sh : NULL)) {
			fprintf(stderr, "ptsim: cannot read %s: %s\n", json, strerror(errno));
			rc = EXIT_FAIL;
			goto out;
		}
		if (st.stray)
			fprintf(stderr,
				"ptsim: %zu rows in %s are not runs of this sweep (it changed?); "
				"they are left out\n",
				st.stray, json);
	}
	todo = malloc((sw.nruns ? sw.nruns : 1) * sizeof(*todo));
	if (!todo) {
		rc = EXIT_FAIL;
		goto out;
	}
	for (size_t r = 0; r < sw.nruns; r++) {
		if (o.shard_n && r % o.shard_n != o.shard_i)
			continue;
		mine++;
		if (!st.rows[r].line)
			todo[ntodo++] = r;
	}
	/* outputs are checked before the runs: a path that cannot be written fails now */
	for (int k = 0; k < 2; k++) {
		struct outfile *of;
		const char *p = k ? json : csv;
		int e;

		if (!resumable(p))
			continue; /* a device or a pipe: opened once, at the end */
		e = outfile_open(p, &of);
		if (e) {
			fprintf(stderr, "ptsim: cannot write %s: %s\n", p, outfile_strerror(e));
			rc = EXIT_FAIL;
			goto out;
		}
		outfile_discard(of);
	}
	if (journal_path && ntodo) {
		journal = open(journal_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (journal < 0) {
			fprintf(stderr, "ptsim: cannot write %s: %s\n", journal_path,
				strerror(errno));
			rc = EXIT_FAIL;
			goto out;
		}
	}

	struct sigaction sa = {.sa_handler = on_stop}, old[3];
	const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};

	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
	if (ntodo)
		rc = run_all(&sw, &st, todo, ntodo, o.jobs ? o.jobs : runpool_cores(), journal,
			     mine, &failed);
	/* the outputs whole, whatever comes now */
	sigset_t block, prev;

	sigemptyset(&block);
	for (int i = 0; i < 3; i++)
		sigaddset(&block, sigs[i]);
	sigprocmask(SIG_BLOCK, &block, &prev);
	if (rc < 0) {
		fprintf(stderr, "ptsim: sweep: %s\n", strerror(-rc));
		rc = EXIT_FAIL;
	}
	/* nothing finished (stopped at once, or every run failed): the outputs stay as they were */
	int wrc = st.have || !mine ? write_outputs(csv, json, &st) : 0;

	if (!wrc && journal >= 0) {
		close(journal);
		journal = -1;
		unlink(journal_path);
	}
	if (!rc)
		rc = wrc;
	size_t done_now = 0;

	for (size_t r = 0; r < sw.nruns; r++)
		if (st.rows[r].line && (!o.shard_n || r % o.shard_n == o.shard_i))
			done_now++;
	if (stop_sig > 0) {
		const char *sig = stop_sig == SIGINT	? "SIGINT"
				  : stop_sig == SIGTERM ? "SIGTERM"
							: "SIGHUP";

		if (done_now)
			fprintf(stderr,
				"ptsim: interrupted (%s); %zu of %zu runs are in %s and %s, "
				"the same command resumes\n",
				sig, done_now, mine, csv, json);
		else
			fprintf(stderr,
				"ptsim: interrupted (%s) before a run finished; nothing "
				"written\n",
				sig);
		rc = 128 + stop_sig;
	} else if (!rc && failed) {
		fprintf(stderr, "ptsim: %zu run%s failed; the others are in %s and %s\n", failed,
			failed == 1 ? "" : "s", csv, json);
		rc = EXIT_FAIL;
	} else if (stop_sig < 0) {
		rc = EXIT_FAIL;
	} else if (!rc && !outfile_is_stdout(csv) && !outfile_is_stdout(json)) {
		printf("%s: %zu runs (%zu done before): %s and %s\n", o.file, mine, mine - ntodo,
		       csv, json);
	}
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	sigprocmask(SIG_SETMASK, &prev, NULL);
out:
	if (journal >= 0)
		close(journal);
	free(todo);
	store_free(&st);
	free(stem), free(csv), free(json), free(journal_path);
	sweep_free(&sw);
	return rc;
}
