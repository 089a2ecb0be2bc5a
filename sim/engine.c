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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <simgrid/semaphore.h>

#define NO_DEADLINE UINT64_MAX

/*
 * SimGrid's clock counts picoseconds (its "seconds" are ours to define: one host, no CPU or
 * network work, only sleeps and semaphores). Every date and duration is then an integer below
 * 2^53, exact in a double: a timeout computed from any clock ends exactly at its deadline, and
 * reading the clock back needs no rounding.
 */
static inline double sg_date(uint64_t ps)
{
	return (double)ps;
}

/*
 * Our record of each actor: what it runs, what it waits on (for the deadlock report), its own
 * clock and, while blocked, its deadline (for eliding unobservable sleeps; engine.h).
 */
struct sim_actor {
	char name[48];
	sim_actor_fn fn;
	void *arg;
	void *user_data;
	const char *wait_label;
	uint64_t now;	   /* this actor's clock: ahead of SimGrid's after an elided sleep */
	uint64_t deadline; /* while blocked: when SimGrid wakes it (NO_DEADLINE: a signal) */
	size_t heap_idx;   /* its place in eng.heap while blocked with a deadline, else SIZE_MAX */
	bool runnable;	   /* counted in eng.runnable: running, ready, started or signalled */
	bool ahead;	   /* now is past SimGrid's clock: catch up before interacting */
	bool blocked;
	bool finished;
	bool daemon;
	/* yield_sleep() that did not pay off in a row, and the sleeps to skip it for */
	uint8_t yield_misses, yield_skip;
	bool yielded; /* went ahead by yield_sleep(), and has not blocked or caught up since */
	struct sim_timer *carrying; /* the timer it runs on its way past carry_due (sim_timer_at) */
	struct sim_timer *firing; /* the timer whose function it runs now: "self" is the timer's */
	struct sim_actor *next;
};

static struct {
	bool initialised;
	bool elide; /* sim_engine_set_elision() */
	sg_host_t host;
	struct sim_actor *actors;
	struct sim_actor *cur; /* the actor running now (NULL: maestro) */
	/* Actors that may run at SimGrid's current time without any deadline passing. */
	size_t runnable;
	/* Non-daemon actors not yet ended: with none, SimGrid kills the daemons at their next
	 * call, so a daemon must not run on past that by eliding. */
	size_t live;
	/* Min-heap by deadline of the actors blocked until a time. */
	struct sim_actor **heap;
	size_t heap_len, heap_cap;
	/* The timed blocks made in SimGrid's current round (at SimGrid time round_clock), with
	 * the clock of the actor that made each: SimGrid orders same-date wake-ups by when their
	 * timers were inserted, which is by round and, within a round, last blocked first
	 * (timed_block()). */
	uint64_t round_clock;
	struct round_entry {
		uint64_t deadline, clock;
	} *round;
	size_t round_len, round_cap;
	/* Actors in sg_sem_release(), and the one in yield_sleep() (NULL: none). */
	size_t releasing;
	struct sim_actor *yielder;
	/* The latest clock an actor blocked with while ahead of SimGrid (deadlock report). */
	uint64_t latest;
	struct sim_engine_stats st;
	char report[2048];
} eng = {.elide = true};

struct sim_timer {
	char name[48];
	sim_timer_fn fn;
	void *arg;
	struct sim_event *ev;	   /* wakes its own actor */
	struct sim_actor *self;	   /* its own actor, once started */
	uint64_t wake;		   /* when its own actor wakes next (NO_DEADLINE: when signalled) */
	struct sim_actor *carrier; /* the actor that runs it at carry_due on its way, or NULL */
	uint64_t carry_due;
	bool running; /* fn is running (perhaps waiting in a simcall: a signal) */
	bool rerun;   /* asked to run meanwhile: run it again when it returns */
};

/* a->carrying and its timer's carrier name each other (sim_timer_at sets both): drop both. */
static struct sim_timer *uncarry(struct sim_actor *a)
{
	struct sim_timer *tm = a->carrying;

	a->carrying = NULL;
	tm->carrier = NULL;
	return tm;
}

struct sim_event {
	sg_sem_t sem;
	struct sim_actor *waiter; /* who blocked on it (one waiter) */
	uint64_t wake_clock;	  /* the signaller's clock when it woke the waiter */
	bool latched;		  /* a signal is pending */
	bool waiting;		  /* the waiter is blocked in the semaphore */
};

/* ---- the deadline heap ---- */

static void heap_set(size_t i, struct sim_actor *a)
{
	eng.heap[i] = a;
	a->heap_idx = i;
}

static void heap_up(size_t i)
{
	struct sim_actor *a = eng.heap[i];

	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (eng.heap[p]->deadline <= a->deadline)
			break;
		heap_set(i, eng.heap[p]);
		i = p;
	}
	heap_set(i, a);
}

static void heap_down(size_t i)
{
	struct sim_actor *a = eng.heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= eng.heap_len)
			break;
		if (c + 1 < eng.heap_len && eng.heap[c + 1]->deadline < eng.heap[c]->deadline)
			c++;
		if (a->deadline <= eng.heap[c]->deadline)
			break;
		heap_set(i, eng.heap[c]);
		i = c;
	}
	heap_set(i, a);
}

static void heap_push(struct sim_actor *a)
{
	if (eng.heap_len == eng.heap_cap) {
		size_t ncap = eng.heap_cap ? 2 * eng.heap_cap : 64;
		struct sim_actor **n = realloc(eng.heap, ncap * sizeof(*n));

		if (!n) {
			/* Out of memory: stop eliding rather than lose track of a deadline. */
			eng.elide = false;
			return;
		}
		eng.heap = n;
		eng.heap_cap = ncap;
	}
	eng.heap[eng.heap_len] = a;
	heap_up(eng.heap_len++);
}

static void heap_remove(struct sim_actor *a)
{
	size_t i = a->heap_idx;
	struct sim_actor *last;

	if (i == SIZE_MAX)
		return;
	a->heap_idx = SIZE_MAX;
	last = eng.heap[--eng.heap_len];
	if (i == eng.heap_len)
		return;
	heap_set(i, last);
	heap_up(i);
	heap_down(last->heap_idx);
}

/* ---- who may run when ---- */

static inline uint64_t sg_now_ps(void)
{
	return (uint64_t)simgrid_get_clock();
}

/* The calling actor is about to block in SimGrid until deadline (NO_DEADLINE: a signal). */
static void note_block(struct sim_actor *a, uint64_t deadline)
{
	if (!a)
		return;
	a->blocked = true;
	if (a->yielded) {
		/* it went ahead and blocked without catching up: the yield saved a sleep */
		a->yielded = false;
		a->yield_misses = 0;
	}
	if (a->ahead && a->now > eng.latest)
		eng.latest = a->now;
	if (a->runnable) {
		a->runnable = false;
		eng.runnable--;
	}
	a->deadline = deadline;
	if (deadline != NO_DEADLINE)
		heap_push(a);
}

/* Another actor made a (e.g. signalled) actor ready at the current time. */
static void note_ready(struct sim_actor *a)
{
	heap_remove(a);
	if (!a->runnable) {
		a->runnable = true;
		eng.runnable++;
	}
}

/* SimGrid returned to the calling actor: its clock is SimGrid's again. */
static void note_resume(struct sim_actor *a)
{
	eng.cur = a;
	if (!a)
		return;
	a->blocked = false;
	note_ready(a);
	a->now = sg_now_ps();
	a->ahead = false;
}

/*
 * May the calling actor move its own clock to t without telling SimGrid? Only if no other actor
 * can run before t: none is ready now, and every blocked one wakes strictly after t (at the
 * same instant SimGrid's order would decide, so that is left to SimGrid).
 */
static inline bool can_elide(const struct sim_actor *a, uint64_t t)
{
	return eng.elide && a && a->runnable && eng.runnable == 1 && eng.live > 0 &&
	       (eng.heap_len == 0 || eng.heap[0]->deadline > t);
}

/* A yield_sleep() that did not pay off: after n in a row, skip the next 2^n - 1 (at most 63). */
static void yield_missed(struct sim_actor *a)
{
	if (a->yield_misses < 6)
		a->yield_misses++;
	a->yield_skip = (uint8_t)((1u << a->yield_misses) - 1);
	a->yielded = false;
}

/* Before the calling actor interacts with another: bring SimGrid to its clock. */
static void catch_up(void)
{
	struct sim_actor *a = eng.cur;

	if (!a || !a->ahead)
		return;
	/* the sleep it yielded instead of costs one after all */
	if (a->yielded)
		yield_missed(a);
	/* Nobody else can run before a->now (can_elide), and the actors that may run at SimGrid's
	 * time are at a->now too and run first in both orders, so this sleep changes no order. */
	eng.st.calls++;
	sg_actor_sleep_until(sg_date(a->now));
	eng.cur = a;
	a->ahead = false;
}

static void yield_blocked(struct sim_actor *a, uint64_t t);

/*
 * The calling actor is about to block in SimGrid until deadline. SimGrid wakes the actors whose
 * timers end at one date in the order it inserted those timers: round by round (a round is
 * every actor run at one SimGrid time) and, within a round, the last to block first. Without
 * elision every actor blocks in the round of its own clock. An actor ahead of SimGrid that
 * blocks without catching up lands in the round of SimGrid's time instead, after the others
 * that blocked there. Among actors that blocked there at one clock the order is the same as in
 * a round of that clock; one that blocked at an earlier clock would have been a round earlier
 * and woken first. So when such an actor wakes at the same date, catch up first and block in a
 * round of one's own. Only an actor that runs alone goes ahead of the others' clocks, so the
 * catching up changes no order.
 */
static bool round_add(uint64_t deadline, uint64_t clock);

/* SimGrid's time moved since the last timed block: a new round, with none recorded yet. */
static void round_enter(void)
{
	uint64_t c = sg_now_ps();

	if (c != eng.round_clock) {
		eng.round_clock = c;
		eng.round_len = 0;
	}
}

static void timed_block(struct sim_actor *a, uint64_t deadline)
{
	bool tie = false;

	if (!a)
		return;
	round_enter();
	/* about to block until the date an actor yields to: let it block first (yield_sleep()) */
	if (eng.yielder && eng.yielder != a && eng.yielder->deadline == deadline)
		yield_blocked(a, deadline);
	if (a->ahead) {
		for (size_t i = 0; i < eng.round_len && !tie; i++)
			tie = eng.round[i].deadline == deadline && eng.round[i].clock != a->now;
		if (tie) {
			catch_up();
			eng.round_clock = a->now;
			eng.round_len = 0;
		}
	}
	if (!round_add(deadline, a->now)) {
		/* Out of memory: stop eliding, and be in a round of one's own. */
		eng.elide = false;
		catch_up();
	}
}

/* Record a timed block in SimGrid's current round (timed_block()); false: out of memory. */
static bool round_add(uint64_t deadline, uint64_t clock)
{
	if (eng.round_len == eng.round_cap) {
		size_t ncap = eng.round_cap ? 2 * eng.round_cap : 16;
		struct round_entry *n = realloc(eng.round, ncap * sizeof(*n));

		if (!n)
			return false;
		eng.round = n;
		eng.round_cap = ncap;
	}
	eng.round[eng.round_len++] = (struct round_entry){deadline, clock};
	return true;
}

/*
 * May the calling actor, ahead of SimGrid, wake another without catching up, the woken actor
 * taking its clock? Both then block in SimGrid's current round at that clock, in the order
 * they would have in a round of that clock, as long as nobody blocked in this round at
 * another clock (timed_block() could not put them right without running alone).
 */
static bool wake_ahead(const struct sim_actor *a)
{
	if (!a || !a->ahead || !eng.elide)
		return false;
	if (eng.round_clock != sg_now_ps())
		return true;
	for (size_t i = 0; i < eng.round_len; i++)
		if (eng.round[i].clock != a->now)
			return false;
	return true;
}

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

static inline struct sim_actor *self_rec(void)
{
	return eng.cur;
}

static void actor_trampoline(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct sim_actor *a = sg_actor_self_get_data();

	eng.cur = a;
	/* it may start with its starter's clock (sim_actor_start) */
	if (a->now < sg_now_ps())
		a->now = sg_now_ps();
	a->ahead = a->now > sg_now_ps();
	if (a->daemon) {
		sg_actor_daemonize(sg_actor_self());
		eng.cur = a;
	}
	a->fn(a->arg);
	if (a->carrying)
		/* Its own actor takes the carried timer over (it wakes and waits for its time). */
		sim_event_signal(uncarry(a)->ev);
	/* The last non-daemon's end stops the run, and SimGrid kills the daemons then: none of
	 * them can run before our clock, so ending ahead changes nothing but the end time. */
	if (a->ahead && a->now > eng.latest)
		eng.latest = a->now;
	a->finished = true;
	if (!a->daemon)
		eng.live--;
	if (a->runnable) {
		a->runnable = false;
		eng.runnable--;
	}
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
	/* The new actor starts at SimGrid's time, or ahead at the caller's clock as a woken
	 * actor does (wake_ahead()). */
	if (wake_ahead(eng.cur))
		a->now = eng.cur->now;
	else
		catch_up();
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->fn = fn;
	a->arg = arg;
	a->daemon = flags & SIM_ACTOR_DAEMON;
	a->heap_idx = SIZE_MAX;
	a->runnable = true;
	eng.runnable++;
	if (!a->daemon)
		eng.live++;
	a->next = eng.actors;
	eng.actors = a;

	{
		struct sim_actor *caller = eng.cur;

		sa = sg_actor_init(a->name, eng.host);
		sg_actor_set_data(sa, a);
		sg_actor_start(sa, actor_trampoline, 0, NULL);
		eng.cur = caller;
	}
	return 0;
}

int sim_engine_run(void)
{
	const struct sim_actor *a;
	size_t n = 0;
	int blocked_live = 0;

	simgrid_run();
	eng.cur = NULL;
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
	uint64_t t;

	if (eng.cur)
		return eng.cur->now;
	/* maestro: after the run, or the deadlock report (an actor may have blocked ahead) */
	t = sg_now_ps();
	return t > eng.latest ? t : eng.latest;
}

void sim_engine_set_elision(bool on)
{
	eng.elide = on;
}

/*
 * Yielding a sleep (engine.h). An actor woken by a signal runs before its signaller has come
 * back from the signal, so a sleep it starts then cannot be elided: the signaller is ready to
 * run, and counts as now. Usually the signaller's next call blocks it until after that sleep
 * ends. So when the only other actor ready to run is one inside a signal (then it signalled us,
 * and SimGrid runs it before it returns to us), we yield instead: counted as blocked until t,
 * as we would be in a real sleep, we let it run to its next engine call, and decide again when
 * SimGrid returns to us, before anyone else runs. A yield costs a fraction of a sleep that
 * advances SimGrid's clock.
 *
 * Nothing it does can differ from what it would do with us asleep: it sees us blocked until t,
 * a sleeper cannot be signalled, and nobody else runs until we are back. Only the place of our
 * SimGrid timer moves: after whatever it blocked on. That matters only if it blocked until t
 * too (SimGrid wakes the last to block at one date first, and it blocked after us), so then it
 * yields as well, counted as blocked until t (timed_block()), and blocks after we did. We do
 * not yield when a block made in this round already ends at t (we might have to catch up
 * before blocking, timed_block()). The property test in tests/unit/sim/test_elision.c
 * exercises all of it (about one yield per two random programs, one in eight of them ties).
 */
static bool may_yield_sleep(struct sim_actor *a, uint64_t t)
{
	if (a && a->yield_skip) {
		a->yield_skip--;
		return false;
	}
	if (!eng.elide || !a || !a->runnable || eng.runnable != 2 || eng.releasing != 1 ||
	    eng.live == 0 || eng.yielder || (eng.heap_len && eng.heap[0]->deadline <= t))
		return false;
	if (eng.round_clock == sg_now_ps())
		for (size_t i = 0; i < eng.round_len; i++)
			if (eng.round[i].deadline == t)
				return false;
	return true;
}

/* Count a as blocked until t while it yields to the others; back: ready at its own clock. */
static void yield_blocked(struct sim_actor *a, uint64_t t)
{
	uint64_t now = a->now;
	bool ahead = a->ahead;

	note_block(a, t);
	eng.st.calls++;
	sg_actor_yield();
	eng.cur = a;
	a->blocked = false;
	note_ready(a);
	a->now = now;
	a->ahead = ahead;
}

/* Elided after all (true), or not; a's timed block is recorded where it started to yield. */
static bool yield_sleep(struct sim_actor *a, uint64_t t)
{
	size_t idx;

	round_enter();
	idx = eng.round_len;
	if (!round_add(t, a->now))
		return false;
	eng.yielder = a;
	yield_blocked(a, t);
	eng.yielder = NULL;
	/* SimGrid's time has not moved (we were ready to run): drop the record, timed_block()
	 * makes it again if we block */
	eng.round[idx] = eng.round[--eng.round_len];
	if (!can_elide(a, t)) {
		yield_missed(a);
		return false;
	}
	a->yielded = true;
	a->now = t;
	a->ahead = true;
	return true;
}

/* One real SimGrid sleep to t_ps (after the caller checked t_ps is ahead of its clock). */
static void real_sleep_until(struct sim_actor *a, uint64_t t_ps)
{
	timed_block(a, t_ps);
	eng.st.calls++;
	note_block(a, t_ps);
	sg_actor_sleep_until(sg_date(t_ps));
	note_resume(a);
}

static void sleep_plain(uint64_t t_ps)
{
	struct sim_actor *a = self_rec();

	if (t_ps <= sim_now())
		return;
	if (can_elide(a, t_ps)) {
		a->now = t_ps;
		a->ahead = true;
		return;
	}
	if (may_yield_sleep(a, t_ps) && yield_sleep(a, t_ps))
		return;
	real_sleep_until(a, t_ps);
}

void sim_sleep_until_real(uint64_t t_ps)
{
	struct sim_actor *a = self_rec();

	if (t_ps <= sim_now())
		return;
	real_sleep_until(a, t_ps);
}

void *sim_self_data(void)
{
	struct sim_actor *a = self_rec();

	if (a && a->firing)
		a = a->firing->self;

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

	if (a && a->firing)
		return a->firing->name;
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

uint64_t sim_engine_simgrid_now(void)
{
	return sg_now_ps();
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
	struct sim_actor *self;

	if (ev->latched)
		return;
	ev->latched = true;
	if (ev->waiting) {
		/*
		 * One release per blocked wait; the waiter consumes the latch. A latch alone
		 * needs no catching up (the waiter reads it when it next runs, after us). A wake
		 * needs none either when the waiter can take our clock (wake_ahead()): it runs
		 * next, before us, as it would have at our clock.
		 */
		self = eng.cur;
		if (!wake_ahead(self))
			catch_up();
		ev->wake_clock = self ? self->now : sg_now_ps();
		ev->waiting = false;
		if (ev->waiter)
			note_ready(ev->waiter);
		eng.st.calls++;
		eng.releasing++;
		sg_sem_release(ev->sem);
		eng.cur = self;
		eng.releasing--;
	}
}

bool sim_event_pending(const struct sim_event *ev)
{
	return ev->latched;
}

/* A signal woke a: its clock is the signaller's (sim_event_signal()). */
static void wake_at(struct sim_actor *a, const struct sim_event *ev)
{
	if (a && ev->wake_clock > a->now) {
		a->now = ev->wake_clock;
		a->ahead = true;
	}
}

/* Block on ev until signalled or until deadline_ps (NO_DEADLINE: no timeout). */
static bool event_block(struct sim_event *ev, uint64_t deadline_ps)
{
	struct sim_actor *a = self_rec();
	int r;

	if (deadline_ps != NO_DEADLINE)
		timed_block(a, deadline_ps);
	ev->waiting = true;
	ev->waiter = a;
	eng.st.calls++;
	note_block(a, deadline_ps);
	if (deadline_ps == NO_DEADLINE) {
		sg_sem_acquire(ev->sem);
		r = 0;
	} else {
		/* relative to SimGrid's clock, which may be behind ours (exact: sg_date()) */
		r = sg_sem_acquire_timeout(ev->sem, sg_date(deadline_ps) - simgrid_get_clock());
	}
	note_resume(a);
	if (r == 0)
		wake_at(a, ev);
	if (r != 0 && !ev->waiting) {
		/*
		 * The timeout fired, but a signaller ran in the same instant and released the
		 * semaphore after our acquisition was withdrawn: take that token back so the
		 * next wait does not wake spuriously, and report the signal.
		 */
		eng.st.calls++;
		sg_sem_acquire(ev->sem);
		note_resume(a);
		wake_at(a, ev);
		r = 0;
	}
	ev->waiting = false;
	if (r == 0) {
		ev->latched = false;
		return true;
	}
	return false;
}

static bool wait_plain(struct sim_event *ev, uint64_t deadline_ps)
{
	uint64_t now;

	if (ev->latched) {
		ev->latched = false;
		return true;
	}
	now = sim_now();
	if (deadline_ps <= now)
		return false;
	if (can_elide(self_rec(), deadline_ps)) {
		/* nobody runs before the deadline, so nobody can signal: a timeout */
		self_rec()->now = deadline_ps;
		self_rec()->ahead = true;
		return false;
	}
	if (!event_block(ev, deadline_ps)) {
		/* The timeout ends exactly at the deadline (sg_date()); this only guards it. */
		sleep_plain(deadline_ps);
		return false;
	}
	return true;
}

/* ---- timers ---- */

/*
 * Run tm's function in the calling actor, as the timer's actor. A signal in it lets other actors
 * run, and one may reach the timer's time too: one run at a time, and a run asked for meanwhile
 * (at the same instant) is one more pass of the running one. NO_DEADLINE when it was that.
 */
static uint64_t timer_run(struct sim_timer *tm)
{
	struct sim_actor *a = eng.cur;
	uint64_t next;

	if (tm->running) {
		tm->rerun = true;
		return NO_DEADLINE;
	}
	tm->running = true;
	do {
		tm->rerun = false;
		a->firing = tm;
		next = tm->fn(tm->arg);
		a->firing = NULL;
	} while (tm->rerun);
	tm->running = false;
	return next;
}

/* The calling actor reached its carried timer's time: run it, and arm it for its next. */
static void carry_fire(struct sim_actor *a)
{
	struct sim_timer *tm = uncarry(a);
	uint64_t next = timer_run(tm);

	if (next != NO_DEADLINE)
		sim_timer_at(tm, next);
}

static bool carried_before(const struct sim_actor *a, uint64_t t)
{
	return a && a->carrying && a->carrying->carry_due <= t;
}

void sim_sleep_until(uint64_t t_ps)
{
	struct sim_actor *a = self_rec();

	if (a && a->firing)
		abort(); /* a timer's function must not block */
	while (carried_before(a, t_ps)) {
		sleep_plain(a->carrying->carry_due);
		carry_fire(a);
	}
	sleep_plain(t_ps);
}

bool sim_event_wait_until(struct sim_event *ev, uint64_t deadline_ps)
{
	struct sim_actor *a = self_rec();

	if (a && a->firing)
		abort();
	while (carried_before(a, deadline_ps)) {
		if (wait_plain(ev, a->carrying->carry_due))
			return true;
		carry_fire(a);
	}
	return wait_plain(ev, deadline_ps);
}

void sim_event_wait(struct sim_event *ev)
{
	struct sim_actor *a = self_rec();

	if (a && a->firing)
		abort();
	while (carried_before(a, NO_DEADLINE - 1)) {
		if (wait_plain(ev, a->carrying->carry_due))
			return;
		carry_fire(a);
	}
	if (ev->latched) {
		ev->latched = false;
		return;
	}
	event_block(ev, NO_DEADLINE);
}

/* Its own actor: runs what is due whenever it wakes, then waits for the next or a signal. */
static void timer_actor(void *arg)
{
	struct sim_timer *tm = arg;

	tm->self = eng.cur;
	for (;;) {
		uint64_t next = timer_run(tm);

		tm->wake = next;
		sim_set_wait_label(tm->name);
		if (next == NO_DEADLINE)
			sim_event_wait(tm->ev);
		else
			sim_event_wait_until(tm->ev, next);
	}
}

int sim_timer_create(const char *name, sim_timer_fn fn, void *arg, struct sim_timer **out)
{
	struct sim_timer *tm = calloc(1, sizeof(*tm));
	int rc;

	if (!tm)
		return -ENOMEM;
	rc = sim_event_create(&tm->ev);
	if (rc) {
		free(tm);
		return rc;
	}
	snprintf(tm->name, sizeof(tm->name), "%s", name);
	tm->fn = fn;
	tm->arg = arg;
	tm->wake = NO_DEADLINE;
	*out = tm;
	return 0;
}

int sim_timer_start(struct sim_timer *tm)
{
	return sim_actor_start(tm->name, timer_actor, tm, SIM_ACTOR_DAEMON);
}

void sim_timer_destroy(struct sim_timer *tm)
{
	if (!tm)
		return;
	sim_event_destroy(tm->ev);
	free(tm);
}

void sim_timer_at(struct sim_timer *tm, uint64_t t)
{
	struct sim_actor *x = eng.cur;

	if (t >= tm->wake || (tm->carrier && t >= tm->carry_due))
		return; /* someone runs it by then, and it does what is due */
	if (x && !x->firing && x != tm->self && t > x->now && tm->wake == NO_DEADLINE &&
	    tm->ev->waiting && !tm->ev->latched &&
	    (tm->carrier == x || (!tm->carrier && !x->carrying))) {
		tm->carrier = x;
		tm->carry_due = t;
		x->carrying = tm;
		return;
	}
	sim_event_signal(tm->ev);
}
