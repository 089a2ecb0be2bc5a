/* SPDX-License-Identifier: MIT */
#include "models/apic/lapic.h"
#include "models/apic/lapic_regs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct lapic {
	uint32_t id;
	uint32_t irr[8], isr[8], tmr[8];
	/* bit i: irr[i] (isr[i]) is not zero -- the highest vector in two bit scans, as the
	 * instruction-boundary check runs after every guest instruction */
	uint32_t irr_words, isr_words;
	uint32_t tpr, svr, ldr, esr, icr_lo, icr_hi;
	struct lapic_hooks hooks;
	struct apic_bus *bus;
	struct lapic_stats st;
};

struct apic_bus {
	struct lapic **l;
	size_t n;
};

int lapic_create(uint32_t apic_id, struct lapic **out)
{
	struct lapic *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->id = apic_id;
	l->svr = 0xff; /* reset: software-disabled, spurious vector 0xff (§10.9) */
	*out = l;
	return 0;
}

void lapic_destroy(struct lapic *l)
{
	free(l);
}

void lapic_set_hooks(struct lapic *l, const struct lapic_hooks *h)
{
	l->hooks = *h;
}

void lapic_set_eoi_hook(struct lapic *l, void (*fn)(void *ctx, uint8_t vector), void *ctx)
{
	l->hooks.eoi_broadcast = fn;
	l->hooks.eoi_ctx = ctx;
}

uint32_t lapic_id(const struct lapic *l)
{
	return l->id;
}

static bool test(const uint32_t *r, uint8_t v)
{
	return r[v / 32] & (1u << (v % 32));
}

static void set(uint32_t *r, uint8_t v)
{
	r[v / 32] |= 1u << (v % 32);
}

static void clear(uint32_t *r, uint8_t v)
{
	r[v / 32] &= ~(1u << (v % 32));
}

/* The highest vector set in r, whose nonzero words are the bits of words. */
static int highest(const uint32_t *r, uint32_t words)
{
	int i;

	if (!words)
		return -1;
	i = 31 - __builtin_clz(words);
	return i * 32 + 31 - __builtin_clz(r[i]);
}

static void set_word(uint32_t *r, uint32_t *words, uint8_t v)
{
	r[v / 32] |= 1u << (v % 32);
	*words |= 1u << (v / 32);
}

static void clear_word(uint32_t *r, uint32_t *words, uint8_t v)
{
	r[v / 32] &= ~(1u << (v % 32));
	if (!r[v / 32])
		*words &= ~(1u << (v / 32));
}

int lapic_highest_isr(const struct lapic *l)
{
	return highest(l->isr, l->isr_words);
}

int lapic_highest_irr(const struct lapic *l)
{
	return highest(l->irr, l->irr_words);
}

/* §10.8.3.1: PPR is TPR if TPR[7:4] >= ISRV[7:4], else ISRV[7:4] << 4. */
uint8_t lapic_ppr(const struct lapic *l)
{
	int isrv = highest(l->isr, l->isr_words);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

	return (uint8_t)((l->tpr & 0xf0) >= isr_class ? (l->tpr & 0xff) : isr_class);
}

bool lapic_irr_test(const struct lapic *l, uint8_t vector)
{
	return test(l->irr, vector);
}

bool lapic_isr_test(const struct lapic *l, uint8_t vector)
{
	return test(l->isr, vector);
}

bool lapic_tmr_test(const struct lapic *l, uint8_t vector)
{
	return test(l->tmr, vector);
}

bool lapic_enabled(const struct lapic *l)
{
	return l->svr & APIC_SPIV_APIC_ENABLED;
}

void lapic_accept(struct lapic *l, uint8_t vector, bool level)
{
	if (vector < 16) {
		l->esr |= 1u << 6; /* received illegal vector (§10.5.3) */
		return;
	}
	if (test(l->irr, vector))
		l->st.coalesced++; /* one IRR bit per vector: a second arrival merges */
	else
		l->st.accepted++;
	set_word(l->irr, &l->irr_words, vector);
	if (level)
		set(l->tmr, vector);
	else
		clear(l->tmr, vector);
	if (l->hooks.notify)
		l->hooks.notify(l->hooks.ctx);
}

int lapic_deliverable(const struct lapic *l)
{
	int v = highest(l->irr, l->irr_words);

	if (v < 0)
		return -1;
	/* §10.8.3.1: deliverable only if its priority class is above PPR's class. */
	return ((unsigned)v & 0xf0) > (lapic_ppr(l) & 0xf0u) ? v : -1;
}

int lapic_ack(struct lapic *l)
{
	int v = lapic_deliverable(l);

	if (v < 0)
		return -1;
	clear_word(l->irr, &l->irr_words, (uint8_t)v);
	set_word(l->isr, &l->isr_words, (uint8_t)v);
	l->st.acked++;
	return v;
}

int lapic_eoi(struct lapic *l)
{
	int v = highest(l->isr, l->isr_words);

	if (v < 0)
		return -1;
	clear_word(l->isr, &l->isr_words, (uint8_t)v);
	l->st.eois++;
	if (test(l->tmr, (uint8_t)v)) {
		l->st.eoi_broadcasts++;
		if (l->hooks.eoi_broadcast)
			l->hooks.eoi_broadcast(l->hooks.eoi_ctx, (uint8_t)v);
	}
	/* Lower priority may unblock a pending vector. */
	if (lapic_deliverable(l) >= 0 && l->hooks.notify)
		l->hooks.notify(l->hooks.ctx);
	return v;
}

void lapic_set_bus(struct lapic *l, struct apic_bus *bus)
{
	l->bus = bus;
}

void lapic_write_icr(struct lapic *l, uint64_t icr)
{
	l->icr_lo = (uint32_t)icr;
	l->icr_hi = (uint32_t)(icr >> 32);
	/* Fixed delivery mode (10:8 = 0), physical destination: SDM vol. 3A §10.6.1. */
	if (l->bus && ((icr >> 8) & 7) == 0)
		apic_bus_deliver(l->bus, (uint32_t)(icr >> 32), (uint8_t)icr, false);
}

uint32_t lapic_reg_read(struct lapic *l, uint32_t off)
{
	if (off >= APIC_ISR && off < APIC_ISR + 0x80)
		return l->isr[(off - APIC_ISR) / 16];
	if (off >= APIC_TMR && off < APIC_TMR + 0x80)
		return l->tmr[(off - APIC_TMR) / 16];
	if (off >= APIC_IRR && off < APIC_IRR + 0x80)
		return l->irr[(off - APIC_IRR) / 16];
	switch (off) {
	case APIC_ID:
		return l->id;
	case APIC_LVR:
		return 0x00050014; /* version 0x14, 6 LVT entries (max LVT 5) */
	case APIC_TASKPRI:
		return l->tpr;
	case APIC_PROCPRI:
		return lapic_ppr(l);
	case APIC_LDR:
		return l->ldr;
	case APIC_SPIV:
		return l->svr;
	case APIC_ESR:
		return l->esr;
	case APIC_ICR:
		return l->icr_lo;
	case APIC_ICR2:
		return l->icr_hi;
	default:
		return 0;
	}
}

void lapic_reg_write(struct lapic *l, uint32_t off, uint32_t val)
{
	switch (off) {
	case APIC_TASKPRI:
		l->tpr = val & 0xff;
		if (lapic_deliverable(l) >= 0 && l->hooks.notify)
			l->hooks.notify(l->hooks.ctx);
		break;
	case APIC_EOI:
		lapic_eoi(l);
		break;
	case APIC_LDR:
		l->ldr = val;
		break;
	case APIC_SPIV:
		l->svr = val & 0x1ff;
		break;
	case APIC_ESR:
		l->esr = 0;
		break;
	case APIC_ICR:
		/* xAPIC: the write of the low half sends, destination in ICR2[31:24]. */
		lapic_write_icr(l, val | (uint64_t)(l->icr_hi >> 24) << 32);
		break;
	case APIC_ICR2:
		l->icr_hi = val;
		break;
	default:
		break;
	}
}

const struct lapic_stats *lapic_stats(const struct lapic *l)
{
	return &l->st;
}

/* ---- bus ---- */

int apic_bus_create(struct apic_bus **out)
{
	struct apic_bus *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	*out = b;
	return 0;
}

void apic_bus_destroy(struct apic_bus *b)
{
	if (!b)
		return;
	free(b->l);
	free(b);
}

int apic_bus_attach(struct apic_bus *b, struct lapic *l)
{
	struct lapic **n;

	if (apic_bus_find(b, l->id))
		return -EEXIST;
	n = realloc(b->l, (b->n + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	b->l = n;
	b->l[b->n++] = l;
	return 0;
}

struct lapic *apic_bus_find(const struct apic_bus *b, uint32_t apic_id)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->l[i]->id == apic_id)
			return b->l[i];
	return NULL;
}

bool apic_bus_deliver(struct apic_bus *b, uint32_t dest, uint8_t vector, bool level)
{
	struct lapic *l = apic_bus_find(b, dest);

	if (!l)
		return false;
	lapic_accept(l, vector, level);
	return true;
}
