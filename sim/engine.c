/* SPDX-License-Identifier: MIT */
/*
 * ptsim engine over SimGrid 3.32's C API (platform and deadlock hook in engine_s4u.cpp).
 *
 * Time is kept by SimGrid as double seconds; here it becomes integer picoseconds. Sleeps go to
 * absolute times so repeated waits do not drift (DESIGN.md, "Time and the engine").
 */
#include "engine.h"
#include "engine_s4u.h"
#include "metrics.h"
#include "outfile.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <simgrid/semaphore.h>

#define PS_PER_S 1e12

/* Our record of each actor: what it runs and what it waits on, for the deadlock report. */
struct sim_actor {
	char name[48];
	sim_actor_fn fn;
	void *arg;
	void *user_data;
	const char *wait_label;
	bool blocked;
	bool finished;
	bool daemon;
	struct sim_actor *next;
};

static struct {
	bool initialised;
	sg_host_t host;
	struct sim_actor *actors;
	struct sim_engine_stats st;
	char report[2048];
} eng;

struct sim_event {
	sg_sem_t sem;
	bool latched; /* a signal is pending */
	bool waiting; /* the waiter is blocked in the semaphore */
};

struct sim_queue {
	void **items;
	size_t cap, head, len;
	struct sim_event *nonempty;
};

int sim_engine_init(void)
{
	if (eng.initialised)
		return -EALREADY;
	if (sim_s4u_setup() != 0)
		return -EIO;
	/* SimGrid's engine takes SIGINT (it prints every actor's state and exits 1): an
	 * interrupted run must remove its unfinished output files instead */
	if (outfile_signals_caught())
		outfile_catch_signals();
	eng.host = sg_host_by_name("machine");
	if (!eng.host)
		return -EIO;
	eng.initialised = true;
	return 0;
}

static struct sim_actor *self_rec(void)
{
	return sg_actor_self_get_data();
}

static void actor_trampoline(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct sim_actor *a = self_rec();

	if (a->daemon)
		sg_actor_daemonize(sg_actor_self());
	a->fn(a->arg);
	a->finished = true;
}

int sim_actor_start(const char *name, sim_actor_fn fn, void *arg, unsigned flags)
{
	struct sim_actor *a;
	sg_actor_t sa;

	if (!eng.initialised || !fn)
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->fn = fn;
	a->arg = arg;
	a->daemon = flags & SIM_ACTOR_DAEMON;
	a->next = eng.actors;
	eng.actors = a;

	sa = sg_actor_init(a->name, eng.host);
	sg_actor_set_data(sa, a);
	sg_actor_start(sa, actor_trampoline, 0, NULL);
	return 0;
}

int sim_engine_run(void)
{
	const struct sim_actor *a;
	size_t n = 0;
	int blocked_live = 0;

	simgrid_run();
	if (!sim_s4u_deadlocked())
		return 0;

	n = (size_t)snprintf(eng.report, sizeof(eng.report),
			     "simulation deadlocked at t=%.3f us: no actor can run and nothing is "
			     "scheduled to wake one.\nblocked actors:",
			     (double)sim_now() / 1e6);
	for (a = eng.actors; a; a = a->next) {
		if (a->finished || !a->blocked)
			continue;
		blocked_live++;
		if (n < sizeof(eng.report))
			n += (size_t)snprintf(eng.report + n, sizeof(eng.report) - n,
					      "\n  %s%s: waiting on %s", a->name,
					      a->daemon ? " (daemon)" : "",
					      a->wait_label ? a->wait_label : "(unlabelled wait)");
	}
	if (!blocked_live && n < sizeof(eng.report))
		snprintf(eng.report + n, sizeof(eng.report) - n, " (none recorded)");
	return -EDEADLK;
}

const char *sim_deadlock_report(void)
{
	return eng.report;
}

uint64_t sim_now(void)
{
	return (uint64_t)llround(simgrid_get_clock() * PS_PER_S);
}

static inline double ps_to_s(uint64_t ps)
{
	return (double)ps / PS_PER_S;
}

static void mark_blocked(bool b)
{
	struct sim_actor *a = self_rec();

	if (a)
		a->blocked = b;
}

void sim_sleep_until(uint64_t t_ps)
{
	if (t_ps <= sim_now())
		return;
	eng.st.calls++;
	mark_blocked(true);
	sg_actor_sleep_until(ps_to_s(t_ps));
	mark_blocked(false);
}

void *sim_self_data(void)
{
	struct sim_actor *a = self_rec();

	return a ? a->user_data : NULL;
}

void sim_set_self_data(void *data)
{
	struct sim_actor *a = self_rec();

	if (a)
		a->user_data = data;
}

const char *sim_self_name(void)
{
	struct sim_actor *a = self_rec();

	return a ? a->name : "maestro";
}

void sim_set_wait_label(const char *label)
{
	struct sim_actor *a = self_rec();

	if (a)
		a->wait_label = label;
}

uint64_t sim_engine_calls(void)
{
	return eng.st.calls;
}

const struct sim_engine_stats *sim_engine_stats(void)
{
	return &eng.st;
}

static const struct metric sim_engine_rows[] = {
    {METRIC(struct sim_engine_stats, calls, COUNT, "events",
	    "engine calls (blocking or waking SimGrid simcalls): the simulator's own cost")},
};
const struct metric_table sim_engine_metrics =
    METRIC_TABLE(struct sim_engine_stats, sim_engine_rows);

/* ---- events ---- */

int sim_event_create(struct sim_event **out)
{
	struct sim_event *ev = calloc(1, sizeof(*ev));

	if (!ev)
		return -ENOMEM;
	ev->sem = sg_sem_init(0);
	*out = ev;
	return 0;
}

void sim_event_destroy(struct sim_event *ev)
{
	if (!ev)
		return;
	sg_sem_destroy(ev->sem);
	free(ev);
}

void sim_event_signal(struct sim_event *ev)
{
	if (ev->latched)
		return;
	ev->latched = true;
	if (ev->waiting) {
		/* One release per blocked wait; the waiter consumes the latch. */
		ev->waiting = false;
		eng.st.calls++;
		sg_sem_release(ev->sem);
	}
}

bool sim_event_pending(const struct sim_event *ev)
{
	return ev->latched;
}

static bool event_block(struct sim_event *ev, double timeout_s)
{
	int r;

	ev->waiting = true;
	eng.st.calls++;
	mark_blocked(true);
	if (timeout_s < 0) {
		sg_sem_acquire(ev->sem);
		r = 0;
	} else {
		r = sg_sem_acquire_timeout(ev->sem, timeout_s);
	}
	mark_blocked(false);
	if (r != 0 && !ev->waiting) {
		/*
		 * The timeout fired, but a signaller ran in the same instant and released the
		 * semaphore after our acquisition was withdrawn: take that token back so the
		 * next wait does not wake spuriously, and report the signal.
		 */
		eng.st.calls++;
		sg_sem_acquire(ev->sem);
		r = 0;
	}
	ev->waiting = false;
	if (r == 0) {
		ev->latched = false;
		return true;
	}
	return false;
}

bool sim_event_wait_until(struct sim_event *ev, uint64_t deadline_ps)
{
	uint64_t now;

	if (ev->latched) {
		ev->latched = false;
		return true;
	}
	now = sim_now();
	if (deadline_ps <= now)
		return false;
	if (!event_block(ev, ps_to_s(deadline_ps) - simgrid_get_clock())) {
		/* A relative timeout can land a hair early or late; finish at the exact time. */
		sim_sleep_until(deadline_ps);
		return false;
	}
	return true;
}

void sim_event_wait(struct sim_event *ev)
{
	if (ev->latched) {
		ev->latched = false;
		return;
	}
	event_block(ev, -1.0);
}

/* ---- queues ---- */

int sim_queue_create(size_t capacity_hint, struct sim_queue **out)
{
	struct sim_queue *q = calloc(1, sizeof(*q));
	int r;

	if (!q)
		return -ENOMEM;
	q->cap = capacity_hint ? capacity_hint : 16;
	q->items = calloc(q->cap, sizeof(*q->items));
	if (!q->items) {
		free(q);
		return -ENOMEM;
	}
	r = sim_event_create(&q->nonempty);
	if (r) {
		free(q->items);
		free(q);
		return r;
	}
	*out = q;
	return 0;
}

void sim_queue_destroy(struct sim_queue *q)
{
	if (!q)
		return;
	sim_event_destroy(q->nonempty);
	free(q->items);
	free(q);
}

int sim_queue_push(struct sim_queue *q, void *item)
{
	if (!item)
		return -EINVAL;
	if (q->len == q->cap) {
		size_t ncap = q->cap * 2, i;
		void **n = calloc(ncap, sizeof(*n));

		if (!n)
			return -ENOMEM;
		for (i = 0; i < q->len; i++)
			n[i] = q->items[(q->head + i) % q->cap];
		free(q->items);
		q->items = n;
		q->cap = ncap;
		q->head = 0;
	}
	q->items[(q->head + q->len) % q->cap] = item;
	q->len++;
	sim_event_signal(q->nonempty);
	return 0;
}

static void *queue_take(struct sim_queue *q)
{
	void *it = q->items[q->head];

	q->head = (q->head + 1) % q->cap;
	q->len--;
	return it;
}

void *sim_queue_pop(struct sim_queue *q)
{
	while (q->len == 0)
		sim_event_wait(q->nonempty);
	return queue_take(q);
}

void *sim_queue_pop_until(struct sim_queue *q, uint64_t deadline_ps)
{
	while (q->len == 0) {
		if (!sim_event_wait_until(q->nonempty, deadline_ps))
			return q->len ? queue_take(q) : NULL;
	}
	return queue_take(q);
}

size_t sim_queue_len(const struct sim_queue *q)
{
	return q->len;
}
