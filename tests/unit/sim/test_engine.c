/* SPDX-License-Identifier: MIT */
/*
 * The engine: integer-picosecond clock without drift, latched events with deadlines (and the
 * same-instant signal/timeout race), queues, daemons, per-actor data, and the cost rule: a
 * sleep costs an engine call only when another actor can run before it ends. One simulation
 * per process: the actors record what they saw, the tests assert after the run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim/engine.h"
#include "sim/simtime.h"

static struct sim_event *ev, *never, *lone, *lone_wake, *nap, *nap_never;

#define LONE (SIM_PS_PER_S + 1000)
#define NAP  (2 * SIM_PS_PER_S)
static struct sim_queue *q;

static struct {
	uint64_t t_1ps, t_1000ps, t_1s, t_drift_end, t_past;
	bool w1;
	uint64_t t_w1;
	bool w2;
	uint64_t t_w2;
	bool w3;
	uint64_t t_w3;
	bool w4, w5;
	uint64_t t_w5;
	bool race_next;
	uint64_t t_race_next;
	uintptr_t popped[3];
	uint64_t t_popped[3];
	void *pop_timeout;
	uint64_t t_pop_timeout;
	void *data_a, *data_b;
	uint64_t calls_before, calls_after;
	uint64_t calls_lone_before, calls_lone_after, calls_signal;
	uint64_t t_lone_end, t_lone_woken;
	uint64_t t_napped, sg_napped, t_waker_end, calls_nap;
	bool daemon_ran;
	bool a_done, b_done, c_done;
} rec;

static void clock_actor(void *arg)
{
	(void)arg;
	sim_set_self_data((void *)0xa);
	sim_sleep_until(1);
	rec.t_1ps = sim_now();
	sim_sleep_until(1000);
	rec.t_1000ps = sim_now();
	/* 100,000 consecutive 1 ps steps must land exactly (no accumulated rounding). */
	rec.calls_before = sim_engine_calls();
	for (uint64_t t = 1001; t <= 101000; t++)
		sim_sleep_until(t);
	rec.calls_after = sim_engine_calls();
	rec.t_drift_end = sim_now();
	sim_sleep_until(SIM_PS_PER_S + 123);
	rec.t_1s = sim_now();
	sim_sleep_until(5); /* the past: no-op */
	rec.t_past = sim_now();
	/*
	 * After 1 s the signaller has ended and the waiter and the daemon wait for signals.
	 * Alone, 1,000 sleeps and a timed wait that nobody can cut short cost nothing; waking
	 * the waiter then costs one catch-up sleep and one release.
	 */
	rec.calls_lone_before = sim_engine_calls();
	for (uint64_t t = LONE + 1; t <= LONE + 1000; t++)
		sim_sleep_until(t);
	sim_event_wait_until(lone, LONE + 2000);
	rec.t_lone_end = sim_now();
	rec.calls_lone_after = sim_engine_calls();
	sim_event_signal(lone_wake);
	rec.calls_signal = sim_engine_calls() - rec.calls_lone_after;
	rec.data_a = sim_self_data();
	rec.a_done = true;
}

static void waiter(void *arg)
{
	(void)arg;
	sim_set_self_data((void *)0xb);
	/* signalled at 3000 before the 5000 deadline */
	rec.w1 = sim_event_wait_until(ev, 5000);
	rec.t_w1 = sim_now();
	/* nobody signals: times out exactly at 8000 */
	rec.w2 = sim_event_wait_until(ev, 8000);
	rec.t_w2 = sim_now();
	/* signalled at 9000 while nobody waited: latched, returns at once */
	sim_sleep_until(10000);
	rec.w3 = sim_event_wait_until(ev, 10500);
	rec.t_w3 = sim_now();
	/* two signals at 11000 count once */
	sim_sleep_until(12000);
	rec.w4 = sim_event_wait_until(ev, 12500);
	rec.w5 = sim_event_wait_until(ev, 13000);
	rec.t_w5 = sim_now();
	/* a signal at the very instant of the deadline: whichever way it goes, no token may be
	 * left over for the next wait */
	sim_event_wait_until(ev, 20000);
	rec.race_next = sim_event_wait_until(ev, 21000);
	rec.t_race_next = sim_now();
	/* queue: three items in order, then a timeout */
	for (int i = 0; i < 3; i++) {
		rec.popped[i] = (uintptr_t)sim_queue_pop(q);
		rec.t_popped[i] = sim_now();
	}
	rec.pop_timeout = sim_queue_pop_until(q, 40000);
	rec.t_pop_timeout = sim_now();
	sim_event_wait(lone_wake); /* the clock actor wakes us at LONE + 2000 */
	rec.t_lone_woken = sim_now();
	rec.data_b = sim_self_data();
	rec.b_done = true;
}

static void signaller(void *arg)
{
	(void)arg;
	sim_sleep_until(3000);
	sim_event_signal(ev);
	sim_sleep_until(9000);
	sim_event_signal(ev);
	sim_sleep_until(11000);
	sim_event_signal(ev);
	sim_event_signal(ev);
	sim_sleep_until(20000);
	sim_event_signal(ev);
	sim_sleep_until(30000);
	sim_queue_push(q, (void *)1);
	sim_sleep_until(30001);
	sim_queue_push(q, (void *)2);
	sim_queue_push(q, (void *)3);
	rec.c_done = true;
}

/*
 * Yielding a sleep: woken by the waker, which is still inside its signal, the napper sleeps 100
 * ps; the waker's next call blocks it until NAP + 5000. A real sleep would take SimGrid's clock
 * to NAP + 100; the napper yields to the waker instead, and goes ahead alone.
 */
static void napper(void *arg)
{
	(void)arg;
	sim_event_wait(nap);
	sim_sleep_until(NAP + 100);
	rec.t_napped = sim_now();
	rec.sg_napped = sim_engine_simgrid_now();
}

static void waker(void *arg)
{
	uint64_t c;

	(void)arg;
	sim_sleep_until(NAP);
	c = sim_engine_calls();
	sim_event_signal(nap);
	sim_event_wait_until(nap_never, NAP + 5000);
	/* the release, the napper's yield and our timed wait */
	rec.calls_nap = sim_engine_calls() - c;
	rec.t_waker_end = sim_now();
}

static void daemon_actor(void *arg)
{
	(void)arg;
	rec.daemon_ran = true;
	sim_set_wait_label("forever");
	sim_event_wait(never); /* killed when the others end */
}

static int run_simulation(void **state)
{
	(void)state;
	if (sim_engine_init() || sim_event_create(&ev) || sim_event_create(&never) ||
	    sim_event_create(&lone) || sim_event_create(&lone_wake) || sim_event_create(&nap) ||
	    sim_event_create(&nap_never) || sim_queue_create(2, &q))
		return -1;
	sim_actor_start("clock", clock_actor, NULL, 0);
	sim_actor_start("waiter", waiter, NULL, 0);
	sim_actor_start("signaller", signaller, NULL, 0);
	sim_actor_start("daemon", daemon_actor, NULL, SIM_ACTOR_DAEMON);
	sim_actor_start("napper", napper, NULL, 0);
	sim_actor_start("waker", waker, NULL, 0);
	return sim_engine_run();
}

static void clock_is_exact(void **state)
{
	(void)state;
	assert_true(rec.a_done);
	assert_int_equal(rec.t_1ps, 1);
	assert_int_equal(rec.t_1000ps, 1000);
	assert_int_equal(rec.t_drift_end, 101000);
	assert_int_equal(rec.t_1s, SIM_PS_PER_S + 123);
	assert_int_equal(rec.t_past, SIM_PS_PER_S + 123);
	/*
	 * A sleep costs an engine call only if another actor may run before it ends: of the
	 * 100,000 steps only those reaching another actor's deadline (3000, 5000, 8000 ... 40000
	 * ps: about 15, plus the others' own calls) go to SimGrid.
	 */
	assert_in_range(rec.calls_after - rec.calls_before, 10, 60);
}

static void lone_sleeps_cost_nothing(void **state)
{
	(void)state;
	assert_int_equal(rec.t_lone_end, LONE + 2000);
	/* 1,000 sleeps and a timed wait with every other actor blocked on a signal */
	assert_int_equal(rec.calls_lone_after - rec.calls_lone_before, 0);
	/* waking the waiter: one release, no sleep to catch SimGrid up (the waiter takes the
	 * signaller's clock) */
	assert_int_equal(rec.calls_signal, 1);
	/* so the waiter wakes at the signaller's time, not SimGrid's stale one */
	assert_int_equal(rec.t_lone_woken, LONE + 2000);
}

static void a_woken_sleep_yields_to_its_waker(void **state)
{
	(void)state;
	assert_int_equal(rec.t_napped, NAP + 100);
	/* SimGrid never went to NAP + 100: the sleep cost a yield, not a sleep */
	assert_true(rec.sg_napped < NAP + 100);
	assert_int_equal(rec.t_waker_end, NAP + 5000);
	assert_int_equal(rec.calls_nap, 3);
}

static void events_wake_and_time_out(void **state)
{
	(void)state;
	assert_true(rec.b_done);
	assert_true(rec.w1);
	assert_int_equal(rec.t_w1, 3000);
	assert_false(rec.w2);
	assert_int_equal(rec.t_w2, 8000);
	assert_true(rec.w3);
	assert_int_equal(rec.t_w3, 10000); /* latched: no time passes */
	assert_true(rec.w4);
	assert_false(rec.w5); /* two signals counted once */
	assert_int_equal(rec.t_w5, 13000);
	assert_false(rec.race_next);
	assert_int_equal(rec.t_race_next, 21000);
}

static void queue_is_fifo(void **state)
{
	(void)state;
	assert_int_equal(rec.popped[0], 1);
	assert_int_equal(rec.popped[1], 2);
	assert_int_equal(rec.popped[2], 3);
	assert_int_equal(rec.t_popped[0], 30000);
	assert_int_equal(rec.t_popped[1], 30001);
	assert_int_equal(rec.t_popped[2], 30001);
	assert_null(rec.pop_timeout);
	assert_int_equal(rec.t_pop_timeout, 40000);
}

static void actors_keep_their_data_and_daemons_end(void **state)
{
	(void)state;
	assert_ptr_equal(rec.data_a, (void *)0xa);
	assert_ptr_equal(rec.data_b, (void *)0xb);
	assert_true(rec.daemon_ran);
	assert_true(rec.c_done);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(clock_is_exact),
		cmocka_unit_test(lone_sleeps_cost_nothing),
		cmocka_unit_test(a_woken_sleep_yields_to_its_waker),
		cmocka_unit_test(events_wake_and_time_out),
		cmocka_unit_test(queue_is_fifo),
		cmocka_unit_test(actors_keep_their_data_and_daemons_end),
	};

	return cmocka_run_group_tests(tests, run_simulation, NULL);
}
