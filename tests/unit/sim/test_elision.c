/* SPDX-License-Identifier: MIT */
/*
 * Eliding unobservable sleeps changes no order (sim/engine.h): the same programs run with
 * and without elision must log the same steps, at the same times, in the same order.
 *
 * SimGrid allows one simulation per process, so the engine is initialised once and every run
 * is a forked child that starts its actors, runs, and writes its log to a pipe; the parent
 * compares. Programs: two actors interleaving at times a picosecond apart, an actor ahead that
 * must block, and random programs of sleeps, timed waits, signals, shared counters, actor starts
 * and timers (sim_timer_at) whose functions signal actors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/engine.h"

#define MAX_LOG	   20000
#define MAX_ACTORS 8
#define MAX_OPS	   60

/* One logged step: who, which step, when, and what it returned. */
struct step {
	uint64_t t;
	uint32_t actor, op;
	uint64_t value;
};

struct run_log {
	uint64_t calls;
	int rc;
	uint32_t n;
	struct step steps[MAX_LOG];
};

static struct run_log lg;

static void log_step(uint32_t actor, uint32_t op, uint64_t value)
{
	if (lg.n < MAX_LOG)
		lg.steps[lg.n++] = (struct step){sim_now(), actor, op, value};
}

/* ---- program 1: two actors interleaving a picosecond apart ---- */

static void interleaver(void *arg)
{
	uint32_t id = (uint32_t)(uintptr_t)arg;

	/* actor 0 at 10, 12, 14 ...; actor 1 at 11, 13, 15 ...; then both at the same times */
	for (uint64_t i = 0; i < 200; i++) {
		sim_sleep_until(10 + 2 * i + id);
		log_step(id, (uint32_t)i, 0);
	}
	for (uint64_t i = 0; i < 200; i++) {
		sim_sleep_until(1000 + 3 * i);
		log_step(id, 1000 + (uint32_t)i, 0);
	}
	/* then one runs far ahead alone while the other waits a long time */
	for (uint64_t i = 0; i < 200; i++) {
		sim_sleep_until(2000 + (id ? 5000 : 1) * i);
		log_step(id, 2000 + (uint32_t)i, 0);
	}
}

static void program_interleave(unsigned seed)
{
	(void)seed;
	sim_actor_start("a0", interleaver, (void *)(uintptr_t)0, 0);
	sim_actor_start("a1", interleaver, (void *)(uintptr_t)1, 0);
}

/* ---- program 2: random sleep/wait/signal programs ---- */

enum op_kind {
	OP_SLEEP,
	OP_WAIT,
	OP_SIGNAL,
	OP_SHARED,
	OP_PUSH,
	OP_POP,
	OP_START,
	OP_TIMER,
	OP_KINDS
};

struct op {
	enum op_kind kind;
	uint64_t d;	/* sleep or wait length in ps */
	uint32_t other; /* signal or push target */
};

static struct {
	unsigned nactors;
	unsigned nops[MAX_ACTORS + 5];
	struct op ops[MAX_ACTORS + 5][MAX_OPS];
	struct sim_event *ev[MAX_ACTORS + 5];
	struct sim_queue *q[MAX_ACTORS + 5];
	uint64_t shared;
	unsigned started;
	/* two timers; each due time wakes an actor when it fires */
	struct sim_timer *tm[2];
	struct {
		uint64_t due;
		uint32_t who;
	} armed[2][64];
	unsigned narmed[2], fired;
} prog;

/* A timer's function: log and signal what is due (possibly in another actor's turn). */
static uint64_t timer_due(void *arg)
{
	unsigned k = (unsigned)(uintptr_t)arg;
	uint64_t now = sim_now(), next = UINT64_MAX;

	for (unsigned i = 0; i < prog.narmed[k];) {
		if (prog.armed[k][i].due > now) {
			if (prog.armed[k][i].due < next)
				next = prog.armed[k][i].due;
			i++;
			continue;
		}
		log_step(97 + k, prog.fired++, prog.armed[k][i].who);
		sim_event_signal(prog.ev[prog.armed[k][i].who]);
		prog.armed[k][i] = prog.armed[k][--prog.narmed[k]];
	}
	return next;
}

static uint32_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*s >> 33);
}

static void random_actor(void *arg);

/* Short lengths, so that deadlines often coincide or fall a picosecond apart. */
static uint64_t rnd_len(uint64_t *s)
{
	static const uint64_t lens[] = {0, 1, 1, 2, 3, 5, 8, 13, 100, 1000};

	return lens[rnd(s) % (sizeof(lens) / sizeof(lens[0]))];
}

static void random_actor(void *arg)
{
	uint32_t id = (uint32_t)(uintptr_t)arg;

	for (uint32_t i = 0; i < prog.nops[id]; i++) {
		const struct op *o = &prog.ops[id][i];
		uint64_t v = 0;

		switch (o->kind) {
		case OP_SLEEP:
			sim_sleep_until(sim_now() + o->d);
			break;
		case OP_WAIT:
			v = sim_event_wait_until(prog.ev[id], sim_now() + o->d);
			break;
		case OP_SIGNAL:
			sim_event_signal(prog.ev[o->other]);
			break;
		case OP_SHARED:
			v = ++prog.shared;
			break;
		case OP_PUSH:
			sim_queue_push(prog.q[o->other], (void *)(uintptr_t)(id + 1));
			break;
		case OP_POP:
			v = (uintptr_t)sim_queue_pop_until(prog.q[id], sim_now() + o->d);
			break;
		case OP_TIMER: {
			unsigned k = o->other % 2;

			if (prog.narmed[k] < 64) {
				prog.armed[k][prog.narmed[k]].due = sim_now() + o->d;
				prog.armed[k][prog.narmed[k]++].who = o->other % prog.nactors;
				sim_timer_at(prog.tm[k], sim_now() + o->d);
			}
			break;
		}
		case OP_START:
			if (prog.started < 4) {
				uint32_t child = MAX_ACTORS + prog.started++;

				v = child;
				sim_actor_start("child", random_actor, (void *)(uintptr_t)child, 0);
			}
			break;
		default:
			break;
		}
		log_step(id, i, v);
	}
}

/* A daemon that keeps waking on its own: killed when the others end. */
static void ticker(void *arg)
{
	(void)arg;
	for (uint32_t i = 0;; i++) {
		sim_event_wait_until(prog.ev[MAX_ACTORS + 4], sim_now() + 37);
		log_step(99, i, 0);
	}
}

/* Draw the program (also in the parent, for messages). */
static void make_program(unsigned seed, bool create)
{
	uint64_t s = seed * 2654435761u + 1;

	memset(&prog, 0, sizeof(prog));
	prog.nactors = 2 + rnd(&s) % (MAX_ACTORS - 1);
	for (unsigned a = 0; a < MAX_ACTORS + 5; a++) {
		unsigned peers = a < MAX_ACTORS ? prog.nactors : MAX_ACTORS + 5;

		if (create && (sim_event_create(&prog.ev[a]) || sim_queue_create(2, &prog.q[a])))
			abort();
		prog.nops[a] = 1 + rnd(&s) % MAX_OPS;
		for (unsigned i = 0; i < prog.nops[a]; i++) {
			struct op *o = &prog.ops[a][i];

			o->kind = (enum op_kind)(rnd(&s) % OP_KINDS);
			o->d = rnd_len(&s);
			/* signal anyone, including actors that ended or never started */
			o->other = rnd(&s) % peers;
		}
	}
}

static void program_random(unsigned seed)
{
	make_program(seed, true);
	for (unsigned k = 0; k < 2; k++)
		if (sim_timer_create("timer", timer_due, (void *)(uintptr_t)k, &prog.tm[k]) ||
		    sim_timer_start(prog.tm[k]))
			abort();
	for (unsigned a = 0; a < prog.nactors; a++)
		sim_actor_start("r", random_actor, (void *)(uintptr_t)a, 0);
	if (seed % 3 == 0)
		sim_actor_start("ticker", ticker, NULL, SIM_ACTOR_DAEMON);
}

/* ---- program 3: an actor ahead of SimGrid that must really block ---- */

static struct sim_event *never_ev[2]; /* one waiter each */

/* Blocks at time 0 until 600 (seed 1) or 500 (seed 0), alone in SimGrid's round at 0. */
static void early_blocker(void *arg)
{
	(void)arg;
	sim_event_wait_until(never_ev[0], arg ? 600 : 500);
	log_step(0, 1, 0);
}

/* Started second: goes ahead to 10 alone, then waits until 600, past the other's deadline. */
static void ahead_blocker(void *arg)
{
	(void)arg;
	sim_sleep_until(10);
	sim_event_wait_until(never_ev[1], 600);
	log_step(1, 1, 0);
}

static void program_ahead_block(unsigned seed)
{
	if (!never_ev[0] && (sim_event_create(&never_ev[0]) || sim_event_create(&never_ev[1])))
		abort();
	sim_actor_start("early", early_blocker, (void *)(uintptr_t)seed, 0);
	sim_actor_start("ahead", ahead_blocker, NULL, 0);
}

/* ---- running a program twice ---- */

/* Run program(seed) in a child, with or without elision; its log in *out. */
static void run_child(void (*program)(unsigned), unsigned seed, bool elide, struct run_log *out)
{
	int fd[2], st;
	pid_t pid;
	size_t got = 0;

	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *p = (const char *)&lg;
		size_t len = offsetof(struct run_log, steps), off = 0;

		close(fd[0]);
		sim_engine_set_elision(elide);
		lg.n = 0;
		program(seed);
		lg.rc = sim_engine_run();
		log_step(100, 0, 0); /* the time the run ended at */
		lg.calls = sim_engine_calls();
		len += lg.n * sizeof(lg.steps[0]);
		while (off < len) {
			ssize_t w = write(fd[1], p + off, len - off);

			if (w <= 0)
				_exit(2);
			off += (size_t)w;
		}
		_exit(0);
	}
	close(fd[1]);
	memset(out, 0, sizeof(*out));
	for (;;) {
		ssize_t r = read(fd[0], (char *)out + got, sizeof(*out) - got);

		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_true(got >= offsetof(struct run_log, steps) + out->n * sizeof(out->steps[0]));
}

static struct run_log with, without;

/* Same steps, same times, same order; returns the calls saved. */
static uint64_t compare_runs(void (*program)(unsigned), unsigned seed)
{
	run_child(program, seed, false, &without);
	run_child(program, seed, true, &with);
	assert_int_equal(with.rc, without.rc);
	for (uint32_t i = 0; i < with.n && i < without.n; i++) {
		const struct step *a = &with.steps[i], *b = &without.steps[i];

		if (memcmp(a, b, sizeof(*a)) && getenv("DBG")) {
			make_program(seed, false);
			for (uint32_t j = i > 25 ? i - 25 : 0; j < i + 40 && j < with.n; j++)
				fprintf(
				    stderr,
				    "%u: E a%u op%u(%d) t%llu v%llu | a%u op%u(%d) t%llu v%llu\n",
				    j, with.steps[j].actor, with.steps[j].op,
				    with.steps[j].actor < 12
					? (int)prog.ops[with.steps[j].actor][with.steps[j].op].kind
					: -1,
				    (unsigned long long)with.steps[j].t,
				    (unsigned long long)with.steps[j].value, without.steps[j].actor,
				    without.steps[j].op,
				    without.steps[j].actor < 12
					? (int)prog.ops[without.steps[j].actor][without.steps[j].op]
					      .kind
					: -1,
				    (unsigned long long)without.steps[j].t,
				    (unsigned long long)without.steps[j].value);
		}
		if (memcmp(a, b, sizeof(*a)))
			fail_msg(
			    "seed %u step %u: actor %u op %u at %llu -> %llu (elided) vs actor %u "
			    "op %u at %llu -> %llu",
			    seed, i, a->actor, a->op, (unsigned long long)a->t,
			    (unsigned long long)a->value, b->actor, b->op, (unsigned long long)b->t,
			    (unsigned long long)b->value);
	}
	assert_int_equal(with.n, without.n);
	assert_true(with.calls <= without.calls);
	return without.calls - with.calls;
}

static void interleaving_keeps_its_order(void **state)
{
	(void)state;
	/* the far-ahead phase is elided, the picosecond-apart phases cannot be */
	assert_true(compare_runs(program_interleave, 0) >= 150);
	assert_int_equal(with.n, 1201);
	/* and the order is by time: 10 (a0), 11 (a1), 12 (a0)... */
	for (uint32_t i = 0; i < 400; i++) {
		assert_int_equal(with.steps[i].t, 10 + i);
		assert_int_equal(with.steps[i].actor, i % 2);
	}
}

/*
 * An actor ahead of SimGrid blocks with no catching up (its timeout is computed exactly from
 * SimGrid's clock) unless an actor that blocked in SimGrid's current round wakes at the same
 * date: SimGrid would wake the later blocker first, where with one call per sleep it blocked in
 * a later round and wakes second.
 */
static void blocking_ahead_costs_one_call(void **state)
{
	(void)state;
	/* no tie: early's wait and ahead's (its sleep to 10 elided) */
	compare_runs(program_ahead_block, 0);
	assert_int_equal(with.calls, 2);
	assert_int_equal(without.calls, 3);
	/* a tie at 600 with early, which blocked in the round at 0: one catch-up sleep first,
	 * and early wakes first as without elision */
	compare_runs(program_ahead_block, 1);
	assert_int_equal(with.calls, 3);
	assert_int_equal(with.steps[0].actor, 0);
	assert_int_equal(with.steps[1].actor, 1);
	assert_int_equal(with.steps[1].t, 600);
}

static void random_programs_keep_their_order(void **state)
{
	uint64_t saved = 0;

	(void)state;
	/* SEED=N starts at N, SEEDS=M runs up to seed M (300 by default) */
	unsigned last = getenv("SEEDS") ? (unsigned)atoi(getenv("SEEDS")) : 300;

	for (unsigned seed = getenv("SEED") ? (unsigned)atoi(getenv("SEED")) : 1; seed <= last;
	     seed++)
		saved += compare_runs(program_random, seed);
	/* the property is not vacuous: elision did happen */
	assert_true(saved > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(interleaving_keeps_its_order),
	    cmocka_unit_test(blocking_ahead_costs_one_call),
	    cmocka_unit_test(random_programs_keep_their_order),
	};

	if (sim_engine_init())
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
