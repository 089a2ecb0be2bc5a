/* SPDX-License-Identifier: MIT */
/* Bare metal: a kernel on the host's own CPUs (see bare.h). */
#include "models/host/bare.h"

#include "models/abi/bootparam.h"
#include "models/cpu/vmx.h"
#include "models/host/host.h"
#include "models/mem/mem.h"
#include "sim/engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE 4096ull

struct bare_cpu {
	struct host_bare *b;
	struct vcpu *v;
	struct pcpu *p;
	unsigned pcpu;
};

struct host_bare {
	struct host *h;
	struct host_bare_cfg cfg;
	uint64_t ram_pa;
	struct bare_cpu *cpu;
	struct sim_event *never;
};

/* What firmware tells a kernel about the machine itself (boot_params/E820, MCFG, MADT, the
 * DMAR's I/O APIC scope, _PRT): its RAM, the host's ECAM and 32-bit MMIO window, its CPUs,
 * the I/O APIC, its source ID and the root bus's INTx routing. No paravirtual IOMMU. */
static void write_bootparam(struct host_bare *b)
{
	const struct host_machine *m = host_machine(b->h);
	uint64_t bp = b->ram_pa, prt[16] = {0};

	for (unsigned d = 0; d < 32; d++)
		for (unsigned p = 1; p <= 4; p++) {
			unsigned i = BOOTPARAM_PRT_BYTE(d, p);

			prt[i / 8] |= (uint64_t)m->prt[d][p - 1] << (8 * (i % 8));
		}
	const struct {
		size_t word;
		uint64_t val;
	} w[] = {
	    {BOOTPARAM_WORD(magic), BOOTPARAM_MAGIC},
	    {BOOTPARAM_WORD(nram), 1},
	    {BOOTPARAM_WORD(ram_base), b->ram_pa},
	    {BOOTPARAM_WORD(ram_size), b->cfg.ram_bytes},
	    {BOOTPARAM_WORD(ecam_base), m->ecam_base},
	    {BOOTPARAM_WORD(ecam_buses), m->ecam_buses},
	    {BOOTPARAM_WORD(mmio_base), m->mmio32_base},
	    {BOOTPARAM_WORD(mmio_size), m->mmio32_size},
	    {BOOTPARAM_WORD(ncpus), b->cfg.ncpus},
	    {BOOTPARAM_WORD(reserved_top), b->ram_pa + PAGE},
	    {BOOTPARAM_WORD(ioapic_base), m->ioapic_base},
	    {BOOTPARAM_WORD(ioapic_sid), m->ioapic_sid},
	};

	for (unsigned i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		host_mem_write64(b->h, bp + 8 * w[i].word, w[i].val);
	for (unsigned i = 0; i < 16; i++)
		host_mem_write64(b->h, bp + 8 * (BOOTPARAM_WORD(prt) + i), prt[i]);
}

int host_bare_create(struct host *h, const struct host_bare_cfg *cfg, struct host_bare **out)
{
	const struct host_machine *m = host_machine(h);
	struct host_bare *b;
	int rc = -EINVAL;

	if (!cfg->ncpus || !cfg->pcpu || cfg->ram_bytes < (4ull << 20) || cfg->ram_bytes % PAGE)
		return -EINVAL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->h = h;
	b->cfg = *cfg;
	b->cpu = calloc(cfg->ncpus, sizeof(*b->cpu));
	if (!b->cpu)
		goto fail_nomem;
	rc = host_alloc_pages_aligned(h, cfg->ram_bytes / PAGE, 2ull << 20, MEM_OWNER_HOST,
				      &b->ram_pa);
	if (!rc)
		rc = sim_event_create(&b->never);
	for (unsigned i = 0; i < cfg->ncpus && !rc; i++) {
		struct vcpu_cfg vc = {.id = i, .bare = true};

		if (cfg->pcpu[i] >= m->npcpus) {
			rc = -EINVAL;
			break;
		}
		snprintf(vc.name, sizeof(vc.name), "%.16s.cpu%u", cfg->name, i);
		b->cpu[i].b = b;
		b->cpu[i].pcpu = cfg->pcpu[i];
		b->cpu[i].p = m->pcpus[cfg->pcpu[i]];
		rc = vcpu_create(&vc, m->mem, m->fab, &b->cpu[i].v);
	}
	if (rc)
		goto fail;
	b->cfg.pcpu = NULL; /* the caller's; each CPU keeps its own */
	write_bootparam(b);
	*out = b;
	return 0;
fail_nomem:
	rc = -ENOMEM;
fail:
	host_bare_destroy(b);
	return rc;
}

void host_bare_destroy(struct host_bare *b)
{
	if (!b)
		return;
	for (unsigned i = 0; b->cpu && i < b->cfg.ncpus; i++)
		vcpu_destroy(b->cpu[i].v);
	sim_event_destroy(b->never);
	free(b->cpu);
	free(b);
}

static void cpu_thread(void *arg)
{
	struct bare_cpu *c = arg;

	pcpu_bind(c->p);
	vcpu_launch(c->v, c->p);
	c->b->cfg.entry(c->b->cfg.ctx, c->v);
	/* The kernel's entry returned: the CPU sits in cli; hlt for good. */
	sim_set_wait_label("kernel stopped");
	sim_event_wait(c->b->never);
}

int host_bare_start(struct host_bare *b)
{
	for (unsigned i = 0; i < b->cfg.ncpus; i++) {
		int rc = sim_actor_start(vcpu_name(b->cpu[i].v), cpu_thread, &b->cpu[i],
					 SIM_ACTOR_DAEMON);

		if (rc)
			return rc;
	}
	return 0;
}

uint64_t host_bare_bootparam(const struct host_bare *b)
{
	return b->ram_pa;
}

struct vcpu *host_bare_cpu(const struct host_bare *b, unsigned i)
{
	return i < b->cfg.ncpus ? b->cpu[i].v : NULL;
}

unsigned host_bare_ncpus(const struct host_bare *b)
{
	return b->cfg.ncpus;
}

unsigned host_bare_pcpu(const struct host_bare *b, unsigned i)
{
	return b->cpu[i].pcpu;
}
