/* SPDX-License-Identifier: MIT */
/*
 * Host kernel core and HAL backend. Accesses are timed on the calling pCPU: an MMIO read
 * waits for its completion, a posted write for its issue; memory accesses cost a cached
 * access; polling loops advance simulated time, never the host machine's.
 */
#include "models/host/host.h"
#include "models/apic/lapic.h"
#include "models/apic/lapic_regs.h"
#include "models/cpu/cpu.h"
#include "models/mem/mem.h"
#include "models/pcie/pcie.h"
#include "sim/engine.h"
#include "sim/simtime.h"
#include "sim/trace.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE 4096ull
#define HOST_MAX_CPUS 256
#define FIRST_DEVICE_VECTOR 0x30
#define LAST_DEVICE_VECTOR 0xeb /* Linux: FIRST_SYSTEM_VECTOR is LOCAL_TIMER_VECTOR, 0xec */

struct free_range {
	uint64_t base, npages;
};

struct irq_slot {
	host_irq_handler fn;
	void *ctx;
};

/* A CPU's LAPIC timer as Linux's clockevents share it: the scheduler's deadline (what
 * host_timer_arm asks for) and the hrtimers queued on that CPU, soonest first; the timer is
 * programmed for the earliest of them. */
struct cpu_timer {
	uint64_t sched;
	struct host_hrtimer *head;
};

struct host {
	struct host_cfg cfg;
	struct host_machine m;
	struct free_range *free;
	size_t nfree, cap_free;
	struct irq_slot (*idt)[256]; /* per pCPU */
	struct cpu_timer *tm;	     /* per pCPU */
	struct host_stats st;
	struct sim_event **spin_ev; /* per pCPU: what a CPU spinning on memory waits on */
	bool defer_eoi;
};

static int free_add(struct host *h, uint64_t base, uint64_t npages)
{
	if (h->nfree == h->cap_free) {
		size_t nc = h->cap_free ? h->cap_free * 2 : 16;
		struct free_range *n = realloc(h->free, nc * sizeof(*n));

		if (!n)
			return -ENOMEM;
		h->free = n;
		h->cap_free = nc;
	}
	/* keep sorted by base, merge neighbours */
	size_t i = 0;
	while (i < h->nfree && h->free[i].base < base)
		i++;
	memmove(&h->free[i + 1], &h->free[i], (h->nfree - i) * sizeof(*h->free));
	h->free[i].base = base;
	h->free[i].npages = npages;
	h->nfree++;
	if (i + 1 < h->nfree && h->free[i].base + h->free[i].npages * PAGE == h->free[i + 1].base) {
		h->free[i].npages += h->free[i + 1].npages;
		memmove(&h->free[i + 1], &h->free[i + 2], (h->nfree - i - 2) * sizeof(*h->free));
		h->nfree--;
	}
	if (i > 0 && h->free[i - 1].base + h->free[i - 1].npages * PAGE == h->free[i].base) {
		h->free[i - 1].npages += h->free[i].npages;
		memmove(&h->free[i], &h->free[i + 1], (h->nfree - i - 1) * sizeof(*h->free));
		h->nfree--;
	}
	return 0;
}

int host_create(const struct host_cfg *cfg, const struct host_machine *m, struct host **out)
{
	struct host *h;
	int rc;

	if (!m->npcpus || m->npcpus > HOST_MAX_CPUS)
		return -EINVAL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->cfg = *cfg;
	h->m = *m;
	h->idt = calloc(m->npcpus, sizeof(*h->idt));
	h->spin_ev = calloc(m->npcpus, sizeof(*h->spin_ev));
	h->tm = calloc(m->npcpus, sizeof(*h->tm));
	rc = h->idt && h->spin_ev && h->tm ? 0 : -ENOMEM;
	for (unsigned c = 0; !rc && c < m->npcpus; c++)
		rc = sim_event_create(&h->spin_ev[c]);
	if (rc)
		goto fail;
	/* The page allocator gets all RAM above 1 MiB that firmware does not own (E820). */
	for (unsigned i = 0; i < mem_nranges(m->mem); i++) {
		uint64_t base, size, p;

		mem_range(m->mem, i, &base, &size);
		for (p = base < (1ull << 20) ? (1ull << 20) : base; p < base + size;) {
			uint64_t start = p;

			while (p < base + size && mem_owner(m->mem, p) == MEM_OWNER_NONE)
				p += PAGE;
			if (p > start) {
				rc = free_add(h, start, (p - start) / PAGE);
				if (rc)
					goto fail;
			}
			while (p < base + size && mem_owner(m->mem, p) != MEM_OWNER_NONE)
				p += PAGE;
		}
	}
	for (unsigned c = 0; c < m->npcpus; c++)
		pcpu_set_host_irq(m->pcpus[c], host_dispatch_irq, h);
	*out = h;
	return 0;
fail:
	host_destroy(h);
	return rc;
}

void host_destroy(struct host *h)
{
	if (!h)
		return;
	/* The pCPUs outlive the host: they stop calling its dispatcher. */
	for (unsigned c = 0; h->idt && c < h->m.npcpus; c++)
		pcpu_set_host_irq(h->m.pcpus[c], NULL, NULL);
	for (unsigned c = 0; h->spin_ev && c < h->m.npcpus; c++)
		sim_event_destroy(h->spin_ev[c]);
	free(h->spin_ev);
	free(h->free);
	free(h->idt);
	free(h->tm);
	free(h);
}

const struct host_machine *host_machine(const struct host *h)
{
	return &h->m;
}

const struct host_costs *host_costs(const struct host *h)
{
	return &h->cfg.costs;
}

const struct host_stats *host_stats(const struct host *h)
{
	return &h->st;
}

struct pcpu *host_this_cpu(struct host *h)
{
	struct pcpu *p = pcpu_self();

	return p ? p : h->m.pcpus[0];
}

unsigned host_cpu_apic_id(struct host *h, unsigned cpu)
{
	return cpu < h->m.npcpus ? lapic_id(pcpu_lapic(h->m.pcpus[cpu])) : 0;
}

/* ---- registers ---- */

static uint64_t mmio_read(struct host *h, uint64_t pa, unsigned size)
{
	struct pcpu *p = host_this_cpu(h);
	uint64_t v = 0, t = pcpu_sync(p);

	h->st.mmio_reads++;
	pcpu_charge_ps(p, pcie_cpu_read(h->m.fab, pa, size, t, &v));
	return v;
}

static void mmio_write(struct host *h, uint64_t pa, unsigned size, uint64_t v)
{
	struct pcpu *p = host_this_cpu(h);
	uint64_t t = pcpu_sync(p);

	h->st.mmio_writes++;
	pcpu_charge_ps(p, pcie_cpu_write(h->m.fab, pa, size, v, t));
}

uint32_t host_readl(struct host *h, uint64_t pa)
{
	return (uint32_t)mmio_read(h, pa, 4);
}

uint64_t host_readq(struct host *h, uint64_t pa)
{
	return mmio_read(h, pa, 8);
}

void host_writel(struct host *h, uint64_t pa, uint32_t v)
{
	mmio_write(h, pa, 4, v);
}

void host_writeq(struct host *h, uint64_t pa, uint64_t v)
{
	mmio_write(h, pa, 8, v);
}

static uint64_t ecam(const struct host *h, uint16_t bdf, uint32_t off)
{
	return h->m.ecam_base + ((uint64_t)bdf << 12) + off;
}

uint32_t host_cfg_read(struct host *h, uint16_t bdf, uint32_t off, unsigned size)
{
	h->st.cfg_reads++;
	return (uint32_t)mmio_read(h, ecam(h, bdf, off), size);
}

void host_cfg_write(struct host *h, uint16_t bdf, uint32_t off, unsigned size, uint32_t v)
{
	h->st.cfg_writes++;
	mmio_write(h, ecam(h, bdf, off), size, v);
}

/* ---- memory ---- */

static void mem_cost(struct host *h)
{
	pcpu_charge_cycles(host_this_cpu(h), h->cfg.costs.mem_access_cycles);
}

uint64_t host_mem_read64(struct host *h, uint64_t pa)
{
	mem_cost(h);
	return mem_read64(h->m.mem, pa);
}

uint32_t host_mem_read32(struct host *h, uint64_t pa)
{
	mem_cost(h);
	return mem_read32(h->m.mem, pa);
}

void host_mem_write64(struct host *h, uint64_t pa, uint64_t v)
{
	mem_cost(h);
	mem_write64(h->m.mem, pa, v);
}

void host_mem_write32(struct host *h, uint64_t pa, uint32_t v)
{
	mem_cost(h);
	mem_write32(h->m.mem, pa, v);
}

static void spin_wake(void *ctx)
{
	sim_event_signal(ctx);
}

bool host_spin_mem32(struct host *h, uint64_t pa, uint32_t want, uint64_t timeout_ns)
{
	struct pcpu *p = host_this_cpu(h);
	uint64_t t0 = pcpu_sync(p), deadline = t0 + timeout_ns * 1000;
	int w;
	bool ok;

	h->st.spins++;
	if (mem_read32(h->m.mem, pa) == want)
		return true;
	struct sim_event *ev = h->spin_ev[pcpu_id(p)];

	w = mem_watch(h->m.mem, pa, 4, spin_wake, ev);
	if (w < 0) {
		/* No watch slot: poll. */
		while (mem_read32(h->m.mem, pa) != want && sim_now() < deadline) {
			pcpu_charge_ps(p, h->cfg.costs.poll_ns * 1000);
			pcpu_sync(p);
		}
		return mem_read32(h->m.mem, pa) == want;
	}
	sim_set_wait_label("host spin on memory");
	while ((ok = mem_read32(h->m.mem, pa) == want) == false && sim_now() < deadline)
		sim_event_wait_until(ev, deadline);
	mem_unwatch(h->m.mem, w);
	/* The CPU spun all along; the last poll sees the write a little after it lands. */
	pcpu_account_host(p, sim_now() - t0);
	h->st.spin_ps += sim_now() - t0;
	mem_cost(h);
	return ok;
}

int host_alloc_pages_aligned(struct host *h, uint64_t npages, uint64_t align, unsigned owner,
			   uint64_t *pa)
{
	if (align < PAGE || (align & (align - 1)))
		return -EINVAL;
	for (size_t i = 0; i < h->nfree; i++) {
		struct free_range *f = &h->free[i];
		uint64_t start = (f->base + align - 1) & ~(align - 1);
		uint64_t end = f->base + f->npages * PAGE;

		if (start + npages * PAGE > end)
			continue;
		*pa = start;
		/* Cut [start, start + size) out of the range; what is left on either side stays. */
		uint64_t base = f->base, head = (start - base) / PAGE;
		uint64_t tail_base = start + npages * PAGE, tail = (end - tail_base) / PAGE;

		memmove(f, f + 1, (h->nfree - i - 1) * sizeof(*f));
		h->nfree--;
		if (head)
			free_add(h, base, head);
		if (tail)
			free_add(h, tail_base, tail);
		mem_set_owner(h->m.mem, *pa, npages * PAGE, owner);
		/* Small allocations are zeroed by the kernel; big ones (guest RAM) are fresh
		 * anonymous memory, zero already and not touched here. */
		if (npages <= 16) {
			void *ptr = mem_ptr(h->m.mem, *pa, npages * PAGE);

			if (ptr)
				memset(ptr, 0, npages * PAGE);
			pcpu_charge_cycles(host_this_cpu(h), npages * h->cfg.costs.page_zero_cycles);
		}
		h->st.pages_allocated += npages;
		h->st.pages_in_use += npages;
		if (h->st.pages_in_use > h->st.pages_in_use_peak)
			h->st.pages_in_use_peak = h->st.pages_in_use;
		return 0;
	}
	return -ENOMEM;
}

int host_alloc_pages(struct host *h, uint64_t npages, unsigned owner, uint64_t *pa)
{
	return host_alloc_pages_aligned(h, npages, PAGE, owner, pa);
}

void host_free_pages(struct host *h, uint64_t pa, uint64_t npages)
{
	mem_set_owner(h->m.mem, pa, npages * PAGE, MEM_OWNER_NONE);
	free_add(h, pa, npages);
	h->st.pages_in_use -= npages;
}

uint64_t host_free_page_count(const struct host *h)
{
	uint64_t n = 0;

	for (size_t i = 0; i < h->nfree; i++)
		n += h->free[i].npages;
	return n;
}

/* ---- time ---- */

uint64_t host_now(struct host *h)
{
	return pcpu_now(host_this_cpu(h));
}

void host_ndelay(struct host *h, uint64_t ns)
{
	struct pcpu *p = host_this_cpu(h);

	pcpu_charge_ps(p, ns * 1000);
	pcpu_sync(p);
}

void host_udelay(struct host *h, uint64_t us)
{
	host_ndelay(h, us * 1000);
}

uint64_t host_tsc_to_ps(struct host *h, uint64_t tsc)
{
	return sim_cycles_to_ps(pcpu_clock(host_this_cpu(h)), tsc);
}

void host_cpu_work(struct host *h, uint64_t cycles)
{
	pcpu_charge_cycles(host_this_cpu(h), cycles);
}

/* ---- interrupts ---- */

int host_irq_alloc(struct host *h, unsigned cpu, host_irq_handler fn, void *ctx,
		   uint8_t *vector)
{
	if (cpu >= h->m.npcpus)
		return -EINVAL;
	for (unsigned v = FIRST_DEVICE_VECTOR; v <= LAST_DEVICE_VECTOR; v++) {
		if (h->idt[cpu][v].fn)
			continue;
		h->idt[cpu][v].fn = fn;
		h->idt[cpu][v].ctx = ctx;
		*vector = (uint8_t)v;
		return 0;
	}
	return -ENOSPC;
}

int host_irq_set_system(struct host *h, uint8_t vector, host_irq_handler fn, void *ctx)
{
	if (vector <= LAST_DEVICE_VECTOR)
		return -EINVAL;
	for (unsigned c = 0; c < h->m.npcpus; c++) {
		if (h->idt[c][vector].fn)
			return -EBUSY;
		h->idt[c][vector].fn = fn;
		h->idt[c][vector].ctx = ctx;
	}
	return 0;
}

void host_irq_free_system(struct host *h, uint8_t vector, const void *ctx)
{
	for (unsigned c = 0; c < h->m.npcpus; c++)
		if (h->idt[c][vector].fn && h->idt[c][vector].ctx == ctx)
			memset(&h->idt[c][vector], 0, sizeof(h->idt[c][vector]));
}

void host_irq_defer_eoi(struct host *h)
{
	h->defer_eoi = true;
}

int host_apic_highest_isr(struct host *h)
{
	struct pcpu *p = host_this_cpu(h);

	/* Eight x2APIC MSR reads, highest register first, stopping at the first non-zero. */
	for (int i = 7; i >= 0; i--) {
		uint32_t isr = lapic_reg_read(pcpu_lapic(p), APIC_ISR + 0x10u * (unsigned)i);

		pcpu_charge_cycles(p, h->cfg.costs.eoi_cycles);
		if (isr)
			return i * 32 + 31 - __builtin_clz(isr);
	}
	return -1;
}

void host_apic_eoi(struct host *h)
{
	struct pcpu *p = host_this_cpu(h);

	pcpu_charge_cycles(p, h->cfg.costs.eoi_cycles);
	lapic_eoi(pcpu_lapic(p));
}

void host_irq_free(struct host *h, unsigned cpu, uint8_t vector)
{
	if (cpu < h->m.npcpus)
		memset(&h->idt[cpu][vector], 0, sizeof(h->idt[cpu][vector]));
}

void host_send_ipi(struct host *h, unsigned cpu, uint8_t vector)
{
	struct pcpu *p = host_this_cpu(h);

	if (cpu >= h->m.npcpus)
		return;
	/* The IPI leaves when the code sending it gets there, not when its handler began. */
	pcpu_charge_cycles(p, h->cfg.costs.eoi_cycles); /* one x2APIC MSR write */
	pcpu_sync(p);
	lapic_write_icr(pcpu_lapic(p), ((uint64_t)host_cpu_apic_id(h, cpu) << 32) | vector);
}

static void hrtimer_interrupt(struct host *h, unsigned cpu);

void host_dispatch_irq(void *ctx, struct pcpu *p, uint8_t vector)
{
	struct host *h = ctx;
	unsigned cpu = pcpu_id(p);
	const struct irq_slot *s = cpu < h->m.npcpus ? &h->idt[cpu][vector] : NULL;

	if (vector == HOST_LOCAL_TIMER_VECTOR && cpu < h->m.npcpus && h->tm[cpu].head) {
		/* hrtimers are due, or the timer is theirs to share with the scheduler's slice */
		pcpu_charge_cycles(p, h->cfg.costs.irq_entry_cycles);
		h->st.irqs++;
		hrtimer_interrupt(h, cpu);
		pcpu_charge_cycles(p, h->cfg.costs.eoi_cycles);
		lapic_eoi(pcpu_lapic(p));
		return;
	}
	if (trace_on()) {
		char args[48];

		snprintf(args, sizeof(args), "\"vector\":\"0x%02x\"", vector);
		trace_instant(sim_trace, pcpu_track(p), "irq", "host takes its vector", pcpu_now(p),
			      args);
	}
	pcpu_charge_cycles(p, h->cfg.costs.irq_entry_cycles);
	h->defer_eoi = false;
	if (s && s->fn) {
		h->st.irqs++;
		s->fn(s->ctx, p, vector);
	} else {
		h->st.spurious_irqs++;
	}
	/* x86 Linux EOIs the local APIC for an edge-triggered MSI vector (an x2APIC MSR write
	 * in the host: no exit, a few cycles) -- unless the handler left it to the guest. */
	if (h->defer_eoi) {
		h->st.deferred_eois++;
		h->defer_eoi = false;
		return;
	}
	pcpu_charge_cycles(p, h->cfg.costs.eoi_cycles);
	lapic_eoi(pcpu_lapic(p));
}

/* ---- threads, timer, idle ---- */

struct host_task {
	struct pcpu_thread *pt;
};

int host_task_create(struct host *h, unsigned cpu, struct vcpu *v, struct host_task **out)
{
	struct host_task *t;
	int rc;

	if (cpu >= h->m.npcpus)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	rc = pcpu_thread_create(h->m.pcpus[cpu], v, &t->pt);
	if (rc) {
		free(t);
		return rc;
	}
	*out = t;
	return 0;
}

void host_task_destroy(struct host_task *t)
{
	if (!t)
		return;
	pcpu_thread_destroy(t->pt);
	free(t);
}

void host_task_set_current(struct host *h, unsigned cpu, struct host_task *t)
{
	if (cpu < h->m.npcpus)
		pcpu_thread_resume(h->m.pcpus[cpu], t ? t->pt : NULL);
}

void host_task_wait(struct host_task *t, const char *why)
{
	pcpu_thread_wait(t->pt, why);
}

void host_switch_to(struct host *h, struct host_task *next, const char *why)
{
	pcpu_switch_to(host_this_cpu(h), next->pt, why);
}

/* The earliest deadline a CPU's timer serves (0: none). */
static uint64_t cpu_timer_next(const struct cpu_timer *tm)
{
	uint64_t d = tm->head ? tm->head->expires : 0;

	return tm->sched && (!d || tm->sched < d) ? tm->sched : d;
}

/* Program this CPU's LAPIC timer: a WRMSR to IA32_TSC_DEADLINE. */
static void program_timer(struct host *h, struct pcpu *p)
{
	pcpu_charge_cycles(p, h->cfg.costs.eoi_cycles);
	pcpu_timer_arm(p, cpu_timer_next(&h->tm[pcpu_id(p)]), HOST_LOCAL_TIMER_VECTOR);
}

void host_timer_arm(struct host *h, uint64_t deadline_ps)
{
	struct pcpu *p = host_this_cpu(h);

	h->tm[pcpu_id(p)].sched = deadline_ps;
	program_timer(h, p);
}

void host_hrtimer_init(struct host_hrtimer *t, void (*fn)(struct host_hrtimer *t))
{
	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->cpu = -1;
}

bool host_hrtimer_active(const struct host_hrtimer *t)
{
	return t->cpu >= 0;
}

static void hrtimer_unlink(struct host *h, struct host_hrtimer *t)
{
	struct host_hrtimer **pp = &h->tm[t->cpu].head;

	while (*pp && *pp != t)
		pp = &(*pp)->next;
	if (*pp)
		*pp = t->next;
	t->next = NULL;
	t->cpu = -1;
}

void host_hrtimer_start(struct host *h, struct host_hrtimer *t, uint64_t expires_ps)
{
	struct pcpu *p = host_this_cpu(h);
	unsigned cpu = pcpu_id(p);
	uint64_t before = cpu_timer_next(&h->tm[cpu]);
	struct host_hrtimer **pp;

	if (host_hrtimer_active(t))
		hrtimer_unlink(h, t);
	t->expires = expires_ps;
	t->cpu = (int)cpu;
	for (pp = &h->tm[cpu].head; *pp && (*pp)->expires <= expires_ps; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	if (cpu_timer_next(&h->tm[cpu]) != before)
		program_timer(h, p);
}

void host_hrtimer_cancel(struct host *h, struct host_hrtimer *t)
{
	if (host_hrtimer_active(t))
		hrtimer_unlink(h, t);
}

/* The LAPIC timer fired with hrtimers queued (Linux's hrtimer_interrupt): run the expired
 * ones in order, then the scheduler's tick if its deadline has come, then program the next. */
static void hrtimer_interrupt(struct host *h, unsigned cpu)
{
	struct cpu_timer *tm = &h->tm[cpu];
	const struct irq_slot *s = &h->idt[cpu][HOST_LOCAL_TIMER_VECTOR];
	struct pcpu *p = h->m.pcpus[cpu];

	while (tm->head && tm->head->expires <= pcpu_now(p)) {
		struct host_hrtimer *t = tm->head;

		hrtimer_unlink(h, t);
		t->fn(t);
	}
	if (tm->sched && tm->sched <= pcpu_now(p) && s->fn) {
		tm->sched = 0;
		s->fn(s->ctx, p, HOST_LOCAL_TIMER_VECTOR); /* re-arms through host_timer_arm */
	}
	if (cpu_timer_next(tm))
		program_timer(h, p);
}

void host_idle(struct host *h)
{
	pcpu_idle(host_this_cpu(h));
}

void host_poll_until(struct host *h, uint64_t deadline_ps)
{
	pcpu_poll_until(host_this_cpu(h), deadline_ps);
}

void host_kick_cpu(struct host *h, unsigned cpu)
{
	if (cpu < h->m.npcpus)
		pcpu_kick(h->m.pcpus[cpu]);
}

unsigned host_this_cpu_id(struct host *h)
{
	return pcpu_id(host_this_cpu(h));
}

void host_trace_step(struct host *h, const char *cat, const char *name, const char *args)
{
	struct pcpu *p = host_this_cpu(h);

	if (trace_on())
		trace_instant(sim_trace, pcpu_track(p), cat, name, pcpu_now(p), args);
}

void host_log(struct host *h, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	(void)h;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (trace_on()) {
		char args[320];
		char esc[300];
		size_t j = 0;

		for (const char *s = buf; *s && j + 2 < sizeof(esc); s++) {
			if (*s == '"' || *s == '\\')
				esc[j++] = '\\';
			esc[j++] = *s;
		}
		esc[j] = 0;
		snprintf(args, sizeof(args), "\"msg\":\"%s\"", esc);
		struct pcpu *p = pcpu_self();

		trace_instant(sim_trace, p ? pcpu_track(p) : 0, "host", "host log", sim_now(),
			      args);
	}
}
