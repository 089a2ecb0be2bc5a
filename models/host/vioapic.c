/* SPDX-License-Identifier: MIT */
/*
 * The VM's I/O APIC, emulated in the kernel (KVM's virt/kvm/ioapic.c in spirit): the guest
 * programs it through a trapping MMIO window; a GSI raised by the host (an assigned device's
 * INTx) is delivered to a vCPU's LAPIC; level-triggered pins are held by Remote IRR until the
 * guest's EOI of their vector, which also runs the pin's ack notifier (VFIO unmasks the
 * physical line there). Under APICv the level vectors go into the EOI-exit bitmap so the
 * guest's virtualized EOI still exits (KVM's vcpu_scan_ioapic).
 */
#include "models/host/hv_internal.h"
#include "models/apic/ioapic_regs.h"
#include "models/cpu/vmx.h"
#include "models/abi/bootparam.h"

#include "sim/trace.h"

#include <stdio.h>
#include <string.h>

static struct hv_vcpu *dest_of(struct vm *vm, uint64_t rte)
{
	return hv__vcpu_by_apic(vm, IOAPIC_RTE_DEST(rte));
}

static void fire(struct vm *vm, unsigned pin)
{
	struct vioapic *io = &vm->vioapic;
	uint64_t e = io->rte[pin];
	struct hv_vcpu *hc = dest_of(vm, e);
	bool level = e & IOAPIC_RTE_LEVEL;

	if (level)
		io->rte[pin] |= IOAPIC_RTE_REMOTE_IRR;
	io->fired++;
	if (trace_on()) {
		char args[48];

		snprintf(args, sizeof(args), "\"pin\":%u,\"vector\":\"0x%02x\"", pin,
			 (unsigned)(e & IOAPIC_RTE_VECTOR));
		host_trace_step(vm->hv->h, "hv", "guest I/O APIC pin fires (Remote IRR set)", args);
	}
	if (hc)
		hv__deliver(vm, hc, (uint8_t)(e & IOAPIC_RTE_VECTOR), level);
}

static void evaluate(struct vm *vm, unsigned pin, bool rising)
{
	struct vioapic *io = &vm->vioapic;
	uint64_t e = io->rte[pin];

	if (!io->level[pin] || (e & IOAPIC_RTE_MASK))
		return;
	if (e & IOAPIC_RTE_LEVEL) {
		if (!(e & IOAPIC_RTE_REMOTE_IRR))
			fire(vm, pin);
	} else if (rising) {
		fire(vm, pin);
	}
}

void vm_set_gsi(struct vm *vm, unsigned gsi, bool asserted)
{
	struct vioapic *io = &vm->vioapic;
	bool rising;

	if (gsi >= VIOAPIC_PINS)
		return;
	rising = asserted && !io->level[gsi];
	io->level[gsi] = asserted;
	evaluate(vm, gsi, rising);
}

int vm_add_gsi_ack(struct vm *vm, unsigned gsi, void (*fn)(void *ctx), void *ctx)
{
	if (gsi >= VIOAPIC_PINS)
		return -1;
	vm->vioapic.ack[gsi] = fn;
	vm->vioapic.ack_ctx[gsi] = ctx;
	return 0;
}

/* The guest EOIed `vector` at a LAPIC (its EOI broadcast). */
void hv__vioapic_eoi(void *ctx, uint8_t vector)
{
	struct vm *vm = ctx;
	struct vioapic *io = &vm->vioapic;

	for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++) {
		uint64_t e = io->rte[pin];

		if (!(e & IOAPIC_RTE_LEVEL) || (e & IOAPIC_RTE_VECTOR) != vector ||
		    !(e & IOAPIC_RTE_REMOTE_IRR))
			continue;
		io->rte[pin] &= ~IOAPIC_RTE_REMOTE_IRR;
		io->eois++;
		if (trace_on())
			host_trace_step(vm->hv->h, "hv", "EOI broadcast: guest I/O APIC clears Remote IRR",
				      NULL);
		if (io->ack[pin])
			io->ack[pin](io->ack_ctx[pin]);
		evaluate(vm, pin, false);
	}
}

/* APICv: level-triggered vectors must exit on EOI so the EOI reaches this I/O APIC. */
static void scan_eoi_exit_bitmap(struct vm *vm)
{
	for (unsigned c = 0; c < vm->cfg.nvcpus; c++) {
		struct vmx_controls *ctl = vcpu_controls(vm->vc[c].v);

		memset(ctl->eoi_exit_bitmap, 0, sizeof(ctl->eoi_exit_bitmap));
	}
	for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++) {
		uint64_t e = vm->vioapic.rte[pin];
		struct hv_vcpu *hc;
		uint8_t v = (uint8_t)(e & IOAPIC_RTE_VECTOR);

		if (!(e & IOAPIC_RTE_LEVEL) || (e & IOAPIC_RTE_MASK) || !(hc = dest_of(vm, e)))
			continue;
		vcpu_controls(hc->v)->eoi_exit_bitmap[v / 32] |= 1u << (v % 32);
	}
}

static uint64_t mmio_read(void *ctx, uint64_t off, unsigned size)
{
	struct vm *vm = ctx;
	struct vioapic *io = &vm->vioapic;
	uint32_t reg = io->regsel;

	(void)size;
	if (off == IOAPIC_REGSEL)
		return io->regsel;
	if (off != IOAPIC_WINDOW)
		return 0;
	if (reg == IOAPIC_REG_VER)
		return 0x20 | ((VIOAPIC_PINS - 1) << 16);
	if (reg >= 0x10 && reg < 0x10 + 2 * VIOAPIC_PINS) {
		uint64_t e = io->rte[(reg - 0x10) / 2];

		return (reg & 1) ? (uint32_t)(e >> 32) : (uint32_t)e;
	}
	return 0;
}

static void mmio_write(void *ctx, uint64_t off, unsigned size, uint64_t val)
{
	struct vm *vm = ctx;
	struct vioapic *io = &vm->vioapic;
	uint32_t reg = io->regsel;

	(void)size;
	if (off == IOAPIC_REGSEL) {
		io->regsel = (uint32_t)val & 0xff;
		return;
	}
	if (off == IOAPIC_EOI) {
		hv__vioapic_eoi(vm, (uint8_t)val);
		return;
	}
	if (off != IOAPIC_WINDOW || reg < 0x10 || reg >= 0x10 + 2 * VIOAPIC_PINS)
		return;
	unsigned pin = (reg - 0x10) / 2;
	uint64_t e = io->rte[pin], ro = IOAPIC_RTE_STATUS | IOAPIC_RTE_REMOTE_IRR;
	bool was_masked = e & IOAPIC_RTE_MASK;

	if (reg & 1)
		e = (e & 0xffffffffull) | ((uint64_t)(uint32_t)val << 32);
	else
		e = (e & ~0xffffffffull & ~ro) | ((uint32_t)val & ~ro) | (e & ro);
	io->rte[pin] = e;
	scan_eoi_exit_bitmap(vm);
	if (was_masked && !(e & IOAPIC_RTE_MASK))
		evaluate(vm, pin, false);
}

/* In the kernel (KVM's in-kernel irqchip): a kernel MMIO exit per access. */
static const struct hv_trap_ops vioapic_ops = {mmio_read, mmio_write, false};

int hv__vioapic_init(struct vm *vm)
{
	for (unsigned p = 0; p < VIOAPIC_PINS; p++)
		vm->vioapic.rte[p] = IOAPIC_RTE_MASK;
	return vm_add_trap(vm, GUEST_IOAPIC_BASE, 0x1000, &vioapic_ops, vm);
}
