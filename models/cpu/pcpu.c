/* SPDX-License-Identifier: MIT */
/*
 * Physical CPUs: time charged by host code is slept off at the next synchronisation point
 * (one engine call however many steps the host code took); a halted pCPU waits for its
 * LAPIC's wake-up; pending physical interrupts are acknowledged and dispatched to the host's
 * IDT in host mode (Intel SDM vol. 3A §10.8.4: INTA moves the vector from IRR to ISR).
 */
#include "models/cpu/cpu.h"
#include "models/apic/lapic.h"
#include "sim/engine.h"
#include "sim/metrics.h"
#include "sim/trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "models/cpu/cpu_internal.h"

static void lapic_notify(void *ctx)
{
	pcpu_kick(ctx);
}

int pcpu_create(const struct pcpu_cfg *cfg, struct lapic *lapic, struct pcpu **out)
{
	struct pcpu *p;
	struct lapic_hooks h = {0};
	int rc;

	if (!cfg->clock.mhz)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->cfg = *cfg;
	p->lapic = lapic;
	rc = sim_event_create(&p->wake);
	if (rc) {
		free(p);
		return rc;
	}
	h.notify = lapic_notify;
	h.ctx = p;
	if (lapic)
		lapic_set_hooks(lapic, &h);
	*out = p;
	return 0;
}

void pcpu_destroy(struct pcpu *p)
{
	if (!p)
		return;
	sim_event_destroy(p->wake);
	free(p);
}

void pcpu_set_host_irq(struct pcpu *p, pcpu_host_irq_fn fn, void *ctx)
{
	p->host_irq = fn;
	p->host_ctx = ctx;
}

unsigned pcpu_id(const struct pcpu *p)
{
	return p->cfg.id;
}

struct lapic *pcpu_lapic(const struct pcpu *p)
{
	return p->lapic;
}

const struct sim_clock *pcpu_clock(const struct pcpu *p)
{
	return &p->cfg.clock;
}

/* Where a pCPU's time reaches the results (the application places this table at ""). */
#define PCPU_ROW(field, key, meaning)                                                              \
	{                                                                                          \
		METRIC(struct pcpu_time, field, TIME, key, meaning)                                \
	}
static const struct metric pcpu_time_rows[] = {
    PCPU_ROW(guest_ps, "cpu.guest_ns", "time in VMX non-root mode"),
    PCPU_ROW(exit_ps, "cpu.exit_ns", "time in VM exit and entry transitions (hardware)"),
    PCPU_ROW(host_ps, "cpu.hv_ns", "time in host code: exit handlers, host interrupts, host work"),
    PCPU_ROW(idle_ps, "cpu.idle_ns", "time halted in the host with nothing to run"),
};
const struct metric_table pcpu_time_metrics = METRIC_TABLE(struct pcpu_time, pcpu_time_rows);

const struct pcpu_time *pcpu_time(const struct pcpu *p)
{
	return &p->tm;
}

struct vcpu *pcpu_current_vcpu(const struct pcpu *p)
{
	return p->vcpu;
}

struct pcpu *pcpu_self(void)
{
	return sim_self_data();
}

void pcpu_bind(struct pcpu *p)
{
	sim_set_self_data(p);
}

void pcpu_kick(struct pcpu *p)
{
	sim_event_signal(p->wake);
}

void pcpu__charge(struct pcpu *p, uint64_t ps, enum pcpu_bucket b)
{
	p->owed_ps += ps;
	if (b == PCPU_EXIT)
		p->tm.exit_ps += ps;
	else
		p->tm.host_ps += ps;
	if (p->vcpu)
		vcpu__account(p->vcpu, ps, b);
}

void pcpu_charge_ps(struct pcpu *p, uint64_t ps)
{
	pcpu__charge(p, ps, PCPU_HOST);
}

void pcpu_charge_cycles(struct pcpu *p, uint64_t cycles)
{
	pcpu__charge(p, sim_cycles_to_ps(&p->cfg.clock, cycles), PCPU_HOST);
}

void pcpu_account_host(struct pcpu *p, uint64_t ps)
{
	p->tm.host_ps += ps;
	if (p->vcpu)
		vcpu__account(p->vcpu, ps, PCPU_HOST);
}

uint64_t pcpu_sync(struct pcpu *p)
{
	if (p->owed_ps) {
		uint64_t until = sim_now() + p->owed_ps;

		p->owed_ps = 0;
		sim_set_wait_label("host work");
		sim_sleep_until(until);
	}
	return sim_now();
}

uint64_t pcpu_now(const struct pcpu *p)
{
	return sim_now() + p->owed_ps;
}

void pcpu__timer_check(struct pcpu *p)
{
	if (!p->timer_deadline || sim_now() < p->timer_deadline)
		return;
	p->timer_deadline = 0;
	p->timer_fires++;
	if (p->lapic)
		lapic_accept(p->lapic, p->timer_vector, false);
}

void pcpu_timer_arm(struct pcpu *p, uint64_t deadline_ps, uint8_t vector)
{
	p->timer_deadline = deadline_ps;
	p->timer_vector = vector;
}

uint64_t pcpu_timer_fires(const struct pcpu *p)
{
	return p->timer_fires;
}

int pcpu_thread_create(struct pcpu *p, struct vcpu *v, struct pcpu_thread **out)
{
	struct pcpu_thread *t = calloc(1, sizeof(*t));
	int rc;

	if (!t)
		return -ENOMEM;
	rc = sim_event_create(&t->go);
	if (rc) {
		free(t);
		return rc;
	}
	t->p = p;
	t->v = v;
	*out = t;
	return 0;
}

void pcpu_thread_destroy(struct pcpu_thread *t)
{
	if (!t)
		return;
	sim_event_destroy(t->go);
	free(t);
}

static void pcpu_thread_set_current(struct pcpu *p, struct pcpu_thread *t)
{
	p->cur = t;
	p->vcpu = t ? t->v : NULL;
	if (t && t->v && vcpu_track(t->v))
		p->track = vcpu_track(t->v);
}

void pcpu_thread_resume(struct pcpu *p, struct pcpu_thread *t)
{
	pcpu_thread_set_current(p, t);
	if (t)
		sim_event_signal(t->go); /* latched if t does not wait yet */
}

struct pcpu_thread *pcpu_current_thread(const struct pcpu *p)
{
	return p->cur;
}

void pcpu_thread_wait(struct pcpu_thread *t, const char *why)
{
	sim_set_wait_label(why);
	sim_event_wait(t->go);
}

void pcpu_switch_to(struct pcpu *p, struct pcpu_thread *next, const char *why)
{
	struct pcpu_thread *prev = p->cur;

	uint64_t t0;

	pcpu_sync(p);
	if (next == prev)
		return;
	t0 = sim_now();
	pcpu_thread_resume(p, next);
	if (!prev)
		return;
	pcpu_thread_wait(prev, why);
	/* switched back to: the spans that follow are this thread's again */
	if (trace_on() && sim_now() > t0 && prev->v && vcpu_track(prev->v))
		trace_span(sim_trace, vcpu_track(prev->v), "sched", why, t0, sim_now(), NULL);
}

void pcpu_service_irqs(struct pcpu *p)
{
	int vec;

	if (!p->lapic)
		return;
	pcpu__timer_check(p);
	while ((vec = lapic_ack(p->lapic)) >= 0) {
		p->host_irqs++;
		if (p->host_irq)
			p->host_irq(p->host_ctx, p, (uint8_t)vec);
		else
			lapic_eoi(p->lapic); /* nobody home: drop it */
	}
}

void pcpu_idle_until(struct pcpu *p, uint64_t deadline_ps)
{
	uint64_t t0;

	pcpu_sync(p);
	pcpu__timer_check(p);
	if (p->lapic && lapic_deliverable(p->lapic) >= 0) {
		pcpu_service_irqs(p);
		return;
	}
	t0 = sim_now();
	sim_set_wait_label("idle (HLT in host)");
	deadline_ps = pcpu__cap(p, deadline_ps);
	if (deadline_ps == UINT64_MAX)
		sim_event_wait(p->wake);
	else
		sim_event_wait_until(p->wake, deadline_ps);
	p->tm.idle_ps += sim_now() - t0;
	if (trace_on() && sim_now() > t0)
		trace_span(sim_trace, p->track, "cpu", "idle", t0, sim_now(), NULL);
	pcpu_service_irqs(p);
}

void pcpu_poll_until(struct pcpu *p, uint64_t deadline_ps)
{
	uint64_t t0;

	pcpu_sync(p);
	pcpu__timer_check(p);
	if (p->lapic && lapic_deliverable(p->lapic) >= 0) {
		pcpu_service_irqs(p);
		return;
	}
	t0 = sim_now();
	sim_set_wait_label("halt polling");
	sim_event_wait_until(p->wake, pcpu__cap(p, deadline_ps));
	p->tm.host_ps += sim_now() - t0;
	if (p->vcpu)
		vcpu__account(p->vcpu, sim_now() - t0, PCPU_HOST);
	if (trace_on() && sim_now() > t0)
		trace_span(sim_trace, p->track, "host", "halt poll", t0, sim_now(), NULL);
	pcpu_service_irqs(p);
}

void pcpu_idle(struct pcpu *p)
{
	pcpu_idle_until(p, UINT64_MAX);
}

void pcpu_note_flow(struct pcpu *p, uint64_t flow)
{
	p->flow = flow;
}

uint64_t pcpu_take_flow(struct pcpu *p)
{
	uint64_t f = p->flow;

	p->flow = 0;
	return f;
}

int pcpu_track(const struct pcpu *p)
{
	return p->track;
}

void pcpu_set_track(struct pcpu *p, int track)
{
	p->track = track;
}
