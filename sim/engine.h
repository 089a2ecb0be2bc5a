/* SPDX-License-Identifier: MIT */
/*
 * ptsim engine: actors, the integer-picosecond clock, interruptible waits and queues.
 *
 * The only module that talks to SimGrid. Everything else sees uint64_t picoseconds and these
 * functions. A SimGrid simcall costs about 0.5-6 us of wall time, so models compute latencies
 * arithmetically and call the engine once per simulated operation.
 *
 * Sleeps nobody can observe cost no engine call (DESIGN.md, "Time and the engine"). Each actor
 * has its own clock, and sim_now() reads the caller's. When an actor's sleep or timed wait
 * would end strictly before every other actor's next deadline -- an actor that is ready to run,
 * just started or just signalled counts as "now", one blocked on a signal as never -- nobody
 * can run, signal or look before it ends, so the engine moves that actor's clock forward and
 * returns without calling SimGrid (a timed wait so elided times out: nobody is left to signal
 * it). SimGrid's clock then lags behind the actor's. An actor it wakes (a signal, or a push
 * that releases a blocked consumer) or starts takes its clock: SimGrid runs the two in the
 * order it would have at that clock, and nobody else can run before it. Writing shared state
 * needs no catching up either: every other actor reads it only when it next runs, which is at
 * a time after the writer's clock. Nor does ending (nobody can run before the clock it ended
 * at). Real blocking calls made while ahead need none: their deadlines are absolute (SimGrid's
 * clock counts picoseconds, so every date is exact), and nobody wakes before the actor's clock
 * -- with one exception: SimGrid wakes actors whose timers end at one date in the order the
 * timers were inserted, round by round (a round is every actor run at one SimGrid time) and, in
 * a round, the last to block first. An actor ahead blocks in SimGrid's current round instead of
 * the round of its clock. Among actors that blocked there at one clock the order is the one
 * that round would have had; so when one that blocked there at another clock wakes at the same
 * date, the actor catches SimGrid up first with one real sleep to its clock, and it wakes
 * another without catching up only when nobody blocked in the round at another clock. At one
 * instant SimGrid alone orders actors: a sleep ending at the same time as another actor's
 * deadline is never elided.
 *
 * A woken actor runs before its waker comes back from the signal, so a sleep it starts then
 * cannot be elided: the waker is ready to run. When the waker is the only other actor ready,
 * the sleeper yields to it instead (a SimGrid yield costs a fraction of a sleep that moves
 * SimGrid's clock), counted as blocked until its sleep ends, and decides again when SimGrid
 * returns to it -- usually the waker has blocked until later, and the sleep is elided. The
 * waker does what it would with the sleeper asleep; only the sleeper's SimGrid timer would move
 * after the waker's, which matters if the waker blocks until the same date: then it yields too,
 * and blocks after the sleeper. An actor whose yields keep costing a call (it sleeps for real,
 * or catches up, after all) tries again less and less often.
 *
 * The order of everything the models do, and every timestamp, is therefore the same as with
 * one SimGrid call per sleep; only `events` (the count of SimGrid calls) differs.
 */
#ifndef PTSIM_SIM_ENGINE_H
#define PTSIM_SIM_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_event;
struct sim_queue;
struct sim_timer;

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

/* The calling actor's simulated clock in picoseconds (outside actors: the engine's). */
uint64_t sim_now(void);

/* Block the calling actor until absolute time t (no-op when t <= now; no engine call when no
 * other actor can run before t). */
void sim_sleep_until(uint64_t t_ps);

/* The same, always one SimGrid sleep: for measuring the engine itself (ptsim-bench). */
void sim_sleep_until_real(uint64_t t_ps);

/* Elide unobservable sleeps (the default) or make every sleep a SimGrid call: for tests that
 * compare the two. Set it before the run. */
void sim_engine_set_elision(bool on);

/* Per-actor user pointer (the vCPU, the device...) for code that needs "current". */
void *sim_self_data(void);
void sim_set_self_data(void *data);
const char *sim_self_name(void);

/* Label shown in the deadlock report while the calling actor is blocked. */
void sim_set_wait_label(const char *label);

/* Engine calls (blocking or waking simcalls) made so far: the `events` figure. */
uint64_t sim_engine_calls(void);

/* SimGrid's own clock in picoseconds: behind the actors' clocks while they are ahead (tests). */
uint64_t sim_engine_simgrid_now(void);

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

/*
 * A timer: fn(arg) runs at the times asked of it, and does what is due by sim_now() (it must
 * not block, and running it with nothing due must change nothing); it returns when it is next
 * due (UINT64_MAX: nothing pending). What an actor of its own would do -- the root complex's
 * interrupt messages in flight -- without the two engine calls per wake-up such an actor costs.
 *
 * The actor that asks for a time t (sim_timer_at) carries the timer: on its way past t, in a
 * sleep or wait that would end later, it stops at t and runs fn, as the timer's own actor
 * (sim_self_data() and sim_self_name() are the timer's). A wait cut short by a signal before t
 * keeps carrying it. When it cannot carry -- it carries another timer, someone else carries
 * this one, t is now, or the timer's own actor is waiting for a time -- the timer's actor is
 * woken and waits until t itself; an actor that ends hands what it carries to that actor. The
 * same happens with and without elision: a carried timer's time is one more sleep, elided when
 * nobody else can run before it.
 */
typedef uint64_t (*sim_timer_fn)(void *arg);
int sim_timer_create(const char *name, sim_timer_fn fn, void *arg, struct sim_timer **out);
/* Start its actor (a daemon): once, like sim_actor_start. */
int sim_timer_start(struct sim_timer *tm);
void sim_timer_destroy(struct sim_timer *tm);
/* Make sure fn runs at t (it may also run before; t >= sim_now()). */
void sim_timer_at(struct sim_timer *tm, uint64_t t);

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
