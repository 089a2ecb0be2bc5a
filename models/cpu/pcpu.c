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

void pcpu_service_irqs(struct pcpu *p)
{
	int vec;

	if (!p->lapic)
		return;
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
	if (p->lapic && lapic_deliverable(p->lapic) >= 0) {
		pcpu_service_irqs(p);
		return;
	}
	t0 = sim_now();
	sim_set_wait_label("idle (HLT in host)");
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
	if (p->lapic && lapic_deliverable(p->lapic) >= 0) {
		pcpu_service_irqs(p);
		return;
	}
	t0 = sim_now();
	sim_set_wait_label("halt polling");
	sim_event_wait_until(p->wake, deadline_ps);
	p->tm.host_ps += sim_now() - t0;
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
