/* SPDX-License-Identifier: MIT */
/* nvme (see nvme.h): the fio-like application in the guest. */
#include "workloads/nvme.h"
#include "models/guest/kernel/gk.h"
#include "sim/engine.h"
#include "sim/knob.h"
#include "sim/metrics.h"
#include "sim/rng.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECTOR 512u

static const char *const rw_names[] = {"randread", "randwrite", "randrw", "read",
				       "write",	   "rw",	NULL};
static const char *const idle_names[] = {"halt", "busy", NULL};

static const struct cfg_field nvme_fields[] = {
    CFG_ENUM("rw", struct wl_nvme_cfg, rw, rw_names, WL_NVME_RANDREAD,
	     "fio's rw: random or sequential reads, writes or a mix"),
    CFG_U32("rwmixread", struct wl_nvme_cfg, rwmixread, 50, 0, 100, "%",
	    "randrw and rw: the share of reads"),
    CFG_SCALED("bs_kib", struct wl_nvme_cfg, bs, 4, 1, 1024, "KiB", 1024.0,
	       "bytes per request (fio's bs), at most the controller's MDTS"),
    CFG_U32("iodepth", struct wl_nvme_cfg, iodepth, 1, 1, 4096, "requests",
	    "requests each job keeps in flight"),
    CFG_U32("numjobs", struct wl_nvme_cfg, numjobs, 1, 1, 64, "jobs",
	    "jobs, each on its own hardware queue (modulo the disk's queues)"),
    CFG_U64("ios", struct wl_nvme_cfg, ios, 10000, 1, 1e9, "requests", "requests per job"),
    CFG_MIB("size_mib", struct wl_nvme_cfg, size, 0, 0, 1 << 24,
	    "the region the offsets fall in, from LBA 0 (0: the whole namespace)"),
    CFG_U64("app_cycles", struct wl_nvme_cfg, app_cycles, 1000, 0, 1e9, "cycles",
	    "the application's own work per request (fio's submission and reaping)",
	    .source = "estimate"),
    CFG_ENUM("guest_idle", struct wl_nvme_cfg, guest_idle, idle_names, WL_IDLE_HALT,
	     "while every job waits for completions the guest halts (fio sleeping in "
	     "io_getevents) or spins (polling)"),
    CFG_BOOL("verify", struct wl_nvme_cfg, verify, true,
	     "reads check each block's LBA stamp; writes carry them"),
    CFG_END,
};
const struct cfg_schema wl_nvme_cfg_schema = CFG_SCHEMA("nvme", struct wl_nvme_cfg, nvme_fields);

struct slot {
	void *buf;
	bool busy, write;
	uint64_t t_submit, sector;
};

struct job {
	unsigned hctx;
	uint64_t issued, next_seq;
	unsigned inflight;
	struct slot *slots;
	struct sim_rng *rng;
};

struct wl_nvme {
	struct wl_nvme_cfg cfg;
	uint64_t seed;
	struct gk *g;
	uint16_t devfn; /* its bus too on bare metal */
	struct gendisk *disk;
	struct job *jobs;
	uint64_t blocks; /* bs-sized blocks in the region */
	struct wl_hooks hooks;
	const char *err;
	struct wl_nvme_result r;
};

int wl_nvme_create(const struct wl_nvme_cfg *cfg, uint64_t seed, struct wl_nvme **out)
{
	struct wl_nvme *w;

	if (!cfg->bs || cfg->bs % SECTOR || !cfg->iodepth || !cfg->numjobs || !cfg->ios)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->cfg = *cfg;
	w->seed = seed;
	w->jobs = calloc(cfg->numjobs, sizeof(*w->jobs));
	if (!w->jobs) {
		free(w);
		return -ENOMEM;
	}
	for (unsigned j = 0; j < cfg->numjobs; j++) {
		char name[64];
		int rc;

		w->jobs[j].slots = calloc(cfg->iodepth, sizeof(*w->jobs[j].slots));
		snprintf(name, sizeof(name), "workload.nvme.job%u", j);
		rc = w->jobs[j].slots ? sim_rng_create(seed, name, &w->jobs[j].rng) : -ENOMEM;
		if (rc) {
			wl_nvme_destroy(w);
			return rc;
		}
	}
	sim_samples_init(&w->r.latency_ps);
	sim_samples_init(&w->r.read_latency_ps);
	sim_samples_init(&w->r.write_latency_ps);
	*out = w;
	return 0;
}

void wl_nvme_destroy(struct wl_nvme *w)
{
	if (!w)
		return;
	for (unsigned j = 0; j < w->cfg.numjobs; j++) {
		free(w->jobs[j].slots);
		sim_rng_destroy(w->jobs[j].rng);
	}
	free(w->jobs);
	sim_samples_free(&w->r.latency_ps);
	sim_samples_free(&w->r.read_latency_ps);
	sim_samples_free(&w->r.write_latency_ps);
	free(w);
}

struct wl_nvme_result *wl_nvme_result(struct wl_nvme *w)
{
	return &w->r;
}

uint64_t wl_nvme_total(const struct wl_nvme *w)
{
	return w->cfg.ios * w->cfg.numjobs;
}

const char *wl_nvme_error(const struct wl_nvme *w)
{
	return w->err;
}

#define NV_ROW(field, key, meaning)                                                                \
	{                                                                                          \
		METRIC(struct wl_nvme_result, field, COUNT, key, meaning)                          \
	}
static const struct metric nvme_rows[] = {
    NV_ROW(submitted, "ios_submitted", "requests the application submitted"),
    NV_ROW(completed, "ios_completed", "requests completed (successfully or not)"),
    NV_ROW(reads, "reads", "read requests completed"),
    NV_ROW(writes, "writes", "write requests completed"),
    NV_ROW(read_bytes, "read_bytes", "bytes read"),
    NV_ROW(write_bytes, "write_bytes", "bytes written"),
    NV_ROW(errors, "io_errors", "requests that completed with an error"),
    NV_ROW(corrupt, "ios_corrupt", "reads whose blocks did not carry the LBA stamps asked for"),
    NV_ROW(busy, "submit_busy",
	   "submissions refused (no free tag, or a DMA mapping refused), retried after a "
	   "completion"),
    {METRIC_SAMPLED(struct wl_nvme_result, read_latency_ps, "read_latency_ns",
		    "reads: from the submission call to the completion")},
    {METRIC_SAMPLED(struct wl_nvme_result, write_latency_ps, "write_latency_ns",
		    "writes: from the submission call to the completion")},
};
const struct metric_table wl_nvme_metrics = METRIC_TABLE(struct wl_nvme_result, nvme_rows);

/* ---- the application ---- */

static bool verify_read(const struct slot *s, uint64_t bs)
{
	for (uint64_t b = 0; b < bs / SECTOR; b++) {
		uint64_t stamp;

		memcpy(&stamp, (const uint8_t *)s->buf + b * SECTOR, 8);
		if (stamp != s->sector + b)
			return false;
	}
	return true;
}

/* A request ended (the block layer's completion, in the driver's interrupt). */
static void io_done(void *ctx, uint64_t cookie, int status)
{
	struct wl_nvme *w = ctx;
	unsigned j = (unsigned)(cookie >> 32), k = (unsigned)cookie;
	struct job *job;
	struct slot *s;
	uint64_t now = sim_now(), lat;

	if (j >= w->cfg.numjobs || k >= w->cfg.iodepth)
		return;
	job = &w->jobs[j];
	s = &job->slots[k];
	if (!s->busy)
		return;
	s->busy = false;
	job->inflight--;
	lat = now > s->t_submit ? now - s->t_submit : 0;
	w->r.completed++;
	if (status) {
		w->r.errors++;
	} else if (s->write) {
		w->r.writes++;
		w->r.write_bytes += w->cfg.bs;
		sim_samples_add(&w->r.write_latency_ps, lat);
	} else {
		w->r.reads++;
		w->r.read_bytes += w->cfg.bs;
		sim_samples_add(&w->r.read_latency_ps, lat);
		if (w->cfg.verify && !verify_read(s, w->cfg.bs))
			w->r.corrupt++;
	}
	sim_samples_add(&w->r.latency_ps, lat);
	w->r.t_last_ps = now;
	if (w->r.completed == wl_nvme_total(w) && !w->r.done) {
		w->r.done = true;
		if (w->hooks.on_done)
			w->hooks.on_done(w->hooks.ctx);
	}
}

static bool is_write(struct wl_nvme *w, struct job *job)
{
	switch (w->cfg.rw) {
	case WL_NVME_RANDWRITE:
	case WL_NVME_WRITE:
		return true;
	case WL_NVME_RANDRW:
	case WL_NVME_RW:
		return sim_rng_below(job->rng, 100) >= w->cfg.rwmixread;
	default:
		return false;
	}
}

static uint64_t next_block(struct wl_nvme *w, struct job *job, unsigned j)
{
	uint64_t b;

	if (w->cfg.rw == WL_NVME_READ || w->cfg.rw == WL_NVME_WRITE || w->cfg.rw == WL_NVME_RW) {
		/* sequential: each job its own stretch of the region, as fio's offset_increment */
		b = (job->next_seq++ + (w->blocks / w->cfg.numjobs) * j) % w->blocks;
		return b;
	}
	return sim_rng_below(job->rng, w->blocks);
}

/* One more request of job j, if it may; false when it must wait. */
static bool submit_one(struct wl_nvme *w, unsigned j)
{
	struct job *job = &w->jobs[j];
	unsigned k;
	struct slot *s;
	uint64_t sectors = w->cfg.bs / SECTOR;
	int rc;

	for (k = 0; k < w->cfg.iodepth && job->slots[k].busy; k++)
		;
	if (k == w->cfg.iodepth)
		return false;
	s = &job->slots[k];
	s->write = is_write(w, job);
	s->sector = next_block(w, job, j) * sectors;
	if (s->write && w->cfg.verify)
		for (uint64_t b = 0; b < sectors; b++) {
			uint64_t stamp = s->sector + b;

			memcpy((uint8_t *)s->buf + b * SECTOR, &stamp, 8);
		}
	s->t_submit = sim_now();
	s->busy = true; /* before the call: a completion may come at once */
	job->inflight++;
	rc = gk_blk_submit(w->g, w->disk, job->hctx, s->write, s->sector, (unsigned)w->cfg.bs,
			   s->buf, (uint64_t)j << 32 | k);
	if (rc == GK_BLK_BUSY) {
		s->busy = false;
		job->inflight--;
		w->r.busy++;
		return false;
	}
	if (!w->r.submitted)
		w->r.t_first_ps = s->t_submit;
	w->r.submitted++;
	job->issued++;
	if (rc < 0) {
		/* refused outright: its fate is known */
		s->busy = false;
		job->inflight--;
		w->r.completed++;
		w->r.errors++;
		if (w->r.completed == wl_nvme_total(w) && !w->r.done) {
			w->r.done = true;
			w->r.t_last_ps = sim_now();
			if (w->hooks.on_done)
				w->hooks.on_done(w->hooks.ctx);
		}
	}
	if (w->cfg.app_cycles)
		gk_compute(w->g, w->cfg.app_cycles);
	return true;
}

static void app_init(void *ctx, struct gk *g)
{
	struct wl_nvme *w = ctx;
	uint64_t region;

	w->disk = gk_disk_of(g, w->devfn);
	if (!w->disk) {
		w->err = "the guest has no NVMe disk on the device (its driver did not probe)";
		return;
	}
	if (w->cfg.bs > gk_disk_max_bytes(w->disk)) {
		w->err = "bs_kib is above the controller's largest transfer (MDTS)";
		return;
	}
	region = gk_disk_sectors(w->disk) * SECTOR;
	if (w->cfg.size && w->cfg.size < region)
		region = w->cfg.size;
	w->blocks = region / w->cfg.bs;
	if (!w->blocks) {
		w->err = "the region is smaller than one block";
		return;
	}
	for (unsigned j = 0; j < w->cfg.numjobs; j++) {
		w->jobs[j].hctx = j % gk_disk_queues(w->disk);
		for (unsigned k = 0; k < w->cfg.iodepth; k++) {
			w->jobs[j].slots[k].buf = gk_blk_alloc_buf(g, w->cfg.bs);
			if (!w->jobs[j].slots[k].buf) {
				w->err = "the guest ran out of memory for the jobs' buffers";
				return;
			}
		}
	}
	gk_blk_set_done(g, io_done, w);
	w->r.started = true;
	w->r.t_start_ps = sim_now();
	if (w->hooks.on_start)
		w->hooks.on_start(w->hooks.ctx);
	for (;;) {
		bool left = false, any = false;

		for (unsigned j = 0; j < w->cfg.numjobs; j++) {
			struct job *job = &w->jobs[j];

			/* fio's iodepth_batch of 1: one request per job per turn */
			if (job->issued < w->cfg.ios) {
				left = true;
				if (submit_one(w, j))
					any = true;
			}
		}
		if (!left)
			break;
		if (!any)
			gk_blk_wait(g, w->cfg.guest_idle == WL_IDLE_HALT);
	}
	if (w->cfg.guest_idle == WL_IDLE_BUSY)
		while (!w->r.done)
			gk_compute(g, 1000000);
	/* Otherwise return: the kernel's idle loop halts between interrupts. */
}

int wl_nvme_bind(struct wl_nvme *w, struct gk *g, uint16_t devfn, const struct wl_hooks *hooks)
{
	w->g = g;
	w->devfn = devfn;
	w->hooks = *hooks;
	gk_set_init(g, app_init, w);
	return 0;
}
