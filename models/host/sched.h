/* SPDX-License-Identifier: MIT */
/*
 * The host's scheduler for threads pinned to a pCPU (vCPU threads), when several share one:
 * a FIFO run queue per pCPU with a time slice, the way Linux runs equal-weight tasks, and the
 * hooks KVM hangs on it (preempt notifiers: kvm_sched_out / kvm_sched_in).
 *
 * - The slice is enforced by the CPU's LAPIC timer in TSC-deadline mode, armed only while
 *   another thread waits for the pCPU (a lone thread runs tickless, as on a NO_HZ_FULL host).
 *   Its interrupt exits a running guest; the switch happens on the way back in
 *   (cond_resched before VM entry, KVM's xfer_to_guest_mode_work).
 * - A blocked thread that is woken is queued; with wakeup preemption it goes to the head and
 *   the running thread is preempted at once (a sleeper placed ahead, as CFS/EEVDF place a
 *   waking task), through a reschedule IPI when the pCPU is another.
 * - Halt polling stops when another thread wants the pCPU (KVM polls only while
 *   single_task_running()).
 */
#ifndef PTSIM_HOST_SCHED_H
#define PTSIM_HOST_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "models/host/host.h"

struct host_sched;
struct host_thread;
struct vcpu;

struct host_thread_ops {
	/* Leaving the pCPU: preempted (still runnable) or blocked. */
	void (*sched_out)(void *ctx, bool preempted);
	/* Back on the pCPU. */
	void (*sched_in)(void *ctx);
};

struct host_thread_stats {
	uint64_t switches_in;  /* times it was switched to */
	uint64_t preemptions;  /* switched out while runnable */
	uint64_t blocks;       /* switched out because it blocked */
	uint64_t wakeups;      /* woken from blocked */
	uint64_t run_delay_ps; /* runnable but waiting for the pCPU */
};

struct host_sched_stats {
	uint64_t switches, ticks, slice_expiries, wakeup_preemptions, resched_ipis;
};
/* The metric tables of struct host_sched_stats and struct host_thread_stats (sim/metrics.h). */
struct metric_table;
extern const struct metric_table host_sched_metrics, host_thread_metrics;

int host_sched_create(struct host *h, const struct host_sched_cfg *cfg, struct host_sched **out);
void host_sched_destroy(struct host_sched *s);
const struct host_sched_stats *host_sched_stats(const struct host_sched *s);

/* A thread pinned to cpu, running vCPU v; it does not run until woken as new. */
int host_thread_create(struct host_sched *s, unsigned cpu, struct vcpu *v,
		       const struct host_thread_ops *ops, void *ctx, struct host_thread **out);
/* Called by whoever starts the thread, before its actor runs (wake_up_new_task): it becomes
 * its pCPU's current thread, or is queued there. */
void host_thread_wake_new(struct host_thread *t);
void host_thread_destroy(struct host_thread *t);
/* First thing the thread's actor does: wait until it is the pCPU's current thread. */
void host_thread_start(struct host_thread *t);
/* At a preemption point of the current thread (before VM entry): switch if asked to. */
void host_sched_cond_resched(struct host_sched *s);
/* The current thread blocks until runnable(ctx); the pCPU runs others or idles meanwhile. */
void host_thread_block(struct host_thread *t, bool (*runnable)(void *ctx), void *ctx);
/* Spin for up to poll_ps until runnable(ctx), unless another thread wants the pCPU. */
bool host_thread_poll(struct host_thread *t, bool (*runnable)(void *ctx), void *ctx,
		      uint64_t poll_ps);
/* Something the thread waits for happened (from any pCPU): kick it, or wake it if blocked. */
void host_thread_wake(struct host_thread *t);
const struct host_thread_stats *host_thread_stats(const struct host_thread *t);

#endif
