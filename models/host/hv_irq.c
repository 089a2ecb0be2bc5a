/* SPDX-License-Identifier: MIT */
/*
 * How the hypervisor gets interrupts into a VM, one mode per VM (DESIGN.md: "Delivery modes").
 *
 *  emulated        KVM without APICv: a host vector exits the guest (external interrupt), the
 *                  in-kernel LAPIC takes the guest vector, it is injected on entry, and the
 *                  guest's EOI (an intercepted x2APIC MSR write) exits again.
 *  eoi_passthrough the same, but the x2APIC EOI MSR is not intercepted: the host leaves its
 *                  vector in service and the guest's EOI retires it at the physical LAPIC.
 *  eli             ELI (Gordon et al., ASPLOS'12): external-interrupt exiting off, a shadow IDT
 *                  sends the assigned vectors straight to the guest's handlers; other vectors
 *                  are not present and exit as #NP; the guest EOIs the physical LAPIC. When the
 *                  vCPU is not in guest mode the host re-raises the vector at the next entry.
 *  cpu_posted      APICv (SDM vol. 3C ch. 29): the host's handler posts the vector into the
 *                  vCPU's posted-interrupt descriptor and notifies its pCPU; virtual-interrupt
 *                  delivery and EOI virtualization need no exits.
 *  vtd_posted      the IOMMU posts (VT-d §5.2.3, §9.12); while the vCPU blocks, its
 *                  descriptor's NV is the wakeup vector (Linux's pi_pre_block/pi_post_block).
 */
#include "models/host/hv_internal.h"
#include "models/apic/lapic.h"
#include "models/apic/lapic_regs.h"
#include "models/apic/msi_regs.h"
#include "models/apic/posted_intr_regs.h"
#include "models/cpu/vmx.h"
#include "models/mem/mem.h"
#include "sim/engine.h"
#include "sim/trace.h"

#include <stdio.h>

#include <errno.h>
#include <stdlib.h>

static void step(struct hv_vcpu *hc, const char *name, unsigned vec)
{
	char args[48];
	struct pcpu *p = pcpu_self();

	snprintf(args, sizeof(args), "\"vector\":\"0x%02x\"", vec);
	trace_instant(sim_trace, pcpu_track(p ? p : hc->p), "hv", name, host_now(hc->vm->hv->h),
		      args);
}

static bool posted(const struct vm *vm)
{
	return vm->cfg.irq_mode == HV_IRQ_CPU_POSTED || vm->cfg.irq_mode == HV_IRQ_VTD_POSTED;
}

static void posted_irq(void *ctx, struct pcpu *p, uint8_t vector)
{
	/* POSTED_INTR_VECTOR arriving in host mode (kvm_posted_intr_ipi): nothing to do, the
	 * PIR is synced into the virtual-APIC page before the next entry. */
	(void)ctx;
	(void)p;
	(void)vector;
}

/* POSTED_INTR_WAKEUP_VECTOR (pi_wakeup_handler): wake every vCPU blocked on this pCPU
 * whose descriptor has a notification outstanding. */
static void wakeup_irq(void *ctx, struct pcpu *p, uint8_t vector)
{
	struct hv *hv = ctx;

	(void)vector;
	host_cpu_work(hv->h, hv->cfg.costs.pi_wakeup);
	for (unsigned i = 0; i < hv->nvms; i++) {
		struct vm *vm = hv->vms[i];

		for (unsigned c = 0; c < vm->cfg.nvcpus; c++) {
			struct hv_vcpu *hc = &vm->vc[c];

			if (hc->p != p || !hc->pi_blocked)
				continue;
			if (pi_ctl_on(host_mem_read64(hv->h, hc->pi_desc + PI_DESC_CTL))) {
				vm->st.pi_wakeups++;
				if (trace_on())
					step(hc, "wakeup vector: wake the blocked vCPU", vector);
				host_thread_wake(hc->thread);
			}
		}
	}
}

/* RESCHEDULE_VECTOR, which kicks a vCPU out of guest mode, is the host scheduler's. */
int hv__irq_init(struct hv *hv)
{
	int rc = host_irq_set_system(hv->h, HOST_POSTED_INTR_VECTOR, posted_irq, hv);

	if (!rc)
		rc = host_irq_set_system(hv->h, HOST_POSTED_INTR_WAKEUP_VECTOR, wakeup_irq, hv);
	if (rc)
		hv__irq_exit(hv);
	return rc;
}

/* The system vectors and descriptor pages hv__irq_init and the vCPUs' setup took. */
void hv__irq_exit(struct hv *hv)
{
	host_irq_free_system(hv->h, HOST_POSTED_INTR_VECTOR, hv);
	host_irq_free_system(hv->h, HOST_POSTED_INTR_WAKEUP_VECTOR, hv);
	for (unsigned i = 0; i < hv->npid_pages; i++)
		host_free_pages(hv->h, hv->pid_pages[i], 1);
	free(hv->pid_pages);
	hv->pid_pages = NULL;
	hv->npid_pages = 0;
	hv->pid_page = 0;
}

static void pid_set_nv(struct hv *hv, struct hv_vcpu *hc, uint8_t nv)
{
	uint64_t ctl = host_mem_read64(hv->h, hc->pi_desc + PI_DESC_CTL);

	host_mem_write64(hv->h, hc->pi_desc + PI_DESC_CTL, pi_ctl_set_nv(ctl, nv));
}

int hv__vcpu_irq_setup(struct vm *vm, struct hv_vcpu *hc)
{
	struct hv *hv = vm->hv;
	struct vmx_controls *ctl = vcpu_controls(hc->v);
	int rc;

	/* The xAPIC page traps (or is virtualized) in every mode: guests may use it. */
	ctl->apic_access = true;
	switch (vm->cfg.irq_mode) {
	case HV_IRQ_EMULATED:
		break;
	case HV_IRQ_EOI_PASSTHROUGH:
		ctl->msr_trap_eoi = false;
		break;
	case HV_IRQ_ELI:
		ctl->ext_int_exiting = false;
		ctl->shadow_idt = true;
		ctl->msr_trap_eoi = false;
		break;
	case HV_IRQ_CPU_POSTED:
	case HV_IRQ_VTD_POSTED:
		/* APICv: x2APIC virtualization, virtual-interrupt delivery, posted interrupts. */
		if (!hv->pid_page || hv->pid_used == 4096 / PI_DESC_SIZE) {
			uint64_t *pages =
			    realloc(hv->pid_pages, (hv->npid_pages + 1) * sizeof(*pages));

			if (!pages)
				return -ENOMEM;
			hv->pid_pages = pages;
			rc = host_alloc_pages(hv->h, 1, MEM_OWNER_HOST, &hv->pid_page);
			if (rc)
				return rc;
			hv->pid_pages[hv->npid_pages++] = hv->pid_page;
			hv->pid_used = 0;
		}
		hc->pi_desc = hv->pid_page + PI_DESC_SIZE * hv->pid_used++;
		/* NDST is the x2APIC ID of the pCPU (the host runs interrupt remapping with
		 * EIME, so the IOMMU reads all 32 bits, VT-d §9.12). */
		host_mem_write64(
		    hv->h, hc->pi_desc + PI_DESC_CTL,
		    pi_ctl_make(HOST_POSTED_INTR_VECTOR, host_cpu_apic_id(hv->h, pcpu_id(hc->p))));
		ctl->msr_trap_x2apic = false;
		ctl->msr_trap_eoi = false;
		ctl->apic_reg_virt = true;
		ctl->virt_intr_delivery = true;
		ctl->posted_intr = true;
		ctl->pi_nv = HOST_POSTED_INTR_VECTOR;
		ctl->pi_desc = hc->pi_desc;
		vcpu_set_vapic(hc->v, hc->vlapic);
		break;
	}
	return 0;
}

bool hv__runnable(void *ctx)
{
	struct hv_vcpu *hc = ctx;
	struct vm *vm = hc->vm;

	if (lapic_deliverable(hc->vlapic) >= 0)
		return true;
	if (posted(vm) && pi_ctl_on(host_mem_read64(vm->hv->h, hc->pi_desc + PI_DESC_CTL)))
		return true;
	for (int i = 0; i < 8; i++)
		if (hc->reflect[i])
			return true;
	return false;
}

/* Software delivery of an interrupt to a vCPU (irqfd, a virtual IPI). */
void hv__deliver(struct vm *vm, struct hv_vcpu *hc, uint8_t vector, bool level)
{
	struct hv *hv = vm->hv;

	if (!posted(vm) || level) {
		/* The emulated LAPIC; its notify hook kicks the vCPU. */
		if (trace_on())
			step(hc, "guest vector into the emulated LAPIC (IRR)", vector);
		lapic_accept(hc->vlapic, vector, level);
		return;
	}
	if (trace_on())
		step(hc, "software posts into the descriptor (PIR bit, ON)", vector);
	/* vmx_deliver_posted_interrupt: set the PIR bit and ON; a vCPU in guest mode on
	 * another pCPU gets the notification vector, any other is woken or will sync the PIR
	 * before it enters. */
	uint64_t pir = hc->pi_desc + pi_pir_word(vector);
	uint64_t ctl;

	host_cpu_work(hv->h, hv->cfg.costs.post);
	vm->st.posted++;
	host_mem_write64(hv->h, pir, host_mem_read64(hv->h, pir) | pi_pir_bit(vector));
	ctl = host_mem_read64(hv->h, hc->pi_desc + PI_DESC_CTL);
	if (pi_ctl_on(ctl))
		return; /* a notification is already on its way */
	host_mem_write64(hv->h, hc->pi_desc + PI_DESC_CTL, ctl | PI_DESC_ON);
	if (vcpu_in_guest(hc->v) && hc->p != host_this_cpu(hv->h)) {
		vm->st.notifications_sent++;
		if (trace_on())
			step(hc, "notification IPI to the vCPU's pCPU", HOST_POSTED_INTR_VECTOR);
		host_send_ipi(hv->h, pcpu_id(hc->p), HOST_POSTED_INTR_VECTOR);
	} else {
		host_thread_wake(hc->thread);
	}
}

void vm_assigned_irq(struct vm *vm, struct pcpu *p, uint8_t host_vector, uint64_t guest_addr,
		     uint32_t guest_data)
{
	struct hv_vcpu *hc = hv__vcpu_by_apic(vm, (uint32_t)MSI_ADDR_DEST(guest_addr));

	(void)p;
	vm->st.msi_injected++;
	if (!hc)
		return;
	switch (vm->cfg.irq_mode) {
	case HV_IRQ_EOI_PASSTHROUGH:
		/* The guest's EOI will go to this LAPIC: leave the vector in service. */
		if (trace_on())
			step(hc, "host vector left in service for the guest's EOI", host_vector);
		host_irq_defer_eoi(vm->hv->h);
		hc->pt_gvec[host_vector] = (uint8_t)guest_data;
		hv__deliver(vm, hc, (uint8_t)guest_data, false);
		break;
	case HV_IRQ_ELI:
		/* The vCPU is not in guest mode (in it, the shadow IDT would have taken the
		 * vector): re-raise the same vector at the next entry. */
		hc->reflect[host_vector / 32] |= 1u << (host_vector % 32);
		if (trace_on())
			step(hc, "vCPU out of guest mode: re-raise at entry", host_vector);
		host_thread_wake(hc->thread);
		break;
	default:
		hv__deliver(vm, hc, (uint8_t)MSI_DATA_VECTOR(guest_data),
			    guest_data & MSI_DATA_TRIGGER);
		break;
	}
}

/* Before every entry (KVM's vcpu_enter_guest): sync posted interrupts, re-raise ELI vectors,
 * or inject from the emulated LAPIC (inject_pending_event, enable_irq_window). */
void hv__pre_entry(struct hv_vcpu *hc)
{
	struct vm *vm = hc->vm;
	struct vmx_controls *ctl = vcpu_controls(hc->v);
	bool auto_eoi = vm->cfg.irq_mode == HV_IRQ_EOI_PASSTHROUGH ||
			vm->cfg.irq_mode == HV_IRQ_ELI;

	if (posted(vm)) {
		/* sync_pir_to_irr: what was posted while we were out enters the virtual IRR;
		 * virtual-interrupt delivery takes it from there, no injection, no window. */
		if (pi_ctl_on(host_mem_read64(vm->hv->h, hc->pi_desc + PI_DESC_CTL))) {
			if (trace_on())
				step(hc, "before entry: PIR to vIRR (sync_pir_to_irr)", 0);
			vcpu_pi_sync(hc->v);
		}
		ctl->intr_window_exiting = false;
		return;
	}
	for (unsigned i = 0; i < 8; i++) {
		while (hc->reflect[i]) {
			unsigned b = (unsigned)__builtin_ctz(hc->reflect[i]);

			hc->reflect[i] &= ~(1u << b);
			vm->st.reflected++;
			if (trace_on())
				step(hc, "self-IPI: the vector again, for the shadow IDT", i * 32 + b);
			host_send_ipi(vm->hv->h, pcpu_id(hc->p), (uint8_t)(i * 32 + b)); /* self-IPI */
		}
	}
	if (lapic_deliverable(hc->vlapic) < 0) {
		ctl->intr_window_exiting = false;
		return;
	}
	if (!vcpu_guest_if(hc->v)) {
		ctl->intr_window_exiting = true;
		return;
	}
	ctl->intr_window_exiting = false;
	hv__charge(vm, vm->hv->cfg.costs.inject);
	int vec = lapic_ack(hc->vlapic);
	/* With EOI passed through the guest's EOI never reaches this LAPIC: retire it now --
	 * unless it is level-triggered (an I/O APIC line), whose EOI must come back here to
	 * reach the virtual I/O APIC: intercept EOI until the guest has retired it. */
	if (auto_eoi && lapic_tmr_test(hc->vlapic, (uint8_t)vec)) {
		if (trace_on())
			step(hc, "level-triggered: intercept the guest's EOI until it retires this", vec);
		ctl->msr_trap_eoi = true;
	} else if (auto_eoi) {
		lapic_eoi(hc->vlapic);
	}
	vcpu_inject(hc->v, (uint8_t)vec);
	vm->st.injections++;
}

/* A vCPU about to block: with VT-d posting, notifications must wake it from now on. */
void hv__pre_block(struct hv_vcpu *hc)
{
	if (hc->vm->cfg.irq_mode != HV_IRQ_VTD_POSTED)
		return;
	if (trace_on())
		step(hc, "blocking: descriptor NV = wakeup vector", HOST_POSTED_INTR_WAKEUP_VECTOR);
	pid_set_nv(hc->vm->hv, hc, HOST_POSTED_INTR_WAKEUP_VECTOR);
	hc->pi_blocked = true;
}

void hv__post_block(struct hv_vcpu *hc)
{
	if (!hc->pi_blocked)
		return;
	if (trace_on())
		step(hc, "running again: descriptor NV = posted-interrupt vector",
		     HOST_POSTED_INTR_VECTOR);
	pid_set_nv(hc->vm->hv, hc, HOST_POSTED_INTR_VECTOR);
	hc->pi_blocked = false;
}

/* An EOI intercepted in a mode that normally passes it through (a level-triggered vector is
 * in service): the guest retires its highest-priority vector in service, which is either that
 * injected vector or an assigned one still in service at this pCPU's physical LAPIC (left
 * there for the guest, or taken through the shadow IDT). Retire whichever it is; stop
 * intercepting when no injected vector is left. */
static void intercepted_eoi(struct vm *vm, struct hv_vcpu *hc)
{
	struct host *h = vm->hv->h;
	int hv_vec = host_apic_highest_isr(h), pv = -1, lv = lapic_highest_isr(hc->vlapic);

	if (hv_vec >= 0)
		pv = vm->cfg.irq_mode == HV_IRQ_ELI
			     ? vcpu_controls(hc->v)->shadow_idt_map[hv_vec]
			     : hc->pt_gvec[hv_vec];
	if (pv > 0 && pv > lv) {
		if (trace_on())
			step(hc, "intercepted EOI is for an assigned vector: EOI the physical LAPIC",
			     (unsigned)hv_vec);
		host_apic_eoi(h);
	} else {
		lapic_eoi(hc->vlapic);
	}
	if (lapic_highest_isr(hc->vlapic) < 0)
		vcpu_controls(hc->v)->msr_trap_eoi = false;
}

/* The vCPU's thread leaves its pCPU (kvm_sched_out -> vmx_vcpu_pi_put): preempted, it
 * suppresses notifications (SN), since it cannot take them until it runs; the posts still
 * land in the PIR. Blocking has already pointed NV at the wakeup vector (pre_block). */
void hv__sched_out(void *ctx, bool preempted)
{
	struct hv_vcpu *hc = ctx;
	struct vm *vm = hc->vm;
	uint64_t ctl;

	if (!posted(vm) || !preempted)
		return;
	ctl = host_mem_read64(vm->hv->h, hc->pi_desc + PI_DESC_CTL);
	host_mem_write64(vm->hv->h, hc->pi_desc + PI_DESC_CTL, ctl | PI_DESC_SN);
	vm->st.pi_sn_sets++;
	if (trace_on())
		step(hc, "preempted: descriptor SN = 1 (notifications suppressed)", 0);
}

/* Back on its pCPU (vmx_vcpu_pi_load): SN clears, and if anything was posted meanwhile, ON is
 * set so the PIR is synced before the entry (VT-d §9.12: software sets ON for a PIR posted
 * with SN set). */
void hv__sched_in(void *ctx)
{
	struct hv_vcpu *hc = ctx;
	struct vm *vm = hc->vm;
	struct host *h = vm->hv->h;
	uint64_t ctl, pir = 0;

	if (!posted(vm))
		return;
	ctl = host_mem_read64(h, hc->pi_desc + PI_DESC_CTL);
	if (!pi_ctl_sn(ctl))
		return;
	ctl &= ~PI_DESC_SN;
	for (unsigned w = 0; w < 4; w++)
		pir |= host_mem_read64(h, hc->pi_desc + PI_DESC_PIR + 8ull * w);
	if (pir && !pi_ctl_on(ctl)) {
		ctl |= PI_DESC_ON;
		vm->st.pi_on_at_resume++;
		if (trace_on())
			step(hc, "resumed: SN = 0, PIR pending so ON = 1 (synced before entry)", 0);
	}
	host_mem_write64(h, hc->pi_desc + PI_DESC_CTL, ctl);
}

/* APICv's trap-like APIC-write exit: the register is written in the virtual-APIC page;
 * act on it (KVM's handle_apic_write). Also serves emulated x2APIC/xAPIC writes. */
void hv__apic_write(struct vm *vm, struct hv_vcpu *hc, uint32_t off, uint64_t val)
{
	switch (off) {
	case APIC_EOI:
		vm->st.eois++;
		if (vm->cfg.irq_mode == HV_IRQ_EOI_PASSTHROUGH || vm->cfg.irq_mode == HV_IRQ_ELI)
			intercepted_eoi(vm, hc);
		else
			lapic_eoi(hc->vlapic);
		break;
	case APIC_ICR: {
		/* x2APIC: destination in the high half; xAPIC: ICR2[31:24]. */
		uint32_t dest = hc->x2apic ? (uint32_t)(val >> 32)
					   : lapic_reg_read(hc->vlapic, APIC_ICR2) >> 24;
		struct hv_vcpu *t = hv__vcpu_by_apic(vm, dest);

		if (t)
			hv__deliver(vm, t, (uint8_t)val, false);
		break;
	}
	case APIC_SELF_IPI:
		hv__deliver(vm, hc, (uint8_t)val, false);
		break;
	default:
		lapic_reg_write(hc->vlapic, off, (uint32_t)val);
	}
}

void vm_shadow_idt_map(struct vm *vm, uint64_t msi_addr, uint8_t host_vector,
		       uint8_t guest_vector)
{
	struct hv_vcpu *hc = hv__vcpu_by_apic(vm, (uint32_t)MSI_ADDR_DEST(msi_addr));

	if (hc)
		vcpu_controls(hc->v)->shadow_idt_map[host_vector] = guest_vector;
}

uint64_t vm_pi_desc(const struct vm *vm, uint64_t msi_addr)
{
	uint32_t dest = (uint32_t)MSI_ADDR_DEST(msi_addr);

	return vm->vc[dest < vm->cfg.nvcpus ? dest : 0].pi_desc;
}

enum hv_irq_mode vm_irq_mode(const struct vm *vm)
{
	return vm->cfg.irq_mode;
}

unsigned vm_host_irq_pcpu(const struct vm *vm, uint64_t msi_addr)
{
	return vm->cfg.host_irq_pcpu >= 0 ? (unsigned)vm->cfg.host_irq_pcpu
					  : vm_dest_pcpu(vm, msi_addr);
}
