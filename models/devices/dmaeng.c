/* SPDX-License-Identifier: MIT */
/*
 * dmaeng (see dmaeng.h). Registers are data (sim/regs); the engine is one actor that sleeps
 * once per request, to the time the request can be issued: immediately after the previous
 * one (plus the engine's issue time) while tags are free, else when the earliest outstanding
 * read completes. Each read's timing and translation come from pcie_dma_submit.
 */
#include "models/devices/dmaeng.h"
#include "models/pcie/pcie.h"
#include "models/pcie/pcie_regs.h"
#include "sim/engine.h"
#include "sim/metrics.h"
#include "sim/regs.h"
#include "sim/rng.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TAGS 256

struct dmaeng {
	struct dmaeng_cfg cfg;
	struct pcie_fn *fn;
	struct regs r;
	struct sim_event *go;
	bool started;
	struct dmaeng_stats st;
};

static uint32_t rd(const struct dmaeng *e, uint32_t off)
{
	return (uint32_t)regs_get(&e->r, off, 4);
}

static uint64_t mmio_read(void *ctx, int bar, uint64_t off, unsigned size)
{
	struct dmaeng *e = ctx;

	if (bar != 0 || off >= DMAENG_BAR_SIZE)
		return ~0ull;
	return regs_read(&e->r, (uint32_t)off, size);
}

static void mmio_write(void *ctx, int bar, uint64_t off, unsigned size, uint64_t val)
{
	struct dmaeng *e = ctx;

	if (bar != 0 || off >= DMAENG_BAR_SIZE)
		return;
	regs_write(&e->r, (uint32_t)off, size, val);
	if (off == DMAENG_CTRL && (val & DMAENG_CTRL_START) &&
	    !(rd(e, DMAENG_STATUS) & DMAENG_STATUS_BUSY)) {
		regs_set(&e->r, DMAENG_STATUS, 4, DMAENG_STATUS_BUSY);
		sim_event_signal(e->go);
	}
}

static void flr(void *ctx)
{
	struct dmaeng *e = ctx;

	regs_reset(&e->r);
}

static const struct pcie_fn_ops ops = {mmio_read, mmio_write, NULL, flr};

int dmaeng_create(const struct dmaeng_cfg *cfg, struct pcie_fabric *fab, struct dmaeng **out)
{
	struct dmaeng *e = calloc(1, sizeof(*e));
	struct regs *r;
	int rc;

	if (!e)
		return -ENOMEM;
	e->cfg = *cfg;
	rc = regs_init(&e->r, DMAENG_BAR_SIZE);
	if (!rc)
		rc = sim_event_create(&e->go);
	if (!rc)
		rc = pcie_fn_create(fab, cfg->name, PCIE_FN_ENDPOINT, &e->fn);
	if (rc) {
		dmaeng_destroy(e);
		return rc;
	}
	r = &e->r;
	regs_define(r, DMAENG_CTRL, 4, 0, 0, 0, 0xffffffffu);
	regs_define(r, DMAENG_STATUS, 4, 0, 0, DMAENG_STATUS_DONE, 0);
	regs_define(r, DMAENG_ADDR_LO, 4, 0, 0xffffffffu, 0, 0);
	regs_define(r, DMAENG_ADDR_HI, 4, 0, 0xffffffffu, 0, 0);
	regs_define(r, DMAENG_WINDOW_LO, 4, 0, 0xffffffffu, 0, 0);
	regs_define(r, DMAENG_WINDOW_HI, 4, 0, 0xffffffffu, 0, 0);
	regs_define(r, DMAENG_COUNT, 4, 0, 0xffffffffu, 0, 0);
	regs_define(r, DMAENG_LEN, 4, 64, 0x1fff, 0, 0);
	regs_define(r, DMAENG_TAGS, 4, 1, 0x1ff, 0, 0);
	regs_define(r, DMAENG_SEED, 4, 0, 0xffffffffu, 0, 0);
	regs_define(r, DMAENG_DONE_COUNT, 4, 0, 0, 0, 0);
	regs_define(r, DMAENG_ERRORS, 4, 0, 0, 0, 0);
	regs_define(r, DMAENG_ELAPSED_LO, 4, 0, 0, 0, 0);
	regs_define(r, DMAENG_ELAPSED_HI, 4, 0, 0, 0, 0);
	/* A Xilinx-style test endpoint: one 64-bit BAR, PM and PCIe capabilities. */
	pcie_fn_set_ids(e->fn, 0x10ee, 0x7038, 0x11800000, 0x10ee, 0x0007);
	rc = pcie_fn_add_bar(e->fn, 0, DMAENG_BAR_SIZE, true, false);
	if (rc >= 0)
		rc = pcie_fn_add_cap_pm(e->fn);
	if (rc >= 0)
		rc = pcie_fn_add_cap_exp(e->fn, PCI_EXP_TYPE_ENDPOINT, true);
	if (rc < 0) {
		dmaeng_destroy(e);
		return rc;
	}
	pcie_fn_set_ops(e->fn, &ops, e);
	sim_samples_init(&e->st.latency_ps);
	*out = e;
	return 0;
}

void dmaeng_destroy(struct dmaeng *e)
{
	if (!e)
		return;
	sim_event_destroy(e->go);
	regs_free(&e->r);
	sim_samples_free(&e->st.latency_ps);
	free(e);
}

struct pcie_fn *dmaeng_fn(const struct dmaeng *e)
{
	return e->fn;
}

/* The engine's counters, keys relative to where they are reported (dma_bench: "workload.").
 * Left out: runs (one per benchmark), the first/last times and the latency samples, which the
 * workload reports as its bandwidth and latency. */
#define DMAENG_ROW(field, key, meaning)                                                            \
	{                                                                                          \
		METRIC(struct dmaeng_stats, field, COUNT, key, meaning)                            \
	}
static const struct metric dmaeng_rows[] = {
    DMAENG_ROW(reads, "reads", "DMA reads issued"),
    DMAENG_ROW(errors, "read_errors", "reads that completed with an error"),
    DMAENG_ROW(bytes, "bytes_read", "bytes those reads asked for"),
};
const struct metric_table dmaeng_metrics = METRIC_TABLE(struct dmaeng_stats, dmaeng_rows);

struct dmaeng_stats *dmaeng_stats(struct dmaeng *e)
{
	return &e->st;
}

static void run(struct dmaeng *e)
{
	uint64_t base = rd(e, DMAENG_ADDR_LO) | (uint64_t)rd(e, DMAENG_ADDR_HI) << 32;
	uint64_t window = rd(e, DMAENG_WINDOW_LO) | (uint64_t)rd(e, DMAENG_WINDOW_HI) << 32;
	uint32_t count = rd(e, DMAENG_COUNT), len = rd(e, DMAENG_LEN), tags = rd(e, DMAENG_TAGS);
	uint64_t done_at[MAX_TAGS] = {0}, t = sim_now(), first = t, last = t;
	uint32_t done = 0, errors = 0, inflight = 0;
	struct sim_rng *rng;
	char name[48];

	if (!tags || tags > MAX_TAGS)
		tags = tags ? MAX_TAGS : 1;
	if (!len || (len & (len - 1)) || len > 4096)
		len = 64;
	snprintf(name, sizeof(name), "%s.dma", e->cfg.name);
	if (sim_rng_create(rd(e, DMAENG_SEED), name, &rng))
		return;
	e->st.runs++;
	for (uint32_t i = 0; i < count && window >= len; i++) {
		struct pcie_dma d = {0};
		unsigned slot = 0;

		/* A free tag, or the one whose read completes first. */
		if (inflight == tags) {
			for (unsigned k = 1; k < tags; k++)
				if (done_at[k] < done_at[slot])
					slot = k;
			if (done_at[slot] > t)
				t = done_at[slot];
		} else {
			slot = inflight++;
		}
		sim_sleep_until(t);
		d.addr = base + sim_rng_below(rng, window / len) * len;
		d.len = len;
		d.write = false;
		d.t_issue = t;
		pcie_dma_submit(e->fn, &d);
		if (d.status != PCIE_DMA_OK)
			errors++;
		done_at[slot] = d.t_done;
		if (d.t_done > last)
			last = d.t_done;
		sim_samples_add(&e->st.latency_ps, d.t_done - t);
		e->st.reads++;
		e->st.bytes += len;
		done++;
		t += e->cfg.issue_ps;
	}
	sim_rng_destroy(rng);
	e->st.errors += errors;
	e->st.t_first = first;
	e->st.t_last = last;
	if (last > sim_now())
		sim_sleep_until(last);
	regs_set(&e->r, DMAENG_DONE_COUNT, 4, done);
	regs_set(&e->r, DMAENG_ERRORS, 4, errors);
	regs_set(&e->r, DMAENG_ELAPSED_LO, 4, (uint32_t)((last - first) / 1000));
	regs_set(&e->r, DMAENG_ELAPSED_HI, 4, (uint32_t)(((last - first) / 1000) >> 32));
	regs_set(&e->r, DMAENG_STATUS, 4, DMAENG_STATUS_DONE);
}

static void engine(void *arg)
{
	struct dmaeng *e = arg;

	for (;;) {
		sim_set_wait_label("dma engine start");
		sim_event_wait(e->go);
		if (!pcie_fn_bus_master(e->fn)) {
			regs_set(&e->r, DMAENG_STATUS, 4, DMAENG_STATUS_DONE);
			continue;
		}
		run(e);
	}
}

int dmaeng_start(struct dmaeng *e)
{
	if (e->started)
		return 0;
	e->started = true;
	return sim_actor_start(e->cfg.name, engine, e, SIM_ACTOR_DAEMON);
}
