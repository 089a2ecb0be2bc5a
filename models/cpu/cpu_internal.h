/* SPDX-License-Identifier: MIT */
/* Inside the cpu module only: the pCPU and thread structs, shared by pcpu.c and vcpu.c. */
#ifndef PTSIM_CPU_INTERNAL_H
#define PTSIM_CPU_INTERNAL_H

#include "models/cpu/vmx.h"

struct sim_event;

enum pcpu_bucket { PCPU_HOST, PCPU_EXIT };

struct pcpu {
	struct pcpu_cfg cfg;
	struct lapic *lapic;
	struct sim_event *wake;
	pcpu_host_irq_fn host_irq;
	void *host_ctx;
	struct vcpu *vcpu;
	uint64_t owed_ps;
	uint64_t host_irqs;
	struct pcpu_time tm;
	int track;
	uint64_t flow;
	/* threads sharing the pCPU: the one running now */
	struct pcpu_thread *cur;
	/* the LAPIC timer in TSC-deadline mode (0: disarmed) */
	uint64_t timer_deadline;
	uint8_t timer_vector;
	uint64_t timer_fires;
};

struct pcpu_thread {
	struct pcpu *p;
	struct vcpu *v;
	struct sim_event *go;
};

/* Fire the TSC-deadline timer if its deadline has passed. */
void pcpu__timer_check(struct pcpu *p);
/* A wait deadline capped at the timer's. */
static inline uint64_t pcpu__cap(const struct pcpu *p, uint64_t deadline_ps)
{
	return p->timer_deadline && p->timer_deadline < deadline_ps ? p->timer_deadline
								    : deadline_ps;
}

void pcpu__charge(struct pcpu *p, uint64_t ps, enum pcpu_bucket b);
/* Host or exit time of the pCPU, also counted for the vCPU it ran for (vcpu_stats). */
void vcpu__account(struct vcpu *v, uint64_t ps, enum pcpu_bucket b);

#endif
