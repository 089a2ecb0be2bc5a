/* SPDX-License-Identifier: MIT */
/*
 * Chrome trace-event JSON (opens in Perfetto and chrome://tracing): spans on named tracks,
 * instants, and flow arrows that tie an interrupt's steps together. Off unless --trace is
 * given: every call is a cheap test of `sim_trace` when off.
 */
#ifndef PTSIM_SIM_TRACE_H
#define PTSIM_SIM_TRACE_H

#include <stdbool.h>
#include <stdint.h>

struct trace;

/* The run's trace, or NULL when tracing is off. */
extern struct trace *sim_trace;

/* Open the trace file (sim/outfile.h: whole or not at all); 0 or an outfile_strerror code. */
int trace_open(const char *path, struct trace **out);
/* The file the trace will replace (outfile_target), or NULL: straight through, or no trace. */
const char *trace_target(const struct trace *t);
/* Finish the file and put it in place (commit), or remove it (!commit). */
int trace_close(struct trace *t, bool commit);

/* A track ("vcpu0", "nic0 dma") in a process group ("vm0", "machine"); returns its id. */
int trace_track(struct trace *t, const char *group, const char *name);

/* A complete span [start, end) on a track. args: NULL or a JSON object body ("\"k\":1"). */
void trace_span(struct trace *t, int track, const char *cat, const char *name, uint64_t start_ps,
		uint64_t end_ps, const char *args);
void trace_instant(struct trace *t, int track, const char *cat, const char *name, uint64_t ts_ps,
		   const char *args);
/* Flow arrows: start on one track, steps and end on others, sharing `id`. */
void trace_flow(struct trace *t, int track, const char *name, uint64_t id, uint64_t ts_ps,
		char phase /* 's', 't' or 'f' */);
void trace_counter(struct trace *t, const char *group, const char *name, uint64_t ts_ps,
		   double value);

static inline bool trace_on(void)
{
	return sim_trace != 0;
}

/* Flow ids tie one interrupt's steps together across models: the device takes a new id, sets
 * it as current while it delivers, and whoever receives the delivery notes it. */
uint64_t trace_new_flow(void);
void trace_set_current_flow(uint64_t id);
uint64_t trace_current_flow(void);

#endif
