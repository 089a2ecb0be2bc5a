/* SPDX-License-Identifier: MIT */
/*
 * ptsim engine: actors, the integer-picosecond clock, interruptible waits and queues.
 *
 * The only module that talks to SimGrid. Everything else sees uint64_t picoseconds and these
 * functions. Each blocking call here is one SimGrid simcall (about 0.5-6 us of wall time), so
 * models compute latencies arithmetically and call the engine once per simulated operation.
 */
#ifndef PTSIM_SIM_ENGINE_H
#define PTSIM_SIM_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_event;
struct sim_queue;

typedef void (*sim_actor_fn)(void *arg);

/* Actor flags. */
#define SIM_ACTOR_DAEMON 0x1u /* killed when the last non-daemon actor ends */

/* Bring up SimGrid (raw contexts, picosecond precision, one host). Once per process. */
int sim_engine_init(void);

/* Start an actor running fn(arg) at the current simulated time (time 0 before the run). */
int sim_actor_start(const char *name, sim_actor_fn fn, void *arg, unsigned flags);

/* Run until every non-daemon actor has ended. 0 on success, -EDEADLK if actors were left
 * blocked with nothing left to wake them (the report is in sim_deadlock_report()). */
int sim_engine_run(void);

/* What the actors were waiting on when the engine found a deadlock. */
const char *sim_deadlock_report(void);

/* The simulated clock in picoseconds. */
uint64_t sim_now(void);

/* Block the calling actor until absolute time t (no-op when t <= now). */
void sim_sleep_until(uint64_t t_ps);

/* Per-actor user pointer (the vCPU, the device...) for code that needs "current". */
void *sim_self_data(void);
void sim_set_self_data(void *data);
const char *sim_self_name(void);

/* Label shown in the deadlock report while the calling actor is blocked. */
void sim_set_wait_label(const char *label);

/* Engine calls (blocking or waking simcalls) made so far: the `events` figure. */
uint64_t sim_engine_calls(void);

/* The engine's own counters, and their metric table (sim/metrics.h). */
struct sim_engine_stats {
	uint64_t calls;
};
const struct sim_engine_stats *sim_engine_stats(void);
struct metric_table;
extern const struct metric_table sim_engine_metrics;

/*
 * A latched wake-up signal with one waiter: what a vCPU computes against and an interrupt
 * cuts short. signal() before wait() is remembered; several signals before a wait count once.
 */
int sim_event_create(struct sim_event **out);
void sim_event_destroy(struct sim_event *ev);
void sim_event_signal(struct sim_event *ev);
/* Wait until signalled or until deadline_ps; true when signalled (the signal is consumed). */
bool sim_event_wait_until(struct sim_event *ev, uint64_t deadline_ps);
/* Wait with no deadline. */
void sim_event_wait(struct sim_event *ev);
/* True if a signal is latched (does not consume it, no engine call). */
bool sim_event_pending(const struct sim_event *ev);

/* A FIFO of non-NULL pointers between actors, one consumer. */
int sim_queue_create(size_t capacity_hint, struct sim_queue **out);
void sim_queue_destroy(struct sim_queue *q);
int sim_queue_push(struct sim_queue *q, void *item);
/* Pop the oldest item, blocking while empty. */
void *sim_queue_pop(struct sim_queue *q);
/* Pop, or NULL at deadline_ps. */
void *sim_queue_pop_until(struct sim_queue *q, uint64_t deadline_ps);
size_t sim_queue_len(const struct sim_queue *q);

#endif
