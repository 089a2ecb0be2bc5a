/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor. VM-exit handling follows KVM's vmx_handle_exit dispatch; the emulated LAPIC
 * is KVM's in-kernel one (arch/x86/kvm/lapic.c) in spirit: IRR/ISR per vCPU, injection of the
 * highest deliverable vector on entry when the guest can take it, an interrupt window
 * requested when it cannot (inject_pending_event). A vCPU that executes HLT blocks its thread
 * until its LAPIC has something deliverable (kvm_vcpu_block).
 */
#include "models/host/hv.h"
#include "models/abi/bootparam.h"
#include "models/host/host.h"
#include "models/apic/lapic.h"
#include "models/apic/lapic_regs.h"
#include "models/apic/msi_regs.h"
#include "models/mem/mem.h"
#include "sim/engine.h"
#include "sim/metrics.h"
#include "sim/trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/host/hv_internal.h"

#define charge hv__charge

/* ---- kicks: get a vCPU to look at its LAPIC ---- */

static void vlapic_notify(void *ctx)
{
	struct hv_vcpu *hc = ctx;
	struct pcpu *self = pcpu_self();

	if (hc->halted || !vcpu_in_guest(hc->v)) {
		host_thread_wake(hc->thread); /* wakes it if blocked (or is harmless) */
		return;
	}
	if (self != hc->p) {
		/* Running in guest mode elsewhere: an IPI forces the exit that lets us inject. */
		hc->vm->st.ipis_sent++;
		host_send_ipi(hc->vm->hv->h, pcpu_id(hc->p), HOST_RESCHEDULE_VECTOR);
	}
}

int hv_create(struct host *h, const struct hv_cfg *cfg, struct hv **out)
{
	struct hv *hv = calloc(1, sizeof(*hv));
	const struct host_machine *m = host_machine(h);
	int rc;

	if (!hv)
		return -ENOMEM;
	hv->h = h;
	hv->cfg = *cfg;
	(void)m;
	rc = hv__irq_init(hv);
	if (rc) {
		free(hv);
		return rc;
	}
	*out = hv;
	return 0;
}

/* What hv_vm_create took: the vCPUs, their threads and LAPICs, the EPT, guest RAM. */
static void vm_free(struct vm *vm)
{
	for (unsigned c = 0; vm->vc && c < vm->cfg.nvcpus; c++) {
		host_thread_destroy(vm->vc[c].thread);
		vcpu_destroy(vm->vc[c].v);
		lapic_destroy(vm->vc[c].vlapic);
		sim_event_destroy(vm->vc[c].never);
	}
	ept_destroy(vm->ept);
	if (vm->ram_hpa)
		host_free_pages(vm->hv->h, vm->ram_hpa, vm->cfg.ram_bytes / PAGE);
	free(vm->traps);
	free(vm->vc);
	free(vm->pinning);
	free(vm);
}

/* After the run (nothing executes any more): every VM, then the hypervisor's vectors and
 * posted-interrupt descriptor pages. */
void hv_destroy(struct hv *hv)
{
	if (!hv)
		return;
	for (unsigned i = 0; i < hv->nvms; i++)
		vm_free(hv->vms[i]);
	free(hv->vms);
	hv__irq_exit(hv);
	free(hv);
}

struct host *hv_host(const struct hv *hv)
{
	return hv->h;
}

const struct hv_costs *hv_costs(const struct hv *hv)
{
	return &hv->cfg.costs;
}

/* ---- virtual PCI bus: config space traps ---- */

static uint32_t vpci_read(struct vm *vm, uint8_t bus, uint8_t devfn, uint32_t off, unsigned size)
{
	const struct vpci_slot *s = &vm->vpci[devfn];

	vm->st.cfg_reads++;
	if (bus != 0 || !s->ops)
		return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	return s->ops->cfg_read(s->ctx, off, size);
}

static void vpci_write(struct vm *vm, uint8_t bus, uint8_t devfn, uint32_t off, unsigned size,
		       uint32_t val)
{
	const struct vpci_slot *s = &vm->vpci[devfn];

	vm->st.cfg_writes++;
	if (bus == 0 && s->ops)
		s->ops->cfg_write(s->ctx, off, size, val);
}

static uint64_t ecam_read(void *ctx, uint64_t off, unsigned size)
{
	return vpci_read(ctx, (uint8_t)(off >> 20), (uint8_t)(off >> 12), (uint32_t)(off & 0xfff),
			 size);
}

static void ecam_write(void *ctx, uint64_t off, unsigned size, uint64_t val)
{
	vpci_write(ctx, (uint8_t)(off >> 20), (uint8_t)(off >> 12), (uint32_t)(off & 0xfff), size,
		   (uint32_t)val);
}

/* Config space is QEMU's: every access is a round trip to user space. */
static const struct hv_trap_ops ecam_ops = {.read = ecam_read, .write = ecam_write, .user = true};

/* The virtual host bridge at 00:00.0 (Q35's DRAM controller IDs). */
static uint32_t hostbridge_read(void *ctx, uint32_t off, unsigned size)
{
	uint32_t dw;

	(void)ctx;
	switch (off & ~3u) {
	case 0x00:
		dw = 0x29c08086;
		break;
	case 0x08:
		dw = 0x06000000;
		break;
	default:
		dw = 0;
	}
	return (dw >> (8 * (off & 3))) & (size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1);
}

static void hostbridge_write(void *ctx, uint32_t off, unsigned size, uint32_t val)
{
	(void)ctx;
	(void)off;
	(void)size;
	(void)val;
}

static const struct hv_vpci_ops hostbridge_ops = {hostbridge_read, hostbridge_write};

/* ---- exits ---- */

static struct trap *find_trap(struct vm *vm, uint64_t gpa)
{
	for (unsigned i = 0; i < vm->ntraps; i++)
		if (gpa >= vm->traps[i].gpa && gpa - vm->traps[i].gpa < vm->traps[i].size)
			return &vm->traps[i];
	return NULL;
}

struct hv_vcpu *hv__vcpu_by_apic(struct vm *vm, uint32_t apic_id)
{
	return apic_id < vm->cfg.nvcpus ? &vm->vc[apic_id] : NULL;
}

static void apic_msr(struct vm *vm, struct hv_vcpu *hc, struct vmx_exit *e)
{
	uint32_t off = (e->msr - APIC_BASE_MSR) << 4;

	vm->st.apic_msr_accesses++;
	charge(vm, vm->hv->cfg.costs.apic_msr);
	if (!e->write) {
		e->data = off == APIC_ID ? vcpu_id(hc->v) : lapic_reg_read(hc->vlapic, off);
		return;
	}
	hv__apic_write(vm, hc, off, e->data);
}

/* An xAPIC access to the APIC-access page without register virtualization: emulate it. */
static void apic_access(struct vm *vm, struct hv_vcpu *hc, struct vmx_exit *e)
{
	uint32_t off = (uint32_t)(e->qual & 0xfff);

	vm->st.apic_accesses++;
	charge(vm, vm->hv->cfg.costs.apic_access);
	if (!e->write) {
		e->data = off == APIC_ID ? (uint64_t)vcpu_id(hc->v) << 24
					 : lapic_reg_read(hc->vlapic, off);
		return;
	}
	hv__apic_write(vm, hc, off, e->data);
}

static void handle_exit(void *ctx, struct vcpu *v, struct vmx_exit *e)
{
	struct hv_vcpu *hc = ctx;
	struct vm *vm = hc->vm;
	const struct hv_costs *c = &vm->hv->cfg.costs;

	switch (e->reason) {
	case EXIT_REASON_EXTERNAL_INTERRUPT:
		/* handle_external_interrupt_irqoff: run the host's handler for the vector. */
		charge(vm, c->ext_int);
		host_dispatch_irq(vm->hv->h, hc->p, e->vector);
		if (e->vector == HOST_LOCAL_TIMER_VECTOR)
			e->irq = false; /* the host's own tick, not an interrupt's delivery */
		break;
	case EXIT_REASON_INTERRUPT_WINDOW:
		charge(vm, c->intr_window);
		vcpu_controls(v)->intr_window_exiting = false;
		break;
	case EXIT_REASON_HLT:
		charge(vm, c->hlt);
		if (!hv__runnable(hc)) {
			uint64_t t0 = pcpu_sync(hc->p);

			hc->halted = true;
			vm->st.halts++;
			if (vm->cfg.halt_poll_ps &&
			    host_thread_poll(hc->thread, hv__runnable, hc, vm->cfg.halt_poll_ps)) {
				vm->st.polls_won++;
			} else {
				hv__pre_block(hc);
				host_thread_block(hc->thread, hv__runnable, hc);
				hv__post_block(hc);
				vm->st.wakeups++;
				charge(vm, c->wakeup);
			}
			hc->halted = false;
			vm->st.halted_ps += sim_now() - t0;
		}
		break;
	case EXIT_REASON_EXCEPTION_NMI:
		/* ELI: a vector not in the shadow IDT (#NP): it was the host's interrupt. */
		charge(vm, c->exception);
		if (e->qual == 11)
			host_dispatch_irq(vm->hv->h, hc->p, e->vector);
		if (e->vector == HOST_LOCAL_TIMER_VECTOR)
			e->irq = false;
		break;
	case EXIT_REASON_APIC_ACCESS:
		apic_access(vm, hc, e);
		break;
	case EXIT_REASON_APIC_WRITE:
		charge(vm, c->apic_write);
		hv__apic_write(vm, hc, (uint32_t)e->qual, e->data);
		break;
	case EXIT_REASON_EOI_INDUCED:
		/* A level-triggered vector's EOI: the I/O APIC must hear of it. */
		charge(vm, c->eoi_induced);
		vm->st.eois++;
		break;
	case EXIT_REASON_EPT_VIOLATION:
	case EXIT_REASON_EPT_MISCONFIG: {
		struct trap *t = find_trap(vm, e->gpa);

		if (!t) {
			vm->st.unhandled_mmio++;
			charge(vm, c->kernel_mmio);
			e->data = ~0ull;
			break;
		}
		/* KVM caches emulated MMIO: the page gets a misconfigured EPT entry, so the next
		 * access exits as a misconfiguration (handle_ept_misconfig), not a violation. */
		if (e->reason == EXIT_REASON_EPT_VIOLATION)
			ept_map(vm->ept, e->gpa & ~0xfffull, 0x1000, 0, EPT_MISCONFIG);
		charge(vm, t->ops->user ? c->user_exit : c->kernel_mmio);
		if (e->write)
			t->ops->write(t->ctx, e->gpa - t->gpa, e->size, e->data);
		else
			e->data = t->ops->read(t->ctx, e->gpa - t->gpa, e->size);
		break;
	}
	case EXIT_REASON_IO_INSTRUCTION:
		charge(vm, c->user_exit);
		/* PCI configuration mechanism #1 (PCI 3.0 §3.2.2.3.2). */
		if (e->port == 0xcf8 && e->size == 4) {
			if (e->write)
				vm->cf8 = (uint32_t)e->data;
			else
				e->data = vm->cf8;
		} else if (e->port >= 0xcfc && e->port <= 0xcff && (vm->cf8 & 0x80000000u)) {
			uint8_t bus = (uint8_t)(vm->cf8 >> 16), devfn = (uint8_t)(vm->cf8 >> 8);
			uint32_t off = (vm->cf8 & 0xfc) | (e->port & 3u);

			if (e->write)
				vpci_write(vm, bus, devfn, off, e->size, (uint32_t)e->data);
			else
				e->data = vpci_read(vm, bus, devfn, off, e->size);
		} else {
			vm->st.unhandled_io++;
			e->data = 0xffffffffu;
		}
		break;
	case EXIT_REASON_MSR_READ:
	case EXIT_REASON_MSR_WRITE:
		if (e->msr >= APIC_BASE_MSR && e->msr <= APIC_BASE_MSR + 0xff) {
			apic_msr(vm, hc, e);
		} else if (e->msr == MSR_IA32_APICBASE) {
			charge(vm, c->apic_msr);
			if (e->write)
				hc->x2apic = e->data & (1u << 10);
			else
				e->data = APIC_DEFAULT_PHYS_BASE | (1u << 11) |
					  (hc->x2apic ? 1u << 10 : 0) |
					  (vcpu_id(v) == 0 ? 1u << 8 : 0);
		} else {
			charge(vm, c->apic_msr);
			e->data = 0;
		}
		break;
	case EXIT_REASON_VMCALL:
		charge(vm, c->vmcall);
		if (vm->hc_fn && e->nr == vm->hc_nr)
			e->data = vm->hc_fn(vm->hc_ctx, e->nr, e->args);
		else
			e->data = (uint64_t)-KVM_ENOSYS;
		break;
	default:
		charge(vm, c->kernel_mmio);
		break;
	}
}

static void pre_entry(void *ctx, struct vcpu *v)
{
	struct hv_vcpu *hc = ctx;

	(void)v;
	/* xfer_to_guest_mode_work: a pending reschedule is honoured before entering. */
	host_sched_cond_resched(hc->vm->hv->cfg.sched);
	hv__pre_entry(ctx);
}

static const struct host_thread_ops thread_ops = {hv__sched_out, hv__sched_in};

static const struct vcpu_hv_ops vmx_ops = {handle_exit, pre_entry};

/* ---- VMs ---- */

static int write_bootparam(struct vm *vm)
{
	struct host *h = vm->hv->h;
	uint64_t bp = vm->ram_hpa + BOOTPARAM_GPA;
	const uint64_t w[] = {BOOTPARAM_MAGIC, vm->nranges,
			      vm->rgpa[0], vm->rgpa[1], 0, 0,
			      vm->rsize[0], vm->rsize[1], 0, 0,
			      GUEST_ECAM_BASE, GUEST_ECAM_SIZE >> 20,
			      GUEST_MMIO_BASE, GUEST_MMIO_SIZE,
			      vm->cfg.nvcpus, 1ull << 20, GUEST_IOAPIC_BASE};

	for (unsigned i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		host_mem_write64(h, bp + 8 * i, w[i]);
	return 0;
}

int hv_vm_create(struct hv *hv, const struct vm_cfg *cfg, struct vm **out)
{
	struct host *h = hv->h;
	struct vm *vm;
	uint64_t pages = cfg->ram_bytes / PAGE;
	int rc;

	struct vm **vms;

	if (!cfg->nvcpus || !cfg->pcpu || cfg->ram_bytes < (4ull << 20) || cfg->ram_bytes % PAGE)
		return -EINVAL;
	vms = realloc(hv->vms, (hv->nvms + 1) * sizeof(*vms));
	if (!vms)
		return -ENOMEM;
	hv->vms = vms;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vm->hv = hv;
	vm->cfg = *cfg;
	vm->vc = calloc(cfg->nvcpus, sizeof(*vm->vc));
	vm->pinning = calloc(cfg->nvcpus, sizeof(*vm->pinning));
	if (!vm->vc || !vm->pinning) {
		rc = -ENOMEM;
		goto fail;
	}
	memcpy(vm->pinning, cfg->pcpu, cfg->nvcpus * sizeof(*vm->pinning));
	vm->cfg.pcpu = vm->pinning;
	vm->mmio_next = GUEST_MMIO_BASE;
	/* Guest RAM: one contiguous host allocation in huge pages (as hugetlbfs-backed guests
	 * get): 1 GiB-aligned when it is that big and such a place exists, else 2 MiB. */
	rc = -ENOMEM;
	if (cfg->ram_bytes >= (1ull << 30))
		rc = host_alloc_pages_aligned(h, pages, 1ull << 30, MEM_OWNER_VM(cfg->id),
					    &vm->ram_hpa);
	if (rc)
		rc = host_alloc_pages_aligned(h, pages, 2ull << 20, MEM_OWNER_VM(cfg->id),
					    &vm->ram_hpa);
	if (rc)
		goto fail;
	rc = ept_create(&vm->ept);
	if (rc)
		goto fail;
	vm->rgpa[0] = 0;
	vm->rhpa[0] = vm->ram_hpa;
	vm->rsize[0] = cfg->ram_bytes < GUEST_LOW_RAM_TOP ? cfg->ram_bytes : GUEST_LOW_RAM_TOP;
	vm->nranges = 1;
	if (cfg->ram_bytes > GUEST_LOW_RAM_TOP) {
		vm->rgpa[1] = GUEST_HIGH_RAM;
		vm->rhpa[1] = vm->ram_hpa + GUEST_LOW_RAM_TOP;
		vm->rsize[1] = cfg->ram_bytes - GUEST_LOW_RAM_TOP;
		vm->nranges = 2;
	}
	for (unsigned i = 0; i < vm->nranges; i++) {
		rc = ept_map(vm->ept, vm->rgpa[i], vm->rsize[i], vm->rhpa[i], EPT_R | EPT_W);
		if (rc)
			goto fail;
	}
	for (unsigned i = 0; i < cfg->nvcpus; i++) {
		struct hv_vcpu *hc = &vm->vc[i];
		struct vcpu_cfg vc = {0};
		struct lapic_hooks lh = {.notify = vlapic_notify, .ctx = hc};
		const struct host_machine *m = host_machine(h);

		if (cfg->pcpu[i] >= m->npcpus) {
			rc = -EINVAL;
			goto fail;
		}
		vc.id = i;
		snprintf(vc.name, sizeof(vc.name), "%.16s.vcpu%u", cfg->name, i);
		hc->vm = vm;
		hc->p = m->pcpus[cfg->pcpu[i]];
		rc = vcpu_create(&vc, m->mem, m->fab, &hc->v);
		if (!rc)
			rc = lapic_create(i, &hc->vlapic);
		if (!rc)
			rc = sim_event_create(&hc->never);
		if (rc)
			goto fail;
		lapic_set_hooks(hc->vlapic, &lh);
		lapic_set_eoi_hook(hc->vlapic, hv__vioapic_eoi, vm);
		vcpu_set_hv(hc->v, &vmx_ops, hc);
		vcpu_set_hv_data(hc->v, hc);
		vcpu_set_ept(hc->v, vm->ept);
		rc = host_thread_create(hv->cfg.sched, cfg->pcpu[i], hc->v, &thread_ops, hc,
					&hc->thread);
		if (rc)
			goto fail;
		/* x2APIC from the start: the guest kernel enables it through IA32_APIC_BASE. */
		rc = hv__vcpu_irq_setup(vm, hc);
		if (rc)
			goto fail;
	}
	rc = vm_add_trap(vm, GUEST_ECAM_BASE, GUEST_ECAM_SIZE, &ecam_ops, vm);
	if (!rc)
		rc = hv__vioapic_init(vm);
	if (!rc)
		rc = vm_add_vpci(vm, 0, &hostbridge_ops, vm);
	if (!rc)
		rc = write_bootparam(vm);
	if (rc)
		goto fail;
	hv->vms[hv->nvms++] = vm;
	*out = vm;
	return 0;
fail:
	vm_free(vm);
	return rc;
}

static void vcpu_thread(void *arg)
{
	struct hv_vcpu *hc = arg;

	pcpu_bind(hc->p);
	host_thread_start(hc->thread);
	vcpu_launch(hc->v, hc->p);
	hc->vm->cfg.guest_entry(hc->vm->cfg.guest_ctx, hc->v);
	/* The guest's entry returned: the vCPU sits in cli; hlt for good. */
	sim_set_wait_label("guest stopped");
	sim_event_wait(hc->never);
}

int hv_vm_start(struct vm *vm)
{
	for (unsigned i = 0; i < vm->cfg.nvcpus; i++) {
		int rc;

		host_thread_wake_new(vm->vc[i].thread);
		rc = sim_actor_start(vcpu_name(vm->vc[i].v), vcpu_thread, &vm->vc[i],
				     SIM_ACTOR_DAEMON);
		if (rc)
			return rc;
	}
	return 0;
}

const struct vm_cfg *vm_config(const struct vm *vm)
{
	return &vm->cfg;
}

struct hv *vm_hv(const struct vm *vm)
{
	return vm->hv;
}

struct vcpu *vm_vcpu(const struct vm *vm, unsigned i)
{
	return i < vm->cfg.nvcpus ? vm->vc[i].v : NULL;
}

unsigned vm_nvcpus(const struct vm *vm)
{
	return vm->cfg.nvcpus;
}

const struct host_thread *vm_vcpu_thread(const struct vm *vm, unsigned i)
{
	return i < vm->cfg.nvcpus ? vm->vc[i].thread : NULL;
}

/* Where a VM's counters reach the results (the application places this table at ""; rows
 * with .each also under the VM's prefix when there are several VMs). */
#define VM_ROW(field, kind, key, meaning)                                                          \
	{                                                                                          \
		METRIC(struct vm_stats, field, kind, key, meaning)                                 \
	}
static const struct metric vm_rows[] = {
    VM_ROW(injections, COUNT, "vm.injections", "vectors the emulated LAPIC injected at VM entry"),
    VM_ROW(msi_injected, COUNT, "vm.msis_injected",
	   "MSIs the hypervisor delivered to the VM (assigned or emulated)"),
    VM_ROW(halts, COUNT, "vm.halts", "HLT exits the hypervisor handled"),
    VM_ROW(halted_ps, TIME, "vm.halted_ns", "time vCPUs spent halted, in all"),
    VM_ROW(wakeups, COUNT, "vm.wakeups", "halted vCPUs woken after blocking"),
    VM_ROW(polls_won, COUNT, "vm.halt_polls_won", "halts that halt polling ended without blocking"),
    VM_ROW(ipis_sent, COUNT, "vm.ipis",
	   "IPIs to a vCPU running elsewhere, to force the exit that lets it inject"),
    VM_ROW(pi_wakeups, COUNT, "vm.posted_wakeups",
	   "vCPUs woken through the posted-interrupt wakeup vector"),
    VM_ROW(pi_sn_sets, COUNT, "vm.pi_sn_sets",
	   "preemptions that set SN in the posted-interrupt descriptor"),
    VM_ROW(pi_on_at_resume, COUNT, "vm.pi_on_at_resume",
	   "vCPUs resumed with posted interrupts pending in PIR"),
    VM_ROW(apic_msr_accesses, COUNT, "vm.apic_msr_accesses",
	   "x2APIC MSR accesses the hypervisor emulated"),
    VM_ROW(apic_accesses, COUNT, "vm.apic_accesses", "xAPIC page accesses the hypervisor emulated"),
    VM_ROW(eois, COUNT, "vm.eois", "level-triggered EOIs passed on to the virtual I/O APIC"),
    VM_ROW(cfg_reads, COUNT, "vm.config_reads", "guest config reads the hypervisor trapped"),
    VM_ROW(cfg_writes, COUNT, "vm.config_writes", "guest config writes the hypervisor trapped"),
    VM_ROW(unhandled_mmio, COUNT, "vm.unhandled_mmio", "guest MMIO exits nobody claimed"),
    VM_ROW(unhandled_io, COUNT, "vm.unhandled_io", "guest port I/O exits nobody claimed"),
    VM_ROW(posted, COUNT, "interrupts.software_posted",
	   "interrupts the host posted into a descriptor (cpu_posted)"),
    VM_ROW(notifications_sent, COUNT, "interrupts.notification_ipis",
	   "notification IPIs the host sent for them"),
    VM_ROW(reflected, COUNT, "interrupts.reflected",
	   "ELI: vectors reflected to the guest by a self-IPI"),
};
const struct metric_table vm_metrics = METRIC_TABLE(struct vm_stats, vm_rows);

const struct vm_stats *vm_stats(const struct vm *vm)
{
	return &vm->st;
}

uint64_t vm_ram_hpa(const struct vm *vm)
{
	return vm->ram_hpa;
}

uint64_t vm_ram_bytes(const struct vm *vm)
{
	return vm->cfg.ram_bytes;
}

unsigned vm_ram_ranges(const struct vm *vm, uint64_t *gpa, uint64_t *hpa, uint64_t *size,
		       unsigned max)
{
	for (unsigned i = 0; i < vm->nranges && i < max; i++) {
		gpa[i] = vm->rgpa[i];
		hpa[i] = vm->rhpa[i];
		size[i] = vm->rsize[i];
	}
	return vm->nranges;
}

struct ept *vm_ept(const struct vm *vm)
{
	return vm->ept;
}

int vm_set_hypercall(struct vm *vm, uint64_t nr, hv_hypercall_fn fn, void *ctx)
{
	if (vm->hc_fn && vm->hc_fn != fn)
		return -EBUSY;
	vm->hc_nr = nr;
	vm->hc_fn = fn;
	vm->hc_ctx = ctx;
	return 0;
}

void vm_bootparam_write(struct vm *vm, unsigned word, uint64_t val)
{
	host_mem_write64(vm->hv->h, vm->ram_hpa + BOOTPARAM_GPA + 8ull * word, val);
}

bool vm_gpa_to_hpa(const struct vm *vm, uint64_t gpa, uint64_t *hpa)
{
	for (unsigned i = 0; i < vm->nranges; i++)
		if (gpa >= vm->rgpa[i] && gpa - vm->rgpa[i] < vm->rsize[i]) {
			*hpa = vm->rhpa[i] + (gpa - vm->rgpa[i]);
			return true;
		}
	return false;
}

int vm_alloc_mmio(struct vm *vm, uint64_t size, uint64_t *gpa)
{
	uint64_t a = (vm->mmio_next + size - 1) & ~(size - 1);

	if (a + size > GUEST_MMIO_BASE + GUEST_MMIO_SIZE)
		return -ENOSPC;
	*gpa = a;
	vm->mmio_next = a + size;
	return 0;
}

int vm_add_trap(struct vm *vm, uint64_t gpa, uint64_t size, const struct hv_trap_ops *ops,
		void *ctx)
{
	if (vm->ntraps == vm->traps_cap) {
		unsigned cap = vm->traps_cap ? vm->traps_cap * 2 : 8;
		struct trap *t = realloc(vm->traps, cap * sizeof(*t));

		if (!t)
			return -ENOMEM;
		vm->traps = t;
		vm->traps_cap = cap;
	}
	vm->traps[vm->ntraps].gpa = gpa;
	vm->traps[vm->ntraps].size = size;
	vm->traps[vm->ntraps].ops = ops;
	vm->traps[vm->ntraps].ctx = ctx;
	vm->ntraps++;
	return ept_unmap(vm->ept, gpa, size);
}

void vm_del_trap(struct vm *vm, uint64_t gpa)
{
	for (unsigned i = 0; i < vm->ntraps; i++) {
		if (vm->traps[i].gpa == gpa) {
			memmove(&vm->traps[i], &vm->traps[i + 1],
				(vm->ntraps - i - 1) * sizeof(vm->traps[0]));
			vm->ntraps--;
			return;
		}
	}
}

int vm_add_vpci(struct vm *vm, uint8_t devfn, const struct hv_vpci_ops *ops, void *ctx)
{
	if (vm->vpci[devfn].ops)
		return -EEXIST;
	vm->vpci[devfn].ops = ops;
	vm->vpci[devfn].ctx = ctx;
	return 0;
}

void vm_inject_msi(struct vm *vm, uint64_t addr, uint32_t data)
{
	struct hv_vcpu *hc = hv__vcpu_by_apic(vm, (uint32_t)MSI_ADDR_DEST(addr));

	vm->st.msi_injected++;
	if (hc)
		hv__deliver(vm, hc, (uint8_t)MSI_DATA_VECTOR(data), data & MSI_DATA_TRIGGER);
}

unsigned vm_guest_gsi(unsigned guest_slot, unsigned pin)
{
	return 16 + (guest_slot + pin - 1) % 8;
}

unsigned vm_dest_pcpu(const struct vm *vm, uint64_t msi_addr)
{
	uint32_t dest = (uint32_t)MSI_ADDR_DEST(msi_addr);

	return pcpu_id(vm->vc[dest < vm->cfg.nvcpus ? dest : 0].p);
}
