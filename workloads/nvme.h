/* SPDX-License-Identifier: MIT */
/*
 * nvme: a fio-like application in the guest that owns an NVMe controller. `numjobs` jobs each
 * keep `iodepth` requests of `bs` bytes in flight on a hardware queue of their own (job j on
 * queue j modulo the disk's queues), as fio's io_uring/libaio engines do with direct I/O, until
 * each has done `ios` of them: random or sequential offsets in the first `size` bytes of the
 * namespace, reads and writes in the `rwmixread` proportion. All jobs run on the guest's first
 * vCPU; while every job waits for completions the guest halts (or spins, guest_idle busy). A
 * write carries each 512-byte block's LBA stamp; a read checks that the blocks it got carry the
 * stamps of the blocks it asked for. Each request's latency runs from the submission call to
 * its completion in the driver's interrupt (fio's "lat"). The window runs from the first
 * submission to the last completion.
 */
#ifndef PTSIM_WL_NVME_H
#define PTSIM_WL_NVME_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/stats.h"
#include "workloads/stream.h"

struct cfg_schema;
struct gk;
struct wl_nvme;

enum wl_nvme_rw {
	WL_NVME_RANDREAD,
	WL_NVME_RANDWRITE,
	WL_NVME_RANDRW,
	WL_NVME_READ,
	WL_NVME_WRITE,
	WL_NVME_RW
};

struct wl_nvme_cfg {
	int rw;		     /* enum wl_nvme_rw */
	uint32_t rwmixread;  /* percent of reads in randrw and rw */
	uint64_t bs;	     /* bytes per request */
	uint32_t iodepth;    /* requests in flight per job */
	uint32_t numjobs;    /* jobs, each on its own hardware queue (modulo the disk's) */
	uint64_t ios;	     /* requests per job */
	uint64_t size;	     /* the region, bytes from LBA 0 (0: the whole namespace) */
	uint64_t app_cycles; /* the application's work per request (fio's own) */
	enum wl_guest_idle guest_idle;
	bool verify;
};
/* Its knobs (workload.nvme.*): nvme.c. */
extern const struct cfg_schema wl_nvme_cfg_schema;

struct wl_nvme_result {
	bool started, done;
	uint64_t t_start_ps, t_first_ps, t_last_ps;
	uint64_t submitted, completed, reads, writes, read_bytes, write_bytes;
	uint64_t errors;  /* requests the device or the kernel failed */
	uint64_t corrupt; /* reads whose data was not the blocks asked for */
	uint64_t busy;	  /* submissions refused for want of a tag or a mapping, retried */
	struct sim_samples latency_ps, read_latency_ps, write_latency_ps;
};
struct metric_table;
extern const struct metric_table wl_nvme_metrics;

int wl_nvme_create(const struct wl_nvme_cfg *cfg, uint64_t seed, struct wl_nvme **out);
void wl_nvme_destroy(struct wl_nvme *w);
/* The application runs in guest g on its disk of the function at devfn (bus << 8 | devfn).
 * on_start: ready, before the first request; on_done: every request has completed. */
int wl_nvme_bind(struct wl_nvme *w, struct gk *g, uint16_t devfn, const struct wl_hooks *hooks);
struct wl_nvme_result *wl_nvme_result(struct wl_nvme *w);
uint64_t wl_nvme_total(const struct wl_nvme *w);
/* Why the application could not start, or NULL. */
const char *wl_nvme_error(const struct wl_nvme *w);

#endif
