/* SPDX-License-Identifier: MIT */
/* Inside the cpu module only. */
#ifndef PTSIM_CPU_INTERNAL_H
#define PTSIM_CPU_INTERNAL_H

#include "models/cpu/cpu.h"

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
};

void pcpu__charge(struct pcpu *p, uint64_t ps, enum pcpu_bucket b);

#endif
