/* SPDX-License-Identifier: MIT */
/*
 * `ptsim calibrate`: fit config keys to measured tables (app/calib.h). Discrete parameters are
 * searched by a full grid (up to search.grid_max combinations) or one at a time, continuous ones
 * by GSL's Nelder-Mead simplex (nmsimplex2) in a bounded transform, alternately, for
 * search.rounds rounds or until nothing moves. An evaluation runs every measured point in
 * forked children, -j at a time (app/runpool.h); evaluations are remembered by their values.
 * The objective is the weighted mean of the squared relative errors.
 */
#include "app/calib.h"
#include "app/cli.h"
#include "app/runpool.h"
#include "app/sweep.h"
#include "sim/outfile.h"
#include "sim/results.h"

#include <errno.h>
#include <gsl/gsl_multimin.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char usage_calibrate[] =
    "usage: ptsim calibrate CALIB.yaml [-j N] [--overlay FILE] [--csv FILE]\n"
    "       ptsim calibrate --schema\n"
    "\n"
    "Fit config keys of a base scenario to measured tables (see configs/README.md,\n"
    "\"Calibration files\"): discrete ones by a grid or one at a time, continuous ones by\n"
    "GSL's Nelder-Mead simplex, minimizing the relative error. Prints the fitted values and\n"
    "the residual at every measured point.\n"
    "\n"
    "  -j N            runs at once, each a forked process (default: the usable cores)\n"
    "  --overlay FILE  the fitted values as YAML in the scenario's nesting (default: the\n"
    "                  calibration file's name with .fit.yaml, beside it)\n"
    "  --csv FILE      every measured point: measured, fitted, relative error (default:\n"
    "                  .fit.csv beside it); analysis/calibration.py plots it\n"
    "  --schema        every key of a calibration file: type, range, default, meaning\n"
    "  -h, --help      this text\n";

static volatile sig_atomic_t stop_sig;

static void on_stop(int sig)
{
	if (!stop_sig)
		stop_sig = sig;
}

/* ---- evaluations ---- */

/* A run: the points of one table that share a parameter value (one simulation). */
struct cal_run {
	size_t first; /* its points: pts[first .. first + n) */
	size_t n;
};

struct cal_eval {
	char **vals; /* one text a parameter */
	double *sim; /* a value a point; NAN: the run failed */
	double cost; /* mean squared relative error; INFINITY when a run failed */
};

struct cal {
	const struct calib *c;
	unsigned jobs;
	size_t *pts; /* point indexes, grouped by run */
	struct cal_run *runs;
	size_t nruns;
	struct cal_eval *evals;
	size_t nevals;
	size_t runs_done, failed;
	double best;		 /* the lowest cost so far (NAN: none) */
	const char *missing_key; /* a result key no run has */
	/* the batch being run */
	const size_t *bev; /* job -> evaluation */
	size_t nb_runs;
};

static void group_runs(struct cal *s)
{
	const struct calib *c = s->c;
	bool *taken = calloc(c->npoints, sizeof(*taken));
	size_t k = 0;

	s->pts = malloc(c->npoints * sizeof(*s->pts));
	s->runs = malloc(c->npoints * sizeof(*s->runs));
	if (!taken || !s->pts || !s->runs) {
		free(taken);
		return;
	}
	for (size_t p = 0; p < c->npoints; p++) {
		if (taken[p])
			continue;
		struct cal_run *r = &s->runs[s->nruns++];

		r->first = k;
		r->n = 0;
		for (size_t q = p; q < c->npoints; q++)
			if (!taken[q] && c->points[q].table == c->points[p].table &&
			    !strcmp(c->points[q].param_text, c->points[p].param_text)) {
				taken[q] = true;
				s->pts[k++] = q;
				r->n++;
			}
	}
	free(taken);
}

static struct cal_eval *find_eval(const struct cal *s, const char *const *vals)
{
	for (size_t e = 0; e < s->nevals; e++) {
		size_t i;

		for (i = 0; i < s->c->nparams; i++)
			if (strcmp(s->evals[e].vals[i], vals[i]))
				break;
		if (i == s->c->nparams)
			return &s->evals[e];
	}
	return NULL;
}

static char **pool_sets(void *arg, size_t job, size_t *nsets, uint64_t *seed)
{
	const struct cal *s = arg;
	const struct cal_eval *e = &s->evals[s->bev[job / s->nruns]];
	const struct cal_run *r = &s->runs[job % s->nruns];

	*seed = s->c->seed;
	return calib_point_sets(s->c, s->pts[r->first], (const char *const *)e->vals, nsets);
}

/* Child: the values of the run's result keys, one a line ("-" when a key is absent). */
static char *pool_line(void *arg, size_t job, struct results *res)
{
	const struct cal *s = arg;
	const struct cal_run *r = &s->runs[job % s->nruns];
	size_t cap = r->n * 32 + 1, k = 0;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	for (size_t i = 0; i < r->n; i++) {
		double v;

		if (results_get_double(res, s->c->points[s->pts[r->first + i]].key, &v))
			k += (size_t)snprintf(out + k, cap - k, "%.17g\n", v);
		else
			k += (size_t)snprintf(out + k, cap - k, "-\n");
	}
	return out;
}

static void pool_done(void *arg, size_t job, bool ok, char *out, size_t n, int status)
{
	struct cal *s = arg;
	struct cal_eval *e = &s->evals[s->bev[job / s->nruns]];
	const struct cal_run *r = &s->runs[job % s->nruns];
	char *p = out;

	s->runs_done++;
	if (!ok) {
		const struct calib_point *pt = &s->c->points[s->pts[r->first]];

		if (!s->failed++)
			fprintf(stderr, "ptsim: calibrate: the run of %s=%s failed: %s\n",
				s->c->tables[pt->table].parameter, pt->param_text,
				n		      ? out
				: WIFSIGNALED(status) ? strsignal(WTERMSIG(status))
						      : "no result");
		return;
	}
	for (size_t i = 0; i < r->n; i++) {
		size_t pi = s->pts[r->first + i];
		char *end;

		if (*p == '-') {
			s->missing_key = s->c->points[pi].key;
			p += 2;
			continue;
		}
		e->sim[pi] = strtod(p, &end);
		p = end + (*end == '\n');
	}
}

static double cost_of(const struct calib *c, const double *sim)
{
	double sum = 0, wsum = 0;

	for (size_t p = 0; p < c->npoints; p++) {
		double w = c->tables[c->points[p].table].weight, m = c->points[p].value;

		if (isnan(sim[p]))
			return INFINITY;
		sum += w * (sim[p] - m) / m * (sim[p] - m) / m;
		wsum += w;
	}
	return wsum > 0 ? sum / wsum : 0;
}

/* Evaluate the candidates (nparams texts each) not yet evaluated, all their runs at once.
 * 0, or an exit status. */
static int evaluate(struct cal *s, char ***cands, size_t ncand)
{
	const struct calib *c = s->c;
	size_t *bev = malloc((ncand ? ncand : 1) * sizeof(*bev)), nb = 0;
	size_t *todo = NULL;
	int rc = 0;

	if (!bev)
		return EXIT_FAIL;
	for (size_t k = 0; k < ncand; k++) {
		if (find_eval(s, (const char *const *)cands[k]))
			continue;
		struct cal_eval *g = realloc(s->evals, (s->nevals + 1) * sizeof(*s->evals));

		if (!g) {
			free(bev);
			return EXIT_FAIL;
		}
		s->evals = g;
		struct cal_eval *e = &s->evals[s->nevals];

		e->vals = calloc(c->nparams, sizeof(*e->vals));
		e->sim = malloc(c->npoints * sizeof(*e->sim));
		if (!e->vals || !e->sim) {
			free(bev);
			return EXIT_FAIL;
		}
		for (size_t i = 0; i < c->nparams; i++)
			e->vals[i] = strdup(cands[k][i]);
		for (size_t p = 0; p < c->npoints; p++)
			e->sim[p] = NAN;
		bev[nb++] = s->nevals++;
	}
	if (!nb) {
		free(bev);
		return 0;
	}
	todo = malloc(nb * s->nruns * sizeof(*todo));
	if (!todo) {
		free(bev);
		return EXIT_FAIL;
	}
	for (size_t j = 0; j < nb * s->nruns; j++)
		todo[j] = j;
	s->bev = bev;
	const struct runpool rp = {
	    .scenario = c->scenario,
	    .config_arg = c->scenario_arg,
	    .jobs = s->jobs,
	    .what = "calibrate",
	    .progress = false,
	    .arg = s,
	    .sets = pool_sets,
	    .line = pool_line,
	    .done = pool_done,
	};
	int e = runpool_run(&rp, todo, nb * s->nruns, nb * s->nruns, &stop_sig);

	if (e < 0) {
		fprintf(stderr, "ptsim: calibrate: %s\n", strerror(-e));
		rc = EXIT_FAIL;
	} else if (e) {
		rc = e;
	} else if (stop_sig) {
		rc = stop_sig > 0 ? 128 + stop_sig : EXIT_FAIL;
	} else if (s->missing_key) {
		fprintf(stderr,
			"ptsim: %s: the results have no key '%s' (a key of `ptsim run --json`, "
			"dotted: latency_ns.p50)\n",
			c->path, s->missing_key);
		rc = EXIT_USAGE;
	}
	for (size_t k = 0; k < nb; k++) {
		struct cal_eval *ev = &s->evals[bev[k]];

		ev->cost = cost_of(c, ev->sim);
		/* what the search is doing, as it goes: each better point */
		if (!rc && isfinite(ev->cost) && !(ev->cost >= s->best)) {
			s->best = ev->cost;
			fprintf(stderr,
				"calibrate: evaluation %zu (%zu runs): rms relative error "
				"%.2f %% at",
				bev[k] + 1, s->runs_done, 100 * sqrt(ev->cost));
			for (size_t i = 0; i < c->nparams; i++)
				fprintf(stderr, " %s=%s", c->params[i].key, ev->vals[i]);
			fputc('\n', stderr);
		}
	}
	free(todo);
	free(bev);
	return rc;
}

/* ---- the search ---- */

struct search {
	struct cal *s;
	char vals[16][64]; /* the current values' texts */
	double cost;
	int rc;
	size_t cont[16], ncont; /* continuous parameters */
};

static const char **cur_vals(struct search *x, const char **v)
{
	for (size_t i = 0; i < x->s->c->nparams; i++)
		v[i] = x->vals[i];
	return v;
}

/* Evaluate a set of candidates and move to the best if it is better. */
static int try_candidates(struct search *x, char ***cands, size_t n)
{
	int rc = evaluate(x->s, cands, n);

	if (rc)
		return rc;
	for (size_t k = 0; k < n; k++) {
		const struct cal_eval *e = find_eval(x->s, (const char *const *)cands[k]);

		if (e && e->cost < x->cost) {
			x->cost = e->cost;
			for (size_t i = 0; i < x->s->c->nparams; i++)
				snprintf(x->vals[i], sizeof(x->vals[i]), "%s", e->vals[i]);
		}
	}
	return 0;
}

static char ***alloc_cands(size_t n, size_t np)
{
	char ***c = calloc(n ? n : 1, sizeof(*c));

	for (size_t k = 0; c && k < n; k++) {
		c[k] = calloc(np, sizeof(**c));
		if (!c[k])
			return NULL;
	}
	return c;
}

static void free_cands(char ***c, size_t n, size_t np)
{
	for (size_t k = 0; c && k < n; k++) {
		for (size_t i = 0; c[k] && i < np; i++)
			free(c[k][i]);
		free(c[k]);
	}
	free(c);
}

/* The discrete parameters: a full grid, or each in turn over all its values. */
static int search_discrete(struct search *x)
{
	const struct calib *c = x->s->c;
	double grid = 1;
	size_t nd = 0;

	for (size_t i = 0; i < c->nparams; i++)
		if (c->params[i].discrete)
			grid *= (double)c->params[i].n, nd++;
	if (!nd)
		return 0;
	if (grid <= c->grid_max) {
		size_t n = (size_t)grid;
		char ***cands = alloc_cands(n, c->nparams);

		if (!cands)
			return EXIT_FAIL;
		for (size_t k = 0; k < n; k++) {
			size_t idx = k;

			for (size_t i = c->nparams; i-- > 0;) {
				const struct calib_param *q = &c->params[i];

				if (q->discrete) {
					cands[k][i] = strdup(q->values[idx % q->n]);
					idx /= q->n;
				} else {
					cands[k][i] = strdup(x->vals[i]);
				}
			}
		}
		int rc = try_candidates(x, cands, n);

		free_cands(cands, n, c->nparams);
		return rc;
	}
	for (size_t d = 0; d < c->nparams; d++) {
		const struct calib_param *q = &c->params[d];

		if (!q->discrete)
			continue;
		char ***cands = alloc_cands(q->n, c->nparams);

		if (!cands)
			return EXIT_FAIL;
		for (size_t k = 0; k < q->n; k++)
			for (size_t i = 0; i < c->nparams; i++)
				cands[k][i] = strdup(i == d ? q->values[k] : x->vals[i]);
		int rc = try_candidates(x, cands, q->n);

		free_cands(cands, q->n, c->nparams);
		if (rc)
			return rc;
	}
	return 0;
}

/* Continuous parameters move in an unbounded u: x = lo + (hi - lo) (1 + sin u) / 2. */
static double from_u(const struct calib_param *q, double u)
{
	return q->lo + (q->hi - q->lo) * (1 + sin(u)) / 2;
}

static double to_u(const struct calib_param *q, double v)
{
	double t = 2 * (v - q->lo) / (q->hi - q->lo) - 1;

	return asin(t < -1 ? -1 : t > 1 ? 1 : t);
}

static double nm_f(const gsl_vector *u, void *arg)
{
	struct search *x = arg;
	const struct calib *c = x->s->c;
	char *cand[16];

	if (x->rc)
		return INFINITY;
	for (size_t i = 0; i < c->nparams; i++)
		cand[i] = strdup(x->vals[i]);
	for (size_t k = 0; k < x->ncont; k++) {
		char b[64];

		calib_format(from_u(&c->params[x->cont[k]], gsl_vector_get(u, k)), b, sizeof(b));
		free(cand[x->cont[k]]);
		cand[x->cont[k]] = strdup(b);
	}
	char **cands[1] = {cand};

	x->rc = evaluate(x->s, cands, 1);
	const struct cal_eval *e = find_eval(x->s, (const char *const *)cand);
	double f = e && !x->rc ? e->cost : INFINITY;

	for (size_t i = 0; i < c->nparams; i++)
		free(cand[i]);
	/* the simplex cannot handle infinities: a failed run is a very bad point */
	return isfinite(f) ? f : 1e30;
}

static int search_continuous(struct search *x)
{
	const struct calib *c = x->s->c;

	if (!x->ncont)
		return 0;
	const gsl_multimin_fminimizer_type *T = gsl_multimin_fminimizer_nmsimplex2;
	gsl_multimin_fminimizer *m = gsl_multimin_fminimizer_alloc(T, x->ncont);
	gsl_vector *u = gsl_vector_alloc(x->ncont), *step = gsl_vector_alloc(x->ncont);
	gsl_multimin_function fn = {.f = nm_f, .n = x->ncont, .params = x};
	int rc = 0;

	if (!m || !u || !step) {
		rc = EXIT_FAIL;
		goto out;
	}
	for (size_t k = 0; k < x->ncont; k++) {
		const struct calib_param *q = &c->params[x->cont[k]];
		double v = strtod(x->vals[x->cont[k]], NULL), u0 = to_u(q, v);
		/* the first step in u: the step's share of the half range, at most 1 radian */
		double du = q->step / ((q->hi - q->lo) / 2);

		gsl_vector_set(u, k, u0);
		gsl_vector_set(step, k, du > 1 ? 1 : du);
	}
	gsl_multimin_fminimizer_set(m, &fn, u, step);
	for (unsigned it = 0; it < c->iterations && !x->rc; it++) {
		if (gsl_multimin_fminimizer_iterate(m))
			break;
		if (gsl_multimin_fminimizer_size(m) < c->tolerance)
			break;
	}
	rc = x->rc;
	if (!rc) {
		/* the simplex's best point is an evaluation already made */
		const gsl_vector *b = gsl_multimin_fminimizer_x(m);
		char cand_b[16][64];
		char *cand[16];

		for (size_t i = 0; i < c->nparams; i++) {
			snprintf(cand_b[i], 64, "%s", x->vals[i]);
			cand[i] = cand_b[i];
		}
		for (size_t k = 0; k < x->ncont; k++)
			calib_format(from_u(&c->params[x->cont[k]], gsl_vector_get(b, k)),
				     cand_b[x->cont[k]], 64);
		const struct cal_eval *e = find_eval(x->s, (const char *const *)cand);

		if (e && e->cost < x->cost) {
			x->cost = e->cost;
			for (size_t i = 0; i < c->nparams; i++)
				snprintf(x->vals[i], sizeof(x->vals[i]), "%s", e->vals[i]);
		}
	}
out:
	gsl_vector_free(u);
	gsl_vector_free(step);
	if (m)
		gsl_multimin_fminimizer_free(m);
	return rc;
}

/* ---- outputs ---- */

/* The fitted keys as nested YAML: keys that share a prefix share its mapping. */
static void overlay_yaml(FILE *f, const struct calib *c, const char (*vals)[64])
{
	const char *done[16] = {0};

	for (size_t i = 0; i < c->nparams; i++) {
		const char *k = c->params[i].key;
		size_t indent = 0;

		/* the longest dotted prefix already written by an earlier key */
		size_t common = 0;

		for (size_t j = 0; j < i; j++) {
			const char *o = done[j];
			size_t l = 0, last = 0;

			while (o[l] && o[l] == k[l]) {
				l++;
				if (o[l] == '.' && k[l] == '.')
					last = l + 1;
			}
			if (last > common)
				common = last;
		}
		for (size_t l = 0; l < common; l++)
			indent += k[l] == '.';
		const char *p = k + common;

		for (;;) {
			const char *dot = strchr(p, '.');

			fprintf(f, "%*s%.*s:", (int)(2 * indent), "",
				(int)(dot ? (size_t)(dot - p) : strlen(p)), p);
			if (!dot)
				break;
			fputc('\n', f);
			indent++;
			p = dot + 1;
		}
		fprintf(f, " %s\n", vals[i]);
		done[i] = k;
	}
}

static int write_overlay(const char *path, const struct calib *c, const char (*vals)[64],
			 double cost)
{
	struct outfile *of;
	int rc = outfile_open(path, &of);

	if (!rc) {
		FILE *f = outfile_stream(of);

		fprintf(f, "# ptsim calibrate %s: the fitted values (rms relative error %.2f %%)\n",
			c->path, 100 * sqrt(cost));
		fprintf(f, "# for the scenario %s; the same as --set:\n#  ", c->scenario_arg);
		for (size_t i = 0; i < c->nparams; i++)
			fprintf(f, " --set %s=%s", c->params[i].key, vals[i]);
		fputc('\n', f);
		overlay_yaml(f, c, vals);
		rc = ferror(f) ? -EIO : 0;
		if (rc)
			outfile_discard(of);
		else
			rc = outfile_commit(of);
	}
	if (rc)
		fprintf(stderr, "ptsim: cannot write %s: %s\n", path, outfile_strerror(rc));
	return rc ? EXIT_FAIL : 0;
}

static void csv_text(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static int write_residuals(const char *path, const struct calib *c, const struct cal_eval *e,
			   const struct cal_eval *first)
{
	struct outfile *of;
	int rc = outfile_open(path, &of);

	if (!rc) {
		FILE *f = outfile_stream(of);

		fputs("table,parameter,value,key,measured,fitted,rel_error,first_guess\n", f);
		for (size_t p = 0; p < c->npoints; p++) {
			const struct calib_point *pt = &c->points[p];

			fprintf(f, "%zu,", pt->table);
			csv_text(f, c->tables[pt->table].parameter);
			fputc(',', f);
			csv_text(f, pt->param_text);
			fputc(',', f);
			csv_text(f, pt->key);
			fprintf(f, ",%.10g,%.10g,%.6g,%.10g\n", pt->value, e->sim[p],
				(e->sim[p] - pt->value) / pt->value, first ? first->sim[p] : NAN);
		}
		rc = ferror(f) ? -EIO : 0;
		if (rc)
			outfile_discard(of);
		else
			rc = outfile_commit(of);
	}
	if (rc)
		fprintf(stderr, "ptsim: cannot write %s: %s\n", path, outfile_strerror(rc));
	return rc ? EXIT_FAIL : 0;
}

static void print_fit(const struct calib *c, const struct search *x, const struct cal_eval *e,
		      const struct cal_eval *first, double secs, size_t runs)
{
	printf("%s: %zu measured points, %zu parameters; %zu evaluations (%zu runs) in %.0f s\n",
	       c->path, c->npoints, c->nparams, x->s->nevals, runs, secs);
	printf("fitted values\n");
	for (size_t i = 0; i < c->nparams; i++)
		printf("  %-40s %s\n", c->params[i].key, x->vals[i]);
	printf("rms relative error %.2f %% (first guess: %.2f %%)\n", 100 * sqrt(e->cost),
	       isfinite(first->cost) ? 100 * sqrt(first->cost) : INFINITY);
	printf("residuals\n  %-34s %-18s %12s %12s %8s\n", "point", "key", "measured", "fitted",
	       "error");
	for (size_t p = 0; p < c->npoints; p++) {
		const struct calib_point *pt = &c->points[p];
		char name[256];

		snprintf(name, sizeof(name), "%s=%s", c->tables[pt->table].parameter,
			 pt->param_text);
		printf("  %-34s %-18s %12.5g %12.5g %+7.2f%%\n", name, pt->key, pt->value,
		       e->sim[p], 100 * (e->sim[p] - pt->value) / pt->value);
	}
}

/* ---- the command ---- */

int calib_check(const char *path)
{
	struct calib c;
	int rc = calib_load(&c, path);

	if (rc > 0) {
		cli_print_errors(c.ctx, path);
		rc = EXIT_USAGE;
	} else if (rc < 0) {
		fprintf(stderr, "ptsim: %s: out of memory\n", path);
		rc = EXIT_FAIL;
	} else {
		printf("%s: ok (calibration of '%s': %zu measured points, %zu parameters)\n", path,
		       c.scenario_arg, c.npoints, c.nparams);
	}
	calib_free(&c);
	return rc;
}

static char *beside(const char *path, const char *ext)
{
	char *s = strdup(path), *dot, *sl, *out = NULL;

	if (!s)
		return NULL;
	dot = strrchr(s, '.');
	sl = strrchr(s, '/');
	if (dot && (!sl || dot > sl + 1))
		*dot = 0;
	if (asprintf(&out, "%s%s", s, ext) < 0)
		out = NULL;
	free(s);
	return out;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int cmd_calibrate(int argc, char **argv)
{
	const char *file = NULL, *overlay = NULL, *csv = NULL;
	unsigned jobs = 0;
	bool schema = false;
	struct calib c;
	struct cal s = {0};
	struct search x = {0};
	char *ov = NULL, *cv = NULL;
	int rc;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *val = NULL;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage_calibrate, stdout);
			return 0;
		}
		if (!strcmp(a, "-j") || !strcmp(a, "--overlay") || !strcmp(a, "--csv")) {
			if (i + 1 >= argc)
				return usage_error(usage_calibrate, "%s needs a value", a);
			val = argv[++i];
		} else if (!strncmp(a, "-j", 2) && a[2]) {
			val = a + 2 + (a[2] == '=');
			a = "-j";
		} else if (!strncmp(a, "--overlay=", 10) || !strncmp(a, "--csv=", 6)) {
			val = strchr(a, '=') + 1;
			a = a[2] == 'o' ? "--overlay" : "--csv";
		}
		if (val && !strcmp(a, "-j")) {
			if (cli_parse_uint(val, 1, 4096, &jobs))
				return usage_error(usage_calibrate,
						   "-j wants a number of processes from 1 to "
						   "4096, not '%s'",
						   val);
		} else if (val && (val[0] == '-' && val[1])) {
			return usage_error(usage_calibrate,
					   "an output FILE may not start with '-': '%s'", val);
		} else if (val && !strcmp(a, "--overlay")) {
			overlay = val;
		} else if (val) {
			csv = val;
		} else if (!strcmp(a, "--schema")) {
			schema = true;
		} else if (a[0] == '-' && a[1]) {
			return usage_error(usage_calibrate, "unknown option '%s'", a);
		} else if (!file) {
			file = a;
		} else {
			return usage_error(usage_calibrate, "unexpected argument '%s'", a);
		}
	}
	if (schema) {
		calib_schema_describe(cli_emit_line, stdout);
		return 0;
	}
	if (!file)
		return usage_error(usage_calibrate, "%s", "a CALIB file is required");
	rc = calib_load(&c, file);
	if (rc) {
		if (rc > 0)
			cli_print_errors(c.ctx, file);
		else
			fprintf(stderr, "ptsim: %s: out of memory\n", file);
		calib_free(&c);
		return rc > 0 ? EXIT_USAGE : EXIT_FAIL;
	}
	ov = overlay ? strdup(overlay) : beside(file, ".fit.yaml");
	cv = csv ? strdup(csv) : beside(file, ".fit.csv");
	if (!ov || !cv) {
		rc = EXIT_FAIL;
		goto out;
	}
	if (!strcmp(ov, cv)) {
		rc = usage_error(usage_calibrate, "--overlay and --csv name the same file, %s", ov);
		goto out;
	}
	/* outputs are checked before the runs: a path that cannot be written fails now */
	for (int k = 0; k < 2; k++) {
		struct outfile *of;
		const char *p = k ? cv : ov;
		int e;

		if (outfile_is_stdout(p))
			continue;
		e = outfile_open(p, &of);
		if (e) {
			fprintf(stderr, "ptsim: cannot write %s: %s\n", p, outfile_strerror(e));
			rc = EXIT_FAIL;
			goto out;
		}
		outfile_discard(of);
	}
	s.c = &c;
	s.best = NAN;
	s.jobs = jobs ? jobs : runpool_cores();
	group_runs(&s);
	if (!s.runs) {
		rc = EXIT_FAIL;
		goto out;
	}
	x.s = &s;
	for (size_t i = 0; i < c.nparams; i++) {
		const struct calib_param *q = &c.params[i];

		if (q->discrete)
			snprintf(x.vals[i], sizeof(x.vals[i]), "%s", q->values[q->start]);
		else
			calib_format(q->x0, x.vals[i], sizeof(x.vals[i])), x.cont[x.ncont++] = i;
	}

	struct sigaction sa = {.sa_handler = on_stop}, old[3];
	const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
	double t0 = now_s();

	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
	/* the first guess */
	{
		char *cand[16];
		char **cands[1] = {cand};

		for (size_t i = 0; i < c.nparams; i++)
			cand[i] = x.vals[i];
		rc = evaluate(&s, cands, 1);
		x.cost = s.nevals ? s.evals[0].cost : INFINITY;
		/* a search from a point that does not run would only try every value in vain */
		if (!rc && !isfinite(x.cost)) {
			fprintf(stderr, "ptsim: %s: %zu runs of the first guess failed\n", file,
				s.failed);
			rc = EXIT_FAIL;
		}
	}
	for (unsigned round = 0; !rc && round < c.rounds; round++) {
		char before[16][64];

		memcpy(before, x.vals, sizeof(before));
		rc = search_discrete(&x);
		if (!rc)
			rc = search_continuous(&x);
		if (!memcmp(before, x.vals, sizeof(before)) && round)
			break;
	}
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	if (stop_sig > 0) {
		fprintf(stderr, "ptsim: calibrate interrupted; nothing written\n");
		rc = 128 + stop_sig;
		goto out;
	}
	if (rc)
		goto out;
	const char *v[16];
	const struct cal_eval *best = find_eval(&s, cur_vals(&x, v));

	if (!best || !isfinite(best->cost)) {
		fprintf(stderr,
			"ptsim: %s: no parameter values ran every point (%zu runs failed)\n", file,
			s.failed);
		rc = EXIT_FAIL;
		goto out;
	}
	print_fit(&c, &x, best, &s.evals[0], now_s() - t0, s.runs_done);
	rc = write_overlay(ov, &c, (const char(*)[64])x.vals, best->cost);
	if (!rc)
		rc = write_residuals(cv, &c, best, &s.evals[0]);
	if (!rc && !outfile_is_stdout(ov))
		printf("wrote %s and %s\n", ov, cv);
out:
	for (size_t e = 0; e < s.nevals; e++) {
		for (size_t i = 0; i < c.nparams; i++)
			free(s.evals[e].vals[i]);
		free(s.evals[e].vals);
		free(s.evals[e].sim);
	}
	free(s.evals);
	free(s.pts);
	free(s.runs);
	free(ov);
	free(cv);
	calib_free(&c);
	return rc;
}
