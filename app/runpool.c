/* SPDX-License-Identifier: MIT */
/* Runs of one base scenario in forked children (app/runpool.h). */
#include "app/runpool.h"
#include "app/cli.h"
#include "app/machine.h"
#include "app/scenario.h"
#include "sim/config.h"
#include "sim/results.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

unsigned runpool_cores(void)
{
	cpu_set_t set;

	if (!sched_getaffinity(0, sizeof(set), &set) && CPU_COUNT(&set) > 0)
		return (unsigned)CPU_COUNT(&set);
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

struct worker {
	pid_t pid;
	int fd;
	size_t job;
	char *out;
	size_t n, cap;
};

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

static void free_sets(char **sets, size_t n)
{
	if (!sets)
		return;
	for (size_t i = 0; i < n; i++)
		free(sets[i]);
	free(sets);
}

/* In the child: bind the job's sets onto the parent's parsed base scenario, run, send the
 * line. */
static void child(const struct runpool *rp, struct cfg_ctx *bctx, struct cfg_node *base, size_t job,
		  int fd)
{
	struct scenario sc;
	struct results *res;
	struct run_opts o = {0};
	char err[2048];
	size_t nsets = 0;
	uint64_t seed = 0;
	char **sets = rp->sets(rp->arg, job, &nsets, &seed);

	if (!sets || results_create(&res)) {
		write_all(fd, "out of memory", 13);
		_exit(EXIT_FAIL);
	}
	if (scenario_load_tree(bctx, &base, (const char *const *)sets, nsets, &sc)) {
		const char *t = cfg_error_shown(bctx) ? cfg_error_text(bctx, 0) : "config error";

		write_all(fd, t, strlen(t));
		_exit(EXIT_USAGE);
	}
	o.config_path = rp->config_arg;
	o.seed = seed;
	if (machine_run(&sc, &o, res, err, sizeof(err))) {
		write_all(fd, err, strlen(err));
		_exit(EXIT_FAIL);
	}
	char *line = rp->line(rp->arg, job, res);

	if (!line) {
		write_all(fd, "out of memory", 13);
		_exit(EXIT_FAIL);
	}
	write_all(fd, line, strlen(line));
	free_sets(sets, nsets);
	/* SimGrid's actors still hold the machine; the process ends here (as `ptsim run`). */
	_exit(0);
}

static int spawn(const struct runpool *rp, struct worker *w, struct cfg_ctx *bctx,
		 struct cfg_node *base, size_t job, const struct worker *all, size_t nall)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	w->pid = fork();
	if (w->pid < 0) {
		close(p[0]), close(p[1]);
		return -errno;
	}
	if (!w->pid) {
		/* its own process group: a terminal's Ctrl-C reaches the parent, which stops
		 * the children; and it ends with the parent */
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		close(p[0]);
		for (size_t i = 0; i < nall; i++)
			if (all[i].pid > 0 && all[i].fd >= 0)
				close(all[i].fd);
		child(rp, bctx, base, job, p[1]);
	}
	close(p[1]);
	w->fd = p[0];
	w->job = job;
	w->n = 0;
	return 0;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void progress(const char *what, size_t done, size_t total, size_t before, double t0,
		     bool last)
{
	double el = now_s() - t0, rate = el > 0 ? (double)(done - before) / el : 0;
	char left[64] = "";

	if (rate > 0 && done < total) {
		double s = (double)(total - done) / rate;

		if (s < 120)
			snprintf(left, sizeof(left), ", about %.0f s left", s);
		else if (s < 7200)
			snprintf(left, sizeof(left), ", about %.0f min left", s / 60);
		else
			snprintf(left, sizeof(left), ", about %.1f h left", s / 3600);
	}
	fprintf(stderr, "\r%s: %zu/%zu runs done, %.2f runs/s%s\033[K%s", what, done, total, rate,
		left, last ? "\n" : "");
}

int runpool_run(const struct runpool *rp, const size_t *todo, size_t ntodo, size_t total,
		volatile sig_atomic_t *stop)
{
	struct cfg_ctx *bctx;
	struct cfg_node *base;
	unsigned jobs = rp->jobs ? rp->jobs : 1;
	struct worker *w = calloc(jobs, sizeof(*w));
	struct pollfd *pf = calloc(jobs, sizeof(*pf));
	size_t next = 0, active = 0, done0 = total - ntodo, ok = 0;
	bool tty = rp->progress && isatty(STDERR_FILENO);
	double t0 = now_s(), shown = 0;
	int rc = 0;

	if (!w || !pf || cfg_ctx_create(&bctx)) {
		free(w), free(pf);
		return -ENOMEM;
	}
	/* the base scenario, parsed once: each child binds its point onto its copy */
	base = cfg_load_file(bctx, rp->scenario);
	if (!base) {
		fprintf(stderr, "ptsim: %s\n", cfg_error_text(bctx, 0));
		cfg_ctx_destroy(bctx);
		free(w), free(pf);
		return EXIT_USAGE;
	}
	for (unsigned i = 0; i < jobs; i++)
		w[i].fd = -1;
	while ((next < ntodo || active) && !*stop) {
		for (unsigned i = 0; i < jobs && next < ntodo && !*stop; i++) {
			if (w[i].fd >= 0)
				continue;
			int e = spawn(rp, &w[i], bctx, base, todo[next], w, jobs);

			if (e) {
				fprintf(stderr, "ptsim: cannot start a run: %s\n", strerror(-e));
				*stop = -1;
				break;
			}
			next++, active++;
		}
		size_t np = 0;

		for (unsigned i = 0; i < jobs; i++) {
			pf[i].fd = w[i].fd; /* negative: poll skips it */
			pf[i].events = POLLIN;
			pf[i].revents = 0;
			np += w[i].fd >= 0;
		}
		if (!np)
			continue;
		if (poll(pf, jobs, 250) < 0 && errno != EINTR) {
			rc = -errno;
			break;
		}
		for (unsigned i = 0; i < jobs; i++) {
			struct worker *x = &w[i];
			char buf[65536];
			ssize_t n;
			int status;

			if (x->fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(x->fd, buf, sizeof(buf));
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (n > 0 || !x->out) {
				/* one spare byte beyond the text for the caller (a newline) */
				if (x->n + (size_t)(n > 0 ? n : 0) + 2 > x->cap) {
					size_t cap = x->cap ? x->cap : 65536;

					while (cap < x->n + (size_t)n + 2)
						cap *= 2;
					char *g = realloc(x->out, cap);

					if (!g) {
						rc = -ENOMEM;
						break;
					}
					x->out = g, x->cap = cap;
				}
				if (n > 0) {
					memcpy(x->out + x->n, buf, (size_t)n);
					x->n += (size_t)n;
				}
				x->out[x->n] = 0;
				if (n > 0)
					continue;
			}
			/* end of the child's output: it has finished */
			close(x->fd);
			x->fd = -1;
			active--;
			while (waitpid(x->pid, &status, 0) < 0 && errno == EINTR)
				;
			x->pid = 0;
			bool good = WIFEXITED(status) && !WEXITSTATUS(status) && x->n;

			if (!good && tty)
				fputs("\r\033[K", stderr);
			ok += good;
			rp->done(rp->arg, x->job, good, x->out, x->n, status);
		}
		if (rc)
			break;
		if (tty && now_s() - shown > 0.5) {
			progress(rp->what, done0 + next - active, total, done0, t0, false);
			shown = now_s();
		}
	}
	/* interrupted: the runs in progress are given up */
	for (unsigned i = 0; i < jobs; i++) {
		if (w[i].pid > 0) {
			kill(w[i].pid, SIGTERM);
			while (waitpid(w[i].pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
		if (w[i].fd >= 0)
			close(w[i].fd);
		free(w[i].out);
	}
	if (tty)
		progress(rp->what, done0 + ok, total, done0, t0, true);
	free(w), free(pf);
	cfg_ctx_destroy(bctx);
	return rc;
}
