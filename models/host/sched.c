/* SPDX-License-Identifier: MIT */
#include "models/host/sched.h"

#include "sim/metrics.h"
#include "sim/trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

enum thread_state {
	T_RUNNING,  /* the pCPU's current thread (possibly idling inside host_thread_block) */
	T_RUNNABLE, /* on the run queue */
	T_BLOCKED,  /* off the run queue until woken */
};

struct host_thread {
	struct host_sched *s;
	unsigned cpu;
	struct host_task *hw;
	const struct host_thread_ops *ops;
	void *ctx;
	enum thread_state state;
	bool idle; /* current and blocked: halted in host_thread_block */
	uint64_t queued_at;
	struct host_thread *next;
	struct host_thread_stats st;
};

struct rq {
	struct host_thread *curr;
	struct host_thread *head, *tail;
	unsigned n;
	bool need_resched;
	uint64_t slice_start;
	uint64_t timer; /* the deadline armed on this pCPU's LAPIC timer (0: none) */
};

struct host_sched {
	struct host *h;
	struct host_sched_cfg cfg;
	struct rq *rq;
	unsigned ncpus;
	struct host_sched_stats st;
};

static void push_tail(struct rq *rq, struct host_thread *t)
{
	t->next = NULL;
	if (rq->tail)
		rq->tail->next = t;
	else
		rq->head = t;
	rq->tail = t;
	rq->n++;
}

static void push_head(struct rq *rq, struct host_thread *t)
{
	t->next = rq->head;
	rq->head = t;
	if (!rq->tail)
		rq->tail = t;
	rq->n++;
}

static struct host_thread *pop_head(struct rq *rq)
{
	struct host_thread *t = rq->head;

	if (!t)
		return NULL;
	rq->head = t->next;
	if (!rq->head)
		rq->tail = NULL;
	t->next = NULL;
	rq->n--;
	return t;
}

static struct rq *this_rq(struct host_sched *s)
{
	unsigned cpu = host_this_cpu_id(s->h);

	return cpu < s->ncpus ? &s->rq[cpu] : NULL;
}

/* On the rq's own pCPU: the slice timer runs exactly while someone waits (tickless when a
 * thread is alone). */
static void update_timer(struct host_sched *s, struct rq *rq)
{
	uint64_t want = rq->n && rq->curr ? rq->slice_start + s->cfg.slice_ps : 0;

	if (want == rq->timer)
		return;
	rq->timer = want;
	host_timer_arm(s->h, want);
}

/* The LAPIC timer: the slice of the current thread has run out. */
static void tick(void *ctx, struct pcpu *p, uint8_t vector)
{
	struct host_sched *s = ctx;
	struct rq *rq = this_rq(s);

	(void)p;
	(void)vector;
	s->st.ticks++;
	if (!rq)
		return;
	rq->timer = 0;
	if (rq->n && host_now(s->h) >= rq->slice_start + s->cfg.slice_ps) {
		s->st.slice_expiries++;
		rq->need_resched = true;
		host_trace_step(s->h, "sched", "time slice over: reschedule at the next entry", NULL);
	} else {
		update_timer(s, rq);
	}
}

/* The reschedule IPI: a thread was queued here from another pCPU (need_resched is already
 * set if it is to preempt); start the slice timer if it was not running. */
static void resched_ipi(void *ctx, struct pcpu *p, uint8_t vector)
{
	struct host_sched *s = ctx;
	struct rq *rq = this_rq(s);

	(void)p;
	(void)vector;
	if (rq)
		update_timer(s, rq);
}

int host_sched_create(struct host *h, const struct host_sched_cfg *cfg, struct host_sched **out)
{
	struct host_sched *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return -ENOMEM;
	s->h = h;
	s->cfg = *cfg;
	s->ncpus = host_machine(h)->npcpus;
	s->rq = calloc(s->ncpus, sizeof(*s->rq));
	rc = s->rq ? host_irq_set_system(h, HOST_LOCAL_TIMER_VECTOR, tick, s) : -ENOMEM;
	if (!rc)
		rc = host_irq_set_system(h, HOST_RESCHEDULE_VECTOR, resched_ipi, s);
	if (rc) {
		host_sched_destroy(s);
		return rc;
	}
	*out = s;
	return 0;
}

void host_sched_destroy(struct host_sched *s)
{
	if (!s)
		return;
	host_irq_free_system(s->h, HOST_LOCAL_TIMER_VECTOR, s);
	host_irq_free_system(s->h, HOST_RESCHEDULE_VECTOR, s);
	free(s->rq);
	free(s);
}

/* Where the scheduler's counters reach the results (the application places both tables at "";
 * a VM's vCPU threads add up under the VM's prefix). Left out of the threads' table:
 * switches_in, blocks and wakeups, the same events as sched.context_switches, vm.halts and
 * vm.wakeups seen from the thread. */
#define SCHED_ROW(field, key, meaning)                                                             \
	{                                                                                          \
		METRIC(struct host_sched_stats, field, COUNT, key, meaning)                        \
	}
static const struct metric host_sched_rows[] = {
    SCHED_ROW(switches, "sched.context_switches", "context switches between threads"),
    SCHED_ROW(slice_expiries, "sched.slice_expiries", "switches at the end of a time slice"),
    SCHED_ROW(wakeup_preemptions, "sched.wakeup_preemptions", "switches to a thread that woke up"),
    SCHED_ROW(resched_ipis, "sched.resched_ipis", "reschedule IPIs between pCPUs"),
    SCHED_ROW(ticks, "sched.timer_interrupts", "scheduler timer interrupts"),
};
const struct metric_table host_sched_metrics =
    METRIC_TABLE(struct host_sched_stats, host_sched_rows);

static const struct metric host_thread_rows[] = {
    {METRIC(struct host_thread_stats, preemptions, COUNT, "sched.preemptions",
	    "threads switched out while still runnable"),
     .each = "preemptions"},
    {METRIC(struct host_thread_stats, run_delay_ps, TIME, "sched.run_delay_ns",
	    "time threads waited runnable for their pCPU, in all"),
     .each = "run_delay_ns"},
};
const struct metric_table host_thread_metrics =
    METRIC_TABLE(struct host_thread_stats, host_thread_rows);

const struct host_sched_stats *host_sched_stats(const struct host_sched *s)
{
	return &s->st;
}

int host_thread_create(struct host_sched *s, unsigned cpu, struct vcpu *v,
		       const struct host_thread_ops *ops, void *ctx, struct host_thread **out)
{
	struct host_thread *t;
	int rc;

	if (cpu >= s->ncpus)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	rc = host_task_create(s->h, cpu, v, &t->hw);
	if (rc) {
		free(t);
		return rc;
	}
	t->s = s;
	t->cpu = cpu;
	t->ops = ops;
	t->ctx = ctx;
	t->state = T_BLOCKED;
	*out = t;
	return 0;
}

void host_thread_wake_new(struct host_thread *t)
{
	struct host_sched *s = t->s;
	struct rq *rq = &s->rq[t->cpu];
	unsigned cpu = t->cpu;

	/* wake_up_new_task: the first thread of an idle pCPU runs; later ones queue, and the
	 * pCPU hears of it so its slice timer starts. */
	if (!rq->curr) {
		rq->curr = t;
		t->state = T_RUNNING;
		rq->slice_start = host_now(s->h);
		host_task_set_current(s->h, cpu, t->hw);
	} else {
		t->state = T_RUNNABLE;
		t->queued_at = host_now(s->h);
		push_tail(rq, t);
		if (rq->n == 1) {
			s->st.resched_ipis++;
			host_send_ipi(s->h, cpu, HOST_RESCHEDULE_VECTOR);
		}
	}
}

void host_thread_destroy(struct host_thread *t)
{
	if (!t)
		return;
	host_task_destroy(t->hw);
	free(t);
}

/* The calling thread is current again: a new slice. */
static void resumed(struct host_thread *t)
{
	struct host_sched *s = t->s;
	struct rq *rq = &s->rq[t->cpu];

	rq->slice_start = host_now(s->h);
	if (t->ops && t->ops->sched_in)
		t->ops->sched_in(t->ctx);
	update_timer(s, rq);
}

void host_thread_start(struct host_thread *t)
{
	/* Always wait: `state` says RUNNING as soon as another thread picks t in switch_out,
	 * but t may run only once that thread has switched to it. */
	host_task_wait(t->hw, "runnable: waiting for its pCPU");
	resumed(t);
}

/* The current thread leaves the pCPU (preempted or blocked) for the head of the queue. */
static void switch_out(struct host_thread *prev, enum thread_state how)
{
	struct host_sched *s = prev->s;
	struct rq *rq = &s->rq[prev->cpu];
	struct host_thread *next = pop_head(rq);
	uint64_t now = host_now(s->h);

	rq->need_resched = false;
	if (!next)
		return;
	if (prev->ops && prev->ops->sched_out)
		prev->ops->sched_out(prev->ctx, how == T_RUNNABLE);
	prev->state = how;
	if (how == T_RUNNABLE) {
		prev->st.preemptions++;
		prev->queued_at = now;
		push_tail(rq, prev);
	} else {
		prev->st.blocks++;
	}
	next->state = T_RUNNING;
	next->st.switches_in++;
	next->st.run_delay_ps += now - next->queued_at;
	rq->curr = next;
	s->st.switches++;
	if (trace_on()) {
		char args[48];

		snprintf(args, sizeof(args), "\"run_queue\":%u", rq->n);
		host_trace_step(s->h, "sched",
			      how == T_RUNNABLE ? "context switch: preempted"
						: "context switch: blocked",
			      args);
	}
	host_cpu_work(s->h, s->cfg.switch_cycles);
	host_switch_to(s->h, next->hw,
		     how == T_RUNNABLE ? "preempted: runnable, waiting for its pCPU"
				       : "blocked (another thread has the pCPU)");
	/* switched back to: prev is current again */
	resumed(prev);
}

void host_sched_cond_resched(struct host_sched *s)
{
	struct rq *rq = this_rq(s);

	if (!rq || !rq->need_resched)
		return;
	if (rq->n && rq->curr)
		switch_out(rq->curr, T_RUNNABLE);
	else
		rq->need_resched = false;
}

void host_thread_block(struct host_thread *t, bool (*runnable)(void *ctx), void *ctx)
{
	struct rq *rq = &t->s->rq[t->cpu];

	while (!runnable(ctx)) {
		if (rq->n) {
			switch_out(t, T_BLOCKED);
			continue;
		}
		t->idle = true;
		host_idle(t->s->h);
		t->idle = false;
	}
}

bool host_thread_poll(struct host_thread *t, bool (*runnable)(void *ctx), void *ctx,
		      uint64_t poll_ps)
{
	struct host_sched *s = t->s;
	struct rq *rq = &s->rq[t->cpu];
	uint64_t end = host_now(s->h) + poll_ps;

	while (!runnable(ctx) && !rq->n && host_now(s->h) < end)
		host_poll_until(s->h, end);
	return runnable(ctx);
}

void host_thread_wake(struct host_thread *t)
{
	struct host_sched *s = t->s;
	struct rq *rq = &s->rq[t->cpu];
	bool local = host_this_cpu_id(s->h) == t->cpu;

	if (t->state == T_RUNNING) {
		host_kick_cpu(s->h, t->cpu); /* running, polling or idling: let it look */
		return;
	}
	if (t->state == T_RUNNABLE)
		return; /* it will look when its turn comes */
	t->state = T_RUNNABLE;
	t->st.wakeups++;
	t->queued_at = host_now(s->h);
	if (s->cfg.wakeup_preempt) {
		push_head(rq, t);
		rq->need_resched = true;
		s->st.wakeup_preemptions++;
	} else {
		push_tail(rq, t);
	}
	if (rq->curr && rq->curr->idle) {
		host_kick_cpu(s->h, t->cpu); /* the current thread idles: it will switch */
	} else if (local) {
		update_timer(s, rq);
	} else if (s->cfg.wakeup_preempt || rq->n == 1) {
		/* preempt now, or start a stopped tick */
		s->st.resched_ipis++;
		host_send_ipi(s->h, t->cpu, HOST_RESCHEDULE_VECTOR);
	}
}

const struct host_thread_stats *host_thread_stats(const struct host_thread *t)
{
	return &t->st;
}
