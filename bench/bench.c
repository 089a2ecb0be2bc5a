/* SPDX-License-Identifier: MIT */
/*
 * ptsim-bench: speed figures, as ratios that carry from machine to machine. In one process and
 * one run: the raw engine, how many SimGrid sleeps per wall second this machine does (real
 * sleeps: the loop bypasses the engine's elision of unobservable sleeps), then the default
 * scenario: its setup wall time apart, and frames simulated per wall second in the steady
 * state (the measurement window); and their ratio (how many raw sleeps' worth of wall time one
 * simulated frame costs). Then, each run in a forked child of this process (SimGrid allows one
 * simulation per process): engine events per frame with emulated, vtd_posted and halting
 * guests, and dma_bench's reads per wall second (in its window) and events per read.
 *
 * Then the IOMMU figures, from the real mechanism: configs/dma_bench.yaml run by the ptsim
 * binary next to this one (one process per run, as SimGrid allows one platform per process)
 * for windows from 4 KiB to 64 MiB with 4 KiB and 2 MiB pages: the IOTLB hit rate, the mean
 * translation time and DMA read latency with one read in flight, and with 32 in flight the
 * mean translation time (walks queue for the walkers) and the DMA read bandwidth.
 *
 * Between them, whole `ptsim run`s as processes: the default scenario and the cloud host with
 * 8, 16, 32 and 64 VMs of 4 VFs each (configs/scale/), and 64 with 4 times the frames: wall
 * time, engine events per frame, peak RSS and the growth from row to row.
 * `ptsim-bench --scale` prints those rows only.
 */
#include "app/machine.h"
#include "app/scenario.h"
#include "sim/config.h"
#include "sim/engine.h"
#include "sim/results.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RAW_SLEEPS 500000

static struct machine *m;
static double raw_wall, raw_rate;

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Raw engine speed first, alone; then the scenario starts from this actor. */
static void raw_actor(void *arg)
{
	double t0 = now_s();

	(void)arg;
	for (uint64_t i = 1; i <= RAW_SLEEPS; i++)
		sim_sleep_until_real(i);
	raw_wall = now_s() - t0;
	raw_rate = RAW_SLEEPS / raw_wall;
	machine_start(m);
}

/* What a child's run measured. */
struct child_figures {
	int ok;
	uint64_t frames, reads, events;
	double setup_s, window_s;
};

/* Run config with sets in a forked child of this process (before this one starts SimGrid). */
static struct child_figures run_child(const char *config, const char *const *sets, size_t nsets)
{
	struct child_figures f = {0};
	int fd[2], st;
	pid_t pid;

	fflush(stdout);
	if (pipe(fd))
		return f;
	pid = fork();
	if (pid == 0) {
		struct cfg_ctx *ctx;
		struct scenario sc;
		struct results *res;
		struct run_opts o = {.config_path = config};
		struct machine *cm;
		char err[1024];

		close(fd[0]);
		if (cfg_ctx_create(&ctx) || results_create(&res) ||
		    scenario_load(ctx, config, sets, nsets, &sc))
			_exit(1);
		o.seed = sc.seed;
		if (machine_create(&sc, &o, &cm) || machine_start(cm))
			_exit(1);
		if (machine_finish(cm, sim_engine_run(), res, err, sizeof(err)))
			_exit(1);
		results_get_u64(res, "workload.frames_received", &f.frames);
		results_get_u64(res, "workload.reads", &f.reads);
		results_get_u64(res, "window.events", &f.events);
		machine_window_wall(cm, &f.setup_s, &f.window_s);
		f.ok = 1;
		if (write(fd[1], &f, sizeof(f)) != (ssize_t)sizeof(f))
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	if (pid < 0 || read(fd[0], &f, sizeof(f)) != (ssize_t)sizeof(f))
		memset(&f, 0, sizeof(f));
	close(fd[0]);
	if (pid > 0)
		waitpid(pid, &st, 0);
	return f;
}

/* The number after "key": in the JSON text, searched from the object "within" (or the top). */
/* The number at key `within.key` (or top-level `key`) of a results JSON: a key is matched
 * only at its own nesting depth, so "latency_ns" at the top is not "interrupts.latency_ns". */
static const char *json_find(const char *p, const char *key, int want_depth)
{
	size_t kl = strlen(key);
	int depth = 0;

	for (; *p; p++) {
		if (*p == '{') {
			depth++;
		} else if (*p == '}') {
			if (--depth < want_depth)
				return NULL; /* left the object being searched */
		} else if (*p == '"') {
			const char *q = strchr(p + 1, '"');

			if (!q)
				return NULL;
			if (depth == want_depth && (size_t)(q - p - 1) == kl && !strncmp(p + 1, key, kl) &&
			    q[1] == ':')
				return q + 2;
			p = q;
		}
	}
	return NULL;
}

static double json_num(const char *js, const char *within, const char *key)
{
	const char *p = js;

	if (within) {
		p = json_find(js, within, 1);
		if (!p)
			return -1;
		p = json_find(p, key, 1); /* depth counted from inside `within`'s value */
	} else {
		p = json_find(js, key, 1);
	}
	return p ? strtod(p, NULL) : -1;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* One dma_bench run: 0 and the results file's text in *out, or -1. */
static int run_bench(const char *ptsim, const char *config, unsigned window_kib,
		     unsigned page_kib, unsigned outstanding, char **out)
{
	char json[] = "/tmp/ptsim-bench-XXXXXX";
	char w[64], p[64], o[64];
	int fd = mkstemp(json), st;
	pid_t pid;

	if (fd < 0)
		return -1;
	close(fd);
	snprintf(w, sizeof(w), "workload.window_kib=%u", window_kib);
	snprintf(p, sizeof(p), "workload.page_kib=%u", page_kib);
	snprintf(o, sizeof(o), "workload.outstanding=%u", outstanding);
	pid = fork();
	if (pid == 0) {
		execl(ptsim, ptsim, "run", config, "--quiet", "--json", json, "--set", w, "--set",
		      p, "--set", o, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		unlink(json);
		return -1;
	}
	*out = slurp(json);
	unlink(json);
	return *out ? 0 : -1;
}

/* The ptsim binary beside this one. */
static int ptsim_path(char *out, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return -1;
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (!slash)
		return -1;
	*slash = 0;
	snprintf(out, len, "%s/ptsim", exe);
	return 0;
}

/* One whole `ptsim run` as a process, with `sets` (--set arguments, NULL-terminated): its
 * figures and its peak resident set. 0, or -1 if it failed. */
struct run_row {
	double frames, wall, events, win_events, mib;
};

static int run_machine(const char *ptsim, const char *config, const char *const *sets,
		       struct run_row *out)
{
	char json[] = "/tmp/ptsim-bench-XXXXXX";
	int fd = mkstemp(json), st;
	struct rusage ru;
	char *js = NULL;
	pid_t pid;

	if (fd < 0)
		return -1;
	close(fd);
	pid = fork();
	if (pid == 0) {
		const char *argv[512] = {ptsim, "run", config, "--quiet", "--json", json};
		size_t n = 6;

		for (size_t i = 0; sets && sets[i] && n + 3 < 512; i++) {
			argv[n++] = "--set";
			argv[n++] = sets[i];
		}
		argv[n] = NULL;
		execv(ptsim, (char *const *)argv);
		_exit(127);
	}
	if (pid > 0 && wait4(pid, &st, 0, &ru) == pid && WIFEXITED(st) && !WEXITSTATUS(st))
		js = slurp(json);
	unlink(json);
	if (!js)
		return -1;
	out->frames = json_num(js, "workload", "frames_received");
	out->events = json_num(js, NULL, "events");
	out->win_events = json_num(js, "window", "events");
	out->wall = json_num(js, NULL, "wall_s");
	out->mib = (double)ru.ru_maxrss / 1024.0;
	free(js);
	return 0;
}

static void machine_row(const char *ptsim, const char *label, const char *config)
{
	struct run_row r;

	if (run_machine(ptsim, config, NULL, &r)) {
		printf("  %-28s (run failed)\n", label);
		return;
	}
	printf("  %-28s %8.0f %8.3f %12.0f %10.2f %10.1f\n", label, r.frames, r.wall,
	       r.wall > 0 ? r.frames / r.wall : 0, r.frames > 0 ? r.win_events / r.frames : 0,
	       r.mib);
	fflush(stdout);
}

/* The cloud host (configs/machines/cloud-host.yaml) with 8 to 64 VMs, each owning 4 VFs and
 * running a workload of its own (configs/scale/), then 64 VMs with 4 times the frames: wall
 * time, engine events (the run's, setup included, and the measured window's per frame) and
 * peak RSS, and each row's growth over the row before (linear cost: events grow as VMs or
 * frames do, the window's events per frame stay). */
static void scale_table(const char *ptsim)
{
	static const unsigned vms[] = {8, 16, 32, 64};
	static char setbuf[64][48];
	const char *sets[65];
	struct run_row prev = {0}, r;

	printf("\nScale: the cloud host, N VMs x 4 VFs, a workload of its own in each (%s)\n",
	       "configs/scale/<N>vm-4vf.yaml");
	printf("  %-22s %7s %7s %9s %9s %8s  %-7s %6s %7s %7s\n", "VMs", "frames", "wall s",
	       "events", "window", "peak", "growth:", "wall", "events", "window");
	printf("  %-22s %7s %7s %9s %9s %8s  %-7s %6s %7s %7s\n", "", "", "", "", "ev/frame",
	       "MiB", "", "", "", "events");
	for (unsigned i = 0; i <= sizeof(vms) / sizeof(vms[0]); i++) {
		unsigned n = i < 4 ? vms[i] : 64;
		char config[64], label[40];

		snprintf(config, sizeof(config), "configs/scale/%uvm-4vf.yaml", n);
		snprintf(label, sizeof(label), i < 4 ? "%u" : "%u, 4x the frames", n);
		for (unsigned v = 0; v < 64; v++) {
			snprintf(setbuf[v], sizeof(setbuf[v]), "vms.%u.workload.frames=40", v);
			sets[v] = setbuf[v];
		}
		sets[64] = NULL;
		if (run_machine(ptsim, config, i < 4 ? NULL : sets, &r)) {
			printf("  %-22s (run failed)\n", label);
			continue;
		}
		printf("  %-22s %7.0f %7.3f %9.0f %9.2f %8.1f  %-7s", label, r.frames, r.wall,
		       r.events, r.frames > 0 ? r.win_events / r.frames : 0, r.mib, "");
		if (prev.wall > 0)
			printf(" %5.2fx %6.2fx %6.2fx\n", r.wall / prev.wall, r.events / prev.events,
			       r.win_events / prev.win_events);
		else
			printf(" %6s %7s %7s\n", "-", "-", "-");
		fflush(stdout);
		prev = r;
	}
}

static void machine_table(void)
{
	char ptsim[PATH_MAX + 8];

	if (ptsim_path(ptsim, sizeof(ptsim)))
		return;
	printf("\nWhole runs (one process each; wall time from the results, setup included)\n");
	printf("  %-28s %8s %8s %12s %10s %10s\n", "machine", "frames", "wall s", "frames/s",
	       "events/fr", "peak MiB");
	machine_row(ptsim, "default (1 VM, 1 NIC)", "configs/default.yaml");
	machine_row(ptsim, "64 VMs x 4 VFs", "configs/scale/64vm-4vf.yaml");
	scale_table(ptsim);
}

static void iommu_table(void)
{
	static const unsigned windows[] = {4, 16, 64, 256, 1024, 4096, 16384, 65536};
	static const unsigned pages[] = {4, 2048};
	const char *config = "configs/dma_bench.yaml";
	char exe[PATH_MAX], ptsim[PATH_MAX + 8];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return;
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (!slash)
		return;
	*slash = 0;
	snprintf(ptsim, sizeof(ptsim), "%s/ptsim", exe);
	printf("\nIOMMU: random %s DMA reads over a window (%s, one run each)\n",
	       "64 B", config);
	printf("  %-6s %-8s %9s %12s %12s %14s %12s\n", "page", "window", "IOTLB hit",
	       "xlate ns", "read ns", "xlate ns", "DMA Gb/s");
	printf("  %-6s %-8s %9s %12s %12s %14s %12s\n", "", "", "rate", "(1 in flt)",
	       "(1 in flt)", "(32 in flt)", "(32 in flt)");
	for (unsigned pi = 0; pi < 2; pi++) {
		for (unsigned wi = 0; wi < sizeof(windows) / sizeof(windows[0]); wi++) {
			char *one = NULL, *many = NULL, wname[16];

			if (run_bench(ptsim, config, windows[wi], pages[pi], 1, &one) ||
			    run_bench(ptsim, config, windows[wi], pages[pi], 32, &many)) {
				printf("  (dma_bench run failed: window %u KiB, page %u KiB)\n",
				       windows[wi], pages[pi]);
				free(one);
				free(many);
				return;
			}
			if (windows[wi] >= 1024)
				snprintf(wname, sizeof(wname), "%u MiB", windows[wi] / 1024);
			else
				snprintf(wname, sizeof(wname), "%u KiB", windows[wi]);
			double v[5] = {json_num(one, "iotlb", "hit_rate"),
				       json_num(one, "iommu", "translation_ns_mean"),
				       json_num(one, "latency_ns", "mean"),
				       json_num(many, "iommu", "translation_ns_mean"),
				       json_num(many, NULL, "throughput_gbps")};

			for (unsigned k = 0; k < 5; k++)
				if (v[k] < 0) {
					printf("  (a results key the table needs is missing)\n");
					free(one);
					free(many);
					return;
				}
			printf("  %-6s %-8s %9.4f %12.1f %12.1f %14.1f %12.2f\n",
			       pages[pi] == 4 ? "4 KiB" : "2 MiB", wname, v[0], v[1], v[2], v[3], v[4]);
			fflush(stdout);
			free(one);
			free(many);
		}
	}
}

int main(int argc, char **argv)
{
	const char *config = argc > 1 ? argv[1] : "configs/default.yaml";

	if (argc > 1 && !strcmp(argv[1], "--scale")) {
		machine_table(); /* the whole runs and the scale table only */
		return 0;
	}
	struct cfg_ctx *ctx;
	struct scenario sc;
	struct results *res;
	struct run_opts o = {.config_path = config};
	char err[1024];
	uint64_t frames = 0, events = 0;
	double setup_s, window_s;
	static const char *const emulated[] = {"vms.0.interrupt_mode=emulated"};
	static const char *const posted[] = {"vms.0.interrupt_mode=vtd_posted"};
	static const char *const halting[] = {"vms.0.interrupt_mode=emulated",
					      "workload.guest_idle=halt", "vms.0.halt_poll_ns=0"};
	static const char *const dma[] = {"workload.reads=300000"};
	struct child_figures fe, fp, fh, fd;

	/* The children first: this process starts SimGrid for its own run below. */
	fe = run_child(config, emulated, 1);
	fp = run_child(config, posted, 1);
	fh = run_child(config, halting, 3);
	fd = run_child("configs/dma_bench.yaml", dma, 1);

	if (cfg_ctx_create(&ctx) || results_create(&res))
		return 1;
	if (scenario_load(ctx, config, NULL, 0, &sc)) {
		for (size_t i = 0; i < cfg_error_count(ctx); i++)
			fprintf(stderr, "%s\n", cfg_error_text(ctx, i));
		return 2;
	}
	o.seed = sc.seed;
	if (machine_create(&sc, &o, &m)) {
		fprintf(stderr, "ptsim-bench: cannot build the machine\n");
		return 1;
	}
	sim_actor_start("raw-sleeps", raw_actor, NULL, 0);
	int rc = sim_engine_run();

	if (machine_finish(m, rc, res, err, sizeof(err))) {
		fprintf(stderr, "ptsim-bench: %s\n", err);
		return 1;
	}
	results_get_u64(res, "workload.frames_received", &frames);
	results_get_u64(res, "window.events", &events);
	/* setup counts from the scenario's start (after the raw loop), not machine_create */
	machine_window_wall(m, &setup_s, &window_s);
	setup_s -= raw_wall;
	double fps = window_s > 0 ? (double)frames / window_s : 0;

	printf("ptsim-bench (%s)\n", config);
	printf("  raw SimGrid sleeps:            %10.0f /s   (%d sleeps in %.3f s)\n", raw_rate,
	       RAW_SLEEPS, raw_wall);
	printf("  default scenario:              %10.0f frames/s simulated per wall second (steady "
	       "state)\n",
	       fps);
	printf("                                 %10llu frames in %.4f s wall; setup %.4f s wall\n",
	       (unsigned long long)frames, window_s, setup_s);
	printf("  engine events per frame:       %10.2f   (measured window)\n",
	       frames ? (double)events / frames : 0);
	printf("  ratio frames/s : raw sleeps/s: %10.4f   (%.1f raw sleeps of wall time per "
	       "frame)\n",
	       fps / raw_rate, raw_rate / fps);
	printf("  events per frame by guest:     emulated %.2f, vtd_posted %.2f, halting %.2f\n",
	       fe.ok && fe.frames ? (double)fe.events / fe.frames : -1,
	       fp.ok && fp.frames ? (double)fp.events / fp.frames : -1,
	       fh.ok && fh.frames ? (double)fh.events / fh.frames : -1);
	printf("  dma_bench:                     %10.0f reads/s per wall second (window), %.3f "
	       "events/read (%llu reads)\n",
	       fd.ok && fd.window_s > 0 ? (double)fd.reads / fd.window_s : -1,
	       fd.ok && fd.reads ? (double)fd.events / fd.reads : -1,
	       (unsigned long long)fd.reads);
	fflush(stdout);
	if (argc <= 1) {
		machine_table();
		iommu_table();
	}
	_exit(0);
}
