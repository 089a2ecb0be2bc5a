/* SPDX-License-Identifier: MIT */
/* The knobs of the hypervisor (its exit handlers' costs) and of a VM. */
#include "models/host/hv.h"
#include "sim/knob.h"

const char *const hv_irq_mode_names[] = {"emulated",   "eoi_passthrough", "eli",
					 "cpu_posted", "vtd_posted",	  NULL};

/* Beyond the hardware's exit and entry (machine.cpu: 1,300 cycles together). */
static const struct cfg_field costs_fields[] = {
    CFG_U64("external_interrupt_cycles", struct hv_costs, ext_int, 150, 0, 1e7, "cycles",
	    "external-interrupt exit handling",
	    .source = "with irq entry, irqfd and injection the exit costs ~0.75 us; ~0.7 us on "
		      "Skylake (KVM posted-timer commit log)"),
    CFG_U64("interrupt_window_cycles", struct hv_costs, intr_window, 100, 0, 1e7, "cycles",
	    "interrupt-window exit handling"),
    CFG_U64("hlt_cycles", struct hv_costs, hlt, 300, 0, 1e7, "cycles",
	    "HLT exit handling before the vCPU blocks"),
    CFG_U64("wakeup_cycles", struct hv_costs, wakeup, 1500, 0, 1e7, "cycles",
	    "waking a blocked vCPU thread and switching to it", .source = "estimate"),
    CFG_U64("apic_msr_cycles", struct hv_costs, apic_msr, 256, 0, 1e7, "cycles",
	    "emulating one x2APIC MSR access (EOI, TPR...)",
	    .source = "emulated EOI 1,556 cycles in all (Dall et al., ISCA'16)"),
    CFG_U64("inject_cycles", struct hv_costs, inject, 90, 0, 1e7, "cycles",
	    "preparing an event injection"),
    CFG_U64("irqfd_cycles", struct hv_costs, irqfd, 250, 0, 1e7, "cycles",
	    "host MSI handler to guest interrupt (vfio, irqfd, LAPIC)",
	    .source = "as external_interrupt_cycles"),
    CFG_U64("user_exit_cycles", struct hv_costs, user_exit, 5432, 0, 1e8, "cycles",
	    "an exit served by the user-space VMM (config space, MSI-X table, PIO)",
	    .source = "exit to user space 6,732 cycles in all (Dall et al., ISCA'16)"),
    CFG_U64("kernel_mmio_cycles", struct hv_costs, kernel_mmio, 1265, 0, 1e8, "cycles",
	    "an MMIO exit served in the kernel",
	    .source = "I/O exit in the kernel 2,565 cycles in all (Dall et al., ISCA'16)"),
    CFG_U64("vmcall_cycles", struct hv_costs, vmcall, 137, 0, 1e7, "cycles", "a hypercall",
	    .source = "hypercall 1,437 cycles in all (Dall et al., ISCA'16)"),
    CFG_U64("apic_access_cycles", struct hv_costs, apic_access, 400, 0, 1e7, "cycles",
	    "emulating an xAPIC access (APIC-access exit: decode and emulate)"),
    CFG_U64("apic_write_cycles", struct hv_costs, apic_write, 200, 0, 1e7, "cycles",
	    "APICv: acting on a trap-like APIC-write exit (ICR, SVR...)"),
    CFG_U64("eoi_induced_cycles", struct hv_costs, eoi_induced, 200, 0, 1e7, "cycles",
	    "APICv: an EOI-induced exit (level-triggered vectors)"),
    CFG_U64("exception_cycles", struct hv_costs, exception, 200, 0, 1e7, "cycles",
	    "ELI: a #NP exit for a vector outside the shadow IDT"),
    CFG_U64("pi_wakeup_cycles", struct hv_costs, pi_wakeup, 300, 0, 1e7, "cycles",
	    "the posted-interrupt wakeup handler"),
    CFG_U64("post_cycles", struct hv_costs, post, 60, 0, 1e7, "cycles",
	    "software posting an interrupt into a vCPU's descriptor"),
    CFG_U64("pv_iommu_request_cycles", struct hv_costs, pv_iommu_req, 150, 0, 1e7, "cycles",
	    "one paravirtual IOMMU request: decode, check the guest pages belong to the VM, look "
	    "the pages up (reading it from guest memory and the IOMMU work are counted apart)",
	    .source = "estimate"),
    CFG_U64("pin_page_cycles", struct hv_costs, pin_page, 300, 0, 1e7, "cycles",
	    "pinning one guest page for DMA (get_user_pages, accounting)", .source = "estimate"),
    CFG_U64("unpin_page_cycles", struct hv_costs, unpin_page, 150, 0, 1e7, "cycles", "unpinning it",
	    .source = "estimate"),
    CFG_U64("viommu_desc_cycles", struct hv_costs, viommu_desc, 300, 0, 1e7, "cycles",
	    "a vIOMMU's invalidation descriptor carried out by the VMM (fetch, decode, dispatch), "
	    "beyond the page-table walks and mappings it leads to",
	    .source = "estimate (QEMU's vtd_process_inv_desc)"),
    CFG_END,
};
const struct cfg_schema hv_costs_schema = CFG_SCHEMA("hypervisor", struct hv_costs, costs_fields);

static const struct cfg_field vm_fields[] = {
    CFG_U32("vcpus", struct vm_cfg, nvcpus, 1, 1, 256, "vCPUs", "virtual CPUs"),
    CFG_MIB("memory_mib", struct vm_cfg, ram_bytes, 1024, 16, 1 << 20, "guest RAM"),
    CFG_ENUM("interrupt_mode", struct vm_cfg, irq_mode, hv_irq_mode_names, HV_IRQ_EMULATED,
	     "how device interrupts reach the guest"),
    CFG_INT("host_irq_pcpu", struct vm_cfg, host_irq_pcpu, -1, 0, 255, NULL,
	    "pCPU whose LAPIC takes assigned devices' host vectors", .flags = CFG_ID,
	    .def_text = "the destination vCPU's pCPU"),
    CFG_NS("halt_poll_ns", struct vm_cfg, halt_poll_ps, 200000, 0, 1e10,
	   "halt polling: how long a halted vCPU spins before it blocks",
	   .source = "KVM's halt_poll_ns default"),
    CFG_END,
};
const struct cfg_schema vm_cfg_schema = CFG_SCHEMA("vm", struct vm_cfg, vm_fields);
