/* SPDX-License-Identifier: MIT */
/* A simulation in which every actor waits for something that cannot happen ends with
 * -EDEADLK and a report naming the actors and what they wait on (SimGrid itself returns
 * normally: DESIGN.md "Pitfalls"). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sim/engine.h"

static struct sim_event *ev;
static int rc_run;

static void stuck(void *arg)
{
	(void)arg;
	sim_sleep_until(5000000); /* 5 us */
	sim_set_wait_label("a signal nobody sends");
	sim_event_wait(ev);
}

static int run(void **state)
{
	(void)state;
	if (sim_engine_init() || sim_event_create(&ev))
		return -1;
	sim_actor_start("godot-waiter", stuck, NULL, 0);
	rc_run = sim_engine_run();
	return 0;
}

static void deadlock_is_reported(void **state)
{
	const char *r = sim_deadlock_report();

	(void)state;
	assert_int_equal(rc_run, -EDEADLK);
	assert_non_null(strstr(r, "deadlocked at t=5.000 us"));
	assert_non_null(strstr(r, "godot-waiter: waiting on a signal nobody sends"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(deadlock_is_reported)};

	return cmocka_run_group_tests(tests, run, NULL);
}
